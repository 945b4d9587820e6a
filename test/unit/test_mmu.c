/*
 * test_mmu.c - properties of the MMU instance: the same-entry fast path
 * and the host prefetching of sim_events change no result; the L2 TLB is
 * filled on every L1 miss; TLB contents stay consistent with the page
 * tables after UNMAP/PROTECT.
 */
#include "test.h"
#include "../../mmu/machine/oracle.h"
#include "../../mmu/sim.h"
#include "sim_util.h"

static const char *native[] = { "native" };

static void fastpath_case(const char *spec, enum repl pol)
{
	struct cfg c;
	struct sim a, b;
	int k;

	cfg_default(&c);
	for (k = 0; k < PS_NR; k++) {
		c.tlb.l1d[k].policy = pol;
		c.tlb.l1i[k].policy = pol;
	}
	REQUIRE(sim_init(&a, &c, native, 1, false) == 0);
	REQUIRE(sim_init(&b, &c, native, 1, false) == 0);
	b.mmu[0].no_fastpath = true;
	feed(&a, spec, false);
	feed(&b, spec, false);
	CHECK(memcmp(&a.mmu[0].st, &b.mmu[0].st, sizeof a.mmu[0].st) == 0);
	CHECK(memcmp(a.mmu[0].tlb.hits, b.mmu[0].tlb.hits, sizeof a.mmu[0].tlb.hits) == 0);
	CHECK(memcmp(a.mmu[0].tlb.misses, b.mmu[0].tlb.misses, sizeof a.mmu[0].tlb.misses) == 0);
	CHECK(memcmp(a.mmu[0].pwc.hits, b.mmu[0].pwc.hits, sizeof a.mmu[0].pwc.hits) == 0);
	CHECK(a.mmu[0].tlb.hits[TLB_L1D] > 0);
	sim_destroy(&a);
	sim_destroy(&b);
}

TEST(mmu_fastpath_exact_lru) { fastpath_case("hotcold:footprint=64M,n=200000,hot=0.01,hotp=0.95,ifrac=0.2,rw=0.3", REPL_LRU); }
TEST(mmu_fastpath_exact_plru) { fastpath_case("zipf:footprint=64M,n=200000,alpha=1.2,ifrac=0.2,rw=0.3", REPL_PLRU); }
TEST(mmu_fastpath_exact_random) { fastpath_case("seq:footprint=16M,n=200000,size=64", REPL_RANDOM); }
TEST(mmu_fastpath_exact_multiproc) { fastpath_case("multiproc:footprint=8M,n=200000,procs=3,quantum=1000,rw=0.5", REPL_PLRU); }

/* sim_events (which prefetches ahead while accesses walk) and one
 * sim_event per event give the same results, whatever happens between a
 * prefetch and its access (faults, CTX switches, UNMAP, PROTECT, MAP, 2M
 * pages). */
static void same_results(struct sim *a, struct sim *b)
{
	CHECK(a->mmu[0].st.walks > 1000);
	CHECK(memcmp(&a->mmu[0].st, &b->mmu[0].st, sizeof a->mmu[0].st) == 0);
	CHECK(memcmp(a->mmu[0].tlb.hits, b->mmu[0].tlb.hits, sizeof a->mmu[0].tlb.hits) == 0);
	CHECK(memcmp(a->mmu[0].pwc.hits, b->mmu[0].pwc.hits, sizeof a->mmu[0].pwc.hits) == 0);
	CHECK(memcmp(a->mmu[0].port.reads, b->mmu[0].port.reads, sizeof a->mmu[0].port.reads) == 0);
	CHECK(memcmp(&a->m.os.st, &b->m.os.st, sizeof a->m.os.st) == 0);
}

static void prefetch_case(const char *spec, enum thp_mode thp, u32 levels)
{
	struct cfg c;
	struct sim a, b;
	struct trace *t;

	cfg_default(&c);
	c.os.levels = levels;
	c.os.thp = thp;
	REQUIRE(sim_init(&a, &c, native, 1, false) == 0);
	REQUIRE(sim_init(&b, &c, native, 1, false) == 0);
	REQUIRE(trace_open_gen(&t, spec) == 0);
	CHECK(sim_run(&a, t) == 0);
	trace_close(t);
	feed(&b, spec, false);
	same_results(&a, &b);
	sim_destroy(&a);
	sim_destroy(&b);
}

TEST(mmu_prefetch_changes_nothing)
{
	enum { N = 40000 };
	static struct ev e[N];
	struct cfg c;
	struct sim a, b;
	u64 rng = rng_seed(5), base = 0x7f0000000000ull;
	int i;

	prefetch_case("uniform:footprint=4G,n=100000,rw=0.3,ifrac=0.1", THP_NEVER, 4);
	prefetch_case("multiproc:of=uniform,procs=3,quantum=7,footprint=1G,n=60000,rw=0.5", THP_ALWAYS, 5);
	prefetch_case("zipf:footprint=8G,n=60000,page=2M,rw=0.3", THP_NEVER, 4);
	/* churn: regions mapped, unmapped and reprotected between accesses */
	cfg_default(&c);
	c.os.thp = THP_ALWAYS;
	REQUIRE(sim_init(&a, &c, native, 1, false) == 0);
	REQUIRE(sim_init(&b, &c, native, 1, false) == 0);
	for (i = 0; i < N; i++)
		e[i] = churn_event(&rng, base, 1u << 20, 600);
	CHECK(sim_events(&a, e, N) == 0);
	for (i = 0; i < N; i++)
		REQUIRE(sim_event(&b, &e[i]) == 0);
	same_results(&a, &b);
	sim_destroy(&a);
	sim_destroy(&b);
}

/* Every L1 miss looks up the L2 once; every walk that succeeds fills both. */
TEST(mmu_l2_filled_on_l1_miss)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	u64 i, base = 0x10000000;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	u = &s.mmu[0];
	REQUIRE(os_populate(&s.m.os, base, 256 * 4096, ACC_R) == 0);
	/* 256 pages: more than the 64-entry L1 dTLB, fewer than the L2 */
	for (i = 0; i < 256; i++)
		REQUIRE(mmu_translate(u, base + i * 4096, ACC_R, &o, &f));
	CHECK_EQ(u->st.walks, 256);
	for (i = 0; i < 256; i++)
		REQUIRE(mmu_translate(u, base + i * 4096, ACC_R, &o, &f));
	/* second pass: every page misses L1 (LRU-like thrash of 256 > 64 in
	 * 16 sets x 4 ways, sequential) and hits the L2 */
	CHECK_EQ(u->st.walks, 256);
	CHECK_EQ(u->tlb.misses[TLB_L1D], 512);
	CHECK_EQ(u->tlb.hits[TLB_L2], 256);
	CHECK_EQ(u->tlb.misses[TLB_L2], 256);
	sim_destroy(&s);
}

struct scan { struct sim *s; u64 bad, seen; };

static void scan_entry(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg)
{
	struct scan *sc = arg;
	struct oracle_res r;
	(void)lvl;
	(void)ctx;
	sc->seen++;
	oracle_translate(&sc->s->m, sc->s->m.os.cur->root, 4, va, ACC_R, &r);
	if (r.fault != FAULT_NONE || (r.hpa.v & ~(psize_bytes(x->ps) - 1)) != x->frame ||
	    r.perms != x->perms)
		sc->bad++;
}

/* After random UNMAP/PROTECT churn, every TLB entry still agrees with the
 * page tables (no stale translation survives). */
TEST(mmu_tlb_consistent_after_churn)
{
	struct cfg c;
	struct sim s;
	struct scan sc;
	u64 base = 0x7f0000000000ull, rng = rng_seed(5);
	int step;

	cfg_default(&c);
	c.os.thp = THP_ALWAYS;
	REQUIRE(sim_init(&s, &c, native, 1, true) == 0);
	for (step = 0; step < 4000; step++) {
		struct ev e = churn_event(&rng, base, 2048, 16);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	memset(&sc, 0, sizeof sc);
	sc.s = &s;
	tlb_foreach(&s.mmu[0].tlb, scan_entry, &sc);
	CHECK(sc.seen > 0);
	CHECK_EQ(sc.bad, 0);
	CHECK_EQ(s.mmu[0].st.oracle_mismatches, 0);
	CHECK(s.mmu[0].st.oracle_checks > 1000);
	sim_destroy(&s);
}

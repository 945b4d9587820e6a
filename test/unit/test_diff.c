/*
 * test_diff.c - the differential random-trace test: seeded random traces
 * of MAP / UNMAP / PROTECT (4K, 2M, 1G and any page size, every
 * permission, overlapping and partial ranges), CTX and VM switches and
 * R / W / I / M accesses at page edges, each run through one comparison of
 * every walker with the reference check on, under one of the configuration
 * axes below. Any mismatch fails and names the seed and the configuration.
 *
 * make test runs DIFF_TRACES traces from seed 1; the long mode
 * (make fuzz-diff) reads MMUSIM_DIFF_SEED (first seed, default 1) and
 * MMUSIM_DIFF_TRACES (how many) and MMUSIM_DIFF_EVENTS (events a trace).
 */
#include "sim_util.h"
#include "../../mmu/machine/oracle.h"

#include <stdlib.h>

#define DIFF_TRACES 2016
#define DIFF_EVENTS 120

static const char *const diff_walkers[] = {
	"native", "nested", "shadow", "agile", "bpo", "dual-direct", "vmm-direct", "guest-direct", "tpt",
};

/* Every trace runs on a small machine (fast to set up) under one axis. */
#define DIFF_BASE "host.ram=4G", "vm.memory=2G", "agile.interval_cycles=20000"
static const char *const diff_cfgs[][8] = {
	{ DIFF_BASE },
	{ DIFF_BASE, "os.thp=always" },
	{ DIFF_BASE, "os.levels=5" },
	{ DIFF_BASE, "vm.host_levels=5" },
	{ DIFF_BASE, "os.levels=5", "vm.host_levels=5" },
	{ DIFF_BASE, "vm.host_thp=true" },
	{ DIFF_BASE, "vm.host_thp=true", "os.thp=always" },
	{ DIFF_BASE, "vm.backing=contiguous" },
	{ DIFF_BASE, "vm.backing=contiguous", "os.thp=always", "vm.host_thp=true" },
	{ DIFF_BASE, "os.strict=true" },
	{ DIFF_BASE, "os.pcid=false" },
	{ DIFF_BASE, "os.pcid=false", "os.thp=always", "vm.host_levels=5" },
	{ DIFF_BASE, "vm.compact_after=40", "os.thp=always" },
	/* a guest direct segment over the first 16M of the traces' range */
	{ DIFF_BASE, "vm.backing=contiguous", "segment.guest_base=0x40000000", "segment.guest_size=16M",
	  "segment.escape_pages=8" },
};
#define DIFF_NCFG (sizeof diff_cfgs / sizeof diff_cfgs[0])

static u64 pick(u64 *rng, u64 n) { return rng_next(rng) % n; }

/* A page boundary of interest: in one of two 1G regions, near the start
 * or end of a 2M page, near the start or end of a 4K page. */
static u64 diff_addr(u64 *rng)
{
	static const u64 m2[] = { 0, 1, 2, 3, 255, 510, 511 };
	static const u64 k4[] = { 0, 1, 2, 255, 510, 511 };
	return 0x40000000ull + pick(rng, 2) * (1ull << 30) + m2[pick(rng, ARRAY_SIZE(m2))] * (2ull << 20) +
	       k4[pick(rng, ARRAY_SIZE(k4))] * 4096;
}

static u64 diff_len(u64 *rng)
{
	static const u64 l[] = { 4096, 8192, (2ull << 20) - 4096, 2ull << 20, (2ull << 20) + 4096, 4ull << 20,
				 1ull << 30, 0 };
	u64 n = l[pick(rng, ARRAY_SIZE(l))];
	return n ? n : (1 + pick(rng, 700)) * 4096;
}

static struct ev diff_event(u64 *rng)
{
	static const u8 psz[] = { PS_4K, PS_2M, PS_1G, 0xff };
	struct ev e = { 0 };
	unsigned op = (unsigned)pick(rng, 100);

	if (op < 10) {
		e.kind = EV_MAP;
		e.va = diff_addr(rng);
		e.len = diff_len(rng);
		e.prot = (u8)pick(rng, 8);
		e.psize = psz[pick(rng, ARRAY_SIZE(psz))];
	} else if (op < 17) {
		e.kind = EV_UNMAP;
		e.va = diff_addr(rng);
		e.len = diff_len(rng);
	} else if (op < 27) {
		e.kind = EV_PROTECT;
		e.va = diff_addr(rng);
		e.len = diff_len(rng);
		e.prot = (u8)pick(rng, 8);
	} else if (op < 31) {
		e.kind = EV_CTX;
		e.size = (u32)pick(rng, 3);
	} else if (op < 34) {
		e.kind = EV_VM;
		e.size = (u32)pick(rng, 2);
	} else {
		static const u32 sz[] = { 1, 8, 16, 64 };
		e.kind = (enum ev_kind)(EV_R + pick(rng, 4));
		e.size = sz[pick(rng, ARRAY_SIZE(sz))];
		/* at a page's first or last bytes, or across its end */
		e.va = diff_addr(rng) + (pick(rng, 2) ? pick(rng, 16) : 4096 - pick(rng, 12) - 1);
	}
	return e;
}

/* Prints an event as a line of the text trace format (to reproduce a
 * failing trace with the mmusim command). */
static void diff_dump(const struct ev *e)
{
	static const char *const psz[] = { "4K", "2M", "1G" };
	char prot[4] = { e->prot & PERM_R ? 'r' : '-', e->prot & PERM_W ? 'w' : '-', e->prot & PERM_X ? 'x' : '-', 0 };
	switch (e->kind) {
	case EV_MAP:
		fprintf(stderr, "MAP 0x%llx 0x%llx %s %s\n", (unsigned long long)e->va, (unsigned long long)e->len, prot,
			e->psize < 3 ? psz[e->psize] : "any");
		break;
	case EV_UNMAP:
		fprintf(stderr, "UNMAP 0x%llx 0x%llx\n", (unsigned long long)e->va, (unsigned long long)e->len);
		break;
	case EV_PROTECT:
		fprintf(stderr, "PROTECT 0x%llx 0x%llx %s\n", (unsigned long long)e->va, (unsigned long long)e->len, prot);
		break;
	case EV_CTX:
		fprintf(stderr, "CTX %u\n", (unsigned)e->size);
		break;
	case EV_VM:
		fprintf(stderr, "VM %u\n", (unsigned)e->size);
		break;
	default:
		fprintf(stderr, "%c 0x%llx %u\n", "RWIM"[e->kind], (unsigned long long)e->va, (unsigned)e->size);
	}
	fflush(stderr);
}

/* Runs one trace; returns the number of mismatches (0 when the machine
 * could not be set up, which fails the test by itself). */
static u64 diff_one(u64 seed, int events, bool verbose)
{
	const char *const *ov = diff_cfgs[seed % DIFF_NCFG];
	int nov = 0, i;
	struct cfg c;
	struct sim s;
	u64 rng = seed * 0x9e3779b97f4a7c15ull + 1, bad = 0, checks = 0;

	while (nov < 8 && ov[nov])
		nov++;
	if (cfg_load(&c, NULL, ov, nov)) {
		test_fail(__FILE__, __LINE__, "seed %llu: configuration %u does not load",
			  (unsigned long long)seed, (unsigned)(seed % DIFF_NCFG));
		return 1;
	}
	c.sim.seed = seed;
	if (sim_init(&s, &c, diff_walkers, (int)ARRAY_SIZE(diff_walkers), true)) {
		test_fail(__FILE__, __LINE__, "seed %llu: sim_init", (unsigned long long)seed);
		return 1;
	}
	s.mismatch_reports = verbose ? 0 : 10;     /* print only when asked */
	for (i = 0; i < events; i++) {
		struct ev e = diff_event(&rng);
		if (verbose && getenv("MMUSIM_DIFF_DUMP"))
			diff_dump(&e);
		if (sim_event(&s, &e))
			break;     /* simulated memory exhausted: the trace ends */
	}
	for (i = 0; i < s.n; i++) {
		bad += s.mmu[i].st.oracle_mismatches;
		checks += s.mmu[i].st.oracle_checks;
	}
	if (bad || !checks) {
		int k;
		printf("  diff: seed %llu, configuration %u:", (unsigned long long)seed, (unsigned)(seed % DIFF_NCFG));
		for (k = 0; k < nov; k++)
			printf(" -s %s", ov[k]);
		printf(": %llu mismatches in %llu checks (MMUSIM_DIFF_SEED=%llu MMUSIM_DIFF_TRACES=1 "
		       "build/test_runner diff_random_traces reproduces it)\n",
		       (unsigned long long)bad, (unsigned long long)checks, (unsigned long long)seed);
		if (!bad)
			bad = 1;
	}
	sim_destroy(&s);
	return bad;
}

static u64 env_u64(const char *name, u64 dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

/* Half `half` (0, 1) of the seed range: two tests, so that the runner
 * can run them side by side. */
static void diff_half(int half)
{
	u64 first = env_u64("MMUSIM_DIFF_SEED", 1), n = env_u64("MMUSIM_DIFF_TRACES", DIFF_TRACES);
	int events = (int)env_u64("MMUSIM_DIFF_EVENTS", DIFF_EVENTS);
	u64 seed, failed = 0, lo = first + (half ? n / 2 : 0), hi = half ? first + n : first + n / 2;
	bool trail = getenv("MMUSIM_DIFF_TRAIL") != NULL;   /* names each seed (a crash names its trace) */

	for (seed = lo; seed < hi; seed++) {
		if (trail) {
			fprintf(stderr, "diff: seed %llu\n", (unsigned long long)seed);
			fflush(stderr);
		}
		if (diff_one(seed, events, n == 1)) {
			failed++;
			test_fail(__FILE__, __LINE__, "seed %llu: mismatches", (unsigned long long)seed);
		}
	}
	CHECK_EQ(failed, 0);
}

TEST(diff_random_traces)
{
	diff_half(0);
}

TEST(diff_random_traces_2)
{
	diff_half(1);
}

/* The test can fail: a trace with a stale 2M TLB entry (an access through
 * a translation the reference translator no longer has) is a mismatch,
 * counted by the same sum the test uses. */
TEST(diff_counts_a_mismatch)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "native" };
	struct ev map = { .kind = EV_MAP, .va = 0x40000000, .len = 2ull << 20, .prot = PERM_R | PERM_W,
			  .psize = PS_2M };
	struct ev rd = { .kind = EV_R, .va = 0x40001000, .size = 8 };

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	s.mismatch_reports = 10;
	REQUIRE(sim_event(&s, &map) == 0);
	REQUIRE(sim_event(&s, &rd) == 0);
	CHECK_EQ(s.mmu[0].st.oracle_mismatches, 0);
	/* the guest's table changes behind the TLB's back (no INVLPG) */
	REQUIRE(os_find(&s.m.os, 0));
	{
		struct oracle_res r;
		oracle_translate(&s.m, s.mmu[0].root, s.mmu[0].levels, 0x40001000, ACC_R, &r);
		REQUIRE(r.fault == FAULT_NONE);
		machine_pt_write(&s.m, 0, r.leaf_at, r.level, 0);
	}
	REQUIRE(sim_event(&s, &rd) == 0);
	CHECK_EQ(s.mmu[0].st.oracle_mismatches, 1);
	sim_destroy(&s);
}

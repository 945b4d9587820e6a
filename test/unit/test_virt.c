/*
 * test_virt.c - virtualized memory: the 2D walk against its closed form,
 * shadow walks against native ones, VMM interventions counted by hand,
 * shadow tables and TLBs audited after churn.
 */
#include "test.h"
#include "../../mmu/machine/oracle.h"
#include "../../mmu/machine/pte.h"
#include "../../mmu/sim.h"
#include "sim_util.h"

/* Cold 2D walk with no caching at all: every one of the n guest tables and
 * the final guest-physical address is translated by an m-level EPT walk,
 * and each guest entry is read once: n*m + n + m (Bhargava et al. 2008).
 * A 2M page removes one level from its dimension's walks. */
static unsigned closed_form(unsigned n, unsigned m) { return n * m + n + m; }

static void twod_case(unsigned glevels, unsigned hlevels, bool g2m, bool h2m)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	const char *w[] = { "nested" };
	u64 va = 0x7f1200000000ull + 0x345678;
	unsigned n = glevels - g2m, m = hlevels - h2m, k, want = closed_form(n, m);
	unsigned pos = 0, gl;

	cfg_default(&c);
	c.os.levels = glevels;
	c.vm.host_levels = hlevels;
	c.vm.host_thp = h2m;
	c.pwc.enabled = false;
	c.ntlb.enabled = false;
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	u = &s.mmu[0];
	REQUIRE(os_map(&s.m.os, 0x7f1200000000ull, 1ull << 30, PERM_R | PERM_W, g2m ? PS_2M : PS_4K) == 0);
	REQUIRE(os_populate(&s.m.os, va, 1, ACC_R) == 0);
	REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
	CHECK_EQ(u->log.refs, want);
	CHECK_EQ(u->log.n, want);
	CHECK_EQ(o.ps, (g2m && h2m) ? PS_2M : PS_4K);
	/* order: for each guest level, m host references then the guest
	 * entry; then m host references for the data page */
	for (gl = glevels; gl > glevels - n; gl--) {
		for (k = 0; k < m; k++, pos++)
			if (pos < u->log.n && (u->log.r[pos].dim != DIM_H || u->log.r[pos].level != hlevels - k))
				test_fail(__FILE__, __LINE__, "ref %u: dim %u level %u, want host level %u", pos,
					  u->log.r[pos].dim, u->log.r[pos].level, hlevels - k);
		if (pos < u->log.n && (u->log.r[pos].dim != DIM_G || u->log.r[pos].level != gl))
			test_fail(__FILE__, __LINE__, "ref %u: want guest level %u", pos, gl);
		pos++;
	}
	for (k = 0; k < m; k++, pos++)
		if (pos < u->log.n && u->log.r[pos].dim != DIM_H)
			test_fail(__FILE__, __LINE__, "ref %u: want host", pos);
	CHECK_EQ(pos, want);
	CHECK_EQ(u->st.oracle_mismatches, 0);
	{
		struct oracle_res r;
		oracle_translate(&s.m, s.m.os.cur->root, (int)glevels, va, ACC_R, &r);
		CHECK_EQ(o.pa.v, r.hpa.v);
	}
	sim_destroy(&s);
}

TEST(virt_2d_4over4) { twod_case(4, 4, false, false); }
TEST(virt_2d_5over5) { twod_case(5, 5, false, false); }
TEST(virt_2d_4over5) { twod_case(4, 5, false, false); }
TEST(virt_2d_5over4) { twod_case(5, 4, false, false); }
TEST(virt_2d_guest2m) { twod_case(4, 4, true, false); }
TEST(virt_2d_host2m) { twod_case(4, 4, false, true); }
TEST(virt_2d_both2m) { twod_case(4, 4, true, true); }

TEST(virt_2d_closed_form_values)
{
	CHECK_EQ(closed_form(4, 4), 24);
	CHECK_EQ(closed_form(5, 5), 35);
	CHECK_EQ(closed_form(4, 5), 29);
	CHECK_EQ(closed_form(3, 4), 19);
	CHECK_EQ(closed_form(3, 3), 15);
}

/* With the caches on, a second walk to the next page reuses the guest PWC
 * (holding the host address of the PT) and needs only the PTE and the data
 * page's EPT walk (itself shortened by the host PDE cache). */
TEST(virt_2d_warm_caches)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	const char *w[] = { "nested" };
	u64 base = 0x7f0000000000ull;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	u = &s.mmu[0];
	REQUIRE(os_populate(&s.m.os, base, 2 * 4096, ACC_R) == 0);
	REQUIRE(mmu_translate(u, base, ACC_R, &o, &f));
	CHECK(u->log.refs < 24);           /* intra-walk host PWC hits */
	REQUIRE(mmu_translate(u, base + 4096, ACC_R, &o, &f));
	/* guest PDE cache hit, PTE read, data gPA: host PDE cache hit + 1 */
	CHECK_EQ(u->log.refs, 2);
	CHECK_EQ(u->st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* Shadow walks, once the shadow table is built, make the references a
 * native walk makes over the same guest tables. */
TEST(virt_shadow_walk_equals_native)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	const char *w[] = { "native", "shadow" };
	u64 va = 0x7f0000123000ull;
	unsigned i, levels;

	for (levels = 4; levels <= 5; levels++) {
		cfg_default(&c);
		c.os.levels = levels;
		REQUIRE(sim_init(&s, &c, w, 2, true) == 0);
		REQUIRE(os_populate(&s.m.os, va, 4096, ACC_W) == 0);
		for (i = 0; i < 2; i++) {
			REQUIRE(mmu_translate(&s.mmu[i], va, ACC_R, &o, &f));
			/* cold again: empty TLB, PWC and PTE caches */
			tlb_flush_all(&s.mmu[i].tlb);
			pwc_flush_all(&s.mmu[i].pwc);
			memport_flush(&s.mmu[i].port);
			s.mmu[i].fp[0].valid = s.mmu[i].fp[1].valid = false;
			REQUIRE(mmu_translate(&s.mmu[i], va, ACC_R, &o, &f));
		}
		CHECK_EQ(s.mmu[0].log.refs, levels);
		CHECK_EQ(s.mmu[1].log.refs, levels);
		CHECK_EQ(s.mmu[0].log.n, s.mmu[1].log.n);
		CHECK_EQ(s.mmu[0].log.cycles, s.mmu[1].log.cycles);
		for (i = 0; i < s.mmu[0].log.n; i++)
			CHECK_EQ(s.mmu[0].log.r[i].level, s.mmu[1].log.r[i].level);
		/* the first shadow translation was one hidden fault */
		CHECK_EQ(s.mmu[1].st.vmm[VMM_HIDDEN_FAULT], 1);
		CHECK_EQ(s.mmu[1].st.oracle_mismatches + s.mmu[0].st.oracle_mismatches, 0);
		sim_destroy(&s);
	}
}

/* A static workload: after every page has been touched (and written),
 * further accesses cost shadow paging no intervention. */
TEST(virt_shadow_static_no_interventions)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "shadow" };
	u64 before;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	feed(&s, "seq:footprint=8M,n=262144,size=32,rw=1,base=0x7f0000000000", false);   /* writes every page */
	before = mmu_vmm_total(&s.mmu[0]);
	CHECK(before > 0);
	feed(&s, "uniform:footprint=8M,n=200000,rw=0.5,base=0x7f0000000000,seed=4", true);
	CHECK_EQ(mmu_vmm_total(&s.mmu[0]), before);
	CHECK(s.mmu[0].st.walks > 1000);
	CHECK_EQ(s.mmu[0].st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* Hand-counted guest page-table writes: MAP 16 pages, touch each (3 new
 * tables below the root + 16 leaves), UNMAP (16 leaves cleared, then the
 * PT, PD and PDPT freed: 3 more writes) = 38 writes, each one trap. */
TEST(virt_shadow_pt_write_interventions)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "native", "nested", "shadow" };
	u64 base = 0x7e0000000000ull;
	struct ev e = { 0 };
	unsigned i;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 3, true) == 0);
	e.kind = EV_MAP;
	e.va = base;
	e.len = 16 * 4096;
	e.prot = PERM_R | PERM_W;
	e.psize = PS_4K;
	REQUIRE(sim_event(&s, &e) == 0);
	for (i = 0; i < 16; i++) {
		struct ev a = { .kind = EV_W, .size = 8, .va = base + i * 4096ull };
		REQUIRE(sim_event(&s, &a) == 0);
	}
	e.kind = EV_UNMAP;
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(s.m.os.st.pt_writes, 38);
	CHECK_EQ(s.mmu[2].st.vmm[VMM_PT_WRITE], 38);
	CHECK_EQ(s.mmu[0].st.vmm[VMM_PT_WRITE] + s.mmu[1].st.vmm[VMM_PT_WRITE], 0);
	/* nested: free updates; its only exits are the EPT violations of the
	 * 19 guest pages first touched (3 tables, 16 data pages) */
	CHECK_EQ(mmu_vmm_total(&s.mmu[1]), 19);
	CHECK_EQ(s.mmu[1].st.vmm[VMM_EPT_VIOLATION], 19);
	CHECK_EQ(s.mmu[0].st.vmm[VMM_EPT_VIOLATION] + s.mmu[2].st.vmm[VMM_EPT_VIOLATION], 0);
	/* each first touch was a guest fault, intercepted and injected */
	CHECK_EQ(s.mmu[2].st.vmm[VMM_INJECT], 16);
	/* 16 leaves > 33? no: 16 INVLPG + 3 for the freed tables */
	CHECK_EQ(s.mmu[2].st.vmm[VMM_INVLPG], 16 + 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ(s.mmu[i].st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* After random churn, no shadow leaf and no TLB entry of any walker is
 * stale. */
struct tscan { struct sim *s; const struct mmu *u; u64 bad, seen; };

static void tscan_entry(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg)
{
	struct tscan *sc = arg;
	struct oracle_res r;
	bool gonly = sc->u->w.ops->guest_only;
	(void)lvl;
	(void)ctx;
	sc->seen++;
	oracle_translate(&sc->s->m, sc->s->m.os.cur->root, 4, va, ACC_R, &r);
	if (r.fault != FAULT_NONE || ((gonly ? r.gpa.v : r.hpa.v) & ~(psize_bytes(x->ps) - 1)) != x->frame)
		sc->bad++;
}

TEST(virt_no_stale_after_churn)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "native", "nested", "shadow" };
	u64 base = 0x7f0000000000ull, rng = rng_seed(77), leaves, stale;
	int step, i;

	cfg_default(&c);
	c.os.thp = THP_ALWAYS;
	REQUIRE(sim_init(&s, &c, w, 3, true) == 0);
	for (step = 0; step < 6000; step++) {
		struct ev e = churn_event(&rng, base, 4096, 600);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	stale = shadow_audit(&s.mmu[2].w, s.m.os.cur->root, 4, &leaves);
	CHECK(leaves > 10);
	CHECK_EQ(stale, 0);
	for (i = 0; i < 3; i++) {
		struct tscan sc = { &s, &s.mmu[i], 0, 0 };
		tlb_foreach(&s.mmu[i].tlb, tscan_entry, &sc);
		CHECK(sc.seen > 0);
		CHECK_EQ(sc.bad, 0);
		CHECK_EQ(s.mmu[i].st.oracle_mismatches, 0);
		CHECK(s.mmu[i].st.oracle_checks > 1000);
	}
	CHECK(s.mmu[2].st.vmm[VMM_PT_WRITE] == s.m.os.st.pt_writes);
	sim_destroy(&s);
}

/* Contiguous backing: one host extent, mapped at once, gPA + base = hPA;
 * refused on a fully fragmented host (every 1G block pinned), where the VM
 * falls back to scattered backing. Both translate correctly. */
TEST(virt_contiguous_backing)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "nested", "shadow" };
	struct oracle_res r;
	int frag;

	for (frag = 0; frag <= 1; frag++) {
		cfg_default(&c);
		c.vm.backing = BACK_CONTIGUOUS;
		c.vm.memory = 2ull << 30;
		c.host.fragmentation = frag;
		REQUIRE(sim_init(&s, &c, w, 2, true) == 0);
		CHECK_EQ(s.m.vm.contiguous, !frag);
		feed(&s, "uniform:footprint=256M,n=20000,rw=0.5,seed=3", false);
		oracle_translate(&s.m, s.m.os.cur->root, 4, 0x7f0000000000ull, ACC_R, &r);
		REQUIRE(r.fault == FAULT_NONE);
		if (!frag) {
			/* 2 GiB from the first 1G boundary above the reserved MiB */
			CHECK_EQ(s.m.vm.base_hfn, (1ull << 30) >> PAGE_SHIFT);
			CHECK_EQ(r.hpa.v, r.gpa.v + (s.m.vm.base_hfn << PAGE_SHIFT));
			CHECK_EQ(s.m.vm.st.backed[PS_4K], 512 * 1024);
		} else {
			/* 16 GiB host: 16 blocks of 1G, the first not whole (the
			 * reserved MiB), so 15 pins */
			CHECK_EQ(s.m.frag_pins, 15);
		}
		CHECK_EQ(s.mmu[0].st.oracle_mismatches + s.mmu[1].st.oracle_mismatches, 0);
		CHECK(s.mmu[0].st.oracle_checks >= 20000);
		sim_destroy(&s);
	}
}

/* EPT violations: with lazy (scattered) backing, the first touch of each
 * guest-physical page costs the walkers that use the EPT (nested, agile,
 * bpo on a scattered VM) one exit plus pte_cycles per EPT entry the VMM
 * writes (the machine's own count of EPT writes). Shadow paging and
 * TPT pay no such exit (shadow's first touches cost its own faults). With
 * contiguous backing, memory is mapped at VM creation: no violation. */
TEST(virt_ept_violations_on_first_touch)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "nested", "agile", "bpo", "shadow", "tpt" };
	u64 base = 0x7e0000000000ull, pages0, writes0;
	unsigned i;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 5, true) == 0);
	pages0 = s.m.vm.st.backed[PS_4K];
	writes0 = s.m.vm.st.ept_writes;
	for (i = 0; i < 8; i++) {
		struct ev a = { .kind = EV_W, .size = 8, .va = base + i * 4096ull };
		REQUIRE(sim_event(&s, &a) == 0);
	}
	/* 3 new guest tables and 8 data pages */
	CHECK_EQ(s.m.vm.st.backed[PS_4K] - pages0, 3 + 8);
	for (i = 0; i < 3; i++)
		CHECK_EQ(s.mmu[i].st.vmm[VMM_EPT_VIOLATION], 11);
	/* nested has no other exit: its VMM cycles are the violations' */
	CHECK_EQ(s.mmu[0].st.vmm_cycles, 11ull * c.vmm.exit_cycles + (s.m.vm.st.ept_writes - writes0) * c.vmm.pte_cycles);
	CHECK_EQ(s.mmu[3].st.vmm[VMM_EPT_VIOLATION] + s.mmu[4].st.vmm[VMM_EPT_VIOLATION], 0);
	/* touched again: backed already, no exit */
	for (i = 0; i < 8; i++) {
		struct ev a = { .kind = EV_R, .size = 8, .va = base + i * 4096ull };
		REQUIRE(sim_event(&s, &a) == 0);
	}
	CHECK_EQ(s.mmu[0].st.vmm[VMM_EPT_VIOLATION], 11);
	for (i = 0; i < 5; i++)
		CHECK_EQ(s.mmu[i].st.oracle_mismatches, 0);
	sim_destroy(&s);

	c.vm.backing = BACK_CONTIGUOUS;
	REQUIRE(sim_init(&s, &c, w, 5, true) == 0);
	for (i = 0; i < 8; i++) {
		struct ev a = { .kind = EV_W, .size = 8, .va = base + i * 4096ull };
		REQUIRE(sim_event(&s, &a) == 0);
	}
	for (i = 0; i < 5; i++)
		CHECK_EQ(s.mmu[i].st.vmm[VMM_EPT_VIOLATION], 0);
	sim_destroy(&s);
}

/* The PWC latency is charged once per dimension walk that hits: a warm
 * nested walk of a 4K page (nested TLB off) hits the guest PDE cache
 * (whose entry holds the host address of the guest PT: no EPT walk for
 * it), reads the guest PTE, then hits the host PDE cache in the EPT walk
 * of the final gPA and reads its EPT PTE: 2 hits, 2 references, and walk
 * cycles = the 2 references' latencies + 2 PWC latencies (once per walk
 * would give one). */
TEST(virt_pwc_latency_per_dimension_walk)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "nested" };
	struct mmu *u;
	u64 base = 0x7f0000000000ull, c0, refcyc = 0;
	unsigned i, hits = 0;
	struct ev e = { .kind = EV_R, .size = 8, .va = base };

	cfg_default(&c);
	c.ntlb.enabled = false;
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	u = &s.mmu[0];
	REQUIRE(sim_event(&s, &e) == 0);
	e.va = base + 4096;
	REQUIRE(sim_event(&s, &e) == 0);
	tlb_flush_all(&u->tlb);
	u->fp[0].valid = u->fp[1].valid = false;
	c0 = u->st.walk_cycles;
	e.va = base + 8;
	REQUIRE(sim_event(&s, &e) == 0);
	for (i = 0; i < u->log.n; i++) {
		if (u->log.r[i].src == SRC_PWC)
			hits++;
		else
			refcyc += u->log.r[i].cycles;
	}
	CHECK_EQ(hits, 2);
	CHECK_EQ(u->log.refs, 2);
	CHECK_EQ(u->st.walk_cycles - c0, refcyc + 2ull * c.pwc.lvl[2].latency);
	sim_destroy(&s);
}

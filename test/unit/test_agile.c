/*
 * test_agile.c - agile paging: the two-update policy moves a written guest
 * table page to nested mode, the interval end moves unwritten pages back;
 * on a static workload agile ends as shadow paging; on updates confined to
 * a small region it keeps shadow-like walks with nested-like interventions.
 */
#include "test.h"
#include "../../mmu/machine/oracle.h"
#include "../../mmu/machine/pte.h"
#include "../../mmu/sim.h"
#include "sim_util.h"

static struct ev acc(enum ev_kind k, u64 va)
{
	struct ev e = { .kind = (u8)k, .size = 8, .va = va };
	return e;
}

/* Two writes to one guest table page: nested; the rest stays shadow. */
TEST(agile_two_updates_switch)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "agile" };
	struct mmu *u;
	u64 base = 0x7f0000000000ull;
	struct ev e;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	u = &s.mmu[0];
	/* first touch: tables created (PDPT, PD, PT pages written once each
	 * below the root), one leaf in the PT: no page written twice yet */
	e = acc(EV_W, base);
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(u->st.agile_to_nested, 0);
	/* second leaf in the same PT page: its second write moves it */
	e = acc(EV_W, base + 4096);
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(u->st.agile_to_nested, 1);
	/* the page's later writes are free: 8 more first touches, no trap */
	{
		u64 before = u->st.vmm[VMM_PT_WRITE], i;
		for (i = 2; i < 10; i++) {
			e = acc(EV_W, base + i * 4096);
			REQUIRE(sim_event(&s, &e) == 0);
		}
		CHECK_EQ(u->st.vmm[VMM_PT_WRITE], before);
		/* their faults in the nested part go to the guest directly */
		CHECK_EQ(u->st.vmm[VMM_INJECT], 2);
	}
	/* a walk in that region switches at the PD (level 2) */
	tlb_flush_all(&u->tlb);
	u->fp[0].valid = u->fp[1].valid = false;
	e = acc(EV_R, base + 5 * 4096);
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK(u->st.agile_switched[2] >= 1);
	CHECK_EQ(u->st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* A static workload: after warm-up and one interval without page-table
 * writes, agile is in full shadow mode: same references per walk as shadow
 * paging and, like it, no interventions. */
TEST(agile_static_equals_shadow)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "shadow", "agile" };
	u64 iv0[2], walks0[2], refs0[2], full0;
	int i;

	cfg_default(&c);
	c.agile.interval_cycles = 500000;
	REQUIRE(sim_init(&s, &c, w, 2, true) == 0);
	feed(&s, "seq:footprint=8M,n=262144,size=32,rw=1,base=0x7f0000000000", false);
	/* let an interval pass with no writes */
	feed(&s, "uniform:footprint=8M,n=200000,rw=0.5,base=0x7f0000000000,seed=4", true);
	CHECK(s.mmu[1].st.agile_to_shadow > 0);
	for (i = 0; i < 2; i++) {
		iv0[i] = mmu_vmm_total(&s.mmu[i]) - s.mmu[i].st.vmm[VMM_INTERVAL];
		walks0[i] = s.mmu[i].st.walks;
		refs0[i] = s.mmu[i].st.walk_refs;
	}
	full0 = s.mmu[1].st.agile_full_shadow;
	feed(&s, "uniform:footprint=8M,n=300000,rw=0.5,base=0x7f0000000000,seed=5", true);
	for (i = 0; i < 2; i++)
		CHECK_EQ(mmu_vmm_total(&s.mmu[i]) - s.mmu[i].st.vmm[VMM_INTERVAL], iv0[i]);
	CHECK_EQ(s.mmu[1].st.walks - walks0[1], s.mmu[0].st.walks - walks0[0]);
	CHECK_EQ(s.mmu[1].st.walk_refs - refs0[1], s.mmu[0].st.walk_refs - refs0[0]);
	CHECK_EQ(s.mmu[1].st.agile_full_shadow - full0, s.mmu[1].st.walks - walks0[1]);
	CHECK_EQ(s.mmu[0].st.oracle_mismatches + s.mmu[1].st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* Updates confined to a small region (the mixed generator): agile's VMM
 * interventions stay a small fraction of shadow paging's, its walks stay
 * far shorter than nested paging's, most misses are served in full shadow
 * mode, and its total beats both. */
TEST(agile_dynamic_region)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "nested", "shadow", "agile" };
	double rn, rs, ra, frac;
	u64 tn, ts, ta;

	cfg_default(&c);
	c.agile.interval_cycles = 2000000;
	c.vmm.invlpg_exits = false;
	REQUIRE(sim_init(&s, &c, w, 3, true) == 0);
	feed(&s, "mixed:footprint=64M,n=600000,rw=0.3,seed=2", false);
	rn = (double)s.mmu[0].st.walk_refs / (double)s.mmu[0].st.walks;
	rs = (double)s.mmu[1].st.walk_refs / (double)s.mmu[1].st.walks;
	ra = (double)s.mmu[2].st.walk_refs / (double)s.mmu[2].st.walks;
	frac = (double)s.mmu[2].st.agile_full_shadow / (double)(s.mmu[2].st.walks - s.mmu[2].st.faults);
	CHECK(ra < rn);
	CHECK(ra - rs < 0.6 * (rn - rs));
	CHECK(frac > 0.5);
	CHECK(s.mmu[2].st.vmm[VMM_PT_WRITE] * 20 < s.mmu[1].st.vmm[VMM_PT_WRITE]);
	tn = s.mmu[0].st.walk_cycles + s.mmu[0].st.l2_cycles + s.mmu[0].st.vmm_cycles;
	ts = s.mmu[1].st.walk_cycles + s.mmu[1].st.l2_cycles + s.mmu[1].st.vmm_cycles;
	ta = s.mmu[2].st.walk_cycles + s.mmu[2].st.l2_cycles + s.mmu[2].st.vmm_cycles;
	CHECK(ta < tn && ta < ts);
	CHECK(s.mmu[2].st.oracle_mismatches == 0);
	sim_destroy(&s);
}

/* UNMAP of a region in nested mode, then remap: no stale TLB entry and
 * the translations follow the new mapping; the region goes back to shadow
 * at the next interval and still translates correctly. */
TEST(agile_unmap_in_nested_mode)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "agile" };
	u64 base = 0x7f0000000000ull, i;
	struct ev e;

	cfg_default(&c);
	c.agile.interval_cycles = 50000;
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	for (i = 0; i < 64; i++) {
		e = acc(EV_W, base + i * 4096);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	CHECK(s.mmu[0].st.agile_to_nested >= 1);
	e = (struct ev){ .kind = EV_UNMAP, .va = base, .len = 32 * 4096 };
	REQUIRE(sim_event(&s, &e) == 0);
	for (i = 0; i < 64; i++) {
		e = acc(EV_R, base + i * 4096);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	/* pass intervals with reads only (TLB hits: 1 cycle each): pages go
	 * back to shadow */
	for (i = 0; i < 200000; i++) {
		e = acc(EV_R, base + (i % 64) * 4096);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	CHECK(s.mmu[0].st.agile_to_shadow >= 1);
	e = (struct ev){ .kind = EV_UNMAP, .va = base + 16 * 4096, .len = 8 * 4096 };
	REQUIRE(sim_event(&s, &e) == 0);
	for (i = 0; i < 64; i++) {
		e = acc(EV_W, base + i * 4096);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	CHECK_EQ(s.mmu[0].st.oracle_mismatches, 0);
	CHECK(s.mmu[0].st.oracle_checks > 20000);
	{
		u64 leaves;
		CHECK_EQ(shadow_audit(&s.mmu[0].w, s.m.os.cur->root, 4, &leaves), 0);
	}
	sim_destroy(&s);
}

/* A switch at the PDPT, then a PWC hit below it (the guest PDE): the
 * translation is counted as switched at level 3, where the shadow PDPT
 * entry switched, and the walk log labels the cached PDE a guest entry. */
TEST(agile_switch_level_below_pwc_hit)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "agile" };
	struct mmu *u;
	u64 base = 0x7f0000000000ull, sw[PT_LEVELS_MAX + 1];
	struct ev e;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	u = &s.mmu[0];
	/* two PT pages created under one PD page: two PDE writes move the
	 * PD page to nested mode, the shadow PDPT entry becomes a switch */
	e = acc(EV_W, base);
	REQUIRE(sim_event(&s, &e) == 0);
	e = acc(EV_W, base + (2u << 20));
	REQUIRE(sim_event(&s, &e) == 0);
	REQUIRE_EQ(u->st.agile_to_nested, 1);
	/* a walk through the switch fills the PWC with the guest PDE */
	e = acc(EV_R, base + 4096);
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(u->st.agile_switched[2], 0);
	memcpy(sw, u->st.agile_switched, sizeof sw);
	/* another page of that PT: the PWC hits at the PD level */
	e = acc(EV_R, base + 2 * 4096);
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(u->st.agile_switched[2], 0);
	CHECK_EQ(u->st.agile_switched[3], sw[3] + 1);
	REQUIRE(u->log.n > 0);
	CHECK_EQ(u->log.r[0].src, SRC_PWC);
	CHECK_EQ(u->log.r[0].level, 2);
	CHECK_EQ(u->log.r[0].kind, TK_GUEST);
	CHECK_EQ(u->st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* The guest never writes CR3 here: no CR3 exit at attach nor at the VM
 * switches (the VMM loads each VM's context itself); a CTX event (a guest
 * CR3 write) costs exactly one. */
TEST(agile_shadow_cr3_exits_only_on_guest_writes)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "shadow", "agile" };
	struct ev e;
	int i, k;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, w, 2, true) == 0);
	for (k = 0; k < 4; k++) {
		e = (struct ev){ .kind = EV_VM, .size = (u32)(k & 1) };
		REQUIRE(sim_event(&s, &e) == 0);
		e = acc(EV_R, 0x7f0000000000ull);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	for (i = 0; i < 2; i++) {
		CHECK_EQ(s.mmu[i].st.vmm[VMM_CR3], 0);
		CHECK_EQ(s.mmu[i].st.flushes, 0);
	}
	e = (struct ev){ .kind = EV_CTX, .size = 7 };
	REQUIRE(sim_event(&s, &e) == 0);
	for (i = 0; i < 2; i++)
		CHECK_EQ(s.mmu[i].st.vmm[VMM_CR3], 1);
	sim_destroy(&s);
}

/* One interval, two orders of the same writes: a PT page P written twice
 * (to nested) and its PD page D written twice (to nested, with P below).
 * Whatever the order, a page written in the interval does not return to
 * shadow mode at its end, and the two orders end alike; the next interval,
 * with no writes, returns all three nested pages (D, P and the second PT
 * page) to shadow mode. */
static void write_order_case(const u64 *off, u64 *back1, u64 *back2)
{
	struct cfg c;
	struct sim s;
	const char *w[] = { "agile" };
	struct mmu *u;
	u64 base = 0x7f0000000000ull;
	int i;

	cfg_default(&c);
	c.agile.interval_cycles = 1000000000ull;
	REQUIRE(sim_init(&s, &c, w, 1, true) == 0);
	u = &s.mmu[0];
	for (i = 0; i < 3; i++) {
		struct ev e = acc(EV_W, base + off[i]);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	CHECK_EQ(u->st.agile_to_nested, off[1] == 4096 ? 2 : 1);
	REQUIRE(mmu_now(u) < c.agile.interval_cycles);
	u->w.ops->tick(&u->w, c.agile.interval_cycles);       /* interval end */
	*back1 = u->st.agile_to_shadow;
	u->w.ops->tick(&u->w, 2 * c.agile.interval_cycles);   /* one with no writes */
	*back2 = u->st.agile_to_shadow - *back1;
	for (i = 0; i < 3; i++) {
		struct ev e = acc(EV_R, base + off[i]);
		REQUIRE(sim_event(&s, &e) == 0);
	}
	CHECK_EQ(u->st.oracle_mismatches, 0);
	sim_destroy(&s);
}

TEST(agile_written_page_stays_nested_whatever_the_order)
{
	/* P to nested first, then D; or D first, P written while below it */
	static const u64 a[3] = { 0, 4096, 2u << 20 }, b[3] = { 0, 2u << 20, 4096 };
	u64 a1 = 99, a2 = 99, b1 = 99, b2 = 99;

	write_order_case(a, &a1, &a2);
	write_order_case(b, &b1, &b2);
	CHECK_EQ(a1, 0);
	CHECK_EQ(b1, 0);
	CHECK_EQ(a2, 3);
	CHECK_EQ(b2, 3);
}

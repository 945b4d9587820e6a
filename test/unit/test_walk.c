/*
 * test_walk.c - the native walker against closed forms and hand-built
 * tables: cold reference counts per page size and paging depth, warm
 * paging-structure caches, cycles, A/D updates, and every combination of
 * permission bits x access type against a model written here.
 */
#include "test.h"
#include "../../mmu/machine/oracle.h"
#include "../../mmu/machine/pte.h"
#include "../../mmu/sim.h"

static const char *native[] = { "native" };

static bool setup(struct sim *s, struct cfg *c)
{
	return sim_init(s, c, native, 1, true) == 0;
}

/* Expected references of a cold walk: one per level from the root down to
 * the level of the leaf (SDM 4.5: PML5/PML4, PDPT, PD, PT). */
static unsigned cold_refs(unsigned levels, enum psize ps) { return levels - (unsigned)ps; }

static void cold_case(unsigned levels, enum psize ps)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	u64 va = 0x7f1234000000ull + 0x5000 + 0x18;   /* 1G aligned base + offset */
	u64 table;
	unsigned k, want = cold_refs(levels, ps);

	cfg_default(&c);
	c.os.levels = levels;
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	REQUIRE(os_map(&s.m.os, 0x7f1200000000ull, 4ull << 30, PERM_R | PERM_W, (u8)ps) == 0);
	REQUIRE(os_populate(&s.m.os, va, 1, ACC_W) == 0);
	REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
	CHECK_EQ(o.ps, ps);
	CHECK_EQ(u->st.walks, 1);
	CHECK_EQ(u->log.refs, want);
	CHECK_EQ(u->log.n, want);
	CHECK_EQ(u->st.walk_refs, want);
	/* every reference of a cold walk goes to DRAM */
	CHECK_EQ(u->st.refs_src[SRC_DRAM], want);
	CHECK_EQ(u->st.walk_cycles, (u64)want * c.cache.dram_latency);
	/* the references are the entries indexed by va, from the root down */
	table = s.m.os.cur->root.v;
	for (k = 0; k < u->log.n && k < want; k++) {
		unsigned level = levels - k;
		u64 at = table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
		CHECK_EQ(u->log.r[k].level, level);
		CHECK_EQ(u->log.r[k].addr, at);
		CHECK_EQ(u->log.r[k].value, physmem_read64(&s.m.mem, mk_hpa(at)));
		table = u->log.r[k].value & 0x000ffffffffff000ull;
	}
	/* the translation is the page the OS mapped */
	{
		struct oracle_res r;
		oracle_translate(&s.m, s.m.os.cur->root, (int)levels, va, ACC_R, &r);
		CHECK_EQ(r.fault, FAULT_NONE);
		CHECK_EQ(o.pa.v, r.hpa.v);
		CHECK_EQ(o.pa.v & (psize_bytes(ps) - 1), va & (psize_bytes(ps) - 1));
	}
	sim_destroy(&s);
}

TEST(walk_cold_4level_4k) { cold_case(4, PS_4K); }
TEST(walk_cold_4level_2m) { cold_case(4, PS_2M); }
TEST(walk_cold_4level_1g) { cold_case(4, PS_1G); }
TEST(walk_cold_5level_4k) { cold_case(5, PS_4K); }
TEST(walk_cold_5level_2m) { cold_case(5, PS_2M); }
TEST(walk_cold_5level_1g) { cold_case(5, PS_1G); }

TEST(walk_cold_closed_form_values)
{
	/* the closed forms the issue states, independently of cold_refs */
	CHECK_EQ(cold_refs(4, PS_4K), 4);
	CHECK_EQ(cold_refs(4, PS_2M), 3);
	CHECK_EQ(cold_refs(4, PS_1G), 2);
	CHECK_EQ(cold_refs(5, PS_4K), 5);
}

static void warm_case(unsigned levels)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	u64 base = 0x7f0000000000ull;

	cfg_default(&c);
	c.os.levels = levels;
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	REQUIRE(os_map(&s.m.os, base, 1 << 20, PERM_R | PERM_W, PS_4K) == 0);
	REQUIRE(os_populate(&s.m.os, base, 1 << 20, ACC_R) == 0);
	REQUIRE(mmu_translate(u, base, ACC_R, &o, &f));
	CHECK_EQ(u->log.refs, levels);
	/* next page: TLB miss, PDE cache hit, one reference (the PTE, in the
	 * same 64-byte line as the previous PTE: an L1 hit) */
	REQUIRE(mmu_translate(u, base + 4096, ACC_R, &o, &f));
	CHECK_EQ(u->st.walks, 2);
	CHECK_EQ(u->log.refs, 1);
	CHECK_EQ(u->log.n, 2);
	CHECK_EQ(u->log.r[0].src, SRC_PWC);
	CHECK_EQ(u->log.r[0].level, 2);
	CHECK_EQ(u->log.r[1].src, SRC_L1);
	CHECK_EQ(u->log.r[1].level, 1);
	CHECK_EQ(u->log.cycles, c.pwc.lvl[2].latency + c.cache.lvl[0].latency);
	CHECK_EQ(u->pwc.hits[DIM_G][2], 1);
	/* 8 PTEs share a line: page 8 is in the next line: PWC hit, DRAM */
	REQUIRE(mmu_translate(u, base + 8 * 4096, ACC_R, &o, &f));
	CHECK_EQ(u->log.refs, 1);
	CHECK_EQ(u->log.r[1].src, SRC_DRAM);
	/* with the PWC disabled the same warm walk reads every level */
	sim_destroy(&s);
	c.pwc.enabled = false;
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	REQUIRE(os_map(&s.m.os, base, 1 << 20, PERM_R | PERM_W, PS_4K) == 0);
	REQUIRE(os_populate(&s.m.os, base, 1 << 20, ACC_R) == 0);
	REQUIRE(mmu_translate(u, base, ACC_R, &o, &f));
	REQUIRE(mmu_translate(u, base + 4096, ACC_R, &o, &f));
	CHECK_EQ(u->log.refs, levels);
	CHECK_EQ(u->st.refs_src[SRC_PWC], 0);
	/* upper levels now hit the L1 (same lines), the PTE line too */
	CHECK_EQ(u->log.cycles, levels * c.cache.lvl[0].latency);
	sim_destroy(&s);
}

TEST(walk_warm_pwc_4level) { warm_case(4); }
TEST(walk_warm_pwc_5level) { warm_case(5); }

TEST(walk_tlb_hit_no_walk)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	u64 va = 0x400000;

	cfg_default(&c);
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	REQUIRE(os_populate(&s.m.os, va, 4096, ACC_R) == 0);
	REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
	REQUIRE(mmu_translate(u, va + 8, ACC_R, &o, &f));
	CHECK_EQ(u->st.walks, 1);
	CHECK_EQ(u->tlb.hits[TLB_L1D], 1);
	CHECK_EQ(u->tlb.misses[TLB_L1D], 1);
	CHECK_EQ(u->tlb.misses[TLB_L2], 1);
	CHECK_EQ(u->st.l2_cycles, c.tlb.l2.latency);
	sim_destroy(&s);
}

/* A/D: the OS maps a page touched by a read clean (D = 0); the first write
 * through a TLB entry without D walks again and sets D (SDM 4.8). */
TEST(walk_dirty_bit)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct oracle_res r;
	struct mmu *u;
	u64 va = 0x500000;

	cfg_default(&c);
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	REQUIRE(os_populate(&s.m.os, va, 4096, ACC_R) == 0);
	oracle_translate(&s.m, s.m.os.cur->root, 4, va, ACC_R, &r);
	CHECK(!r.dirty);
	CHECK(r.leaf & PTE_A);
	REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
	REQUIRE(mmu_translate(u, va, ACC_W, &o, &f));
	CHECK_EQ(u->st.walks, 2);
	CHECK_EQ(u->st.dirty_walks, 1);
	CHECK(o.dirty);
	machine_commit_ad(&s.m);
	oracle_translate(&s.m, s.m.os.cur->root, 4, va, ACC_R, &r);
	CHECK(r.dirty);
	CHECK_EQ(s.m.ad_commits, 1);
	/* now writes hit */
	REQUIRE(mmu_translate(u, va + 16, ACC_W, &o, &f));
	CHECK_EQ(u->st.walks, 2);
	sim_destroy(&s);
}

/* A bits: entries the walk uses with A = 0 get A set (after the commit). */
TEST(walk_accessed_bits)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	u64 va = 0x600000, t, e;
	int level;

	cfg_default(&c);
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	REQUIRE(os_populate(&s.m.os, va, 4096, ACC_R) == 0);
	/* clear A everywhere on the path, as page aging would */
	t = s.m.os.cur->root.v;
	for (level = 4; level >= 1; level--) {
		u64 at = t + 8 * pt_index(va, level);
		e = physmem_read64(&s.m.mem, mk_hpa(at));
		physmem_write64(&s.m.mem, mk_hpa(at), e & ~PTE_A);
		t = e & PTE_ADDR_MASK;
	}
	REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
	CHECK_EQ(s.m.nad, 4);
	machine_commit_ad(&s.m);
	CHECK_EQ(s.m.ad_commits, 4);
	t = s.m.os.cur->root.v;
	for (level = 4; level >= 1; level--) {
		e = physmem_read64(&s.m.mem, mk_hpa(t + 8 * pt_index(va, level)));
		CHECK(e & PTE_A);
		CHECK(!(e & PTE_D));
		t = e & PTE_ADDR_MASK;
	}
	sim_destroy(&s);
}

/* Every combination of RW/US/NX at the four levels x R/W/I, on tables
 * built here by hand, against the rule of SDM 4.6 (user mode, WP = 1,
 * NXE = 1) written independently: allowed iff US everywhere, and for a
 * write RW everywhere, and for a fetch NX nowhere. */
TEST(walk_permission_matrix)
{
	struct cfg c;
	struct sim s;
	struct mmu *u;
	gpa_t t[4];
	u64 va = 0x0000123456789000ull;
	unsigned combo, fails = 0, n = 0;
	int i;

	cfg_default(&c);
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	for (i = 0; i < 4; i++)
		t[i] = machine_pt_alloc(&s.m);
	for (combo = 0; combo < 4096; combo++) {
		bool us = true, rw = true, nx = false;
		enum acc a;
		for (i = 0; i < 4; i++) {
			unsigned bits = (combo >> (3 * i)) & 7;
			int level = 4 - i;
			u64 next = i < 3 ? t[i + 1].v : 0x0000000abcdef000ull;
			u64 e = next | PTE_P | PTE_A | PTE_D;
			if (bits & 1) e |= PTE_RW; else rw = false;
			if (bits & 2) e |= PTE_US; else us = false;
			if (bits & 4) { e |= PTE_NX; nx = true; }
			physmem_write64(&s.m.mem, mk_hpa(t[i].v + 8 * pt_index(va, level)), e);
		}
		for (a = ACC_R; a <= ACC_I; a++) {
			struct xlate_out o;
			struct walk_fault f;
			struct oracle_res r;
			bool want = us && (a == ACC_I ? !nx : a == ACC_W ? rw : true);
			bool got;
			mmu_cr3(u, 0, t[0], true);    /* flush: every case walks */
			got = mmu_translate(u, va, a, &o, &f);
			oracle_translate(&s.m, t[0], 4, va, a, &r);
			n++;
			if (got != want || (!got && f.kind != FAULT_PROT) || (r.fault == FAULT_NONE) != want ||
			    (got && o.pa.v != 0x0000000abcdef000ull))
				fails++;
			if (got && ((o.perms & PERM_W) != 0) != rw)
				fails++;
			machine_commit_ad(&s.m);
		}
	}
	CHECK_EQ(n, 4096 * 3);
	CHECK_EQ(fails, 0);
	sim_destroy(&s);
}

TEST(walk_not_present_levels)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;

	cfg_default(&c);
	REQUIRE(setup(&s, &c));
	u = &s.mmu[0];
	/* empty tables: the walk reads the PML4 entry only */
	CHECK(!mmu_translate(u, 0x1000, ACC_R, &o, &f));
	CHECK_EQ(f.kind, FAULT_NOT_PRESENT);
	CHECK_EQ(f.level, 4);
	CHECK_EQ(u->log.refs, 1);
	/* non-canonical for 4 levels: #GP, no walk */
	CHECK(!mmu_translate(u, 1ull << 47, ACC_R, &o, &f));
	CHECK_EQ(f.kind, FAULT_NONCANONICAL);
	CHECK_EQ(u->st.walks, 1);
	sim_destroy(&s);
}

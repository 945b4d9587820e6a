/*
 * test_os.c - the guest-OS model: demand paging, page sizes, MAP/UNMAP/
 * PROTECT, huge-page splits, strict mode, processes and PCIDs, shootdowns.
 * Expected values are counted by hand from the operations each test makes.
 */
#include "test.h"
#include "../../mmu/machine/oracle.h"
#include "../../mmu/machine/pte.h"
#include "../../mmu/sim.h"

static const char *native[] = { "native" };

static struct oracle_res look(struct sim *s, u64 va, enum acc a)
{
	struct oracle_res r;
	oracle_translate(&s->m, s->m.os.cur->root, s->m.os.levels, va, a, &r);
	return r;
}

TEST(os_demand_4k_tables)
{
	struct cfg c;
	struct sim s;
	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	/* one 4K page: PDPT, PD, PT tables below the root = 3 new pages */
	CHECK_EQ(os_fault(&s.m.os, 0x7f0000001000ull, ACC_R), OS_MAPPED);
	CHECK_EQ(s.m.os.cur->pt_pages, 1 + 3);
	CHECK_EQ(s.m.os.st.pt_writes, 3 + 1);
	/* same 2M region: no new table, one PTE write */
	CHECK_EQ(os_fault(&s.m.os, 0x7f0000002000ull, ACC_R), OS_MAPPED);
	CHECK_EQ(s.m.os.cur->pt_pages, 4);
	CHECK_EQ(s.m.os.st.pt_writes, 5);
	CHECK_EQ(look(&s, 0x7f0000002abcull, ACC_R).fault, FAULT_NONE);
	CHECK_EQ(look(&s, 0x7f0000003000ull, ACC_R).fault, FAULT_NOT_PRESENT);
	CHECK_EQ(s.m.os.st.pages_mapped[PS_4K], 2);
	/* implicit VMA is rwx, the leaf is clean after a read fault */
	CHECK(!look(&s, 0x7f0000001000ull, ACC_R).dirty);
	CHECK_EQ(look(&s, 0x7f0000001000ull, ACC_I).fault, FAULT_NONE);
	sim_destroy(&s);
}

TEST(os_thp_always_and_hints)
{
	struct cfg c;
	struct sim s;
	struct oracle_res r;
	cfg_default(&c);
	c.os.thp = THP_ALWAYS;
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	/* implicit region, THP: a 2M page */
	CHECK_EQ(os_fault(&s.m.os, 0x40001234ull, ACC_W), OS_MAPPED);
	r = look(&s, 0x40001234ull, ACC_R);
	CHECK_EQ(r.ps, PS_2M);
	CHECK_EQ(r.hpa.v & 0x1fffff, 0x1234);
	CHECK(r.dirty);
	/* a VMA not covering a whole aligned 2M block gets 4K pages */
	REQUIRE(os_map(&s.m.os, 0x80001000ull, 0x200000, PERM_R | PERM_W, 0xff) == 0);
	CHECK_EQ(os_fault(&s.m.os, 0x80001000ull, ACC_R), OS_MAPPED);
	CHECK_EQ(look(&s, 0x80001000ull, ACC_R).ps, PS_4K);
	/* explicit 4K hint overrides THP */
	REQUIRE(os_map(&s.m.os, 0xc0000000ull, 0x400000, PERM_R | PERM_W, PS_4K) == 0);
	CHECK_EQ(os_fault(&s.m.os, 0xc0000000ull, ACC_R), OS_MAPPED);
	CHECK_EQ(look(&s, 0xc0000000ull, ACC_R).ps, PS_4K);
	/* 1G hint on a 1G-aligned VMA */
	REQUIRE(os_map(&s.m.os, 0x100000000ull, 1ull << 30, PERM_R | PERM_W, PS_1G) == 0);
	CHECK_EQ(os_fault(&s.m.os, 0x100000000ull + 12345, ACC_R), OS_MAPPED);
	r = look(&s, 0x13fffffffull, ACC_R);
	CHECK_EQ(r.fault, FAULT_NONE);
	CHECK_EQ(r.ps, PS_1G);
	CHECK_EQ(s.m.os.st.pages_mapped[PS_1G], 1);
	sim_destroy(&s);
}

TEST(os_unmap_frees_frames_and_tables)
{
	struct cfg c;
	struct sim s;
	u64 free0, pt0;
	u64 base = 0x7e0000000000ull;
	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	free0 = s.m.frames.free_frames;
	pt0 = s.m.os.cur->pt_pages;
	REQUIRE(os_map(&s.m.os, base, 64 * 4096, PERM_R | PERM_W, PS_4K) == 0);
	REQUIRE(os_populate(&s.m.os, base, 64 * 4096, ACC_W) == 0);
	/* 64 data frames + PDPT, PD, PT */
	CHECK_EQ(free0 - s.m.frames.free_frames, 64 + 3);
	REQUIRE(os_unmap(&s.m.os, base, 64 * 4096) == 0);
	CHECK_EQ(s.m.frames.free_frames, free0);
	CHECK_EQ(s.m.os.cur->pt_pages, pt0);
	CHECK_EQ(look(&s, base, ACC_R).fault, FAULT_NOT_PRESENT);
	/* 64 leaves > 33: Linux's ceiling makes it one full flush */
	CHECK_EQ(s.m.os.st.flushes, 1);
	CHECK(buddy_audit(&s.m.frames) == NULL);
	sim_destroy(&s);
}

TEST(os_unmap_few_pages_invlpg)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	u64 base = 0x10000000ull;
	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	REQUIRE(os_populate(&s.m.os, base, 8 * 4096, ACC_R) == 0);
	REQUIRE(mmu_translate(&s.mmu[0], base + 4096, ACC_R, &o, &f));
	/* unmap 2 of 8 pages: 2 INVLPG, the tables stay */
	REQUIRE(os_unmap(&s.m.os, base + 4096, 2 * 4096) == 0);
	CHECK_EQ(s.m.os.st.invlpg, 2);
	CHECK_EQ(s.m.os.st.flushes, 0);
	CHECK_EQ(s.mmu[0].st.invlpg, 2);
	CHECK(!mmu_translate(&s.mmu[0], base + 4096, ACC_R, &o, &f));   /* no stale TLB entry */
	CHECK_EQ(f.kind, FAULT_NOT_PRESENT);
	CHECK_EQ(look(&s, base, ACC_R).fault, FAULT_NONE);
	CHECK_EQ(look(&s, base + 3 * 4096, ACC_R).fault, FAULT_NONE);
	sim_destroy(&s);
}

TEST(os_partial_unmap_splits_huge)
{
	struct cfg c;
	struct sim s;
	struct oracle_res r;
	u64 base = 0x40000000ull, free0;
	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	REQUIRE(os_map(&s.m.os, base, 2 << 20, PERM_R | PERM_W, PS_2M) == 0);
	REQUIRE(os_populate(&s.m.os, base, 1, ACC_R) == 0);
	CHECK_EQ(look(&s, base, ACC_R).ps, PS_2M);
	free0 = s.m.frames.free_frames;
	REQUIRE(os_unmap(&s.m.os, base + 0x3000, 0x1000) == 0);
	CHECK_EQ(s.m.os.st.huge_splits, 1);
	r = look(&s, base + 0x4000, ACC_R);
	CHECK_EQ(r.fault, FAULT_NONE);
	CHECK_EQ(r.ps, PS_4K);
	CHECK_EQ(look(&s, base + 0x3000, ACC_R).fault, FAULT_NOT_PRESENT);
	/* one new PT page, one data frame back */
	CHECK_EQ(s.m.frames.free_frames, free0 - 1 + 1);
	/* the 4K pieces keep the 2M frame's physical layout */
	CHECK_EQ(r.hpa.v - look(&s, base, ACC_R).hpa.v, 0x4000);
	CHECK(buddy_audit(&s.m.frames) == NULL);
	sim_destroy(&s);
}

TEST(os_protect_and_segv)
{
	struct cfg c;
	struct sim s;
	u64 base = 0x20000000ull;
	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	REQUIRE(os_map(&s.m.os, base, 4 * 4096, PERM_R | PERM_W, 0xff) == 0);
	REQUIRE(os_populate(&s.m.os, base, 4 * 4096, ACC_W) == 0);
	REQUIRE(os_protect(&s.m.os, base, 2 * 4096, PERM_R) == 0);
	CHECK_EQ(look(&s, base, ACC_W).fault, FAULT_PROT);
	CHECK_EQ(look(&s, base + 2 * 4096, ACC_W).fault, FAULT_NONE);
	CHECK_EQ(os_fault(&s.m.os, base, ACC_W), OS_SEGV);
	/* data is not executable (VMA without X) */
	CHECK_EQ(look(&s, base + 3 * 4096, ACC_I).fault, FAULT_PROT);
	/* PROT_NONE makes leaves non-present; back to rw restores them */
	REQUIRE(os_protect(&s.m.os, base, 4 * 4096, 0) == 0);
	CHECK_EQ(look(&s, base + 4096, ACC_R).fault, FAULT_NOT_PRESENT);
	CHECK_EQ(os_fault(&s.m.os, base + 4096, ACC_R), OS_SEGV);
	REQUIRE(os_protect(&s.m.os, base, 4 * 4096, PERM_R | PERM_W) == 0);
	CHECK_EQ(look(&s, base + 4096, ACC_W).fault, FAULT_NONE);
	REQUIRE(os_unmap(&s.m.os, base, 4 * 4096) == 0);
	CHECK(buddy_audit(&s.m.frames) == NULL);
	sim_destroy(&s);
}

TEST(os_strict_mode)
{
	struct cfg c;
	struct sim s;
	cfg_default(&c);
	c.os.strict = true;
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	CHECK_EQ(os_fault(&s.m.os, 0x1000000, ACC_R), OS_SEGV);
	REQUIRE(os_map(&s.m.os, 0x1000000, 4096, PERM_R, 0xff) == 0);
	CHECK_EQ(os_fault(&s.m.os, 0x1000000, ACC_R), OS_MAPPED);
	CHECK_EQ(os_fault(&s.m.os, 0x1001000, ACC_R), OS_SEGV);
	CHECK_EQ(s.m.os.st.segv, 2);
	sim_destroy(&s);
}

TEST(os_processes_pcid)
{
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct mmu *u;
	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	u = &s.mmu[0];
	REQUIRE(os_populate(&s.m.os, 0x1000, 4096, ACC_R) == 0);
	REQUIRE(mmu_translate(u, 0x1000, ACC_R, &o, &f));
	REQUIRE(os_switch(&s.m.os, 7) == 0);
	CHECK(u->ctx != 0);
	CHECK(u->root.v != s.m.os.procs[0]->root.v);
	/* process 7 has its own tables: 0x1000 is not mapped there */
	CHECK(!mmu_translate(u, 0x1000, ACC_R, &o, &f));
	REQUIRE(os_switch(&s.m.os, 0) == 0);
	/* with PCIDs, process 0's TLB entry survived the two switches */
	REQUIRE(mmu_translate(u, 0x1000, ACC_R, &o, &f));
	CHECK_EQ(u->st.walks, 2);
	sim_destroy(&s);
	/* without PCIDs every switch flushes */
	c.os.pcid = false;
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	u = &s.mmu[0];
	REQUIRE(os_populate(&s.m.os, 0x1000, 4096, ACC_R) == 0);
	REQUIRE(mmu_translate(u, 0x1000, ACC_R, &o, &f));
	REQUIRE(os_switch(&s.m.os, 7) == 0);
	REQUIRE(os_switch(&s.m.os, 0) == 0);
	REQUIRE(mmu_translate(u, 0x1000, ACC_R, &o, &f));
	CHECK_EQ(u->st.walks, 2);
	CHECK_EQ(u->ctx, 0);
	sim_destroy(&s);
}

/* Random MAP/UNMAP/PROTECT/faults against a page map kept by the test:
 * after every operation, sampled pages translate (or not) as the model
 * says, and the allocator audit holds. */
TEST(os_random_ops_model)
{
	enum { NPAGES = 512 };
	struct cfg c;
	struct sim s;
	u8 model[NPAGES];      /* 0: unmapped VMA-less, else prot|0x80 mapped VMA */
	u64 base = 0x7f0000000000ull, rng = rng_seed(99);
	unsigned step, bad = 0;

	cfg_default(&c);
	c.os.strict = true;
	c.os.thp = THP_ALWAYS;
	memset(model, 0, sizeof model);
	REQUIRE(sim_init(&s, &c, native, 1, false) == 0);
	for (step = 0; step < 3000; step++) {
		unsigned op = (unsigned)(rng_next(&rng) % 4), p = (unsigned)(rng_next(&rng) % NPAGES);
		unsigned n = 1 + (unsigned)(rng_next(&rng) % 64), i;
		u8 prot = (u8)(rng_next(&rng) % 4) & (PERM_R | PERM_W);
		if (p + n > NPAGES)
			n = NPAGES - p;
		if (op == 0) {
			REQUIRE(os_map(&s.m.os, base + p * 4096ull, n * 4096ull, prot, 0xff) == 0);
			for (i = p; i < p + n; i++)
				model[i] = 0x80 | prot;
		} else if (op == 1) {
			REQUIRE(os_unmap(&s.m.os, base + p * 4096ull, n * 4096ull) == 0);
			for (i = p; i < p + n; i++)
				model[i] = 0;
		} else if (op == 2) {
			REQUIRE(os_protect(&s.m.os, base + p * 4096ull, n * 4096ull, prot) == 0);
			for (i = p; i < p + n; i++)
				if (model[i])
					model[i] = 0x80 | prot;
		} else {
			enum acc a = (rng_next(&rng) & 1) ? ACC_W : ACC_R;
			struct oracle_res r = look(&s, base + p * 4096ull, a);
			if (r.fault != FAULT_NONE) {
				enum os_fault_res fr = os_fault(&s.m.os, base + p * 4096ull, a);
				bool allowed = model[p] && (acc_is_write(a) ? (model[p] & PERM_W) : (model[p] & 0x7f) != 0);
				if ((fr == OS_MAPPED) != allowed)
					bad++;
			}
		}
		/* check 8 sampled pages */
		for (i = 0; i < 8; i++) {
			unsigned q = (unsigned)(rng_next(&rng) % NPAGES);
			struct oracle_res r = look(&s, base + q * 4096ull, ACC_W);
			if (r.fault == FAULT_NONE && !(model[q] & PERM_W))
				bad++;
			if (r.fault == FAULT_PROT && (!model[q] || (model[q] & PERM_W)))
				bad++;
			if (!model[q] && r.fault != FAULT_NOT_PRESENT)
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(buddy_audit(&s.m.frames) == NULL);
	REQUIRE(os_unmap(&s.m.os, base, NPAGES * 4096ull) == 0);
	CHECK_EQ(s.m.os.cur->pt_pages, 1);
	CHECK_EQ(s.m.os.cur->pages[PS_4K] + s.m.os.cur->pages[PS_2M], 0);
	sim_destroy(&s);
}

/* Page-table pages are freed as Linux's free_pgtables() frees them: an
 * unmap that empties a PT page while the VMA still covers part of its 2M
 * range keeps it (and the PD and PDPT above): 4 leaf clears, no table
 * freed, 4 shadow write traps. Unmapping the rest of the VMA, with no
 * other VMA in the 512G range, frees PT, PD and PDPT: 3 upper-entry
 * clears, each a shadow write trap. */
TEST(os_free_pgtables_floor_ceiling)
{
	static const char *const sw[] = { "shadow" };
	struct cfg c;
	struct sim s;
	u64 base = 0x7e0000000000ull, w0, t0, i;
	struct ev e;

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, sw, 1, false) == 0);
	e = (struct ev){ .kind = EV_MAP, .va = base, .len = 16 * 4096, .prot = PERM_R | PERM_W, .psize = 0xff };
	REQUIRE(sim_event(&s, &e) == 0);
	for (i = 0; i < 4; i++) {
		e = (struct ev){ .kind = EV_W, .size = 8, .va = base + i * 4096 };
		REQUIRE(sim_event(&s, &e) == 0);
	}
	CHECK_EQ(s.m.os.cur->pt_pages, 4);
	w0 = s.m.os.st.pt_writes;
	t0 = s.mmu[0].st.vmm[VMM_PT_WRITE];
	e = (struct ev){ .kind = EV_UNMAP, .va = base, .len = 4 * 4096 };
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(s.m.os.st.pt_writes - w0, 4);
	CHECK_EQ(s.m.os.st.pt_pages_freed, 0);
	CHECK_EQ(s.m.os.cur->pt_pages, 4);
	CHECK_EQ(s.mmu[0].st.vmm[VMM_PT_WRITE] - t0, 4);
	/* the kept PT page serves the VMA's next touch: one PTE write */
	w0 = s.m.os.st.pt_writes;
	e = (struct ev){ .kind = EV_W, .size = 8, .va = base + 8 * 4096 };
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(s.m.os.st.pt_writes - w0, 1);
	/* the rest of the VMA: 1 leaf and 3 tables */
	w0 = s.m.os.st.pt_writes;
	t0 = s.mmu[0].st.vmm[VMM_PT_WRITE];
	e = (struct ev){ .kind = EV_UNMAP, .va = base + 4 * 4096, .len = 12 * 4096 };
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(s.m.os.st.pt_writes - w0, 1 + 3);
	CHECK_EQ(s.m.os.st.pt_pages_freed, 3);
	CHECK_EQ(s.m.os.cur->pt_pages, 1);
	CHECK_EQ(s.mmu[0].st.vmm[VMM_PT_WRITE] - t0, 1 + 3);
	CHECK(buddy_audit(&s.m.frames) == NULL);
	sim_destroy(&s);
}

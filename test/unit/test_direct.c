/*
 * test_direct.c - contiguous-memory VMs: base-plus-offset, direct segments
 * and translation pass-through against hand-derived counts; isolation
 * against adversarial guests, with every TLB scanned afterwards.
 */
#include "test.h"
#include "sim_util.h"
#include "../../mmu/machine/oracle.h"
#include "../../mmu/machine/pte.h"

#define SEG_BASE 0x7f0000000000ull

static void cfg_contig(struct cfg *c)
{
	cfg_default(c);
	c->vm.backing = BACK_CONTIGUOUS;
	c->vm.memory = 2ull << 30;
	c->pwc.enabled = false;
	c->ntlb.enabled = false;
	c->segment.guest_base = SEG_BASE;
	c->segment.guest_size = 64ull << 20;
}

struct cold_want {
	const char *walker;
	unsigned refs, base_bound, tags;
};

/* Cold walks of a 4K page, 4-level guest and host tables, no PWC or nested
 * TLB. Derivations:
 *  bpo          guest walk only: 4 refs; gPA + gBA for 4 tables + the page: 5
 *  dual-direct  inside both segments: no reference, one base-bound
 *  vmm-direct   as bpo: 4 refs, 5 base-bound (every gPA by the VMM segment)
 *  guest-direct gVA -> gPA by the segment (1), then a 4-reference EPT walk
 *  tpt          4 refs over host-physical guest tables; tag checks: 4
 *               table pages + the final frame = 5 */
TEST(direct_cold_counts)
{
	static const struct cold_want want[] = {
		{ "bpo", 4, 5, 0 }, { "dual-direct", 0, 1, 0 }, { "vmm-direct", 4, 5, 0 },
		{ "guest-direct", 4, 1, 0 }, { "tpt", 4, 0, 5 },
	};
	const char *names[ARRAY_SIZE(want)];
	struct cfg c;
	struct sim s;
	u64 va = SEG_BASE + 0x123000 + 0x40;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(want); i++)
		names[i] = want[i].walker;
	cfg_contig(&c);
	REQUIRE(sim_init(&s, &c, names, (int)ARRAY_SIZE(want), true) == 0);
	REQUIRE(s.m.vm.contiguous);
	REQUIRE(s.m.os.seg.on);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		struct mmu *u = &s.mmu[i];
		struct xlate_out o;
		struct walk_fault f;
		/* tpt builds its host-physical tables on the first walk; empty
		 * the caches so the counted walk is cold */
		if (!strcmp(want[i].walker, "tpt")) {
			REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
			tlb_flush_all(&u->tlb);
			memport_flush(&u->port);
			u->fp[0].valid = u->fp[1].valid = false;
			memset(&u->st, 0, sizeof u->st);
		}
		REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
		if (u->log.refs != want[i].refs || u->st.base_bound != want[i].base_bound ||
		    u->st.tag_checks != want[i].tags)
			test_fail(__FILE__, __LINE__, "%s: %u refs, %llu base-bound, %llu tag checks; want %u, %u, %u",
				  want[i].walker, u->log.refs, (unsigned long long)u->st.base_bound,
				  (unsigned long long)u->st.tag_checks, want[i].refs, want[i].base_bound, want[i].tags);
		{
			struct oracle_res r;
			oracle_translate(&s.m, s.m.os.cur->root, 4, va, ACC_R, &r);
			CHECK_EQ(o.pa.v, r.hpa.v);
			/* the segment and the contiguous extent: hPA = gVA + offsets */
			CHECK_EQ(r.hpa.v, va + s.m.os.seg.offset + (s.m.vm.base_hfn << PAGE_SHIFT));
		}
	}
	sim_destroy(&s);
}

/* Outside the guest segment the segment walkers fall back: dual-direct to
 * VMM Direct, guest-direct to nested paging (24 references cold). */
TEST(direct_fallbacks)
{
	const char *names[] = { "dual-direct", "guest-direct" };
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	u64 va = 0x500000000ull;

	cfg_contig(&c);
	REQUIRE(sim_init(&s, &c, names, 2, true) == 0);
	REQUIRE(os_populate(&s.m.os, va, 4096, ACC_R) == 0);
	REQUIRE(mmu_translate(&s.mmu[0], va, ACC_R, &o, &f));
	CHECK_EQ(s.mmu[0].log.refs, 4);
	CHECK_EQ(s.mmu[0].st.base_bound, 5);
	REQUIRE(mmu_translate(&s.mmu[1], va, ACC_R, &o, &f));
	CHECK_EQ(s.mmu[1].log.refs, 24);
	CHECK_EQ(s.mmu[1].st.base_bound, 0);
	sim_destroy(&s);
}

/* Escaped pages (in the filter) are translated by paging, to the frame the
 * OS remapped them to. */
TEST(direct_escape_filter)
{
	const char *names[] = { "dual-direct" };
	struct cfg c;
	struct sim s;
	u64 i, escaped = 0;

	cfg_contig(&c);
	c.segment.escape_pages = 64;
	REQUIRE(sim_init(&s, &c, names, 1, true) == 0);
	CHECK(s.m.os.seg.escaped >= 60);       /* a few random picks may repeat */
	for (i = 0; i < (64ull << 20) >> PAGE_SHIFT; i++) {
		struct oracle_res r;
		u64 va = SEG_BASE + (i << PAGE_SHIFT);
		oracle_translate(&s.m, s.m.os.cur->root, 4, va, ACC_R, &r);
		if (r.gpa.v != va + s.m.os.seg.offset) {
			escaped++;
			CHECK(bloom_test(&s.m.os.seg.filter, va >> PAGE_SHIFT));
		}
	}
	CHECK_EQ(escaped, s.m.os.seg.escaped);
	feed(&s, "uniform:footprint=64M,n=50000,rw=0.5,seed=3", false);
	CHECK_EQ(s.mmu[0].st.oracle_mismatches, 0);
	CHECK(s.mmu[0].st.oracle_checks >= 50000);
	sim_destroy(&s);
}

struct owner_scan {
	struct machine *m;
	u64 bad, seen;
};

/* Every TLB entry's frame must belong to the VM of the entry's VPID. */
static void owner_entry(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg)
{
	struct owner_scan *sc = arg;
	u64 n = psize_bytes(x->ps) >> PAGE_SHIFT, i, hfn = x->frame >> PAGE_SHIFT;
	(void)lvl;
	(void)va;
	sc->seen++;
	for (i = 0; i < n; i++)
		if (hfn + i >= sc->m->frames.nframes || sc->m->tags[hfn + i] != ctx >> 12)
			sc->bad++;
}

/* Adversarial guests: a guest PTE pointing beyond its memory (outside
 * [gBA, gBA + gMS)), one whose guest-physical address another VM's memory
 * backs in the host, and a tpt table entry holding the host address of
 * another VM's frame or of another VM's page-table page. Every walker
 * faults and no TLB entry reaches outside its VM. */
TEST(direct_isolation_adversarial)
{
	const char *names[] = { "nested", "shadow", "agile", "bpo", "dual-direct", "vmm-direct",
				"guest-direct", "tpt" };
	int nw = (int)ARRAY_SIZE(names), i;
	struct cfg c;
	struct sim s;
	u64 va_out = 0x600000000ull, va_tpt = 0x610000000ull;
	u64 other_frame, other_pt;
	gpa_t t;
	struct ev e;
	struct owner_scan sc;

	cfg_contig(&c);
	c.segment.guest_size = 0;
	REQUIRE(sim_init(&s, &c, names, nw, true) == 0);
	/* VM 1 exists, with data and tables of its own */
	REQUIRE(machine_switch_vm(&s.m, 1) == 0);
	feed(&s, "uniform:footprint=4M,n=2000,rw=0.5,seed=9", false);
	{
		struct oracle_res r;
		oracle_translate(&s.m, s.m.os.cur->root, 4, 0x7f0000000000ull, ACC_R, &r);
		REQUIRE(r.fault == FAULT_NONE);
		other_frame = r.hpa.v & ~(PAGE_SIZE - 1);
		other_pt = machine_gpa_hpa(&s.m, r.leaf_at).v & ~(PAGE_SIZE - 1);
	}
	REQUIRE(machine_switch_vm(&s.m, 0) == 0);
	feed(&s, "uniform:footprint=4M,n=2000,rw=0.5,seed=8", false);
	/* VM 0's guest maps va_out to a gPA beyond its 2 GiB */
	REQUIRE(os_populate(&s.m.os, va_out, 4096, ACC_R) == 0);
	{
		struct oracle_res r;
		oracle_translate(&s.m, s.m.os.cur->root, 4, va_out, ACC_R, &r);
		REQUIRE(r.fault == FAULT_NONE);
		t = r.leaf_at;
		machine_pt_write(&s.m, 0, t, 1, (3ull << 30) | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D);
		machine_invlpg(&s.m, s.m.os.cur->pcid, va_out, PAGE_SIZE);
	}
	for (i = 0; i < nw; i++) {
		struct xlate_out o;
		struct walk_fault f;
		if (mmu_translate(&s.mmu[i], va_out, ACC_R, &o, &f))
			test_fail(__FILE__, __LINE__, "%s translated a gPA beyond the VM's memory to 0x%llx",
				  names[i], (unsigned long long)o.pa.v);
		else if (f.kind != FAULT_EPT && f.kind != FAULT_ISOLATION)
			test_fail(__FILE__, __LINE__, "%s: fault %s", names[i], fault_kind_name(f.kind));
		machine_commit_ad(&s.m);
	}
	/* bpo and the VMM segment report it as an isolation fault */
	CHECK(s.mmu[3].st.isolation_faults >= 1);
	CHECK(s.mmu[5].st.isolation_faults >= 1);
	/* tpt: the guest writes another VM's host addresses in its own table */
	REQUIRE(os_populate(&s.m.os, va_tpt, 8192, ACC_R) == 0);
	{
		struct xlate_out o;
		struct walk_fault f;
		struct mmu *u = &s.mmu[nw - 1];
		u64 at;
		REQUIRE(mmu_translate(u, va_tpt, ACC_R, &o, &f));
		REQUIRE(mmu_translate(u, va_tpt + 4096, ACC_R, &o, &f));
		at = shadow_leaf_at(&u->w, s.m.os.cur->root, 4, va_tpt);
		REQUIRE(at);
		physmem_write64(&s.m.mem, mk_hpa(at), other_frame | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D);
		at = shadow_leaf_at(&u->w, s.m.os.cur->root, 4, va_tpt + 4096);
		REQUIRE(at);
		/* a "table" pointer would need an upper entry; a leaf pointing
		 * at the other VM's page-table page is the same breach */
		physmem_write64(&s.m.mem, mk_hpa(at), other_pt | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D);
		tlb_flush_all(&u->tlb);
		u->fp[0].valid = u->fp[1].valid = false;
		u->st.isolation_faults = 0;
		CHECK(!mmu_translate(u, va_tpt, ACC_R, &o, &f));
		CHECK_EQ(f.kind, FAULT_ISOLATION);
		CHECK(!mmu_translate(u, va_tpt + 4096, ACC_R, &o, &f));
		CHECK_EQ(f.kind, FAULT_ISOLATION);
		CHECK_EQ(u->st.isolation_faults, 2);
	}
	/* more traffic in both VMs, then scan every TLB of every walker */
	e = (struct ev){ .kind = EV_VM, .size = 1 };
	REQUIRE(sim_event(&s, &e) == 0);
	feed(&s, "uniform:footprint=4M,n=2000,rw=0.5,seed=7", true);
	memset(&sc, 0, sizeof sc);
	sc.m = &s.m;
	for (i = 0; i < nw; i++)
		tlb_foreach(&s.mmu[i].tlb, owner_entry, &sc);
	CHECK(sc.seen > 100);
	CHECK_EQ(sc.bad, 0);
	sim_destroy(&s);
}

/* Compaction: VMs refused contiguous memory on a fragmented host become
 * contiguous at run time; their walkers switch from nested paging to
 * base-plus-offset (guest-levels references) and every translation before
 * and after matches the reference translator; the allocator stays sound. */
TEST(direct_compaction_switches_to_bpo)
{
	const char *names[] = { "bpo", "shadow", "tpt" };
	struct cfg c;
	struct sim s;
	u64 walks0, refs0;
	u32 i;

	cfg_default(&c);
	c.host.ram = 32ull << 30;
	c.host.fragmentation = 1.0;
	c.vm.backing = BACK_CONTIGUOUS;
	c.vm.memory = 2ull << 30;
	REQUIRE(sim_init(&s, &c, names, 3, true) == 0);
	CHECK(!s.m.vm.contiguous);             /* every 1G block pinned */
	feed(&s, "multivm:n=20000,vms=2,quantum=1000,footprint=64M,rw=0.3,seed=2", false);
	walks0 = s.mmu[0].st.walks;
	refs0 = s.mmu[0].st.walk_refs;
	CHECK_EQ(s.mmu[0].st.base_bound, 0);   /* bpo fell back to nested paging */
	CHECK(s.mmu[0].st.walk_refs_dim[DIM_H] > 0);
	for (i = 0; i < 2; i++) {
		struct ev e = { .kind = EV_VM, .size = i };
		REQUIRE(sim_event(&s, &e) == 0);
		REQUIRE(machine_compact_vm(&s.m) == 0);
		CHECK(s.m.vm.contiguous);
		CHECK(!s.m.vm.contiguous_at_start);
	}
	CHECK(s.m.compaction.pins_moved > 0);
	CHECK(s.m.compaction.pages > 0);
	CHECK_EQ(s.m.compaction.cycles, (s.m.compaction.pages + s.m.compaction.pins_moved) * c.vmm.migrate_cycles);
	CHECK(buddy_audit(&s.m.frames) == NULL);
	feed(&s, "multivm:n=20000,vms=2,quantum=1000,footprint=64M,rw=0.3,seed=3", true);
	/* bpo now walks the guest tables only: at most 4 references */
	CHECK((s.mmu[0].st.walk_refs - refs0) <= 4 * (s.mmu[0].st.walks - walks0));
	CHECK(s.mmu[0].st.base_bound > 0);
	{
		u64 h = s.mmu[0].st.walk_refs_dim[DIM_H];
		feed(&s, "multivm:n=5000,vms=2,quantum=1000,footprint=64M,rw=0.3,seed=4", true);
		CHECK_EQ(s.mmu[0].st.walk_refs_dim[DIM_H], h);   /* no host-dimension reference any more */
	}
	for (i = 0; i < 3; i++)
		CHECK_EQ(s.mmu[i].st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* The MMIO hole: guest RAM is [0, 3G) and [4G, 7G) for a 6 GiB VM; the
 * contiguous extent spans the hole, whose host frames go back to the host;
 * hPA = gPA + gBA on both sides; a guest PTE into the hole is refused. */
TEST(direct_mmio_hole)
{
	const char *names[] = { "bpo", "nested" };
	struct cfg c;
	struct sim s;
	u64 f, va = 0x640000000ull;
	struct oracle_res r;
	struct xlate_out o;
	struct walk_fault fl;

	cfg_default(&c);
	c.host.ram = 16ull << 30;
	c.vm.memory = 6ull << 30;
	c.vm.mmio_hole = true;
	c.vm.backing = BACK_CONTIGUOUS;
	REQUIRE(sim_init(&s, &c, names, 2, true) == 0);
	REQUIRE(s.m.vm.contiguous);
	CHECK_EQ(s.m.vm.gframes, (7ull << 30) >> PAGE_SHIFT);
	for (f = (3ull << 30) >> PAGE_SHIFT; f < (4ull << 30) >> PAGE_SHIFT; f += 4096)
		CHECK(buddy_is_free(&s.m.frames, s.m.vm.base_hfn + f));
	CHECK(!buddy_is_free(&s.m.frames, s.m.vm.base_hfn + ((5ull << 30) >> PAGE_SHIFT)));
	feed(&s, "uniform:footprint=64M,n=20000,rw=0.3,seed=5", false);
	/* point a guest PTE into the hole */
	REQUIRE(os_populate(&s.m.os, va, 4096, ACC_R) == 0);
	oracle_translate(&s.m, s.m.os.cur->root, 4, va, ACC_R, &r);
	REQUIRE(r.fault == FAULT_NONE);
	machine_pt_write(&s.m, 0, r.leaf_at, 1, (3ull << 30) + 0x5000 + (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D));
	machine_invlpg(&s.m, s.m.os.cur->pcid, va, PAGE_SIZE);
	CHECK(!mmu_translate(&s.mmu[0], va, ACC_R, &o, &fl));
	CHECK_EQ(fl.kind, FAULT_ISOLATION);
	CHECK(!mmu_translate(&s.mmu[1], va, ACC_R, &o, &fl));
	CHECK_EQ(fl.kind, FAULT_EPT);
	/* and above the hole: hPA = gPA + gBA */
	machine_pt_write(&s.m, 0, r.leaf_at, 1, (5ull << 30) + (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D));
	machine_invlpg(&s.m, s.m.os.cur->pcid, va, PAGE_SIZE);
	REQUIRE(mmu_translate(&s.mmu[0], va, ACC_R, &o, &fl));
	CHECK_EQ(o.pa.v, (5ull << 30) + (s.m.vm.base_hfn << PAGE_SHIFT));
	CHECK_EQ(s.mmu[0].st.oracle_mismatches + s.mmu[1].st.oracle_mismatches, 0);
	sim_destroy(&s);
}

/* Compaction moves each of the compacted VM's pages at most once: a page
 * already at its place in the window (frame base + gfn) stays, one
 * elsewhere in the window or outside it moves once, and migrate_cycles is
 * charged once per page moved (and per pin moved). A small host whose
 * window (16 MiB, on a 4 MiB boundary) starts where the VM's own frames
 * already lie. */
TEST(direct_compaction_moves_own_pages_once)
{
	const char *names[] = { "nested" };
	struct cfg c;
	struct sim s;
	u64 *before, g, expect = 0, inwin = 0, atplace = 0, base;
	u32 i;

	cfg_default(&c);
	c.host.ram = 256ull << 20;
	c.host.max_order = 10;
	c.vm.memory = 16ull << 20;
	REQUIRE(sim_init(&s, &c, names, 1, true) == 0);
	for (i = 0; i < 300; i++) {
		struct ev e = { .kind = EV_W, .size = 8, .va = 0x7f0000000000ull + (u64)i * 4096 * 3 };
		REQUIRE(sim_event(&s, &e) == 0);
	}
	before = calloc(s.m.vm.gframes, sizeof *before);
	REQUIRE(before);
	for (g = 0; g < s.m.vm.gframes; g++)
		before[g] = s.m.vm.g2h[g];
	REQUIRE(machine_compact_vm(&s.m) == 0);
	REQUIRE(s.m.vm.contiguous);
	base = s.m.vm.base_hfn;
	for (g = 0; g < s.m.vm.gframes; g++) {
		if (!before[g])
			continue;
		if (before[g] - 1 >= base && before[g] - 1 < base + s.m.vm.gframes)
			inwin++;
		if (before[g] - 1 == base + g)
			atplace++;
		else
			expect++;
	}
	CHECK(inwin > 0);                  /* the case the test is about */
	CHECK_EQ(s.m.compaction.pages, expect);
	CHECK_EQ(s.m.compaction.cycles, (expect + s.m.compaction.pins_moved) * c.vmm.migrate_cycles);
	CHECK(buddy_audit(&s.m.frames) == NULL);
	for (i = 0; i < 300; i++) {
		struct ev e = { .kind = EV_R, .size = 8, .va = 0x7f0000000000ull + (u64)i * 4096 * 3 };
		REQUIRE(sim_event(&s, &e) == 0);
	}
	CHECK_EQ(s.mmu[0].st.oracle_mismatches, 0);
	CHECK_EQ(atplace + expect, inwin + (expect - (inwin - atplace)));
	free(before);
	sim_destroy(&s);
}

/* [host] movable_pins: of the fragmentation pins, exactly
 * round((1 - share) * pins) are unmovable. Compaction never moves one nor
 * takes a window holding one: with none movable on a host with every
 * max-order block pinned, no window exists; with half movable, the VM's
 * window holds no unmovable pin and those pins stay where they were. */
TEST(direct_unmovable_pins)
{
	const char *names[] = { "nested" };
	struct cfg c;
	struct sim all, s;
	u64 k, j, unmov = 0, *mov;

	cfg_default(&c);
	c.host.ram = 1ull << 30;
	c.host.max_order = 14;                 /* 64 MiB blocks */
	c.host.fragmentation = 1.0;
	c.vm.memory = 128ull << 20;
	c.host.movable_pins = 1.0;
	REQUIRE(sim_init(&all, &c, names, 1, false) == 0);
	REQUIRE(all.m.frag_pins > 4);
	CHECK_EQ(all.m.npins, all.m.frag_pins);
	c.host.movable_pins = 0.0;
	REQUIRE(sim_init(&s, &c, names, 1, false) == 0);
	CHECK_EQ(s.m.npins, 0);
	CHECK(machine_compact_vm(&s.m) != 0);
	CHECK_EQ(s.m.compaction.pins_moved, 0);
	CHECK(!s.m.vm.contiguous);
	sim_destroy(&s);
	c.host.movable_pins = 0.5;
	REQUIRE(sim_init(&s, &c, names, 1, false) == 0);
	CHECK_EQ(s.m.frag_pins - s.m.npins, s.m.frag_pins - (u64)(0.5 * (double)s.m.frag_pins + 0.5));
	mov = calloc(s.m.npins + 1, sizeof *mov);
	REQUIRE(mov);
	memcpy(mov, s.m.pins, s.m.npins * sizeof *mov);
	REQUIRE(machine_compact_vm(&s.m) == 0);
	REQUIRE(s.m.vm.contiguous);
	for (k = 0; k < all.m.npins; k++) {
		u64 f = all.m.pins[k];
		bool movable = false;
		for (j = 0; j < s.m.npins; j++)
			movable |= mov[j] == f;
		if (movable)
			continue;
		unmov++;
		CHECK(!buddy_is_free(&s.m.frames, f));          /* still pinned */
		CHECK(f < s.m.vm.base_hfn || f >= s.m.vm.base_hfn + s.m.vm.gframes);
	}
	CHECK_EQ(unmov + s.m.npins, all.m.npins);
	CHECK(s.m.compaction.pins_moved <= s.m.npins);
	free(mov);
	sim_destroy(&s);
	sim_destroy(&all);
}

/* Compaction moves every movable pin out of its window, however many the
 * window holds (here 4, one per 64 MiB block of a 256 MiB VM on a host
 * with every block pinned), and only those. */
TEST(direct_compaction_moves_every_pin_in_window)
{
	const char *names[] = { "nested" };
	struct cfg c;
	struct sim s;
	u64 k, *pins, n, inwin = 0, base, end;

	cfg_default(&c);
	c.host.ram = 1ull << 30;
	c.host.max_order = 14;
	c.host.fragmentation = 1.0;
	c.vm.memory = 256ull << 20;
	REQUIRE(sim_init(&s, &c, names, 1, false) == 0);
	n = s.m.npins;
	pins = calloc(n + 1, sizeof *pins);
	REQUIRE(pins);
	memcpy(pins, s.m.pins, n * sizeof *pins);
	REQUIRE(machine_compact_vm(&s.m) == 0);
	REQUIRE(s.m.vm.contiguous);
	base = s.m.vm.base_hfn;
	end = base + s.m.vm.gframes;
	for (k = 0; k < n; k++)
		inwin += pins[k] >= base && pins[k] < end;
	CHECK(inwin >= 3);
	CHECK_EQ(s.m.compaction.pins_moved, inwin);
	for (k = 0; k < s.m.npins; k++) {
		CHECK(s.m.pins[k] < base || s.m.pins[k] >= end);
		CHECK(!buddy_is_free(&s.m.frames, s.m.pins[k]));
		CHECK(k == 0 || s.m.pins[k - 1] < s.m.pins[k]);
	}
	CHECK(buddy_audit(&s.m.frames) == NULL);
	free(pins);
	sim_destroy(&s);
}

/* tpt: every page-table page read is tag-checked, also the one a PWC hit
 * leads to. A walk that hits the PDE cache reads the PT page and the data
 * frame's tag: 2 checks (the tables above are neither read nor checked); a
 * cold walk 5 (4 tables and the frame). */
TEST(direct_tpt_tag_check_after_pwc_hit)
{
	const char *names[] = { "tpt" };
	struct cfg c;
	struct sim s;
	struct mmu *u;
	u64 base = 0x7f0000000000ull, t0, i, tags = 0;
	struct ev e = { .kind = EV_W, .size = 8, .va = base };

	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, names, 1, true) == 0);
	u = &s.mmu[0];
	REQUIRE(sim_event(&s, &e) == 0);
	e.va = base + 4096;
	REQUIRE(sim_event(&s, &e) == 0);           /* mapped, PWC warm */
	tlb_flush_all(&u->tlb);
	u->fp[0].valid = u->fp[1].valid = false;
	t0 = u->st.tag_checks;
	e.kind = EV_R;
	REQUIRE(sim_event(&s, &e) == 0);
	REQUIRE(u->log.n > 0);
	CHECK_EQ(u->log.r[0].src, SRC_PWC);
	CHECK_EQ(u->log.r[0].level, 2);
	for (i = 0; i < u->log.n; i++)
		tags += u->log.r[i].src == SRC_TAG;
	CHECK_EQ(u->st.tag_checks - t0, 2);
	CHECK_EQ(tags, 2);
	CHECK_EQ(u->log.refs, 1);
	/* cold: no PWC */
	tlb_flush_all(&u->tlb);
	pwc_flush_all(&u->pwc);
	u->fp[0].valid = u->fp[1].valid = false;
	t0 = u->st.tag_checks;
	REQUIRE(sim_event(&s, &e) == 0);
	CHECK_EQ(u->st.tag_checks - t0, 5);
	CHECK_EQ(u->st.oracle_mismatches, 0);
	sim_destroy(&s);
}

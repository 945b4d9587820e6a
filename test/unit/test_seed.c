/*
 * test_seed.c - the seed papers' mechanisms added as options, each against
 * a hand-derived expectation: the VMM segment's escape filter (shared/
 * seeds 001 sec. 6), the Xen heap allocator of Algorithm 4 (003 sec. 9),
 * the one definition of a contiguous extent (its alignment), gBA/gMS
 * loads on VM switches (000).
 */
#include "test.h"
#include <stdlib.h>
#include "sim_util.h"
#include "place_util.h"
#include "../../mmu/machine/oracle.h"
#include "../../mmu/machine/pte.h"

/* ---- Algorithm 4 on a known free list ---- */

/* 64 frames, blocks of at most 16 (max_order 4): four order-4 blocks. */
static void fresh64(struct buddy *b)
{
	REQUIRE_EQ(buddy_init(b, 64, 4), 0);
}

TEST(seed_xen_heap_extends_at_next_mfn)
{
	struct buddy b;

	/* Fresh: buddy_alloc gives ascending frames, so the first 16-frame
	 * extent is 0 and next_mfn walks 16, 32: 40 frames = extents of 16,
	 * 16 and 8 at 0, 16, 32. */
	fresh64(&b);
	CHECK_EQ(buddy_alloc_xen(&b, 40, 4, 0), 0);
	CHECK_EQ(b.free_frames, 24);
	CHECK(!buddy_is_free(&b, 39));
	CHECK(buddy_is_free(&b, 40));
	CHECK(buddy_audit(&b) == NULL);
	buddy_destroy(&b);

	/* Frame 20 pinned: order-4 blocks 0, 32, 48 are free. The first
	 * extent lands at 0 (the lowest free-list entry of a fresh heap);
	 * next_mfn = 16 is not free: Algorithm 4 fails and gives everything
	 * back, although the free run [21, 64) holds 43 frames, where the
	 * first-fit search puts the extent. */
	fresh64(&b);
	REQUIRE(buddy_alloc_at(&b, 20, 0));
	CHECK_EQ(buddy_alloc_xen(&b, 32, 4, 0), BUDDY_NONE);
	CHECK_EQ(b.free_frames, 63);
	CHECK(buddy_audit(&b) == NULL);
	CHECK_EQ(buddy_alloc_contig(&b, 32, 0, BUDDY_FIT_FIRST), 21);
	buddy_destroy(&b);

	/* LIFO free lists decide the first extent: take 0, 32, 48, give back
	 * 48, 0, 32 in that order; 32 is on top, next_mfn = 48 is free:
	 * the VM gets [32, 64). */
	fresh64(&b);
	REQUIRE(buddy_alloc_at(&b, 20, 0));
	REQUIRE_EQ(buddy_alloc(&b, 4), 0);
	REQUIRE_EQ(buddy_alloc(&b, 4), 32);
	REQUIRE_EQ(buddy_alloc(&b, 4), 48);
	buddy_free(&b, 48, 4);
	buddy_free(&b, 0, 4);
	buddy_free(&b, 32, 4);
	CHECK_EQ(buddy_alloc_xen(&b, 32, 4, 0), 32);
	CHECK_EQ(b.free_frames, 31);
	buddy_destroy(&b);

	/* No free order-4 block: the builder falls back to order 3 for the
	 * first extent and stays there. Frames 4, 20, 36 and 52 pinned, in
	 * that order: the free order-3 blocks are 8, 24, 40, 56, pushed in
	 * that order as the pins split their blocks, so the free list gives
	 * 56 first (LIFO). 16 frames: 56, then next_mfn = 64 is past the
	 * end: fails. 8 frames: 56. 8 frames aligned to 16: the first extent
	 * is now 40, not a multiple of 16: fails. */
	fresh64(&b);
	REQUIRE(buddy_alloc_at(&b, 4, 0));
	REQUIRE(buddy_alloc_at(&b, 20, 0));
	REQUIRE(buddy_alloc_at(&b, 36, 0));
	REQUIRE(buddy_alloc_at(&b, 52, 0));
	CHECK_EQ(buddy_alloc_xen(&b, 16, 4, 0), BUDDY_NONE);
	CHECK_EQ(buddy_alloc_xen(&b, 8, 4, 0), 56);
	CHECK_EQ(buddy_alloc_xen(&b, 8, 4, 4), BUDDY_NONE);
	CHECK(buddy_is_free(&b, 40));
	CHECK_EQ(b.free_frames, 52);
	CHECK(buddy_audit(&b) == NULL);
	buddy_destroy(&b);
}

/* ---- one definition of contiguous: the alignment ---- */

TEST(seed_contig_alignment)
{
	struct buddy b;

	/* Frames 0..19 allocated: the free run is [20, 64). Unaligned
	 * (granule) fit: 20; aligned to 16 frames: 32; to 64: none. */
	fresh64(&b);
	REQUIRE(buddy_alloc_contig_at(&b, 0, 20));
	CHECK_EQ(buddy_find_contig(&b, 30, 0, BUDDY_FIT_FIRST), 20);
	CHECK_EQ(buddy_find_contig(&b, 30, 4, BUDDY_FIT_FIRST), 32);
	CHECK_EQ(buddy_find_contig(&b, 30, 4, BUDDY_FIT_BEST), 32);
	CHECK_EQ(buddy_find_contig(&b, 40, 4, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_find_contig(&b, 40, 0, BUDDY_FIT_FIRST), 20);
	/* the longest run at each alignment: 44 from 20, 32 from 32, none
	 * from a multiple of 64 (0 is allocated) */
	CHECK_EQ(buddy_largest_aligned_run(&b, 0), 44);
	CHECK_EQ(buddy_largest_aligned_run(&b, 4), 32);
	CHECK_EQ(buddy_largest_aligned_run(&b, 6), 0);
	buddy_destroy(&b);
}

/* The lowest frame that is a multiple of 2^align and starts n free frames,
 * by a scan of every frame (independent of the free-run index). */
static u64 scan_lowest(const struct buddy *b, u64 n, u32 align)
{
	u64 s, f;
	for (s = 0; s + n <= b->nframes; s += 1ull << align) {
		for (f = s; f < s + n && buddy_is_free(b, f); f++)
			;
		if (f == s + n)
			return s;
	}
	return BUDDY_NONE;
}

/* The VMM takes the lowest extent on a [host] contig_align boundary: on a
 * fragmented host, 2M alignment finds room where 1G does not. */
TEST(seed_contig_align_vmm)
{
	static const u64 align[] = { 2ull << 20, 1ull << 30 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(align); i++) {
		struct cfg c;
		struct machine m;
		u32 ao;
		u64 want;

		cfg_default(&c);
		c.host.ram = 8ull << 30;
		c.host.fragmentation = 1;
		c.host.contig_align = align[i];
		c.vm.memory = 1ull << 30;
		c.vm.backing = BACK_CONTIGUOUS;
		c.vm.enabled = true;
		REQUIRE_EQ(machine_init(&m, &c), 0);
		/* VM 0 was created with the machine; VM 1 now */
		ao = vm_contig_align_order(&c);
		CHECK_EQ(ao, align[i] == (2ull << 20) ? 9 : 18);
		want = scan_lowest(&m.frames, (1ull << 30) >> PAGE_SHIFT, ao);
		REQUIRE_EQ(machine_switch_vm(&m, 1), 0);
		CHECK_EQ(m.vm.contiguous ? m.vm.base_hfn : BUDDY_NONE, want);
		/* every 1G block holds a pin: no 1G-aligned 1G extent exists */
		if (ao == 18)
			CHECK(!m.vm.contiguous);
		else
			CHECK(m.vm.contiguous);
		machine_destroy(&m);
	}
}

/* ---- the VMM segment's escape filter ---- */

TEST(seed_vmm_escape_filter)
{
	static const char *const names[] = { "vmm-direct", "dual-direct", "bpo" };
	struct cfg c;
	struct sim s;
	u64 g, moved = 0, va = 0, base, seg_lo;
	struct oracle_res r;
	int i;

	cfg_default(&c);
	c.vm.backing = BACK_CONTIGUOUS;
	c.vm.memory = 256ull << 20;
	c.pwc.enabled = false;
	c.ntlb.enabled = false;
	c.segment.guest_size = 64ull << 20;
	c.segment.vmm_escape_pages = 64;
	REQUIRE(sim_init(&s, &c, names, 3, true) == 0);
	REQUIRE(s.m.vm.contiguous);
	CHECK_EQ(s.m.vm.escaped, 64);
	base = s.m.vm.base_hfn;
	seg_lo = s.m.os.seg.gfn_lo;
	/* exactly 64 guest pages map outside hPA = gPA + gBA, each in the
	 * filter; pick one inside the guest segment */
	for (g = 0; g < s.m.vm.gframes; g++) {
		u8 perms;
		if (!vm_ept_leaf(&s.m, g << PAGE_SHIFT, &perms))
			continue;
		if (s.m.vm.g2h[g] - 1 == base + g)
			continue;
		moved++;
		CHECK(vm_escaped(&s.m.vm, g << PAGE_SHIFT));
		if (!va && g >= seg_lo && g < s.m.os.seg.gfn_hi)
			va = s.m.os.seg.base + ((g - seg_lo) << PAGE_SHIFT);
	}
	CHECK_EQ(moved, 64);
	REQUIRE(va != 0);
	/* A cold walk of an escaped data page (no PWC, no nested TLB):
	 *  vmm-direct   4 guest tables by the segment (4 refs, 4 base-bound),
	 *               the page by the segment check (1) then its EPT walk
	 *               (4 refs): 8 refs, 5 base-bound
	 *  dual-direct  the guest segment (1 base-bound), the VMM filter
	 *               hits: the EPT walk, 4 refs
	 *  bpo          as vmm-direct
	 * (the guest tables themselves are not escaped: checked below) */
	oracle_translate(&s.m, s.m.os.cur->root, 4, va, ACC_R, &r);
	for (i = 0; i < 3; i++) {
		struct mmu *u = &s.mmu[i];
		struct xlate_out o;
		struct walk_fault f;
		unsigned want_refs = i == 1 ? 4 : 8, want_bb = i == 1 ? 1 : 5;
		REQUIRE(mmu_translate(u, va, ACC_R, &o, &f));
		CHECK_EQ(o.pa.v, r.hpa.v);
		CHECK(o.pa.v != (va + s.m.os.seg.offset + (base << PAGE_SHIFT)));
		CHECK_EQ(u->log.refs, want_refs);
		CHECK_EQ(u->st.base_bound, want_bb);
		if (i == 0)
			for (unsigned k = 0; k < u->log.n; k++)
				if (u->log.r[k].dim == DIM_G)
					CHECK(!vm_escaped(&s.m.vm, u->log.r[k].addr - (base << PAGE_SHIFT)));
	}
	/* and every translation of a run agrees with the reference */
	feed(&s, "uniform:n=20000,footprint=64M,rw=0.3", true);
	for (i = 0; i < 3; i++) {
		CHECK(s.mmu[i].st.oracle_checks > 0);
		CHECK_EQ(s.mmu[i].st.oracle_mismatches, 0);
	}
	sim_destroy(&s);
}

TEST(seed_config_errors)
{
	char *out, *err;
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s run -w vmm-direct -s segment.vmm_escape_pages=4 -s vm.host_thp=true "
		 "--gen uniform:n=10", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "[vm] host_thp: bad host pages are remapped at 4K");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s run -w bpo -s host.max_order=9 --gen uniform:n=10", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "[host] max_order: larger than the largest buddy block");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s run -w bpo -s host.allocator=buddy --gen uniform:n=10", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "[host] allocator");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s run -w bpo -s host.contig_align=3M --gen uniform:n=10", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "[host] contig_align: must be a power of two");
	free(out);
	free(err);
	{
		static const char *const kv[][2] = {
			{ "vm.fallback=agile", "[vm] fallback: must be nested or shadow" },
			{ "segment.guest_fragmentation=2", "[segment] guest_fragmentation: must be a fraction" },
			{ "segment.self_balloon=maybe", "[segment] self_balloon: must be true, false" },
			{ "vmm.base_load_cycles=100001", "[vmm] base_load_cycles: must be between 0 and 100000" },
			{ "segment.vmm_escape_pages=2000000", "[segment] vmm_escape_pages: must be between 0 and 1048576" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(kv); i++) {
			snprintf(cmd, sizeof cmd, "%s run -w bpo -s %s --gen uniform:n=10", test_mmusim(), kv[i][0]);
			CHECK_EQ(test_run(cmd, &out, &err), 1);
			CHECK_STR_CONTAINS(err, kv[i][1]);
			free(out);
			free(err);
		}
	}
}

/* ---- gBA/gMS loaded on VM entry ---- */

TEST(seed_base_loads_on_vm_switch)
{
	static const char *const names[] = { "bpo", "nested", "vmm-direct", "guest-direct" };
	static const u32 cyc[] = { 0, 70 };
	u64 vmm[2][4];
	int k, i;

	for (k = 0; k < 2; k++) {
		struct cfg c;
		struct sim s;
		cfg_default(&c);
		c.vm.backing = BACK_CONTIGUOUS;
		c.vm.memory = 1ull << 30;
		c.vmm.base_load_cycles = cyc[k];
		REQUIRE(sim_init(&s, &c, names, 4, true) == 0);
		/* 4000 accesses, a turn every 1000: VM 0 (already running,
		 * no switch), then VM 1, 0, 1: 3 switches, each to a
		 * contiguous VM */
		feed(&s, "multivm:n=4000,vms=2,quantum=1000,footprint=1M", false);
		CHECK_EQ(s.ev_kind[EV_VM], 4);
		for (i = 0; i < 4; i++) {
			bool regs = i == 0 || i == 2;
			CHECK_EQ(s.mmu[i].st.base_loads, regs ? 3 : 0);
			vmm[k][i] = s.mmu[i].st.vmm_cycles;
		}
		sim_destroy(&s);
	}
	CHECK_EQ(vmm[1][0] - vmm[0][0], 3 * 70);
	CHECK_EQ(vmm[1][2] - vmm[0][2], 3 * 70);
	CHECK_EQ(vmm[1][1], vmm[0][1]);
	CHECK_EQ(vmm[1][3], vmm[0][3]);
}

/* ---- contiguity over time in the placement simulator ---- */


#define G1 (1ull << 30)

/* Every alive VM's granules are allocated and no two VMs share one; the
 * allocated granules are exactly the VMs', the reserved ones and the pins. */
static void check_owners(const struct place_sim *s, int line)
{
	u32 i;
	for (i = 0; i < s->c->servers; i++) {
		const struct place_server *v = &s->srv[i];
		u8 *own;
		u64 j, n = 0, used;
		if (!v->powered)
			continue;
		pu_check_server(s, i, __FILE__, line);
		own = calloc(v->b->nframes, 1);
		for (j = 0; j < s->t->n; j++) {
			const struct place_vm *m = &s->vm[j];
			u64 e, g;
			if (m->state != PVM_ALIVE || m->server != i)
				continue;
			for (e = 0; e < (m->contiguous ? 1 : m->next); e++) {
				u64 a = m->contiguous ? m->base : m->ext[e].frame;
				u64 len = m->contiguous ? m->frames : 1ull << m->ext[e].order;
				for (g = a; g < a + len; g++) {
					if (own[g] || buddy_is_free(v->b, g))
						test_fail(__FILE__, line, "server %u granule %llu: shared or free", i,
							  (unsigned long long)g);
					own[g] = 1;
					n++;
				}
			}
		}
		used = v->b->nframes - v->b->free_frames;
		if (used != n + v->npins + (s->c->kind[v->kind].reserved + s->c->granule - 1) / s->c->granule)
			test_fail(__FILE__, line, "server %u: %llu granules used, %llu by VMs", i,
				  (unsigned long long)used, (unsigned long long)n);
		free(own);
	}
}

static const char *const ini_8g =
	"[cluster]\nservers = %u\ngranule = 1G\ncontig_fit = %s\n%s\n"
	"[server.a]\nram = 8G\ncores = 16\nshare = 100\n";

/* One server of 8 granules of 1G (max_order 0: no merging, so the free
 * list alone decides where scattered granules go).
 *  t=0   A..F 1G each at 0..5, G 2G at [6, 8)
 *  t=10  B, D leave: free 1, 3 (pushed in that order)
 *  t=20  W 2G: no run of 2: scattered, the free list gives 3 then 1
 *  t=30  A, C, E, F, G leave: free 0, 2, 4, 5, 6, 7 (pushed in order)
 *  t=40  Z 6G: no run of 6: scattered 7, 6, 5, 4, 2, 0. Compaction: no
 *        contiguous VM, pin or reserved granule: window [0, 6); Z is new
 *        (nothing to copy); W's 3 and 1 are in the window and move: 2
 *        granules = 2 * 262144 4K pages. W's granules get the free 6 and
 *        7. */
TEST(seed_place_compaction)
{
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;
	struct place_sim s;
	char ini[512];
	static const u64 start[] = { 0, 0, 0, 0, 0, 0, 0, 20, 40 };
	static const u64 end[] = { 30, 10, 30, 10, 30, 30, 30, 1000, 1000 };
	static const u64 mem[] = { 1, 1, 1, 1, 1, 1, 2, 2, 6 };
	u64 i;

	snprintf(ini, sizeof ini, ini_8g, 1u, "first", "compaction = true");
	REQUIRE(pu_cluster(&c, "compact.ini", ini));
	for (i = 0; i < ARRAY_SIZE(start); i++)
		REQUIRE(vmtrace_add(&t, NULL, 0, start[i], end[i], 1, mem[i] * G1) == 0);
	REQUIRE(place_events_build(&ev, &t) == 0);
	REQUIRE(place_init(&s, &c, &t, PLACE_FIRST) == 0);
	for (i = 0; i < ev.n; i++) {
		REQUIRE(place_step(&s, &ev.v[i]) == 0);
		check_owners(&s, __LINE__);
		if (place_ev_time(&ev.v[i]) == 20 && place_ev_arrival(&ev.v[i])) {
			/* W: scattered 3, 1; compaction found no window of 2
			 * between the contiguous A, C, E, F, G */
			REQUIRE(!s.vm[7].contiguous);
			REQUIRE_EQ(s.vm[7].next, 2);
			CHECK_EQ(s.vm[7].ext[0].frame, 3);
			CHECK_EQ(s.vm[7].ext[1].frame, 1);
			CHECK_EQ(s.st.compact_failed, 1);
		}
	}
	/* (the departures at 1000 came last) */
	place_finish(&s);
	CHECK_EQ(s.st.compacted, 1);
	CHECK_EQ(s.st.compact_failed, 1);
	CHECK_EQ(s.st.compact_pages, 2 * 262144);
	CHECK_EQ(s.vm[8].contiguous, 1);
	CHECK_EQ(s.vm[8].base, 0);
	CHECK_EQ(s.vm[8].made, 1);
	CHECK_EQ(s.st.contiguous, 7);
	CHECK_EQ(s.st.eventually, 8);
	place_destroy(&s);

	/* W's new granules, checked just after Z's compaction */
	REQUIRE(place_init(&s, &c, &t, PLACE_FIRST) == 0);
	for (i = 0; i < ev.n && !(place_ev_time(&ev.v[i]) == 40); i++)
		REQUIRE(place_step(&s, &ev.v[i]) == 0);
	REQUIRE(place_step(&s, &ev.v[i]) == 0);
	REQUIRE_EQ(s.vm[7].next, 2);
	CHECK_EQ(s.vm[7].ext[0].frame, 6);
	CHECK_EQ(s.vm[7].ext[1].frame, 7);
	place_destroy(&s);
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* Two servers. The same A..G (server 0 full at t=0) and H 1G at t=0 on
 * server 1 (powered on, H at granule 0 by best fit). W (t=20, scattered 3,
 * 1) leaves at 50. Z 6G at 40 on server 0 (first fit), scattered. The
 * pass at t=100 (one migrate_interval after the first event): Z's server
 * has free 1, 3 (no run of 6); server 1 has [1, 8): Z moves there at
 * granule 1 (best fit), 6 * 262144 pages, 60 s after its creation; server
 * 0 is left empty and powers off. */
TEST(seed_place_migration)
{
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;
	struct place_sim s;
	char ini[512];
	static const u64 start[] = { 0, 0, 0, 0, 0, 0, 0, 0, 20, 40 };
	static const u64 end[] = { 30, 10, 30, 10, 30, 30, 30, 1000, 50, 1000 };
	static const u64 mem[] = { 1, 1, 1, 1, 1, 1, 2, 1, 2, 6 };
	u64 i;

	snprintf(ini, sizeof ini, ini_8g, 2u, "best", "migrate_interval = 100");
	REQUIRE(pu_cluster(&c, "migrate.ini", ini));
	for (i = 0; i < ARRAY_SIZE(start); i++)
		REQUIRE(vmtrace_add(&t, NULL, 0, start[i], end[i], 1, mem[i] * G1) == 0);
	REQUIRE(place_events_build(&ev, &t) == 0);
	REQUIRE(place_init(&s, &c, &t, PLACE_FIRST) == 0);
	for (i = 0; i < ev.n; i++) {
		REQUIRE(place_step(&s, &ev.v[i]) == 0);
		check_owners(&s, __LINE__);
		if (place_ev_time(&ev.v[i]) == 40) {
			CHECK_EQ(s.vm[7].server, 1);
			CHECK_EQ(s.vm[9].server, 0);
			CHECK(!s.vm[9].contiguous);
		}
	}
	place_finish(&s);
	CHECK_EQ(s.st.passes, 1);          /* none later: no scattered VM left */
	CHECK_EQ(s.st.migrated, 1);
	CHECK_EQ(s.st.migrate_local, 0);
	CHECK_EQ(s.st.migrate_pages, 6 * 262144);
	CHECK_EQ(s.vm[9].server, 1);
	CHECK_EQ(s.vm[9].base, 1);
	CHECK_EQ(s.vm[9].made, 2);
	CHECK_EQ(s.st.delay_max, 60);
	CHECK(!s.srv[0].powered);
	CHECK_EQ(s.st.eventually, s.st.contiguous + 1);
	place_destroy(&s);
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* Invariants on a churning synthetic trace with every option on. */
TEST(seed_place_over_time_invariants)
{
	static const char *const opts[] = {
		"compaction = true\nfragmentation = 0.5",
		"migrate_interval = 3600\nfragmentation = 0.5",
		"compaction = true\nmigrate_interval = 600\nallocator = xen-heap\ncontig_align = 1G\nfragmentation = 0.3",
	};
	struct vmtrace t = { 0 };
	struct place_events ev;
	size_t o;

	REQUIRE(vmtrace_gen(&t, "azure:n=600,seed=3") == 0);
	REQUIRE(place_events_build(&ev, &t) == 0);
	for (o = 0; o < ARRAY_SIZE(opts); o++) {
		struct cluster c;
		struct place_sim s;
		char ini[512];
		u64 i;
		snprintf(ini, sizeof ini,
			 "[cluster]\nservers = 6\ncpu_ratio = 8\n%s\n[server.a]\nram = 64G\ncores = 16\nshare = 100\n",
			 opts[o]);
		REQUIRE(pu_cluster(&c, "churn.ini", ini));
		REQUIRE(place_init(&s, &c, &t, PLACE_CONTIG) == 0);
		for (i = 0; i < ev.n; i++) {
			REQUIRE(place_step(&s, &ev.v[i]) == 0);
			if (i % 37 == 0)
				check_owners(&s, __LINE__);
		}
		place_finish(&s);
		CHECK(s.st.compacted + s.st.migrated + s.st.migrate_local > 0);
		CHECK_EQ(s.st.eventually, s.st.contiguous + s.st.compacted + s.st.migrated + s.st.migrate_local);
		/* a contiguous VM's run is aligned */
		for (i = 0; i < t.n; i++)
			if (s.vm[i].contiguous)
				CHECK_EQ(s.vm[i].base & ((1ull << c.align_order) - 1), 0);
		place_destroy(&s);
		cluster_free(&c);
	}
	place_events_free(&ev);
	vmtrace_free(&t);
}

/* ---- non-contiguous VMs under base-plus-offset: the shadow fallback ---- */

static void run_walkers(const char *const *names, int n, enum vm_backing back, enum vm_fallback fb,
			double frag, struct mmu_stats *out)
{
	struct cfg c;
	struct sim s;
	int i;

	cfg_default(&c);
	c.vm.backing = back;
	c.vm.fallback = fb;
	c.vm.memory = 1ull << 30;
	c.host.ram = 8ull << 30;
	c.host.fragmentation = frag;
	REQUIRE(sim_init(&s, &c, names, n, true) == 0);
	feed(&s, "multivm:n=30000,vms=3,quantum=2000,footprint=8M,rw=0.3", false);
	for (i = 0; i < n; i++) {
		out[i] = s.mmu[i].st;
		CHECK(out[i].oracle_checks > 0);
		CHECK_EQ(out[i].oracle_mismatches, 0);
	}
	sim_destroy(&s);
}

static void same_stats(const struct mmu_stats *a, const struct mmu_stats *b, int line)
{
	int k;
	if (a->walks != b->walks || a->walk_refs != b->walk_refs || a->vmm_cycles != b->vmm_cycles ||
	    a->walk_cycles != b->walk_cycles)
		test_fail(__FILE__, line, "walks %llu/%llu refs %llu/%llu vmm cycles %llu/%llu",
			  (unsigned long long)a->walks, (unsigned long long)b->walks,
			  (unsigned long long)a->walk_refs, (unsigned long long)b->walk_refs,
			  (unsigned long long)a->vmm_cycles, (unsigned long long)b->vmm_cycles);
	for (k = 0; k < VMM_CAUSE_NR; k++)
		CHECK_EQ(a->vmm[k], b->vmm[k]);
}

/* With no VM contiguous, bpo and vmm-direct with the shadow fallback are
 * the shadow walker, count for count; with every VM contiguous, the
 * fallback is never used: bpo as with the nested fallback. On a
 * fragmented host where only some VMs are contiguous, the guest table
 * writes of the contiguous ones do not exit. */
TEST(seed_bpo_shadow_fallback)
{
	static const char *const sh[] = { "shadow" }, *const bp[] = { "bpo", "vmm-direct" };
	struct mmu_stats a[2], b[2];

	run_walkers(sh, 1, BACK_SCATTERED, FALLBACK_NESTED, 0, a);
	run_walkers(bp, 2, BACK_SCATTERED, FALLBACK_SHADOW, 0, b);
	same_stats(&a[0], &b[0], __LINE__);
	same_stats(&a[0], &b[1], __LINE__);
	CHECK(a[0].vmm[VMM_PT_WRITE] > 0);

	run_walkers(bp, 2, BACK_CONTIGUOUS, FALLBACK_NESTED, 0, a);
	run_walkers(bp, 2, BACK_CONTIGUOUS, FALLBACK_SHADOW, 0, b);
	same_stats(&a[0], &b[0], __LINE__);
	same_stats(&a[1], &b[1], __LINE__);
	CHECK_EQ(b[0].vmm_cycles, 0);

	/* mixed: fragmentation 0.7 leaves room for some 1 GiB extents only */
	run_walkers(sh, 1, BACK_CONTIGUOUS, FALLBACK_NESTED, 0.7, a);
	run_walkers(bp, 1, BACK_CONTIGUOUS, FALLBACK_SHADOW, 0.7, b);
	CHECK(b[0].vmm[VMM_PT_WRITE] > 0);
	CHECK(b[0].vmm[VMM_PT_WRITE] < a[0].vmm[VMM_PT_WRITE]);
}

/* ---- guest-physical fragmentation: self-ballooning and hot-add ---- */

/* Every 2M guest-physical chunk holds a pinned frame: no 8M extent is
 * free, so the guest segment cannot be set up; with self-ballooning the
 * guest balloons out 2048 frames (8 requests of 256: 8 exits, 2048 EPT
 * updates) and the VMM hot-adds 2048 frames at the first 2M boundary
 * above guest RAM (1 exit): 9 interventions, 9 * exit + 2048 * pte
 * cycles. The segment then sits in the hot-added range and a cold walk
 * through it costs what it costs without fragmentation (guest-direct:
 * 1 base-bound, 4 EPT references). */
TEST(seed_self_balloon_hot_add)
{
	static const char *const names[] = { "guest-direct", "dual-direct" };
	struct cfg c;
	struct sim s;
	struct xlate_out o;
	struct walk_fault f;
	struct oracle_res r;
	char *out, *err, cmd[400];
	u64 va;
	int k;

	for (k = 0; k < 2; k++) {
		cfg_default(&c);
		c.vm.memory = 256ull << 20;
		c.vm.backing = k ? BACK_CONTIGUOUS : BACK_SCATTERED;
		c.pwc.enabled = false;
		c.ntlb.enabled = false;
		c.segment.guest_size = 8ull << 20;
		c.segment.guest_fragmentation = 1;
		c.segment.self_balloon = true;
		c.vmm.exit_cycles = 1000;
		c.vmm.pte_cycles = 100;
		REQUIRE(sim_init(&s, &c, names, 2, true) == 0);
		REQUIRE(s.m.os.seg.on);
		CHECK(s.m.vm.st.guest_pins > 0);
		CHECK_EQ(s.m.vm.st.ballooned, 2048);
		CHECK_EQ(s.m.vm.st.hot_added, 2048);
		CHECK_EQ(s.m.vm.st.balloon_exits, 9);
		CHECK_EQ(s.m.vm.st.balloon_cycles, 9 * 1000 + 2048 * 100);
		CHECK_EQ(s.m.vm.hot_lo, (256ull << 20) >> PAGE_SHIFT);
		CHECK_EQ(s.m.os.seg.gfn_lo, s.m.vm.hot_lo);
		CHECK_EQ(s.m.vm.contiguous, k == 1);
		va = s.m.os.seg.base + 0x5000;
		REQUIRE(mmu_translate(&s.mmu[0], va, ACC_R, &o, &f));
		oracle_translate(&s.m, s.m.os.cur->root, 4, va, ACC_R, &r);
		CHECK_EQ(o.pa.v, r.hpa.v);
		CHECK_EQ(r.gpa.v, (s.m.vm.hot_lo << PAGE_SHIFT) + 0x5000);
		CHECK_EQ(s.mmu[0].st.base_bound, 1);
		CHECK_EQ(s.mmu[0].log.refs, 4);
		feed(&s, "uniform:n=10000,footprint=8M,rw=0.3", true);
		CHECK_EQ(s.mmu[0].st.oracle_mismatches, 0);
		CHECK_EQ(s.mmu[1].st.oracle_mismatches, 0);
		sim_destroy(&s);
	}
	/* without self-ballooning the segment cannot be set up */
	snprintf(cmd, sizeof cmd, "%s run -w guest-direct -s vm.memory=256M -s segment.guest_size=8M "
		 "-s segment.guest_fragmentation=1 --gen uniform:n=10", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "[segment] guest_size: no contiguous guest-physical extent of 8388608 bytes");
	free(out);
	free(err);
}

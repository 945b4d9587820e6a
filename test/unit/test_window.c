/*
 * test_window.c - measurement windows, first-touch rows and the
 * execution-time estimate.
 *
 * Windows: for every walker, the counters after --warmup N --measure M
 * equal, word for word, those of a plain run of N+M accesses minus those
 * of a plain run of N accesses (the runs are deterministic, and a window
 * only subtracts: nothing simulated is reset). Levels (page-table pages,
 * the walker's own table pages) equal those of the N+M run.
 * First touch: on a trace that touches P pages once and then repeats
 * them, with P beyond the reach of both TLB levels, the steady-state rows
 * count exactly the repeat's P walks; the first-touch rows the rest.
 * Execution time: the linear model's figures, computed by hand.
 */
#include "sim_util.h"

#include <stdlib.h>
#include <string.h>

/* Runs spec through walkers under cfg overrides with window w; returns
 * the view (malloc'd) and the instance count. */
static struct sim_view *run_window(const char *walkers, const char *const *ovr, int novr, const char *spec,
				   const struct sim_window *w, int *nw)
{
	char list[200];
	const char *names[SIM_WALKERS_MAX];
	struct cfg c;
	struct sim s;
	struct trace *t;
	struct sim_view *v = calloc(1, sizeof *v);
	int n;

	snprintf(list, sizeof list, "%s", walkers);
	n = sim_parse_walkers(list, names, SIM_WALKERS_MAX);
	if (!v || n < 0 || cfg_load(&c, NULL, ovr, novr) || sim_init(&s, &c, names, n, false)) {
		test_fail(__FILE__, __LINE__, "set-up of %s", walkers);
		free(v);
		return NULL;
	}
	sim_set_window(&s, w);
	if (trace_open_gen(&t, spec) || sim_run(&s, t))
		test_fail(__FILE__, __LINE__, "run of %s", spec);
	trace_close(t);
	sim_view(&s, v);
	*nw = s.n;
	sim_destroy(&s);
	return v;
}

/* Offsets (in u64 words) of the levels inside a view: copied, not subtracted. */
static bool is_level(size_t k, int n)
{
	size_t g = sizeof(struct sim_glob) / 8, w = sizeof(struct mmu_counters) / 8;
	size_t pages = offsetof(struct mmu_counters, st.vmm_pages) / 8;
	size_t peak = offsetof(struct mmu_counters, st.vmm_pages_peak) / 8;
	int i;
	if (k == offsetof(struct sim_glob, pt_pages) / 8)
		return true;
	for (i = 0; i < n; i++)
		if (k == g + (size_t)i * w + pages || k == g + (size_t)i * w + peak)
			return true;
	return false;
}

static void check_window(const char *walkers, const char *const *ovr, int novr, const char *spec, u64 n_acc,
			 u64 m_acc)
{
	struct sim_window a = { 0 }, b = { 0 }, c = { 0 };
	struct sim_view *va, *vb, *vc;
	int na, nb, nc, i;
	size_t k, len, bad = 0;

	a.warmup = n_acc;
	a.measure = m_acc;
	b.measure = n_acc + m_acc;
	c.measure = n_acc;
	va = run_window(walkers, ovr, novr, spec, &a, &na);
	vb = run_window(walkers, ovr, novr, spec, &b, &nb);
	vc = run_window(walkers, ovr, novr, spec, &c, &nc);
	if (!va || !vb || !vc)
		goto out;
	CHECK_EQ(va->g.accesses, m_acc);
	CHECK_EQ(vb->g.accesses, n_acc + m_acc);
	len = (sizeof(struct sim_glob) + (size_t)na * sizeof(struct mmu_counters)) / 8;
	for (k = 0; k < len; k++) {
		u64 x = ((u64 *)va)[k], y = ((u64 *)vb)[k], z = ((u64 *)vc)[k];
		u64 want = is_level(k, na) ? y : y - z;
		if (is_level(k, na) && k != offsetof(struct sim_glob, pt_pages) / 8 &&
		    (k - sizeof(struct sim_glob) / 8) % (sizeof(struct mmu_counters) / 8) ==
			    offsetof(struct mmu_counters, st.vmm_pages_peak) / 8)
			want = x;   /* a maximum over the window: checked below */
		if (x != want && bad++ < 5)
			test_fail(__FILE__, __LINE__, "%s on %s: word %zu: window %llu, runs %llu - %llu", walkers, spec, k,
				  (unsigned long long)x, (unsigned long long)y, (unsigned long long)z);
	}
	/* something happened in the window, in every walker */
	for (i = 0; i < na; i++) {
		CHECK(va->w[i].st.walks > 0);
		CHECK(va->w[i].st.vmm_pages_peak >= va->w[i].st.vmm_pages);
		CHECK(va->w[i].st.vmm_pages_peak <= vb->w[i].st.vmm_pages_peak);
	}
out:
	free(va);
	free(vb);
	free(vc);
}

TEST(window_is_difference_of_runs)
{
	static const char *const agile[] = { "agile.interval_cycles=200000" };
	static const char *const contig[] = { "vm.backing=contiguous", "segment.guest_size=16M",
					      "segment.escape_pages=32" };
	static const char *const specs[] = {
		"mixed:n=12000,footprint=64M,period=500,rw=0.5,seed=3",
		"multivm:n=12000,footprint=32M,vms=3,quantum=3000,rw=0.4",
		"ctxswitch:n=12000,quantum=2000,churn=8,footprint=8M,rw=0.5",
	};
	size_t g;
	for (g = 0; g < ARRAY_SIZE(specs); g++) {
		check_window("native,nested,shadow,agile", agile, 1, specs[g], 3000, 5000);
		check_window("bpo,dual-direct,vmm-direct,guest-direct,tpt", contig, 3, specs[g], 3000, 5000);
	}
}

/* --warmup-instructions counts I events; --roi counts between markers. */
TEST(window_instructions_and_roi)
{
	const char *path = test_write_file("roi.txt",
		"MAP 0x7f0000000000 1M rw- 4K\n"
		"R 7f0000000000 8\nI 400000 4\nR 7f0000001000 8\n"
		"ROI BEGIN\n"
		"R 7f0000002000 8\nW 7f0000003000 8\nI 400004 4\n"
		"ROI END\n"
		"R 7f0000004000 8\nR 7f0000005000 8\n"
		"ROI BEGIN\n"
		"R 7f0000006000 8\n"
		"ROI END\n"
		"R 7f0000007000 8\n");
	struct cfg c;
	struct sim s;
	struct trace *t;
	struct sim_view *v = calloc(1, sizeof *v);
	struct sim_window w = { 0 };
	const char *name = "native";

	REQUIRE(v);
	cfg_default(&c);
	/* ROI: 4 accesses inside two regions, each a first touch */
	w.roi = true;
	REQUIRE(sim_init(&s, &c, &name, 1, false) == 0);
	sim_set_window(&s, &w);
	REQUIRE(trace_open(&t, path, FMT_AUTO) == 0);
	CHECK(sim_run(&s, t) == 0);
	trace_close(t);
	sim_view(&s, v);
	CHECK_EQ(v->g.accesses, 4);
	CHECK_EQ(v->w[0].st.acc[ACC_R] + v->w[0].st.acc[ACC_W] + v->w[0].st.acc[ACC_I], 4);
	CHECK_EQ(v->w[0].st.acc[ACC_I], 1);
	/* new pages inside: 2, 3 and 6 (the code page was touched before) */
	CHECK_EQ(v->g.os.demand_faults, 3);
	CHECK_EQ(s.roi_regions, 2);
	/* a BEGIN opens the window after it is read, an END closes it after */
	CHECK_EQ(v->g.ev_kind[EV_ROI], 2);
	sim_destroy(&s);

	/* one instruction of warm-up: counting starts after `I 400000` */
	memset(&w, 0, sizeof w);
	w.warmup_instr = 1;
	REQUIRE(sim_init(&s, &c, &name, 1, false) == 0);
	sim_set_window(&s, &w);
	REQUIRE(trace_open(&t, path, FMT_AUTO) == 0);
	CHECK(sim_run(&s, t) == 0);
	trace_close(t);
	sim_view(&s, v);
	CHECK_EQ(v->g.accesses, 8);
	CHECK_EQ(v->w[0].st.acc[ACC_I], 1);
	CHECK_EQ(v->g.ev_kind[EV_ROI], 4);       /* markers are events; without --roi they change nothing */
	sim_destroy(&s);
	free(v);
}

/* P pages touched once, then again: the repeat walks once per page (P is
 * beyond the 64 + 1536 entries of the L1 and L2 TLBs, which the
 * sequential sweep evicts before reuse), and nothing else walks in
 * steady state. */
TEST(first_touch_rows)
{
	enum { P = 4000 };
	static char text[P * 2 * 24 + 64];
	const char *path;
	size_t off = 0;
	int pass, p, i, n;
	const char *walkers[] = { "native", "nested", "shadow", "agile" };
	struct cfg c;
	struct sim s;
	struct trace *t;
	struct sim_view *v = calloc(1, sizeof *v);

	REQUIRE(v);
	off += (size_t)snprintf(text + off, sizeof text - off, "MAP 0x7f0000000000 %u rw- 4K\n", P * 4096);
	for (pass = 0; pass < 2; pass++)
		for (p = 0; p < P; p++)
			off += (size_t)snprintf(text + off, sizeof text - off, "R %llx 8\n",
						0x7f0000000000ull + (unsigned long long)p * 4096);
	path = test_write_file("touch2.txt", text);
	cfg_default(&c);
	REQUIRE(sim_init(&s, &c, walkers, 4, false) == 0);
	REQUIRE(trace_open(&t, path, FMT_AUTO) == 0);
	CHECK(sim_run(&s, t) == 0);
	trace_close(t);
	sim_view(&s, v);
	n = s.n;
	for (i = 0; i < n; i++) {
		const struct mmu_stats *st = &v->w[i].st;
		u64 vmm = 0, vmm_c = 0;
		int k;
		for (k = 0; k < VMM_CAUSE_NR; k++) {
			vmm += st->vmm[k];
			vmm_c += st->comp_vmm[k];
		}
		CHECK_EQ(st->comp_accesses, P);
		/* each first touch walks, faults, the OS maps, the retry walks */
		CHECK_EQ(st->comp_walks, 2 * P);
		CHECK_EQ(st->walks - st->comp_walks, P);
		/* the page tables are static after the first pass: outside
		 * first touches nothing traps (the VMM loads the guest's first
		 * CR3 when it attaches, with no exit) */
		CHECK_EQ(vmm - vmm_c, st->vmm[VMM_CR3]);
		CHECK_EQ(st->comp_vmm[VMM_CR3], 0);
		CHECK_EQ(st->vmm_cycles - st->comp_vmm_cycles, st->vmm[VMM_CR3] * c.vmm.exit_cycles);
		CHECK(st->comp_walk_refs <= st->walk_refs && st->comp_walk_cycles <= st->walk_cycles);
	}
	/* native steady walks: the PD-level PWC holds the 8 PD entries of the
	 * 16 MiB region, so each repeat walk reads the PT entry only */
	CHECK_EQ(v->w[0].st.walk_refs - v->w[0].st.comp_walk_refs, P);
	/* shadow: every first touch is one injected fault and the OS's PTE
	 * writes (one per page, one per page-table page it links) trap */
	CHECK_EQ(v->w[2].st.comp_vmm[VMM_INJECT], P);
	CHECK_EQ(v->w[2].st.comp_vmm[VMM_PT_WRITE], v->g.os.pt_writes);
	CHECK_EQ(v->w[2].st.vmm[VMM_CR3], 0);
	CHECK_EQ(v->w[0].st.vmm[VMM_CR3], 0);
	sim_destroy(&s);
	free(v);
}

/* The linear model on hand-set counters: ideal from instructions when the
 * trace has them, else from accesses; walk_overlap hides a fraction of
 * the walk cycles only; VMM cycles are added whole. */
TEST(exec_model_by_hand)
{
	static const char *const ovr[] = { "cpu.ideal_cpi=0.5", "cpu.cycles_per_access=2", "cpu.walk_overlap=0.25" };
	const char *names[] = { "native", "nested", "shadow", "agile", "bpo", "dual-direct", "vmm-direct",
				"guest-direct", "tpt" };
	struct cfg c;
	struct sim s;
	struct sim_view *v = calloc(1, sizeof *v);
	struct sim_exec e;
	int i;

	REQUIRE(v);
	REQUIRE(cfg_load(&c, NULL, ovr, 3) == 0);
	REQUIRE(sim_init(&s, &c, names, 9, false) == 0);
	for (i = 0; i < s.n; i++) {
		struct mmu_stats *st = &v->w[i].st;
		/* walker i: 1000 reads, 100 + i instructions (none for i = 0),
		 * 900 L2 cycles, 4000 + 400 i walk cycles, 50000 i VMM cycles */
		st->acc[ACC_R] = 1000;
		st->acc[ACC_I] = i ? 100 + (u64)i : 0;
		st->l2_cycles = 900;
		st->walk_cycles = 4000 + 400 * (u64)i;
		st->vmm_cycles = 50000 * (u64)i;
		sim_exec(&s, v, i, &e);
		{
			double ideal = i ? 0.5 * (100 + i) : 2.0 * 1000;
			double stall = 900 + 0.75 * (4000 + 400 * i);
			double cyc = ideal + stall + 50000.0 * i;
			CHECK(e.instr == (i > 0));
			CHECK_NEAR(e.ideal, ideal, 1e-9);
			CHECK_NEAR(e.stall, stall, 1e-9);
			CHECK_NEAR(e.cycles, cyc, 1e-9);
			CHECK_NEAR(e.overhead_pct, 100.0 * (cyc - ideal) / ideal, 1e-9);
		}
	}
	/* walker 0 (native, data accesses only): 2000 + 900 + 3000 = 5900, +195% */
	sim_exec(&s, v, 0, &e);
	CHECK_NEAR(e.cycles, 5900, 1e-9);
	CHECK_NEAR(e.overhead_pct, 195, 1e-9);
	sim_destroy(&s);
	free(v);
}

/*
 * sim.c - the simulation loop (model notes in sim.h).
 */
#include "sim.h"
#include "machine/oracle.h"

#include <errno.h>

#define SIM_RAM_MAX (1ull << PA_BITS_MAX)   /* the largest [host] ram / [vm] memory */
#include <stdlib.h>
#include <string.h>

int sim_parse_walkers(char *list, const char **names, int max)
{
	int n = 0;
	char *save = NULL, *tok;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!*tok || n == max)
			return -EINVAL;
		names[n++] = tok;
	}
	return n ? n : -EINVAL;
}

int sim_init(struct sim *s, const struct cfg *c, const char *const *walkers, int n, bool check)
{
	return sim_init_placed(s, c, walkers, n, check, NULL, 0);
}

int sim_init_placed(struct sim *s, const struct cfg *c, const char *const *walkers, int n, bool check,
		    const struct backing_rec *b, u64 nb)
{
	int i, r;

	memset(s, 0, sizeof *s);
	s->cfg = *c;
	s->check = check;
	if (n < 1 || n > SIM_WALKERS_MAX)
		return -EINVAL;
	/* The machine runs a VM when any walker translates through one. */
	for (i = 0; i < n; i++) {
		const struct walker_ops *ops = walker_find(walkers[i]);
		if (ops && ops->needs_vm)
			s->cfg.vm.enabled = true;
	}
	if (nb)
		s->cfg.vm.enabled = true;
	if (s->cfg.host.ram > MMU_PRIV_RAM_MAX) {
		fprintf(stderr, "mmusim: [host] ram: at most %llu bytes with a walker (its own tables live above host RAM)\n",
			(unsigned long long)MMU_PRIV_RAM_MAX);
		return -EINVAL;
	}
	r = machine_init_placed(&s->m, &s->cfg, b, nb);
	if (r) {
		if (r == -ENOMEM)          /* other errors were reported where found */
			fprintf(stderr, "mmusim: cannot set up the machine ([host] ram): %s\n", strerror(-r));
		return r;
	}
	s->mmu = calloc((size_t)n, sizeof *s->mmu);
	if (!s->mmu) {
		machine_destroy(&s->m);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		int j;
		for (j = 0; j < i; j++)
			if (!strcmp(walkers[j], walkers[i])) {
				fprintf(stderr, "mmusim: walker '%s' named twice\n", walkers[i]);
				r = -EINVAL;
				goto fail;
			}
		r = mmu_init(&s->mmu[i], &s->m, walkers[i], &s->cfg);
		if (r)
			goto fail;
		s->n = i + 1;
		s->ticks |= s->mmu[i].w.ops->tick != NULL;
	}
	s->vlen = (sizeof(struct sim_glob) + (size_t)n * sizeof(struct mmu_counters)) / sizeof(u64);
	s->base = calloc(1, sizeof *s->base);
	s->acc = calloc(1, sizeof *s->acc);
	if (!s->base || !s->acc) {
		r = -ENOMEM;
		goto fail;
	}
	s->counting = true;         /* the whole run, from the machine's set-up */
	return 0;
fail:
	sim_destroy(s);
	return r;
}

void sim_destroy(struct sim *s)
{
	int i;
	for (i = 0; i < s->n; i++)
		mmu_destroy(&s->mmu[i]);
	free(s->mmu);
	free(s->base);
	free(s->acc);
	free(s->iv);
	machine_destroy(&s->m);
	memset(s, 0, sizeof *s);
}

/* ---- windows ---------------------------------------------------------- */

static void gather(struct machine *m, void *arg)
{
	struct sim_glob *g = arg;
	const u64 *src = (const u64 *)&m->os.st;
	u64 *dst = (u64 *)&g->os;
	size_t i;

	for (i = 0; i < sizeof m->os.st / sizeof(u64); i++)
		dst[i] += src[i];
	g->pt_pages += m->os.st.pt_pages_alloc - m->os.st.pt_pages_freed;
}

/* Every counter as it stands (never reset: windows subtract). */
static void sim_raw(const struct sim *s, struct sim_view *v)
{
	struct sim_glob *g = &v->g;
	const struct machine *m = &s->m;
	int i;

	memset(g, 0, sizeof *g);
	g->events = s->events;
	memcpy(g->ev_kind, s->ev_kind, sizeof g->ev_kind);
	g->accesses = s->accesses;
	g->splits = s->splits;
	machine_foreach_vm((struct machine *)m, gather, g);
	g->ad_commits = m->ad_commits;
	g->compaction_runs = m->compaction.runs;
	g->compaction_failed = m->compaction.failed;
	g->compaction_pages = m->compaction.pages;
	g->compaction_pins_moved = m->compaction.pins_moved;
	g->compaction_cycles = m->compaction.cycles;
	for (i = 0; i < s->n; i++)
		mmu_counters_get(&s->mmu[i], &v->w[i]);
}

/* The levels and maxima of a view (copied, never subtracted). */
struct view_levels {
	u64 pt_pages;
	u64 vmm_pages[SIM_WALKERS_MAX], vmm_pages_peak[SIM_WALKERS_MAX];
};

static void levels_get(const struct sim *s, const struct sim_view *v, struct view_levels *l)
{
	int i;
	l->pt_pages = v->g.pt_pages;
	for (i = 0; i < s->n; i++) {
		l->vmm_pages[i] = v->w[i].st.vmm_pages;
		l->vmm_pages_peak[i] = v->w[i].st.vmm_pages_peak;
	}
}

static void levels_set(const struct sim *s, struct sim_view *v, const struct view_levels *l)
{
	int i;
	v->g.pt_pages = l->pt_pages;
	for (i = 0; i < s->n; i++) {
		v->w[i].st.vmm_pages = l->vmm_pages[i];
		v->w[i].st.vmm_pages_peak = l->vmm_pages_peak[i];
	}
}

void sim_view_sub(const struct sim *s, struct sim_view *out, const struct sim_view *a, const struct sim_view *b)
{
	const u64 *x = (const u64 *)a, *y = (const u64 *)b;
	u64 *o = (u64 *)out;
	struct view_levels l;
	size_t k;

	levels_get(s, a, &l);
	for (k = 0; k < s->vlen; k++)
		o[k] = x[k] - y[k];
	levels_set(s, out, &l);
}

void sim_view(const struct sim *s, struct sim_view *v)
{
	const u64 *a = (const u64 *)s->acc;
	u64 *o = (u64 *)v;
	struct view_levels l;
	size_t k;
	int i;

	if (!s->counting) {
		memcpy(v, s->acc, s->vlen * sizeof(u64));
		return;
	}
	sim_raw(s, v);
	sim_view_sub(s, v, v, s->base);
	levels_get(s, v, &l);
	for (k = 0; k < s->vlen; k++)
		o[k] += a[k];
	levels_set(s, v, &l);
	/* the peak over every region counted so far */
	for (i = 0; i < s->n; i++)
		if (s->acc->w[i].st.vmm_pages_peak > v->w[i].st.vmm_pages_peak)
			v->w[i].st.vmm_pages_peak = s->acc->w[i].st.vmm_pages_peak;
}

/* Counting starts (or resumes, inside a region of interest). The peak of
 * the walkers' own tables restarts from their size now. */
static void window_open(struct sim *s)
{
	int i;
	for (i = 0; i < s->n; i++)
		s->mmu[i].st.vmm_pages_peak = s->mmu[i].st.vmm_pages;
	sim_raw(s, s->base);
	s->counting = true;
}

static void window_close(struct sim *s)
{
	struct sim_view *v = malloc(sizeof *v);
	SIM_BUG_ON(!v);
	sim_view(s, v);
	memcpy(s->acc, v, s->vlen * sizeof(u64));
	free(v);
	s->counting = false;
}

void sim_set_window(struct sim *s, const struct sim_window *w)
{
	s->win = *w;
	s->counting = !w->warmup && !w->warmup_instr && !w->roi;
	if (s->counting && s->events)
		window_open(s);
}

static void interval_record(struct sim *s)
{
	if (s->niv == s->civ) {
		u64 nc = s->civ ? 2 * s->civ : 64;
		u64 *p = realloc(s->iv, nc * s->vlen * sizeof(u64));
		SIM_BUG_ON(!p);
		s->iv = p;
		s->civ = nc;
	}
	{
		struct sim_view *v = malloc(sizeof *v);
		SIM_BUG_ON(!v);
		sim_view(s, v);
		memcpy(s->iv + s->niv * s->vlen, v, s->vlen * sizeof(u64));
		free(v);
	}
	s->niv++;
}

void sim_interval(const struct sim *s, u64 k, struct sim_view *out)
{
	struct sim_view *a = malloc(sizeof *a), *b = calloc(1, sizeof *b);
	SIM_BUG_ON(!a || !b || k >= s->niv);
	memcpy(a, s->iv + k * s->vlen, s->vlen * sizeof(u64));
	if (k)
		memcpy(b, s->iv + (k - 1) * s->vlen, s->vlen * sizeof(u64));
	sim_view_sub(s, out, a, b);
	free(a);
	free(b);
}

void sim_exec(const struct sim *s, const struct sim_view *v, int i, struct sim_exec *e)
{
	const struct mmu_stats *st = &v->w[i].st;
	u64 acc = st->acc[0] + st->acc[1] + st->acc[2] + st->acc[3];

	e->instr = st->acc[ACC_I] > 0;
	e->ideal = e->instr ? (double)st->acc[ACC_I] * s->cfg.cpu.ideal_cpi : (double)acc * s->cfg.cpu.cycles_per_access;
	e->stall = (double)st->l2_cycles + (1.0 - s->cfg.cpu.walk_overlap) * (double)st->walk_cycles;
	e->vmm = (double)st->vmm_cycles;
	e->cycles = e->ideal + e->stall + e->vmm;
	e->overhead_pct = e->ideal > 0 ? 100.0 * (e->cycles - e->ideal) / e->ideal : 0.0;
}

/* After each event: the window's state changes. */
static void window_step(struct sim *s, const struct ev *e)
{
	if (!s->counting) {
		if ((s->win.warmup && s->accesses >= s->win.warmup) ||
		    (s->win.warmup_instr && s->ev_kind[EV_I] >= s->win.warmup_instr))
			window_open(s);
		return;
	}
	if (!ev_is_access(e))
		return;
	s->counted++;
	if (s->win.interval && s->counted % s->win.interval == 0)
		interval_record(s);
	if (s->win.measure && s->counted >= s->win.measure)
		s->done = true;
}

/* At the end: the last partial interval. */
static void window_finish(struct sim *s)
{
	if (s->win.interval && s->counted % s->win.interval)
		interval_record(s);
}

static void mismatch(struct sim *s, struct mmu *u, u64 va, enum acc a, const char *what)
{
	u->st.oracle_mismatches++;
	if (s->mismatch_reports++ < 10)
		fprintf(stderr, "mmusim: check: walker %s, event %llu, %c 0x%llx: %s\n", u->name,
			(unsigned long long)s->events, "RWIM"[a], (unsigned long long)va, what);
}

/* A contiguous VM was scheduled: the walkers that translate it by
 * base-plus-offset load its gBA and gMS (shared/seeds 000: kept in the
 * VMCS, loaded into the registers when the VM is scheduled). */
static void vm_entered(struct sim *s)
{
	int i;
	for (i = 0; i < s->n; i++) {
		struct mmu *u = &s->mmu[i];
		if (!u->w.ops->base_regs)
			continue;
		u->st.base_loads++;
		u->st.vmm_cycles += s->m.cfg.vmm.base_load_cycles;
	}
}

/* Compares one translation (or fault) with the reference translator. A
 * guest-only walker (the unvirtualized baseline) is compared with the
 * guest-physical side of the answer. Permissions must be equal, except
 * that a translation cached clean (D = 0) may lack W: shadow paging maps
 * clean pages read-only to catch the first write. */
static void check_one(struct sim *s, struct mmu *u, u64 va, enum acc a, bool ok,
		      const struct xlate_out *o, const struct walk_fault *f)
{
	struct oracle_res r;
	bool gonly = u->w.ops->guest_only && s->m.vm.on;
	bool gsize = u->w.ops->guest_size_when_contig && s->m.vm.contiguous && !s->m.vm.escaped;
	u64 want_pa;
	enum psize want_ps;
	u8 want_perms;

	u->st.oracle_checks++;
	if (++s->checks == s->cfg.sim.check_inject) {
		mismatch(s, u, va, a, "injected ([sim] check_inject)");
		return;
	}
	oracle_translate(&s->m, u->root, u->levels, va, a, &r);
	if (!ok) {
		if (r.fault != f->kind)
			mismatch(s, u, va, a, "fault differs from the reference translator");
		return;
	}
	want_pa = gonly ? r.gpa.v : r.hpa.v;
	/* a contiguous VM's guest page is one host extent: the largest size
	 * its offset (gBA) is aligned to, up to the guest size */
	want_ps = gonly ? r.gps : gsize ? psize_aligned(r.gps, r.hpa.v - r.gpa.v) : r.ps;
	want_perms = gonly ? r.gperms : r.perms;
	if (r.fault != FAULT_NONE && !(gonly && r.host_fault))
		mismatch(s, u, va, a, "translated where the reference translator faults");
	else if (want_pa != o->pa.v)
		mismatch(s, u, va, a, gonly ? "guest-physical address differs" : "host-physical address differs");
	else if (want_ps != o->ps)
		mismatch(s, u, va, a, "page size differs");
	else if (want_perms != o->perms && !(o->perms == (want_perms & ~PERM_W) && !o->dirty))
		mismatch(s, u, va, a, "permissions differ");
}

_Static_assert(SIM_WALKERS_MAX <= 32, "sim_access keeps one bit per instance in a u32");

/* The translated access reads its line through the instance's caches
 * ([cache] data) at its host-physical address: the unvirtualized baseline
 * translates to guest-physical, and its tables are read at the host
 * addresses behind them, so its data is too. */
static inline void sim_data(struct sim *s, struct mmu *u, const struct xlate_out *o, enum acc a)
{
	hpa_t pa = o->pa;
	if (__builtin_expect(u->w.ops->guest_only && s->m.vm.on, 0))
		pa = machine_gpa_hpa(&s->m, mk_gpa(o->pa.v));
	memport_data(&u->port, pa, a == ACC_I);
}

static int sim_access(struct sim *s, u64 va, enum acc a)
{
	u32 faulted = 0;            /* bit i: instance i faulted */
	struct mmu_mark pre[SIM_WALKERS_MAX];
	struct xlate_out o;
	struct walk_fault f;
	int i;

	for (i = 0; i < s->n; i++) {
		bool ok = mmu_translate(&s->mmu[i], va, a, &o, &f);
		faulted |= (u32)!ok << i;
		if (ok)
			sim_data(s, &s->mmu[i], &o, a);
		/* The oracle ignores A/D, so checking before the commit is
		 * exact and keeps every instance on the same table state. */
		if (s->check)
			check_one(s, &s->mmu[i], va, a, ok, &o, &f);
	}
	machine_commit_ad(&s->m);
	if (!faulted)
		return 0;
	/* Where each instance's first-touch accounting starts: the faulting
	 * translation's slow path, or now for an instance that did not fault
	 * (it still sees the VMM work of the OS's page-table writes). */
	for (i = 0; i < s->n; i++)
		if (faulted >> i & 1)
			pre[i] = s->mmu[i].mark;
		else
			mmu_mark_now(&s->mmu[i], &pre[i]);
	switch (os_fault(&s->m.os, va, a)) {
	case OS_OOM:
		return -ENOMEM;         /* reported once, by sim_event */
	case OS_SEGV:
		return 0;        /* delivered to the program: the access is skipped */
	case OS_MAPPED:
		break;
	}
	for (i = 0; i < s->n; i++) {
		bool ok;
		if (!(faulted >> i & 1))
			continue;
		ok = mmu_translate(&s->mmu[i], va, a, &o, &f);
		if (ok)
			sim_data(s, &s->mmu[i], &o, a);
		machine_commit_ad(&s->m);
		if (s->check)
			check_one(s, &s->mmu[i], va, a, ok, &o, &f);
		else if (!ok)
			mismatch(s, &s->mmu[i], va, a, "faults again after the OS mapped the page");
	}
	for (i = 0; i < s->n; i++)
		mmu_charge_first_touch(&s->mmu[i], &pre[i], faulted >> i & 1);
	return 0;
}

/* Compacts one VM; a VM no window fits stays scattered (counted). */
static void compact_one(struct machine *m, void *arg)
{
	(void)arg;
	if (!m->vm.contiguous)
		machine_compact_vm(m);
}

/* An access event: translated once per 4 KiB page it touches. */
static int sim_access_event(struct sim *s, const struct ev *e)
{
	enum acc a = (enum acc)e->kind;
	u64 last = e->va + (e->size ? e->size : 1) - 1;
	int i, r;

	s->accesses++;
	for (i = 0; i < s->n; i++)
		s->mmu[i].st.acc[a]++;
	r = sim_access(s, e->va, a);
	if (!r && (last >> PAGE_SHIFT) != (e->va >> PAGE_SHIFT)) {
		s->splits++;
		for (i = 0; i < s->n; i++)
			s->mmu[i].st.splits++;
		r = sim_access(s, last & ~(PAGE_SIZE - 1), a);
	}
	if (s->cfg.vm.compact_after && s->accesses == s->cfg.vm.compact_after && s->m.vm.on)
		machine_foreach_vm(&s->m, compact_one, NULL);
	for (i = 0; s->ticks && i < s->n; i++)
		if (s->mmu[i].w.ops->tick)
			s->mmu[i].w.ops->tick(&s->mmu[i].w, mmu_now(&s->mmu[i]));
	return r;
}

int sim_event(struct sim *s, const struct ev *e)
{
	struct os *o = &s->m.os;
	int r = 0;

	s->events++;
	s->ev_kind[e->kind]++;
	switch (e->kind) {
	case EV_R: case EV_W: case EV_I: case EV_M:
		r = sim_access_event(s, e);
		break;
	case EV_MAP:
		r = os_map(o, e->va, e->len, e->prot, e->psize);
		break;
	case EV_UNMAP:
		r = os_unmap(o, e->va, e->len);
		break;
	case EV_PROTECT:
		r = os_protect(o, e->va, e->len, e->prot);
		break;
	case EV_CTX:
		r = os_switch(o, e->size);
		break;
	case EV_VM: {
		u32 prev = s->m.vm.id;
		r = machine_switch_vm(&s->m, e->size);
		if (r == -ENOMEM)
			return r;       /* message below */
		if (r)
			return r;
		if (s->m.vm.id != prev && s->m.vm.contiguous)
			vm_entered(s);
		break;
	}
	case EV_ROI:
		if (s->win.roi && e->size && !s->counting) {
			s->roi_regions++;
			window_open(s);
			return 0;
		}
		if (s->win.roi && !e->size && s->counting)
			window_close(s);
		return 0;
	default:
		SIM_BUG_ON(1);
	}
	if (r == -ENOMEM) {
		/* Data pages have no contents: a larger simulated memory costs
		 * only allocator metadata, so say what to raise and by how much. */
		char vm[24], host[24], vm2[24], host2[24];
		format_size(s->cfg.vm.memory, vm, sizeof vm);
		format_size(s->cfg.host.ram, host, sizeof host);
		format_size(s->cfg.vm.memory * 4 > SIM_RAM_MAX ? SIM_RAM_MAX : s->cfg.vm.memory * 4, vm2, sizeof vm2);
		format_size(s->cfg.host.ram * 4 > SIM_RAM_MAX ? SIM_RAM_MAX : s->cfg.host.ram * 4, host2, sizeof host2);
		if (s->m.vm.on)
			fprintf(stderr, "mmusim: simulated memory exhausted at event %llu ([vm] memory = %s, "
				"[host] ram = %s): raise both above the footprint, e.g. -s vm.memory=%s -s host.ram=%s "
				"(simulated memory costs only page tables and allocator metadata)\n",
				(unsigned long long)s->events, vm, host, vm2, host2);
		else
			fprintf(stderr, "mmusim: simulated physical memory exhausted at event %llu ([host] ram = %s): "
				"raise it above the footprint, e.g. -s host.ram=%s (simulated memory costs only page "
				"tables and allocator metadata)\n", (unsigned long long)s->events, host, host2);
	}
	if (!r)
		window_step(s, e);
	return r;
}

/* Whether walks are frequent: some instance walked for at least one in
 * eight of the last SIM_PREFETCH_WINDOW events. Prefetching costs a
 * functional walk of the tables; an access that hits the TLB needs none. */
static bool sim_walking(struct sim *s)
{
	bool walking = false;
	int i;

	for (i = 0; i < s->n; i++) {
		u64 w = s->mmu[i].st.walks;
		walking |= w - s->pf_walks[i] >= SIM_PREFETCH_WINDOW / 8;
		s->pf_walks[i] = w;
	}
	return walking;
}

/* Before event i of e[0..n): prefetches for the accesses 1, 2, ...
 * SIM_PREFETCH_STAGES steps of SIM_PREFETCH_AHEAD events ahead, each
 * stage one host read further back in its walk, so that by the time an
 * access is simulated its whole walk has been brought in step by step. */
static void sim_prefetch(struct sim *s, const struct ev *e, int i, int n)
{
	int stage, k;

	for (stage = 0; stage < SIM_PREFETCH_STAGES; stage++) {
		int j = i + (stage + 1) * SIM_PREFETCH_AHEAD;
		if (j >= n || !ev_is_access(&e[j]))
			continue;
		for (k = 0; k < s->n; k++)
			mmu_prefetch(&s->mmu[k], e[j].va, stage);
	}
}

int sim_events(struct sim *s, const struct ev *e, int n)
{
	bool walking = false;
	int i, r;

	for (i = 0; i < n; i++) {
		if (i % SIM_PREFETCH_WINDOW == 0)
			walking = sim_walking(s);
		if (walking)
			sim_prefetch(s, e, i, n);
		if ((r = sim_event(s, &e[i])))
			return r;
		if (s->done || (s->stop && *s->stop))
			return 0;
	}
	return 0;
}

int sim_run(struct sim *s, struct trace *t)
{
	struct ev buf[4096];
	int n, r;

	s->trace_name = trace_name(t);
	s->trace_format = trace_fmt_name(trace_format(t));
	while ((n = trace_read(t, buf, (int)ARRAY_SIZE(buf))) > 0) {
		if ((r = sim_events(s, buf, n)))
			return r;
		if (s->progress)
			s->progress(s, s->progress_arg);
		if (s->done) {
			s->end = SIM_END_MEASURE;
			break;
		}
		if (s->stop && *s->stop) {
			s->end = SIM_END_INTERRUPTED;
			break;
		}
	}
	/* a signal that came with the end of the input (a pipe's writer
	 * interrupted too) still marks the report */
	if (s->end == SIM_END_TRACE && s->stop && *s->stop)
		s->end = SIM_END_INTERRUPTED;
	window_finish(s);
	return n < 0 ? n : 0;
}

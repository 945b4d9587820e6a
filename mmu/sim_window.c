/*
 * sim_window.c - the measurement window of the simulation loop.
 *
 * Model notes
 *   Nothing simulated notices a window: counters are never reset. A window
 *   (warm-up, --measure, regions of interest, --interval records) is the
 *   difference of two snapshots of every counter (struct sim_view), so
 *   TLBs, caches, page tables, VMM state and agile's clock run on
 *   untouched across its edges. The rest of the loop's notes are in sim.h.
 */
#include "sim_int.h"
#include "machine/pte.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
void window_open(struct sim *s)
{
	int i;
	for (i = 0; i < s->n; i++)
		s->mmu[i].st.vmm_pages_peak = s->mmu[i].st.vmm_pages;
	sim_raw(s, s->base);
	s->counting = true;
}

void window_close(struct sim *s)
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
void window_step(struct sim *s, const struct ev *e)
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
void window_finish(struct sim *s)
{
	if (s->win.interval && s->counted % s->win.interval)
		interval_record(s);
}

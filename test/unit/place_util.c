/* place_util.c - see place_util.h. */
#include "place_util.h"

#include <math.h>
#include <stdlib.h>

bool pu_cluster(struct cluster *c, const char *name, const char *ini)
{
	const char *path = test_write_file(name, ini);

	if (cluster_load(c, path, NULL, 0)) {
		test_fail(__FILE__, __LINE__, "cluster %s does not load", name);
		return false;
	}
	return true;
}

static u64 frames_of(const struct place_sim *s, u32 vm)
{
	return (s->t->v[vm].memory + s->c->granule - 1) / s->c->granule;
}

static bool fits(const struct place_sim *s, u32 j, u32 c, u64 f)
{
	const struct place_server *v = &s->srv[j];
	return v->powered && v->free_vcpus >= c && v->free_frames >= f;
}

static bool has_run(const struct place_sim *s, u32 j, u32 c, u64 f)
{
	const struct place_server *v = &s->srv[j];
	return v->powered && v->free_vcpus >= c && buddy_largest_aligned_run(v->b, s->c->align_order) >= f;
}

static bool off_fits(const struct place_sim *s, u32 j, u32 c, u64 f)
{
	const struct cluster_kind *k = &s->c->kind[s->c->server_kind[j]];
	return !s->srv[j].powered && k->cap_vcpus >= c && k->cap_frames >= f;
}

/* Free vCPUs and granules in units of the largest server kind's. */
static double score(const struct place_sim *s, u32 j)
{
	u64 v = 0, f = 0;
	for (u32 k = 0; k < s->c->nkinds; k++) {
		if (!s->c->kind[k].servers)
			continue;
		v = MAX(v, s->c->kind[k].cap_vcpus);
		f = MAX(f, s->c->kind[k].cap_frames);
	}
	return (double)s->srv[j].free_vcpus / (double)v + (double)s->srv[j].free_frames / (double)f;
}

u32 pu_naive_choose(const struct place_sim *s, u32 vm, bool *power_on)
{
	u32 c = s->t->v[vm].vcpus, n = s->c->servers, j, best = PLACE_NONE;
	u64 f = frames_of(s, vm);

	*power_on = false;
	switch (s->algo) {
	case PLACE_FIRST:
		for (j = 0; j < n && best == PLACE_NONE; j++)
			if (fits(s, j, c, f))
				best = j;
		break;
	case PLACE_MIN:
	case PLACE_MAX:
		for (j = 0; j < n; j++) {
			if (!fits(s, j, c, f))
				continue;
			if (best == PLACE_NONE || (s->algo == PLACE_MIN ? score(s, j) < score(s, best)
								       : score(s, j) > score(s, best)))
				best = j;
		}
		break;
	case PLACE_CONTIG:
	case PLACE_CONTIG_POWER:
		for (j = 0; j < n && best == PLACE_NONE; j++)
			if (has_run(s, j, c, f))
				best = j;
		if (best == PLACE_NONE && s->algo == PLACE_CONTIG_POWER) {
			for (j = 0; j < n && best == PLACE_NONE; j++)
				if (off_fits(s, j, c, f))
					best = j;
			if (best != PLACE_NONE) {
				*power_on = true;
				return best;
			}
		}
		for (j = 0; j < n && best == PLACE_NONE; j++)
			if (fits(s, j, c, f))
				best = j;
		break;
	default:
		break;
	}
	if (best == PLACE_NONE) {
		for (j = 0; j < n && best == PLACE_NONE; j++)
			if (off_fits(s, j, c, f))
				best = j;
		*power_on = best != PLACE_NONE;
	}
	return best;
}

void pu_recompute(const struct place_sim *s, const struct place_events *ev, struct pu_stats *o)
{
	u32 *load = calloc(s->c->servers, sizeof *load);
	u8 *ever = calloc(s->c->servers, 1);
	u64 i, powered = 0, alive = 0, prev = 0;

	memset(o, 0, sizeof *o);
	if (!load || !ever) {
		test_fail(__FILE__, __LINE__, "out of memory");
		free(load);
		free(ever);
		return;
	}
	for (i = 0; i < s->t->n; i++) {
		const struct place_vm *m = &s->vm[i];
		if (m->state == PVM_REJECTED)
			o->rejected++;
		else if (m->state == PVM_ALIVE || m->state == PVM_GONE)
			o->placed++;
		if (m->contiguous)
			o->contiguous++;
		else if (m->server != PLACE_NONE)
			o->scattered_extents += m->next;
	}
	for (i = 0; i < ev->n; i++) {
		const struct place_ev *e = &ev->v[i];
		u64 t = place_ev_time(e);
		u32 sv = s->vm[e->vm].server;
		if (i == 0)
			o->start = prev = t;
		o->powered_seconds += (double)powered * (double)(t - prev);
		prev = t;
		if (s->vm[e->vm].state == PVM_REJECTED || sv == PLACE_NONE)
			continue;
		if (place_ev_arrival(e)) {
			if (!load[sv]++) {
				powered++;
				o->power_ons++;
			}
			if (!ever[sv]) {
				ever[sv] = 1;
				o->ever_powered++;
			}
			alive++;
		} else {
			if (!--load[sv])
				powered--;
			alive--;
		}
		o->peak_powered = MAX(o->peak_powered, powered);
		o->peak_vms = MAX(o->peak_vms, alive);
	}
	o->end = prev;
	o->mean_powered = o->end > o->start ? o->powered_seconds / (double)(o->end - o->start) : 0;
	free(load);
	free(ever);
}

void pu_check_server(const struct place_sim *s, u32 i, const char *file, int line)
{
	const struct place_server *v = &s->srv[i];
	const struct cluster_kind *k = &s->c->kind[s->c->server_kind[i]];
	u64 vc = 0, fr = 0, n = 0, j;
	const char *why;

	if (!v->powered) {
		if (v->b || v->nvms)
			test_fail(file, line, "server %u is off but holds memory or VMs", i);
		return;
	}
	for (j = 0; j < s->t->n; j++) {
		const struct place_vm *m = &s->vm[j];
		if (m->state == PVM_ALIVE && m->server == i) {
			vc += s->t->v[j].vcpus;
			fr += m->frames;
			n++;
		}
	}
	if (v->nvms != n || v->free_vcpus + vc != k->cap_vcpus || v->free_frames + fr != k->cap_frames)
		test_fail(file, line, "server %u: %u VMs, %u free vCPUs, %llu free granules; its VMs: %llu, "
			  "%llu vCPUs, %llu granules of %u / %llu", i, v->nvms, v->free_vcpus,
			  (unsigned long long)v->free_frames, (unsigned long long)n, (unsigned long long)vc,
			  (unsigned long long)fr, k->cap_vcpus, (unsigned long long)k->cap_frames);
	if (v->b->free_frames != v->free_frames)
		test_fail(file, line, "server %u: allocator has %llu free granules, cache %llu", i,
			  (unsigned long long)v->b->free_frames, (unsigned long long)v->free_frames);
	if (buddy_largest_aligned_run(v->b, s->c->align_order) != v->run)
		test_fail(file, line, "server %u: longest run %llu, cache %llu", i,
			  (unsigned long long)buddy_largest_aligned_run(v->b, s->c->align_order),
			  (unsigned long long)v->run);
	if ((why = buddy_audit(v->b)))
		test_fail(file, line, "server %u: buddy_audit: %s", i, why);
}

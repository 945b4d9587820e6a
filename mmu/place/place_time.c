/*
 * place_time.c - contiguity over time in the placement simulator: a VM
 * that boots scattered is made contiguous later (shared/seeds 000, last
 * slide: "the VM boots with discontinuous memory; once possible, the
 * hypervisor reorganizes the VM's memory to be contiguous ... locally
 * (migrating the VM's pages during idle period), or migrate the VM to
 * another host"; 003 sec. 6.1, memory compaction).
 *
 * Model notes
 *   Compaction ([cluster] compaction = true): when a VM is placed
 *   scattered, its server looks for a window of the VM's granules, on a
 *   contig_align boundary, that holds no reserved granule, no
 *   fragmentation pin (unmovable host allocations) and no contiguous VM
 *   (whose hPA = gPA + gBA must not change); free granules and the
 *   granules of scattered VMs move. The lowest such window is taken: the
 *   other scattered VMs' granules in the window move out to free granules
 *   (there are always enough: the server holds the VM) and the VM gets the
 *   window. The VM is being created, so its memory holds nothing yet and
 *   costs nothing to move (003 sec. 6.1: compaction provides the memory,
 *   then the VMM allocates it to the VM upon creation). Cost: the other
 *   VMs' granules moved, as 4K pages. When no window exists the VM stays
 *   scattered (counted).
 *   Migration ([cluster] migrate_interval = T seconds): every T seconds
 *   from the first event, each alive scattered VM in arrival order is made
 *   contiguous if it can be: on its own server when a free run now holds
 *   it (its pages move locally, the old ones still held meanwhile), else
 *   by a live migration to the first powered server with a free run and
 *   room for its vCPUs (the server the contiguity-aware placement would
 *   pick); the old server powers off when left empty (power_off). No
 *   server is powered on for a migration. Cost: the VM's memory as 4K
 *   pages, and one migration. The delay from the VM's creation to its
 *   contiguity is summed (mean and maximum reported).
 *   Not modelled: the time a copy takes (contiguity is immediate), dirty
 *   page re-copies of live migration, compaction of servers at other
 *   times, migrating contiguous VMs to make room, moving pins.
 *   Sources: 000 (runtime contiguity, local or by migration), 003 sec.
 *   6.1 (compaction before creation); the costs in pages moved are ours.
 */
#include "place_int.h"

#include <errno.h>
#include <stdlib.h>

/* One run of n granules for a VM on buddy b, as [cluster] allocator and
 * contig_align say (buddy.h: the definition of contiguous). */
u64 place_alloc_run(const struct place_sim *s, struct buddy *b, u64 n)
{
	if (s->c->xen_heap)                   /* the builder's 1G extents */
		return buddy_alloc_xen(b, n, s->c->max_order, s->c->align_order);
	return buddy_alloc_contig(b, n, s->c->align_order, s->c->contig_fit);
}

/* The alive VMs of a server, and the alive scattered VMs (arrival order). */
void place_srv_link(struct place_sim *s, u32 i)
{
	struct place_vm *m = &s->vm[i];
	struct place_server *v = &s->srv[m->server];
	m->sprev = PLACE_NONE;
	m->snext = v->head;
	if (v->head != PLACE_NONE)
		s->vm[v->head].sprev = i;
	v->head = i;
}

void place_srv_unlink(struct place_sim *s, u32 i)
{
	struct place_vm *m = &s->vm[i];
	if (m->sprev != PLACE_NONE)
		s->vm[m->sprev].snext = m->snext;
	else
		s->srv[m->server].head = m->snext;
	if (m->snext != PLACE_NONE)
		s->vm[m->snext].sprev = m->sprev;
}

void place_x_link(struct place_sim *s, u32 i)
{
	struct place_vm *m = &s->vm[i];
	m->xnext = PLACE_NONE;
	m->xprev = s->xtail;
	if (s->xtail != PLACE_NONE)
		s->vm[s->xtail].xnext = i;
	else
		s->xhead = i;
	s->xtail = i;
}

void place_x_unlink(struct place_sim *s, u32 i)
{
	struct place_vm *m = &s->vm[i];
	if (m->xprev != PLACE_NONE)
		s->vm[m->xprev].xnext = m->xnext;
	else
		s->xhead = m->xnext;
	if (m->xnext != PLACE_NONE)
		s->vm[m->xnext].xprev = m->xprev;
	else
		s->xtail = m->xprev;
}

#define PH_ORDER 0xffu   /* a placeholder extent: `frame` granules to re-allocate */

struct iv {
	u64 a, n;
};

static int iv_cmp(const void *x, const void *y)
{
	u64 a = ((const struct iv *)x)->a, b = ((const struct iv *)y)->a;
	return a < b ? -1 : a > b;
}

/* Appends the blocks of granules [p, e) (largest aligned blocks first). */
static int push_range(struct buddy_extent **v, u64 *n, u64 *cap, u64 p, u64 e, u32 maxo)
{
	while (p < e) {
		u32 k = 0;
		while (k < maxo && !(p & ((2ull << k) - 1)) && p + (2ull << k) <= e)
			k++;
		if (*n == *cap) {
			u64 nc = *cap ? 2 * *cap : 8;
			struct buddy_extent *nv = realloc(*v, nc * sizeof *nv);
			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = nc;
		}
		(*v)[(*n)++] = (struct buddy_extent){ p, k };
		p += 1ull << k;
	}
	return 0;
}

static int push_ext(struct buddy_extent **v, u64 *n, u64 *cap, struct buddy_extent x)
{
	if (*n == *cap) {
		u64 nc = *cap ? 2 * *cap : 8;
		struct buddy_extent *nv = realloc(*v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Phase 1 of moving scattered VM y out of window [w, w + n): its blocks
 * inside the window are freed and replaced, in guest-physical order, by
 * placeholders; the parts outside stay. *moved counts the granules. */
static int displace(struct place_sim *s, struct buddy *b, struct place_vm *y, u64 w, u64 n, u64 *moved)
{
	struct buddy_extent *v = NULL;
	u64 nv = 0, cap = 0, j;
	bool any = false;

	for (j = 0; j < y->next && !any; j++)
		any = y->ext[j].frame < w + n && y->ext[j].frame + (1ull << y->ext[j].order) > w;
	if (!any)
		return 0;
	for (j = 0; j < y->next; j++) {
		u64 a = y->ext[j].frame, e = a + (1ull << y->ext[j].order), lo, hi;
		if (e <= w || a >= w + n) {
			if (push_ext(&v, &nv, &cap, y->ext[j]))
				goto oom;
			continue;
		}
		lo = MAX(a, w);
		hi = MIN(e, w + n);
		if (push_range(&v, &nv, &cap, a, lo, s->c->max_order) ||
		    push_ext(&v, &nv, &cap, (struct buddy_extent){ hi - lo, PH_ORDER }) ||
		    push_range(&v, &nv, &cap, hi, e, s->c->max_order))
			goto oom;
		buddy_free_contig(b, lo, hi - lo);
		*moved += hi - lo;
	}
	free(y->ext);
	y->ext = v;
	y->next = nv;
	return 0;
oom:
	free(v);
	fprintf(stderr, "mmusim: out of memory compacting a server\n");
	return -ENOMEM;
}

/* Phase 2: the placeholders get frames outside the (now allocated) window. */
static int replace_placeholders(struct place_sim *s, struct buddy *b, struct place_vm *y)
{
	struct buddy_extent *v = NULL, *add;
	u64 nv = 0, cap = 0, j, k, nadd;
	bool any = false;

	for (j = 0; j < y->next && !any; j++)
		any = y->ext[j].order == PH_ORDER;
	if (!any)
		return 0;
	for (j = 0; j < y->next; j++) {
		if (y->ext[j].order != PH_ORDER) {
			if (push_ext(&v, &nv, &cap, y->ext[j]))
				goto oom;
			continue;
		}
		/* enough is free: the window took what was free in it plus
		 * what was moved out, and the VM freed as much outside (so a
		 * failure is the host running out of memory) */
		if (buddy_alloc_scattered(b, y->ext[j].frame, s->c->max_order, &add, &nadd))
			goto oom;
		for (k = 0; k < nadd; k++)
			if (push_ext(&v, &nv, &cap, add[k])) {
				free(add);
				goto oom;
			}
		free(add);
	}
	free(y->ext);
	y->ext = v;
	y->next = nv;
	return 0;
oom:
	free(v);
	fprintf(stderr, "mmusim: out of memory compacting a server\n");
	return -ENOMEM;
}

static void became_contig(struct place_sim *s, u32 i, u64 base, u8 how)
{
	struct place_vm *m = &s->vm[i];
	u64 d = s->now - s->t->v[i].created;

	m->contiguous = 1;
	m->made = how;
	m->base = base;
	free(m->ext);
	m->ext = NULL;
	m->next = 0;
	s->alive_contig++;
	s->st.delay_sum += (double)d;
	s->st.delay_max = MAX(s->st.delay_max, d);
}

/* The lowest window of n granules at a multiple of al in [0, frames)
 * that meets none of: the reserved granules [0, rf), the server's pins
 * (ascending), the intervals iv (ascending). n = 0: the longest such
 * window's length instead. */
static u64 lowest_window(const struct place_sim *s, const struct place_server *v, u64 rf, u64 frames,
			 const struct iv *iv, u64 ni, u64 n, u64 al)
{
	u64 cur = rf, p = 0, q = 0, best = 0;
	(void)s;
	for (;;) {
		bool pin = p < v->npins && (q >= ni || v->pins[p] < iv[q].a);
		u64 a = pin ? v->pins[p] : q < ni ? iv[q].a : frames;
		u64 e = pin ? a + 1 : q < ni ? iv[q].a + iv[q].n : frames;
		u64 st = (cur + al - 1) & ~(al - 1);
		if (a >= st) {
			if (n && a - st >= n)
				return st;
			best = MAX(best, a - st);
		}
		if (p >= v->npins && q >= ni)
			return n ? BUDDY_NONE : best;
		cur = MAX(cur, e);
		pin ? p++ : q++;
	}
}

u64 place_pin_gap(const struct place_sim *s, u32 i)
{
	const struct cluster_kind *k = place_kind_of(s, i);
	u64 rf = (k->reserved + s->c->granule - 1) / s->c->granule;
	return lowest_window(s, &s->srv[i], rf, k->frames, NULL, 0, 0, 1ull << s->c->align_order);
}

/*
 * [cluster] compaction: scattered VM i was just placed on its server. The
 * window is the lowest run of n granules on a contig_align boundary that
 * holds no reserved granule, no pin and no contiguous VM (those do not
 * move; free granules and scattered VMs' granules do). Other scattered
 * VMs' granules in the window move out to free granules elsewhere (always
 * enough: the server holds the VM); the new VM's own granules hold
 * nothing yet and are not counted as moved. 0, or -ENOMEM.
 */
int place_compact(struct place_sim *s, u32 i)
{
	struct place_vm *m = &s->vm[i];
	struct place_server *v = &s->srv[m->server];
	const struct cluster_kind *k = place_kind_of(s, m->server);
	u64 rf = (k->reserved + s->c->granule - 1) / s->c->granule, n = m->frames;
	u64 al = 1ull << s->c->align_order, ni = 0, w, moved = 0;
	struct iv *iv;
	u32 y;

	if (n > v->pin_gap) {                   /* no window between the pins */
		s->st.compact_failed++;
		return 0;
	}
	iv = malloc((1 + v->nvms) * sizeof *iv);
	if (!iv) {
		fprintf(stderr, "mmusim: out of memory compacting a server\n");
		return -ENOMEM;
	}
	for (y = v->head; y != PLACE_NONE; y = s->vm[y].snext)
		if (s->vm[y].contiguous)
			iv[ni++] = (struct iv){ s->vm[y].base, s->vm[y].frames };
	qsort(iv, ni, sizeof *iv, iv_cmp);
	w = lowest_window(s, v, rf, k->frames, iv, ni, n, al);
	free(iv);
	if (w == BUDDY_NONE) {
		s->st.compact_failed++;
		return 0;
	}
	buddy_free_extents(v->b, m->ext, m->next);
	for (y = v->head; y != PLACE_NONE; y = s->vm[y].snext)
		if (y != i && !s->vm[y].contiguous && displace(s, v->b, &s->vm[y], w, n, &moved))
			return -ENOMEM;
	SIM_BUG_ON(!buddy_alloc_contig_at(v->b, w, n));
	for (y = v->head; y != PLACE_NONE; y = s->vm[y].snext)
		if (y != i && !s->vm[y].contiguous && replace_placeholders(s, v->b, &s->vm[y]))
			return -ENOMEM;
	became_contig(s, i, w, 1);
	s->st.compacted++;
	s->st.compact_pages += moved * (s->c->granule >> PAGE_SHIFT);
	return 0;
}

/*
 * [cluster] migrate_interval: every alive scattered VM, in arrival order,
 * is made contiguous if some powered server can now give it a run: its
 * own server first (its pages move locally, while the old ones are still
 * held), else the first other powered server with a free run and room for
 * its vCPUs (a live migration; the old server may then power off). No
 * server is powered on for it. 0, or -ENOMEM.
 */
int place_migrate_pass(struct place_sim *s)
{
	u32 i, nx;

	s->st.passes++;
	for (i = s->xhead; i != PLACE_NONE; i = nx) {
		struct place_vm *m = &s->vm[i];
		const struct vm_rec *r = &s->t->v[i];
		struct place_server *o = &s->srv[m->server], *d;
		u32 di = m->server;
		u64 base = BUDDY_NONE, pages = m->frames * (s->c->granule >> PAGE_SHIFT);

		nx = m->xnext;
		if (o->run >= m->frames)
			base = place_alloc_run(s, o->b, m->frames);
		if (base == BUDDY_NONE) {
			di = place_first_run(s, r->vcpus, m->frames);
			if (di == PLACE_NONE || di == m->server)
				continue;
			if ((base = place_alloc_run(s, s->srv[di].b, m->frames)) == BUDDY_NONE)
				continue;
		}
		buddy_free_extents(o->b, m->ext, m->next);
		place_x_unlink(s, i);
		if (di == m->server) {
			s->st.migrate_local++;
			o->run = buddy_largest_aligned_run(o->b, s->c->align_order);
			place_tree_update(s, di);
			became_contig(s, i, base, 3);
		} else {
			u32 from = m->server;
			d = &s->srv[di];
			place_srv_unlink(s, i);
			o->free_vcpus += r->vcpus;
			o->free_frames += m->frames;
			o->nvms--;
			m->server = di;
			place_srv_link(s, i);
			d->free_vcpus -= r->vcpus;
			d->free_frames -= m->frames;
			d->nvms++;
			d->run = buddy_largest_aligned_run(d->b, s->c->align_order);
			place_tree_update(s, di);
			if (!o->nvms && s->c->power_off)
				place_power_off(s, from);
			else
				o->run = buddy_largest_aligned_run(o->b, s->c->align_order);
			place_tree_update(s, from);
			s->st.migrated++;
			became_contig(s, i, base, 2);
		}
		s->st.migrate_pages += pages;
	}
	return 0;
}

int place_passes_until(struct place_sim *s, u64 t)
{
	u64 iv = s->c->migrate_interval;
	int rc;

	if (!s->started)
		s->next_pass = t + iv;
	while (s->next_pass <= t) {
		if (s->xhead == PLACE_NONE) {      /* nothing to do until t */
			s->next_pass += ((t - s->next_pass) / iv + 1) * iv;
			break;
		}
		place_advance(s, s->next_pass);
		if ((rc = place_migrate_pass(s)))
			return rc;
		s->next_pass += iv;
	}
	return 0;
}

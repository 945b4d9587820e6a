/*
 * place.c - datacenter placement simulator: how many VMs can get
 * contiguous host memory.
 *
 * Model notes
 *   Models: the placement of VMs on the servers of a cluster (cluster.h)
 *   as a VM lifetime trace (workloads/vmtrace.h) creates and deletes them,
 *   the question of the contiguous-memory-VM paper's simulator (the seed
 *   paper, sec. 7-8): what fraction of VMs can be given one contiguous run
 *   of host memory, and at what consolidation. Each VM needs its vCPUs
 *   (one per vCPU of the server, no overcommit unless [cluster] cpu_ratio)
 *   and its memory rounded up to granules. A server fits a VM when its
 *   free vCPUs and free granules suffice. Each powered server's memory is
 *   a buddy allocator (mmu/machine/buddy.h), the same allocator that backs VMs in
 *   the MMU model: a VM placed on a server first asks for one run of
 *   granules (buddy_alloc_contig, [cluster] contig_fit first or best); when
 *   no free run is long enough it is backed scattered (buddy_alloc_
 *   scattered with 1G blocks first, as Xen's domain builder falls back from
 *   1G to 2M to 4K extents). A VM never changes size and a contiguous VM
 *   never moves: contiguous at creation is contiguous for life (the seed
 *   paper counts VMs "allocated contiguous memory during their lifetime").
 *   Servers: all start powered off. A server is powered on when a VM is
 *   placed on it while off, and (with [cluster] power_off, the default)
 *   powered off when its last VM leaves; its allocator is then freed and a
 *   fresh one (same reserved memory, same pins) is built at the next power
 *   on. New servers are taken in server order (the first powered-off server
 *   that fits).
 *   Algorithms (ties always go to the lowest server index; "fits" as above):
 *   - first: the first powered server that fits; else power a server on.
 *   - min (best fit): the powered server that fits with the least free
 *     resources; else power a server on.
 *   - max (worst fit): the powered server that fits with the most free
 *     resources; else power a server on.
 *     "Free resources" is one number per server, its score: free vCPUs /
 *     V + free granules / F, where V and F are the largest vCPU count and
 *     the largest number of granules available on a server kind of the
 *     fleet: the same units for every server, so that a score is an
 *     amount of free resources (cores and memory weighed alike), not a
 *     fraction of the server. Dividing by each server's own capacity
 *     instead makes min prefer the proportionally fullest server, which on
 *     a mixed fleet strands capacity: on the Azure-like fleet that min
 *     needed more servers than first fit (docs/placement.md).
 *   - contig (contiguity-aware): the first powered server that fits and
 *     has a free run as long as the VM's memory; else the first powered
 *     server that fits (first fit, the VM is scattered); power a server on
 *     only when no powered server fits.
 *   - contig-power: the seed paper's prose read literally ("If no running
 *     server can satisfy the request, a new server is turned on and used.
 *     In case all servers are running and none can provide contiguous
 *     memory, the first server satisfying the resource request is
 *     chosen"): like contig, but a server is powered on before falling
 *     back to a scattered placement on a powered server.
 *   A VM that no server fits, powered or not, is rejected (and never
 *   departs).
 *   Where the seed paper's pseudocode differs from its prose (docs/
 *   placement.md has the details): Algorithm 2 (Max) keeps the *last*
 *   server whose available resources suffice, not the one with the most;
 *   Algorithm 3 (Min) initializes its minimum from the first candidate and
 *   never updates it, so it returns the last candidate not larger than the
 *   first one, and reads possibleServers.get(0) before checking that there
 *   is a candidate; Algorithm 1 returns serverList's last element when no
 *   server has contiguous memory (its "tempServer == NULL" test cannot be
 *   true after the loop) and uses an undefined possibleServers; none of
 *   them says whether "servers" means running ones, and all compare a VM's
 *   several resources with one >=. The implementation follows the prose
 *   and the brief, not the pseudocode.
 *   Time: events are processed in time order; at equal times departures
 *   first, then arrivals in trace order, then departures of VMs that were
 *   created at that same time (a zero-length VM exists for an instant).
 *   Statistics: VMs placed, rejected, contiguous (and its percentage of
 *   the placed VMs), peak and time-averaged powered servers over [first
 *   event, last event], servers ever powered, consolidation rate = peak
 *   powered / servers in the cluster (the seed paper's "servers used over
 *   the servers in the data center"; with servers never powered off, peak
 *   powered is also the number of servers used).
 *   Contiguity: one run of granules starting at a multiple of [cluster]
 *   contig_align (default one granule; buddy.h has the one definition),
 *   found by a search of the free runs (allocator = search) or by the
 *   paper's Xen heap (allocator = xen-heap, Algorithm 4: buddy.c). With
 *   [cluster] compaction or migrate_interval a scattered VM can become
 *   contiguous later (place_time.c); without them it never does.
 *   Not modelled: memory overcommit, ballooning, VM resizes, NUMA,
 *   placement latency and failures, anti-affinity.
 *   Search: a tree over the servers in order (struct place_node) holds,
 *   for each subtree, the largest free vCPUs, free granules and free run of
 *   its powered servers, the range of their scores and the largest
 *   capacity of its powered-off servers; every algorithm is a pruned
 *   descent (first fit: leftmost; min/max: branch and bound), so a
 *   placement costs about log2(servers) steps rather than a scan. The
 *   result equals a scan of the servers in order (tested).
 *   Sources: the seed paper (contiguous-memory VMs; its Algorithms 1-3,
 *   Tables 3-4, sec. 7-8); Xen's populate_physmap and the domain builder
 *   for scattered backing (see buddy.c).
 */
#include "place_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Score bounds are kept per class of free vCPUs: class j holds the
 * powered servers with at least 2^j free vCPUs, so that a VM of c vCPUs
 * bounds its search by the servers that could hold its vCPUs (class
 * floor(log2 c)) instead of by every powered server. */
#define SCORE_CLASSES 8

struct place_node {
	u64 pf;          /* largest free granules of a powered server below */
	u64 pr;          /* largest free run of a powered server below */
	u64 uf;          /* largest granule capacity of a powered-off server below */
	double smin[SCORE_CLASSES], smax[SCORE_CLASSES]; /* score range per class (+inf / -inf: none) */
	u32 pc;          /* largest free vCPUs of a powered server below */
	u32 uc;          /* largest vCPU capacity of a powered-off server below */
};

static const char *const algo_names[PLACE_NR] = {
	[PLACE_FIRST] = "first", [PLACE_MIN] = "min", [PLACE_MAX] = "max",
	[PLACE_CONTIG] = "contig", [PLACE_CONTIG_POWER] = "contig-power",
};

const char *place_algo_name(enum place_algo a)
{
	return (unsigned)a < PLACE_NR ? algo_names[a] : "?";
}

int place_algos_parse(const char *s, enum place_algo *out, int max)
{
	int n = 0;

	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		int a;
		for (a = 0; a < PLACE_NR; a++)
			if (strlen(algo_names[a]) == len && !strncmp(algo_names[a], s, len))
				break;
		if (a == PLACE_NR || n == max)
			return -EINVAL;
		for (int i = 0; i < n; i++)
			if (out[i] == (enum place_algo)a)
				return -EINVAL;
		out[n++] = (enum place_algo)a;
		if (!e)
			break;
		s = e + 1;
		if (!*s)
			return -EINVAL;
	}
	return n ? n : -EINVAL;
}

/* ---- events ---- */

int place_events_build(struct place_events *ev, const struct vmtrace *t)
{
	struct place_ev *a, *b, *tmp;
	u64 i, n = 2 * t->n, cnt[1 << 11];
	unsigned shift;

	ev->v = NULL;
	ev->n = 0;
	a = malloc((n ? n : 1) * sizeof *a);
	b = malloc((n ? n : 1) * sizeof *b);
	if (!a || !b) {
		free(a);
		free(b);
		fprintf(stderr, "mmusim: out of memory for %llu events\n", (unsigned long long)n);
		return -ENOMEM;
	}
	for (i = 0; i < t->n; i++) {
		const struct vm_rec *r = &t->v[i];
		a[2 * i] = (struct place_ev){ r->created << 2 | 1, (u32)i, 0 };
		a[2 * i + 1] = (struct place_ev){ r->deleted << 2 | (r->deleted == r->created ? 2u : 0u),
						  (u32)i, 0 };
	}
	/* Stable LSD radix sort on the key (times < 2^53: 55-bit keys); the
	 * input is in VM order, so equal keys stay in VM order. */
	for (shift = 0; shift < 55; shift += 11) {
		u64 sum = 0;
		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++)
			cnt[(a[i].key >> shift) & 2047]++;
		for (i = 0; i < 2048; i++) {
			u64 c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[cnt[(a[i].key >> shift) & 2047]++] = a[i];
		tmp = a;
		a = b;
		b = tmp;
	}
	free(b);
	ev->v = a;
	ev->n = n;
	return 0;
}

void place_events_free(struct place_events *ev)
{
	free(ev->v);
	ev->v = NULL;
	ev->n = 0;
}

/* ---- the search tree ---- */

const struct cluster_kind *place_kind_of(const struct place_sim *s, u32 i)
{
	return &s->c->kind[s->srv[i].kind];
}

double place_score(const struct place_sim *s, u32 i)
{
	const struct place_server *v = &s->srv[i];

	return (double)v->free_vcpus / (double)s->ref_vcpus + (double)v->free_frames / (double)s->ref_frames;
}

static void no_scores(struct place_node *n)
{
	for (int j = 0; j < SCORE_CLASSES; j++) {
		n->smin[j] = INFINITY;
		n->smax[j] = -INFINITY;
	}
}

static void leaf_set(struct place_sim *s, u32 i)
{
	struct place_node *n = &s->tree[s->leaves + i];
	const struct place_server *v = &s->srv[i];

	if (v->powered) {
		double sc = place_score(s, i);
		*n = (struct place_node){ .pf = v->free_frames, .pr = v->run, .pc = v->free_vcpus };
		for (int j = 0; j < SCORE_CLASSES; j++) {
			bool in = v->free_vcpus >= 1u << j;
			n->smin[j] = in ? sc : INFINITY;
			n->smax[j] = in ? sc : -INFINITY;
		}
	} else {
		const struct cluster_kind *k = place_kind_of(s, i);
		*n = (struct place_node){ .uf = k->cap_frames, .uc = k->cap_vcpus };
		no_scores(n);
	}
}

static void node_join(struct place_node *p, const struct place_node *l, const struct place_node *r)
{
	p->pf = MAX(l->pf, r->pf);
	p->pr = MAX(l->pr, r->pr);
	p->uf = MAX(l->uf, r->uf);
	p->pc = MAX(l->pc, r->pc);
	p->uc = MAX(l->uc, r->uc);
	for (int j = 0; j < SCORE_CLASSES; j++) {
		p->smin[j] = MIN(l->smin[j], r->smin[j]);
		p->smax[j] = MAX(l->smax[j], r->smax[j]);
	}
}

void place_tree_update(struct place_sim *s, u32 i)
{
	u64 x = s->leaves + i;

	leaf_set(s, i);
	for (x >>= 1; x; x >>= 1)
		node_join(&s->tree[x], &s->tree[2 * x], &s->tree[2 * x + 1]);
}

enum want { W_FIT, W_RUN, W_OFF };

/* The leftmost server below node x (covering servers from lo) that passes
 * `w` for (c, f), or PLACE_NONE. */
static u32 leftmost(const struct place_sim *s, u64 x, enum want w, u32 c, u64 f)
{
	const struct place_node *n = &s->tree[x];
	u32 r;

	switch (w) {
	case W_FIT:
		if (n->pc < c || n->pf < f)
			return PLACE_NONE;
		break;
	case W_RUN:
		if (n->pc < c || n->pr < f)
			return PLACE_NONE;
		break;
	case W_OFF:
		if (n->uc < c || n->uf < f)
			return PLACE_NONE;
		break;
	}
	if (x >= s->leaves)
		return (u32)(x - s->leaves);
	r = leftmost(s, 2 * x, w, c, f);
	return r != PLACE_NONE ? r : leftmost(s, 2 * x + 1, w, c, f);
}

struct bb {
	u32 c;
	u64 f;
	int cls;          /* score class: the largest j with 2^j <= c */
	bool max;         /* maximize the score (worst fit), else minimize */
	double best;
	u32 idx;
};

/* Branch and bound for min / max: subtrees that cannot hold a fitting
 * server with a better (score, index) are skipped. lo = first server. */
static void best_fit(const struct place_sim *s, u64 x, u64 lo, u64 width, struct bb *q)
{
	const struct place_node *n = &s->tree[x];
	double bound = q->max ? n->smax[q->cls] : n->smin[q->cls];
	u64 l, r;

	if (n->pc < q->c || n->pf < q->f)
		return;
	if (q->idx != PLACE_NONE) {
		bool worse = q->max ? bound < q->best : bound > q->best;
		if (worse || (bound == q->best && lo > q->idx))
			return;
	}
	if (x >= s->leaves) {
		if (q->idx == PLACE_NONE || (q->max ? bound > q->best : bound < q->best) ||
		    (bound == q->best && lo < q->idx)) {
			q->best = bound;
			q->idx = (u32)lo;
		}
		return;
	}
	l = 2 * x;
	r = 2 * x + 1;
	/* The more promising child first, the left one on a tie. */
	if (q->max ? s->tree[r].smax[q->cls] > s->tree[l].smax[q->cls]
		   : s->tree[r].smin[q->cls] < s->tree[l].smin[q->cls]) {
		best_fit(s, r, lo + width / 2, width / 2, q);
		best_fit(s, l, lo, width / 2, q);
	} else {
		best_fit(s, l, lo, width / 2, q);
		best_fit(s, r, lo + width / 2, width / 2, q);
	}
}

static u32 best_of(const struct place_sim *s, u32 c, u64 f, bool max)
{
	struct bb q = { .c = c, .f = f, .max = max, .best = 0, .idx = PLACE_NONE };

	while (q.cls + 1 < SCORE_CLASSES && c >= 2u << q.cls)
		q.cls++;

	best_fit(s, 1, 0, s->leaves, &q);
	return q.idx;
}

u32 place_first_run(const struct place_sim *s, u32 c, u64 f)
{
	return leftmost(s, 1, W_RUN, c, f);
}

u32 place_choose(const struct place_sim *s, u32 i, bool *power_on)
{
	const struct vm_rec *r = &s->t->v[i];
	u64 f = (r->memory + s->c->granule - 1) / s->c->granule;
	u32 c = r->vcpus, idx = PLACE_NONE;

	*power_on = false;
	switch (s->algo) {
	case PLACE_FIRST:
		idx = leftmost(s, 1, W_FIT, c, f);
		break;
	case PLACE_MIN:
		idx = best_of(s, c, f, false);
		break;
	case PLACE_MAX:
		idx = best_of(s, c, f, true);
		break;
	case PLACE_CONTIG:
		idx = leftmost(s, 1, W_RUN, c, f);
		if (idx == PLACE_NONE)
			idx = leftmost(s, 1, W_FIT, c, f);
		break;
	case PLACE_CONTIG_POWER:
		idx = leftmost(s, 1, W_RUN, c, f);
		if (idx == PLACE_NONE && (idx = leftmost(s, 1, W_OFF, c, f)) != PLACE_NONE) {
			*power_on = true;
			return idx;
		}
		if (idx == PLACE_NONE)
			idx = leftmost(s, 1, W_FIT, c, f);
		break;
	case PLACE_NR:
		SIM_BUG_ON(1);
	}
	if (idx == PLACE_NONE && (idx = leftmost(s, 1, W_OFF, c, f)) != PLACE_NONE)
		*power_on = true;
	return idx;
}

/* ---- servers ---- */

static int power_on(struct place_sim *s, u32 i)
{
	struct place_server *v = &s->srv[i];
	const struct cluster_kind *k = place_kind_of(s, i);
	u64 rf = (k->reserved + s->c->granule - 1) / s->c->granule;

	SIM_BUG_ON(v->powered || v->b);
	v->b = malloc(sizeof *v->b);
	if (!v->b || buddy_init(v->b, k->frames, s->c->max_order)) {
		free(v->b);
		v->b = NULL;
		fprintf(stderr, "mmusim: out of memory powering on server %u (%s, %llu granules)\n", i,
			k->name, (unsigned long long)k->frames);
		return -ENOMEM;
	}
	if (rf)
		SIM_BUG_ON(!buddy_alloc_contig_at(v->b, 0, rf));
	if (s->c->compaction) {             /* compaction must not move the pins */
		v->pins = malloc(((k->frames >> s->c->max_order) + 1) * sizeof *v->pins);
		if (!v->pins) {
			fprintf(stderr, "mmusim: out of memory powering on server %u\n", i);
			return -ENOMEM;
		}
	}
	v->npins = (u32)buddy_fragment(v->b, s->c->fragmentation, rng_seed(s->c->seed) ^ rng_seed(i), v->pins);
	if (v->pins)
		v->pin_gap = place_pin_gap(s, i);
	SIM_BUG_ON(v->b->free_frames != k->cap_frames);
	v->powered = true;
	v->free_frames = v->b->free_frames;
	v->free_vcpus = k->cap_vcpus;
	v->run = buddy_largest_aligned_run(v->b, s->c->align_order);
	v->nvms = 0;
	if (!v->ever) {
		v->ever = true;
		s->st.ever_powered++;
	}
	s->powered++;
	s->st.power_ons++;
	s->st.peak_powered = MAX(s->st.peak_powered, s->powered);
	return 0;
}

void place_power_off(struct place_sim *s, u32 i)
{
	struct place_server *v = &s->srv[i];

	SIM_BUG_ON(!v->powered || v->nvms);
	buddy_destroy(v->b);
	free(v->b);
	v->b = NULL;
	free(v->pins);
	v->pins = NULL;
	v->npins = 0;
	v->powered = false;
	v->free_frames = 0;
	v->free_vcpus = 0;
	v->run = 0;
	s->powered--;
}

int place_init(struct place_sim *s, const struct cluster *c, const struct vmtrace *t, enum place_algo a)
{
	u32 i;

	memset(s, 0, sizeof *s);
	s->c = c;
	s->t = t;
	s->algo = a;
	for (s->leaves = 1; s->leaves < c->servers; s->leaves <<= 1)
		;
	s->srv = calloc(c->servers, sizeof *s->srv);
	s->vm = calloc(t->n ? t->n : 1, sizeof *s->vm);
	s->tree = malloc(2 * (size_t)s->leaves * sizeof *s->tree);
	if (!s->srv || !s->vm || !s->tree) {
		place_destroy(s);
		fprintf(stderr, "mmusim: out of memory for the placement of %llu VMs on %u servers\n",
			(unsigned long long)t->n, c->servers);
		return -ENOMEM;
	}
	for (i = 0; i < c->servers; i++) {
		s->srv[i].kind = c->server_kind[i];
		s->srv[i].head = PLACE_NONE;
	}
	s->xhead = s->xtail = PLACE_NONE;
	for (i = 0; i < c->nkinds; i++) {
		if (!c->kind[i].servers)
			continue;
		s->ref_vcpus = MAX(s->ref_vcpus, c->kind[i].cap_vcpus);
		s->ref_frames = MAX(s->ref_frames, c->kind[i].cap_frames);
	}
	for (i = 0; i < s->leaves; i++) {
		if (i < c->servers)
			leaf_set(s, i);
		else {
			s->tree[s->leaves + i] = (struct place_node){ 0 };
			no_scores(&s->tree[s->leaves + i]);
		}
	}
	for (i = s->leaves; i-- > 1;)
		node_join(&s->tree[i], &s->tree[2 * i], &s->tree[2 * i + 1]);
	for (u64 j = 0; j < t->n; j++)
		s->vm[j].server = PLACE_NONE;
	return 0;
}

void place_destroy(struct place_sim *s)
{
	u64 j;
	u32 i;

	if (s->vm)
		for (j = 0; j < s->t->n; j++)
			free(s->vm[j].ext);
	if (s->srv)
		for (i = 0; i < s->c->servers; i++)
			if (s->srv[i].b) {
				buddy_destroy(s->srv[i].b);
				free(s->srv[i].b);
				free(s->srv[i].pins);
			}
	free(s->srv);
	free(s->vm);
	free(s->tree);
	memset(s, 0, sizeof *s);
}

static int arrive(struct place_sim *s, u32 i)
{
	const struct vm_rec *r = &s->t->v[i];
	struct place_vm *m = &s->vm[i];
	struct place_server *v;
	bool on;
	u32 idx;
	int rc;

	SIM_BUG_ON(m->state != PVM_PENDING);
	s->st.vms++;
	m->frames = (r->memory + s->c->granule - 1) / s->c->granule;
	idx = place_choose(s, i, &on);
	if (idx == PLACE_NONE) {
		m->state = PVM_REJECTED;
		s->st.rejected++;
		return 0;
	}
	v = &s->srv[idx];
	if (on && (rc = power_on(s, idx)))
		return rc;
	SIM_BUG_ON(v->free_vcpus < r->vcpus || v->free_frames < m->frames);
	m->server = idx;
	m->powered_on = on;
	m->base = place_alloc_run(s, v->b, m->frames);
	if (m->base != BUDDY_NONE) {
		m->contiguous = 1;
		s->st.contiguous++;
		s->alive_contig++;
	} else {
		SIM_BUG_ON(v->run >= m->frames && !s->c->xen_heap);
		if (buddy_alloc_scattered(v->b, m->frames, s->c->max_order, &m->ext, &m->next)) {
			fprintf(stderr, "mmusim: out of memory backing VM %u\n", i);
			return -ENOMEM;
		}
		s->st.scattered_extents += m->next;
	}
	m->state = PVM_ALIVE;
	place_srv_link(s, i);
	if (!m->contiguous && s->c->compaction && (rc = place_compact(s, i)))
		return rc;
	if (!m->contiguous)
		place_x_link(s, i);
	v->free_vcpus -= r->vcpus;
	v->free_frames -= m->frames;
	v->run = buddy_largest_aligned_run(v->b, s->c->align_order);
	v->nvms++;
	s->st.placed++;
	s->alive++;
	s->used_vcpus += r->vcpus;
	s->used_frames += m->frames;
	s->st.peak_vms = MAX(s->st.peak_vms, s->alive);
	place_tree_update(s, idx);
	return 0;
}

static void depart(struct place_sim *s, u32 i)
{
	const struct vm_rec *r = &s->t->v[i];
	struct place_vm *m = &s->vm[i];
	struct place_server *v;

	if (m->state == PVM_REJECTED)
		return;
	SIM_BUG_ON(m->state != PVM_ALIVE);
	v = &s->srv[m->server];
	place_srv_unlink(s, i);
	if (m->contiguous) {
		buddy_free_contig(v->b, m->base, m->frames);
		s->alive_contig--;
	} else {
		place_x_unlink(s, i);
		buddy_free_extents(v->b, m->ext, m->next);
		free(m->ext);
		m->ext = NULL;
	}
	m->state = PVM_GONE;
	v->free_vcpus += r->vcpus;
	v->free_frames += m->frames;
	v->nvms--;
	s->alive--;
	s->used_vcpus -= r->vcpus;
	s->used_frames -= m->frames;
	if (!v->nvms && s->c->power_off)
		place_power_off(s, m->server);
	else
		v->run = buddy_largest_aligned_run(v->b, s->c->align_order);
	place_tree_update(s, m->server);
}

static void sample_row(struct place_sim *s, u64 t)
{
	fprintf(s->csv, "%s,%llu,%llu,%llu,%llu,%llu,%llu\n", place_algo_name(s->algo),
		(unsigned long long)t, (unsigned long long)s->powered, (unsigned long long)s->alive,
		(unsigned long long)s->alive_contig, (unsigned long long)s->used_vcpus,
		(unsigned long long)(s->used_frames * s->c->granule));
}

/* Accounts for the time from s->now to t, with the state of s->now;
 * emits the samples that fall in [now, t). */
void place_advance(struct place_sim *s, u64 t)
{
	if (!s->started) {
		s->started = true;
		s->st.start = s->now = t;
		s->next_sample = t;
	}
	SIM_BUG_ON(t < s->now);
	s->st.powered_seconds += (double)s->powered * (double)(t - s->now);
	if (s->csv && s->interval)
		for (; s->next_sample < t; s->next_sample += s->interval)
			sample_row(s, s->next_sample);
	s->now = t;
}

int place_step(struct place_sim *s, const struct place_ev *e)
{
	u64 t = place_ev_time(e);
	int rc = s->c->migrate_interval ? place_passes_until(s, t) : 0;

	if (rc)
		return rc;
	place_advance(s, t);
	if (place_ev_arrival(e))
		rc = arrive(s, e->vm);
	else
		depart(s, e->vm);
	if (!rc && s->after)
		s->after(s->hook_ctx, s, e);
	return rc;
}

void place_finish(struct place_sim *s)
{
	struct place_stats *st = &s->st;

	st->end = s->now;
	if (s->csv && s->interval && s->started)
		for (; s->next_sample <= st->end; s->next_sample += s->interval)
			sample_row(s, s->next_sample);
	st->mean_powered = st->end > st->start ? st->powered_seconds / (double)(st->end - st->start) : 0;
	st->consolidation = (double)st->peak_powered / (double)s->c->servers;
	st->contiguous_pct = st->placed ? 100.0 * (double)st->contiguous / (double)st->placed : 0;
	st->eventually = st->contiguous + st->compacted + st->migrated + st->migrate_local;
	st->eventually_pct = st->placed ? 100.0 * (double)st->eventually / (double)st->placed : 0;
}

int place_run(struct place_sim *s, const struct place_events *ev)
{
	u64 i;
	int rc;

	for (i = 0; i < ev->n; i++)
		if ((rc = place_step(s, &ev->v[i])))
			return rc;
	place_finish(s);
	return 0;
}

void place_csv_header(FILE *f)
{
	fputs("algo,time,powered,vms,contiguous_vms,vcpus,memory\n", f);
}

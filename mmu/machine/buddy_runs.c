/*
 * buddy_runs.c - runs of free frames in the buddy allocator (buddy.c):
 * contiguous extents, scattered allocation, fragmentation and its
 * measurement, over a free-run index.
 *
 * Model notes (the allocator's own are in buddy.c)
 *
 * Contiguous extents (buddy_alloc_contig)
 *   Modelled: a VMM that backs a VM's guest-physical memory with one run
 *   of consecutive host frames (needed by base-plus-offset translation,
 *   hPA = gPA + gBA). The request is any number of frames; the allocator
 *   searches the free runs (maximal sequences of consecutive free frames,
 *   which may span many free blocks of different orders) and carves the
 *   chosen range into the largest aligned blocks that fit, so the state
 *   stays a buddy state. Policies: BUDDY_FIT_FIRST takes the lowest frame
 *   that is a multiple of 2^align_order and starts a long enough free
 *   range; BUDDY_FIT_BEST takes the shortest free run that can hold the
 *   extent (lowest address among equals) and the lowest aligned start in
 *   it. Both succeed whenever some free run can hold the extent, which is
 *   the condition the seed paper's placement simulator tests for a server
 *   ("has contiguous memory for the VM").
 *   What the seed paper's modified Xen does instead (Algorithm 4 of the
 *   contiguous-memory-VM paper): it keeps allocating the VM's extents from
 *   the per-order free lists but accepts only an extent whose machine
 *   frame number equals next_mfn, the end of the previous one, i.e. it
 *   extends the VM's memory greedily from wherever its first extent
 *   landed, and falls back to Xen's ordinary (scattered) allocation when
 *   no free extent starts at next_mfn. It never searches for a run, so
 *   whether a VM becomes contiguous depends on where its first extent
 *   landed and on free-list order; the policies here are the idealised
 *   search that succeeds exactly when a long enough run exists. Xen's
 *   heap also caps an extent at order 20 (4 GiB) in that paper; here the
 *   cap of one block is max_order and an extent has no cap.
 *   buddy_alloc_xen is that allocator ([host] allocator = xen-heap,
 *   [cluster] allocator = xen-heap): the extents are those of the domain
 *   builder (order `order`, usually 1G, while the rest is at least that
 *   large, then the binary decomposition of the rest); the first comes
 *   from buddy_alloc (the heap's free-list choice, falling back to smaller
 *   orders while none of the order is free), every later one must start
 *   at next_mfn. Our reading of the paper's "uses its default algorithm"
 *   when an extent at next_mfn is missing: the extents taken are given
 *   back and the caller backs the VM scattered from scratch (the VM is
 *   not contiguous either way; only which frames it gets differs).
 *   Not modelled: NUMA nodes and zones (the paper's zone_hi..zone_lo
 *   loop), the cost of the search. Compaction (making a VM contiguous
 *   later) is the VMM's (vm.c) and the placement simulator's
 *   (place_time.c).
 *
 * Scattered allocation (buddy_alloc_scattered)
 *   Modelled: a VM whose memory need not be contiguous, backed as Xen's
 *   populate_physmap (xen/common/memory.c) does: a number of extents of
 *   2^extent_order pages, each from the heap allocator, wherever its free
 *   lists put them; the domain builder asks for 1G extents first and
 *   falls back to 2M and then 4K extents when the larger ones run out
 *   (tools/libs/guest/xg_dom_x86.c, meminit_hvm). Here the fallback goes
 *   one order at a time and never back up: once no block of order k is
 *   free, none appears while the request is being served.
 *   Not modelled: Xen's per-extent checks (claims, NUMA node affinity,
 *   memflags), the 1G extents a guest-physical hole forbids.
 *
 * Fragmentation (buddy_fragment)
 *   Modelled: a host that has run for a while, on which long-lived
 *   allocations (hypervisor and dom0 data, page tables, DMA buffers, pages
 *   pinned by I/O, page cache) lie scattered over memory. The allocator
 *   does not move them; whether the VMM's compaction may migrate a pin is
 *   the machine's choice ([host] movable_pins, machine.h, vm.c). One 4K frame
 *   is pinned at a uniformly random offset inside a fraction f of the
 *   max-order blocks that are wholly free, chosen uniformly without
 *   replacement. A pinned block can no longer supply a max-order page and
 *   splits the free runs: a contiguous extent must fit between two pins,
 *   so the longest possible run is below 2 * 2^max_order frames when f = 1
 *   and grows as f falls. The fraction of whole max-order blocks is
 *   exactly 1 - f (up to rounding), the "fraction of host memory unusable
 *   for large contiguous allocations" the configuration asks for.
 *   Not modelled: several pins per block or clusters of pins, memory that
 *   is free but split at small orders by the churn of earlier VMs (which
 *   the caller can produce by allocating and freeing), zones and NUMA
 *   nodes. Almost all
 *   memory stays free (one frame per pinned block), so a scattered VM is
 *   barely affected while a contiguous one is.
 *   Measured (buddy_frag): the longest free run, the number of free runs
 *   of at least N frames and the fraction of free memory inside them
 *   (the memory a VM of N frames could get contiguously), and the whole
 *   max-order blocks.
 */
#include "buddy_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Contiguous extents ---- */

/* The largest order k <= maxo with p a multiple of 2^k and p + 2^k <= e:
 * the next block when a range is cut into the largest aligned blocks. */
static u32 range_block(u64 p, u64 e, u32 maxo)
{
	u32 k = p ? MIN((u32)__builtin_ctzll(p), maxo) : maxo;

	while ((1ull << k) > e - p)
		k--;
	return k;
}

static void emit_fit(struct run_walk *w, u64 start, u64 end)
{
	u64 a = (start + w->align_mask) & ~w->align_mask;

	if (a >= end || end - a < w->n)
		return;
	if (w->fit == BUDDY_FIT_FIRST) {
		w->found = a;
		w->stop = true;
	} else if (end - start < w->found_len) {
		w->found = a;
		w->found_len = end - start;
		w->stop = end - start == w->n;   /* cannot do better */
	}
}

u64 buddy_find_contig(struct buddy *b, u64 nframes, u32 align_order, enum buddy_fit fit)
{
	struct run_walk w;

	if (!nframes || nframes > b->free_frames)
		return BUDDY_NONE;
	if (ix_ready(b)->sum[1].best < nframes)
		return BUDDY_NONE;
	memset(&w, 0, sizeof w);
	w.min_len = w.n = nframes;
	w.align_mask = (1ull << MIN(align_order, 63u)) - 1;
	w.fit = fit;
	w.found = BUDDY_NONE;
	w.found_len = UINT64_MAX;
	w.emit = emit_fit;
	walk_runs(b, &w);
	return w.found;
}

u64 buddy_alloc_contig(struct buddy *b, u64 nframes, u32 align_order, enum buddy_fit fit)
{
	u64 f = buddy_find_contig(b, nframes, align_order, fit);

	if (f != BUDDY_NONE)
		SIM_BUG_ON(!buddy_alloc_contig_at(b, f, nframes));
	return f;
}

bool buddy_alloc_contig_at(struct buddy *b, u64 frame, u64 nframes)
{
	u64 end, p;
	u32 k;

	if (!nframes || frame >= b->nframes || b->nframes - frame < nframes)
		return false;
	end = frame + nframes;
	for (p = frame; p < end; p += 1ull << k) {
		k = range_block(p, end, b->max_order);
		if (containing_free(b, p, k) > b->max_order)
			return false;
	}
	for (p = frame; p < end; p += 1ull << k) {
		k = range_block(p, end, b->max_order);
		SIM_BUG_ON(!buddy_alloc_at(b, p, k));
	}
	return true;
}

void buddy_free_contig(struct buddy *b, u64 frame, u64 nframes)
{
	u64 end, p;
	u32 k;

	SIM_BUG_ON(!nframes || frame >= b->nframes || b->nframes - frame < nframes);
	end = frame + nframes;
	for (p = frame; p < end; p += 1ull << k) {
		k = range_block(p, end, b->max_order);
		buddy_free(b, p, k);
	}
}

/* ---- Xen heap allocator (Algorithm 4) ---- */

u64 buddy_alloc_xen(struct buddy *b, u64 nframes, u32 order, u32 align_order)
{
	u64 base = BUDDY_NONE, next, left = nframes;
	u32 k = MIN(order, b->max_order);

	if (!nframes || nframes > b->free_frames)
		return BUDDY_NONE;
	/* The first extent: the heap's own choice, the builder falling back
	 * to smaller extents while none of order k is free. */
	for (;;) {
		while ((1ull << k) > left)
			k--;
		if ((base = buddy_alloc(b, k)) != BUDDY_NONE || !k)
			break;
		k--;
	}
	if (base == BUDDY_NONE)
		return BUDDY_NONE;
	if (base & ((1ull << align_order) - 1)) {
		buddy_free(b, base, k);
		return BUDDY_NONE;
	}
	next = base + (1ull << k);
	left -= 1ull << k;
	/* Every further extent must start at next_mfn. It is aligned to 2^k
	 * (the earlier extents were of order >= k) and frame next - 1 is
	 * allocated, so a free block whose first frame is next_mfn, of an
	 * order >= k, exists exactly when the order-k block at next is free. */
	while (left) {
		while ((1ull << k) > left)
			k--;
		if (!buddy_alloc_at(b, next, k)) {
			buddy_free_contig(b, base, next - base);
			return BUDDY_NONE;
		}
		next += 1ull << k;
		left -= 1ull << k;
	}
	return base;
}

/* ---- Scattered allocation ---- */

int buddy_alloc_scattered(struct buddy *b, u64 nframes, u32 order,
			  struct buddy_extent **ext, u64 *next)
{
	struct buddy_extent *v = NULL;
	u64 n = 0, cap = 0, left = nframes;
	u32 k = MIN(order, b->max_order);

	*ext = NULL;
	*next = 0;
	if (nframes > b->free_frames)
		return -ENOMEM;
	while (left) {
		u64 f;

		while ((1ull << k) > left)
			k--;
		f = buddy_alloc(b, k);
		if (f == BUDDY_NONE) {
			/* No free block of order >= k, and none will appear
			 * while allocating: go on with smaller extents. */
			SIM_BUG_ON(k == 0);
			k--;
			continue;
		}
		if (n == cap) {
			u64 ncap = cap ? 2 * cap : MIN((left >> k) + k + 1, (u64)4096);
			struct buddy_extent *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				buddy_free(b, f, k);
				buddy_free_extents(b, v, n);
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = (struct buddy_extent){ f, k };
		left -= 1ull << k;
	}
	*ext = v;
	*next = n;
	return 0;
}

void buddy_free_extents(struct buddy *b, const struct buddy_extent *ext, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		buddy_free(b, ext[i].frame, ext[i].order);
}

/* ---- Fragmentation ---- */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return (x > y) - (x < y);
}

u64 buddy_fragment(struct buddy *b, double f, u64 seed, u64 *pins)
{
	u32 mo = b->max_order;
	u64 whole = b->nfree[mo], words = (nblk(b, mo) + 63) / 64;
	u64 s = rng_seed(seed), *cand, n = 0, want, i, w;

	if (!(f > 0) || !whole)    /* also NaN */
		return 0;
	if (f > 1)
		f = 1;
	cand = malloc(whole * sizeof *cand);
	if (!cand)
		buddy_nomem();
	for (w = 0; w < words; w++) {
		u64 x = b->bits[mo][w];
		while (x) {
			cand[n++] = w * 64 + (u64)__builtin_ctzll(x);
			x &= x - 1;
		}
	}
	SIM_BUG_ON(n != whole);
	want = MIN((u64)(f * (double)whole + 0.5), whole);
	/* The first `want` steps of a Fisher-Yates shuffle: the blocks
	 * pinned for a smaller f are the first ones pinned for a larger f. */
	for (i = 0; i < want; i++) {
		u64 j = i + rng_next(&s) % (whole - i), blk = cand[j], frame;

		cand[j] = cand[i];
		cand[i] = blk;
		frame = (blk << mo) + (rng_next(&s) & ((1ull << mo) - 1));
		SIM_BUG_ON(!buddy_alloc_at(b, frame, 0));
		if (pins)
			pins[i] = frame;
	}
	free(cand);
	if (pins)
		qsort(pins, want, sizeof *pins, cmp_u64);
	return want;
}

/* ---- Measurements ---- */

u64 buddy_largest_run(struct buddy *b)
{
	return ix_ready(b)->sum[1].best;
}

static void emit_aligned(struct run_walk *w, u64 start, u64 end)
{
	u64 a = (start + w->align_mask) & ~w->align_mask;

	if (a < end && end - a > w->found)
		w->found = end - a;
}

u64 buddy_largest_aligned_run(struct buddy *b, u32 align_order)
{
	struct run_walk w;

	if (!align_order)
		return buddy_largest_run(b);
	memset(&w, 0, sizeof w);
	w.min_len = 1;
	w.align_mask = (1ull << align_order) - 1;
	w.emit = emit_aligned;
	walk_runs(b, &w);
	return w.found;
}

static void emit_count(struct run_walk *w, u64 start, u64 end)
{
	w->runs++;
	w->frames += end - start;
}

void buddy_frag(struct buddy *b, u64 min_run, struct buddy_frag *out)
{
	struct run_walk w;

	memset(out, 0, sizeof *out);
	out->free_frames = b->free_frames;
	out->largest_run = buddy_largest_run(b);
	out->min_run = MAX(min_run, (u64)1);
	out->whole_blocks = b->nfree[b->max_order];
	out->max_blocks = nblk(b, b->max_order);
	if (out->largest_run < out->min_run)
		return;
	memset(&w, 0, sizeof w);
	w.min_len = out->min_run;
	w.emit = emit_count;
	walk_runs(b, &w);
	out->runs = w.runs;
	out->frames_in_runs = w.frames;
	out->frac_in_runs = out->free_frames ? (double)w.frames / (double)out->free_frames : 0;
}

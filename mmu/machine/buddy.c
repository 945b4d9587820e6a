/*
 * buddy.c - binary buddy allocator of physical frames.
 *
 * Model notes
 *   Modelled: the placement decisions of a buddy allocator, i.e. which
 *   frame numbers a request for 2^order frames receives, and therefore
 *   whether a VM's memory or a large page ends up contiguous. Blocks of
 *   order k are 2^k frames aligned to 2^k frames; allocation takes a free
 *   block of the smallest order that fits and splits it, keeping the lower
 *   half; freeing merges a block with its buddy (the block whose number
 *   differs in the lowest bit) while the buddy is free at the same order,
 *   up to max_order. Frames past the last whole max_order block start free
 *   as the largest aligned blocks that fit.
 *   Not modelled: the cost of allocation (no cycles are charged), NUMA
 *   nodes and zones, per-CPU caches of free pages, scrubbing, memory
 *   reservations and page-owner bookkeeping of a real hypervisor.
 *   Sources: the buddy system of Knuth, TAOCP vol. 1, sec. 2.5 (block
 *   sizes 2^k, buddy address by flipping one bit, merge on free); Xen's
 *   heap allocator, xen/common/page_alloc.c, as the design this follows
 *   (free lists per order, extents of 2^order pages, smallest fitting
 *   order split on allocation, merge up to a maximum order on free).
 *   One deliberate difference: Xen's alloc_heap_pages puts the lower half
 *   back on the free list and keeps the upper half; this allocator keeps
 *   the lower half, so a fresh allocator hands out ascending frames.
 *   The rest is ours: the representation (a bitmap per order as the truth
 *   and a LIFO stack per order with lazy deletion, compacted when it holds
 *   many stale entries), buddy_alloc_at, and the audit.
 *
 * Representation
 *   bits[k] has one bit per aligned order-k block lying wholly inside
 *   [0, nframes): nframes >> k bits, so all orders together take about
 *   2 bits per frame. A set bit means "this block is free at order k".
 *   st[k] holds candidate block numbers of order k. Every free block has
 *   at least one entry; entries whose bit is clear are stale (the block
 *   was merged, carved by buddy_alloc_at, or reallocated) and are skipped
 *   when popped. A stack is compacted (stale entries and duplicates
 *   dropped, order of the live entries kept) when it is full and at least
 *   half stale, or when it holds more than four entries per free block, so
 *   its memory stays proportional to the free blocks of its order.
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
 *   Not modelled: NUMA nodes and zones (the paper's zone_hi..zone_lo
 *   loop), memory compaction or migrating a VM's frames to make it
 *   contiguous later, the cost of the search.
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
 * Free-run index
 *   A segment tree over the frames, built on the first run query, so that
 *   a run search does not scan frames. Node (k, i) covers the aligned
 *   range [i 2^k, (i+1) 2^k) for k from IX_G (leaves, 2^9 frames) up to R
 *   (the root, 2^R >= nframes; frames past nframes count as allocated);
 *   it is stored heap-ordered at index 2^(R-k) + i. Each node holds its
 *   free-frame count cnt and the run summary of its range: pre (free
 *   frames from its start), suf (free frames up to its end) and best (its
 *   longest free run); a parent's summary is combined from its children's.
 *   A leaf's summary is computed from the buddy bitmaps of orders below
 *   IX_G (its 512-frame mask, 8 words). Memory: about 66 bytes per 512
 *   frames (33 MiB for 1 TiB), next to the buddy's 2 bits per frame.
 *   Updates: every allocation or free of a block of order o updates cnt on
 *   the path from the root to the node of order max(o, IX_G) holding it
 *   and marks the path DIRTY (O(R - o) steps, no search). A block of order
 *   o > IX_G changes its whole subtree at once: its node is marked STALE
 *   (all descendants equal to the node, their fields not updated), and a
 *   later path through a STALE node first pushes it down one level.
 *   Summaries are recomputed lazily: a query refreshes the DIRTY nodes,
 *   top down, stopping at nodes that are wholly free or wholly allocated
 *   (known from cnt), so its cost follows the changes since the last
 *   query. Searches descend only into nodes whose longest run is long
 *   enough, and whole blocks of order >= IX_G are checked against cnt
 *   when freed (instead of scanning the bitmaps of their range). Callers
 *   that never query (the single-machine simulation) never build it.
 *
 * Fragmentation (buddy_fragment)
 *   Modelled: a host that has run for a while, on which long-lived
 *   unmovable allocations (hypervisor and dom0 data, page tables, DMA
 *   buffers, pages pinned by I/O) lie scattered over memory. One 4K frame
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
 *   the caller can produce by allocating and freeing), movable versus
 *   unmovable pages and compaction, zones and NUMA nodes. Almost all
 *   memory stays free (one frame per pinned block), so a scattered VM is
 *   barely affected while a contiguous one is.
 *   Measured (buddy_frag): the longest free run, the number of free runs
 *   of at least N frames and the fraction of free memory inside them
 *   (the memory a VM of N frames could get contiguously), and the whole
 *   max-order blocks.
 */
#include "buddy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_MIN 16u
#define STACK_SLACK 64u

static inline u64 nblk(const struct buddy *b, u32 k)
{
	return b->nframes >> k;
}

static inline bool bit_test(const u64 *w, u64 i)
{
	return (w[i >> 6] >> (i & 63)) & 1;
}

static inline void bit_set(u64 *w, u64 i)
{
	w[i >> 6] |= 1ull << (i & 63);
}

static inline void bit_clear(u64 *w, u64 i)
{
	w[i >> 6] &= ~(1ull << (i & 63));
}

/* Is any bit of [lo, hi) set? */
static bool bits_any(const u64 *w, u64 lo, u64 hi)
{
	u64 lw, hw, i;

	if (lo >= hi)
		return false;
	lw = lo >> 6;
	hw = (hi - 1) >> 6;
	if (lw == hw) {
		u64 m = (~0ull << (lo & 63)) & (~0ull >> (63 - ((hi - 1) & 63)));
		return (w[lw] & m) != 0;
	}
	if (w[lw] & (~0ull << (lo & 63)))
		return true;
	for (i = lw + 1; i < hw; i++)
		if (w[i])
			return true;
	return (w[hw] & (~0ull >> (63 - ((hi - 1) & 63)))) != 0;
}

_Noreturn static void buddy_nomem(void)
{
	fprintf(stderr, "mmusim: out of memory for buddy allocator metadata\n");
	abort();
}

/* Drops stale entries and duplicates of st[k], keeping for each free block
 * its topmost entry, so the order in which blocks will be popped is
 * unchanged. Duplicates are found by clearing each kept block's bit while
 * scanning, then setting the bits again. */
static void stack_compact(struct buddy *b, u32 k)
{
	struct buddy_stack *s = &b->st[k];
	u64 *bits = b->bits[k];
	u64 w = s->n, i, live;

	for (i = s->n; i-- > 0;) {
		u64 blk = s->v[i];
		if (bit_test(bits, blk)) {
			bit_clear(bits, blk);
			s->v[--w] = blk;
		}
	}
	live = s->n - w;
	memmove(s->v, s->v + w, live * sizeof *s->v);
	s->n = live;
	for (i = 0; i < live; i++)
		bit_set(bits, s->v[i]);
	SIM_BUG_ON(live != b->nfree[k]);

	if (s->cap > STACK_MIN && s->cap > 4 * live) {
		u64 ncap = MAX((u64)STACK_MIN, 2 * live);
		u64 *nv = realloc(s->v, ncap * sizeof *nv);
		if (nv) {
			s->v = nv;
			s->cap = ncap;
		}
	}
}

/* Pushes blk on st[k]. Called before blk's bit is set and nfree[k] counts
 * it, so a compaction here sees it as not free. */
static void stack_push(struct buddy *b, u32 k, u64 blk)
{
	struct buddy_stack *s = &b->st[k];

	if (s->n == s->cap) {
		if (s->n && s->n - b->nfree[k] >= s->n / 2)
			stack_compact(b, k);
		if (s->n == s->cap) {
			u64 ncap = s->cap ? 2 * s->cap : STACK_MIN;
			u64 *nv = realloc(s->v, ncap * sizeof *nv);
			if (!nv)
				buddy_nomem();
			s->v = nv;
			s->cap = ncap;
		}
	}
	s->v[s->n++] = blk;
}

/* A free block of order k stops being free (merged or carved): its stack
 * entry becomes stale. */
static void block_take(struct buddy *b, u32 k, u64 blk)
{
	struct buddy_stack *s = &b->st[k];

	bit_clear(b->bits[k], blk);
	b->nfree[k]--;
	if (s->n > STACK_SLACK && s->n > 4 * b->nfree[k])
		stack_compact(b, k);
}

static void block_put(struct buddy *b, u32 k, u64 blk)
{
	stack_push(b, k, blk);
	bit_set(b->bits[k], blk);
	b->nfree[k]++;
}

/* Pops a free block of order k (nfree[k] > 0) and marks it allocated. */
static u64 stack_pop_live(struct buddy *b, u32 k)
{
	struct buddy_stack *s = &b->st[k];

	while (s->n) {
		u64 blk = s->v[--s->n];
		if (bit_test(b->bits[k], blk)) {
			bit_clear(b->bits[k], blk);
			b->nfree[k]--;
			return blk;
		}
	}
	sim_bug(__FILE__, __LINE__, "free block missing from its stack");
}

/* ---- Free-run index (see "Free-run index" in the notes above) ---- */

#define IX_G 9u                    /* order of a leaf */
#define IX_L (1u << IX_G)          /* frames per leaf */
#define IX_W (IX_L / 64)           /* mask words per leaf */
#define IX_DIRTY 1u                /* the node's summary must be recomputed */
#define IX_STALE 2u                /* descendants equal this node, not updated */

struct ix_sum {
	u64 pre, suf, best;        /* free frames from the start, to the end, longest run */
};

struct buddy_ix {
	u32 root;                  /* R: the root covers frames [0, 2^R) */
	u64 nleaves;               /* 2^(R - IX_G); leaf i is node nleaves + i */
	u64 *cnt;                  /* free frames per node */
	struct ix_sum *sum;        /* run summary per node (exact unless DIRTY) */
	u8 *fl;                    /* IX_DIRTY | IX_STALE */
};

/* Sets bits [off, off + len) of a leaf mask; len is a power of two and
 * off a multiple of it. */
static void mask_set(u64 *m, u64 off, u64 len)
{
	u64 w;

	if (len >= 64) {
		for (w = off >> 6; w < (off + len) >> 6; w++)
			m[w] = ~0ull;
	} else {
		m[off >> 6] |= ((1ull << len) - 1) << (off & 63);
	}
}

/* First position >= p whose bit is `one`, or IX_L. */
static u32 mask_next(const u64 *m, u32 p, bool one)
{
	while (p < IX_L) {
		u64 x = one ? m[p >> 6] : ~m[p >> 6];
		x &= ~0ull << (p & 63);
		if (x)
			return (p & ~63u) + (u32)__builtin_ctzll(x);
		p = (p & ~63u) + 64;
	}
	return IX_L;
}

/* The free frames of leaf number `leaf` (frames [leaf 2^IX_G, ...)) as a
 * bit mask, read from the bitmaps: all ones when a free block of order
 * >= IX_G contains the leaf, else the free blocks of smaller orders. */
static void leaf_mask(const struct buddy *b, u64 leaf, u64 m[IX_W])
{
	u64 base = leaf << IX_G;
	u32 k;

	memset(m, 0, IX_W * sizeof *m);
	if (base >= b->nframes)
		return;
	for (k = IX_G; k <= b->max_order; k++) {
		u64 blk = base >> k;
		if (blk >= nblk(b, k))
			break;
		if (bit_test(b->bits[k], blk)) {
			memset(m, 0xff, IX_W * sizeof *m);
			return;
		}
	}
	for (k = 0; k < IX_G && k <= b->max_order; k++) {
		u64 lo = base >> k, hi = MIN((base + IX_L) >> k, nblk(b, k)), w;

		for (w = lo >> 6; lo < hi && w <= (hi - 1) >> 6; w++) {
			u64 x = b->bits[k][w];
			if (w == lo >> 6)
				x &= ~0ull << (lo & 63);
			if (w == (hi - 1) >> 6 && (hi & 63))
				x &= ~0ull >> (64 - (hi & 63));
			while (x) {
				u64 i = w * 64 + (u64)__builtin_ctzll(x);
				x &= x - 1;
				mask_set(m, (i << k) - base, 1ull << k);
			}
		}
	}
}

static u64 mask_count(const u64 *m)
{
	u64 c = 0;
	u32 w;

	for (w = 0; w < IX_W; w++)
		c += (u64)__builtin_popcountll(m[w]);
	return c;
}

static struct ix_sum mask_sum(const u64 *m)
{
	struct ix_sum s = { 0, 0, 0 };
	u32 p = 0, a, e;

	while ((a = mask_next(m, p, true)) < IX_L) {
		e = mask_next(m, a, false);
		if (a == 0)
			s.pre = e;
		if (e == IX_L)
			s.suf = e - a;
		s.best = MAX(s.best, (u64)(e - a));
		p = e;
	}
	return s;
}

/* The summary of two adjacent halves of `half` frames each. */
static struct ix_sum sum_join(struct ix_sum l, struct ix_sum r, u64 half)
{
	struct ix_sum s;

	s.pre = l.pre == half ? half + r.pre : l.pre;
	s.suf = r.suf == half ? half + l.suf : r.suf;
	s.best = MAX(MAX(l.best, r.best), l.suf + r.pre);
	return s;
}

/* Pushes a STALE node of order k (wholly free or wholly allocated) down
 * one level: its children take their share of its count. */
static void ix_push(struct buddy_ix *ix, u64 idx, u32 k)
{
	u64 c = ix->cnt[idx];
	u8 f = IX_DIRTY | (k - 1 > IX_G ? IX_STALE : 0);

	SIM_BUG_ON(c != 0 && c != 1ull << k);
	ix->cnt[2 * idx] = ix->cnt[2 * idx + 1] = c >> 1;
	ix->fl[2 * idx] |= f;
	ix->fl[2 * idx + 1] |= f;
	ix->fl[idx] &= (u8)~IX_STALE;
}

/* The block [frame, frame + 2^order) was just freed or allocated. */
static void ix_note(struct buddy *b, u64 frame, u32 order, bool freed)
{
	struct buddy_ix *ix = b->ix;
	u64 d = 1ull << order, idx = 1;
	u32 k, k0;

	if (!ix)
		return;
	k0 = MAX(order, IX_G);
	for (k = ix->root;; k--) {
		if (k > k0 && (ix->fl[idx] & IX_STALE))
			ix_push(ix, idx, k);
		if (freed)
			ix->cnt[idx] += d;
		else
			ix->cnt[idx] -= d;
		ix->fl[idx] |= IX_DIRTY;
		if (k == k0)
			break;
		idx = 2 * idx + ((frame >> (k - 1)) & 1);
	}
	if (order > IX_G)
		ix->fl[idx] |= IX_STALE;
}

/* Free frames in the aligned block [frame, frame + 2^k), k >= IX_G. */
static u64 ix_count(const struct buddy_ix *ix, u64 frame, u32 k)
{
	u64 idx = 1;
	u32 o;

	for (o = ix->root; o > k; o--) {
		if (ix->fl[idx] & IX_STALE)
			return ix->cnt[idx] >> (o - k);
		idx = 2 * idx + ((frame >> (o - 1)) & 1);
	}
	return ix->cnt[idx];
}

/* Builds the index of the current state: starting from "all allocated"
 * (every field zero, which is exact), each free block is noted as freed. */
static void ix_build(struct buddy *b)
{
	struct buddy_ix *ix = calloc(1, sizeof *ix);
	u64 n, w;
	u32 r = IX_G, k;

	if (!ix)
		buddy_nomem();
	while ((1ull << r) < b->nframes)
		r++;
	ix->root = r;
	ix->nleaves = 1ull << (r - IX_G);
	n = 2 * ix->nleaves;
	ix->cnt = calloc(n, sizeof *ix->cnt);
	ix->sum = calloc(n, sizeof *ix->sum);
	ix->fl = calloc(n, sizeof *ix->fl);
	if (!ix->cnt || !ix->sum || !ix->fl)
		buddy_nomem();
	b->ix = ix;
	for (k = 0; k <= b->max_order; k++) {
		u64 words = (nblk(b, k) + 63) / 64;
		for (w = 0; w < words; w++) {
			u64 x = b->bits[k][w];
			while (x) {
				u64 blk = w * 64 + (u64)__builtin_ctzll(x);
				x &= x - 1;
				ix_note(b, blk << k, k, true);
			}
		}
	}
}

static void ix_destroy(struct buddy *b)
{
	if (!b->ix)
		return;
	free(b->ix->cnt);
	free(b->ix->sum);
	free(b->ix->fl);
	free(b->ix);
	b->ix = NULL;
}

/* Recomputes the DIRTY summaries under node idx of order k. A wholly free
 * or wholly allocated node is settled by its count; only mixed nodes are
 * descended into, and they are never STALE. */
static void ix_refresh(const struct buddy *b, struct buddy_ix *ix, u64 idx, u32 k)
{
	u64 len = 1ull << k, c;

	if (!(ix->fl[idx] & IX_DIRTY))
		return;
	ix->fl[idx] &= (u8)~IX_DIRTY;
	c = ix->cnt[idx];
	if (c == 0 || c == len) {
		ix->sum[idx] = (struct ix_sum){ c, c, c };
		return;
	}
	SIM_BUG_ON(ix->fl[idx] & IX_STALE);
	if (k == IX_G) {
		u64 m[IX_W];
		leaf_mask(b, idx - ix->nleaves, m);
		SIM_BUG_ON(mask_count(m) != c);
		ix->sum[idx] = mask_sum(m);
		return;
	}
	ix_refresh(b, ix, 2 * idx, k - 1);
	ix_refresh(b, ix, 2 * idx + 1, k - 1);
	ix->sum[idx] = sum_join(ix->sum[2 * idx], ix->sum[2 * idx + 1], len / 2);
}

/* The index, built if needed, with every summary a walk can reach exact. */
static struct buddy_ix *ix_ready(struct buddy *b)
{
	if (!b->ix)
		ix_build(b);
	ix_refresh(b, b->ix, 1, b->ix->root);
	return b->ix;
}

/* A walk over the maximal free runs, in address order, reporting those of
 * at least min_len frames to emit (which may set stop). */
struct run_walk {
	const struct buddy *b;
	const struct buddy_ix *ix;
	u64 min_len;
	u64 open;                  /* start of the free run reaching the current frame */
	bool stop;
	void (*emit)(struct run_walk *w, u64 start, u64 end);
	/* extent search */
	u64 n, align_mask, found, found_len;
	enum buddy_fit fit;
	/* statistics */
	u64 runs, frames;
};

static void walk_open(struct run_walk *w, u64 start)
{
	if (w->open == BUDDY_NONE)
		w->open = start;
}

/* The frame at `end` is allocated: the open run, if any, ends there. */
static void walk_close(struct run_walk *w, u64 end)
{
	if (w->open == BUDDY_NONE)
		return;
	if (end - w->open >= w->min_len)
		w->emit(w, w->open, end);
	w->open = BUDDY_NONE;
}

static void walk_leaf(struct run_walk *w, u64 idx, u64 lo)
{
	u64 m[IX_W];
	u32 p = 0, a, e;

	leaf_mask(w->b, idx - w->ix->nleaves, m);
	while (p < IX_L && !w->stop) {
		a = mask_next(m, p, true);
		if (a > p)
			walk_close(w, lo + p);
		if (a == IX_L)
			break;
		walk_open(w, lo + a);
		e = mask_next(m, a, false);
		if (e == IX_L)
			break;
		walk_close(w, lo + e);
		p = e;
	}
}

static void walk_node(struct run_walk *w, u64 idx, u32 k, u64 lo)
{
	const struct ix_sum *s = &w->ix->sum[idx];
	u64 len = 1ull << k;

	if (w->stop)
		return;
	if (s->best == 0) {
		walk_close(w, lo);
		return;
	}
	if (s->pre == len) {
		walk_open(w, lo);
		return;
	}
	if (s->best < w->min_len) {
		/* No run inside is long enough: only the runs crossing the
		 * node's ends matter. */
		if (s->pre)
			walk_open(w, lo);
		walk_close(w, lo + s->pre);
		if (s->suf)
			w->open = lo + len - s->suf;
		return;
	}
	if (k == IX_G) {
		walk_leaf(w, idx, lo);
		return;
	}
	walk_node(w, 2 * idx, k - 1, lo);
	walk_node(w, 2 * idx + 1, k - 1, lo + len / 2);
}

static void walk_runs(struct buddy *b, struct run_walk *w)
{
	w->b = b;
	w->ix = ix_ready(b);
	w->open = BUDDY_NONE;
	w->stop = false;
	if (w->min_len == 0)
		w->min_len = 1;
	walk_node(w, 1, w->ix->root, 0);
	if (!w->stop)
		walk_close(w, 1ull << w->ix->root);
}

/* Auditing the index: the true count and summary of each node, from the
 * bitmaps, against the stored ones where they are meant to be exact. */
static const char *ix_audit_node(const struct buddy *b, u64 idx, u32 k, bool under_stale,
				 u64 *cnt, struct ix_sum *sum)
{
	const struct buddy_ix *ix = b->ix;

	if (k == IX_G) {
		u64 m[IX_W];
		leaf_mask(b, idx - ix->nleaves, m);
		*cnt = mask_count(m);
		*sum = mask_sum(m);
	} else {
		bool st = under_stale || (ix->fl[idx] & IX_STALE);
		struct ix_sum l, r;
		u64 lc, rc;
		const char *why;

		if ((why = ix_audit_node(b, 2 * idx, k - 1, st, &lc, &l)) ||
		    (why = ix_audit_node(b, 2 * idx + 1, k - 1, st, &rc, &r)))
			return why;
		*cnt = lc + rc;
		*sum = sum_join(l, r, 1ull << (k - 1));
	}
	if (under_stale)
		return NULL;
	if (ix->cnt[idx] != *cnt)
		return "free-run index: free count differs from the bitmaps";
	if ((ix->fl[idx] & IX_STALE) && *cnt != 0 && *cnt != 1ull << k)
		return "free-run index: a stale node is neither free nor allocated";
	if (!(ix->fl[idx] & IX_DIRTY) &&
	    (ix->sum[idx].pre != sum->pre || ix->sum[idx].suf != sum->suf ||
	     ix->sum[idx].best != sum->best))
		return "free-run index: run summary differs from the bitmaps";
	return NULL;
}

int buddy_init(struct buddy *b, u64 nframes, u32 max_order)
{
	u64 top, f, i;
	u32 k;

	memset(b, 0, sizeof *b);
	if (max_order > BUDDY_ORDER_MAX || nframes > (1ull << (PA_BITS_MAX - PAGE_SHIFT)))
		return -EINVAL;
	b->nframes = nframes;
	b->max_order = max_order;
	for (k = 0; k <= max_order; k++) {
		u64 n = nblk(b, k);
		if (!n)
			break;
		b->bits[k] = calloc((n + 63) / 64, sizeof(u64));
		if (!b->bits[k]) {
			buddy_destroy(b);
			return -ENOMEM;
		}
	}

	/* Whole max_order blocks, pushed highest first so that the lowest is
	 * on top and a fresh allocator hands out ascending frames. */
	top = nblk(b, max_order);
	if (top) {
		struct buddy_stack *s = &b->st[max_order];
		s->cap = MAX(top, (u64)STACK_MIN);
		s->v = malloc(s->cap * sizeof *s->v);
		if (!s->v) {
			buddy_destroy(b);
			return -ENOMEM;
		}
		for (i = 0; i < top; i++)
			s->v[i] = top - 1 - i;
		s->n = top;
		memset(b->bits[max_order], 0xff, (top >> 6) * sizeof(u64));
		if (top & 63)
			b->bits[max_order][top >> 6] = (1ull << (top & 63)) - 1;
		b->nfree[max_order] = top;
	}
	/* The tail: at most one block per smaller order, descending. */
	f = top << max_order;
	for (k = max_order; k-- > 0;) {
		if (nframes - f >= (1ull << k)) {
			block_put(b, k, f >> k);
			f += 1ull << k;
		}
	}
	SIM_BUG_ON(f != nframes);
	b->free_frames = nframes;
	return 0;
}

void buddy_destroy(struct buddy *b)
{
	u32 k;

	ix_destroy(b);
	for (k = 0; k <= BUDDY_ORDER_MAX; k++) {
		free(b->bits[k]);
		free(b->st[k].v);
	}
	memset(b, 0, sizeof *b);
}

u64 buddy_alloc(struct buddy *b, u32 order)
{
	u64 blk;
	u32 k;

	if (order > b->max_order)
		return BUDDY_NONE;
	for (k = order; k <= b->max_order && !b->nfree[k]; k++)
		;
	if (k > b->max_order)
		return BUDDY_NONE;
	blk = stack_pop_live(b, k);
	while (k > order) {
		k--;
		blk <<= 1;
		block_put(b, k, blk + 1);    /* upper half stays free */
		b->splits++;
	}
	b->free_frames -= 1ull << order;
	b->allocs++;
	ix_note(b, blk << order, order, false);
	return blk << order;
}

/* The order of the free block containing the aligned block [frame,
 * frame + 2^order), or max_order + 1 when there is none. A wholly free
 * aligned block of order <= max_order always lies inside one free block,
 * since free buddies are merged. */
static u32 containing_free(const struct buddy *b, u64 frame, u32 order)
{
	u32 k;

	for (k = order; k <= b->max_order; k++) {
		u64 blk = frame >> k;
		if (blk >= nblk(b, k))
			break;
		if (bit_test(b->bits[k], blk))
			return k;
	}
	return b->max_order + 1;
}

bool buddy_alloc_at(struct buddy *b, u64 frame, u32 order)
{
	u64 size, blk;
	u32 k;

	if (order > b->max_order)
		return false;
	size = 1ull << order;
	if ((frame & (size - 1)) || frame >= b->nframes || b->nframes - frame < size)
		return false;
	k = containing_free(b, frame, order);
	if (k > b->max_order)
		return false;
	blk = frame >> k;
	block_take(b, k, blk);
	while (k > order) {
		k--;
		blk = frame >> k;
		block_put(b, k, blk ^ 1);    /* the half not containing frame */
		b->splits++;
	}
	b->free_frames -= size;
	b->allocs++;
	ix_note(b, frame, order, false);
	return true;
}

/* Does any free block overlap [frame, frame + 2^order)? A free block either
 * contains the range (orders >= order) or lies inside it (orders below). */
static bool range_touches_free(const struct buddy *b, u64 frame, u32 order)
{
	u64 end = frame + (1ull << order);
	u32 k;

	for (k = order; k <= b->max_order; k++) {
		u64 blk = frame >> k;
		if (blk < nblk(b, k) && bit_test(b->bits[k], blk))
			return true;
	}
	for (k = 0; k < order; k++)
		if (bits_any(b->bits[k], frame >> k, end >> k))
			return true;
	return false;
}

void buddy_free(struct buddy *b, u64 frame, u32 order)
{
	u64 size, blk;
	u32 k;

	SIM_BUG_ON(order > b->max_order);
	size = 1ull << order;
	SIM_BUG_ON(frame & (size - 1));
	SIM_BUG_ON(frame >= b->nframes || b->nframes - frame < size);
	if (b->ix && order >= IX_G)
		SIM_BUG_ON(ix_count(b->ix, frame, order) != 0);
	else
		SIM_BUG_ON(range_touches_free(b, frame, order));

	blk = frame >> order;
	for (k = order; k < b->max_order; k++) {
		u64 bud = blk ^ 1;
		if (bud >= nblk(b, k) || !bit_test(b->bits[k], bud))
			break;
		block_take(b, k, bud);
		blk >>= 1;
		b->merges++;
	}
	block_put(b, k, blk);
	b->free_frames += size;
	b->frees++;
	ix_note(b, frame, order, true);
}

bool buddy_is_free(const struct buddy *b, u64 frame)
{
	u32 k;

	if (frame >= b->nframes)
		return false;
	for (k = 0; k <= b->max_order; k++) {
		u64 blk = frame >> k;
		if (blk >= nblk(b, k))
			break;
		if (bit_test(b->bits[k], blk))
			return true;
	}
	return false;
}

int buddy_largest_free(const struct buddy *b)
{
	int k;

	for (k = (int)b->max_order; k >= 0; k--)
		if (b->nfree[k])
			return k;
	return -1;
}

const char *buddy_audit(const struct buddy *b)
{
	u64 sum = 0;
	u32 k, j;

	if (b->max_order > BUDDY_ORDER_MAX)
		return "max_order out of range";
	for (k = 0; k <= BUDDY_ORDER_MAX; k++) {
		const struct buddy_stack *s = &b->st[k];
		u64 n = k <= b->max_order ? nblk(b, k) : 0;
		u64 words = (n + 63) / 64, w, count = 0, distinct = 0, i;
		u64 *seen;

		if (s->n > s->cap)
			return "stack holds more entries than its capacity";
		if (!n) {
			if (b->bits[k] || b->nfree[k] || s->n)
				return "metadata for an order without blocks";
			continue;
		}
		for (w = 0; w < words; w++) {
			u64 x = b->bits[k][w];
			if (w == words - 1 && (n & 63) && (x >> (n & 63)))
				return "free block beyond the end of the range";
			if (k < b->max_order && (x & (x >> 1) & 0x5555555555555555ull))
				return "two free buddies left unmerged";
			count += (u64)__builtin_popcountll(x);
			while (x) {
				u64 blk = w * 64 + (u64)__builtin_ctzll(x);
				x &= x - 1;
				for (j = k + 1; j <= b->max_order; j++) {
					u64 a = blk >> (j - k);
					if (a < nblk(b, j) && bit_test(b->bits[j], a))
						return "free blocks overlap";
				}
			}
		}
		if (count != b->nfree[k])
			return "free-block counter differs from the bitmap";
		sum += b->nfree[k] << k;

		seen = calloc(words, sizeof(u64));
		if (!seen)
			return "audit out of memory";
		for (i = 0; i < s->n; i++) {
			u64 blk = s->v[i];
			if (blk >= n) {
				free(seen);
				return "stack entry beyond the end of the range";
			}
			if (bit_test(b->bits[k], blk) && !bit_test(seen, blk)) {
				bit_set(seen, blk);
				distinct++;
			}
		}
		free(seen);
		if (distinct != b->nfree[k])
			return "free block missing from its stack";
	}
	if (sum != b->free_frames)
		return "free_frames differs from the sum of free blocks";
	if (b->free_frames > b->nframes)
		return "more free frames than frames";
	if (b->ix) {
		struct ix_sum t;
		u64 c;
		return ix_audit_node(b, 1, b->ix->root, false, &c, &t);
	}
	return NULL;
}

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

/*
 * buddy_ix.c - the free-run index of the buddy allocator: a segment tree
 * over the frames that finds runs of free frames without scanning them
 * (used by buddy_runs.c; kept exact by buddy.c's allocations and frees).
 *
 * Model notes
 *   Simulates nothing: a host-side index that answers run queries exactly
 *   as a scan of the buddy bitmaps would (buddy_audit checks it).
 *   Free-run index
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
 */
#include "buddy_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
void ix_note(struct buddy *b, u64 frame, u32 order, bool freed)
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
u64 ix_count(const struct buddy_ix *ix, u64 frame, u32 k)
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

void ix_destroy(struct buddy *b)
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
struct buddy_ix *ix_ready(struct buddy *b)
{
	if (!b->ix)
		ix_build(b);
	ix_refresh(b, b->ix, 1, b->ix->root);
	return b->ix;
}

/* A walk over the maximal free runs, in address order, reporting those of
 * at least min_len frames to emit (which may set stop). */

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

void walk_runs(struct buddy *b, struct run_walk *w)
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
const char *ix_audit_node(const struct buddy *b, u64 idx, u32 k, bool under_stale,
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

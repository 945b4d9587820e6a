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
 *
 * The contiguous-extent, scattered and fragmentation parts, with the
 * free-run index they search, are in buddy_runs.c (their notes there).
 */
#include "buddy_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_MIN 16u
#define STACK_SLACK 64u

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

_Noreturn void buddy_nomem(void)
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
u32 containing_free(const struct buddy *b, u64 frame, u32 order)
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

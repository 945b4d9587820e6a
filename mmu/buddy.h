/*
 * buddy.h - the physical frame allocator: a binary buddy allocator over a
 * range of 4 KiB frames, with block orders 0..max_order (a block of order k
 * is 2^k frames aligned to 2^k frames), after Xen's heap allocator
 * (xen/common/page_alloc.c: free lists per order, extents of 2^order pages,
 * merge with the buddy on free) and Knuth's buddy system (TAOCP vol. 1,
 * 2.5).
 *
 * Used for host RAM and, inside a VM, for guest-physical memory. Page-table
 * pages, 4K data pages, 2M pages (order 9) and 1G pages (order 18) all come
 * from it, so their alignment is natural.
 *
 * Representation: for each order, a bitmap with one bit per aligned block
 * ("this block is free at this order") is the truth; a per-order stack of
 * candidate block numbers gives O(1) allocation (entries whose bit is clear
 * are stale and skipped: lazy deletion). Metadata is about 2 bits per frame
 * plus the stacks, so a 1 TiB machine costs about 64 MiB.
 *
 * Determinism: allocation order depends only on the sequence of calls.
 */
#ifndef MMUSIM_BUDDY_H
#define MMUSIM_BUDDY_H

#include "types.h"

#define BUDDY_ORDER_MAX 30
#define BUDDY_NONE UINT64_MAX

struct buddy_stack {
	u64 *v;
	u64 n, cap;
};

struct buddy {
	u64 nframes;                 /* frames [0, nframes) */
	u32 max_order;
	u64 *bits[BUDDY_ORDER_MAX + 1];
	struct buddy_stack st[BUDDY_ORDER_MAX + 1];
	u64 nfree[BUDDY_ORDER_MAX + 1];   /* free blocks per order */
	u64 free_frames;
	u64 allocs, frees, splits, merges; /* counters */
};

/* All of [0, nframes) starts free, as the largest aligned blocks that fit
 * (nframes need not be a multiple of 2^max_order). 0, -ENOMEM, or -EINVAL
 * when max_order > BUDDY_ORDER_MAX or nframes > 2^40 (MAXPHYADDR). */
int buddy_init(struct buddy *b, u64 nframes, u32 max_order);
void buddy_destroy(struct buddy *b);

/* Allocates a block of 2^order frames, returns its first frame number or
 * BUDDY_NONE when no block of that order (or larger, to split) is free.
 * Splitting keeps the lower half and frees the upper half, so successive
 * allocations from a fresh allocator are ascending (Xen's alloc_heap_pages
 * does the opposite: it frees the lower half and keeps the upper). Free
 * lists are LIFO: the block freed (or merged) last is used first. */
u64 buddy_alloc(struct buddy *b, u32 order);
/* Allocates the specific block [frame, frame + 2^order) if it is entirely
 * free (splitting the free block that contains it). true on success. */
bool buddy_alloc_at(struct buddy *b, u64 frame, u32 order);
/* Frees a block previously allocated with this order; merges buddies up to
 * max_order. Freeing a frame that is not allocated is a bug (SIM_BUG_ON). */
void buddy_free(struct buddy *b, u64 frame, u32 order);
/* Is this frame free (inside some free block)? */
bool buddy_is_free(const struct buddy *b, u64 frame);
/* Largest order with a free block, or -1. */
int buddy_largest_free(const struct buddy *b);

/* Audit: checks that free blocks are aligned, inside the range, disjoint,
 * that no two free buddies are left unmerged, and that the counters agree
 * with the bitmaps. Returns NULL or a static string naming the first
 * broken invariant. Costs O(nframes): for tests. */
const char *buddy_audit(const struct buddy *b);

#endif

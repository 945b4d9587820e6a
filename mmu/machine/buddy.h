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
 * from it, so their alignment is natural. For backing VMs it also hands
 * out contiguous extents of any length (buddy_alloc_contig), scattered
 * lists of blocks (buddy_alloc_scattered), pre-existing fragmentation
 * (buddy_fragment) and the figures that measure it (buddy_frag); the
 * model notes of these are in buddy.c.
 *
 * Representation: for each order, a bitmap with one bit per aligned block
 * ("this block is free at this order") is the truth; a per-order stack of
 * candidate block numbers gives O(1) allocation (entries whose bit is clear
 * are stale and skipped: lazy deletion). Metadata is about 2 bits per frame
 * plus the stacks, so a 1 TiB machine costs about 64 MiB.
 *
 * Determinism: allocation order depends only on the sequence of calls.
 *
 * A free-run index (about 66 bytes per 512 frames) is built on the first
 * call that searches or measures runs; until then allocation and free cost
 * exactly what they did before it existed.
 */
#ifndef MMUSIM_BUDDY_H
#define MMUSIM_BUDDY_H

#include "../util/types.h"

#define BUDDY_ORDER_MAX 30
#define BUDDY_NONE UINT64_MAX

struct buddy_ix;   /* free-run index (buddy.c), built on first use */

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
	u64 allocs, frees, splits, merges; /* counters (blocks) */
	struct buddy_ix *ix;         /* NULL until a run query needs it */
};

/* How buddy_alloc_contig chooses among the free runs that can hold an
 * extent. Both are deterministic: ties go to the lowest address. */
enum buddy_fit {
	BUDDY_FIT_FIRST,   /* the lowest address that fits */
	BUDDY_FIT_BEST,    /* the shortest free run that fits */
};

/* One block of a scattered allocation: frames [frame, frame + 2^order). */
struct buddy_extent {
	u64 frame;
	u32 order;
};

/* What researchers measure about fragmentation (buddy_frag). */
struct buddy_frag {
	u64 free_frames;
	u64 largest_run;      /* longest run of consecutive free frames */
	u64 min_run;          /* threshold of the next two fields */
	u64 runs;             /* maximal free runs of at least min_run frames */
	u64 frames_in_runs;   /* free frames lying in those runs */
	double frac_in_runs;  /* frames_in_runs / free_frames (0 when none free) */
	u64 whole_blocks;     /* free blocks of max_order */
	u64 max_blocks;       /* aligned max_order blocks in [0, nframes) */
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

/*
 * "Contiguous", the one definition used by the VMM model (vm.c, [host]
 * contig_align) and the placement simulator (place.c, [cluster]
 * contig_align): a VM's memory is one run of consecutive frames whose
 * first frame is a multiple of the alignment, so that hPA = gPA + gBA.
 *
 * Contiguous extents: nframes consecutive frames, any count (not only a
 * power of two, possibly far more than 2^max_order). The extent is carved
 * into aligned blocks (the largest that fit, at most 2^max_order), so the
 * allocator's state stays a valid buddy state and freeing merges back.
 *
 * buddy_find_contig returns the first frame buddy_alloc_contig would pick
 * without allocating (BUDDY_NONE when no free run can hold the extent):
 * the first frame is a multiple of 2^align_order and [first, first +
 * nframes) is wholly free; `fit` chooses the run. nframes == 0 gives
 * BUDDY_NONE. Cost: O(depth) per free run of at least nframes frames that
 * is examined, plus the index updates of the calls made since the last
 * query (see buddy.c, "Free-run index").
 */
u64 buddy_find_contig(struct buddy *b, u64 nframes, u32 align_order, enum buddy_fit fit);
u64 buddy_alloc_contig(struct buddy *b, u64 nframes, u32 align_order, enum buddy_fit fit);
/* Allocates exactly [frame, frame + nframes) if it is wholly free; false
 * (nothing changed) otherwise or when nframes == 0 or out of range. */
bool buddy_alloc_contig_at(struct buddy *b, u64 frame, u64 nframes);
/* Frees [frame, frame + nframes): any range of allocated frames, however
 * it was allocated (an extent, part of one, adjacent blocks). Freeing a
 * frame that is free is a bug (SIM_BUG_ON). */
void buddy_free_contig(struct buddy *b, u64 frame, u64 nframes);

/*
 * The seed paper's modified Xen heap allocator (shared/seeds 003 sec. 9,
 * Algorithm 4): nframes as the domain builder's extents (order `order`,
 * clamped to max_order, while that many frames remain, then smaller), the
 * first one where buddy_alloc puts it, every later one only at next_mfn,
 * the frame after the previous extent. Returns the first frame, or
 * BUDDY_NONE with nothing allocated when an extent at next_mfn is not
 * free or the first frame is not a multiple of 2^align_order (the caller
 * then backs the VM scattered, as the paper's Xen falls back to its
 * default allocation).
 */
u64 buddy_alloc_xen(struct buddy *b, u64 nframes, u32 order, u32 align_order);

/*
 * Scattered allocation, as Xen's populate_physmap hands a domain extents
 * of 2^extent_order pages and its toolstack falls back from 1G to 2M to 4K
 * extents: nframes are taken as blocks of order `order` (clamped to
 * max_order) while such a block is free, then of smaller orders; the last
 * frames (nframes not a multiple of 2^order) as the binary decomposition
 * of the remainder. Each block comes from buddy_alloc (its choice of
 * frames). On success *ext is a malloc'd array of *next extents in
 * allocation order (the caller frees the frames, e.g. with
 * buddy_free_extents, and the array). 0, or -ENOMEM when fewer than
 * nframes frames are free (nothing allocated, *ext = NULL).
 */
int buddy_alloc_scattered(struct buddy *b, u64 nframes, u32 order,
			  struct buddy_extent **ext, u64 *next);
void buddy_free_extents(struct buddy *b, const struct buddy_extent *ext, u64 n);

/*
 * Pre-existing fragmentation (model in buddy.c, "Fragmentation"): pins one
 * 4K frame at a random offset in round(f * W) of the W max-order blocks
 * that are wholly free when called, chosen at random (seeded, so the same
 * seed and state give the same pins; for one seed the pinned blocks of a
 * smaller f are a subset of those of a larger f). f is clamped to [0, 1].
 * The pins are order-0 allocations; when pins is not NULL it receives
 * their frame numbers, ascending (room for nframes >> max_order entries).
 * Returns the number of pins.
 */
u64 buddy_fragment(struct buddy *b, double f, u64 seed, u64 *pins);

/* Longest run of consecutive free frames (0 when none). */
u64 buddy_largest_run(struct buddy *b);
/* Longest run of free frames that starts at a multiple of 2^align_order
 * (the largest extent buddy_find_contig can place with that alignment).
 * Cost: O(depth) per free run (0: buddy_largest_run, O(1)). */
u64 buddy_largest_aligned_run(struct buddy *b, u32 align_order);
/* Fragmentation figures; free runs shorter than min_run (0 counts as 1)
 * are left out of runs / frames_in_runs. Cost: O(depth) per free run of at
 * least min_run frames. */
void buddy_frag(struct buddy *b, u64 min_run, struct buddy_frag *out);

/* Audit: checks that free blocks are aligned, inside the range, disjoint,
 * that no two free buddies are left unmerged, and that the counters agree
 * with the bitmaps, and (once built) that the free-run index agrees with
 * them. Returns NULL or a static string naming the first broken
 * invariant. Costs O(nframes): for tests. */
const char *buddy_audit(const struct buddy *b);

#endif

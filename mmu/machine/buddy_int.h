/*
 * buddy_int.h - what buddy.c (the allocator proper) and buddy_runs.c (runs
 * of free frames, the free-run index) share; not for other users.
 */
#ifndef MMUSIM_BUDDY_INT_H
#define MMUSIM_BUDDY_INT_H

#include "buddy.h"

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

/* ---- Free-run index (buddy_runs.c) ---- */

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


/* A walk over the free runs of at least min_len frames (walk_runs calls
 * emit for each, in ascending order, until stop is set). */
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
void walk_runs(struct buddy *b, struct run_walk *w);
/* The index, built on first use and refreshed. */
struct buddy_ix *ix_ready(struct buddy *b);
void ix_destroy(struct buddy *b);
void ix_note(struct buddy *b, u64 frame, u32 order, bool freed);
u64 ix_count(const struct buddy_ix *ix, u64 frame, u32 k);
const char *ix_audit_node(const struct buddy *b, u64 idx, u32 k, bool under_stale, u64 *cnt, struct ix_sum *sum);
u32 containing_free(const struct buddy *b, u64 frame, u32 order);
_Noreturn void buddy_nomem(void);

#endif

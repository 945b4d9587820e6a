/* test_buddy.c - the binary buddy frame allocator (mmu/machine/buddy.c). */
#include "test.h"
#include "../../mmu/machine/buddy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Free blocks per order and the bitmaps agree with a fresh allocator's. */
static bool same_free_state(const struct buddy *a, const struct buddy *b)
{
	u32 k;

	if (a->nframes != b->nframes || a->max_order != b->max_order ||
	    a->free_frames != b->free_frames)
		return false;
	for (k = 0; k <= a->max_order; k++) {
		u64 n = a->nframes >> k;
		if (a->nfree[k] != b->nfree[k])
			return false;
		if (n && memcmp(a->bits[k], b->bits[k], (n + 63) / 64 * sizeof(u64)))
			return false;
	}
	return true;
}

static bool equals_fresh(const struct buddy *b)
{
	struct buddy f;
	bool same;

	if (buddy_init(&f, b->nframes, b->max_order))
		return false;
	same = same_free_state(b, &f);
	buddy_destroy(&f);
	return same;
}

#define AUDIT_OK(b) do { const char *why_ = buddy_audit(b); \
	if (why_) test_fail(__FILE__, __LINE__, "buddy_audit: %s", why_); } while (0)

TEST(buddy_split_merge_by_hand)
{
	struct buddy b;

	REQUIRE(buddy_init(&b, 16, 3) == 0);
	AUDIT_OK(&b);
	CHECK_EQ(b.nfree[3], 2);
	CHECK_EQ(b.free_frames, 16);
	CHECK_EQ(buddy_largest_free(&b), 3);

	/* 0-7 splits into 0 (taken), 1, 2-3, 4-7. */
	CHECK_EQ(buddy_alloc(&b, 0), 0);
	CHECK_EQ(b.splits, 3);
	CHECK_EQ(b.nfree[0], 1);
	CHECK_EQ(b.nfree[1], 1);
	CHECK_EQ(b.nfree[2], 1);
	CHECK_EQ(b.nfree[3], 1);
	CHECK_EQ(buddy_alloc(&b, 0), 1);
	CHECK_EQ(buddy_alloc(&b, 1), 2);
	CHECK_EQ(buddy_alloc(&b, 2), 4);
	CHECK_EQ(b.splits, 3);
	/* 8-15 splits into 8 (taken), 9, 10-11, 12-15. */
	CHECK_EQ(buddy_alloc(&b, 0), 8);
	CHECK_EQ(b.splits, 6);
	CHECK_EQ(buddy_alloc(&b, 3), BUDDY_NONE);
	CHECK_EQ(buddy_alloc(&b, 0), 9);
	CHECK_EQ(buddy_alloc(&b, 2), 12);
	CHECK_EQ(buddy_alloc(&b, 1), 10);
	CHECK_EQ(b.free_frames, 0);
	CHECK_EQ(buddy_largest_free(&b), -1);
	CHECK_EQ(buddy_alloc(&b, 0), BUDDY_NONE);
	CHECK(!buddy_is_free(&b, 5));
	AUDIT_OK(&b);

	/* Free out of order: each merge happens only when the buddy is free. */
	buddy_free(&b, 1, 0);            /* buddy 0 allocated */
	CHECK_EQ(b.merges, 0);
	CHECK(buddy_is_free(&b, 1));
	CHECK(!buddy_is_free(&b, 0));
	buddy_free(&b, 4, 2);            /* buddy 0-3 partly allocated */
	CHECK_EQ(b.merges, 0);
	buddy_free(&b, 2, 1);            /* buddy 0-1: 0 allocated */
	CHECK_EQ(b.merges, 0);
	buddy_free(&b, 0, 0);            /* 0+1 -> 0-1, +2-3 -> 0-3, +4-7 -> 0-7 */
	CHECK_EQ(b.merges, 3);
	CHECK_EQ(b.nfree[3], 1);
	CHECK_EQ(b.nfree[0] + b.nfree[1] + b.nfree[2], 0);
	AUDIT_OK(&b);
	buddy_free(&b, 12, 2);
	buddy_free(&b, 9, 0);
	buddy_free(&b, 10, 1);
	CHECK_EQ(b.merges, 3);
	buddy_free(&b, 8, 0);
	CHECK_EQ(b.merges, 6);
	CHECK_EQ(b.splits, b.merges);
	CHECK_EQ(b.allocs, 8);
	CHECK_EQ(b.frees, 8);
	/* Order-3 blocks are the largest: the two stay apart. */
	CHECK_EQ(b.nfree[3], 2);
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));

	/* Free lists are LIFO: 8-15 was freed last, so it is split first. */
	CHECK_EQ(buddy_alloc(&b, 0), 8);
	CHECK_EQ(buddy_alloc(&b, 0), 9);
	CHECK_EQ(buddy_alloc(&b, 1), 10);
	CHECK_EQ(buddy_alloc(&b, 3), 0);
	buddy_destroy(&b);
}

TEST(buddy_init_not_power_of_two)
{
	struct buddy b;
	u64 i;

	/* 13 frames, max order 3: 0-7, 8-11, 12. */
	REQUIRE(buddy_init(&b, 13, 3) == 0);
	AUDIT_OK(&b);
	CHECK_EQ(b.nfree[3], 1);
	CHECK_EQ(b.nfree[2], 1);
	CHECK_EQ(b.nfree[1], 0);
	CHECK_EQ(b.nfree[0], 1);
	CHECK_EQ(b.free_frames, 13);
	for (i = 0; i < 13; i++)
		CHECK(buddy_is_free(&b, i));
	CHECK(!buddy_is_free(&b, 13));
	CHECK(!buddy_is_free(&b, 100));
	CHECK_EQ(buddy_alloc(&b, 3), 0);
	CHECK_EQ(buddy_alloc(&b, 3), BUDDY_NONE);
	CHECK_EQ(buddy_alloc(&b, 2), 8);
	CHECK_EQ(buddy_alloc(&b, 1), BUDDY_NONE);
	CHECK_EQ(buddy_alloc(&b, 0), 12);
	CHECK_EQ(buddy_alloc(&b, 0), BUDDY_NONE);
	CHECK(!buddy_alloc_at(&b, 12, 2));   /* 12-15 is not inside the range */
	/* 12's buddy (13) and 8-11's buddy (12-15) lie outside: no merges. */
	buddy_free(&b, 12, 0);
	buddy_free(&b, 8, 2);
	buddy_free(&b, 0, 3);
	CHECK_EQ(b.merges, 0);
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	buddy_destroy(&b);

	/* Order 0 only: 13 single frames, ascending. */
	REQUIRE(buddy_init(&b, 13, 0) == 0);
	CHECK_EQ(b.nfree[0], 13);
	for (i = 0; i < 13; i++)
		CHECK_EQ(buddy_alloc(&b, 0), i);
	CHECK_EQ(buddy_alloc(&b, 0), BUDDY_NONE);
	CHECK_EQ(buddy_alloc(&b, 1), BUDDY_NONE);   /* above max_order */
	for (i = 0; i < 13; i++)
		buddy_free(&b, i, 0);
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	buddy_destroy(&b);

	/* 22 frames, max order 2: 0-3 .. 16-19, then 20-21. */
	REQUIRE(buddy_init(&b, 22, 2) == 0);
	CHECK_EQ(b.nfree[2], 5);
	CHECK_EQ(b.nfree[1], 1);
	CHECK_EQ(b.nfree[0], 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(buddy_alloc(&b, 2), 4 * i);
	CHECK_EQ(buddy_alloc(&b, 0), 20);   /* splits 20-21 */
	CHECK_EQ(buddy_alloc(&b, 0), 21);
	buddy_destroy(&b);

	/* max_order above log2(nframes), no frames, bad arguments. */
	REQUIRE(buddy_init(&b, 5, 10) == 0);
	CHECK_EQ(b.nfree[2], 1);
	CHECK_EQ(b.nfree[0], 1);
	CHECK_EQ(buddy_largest_free(&b), 2);
	CHECK_EQ(buddy_alloc(&b, 3), BUDDY_NONE);
	AUDIT_OK(&b);
	buddy_destroy(&b);
	REQUIRE(buddy_init(&b, 0, 4) == 0);
	CHECK_EQ(buddy_alloc(&b, 0), BUDDY_NONE);
	CHECK_EQ(buddy_largest_free(&b), -1);
	CHECK(!buddy_is_free(&b, 0));
	AUDIT_OK(&b);
	buddy_destroy(&b);
	CHECK(buddy_init(&b, 16, BUDDY_ORDER_MAX + 1) < 0);
	CHECK(buddy_init(&b, 1ull << 50, 18) < 0);
}

TEST(buddy_exhaustion_and_fragmentation)
{
	struct buddy b;
	u64 i;

	REQUIRE(buddy_init(&b, 16, 3) == 0);
	for (i = 0; i < 16; i++)
		CHECK_EQ(buddy_alloc(&b, 0), i);
	CHECK_EQ(buddy_alloc(&b, 0), BUDDY_NONE);
	for (i = 0; i < 16; i += 2)
		buddy_free(&b, i, 0);
	/* Half the memory is free, but only as single frames. */
	CHECK_EQ(b.free_frames, 8);
	CHECK_EQ(b.nfree[0], 8);
	CHECK_EQ(buddy_largest_free(&b), 0);
	CHECK_EQ(buddy_alloc(&b, 1), BUDDY_NONE);
	CHECK_EQ(buddy_alloc(&b, 3), BUDDY_NONE);
	CHECK(!buddy_alloc_at(&b, 0, 1));
	AUDIT_OK(&b);
	/* Frees were pushed in ascending order: the last freed comes first. */
	CHECK_EQ(buddy_alloc(&b, 0), 14);
	buddy_free(&b, 14, 0);
	/* Freeing the odd frames merges everything back. */
	for (i = 1; i < 16; i += 2)
		buddy_free(&b, i, 0);
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	CHECK_EQ(buddy_alloc(&b, 3), 8);      /* merged last, so on top */
	CHECK_EQ(buddy_alloc(&b, 3), 0);
	buddy_destroy(&b);
}

TEST(buddy_alloc_at)
{
	struct buddy b;

	REQUIRE(buddy_init(&b, 16, 3) == 0);
	/* Carving 5 out of 0-7 leaves 0-3, 4, 6-7 free. */
	CHECK(buddy_alloc_at(&b, 5, 0));
	CHECK_EQ(b.splits, 3);
	CHECK_EQ(b.nfree[2], 1);
	CHECK_EQ(b.nfree[1], 1);
	CHECK_EQ(b.nfree[0], 1);
	CHECK_EQ(b.free_frames, 15);
	CHECK(!buddy_is_free(&b, 5));
	CHECK(buddy_is_free(&b, 4));
	CHECK(buddy_is_free(&b, 6));
	CHECK(buddy_is_free(&b, 0));
	AUDIT_OK(&b);
	CHECK(!buddy_alloc_at(&b, 5, 0));     /* already taken */
	CHECK(!buddy_alloc_at(&b, 4, 1));     /* half taken */
	CHECK(!buddy_alloc_at(&b, 0, 3));     /* contains 5 */
	CHECK(!buddy_alloc_at(&b, 3, 1));     /* misaligned */
	CHECK(!buddy_alloc_at(&b, 16, 0));    /* out of range */
	CHECK(!buddy_alloc_at(&b, 8, 4));     /* above max_order */
	CHECK(buddy_alloc_at(&b, 6, 1));
	CHECK(buddy_alloc_at(&b, 8, 3));
	CHECK(buddy_alloc_at(&b, 2, 1));      /* splits 0-3 */
	CHECK_EQ(b.free_frames, 16 - 1 - 2 - 8 - 2);
	AUDIT_OK(&b);
	/* Left free: 0-1 and 4. */
	CHECK_EQ(buddy_alloc(&b, 0), 4);
	CHECK_EQ(buddy_alloc(&b, 0), 0);
	CHECK_EQ(buddy_alloc(&b, 0), 1);
	CHECK_EQ(buddy_alloc(&b, 0), BUDDY_NONE);
	buddy_free(&b, 0, 0);
	buddy_free(&b, 8, 3);
	buddy_free(&b, 4, 0);
	buddy_free(&b, 2, 1);
	buddy_free(&b, 6, 1);
	buddy_free(&b, 1, 0);
	buddy_free(&b, 5, 0);
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	buddy_destroy(&b);
}

/* Runs fn in a child with stderr closed; true if the child aborted. */
static bool aborts(void (*fn)(struct buddy *), struct buddy *b)
{
	int st, fd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 2);
		fn(b);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void free_free_frame(struct buddy *b) { buddy_free(b, 3, 0); }
static void free_overlapping(struct buddy *b) { buddy_free(b, 0, 2); }
static void free_containing(struct buddy *b) { buddy_free(b, 0, 3); }
static void free_twice(struct buddy *b) { buddy_free(b, 0, 0); buddy_free(b, 0, 0); }
static void free_misaligned(struct buddy *b) { buddy_free(b, 1, 1); }
static void free_out_of_range(struct buddy *b) { buddy_free(b, 16, 0); }
static void free_above_max(struct buddy *b) { buddy_free(b, 0, 4); }
static void free_allocated(struct buddy *b) { buddy_free(b, 0, 0); }

TEST(buddy_bad_free_is_a_bug)
{
	struct buddy b;

	REQUIRE(buddy_init(&b, 16, 3) == 0);
	REQUIRE(buddy_alloc(&b, 0) == 0);      /* 1, 2-3, 4-7, 8-15 free */
	CHECK(aborts(free_free_frame, &b));
	CHECK(aborts(free_overlapping, &b));
	CHECK(aborts(free_containing, &b));
	CHECK(aborts(free_twice, &b));
	CHECK(aborts(free_misaligned, &b));
	CHECK(aborts(free_out_of_range, &b));
	CHECK(aborts(free_above_max, &b));
	CHECK(!aborts(free_allocated, &b));
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

/* Is some aligned 2^order block of [0, nframes) wholly unowned? */
static bool test_has_free_block(const u8 *owned, u64 nframes, u32 order)
{
	u64 size = 1ull << order, f, i;

	for (f = 0; f + size <= nframes; f += size) {
		for (i = 0; i < size && !owned[f + i]; i++)
			;
		if (i == size)
			return true;
	}
	return false;
}

struct blk { u64 frame; u32 order; u64 n; };   /* n != 0: an extent of n frames */

/* Is there a wholly unowned run of n frames starting on a multiple of
 * 2^align_order? */
static bool test_has_free_run(const u8 *owned, u64 nframes, u64 n, u32 align_order)
{
	u64 run = 0, f;

	for (f = 0; f < nframes; f++) {
		run = owned[f] ? 0 : run + 1;
		if (run >= n && ((f + 1 - n) & ((1ull << align_order) - 1)) == 0)
			return true;
	}
	return false;
}

/* Random allocations, carve-outs and frees, checked against the test's
 * own record of which frames it owns. Returns a digest of the frames
 * handed out (for the determinism check). */
static u64 random_workload(u64 nframes, u32 max_order, u64 seed, u64 ops)
{
	struct buddy b;
	struct blk *held;
	u8 *owned;
	u64 s = rng_seed(seed), nheld = 0, owned_frames = 0, digest = 0, i, f;
	u64 fails = 0;

	if (buddy_init(&b, nframes, max_order)) {
		CHECK(!"buddy_init");
		return 0;
	}
	held = malloc(nframes * sizeof *held);
	owned = calloc(nframes, 1);
	if (!held || !owned) {
		CHECK(!"out of memory");
		free(held);
		free(owned);
		buddy_destroy(&b);
		return 0;
	}
	for (i = 0; i < ops && !test_failed_now; i++) {
		u64 r = rng_next(&s);
		/* Alternate filling and draining phases, so that the allocator
		 * is driven both to exhaustion and back to nearly empty. */
		double p_free = (i / 4096) & 1 ? 0.85 : 0.15;
		/* Mostly small orders, sometimes large ones. */
		u32 order = (u32)(r >> 60) < 12 ? (u32)((r >> 56) & 3) : (u32)((r >> 40) % (max_order + 1));
		u64 frame;
		bool ok;

		if (order > max_order)
			order = max_order;
		if (nheld && rng_unit(&s) < p_free) {
			u64 k = rng_next(&s) % nheld;
			struct blk x = held[k];
			u64 len = x.n ? x.n : 1ull << x.order;
			held[k] = held[--nheld];
			for (f = 0; f < len; f++) {
				CHECK(owned[x.frame + f]);
				owned[x.frame + f] = 0;
			}
			owned_frames -= len;
			if (x.n)
				buddy_free_contig(&b, x.frame, x.n);
			else
				buddy_free(&b, x.frame, x.order);
		} else if ((r & 15) == 1) {
			/* A contiguous extent of up to three max-order blocks,
			 * anywhere, on a boundary, or at a given frame. */
			u64 n = 1 + rng_next(&s) % (3ull << max_order);
			u32 al = (u32)(rng_next(&s) % (max_order + 2));
			if ((r >> 4) & 1) {
				frame = rng_next(&s) % nframes;
				ok = buddy_alloc_contig_at(&b, frame, n);
				if (!ok) {
					bool all_free = frame + n <= nframes;
					for (f = 0; all_free && f < n; f++)
						all_free = !owned[frame + f];
					CHECK(!all_free);
				}
			} else {
				frame = buddy_alloc_contig(&b, n, al, (r >> 5) & 1 ? BUDDY_FIT_BEST : BUDDY_FIT_FIRST);
				ok = frame != BUDDY_NONE;
				if (ok)
					CHECK_EQ(frame & ((1ull << al) - 1), 0);
				else if ((fails++ % 16) == 0)
					CHECK(!test_has_free_run(owned, nframes, n, al));
			}
			if (ok) {
				if (frame + n > nframes) {
					CHECK(!"extent beyond the end of the range");
					break;
				}
				for (f = 0; f < n; f++) {
					CHECK(!owned[frame + f]);
					owned[frame + f] = 1;
				}
				owned_frames += n;
				held[nheld++] = (struct blk){ frame, 0, n };
				digest = (digest ^ frame ^ (n << 40)) * 0x100000001B3ull;
			}
		} else {
			if ((r & 7) == 0) {
				frame = (rng_next(&s) % nframes) & ~((1ull << order) - 1);
				ok = buddy_alloc_at(&b, frame, order);
				if (!ok) {
					/* Must fail only when the block is not wholly unowned. */
					bool all_free = frame + (1ull << order) <= nframes;
					for (f = 0; all_free && f < (1ull << order); f++)
						all_free = !owned[frame + f];
					CHECK(!all_free);
				}
			} else {
				frame = buddy_alloc(&b, order);
				ok = frame != BUDDY_NONE;
				if (!ok && (fails++ % 64) == 0)
					CHECK(!test_has_free_block(owned, nframes, order));
			}
			if (ok) {
				CHECK_EQ(frame & ((1ull << order) - 1), 0);
				if (frame + (1ull << order) > nframes) {
					CHECK(!"block beyond the end of the range");
					break;
				}
				for (f = 0; f < (1ull << order); f++) {
					CHECK(!owned[frame + f]);      /* never handed out twice */
					owned[frame + f] = 1;
				}
				owned_frames += 1ull << order;
				held[nheld++] = (struct blk){ frame, order, 0 };
				digest = (digest ^ frame ^ ((u64)order << 56)) * 0x100000001B3ull;
			}
		}
		CHECK_EQ(b.free_frames, nframes - owned_frames);
		f = rng_next(&s) % nframes;
		CHECK_EQ(buddy_is_free(&b, f), !owned[f]);
		if (i % 20000 == 0)
			AUDIT_OK(&b);
	}
	AUDIT_OK(&b);
	/* The workload reaches both success and exhaustion. */
	CHECK(b.allocs > ops / 4);
	CHECK(fails > 0);
	/* Free everything in random order: back to the initial state. */
	while (nheld) {
		u64 k = rng_next(&s) % nheld;
		struct blk x = held[k];
		held[k] = held[--nheld];
		if (x.n)
			buddy_free_contig(&b, x.frame, x.n);
		else
			buddy_free(&b, x.frame, x.order);
	}
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	CHECK_EQ(b.allocs, b.frees);
	free(held);
	free(owned);
	buddy_destroy(&b);
	return digest;
}

TEST(buddy_random_against_record)
{
	u64 d1 = random_workload(4096 + 37, 10, 1, 200000);
	u64 d2 = random_workload(1024, 0, 2, 20000);
	u64 d3 = random_workload(300, 12, 3, 20000);
	CHECK(d1 && d2 && d3);
	/* Deterministic: the same calls give the same frames. */
	CHECK_EQ(random_workload(4096 + 37, 10, 1, 20000), random_workload(4096 + 37, 10, 1, 20000));
}

TEST(buddy_stale_entries_stay_bounded)
{
	struct buddy b;
	u64 s = rng_seed(7), i;
	u32 k;

	/* Each carve-and-free pushes one entry per order and then merges it
	 * away: all stale. Compaction must keep the stacks small. */
	REQUIRE(buddy_init(&b, 1 << 12, 12) == 0);
	for (i = 0; i < 100000; i++) {
		u64 f = rng_next(&s) & ((1 << 12) - 1);
		REQUIRE(buddy_alloc_at(&b, f, 0));
		buddy_free(&b, f, 0);
	}
	AUDIT_OK(&b);
	for (k = 0; k <= 12; k++)
		CHECK(b.st[k].cap <= 256);
	CHECK(equals_fresh(&b));
	CHECK_EQ(buddy_alloc(&b, 0), 0);
	buddy_destroy(&b);
}

TEST(buddy_large_init)
{
	struct buddy b;
	struct timespec t0, t1;
	double ms;
	u64 f1, f2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	REQUIRE(buddy_init(&b, 1ull << 28, 18) == 0);     /* 1 TiB of 4K frames */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(ms < 500);
	CHECK_EQ(b.nfree[18], 1024);
	CHECK_EQ(b.free_frames, 1ull << 28);
	CHECK_EQ(buddy_alloc(&b, 0), 0);
	CHECK_EQ(buddy_alloc(&b, 9), 512);
	CHECK_EQ(buddy_alloc(&b, 18), 1ull << 18);
	CHECK(buddy_alloc_at(&b, (1ull << 28) - 1, 0));
	f1 = buddy_alloc(&b, 18);
	f2 = buddy_alloc(&b, 18);
	CHECK_EQ(f1, 2ull << 18);
	CHECK_EQ(f2, 3ull << 18);
	buddy_free(&b, f1, 18);
	buddy_free(&b, f2, 18);
	buddy_free(&b, (1ull << 28) - 1, 0);
	buddy_free(&b, 1ull << 18, 18);
	buddy_free(&b, 512, 9);
	buddy_free(&b, 0, 0);
	CHECK_EQ(b.nfree[18], 1024);
	CHECK_EQ(b.free_frames, 1ull << 28);
	buddy_destroy(&b);

	/* One block of 2^28 when max_order allows it; odd size. */
	REQUIRE(buddy_init(&b, 1ull << 28, BUDDY_ORDER_MAX) == 0);
	CHECK_EQ(b.nfree[28], 1);
	CHECK_EQ(buddy_largest_free(&b), 28);
	buddy_destroy(&b);
	REQUIRE(buddy_init(&b, (1ull << 28) - 1, 18) == 0);
	CHECK_EQ(b.nfree[18], 1023);
	for (u32 k = 0; k < 18; k++)
		CHECK_EQ(b.nfree[k], 1);
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

/* ---- Contiguous extents, scattered allocation, fragmentation ---- */

/* Brute force over buddy_is_free: the maximal free runs of [0, nframes). */
struct scan {
	u64 largest, runs, frames;   /* runs and frames: of at least min_run */
};

static struct scan scan_runs(const struct buddy *b, u64 min_run)
{
	struct scan s = { 0, 0, 0 };
	u64 f = 0, start;

	while (f < b->nframes) {
		if (!buddy_is_free(b, f)) {
			f++;
			continue;
		}
		for (start = f; f < b->nframes && buddy_is_free(b, f); f++)
			;
		s.largest = MAX(s.largest, f - start);
		if (f - start >= min_run) {
			s.runs++;
			s.frames += f - start;
		}
	}
	return s;
}

/* Brute force: where buddy_find_contig should put n frames. */
static u64 scan_fit(const struct buddy *b, u64 n, u32 align_order, enum buddy_fit fit)
{
	u64 a = 1ull << align_order, f = 0, start, best = BUDDY_NONE, best_len = UINT64_MAX;

	while (f < b->nframes) {
		if (!buddy_is_free(b, f)) {
			f++;
			continue;
		}
		for (start = f; f < b->nframes && buddy_is_free(b, f); f++)
			;
		u64 s = (start + a - 1) / a * a;
		if (s < f && f - s >= n) {
			if (fit == BUDDY_FIT_FIRST)
				return s;
			if (f - start < best_len) {
				best = s;
				best_len = f - start;
			}
		}
	}
	return best;
}

TEST(buddy_contig_by_hand)
{
	struct buddy b;
	struct buddy_frag fr;

	REQUIRE(buddy_init(&b, 64, 3) == 0);    /* eight blocks of 8 */
	/* 20 frames: 0-7 and 8-15 whole, 16-19 carved from 16-23. */
	CHECK_EQ(buddy_alloc_contig(&b, 20, 0, BUDDY_FIT_FIRST), 0);
	CHECK(!buddy_is_free(&b, 19));
	CHECK(buddy_is_free(&b, 20));
	CHECK_EQ(b.nfree[3], 5);
	CHECK_EQ(b.nfree[2], 1);
	CHECK_EQ(b.free_frames, 44);
	AUDIT_OK(&b);
	/* 5 frames: 20-23, then 24 out of 24-31 (25, 26-27, 28-31 stay free). */
	CHECK_EQ(buddy_alloc_contig(&b, 5, 0, BUDDY_FIT_FIRST), 20);
	CHECK_EQ(b.nfree[3], 4);
	CHECK_EQ(b.nfree[0], 1);
	CHECK_EQ(b.nfree[1], 1);
	CHECK_EQ(b.nfree[2], 1);
	/* 3 frames on a multiple of 8: 25 is free but 32 is the first. */
	CHECK_EQ(buddy_find_contig(&b, 3, 3, BUDDY_FIT_FIRST), 32);
	CHECK_EQ(buddy_alloc_contig(&b, 3, 3, BUDDY_FIT_FIRST), 32);
	CHECK(buddy_is_free(&b, 35));
	CHECK(!buddy_is_free(&b, 34));
	AUDIT_OK(&b);
	/* Free runs now: 25-31 (7), 35-63 (29). */
	CHECK_EQ(buddy_largest_run(&b), 29);
	buddy_free_contig(&b, 0, 20);
	AUDIT_OK(&b);
	/* Free runs: 0-19 (20), 25-31 (7), 35-63 (29). */
	CHECK_EQ(buddy_find_contig(&b, 6, 0, BUDDY_FIT_FIRST), 0);
	CHECK_EQ(buddy_find_contig(&b, 6, 0, BUDDY_FIT_BEST), 25);
	CHECK_EQ(buddy_find_contig(&b, 7, 0, BUDDY_FIT_BEST), 25);
	CHECK_EQ(buddy_find_contig(&b, 8, 0, BUDDY_FIT_BEST), 0);
	CHECK_EQ(buddy_find_contig(&b, 21, 0, BUDDY_FIT_FIRST), 35);
	CHECK_EQ(buddy_find_contig(&b, 21, 0, BUDDY_FIT_BEST), 35);
	CHECK_EQ(buddy_find_contig(&b, 20, 4, BUDDY_FIT_FIRST), 0);
	CHECK_EQ(buddy_find_contig(&b, 21, 2, BUDDY_FIT_FIRST), 36);
	CHECK_EQ(buddy_find_contig(&b, 28, 1, BUDDY_FIT_FIRST), 36);
	CHECK_EQ(buddy_find_contig(&b, 29, 1, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_find_contig(&b, 29, 0, BUDDY_FIT_FIRST), 35);
	CHECK_EQ(buddy_find_contig(&b, 30, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_find_contig(&b, 7, 5, BUDDY_FIT_FIRST), 0);
	CHECK_EQ(buddy_find_contig(&b, 7, 6, BUDDY_FIT_FIRST), 0);
	CHECK_EQ(buddy_find_contig(&b, 21, 5, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_find_contig(&b, 0, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_find_contig(&b, 65, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	buddy_frag(&b, 8, &fr);
	CHECK_EQ(fr.free_frames, 56);
	CHECK_EQ(fr.largest_run, 29);
	CHECK_EQ(fr.runs, 2);
	CHECK_EQ(fr.frames_in_runs, 49);
	CHECK_NEAR(fr.frac_in_runs, 49.0 / 56.0, 1e-12);
	CHECK_EQ(fr.max_blocks, 8);
	CHECK_EQ(fr.whole_blocks, 5);          /* 0-7, 8-15, 40-47, 48-55, 56-63 */
	buddy_frag(&b, 0, &fr);
	CHECK_EQ(fr.min_run, 1);
	CHECK_EQ(fr.runs, 3);
	CHECK_EQ(fr.frames_in_runs, 56);
	buddy_frag(&b, 30, &fr);
	CHECK_EQ(fr.runs, 0);
	CHECK_EQ(fr.frac_in_runs, 0);
	/* The best fit takes the 7-frame gap whole. */
	CHECK_EQ(buddy_alloc_contig(&b, 7, 0, BUDDY_FIT_BEST), 25);
	CHECK_EQ(buddy_largest_run(&b), 29);
	buddy_free_contig(&b, 25, 7);
	buddy_free_contig(&b, 32, 3);
	buddy_free_contig(&b, 20, 5);
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	CHECK_EQ(buddy_largest_run(&b), 64);
	/* Everything as one extent, twice. */
	CHECK_EQ(buddy_alloc_contig(&b, 64, 6, BUDDY_FIT_FIRST), 0);
	CHECK_EQ(b.free_frames, 0);
	CHECK_EQ(buddy_largest_run(&b), 0);
	CHECK_EQ(buddy_alloc_contig(&b, 1, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	buddy_free_contig(&b, 0, 64);
	CHECK(equals_fresh(&b));
	CHECK_EQ(buddy_alloc_contig(&b, 64, 0, BUDDY_FIT_BEST), 0);
	buddy_free_contig(&b, 0, 64);
	AUDIT_OK(&b);
	buddy_destroy(&b);

	/* Not a power of two: 13 frames are 0-7, 8-11, 12. */
	REQUIRE(buddy_init(&b, 13, 3) == 0);
	CHECK_EQ(buddy_largest_run(&b), 13);
	CHECK_EQ(buddy_alloc_contig(&b, 14, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_alloc_contig(&b, 3, 0, BUDDY_FIT_FIRST), 0);   /* 0-1, 2 */
	CHECK_EQ(buddy_alloc_contig(&b, 10, 0, BUDDY_FIT_FIRST), 3);
	CHECK_EQ(b.free_frames, 0);
	AUDIT_OK(&b);
	buddy_free_contig(&b, 0, 13);        /* across both extents */
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	buddy_destroy(&b);

	/* Order 0 only. */
	REQUIRE(buddy_init(&b, 100, 0) == 0);
	CHECK(buddy_alloc_at(&b, 50, 0));
	CHECK_EQ(buddy_alloc_contig(&b, 50, 0, BUDDY_FIT_FIRST), 0);
	CHECK_EQ(buddy_alloc_contig(&b, 50, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_alloc_contig(&b, 49, 0, BUDDY_FIT_FIRST), 51);
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

TEST(buddy_contig_at)
{
	struct buddy b;

	REQUIRE(buddy_init(&b, 64, 3) == 0);
	CHECK(buddy_alloc_contig_at(&b, 5, 20));        /* 5, 6-7, 8-15, 16-23, 24 */
	CHECK_EQ(b.free_frames, 44);
	CHECK(!buddy_is_free(&b, 5));
	CHECK(!buddy_is_free(&b, 24));
	CHECK(buddy_is_free(&b, 4));
	CHECK(buddy_is_free(&b, 25));
	AUDIT_OK(&b);
	/* Refused, and nothing changes. */
	CHECK(!buddy_alloc_contig_at(&b, 0, 6));        /* 5 taken */
	CHECK(!buddy_alloc_contig_at(&b, 24, 1));
	CHECK(!buddy_alloc_contig_at(&b, 60, 5));       /* past the end */
	CHECK(!buddy_alloc_contig_at(&b, 64, 1));
	CHECK(!buddy_alloc_contig_at(&b, 30, 0));
	CHECK_EQ(b.free_frames, 44);
	CHECK(buddy_alloc_contig_at(&b, 0, 5));
	CHECK(buddy_alloc_contig_at(&b, 25, 39));
	CHECK_EQ(b.free_frames, 0);
	AUDIT_OK(&b);
	/* Free in pieces that cut across the allocations. */
	buddy_free_contig(&b, 3, 40);
	CHECK_EQ(buddy_largest_run(&b), 40);
	CHECK_EQ(buddy_find_contig(&b, 40, 0, BUDDY_FIT_FIRST), 3);
	buddy_free_contig(&b, 0, 3);
	buddy_free_contig(&b, 43, 21);
	AUDIT_OK(&b);
	CHECK(equals_fresh(&b));
	buddy_destroy(&b);
}

static void free_range_partly_free(struct buddy *b) { buddy_free_contig(b, 0, 1024); }
static void free_big_free_block(struct buddy *b) { buddy_free(b, 1024, 10); }
static void free_range_past_end(struct buddy *b) { buddy_free_contig(b, 2040, 9); }
static void free_range_empty(struct buddy *b) { buddy_free_contig(b, 0, 0); }
static void free_range_allocated(struct buddy *b) { buddy_free_contig(b, 0, 600); }

TEST(buddy_contig_bad_free_is_a_bug)
{
	struct buddy b;

	REQUIRE(buddy_init(&b, 2048, 10) == 0);
	CHECK_EQ(buddy_largest_run(&b), 2048);         /* builds the index */
	REQUIRE(buddy_alloc_contig(&b, 600, 0, BUDDY_FIT_FIRST) == 0);
	/* Blocks of order >= 9 are checked against the index's counts. */
	CHECK(aborts(free_range_partly_free, &b));
	CHECK(aborts(free_big_free_block, &b));
	CHECK(aborts(free_range_past_end, &b));
	CHECK(aborts(free_range_empty, &b));
	CHECK(!aborts(free_range_allocated, &b));
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

TEST(buddy_contig_1tib_by_hand)
{
	struct buddy b;
	const u64 G1 = 1ull << 18, n16 = 16 * G1;

	REQUIRE(buddy_init(&b, 1ull << 28, 18) == 0);
	/* A 16 GiB VM, then one of 16 GiB + 4 KiB, then 1 GiB on a 1 GiB
	 * boundary (leaving a gap of 1 GiB - 4 KiB after the second). */
	CHECK_EQ(buddy_alloc_contig(&b, n16, 0, BUDDY_FIT_FIRST), 0);
	CHECK_EQ(b.nfree[18], 1024 - 16);
	CHECK_EQ(buddy_alloc_contig(&b, n16 + 1, 0, BUDDY_FIT_FIRST), n16);
	CHECK_EQ(buddy_alloc_contig(&b, G1, 18, BUDDY_FIT_FIRST), 2 * n16 + G1);
	CHECK_EQ(buddy_largest_run(&b), (1ull << 28) - 2 * n16 - 2 * G1);
	/* The gap takes a 100-frame extent first fit; the best fit for
	 * 1 GiB - 4 KiB - 100 is what is left of the gap, exactly. */
	CHECK_EQ(buddy_alloc_contig(&b, 100, 0, BUDDY_FIT_FIRST), 2 * n16 + 1);
	CHECK_EQ(buddy_find_contig(&b, G1 - 101, 0, BUDDY_FIT_BEST), 2 * n16 + 101);
	CHECK_EQ(buddy_find_contig(&b, G1 - 100, 0, BUDDY_FIT_BEST), 2 * n16 + 2 * G1);
	CHECK_EQ(buddy_find_contig(&b, 1000, 9, BUDDY_FIT_FIRST), 2 * n16 + 512);
	/* One frame pinned in the middle of the rest. */
	CHECK(buddy_alloc_at(&b, 1ull << 27, 0));
	CHECK_EQ(buddy_find_contig(&b, (1ull << 27) - 2 * n16 - 2 * G1, 0, BUDDY_FIT_FIRST),
		 2 * n16 + 2 * G1);
	CHECK_EQ(buddy_find_contig(&b, (1ull << 27) - 2 * n16 - 2 * G1 + 1, 0, BUDDY_FIT_FIRST),
		 (1ull << 27) + 1);
	CHECK_EQ(buddy_largest_run(&b), (1ull << 27) - 1);
	AUDIT_OK(&b);
	buddy_free(&b, 1ull << 27, 0);
	buddy_free_contig(&b, 2 * n16 + 1, 100);
	buddy_free_contig(&b, 2 * n16 + G1, G1);
	buddy_free_contig(&b, 0, 2 * n16 + 1);     /* both VMs in one call */
	CHECK_EQ(b.nfree[18], 1024);
	CHECK_EQ(buddy_largest_run(&b), 1ull << 28);
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

TEST(buddy_contig_blocked_by_fragmentation)
{
	struct buddy b;
	u64 pins[1024], n, i, gap, largest;
	struct buddy_frag fr;

	/* Small and by hand: frame 3 of every 8-frame block pinned. */
	REQUIRE(buddy_init(&b, 64, 3) == 0);
	for (i = 3; i < 64; i += 8)
		CHECK(buddy_alloc_at(&b, i, 0));
	CHECK_EQ(b.free_frames, 56);
	CHECK_EQ(buddy_largest_run(&b), 7);            /* 4-10, 12-18, ... */
	CHECK_EQ(buddy_alloc_contig(&b, 8, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_alloc_contig(&b, 56, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_find_contig(&b, 7, 0, BUDDY_FIT_FIRST), 4);
	CHECK_EQ(buddy_find_contig(&b, 7, 2, BUDDY_FIT_FIRST), 4);
	CHECK_EQ(buddy_find_contig(&b, 3, 3, BUDDY_FIT_FIRST), 0);    /* 0-2 */
	CHECK_EQ(buddy_find_contig(&b, 4, 3, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_find_contig(&b, 3, 0, BUDDY_FIT_BEST), 0);  /* 0-2 */
	for (i = 3; i < 64; i += 8)
		buddy_free(&b, i, 0);
	CHECK_EQ(buddy_alloc_contig(&b, 56, 0, BUDDY_FIT_FIRST), 0);
	buddy_free_contig(&b, 0, 56);
	CHECK(equals_fresh(&b));
	buddy_destroy(&b);

	/* 1 TiB with a 4K frame pinned in every 1 GiB block: a 2 GiB VM does
	 * not fit anywhere although 1 TiB - 4 MiB is free. */
	REQUIRE(buddy_init(&b, 1ull << 28, 18) == 0);
	n = buddy_fragment(&b, 1.0, 42, pins);
	CHECK_EQ(n, 1024);
	CHECK_EQ(b.nfree[18], 0);
	CHECK_EQ(b.free_frames, (1ull << 28) - 1024);
	/* The longest run lies between two consecutive pins. */
	largest = pins[0];
	for (i = 0; i < n; i++) {
		CHECK_EQ(pins[i] >> 18, i);                /* one per block */
		CHECK(!buddy_is_free(&b, pins[i]));
		gap = (i + 1 < n ? pins[i + 1] : 1ull << 28) - pins[i] - 1;
		largest = MAX(largest, gap);
	}
	CHECK_EQ(buddy_largest_run(&b), largest);
	CHECK(largest < 2ull << 18);
	CHECK_EQ(buddy_alloc_contig(&b, 2ull << 18, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_alloc_contig(&b, largest + 1, 0, BUDDY_FIT_FIRST), BUDDY_NONE);
	CHECK_EQ(buddy_alloc_contig(&b, 1ull << 18, 18, BUDDY_FIT_FIRST), BUDDY_NONE);
	buddy_frag(&b, 1ull << 18, &fr);
	CHECK_EQ(fr.whole_blocks, 0);
	CHECK_EQ(fr.max_blocks, 1024);
	CHECK(fr.frac_in_runs < 1.0);
	/* A VM of the largest run fits exactly there. */
	i = buddy_alloc_contig(&b, largest, 0, BUDDY_FIT_FIRST);
	CHECK(i != BUDDY_NONE);
	if (i != BUDDY_NONE) {
		/* a maximal run: pinned (or the end) on both sides */
		CHECK(i == 0 || !buddy_is_free(&b, i - 1));
		CHECK(!buddy_is_free(&b, i + largest));
		buddy_free_contig(&b, i, largest);
	}
	/* Unpinned, the 2 GiB VM goes at frame 0. */
	for (i = 0; i < n; i++)
		buddy_free(&b, pins[i], 0);
	CHECK_EQ(buddy_alloc_contig(&b, 2ull << 18, 0, BUDDY_FIT_FIRST), 0);
	buddy_free_contig(&b, 0, 2ull << 18);
	CHECK_EQ(b.nfree[18], 1024);
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

TEST(buddy_scattered)
{
	struct buddy b;
	struct buddy_extent *e;
	u64 n, i, sum;

	/* Fresh: order-2 extents ascend; the last 2 frames are one order-1
	 * extent. */
	REQUIRE(buddy_init(&b, 64, 3) == 0);
	REQUIRE(buddy_alloc_scattered(&b, 10, 2, &e, &n) == 0);
	REQUIRE_EQ(n, 3);
	CHECK_EQ(e[0].frame, 0);
	CHECK_EQ(e[0].order, 2);
	CHECK_EQ(e[1].frame, 4);
	CHECK_EQ(e[1].order, 2);
	CHECK_EQ(e[2].frame, 8);
	CHECK_EQ(e[2].order, 1);
	CHECK_EQ(b.free_frames, 54);
	buddy_free_extents(&b, e, n);
	free(e);
	CHECK(equals_fresh(&b));
	/* The order is clamped to max_order. */
	REQUIRE(buddy_alloc_scattered(&b, 16, 9, &e, &n) == 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(e[0].order, 3);
	buddy_free_extents(&b, e, n);
	free(e);
	/* No memory: nothing allocated. */
	CHECK_EQ(buddy_alloc_scattered(&b, 65, 3, &e, &n), -ENOMEM);
	CHECK(e == NULL);
	CHECK_EQ(n, 0);
	CHECK(buddy_alloc_scattered(&b, 0, 3, &e, &n) == 0);
	CHECK_EQ(n, 0);
	free(e);
	/* Frame 3 of every block pinned: no order-3 or order-2 block is left
	 * in the low half, so 1G-like extents fall back to smaller ones. */
	for (i = 3; i < 32; i += 8)
		CHECK(buddy_alloc_at(&b, i, 0));
	REQUIRE(buddy_alloc_scattered(&b, 60, 3, &e, &n) == 0);
	for (i = 0, sum = 0; i < n; i++) {
		sum += 1ull << e[i].order;
		CHECK_EQ(e[i].frame & ((1ull << e[i].order) - 1), 0);
		if (i)
			CHECK(e[i].order <= e[i - 1].order);   /* never back up */
	}
	CHECK_EQ(sum, 60);
	CHECK_EQ(e[0].order, 3);
	CHECK_EQ(e[3].order, 3);
	CHECK_EQ(e[4].order, 2);
	CHECK_EQ(b.free_frames, 0);
	AUDIT_OK(&b);
	buddy_free_extents(&b, e, n);
	free(e);
	for (i = 3; i < 32; i += 8)
		buddy_free(&b, i, 0);
	CHECK(equals_fresh(&b));
	buddy_destroy(&b);

	/* 1 TiB host, 16 GiB VM plus 4 KiB in 1 GiB extents: 16 + 1. */
	REQUIRE(buddy_init(&b, 1ull << 28, 18) == 0);
	REQUIRE(buddy_alloc_scattered(&b, (16ull << 18) + 1, 18, &e, &n) == 0);
	CHECK_EQ(n, 17);
	CHECK_EQ(e[15].frame, 15ull << 18);
	CHECK_EQ(e[16].frame, 16ull << 18);
	CHECK_EQ(e[16].order, 0);
	buddy_free_extents(&b, e, n);
	free(e);
	CHECK_EQ(b.nfree[18], 1024);
	buddy_destroy(&b);
}

TEST(buddy_fragment_sweep)
{
	const u64 nframes = (1ull << 16) + 37;      /* 1024 blocks of 64 and a tail */
	struct buddy b;
	struct buddy_frag fr;
	u64 prev_whole = UINT64_MAX, prev_in = UINT64_MAX, prev_largest = UINT64_MAX;
	u64 *pa = malloc(1024 * sizeof *pa), *pb = malloc(1024 * sizeof *pb);
	u64 na, nb, i, j;
	int step;

	REQUIRE(pa && pb);
	for (step = 0; step <= 20; step++) {
		double f = step / 20.0;
		u64 want = (u64)(f * 1024 + 0.5);

		REQUIRE(buddy_init(&b, nframes, 6) == 0);
		CHECK_EQ(buddy_fragment(&b, f, 7, NULL), want);
		CHECK_EQ(b.nfree[6], 1024 - want);
		CHECK_EQ(b.free_frames, nframes - want);
		buddy_frag(&b, 64, &fr);
		CHECK_EQ(fr.whole_blocks, 1024 - want);
		CHECK_EQ(fr.max_blocks, 1024);
		/* The pinned sets grow with f, so nothing can get better. */
		CHECK(fr.whole_blocks < prev_whole);
		CHECK(fr.frames_in_runs <= prev_in);
		CHECK(fr.largest_run <= prev_largest);
		prev_whole = fr.whole_blocks;
		prev_in = fr.frames_in_runs;
		prev_largest = fr.largest_run;
		if (step == 0) {
			CHECK_EQ(fr.largest_run, nframes);
			CHECK_EQ(fr.runs, 1);
			CHECK_NEAR(fr.frac_in_runs, 1.0, 0);
			CHECK(equals_fresh(&b));
		}
		if (step == 20) {
			CHECK_EQ(fr.whole_blocks, 0);
			CHECK(fr.largest_run < 2 * 64 + 37);
		}
		AUDIT_OK(&b);
		buddy_destroy(&b);
	}

	/* Same seed, same pins; the pins of a smaller f are among those of a
	 * larger f; another seed, other pins. */
	REQUIRE(buddy_init(&b, nframes, 6) == 0);
	na = buddy_fragment(&b, 0.3, 99, pa);
	buddy_destroy(&b);
	REQUIRE(buddy_init(&b, nframes, 6) == 0);
	nb = buddy_fragment(&b, 0.3, 99, pb);
	buddy_destroy(&b);
	REQUIRE_EQ(na, nb);
	CHECK_EQ(na, 307);
	CHECK(memcmp(pa, pb, na * sizeof *pa) == 0);
	for (i = 1; i < na; i++)
		CHECK(pa[i - 1] < pa[i]);
	REQUIRE(buddy_init(&b, nframes, 6) == 0);
	nb = buddy_fragment(&b, 0.7, 99, pb);
	buddy_destroy(&b);
	for (i = 0, j = 0; i < na; i++) {
		while (j < nb && pb[j] < pa[i])
			j++;
		CHECK(j < nb && pb[j] == pa[i]);
	}
	REQUIRE(buddy_init(&b, nframes, 6) == 0);
	nb = buddy_fragment(&b, 0.3, 100, pb);
	buddy_destroy(&b);
	CHECK(memcmp(pa, pb, na * sizeof *pa) != 0);

	/* Only wholly free blocks are candidates; f outside [0, 1]. */
	REQUIRE(buddy_init(&b, 1024, 6) == 0);
	CHECK(buddy_alloc_at(&b, 0, 0));
	CHECK_EQ(buddy_fragment(&b, 1.0, 1, pa), 15);
	for (i = 0; i < 15; i++)
		CHECK_EQ(pa[i] >> 6, i + 1);
	CHECK_EQ(buddy_fragment(&b, 1.0, 1, NULL), 0);
	buddy_destroy(&b);
	REQUIRE(buddy_init(&b, 1024, 6) == 0);
	CHECK_EQ(buddy_fragment(&b, -1.0, 1, NULL), 0);
	CHECK_EQ(buddy_fragment(&b, 0.0 / 0.0, 1, NULL), 0);
	CHECK_EQ(buddy_fragment(&b, 5.0, 1, NULL), 16);
	buddy_destroy(&b);
	REQUIRE(buddy_init(&b, 40, 6) == 0);       /* no whole block */
	CHECK_EQ(buddy_fragment(&b, 1.0, 1, NULL), 0);
	buddy_destroy(&b);
	free(pa);
	free(pb);
}

/* The run index against a brute-force scan while the state churns. */
TEST(buddy_runs_against_scan)
{
	static const u64 mins[] = { 1, 2, 7, 64, 128, 300, 1000 };
	struct buddy b;
	struct held_ext { u64 frame, n; } held[4096];
	u64 s = rng_seed(11), nheld = 0, i, round;

	REQUIRE(buddy_init(&b, 5000, 7) == 0);
	for (round = 0; round < 60 && !test_failed_now; round++) {
		for (i = 0; i < 40; i++) {
			u64 r = rng_next(&s);
			if (nheld && (r & 3) == 0) {
				u64 k = rng_next(&s) % nheld;
				buddy_free_contig(&b, held[k].frame, held[k].n);
				held[k] = held[--nheld];
			} else if (nheld < 4096) {
				u64 n = 1 + rng_next(&s) % ((r >> 8) & 1 ? 8 : 400), f;
				if ((r >> 9) & 1) {
					f = buddy_alloc_contig(&b, n, (u32)(rng_next(&s) % 4),
							       (r >> 10) & 1 ? BUDDY_FIT_BEST : BUDDY_FIT_FIRST);
				} else {
					u32 o = (u32)(rng_next(&s) % 4);
					f = buddy_alloc(&b, o);
					n = 1ull << o;
				}
				if (f != BUDDY_NONE)
					held[nheld++] = (struct held_ext){ f, n };
			}
		}
		for (i = 0; i < ARRAY_SIZE(mins); i++) {
			struct scan sc = scan_runs(&b, mins[i]);
			struct buddy_frag fr;
			buddy_frag(&b, mins[i], &fr);
			CHECK_EQ(fr.largest_run, sc.largest);
			CHECK_EQ(fr.runs, sc.runs);
			CHECK_EQ(fr.frames_in_runs, sc.frames);
			CHECK_EQ(fr.free_frames, b.free_frames);
		}
		CHECK_EQ(buddy_largest_run(&b), scan_runs(&b, 1).largest);
		for (i = 0; i < 8; i++) {
			u64 n = 1 + rng_next(&s) % 300;
			u32 a = (u32)(rng_next(&s) % 6);
			CHECK_EQ(buddy_find_contig(&b, n, a, BUDDY_FIT_FIRST), scan_fit(&b, n, a, BUDDY_FIT_FIRST));
			CHECK_EQ(buddy_find_contig(&b, n, a, BUDDY_FIT_BEST), scan_fit(&b, n, a, BUDDY_FIT_BEST));
		}
		AUDIT_OK(&b);
	}
	while (nheld) {
		nheld--;
		buddy_free_contig(&b, held[nheld].frame, held[nheld].n);
	}
	CHECK(equals_fresh(&b));
	CHECK_EQ(buddy_largest_run(&b), 5000);
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

/* A placement-simulator load: VMs of 1-64 GiB come and go on a 1 TiB host
 * with 20% of its 1 GiB blocks pinned. */
TEST(buddy_contig_many_vms)
{
	struct buddy b;
	struct vmx { u64 frame, n; } live[256];
	struct timespec t0, t1;
	u64 s = rng_seed(5), nlive = 0, i, placed = 0, refused = 0, live_frames = 0;
	double ms;

	REQUIRE(buddy_init(&b, 1ull << 28, 18) == 0);
	buddy_fragment(&b, 0.2, 3, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 20000; i++) {
		u64 r = rng_next(&s);
		u64 n = (1ull << (18 + r % 7)) + ((r >> 8) & 1 ? (r >> 16) % (1ull << 18) : 0);
		u64 f;

		if (nlive == 256 || (nlive && ((r >> 40) & 1))) {
			u64 k = rng_next(&s) % nlive;
			buddy_free_contig(&b, live[k].frame, live[k].n);
			live_frames -= live[k].n;
			live[k] = live[--nlive];
			continue;
		}
		f = buddy_alloc_contig(&b, n, 9, (r >> 41) & 1 ? BUDDY_FIT_BEST : BUDDY_FIT_FIRST);
		if (f == BUDDY_NONE) {
			refused++;
			if ((refused & 255) == 1)
				CHECK(buddy_largest_run(&b) < n + 511);
			continue;
		}
		CHECK_EQ(f & 511, 0);
		live[nlive++] = (struct vmx){ f, n };
		live_frames += n;
		placed++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(placed > 1000);
	CHECK(refused > 0);
	CHECK_EQ(b.free_frames, (1ull << 28) - 205 - live_frames);
	CHECK(ms < 5000);
	printf("  (%" PRIu64 " VMs placed, %" PRIu64 " refused in %.0f ms)\n", placed, refused, ms);
	AUDIT_OK(&b);
	buddy_destroy(&b);
}

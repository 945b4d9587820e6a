/* test_buddy.c - the binary buddy frame allocator (mmu/buddy.c). */
#include "test.h"
#include "../../mmu/buddy.h"

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

struct blk { u64 frame; u32 order; };

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
			held[k] = held[--nheld];
			for (f = 0; f < (1ull << x.order); f++) {
				CHECK(owned[x.frame + f]);
				owned[x.frame + f] = 0;
			}
			owned_frames -= 1ull << x.order;
			buddy_free(&b, x.frame, x.order);
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
				held[nheld++] = (struct blk){ frame, order };
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

/* test_physmem.c - sparse simulated physical memory (mmu/machine/physmem.c). */
#include "test.h"
#include "../../mmu/machine/physmem.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static hpa_t pa(u64 hfn, u64 idx) { return mk_hpa((hfn << PAGE_SHIFT) | (idx << 3)); }

/* Every stored key is found from its home slot, n matches the slots used,
 * and the load stays at most one half. */
static bool table_ok(const struct physmem *m)
{
	u64 used = 0, i;

	if (!m->cap || (m->cap & (m->cap - 1)) || 2 * m->n > m->cap)
		return false;
	for (i = 0; i < m->cap; i++) {
		if (!m->slot[i].key)
			continue;
		used++;
		if (!m->slot[i].page)
			return false;
		if (physmem_page(m, m->slot[i].key - 1) != m->slot[i].page)
			return false;
	}
	return used == m->n;
}

TEST(physmem_round_trip)
{
	struct physmem m;
	u64 *p;

	REQUIRE(physmem_init(&m) == 0);
	CHECK_EQ(physmem_frames(&m), 0);
	CHECK(physmem_page(&m, 7) == NULL);
	CHECK_EQ(physmem_read64(&m, pa(7, 3)), 0);
	CHECK_EQ(physmem_frames(&m), 0);          /* reads create nothing */

	physmem_write64(&m, pa(7, 3), 0x1234567887654321ull);
	physmem_write64(&m, pa(7, 511), ~0ull);
	physmem_write64(&m, pa(0, 0), 42);
	physmem_write64(&m, mk_hpa((1ull << 52) - 8), 99);   /* last entry of the highest frame */
	CHECK_EQ(physmem_frames(&m), 3);
	CHECK_EQ(physmem_read64(&m, pa(7, 3)), 0x1234567887654321ull);
	CHECK_EQ(physmem_read64(&m, pa(7, 511)), ~0ull);
	CHECK_EQ(physmem_read64(&m, pa(7, 4)), 0);          /* same page, unwritten */
	CHECK_EQ(physmem_read64(&m, pa(0, 0)), 42);
	CHECK_EQ(physmem_read64(&m, pa(8, 3)), 0);          /* unwritten frame */
	CHECK_EQ(physmem_read64(&m, mk_hpa((1ull << 52) - 8)), 99);
	CHECK_EQ(physmem_read64(&m, mk_hpa(~7ull)), 0);      /* beyond MAXPHYADDR */

	p = physmem_page(&m, 7);
	REQUIRE(p != NULL);
	CHECK_EQ(p[3], 0x1234567887654321ull);
	CHECK(physmem_page_make(&m, 7) == p);
	p = physmem_page_make(&m, 9);
	REQUIRE(p != NULL);
	CHECK_EQ(physmem_frames(&m), 4);
	for (int i = 0; i < 512; i++)
		CHECK_EQ(p[i], 0);
	p[100] = 5;
	CHECK_EQ(physmem_read64(&m, pa(9, 100)), 5);
	CHECK_EQ(m.writes, 4);
	CHECK(m.reads >= 9);
	CHECK(table_ok(&m));
	physmem_destroy(&m);
}

/* Strided frame numbers, as page tables scattered over a large RAM. */
static u64 many_hfn(u64 i) { return i * 4099 + (i & 7) * 0x100000000ull; }

TEST(physmem_many_frames_grow)
{
	struct physmem m;
	const u64 n = 100000;
	u64 i, *first;

	REQUIRE(physmem_init(&m) == 0);
	first = physmem_page_make(&m, 0x5000);
	REQUIRE(first != NULL);
	first[1] = 77;
	/* Writing every frame would cost 400 MiB of zeroed host memory; one
	 * in 16 is written, the others only created (and read back as 0). */
	for (i = 0; i < n; i++) {
		if (i % 16 == 0)
			physmem_write64(&m, pa(many_hfn(i), i & 511), i + 1);
		else
			REQUIRE(physmem_page_make(&m, many_hfn(i)) != NULL);
	}
	CHECK_EQ(physmem_frames(&m), n + 1);
	CHECK(m.cap >= 2 * (n + 1));
	CHECK(table_ok(&m));
	for (i = 0; i < n; i++) {
		CHECK_EQ(physmem_read64(&m, pa(many_hfn(i), i & 511)), i % 16 == 0 ? i + 1 : 0);
		CHECK_EQ(physmem_read64(&m, pa(many_hfn(i) + 1, i & 511)), 0);
	}
	/* Pages never move when the table grows. */
	CHECK(physmem_page(&m, 0x5000) == first);
	CHECK_EQ(first[1], 77);
	/* Consecutive frame numbers (hash quality: probe runs stay short). */
	for (i = 0; i < 20000; i++)
		REQUIRE(physmem_page_make(&m, (1ull << 30) + i) != NULL);
	CHECK_EQ(physmem_frames(&m), n + 20001);
	CHECK(table_ok(&m));
	{
		u64 run = 0, longest = 0;
		for (i = 0; i < m.cap; i++) {
			run = m.slot[i].key ? run + 1 : 0;
			longest = MAX(longest, run);
		}
		CHECK(longest < 100);
	}
	physmem_destroy(&m);
}

TEST(physmem_drop)
{
	struct physmem m;
	u64 i;

	REQUIRE(physmem_init(&m) == 0);
	for (i = 0; i < 1000; i++)
		physmem_write64(&m, pa(i, i & 511), i + 1);
	/* The cache must not return a dropped page. */
	CHECK_EQ(physmem_read64(&m, pa(500, 500)), 501);
	physmem_drop(&m, 500);
	CHECK(physmem_page(&m, 500) == NULL);
	CHECK_EQ(physmem_read64(&m, pa(500, 500)), 0);
	physmem_drop(&m, 500);                    /* no contents: no-op */
	physmem_drop(&m, 123456);
	physmem_drop(&m, ~0ull);
	CHECK_EQ(physmem_frames(&m), 999);
	for (i = 0; i < 1000; i += 3)
		if (i != 500)
			physmem_drop(&m, i);
	CHECK(table_ok(&m));
	for (i = 0; i < 1000; i++) {
		u64 want = (i % 3 == 0 || i == 500) ? 0 : i + 1;
		CHECK_EQ(physmem_read64(&m, pa(i, i & 511)), want);
	}
	/* Re-created after a drop: zeroed again. */
	physmem_write64(&m, pa(3, 0), 8);
	CHECK_EQ(physmem_read64(&m, pa(3, 3)), 0);
	CHECK_EQ(physmem_read64(&m, pa(3, 0)), 8);
	for (i = 0; i < 1000; i++)
		physmem_drop(&m, i);
	CHECK_EQ(physmem_frames(&m), 0);
	CHECK(table_ok(&m));
	for (i = 0; i < m.cap; i++)
		CHECK_EQ(m.slot[i].key, 0);
	physmem_destroy(&m);
}

/* Random writes, drops and reads against a plain array indexed by a small
 * universe of frame numbers, with the table kept small enough that probe
 * runs are long and wrap around the end of the slot array. */
TEST(physmem_random_against_reference)
{
	enum { UNIV = 600, OPS = 200000 };
	struct physmem m;
	u64 val[UNIV], idx[UNIV], hfns[UNIV], s = rng_seed(11), i, nref = 0;
	bool has[UNIV];

	REQUIRE(physmem_init(&m) == 0);
	for (i = 0; i < UNIV; i++) {
		hfns[i] = (i & 1) ? i : (rng_next(&s) >> ((i & 2) ? 45 : 24));   /* dense and scattered */
		has[i] = false;
		val[i] = idx[i] = 0;
	}
	for (i = 0; i < OPS && !test_failed_now; i++) {
		u64 r = rng_next(&s), k = (r >> 8) % UNIV, e = (r >> 40) & 511;
		switch (r & 3) {
		case 0:
		case 1:
			/* The reference remembers the last entry written. */
			val[k] = rng_next(&s) | 1;
			idx[k] = e;
			physmem_write64(&m, pa(hfns[k], e), val[k]);
			if (!has[k])
				nref++;
			has[k] = true;
			break;
		case 2:
			physmem_drop(&m, hfns[k]);
			if (has[k])
				nref--;
			has[k] = false;
			break;
		default:
			CHECK_EQ(physmem_page(&m, hfns[k]) != NULL, has[k]);
			if (has[k])
				CHECK_EQ(physmem_read64(&m, pa(hfns[k], idx[k])), val[k]);
			else
				CHECK_EQ(physmem_read64(&m, pa(hfns[k], e)), 0);
			break;
		}
		CHECK_EQ(physmem_frames(&m), nref);
		if (i % 10000 == 0) {
			u64 j;
			CHECK(table_ok(&m));
			for (j = 0; j < UNIV; j++)
				CHECK_EQ(physmem_read64(&m, pa(hfns[j], idx[j])), has[j] ? val[j] : 0);
		}
	}
	CHECK(table_ok(&m));
	for (i = 0; i < UNIV; i++)
		CHECK_EQ(physmem_read64(&m, pa(hfns[i], idx[i])), has[i] ? val[i] : 0);
	physmem_destroy(&m);
}

/* Contents are packed in host memory whatever the frame numbers (a walk's
 * reads stay within few host pages), and a dropped page is reused zeroed. */
TEST(physmem_pages_packed)
{
	struct physmem m;
	u64 *p[600], *q, i;

	REQUIRE(physmem_init(&m) == 0);
	for (i = 0; i < 600; i++) {
		p[i] = physmem_page_make(&m, 0x100000 + i * 513);   /* one PT page per 2 MiB */
		REQUIRE(p[i] != NULL);
	}
	for (i = 1; i < 512; i++)
		CHECK(p[i] == p[i - 1] + 512);                 /* one 2 MiB host chunk */
	CHECK_EQ(m.nchunks, 2);
	p[7][5] = 55;
	physmem_drop(&m, 0x100000 + 7 * 513);
	q = physmem_page_make(&m, 42);
	CHECK(q == p[7]);
	for (i = 0; i < 512; i++)
		CHECK_EQ(q[i], 0);
	CHECK(table_ok(&m));
	physmem_destroy(&m);
}

static bool aborts(void (*fn)(struct physmem *), struct physmem *m)
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
		fn(m);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void read_unaligned(struct physmem *m) { (void)physmem_read64(m, mk_hpa(0x1004)); }
static void write_unaligned(struct physmem *m) { physmem_write64(m, mk_hpa(0x2001), 1); }
static void write_beyond_maxphyaddr(struct physmem *m) { physmem_write64(m, mk_hpa(1ull << 52), 1); }
static void read_aligned(struct physmem *m) { (void)physmem_read64(m, mk_hpa(0x1008)); }

TEST(physmem_unaligned_is_a_bug)
{
	struct physmem m;

	REQUIRE(physmem_init(&m) == 0);
	CHECK(aborts(read_unaligned, &m));
	CHECK(aborts(write_unaligned, &m));
	CHECK(aborts(write_beyond_maxphyaddr, &m));
	CHECK(!aborts(read_aligned, &m));
	physmem_destroy(&m);
}

/* test_pwc.c - paging-structure caches: tags per level, hits that skip
 * levels, separation of dimensions and levels, flushes, disabled caches. */
#include "test.h"
#include "../../tlb/pwc.h"

static void geom(struct sa_geom *g, u32 entries, u32 ways)
{
	g->entries = entries;
	g->ways = ways;
	g->policy = REPL_LRU;
	g->latency = 3;
}

/* PDE cache 32/4 (8 sets), PDPTE 4/4, PML4E 2/2, no PML5E cache. */
static struct cfg_pwc cfg_small(bool enabled)
{
	struct cfg_pwc c;

	memset(&c, 0, sizeof c);
	c.enabled = enabled;
	geom(&c.lvl[2], 32, 4);
	geom(&c.lvl[3], 4, 4);
	geom(&c.lvl[4], 2, 2);
	return c;
}

/* va with PML5 index 0, PML4 index 254, PDPT index 72, PD index 419,
 * PT index 0x67, offset 0x123 = 0x7f1234667123. Tags by hand:
 *   level 1: va >> 12 = ((254 * 512 + 72) * 512 + 419) * 512 + 0x67
 *          = 66621859 * 512 + 103 = 34110391911
 *   level 2: (254 * 512 + 72) * 512 + 419 = 130120 * 512 + 419 = 66621859
 *   level 3: 254 * 512 + 72 = 130120
 *   level 4: 254
 *   level 5: 0 */
#define VA_T ((254ull << 39) | (72ull << 30) | (419ull << 21) | (0x67ull << 12) | 0x123)

TEST(pwc_tag_math)
{
	u64 hi = ~0ull;        /* canonical LA57 address with every bit set */

	CHECK_EQ(VA_T, 0x7f1234667123ull);
	CHECK_EQ(pwc_tag(VA_T, 1), 34110391911ull);
	CHECK_EQ(pwc_tag(VA_T, 2), 66621859);
	CHECK_EQ(pwc_tag(VA_T, 3), 130120);
	CHECK_EQ(pwc_tag(VA_T, 4), 254);
	CHECK_EQ(pwc_tag(VA_T, 5), 0);
	/* bits 57-63 are not part of any tag: 57 - 48 = 9 bits at level 5,
	 * 18 at level 4, 36 at level 2 */
	CHECK_EQ(pwc_tag(hi, 5), 0x1ff);
	CHECK_EQ(pwc_tag(hi, 4), 0x3ffff);
	CHECK_EQ(pwc_tag(hi, 2), 0xfffffffffull);
	CHECK_EQ(pwc_tag(0x00ff800000000000ull, 5), 0xff);
}

TEST(pwc_init_geometry)
{
	struct pwc p;
	struct cfg_pwc c = cfg_small(true);
	int d;

	REQUIRE(pwc_init(&p, &c, 1) == 0);
	CHECK(p.enabled);
	CHECK_EQ(p.latency, 3);
	for (d = 0; d < DIM_NR; d++) {
		CHECK_EQ(p.lvl[d][2].sets, 8);
		CHECK_EQ(p.lvl[d][3].sets, 1);
		CHECK_EQ(p.lvl[d][4].ways, 2);
		CHECK(!sa_present(&p.lvl[d][5]));
		CHECK(!sa_present(&p.lvl[d][1]));
		CHECK(!sa_present(&p.lvl[d][0]));
	}
	pwc_destroy(&p);
}

/* Number of table reads of a 4-level walk of va given the PWC: the deepest
 * hit at level L leaves the reads of levels L-1 .. 1. */
static int walk_reads(struct pwc *p, u64 va, u32 ctx)
{
	u64 entry;
	int l;

	for (l = 2; l <= 4; l++)
		if (pwc_lookup(p, DIM_G, l, va, ctx, &entry))
			return l - 1;
	return 4;
}

TEST(pwc_hits_skip_levels)
{
	struct pwc p;
	struct cfg_pwc c = cfg_small(true);
	u64 e = 0;

	REQUIRE(pwc_init(&p, &c, 1) == 0);
	CHECK_EQ(walk_reads(&p, VA_T, 1), 4);
	pwc_fill(&p, DIM_G, 4, VA_T, 1, 0xccc003);
	pwc_fill(&p, DIM_G, 3, VA_T, 1, 0xbbb003);
	pwc_fill(&p, DIM_G, 2, VA_T, 1, 0xaaa003);

	/* same 2M region (other PT index and offset): PDE hit */
	REQUIRE(pwc_lookup(&p, DIM_G, 2, (VA_T & ~0x1fffffull) + 0x1ff008, 1, &e));
	CHECK_EQ(e, 0xaaa003);
	REQUIRE(pwc_lookup(&p, DIM_G, 3, VA_T + 0x200000, 1, &e));
	CHECK_EQ(e, 0xbbb003);
	REQUIRE(pwc_lookup(&p, DIM_G, 4, VA_T + 0x40000000, 1, &e));
	CHECK_EQ(e, 0xccc003);
	CHECK_EQ(p.lookups[DIM_G][2], 2);
	CHECK_EQ(p.hits[DIM_G][2], 1);

	memset(p.lookups, 0, sizeof p.lookups);
	memset(p.hits, 0, sizeof p.hits);
	CHECK_EQ(walk_reads(&p, VA_T + 0x1000, 1), 1);              /* PDE hit */
	CHECK_EQ(walk_reads(&p, VA_T + 0x200000, 1), 2);            /* PDPTE hit */
	CHECK_EQ(walk_reads(&p, VA_T + 0x40000000, 1), 3);          /* PML4E hit */
	CHECK_EQ(walk_reads(&p, VA_T + (1ull << 39), 1), 4);        /* none */
	CHECK_EQ(walk_reads(&p, VA_T, 2), 4);                       /* other ctx */
	CHECK_EQ(p.lookups[DIM_G][2], 5);
	CHECK_EQ(p.hits[DIM_G][2], 1);
	CHECK_EQ(p.lookups[DIM_G][3], 4);
	CHECK_EQ(p.hits[DIM_G][3], 1);
	CHECK_EQ(p.lookups[DIM_G][4], 3);
	CHECK_EQ(p.hits[DIM_G][4], 1);
	CHECK_EQ(p.lookups[DIM_H][2] + p.lookups[DIM_H][3] + p.lookups[DIM_H][4], 0);
	pwc_destroy(&p);
}

/* Level 3 tag of T << 30 equals level 2 tag of T << 21: the arrays of the
 * two levels (and of the two dimensions) must not answer for each other. */
TEST(pwc_levels_and_dims_separate)
{
	struct pwc p;
	struct cfg_pwc c = cfg_small(true);
	u64 t = 0x1234, e = 0;

	REQUIRE(pwc_init(&p, &c, 1) == 0);
	CHECK_EQ(pwc_tag(t << 30, 3), pwc_tag(t << 21, 2));
	pwc_fill(&p, DIM_G, 3, t << 30, 0, 0x5003);
	CHECK(!pwc_lookup(&p, DIM_G, 2, t << 21, 0, &e));
	CHECK(!pwc_lookup(&p, DIM_G, 4, t << 39, 0, &e));
	CHECK(!pwc_lookup(&p, DIM_H, 3, t << 30, 0, &e));
	CHECK(pwc_lookup(&p, DIM_G, 3, t << 30, 0, &e));
	CHECK_EQ(e, 0x5003);
	CHECK_EQ(p.lvl[DIM_G][3].fills, 1);
	CHECK_EQ(p.lvl[DIM_G][2].fills + p.lvl[DIM_G][4].fills, 0);
	CHECK_EQ(p.lvl[DIM_H][2].fills + p.lvl[DIM_H][3].fills + p.lvl[DIM_H][4].fills, 0);
	CHECK_EQ(p.lookups[DIM_H][3], 1);
	CHECK_EQ(p.hits[DIM_H][3], 0);
	CHECK_EQ(p.hits[DIM_G][3], 1);
	pwc_destroy(&p);
}

/* PML4E cache: 2 entries, LRU. */
TEST(pwc_capacity_lru)
{
	struct pwc p;
	struct cfg_pwc c = cfg_small(true);
	u64 e;

	REQUIRE(pwc_init(&p, &c, 1) == 0);
	pwc_fill(&p, DIM_H, 4, 1ull << 39, 0, 1);
	pwc_fill(&p, DIM_H, 4, 2ull << 39, 0, 2);
	CHECK(pwc_lookup(&p, DIM_H, 4, 1ull << 39, 0, &e));
	pwc_fill(&p, DIM_H, 4, 3ull << 39, 0, 3);              /* evicts 2 */
	CHECK(pwc_lookup(&p, DIM_H, 4, 1ull << 39, 0, &e));
	CHECK_EQ(e, 1);
	CHECK(!pwc_lookup(&p, DIM_H, 4, 2ull << 39, 0, &e));
	CHECK(pwc_lookup(&p, DIM_H, 4, 3ull << 39, 0, &e));
	CHECK_EQ(e, 3);
	pwc_destroy(&p);
}

/* A level without a cache misses and counts nothing. */
TEST(pwc_absent_level)
{
	struct pwc p;
	struct cfg_pwc c = cfg_small(true);
	u64 e = 77;

	REQUIRE(pwc_init(&p, &c, 1) == 0);
	pwc_fill(&p, DIM_G, 5, VA_T, 0, 0x9003);
	CHECK(!pwc_lookup(&p, DIM_G, 5, VA_T, 0, &e));
	CHECK_EQ(e, 77);
	CHECK_EQ(p.lookups[DIM_G][5], 0);
	CHECK_EQ(p.hits[DIM_G][5], 0);
	pwc_destroy(&p);
}

TEST(pwc_disabled_counts_nothing)
{
	struct pwc p;
	struct cfg_pwc c = cfg_small(false);
	u64 e = 77, sum = 0;
	int d, l;

	REQUIRE(pwc_init(&p, &c, 1) == 0);
	CHECK(!p.enabled);
	for (d = 0; d < DIM_NR; d++)
		for (l = 2; l <= 5; l++) {
			pwc_fill(&p, (enum dim)d, l, VA_T, 0, 0x1003);
			CHECK(!pwc_lookup(&p, (enum dim)d, l, VA_T, 0, &e));
		}
	CHECK_EQ(e, 77);
	for (d = 0; d < DIM_NR; d++)
		for (l = 0; l <= PT_LEVELS_MAX; l++)
			sum += p.lookups[d][l] + p.hits[d][l] + p.lvl[d][l].fills +
			       p.lvl[d][l].lookups;
	CHECK_EQ(sum, 0);
	pwc_destroy(&p);
}

TEST(pwc_flush_per_dim)
{
	struct pwc p;
	struct cfg_pwc c = cfg_small(true);
	u64 e;
	int l;

	REQUIRE(pwc_init(&p, &c, 1) == 0);
	for (l = 2; l <= 3; l++) {
		pwc_fill(&p, DIM_G, l, VA_T, 1, 0x10 + (u64)l);
		pwc_fill(&p, DIM_G, l, VA_T, 2, 0x20 + (u64)l);
		pwc_fill(&p, DIM_H, l, VA_T, 1, 0x30 + (u64)l);
	}
	pwc_flush_ctx(&p, DIM_G, 1);
	for (l = 2; l <= 3; l++) {
		CHECK(!pwc_lookup(&p, DIM_G, l, VA_T, 1, &e));
		CHECK(pwc_lookup(&p, DIM_G, l, VA_T, 2, &e));
		CHECK_EQ(e, 0x20 + (u64)l);
		CHECK(pwc_lookup(&p, DIM_H, l, VA_T, 1, &e));
		CHECK_EQ(e, 0x30 + (u64)l);
	}
	pwc_flush_ctx(&p, DIM_H, 1);
	CHECK(!pwc_lookup(&p, DIM_H, 2, VA_T, 1, &e));
	CHECK(pwc_lookup(&p, DIM_G, 2, VA_T, 2, &e));
	pwc_flush_all(&p);
	for (l = 2; l <= 3; l++) {
		CHECK(!pwc_lookup(&p, DIM_G, l, VA_T, 2, &e));
		CHECK(!pwc_lookup(&p, DIM_H, l, VA_T, 1, &e));
	}
	pwc_destroy(&p);
}

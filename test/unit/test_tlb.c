/* test_tlb.c - the TLB hierarchy: per-size L1 arrays, the mixed 4K/2M L2,
 * the 1G L2 array, invalidation, flushes and counters. */
#include "test.h"
#include "../../tlb/tlb.h"

#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull

static void geom(struct sa_geom *g, u32 entries, u32 ways, u32 lat)
{
	g->entries = entries;
	g->ways = ways;
	g->policy = REPL_LRU;
	g->latency = lat;
}

/* Skylake-like: dTLB 64/4 4K, 32/4 2M, 4/4 1G; iTLB 128/8 4K, 8/8 2M, no
 * 1G; STLB 1536/12 (128 sets) 4K+2M, 16/4 1G. */
static struct cfg_tlb cfg_small(void)
{
	struct cfg_tlb c;

	memset(&c, 0, sizeof c);
	geom(&c.l1d[PS_4K], 64, 4, 1);
	geom(&c.l1d[PS_2M], 32, 4, 1);
	geom(&c.l1d[PS_1G], 4, 4, 1);
	geom(&c.l1i[PS_4K], 128, 8, 2);
	geom(&c.l1i[PS_2M], 8, 8, 2);
	geom(&c.l2, 1536, 12, 9);
	geom(&c.l2_1g, 16, 4, 9);
	return c;
}

static struct tlb_xlate xl(u64 frame, enum psize ps, u8 perms, bool dirty)
{
	struct tlb_xlate x = { .frame = frame, .ps = ps, .perms = perms, .dirty = dirty };
	return x;
}

static u64 n_valid(const struct sa_table *t)
{
	u64 i, n = 0;
	for (i = 0; i < (u64)t->sets * t->ways; i++)
		n += (t->e[i].flags & SA_VALID) != 0;
	return n;
}

struct seen {
	int n;
	struct { enum tlb_level lvl; u64 va; u32 ctx; struct tlb_xlate x; } e[64];
};

static void collect(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg)
{
	struct seen *s = arg;
	if (s->n < 64) {
		s->e[s->n].lvl = lvl;
		s->e[s->n].va = va;
		s->e[s->n].ctx = ctx;
		s->e[s->n].x = *x;
	}
	s->n++;
}

static int count_all(const struct tlb *t)
{
	struct seen s;
	s.n = 0;
	tlb_foreach(t, collect, &s);
	return s.n;
}

TEST(tlb_init_geometry)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	CHECK_EQ(t.l1[TLB_L1D][PS_4K].sets, 16);
	CHECK_EQ(t.l1[TLB_L1D][PS_2M].sets, 8);
	CHECK_EQ(t.l1[TLB_L1D][PS_1G].sets, 1);
	CHECK_EQ(t.l1[TLB_L1I][PS_4K].sets, 16);
	CHECK_EQ(t.l1[TLB_L1I][PS_2M].sets, 1);
	CHECK(!sa_present(&t.l1[TLB_L1I][PS_1G]));
	CHECK_EQ(t.l2.sets, 128);
	CHECK_EQ(t.l2.ways, 12);
	CHECK_EQ(t.l2_1g.sets, 4);
	CHECK_EQ(t.lat_l1[0], 2);
	CHECK_EQ(t.lat_l1[1], 1);
	CHECK_EQ(t.lat_l2, 9);
	tlb_destroy(&t);
}

/* Each translation goes to the array of its page size and answers every
 * address inside its page, none outside. */
TEST(tlb_l1_page_size_arrays)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x, o;
	u64 va4 = 0x7f0000123456ull, pg4 = 0x7f0000123000ull;
	u64 pg2 = 0x7f0000400000ull;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	x = xl(0xabc000, PS_4K, PERM_R | PERM_W, true);
	tlb_l1_fill(&t, false, va4, 1, &x);
	x = xl(0x80000000ull, PS_2M, PERM_R, false);
	tlb_l1_fill(&t, false, pg2 + 0x1234, 1, &x);
	CHECK_EQ(n_valid(&t.l1[TLB_L1D][PS_4K]), 1);
	CHECK_EQ(n_valid(&t.l1[TLB_L1D][PS_2M]), 1);
	CHECK_EQ(n_valid(&t.l1[TLB_L1D][PS_1G]), 0);
	CHECK_EQ(n_valid(&t.l1[TLB_L1I][PS_4K]), 0);
	CHECK_EQ(n_valid(&t.l2), 0);

	REQUIRE(tlb_l1_lookup(&t, false, pg4, 1, &o));
	CHECK_EQ(o.frame, 0xabc000);
	CHECK_EQ(o.ps, PS_4K);
	CHECK_EQ(o.perms, PERM_R | PERM_W);
	CHECK(o.dirty);
	CHECK(tlb_l1_lookup(&t, false, pg4 + 0xfff, 1, &o));
	CHECK(!tlb_l1_lookup(&t, false, pg4 + 0x1000, 1, &o));
	CHECK(!tlb_l1_lookup(&t, false, pg4 - 1, 1, &o));
	CHECK(!tlb_l1_lookup(&t, true, pg4, 1, &o));     /* not in the iTLB */
	CHECK(!tlb_l1_lookup(&t, false, pg4, 2, &o));    /* other ctx */

	REQUIRE(tlb_l1_lookup(&t, false, pg2, 1, &o));
	CHECK_EQ(o.frame, 0x80000000ull);
	CHECK_EQ(o.ps, PS_2M);
	CHECK_EQ(o.perms, PERM_R);
	CHECK(!o.dirty);
	CHECK(tlb_l1_lookup(&t, false, pg2 + 0x1fffff, 1, &o));
	CHECK(tlb_l1_lookup(&t, false, pg2 + 0x12345, 1, &o));
	CHECK(!tlb_l1_lookup(&t, false, pg2 + SZ_2M, 1, &o));
	CHECK(!tlb_l1_lookup(&t, false, pg2 - 1, 1, &o));
	tlb_destroy(&t);
}

/* A 1G translation answers any address inside its gigabyte, at L1 and L2;
 * the iTLB has no 1G array here and drops the fill. */
TEST(tlb_1g_pages)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x = xl(13 * SZ_1G, PS_1G, PERM_R | PERM_X, false), o;
	u64 base = 5 * SZ_1G;
	u64 in[] = { base, base + 0x12345678, base + SZ_1G - 1, base + 0x3fe00000 };
	u64 out[] = { base - 1, base + SZ_1G, 0, 4 * SZ_1G };
	size_t i;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	tlb_l1_fill(&t, false, base + 0x777, 0, &x);
	tlb_l1_fill(&t, true, base + 0x777, 0, &x);
	tlb_l2_fill(&t, base + 0x777, 0, &x);
	CHECK_EQ(n_valid(&t.l1[TLB_L1D][PS_1G]), 1);
	CHECK_EQ(n_valid(&t.l2_1g), 1);
	CHECK_EQ(n_valid(&t.l2), 0);
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		o.frame = 0;
		CHECK(tlb_l1_lookup(&t, false, in[i], 0, &o));
		CHECK_EQ(o.frame, 13 * SZ_1G);
		CHECK_EQ(o.ps, PS_1G);
		CHECK_EQ(o.perms, PERM_R | PERM_X);
		o.frame = 0;
		CHECK(tlb_l2_lookup(&t, in[i], 0, &o));
		CHECK_EQ(o.frame, 13 * SZ_1G);
		CHECK_EQ(o.ps, PS_1G);
		CHECK(!tlb_l1_lookup(&t, true, in[i], 0, &o));
	}
	for (i = 0; i < ARRAY_SIZE(out); i++) {
		CHECK(!tlb_l1_lookup(&t, false, out[i], 0, &o));
		CHECK(!tlb_l2_lookup(&t, out[i], 0, &o));
	}
	CHECK_EQ(t.hits[TLB_L1D], 4);
	CHECK_EQ(t.misses[TLB_L1D], 4);
	CHECK_EQ(t.hits[TLB_L2], 4);
	CHECK_EQ(t.misses[TLB_L2], 4);
	CHECK_EQ(t.hits[TLB_L1I], 0);
	CHECK_EQ(t.misses[TLB_L1I], 4);
	tlb_destroy(&t);
}

/* The mixed L2 keys 4K entries by 4K page number and 2M entries by 2M page
 * number: page number N of each size must not answer for the other. */
TEST(tlb_l2_mixed_no_alias)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x, o;
	u64 n = 0x12345;
	u64 va4 = n << 12;      /* 0x12345000 */
	u64 va2 = n << 21;      /* 0x2468a00000 */

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	x = xl(0x111000, PS_4K, PERM_R, false);
	tlb_l2_fill(&t, va4, 3, &x);
	CHECK(!tlb_l2_lookup(&t, va2, 3, &o));
	CHECK(!tlb_l2_lookup(&t, va2 + 0x1000, 3, &o));
	REQUIRE(tlb_l2_lookup(&t, va4 + 0x10, 3, &o));
	CHECK_EQ(o.frame, 0x111000);
	CHECK_EQ(o.ps, PS_4K);

	x = xl(0x40000000, PS_2M, PERM_R | PERM_W, true);
	tlb_l2_fill(&t, va2, 3, &x);
	CHECK_EQ(n_valid(&t.l2), 2);        /* same set, two entries */
	REQUIRE(tlb_l2_lookup(&t, va2 + 0x1fffff, 3, &o));
	CHECK_EQ(o.frame, 0x40000000);
	CHECK_EQ(o.ps, PS_2M);
	CHECK(o.dirty);
	REQUIRE(tlb_l2_lookup(&t, va4, 3, &o));
	CHECK_EQ(o.frame, 0x111000);
	CHECK_EQ(o.ps, PS_4K);
	CHECK(!o.dirty);
	CHECK(!tlb_l2_lookup(&t, va2 + SZ_2M, 3, &o));
	CHECK(!tlb_l2_lookup(&t, va2, 4, &o));
	tlb_destroy(&t);
}

/* 4K and 2M entries share the 12 ways of an L2 set: 6 + 6 fit, the 13th
 * evicts the least recently used (the first 4K entry). Set = page number
 * mod 128. */
TEST(tlb_l2_unified_capacity)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x4 = xl(0x5000, PS_4K, PERM_R, false);
	struct tlb_xlate x2 = xl(0x600000, PS_2M, PERM_R, false), o;
	u64 k;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	for (k = 0; k < 6; k++) {
		tlb_l2_fill(&t, (7 + 128 * k) * SZ_4K, 0, &x4);
		tlb_l2_fill(&t, (7 + 128 * k) * SZ_2M, 0, &x2);
	}
	CHECK_EQ(n_valid(&t.l2), 12);
	CHECK_EQ(t.l2.evictions, 0);
	tlb_l2_fill(&t, (7 + 128 * 6) * SZ_4K, 0, &x4);
	CHECK_EQ(t.l2.evictions, 1);
	CHECK(!tlb_l2_lookup(&t, 7 * SZ_4K, 0, &o));
	CHECK(tlb_l2_lookup(&t, 7 * SZ_2M, 0, &o));
	CHECK(tlb_l2_lookup(&t, (7 + 128 * 6) * SZ_4K, 0, &o));
	/* another set is unaffected */
	tlb_l2_fill(&t, 8 * SZ_4K, 0, &x4);
	CHECK_EQ(t.l2.evictions, 1);
	tlb_destroy(&t);
}

/* dTLB 4K: 16 sets x 4 ways, set = page number mod 16. */
TEST(tlb_l1_set_lru)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x = xl(0x9000, PS_4K, PERM_R, false), o;
	u64 k;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	tlb_l1_fill(&t, false, 0x101 * SZ_4K, 0, &x);
	for (k = 0; k < 4; k++)
		tlb_l1_fill(&t, false, (0x100 + 16 * k) * SZ_4K, 0, &x);
	CHECK(tlb_l1_lookup(&t, false, 0x100 * SZ_4K, 0, &o));   /* now MRU */
	tlb_l1_fill(&t, false, 0x140 * SZ_4K, 0, &x);          /* evicts 0x110 */
	CHECK(tlb_l1_lookup(&t, false, 0x100 * SZ_4K, 0, &o));
	CHECK(!tlb_l1_lookup(&t, false, 0x110 * SZ_4K, 0, &o));
	CHECK(tlb_l1_lookup(&t, false, 0x120 * SZ_4K, 0, &o));
	CHECK(tlb_l1_lookup(&t, false, 0x130 * SZ_4K, 0, &o));
	CHECK(tlb_l1_lookup(&t, false, 0x140 * SZ_4K, 0, &o));
	CHECK(tlb_l1_lookup(&t, false, 0x101 * SZ_4K, 0, &o));
	tlb_destroy(&t);
}

/* INVLPG removes the entries of every page size, at every level, that map
 * va in ctx; nothing else. */
TEST(tlb_invalidate_va_every_size)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x4 = xl(0x1000, PS_4K, PERM_R, false);
	struct tlb_xlate x2 = xl(0x200000, PS_2M, PERM_R, false);
	struct tlb_xlate x1 = xl(0x40000000, PS_1G, PERM_R, false), o;
	u64 va = 0x00007f1234567abcull;
	struct seen s;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	/* 8 entries covering va in ctx 3 */
	tlb_l1_fill(&t, false, va, 3, &x4);
	tlb_l1_fill(&t, false, va, 3, &x2);
	tlb_l1_fill(&t, false, va, 3, &x1);
	tlb_l1_fill(&t, true, va, 3, &x4);
	tlb_l1_fill(&t, true, va, 3, &x2);
	tlb_l2_fill(&t, va, 3, &x4);
	tlb_l2_fill(&t, va, 3, &x2);
	tlb_l2_fill(&t, va, 3, &x1);
	/* 4 that must survive */
	tlb_l1_fill(&t, false, va + SZ_4K, 3, &x4);
	tlb_l1_fill(&t, false, va, 4, &x4);
	tlb_l2_fill(&t, va + SZ_2M, 3, &x2);
	tlb_l2_fill(&t, va, 4, &x1);
	CHECK_EQ(count_all(&t), 12);

	tlb_invalidate_va(&t, va, 3);
	s.n = 0;
	tlb_foreach(&t, collect, &s);
	REQUIRE_EQ(s.n, 4);
	CHECK(!tlb_l1_lookup(&t, false, va, 3, &o));
	CHECK(!tlb_l1_lookup(&t, true, va, 3, &o));
	CHECK(!tlb_l2_lookup(&t, va, 3, &o));
	CHECK(tlb_l1_lookup(&t, false, va + SZ_4K, 3, &o));
	CHECK(tlb_l1_lookup(&t, false, va, 4, &o));
	CHECK(tlb_l2_lookup(&t, va + SZ_2M, 3, &o) && o.ps == PS_2M);
	CHECK(tlb_l2_lookup(&t, va, 4, &o) && o.ps == PS_1G);
	/* an address in the same 1G page but another 2M and 4K page: the 1G
	 * entries of ctx 3 are gone too */
	CHECK(!tlb_l2_lookup(&t, (va & ~(SZ_1G - 1)) + 0x100, 3, &o));
	tlb_destroy(&t);
}

struct ctx_count { u64 n[8]; };

static void count_ctx(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg)
{
	struct ctx_count *cc = arg;
	(void)lvl;
	(void)va;
	(void)x;
	if (ctx == 1)
		cc->n[0]++;
	else if (ctx == 2)
		cc->n[1]++;
	else if (ctx == ((0x8005u << 12) | 1))
		cc->n[2]++;
	else
		cc->n[3]++;
}

static void fill_six(struct tlb *t, u32 ctx)
{
	struct tlb_xlate x4 = xl(0x1000, PS_4K, PERM_R, false);
	struct tlb_xlate x2 = xl(0x200000, PS_2M, PERM_R, false);
	struct tlb_xlate x1 = xl(0x40000000, PS_1G, PERM_R, false);
	u64 va = 0x12345678000ull;

	tlb_l1_fill(t, false, va, ctx, &x4);
	tlb_l1_fill(t, false, va, ctx, &x2);
	tlb_l1_fill(t, true, va, ctx, &x4);
	tlb_l2_fill(t, va, ctx, &x4);
	tlb_l2_fill(t, va, ctx, &x2);
	tlb_l2_fill(t, va, ctx, &x1);
}

TEST(tlb_flush_ctx_vpid_all)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct ctx_count cc;
	u32 vctx = (0x8005u << 12) | 1;  /* VPID 0x8005 (all 16 bits), PCID 1 */

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	fill_six(&t, 1);
	fill_six(&t, 2);
	fill_six(&t, vctx);
	memset(&cc, 0, sizeof cc);
	tlb_foreach(&t, count_ctx, &cc);
	CHECK_EQ(cc.n[0], 6);
	CHECK_EQ(cc.n[1], 6);
	CHECK_EQ(cc.n[2], 6);
	CHECK_EQ(cc.n[3], 0);

	tlb_flush_ctx(&t, 1);
	memset(&cc, 0, sizeof cc);
	tlb_foreach(&t, count_ctx, &cc);
	CHECK_EQ(cc.n[0], 0);
	CHECK_EQ(cc.n[1], 6);
	CHECK_EQ(cc.n[2], 6);

	tlb_flush_vpid(&t, 0x8005);
	memset(&cc, 0, sizeof cc);
	tlb_foreach(&t, count_ctx, &cc);
	CHECK_EQ(cc.n[1], 6);
	CHECK_EQ(cc.n[2], 0);

	tlb_flush_vpid(&t, 0x0005);      /* no entry has this VPID */
	CHECK_EQ(count_all(&t), 6);
	tlb_flush_vpid(&t, 0);           /* ctx 2 has VPID 0 */
	CHECK_EQ(count_all(&t), 0);

	fill_six(&t, 2);
	fill_six(&t, vctx);
	CHECK_EQ(count_all(&t), 12);
	tlb_flush_all(&t);
	CHECK_EQ(count_all(&t), 0);
	tlb_destroy(&t);
}

/* tlb_foreach reports page bases, the caller's ctx and the translation. */
TEST(tlb_foreach_reports)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x;
	struct seen s;
	int i, found = 0;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	x = xl(0xabc000, PS_4K, PERM_R | PERM_U, true);
	tlb_l1_fill(&t, true, 0x400123, 7, &x);
	x = xl(0x1200000, PS_2M, PERM_R | PERM_W, false);
	tlb_l2_fill(&t, 0x7fff00234567ull, (9u << 12) | 7, &x);
	s.n = 0;
	tlb_foreach(&t, collect, &s);
	REQUIRE_EQ(s.n, 2);
	for (i = 0; i < 2; i++) {
		if (s.e[i].lvl == TLB_L1I) {
			CHECK_EQ(s.e[i].va, 0x400000);
			CHECK_EQ(s.e[i].ctx, 7);
			CHECK_EQ(s.e[i].x.frame, 0xabc000);
			CHECK_EQ(s.e[i].x.ps, PS_4K);
			CHECK_EQ(s.e[i].x.perms, PERM_R | PERM_U);
			CHECK(s.e[i].x.dirty);
			found |= 1;
		} else if (s.e[i].lvl == TLB_L2) {
			CHECK_EQ(s.e[i].va, 0x7fff00200000ull);
			CHECK_EQ(s.e[i].ctx, (9u << 12) | 7);
			CHECK_EQ(s.e[i].x.frame, 0x1200000);
			CHECK_EQ(s.e[i].x.ps, PS_2M);
			CHECK_EQ(s.e[i].x.perms, PERM_R | PERM_W);
			CHECK(!s.e[i].x.dirty);
			found |= 2;
		}
	}
	CHECK_EQ(found, 3);
	tlb_destroy(&t);
}

/* Refilling a translation overwrites it (e.g. after the walk that set D). */
TEST(tlb_refill_updates_dirty)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x = xl(0x5000, PS_4K, PERM_R | PERM_W, false), o;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	tlb_l1_fill(&t, false, 0x1000, 1, &x);
	REQUIRE(tlb_l1_lookup(&t, false, 0x1000, 1, &o));
	CHECK(!o.dirty);
	x.dirty = true;
	tlb_l1_fill(&t, false, 0x1000, 1, &x);
	REQUIRE(tlb_l1_lookup(&t, false, 0x1000, 1, &o));
	CHECK(o.dirty);
	CHECK_EQ(n_valid(&t.l1[TLB_L1D][PS_4K]), 1);
	tlb_destroy(&t);
}

/* One hit or one miss per lookup call and level, whichever array hit. */
TEST(tlb_counters_exact)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x4 = xl(0x3000, PS_4K, PERM_R, false);
	struct tlb_xlate x2 = xl(0x400000, PS_2M, PERM_R, false), o;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	CHECK(!tlb_l1_lookup(&t, false, 0x10000, 0, &o));      /* D miss 1 */
	CHECK(!tlb_l2_lookup(&t, 0x10000, 0, &o));             /* L2 miss 1 */
	tlb_l2_fill(&t, 0x10000, 0, &x4);
	tlb_l1_fill(&t, false, 0x10000, 0, &x4);
	CHECK(tlb_l1_lookup(&t, false, 0x10008, 0, &o));       /* D hit 1 */
	CHECK(tlb_l1_lookup(&t, false, 0x10ff8, 0, &o));       /* D hit 2 */
	CHECK(!tlb_l1_lookup(&t, true, 0x10000, 0, &o));       /* I miss 1 */
	CHECK(tlb_l2_lookup(&t, 0x10000, 0, &o));              /* L2 hit 1 */
	tlb_l1_fill(&t, true, 0x10000, 0, &x4);
	CHECK(tlb_l1_lookup(&t, true, 0x10000, 0, &o));        /* I hit 1 */
	tlb_l1_fill(&t, false, 0x600000, 0, &x2);
	tlb_l2_fill(&t, 0x600000, 0, &x2);
	CHECK(tlb_l1_lookup(&t, false, 0x7fffff, 0, &o));      /* D hit 3 (2M) */
	CHECK(tlb_l2_lookup(&t, 0x7fffff, 0, &o));             /* L2 hit 2 (2M) */
	CHECK(!tlb_l2_lookup(&t, 0x800000, 0, &o));            /* L2 miss 2 */
	CHECK_EQ(t.hits[TLB_L1D], 3);
	CHECK_EQ(t.misses[TLB_L1D], 1);
	CHECK_EQ(t.hits[TLB_L1I], 1);
	CHECK_EQ(t.misses[TLB_L1I], 1);
	CHECK_EQ(t.hits[TLB_L2], 2);
	CHECK_EQ(t.misses[TLB_L2], 2);
	tlb_destroy(&t);
}

/* A configuration without a 1G L2 array drops 1G L2 fills. */
TEST(tlb_no_l2_1g)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x = xl(2 * SZ_1G, PS_1G, PERM_R, false), o;

	c.l2_1g.entries = 0;
	c.l2_1g.ways = 0;
	REQUIRE(tlb_init(&t, &c, 1) == 0);
	tlb_l2_fill(&t, SZ_1G, 0, &x);
	CHECK(!tlb_l2_lookup(&t, SZ_1G, 0, &o));
	CHECK_EQ(count_all(&t), 0);
	CHECK_EQ(t.misses[TLB_L2], 1);
	tlb_destroy(&t);
}

/* An L2 hit makes its entry most recently used, for each page size. L2
 * set 7 holds 12 entries; 1G array: 4 sets x 4 ways, set = 1G page number
 * mod 4. */
TEST(tlb_l2_hit_refreshes_lru)
{
	struct tlb t;
	struct cfg_tlb c = cfg_small();
	struct tlb_xlate x4 = xl(0x5000, PS_4K, PERM_R, false);
	struct tlb_xlate x2 = xl(0x600000, PS_2M, PERM_R, false);
	struct tlb_xlate x1 = xl(SZ_1G, PS_1G, PERM_R, false), o;
	u64 k;

	REQUIRE(tlb_init(&t, &c, 1) == 0);
	/* ages, oldest first: 4K 7, 2M 7+128, 4K 7+256, 2M 7+384, ... */
	for (k = 0; k < 12; k++) {
		if (k & 1)
			tlb_l2_fill(&t, (7 + 128 * k) * SZ_2M, 0, &x2);
		else
			tlb_l2_fill(&t, (7 + 128 * k) * SZ_4K, 0, &x4);
	}
	CHECK(tlb_l2_lookup(&t, 7 * SZ_4K, 0, &o));               /* 4K 7 now MRU */
	CHECK(tlb_l2_lookup(&t, (7 + 128) * SZ_2M, 0, &o));       /* 2M 135 MRU */
	tlb_l2_fill(&t, (7 + 128 * 20) * SZ_4K, 0, &x4);          /* evicts 4K 263 */
	tlb_l2_fill(&t, (7 + 128 * 21) * SZ_4K, 0, &x4);          /* evicts 2M 391 */
	CHECK(tlb_l2_lookup(&t, 7 * SZ_4K, 0, &o));
	CHECK(tlb_l2_lookup(&t, (7 + 128) * SZ_2M, 0, &o));
	CHECK(!tlb_l2_lookup(&t, (7 + 256) * SZ_4K, 0, &o));
	CHECK(!tlb_l2_lookup(&t, (7 + 384) * SZ_2M, 0, &o));
	CHECK(tlb_l2_lookup(&t, (7 + 512) * SZ_4K, 0, &o));

	for (k = 0; k < 4; k++)
		tlb_l2_fill(&t, 4 * k * SZ_1G, 0, &x1);
	CHECK(tlb_l2_lookup(&t, 0, 0, &o));                       /* page 0 MRU */
	tlb_l2_fill(&t, 16 * SZ_1G, 0, &x1);                      /* evicts page 4 */
	CHECK(tlb_l2_lookup(&t, 0x1234, 0, &o) && o.ps == PS_1G);
	CHECK(!tlb_l2_lookup(&t, 4 * SZ_1G, 0, &o));
	CHECK(tlb_l2_lookup(&t, 8 * SZ_1G, 0, &o));
	tlb_destroy(&t);
}

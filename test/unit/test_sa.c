/* test_sa.c - the set-associative engine: replacement policies against
 * hand-computed sequences, set indexing, counters, the E/P closed form,
 * geometry checks. */
#include "test.h"
#include "../../tlb/sa.h"

static struct sa_geom geom(u32 entries, u32 ways, enum repl p)
{
	struct sa_geom g = { .entries = entries, .ways = ways, .policy = p, .latency = 1 };
	return g;
}

/* Runs a sequence of one-letter keys through a one-set table: each key is
 * looked up and, on a miss, filled. Writes one token per access to out:
 * "A+" hit, "A-" miss filling an invalid way, "A>B" miss evicting B. */
static void run_seq(struct sa_table *t, const char *keys, char *out, size_t n)
{
	size_t len = 0;

	out[0] = 0;
	for (; *keys; keys++) {
		u64 k = (u64)(unsigned char)*keys;
		struct sa_record v;
		char tok[8];

		if (sa_lookup(t, k, k, 0))
			snprintf(tok, sizeof tok, "%c+", *keys);
		else if (sa_fill(t, k, k, 0, k, 0, &v))
			snprintf(tok, sizeof tok, "%c>%c", *keys, (char)v.key);
		else
			snprintf(tok, sizeof tok, "%c-", *keys);
		len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "", tok);
	}
}

#define CHECK_SEQ(t, keys, expect) do {                                           \
	char got_[512];                                                           \
	run_seq((t), (keys), got_, sizeof got_);                                  \
	if (strcmp(got_, (expect)))                                               \
		test_fail(__FILE__, __LINE__, "sequence %s:\n    got    %s\n    expect %s", \
			  (keys), got_, (expect));                                \
} while (0)

/*
 * 4-way LRU, one set. Recency order, least recent first:
 *   A B C D fill ways 0-3                 [A B C D]
 *   A  hit                                [B C D A]
 *   E  miss, evicts B                     [C D A E]
 *   B  miss, evicts C                     [D A E B]
 *   C  miss, evicts D                     [A E B C]
 *   D  miss, evicts A                     [E B C D]
 *   E  hit                                [B C D E]
 *   A  miss, evicts B                     [C D E A]
 *   C  hit                                [D E A C]
 *   F  miss, evicts D                     [E A C F]
 * 13 lookups, 3 hits, 10 fills, 6 evictions.
 */
TEST(sa_lru_hand_sequence)
{
	struct sa_table t;
	struct sa_geom g = geom(4, 4, REPL_LRU);

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK_SEQ(&t, "ABCDAEBCDEACF",
		  "A- B- C- D- A+ E>B B>C C>D D>A E+ A>B C+ F>D");
	CHECK_EQ(t.lookups, 13);
	CHECK_EQ(t.hits, 3);
	CHECK_EQ(t.fills, 10);
	CHECK_EQ(t.evictions, 6);
	sa_destroy(&t);
}

/*
 * 4-way tree-PLRU, one set. Nodes: n1 root (ways 0-1 | 2-3), n2 (0 | 1),
 * n3 (2 | 3); bit 0 = victim on the left, 1 = on the right; an access sets
 * its path to point away from it. Notation n1 n2 n3 after each access.
 *   A->w0: 1 1 .   B->w1: 1 0 .   C->w2: 0 0 1   D->w3: 0 0 0
 *   A hit w0: 1 1 0  -> victim n1=1,n3=0: w2 (C)
 *   E miss evicts C, E->w2: 0 1 1  -> victim n1=0,n2=1: w1 (B)
 *   B hit w1: 1 0 1  -> victim w3 (D)
 *   F miss evicts D, F->w3: 0 0 0  -> victim w0 (A)
 *   C miss evicts A, C->w0: 1 1 0  -> victim w2 (E)
 *   B hit w1: 1 0 0  -> victim w2 (E)
 *   G miss evicts E, G->w2: 0 0 1  -> victim w0 (C)
 *   D miss evicts C.
 * True LRU on the same sequence (derived the same way as above):
 *   [A B C D] A+ [B C D A] E>B [C D A E] B>C [D A E B] F>D [A E B F]
 *   C>A [E B F C] B+ [E F C B] G>E [F C B G] D>F.
 */
TEST(sa_plru4_hand_sequence)
{
	struct sa_table t;
	struct sa_geom g = geom(4, 4, REPL_PLRU);

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK_SEQ(&t, "ABCDAEBFCBGD",
		  "A- B- C- D- A+ E>C B+ F>D C>A B+ G>E D>C");
	CHECK_EQ(t.lookups, 12);
	CHECK_EQ(t.hits, 3);
	CHECK_EQ(t.fills, 9);
	CHECK_EQ(t.evictions, 5);
	sa_destroy(&t);

	g.policy = REPL_LRU;
	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK_SEQ(&t, "ABCDAEBFCBGD",
		  "A- B- C- D- A+ E>B B>C F>D C>A B+ G>E D>F");
	sa_destroy(&t);
}

/*
 * 8-way tree-PLRU, one set. Nodes n1 (0-3 | 4-7), n2 (0-1 | 2-3),
 * n3 (4-5 | 6-7), n4 (0|1), n5 (2|3), n6 (4|5), n7 (6|7).
 * Filling A..H into ways 0..7 leaves every bit 0 (the last access under
 * each node is to its right half). Bits n1..n7 after each access:
 *   A hit w0: 1 1 0 1 0 0 0
 *   E hit w4: 0 1 1 1 0 1 0
 *   C hit w2: 1 0 1 1 1 1 0
 *   G hit w6: 0 0 0 1 1 1 1  -> victim n1=0 n2=0 n4=1: w1 (B)
 *   I evicts B, I->w1: 1 1 0 0 1 1 1  -> n1=1 n3=0 n6=1: w5 (F)
 *   J evicts F, J->w5: 0 1 1 0 1 0 1  -> n1=0 n2=1 n5=1: w3 (D)
 *   K evicts D, K->w3: 1 0 1 0 0 0 1  -> n1=1 n3=1 n7=1: w7 (H)
 *   L evicts H, L->w7: 0 0 0 0 0 0 0  -> w0 (A)
 *   M evicts A.
 */
TEST(sa_plru8_hand_sequence)
{
	struct sa_table t;
	struct sa_geom g = geom(8, 8, REPL_PLRU);

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK_SEQ(&t, "ABCDEFGHAECGIJKLM",
		  "A- B- C- D- E- F- G- H- A+ E+ C+ G+ I>B J>F K>D L>H M>A");
	sa_destroy(&t);
}

/* A 2-way PLRU (one tree bit) is exact LRU. */
TEST(sa_plru2_is_lru)
{
	struct sa_table t;
	struct sa_geom g = geom(2, 2, REPL_PLRU);

	REQUIRE(sa_init(&t, &g, 1) == 0);
	/* [A B] A+ [B A] C>B [A C] A+ [C A] D>C [A D] B>A [D B] D+ [B D] */
	CHECK_SEQ(&t, "ABACADBD", "A- B- A+ C>B A+ D>C B>A D+");
	sa_destroy(&t);
}

/* Cyclic access over E+1 keys defeats LRU completely; over E keys it hits
 * always after the cold misses. */
TEST(sa_lru_cyclic)
{
	struct sa_table t;
	struct sa_geom g = geom(8, 8, REPL_LRU);
	u64 i;

	REQUIRE(sa_init(&t, &g, 3) == 0);
	for (i = 0; i < 90; i++)
		if (!sa_lookup(&t, i % 9, i % 9, 0))
			sa_fill(&t, i % 9, i % 9, 0, 0, 0, NULL);
	CHECK_EQ(t.hits, 0);
	CHECK_EQ(t.evictions, 90 - 8);
	sa_destroy(&t);

	REQUIRE(sa_init(&t, &g, 3) == 0);
	for (i = 0; i < 80; i++)
		if (!sa_lookup(&t, i % 8, i % 8, 0))
			sa_fill(&t, i % 8, i % 8, 0, 0, 0, NULL);
	CHECK_EQ(t.hits, 80 - 8);
	CHECK_EQ(t.evictions, 0);
	sa_destroy(&t);
}

/* Fills 4 keys, then n more, each evicting; returns through ways[] the way
 * each new key was placed in, checking that the victim was the key held by
 * that way. */
static void random_victims(u64 seed, u32 ways_n, u32 *ways, int n)
{
	struct sa_table t;
	struct sa_geom g = geom(ways_n, ways_n, REPL_RANDOM);
	u64 held[64];
	int i;

	if (sa_init(&t, &g, seed)) {
		test_fail(__FILE__, __LINE__, "sa_init");
		return;
	}
	for (i = 0; i < (int)ways_n; i++) {
		CHECK(!sa_fill(&t, 0, 1000 + (u64)i, 0, 0, 0, NULL));
		held[i] = 1000 + (u64)i;
	}
	for (i = 0; i < n; i++) {
		struct sa_record v;
		struct sa_entry *e;
		u64 key = 5000 + (u64)i;
		u32 w;

		CHECK(sa_fill(&t, 0, key, 0, 0, 0, &v));
		e = sa_probe(&t, 0, key, 0);
		if (!e) {
			test_fail(__FILE__, __LINE__, "filled key not present");
			break;
		}
		w = (u32)(e - t.e);
		CHECK_EQ(v.key, held[w]);
		held[w] = key;
		ways[i] = w;
	}
	sa_destroy(&t);
}

/* Random replacement: the victim is rng_next() % ways of a generator seeded
 * with rng_seed(seed) (sa.h); the same seed repeats, another seed differs,
 * and the victims are uniform over the ways. */
TEST(sa_random_seeded)
{
	static u32 a[40000], b[40000], c[1000];
	u64 s = rng_seed(42);
	u64 count[4] = { 0 };
	int i, differ = 0;

	random_victims(42, 4, a, 40000);
	random_victims(42, 4, b, 40000);
	random_victims(43, 4, c, 1000);
	for (i = 0; i < 40000; i++) {
		u32 expect = (u32)(rng_next(&s) % 4);
		if (a[i] != expect) {
			CHECK_EQ(a[i], expect);
			break;
		}
	}
	CHECK(memcmp(a, b, sizeof a) == 0);
	for (i = 0; i < 1000; i++)
		differ += a[i] != c[i];
	/* independent streams differ in 3/4 of the positions (sd ~14) */
	CHECK(differ > 650 && differ < 850);
	for (i = 0; i < 40000; i++)
		count[a[i]]++;
	/* 10000 expected per way, sd 87 */
	for (i = 0; i < 4; i++)
		CHECK(count[i] > 9500 && count[i] < 10500);
}

TEST(sa_random_non_pow2_ways)
{
	static u32 w[12000];
	u64 count[12] = { 0 };
	int i;

	random_victims(7, 12, w, 12000);
	for (i = 0; i < 12000; i++) {
		REQUIRE(w[i] < 12);
		count[w[i]]++;
	}
	/* 1000 expected per way, sd 30 */
	for (i = 0; i < 12; i++)
		CHECK(count[i] > 800 && count[i] < 1200);
}

/* Invalid ways are filled first, lowest first, whatever the policy and the
 * replacement state. */
TEST(sa_invalid_ways_first)
{
	enum repl p;

	for (p = REPL_LRU; p <= REPL_RANDOM; p++) {
		struct sa_table t;
		struct sa_geom g = geom(4, 4, p);
		struct sa_entry *e;
		u64 k;

		REQUIRE(sa_init(&t, &g, 9) == 0);
		for (k = 0; k < 4; k++) {
			CHECK(!sa_fill(&t, 0, 10 + k, 0, 0, 0, NULL));
			e = sa_probe(&t, 0, 10 + k, 0);
			REQUIRE(e);
			CHECK_EQ(e - t.e, k);
		}
		/* touch way 1 so that no policy would pick it */
		CHECK(sa_lookup(&t, 0, 11, 0) != NULL);
		CHECK(sa_invalidate(&t, 0, 13, 0));   /* way 3 */
		CHECK(sa_invalidate(&t, 0, 11, 0));   /* way 1 */
		CHECK(!sa_invalidate(&t, 0, 11, 0));
		CHECK(sa_probe(&t, 0, 11, 0) == NULL);
		CHECK(!sa_fill(&t, 0, 20, 0, 0, 0, NULL));
		e = sa_probe(&t, 0, 20, 0);
		REQUIRE(e);
		CHECK_EQ(e - t.e, 1);
		CHECK(!sa_fill(&t, 0, 21, 0, 0, 0, NULL));
		e = sa_probe(&t, 0, 21, 0);
		REQUIRE(e);
		CHECK_EQ(e - t.e, 3);
		CHECK(sa_fill(&t, 0, 22, 0, 0, 0, NULL));
		CHECK_EQ(t.fills, 7);
		CHECK_EQ(t.evictions, 1);
		sa_destroy(&t);
	}
}

/* 16 entries, 2 ways: 8 sets, set = index & 7. Hammering set 3 never
 * evicts an entry of another set. */
TEST(sa_set_indexing)
{
	enum repl p;

	for (p = REPL_LRU; p <= REPL_RANDOM; p++) {
		struct sa_table t;
		struct sa_geom g = geom(16, 2, p);
		struct sa_record v;
		u64 k;

		REQUIRE(sa_init(&t, &g, 5) == 0);
		CHECK_EQ(t.sets, 8);
		for (k = 0; k < 16; k++)
			CHECK(!sa_fill(&t, k, k, 0, 0, 0, NULL));
		CHECK_EQ(t.evictions, 0);
		for (k = 2; k < 102; k++) {
			CHECK(sa_fill(&t, 3 + 8 * k, 3 + 8 * k, 0, 0, 0, &v));
			CHECK_EQ(v.key % 8, 3);
		}
		CHECK_EQ(t.evictions, 100);
		for (k = 0; k < 16; k++)
			if (k % 8 != 3)
				CHECK(sa_probe(&t, k, k, 0) != NULL);
		CHECK(sa_probe(&t, 3, 3, 0) == NULL);
		CHECK(sa_probe(&t, 11, 11, 0) == NULL);
		CHECK(sa_probe(&t, 3 + 8 * 101, 3 + 8 * 101, 0) != NULL);
		/* LRU and PLRU keep the last two; random may have evicted 100 */
		if (p != REPL_RANDOM)
			CHECK(sa_probe(&t, 3 + 8 * 100, 3 + 8 * 100, 0) != NULL);
		sa_destroy(&t);
	}
}

/* The caller's index, not the key, selects the set. */
TEST(sa_index_is_callers)
{
	struct sa_table t;
	struct sa_geom g = geom(8, 2, REPL_LRU);
	struct sa_record v;

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK(!sa_fill(&t, 1, 100, 0, 0, 0, NULL));
	CHECK(!sa_fill(&t, 1, 201, 0, 0, 0, NULL));
	CHECK(sa_fill(&t, 1, 302, 0, 0, 0, &v));
	CHECK_EQ(v.key, 100);
	CHECK(sa_probe(&t, 1, 201, 0) != NULL);
	CHECK(sa_probe(&t, 2, 201, 0) == NULL);
	CHECK(sa_lookup(&t, 5, 201, 0) != NULL);  /* 5 & 3 == 1 */
	sa_destroy(&t);
}

TEST(sa_ctx_and_values)
{
	struct sa_table t;
	struct sa_geom g = geom(8, 4, REPL_LRU);
	struct sa_entry *e;
	struct sa_record v;

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK(!sa_fill(&t, 7, 7, 1, 0x1111, 0x5, NULL));
	CHECK(!sa_fill(&t, 7, 7, 2, 0x2222, 0x6, NULL));
	e = sa_lookup(&t, 7, 7, 1);
	REQUIRE(e);
	CHECK_EQ(e->val, 0x1111);
	CHECK_EQ(e->flags, 0x5 | SA_VALID);
	e = sa_lookup(&t, 7, 7, 2);
	REQUIRE(e);
	CHECK_EQ(e->val, 0x2222);
	CHECK(sa_lookup(&t, 7, 7, 3) == NULL);
	CHECK(sa_lookup(&t, 7, 8, 1) == NULL);
	/* overwrite in place: no new entry, no eviction */
	CHECK(!sa_fill(&t, 7, 7, 1, 0x3333, 0x9, NULL));
	e = sa_probe(&t, 7, 7, 1);
	REQUIRE(e);
	CHECK_EQ(e->val, 0x3333);
	CHECK_EQ(e->flags, 0x9 | SA_VALID);
	CHECK_EQ(t.fills, 3);
	CHECK_EQ(t.evictions, 0);
	/* fill the set (ways 2, 3), then evict: the victim is copied out */
	CHECK(!sa_fill(&t, 3, 30, 4, 0, 0, NULL));
	CHECK(!sa_fill(&t, 3, 31, 4, 0, 0, NULL));
	CHECK(sa_fill(&t, 3, 32, 4, 0, 0, &v));
	/* recency: (7,2) was looked up after (7,1); (7,1) was then refilled */
	CHECK_EQ(v.key, 7);
	CHECK_EQ(v.ctx, 2);
	CHECK_EQ(v.val, 0x2222);
	CHECK_EQ(v.flags, 0x6 | SA_VALID);
	CHECK_EQ(t.lookups, 4);
	CHECK_EQ(t.hits, 2);
	sa_destroy(&t);
}

/* An overwrite makes the entry most recently used; a probe does not. */
TEST(sa_overwrite_mru_probe_not)
{
	struct sa_table t;
	struct sa_geom g = geom(2, 2, REPL_LRU);
	struct sa_record v;

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK_SEQ(&t, "AB", "A- B-");
	CHECK(!sa_fill(&t, 0, 'A', 0, 0, 0, NULL));
	CHECK(sa_fill(&t, 0, 'C', 0, 0, 0, &v));
	CHECK_EQ(v.key, 'B');
	/* now [A C], A least recent: probing A does not save it from D */
	CHECK(sa_probe(&t, 0, 'A', 0) != NULL);
	CHECK(sa_fill(&t, 0, 'D', 0, 0, 0, &v));
	CHECK_EQ(v.key, 'A');
	CHECK_EQ(t.lookups, 2);
	CHECK_EQ(t.hits, 0);
	sa_destroy(&t);
}

static bool pred_ctx1(const struct sa_record *e, void *arg)
{
	return e->ctx == *(u32 *)arg;
}

static void count_fn(const struct sa_record *e, void *arg)
{
	u64 *n = arg;
	n[0]++;
	n[1] += e->ctx;
}

TEST(sa_invalidate_if_foreach)
{
	struct sa_table t;
	struct sa_geom g = geom(8, 2, REPL_PLRU);
	u64 k, n[2];
	u32 one = 1;

	REQUIRE(sa_init(&t, &g, 1) == 0);
	for (k = 0; k < 8; k++)
		sa_fill(&t, k, k, 1 + (u32)(k & 1), 0, 0, NULL);
	n[0] = n[1] = 0;
	sa_foreach(&t, count_fn, n);
	CHECK_EQ(n[0], 8);
	CHECK_EQ(n[1], 4 * 1 + 4 * 2);
	CHECK_EQ(sa_invalidate_if(&t, pred_ctx1, &one), 4);
	n[0] = n[1] = 0;
	sa_foreach(&t, count_fn, n);
	CHECK_EQ(n[0], 4);
	CHECK_EQ(n[1], 4 * 2);
	CHECK_EQ(sa_invalidate_if(&t, NULL, NULL), 4);
	n[0] = 0;
	sa_foreach(&t, count_fn, n);
	CHECK_EQ(n[0], 0);
	CHECK(sa_lookup(&t, 1, 1, 2) == NULL);
	sa_destroy(&t);
}

/* Random lookups, fills (some of keys just looked up, some overwriting),
 * invalidations and context flushes on a small LRU table with several
 * contexts per key, against a plain reference: per way, key, ctx, value and
 * last use. Checks every hit, every value, every victim and the counters
 * (covers the skipped search after a missed lookup, the count of valid
 * entries, and the 64-way chunks of the key comparison). */
static void lru_against_reference(u32 entries, u32 ways, u64 seed)
{
	enum { KEYS = 40, OPS = 60000 };
	struct ref_way { bool valid; u64 key, val, used; u32 ctx; } ref[128];
	struct sa_table t;
	struct sa_geom g = geom(entries, ways, REPL_LRU);
	u64 s = rng_seed(seed), clock = 0, lookups = 0, hits = 0, fills = 0, evictions = 0;
	u32 sets = entries / ways, i;

	REQUIRE(entries <= 128);
	REQUIRE(sa_init(&t, &g, 1) == 0);
	memset(ref, 0, sizeof ref);
	for (i = 0; i < OPS && !test_failed_now; i++) {
		u64 r = rng_next(&s), key = (r >> 8) % KEYS, set = key % sets;
		u32 ctx = (u32)(r >> 20) % 3, op = (u32)(r & 7), w, found = ways;
		struct ref_way *rs = &ref[set * ways];
		struct sa_entry *e;
		struct sa_record v;

		for (w = 0; w < ways; w++)
			if (rs[w].valid && rs[w].key == key && rs[w].ctx == ctx)
				found = w;
		if (op < 3) {                                   /* lookup */
			e = sa_lookup(&t, key, key, ctx);
			lookups++;
			CHECK_EQ(e != NULL, found < ways);
			if (e && found < ways) {
				hits++;
				CHECK_EQ(e->val, rs[found].val);
				rs[found].used = ++clock;
			}
		} else if (op < 6) {                            /* fill */
			u64 val = rng_next(&s);
			bool ev;
			w = found;
			if (w == ways)
				for (w = 0; w < ways && rs[w].valid; w++)
					;
			if (w == ways) {
				u32 k;
				for (w = 0, k = 1; k < ways; k++)
					if (rs[k].used < rs[w].used)
						w = k;
			}
			ev = sa_fill(&t, key, key, ctx, val, 0, &v);
			fills++;
			CHECK_EQ(ev, found == ways && rs[w].valid);
			if (ev && found == ways && rs[w].valid) {
				evictions++;
				CHECK_EQ(v.key, rs[w].key);
				CHECK_EQ(v.ctx, rs[w].ctx);
				CHECK_EQ(v.val, rs[w].val);
			}
			rs[w] = (struct ref_way){ true, key, val, ++clock, ctx };
		} else if (op == 6) {                           /* invalidate */
			CHECK_EQ(sa_invalidate(&t, key, key, ctx), found < ways);
			if (found < ways)
				rs[found].valid = false;
		} else if ((r >> 40) % 64 == 0) {               /* flush a context */
			u64 n = 0;
			for (w = 0; w < entries; w++)
				if (ref[w].valid && ref[w].ctx == ctx) {
					ref[w].valid = false;
					n++;
				}
			CHECK_EQ(sa_invalidate_if(&t, pred_ctx1, &ctx), n);
		}
	}
	CHECK_EQ(t.lookups, lookups);
	CHECK_EQ(t.hits, hits);
	CHECK_EQ(t.fills, fills);
	CHECK_EQ(t.evictions, evictions);
	sa_destroy(&t);
}

TEST(sa_lru_random_against_reference)
{
	lru_against_reference(16, 4, 1);     /* 4 sets of 4 */
	lru_against_reference(12, 12, 2);    /* one set, not a multiple of 4 ways */
	lru_against_reference(96, 96, 3);    /* more than 64 ways */
}

TEST(sa_no_entries)
{
	struct sa_table t;
	struct sa_geom g = geom(0, 0, REPL_LRU);
	u64 n[2] = { 0, 0 };

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK(!sa_present(&t));
	CHECK(sa_lookup(&t, 0, 0, 0) == NULL);
	CHECK(!sa_fill(&t, 0, 0, 0, 1, 0, NULL));
	CHECK(sa_lookup(&t, 0, 0, 0) == NULL);
	CHECK(sa_probe(&t, 0, 0, 0) == NULL);
	CHECK(!sa_invalidate(&t, 0, 0, 0));
	CHECK_EQ(sa_invalidate_if(&t, NULL, NULL), 0);
	sa_foreach(&t, count_fn, n);
	CHECK_EQ(n[0], 0);
	CHECK_EQ(t.lookups + t.hits + t.fills + t.evictions, 0);
	sa_destroy(&t);
}

/* Uniform random access over P pages: any replacement policy that keeps E
 * distinct pages has steady-state hit rate E/P (independent reference
 * model). Returns the measured hit rate after a warm-up. */
static double uniform_hit_rate(u32 entries, u32 ways, enum repl p, u64 pages, u64 n)
{
	struct sa_table t;
	struct sa_geom g = geom(entries, ways, p);
	u64 s = rng_seed(12345), i, hits = 0, lookups0, hits0;

	if (sa_init(&t, &g, 77)) {
		test_fail(__FILE__, __LINE__, "sa_init");
		return -1;
	}
	for (i = 0; i < 20000; i++) {
		u64 k = rng_next(&s) % pages;
		if (!sa_lookup(&t, k, k, 0))
			sa_fill(&t, k, k, 0, 0, 0, NULL);
	}
	lookups0 = t.lookups;
	hits0 = t.hits;
	for (i = 0; i < n; i++) {
		u64 k = rng_next(&s) % pages;
		if (sa_lookup(&t, k, k, 0))
			hits++;
		else
			sa_fill(&t, k, k, 0, 0, 0, NULL);
	}
	CHECK_EQ(t.lookups - lookups0, n);
	CHECK_EQ(t.hits - hits0, hits);
	sa_destroy(&t);
	return (double)hits / (double)n;
}

/* 4e5 accesses: the standard error of a hit rate is at most 0.0008. */
TEST(sa_closed_form_uniform)
{
	CHECK_NEAR(uniform_hit_rate(64, 64, REPL_LRU, 256, 400000), 64.0 / 256, 0.005);
	CHECK_NEAR(uniform_hit_rate(48, 48, REPL_LRU, 64, 400000), 48.0 / 64, 0.005);
	CHECK_NEAR(uniform_hit_rate(64, 64, REPL_PLRU, 128, 400000), 64.0 / 128, 0.005);
	CHECK_NEAR(uniform_hit_rate(16, 16, REPL_RANDOM, 20, 400000), 16.0 / 20, 0.005);
	/* 8 sets x 4 ways over 128 pages: 16 pages per set, 4 kept */
	CHECK_NEAR(uniform_hit_rate(32, 4, REPL_LRU, 128, 400000), 32.0 / 128, 0.005);
}

TEST(sa_geom_check_cases)
{
	static const struct {
		u32 entries, ways;
		int policy;
		const char *why;        /* NULL: valid */
	} c[] = {
		{ 0, 0, REPL_LRU, NULL },
		{ 0, 7, REPL_PLRU, NULL },
		{ 64, 0, REPL_LRU, "at least 1" },
		{ 4, 8, REPL_LRU, "must not exceed entries" },
		{ 20, 8, REPL_LRU, "multiple of ways" },
		{ 24, 8, REPL_LRU, "power of two" },
		{ 48, 12, REPL_PLRU, "power-of-two number of ways" },
		{ 48, 12, REPL_LRU, NULL },
		{ 48, 12, REPL_RANDOM, NULL },
		{ 1536, 12, REPL_LRU, NULL },
		{ 128, 128, REPL_PLRU, "at most 64 ways" },
		{ 64, 64, REPL_PLRU, NULL },
		{ 1, 1, REPL_PLRU, NULL },
		{ 16, 4, 7, "unknown replacement policy" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct sa_geom g = { c[i].entries, c[i].ways, (enum repl)c[i].policy, 1 };
		const char *why = sa_geom_check(&g);
		if (!c[i].why) {
			if (why)
				test_fail(__FILE__, __LINE__, "case %zu rejected: %s", i, why);
		} else {
			CHECK_STR_CONTAINS(why, c[i].why);
		}
	}
	CHECK(strcmp(repl_name(REPL_LRU), "lru") == 0);
	CHECK(strcmp(repl_name(REPL_PLRU), "plru") == 0);
	CHECK(strcmp(repl_name(REPL_RANDOM), "random") == 0);
}

/* Valid odd geometries work: a 12-way LRU table of 128 sets. */
TEST(sa_geometry_12way)
{
	struct sa_table t;
	struct sa_geom g = geom(1536, 12, REPL_LRU);
	struct sa_record v;
	u64 k;

	REQUIRE(sa_init(&t, &g, 1) == 0);
	CHECK_EQ(t.sets, 128);
	CHECK_EQ(t.ways, 12);
	for (k = 0; k < 12; k++)
		CHECK(!sa_fill(&t, 5 + 128 * k, 5 + 128 * k, 0, 0, 0, NULL));
	CHECK(sa_fill(&t, 5 + 128 * 12, 5 + 128 * 12, 0, 0, 0, &v));
	CHECK_EQ(v.key, 5);
	sa_destroy(&t);
}

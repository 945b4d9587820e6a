/*
 * sa.h - the one set-associative table engine of mmusim.
 *
 * Every TLB level, the nested TLB, every paging-structure cache and every
 * level of the PTE cache hierarchy is an sa_table. An entry is identified by
 * (key, ctx): key is the tag proper (virtual page number, line address, ...)
 * and ctx the address-space tag (PCID, VPID, page size code, ...), both
 * chosen by the user of the table. The set is `index & (sets - 1)`, where
 * `index` is supplied by the caller (normally the low bits of the key), so
 * that the caller decides which address bits index the table, as hardware
 * does.
 *
 * Replacement: LRU (exact, per-entry timestamps), tree-PLRU (ways must be a
 * power of two; the classic binary tree of ways-1 bits per set) and seeded
 * random (xorshift from the table's own seed). Invalid ways are always
 * filled first, lowest way first, whatever the policy.
 *
 * Precise semantics (tests rely on them):
 *   - LRU: every hit and every fill stamps the entry from a per-table clock;
 *     the victim is the valid way with the smallest stamp.
 *   - tree-PLRU: node n (1 .. ways-1, heap order: children 2n and 2n+1) is
 *     bit n of plru[set]; 0 means "the victim is in the left half", 1 "in
 *     the right half". A hit or fill of way w sets every bit on w's path to
 *     point away from w; the victim is found by following the bits from the
 *     root.
 *   - random: the victim is rng_next(&rng) % ways, with rng initialised to
 *     rng_seed(seed); the generator advances only when a victim is chosen
 *     among valid ways.
 *   - A table with no entries counts nothing: lookups miss, fills are
 *     dropped. Counters: lookups and hits (sa_lookup only; sa_probe counts
 *     nothing), fills (every sa_fill stored, overwrites included),
 *     evictions (valid entries displaced by sa_fill).
 */
#ifndef MMUSIM_SA_H
#define MMUSIM_SA_H

#include "../mmu/util/geom.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif


/* What a lookup returns: the entry's data. Its key and context live in the
 * table's tag arrays. */
struct sa_entry {
	u64 val;
	u32 flags;     /* free for the user; bit 31 is reserved: valid */
};
/* A whole entry, as evictions, sa_invalidate_if and sa_foreach show it. */
struct sa_record {
	u64 key;
	u64 val;
	u32 ctx;
	u32 flags;
};
#define SA_VALID 0x80000000u
/* The key of every invalid entry; reserved: no fill or lookup may use it
 * (page numbers, tags and line addresses never reach it). */
#define SA_KEY_NONE (~0ull)

struct sa_table {
	u32 sets, ways;
	u32 set_mask;
	enum repl policy;
	/* Entry i (= set * ways + way) is (tag[i], ctx[i]) -> e[i]. The keys
	 * and contexts are arrays of their own, one set's ways contiguous, so
	 * that a lookup compares packed words and reads no entry data (the
	 * tag array of a hardware cache). */
	u64 *tag;
	u32 *ctx;
	struct sa_entry *e;
	u64 *stamp;             /* LRU: per-entry last-use stamp */
	u64 *plru;              /* PLRU: per-set tree bits (ways <= 64) */
	u64 *plru_path;         /* PLRU: per way, [2w] mask of the bits on
				 * its path, [2w+1] their values after a touch */
	u64 clock;              /* LRU stamp source */
	u64 rng;                /* RANDOM state */
	u64 nvalid;             /* valid entries: when all are, a fill needs
				 * no search for an invalid way */
	/* The (set, key, ctx) of the last sa_lookup that missed. Only sa_fill
	 * adds entries, and it clears this, so while it is set the pair is
	 * known to be absent and a fill of it needs no search. */
	u64 miss_set, miss_key;
	u32 miss_ctx;
	u64 lookups, hits, fills, evictions; /* raw counters */
};


/* 0 or -ENOMEM. The geometry must have passed sa_geom_check. */
int sa_init(struct sa_table *t, const struct sa_geom *g, u64 seed);
void sa_destroy(struct sa_table *t);

/* Marks entry i (= set * ways + way) most recently used. Internal to the
 * engine; inline because it is on the TLB hit path. */
static inline void sa_touch_(struct sa_table *t, u64 set, u64 i)
{
	switch (t->policy) {
	case REPL_LRU:
		t->stamp[i] = ++t->clock;
		break;
	case REPL_PLRU: {
		const u64 *p = &t->plru_path[2 * (i - set * t->ways)];
		t->plru[set] = (t->plru[set] & ~p[0]) | p[1];
		break;
	}
	case REPL_RANDOM:
		break;
	}
}

/* Bit w set when tag[w] == key, for the n <= 64 tags at tag. Branch-free:
 * the hitting way of a TLB is not predictable, and a mispredicted loop exit
 * costs more than comparing the remaining ways. With SSE2 (every x86-64
 * processor) four ways are compared at once: a 64-bit lane matches when
 * both of its 32-bit halves do. */
static inline u64 sa_match_(const u64 *tag, u32 n, u64 key)
{
	u64 m = 0;
	u32 w = 0;

#ifdef __SSE2__
	const __m128i k = _mm_set1_epi64x((long long)key);

	for (; w + 4 <= n; w += 4) {
		__m128 a = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(tag + w)), k));
		__m128 b = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(tag + w + 2)), k));
		__m128 lo = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
		__m128 hi = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
		m |= (u64)_mm_movemask_ps(_mm_and_ps(lo, hi)) << w;
	}
#endif
	for (; w < n; w++)
		m |= (u64)(tag[w] == key) << w;
	return m;
}

/* Way of set `set` holding (key, ctx), or ways when none does. An invalid
 * entry has key SA_KEY_NONE, which no fill may use, so validity needs no
 * test of its own. The keys are compared first, 64 ways at a time; the
 * context only of the ways whose key matched (a set may hold one key under
 * several contexts, never one (key, ctx) twice). */
static inline u32 sa_find_(const struct sa_table *t, u64 set, u64 key, u32 ctx)
{
	const u64 *tag = t->tag + set * t->ways;
	const u32 *tctx = t->ctx + set * t->ways;
	u32 base;

	for (base = 0; base < t->ways; base += 64) {
		u32 n = t->ways - base < 64 ? t->ways - base : 64;
		u64 m;

		for (m = sa_match_(tag + base, n, key); m; m &= m - 1) {
			u32 w = base + (u32)__builtin_ctzll(m);
			if (tctx[w] == ctx)
				return w;
		}
	}
	return t->ways;
}

/* Like sa_lookup but does not touch replacement state or counters. */
static inline struct sa_entry *sa_probe(struct sa_table *t, u64 index, u64 key, u32 ctx)
{
	u64 set;
	u32 w;

	if (__builtin_expect(t->ways == 0, 0))
		return NULL;
	set = index & t->set_mask;
	w = sa_find_(t, set, key, ctx);
	return w < t->ways ? &t->e[set * t->ways + w] : NULL;
}

/* Returns the hitting entry (and marks it most recently used) or NULL. */
static inline struct sa_entry *sa_lookup(struct sa_table *t, u64 index, u64 key, u32 ctx)
{
	u64 set;
	u32 w;

	if (__builtin_expect(t->ways == 0, 0))
		return NULL;
	t->lookups++;
	set = index & t->set_mask;
	w = sa_find_(t, set, key, ctx);
	if (w == t->ways) {
		t->miss_set = set;
		t->miss_key = key;
		t->miss_ctx = ctx;
		return NULL;
	}
	t->hits++;
	sa_touch_(t, set, set * t->ways + w);
	return &t->e[set * t->ways + w];
}
/* Inserts (or overwrites, when (key, ctx) is present) and marks it MRU.
 * When a valid entry is evicted, it is copied to *victim (if non-NULL) and
 * true is returned. */
bool sa_fill(struct sa_table *t, u64 index, u64 key, u32 ctx, u64 val, u32 flags,
	     struct sa_record *victim);
/* Invalidates (key, ctx); returns true when it was present. */
bool sa_invalidate(struct sa_table *t, u64 index, u64 key, u32 ctx);
/* Invalidates every entry for which pred returns true (pred NULL: all).
 * Returns the number invalidated. */
u64 sa_invalidate_if(struct sa_table *t, bool (*pred)(const struct sa_record *, void *), void *arg);
/* Iterate over valid entries (for audits and tests). */
void sa_foreach(const struct sa_table *t, void (*fn)(const struct sa_record *, void *), void *arg);
static inline bool sa_present(const struct sa_table *t) { return t->sets != 0; }

#endif

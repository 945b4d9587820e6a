/*
 * sa.c - the set-associative table engine (see sa.h).
 *
 * Model notes
 *   Models: a table of sets * ways entries tagged by (key, ctx), with the
 *   set chosen by caller-supplied index bits (index & (sets - 1)), as the
 *   TLBs, paging-structure caches and data caches of a core are organised
 *   (Intel SDM vol. 3A 4.10.2 "Translation Lookaside Buffers" and 4.10.3
 *   "Paging-Structure Caches" describe what is cached, not how; the
 *   organisation in sets and ways is the usual one of Hennessy & Patterson,
 *   "Computer Architecture: A Quantitative Approach", appendix B).
 *   Replacement:
 *     - LRU: exact, one 64-bit stamp per entry, the victim is the oldest.
 *     - tree-PLRU: the binary-tree pseudo-LRU of ways - 1 bits per set
 *       described by Hennessy & Patterson and evaluated by Al-Zoubi,
 *       Milenkovic and Milenkovic, "Performance evaluation of cache
 *       replacement policies for the SPEC CPU2000 benchmark suite", ACM
 *       Southeast Regional Conference, 2004. Each access points the bits
 *       of its path away from the accessed way; the victim follows them.
 *     - random: uniform over the ways of the set, from the simulator's
 *       xorshift64* generator seeded per table, so that runs repeat.
 *   Invalid ways are filled before any valid entry is replaced, lowest way
 *   first. This is an assumption: Intel does not document the replacement
 *   hardware of its TLBs, paging-structure caches or caches.
 *
 *   Does not model: lookup latency (the users charge sa_geom.latency),
 *   ports, banking, partial tags, hashed set indexing, or the reset state of
 *   replacement bits (irrelevant here: a set becomes full only after every
 *   way has been filled, which sets every tree bit).
 *
 * Representation
 *   Keys and contexts are arrays of their own (tag, ctx), beside the entry
 *   data (e): a lookup compares a set's keys as packed words, four at a
 *   time with SSE2, and reads a context only where the key matched, so a
 *   miss in a 16-way set reads two host cache lines. A fill skips the search
 *   for (key, ctx) when the last lookup of the table missed it (the common
 *   lookup-then-fill), and the search for an invalid way once every entry
 *   is valid (nvalid).
 */
#include "sa.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static u32 log2_u32(u32 x)
{
	u32 n = 0;
	while (x > 1) {
		x >>= 1;
		n++;
	}
	return n;
}

/* Makes entry i invalid: key SA_KEY_NONE (which sa_find_ relies on),
 * context, value and flags 0. */
static inline void sa_clear(struct sa_table *t, u64 i)
{
	if (t->tag[i] != SA_KEY_NONE)
		t->nvalid--;
	t->tag[i] = SA_KEY_NONE;
	t->ctx[i] = 0;
	t->e[i] = (struct sa_entry){ 0 };
}

static struct sa_record sa_record_of(const struct sa_table *t, u64 i)
{
	return (struct sa_record){ t->tag[i], t->e[i].val, t->ctx[i], t->e[i].flags };
}

int sa_init(struct sa_table *t, const struct sa_geom *g, u64 seed)
{
	u32 i;

	memset(t, 0, sizeof(*t));
	SIM_BUG_ON(sa_geom_check(g) != NULL);
	t->policy = g->policy;
	t->rng = rng_seed(seed);
	if (g->entries == 0)
		return 0;               /* no such table: sets = ways = 0 */
	t->ways = g->ways;
	t->sets = g->entries / g->ways;
	t->set_mask = t->sets - 1;
	t->tag = malloc(g->entries * sizeof(*t->tag));
	t->ctx = calloc(g->entries, sizeof(*t->ctx));
	t->e = calloc(g->entries, sizeof(*t->e));
	if (!t->tag || !t->ctx || !t->e)
		goto nomem;
	for (i = 0; i < g->entries; i++)
		t->tag[i] = SA_KEY_NONE;
	t->miss_key = SA_KEY_NONE;
	if (g->policy == REPL_LRU) {
		t->stamp = calloc(g->entries, sizeof(*t->stamp));
		if (!t->stamp)
			goto nomem;
	}
	if (g->policy == REPL_PLRU) {
		u32 levels = log2_u32(t->ways), w, d;

		t->plru = calloc(t->sets, sizeof(*t->plru));
		t->plru_path = calloc(2 * (size_t)t->ways, sizeof(*t->plru_path));
		if (!t->plru || !t->plru_path)
			goto nomem;
		for (w = 0; w < t->ways; w++) {
			u64 node = 1, mask = 0, val = 0;
			for (d = 0; d < levels; d++) {
				u64 right = (w >> (levels - 1 - d)) & 1;
				mask |= 1ull << node;
				if (!right)
					val |= 1ull << node;    /* point right, away from w */
				node = 2 * node + right;
			}
			t->plru_path[2 * w] = mask;
			t->plru_path[2 * w + 1] = val;
		}
	}
	return 0;
nomem:
	sa_destroy(t);
	return -ENOMEM;
}

void sa_destroy(struct sa_table *t)
{
	free(t->tag);
	free(t->ctx);
	free(t->e);
	free(t->stamp);
	free(t->plru);
	free(t->plru_path);
	memset(t, 0, sizeof(*t));
}

/* The lowest invalid way of set `set`, or ways when the set is full. */
static inline u32 sa_find_invalid(const struct sa_table *t, u64 set)
{
	const u64 *tag = t->tag + set * t->ways;
	u32 base;

	for (base = 0; base < t->ways; base += 64) {
		u32 n = t->ways - base < 64 ? t->ways - base : 64;
		u64 m = sa_match_(tag + base, n, SA_KEY_NONE);
		if (m)
			return base + (u32)__builtin_ctzll(m);
	}
	return t->ways;
}

/* Way to replace in a full set. */
static u32 sa_victim(struct sa_table *t, u64 set)
{
	u32 w, best = 0;

	switch (t->policy) {
	case REPL_LRU: {
		/* Branch-free: which way is oldest is not predictable. */
		const u64 *stamp = t->stamp + set * t->ways;
		u64 oldest = stamp[0];
		for (w = 1; w < t->ways; w++) {
			bool older = stamp[w] < oldest;
			oldest = older ? stamp[w] : oldest;
			best = older ? w : best;
		}
		return best;
	}
	case REPL_PLRU: {
		u64 bits = t->plru[set], node = 1;
		while (node < t->ways)
			node = 2 * node + ((bits >> node) & 1);
		return (u32)(node - t->ways);
	}
	case REPL_RANDOM:
		return (u32)(rng_next(&t->rng) % t->ways);
	}
	SIM_BUG_ON(1);
}

bool sa_fill(struct sa_table *t, u64 index, u64 key, u32 ctx, u64 val, u32 flags,
	     struct sa_record *victim)
{
	u64 set, base;
	u32 w;
	struct sa_entry *e;
	bool evicted = false;

	SIM_BUG_ON(key == SA_KEY_NONE);
	if (t->ways == 0)
		return false;
	set = index & t->set_mask;
	base = set * t->ways;
	e = &t->e[base];
	/* present: overwrite in place (known absent after a lookup of it missed) */
	if (key == t->miss_key && set == t->miss_set && ctx == t->miss_ctx)
		w = t->ways;
	else
		w = sa_find_(t, set, key, ctx);
	t->miss_key = SA_KEY_NONE;
	/* else the lowest invalid way, if the table has any */
	if (w == t->ways && t->nvalid < (u64)t->sets * t->ways) {
		w = sa_find_invalid(t, set);
		if (w < t->ways)
			t->nvalid++;
	}
	if (w == t->ways) {
		w = sa_victim(t, set);
		if (victim)
			*victim = sa_record_of(t, base + w);
		t->evictions++;
		evicted = true;
	}
	t->tag[base + w] = key;
	t->ctx[base + w] = ctx;
	e[w].val = val;
	e[w].flags = flags | SA_VALID;
	sa_touch_(t, set, base + w);
	t->fills++;
	return evicted;
}

bool sa_invalidate(struct sa_table *t, u64 index, u64 key, u32 ctx)
{
	struct sa_entry *e = sa_probe(t, index, key, ctx);

	if (!e)
		return false;
	sa_clear(t, (u64)(e - t->e));
	return true;
}

u64 sa_invalidate_if(struct sa_table *t, bool (*pred)(const struct sa_record *, void *), void *arg)
{
	u64 i, n = 0, total = (u64)t->sets * t->ways;

	for (i = 0; i < total; i++) {
		struct sa_record r;

		if (t->tag[i] == SA_KEY_NONE)
			continue;
		r = sa_record_of(t, i);
		if (!pred || pred(&r, arg)) {
			sa_clear(t, i);
			n++;
		}
	}
	return n;
}

void sa_foreach(const struct sa_table *t, void (*fn)(const struct sa_record *, void *), void *arg)
{
	u64 i, total = (u64)t->sets * t->ways;

	for (i = 0; i < total; i++) {
		if (t->tag[i] != SA_KEY_NONE) {
			struct sa_record r = sa_record_of(t, i);
			fn(&r, arg);
		}
	}
}

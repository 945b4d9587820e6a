/*
 * gen.h - the synthetic generator framework of workloads/ (internal).
 *
 * A generator is a `struct gen_def` listed in gen_table.c. The core (gen.c)
 * parses the spec "name:key=val,...", owns the common keys, emits the MAP of
 * each process's region, the CTX switches and the access kinds (rw, ifrac),
 * and asks the generator only for the next byte offset inside the region.
 * A generator that must emit events of its own (page-table churn, several
 * VMs) sets `fill` instead and produces the whole stream itself.
 *
 * To add a generator: write gen_NAME.c with a `const struct gen_def
 * gen_NAME`, add it to gen_table.c and to docs/trace-format.md.
 */
#ifndef MMUSIM_GEN_H
#define MMUSIM_GEN_H

#include "trace_int.h"

#include <string.h>

enum gen_key_type {
	GK_BYTES,     /* byte count: 4096, 0x1000, 4K, 2M, 64G */
	GK_COUNT,     /* integer: 1000000 or 1e6 */
	GK_REAL,      /* real number */
	GK_PAGE,      /* 4K | 2M | 1G | huge | any */
	GK_NAME,      /* a word (multiproc's `of`) */
};

struct gen_key {
	const char *name;
	enum gen_key_type type;
	const char *def;      /* default, written as a user would write it */
	double lo, hi;        /* accepted range of numbers (inclusive) */
	const char *help;
};

/* A seeded bijection of [0, n): a balanced Feistel network on the next
 * even power of two, walked until the value falls inside [0, n). */
struct gen_perm {
	u64 n;
	unsigned half;
	u64 mask;
	u64 key[4];
};

struct gen_proc {
	u64 rng;              /* this process's address stream */
	u64 pos;              /* cursor of the ordered patterns */
	struct gen_perm perm; /* bijection of [0, g->items) */
	u32 pid;
	bool mapped;
};

struct gen;

struct gen_def {
	const char *name;
	const char *help;                 /* one line */
	const struct gen_key *keys;       /* own keys, { NULL } ends; a name of a
					     common key overrides its default */
	bool wraps;                       /* key `of` names the address pattern */
	/* Checks own keys (gen_u, gen_d), sets g->grain/items when it uses
	 * them, builds shared state in g->priv. 0 or gen_err(). */
	int (*init)(struct gen *g);
	/* Next access offset in [0, footprint - size], a multiple of size. */
	u64 (*next)(const struct gen *g, struct gen_proc *p);
	/* Optional: emits the events itself (then `next` is unused). */
	int (*fill)(struct gen *g, struct ev *buf, int max);
	void (*fini)(struct gen *g);
};

extern const struct gen_def *const gen_table[];   /* NULL-terminated */

#define GEN_KV_MAX 48

struct gen_kv {
	const struct gen_key *key;
	const char *given;     /* points into the spec copy, NULL when defaulted */
	size_t given_len;
	union { u64 u; double d; char s[24]; } v;
};

struct gen {
	const struct gen_def *def;    /* the address pattern */
	char label[40];               /* generator name as given, for messages */
	/* common keys */
	u64 footprint, n, seed, base, procs, quantum, vms;
	double rw, ifrac;
	u32 size;
	u8 psize;                     /* page hint of the MAP */
	/* derived */
	u64 slots;                    /* footprint / size */
	u64 grain, items;             /* unit of zipf, chase, hotcold; count */
	u64 maplen;                   /* MAP length: footprint rounded to the hint */
	void *priv;
	/* run state */
	struct gen_proc *proc;
	u64 cur, left, done, krng;
	struct gen_kv kv[GEN_KV_MAX];
	int nkv;
};

/* Values of keys (own, pattern or common). Asking for an unknown key is a bug. */
u64 gen_u(const struct gen *g, const char *key);
double gen_d(const struct gen *g, const char *key);
/* Whether the spec set `key` (false when the key took its default). */
static inline bool gen_given(const struct gen *g, const char *key)
{
	for (int i = 0; i < g->nkv; i++)
		if (!strcmp(g->kv[i].key->name, key))
			return g->kv[i].given != NULL;
	return false;
}
/* Prints "mmusim: --gen LABEL: what" and returns -EINVAL. */
int gen_err(const struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets g->grain from key `grain` and g->items = footprint / grain. */
int gen_use_grain(struct gen *g);

void gen_perm_init(struct gen_perm *pm, u64 n, u64 *rng);
u64 gen_perm_at(const struct gen_perm *pm, u64 x);

/* Uniform integer in [0, n), n >= 1, without modulo bias. */
static inline u64 gen_below(u64 *rng, u64 n)
{
	unsigned __int128 m = (unsigned __int128)rng_next(rng) * n;
	u64 lo = (u64)m;
	if (lo < n) {
		u64 floor = (0 - n) % n;
		while (lo < floor) {
			m = (unsigned __int128)rng_next(rng) * n;
			lo = (u64)m;
		}
	}
	return (u64)(m >> 64);
}

#endif

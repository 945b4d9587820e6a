/*
 * geom.h - the geometry of a set-associative table (entries, ways,
 * replacement policy, hit latency) as the configuration gives it, and its
 * validation. The engine itself is tlb/sa.h; the geometry lives here so
 * that the configuration can hold and check it below the tables.
 */
#ifndef MMUSIM_GEOM_H
#define MMUSIM_GEOM_H

#include "types.h"

enum repl { REPL_LRU = 0, REPL_PLRU = 1, REPL_RANDOM = 2 };
const char *repl_name(enum repl r);

/* Geometry of one table as the configuration gives it. entries == 0 means
 * "no such table" (every lookup misses, fills are dropped). */
struct sa_geom {
	u32 entries;
	u32 ways;
	enum repl policy;
	u32 latency;   /* cycles charged for a lookup that hits (users decide) */
};

/* Checks a geometry: returns NULL when valid, else a static string saying
 * why not (e.g. "ways must divide entries"), in the spirit of cachegrind's
 * check_cache(). Callers prefix it with [section] key. */
const char *sa_geom_check(const struct sa_geom *g);

#endif

/* geom.c - geometry checks and names shared by every sa_table user. */
#include "geom.h"

const char *repl_name(enum repl r)
{
	switch (r) {
	case REPL_LRU: return "lru";
	case REPL_PLRU: return "plru";
	case REPL_RANDOM: return "random";
	}
	return "?";
}

static bool is_pow2(u64 x) { return x && !(x & (x - 1)); }

const char *sa_geom_check(const struct sa_geom *g)
{
	if (g->entries == 0)
		return NULL;                   /* no such table: always valid */
	if (g->ways == 0)
		return "ways must be at least 1";
	if (g->ways > g->entries)
		return "ways must not exceed entries";
	if (g->entries % g->ways)
		return "entries must be a multiple of ways";
	if (!is_pow2(g->entries / g->ways))
		return "sets (entries / ways) must be a power of two";
	if (g->policy == REPL_PLRU && !is_pow2(g->ways))
		return "tree-PLRU needs a power-of-two number of ways";
	if (g->policy == REPL_PLRU && g->ways > 64)
		return "tree-PLRU supports at most 64 ways";
	if (g->policy > REPL_RANDOM)
		return "unknown replacement policy";
	return NULL;
}

/*
 * pwc.c - paging-structure caches (see pwc.h).
 *
 * Model notes
 *   Models: Intel's paging-structure caches (SDM vol. 3A 4.10.3): a PML5E,
 *   PML4E, PDPTE and PDE cache, each tagged by the linear-address bits
 *   that select the entries down to its level (4.10.3.1) and by the
 *   address-space tag (PCID, VPID), holding the non-leaf entry read at that
 *   level. One set of caches per dimension of a two-dimensional walk (guest
 *   page tables, EPT), each an sa_table indexed by (dimension, level): the
 *   array makes it impossible to fill one level with another level's entry.
 *   The set index is the low bits of the tag.
 *   Hits are counted per (dimension, level) lookup; a lookup of a level that
 *   has no cache (0 entries) or with the caches disabled counts nothing, so
 *   that lookups - hits is the number of misses of caches that exist.
 *   Flushes: pwc_flush_ctx drops every entry of a context in one dimension
 *   (INVLPG and MOV to CR3 drop the entries of the current PCID, SDM vol. 3A
 *   4.10.4.1); pwc_flush_all drops everything.
 *   Latency: [pwc] gives one latency for every level, held in lvl[2] of
 *   the configuration (cfg.c); the walker charges it.
 *
 *   Does not model: leaf entries (they are the TLB's), which levels a real
 *   core implements and their sizes (configuration: the SDM leaves both
 *   implementation-specific), the parallel lookup of all levels (the walker decides
 *   the order and uses the deepest hit, SDM vol. 3A 4.10.3.2), and the EPT
 *   combined mappings of SDM vol. 3C ch. 29 ("Caching Translation
 *   Information"): the DIM_H arrays cache EPT entries tagged by
 *   guest-physical address, an assumption.
 */
#include "pwc.h"

#include <string.h>

static inline bool pwc_level_ok(int level)
{
	return level >= 2 && level <= PT_LEVELS_MAX;
}

int pwc_init(struct pwc *p, const struct cfg_pwc *c, u64 seed)
{
	int d, l, err;

	memset(p, 0, sizeof(*p));
	p->enabled = c->enabled;
	p->latency = c->lvl[2].latency;
	for (d = 0; d < DIM_NR; d++) {
		for (l = 2; l <= PT_LEVELS_MAX; l++) {
			err = sa_init(&p->lvl[d][l], &c->lvl[l], seed + (u64)(d * (PT_LEVELS_MAX + 1) + l));
			if (err) {
				pwc_destroy(p);
				return err;
			}
		}
	}
	return 0;
}

void pwc_destroy(struct pwc *p)
{
	int d, l;

	for (d = 0; d < DIM_NR; d++)
		for (l = 0; l <= PT_LEVELS_MAX; l++)
			sa_destroy(&p->lvl[d][l]);
}

bool pwc_lookup(struct pwc *p, enum dim d, int level, u64 va, u32 ctx, u64 *entry)
{
	struct sa_table *t;
	struct sa_entry *e;
	u64 tag;

	SIM_BUG_ON(!pwc_level_ok(level) || (unsigned)d >= DIM_NR);
	t = &p->lvl[d][level];
	if (!p->enabled || !t->ways)
		return false;
	tag = pwc_tag(va, level);
	p->lookups[d][level]++;
	e = sa_lookup(t, tag, tag, ctx);
	if (!e)
		return false;
	p->hits[d][level]++;
	*entry = e->val;
	return true;
}

void pwc_fill(struct pwc *p, enum dim d, int level, u64 va, u32 ctx, u64 entry)
{
	u64 tag;

	SIM_BUG_ON(!pwc_level_ok(level) || (unsigned)d >= DIM_NR);
	if (!p->enabled)
		return;
	tag = pwc_tag(va, level);
	sa_fill(&p->lvl[d][level], tag, tag, ctx, entry, 0, NULL);
}

static bool pred_ctx(const struct sa_record *e, void *arg)
{
	return e->ctx == *(const u32 *)arg;
}

void pwc_flush_ctx(struct pwc *p, enum dim d, u32 ctx)
{
	int l;

	SIM_BUG_ON((unsigned)d >= DIM_NR);
	for (l = 2; l <= PT_LEVELS_MAX; l++)
		sa_invalidate_if(&p->lvl[d][l], pred_ctx, &ctx);
}

void pwc_flush_all(struct pwc *p)
{
	int d, l;

	for (d = 0; d < DIM_NR; d++)
		for (l = 2; l <= PT_LEVELS_MAX; l++)
			sa_invalidate_if(&p->lvl[d][l], NULL, NULL);
}

/*
 * pwc.h - paging-structure caches (Intel SDM vol. 3A 4.10.3): one cache per
 * upper level of the table, per dimension, as an array indexed by
 * (dimension, level) so that no level can be filled with another's data.
 *
 * A PWC entry at level L (L = 2 PDE, 3 PDPTE, 4 PML4E, 5 PML5E) is tagged by
 * the linear-address bits that select the entries of levels >= L, i.e.
 * va >> (12 + 9 * (L - 1)), and the ctx; its value is the entry read at level
 * L (which points to the level L-1 table). A hit at level L lets the walk
 * skip the reads of levels >= L. Only non-leaf entries are cached (a PDE
 * that maps a 2M page is a leaf and goes to the TLB).
 *
 * Dimensions: DIM_G is the guest (or native) dimension, DIM_H the host (EPT)
 * dimension of a two-dimensional walk.
 */
#ifndef MMUSIM_PWC_H
#define MMUSIM_PWC_H

#include "../mmu/util/cfg.h"
#include "sa.h"

enum dim { DIM_G = 0, DIM_H = 1, DIM_NR = 2 };

struct pwc {
	bool enabled;
	u32 latency;
	struct sa_table lvl[DIM_NR][PT_LEVELS_MAX + 1];
	u64 lookups[DIM_NR][PT_LEVELS_MAX + 1];
	u64 hits[DIM_NR][PT_LEVELS_MAX + 1];
};

/* cg configures both dimensions alike (issue 3 may give DIM_H its own). */
int pwc_init(struct pwc *p, const struct cfg_pwc *c, u64 seed);
void pwc_destroy(struct pwc *p);

/* Tag of va at level (the index bits of every level >= level). */
static inline u64 pwc_tag(u64 va, int level) { return (va & ((1ull << 57) - 1)) >> (12 + 9 * (level - 1)); }

/* Looks up level `level` of dimension d; on a hit stores the cached entry
 * value in *entry. Counts a lookup (and a hit). Disabled, or a level with
 * no entries: always false and counts nothing. level must be 2..5. */
bool pwc_lookup(struct pwc *p, enum dim d, int level, u64 va, u32 ctx, u64 *entry);
void pwc_fill(struct pwc *p, enum dim d, int level, u64 va, u32 ctx, u64 entry);
/* Drops every entry of ctx in dimension d (INVLPG drops all PWC entries of
 * the current PCID, SDM vol. 3A 4.10.4.1). */
void pwc_flush_ctx(struct pwc *p, enum dim d, u32 ctx);
void pwc_flush_all(struct pwc *p);

#endif

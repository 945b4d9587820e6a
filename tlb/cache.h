/*
 * cache.h - the memory port: the PTE cache hierarchy (L1D, L2, LLC) and
 * DRAM through which every page-walk reference is charged.
 *
 * A read of host-physical address a looks up line a / line_size in L1, then
 * L2, then LLC; the first level that hits supplies the latency of that
 * level, a miss everywhere costs dram_latency. On a miss the line is filled
 * into every level that missed (a fill-on-miss, non-inclusive hierarchy: no
 * back-invalidation). Only page-walk references use this model: data
 * accesses of the trace do not occupy these caches (documented in
 * docs/model.md). With [cache] enabled = false every reference costs
 * dram_latency and is reported as coming from DRAM.
 */
#ifndef MMUSIM_CACHE_H
#define MMUSIM_CACHE_H

#include "../mmu/util/cfg.h"
#include "sa.h"

/* Where a walk reference was served. */
/* SRC_NTLB: a nested-TLB hit during a 2D walk; SRC_TAG: a memory-tag check
 * (translation pass-through). Neither is a memory reference. */
enum ref_src { SRC_PWC = 0, SRC_L1 = 1, SRC_L2 = 2, SRC_LLC = 3, SRC_DRAM = 4, SRC_NTLB = 5, SRC_TAG = 6, SRC_NR = 7 };
const char *ref_src_name(enum ref_src s);   /* "PWC", "L1", "L2", "LLC", "DRAM", "NTLB" */

struct memport {
	bool enabled;
	u32 line_shift;
	u32 lat[3];
	u32 dram_latency;
	struct sa_table lvl[3];
	u64 reads[SRC_NR];       /* reads served by each source */
};

int memport_init(struct memport *m, const struct cfg_cache *c, u64 seed);
void memport_destroy(struct memport *m);
/* Charges one read of a (8-byte PTE); returns its latency in cycles and
 * where it was served in *src. */
u32 memport_read(struct memport *m, hpa_t a, enum ref_src *src);
void memport_flush(struct memport *m);

#endif

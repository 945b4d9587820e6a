/*
 * cache.h - the memory port: the PTE cache hierarchy (L1D, L2, LLC) and
 * DRAM through which every page-walk reference is charged.
 *
 * A read of host-physical address a looks up line a / line_size in L1, then
 * L2, then LLC; the first level that hits supplies the latency of that
 * level, a miss everywhere costs dram_latency. On a miss the line is filled
 * into every level that missed (a fill-on-miss, non-inclusive hierarchy: no
 * back-invalidation). With [cache] data = true (the default) the trace's
 * data accesses go through the same hierarchy after their translation
 * (memport_data; fetches skip the L1D), so page-walk references compete
 * with the program's lines as on a real core; false: only page-walk
 * references use it. With [cache] enabled = false every reference costs
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
	bool data;               /* [cache] data: data accesses use the caches */
	u32 line_shift;
	u32 lat[3];
	u32 dram_latency;
	struct sa_table lvl[3];
	u64 reads[SRC_NR];       /* reads served by each source */
	u64 data_reads[SRC_NR];  /* data accesses served by each source */
	/* Same-line fast path of memport_data: the line the last data access
	 * (last_d, in L1) or fetch (last_i, in L2) hit or filled is the most
	 * recently used of its set until another reference touches that
	 * level; hitting it again changes no replacement state. ~0: none. */
	u64 last_d, last_i;
};

int memport_init(struct memport *m, const struct cfg_cache *c, u64 seed);
void memport_destroy(struct memport *m);
/* Charges one read of a (8-byte PTE); returns its latency in cycles and
 * where it was served in *src. */
u32 memport_read(struct memport *m, hpa_t a, enum ref_src *src);
void memport_flush(struct memport *m);
/* A data access (fetch: an instruction fetch, which goes to L2 and LLC,
 * the L1I not being modelled) of host-physical a, after its translation:
 * counted and filled like a walk reference, no latency charged (the
 * simulator charges translation, not data, cycles). */
void memport_data_(struct memport *m, u64 line, bool fetch);
static inline void memport_data(struct memport *m, hpa_t a, bool fetch)
{
	u64 line;
	if (!m->data)
		return;
	line = a.v >> m->line_shift;
	if (line == (fetch ? m->last_i : m->last_d)) {
		struct sa_table *t = &m->lvl[fetch ? 1 : 0];
		t->lookups++;               /* as sa_lookup's hit counts it */
		t->hits++;
		m->data_reads[fetch ? SRC_L2 : SRC_L1]++;
		return;
	}
	memport_data_(m, line, fetch);
}

#endif

/*
 * cache.c - the memory port through which page walks read PTEs (see
 * cache.h).
 *
 * Model notes
 *   Models: the page walker's loads of paging-structure entries going
 *   through the data cache hierarchy (that walks read through L1D, L2 and
 *   LLC is an assumption; the SDM does not say which cache levels a walk
 *   uses, only that the paging-structure caches of 4.10.3 are separate from
 *   them): L1D, L2 and LLC as sa_tables keyed by host-physical line address (a / line,
 *   set index = low bits of the line address), then DRAM. A read costs the
 *   configured load-to-use latency of the first level that holds the line,
 *   or dram_latency; it fills the line into every level that missed
 *   (fill-on-miss, non-inclusive, no back-invalidation). Counters: reads by
 *   serving source (SRC_L1 .. SRC_DRAM; SRC_PWC is counted by the MMU).
 *   A level with 0 entries does not exist: it never hits and is never
 *   filled.
 *
 *   Data accesses ([cache] data = true, the default; as on real cores,
 *   where the page walker's loads share L1D, L2 and LLC with the
 *   program's, and as ChampSim's PTW sends its loads into the L1D): each
 *   translated access looks up its line after the translation, from L1D
 *   (loads, stores and modifies alike: write-allocate) or, for a fetch,
 *   from L2 (the L1I is not modelled, so fetches occupy L2 and LLC only),
 *   and fills the levels that missed. Its latency is not charged
 *   (mmusim reports translation cycles, not the program's); only its
 *   occupancy matters, evicting PTE lines as the program's working set
 *   does. An access is one line (the first it touches in its 4K page);
 *   the second page of a split access is a second access.
 *   With data = false the trace's accesses do not occupy the caches, so
 *   PTE lines stay longer than on hardware (the behaviour before the
 *   option existed).
 *   Does not model (assumptions): writes and write-backs (A/D updates and
 *   stores cost a read here), bandwidth,
 *   queueing, MSHRs, overlapping of walk references, prefetchers, DRAM
 *   pages and banks (one fixed dram_latency), coherence, and the latencies
 *   of the levels missed on the way (the latency of the serving level is
 *   taken as the whole load-to-use time, as load-to-use latencies are
 *   usually quoted). An 8-byte aligned PTE never spans two lines.
 */
#include "cache.h"

#include <string.h>

const char *ref_src_name(enum ref_src s)
{
	static const char *const n[SRC_NR] = { "PWC", "L1", "L2", "LLC", "DRAM", "NTLB", "TAG" };
	return (unsigned)s < SRC_NR ? n[s] : "?";
}

int memport_init(struct memport *m, const struct cfg_cache *c, u64 seed)
{
	int i, err;

	memset(m, 0, sizeof(*m));
	m->enabled = c->enabled;
	m->data = c->enabled && c->data;
	m->last_d = m->last_i = ~0ull;
	m->dram_latency = c->dram_latency;
	if (!m->enabled)
		return 0;
	SIM_BUG_ON(c->line < 8 || (c->line & (c->line - 1)));
	while ((1u << m->line_shift) < c->line)
		m->line_shift++;
	for (i = 0; i < 3; i++) {
		m->lat[i] = c->lvl[i].latency;
		err = sa_init(&m->lvl[i], &c->lvl[i], seed + (u64)i);
		if (err) {
			memport_destroy(m);
			return err;
		}
	}
	return 0;
}

void memport_destroy(struct memport *m)
{
	int i;

	for (i = 0; i < 3; i++)
		sa_destroy(&m->lvl[i]);
}

u32 memport_read(struct memport *m, hpa_t a, enum ref_src *src)
{
	u64 line;
	int i, j;
	u32 lat;

	if (!m->enabled) {
		m->reads[SRC_DRAM]++;
		*src = SRC_DRAM;
		return m->dram_latency;
	}
	line = a.v >> m->line_shift;
	m->last_d = m->last_i = ~0ull;
	for (i = 0; i < 3; i++)
		if (sa_lookup(&m->lvl[i], line, line, 0))
			break;
	for (j = 0; j < i; j++)
		sa_fill(&m->lvl[j], line, line, 0, 0, 0, NULL);
	if (i < 3) {
		*src = (enum ref_src)(SRC_L1 + i);
		lat = m->lat[i];
	} else {
		*src = SRC_DRAM;
		lat = m->dram_latency;
	}
	m->reads[*src]++;
	return lat;
}

void memport_data_(struct memport *m, u64 line, bool fetch)
{
	int i, j, first = fetch ? 1 : 0;
	enum ref_src src;

	for (i = first; i < 3; i++)
		if (sa_lookup(&m->lvl[i], line, line, 0))
			break;
	for (j = first; j < i; j++)
		sa_fill(&m->lvl[j], line, line, 0, 0, 0, NULL);
	src = i < 3 ? (enum ref_src)(SRC_L1 + i) : SRC_DRAM;
	m->data_reads[src]++;
	/* what this access made MRU, and what it may have displaced */
	if (fetch) {
		m->last_i = m->lvl[1].ways ? line : ~0ull;
	} else {
		m->last_d = m->lvl[0].ways ? line : ~0ull;
		if (i > 0)
			m->last_i = ~0ull;      /* it looked up (or filled) L2 */
	}
}

void memport_flush(struct memport *m)
{
	int i;

	m->last_d = m->last_i = ~0ull;
	for (i = 0; i < 3; i++)
		sa_invalidate_if(&m->lvl[i], NULL, NULL);
}

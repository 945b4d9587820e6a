/* test_cache.c - the memory port: latency of the serving level, fills of
 * the levels that missed, eviction paths, disabled caches, counters. */
#include "test.h"
#include "../../tlb/cache.h"
#include "../../mmu/sim.h"
#include "../../workloads/trace.h"

enum { LAT_L1 = 5, LAT_L2 = 14, LAT_LLC = 40, LAT_DRAM = 200 };

static void geom(struct sa_geom *g, u32 entries, u32 ways, u32 lat)
{
	g->entries = entries;
	g->ways = ways;
	g->policy = REPL_LRU;
	g->latency = lat;
}

/* 64-byte lines. L1: 8 lines, 2 ways (4 sets, set = line & 3);
 * L2: 32 lines, 4 ways (8 sets, line & 7); LLC: 128 lines, 8 ways
 * (16 sets, line & 15). */
static struct cfg_cache cfg_small(bool enabled)
{
	struct cfg_cache c;

	memset(&c, 0, sizeof c);
	c.enabled = enabled;
	c.line = 64;
	c.dram_latency = LAT_DRAM;
	geom(&c.lvl[0], 8, 2, LAT_L1);
	geom(&c.lvl[1], 32, 4, LAT_L2);
	geom(&c.lvl[2], 128, 8, LAT_LLC);
	return c;
}

static u32 rd(struct memport *m, u64 a, enum ref_src *src)
{
	return memport_read(m, mk_hpa(a), src);
}

TEST(memport_cold_then_l1)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	enum ref_src s;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	CHECK_EQ(m.line_shift, 6);
	CHECK_EQ(rd(&m, 0x1000, &s), LAT_DRAM);
	CHECK_EQ(s, SRC_DRAM);
	CHECK_EQ(rd(&m, 0x1008, &s), LAT_L1);
	CHECK_EQ(s, SRC_L1);
	CHECK_EQ(rd(&m, 0x1038, &s), LAT_L1);        /* last PTE of the line */
	CHECK_EQ(s, SRC_L1);
	CHECK_EQ(rd(&m, 0x1040, &s), LAT_DRAM);      /* next line */
	CHECK_EQ(s, SRC_DRAM);
	CHECK_EQ(m.reads[SRC_DRAM], 2);
	CHECK_EQ(m.reads[SRC_L1], 2);
	CHECK_EQ(m.reads[SRC_L2] + m.reads[SRC_LLC] + m.reads[SRC_PWC], 0);
	memport_destroy(&m);
}

/*
 * Lines 0, 4, 8 (addresses 0x0, 0x100, 0x200) share L1 set 0; in the L2
 * line 4 is in set 4, lines 0 and 8 in set 0.
 *   0, 4, 8   DRAM x3; L1 set 0 = {4, 8} (0 evicted), L2 holds all three
 *   0         L2 (14); L1 set 0 = {8, 0} (4 evicted)
 *   0         L1 (5)
 *   4         L2 (14); L1 = {0, 4} (8 evicted)
 *   8         L2 (14)
 */
TEST(memport_l1_eviction_falls_to_l2)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	static const u64 addr[] = { 0x0, 0x100, 0x200, 0x0, 0x0, 0x100, 0x200 };
	static const u32 lat[] = { LAT_DRAM, LAT_DRAM, LAT_DRAM, LAT_L2, LAT_L1, LAT_L2, LAT_L2 };
	static const enum ref_src src[] = { SRC_DRAM, SRC_DRAM, SRC_DRAM, SRC_L2, SRC_L1, SRC_L2, SRC_L2 };
	enum ref_src s;
	size_t i;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	for (i = 0; i < ARRAY_SIZE(addr); i++) {
		CHECK_EQ(rd(&m, addr[i], &s), lat[i]);
		CHECK_EQ(s, src[i]);
	}
	CHECK_EQ(m.reads[SRC_DRAM], 3);
	CHECK_EQ(m.reads[SRC_L2], 3);
	CHECK_EQ(m.reads[SRC_L1], 1);
	CHECK_EQ(m.reads[SRC_LLC], 0);
	memport_destroy(&m);
}

/*
 * Lines 0, 8, 16, 24, 32 (addresses 0x0 .. 0x800 step 0x200): L1 set 0
 * keeps {24, 32}; L2 set 0 (4 ways) keeps {8, 16, 24, 32}; in the LLC
 * lines 0, 16, 32 are in set 0 and 8, 24 in set 8 (no eviction).
 *   line 0    LLC (40); filled into L1 (evicts 24) and L2 (evicts 8)
 *   line 0    L1 (5)
 *   line 8    L1 {32, 0} miss, L2 miss (evicted above), LLC (40)
 */
TEST(memport_l2_eviction_falls_to_llc)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	enum ref_src s;
	u64 k;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	for (k = 0; k < 5; k++)
		CHECK_EQ(rd(&m, k * 0x200, &s), LAT_DRAM);
	CHECK(sa_probe(&m.lvl[0], 0, 0, 0) == NULL);
	CHECK(sa_probe(&m.lvl[1], 0, 0, 0) == NULL);
	CHECK_EQ(rd(&m, 0x0, &s), LAT_LLC);
	CHECK_EQ(s, SRC_LLC);
	CHECK(sa_probe(&m.lvl[0], 0, 0, 0) != NULL);
	CHECK(sa_probe(&m.lvl[1], 0, 0, 0) != NULL);
	CHECK_EQ(rd(&m, 0x8, &s), LAT_L1);
	CHECK_EQ(s, SRC_L1);
	CHECK_EQ(rd(&m, 0x200, &s), LAT_LLC);
	CHECK_EQ(s, SRC_LLC);
	CHECK_EQ(m.reads[SRC_DRAM], 5);
	CHECK_EQ(m.reads[SRC_LLC], 2);
	CHECK_EQ(m.reads[SRC_L1], 1);
	CHECK_EQ(m.reads[SRC_L2], 0);
	memport_destroy(&m);
}

/* Nine lines of LLC set 0 (lines 0, 16, ..., 128) push line 0 out of every
 * level: it costs DRAM again. */
TEST(memport_llc_eviction_falls_to_dram)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	enum ref_src s;
	u64 k;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	for (k = 0; k < 9; k++)
		CHECK_EQ(rd(&m, k * 16 * 64, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 0x10, &s), LAT_DRAM);
	CHECK_EQ(s, SRC_DRAM);
	/* Refilling line 0 evicted line 16 from the LLC (its oldest), 112
	 * from L1 set 0 {112, 128} and 80 from L2 set 0 {80, 96, 112, 128}.
	 * Line 16 now costs DRAM; its fill evicts 128 from L1 {128, 0} and 96
	 * from L2, which still holds 128. */
	CHECK_EQ(rd(&m, 16 * 64, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 128 * 64, &s), LAT_L2);
	CHECK_EQ(s, SRC_L2);
	CHECK_EQ(m.reads[SRC_DRAM], 11);
	CHECK_EQ(m.reads[SRC_L2], 1);
	CHECK_EQ(m.reads[SRC_L1] + m.reads[SRC_LLC], 0);
	memport_destroy(&m);
}

/* Without an L2, an L1 eviction is served by the LLC. */
TEST(memport_absent_level)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	enum ref_src s;

	c.lvl[1].entries = 0;
	c.lvl[1].ways = 0;
	REQUIRE(memport_init(&m, &c, 1) == 0);
	CHECK_EQ(rd(&m, 0x0, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 0x100, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 0x200, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 0x0, &s), LAT_LLC);
	CHECK_EQ(s, SRC_LLC);
	CHECK_EQ(m.reads[SRC_L2], 0);
	memport_destroy(&m);
}

TEST(memport_disabled_always_dram)
{
	struct memport m;
	struct cfg_cache c = cfg_small(false);
	enum ref_src s = SRC_L1;
	int i;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(rd(&m, 0x4000, &s), LAT_DRAM);
		CHECK_EQ(s, SRC_DRAM);
	}
	CHECK_EQ(m.reads[SRC_DRAM], 3);
	CHECK_EQ(m.reads[SRC_L1] + m.reads[SRC_L2] + m.reads[SRC_LLC], 0);
	CHECK(!sa_present(&m.lvl[0]));
	memport_destroy(&m);
}

TEST(memport_flush)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	enum ref_src s;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	CHECK_EQ(rd(&m, 0x12345678, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 0x12345678, &s), LAT_L1);
	memport_flush(&m);
	CHECK_EQ(rd(&m, 0x12345678, &s), LAT_DRAM);
	CHECK_EQ(s, SRC_DRAM);
	memport_destroy(&m);
}

/* Line addresses keep their high bits: 0x1000_0000_0000 (line 2^38) and
 * 0x0 are different lines (both in L1 set 0). */
TEST(memport_high_addresses)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	enum ref_src s;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	CHECK_EQ(rd(&m, 0x0, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 0x100000000000ull, &s), LAT_DRAM);
	CHECK_EQ(rd(&m, 0x0, &s), LAT_L1);
	CHECK_EQ(rd(&m, 0x100000000000ull, &s), LAT_L1);
	memport_destroy(&m);
}

/*
 * A hit at one level does not touch the levels below it (only the levels
 * that missed are filled). Lines 0, 8, 16, 24, 32 share L1 set 0 and L2
 * set 0; 0, 16, 32 share LLC set 0, 8 and 24 LLC set 8.
 *   0   DRAM   L1 [0]        L2 [0]
 *   8   DRAM   L1 [0 8]      L2 [0 8]
 *   0   L1     L1 [8 0]      L2 [0 8]          (L2 order unchanged)
 *   16  DRAM   L1 [0 16]     L2 [0 8 16]
 *   0   L1     L1 [16 0]
 *   24  DRAM   L1 [0 24]     L2 [0 8 16 24]
 *   32  DRAM   L1 [24 32]    L2 [8 16 24 32]   (0 was the L2's LRU)
 *   0   LLC
 */
TEST(memport_hit_leaves_lower_levels)
{
	struct memport m;
	struct cfg_cache c = cfg_small(true);
	static const u64 line[] = { 0, 8, 0, 16, 0, 24, 32, 0 };
	static const u32 lat[] = { LAT_DRAM, LAT_DRAM, LAT_L1, LAT_DRAM, LAT_L1,
				   LAT_DRAM, LAT_DRAM, LAT_LLC };
	enum ref_src s;
	size_t i;

	REQUIRE(memport_init(&m, &c, 1) == 0);
	for (i = 0; i < ARRAY_SIZE(line); i++)
		CHECK_EQ(rd(&m, line[i] * 64, &s), lat[i]);
	CHECK_EQ(m.reads[SRC_DRAM], 5);
	CHECK_EQ(m.reads[SRC_L1], 2);
	CHECK_EQ(m.reads[SRC_LLC], 1);
	memport_destroy(&m);
}

TEST(ref_src_names)
{
	CHECK(strcmp(ref_src_name(SRC_PWC), "PWC") == 0);
	CHECK(strcmp(ref_src_name(SRC_L1), "L1") == 0);
	CHECK(strcmp(ref_src_name(SRC_L2), "L2") == 0);
	CHECK(strcmp(ref_src_name(SRC_LLC), "LLC") == 0);
	CHECK(strcmp(ref_src_name(SRC_DRAM), "DRAM") == 0);
	CHECK(strcmp(ref_src_name(SRC_NR), "?") == 0);
}

/* [cache] data: the program's data accesses share the caches with the
 * walk. Touch page P (its PTE line enters L1), then 1024 distinct lines of
 * 16 other pages (TLB hits, no walk): with data = true they evict P's PTE
 * line from the 512-line L1 (it stays in the 1 MiB L2), so P's next walk
 * reads its PTE from L2; with data = false nothing else used the L1 and
 * the PTE comes from L1. The data accesses are counted by source. */
static enum ref_src pte_source_after_data(bool data, u64 *data_reads)
{
	static const char *const w[] = { "native" };
	struct cfg c;
	struct sim s;
	struct mmu *u;
	u64 base = 0x7f0000000000ull, p = base + (64u << 12), i, k;
	enum ref_src src;
	struct ev e = { .kind = EV_R, .size = 8 };

	cfg_default(&c);
	c.cache.data = data;
	if (sim_init(&s, &c, w, 1, true))
		return SRC_NR;
	u = &s.mmu[0];
	for (k = 0; k < 16; k++) {              /* map the 16 pages */
		e.va = base + (k << 12);
		sim_event(&s, &e);
	}
	e.va = p;
	sim_event(&s, &e);
	for (i = 0; i < 64; i++)
		for (k = 0; k < 16; k++) {
			e.va = base + (k << 12) + i * 64;
			sim_event(&s, &e);
		}
	tlb_flush_all(&u->tlb);
	u->fp[0].valid = u->fp[1].valid = false;
	e.va = p + 8;
	sim_event(&s, &e);
	src = (enum ref_src)u->log.r[u->log.n - 1].src;
	*data_reads = 0;
	for (i = SRC_L1; i <= SRC_DRAM; i++)
		*data_reads += u->port.data_reads[i];
	CHECK_EQ(u->st.oracle_mismatches, 0);
	sim_destroy(&s);
	return src;
}

TEST(memport_data_accesses_evict_pte_lines)
{
	u64 n;
	CHECK_EQ(pte_source_after_data(false, &n), SRC_L1);
	CHECK_EQ(n, 0);
	CHECK_EQ(pte_source_after_data(true, &n), SRC_L2);
	CHECK_EQ(n, 16 + 1 + 64 * 16 + 1);   /* every translated access */
}

/* The same-line fast path of memport_data changes nothing: a run that
 * forgets the last line after every event (so every data access takes the
 * full lookup) counts the same, level by level. */
TEST(memport_data_fast_path_is_exact)
{
	static const char *const w[] = { "native", "nested" };
	struct cfg c;
	struct sim s[2];
	struct trace *t;
	struct ev ev[256];
	int n, k, i, j;

	cfg_default(&c);
	for (k = 0; k < 2; k++)
		REQUIRE(sim_init(&s[k], &c, w, 2, false) == 0);
	REQUIRE(trace_open_gen(&t, "seq:footprint=64M,n=60000,rw=0.3,ifrac=0.2,size=16") == 0);
	while ((n = trace_read(t, ev, 256)) > 0)
		for (j = 0; j < n; j++)
			for (k = 0; k < 2; k++) {
				REQUIRE(sim_event(&s[k], &ev[j]) == 0);
				for (i = 0; k && i < 2; i++)
					s[k].mmu[i].port.last_d = s[k].mmu[i].port.last_i = ~0ull;
			}
	trace_close(t);
	for (i = 0; i < 2; i++) {
		struct memport *a = &s[0].mmu[i].port, *b = &s[1].mmu[i].port;
		for (j = 0; j < SRC_NR; j++) {
			CHECK_EQ(a->data_reads[j], b->data_reads[j]);
			CHECK_EQ(a->reads[j], b->reads[j]);
		}
		for (j = 0; j < 3; j++) {
			CHECK_EQ(a->lvl[j].lookups, b->lvl[j].lookups);
			CHECK_EQ(a->lvl[j].hits, b->lvl[j].hits);
			CHECK_EQ(a->lvl[j].evictions, b->lvl[j].evictions);
		}
		CHECK_EQ(s[0].mmu[i].st.walk_cycles, s[1].mmu[i].st.walk_cycles);
		CHECK(a->data_reads[SRC_L1] > 1000);
	}
	for (k = 0; k < 2; k++)
		sim_destroy(&s[k]);
}

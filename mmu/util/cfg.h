/*
 * cfg.h - the simulator configuration, loaded from INI files.
 *
 * Layering: the embedded default (a copy of configs/default.ini compiled
 * into the binary) is loaded first; `-c FILE` overlays the keys it sets;
 * each `-s section.key=value` overlays one key. Every key of every layer
 * must be known (a schema table in cfg.c), every value must parse and be
 * possible; the whole configuration is validated once, at load time, and
 * then trusted by the hot loop. Errors print one line naming the source
 * (file name, "embedded default" or "command line") and `[section] key`.
 *
 * The source of each default value is given next to it in
 * configs/default.ini and in docs/config.md.
 */
#ifndef MMUSIM_CFG_H
#define MMUSIM_CFG_H

#include "types.h"
#include "geom.h"

#define CFG_NAME_MAX 64
#define PT_LEVELS_MAX 5

enum thp_mode { THP_NEVER = 0, THP_ALWAYS = 1 };

struct cfg_tlb {
	/* [tlb.l1d] / [tlb.l1i]: entries, ways, policy, latency describe the
	 * 4K array; entries_2m, ways_2m, entries_1g, ways_1g the per-size
	 * arrays (0 entries: pages of that size are not cached at L1). The
	 * policy and latency are shared by the arrays of one level. */
	struct sa_geom l1d[PS_NR];
	struct sa_geom l1i[PS_NR];
	/* [tlb.l2]: entries/ways: the unified 4K+2M array (STLB);
	 * entries_1g/ways_1g: a separate 1G array (0: none). */
	struct sa_geom l2;
	struct sa_geom l2_1g;
};

struct cfg_pwc {
	bool enabled;
	/* Indexed by the level of the cached entry: [5] PML5E, [4] PML4E,
	 * [3] PDPTE, [2] PDE. [0] and [1] are unused (a PTE is a leaf and is
	 * cached by the TLB). Keys pml5_entries/pml5_ways ... pd_entries/pd_ways;
	 * policy and latency are shared. */
	struct sa_geom lvl[PT_LEVELS_MAX + 1];
};

struct cfg_cache {
	bool enabled;          /* false: every walk reference costs dram_latency */
	bool data;             /* data accesses go through the caches too */
	u32 line;              /* bytes, power of two */
	u32 dram_latency;
	/* [cache.l1] [cache.l2] [cache.llc]: size (bytes; entries = size/line),
	 * ways, policy, latency (load-to-use cycles of a hit at that level). */
	struct sa_geom lvl[3];
};

struct cfg_os {
	enum thp_mode thp;
	u32 levels;            /* 4 or 5 */
	bool strict;           /* access outside every MAP'd region: fault */
	bool pcid;             /* CR3 writes keep TLB entries of other PCIDs */
};

/* How the VMM looks for a VM's contiguous host extent (buddy.h). */
enum host_alloc {
	ALLOC_SEARCH = 0,      /* any free run that can hold it (buddy_alloc_contig) */
	ALLOC_XEN_HEAP = 1,    /* extend greedily at next_mfn (buddy_alloc_xen) */
};

struct cfg_host {
	u64 ram;               /* bytes of simulated physical memory */
	u32 max_order;         /* buddy allocator: largest block 2^max_order pages */
	double fragmentation;  /* 0..1: pre-existing fragmentation of host memory */
	double movable_pins;   /* 0..1: share of the fragmentation pins compaction can move */
	enum host_alloc allocator; /* how a contiguous extent is looked for */
	u64 contig_align;      /* bytes: a contiguous extent starts at a multiple of this */
};

enum vm_backing { BACK_SCATTERED = 0, BACK_CONTIGUOUS = 1 };
/* What a VM that is not contiguous uses under base-plus-offset. */
enum vm_fallback { FALLBACK_NESTED = 0, FALLBACK_SHADOW = 1 };

/* [vm]: one virtual machine whose guest-physical memory is backed by host
 * frames through an EPT. Walkers that need a VM (nested, shadow, ...)
 * turn it on; `enabled` forces it for the others. */
struct cfg_vm {
	bool enabled;
	u64 memory;            /* bytes of guest-physical memory */
	u32 host_levels;       /* EPT levels: 4 or 5 */
	bool host_thp;         /* back guest memory with 2M host pages */
	enum vm_backing backing;
	u64 compact_after;     /* accesses after which scattered VMs are compacted (0: never) */
	bool mmio_hole;        /* guest-physical [3G, 4G) is an MMIO hole (memory > 3G) */
	enum vm_fallback fallback; /* bpo, vmm-direct: non-contiguous VMs use this */
};

/* [ntlb]: the nested TLB (gPA -> hPA), Bhargava et al., ASPLOS 2008. */
struct cfg_ntlb {
	bool enabled;
	struct sa_geom g;
};

/* [vmm]: costs of VMM interventions (shadow paging and its relatives). */
struct cfg_vmm {
	u32 exit_cycles;       /* one VM exit + VM entry round trip */
	u32 pte_cycles;        /* VMM software work per page-table entry handled */
	bool invlpg_exits;     /* guest INVLPG and PCID flushes exit (shadow, agile) */
	u32 migrate_cycles;    /* compaction: cycles to move one 4K page */
	u32 base_load_cycles;  /* gBA/gMS loaded on each VM switch (base-plus-offset walkers) */
};

#define CFG_KEYS_MAX 160
/* Limits of [host] ram and [vm] memory (also of a host backing file's
 * host_ram): 64 MiB .. 16 TiB (docs/config.md). */
#define CFG_RAM_MIN (64ull << 20)
#define CFG_RAM_MAX (16ull << 40)
#define CFG_FILE_MAX 256

struct cfg {
	/* Where each key was set last (cfg_source): 0 the embedded default,
	 * 1 the file, 2 an override; the file's name; an override's source. */
	u8 layer[CFG_KEYS_MAX];
	char file[CFG_FILE_MAX];
	char ovr_src[CFG_KEYS_MAX][64];   /* an override's named source (cfg_load_from), or "" */
	struct cfg_tlb tlb;
	struct cfg_pwc pwc;
	struct cfg_cache cache;
	struct cfg_os os;
	struct cfg_host host;
	struct cfg_vm vm;
	struct cfg_ntlb ntlb;
	struct cfg_vmm vmm;
	struct {
		u64 seed;
		u64 check_inject;   /* tests: the Nth reference check fails (0: off) */
	} sim;
	struct { char name[CFG_NAME_MAX]; } walker;
	struct { double ghz; u32 access_cycles; double ideal_cpi, cycles_per_access, walk_overlap; } cpu;
	/* [segment]: the guest's direct segment (primary region) and its
	 * escape filter (Gandhi et al., MICRO 2014; Basu et al., ISCA 2013). */
	struct {
		u64 guest_base;        /* gVA of the primary region */
		u64 guest_size;        /* bytes; 0: no guest segment */
		u32 escape_pages;      /* pages remapped by paging at start-up */
		u32 vmm_escape_pages;  /* bad host pages of a contiguous VM, escaped by gPA */
		double guest_fragmentation; /* fraction of guest-physical 2M chunks with a pinned frame */
		bool self_balloon;     /* no contiguous gPA extent: balloon out, hot-add one */
		u32 filter_bits;       /* escape filter size (power of two) */
		u32 filter_hashes;
	} segment;
	/* [tpt]: translation pass-through (Bergman et al., USENIX ATC 2023). */
	struct { u32 tag_check_cycles; } tpt;
	/* [agile]: agile paging's mode-switching policy (Gandhi, Hill and
	 * Swift, ISCA 2016; IEEE Micro 2017). */
	struct {
		u64 interval_cycles;   /* policy interval (2 s in the paper) */
		u32 update_threshold;  /* writes to one guest table page in an
					* interval that move it to nested mode */
	} agile;
};

/* One `-s section.key=value` override. */
struct cfg_override {
	const char *text;      /* "tlb.l1d.entries=128" as typed */
};

/* Loads embedded default, then `file` (may be NULL), then the overrides.
 * 0, or -EINVAL after printing one line "mmusim: <src>: [sec] key: why". */
int cfg_load(struct cfg *c, const char *file, const char *const *overrides, int n_overrides);
/* As cfg_load, with srcs[i] naming where override i comes from in its
 * messages (e.g. "plan.ini:12"; srcs or srcs[i] NULL: "command line"). */
int cfg_load_from(struct cfg *c, const char *file, const char *const *overrides, const char *const *srcs,
		  int n_overrides);
/* Just the embedded default (tests, bench). Never fails: SIM_BUG_ON. */
void cfg_default(struct cfg *c);
/* The embedded default INI text (a copy of configs/default.ini). */
extern const char cfg_default_ini[];
/* Prints "mmusim: src: [sec] key: why" (sec and key may be NULL) as one
 * line, control characters replaced; returns -EINVAL. The one error
 * format of every INI reader. */
int cfg_error(const char *src, const char *sec, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The source that set [sec] key last, for messages of later checks
 * (the machine, the walkers): the file name, "command line" or
 * "embedded default". */
const char *cfg_source(const struct cfg *c, const char *sec, const char *key);
/* Loads an INI file with iniparser 4.1; on a syntax error prints one line
 * "mmusim: SRC:LINE: why" and returns NULL. The caller frees the result
 * with iniparser_freedict. Used by every INI reader (configs, clusters). */
struct _dictionary_ *cfg_ini_load(const char *path, const char *src);
/* Calls fn for every key of the effective configuration, in the order of
 * configs/default.ini, with its value formatted as cfg_dump prints it. */
void cfg_foreach(const struct cfg *c, void (*fn)(const char *sec, const char *key, const char *val, void *arg),
		 void *arg);
/* Print the effective configuration as INI (for reports / `mmusim config`). */
void cfg_dump(const struct cfg *c, void *file /* FILE* */);

#endif

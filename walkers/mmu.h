/*
 * mmu.h - one MMU instance: a walker over its own TLB hierarchy,
 * paging-structure caches and PTE cache hierarchy, with its statistics.
 *
 * Model notes
 *   An access is first checked for canonicality (#GP for a user address at
 *   or above 2^47 with 4 levels, 2^56 with 5; SDM vol. 3A 4.5), then looked
 *   up in the L1 TLB of its kind (iTLB for fetches, dTLB otherwise), then in
 *   the L2 TLB, then walked. The L2 and the L1 are filled on every walk that
 *   succeeds; an L2 hit fills the L1.
 *   A TLB hit whose permissions forbid the access, or a write hitting an
 *   entry whose D bit is clear, walks again (SDM vol. 3A 4.8: the processor
 *   sets D in the PTE on the first write through a translation; a fault is
 *   taken only after a fresh walk). Such walks are counted as dirty_walks.
 *   Translation cycles: the L2 TLB lookup latency for every L1 miss plus the
 *   walk cycles (sum of the serial references' latencies, plus the PWC
 *   latency once per dimension walk that hit the PWC: once for a native
 *   walk, once per guest walk and per EPT walk of a nested one). The L1 TLB latency is
 *   taken to overlap the cache access (VIPT L1D) and is not charged.
 *   Private frames: the walker's own tables (shadow, agile, TPT) come from
 *   a region of host-physical frames of the instance's own, above host RAM
 *   and placed by the walker's registry position alone (mmu_priv_alloc),
 *   so that no figure of one instance depends on the others of a
 *   comparison (an assumption of the model: a real VMM takes them from
 *   RAM; see docs/model.md).
 *   Not modelled: speculative or parallel walks, walk bypass of L1D,
 *   prefetching of PTE lines, the page-walker's own queues.
 */
#ifndef MMUSIM_MMU_H
#define MMUSIM_MMU_H

#include "../tlb/tlb.h"
#include "radix.h"

struct machine;

#define WALK_HIST_N 16   /* bucket b counts walks of [2^(b-1), 2^b) cycles; b=0: 0 */

struct mmu_stats {
	u64 acc[ACC_NR];          /* accesses by type (after page splits) */
	u64 splits;               /* accesses that crossed a 4K boundary */
	u64 walks;                /* page walks started (incl. faulting) */
	u64 dirty_walks;          /* walks caused by a TLB hit that could not serve */
	u64 walk_refs;            /* memory references made by walks */
	u64 walk_refs_dim[DIM_NR];
	u64 refs_src[SRC_NR];     /* by where they were served (PWC: hits) */
	u64 walk_cycles;
	u64 walk_hist[WALK_HIST_N];
	u64 l2_cycles;            /* L2 TLB lookups after an L1 miss */
	u64 faults;               /* walks that ended in a fault */
	u64 faults_kind[FAULT_KIND_NR];
	u64 oracle_checks, oracle_mismatches;
	u64 invlpg, flushes;      /* invalidations received */
	u64 ntlb_hits, ntlb_misses;
	u64 vmm[VMM_CAUSE_NR];    /* VMM interventions by cause */
	u64 vmm_cycles;
	u64 base_loads;           /* gBA/gMS loads on VM switches ([vmm] base_load_cycles) */
	u64 vmm_pages, vmm_pages_peak; /* host pages of the walker's own tables */
	/* agile paging */
	u64 agile_full_shadow;    /* translations served entirely in shadow mode */
	u64 agile_switched[PT_LEVELS_MAX + 1]; /* ... that switched at level L */
	u64 agile_to_nested, agile_to_shadow;  /* mode changes of guest table pages */
	u64 base_bound;           /* base-bound (segment / offset) computations */
	u64 isolation_faults;     /* translations refused by a bounds or tag check */
	u64 tag_checks;           /* memory-tag checks (translation pass-through) */
	/* first touches: the part of the figures above caused by accesses
	 * during which the OS demand-mapped a page (the faulting walk, the
	 * retry, the VMM work either causes and the VMM work of the OS's own
	 * page-table writes for the fault), whatever the walker's cause */
	u64 comp_accesses;        /* accesses of this instance that faulted and were mapped */
	u64 comp_walks, comp_walk_refs, comp_walk_cycles, comp_l2_cycles;
	u64 comp_vmm[VMM_CAUSE_NR];
	u64 comp_vmm_cycles;
};
_Static_assert(sizeof(struct mmu_stats) % sizeof(u64) == 0, "mmu_stats is a vector of u64");

/* Everything an instance counts, as one vector of u64 (windows and
 * intervals subtract these). vmm_pages is a level, vmm_pages_peak a
 * maximum: MMU_LEVELS lists them; they are copied, never subtracted. */
struct mmu_counters {
	struct mmu_stats st;
	u64 tlb_hits[TLB_NR], tlb_misses[TLB_NR];
	u64 pwc_lookups[DIM_NR][PT_LEVELS_MAX + 1], pwc_hits[DIM_NR][PT_LEVELS_MAX + 1];
};
_Static_assert(sizeof(struct mmu_counters) % sizeof(u64) == 0, "mmu_counters is a vector of u64");

/* The counters a first touch can move, read at the start of each
 * translation that misses the L1 TLB (mmu_translate's slow path). */
struct mmu_mark {
	u64 walks, walk_refs, walk_cycles, l2_cycles, vmm_cycles;
	u64 vmm[VMM_CAUSE_NR];
};

struct mmu_fp {
	u64 page, mask, frame;
	u32 ctx;
	u8 perms;
	bool dirty, valid;
	enum psize ps;
};

/* The instance's private host frames (priv_alloc): a region of
 * MMU_PRIV_FRAMES frames of its own, at the top of the physical address
 * space, chosen by the walker's registry position alone. */
#define MMU_PRIV_FRAMES (1ull << 26)         /* 256 GiB of table pages */
#define MMU_PRIV_TOP (1ull << (PA_BITS_MAX - PAGE_SHIFT))
/* Host RAM must end below every walker's region (bytes). */
#define MMU_PRIV_RAM_MAX ((MMU_PRIV_TOP - WALKER_NR_MAX * MMU_PRIV_FRAMES) << PAGE_SHIFT)

struct mmu_priv {
	u64 base, next, end;      /* frames [base, end); next never used yet */
	u64 *free;                /* freed frames, reused last-in first-out */
	u64 nfree, capfree;
};

struct mmu {
	char name[CFG_NAME_MAX];
	struct machine *m;
	struct mmu_notifier notifier; /* registered with the machine */
	struct walker w;
	struct tlb tlb;
	struct pwc pwc;
	struct memport port;
	struct sa_table ntlb;     /* nested TLB: gPA -> hPA (entries 0: off) */
	u32 ntlb_lat;
	u32 exit_cycles, pte_cycles;
	u32 access_cycles;        /* [cpu] access_cycles: pace of simulated time */
	bool invlpg_exits;        /* [vmm] invlpg_exits */
	bool ept_faults;          /* walker_ops.ept_faults, unless its init turned it off */
	struct walk_log log;
	u32 ctx;                  /* current TLB tag (PCID) */
	gpa_t root;               /* current CR3 */
	int levels;
	u64 va_limit;             /* first non-canonical user address */
	struct mmu_stats st;
	struct mmu_priv priv;     /* host frames of the walker's own tables */
	struct mmu_mark mark;     /* the counters before the last slow-path translation */
	/* exact same-entry fast path: the last L1 hit of each kind */
	struct mmu_fp fp[2];
	bool no_fastpath;         /* tests: prove the fast path changes nothing */
};

/* 0 or -errno (message printed naming [walker] name or the table). */
int mmu_init(struct mmu *u, struct machine *m, const char *walker_name, const struct cfg *c);
void mmu_destroy(struct mmu *u);

/* Translates one access (within one 4K page). true: *out holds it;
 * false: *f says which fault. Counts everything. */
bool mmu_translate(struct mmu *u, u64 va, enum acc a, struct xlate_out *out, struct walk_fault *f);

/* A zeroed host frame of the instance's private region for the walker's
 * own tables (shadow, agile, TPT tables), 0 when the region is used up.
 * Its address depends only on this instance's own allocations and frees,
 * never on the other instances of a comparison or on guest and EPT
 * memory, which it never overlaps. */
hpa_t mmu_priv_alloc(struct mmu *u);
void mmu_priv_free(struct mmu *u, hpa_t a);
static inline bool mmu_priv_owns(const struct mmu *u, u64 hpa)
{
	u64 f = hpa >> PAGE_SHIFT;
	return f >= u->priv.base && f < u->priv.end;
}

/* Notifications from the machine (the notifier's ops call these). */
/* INVLPG of the page [va, va + size): every TLB entry overlapping it. */
void mmu_invlpg(struct mmu *u, u32 ctx, u64 va, u64 size);
void mmu_flush_ctx(struct mmu *u, u32 ctx);
void mmu_cr3(struct mmu *u, u32 ctx, gpa_t root, bool flush);
/* ctx and root become current with no guest CR3 write (attach, VM entry):
 * the walker's cr3 hook is not called. */
void mmu_enter(struct mmu *u, u32 ctx, gpa_t root);
void mmu_pt_write(struct mmu *u, const struct pt_update *pu);
/* The host backing of VM vpid moved: flush its TLB entries, both
 * dimensions' PWCs, the nested TLB, and the walker's derived tables. */
void mmu_remap_vm(struct mmu *u, u32 vpid);
/* Host hint, no simulated effect: a later access will translate va (see
 * walker_ops.prefetch for stage). */
void mmu_prefetch(struct mmu *u, u64 va, int stage);

/* The instance's counters now. */
void mmu_counters_get(const struct mmu *u, struct mmu_counters *c);
/* The counters a first touch can move, now. */
static inline void mmu_mark_now(const struct mmu *u, struct mmu_mark *k)
{
	int c;
	k->walks = u->st.walks;
	k->walk_refs = u->st.walk_refs;
	k->walk_cycles = u->st.walk_cycles;
	k->l2_cycles = u->st.l2_cycles;
	k->vmm_cycles = u->st.vmm_cycles;
	for (c = 0; c < VMM_CAUSE_NR; c++)
		k->vmm[c] = u->st.vmm[c];
}
/* Adds what moved since k to the first-touch counters. */
void mmu_charge_first_touch(struct mmu *u, const struct mmu_mark *k, bool faulted);

/* This instance's simulated time: every access's base cycles plus its
 * translation and VMM cycles. */
static inline u64 mmu_now(const struct mmu *u)
{
	u64 acc = u->st.acc[0] + u->st.acc[1] + u->st.acc[2] + u->st.acc[3];
	return acc * u->access_cycles + u->st.l2_cycles + u->st.walk_cycles + u->st.vmm_cycles;
}

/* Charges one VMM intervention: an exit plus `entries` entries of work. */
static inline void mmu_vmm_charge(struct mmu *u, enum vmm_cause c, u32 entries)
{
	u->st.vmm[c]++;
	u->st.vmm_cycles += u->exit_cycles + (u64)entries * u->pte_cycles;
}
static inline u64 mmu_vmm_total(const struct mmu *u)
{
	u64 n = 0;
	int c;
	for (c = 0; c < VMM_CAUSE_NR; c++)
		n += u->st.vmm[c];
	return n;
}

/* Counts host pages a walker allocates (+1) or frees (-1) for its tables. */
static inline void mmu_vmm_pages(struct mmu *u, int delta)
{
	u->st.vmm_pages += (u64)(s64)delta;
	if (u->st.vmm_pages > u->st.vmm_pages_peak)
		u->st.vmm_pages_peak = u->st.vmm_pages;
}

#endif

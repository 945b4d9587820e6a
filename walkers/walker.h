/*
 * walker.h - the walker interface (after Linux mm_walk_ops and KVM's
 * struct kvm_mmu): one static const ops table per walker, selected by name.
 *
 * A walker turns a TLB miss into a translation or an architectural fault.
 * It never owns the guest's or host's page tables (the machine does); it
 * may own private structures (shadow tables, switching state, segment
 * registers). It reads every table entry through walk_emit() (radix.h),
 * which charges the MMU's memory port and appends to the walk log.
 * Faults are results: translate() returns false and fills *fault.
 */
#ifndef MMUSIM_WALKER_H
#define MMUSIM_WALKER_H

#include "../mmu/util/cfg.h"
#include "../tlb/pwc.h"
#include "../tlb/cache.h"
#include "../mmu/machine/notify.h"
#include "../mmu/machine/pte.h"

struct mmu;
struct machine;
struct walker;


struct walk_fault {
	enum fault_kind kind;
	enum dim dim;        /* dimension whose table faulted */
	int level;           /* level of the faulting entry (0: none) */
	u64 addr;            /* address being translated in that dimension */
};

struct xlate_in {
	gva_t va;
	enum acc acc;
	u32 ctx;             /* TLB/PWC tag: PCID (bits 0-11), VPID (12-27) */
	gpa_t root;          /* CR3 of the current process (guest-physical) */
	int levels;          /* guest paging levels (4 or 5) */
};

struct xlate_out {
	hpa_t pa;            /* host-physical address of va */
	gpa_t gpa;           /* guest-physical address (walks only; 0 on a TLB hit) */
	enum psize ps;       /* size of the translation as the TLB caches it */
	u8 perms;            /* PERM_* of the whole path */
	bool dirty;          /* the leaf's D bit (after this walk's update) */
};


enum inv_scope { INV_VA, INV_CTX, INV_ALL };

/* Why the VMM intervened (shadow-like walkers). */
enum vmm_cause {
	VMM_PT_WRITE,        /* a write to a write-protected guest page-table page */
	VMM_HIDDEN_FAULT,    /* a shadow-table miss the VMM fills from the guest tables */
	VMM_DIRTY,           /* first write to a clean page: the VMM sets the guest D bit */
	VMM_INJECT,          /* a guest page fault, intercepted and injected */
	VMM_CR3,             /* a guest CR3 write (context switch) */
	VMM_INVLPG,          /* a guest INVLPG */
	VMM_FLUSH,           /* a guest TLB flush of a whole PCID */
	VMM_MODE,            /* a mode change (agile paging) */
	VMM_INTERVAL,        /* end of a policy interval: dirty-bit scan (agile) */
	VMM_EPT_VIOLATION,   /* first touch of a lazily backed guest page (EPT walkers) */
	VMM_CAUSE_NR
};
const char *vmm_cause_name(enum vmm_cause c);

struct walker_ops {
	const char *name;
	const char *summary;     /* one line for --help */
	bool needs_vm;           /* translates gVA -> hPA through a VM's EPT */
	/* Translates gVA -> gPA only, as the unvirtualized baseline does: on a
	 * virtualized machine its `pa` is the guest-physical address. */
	bool guest_only;
	/* Caches translations at the guest page size when the VM's memory is
	 * one contiguous host extent (base-plus-offset, direct segments). */
	bool guest_size_when_contig;
	/* Guest memory is reached through the EPT by hardware: when the VMM
	 * backs a guest page lazily, its first touch is an EPT violation,
	 * charged as a VMM exit (VMM_EPT_VIOLATION). */
	bool ept_faults;
	/* Loads the gBA/gMS registers from the VMCS on each VM entry of a
	 * contiguous VM (base-plus-offset, the VMM segment): [vmm]
	 * base_load_cycles is charged on each VM switch. */
	bool base_regs;
	int (*init)(struct walker *w, const struct cfg *cfg);        /* 0 / -errno */
	bool (*translate)(struct walker *w, const struct xlate_in *in,
			  struct xlate_out *out, struct walk_fault *fault);
	/* optional hooks, NULL when the walker does not care */
	void (*pt_write)(struct walker *w, const struct pt_update *u);
	void (*invalidate)(struct walker *w, enum inv_scope s, u32 ctx, gva_t va);
	void (*cr3)(struct walker *w, u32 ctx, gpa_t root);   /* CR3 write */
	void (*tick)(struct walker *w, u64 now);
	/* Host hint, no simulated effect: bring what a walk of va would read
	 * into the host caches. The simulator calls it for each access that
	 * is 1, 2, ... SIM_PREFETCH_STAGES steps ahead, with stage = steps - 1:
	 * a later stage should only prefetch an earlier part of the walk,
	 * since what it reads may not have arrived yet. */
	void (*prefetch)(struct walker *w, gva_t va, int stage);
	void (*destroy)(struct walker *w);
};

struct walker {
	const struct walker_ops *ops;
	struct mmu *mmu;         /* the instance whose TLB/PWC/port it uses */
	struct machine *m;       /* the functional machine (tables, OS) */
	void *priv;
};

/* Registry. */
const struct walker_ops *walker_find(const char *name);
/* Position of a walker in the registry (0 ..), fixed at build time. */
int walker_index(const struct walker_ops *ops);
#define WALKER_NR_MAX 16
void walker_list(void *file /* FILE* */);
extern const struct walker_ops native_walker_ops;
extern const struct walker_ops nested_walker_ops;
extern const struct walker_ops shadow_walker_ops;
extern const struct walker_ops agile_walker_ops;
extern const struct walker_ops bpo_walker_ops;
extern const struct walker_ops dual_direct_walker_ops, vmm_direct_walker_ops, guest_direct_walker_ops;
/* Tests: stale leaves in the shadow table of a guest root (shadow.c). */
u64 shadow_audit(struct walker *w, gpa_t groot, int levels, u64 *leaves);
u64 shadow_leaf_at(struct walker *w, gpa_t groot, int levels, u64 va);
extern const struct walker_ops tpt_walker_ops;

#endif

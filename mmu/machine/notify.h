/*
 * notify.h - how the functional machine tells the MMU instances that
 * observe it what changed, in the manner of Linux's mmu_notifier
 * (include/linux/mmu_notifier.h, through which KVM hears of host
 * page-table changes).
 *
 * An observer embeds a struct mmu_notifier, fills in its ops and registers
 * it with machine_notifier_register(); the machine then calls every
 * registered notifier, in registration order, for each event below. The
 * machine knows nothing else of its observers: it depends on this
 * interface, not on the MMU instance (walkers/mmu.h).
 *
 * TLB contexts (ctx) are the machine's tags: PCID in bits 0-11, VPID in
 * bits 12-27 (machine_ctx()).
 */
#ifndef MMUSIM_NOTIFY_H
#define MMUSIM_NOTIFY_H

#include "../util/types.h"

/* A page-table write made by the OS model (guest-physical entry address). */
struct pt_update {
	u32 pid;
	gpa_t entry;         /* guest-physical address of the entry written */
	int level;
	u64 old, val;
};

struct mmu_notifier;

struct mmu_notifier_ops {
	/* The OS wrote a page-table entry (after the write). */
	void (*pt_write)(struct mmu_notifier *n, const struct pt_update *u);
	/* INVLPG of the page [va, va + size) of ctx (size: the page's size,
	 * 4K, 2M or 1G; va aligned to it): every translation that overlaps the
	 * page goes, whatever size it was cached at (SDM vol. 3A 4.10.4.1: a
	 * 2M guest page over 4K host pages is cached as 4K entries). */
	void (*invlpg)(struct mmu_notifier *n, u32 ctx, u64 va, u64 size);
	/* Every translation of ctx (INVPCID single-context, CR3 without
	 * PCIDs). */
	void (*flush_ctx)(struct mmu_notifier *n, u32 ctx);
	/* A guest (or native OS) CR3 write: ctx and root become current;
	 * flush: drop ctx's translations first. */
	void (*cr3)(struct mmu_notifier *n, u32 ctx, gpa_t root, bool flush);
	/* ctx and root become current without a CR3 write by the guest: once
	 * at registration, and at each VM switch (the VMM loads the VM's own
	 * context on VM entry; tagged by VPID, nothing is flushed). */
	void (*enter)(struct mmu_notifier *n, u32 ctx, gpa_t root);
	/* VM vpid's guest-physical -> host-physical map changed (compaction
	 * migrated its pages): every translation derived from it goes. */
	void (*remap_vm)(struct mmu_notifier *n, u32 vpid);
	/* The VMM backed the guest-physical page at gpa (a 4K or, at level 2,
	 * a 2M host page) on its first touch, writing `entries` EPT entries:
	 * an EPT violation for hardware that walks the EPT. Not called for
	 * memory the VMM maps eagerly (contiguous or placed backing, VM
	 * creation). */
	void (*ept_violation)(struct mmu_notifier *n, u64 gpa, int level, u32 entries);
};

struct mmu_notifier {
	const struct mmu_notifier_ops *ops;
};

#endif

/*
 * machine.h - the functional machine: simulated physical memory holding
 * real page tables, the physical frame allocator, the guest-OS model, and
 * the MMU instances that observe it (through notify.h).
 *
 * Model notes
 *   The machine owns truth: the page tables in physmem, built by the OS
 *   model. MMU instances (one per walker in `compare`) register with it and
 *   are told of every TLB invalidation (INVLPG, CR3 write, INVPCID) and
 *   every page-table write, so each keeps its own TLBs, caches and private
 *   walker state consistent over the same tables.
 *   Accessed/dirty updates made by walks are deferred to the end of each
 *   event (machine_commit_ad), so that every MMU instance sees the same
 *   page-table state for the same event; with one instance this equals
 *   setting them during the walk, since one event walks once (retries after
 *   a fault come after a commit).
 *   Physical memory: [host] ram bytes of 4 KiB frames from a buddy
 *   allocator ([host] max_order). The first 1 MiB is reserved (legacy
 *   real-mode area on PCs), so no page table or page sits at address 0.
 *   [host] fragmentation f then pins one 4K frame in a fraction f of the
 *   max-order blocks (buddy_fragment), before any VM is created; a share
 *   [host] movable_pins of them (a seeded choice) are movable allocations
 *   that compaction may migrate, the others are unmovable (Linux's
 *   movable and unmovable migrate types, mm/page_alloc.c).
 *   For a native machine guest-physical equals host-physical; with a VM
 *   ([vm], vm.h) the OS model allocates guest-physical frames and the VMM
 *   backs them with host frames through the EPT.
 */
#ifndef MMUSIM_MACHINE_H
#define MMUSIM_MACHINE_H

#include "buddy.h"
#include "../util/cfg.h"
#include "os.h"
#include "physmem.h"
#include "vm.h"
#include "notify.h"

struct ad_update {
	hpa_t a;
	u64 bits;
};

struct backing_rec;

/* A VM that is not running: its guest OS and its VMM state. */
struct vm_slot {
	struct os os;
	struct vm vm;
};

struct machine {
	struct cfg cfg;
	struct physmem mem;
	struct buddy frames;
	struct os os;
	struct vm vm;               /* vm.on: the OS runs in a virtual machine;
				     * os and vm are the current VM's */
	struct vm_slot *parked;     /* the other VMs */
	u32 nparked;
	u16 *tags;                  /* with VMs: owner of each host frame (VPID;
				     * 0 = the host), the memory tags that
				     * translation pass-through checks */
	struct mmu_notifier **notifiers; /* the observers (notify.h) */
	u32 nnotifiers;
	struct ad_update *ad;
	u32 nad, capad;
	u64 ad_commits;      /* entries whose A/D bits changed */
	u64 frag_pins;       /* frames pinned by [host] fragmentation */
	u64 *pins, npins;    /* the movable ones ([host] movable_pins),
			      * ascending: compaction may migrate them; the
			      * others are unmovable */
	/* VMM tables (the EPT) are unmovable: they are grouped in 2M
	 * chunks of their own, as Linux groups unmovable allocations in
	 * pageblocks of their migrate type (mm/page_alloc.c) */
	u64 unmov_next, unmov_end;
	u64 *unmov_free, nunmov_free, capunmov_free;
	struct { u64 runs, failed, pages, pins_moved, cycles; } compaction;
	bool vm_creating;    /* a VM is being set up: its backing is eager */
	/* host backing given by a placement run (`run --backing`): VM i uses
	 * record i (place_backing.h); NULL: the VMM allocates */
	const struct backing_rec *backing;
	u64 nbacking;
};

int machine_init(struct machine *m, const struct cfg *c);
/* As machine_init, with the host backing of a placement run for VMs
 * 0..n-1 (place_backing.h; kept by reference). The first 1 MiB is not
 * reserved then: the placement run's extents decide where VMs live. */
int machine_init_placed(struct machine *m, const struct cfg *c, const struct backing_rec *b, u64 n);
void machine_destroy(struct machine *m);
/* Registers an observer; it hears of every later change (notify.h), and
 * at once of the current context (a cr3 call with flush). */
void machine_notifier_register(struct machine *m, struct mmu_notifier *n);
/* Tells every observer that the VMM backed a guest page on first touch
 * (notify.h; nothing while a VM is being created). */
void machine_notify_ept_violation(struct machine *m, u64 gpa, int level, u32 entries);
/* Tells every observer that VM vpid's gPA -> hPA map changed. */
void machine_notify_remap_vm(struct machine *m, u32 vpid);
/* VM ids: 0..VM_ID_MAX; the VPID is id + 1, 16 bits ([SDM] vol. 3C 29.1). */
#define VM_ID_MAX 65534u
/* At most VM_COUNT_MAX VMs exist at once: each costs about 180 KB of real
 * memory (its own TLB-sized state, tables and allocators), so 4096 VMs
 * take about 730 MB. A VM event that would create one more fails with
 * -EUSERS. */
#define VM_COUNT_MAX 4096u
/* VM event: makes VM id current (creating it on first use) and tells every
 * MMU instance (a VM entry with the new VM's VPID and CR3). 0 or -errno
 * (message printed). */
int machine_switch_vm(struct machine *m, u32 id);
/* Compacts the current VM (vm_compact) and flushes its translations in
 * every MMU instance. 0, or -ENOSPC when no window exists. */
int machine_compact_vm(struct machine *m);
/* Visits every VM, the current one included, made current in turn (for
 * reports and audits); the current VM is current again afterwards. */
void machine_foreach_vm(struct machine *m, void (*fn)(struct machine *m, void *arg), void *arg);

/* An address no frame has: reads give 0 (not present). */
#define HPA_NONE (1ull << PA_BITS_MAX)

/* guest-physical -> host-physical, the VMM's view (identity on a native
 * machine; HPA_NONE for guest memory that is not backed). */
static inline hpa_t machine_gpa_hpa(const struct machine *m, gpa_t a)
{
	u64 h;
	if (!m->vm.on)
		return mk_hpa(a.v);
	return vm_gpa_hpa(&m->vm, a.v, &h) ? mk_hpa(h) : mk_hpa(HPA_NONE);
}
/* The TLB tag of a PCID on this machine (the VPID above it with a VM). */
static inline u32 machine_ctx(const struct machine *m, u32 pcid)
{
	return pcid | (m->vm.on ? m->vm.vpid << 12 : 0);
}

/* Guest frames (host frames on a native machine): order 0 = 4K.
 * BUDDY_NONE on exhaustion. */
u64 machine_frame_alloc(struct machine *m, u32 order);
void machine_frame_free(struct machine *m, u64 frame, u32 order);
/* Host frames holding VMM tables (the EPT; the walkers' own tables come
 * from their MMU instance's private region, walkers/mmu.h), zeroed.
 * 0 on exhaustion. */
hpa_t machine_host_pt_alloc(struct machine *m);
void machine_host_pt_free(struct machine *m, hpa_t a);

/* Page-table pages of the OS (guest-physical). Zeroed. 0 on exhaustion. */
gpa_t machine_pt_alloc(struct machine *m);
void machine_pt_free(struct machine *m, gpa_t a);
u64 machine_pt_read(struct machine *m, gpa_t a);
/* An OS write of a page-table entry: stores it and tells every walker. */
void machine_pt_write(struct machine *m, u32 pid, gpa_t a, int level, u64 val);

/* Broadcast to every MMU instance (pcid: the guest's PCID). */
/* INVLPG of the page of `size` bytes (4K, 2M or 1G) that contains va. */
void machine_invlpg(struct machine *m, u32 pcid, u64 va, u64 size);
void machine_flush_ctx(struct machine *m, u32 pcid);
void machine_cr3(struct machine *m, u32 pcid, gpa_t root, bool flush);

/* A walk wants bits set in the entry at a (deferred to the commit). */
void machine_defer_ad(struct machine *m, hpa_t a, u64 bits);
void machine_commit_ad_(struct machine *m);
/* Commits the deferred A/D updates (every access calls this: inline, as
 * most accesses have none). */
static inline void machine_commit_ad(struct machine *m)
{
	if (m->nad)
		machine_commit_ad_(m);
}

#endif

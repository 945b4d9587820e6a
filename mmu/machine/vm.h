/*
 * vm.h - the VMM model: virtual machines, their guest-physical memory and
 * the EPTs that map it to host frames.
 *
 * Model notes
 *   The guest OS model (os.c) runs inside the VM unchanged: its frames come
 *   from a guest-physical buddy allocator of [vm] memory bytes (the first
 *   1 MiB reserved, as on the host), its page tables live in guest-physical
 *   memory. The VMM backs guest-physical memory with host frames and maps
 *   it in a real EPT (4 or 5 levels, [vm] host_levels; SDM vol. 3C 29.3) in
 *   simulated host memory:
 *   - backing = scattered: a guest frame is backed when the guest OS first
 *     allocates it (with [vm] host_thp, the whole aligned 2M guest-physical
 *     chunk is backed by one 2M host page, as KVM does with transparent huge
 *     pages; when no 2M host block is free, by 4K pages). KVM backs lazily on
 *     the first EPT violation; the guest touches a frame as soon as it
 *     allocates it (it zeroes a data page, writes a table page), so backing
 *     at allocation time gives the same tables at the same moment. Each
 *     host page so backed is one EPT violation: the machine tells the MMU
 *     instances (notify.h, ept_violation) and walkers that use the EPT
 *     charge an exit. Memory mapped while a VM is created, and contiguous
 *     or placed backing (all mapped at once), cause none.
 *   - backing = contiguous: all guest memory is one host extent allocated at
 *     VM creation and mapped at once (2M EPT pages with host_thp, else 4K);
 *     when the host cannot supply the extent, the VM falls back to scattered
 *     backing and the report says so.
 *   EPT leaves are R|W|X, write-back; A/D flags are enabled (the walk sets
 *   them). The VMM keeps a gfn -> hfn array (its memslot map, as KVM's
 *   memslots) beside the EPT for its own software lookups; walkers and the
 *   reference translator read the EPT itself.
 *   Several VMs share the host (machine.h: VM events switch the current
 *   one); each has its own guest-physical allocator, EPT, VPID and guest OS.
 *   MMIO hole ([vm] mmio_hole, for VMs of more than 3 GiB, as PC machine
 *   models lay out guest memory): guest RAM is [0, 3 GiB) and
 *   [4 GiB, memory + 1 GiB); the hole is never allocated to the guest nor
 *   mapped in the EPT. A contiguous VM's extent spans the hole, and the
 *   host frames behind the hole go back to the host allocator, so that
 *   hPA = gPA + gBA holds on both sides; the bounds check refuses the hole.
 *   Contiguous extents ([host] allocator, contig_align: buddy.h's one
 *   definition) and compaction (vm_compact) are the VMM's. Bad host pages
 *   of a contiguous VM ([segment] vmm_escape_pages, shared/seeds 001 sec.
 *   6): each is moved to another host frame (the bad one stays allocated
 *   for good) and its gPA listed in the VMM segment's escape filter.
 *   Guest-physical fragmentation ([segment] guest_fragmentation: a pinned
 *   guest frame in a fraction of the 2M chunks) and self-ballooning
 *   ([segment] self_balloon, 001 sec. 6): the VM reserves a contiguous
 *   guest-physical range of the guest segment's size above its RAM at
 *   creation; when the guest segment finds no contiguous extent the guest
 *   balloons out as many free frames (one exit per 256, virtio-balloon's
 *   PFN array, and [vmm] pte_cycles per frame) and the VMM hot-adds the
 *   range (one exit). Ballooned frames keep their host backing (at
 *   start-up none is backed under scattered backing; a contiguous VM's
 *   cannot be given back without a hole in the bounds check).
 *   Not modelled: MMIO itself, ballooning for memory overcommit, host
 *   swapping, EPT misconfig.
 */
#ifndef MMUSIM_VM_H
#define MMUSIM_VM_H

#include "buddy.h"
#include "../util/bloom.h"
#include "../util/cfg.h"

struct machine;

struct vm {
	bool on;
	u32 id;                     /* VM id of the trace's VM events */
	u32 vpid;                   /* id + 1 (VPID 0 is the host's) */
	int host_levels;
	bool host_thp;
	enum vm_backing backing;    /* what was asked */
	bool contiguous;            /* what it has now */
	bool contiguous_at_start;   /* what it got at creation */
	u64 base_hfn;               /* contiguous: host frame of gPA 0 */
	u64 gframes;                /* guest-physical frames, the hole included */
	u64 hole_lo, hole_hi;       /* MMIO hole [lo, hi) in frames (empty: lo == hi) */
	struct buddy gphys;         /* guest-physical frame allocator */
	hpa_t ept_root;
	u32 *g2h;                   /* gfn -> hfn + 1 (0: not backed) */
	u64 hot_lo, hot_n;          /* self-ballooning: hot-add range [lo, lo + n) frames */
	bool hot_added;
	struct bloom esc;           /* VMM segment's escape filter, by gfn */
	u64 escaped;                /* guest pages in it (bad host pages remapped) */
	struct {
		u64 ept_pages, ept_writes;
		u64 backed[PS_NR];      /* host pages backing guest memory, by size */
		u64 compactions, migrated;
		u64 guest_pins;         /* [segment] guest_fragmentation */
		u64 ballooned, hot_added, balloon_exits, balloon_cycles;
	} st;
};

/* Creates VM `id` ([vm] section) as the machine's current VM; with a
 * placement run's backing record for it (machine.h), its memory size and
 * host extents are those of the record. 0 or -errno (message printed). */
int vm_init(struct machine *m, const struct cfg *c, u32 id);
void vm_destroy(struct machine *m);
/* Self-ballooning ([segment] self_balloon; shared/seeds 001 sec. 6): the
 * guest balloons out n free guest frames (its fragmented memory) and the
 * VMM hot-adds the VM's reserved contiguous range of n frames. 0, or
 * -ENOSPC (no reserve, already used, or fewer than n frames free). */
int vm_self_balloon(struct machine *m, u64 n);
/* The alignment of a contiguous extent, as an order of 4K frames. */
u32 vm_contig_align_order(const struct cfg *c);
/* One contiguous extent of nframes host frames for a VM, as [host]
 * allocator and contig_align say (buddy.h: the definition of contiguous);
 * BUDDY_NONE when the host cannot give one. */
u64 vm_alloc_extent(struct machine *m, u64 nframes);
/* Backs guest frames [gfn, gfn + 2^order) with host memory. 0 / -ENOMEM. */
int vm_back(struct machine *m, u64 gfn, u32 order);
/* Is gpa in the VMM segment's escape filter (shared/seeds 001 sec. 6: a
 * host page with a permanent hard fault, remapped by the VMM; such pages
 * are translated through the EPT, the filter being checked in parallel
 * with the segment)? False positives escape too. */
static inline bool vm_escaped(const struct vm *v, u64 gpa)
{
	return v->escaped && bloom_test(&v->esc, gpa >> PAGE_SHIFT);
}
/* Is gpa guest RAM (below the top, outside the MMIO hole)? This is the
 * bounds check of base-plus-offset's security module and of the VMM
 * segment. */
static inline bool vm_gpa_is_ram(const struct vm *v, u64 gpa)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	return gfn < v->gframes && !(gfn >= v->hole_lo && gfn < v->hole_hi);
}

/* The VMM's view gPA -> hPA; false when not backed or beyond memory. */
static inline bool vm_gpa_hpa(const struct vm *v, u64 gpa, u64 *hpa)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	if (gfn >= v->gframes || !v->g2h[gfn])
		return false;
	*hpa = ((u64)(v->g2h[gfn] - 1) << PAGE_SHIFT) | (gpa & (PAGE_SIZE - 1));
	return true;
}

/* Compaction (the seed paper's runtime contiguity): finds a window of
 * guest-memory size on a max-order boundary holding only free frames and
 * movable pages (the movable share of the frames pinned by [host]
 * fragmentation, [host] movable_pins; other tenants'
 * pages), moves those out, migrates the VM's backed frames into the window
 * at gPA order (copying page-table contents), remaps the EPT and makes the
 * VM contiguous. Costs [vmm] migrate_cycles per page moved. 0 (also when
 * already contiguous), -ENOSPC when no window exists. The caller flushes
 * the VM's translations. */
struct vm_compaction {
	u64 pages_migrated, pins_moved, cycles;
};
int vm_compact(struct machine *m, struct vm_compaction *out);

/* The VMM's own lookup of gpa in its EPT: the leaf's level (1: 4K, 2: 2M,
 * 3: 1G) and the EPT permissions (PERM_*); 0 when not mapped. */
int vm_ept_leaf(struct machine *m, u64 gpa, u8 *perms);

#endif

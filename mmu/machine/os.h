/*
 * os.h - the guest-OS model: processes, their page tables, demand paging.
 *
 * Model notes
 *   Each process has its own page tables (4 or 5 levels, [os] levels) in
 *   guest-physical memory, a PCID (when [os] pcid), and a list of virtual
 *   memory areas (VMAs) made by MAP events. Recorded traces carry no mmap
 *   events, so an access outside every VMA maps its page implicitly (an
 *   implicit VMA, rwx) unless [os] strict is set, in which case it is a
 *   segmentation fault, counted and skipped.
 *   Demand paging: a page is mapped on the first access that faults on it
 *   (as Linux does for anonymous memory). Its size: the MAP's hint (4K,
 *   2M, 1G) when the aligned block lies inside the VMA, else with
 *   [os] thp = always a 2M page when the aligned 2M block lies inside the
 *   VMA and no 4K page table exists there yet; else 4K. If the frame
 *   allocator has no block of that order, the fault falls back to the next
 *   smaller size (as THP does).
 *   Entry bits follow Linux x86-64 (arch/x86/include/asm/pgtable_types.h):
 *   upper-level entries are written P|RW|US|A (_PAGE_TABLE without D);
 *   leaves P|US|A, RW when the VMA is writable, NX when not executable, D
 *   when the faulting access is a write (do_anonymous_page makes the entry
 *   dirty on a write fault). So hardware sets A only after software clears
 *   it, and D on the first write to a page first touched by a read.
 *   UNMAP clears leaves (splitting huge pages that are partly covered) and
 *   frees their frames. It frees page-table pages as Linux's free_pgtables()
 *   does (mm/memory.c, free_pgd_range() with its floor and ceiling): only a
 *   table the whole range of which lies between the end of the previous
 *   VMA (floor) and the start of the next one (ceiling), i.e. with no VMA
 *   left in it; a table that becomes empty while a VMA still covers part of
 *   its range stays, and is reused when that VMA is touched again. Each
 *   freed table's upper entry is cleared by a page-table write (a shadow
 *   write trap; a write toward agile's two-update rule). PROTECT rewrites
 *   RW/NX of present leaves. TLB shootdown follows Linux's flush_tlb_mm_range:
 *   INVLPG per page up to 33 pages (tlb_single_page_flush_ceiling in
 *   arch/x86/mm/tlb.c), else a flush of the whole PCID.
 *   Direct segment ([segment] guest_size > 0, inside a VM): at start-up the
 *   OS reserves one contiguous guest-physical extent for process 0's
 *   primary region and maps all of it (rw-, 4K pages, dirty), as Basu et al.
 *   (ISCA 2013) allocate the primary region at start; [segment]
 *   escape_pages random pages are remapped to other frames and listed in
 *   the escape filter. Later UNMAP or PROTECT of segment pages adds them to
 *   the filter (the segment cannot express per-page changes), so paging
 *   translates them from then on. Reserved frames never return to the
 *   allocator.
 *   Not modelled: file-backed memory, copy-on-write, swapping, page aging
 *   (A-bit clearing), khugepaged collapse, NUMA, kernel (supervisor) mappings.
 */
#ifndef MMUSIM_OS_H
#define MMUSIM_OS_H

#include "../util/bloom.h"
#include "../util/cfg.h"

struct machine;

struct vma {
	u64 start, end;     /* [start, end), page aligned */
	u8 prot;            /* PERM_R|PERM_W|PERM_X */
	u8 psize;           /* enum psize hint or PSZ_ANY (0xff) */
	bool implicit;
};

struct proc {
	u32 pid;
	u32 pcid;           /* 0 when PCIDs are off */
	gpa_t root;         /* CR3 */
	struct vma *vma;    /* sorted by start, disjoint */
	u32 nvma, capvma;
	u64 pages[PS_NR];   /* mapped pages by size */
	u64 pt_pages;
};

struct os_stats {
	u64 demand_faults;  /* faults resolved by mapping a page */
	u64 segv;           /* faults delivered to the program */
	u64 pt_writes;      /* page-table entry writes */
	u64 pt_pages_alloc, pt_pages_freed;
	u64 maps, unmaps, protects, ctx_switches;
	u64 invlpg, flushes;
	u64 huge_splits;
	u64 pages_mapped[PS_NR];
};

/* The guest direct segment of process 0 (the primary region): gVA in
 * [base, limit) maps to gPA = gVA + offset unless the page is in the
 * escape filter. */
struct os_seg {
	bool on;
	u64 base, limit, offset;
	u64 gfn_lo, gfn_hi;         /* the reserved guest-physical extent */
	struct bloom filter;
	u64 escaped;                /* pages added to the filter */
};

struct os {
	struct machine *m;
	struct os_seg seg;
	int levels;
	enum thp_mode thp;
	bool strict, pcid;
	struct proc **procs;
	u32 nprocs, capprocs;
	struct proc *cur;
	u32 next_pcid;
	struct os_stats st;
};

enum os_fault_res { OS_MAPPED, OS_SEGV, OS_OOM };

int os_init(struct os *o, struct machine *m, const struct cfg *c);
void os_destroy(struct os *o);
/* The current process (process 0 is created at init). */
static inline struct proc *os_cur(struct os *o) { return o->cur; }
/* CTX: switch to pid, creating it on first use. 0 or -ENOMEM. */
int os_switch(struct os *o, u32 pid);
struct proc *os_find(struct os *o, u32 pid);
/* MAP/UNMAP/PROTECT on the current process. 0 or -ENOMEM. */
int os_map(struct os *o, u64 va, u64 len, u8 prot, u8 psize);
int os_unmap(struct os *o, u64 va, u64 len);
int os_protect(struct os *o, u64 va, u64 len, u8 prot);
/* A translation of va for access a faulted (not present or protection).
 * Maps the page when the program may access it; OS_SEGV when not. */
enum os_fault_res os_fault(struct os *o, u64 va, enum acc a);
/* Maps [va, va+len) eagerly (MAP_POPULATE), for benchmarks and tests. */
int os_populate(struct os *o, u64 va, u64 len, enum acc a);
/* The VMA containing va in p, or NULL. */
const struct vma *os_vma_find(const struct proc *p, u64 va);

#endif

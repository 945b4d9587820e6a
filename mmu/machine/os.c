/*
 * os.c - the guest-OS model (model notes in os.h).
 */
#include "os_int.h"
#include "machine.h"
#include "oracle.h"
#include "pte.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PSZ_ANY 0xff
#define TLB_FLUSH_CEILING 33      /* Linux arch/x86/mm/tlb.c */
#define PTE_SW_PROTNONE (1ull << 9)   /* available bit: PROT_NONE leaf */
#define PCID_MAX 4095

static const u64 table_flags = PTE_P | PTE_RW | PTE_US | PTE_A;

static u64 level_size(int level) { return 1ull << (12 + 9 * (level - 1)); }

/* ---- processes ---- */

static struct proc *proc_new(struct os *o, u32 pid)
{
	struct proc *p;
	if (o->nprocs == o->capprocs) {
		u32 cap = o->capprocs ? 2 * o->capprocs : 16;
		struct proc **n = realloc(o->procs, cap * sizeof *n);
		if (!n)
			return NULL;
		o->procs = n;
		o->capprocs = cap;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->pid = pid;
	p->root = machine_pt_alloc(o->m);
	if (!p->root.v) {
		free(p);
		return NULL;
	}
	p->pt_pages = 1;
	o->st.pt_pages_alloc++;
	if (o->pcid) {
		p->pcid = 1 + o->next_pcid % PCID_MAX;
		/* A recycled PCID may still tag entries of an older process. */
		if (o->next_pcid >= PCID_MAX)
			machine_flush_ctx(o->m, p->pcid);
		o->next_pcid++;
	}
	o->procs[o->nprocs++] = p;
	return p;
}

struct proc *os_find(struct os *o, u32 pid)
{
	u32 i;
	if (o->cur && o->cur->pid == pid)
		return o->cur;
	for (i = 0; i < o->nprocs; i++)
		if (o->procs[i]->pid == pid)
			return o->procs[i];
	return NULL;
}

static int seg_setup(struct os *o, const struct cfg *c);

int os_init(struct os *o, struct machine *m, const struct cfg *c)
{
	memset(o, 0, sizeof *o);
	o->m = m;
	o->levels = (int)c->os.levels;
	o->thp = c->os.thp;
	o->strict = c->os.strict;
	o->pcid = c->os.pcid;
	o->cur = proc_new(o, 0);
	if (!o->cur)
		return -ENOMEM;
	if (c->segment.guest_size && m->vm.on)
		return seg_setup(o, c);
	return 0;
}

void os_destroy(struct os *o)
{
	u32 i;
	bloom_destroy(&o->seg.filter);
	for (i = 0; i < o->nprocs; i++) {
		free(o->procs[i]->vma);
		free(o->procs[i]);
	}
	free(o->procs);
	memset(o, 0, sizeof *o);
}

int os_switch(struct os *o, u32 pid)
{
	struct proc *p = os_find(o, pid);
	if (p == o->cur)
		return 0;
	if (!p && !(p = proc_new(o, pid)))
		return -ENOMEM;
	o->cur = p;
	o->st.ctx_switches++;
	machine_cr3(o->m, p->pcid, p->root, !o->pcid);
	return 0;
}

/* ---- page-table edits ---- */

struct inval {
	u32 ctx, n;
	bool full;
	u64 va[TLB_FLUSH_CEILING];
	u64 size[TLB_FLUSH_CEILING];   /* the size of the page at va */
};

/* Queues INVLPG of the page [va, va + size): the page whose entry changed,
 * at its own size, so that entries cached at a smaller size (a huge guest
 * page over smaller host pages) go too (SDM vol. 3A 4.10.4.1). */
static void inval_add(struct inval *iv, u64 va, u64 size)
{
	if (iv->full)
		return;
	if (iv->n == TLB_FLUSH_CEILING) {
		iv->full = true;
		return;
	}
	iv->va[iv->n] = va;
	iv->size[iv->n++] = size;
}

static void inval_run(struct os *o, struct inval *iv)
{
	u32 i;
	if (iv->full) {
		machine_flush_ctx(o->m, iv->ctx);
		return;
	}
	for (i = 0; i < iv->n; i++)
		machine_invlpg(o->m, iv->ctx, iv->va[i], iv->size[i]);
}

static void pt_write(struct os *o, struct proc *p, gpa_t table, unsigned idx, int level, u64 val)
{
	machine_pt_write(o->m, p->pid, mk_gpa(table.v + 8ull * idx), level, val);
}

static u64 pt_read(struct os *o, gpa_t table, unsigned idx)
{
	return machine_pt_read(o->m, mk_gpa(table.v + 8ull * idx));
}

static bool leaf_mapped(u64 e) { return (e & PTE_P) || (e & PTE_SW_PROTNONE); }

static u64 leaf_flags(u8 prot, u64 e)
{
	e &= ~(PTE_RW | PTE_NX | PTE_P | PTE_SW_PROTNONE);
	if (!prot)
		return e | PTE_SW_PROTNONE;
	e |= PTE_P;
	if (prot & PERM_W)
		e |= PTE_RW;
	if (!(prot & PERM_X))
		e |= PTE_NX;
	return e;
}

static bool table_empty(struct os *o, gpa_t t)
{
	unsigned i;
	for (i = 0; i < 512; i++)
		if (pt_read(o, t, i))
			return false;
	return true;
}

/* Replaces the huge leaf at (table, idx, level) by a table of 512 leaves
 * one level down mapping the same frames with the same flags. */
static int split_huge(struct os *o, struct proc *p, gpa_t table, unsigned idx, int level)
{
	u64 e = pt_read(o, table, idx), frame = e & PTE_ADDR_MASK, child_sz = level_size(level - 1);
	u64 flags = e & ~PTE_ADDR_MASK;
	gpa_t t = machine_pt_alloc(o->m);
	unsigned i;

	if (!t.v)
		return -ENOMEM;
	p->pt_pages++;
	o->st.pt_pages_alloc++;
	o->st.huge_splits++;
	if (level - 1 == 1)
		flags &= ~PTE_PS;
	for (i = 0; i < 512; i++)
		pt_write(o, p, t, i, level - 1, (frame + i * child_sz) | flags);
	pt_write(o, p, table, idx, level, t.v | table_flags);
	p->pages[level - 1]--;
	p->pages[level - 2] += 512;
	return 0;
}

enum range_op { OP_UNMAP, OP_PROTECT };

static void free_leaf_frame(struct os *o, struct proc *p, u64 e, int level)
{
	u64 f = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	if (!(o->seg.on && f >= o->seg.gfn_lo && f < o->seg.gfn_hi))   /* reserved: kept */
		machine_frame_free(o->m, f, 9u * (unsigned)(level - 1));
	p->pages[level - 1]--;
}

/* Pages of [start, end) inside process 0's direct segment leave it for
 * good: paging translates them from now on. */
static void seg_escape(struct os *o, struct proc *p, u64 start, u64 end)
{
	u64 va;
	if (!o->seg.on || p->pid != 0)
		return;
	start = MAX(start, o->seg.base);
	end = MIN(end, o->seg.limit);
	for (va = start; va < end; va += PAGE_SIZE) {
		bloom_add(&o->seg.filter, va >> PAGE_SHIFT);
		o->seg.escaped++;
	}
}

/* Where an unmap may free tables (os.h, free_pgtables): previous VMA's end, next's start. */
struct pt_bounds { u64 floor, ceiling; };

static struct pt_bounds unmap_bounds(const struct proc *p, u64 start, u64 end)
{
	struct pt_bounds b = { 0, ~0ull };
	const struct vma *v;
	for (v = p->vma; v < p->vma + p->nvma; v++) {
		b.floor = v->start < start ? MAX(b.floor, MIN(v->end, start)) : b.floor;
		b.ceiling = v->end > end ? MIN(b.ceiling, MAX(v->start, end)) : b.ceiling;
	}
	return b;
}

static int pt_range(struct os *o, struct proc *p, gpa_t table, int level, u64 base,
		    u64 start, u64 end, enum range_op op, u8 prot, struct inval *iv,
		    const struct pt_bounds *pb)
{
	u64 sz = level_size(level);
	unsigned i = (unsigned)((MAX(start, base) - base) / sz);
	int r;

	for (; i < 512; i++) {
		u64 ev = base + i * sz, ee = ev + sz, e = pt_read(o, table, i);
		if (ev >= end)
			break;
		if (!e)
			continue;
		if (level == 1 || (e & PTE_PS) || !(e & PTE_P)) {
			if (!leaf_mapped(e))
				continue;
			if (ev < start || ee > end) {        /* partly covered huge page */
				if ((r = split_huge(o, p, table, i, level)))
					return r;
				/* The huge page's TLB entry goes, even when no 4K
				 * leaf changes below (Linux: split_huge_pmd flushes
				 * the PMD's range; SDM vol. 3A 4.10.4.3). */
				if (e & PTE_P)
					inval_add(iv, ev, sz);
				e = pt_read(o, table, i);
				goto descend;
			}
			if (op == OP_UNMAP) {
				pt_write(o, p, table, i, level, 0);
				free_leaf_frame(o, p, e, level);
			} else {
				u64 n = leaf_flags(prot, e);
				if (n == e)
					continue;
				pt_write(o, p, table, i, level, n);
			}
			if (e & PTE_P)
				inval_add(iv, ev, sz);
			continue;
		}
descend:
		{
			gpa_t child = mk_gpa(e & PTE_ADDR_MASK);
			if ((r = pt_range(o, p, child, level - 1, ev, start, end, op, prot, iv, pb)))
				return r;
			/* the child maps [ev, ee): freed when no VMA is left there */
			if (op == OP_UNMAP && ev >= pb->floor && ee <= pb->ceiling && table_empty(o, child)) {
				pt_write(o, p, table, i, level, 0);
				machine_pt_free(o->m, child);
				p->pt_pages--;
				o->st.pt_pages_freed++;
				/* The freed table may sit in paging-structure caches:
				 * INVLPG of any address drops them (SDM 4.10.4.1). */
				inval_add(iv, ev, PAGE_SIZE);
			}
		}
	}
	return 0;
}

static int range_apply(struct os *o, struct proc *p, u64 start, u64 end, enum range_op op, u8 prot)
{
	struct inval iv = { .ctx = p->pcid };
	struct pt_bounds pb = unmap_bounds(p, start, end);
	int r = pt_range(o, p, p->root, o->levels, 0, start, end, op, prot, &iv, &pb);
	inval_run(o, &iv);
	return r;
}

static void page_range(u64 va, u64 len, u64 *s, u64 *e)
{
	*s = va & ~(PAGE_SIZE - 1);
	*e = (va + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

int os_unmap(struct os *o, u64 va, u64 len)
{
	struct proc *p = o->cur;
	u64 s, e;
	int r;
	page_range(va, len, &s, &e);
	o->st.unmaps++;
	seg_escape(o, p, s, e);
	if ((r = range_apply(o, p, s, e, OP_UNMAP, 0)))
		return r;
	return vma_cut(p, s, e);
}

int os_map(struct os *o, u64 va, u64 len, u8 prot, u8 psize)
{
	struct proc *p = o->cur;
	struct vma v;
	u64 s, e;
	int r;

	page_range(va, len, &s, &e);
	o->st.maps++;
	if (o->seg.on && p->pid == 0 && s < o->seg.limit && e > o->seg.base) {
		/* the primary region already provides the part inside it (Basu
		 * et al.: allocations are served from the primary region);
		 * only the parts outside are mapped */
		u64 ls = s, le = MIN(e, o->seg.base), rs = MAX(s, o->seg.limit), re = e;
		o->st.maps--;
		if (le > ls && (r = os_map(o, ls, le - ls, prot, psize)))
			return r;
		if (re > rs && (r = os_map(o, rs, re - rs, prot, psize)))
			return r;
		return 0;
	}
	if (vma_overlaps(p, s, e)) {          /* MAP_FIXED semantics */
		seg_escape(o, p, s, e);
		if ((r = range_apply(o, p, s, e, OP_UNMAP, 0)) || (r = vma_cut(p, s, e)))
			return r;
	}
	v.start = s;
	v.end = e;
	v.prot = prot;
	v.psize = psize;
	v.implicit = false;
	return vma_insert(p, v);
}

int os_protect(struct os *o, u64 va, u64 len, u8 prot)
{
	struct proc *p = o->cur;
	u64 s, e;
	int r;
	page_range(va, len, &s, &e);
	o->st.protects++;
	seg_escape(o, p, s, e);
	if ((r = range_apply(o, p, s, e, OP_PROTECT, prot)))
		return r;
	return vma_protect(p, s, e, prot);
}

/* ---- demand paging ---- */

/* The entry for va at `level`, creating the tables above it. Returns the
 * table holding it, or 0 when a huge leaf is in the way or memory ran out
 * (*oom says which). */
static gpa_t pt_table_for(struct os *o, struct proc *p, u64 va, int level, bool *oom)
{
	gpa_t t = p->root;
	int l;
	*oom = false;
	for (l = o->levels; l > level; l--) {
		unsigned i = pt_index(va, l);
		u64 e = pt_read(o, t, i);
		if (!e) {
			gpa_t n = machine_pt_alloc(o->m);
			if (!n.v) {
				*oom = true;
				return mk_gpa(0);
			}
			p->pt_pages++;
			o->st.pt_pages_alloc++;
			pt_write(o, p, t, i, l, n.v | table_flags);
			t = n;
			continue;
		}
		if (pte_is_leaf(e, l) || !(e & PTE_P))
			return mk_gpa(0);
		t = mk_gpa(e & PTE_ADDR_MASK);
	}
	return t;
}

static bool vma_allows(const struct vma *v, enum acc a)
{
	if (a == ACC_I)
		return v->prot & PERM_X;
	if (acc_is_write(a))
		return v->prot & PERM_W;
	return v->prot != 0;
}

static bool size_fits(const struct os *o, const struct proc *p, const struct vma *v, u64 va, int level)
{
	u64 sz = level_size(level), b = va & ~(sz - 1);
	gpa_t t = p->root;
	int l;
	if (b < v->start || b + sz > v->end)
		return false;
	/* the slot must be empty (no smaller pages there yet) */
	for (l = o->levels; l >= level; l--) {
		u64 e = machine_pt_read(o->m, mk_gpa(t.v + 8ull * pt_index(va, l)));
		if (!e)
			return true;
		if (l == level || pte_is_leaf(e, l))
			return false;
		t = mk_gpa(e & PTE_ADDR_MASK);
	}
	return false;
}

enum os_fault_res os_fault(struct os *o, u64 va, enum acc a)
{
	struct proc *p = o->cur;
	const struct vma *v = os_vma_find(p, va);
	struct oracle_res orr;
	int level, top;

	if (va >= va_user_limit(o->levels)) {
		o->st.segv++;
		return OS_SEGV;
	}
	if (!v) {
		struct vma nv = { va & ~(PAGE_SIZE - 1), (va & ~(PAGE_SIZE - 1)) + PAGE_SIZE,
				  PERM_R | PERM_W | PERM_X, PSZ_ANY, true };
		u64 b2 = va & ~(psize_bytes(PS_2M) - 1);
		if (o->strict) {
			o->st.segv++;
			return OS_SEGV;
		}
		if (o->thp == THP_ALWAYS && !vma_overlaps(p, b2, b2 + psize_bytes(PS_2M))) {
			nv.start = b2;
			nv.end = b2 + psize_bytes(PS_2M);
		}
		if (vma_insert(p, nv))
			return OS_OOM;
		v = os_vma_find(p, va);
	}
	if (!vma_allows(v, a)) {
		o->st.segv++;
		return OS_SEGV;
	}
	oracle_translate(o->m, p->root, o->levels, va, a, &orr);
	if (orr.fault != FAULT_NOT_PRESENT || (orr.leaf & PTE_SW_PROTNONE)) {
		/* Present and still refused (or a PROT_NONE leaf the VMA now
		 * allows, which PROTECT keeps in step): the program's fault. */
		o->st.segv++;
		return OS_SEGV;
	}
	/* Largest size the hint or the THP policy allows. */
	top = 1;
	if (v->psize == PS_1G)
		top = 3;
	else if (v->psize == PS_2M || (v->psize == PSZ_ANY && o->thp == THP_ALWAYS))
		top = 2;
	for (level = top; level >= 1; level--) {
		u64 frame, e;
		gpa_t t;
		bool oom;
		if (level > 1 && !size_fits(o, p, v, va, level))
			continue;
		frame = machine_frame_alloc(o->m, 9u * (unsigned)(level - 1));
		if (frame == BUDDY_NONE) {
			if (level == 1)
				return OS_OOM;
			continue;
		}
		t = pt_table_for(o, p, va, level, &oom);
		if (!t.v) {
			machine_frame_free(o->m, frame, 9u * (unsigned)(level - 1));
			if (oom)
				return OS_OOM;
			o->st.segv++;
			return OS_SEGV;
		}
		e = leaf_flags(v->prot, (frame << PAGE_SHIFT) | PTE_US | PTE_A);
		if (level > 1)
			e |= PTE_PS;
		if (acc_is_write(a))
			e |= PTE_D;
		pt_write(o, p, t, pt_index(va, level), level, e);
		p->pages[level - 1]++;
		o->st.pages_mapped[level - 1]++;
		o->st.demand_faults++;
		return OS_MAPPED;
	}
	return OS_OOM;
}

int os_populate(struct os *o, u64 va, u64 len, enum acc a)
{
	u64 end = va + len;
	struct proc *p = o->cur;
	va &= ~(PAGE_SIZE - 1);
	while (va < end) {
		struct oracle_res r;
		oracle_translate(o->m, p->root, o->levels, va, a, &r);
		if (r.fault == FAULT_NOT_PRESENT) {
			enum os_fault_res fr = os_fault(o, va, a);
			if (fr == OS_OOM)
				return -ENOMEM;
			if (fr == OS_SEGV)
				return -EFAULT;
			oracle_translate(o->m, p->root, o->levels, va, a, &r);
		}
		if (r.fault != FAULT_NONE)
			return -EFAULT;
		va = (va & ~(psize_bytes(r.ps) - 1)) + psize_bytes(r.ps);
	}
	return 0;
}

/* ---- the guest direct segment ---- */

/* Writes the leaf of va -> gpa (4K, rw-, accessed and dirty). */
static int map_page_at(struct os *o, struct proc *p, u64 va, u64 gpa)
{
	bool oom;
	gpa_t t = pt_table_for(o, p, va, 1, &oom);
	if (!t.v)
		return -ENOMEM;
	pt_write(o, p, t, pt_index(va, 1), 1, gpa | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX);
	p->pages[PS_4K]++;
	o->st.pages_mapped[PS_4K]++;
	return 0;
}

static int seg_setup(struct os *o, const struct cfg *c)
{
	struct machine *m = o->m;
	struct proc *p = o->cur;
	u64 n = c->segment.guest_size >> PAGE_SHIFT, g, i, rng;
	struct vma v = { c->segment.guest_base, c->segment.guest_base + c->segment.guest_size,
			 PERM_R | PERM_W, PS_4K, false };
	int r;

	if (v.end > va_user_limit(o->levels)) {
		cfg_error(cfg_source(c, "segment", "guest_base"), "segment", "guest_base",
			  "0x%llx: the segment [0x%llx, 0x%llx) ends beyond the %d-level user space (0x%llx)",
			  (unsigned long long)v.start, (unsigned long long)v.start, (unsigned long long)v.end,
			  o->levels, (unsigned long long)va_user_limit(o->levels));
		return -EINVAL;
	}
	g = buddy_alloc_contig(&m->vm.gphys, n, 9, BUDDY_FIT_FIRST);
	if (g == BUDDY_NONE && c->segment.self_balloon && !vm_self_balloon(m, n))
		g = buddy_alloc_contig(&m->vm.gphys, n, 9, BUDDY_FIT_FIRST);   /* the hot-added range */
	if (g == BUDDY_NONE) {
		cfg_error(cfg_source(c, "segment", "guest_size"), "segment", "guest_size",
			  "no contiguous guest-physical extent of %llu bytes", (unsigned long long)c->segment.guest_size);
		return -EINVAL;     /* reported: not an out-of-memory of the simulator */
	}
	if ((r = bloom_init(&o->seg.filter, c->segment.filter_bits, c->segment.filter_hashes)) ||
	    (r = vma_insert(p, v)))
		return r;
	for (i = 0; i < n; i++)
		if ((r = vm_back(m, g + i, 0)) ||
		    (r = map_page_at(o, p, v.start + (i << PAGE_SHIFT), (g + i) << PAGE_SHIFT)))
			return r;
	o->seg.on = true;
	o->seg.base = v.start;
	o->seg.limit = v.end;
	o->seg.offset = (g << PAGE_SHIFT) - v.start;
	o->seg.gfn_lo = g;
	o->seg.gfn_hi = g + n;
	/* escaped pages: remapped to ordinary frames, listed in the filter */
	rng = rng_seed(c->sim.seed ^ 0x5e9e);
	for (i = 0; i < c->segment.escape_pages && i < n; i++) {
		u64 va = v.start + ((rng_next(&rng) % n) << PAGE_SHIFT), f;
		if (bloom_test(&o->seg.filter, va >> PAGE_SHIFT))
			continue;
		f = machine_frame_alloc(m, 0);
		if (f == BUDDY_NONE)
			return -ENOMEM;
		p->pages[PS_4K]--;                /* remapped, not a new page */
		o->st.pages_mapped[PS_4K]--;
		if ((r = map_page_at(o, p, va, f << PAGE_SHIFT)))
			return r;
		bloom_add(&o->seg.filter, va >> PAGE_SHIFT);
		o->seg.escaped++;
	}
	return 0;
}

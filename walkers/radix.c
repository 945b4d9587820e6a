/*
 * radix.c - the radix walk loop and walk log (model notes in radix.h).
 *
 * Walk semantics (SDM vol. 3A 4.5.4, 4.6, 4.8, 4.10.3):
 *  - Paging-structure caches are looked up lowest level first (PDE cache,
 *    then PDPTE, PML4E, PML5E); a hit at level L supplies the host address
 *    of the level L-1 table and the permissions accumulated above it, so
 *    the walk reads only levels below L. One PWC lookup latency is charged
 *    per dimension walk that finds a hit. The port's table_check, if any,
 *    is applied to the level L-1 table the hit leads to, before it is
 *    read (the checks of the tables a hit skips are skipped with them).
 *  - Each entry read goes through the memory port; a non-present entry or a
 *    reserved PS bit ends the walk with a fault at that level.
 *  - Permissions accumulate: US and RW must be set at every level, NX at
 *    any level forbids fetches. A permission failure at the leaf is a fault
 *    and nothing is cached in the TLB.
 *  - Upper-level entries read from memory are filled into the PWC (only
 *    non-leaf entries: SDM 4.10.3.1); A bits found clear along the path and
 *    the D bit of a leaf written to are set (deferred to the machine, see
 *    machine.h), as the processor does during the walk.
 */
#include "radix.h"
#include "../mmu/machine/machine.h"
#include "mmu.h"
#include "../mmu/machine/pte.h"

u64 walk_emit(struct mmu *u, enum dim d, int level, hpa_t a)
{
	struct walk_log *l = &u->log;
	struct walk_ref *r;
	enum ref_src src;
	u32 cyc = memport_read(&u->port, a, &src);
	u64 v = physmem_read64(&u->m->mem, a);

	SIM_BUG_ON(l->n >= WALK_LOG_MAX);
	r = &l->r[l->n++];
	r->dim = (u8)d;
	r->level = (u8)level;
	r->src = (u8)src;
	r->kind = l->cur_kind;
	r->cycles = cyc;
	r->addr = a.v;
	r->value = v;
	l->refs++;
	l->cycles += cyc;
	return v;
}

void walk_emit_cached(struct mmu *u, enum dim d, int level, enum ref_src src, u32 cycles,
		      u64 addr, u64 value)
{
	struct walk_log *l = &u->log;
	struct walk_ref *r;

	SIM_BUG_ON(l->n >= WALK_LOG_MAX);
	r = &l->r[l->n++];
	r->dim = (u8)d;
	r->level = (u8)level;
	r->src = (u8)src;
	r->kind = l->cur_kind;
	r->cycles = cycles;
	r->addr = addr;
	r->value = value;
	l->cycles += cycles;
}

void walk_emit_pwc(struct mmu *u, enum dim d, int level, u64 tag, u64 value)
{
	walk_emit_cached(u, d, level, SRC_PWC, u->pwc.latency, tag, value);
}

/* The two entry formats differ in presence, permissions and A/D bits;
 * PS (bit 7) and the address field are common (SDM vol. 3A 4.5, 3C 29.3). */
static inline bool fmt_present(enum pt_fmt f, u64 e) { return f == PTF_EPT ? ept_present(e) : (e & PTE_P) != 0; }
static inline u8 fmt_perms(enum pt_fmt f, u64 e) { return f == PTF_EPT ? ept_perms(e) : pte_perms(e); }
static inline u64 fmt_a(enum pt_fmt f) { return f == PTF_EPT ? EPT_A : PTE_A; }
static inline u64 fmt_d(enum pt_fmt f) { return f == PTF_EPT ? EPT_D : PTE_D; }

/* PWC value: host address of the next table | accumulated permissions |
 * PWC_SWITCHED when that table is a guest table reached by a switch, with
 * the level of the switching entry above it (bits 5-7): a hit below the
 * switch reports the level where the walk really switched. */
#define PWC_SWITCHED 0x10u
#define PWC_SW_LEVEL_SHIFT 5
static u64 pwc_pack(u64 table_hpa, u8 perms, int switch_level)
{
	return table_hpa | perms |
	       (switch_level ? PWC_SWITCHED | (u64)switch_level << PWC_SW_LEVEL_SHIFT : 0);
}

bool walk_radix(struct mmu *u, const struct radix_req *rq, struct pt_port *port,
		struct radix_res *res, struct walk_fault *f)
{
	struct machine *m = u->m;
	int level = rq->levels, l;
	u8 perms = PERM_R | PERM_W | PERM_X | PERM_U;
	bool set_ad = rq->set_ad, switched = false;
	enum table_kind kind = rq->kind;
	hpa_t table;
	u64 e = 0;

	res->switch_level = 0;
	/* Paging-structure caches: longest match first. */
	for (l = 2; l <= rq->levels && u->pwc.enabled; l++) {
		u64 v;
		if (pwc_lookup(&u->pwc, rq->dim, l, rq->va, rq->ctx, &v)) {
			int sl = (int)(v >> PWC_SW_LEVEL_SHIFT & 7);
			/* the cached entry is the switching entry itself (a
			 * shadow entry) or a guest entry below it */
			u->log.cur_kind = (u8)((v & PWC_SWITCHED) && l < sl ? TK_GUEST : kind);
			walk_emit_pwc(u, rq->dim, l, pwc_tag(rq->va, l), v);
			table = mk_hpa(v & PTE_ADDR_MASK);
			perms = (u8)(v & 0xf);
			level = l - 1;
			if (v & PWC_SWITCHED) {
				switched = true;
				res->switch_level = sl;
				port = rq->switch_port;
				set_ad = true;
				kind = TK_GUEST;
			}
			if (port && port->table_check && !port->table_check(port, table, f))
				return false;
			goto walk;
		}
	}
	if (port && port->table_hpa) {
		if (!port->table_hpa(port, rq->root, &table, f))
			return false;
	} else {
		table = mk_hpa(rq->root);
	}
walk:
	for (;; level--) {
		hpa_t at = mk_hpa(table.v + 8ull * pt_index(rq->va, level));
		u64 bits = 0;

		u->log.cur_kind = (u8)kind;
		e = walk_emit(u, rq->dim, level, at);
		if (!fmt_present(rq->fmt, e)) {
			f->kind = rq->fmt == PTF_EPT ? FAULT_EPT : FAULT_NOT_PRESENT;
			goto fault;
		}
		if ((e & PTE_PS) && level >= 4) {
			f->kind = rq->fmt == PTF_EPT ? FAULT_EPT : FAULT_RSVD;
			goto fault;
		}
		perms &= fmt_perms(rq->fmt, e);
		if (set_ad && !(e & fmt_a(rq->fmt)))
			bits |= fmt_a(rq->fmt);
		if (pte_is_leaf(e, level)) {
			u64 size = 1ull << (12 + 9 * (level - 1));
			if (!perms_allow(perms, rq->acc)) {
				f->kind = rq->fmt == PTF_EPT ? FAULT_EPT : FAULT_PROT;
				goto fault;
			}
			if (set_ad && acc_is_write(rq->acc) && !(e & fmt_d(rq->fmt)))
				bits |= fmt_d(rq->fmt);
			if (bits)
				machine_defer_ad(m, at, bits);
			res->leaf = e | bits;
			res->leaf_hpa = at;
			res->leaf_level = level;
			res->ps = level_psize(level);
			res->perms = perms;
			res->dirty = ((e | bits) & fmt_d(rq->fmt)) != 0;
			res->out = ((e & PTE_ADDR_MASK) & ~(size - 1)) | (rq->va & (size - 1));
			return true;
		}
		if (bits)
			machine_defer_ad(m, at, bits);
		if (rq->switch_bit && !switched && (e & rq->switch_bit)) {
			/* switch: the entry holds the next guest table's host address */
			switched = true;
			res->switch_level = level;
			port = rq->switch_port;
			set_ad = true;
			kind = TK_GUEST;
			table = mk_hpa(e & PTE_ADDR_MASK);
		} else if (port && port->table_hpa) {
			if (!port->table_hpa(port, e & PTE_ADDR_MASK, &table, f))
				return false;
		} else {
			table = mk_hpa(e & PTE_ADDR_MASK);
		}
		if (u->pwc.enabled)
			pwc_fill(&u->pwc, rq->dim, level, rq->va, rq->ctx, pwc_pack(table.v, perms, res->switch_level));
	}
fault:
	f->dim = rq->dim;
	f->level = level;
	f->addr = rq->va;
	return false;
}

void walk_radix_prefetch(struct mmu *u, int levels, u64 root, u64 va, int hops)
{
	const struct physmem *mem = &u->m->mem;
	u64 table = root;
	int level;

	for (level = levels; level >= 1; level--) {
		hpa_t at = mk_hpa(table + 8ull * pt_index(va, level));
		const u64 *page;
		u64 e;

		if (hops-- == 0) {              /* the frame's slot in physmem */
			physmem_prefetch_slot(mem, at);
			return;
		}
		if (hops-- == 0) {              /* the entry itself */
			physmem_prefetch(mem, at);
			return;
		}
		page = physmem_page(mem, at.v >> PAGE_SHIFT);
		if (!page)
			return;
		e = page[(at.v >> 3) & (PHYSMEM_PAGE_WORDS - 1)];
		if (!(e & PTE_P) || pte_is_leaf(e, level))
			return;
		table = e & PTE_ADDR_MASK;
	}
}

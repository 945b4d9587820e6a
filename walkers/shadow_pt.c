/*
 * shadow_pt.c - the VMM-built gVA -> hPA page tables that shadow paging
 * (shadow.c), agile paging (agile.c) and translation pass-through (tpt.c)
 * share.
 *
 * Model notes
 *   One table per guest page-table root (CR3), in host frames of the MMU
 *   instance's private region (mmu_priv_alloc: above host RAM, placed by
 *   the walker alone, so that the tables' addresses, and the cache sets
 *   they fall in, do not depend on the other walkers of a comparison or on
 *   guest memory), built lazily by
 *   sh_fill() from a software walk of the guest tables (guest_walk()) and
 *   the EPT. Table pages mirror guest table pages one to one (indexes
 *   guest gfn -> table page and back, keyed by VM as well, since several VMs
 *   share one walker); a guest leaf larger than its EPT mapping (a 2M
 *   guest page on 4K host pages) is entered at the smaller size, with a
 *   table page of its own below (a split page, SH_SPLIT). A leaf is
 *   writable only when the guest entry is dirty and the EPT allows writes;
 *   executable only when both allow it.
 *   Agile paging's switching entries (SH_SWITCH) live in the same tables:
 *   sh_fill() puts one where the guest table below is in nested mode, and
 *   the walk continues in the guest's own tables there.
 *   sh_pt_sync() keeps a table exact after a guest page-table write (drop
 *   the entry shadowing it with its subtree, install a new leaf at once, as
 *   KVM's write emulation does); who pays for it is the walker's choice.
 *   Freeing table pages drops the instance's paging-structure caches (they
 *   may point into the freed pages). Table pages are counted as the
 *   walker's pages (vmm_pages).
 *   Sources: KVM's shadow MMU (arch/x86/kvm/mmu); Gandhi, Hill and Swift,
 *   ISCA 2016 (agile paging); Bergman et al., USENIX ATC 2023 (TPT).
 */
#include "shadow_pt.h"
#include "../mmu/machine/oracle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

u64 sh_read(struct walker *w, hpa_t t, unsigned i)
{
	return physmem_read64(&w->m->mem, mk_hpa(t.v + 8ull * i));
}

void sh_write(struct walker *w, hpa_t t, unsigned i, u64 v)
{
	physmem_write64(&w->m->mem, mk_hpa(t.v + 8ull * i), v);
}

hpa_t sp_new(struct walker *w)
{
	struct shadow *sh = w->priv;
	hpa_t p = mmu_priv_alloc(w->mmu);
	if (!p.v) {
		fprintf(stderr, "mmusim: the %s walker's private table region is used up (%llu pages)\n",
			w->ops->name, (unsigned long long)MMU_PRIV_FRAMES);
		exit(1);
	}
	mmu_vmm_pages(w->mmu, +1);
	if (sh->tpt && u64map_put(&sh->tags, p.v >> PAGE_SHIFT, w->m->vm.vpid))   /* the guest's own table */
		exit(1);
	return p;
}

void sp_register(struct walker *w, hpa_t sp, u64 gfn, int level)
{
	struct shadow *sh = w->priv;
	if (u64map_put(&sh->by_gfn, gk(w, gfn), sp.v | (u64)level) || u64map_put(&sh->by_hpa, sp.v, gk(w, gfn))) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(1);
	}
}

/* Frees a shadow page and everything below it. */
void sp_free(struct walker *w, hpa_t sp, int level)
{
	struct shadow *sh = w->priv;
	u64 *g;
	unsigned i;

	if (level > 1)
		for (i = 0; i < 512; i++) {
			u64 e = sh_read(w, sp, i);
			if ((e & PTE_P) && !(e & PTE_PS) && !(e & SH_SWITCH))
				sp_free(w, mk_hpa(e & PTE_ADDR_MASK), level - 1);
		}
	if ((g = u64map_get(&sh->by_hpa, sp.v))) {
		u64map_del(&sh->by_gfn, *g);
		u64map_del(&sh->by_hpa, sp.v);
	}
	u64map_del(&sh->parent, sp.v);
	u64map_del(&sh->tags, sp.v >> PAGE_SHIFT);
	mmu_priv_free(w->mmu, sp);
	mmu_vmm_pages(w->mmu, -1);
}

/* Drops the shadow entry (sp, i) at level, and its subtree. */
void sh_zap(struct walker *w, hpa_t sp, unsigned i, int level)
{
	u64 e = sh_read(w, sp, i);
	if (!e)
		return;
	sh_write(w, sp, i, 0);
	if (level > 1 && (e & PTE_P) && !(e & PTE_PS) && !(e & SH_SWITCH)) {
		sp_free(w, mk_hpa(e & PTE_ADDR_MASK), level - 1);
		pwc_flush_all(&w->mmu->pwc);
	}
}

hpa_t sh_root(struct walker *w, gpa_t groot, int levels)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->by_gfn, gk(w, groot.v >> PAGE_SHIFT));
	hpa_t r;
	if (v)
		return mk_hpa(*v & PTE_ADDR_MASK);
	r = sp_new(w);
	sp_register(w, r, groot.v >> PAGE_SHIFT, levels);
	if (u64map_put(&sh->roots, gk(w, groot.v >> PAGE_SHIFT), 1))
		exit(1);
	return r;
}

/* The VMM's software walk of the guest tables. */
void guest_walk(struct walker *w, gpa_t root, int levels, u64 va, enum acc a, struct gwalk *g)
{
	u64 t = root.v, e = 0;
	u8 perms = PERM_R | PERM_W | PERM_X | PERM_U;
	int l;

	g->fault = FAULT_NONE;
	g->n = 0;
	g->leaf = levels;
	for (l = levels; l >= 1; l--) {
		g->at[l] = mk_gpa(t + 8ull * pt_index(va, l));
		e = g->e[l] = machine_pt_read(w->m, g->at[l]);
		g->n++;
		g->leaf = l;
		if (!(e & PTE_P)) {
			g->fault = FAULT_NOT_PRESENT;
			return;
		}
		if ((e & PTE_PS) && l >= 4) {
			g->fault = FAULT_RSVD;
			return;
		}
		perms &= pte_perms(e);
		if (pte_is_leaf(e, l))
			break;
		t = e & PTE_ADDR_MASK;
	}
	if (!perms_allow(perms, a))
		g->fault = FAULT_PROT;
}

/* The shadow leaf for guest leaf ge mapping the page of va, at level eff
 * (<= the guest leaf's level). */
u64 sh_leaf(struct walker *w, u64 ge, int glevel, int eff, u64 va)
{
	u64 gbase = (ge & PTE_ADDR_MASK) & ~(level_size(glevel) - 1);
	u64 gpa = gbase + (va & (level_size(glevel) - 1) & ~(level_size(eff) - 1));
	u64 e, hpa = 0;
	u8 hperm;

	vm_ept_leaf(w->m, gpa, &hperm);
	SIM_BUG_ON(!vm_gpa_hpa(&w->m->vm, gpa, &hpa));
	e = hpa | PTE_P | PTE_A | (ge & PTE_US);
	if ((ge & PTE_NX) || !(hperm & PERM_X))
		e |= PTE_NX;
	if ((ge & PTE_RW) && (ge & PTE_D) && (hperm & PERM_W))
		e |= PTE_RW | PTE_D;
	if (eff > 1)
		e |= PTE_PS;
	return e;
}

/* Level at which a guest leaf at glevel is shadowed: the smaller of it and
 * the EPT mapping of its page. */
int sh_eff_level(struct walker *w, u64 ge, int glevel, u64 va)
{
	u64 gpa = ((ge & PTE_ADDR_MASK) & ~(level_size(glevel) - 1)) | (va & (level_size(glevel) - 1));
	u8 hperm;
	int hl = vm_ept_leaf(w->m, gpa, &hperm);
	return hl ? MIN(glevel, hl) : 0;      /* 0: the guest page is not guest memory */
}

/* Fills the shadow path of va from the guest walk g. Returns the entries
 * written. */
u32 sh_fill(struct walker *w, hpa_t root, int levels, const struct gwalk *g, u64 va)
{
	struct shadow *sh = w->priv;
	hpa_t s = root;
	u32 n = 0;
	int l, eff = g->fault == FAULT_NOT_PRESENT ? g->leaf : sh_eff_level(w, g->e[g->leaf], g->leaf, va);

	if (!eff)
		return 0;       /* the caller reports the EPT violation */
	for (l = levels; l > eff; l--) {
		unsigned i = pt_index(va, l);
		u64 se = sh_read(w, s, i);
		if (!(se & PTE_P) || (se & PTE_PS)) {
			hpa_t c;
			if (l > g->leaf && sh->agile && u64map_get(&sh->nested, gk(w, (g->e[l] & PTE_ADDR_MASK) >> PAGE_SHIFT))) {
				/* the guest table below is in nested mode: switch here */
				u64 gfn = (g->e[l] & PTE_ADDR_MASK) >> PAGE_SHIFT;
				hpa_t at = mk_hpa(s.v + 8ull * i);
				if (se)
					sh_zap(w, s, i, l);
				sh_write(w, s, i, machine_gpa_hpa(w->m, mk_gpa(gfn << PAGE_SHIFT)).v | PTE_P | PTE_A |
					 (g->e[l] & (PTE_RW | PTE_US | PTE_NX)) | SH_SWITCH);
				if (u64map_get(&sh->tops, gk(w, gfn)) && u64map_put(&sh->tops, gk(w, gfn), at.v))
					exit(1);
				return n + 1;
			}
			if (l > g->leaf) {
				u64 gfn = (g->e[l] & PTE_ADDR_MASK) >> PAGE_SHIFT, *v;
				v = u64map_get(&sh->by_gfn, gk(w, gfn));
				if (v && (int)(*v & 7) == l - 1) {
					c = mk_hpa(*v & PTE_ADDR_MASK);
				} else {
					c = sp_new(w);
					sp_register(w, c, gfn, l - 1);
				}
				se = c.v | PTE_P | PTE_A | (g->e[l] & (PTE_RW | PTE_US | PTE_NX));
			} else {
				if (se)
					sh_zap(w, s, i, l);
				c = sp_new(w);      /* split page: no guest table behind it */
				se = c.v | PTE_P | PTE_A | PTE_RW | PTE_US | SH_SPLIT;
			}
			sh_write(w, s, i, se);
			if (u64map_put(&sh->parent, se & PTE_ADDR_MASK, s.v + 8ull * i))
				exit(1);
			n++;
		}
		if (se & SH_SWITCH)
			return n;      /* the walk goes on in the guest's tables */
		s = mk_hpa(se & PTE_ADDR_MASK);
	}
	if (g->fault == FAULT_NOT_PRESENT)
		return n;              /* only the tables above the missing entry */
	{
		unsigned i = pt_index(va, eff);
		u64 old = sh_read(w, s, i);
		if ((old & PTE_P) && !(old & PTE_PS) && eff > 1)
			sh_zap(w, s, i, eff);
		sh_write(w, s, i, sh_leaf(w, g->e[g->leaf], g->leaf, eff, va));
		n++;
	}
	return n;
}

int shadow_init(struct walker *w, const struct cfg *cfg)
{
	struct shadow *sh;
	(void)cfg;
	if (!w->m->vm.on)
		return -EINVAL;
	sh = calloc(1, sizeof *sh);
	if (!sh || u64map_init(&sh->by_gfn) || u64map_init(&sh->by_hpa) || u64map_init(&sh->parent) ||
	    u64map_init(&sh->wcount) || u64map_init(&sh->nested) || u64map_init(&sh->tops) ||
	    u64map_init(&sh->roots) || u64map_init(&sh->tags)) {
		free(sh);
		return -ENOMEM;
	}
	w->priv = sh;
	return 0;
}

void shadow_destroy(struct walker *w)
{
	struct shadow *sh = w->priv;
	if (!sh)
		return;
	u64map_destroy(&sh->by_gfn);
	u64map_destroy(&sh->by_hpa);
	u64map_destroy(&sh->parent);
	u64map_destroy(&sh->wcount);
	u64map_destroy(&sh->nested);
	u64map_destroy(&sh->tops);
	u64map_destroy(&sh->roots);
	u64map_destroy(&sh->tags);
	free(sh);
	w->priv = NULL;
}

/* A guest page-table write reached the VMM: drops the stale shadow entry
 * and installs the new leaf when it is one. Returns the entries written
 * (the cost the caller charges, or not). */
u32 sh_pt_sync(struct walker *w, const struct pt_update *pu)
{
	struct shadow *sh = w->priv;
	u64 gfn = pu->entry.v >> PAGE_SHIFT;
	u64 *v = u64map_get(&sh->by_gfn, gk(w, gfn));
	u32 n = 1;

	if (v && (int)(*v & 7) == pu->level) {
		hpa_t sp = mk_hpa(*v & PTE_ADDR_MASK);
		unsigned i = (unsigned)((pu->entry.v & (PAGE_SIZE - 1)) >> 3);
		sh_zap(w, sp, i, pu->level);
		if ((pu->val & PTE_P) && pte_is_leaf(pu->val, pu->level)) {
			/* va bits of this entry do not matter below its level */
			u64 va = 0;
			if (sh_eff_level(w, pu->val, pu->level, va) == pu->level) {
				sh_write(w, sp, i, sh_leaf(w, pu->val, pu->level, pu->level, va));
				n++;
			}
		}
	}
	return n;
}

/* Drops every shadow (or TPT) table and all agile state: they are rebuilt
 * as they are used (after the VMM moved guest memory). */
void shadow_reset(struct walker *w)
{
	struct shadow *sh = w->priv;
	u64 i;
	for (i = 0; i < sh->roots.cap; i++) {
		u64 *v;
		if (sh->roots.k[i] == U64MAP_EMPTY)
			continue;
		v = u64map_get(&sh->by_gfn, sh->roots.k[i]);
		if (v)
			sp_free(w, mk_hpa(*v & PTE_ADDR_MASK), (int)(*v & 7));
	}
	u64map_destroy(&sh->roots);
	u64map_destroy(&sh->wcount);
	u64map_destroy(&sh->nested);
	u64map_destroy(&sh->tops);
	if (u64map_init(&sh->roots) || u64map_init(&sh->wcount) || u64map_init(&sh->nested) ||
	    u64map_init(&sh->tops))
		exit(1);
}

void shadow_invalidate(struct walker *w, enum inv_scope s, u32 ctx, gva_t va)
{
	(void)ctx;
	(void)va;
	if (s == INV_ALL) {
		shadow_reset(w);
		return;
	}
	if (w->mmu->invlpg_exits)
		mmu_vmm_charge(w->mmu, s == INV_VA ? VMM_INVLPG : VMM_FLUSH, 0);
}

/* Tests: host address of the leaf entry for va in the shadow (or TPT)
 * table of guest root groot, or 0 when there is none. */
u64 shadow_leaf_at(struct walker *w, gpa_t groot, int levels, u64 va)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->by_gfn, gk(w, groot.v >> PAGE_SHIFT)), t;
	int l;
	if (!v)
		return 0;
	t = *v & PTE_ADDR_MASK;
	for (l = levels; l >= 1; l--) {
		u64 at = t + 8ull * pt_index(va, l), e = physmem_read64(&w->m->mem, mk_hpa(at));
		if (!(e & PTE_P) || l == 1 || (e & PTE_PS) || (e & SH_SWITCH))
			return (e & PTE_P) && (l == 1 || (e & PTE_PS)) ? at : 0;
		t = e & PTE_ADDR_MASK;
	}
	return 0;
}

/* Audit for tests: every present shadow leaf reachable from the shadow
 * root of guest root `groot` must translate its address as the guest
 * tables and the EPT do now (no stale translation). Returns the number of
 * stale leaves; *leaves counts the leaves checked. */
static u64 audit_rec(struct walker *w, hpa_t sp, int level, u64 base, gpa_t groot, int levels,
		     u64 *leaves)
{
	u64 bad = 0;
	unsigned i;
	for (i = 0; i < 512; i++) {
		u64 e = sh_read(w, sp, i), va = base + (u64)i * level_size(level);
		if (!(e & PTE_P) || (e & SH_SWITCH))
			continue;          /* switching entries lead to guest tables */
		if (level == 1 || (e & PTE_PS)) {
			struct oracle_res r;
			(*leaves)++;
			oracle_translate(w->m, groot, levels, va, ACC_R, &r);
			if (r.fault != FAULT_NONE || r.hpa.v != (e & PTE_ADDR_MASK) ||
			    (int)r.ps < level - 1 || ((e & PTE_RW) && !(r.perms & PERM_W)))
				bad++;
			continue;
		}
		bad += audit_rec(w, mk_hpa(e & PTE_ADDR_MASK), level - 1, va, groot, levels, leaves);
	}
	return bad;
}

u64 shadow_audit(struct walker *w, gpa_t groot, int levels, u64 *leaves)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->by_gfn, gk(w, groot.v >> PAGE_SHIFT));
	*leaves = 0;
	if (!v)
		return 0;
	return audit_rec(w, mk_hpa(*v & PTE_ADDR_MASK), levels, 0, groot, levels, leaves);
}

/*
 * shadow.c - shadow paging: the VMM keeps gVA -> hPA tables that the
 * hardware walks natively.
 *
 * Model notes
 *   The VMM builds one shadow table per guest page-table root (CR3) in host
 *   memory, lazily: a TLB miss walks the shadow table with the native radix
 *   loop (so a walk makes the references a native walk of the guest tables
 *   would: 4 for a 4K page with 4 levels); a miss in the shadow table exits
 *   to the VMM, which walks the guest table in software and fills the
 *   shadow path (a "hidden" fault), or injects the guest's own page fault.
 *   Shadow pages mirror guest table pages one to one (an index from guest
 *   table frame to shadow page and back). A guest leaf larger than its EPT
 *   mapping (a 2M guest page on 4K host pages) is shadowed at the smaller
 *   size with a shadow-only table below (a split page).
 *   Consistency (Gandhi et al., ISCA 2016 and IEEE Micro 2017 describe the
 *   trade-off; the mechanism follows KVM's shadow MMU, arch/x86/kvm/mmu):
 *   - every guest page-table page is write-protected, so every guest
 *     page-table write traps (VMM_PT_WRITE): the VMM drops the shadow entry
 *     shadowing the written entry (with the shadow subtree below it) and,
 *     when the new guest entry is a leaf, installs the new shadow leaf at
 *     once (as KVM's write emulation does), so the retried access does not
 *     fault again. KVM write-protects only guest tables it has shadowed;
 *     here all are (the two differ only for tables never walked);
 *   - guest A/D bits are emulated: a shadow leaf is writable only when the
 *     guest entry is dirty; the first write traps (VMM_DIRTY) and the VMM
 *     sets the guest D bit; the VMM sets guest A bits when it fills;
 *   - guest CR3 writes, INVLPG and PCID flushes exit (VMM_CR3, VMM_INVLPG,
 *     VMM_FLUSH); guest page faults are intercepted and injected
 *     (VMM_INJECT).
 *   Each intervention costs [vmm] exit_cycles plus [vmm] pte_cycles per
 *   entry the VMM reads or writes (guest entries walked, shadow entries
 *   written). Shadow pages are host frames, counted as the walker's pages.
 *   When the VMM frees shadow pages it drops this walker's paging-structure
 *   cache entries (they may point at the freed pages).
 *   Not modelled: out-of-sync (unsynchronized) shadow pages, shadow-page
 *   reuse across roots, prefetching of neighbouring entries, the cost of
 *   the shadow MMU's own data structures beyond pte_cycles.
 */
#include "radix.h"
#include "../mmu/machine.h"
#include "../mmu/mmu.h"
#include "../mmu/oracle.h"
#include "../mmu/pte.h"
#include "../mmu/u64map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define SH_SPLIT (1ull << 9)   /* non-leaf shadow entry: child is a split page */

struct shadow {
	struct u64map by_gfn;  /* guest table gfn -> shadow page hpa | level */
	struct u64map by_hpa;  /* shadow page hpa -> guest table gfn */
};

struct gwalk {
	enum fault_kind fault;
	int leaf;               /* leaf level (or the faulting level) */
	int n;                  /* guest entries read */
	u64 e[PT_LEVELS_MAX + 1];
	gpa_t at[PT_LEVELS_MAX + 1];
};

static u64 level_size(int level) { return 1ull << (12 + 9 * (level - 1)); }

static u64 sh_read(struct walker *w, hpa_t t, unsigned i)
{
	return physmem_read64(&w->m->mem, mk_hpa(t.v + 8ull * i));
}

static void sh_write(struct walker *w, hpa_t t, unsigned i, u64 v)
{
	physmem_write64(&w->m->mem, mk_hpa(t.v + 8ull * i), v);
}

static hpa_t sp_new(struct walker *w)
{
	hpa_t p = machine_host_pt_alloc(w->m);
	if (!p.v) {
		fprintf(stderr, "mmusim: simulated host memory exhausted by shadow page tables "
			"([host] ram = %llu bytes)\n", (unsigned long long)w->m->cfg.host.ram);
		exit(1);
	}
	mmu_vmm_pages(w->mmu, +1);
	return p;
}

static void sp_register(struct walker *w, hpa_t sp, u64 gfn, int level)
{
	struct shadow *sh = w->priv;
	if (u64map_put(&sh->by_gfn, gfn, sp.v | (u64)level) || u64map_put(&sh->by_hpa, sp.v, gfn)) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(1);
	}
}

/* Frees a shadow page and everything below it. */
static void sp_free(struct walker *w, hpa_t sp, int level)
{
	struct shadow *sh = w->priv;
	u64 *g;
	unsigned i;

	if (level > 1)
		for (i = 0; i < 512; i++) {
			u64 e = sh_read(w, sp, i);
			if ((e & PTE_P) && !(e & PTE_PS))
				sp_free(w, mk_hpa(e & PTE_ADDR_MASK), level - 1);
		}
	if ((g = u64map_get(&sh->by_hpa, sp.v))) {
		u64map_del(&sh->by_gfn, *g);
		u64map_del(&sh->by_hpa, sp.v);
	}
	machine_host_pt_free(w->m, sp);
	mmu_vmm_pages(w->mmu, -1);
}

/* Drops the shadow entry (sp, i) at level, and its subtree. */
static void sh_zap(struct walker *w, hpa_t sp, unsigned i, int level)
{
	u64 e = sh_read(w, sp, i);
	if (!e)
		return;
	sh_write(w, sp, i, 0);
	if (level > 1 && (e & PTE_P) && !(e & PTE_PS)) {
		sp_free(w, mk_hpa(e & PTE_ADDR_MASK), level - 1);
		pwc_flush_all(&w->mmu->pwc);
	}
}

static hpa_t sh_root(struct walker *w, gpa_t groot, int levels)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->by_gfn, groot.v >> PAGE_SHIFT);
	hpa_t r;
	if (v)
		return mk_hpa(*v & PTE_ADDR_MASK);
	r = sp_new(w);
	sp_register(w, r, groot.v >> PAGE_SHIFT, levels);
	return r;
}

/* The VMM's software walk of the guest tables. */
static void guest_walk(struct walker *w, gpa_t root, int levels, u64 va, enum acc a, struct gwalk *g)
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
static u64 sh_leaf(struct walker *w, u64 ge, int glevel, int eff, u64 va)
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
static int sh_eff_level(struct walker *w, u64 ge, int glevel, u64 va)
{
	u64 gpa = ((ge & PTE_ADDR_MASK) & ~(level_size(glevel) - 1)) | (va & (level_size(glevel) - 1));
	u8 hperm;
	int hl = vm_ept_leaf(w->m, gpa, &hperm);
	SIM_BUG_ON(!hl);
	return MIN(glevel, hl);
}

/* Fills the shadow path of va from the guest walk g. Returns the entries
 * written. */
static u32 sh_fill(struct walker *w, hpa_t root, int levels, const struct gwalk *g, u64 va)
{
	struct shadow *sh = w->priv;
	hpa_t s = root;
	u32 n = 0;
	int l, eff = sh_eff_level(w, g->e[g->leaf], g->leaf, va);

	for (l = levels; l > eff; l--) {
		unsigned i = pt_index(va, l);
		u64 se = sh_read(w, s, i);
		if (!(se & PTE_P) || (se & PTE_PS)) {
			hpa_t c;
			if (l > g->leaf) {
				u64 gfn = (g->e[l] & PTE_ADDR_MASK) >> PAGE_SHIFT, *v;
				v = u64map_get(&sh->by_gfn, gfn);
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
			n++;
		}
		s = mk_hpa(se & PTE_ADDR_MASK);
	}
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

static int shadow_init(struct walker *w, const struct cfg *cfg)
{
	struct shadow *sh;
	(void)cfg;
	if (!w->m->vm.on)
		return -EINVAL;
	sh = calloc(1, sizeof *sh);
	if (!sh || u64map_init(&sh->by_gfn) || u64map_init(&sh->by_hpa)) {
		free(sh);
		return -ENOMEM;
	}
	w->priv = sh;
	return 0;
}

static void shadow_destroy(struct walker *w)
{
	struct shadow *sh = w->priv;
	if (!sh)
		return;
	u64map_destroy(&sh->by_gfn);
	u64map_destroy(&sh->by_hpa);
	free(sh);
	w->priv = NULL;
}

static bool shadow_translate(struct walker *w, const struct xlate_in *in,
			     struct xlate_out *out, struct walk_fault *fault)
{
	struct mmu *u = w->mmu;
	hpa_t root = sh_root(w, in->root, in->levels);
	int attempt;

	for (attempt = 0;; attempt++) {
		struct radix_req rq = {
			.dim = DIM_G, .fmt = PTF_X86, .kind = TK_SHADOW, .levels = in->levels, .root = root.v,
			.va = in->va.v, .acc = in->acc, .ctx = in->ctx, .set_ad = false,
		};
		struct radix_res res;
		struct gwalk g;
		enum vmm_cause cause = VMM_HIDDEN_FAULT;
		u32 n;

		if (walk_radix(u, &rq, NULL, &res, fault)) {
			out->pa = mk_hpa(res.out);
			out->gpa = mk_gpa(0);
			out->ps = res.ps;
			out->perms = res.perms;
			out->dirty = res.dirty;
			return true;
		}
		SIM_BUG_ON(attempt >= 2);      /* a fill must make the walk succeed */
		guest_walk(w, in->root, in->levels, in->va.v, in->acc, &g);
		if (g.fault != FAULT_NONE) {
			mmu_vmm_charge(u, VMM_INJECT, (u32)g.n);
			fault->kind = g.fault;
			fault->dim = DIM_G;
			fault->level = g.leaf;
			fault->addr = in->va.v;
			return false;
		}
		if (!(g.e[g.leaf] & PTE_A)) {
			machine_defer_ad(w->m, machine_gpa_hpa(w->m, g.at[g.leaf]), PTE_A);
			g.e[g.leaf] |= PTE_A;
		}
		if (acc_is_write(in->acc) && !(g.e[g.leaf] & PTE_D)) {
			machine_defer_ad(w->m, machine_gpa_hpa(w->m, g.at[g.leaf]), PTE_D);
			g.e[g.leaf] |= PTE_D;
			cause = VMM_DIRTY;
		}
		n = sh_fill(w, root, in->levels, &g, in->va.v);
		mmu_vmm_charge(u, cause, (u32)g.n + n);
	}
}

/* A guest page-table write: trap, drop the stale shadow entry, install
 * the new leaf when it is one. */
static void shadow_pt_write(struct walker *w, const struct pt_update *pu)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->by_gfn, pu->entry.v >> PAGE_SHIFT);
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
	mmu_vmm_charge(w->mmu, VMM_PT_WRITE, n);
}

static void shadow_invalidate(struct walker *w, enum inv_scope s, u32 ctx, gva_t va)
{
	(void)ctx;
	(void)va;
	mmu_vmm_charge(w->mmu, s == INV_VA ? VMM_INVLPG : VMM_FLUSH, 0);
}

static void shadow_cr3(struct walker *w, u32 ctx, gpa_t root)
{
	(void)ctx;
	(void)root;
	mmu_vmm_charge(w->mmu, VMM_CR3, 0);
}

const struct walker_ops shadow_walker_ops = {
	.name = "shadow",
	.summary = "shadow paging: native-length walks of VMM-built gVA->hPA tables; VMM interventions",
	.needs_vm = true,
	.init = shadow_init,
	.translate = shadow_translate,
	.pt_write = shadow_pt_write,
	.invalidate = shadow_invalidate,
	.cr3 = shadow_cr3,
	.destroy = shadow_destroy,
};

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
		if (!(e & PTE_P))
			continue;
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
	u64 *v = u64map_get(&sh->by_gfn, groot.v >> PAGE_SHIFT);
	*leaves = 0;
	if (!v)
		return 0;
	return audit_rec(w, mk_hpa(*v & PTE_ADDR_MASK), levels, 0, groot, levels, leaves);
}

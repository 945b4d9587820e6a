/*
 * shadow.c - shadow paging: the VMM keeps gVA -> hPA tables that the
 * hardware walks natively; and agile paging, which is shadow paging whose
 * shadow entries may switch the walk to nested mode (see "Agile paging"
 * below).
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
 *   - guest CR3 writes exit (VMM_CR3); so do INVLPG and PCID flushes
 *     (VMM_INVLPG, VMM_FLUSH) with [vmm] invlpg_exits, as in KVM, whose
 *     shadow MMU may leave shadow pages unsynchronized until the guest's
 *     INVLPG (here the write traps keep the shadow exact, so the exits are
 *     a cost model, not a correctness need); guest page faults are
 *     intercepted and injected (VMM_INJECT).
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
#include "../mmu/machine/machine.h"
#include "mmu.h"
#include "../mmu/machine/oracle.h"
#include "../mmu/machine/pte.h"
#include "../mmu/util/u64map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define SH_SPLIT (1ull << 9)   /* non-leaf shadow entry: child is a split page */
#define SH_SWITCH (1ull << 10) /* agile: entry holds the next guest table's hPA */
#define NESTED_WRITTEN (1ull << 3) /* agile: nested value flag: page written this interval */

struct shadow {
	struct u64map by_gfn;  /* guest table gfn -> shadow page hpa | level */
	struct u64map by_hpa;  /* shadow page hpa -> guest table gfn */
	struct u64map parent;  /* shadow page hpa -> hpa of the entry linking it */
	/* translation pass-through */
	bool tpt;
	u32 tag_cycles;
	/* agile paging */
	bool agile;
	u32 threshold;
	u64 interval, next_tick, epoch;
	struct u64map wcount;  /* shadow-mode guest table gfn -> epoch << 32 | writes */
	struct u64map nested;  /* guest table gfn in nested mode ->
				* its top's gfn << 4 | NESTED_WRITTEN | its level */
	struct u64map tops;    /* top gfn -> switching entry hpa (0: none yet) */
	struct u64map roots;   /* guest root gfns (never switched) */
};

struct gwalk {
	enum fault_kind fault;
	int leaf;               /* leaf level (or the faulting level) */
	int n;                  /* guest entries read */
	u64 e[PT_LEVELS_MAX + 1];
	gpa_t at[PT_LEVELS_MAX + 1];
};

static u64 level_size(int level) { return 1ull << (12 + 9 * (level - 1)); }

/* Keys of guest frames in the VMM's indexes: the frame number and the VM
 * (its VPID) it belongs to, since several VMs share one walker. */
#define GK_SHIFT 40
#define GK_GFN_MASK ((1ull << GK_SHIFT) - 1)
static u64 gk(const struct walker *w, u64 gfn) { return gfn | (u64)w->m->vm.vpid << GK_SHIFT; }

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
	if (((struct shadow *)w->priv)->tpt)
		w->m->tags[p.v >> PAGE_SHIFT] = (u16)w->m->vm.vpid;   /* the guest's own table */
	return p;
}

static void sp_register(struct walker *w, hpa_t sp, u64 gfn, int level)
{
	struct shadow *sh = w->priv;
	if (u64map_put(&sh->by_gfn, gk(w, gfn), sp.v | (u64)level) || u64map_put(&sh->by_hpa, sp.v, gk(w, gfn))) {
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
			if ((e & PTE_P) && !(e & PTE_PS) && !(e & SH_SWITCH))
				sp_free(w, mk_hpa(e & PTE_ADDR_MASK), level - 1);
		}
	if ((g = u64map_get(&sh->by_hpa, sp.v))) {
		u64map_del(&sh->by_gfn, *g);
		u64map_del(&sh->by_hpa, sp.v);
	}
	u64map_del(&sh->parent, sp.v);
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
	if (level > 1 && (e & PTE_P) && !(e & PTE_PS) && !(e & SH_SWITCH)) {
		sp_free(w, mk_hpa(e & PTE_ADDR_MASK), level - 1);
		pwc_flush_all(&w->mmu->pwc);
	}
}

static hpa_t sh_root(struct walker *w, gpa_t groot, int levels)
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
	return hl ? MIN(glevel, hl) : 0;      /* 0: the guest page is not guest memory */
}

/* Fills the shadow path of va from the guest walk g. Returns the entries
 * written. */
static u32 sh_fill(struct walker *w, hpa_t root, int levels, const struct gwalk *g, u64 va)
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

static int shadow_init(struct walker *w, const struct cfg *cfg)
{
	struct shadow *sh;
	(void)cfg;
	if (!w->m->vm.on)
		return -EINVAL;
	sh = calloc(1, sizeof *sh);
	if (!sh || u64map_init(&sh->by_gfn) || u64map_init(&sh->by_hpa) || u64map_init(&sh->parent) ||
	    u64map_init(&sh->wcount) || u64map_init(&sh->nested) || u64map_init(&sh->tops) ||
	    u64map_init(&sh->roots)) {
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
	u64map_destroy(&sh->parent);
	u64map_destroy(&sh->wcount);
	u64map_destroy(&sh->nested);
	u64map_destroy(&sh->tops);
	u64map_destroy(&sh->roots);
	free(sh);
	w->priv = NULL;
}

static bool shadow_translate(struct walker *w, const struct xlate_in *in,
			     struct xlate_out *out, struct walk_fault *fault)
{
	struct shadow *sh = w->priv;
	struct mmu *u = w->mmu;
	struct pt_port nport = { nested_table_hpa, u };   /* below a switch */
	hpa_t root = sh_root(w, in->root, in->levels);
	int attempt;

	for (attempt = 0;; attempt++) {
		struct radix_req rq = {
			.dim = DIM_G, .fmt = PTF_X86, .kind = TK_SHADOW, .levels = in->levels, .root = root.v,
			.va = in->va.v, .acc = in->acc, .ctx = in->ctx, .set_ad = false,
			.switch_bit = sh->agile ? SH_SWITCH : 0, .switch_port = &nport,
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
			if (res.switch_level) {
				/* nested below the switch: the leaf gave a gPA */
				u64 hpa;
				u8 hperms;
				enum psize hps;
				if (!nested_gpa_hpa(u, res.out, in->acc, &hpa, &hperms, &hps, fault))
					return false;
				out->pa = mk_hpa(hpa);
				out->gpa = mk_gpa(res.out);
				out->ps = MIN(res.ps, hps);
				out->perms &= hperms;
				u->st.agile_switched[res.switch_level]++;
			} else if (sh->agile) {
				u->st.agile_full_shadow++;
			}
			return true;
		}
		/* A fault in the guest's own tables below a switch, or in the EPT,
		 * is delivered as nested paging delivers it: no VMM intercept. */
		if (fault->dim == DIM_H || (res.switch_level && fault->level < res.switch_level))
			return false;
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
		if (!sh_eff_level(w, g.e[g.leaf], g.leaf, in->va.v)) {
			/* the guest maps memory it does not have: EPT violation */
			mmu_vmm_charge(u, VMM_INJECT, (u32)g.n);
			fault->kind = FAULT_EPT;
			fault->dim = DIM_H;
			fault->level = 0;
			fault->addr = in->va.v;
			return false;
		}
		n = sh_fill(w, root, in->levels, &g, in->va.v);
		mmu_vmm_charge(u, cause, (u32)g.n + n);
	}
}

/* ---- Agile paging (Gandhi, Hill and Swift, ISCA 2016; IEEE Micro 2017) ----
 *
 * Mechanism: a shadow entry with the switching bit (SH_SWITCH) holds the
 * host address of the next guest table; the hardware walk continues there
 * as a nested walk (guest entries read directly, lower guest tables and the
 * final gPA translated through the EPT, A/D set in the guest's tables).
 * Guest tables in nested mode are not write-protected: their updates cost
 * nothing. Guest tables above them keep shadow mode.
 * Policy: a process starts in full shadow mode. A guest page-table page
 * written update_threshold times (2) within one interval moves to nested
 * mode with everything below it (its shadow subtree is freed and the
 * shadow entry pointing to it becomes a switching entry). At the end of
 * each interval ([agile] interval_cycles of the walker's simulated time),
 * every nested subtree whose pages were not written during the interval
 * moves back to shadow mode (its switching entry is dropped; the shadow
 * subtree is rebuilt by hidden faults as it is used). The paper reads the
 * dirty bits of the guest page-table pages to find unwritten ones; here the
 * VMM sees the writes of nested pages through the same notifications (no
 * cost), which is what those dirty bits record. Root pages never switch.
 * Costs: a move to nested mode is charged in the intervention that
 * detected the second write, plus pte_cycles per guest table scanned; the
 * end of an interval costs one exit plus pte_cycles per nested page
 * scanned and per subtree moved back.
 */

/* Marks the guest table gfn (at level) and the tables below it nested
 * under top; returns the number of tables marked. */
static u32 mark_nested(struct walker *w, u64 gfn, int level, u64 top, bool on)
{
	struct shadow *sh = w->priv;
	u32 n = 1;
	unsigned i;

	if (on) {
		if (u64map_put(&sh->nested, gk(w, gfn), top << 4 | (u64)level))
			exit(1);
	} else {
		u64map_del(&sh->nested, gk(w, gfn));
	}
	if (level > 1)
		for (i = 0; i < 512; i++) {
			u64 e = machine_pt_read(w->m, mk_gpa((gfn << PAGE_SHIFT) + 8ull * i));
			if ((e & PTE_P) && !pte_is_leaf(e, level))
				n += mark_nested(w, (e & PTE_ADDR_MASK) >> PAGE_SHIFT, level - 1, top, on);
		}
	return n;
}

/* Moves guest table page gfn (holding level-`level` entries) to nested. */
static void agile_to_nested(struct walker *w, u64 gfn, int level)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->by_gfn, gk(w, gfn)), at = 0;
	u32 n = mark_nested(w, gfn, level, gfn, true);

	if (v && (int)(*v & 7) == level) {
		hpa_t sp = mk_hpa(*v & PTE_ADDR_MASK);
		u64 *pe = u64map_get(&sh->parent, sp.v);
		if (pe) {
			u64 e;
			at = *pe;
			e = physmem_read64(&w->m->mem, mk_hpa(at));
			physmem_write64(&w->m->mem, mk_hpa(at),
					machine_gpa_hpa(w->m, mk_gpa(gfn << PAGE_SHIFT)).v |
					(e & ~PTE_ADDR_MASK) | SH_SWITCH);
			n++;
		}
		sp_free(w, sp, level);
		pwc_flush_all(&w->mmu->pwc);
	}
	if (u64map_put(&sh->tops, gk(w, gfn), at))
		exit(1);
	w->mmu->st.vmm_cycles += (u64)n * w->mmu->pte_cycles;
	w->mmu->st.agile_to_nested++;
}

/* Interval end, for one nested page: written, it stays nested with its
 * subtree (as the new top when its top went back); unwritten, it goes back
 * to shadow mode and its children are judged the same way. Clears the
 * written flags of what stays. Returns the pages examined. */
static u32 agile_judge(struct walker *w, u64 gfn, int level, u64 top)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->nested, gk(w, gfn));
	u32 n = 1;
	unsigned i;

	if (!v)
		return 0;
	if (*v & NESTED_WRITTEN) {
		if (gfn != top) {
			/* a new top below a page that went back to shadow */
			mark_nested(w, gfn, level, gfn, true);
			if (u64map_put(&sh->tops, gk(w, gfn), 0))
				exit(1);
		} else {
			mark_nested(w, gfn, level, gfn, true);   /* clears the flags */
		}
		return n;
	}
	u64map_del(&sh->nested, gk(w, gfn));
	if (gfn == top)
		u64map_del(&sh->tops, gk(w, gfn));
	w->mmu->st.agile_to_shadow++;
	if (level > 1)
		for (i = 0; i < 512; i++) {
			u64 e = machine_pt_read(w->m, mk_gpa((gfn << PAGE_SHIFT) + 8ull * i));
			if ((e & PTE_P) && !pte_is_leaf(e, level))
				n += agile_judge(w, (e & PTE_ADDR_MASK) >> PAGE_SHIFT, level - 1, top);
		}
	return n;
}

/* Rebuilds, eagerly, the shadow table of guest table gfn (level-`level`
 * entries) that just left nested mode, linking it from the shadow entry at
 * `at` (whose guest flags it keeps). Children still nested get switching
 * entries; guest huge pages larger than their EPT mapping are left to
 * hidden faults. Returns the entries written. */
static u32 sh_build(struct walker *w, hpa_t at, u64 flags, u64 gfn, int level)
{
	struct shadow *sh = w->priv;
	hpa_t sp = sp_new(w);
	u32 n = 1;
	unsigned i;

	sp_register(w, sp, gfn, level);
	if (u64map_put(&sh->parent, sp.v, at.v))
		exit(1);
	physmem_write64(&w->m->mem, at, sp.v | flags);
	for (i = 0; i < 512; i++) {
		u64 e = machine_pt_read(w->m, mk_gpa((gfn << PAGE_SHIFT) + 8ull * i));
		hpa_t eat = mk_hpa(sp.v + 8ull * i);
		if (!(e & PTE_P))
			continue;
		if (pte_is_leaf(e, level)) {
			if (sh_eff_level(w, e, level, 0) == level) {
				sh_write(w, sp, i, sh_leaf(w, e, level, level, 0));
				n++;
			}
			continue;
		}
		{
			u64 c = (e & PTE_ADDR_MASK) >> PAGE_SHIFT, cf = PTE_P | PTE_A | (e & (PTE_RW | PTE_US | PTE_NX));
			if (u64map_get(&sh->nested, gk(w, c))) {
				physmem_write64(&w->m->mem, eat,
						machine_gpa_hpa(w->m, mk_gpa(c << PAGE_SHIFT)).v | cf | SH_SWITCH);
				if (u64map_get(&sh->tops, gk(w, c)) && u64map_put(&sh->tops, gk(w, c), eat.v))
					exit(1);
				n++;
			} else {
				n += sh_build(w, eat, cf, c, level - 1);
			}
		}
	}
	return n;
}

/* End of an interval ([agile] interval_cycles of this walker's time). */
static void agile_tick(struct walker *w, u64 now)
{
	struct shadow *sh = w->priv;
	u64 i, ntops = 0, *tops, *ats;
	u32 scanned = 0, rebuilt = 0;

	if (now < sh->next_tick)
		return;
	while (sh->next_tick <= now)
		sh->next_tick += sh->interval;
	sh->epoch++;
	if (!sh->tops.n)
		return;
	tops = malloc(2 * sh->tops.n * sizeof *tops);
	if (!tops)
		exit(1);
	ats = tops + sh->tops.n;
	/* the current VM's nested pages (another VM's wait for its turn) */
	for (i = 0; i < sh->tops.cap; i++)
		if (sh->tops.k[i] != U64MAP_EMPTY && sh->tops.k[i] >> GK_SHIFT == w->m->vm.vpid) {
			tops[ntops] = sh->tops.k[i] & GK_GFN_MASK;
			ats[ntops++] = sh->tops.v[i];
		}
	for (i = 0; i < ntops; i++) {
		u64 gfn = tops[i], *v = u64map_get(&sh->nested, gk(w, gfn));
		if (!v)
			continue;
		{
			int level = (int)(*v & 7);
			bool back = !(*v & NESTED_WRITTEN);
			scanned += agile_judge(w, gfn, level, gfn);
			if (back && ats[i]) {
				/* back to shadow: the VMM rebuilds the shadow subtree
				 * in place of the switching entry */
				u64 e = physmem_read64(&w->m->mem, mk_hpa(ats[i]));
				if ((e & SH_SWITCH) &&
				    (e & PTE_ADDR_MASK) == machine_gpa_hpa(w->m, mk_gpa(gfn << PAGE_SHIFT)).v)
					rebuilt += sh_build(w, mk_hpa(ats[i]), e & ~PTE_ADDR_MASK & ~SH_SWITCH, gfn, level);
			}
		}
	}
	free(tops);
	pwc_flush_all(&w->mmu->pwc);
	mmu_vmm_charge(w->mmu, VMM_INTERVAL, scanned + rebuilt);
}

/* A guest page-table write: trap, drop the stale shadow entry, install
 * the new leaf when it is one. */
static void shadow_pt_write(struct walker *w, const struct pt_update *pu)
{
	struct shadow *sh = w->priv;
	u64 gfn = pu->entry.v >> PAGE_SHIFT;
	u64 *v;
	u32 n = 1;

	if (sh->agile) {
		u64 *nv = u64map_get(&sh->nested, gk(w, gfn));
		if (nv) {
			/* nested mode: not write-protected, no exit; the page's
			 * dirty state records the write for the interval's end */
			u64 top = *nv >> 4;
			*nv |= NESTED_WRITTEN;
			if ((pu->old & PTE_P) && !pte_is_leaf(pu->old, pu->level))
				mark_nested(w, (pu->old & PTE_ADDR_MASK) >> PAGE_SHIFT, pu->level - 1, top, false);
			if ((pu->val & PTE_P) && !pte_is_leaf(pu->val, pu->level))
				mark_nested(w, (pu->val & PTE_ADDR_MASK) >> PAGE_SHIFT, pu->level - 1, top, true);
			return;
		}
	}
	v = u64map_get(&sh->by_gfn, gk(w, gfn));
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
	if (sh->tpt)
		return;          /* the enlightened guest writes its own tables */
	mmu_vmm_charge(w->mmu, VMM_PT_WRITE, n);
	if (sh->agile && !u64map_get(&sh->roots, gk(w, gfn))) {
		u64 *c = u64map_get(&sh->wcount, gk(w, gfn)), cnt = 1;
		if (c && (*c >> 32) == sh->epoch)
			cnt = (*c & 0xffffffffu) + 1;
		if (cnt >= sh->threshold) {
			u64map_del(&sh->wcount, gk(w, gfn));
			agile_to_nested(w, gfn, pu->level);
		} else if (u64map_put(&sh->wcount, gk(w, gfn), sh->epoch << 32 | cnt)) {
			exit(1);
		}
	}
}

/* Drops every shadow (or TPT) table and all agile state: they are rebuilt
 * as they are used (after the VMM moved guest memory). */
static void shadow_reset(struct walker *w)
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

static void shadow_invalidate(struct walker *w, enum inv_scope s, u32 ctx, gva_t va)
{
	(void)ctx;
	(void)va;
	if (s == INV_ALL) {
		shadow_reset(w);
		return;
	}
	if (w->mmu->invlpg_exits && !((struct shadow *)w->priv)->tpt)
		mmu_vmm_charge(w->mmu, s == INV_VA ? VMM_INVLPG : VMM_FLUSH, 0);
}

static void shadow_cr3(struct walker *w, u32 ctx, gpa_t root)
{
	(void)ctx;
	(void)root;
	mmu_vmm_charge(w->mmu, VMM_CR3, 0);
}

/* ---- Translation pass-through (Bergman et al., USENIX ATC 2023) ----
 *
 * An enlightened guest writes host-physical addresses in its own
 * one-dimensional page tables, so the hardware walks them natively (4
 * references for a 4K page with 4 levels) and the guest updates them with
 * no VMM intervention. Isolation comes from memory tags: every host frame
 * carries the owning VM's tag (machine.h: tags, set when the VMM backs
 * guest memory), and the walker checks the tag of every page-table page it
 * reads and of the final frame ([tpt] tag_check_cycles each, logged as TAG,
 * counted as tag checks); a frame of another owner is an isolation fault.
 * The model keeps the guest's tables in guest-physical form (shared with
 * the other walkers of a comparison) and derives the host-physical tables
 * the TPT guest would hold from them on every guest write and before every
 * walk, at no simulated cost (the guest's own work). A/D bits are set in
 * the host-physical tables by the walk; a clean page's leaf is made
 * writable on its first write, by a walk, as hardware does.
 */
static bool tpt_tag_ok(struct walker *w, u64 hpa, struct walk_fault *f)
{
	struct mmu *u = w->mmu;
	struct shadow *sh = w->priv;
	u64 hfn = hpa >> PAGE_SHIFT;
	bool ok = hfn < w->m->frames.nframes && w->m->tags[hfn] == w->m->vm.vpid;

	u->st.tag_checks++;
	walk_emit_cached(u, DIM_G, 0, SRC_TAG, sh->tag_cycles, hpa & ~(PAGE_SIZE - 1),
			 hfn < w->m->frames.nframes ? w->m->tags[hfn] : 0);
	if (ok)
		return true;
	u->st.isolation_faults++;
	f->kind = FAULT_ISOLATION;
	f->dim = DIM_G;
	f->level = 0;
	f->addr = hpa;
	return false;
}

static bool tpt_table_hpa(struct pt_port *p, u64 table, hpa_t *out, struct walk_fault *f)
{
	if (!tpt_tag_ok(p->arg, table, f))
		return false;
	*out = mk_hpa(table);
	return true;
}

static bool tpt_translate(struct walker *w, const struct xlate_in *in,
			  struct xlate_out *out, struct walk_fault *fault)
{
	struct pt_port port = { tpt_table_hpa, w };
	struct radix_req rq = {
		.dim = DIM_G, .fmt = PTF_X86, .kind = TK_GUEST, .levels = in->levels,
		.va = in->va.v, .acc = in->acc, .ctx = in->ctx, .set_ad = false,
	};
	struct radix_res res;
	struct gwalk g;
	hpa_t root = sh_root(w, in->root, in->levels);

	/* bring the host-physical tables in step with the guest's where they
	 * lack the entry (guest writes keep them in step otherwise) */
	{
		u64 at = shadow_leaf_at(w, in->root, in->levels, in->va.v);
		bool ready = at && (!acc_is_write(in->acc) ||
				    (physmem_read64(&w->m->mem, mk_hpa(at)) & PTE_RW));
		if (!ready) {
			guest_walk(w, in->root, in->levels, in->va.v, in->acc, &g);
			if (g.fault == FAULT_NONE && !sh_eff_level(w, g.e[g.leaf], g.leaf, in->va.v)) {
				/* the guest names memory that is not its own */
				w->mmu->st.isolation_faults++;
				fault->kind = FAULT_ISOLATION;
				fault->dim = DIM_G;
				fault->level = g.leaf;
				fault->addr = in->va.v;
				return false;
			}
			if (g.fault == FAULT_NONE && acc_is_write(in->acc) && !(g.e[g.leaf] & PTE_D)) {
				machine_defer_ad(w->m, machine_gpa_hpa(w->m, g.at[g.leaf]), PTE_D);
				g.e[g.leaf] |= PTE_D;
			}
			if (g.fault == FAULT_NONE || g.fault == FAULT_NOT_PRESENT)
				sh_fill(w, root, in->levels, &g, in->va.v);
		}
	}
	rq.root = root.v;
	if (!walk_radix(w->mmu, &rq, &port, &res, fault))
		return false;
	if (!tpt_tag_ok(w, res.out, fault))
		return false;
	out->pa = mk_hpa(res.out);
	out->gpa = mk_gpa(0);
	out->ps = res.ps;
	out->perms = res.perms;
	out->dirty = res.dirty;
	return true;
}

static int tpt_init(struct walker *w, const struct cfg *cfg)
{
	struct shadow *sh;
	int r = shadow_init(w, cfg);
	if (r)
		return r;
	sh = w->priv;
	sh->tpt = true;
	sh->tag_cycles = cfg->tpt.tag_check_cycles;
	return 0;
}

const struct walker_ops tpt_walker_ops = {
	.name = "tpt",
	.summary = "translation pass-through: guest tables hold host addresses, isolation by memory tags",
	.needs_vm = true,
	.init = tpt_init,
	.translate = tpt_translate,
	.pt_write = shadow_pt_write,
	.invalidate = shadow_invalidate,
	.destroy = shadow_destroy,
};

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

static int agile_init(struct walker *w, const struct cfg *cfg)
{
	struct shadow *sh;
	int r = shadow_init(w, cfg);
	if (r)
		return r;
	sh = w->priv;
	sh->agile = true;
	sh->threshold = cfg->agile.update_threshold;
	sh->interval = cfg->agile.interval_cycles;
	sh->next_tick = sh->interval;
	return 0;
}

const struct walker_ops agile_walker_ops = {
	.name = "agile",
	.summary = "agile paging: shadow at the top, nested below a switching bit; two-update policy",
	.needs_vm = true,
	.init = agile_init,
	.translate = shadow_translate,
	.pt_write = shadow_pt_write,
	.invalidate = shadow_invalidate,
	.cr3 = shadow_cr3,
	.tick = agile_tick,
	.destroy = shadow_destroy,
};

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

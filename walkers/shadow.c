/*
 * shadow.c - shadow paging: the VMM keeps gVA -> hPA tables that the
 * hardware walks natively (the tables: shadow_pt.c). Agile paging
 * (agile.c) uses this walk, with switching entries.
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
 *   - guest CR3 writes exit (VMM_CR3; the VMM's own load of a VM's
 *     context at VM entry is no guest write and costs nothing); so do INVLPG and PCID flushes
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
#include "shadow_pt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Every guest page-table write traps (the page is write-protected). */
static void shadow_pt_write(struct walker *w, const struct pt_update *pu)
{
	mmu_vmm_charge(w->mmu, VMM_PT_WRITE, sh_pt_sync(w, pu));
}

bool shadow_translate(struct walker *w, const struct xlate_in *in,
			     struct xlate_out *out, struct walk_fault *fault)
{
	struct shadow *sh = w->priv;
	struct mmu *u = w->mmu;
	struct pt_port nport = { .table_hpa = nested_table_hpa, .arg = u };   /* below a switch */
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

void shadow_cr3(struct walker *w, u32 ctx, gpa_t root)
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

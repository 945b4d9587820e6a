/*
 * bpo.c - base-plus-offset translation for contiguous-memory VMs.
 *
 * Model notes
 *   The design of the seed paper (shared/seeds 000 and 003: "removing the
 *   nested page walk for VMs with contiguous host memory"): a VM whose
 *   guest-physical memory is one contiguous host extent gets two registers
 *   loaded on VM entry, gBA (the host address of gPA 0) and gMS (the size of
 *   guest memory). A TLB miss walks only the guest table; every guest table
 *   pointer and the final guest-physical address become hPA = gPA + gBA: as
 *   many references as guest levels (4 for 4K pages with 4 levels), none in
 *   the host dimension. Each addition is one base-bound computation
 *   (counted: 5 for a 4-level walk of a 4K page).
 *   Security module: before any TLB fill it checks gBA <= hPA < gBA + gMS;
 *   a violation is an isolation fault, counted, and nothing is filled. The
 *   same check guards the guest table pointers the walk follows (a guest
 *   table outside its memory would make the walker read another VM's
 *   memory); the seed paper checks at TLB fill, and checking the pointers
 *   too is our choice, stated here.
 *   Because the extent is contiguous, a guest 2M or 1G page is contiguous in
 *   host memory; it is cached at its guest size, whatever the EPT's pages,
 *   when gBA is a multiple of that size, and otherwise at the largest size
 *   gBA is aligned to (a TLB entry maps an aligned page onto an aligned
 *   frame, SDM vol. 3A 4.10.2.2; an extent placed at a 4K boundary, as
 *   `--backing` may give, is cached at 4K).
 *   A VM that is not contiguous uses nested paging (walkers/nested.c), or
 *   with [vm] fallback = shadow shadow paging (shadow.c; 003 sec. 5 and
 *   000 C3 name both "conventional methods"): the modes cohabit on one
 *   host, each VM in the mode its contiguity allows. Under the shadow
 *   fallback only non-contiguous VMs' guest table writes, CR3 writes and
 *   INVLPGs exit; a contiguous VM updates its tables directly.
 *   MMIO holes ([vm] mmio_hole, vm.h): the extent spans the hole, so one
 *   gBA serves both sides (the host frames behind the hole are returned),
 *   and the bounds check (vm_gpa_is_ram) refuses gPAs inside the hole as it
 *   refuses those beyond gMS.
 *   Escape filter ([segment] vmm_escape_pages; shared/seeds 001 sec. 6, a
 *   VMM-segment mechanism that the seed 000 design lacks): guest pages
 *   whose host page has a permanent hard fault are listed by gPA in a
 *   Bloom filter checked with the bounds check; a listed page (table or
 *   data) is translated through the EPT. The same filter serves bpo,
 *   vmm-direct and dual-direct, since gBA is the VMM segment's offset.
 *   gBA/gMS are loaded on each VM switch ([vmm] base_load_cycles, charged
 *   by the simulation loop; walker_ops.base_regs).
 *   Not modelled: a VM with holes other than the one MMIO hole.
 */
#include "shadow_pt.h"

#include <errno.h>

bool bpo_check(struct mmu *u, u64 gpa, struct walk_fault *f)
{
	u->st.base_bound++;
	if (vm_gpa_is_ram(&u->m->vm, gpa))
		return true;
	u->st.isolation_faults++;
	f->kind = FAULT_ISOLATION;
	f->dim = DIM_H;
	f->level = 0;
	f->addr = gpa;
	return false;
}

bool bpo_table_hpa(struct pt_port *p, u64 table, hpa_t *out, struct walk_fault *f)
{
	struct mmu *u = p->arg;
	if (!bpo_check(u, table, f))
		return false;
	if (vm_escaped(&u->m->vm, table))      /* escape filter: through the EPT */
		return nested_table_hpa(p, table, out, f);
	*out = mk_hpa(table + (u->m->vm.base_hfn << PAGE_SHIFT));
	return true;
}

/* With an escape filter in use, translations are cached at 4K (a larger
 * guest page may hold an escaped page) and an escaped page's frame comes
 * from the EPT. */
static bool bpo_escape(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
		       struct walk_fault *fault)
{
	u64 hpa;
	u8 hperms;
	enum psize hps;

	out->ps = PS_4K;
	if (!vm_escaped(&w->m->vm, out->gpa.v))
		return true;
	if (!nested_gpa_hpa(w->mmu, out->gpa.v, in->acc, &hpa, &hperms, &hps, fault))
		return false;
	out->pa = mk_hpa(hpa);
	out->perms &= hperms;
	return true;
}

/* [vm] fallback = shadow: the walker keeps shadow tables (shadow_pt.c) for
 * the VMs that are not contiguous; their guest table writes, CR3 writes
 * and INVLPGs exit as under the shadow walker, a contiguous VM's do not. */
int bpo_init(struct walker *w, const struct cfg *cfg)
{
	if (!w->m->vm.on)
		return -EINVAL;
	if (cfg->vm.fallback != FALLBACK_SHADOW)
		return 0;
	/* the VMs that could take EPT violations (lazily backed, so not
	 * contiguous) are shadowed: their first touches are shadow fills */
	w->mmu->ept_faults = false;
	return shadow_init(w, cfg);
}

bool bpo_fallback(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
		  struct walk_fault *fault)
{
	return w->priv ? shadow_translate(w, in, out, fault) : nested_translate(w, in, out, fault);
}

void bpo_fb_pt_write(struct walker *w, const struct pt_update *pu)
{
	if (w->priv && !w->m->vm.contiguous)
		mmu_vmm_charge(w->mmu, VMM_PT_WRITE, sh_pt_sync(w, pu));
}

void bpo_fb_invalidate(struct walker *w, enum inv_scope s, u32 ctx, gva_t va)
{
	if (w->priv && (s == INV_ALL || !w->m->vm.contiguous))
		shadow_invalidate(w, s, ctx, va);
}

void bpo_fb_cr3(struct walker *w, u32 ctx, gpa_t root)
{
	if (w->priv && !w->m->vm.contiguous)
		shadow_cr3(w, ctx, root);
}

bool bpo_walk(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
	      struct walk_fault *fault)
{
	struct radix_req rq = {
		.dim = DIM_G, .fmt = PTF_X86, .kind = TK_GUEST, .levels = in->levels, .root = in->root.v,
		.va = in->va.v, .acc = in->acc, .ctx = in->ctx, .set_ad = true,
	};
	struct pt_port port = { .table_hpa = bpo_table_hpa, .arg = w->mmu };
	struct radix_res res;

	if (!walk_radix(w->mmu, &rq, &port, &res, fault) || !bpo_check(w->mmu, res.out, fault))
		return false;
	out->pa = mk_hpa(res.out + (w->m->vm.base_hfn << PAGE_SHIFT));
	out->gpa = mk_gpa(res.out);
	/* cached at the guest size only where gBA is aligned to it */
	out->ps = psize_aligned(res.ps, w->m->vm.base_hfn << PAGE_SHIFT);
	out->perms = res.perms;
	out->dirty = res.dirty;
	if (w->m->vm.escaped)
		return bpo_escape(w, in, out, fault);
	return true;
}

static bool bpo_translate(struct walker *w, const struct xlate_in *in,
			  struct xlate_out *out, struct walk_fault *fault)
{
	if (!w->m->vm.contiguous)
		return bpo_fallback(w, in, out, fault);
	return bpo_walk(w, in, out, fault);
}

const struct walker_ops bpo_walker_ops = {
	.name = "bpo",
	.summary = "base-plus-offset for contiguous VMs (hPA = gPA + gBA, bounds-checked); nested ([vm] fallback) otherwise",
	.needs_vm = true,
	.ept_faults = true,
	.guest_size_when_contig = true,
	.base_regs = true,
	.init = bpo_init,
	.translate = bpo_translate,
	.pt_write = bpo_fb_pt_write,
	.invalidate = bpo_fb_invalidate,
	.cr3 = bpo_fb_cr3,
	.destroy = shadow_destroy,
};

/*
 * native.c - the native x86-64 walker: 4-level and 5-level (LA57) paging,
 * 4 KiB, 2 MiB and 1 GiB pages (Intel SDM vol. 3A 4.5; AMD APM vol. 2 5.3).
 *
 * Model notes
 *   A TLB miss walks the process's tables from CR3 through the radix loop
 *   with an identity port (tables are addressed host-physically). A cold
 *   walk makes one reference per level walked: 4 for a 4K page with 4
 *   levels, 3 for 2M, 2 for 1G, 5 for a 4K page with 5 levels; a walk whose
 *   PDE is in the paging-structure cache makes 1. A/D bits are set as the
 *   processor sets them (SDM 4.8).
 *   On a virtualized machine (compared with nested or shadow paging) this
 *   walker is the unvirtualized baseline: it walks the guest's tables as if
 *   guest-physical were physical, reaching each table through the VMM's
 *   map at no cost, and its translation is the guest-physical address.
 *   Not modelled: the walk's interaction with the L1D's data traffic (see
 *   cache.h), memory types (PAT/MTRR), supervisor accesses, SMEP/SMAP,
 *   protection keys.
 */
#include "radix.h"
#include "../mmu/machine/machine.h"
#include "mmu.h"

static int native_init(struct walker *w, const struct cfg *cfg)
{
	(void)w;
	(void)cfg;
	return 0;
}

/* Baseline on a VM: guest-physical tables found through the VMM's map. */
static bool baseline_table_hpa(struct pt_port *p, u64 table, hpa_t *out, struct walk_fault *f)
{
	struct machine *m = p->arg;
	(void)f;
	*out = machine_gpa_hpa(m, mk_gpa(table));
	return true;
}

static bool native_translate(struct walker *w, const struct xlate_in *in,
			     struct xlate_out *out, struct walk_fault *fault)
{
	struct radix_req rq = {
		.dim = DIM_G, .fmt = PTF_X86, .levels = in->levels, .root = in->root.v, .va = in->va.v,
		.acc = in->acc, .ctx = in->ctx, .set_ad = true,
	};
	struct pt_port port = { .table_hpa = baseline_table_hpa, .arg = w->m };
	struct radix_res res;

	if (!walk_radix(w->mmu, &rq, w->m->vm.on ? &port : NULL, &res, fault))
		return false;
	out->pa = mk_hpa(res.out);
	out->gpa = mk_gpa(res.out);
	out->ps = res.ps;
	out->perms = res.perms;
	out->dirty = res.dirty;
	return true;
}

/* The access at stage 0 gets its last host read prefetched (the leaf
 * entry), the one at stage 1 the read before (the leaf table's physmem
 * slot), and so on. */
static void native_prefetch(struct walker *w, gva_t va, int stage)
{
	int hops = 2 * w->mmu->levels - 1 - stage;

	if (!w->m->vm.on && hops >= 0)   /* host-physical tables: no VM */
		walk_radix_prefetch(w->mmu, w->mmu->levels, w->mmu->root.v, va.v, hops);
}

const struct walker_ops native_walker_ops = {
	.name = "native",
	.summary = "x86-64 radix walk, 4 or 5 levels, 4K/2M/1G pages (on a VM: the unvirtualized baseline)",
	.guest_only = true,
	.init = native_init,
	.translate = native_translate,
	.prefetch = native_prefetch,
};

/*
 * nested.c - nested paging (Intel EPT, AMD NPT): the two-dimensional walk.
 *
 * Model notes
 *   Every guest table pointer (CR3 and each non-leaf guest entry) and the
 *   final guest-physical address are translated through the EPT, and every
 *   EPT reference is charged through the memory port (Bhargava et al.,
 *   "Accelerating two-dimensional page walks for virtualized systems",
 *   ASPLOS 2008; SDM vol. 3C 29.3). With n guest levels and m EPT levels
 *   and no caching, a walk makes n*m + n + m references: 24 for 4 over 4,
 *   35 for 5 over 5, 29 for 4 over 5 (or 5 over 4); a 2M page in one
 *   dimension removes one level of that dimension's walks (19), in both
 *   15.
 *   Caching, as in Bhargava et al.: a nested TLB ([ntlb]) holds gPA -> hPA
 *   translations (at the EPT page size) and is looked up before each EPT
 *   walk; the paging-structure caches of both dimensions ([pwc], one array
 *   per dimension and level) skip upper levels, the guest dimension's
 *   entries holding the host address of the next guest table.
 *   The translation cached in the TLB has the smaller of the guest and EPT
 *   page sizes and the intersection of their permissions.
 *   EPT A/D flags are set by EPT walks (not on nested-TLB hits).
 *   EPT violations: when the VMM backs guest memory lazily (scattered
 *   backing, vm.h), the first touch of each guest page exits to the VMM,
 *   which maps it: [vmm] exit_cycles plus pte_cycles per EPT entry written,
 *   counted as the cause ept_violation (mmu.c, walker flag ept_faults;
 *   also agile paging and the contiguous-VM walkers when they fall back to
 *   nested paging).
 *   Not modelled: mode-based execute control, accessed-bit updates of
 *   guest tables counted as EPT writes.
 */
#include "radix.h"
#include "../mmu/machine/machine.h"
#include "mmu.h"
#include "../mmu/machine/pte.h"

#include <errno.h>

#define NTLB_PS_SHIFT 28

/* gPA -> hPA for access acc: nested TLB, else an EPT walk (charged). */
bool nested_gpa_hpa(struct mmu *u, u64 gpa, enum acc acc, u64 *hpa, u8 *perms,
		    enum psize *ps, struct walk_fault *f)
{
	struct machine *m = u->m;
	u32 vpid = m->vm.vpid;
	struct radix_req rq = {
		.dim = DIM_H, .fmt = PTF_EPT, .kind = TK_EPT, .levels = m->vm.host_levels, .root = m->vm.ept_root.v,
		.va = gpa, .acc = acc, .ctx = vpid, .set_ad = true,
	};
	struct radix_res res;
	int s;

	for (s = 0; s < PS_NR && u->ntlb.ways; s++) {
		u64 key = gpa >> psize_shift((enum psize)s);
		struct sa_entry *e = sa_lookup(&u->ntlb, key, key, vpid | (u32)s << NTLB_PS_SHIFT);
		if (!e)
			continue;
		u->st.ntlb_hits++;
		if (!perms_allow((u8)e->flags, acc)) {
			f->kind = FAULT_EPT;
			f->dim = DIM_H;
			f->level = 0;
			f->addr = gpa;
			return false;
		}
		*hpa = e->val | (gpa & (psize_bytes((enum psize)s) - 1));
		*perms = (u8)e->flags;
		*ps = (enum psize)s;
		walk_emit_cached(u, DIM_H, 0, SRC_NTLB, u->ntlb_lat, gpa, *hpa);
		return true;
	}
	if (u->ntlb.ways)
		u->st.ntlb_misses++;
	if (!walk_radix(u, &rq, NULL, &res, f))
		return false;
	if (u->ntlb.ways) {
		u64 key = gpa >> psize_shift(res.ps);
		sa_fill(&u->ntlb, key, key, vpid | (u32)res.ps << NTLB_PS_SHIFT,
			res.out & ~(psize_bytes(res.ps) - 1), res.perms, NULL);
	}
	*hpa = res.out;
	*perms = res.perms;
	*ps = res.ps;
	return true;
}

bool nested_table_hpa(struct pt_port *p, u64 table, hpa_t *out, struct walk_fault *f)
{
	u64 h;
	u8 perms;
	enum psize ps;
	if (!nested_gpa_hpa(p->arg, table, ACC_R, &h, &perms, &ps, f))
		return false;
	*out = mk_hpa(h);
	return true;
}

static int nested_init(struct walker *w, const struct cfg *cfg)
{
	(void)cfg;
	return w->m->vm.on ? 0 : -EINVAL;
}

bool nested_translate(struct walker *w, const struct xlate_in *in,
		      struct xlate_out *out, struct walk_fault *fault)
{
	struct radix_req rq = {
		.dim = DIM_G, .fmt = PTF_X86, .levels = in->levels, .root = in->root.v, .va = in->va.v,
		.acc = in->acc, .ctx = in->ctx, .set_ad = true,
	};
	struct pt_port port = { .table_hpa = nested_table_hpa, .arg = w->mmu };
	struct radix_res res;
	u64 hpa;
	u8 hperms;
	enum psize hps;

	if (!walk_radix(w->mmu, &rq, &port, &res, fault))
		return false;
	if (!nested_gpa_hpa(w->mmu, res.out, in->acc, &hpa, &hperms, &hps, fault))
		return false;
	out->pa = mk_hpa(hpa);
	out->gpa = mk_gpa(res.out);
	out->ps = MIN(res.ps, hps);
	out->perms = res.perms & hperms;
	out->dirty = res.dirty;
	return true;
}

const struct walker_ops nested_walker_ops = {
	.name = "nested",
	.summary = "nested paging (EPT): 2D walk, nested TLB, PWCs in both dimensions",
	.needs_vm = true,
	.ept_faults = true,
	.init = nested_init,
	.translate = nested_translate,
};

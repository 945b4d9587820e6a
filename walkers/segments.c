/*
 * segments.c - direct segments for virtualized machines (Gandhi, Basu,
 * Hill and Swift, "Efficient Memory Virtualization", MICRO 2014; shared/
 * seeds 001): Dual Direct, VMM Direct and Guest Direct.
 *
 * Model notes
 *   Segment registers BASE, LIMIT, OFFSET translate a contiguous range in
 *   one dimension with one base-bound computation (a bounds check and an
 *   addition) and no memory reference:
 *   - the guest segment: gVA in [BASE_g, LIMIT_g) -> gPA = gVA + OFFSET_g,
 *     process 0's primary region ([segment], os.h), unless the page is in
 *     the escape filter (a Bloom filter of pages, bloom.h);
 *   - the VMM segment: all guest-physical memory of a VM whose memory is
 *     one contiguous host extent: hPA = gPA + OFFSET_v (as bpo.c's gBA, with
 *     the same bounds check), unless the guest-physical page is in the
 *     VMM segment's escape filter ([segment] vmm_escape_pages: bad host
 *     pages, checked in parallel with the segment, 001 sec. 6), which is
 *     translated through the EPT.
 *   The guest segment's filter is keyed by gVA ([segment] escape_pages;
 *   the escape filter of Basu et al., ISCA 2013, for the guest's direct
 *   segment); the VMM segment's by gPA (001's placement of the filter).
 *   Walkers, for a TLB miss:
 *   - dual-direct: inside both segments, gVA -> hPA in one base-bound
 *     computation (the two offsets added in advance) and 0 references;
 *     outside the guest segment, VMM Direct; without the VMM segment, Guest
 *     Direct; without either, nested paging;
 *   - vmm-direct: the guest walk, each guest table and the final gPA
 *     translated by the VMM segment: guest-levels references and
 *     guest-levels + 1 base-bound computations (4 and 5 for 4K pages on 4
 *     levels); when the VM is not contiguous, [vm] fallback (nested
 *     paging, or shadow paging as under bpo);
 *   - guest-direct: inside the guest segment, gVA -> gPA by one base-bound
 *     computation, then the nested TLB or an EPT walk (4 references with 4
 *     EPT levels); elsewhere nested paging.
 *   Translations through a segment are cached in the TLB at 4K (the guest
 *   segment maps 4K pages; the paper's segment hits bypass the TLB, which we
 *   do not model). Their permissions are the primary region's: rw-.
 *   Guest-physical fragmentation and self-ballooning (001 sec. 6) are the
 *   VMM's and the guest OS's (vm.h, [segment] guest_fragmentation and
 *   self_balloon); host compaction is the VMM's (vm.c).
 *   Not modelled: segments for more than process 0.
 */
#include "radix.h"
#include "../mmu/machine/machine.h"
#include "mmu.h"

#include <errno.h>

/* The guest segment translates va (process 0, inside, not escaped). */
static bool guest_seg(struct walker *w, u64 va)
{
	const struct os *o = &w->m->os;
	return o->seg.on && o->cur->pid == 0 && va >= o->seg.base && va < o->seg.limit &&
	       !bloom_test(&o->seg.filter, va >> PAGE_SHIFT);
}

/* The VMM segment translates as base-plus-offset does (bpo.c: bpo_check,
 * bpo_table_hpa): the same bounds check and addition, one base-bound
 * computation each. */

static const u8 seg_perms = PERM_R | PERM_W | PERM_U;

/* A write through the segment must still be allowed by the region (rw-);
 * a fetch is not (the region is not executable). */
static bool seg_allows(enum acc a, struct walk_fault *f, u64 va)
{
	if (a != ACC_I)
		return true;
	f->kind = FAULT_PROT;
	f->dim = DIM_G;
	f->level = 1;
	f->addr = va;
	return false;
}

/* Guest Direct: gVA -> gPA by the guest segment, then the host dimension. */
static bool guest_direct(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
			 struct walk_fault *f)
{
	u64 gpa = in->va.v + w->m->os.seg.offset, hpa;
	u8 hperms;
	enum psize hps;

	w->mmu->st.base_bound++;
	if (!seg_allows(in->acc, f, in->va.v) || !nested_gpa_hpa(w->mmu, gpa, in->acc, &hpa, &hperms, &hps, f))
		return false;
	out->pa = mk_hpa(hpa);
	out->gpa = mk_gpa(gpa);
	out->ps = PS_4K;
	out->perms = seg_perms & hperms;
	out->dirty = true;
	return true;
}

static int seg_init(struct walker *w, const struct cfg *cfg)
{
	(void)cfg;
	return w->m->vm.on ? 0 : -EINVAL;
}

static bool dual_translate(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
			   struct walk_fault *f)
{
	bool g = guest_seg(w, in->va.v), v = w->m->vm.contiguous;
	if (g && v && w->m->vm.escaped && vm_escaped(&w->m->vm, in->va.v + w->m->os.seg.offset))
		return guest_direct(w, in, out, f);    /* VMM escape filter: the EPT */
	if (g && v) {
		u64 gpa = in->va.v + w->m->os.seg.offset;
		if (!seg_allows(in->acc, f, in->va.v) || !bpo_check(w->mmu, gpa, f))
			return false;      /* one base-bound computation: both offsets at once */
		out->pa = mk_hpa(gpa + (w->m->vm.base_hfn << PAGE_SHIFT));
		out->gpa = mk_gpa(gpa);
		out->ps = PS_4K;
		out->perms = seg_perms;
		out->dirty = true;
		return true;
	}
	if (v)
		return bpo_walk(w, in, out, f);
	if (g)
		return guest_direct(w, in, out, f);
	return nested_translate(w, in, out, f);
}

static bool vmm_translate(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
			  struct walk_fault *f)
{
	return w->m->vm.contiguous ? bpo_walk(w, in, out, f) : bpo_fallback(w, in, out, f);
}

static bool guest_translate(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
			    struct walk_fault *f)
{
	return guest_seg(w, in->va.v) ? guest_direct(w, in, out, f) : nested_translate(w, in, out, f);
}

const struct walker_ops dual_direct_walker_ops = {
	.name = "dual-direct",
	.summary = "direct segments in both dimensions (guest and VMM segments), paging outside",
	.needs_vm = true,
	.ept_faults = true,
	.guest_size_when_contig = true,
	.base_regs = true,
	.init = seg_init,
	.translate = dual_translate,
};

const struct walker_ops vmm_direct_walker_ops = {
	.name = "vmm-direct",
	.summary = "VMM direct segment: guest walk, every gPA by the VMM segment",
	.needs_vm = true,
	.ept_faults = true,
	.guest_size_when_contig = true,
	.base_regs = true,
	.init = bpo_init,                /* and [vm] fallback, as bpo */
	.translate = vmm_translate,
	.pt_write = bpo_fb_pt_write,
	.invalidate = bpo_fb_invalidate,
	.cr3 = bpo_fb_cr3,
	.destroy = shadow_destroy,
};

const struct walker_ops guest_direct_walker_ops = {
	.name = "guest-direct",
	.summary = "guest direct segment: gVA->gPA by the guest segment, then the EPT",
	.needs_vm = true,
	.ept_faults = true,
	.init = seg_init,
	.translate = guest_translate,
};

/*
 * tpt.c - translation pass-through (Bergman et al., USENIX ATC 2023). The
 * host-physical tables are kept by shadow_pt.c.
 *
 * Model notes
 *   An enlightened guest writes host-physical addresses in its own
 *   one-dimensional page tables, so the hardware walks them natively (4
 *   references for a 4K page with 4 levels) and the guest updates them with
 *   no VMM intervention. Isolation comes from memory tags: every host frame
 *   carries the owning VM's tag (machine.h: tags, set when the VMM backs
 *   guest memory), and the walker checks the tag of every page-table page it
 *   reads and of the final frame ([tpt] tag_check_cycles each, logged as TAG,
 *   counted as tag checks); a frame of another owner is an isolation fault.
 *   The host-physical tables live in the instance's private frames
 *   (mmu_priv_alloc), outside host RAM; their tags (the VM each table
 *   belongs to) are kept here, beside the machine's tags of RAM frames.
 *   A protection fault is found by the walk of those tables (the leaf is
 *   entered with the guest's permissions), as the reference translator
 *   finds it, not reported as a missing entry.
 *   A page-walk-cache hit skips the reads, and so the checks, of the
 *   tables above the level it supplies; the table it leads to is read, and
 *   checked (the check is not cached with the PWC entry: the tag belongs to
 *   the memory read, and the VMM may retag a frame after the entry was
 *   cached). A cold 4-level walk of a 4K page makes 5 checks, a walk that
 *   hits the PDE cache 2.
 *   The model keeps the guest's tables in guest-physical form (shared with
 *   the other walkers of a comparison) and derives the host-physical tables
 *   the TPT guest would hold from them on every guest write and before every
 *   walk, at no simulated cost (the guest's own work). The walk itself sets
 *   no A/D bits: derived leaves are made with A set, and the first write
 *   to a clean page sets D in the guest's table and derives a writable
 *   leaf before the walk (where TPT hardware would set D in the walked
 *   table; the translation and the guest's D bit end the same).
 */
#include "shadow_pt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static bool tpt_tag_ok(struct walker *w, u64 hpa, struct walk_fault *f)
{
	struct mmu *u = w->mmu;
	struct shadow *sh = w->priv;
	u64 hfn = hpa >> PAGE_SHIFT, *own = mmu_priv_owns(u, hpa) ? u64map_get(&sh->tags, hfn) : NULL;
	u64 tag = own ? *own : hfn < w->m->frames.nframes ? w->m->tags[hfn] : 0;
	bool ok = tag == w->m->vm.vpid;

	u->st.tag_checks++;
	walk_emit_cached(u, DIM_G, 0, SRC_TAG, sh->tag_cycles, hpa & ~(PAGE_SIZE - 1), tag);
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

/* A PWC hit supplies the next table's address; its tag is checked as it is
 * read, as for every table page read. */
static bool tpt_table_check(struct pt_port *p, hpa_t table, struct walk_fault *f)
{
	return tpt_tag_ok(p->arg, table.v, f);
}

static bool tpt_translate(struct walker *w, const struct xlate_in *in,
			  struct xlate_out *out, struct walk_fault *fault)
{
	struct pt_port port = { .table_hpa = tpt_table_hpa, .table_check = tpt_table_check, .arg = w };
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
			/* a protection fault is the hardware's to find in the
			 * guest's own (host-physical) tables: the leaf is there,
			 * with the guest's permissions */
			if (g.fault == FAULT_NONE || g.fault == FAULT_NOT_PRESENT || g.fault == FAULT_PROT)
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

/* The enlightened guest writes its own tables: no trap, no cost. */
static void tpt_pt_write(struct walker *w, const struct pt_update *pu)
{
	sh_pt_sync(w, pu);
}

/* The guest's INVLPG and PCID flushes need no VMM (its tables are the
 * ones walked); only a remap of its memory drops the derived tables. */
static void tpt_invalidate(struct walker *w, enum inv_scope s, u32 ctx, gva_t va)
{
	(void)ctx;
	(void)va;
	if (s == INV_ALL)
		shadow_reset(w);
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
	.pt_write = tpt_pt_write,
	.invalidate = tpt_invalidate,
	.destroy = shadow_destroy,
};

/*
 * agile.c - agile paging (Gandhi, Hill and Swift, ISCA 2016; IEEE Micro
 * 2017): shadow paging at the top of the guest tables, nested paging below
 * a switching bit. The shadow walk is shadow.c's, the tables shadow_pt.c's.
 *
 * Model notes
 *   Mechanism: a shadow entry with the switching bit (SH_SWITCH) holds the
 *   host address of the next guest table; the hardware walk continues there
 *   as a nested walk (guest entries read directly, lower guest tables and the
 *   final gPA translated through the EPT, A/D set in the guest's tables).
 *   Guest tables in nested mode are not write-protected: their updates cost
 *   nothing. Guest tables above them keep shadow mode.
 *   Policy: a process starts in full shadow mode. A guest page-table page
 *   written update_threshold times (2) within one interval moves to nested
 *   mode with everything below it (its shadow subtree is freed and the
 *   shadow entry pointing to it becomes a switching entry). At the end of
 *   each interval ([agile] interval_cycles of the walker's simulated time),
 *   every nested subtree whose pages were not written during the interval
 *   (a move to nested mode counts as a write; pages below a page that
 *   moves keep their written state and are judged under it) moves back to
 *   shadow mode (its switching entry is dropped; the shadow
 *   subtree is rebuilt by hidden faults as it is used). The paper reads the
 *   dirty bits of the guest page-table pages to find unwritten ones; here the
 *   VMM sees the writes of nested pages through the same notifications (no
 *   cost), which is what those dirty bits record. Root pages never switch.
 *   A shadow-mode entry that linked a nested top is rewritten by the guest
 *   (its table is being freed or replaced): the top leaves nested mode
 *   with its subtree, since the guest may reuse the frame as a table of
 *   another level.
 *   Costs: a move to nested mode is charged in the intervention that
 *   detected the second write, plus pte_cycles per guest table scanned; the
 *   end of an interval costs one exit plus pte_cycles per nested page
 *   scanned and per subtree moved back.
 */
#include "shadow_pt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

enum mark { MARK_OFF, MARK_KEEP, MARK_CLEAN };

/* Marks the guest table gfn (at level) and the tables below it nested
 * under top (MARK_KEEP keeps the written flags of pages already nested,
 * MARK_CLEAN clears them), or not nested (MARK_OFF). A page below top is
 * no top of its own any more (its switching entry, if any, lay in the
 * shadow subtree that top's move freed). Returns the tables marked. */
static u32 mark_nested(struct walker *w, u64 gfn, int level, u64 top, enum mark how)
{
	struct shadow *sh = w->priv;
	u32 n = 1;
	unsigned i;

	if (how != MARK_OFF) {
		u64 *old = u64map_get(&sh->nested, gk(w, gfn));
		u64 wr = how == MARK_KEEP && old ? *old & NESTED_WRITTEN : 0;
		if (u64map_put(&sh->nested, gk(w, gfn), top << 4 | wr | (u64)level))
			exit(1);
		if (gfn != top)
			u64map_del(&sh->tops, gk(w, gfn));
	} else {
		u64map_del(&sh->nested, gk(w, gfn));
		u64map_del(&sh->tops, gk(w, gfn));
	}
	if (level > 1)
		for (i = 0; i < 512; i++) {
			u64 e = machine_pt_read(w->m, mk_gpa((gfn << PAGE_SHIFT) + 8ull * i));
			if ((e & PTE_P) && !pte_is_leaf(e, level))
				n += mark_nested(w, (e & PTE_ADDR_MASK) >> PAGE_SHIFT, level - 1, top, how);
		}
	return n;
}

/* Moves guest table page gfn (holding level-`level` entries) to nested. */
static void agile_to_nested(struct walker *w, u64 gfn, int level)
{
	struct shadow *sh = w->priv;
	u64 *v = u64map_get(&sh->by_gfn, gk(w, gfn)), at = 0, *nv;
	/* the pages below keep their written flags; the page itself was just
	 * written: it stays nested at least to the end of the next interval
	 * end (a page written in an interval never returns at its end) */
	u32 n = mark_nested(w, gfn, level, gfn, MARK_KEEP);

	nv = u64map_get(&sh->nested, gk(w, gfn));
	*nv |= NESTED_WRITTEN;

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
		mark_nested(w, gfn, level, gfn, MARK_CLEAN);   /* clears the flags */
		if (gfn != top && u64map_put(&sh->tops, gk(w, gfn), 0))
			exit(1);                 /* a new top below a page that went back */
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

/* A guest page-table write: a page in nested mode is not write-protected
 * (no exit; its dirty state records the write for the interval's end);
 * one in shadow mode traps, and its second write within an interval moves
 * it to nested mode (root pages never move). */
static void agile_pt_write(struct walker *w, const struct pt_update *pu)
{
	struct shadow *sh = w->priv;
	u64 gfn = pu->entry.v >> PAGE_SHIFT;
	u64 *nv = u64map_get(&sh->nested, gk(w, gfn));

	if (nv) {
		u64 top = *nv >> 4;
		*nv |= NESTED_WRITTEN;
		if ((pu->old & PTE_P) && !pte_is_leaf(pu->old, pu->level))
			mark_nested(w, (pu->old & PTE_ADDR_MASK) >> PAGE_SHIFT, pu->level - 1, top, MARK_OFF);
		if ((pu->val & PTE_P) && !pte_is_leaf(pu->val, pu->level))
			mark_nested(w, (pu->val & PTE_ADDR_MASK) >> PAGE_SHIFT, pu->level - 1, top, MARK_KEEP);
		return;
	}
	if ((pu->old & PTE_P) && !pte_is_leaf(pu->old, pu->level)) {
		/* the entry linked a nested top (a page of a shadow-mode table
		 * can only lead to a top): the top leaves with its subtree, as
		 * the guest may free the page and reuse it at another level */
		u64 c = (pu->old & PTE_ADDR_MASK) >> PAGE_SHIFT;
		if (u64map_get(&sh->nested, gk(w, c))) {
			mark_nested(w, c, pu->level - 1, c, MARK_OFF);
			u64map_del(&sh->tops, gk(w, c));
		}
	}
	mmu_vmm_charge(w->mmu, VMM_PT_WRITE, sh_pt_sync(w, pu));
	if (!u64map_get(&sh->roots, gk(w, gfn))) {
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
	.ept_faults = true,
	.init = agile_init,
	.translate = shadow_translate,
	.pt_write = agile_pt_write,
	.invalidate = shadow_invalidate,
	.cr3 = shadow_cr3,
	.tick = agile_tick,
	.destroy = shadow_destroy,
};

/*
 * mmu.c - one MMU instance (model notes in mmu.h).
 */
#include "mmu.h"
#include "../mmu/machine/machine.h"
#include "../mmu/machine/pte.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every MMU instance seeds its random-replacement tables alike, so that in
 * `compare` walkers differ only in how they walk. */
enum { SEED_TLB = 1, SEED_PWC = 2, SEED_PORT = 3, SEED_NTLB = 4 };

static const struct mmu_notifier_ops mmu_notifier_ops;

int mmu_init(struct mmu *u, struct machine *m, const char *walker_name, const struct cfg *c)
{
	const struct walker_ops *ops = walker_find(walker_name);
	int r;

	memset(u, 0, sizeof *u);
	if (!ops) {
		cfg_error(cfg_source(c, "walker", "name"), "walker", "name",
			  "unknown walker '%.64s' (see mmusim --help)", walker_name);
		return -EINVAL;
	}
	snprintf(u->name, sizeof u->name, "%s", ops->name);
	u->m = m;
	u->levels = (int)c->os.levels;
	u->va_limit = va_user_limit(u->levels);
	if ((r = tlb_init(&u->tlb, &c->tlb, c->sim.seed * 8 + SEED_TLB)))
		return r;
	if ((r = pwc_init(&u->pwc, &c->pwc, c->sim.seed * 8 + SEED_PWC)))
		goto out_tlb;
	if ((r = memport_init(&u->port, &c->cache, c->sim.seed * 8 + SEED_PORT)))
		goto out_pwc;
	if (c->ntlb.enabled && (r = sa_init(&u->ntlb, &c->ntlb.g, c->sim.seed * 8 + SEED_NTLB)))
		goto out_port;
	u->ntlb_lat = c->ntlb.g.latency;
	u->exit_cycles = c->vmm.exit_cycles;
	u->pte_cycles = c->vmm.pte_cycles;
	u->access_cycles = c->cpu.access_cycles;
	u->invlpg_exits = c->vmm.invlpg_exits;
	/* the private region: its place follows from the walker alone */
	u->priv.base = MMU_PRIV_TOP - (u64)(walker_index(ops) + 1) * MMU_PRIV_FRAMES;
	u->priv.next = u->priv.base;
	u->priv.end = u->priv.base + MMU_PRIV_FRAMES;
	/* sim_init refuses such a machine first, with a message */
	SIM_BUG_ON(m->frames.nframes << PAGE_SHIFT > MMU_PRIV_RAM_MAX);
	u->w.ops = ops;
	u->w.mmu = u;
	u->w.m = m;
	u->ept_faults = ops->ept_faults;     /* a walker's init may turn it off */
	if ((r = ops->init(&u->w, c)))
		goto out_port;
	u->notifier.ops = &mmu_notifier_ops;
	machine_notifier_register(m, &u->notifier);
	return 0;
out_port:
	sa_destroy(&u->ntlb);
	memport_destroy(&u->port);
out_pwc:
	pwc_destroy(&u->pwc);
out_tlb:
	tlb_destroy(&u->tlb);
	return r;
}

void mmu_destroy(struct mmu *u)
{
	if (u->w.ops && u->w.ops->destroy)
		u->w.ops->destroy(&u->w);
	free(u->priv.free);
	sa_destroy(&u->ntlb);
	memport_destroy(&u->port);
	pwc_destroy(&u->pwc);
	tlb_destroy(&u->tlb);
}

hpa_t mmu_priv_alloc(struct mmu *u)
{
	struct mmu_priv *p = &u->priv;
	u64 f;

	if (p->nfree)
		f = p->free[--p->nfree];
	else if (p->next < p->end)
		f = p->next++;
	else
		return mk_hpa(0);
	if (!physmem_page_make(&u->m->mem, f))
		return mk_hpa(0);
	return mk_hpa(f << PAGE_SHIFT);
}

void mmu_priv_free(struct mmu *u, hpa_t a)
{
	struct mmu_priv *p = &u->priv;
	u64 f = a.v >> PAGE_SHIFT;

	SIM_BUG_ON(!mmu_priv_owns(u, a.v));
	physmem_drop(&u->m->mem, f);
	if (p->nfree == p->capfree) {
		u64 cap = p->capfree ? 2 * p->capfree : 64, *n = realloc(p->free, cap * sizeof *n);
		SIM_BUG_ON(!n);
		p->free = n;
		p->capfree = cap;
	}
	p->free[p->nfree++] = f;
}

static unsigned hist_bucket(u64 cycles)
{
	unsigned b = cycles ? 64u - (unsigned)__builtin_clzll(cycles) : 0;
	return b < WALK_HIST_N ? b : WALK_HIST_N - 1;
}

static void fp_clear(struct mmu *u)
{
	u->fp[0].valid = false;
	u->fp[1].valid = false;
}

static inline bool tlb_serves(const struct tlb_xlate *x, enum acc a)
{
	return perms_allow(x->perms, a) && (!acc_is_write(a) || x->dirty);
}

static inline void xlate_from_tlb(const struct tlb_xlate *x, u64 va, struct xlate_out *out)
{
	u64 off = va & (psize_bytes(x->ps) - 1);
	out->pa = mk_hpa(x->frame | off);
	out->gpa = mk_gpa(0);   /* a TLB caches gVA -> hPA only */
	out->ps = x->ps;
	out->perms = x->perms;
	out->dirty = x->dirty;
}

static bool mmu_walk(struct mmu *u, u64 va, enum acc a, struct xlate_out *out, struct walk_fault *f)
{
	struct xlate_in in = { mk_gva(va), a, u->ctx, u->root, u->levels };
	struct walk_log *l = &u->log;
	u32 i;
	bool ok;

	walk_log_reset(l);
	memset(f, 0, sizeof *f);
	ok = u->w.ops->translate(&u->w, &in, out, f);
	u->st.walks++;
	u->st.walk_refs += l->refs;
	u->st.walk_cycles += l->cycles;
	u->st.walk_hist[hist_bucket(l->cycles)]++;
	for (i = 0; i < l->n; i++) {
		u->st.refs_src[l->r[i].src]++;
		if (l->r[i].src >= SRC_L1 && l->r[i].src <= SRC_DRAM)
			u->st.walk_refs_dim[l->r[i].dim]++;
	}
	if (!ok) {
		u->st.faults++;
		u->st.faults_kind[f->kind]++;
		return false;
	}
	{
		struct tlb_xlate x = {
			out->pa.v & ~(psize_bytes(out->ps) - 1), out->ps, out->perms, out->dirty,
		};
		tlb_l2_fill(&u->tlb, va, u->ctx, &x);
		tlb_l1_fill(&u->tlb, a == ACC_I, va, u->ctx, &x);
		fp_clear(u);
	}
	return true;
}

/* The canonical check failed: #GP, no lookup. */
static bool mmu_noncanonical(struct mmu *u, u64 va, struct walk_fault *f)
{
	memset(f, 0, sizeof *f);
	f->kind = FAULT_NONCANONICAL;
	f->addr = va;
	u->st.faults++;
	u->st.faults_kind[FAULT_NONCANONICAL]++;
	return false;
}

/* After an L1 miss: the L2, then a walk. */
static bool mmu_l1_miss(struct mmu *u, u64 va, enum acc a, struct xlate_out *out, struct walk_fault *f)
{
	bool instr = a == ACC_I;
	struct tlb_xlate x;

	mmu_mark_now(u, &u->mark);
	u->fp[!instr].valid = false;
	u->st.l2_cycles += u->tlb.lat_l2;
	if (tlb_l2_lookup(&u->tlb, va, u->ctx, &x)) {
		if (tlb_serves(&x, a)) {
			tlb_l1_fill(&u->tlb, instr, va, u->ctx, &x);
			fp_clear(u);
			xlate_from_tlb(&x, va, out);
			return true;
		}
		u->st.dirty_walks++;
	}
	return mmu_walk(u, va, a, out, f);
}

bool mmu_translate(struct mmu *u, u64 va, enum acc a, struct xlate_out *out, struct walk_fault *f)
{
	bool instr = a == ACC_I;
	struct tlb_xlate x;
	struct mmu_fp *fp = &u->fp[!instr];

	if (__builtin_expect(va >= u->va_limit, 0))
		return mmu_noncanonical(u, va, f);
	/* Exact fast path: the entry that the last L1 lookup of this kind hit
	 * is still the most recently used of its set, so hitting it again
	 * changes no replacement state (LRU order, PLRU bits) and only counts. */
	if (fp->valid && (va & fp->mask) == fp->page && fp->ctx == u->ctx &&
	    perms_allow(fp->perms, a) && (!acc_is_write(a) || fp->dirty)) {
		u->tlb.hits[instr ? TLB_L1I : TLB_L1D]++;
		out->pa = mk_hpa(fp->frame | (va & ~fp->mask));
		out->gpa = mk_gpa(0);   /* a TLB caches gVA -> hPA only */
		out->ps = fp->ps;
		out->perms = fp->perms;
		out->dirty = fp->dirty;
		return true;
	}
	if (!tlb_l1_lookup(&u->tlb, instr, va, u->ctx, &x))
		return mmu_l1_miss(u, va, a, out, f);
	if (!tlb_serves(&x, a)) {
		mmu_mark_now(u, &u->mark);
		fp->valid = false;
		u->st.dirty_walks++;
		return mmu_walk(u, va, a, out, f);
	}
	if (!u->no_fastpath) {
		fp->valid = true;
		fp->mask = ~(psize_bytes(x.ps) - 1);
		fp->page = va & fp->mask;
		fp->frame = x.frame;
		fp->ctx = u->ctx;
		fp->perms = x.perms;
		fp->dirty = x.dirty;
		fp->ps = x.ps;
	}
	xlate_from_tlb(&x, va, out);
	return true;
}

void mmu_invlpg(struct mmu *u, u32 ctx, u64 va, u64 size)
{
	tlb_invalidate_range(&u->tlb, va, size, ctx);
	pwc_flush_ctx(&u->pwc, DIM_G, ctx);
	fp_clear(u);
	u->st.invlpg++;
	if (u->w.ops->invalidate)
		u->w.ops->invalidate(&u->w, INV_VA, ctx, mk_gva(va));
}

void mmu_flush_ctx(struct mmu *u, u32 ctx)
{
	tlb_flush_ctx(&u->tlb, ctx);
	pwc_flush_ctx(&u->pwc, DIM_G, ctx);
	fp_clear(u);
	u->st.flushes++;
	if (u->w.ops->invalidate)
		u->w.ops->invalidate(&u->w, INV_CTX, ctx, mk_gva(0));
}

void mmu_cr3(struct mmu *u, u32 ctx, gpa_t root, bool flush)
{
	u->ctx = ctx;
	u->root = root;
	fp_clear(u);
	if (u->w.ops->cr3)
		u->w.ops->cr3(&u->w, ctx, root);
	if (flush) {
		/* part of the CR3 write: no separate flush event for the walker */
		tlb_flush_ctx(&u->tlb, ctx);
		pwc_flush_ctx(&u->pwc, DIM_G, ctx);
		u->st.flushes++;
	}
}

void mmu_enter(struct mmu *u, u32 ctx, gpa_t root)
{
	u->ctx = ctx;
	u->root = root;
	fp_clear(u);
}

void mmu_pt_write(struct mmu *u, const struct pt_update *pu)
{
	if (u->w.ops->pt_write)
		u->w.ops->pt_write(&u->w, pu);
}

void mmu_remap_vm(struct mmu *u, u32 vpid)
{
	tlb_flush_vpid(&u->tlb, vpid);
	pwc_flush_all(&u->pwc);
	sa_invalidate_if(&u->ntlb, NULL, NULL);
	fp_clear(u);
	u->st.flushes++;
	if (u->w.ops->invalidate)
		u->w.ops->invalidate(&u->w, INV_ALL, vpid << 12, mk_gva(0));
}

void mmu_prefetch(struct mmu *u, u64 va, int stage)
{
	if (u->w.ops->prefetch && va < u->va_limit)
		u->w.ops->prefetch(&u->w, mk_gva(va), stage);
}

/* The machine's notifications (notify.h), delivered to the instance that
 * embeds the notifier. */
static struct mmu *notifier_mmu(struct mmu_notifier *n)
{
	return container_of(n, struct mmu, notifier);
}
static void on_pt_write(struct mmu_notifier *n, const struct pt_update *pu)
{
	mmu_pt_write(notifier_mmu(n), pu);
}
static void on_invlpg(struct mmu_notifier *n, u32 ctx, u64 va, u64 size)
{
	mmu_invlpg(notifier_mmu(n), ctx, va, size);
}
static void on_flush_ctx(struct mmu_notifier *n, u32 ctx)
{
	mmu_flush_ctx(notifier_mmu(n), ctx);
}
static void on_cr3(struct mmu_notifier *n, u32 ctx, gpa_t root, bool flush)
{
	mmu_cr3(notifier_mmu(n), ctx, root, flush);
}
static void on_enter(struct mmu_notifier *n, u32 ctx, gpa_t root)
{
	mmu_enter(notifier_mmu(n), ctx, root);
}
static void on_remap_vm(struct mmu_notifier *n, u32 vpid)
{
	mmu_remap_vm(notifier_mmu(n), vpid);
}
/* First touch of a lazily backed guest page: an EPT violation, an exit to
 * the VMM that writes the EPT entries, for walkers that use the EPT. */
static void on_ept_violation(struct mmu_notifier *n, u64 gpa, int level, u32 entries)
{
	struct mmu *u = notifier_mmu(n);
	(void)gpa;
	(void)level;
	if (u->ept_faults)
		mmu_vmm_charge(u, VMM_EPT_VIOLATION, entries);
}
static const struct mmu_notifier_ops mmu_notifier_ops = {
	.pt_write = on_pt_write,
	.invlpg = on_invlpg,
	.flush_ctx = on_flush_ctx,
	.cr3 = on_cr3,
	.enter = on_enter,
	.remap_vm = on_remap_vm,
	.ept_violation = on_ept_violation,
};

void mmu_counters_get(const struct mmu *u, struct mmu_counters *c)
{
	c->st = u->st;
	memcpy(c->tlb_hits, u->tlb.hits, sizeof c->tlb_hits);
	memcpy(c->tlb_misses, u->tlb.misses, sizeof c->tlb_misses);
	memcpy(c->pwc_lookups, u->pwc.lookups, sizeof c->pwc_lookups);
	memcpy(c->pwc_hits, u->pwc.hits, sizeof c->pwc_hits);
}

void mmu_charge_first_touch(struct mmu *u, const struct mmu_mark *k, bool faulted)
{
	int c;
	u->st.comp_accesses += faulted;
	u->st.comp_walks += u->st.walks - k->walks;
	u->st.comp_walk_refs += u->st.walk_refs - k->walk_refs;
	u->st.comp_walk_cycles += u->st.walk_cycles - k->walk_cycles;
	u->st.comp_l2_cycles += u->st.l2_cycles - k->l2_cycles;
	u->st.comp_vmm_cycles += u->st.vmm_cycles - k->vmm_cycles;
	for (c = 0; c < VMM_CAUSE_NR; c++)
		u->st.comp_vmm[c] += u->st.vmm[c] - k->vmm[c];
}

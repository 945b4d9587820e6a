/*
 * tlb.c - the TLB hierarchy of one MMU instance (see tlb.h).
 *
 * Model notes
 *   Models: per-page-size L1 arrays for instruction fetches (iTLB) and data
 *   accesses (dTLB), a unified L2 TLB (STLB) holding 4K and 2M translations
 *   in one array, and a separate L2 array for 1G translations, the
 *   organisation of Intel cores since Nehalem (Intel 64 and IA-32
 *   Architectures Optimization Reference Manual, TLB tables of each
 *   microarchitecture). What a TLB entry holds and when it may be used
 *   follows Intel SDM vol. 3A 4.10.2 "Translation Lookaside Buffers": a page
 *   number at the page's size, the physical frame, the access rights and the
 *   dirty flag of the translation (4.10.2.2), tagged by PCID (4.10.1) and,
 *   under virtualisation, by VPID (SDM vol. 3C 29.1).
 *   An entry is keyed by the page number at its size and indexed by its low
 *   bits; in the mixed L2 the page size is part of the tag (ctx bits 28-31),
 *   so a 4K entry for page number N never answers a 2M lookup for page
 *   number N. The L1 arrays are probed 4K, 2M, 1G; the L2 4K, 2M, then the
 *   1G array. Hardware probes them in parallel; the order only matters when
 *   a linear address is cached at two sizes (possible after a page-table
 *   change without invalidation, SDM vol. 3A 4.10.2.3), where the smaller
 *   size wins here (an assumption: the SDM leaves the choice open).
 *   Invalidation: INVLPG removes the entries of every page size that map
 *   the address (SDM vol. 3A 4.10.4.1); the INVLPG of a page of a known
 *   size (tlb_invalidate_range) removes every entry that overlaps it,
 *   whatever size each was cached at (the same section: "the page
 *   containing the address", which for a 2M guest page cached as 4K
 *   entries over 4K host pages is all of them); context flushes remove
 *   every entry whose PCID/VPID tag matches.
 *   Inclusion: none enforced (see tlb.h); the MMU fills both levels.
 *
 *   Does not model: global pages (the G bit; SDM vol. 3A 4.10.2.4): a
 *   context flush removes them too; fracturing of large pages into smaller
 *   TLB entries (allowed by SDM vol. 3A 4.10.2.3; here each translation is
 *   cached at its own page size); TLB sharing between hyperthreads; entry
 *   prefetching. Latencies are only stored (lat_l1, lat_l2): the MMU
 *   charges them.
 */
#include "tlb.h"

#include <errno.h>
#include <string.h>

#define TLB_PS_SHIFT 28

static inline u32 l2_ctx(u32 ctx, enum psize ps)
{
	return ctx | ((u32)ps << TLB_PS_SHIFT);
}

static inline u32 tlb_flags(const struct tlb_xlate *x)
{
	return (u32)x->perms | (x->dirty ? TLB_F_DIRTY : 0);
}

int tlb_init(struct tlb *t, const struct cfg_tlb *c, u64 seed)
{
	int i, ps, err;
	u64 k = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < 2; i++) {
		const struct sa_geom *g = i ? c->l1d : c->l1i;
		for (ps = 0; ps < PS_NR; ps++) {
			err = sa_init(&t->l1[i][ps], &g[ps], seed + k++);
			if (err)
				goto fail;
		}
	}
	err = sa_init(&t->l2, &c->l2, seed + k++);
	if (err)
		goto fail;
	err = sa_init(&t->l2_1g, &c->l2_1g, seed + k++);
	if (err)
		goto fail;
	t->lat_l1[0] = c->l1i[PS_4K].latency;
	t->lat_l1[1] = c->l1d[PS_4K].latency;
	t->lat_l2 = c->l2.latency;
	return 0;
fail:
	tlb_destroy(t);
	return err;
}

void tlb_destroy(struct tlb *t)
{
	int i, ps;

	for (i = 0; i < 2; i++)
		for (ps = 0; ps < PS_NR; ps++)
			sa_destroy(&t->l1[i][ps]);
	sa_destroy(&t->l2);
	sa_destroy(&t->l2_1g);
}

bool tlb_l2_lookup(struct tlb *t, u64 va, u32 ctx, struct tlb_xlate *out)
{
	u64 vpn4k = va >> psize_shift(PS_4K);
	u64 vpn2m = va >> psize_shift(PS_2M);
	u64 vpn1g = va >> psize_shift(PS_1G);
	struct sa_entry *e;

	if ((e = sa_lookup(&t->l2, vpn4k, vpn4k, l2_ctx(ctx, PS_4K))))
		tlb_out_(e, PS_4K, out);
	else if ((e = sa_lookup(&t->l2, vpn2m, vpn2m, l2_ctx(ctx, PS_2M))))
		tlb_out_(e, PS_2M, out);
	else if ((e = sa_lookup(&t->l2_1g, vpn1g, vpn1g, ctx)))
		tlb_out_(e, PS_1G, out);
	if (e)
		t->hits[TLB_L2]++;
	else
		t->misses[TLB_L2]++;
	return e != NULL;
}

static void tlb_check_fill(u32 ctx, const struct tlb_xlate *x)
{
	SIM_BUG_ON(ctx & ~TLB_CTX_MASK);
	SIM_BUG_ON((unsigned)x->ps >= PS_NR);
	SIM_BUG_ON(x->frame & (psize_bytes(x->ps) - 1));
}

void tlb_l1_fill(struct tlb *t, bool instr, u64 va, u32 ctx, const struct tlb_xlate *x)
{
	u64 vpn;

	tlb_check_fill(ctx, x);
	vpn = va >> psize_shift(x->ps);
	sa_fill(&t->l1[instr ? TLB_L1I : TLB_L1D][x->ps], vpn, vpn, ctx, x->frame,
		tlb_flags(x), NULL);
}

void tlb_l2_fill(struct tlb *t, u64 va, u32 ctx, const struct tlb_xlate *x)
{
	u64 vpn;

	tlb_check_fill(ctx, x);
	vpn = va >> psize_shift(x->ps);
	if (x->ps == PS_1G)
		sa_fill(&t->l2_1g, vpn, vpn, ctx, x->frame, tlb_flags(x), NULL);
	else
		sa_fill(&t->l2, vpn, vpn, l2_ctx(ctx, x->ps), x->frame, tlb_flags(x), NULL);
}

void tlb_invalidate_va(struct tlb *t, u64 va, u32 ctx)
{
	int i, ps;

	for (i = 0; i < 2; i++) {
		for (ps = 0; ps < PS_NR; ps++) {
			u64 vpn = va >> psize_shift((enum psize)ps);
			sa_invalidate(&t->l1[i][ps], vpn, vpn, ctx);
		}
	}
	for (ps = PS_4K; ps <= PS_2M; ps++) {
		u64 vpn = va >> psize_shift((enum psize)ps);
		sa_invalidate(&t->l2, vpn, vpn, l2_ctx(ctx, (enum psize)ps));
	}
	sa_invalidate(&t->l2_1g, va >> psize_shift(PS_1G), va >> psize_shift(PS_1G), ctx);
}

struct tlb_range {
	u32 ctx;           /* exact record ctx (with the L2 size tag) */
	u64 lo, hi;        /* page numbers, inclusive */
};

static bool pred_range(const struct sa_record *e, void *arg)
{
	const struct tlb_range *r = arg;
	return e->ctx == r->ctx && e->key >= r->lo && e->key <= r->hi;
}

/* Entries of one page size in one array overlapping [va, va + len): a few
 * page numbers are probed one by one, more by a scan of the array. */
static void inv_range_one(struct sa_table *a, u64 va, u64 len, u32 ctx, enum psize ps)
{
	struct tlb_range r = { ctx, va >> psize_shift(ps), (va + len - 1) >> psize_shift(ps) };
	u64 vpn;

	if (!a->ways)
		return;
	if (r.hi - r.lo < 16) {
		for (vpn = r.lo; vpn <= r.hi; vpn++)
			sa_invalidate(a, vpn, vpn, ctx);
		return;
	}
	sa_invalidate_if(a, pred_range, &r);
}

void tlb_invalidate_range(struct tlb *t, u64 va, u64 len, u32 ctx)
{
	int i, ps;

	SIM_BUG_ON(len < PAGE_SIZE || (len & (len - 1)) || (va & (len - 1)));
	for (i = 0; i < 2; i++)
		for (ps = 0; ps < PS_NR; ps++)
			inv_range_one(&t->l1[i][ps], va, len, ctx, (enum psize)ps);
	for (ps = PS_4K; ps <= PS_2M; ps++)
		inv_range_one(&t->l2, va, len, l2_ctx(ctx, (enum psize)ps), (enum psize)ps);
	inv_range_one(&t->l2_1g, va, len, ctx, PS_1G);
}

static void tlb_invalidate_all_if(struct tlb *t, bool (*pred)(const struct sa_record *, void *),
				  void *arg)
{
	int i, ps;

	for (i = 0; i < 2; i++)
		for (ps = 0; ps < PS_NR; ps++)
			sa_invalidate_if(&t->l1[i][ps], pred, arg);
	sa_invalidate_if(&t->l2, pred, arg);
	sa_invalidate_if(&t->l2_1g, pred, arg);
}

static bool pred_ctx(const struct sa_record *e, void *arg)
{
	return (e->ctx & TLB_CTX_MASK) == *(const u32 *)arg;
}

static bool pred_vpid(const struct sa_record *e, void *arg)
{
	return ((e->ctx >> 12) & 0xffffu) == *(const u32 *)arg;
}

void tlb_flush_ctx(struct tlb *t, u32 ctx)
{
	tlb_invalidate_all_if(t, pred_ctx, &ctx);
}

void tlb_flush_vpid(struct tlb *t, u32 vpid)
{
	tlb_invalidate_all_if(t, pred_vpid, &vpid);
}

void tlb_flush_all(struct tlb *t)
{
	tlb_invalidate_all_if(t, NULL, NULL);
}

struct tlb_visit {
	enum tlb_level lvl;
	int ps;                 /* page size of the array; -1: from the ctx tag */
	void (*fn)(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg);
	void *arg;
};

static void tlb_visit_one(const struct sa_record *e, void *arg)
{
	const struct tlb_visit *v = arg;
	enum psize ps = v->ps >= 0 ? (enum psize)v->ps : (enum psize)(e->ctx >> TLB_PS_SHIFT);
	struct sa_entry data = { e->val, e->flags };
	struct tlb_xlate x;

	tlb_out_(&data, ps, &x);
	v->fn(v->lvl, e->key << psize_shift(ps), e->ctx & TLB_CTX_MASK, &x, v->arg);
}

void tlb_foreach(const struct tlb *t,
		 void (*fn)(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg),
		 void *arg)
{
	struct tlb_visit v = { .fn = fn, .arg = arg };
	int i, ps;

	for (i = 0; i < 2; i++) {
		v.lvl = i ? TLB_L1D : TLB_L1I;
		for (ps = 0; ps < PS_NR; ps++) {
			v.ps = ps;
			sa_foreach(&t->l1[i][ps], tlb_visit_one, &v);
		}
	}
	v.lvl = TLB_L2;
	v.ps = -1;
	sa_foreach(&t->l2, tlb_visit_one, &v);
	v.ps = PS_1G;
	sa_foreach(&t->l2_1g, tlb_visit_one, &v);
}

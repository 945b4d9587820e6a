/*
 * tlb.h - the TLB hierarchy of one MMU instance: L1 iTLB and L1 dTLB (one
 * array per page size, as on Intel cores since Nehalem), a unified L2 TLB
 * (STLB) holding 4K and 2M translations in one array, and an optional
 * separate L2 array for 1G translations.
 *
 * Inclusion: the L2 is filled on every L1 miss, whether the translation came
 * from the L2 or from a page walk (non-inclusive, non-exclusive: an L2
 * eviction does not back-invalidate L1, an L1 eviction does not write back).
 *
 * An entry maps (ctx, page number at its size) to a frame, with the
 * translation's permissions (PERM_*) and its dirty state: a write that hits
 * an entry whose D is clear must walk to set D in the PTE (Intel SDM vol. 3A
 * 4.8), so lookups return the D state and the MMU decides.
 *
 * ctx is the address-space tag: PCID in bits 0-11, VPID in bits 12-27
 * (0 for a native machine). Entries are looked up in the array of each page
 * size; the mixed L2 array is probed with the 4K index, then the 2M index.
 * Bits 28-31 of ctx must be zero: the mixed L2 array uses them to tag the
 * page size of an entry, so that a 4K and a 2M entry never alias.
 */
#ifndef MMUSIM_TLB_H
#define MMUSIM_TLB_H

#include "../mmu/util/cfg.h"
#include "sa.h"

enum tlb_level { TLB_L1I = 0, TLB_L1D = 1, TLB_L2 = 2, TLB_NR = 3 };

#define TLB_CTX_MASK 0x0fffffffu   /* the bits of ctx a caller may use */

struct tlb_xlate {
	u64 frame;         /* host physical address of the page, page aligned */
	enum psize ps;
	u8 perms;          /* PERM_R | PERM_W | PERM_X | PERM_U */
	bool dirty;        /* the leaf PTE's D bit was set when cached */
};

struct tlb {
	struct sa_table l1[2][PS_NR];   /* [0] iTLB, [1] dTLB */
	struct sa_table l2;             /* 4K + 2M */
	struct sa_table l2_1g;          /* 1G (may have no entries) */
	u32 lat_l1[2], lat_l2;
	/* counters: */
	u64 hits[TLB_NR], misses[TLB_NR];
};

int tlb_init(struct tlb *t, const struct cfg_tlb *c, u64 seed);
void tlb_destroy(struct tlb *t);

/* Entry flags: the permissions and the D state of the translation. */
#define TLB_F_PERMS 0xffu
#define TLB_F_DIRTY 0x100u

static inline void tlb_out_(const struct sa_entry *e, enum psize ps, struct tlb_xlate *out)
{
	out->frame = e->val;
	out->ps = ps;
	out->perms = (u8)(e->flags & TLB_F_PERMS);
	out->dirty = (e->flags & TLB_F_DIRTY) != 0;
}

/* L1 lookup for va in ctx; instr selects the iTLB. Counts a hit or miss.
 * Inline: it is the lookup of every access that misses the MMU's fast path. */
static inline bool tlb_l1_lookup(struct tlb *t, bool instr, u64 va, u32 ctx, struct tlb_xlate *out)
{
	int side = instr ? TLB_L1I : TLB_L1D;
	struct sa_table *a = t->l1[side];
	int ps;

	for (ps = 0; ps < PS_NR; ps++) {
		u64 vpn = va >> psize_shift((enum psize)ps);
		struct sa_entry *e = sa_lookup(&a[ps], vpn, vpn, ctx);
		if (e) {
			tlb_out_(e, (enum psize)ps, out);
			t->hits[side]++;
			return true;
		}
	}
	t->misses[side]++;
	return false;
}
/* L2 lookup (after an L1 miss). Counts a hit or miss. */
bool tlb_l2_lookup(struct tlb *t, u64 va, u32 ctx, struct tlb_xlate *out);
/* Fill L1 (the array for x->ps; dropped if that array has no entries). */
void tlb_l1_fill(struct tlb *t, bool instr, u64 va, u32 ctx, const struct tlb_xlate *x);
/* Fill L2 (mixed array for 4K/2M, 1G array for 1G). */
void tlb_l2_fill(struct tlb *t, u64 va, u32 ctx, const struct tlb_xlate *x);

/* INVLPG: every entry of ctx, at every page size, that maps va. */
void tlb_invalidate_va(struct tlb *t, u64 va, u32 ctx);
/* INVLPG of a page [va, va + len) (len a power of two >= 4K, va aligned):
 * every entry of ctx, at every page size, that overlaps it (SDM vol. 3A
 * 4.10.4.1: the entries for the page, whatever size each was cached at). */
void tlb_invalidate_range(struct tlb *t, u64 va, u64 len, u32 ctx);
/* Every entry of one ctx (CR3 write without PCID preservation, INVPCID). */
void tlb_flush_ctx(struct tlb *t, u32 ctx);
/* Every entry whose ctx has this VPID (bits 12-27). */
void tlb_flush_vpid(struct tlb *t, u32 vpid);
/* Everything. */
void tlb_flush_all(struct tlb *t);
/* Visit every valid entry of every array (for audits in tests). */
void tlb_foreach(const struct tlb *t,
		 void (*fn)(enum tlb_level lvl, u64 va, u32 ctx, const struct tlb_xlate *x, void *arg),
		 void *arg);

#endif

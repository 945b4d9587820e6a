/*
 * shadow_pt.h - the VMM-built page tables that shadow paging, agile paging
 * and translation pass-through share: gVA -> hPA tables derived from the
 * guest's tables and the EPT (see shadow_pt.c).
 */
#ifndef MMUSIM_SHADOW_PT_H
#define MMUSIM_SHADOW_PT_H

#include "radix.h"
#include "../mmu/machine/machine.h"
#include "mmu.h"
#include "../mmu/machine/pte.h"
#include "../mmu/util/u64map.h"

#define SH_SPLIT (1ull << 9)   /* non-leaf shadow entry: child is a split page */
#define SH_SWITCH (1ull << 10) /* agile: entry holds the next guest table's hPA */
#define NESTED_WRITTEN (1ull << 3) /* agile: nested value flag: page written this interval */

struct shadow {
	struct u64map by_gfn;  /* guest table gfn -> shadow page hpa | level */
	struct u64map by_hpa;  /* shadow page hpa -> guest table gfn */
	struct u64map parent;  /* shadow page hpa -> hpa of the entry linking it */
	/* translation pass-through */
	bool tpt;
	u32 tag_cycles;
	/* agile paging */
	bool agile;
	u32 threshold;
	u64 interval, next_tick, epoch;
	struct u64map wcount;  /* shadow-mode guest table gfn -> epoch << 32 | writes */
	struct u64map nested;  /* guest table gfn in nested mode ->
				* its top's gfn << 4 | NESTED_WRITTEN | its level */
	struct u64map tops;    /* top gfn -> switching entry hpa (0: none yet) */
	struct u64map roots;   /* guest root gfns (never switched) */
	struct u64map tags;    /* tpt: memory tag (VPID) of each table frame */
};

struct gwalk {
	enum fault_kind fault;
	int leaf;               /* leaf level (or the faulting level) */
	int n;                  /* guest entries read */
	u64 e[PT_LEVELS_MAX + 1];
	gpa_t at[PT_LEVELS_MAX + 1];
};

static inline u64 level_size(int level) { return 1ull << (12 + 9 * (level - 1)); }

/* Keys of guest frames in the VMM's indexes: the frame number and the VM
 * (its VPID) it belongs to, since several VMs share one walker. */
#define GK_SHIFT 40
#define GK_GFN_MASK ((1ull << GK_SHIFT) - 1)
static inline u64 gk(const struct walker *w, u64 gfn) { return gfn | (u64)w->m->vm.vpid << GK_SHIFT; }

u64 sh_read(struct walker *w, hpa_t t, unsigned i);
void sh_write(struct walker *w, hpa_t t, unsigned i, u64 v);
hpa_t sp_new(struct walker *w);
void sp_register(struct walker *w, hpa_t sp, u64 gfn, int level);
void sp_free(struct walker *w, hpa_t sp, int level);
void sh_zap(struct walker *w, hpa_t sp, unsigned i, int level);
hpa_t sh_root(struct walker *w, gpa_t groot, int levels);
void guest_walk(struct walker *w, gpa_t root, int levels, u64 va, enum acc a, struct gwalk *g);
u64 sh_leaf(struct walker *w, u64 ge, int glevel, int eff, u64 va);
int sh_eff_level(struct walker *w, u64 ge, int glevel, u64 va);
u32 sh_fill(struct walker *w, hpa_t root, int levels, const struct gwalk *g, u64 va);
int shadow_init(struct walker *w, const struct cfg *cfg);
void shadow_destroy(struct walker *w);
u32 sh_pt_sync(struct walker *w, const struct pt_update *pu);
void shadow_reset(struct walker *w);
void shadow_invalidate(struct walker *w, enum inv_scope s, u32 ctx, gva_t va);
/* shadow.c: the shadow walk (agile paging's, with switching entries) */
bool shadow_translate(struct walker *w, const struct xlate_in *in, struct xlate_out *out, struct walk_fault *fault);
void shadow_cr3(struct walker *w, u32 ctx, gpa_t root);

#endif

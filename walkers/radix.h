/*
 * radix.h - the one radix walk loop and the walk log.
 *
 * Model notes
 *   Every walker reads page-table entries through walk_emit(), which charges
 *   the MMU's memory port (PTE cache hierarchy) and appends one record to the
 *   walk log; page-walk-cache hits are logged too (source PWC). `mmusim
 *   explain` renders the log.
 *
 *   walk_radix() is the loop of SDM vol. 3A 4.5.4 (linear-address
 *   translation with 4-level and 5-level paging): from the root, read the
 *   entry indexed by each level's bits of the input address, stop at a leaf
 *   (PTE, or PDE/PDPTE with PS) or at a fault. Table addresses are in the
 *   walked dimension's address space; a port turns each into the host-physical
 *   address the read goes to: identity for native paging, an EPT walk for the
 *   guest dimension of a nested walk, gPA + gBA for base-plus-offset, and so
 *   on. Walkers differ in their ports and roots, not in copied loops.
 */
#ifndef MMUSIM_RADIX_H
#define MMUSIM_RADIX_H

#include "walker.h"

#define WALK_LOG_MAX 64   /* >= (5+1)*(5+1)-1 references plus PWC hits */

/* What kind of table a reference read (for explain). */
enum table_kind { TK_GUEST = 0, TK_EPT = 1, TK_SHADOW = 2 };

struct walk_ref {
	u8 dim;          /* enum dim */
	u8 level;
	u8 src;          /* enum ref_src */
	u8 kind;         /* enum table_kind */
	u32 cycles;
	u64 addr;        /* host-physical address of the entry (PWC: the tag) */
	u64 value;       /* the entry read (PWC: the cached value) */
};

struct walk_log {
	u8 cur_kind;     /* kind of the table walk_emit reads now */
	u32 n;
	u32 refs;        /* memory references (excludes PWC hits) */
	u32 cycles;
	struct walk_ref r[WALK_LOG_MAX];
};

static inline void walk_log_reset(struct walk_log *l) { l->n = 0; l->refs = 0; l->cycles = 0; }

/* Port of one dimension: where its tables live in host-physical memory. */
struct pt_port {
	/* Turns the address of a table (in the walked dimension's address
	 * space) into a host-physical address; may itself walk (and emit).
	 * false: fault (filled). NULL: identity. */
	bool (*table_hpa)(struct pt_port *p, u64 table, hpa_t *out, struct walk_fault *f);
	/* Optional: a check of a table about to be read at host-physical
	 * address hpa that a PWC hit supplied (table_hpa was applied when the
	 * entry was cached; a check that belongs to each read of the table,
	 * such as TPT's memory-tag check, is made here again). false: fault
	 * (filled). NULL: none. */
	bool (*table_check)(struct pt_port *p, hpa_t table, struct walk_fault *f);
	void *arg;
};

/* Entry format of the walked tables. */
enum pt_fmt { PTF_X86 = 0, PTF_EPT = 1 };

struct radix_req {
	enum dim dim;
	enum pt_fmt fmt;
	enum table_kind kind;
	int levels;          /* 4 or 5 */
	u64 root;            /* table address in the dimension's space */
	u64 va;              /* input address of this dimension */
	enum acc acc;
	u32 ctx;             /* PWC tag */
	bool set_ad;         /* set A/D as hardware does (deferred via machine) */
	/* Agile paging's switching bit: a non-leaf entry with switch_bit set
	 * holds the host address of the next *guest* table; the walk goes on
	 * in the guest's tables (kind TK_GUEST, A/D set), reaching the tables
	 * below through switch_port. 0: no switching. */
	u64 switch_bit;
	struct pt_port *switch_port;
};

struct radix_res {
	u64 out;             /* output address (page base | offset of va);
			      * after a switch, a guest-physical address */
	int switch_level;    /* level of the entry that switched (0: none) */
	enum psize ps;
	u8 perms;            /* accumulated PERM_* */
	bool dirty;
	int leaf_level;
	u64 leaf;            /* leaf entry value */
	hpa_t leaf_hpa;      /* where the leaf lives */
};

/* Reads the 8-byte entry at host-physical a for (dim, level): charges the
 * memory port, logs, returns the value. */
u64 walk_emit(struct mmu *u, enum dim d, int level, hpa_t a);
/* Logs a PWC hit (costs the PWC latency). */
void walk_emit_pwc(struct mmu *u, enum dim d, int level, u64 tag, u64 value);
/* Logs a hit in another translation cache (no memory reference). */
void walk_emit_cached(struct mmu *u, enum dim d, int level, enum ref_src src, u32 cycles,
		      u64 addr, u64 value);

/* gPA -> hPA for access acc as nested paging does it: the nested TLB, else
 * an EPT walk through the radix loop (walkers/nested.c). */
bool nested_gpa_hpa(struct mmu *u, u64 gpa, enum acc acc, u64 *hpa, u8 *perms,
		    enum psize *ps, struct walk_fault *f);

/* A port whose tables are guest tables reached through the EPT as nested
 * paging reaches them (arg: the struct mmu). */
bool nested_table_hpa(struct pt_port *p, u64 table, hpa_t *out, struct walk_fault *f);

/* Base-plus-offset (walkers/bpo.c), also the VMM direct segment: one
 * base-bound computation (gPA must be guest RAM, else an isolation fault,
 * counted), and a port whose tables are at gPA + gBA (arg: the mmu). */
bool bpo_check(struct mmu *u, u64 gpa, struct walk_fault *f);
bool bpo_table_hpa(struct pt_port *p, u64 table, hpa_t *out, struct walk_fault *f);
/* The guest walk of a contiguous VM with every gPA by base-plus-offset. */
bool bpo_walk(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
	      struct walk_fault *fault);
/* bpo.c: [vm] fallback for VMs that are not contiguous (nested, or shadow
 * paging with its tables in w->priv), shared by bpo and vmm-direct. */
int bpo_init(struct walker *w, const struct cfg *cfg);
bool bpo_fallback(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
		  struct walk_fault *fault);
void bpo_fb_pt_write(struct walker *w, const struct pt_update *pu);
void bpo_fb_invalidate(struct walker *w, enum inv_scope s, u32 ctx, gva_t va);
void bpo_fb_cr3(struct walker *w, u32 ctx, gpa_t root);
void shadow_destroy(struct walker *w);

/* The whole nested (2D) translation, for walkers that fall back to it. */
bool nested_translate(struct walker *w, const struct xlate_in *in, struct xlate_out *out,
		      struct walk_fault *fault);

/* Host hint for identity-mapped tables (native paging), no simulated
 * effect: follows va's entries from root as a walk reads them, without
 * caches, counters or A/D updates. Each level costs two dependent host
 * reads (the frame's physmem slot, then the entry); the first `hops` reads
 * are made, the next one is only prefetched. Called with fewer `hops` for
 * an access further ahead, no read waits for host memory. Stops at a leaf,
 * a non-present entry or a frame without contents. */
void walk_radix_prefetch(struct mmu *u, int levels, u64 root, u64 va, int hops);

/* The radix loop. true: translated; false: *f says why. */
bool walk_radix(struct mmu *u, const struct radix_req *rq, struct pt_port *port,
		struct radix_res *res, struct walk_fault *f);

#endif

/*
 * gen_churn.c - generators that change page tables while they run:
 * mmapchurn, heap, shortproc, ctxswitch, mixed.
 *
 * Notes
 *   These generators set the `fill` hook and emit MAP, UNMAP and CTX events
 *   of their own between the accesses, so that the OS model (mmu/machine/os.c)
 *   writes page-table entries all along the run and not only while the
 *   footprint is first touched: a MAP writes nothing, the first access to
 *   each page maps it (a leaf write, plus upper tables when new), an UNMAP
 *   clears the leaves of the touched pages and frees emptied tables, a CTX
 *   to a new pid builds a new set of tables.
 *     mmapchurn  `live` anonymous regions (sizes from `region`), each
 *                unmapped `life` accesses after its MAP and replaced by a
 *                fresh one; accesses spread over the live regions
 *     heap       a brk heap: grows by `grow` bytes at the top every
 *                `period` accesses, and when the next step would pass
 *                `max`, gives `trim` bytes back from the top instead;
 *                accesses favour the newest `grow` bytes
 *     shortproc  processes with fresh pids, each mapping and touching a
 *                small footprint for `life` accesses and then unmapping it
 *     ctxswitch  `procs` long-lived processes taking turns of `quantum`
 *                accesses; at each turn the incoming process unmaps and
 *                maps again a small region of `churn` pages and touches it
 *     mixed      one process whose footprint is mostly static, with a
 *                small dynamic fraction whose pages are unmapped and
 *                mapped again every `period` accesses
 *   Layout, counts and keys: docs/trace-format.md. Every region is aligned
 *   to the page hint and lies below 2^47, so 4-level paging can map it.
 *   An access picks a 4 KiB page of a mapped region and a size-aligned
 *   slot inside it (4096/size slots), so no access crosses a page. Kinds
 *   come from a stream of their own (I with probability ifrac, else W with
 *   probability rw, else R), so addresses do not move with rw or ifrac;
 *   MAPs are rwx when ifrac > 0, else rw-. Structural events come only
 *   before an access (none after the last one), except shortproc's UNMAP,
 *   which follows the last access of a process's life.
 *   Determinism: every choice is rng_next (mmu/util/types.h) seeded from `seed`;
 *   the stream does not depend on how trace_read batches it.
 *   Does not handle: file-backed mappings, mremap, madvise(DONTNEED),
 *   process exit (a pid is never used again, its tables stay), fork and
 *   copy-on-write, PROTECT churn, several threads of one process.
 *   Sources: glibc malloc (mallopt(3)): requests of at least
 *   M_MMAP_THRESHOLD (128 KiB, raised dynamically up to 32 MiB on 64-bit)
 *   are served by mmap and returned by munmap, the heap top grows through
 *   sbrk with M_TOP_PAD (128 KiB) of slack and is trimmed when more than
 *   M_TRIM_THRESHOLD is free at the top; Linux arch/x86/mm/fault.c and
 *   mm/memory.c (demand paging of anonymous memory); J. Gandhi, M. D. Hill,
 *   M. M. Swift, "Agile Paging: Exceeding the Best of Nested and Shadow
 *   Paging", ISCA 2016, and "Agile Paging for Efficient Memory
 *   Virtualization", IEEE Micro 37(3), 2017: generally less than 1% and up
 *   to 5% of the address space changes in a 2-second interval, and the
 *   updates to one page-table page in such an interval are bimodal (one,
 *   or many: 10, 50, 100), which sets mixed's default dynamic fraction
 *   (0.02) and remap rate (about 50 remaps of each dynamic page per
 *   million accesses).
 */
#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHURN_USER_LIMIT (1ull << 47)   /* user half of 4-level paging */
#define CHURN_COUNT_MAX 4.6e18
#define CHURN_NEVER UINT64_MAX

struct churn;
/* Called when the access count reaches the boundary it last returned (0
 * first): queues the structural events due before access number t and
 * returns the next boundary (> t), or CHURN_NEVER. */
typedef u64 (*churn_step_fn)(struct churn *c, u64 t);
/* The address of the next access. */
typedef u64 (*churn_addr_fn)(struct churn *c);

struct churn {
	churn_step_fn step;
	churn_addr_fn addr;
	struct ev *q;             /* structural events waiting */
	u32 qh, qn, qcap;
	u64 n;                    /* accesses to emit */
	u64 done, next;
	u64 krng, arng, lrng;     /* kinds, access addresses, layout choices */
	double rw, ifrac;
	u64 unit;                 /* bytes of the page hint (4K for any) */
	u32 size, slots;          /* access size; slots in a 4 KiB page */
	u8 prot, psize;
	void *extra;              /* per-region or per-process array */
};

/* ---- shared machinery ---- */

static void churn_fini(struct gen *g)
{
	struct churn *c = g->priv;
	if (c) {
		free(c->q);
		free(c->extra);
		free(c);
	}
	g->priv = NULL;
}

/* Allocates the generator's state (`bytes`, starting with struct churn)
 * into g->priv, so that fini frees it whatever happens later. */
static void *churn_alloc(struct gen *g, size_t bytes)
{
	struct churn *c = calloc(1, bytes);
	g->priv = c;
	return c;
}

static int churn_setup(struct gen *g, struct churn *c, churn_step_fn step, churn_addr_fn addr,
		       u32 qcap)
{
	u64 s0 = rng_seed(g->seed);
	c->step = step;
	c->addr = addr;
	c->qcap = qcap;
	c->q = calloc(qcap, sizeof *c->q);
	if (!c->q)
		return -ENOMEM;
	c->n = g->n;
	c->rw = g->rw;
	c->ifrac = g->ifrac;
	c->size = g->size;
	c->slots = PAGE_SIZE / g->size;
	c->psize = g->psize;
	c->unit = g->psize == PSZ_ANY ? PAGE_SIZE : psize_bytes((enum psize)g->psize);
	c->prot = (u8)(PERM_R | PERM_W | (g->ifrac > 0 ? PERM_X : 0));
	c->krng = rng_seed(~s0);
	c->arng = rng_seed(s0 + 1);
	c->lrng = rng_seed(s0 + 2);
	/* The core's per-process state serves `next` patterns only. */
	g->procs = 1;
	return 0;
}

static void churn_push(struct churn *c, u8 kind, u64 va, u64 len)
{
	struct ev *e;
	SIM_BUG_ON(c->qn >= c->qcap);
	e = &c->q[c->qn++];
	*e = (struct ev){ .kind = kind, .va = va, .len = len };
	if (kind == EV_MAP) {
		e->prot = c->prot;
		e->psize = c->psize;
	}
}

static void churn_push_ctx(struct churn *c, u32 pid)
{
	SIM_BUG_ON(c->qn >= c->qcap);
	c->q[c->qn++] = (struct ev){ .kind = EV_CTX, .size = pid };
}

/* A size-aligned slot of the 4 KiB page `page` of the region at va. */
static inline u64 churn_slot(const struct churn *c, u64 *rng, u64 va, u64 page)
{
	return va + page * PAGE_SIZE + gen_below(rng, c->slots) * c->size;
}

static inline u8 churn_kind(struct churn *c)
{
	if (c->ifrac > 0 && rng_unit(&c->krng) < c->ifrac)
		return EV_I;
	if (c->rw > 0 && rng_unit(&c->krng) < c->rw)
		return EV_W;
	return EV_R;
}

static int churn_fill(struct gen *g, struct ev *buf, int max)
{
	struct churn *c = g->priv;
	int k = 0;

	for (;;) {
		u64 m;
		if (c->qh < c->qn) {
			if (k == max)
				break;
			buf[k++] = c->q[c->qh++];
			continue;
		}
		if (c->done == c->next) {
			c->qh = c->qn = 0;
			c->next = c->step(c, c->done);
			SIM_BUG_ON(c->next <= c->done);
			continue;
		}
		if (c->done >= c->n || k == max)
			break;
		m = MIN((u64)(max - k), MIN(c->next - c->done, c->n - c->done));
		for (u64 j = 0; j < m; j++) {
			u64 va = c->addr(c);
			buf[k++] = (struct ev){ .kind = churn_kind(c), .size = c->size, .va = va };
		}
		c->done += m;
	}
	return k;
}

/* Rejects common keys that mean nothing to this generator. */
static int churn_reject(struct gen *g, const char *const *keys)
{
	for (; *keys; keys++)
		if (gen_given(g, *keys))
			return gen_err(g, "key '%s' does not apply to this generator", *keys);
	return 0;
}

/* A byte count rounded up to the page hint. */
static u64 churn_round(const struct churn *c, u64 bytes)
{
	return (bytes + c->unit - 1) / c->unit * c->unit;
}

/* [base, base + len) must lie below 2^47. */
static int churn_below_47(struct gen *g, u64 base, u64 len)
{
	if (len > CHURN_USER_LIMIT || base > CHURN_USER_LIMIT - len)
		return gen_err(g, "regions reach 0x%llx, beyond 2^47 (base 0x%llx + %llu bytes)",
			       (unsigned long long)(base + MIN(len, VA_LIMIT)), (unsigned long long)base,
			       (unsigned long long)len);
	return 0;
}

/* ---- mmapchurn ---- */

struct mc_region {
	u64 va, len, touched;     /* touched: 4 KiB pages the accesses use */
};

struct mmapchurn {
	struct churn c;
	u64 base, live, life, window;
	u64 lo, hi;               /* region size range, in units of the hint */
	u64 head;                 /* oldest region (its window index) */
	u64 k;                    /* replacements made */
	double touch;
};

/* Pages drawn log-uniformly by octaves: an octave [2^j, 2^(j+1)) among
 * those meeting [lo, hi], then a uniform count in its part of [lo, hi]. */
static u64 mc_draw_units(u64 *rng, u64 lo, u64 hi)
{
	unsigned jlo = 63u - (unsigned)__builtin_clzll(lo), jhi = 63u - (unsigned)__builtin_clzll(hi);
	unsigned j = jlo + (unsigned)gen_below(rng, jhi - jlo + 1);
	u64 a = MAX(1ull << j, lo), b = j == 63 ? hi : MIN((2ull << j) - 1, hi);
	return a + gen_below(rng, b - a + 1);
}

static void mc_new_region(struct mmapchurn *s, u64 w)
{
	struct mc_region *r = &((struct mc_region *)s->c.extra)[w];
	u64 units = mc_draw_units(&s->c.lrng, s->lo, s->hi), pages;
	double t;
	r->len = units * s->c.unit;
	r->va = s->base + w * s->window + gen_below(&s->c.lrng, s->hi - units + 1) * s->c.unit;
	pages = r->len / PAGE_SIZE;
	t = floor(s->touch * (double)pages + 0.5);
	r->touched = t < 1 ? 1 : t > (double)pages ? pages : (u64)t;
	churn_push(&s->c, EV_MAP, r->va, r->len);
}

/* Access number at which the k-th replacement happens. */
static u64 mc_when(const struct mmapchurn *s, u64 k)
{
	return (u64)((unsigned __int128)k * s->life / s->live);
}

static u64 mc_step(struct churn *c, u64 t)
{
	struct mmapchurn *s = (struct mmapchurn *)c;
	if (t >= c->n)
		return CHURN_NEVER;
	if (t == 0)
		for (u64 w = 0; w < s->live; w++)
			mc_new_region(s, w);
	while (mc_when(s, s->k + 1) == t) {
		const struct mc_region *r = &((struct mc_region *)c->extra)[s->head];
		churn_push(c, EV_UNMAP, r->va, r->len);
		mc_new_region(s, s->head);
		s->head = s->head + 1 == s->live ? 0 : s->head + 1;
		s->k++;
	}
	return mc_when(s, s->k + 1);
}

static u64 mc_addr(struct churn *c)
{
	const struct mmapchurn *s = (const struct mmapchurn *)c;
	const struct mc_region *r = &((const struct mc_region *)c->extra)[gen_below(&c->arng, s->live)];
	return churn_slot(c, &c->arng, r->va, gen_below(&c->arng, r->touched));
}

/* "SIZE" or "MIN..MAX" */
static int mc_parse_region(struct gen *g, const char *v, u64 *lo, u64 *hi)
{
	const char *dots = strstr(v, "..");
	int r;
	if (dots) {
		r = trace_parse_bytes(v, (size_t)(dots - v), lo);
		if (r == 0)
			r = trace_parse_bytes(dots + 2, strlen(dots + 2), hi);
	} else {
		r = trace_parse_bytes(v, strlen(v), lo);
		*hi = *lo;
	}
	if (r < 0 || *lo == 0)
		return gen_err(g, "bad value for 'region': '%s' (expected SIZE or MIN..MAX, e.g. 64K..2M)", v);
	if (*lo > *hi)
		return gen_err(g, "bad value for 'region': '%s' (MIN above MAX)", v);
	if (*hi > CHURN_USER_LIMIT)
		return gen_err(g, "bad value for 'region': '%s' (at most 2^47 bytes)", v);
	return 0;
}

static int mc_init(struct gen *g)
{
	static const char *const na[] = { "footprint", "procs", "quantum", NULL };
	struct mmapchurn *s;
	const struct gen_kv *kv = NULL;
	u64 lo, hi;
	int r;

	if ((r = churn_reject(g, na)))
		return r;
	for (int i = 0; i < g->nkv; i++)
		if (!strcmp(g->kv[i].key->name, "region"))
			kv = &g->kv[i];
	SIM_BUG_ON(!kv);
	if ((r = mc_parse_region(g, kv->v.s, &lo, &hi)))
		return r;
	if (!(gen_d(g, "touch") > 0))
		return gen_err(g, "bad value for 'touch': %g (must be 0 < touch <= 1)", gen_d(g, "touch"));
	if (!(s = churn_alloc(g, sizeof *s)))
		return -ENOMEM;
	s->live = gen_u(g, "live");
	s->life = gen_u(g, "life");
	s->touch = gen_d(g, "touch");
	s->base = g->base;
	if ((r = churn_setup(g, &s->c, mc_step, mc_addr, (u32)(3 * s->live + 4))))
		return r;
	s->lo = churn_round(&s->c, lo) / s->c.unit;
	s->hi = churn_round(&s->c, hi) / s->c.unit;
	s->window = s->hi * s->c.unit;
	if ((r = churn_below_47(g, s->base, s->live * s->window)))
		return r;
	s->c.extra = calloc(s->live, sizeof(struct mc_region));
	return s->c.extra ? 0 : -ENOMEM;
}

static const struct gen_key mmapchurn_keys[] = {
	{ "region", GK_NAME, "64K..2M", 0, 0, "region size, SIZE or MIN..MAX (log-uniform by octaves)" },
	{ "live", GK_COUNT, "16", 1, 65536, "regions mapped at once" },
	{ "life", GK_COUNT, "100000", 1, CHURN_COUNT_MAX, "accesses (of all regions) between a region's MAP and UNMAP" },
	{ "touch", GK_REAL, "1", 0, 1, "fraction of a region's pages its accesses use (0 < touch <= 1)" },
	{ NULL },
};

const struct gen_def gen_mmapchurn = {
	.name = "mmapchurn",
	.help = "mmap/munmap churn: `live` regions, each unmapped `life` accesses after its MAP and replaced",
	.keys = mmapchurn_keys,
	.init = mc_init,
	.fill = churn_fill,
	.fini = churn_fini,
};

/* ---- heap ---- */

struct heap {
	struct churn c;
	u64 base, size, grow, trim, max, period;
	double recent;
};

static u64 heap_step(struct churn *c, u64 t)
{
	struct heap *h = (struct heap *)c;
	if (t >= c->n)
		return CHURN_NEVER;
	if (h->size + h->grow <= h->max) {
		churn_push(c, EV_MAP, h->base + h->size, h->grow);
		h->size += h->grow;
	} else {
		churn_push(c, EV_UNMAP, h->base + h->size - h->trim, h->trim);
		h->size -= h->trim;
	}
	return t + h->period;
}

static u64 heap_addr(struct churn *c)
{
	const struct heap *h = (const struct heap *)c;
	u64 lo = 0;
	if (rng_unit(&c->arng) < h->recent)
		lo = h->size - MIN(h->size, h->grow);
	return churn_slot(c, &c->arng, h->base + lo, gen_below(&c->arng, (h->size - lo) / PAGE_SIZE));
}

static int heap_init(struct gen *g)
{
	static const char *const na[] = { "footprint", "procs", "quantum", NULL };
	struct heap *h;
	int r;

	if ((r = churn_reject(g, na)))
		return r;
	if (!(h = churn_alloc(g, sizeof *h)))
		return -ENOMEM;
	if ((r = churn_setup(g, &h->c, heap_step, heap_addr, 2)))
		return r;
	h->base = g->base;
	h->grow = churn_round(&h->c, gen_u(g, "grow"));
	h->trim = churn_round(&h->c, gen_u(g, "trim"));
	h->max = churn_round(&h->c, gen_u(g, "max"));
	h->period = gen_u(g, "period");
	h->recent = gen_d(g, "recent");
	if (h->grow > h->max)
		return gen_err(g, "grow %llu is larger than max %llu (after rounding to the page hint)",
			       (unsigned long long)h->grow, (unsigned long long)h->max);
	if (h->trim > h->max - h->grow)
		return gen_err(g, "trim %llu is larger than max - grow = %llu (after rounding to the page hint)",
			       (unsigned long long)h->trim, (unsigned long long)(h->max - h->grow));
	return churn_below_47(g, h->base, h->max);
}

static const struct gen_key heap_keys[] = {
	{ "grow", GK_BYTES, "128K", 1, 0x1p47, "bytes mapped at the top per growth step" },
	{ "trim", GK_BYTES, "1M", 1, 0x1p47, "bytes unmapped from the top when a step would pass max" },
	{ "max", GK_BYTES, "64M", 1, 0x1p47, "largest heap size" },
	{ "period", GK_COUNT, "1000", 1, CHURN_COUNT_MAX, "accesses between heap steps" },
	{ "recent", GK_REAL, "0.8", 0, 1, "fraction of accesses to the newest `grow` bytes" },
	{ NULL },
};

const struct gen_def gen_heap = {
	.name = "heap",
	.help = "brk heap: grows by `grow` every `period` accesses up to `max`, then trims `trim` from the top",
	.keys = heap_keys,
	.init = heap_init,
	.fill = churn_fill,
	.fini = churn_fini,
};

/* ---- shortproc ---- */

struct shortproc {
	struct churn c;
	u64 base, len, pages, life, nproc;
	bool unmap;
};

static u64 sp_step(struct churn *c, u64 t)
{
	struct shortproc *s = (struct shortproc *)c;
	u64 i = t / s->life;
	if (i > 0 && s->unmap)
		churn_push(c, EV_UNMAP, s->base, s->len);
	if (t >= c->n)
		return CHURN_NEVER;
	churn_push_ctx(c, (u32)(i + 1));
	churn_push(c, EV_MAP, s->base, s->len);
	return t + s->life;
}

static u64 sp_addr(struct churn *c)
{
	const struct shortproc *s = (const struct shortproc *)c;
	return churn_slot(c, &c->arng, s->base, gen_below(&c->arng, s->pages));
}

static int sp_init(struct gen *g)
{
	static const char *const na[] = { "quantum", NULL };
	struct shortproc *s;
	u64 procs = gen_u(g, "procs"), need;
	int r;

	if ((r = churn_reject(g, na)))
		return r;
	if (!(s = churn_alloc(g, sizeof *s)))
		return -ENOMEM;
	if ((r = churn_setup(g, &s->c, sp_step, sp_addr, 3)))
		return r;
	s->base = g->base;
	s->len = g->maplen;
	s->pages = (g->footprint + PAGE_SIZE - 1) / PAGE_SIZE;
	s->life = gen_u(g, "life");
	s->unmap = gen_u(g, "unmap") != 0;
	need = g->n / s->life + (g->n % s->life != 0);
	s->nproc = procs ? MIN(procs, need) : need;
	if (s->nproc > UINT32_MAX)
		return gen_err(g, "n/life needs %llu processes, more than pids allow (2^32-1); raise life",
			       (unsigned long long)s->nproc);
	s->c.n = MIN(g->n, s->nproc * s->life);
	return churn_below_47(g, s->base, s->len);
}

static const struct gen_key shortproc_keys[] = {
	{ "procs", GK_COUNT, "0", 0, 4294967295.0, "processes (pids 1, 2, ...); 0 = as many as n needs" },
	{ "life", GK_COUNT, "10000", 1, CHURN_COUNT_MAX, "accesses of each process" },
	{ "footprint", GK_BYTES, "1M", 1, 0x1p47, "bytes each process maps and touches" },
	{ "unmap", GK_COUNT, "1", 0, 1, "1: a process unmaps its region after its last access" },
	{ NULL },
};

const struct gen_def gen_shortproc = {
	.name = "shortproc",
	.help = "short-lived processes: each a fresh pid mapping and touching `footprint` for `life` accesses",
	.keys = shortproc_keys,
	.init = sp_init,
	.fill = churn_fill,
	.fini = churn_fini,
};

/* ---- ctxswitch ---- */

struct cs_proc {
	u64 rng;
	bool mapped, churned;
};

struct ctxswitch {
	struct churn c;
	u64 procs, quantum, base, len, pages, cbase, churn;
	u64 cur, turnpos;
};

static u64 cs_step(struct churn *c, u64 t)
{
	struct ctxswitch *s = (struct ctxswitch *)c;
	struct cs_proc *p;
	if (t >= c->n)
		return CHURN_NEVER;
	s->cur = t / s->quantum % s->procs;
	p = &((struct cs_proc *)c->extra)[s->cur];
	if (s->procs > 1)
		churn_push_ctx(c, (u32)(s->cur + 1));
	if (!p->mapped) {
		churn_push(c, EV_MAP, s->base, s->len);
		p->mapped = true;
	}
	if (s->churn) {
		if (p->churned)
			churn_push(c, EV_UNMAP, s->cbase, s->churn * c->unit);
		churn_push(c, EV_MAP, s->cbase, s->churn * c->unit);
		p->churned = true;
	}
	s->turnpos = 0;
	return t + s->quantum;
}

static u64 cs_addr(struct churn *c)
{
	struct ctxswitch *s = (struct ctxswitch *)c;
	struct cs_proc *p = &((struct cs_proc *)c->extra)[s->cur];
	if (s->turnpos < s->churn)
		return s->cbase + s->turnpos++ * c->unit;
	return churn_slot(c, &p->rng, s->base, gen_below(&p->rng, s->pages));
}

static int cs_init(struct gen *g)
{
	struct ctxswitch *s;
	struct cs_proc *p;
	u64 s0 = rng_seed(g->seed);
	int r;

	if (!(s = churn_alloc(g, sizeof *s)))
		return -ENOMEM;
	s->procs = gen_u(g, "procs");
	s->quantum = g->quantum;
	if ((r = churn_setup(g, &s->c, cs_step, cs_addr, 4)))
		return r;
	s->base = g->base;
	s->len = g->maplen;
	s->pages = (g->footprint + PAGE_SIZE - 1) / PAGE_SIZE;
	s->churn = gen_u(g, "churn");
	s->cbase = s->base + s->len;
	if ((r = churn_below_47(g, s->base, s->len + s->churn * s->c.unit)))
		return r;
	p = calloc(s->procs, sizeof *p);
	if (!(s->c.extra = p))
		return -ENOMEM;
	for (u64 i = 0; i < s->procs; i++)
		p[i].rng = rng_seed(s0 + 16 + i);
	return 0;
}

static const struct gen_key ctxswitch_keys[] = {
	{ "procs", GK_COUNT, "4", 1, 65536, "long-lived processes, pids 1..procs, same base, own tables" },
	{ "churn", GK_COUNT, "16", 0, 1048576, "pages (of the hint) unmapped, mapped and touched at each turn" },
	{ NULL },
};

const struct gen_def gen_ctxswitch = {
	.name = "ctxswitch",
	.help = "processes taking turns of `quantum` accesses, each remapping `churn` pages at its turn",
	.keys = ctxswitch_keys,
	.init = cs_init,
	.fill = churn_fill,
	.fini = churn_fini,
};

/* ---- mixed ---- */

struct mixed {
	struct churn c;
	u64 base, slen, dbase, dlen;   /* static and dynamic regions */
	u64 spages, dpages;            /* their 4 KiB pages */
	u64 dunits, chunk, period;     /* dynamic region and chunk in hint pages */
	double dynp;
};

static u64 mx_step(struct churn *c, u64 t)
{
	struct mixed *x = (struct mixed *)c;
	u64 at;
	if (t >= c->n)
		return CHURN_NEVER;
	if (t == 0) {
		churn_push(c, EV_MAP, x->base, x->slen);
		churn_push(c, EV_MAP, x->dbase, x->dlen);
		return x->period;
	}
	at = x->dbase + gen_below(&c->lrng, x->dunits - x->chunk + 1) * c->unit;
	churn_push(c, EV_UNMAP, at, x->chunk * c->unit);
	churn_push(c, EV_MAP, at, x->chunk * c->unit);
	return t + x->period;
}

static u64 mx_addr(struct churn *c)
{
	const struct mixed *x = (const struct mixed *)c;
	if (rng_unit(&c->arng) < x->dynp)
		return churn_slot(c, &c->arng, x->dbase, gen_below(&c->arng, x->dpages));
	return churn_slot(c, &c->arng, x->base, gen_below(&c->arng, x->spages));
}

static int mx_init(struct gen *g)
{
	static const char *const na[] = { "procs", "quantum", NULL };
	struct mixed *x;
	double dyn = gen_d(g, "dynamic"), want;
	u64 units, align;
	int r;

	if ((r = churn_reject(g, na)))
		return r;
	if (!(dyn > 0 && dyn < 1))
		return gen_err(g, "bad value for 'dynamic': %g (must be 0 < dynamic < 1)", dyn);
	if (!(x = churn_alloc(g, sizeof *x)))
		return -ENOMEM;
	if ((r = churn_setup(g, &x->c, mx_step, mx_addr, 2)))
		return r;
	units = g->maplen / x->c.unit;
	if (units < 2)
		return gen_err(g, "footprint holds %llu page(s) of the page hint; mixed needs 2",
			       (unsigned long long)units);
	want = floor(dyn * (double)units + 0.5);
	x->dunits = want < 1 ? 1 : want > (double)(units - 1) ? units - 1 : (u64)want;
	x->base = g->base;
	x->slen = (units - x->dunits) * x->c.unit;
	x->dlen = x->dunits * x->c.unit;
	align = MAX(x->c.unit, psize_bytes(PS_2M));
	x->dbase = x->base + (x->slen + align - 1) / align * align;
	x->spages = x->slen / PAGE_SIZE;
	x->dpages = x->dlen / PAGE_SIZE;
	x->chunk = MIN(gen_u(g, "chunk"), x->dunits);
	x->period = gen_u(g, "period");
	x->dynp = gen_d(g, "dynp");
	return churn_below_47(g, x->base, x->dbase - x->base + x->dlen);
}

static const struct gen_key mixed_keys[] = {
	{ "dynamic", GK_REAL, "0.02", 0, 1, "fraction of the footprint that is remapped (0 < dynamic < 1)" },
	{ "dynp", GK_REAL, "0.1", 0, 1, "fraction of accesses to the dynamic region" },
	{ "chunk", GK_COUNT, "16", 1, 0x1p47, "pages (of the hint) unmapped and mapped again per remap" },
	{ "period", GK_COUNT, "1000", 1, CHURN_COUNT_MAX, "accesses between remaps" },
	{ NULL },
};

const struct gen_def gen_mixed = {
	.name = "mixed",
	.help = "static footprint plus a small dynamic region remapped every `period` accesses (agile paging)",
	.keys = mixed_keys,
	.init = mx_init,
	.fill = churn_fill,
	.fini = churn_fini,
};

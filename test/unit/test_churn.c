/*
 * test_churn.c - the page-table churn generators (workloads/gen_churn.c):
 * mmapchurn, heap, shortproc, ctxswitch, mixed.
 * Expected counts and layouts are derived from the definitions in
 * docs/trace-format.md, not from runs. The simulator tests feed the
 * streams to the OS model and check the page-table writes they cause.
 */
#include "trace_util.h"
#include "../../mmu/sim.h"

#include <math.h>

#define BASE 0x7f0000000000ull
#define LIMIT47 (1ull << 47)

struct counts {
	size_t acc, map, unmap, ctx;
};

static struct counts count_events(const struct ev *v, size_t n)
{
	struct counts c = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (ev_is_access(&v[i]))
			c.acc++;
		else if (v[i].kind == EV_MAP)
			c.map++;
		else if (v[i].kind == EV_UNMAP)
			c.unmap++;
		else if (v[i].kind == EV_CTX)
			c.ctx++;
	}
	return c;
}

/* ---- mapped-interval tracking, per process ---- */

struct ivl {
	u64 s, e;
};

struct space {
	u32 pid;
	struct ivl *v;
	size_t n, cap;
};

struct tracker {
	struct space *sp;
	size_t n;
	size_t cur;
};

static struct space *tr_space(struct tracker *t, u32 pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->sp[i].pid == pid)
			return &t->sp[i];
	t->sp = realloc(t->sp, (t->n + 1) * sizeof *t->sp);
	t->sp[t->n] = (struct space){ .pid = pid };
	return &t->sp[t->n++];
}

static void tr_free(struct tracker *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->sp[i].v);
	free(t->sp);
}

/* Index of the interval holding [s, e), or -1. Intervals are disjoint and
 * adjacent ones are merged, so a mapped range lies inside one. */
static long sp_find(const struct space *p, u64 s, u64 e)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].s <= s && e <= p->v[i].e)
			return (long)i;
	return -1;
}

static bool sp_overlaps(const struct space *p, u64 s, u64 e)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].s < e && s < p->v[i].e)
			return true;
	return false;
}

static void sp_insert(struct space *p, u64 s, u64 e)
{
	size_t i;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->v = realloc(p->v, p->cap * sizeof *p->v);
	}
	for (i = 0; i < p->n && p->v[i].s < s; i++)
		;
	memmove(p->v + i + 1, p->v + i, (p->n - i) * sizeof *p->v);
	p->v[i] = (struct ivl){ s, e };
	p->n++;
	/* merge with the neighbours */
	if (i + 1 < p->n && p->v[i].e == p->v[i + 1].s) {
		p->v[i].e = p->v[i + 1].e;
		memmove(p->v + i + 1, p->v + i + 2, (p->n - i - 2) * sizeof *p->v);
		p->n--;
	}
	if (i > 0 && p->v[i - 1].e == p->v[i].s) {
		p->v[i - 1].e = p->v[i].e;
		memmove(p->v + i, p->v + i + 1, (p->n - i - 1) * sizeof *p->v);
		p->n--;
	}
}

static void sp_remove(struct space *p, size_t i, u64 s, u64 e)
{
	struct ivl old = p->v[i];
	memmove(p->v + i, p->v + i + 1, (p->n - i - 1) * sizeof *p->v);
	p->n--;
	if (old.s < s)
		sp_insert(p, old.s, s);
	if (e < old.e)
		sp_insert(p, e, old.e);
}

/* Checks a whole stream: every event well formed and below 2^47; MAPs
 * page-aligned (to the hint too), with the expected prot and psize, never
 * over a live mapping; UNMAPs only of mapped ranges; every access inside a
 * range mapped at that moment by the current process, within one page.
 * Returns false (after reporting) at the first violation. */
static bool check_stream(const char *spec, const struct ev *v, size_t n, u8 prot, u8 psize)
{
	struct tracker t = { 0 };
	struct space *cur;
	u64 align = psize == PSZ_ANY ? 4096 : psize_bytes((enum psize)psize);
	bool ok = true;

	cur = tr_space(&t, 0);
	for (size_t i = 0; i < n && ok; i++) {
		const struct ev *e = &v[i];
		const char *why = ev_check(e);
		if (why) {
			test_fail(__FILE__, __LINE__, "%s: event %zu: %s", spec, i, why);
			ok = false;
			break;
		}
		switch (e->kind) {
		case EV_CTX:
			cur = tr_space(&t, e->size);
			break;
		case EV_MAP:
			if (e->va % align || e->len % align || e->va + e->len > LIMIT47 ||
			    e->prot != prot || e->psize != psize) {
				test_fail(__FILE__, __LINE__, "%s: event %zu: MAP 0x%" PRIx64 " 0x%" PRIx64
					  " prot %u psize %u", spec, i, e->va, e->len, e->prot, e->psize);
				ok = false;
			} else if (sp_overlaps(cur, e->va, e->va + e->len)) {
				test_fail(__FILE__, __LINE__, "%s: event %zu: MAP over a live mapping", spec, i);
				ok = false;
			} else {
				sp_insert(cur, e->va, e->va + e->len);
			}
			break;
		case EV_UNMAP: {
			long k = sp_find(cur, e->va, e->va + e->len);
			if (e->va % align || e->len % align || k < 0) {
				test_fail(__FILE__, __LINE__, "%s: event %zu: UNMAP 0x%" PRIx64 " 0x%" PRIx64
					  " not mapped", spec, i, e->va, e->len);
				ok = false;
			} else {
				sp_remove(cur, (size_t)k, e->va, e->va + e->len);
			}
			break;
		}
		case EV_PROTECT:
		case EV_VM:
			test_fail(__FILE__, __LINE__, "%s: event %zu: unexpected kind %u", spec, i, e->kind);
			ok = false;
			break;
		default:
			if (sp_find(cur, e->va, e->va + e->size) < 0 ||
			    (e->va >> 12) != ((e->va + e->size - 1) >> 12)) {
				test_fail(__FILE__, __LINE__, "%s: event %zu: access 0x%" PRIx64 " size %u"
					  " outside the mapped regions of pid %u", spec, i, e->va, e->size, cur->pid);
				ok = false;
			}
			break;
		}
	}
	tr_free(&t);
	return ok;
}

static const char *const churn_specs[] = {
	"mmapchurn:n=20000,live=8,life=3000",
	"heap:n=20000,grow=64K,trim=256K,max=1M,period=300",
	"shortproc:n=20000,life=1500,footprint=256K",
	"ctxswitch:n=20000,procs=3,quantum=700,churn=8,footprint=1M",
	"mixed:n=20000,footprint=8M,period=150",
};

TEST(churn_deterministic)
{
	for (size_t i = 0; i < ARRAY_SIZE(churn_specs); i++) {
		char a[200], b[200];
		struct ev *x, *y, *z;
		size_t nx, ny, nz;
		snprintf(a, sizeof a, "%s,rw=0.3,seed=7", churn_specs[i]);
		snprintf(b, sizeof b, "%s,rw=0.3,seed=8", churn_specs[i]);
		REQUIRE(load_gen(a, &x, &nx, NULL) == 0);
		REQUIRE(load_gen(a, &y, &ny, NULL) == 0);
		REQUIRE(load_gen(b, &z, &nz, NULL) == 0);
		CHECK(nx > 20000);
		if (nx != ny || memcmp(x, y, nx * sizeof *x))
			test_fail(__FILE__, __LINE__, "%s: same seed, different streams", a);
		if (nx == nz && !memcmp(x, z, nx * sizeof *x))
			test_fail(__FILE__, __LINE__, "%s: seeds 7 and 8 give the same stream", a);
		/* the access addresses themselves depend on the seed */
		{
			size_t same = 0, acc = 0;
			for (size_t k = 0; k < MIN(nx, nz); k++)
				if (ev_is_access(&x[k]) && ev_is_access(&z[k])) {
					acc++;
					same += x[k].va == z[k].va;
				}
			CHECK(acc > 10000 && same < acc / 2);
		}
		free(x);
		free(y);
		free(z);
	}
}

/* The stream does not depend on how trace_read batches it. */
TEST(churn_batch_independent)
{
	for (size_t i = 0; i < ARRAY_SIZE(churn_specs); i++) {
		struct trace *t;
		struct ev *a, *b;
		size_t n, m;
		REQUIRE(trace_open_gen(&t, churn_specs[i]) == 0);
		CHECK_EQ(read_all(t, 1, &a, &n), 0);
		trace_close(t);
		REQUIRE(trace_open_gen(&t, churn_specs[i]) == 0);
		CHECK_EQ(read_all(t, 333, &b, &m), 0);
		trace_close(t);
		if (n != m || memcmp(a, b, n * sizeof *a))
			test_fail(__FILE__, __LINE__, "%s: batch 1 and 333 differ", churn_specs[i]);
		free(a);
		free(b);
	}
}

/* Addresses do not move with rw or ifrac (kinds have their own stream). */
TEST(churn_kinds_do_not_move_addresses)
{
	for (size_t i = 0; i < ARRAY_SIZE(churn_specs); i++) {
		char b[200];
		struct ev *x, *y;
		size_t nx, ny, w = 0, f = 0;
		snprintf(b, sizeof b, "%s,rw=0.5,ifrac=0.2", churn_specs[i]);
		REQUIRE(load_gen(churn_specs[i], &x, &nx, NULL) == 0);
		REQUIRE(load_gen(b, &y, &ny, NULL) == 0);
		REQUIRE_EQ(nx, ny);
		for (size_t k = 0; k < nx; k++) {
			if (x[k].va != y[k].va || x[k].len != y[k].len) {
				test_fail(__FILE__, __LINE__, "%s: event %zu moved", b, k);
				break;
			}
			w += y[k].kind == EV_W;
			f += y[k].kind == EV_I;
			if (y[k].kind == EV_MAP)
				CHECK_EQ(y[k].prot, PERM_R | PERM_W | PERM_X);
		}
		/* 20000 accesses: P(I) = 0.2, P(W) = 0.4; 6 standard deviations */
		CHECK_NEAR((double)f / 20000, 0.2, 6 * sqrt(0.2 * 0.8 / 20000));
		CHECK_NEAR((double)w / 20000, 0.4, 6 * sqrt(0.4 * 0.6 / 20000));
		free(x);
		free(y);
	}
}

/* Every stream, under several page hints, access sizes and bases, stays in
 * mapped memory below 2^47. */
static void valid_case(const char *spec, u64 n_acc)
{
	struct ev *v;
	size_t n;
	u8 psize = PSZ_ANY, prot = PERM_R | PERM_W;
	if (load_gen(spec, &v, &n, NULL)) {
		test_fail(__FILE__, __LINE__, "%s: does not open", spec);
		return;
	}
	if (strstr(spec, "page=4K"))
		psize = PS_4K;
	else if (strstr(spec, "page=2M"))
		psize = PS_2M;
	else if (strstr(spec, "page=1G"))
		psize = PS_1G;
	if (strstr(spec, "ifrac"))
		prot |= PERM_X;
	check_stream(spec, v, n, prot, psize);
	CHECK_EQ(count_events(v, n).acc, n_acc);
	free(v);
}

TEST(churn_streams_valid)
{
	static const char *const extra[] = {
		"", ",page=4K,size=64,rw=0.5", ",size=24,ifrac=0.3", ",size=4096,seed=3",
		",base=0x10000000,seed=9", ",size=1,base=0x7fffc0000000,seed=4",
	};
	static const char *const huge[] = {
		"mmapchurn:n=20000,live=8,life=3000,page=2M",
		"mmapchurn:n=20000,live=3,life=3000,page=1G,base=0x40000000",
		"heap:n=20000,grow=2M,trim=4M,max=16M,period=300,page=2M",
		"heap:n=20000,grow=1G,trim=2G,max=4G,period=1000,page=1G,base=0x40000000,ifrac=0.1",
		"shortproc:n=20000,life=1500,footprint=3M,page=2M",
		"shortproc:n=20000,life=1500,page=1G,base=0x40000000",
		"ctxswitch:n=20000,procs=3,quantum=700,churn=2,footprint=5M,page=2M",
		"ctxswitch:n=20000,procs=2,quantum=700,churn=1,footprint=1G,page=1G,base=0x40000000",
		"mixed:n=20000,footprint=64M,page=2M,chunk=2,period=150",
		"mixed:n=20000,footprint=2G,page=1G,period=150,base=0x40000000",
		"mixed:n=20000,footprint=5G,page=1G,period=150,dynamic=0.5,dynp=0.5",
	};
	for (size_t i = 0; i < ARRAY_SIZE(churn_specs); i++)
		for (size_t j = 0; j < ARRAY_SIZE(extra); j++) {
			char spec[300];
			snprintf(spec, sizeof spec, "%s%s", churn_specs[i], extra[j]);
			valid_case(spec, 20000);
		}
	for (size_t i = 0; i < ARRAY_SIZE(huge); i++)
		valid_case(huge[i], 20000);
}

/* ---- mmapchurn ---- */

/* The k-th replacement happens before access floor(k * life / live); the
 * count is #{k >= 1 : floor(k * life / live) < n}. */
static u64 replacements(u64 n, u64 live, u64 life)
{
	u64 k = 0;
	while ((k + 1) * life / live < n)
		k++;
	return k;
}

TEST(churn_mmapchurn_exact)
{
	struct ev *v;
	size_t n, acc = 0, maps = 0, unmaps = 0;
	struct ev mapped[64];
	/* 4 windows of 64K; replacements at 250, 500, ..., 9750: 39 */
	REQUIRE(load_gen("mmapchurn:region=64K,live=4,life=1000,n=10000", &v, &n, NULL) == 0);
	CHECK_EQ(replacements(10000, 4, 1000), 39);
	CHECK_EQ(n, 10000 + 43 + 39);
	for (size_t i = 0; i < n; i++) {
		const struct ev *e = &v[i];
		if (e->kind == EV_MAP) {
			u64 w = maps % 4;
			CHECK_EQ(e->len, 64 << 10);
			/* MAP number j takes window j mod live, which it fills */
			CHECK_EQ(e->va, BASE + w * (64 << 10));
			if (maps >= 4)
				CHECK_EQ(v[i - 1].kind, EV_UNMAP);
			if (maps < ARRAY_SIZE(mapped))
				mapped[maps] = *e;
			maps++;
		} else if (e->kind == EV_UNMAP) {
			unmaps++;
			/* FIFO: the k-th UNMAP removes the k-th region mapped */
			if (unmaps <= ARRAY_SIZE(mapped)) {
				CHECK_EQ(e->va, mapped[unmaps - 1].va);
				CHECK_EQ(e->len, mapped[unmaps - 1].len);
			}
			CHECK_EQ(acc, unmaps * 1000 / 4);
		} else {
			CHECK(ev_is_access(e));
			acc++;
		}
	}
	CHECK_EQ(maps, 43);
	CHECK_EQ(unmaps, 39);
	CHECK_EQ(acc, 10000);
	CHECK_EQ(v[n - 1].kind, EV_R);
	free(v);

	/* life below live: several replacements before one access, some
	 * regions never accessed; 19 = floor((10 * 8 - 1) / 4) */
	REQUIRE(load_gen("mmapchurn:region=8K,live=8,life=4,n=10", &v, &n, NULL) == 0);
	{
		struct counts c = count_events(v, n);
		CHECK_EQ(replacements(10, 8, 4), 19);
		CHECK_EQ(c.map, 8 + 19);
		CHECK_EQ(c.unmap, 19);
		CHECK_EQ(c.acc, 10);
		CHECK(check_stream("mmapchurn life<live", v, n, PERM_R | PERM_W, PSZ_ANY));
	}
	free(v);

	/* more shapes: counts follow the formula */
	{
		static const u64 cases[][3] = { { 1, 1, 1 }, { 1, 5, 7 }, { 3, 7, 1000 }, { 16, 100000, 1000000 },
						{ 5, 3, 100 }, { 2, 1000, 999 } };
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			char spec[200];
			u64 live = cases[i][0], life = cases[i][1], na = cases[i][2], k = replacements(na, live, life);
			struct counts c;
			snprintf(spec, sizeof spec, "mmapchurn:live=%" PRIu64 ",life=%" PRIu64 ",n=%" PRIu64,
				 live, life, na);
			REQUIRE(load_gen(spec, &v, &n, NULL) == 0);
			c = count_events(v, n);
			CHECK_EQ(c.map, live + k);
			CHECK_EQ(c.unmap, k);
			CHECK_EQ(c.acc, na);
			CHECK_EQ(c.ctx, 0);
			free(v);
		}
	}
	/* n = 0: nothing at all */
	REQUIRE(load_gen("mmapchurn:n=0", &v, &n, NULL) == 0);
	CHECK_EQ(n, 0);
	free(v);
}

/* Region sizes: log-uniform by octaves over [64K, 2M] in 4K pages: pages
 * 16..511 in 5 octaves plus the octave {512}; each octave has probability
 * 1/6. Placement: inside the region's 2M window. */
TEST(churn_mmapchurn_sizes)
{
	struct ev *v;
	size_t n, maps = 0, oct[6] = { 0 };
	REQUIRE(load_gen("mmapchurn:region=64K..2M,live=4,life=40,n=60000", &v, &n, NULL) == 0);
	for (size_t i = 0; i < n; i++) {
		u64 pages, w;
		if (v[i].kind != EV_MAP)
			continue;
		pages = v[i].len / 4096;
		CHECK_EQ(v[i].len % 4096, 0);
		CHECK(pages >= 16 && pages <= 512);
		w = maps % 4;
		CHECK(v[i].va >= BASE + w * (2 << 20) && v[i].va + v[i].len <= BASE + (w + 1) * (2 << 20));
		oct[pages >= 512 ? 5 : (unsigned)(63 - __builtin_clzll(pages)) - 4]++;
		maps++;
	}
	CHECK_EQ(maps, 4 + replacements(60000, 4, 40));
	for (int k = 0; k < 6; k++)
		CHECK_NEAR((double)oct[k] / (double)maps, 1.0 / 6, 6 * sqrt(5.0 / 36 / (double)maps));
	free(v);

	/* a 2M hint rounds every size up to 2M */
	REQUIRE(load_gen("mmapchurn:region=64K..2M,page=2M,live=2,life=10,n=100", &v, &n, NULL) == 0);
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == EV_MAP) {
			CHECK_EQ(v[i].len, 2 << 20);
			CHECK_EQ(v[i].psize, PS_2M);
		}
	free(v);
}

/* touch = 0.25 of a 64K region: accesses use its first 4 pages only. */
TEST(churn_mmapchurn_touch)
{
	struct ev *v, live[4];
	size_t n, maps = 0;
	u64 hit[4] = { 0 };
	memset(live, 0, sizeof live);
	REQUIRE(load_gen("mmapchurn:region=64K,live=4,life=400,touch=0.25,n=8000", &v, &n, NULL) == 0);
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == EV_MAP) {
			live[maps++ % 4] = v[i];
		} else if (ev_is_access(&v[i])) {
			bool found = false;
			for (int r = 0; r < 4; r++)
				if (v[i].va >= live[r].va && v[i].va < live[r].va + live[r].len) {
					u64 page = (v[i].va - live[r].va) / 4096;
					found = true;
					CHECK(page < 4);
					if (page < 4)
						hit[page]++;
				}
			CHECK(found);
		}
	}
	for (int p = 0; p < 4; p++)
		CHECK(hit[p] > 1500);
	free(v);
}

/* ---- heap ---- */

TEST(churn_heap_exact)
{
	/* grow 64K, max 256K, trim 128K, a step every 100 accesses:
	 * t=0 MAP [0,64K)  100 MAP [64K,128K)  200 MAP [128K,192K)
	 * 300 MAP [192K,256K)  400 UNMAP [128K,256K)  500 MAP [128K,192K)
	 * 600 MAP [192K,256K)  700 UNMAP [128K,256K)  800 MAP [128K,192K)
	 * 900 MAP [192K,256K); nothing after the last access. */
	static const struct { u64 t; u8 kind; u64 off, len; } want[] = {
		{ 0, EV_MAP, 0, 64 }, { 100, EV_MAP, 64, 64 }, { 200, EV_MAP, 128, 64 },
		{ 300, EV_MAP, 192, 64 }, { 400, EV_UNMAP, 128, 128 }, { 500, EV_MAP, 128, 64 },
		{ 600, EV_MAP, 192, 64 }, { 700, EV_UNMAP, 128, 128 }, { 800, EV_MAP, 128, 64 },
		{ 900, EV_MAP, 192, 64 },
	};
	struct ev *v;
	size_t n, acc = 0, k = 0;
	u64 top = 0;
	REQUIRE(load_gen("heap:grow=64K,max=256K,trim=128K,period=100,n=1000,recent=1", &v, &n, NULL) == 0);
	CHECK_EQ(n, 1000 + ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++) {
		if (ev_is_access(&v[i])) {
			/* recent = 1: always in the newest 64K below the top */
			CHECK(v[i].va >= BASE + top - (64 << 10) && v[i].va + v[i].size <= BASE + top);
			acc++;
			continue;
		}
		REQUIRE(k < ARRAY_SIZE(want));
		CHECK_EQ(acc, want[k].t);
		CHECK_EQ(v[i].kind, want[k].kind);
		CHECK_EQ(v[i].va, BASE + (want[k].off << 10));
		CHECK_EQ(v[i].len, want[k].len << 10);
		top = want[k].kind == EV_MAP ? (want[k].off + want[k].len) << 10 : want[k].off << 10;
		k++;
	}
	CHECK_EQ(k, ARRAY_SIZE(want));
	CHECK_EQ(acc, 1000);
	free(v);
}

/* The newest `grow` bytes take recent + (1 - recent) * grow / size of the
 * accesses. grow 64K, max 1M, trim 64K, a step every 100 accesses: the
 * heap reaches 1M at access 1500, then alternates between 960K and 1M, so
 * the expected share is between recent + (1 - recent) / 16 and
 * recent + (1 - recent) / 15. */
static void heap_share(double recent)
{
	char spec[160];
	struct ev *v;
	size_t n, acc = 0, newest = 0;
	u64 top = 0;
	double lo = recent + (1 - recent) / 16, hi = recent + (1 - recent) / 15, sd;
	snprintf(spec, sizeof spec, "heap:grow=64K,max=1M,trim=64K,period=100,n=201600,recent=%g", recent);
	REQUIRE(load_gen(spec, &v, &n, NULL) == 0);
	for (size_t i = 0, a = 0; i < n; i++) {
		if (v[i].kind == EV_MAP) {
			CHECK_EQ(v[i].va, BASE + top);
			top += v[i].len;
		} else if (v[i].kind == EV_UNMAP) {
			CHECK_EQ(v[i].va + v[i].len, BASE + top);
			top -= v[i].len;
		} else {
			CHECK(v[i].va >= BASE && v[i].va < BASE + top);
			if (a++ < 1600)
				continue;
			acc++;
			newest += v[i].va >= BASE + top - (64 << 10);
		}
	}
	CHECK_EQ(acc, 200000);
	sd = sqrt(hi * (1 - hi) / 200000);
	CHECK((double)newest / 200000 > lo - 6 * sd && (double)newest / 200000 < hi + 6 * sd);
	free(v);
}

TEST(churn_heap_recent_share)
{
	heap_share(0.8);
	heap_share(0.3);
	heap_share(0);
}

/* ---- shortproc ---- */

TEST(churn_shortproc_exact)
{
	struct ev *v;
	size_t n;
	struct counts c;

	/* procs = 5 caps the run: 5 x 100 accesses, n = 1000 is not reached */
	REQUIRE(load_gen("shortproc:procs=5,life=100,n=1000,footprint=16K", &v, &n, NULL) == 0);
	CHECK_EQ(n, 5 * (3 + 100));
	for (size_t p = 0; p < 5 && n == 5 * 103; p++) {
		const struct ev *e = &v[p * 103];
		CHECK_EQ(e[0].kind, EV_CTX);
		CHECK_EQ(e[0].size, p + 1);
		CHECK_EQ(e[1].kind, EV_MAP);
		CHECK_EQ(e[1].va, BASE);
		CHECK_EQ(e[1].len, 16 << 10);
		for (int a = 0; a < 100; a++)
			CHECK(ev_is_access(&e[2 + a]) && e[2 + a].va >= BASE && e[2 + a].va < BASE + (16 << 10));
		CHECK_EQ(e[102].kind, EV_UNMAP);
		CHECK_EQ(e[102].va, BASE);
		CHECK_EQ(e[102].len, 16 << 10);
	}
	free(v);

	/* procs = 0: ceil(1000 / 300) = 4 processes; the last one is cut by n
	 * after 100 accesses and keeps its region */
	REQUIRE(load_gen("shortproc:life=300,n=1000", &v, &n, NULL) == 0);
	c = count_events(v, n);
	CHECK_EQ(c.ctx, 4);
	CHECK_EQ(c.map, 4);
	CHECK_EQ(c.unmap, 3);
	CHECK_EQ(c.acc, 1000);
	CHECK(ev_is_access(&v[n - 1]));
	free(v);

	/* n a multiple of life: the last process completes and unmaps */
	REQUIRE(load_gen("shortproc:life=300,n=900", &v, &n, NULL) == 0);
	c = count_events(v, n);
	CHECK_EQ(c.ctx, 3);
	CHECK_EQ(c.unmap, 3);
	CHECK_EQ(v[n - 1].kind, EV_UNMAP);
	free(v);

	/* unmap = 0: regions stay */
	REQUIRE(load_gen("shortproc:life=300,n=900,unmap=0", &v, &n, NULL) == 0);
	c = count_events(v, n);
	CHECK_EQ(c.ctx, 3);
	CHECK_EQ(c.map, 3);
	CHECK_EQ(c.unmap, 0);
	CHECK_EQ(n, 906);
	free(v);

	REQUIRE(load_gen("shortproc:n=0", &v, &n, NULL) == 0);
	CHECK_EQ(n, 0);
	free(v);
}

/* Every process has a fresh pid, used for one contiguous stretch. */
TEST(churn_shortproc_distinct_pids)
{
	struct ev *v;
	size_t n, ctx = 0;
	u8 *seen = calloc(201, 1);
	REQUIRE(load_gen("shortproc:life=1000,n=200000,footprint=64K", &v, &n, NULL) == 0);
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == EV_CTX) {
			CHECK(v[i].size >= 1 && v[i].size <= 200);
			if (v[i].size >= 1 && v[i].size <= 200)
				seen[v[i].size]++;
			ctx++;
		}
	CHECK_EQ(ctx, 200);
	for (int p = 1; p <= 200; p++)
		CHECK_EQ(seen[p], 1);
	CHECK(check_stream("shortproc pids", v, n, PERM_R | PERM_W, PSZ_ANY));
	free(seen);
	free(v);
}

/* ---- ctxswitch ---- */

TEST(churn_ctxswitch_exact)
{
	/* 3 processes, quantum 100, churn 4, 1050 accesses: 11 turns (the last
	 * of 50). Turn j: CTX (j mod 3) + 1, the static MAP on a process's
	 * first turn, the UNMAP of its churn region on later turns, the MAP
	 * of the churn region, then 4 accesses to the churn pages in order. */
	const u64 cbase = BASE + (64 << 10);
	struct ev *v;
	size_t n, turn = 0, run = 0, acc = 0;
	struct counts c;
	u32 pid = 0;
	REQUIRE(load_gen("ctxswitch:procs=3,quantum=100,churn=4,n=1050,footprint=64K", &v, &n, NULL) == 0);
	c = count_events(v, n);
	CHECK_EQ(c.ctx, 11);
	CHECK_EQ(c.map, 3 + 11);
	CHECK_EQ(c.unmap, 8);
	CHECK_EQ(c.acc, 1050);
	for (size_t i = 0; i < n; i++) {
		const struct ev *e = &v[i];
		if (e->kind == EV_CTX) {
			if (turn)
				CHECK_EQ(run, 100);
			CHECK_EQ(e->size, turn % 3 + 1);
			pid = e->size;
			turn++;
			run = 0;
		} else if (e->kind == EV_MAP) {
			if (e->va == BASE) {
				CHECK(turn <= 3);
				CHECK_EQ(e->len, 64 << 10);
			} else {
				CHECK_EQ(e->va, cbase);
				CHECK_EQ(e->len, 4 << 12);
			}
		} else if (e->kind == EV_UNMAP) {
			CHECK(turn > 3);
			CHECK_EQ(e->va, cbase);
			CHECK_EQ(e->len, 4 << 12);
			CHECK_EQ(v[i + 1].kind, EV_MAP);
		} else {
			if (run < 4)
				CHECK_EQ(e->va, cbase + run * 4096);
			else
				CHECK(e->va >= BASE && e->va < cbase);
			run++;
			acc++;
		}
	}
	CHECK_EQ(run, 50);
	CHECK_EQ(pid, 2);
	CHECK_EQ(acc, 1050);
	free(v);

	/* churn = 0: multiproc-like, no UNMAP */
	REQUIRE(load_gen("ctxswitch:procs=3,quantum=100,churn=0,n=1050", &v, &n, NULL) == 0);
	c = count_events(v, n);
	CHECK_EQ(c.ctx, 11);
	CHECK_EQ(c.map, 3);
	CHECK_EQ(c.unmap, 0);
	free(v);

	/* one process: no CTX, the churn still comes every quantum */
	REQUIRE(load_gen("ctxswitch:procs=1,quantum=100,churn=2,n=1000", &v, &n, NULL) == 0);
	c = count_events(v, n);
	CHECK_EQ(c.ctx, 0);
	CHECK_EQ(c.map, 1 + 10);
	CHECK_EQ(c.unmap, 9);
	free(v);

	/* a 2M hint: churn pages are 2M pages, touched once each */
	REQUIRE(load_gen("ctxswitch:procs=2,quantum=50,churn=3,n=200,page=2M,footprint=4M", &v, &n, NULL) == 0);
	CHECK(check_stream("ctxswitch 2M", v, n, PERM_R | PERM_W, PS_2M));
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == EV_MAP && v[i].va != BASE)
			CHECK_EQ(v[i].len, 3ull << 21);
	free(v);
}

/* ---- mixed ---- */

TEST(churn_mixed_exact)
{
	/* footprint 1M = 256 pages; dynamic 0.05: round(12.8) = 13 pages at
	 * the next 2M boundary after the 243 static pages; remaps at 100, 200,
	 * ..., 900: 9, each an UNMAP and a MAP of 4 pages */
	const u64 dbase = BASE + (2 << 20), dlen = 13 * 4096;
	struct ev *v;
	size_t n, acc = 0, remaps = 0;
	REQUIRE(load_gen("mixed:footprint=1M,dynamic=0.05,period=100,chunk=4,n=1000", &v, &n, NULL) == 0);
	CHECK_EQ(n, 1000 + 2 + 2 * 9);
	REQUIRE(n >= 2);
	CHECK_EQ(v[0].kind, EV_MAP);
	CHECK_EQ(v[0].va, BASE);
	CHECK_EQ(v[0].len, 243 * 4096);
	CHECK_EQ(v[1].kind, EV_MAP);
	CHECK_EQ(v[1].va, dbase);
	CHECK_EQ(v[1].len, dlen);
	for (size_t i = 2; i < n; i++) {
		if (ev_is_access(&v[i])) {
			acc++;
			continue;
		}
		CHECK_EQ(v[i].kind, EV_UNMAP);
		CHECK_EQ(acc, (remaps + 1) * 100);
		CHECK(v[i].va >= dbase && v[i].va + v[i].len <= dbase + dlen);
		CHECK_EQ(v[i].len, 4 * 4096);
		CHECK_EQ(v[i + 1].kind, EV_MAP);
		CHECK_EQ(v[i + 1].va, v[i].va);
		CHECK_EQ(v[i + 1].len, v[i].len);
		remaps++;
		i++;
	}
	CHECK_EQ(remaps, 9);
	CHECK_EQ(acc, 1000);
	free(v);

	/* defaults: 64M = 16384 pages, 2% dynamic = round(327.68) = 328 pages */
	REQUIRE(load_gen("mixed:n=10", &v, &n, NULL) == 0);
	CHECK_EQ(v[0].len, (16384 - 328) * 4096ull);
	CHECK_EQ(v[1].va, BASE + (64ull << 20));
	CHECK_EQ(v[1].len, 328 * 4096);
	free(v);

	/* chunk larger than the dynamic region: the whole region */
	REQUIRE(load_gen("mixed:footprint=1M,dynamic=0.01,chunk=100,period=10,n=100", &v, &n, NULL) == 0);
	for (size_t i = 2; i < n; i++)
		if (v[i].kind == EV_UNMAP) {
			CHECK_EQ(v[i].va, dbase);
			CHECK_EQ(v[i].len, 3 * 4096);
		}
	free(v);
}

/* dynp of the accesses go to the dynamic region; each dynamic page is
 * remapped many times while the static region is mapped once. */
TEST(churn_mixed_dynp_share)
{
	struct ev *v;
	size_t n, dyn = 0, acc = 0;
	u64 dbase = BASE + (64ull << 20);
	REQUIRE(load_gen("mixed:dynp=0.3,n=100000,seed=5", &v, &n, NULL) == 0);
	for (size_t i = 0; i < n; i++)
		if (ev_is_access(&v[i])) {
			acc++;
			dyn += v[i].va >= dbase;
		}
	CHECK_EQ(acc, 100000);
	CHECK_NEAR((double)dyn / 1e5, 0.3, 6 * sqrt(0.3 * 0.7 / 1e5));
	CHECK(check_stream("mixed dynp", v, n, PERM_R | PERM_W, PSZ_ANY));
	free(v);
}

/* ---- errors ---- */


TEST(churn_errors)
{
	/* unknown keys and bad values, for each generator */
	expect_gen_error("mmapchurn:foo=1", "mmusim: --gen mmapchurn: unknown key 'foo'");
	expect_gen_error("mmapchurn:alpha=1", "mmusim: --gen mmapchurn: unknown key 'alpha'");
	expect_gen_error("heap:churn=1", "mmusim: --gen heap: unknown key 'churn'");
	expect_gen_error("shortproc:dynp=0.5", "mmusim: --gen shortproc: unknown key 'dynp'");
	expect_gen_error("ctxswitch:life=5", "mmusim: --gen ctxswitch: unknown key 'life'");
	expect_gen_error("mixed:live=5", "mmusim: --gen mixed: unknown key 'live'");
	expect_gen_error("multiproc:of=heap", "mmusim: --gen multiproc: bad value for 'of': 'heap'");
	/* common keys that mean nothing to a generator */
	expect_gen_error("mmapchurn:footprint=1M", "mmusim: --gen mmapchurn: key 'footprint' does not apply to this generator");
	expect_gen_error("mmapchurn:procs=2", "mmusim: --gen mmapchurn: key 'procs' does not apply");
	expect_gen_error("heap:quantum=5", "mmusim: --gen heap: key 'quantum' does not apply");
	expect_gen_error("heap:footprint=1M", "mmusim: --gen heap: key 'footprint' does not apply");
	expect_gen_error("shortproc:quantum=5", "mmusim: --gen shortproc: key 'quantum' does not apply");
	expect_gen_error("mixed:procs=2", "mmusim: --gen mixed: key 'procs' does not apply");
	/* mmapchurn */
	expect_gen_error("mmapchurn:region=abc", "mmusim: --gen mmapchurn: bad value for 'region': 'abc'");
	expect_gen_error("mmapchurn:region=0", "mmusim: --gen mmapchurn: bad value for 'region': '0'");
	expect_gen_error("mmapchurn:region=2M..64K", "mmusim: --gen mmapchurn: bad value for 'region': '2M..64K' (MIN above MAX)");
	expect_gen_error("mmapchurn:region=64K..", "mmusim: --gen mmapchurn: bad value for 'region': '64K..'");
	expect_gen_error("mmapchurn:region=..2M", "mmusim: --gen mmapchurn: bad value for 'region': '..2M'");
	expect_gen_error("mmapchurn:region=1G..1P", "mmusim: --gen mmapchurn: bad value for 'region': '1G..1P' (at most 2^47");
	expect_gen_error("mmapchurn:region=", "mmusim: --gen mmapchurn: bad value for 'region': ''");
	expect_gen_error("mmapchurn:live=0", "mmusim: --gen mmapchurn: bad value for 'live': '0'");
	expect_gen_error("mmapchurn:live=65537", "mmusim: --gen mmapchurn: bad value for 'live': '65537'");
	expect_gen_error("mmapchurn:life=0", "mmusim: --gen mmapchurn: bad value for 'life': '0'");
	expect_gen_error("mmapchurn:touch=0", "mmusim: --gen mmapchurn: bad value for 'touch': 0");
	expect_gen_error("mmapchurn:touch=1.5", "mmusim: --gen mmapchurn: bad value for 'touch': '1.5'");
	expect_gen_error("mmapchurn:region=1G,live=2000", "mmusim: --gen mmapchurn: regions reach");
	expect_gen_error("mmapchurn:rw=2", "mmusim: --gen mmapchurn: bad value for 'rw': '2'");
	expect_gen_error("mmapchurn:size=0", "mmusim: --gen mmapchurn: bad value for 'size': '0'");
	expect_gen_error("mmapchurn:base=0x1001", "mmusim: --gen mmapchurn: base 0x1001 is not aligned");
	expect_gen_error("mmapchurn:seed=x", "mmusim: --gen mmapchurn: bad value for 'seed': 'x'");
	/* heap */
	expect_gen_error("heap:grow=0", "mmusim: --gen heap: bad value for 'grow': '0'");
	expect_gen_error("heap:grow=2M,max=1M", "mmusim: --gen heap: grow 2097152 is larger than max 1048576");
	expect_gen_error("heap:grow=512K,max=1M,trim=768K", "mmusim: --gen heap: trim 786432 is larger than max - grow = 524288");
	expect_gen_error("heap:max=1M,page=2M,grow=2M", "mmusim: --gen heap: trim 2097152 is larger than max - grow = 0");
	expect_gen_error("heap:period=0", "mmusim: --gen heap: bad value for 'period': '0'");
	expect_gen_error("heap:recent=-0.5", "mmusim: --gen heap: bad value for 'recent': '-0.5'");
	expect_gen_error("heap:max=1T,base=0x7fff00000000", "mmusim: --gen heap: regions reach 0x80ff00000000, beyond 2^47");
	expect_gen_error("heap:page=3M", "mmusim: --gen heap: bad value for 'page': '3M'");
	/* shortproc */
	expect_gen_error("shortproc:life=0", "mmusim: --gen shortproc: bad value for 'life': '0'");
	expect_gen_error("shortproc:unmap=2", "mmusim: --gen shortproc: bad value for 'unmap': '2'");
	expect_gen_error("shortproc:procs=4294967296", "mmusim: --gen shortproc: bad value for 'procs'");
	expect_gen_error("shortproc:life=1,n=1e10", "mmusim: --gen shortproc: n/life needs 10000000000 processes");
	expect_gen_error("shortproc:footprint=0", "mmusim: --gen shortproc: bad value for 'footprint': '0'");
	expect_gen_error("shortproc:base=0x800000000000", "mmusim: --gen shortproc: regions reach");
	/* ctxswitch */
	expect_gen_error("ctxswitch:procs=0", "mmusim: --gen ctxswitch: bad value for 'procs': '0'");
	expect_gen_error("ctxswitch:quantum=0", "mmusim: --gen ctxswitch: bad value for 'quantum': '0'");
	expect_gen_error("ctxswitch:churn=x", "mmusim: --gen ctxswitch: bad value for 'churn': 'x'");
	expect_gen_error("ctxswitch:churn=2000000", "mmusim: --gen ctxswitch: bad value for 'churn': '2000000'");
	expect_gen_error("ctxswitch:base=0x7ffffc000000", "mmusim: --gen ctxswitch: regions reach");
	/* mixed */
	expect_gen_error("mixed:dynamic=0", "mmusim: --gen mixed: bad value for 'dynamic': 0");
	expect_gen_error("mixed:dynamic=1", "mmusim: --gen mixed: bad value for 'dynamic': 1");
	expect_gen_error("mixed:dynp=1.1", "mmusim: --gen mixed: bad value for 'dynp': '1.1'");
	expect_gen_error("mixed:chunk=0", "mmusim: --gen mixed: bad value for 'chunk': '0'");
	expect_gen_error("mixed:period=0", "mmusim: --gen mixed: bad value for 'period': '0'");
	expect_gen_error("mixed:footprint=4K", "mmusim: --gen mixed: footprint holds 1 page(s) of the page hint; mixed needs 2");
	expect_gen_error("mixed:footprint=1G,page=1G", "mmusim: --gen mixed: footprint holds 1 page(s)");
	expect_gen_error("mixed:base=0x7ffffc000000", "mmusim: --gen mixed: regions reach");
}

TEST(churn_help)
{
	const char *path = tmp_path("churn_help.txt");
	FILE *f = fopen(path, "w");
	char *s;
	static const char *const words[] = {
		"mmapchurn", "heap", "shortproc", "ctxswitch", "mixed", "region", "live", "life",
		"touch", "grow", "trim", "max", "period", "recent", "unmap", "churn", "dynamic",
		"dynp", "chunk",
	};
	REQUIRE(f);
	trace_gen_help(f);
	fclose(f);
	s = read_whole(path, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		char w[40];
		snprintf(w, sizeof w, "  %s ", words[i]);
		CHECK_STR_CONTAINS(s, w);
	}
	free(s);
}

/* ---- the streams in the simulator ---- */

static const char *native[] = { "native" };

/* Runs spec through a native MMU with the reference check; [os] strict
 * makes any access outside the MAPped regions a counted fault. */
static bool sim_gen(struct sim *s, const char *spec, const char *how)
{
	struct cfg c;
	struct trace *t;
	int r;
	cfg_default(&c);
	c.os.strict = true;
	if (strstr(how, "thp"))
		c.os.thp = THP_ALWAYS;
	if (strstr(how, "5level"))
		c.os.levels = 5;
	if (strstr(how, "nopcid"))
		c.os.pcid = false;
	if (sim_init(s, &c, native, 1, true)) {
		test_fail(__FILE__, __LINE__, "%s: sim_init", spec);
		return false;
	}
	if (trace_open_gen(&t, spec)) {
		test_fail(__FILE__, __LINE__, "%s: does not open", spec);
		sim_destroy(s);
		return false;
	}
	r = sim_run(s, t);
	trace_close(t);
	if (r) {
		test_fail(__FILE__, __LINE__, "%s (%s): sim_run %d", spec, how, r);
		sim_destroy(s);
		return false;
	}
	if (s->mmu[0].st.oracle_mismatches || s->m.os.st.segv || s->mmu[0].st.oracle_checks < s->accesses)
		test_fail(__FILE__, __LINE__, "%s (%s): %" PRIu64 " mismatches, %" PRIu64 " segv, %" PRIu64
			  " checks for %" PRIu64 " accesses", spec, how, s->mmu[0].st.oracle_mismatches,
			  s->m.os.st.segv, s->mmu[0].st.oracle_checks, s->accesses);
	return true;
}

/* Leaf pages mapped now, over every process. */
static u64 pages_now(const struct sim *s)
{
	u64 p = 0;
	for (u32 i = 0; i < s->m.os.nprocs; i++)
		for (int k = 0; k < PS_NR; k++)
			p += s->m.os.procs[i]->pages[k];
	return p;
}

/* Each process: the first touch writes PML4E, PDPTE, PDE and a PTE, the
 * three other pages one PTE each (7); the UNMAP clears 4 PTEs and, as the
 * tables empty, the PDE, PDPTE and PML4E (7). 5 processes: 70 writes. */
TEST(churn_sim_shortproc_writes)
{
	struct sim s;
	const struct os_stats *o = &s.m.os.st;
	if (!sim_gen(&s, "shortproc:procs=5,life=200,footprint=16K,n=1000,rw=0.3", ""))
		return;
	CHECK_EQ(o->ctx_switches, 5);
	CHECK_EQ(o->maps, 5);
	CHECK_EQ(o->unmaps, 5);
	CHECK_EQ(o->demand_faults, 20);
	CHECK_EQ(o->pt_writes, 70);
	CHECK_EQ(o->pt_pages_freed, 15);
	CHECK_EQ(s.m.os.nprocs, 6);
	CHECK_EQ(pages_now(&s), 0);
	sim_destroy(&s);

	/* 5 levels: one more table level each way */
	if (!sim_gen(&s, "shortproc:procs=5,life=200,footprint=16K,n=1000", "5level"))
		return;
	CHECK_EQ(s.m.os.st.pt_writes, 5 * 16);
	sim_destroy(&s);
}

/* 2 processes, quantum 100, 4 static pages and 4 churn pages in the same
 * page table, 10 turns. A first turn: 3 upper entries + 8 PTEs = 11; a
 * later turn: the UNMAP clears 4 PTEs, the touches write 4: 8. */
TEST(churn_sim_ctxswitch_writes)
{
	struct sim s;
	const struct os_stats *o = &s.m.os.st;
	if (!sim_gen(&s, "ctxswitch:procs=2,quantum=100,churn=4,footprint=16K,n=1000", ""))
		return;
	CHECK_EQ(o->ctx_switches, 10);
	CHECK_EQ(o->maps, 2 + 10);
	CHECK_EQ(o->unmaps, 8);
	CHECK_EQ(o->demand_faults, 2 * 8 + 8 * 4);
	CHECK_EQ(o->pt_writes, 2 * 11 + 8 * 8);
	CHECK_EQ(o->pt_pages_freed, 0);
	sim_destroy(&s);
}

/* Every region that lived its full life (all but the live ones at the
 * end) was touched on all 16 pages, so the UNMAPs clear 39 x 16 PTEs. */
TEST(churn_sim_mmapchurn_writes)
{
	struct sim s;
	const struct os_stats *o = &s.m.os.st;
	if (!sim_gen(&s, "mmapchurn:region=64K,live=4,life=8000,n=80000,rw=0.5", ""))
		return;
	CHECK_EQ(o->maps, 43);
	CHECK_EQ(o->unmaps, 39);
	CHECK_EQ(o->demand_faults - pages_now(&s), 39 * 16);
	CHECK(o->pt_writes > 2 * 39 * 16);
	sim_destroy(&s);
}

/* Every generator in several OS configurations: no mismatch with the
 * reference translator, no access outside a MAP, and the UNMAPs cleared
 * page-table entries: writes = faults + upper entries of the tables
 * allocated (all but the roots) + leaves cleared + upper entries of the
 * tables freed. */
TEST(churn_sim_all)
{
	static const char *const specs[] = {
		"mmapchurn:region=16K..1M,live=8,life=4000,n=60000,rw=0.3",
		"heap:grow=64K,max=1M,trim=256K,period=500,n=60000,rw=0.5",
		"shortproc:life=3000,n=60000,footprint=512K,ifrac=0.1",
		"ctxswitch:procs=4,quantum=2000,churn=16,footprint=4M,n=60000,rw=0.2",
		"mixed:footprint=16M,dynamic=0.05,dynp=0.5,period=300,n=60000",
		"mixed:footprint=64M,page=2M,dynamic=0.1,dynp=0.5,chunk=2,period=300,n=60000",
		"mmapchurn:region=2M..8M,page=2M,live=4,life=2000,n=30000",
	};
	static const char *const hows[] = { "", "thp", "5level", "nopcid" };
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		for (size_t h = 0; h < ARRAY_SIZE(hows); h++) {
			struct sim s;
			const struct os_stats *o = &s.m.os.st;
			struct ev *v;
			size_t n;
			struct counts c;
			u64 cleared;
			if (!sim_gen(&s, specs[i], hows[h]))
				continue;
			REQUIRE(load_gen(specs[i], &v, &n, NULL) == 0);
			c = count_events(v, n);
			free(v);
			CHECK_EQ(o->maps, c.map);
			CHECK_EQ(o->unmaps, c.unmap);
			CHECK(o->ctx_switches <= c.ctx);
			CHECK_EQ(s.accesses, c.acc);
			CHECK_EQ(o->huge_splits, 0);
			cleared = o->demand_faults - pages_now(&s);
			if (cleared == 0)
				test_fail(__FILE__, __LINE__, "%s (%s): no leaf cleared", specs[i], hows[h]);
			CHECK_EQ(o->pt_writes, o->demand_faults + (o->pt_pages_alloc - s.m.os.nprocs) +
				 cleared + o->pt_pages_freed);
			sim_destroy(&s);
		}
}

/*
 * test_gen.c - synthetic generators (workloads/gen*.c).
 * Expected counts come from the definitions in docs/trace-format.md and
 * from closed forms (binomial spreads, Zipf normalisers), not from runs.
 */
#include "trace_util.h"

#include <math.h>

#define BASE 0x7f0000000000ull

static size_t count_kind(const struct ev *v, size_t n, int kind)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += v[i].kind == kind;
	return c;
}

static bool same_stream(const char *a, const char *b)
{
	struct ev *x, *y;
	size_t n, m;
	bool same;
	if (load_gen(a, &x, &n, NULL) || load_gen(b, &y, &m, NULL))
		return false;
	same = n == m && !memcmp(x, y, n * sizeof *x);
	free(x);
	free(y);
	return same;
}

static const char *const all_specs[] = {
	"seq", "stride", "uniform", "zipf", "chase", "hotcold", "multiproc",
	"multiproc:of=zipf", "multiproc:of=chase,grain=4K", "multiproc:of=hotcold,hot=0.2",
};

TEST(gen_deterministic)
{
	char a[200], b[200];
	for (size_t i = 0; i < ARRAY_SIZE(all_specs); i++) {
		const char *sep = strchr(all_specs[i], ':') ? "," : ":";
		snprintf(a, sizeof a, "%s%sn=5000,rw=0.4,seed=7,quantum=300", all_specs[i], sep);
		snprintf(b, sizeof b, "%s%sn=5000,rw=0.4,seed=7,quantum=300", all_specs[i], sep);
		if (!same_stream(a, b))
			test_fail(__FILE__, __LINE__, "%s: same seed, different streams", a);
		snprintf(b, sizeof b, "%s%sn=5000,rw=0.4,seed=8,quantum=300", all_specs[i], sep);
		if (same_stream(a, b))
			test_fail(__FILE__, __LINE__, "%s: seeds 7 and 8 give the same stream", a);
	}
}

/* The stream must not depend on how the reader batches it. */
TEST(gen_batch_independent)
{
	const char *spec = "multiproc:of=zipf,procs=3,quantum=37,n=4000,rw=0.5,ifrac=0.1";
	struct trace *t;
	struct ev *a, *b;
	size_t n, m;
	REQUIRE(trace_open_gen(&t, spec) == 0);
	read_all(t, 1, &a, &n);
	trace_close(t);
	REQUIRE(trace_open_gen(&t, spec) == 0);
	read_all(t, 777, &b, &m);
	trace_close(t);
	CHECK_EQ(n, m);
	CHECK(n == m && !memcmp(a, b, n * sizeof *a));
	free(a);
	free(b);
	/* trace_open with FMT_GEN takes a spec too */
	REQUIRE(trace_open(&t, spec, FMT_GEN) == 0);
	CHECK_EQ(trace_format(t), FMT_GEN);
	CHECK(!strcmp(trace_name(t), spec));
	read_all(t, 4096, &b, &m);
	CHECK_EQ(m, n);
	free(b);
	trace_close(t);
}

/* Every access lies inside [base, base + footprint), size-aligned from
 * base; the first event is the region's MAP. */
static void check_region(const char *spec, u64 base, u64 footprint, u32 size, u64 maplen,
			 u8 prot, u8 psize, u64 n_acc)
{
	struct ev *v;
	size_t n, accs = 0, maps = 0;
	if (load_gen(spec, &v, &n, NULL)) {
		test_fail(__FILE__, __LINE__, "%s: does not open", spec);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ev *e = &v[i];
		if (e->kind == EV_MAP) {
			maps++;
			if (e->va != base || e->len != maplen || e->prot != prot || e->psize != psize)
				test_fail(__FILE__, __LINE__, "%s: MAP %" PRIx64 " %" PRIx64 " prot %u ps %u",
					  spec, e->va, e->len, e->prot, e->psize);
			continue;
		}
		if (!ev_is_access(e))
			continue;
		accs++;
		if (e->va < base || e->va + e->size > base + footprint || e->size != size ||
		    (e->va - base) % size) {
			test_fail(__FILE__, __LINE__, "%s: access %zu at 0x%" PRIx64 " size %u outside",
				  spec, i, e->va, e->size);
			break;
		}
	}
	CHECK(n > 0 && (v[0].kind == EV_MAP || v[0].kind == EV_CTX));
	CHECK(maps >= 1);
	CHECK_EQ(accs, n_acc);
	free(v);
}

TEST(gen_footprint)
{
	char spec[200];
	static const char *const names[] = { "seq", "stride", "uniform", "zipf", "chase", "hotcold", "multiproc" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		/* footprint 3M with 2M pages: MAP length rounds up to 4M */
		snprintf(spec, sizeof spec, "%s:n=20000,footprint=3M,page=2M,seed=%zu%s", names[i], i,
			 strcmp(names[i], "stride") ? "" : ",stride=4104");
		check_region(spec, BASE, 3 << 20, 8, 4 << 20, PERM_R | PERM_W, PS_2M, 20000);
		/* odd footprint, 64-byte accesses, explicit base, instruction fetches */
		snprintf(spec, sizeof spec, "%s:n=5000,footprint=20480,size=64,base=0x1000,ifrac=0.5", names[i]);
		check_region(spec, 0x1000, 20480, 64, 20480, PERM_R | PERM_W | PERM_X, PSZ_ANY, 5000);
		/* a region ending right at 2^57 with 1G pages */
		snprintf(spec, sizeof spec, "%s:n=3000,footprint=1G,page=1G,base=0x1ffffffc0000000", names[i]);
		check_region(spec, 0x1ffffffc0000000, 1 << 30, 8, 1 << 30, PERM_R | PERM_W, PS_1G, 3000);
	}
	/* size that does not divide the footprint: the last partial slot is unused */
	check_region("seq:n=100,footprint=100,size=8", BASE, 96, 8, 4096, PERM_R | PERM_W, PSZ_ANY, 100);
	/* a footprint of 1 TiB costs nothing to set up */
	check_region("zipf:n=2000,footprint=1T", BASE, 1ull << 40, 8, 1ull << 40, PERM_R | PERM_W, PSZ_ANY, 2000);
	check_region("chase:n=2000,footprint=1T", BASE, 1ull << 40, 8, 1ull << 40, PERM_R | PERM_W, PSZ_ANY, 2000);
}

TEST(gen_seq_exact)
{
	struct ev *v;
	size_t n;
	/* 64-byte footprint of 8-byte slots: offsets 0, 8, ..., 56, 0, ... */
	REQUIRE(load_gen("seq:n=20,footprint=64,base=0x10000", &v, &n, NULL) == 0);
	REQUIRE_EQ(n, 21);
	CHECK_EQ(v[0].kind, EV_MAP);
	CHECK_EQ(v[0].len, 4096);
	for (size_t i = 1; i < n; i++) {
		CHECK_EQ(v[i].kind, EV_R);
		CHECK_EQ(v[i].va, 0x10000 + (i - 1) % 8 * 8);
	}
	free(v);
}

TEST(gen_stride_exact)
{
	struct ev *v;
	size_t n;
	/* span 64, stride 24, size 16: offset (24k mod 64) rounded down to 16 */
	REQUIRE(load_gen("stride:n=16,footprint=64,stride=24,size=16,base=0", &v, &n, NULL) == 0);
	REQUIRE_EQ(n, 17);
	for (size_t k = 0; k < 16; k++)
		CHECK_EQ(v[k + 1].va, (24 * k % 64) / 16 * 16);
	free(v);
	/* page stride over 16K: pages 0,1,2,3,0,... */
	REQUIRE(load_gen("stride:n=9,footprint=16K,stride=4K", &v, &n, NULL) == 0);
	REQUIRE_EQ(n, 10);
	for (size_t k = 0; k < 9; k++)
		CHECK_EQ(v[k + 1].va, BASE + k % 4 * 4096);
	free(v);
}

/* Kinds: with ifrac = f and rw = w, P(I) = f and P(W) = (1 - f) w. The
 * tolerances are over 6 binomial standard deviations. */
TEST(gen_kind_fractions)
{
	struct ev *v;
	size_t n, acc;
	double sd;
	REQUIRE(load_gen("uniform:n=100000,rw=0.3", &v, &n, NULL) == 0);
	acc = n - 1;
	sd = sqrt(0.3 * 0.7 / 1e5);
	CHECK_NEAR((double)count_kind(v, n, EV_W) / (double)acc, 0.3, 6 * sd);
	CHECK_EQ(count_kind(v, n, EV_I), 0);
	CHECK_EQ(count_kind(v, n, EV_M), 0);
	free(v);

	REQUIRE(load_gen("zipf:n=100000,rw=0.5,ifrac=0.2", &v, &n, NULL) == 0);
	acc = n - 1;
	CHECK_EQ(v[0].prot, PERM_R | PERM_W | PERM_X);
	CHECK_NEAR((double)count_kind(v, n, EV_I) / (double)acc, 0.2, 6 * sqrt(0.2 * 0.8 / 1e5));
	CHECK_NEAR((double)count_kind(v, n, EV_W) / (double)acc, 0.4, 6 * sqrt(0.4 * 0.6 / 1e5));
	free(v);

	REQUIRE(load_gen("seq:n=1000,rw=1", &v, &n, NULL) == 0);
	CHECK_EQ(count_kind(v, n, EV_W), 1000);
	free(v);
	REQUIRE(load_gen("seq:n=1000,ifrac=1,rw=1", &v, &n, NULL) == 0);
	CHECK_EQ(count_kind(v, n, EV_I), 1000);
	free(v);
}

/* The addresses for a seed do not depend on rw or ifrac. */
TEST(gen_kinds_do_not_move_addresses)
{
	struct ev *a, *b;
	size_t n, m;
	REQUIRE(load_gen("zipf:n=3000,seed=4", &a, &n, NULL) == 0);
	REQUIRE(load_gen("zipf:n=3000,seed=4,rw=0.7,ifrac=0.1", &b, &m, NULL) == 0);
	REQUIRE_EQ(n, m);
	for (size_t i = 0; i < n; i++)
		if (a[i].va != b[i].va) {
			test_fail(__FILE__, __LINE__, "event %zu moved", i);
			break;
		}
	free(a);
	free(b);
}

static int cmp_desc(const void *x, const void *y)
{
	u64 a = *(const u64 *)x, b = *(const u64 *)y;
	return a < b ? 1 : a > b ? -1 : 0;
}

/* Counts accesses per unit of `grain` bytes from base; returns the array. */
static u64 *unit_counts(const struct ev *v, size_t n, u64 grain, u64 units)
{
	u64 *c = calloc(units, sizeof *c);
	for (size_t i = 0; i < n; i++)
		if (ev_is_access(&v[i]))
			c[(v[i].va - BASE) / grain]++;
	return c;
}

/* Zipf over N pages: P(rank k) = k^-a / sum_j j^-a. Sorting the page counts
 * gives the ranks; rank 1 / rank 2 ~ 2^a, and rank 1's share ~ 1 / H. */
static void zipf_check(double alpha, u64 n_acc)
{
	const u64 pages = 1024;
	char spec[160];
	struct ev *v;
	size_t n;
	u64 *c;
	double h = 0, p1, p2, ratio, sd1, sd2;
	snprintf(spec, sizeof spec, "zipf:n=%" PRIu64 ",footprint=4M,alpha=%g,seed=11", n_acc, alpha);
	REQUIRE(load_gen(spec, &v, &n, NULL) == 0);
	c = unit_counts(v, n, 4096, pages);
	/* the most popular page is not simply page 0: ranks are scattered */
	{
		u64 best = 0;
		for (u64 i = 1; i < pages; i++)
			if (c[i] > c[best])
				best = i;
		CHECK(best != 0);
	}
	qsort(c, pages, sizeof *c, cmp_desc);
	for (u64 k = 1; k <= pages; k++)
		h += pow((double)k, -alpha);
	p1 = 1 / h;
	p2 = pow(2, -alpha) / h;
	sd1 = sqrt(p1 * (1 - p1) / (double)n_acc);
	sd2 = sqrt(p2 * (1 - p2) / (double)n_acc);
	CHECK_NEAR((double)c[0] / (double)n_acc, p1, 5 * sd1);
	CHECK_NEAR((double)c[1] / (double)n_acc, p2, 5 * sd2);
	/* the ten most popular pages together: sum of the first ten terms */
	{
		double p10 = 0, got = 0;
		for (int k = 1; k <= 10; k++) {
			p10 += pow(k, -alpha) / h;
			got += (double)c[k - 1];
		}
		CHECK_NEAR(got / (double)n_acc, p10, 5 * sqrt(p10 * (1 - p10) / (double)n_acc) + 0.002);
	}
	ratio = (double)c[0] / (double)c[1];
	/* delta method: relative spread of the ratio ~ sqrt(sd1²/p1² + sd2²/p2²) */
	CHECK_NEAR(ratio, pow(2, alpha), 5 * pow(2, alpha) * sqrt(sd1 * sd1 / (p1 * p1) + sd2 * sd2 / (p2 * p2)));
	free(c);
	free(v);
}

TEST(gen_zipf_alpha_099) { zipf_check(0.99, 200000); }
TEST(gen_zipf_alpha_1) { zipf_check(1.0, 200000); }
TEST(gen_zipf_alpha_15) { zipf_check(1.5, 100000); }
TEST(gen_zipf_alpha_05) { zipf_check(0.5, 400000); }

/* alpha = 0 is uniform over the pages: every page count ~ n/N. */
TEST(gen_zipf_alpha_0)
{
	struct ev *v;
	size_t n;
	u64 *c, lo = UINT64_MAX, hi = 0;
	REQUIRE(load_gen("zipf:n=64000,footprint=256K,alpha=0", &v, &n, NULL) == 0);
	c = unit_counts(v, n, 4096, 64);
	for (int i = 0; i < 64; i++) {
		lo = MIN(lo, c[i]);
		hi = MAX(hi, c[i]);
	}
	/* mean 1000, sd ~ 31: 6 sd */
	CHECK(lo > 1000 - 190 && hi < 1000 + 190);
	free(c);
	free(v);
}

TEST(gen_chase_cycle)
{
	static const struct { const char *spec; u64 grain, units; } cases[] = {
		{ "chase:n=3072,footprint=64K,seed=2", 64, 1024 },
		{ "chase:n=300,footprint=400K,grain=4K,seed=9", 4096, 100 },
		{ "chase:n=21,footprint=7K,grain=1K,size=16", 1024, 7 },
	};
	for (size_t ci = 0; ci < ARRAY_SIZE(cases); ci++) {
		struct ev *v;
		size_t n, adjacent = 0;
		u64 units = cases[ci].units, g = cases[ci].grain;
		u8 *seen = calloc(units, 1);
		REQUIRE(load_gen(cases[ci].spec, &v, &n, NULL) == 0);
		REQUIRE_EQ(n, 1 + 3 * units);
		for (u64 i = 0; i < units; i++) {
			u64 off = v[1 + i].va - BASE;
			CHECK_EQ(off % g, 0);
			if (off / g < units)
				seen[off / g]++;
			if (i && off == v[i].va - BASE + g)
				adjacent++;
			/* later cycles repeat the first exactly */
			CHECK_EQ(v[1 + units + i].va, v[1 + i].va);
			CHECK_EQ(v[1 + 2 * units + i].va, v[1 + i].va);
		}
		for (u64 u = 0; u < units; u++)
			if (seen[u] != 1) {
				test_fail(__FILE__, __LINE__, "%s: unit %" PRIu64 " visited %u times",
					  cases[ci].spec, u, seen[u]);
				break;
			}
		/* a random order, not a sweep */
		if (units >= 100)
			CHECK(adjacent < units / 10);
		free(seen);
		free(v);
	}
}

TEST(gen_hotcold_share)
{
	/* 1024 pages, hot = 0.1: round(102.4) = 102 hot pages taking hotp = 0.9.
	 * A hot page expects 0.9 n / 102 ~ 1765 accesses, a cold one
	 * 0.1 n / 922 ~ 22: a threshold of 300 separates them. */
	const u64 pages = 1024, n_acc = 200000;
	struct ev *v;
	size_t n;
	u64 *c, hot_pages = 0, hot_acc = 0;
	REQUIRE(load_gen("hotcold:n=200000,footprint=4M,hot=0.1,hotp=0.9,seed=3", &v, &n, NULL) == 0);
	c = unit_counts(v, n, 4096, pages);
	for (u64 i = 0; i < pages; i++)
		if (c[i] > 300) {
			hot_pages++;
			hot_acc += c[i];
		}
	CHECK_EQ(hot_pages, 102);
	CHECK_NEAR((double)hot_acc / (double)n_acc, 0.9, 6 * sqrt(0.9 * 0.1 / (double)n_acc));
	free(c);
	free(v);
}

TEST(gen_multiproc_quantum)
{
	/* 3 processes, quantum 100, 1050 accesses: CTX 1 MAP 100, CTX 2 MAP 100,
	 * CTX 3 MAP 100, CTX 1 100, ... 11 switches, the last with 50. */
	struct ev *v;
	size_t n, run = 0, ctx = 0, maps = 0, accs = 0;
	u32 pid = 0;
	REQUIRE(load_gen("multiproc:procs=3,quantum=100,n=1050,of=seq,footprint=64K", &v, &n, NULL) == 0);
	CHECK_EQ(n, 1050 + 11 + 3);
	CHECK_EQ(v[0].kind, EV_CTX);
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == EV_CTX) {
			if (ctx)
				CHECK_EQ(run, 100);
			CHECK_EQ(v[i].size, ctx % 3 + 1);
			pid = v[i].size;
			ctx++;
			run = 0;
		} else if (v[i].kind == EV_MAP) {
			maps++;
			CHECK(ctx <= 3);           /* each process maps once, on its first turn */
			CHECK_EQ(v[i - 1].kind, EV_CTX);
		} else {
			/* of=seq: process p's k-th access is slot k, whatever the interleaving */
			u64 k = (ctx - 1) / 3 * 100 + run;
			CHECK_EQ(v[i].va, BASE + k * 8);
			run++;
			accs++;
		}
	}
	CHECK_EQ(ctx, 11);
	CHECK_EQ(maps, 3);
	CHECK_EQ(accs, 1050);
	CHECK_EQ(run, 50);
	CHECK_EQ(pid, 2);
	free(v);

	/* procs = 1: no CTX at all */
	REQUIRE(load_gen("multiproc:procs=1,n=500,quantum=10", &v, &n, NULL) == 0);
	CHECK_EQ(count_kind(v, n, EV_CTX), 0);
	CHECK_EQ(n, 501);
	free(v);
	/* other generators take procs too */
	REQUIRE(load_gen("zipf:procs=2,quantum=10,n=100", &v, &n, NULL) == 0);
	CHECK_EQ(count_kind(v, n, EV_CTX), 10);
	free(v);
}

/* Processes have their own permutation: their hot pages differ. */
TEST(gen_multiproc_independent)
{
	struct ev *v;
	size_t n;
	u64 best[2] = { 0, 0 }, *c[2];
	u32 cur = 0;
	REQUIRE(load_gen("multiproc:of=zipf,procs=2,quantum=1000,n=100000,footprint=4M,alpha=1.2", &v, &n, NULL) == 0);
	c[0] = calloc(1024, sizeof(u64));
	c[1] = calloc(1024, sizeof(u64));
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == EV_CTX)
			cur = v[i].size - 1;
		else if (ev_is_access(&v[i]))
			c[cur][(v[i].va - BASE) / 4096]++;
	}
	for (int p = 0; p < 2; p++)
		for (u64 i = 1; i < 1024; i++)
			if (c[p][i] > c[p][best[p]])
				best[p] = i;
	CHECK(best[0] != best[1]);
	free(c[0]);
	free(c[1]);
	free(v);
}

TEST(gen_n_zero)
{
	struct ev *v;
	size_t n;
	CHECK_EQ(load_gen("uniform:n=0", &v, &n, NULL), 0);
	CHECK_EQ(n, 0);
	free(v);
	CHECK_EQ(load_gen("uniform:n=1e3", &v, &n, NULL), 0);
	CHECK_EQ(n, 1001);
	free(v);
	/* the whole u64 range of seeds */
	CHECK_EQ(load_gen("uniform:n=10,seed=18446744073709551615", &v, &n, NULL), 0);
	CHECK_EQ(n, 11);
	free(v);
}


TEST(gen_errors)
{
	expect_gen_error("nosuch", "mmusim: --gen: unknown generator 'nosuch'");
	expect_gen_error("zipf:foo=1", "mmusim: --gen zipf: unknown key 'foo'");
	expect_gen_error("seq:stride=4K", "mmusim: --gen seq: unknown key 'stride'");
	expect_gen_error("uniform:alpha=1", "mmusim: --gen uniform: unknown key 'alpha'");
	expect_gen_error("multiproc:of=seq,alpha=1", "mmusim: --gen multiproc: unknown key 'alpha'");
	expect_gen_error("zipf:alpha=abc", "mmusim: --gen zipf: bad value for 'alpha': 'abc'");
	expect_gen_error("zipf:alpha=-1", "mmusim: --gen zipf: bad value for 'alpha': '-1'");
	expect_gen_error("zipf:alpha=11", "mmusim: --gen zipf: bad value for 'alpha': '11'");
	expect_gen_error("seq:rw=1.5", "mmusim: --gen seq: bad value for 'rw': '1.5'");
	expect_gen_error("seq:ifrac=nan", "mmusim: --gen seq: bad value for 'ifrac': 'nan'");
	expect_gen_error("seq:size=0", "mmusim: --gen seq: bad value for 'size': '0'");
	expect_gen_error("seq:size=4097", "mmusim: --gen seq: bad value for 'size': '4097'");
	expect_gen_error("seq:n=-5", "mmusim: --gen seq: bad value for 'n': '-5'");
	expect_gen_error("seq:n=1.5", "mmusim: --gen seq: bad value for 'n': '1.5'");
	expect_gen_error("seq:seed=18446744073709551616", "mmusim: --gen seq: bad value for 'seed'");
	expect_gen_error("seq:n=", "mmusim: --gen seq: bad value for 'n': ''");
	expect_gen_error("seq:footprint=12Q", "mmusim: --gen seq: bad value for 'footprint': '12Q'");
	expect_gen_error("seq:footprint=0", "mmusim: --gen seq: bad value for 'footprint': '0'");
	expect_gen_error("seq:page=3M", "mmusim: --gen seq: bad value for 'page': '3M'");
	expect_gen_error("seq:procs=0", "mmusim: --gen seq: bad value for 'procs': '0'");
	expect_gen_error("seq:quantum=0", "mmusim: --gen seq: bad value for 'quantum': '0'");
	expect_gen_error("seq:footprint=4,size=8", "mmusim: --gen seq: footprint 4 is smaller than size 8");
	expect_gen_error("seq:base=0x1001", "mmusim: --gen seq: base 0x1001 is not aligned to the 4K page hint");
	expect_gen_error("seq:base=0x1000,page=2M", "mmusim: --gen seq: base 0x1000 is not aligned to the 2M page hint");
	expect_gen_error("seq:base=0x1fffffffffff000,footprint=8K", "mmusim: --gen seq: base+footprint beyond 57 bits");
	expect_gen_error("seq:n=5,n=6", "mmusim: --gen seq: key 'n' given twice");
	expect_gen_error("zipf:alpha", "mmusim: --gen zipf: bad setting 'alpha' (expected key=value)");
	expect_gen_error("zipf:=3", "mmusim: --gen zipf: bad setting '=3'");
	expect_gen_error("zipf:n=5,", "mmusim: --gen zipf: empty setting after ','");
	expect_gen_error("multiproc:of=nosuch", "mmusim: --gen multiproc: bad value for 'of': 'nosuch'");
	expect_gen_error("multiproc:of=multiproc", "mmusim: --gen multiproc: bad value for 'of': 'multiproc'");
	expect_gen_error("hotcold:hot=1", "mmusim: --gen hotcold: bad value for 'hot': 1");
	expect_gen_error("hotcold:hot=0", "mmusim: --gen hotcold: bad value for 'hot': 0");
	expect_gen_error("hotcold:footprint=4K", "mmusim: --gen hotcold: footprint holds 1 unit(s)");
	expect_gen_error("chase:grain=100", "mmusim: --gen chase: grain 100 is not a multiple of size 8");
	expect_gen_error("zipf:grain=128M", "mmusim: --gen zipf: footprint 67108864 is smaller than grain 134217728");
	expect_gen_error("stride:stride=0", "mmusim: --gen stride: bad value for 'stride': '0'");
}

TEST(gen_help)
{
	const char *path = tmp_path("help.txt");
	FILE *f = fopen(path, "w");
	char *s;
	static const char *const words[] = {
		"seq", "stride", "uniform", "zipf", "chase", "hotcold", "multiproc",
		"footprint", "seed", "rw", "ifrac", "page", "base", "size", "alpha",
		"hot", "hotp", "procs", "quantum", "grain", "of",
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

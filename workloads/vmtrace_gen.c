/*
 * vmtrace_gen.c - synthetic VM lifetime traces.
 *
 * Model notes
 *   `azure`: VM arrivals and lifetimes whose sizes and lifetimes follow
 *   the published characterization of Azure's VM workload (Cortez et al.,
 *   "Resource Central", SOSP 2017) and the public trace derived from it
 *   (AzurePublicDataset V1, 2017). docs/placement.md lists every figure
 *   with its status; in short:
 *   - Verified (the dataset's README, AzurePublicDatasetV1.md): 30 days,
 *     2,013,767 VMs, 104,371,713 VM hours, 237,815,104 core hours. Hence
 *     a VM lasts 51.8 hours on average inside the 30-day window (VM hours
 *     per VM, lifetimes cut at the window's ends and counted as at least 5
 *     minutes, as the dataset's notebook computes them) and the mean core
 *     count, weighted by hours, is 2.28. The dataset's timestamps are
 *     multiples of 300 s, a VM alive when the window opens has vmcreated 0
 *     and one alive when it closes has vmdeleted 2591700 (30 days - 300 s).
 *   - Shapes from Resource Central (its figures of cores, memory and
 *     lifetime; the exact shares could not be verified and are
 *     assumptions): most VMs have 1 or 2 cores; memory sizes are those of
 *     Azure's VM sizes, 0.75, 1.75, 3.5 GB and multiples; most VMs are
 *     short-lived while a minority runs for days to months.
 *   - Assumed, calibrated to the verified figures: cores 1/2/4/8/16/32
 *     with shares 52/29/12/5.7/1.1/0.2 % (mean 2.276, target 2.28);
 *     memory per core 0.75 (1-core VMs only), 1.75, 3.5 or 7 GiB (Azure's
 *     A0, A-series, D-series and memory-optimized ratios) with shares
 *     15/50/30/5 % for 1-core VMs and -/45/40/15 % for larger ones; the
 *     lifetime is log-uniform inside one of four ranges chosen with
 *     probability 45 % [5 min, 1 h), 41 % [1 h, 1 day), 12.7 % [1 day,
 *     30 days), 1.3 % [30 days, 180 days), which gives 51.3-51.4 h per VM
 *     inside the window (target 51.8 h) and 7.1 % of VMs alive when it
 *     opens (the dataset's 145k VMs alive on average are 7.2 % of its VMs).
 *   Arrivals: a stationary Poisson process (uniform in time) started long
 *   before the window, so the window opens on a running datacenter: each
 *   VM is, with probability span / (span + E[L]), a VM created inside the
 *   window at a uniform time, else one created before it (created = 0)
 *   whose remaining lifetime is drawn as the age u ~ U[0, 180 days) and a
 *   lifetime L > u by rejection (this is exact for a stationary process:
 *   P(age = u) is proportional to P(L > u)). Sizes are independent of
 *   lifetimes and of each other VM. Times are rounded down to `round`
 *   seconds and cut at the last sample of the window.
 *   Not modelled: diurnal and weekly arrival patterns, deployments (VMs
 *   arriving together), correlation of size and lifetime, subscription
 *   behaviour, VM categories, CPU utilization.
 *
 *   `fixed`: n identical VMs, one every `gap` seconds from `start`, each
 *   living `lifetime` seconds: closed forms for tests.
 *
 *   Determinism: every draw comes from rng_next (mmu/util/types.h) seeded with
 *   `seed`; the VMs are sorted by creation time (ties in draw order).
 */
#include "vmtrace_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0
#define HOUR 3600.0

enum gk { GK_COUNT, GK_REAL, GK_SIZE };

struct gkey {
	const char *name;
	enum gk type;
	const char *def;
	double lo, hi;
	const char *help;
};

struct gdef {
	const char *name;
	const char *help;
	const struct gkey *keys;
	int (*make)(struct vmtrace *t, const double *v);
};

#define GKEYS_MAX 8

static const char *cur_gen;

__attribute__((format(printf, 1, 2)))
static int gen_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mmusim: --gen %s: ", cur_gen);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

/* ---- azure ---- */

struct share {
	double p;
	double v;
};

static const struct share az_cores[] = {
	{ 0.52, 1 }, { 0.29, 2 }, { 0.12, 4 }, { 0.057, 8 }, { 0.011, 16 }, { 0.002, 32 },
};
static const struct share az_mem1[] = {       /* GiB per core, 1-core VMs */
	{ 0.15, 0.75 }, { 0.50, 1.75 }, { 0.30, 3.5 }, { 0.05, 7 },
};
static const struct share az_memn[] = {       /* GiB per core, larger VMs */
	{ 0.45, 1.75 }, { 0.40, 3.5 }, { 0.15, 7 },
};
struct life_range {
	double p, lo, hi;     /* seconds, log-uniform in [lo, hi) */
};
static const struct life_range az_life[] = {
	{ 0.45, 300, HOUR }, { 0.41, HOUR, DAY }, { 0.127, DAY, 30 * DAY }, { 0.013, 30 * DAY, 180 * DAY },
};
#define AZ_AGE_MAX (180 * DAY)

static double pick(const struct share *s, size_t n, u64 *rng)
{
	double u = rng_unit(rng), acc = 0;
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		acc += s[i].p;
		if (u < acc)
			return s[i].v;
	}
	return s[n - 1].v;
}

static double draw_life(u64 *rng)
{
	double u = rng_unit(rng), acc = 0;
	size_t i, n = ARRAY_SIZE(az_life);

	for (i = 0; i + 1 < n; i++) {
		acc += az_life[i].p;
		if (u < acc)
			break;
	}
	return az_life[i].lo * exp(rng_unit(rng) * log(az_life[i].hi / az_life[i].lo));
}

/* E[L]: the mean of a log-uniform variable on [lo, hi) is (hi - lo) / ln(hi / lo). */
static double mean_life(void)
{
	double m = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(az_life); i++)
		m += az_life[i].p * (az_life[i].hi - az_life[i].lo) / log(az_life[i].hi / az_life[i].lo);
	return m;
}

struct gvm {
	u64 created, deleted, mem, ord;
	u32 vcpus;
};

static int gvm_cmp(const void *a, const void *b)
{
	const struct gvm *x = a, *y = b;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return (x->ord > y->ord) - (x->ord < y->ord);
}

static int make_azure(struct vmtrace *t, const double *v)
{
	u64 n = (u64)v[0], seed = (u64)v[1], round = (u64)v[3];
	double span = v[2] * DAY, p0 = span / (span + mean_life());
	u64 rng = rng_seed(seed), last, i;
	struct gvm *g;

	last = (u64)(span / (double)round);
	if (last < 1)
		return gen_error("days (%g) shorter than round (%llu s)", v[2], (unsigned long long)round);
	last = (last - 1) * round;
	g = malloc(n * sizeof *g);
	if (!g)
		return gen_error("out of memory");
	for (i = 0; i < n; i++) {
		double created, life, cores, ratio;
		if (rng_unit(&rng) < p0) {
			created = rng_unit(&rng) * span;
			life = draw_life(&rng);
		} else {
			double age;
			do {
				age = rng_unit(&rng) * AZ_AGE_MAX;
				life = draw_life(&rng);
			} while (life <= age);
			created = 0;
			life -= age;
		}
		cores = pick(az_cores, ARRAY_SIZE(az_cores), &rng);
		ratio = cores == 1 ? pick(az_mem1, ARRAY_SIZE(az_mem1), &rng)
				   : pick(az_memn, ARRAY_SIZE(az_memn), &rng);
		g[i].created = MIN((u64)(created / (double)round) * round, last);
		g[i].deleted = MIN((u64)((created + life) / (double)round) * round, last);
		g[i].deleted = MAX(g[i].deleted, g[i].created);
		g[i].vcpus = (u32)cores;
		g[i].mem = (u64)(cores * ratio * 4) << 28;   /* ratio is a multiple of 0.25 GiB */
		g[i].ord = i;
	}
	qsort(g, n, sizeof *g, gvm_cmp);
	for (i = 0; i < n; i++) {
		if (vmtrace_add(t, NULL, 0, g[i].created, g[i].deleted, g[i].vcpus, g[i].mem)) {
			free(g);
			return gen_error("out of memory");
		}
	}
	free(g);
	return 0;
}

/* ---- fixed ---- */

static int make_fixed(struct vmtrace *t, const double *v)
{
	u64 n = (u64)v[0], vcpus = (u64)v[1], mem = (u64)v[2], life = (u64)v[3];
	u64 gap = (u64)v[4], start = (u64)v[5], i;

	if (n && start + (n - 1) * gap + life >= VMTRACE_TIME_MAX)
		return gen_error("the last VM ends after 2^53 seconds");
	for (i = 0; i < n; i++)
		if (vmtrace_add(t, NULL, 0, start + i * gap, start + i * gap + life, (u32)vcpus, mem))
			return gen_error("out of memory");
	return 0;
}

static const struct gkey az_keys[] = {
	{ "n", GK_COUNT, "100000", 1, 1e8, "number of VMs" },
	{ "seed", GK_COUNT, "1", 0, 1.8e19, "seed of every random choice" },
	{ "days", GK_REAL, "30", 0.01, 3650, "length of the trace window in days" },
	{ "round", GK_COUNT, "300", 1, 86400, "timestamps are multiples of this many seconds" },
	{ NULL },
};

static const struct gkey fixed_keys[] = {
	{ "n", GK_COUNT, "100", 1, 1e8, "number of VMs" },
	{ "vcpus", GK_COUNT, "1", 1, 1048576, "vCPUs of each VM" },
	{ "memory", GK_SIZE, "1G", 1, 0x1p50, "memory of each VM (bytes, K/M/G/T suffix)" },
	{ "lifetime", GK_COUNT, "3600", 0, 0x1p52, "seconds each VM lives" },
	{ "gap", GK_COUNT, "60", 0, 0x1p52, "seconds between two arrivals" },
	{ "start", GK_COUNT, "0", 0, 0x1p52, "creation time of the first VM" },
	{ NULL },
};

static const struct gdef gens[] = {
	{ "azure", "Azure-like arrivals, sizes and lifetimes (Resource Central, AzurePublicDataset V1)",
	  az_keys, make_azure },
	{ "fixed", "n identical VMs, one every `gap` seconds, each living `lifetime` seconds",
	  fixed_keys, make_fixed },
};

/* Parses a count "1000000" or "1e6", a real, or a size. */
static int parse_val(const struct gkey *k, const char *s, size_t n, double *out)
{
	struct vt_field f = { s, n };
	u64 u;

	if (!n)
		return -EINVAL;
	if (k->type == GK_SIZE) {
		if (vt_amount(f, 1, true, &u))
			return -EINVAL;
		*out = (double)u;
		return 0;
	}
	if (k->type == GK_COUNT) {
		const char *e = memchr(s, 'e', n);
		u64 ex = 0;
		struct vt_field m = { s, e ? (size_t)(e - s) : n };
		if (vt_uint(m, &u))
			return -EINVAL;
		if (e) {
			struct vt_field x = { e + 1, n - m.n - 1 };
			if (vt_uint(x, &ex) || ex > 19)
				return -EINVAL;
		}
		*out = (double)u * pow(10, (double)ex);
		return 0;
	} else {
		char tmp[48], *end;
		if (n >= sizeof tmp)
			return -EINVAL;
		memcpy(tmp, s, n);
		tmp[n] = 0;
		*out = strtod(tmp, &end);
		return *end || !isfinite(*out) || !strchr("0123456789.", tmp[0]) ? -EINVAL : 0;
	}
}

int vmtrace_gen(struct vmtrace *t, const char *spec)
{
	const char *colon = strchr(spec, ':'), *s;
	size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
	const struct gdef *g = NULL;
	double val[GKEYS_MAX];
	bool given[GKEYS_MAX] = { false };
	char name[32];
	size_t i, nk;
	int r;

	memset(t, 0, sizeof *t);
	t->fmt = VMF_GEN;
	snprintf(t->name, sizeof t->name, "%s", spec);
	snprintf(name, sizeof name, "%.*s", (int)MIN(nl, sizeof name - 1), spec);
	cur_gen = name;
	for (i = 0; i < ARRAY_SIZE(gens); i++)
		if (strlen(gens[i].name) == nl && !strncmp(gens[i].name, spec, nl))
			g = &gens[i];
	if (!g) {
		fprintf(stderr, "mmusim: --gen: unknown VM trace generator '%s' (generators:", name);
		for (i = 0; i < ARRAY_SIZE(gens); i++)
			fprintf(stderr, " %s", gens[i].name);
		fprintf(stderr, ")\n");
		return -EINVAL;
	}
	for (nk = 0; g->keys[nk].name; nk++) {
		SIM_BUG_ON(nk >= GKEYS_MAX);
		SIM_BUG_ON(parse_val(&g->keys[nk], g->keys[nk].def, strlen(g->keys[nk].def), &val[nk]));
	}
	for (s = colon ? colon + 1 : ""; *s;) {
		const char *e = strchr(s, ','), *eq;
		size_t n, kn;
		if (!e)
			e = s + strlen(s);
		n = (size_t)(e - s);
		eq = memchr(s, '=', n);
		if (!eq || eq == s)
			return gen_error("bad setting '%.*s' (expected key=value)", (int)MIN(n, 40), s);
		kn = (size_t)(eq - s);
		for (i = 0; i < nk; i++)
			if (strlen(g->keys[i].name) == kn && !strncmp(g->keys[i].name, s, kn))
				break;
		if (i == nk)
			return gen_error("unknown key '%.*s'", (int)MIN(kn, 40), s);
		if (given[i])
			return gen_error("key '%s' given twice", g->keys[i].name);
		given[i] = true;
		if (parse_val(&g->keys[i], eq + 1, (size_t)(e - eq - 1), &val[i]))
			return gen_error("bad value for '%s': '%.*s'", g->keys[i].name,
					 (int)MIN((size_t)(e - eq - 1), 40), eq + 1);
		if (!(val[i] >= g->keys[i].lo && val[i] <= g->keys[i].hi))
			return gen_error("bad value for '%s': '%.*s' (must be in [%g, %g])", g->keys[i].name,
					 (int)MIN((size_t)(e - eq - 1), 40), eq + 1, g->keys[i].lo, g->keys[i].hi);
		s = *e ? e + 1 : e;
		if (!*s && *e)
			return gen_error("empty setting after ','");
	}
	r = g->make(t, val);
	if (r < 0)
		vmtrace_free(t);
	return r;
}

void vmtrace_gen_help(FILE *f)
{
	size_t i;
	const struct gkey *k;

	fprintf(f, "VM trace generators (--gen NAME[:key=value,...]):\n");
	for (i = 0; i < ARRAY_SIZE(gens); i++) {
		fprintf(f, "  %-8s %s\n", gens[i].name, gens[i].help);
		for (k = gens[i].keys; k->name; k++)
			fprintf(f, "      %-9s %-8s %s\n", k->name, k->def, k->help);
	}
}

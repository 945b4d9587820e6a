/*
 * gen_zipf.c - Zipf-distributed page popularity.
 *
 * Notes
 *   The footprint is cut into N = footprint / grain units (4 KiB pages by
 *   default). Rank k in 1..N is drawn with probability k^-alpha / H(N,alpha),
 *   exactly (no truncated table, no approximation of the normaliser), by
 *   rejection-inversion; rank k is unit perm(k-1) of the process's seeded
 *   permutation, so the hot units are scattered over the region; the
 *   access lands at a uniformly random size-aligned slot of the unit.
 *   alpha = 0 is uniform over the units. Memory is O(1) at any footprint.
 *
 *   Rejection-inversion for a decreasing h(x) = x^-alpha that is convex
 *   on [1/2, N + 1/2]: let H be an antiderivative of h. Draw u uniformly in
 *   [H(3/2) - h(1), H(N + 1/2)], let x = H^-1(u) and k = round(x). The
 *   interval [H(k + 1/2) - h(k), H(k + 1/2)] has length h(k) and, by
 *   convexity, lies inside [H(k - 1/2), H(k + 1/2)] (for k = 1 it starts the
 *   range), so accepting when u >= H(k + 1/2) - h(k) returns k with
 *   probability proportional to h(k). H and H^-1 are written with expm1 and
 *   log1p so that alpha near 1 loses no precision:
 *     H(x)    = log(x) * E((1 - alpha) log x),     E(t) = (e^t - 1) / t
 *     H^-1(y) = exp(y * L(y (1 - alpha))),         L(t) = log(1 + t) / t
 *   Does not handle: alpha above 10 (keys limit it), ranks beyond 2^53
 *   (doubles), correlation between consecutive accesses.
 *   Sources: W. Hörmann and G. Derflinger, "Rejection-inversion to generate
 *   variates from monotone discrete distributions", ACM TOMACS 6(3), 1996;
 *   J. Gray et al., "Quickly generating billion-record synthetic
 *   databases", SIGMOD 1994 (Zipf workloads, default exponent near 1).
 */
#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct zipf {
	double q, one_q;      /* alpha, 1 - alpha */
	double u_lo, u_hi;    /* H(3/2) - h(1), H(N + 1/2) */
	double nmax;
	u64 per_unit;
};

static double z_e(double t)
{
	return fabs(t) < 1e-8 ? 1 + t * (0.5 + t / 6) : expm1(t) / t;
}

static double z_l(double t)
{
	return fabs(t) < 1e-8 ? 1 - t * (0.5 - t / 3) : log1p(t) / t;
}

static double z_H(const struct zipf *z, double x)
{
	double lx = log(x);
	return lx * z_e(z->one_q * lx);
}

static double z_Hinv(const struct zipf *z, double y)
{
	double t = y * z->one_q;
	if (t <= -1)                  /* below H(0): only rounding can get here */
		return 0;
	return exp(y * z_l(t));
}

static double z_h(const struct zipf *z, double x)
{
	return exp(-z->q * log(x));
}

static u64 zipf_rank(const struct zipf *z, u64 *rng)
{
	for (;;) {
		double u = z->u_hi + rng_unit(rng) * (z->u_lo - z->u_hi);
		double x = z_Hinv(z, u), k = floor(x + 0.5);
		if (k < 1)
			k = 1;
		else if (k > z->nmax)
			k = z->nmax;
		if (k == 1 || u >= z_H(z, k + 0.5) - z_h(z, k))
			return (u64)k;
	}
}

static int zipf_init(struct gen *g)
{
	struct zipf *z;
	int r = gen_use_grain(g);
	if (r < 0)
		return r;
	if (g->items > (1ull << 53))
		return gen_err(g, "more than 2^53 units (raise grain)");
	z = malloc(sizeof *z);
	if (!z)
		return -ENOMEM;
	z->q = gen_d(g, "alpha");
	z->one_q = 1 - z->q;
	z->nmax = (double)g->items;
	z->u_lo = z_H(z, 1.5) - 1;
	z->u_hi = z_H(z, z->nmax + 0.5);
	z->per_unit = g->grain / g->size;
	g->priv = z;
	return 0;
}

static u64 zipf_next(const struct gen *g, struct gen_proc *p)
{
	const struct zipf *z = g->priv;
	u64 k = zipf_rank(z, &p->rng);
	u64 unit = gen_perm_at(&p->perm, k - 1);
	return unit * g->grain + gen_below(&p->rng, z->per_unit) * g->size;
}

static void zipf_fini(struct gen *g)
{
	free(g->priv);
	g->priv = NULL;
}

static const struct gen_key zipf_keys[] = {
	{ "alpha", GK_REAL, "0.99", 0, 10, "Zipf exponent: P(rank k) ~ k^-alpha" },
	{ "grain", GK_BYTES, "4K", 1, 0x1p57, "unit ranked by popularity (a page)" },
	{ NULL },
};

const struct gen_def gen_zipf = {
	.name = "zipf",
	.help = "Zipf page popularity, hot units scattered by a seeded permutation",
	.keys = zipf_keys,
	.init = zipf_init,
	.next = zipf_next,
	.fini = zipf_fini,
};

/*
 * gen_basic.c - the simple address patterns: seq, stride, uniform, chase,
 * hotcold, and the multiproc wrapper.
 *
 * Notes
 *   Each pattern returns a byte offset inside the region [base, base +
 *   footprint) of its process; gen.c adds base, kinds, MAP and CTX events.
 *   Offsets are multiples of `size`, and offset + size <= footprint.
 *     seq      slot 0, 1, 2, ... of footprint/size slots, wrapping
 *     stride   offset 0, stride, 2*stride, ... modulo the slotted span,
 *              rounded down to a multiple of size
 *     uniform  a uniformly random slot
 *     chase    the `grain`-sized units (cache lines by default) in the
 *              order perm(0), perm(1), ..., perm(N-1), then again: one
 *              cycle through all N units, each visited exactly once per
 *              cycle, at the unit's first byte; perm is the seeded Feistel
 *              bijection of gen.c (O(1) memory at any footprint)
 *     hotcold  N units of `grain`; the round(hot*N) units perm(0..) are hot
 *              (clamped to 1..N-1), the rest cold; an access goes to a
 *              uniformly random hot unit with probability hotp, else to a
 *              uniformly random cold unit, at a random slot inside it
 *   Does not handle: units that straddle the end of the footprint (the
 *   footprint's last footprint % grain bytes are never touched by chase and
 *   hotcold), dependence between the chase's loads (the trace has none).
 *   Sources: the pointer-chasing latency benchmark of lmbench (McVoy and
 *   Staelin 1996) for chase; Lemire 2019 for unbiased bounded integers.
 */
#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static u64 seq_next(const struct gen *g, struct gen_proc *p)
{
	u64 off = p->pos * g->size;
	p->pos = p->pos + 1 == g->slots ? 0 : p->pos + 1;
	return off;
}

const struct gen_def gen_seq = {
	.name = "seq",
	.help = "sequential: slot after slot of `size` bytes, wrapping at the footprint",
	.next = seq_next,
};

struct stride_priv {
	u64 span, step;
};

static int stride_init(struct gen *g)
{
	struct stride_priv *s = malloc(sizeof *s);
	if (!s)
		return -ENOMEM;
	s->span = g->slots * g->size;
	s->step = gen_u(g, "stride") % s->span;
	g->priv = s;
	return 0;
}

static u64 stride_next(const struct gen *g, struct gen_proc *p)
{
	const struct stride_priv *s = g->priv;
	u64 off = p->pos / g->size * g->size;
	p->pos += s->step;
	if (p->pos >= s->span)
		p->pos -= s->span;
	return off;
}

static void priv_free(struct gen *g)
{
	free(g->priv);
	g->priv = NULL;
}

static const struct gen_key stride_keys[] = {
	{ "stride", GK_BYTES, "4K", 1, 0x1p57, "bytes between consecutive accesses" },
	{ NULL },
};

const struct gen_def gen_stride = {
	.name = "stride",
	.help = "strided: offset k*stride modulo the footprint",
	.keys = stride_keys,
	.init = stride_init,
	.next = stride_next,
	.fini = priv_free,
};

static u64 uniform_next(const struct gen *g, struct gen_proc *p)
{
	return gen_below(&p->rng, g->slots) * g->size;
}

const struct gen_def gen_uniform = {
	.name = "uniform",
	.help = "uniformly random slot of the footprint",
	.next = uniform_next,
};

static int chase_init(struct gen *g)
{
	return gen_use_grain(g);
}

static u64 chase_next(const struct gen *g, struct gen_proc *p)
{
	u64 off = gen_perm_at(&p->perm, p->pos) * g->grain;
	p->pos = p->pos + 1 == g->items ? 0 : p->pos + 1;
	return off;
}

static const struct gen_key chase_keys[] = {
	{ "grain", GK_BYTES, "64", 1, 0x1p57, "unit visited: 64 (cache lines), 4K (pages)" },
	{ NULL },
};

const struct gen_def gen_chase = {
	.name = "chase",
	.help = "pointer chase: one seeded random cycle through all grain-sized units",
	.keys = chase_keys,
	.init = chase_init,
	.next = chase_next,
};

struct hotcold_priv {
	double hotp;
	u64 nhot, per_unit;
};

static int hotcold_init(struct gen *g)
{
	struct hotcold_priv *h;
	double hot = gen_d(g, "hot"), want;
	int r = gen_use_grain(g);
	if (r < 0)
		return r;
	if (!(hot > 0 && hot < 1))
		return gen_err(g, "bad value for 'hot': %g (must be 0 < hot < 1)", hot);
	if (g->items < 2)
		return gen_err(g, "footprint holds %llu unit(s) of grain; hotcold needs 2",
			       (unsigned long long)g->items);
	h = malloc(sizeof *h);
	if (!h)
		return -ENOMEM;
	want = floor(hot * (double)g->items + 0.5);
	h->nhot = want < 1 ? 1 : want > (double)(g->items - 1) ? g->items - 1 : (u64)want;
	h->hotp = gen_d(g, "hotp");
	h->per_unit = g->grain / g->size;
	g->priv = h;
	return 0;
}

static u64 hotcold_next(const struct gen *g, struct gen_proc *p)
{
	const struct hotcold_priv *h = g->priv;
	u64 j;
	if (rng_unit(&p->rng) < h->hotp)
		j = gen_below(&p->rng, h->nhot);
	else
		j = h->nhot + gen_below(&p->rng, g->items - h->nhot);
	return gen_perm_at(&p->perm, j) * g->grain + gen_below(&p->rng, h->per_unit) * g->size;
}

static const struct gen_key hotcold_keys[] = {
	{ "hot", GK_REAL, "0.1", 0, 1, "fraction of the units that are hot (0 < hot < 1)" },
	{ "hotp", GK_REAL, "0.9", 0, 1, "fraction of accesses that go to hot units" },
	{ "grain", GK_BYTES, "4K", 1, 0x1p57, "unit of hotness" },
	{ NULL },
};

const struct gen_def gen_hotcold = {
	.name = "hotcold",
	.help = "hot/cold mixture: hotp of the accesses go to a scattered hot fraction `hot` of the units",
	.keys = hotcold_keys,
	.init = hotcold_init,
	.next = hotcold_next,
	.fini = priv_free,
};

static const struct gen_key multiproc_keys[] = {
	{ "of", GK_NAME, "uniform", 0, 0, "address pattern of each process (its keys apply too)" },
	{ "procs", GK_COUNT, "4", 1, 65536, "processes, pids 1..procs, same base, own tables" },
	{ NULL },
};

static const struct gen_key multivm_keys[] = {
	{ "of", GK_NAME, "uniform", 0, 0, "address pattern of each VM's process (its keys apply too)" },
	{ "vms", GK_COUNT, "4", 2, 4096, "virtual machines, ids 0..vms-1, VM switch every `quantum` accesses" },
	{ NULL },
};

const struct gen_def gen_multivm = {
	.name = "multivm",
	.help = "several virtual machines, each one process with its region and pattern `of`, VM every `quantum` accesses",
	.keys = multivm_keys,
	.wraps = true,
};

const struct gen_def gen_multiproc = {
	.name = "multiproc",
	.help = "several processes, each its own region and pattern `of`, CTX every `quantum` accesses",
	.keys = multiproc_keys,
	.wraps = true,
};

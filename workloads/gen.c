/*
 * gen.c - synthetic address streams: spec parsing, common keys, the event
 * loop shared by every generator, and the seeded permutation.
 *
 * Notes
 *   Reads: a spec "name[:key=val,...]" (trace_open_gen). Keys of the
 *   generator, of the pattern it wraps (multiproc's `of`) and the common
 *   keys below are accepted; anything else is an error naming the key.
 *   Produces, for each process p (pid 1..procs when procs > 1, no CTX at
 *   all when procs = 1): "CTX p" when its turn comes (every `quantum`
 *   accesses); with vms > 1 the units taking turns are virtual machines
 *   instead (each one process): "VM v" (v = 0..vms-1) when its turn comes; "MAP base maplen prot page" before its first access, then
 *   its accesses, base + offset from the pattern. `n` counts accesses of
 *   all processes together. Access kinds come from a stream of their own,
 *   so the addresses for a seed do not change with rw or ifrac: I with
 *   probability ifrac, otherwise W with probability rw, otherwise R. The
 *   MAP is rw-, or rwx when ifrac > 0; maplen is the footprint rounded up
 *   to the page hint (4K for any).
 *   Determinism: every random choice comes from rng_next (mmu/util/types.h)
 *   seeded from `seed`; the stream does not depend on how trace_read
 *   batches it.
 *   Does not handle: code and data in separate regions (I fetches use the
 *   same address stream), sharing between processes.
 *   Sources: Luby and Rackoff 1988 (a Feistel network of independent round
 *   functions is a pseudorandom permutation) and Black and Rogaway 2002
 *   (cycle walking to permute a domain that is not a power of two);
 *   Lemire 2019 "Fast random integer generation in an interval" for
 *   gen_below.
 */
#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_MAX 4.6e18

static const struct gen_key common_keys[] = {
	{ "n", GK_COUNT, "1000000", 0, COUNT_MAX, "number of accesses (all processes)" },
	{ "footprint", GK_BYTES, "64M", 1, 0x1p57, "bytes of the region accessed" },
	{ "seed", GK_COUNT, "1", 0, 1.8446744073709552e19, "seed of every random choice" },
	{ "rw", GK_REAL, "0", 0, 1, "fraction of data accesses that are writes" },
	{ "ifrac", GK_REAL, "0", 0, 1, "fraction of accesses that are instruction fetches" },
	{ "size", GK_COUNT, "8", 1, 4096, "access size in bytes; accesses are size-aligned" },
	{ "base", GK_BYTES, "0x7f0000000000", 0, 0x1p57, "region start, aligned to the page hint" },
	{ "page", GK_PAGE, "any", 0, 0, "page-size hint of the MAP: 4K 2M 1G huge any" },
	{ "procs", GK_COUNT, "1", 1, 65536, "processes, each with its own region" },
	{ "quantum", GK_COUNT, "10000", 1, COUNT_MAX, "accesses between CTX (or VM) switches" },
	{ "vms", GK_COUNT, "1", 1, 4096, "virtual machines taking turns (VM 0..vms-1), one process each" },
	{ NULL },
};

/* ---- permutation ---- */

void gen_perm_init(struct gen_perm *pm, u64 n, u64 *rng)
{
	unsigned bits = 2;
	while (bits < 64 && (1ull << bits) < n)
		bits++;
	bits += bits & 1;
	pm->n = n;
	pm->half = bits / 2;
	pm->mask = (1ull << pm->half) - 1;
	for (int i = 0; i < 4; i++)
		pm->key[i] = rng_next(rng);
}

static inline u64 feistel(const struct gen_perm *pm, u64 x)
{
	u64 l = x >> pm->half, r = x & pm->mask;
	for (int i = 0; i < 4; i++) {
		u64 t = l ^ (rng_seed(r ^ pm->key[i]) & pm->mask);
		l = r;
		r = t;
	}
	return l << pm->half | r;
}

u64 gen_perm_at(const struct gen_perm *pm, u64 x)
{
	do
		x = feistel(pm, x);
	while (x >= pm->n);
	return x;
}

/* ---- keys ---- */

int gen_err(const struct gen *g, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mmusim: --gen %s: ", g->label);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static const struct gen_kv *kv_find(const struct gen *g, const char *key)
{
	for (int i = 0; i < g->nkv; i++)
		if (!strcmp(g->kv[i].key->name, key))
			return &g->kv[i];
	return NULL;
}

u64 gen_u(const struct gen *g, const char *key)
{
	const struct gen_kv *kv = kv_find(g, key);
	SIM_BUG_ON(!kv || kv->key->type == GK_REAL || kv->key->type == GK_NAME);
	return kv->v.u;
}

double gen_d(const struct gen *g, const char *key)
{
	const struct gen_kv *kv = kv_find(g, key);
	SIM_BUG_ON(!kv || kv->key->type != GK_REAL);
	return kv->v.d;
}

int gen_use_grain(struct gen *g)
{
	g->grain = gen_u(g, "grain");
	if (g->grain % g->size)
		return gen_err(g, "grain %llu is not a multiple of size %u",
			       (unsigned long long)g->grain, g->size);
	if (g->grain > g->footprint)
		return gen_err(g, "footprint %llu is smaller than grain %llu",
			       (unsigned long long)g->footprint, (unsigned long long)g->grain);
	g->items = g->footprint / g->grain;
	return 0;
}

static const struct gen_def *def_find(const char *name, size_t n)
{
	for (int i = 0; gen_table[i]; i++)
		if (strlen(gen_table[i]->name) == n && !strncmp(gen_table[i]->name, name, n))
			return gen_table[i];
	return NULL;
}

static void add_keys(struct gen *g, const struct gen_key *keys)
{
	for (; keys && keys->name; keys++) {
		if (kv_find(g, keys->name))
			continue;
		SIM_BUG_ON(g->nkv >= GEN_KV_MAX);
		g->kv[g->nkv++].key = keys;
	}
}

static int parse_real(const char *s, size_t n, double *out)
{
	char tmp[40], *end;
	double v;
	if (n == 0 || n >= sizeof tmp)
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (!strchr("0123456789.", tmp[0]))
		return -EINVAL;
	v = strtod(tmp, &end);
	if (*end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

static const char *type_hint(enum gen_key_type t)
{
	switch (t) {
	case GK_BYTES: return "a byte count such as 4096, 0x1000, 64K, 2M";
	case GK_COUNT: return "an integer such as 1000000 or 1e6";
	case GK_REAL: return "a number";
	case GK_PAGE: return "4K, 2M, 1G, huge or any";
	default: return "a generator name";
	}
}

static int kv_parse(struct gen *g, struct gen_kv *kv)
{
	const struct gen_key *k = kv->key;
	const char *s = kv->given ? kv->given : k->def;
	size_t n = kv->given ? kv->given_len : strlen(k->def);
	double num = 0;
	int r = 0;
	u8 ps;

	switch (k->type) {
	case GK_BYTES:
		r = trace_parse_bytes(s, n, &kv->v.u);
		num = (double)kv->v.u;
		break;
	case GK_COUNT:
		r = parse_count_n(s, n, &kv->v.u);
		num = (double)kv->v.u;
		break;
	case GK_REAL:
		r = parse_real(s, n, &kv->v.d);
		num = kv->v.d;
		break;
	case GK_PAGE:
		r = trace_parse_psize(s, n, &ps);
		kv->v.u = ps;
		return r < 0 ? gen_err(g, "bad value for '%s': '%.*s' (expected %s)", k->name,
				       (int)MIN(n, 40), s, type_hint(k->type)) : 0;
	case GK_NAME:
		if (n == 0 || n >= sizeof kv->v.s)
			r = -EINVAL;
		else {
			memcpy(kv->v.s, s, n);
			kv->v.s[n] = 0;
		}
		return r < 0 ? gen_err(g, "bad value for '%s': '%.*s'", k->name, (int)MIN(n, 40), s) : 0;
	}
	if (r < 0)
		return gen_err(g, "bad value for '%s': '%.*s' (expected %s)", k->name,
			       (int)MIN(n, 40), s, type_hint(k->type));
	if (!(num >= k->lo && num <= k->hi))
		return gen_err(g, "bad value for '%s': '%.*s' (must be in [%g, %g])", k->name,
			       (int)MIN(n, 40), s, k->lo, k->hi);
	return 0;
}

/* Splits the settings and attaches each value to its key. */
static int parse_settings(struct gen *g, const char *s)
{
	while (*s) {
		const char *e = strchr(s, ','), *eq;
		size_t n, kn;
		struct gen_kv *kv = NULL;
		if (!e)
			e = s + strlen(s);
		n = (size_t)(e - s);
		eq = memchr(s, '=', n);
		if (!eq || eq == s)
			return gen_err(g, "bad setting '%.*s' (expected key=value)", (int)MIN(n, 40), s);
		kn = (size_t)(eq - s);
		for (int i = 0; i < g->nkv; i++)
			if (strlen(g->kv[i].key->name) == kn && !strncmp(g->kv[i].key->name, s, kn))
				kv = &g->kv[i];
		if (!kv)
			return gen_err(g, "unknown key '%.*s'", (int)MIN(kn, 40), s);
		if (kv->given)
			return gen_err(g, "key '%s' given twice", kv->key->name);
		kv->given = eq + 1;
		kv->given_len = (size_t)(e - eq - 1);
		s = *e ? e + 1 : e;
		if (!*s && *e)
			return gen_err(g, "empty setting after ','");
	}
	return 0;
}

/* The value of `key` as written in the settings, before keys are known. */
static const char *peek_setting(const char *s, const char *key, size_t *len)
{
	size_t kl = strlen(key);
	while (s && *s) {
		const char *e = strchr(s, ',');
		if (!e)
			e = s + strlen(s);
		if ((size_t)(e - s) > kl && !strncmp(s, key, kl) && s[kl] == '=') {
			*len = (size_t)(e - s) - kl - 1;
			return s + kl + 1;
		}
		s = *e ? e + 1 : e;
	}
	return NULL;
}

void trace_gen_destroy(struct gen *g)
{
	if (!g)
		return;
	if (g->def && g->def->fini)
		g->def->fini(g);
	free(g->proc);
	free(g);
}

static int gen_setup(struct gen *g, const char *spec)
{
	const char *colon = strchr(spec, ':');
	const char *settings = colon ? colon + 1 : "";
	size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
	const struct gen_def *outer, *pat;
	u64 s0, align;
	int r;

	snprintf(g->label, sizeof g->label, "%.*s", (int)MIN(nl, sizeof g->label - 1), spec);
	outer = def_find(spec, nl);
	if (!outer) {
		fprintf(stderr, "mmusim: --gen: unknown generator '%s' (generators:", g->label);
		for (int i = 0; gen_table[i]; i++)
			fprintf(stderr, " %s", gen_table[i]->name);
		fprintf(stderr, ")\n");
		return -EINVAL;
	}
	pat = outer;
	add_keys(g, outer->keys);
	if (outer->wraps) {
		size_t ol;
		const char *of = peek_setting(settings, "of", &ol);
		const struct gen_kv *kv = kv_find(g, "of");
		SIM_BUG_ON(!kv);
		if (!of) {
			of = kv->key->def;
			ol = strlen(of);
		}
		pat = def_find(of, ol);
		if (!pat || pat->wraps || !pat->next)
			return gen_err(g, "bad value for 'of': '%.*s' (expected a pattern generator)",
				       (int)MIN(ol, 40), of);
		add_keys(g, pat->keys);
	}
	add_keys(g, common_keys);
	r = parse_settings(g, settings);
	for (int i = 0; r == 0 && i < g->nkv; i++)
		r = kv_parse(g, &g->kv[i]);
	if (r < 0)
		return r;

	g->def = pat;
	g->n = gen_u(g, "n");
	g->footprint = gen_u(g, "footprint");
	g->seed = gen_u(g, "seed");
	g->rw = gen_d(g, "rw");
	g->ifrac = gen_d(g, "ifrac");
	g->size = (u32)gen_u(g, "size");
	g->base = gen_u(g, "base");
	g->psize = (u8)gen_u(g, "page");
	g->procs = gen_u(g, "procs");
	g->quantum = gen_u(g, "quantum");
	g->vms = gen_u(g, "vms");
	if (g->vms > 1) {
		if (g->procs > 1)
			return gen_err(g, "give procs or vms, not both");
		g->procs = g->vms;      /* the units taking turns are VMs */
	}

	if (g->footprint < g->size)
		return gen_err(g, "footprint %llu is smaller than size %u",
			       (unsigned long long)g->footprint, g->size);
	align = g->psize == PSZ_ANY ? PAGE_SIZE : psize_bytes((enum psize)g->psize);
	if (g->base % align)
		return gen_err(g, "base 0x%llx is not aligned to the %s page hint",
			       (unsigned long long)g->base, g->psize == PSZ_ANY ? "4K" : psize_name((enum psize)g->psize));
	g->maplen = (g->footprint + align - 1) / align * align;
	if (g->maplen > VA_LIMIT - g->base)
		return gen_err(g, "base+footprint beyond 57 bits");
	g->slots = g->footprint / g->size;
	if (pat->init && (r = pat->init(g)) < 0)
		return r;

	g->proc = calloc(g->procs, sizeof *g->proc);
	if (!g->proc)
		return -ENOMEM;
	s0 = rng_seed(g->seed);
	for (u64 i = 0; i < g->procs; i++) {
		struct gen_proc *p = &g->proc[i];
		p->pid = g->vms > 1 ? (u32)i : (u32)(i + 1);
		p->rng = rng_seed(s0 + i);
		if (g->items)
			gen_perm_init(&p->perm, g->items, &p->rng);
	}
	g->krng = rng_seed(~s0);
	if (g->procs > 1) {
		g->cur = g->procs - 1;
		g->left = 0;
	} else {
		g->left = UINT64_MAX;
	}
	return 0;
}

int trace_gen_create(struct gen **gp, const char *spec)
{
	struct gen *g = calloc(1, sizeof *g);
	int r;
	*gp = NULL;
	if (!g)
		return -ENOMEM;
	r = gen_setup(g, spec);
	if (r < 0) {
		if (r == -ENOMEM)
			fprintf(stderr, "mmusim: --gen %s: out of memory\n", g->label);
		trace_gen_destroy(g);
		return r;
	}
	*gp = g;
	return 0;
}

u64 trace_gen_va_end(const struct gen *g)
{
	return g->def->fill ? 0 : g->base + g->maplen;
}

static inline u8 gen_kind(struct gen *g)
{
	if (g->ifrac > 0 && rng_unit(&g->krng) < g->ifrac)
		return EV_I;
	if (g->rw > 0 && rng_unit(&g->krng) < g->rw)
		return EV_W;
	return EV_R;
}

int trace_gen_read(struct trace *t, struct ev *buf, int max)
{
	struct gen *g = t->gen;
	const struct gen_def *d = g->def;
	int k = 0;

	if (d->fill)
		return d->fill(g, buf, max);
	while (k < max && g->done < g->n) {
		struct gen_proc *p = &g->proc[g->cur];
		u64 m;
		if (g->left == 0) {
			g->cur = g->cur + 1 == g->procs ? 0 : g->cur + 1;
			g->left = g->quantum;
			buf[k++] = (struct ev){ .kind = g->vms > 1 ? EV_VM : EV_CTX, .size = g->proc[g->cur].pid };
			continue;
		}
		if (!p->mapped) {
			p->mapped = true;
			buf[k++] = (struct ev){
				.kind = EV_MAP, .va = g->base, .len = g->maplen, .psize = g->psize,
				.prot = (u8)(PERM_R | PERM_W | (g->ifrac > 0 ? PERM_X : 0)),
			};
			continue;
		}
		m = MIN((u64)(max - k), MIN(g->left, g->n - g->done));
		for (u64 j = 0; j < m; j++) {
			u64 off = d->next(g, p);
			buf[k++] = (struct ev){ .kind = gen_kind(g), .size = g->size, .va = g->base + off };
		}
		g->done += m;
		if (g->procs > 1)
			g->left -= m;
	}
	return k;
}

static void help_keys(FILE *f, const struct gen_key *k)
{
	for (; k && k->name; k++)
		fprintf(f, "      %-10s %-16s %s\n", k->name, k->def, k->help);
}

void trace_gen_help(FILE *f)
{
	fprintf(f, "generators (--gen NAME[:key=value,...]):\n");
	for (int i = 0; gen_table[i]; i++) {
		fprintf(f, "  %-10s %s\n", gen_table[i]->name, gen_table[i]->help);
		help_keys(f, gen_table[i]->keys);
	}
	fprintf(f, "  common keys (key, default, meaning):\n");
	help_keys(f, common_keys);
}

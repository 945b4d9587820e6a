/*
 * cluster.c - the placement simulator's datacenter, from an INI file.
 *
 * Model notes
 *   Models: a fleet of `servers` servers of a few kinds, each kind with its
 *   RAM, physical cores and share of the fleet (percent; the shares sum to
 *   100). Counts per kind come from the shares by the largest-remainder
 *   method (floor of share * servers, the remaining servers to the largest
 *   fractions, ties to the kind listed first), so they sum to `servers`
 *   exactly. The servers form one ordered list, the order in which first
 *   fit scans them and in which new servers are powered on: `interleave`
 *   (default) mixes the kinds evenly along the list (smooth weighted round
 *   robin: every prefix holds each kind in proportion to its count, up to
 *   one server), `grouped` lists all servers of the first kind, then the
 *   next kind, in file order.
 *   Each server's memory is a buddy allocator (mmu/machine/buddy.h) over granules
 *   of `granule` bytes (default 2M), with blocks up to 1G (max_order =
 *   log2(1G / granule)): RAM / granule granules, rounded down. The granule
 *   is a memory-cost choice: the buddy costs about 2 bits per granule plus
 *   its free-run index (about 66 bytes per 512 granules), so a 512 GiB
 *   server costs about 100 KB at 2M but 50 MB at 4K; thousands of servers
 *   are affordable only at the coarser granule. VM memory is rounded up to
 *   whole granules; a 2M granule matches the 2M host pages of the MMU
 *   model, so extents in granules are extents of 2M host pages.
 *   `reserved` bytes per kind (rounded up to granules) are taken at the
 *   bottom of RAM when a server powers on (hypervisor and dom0 memory).
 *   `fragmentation` pins one granule in that fraction of the 1G blocks
 *   left wholly free (buddy_fragment: unmovable host allocations), at
 *   random offsets drawn from `seed` and the server's index, so a server
 *   gets the same pins every time it powers on. vCPUs per server are
 *   floor(cores * cpu_ratio) (cpu_ratio 1: one vCPU per core, no
 *   overcommit).
 *   Not modelled: racks, clusters, fault domains, NUMA nodes, disks and
 *   network, server failures.
 *   Sources: the server kinds of the shipped configurations are described
 *   in configs/cluster-*.ini and docs/placement.md.
 *
 *   Loading: iniparser 4.1 (keys "section:key", lowercased, file order
 *   kept in the dictionary); every key is checked at load time and the
 *   simulator trusts the result. Errors: one line "mmusim: SRC: [section]
 *   key: why" with SRC the file name (FILE:LINE for syntax errors) or
 *   "command line" for an override, then -EINVAL.
 */
#include "cluster.h"
#include "../util/cfg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <iniparser.h>

#define SRC_CMDLINE "command line"
#define KIND_PREFIX "server."
#define GRANULE_MIN PAGE_SIZE
#define GRANULE_MAX (1ull << 30)
#define CORES_MAX 1000000u
#define CPU_RATIO_MAX 64.0
#define SHARE_TOL 1e-6


/* ---- value parsers: NULL when fine, else why not ---- */

static const char *p_uint(const char *s, u64 lo, u64 hi, u64 *out, char *why, size_t n)
{
	char *end;
	unsigned long long v;

	if (!*s)
		return "empty value";
	if (*s == '-' || *s == '+' || *s == ' ')
		return "not a number";
	errno = 0;
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (*end || end == s || errno)
		return errno == ERANGE ? "too large" : "not a number";
	if (v < lo || v > hi) {
		snprintf(why, n, "must be between %llu and %llu", (unsigned long long)lo, (unsigned long long)hi);
		return why;
	}
	*out = v;
	return NULL;
}

static const char *p_size(const char *s, u64 *out)
{
	if (!*s)
		return "empty value";
	if (*s == '-')
		return "must not be negative";
	if (parse_size(s, out))
		return "not a size (expected bytes, 0x hex, or a K/M/G/T suffix)";
	return NULL;
}

static const char *p_double(const char *s, double *out)
{
	char *end;
	double d;

	if (!*s)
		return "empty value";
	errno = 0;
	d = strtod(s, &end);
	if (*end || end == s || errno == ERANGE || !isfinite(d))
		return "not a number";
	*out = d;
	return NULL;
}

static const char *p_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")) {
		*out = true;
		return NULL;
	}
	if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0")) {
		*out = false;
		return NULL;
	}
	return "must be true, false, yes, no, 1 or 0";
}

/* ---- the loader ---- */

enum { K_RAM, K_CORES, K_SHARE, K_RESERVED, K_NR };
static const char *const kind_keys[K_NR] = { "ram", "cores", "share", "reserved" };

struct kind_src {
	const char *src[K_NR];       /* where each key was set (NULL: not set) */
	char sec[CLUSTER_NAME_MAX + 8];
};

struct loader {
	struct cluster *c;
	struct kind_src ks[CLUSTER_KINDS_MAX];
	const char *servers_src, *granule_src, *ratio_src, *align_src;
};

static int set_cluster_key(struct loader *L, const char *src, const char *key, const char *val)
{
	struct cluster *c = L->c;
	char why[160];
	const char *e = NULL;
	u64 u;

	if (!strcmp(key, "servers")) {
		if (!(e = p_uint(val, 1, CLUSTER_SERVERS_MAX, &u, why, sizeof why))) {
			c->servers = (u32)u;
			L->servers_src = src;
		}
	} else if (!strcmp(key, "granule")) {
		if (!(e = p_size(val, &u))) {
			if (u < GRANULE_MIN || u > GRANULE_MAX || (u & (u - 1)))
				e = "must be a power of two from 4K to 1G";
			else {
				c->granule = u;
				L->granule_src = src;
			}
		}
	} else if (!strcmp(key, "contig_fit")) {
		if (!strcasecmp(val, "first"))
			c->contig_fit = BUDDY_FIT_FIRST;
		else if (!strcasecmp(val, "best"))
			c->contig_fit = BUDDY_FIT_BEST;
		else
			e = "must be first or best";
	} else if (!strcmp(key, "order")) {
		if (!strcasecmp(val, "interleave"))
			c->order = CLUSTER_INTERLEAVE;
		else if (!strcasecmp(val, "grouped"))
			c->order = CLUSTER_GROUPED;
		else
			e = "must be interleave or grouped";
	} else if (!strcmp(key, "fragmentation")) {
		double d = 0;
		if (!(e = p_double(val, &d)) && !(d >= 0 && d <= 1))
			e = "must be a fraction from 0 to 1";
		if (!e)
			c->fragmentation = d;
	} else if (!strcmp(key, "seed")) {
		if (!(e = p_uint(val, 0, UINT64_MAX, &u, why, sizeof why)))
			c->seed = u;
	} else if (!strcmp(key, "cpu_ratio")) {
		double d = 0;
		if (!(e = p_double(val, &d)) && !(d > 0 && d <= CPU_RATIO_MAX))
			e = "must be greater than 0 and at most 64";
		if (!e) {
			c->cpu_ratio = d;
			L->ratio_src = src;
		}
	} else if (!strcmp(key, "power_off")) {
		e = p_bool(val, &c->power_off);
	} else if (!strcmp(key, "contig_align")) {
		if (!(e = p_size(val, &u))) {
			if (u > GRANULE_MAX || (u & (u - 1)))
				e = "must be 0 (one granule) or a power of two up to 1G";
			else {
				c->contig_align = u;
				L->align_src = src;
			}
		}
	} else if (!strcmp(key, "allocator")) {
		if (!strcasecmp(val, "search"))
			c->xen_heap = false;
		else if (!strcasecmp(val, "xen-heap"))
			c->xen_heap = true;
		else
			e = "must be search or xen-heap";
	} else if (!strcmp(key, "compaction")) {
		e = p_bool(val, &c->compaction);
	} else if (!strcmp(key, "migrate_interval")) {
		if (!(e = p_uint(val, 0, 1ull << 53, &u, why, sizeof why)))
			c->migrate_interval = u;
	} else {
		return cfg_error(src, "cluster", key, "unknown key (keys: servers, granule, contig_fit, "
				"order, fragmentation, seed, cpu_ratio, power_off, contig_align, allocator, "
				"compaction, migrate_interval)");
	}
	if (e)
		return cfg_error(src, "cluster", key, "%s (got '%.48s')", e, val);
	return 0;
}

/* The kind named by section "server.NAME", created on first use. */
static int find_kind(struct loader *L, const char *src, const char *sec, int *ki)
{
	struct cluster *c = L->c;
	const char *name = sec + strlen(KIND_PREFIX);
	size_t n = strlen(name), i;
	u32 k;

	for (k = 0; k < c->nkinds; k++) {
		if (!strcmp(c->kind[k].name, name)) {
			*ki = (int)k;
			return 0;
		}
	}
	if (!n || n >= CLUSTER_NAME_MAX)
		return cfg_error(src, sec, NULL, "a server kind needs a name of 1 to %d characters: [server.NAME]",
				CLUSTER_NAME_MAX - 1);
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-' || name[i] == '_'))
			return cfg_error(src, sec, NULL, "a server kind's name is made of a-z, 0-9, '-' and '_'");
	if (c->nkinds == CLUSTER_KINDS_MAX)
		return cfg_error(src, sec, NULL, "too many server kinds (at most %d)", CLUSTER_KINDS_MAX);
	k = c->nkinds++;
	memcpy(c->kind[k].name, name, n + 1);
	snprintf(L->ks[k].sec, sizeof L->ks[k].sec, "%s", sec);
	*ki = (int)k;
	return 0;
}

static int set_kind_key(struct loader *L, const char *src, const char *sec, const char *key,
			const char *val)
{
	struct cluster_kind *kd;
	char why[160];
	const char *e = NULL;
	int ki, r, k;
	u64 u = 0;
	double d = 0;

	if ((r = find_kind(L, src, sec, &ki)))
		return r;
	kd = &L->c->kind[ki];
	for (k = 0; k < K_NR; k++)
		if (!strcmp(key, kind_keys[k]))
			break;
	switch (k) {
	case K_RAM:
		if (!(e = p_size(val, &u))) {
			if (u == 0)
				e = "must be more than 0";
			else if (u < CFG_RAM_MIN)
				e = "must be at least 64M (the smallest [host] ram: a placed VM's backing runs there)";
			else if (u > CFG_RAM_MAX)
				e = "must be at most 16T (the largest [host] ram: a placed VM's backing runs there)";
			else
				kd->ram = u;
		}
		break;
	case K_CORES:
		if (!(e = p_uint(val, 1, CORES_MAX, &u, why, sizeof why)))
			kd->cores = (u32)u;
		break;
	case K_SHARE:
		if (!(e = p_double(val, &d)) && !(d > 0 && d <= 100))
			e = "must be a percentage greater than 0 and at most 100";
		if (!e)
			kd->share = d;
		break;
	case K_RESERVED:
		if (!(e = p_size(val, &u)))
			kd->reserved = u;
		break;
	default:
		return cfg_error(src, sec, key, "unknown key (keys: ram, cores, share, reserved)");
	}
	if (e)
		return cfg_error(src, sec, key, "%s (got '%.48s')", e, val);
	L->ks[ki].src[k] = src;
	return 0;
}

static int apply_one(struct loader *L, const char *src, const char *sec, const char *key,
		     const char *val)
{
	if (!strcmp(sec, "cluster"))
		return set_cluster_key(L, src, key, val);
	if (!strncmp(sec, KIND_PREFIX, strlen(KIND_PREFIX)))
		return set_kind_key(L, src, sec, key, val);
	return cfg_error(src, sec, NULL, "unknown section (sections: [cluster], [server.NAME])");
}

static int apply_file(struct loader *L, const char *file)
{
	struct stat st;
	dictionary *d;
	char sec[256];
	ssize_t i;
	FILE *f;
	int r = 0;

	f = fopen(file, "r");
	if (!f)
		return cfg_error(file, NULL, NULL, "cannot open: %s", strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return cfg_error(file, NULL, NULL, "cannot open: %s", strerror(EISDIR));
	}
	fclose(f);
	d = cfg_ini_load(file, file);
	if (!d)
		return -EINVAL;
	/* Keys in file order, then sections without keys. */
	for (i = 0; !r && i < d->size; i++) {
		const char *k = d->key[i], *colon;
		size_t len;
		if (!k || !(colon = strchr(k, ':')))
			continue;
		if (colon == k) {
			r = cfg_error(file, NULL, NULL, "key '%.100s' is outside any section", k + 1);
			break;
		}
		len = MIN((size_t)(colon - k), sizeof sec - 1);
		memcpy(sec, k, len);
		sec[len] = 0;
		r = apply_one(L, file, sec, colon + 1, d->val[i] ? d->val[i] : "");
	}
	for (i = 0; !r && i < d->size; i++) {
		const char *k = d->key[i];
		int ki;
		if (!k || strchr(k, ':'))
			continue;
		if (!strcmp(k, "cluster"))
			continue;
		if (strncmp(k, KIND_PREFIX, strlen(KIND_PREFIX)))
			r = cfg_error(file, k, NULL, "unknown section (sections: [cluster], [server.NAME])");
		else
			r = find_kind(L, file, k, &ki);
	}
	iniparser_freedict(d);
	return r;
}

/* "section.key=value": the section is everything before the last dot. */
static int apply_override(struct loader *L, const char *text)
{
	char buf[512], *eq, *dot, *key, *val;
	size_t n;

	snprintf(buf, sizeof buf, "%s", text);
	eq = strchr(buf, '=');
	if (eq)
		*eq = 0;
	for (char *p = buf; *p; p++)      /* section and key, as iniparser does for files */
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	dot = strrchr(buf, '.');
	if (!eq || !dot || dot == buf || !dot[1])
		return cfg_error(SRC_CMDLINE, NULL, NULL, "bad override '%.100s': expected section.key=value", text);
	*dot = 0;
	key = dot + 1;
	val = eq + 1;
	while (*val == ' ')
		val++;
	n = strlen(val);
	while (n && val[n - 1] == ' ')
		val[--n] = 0;
	return apply_one(L, SRC_CMDLINE, buf, key, val);
}

/* ---- cross-field checks and the server list ---- */

static int finish(struct loader *L)
{
	struct cluster *c = L->c;
	double sum = 0;
	u64 assigned = 0;
	u32 k;

	if (!L->servers_src)
		return cfg_error(c->file, "cluster", "servers", "missing (the number of servers in the fleet)");
	if (!c->nkinds)
		return cfg_error(c->file, "cluster", NULL, "no server kinds (add [server.NAME] sections "
				"with ram, cores and share)");
	c->max_order = 0;
	while ((c->granule << c->max_order) < GRANULE_MAX)
		c->max_order++;
	if (c->contig_align && c->contig_align < c->granule)
		return cfg_error(L->align_src, "cluster", "contig_align", "%llu bytes is less than one granule "
				"(%llu bytes, [cluster] granule)", (unsigned long long)c->contig_align,
				(unsigned long long)c->granule);
	c->align_order = 0;
	while (c->contig_align && (c->granule << c->align_order) < c->contig_align)
		c->align_order++;
	for (k = 0; k < c->nkinds; k++) {
		struct cluster_kind *kd = &c->kind[k];
		const struct kind_src *ks = &L->ks[k];
		struct buddy b;
		u64 rf;
		int i;

		for (i = 0; i < K_NR; i++)
			if (i != K_RESERVED && !ks->src[i])
				return cfg_error(c->file, ks->sec, kind_keys[i], "missing");
		if (kd->ram < c->granule)
			return cfg_error(ks->src[K_RAM], ks->sec, "ram", "%llu bytes is less than one granule "
					"(%llu bytes, [cluster] granule)", (unsigned long long)kd->ram,
					(unsigned long long)c->granule);
		kd->frames = kd->ram / c->granule;
		rf = (kd->reserved + c->granule - 1) / c->granule;
		if (rf >= kd->frames)
			return cfg_error(ks->src[K_RESERVED], ks->sec, "reserved", "must be less than ram "
					"(leaves no memory for VMs)");
		if (kd->frames > (1ull << 40))
			return cfg_error(ks->src[K_RAM], ks->sec, "ram", "more than 2^40 granules "
					"(raise [cluster] granule)");
		kd->cap_vcpus = (u32)floor((double)kd->cores * c->cpu_ratio);
		if (kd->cap_vcpus == 0)
			return cfg_error(ks->src[K_CORES], ks->sec, "cores", "cores * cpu_ratio is less than one vCPU");
		/* The free granules of a server just powered on: init, reserve,
		 * pins (their number does not depend on where they fall). */
		if (buddy_init(&b, kd->frames, c->max_order))
			return cfg_error(c->file, ks->sec, "ram", "out of memory for a server of this size");
		if (rf)
			SIM_BUG_ON(!buddy_alloc_contig_at(&b, 0, rf));
		buddy_fragment(&b, c->fragmentation, c->seed, NULL);
		kd->cap_frames = b.free_frames;
		buddy_destroy(&b);
		sum += kd->share;
	}
	if (fabs(sum - 100) > SHARE_TOL) {
		const struct kind_src *ks = &L->ks[c->nkinds - 1];
		return cfg_error(ks->src[K_SHARE], ks->sec, "share", "the shares of the server kinds sum to "
				"%.6g%%, not 100%%", sum);
	}
	/* Largest remainder. */
	for (k = 0; k < c->nkinds; k++) {
		c->kind[k].servers = (u32)floor(c->kind[k].share * c->servers / 100);
		assigned += c->kind[k].servers;
	}
	while (assigned < c->servers) {
		u32 best = 0;
		double bf = -1;
		for (k = 0; k < c->nkinds; k++) {
			double x = c->kind[k].share * c->servers / 100;
			double fr = x - floor(x);
			if (fr > bf && (double)c->kind[k].servers < ceil(x)) {
				bf = fr;
				best = k;
			}
		}
		if (bf < 0)          /* rounding: give the rest to the first kind */
			best = 0;
		c->kind[best].servers++;
		assigned++;
	}
	for (k = 0; k < c->nkinds; k++)
		if (!c->kind[k].servers) {
			const struct kind_src *ks = &L->ks[k];
			return cfg_error(ks->src[K_SHARE], ks->sec, "share", "%.6g%% of %u servers is no server "
					 "(raise [cluster] servers or this share)", c->kind[k].share, c->servers);
		}
	c->server_kind = malloc(c->servers);
	if (!c->server_kind)
		return -ENOMEM;
	if (c->order == CLUSTER_GROUPED) {
		u32 s = 0, j;
		for (k = 0; k < c->nkinds; k++)
			for (j = 0; j < c->kind[k].servers; j++)
				c->server_kind[s++] = (u8)k;
	} else {
		s64 cur[CLUSTER_KINDS_MAX] = { 0 };
		u32 s;
		for (s = 0; s < c->servers; s++) {
			u32 best = UINT32_MAX;
			for (k = 0; k < c->nkinds; k++) {
				if (!c->kind[k].servers)
					continue;
				cur[k] += c->kind[k].servers;
				if (best == UINT32_MAX || cur[k] > cur[best])
					best = k;
			}
			cur[best] -= c->servers;
			c->server_kind[s] = (u8)best;
		}
	}
	return 0;
}

int cluster_load(struct cluster *c, const char *file, const char *const *overrides, int n_overrides)
{
	struct loader *L;
	int r, i;

	memset(c, 0, sizeof *c);
	snprintf(c->file, sizeof c->file, "%s", file);
	c->granule = 2ull << 20;
	c->contig_fit = BUDDY_FIT_BEST;
	c->order = CLUSTER_INTERLEAVE;
	c->seed = 1;
	c->cpu_ratio = 1;
	c->power_off = true;
	L = calloc(1, sizeof *L);
	if (!L)
		return -ENOMEM;
	L->c = c;
	r = apply_file(L, file);
	for (i = 0; !r && i < n_overrides; i++)
		r = apply_override(L, overrides[i]);
	if (!r)
		r = finish(L);
	free(L);
	if (r == -ENOMEM)
		fprintf(stderr, "mmusim: %s: out of memory\n", file);
	if (r)
		cluster_free(c);
	return r;
}

void cluster_free(struct cluster *c)
{
	free(c->server_kind);
	c->server_kind = NULL;
}

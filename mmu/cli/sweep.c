/*
 * sweep.c - `mmusim sweep PLAN.ini`: a grid of runs, one `compare` over the
 * plan's walkers per point, and one tidy CSV of them all.
 *
 * A plan (docs/studies.md):
 *
 *   [sweep]
 *   walkers = native,nested,shadow,agile   ; required
 *   config  = ../configs/skylake.ini        ; optional -c
 *   combine = cross                         ; cross (default) or zip
 *   results = out                           ; default: PLAN without .ini, + .d
 *   warmup  = 100K                          ; optional --warmup
 *   measure = 1M                            ; optional --measure
 *   [workloads]
 *   zipf = gen:zipf:footprint=1G,n=200K     ; gen:SPEC or file:PATH
 *   xz   = file:traces/xz.bin
 *   [axes]
 *   tlb.l2.entries = 512,1024,2048          ; a list, or LO..HI[:STEP | *FACTOR]
 *   [set]
 *   cache.data = false                      ; fixed overrides (-s)
 *
 * Paths are relative to the plan's folder. Points are workloads x the
 * product of the axes (or, with combine = zip, the axes' i-th values
 * together), numbered workload-major, last axis fastest. Point N's report
 * is RESULTS/points/N.json (written under a temporary name and renamed
 * when the run succeeded, so a point is done exactly when its file
 * exists), its command line RESULTS/points/N.cmd; RESULTS/results.csv has
 * one row per point x walker: point, workload, each axis, walker, then
 * every figure of the walker in the report (JSON paths below
 * .walkers[i], dotted), then the report's other figures (their full
 * dotted paths). The whole plan is checked before anything runs; errors
 * name the plan's file:line.
 *
 * Engines: none (points in turn, in this process's child), --jobs N or
 * --hosts FILE (GNU parallel, `parallel -j N [--sshloginfile FILE]`),
 * --slurm (a job array script, submitted with sbatch when there is one;
 * --gather merges what the tasks wrote). A rerun skips finished points.
 */
#include "sweep.h"
#include "jsonflat.h"
#include "../util/cfg.h"
#include "../../walkers/walker.h"
#include "../../workloads/trace.h"

#include <iniparser.h>

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define SWEEP_POINTS_MAX 1000000u
#define SWEEP_AXES_MAX 8
#define SWEEP_VALUES_MAX 4096

struct axis {
	char *key;             /* section.key as the plan gives it */
	char **val;
	int nval, line;
};

struct workload {
	char *name;
	bool gen;              /* gen:SPEC, else file:PATH */
	char *spec;            /* the spec, or the absolute path */
	int line;
};

struct plan {
	char path[PATH_MAX];   /* absolute */
	char dir[PATH_MAX];
	char results[PATH_MAX];
	char *walkers, *config, *warmup, *measure;
	int walkers_line;
	bool zip;
	char **set;            /* "section.key=value" */
	int *set_line, nset;
	struct axis ax[SWEEP_AXES_MAX];
	int nax;
	struct workload *wl;
	int nwl;
	u64 ncombos, npoints;
};

/* ---- small helpers ------------------------------------------------------ */

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(EXIT_RUNTIME);
	}
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(EXIT_RUNTIME);
	}
	return q;
}

static char *trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* The line of `key` in `[sec]` of the plan text (case-insensitive, as
 * iniparser reads it); 0 when not found. */
static int plan_line(const char *path, const char *sec, const char *key)
{
	FILE *f = fopen(path, "r");
	char buf[4096], cur[256] = "";
	int n = 0, found = 0;
	if (!f)
		return 0;
	while (fgets(buf, sizeof buf, f)) {
		char *s = trim(buf), *eq;
		n++;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e) {
				*e = 0;
				snprintf(cur, sizeof cur, "%s", trim(s + 1));
			}
			if (!key && !strcasecmp(cur, sec)) {
				found = n;
				break;
			}
			continue;
		}
		if (!key || strcasecmp(cur, sec) || !(eq = strchr(s, '=')))
			continue;
		*eq = 0;
		if (!strcasecmp(trim(s), key)) {
			found = n;
			break;
		}
	}
	fclose(f);
	return found;
}

/* "mmusim: PLAN:LINE: what" (LINE omitted when 0). Returns -EXIT_RUNTIME. */
__attribute__((format(printf, 3, 4)))
static int plan_err(const struct plan *p, int line, const char *fmt, ...)
{
	va_list ap;
	if (line)
		fprintf(stderr, "mmusim: %s:%d: ", p->path, line);
	else
		fprintf(stderr, "mmusim: %s: ", p->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EXIT_RUNTIME;
}

/* A path of the plan, made absolute against the plan's folder. */
static char *plan_abs(const struct plan *p, const char *rel)
{
	char *out;
	if (rel[0] == '/')
		return xstrdup(rel);
	if (asprintf(&out, "%s/%s", p->dir, rel) < 0) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(EXIT_RUNTIME);
	}
	return out;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *s;
	snprintf(buf, sizeof buf, "%s", path);
	for (s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;
	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* ---- the plan ----------------------------------------------------------- */

/* Axis values: "a,b,c" or "LO..HI", "LO..HI:STEP", "LO..HI*FACTOR"
 * (integers, K/M/G suffixes allowed). */
static int parse_axis(const struct plan *p, struct axis *a, const char *text)
{
	char *t = xstrdup(text), *s = trim(t), *dots = strstr(s, "..");
	int rc = 0;

	if (!*s) {
		rc = plan_err(p, a->line, "[axes] %s: empty axis (give a list a,b,c or a range LO..HI)", a->key);
		goto out;
	}
	if (dots) {
		u64 lo, hi, step = 1, v;
		bool mul = false;
		char *hs = dots + 2, *st = strpbrk(hs, ":*");
		*dots = 0;
		if (st) {
			mul = *st == '*';
			*st++ = 0;
			if (parse_size(trim(st), &step) || step == 0 || (mul && step < 2)) {
				rc = plan_err(p, a->line, "[axes] %s: bad range step '%s' (:N adds N, *N multiplies by N >= 2)",
					      a->key, st);
				goto out;
			}
		}
		if (parse_size(trim(s), &lo) || parse_size(trim(hs), &hi) || lo > hi || (mul && lo == 0)) {
			rc = plan_err(p, a->line, "[axes] %s: bad range '%s' (LO..HI with LO <= HI)", a->key, text);
			goto out;
		}
		for (v = lo; v <= hi; v = mul ? v * step : v + step) {
			char num[32];
			if (a->nval == SWEEP_VALUES_MAX) {
				rc = plan_err(p, a->line, "[axes] %s: more than %d values", a->key, SWEEP_VALUES_MAX);
				goto out;
			}
			snprintf(num, sizeof num, "%llu", (unsigned long long)v);
			a->val = xrealloc(a->val, (size_t)(a->nval + 1) * sizeof *a->val);
			a->val[a->nval++] = xstrdup(num);
			if ((mul && v > hi / step) || (!mul && v > hi - step))
				break;
		}
	} else {
		char *tok, *save = NULL;
		for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *v = trim(tok);
			if (!*v) {
				rc = plan_err(p, a->line, "[axes] %s: empty value in '%s'", a->key, text);
				goto out;
			}
			if (a->nval == SWEEP_VALUES_MAX) {
				rc = plan_err(p, a->line, "[axes] %s: more than %d values", a->key, SWEEP_VALUES_MAX);
				goto out;
			}
			a->val = xrealloc(a->val, (size_t)(a->nval + 1) * sizeof *a->val);
			a->val[a->nval++] = xstrdup(v);
		}
		if (!a->nval)
			rc = plan_err(p, a->line, "[axes] %s: empty axis (give a list a,b,c or a range LO..HI)", a->key);
	}
out:
	free(t);
	return rc;
}

/* The overrides of combination c: the [set] ones, then one per axis. */
static int combo_overrides(const struct plan *p, u64 c, char **ovr, char **src)
{
	int n = 0, i;
	for (i = 0; i < p->nset; i++) {
		ovr[n] = xstrdup(p->set[i]);
		if (asprintf(&src[n], "%s:%d", p->path, p->set_line[i]) < 0)
			exit(EXIT_RUNTIME);
		n++;
	}
	for (i = p->nax - 1; i >= 0; i--) {
		const struct axis *a = &p->ax[i];
		u64 k = p->zip ? c : c % (u64)a->nval;
		if (!p->zip)
			c /= (u64)a->nval;
		if (asprintf(&ovr[n + i], "%s=%s", a->key, a->val[k]) < 0 ||
		    asprintf(&src[n + i], "%s:%d", p->path, a->line) < 0)
			exit(EXIT_RUNTIME);
	}
	return n + p->nax;
}

static void free_strv(char **v, int n)
{
	int i;
	for (i = 0; i < n; i++)
		free(v[i]);
}

/* The value of axis i in combination c. */
static const char *combo_value(const struct plan *p, u64 c, int i)
{
	int j;
	if (p->zip)
		return p->ax[i].val[c];
	for (j = p->nax - 1; j > i; j--)
		c /= (u64)p->ax[j].nval;
	return p->ax[i].val[c % (u64)p->ax[i].nval];
}

static const char *const sweep_keys[] = { "walkers", "config", "combine", "results", "warmup", "measure" };

static int plan_read_sweep(struct plan *p, dictionary *d)
{
	int n = iniparser_getsecnkeys(d, "sweep"), i;
	const char **keys;

	if (n <= 0)
		return plan_err(p, 0, "[sweep] missing (it names the walkers)");
	keys = xrealloc(NULL, (size_t)n * sizeof *keys);
	iniparser_getseckeys(d, "sweep", keys);
	for (i = 0; i < n; i++) {
		const char *k = strchr(keys[i], ':') + 1, *v = iniparser_getstring(d, keys[i], "");
		unsigned j;
		for (j = 0; j < ARRAY_SIZE(sweep_keys); j++)
			if (!strcmp(k, sweep_keys[j]))
				break;
		if (j == ARRAY_SIZE(sweep_keys)) {
			free(keys);
			return plan_err(p, plan_line(p->path, "sweep", k),
					"[sweep] %s: unknown key (walkers, config, combine, results, warmup, measure)", k);
		}
		if (!strcmp(k, "walkers")) {
			p->walkers = xstrdup(v);
			p->walkers_line = plan_line(p->path, "sweep", k);
		} else if (!strcmp(k, "config")) {
			p->config = plan_abs(p, v);
		} else if (!strcmp(k, "combine")) {
			if (strcmp(v, "cross") && strcmp(v, "zip")) {
				free(keys);
				return plan_err(p, plan_line(p->path, "sweep", k),
						"[sweep] combine: '%s' is neither cross nor zip", v);
			}
			p->zip = !strcmp(v, "zip");
		} else if (!strcmp(k, "results")) {
			char *r = plan_abs(p, v);
			snprintf(p->results, sizeof p->results, "%s", r);
			free(r);
		} else if (!strcmp(k, "warmup")) {
			p->warmup = xstrdup(v);
		} else {
			p->measure = xstrdup(v);
		}
	}
	free(keys);
	if (!p->walkers || !*p->walkers)
		return plan_err(p, plan_line(p->path, "sweep", NULL), "[sweep] walkers: missing (e.g. walkers = native,nested)");
	return 0;
}

static int plan_check_walkers(struct plan *p)
{
	char *list = xstrdup(p->walkers), *tok, *save = NULL;
	int rc = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!walker_find(trim(tok))) {
			rc = plan_err(p, p->walkers_line, "[sweep] walkers: unknown walker '%s' (see mmusim --help)", trim(tok));
			break;
		}
	free(list);
	return rc;
}

static int plan_read_workloads(struct plan *p, dictionary *d)
{
	int n = iniparser_getsecnkeys(d, "workloads"), i;
	const char **keys;

	if (n <= 0)
		return plan_err(p, plan_line(p->path, "workloads", NULL),
				"[workloads] missing or empty (NAME = gen:SPEC or NAME = file:PATH)");
	keys = xrealloc(NULL, (size_t)n * sizeof *keys);
	iniparser_getseckeys(d, "workloads", keys);
	p->wl = xrealloc(NULL, (size_t)n * sizeof *p->wl);
	memset(p->wl, 0, (size_t)n * sizeof *p->wl);
	for (i = 0; i < n; i++) {
		const char *k = strchr(keys[i], ':') + 1, *v = iniparser_getstring(d, keys[i], "");
		struct workload *w = &p->wl[p->nwl++];
		w->name = xstrdup(k);
		w->line = plan_line(p->path, "workloads", k);
		if (!strncmp(v, "gen:", 4)) {
			struct trace *t;
			w->gen = true;
			w->spec = xstrdup(v + 4);
			if (trace_open_gen(&t, w->spec)) {
				free(keys);
				return plan_err(p, w->line, "[workloads] %s: the generator spec is rejected (above)", k);
			}
			trace_close(t);
		} else if (!strncmp(v, "file:", 5)) {
			w->gen = false;
			w->spec = plan_abs(p, v + 5);
			if (access(w->spec, R_OK)) {
				int e = errno;
				free(keys);
				return plan_err(p, w->line, "[workloads] %s: %s: %s", k, w->spec, strerror(e));
			}
		} else {
			free(keys);
			return plan_err(p, w->line, "[workloads] %s: '%s' is neither gen:SPEC nor file:PATH", k, v);
		}
	}
	free(keys);
	return 0;
}

static int plan_read_axes(struct plan *p, dictionary *d)
{
	int n = iniparser_getsecnkeys(d, "axes"), i, rc;
	const char **keys;
	u64 combos = 1;

	if (n <= 0)
		n = 0;
	if (n > SWEEP_AXES_MAX)
		return plan_err(p, plan_line(p->path, "axes", NULL), "[axes] at most %d axes", SWEEP_AXES_MAX);
	keys = xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *keys);
	if (n)
		iniparser_getseckeys(d, "axes", keys);
	for (i = 0; i < n; i++) {
		struct axis *a = &p->ax[p->nax++];
		const char *k = strchr(keys[i], ':') + 1;
		a->key = xstrdup(k);
		a->line = plan_line(p->path, "axes", k);
		if ((rc = parse_axis(p, a, iniparser_getstring(d, keys[i], "")))) {
			free(keys);
			return rc;
		}
		if (p->zip && a->nval != p->ax[0].nval) {
			free(keys);
			return plan_err(p, a->line, "[axes] %s: combine = zip needs axes of one length (%d here, %d for %s)",
					k, a->nval, p->ax[0].nval, p->ax[0].key);
		}
		if (!p->zip) {
			if (combos > SWEEP_POINTS_MAX / (u64)a->nval) {
				free(keys);
				return plan_err(p, a->line, "[axes] more than %u points", SWEEP_POINTS_MAX);
			}
			combos *= (u64)a->nval;
		}
	}
	free(keys);
	p->ncombos = p->zip ? (p->nax ? (u64)p->ax[0].nval : 1) : combos;
	if (p->ncombos * (u64)p->nwl > SWEEP_POINTS_MAX)
		return plan_err(p, 0, "more than %u points", SWEEP_POINTS_MAX);
	p->npoints = p->ncombos * (u64)p->nwl;
	return 0;
}

static int plan_read_set(struct plan *p, dictionary *d)
{
	int n = iniparser_getsecnkeys(d, "set"), i;
	const char **keys;
	if (n <= 0)
		return 0;
	keys = xrealloc(NULL, (size_t)n * sizeof *keys);
	iniparser_getseckeys(d, "set", keys);
	p->set = xrealloc(NULL, (size_t)n * sizeof *p->set);
	p->set_line = xrealloc(NULL, (size_t)n * sizeof *p->set_line);
	for (i = 0; i < n; i++) {
		const char *k = strchr(keys[i], ':') + 1;
		if (asprintf(&p->set[i], "%s=%s", k, iniparser_getstring(d, keys[i], "")) < 0)
			exit(EXIT_RUNTIME);
		p->set_line[i] = plan_line(p->path, "set", k);
	}
	p->nset = n;
	free(keys);
	return 0;
}

/* Every combination's configuration loads (errors name the plan line of
 * the override that broke it). */
static int plan_check_configs(struct plan *p)
{
	char *ovr[SWEEP_AXES_MAX + 256], *src[SWEEP_AXES_MAX + 256];
	u64 c;
	if (p->nset > 256)
		return plan_err(p, plan_line(p->path, "set", NULL), "[set] at most 256 keys");
	for (c = 0; c < p->ncombos; c++) {
		struct cfg cfg;
		int n = combo_overrides(p, c, ovr, src), rc;
		rc = cfg_load_from(&cfg, p->config, (const char *const *)ovr, (const char *const *)src, n);
		free_strv(ovr, n);
		free_strv(src, n);
		if (rc)
			return -EXIT_RUNTIME;
	}
	return 0;
}

static void plan_free(struct plan *p)
{
	int i;
	free(p->walkers);
	free(p->config);
	free(p->warmup);
	free(p->measure);
	free_strv(p->set, p->nset);
	free(p->set);
	free(p->set_line);
	for (i = 0; i < p->nax; i++) {
		free(p->ax[i].key);
		free_strv(p->ax[i].val, p->ax[i].nval);
		free(p->ax[i].val);
	}
	for (i = 0; i < p->nwl; i++) {
		free(p->wl[i].name);
		free(p->wl[i].spec);
	}
	free(p->wl);
}

static int plan_load(struct plan *p, const char *path)
{
	char *slash;
	dictionary *d;
	int rc, i;
	static const char *const secs[] = { "sweep", "workloads", "axes", "set" };

	memset(p, 0, sizeof *p);
	if (!realpath(path, p->path)) {
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(errno));
		return -EXIT_RUNTIME;
	}
	snprintf(p->dir, sizeof p->dir, "%s", p->path);
	slash = strrchr(p->dir, '/');
	*slash = 0;
	if (!p->dir[0])
		snprintf(p->dir, sizeof p->dir, "/");
	snprintf(p->results, sizeof p->results, "%.*s.d", (int)(strlen(p->path) -
		 (strlen(p->path) > 4 && !strcmp(p->path + strlen(p->path) - 4, ".ini") ? 4 : 0)), p->path);
	if (!(d = cfg_ini_load(p->path, p->path)))
		return -EXIT_RUNTIME;
	for (i = 0; i < iniparser_getnsec(d); i++) {
		const char *s = iniparser_getsecname(d, i);
		unsigned j;
		for (j = 0; j < ARRAY_SIZE(secs); j++)
			if (!strcmp(s, secs[j]))
				break;
		if (j == ARRAY_SIZE(secs)) {
			rc = plan_err(p, plan_line(p->path, s, NULL),
				      "[%s]: unknown section (sweep, workloads, axes, set)", s);
			goto out;
		}
	}
	if ((rc = plan_read_sweep(p, d)))
		goto out;
	if (strlen(p->results) > PATH_MAX - 64) {
		rc = plan_err(p, plan_line(p->path, "sweep", "results"), "[sweep] results: path too long");
		goto out;
	}
	if ( (rc = plan_check_walkers(p)) || (rc = plan_read_workloads(p, d)) ||
	    (rc = plan_read_axes(p, d)) || (rc = plan_read_set(p, d)) || (rc = plan_check_configs(p)))
		goto out;
out:
	iniparser_freedict(d);
	return rc;
}

/* ---- points ------------------------------------------------------------- */

static void point_path(const struct plan *p, u64 i, const char *ext, char *buf, size_t n)
{
	int r = snprintf(buf, n, "%s/points/%06llu%s", p->results, (unsigned long long)i, ext);
	SIM_BUG_ON(r < 0 || (size_t)r >= n);   /* plan_load bounds the results path */
}

static bool point_done(const struct plan *p, u64 i)
{
	char path[PATH_MAX + 32];
	point_path(p, i, ".json", path, sizeof path);
	return file_exists(path);
}

static const char *self_exe(void)
{
	static char buf[PATH_MAX];
	ssize_t n;
	if (buf[0])
		return buf;
	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		snprintf(buf, sizeof buf, "mmusim");
	else
		buf[n] = 0;
	return buf;
}

/* The compare command of point i (argv, NULL-terminated; free with
 * free_argv). */
static char **point_argv(const struct plan *p, u64 i, int *argc)
{
	const struct workload *w = &p->wl[i / p->ncombos];
	char *ovr[SWEEP_AXES_MAX + 256], *src[SWEEP_AXES_MAX + 256];
	int n = combo_overrides(p, i % p->ncombos, ovr, src), k = 0, j;
	char **av = xrealloc(NULL, (size_t)(16 + 2 * n) * sizeof *av);

	av[k++] = xstrdup(self_exe());
	av[k++] = xstrdup("compare");
	av[k++] = xstrdup("-w");
	av[k++] = xstrdup(p->walkers);
	if (p->config) {
		av[k++] = xstrdup("-c");
		av[k++] = xstrdup(p->config);
	}
	for (j = 0; j < n; j++) {
		av[k++] = xstrdup("-s");
		av[k++] = ovr[j];
		free(src[j]);
	}
	if (p->warmup) {
		av[k++] = xstrdup("--warmup");
		av[k++] = xstrdup(p->warmup);
	}
	if (p->measure) {
		av[k++] = xstrdup("--measure");
		av[k++] = xstrdup(p->measure);
	}
	av[k++] = xstrdup("--json");
	if (w->gen) {
		av[k++] = xstrdup("--gen");
		av[k++] = xstrdup(w->spec);
	} else {
		av[k++] = xstrdup(w->spec);
	}
	av[k] = NULL;
	*argc = k;
	return av;
}

static void free_argv(char **av)
{
	char **a;
	for (a = av; *a; a++)
		free(*a);
	free(av);
}

/* Shell-quotes s onto f ('...' with ' as '\''). */
static void put_shq(FILE *f, const char *s)
{
	if (*s && !strpbrk(s, " \t\n'\"\\$`*?[]{}()<>|&;!#~")) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static void put_cmd(FILE *f, char **av)
{
	int i;
	for (i = 0; av[i]; i++) {
		if (i)
			fputc(' ', f);
		put_shq(f, av[i]);
	}
	fputc('\n', f);
}

/* Runs point i: 0, or -EXIT_RUNTIME (its stderr is in points/N.err). */
static int run_point(const struct plan *p, u64 i)
{
	char out[PATH_MAX + 32], tmp[PATH_MAX + 48], err[PATH_MAX + 32], cmd[PATH_MAX + 32];
	char **av;
	int argc, st;
	pid_t pid;
	FILE *cf;

	if (i >= p->npoints) {
		fprintf(stderr, "mmusim: %s: no point %llu (the plan has %llu)\n", p->path,
			(unsigned long long)i, (unsigned long long)p->npoints);
		return -EXIT_RUNTIME;
	}
	if (point_done(p, i))
		return 0;
	snprintf(out, sizeof out, "%s/points", p->results);
	if ((st = mkdir_p(out))) {
		fprintf(stderr, "mmusim: %s: %s\n", out, strerror(-st));
		return -EXIT_RUNTIME;
	}
	point_path(p, i, ".json", out, sizeof out);
	{
		/* what an interrupted run of this point left */
		glob_t g;
		size_t k;
		snprintf(tmp, sizeof tmp, "%s.tmp.*", out);
		if (glob(tmp, 0, NULL, &g) == 0) {
			for (k = 0; k < g.gl_pathc; k++)
				unlink(g.gl_pathv[k]);
			globfree(&g);
		}
	}
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
	point_path(p, i, ".err", err, sizeof err);
	point_path(p, i, ".cmd", cmd, sizeof cmd);
	av = point_argv(p, i, &argc);
	if ((cf = fopen(cmd, "w"))) {
		put_cmd(cf, av);
		fclose(cf);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free_argv(av);
		fprintf(stderr, "mmusim: fork: %s\n", strerror(errno));
		return -EXIT_RUNTIME;
	}
	if (pid == 0) {
		int fo = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666), fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execv(av[0], av);
		_exit(127);
	}
	free_argv(av);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && rename(tmp, out) == 0) {
		unlink(err);
		return 0;
	}
	unlink(tmp);
	{
		char *e = slurp(err, NULL), *nl;
		if (e && (nl = strchr(e, '\n')))
			*nl = 0;
		fprintf(stderr, "mmusim: %s: point %llu failed: %s\n", p->path, (unsigned long long)i,
			e && *e ? e : "(no message)");
		free(e);
	}
	return -EXIT_RUNTIME;
}

/* ---- gathering: one tidy CSV ---------------------------------------------- */

struct cols {
	char **name;
	size_t n, cap;
	size_t *ht;            /* open addressing: index + 1, 0 empty */
	size_t hcap;
};

static u64 str_hash(const char *s)
{
	u64 h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t col_index(struct cols *c, const char *name)
{
	size_t i;
	if (2 * (c->n + 1) > c->hcap) {
		size_t nh = c->hcap ? 2 * c->hcap : 256, k;
		free(c->ht);
		c->ht = calloc(nh, sizeof *c->ht);
		if (!c->ht)
			exit(EXIT_RUNTIME);
		c->hcap = nh;
		for (k = 0; k < c->n; k++) {
			i = str_hash(c->name[k]) & (nh - 1);
			while (c->ht[i])
				i = (i + 1) & (nh - 1);
			c->ht[i] = k + 1;
		}
	}
	i = str_hash(name) & (c->hcap - 1);
	while (c->ht[i]) {
		if (!strcmp(c->name[c->ht[i] - 1], name))
			return c->ht[i] - 1;
		i = (i + 1) & (c->hcap - 1);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->name = xrealloc(c->name, c->cap * sizeof *c->name);
	}
	c->name[c->n] = xstrdup(name);
	c->ht[i] = c->n + 1;
	return c->n++;
}

struct row {
	char **v;              /* by column; NULL: empty */
	size_t n;
};

static void row_set(struct row *r, size_t col, const char *val)
{
	if (col >= r->n) {
		size_t nn = col + 16;
		r->v = xrealloc(r->v, nn * sizeof *r->v);
		memset(r->v + r->n, 0, (nn - r->n) * sizeof *r->v);
		r->n = nn;
	}
	free(r->v[col]);
	r->v[col] = xstrdup(val);
}

static void put_csv(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Is path "walkers.<digits>.rest"? Then *idx and *rest. */
static bool walker_path(const char *path, unsigned long *idx, const char **rest)
{
	char *end;
	if (strncmp(path, "walkers.", 8) || !isdigit((unsigned char)path[8]))
		return false;
	*idx = strtoul(path + 8, &end, 10);
	if (*end != '.')
		return false;
	*rest = end + 1;
	return true;
}

/* Writes RESULTS/results.csv from every finished point; fails (listing how
 * many) when some are not finished. */
static int gather(const struct plan *p, bool quiet)
{
	struct cols c = { 0 };
	struct row *rows = NULL;
	size_t nrows = 0, r, k;
	u64 i, missing = 0, first_missing = 0;
	char out[PATH_MAX + 32], tmp[PATH_MAX + 48];
	FILE *f;
	int a, rc = 0;

	col_index(&c, "point");
	col_index(&c, "workload");
	for (a = 0; a < p->nax; a++)
		col_index(&c, p->ax[a].key);
	col_index(&c, "walker");
	for (i = 0; i < p->npoints; i++) {
		char path[PATH_MAX + 32], err[200], num[32];
		char *text;
		struct jf jf;
		unsigned long nw = 0, w;
		size_t base = nrows;

		point_path(p, i, ".json", path, sizeof path);
		if (!(text = slurp(path, NULL))) {
			if (!missing++)
				first_missing = i;
			continue;
		}
		if (jf_parse(&jf, text, err, sizeof err)) {
			free(text);
			fprintf(stderr, "mmusim: %s: not a report: %s\n", path, err);
			rc = -EXIT_RUNTIME;
			goto out;
		}
		free(text);
		for (k = 0; k < jf.n; k++) {
			const char *rest;
			if (walker_path(jf.p[k].path, &w, &rest) && w + 1 > nw)
				nw = w + 1;
		}
		rows = xrealloc(rows, (nrows + nw) * sizeof *rows);
		memset(rows + nrows, 0, nw * sizeof *rows);
		nrows += nw;
		snprintf(num, sizeof num, "%llu", (unsigned long long)i);
		for (w = 0; w < nw; w++) {
			struct row *rw = &rows[base + w];
			row_set(rw, 0, num);
			row_set(rw, 1, p->wl[i / p->ncombos].name);
			for (a = 0; a < p->nax; a++)
				row_set(rw, 2 + (size_t)a, combo_value(p, i % p->ncombos, a));
		}
		/* walker fields first (in report order), then the rest */
		for (k = 0; k < jf.n; k++) {
			const char *rest;
			if (!walker_path(jf.p[k].path, &w, &rest))
				continue;
			if (!strcmp(rest, "name"))
				row_set(&rows[base + w], 2 + (size_t)p->nax, jf.p[k].val);
			else
				row_set(&rows[base + w], col_index(&c, rest), jf.p[k].val);
		}
		for (k = 0; k < jf.n; k++) {
			const char *rest;
			size_t col;
			if (walker_path(jf.p[k].path, &w, &rest))
				continue;
			col = col_index(&c, jf.p[k].path);
			for (w = 0; w < nw; w++)
				row_set(&rows[base + w], col, jf.p[k].val);
		}
		jf_free(&jf);
	}
	if (missing) {
		fprintf(stderr, "mmusim: %s: %llu of %llu points not finished (first: %llu); "
			"run the sweep again to finish them\n", p->path, (unsigned long long)missing,
			(unsigned long long)p->npoints, (unsigned long long)first_missing);
		rc = -EXIT_RUNTIME;
		goto out;
	}
	snprintf(out, sizeof out, "%s/results.csv", p->results);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
	if (!(f = fopen(tmp, "w"))) {
		fprintf(stderr, "mmusim: %s: %s\n", tmp, strerror(errno));
		rc = -EXIT_RUNTIME;
		goto out;
	}
	for (k = 0; k < c.n; k++) {
		if (k)
			fputc(',', f);
		put_csv(f, c.name[k]);
	}
	fputc('\n', f);
	for (r = 0; r < nrows; r++) {
		for (k = 0; k < c.n; k++) {
			if (k)
				fputc(',', f);
			if (k < rows[r].n && rows[r].v[k])
				put_csv(f, rows[r].v[k]);
		}
		fputc('\n', f);
	}
	if (ferror(f) | fclose(f) || rename(tmp, out)) {
		fprintf(stderr, "mmusim: %s: %s\n", out, strerror(errno));
		unlink(tmp);
		rc = -EXIT_RUNTIME;
		goto out;
	}
	if (!quiet)
		printf("%s: %zu rows (%llu points x walkers), %zu columns\n", out, nrows,
		       (unsigned long long)p->npoints, c.n);
out:
	for (r = 0; r < nrows; r++) {
		for (k = 0; k < rows[r].n; k++)
			free(rows[r].v[k]);
		free(rows[r].v);
	}
	free(rows);
	for (k = 0; k < c.n; k++)
		free(c.name[k]);
	free(c.name);
	free(c.ht);
	return rc;
}

/* ---- engines ------------------------------------------------------------ */

struct sweep_opts {
	const char *plan, *hosts, *partition, *time, *mem, *results;
	int jobs;
	u64 batch;
	bool slurm, wait, no_submit, dry_run, gather_only, point_given;
	u64 point;
};

/* Writes the unfinished points, one per line; returns their count. */
static u64 write_pending(const struct plan *p, const char *path)
{
	FILE *f = fopen(path, "w");
	u64 i, n = 0;
	if (!f) {
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(errno));
		return (u64)-1;
	}
	for (i = 0; i < p->npoints; i++)
		if (!point_done(p, i)) {
			fprintf(f, "%llu\n", (unsigned long long)i);
			n++;
		}
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(errno));
		return (u64)-1;
	}
	return n;
}

/* Runs argv, waits; its exit status, or -1. */
static int run_wait(char *const *av)
{
	pid_t pid;
	int st;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(av[0], av);
		fprintf(stderr, "mmusim: %s: %s\n", av[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs argv with its standard output in file out; its exit status or -1. */
static int run_wait_to(char *const *av, const char *out)
{
	pid_t pid;
	int st;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execvp(av[0], av);
		fprintf(stderr, "mmusim: %s: %s\n", av[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	while (path && *path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);
		snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog);
		if (n && !access(buf, X_OK))
			return true;
		path = c ? c + 1 : NULL;
	}
	return false;
}

static int engine_parallel(const struct plan *p, const struct sweep_opts *o)
{
	char pending[PATH_MAX + 32], jobs[32];
	const char *av[24];
	int k = 0, st;
	u64 n;

	if (!in_path("parallel")) {
		fprintf(stderr, "mmusim: sweep --jobs/--hosts: GNU parallel not found (Debian package parallel; "
			"make deps installs it)\n");
		return -EXIT_RUNTIME;
	}
	snprintf(pending, sizeof pending, "%s/pending.txt", p->results);
	if ((st = mkdir_p(p->results))) {
		fprintf(stderr, "mmusim: %s: %s\n", p->results, strerror(-st));
		return -EXIT_RUNTIME;
	}
	if ((n = write_pending(p, pending)) == (u64)-1)
		return -EXIT_RUNTIME;
	if (!n)
		return 0;
	snprintf(jobs, sizeof jobs, "%d", o->jobs ? o->jobs : 1);
	av[k++] = "parallel";
	av[k++] = "--will-cite";
	av[k++] = "--jobs";
	av[k++] = jobs;
	if (o->hosts) {
		av[k++] = "--sshloginfile";
		av[k++] = o->hosts;
	}
	av[k++] = "-a";
	av[k++] = pending;
	av[k++] = self_exe();
	av[k++] = "sweep";
	av[k++] = p->path;
	if (o->results) {
		av[k++] = "--results";
		av[k++] = p->results;
	}
	av[k++] = "--point";
	av[k++] = "{}";
	av[k] = NULL;
	st = run_wait((char *const *)av);
	if (st) {
		fprintf(stderr, "mmusim: %s: GNU parallel: %d point(s) failed\n", p->path, st < 0 ? 1 : st);
		return -EXIT_RUNTIME;
	}
	return 0;
}

static int engine_slurm(const struct plan *p, const struct sweep_opts *o, bool *submitted_wait)
{
	char dir[PATH_MAX + 16], pending[PATH_MAX + 32], script[PATH_MAX + 32];
	u64 n, batch = o->batch ? o->batch : 1, tasks;
	FILE *f;
	int st;

	*submitted_wait = false;
	snprintf(dir, sizeof dir, "%s/slurm", p->results);
	if ((st = mkdir_p(dir))) {
		fprintf(stderr, "mmusim: %s: %s\n", dir, strerror(-st));
		return -EXIT_RUNTIME;
	}
	snprintf(pending, sizeof pending, "%s/pending.txt", dir);
	snprintf(script, sizeof script, "%s/sweep.sbatch", dir);
	if ((n = write_pending(p, pending)) == (u64)-1)
		return -EXIT_RUNTIME;
	if (!n) {
		printf("%s: every point is finished\n", p->path);
		return 0;
	}
	tasks = (n + batch - 1) / batch;
	if (!(f = fopen(script, "w"))) {
		fprintf(stderr, "mmusim: %s: %s\n", script, strerror(errno));
		return -EXIT_RUNTIME;
	}
	fprintf(f, "#!/bin/sh\n# mmusim sweep of %s: %llu points in %llu array tasks of %llu\n",
		p->path, (unsigned long long)n, (unsigned long long)tasks, (unsigned long long)batch);
	fprintf(f, "#SBATCH --job-name=mmusim-sweep\n#SBATCH --array=0-%llu\n", (unsigned long long)(tasks - 1));
	fprintf(f, "#SBATCH --output=%s/%%A_%%a.out\n", dir);
	if (o->partition)
		fprintf(f, "#SBATCH --partition=%s\n", o->partition);
	if (o->time)
		fprintf(f, "#SBATCH --time=%s\n", o->time);
	if (o->mem)
		fprintf(f, "#SBATCH --mem=%s\n", o->mem);
	fprintf(f, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
	fprintf(f, "st=0\nfirst=$((SLURM_ARRAY_TASK_ID * %llu + 1))\n", (unsigned long long)batch);
	fprintf(f, "for i in $(sed -n \"${first},$((first + %llu))p\" ", (unsigned long long)(batch - 1));
	put_shq(f, pending);
	fprintf(f, "); do\n\t");
	put_shq(f, self_exe());
	fprintf(f, " sweep ");
	put_shq(f, p->path);
	fprintf(f, " --results ");
	put_shq(f, p->results);
	fprintf(f, " --point \"$i\" || st=1\ndone\nexit $st\n");
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "mmusim: %s: %s\n", script, strerror(errno));
		return -EXIT_RUNTIME;
	}
	printf("%s: %llu points, %llu array tasks\n", script, (unsigned long long)n, (unsigned long long)tasks);
	if (o->no_submit || !in_path("sbatch")) {
		printf("submit it with: sbatch %s\nthen gather with: mmusim sweep %s --gather\n", script, p->path);
		return 0;
	}
	{
		char idfile[PATH_MAX + 32], *id, *semi;
		const char *av[5];
		int k = 0;
		snprintf(idfile, sizeof idfile, "%s/job", dir);
		av[k++] = "sbatch";
		av[k++] = "--parsable";
		av[k++] = script;
		av[k] = NULL;
		st = run_wait_to((char *const *)av, idfile);
		id = slurp(idfile, NULL);
		if (st || !id || !isdigit((unsigned char)id[0])) {
			fprintf(stderr, "mmusim: %s: sbatch exited with %d\n", script, st);
			free(id);
			return -EXIT_RUNTIME;
		}
		if ((semi = strpbrk(id, ";\n")))
			*semi = 0;
		printf("submitted job array %s\n", id);
		/* --wait: until squeue no longer lists the array (sbatch --wait
		 * polls far more slowly); gathering then finds what failed */
		while (o->wait) {
			const char *q[] = { "squeue", "-h", "-j", id, "-o", "%i", NULL };
			char *left;
			st = run_wait_to((char *const *)q, idfile);
			left = slurp(idfile, NULL);
			if (st || !left || !left[0]) {
				free(left);
				break;
			}
			free(left);
			usleep(300000);
		}
		free(id);
	}
	*submitted_wait = o->wait;
	if (!o->wait)
		printf("gather with: mmusim sweep %s --gather\n", p->path);
	return 0;
}

static void dry_run(const struct plan *p)
{
	u64 i;
	int a;
	printf("# %llu points: %d workload(s) x %llu combination(s) (%s), walkers %s\n",
	       (unsigned long long)p->npoints, p->nwl, (unsigned long long)p->ncombos,
	       p->zip ? "zip" : "cross", p->walkers);
	printf("point\tstatus\tworkload");
	for (a = 0; a < p->nax; a++)
		printf("\t%s", p->ax[a].key);
	printf("\tcommand\n");
	for (i = 0; i < p->npoints; i++) {
		int argc;
		char **av = point_argv(p, i, &argc);
		printf("%llu\t%s\t%s", (unsigned long long)i, point_done(p, i) ? "done" : "pending",
		       p->wl[i / p->ncombos].name);
		for (a = 0; a < p->nax; a++)
			printf("\t%s", combo_value(p, i % p->ncombos, a));
		putchar('\t');
		put_cmd(stdout, av);
		free_argv(av);
	}
}

static const char sweep_usage[] =
	"usage: mmusim sweep PLAN.ini [--jobs N] [--hosts FILE] [--dry-run] [--results DIR]\n"
	"       mmusim sweep PLAN.ini --slurm [--partition P] [--time T] [--mem M] [--batch K]\n"
	"                             [--wait] [--no-submit]\n"
	"       mmusim sweep PLAN.ini --gather | --point N\n"
	"Runs one `compare` of the plan's walkers per point (workloads x axes) and\n"
	"gathers RESULTS/results.csv, one row per point x walker. A rerun skips the\n"
	"points already finished. See docs/studies.md.\n"
	"  --jobs N       run N points at once through GNU parallel\n"
	"  --hosts FILE   spread the points over GNU parallel's --sshloginfile FILE\n"
	"                 (the same paths must exist on every host: a shared file system)\n"
	"  --slurm        write a Slurm job array (RESULTS/slurm/sweep.sbatch) and submit it\n"
	"                 with sbatch when there is one; --wait waits and gathers\n"
	"  --batch K      points per array task (default 1)\n"
	"  --dry-run      list the points and their commands; run nothing\n"
	"  --gather       write RESULTS/results.csv from the finished points\n"
	"  --point N      run point N only (what the engines call)\n";

static int sweep_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "mmusim: sweep: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see 'mmusim help sweep')\n");
	return EXIT_USAGE;
}

static int parse_count(const char *s, u64 *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (*end || errno) ? -1 : 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_opts o = { 0 };
	struct plan p;
	int i, rc;
	bool waited = false;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		u64 v;
#define NEED() do { if (i + 1 >= argc) return sweep_usage_error("option %s needs an argument", a); } while (0)
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(sweep_usage, stdout);
			return 0;
		} else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
			NEED();
			if (parse_count(argv[++i], &v) || v < 1 || v > 1024)
				return sweep_usage_error("--jobs: '%s' is not a count from 1 to 1024", argv[i]);
			o.jobs = (int)v;
		} else if (!strcmp(a, "--hosts")) {
			NEED();
			o.hosts = argv[++i];
		} else if (!strcmp(a, "--slurm")) {
			o.slurm = true;
		} else if (!strcmp(a, "--partition")) {
			NEED();
			o.partition = argv[++i];
		} else if (!strcmp(a, "--time")) {
			NEED();
			o.time = argv[++i];
		} else if (!strcmp(a, "--mem")) {
			NEED();
			o.mem = argv[++i];
		} else if (!strcmp(a, "--batch")) {
			NEED();
			if (parse_count(argv[++i], &o.batch) || o.batch < 1 || o.batch > SWEEP_POINTS_MAX)
				return sweep_usage_error("--batch: '%s' is not a count from 1", argv[i]);
		} else if (!strcmp(a, "--wait")) {
			o.wait = true;
		} else if (!strcmp(a, "--no-submit")) {
			o.no_submit = true;
		} else if (!strcmp(a, "--dry-run")) {
			o.dry_run = true;
		} else if (!strcmp(a, "--gather")) {
			o.gather_only = true;
		} else if (!strcmp(a, "--results")) {
			NEED();
			o.results = argv[++i];
		} else if (!strcmp(a, "--point")) {
			NEED();
			if (parse_count(argv[++i], &o.point))
				return sweep_usage_error("--point: '%s' is not a point number", argv[i]);
			o.point_given = true;
		} else if (a[0] == '-' && a[1]) {
			return sweep_usage_error("unknown option '%s'", a);
		} else if (o.plan) {
			return sweep_usage_error("one plan only ('%s')", a);
		} else {
			o.plan = a;
		}
#undef NEED
	}
	if (!o.plan)
		return sweep_usage_error("%s", "a plan file is needed");
	if (o.slurm && (o.jobs || o.hosts))
		return sweep_usage_error("%s", "--slurm runs on Slurm: it takes no --jobs or --hosts");
	if (plan_load(&p, o.plan)) {
		plan_free(&p);
		return EXIT_RUNTIME;
	}
	if (o.results) {
		char *r = realpath(o.results, NULL), cwd[PATH_MAX];
		const char *res = r ? r : o.results;
		if (!r && o.results[0] != '/' && getcwd(cwd, sizeof cwd) &&
		    asprintf(&r, "%s/%s", cwd, o.results) > 0)
			res = r;
		if (strlen(res) > PATH_MAX - 64) {
			free(r);
			plan_free(&p);
			return sweep_usage_error("--results: path too long ('%.40s...')", res);
		}
		snprintf(p.results, sizeof p.results, "%s", res);
		free(r);
	}
	if (o.point_given)
		rc = run_point(&p, o.point);
	else if (o.dry_run)
		dry_run(&p), rc = 0;
	else if (o.gather_only)
		rc = gather(&p, false);
	else if (o.slurm)
		rc = engine_slurm(&p, &o, &waited);
	else if (o.jobs || o.hosts)
		rc = engine_parallel(&p, &o);
	else {
		u64 k;
		rc = 0;
		for (k = 0; k < p.npoints; k++)
			if (run_point(&p, k))
				rc = -EXIT_RUNTIME;
	}
	if (!rc && !o.point_given && !o.dry_run && !o.gather_only && (!o.slurm || waited))
		rc = gather(&p, false);
	if (!rc && fflush(stdout)) {
		fprintf(stderr, "mmusim: standard output: %s\n", strerror(errno));
		rc = -EXIT_RUNTIME;
	}
	plan_free(&p);
	return rc ? EXIT_RUNTIME : 0;
}

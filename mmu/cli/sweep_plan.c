/*
 * sweep_plan.c - reading and checking a sweep plan (the format: sweep.c).
 */
#include "sweep_int.h"
#include "../util/cfg.h"
#include "../../walkers/walker.h"
#include "../../workloads/trace.h"

#include <iniparser.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- small helpers ------------------------------------------------------ */

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(EXIT_RUNTIME);
	}
	return d;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(EXIT_RUNTIME);
	}
	return q;
}

char *trim(char *s)
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
char *plan_abs(const struct plan *p, const char *rel)
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

bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int mkdir_p(const char *path)
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

char *slurp(const char *path, size_t *len)
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
int combo_overrides(const struct plan *p, u64 c, char **ovr, char **src)
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

void free_strv(char **v, int n)
{
	int i;
	for (i = 0; i < n; i++)
		free(v[i]);
}

/* The value of axis i in combination c. */
const char *combo_value(const struct plan *p, u64 c, int i)
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

void plan_free(struct plan *p)
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

int plan_load(struct plan *p, const char *path)
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


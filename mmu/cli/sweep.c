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
#include "sweep_int.h"
#include "jsonflat.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

int spawn_wait(char *const *av, const char *out, const char *err)
{
	pid_t pid;
	int st;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fo = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666) : 1;
		int fe = err ? open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666) : 2;
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
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

/* Runs point i: 0, or -EXIT_RUNTIME (its stderr is in points/N.err). */
static int run_point(const struct plan *p, u64 i)
{
	char out[PATH_MAX + 32], tmp[PATH_MAX + 48], err[PATH_MAX + 32], cmd[PATH_MAX + 32];
	char **av;
	int argc, st;
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
	st = spawn_wait(av, tmp, err);
	free_argv(av);
	if (st == 0 && rename(tmp, out) == 0) {
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
		{
			/* the command line is one cell (its words shell-quoted),
			 * not a column per word */
			char *cmdline = NULL;
			size_t clen = 0;
			FILE *cf = open_memstream(&cmdline, &clen);
			bool any = false;
			for (k = 0; k < jf.n; k++) {
				const char *rest;
				size_t col;
				if (walker_path(jf.p[k].path, &w, &rest))
					continue;
				if (!strncmp(jf.p[k].path, "mmusim.command.", 15)) {
					if (cf) {
						if (any)
							fputc(' ', cf);
						put_shq(cf, jf.p[k].val);
					}
					any = true;
					continue;
				}
				col = col_index(&c, jf.p[k].path);
				for (w = 0; w < nw; w++)
					row_set(&rows[base + w], col, jf.p[k].val);
			}
			if (cf && !fclose(cf) && any) {
				size_t col = col_index(&c, "mmusim.command");
				for (w = 0; w < nw; w++)
					row_set(&rows[base + w], col, cmdline);
			}
			free(cmdline);
		}
		{
			size_t col = col_index(&c, "sweep.plan");
			for (w = 0; w < nw; w++)
				row_set(&rows[base + w], col, p->path);
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
	st = spawn_wait((char *const *)av, NULL, NULL);
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
		st = spawn_wait((char *const *)av, idfile, NULL);
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
			st = spawn_wait((char *const *)q, idfile, NULL);
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

int cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "mmusim: %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see 'mmusim help %s')\n", cmd);
	return EXIT_USAGE;
}

static int sweep_usage_error(const char *fmt, const char *arg)
{
	return cli_usage_error("sweep", fmt, arg);
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

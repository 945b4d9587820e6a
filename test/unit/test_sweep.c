/*
 * test_sweep.c - `mmusim sweep` and `mmusim plot` (mmu/cli/sweep.c,
 * plot.c) and the JSON flattener they share (jsonflat.c).
 *
 * The sweep's CSV is checked against separate `mmusim run` invocations of
 * each point and walker, through real GNU parallel and a real single-node
 * Slurm (test/tools/slurm-local.sh); the plots' data files against values
 * computed by hand from a CSV the test writes.
 */
#include "test.h"
#include "trace_util.h"
#include "../../mmu/cli/jsonflat.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the flattener ---- */

TEST(jsonflat_paths_and_values)
{
	struct jf f;
	char err[100];
	REQUIRE(jf_parse(&f, "{\"a\":{\"b\":1,\"c\":[2,-3.5e2]},\"s\":\"x\\\"y\\u00e9\",\"t\":true,\"n\":null,"
			 "\"e\":{},\"l\":[]}", err, sizeof err) == 0);
	CHECK_EQ(f.n, 6);
	CHECK(!strcmp(jf_get(&f, "a.b"), "1"));
	CHECK(!strcmp(jf_get(&f, "a.c.0"), "2"));
	CHECK(!strcmp(jf_get(&f, "a.c.1"), "-3.5e2"));
	CHECK(!strcmp(jf_get(&f, "s"), "x\"y\xc3\xa9"));
	CHECK(f.p[3].str && !f.p[0].str);
	CHECK(!strcmp(jf_get(&f, "t"), "true"));
	CHECK(!strcmp(jf_get(&f, "n"), "null"));
	CHECK(jf_get(&f, "e") == NULL);
	jf_free(&f);
}

TEST(jsonflat_rejects_malformed)
{
	static const char *const bad[] = {
		"", "{", "{\"a\":}", "{\"a\":1,}", "[1 2]", "{\"a\":1} x", "\"\\q\"", "01", "1.", "tru",
		"{\"a\":\"\x01\"}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct jf f;
		char err[100] = "";
		CHECK(jf_parse(&f, bad[i], err, sizeof err) == -1);
		CHECK_STR_CONTAINS(err, "offset ");
	}
}

/* ---- CSV of the tests (plain: no quoted commas in the columns used) ---- */

struct tcsv {
	char *text;
	char **cell;
	int rows, cols;
};

/* Splits a CSV with RFC 4180 quotes into cells. */
static void tcsv_load(struct tcsv *t, const char *path)
{
	const char *p;
	char *o;
	int cap = 0, n = 0, c = 0;
	memset(t, 0, sizeof *t);
	if (!(t->text = read_whole(path, NULL)))
		return;
	p = t->text;
	o = t->text;                      /* cells are written back in place */
	while (*p) {
		bool q = false;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			t->cell = realloc(t->cell, (size_t)cap * sizeof *t->cell);
		}
		t->cell[n++] = o;
		for (;; p++) {
			if (q && *p == '"' && p[1] == '"') {
				*o++ = '"';
				p++;
			} else if (*p == '"') {
				q = !q;
			} else if ((!q && (*p == ',' || *p == '\n')) || !*p) {
				break;
			} else {
				*o++ = *p;
			}
		}
		c++;
		if (*p != ',') {
			if (!t->cols)
				t->cols = c;
			c = 0;
		}
		if (*p)
			p++;
		*o++ = 0;
	}
	t->rows = t->cols ? n / t->cols - 1 : 0;
}

static const char *tcsv_at(const struct tcsv *t, int row, const char *col)
{
	int c;
	for (c = 0; c < t->cols; c++)
		if (!strcmp(t->cell[c], col))
			return t->cell[(row + 1) * t->cols + c];
	return NULL;
}

static void tcsv_free(struct tcsv *t)
{
	free(t->text);
	free(t->cell);
}

/* ---- sweeps ---- */

/* 3 workloads x 2 values x 4 walkers (the acceptance plan). */
static const char *write_plan(const char *name, const char *results)
{
	static char path[600];
	char text[2000];
	snprintf(text, sizeof text,
		 "; a test plan\n"
		 "[sweep]\n"
		 "walkers = native,nested,shadow,agile\n"
		 "results = %s\n"
		 "[workloads]\n"
		 "uni = gen:uniform:footprint=32M,n=6000,rw=0.3\n"
		 "zipf = gen:zipf:footprint=32M,n=6000,ifrac=0.1\n"
		 "churn = gen:mmapchurn:n=6000,live=4,life=1500\n"
		 "[axes]\n"
		 "tlb.l2.entries = 768, 1536\n"
		 "[set]\n"
		 "vmm.exit_cycles = 1200\n", results);
	snprintf(path, sizeof path, "%s", test_write_file(name, text));
	return path;
}

/* Every walker column of every row equals that walker's figure in its own
 * `mmusim run` of the point; returns the cells compared. */
static long check_rows_against_runs(const struct tcsv *t)
{
	static const char *const spec[] = { "uniform:footprint=32M,n=6000,rw=0.3",
					    "zipf:footprint=32M,n=6000,ifrac=0.1",
					    "mmapchurn:n=6000,live=4,life=1500" };
	static const char *const wl[] = { "uni", "zipf", "churn" };
	long compared = 0;
	int r;
	for (r = 0; r < t->rows; r++) {
		char cmd[1000], *out = NULL, err[100];
		const char *w = tcsv_at(t, r, "walker"), *l2 = tcsv_at(t, r, "tlb.l2.entries"), *name = tcsv_at(t, r, "workload");
		struct jf f;
		int k = -1, c, i;
		for (i = 0; i < 3; i++)
			if (name && !strcmp(name, wl[i]))
				k = i;
		if (!(w && l2 && k >= 0)) {
			test_fail(__FILE__, __LINE__, "row %d: no walker, axis or workload", r);
			return -1;
		}
		snprintf(cmd, sizeof cmd, "%s run -w %s -s vmm.exit_cycles=1200 -s tlb.l2.entries=%s --json --gen '%s'",
			 test_mmusim(), w, l2, spec[k]);
		if (test_run(cmd, &out, NULL) != 0 || jf_parse(&f, out, err, sizeof err)) {
			test_fail(__FILE__, __LINE__, "%s failed", cmd);
			free(out);
			return -1;
		}
		for (c = 0; c < t->cols; c++) {
			char path[700];
			const char *want;
			snprintf(path, sizeof path, "walkers.0.%s", t->cell[c]);
			if (!(want = jf_get(&f, path)))
				continue;          /* not a walker figure */
			if (!strncmp(t->cell[c], "exec.vs_", 8))
				continue;          /* relative to the other walkers of the comparison */
			if (strcmp(want, t->cell[(r + 1) * t->cols + c]))
				test_fail(__FILE__, __LINE__, "row %d (%s, %s, l2 %s) %s: sweep %s, run %s", r, name, w, l2,
					  t->cell[c], t->cell[(r + 1) * t->cols + c], want);
			compared++;
		}
		jf_free(&f);
		free(out);
	}
	return compared;
}

TEST(sweep_parallel_rows_equal_runs)
{
	char cmd[1500], csv[700], *out = NULL, *err = NULL;
	const char *dir = test_tmpdir(), *plan;
	struct tcsv t;
	char res[600];

	snprintf(res, sizeof res, "%s/par.d", dir);
	plan = write_plan("par.ini", res);
	snprintf(cmd, sizeof cmd, "%s sweep %s --jobs 2", test_mmusim(), plan);
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_CONTAINS(out, "24 rows (6 points x walkers)");
	free(out);
	free(err);
	snprintf(csv, sizeof csv, "%s/results.csv", res);
	tcsv_load(&t, csv);
	REQUIRE(t.rows == 24);
	CHECK(!strcmp(t.cell[0], "point") && !strcmp(t.cell[1], "workload") && !strcmp(t.cell[2], "tlb.l2.entries") &&
	      !strcmp(t.cell[3], "walker"));
	/* row order: point-major, walkers in plan order */
	CHECK(!strcmp(tcsv_at(&t, 0, "workload"), "uni") && !strcmp(tcsv_at(&t, 0, "walker"), "native"));
	CHECK(!strcmp(tcsv_at(&t, 5, "tlb.l2.entries"), "1536") && !strcmp(tcsv_at(&t, 5, "walker"), "nested"));
	CHECK(!strcmp(tcsv_at(&t, 23, "workload"), "churn") && !strcmp(tcsv_at(&t, 23, "walker"), "agile"));
	CHECK(check_rows_against_runs(&t) > 24 * 100);
	tcsv_free(&t);
}

/* A sweep killed partway and run again finishes without redoing the
 * points it had finished (their files are untouched). */
TEST(sweep_resume_after_kill)
{
	char cmd[1500], res[600], path[700], *out = NULL;
	const char *dir = test_tmpdir(), *plan;
	struct stat st0[6], st1;
	int i, done = 0, tries;
	bool had[6] = { false };

	snprintf(res, sizeof res, "%s/res.d", dir);
	{
		char text[1200];
		snprintf(text, sizeof text,
			 "[sweep]\nwalkers = native,nested\nresults = %s\n[workloads]\n"
			 "u = gen:uniform:footprint=256M,n=250000\n[axes]\ntlb.l2.entries = 768,1536,3072\n"
			 "vmm.exit_cycles = 900,1100\n", res);
		plan = test_write_file("res.ini", text);
	}
	snprintf(cmd, sizeof cmd, "%s sweep %s > %s/res.log 2>&1 & echo $! > %s/res.pid", test_mmusim(), plan, dir, dir);
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	for (tries = 0; tries < 600 && done < 1; tries++) {
		usleep(20000);
		for (done = 0, i = 0; i < 6; i++) {
			snprintf(path, sizeof path, "%s/points/%06d.json", res, i);
			done += access(path, F_OK) == 0;
		}
	}
	snprintf(cmd, sizeof cmd, "kill -KILL $(cat %s/res.pid); pkill -KILL -f 'sweep %s' ; true", dir, plan);
	test_run(cmd, NULL, NULL);
	usleep(100000);
	for (done = 0, i = 0; i < 6; i++) {
		snprintf(path, sizeof path, "%s/points/%06d.json", res, i);
		had[i] = stat(path, &st0[i]) == 0;
		done += had[i];
	}
	CHECK(done >= 1);
	CHECK(done < 6);       /* killed partway (a point takes about 0.3 s) */
	snprintf(path, sizeof path, "%s/results.csv", res);
	CHECK(access(path, F_OK) != 0);
	snprintf(cmd, sizeof cmd, "%s sweep %s", test_mmusim(), plan);
	CHECK_EQ(test_run(cmd, &out, NULL), 0);
	CHECK_STR_CONTAINS(out, "12 rows (6 points x walkers)");
	free(out);
	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof path, "%s/points/%06d.json", res, i);
		REQUIRE(stat(path, &st1) == 0);
		if (had[i])
			CHECK(st1.st_ino == st0[i].st_ino && st1.st_mtim.tv_sec == st0[i].st_mtim.tv_sec &&
			      st1.st_mtim.tv_nsec == st0[i].st_mtim.tv_nsec);
	}
	/* no temporary file is left to pass for a finished point */
	snprintf(cmd, sizeof cmd, "ls %s/points | grep -c tmp", res);
	test_run(cmd, &out, NULL);
	CHECK(out && atoi(out) == 0);
	free(out);
	/* a third run has nothing to do and says the same */
	snprintf(cmd, sizeof cmd, "%s sweep %s --dry-run | grep -c pending", test_mmusim(), plan);
	test_run(cmd, &out, NULL);
	CHECK(out && atoi(out) == 0);
	free(out);
}

/* The same plan as a real Slurm job array: the gathered CSV equals the GNU
 * parallel one byte for byte. */
TEST(sweep_slurm_equals_parallel)
{
	char cmd[2000], res[600], sdir[600], a[700], b[700], *out = NULL, *err = NULL;
	const char *dir = test_tmpdir(), *plan;
	char *ca, *cb;
	int st;

	snprintf(res, sizeof res, "%s/slurm.d", dir);
	plan = write_plan("slurm.ini", res);
	snprintf(sdir, sizeof sdir, "%s/slurm-state", dir);
	snprintf(cmd, sizeof cmd, "SLURM_LOCAL_PORT=%d sh test/tools/slurm-local.sh start %s", 20000 + 2 * (int)(getpid() % 1000),
		 sdir);
	st = test_run(cmd, &out, &err);
	if (st) {
		test_fail(__FILE__, __LINE__, "single-node Slurm did not start (status %d): %s", st, err ? err : "");
		free(out);
		free(err);
		return;
	}
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "SLURM_CONF=%s/slurm.conf %s sweep %s --slurm --batch 4 --wait", sdir, test_mmusim(), plan);
	st = test_run(cmd, &out, &err);
	CHECK_EQ(st, 0);
	CHECK_STR_CONTAINS(out, "6 points, 2 array tasks");
	CHECK_STR_CONTAINS(out, "24 rows");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "sh test/tools/slurm-local.sh stop %s", sdir);
	test_run(cmd, NULL, NULL);
	/* the GNU parallel run of the same plan (own results folder) */
	snprintf(cmd, sizeof cmd, "%s sweep %s --jobs 2 --results %s/slurm-par.d", test_mmusim(), plan, dir);
	CHECK_EQ(test_run(cmd, NULL, NULL), 0);
	snprintf(a, sizeof a, "%s/results.csv", res);
	snprintf(b, sizeof b, "%s/slurm-par.d/results.csv", dir);
	ca = read_whole(a, NULL);
	cb = read_whole(b, NULL);
	REQUIRE(ca && cb);
	CHECK(strlen(ca) > 1000 && !strcmp(ca, cb));
	free(ca);
	free(cb);
}

/* Bad plans: one line naming the plan's file:line, exit 1, nothing run. */
TEST(sweep_bad_plans)
{
	static const struct { const char *body, *msg; } cases[] = {
		{ "[sweep]\nwalkers = native\nfoo = 1\n[workloads]\nu = gen:uniform\n", ":3: [sweep] foo: unknown key" },
		{ "[sweep]\nwalkers = native,nosuch\n[workloads]\nu = gen:uniform\n", ":2: [sweep] walkers: unknown walker 'nosuch'" },
		{ "[sweep]\nwalkers = native\n[workloads]\nu = gen:uniform\n[axes]\ntlb.l2.nosuch = 1,2\n",
		  ":6: [tlb.l2] nosuch: unknown key" },
		{ "[sweep]\nwalkers = native\n[workloads]\nu = gen:uniform\n[axes]\n\ntlb.l2.entries =\n",
		  ":7: [axes] tlb.l2.entries: empty axis" },
		{ "[sweep]\nwalkers = native\n[workloads]\nu = gen:uniform\n[axes]\ntlb.l2.entries = 768,1000\n",
		  ":6: [tlb.l2] entries: entries must be a multiple of ways" },
		{ "[sweep]\nwalkers = native\n[workloads]\nu = gen:uniform\n[set]\ntlb.l1d.ways = 0\n",
		  ":6: [tlb.l1d] ways: ways must be at least 1" },
		{ "[sweep]\nwalkers = native\n[workloads]\n\nx = file:nosuch.bin\n", ":5: [workloads] x: " },
		{ "[sweep]\nwalkers = native\n[workloads]\nx = uniform\n", ":4: [workloads] x: 'uniform' is neither" },
		{ "[sweep]\nwalkers = native\ncombine = zip\n[workloads]\nu = gen:uniform\n[axes]\na.b = 1,2\nc.d = 1\n",
		  ":8: [axes] c.d: combine = zip needs axes of one length" },
		{ "[sweep]\nwalkers = native\n[workloads]\nu = gen:uniform\n[axis]\n", ":5: [axis]: unknown section" },
		{ "[workloads]\nu = gen:uniform\n", "[sweep] missing" },
		{ "[sweep]\nwalkers = native\n[workloads]\nu = gen:uniform\n[axes]\nx.y = 9..3\n", ":6: [axes] x.y: bad range" },
	};
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char name[32], cmd[1000], *out = NULL, *err = NULL;
		const char *plan;
		snprintf(name, sizeof name, "bad%u.ini", i);
		plan = test_write_file(name, cases[i].body);
		snprintf(cmd, sizeof cmd, "%s sweep %s", test_mmusim(), plan);
		CHECK_EQ(test_run(cmd, &out, &err), 1);
		CHECK_STR_CONTAINS(err, cases[i].msg);
		CHECK_STR_CONTAINS(err, plan);
		CHECK(err && strchr(err, '\n') == err + strlen(err) - 1);      /* one line */
		CHECK(out && !out[0]);
		free(out);
		free(err);
		snprintf(cmd, sizeof cmd, "test ! -e %s/bad%u.d", test_tmpdir(), i);
		CHECK_EQ(test_run(cmd, NULL, NULL), 0);                    /* nothing ran */
	}
}

/* --dry-run: the points of cross and zip plans, ranges expanded. */
TEST(sweep_dry_run_points)
{
	char cmd[1000], *out = NULL;
	const char *plan = test_write_file("dry.ini",
		"[sweep]\nwalkers = native\n[workloads]\na = gen:uniform:n=10\nb = gen:seq:n=10\n"
		"[axes]\ntlb.l2.entries = 768..3072*2\nvmm.exit_cycles = 1000..3000:1000\n");
	snprintf(cmd, sizeof cmd, "%s sweep %s --dry-run", test_mmusim(), plan);
	REQUIRE(test_run(cmd, &out, NULL) == 0);
	CHECK_STR_CONTAINS(out, "# 18 points: 2 workload(s) x 9 combination(s) (cross)");
	CHECK_STR_CONTAINS(out, "\n0\tpending\ta\t768\t1000\t");
	CHECK_STR_CONTAINS(out, "\n1\tpending\ta\t768\t2000\t");
	CHECK_STR_CONTAINS(out, "\n8\tpending\ta\t3072\t3000\t");
	CHECK_STR_CONTAINS(out, "\n9\tpending\tb\t768\t1000\t");
	CHECK_STR_CONTAINS(out, "-s tlb.l2.entries=1536 -s vmm.exit_cycles=3000 --json --gen seq:n=10\n");
	free(out);
	plan = test_write_file("dryz.ini",
		"[sweep]\nwalkers = native\ncombine = zip\n[workloads]\na = gen:uniform:n=10\n"
		"[axes]\ntlb.l2.entries = 768,1536\nvmm.exit_cycles = 16,32\n");
	snprintf(cmd, sizeof cmd, "%s sweep %s --dry-run", test_mmusim(), plan);
	REQUIRE(test_run(cmd, &out, NULL) == 0);
	CHECK_STR_CONTAINS(out, "# 2 points: 1 workload(s) x 2 combination(s) (zip)");
	CHECK_STR_CONTAINS(out, "\n1\tpending\ta\t1536\t32\t");
	free(out);
}

/* ---- plots ---- */

/* A hand-made CSV: two workloads, two walkers, two axis values, a
 * 3-bucket histogram. */
static const char *plot_csv(void)
{
	return test_write_file("plot.csv",
		"point,workload,tlb.l2.entries,walker,walk_cycles_mean,walk_cycle_hist.0.lo,walk_cycle_hist.0.hi,"
		"walk_cycle_hist.0.count,walk_cycle_hist.1.lo,walk_cycle_hist.1.hi,walk_cycle_hist.1.count,"
		"walk_cycle_hist.2.lo,walk_cycle_hist.2.hi,walk_cycle_hist.2.count,trace.name\n"
		"0,uni,768,native,20,0,0,0,1,1,1,2,null,3,\"uniform:n=1,rw=0\"\n"
		"0,uni,768,nested,50,0,0,1,1,1,1,2,null,2,\"uniform:n=1,rw=0\"\n"
		"1,uni,1536,native,10,0,0,0,1,1,2,2,null,2,x\n"
		"1,uni,1536,nested,40,0,0,4,1,1,0,2,null,0,x\n"
		"2,zipf,768,native,30,0,0,0,1,1,0,2,null,1,x\n"
		"2,zipf,768,nested,60,0,0,0,1,1,1,2,null,0,x\n");
}

static char *plot_dat(const char *args, const char *fig)
{
	char cmd[1200], dat[700], *out = NULL, *err = NULL;
	int st;
	snprintf(cmd, sizeof cmd, "%s plot %s %s -o %s/%s", test_mmusim(), plot_csv(), args, test_tmpdir(), fig);
	st = test_run(cmd, &out, &err);
	if (st)
		test_fail(__FILE__, __LINE__, "plot %s: status %d: %s", args, st, err ? err : "");
	free(out);
	free(err);
	snprintf(dat, sizeof dat, "%s/%.*s.dat", test_tmpdir(), (int)(strrchr(fig, '.') - fig), fig);
	{
		struct stat s;
		snprintf(cmd, sizeof cmd, "%s/%s", test_tmpdir(), fig);
		CHECK(stat(cmd, &s) == 0 && s.st_size > 1000);       /* gnuplot drew it */
	}
	return read_whole(dat, NULL);
}

TEST(plot_kinds_data)
{
	char *d;
	d = plot_dat("--kind bars --where tlb.l2.entries=768", "bars.svg");
	CHECK(d && !strcmp(d, "\"workload\" \"native\" \"nested\"\n\"uni\" 20 50\n\"zipf\" 30 60\n"));
	free(d);
	d = plot_dat("--kind bars --where tlb.l2.entries=768 --relative native", "rel.png");
	CHECK(d && !strcmp(d, "\"workload\" \"native\" \"nested\"\n\"uni\" 1 2.5\n\"zipf\" 1 2\n"));
	free(d);
	d = plot_dat("--kind lines --x tlb.l2.entries --where workload=uni", "lines.pdf");
	CHECK(d && !strcmp(d, "\"tlb.l2.entries\" \"native\" \"nested\"\n768 20 50\n1536 10 40\n"));
	free(d);
	/* point 0: native counts 0,1,3 (of 4); nested 1,1,2 (of 4) */
	d = plot_dat("--kind hist --where point=0", "hist.svg");
	CHECK(d && !strcmp(d, "\"cycles\" \"native\" \"nested\"\n\"0\" 0 0.25\n\"1\" 0.25 0.25\n\">=2\" 0.75 0.5\n"));
	free(d);
	d = plot_dat("--kind cdf --where point=0", "cdf.svg");
	CHECK(d && !strcmp(d, "\"cycles\" \"native\" \"nested\"\n0 0 0.25\n1 0.25 0.5\n4 1 1\n"));
	free(d);
	d = plot_dat("--kind series --x point --where workload=uni --where tlb.l2.entries=1536", "series.svg");
	CHECK(d && !strcmp(d, "\"point\" \"native\" \"nested\"\n1 10 40\n"));
	free(d);
	d = read_whole(strcat(strcpy((char[700]){ 0 }, test_tmpdir()), "/lines.gp"), NULL);
	CHECK_STR_CONTAINS(d, "set xtics (768, 1536)\n");       /* ticks at the swept values */
	CHECK(d && !strstr(d, "logscale x"));                  /* two points: no geometric axis */
	free(d);
	/* the script names the data and sets labels with units */
	d = read_whole(strcat(strcpy((char[700]){ 0 }, test_tmpdir()), "/rel.gp"), NULL);
	CHECK_STR_CONTAINS(d, "set ylabel 'cycles per page walk, relative to native'");
	CHECK_STR_CONTAINS(d, "set linetype 1 lc rgb '#0072B2'");
	CHECK_STR_CONTAINS(d, "rel.dat' using i:xtic(1)");
	free(d);
}

TEST(plot_errors)
{
	static const struct { const char *args, *msg; int st; } cases[] = {
		{ "--kind bars", "2 rows for workload = uni, walker native: narrow them with --where", 1 },
		{ "--kind bars --metric nosuch", "--metric: no column 'nosuch'", 1 },
		{ "--kind lines", "--kind lines needs --x", 2 },
		{ "--kind lines --x workload --where tlb.l2.entries=768", "'uni' is not a number", 1 },
		{ "--kind pie", "--kind 'pie': bars, lines, hist, cdf or series", 2 },
		{ "--kind bars --where nosuch=1", "--where: no column 'nosuch'", 1 },
		{ "--kind bars --where tlb.l2.entries=768 --relative shadow", "--relative: no walker 'shadow'", 1 },
		{ "--kind bars -o x.jpg", "must end in .svg, .png or .pdf", 2 },
	};
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char cmd[1200], *err = NULL;
		snprintf(cmd, sizeof cmd, "cd %s && %s plot %s %s", test_tmpdir(), test_mmusim(), plot_csv(), cases[i].args);
		CHECK_EQ(test_run(cmd, NULL, &err), cases[i].st);
		CHECK_STR_CONTAINS(err, cases[i].msg);
		free(err);
	}
}

/* The README's figure is current: its plan, swept and plotted as `make
 * figures` does, gives the committed data file. */
TEST(figures_readme_current)
{
	char cmd[2000], dat[700], *want, *got;
	const char *d = test_tmpdir();
	snprintf(cmd, sizeof cmd,
		 "%s sweep docs/figures/walkers.ini --results %s/fig --jobs 2 >/dev/null && "
		 "%s plot %s/fig/results.csv --kind bars --metric total_cycles --relative native --log "
		 "--title x -o %s/walkers.svg >/dev/null", test_mmusim(), d, test_mmusim(), d, d);
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	snprintf(dat, sizeof dat, "%s/walkers.dat", d);
	want = read_whole("docs/figures/walkers.dat", NULL);
	got = read_whole(dat, NULL);
	REQUIRE(want && got);
	if (strcmp(want, got))
		test_fail(__FILE__, __LINE__, "docs/figures/walkers.dat is stale: run make figures\n%s\nnow:\n%s", want, got);
	free(want);
	free(got);
}

/* Every command of docs/studies.md runs as shown, in order, in a scratch
 * folder holding the page's plan (its ini block) and with mmusim on PATH;
 * the Slurm command inside a single-node Slurm of the test's own. `make
 * figures` is run by figures_readme_current (its commands, without
 * rewriting the committed figure). */
TEST(docs_studies_commands)
{
	char *doc = read_whole("docs/studies.md", NULL), *p, *line, *save = NULL, cmd[4000], sdir[600], *err = NULL;
	char bindir[600];
	const char *d = test_tmpdir();
	FILE *plan;
	bool sh = false, ini = false, slurm_up = false;
	int ran = 0, st;

	REQUIRE(doc);
	snprintf(bindir, sizeof bindir, "%s", test_mmusim());
	*strrchr(bindir, '/') = 0;
	snprintf(cmd, sizeof cmd, "mkdir -p %s/study && cp docs/figures/walkers.ini %s/study/ 2>/dev/null; true", d, d);
	test_run(cmd, NULL, NULL);
	snprintf(cmd, sizeof cmd, "%s/study/tlb.ini", d);
	plan = fopen(cmd, "w");
	REQUIRE(plan);
	snprintf(sdir, sizeof sdir, "%s/study-slurm", d);
	for (p = strtok_r(doc, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		line = p;
		if (!strncmp(line, "```", 3)) {
			if (sh || ini) {
				if (ini) {           /* the page's one plan is written */
					fclose(plan);
					plan = NULL;
				}
				sh = ini = false;
			} else {
				sh = !strcmp(line, "```sh");
				ini = !strcmp(line, "```ini") && plan;
			}
			continue;
		}
		if (ini) {
			fprintf(plan, "%s\n", line);
			continue;
		}
		if (!sh || !strcmp(line, "make figures"))
			continue;
		if (strstr(line, "--slurm") && !slurm_up) {
			snprintf(cmd, sizeof cmd, "SLURM_LOCAL_PORT=%d sh test/tools/slurm-local.sh start %s",
				 23000 + 2 * (int)(getpid() % 1000), sdir);
			REQUIRE(test_run(cmd, NULL, &err) == 0);
			free(err);
			slurm_up = true;
		}
		snprintf(cmd, sizeof cmd, "cd %s/study && SLURM_CONF=%s/slurm.conf PATH=%s:$PATH %s", d, sdir, bindir, line);
		st = test_run(cmd, NULL, &err);
		if (st)
			test_fail(__FILE__, __LINE__, "docs/studies.md: `%s` exited %d: %s", line, st, err ? err : "");
		free(err);
		err = NULL;
		ran++;
	}
	if (plan)
		fclose(plan);
	if (slurm_up) {
		snprintf(cmd, sizeof cmd, "sh test/tools/slurm-local.sh stop %s", sdir);
		test_run(cmd, NULL, NULL);
	}
	CHECK(ran >= 9);
	CHECK(slurm_up);
	/* what the commands made */
	snprintf(cmd, sizeof cmd, "test -s %s/study/tlb.d/results.csv && test -s %s/study/bars.svg && test -s %s/study/lines.pdf "
		 "&& test -s %s/study/hist.png && test -s %s/study/cdf.dat && test -s %s/study/sort.lackey", d, d, d, d, d, d);
	CHECK_EQ(test_run(cmd, NULL, NULL), 0);
	free(doc);
}

/* A plan's window reaches every point, and the CSV says what produced
 * each row: version, the point's command line, every configuration key,
 * the plan. */
TEST(sweep_window_and_provenance)
{
	char cmd[1500], res[600], csv[700];
	const char *plan;
	struct tcsv t;
	int r;

	snprintf(res, sizeof res, "%s/win.d", test_tmpdir());
	{
		char text[800];
		snprintf(text, sizeof text,
			 "[sweep]\nwalkers = native,nested\nresults = %s\nwarmup = 2K\nmeasure = 5K\n"
			 "[workloads]\nu = gen:uniform:footprint=64M,n=20000\n[axes]\ntlb.l2.latency = 9,12\n", res);
		plan = test_write_file("win.ini", text);
	}
	snprintf(cmd, sizeof cmd, "%s sweep %s", test_mmusim(), plan);
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	snprintf(csv, sizeof csv, "%s/results.csv", res);
	tcsv_load(&t, csv);
	REQUIRE(t.rows == 4);
	for (r = 0; r < t.rows; r++) {
		const char *v;
		CHECK((v = tcsv_at(&t, r, "accesses")) && !strcmp(v, "5000"));
		CHECK((v = tcsv_at(&t, r, "window.warmup")) && !strcmp(v, "2000"));
		CHECK((v = tcsv_at(&t, r, "mmusim.version")) && *v);
		CHECK((v = tcsv_at(&t, r, "mmusim.command")) && strstr(v, " compare -w native,nested ") &&
		      strstr(v, "--warmup 2K --measure 5K"));
		CHECK((v = tcsv_at(&t, r, "configuration.tlb.l2.latency")) &&
		      !strcmp(v, tcsv_at(&t, r, "tlb.l2.latency")));
		CHECK((v = tcsv_at(&t, r, "sweep.plan")) && !strcmp(v, plan));
	}
	tcsv_free(&t);
}

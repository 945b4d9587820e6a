/*
 * test_place_cli.c - `mmusim place` end to end: every bad input (usage,
 * cluster file, trace rows, generator specs) gives one line naming
 * FILE:LINE or [section] key and a non-zero exit; the printed numbers
 * (table, JSON, time series) equal figures recomputed here from the
 * placements and the trace; the host backing file reads back and agrees
 * with the placements.
 */
#include "place_util.h"
#include "json.h"
#include "../../mmu/machine/place_backing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static int nlines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Runs `mmusim place ARGS`; checks the exit status, that stderr is one
 * line, and that it contains needle1 and needle2. */
static void bad_at(const char *file, int line, const char *args, int want, const char *needle1,
		   const char *needle2)
{
	char cmd[4096], *out = NULL, *err = NULL;
	int st;

	snprintf(cmd, sizeof cmd, "cd %s && %s place %s", test_tmpdir(), test_mmusim(), args);
	st = test_run(cmd, &out, &err);
	if (st != want)
		test_fail(file, line, "`%s`: exit %d, want %d (stderr: %s)", args, st, want, err);
	if (nlines(err) != 1)
		test_fail(file, line, "`%s`: stderr has %d lines, want 1: [%s]", args, nlines(err), err);
	if (needle1 && (!err || !strstr(err, needle1)))
		test_fail(file, line, "`%s`: stderr lacks \"%s\": [%s]", args, needle1, err);
	if (needle2 && (!err || !strstr(err, needle2)))
		test_fail(file, line, "`%s`: stderr lacks \"%s\": [%s]", args, needle2, err);
	free(out);
	free(err);
}
#define bad(args, want, n1, n2) bad_at(__FILE__, __LINE__, args, want, n1, n2)

static char *run_ok(const char *args)
{
	char cmd[4096], *out = NULL, *err = NULL;
	int st;

	snprintf(cmd, sizeof cmd, "cd %s && %s place %s", test_tmpdir(), test_mmusim(), args);
	st = test_run(cmd, &out, &err);
	if (st != 0)
		test_fail(__FILE__, __LINE__, "`%s`: exit %d (stderr: %s)", args, st, err);
	free(err);
	return out;
}

static const char good_ini[] =
	"[cluster]\nservers = 8\ngranule = 256M\n"
	"[server.a]\nram = 16G\ncores = 8\nshare = 50\n"
	"[server.b]\nram = 32G\ncores = 16\nshare = 50\n";

TEST(place_cli_usage)
{
	char *out = NULL, *err = NULL, cmd[600];

	test_write_file("ok.ini", good_ini);
	test_write_file("ok.csv", "a,0,10,1,1G\n");
	snprintf(cmd, sizeof cmd, "%s help place", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_CONTAINS(out, "usage: mmusim place");
	CHECK_STR_CONTAINS(out, "contig-power");
	CHECK_STR_CONTAINS(out, "azure");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s --help", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_CONTAINS(out, "place ");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s place --help", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_CONTAINS(out, "--backing-vms");
	free(out);
	free(err);

	bad("ok.csv", 2, "a cluster description is needed", NULL);
	bad("-c ok.ini", 2, "a trace (file or directory) or --gen", NULL);
	bad("-c ok.ini --gen fixed ok.csv", 2, "either --gen or a trace", NULL);
	bad("-c ok.ini ok.csv ok.csv", 2, "one trace only", NULL);
	bad("-c ok.ini --algo best ok.csv", 2, "bad --algo 'best'", NULL);
	bad("-c ok.ini --algo min,min ok.csv", 2, "bad --algo", NULL);
	bad("-c ok.ini --format xml ok.csv", 2, "unknown format 'xml'", NULL);
	bad("-c ok.ini --gen fixed --format csv", 2, "--format applies to a trace file", NULL);
	bad("-c ok.ini --interval 0 ok.csv", 2, "bad --interval '0'", NULL);
	bad("-c ok.ini --interval -5 ok.csv", 2, "bad --interval", NULL);
	bad("-c ok.ini --bogus ok.csv", 2, "unknown option '--bogus'", NULL);
	bad("-c", 2, "option -c needs an argument", NULL);
	bad("-c ok.ini ok.csv -s", 2, "option -s needs an argument", NULL);
	bad("-c ok.ini --backing-vms all ok.csv", 2, "--backing-vms needs --backing", NULL);
	bad("-c ok.ini --backing b.txt --backing-vms first:x ok.csv", 2, "bad --backing-vms 'first:x'", NULL);
	bad("-c ok.ini --backing b.txt --backing-vms nosuch ok.csv", 1, "no VM 'nosuch' in the trace", NULL);
	bad("-c ok.ini --csv /nonexistent/dir/ts.csv ok.csv", 1, "/nonexistent/dir/ts.csv", NULL);
}

/* Each bad cluster file: one line naming the file and [section] key. */
TEST(place_cli_bad_cluster)
{
	static const struct {
		const char *ini, *needle1, *needle2;
	} cases[] = {
		{ "[cluster]\nservers = 0\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] servers:", "must be between 1 and 1000000" },
		{ "[cluster]\ngranule = 2M\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] servers:", "missing" },
		{ "[cluster]\nservers = 4\ngranule = 3M\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] granule:", "power of two from 4K to 1G" },
		{ "[cluster]\nservers = 4\ngranule = 2G\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] granule:", "power of two" },
		{ "[cluster]\nservers = 4\ncontig_fit = worst\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] contig_fit:", "must be first or best" },
		{ "[cluster]\nservers = 4\norder = random\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] order:", "interleave or grouped" },
		{ "[cluster]\nservers = 4\nfragmentation = 2\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] fragmentation:", "fraction from 0 to 1" },
		{ "[cluster]\nservers = 4\ncpu_ratio = 0\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] cpu_ratio:", "greater than 0" },
		{ "[cluster]\nservers = 4\npower_off = maybe\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] power_off:", "true, false" },
		{ "[cluster]\nservers = 4\nseed = -1\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] seed:", "not a number" },
		{ "[cluster]\nservers = 4\nbogus = 1\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] bogus:", "unknown key" },
		{ "[cluster]\nservers = 4\ncontig_align = 3M\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] contig_align:", "must be 0 (one granule) or a power of two up to 1G" },
		{ "[cluster]\nservers = 4\ncontig_align = 1M\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] contig_align:", "less than one granule" },
		{ "[cluster]\nservers = 4\nallocator = buddy\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] allocator:", "must be search or xen-heap" },
		{ "[cluster]\nservers = 4\ncompaction = often\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] compaction:", "true, false" },
		{ "[cluster]\nservers = 4\nmigrate_interval = -1\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[cluster] migrate_interval:", "not a number" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 0\ncores = 1\nshare = 100\n",
		  "[server.a] ram:", "must be more than 0" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 1M\ncores = 1\nshare = 100\n",
		  "[server.a] ram:", "must be at least 64M" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 17T\ncores = 1\nshare = 100\n",
		  "[server.a] ram:", "must be at most 16T" },
		{ "[cluster]\nservers = 4\ngranule = 1G\n[server.a]\nram = 512M\ncores = 1\nshare = 100\n",
		  "[server.a] ram:", "less than one granule" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = lots\ncores = 1\nshare = 100\n",
		  "[server.a] ram:", "not a size" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 8G\ncores = 0\nshare = 100\n",
		  "[server.a] cores:", "must be between 1 and" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 8G\ncores = 1\nshare = 0\n",
		  "[server.a] share:", "greater than 0 and at most 100" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 8G\ncores = 1\nshare = 60\n"
		  "[server.b]\nram = 8G\ncores = 1\nshare = 30\n",
		  "[server.b] share:", "sum to 90%, not 100%" },
		{ "[cluster]\nservers = 4\n[server.a]\ncores = 1\nshare = 100\n",
		  "[server.a] ram:", "missing" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 8G\ncores = 1\nshare = 100\nreserved = 8G\n",
		  "[server.a] reserved:", "must be less than ram" },
		{ "[cluster]\nservers = 4\n[server.a]\nram = 8G\ncores = 1\nshare = 100\ncolor = red\n",
		  "[server.a] color:", "unknown key" },
		{ "[cluster]\nservers = 4\ncpu_ratio = 0.5\n[server.a]\nram = 8G\ncores = 1\nshare = 100\n",
		  "[server.a] cores:", "less than one vCPU" },
		{ "[cluster]\nservers = 4\n", "[cluster]:", "no server kinds" },
		{ "[cluster]\nservers = 4\n[rack]\nsize = 3\n", "[rack]:", "unknown section" },
		{ "[cluster]\nservers = 4\n[server.]\nram = 8G\n", "[server.]:", "needs a name" },
		{ "[cluster]\nservers = 4\n[server.a+b]\nram = 8G\n", "[server.a+b]:", "made of a-z" },
		{ "servers = 4\n[cluster]\n", "outside any section", NULL },
		{ "[cluster\nservers = 4\n", "c.ini:1: syntax error", NULL },
	};
	char args[600];

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		test_write_file("c.ini", cases[i].ini);
		test_write_file("one.csv", "a,0,10,1,1G\n");
		snprintf(args, sizeof args, "-c c.ini one.csv");
		bad(args, 1, cases[i].needle1, cases[i].needle2);
		bad(args, 1, "c.ini", NULL);
	}
	bad("-c nosuch.ini one.csv", 1, "nosuch.ini: cannot open", NULL);
	test_write_file("c.ini", good_ini);
	bad("-c c.ini -s cluster.servers=0 one.csv", 1, "command line: [cluster] servers:", "between 1 and");
	bad("-c c.ini -s server.a.share=10 one.csv", 1, "[server.b] share:", "sum to 60%");
	bad("-c c.ini -s nodot one.csv", 1, "command line: bad override", NULL);
	bad("-c c.ini -s cluster.servers one.csv", 1, "bad override", NULL);
}

/* Each bad row: one line naming FILE:LINE, exit 1. */
TEST(place_cli_bad_rows)
{
	static const struct {
		const char *fmt, *rows, *needle;
	} cases[] = {
		{ "csv", "a,0,10,1,1G\nb,0,10,1\n", "t.in:2: 4 columns, expected 5" },
		{ "csv", "a,0,10,1,1G,7\n", "t.in:1: 6 columns" },
		{ "csv", ",0,10,1,1G\n", "t.in:1: empty id" },
		{ "csv", "a b,0,10,1,1G\n", "t.in:1: id contains a blank" },
		{ "csv", "a,zero,10,1,1G\n", "t.in:1: created: not an integer" },
		{ "csv", "a,-5,10,1,1G\n", "t.in:1: created: negative value" },
		{ "csv", "a,0,1.5,1,1G\n", "t.in:1: deleted: not an integer" },
		{ "csv", "a,20,10,1,1G\n", "t.in:1: deleted before created" },
		{ "csv", "a,0,10,0,1G\n", "t.in:1: vcpus must be at least 1" },
		{ "csv", "a,0,10,2000000,1G\n", "t.in:1: too many vcpus" },
		{ "csv", "a,0,10,1,0\n", "t.in:1: memory must be more than 0" },
		{ "csv", "a,0,10,1,4Q\n", "t.in:1: memory: not a size" },
		{ "csv", "a,0,10,1,2P\n", "t.in:1: memory too large" },
		{ "csv", "a,0,10,1,\n", "t.in:1: memory: empty field" },
		{ "csv", "a,0,99999999999999999999,1,1G\n", "t.in:1: deleted: number too large" },
		{ "csv", "a,0,9007199254740992,1,1G\n", "t.in:1: time too large" },
		{ "azure", "a,s,d,0,300,1,1,1,Unknown,2\n", "t.in:1: 10 columns, expected 11" },
		{ "azure", ",s,d,0,300,1,1,1,Unknown,2,4\n", "t.in:1: empty vmid" },
		{ "azure", "a,s,d,x,300,1,1,1,Unknown,2,4\n", "t.in:1: vmcreated: not an integer" },
		{ "azure", "a,s,d,0,-1,1,1,1,Unknown,2,4\n", "t.in:1: vmdeleted: negative value" },
		{ "azure", "a,s,d,0,300,1,1,1,Unknown,>32,4\n", "t.in:1: core count: not an integer" },
		{ "azure", "a,s,d,0,300,1,1,1,Unknown,2,4G\n", "t.in:1: memory: not a number" },
		{ "azure", "a,s,d,0,300,1,1,1,Unknown,0,4\n", "t.in:1: vcpus must be at least 1" },
		{ "azure", "a,s,d,600,300,1,1,1,Unknown,2,4\n", "t.in:1: deleted before created" },
		{ "bitbrains", "Timestamp [ms];\tCPU cores\n100;\t2;\t1\n", "t.in:2: 3 fields, expected at least 6" },
		{ "bitbrains", "1x0;\t2;\t1;\t1;\t1;\t1024;\t1\n", "t.in:1: timestamp: not an integer" },
		{ "bitbrains", "100;\ttwo;\t1;\t1;\t1;\t1024;\t1\n", "t.in:1: CPU cores: not an integer" },
		{ "bitbrains", "100;\t2;\t1;\t1;\t1;\tlots;\t1\n", "t.in:1: memory capacity: not a number" },
		{ "bitbrains", "100;\t2;\t1;\t1;\t1;\t0;\t1\n", "t.in:1: memory must be more than 0" },
		{ "bitbrains", "Timestamp [ms];\tCPU cores\n", "t.in: no samples" },
		{ "csv", "id,created,deleted,vcpus,memory\n", "t.in: no VMs in the trace" },
	};
	char args[600];

	test_write_file("c.ini", good_ini);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		test_write_file("t.in", cases[i].rows);
		snprintf(args, sizeof args, "-c c.ini --format %s t.in", cases[i].fmt);
		bad(args, 1, cases[i].needle, NULL);
	}
	/* A line longer than 64 KiB. */
	{
		size_t n = 70000;
		char *body = malloc(n + 16);
		REQUIRE(body);
		memset(body, 'x', n);
		strcpy(body + n, ",0,1,1,1G\n");
		test_write_file("t.in", body);
		free(body);
		bad("-c c.ini --format csv t.in", 1, "t.in:1: line too long", NULL);
	}
	/* A truncated gzip stream. */
	{
		char path[600], cut[600], *buf;
		gzFile g;
		FILE *f;
		long len;
		snprintf(path, sizeof path, "%s/full.csv.gz", test_tmpdir());
		snprintf(cut, sizeof cut, "%s/cut.csv.gz", test_tmpdir());
		g = gzopen(path, "wb");
		REQUIRE(g);
		for (int i = 0; i < 20000; i++)
			gzprintf(g, "vm%d,%d,%d,1,1G\n", i, i, i + 100);
		gzclose(g);
		f = fopen(path, "rb");
		REQUIRE(f);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)len);
		REQUIRE(buf);
		REQUIRE(fread(buf, 1, (size_t)len, f) == (size_t)len);
		fclose(f);
		f = fopen(cut, "wb");
		REQUIRE(f);
		fwrite(buf, 1, (size_t)len / 2, f);
		fclose(f);
		free(buf);
		bad("-c c.ini --format csv cut.csv.gz", 1, "cut.csv.gz: truncated gzip stream", NULL);
	}
	bad("-c c.ini --format csv nosuch.csv", 1, "nosuch.csv: No such file or directory", NULL);
	{
		char d[600];
		snprintf(d, sizeof d, "%s/bbempty", test_tmpdir());
		REQUIRE(mkdir(d, 0755) == 0);
		bad("-c c.ini --format bitbrains bbempty", 1, "bbempty: no *.csv files", NULL);
	}
}

TEST(place_cli_bad_gen)
{
	test_write_file("c.ini", good_ini);
	bad("-c c.ini --gen google", 1, "--gen: unknown VM trace generator 'google'", "azure fixed");
	bad("-c c.ini --gen azure:size=3", 1, "--gen azure: unknown key 'size'", NULL);
	bad("-c c.ini --gen azure:n=abc", 1, "--gen azure: bad value for 'n': 'abc'", NULL);
	bad("-c c.ini --gen azure:n=0", 1, "bad value for 'n': '0' (must be in [1,", NULL);
	bad("-c c.ini --gen azure:days=0", 1, "bad value for 'days'", NULL);
	bad("-c c.ini --gen azure:n=5,n=6", 1, "key 'n' given twice", NULL);
	bad("-c c.ini --gen azure:n=5,", 1, "empty setting after ','", NULL);
	bad("-c c.ini --gen azure:n", 1, "bad setting 'n' (expected key=value)", NULL);
	bad("-c c.ini --gen azure:days=0.01,round=3600", 1, "shorter than round", NULL);
	bad("-c c.ini --gen fixed:memory=3Q", 1, "--gen fixed: bad value for 'memory'", NULL);
	bad("-c c.ini --gen fixed:gap=4503599627370496,n=3", 1, "--gen fixed: the last VM ends after 2^53", NULL);
	bad("-c c.ini --gen fixed:gap=4503599627370497", 1, "bad value for 'gap'", NULL);
}

/* Loads the files the command read and replays each algorithm here. */
struct replay {
	struct cluster c;
	struct vmtrace t;
	struct place_events ev;
	struct place_sim s[PLACE_NR];
	struct pu_stats p[PLACE_NR];
};

static bool replay(struct replay *r, const char *ini, const char *trace, enum vmtrace_fmt fmt)
{
	memset(r, 0, sizeof *r);
	if (!pu_cluster(&r->c, "replay.ini", ini))
		return false;
	if (vmtrace_load(&r->t, trace, fmt, true) || place_events_build(&r->ev, &r->t)) {
		test_fail(__FILE__, __LINE__, "cannot load %s", trace);
		return false;
	}
	for (int a = 0; a < PLACE_NR; a++) {
		if (place_init(&r->s[a], &r->c, &r->t, (enum place_algo)a) || place_run(&r->s[a], &r->ev)) {
			test_fail(__FILE__, __LINE__, "replay %d", a);
			return false;
		}
		pu_recompute(&r->s[a], &r->ev, &r->p[a]);
	}
	return true;
}

static void replay_free(struct replay *r)
{
	for (int a = 0; a < PLACE_NR; a++)
		if (r->s[a].srv)
			place_destroy(&r->s[a]);
	place_events_free(&r->ev);
	vmtrace_free(&r->t);
	cluster_free(&r->c);
}

static double jnum(const char *json, const char *path)
{
	double v = -1;
	if (!json_num(json, path, &v))
		test_fail(__FILE__, __LINE__, "no number at %s", path);
	return v;
}

static const char mixed_ini[] =
	"[cluster]\nservers = 10\ngranule = 128M\nfragmentation = 0.5\n"
	"[server.a]\nram = 12G\ncores = 8\nshare = 60\n"
	"[server.b]\nram = 40G\ncores = 24\nshare = 40\n";

/* A trace of 400 random VMs with a few bad rows. */
static const char *write_random_trace(void)
{
	char *body = malloc(64 * 1024), *p;
	u64 rng = rng_seed(21);
	const char *path;

	if (!body)
		return NULL;
	p = body;
	p += sprintf(p, "id,created,deleted,vcpus,memory\n");
	for (int i = 0; i < 400; i++) {
		u64 c = rng_next(&rng) % 50000, life = rng_next(&rng) % 9000;
		if (i % 97 == 5)
			p += sprintf(p, "bad%d,%llu,oops,1,1G\n", i, (unsigned long long)c);
		p += sprintf(p, "v%d,%llu,%llu,%u,%lluM\n", i, (unsigned long long)c,
			     (unsigned long long)(c + life), 1 + (unsigned)(rng_next(&rng) % 10),
			     (unsigned long long)(100 + rng_next(&rng) % 20000));
	}
	path = test_write_file("rand.csv", body);
	free(body);
	return path;
}

/* The JSON report against the recomputation: for every algorithm, placed,
 * rejected, contiguous and its percentage, peak / mean / ever powered,
 * consolidation, peak VMs, start and end; the trace's skipped rows; the
 * cluster's counts per kind. Then the table's numbers. */
TEST(place_cli_json_and_table_numbers)
{
	struct replay r;
	const char *trace = write_random_trace();
	char *out, path[128], *line;
	int a;

	REQUIRE(trace);
	test_write_file("mixed.ini", mixed_ini);
	out = run_ok("-c mixed.ini --skip-bad --json --algo first,min,max,contig,contig-power rand.csv");
	REQUIRE(out);
	CHECK(json_valid(out));
	REQUIRE(replay(&r, mixed_ini, trace, VMF_CSV));
	CHECK_EQ(jnum(out, "trace.vms"), 400);
	CHECK_EQ(jnum(out, "trace.skipped"), 5);
	CHECK_EQ(jnum(out, "trace.rows"), 405);
	CHECK_EQ(jnum(out, "trace.files"), 1);
	CHECK_EQ(jnum(out, "cluster.granule"), 128 << 20);
	CHECK_EQ(jnum(out, "cluster.kinds.0.ram"), 12ull << 30);
	CHECK_EQ(jnum(out, "cluster.kinds.0.cores"), 8);
	CHECK_EQ(jnum(out, "cluster.kinds.0.share"), 60);
	/* a: 12G / 128M = 96 granules, 12 1G blocks, 6 pinned. */
	CHECK_EQ(jnum(out, "cluster.kinds.0.granules"), 96 - 6);
	CHECK_EQ(jnum(out, "cluster.servers"), 10);
	CHECK_EQ(jnum(out, "cluster.kinds.0.servers"), 6);
	CHECK_EQ(jnum(out, "cluster.kinds.1.servers"), 4);
	CHECK_EQ(jnum(out, "cluster.kinds.1.vcpus"), 24);
	/* b: 40G / 128M = 320 granules, 40 1G blocks, 20 pinned (one granule each). */
	CHECK_EQ(jnum(out, "cluster.kinds.1.granules"), 320 - 20);
	for (a = 0; a < PLACE_NR; a++) {
		const struct pu_stats *p = &r.p[a];
		char k[64];
#define J(field) (snprintf(k, sizeof k, "algorithms.%d.%s", a, field), jnum(out, k))
		CHECK_EQ(J("placed"), p->placed);
		CHECK_EQ(J("rejected"), p->rejected);
		CHECK_EQ(J("vms"), p->placed + p->rejected);
		CHECK_EQ(J("contiguous"), p->contiguous);
		CHECK_NEAR(J("contiguous_pct"), 100.0 * p->contiguous / p->placed, 1e-9);
		CHECK_EQ(J("peak_powered"), p->peak_powered);
		CHECK_NEAR(J("mean_powered"), p->mean_powered, 1e-9 * (1 + p->mean_powered));
		CHECK_EQ(J("ever_powered"), p->ever_powered);
		CHECK_NEAR(J("consolidation_rate"), p->peak_powered / 10.0, 1e-12);
		CHECK_EQ(J("peak_vms"), p->peak_vms);
		CHECK_EQ(J("start"), p->start);
		CHECK_EQ(J("end"), p->end);
		CHECK_EQ(J("power_ons"), p->power_ons);
		CHECK_EQ(J("scattered_extents"), p->scattered_extents);
#undef J
	}
	/* Something must differ between the algorithms for this to test
	 * anything: the contiguous counts or the powered servers. */
	CHECK(r.p[PLACE_FIRST].contiguous != r.p[PLACE_CONTIG].contiguous ||
	      r.p[PLACE_FIRST].peak_powered != r.p[PLACE_MAX].peak_powered);
	free(out);

	/* The table: one row per algorithm, the same numbers. */
	out = run_ok("-c mixed.ini --skip-bad --algo first,min,max,contig,contig-power rand.csv");
	REQUIRE(out);
	CHECK_STR_CONTAINS(out, "5 bad rows skipped");
	CHECK_STR_CONTAINS(out, "rand.csv (csv): 400 VMs");
	CHECK_STR_CONTAINS(out, "10 servers, granule 128M");
	CHECK_STR_CONTAINS(out, "a               6 servers      8 vCPUs     12G RAM  (60%)");
	CHECK_STR_CONTAINS(out, "b               4 servers     24 vCPUs     40G RAM  (40%)");
	snprintf(path, sizeof path, "span     %llu to %llu s (%.2f days)", (unsigned long long)r.p[0].start,
		 (unsigned long long)r.p[0].end, (double)(r.p[0].end - r.p[0].start) / 86400);
	CHECK_STR_CONTAINS(out, path);
	for (a = 0; a < PLACE_NR; a++) {
		const struct pu_stats *p = &r.p[a];
		unsigned long long placed, rej, cont, peak, ever;
		double pct, cons, mean;
		snprintf(path, sizeof path, "\n%s ", place_algo_name((enum place_algo)a));
		line = strstr(out, path);
		REQUIRE(line);
		REQUIRE(sscanf(line + strlen(path), "%llu %llu %llu %lf %llu %lf %lf %llu", &placed, &rej, &cont,
			       &pct, &peak, &cons, &mean, &ever) == 8);
		CHECK_EQ(placed, p->placed);
		CHECK_EQ(rej, p->rejected);
		CHECK_EQ(cont, p->contiguous);
		CHECK_NEAR(pct, 100.0 * p->contiguous / p->placed, 0.0005);
		CHECK_EQ(peak, p->peak_powered);
		CHECK_NEAR(cons, p->peak_powered / 10.0, 0.00005);
		CHECK_NEAR(mean, p->mean_powered, 0.005);
		CHECK_EQ(ever, p->ever_powered);
	}
	free(out);
	replay_free(&r);
}

/* The time series: a row per algorithm every interval from the first
 * event to the last; each row is the state after every event up to its
 * time, recomputed from the placements: VMs alive (created <= t <
 * deleted), the servers holding them, their vCPUs and memory. */
TEST(place_cli_time_series)
{
	struct replay r;
	const char *trace = write_random_trace();
	char *out, *csv, *line, cmd[600], *err = NULL;
	u64 rows[PLACE_NR] = { 0 };
	int a;

	REQUIRE(trace);
	test_write_file("mixed.ini", mixed_ini);
	out = run_ok("-c mixed.ini --skip-bad --algo first,min,max,contig,contig-power "
		     "--csv ts.csv --interval 700 rand.csv");
	free(out);
	REQUIRE(replay(&r, mixed_ini, trace, VMF_CSV));
	snprintf(cmd, sizeof cmd, "cat %s/ts.csv", test_tmpdir());
	REQUIRE(test_run(cmd, &csv, &err) == 0);
	free(err);
	{
		static const char head[] = "algo,time,powered,vms,contiguous_vms,vcpus,memory\n";
		REQUIRE(!strncmp(csv, head, strlen(head)));
	}
	for (line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
		char name[32];
		unsigned long long t, pw, vms, cv, vc, mem;
		u64 i, want_vms = 0, want_cv = 0, want_vc = 0, want_mem = 0, want_pw = 0;
		u8 on[10] = { 0 };
		REQUIRE(sscanf(line, "%31[^,],%llu,%llu,%llu,%llu,%llu,%llu", name, &t, &pw, &vms, &cv, &vc,
			       &mem) == 7);
		for (a = 0; a < PLACE_NR && strcmp(name, place_algo_name((enum place_algo)a)); a++)
			;
		REQUIRE(a < PLACE_NR);
		CHECK_EQ(t, r.p[a].start + rows[a] * 700);
		rows[a]++;
		for (i = 0; i < r.t.n; i++) {
			const struct vm_rec *v = &r.t.v[i];
			const struct place_vm *m = &r.s[a].vm[i];
			if (m->server == PLACE_NONE || v->created > t || v->deleted <= t)
				continue;
			want_vms++;
			want_cv += m->contiguous;
			want_vc += v->vcpus;
			want_mem += m->frames * r.c.granule;
			if (!on[m->server]++)
				want_pw++;
		}
		if (pw != want_pw || vms != want_vms || cv != want_cv || vc != want_vc || mem != want_mem) {
			test_fail(__FILE__, __LINE__, "%s at %llu: %llu %llu %llu %llu %llu, recomputed %llu %llu "
				  "%llu %llu %llu", name, t, pw, vms, cv, vc, mem, (unsigned long long)want_pw,
				  (unsigned long long)want_vms, (unsigned long long)want_cv,
				  (unsigned long long)want_vc, (unsigned long long)want_mem);
			break;
		}
	}
	for (a = 0; a < PLACE_NR; a++)
		CHECK_EQ(rows[a], (r.p[a].end - r.p[a].start) / 700 + 1);
	free(csv);
	replay_free(&r);
}

/* The backing file of every placed VM reads back, and each record agrees
 * with the placement replayed here: server, contiguity, base, extents
 * summing to the VM's granules, the server's RAM. */
TEST(place_cli_backing_file)
{
	struct replay r;
	const char *trace = write_random_trace();
	struct backing_rec *b;
	char path[600], *out;
	u64 n, k = 0, want = 0;
	int a;

	REQUIRE(trace);
	test_write_file("mixed.ini", mixed_ini);
	out = run_ok("-c mixed.ini --skip-bad --algo first,min,max,contig,contig-power "
		     "--backing back.txt --backing-vms all rand.csv");
	free(out);
	REQUIRE(replay(&r, mixed_ini, trace, VMF_CSV));
	snprintf(path, sizeof path, "%s/back.txt", test_tmpdir());
	REQUIRE(backing_read(path, &b, &n) == 0);
	for (a = 0; a < PLACE_NR; a++)
		want += r.p[a].placed;
	REQUIRE_EQ(n, want);
	/* Records come per algorithm, in arrival order. */
	for (a = 0; a < PLACE_NR; a++) {
		for (u64 e = 0; e < r.ev.n; e++) {
			const struct place_ev *ev = &r.ev.v[e];
			const struct place_vm *m = &r.s[a].vm[ev->vm];
			const struct vm_rec *v = &r.t.v[ev->vm];
			const struct backing_rec *x;
			char buf[32];
			u64 sum = 0;
			if (!place_ev_arrival(ev) || m->server == PLACE_NONE)
				continue;
			REQUIRE(k < n);
			x = &b[k++];
			CHECK(!strcmp(x->id, vmtrace_id(&r.t, ev->vm, buf, sizeof buf)));
			CHECK(!strcmp(x->algo, place_algo_name((enum place_algo)a)));
			CHECK_EQ(x->server, m->server);
			CHECK_EQ(x->contiguous, m->contiguous);
			CHECK_EQ(x->memory, m->frames * r.c.granule);
			CHECK_EQ(x->requested, v->memory);
			CHECK_EQ(x->vcpus, v->vcpus);
			CHECK_EQ(x->created, v->created);
			CHECK_EQ(x->host_ram, r.c.kind[r.c.server_kind[m->server]].frames * r.c.granule);
			if (m->contiguous)
				CHECK_EQ(x->ext[0].hpa, m->base * r.c.granule);
			for (u64 j = 0; j < x->next; j++)
				sum += x->ext[j].bytes;
			CHECK_EQ(sum, x->memory);
			if (test_failed_now)
				break;
		}
	}
	CHECK_EQ(k, n);
	backing_free(b, n);

	/* largest:3 picks the three largest VMs (ties to the first). */
	out = run_ok("-c mixed.ini --skip-bad --algo contig --backing big.txt --backing-vms largest:3 rand.csv");
	free(out);
	snprintf(path, sizeof path, "%s/big.txt", test_tmpdir());
	REQUIRE(backing_read(path, &b, &n) == 0);
	CHECK(n <= 3);
	for (u64 j = 0; j < n; j++) {
		u64 bigger = 0;
		for (u64 i = 0; i < r.t.n; i++)
			bigger += r.t.v[i].memory > b[j].requested;
		CHECK(bigger < 3);
	}
	backing_free(b, n);
	replay_free(&r);
}

/* Format detection from the command line: the same VMs as azure and csv
 * give the same report. */
TEST(place_cli_formats_detected)
{
	char *a, *b;

	test_write_file("c.ini", good_ini);
	test_write_file("az.csv", "v1,s,d,0,600,1,1,1,Unknown,2,4\nv2,s,d,300,900,1,1,1,Unknown,4,8\n");
	test_write_file("same.csv", "v1,0,600,2,4G\nv2,300,900,4,8G\n");
	a = run_ok("-c c.ini --json az.csv");
	b = run_ok("-c c.ini --json same.csv");
	REQUIRE(a && b);
	CHECK_STR_CONTAINS(a, "\"format\": \"azure\"");
	CHECK_STR_CONTAINS(b, "\"format\": \"csv\"");
	CHECK_EQ(jnum(a, "algorithms.0.placed"), 2);
	CHECK(!strcmp(strstr(a, "\"algorithms\""), strstr(b, "\"algorithms\"")));
	free(a);
	free(b);
}

/* Writer and reader of the backing format by hand, and each malformed
 * file: one line naming FILE:LINE. */
TEST(place_backing_round_trip)
{
	struct backing_ext e1[] = { { 0x40000000, 0x20000000 } };
	struct backing_ext e2[] = { { 0x200000, 0x200000 }, { 0x10000000, 0x400000 }, { 0x800000, 0x200000 } };
	struct backing_rec in[2] = {
		{ .id = "vm-a/b+c==", .algo = "contig", .kind = "gen5", .server = 17, .vcpus = 2,
		  .memory = 0x20000000, .requested = 0x1c000000, .host_ram = 1ull << 38, .granule = 0x200000,
		  .created = 0, .deleted = 86400, .contiguous = true, .next = 1, .ext = e1 },
		{ .id = "vm7", .algo = "first", .kind = "hpc", .server = 3, .vcpus = 1, .memory = 0x800000,
		  .requested = 0x800000, .host_ram = 1ull << 30, .granule = 0x200000, .created = 5,
		  .deleted = 5, .contiguous = false, .next = 3, .ext = e2 },
	};
	struct backing_rec *out;
	char path[600];
	FILE *f;
	u64 n;

	snprintf(path, sizeof path, "%s/rt.backing", test_tmpdir());
	f = fopen(path, "w");
	REQUIRE(f);
	REQUIRE(backing_write_header(f) == 0);
	REQUIRE(backing_write(f, &in[0]) == 0);
	REQUIRE(backing_write(f, &in[1]) == 0);
	fclose(f);
	REQUIRE(backing_read(path, &out, &n) == 0);
	REQUIRE_EQ(n, 2);
	for (int i = 0; i < 2; i++) {
		CHECK(!strcmp(out[i].id, in[i].id));
		CHECK(!strcmp(out[i].algo, in[i].algo));
		CHECK(!strcmp(out[i].kind, in[i].kind));
		CHECK_EQ(out[i].server, in[i].server);
		CHECK_EQ(out[i].vcpus, in[i].vcpus);
		CHECK_EQ(out[i].memory, in[i].memory);
		CHECK_EQ(out[i].requested, in[i].requested);
		CHECK_EQ(out[i].host_ram, in[i].host_ram);
		CHECK_EQ(out[i].granule, in[i].granule);
		CHECK_EQ(out[i].created, in[i].created);
		CHECK_EQ(out[i].deleted, in[i].deleted);
		CHECK_EQ(out[i].contiguous, in[i].contiguous);
		REQUIRE_EQ(out[i].next, in[i].next);
		CHECK(!memcmp(out[i].ext, in[i].ext, in[i].next * sizeof *in[i].ext));
	}
	backing_free(out, n);
}

TEST(place_backing_bad_files)
{
	static const char vm_ok[] = "vm id=a algo=first server=0 kind=k vcpus=1 memory=0x400000 "
				    "requested=0x400000 host_ram=0x40000000 granule=0x200000 created=0 "
				    "deleted=1 contiguous=0 extents=2\n";
	static const struct {
		const char *body, *needle;
	} cases[] = {
		{ "", "b.txt: empty file" },
		{ "hello\n", "b.txt:1: not a backing file" },
		{ "mmusim-backing 2\n", "b.txt:1: version 2" },
		{ "mmusim-backing 1\nbogus\n", "b.txt:2: expected a vm or extent line" },
		{ "mmusim-backing 1\nextent 0 0x200000\n", "b.txt:2: extent line without a vm line" },
		{ "mmusim-backing 1\nvm id=a color=red\n", "b.txt:2: unknown key 'color'" },
		{ "mmusim-backing 1\nvm id=a id=b\n", "b.txt:2: key 'id' given twice" },
		{ "mmusim-backing 1\nvm id=a\n", "b.txt:2: vm line without algo=" },
		{ "mmusim-backing 1\nvm id=a server\n", "b.txt:2: expected key=value" },
		{ "mmusim-backing 1\nvm id=a server=x\n", "b.txt:2: server: not a number" },
		{ "mmusim-backing 1\nvm id=a contiguous=2\n", "b.txt:2: contiguous: must be 0 or 1" },
		{ "mmusim-backing 1\nvm id=a extents=0\n", "b.txt:2: extents: must be 1 to" },
	};
	static const struct {
		const char *extents, *needle;
	} ext_cases[] = {
		{ "extent 0 0x200000\n", "ends inside VM 'a'" },
		{ "extent 0 0x200000\nextent 0x200000\n", "b.txt:4: expected 'extent HPA BYTES'" },
		{ "extent 0 0x200000\nextent 0x200000 zz\n", "b.txt:4: expected 'extent HPA BYTES' (numbers)" },
		{ "extent 0 0x200000\nextent 0x100000 0x200000\n", "b.txt:2: VM 'a': an extent not aligned" },
		{ "extent 0 0x200000\nextent 0 0x200000\n", "b.txt:2: VM 'a': extents overlap" },
		{ "extent 0 0x200000\nextent 0x40000000 0x200000\n", "b.txt:2: VM 'a': an extent beyond host_ram" },
		{ "extent 0 0x200000\nextent 0x400000 0x400000\n", "b.txt:2: VM 'a': the extents do not sum" },
		{ "extent 0 0x200000\nextent 0x400000 0\n", "b.txt:2: VM 'a': an extent of 0 bytes" },
	};
	char body[2048], cmd[700], *out, *err;

	for (unsigned i = 0; i < ARRAY_SIZE(cases) + ARRAY_SIZE(ext_cases) + 2; i++) {
		struct backing_rec *b;
		u64 n;
		int rc;
		if (i < ARRAY_SIZE(cases))
			snprintf(body, sizeof body, "%s", cases[i].body);
		else if (i < ARRAY_SIZE(cases) + ARRAY_SIZE(ext_cases))
			snprintf(body, sizeof body, "mmusim-backing 1\n%s%s", vm_ok,
				 ext_cases[i - ARRAY_SIZE(cases)].extents);
		else if (i == ARRAY_SIZE(cases) + ARRAY_SIZE(ext_cases))   /* a new vm line too early */
			snprintf(body, sizeof body, "mmusim-backing 1\n%sextent 0 0x200000\n%s", vm_ok, vm_ok);
		else                                                       /* contiguous with 2 extents */
			snprintf(body, sizeof body, "mmusim-backing 1\n%.*s1 extents=2\nextent 0 0x200000\n"
				 "extent 0x400000 0x200000\n", (int)(strstr(vm_ok, "contiguous=") - vm_ok + 11), vm_ok);
		test_write_file("b.txt", body);
		/* The message goes to a file, through file descriptor 2. */
		{
			char errpath[600];
			int fd, saved;
			snprintf(cmd, sizeof cmd, "%s/b.txt", test_tmpdir());
			snprintf(errpath, sizeof errpath, "%s/b.err", test_tmpdir());
			fflush(stderr);
			saved = dup(2);
			fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			REQUIRE(saved >= 0 && fd >= 0);
			dup2(fd, 2);
			close(fd);
			rc = backing_read(cmd, &b, &n);
			fflush(stderr);
			dup2(saved, 2);
			close(saved);
			snprintf(cmd, sizeof cmd, "cat %s", errpath);
			REQUIRE(test_run(cmd, &out, &err) == 0);
		}
		CHECK_EQ(rc, -EINVAL);
		CHECK_EQ(nlines(out), 1);
		if (i < ARRAY_SIZE(cases))
			CHECK_STR_CONTAINS(out, cases[i].needle);
		else if (i < ARRAY_SIZE(cases) + ARRAY_SIZE(ext_cases))
			CHECK_STR_CONTAINS(out, ext_cases[i - ARRAY_SIZE(cases)].needle);
		else if (i == ARRAY_SIZE(cases) + ARRAY_SIZE(ext_cases))
			CHECK_STR_CONTAINS(out, "b.txt:4: VM 'a' has 1 extents, its vm line said 2");
		else
			CHECK_STR_CONTAINS(out, "b.txt:2: VM 'a': contiguous=1 with more than one extent");
		free(out);
		free(err);
	}
}

/*
 * test_measure_cli.c - the measurement options of `mmusim run` and
 * `compare` end to end: provenance fields (version, command line, every
 * configuration key, the trace's size and hash, the window), the CSV,
 * intervals, ROI markers in both formats, SIGINT, the progress line,
 * --allow-truncated, decimal count suffixes, and one test per new error
 * message. Expected values come from the inputs the tests write (file
 * sizes, an FNV-1a computed here, `mmusim config`), not from runs.
 */
#include "test.h"
#include "trace_util.h"
#include "json.h"
#include "cli_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* FNV-1a 64 of a file, written from the published definition. */
static unsigned long long fnv_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned long long h = 14695981039346656037ull;
	int c;
	if (!f)
		return 0;
	while ((c = getc(f)) != EOF) {
		h ^= (unsigned char)c;
		h *= 1099511628211ull;
	}
	fclose(f);
	return h;
}

TEST(measure_provenance_fields)
{
	char args[1200], path[400], want[64], got[400], *j, *j2, *ver, *cfg, *line;
	struct stat sb;
	int keys = 0, found = 0;

	snprintf(path, sizeof path, "%s/prov.bin", test_tmpdir());
	snprintf(args, sizeof args, "%s gen 'uniform:footprint=64M,n=3000,seed=4' -o %s", test_mmusim(), path);
	REQUIRE(test_run(args, NULL, NULL) == 0);
	REQUIRE(stat(path, &sb) == 0);
	snprintf(args, sizeof args, "run --json -s tlb.l2.latency=12 --warmup 1K --measure 1500 %s", path);
	j = run_ok(args);
	REQUIRE(j && json_valid(j));
	/* version: what --version prints */
	ver = run_ok("--version");
	REQUIRE(ver && !strncmp(ver, "mmusim ", 7));
	ver[strcspn(ver, "\n")] = 0;
	CHECK(json_str_at(j, "mmusim.version", got, sizeof got) && !strcmp(got, ver + 7) && *got);
	/* the full command line */
	CHECK(json_str_at(j, "mmusim.command.1", got, sizeof got) && !strcmp(got, "run"));
	CHECK(json_str_at(j, "mmusim.command.4", got, sizeof got) && !strcmp(got, "tlb.l2.latency=12"));
	CHECK(json_str_at(j, "mmusim.command.9", got, sizeof got) && !strcmp(got, path));
	/* a walker list survives whole (it is parsed from a copy) */
	{
		char *jc = run_ok("compare -w native,nested --json --gen uniform:n=100");
		CHECK(jc && json_str_at(jc, "mmusim.command.3", got, sizeof got) && !strcmp(got, "native,nested"));
		free(jc);
	}
	/* the trace: name, format, size, hash of its bytes */
	CHECK(json_str_at(j, "trace.name", got, sizeof got) && !strcmp(got, path));
	CHECK(json_str_at(j, "trace.format", got, sizeof got) && !strcmp(got, "bin"));
	CHECK_EQ(num(j, "trace.bytes"), (double)sb.st_size);
	snprintf(want, sizeof want, "fnv1a64:%016llx", fnv_file(path));
	CHECK(json_str_at(j, "trace.hash", got, sizeof got) && !strcmp(got, want));
	/* the window */
	CHECK_EQ(num(j, "window.warmup"), 1000);
	CHECK_EQ(num(j, "window.measure"), 1500);
	CHECK_EQ(num(j, "window.counted_accesses"), 1500);
	CHECK(json_str_at(j, "window.end", got, sizeof got) && !strcmp(got, "measure"));
	CHECK_EQ(num(j, "walkers.0.accesses"), 1500);
	/* every key of the effective configuration, with its value */
	cfg = run_ok("config -s tlb.l2.latency=12");
	REQUIRE(cfg);
	for (line = strtok(cfg, "\n"); line; line = strtok(NULL, "\n")) {
		static char sec[64];
		char key[64], val[128], p[256];
		if (line[0] == '[') {
			snprintf(sec, sizeof sec, "%.*s", (int)strcspn(line + 1, "]"), line + 1);
			continue;
		}
		if (sscanf(line, "%63s = %127s", key, val) != 2)
			continue;
		keys++;
		if (strchr(sec, '.'))
			continue;   /* the dotted-path reader cannot name these sections */
		snprintf(p, sizeof p, "configuration.%s.%s", sec, key);
		if (json_str_at(j, p, got, sizeof got) && !strcmp(got, val))
			found++;
		else
			test_fail(__FILE__, __LINE__, "%s: want %s, got %s", p, val, got);
	}
	CHECK(keys > 80 && found > 40);
	CHECK_STR_CONTAINS(j, "\"tlb.l2\":{\"entries\":\"1536\",\"ways\":\"12\",\"policy\":\"lru\",\"latency\":\"12\"");
	/* another configuration: another configuration object, the same version */
	snprintf(args, sizeof args, "run --json -s tlb.l2.latency=10 --warmup 1K --measure 1500 %s", path);
	j2 = run_ok(args);
	REQUIRE(j2);
	CHECK(strstr(j2, "\"policy\":\"lru\",\"latency\":\"10\""));
	CHECK(json_str_at(j2, "mmusim.version", got, sizeof got) && !strcmp(got, ver + 7));
	CHECK(strcmp(j, j2));
	free(j2);
	/* a key set to its default value changes nothing but the command line */
	snprintf(args, sizeof args, "run --json -s tlb.l2.latency=9 --warmup 1K --measure 1500 %s", path);
	j2 = run_ok(args);
	snprintf(args, sizeof args, "run --json --warmup 1K --measure 1500 %s", path);
	free(j);
	j = run_ok(args);
	REQUIRE(j && j2 && strstr(j, "\"configuration\"") && strstr(j2, "\"configuration\""));
	CHECK(!strcmp(strstr(j, "\"configuration\""), strstr(j2, "\"configuration\"")));
	CHECK(strcmp(j, j2));
	free(j2);
	free(cfg);
	free(ver);
	free(j);
}

/* The CSV: a header row, one row per walker; per walker per interval
 * with --interval; the same figures as the JSON. */
TEST(measure_csv_and_intervals)
{
	char args[1200], csvp[400], *j, *csv, *line, *save = NULL;
	int rows = 0, cols_h = 0, i;
	double walks_sum[2] = { 0, 0 };

	snprintf(csvp, sizeof csvp, "%s/out.csv", test_tmpdir());
	snprintf(args, sizeof args, "compare -w native,nested --json --csv %s --gen 'zipf:footprint=64M,n=10000,seed=1'",
		 csvp);
	j = run_ok(args);
	csv = read_whole(csvp, NULL);
	REQUIRE(j && csv);
	for (line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int cols = 1;
		bool q = false;
		const char *p;
		for (p = line; *p; p++) {
			q ^= *p == '"';
			cols += *p == ',' && !q;
		}
		if (!rows++) {
			cols_h = cols;
			CHECK(!strncmp(line, "version,command,trace,", 22));
			CHECK(strstr(line, ",walker,interval,first_access,last_access,accesses,"));
			CHECK(strstr(line, ",exec_cycles,exec_overhead_pct,exec_vs_native,"));
			CHECK(strstr(line, ",cfg.tlb.l2.entries,"));
		} else {
			CHECK_EQ(cols, cols_h);
			CHECK(strstr(line, rows == 2 ? ",native,," : ",nested,,"));
		}
	}
	CHECK_EQ(rows, 3);
	free(csv);
	free(j);

	/* intervals of 3000 accesses over 10000: 3000, 3000, 3000, 1000 */
	snprintf(args, sizeof args,
		 "compare -w native,nested --json --interval 3K --csv %s --gen 'zipf:footprint=64M,n=10000,seed=1'", csvp);
	j = run_ok(args);
	csv = read_whole(csvp, NULL);
	REQUIRE(j && csv);
	for (i = 0; i < 4; i++) {
		char p[80];
		int w;
		for (w = 0; w < 2; w++) {
			snprintf(p, sizeof p, "walkers.%d.intervals.%d.accesses", w, i);
			CHECK_EQ(num(j, p), i < 3 ? 3000 : 1000);
			snprintf(p, sizeof p, "walkers.%d.intervals.%d.first_access", w, i);
			CHECK_EQ(num(j, p), 3000 * i + 1);
			snprintf(p, sizeof p, "walkers.%d.intervals.%d.walks", w, i);
			walks_sum[w] += num(j, p);
		}
	}
	CHECK(!json_has(j, "walkers.0.intervals.4"));
	/* the intervals add up to the window */
	CHECK_EQ(walks_sum[0], num(j, "walkers.0.walks"));
	CHECK_EQ(walks_sum[1], num(j, "walkers.1.walks"));
	rows = 0;
	save = NULL;
	for (line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		rows++;
	CHECK_EQ(rows, 1 + 4 * 2);
	free(csv);
	free(j);
}

/* ROI markers in the text and the binary formats select the same events. */
TEST(measure_roi_both_formats)
{
	const char *txt = test_write_file("roi2.txt",
		"R 7f0000000000 8\nR 7f0000001000 8\nROI BEGIN\nR 7f0000002000 8\nW 7f0000003000 8\n"
		"roi end\nR 7f0000004000 8\n");
	char args[1200], bin[400], *a, *b;
	snprintf(bin, sizeof bin, "%s/roi2.bin", test_tmpdir());
	/* a text trace through gen's writer: convert with a run of the text reader */
	snprintf(args, sizeof args, "run --json --roi %s", txt);
	a = run_ok(args);
	REQUIRE(a);
	CHECK_EQ(num(a, "walkers.0.accesses"), 2);
	CHECK_EQ(num(a, "window.roi_regions"), 1);
	CHECK_EQ(num(a, "machine.demand_faults"), 2);
	/* the binary record 0x89: written byte by byte (docs/trace-format.md) */
	{
		static const unsigned char bytes[] = {
			'M', 'M', 'U', 'S', 'I', 'M', 'T', '1', 1, 0, 0, 0,
			0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0xc0, 0x3f, 0x08, /* R 0x7f0000000000 8 */
			0x00, 0x80, 0x40,                                   /* R +0x1000 */
			0x89, 0x01,                                         /* ROI BEGIN */
			0x00, 0x80, 0x40,                                   /* R +0x1000 */
			0x01, 0x80, 0x40,                                   /* W +0x1000 */
			0x89, 0x00,                                         /* ROI END */
			0x00, 0x80, 0x40,                                   /* R +0x1000 */
			0xff, 0x07,                                         /* END, 7 events */
		};
		FILE *f = fopen(bin, "wb");
		REQUIRE(f);
		fwrite(bytes, 1, sizeof bytes, f);
		fclose(f);
	}
	snprintf(args, sizeof args, "run --json --roi %s", bin);
	b = run_ok(args);
	REQUIRE(b);
	CHECK_EQ(num(b, "walkers.0.accesses"), 2);
	CHECK_EQ(num(b, "walkers.0.accesses_by_type.W"), 1);
	CHECK_EQ(num(b, "machine.demand_faults"), 2);
	free(a);
	free(b);
	/* gen writes and reads back the markers: text -> bin -> text */
	snprintf(args, sizeof args, "%s run --roi --json %s | grep -c '\"roi_regions\":1'", test_mmusim(), bin);
	CHECK(test_run(args, NULL, NULL) == 0);
	/* a bad marker */
	txt = test_write_file("roi3.txt", "ROI START\n");
	snprintf(args, sizeof args, "run %s", txt);
	bad(args, 1, "roi3.txt:1", "bad ROI marker");
	txt = test_write_file("roi4.txt", "ROI\n");
	snprintf(args, sizeof args, "run %s", txt);
	bad(args, 1, "roi4.txt:1", "missing ROI BEGIN or END");
	{
		static const unsigned char bytes[] = { 'M', 'M', 'U', 'S', 'I', 'M', 'T', '1', 1, 0, 0, 0, 0x89, 0x02, 0xff, 0x01 };
		FILE *f = fopen(bin, "wb");
		REQUIRE(f);
		fwrite(bytes, 1, sizeof bytes, f);
		fclose(f);
		snprintf(args, sizeof args, "run %s", bin);
		bad(args, 1, "record 1: bad ROI marker", NULL);
	}
}

/* SIGINT mid-run: the report is printed, marked interrupted, exit 130. */
TEST(measure_sigint)
{
	char cmd[1200], *out = NULL, *err = NULL;
	snprintf(cmd, sizeof cmd,
		 "%s run --json --quiet --gen 'uniform:footprint=1G,n=1G,seed=2' > %s/int.json & p=$!; "
		 "sleep 0.5; kill -INT $p; wait $p; echo rc=$?; cat %s/int.json",
		 test_mmusim(), test_tmpdir(), test_tmpdir());
	REQUIRE(test_run(cmd, &out, &err) == 0);
	REQUIRE(out);
	CHECK_STR_CONTAINS(out, "rc=130");
	{
		const char *j = strchr(out, '{');
		char got[32];
		REQUIRE(j && json_valid(j));
		CHECK(json_str_at(j, "window.end", got, sizeof got) && !strcmp(got, "interrupted"));
		CHECK_STR_CONTAINS(j, "\"interrupted\":true");
		CHECK(num(j, "walkers.0.accesses") > 0 && num(j, "walkers.0.accesses") < 1e9);
		/* the event it stopped at: every event up to it was simulated */
		CHECK_EQ(num(j, "window.last_event"), num(j, "trace.events"));
	}
	free(out);
	free(err);
	/* SIGTERM too, with the text report */
	snprintf(cmd, sizeof cmd,
		 "%s run --gen 'uniform:footprint=1G,n=1G,seed=2' > %s/int.txt 2>/dev/null & p=$!; "
		 "sleep 0.5; kill -TERM $p; wait $p; echo rc=$?; cat %s/int.txt",
		 test_mmusim(), test_tmpdir(), test_tmpdir());
	REQUIRE(test_run(cmd, &out, NULL) == 0);
	CHECK_STR_CONTAINS(out, "rc=130");
	CHECK_STR_CONTAINS(out, "INTERRUPTED: stopped after event ");
	free(out);
}

/* --progress writes the line on stderr even when it is not a terminal;
 * a terminal gets it by itself; --quiet and a non-terminal stderr write
 * none. */
TEST(measure_progress)
{
	char cmd[1200], *out = NULL, *err = NULL;
	snprintf(cmd, sizeof cmd, "%s gen 'uniform:footprint=64M,n=200000,seed=2' -o %s/pg.bin && "
		 "%s run --progress %s/pg.bin", test_mmusim(), test_tmpdir(), test_mmusim(), test_tmpdir());
	REQUIRE(test_run(cmd, &out, &err) == 0);
	CHECK_STR_CONTAINS(err, "mmusim: 200001 events (");
	CHECK_STR_CONTAINS(err, "200000 accesses, 100.0% of the file");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s run %s/pg.bin", test_mmusim(), test_tmpdir());
	REQUIRE(test_run(cmd, &out, &err) == 0);
	CHECK(err && !*err);
	free(out);
	free(err);
	bad("run --progress --quiet --gen seq", 2, "not both", NULL);
	/* on a terminal (a pty from script(1), util-linux, Essential in
	 * Debian) the line appears by itself, rewritten in place; --quiet
	 * silences it */
	snprintf(cmd, sizeof cmd, "script -qec \"%s run --gen 'seq:n=1000' >/dev/null\" /dev/null", test_mmusim());
	REQUIRE(test_run(cmd, &out, NULL) == 0);
	CHECK_STR_CONTAINS(out, "\r\033[Kmmusim: 1001 events (");
	free(out);
	snprintf(cmd, sizeof cmd, "script -qec \"%s run --quiet --gen 'seq:n=1000' >/dev/null\" /dev/null", test_mmusim());
	REQUIRE(test_run(cmd, &out, NULL) == 0);
	CHECK(out && !strstr(out, "events ("));
	free(out);
}

/* A truncated trace fails with its one line; --allow-truncated reports
 * the complete events and says so. */
TEST(measure_allow_truncated)
{
	char cmd[1200], args[600], *out = NULL, *err = NULL;
	snprintf(cmd, sizeof cmd, "%s gen 'uniform:footprint=64M,n=50000,seed=3' --plain -o %s/full.plain && "
		 "head -c 30000 %s/full.plain > %s/cut.plain", test_mmusim(), test_tmpdir(), test_tmpdir(), test_tmpdir());
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	snprintf(args, sizeof args, "run %s/cut.plain", test_tmpdir());
	bad(args, 1, "truncated: no end record", NULL);
	snprintf(cmd, sizeof cmd, "%s run --json --allow-truncated %s/cut.plain", test_mmusim(), test_tmpdir());
	REQUIRE(test_run(cmd, &out, &err) == 0);
	CHECK_STR_CONTAINS(err, "truncated: no end record");
	REQUIRE(out && json_valid(out));
	CHECK_STR_CONTAINS(out, "\"truncated\":true");
	CHECK(num(out, "walkers.0.accesses") > 1000 && num(out, "walkers.0.accesses") < 50000);
	free(out);
	free(err);
	/* a bad line is not a truncation: still an error */
	snprintf(args, sizeof args, "run --allow-truncated %s", test_write_file("badl.txt", "R 1000\nQ\n"));
	bad(args, 1, "badl.txt:2", NULL);
}

/* Decimal K/M/G suffixes on every count: generator keys, window
 * options, configuration counts. */
TEST(measure_count_suffixes)
{
	char *j = run_ok("run --json --warmup 1K --measure 2k --gen 'uniform:footprint=64M,n=4K,seed=1'");
	REQUIRE(j);
	CHECK_EQ(num(j, "walkers.0.accesses"), 2000);
	CHECK_EQ(num(j, "window.warmup"), 1000);
	free(j);
	j = run_ok("config -s vm.compact_after=2M -s agile.update_threshold=1K");
	CHECK_STR_CONTAINS(j, "compact_after = 2000000\n");
	CHECK_STR_CONTAINS(j, "update_threshold = 1000\n");
	free(j);
	j = run_ok("run --json --gen 'seq:footprint=64M,n=1M' --measure 1e3");
	CHECK_EQ(num(j, "walkers.0.accesses"), 1000);
	free(j);
}

/* One test per new error message. */
TEST(measure_option_errors)
{
	bad("run --warmup x --gen seq", 2, "bad --warmup 'x'", NULL);
	bad("run --warmup 1Q --gen seq", 2, "bad --warmup '1Q'", NULL);
	bad("run --measure 0 --gen seq", 2, "bad --measure '0' (a count above 0", NULL);
	bad("run --interval -3 --gen seq", 2, "bad --interval '-3'", NULL);
	bad("run --warmup-instructions 1ZZ --gen seq", 2, "bad --warmup-instructions", NULL);
	bad("run --warmup 1 --warmup-instructions 1 --gen seq", 2, "not both", NULL);
	bad("run --roi --warmup 1 --gen seq", 2, "--roi replaces the warm-up", NULL);
	bad("run --csv /nonexistent-dir/x.csv --gen seq", 1, "/nonexistent-dir/x.csv", NULL);
	bad("run --csv /dev/full --gen 'seq:n=100'", 1, "/dev/full: write error", NULL);
	bad("config -s agile.update_threshold=3X", 1, "[agile] update_threshold", "K/M/G/T suffix");
	bad("run --gen 'seq:n=1Z'", 1, "n", NULL);
}

/* gen --format text -o x.gz writes gzip (the magic 1f 8b), and it reads
 * back as the same text events; --plain is for the binary format. */
TEST(measure_gen_text_gz)
{
	char cmd[1200], *out = NULL;
	snprintf(cmd, sizeof cmd, "cd %s && %s gen 'seq:n=100' --format text -o x.gz && od -An -tx1 -N2 x.gz && "
		 "%s gen 'seq:n=100' --format text -o x.txt && gzip -dc x.gz | cmp - x.txt && echo same",
		 test_tmpdir(), test_mmusim(), test_mmusim());
	REQUIRE(test_run(cmd, &out, NULL) == 0);
	CHECK_STR_CONTAINS(out, " 1f 8b");
	CHECK_STR_CONTAINS(out, "same");
	free(out);
	bad("gen seq --format text --plain", 2, "--plain is for the binary format", NULL);
}

/* explain --warmup N warms with the first N accesses only. */
TEST(measure_explain_warmup)
{
	char *a = run_ok("explain --warm-gen 'seq:footprint=8M,size=4096,n=2048' 0x7f0000201234");
	char *b = run_ok("explain --warmup 100 --warm-gen 'seq:footprint=8M,size=4096,n=2048' 0x7f0000201234");
	/* page 513 is touched by the whole warm-up, not by its first 100 accesses */
	CHECK(a && !strstr(a, "faults"));
	CHECK(b && strstr(b, "walk 1 faults: not-present"));
	free(a);
	free(b);
	bad("explain --warmup 100 0x1000", 2, "--warmup N needs --warm", NULL);
	bad("explain --warmup 0 --warm-gen seq 0x1000", 2, "bad --warmup '0'", NULL);
}

/* Rows that cannot be non-zero for the walkers shown are hidden: a
 * native-only report has no virtualization, segment or tag rows; tpt
 * shows its memory-tag checks, bpo its base-bound computations. */
TEST(measure_rows_hidden)
{
	char *a = run_ok("run --gen 'uniform:footprint=64M,n=2000'");
	char *b = run_ok("compare -w nested,tpt,bpo --gen 'uniform:footprint=64M,n=2000'");
	static const char *const virt[] = { "VMM", "nested TLB", "served by NTLB", "served by TAG", "host pd",
					    "base-bound", "isolation faults", "memory-tag checks", "vm 0:" };
	size_t i;
	REQUIRE(a && b);
	for (i = 0; i < ARRAY_SIZE(virt); i++)
		if (strstr(a, virt[i]))
			test_fail(__FILE__, __LINE__, "native report shows '%s'", virt[i]);
	CHECK_STR_CONTAINS(a, "walks");
	CHECK_STR_CONTAINS(a, "of which on first touch");
	CHECK_STR_CONTAINS(a, "estimated cycles");
	CHECK_STR_CONTAINS(b, "memory-tag checks");
	CHECK_STR_CONTAINS(b, "base-bound computations");
	CHECK_STR_CONTAINS(b, "served by NTLB");
	CHECK_STR_CONTAINS(b, "slowdown vs best other");
	CHECK(!strstr(b, "slowdown vs native"));   /* no native walker in this comparison */
	free(a);
	free(b);
}

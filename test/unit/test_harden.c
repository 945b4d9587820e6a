/*
 * test_harden.c - bad input and broken output, end to end: each case gets
 * exactly one error line naming its source (file:line, or the file and
 * [section] key, or "command line") and the documented exit status; every
 * limit of docs/config.md and docs/placement.md is refused at load time.
 */
#include "test.h"
#include "../../mmu/util/cfg.h"

#include <stdlib.h>

static int nlines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* mmusim ARGS must exit with `status` after one stderr line holding each
 * needle (NULL: none). */
static void fails(int line, const char *args, int status, const char *n1, const char *n2)
{
	char cmd[4096], *out = NULL, *err = NULL;
	int st;
	snprintf(cmd, sizeof cmd, "%s %s", test_mmusim(), args);
	st = test_run(cmd, &out, &err);
	if (st != status)
		test_fail(__FILE__, line, "`%s`: exit %d, want %d (stderr: %s)", args, st, status, err);
	if (nlines(err) != 1)
		test_fail(__FILE__, line, "`%s`: %d stderr lines, want 1: [%s]", args, nlines(err), err);
	if (n1 && (!err || !strstr(err, n1)))
		test_fail(__FILE__, line, "`%s`: stderr lacks \"%s\": [%s]", args, n1, err);
	if (n2 && (!err || !strstr(err, n2)))
		test_fail(__FILE__, line, "`%s`: stderr lacks \"%s\": [%s]", args, n2, err);
	free(out);
	free(err);
}
#define FAILS(args, st, n1, n2) fails(__LINE__, args, st, n1, n2)

static const char *file(const char *name, const char *text)
{
	return test_write_file(name, text);
}

/* ---- standard output ------------------------------------------------------ */

TEST(harden_stdout_write_errors)
{
	static const char *const cmds[] = {
		"run --gen seq:n=100", "run --json --gen seq:n=100", "compare -w native,nested --gen seq:n=100",
		"config", "place -c configs/cluster-azure.ini --gen azure:n=20", "help", "explain 0x1000",
		"demo",
	};
	char args[512];
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(args, sizeof args, "%s > /dev/full", cmds[i]);
		FAILS(args, 1, "standard output: write error", "No space left on device");
	}
	FAILS("gen seq:n=100 --format text > /dev/full", 1, "<stdout>: write error", NULL);
	FAILS("place -c configs/cluster-azure.ini --gen azure:n=20 --csv /dev/full", 1, "/dev/full: write error", NULL);
}

/* ---- usage ---------------------------------------------------------------- */

TEST(harden_usage_status)
{
	FAILS("nosuchcmd --help", 2, "unknown command 'nosuchcmd'", NULL);
	FAILS("compare -w native,nosuch --gen seq", 2, "unknown walker 'nosuch' after -w", NULL);
	FAILS("explain -w nosuch 0x1000", 2, "unknown walker 'nosuch' after -w", NULL);
}

/* ---- start-up checks name their source and value -------------------------- */

TEST(harden_startup_checks_name_source)
{
	char args[600];
	snprintf(args, sizeof args, "run -c %s --gen seq:n=1", file("w.ini", "[walker]\nname = warp\n"));
	FAILS(args, 1, "w.ini: [walker] name: unknown walker 'warp'", NULL);
	snprintf(args, sizeof args, "run -w guest-direct -c %s --gen seq:n=1",
		 file("s.ini", "[segment]\nguest_size = 1G\nguest_base = 0x7ffff0000000\n"));
	FAILS(args, 1, "s.ini: [segment] guest_base: 0x7ffff0000000: the segment [0x7ffff0000000, 0x800030000000) ends beyond",
	      "(0x800000000000)");
	FAILS("run -w nested -s vm.memory=16T -s vm.mmio_hole=true --gen seq:n=1", 1,
	      "command line: [vm] memory: 17592186044416 bytes: at most 16 TiB", NULL);
	FAILS("run -w guest-direct -s segment.guest_size=8G --gen seq:n=1", 1,
	      "command line: [segment] guest_size: no contiguous guest-physical extent of 8589934592 bytes", NULL);
	FAILS("run -s host.ram=32T --gen seq:n=1", 1, "command line: [host] ram: must be between 64M and 16T", NULL);
	FAILS("run -s vm.memory=17T --gen seq:n=1", 1, "command line: [vm] memory: must be between 64M and 16T", NULL);
}

/* ---- INI files ------------------------------------------------------------ */

TEST(harden_ini_raw_text)
{
	char args[600];
	const char *p;
	FILE *f;

	p = test_write_file("nul.ini", "[cpu]\nghz = 1\n");
	f = fopen(p, "ab");
	REQUIRE(f);
	fputs("x", f);
	fputc(0, f);
	fputs("\n", f);
	fclose(f);
	snprintf(args, sizeof args, "config -c %s", p);
	FAILS(args, 1, "nul.ini:3: NUL byte (not a text file)", NULL);

	snprintf(args, sizeof args, "gzip -c configs/tiny.ini > %s/tiny.ini.gz && %s config -c %s/tiny.ini.gz",
		 test_tmpdir(), test_mmusim(), test_tmpdir());
	{
		char *out = NULL, *err = NULL;
		int st = test_run(args, &out, &err);
		CHECK_EQ(st, 1);
		CHECK_EQ(nlines(err), 1);
		CHECK_STR_CONTAINS(err, "tiny.ini.gz: is gzip-compressed");
		free(out);
		free(err);
	}
	snprintf(args, sizeof args, "config -c %s", file("dup.ini", "[cpu]\nghz = 1\n\n[ CPU ]\nghz = 2\n"));
	FAILS(args, 1, "dup.ini:4: [CPU]: section given twice (first at line 1)", NULL);
	snprintf(args, sizeof args, "place -c %s --gen azure:n=3",
		 file("dupc.ini", "[cluster]\nservers = 10\n[server.a]\nram = 64G\ncores = 8\nshare = 50\n"
		      "[server.a]\nshare = 50\n"));
	FAILS(args, 1, "dupc.ini:7: [server.a]: section given twice (first at line 3)", NULL);
	snprintf(args, sizeof args, "config -c %s", file("key2.ini", "[cpu]\nghz = 1\n[os]\nlevels = 4\nLevels = 5\n"));
	FAILS(args, 1, "key2.ini:5: Levels: key given twice in its section (first at line 4)", NULL);
	snprintf(args, sizeof args, "config -c %s", file("q.ini", "[tlb.l1d]\nentries = \"64\n"));
	FAILS(args, 1, "q.ini:2: unbalanced \" in the value '\"64'", NULL);
	snprintf(args, sizeof args, "config -c %s", file("hex.ini", "[cpu]\nghz = 0x10\n"));
	FAILS(args, 1, "hex.ini: [cpu] ghz: not a number (decimal digits only) (got '0x10')", NULL);
	FAILS("config -s cpu.ghz=inf", 1, "command line: [cpu] ghz: not a number", NULL);
}

TEST(harden_long_names_cut)
{
	char *args = malloc(200000), *out = NULL, *err = NULL, *cmd = malloc(200100);
	int st;
	REQUIRE(args && cmd);
	memset(args, 'a', 100000);
	args[100000] = 0;
	snprintf(cmd, 200100, "%s config -s '%s.x=1'", test_mmusim(), args);
	st = test_run(cmd, &out, &err);
	CHECK_EQ(st, 1);
	CHECK_EQ(nlines(err), 1);
	CHECK(err && strlen(err) < 200);
	CHECK_STR_CONTAINS(err, "aaaa...] x: unknown section");
	free(out);
	free(err);
	free(args);
	free(cmd);
}

/* ---- host backing files ---------------------------------------------------- */

static const char backing_ok[] =
	"mmusim-backing 1\n"
	"vm id=a algo=contig server=0 kind=k vcpus=2 memory=0x400000 requested=0x400000 "
	"host_ram=0x40000000 granule=0x200000 created=0 deleted=10 contiguous=1 extents=1\n"
	"extent 0x200000 0x400000\n";

/* backing_ok with `from` replaced by `to`, as a file. */
static const char *backing_with(const char *name, const char *from, const char *to)
{
	static char text[2048];
	const char *p = strstr(backing_ok, from);
	SIM_BUG_ON(!p);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(p - backing_ok), backing_ok, to, p + strlen(from));
	return file(name, text);
}

TEST(harden_backing_files)
{
	char args[700], text[2048];
	snprintf(args, sizeof args, "run -w nested --backing %s --gen seq:n=10", file("ok.b", backing_ok));
	{
		char cmd[800], *out = NULL, *err = NULL;
		snprintf(cmd, sizeof cmd, "%s %s", test_mmusim(), args);
		CHECK_EQ(test_run(cmd, &out, &err), 0);
		free(out);
		free(err);
	}
	snprintf(args, sizeof args, "run --backing %s --gen seq:n=1",
		 backing_with("big.b", "host_ram=0x40000000", "host_ram=0x20000000000000"));
	FAILS(args, 1, "big.b:2: VM 'a': host_ram must be a multiple of 4K from 64M to 16T", NULL);
	snprintf(args, sizeof args, "run --backing %s --gen seq:n=1",
		 backing_with("small.b", "host_ram=0x40000000", "host_ram=0x200000"));
	FAILS(args, 1, "small.b:2: VM 'a': host_ram must be a multiple of 4K from 64M to 16T", NULL);
	snprintf(args, sizeof args, "run --backing %s --gen seq:n=1", file("hdr.b", "mmusim-backing 1\n"));
	FAILS(args, 1, "hdr.b: no vm records", NULL);
	snprintf(args, sizeof args, "run --backing %s --gen seq:n=1", backing_with("v0.b", "vcpus=2", "vcpus=0"));
	FAILS(args, 1, "v0.b:2: VM 'a': vcpus must be at least 1", NULL);
	snprintf(text, sizeof text, "%s%s", backing_ok, backing_ok + strlen("mmusim-backing 1\n"));
	snprintf(args, sizeof args, "run --backing %s --gen seq:n=1", file("dup.b", text));
	FAILS(args, 1, "dup.b: VM 'a' (algo contig) given twice (records 1 and 2)", NULL);
	snprintf(args, sizeof args, "gzip -c %s/ok.b > %s/gz.b && %s run --backing %s/gz.b --gen seq:n=1",
		 test_tmpdir(), test_tmpdir(), test_mmusim(), test_tmpdir());
	{
		char *out = NULL, *err = NULL;
		CHECK_EQ(test_run(args, &out, &err), 1);
		CHECK_EQ(nlines(err), 1);
		CHECK_STR_CONTAINS(err, "gz.b: is gzip-compressed");
		free(out);
		free(err);
	}
	{
		char *big = malloc(6000);
		REQUIRE(big);
		snprintf(big, 6000, "mmusim-backing 1\n# %05000d\n", 0);
		snprintf(args, sizeof args, "run --backing %s --gen seq:n=1", file("long.b", big));
		FAILS(args, 1, "long.b:2: line longer than 4095 bytes", NULL);
		free(big);
	}
	{
		FILE *f;
		const char *p = file("nul.b", "mmusim-backing 1\n");
		f = fopen(p, "ab");
		REQUIRE(f);
		fputs("vm id=a", f);
		fputc(0, f);
		fputs("\n", f);
		fclose(f);
		snprintf(args, sizeof args, "run --backing %s --gen seq:n=1", p);
		FAILS(args, 1, "nul.b:2: NUL byte (not a text file)", NULL);
	}
}

/* ---- clusters ------------------------------------------------------------ */

TEST(harden_cluster_kind_without_servers)
{
	char args[600];
	snprintf(args, sizeof args, "place -c %s --gen azure:n=3",
		 file("few.ini", "[cluster]\nservers = 1\n[server.a]\nram = 64G\ncores = 8\nshare = 50\n"
		      "[server.b]\nram = 64G\ncores = 8\nshare = 50\n"));
	FAILS(args, 1, "few.ini: [server.b] share: 50% of 1 servers is no server", NULL);
}

/* ---- traces: VM ids, positions, one error per failure --------------------- */

TEST(harden_trace_vm_errors_have_position)
{
	char args[600];
	snprintf(args, sizeof args, "run %s", file("novm.txt", "R 0x1000 8\nVM 3\nR 0x2000 8\n"));
	FAILS(args, 1, "novm.txt:2: VM 3: this machine runs no virtual machines", NULL);
	snprintf(args, sizeof args, "run -w nested %s", file("wrap.txt", "R 0x1000 8\n\nVM 4294967295\n"));
	FAILS(args, 1, "wrap.txt:3: VM 4294967295: VM ids go up to 65534", NULL);
	snprintf(args, sizeof args, "run -w nested %s", file("top.txt", "VM 65534\nR 0x1000 8\nVM 65535\n"));
	FAILS(args, 1, "top.txt:3: VM 65535: VM ids go up to 65534", NULL);
	snprintf(args, sizeof args, "%s gen multivm:n=10,vms=2 -o %s/mv.bin && %s run %s/mv.bin", test_mmusim(),
		 test_tmpdir(), test_mmusim(), test_tmpdir());
	{
		char *out = NULL, *err = NULL;
		CHECK_EQ(test_run(args, &out, &err), 1);
		CHECK_EQ(nlines(err), 1);
		CHECK_STR_CONTAINS(err, "mv.bin: record 1: VM 0: this machine runs no virtual machines");
		free(out);
		free(err);
	}
}

/* A reader error after an event the simulator refuses, in one batch: only
 * the simulator's error (the first failure) is reported; a reader error
 * after good events is reported once, after they ran. */
TEST(harden_one_error_per_failure)
{
	char args[600];
	snprintf(args, sizeof args, "run %s", file("two.txt", "R 0x1000 8\nVM 3\nR 0x2000 8\nBAD\n"));
	FAILS(args, 1, "two.txt:2: VM 3: this machine runs no virtual machines", NULL);
	snprintf(args, sizeof args, "run %s", file("late.txt", "R 0x1000 8\nR 0x2000 8\nBAD\n"));
	FAILS(args, 1, "late.txt:3: unknown keyword 'BAD'", NULL);
	snprintf(args, sizeof args, "run --format lackey %s", file("lk.txt", "I  04012ad0,3\nVM 3\n"));
	FAILS(args, 1, "lk.txt:2: malformed lackey line", NULL);
}

/* ---- VM lifetime traces and the placement command ------------------------- */

TEST(harden_vmtrace_repeated_ids)
{
	char args[700];
	snprintf(args, sizeof args, "place -c configs/cluster-azure.ini %s",
		 file("rep.csv", "a,0,10,1,1G\nb,0,10,1,1G\na,5,10,1,1G\n"));
	FAILS(args, 1, "rep.csv: VM id 'a' given twice (VMs 1 and 3 in file order)", NULL);
	snprintf(args, sizeof args, "place -c configs/cluster-azure.ini --format azure %s",
		 file("rep.az", "x,s,d,0,3600,1,1,1,Interactive,2,4\nx,s,d,0,3600,1,1,1,Interactive,2,4\n"));
	FAILS(args, 1, "rep.az: VM id 'x' given twice (VMs 1 and 2 in file order)", NULL);
	/* Bitbrains: 1.csv and 1.csv.gz are both VM 1 */
	snprintf(args, sizeof args, "mkdir -p %s/bbdup", test_tmpdir());
	REQUIRE(system(args) == 0);
	file("bbdup/1.csv", "Timestamp [ms]; CPU cores; CPU capacity provisioned [MHZ]; CPU usage [MHZ]; "
	     "CPU usage [%]; Memory capacity provisioned [KB]; Memory usage [KB]; Disk read throughput [KB/s]; "
	     "Disk write throughput [KB/s]; Network received throughput [KB/s]; Network transmitted throughput "
	     "[KB/s]\n1376314846;4;11703.99;10912.02;93.23;67108864;6129274.4;0;0;2;0\n");
	snprintf(args, sizeof args, "gzip -k %s/bbdup/1.csv && %s place -c configs/cluster-azure.ini %s/bbdup",
		 test_tmpdir(), test_mmusim(), test_tmpdir());
	{
		char *out = NULL, *err = NULL;
		CHECK_EQ(test_run(args, &out, &err), 1);
		CHECK_EQ(nlines(err), 1);
		CHECK_STR_CONTAINS(err, "bbdup: VM id '1' given twice (VMs 1 and 2 in file order)");
		free(out);
		free(err);
	}
}

TEST(harden_place_limits)
{
	char args[700];
	FAILS("place -c configs/cluster-azure.ini --gen azure:n=20 --backing /dev/null --backing-vms first:0", 2,
	      "bad --backing-vms 'first:0'", NULL);
	FAILS("place -c configs/cluster-azure.ini --gen azure:n=20 --backing /dev/null "
	      "--backing-vms largest:99999999999999999999999", 2, "bad --backing-vms 'largest:9999", NULL);
	/* one VM living 2^53 - 1 s: 2.5e12 rows of 3600 s */
	snprintf(args, sizeof args, "place -c configs/cluster-azure.ini --csv %s/rows.csv %s", test_tmpdir(),
		 file("long.csv", "a,0,9007199254740991,1,1G\n"));
	FAILS(args, 1, "--csv: the trace spans 9007199254740991 s, more than 10000000 rows of --interval 3600 s", NULL);
}

/* ---- generators and VMs: what the model can hold ---------------------------- */

TEST(harden_gen_footprint_beyond_user_space)
{
	FAILS("run --gen uniform:footprint=1P,n=10", 1,
	      "--gen uniform:footprint=1P,n=10: base + footprint = 0x47f0000000000 ends beyond the 4-level user space "
	      "(0x800000000000", NULL);
	FAILS("compare -w native,nested --gen zipf:footprint=128T,n=10", 1, "ends beyond the 4-level user space", NULL);
	{
		char cmd[300], *out = NULL, *err = NULL;
		snprintf(cmd, sizeof cmd, "%s run -s os.levels=5 --gen uniform:footprint=1P,n=10", test_mmusim());
		CHECK_EQ(test_run(cmd, &out, &err), 0);
		free(out);
		free(err);
	}
}

TEST(harden_vm_count_bounded)
{
	char *text = malloc(100000), args[600];
	size_t len = 0;
	unsigned i;
	REQUIRE(text);
	for (i = 0; i <= 4096; i++)
		len += (size_t)snprintf(text + len, 100000 - len, "VM %u\nR 0x1000 8\n", i);
	snprintf(args, sizeof args, "run -w nested %s", file("many.txt", text));
	/* VM 0 .. 4095 exist; VM 4096 (line 8193) would be VM number 4097 */
	FAILS(args, 1, "many.txt:8193: VM 4096: more than 4096 virtual machines", NULL);
	free(text);
}

/* ---- gzip: bytes after the last member ------------------------------------- */

static void junk_case(int line, const char *make, const char *run, const char *want)
{
	char cmd[1500], *out = NULL, *err = NULL;
	int st;
	snprintf(cmd, sizeof cmd, "cd %s && %s && %s %s", test_tmpdir(), make, test_mmusim(), run);
	st = test_run(cmd, &out, &err);
	if (st != (want ? 1 : 0) || (want && (nlines(err) != 1 || !strstr(err, want))))
		test_fail(__FILE__, line, "`%s`: exit %d, stderr [%s], want %s", run, st, err, want ? want : "success");
	free(out);
	free(err);
}

TEST(harden_gzip_junk_after_member)
{
	char mk[600];
	snprintf(mk, sizeof mk, "%s gen seq:n=50 --format text > t.txt && gzip -c t.txt > one.gz && "
		 "cat one.gz one.gz > two.gz && (cat one.gz; printf junk) > junk.gz && "
		 "head -c 40 one.gz > cut.gz && %s gen seq:n=50 -o b.gz && (cat b.gz; printf 'x') > bjunk.gz && "
		 "printf 'a,0,10,1,1G\\n' | gzip > v.gz && (cat v.gz; printf '\\n\\n') > vjunk.gz", test_mmusim(),
		 test_mmusim());
	junk_case(__LINE__, mk, "run two.gz", NULL);          /* two members: one stream */
	junk_case(__LINE__, "true", "run junk.gz", "junk.gz: junk after the gzip stream");
	junk_case(__LINE__, "true", "run cut.gz", "cut.gz: truncated gzip stream");
	junk_case(__LINE__, "true", "run bjunk.gz", "bjunk.gz: junk after the gzip stream");
	junk_case(__LINE__, "true", "place -c $OLDPWD/configs/cluster-azure.ini vjunk.gz",
		  "vjunk.gz: junk after the gzip stream");
}

/* The source a later check names: the file, the command line, or the
 * source an override was given with (a sweep plan's file:line). */
TEST(harden_cfg_source_of_each_layer)
{
	const char *ovr[] = { "walker.name=nested", "vm.memory=2G" };
	const char *src[] = { "plan.ini:7", NULL };
	const char *p = file("src.ini", "[segment]\nguest_size = 1G\n");
	struct cfg c;
	REQUIRE(cfg_load_from(&c, p, ovr, src, 2) == 0);
	CHECK_STR_CONTAINS(cfg_source(&c, "walker", "name"), "plan.ini:7");
	CHECK_STR_CONTAINS(cfg_source(&c, "vm", "memory"), "command line");
	CHECK_STR_CONTAINS(cfg_source(&c, "segment", "guest_size"), "src.ini");
	CHECK_STR_CONTAINS(cfg_source(&c, "cpu", "ghz"), "embedded default");
}

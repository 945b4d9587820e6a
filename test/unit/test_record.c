/*
 * test_record.c - `mmusim record` and `run --record` end to end, on tiny
 * programs the tests build: the MAP, PROTECT and UNMAP events of a
 * program's system calls (addresses printed by the program itself), the
 * loaded objects, --check under every walker in strict mode, files and
 * pipes giving the same trace, and the errors of `record`.
 */
#include "trace_util.h"
#include "json.h"

#include <stdlib.h>
#include <unistd.h>

/* Builds src into the test directory as `name` with -g; returns the path. */
static const char *build_prog(const char *name, const char *src)
{
	static char paths[4][400];
	static int k;
	char *p = paths[k++ & 3], cmd[1200];
	const char *c = test_write_file("prog.c", src);
	snprintf(p, 400, "%s/%s", test_tmpdir(), name);
	snprintf(cmd, sizeof cmd, "cc -std=c11 -D_GNU_SOURCE -O1 -g -o %s %s", p, c);
	if (test_run(cmd, NULL, NULL) != 0)
		test_fail(__FILE__, __LINE__, "cannot build %s", name);
	return p;
}

static const char syscalls_src[] =
	"#include <stdio.h>\n"
	"#include <sys/mman.h>\n"
	"int main(void)\n"
	"{\n"
	"	volatile char *a = mmap(NULL, 256 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
	"	volatile char *b;\n"
	"	long s = 0;\n"
	"	for (int i = 0; i < 256; i++)\n"
	"		a[i << 12] = 1;\n"
	"	mprotect((void *)a, 64 << 12, PROT_READ);\n"
	"	for (int i = 0; i < 64; i++)\n"
	"		s += a[i << 12];\n"
	"	munmap((void *)(a + (128 << 12)), 64 << 12);\n"
	"	b = mmap(NULL, 3 << 12, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
	"	b[0] = (char)s;\n"
	"	munmap((void *)b, 3 << 12);\n"
	"	printf(\"%llx %llx\\n\", (unsigned long long)a, (unsigned long long)b);\n"
	"	return 0;\n"
	"}\n";

#define ENV "env -i PATH=/usr/bin:/bin "

/* The position of line `want` in text at or after `from`, or NULL. */
static const char *find_line(const char *text, const char *from, const char *want)
{
	size_t n = strlen(want);
	const char *p = from ? from : text;
	while ((p = strstr(p, want))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return p;
		p += n;
	}
	return NULL;
}

TEST(record_syscalls_and_objects)
{
	const char *prog = build_prog("sc", syscalls_src);
	char cmd[2000], *out = NULL, *err = NULL, *txt, want[200];
	const char *tr = test_write_file("sc.bin", ""), *tt = test_write_file("sc.txt", ""), *p;
	unsigned long long a = 0, b = 0;

	snprintf(cmd, sizeof cmd, ENV "%s record -o %s -- %s", test_mmusim(), tr, prog);
	REQUIRE(test_run(cmd, &out, &err) == 0);
	CHECK_STR_CONTAINS(err, "");
	REQUIRE(sscanf(out, "%llx %llx", &a, &b) == 2);
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s convert %s -o %s --format text", test_mmusim(), tr, tt);
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	txt = read_whole(tt, NULL);
	REQUIRE(txt);
	/* the program's calls, in order, with their real results */
	snprintf(want, sizeof want, "MAP 0x%llx 0x100000 rw-", a);
	p = find_line(txt, NULL, want);
	CHECK(p);
	snprintf(want, sizeof want, "PROTECT 0x%llx 0x40000 r--", a);
	CHECK(p && (p = find_line(txt, p, want)));
	snprintf(want, sizeof want, "UNMAP 0x%llx 0x40000", a + (128 << 12));
	CHECK(p && (p = find_line(txt, p, want)));
	snprintf(want, sizeof want, "MAP 0x%llx 0x3000 rwx", b);
	CHECK(p && (p = find_line(txt, p, want)));
	snprintf(want, sizeof want, "UNMAP 0x%llx 0x3000", b);
	CHECK(p && (p = find_line(txt, p, want)));
	/* the program, the interpreter, libc and the stack are objects; the
	 * program's object comes before any access */
	snprintf(want, sizeof want, "OBJ %s ", prog);
	p = strstr(txt, want);
	CHECK(p && (p == txt || p[-1] == '\n'));
	CHECK(p && p < strstr(txt, "\nI "));
	CHECK_STR_CONTAINS(txt, "/libc.so.6 ");
	CHECK_STR_CONTAINS(txt, "\nOBJ [stack] 0x0 rw- ");
	free(txt);

	/* strict mode (an access outside every MAP faults): every walker
	 * agrees with the reference translator and no access faults for good */
	snprintf(cmd, sizeof cmd, "%s compare -w native,nested,shadow,agile,bpo,dual-direct,vmm-direct,guest-direct,tpt "
		 "--check -s os.strict=true --json %s", test_mmusim(), tr);
	REQUIRE(test_run(cmd, &out, &err) == 0);
	{
		double v;
		CHECK(json_num(out, "machine.segv", &v) && v == 0);
		CHECK(json_num(out, "trace.maps", &v) && v >= 10);
		CHECK(json_num(out, "trace.protects", &v) && v >= 1);
		CHECK(json_num(out, "trace.unmaps", &v) && v >= 2);
		for (int i = 0; i < 9; i++) {
			char path[64];
			snprintf(path, sizeof path, "walkers.%d.oracle_mismatches", i);
			CHECK(json_num(out, path, &v) && v == 0);
			snprintf(path, sizeof path, "walkers.%d.oracle_checks", i);
			CHECK(json_num(out, path, &v) && v > 50000);
		}
	}
	free(out);
	free(err);
}

/* A file, a pipe into `run -` and `run --record` give the same report. */
TEST(record_file_pipe_direct)
{
	const char *prog = build_prog("sc2", syscalls_src);
	char cmd[2000], *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL, *e = NULL;
	const char *tr = test_write_file("sc2.bin.zst", "");
	double v1 = 0, v2 = 0, v3 = 0, v4 = 0;

	snprintf(cmd, sizeof cmd, ENV "%s record -o %s -- %s >/dev/null && %s run --json %s", test_mmusim(), tr, prog,
		 test_mmusim(), tr);
	CHECK_EQ(test_run(cmd, &o1, &e), 0);
	free(e);
	snprintf(cmd, sizeof cmd, ENV "%s record -- %s 2>/dev/null | %s run --json -", test_mmusim(), prog, test_mmusim());
	CHECK_EQ(test_run(cmd, &o2, NULL), 0);
	snprintf(cmd, sizeof cmd, ENV "%s run --json --record -- %s 2>/dev/null", test_mmusim(), prog);
	CHECK_EQ(test_run(cmd, &o3, NULL), 0);
	CHECK(json_num(o1, "walkers.0.tlb.l2.misses", &v1));
	CHECK(json_num(o2, "walkers.0.tlb.l2.misses", &v2));
	CHECK(json_num(o3, "walkers.0.tlb.l2.misses", &v3));
	CHECK(v1 > 0 && v1 == v2 && v2 == v3);
	CHECK(json_num(o1, "trace.events", &v1));
	CHECK(json_num(o2, "trace.events", &v2));
	CHECK(json_num(o3, "trace.events", &v3));
	CHECK(v1 > 100000 && v1 == v2 && v2 == v3);
	/* the program's own output does not reach the trace or the report */
	CHECK(!strstr(o3, "0x") || strstr(o3, "{\"trace\"") == o3);
	snprintf(cmd, sizeof cmd, ENV "%s compare -w native,nested --json --record %s 2>/dev/null", test_mmusim(), prog);
	CHECK_EQ(test_run(cmd, &o4, NULL), 0);
	CHECK(json_num(o4, "walkers.1.accesses", &v4) && v4 > 0);
	free(o1);
	free(o2);
	free(o3);
	free(o4);
}

static void bad(const char *args, int want, const char *needle)
{
	char cmd[1200], *out = NULL, *err = NULL;
	int st;
	snprintf(cmd, sizeof cmd, "%s %s", test_mmusim(), args);
	st = test_run(cmd, &out, &err);
	if (st != want)
		test_fail(__FILE__, __LINE__, "`%s`: exit %d, want %d (%s)", args, st, want, err);
	CHECK_STR_CONTAINS(err, needle);
	if (!err || strchr(err, '\n') != err + strlen(err) - 1)
		test_fail(__FILE__, __LINE__, "`%s`: want one line, got [%s]", args, err);
	free(out);
	free(err);
}

TEST(record_errors)
{
	char args[600];
	const char *txt = test_write_file("notelf.sh", "#!/bin/sh\necho hi\n");
	bad("record -- /nonexistent/prog", 1, "mmusim: record: /nonexistent/prog: command not found");
	bad("record -- no-such-program-anywhere", 1, "record: no-such-program-anywhere: command not found");
	snprintf(args, sizeof args, "record -- %s", txt);
	bad(args, 1, "not an ELF executable (a script: record its interpreter");
	bad("record", 2, "a program is needed");
	bad("record -x", 2, "unknown option '-x'");
	bad("run --record", 2, "--record needs a program");
	bad("run x.bin --record -- /bin/true", 2, "give --record PROG, a trace file or --gen, one of them");
	bad("run --record -- /nonexistent/prog", 1, "command not found");
	bad("run --elf /nonexistent/prog --gen seq:n=10", 1, "mmusim: /nonexistent/prog: No such file or directory");
	snprintf(args, sizeof args, "run --elf %s --gen seq:n=10", txt);
	bad(args, 1, "notelf.sh: not an ELF file");
	bad("run --attribute --top 0 --gen seq:n=10", 2, "bad --top '0'");
}

static const char attrib_src[] =
	"#include <sys/mman.h>\n"
	"#define GIB (1ul << 30)\n"
	"static volatile char small[4 * 4096];\n"
	"__attribute__((noinline)) static void stride(volatile char *p)\n"
	"{\n"
	"	for (unsigned long o = 0; o < GIB; o += 16384)\n"
	"		p[o] = (char)o;\n"
	"}\n"
	"__attribute__((noinline)) static long local_work(void)\n"
	"{\n"
	"	long s = 0;\n"
	"	for (int r = 0; r < 100; r++)\n"
	"		for (int i = 0; i < (int)sizeof small; i += 64)\n"
	"			s += small[i]++;\n"
	"	return s;\n"
	"}\n"
	"__attribute__((noinline)) static long more_local(void)\n"
	"{\n"
	"	long s = 0;\n"
	"	for (int i = 0; i < 5000; i++)\n"
	"		s += small[(i * 8) & 4095];\n"
	"	return s;\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"	char *p = mmap(0, GIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);\n"
	"	long s;\n"
	"	if (p == MAP_FAILED)\n"
	"		return 1;\n"
	"	s = local_work();\n"
	"	stride(p);\n"
	"	return (int)((s + more_local()) & 1);\n"
	"}\n";

/* The share of walker w's L2 TLB misses that `fn` gets in the report. */
static double share(const char *json, int w, const char *fn, const char *other)
{
	char path[128], name[256];
	double tot = 0, v = 0, o = -1;
	snprintf(path, sizeof path, "walkers.%d.tlb.l2.misses", w);
	if (!json_num(json, path, &tot) || tot < 60000)
		return -1;
	for (int k = 0; k < 50; k++) {
		snprintf(path, sizeof path, "walkers.%d.by_function.%d.function", w, k);
		if (!json_str_at(json, path, name, sizeof name))
			break;
		snprintf(path, sizeof path, "walkers.%d.by_function.%d.l2_tlb_misses", w, k);
		if (!strcmp(name, fn) && json_num(json, path, &v) && v > 0)
			o = o < 0 ? 0 : o;
		if (!strcmp(name, other))
			o = 1;            /* the other functions are named too */
	}
	return o >= 0 ? v / tot : -1;
}

/* The function striding over 1 GiB gets at least 95% of the L2 TLB
 * misses, under native and nested, recorded and from lackey (with --elf
 * for the program's symbols and segments). */
TEST(record_attribution)
{
	const char *prog = build_prog("at", attrib_src);
	char cmd[2000], *out = NULL, *err = NULL;
	const char *tr = test_write_file("at.bin", "");
	double s;

	snprintf(cmd, sizeof cmd, ENV "%s record -o %s -- %s && %s compare -w native,nested --attribute --top 50 --json %s",
		 test_mmusim(), tr, prog, test_mmusim(), tr);
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	for (int w = 0; w < 2; w++) {
		s = share(out, w, "stride (at)", "local_work (at)");
		if (s < 0.95)
			test_fail(__FILE__, __LINE__, "recorder, walker %d: stride has %.3f of the L2 TLB misses", w, s);
	}
	CHECK(json_valid(out));
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, ENV "valgrind --tool=lackey --trace-mem=yes --log-fd=3 %s 3>&1 >/dev/null 2>/dev/null | "
		 "%s compare -w native,nested --attribute --top 50 --json --elf %s -", prog, test_mmusim(), prog);
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	for (int w = 0; w < 2; w++) {
		s = share(out, w, "stride (at)", "local_work (at)");
		if (s < 0.95)
			test_fail(__FILE__, __LINE__, "lackey, walker %d: stride has %.3f of the L2 TLB misses", w, s);
	}
	free(out);
	free(err);
	/* regions: the 1 GiB mapping and the program's data segment are named */
	snprintf(cmd, sizeof cmd, "%s run --attribute --top 5 %s", test_mmusim(), tr);
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_CONTAINS(out, "by data region");
	CHECK_STR_CONTAINS(out, "+0x40000000\n");
	CHECK_STR_CONTAINS(out, "at:3 rw-\n");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s run --top 5 %s", test_mmusim(), tr);
	CHECK_EQ(test_run(cmd, &out, &err), 2);
	CHECK_STR_CONTAINS(err, "--top goes with --attribute");
	free(out);
	free(err);
}

/* Threads share one stream (the recorder's lock after the first
 * CLONE_THREAD); a forked child records nothing. Each of 3 threads stores
 * 20 * 8192 times into the array; the child would add 8192 * 20 more. */
TEST(record_threads_and_fork)
{
	static const char src[] =
		"#include <pthread.h>\n"
		"#include <unistd.h>\n"
		"#include <sys/wait.h>\n"
		"static volatile long a[1 << 16];\n"
		"static void *work(void *p) { for (int r = 0; r < 20; r++) for (int i = 0; i < (1 << 16); i += 8) a[i] = r; return p; }\n"
		"int main(void)\n"
		"{\n"
		"	pthread_t t[3];\n"
		"	for (int i = 0; i < 3; i++) pthread_create(&t[i], 0, work, 0);\n"
		"	for (int i = 0; i < 3; i++) pthread_join(t[i], 0);\n"
		"	pid_t p = fork();\n"
		"	if (p == 0) { work(0); _exit(0); }\n"
		"	waitpid(p, 0, 0);\n"
		"	return 0;\n"
		"}\n";
	char cmd[1600], *out = NULL, *err = NULL;
	const char *prog, *tr = test_write_file("th.bin", "");
	double w = 0, mm = -1;
	static char cc[1200];
	const char *c = test_write_file("th.c", src);

	snprintf(cc, sizeof cc, "cc -std=c11 -D_GNU_SOURCE -O1 -pthread -o %s/th %s", test_tmpdir(), c);
	REQUIRE(test_run(cc, NULL, NULL) == 0);
	snprintf(cc, sizeof cc, "%s/th", test_tmpdir());
	prog = cc;
	snprintf(cmd, sizeof cmd, ENV "%s record -o %s -- %s && %s run --check --json %s", test_mmusim(), tr, prog,
		 test_mmusim(), tr);
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK(json_num(out, "walkers.0.accesses_by_type.W", &w));
	CHECK(json_num(out, "walkers.0.oracle_mismatches", &mm) && mm == 0);
	/* the threads' 3 * 163840 stores are there, the child's 163840 not */
	CHECK(w >= 3 * 163840 && w < 4 * 163840);
	free(out);
	free(err);
}

/*
 * test_cli.c - the mmusim command end to end: every bad input gives one
 * line naming the file and line or [section] key and a non-zero exit;
 * runs are deterministic; --check finds zero mismatches on every
 * generator and on a lackey trace of a real program; the report's numbers
 * obey the identities that hold between them; explain's golden output.
 */
#include "test.h"
#include "json.h"
#include "cli_util.h"

#include <stdlib.h>
#include <unistd.h>

TEST(cli_help_and_usage)
{
	char *out = NULL, *err = NULL;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "%s --help", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_CONTAINS(out, "native");
	CHECK_STR_CONTAINS(out, "zipf");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s run --help", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_CONTAINS(out, "usage: mmusim run");
	free(out);
	free(err);
	bad("frobnicate", 2, "unknown command", NULL);
	bad("run --bogus x", 2, "unknown option '--bogus'", NULL);
	bad("run", 2, "trace file or --gen", NULL);
	bad("compare --gen seq", 2, "compare needs -w", NULL);
	bad("run -c", 2, "needs an argument", NULL);
	bad("explain zzz", 2, "bad virtual address", NULL);
}

TEST(cli_bad_trace_lines)
{
	const char *p;
	char args[600];
	p = test_write_file("bad1.trace", "R 0x1000\nR 0xZZ\n");
	snprintf(args, sizeof args, "run %s", p);
	bad(args, 1, "bad1.trace:2", NULL);
	p = test_write_file("bad2.trace", "# ok\nW 0x1000 8\nQ 0x1000\n");
	snprintf(args, sizeof args, "run %s", p);
	bad(args, 1, "bad2.trace:3", NULL);
	p = test_write_file("bad3.trace", "R 0x200000000000000\n");   /* 2^57 */
	snprintf(args, sizeof args, "run %s", p);
	bad(args, 1, "bad3.trace:1", "57 bits");
	p = test_write_file("bad4.trace", "MAP 0x1000 0\n");
	snprintf(args, sizeof args, "run %s", p);
	bad(args, 1, "bad4.trace:1", NULL);
	p = test_write_file("bad5.lackey", "==1== lackey\nI  04010173,3\n L 0422zcac,8\n");
	snprintf(args, sizeof args, "run --format lackey %s", p);
	bad(args, 1, "bad5.lackey:3", NULL);
	snprintf(args, sizeof args, "run %s/does-not-exist.trace", test_tmpdir());
	bad(args, 1, "does-not-exist.trace", NULL);
}

TEST(cli_truncated_gzip)
{
	char cmd[1200], args[600];
	snprintf(cmd, sizeof cmd, "%s gen 'uniform:footprint=64M,n=50000,seed=3' -o %s/full.bin && "
		 "head -c 20000 %s/full.bin > %s/cut.bin", test_mmusim(), test_tmpdir(), test_tmpdir(), test_tmpdir());
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	snprintf(args, sizeof args, "run %s/cut.bin", test_tmpdir());
	bad(args, 1, "cut.bin", NULL);
	/* the uncut file runs */
	snprintf(args, sizeof args, "run --json %s/full.bin", test_tmpdir());
	free(run_ok(args));
}

TEST(cli_bad_config)
{
	const char *p;
	char args[600];
	p = test_write_file("unk.ini", "[tlb.l1d]\nfoo = 1\n");
	snprintf(args, sizeof args, "run -c %s --gen seq", p);
	bad(args, 1, "unk.ini", "[tlb.l1d] foo");
	p = test_write_file("unksec.ini", "[tlb.l3]\nentries = 1\n");
	snprintf(args, sizeof args, "run -c %s --gen seq", p);
	bad(args, 1, "unksec.ini", "[tlb.l3]");
	p = test_write_file("zero.ini", "[tlb.l2]\nways = 0\n");
	snprintf(args, sizeof args, "run -c %s --gen seq", p);
	bad(args, 1, "zero.ini", "[tlb.l2] ways");
	p = test_write_file("np2.ini", "[tlb.l1d]\nentries = 48\nways = 4\n");
	snprintf(args, sizeof args, "run -c %s --gen seq", p);
	bad(args, 1, "np2.ini", "power of two");
	bad("run -s os.levels=3 --gen seq", 1, "[os] levels", NULL);
	bad("run -s tlb.l1d.bogus=1 --gen seq", 1, "[tlb.l1d] bogus", NULL);
	bad("run -s walker.name=warp --gen seq", 1, "command line: [walker] name: unknown walker 'warp'", NULL);
	bad("run -w warp --gen seq", 2, "warp", NULL);
	bad("run --gen 'zipf:nonsense=1'", 1, "nonsense", NULL);
	bad("run --gen nosuchgen", 1, "nosuchgen", NULL);
	/* a workload larger than the simulated machine: one line, exit 1 */
	bad("run -s host.ram=64M --gen 'seq:footprint=128M,n=40000,size=4096'", 1, "[host] ram", "exhausted");
	bad("run -w nested -s vm.memory=64M --gen 'seq:footprint=128M,n=40000,size=4096'", 1, "[vm] memory",
	    "exhausted");
	/* the message says what to raise and to what; that then runs */
	bad("run -s host.ram=64M --gen 'seq:footprint=128M,n=40000,size=4096'", 1, "raise it above the footprint",
	    "-s host.ram=256M");
	bad("run -w nested -s vm.memory=64M --gen 'seq:footprint=128M,n=40000,size=4096'", 1,
	    "-s vm.memory=256M -s host.ram=64G", NULL);
	free(run_ok("run -s host.ram=256M --gen 'seq:footprint=128M,n=40000,size=4096'"));
	free(run_ok("run -w nested -s vm.memory=256M -s host.ram=64G --gen 'seq:footprint=128M,n=40000,size=4096'"));
}

TEST(cli_json_fields_and_identities)
{
	char *j = run_ok("run --json --check --gen 'zipf:footprint=256M,n=200000,seed=5,rw=0.3,ifrac=0.2'");
	char name[32];
	double l1m, l2h, l2m, walks, dw, refs, src = 0;
	const char *srcs[] = { "L1", "L2", "LLC", "DRAM" };
	int i;
	REQUIRE(j);
	CHECK(json_valid(j));
	CHECK(json_str_at(j, "walkers.0.name", name, sizeof name) && !strcmp(name, "native"));
	CHECK_EQ(num(j, "walkers.0.accesses"), 200000);
	CHECK_EQ(num(j, "walkers.0.accesses"), num(j, "trace.accesses"));
	CHECK_EQ(num(j, "walkers.0.oracle_mismatches"), 0);
	CHECK(num(j, "walkers.0.oracle_checks") >= 200000);
	l1m = num(j, "walkers.0.tlb.l1d.misses") + num(j, "walkers.0.tlb.l1i.misses");
	l2h = num(j, "walkers.0.tlb.l2.hits");
	l2m = num(j, "walkers.0.tlb.l2.misses");
	walks = num(j, "walkers.0.walks");
	dw = num(j, "walkers.0.dirty_walks");
	refs = num(j, "walkers.0.walk_refs");
	/* identities of the model: each L1 miss looks up the L2 once unless
	 * the L1 hit could not serve (dirty walks); walks come from L2 misses
	 * or unusable hits; references are counted by where they were served */
	CHECK(l1m > 0);
	CHECK_EQ(l2h + l2m, l1m);
	CHECK(walks >= l2m && walks <= l2m + dw);
	for (i = 0; i < 4; i++) {
		char path[64];
		snprintf(path, sizeof path, "walkers.0.refs_by_source.%s", srcs[i]);
		src += num(j, path);
	}
	CHECK_EQ(src, refs);
	CHECK(json_has(j, "walkers.0.walk_cycles"));
	CHECK(json_has(j, "walkers.0.faults"));
	CHECK(json_has(j, "walkers.0.tlb.l1i.misses"));
	{
		double h = 0;
		for (i = 0; i < 16; i++) {
			char path[64];
			snprintf(path, sizeof path, "walkers.0.walk_cycle_hist.%d.count", i);
			h += num(j, path);
		}
		CHECK_EQ(h, walks);
	}
	/* refs per walk between 1 and 4 (4 levels, warm PWCs) */
	CHECK(refs / walks >= 1.0 && refs / walks <= 4.0);
	free(j);
}

TEST(cli_deterministic_json)
{
	char *a = run_ok("run --json --gen 'hotcold:footprint=512M,n=100000,seed=9,rw=0.5'");
	char *b = run_ok("run --json --gen 'hotcold:footprint=512M,n=100000,seed=9,rw=0.5'");
	char *c = run_ok("run --json --gen 'hotcold:footprint=512M,n=100000,seed=10,rw=0.5'");
	CHECK(a && b && !strcmp(a, b));
	CHECK(a && c && strcmp(a, c));
	free(a);
	free(b);
	free(c);
	/* and through a file in the binary format */
	{
		char cmd[1200];
		snprintf(cmd, sizeof cmd, "%s gen 'hotcold:footprint=512M,n=100000,seed=9,rw=0.5' -o %s/hc.bin",
			 test_mmusim(), test_tmpdir());
		REQUIRE(test_run(cmd, NULL, NULL) == 0);
		snprintf(cmd, sizeof cmd, "run --json %s/hc.bin", test_tmpdir());
		a = run_ok(cmd);
		b = run_ok(cmd);
		CHECK(a && b && !strcmp(a, b));
		free(a);
		free(b);
	}
}

/* --check: zero mismatches for every walker on every generator, 4 and 5
 * levels, THP on/off, PCIDs off, host 2M pages. */
static const char *const gens[] = {
	"seq:footprint=64M,n=40000",
	"stride:footprint=256M,n=40000,stride=8192",
	"uniform:footprint=1G,n=40000,rw=0.4",
	"zipf:footprint=1G,n=40000,alpha=1.1,rw=0.2",
	"chase:footprint=128M,n=40000",
	"hotcold:footprint=1G,n=40000,hot=0.05,hotp=0.9",
	"multiproc:footprint=128M,n=40000,procs=4,quantum=5000,rw=0.3",
	"uniform:footprint=2G,n=20000,page=2M",
	"uniform:footprint=4G,n=20000,page=1G",
	"mmapchurn:n=40000,life=5000,live=8,rw=0.5",
	"heap:n=40000,max=8M,period=500,rw=0.5",
	"shortproc:n=40000,life=2000,footprint=256K,rw=0.5",
	"ctxswitch:n=40000,quantum=2000,churn=8,footprint=8M,rw=0.5",
	"mixed:n=40000,footprint=64M,period=500,rw=0.5",
	"multivm:n=40000,footprint=32M,vms=3,quantum=3000,rw=0.4",
};

/* `compare -w WALKERS --check` under each configuration on every generator:
 * every walker must find zero mismatches over at least 20000 checks. */
static void check_all(const char *walkers, int nw, const char *const *cfgs, size_t ncfgs)
{
	size_t g, k;
	int w;
	for (g = 0; g < ARRAY_SIZE(gens); g++)
		for (k = 0; k < ncfgs; k++) {
			char args[700], *j;
			snprintf(args, sizeof args, "compare -w %s --json --check %s --gen '%s'", walkers, cfgs[k],
				 gens[g]);
			j = run_ok(args);
			if (!j)
				continue;
			for (w = 0; w < nw; w++) {
				char p1[64], p2[64];
				snprintf(p1, sizeof p1, "walkers.%d.oracle_mismatches", w);
				snprintf(p2, sizeof p2, "walkers.%d.oracle_checks", w);
				if (num(j, p1) != 0 || num(j, p2) < 20000)
					test_fail(__FILE__, __LINE__, "%s: walker %d: mismatches or too few checks", args, w);
			}
			free(j);
		}
}

TEST(cli_check_every_generator)
{
	static const char *const cfgs[] = {
		"", "-s os.levels=5 -s vm.host_levels=5", "-s os.thp=always -s vm.host_thp=true",
		"-s os.pcid=false -s vm.host_levels=5 -s agile.interval_cycles=300000",
		"-s agile.interval_cycles=100000 -s agile.update_threshold=3",
	};
	check_all("native,nested,shadow,agile", 4, cfgs, ARRAY_SIZE(cfgs));
}

/* --check: the contiguous-memory walkers, zero mismatches on every
 * generator, with a contiguous VM and a guest segment, and with a
 * scattered VM (where they fall back to nested paging). */
TEST(cli_check_every_generator_direct)
{
	static const char *const cfgs[] = {
		"-s vm.backing=contiguous -s segment.guest_size=16M -s segment.escape_pages=32",
		"-s vm.backing=scattered -s os.levels=5 -s vm.host_levels=5",
	};
	check_all("bpo,dual-direct,vmm-direct,guest-direct,tpt", 5, cfgs, ARRAY_SIZE(cfgs));
}

/* A lackey trace of a real program (sort on a few thousand lines, ASLR
 * off), streamed into mmusim: zero mismatches. */
TEST(cli_lackey_real_program)
{
	char cmd[2048], *out = NULL, *err = NULL;
	double acc, ins;
	if (test_run("command -v valgrind && command -v setarch", NULL, NULL) != 0) {
		test_fail(__FILE__, __LINE__, "valgrind and setarch are needed (make deps installs valgrind)");
		return;
	}
	snprintf(cmd, sizeof cmd, "seq 3000 | awk '{print ($1 * 7919) %% 3001}' > %s/in.txt && "
		 "setarch -R valgrind --tool=lackey --trace-mem=yes --log-fd=3 sort %s/in.txt 3>&1 >/dev/null "
		 "| %s run --check --json -", test_tmpdir(), test_tmpdir(), test_mmusim());
	REQUIRE(test_run(cmd, &out, &err) == 0);
	CHECK(json_valid(out));
	acc = num(out, "walkers.0.accesses");
	ins = num(out, "walkers.0.accesses_by_type.I");
	CHECK(acc > 100000);
	CHECK(ins > 10000);
	CHECK_EQ(num(out, "walkers.0.oracle_mismatches"), 0);
	CHECK(num(out, "walkers.0.oracle_checks") >= acc);
	{
		char fmt[32];
		CHECK(json_str_at(out, "trace.format", fmt, sizeof fmt) && !strcmp(fmt, "lackey"));
	}
	free(out);
	free(err);
}

TEST(cli_compare_one_pass)
{
	/* one walker twice is refused; the same walker in compare and run agree */
	char *a = run_ok("run --json --gen 'uniform:footprint=256M,n=50000,seed=2'");
	char *b = run_ok("compare -w native --json --gen 'uniform:footprint=256M,n=50000,seed=2'");
	/* the same figures: everything after the provenance (whose command
	 * line differs) */
	REQUIRE(a && b && strstr(a, "\"trace\":") && strstr(b, "\"trace\":"));
	CHECK(!strcmp(strstr(a, "\"trace\":"), strstr(b, "\"trace\":")));
	free(a);
	free(b);
	bad("compare -w native,native --gen seq", 1, "twice", NULL);
}

/* The golden walk log: `explain` on the default machine. The expected
 * file was checked by hand: 4 references, PML4 -> PDPT -> PD -> PT, each
 * entry's address = previous table + 8 * index of the VA at that level. */
TEST(cli_explain_golden)
{
	char cmd[1200], *out = NULL, *err = NULL;
	static const char *const cases[][2] = {
		{ "explain --cold 0x7f0000201234", "test/golden/explain_native_cold.out" },
		{ "explain -s os.levels=5 --cold 0x7f0000201234", "test/golden/explain_native_5level.out" },
		{ "explain --warm-gen 'seq:footprint=8M,n=4096,base=0x7f0000000000' 0x7f0000201234",
		  "test/golden/explain_native_warm.out" },
		{ "explain -w nested -s pwc.enabled=false -s ntlb.enabled=false --cold 0x7f0000201234",
		  "test/golden/explain_nested_cold.out" },
		/* 16 first touches write one guest PT page 16 times: it moves to
		 * nested mode; the walk reads 3 shadow levels, switches at the
		 * shadow PD entry (bit 10) to the guest PT, then walks the EPT
		 * for the data page */
		{ "explain -w agile --cold --warm-gen 'seq:footprint=64K,n=16,size=4096' 0x7f0000003000",
		  "test/golden/explain_agile_switch.out" },
	};
	size_t i;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(cmd, sizeof cmd, "%s %s | diff -u %s -", test_mmusim(), cases[i][0], cases[i][1]);
		if (test_run(cmd, &out, &err) != 0)
			test_fail(__FILE__, __LINE__, "%s differs from %s:\n%s%s", cases[i][0], cases[i][1], out, err);
		free(out);
		free(err);
	}
}

/* The trade-off of the literature (Gandhi et al., IEEE Micro 2017, table
 * 1): on a walk-heavy workload nested paging has the most walk cycles and
 * shadow paging the most VMM cycles (nested paging's being the EPT
 * violations of first touches); when page tables churn, shadow
 * paging's total translation cost (walks + VMM) exceeds nested's. */
TEST(cli_nested_shadow_tradeoff)
{
	char *j = run_ok("compare -w native,nested,shadow --json -c configs/skylake.ini "
			 "--gen 'uniform:footprint=512M,n=300000,rw=0.3,seed=1'");
	REQUIRE(j);
	CHECK(num(j, "walkers.1.walk_cycles") > num(j, "walkers.0.walk_cycles"));
	CHECK(num(j, "walkers.1.walk_cycles") > num(j, "walkers.2.walk_cycles"));
	CHECK(num(j, "walkers.2.vmm.cycles") > 0);
	CHECK_EQ(num(j, "walkers.0.vmm.cycles"), 0);
	/* nested paging's only exits: the EPT violations of first touches, one
	 * per guest page backed after VM creation (all but the root table) */
	CHECK_EQ(num(j, "walkers.1.vmm.interventions"), num(j, "walkers.1.vmm.by_cause.ept_violation"));
	CHECK_EQ(num(j, "walkers.1.vmm.by_cause.ept_violation"), num(j, "vms.0.backed.4K") - 1);
	CHECK_EQ(num(j, "walkers.2.vmm.by_cause.ept_violation"), 0);
	CHECK(num(j, "walkers.1.walk_refs_per_walk") > 1.5 * num(j, "walkers.0.walk_refs_per_walk"));
	free(j);
	j = run_ok("compare -w native,nested,shadow --json -c configs/skylake.ini "
		   "--gen 'mmapchurn:n=200000,rw=0.3,seed=1'");
	REQUIRE(j);
	CHECK(num(j, "walkers.2.total_cycles") > num(j, "walkers.1.total_cycles"));
	CHECK(num(j, "walkers.2.vmm.by_cause.pt_write") == num(j, "machine.pt_writes"));
	free(j);
}

/* The bridge from placement to the MMU model: VMs placed on one server
 * (contiguous or scattered as the placement run left them) run with that
 * backing; the bpo walker's mode follows each VM's contiguity. */
TEST(cli_place_backing_into_run)
{
	char cmd[1400], *j;
	const char *b2;
	snprintf(cmd, sizeof cmd, "%s place -c configs/cluster-azure.ini --algo contig --gen azure:n=2000 "
		 "--backing %s/b.txt --backing-vms first:3 > /dev/null", test_mmusim(), test_tmpdir());
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	snprintf(cmd, sizeof cmd, "compare -w nested,bpo --json --check --backing %s/b.txt "
		 "--gen 'multivm:n=20000,vms=3,quantum=2000,footprint=64M,rw=0.3'", test_tmpdir());
	j = run_ok(cmd);
	REQUIRE(j);
	CHECK_EQ(num(j, "walkers.0.oracle_mismatches") + num(j, "walkers.1.oracle_mismatches"), 0);
	CHECK(num(j, "walkers.1.base_bound") > 0);
	free(j);
	/* a scattered VM from a hand-written record: nested paging for bpo */
	b2 = test_write_file("b2.txt", "mmusim-backing 1\n"
			     "vm id=a algo=min server=3 kind=x vcpus=1 memory=0x40000000 requested=0x40000000 "
			     "host_ram=0x400000000 granule=0x200000 created=0 deleted=10 contiguous=0 extents=2\n"
			     "extent 0x200000 0x20000000\nextent 0x80000000 0x20000000\n");
	snprintf(cmd, sizeof cmd, "compare -w nested,bpo,shadow,tpt --json --check --backing %s "
		 "--gen 'uniform:n=20000,footprint=256M,rw=0.3'", b2);
	j = run_ok(cmd);
	REQUIRE(j);
	CHECK_EQ(num(j, "walkers.1.base_bound"), 0);
	CHECK_EQ(num(j, "walkers.0.walk_refs"), num(j, "walkers.1.walk_refs"));
	{
		char mode[40];
		CHECK(json_str_at(j, "vms.0.bpo_mode", mode, sizeof mode) && !strcmp(mode, "nested"));
	}
	free(j);
	/* overlapping extents: one line, exit 1 */
	b2 = test_write_file("b3.txt", "mmusim-backing 1\n"
			     "vm id=a algo=min server=3 kind=x vcpus=1 memory=0x40000000 requested=0x40000000 "
			     "host_ram=0x400000000 granule=0x200000 created=0 deleted=10 contiguous=1 extents=1\n"
			     "extent 0x0 0x40000000\n"
			     "vm id=b algo=min server=3 kind=x vcpus=1 memory=0x40000000 requested=0x40000000 "
			     "host_ram=0x400000000 granule=0x200000 created=0 deleted=10 contiguous=1 extents=1\n"
			     "extent 0x20000000 0x40000000\n");
	snprintf(cmd, sizeof cmd, "run -w bpo --backing %s --gen seq", b2);
	bad(cmd, 1, "overlaps", NULL);
}

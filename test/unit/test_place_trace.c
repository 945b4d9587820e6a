/*
 * test_place_trace.c - VM lifetime traces (workloads/vmtrace*.c): the
 * azure, bitbrains and csv readers on hand-written files, gzip, skipping
 * bad rows, format detection, the csv writer's round trip, and the
 * generators: `fixed` against its closed form, `azure` against the
 * figures docs/placement.md says it follows, computed from its output.
 * (Bad inputs through the command line, one message each:
 * test_place_cli.c.)
 */
#include "test.h"
#include "../../workloads/vmtrace.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#define GiB (1ull << 30)

static bool same_vm(const struct vmtrace *t, u64 i, const char *id, u64 c, u64 d, u32 v, u64 mem)
{
	char buf[32];
	const struct vm_rec *r = &t->v[i];
	bool ok = !strcmp(vmtrace_id(t, i, buf, sizeof buf), id) && r->created == c && r->deleted == d &&
		  r->vcpus == v && r->memory == mem;
	if (!ok)
		test_fail(__FILE__, __LINE__, "VM %llu: %s %llu %llu %u %llu, expected %s %llu %llu %u %llu",
			  (unsigned long long)i, vmtrace_id(t, i, buf, sizeof buf), (unsigned long long)r->created,
			  (unsigned long long)r->deleted, r->vcpus, (unsigned long long)r->memory, id,
			  (unsigned long long)c, (unsigned long long)d, v, (unsigned long long)mem);
	return ok;
}

TEST(place_trace_csv)
{
	struct vmtrace t;
	const char *p = test_write_file("vms.csv",
		"# a comment\n"
		"id,created,deleted,vcpus,memory\n"
		"\n"
		"web-1,0,3600,2,4G\r\n"
		"db,  100 , 200 ,8,1.75G\n"
		"tiny,5,5,1,4096\n"
		"k,7,9,1,1.5KiB\n"
		"last,1,2,3,2M");   /* no final newline */

	REQUIRE(vmtrace_load(&t, p, VMF_CSV, false) == 0);
	REQUIRE_EQ(t.n, 5);
	CHECK_EQ(t.rows, 5);
	CHECK_EQ(t.skipped, 0);
	same_vm(&t, 0, "web-1", 0, 3600, 2, 4 * GiB);
	same_vm(&t, 1, "db", 100, 200, 8, 1792ull << 20);
	same_vm(&t, 2, "tiny", 5, 5, 1, 4096);
	same_vm(&t, 3, "k", 7, 9, 1, 1536);
	same_vm(&t, 4, "last", 1, 2, 3, 2ull << 20);
	CHECK_EQ(vmtrace_detect(p), VMF_CSV);
	vmtrace_free(&t);
}

TEST(place_trace_csv_skip_bad)
{
	struct vmtrace t;
	const char *p = test_write_file("skip.csv",
		"a,0,10,1,1G\n"
		"b,0,10,0,1G\n"          /* 0 vCPUs */
		"c,10,0,1,1G\n"          /* deleted before created */
		"d,0,10,1\n"             /* 4 columns */
		"e,0,10,1,1G\n"
		"f,x,10,1,1G\n");        /* not a number */

	REQUIRE(vmtrace_load(&t, p, VMF_CSV, true) == 0);
	CHECK_EQ(t.n, 2);
	CHECK_EQ(t.rows, 6);
	CHECK_EQ(t.skipped, 4);
	same_vm(&t, 1, "e", 0, 10, 1, GiB);
	vmtrace_free(&t);
}

/* Rows of the 2017 (V1) table, real sizes, and of the 2019 (V2) table,
 * buckets; the open buckets are 32 vCPUs and 128 GiB. */
TEST(place_trace_azure)
{
	struct vmtrace t;
	char gz[512];
	const char *p = test_write_file("vmtable.csv",
		"x/XsOfHO4ocsV99i4Nlu+KDu==,VDU4C8cq,Pc2VLB8a,0,2591700,99.369869,3.424094,10.194309,Delay-insensitive,1,1.75\n"
		"H5CxmMoVcZSpjgGbohnV,BSXOcywx,3J17LcV4,0,1539300,100.0,6.18,33.98,Interactive,1,0.75\n"
		"wR/G1YUjpMP4zUbx,VDU4C8cq,Pc2VLB8a,2188800,2591700,99.5,3.5,7.9,Delay-insensitive,8,56.00\n"
		"v2a,s,d,300,600,1,1,1,Unknown,>24,>64\n"
		"v2b,s,d,300,300,1,1,1,Unknown,4,32\n");
	gzFile g;

	REQUIRE(vmtrace_load(&t, p, VMF_AZURE, false) == 0);
	REQUIRE_EQ(t.n, 5);
	same_vm(&t, 0, "x/XsOfHO4ocsV99i4Nlu+KDu==", 0, 2591700, 1, 1792ull << 20);
	same_vm(&t, 1, "H5CxmMoVcZSpjgGbohnV", 0, 1539300, 1, 768ull << 20);
	same_vm(&t, 2, "wR/G1YUjpMP4zUbx", 2188800, 2591700, 8, 56 * GiB);
	same_vm(&t, 3, "v2a", 300, 600, 32, 128 * GiB);
	same_vm(&t, 4, "v2b", 300, 300, 4, 32 * GiB);
	CHECK_EQ(vmtrace_detect(p), VMF_AZURE);
	vmtrace_free(&t);

	/* The same file gzip-compressed, with a header row. */
	snprintf(gz, sizeof gz, "%s/vmtable.csv.gz", test_tmpdir());
	g = gzopen(gz, "wb");
	REQUIRE(g);
	gzputs(g, "vmid,subscriptionid,deploymentid,vmcreated,vmdeleted,maxcpu,avgcpu,p95maxcpu,"
		  "vmcategory,vmcorecountbucket,vmmemorybucket\n");
	gzputs(g, "a,s,d,0,600,1,1,1,Unknown,2,4\n");
	gzclose(g);
	REQUIRE(vmtrace_load(&t, gz, VMF_AZURE, false) == 0);
	REQUIRE_EQ(t.n, 1);
	same_vm(&t, 0, "a", 0, 600, 2, 4 * GiB);
	CHECK_EQ(vmtrace_detect(gz), VMF_AZURE);
	vmtrace_free(&t);
}

static const char bb_header[] =
	"Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\t"
	"CPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\t"
	"Disk read throughput [KB/s];\tDisk write throughput [KB/s];\t"
	"Network received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

static void bb_write(const char *dir, const char *name, const char *rows)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(bb_header, f);
	fputs(rows, f);
	fclose(f);
}

/* One VM per file: created at its first sample, deleted at its last, the
 * largest cores and memory; files in natural order (2 before 10);
 * millisecond timestamps are divided by 1000. */
TEST(place_trace_bitbrains)
{
	char dir[512];
	struct vmtrace t;

	snprintf(dir, sizeof dir, "%s/bb", test_tmpdir());
	REQUIRE(mkdir(dir, 0755) == 0);
	bb_write(dir, "10.csv",
		 "1376314846;\t4;\t11703.99;\t10.4;\t0.08;\t33554432;\t6129274.667;\t0;\t2.4;\t1.2;\t0.26\n"
		 "1376315146;\t4;\t11703.99;\t10.4;\t0.08;\t33554432;\t6129274.667;\t0;\t2.4;\t1.2;\t0.26\n");
	bb_write(dir, "2.csv",
		 "1376315146;\t2;\t5851.99;\t10.4;\t0.08;\t4194304;\t6129;\t0;\t2.4;\t1.2;\t0.26\n"
		 "1376314846;\t1;\t5851.99;\t10.4;\t0.08;\t2097152.5;\t6129;\t0;\t2.4;\t1.2;\t0.26\n"
		 "1376315446;\t1;\t5851.99;\t10.4;\t0.08;\t1048576;\t6129;\t0;\t2.4;\t1.2;\t0.26\n");
	bb_write(dir, "3.csv",
		 "1376314846000;\t8;\t1;\t1;\t1;\t1024;\t1;\t0;\t0;\t0;\t0\n");
	bb_write(dir, "notes.txt", "ignored\n");
	REQUIRE(vmtrace_load(&t, dir, VMF_BITBRAINS, false) == 0);
	REQUIRE_EQ(t.n, 3);
	CHECK_EQ(t.files, 3);
	same_vm(&t, 0, "2", 1376314846, 1376315446, 2, 4ull << 30);
	same_vm(&t, 1, "3", 1376314846, 1376314846, 8, 1ull << 20);
	same_vm(&t, 2, "10", 1376314846, 1376315146, 4, 32ull << 30);
	CHECK_EQ(vmtrace_detect(dir), VMF_BITBRAINS);
	vmtrace_free(&t);

	/* One file alone. */
	snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/2.csv");
	REQUIRE(vmtrace_load(&t, dir, VMF_BITBRAINS, false) == 0);
	REQUIRE_EQ(t.n, 1);
	CHECK_EQ(vmtrace_detect(dir), VMF_BITBRAINS);
	vmtrace_free(&t);
}

TEST(place_trace_bitbrains_skip_bad)
{
	char dir[512];
	struct vmtrace t;

	snprintf(dir, sizeof dir, "%s/bbskip", test_tmpdir());
	REQUIRE(mkdir(dir, 0755) == 0);
	bb_write(dir, "1.csv",
		 "100;\t2;\t1;\t1;\t1;\t1024;\t1;\t0;\t0;\t0;\t0\n"
		 "400;\t0;\t1;\t1;\t1;\t1024;\t1;\t0;\t0;\t0;\t0\n"     /* 0 cores */
		 "700;\t2;\t1\n");                                      /* 3 fields */
	bb_write(dir, "2.csv", "x;\t2;\t1;\t1;\t1;\t1024;\t1;\t0;\t0;\t0;\t0\n");   /* only bad rows */
	REQUIRE(vmtrace_load(&t, dir, VMF_BITBRAINS, true) == 0);
	REQUIRE_EQ(t.n, 1);
	CHECK_EQ(t.skipped, 3);
	same_vm(&t, 0, "1", 100, 100, 2, 1ull << 20);
	vmtrace_free(&t);
}

/* Generator -> csv writer -> csv reader gives the same VMs. */
TEST(place_trace_write_read_round_trip)
{
	struct vmtrace a, b;
	char path[512], buf[32];
	u64 i;

	snprintf(path, sizeof path, "%s/rt.csv", test_tmpdir());
	REQUIRE(vmtrace_gen(&a, "azure:n=5000,seed=9") == 0);
	REQUIRE(vmtrace_write_csv(&a, path) == 0);
	REQUIRE(vmtrace_load(&b, path, VMF_CSV, false) == 0);
	REQUIRE_EQ(b.n, a.n);
	for (i = 0; i < a.n; i++)
		if (!same_vm(&b, i, vmtrace_id(&a, i, buf, sizeof buf), a.v[i].created, a.v[i].deleted,
			     a.v[i].vcpus, a.v[i].memory))
			break;
	vmtrace_free(&a);
	vmtrace_free(&b);
}

TEST(place_trace_gen_fixed)
{
	struct vmtrace t;
	u64 i;

	REQUIRE(vmtrace_gen(&t, "fixed:n=7,vcpus=3,memory=1536M,lifetime=100,gap=40,start=1000") == 0);
	REQUIRE_EQ(t.n, 7);
	for (i = 0; i < 7; i++) {
		char id[16];
		snprintf(id, sizeof id, "vm%llu", (unsigned long long)i);
		same_vm(&t, i, id, 1000 + 40 * i, 1100 + 40 * i, 3, 1536ull << 20);
	}
	vmtrace_free(&t);
}

/* The azure generator against the figures it is calibrated to
 * (docs/placement.md): from the AzurePublicDataset V1 README, 51.8 VM
 * hours per VM in the 30-day window (lifetimes cut at the window, at
 * least 300 s) and 2.28 cores per VM hour; 7.2 % of VMs alive when the
 * window opens; the assumed size shares. Timestamps are multiples of 300
 * and end by 2591700. */
TEST(place_trace_gen_azure_figures)
{
	struct vmtrace t;
	u64 i, n, at0 = 0, cores[33] = { 0 }, one = 0, one_small = 0, one_175 = 0, big = 0, big7 = 0;
	double hours = 0, core_hours = 0;

	REQUIRE(vmtrace_gen(&t, "azure:n=200000,seed=3") == 0);
	n = t.n;
	REQUIRE_EQ(n, 200000);
	for (i = 0; i < n; i++) {
		const struct vm_rec *r = &t.v[i];
		double h = (double)MAX(r->deleted - r->created, 300) / 3600;
		if (r->created % 300 || r->deleted % 300 || r->deleted > 2591700 || r->deleted < r->created) {
			test_fail(__FILE__, __LINE__, "VM %llu: times %llu %llu", (unsigned long long)i,
				  (unsigned long long)r->created, (unsigned long long)r->deleted);
			break;
		}
		if (i && r->created < t.v[i - 1].created) {
			test_fail(__FILE__, __LINE__, "not sorted by creation at %llu", (unsigned long long)i);
			break;
		}
		hours += h;
		core_hours += h * r->vcpus;
		at0 += r->created == 0;
		if (r->vcpus <= 32)
			cores[r->vcpus]++;
		if (r->vcpus == 1) {
			one++;
			one_small += r->memory == 768ull << 20;
			one_175 += r->memory == 1792ull << 20;
		} else {
			big++;
			big7 += r->memory == (u64)r->vcpus * 7 * GiB;
		}
	}
	CHECK_NEAR(hours / (double)n, 51.8, 51.8 * 0.03);
	CHECK_NEAR(core_hours / hours, 2.28, 0.05);
	CHECK_NEAR((double)at0 / (double)n, 0.072, 0.004);
	CHECK_NEAR((double)cores[1] / (double)n, 0.52, 0.005);
	CHECK_NEAR((double)cores[2] / (double)n, 0.29, 0.005);
	CHECK_NEAR((double)cores[4] / (double)n, 0.12, 0.004);
	CHECK_NEAR((double)cores[8] / (double)n, 0.057, 0.003);
	CHECK_NEAR((double)cores[16] / (double)n, 0.011, 0.0015);
	CHECK_NEAR((double)cores[32] / (double)n, 0.002, 0.0007);
	CHECK_EQ(cores[1] + cores[2] + cores[4] + cores[8] + cores[16] + cores[32], n);
	CHECK_NEAR((double)one_small / (double)one, 0.15, 0.005);
	CHECK_NEAR((double)one_175 / (double)one, 0.50, 0.006);
	CHECK_NEAR((double)big7 / (double)big, 0.15, 0.006);
	vmtrace_free(&t);
}

TEST(place_trace_gen_deterministic)
{
	struct vmtrace a, b, c;

	REQUIRE(vmtrace_gen(&a, "azure:n=20000,seed=4,days=7") == 0);
	REQUIRE(vmtrace_gen(&b, "azure:n=20000,seed=4,days=7") == 0);
	REQUIRE(vmtrace_gen(&c, "azure:n=20000,seed=5,days=7") == 0);
	CHECK(!memcmp(a.v, b.v, a.n * sizeof *a.v));
	CHECK(memcmp(a.v, c.v, a.n * sizeof *a.v));
	for (u64 i = 0; i < a.n; i++)
		if (a.v[i].deleted > 7 * 86400 - 300) {
			test_fail(__FILE__, __LINE__, "VM %llu ends after the window", (unsigned long long)i);
			break;
		}
	vmtrace_free(&a);
	vmtrace_free(&b);
	vmtrace_free(&c);
}

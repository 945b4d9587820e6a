/*
 * test_trust.c - one small hand-made trace per translation error the
 * differential test (test_diff.c) and the review of the walkers found, the
 * independence of each walker's figures from the others of a comparison,
 * and the exit status of a run whose check finds mismatches.
 */
#include "sim_util.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define BASE 0x40000000ull
#define M2 (2ull << 20)

static const char *const vm_walkers[] = {
	"nested", "shadow", "agile", "bpo", "dual-direct", "vmm-direct", "guest-direct", "tpt",
};

static struct ev ev_map(u64 va, u64 len, u8 prot, u8 ps)
{
	struct ev e = { .kind = EV_MAP, .va = va, .len = len, .prot = prot, .psize = ps };
	return e;
}
static struct ev ev_op(u8 kind, u64 va, u64 len, u8 prot)
{
	struct ev e = { .kind = kind, .va = va, .len = len, .prot = prot };
	return e;
}
static struct ev ev_acc(u8 kind, u64 va)
{
	struct ev e = { .kind = kind, .va = va, .size = 8 };
	return e;
}

/* Sets up walkers under the overrides and feeds the events; the caller
 * inspects and destroys s. */
static bool run_events(struct sim *s, const char *const *walkers, int nw, const char *const *ov, int nov,
		       const struct ev *e, int n)
{
	struct cfg c;
	int i;
	if (cfg_load(&c, NULL, ov, nov) || sim_init(s, &c, walkers, nw, true)) {
		test_fail(__FILE__, __LINE__, "set-up");
		return false;
	}
	s->mismatch_reports = 10;      /* quiet: the counts are checked */
	for (i = 0; i < n; i++)
		if (sim_event(s, &e[i])) {
			test_fail(__FILE__, __LINE__, "event %d", i);
			sim_destroy(s);
			return false;
		}
	return true;
}

static void expect_clean(const struct sim *s, u64 min_checks)
{
	int i;
	for (i = 0; i < s->n; i++)
		if (s->mmu[i].st.oracle_mismatches || s->mmu[i].st.oracle_checks < min_checks)
			test_fail(__FILE__, __LINE__, "walker %s: %llu mismatches in %llu checks", s->mmu[i].name,
				  (unsigned long long)s->mmu[i].st.oracle_mismatches,
				  (unsigned long long)s->mmu[i].st.oracle_checks);
}

/* A 2M guest page over 4K host pages is cached as 4K entries: UNMAP,
 * PROTECT r-- and a remap must drop every one of them, not only the entry
 * of the page's first 4K (SDM vol. 3A 4.10.4.1). Strict mode: an access
 * after UNMAP is a SIGSEGV, not a demand fault. */
static void splinter_case(const char *const *ov, int nov, u8 ps, u64 size)
{
	const struct ev e[] = {
		ev_map(BASE, size, PERM_R | PERM_W, ps),
		ev_acc(EV_R, BASE + 0x1000), ev_acc(EV_R, BASE + 0x2000), ev_acc(EV_R, BASE + size - 0x1000),
		ev_op(EV_UNMAP, BASE, size, 0),
		ev_acc(EV_R, BASE + 0x1000),                   /* must fault: unmapped */
		ev_map(BASE, size, PERM_R | PERM_W, ps),
		ev_acc(EV_W, BASE), ev_acc(EV_W, BASE + 0x1000), ev_acc(EV_W, BASE + 0x2000),
		ev_op(EV_PROTECT, BASE, size, PERM_R),
		ev_acc(EV_W, BASE + 0x2000),                   /* must fault: read-only */
		ev_acc(EV_R, BASE + 0x3000),
		ev_op(EV_UNMAP, BASE, size, 0),
		ev_map(BASE + size, size, PERM_R | PERM_W, ps), /* takes the frames back */
		ev_acc(EV_R, BASE + size + 0x3000),
		ev_map(BASE, size, PERM_R | PERM_W, ps),
		ev_acc(EV_R, BASE + 0x3000),                   /* a new frame: the new address */
	};
	struct sim s;
	int i;
	if (!run_events(&s, vm_walkers, (int)ARRAY_SIZE(vm_walkers), ov, nov, e, (int)ARRAY_SIZE(e)))
		return;
	expect_clean(&s, 10);
	for (i = 0; i < s.n; i++) {
		/* the two accesses that must fault did fault in every walker */
		if (s.mmu[i].st.faults_kind[FAULT_NOT_PRESENT] < 1 || s.mmu[i].st.faults_kind[FAULT_PROT] < 1)
			test_fail(__FILE__, __LINE__, "walker %s: the access after UNMAP or PROTECT did not fault",
				  s.mmu[i].name);
	}
	sim_destroy(&s);
}

TEST(trust_splintered_2m_on_4k)
{
	const char *ov[] = { "os.strict=true" };
	const char *ovc[] = { "os.strict=true", "vm.backing=contiguous" };
	splinter_case(ov, 1, PS_2M, M2);
	splinter_case(ovc, 2, PS_2M, M2);
}

TEST(trust_splintered_1g_on_2m)
{
	const char *ov[] = { "os.strict=true", "vm.host_thp=true" };
	const char *ovc[] = { "os.strict=true", "vm.host_thp=true", "vm.backing=contiguous" };
	splinter_case(ov, 2, PS_1G, 1ull << 30);
	splinter_case(ovc, 3, PS_1G, 1ull << 30);
}

/* Native: PROTECT of the first 4K of a 2M page with the permissions it
 * already has splits the page (4K leaves, no leaf changes); the 2M TLB
 * entry must go with the 2M leaf, so the next access walks and finds 4K. */
TEST(trust_native_split_same_perms)
{
	const struct ev e[] = {
		ev_map(BASE, M2, PERM_R | PERM_W, PS_2M),
		ev_acc(EV_W, BASE),
		ev_op(EV_PROTECT, BASE, 0x1000, PERM_R | PERM_W),
		ev_acc(EV_R, BASE + 0x1000),
	};
	const char *w[] = { "native" };
	struct sim s;
	if (!run_events(&s, w, 1, NULL, 0, e, (int)ARRAY_SIZE(e)))
		return;
	expect_clean(&s, 3);
	CHECK_EQ(s.m.os.st.huge_splits, 1);
	/* demand-fault walk + its retry, then the walk after the split */
	CHECK_EQ(s.mmu[0].st.walks, 3);
	sim_destroy(&s);
}

/* tpt: a write to a read-only 2M page is a protection fault, as the
 * reference translator (and nested paging) says, not a not-present one. */
TEST(trust_tpt_write_readonly_2m)
{
	const struct ev e[] = {
		ev_map(BASE, M2, PERM_R | PERM_W, PS_2M),
		ev_acc(EV_W, BASE),
		ev_op(EV_PROTECT, BASE, M2, PERM_R),
		ev_acc(EV_W, BASE + 0x2000),
	};
	const char *w[] = { "nested", "tpt" };
	struct sim s;
	if (!run_events(&s, w, 2, NULL, 0, e, (int)ARRAY_SIZE(e)))
		return;
	expect_clean(&s, 3);
	CHECK_EQ(s.mmu[1].st.faults_kind[FAULT_PROT], 1);
	CHECK_EQ(s.mmu[1].st.faults_kind[FAULT_PROT], s.mmu[0].st.faults_kind[FAULT_PROT]);
	CHECK_EQ(s.mmu[1].st.faults_kind[FAULT_NOT_PRESENT], s.mmu[0].st.faults_kind[FAULT_NOT_PRESENT]);
	sim_destroy(&s);
}

/* bpo, vmm-direct and dual-direct on a contiguous VM whose extent starts
 * 4K past a 2M boundary (as `--backing` can place it): a 2M guest page is
 * contiguous in host memory but not 2M-aligned there, so it may only be
 * cached at 4K; at 2M the TLB would give every other 4K page of it the
 * wrong host address. */
TEST(trust_bpo_unaligned_gba)
{
	const char *b = test_write_file("unaligned.backing", "mmusim-backing 1\n"
		"vm id=a algo=min server=3 kind=x vcpus=1 memory=0x40000000 requested=0x40000000 "
		"host_ram=0x400000000 granule=0x1000 created=0 deleted=10 contiguous=1 extents=1\n"
		"extent 0x201000 0x40000000\n");
	const char *t = test_write_file("unaligned.txt", "MAP 0x40000000 4M rw- 2M\n"
		"R 0x40000000 8\nR 0x40001000 8\nR 0x40123000 8\nW 0x40201000 8\nR 0x40000000 8\n");
	char cmd[1200], *out = NULL, *err = NULL;
	double v;
	int st, i;
	snprintf(cmd, sizeof cmd, "%s compare -w nested,bpo,vmm-direct,dual-direct --check --json --backing %s %s",
		 test_mmusim(), b, t);
	st = test_run(cmd, &out, &err);
	CHECK_EQ(st, 0);
	for (i = 0; i < 4; i++) {
		char p[64];
		snprintf(p, sizeof p, "walkers.%d.oracle_mismatches", i);
		CHECK(json_num(out, p, &v) && v == 0);
		snprintf(p, sizeof p, "walkers.%d.oracle_checks", i);
		CHECK(json_num(out, p, &v) && v >= 5);
	}
	/* bpo translated by base plus offset (the VM is contiguous) */
	CHECK(json_num(out, "walkers.1.base_bound", &v) && v > 0);
	/* by hand: each 2M page's first touch walks twice (the fault, then
	 * after the OS maps it); at 4K the reads of 0x40001000 and 0x40123000
	 * walk again, the last read hits: 2 + 1 + 1 + 2 = 6 (at 2M: 4) */
	CHECK(json_num(out, "walkers.1.walks", &v) && v == 6);
	CHECK(json_num(out, "walkers.2.walks", &v) && v == 6);
	free(out);
	free(err);
}

/* The private tables of shadow, agile and tpt come from each instance's
 * own region: every counter of a walker run alone equals its counters in
 * a comparison with other walkers, on a trace with page-table churn and a
 * process switch. */
TEST(trust_private_tables_independent)
{
	struct ev e[200];
	const char *alone[3][1] = { { "shadow" }, { "agile" }, { "tpt" } };
	const char *all[] = { "nested", "shadow", "bpo", "agile", "tpt" };
	const int at[3] = { 1, 3, 4 };
	const char *ov[] = { "agile.interval_cycles=5000" };
	struct sim s, one;
	int n = 0, i, k;

	for (k = 0; k < 4; k++) {
		u64 va = BASE + (u64)k * (8ull << 20);
		e[n++] = ev_map(va, 4ull << 20, PERM_R | PERM_W, 0xff);
		for (i = 0; i < 24; i++)
			e[n++] = ev_acc(i & 1 ? EV_W : EV_R, va + (u64)i * 0x9000);
		e[n++] = ev_op(EV_UNMAP, va + 0x10000, 0x30000, 0);
		e[n++] = ev_op(EV_PROTECT, va + 0x50000, 0x20000, PERM_R);
		if (k == 1) {
			e[n].kind = EV_CTX;
			e[n++].size = 7;
		}
		for (i = 0; i < 8; i++)
			e[n++] = ev_acc(EV_R, va + (u64)i * 0x11000);
	}
	if (!run_events(&s, all, (int)ARRAY_SIZE(all), ov, 1, e, n))
		return;
	for (k = 0; k < 3; k++) {
		const struct mmu *a, *b = &s.mmu[at[k]];
		if (!run_events(&one, alone[k], 1, ov, 1, e, n))
			break;
		a = &one.mmu[0];
		if (memcmp(&a->st, &b->st, sizeof a->st) || memcmp(a->tlb.hits, b->tlb.hits, sizeof a->tlb.hits) ||
		    memcmp(a->pwc.hits, b->pwc.hits, sizeof a->pwc.hits))
			test_fail(__FILE__, __LINE__, "%s: figures alone (walk cycles %llu) differ from the comparison's (%llu)",
				  alone[k][0], (unsigned long long)a->st.walk_cycles, (unsigned long long)b->st.walk_cycles);
		CHECK(a->st.vmm_pages_peak > 0);
		sim_destroy(&one);
	}
	sim_destroy(&s);
}

/* agile: a nested top whose page the guest frees (an UNMAP empties its
 * table) and reuses at another level, in another process, is not judged
 * at the interval's end as a table of its old level (this trace, found by
 * the differential test, made the walk impossible to fill and aborted). */
TEST(trust_agile_freed_top)
{
	const char *t = test_write_file("agile_freed.txt",
		"M 0x9feffff9 64\nR 0x80000001 8\nR 0x405ffff9 1\nUNMAP 0x9feff000 0x11b000\nCTX 2\n"
		"M 0x80601000 64\nCTX 1\nR 0x5fe01ffc 16\nR 0x9fffeffd 64\nR 0x806ff00e 16\nCTX 2\n"
		"W 0x80400ff6 64\n");
	char cmd[900], *out = NULL;
	double v;
	snprintf(cmd, sizeof cmd, "%s run -w agile --json --check -s host.ram=4G -s vm.memory=2G "
		 "-s agile.interval_cycles=20000 %s", test_mmusim(), t);
	CHECK_EQ(test_run(cmd, &out, NULL), 0);
	CHECK(json_num(out, "walkers.0.oracle_mismatches", &v) && v == 0);
	CHECK(json_num(out, "walkers.0.agile.to_nested", &v) && v >= 2);
	free(out);
}

/* --check: mismatches make the run exit 3 after the report, with one line
 * naming their number; a clean check exits 0. [sim] check_inject makes
 * the Nth check fail (the check itself is what is tested here). */
TEST(trust_check_exit_status)
{
	char cmd[600], *out = NULL, *err = NULL;
	double v;
	const char *gen = "--gen 'uniform:footprint=64M,n=2000,rw=0.3'";
	snprintf(cmd, sizeof cmd, "%s compare -w native,nested --check --json %s", test_mmusim(), gen);
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_EQ(strlen(err), 0);
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s compare -w native,nested --check --json -s sim.check_inject=1500 %s",
		 test_mmusim(), gen);
	CHECK_EQ(test_run(cmd, &out, &err), 3);
	CHECK(json_valid(out));                         /* the report came first, whole */
	CHECK(json_num(out, "walkers.0.oracle_mismatches", &v) && v == 0);
	CHECK(json_num(out, "walkers.1.oracle_mismatches", &v) && v == 1);
	CHECK_STR_CONTAINS(err, "injected ([sim] check_inject)");
	CHECK_STR_CONTAINS(err, "mmusim: check: 1 translations differ from the reference translator");
	free(out);
	free(err);
	/* text report too */
	snprintf(cmd, sizeof cmd, "%s run -w nested --check -s sim.check_inject=7 %s", test_mmusim(), gen);
	CHECK_EQ(test_run(cmd, &out, &err), 3);
	CHECK_STR_CONTAINS(out, "oracle mismatches");
	free(out);
	free(err);
}

/* The JSON object of walker i in the "walkers" array (a copy). */
static char *walker_obj(const char *j, int i)
{
	const char *p = strstr(j, "\"walkers\":[");
	int depth = 0, k = -1;
	bool str = false;
	const char *start = NULL;
	if (!p)
		return NULL;
	for (p += 11; *p; p++) {
		if (str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				str = false;
			continue;
		}
		if (*p == '"')
			str = true;
		else if (*p == '{' && depth++ == 0 && ++k == i)
			start = p;
		else if (*p == '}' && --depth == 0 && start)
			return strndup(start, (size_t)(p - start + 1));
		else if (*p == ']' && depth == 0)
			break;
	}
	return NULL;
}

/* Drops the execution-time slowdowns (`"vs_native":...,"vs_best_other":...`
 * of .exec and of every interval), which are relative to the other walkers
 * of a comparison, from a walker object. */
static void drop_relative(char *o)
{
	char *p;
	while (o && (p = strstr(o, ",\"vs_native\":"))) {
		char *e = strchr(p, '}');
		if (!e)
			return;
		memmove(p, e, strlen(e) + 1);
	}
}

/* For every walker and three generators (page-table churn, several VMs,
 * several processes with churn), `run -w X --json` gives walker X exactly
 * the object a `compare` of all walkers gives it: every figure (compaction
 * included, so the VMM's moves must not depend on the walkers either),
 * but the slowdowns relative to the other walkers compared. */
TEST(trust_run_equals_compare)
{
	static const char *const names[] = {
		"native", "nested", "shadow", "agile", "bpo", "dual-direct", "vmm-direct", "guest-direct", "tpt",
	};
	static const char *const gens[] = {
		"mmapchurn:n=8000,life=1000,live=8,rw=0.5",
		"multivm:n=8000,footprint=16M,vms=3,quantum=1000,rw=0.4",
		"ctxswitch:n=8000,quantum=800,churn=8,footprint=8M,rw=0.5",
	};
	const char *opts = "-s agile.interval_cycles=50000 -s vm.compact_after=3000";
	size_t g, w;
	for (g = 0; g < ARRAY_SIZE(gens); g++) {
		char cmd[1200], *all = NULL;
		snprintf(cmd, sizeof cmd, "%s compare -w native,nested,shadow,agile,bpo,dual-direct,vmm-direct,"
			 "guest-direct,tpt --json --check %s --gen '%s'", test_mmusim(), opts, gens[g]);
		if (test_run(cmd, &all, NULL) != 0) {
			test_fail(__FILE__, __LINE__, "`%s` failed", cmd);
			free(all);
			continue;
		}
		for (w = 0; w < ARRAY_SIZE(names); w++) {
			char *one = NULL, *a, *b;
			/* native beside VM walkers is the unvirtualized baseline on
			 * the VM (sim.c): alone it needs the VM asked for */
			snprintf(cmd, sizeof cmd, "%s run -w %s --json --check %s %s --gen '%s'", test_mmusim(), names[w],
				 opts, w ? "" : "-s vm.enabled=true", gens[g]);
			if (test_run(cmd, &one, NULL) != 0)
				test_fail(__FILE__, __LINE__, "`%s` failed", cmd);
			a = walker_obj(one, 0);
			b = walker_obj(all, (int)w);
			drop_relative(a);
			drop_relative(b);
			if (!a || !b || strcmp(a, b))
				test_fail(__FILE__, __LINE__, "%s on %s: run and compare differ", names[w], gens[g]);
			free(a);
			free(b);
			free(one);
		}
		free(all);
	}
}

/* The walkers' private regions sit at the top of the physical address
 * space: a host RAM reaching them is refused, in one line, exit 1 (by the
 * [host] ram limit of 16T, checked when the configuration is loaded). */
TEST(trust_ram_below_private_regions)
{
	char cmd[400], *out = NULL, *err = NULL;
	snprintf(cmd, sizeof cmd, "%s run -w shadow -s host.ram=4095T --gen 'seq:n=10'", test_mmusim());
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "command line: [host] ram: must be between 64M and 16T (got '4095T')");
	CHECK(strchr(err, '\n') == err + strlen(err) - 1);     /* one line */
	free(out);
	free(err);
}

/*
 * bench.c - `make bench`: simulator throughput, printed as figures (not a
 * timed test: nothing here passes or fails on speed).
 *
 *   decode   : reading the binary trace alone, events/s
 *   hit path : accesses/s on a TLB-hit-dominated trace (uniform random
 *              over 32 pages: every access an L1 dTLB lookup)
 *   seq path : accesses/s on a sequential trace (mostly same-page hits)
 *              (hit and seq: from a gzip file, then from a plain one)
 *   walk path: accesses/s and walks/s on uniform random accesses over a
 *              64 GiB footprint of 4K pages mapped in advance (nearly
 *              every access misses both TLB levels and walks)
 *   place    : the placement simulator (mmu/place/place.c), VMs/s: a million-VM
 *              synthetic Azure-like trace replayed over the fleet of
 *              configs/cluster-azure.ini by each algorithm (the trace is
 *              generated and its events sorted once, outside the timing)
 *   record   : test/bench/record.sh: the recorder against valgrind lackey
 *              on xz -9 of 1 MB and sort of 100k lines (slow: lackey takes
 *              minutes), events/s, slowdowns and the agreement of counts
 *   place-time: the same with contiguity over time ([cluster] compaction
 *              and hourly migration passes) on fragmented servers with 4
 *              vCPUs per core, the costly case (mmu/place/place_time.c)
 * Traces are generated once into the binary format in a temporary
 * directory and read back from it, as a user's recorded trace would be.
 */
#include "../../mmu/sim.h"
#include "../../mmu/place/place.h"
#include "../../workloads/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int gen_file(const char *spec, const char *path, bool gzip)
{
	struct trace *t;
	struct trace_writer *w;
	struct ev buf[4096];
	int n, i, r = 0;
	if (trace_open_gen(&t, spec))
		return -1;
	if (trace_writer_open(&w, path, FMT_BIN, gzip)) {
		trace_close(t);
		return -1;
	}
	while (!r && (n = trace_read(t, buf, 4096)) > 0)
		for (i = 0; i < n && !r; i++)
			r = trace_writer_put(w, &buf[i]);
	r |= trace_writer_close(w);
	trace_close(t);
	return r;
}

static volatile u64 sink;

static double decode_only(const char *path, u64 *events)
{
	struct trace *t;
	struct ev buf[4096];
	double t0 = now();
	int n;
	u64 k = 0, sum = 0;
	if (trace_open(&t, path, FMT_BIN))
		exit(1);
	while ((n = trace_read(t, buf, 4096)) > 0) {
		k += (u64)n;
		sum += buf[n - 1].va;
	}
	trace_close(t);
	sink += sum;   /* keep the decode from being optimised away */
	*events = k;
	return now() - t0;
}

/* Runs the trace through a sim; MAP events are skipped when the region
 * was populated in advance. Returns seconds. */
static double simulate(struct sim *s, const char *path, bool skip_map)
{
	struct trace *t;
	struct ev buf[4096];
	double t0 = now();
	int n, i, k;

	if (trace_open(&t, path, FMT_BIN))
		exit(1);
	while ((n = trace_read(t, buf, 4096)) > 0) {
		for (i = k = 0; i < n; i++)
			if (!skip_map || buf[i].kind != EV_MAP)
				buf[k++] = buf[i];
		if (sim_events(s, buf, k))
			exit(1);
	}
	trace_close(t);
	return now() - t0;
}

/* One hit-path section: the trace as gzip (what `mmusim gen` writes by
 * default) and as plain binary, so that inflating shows apart from the
 * simulation. */
static void hit_bench(const char *dir, const char *label, const char *spec)
{
	static const char *const kind[2] = { "gzip", "plain" };
	char path[512];
	struct cfg c;
	struct sim s;
	const char *w[] = { "native" };
	u64 events;
	double td, ts;
	int plain;

	for (plain = 0; plain < 2; plain++) {
		snprintf(path, sizeof path, "%s/%s.%s", dir, label, plain ? "bin" : "bin.gz");
		if (gen_file(spec, path, !plain))
			exit(1);
		td = decode_only(path, &events);
		cfg_default(&c);
		if (sim_init(&s, &c, w, 1, false))
			exit(1);
		ts = simulate(&s, path, false);
		if (!plain)
			printf("%-10s %s\n", label, spec);
		printf("%-10s %-5s decode %7.1f M events/s   simulate %7.1f M accesses/s   (L1 dTLB hit rate %.4f, %llu walks)\n",
		       "", kind[plain], (double)events / td / 1e6, (double)s.accesses / ts / 1e6,
		       (double)s.mmu[0].tlb.hits[TLB_L1D] / (double)(s.mmu[0].tlb.hits[TLB_L1D] + s.mmu[0].tlb.misses[TLB_L1D]),
		       (unsigned long long)s.mmu[0].st.walks);
		sim_destroy(&s);
	}
}

/* Walk throughput of one walker: the footprint is mapped (and, for
 * shadow paging, its shadow table built by one sequential pass) before the
 * timed run of uniform random accesses. */
static void walk_bench(const char *dir, const char *label, const char *walker, u64 foot, u64 n)
{
	char path[512], spec[200];
	struct cfg c;
	struct sim s;
	const char *w[] = { walker };
	u64 events, base = 0x100000000000ull, k;
	double tp, td, ts, vmm0;

	snprintf(spec, sizeof spec, "uniform:footprint=%lluG,n=%llu,seed=7,base=0x%llx",
		 (unsigned long long)(foot >> 30), (unsigned long long)n, (unsigned long long)base);
	snprintf(path, sizeof path, "%s/%s.bin", dir, label);
	if (gen_file(spec, path, true))
		exit(1);
	td = decode_only(path, &events);
	cfg_default(&c);
	c.host.ram = 2 * foot + (8ull << 30);
	c.vm.memory = foot + (4ull << 30);
	/* the contiguous-memory walkers get what they are for: a VM on one
	 * host extent and, for the segment walkers, a guest segment over the
	 * first half of the footprint */
	c.vm.backing = BACK_CONTIGUOUS;
	c.segment.guest_base = base;
	c.segment.guest_size = !strcmp(walker, "dual-direct") || !strcmp(walker, "guest-direct") ? foot / 2 : 0;
	if (sim_init(&s, &c, w, 1, false))
		exit(1);
	tp = now();
	if (os_map(&s.m.os, base, foot, PERM_R | PERM_W, PS_4K) || os_populate(&s.m.os, base, foot, ACC_W))
		exit(1);
	if (!strcmp(walker, "shadow") || !strcmp(walker, "tpt"))
		for (k = 0; k < foot; k += PAGE_SIZE) {
			struct ev e = { .kind = EV_R, .size = 8, .va = base + k };
			if (sim_event(&s, &e))
				exit(1);
		}
	tp = now() - tp;
	memset(&s.mmu[0].st, 0, sizeof s.mmu[0].st);
	vmm0 = (double)s.mmu[0].st.vmm_cycles;
	s.accesses = 0;
	ts = simulate(&s, path, true);
	printf("%-12s %-50s simulate %6.2f M accesses/s = %5.2f M walks/s  (decode alone %5.1f M events/s)\n",
	       label, spec, (double)s.accesses / ts / 1e6, (double)s.mmu[0].st.walks / ts / 1e6,
	       (double)events / td / 1e6);
	printf("%-12s %.2f walks per access, %.2f references per walk, %.1f cycles per walk, "
	       "%.0f VMM cycles in the timed run; set-up (map%s) %.1f s\n", "",
	       (double)s.mmu[0].st.walks / (double)s.accesses,
	       (double)s.mmu[0].st.walk_refs / (double)s.mmu[0].st.walks,
	       (double)s.mmu[0].st.walk_cycles / (double)s.mmu[0].st.walks,
	       (double)s.mmu[0].st.vmm_cycles - vmm0, !strcmp(walker, "shadow") || !strcmp(walker, "tpt") ? ", build the walker's tables" : "", tp);
	sim_destroy(&s);
}

/* Replays a million-VM trace with each algorithm; VMs/s per algorithm. */
static void place_bench(const char *cluster_file, const char *spec, const char *const *ov, int nov)
{
	static const enum place_algo algos[] = { PLACE_FIRST, PLACE_MIN, PLACE_MAX, PLACE_CONTIG };
	struct cluster c;
	struct vmtrace t;
	struct place_events ev;
	double t0, tg;
	unsigned i;

	if (cluster_load(&c, cluster_file, ov, nov)) {
		printf("place      (skipped: %s not found; run from the source tree)\n", cluster_file);
		return;
	}
	t0 = now();
	if (vmtrace_gen(&t, spec) || place_events_build(&ev, &t))
		exit(1);
	tg = now() - t0;
	printf("place      %s over %s (%u servers); generate + sort %.1f s\n", spec, cluster_file,
	       c.servers, tg);
	for (i = 0; i < (unsigned)nov; i++)
		printf("place      -s %s\n", ov[i]);
	for (i = 0; i < ARRAY_SIZE(algos); i++) {
		struct place_sim s;
		double ts;
		if (place_init(&s, &c, &t, algos[i]))
			exit(1);
		t0 = now();
		if (place_run(&s, &ev))
			exit(1);
		ts = now() - t0;
		printf("place      %-7s %6.2f s = %7.0f k VMs/s   (contiguous %.3f%%, peak %llu servers on",
		       place_algo_name(algos[i]), ts, (double)s.st.vms / ts / 1e3, s.st.contiguous_pct,
		       (unsigned long long)s.st.peak_powered);
		if (nov)
			printf("; eventually %.3f%%, %llu compacted, %llu migrated",
			       s.st.eventually_pct, (unsigned long long)s.st.compacted,
			       (unsigned long long)(s.st.migrated + s.st.migrate_local));
		printf(")\n");
		place_destroy(&s);
	}
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* `mmusim-bench count TRACE`: events by kind, and the data accesses as
 * QEMU would count them (a 16- or 32-byte access split into 8-byte ones,
 * an M a load and a store), for the recorder-lackey agreement figures. */
static int count_trace(const char *path)
{
	struct trace *t;
	static struct ev buf[4096];
	u64 kind[EV_KIND_NR] = { 0 }, split = 0, wide = 0;
	int n, i;

	if (trace_open(&t, path, FMT_AUTO))
		return 1;
	while ((n = trace_read(t, buf, 4096)) > 0)
		for (i = 0; i < n; i++) {
			const struct ev *e = &buf[i];
			u64 w = e->size >= 16 && e->kind != EV_I ? e->size / 8 : 1;
			kind[e->kind]++;
			if (e->kind == EV_R || e->kind == EV_W)
				split += w;
			else if (e->kind == EV_M)
				split += 2 * w;
			wide += w > 1;
		}
	trace_close(t);
	if (n < 0)
		return 1;
	printf("I %llu R %llu W %llu M %llu data_as_qemu %llu wide %llu\n", (unsigned long long)kind[EV_I],
	       (unsigned long long)kind[EV_R], (unsigned long long)kind[EV_W], (unsigned long long)kind[EV_M],
	       (unsigned long long)split, (unsigned long long)wide);
	return 0;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;   /* hit | seq | walk | nested | shadow | place | place-time | record */
	char dir[] = "/tmp/mmusim-bench.XXXXXX", cmd[600];
	static const char *const direct[] = { "bpo", "dual-direct", "vmm-direct", "guest-direct", "tpt" };
	size_t k;

	if (only && !strcmp(only, "count"))
		return argc > 2 ? count_trace(argv[2]) : 2;
	if (only && !strcmp(only, "record"))
		return system("sh test/bench/record.sh") ? 1 : 0;
	if (!mkdtemp(dir))
		return 1;
	printf("mmusim bench (one core; figures vary with the machine)\n");
	if (!only || !strcmp(only, "hit"))
		hit_bench(dir, "hit", "uniform:footprint=128K,n=20000000,seed=1");
	if (!only || !strcmp(only, "seq"))
		hit_bench(dir, "seq", "seq:footprint=64M,n=20000000,size=8");
	if (!only || !strcmp(only, "walk"))
		walk_bench(dir, "walk", "native", 64ull << 30, 4000000);
	if (!only || !strcmp(only, "nested"))
		walk_bench(dir, "walk-nested", "nested", 64ull << 30, 2000000);
	if (!only || !strcmp(only, "shadow"))
		walk_bench(dir, "walk-shadow", "shadow", 4ull << 30, 2000000);
	for (k = 0; k < ARRAY_SIZE(direct); k++)
		if (!only || !strcmp(only, direct[k])) {
			char label[40];
			snprintf(label, sizeof label, "walk-%s", direct[k]);
			walk_bench(dir, label, direct[k], 16ull << 30, 2000000);
		}
	if (!only || !strcmp(only, "place"))
		place_bench("configs/cluster-azure.ini", "azure:n=1000000,seed=1", NULL, 0);
	if (!only || !strcmp(only, "place-time")) {
		/* contiguity over time: compaction and hourly migration passes on
		 * fragmented servers with memory binding (the costly case) */
		static const char *const ov[] = { "cluster.fragmentation=0.5", "cluster.cpu_ratio=4",
						  "cluster.compaction=true", "cluster.migrate_interval=3600" };
		place_bench("configs/cluster-azure.ini", "azure:n=1000000,seed=1", ov, (int)ARRAY_SIZE(ov));
	}
	if (!only && system("sh test/bench/record.sh"))
		fprintf(stderr, "mmusim bench: the recorder bench failed\n");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) ? 1 : 0;
}

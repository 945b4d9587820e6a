/*
 * bench.c - `make bench`: simulator throughput, printed as figures (not a
 * timed test: nothing here passes or fails on speed).
 *
 *   decode   : reading the binary (gzip) trace alone, events/s
 *   hit path : accesses/s on a TLB-hit-dominated trace (uniform random
 *              over 32 pages: every access an L1 dTLB lookup)
 *   seq path : accesses/s on a sequential trace (mostly same-page hits)
 *   walk path: accesses/s and walks/s on uniform random accesses over a
 *              64 GiB footprint of 4K pages mapped in advance (nearly
 *              every access misses both TLB levels and walks)
 * Traces are generated once into the binary format in a temporary
 * directory and read back from it, as a user's recorded trace would be.
 */
#include "../../mmu/sim.h"
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

static int gen_file(const char *spec, const char *path)
{
	struct trace *t;
	struct trace_writer *w;
	struct ev buf[4096];
	int n, i, r = 0;
	if (trace_open_gen(&t, spec))
		return -1;
	if (trace_writer_open(&w, path, FMT_BIN, true)) {
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
	int n, i;
	if (trace_open(&t, path, FMT_BIN))
		exit(1);
	while ((n = trace_read(t, buf, 4096)) > 0)
		for (i = 0; i < n; i++) {
			if (skip_map && buf[i].kind == EV_MAP)
				continue;
			if (sim_event(s, &buf[i]))
				exit(1);
		}
	trace_close(t);
	return now() - t0;
}

static void hit_bench(const char *dir, const char *label, const char *spec)
{
	char path[512];
	struct cfg c;
	struct sim s;
	const char *w[] = { "native" };
	u64 events;
	double td, ts;

	snprintf(path, sizeof path, "%s/%s.bin", dir, label);
	if (gen_file(spec, path))
		exit(1);
	td = decode_only(path, &events);
	cfg_default(&c);
	if (sim_init(&s, &c, w, 1, false))
		exit(1);
	ts = simulate(&s, path, false);
	printf("%-10s %-44s decode %7.1f M events/s   simulate %7.1f M accesses/s   (L1 dTLB hit rate %.4f, %llu walks)\n",
	       label, spec, (double)events / td / 1e6, (double)s.accesses / ts / 1e6,
	       (double)s.mmu[0].tlb.hits[TLB_L1D] / (double)(s.mmu[0].tlb.hits[TLB_L1D] + s.mmu[0].tlb.misses[TLB_L1D]),
	       (unsigned long long)s.mmu[0].st.walks);
	sim_destroy(&s);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;   /* hit | seq | walk */
	char dir[] = "/tmp/mmusim-bench.XXXXXX", path[512], cmd[600];
	struct cfg c;
	struct sim s;
	const char *w[] = { "native" };
	const char *walk_spec = "uniform:footprint=64G,n=4000000,seed=7,base=0x100000000000";
	u64 events, foot = 64ull << 30, base = 0x100000000000ull;
	double tp, td, ts;

	if (!mkdtemp(dir))
		return 1;
	printf("mmusim bench (one core; figures vary with the machine)\n");
	if (!only || !strcmp(only, "hit"))
		hit_bench(dir, "hit", "uniform:footprint=128K,n=20000000,seed=1");
	if (!only || !strcmp(only, "seq"))
		hit_bench(dir, "seq", "seq:footprint=64M,n=20000000,size=8");
	if (only && strcmp(only, "walk"))
		goto out;

	snprintf(path, sizeof path, "%s/walk.bin", dir);
	if (gen_file(walk_spec, path))
		return 1;
	td = decode_only(path, &events);
	cfg_default(&c);
	c.host.ram = 128ull << 30;
	if (sim_init(&s, &c, w, 1, false))
		return 1;
	tp = now();
	if (os_map(&s.m.os, base, foot, PERM_R | PERM_W, PS_4K) || os_populate(&s.m.os, base, foot, ACC_R))
		return 1;
	tp = now() - tp;
	ts = simulate(&s, path, true);
	printf("%-10s %-44s decode %7.1f M events/s   simulate %7.1f M accesses/s = %.2f M walks/s\n",
	       "walk", walk_spec, (double)events / td / 1e6, (double)s.accesses / ts / 1e6,
	       (double)s.mmu[0].st.walks / ts / 1e6);
	printf("%-10s %.2f walks per access, %.2f references per walk, %.1f cycles per walk; "
	       "populating 64 GiB of 4K pages took %.1f s (%.1f M demand faults/s)\n", "",
	       (double)s.mmu[0].st.walks / (double)s.accesses,
	       (double)s.mmu[0].st.walk_refs / (double)s.mmu[0].st.walks,
	       (double)s.mmu[0].st.walk_cycles / (double)s.mmu[0].st.walks, tp,
	       (double)s.m.os.st.demand_faults / tp / 1e6);
	sim_destroy(&s);
out:
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) ? 1 : 0;
}

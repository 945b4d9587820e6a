/*
 * sim.h - the simulation loop: one event stream, N MMU instances.
 *
 * Model notes
 *   `compare` is one pass: each event is decoded once and fed to every MMU
 *   instance (one per walker), each with its own TLBs and caches, over the
 *   same machine (same page tables, same OS decisions). An access that
 *   crosses a 4 KiB boundary is translated once per page (the second
 *   translation is counted as a split). When any instance faults, the OS
 *   model handles the fault once (demand paging or a delivered fault) and
 *   the instances that faulted retry, as the faulting instruction would
 *   after the handler returns. With --check every translation and every
 *   fault is compared with the reference translator (mmu/machine/oracle.c).
 */
#ifndef MMUSIM_SIM_H
#define MMUSIM_SIM_H

#include "machine/machine.h"
#include "../walkers/mmu.h"
#include "../workloads/trace.h"
#include "attrib.h"

#define SIM_WALKERS_MAX 16

struct sim {
	struct cfg cfg;
	struct machine m;
	struct mmu *mmu;            /* n instances */
	int n;
	bool check;
	bool ticks;                 /* some instance's walker has a tick hook */
	u64 pf_walks[SIM_WALKERS_MAX]; /* walks of each instance at the start
				     * of the last prefetch window */
	u64 events, ev_kind[EV_KIND_NR];
	u64 accesses, splits;
	u64 mismatch_reports;       /* mismatches printed (first few) */
	u64 checks;                 /* reference checks made (every instance) */
	const char *trace_name;
	const char *trace_format;
	const struct trace *trace;  /* the trace being run (its objects) */
	struct attrib *attr;        /* --attribute, or NULL */
	int attr_top;               /* rows shown per table */
};

/* 0 or -errno (message printed). */
int sim_init(struct sim *s, const struct cfg *c, const char *const *walkers, int n, bool check);
/* As sim_init, with a placement run's host backing for VMs 0..nb-1. */
int sim_init_placed(struct sim *s, const struct cfg *c, const char *const *walkers, int n, bool check,
		    const struct backing_rec *b, u64 nb);
void sim_destroy(struct sim *s);
/* One event. 0, or -errno with the message printed (simulated memory
 * exhausted, unsupported event). */
int sim_event(struct sim *s, const struct ev *e);
/* n events, in order; stops at the first that fails. 0 or -errno. While
 * accesses walk often, it prefetches (into the host caches only: nothing
 * simulated changes) the tables of accesses up to SIM_PREFETCH_STAGES *
 * SIM_PREFETCH_AHEAD events ahead, so that walks over a footprint larger
 * than the host caches do not each wait for host memory. */
int sim_events(struct sim *s, const struct ev *e, int n);
#define SIM_PREFETCH_AHEAD 4
#define SIM_PREFETCH_STAGES 3
#define SIM_PREFETCH_WINDOW 64
/* All events of a trace. 0 or -errno. */
int sim_run(struct sim *s, struct trace *t);
/* Turns attribution on (before the first event): 0 or -ENOMEM. */
int sim_attribute(struct sim *s, int top);
/* Splits "a,b,c" into walker names (in place). Returns the count or -EINVAL. */
int sim_parse_walkers(char *list, const char **names, int max);

#endif

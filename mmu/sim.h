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
 *   Windows (warm-up, --measure, regions of interest, intervals): counters
 *   are never reset; a window's figures are differences of counter
 *   vectors (struct sim_view), so state and simulated time run on
 *   untouched across a window's edges. First touches: an access during
 *   which the OS demand-maps a page has all its translation and VMM work
 *   (whatever the cause) also counted apart (mmu_stats.comp_*).
 *   Execution time: a linear model (sim_exec; docs/model.md), ideal
 *   cycles from instructions x [cpu] ideal_cpi or accesses x
 *   cycles_per_access, plus L2 TLB lookups, (1 - walk_overlap) x walk
 *   cycles and VMM cycles (Gandhi et al., IEEE Micro 2017: a linear
 *   performance model over emulated TLB behaviour).
 *   Not modelled: overlap between walks, the data accesses' own misses.
 */
#ifndef MMUSIM_SIM_H
#define MMUSIM_SIM_H

#include "machine/machine.h"
#include "../walkers/mmu.h"
#include "../workloads/trace.h"
#include "attrib.h"

#define SIM_WALKERS_MAX 16

/* Machine-wide counters (summed over VMs) of a window. */
struct sim_glob {
	u64 events, ev_kind[EV_KIND_NR], accesses, splits;
	struct os_stats os;
	u64 ad_commits;
	u64 compaction_runs, compaction_failed, compaction_pages, compaction_pins_moved, compaction_cycles;
	u64 pt_pages;               /* a level: page-table pages now */
};

/* Every counter of a simulation, as one vector of u64: the machine's and
 * those of instances 0..n-1 (w[] is used up to n). A window's figures are
 * the difference of two such vectors; levels and maxima are copied
 * (sim_view_sub). */
struct sim_view {
	struct sim_glob g;
	struct mmu_counters w[SIM_WALKERS_MAX];
};
_Static_assert(sizeof(struct sim_glob) % sizeof(u64) == 0, "sim_glob is a vector of u64");

/* The measurement window (docs/model.md, "Windows"). */
struct sim_window {
	u64 warmup;                 /* accesses simulated before counting starts */
	u64 warmup_instr;           /* ... or instruction (I) events */
	u64 measure;                /* 0: to the end; else stop after this many counted accesses */
	u64 interval;               /* 0: none; else a record every this many counted accesses */
	bool roi;                   /* count only between ROI BEGIN and ROI END */
};

/* How a run ended. */
enum sim_end { SIM_END_TRACE, SIM_END_MEASURE, SIM_END_INTERRUPTED, SIM_END_TRUNCATED };

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
	/* the window */
	struct sim_window win;
	bool counting;              /* inside the window now */
	bool done;                  /* --measure reached: stop */
	enum sim_end end;
	const volatile int *stop;   /* set (by a signal handler): stop after the current event */
	size_t vlen;                /* u64 words of a view with n instances */
	struct sim_view *base, *acc; /* raw counters where the window (re)opened; closed parts */
	u64 counted;                /* accesses counted so far */
	u64 roi_regions;            /* ROI BEGIN markers that opened a region */
	u64 *iv;                    /* interval records: views at each boundary (vlen words each) */
	u64 niv, civ;
	/* progress (stderr), called every few thousand events when set */
	void (*progress)(struct sim *s, void *arg);
	void *progress_arg;
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
 * exhausted), except -ENOTSUP for a VM event on a machine without VMs,
 * which sim_run reports with the event's trace position. */
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
/* Sets the window (before the first event). Without warm-up or ROI the
 * window is the whole run. */
void sim_set_window(struct sim *s, const struct sim_window *w);
/* The counters of the window so far (what reports show). */
void sim_view(const struct sim *s, struct sim_view *v);
/* out = a - b over n instances, levels and maxima taken from a. */
void sim_view_sub(const struct sim *s, struct sim_view *out, const struct sim_view *a, const struct sim_view *b);
/* Interval record k (0-based) as the difference of its boundaries. */
void sim_interval(const struct sim *s, u64 k, struct sim_view *out);
/* The execution-time estimate of instance i over view v (docs/model.md,
 * "Execution time"): a linear model. */
struct sim_exec {
	double ideal;               /* instructions x [cpu] ideal_cpi, or accesses x cycles_per_access */
	double stall;               /* L2 TLB lookups + (1 - walk_overlap) x walk cycles */
	double vmm;                 /* VMM intervention cycles */
	double cycles;              /* ideal + stall + vmm */
	double overhead_pct;        /* 100 x (cycles - ideal) / ideal */
	bool instr;                 /* ideal from instructions (I events) */
};
void sim_exec(const struct sim *s, const struct sim_view *v, int i, struct sim_exec *e);
/* Turns attribution on (before the first event): 0 or -ENOMEM. */
int sim_attribute(struct sim *s, int top);
/* Splits "a,b,c" into walker names (in place). Returns the count or -EINVAL. */
int sim_parse_walkers(char *list, const char **names, int max);

#endif

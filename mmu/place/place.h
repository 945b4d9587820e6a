/*
 * place.h - the datacenter placement simulator: replays a VM lifetime
 * trace (workloads/vmtrace.h) over a cluster (cluster.h) whose servers
 * each manage memory with the host allocator of the MMU model (buddy.h),
 * and counts how many VMs get contiguous host memory under each placement
 * algorithm. Model notes in place.c; docs/placement.md.
 *
 * Use: place_events_build() once per trace, then for each algorithm
 * place_init(), place_run(), read `st`, place_destroy(). Tests drive
 * place_step() themselves and read the servers' and VMs' state.
 */
#ifndef MMUSIM_PLACE_H
#define MMUSIM_PLACE_H

#include "cluster.h"
#include "../../workloads/vmtrace.h"

#include <stdio.h>

enum place_algo {
	PLACE_FIRST,        /* first fit: the first powered server that fits */
	PLACE_MIN,          /* best fit: the powered server with the least free resources */
	PLACE_MAX,          /* worst fit: the powered server with the most free resources */
	PLACE_CONTIG,       /* first powered server with a free run for the VM, else first fit */
	PLACE_CONTIG_POWER, /* the seed paper's prose: ... else power a new server, else first fit */
	PLACE_NR
};

#define PLACE_NONE UINT32_MAX

const char *place_algo_name(enum place_algo a);
/* A comma-separated list of algorithm names ("first,min,max,contig");
 * returns the count or -EINVAL (nothing printed). */
int place_algos_parse(const char *s, enum place_algo *out, int max);

/* An event of the replay: key = time << 2 | phase, phase 0 = departure of
 * a VM created earlier, 1 = arrival, 2 = departure of a VM created at the
 * same time. Sorted by key, then by VM index. */
struct place_ev {
	u64 key;
	u32 vm;
	u32 pad;
};

struct place_events {
	struct place_ev *v;
	u64 n;
};

static inline u64 place_ev_time(const struct place_ev *e) { return e->key >> 2; }
static inline bool place_ev_arrival(const struct place_ev *e) { return (e->key & 3) == 1; }

/* 0 or -ENOMEM (message printed). */
int place_events_build(struct place_events *ev, const struct vmtrace *t);
void place_events_free(struct place_events *ev);

struct place_server {
	u32 kind;
	u32 nvms;
	u32 free_vcpus;
	bool powered;
	bool ever;               /* powered at some time */
	u64 free_frames;         /* granules */
	u64 run;                 /* longest run of free granules at [cluster] contig_align */
	struct buddy *b;         /* its memory while powered, else NULL */
	u32 head;                /* its alive VMs (place_vm.snext), PLACE_NONE: none */
	u32 npins;
	u64 *pins;               /* [cluster] compaction: its pinned granules, ascending */
	u64 pin_gap;             /* ... the longest aligned run between them */
};

enum place_vm_state { PVM_PENDING, PVM_ALIVE, PVM_GONE, PVM_REJECTED };

struct place_vm {
	u32 server;              /* PLACE_NONE until placed; kept after departure */
	u8 state;                /* enum place_vm_state */
	u8 contiguous;           /* got one run of granules at creation */
	u8 powered_on;           /* its arrival powered the server on */
	u8 made;                 /* made contiguous later: 1 compaction, 2 migration, 3 local move */
	u64 frames;              /* granules */
	u64 base;                /* contiguous: its first granule */
	struct buddy_extent *ext;/* scattered, while alive: its blocks, in guest-physical order */
	u64 next;
	u32 snext, sprev;        /* the alive VMs of its server */
	u32 xnext, xprev;        /* the alive scattered VMs, in arrival order */
};

struct place_stats {
	u64 vms;                 /* arrivals */
	u64 placed, rejected;
	u64 contiguous;          /* placed with contiguous memory (kept for life) */
	u64 scattered_extents;   /* blocks of the scattered VMs, summed */
	u64 peak_powered;
	u64 ever_powered;        /* distinct servers powered at some time */
	u64 power_ons;           /* times a server was powered on */
	u64 peak_vms;            /* largest number of VMs alive at once */
	u64 start, end;          /* times of the first and last event */
	double powered_seconds;  /* integral of powered servers over time */
	double mean_powered;     /* powered_seconds / (end - start); 0 when end == start */
	double consolidation;    /* peak_powered / servers */
	double contiguous_pct;   /* 100 * contiguous / placed (0 when none placed) */
	/* Contiguity over time ([cluster] compaction, migrate_interval). */
	u64 compacted;           /* VMs made contiguous by compaction on their server */
	u64 compact_failed;      /* compactions that found no window */
	u64 compact_pages;       /* 4K pages moved by compaction (the VM's and others') */
	u64 migrated;            /* VMs made contiguous by migration to another server */
	u64 migrate_local;       /* ... by a migration pass on their own server */
	u64 migrate_pages;       /* 4K pages moved by migration passes */
	u64 passes;              /* migration passes run */
	double delay_sum;        /* seconds from creation to contiguity, summed over those VMs */
	u64 delay_max;
	u64 eventually;          /* contiguous + compacted + migrated + migrate_local */
	double eventually_pct;
};

struct place_sim;

/* Called after every event (arrival: the VM is placed or rejected). */
typedef void (*place_hook)(void *ctx, const struct place_sim *s, const struct place_ev *e);

struct place_sim {
	const struct cluster *c;
	const struct vmtrace *t;
	enum place_algo algo;
	struct place_server *srv;    /* c->servers, in server order */
	struct place_vm *vm;         /* t->n */
	struct place_node *tree;     /* search index over the servers */
	u32 leaves;
	u32 ref_vcpus;               /* the score's units: the largest vCPUs and */
	u64 ref_frames;              /* granules of a server kind of the fleet */
	/* Current state. */
	u64 now;
	u64 powered, alive, alive_contig, used_vcpus, used_frames;
	struct place_stats st;
	/* Time series (place_run): a row every `interval` seconds. */
	FILE *csv;
	u64 interval, next_sample;
	place_hook after;
	void *hook_ctx;
	bool started;
	u32 xhead, xtail;            /* alive scattered VMs */
	u64 next_pass;               /* time of the next migration pass */
};

/* 0, or -ENOMEM (message printed). */
int place_init(struct place_sim *s, const struct cluster *c, const struct vmtrace *t, enum place_algo a);
void place_destroy(struct place_sim *s);
/* Processes one event. 0, or -ENOMEM (message printed). */
int place_step(struct place_sim *s, const struct place_ev *e);
/* Replays every event and finishes the statistics. 0 or -ENOMEM. */
int place_run(struct place_sim *s, const struct place_events *ev);
/* Closes the statistics (place_run calls it). */
void place_finish(struct place_sim *s);
/* The server the algorithm would give VM i now (PLACE_NONE: rejected);
 * *power_on tells whether that server is off. Changes nothing. */
u32 place_choose(const struct place_sim *s, u32 i, bool *power_on);
/* A server's score, what min minimizes and max maximizes: free vCPUs /
 * ref_vcpus + free granules / ref_frames (the largest server kind's). */
double place_score(const struct place_sim *s, u32 server);

/* Time series: the header line, and rows "algo,time,powered,vms,
 * contiguous_vms,vcpus,memory" (memory in bytes). */
void place_csv_header(FILE *f);

/* The `mmusim place` command (place_cli.c): argv holds the arguments
 * after "place". Returns the exit status: 0, 1 (bad input, I/O), 2 (usage). */
int place_main(int argc, char **argv);
void place_help(FILE *f);

#endif

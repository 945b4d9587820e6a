/*
 * cluster.h - the datacenter of the placement simulator (mmu/place/place.h),
 * loaded from an INI file: server kinds (RAM, cores, share of the fleet)
 * and fleet-wide settings. docs/placement.md lists every key.
 *
 *   [cluster]
 *   servers = 10000        ; servers in the fleet
 *   granule = 2M           ; host memory is allocated in units of this size
 *   ...
 *   [server.gen3]          ; one section per server kind
 *   ram = 128G
 *   cores = 16
 *   share = 20             ; percent of the fleet; shares sum to 100
 *
 * Errors print one line "mmusim: FILE: [section] key: why" (FILE:LINE for
 * INI syntax errors, "command line" for -s overrides) and return -EINVAL.
 */
#ifndef MMUSIM_CLUSTER_H
#define MMUSIM_CLUSTER_H

#include "../machine/buddy.h"


#define CLUSTER_KINDS_MAX 64
#define CLUSTER_NAME_MAX 32
#define CLUSTER_SERVERS_MAX 1000000u

enum cluster_order {
	CLUSTER_INTERLEAVE,   /* kinds mixed evenly along the server order */
	CLUSTER_GROUPED,      /* all servers of the first kind, then the next, ... */
};

struct cluster_kind {
	char name[CLUSTER_NAME_MAX];   /* NAME of [server.NAME] */
	u64 ram;                       /* bytes */
	u64 reserved;                  /* bytes kept by the hypervisor, at the bottom of RAM */
	u32 cores;
	double share;                  /* percent of the fleet */
	u32 servers;                   /* servers of this kind (from the shares) */
	/* Derived: the server's memory in granules, the vCPUs it hosts and
	 * its free granules when powered on (RAM - reserved - pinned). */
	u64 frames, cap_frames;
	u32 cap_vcpus;
};

struct cluster {
	u32 servers;
	u64 granule;                   /* bytes, power of two, 4K..1G */
	u32 max_order;                 /* buddy blocks up to 1G: log2(1G / granule) */
	enum buddy_fit contig_fit;
	enum cluster_order order;
	double fragmentation;          /* fraction of 1G blocks pinned at power-on */
	u64 seed;                      /* seed of the pins */
	double cpu_ratio;              /* vCPUs per physical core */
	bool power_off;                /* an empty server is powered off */
	/* Contiguity (docs/placement.md): the alignment of a contiguous VM's
	 * run (bytes; 0: one granule) and its order in granules; how the run
	 * is looked for; compaction when a VM is placed scattered; a
	 * migration pass every migrate_interval seconds (0: none). */
	u64 contig_align;
	u32 align_order;
	bool xen_heap;                 /* allocator = xen-heap (else search) */
	bool compaction;
	u64 migrate_interval;
	u32 nkinds;
	struct cluster_kind kind[CLUSTER_KINDS_MAX];
	u8 *server_kind;               /* kind of each server, in server order */
	char file[256];
};

/* Loads FILE, then the overrides "section.key=value" (-s). 0 or -EINVAL
 * (message printed); -ENOMEM. */
int cluster_load(struct cluster *c, const char *file, const char *const *overrides, int n_overrides);
void cluster_free(struct cluster *c);

#endif

/*
 * place_backing.h - the host backing of placed VMs, as a text file that a
 * placement run writes (`mmusim place --backing FILE`) and the MMU model
 * can read: for each chosen VM, the server it landed on and the host
 * extents that back its guest-physical memory, in guest-physical order.
 *
 * Format (docs/placement.md, "Host backing format"), version 1:
 *
 *   mmusim-backing 1
 *   # comment lines and blank lines are ignored
 *   vm id=vm42 algo=contig server=17 kind=gen5 vcpus=2 memory=0x70000000
 *      requested=0x70000000 host_ram=0x4000000000 granule=0x200000
 *      created=0 deleted=86400 contiguous=1 extents=1          (one line)
 *   extent 0x200000000 0x70000000
 *
 * A `vm` line has every key above, in any order, once each; it is followed
 * by exactly `extents` lines "extent HPA BYTES" (hex or decimal): guest
 * physical [sum of the previous extents' bytes, + BYTES) is backed by host
 * physical [HPA, HPA + BYTES). The extents are granule-aligned, inside
 * [0, host_ram), do not overlap, and sum to `memory` (the granules the VM
 * holds; `requested` is the memory the trace asked for, <= memory).
 * contiguous=1 exactly when there is one extent: then the VM's base is
 * that extent's HPA and hPA = gPA + base. Adjacent blocks of a scattered
 * VM are written as one extent.
 *
 * Errors: one line "mmusim: FILE:LINE: what" (or "mmusim: FILE: what"),
 * then -EINVAL; I/O: -errno.
 */
#ifndef MMUSIM_PLACE_BACKING_H
#define MMUSIM_PLACE_BACKING_H

#include "../util/types.h"

#include <stdio.h>

#define BACKING_VERSION 1
#define BACKING_ID_MAX 256
#define BACKING_NAME_MAX 32

struct backing_ext {
	u64 hpa, bytes;
};

struct backing_rec {
	char id[BACKING_ID_MAX];
	char algo[BACKING_NAME_MAX];
	char kind[BACKING_NAME_MAX];
	u32 server, vcpus;
	u64 memory, requested, host_ram, granule;
	u64 created, deleted;
	bool contiguous;
	u64 next;
	struct backing_ext *ext;   /* malloc'd */
};

/* Writes the first line. 0 or -EIO. */
int backing_write_header(FILE *f);
/* Writes one record (its fields must satisfy the format's rules:
 * SIM_BUG_ON otherwise). 0 or -EIO. */
int backing_write(FILE *f, const struct backing_rec *r);
/* Reads a whole file: *recs is a malloc'd array of *n records (free with
 * backing_free). 0, or -errno after one line on stderr. */
int backing_read(const char *path, struct backing_rec **recs, u64 *n);
void backing_free(struct backing_rec *recs, u64 n);
/* NULL when the record obeys the format's rules, else why not. */
const char *backing_check(const struct backing_rec *r);

#endif

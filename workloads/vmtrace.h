/*
 * vmtrace.h - VM lifetime traces: which virtual machines existed, when,
 * and how large they were. The input of the placement simulator
 * (mmu/place/place.h); docs/placement.md describes every format.
 *
 * Formats (--format):
 *   azure      the Azure public dataset's vmtable.csv (V1 2017: real core
 *              counts and memory in GB; V2 2019: core and memory buckets);
 *              11 columns, no header, gzip or plain
 *   bitbrains  the Bitbrains GWA-T-12 layout: one ';'-separated CSV per VM
 *              with timestamped CPU cores and memory capacity; a directory
 *              of such files (or one file)
 *   csv        our simple format: id,created,deleted,vcpus,memory
 * Synthetic traces come from a generator spec "name:key=val,..."
 * (vmtrace_gen): `azure` (sizes and lifetimes after the published
 * characterization of Azure VMs) and `fixed` (identical VMs at a fixed
 * pace, for tests).
 *
 * Errors: a bad row prints one line "mmusim: FILE:LINE: what" and the
 * load fails with -EINVAL, unless skip_bad is set: then the row is skipped
 * and counted (vmtrace.skipped). I/O errors print "mmusim: FILE: why".
 */
#ifndef MMUSIM_VMTRACE_H
#define MMUSIM_VMTRACE_H

#include "../mmu/util/types.h"

#include <stdio.h>

/* Times are seconds; below 2^53 so that they are exact as doubles. */
#define VMTRACE_TIME_MAX (1ull << 53)
/* The largest VM accepted: 1 PiB of memory, 2^20 vCPUs. */
#define VMTRACE_MEM_MAX (1ull << 50)
#define VMTRACE_VCPUS_MAX (1u << 20)
#define VMTRACE_NOID UINT64_MAX

enum vmtrace_fmt { VMF_AZURE, VMF_BITBRAINS, VMF_CSV, VMF_GEN };

struct vm_rec {
	u64 created, deleted;    /* seconds; created <= deleted */
	u64 memory;              /* bytes, > 0 */
	u64 id;                  /* offset of its id in vmtrace.ids, or VMTRACE_NOID:
				    the id is "vm<index>" */
	u32 vcpus;               /* >= 1 */
	u32 pad;
};

struct vmtrace {
	struct vm_rec *v;
	u64 n, cap;
	char *ids;               /* NUL-terminated ids, one after another */
	u64 ids_len, ids_cap;
	u64 rows;                /* data rows read (files) */
	u64 skipped;             /* bad rows skipped (skip_bad) */
	u64 files;               /* files read (bitbrains: one per VM) */
	enum vmtrace_fmt fmt;
	char name[512];          /* path or generator spec, for reports */
};

/* "azure" "bitbrains" "csv": 0 or -EINVAL. */
int vmtrace_fmt_parse(const char *s, enum vmtrace_fmt *f);
const char *vmtrace_fmt_name(enum vmtrace_fmt f);

/* Guesses the format of a path: a directory is bitbrains; otherwise the
 * first line that is neither blank nor a '#' comment decides: 11
 * comma-separated fields is azure, a ';' bitbrains, anything else csv
 * (also when the file cannot be read: vmtrace_load reports that). */
enum vmtrace_fmt vmtrace_detect(const char *path);
/* Reads a trace file (a directory for bitbrains). 0, or -errno after one
 * line on stderr. On failure the trace is empty (freed). */
int vmtrace_load(struct vmtrace *t, const char *path, enum vmtrace_fmt fmt, bool skip_bad);
/* Builds a synthetic trace from "name[:key=val,...]". 0 or -EINVAL after
 * one line "mmusim: --gen NAME: what". */
int vmtrace_gen(struct vmtrace *t, const char *spec);
void vmtrace_free(struct vmtrace *t);

/* Appends one VM (readers, generators, tests). id NULL: "vm<index>".
 * 0 or -ENOMEM. */
int vmtrace_add(struct vmtrace *t, const char *id, size_t idlen, u64 created, u64 deleted,
		u32 vcpus, u64 memory);
/* The id of VM i: a pointer into the trace, or "vm<i>" formatted into buf. */
const char *vmtrace_id(const struct vmtrace *t, u64 i, char *buf, size_t n);
/* Writes the trace in the csv format (readable by vmtrace_load). 0 or -EIO. */
int vmtrace_write_csv(const struct vmtrace *t, const char *path);

/* Generator names, keys and defaults, for --help. */
void vmtrace_gen_help(FILE *f);

#endif

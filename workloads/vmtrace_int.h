/*
 * vmtrace_int.h - internals shared by the VM trace readers and generators
 * (workloads/vmtrace*.c). Nothing outside workloads/ includes this.
 */
#ifndef MMUSIM_VMTRACE_INT_H
#define MMUSIM_VMTRACE_INT_H

#include "../mmu/util/zin.h"
#include "vmtrace.h"

#include <zlib.h>

#define VT_BUF (1u << 20)          /* input buffer */
#define VT_LINE_MAX (1u << 16)     /* longest accepted line */
#define VT_WHY 160                 /* room for the reason of a bad row */

/* A line reader over zlib (plain files pass through). */
struct vt_file {
	struct zin *zin;
	const char *name;          /* for messages */
	char *buf;                 /* VT_BUF + 1 bytes */
	size_t pos, len;           /* unread bytes [pos, len) */
	bool eof;
	u64 line;                  /* lines returned so far */
};

/* Opens path; 0 or -errno after "mmusim: PATH: why". */
int vt_open(struct vt_file *f, const char *path);
/* The next line, NUL-terminated, without its "\n" or "\r\n": 1, 0 at the
 * end, or -errno after "mmusim: NAME:LINE: why" (line too long) or
 * "mmusim: NAME: why" (I/O error, truncated or corrupt gzip). */
int vt_line(struct vt_file *f, char **s);
void vt_close(struct vt_file *f);

/* A field of a delimited line: [s, s + n), blanks trimmed. */
struct vt_field {
	const char *s;
	size_t n;
};
/* Splits line at sep into at most max fields; returns the number of
 * fields there are (which may exceed max: then only max are filled). */
int vt_split(const char *line, char sep, struct vt_field *fld, int max);

/* Number parsers; NULL when fine, else why not. */
/* A decimal integer below 2^64 (no sign, no leading '+'). */
const char *vt_uint(struct vt_field f, u64 *out);
/* A non-negative decimal number "D", "D.D" or ".D" times unit bytes, with
 * an optional binary suffix K/M/G/T/P (optionally followed by i and/or B)
 * overriding the unit when allow_suffix; rounded up to whole bytes. */
const char *vt_amount(struct vt_field f, u64 unit, bool allow_suffix, u64 *out);

/* Checks one VM's values; NULL or why not. */
const char *vt_check_vm(u64 created, u64 deleted, u64 vcpus, u64 memory);

/* Reports a bad row: prints "mmusim: NAME:LINE: why" and returns -EINVAL,
 * or, with skip_bad, counts it and returns 0. */
int vt_bad_row(struct vmtrace *t, const struct vt_file *f, bool skip_bad, const char *why);

int vt_load_bitbrains(struct vmtrace *t, const char *path, bool skip_bad);

#endif

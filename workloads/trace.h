/*
 * trace.h - the event stream every trace reader and generator produces.
 *
 * Readers never know about walkers: they turn a file (or a generator spec)
 * into `struct ev` records. Formats (docs/trace-format.md):
 *   text    our line format: R|W|I|M <va> [size], MAP, UNMAP, PROTECT, CTX, VM
 *   bin      our compact binary format (delta-encoded; PCs; loaded objects)
 *   lackey   valgrind --tool=lackey --trace-mem=yes output
 *   champsim ChampSim's 64-byte instruction records (input_instr)
 * Any file may be gzip-, xz- or zstd-compressed (trace_src.c). The format
 * is detected from the first bytes unless forced. "-" is standard input.
 *
 * Errors: every reader error prints exactly one line
 *   "mmusim: FILE:LINE: what" (text, lackey)  or
 *   "mmusim: FILE: record N: what" (bin)
 * and returns -EINVAL (bad content) or -EIO (I/O, truncated gzip). A reader
 * never returns a partial event. Events decoded before an error in the same
 * call are returned first; the error is sticky (every later trace_read
 * returns it without printing again).
 */
#ifndef MMUSIM_TRACE_H
#define MMUSIM_TRACE_H

#include "../mmu/util/types.h"
#include <stdio.h>

enum ev_kind {
	EV_R = ACC_R, EV_W = ACC_W, EV_I = ACC_I, EV_M = ACC_M, /* accesses: kind == enum acc */
	EV_MAP, EV_UNMAP, EV_PROTECT,
	EV_CTX,     /* switch to process `id` (created on first use) */
	EV_VM,      /* switch to virtual machine `id` (issue: virtualization) */
	EV_ROI,     /* region-of-interest marker: size 1 = ROI BEGIN, 0 = ROI END */
	EV_OBJ,     /* a loaded object: `size` = its index (trace_object) */
	EV_KIND_NR
};

/* Page-size hint of a MAP: PSZ_ANY lets the OS policy ([os] thp) decide. */
enum { PSZ_ANY = 0xff };

struct ev {
	u8 kind;      /* enum ev_kind */
	u8 prot;      /* MAP/PROTECT: PERM_R|PERM_W|PERM_X */
	u8 psize;     /* MAP: enum psize or PSZ_ANY */
	u8 pad;
	u32 size;     /* access size in bytes (>= 1); CTX/VM: the id */
	u64 va;       /* access / region start (< 2^57) */
	u64 len;      /* MAP/UNMAP/PROTECT: region length in bytes (> 0) */
	u64 pc;       /* R/W/M: PC of the accessing instruction, 0 = unknown;
		       * I: unused (0), the fetch address is the PC */
};

/* A loaded ELF object (or a named region such as "[heap]", "[stack]"):
 * its path, load bias (run-time address - ELF p_vaddr) and segments at
 * their run-time addresses. */
#define OBJ_SEG_MAX 16
#define OBJ_PATH_MAX 4096
struct obj_seg {
	u64 va, len;
	u8 prot;      /* PERM_R|PERM_W|PERM_X */
};
struct trace_obj {
	char *path;
	u64 bias;
	u32 nseg;
	struct obj_seg seg[OBJ_SEG_MAX];
};

static inline bool ev_is_access(const struct ev *e) { return e->kind <= EV_M; }

enum trace_fmt { FMT_AUTO = 0, FMT_TEXT, FMT_BIN, FMT_LACKEY, FMT_CHAMPSIM, FMT_GEN };
/* "auto" "text" "bin" "lackey" "champsim": 0 or -EINVAL */
int trace_fmt_parse(const char *s, enum trace_fmt *f);
const char *trace_fmt_name(enum trace_fmt f);

struct trace;   /* opaque */

/* Opens a file ("-" = stdin). 0 or -errno (message printed). */
int trace_open(struct trace **t, const char *path, enum trace_fmt fmt);
/* Reads an open descriptor (a pipe from the recorder), named `name` in
 * messages; the trace closes fd. */
int trace_open_fd(struct trace **t, int fd, const char *name, enum trace_fmt fmt);
/* Opens a synthetic generator from a spec "name[:key=val,...]"
 * (docs/trace-format.md lists generators and keys). 0 or -EINVAL (message
 * printed, naming the spec key). */
int trace_open_gen(struct trace **t, const char *spec);
/* Reads up to max events into buf. Returns the count (0 at end) or -errno
 * after printing the message. */
int trace_read(struct trace *t, struct ev *buf, int max);
/* Where event k (0-based) of the last trace_read batch came from, for
 * messages about it: "NAME:LINE" (text, lackey), "NAME: record N" (bin),
 * "NAME: event N" (generators). Returns buf. */
const char *trace_where(const struct trace *t, int k, char *buf, size_t n);
/* The end of the virtual addresses the trace's accesses use, when known
 * before reading (a generator's base + footprint); else 0. */
u64 trace_va_end(const struct trace *t);
/* The format actually being read (after auto-detection). */
enum trace_fmt trace_format(const struct trace *t);
const char *trace_name(const struct trace *t);
void trace_close(struct trace *t);
/* After an error: whether it was that the input ends early (a cut gzip
 * stream, a binary trace without its end record, a cut header); the
 * events returned before it are complete. */
bool trace_truncated(const struct trace *t);
/* Bytes of the file consumed so far (compressed bytes for gzip), for
 * progress reports; 0 for generators. */
u64 trace_pos(const struct trace *t);
/* Objects the trace has announced so far (EV_OBJ events index them). */
u32 trace_nobjs(const struct trace *t);
const struct trace_obj *trace_object(const struct trace *t, u32 i);
/* Adds an object (copied) to the trace's table, as --elf does; returns its
 * index or -ENOMEM. */
int trace_add_obj(struct trace *t, const struct trace_obj *o);
/* Counts of what the reader skipped or produced, for warnings: lines
 * that were not memory accesses (lackey), and access events. */
u64 trace_skipped_lines(const struct trace *t);

/* Writers: `mmusim gen` and tests. */
struct trace_writer;
/* gzip applies to text and bin; champsim is written plain, or xz when the
 * path ends in ".xz". */
int trace_writer_open(struct trace_writer **w, const char *path, enum trace_fmt fmt, bool gzip);
int trace_writer_put(struct trace_writer *w, const struct ev *e);
/* EV_OBJ events need the object itself: writes it (bin, text; champsim
 * drops it). 0 or -errno. */
int trace_writer_put_obj(struct trace_writer *w, const struct trace_obj *o);
/* Events the format could not hold (champsim: MAP, CTX, objects, ...). */
u64 trace_writer_dropped(const struct trace_writer *w);
/* Flushes and closes; 0 or -EIO. */
int trace_writer_close(struct trace_writer *w);

/* Formats one event as a text-format line (no newline) into buf; returns
 * what snprintf returns, or -EINVAL for an unknown kind. */
int ev_format(const struct ev *e, char *buf, size_t n);
/* NULL when the event is well formed (the limits every reader enforces:
 * size 1..4096, len > 0, end <= 2^57, prot within rwx, known page size),
 * else a short reason. */
const char *ev_check(const struct ev *e);

/* List of generator names and one-line descriptions, for --help. */
void trace_gen_help(FILE *f);

#endif

/*
 * trace_int.h - internals shared by the trace readers, writers and
 * generators of workloads/. Nothing outside workloads/ includes this.
 *
 * A file reader owns one input buffer filled by trace_fill() from its
 * byte source (trace_src.c: plain, gzip, xz or zstd). Bytes [p, end) are unread; when the end of
 * the input has been reached, `eof` is set and TRACE_PAD zero bytes follow
 * `end`, so a decoder may read a bounded record past the end and then check
 * whether it did.
 */
#ifndef MMUSIM_TRACE_INT_H
#define MMUSIM_TRACE_INT_H

#include "trace.h"
#include "../mmu/util/zin.h"

#include <zlib.h>

#include "bin_enc.h"

#define TRACE_BUF (1u << 20)      /* input buffer (decompressed bytes) */
#define TRACE_PAD 64u             /* zero bytes after `end` at eof */
#define TRACE_LINE_MAX 4096u      /* longest accepted text / lackey line */
#define VA_LIMIT (1ull << VA_BITS_MAX)
#define ACC_SIZE_MAX 4096u


struct gen;

enum src_kind { SRC_NONE, SRC_GZIP, SRC_XZ, SRC_ZSTD };

/* The raw file and its decompressor (trace_src.c). */
struct src {
	int fd;
	enum src_kind kind;
	u8 *in;                   /* raw bytes [in_pos, in_len) unread */
	size_t in_pos, in_len;
	u64 raw_read;             /* bytes read from the file so far */
	bool in_eof;              /* the raw file has ended */
	bool mid;                 /* inside a gzip member / zstd frame */
	bool done, dead;          /* decoded to the end / broken */
	z_stream z;
	void *x;                  /* lzma_stream */
	void *zs;                 /* ZSTD_DStream */
};

struct trace {
	int (*read)(struct trace *t, struct ev *buf, int max);
	enum trace_fmt fmt;
	char *name;               /* for messages: path, "<stdin>" or the spec */
	struct src src;
	bool opened;              /* src is set up (file readers) */
	u8 *buf;                  /* TRACE_BUF + TRACE_PAD bytes */
	const u8 *p, *end;
	bool eof;
	int gzerr;                /* -EIO when the compressed stream is broken */
	const char *gzmsg;        /* its message */
	int err;                  /* sticky error, reported (or pending in msg) */
	/* While trace_read runs, a reader's error message waits in msg: the
	 * events decoded before the error are returned first, and the message
	 * is printed only when the error itself is returned (so that an error
	 * the simulator finds in one of those events comes alone). */
	bool reading;
	char *msg;                /* pending message (malloc'd) or NULL */
	/* Position of each event of the last batch: the line (text, lackey). */
	u64 *pos;
	int pos_cap;
	u64 done;                 /* events returned before the last batch */
	u64 last;                 /* events of the last batch */
	bool truncated;           /* the error is that the input ends early */
	u64 line;                 /* text, lackey: lines consumed */
	/* bin */
	u64 rec;                  /* records decoded */
	struct bin_enc bs;        /* bin: decoder state */
	u64 prev_pc;              /* lackey: the last I */
	bool ended;
	/* lackey */
	u64 skipped, accesses;
	/* champsim */
	u64 cs_rec;               /* records decoded */
	struct ev cs_pend[7];     /* events of a record not yet returned */
	u8 cs_np, cs_pi;
	/* objects announced so far */
	struct trace_obj *objs;
	u32 nobjs, objs_cap;
	/* generator */
	struct gen *gen;
};

/* Refills the buffer, keeping [p, end). Returns bytes added, 0 at eof,
 * or -EIO after printing the message (read error). A broken gzip stream is
 * not reported here: eof is set and gzerr/gzmsg tell the decoder, which
 * reports it when it reaches the tail. */
int trace_fill(struct trace *t);
/* The byte source (trace_src.c): open (0 or -errno, message printed),
 * read (bytes, filling dst unless the input ends; or -errno), close. */
int trace_src_open(struct trace *t, const char *path, int fd);
int trace_src_read(struct trace *t, u8 *dst, size_t room);
void trace_src_close(struct trace *t);
/* "gzip", "xz", "zstd" or "" for plain input. */
const char *trace_src_kind(const struct trace *t);
/* Reports a broken gzip stream; returns t->gzerr. */
int trace_gz_fail(struct trace *t);
/* The next line [*ls, *le) without its newline: 1, 0 at the end, or -errno
 * after the message. Counts t->line. */
int trace_next_line(struct trace *t, const char **ls, const char **le);
/* Marks the trace failed with err after its message has been printed
 * (or left pending by trace_msg). */
int trace_fail(struct trace *t, int err);
/* Prints "mmusim: " and the message as one line, or (inside trace_read)
 * keeps it until the error is returned. */
void trace_msg(struct trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records the position of event k of the batch being read. */
static inline void trace_pos_set(struct trace *t, int k, u64 pos)
{
	if (t->pos && k < t->pos_cap)
		t->pos[k] = pos;
}

/* "rwx" letters of prot, '-' for the missing ones. */
void trace_prot_str(u8 prot, char s[4]);
/* Text-format helpers shared with the generators. */
int trace_parse_prot(const char *s, size_t n, u8 *prot);
int trace_parse_psize(const char *s, size_t n, u8 *psize);
/* Byte count: decimal or 0x hex, optional K/M/G/T/P suffix (binary,
 * optional "i"/"B"). Leading zeros mean decimal, never octal. */
int trace_parse_bytes(const char *s, size_t n, u64 *out);

int trace_text_read(struct trace *t, struct ev *buf, int max);
int trace_lackey_read(struct trace *t, struct ev *buf, int max);
int trace_bin_read(struct trace *t, struct ev *buf, int max);
int trace_champsim_read(struct trace *t, struct ev *buf, int max);
/* Whether the n bytes at p look like ChampSim records (trace_champsim.c). */
bool trace_champsim_like(const u8 *p, size_t n);
#define CHAMPSIM_REC 64u
/* Checks the header at t->p (at least what the buffer holds). 0 or -EINVAL. */
int trace_bin_start(struct trace *t);
/* Whether `line` (n bytes, no newline) looks like valgrind lackey output. */
bool trace_lackey_line(const char *line, size_t n);

int trace_gen_create(struct gen **g, const char *spec);
int trace_gen_read(struct trace *t, struct ev *buf, int max);
void trace_gen_destroy(struct gen *g);
/* End of the address range a generator's accesses use (0: not known). */
u64 trace_gen_va_end(const struct gen *g);

/* One valid event (not EV_OBJ) at out (at most BIN_REC_MAX bytes). */
size_t bin_enc_event(struct bin_enc *st, const struct ev *e, u8 *out);

/* The object record of one object at out (BIN_OBJ_MAX bytes); returns the
 * byte count. */
size_t bin_enc_obj(const struct trace_obj *o, u8 *out);
/* Appends o to t's object table (copied); its index or -ENOMEM. */
int trace_obj_push(struct trace *t, const struct trace_obj *o);

static inline bool is_blank(int c) { return c == ' ' || c == '\t' || c == '\r'; }

#endif

/*
 * trace.c - opening, format detection and writing of event streams.
 *
 * Notes
 *   Reads: a path or "-" (standard input), through mmu/util/zin.h, so every
 *   format may be gzip-compressed, in one member or several (plain files
 *   pass through); bytes after the last member are an error.
 *   Produces: `struct ev` records via the reader of the detected format
 *   (trace_text.c, trace_lackey.c, trace_bin.c) or a generator (gen.c).
 *   Detection (FMT_AUTO), on the decompressed bytes: the binary magic
 *   "MMUSIMT1" means bin; otherwise the first line that is neither blank nor
 *   a '#' comment decides: a valgrind lackey line ("==PID== ...",
 *   "I  hex,size", " L hex,size", " S ...", " M ...") means lackey, anything
 *   else text. Writers produce the text and bin formats, gzip or plain.
 *   Errors: one line "mmusim: NAME: what" (the readers add LINE or record
 *   numbers), then -errno. An error is sticky: events decoded before it in
 *   the same call are returned first, every later trace_read returns it,
 *   and its message is printed when it is returned (so that an error the
 *   caller finds in an earlier event is the only one printed).
 *   Does not handle: formats other than the three above, seeking, or more
 *   than one reader per file. A broken gzip stream is found at its end
 *   (the input ends inside a member), so events
 *   before the cut have already been delivered when the error comes.
 *   Sources: zlib manual (inflate; gzopen, gzwrite for the writers),
 *   docs/trace-format.md for every format.
 */
#include "trace_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const fmt_names[] = {
	[FMT_AUTO] = "auto", [FMT_TEXT] = "text", [FMT_BIN] = "bin",
	[FMT_LACKEY] = "lackey", [FMT_CHAMPSIM] = "champsim", [FMT_GEN] = "gen",
};

int trace_fmt_parse(const char *s, enum trace_fmt *f)
{
	for (int i = FMT_AUTO; i <= FMT_CHAMPSIM; i++) {
		if (s && !strcasecmp(s, fmt_names[i])) {
			*f = (enum trace_fmt)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *trace_fmt_name(enum trace_fmt f)
{
	return (unsigned)f < ARRAY_SIZE(fmt_names) ? fmt_names[f] : "?";
}

enum trace_fmt trace_format(const struct trace *t) { return t->fmt; }
const char *trace_name(const struct trace *t) { return t->name; }
u32 trace_nobjs(const struct trace *t) { return t->nobjs; }
u64 trace_skipped_lines(const struct trace *t) { return t->skipped; }

const struct trace_obj *trace_object(const struct trace *t, u32 i)
{
	return i < t->nobjs ? &t->objs[i] : NULL;
}

int trace_obj_push(struct trace *t, const struct trace_obj *o)
{
	struct trace_obj *c;
	if (t->nobjs == t->objs_cap) {
		u32 cap = t->objs_cap ? t->objs_cap * 2 : 16;
		struct trace_obj *v = realloc(t->objs, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		t->objs = v;
		t->objs_cap = cap;
	}
	c = &t->objs[t->nobjs];
	*c = *o;
	c->path = strdup(o->path);
	if (!c->path)
		return -ENOMEM;
	return (int)t->nobjs++;
}

int trace_add_obj(struct trace *t, const struct trace_obj *o)
{
	return trace_obj_push(t, o);
}

int trace_fail(struct trace *t, int err)
{
	t->err = err;
	return err;
}

void trace_msg(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (r < 0)
		m = NULL;
	if (!t->reading || !m) {
		fprintf(stderr, "mmusim: %s\n", m ? m : "out of memory");
		free(m);
		return;
	}
	if (t->msg)          /* the first error of a trace is the one reported */
		free(m);
	else
		t->msg = m;
}

static void trace_msg_flush(struct trace *t)
{
	if (t->msg) {
		fprintf(stderr, "mmusim: %s\n", t->msg);
		free(t->msg);
		t->msg = NULL;
	}
}

u64 trace_va_end(const struct trace *t)
{
	return t->gen ? trace_gen_va_end(t->gen) : 0;
}

const char *trace_where(const struct trace *t, int k, char *buf, size_t n)
{
	if ((t->fmt == FMT_TEXT || t->fmt == FMT_LACKEY) && t->pos && k < t->pos_cap)
		snprintf(buf, n, "%s:%llu", t->name, (unsigned long long)t->pos[k]);
	else
		snprintf(buf, n, "%s: %s %llu", t->name, t->fmt == FMT_BIN ? "record" : "event",
			 (unsigned long long)(t->done + (u64)k + 1));
	return buf;
}

int trace_gz_fail(struct trace *t)
{
	t->truncated = !strcmp(t->gzmsg, "truncated gzip stream");
	trace_msg(t, "%s: %s", t->name, t->gzmsg);
	return trace_fail(t, t->gzerr);
}

int trace_fill(struct trace *t)
{
	size_t keep = (size_t)(t->end - t->p);
	size_t room;
	int r;

	if (t->eof)
		return 0;
	if (t->p != t->buf)
		memmove(t->buf, t->p, keep);
	t->p = t->buf;
	t->end = t->buf + keep;
	room = TRACE_BUF - keep;
	SIM_BUG_ON(room == 0);
	r = trace_src_read(t, t->buf + keep, room);
	if (r < 0)
		return r;
	t->end += r;
	if ((size_t)r < room) {
		t->eof = true;
		memset(t->buf + keep + (size_t)r, 0, TRACE_PAD);
	}
	return (int)r;
}

/* Whether the first line that is not blank or a comment is lackey output. */
static bool looks_lackey(const u8 *p, const u8 *end)
{
	while (p < end) {
		const u8 *nl = memchr(p, '\n', (size_t)(end - p));
		const u8 *e = nl ? nl : end;
		const u8 *s = p;
		while (s < e && is_blank(*s))
			s++;
		if (s < e && *s != '#')
			return trace_lackey_line((const char *)p, (size_t)(e - p));
		p = e + 1;
	}
	return false;
}

/* What a binary file that is no trace looks like, for the message. */
static const char *looks_like(const u8 *p, size_t n)
{
	if (n >= 4 && !memcmp(p, "\x7f" "ELF", 4))
		return "an ELF file (a program, not a trace: record it with 'mmusim record -- PROG')";
	if (n >= 262 && !memcmp(p + 257, "ustar", 5))
		return "a tar archive";
	if (n >= 4 && !memcmp(p, "PK\3\4", 4))
		return "a zip archive";
	if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return "zstd data inside a compressed stream";
	if (n >= 6 && !memcmp(p, "\xfd" "7zXZ", 5))
		return "xz data inside a compressed stream";
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip data inside a compressed stream";
	if (n >= CHAMPSIM_REC && n < 2 * CHAMPSIM_REC && trace_champsim_like(p, CHAMPSIM_REC))
		return "one ChampSim record and a partial one (size not a multiple of 64)";
	return NULL;
}

/* Auto-detection on the decompressed bytes (docs/trace-format.md). */
static int detect(struct trace *t, enum trace_fmt *fmt)
{
	size_t have = (size_t)(t->end - t->p), look = MIN(have, 4096);
	const char *what;

	if (have >= BIN_MAGIC_LEN && !memcmp(t->p, BIN_MAGIC, BIN_MAGIC_LEN)) {
		*fmt = FMT_BIN;
		return 0;
	}
	if (!memchr(t->p, 0, look) && !(t->gzerr && have == 0)) {
		*fmt = looks_lackey(t->p, t->end) ? FMT_LACKEY : FMT_TEXT;
		return 0;
	}
	if (t->gzerr && have < CHAMPSIM_REC)
		return trace_gz_fail(t);
	if (trace_champsim_like(t->p, have)) {
		*fmt = FMT_CHAMPSIM;
		return 0;
	}
	what = looks_like(t->p, have);
	if (what)
		fprintf(stderr, "mmusim: %s: not a trace: looks like %s\n", t->name, what);
	else
		fprintf(stderr, "mmusim: %s: not a trace: binary data of no known format "
			"(first bytes %02x %02x %02x %02x; formats: text, bin, lackey, champsim)\n", t->name,
			have > 0 ? t->p[0] : 0, have > 1 ? t->p[1] : 0, have > 2 ? t->p[2] : 0, have > 3 ? t->p[3] : 0);
	return -EINVAL;
}

static void trace_free(struct trace *t)
{
	if (!t)
		return;
	if (t->opened)
		trace_src_close(t);
	for (u32 i = 0; i < t->nobjs; i++)
		free(t->objs[i].path);
	free(t->objs);
	if (t->gen)
		trace_gen_destroy(t->gen);
	free(t->msg);        /* an error after one the caller reported first */
	free(t->pos);
	free(t->buf);
	free(t->name);
	free(t);
}

static int open_common(struct trace **tp, const char *path, int fd, enum trace_fmt fmt);

int trace_open(struct trace **tp, const char *path, enum trace_fmt fmt)
{
	*tp = NULL;
	if (fmt == FMT_GEN)
		return trace_open_gen(tp, path);
	return open_common(tp, path, -1, fmt);
}

int trace_open_fd(struct trace **tp, int fd, const char *name, enum trace_fmt fmt)
{
	*tp = NULL;
	return open_common(tp, name, fd, fmt);
}

static int open_common(struct trace **tp, const char *path, int fd, enum trace_fmt fmt)
{
	struct trace *t;
	int r;

	if ((unsigned)fmt > FMT_CHAMPSIM)
		return -EINVAL;
	t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->name = strdup(fd >= 0 || strcmp(path, "-") ? path : "<stdin>");
	t->buf = malloc(TRACE_BUF + TRACE_PAD);
	if (!t->name || !t->buf) {
		trace_free(t);
		return -ENOMEM;
	}
	t->p = t->end = t->buf;
	t->opened = true;
	r = trace_src_open(t, path, fd);
	if (r == 0)
		r = trace_fill(t);
	if (r < 0) {
		trace_free(t);
		return r;
	}
	if (fmt == FMT_AUTO) {
		r = detect(t, &fmt);
		if (r < 0) {
			trace_free(t);
			return r;
		}
	}
	t->fmt = fmt;
	switch (fmt) {
	case FMT_TEXT:
		t->read = trace_text_read;
		break;
	case FMT_LACKEY:
		t->read = trace_lackey_read;
		break;
	case FMT_CHAMPSIM:
		t->read = trace_champsim_read;
		break;
	default:
		t->read = trace_bin_read;
		r = trace_bin_start(t);
		if (r < 0) {
			trace_free(t);
			return r;
		}
		break;
	}
	*tp = t;
	return 0;
}

int trace_open_gen(struct trace **tp, const char *spec)
{
	struct trace *t;
	int r;

	*tp = NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->name = strdup(spec);
	if (!t->name) {
		free(t);
		return -ENOMEM;
	}
	r = trace_gen_create(&t->gen, spec);
	if (r < 0) {
		trace_free(t);
		return r;
	}
	t->fmt = FMT_GEN;
	t->read = trace_gen_read;
	*tp = t;
	return 0;
}

int trace_read(struct trace *t, struct ev *buf, int max)
{
	int n;

	SIM_BUG_ON(max <= 0);
	if (t->err) {
		trace_msg_flush(t);
		return t->err;
	}
	if ((t->fmt == FMT_TEXT || t->fmt == FMT_LACKEY) && max > t->pos_cap) {
		u64 *p = realloc(t->pos, (size_t)max * sizeof *p);
		if (p) {
			t->pos = p;
			t->pos_cap = max;
		}
	}
	t->done += t->last;
	t->last = 0;
	t->reading = true;
	n = t->read(t, buf, max);
	t->reading = false;
	if (n <= 0)
		trace_msg_flush(t);
	if (n > 0)
		t->last = (u64)n;
	return n;
}

void trace_close(struct trace *t)
{
	trace_free(t);
}

int trace_next_line(struct trace *t, const char **ls, const char **le)
{
	for (;;) {
		const u8 *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
		const u8 *e = nl ? nl : t->end;
		if (!nl && !t->eof && t->end - t->p <= (ptrdiff_t)TRACE_LINE_MAX) {
			int r = trace_fill(t);
			if (r < 0)
				return r;
			continue;
		}
		if (!nl && t->gzerr)
			return trace_gz_fail(t);
		if (!nl && t->p == t->end)
			return 0;
		t->line++;
		if (e - t->p > (ptrdiff_t)TRACE_LINE_MAX) {
			trace_msg(t, "%s:%llu: line longer than %u bytes", t->name,
				(unsigned long long)t->line, TRACE_LINE_MAX);
			return trace_fail(t, -EINVAL);
		}
		*ls = (const char *)t->p;
		*le = (const char *)e;
		t->p = nl ? nl + 1 : e;
		return 1;
	}
}

/* ---- event checks and formatting ---- */

const char *ev_check(const struct ev *e)
{
	switch (e->kind) {
	case EV_R: case EV_W: case EV_I: case EV_M:
		if (e->size < 1 || e->size > ACC_SIZE_MAX)
			return "size out of range 1..4096";
		if (e->va > VA_LIMIT - e->size)
			return "address beyond 57 bits";
		if (e->pc >= VA_LIMIT)
			return "PC beyond 57 bits";
		return NULL;
	case EV_MAP:
		if (e->psize > PS_1G && e->psize != PSZ_ANY)
			return "bad page size";
		/* fall through */
	case EV_PROTECT:
		if (e->prot & ~(PERM_R | PERM_W | PERM_X))
			return "bad protection";
		/* fall through */
	case EV_UNMAP:
		if (e->len == 0)
			return "length 0";
		if (e->va >= VA_LIMIT || e->len > VA_LIMIT - e->va)
			return "address beyond 57 bits";
		return NULL;
	case EV_CTX: case EV_VM: case EV_OBJ:
		return NULL;
	case EV_ROI:
		return e->size > 1 ? "bad ROI marker (1 BEGIN, 0 END)" : NULL;
	default:
		return "bad event kind";
	}
}

static const char *const kw_names[EV_KIND_NR] = {
	[EV_R] = "R", [EV_W] = "W", [EV_I] = "I", [EV_M] = "M",
	[EV_MAP] = "MAP", [EV_UNMAP] = "UNMAP", [EV_PROTECT] = "PROTECT",
	[EV_CTX] = "CTX", [EV_VM] = "VM", [EV_ROI] = "ROI", [EV_OBJ] = "OBJ",
};

void trace_prot_str(u8 prot, char s[4])
{
	s[0] = prot & PERM_R ? 'r' : '-';
	s[1] = prot & PERM_W ? 'w' : '-';
	s[2] = prot & PERM_X ? 'x' : '-';
	s[3] = 0;
}

int ev_format(const struct ev *e, char *buf, size_t n)
{
	char ps[4];
	unsigned long long va = e->va, len = e->len;

	if (e->kind >= EV_KIND_NR)
		return -EINVAL;
	trace_prot_str(e->prot, ps);
	switch (e->kind) {
	case EV_MAP:
		if (e->psize == PSZ_ANY)
			return snprintf(buf, n, "MAP 0x%llx 0x%llx %s", va, len, ps);
		return snprintf(buf, n, "MAP 0x%llx 0x%llx %s %s", va, len, ps,
				psize_name((enum psize)e->psize));
	case EV_UNMAP:
		return snprintf(buf, n, "UNMAP 0x%llx 0x%llx", va, len);
	case EV_PROTECT:
		return snprintf(buf, n, "PROTECT 0x%llx 0x%llx %s", va, len, ps);
	case EV_CTX: case EV_VM:
		return snprintf(buf, n, "%s %u", kw_names[e->kind], (unsigned)e->size);
	case EV_ROI:
		return snprintf(buf, n, "ROI %s", e->size ? "BEGIN" : "END");
	case EV_OBJ:
		return snprintf(buf, n, "# object %u", (unsigned)e->size);
	default:
		if (e->pc && e->kind != EV_I)
			return snprintf(buf, n, "%s 0x%llx %u pc=0x%llx", kw_names[e->kind], va, (unsigned)e->size,
					(unsigned long long)e->pc);
		return snprintf(buf, n, "%s 0x%llx %u", kw_names[e->kind], va, (unsigned)e->size);
	}
}

/* ---- small parsers shared with the generators ---- */

int trace_parse_prot(const char *s, size_t n, u8 *prot)
{
	static const char pos[3] = { 'r', 'w', 'x' };
	u8 v = 0;

	if (n == 3) {
		bool ok = true;
		for (size_t i = 0; i < 3; i++) {
			int c = tolower((unsigned char)s[i]);
			if (c == pos[i])
				v |= (u8)(1u << i);
			else if (c != '-')
				ok = false;
		}
		if (ok) {
			*prot = v;
			return 0;
		}
		v = 0;
	}
	if (n < 1 || n > 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)s[i]);
		u8 bit = c == 'r' ? PERM_R : c == 'w' ? PERM_W : c == 'x' ? PERM_X : 0;
		if (!bit || (v & bit))
			return -EINVAL;
		v |= bit;
	}
	*prot = v;
	return 0;
}

int trace_parse_psize(const char *s, size_t n, u8 *psize)
{
	static const struct { const char *name; u8 v; } tab[] = {
		{ "4K", PS_4K }, { "2M", PS_2M }, { "1G", PS_1G },
		{ "huge", PS_2M }, { "any", PSZ_ANY },
	};
	for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
		if (strlen(tab[i].name) == n && !strncasecmp(s, tab[i].name, n)) {
			*psize = tab[i].v;
			return 0;
		}
	}
	return -EINVAL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int trace_parse_bytes(const char *s, size_t n, u64 *out)
{
	const char *e = s + n;
	u64 v = 0;
	unsigned shift = 0;
	bool any = false;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (s += 2; s < e && hexval((unsigned char)*s) >= 0; s++, any = true) {
			if (v >> 60)
				return -EINVAL;
			v = v << 4 | (u64)hexval((unsigned char)*s);
		}
	} else {
		for (; s < e && *s >= '0' && *s <= '9'; s++, any = true) {
			u64 d = (u64)(*s - '0');
			if (v > (UINT64_MAX - d) / 10)
				return -EINVAL;
			v = v * 10 + d;
		}
	}
	if (!any)
		return -EINVAL;
	if (s < e) {
		switch (*s | 0x20) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		case 'p': shift = 50; break;
		default: return -EINVAL;
		}
		s++;
		if (s < e && (*s | 0x20) == 'i')
			s++;
		if (s < e && (*s | 0x20) == 'b')
			s++;
	}
	if (s != e || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* ---- writers ---- */

#define WBUF (1u << 16)

struct cs_rec {               /* a ChampSim record being assembled */
	bool open;
	u64 ip;
	u64 src[4], dst[2];
	unsigned nsrc, ndst;
};

struct trace_writer {
	enum trace_fmt fmt;
	gzFile gz;
	int fd;                   /* xz output (champsim .xz) */
	lzma_stream *xz;
	char *name;
	u8 *buf;
	size_t n;
	u64 count;
	u64 dropped;              /* events champsim cannot express */
	struct bin_enc enc;
	struct cs_rec cs;
	int err;
};

static int wr_error(struct trace_writer *w, const char *what)
{
	fprintf(stderr, "mmusim: %s: write error: %s\n", w->name, what);
	w->err = -EIO;
	return w->err;
}

static int xz_pump(struct trace_writer *w, const u8 *p, size_t n, lzma_action act)
{
	u8 out[1u << 16];
	lzma_ret r;
	w->xz->next_in = p;
	w->xz->avail_in = n;
	do {
		size_t k, off = 0;
		w->xz->next_out = out;
		w->xz->avail_out = sizeof out;
		r = lzma_code(w->xz, act);
		if (r != LZMA_OK && r != LZMA_STREAM_END)
			return wr_error(w, "xz compression failed");
		k = sizeof out - w->xz->avail_out;
		while (off < k) {
			ssize_t m = write(w->fd, out + off, k - off);
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				return wr_error(w, strerror(errno));
			off += (size_t)m;
		}
	} while (w->xz->avail_in || (act == LZMA_FINISH && r != LZMA_STREAM_END));
	return 0;
}

static int wr_flush(struct trace_writer *w)
{
	if (w->err)
		return w->err;
	if (w->n && w->xz) {
		xz_pump(w, w->buf, w->n, LZMA_RUN);
	} else if (w->n && gzwrite(w->gz, w->buf, (unsigned)w->n) != (int)w->n) {
		int zerr;
		const char *msg = gzerror(w->gz, &zerr);
		wr_error(w, zerr == Z_ERRNO ? strerror(errno) : msg);
	}
	w->n = 0;
	return w->err;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

int trace_writer_open(struct trace_writer **wp, const char *path, enum trace_fmt fmt, bool gzip)
{
	struct trace_writer *w;
	const char *mode = gzip && fmt != FMT_CHAMPSIM ? "wb1" : "wbT";
	bool xz = fmt == FMT_CHAMPSIM && ends_with(path, ".xz");
	int err = -ENOMEM;

	*wp = NULL;
	if (fmt != FMT_TEXT && fmt != FMT_BIN && fmt != FMT_CHAMPSIM) {
		fprintf(stderr, "mmusim: %s: cannot write format '%s' (text, bin or champsim)\n",
			path, trace_fmt_name(fmt));
		return -EINVAL;
	}
	w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->fmt = fmt;
	w->fd = -1;
	w->name = strdup(strcmp(path, "-") ? path : "<stdout>");
	w->buf = malloc(WBUF);
	if (!w->name || !w->buf)
		goto nomem;
	errno = 0;
	if (xz) {
		lzma_stream init = LZMA_STREAM_INIT;
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w->fd < 0)
			goto syserr;
		w->xz = malloc(sizeof *w->xz);
		if (!w->xz)
			goto nomem;
		*w->xz = init;
		if (lzma_easy_encoder(w->xz, 6, LZMA_CHECK_CRC64) != LZMA_OK)
			goto nomem;
	} else if (!strcmp(path, "-")) {
		int fd = dup(1);
		w->gz = fd >= 0 ? gzdopen(fd, mode) : NULL;
		if (!w->gz && fd >= 0)
			close(fd);
		if (!w->gz)
			goto syserr;
	} else {
		w->gz = gzopen(path, mode);
		if (!w->gz)
			goto syserr;
	}
	if (w->gz)
		gzbuffer(w->gz, 1u << 17);
	if (fmt == FMT_BIN) {
		bin_enc_init(&w->enc);
		w->n = bin_enc_header(w->buf);
	}
	*wp = w;
	return 0;
syserr:
	err = errno ? -errno : -ENOMEM;
	fprintf(stderr, "mmusim: %s: %s\n", w->name, strerror(-err));
nomem:
	if (w->xz) {
		lzma_end(w->xz);
		free(w->xz);
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w->name);
	free(w->buf);
	free(w);
	return err;
}

static void put_le64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* Writes the open ChampSim record. */
static int cs_flush(struct trace_writer *w)
{
	struct cs_rec *c = &w->cs;
	u8 *r;
	unsigned i;

	if (!c->open)
		return 0;
	if (WBUF - w->n < CHAMPSIM_REC && wr_flush(w) < 0)
		return w->err;
	r = w->buf + w->n;
	memset(r, 0, CHAMPSIM_REC);
	put_le64(r, c->ip);
	for (i = 0; i < c->ndst; i++)
		put_le64(r + 16 + 8 * i, c->dst[i]);
	for (i = 0; i < c->nsrc; i++)
		put_le64(r + 32 + 8 * i, c->src[i]);
	w->n += CHAMPSIM_REC;
	memset(c, 0, sizeof *c);
	return 0;
}

/* Events to ChampSim records: an I opens a record at its address; loads
 * and stores join the open record while its operands last and their PC
 * (when known) is its ip; otherwise they open a record of their own. */
static int cs_put(struct trace_writer *w, const struct ev *e)
{
	struct cs_rec *c = &w->cs;
	bool ld = e->kind == EV_R || e->kind == EV_M, st = e->kind == EV_W || e->kind == EV_M;

	if (e->kind == EV_I) {
		if (cs_flush(w) < 0)
			return w->err;
		c->open = true;
		c->ip = e->va;
		return 0;
	}
	if (!ev_is_access(e)) {
		w->dropped++;
		return 0;
	}
	if (!e->va) {                 /* zero means "no operand" in ChampSim */
		w->dropped++;
		return 0;
	}
	if (!c->open || (e->pc && e->pc != c->ip) || (ld && c->nsrc == 4) || (st && c->ndst == 2)) {
		u64 ip = e->pc ? e->pc : c->ip;
		if (cs_flush(w) < 0)
			return w->err;
		c->open = true;
		c->ip = ip;
	}
	if (ld)
		c->src[c->nsrc++] = e->va;
	if (st)
		c->dst[c->ndst++] = e->va;
	return 0;
}

/* Object paths in the text format: blanks, '#', '%' and control bytes as %XX. */
static size_t text_obj(const struct trace_obj *o, char *out)
{
	char *q = out;
	q += sprintf(q, "OBJ ");
	for (const char *p = o->path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '#' || c == '%' || c >= 0x7f)
			q += sprintf(q, "%%%02X", c);
		else
			*q++ = (char)c;
	}
	q += sprintf(q, " 0x%llx", (unsigned long long)o->bias);
	for (u32 i = 0; i < o->nseg; i++) {
		char ps[4];
		trace_prot_str(o->seg[i].prot, ps);
		q += sprintf(q, " %s 0x%llx 0x%llx", ps, (unsigned long long)o->seg[i].va,
			     (unsigned long long)o->seg[i].len);
	}
	*q++ = '\n';
	return (size_t)(q - out);
}

int trace_writer_put_obj(struct trace_writer *w, const struct trace_obj *o)
{
	if (w->err)
		return w->err;
	if (w->fmt == FMT_CHAMPSIM) {
		w->dropped++;
		return 0;
	}
	/* a text line: at most 4 + 3 * 4096 + 19 + 16 * 42 + 1 bytes */
	if (WBUF - w->n < 3 * OBJ_PATH_MAX + 1024 && wr_flush(w) < 0)
		return w->err;
	if (w->fmt == FMT_BIN)
		w->n += bin_enc_obj(o, w->buf + w->n);
	else
		w->n += text_obj(o, (char *)w->buf + w->n);
	w->count++;
	return 0;
}

int trace_writer_put(struct trace_writer *w, const struct ev *e)
{
	const char *why;

	if (w->err)
		return w->err;
	why = ev_check(e);
	if (!why && e->kind == EV_OBJ)
		why = "an object event needs its object (trace_writer_put_obj)";
	if (why) {
		fprintf(stderr, "mmusim: %s: event %llu: cannot write invalid event (%s)\n",
			w->name, (unsigned long long)w->count + 1, why);
		return -EINVAL;
	}
	if (w->fmt == FMT_CHAMPSIM)
		return cs_put(w, e);
	if (WBUF - w->n < 128 && wr_flush(w) < 0)
		return w->err;
	if (w->fmt == FMT_BIN) {
		w->n += bin_enc_event(&w->enc, e, w->buf + w->n);
	} else {
		int k = ev_format(e, (char *)w->buf + w->n, WBUF - w->n);
		SIM_BUG_ON(k < 0 || (size_t)k >= WBUF - w->n - 1);
		w->n += (size_t)k;
		w->buf[w->n++] = '\n';
	}
	w->count++;
	return 0;
}

u64 trace_writer_dropped(const struct trace_writer *w) { return w->dropped; }

int trace_writer_close(struct trace_writer *w)
{
	int err, r;

	if (!w)
		return 0;
	if (w->fmt == FMT_CHAMPSIM && !w->err)
		cs_flush(w);
	if (w->fmt == FMT_BIN && !w->err) {
		if (WBUF - w->n < 128)
			wr_flush(w);
		w->n += bin_enc_end(w->count, w->buf + w->n);
	}
	wr_flush(w);
	err = w->err;
	if (w->xz) {
		if (!err)
			err = xz_pump(w, NULL, 0, LZMA_FINISH);
		lzma_end(w->xz);
		free(w->xz);
		if (close(w->fd) && !err) {
			fprintf(stderr, "mmusim: %s: write error: %s\n", w->name, strerror(errno));
			err = -EIO;
		}
	} else {
		r = gzclose(w->gz);
		if (r != Z_OK && !err) {
			fprintf(stderr, "mmusim: %s: write error: %s\n", w->name,
				r == Z_ERRNO ? strerror(errno) : "zlib error");
			err = -EIO;
		}
	}
	free(w->name);
	free(w->buf);
	free(w);
	return err;
}

bool trace_truncated(const struct trace *t)
{
	return t->truncated;
}

u64 trace_pos(const struct trace *t)
{
	const struct src *s = &t->src;
	if (!t->opened)
		return 0;
	/* the file's bytes consumed: read minus still buffered raw input
	 * (compressed bytes for compressed input) */
	return s->raw_read - (u64)(s->in_len - s->in_pos);
}

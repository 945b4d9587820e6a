/*
 * trace_text.c - reader of the mmusim text trace format.
 *
 * Notes
 *   Reads: one event per line (docs/trace-format.md has the grammar):
 *     R|W|I|M <va> [size]          access; va hex (0x optional), size 1..4096, default 1
 *     MAP <va> <len> [prot] [psize] prot default rw-, psize 4K|2M|1G|huge|any, default any
 *     UNMAP <va> <len>
 *     PROTECT <va> <len> <prot>
 *     CTX <pid> / VM <id>          decimal (or 0x hex) below 2^32
 *     R|W|M <va> [size] pc=<hex>    an access with the PC of its instruction
 *     OBJ <path> <bias> <prot> <va> <len> ...   a loaded object
 *   Keywords and page sizes are case-insensitive; tokens are separated by
 *   blanks (space, tab, CR); a token starting with '#' starts a comment that
 *   runs to the end of the line; blank lines are skipped.
 *   Produces: struct ev with every field not used by the kind zero.
 *   Errors: "mmusim: FILE:LINE: what", then -EINVAL; the line yields no event.
 *   Does not handle: several events on a line, symbolic addresses,
 *   lines longer than TRACE_LINE_MAX bytes.
 *   Sources: docs/trace-format.md (this project).
 */
#include "trace_int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

struct tok {
	const char *s;
	size_t n;
};

#define TOK_MAX 6

/* Splits [s, e) into at most TOK_MAX tokens (a '#' token ends the line). */
static int split(const char *s, const char *e, struct tok *tk)
{
	int n = 0;
	while (n < TOK_MAX) {
		while (s < e && is_blank(*s))
			s++;
		if (s == e || *s == '#')
			break;
		tk[n].s = s;
		while (s < e && !is_blank(*s))
			s++;
		tk[n].n = (size_t)(s - tk[n].s);
		n++;
	}
	return n;
}

__attribute__((format(printf, 2, 3)))
static int text_err(struct trace *t, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	trace_msg(t, "%s:%llu: %s", t->name, (unsigned long long)t->line, why);
	return trace_fail(t, -EINVAL);
}

/* Shown tokens are cut to keep the message on one short line. */
#define TOKF "'%.*s%s'"
#define TOKA(t) (int)MIN((t).n, 40), (t).s, (t).n > 40 ? "..." : ""

static const u8 hex_tab[256] = {
#define H(c, v) [c] = (v) + 1
	H('0', 0), H('1', 1), H('2', 2), H('3', 3), H('4', 4), H('5', 5), H('6', 6),
	H('7', 7), H('8', 8), H('9', 9), H('a', 10), H('b', 11), H('c', 12),
	H('d', 13), H('e', 14), H('f', 15), H('A', 10), H('B', 11), H('C', 12),
	H('D', 13), H('E', 14), H('F', 15),
#undef H
};

/* Hex address, 0x optional. 0, -EINVAL (not hex) or -ERANGE (>= 2^57). */
static int parse_va(struct tok tk, u64 *va)
{
	const char *s = tk.s, *e = tk.s + tk.n;
	u64 v = 0;
	bool big = false;

	if (e - s >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	if (s == e)
		return -EINVAL;
	for (; s < e; s++) {
		unsigned d = hex_tab[(unsigned char)*s];
		if (!d)
			return -EINVAL;
		v = v << 4 | (d - 1);
		if (v >= VA_LIMIT) {
			big = true;
			v = 0;
		}
	}
	if (big)
		return -ERANGE;
	*va = v;
	return 0;
}

/* Decimal (or 0x hex) integer <= max. */
static int parse_uint(struct tok tk, u64 max, u64 *out)
{
	const char *s = tk.s, *e = tk.s + tk.n;
	u64 v = 0;

	if (e - s >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		if (e - s == 2)
			return -EINVAL;
		for (s += 2; s < e; s++) {
			unsigned d = hex_tab[(unsigned char)*s];
			if (!d || v > (max >> 4))
				return -EINVAL;
			v = v << 4 | (d - 1);
		}
	} else {
		if (s == e)
			return -EINVAL;
		for (; s < e; s++) {
			if (*s < '0' || *s > '9' || v > max / 10)
				return -EINVAL;
			v = v * 10 + (u64)(*s - '0');
		}
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Size token: decimal 1..4096. */
static int parse_acc_size(struct tok tk, u32 *size)
{
	u32 v = 0;
	if (tk.n == 0 || tk.n > 4)
		return -EINVAL;
	for (size_t i = 0; i < tk.n; i++) {
		if (tk.s[i] < '0' || tk.s[i] > '9')
			return -EINVAL;
		v = v * 10 + (u32)(tk.s[i] - '0');
	}
	if (v < 1 || v > ACC_SIZE_MAX)
		return -EINVAL;
	*size = v;
	return 0;
}

enum { KW_MAP = EV_MAP, KW_UNMAP = EV_UNMAP, KW_PROTECT = EV_PROTECT, KW_CTX = EV_CTX, KW_VM = EV_VM,
       KW_ROI = EV_ROI, KW_OBJ = EV_OBJ };

static bool is_pc(struct tok tk)
{
	return tk.n >= 3 && !strncasecmp(tk.s, "pc=", 3);
}

static int keyword(struct tok tk)
{
	static const char *const kw[EV_KIND_NR] = {
		[EV_R] = "R", [EV_W] = "W", [EV_I] = "I", [EV_M] = "M",
		[EV_MAP] = "MAP", [EV_UNMAP] = "UNMAP", [EV_PROTECT] = "PROTECT",
		[EV_CTX] = "CTX", [EV_VM] = "VM", [EV_ROI] = "ROI", [EV_OBJ] = "OBJ",
	};
	for (int i = 0; i < EV_KIND_NR; i++)
		if (strlen(kw[i]) == tk.n && !strncasecmp(kw[i], tk.s, tk.n))
			return i;
	return -1;
}

static int va_tok(struct trace *t, struct tok tk, u64 *va)
{
	int r = parse_va(tk, va);
	if (r == -ERANGE)
		return text_err(t, "address beyond 57 bits");
	if (r < 0)
		return text_err(t, "bad address " TOKF " (expected hex)", TOKA(tk));
	return 0;
}

/* <va> <len> of MAP, UNMAP and PROTECT. */
static int region_toks(struct trace *t, const struct tok *tk, int n, struct ev *e)
{
	if (n < 2)
		return text_err(t, "missing address");
	if (va_tok(t, tk[1], &e->va) < 0)
		return t->err;
	if (n < 3)
		return text_err(t, "missing length");
	if (trace_parse_bytes(tk[2].s, tk[2].n, &e->len) < 0)
		return text_err(t, "bad length " TOKF, TOKA(tk[2]));
	if (e->len == 0)
		return text_err(t, "length 0");
	if (e->len > VA_LIMIT - e->va)
		return text_err(t, "address beyond 57 bits");
	return 0;
}

static int unhex(int c)
{
	return hex_tab[(unsigned char)c] ? hex_tab[(unsigned char)c] - 1 : -1;
}

/* OBJ <path> <bias> (<prot> <va> <len>)... : a loaded object; the path
 * has its blanks, '#' and '%' as %XX. */
static int obj_line(struct trace *t, const char *s, const char *end, struct ev *e)
{
	struct tok tk[3 + 3 * OBJ_SEG_MAX + 1];
	struct trace_obj o;
	char path[OBJ_PATH_MAX + 1];
	size_t pl = 0;
	int n = 0, i;
	u64 v;

	while (n < (int)ARRAY_SIZE(tk)) {
		while (s < end && is_blank(*s))
			s++;
		if (s == end || *s == '#')
			break;
		tk[n].s = s;
		while (s < end && !is_blank(*s))
			s++;
		tk[n].n = (size_t)(s - tk[n].s);
		n++;
	}
	if (n < 6)
		return text_err(t, "OBJ needs a path, a bias and at least one segment (prot va len)");
	if ((n - 3) % 3)
		return text_err(t, "OBJ segments come in threes (prot va len)");
	if (n == (int)ARRAY_SIZE(tk))
		return text_err(t, "OBJ has more than %d segments", OBJ_SEG_MAX);
	for (size_t k = 0; k < tk[1].n; k++) {
		int c = (unsigned char)tk[1].s[k];
		if (c == '%') {
			int h = k + 2 < tk[1].n ? unhex(tk[1].s[k + 1]) : -1, l = h >= 0 ? unhex(tk[1].s[k + 2]) : -1;
			if (l < 0 || (h == 0 && l == 0))
				return text_err(t, "bad %%XX escape in object path");
			c = h * 16 + l;
			k += 2;
		}
		if (pl == OBJ_PATH_MAX)
			return text_err(t, "object path longer than %u bytes", OBJ_PATH_MAX);
		path[pl++] = (char)c;
	}
	path[pl] = 0;
	memset(&o, 0, sizeof o);
	o.path = path;
	if (parse_va(tk[2], &o.bias) < 0 && parse_uint(tk[2], UINT64_MAX, &o.bias) < 0)
		return text_err(t, "bad object bias " TOKF " (expected hex)", TOKA(tk[2]));
	for (i = 3; i < n; i += 3) {
		struct obj_seg *g = &o.seg[o.nseg++];
		if (trace_parse_prot(tk[i].s, tk[i].n, &g->prot) < 0)
			return text_err(t, "bad protection " TOKF, TOKA(tk[i]));
		if (va_tok(t, tk[i + 1], &g->va) < 0)
			return t->err;
		if (trace_parse_bytes(tk[i + 2].s, tk[i + 2].n, &v) < 0 || v == 0)
			return text_err(t, "bad length " TOKF, TOKA(tk[i + 2]));
		if (v > VA_LIMIT - g->va)
			return text_err(t, "address beyond 57 bits");
		g->len = v;
	}
	if ((i = trace_obj_push(t, &o)) < 0)
		return text_err(t, "out of memory");
	*e = (struct ev){ .kind = EV_OBJ, .size = (u32)i };
	return 1;
}

/* Parses one line; 1 with an event, 0 for a blank line, -EINVAL. */
static int text_line(struct trace *t, const char *s, const char *end, struct ev *e)
{
	struct tok tk[TOK_MAX];
	int n = split(s, end, tk), kw, used;
	u64 id;

	if (n == 0)
		return 0;
	kw = keyword(tk[0]);
	*e = (struct ev){ 0 };
	e->kind = (u8)kw;
	switch (kw) {
	case EV_R: case EV_W: case EV_I: case EV_M:
		if (n < 2)
			return text_err(t, "missing address");
		if (va_tok(t, tk[1], &e->va) < 0)
			return t->err;
		e->size = 1;
		used = 2;
		if (n >= 3 && !is_pc(tk[2])) {
			if (parse_acc_size(tk[2], &e->size) < 0)
				return text_err(t, "bad size " TOKF " (must be 1..4096)", TOKA(tk[2]));
			used = 3;
		}
		if (e->va > VA_LIMIT - e->size)
			return text_err(t, "address beyond 57 bits");
		if (n > used && is_pc(tk[used]) && kw != EV_I) {
			struct tok v = { tk[used].s + 3, tk[used].n - 3 };
			if (va_tok(t, v, &e->pc) < 0)
				return t->err;
			used++;
		}
		break;
	case KW_OBJ:
		return obj_line(t, s, end, e);
	case KW_MAP:
		if (region_toks(t, tk, n, e) < 0)
			return t->err;
		e->prot = PERM_R | PERM_W;
		e->psize = PSZ_ANY;
		used = 3;
		if (n > used && trace_parse_psize(tk[used].s, tk[used].n, &e->psize) == 0) {
			used++;
			break;
		}
		if (n > used) {
			if (trace_parse_prot(tk[used].s, tk[used].n, &e->prot) < 0)
				return text_err(t, "bad protection or page size " TOKF, TOKA(tk[used]));
			used++;
		}
		if (n > used) {
			if (trace_parse_psize(tk[used].s, tk[used].n, &e->psize) < 0)
				return text_err(t, "bad page size " TOKF " (expected 4K, 2M, 1G, huge or any)", TOKA(tk[used]));
			used++;
		}
		break;
	case KW_UNMAP:
		if (region_toks(t, tk, n, e) < 0)
			return t->err;
		used = 3;
		break;
	case KW_PROTECT:
		if (region_toks(t, tk, n, e) < 0)
			return t->err;
		if (n < 4)
			return text_err(t, "missing protection");
		if (trace_parse_prot(tk[3].s, tk[3].n, &e->prot) < 0)
			return text_err(t, "bad protection " TOKF " (expected rwx letters or r-x style)", TOKA(tk[3]));
		used = 4;
		break;
	case KW_CTX: case KW_VM:
		if (n < 2)
			return text_err(t, "missing %s id", kw == KW_CTX ? "process" : "VM");
		if (parse_uint(tk[1], UINT32_MAX, &id) < 0)
			return text_err(t, "bad id " TOKF " (expected an integer below 2^32)", TOKA(tk[1]));
		e->size = (u32)id;
		used = 2;
		break;
	case KW_ROI:
		if (n < 2)
			return text_err(t, "missing ROI BEGIN or END");
		if (tk[1].n == 5 && !strncasecmp(tk[1].s, "BEGIN", 5))
			e->size = 1;
		else if (!(tk[1].n == 3 && !strncasecmp(tk[1].s, "END", 3)))
			return text_err(t, "bad ROI marker " TOKF " (expected BEGIN or END)", TOKA(tk[1]));
		used = 2;
		break;
	default:
		return text_err(t, "unknown keyword " TOKF, TOKA(tk[0]));
	}
	if (n > used)
		return text_err(t, "trailing junk " TOKF, TOKA(tk[used]));
	return 1;
}

int trace_text_read(struct trace *t, struct ev *buf, int max)
{
	int n = 0;
	while (n < max) {
		const char *s, *e;
		int r = trace_next_line(t, &s, &e);
		if (r == 0)
			break;
		if (r > 0)
			r = text_line(t, s, e, &buf[n]);
		if (r < 0)
			return n ? n : r;
		if (r > 0)
			trace_pos_set(t, n, t->line);
		n += r;
	}
	return n;
}

/* jsonflat.c - JSON text to (path, scalar) pairs (jsonflat.h). A
 * recursive-descent reader of RFC 8259 JSON; depth is bounded. */
#include "jsonflat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JF_DEPTH_MAX 64

struct rd {
	const char *s, *p;
	struct jf *f;
	char path[1024];
	size_t plen;
	const char *why;
	int depth;
};

static void ws(struct rd *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static int fail(struct rd *r, const char *why)
{
	if (!r->why)
		r->why = why;
	return -1;
}

static int emit(struct rd *r, char *val, bool str)
{
	struct jf *f = r->f;
	if (f->n == f->cap) {
		size_t nc = f->cap ? 2 * f->cap : 64;
		struct jf_pair *np = realloc(f->p, nc * sizeof *np);
		if (!np) {
			free(val);
			return fail(r, "out of memory");
		}
		f->p = np;
		f->cap = nc;
	}
	f->p[f->n].path = strdup(r->path);
	f->p[f->n].val = val;
	f->p[f->n].str = str;
	if (!f->p[f->n].path) {
		free(val);
		return fail(r, "out of memory");
	}
	f->n++;
	return 0;
}

/* Appends ".name" (or "name" at the top) to the path; returns the old
 * length to restore. */
static int push(struct rd *r, const char *name, size_t len, size_t *old)
{
	size_t need = r->plen + (r->plen ? 1 : 0) + len;
	if (need >= sizeof r->path)
		return fail(r, "path too long");
	*old = r->plen;
	if (r->plen)
		r->path[r->plen++] = '.';
	memcpy(r->path + r->plen, name, len);
	r->plen += len;
	r->path[r->plen] = 0;
	return 0;
}

static void pop(struct rd *r, size_t old)
{
	r->plen = old;
	r->path[old] = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads a string at r->p (at its opening quote) into a malloc'd buffer. */
static char *string(struct rd *r)
{
	const char *q = ++r->p;
	size_t n = 0;
	char *out, *o;

	while (*q && *q != '"') {
		if (*q == '\\' && q[1])
			q++;
		q++;
		n++;
	}
	if (*q != '"') {
		fail(r, "unterminated string");
		return NULL;
	}
	out = o = malloc(4 * n + 1);
	if (!out) {
		fail(r, "out of memory");
		return NULL;
	}
	while (*r->p != '"') {
		unsigned char c = (unsigned char)*r->p++;
		if (c < 0x20) {
			free(out);
			fail(r, "control character in a string");
			return NULL;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)*r->p++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = (char)c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned u = 0;
			int i;
			for (i = 0; i < 4; i++) {
				int h = hexval(r->p[i]);
				if (h < 0) {
					free(out);
					fail(r, "bad \\u escape");
					return NULL;
				}
				u = u << 4 | (unsigned)h;
			}
			r->p += 4;
			/* UTF-8 of the code unit (surrogates kept as they are) */
			if (u < 0x80) {
				*o++ = (char)u;
			} else if (u < 0x800) {
				*o++ = (char)(0xc0 | u >> 6);
				*o++ = (char)(0x80 | (u & 0x3f));
			} else {
				*o++ = (char)(0xe0 | u >> 12);
				*o++ = (char)(0x80 | ((u >> 6) & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			}
			break;
		}
		default:
			free(out);
			fail(r, "bad escape in a string");
			return NULL;
		}
	}
	r->p++;
	*o = 0;
	return out;
}

static int value(struct rd *r);

static int object(struct rd *r)
{
	r->p++;
	ws(r);
	if (*r->p == '}') {
		r->p++;
		return 0;
	}
	for (;;) {
		char *k;
		size_t old;
		int e;
		ws(r);
		if (*r->p != '"')
			return fail(r, "expected a key");
		if (!(k = string(r)))
			return -1;
		ws(r);
		if (*r->p != ':') {
			free(k);
			return fail(r, "expected ':'");
		}
		r->p++;
		e = push(r, k, strlen(k), &old);
		free(k);
		if (e || value(r))
			return -1;
		pop(r, old);
		ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == '}') {
			r->p++;
			return 0;
		}
		return fail(r, "expected ',' or '}'");
	}
}

static int array(struct rd *r)
{
	unsigned long i = 0;
	r->p++;
	ws(r);
	if (*r->p == ']') {
		r->p++;
		return 0;
	}
	for (;; i++) {
		char idx[24];
		size_t old;
		snprintf(idx, sizeof idx, "%lu", i);
		if (push(r, idx, strlen(idx), &old) || value(r))
			return -1;
		pop(r, old);
		ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == ']') {
			r->p++;
			return 0;
		}
		return fail(r, "expected ',' or ']'");
	}
}

static int number(struct rd *r)
{
	const char *q = r->p;
	char *v;
	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (*q >= '0' && *q <= '9')
			q++;
	else
		return fail(r, "unexpected character");
	if (*q == '.') {
		q++;
		if (!(*q >= '0' && *q <= '9'))
			return fail(r, "bad number");
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!(*q >= '0' && *q <= '9'))
			return fail(r, "bad number");
		while (*q >= '0' && *q <= '9')
			q++;
	}
	v = strndup(r->p, (size_t)(q - r->p));
	r->p = q;
	if (!v)
		return fail(r, "out of memory");
	return emit(r, v, false);
}

static int literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);
	char *v;
	if (strncmp(r->p, word, n))
		return fail(r, "unexpected character");
	r->p += n;
	if (!(v = strdup(word)))
		return fail(r, "out of memory");
	return emit(r, v, false);
}

static int value(struct rd *r)
{
	int e;
	ws(r);
	if (++r->depth > JF_DEPTH_MAX)
		return fail(r, "nested too deeply");
	switch (*r->p) {
	case '{': e = object(r); break;
	case '[': e = array(r); break;
	case '"': {
		char *s = string(r);
		e = s ? emit(r, s, true) : -1;
		break;
	}
	case 't': e = literal(r, "true"); break;
	case 'f': e = literal(r, "false"); break;
	case 'n': e = literal(r, "null"); break;
	default: e = number(r); break;
	}
	r->depth--;
	return e;
}

int jf_parse(struct jf *f, const char *text, char *err, size_t errlen)
{
	struct rd r = { text, text, f, "", 0, NULL, 0 };
	memset(f, 0, sizeof *f);
	if (value(&r) == 0) {
		ws(&r);
		if (!*r.p)
			return 0;
		fail(&r, "text after the value");
	}
	if (err)
		snprintf(err, errlen, "offset %ld: %s", (long)(r.p - text), r.why);
	jf_free(f);
	return -1;
}

void jf_free(struct jf *f)
{
	size_t i;
	for (i = 0; i < f->n; i++) {
		free(f->p[i].path);
		free(f->p[i].val);
	}
	free(f->p);
	memset(f, 0, sizeof *f);
}

const char *jf_get(const struct jf *f, const char *path)
{
	size_t i;
	for (i = 0; i < f->n; i++)
		if (!strcmp(f->p[i].path, path))
			return f->p[i].val;
	return NULL;
}

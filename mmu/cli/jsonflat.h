/*
 * jsonflat.h - flattens a JSON text into (dotted path, scalar) pairs, the
 * way the sweep turns each point's report into the columns of one tidy
 * CSV: {"a":{"b":1,"c":[2,3]}} gives a.b=1, a.c.0=2, a.c.1=3. Strings are
 * given unquoted and unescaped; true/false/null as those words.
 */
#ifndef MMUSIM_JSONFLAT_H
#define MMUSIM_JSONFLAT_H

#include <stdbool.h>
#include <stddef.h>

struct jf_pair {
	char *path;
	char *val;
	bool str;              /* the value was a JSON string */
};

struct jf {
	struct jf_pair *p;
	size_t n, cap;
};

/* 0, or -1 when the text is not one well-formed JSON value (then *err
 * says where, as "offset N: why"). The pairs keep the text's order. */
int jf_parse(struct jf *f, const char *text, char *err, size_t errlen);
void jf_free(struct jf *f);
/* The value at path, or NULL. */
const char *jf_get(const struct jf *f, const char *path);

#endif

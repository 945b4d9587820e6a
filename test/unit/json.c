/* json.c - see json.h. A small recursive-descent reader, enough for the
 * reports mmusim writes (objects, arrays, strings, numbers, literals). */
#include "json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *ws(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

static const char *skip_value(const char *p);

static const char *skip_string(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && !*++p)
			return NULL;
	return *p == '"' ? p + 1 : NULL;
}

static const char *skip_value(const char *p)
{
	p = ws(p);
	if (*p == '"')
		return skip_string(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = skip_string(ws(p));
				if (!p)
					return NULL;
				p = ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = skip_value(p);
			if (!p)
				return NULL;
			p = ws(p);
			if (*p == ',') {
				p++;
				continue;
			}
			return *p == close ? p + 1 : NULL;
		}
	}
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	{
		char *end;
		strtod(p, &end);
		return end == p ? NULL : end;
	}
}

bool json_valid(const char *json)
{
	const char *p = skip_value(json);
	return p && !*ws(p);
}

/* Finds the value at path; returns a pointer to its first character. */
static const char *find(const char *p, const char *path)
{
	char key[128];
	const char *dot;
	size_t n;

	while (*path) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		path += n + (dot ? 1 : 0);
		p = ws(p);
		if (*p == '{') {
			p = ws(p + 1);
			for (;;) {
				const char *k = p, *ke;
				if (*p != '"')
					return NULL;
				ke = skip_string(p);
				if (!ke)
					return NULL;
				p = ws(ke);
				if (*p++ != ':')
					return NULL;
				if ((size_t)(ke - k - 2) == n && !strncmp(k + 1, key, n))
					break;
				p = skip_value(p);
				if (!p)
					return NULL;
				p = ws(p);
				if (*p != ',')
					return NULL;
				p = ws(p + 1);
			}
		} else if (*p == '[') {
			long idx = strtol(key, NULL, 10), i;
			p = ws(p + 1);
			for (i = 0; i < idx; i++) {
				p = skip_value(p);
				if (!p)
					return NULL;
				p = ws(p);
				if (*p != ',')
					return NULL;
				p = ws(p + 1);
			}
			if (*p == ']')
				return NULL;
		} else {
			return NULL;
		}
	}
	return ws(p);
}

bool json_num(const char *json, const char *path, double *out)
{
	const char *p = find(json, path);
	char *end;
	if (!p)
		return false;
	*out = strtod(p, &end);
	return end != p;
}

bool json_has(const char *json, const char *path)
{
	return find(json, path) != NULL;
}

bool json_str_at(const char *json, const char *path, char *buf, int n)
{
	const char *p = find(json, path), *e;
	if (!p || *p != '"')
		return false;
	e = skip_string(p);
	if (!e || e - p - 2 >= n)
		return false;
	memcpy(buf, p + 1, (size_t)(e - p - 2));
	buf[e - p - 2] = 0;
	return true;
}

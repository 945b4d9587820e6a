/*
 * trace_util.h - helpers shared by test_trace.c and test_gen.c: capture of
 * standard error, reading a whole trace, file manipulation.
 */
#ifndef MMUSIM_TEST_TRACE_UTIL_H
#define MMUSIM_TEST_TRACE_UTIL_H

#include "test.h"
#include "../../workloads/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Standard error is sent to a file between cap_begin and cap_end, which
 * returns what was written (malloc'd). */
struct cap {
	int saved;
	char path[300];
};

static inline void cap_begin(struct cap *c)
{
	int fd;
	fflush(stderr);
	snprintf(c->path, sizeof c->path, "%s/stderr.cap", test_tmpdir());
	fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	c->saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

static inline char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (len)
		*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf) {
		n = (long)fread(buf, 1, (size_t)n, f);
		buf[n] = 0;
		if (len)
			*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static inline char *cap_end(struct cap *c)
{
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	return read_whole(c->path, NULL);
}

static inline int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Reads the whole trace with batches of `batch` events. Returns the last
 * trace_read result (0 at a clean end, -errno on error); *out holds the
 * events read before it (malloc'd). */
static inline int read_all(struct trace *t, int batch, struct ev **out, size_t *n)
{
	size_t cap = 1024, k = 0;
	struct ev *v = malloc(cap * sizeof *v);
	int r;
	for (;;) {
		if (cap - k < (size_t)batch) {
			cap = cap * 2 + (size_t)batch;
			v = realloc(v, cap * sizeof *v);
		}
		r = trace_read(t, v + k, batch);
		if (r <= 0)
			break;
		k += (size_t)r;
	}
	*out = v;
	*n = k;
	return r;
}

/* Opens path (fmt) and reads it all; stderr is captured into *err when err
 * is not NULL. Returns the open error or the last read result. */
static inline int load(const char *path, enum trace_fmt fmt, struct ev **out, size_t *n,
		       enum trace_fmt *got, char **err)
{
	struct trace *t;
	struct cap c;
	int r;
	*out = NULL;
	*n = 0;
	if (err)
		cap_begin(&c);
	r = trace_open(&t, path, fmt);
	if (r == 0) {
		if (got)
			*got = trace_format(t);
		r = read_all(t, 4096, out, n);
		trace_close(t);
	}
	if (err)
		*err = cap_end(&c);
	return r;
}

/* Reads a generator spec completely. */
static inline int load_gen(const char *spec, struct ev **out, size_t *n, char **err)
{
	struct trace *t;
	struct cap c;
	int r;
	*out = NULL;
	*n = 0;
	if (err)
		cap_begin(&c);
	r = trace_open_gen(&t, spec);
	if (r == 0) {
		r = read_all(t, 4096, out, n);
		trace_close(t);
	}
	if (err)
		*err = cap_end(&c);
	return r;
}

/* The generator spec must fail with -EINVAL and one stderr line starting
 * with `what`. */
static inline void expect_gen_error(const char *spec, const char *what)
{
	struct ev *v;
	size_t n;
	char *err;
	int r = load_gen(spec, &v, &n, &err);
	if (r != -EINVAL || !err || strncmp(err, what, strlen(what)) || count_lines(err) != 1)
		test_fail(__FILE__, __LINE__, "%s: r=%d [%s], want [%s]", spec, r, err ? err : "", what);
	free(v);
	free(err);
}

static inline bool ev_eq(const struct ev *a, const struct ev *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

static inline int write_events(const char *path, enum trace_fmt fmt, bool gz,
			       const struct ev *v, size_t n)
{
	struct trace_writer *w;
	int r = trace_writer_open(&w, path, fmt, gz);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++)
		r = trace_writer_put(w, &v[i]);
	if (r < 0) {
		trace_writer_close(w);
		return r;
	}
	return trace_writer_close(w);
}

static inline int truncate_copy(const char *src, const char *dst, size_t keep)
{
	size_t len;
	char *b = read_whole(src, &len);
	FILE *f;
	if (!b)
		return -1;
	f = fopen(dst, "wb");
	if (!f) {
		free(b);
		return -1;
	}
	fwrite(b, 1, MIN(keep, len), f);
	fclose(f);
	free(b);
	return 0;
}

static inline size_t file_size(const char *path)
{
	size_t len = 0;
	free(read_whole(path, &len));
	return len;
}

static inline const char *tmp_path(const char *name)
{
	static char paths[8][400];
	static int k;
	char *p = paths[k++ & 7];
	snprintf(p, 400, "%s/%s", test_tmpdir(), name);
	return p;
}

#endif

/* zin.c - see zin.h. Follows the zlib manual's inflate loop (zlib.h:
 * inflateInit2 with windowBits 15 + 16 for a gzip wrapper, inflateReset
 * between members). */
#include "zin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define ZIN_BUF (1u << 17)

struct zin {
	int fd;
	bool gzip, eof, inited, boundary;   /* boundary: between two members */
	const char *err;
	unsigned long long rd;              /* bytes read from the file */
	z_stream z;
	unsigned char in[ZIN_BUF];
};

/* More input at z->in; 1, 0 at the end of the file, -1 on a read error. */
static int refill(struct zin *z)
{
	ssize_t r;
	if (z->eof)
		return 0;
	if (z->z.avail_in && z->z.next_in != z->in)
		memmove(z->in, z->z.next_in, z->z.avail_in);
	z->z.next_in = z->in;
	do
		r = read(z->fd, z->in + z->z.avail_in, ZIN_BUF - z->z.avail_in);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0) {
		z->eof = true;
		return 0;
	}
	z->z.avail_in += (unsigned)r;
	z->rd += (unsigned long long)r;
	return 1;
}

struct zin *zin_fdopen(int fd)
{
	struct zin *z = calloc(1, sizeof *z);
	int r = 1;
	if (!z)
		return NULL;
	z->fd = fd;
	z->z.next_in = z->in;
	while (z->z.avail_in < 2 && (r = refill(z)) > 0)
		;
	if (r < 0) {
		int e = errno;
		free(z);
		errno = e;
		return NULL;
	}
	z->gzip = z->z.avail_in >= 2 && z->in[0] == 0x1f && z->in[1] == 0x8b;
	if (z->gzip) {
		if (inflateInit2(&z->z, 15 + 16) != Z_OK) {
			free(z);
			errno = ENOMEM;
			return NULL;
		}
		z->inited = true;
	}
	return z;
}

struct zin *zin_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct zin *z;
	if (fd < 0)
		return NULL;
	z = zin_fdopen(fd);
	if (!z) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return z;
}

static ssize_t read_plain(struct zin *z, unsigned char *out, size_t n)
{
	size_t got = 0;
	while (got < n) {
		size_t k;
		if (!z->z.avail_in) {
			int r = refill(z);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
		}
		k = z->z.avail_in < n - got ? z->z.avail_in : n - got;
		memcpy(out + got, z->z.next_in, k);
		z->z.next_in += k;
		z->z.avail_in -= (unsigned)k;
		got += k;
	}
	return (ssize_t)got;
}

ssize_t zin_read(struct zin *z, void *buf, size_t n)
{
	unsigned char *out = buf;
	size_t got = 0;

	if (!z->gzip)
		return read_plain(z, out, n);
	while (got < n && !z->err) {
		int r = 1;
		if (z->boundary) {
			/* another member, the end, or junk */
			while (z->z.avail_in < 2 && (r = refill(z)) > 0)
				;
			if (r < 0)
				return -1;
			if (!z->z.avail_in)
				break;                        /* clean end */
			if (z->z.avail_in < 2 || z->z.next_in[0] != 0x1f || z->z.next_in[1] != 0x8b) {
				z->err = "junk after the gzip stream";
				break;
			}
			inflateReset(&z->z);
			z->boundary = false;
		}
		if (!z->z.avail_in) {
			r = refill(z);
			if (r < 0)
				return -1;
			if (r == 0) {
				z->err = "truncated gzip stream";
				break;
			}
		}
		z->z.next_out = out + got;
		z->z.avail_out = (unsigned)(n - got > (1u << 30) ? 1u << 30 : n - got);
		r = inflate(&z->z, Z_NO_FLUSH);
		got = (size_t)(z->z.next_out - out);
		if (r == Z_STREAM_END)
			z->boundary = true;
		else if (r == Z_NEED_DICT || r == Z_DATA_ERROR || r == Z_STREAM_ERROR)
			z->err = "corrupt gzip stream";
		else if (r == Z_MEM_ERROR)
			z->err = "out of memory";
		/* Z_OK, Z_BUF_ERROR: more input or room needed; loop */
	}
	return (ssize_t)got;
}

unsigned long long zin_offset(const struct zin *z)
{
	return z->rd - z->z.avail_in;
}

const char *zin_error(const struct zin *z)
{
	return z->err;
}

void zin_close(struct zin *z)
{
	if (!z)
		return;
	if (z->inited)
		inflateEnd(&z->z);
	close(z->fd);
	free(z);
}

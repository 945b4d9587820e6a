/*
 * trace_src.c - the byte source under every trace reader: a file or
 * standard input, decompressed when it is gzip, xz or zstd.
 *
 * Notes
 *   The compression is recognised by its magic number in the first raw
 *   bytes (gzip 1f 8b, xz fd 37 7a 58 5a 00, zstd 28 b5 2f fd); anything
 *   else is read as it is. Concatenated streams (gzip members, xz streams,
 *   zstd frames) are read one after the other, as gzip -d, xz -d and
 *   zstd -d do. bzip2 ("BZh") is recognised and refused with a message.
 *   A stream cut before its end is found when the raw input ends inside
 *   it: the bytes decoded before the cut are delivered, then `cerr` is set
 *   to -EIO and `cmsg` to "truncated gzip stream" ("... xz ...", "... zstd
 *   ..."); corrupt data gives "corrupt gzip stream" and so on. The reader
 *   reports it when it reaches the tail (trace_gz_fail), so the error is
 *   one line naming the file.
 *   Does not handle: seeking, other compressors (lz4, bzip2).
 *   Sources: zlib manual (inflateInit2 windowBits 15+32 detects gzip and
 *   zlib headers); liblzma's base.h and container.h (lzma_stream_decoder,
 *   LZMA_CONCATENATED, LZMA_FINISH); zstd.h (ZSTD_decompressStream returns
 *   0 when a frame is complete); RFC 1952, the .xz file format 1.0.4 and
 *   RFC 8878 for the magic numbers.
 */
#include "trace_int.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define SRC_IN (1u << 17)

static const u8 xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
static const u8 zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/* Reads raw bytes into the input buffer (keeping the unread ones). 0 or
 * -errno after the message. */
static int raw_fill(struct trace *t)
{
	struct src *s = &t->src;
	ssize_t r;

	if (s->in_eof)
		return 0;
	if (s->in_pos) {
		memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
		s->in_len -= s->in_pos;
		s->in_pos = 0;
	}
	while (s->in_len < SRC_IN) {
		r = read(s->fd, s->in + s->in_len, SRC_IN - s->in_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			fprintf(stderr, "mmusim: %s: %s\n", t->name, strerror(e));
			return trace_fail(t, -e);
		}
		if (r == 0) {
			s->in_eof = true;
			break;
		}
		s->in_len += (size_t)r;
		s->raw_read += (u64)r;
		if (s->kind != SRC_NONE)
			break;          /* a decoder takes what it gets */
	}
	return 0;
}

static void src_broken(struct trace *t, const char *msg)
{
	t->gzerr = -EIO;
	t->gzmsg = msg;
	t->src.dead = true;
}

int trace_src_open(struct trace *t, const char *path, int fd)
{
	struct src *s = &t->src;
	int r;

	s->fd = -1;
	s->in = malloc(SRC_IN);
	if (!s->in)
		return -ENOMEM;
	s->fd = fd >= 0 ? fd : strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	if (s->fd < 0) {
		int e = errno;
		fprintf(stderr, "mmusim: %s: %s\n", t->name, strerror(e));
		return -e;
	}
	/* the magic numbers need their first 6 bytes */
	while (s->in_len < 6 && !s->in_eof)
		if ((r = raw_fill(t)) < 0)
			return r;
	if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
		s->kind = SRC_GZIP;
		if (inflateInit2(&s->z, 15 + 32) != Z_OK)
			return -ENOMEM;
	} else if (s->in_len >= 6 && !memcmp(s->in, xz_magic, 6)) {
		lzma_stream init = LZMA_STREAM_INIT;
		s->kind = SRC_XZ;
		s->x = malloc(sizeof init);
		if (!s->x)
			return -ENOMEM;
		*(lzma_stream *)s->x = init;
		if (lzma_stream_decoder(s->x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			return -ENOMEM;
	} else if (s->in_len >= 4 && !memcmp(s->in, zstd_magic, 4)) {
		s->kind = SRC_ZSTD;
		s->zs = ZSTD_createDStream();
		if (!s->zs)
			return -ENOMEM;
	} else if (s->in_len >= 3 && !memcmp(s->in, "BZh", 3)) {
		fprintf(stderr, "mmusim: %s: bzip2-compressed input is not supported "
			"(decompress it with bzip2 -d, or recompress it with xz, zstd or gzip)\n", t->name);
		return -EINVAL;
	} else {
		s->kind = SRC_NONE;
	}
	return 0;
}

const char *trace_src_kind(const struct trace *t)
{
	static const char *const n[] = { "", "gzip", "xz", "zstd" };
	return n[t->src.kind];
}

void trace_src_close(struct trace *t)
{
	struct src *s = &t->src;
	if (s->kind == SRC_GZIP)
		inflateEnd(&s->z);
	if (s->x) {
		lzma_end(s->x);
		free(s->x);
	}
	if (s->zs)
		ZSTD_freeDStream(s->zs);
	if (s->fd >= 0)
		close(s->fd);
	free(s->in);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

/* One decoding step into [dst, dst + room); returns bytes produced. */
static size_t step_gzip(struct trace *t, u8 *dst, size_t room)
{
	struct src *s = &t->src;
	z_stream *z = &s->z;
	int r;

	if (s->in_pos == s->in_len && s->in_eof) {
		if (s->mid)
			src_broken(t, "truncated gzip stream");
		s->done = true;
		return 0;
	}
	if (!s->mid && s->in_pos < s->in_len) {
		/* another member must follow, or nothing: zlib would inflate
		 * junk as a corrupt member, and gzread drops it silently */
		if (s->in_len - s->in_pos < 2 && !s->in_eof && raw_fill(t) < 0) {
			s->dead = true;
			return 0;
		}
		if (s->in[s->in_pos] != 0x1f || (s->in_len - s->in_pos >= 2 && s->in[s->in_pos + 1] != 0x8b)) {
			src_broken(t, "junk after the gzip stream");
			return 0;
		}
		inflateReset(z);
		s->mid = true;
	}
	z->next_in = s->in + s->in_pos;
	z->avail_in = (uInt)(s->in_len - s->in_pos);
	z->next_out = dst;
	z->avail_out = (uInt)room;
	r = inflate(z, Z_NO_FLUSH);
	s->in_pos = s->in_len - z->avail_in;
	if (r == Z_STREAM_END)
		s->mid = false;
	else if (r == Z_DATA_ERROR || r == Z_NEED_DICT)
		src_broken(t, "corrupt gzip stream");
	else if (r == Z_MEM_ERROR)
		src_broken(t, "out of memory decompressing gzip");
	return room - z->avail_out;
}

static size_t step_xz(struct trace *t, u8 *dst, size_t room)
{
	struct src *s = &t->src;
	lzma_stream *x = s->x;
	lzma_ret r;

	x->next_in = s->in + s->in_pos;
	x->avail_in = s->in_len - s->in_pos;
	x->next_out = dst;
	x->avail_out = room;
	r = lzma_code(x, s->in_eof ? LZMA_FINISH : LZMA_RUN);
	s->in_pos = s->in_len - x->avail_in;
	if (r == LZMA_STREAM_END)
		s->done = true;
	else if (r == LZMA_BUF_ERROR && s->in_eof)
		src_broken(t, "truncated xz stream");
	else if (r == LZMA_DATA_ERROR || r == LZMA_FORMAT_ERROR || r == LZMA_OPTIONS_ERROR)
		src_broken(t, "corrupt xz stream");
	else if (r == LZMA_MEM_ERROR || r == LZMA_MEMLIMIT_ERROR)
		src_broken(t, "out of memory decompressing xz");
	else if (r != LZMA_OK && r != LZMA_BUF_ERROR)
		src_broken(t, "corrupt xz stream");
	return room - x->avail_out;
}

static size_t step_zstd(struct trace *t, u8 *dst, size_t room)
{
	struct src *s = &t->src;
	ZSTD_inBuffer in = { s->in, s->in_len, s->in_pos };
	ZSTD_outBuffer out = { dst, room, 0 };
	size_t r;

	if (s->in_pos == s->in_len && s->in_eof) {
		if (s->mid)
			src_broken(t, "truncated zstd stream");
		s->done = true;
		return 0;
	}
	r = ZSTD_decompressStream(s->zs, &out, &in);
	s->in_pos = in.pos;
	if (ZSTD_isError(r))
		src_broken(t, "corrupt zstd stream");
	else
		s->mid = r != 0;
	return out.pos;
}

int trace_src_read(struct trace *t, u8 *dst, size_t room)
{
	struct src *s = &t->src;
	size_t got = 0;
	int r;

	while (got < room && !s->dead && !s->done) {
		size_t k;
		if (s->kind == SRC_NONE) {
			if (s->in_pos == s->in_len) {
				if (s->in_eof) {
					s->done = true;
					break;
				}
				if ((r = raw_fill(t)) < 0)
					return r;
				continue;
			}
			k = MIN(room - got, s->in_len - s->in_pos);
			memcpy(dst + got, s->in + s->in_pos, k);
			s->in_pos += k;
			got += k;
			continue;
		}
		if (s->in_pos == s->in_len && !s->in_eof && (r = raw_fill(t)) < 0)
			return r;
		if (s->kind == SRC_GZIP)
			k = step_gzip(t, dst + got, room - got);
		else if (s->kind == SRC_XZ)
			k = step_xz(t, dst + got, room - got);
		else
			k = step_zstd(t, dst + got, room - got);
		got += k;
		if (!k && s->in_pos == s->in_len && !s->in_eof && (r = raw_fill(t)) < 0)
			return r;
	}
	return (int)got;
}

/*
 * zin.h - reading a file that may be gzip-compressed, member by member.
 *
 * zlib's gzread reads concatenated gzip members, but bytes after a member
 * that do not start another member end the stream without a word: a file
 * with junk appended would be read as if it were whole. zin inflates with
 * zlib's inflate itself and calls that an error. A file that does not
 * start with the gzip magic (1f 8b) is passed through as it is.
 */
#ifndef MMUSIM_ZIN_H
#define MMUSIM_ZIN_H

#include <stddef.h>
#include <sys/types.h>

struct zin;

/* Opens path (fd: takes over fd). NULL with errno set on failure. */
struct zin *zin_open(const char *path);
struct zin *zin_fdopen(int fd);
/* Reads up to n bytes: the count, short only at the end of the input or
 * at an error of the stream (zin_error says which), or -1 with errno set
 * on a read error of the file. */
ssize_t zin_read(struct zin *z, void *buf, size_t n);
/* NULL while the stream is sound; else "truncated gzip stream", "corrupt
 * gzip stream" or "junk after the gzip stream". */
const char *zin_error(const struct zin *z);
/* Bytes of the file consumed so far (compressed bytes for gzip). */
unsigned long long zin_offset(const struct zin *z);
void zin_close(struct zin *z);

#endif

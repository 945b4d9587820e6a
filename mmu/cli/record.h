/*
 * record.h - running a program under the recorder (record.c).
 */
#ifndef MMUSIM_RECORD_H
#define MMUSIM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Starts argv[0] (looked up in PATH) under qemu-x86_64 with the recorder
 * writing to trace_fd; the program's stdout goes to stderr when
 * stdout_to_stderr. *pid is the child, prog its resolved path. 0 or
 * -errno after one message. */
int record_spawn(char *const *argv, int trace_fd, bool stdout_to_stderr, pid_t *pid, char *prog, size_t progn);
/* Waits for the child: 0 when it exited (a non-zero status is a warning),
 * -errno when it was killed or could not run. */
int record_wait(pid_t pid, const char *prog);
/* `mmusim record [-o OUT] -- PROG ARGS`: OUT "-" or NULL is standard
 * output; a ".zst" or ".gz" OUT is compressed. 0 or -errno. */
int record_main(const char *out, char *const *argv);

#endif

/*
 * harness.h - the fuzz targets: one function per parser, each taking an
 * arbitrary byte string. They are linked into libFuzzer binaries by
 * test/fuzz/libfuzzer.c (`make fuzz`) and into the test runner, which
 * replays the kept corpus test/fuzz/TARGET/ (test/unit/test_fuzz.c).
 *
 * A target may reject its input (one error line on stderr); it must never
 * crash, leak, hang or trip a sanitizer. Work per input is bounded
 * (FUZZ_EVENTS_MAX events read, FUZZ_INPUT_MAX bytes looked at) so that a
 * valid generator spec asking for 10^15 events is not a hang.
 */
#ifndef MMUSIM_FUZZ_HARNESS_H
#define MMUSIM_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_EVENTS_MAX 20000
#define FUZZ_INPUT_MAX (1 << 16)

struct fuzz_target {
	const char *name;       /* also the corpus folder test/fuzz/NAME/ */
	int (*fn)(const uint8_t *data, size_t size);
};

extern const struct fuzz_target fuzz_targets[];
extern const int fuzz_ntargets;

int fuzz_trace_text(const uint8_t *data, size_t size);
int fuzz_trace_bin(const uint8_t *data, size_t size);
int fuzz_trace_lackey(const uint8_t *data, size_t size);
int fuzz_ini(const uint8_t *data, size_t size);
int fuzz_override(const uint8_t *data, size_t size);
int fuzz_gen(const uint8_t *data, size_t size);
int fuzz_cluster(const uint8_t *data, size_t size);
int fuzz_vmtrace(const uint8_t *data, size_t size);
int fuzz_backing(const uint8_t *data, size_t size);
int fuzz_sim(const uint8_t *data, size_t size);

#endif

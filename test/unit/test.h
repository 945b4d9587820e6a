/*
 * test.h - the mmusim test runner.
 *
 * Each test_<module>.c defines tests with TEST(name) { ... }; they register
 * themselves at start-up and the one runner (test/unit/runner.c) runs them
 * all, or those whose name contains argv[1], and ends with the line
 * "N passed, N failed". Each test runs in a child process of its own, one
 * per core side by side (TEST_JOBS=N sets how many), with a scratch folder
 * of its own (test_tmpdir()); reports are printed in registration order,
 * and a test that crashes fails alone. CHECK* record a failure with file and line and let
 * the test go on; REQUIRE* stop the test.
 */
#ifndef MMUSIM_TEST_H
#define MMUSIM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "../../mmu/util/types.h"

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};
void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
extern int test_failed_now;   /* set when the running test failed */

#define TEST(nm)                                                              \
	static void test_##nm(void);                                          \
	static struct test_case tc_##nm = { #nm, test_##nm, NULL };           \
	__attribute__((constructor)) static void reg_##nm(void) { test_register(&tc_##nm); } \
	static void test_##nm(void)

#define CHECK(c) do { if (!(c)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #c); } while (0)
#define REQUIRE(c) do { if (!(c)) { test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #c); return; } } while (0)
#define CHECK_EQ(a, b) do { u64 a_ = (u64)(a), b_ = (u64)(b); if (a_ != b_)        \
	test_fail(__FILE__, __LINE__, "%s == %s: %" PRIu64 " (0x%" PRIx64 ") != %" PRIu64 " (0x%" PRIx64 ")", \
		  #a, #b, a_, a_, b_, b_); } while (0)
#define REQUIRE_EQ(a, b) do { u64 a_ = (u64)(a), b_ = (u64)(b); if (a_ != b_) {   \
	test_fail(__FILE__, __LINE__, "%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, a_, b_); return; } } while (0)
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b), t_ = (tol);            \
	if (!(a_ - b_ <= t_ && b_ - a_ <= t_))                                         \
	test_fail(__FILE__, __LINE__, "%s ~ %s: %g vs %g (tol %g)", #a, #b, a_, b_, t_); } while (0)
#define CHECK_STR_EQ(a, b) do { const char *a_ = (a), *b_ = (b);                   \
	if (!a_ || !b_ || strcmp(a_, b_)) test_fail(__FILE__, __LINE__, "[%s] != [%s]",   \
						   a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_STR_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
	if (!h_ || !strstr(h_, n_)) test_fail(__FILE__, __LINE__, "%s does not contain \"%s\": [%s]", #hay, n_, h_ ? h_ : "(null)"); } while (0)

/* Runs a shell command; captures stdout and stderr (malloc'd, NUL-ended;
 * caller frees) and returns the exit status (or -1). */
int test_run(const char *cmd, char **out, char **err);
/* Path of the mmusim binary under test (build dir of this runner). */
const char *test_mmusim(void);
/* A fresh scratch directory for this test run (removed at exit). */
const char *test_tmpdir(void);
/* Writes text to a file under test_tmpdir(); returns its path (static buf rotating). */
const char *test_write_file(const char *name, const char *text);

#endif

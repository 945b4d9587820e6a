/* cli_util.h - helpers of the tests that run the mmusim command. */
#ifndef MMUSIM_TEST_CLI_UTIL_H
#define MMUSIM_TEST_CLI_UTIL_H

#include "test.h"

/* Newlines in s. */
int cli_lines(const char *s);
/* Runs mmusim with args; checks the exit status, that stderr is exactly
 * one line, and that it contains each needle (NULL: none). */
void bad(const char *args, int want_status, const char *needle1, const char *needle2);
/* Runs mmusim with args, which must succeed; its stdout (malloc'd). */
char *run_ok(const char *args);
/* The number at a dotted path of a JSON text (a failure if absent). */
double num(const char *json, const char *path);

#endif

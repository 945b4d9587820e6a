/* cli_util.c - see cli_util.h. */
#include "cli_util.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

int cli_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Runs mmusim with args; checks exit status, that stderr is exactly one
 * line, and that it contains each of the needles. */
void bad(const char *args, int want_status, const char *needle1, const char *needle2)
{
	char cmd[2048], *out = NULL, *err = NULL;
	int st;
	snprintf(cmd, sizeof cmd, "%s %s", test_mmusim(), args);
	st = test_run(cmd, &out, &err);
	if (st != want_status)
		test_fail(__FILE__, __LINE__, "`%s`: exit %d, want %d (stderr: %s)", args, st, want_status, err);
	if (cli_lines(err) != 1)
		test_fail(__FILE__, __LINE__, "`%s`: stderr has %d lines, want 1: [%s]", args, cli_lines(err), err);
	if (needle1)
		CHECK_STR_CONTAINS(err, needle1);
	if (needle2)
		CHECK_STR_CONTAINS(err, needle2);
	free(out);
	free(err);
}

char *run_ok(const char *args)
{
	char cmd[4096], *out = NULL, *err = NULL;
	int st;
	snprintf(cmd, sizeof cmd, "%s %s", test_mmusim(), args);
	st = test_run(cmd, &out, &err);
	if (st != 0)
		test_fail(__FILE__, __LINE__, "`%s`: exit %d (stderr: %s)", args, st, err);
	free(err);
	return out;
}

double num(const char *json, const char *path)
{
	double v = -1;
	if (!json_num(json, path, &v))
		test_fail(__FILE__, __LINE__, "no number at %s", path);
	return v;
}


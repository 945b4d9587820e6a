/* runner.c - runs every registered test; see test.h. */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct test_case *head, **tail = &head;
int test_failed_now;
static const char *cur_name;
static char tmpdir[256];
static char mmusim_path[512];

void test_register(struct test_case *tc)
{
	*tail = tc;
	tail = &tc->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	if (test_failed_now >= 20)
		return;             /* one broken loop must not flood the log */
	fprintf(stdout, "  FAIL %s: %s:%d: ", cur_name, file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	test_failed_now++;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = (long)fread(buf, 1, (size_t)n, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

int test_run(const char *cmd, char **out, char **err)
{
	char o[300], e[300], *full;
	int st;
	snprintf(o, sizeof o, "%s/cmd.out", tmpdir);
	snprintf(e, sizeof e, "%s/cmd.err", tmpdir);
	if (asprintf(&full, "( %s ) >%s 2>%s </dev/null", cmd, o, e) < 0)
		return -1;
	st = system(full);
	free(full);
	if (out)
		*out = slurp(o);
	if (err)
		*err = slurp(e);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

const char *test_mmusim(void) { return mmusim_path; }
const char *test_tmpdir(void) { return tmpdir; }

const char *test_write_file(const char *name, const char *text)
{
	static char paths[8][400];
	static int k;
	char *p = paths[k++ & 7];
	FILE *f;
	snprintf(p, 400, "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	if (!f)
		return p;
	fputs(text, f);
	fclose(f);
	return p;
}

static void cleanup(void)
{
	char cmd[300];
	if (tmpdir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;
	char self[480];
	ssize_t n;
	struct test_case *tc;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/mmusim-test.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	if (strrchr(self, '/'))
		*strrchr(self, '/') = 0;
	snprintf(mmusim_path, sizeof mmusim_path, "%s/mmusim", self);
	if (getenv("MMUSIM"))
		snprintf(mmusim_path, sizeof mmusim_path, "%s", getenv("MMUSIM"));

	for (tc = head; tc; tc = tc->next) {
		struct timespec t0, t1;
		double ms;
		if (filter && !strstr(tc->name, filter))
			continue;
		cur_name = tc->name;
		test_failed_now = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		tc->fn();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (test_failed_now) {
			failed++;
			printf("FAIL %s (%.0f ms)\n", tc->name, ms);
		} else {
			passed++;
			printf("ok   %s (%.0f ms)\n", tc->name, ms);
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

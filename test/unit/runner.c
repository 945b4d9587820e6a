/* runner.c - runs every registered test; see test.h. */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>

static struct test_case *head, **tail = &head;
int test_failed_now;
static const char *cur_name;
static char tmpdir[512];
static char mmusim_path[512];
static char base_tmpdir[256];   /* the run's; tmpdir is the test's own below it */

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
	char o[600], e[600], *full;
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
	static char paths[8][800];
	static int k;
	char *p = paths[k++ & 7];
	FILE *f;
	snprintf(p, 800, "%s/%.200s", tmpdir, name);
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
	if (base_tmpdir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", base_tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", base_tmpdir);
	}
}

/* One test in a child process of its own: its scratch folder is
 * tmpdir/NAME, its report lines go to a file the parent prints in order,
 * and a crash fails that test alone. */
struct job {
	struct test_case *tc;
	pid_t pid;
	char log[400];
	struct timespec t0;
	double ms;
	int status;
	bool done;
};


static void job_start(struct job *j)
{
	fflush(stdout);
	snprintf(j->log, sizeof j->log, "%s/.log.%s", base_tmpdir, j->tc->name);
	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	j->pid = fork();
	if (j->pid < 0) {
		perror("fork");
		exit(1);
	}
	if (j->pid == 0) {
		int len = snprintf(tmpdir, sizeof tmpdir, "%s/%s", base_tmpdir, j->tc->name);
		if (len < 0 || (size_t)len >= sizeof tmpdir || mkdir(tmpdir, 0700) || !freopen(j->log, "w", stdout))
			_exit(2);
		cur_name = j->tc->name;
		test_failed_now = 0;
		j->tc->fn();
		fflush(stdout);
		_exit(test_failed_now ? 1 : 0);
	}
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, running = 0, jobs = 2;
	const char *filter = argc > 1 ? argv[1] : NULL;
	char self[480];
	ssize_t n;
	struct test_case *tc;
	struct job *js;
	size_t nj = 0, next = 0, shown = 0, i;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(base_tmpdir, sizeof base_tmpdir, "/tmp/mmusim-test.XXXXXX");
	if (!mkdtemp(base_tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(tmpdir, sizeof tmpdir, "%s", base_tmpdir);
	atexit(cleanup);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	if (strrchr(self, '/'))
		*strrchr(self, '/') = 0;
	snprintf(mmusim_path, sizeof mmusim_path, "%s/mmusim", self);
	if (getenv("MMUSIM"))
		snprintf(mmusim_path, sizeof mmusim_path, "%s", getenv("MMUSIM"));
	/* tests run side by side, one per core (TEST_JOBS overrides) */
	if (ncpu > 0)
		jobs = (int)ncpu;
	if (getenv("TEST_JOBS") && atoi(getenv("TEST_JOBS")) > 0)
		jobs = atoi(getenv("TEST_JOBS"));

	for (tc = head; tc; tc = tc->next)
		if (!filter || strstr(tc->name, filter))
			nj++;
	js = calloc(nj ? nj : 1, sizeof *js);
	if (!js)
		return 1;
	for (i = 0, tc = head; tc; tc = tc->next)
		if (!filter || strstr(tc->name, filter))
			js[i++].tc = tc;
	while (shown < nj) {
		pid_t pid;
		int st;
		while (running < jobs && next < nj) {
			job_start(&js[next++]);
			running++;
		}
		pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			perror("wait");
			return 1;
		}
		for (i = 0; i < next; i++)
			if (js[i].pid == pid && !js[i].done) {
				struct timespec t1;
				clock_gettime(CLOCK_MONOTONIC, &t1);
				js[i].ms = (double)(t1.tv_sec - js[i].t0.tv_sec) * 1e3 +
					   (double)(t1.tv_nsec - js[i].t0.tv_nsec) / 1e6;
				js[i].status = st;
				js[i].done = true;
				running--;
			}
		/* report finished tests in registration order */
		while (shown < nj && js[shown].done) {
			struct job *j = &js[shown++];
			char *text = slurp(j->log);
			bool ok = WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0;
			if (text) {
				fputs(text, stdout);
				free(text);
			}
			if (ok) {
				passed++;
				printf("ok   %s (%.0f ms)\n", j->tc->name, j->ms);
			} else {
				failed++;
				if (WIFSIGNALED(j->status))
					printf("  FAIL %s: killed by signal %d\n", j->tc->name, WTERMSIG(j->status));
				printf("FAIL %s (%.0f ms)\n", j->tc->name, j->ms);
			}
			fflush(stdout);
		}
	}
	free(js);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

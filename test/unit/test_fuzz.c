/*
 * test_fuzz.c - replays the kept fuzz corpus: every file of test/fuzz/NAME/
 * through the target NAME of test/fuzz/harness.h. An input that crashes,
 * leaks or trips a sanitizer (under `make check`) fails the run; the
 * error lines the parsers print for rejected inputs go to /dev/null.
 */
#include "test.h"
#include "../fuzz/harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static int replay_file(const struct fuzz_target *t, const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 20];
	size_t n;
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	t->fn(buf, n);
	return 0;
}

static int replay_dir(const struct fuzz_target *t, int *files)
{
	char dir[300], path[700];
	struct dirent *d;
	DIR *dp;
	int bad = 0;
	snprintf(dir, sizeof dir, "test/fuzz/%s", t->name);
	dp = opendir(dir);
	if (!dp)
		return -1;
	while ((d = readdir(dp)))
		if (d->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
			bad |= replay_file(t, path);
			++*files;
		}
	closedir(dp);
	return bad;
}

TEST(fuzz_corpus_replays)
{
	int i, err_fd, null_fd;
	fflush(stderr);
	err_fd = dup(2);
	null_fd = open("/dev/null", O_WRONLY);
	REQUIRE(err_fd >= 0 && null_fd >= 0);
	for (i = 0; i < fuzz_ntargets; i++) {
		int files = 0, r;
		dup2(null_fd, 2);
		r = replay_dir(&fuzz_targets[i], &files);
		fflush(stderr);
		dup2(err_fd, 2);
		if (r)
			test_fail(__FILE__, __LINE__, "test/fuzz/%s: cannot be read", fuzz_targets[i].name);
		/* every target keeps at least its seeds */
		if (files < 1)
			test_fail(__FILE__, __LINE__, "test/fuzz/%s: no corpus", fuzz_targets[i].name);
	}
	close(null_fd);
	close(err_fd);
}

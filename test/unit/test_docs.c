/*
 * test_docs.c - every command shown in README.md and the docs/ documents runs.
 *
 * A command is a line of a ```sh block (a trailing backslash continues
 * it); ```text blocks show forms and outputs and are not run. Each block
 * runs as one shell script (`set -e`, so any failing command fails it) in
 * a scratch directory holding the inputs the documents assume: trace.txt
 * and trace.bin (the README's recorded traces), configs/ and docs/ (links
 * to the shipped profiles and to the documents, for the plan of the
 * README's study). `build/mmusim` and a leading `mmusim` name the binary
 * under test. To keep the suite fast, counts above 20000 in a generator's
 * `n=` and in --warmup, --measure, --interval and compact_after are
 * divided by 100: the commands, options and inputs are the documents'
 * own, only shorter. `make` lines are the suite's own entry points (`make
 * test` would run this test again): `make demo` runs as `mmusim demo`,
 * the other targets are not run here. docs/studies.md has a runner of
 * its own (docs_studies_commands in test_sweep.c: its plan, a Slurm
 * cluster) and is skipped here.
 */
#include "test.h"

#include <ctype.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends s[0..n) to the growing buffer b. */
static void put(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*b = realloc(*b, *cap);
		SIM_BUG_ON(!*b);
	}
	memcpy(*b + *len, s, n);
	*len += n;
	(*b)[*len] = 0;
}

/* A count as the documents write it (digits, optional K/M/G), scaled. */
static size_t scaled_count(const char *p, char *out, size_t n)
{
	size_t i = 0;
	u64 v;
	while (isdigit((unsigned char)p[i]))
		i++;
	if (i && strchr("KMGkmg", p[i]) && p[i])
		i++;
	if (!i || parse_count_n(p, i, &v)) {
		out[0] = 0;
		return 0;
	}
	snprintf(out, n, "%llu", (unsigned long long)(v > 20000 ? (v / 100 > 100 ? v / 100 : 100) : v));
	return i;
}

/* The command line of the documents, made runnable here. */
static void rewrite(const char *line, char **b, size_t *len, size_t *cap)
{
	static const char *const keys[] = { "n=", "--warmup ", "--measure ", "--interval ", "compact_after=" };
	const char *p = line;
	if (!strncmp(line, "make demo", 9)) {
		put(b, len, cap, test_mmusim(), strlen(test_mmusim()));
		put(b, len, cap, " demo >/dev/null", 16);
		return;
	}
	if (!strncmp(line, "make ", 5))
		return;
	while (*p) {
		size_t k, used = 0;
		if (!strncmp(p, "build/mmusim", 12) || (p == line && !strncmp(p, "mmusim ", 7))) {
			put(b, len, cap, test_mmusim(), strlen(test_mmusim()));
			p += p[0] == 'b' ? 12 : 6;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(keys) && !used; k++) {
			size_t kl = strlen(keys[k]);
			char num[32];
			if (!strncmp(p, keys[k], kl) && (p == line || !isalnum((unsigned char)p[-1]))) {
				size_t nl = scaled_count(p + kl, num, sizeof num);
				if (nl) {
					put(b, len, cap, p, kl);
					put(b, len, cap, num, strlen(num));
					used = kl + nl;
				}
			}
		}
		if (used) {
			p += used;
			continue;
		}
		put(b, len, cap, p, 1);
		p++;
	}
}

static void run_block(const char *file, int line, const char *script, const char *dir)
{
	char *cmd = NULL, *err = NULL;
	if (asprintf(&cmd, "cd %s && set -e && %s", dir, script) < 0)
		return;
	if (test_run(cmd, NULL, &err) != 0)
		test_fail(__FILE__, __LINE__, "%s:%d: a command of this block fails:\n%s\nstderr: %s", file, line, script,
			  err ? err : "");
	free(cmd);
	free(err);
}

static int run_file(const char *file, const char *dir)
{
	FILE *f = fopen(file, "r");
	char line[4096], *b = NULL;
	size_t len = 0, cap = 0;
	int ln = 0, start = 0, blocks = 0;
	bool in_sh = false, in_other = false;

	if (!f) {
		test_fail(__FILE__, __LINE__, "%s: cannot open", file);
		return 0;
	}
	while (fgets(line, sizeof line, f)) {
		ln++;
		if (!strncmp(line, "```", 3)) {
			if (in_sh) {
				run_block(file, start, b ? b : "", dir);
				blocks++;
				in_sh = false;
			} else if (in_other) {
				in_other = false;
			} else if (!strncmp(line + 3, "sh\n", 3)) {
				in_sh = true;
				start = ln;
				len = 0;
				if (b)
					b[0] = 0;
			} else {
				in_other = true;
			}
			continue;
		}
		if (in_sh) {
			line[strcspn(line, "\n")] = 0;
			rewrite(line, &b, &len, &cap);
			put(&b, &len, &cap, "\n", 1);
		}
	}
	fclose(f);
	free(b);
	if (in_sh)
		test_fail(__FILE__, __LINE__, "%s:%d: unterminated ```sh block", file, start);
	return blocks;
}

TEST(docs_commands_run)
{
	char dir[600], cwd[400], cmd[2400];
	glob_t g;
	size_t i;
	int blocks = 0;

	REQUIRE(getcwd(cwd, sizeof cwd));
	snprintf(dir, sizeof dir, "%s/docs-run", test_tmpdir());
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s && cd %s && ln -sfn %s/configs configs && ln -sfn %s/docs docs && "
		 "printf 'MAP 0x7f0000000000 16M rw-\\nR 0x7f0000000010 8\\nW 0x7f0000001000 8\\nI 0x400000 4\\n' > trace.txt && "
		 "%s gen 'zipf:footprint=64M,n=20000,seed=7' -o trace.bin",
		 dir, dir, cwd, cwd, test_mmusim());
	REQUIRE(test_run(cmd, NULL, NULL) == 0);
	blocks += run_file("README.md", dir);
	REQUIRE(glob("docs/*.md", 0, NULL, &g) == 0);
	for (i = 0; i < g.gl_pathc; i++)
		if (strcmp(g.gl_pathv[i], "docs/studies.md"))
			blocks += run_file(g.gl_pathv[i], dir);
	globfree(&g);
	/* the documents do show commands */
	CHECK(blocks >= 15);
}

/*
 * test_layout.c - the source layout: folders include only headers of the
 * folders below them (test/tools/layers.sh, over the Makefile's SRC_DIRS),
 * so there is no include cycle between folders, and the functional machine
 * never includes the MMU instance or the walkers.
 */
#include "test.h"

#include <stdlib.h>

TEST(layout_no_include_cycle)
{
	char *out = NULL, *err = NULL;
	int st = test_run("sh test/tools/layers.sh", &out, &err);
	CHECK_EQ(st, 0);
	CHECK(out && !out[0]);
	free(out);
	free(err);
}

/* The check itself fails on a tree that breaks the order, naming the
 * include: a folder listed first includes one listed after it. */
TEST(layout_check_finds_upward_include)
{
	char cmd[1200], *out = NULL;
	const char *d = test_tmpdir();
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s/lay/lo %s/lay/hi && printf 'SRC_DIRS := lo hi\\n' > %s/lay/Makefile && "
		 "printf '#include \"../hi/b.h\"\\n' > %s/lay/lo/a.h && printf '#include \"../lo/a.h\"\\n' > %s/lay/hi/b.h && "
		 "sh test/tools/layers.sh %s/lay", d, d, d, d, d, d);
	CHECK_EQ(test_run(cmd, &out, NULL), 1);
	CHECK_STR_CONTAINS(out, "lo/a.h includes hi/b.h");
	free(out);
}

/* Every model file opens with its model notes and has at most 700 lines
 * (test/tools/model_files.sh). */
TEST(layout_model_files)
{
	char *out = NULL;
	CHECK_EQ(test_run("sh test/tools/model_files.sh", &out, NULL), 0);
	CHECK(out && !out[0]);
	free(out);
}

/* ... and the check fails on a model file without notes or too long. */
TEST(layout_model_files_check_fails)
{
	char cmd[1200], *out = NULL;
	const char *d = test_tmpdir();
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s/mf/walkers %s/mf/tlb && printf '/* x.c - no notes */\\nint x;\\n' > %s/mf/walkers/x.c && "
		 "printf '/*\\n * y.c\\n *\\n * Model notes\\n *   all\\n */\\n' > %s/mf/tlb/y.c && seq 800 >> %s/mf/tlb/y.c && "
		 "sh test/tools/model_files.sh %s/mf", d, d, d, d, d, d);
	CHECK_EQ(test_run(cmd, &out, NULL), 1);
	CHECK_STR_CONTAINS(out, "walkers/x.c does not open with model notes");
	CHECK_STR_CONTAINS(out, "tlb/y.c has 806 lines");
	free(out);
}

/*
 * sweep_int.h - what the sweep's plan reader (sweep_plan.c) and its
 * engines (sweep.c) share; not for other users.
 */
#ifndef MMUSIM_SWEEP_INT_H
#define MMUSIM_SWEEP_INT_H

#include "../util/types.h"

#include <limits.h>
#include <stdio.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define SWEEP_POINTS_MAX 1000000u
#define SWEEP_AXES_MAX 8
#define SWEEP_VALUES_MAX 4096

struct axis {
	char *key;             /* section.key as the plan gives it */
	char **val;
	int nval, line;
};

struct workload {
	char *name;
	bool gen;              /* gen:SPEC, else file:PATH */
	char *spec;            /* the spec, or the absolute path */
	int line;
};

struct plan {
	char path[PATH_MAX];   /* absolute */
	char dir[PATH_MAX];
	char results[PATH_MAX];
	char *walkers, *config, *warmup, *measure;
	int walkers_line;
	bool zip;
	char **set;            /* "section.key=value" */
	int *set_line, nset;
	struct axis ax[SWEEP_AXES_MAX];
	int nax;
	struct workload *wl;
	int nwl;
	u64 ncombos, npoints;
};

char *xstrdup(const char *s);
void *xrealloc(void *p, size_t n);
char *trim(char *s);
bool file_exists(const char *path);
int mkdir_p(const char *path);
char *slurp(const char *path, size_t *len);
char *plan_abs(const struct plan *p, const char *rel);
int combo_overrides(const struct plan *p, u64 c, char **ovr, char **src);
void free_strv(char **v, int n);
const char *combo_value(const struct plan *p, u64 c, int i);
void plan_free(struct plan *p);
int plan_load(struct plan *p, const char *path);

#endif

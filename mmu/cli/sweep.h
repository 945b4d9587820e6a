/*
 * sweep.h - `mmusim sweep` (parameter sweeps over workloads x axes, one
 * `compare` per point, on this machine, through GNU parallel or as a Slurm
 * job array, gathered into one tidy CSV) and `mmusim plot` (gnuplot
 * figures from that CSV). docs/studies.md walks through a study.
 */
#ifndef MMUSIM_SWEEP_H
#define MMUSIM_SWEEP_H

/* Exit statuses: 0, 1 (runtime error, message printed), 2 (usage). */
int cmd_sweep(int argc, char **argv);
int cmd_plot(int argc, char **argv);
/* "mmusim: CMD: " + fmt (with arg) + " (see 'mmusim help CMD')" on
 * standard error; returns the usage status 2. */
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);
/* Runs argv (searched in PATH), its standard output to file out and its
 * standard error to file err when given; waits. Its exit status (127: it
 * could not run), or -1. */
int spawn_wait(char *const *av, const char *out, const char *err);

#endif

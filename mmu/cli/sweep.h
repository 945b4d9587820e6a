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

#endif

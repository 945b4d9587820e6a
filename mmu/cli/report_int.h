/*
 * report_int.h - helpers the report writers (report.c, report_csv.c)
 * share. Not for other modules.
 */
#ifndef MMUSIM_REPORT_INT_H
#define MMUSIM_REPORT_INT_H

#include "../sim.h"

extern const char *const rpt_pwc_level_name[PT_LEVELS_MAX + 1];   /* "pd" ... "pml5" by level */
extern const char *const rpt_acc_name[ACC_NR];                    /* "R" "W" "I" "M" */
/* a / b, 0 when b is 0. */
double rpt_ratio(u64 a, u64 b);
/* Lower bound (cycles) of walk-latency histogram bucket b. */
u64 rpt_hist_lo(int b);
/* Accesses of one instance's counters; VMM interventions over the causes of v. */
u64 rpt_c_accesses(const struct mmu_counters *c);
u64 rpt_c_vmm_total(const u64 *v);
/* The native walker's index, or -1. */
int rpt_native_index(const struct sim *s);
/* Instance i's estimated cycles over native's and over the best other
 * walker's (0 when there is none). */
void rpt_exec_rel(const struct sim *s, const struct sim_view *v, int i, double *vs_native, double *vs_best);
/* "trace", "measure", "interrupted", "truncated". */
const char *rpt_end_name(enum sim_end e);
/* Counted accesses at the end of interval record k. */
u64 rpt_interval_end(const struct sim *s, u64 k);

#endif

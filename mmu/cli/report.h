/*
 * report.h - the reports of a simulation: the text table, the JSON object
 * and the rendering of a walk log (`explain`). The model never prints;
 * these read its counters and logs.
 */
#ifndef MMUSIM_REPORT_H
#define MMUSIM_REPORT_H

#include <stdio.h>
#include "../sim.h"

/* Deterministic: same input, same bytes. */
void sim_report_text(const struct sim *s, FILE *f);
void sim_report_json(const struct sim *s, FILE *f);
/* Writes s as a JSON string (quotes, escapes). */
void json_put_str(FILE *f, const char *s);
/* Renders the last walk log of instance i (for `explain`). */
void sim_explain_log(const struct sim *s, int i, FILE *f);

#endif

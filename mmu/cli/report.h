/*
 * report.h - the reports of a simulation: the text table, the JSON object
 * and the rendering of a walk log (`explain`). The model never prints;
 * these read its counters and logs.
 */
#ifndef MMUSIM_REPORT_H
#define MMUSIM_REPORT_H

#include <stdio.h>
#include "../sim.h"

/* What a report says about where it came from (docs/model.md, "Results
 * that describe themselves"). */
struct sim_prov {
	const char *version;        /* git describe at build time */
	int argc;
	char **argv;                /* the full command line */
	bool have_size, have_hash;  /* files (not standard input, not generators) */
	u64 trace_bytes;            /* the file's size */
	u64 trace_hash;             /* FNV-1a 64 of its bytes (of the spec for a generator) */
};
extern const char mmusim_version[];

/* Deterministic: same input, same bytes. p may be NULL (no command line,
 * no trace fingerprint). */
void sim_report_text(const struct sim *s, const struct sim_prov *p, FILE *f);
void sim_report_json(const struct sim *s, const struct sim_prov *p, FILE *f);
/* One CSV row per walker (per interval with --interval), a header row. */
void sim_report_csv(const struct sim *s, const struct sim_prov *p, FILE *f);
/* Writes s as a JSON string (quotes, escapes). */
void json_put_str(FILE *f, const char *s);
/* Renders the last walk log of instance i (for `explain`). */
void sim_explain_log(const struct sim *s, int i, FILE *f);

#endif

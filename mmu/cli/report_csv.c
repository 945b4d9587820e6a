/*
 * report_csv.c - the CSV report: a header row, then one row per walker
 * (per walker per interval with --interval). Stable column names:
 * provenance, the window, the walker and interval, every counter of the
 * JSON walker object flattened, the execution-time estimate, then one
 * cfg.SECTION.KEY column per configuration key (docs/model.md, "Time
 * series"). Every row has every column, whatever the walker, so rows of
 * different runs stack into one table.
 */
#include "report.h"
#include "report_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A column: header name and value of walker wi in view v. */
struct csv_out {
	FILE *f;
	bool header;
	int col;
};

static void csv_cell_s(struct csv_out *o, const char *name, const char *val)
{
	const char *p;
	if (o->col++)
		fputc(',', o->f);
	if (o->header) {
		fputs(name, o->f);
		return;
	}
	if (!strpbrk(val, ",\"\n\r")) {
		fputs(val, o->f);
		return;
	}
	fputc('"', o->f);
	for (p = val; *p; p++) {
		if (*p == '"')
			fputc('"', o->f);
		fputc(*p, o->f);
	}
	fputc('"', o->f);
}

static void csv_cell_u(struct csv_out *o, const char *name, u64 v)
{
	char b[32];
	snprintf(b, sizeof b, "%" PRIu64, v);
	csv_cell_s(o, name, b);
}

static void csv_cell_d(struct csv_out *o, const char *name, double v)
{
	char b[64];
	snprintf(b, sizeof b, "%.6f", v);
	csv_cell_s(o, name, b);
}

static void csv_cfg_kv(const char *sec, const char *key, const char *val, void *arg)
{
	char name[128];
	snprintf(name, sizeof name, "cfg.%s.%s", sec, key);
	csv_cell_s(arg, name, val);
}

static void csv_row(const struct sim *s, const struct sim_prov *p, struct csv_out *o, int wi,
		    const struct sim_view *v, s64 interval, u64 first, u64 last)
{
	const struct mmu_counters *c = &v->w[wi];
	const struct mmu_stats *st = &c->st;
	static const char *const tn[TLB_NR] = { "l1i", "l1d", "l2" };
	struct sim_exec e;
	char name[64], cmd[4096] = "", hash[32] = "";
	double vn, vb;
	int i, l;

	o->col = 0;
	for (i = 0; p && i < p->argc; i++)
		snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%s%s", i ? " " : "", p->argv[i]);
	if (p && p->have_hash)
		snprintf(hash, sizeof hash, "fnv1a64:%016" PRIx64, p->trace_hash);
	csv_cell_s(o, "version", p ? p->version : mmusim_version);
	csv_cell_s(o, "command", cmd);
	csv_cell_s(o, "trace", s->trace_name ? s->trace_name : "");
	csv_cell_s(o, "trace_format", s->trace_format ? s->trace_format : "");
	if (p && p->have_size)
		csv_cell_u(o, "trace_bytes", p->trace_bytes);
	else
		csv_cell_s(o, "trace_bytes", "");
	csv_cell_s(o, "trace_hash", hash);
	csv_cell_u(o, "warmup", s->win.warmup_instr ? s->win.warmup_instr : s->win.warmup);
	csv_cell_s(o, "warmup_unit", s->win.warmup_instr ? "instructions" : "accesses");
	csv_cell_u(o, "measure", s->win.measure);
	csv_cell_u(o, "roi", s->win.roi);
	csv_cell_s(o, "end", rpt_end_name(s->end));
	csv_cell_s(o, "walker", s->mmu[wi].name);
	if (interval >= 0)
		csv_cell_u(o, "interval", (u64)interval);
	else
		csv_cell_s(o, "interval", "");
	csv_cell_u(o, "first_access", first);
	csv_cell_u(o, "last_access", last);
	csv_cell_u(o, "accesses", rpt_c_accesses(c));
	for (i = 0; i < ACC_NR; i++) {
		snprintf(name, sizeof name, "accesses_%s", rpt_acc_name[i]);
		csv_cell_u(o, name, st->acc[i]);
	}
	csv_cell_u(o, "splits", st->splits);
	for (i = 0; i < TLB_NR; i++) {
		snprintf(name, sizeof name, "tlb_%s_hits", tn[i]);
		csv_cell_u(o, name, c->tlb_hits[i]);
		snprintf(name, sizeof name, "tlb_%s_misses", tn[i]);
		csv_cell_u(o, name, c->tlb_misses[i]);
	}
	csv_cell_u(o, "walks", st->walks);
	csv_cell_u(o, "dirty_walks", st->dirty_walks);
	csv_cell_u(o, "walk_refs", st->walk_refs);
	csv_cell_u(o, "walk_refs_guest", st->walk_refs_dim[DIM_G]);
	csv_cell_u(o, "walk_refs_host", st->walk_refs_dim[DIM_H]);
	for (i = 0; i < SRC_NR; i++) {
		snprintf(name, sizeof name, "refs_%s", ref_src_name((enum ref_src)i));
		csv_cell_u(o, name, st->refs_src[i]);
	}
	for (i = DIM_G; i <= DIM_H; i++)
		for (l = 2; l <= PT_LEVELS_MAX; l++) {
			snprintf(name, sizeof name, "pwc_%s%s_lookups", i == DIM_H ? "host_" : "", rpt_pwc_level_name[l]);
			csv_cell_u(o, name, c->pwc_lookups[i][l]);
			snprintf(name, sizeof name, "pwc_%s%s_hits", i == DIM_H ? "host_" : "", rpt_pwc_level_name[l]);
			csv_cell_u(o, name, c->pwc_hits[i][l]);
		}
	csv_cell_u(o, "ntlb_hits", st->ntlb_hits);
	csv_cell_u(o, "ntlb_misses", st->ntlb_misses);
	csv_cell_u(o, "walk_cycles", st->walk_cycles);
	for (i = 0; i < WALK_HIST_N; i++) {
		snprintf(name, sizeof name, "walk_hist_%" PRIu64, rpt_hist_lo(i));
		csv_cell_u(o, name, st->walk_hist[i]);
	}
	csv_cell_u(o, "l2_tlb_cycles", st->l2_cycles);
	csv_cell_u(o, "vmm_interventions", rpt_c_vmm_total(st->vmm));
	for (i = 0; i < VMM_CAUSE_NR; i++) {
		snprintf(name, sizeof name, "vmm_%s", vmm_cause_name((enum vmm_cause)i));
		csv_cell_u(o, name, st->vmm[i]);
	}
	csv_cell_u(o, "vmm_cycles", st->vmm_cycles);
	csv_cell_u(o, "vmm_pages", st->vmm_pages);
	csv_cell_u(o, "vmm_pages_peak", st->vmm_pages_peak);
	csv_cell_u(o, "first_touch_accesses", st->comp_accesses);
	csv_cell_u(o, "first_touch_walks", st->comp_walks);
	csv_cell_u(o, "first_touch_walk_refs", st->comp_walk_refs);
	csv_cell_u(o, "first_touch_walk_cycles", st->comp_walk_cycles);
	csv_cell_u(o, "first_touch_l2_tlb_cycles", st->comp_l2_cycles);
	csv_cell_u(o, "first_touch_vmm_interventions", rpt_c_vmm_total(st->comp_vmm));
	for (i = 0; i < VMM_CAUSE_NR; i++) {
		snprintf(name, sizeof name, "first_touch_vmm_%s", vmm_cause_name((enum vmm_cause)i));
		csv_cell_u(o, name, st->comp_vmm[i]);
	}
	csv_cell_u(o, "first_touch_vmm_cycles", st->comp_vmm_cycles);
	csv_cell_u(o, "steady_walks", st->walks - st->comp_walks);
	csv_cell_u(o, "steady_walk_refs", st->walk_refs - st->comp_walk_refs);
	csv_cell_u(o, "steady_walk_cycles", st->walk_cycles - st->comp_walk_cycles);
	csv_cell_u(o, "steady_vmm_interventions", rpt_c_vmm_total(st->vmm) - rpt_c_vmm_total(st->comp_vmm));
	csv_cell_u(o, "base_bound", st->base_bound);
	csv_cell_u(o, "isolation_faults", st->isolation_faults);
	csv_cell_u(o, "tag_checks", st->tag_checks);
	csv_cell_u(o, "agile_full_shadow", st->agile_full_shadow);
	for (l = 2; l <= PT_LEVELS_MAX; l++) {
		snprintf(name, sizeof name, "agile_switched_%s", rpt_pwc_level_name[l]);
		csv_cell_u(o, name, st->agile_switched[l]);
	}
	csv_cell_u(o, "agile_to_nested", st->agile_to_nested);
	csv_cell_u(o, "agile_to_shadow", st->agile_to_shadow);
	csv_cell_u(o, "faults", st->faults);
	for (i = 1; i < FAULT_KIND_NR; i++) {
		snprintf(name, sizeof name, "faults_%s", fault_kind_name((enum fault_kind)i));
		csv_cell_u(o, name, st->faults_kind[i]);
	}
	sim_exec(s, v, wi, &e);
	rpt_exec_rel(s, v, wi, &vn, &vb);
	csv_cell_d(o, "exec_ideal_cycles", e.ideal);
	csv_cell_d(o, "exec_translation_stall_cycles", e.stall);
	csv_cell_d(o, "exec_vmm_cycles", e.vmm);
	csv_cell_d(o, "exec_cycles", e.cycles);
	csv_cell_d(o, "exec_overhead_pct", e.overhead_pct);
	if (rpt_native_index(s) >= 0)
		csv_cell_d(o, "exec_vs_native", vn);
	else
		csv_cell_s(o, "exec_vs_native", "");
	if (s->n > 1)
		csv_cell_d(o, "exec_vs_best_other", vb);
	else
		csv_cell_s(o, "exec_vs_best_other", "");
	csv_cell_u(o, "oracle_checks", st->oracle_checks);
	csv_cell_u(o, "oracle_mismatches", st->oracle_mismatches);
	csv_cell_u(o, "invlpg", st->invlpg);
	csv_cell_u(o, "flushes", st->flushes);
	cfg_foreach(&s->cfg, csv_cfg_kv, o);
	fputc('\n', o->f);
}

void sim_report_csv(const struct sim *s, const struct sim_prov *p, FILE *f)
{
	struct csv_out o = { f, true, 0 };
	struct sim_view *v = malloc(sizeof *v);
	int i;

	SIM_BUG_ON(!v);
	sim_view(s, v);
	csv_row(s, p, &o, 0, v, -1, 0, 0);
	o.header = false;
	if (!s->win.interval) {
		for (i = 0; i < s->n; i++)
			csv_row(s, p, &o, i, v, -1, s->counted ? 1 : 0, s->counted);
	} else {
		u64 k, first = 0;
		for (k = 0; k < s->niv; k++) {
			u64 last = rpt_interval_end(s, k);
			sim_interval(s, k, v);
			for (i = 0; i < s->n; i++)
				csv_row(s, p, &o, i, v, (s64)k, first + 1, last);
			first = last;
		}
	}
	free(v);
}


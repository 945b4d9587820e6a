/*
 * report.c - human and JSON reports of a simulation, and walk-log
 * rendering for `explain`. Reports contain only simulated quantities and
 * their provenance (version, command line, effective configuration, the
 * trace's name, size and hash, the window): no wall-clock time, so the
 * same command on the same trace gives byte-identical output. Figures are
 * those of the window (sim_view), never the raw counters.
 */
#include "report.h"
#include "report_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *const rpt_pwc_level_name[PT_LEVELS_MAX + 1] = { "", "", "pd", "pdpt", "pml4", "pml5" };
const char *const rpt_acc_name[ACC_NR] = { "R", "W", "I", "M" };

double rpt_ratio(u64 a, u64 b) { return b ? (double)a / (double)b : 0.0; }

u64 rpt_hist_lo(int b) { return b ? 1ull << (b - 1) : 0; }

/* ---- what every report shares ---- */

struct vm_info {
	struct vm vm;
	u32 nprocs;
};

/* Every VM (sorted by id): their state now (not windowed). */
struct machine_view {
	struct vm_info *vms;
	u32 n;
	u32 procs;
};

static void gather_vm(struct machine *m, void *arg)
{
	struct machine_view *mv = arg;
	mv->procs += m->os.nprocs;
	mv->vms[mv->n].vm = m->vm;
	mv->vms[mv->n++].nprocs = m->os.nprocs;
}

static int by_id(const void *a, const void *b)
{
	const struct vm_info *x = a, *y = b;
	return (x->vm.id > y->vm.id) - (x->vm.id < y->vm.id);
}

static void view_make(const struct sim *s, struct machine_view *mv)
{
	memset(mv, 0, sizeof *mv);
	mv->vms = calloc(s->m.nparked + 1, sizeof *mv->vms);
	SIM_BUG_ON(!mv->vms);
	machine_foreach_vm((struct machine *)&s->m, gather_vm, mv);
	qsort(mv->vms, mv->n, sizeof *mv->vms, by_id);
}

u64 rpt_c_accesses(const struct mmu_counters *c)
{
	u64 n = 0;
	int a;
	for (a = 0; a < ACC_NR; a++)
		n += c->st.acc[a];
	return n;
}

u64 rpt_c_vmm_total(const u64 *v)
{
	u64 n = 0;
	int k;
	for (k = 0; k < VMM_CAUSE_NR; k++)
		n += v[k];
	return n;
}

static bool walker_is(const struct mmu *u, const char *name) { return !strcmp(u->w.ops->name, name); }

/* Rows a walker kind can make non-zero (the others are hidden). */
static bool can_base_bound(const struct mmu *u)
{
	return walker_is(u, "bpo") || walker_is(u, "dual-direct") || walker_is(u, "vmm-direct") ||
	       walker_is(u, "guest-direct");
}
static bool can_isolation(const struct mmu *u) { return can_base_bound(u) || walker_is(u, "tpt"); }
static bool can_tag(const struct mmu *u) { return walker_is(u, "tpt"); }

static bool any_walker(const struct sim *s, bool (*can)(const struct mmu *u))
{
	int i;
	for (i = 0; i < s->n; i++)
		if (can(&s->mmu[i]))
			return true;
	return false;
}

/* ---- the execution-time estimate (docs/model.md) ---- */

/* Index of the native walker, or -1. */
int rpt_native_index(const struct sim *s)
{
	int i;
	for (i = 0; i < s->n; i++)
		if (walker_is(&s->mmu[i], "native"))
			return i;
	return -1;
}

/* Slowdowns: cycles over native's, and over the best (fewest cycles) of
 * the other walkers; 0 when there is none. */
void rpt_exec_rel(const struct sim *s, const struct sim_view *v, int i, double *vs_native, double *vs_best)
{
	struct sim_exec me, o;
	double best = -1;
	int k, nat = rpt_native_index(s);

	sim_exec(s, v, i, &me);
	*vs_native = *vs_best = 0;
	if (nat >= 0) {
		sim_exec(s, v, nat, &o);
		*vs_native = o.cycles > 0 ? me.cycles / o.cycles : 0;
	}
	for (k = 0; k < s->n; k++) {
		if (k == i)
			continue;
		sim_exec(s, v, k, &o);
		if (best < 0 || o.cycles < best)
			best = o.cycles;
	}
	if (best > 0)
		*vs_best = me.cycles / best;
}

const char *rpt_end_name(enum sim_end e)
{
	static const char *const n[] = { "trace", "measure", "interrupted", "truncated" };
	return n[e];
}

/* ---- JSON ---- */

void json_put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *const attr_key[AT_NR] = {
	"accesses", "l1_tlb_misses", "l2_tlb_misses", "walks", "walk_cycles", "vmm_cycles",
};

/* ,"by_function":[...] or ,"by_region":[...]: the top rows. */
static void json_attr(const struct sim *s, int w, bool region, FILE *f)
{
	struct attrib_row *r;
	long n = attrib_resolve(s->attr, s->trace, w, region, &r), i;
	int k;

	fprintf(f, ",\"%s\":[", region ? "by_region" : "by_function");
	for (i = 0; i < n && i < s->attr_top; i++) {
		fprintf(f, "%s{\"%s\":", i ? "," : "", region ? "region" : "function");
		json_put_str(f, r[i].name);
		for (k = 0; k < AT_NR; k++)
			fprintf(f, ",\"%s\":%" PRIu64, attr_key[k], r[i].v[k]);
		fputc('}', f);
	}
	fputc(']', f);
	if (n > 0)
		attrib_rows_free(r, n);
}

/* The text tables of --attribute, per walker. */
static void text_attr(const struct sim *s, FILE *f)
{
	static const char *const head[AT_NR] = { "accesses", "L1 miss", "L2 miss", "walks", "walk cyc", "VMM cyc" };
	for (int w = 0; w < s->n; w++) {
		for (int region = 0; region < 2; region++) {
			struct attrib_row *r;
			long n = attrib_resolve(s->attr, s->trace, w, region, &r), i;
			u64 tot[AT_NR] = { 0 };
			int k;
			if (n < 0)
				continue;
			for (i = 0; i < n; i++)
				for (k = 0; k < AT_NR; k++)
					tot[k] += r[i].v[k];
			fprintf(f, "\n  walker %s, by %s (top %d of %ld, percent of the total)\n", s->mmu[w].name,
				region ? "data region" : "function", s->attr_top, n);
			for (k = 0; k < AT_NR; k++)
				fprintf(f, " %18s", head[k]);
			fprintf(f, "  %s\n", region ? "region" : "function");
			for (k = 0; k < AT_NR; k++)
				fprintf(f, " %18" PRIu64, tot[k]);
			fprintf(f, "  TOTAL\n");
			for (i = 0; i < n && i < s->attr_top; i++) {
				for (k = 0; k < AT_NR; k++) {
					char c[40];
					snprintf(c, sizeof c, "%" PRIu64 " (%5.1f%%)", r[i].v[k], 100.0 * rpt_ratio(r[i].v[k], tot[k]));
					fprintf(f, " %18s", c);
				}
				fprintf(f, "  %s\n", r[i].name);
			}
			attrib_rows_free(r, n);
		}
	}
}

static void json_num_or_null(FILE *f, double v, bool have)
{
	if (have)
		fprintf(f, "%.6f", v);
	else
		fputs("null", f);
}

static void json_causes(FILE *f, const u64 *v)
{
	int i;
	fputc('{', f);
	for (i = 0; i < VMM_CAUSE_NR; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", vmm_cause_name((enum vmm_cause)i), v[i]);
	fputc('}', f);
}

/* One walker's figures of view v (the window, or one interval). */
static void json_walker_body(const struct sim *s, int wi, const struct sim_view *v, FILE *f)
{
	const struct mmu *u = &s->mmu[wi];
	const struct mmu_counters *c = &v->w[wi];
	const struct mmu_stats *st = &c->st;
	u64 sw_walks = st->walks - st->comp_walks, sw_refs = st->walk_refs - st->comp_walk_refs;
	u64 sw_cyc = st->walk_cycles - st->comp_walk_cycles;
	u64 vmm_all = rpt_c_vmm_total(st->vmm), vmm_comp = rpt_c_vmm_total(st->comp_vmm);
	struct sim_exec e;
	double vn, vb;
	int i, l;

	fprintf(f, "\"name\":");
	json_put_str(f, u->name);
	fprintf(f, ",\"accesses\":%" PRIu64 ",\"accesses_by_type\":{", rpt_c_accesses(c));
	for (i = 0; i < ACC_NR; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", rpt_acc_name[i], st->acc[i]);
	fprintf(f, "},\"splits\":%" PRIu64 ",\"tlb\":{", st->splits);
	{
		static const char *const tn[TLB_NR] = { "l1i", "l1d", "l2" };
		for (i = 0; i < TLB_NR; i++)
			fprintf(f, "%s\"%s\":{\"hits\":%" PRIu64 ",\"misses\":%" PRIu64 "}", i ? "," : "",
				tn[i], c->tlb_hits[i], c->tlb_misses[i]);
	}
	fprintf(f, "},\"walks\":%" PRIu64 ",\"dirty_walks\":%" PRIu64 ",\"walk_refs\":%" PRIu64
		",\"walk_refs_per_walk\":%.6f", st->walks, st->dirty_walks, st->walk_refs,
		rpt_ratio(st->walk_refs, st->walks));
	fprintf(f, ",\"walk_refs_by_dim\":{\"guest\":%" PRIu64 ",\"host\":%" PRIu64 "}",
		st->walk_refs_dim[DIM_G], st->walk_refs_dim[DIM_H]);
	fprintf(f, ",\"refs_by_source\":{");
	for (i = 0; i < SRC_NR; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", ref_src_name((enum ref_src)i), st->refs_src[i]);
	/* the trace's data accesses through the same caches ([cache] data) */
	fprintf(f, "},\"data_by_source\":{");
	for (i = SRC_L1; i <= SRC_DRAM; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i > SRC_L1 ? "," : "", ref_src_name((enum ref_src)i),
			u->port.data_reads[i]);
	fprintf(f, "},\"pwc\":{\"enabled\":%s,\"lookups\":{", u->pwc.enabled ? "true" : "false");
	for (l = 2; l <= u->levels; l++)
		fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", rpt_pwc_level_name[l], c->pwc_lookups[DIM_G][l]);
	fprintf(f, "},\"hits\":{");
	for (l = 2; l <= u->levels; l++)
		fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", rpt_pwc_level_name[l], c->pwc_hits[DIM_G][l]);
	fprintf(f, "}}");
	if (s->m.vm.on) {
		fprintf(f, ",\"pwc_host\":{\"lookups\":{");
		for (l = 2; l <= s->m.vm.host_levels; l++)
			fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", rpt_pwc_level_name[l], c->pwc_lookups[DIM_H][l]);
		fprintf(f, "},\"hits\":{");
		for (l = 2; l <= s->m.vm.host_levels; l++)
			fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", rpt_pwc_level_name[l], c->pwc_hits[DIM_H][l]);
		fprintf(f, "}},\"ntlb\":{\"hits\":%" PRIu64 ",\"misses\":%" PRIu64 "}", st->ntlb_hits, st->ntlb_misses);
	}
	fprintf(f, ",\"walk_cycles\":%" PRIu64 ",\"walk_cycles_mean\":%.6f,\"walk_cycle_hist\":[",
		st->walk_cycles, rpt_ratio(st->walk_cycles, st->walks));
	for (i = 0; i < WALK_HIST_N; i++) {
		fprintf(f, "%s{\"lo\":%" PRIu64 ",", i ? "," : "", rpt_hist_lo(i));
		if (i == WALK_HIST_N - 1)
			fprintf(f, "\"hi\":null");
		else
			fprintf(f, "\"hi\":%" PRIu64, (u64)(i ? (1ull << i) - 1 : 0));
		fprintf(f, ",\"count\":%" PRIu64 "}", st->walk_hist[i]);
	}
	fprintf(f, "],\"l2_tlb_cycles\":%" PRIu64 ",\"translation_cycles\":%" PRIu64, st->l2_cycles,
		st->l2_cycles + st->walk_cycles);
	fprintf(f, ",\"vmm\":{\"interventions\":%" PRIu64 ",\"cycles\":%" PRIu64 ",\"by_cause\":", vmm_all,
		st->vmm_cycles);
	json_causes(f, st->vmm);
	fprintf(f, ",\"pages\":%" PRIu64 ",\"pages_peak\":%" PRIu64, st->vmm_pages, st->vmm_pages_peak);
	if (s->m.cfg.vmm.base_load_cycles)     /* only when charged: default reports unchanged */
		fprintf(f, ",\"base_loads\":%" PRIu64, st->base_loads);
	fputc('}', f);
	fprintf(f, ",\"total_cycles\":%" PRIu64, st->l2_cycles + st->walk_cycles + st->vmm_cycles);
	fprintf(f, ",\"compulsory\":{\"accesses\":%" PRIu64 ",\"walks\":%" PRIu64 ",\"walk_refs\":%" PRIu64
		",\"walk_cycles\":%" PRIu64 ",\"l2_tlb_cycles\":%" PRIu64 ",\"vmm\":{\"interventions\":%" PRIu64
		",\"cycles\":%" PRIu64 ",\"by_cause\":", st->comp_accesses, st->comp_walks, st->comp_walk_refs,
		st->comp_walk_cycles, st->comp_l2_cycles, vmm_comp, st->comp_vmm_cycles);
	json_causes(f, st->comp_vmm);
	fprintf(f, "}},\"steady\":{\"walks\":%" PRIu64 ",\"walk_refs\":%" PRIu64 ",\"walk_refs_per_walk\":%.6f"
		",\"walk_cycles\":%" PRIu64 ",\"walk_cycles_mean\":%.6f,\"vmm_interventions\":%" PRIu64
		",\"vmm_cycles\":%" PRIu64 ",\"vmm_interventions_per_walk\":%.6f}",
		sw_walks, sw_refs, rpt_ratio(sw_refs, sw_walks), sw_cyc, rpt_ratio(sw_cyc, sw_walks), vmm_all - vmm_comp,
		st->vmm_cycles - st->comp_vmm_cycles, rpt_ratio(vmm_all - vmm_comp, sw_walks));
	sim_exec(s, v, wi, &e);
	rpt_exec_rel(s, v, wi, &vn, &vb);
	fprintf(f, ",\"exec\":{\"ideal_from\":\"%s\",\"ideal_cycles\":%.3f,\"translation_stall_cycles\":%.3f"
		",\"vmm_cycles\":%.3f,\"cycles\":%.3f,\"overhead_pct\":%.6f,\"vs_native\":",
		e.instr ? "instructions" : "accesses", e.ideal, e.stall, e.vmm, e.cycles, e.overhead_pct);
	json_num_or_null(f, vn, rpt_native_index(s) >= 0);
	fprintf(f, ",\"vs_best_other\":");
	json_num_or_null(f, vb, s->n > 1);
	fprintf(f, "}");
	fprintf(f, ",\"base_bound\":%" PRIu64 ",\"isolation_faults\":%" PRIu64 ",\"tag_checks\":%" PRIu64,
		st->base_bound, st->isolation_faults, st->tag_checks);
	if (u->w.ops == &agile_walker_ops) {
		u64 sw = 0;
		for (l = 0; l <= PT_LEVELS_MAX; l++)
			sw += st->agile_switched[l];
		fprintf(f, ",\"agile\":{\"full_shadow\":%" PRIu64 ",\"switched\":%" PRIu64
			",\"full_shadow_fraction\":%.6f,\"switched_at\":{", st->agile_full_shadow, sw,
			rpt_ratio(st->agile_full_shadow, st->agile_full_shadow + sw));
		for (l = 2; l <= u->levels; l++)
			fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", rpt_pwc_level_name[l], st->agile_switched[l]);
		fprintf(f, "},\"to_nested\":%" PRIu64 ",\"to_shadow\":%" PRIu64 "}", st->agile_to_nested,
			st->agile_to_shadow);
	}
	fprintf(f, ",\"faults\":%" PRIu64 ",\"faults_by_kind\":{", st->faults);
	for (i = 1; i < FAULT_KIND_NR; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i > 1 ? "," : "", fault_kind_name((enum fault_kind)i),
			st->faults_kind[i]);
	fprintf(f, "},\"oracle_checks\":%" PRIu64 ",\"oracle_mismatches\":%" PRIu64
		",\"invlpg\":%" PRIu64 ",\"flushes\":%" PRIu64,
		st->oracle_checks, st->oracle_mismatches, st->invlpg, st->flushes);
}

/* Accesses counted at the end of interval k (its last boundary). */
u64 rpt_interval_end(const struct sim *s, u64 k)
{
	const struct sim_glob *g = (const struct sim_glob *)(s->iv + k * s->vlen);
	return g->accesses;
}

static void json_walker(const struct sim *s, int wi, const struct sim_view *v, FILE *f)
{
	fputc('{', f);
	json_walker_body(s, wi, v, f);
	if (s->win.interval) {
		struct sim_view *iv = malloc(sizeof *iv);
		u64 k, first = 0;
		SIM_BUG_ON(!iv);
		fprintf(f, ",\"intervals\":[");
		for (k = 0; k < s->niv; k++) {
			u64 last = rpt_interval_end(s, k);
			sim_interval(s, k, iv);
			fprintf(f, "%s{\"index\":%" PRIu64 ",\"first_access\":%" PRIu64 ",\"last_access\":%" PRIu64 ",",
				k ? "," : "", k, first + 1, last);
			json_walker_body(s, wi, iv, f);
			fputc('}', f);
			first = last;
		}
		fputc(']', f);
		free(iv);
	}
	if (s->attr) {
		json_attr(s, wi, false, f);
		json_attr(s, wi, true, f);
	}
	fputc('}', f);
}

/* ---- provenance ---- */

static void json_cfg_kv(const char *sec, const char *key, const char *val, void *arg)
{
	struct { FILE *f; const char *sec; } *a = arg;
	if (!a->sec || strcmp(a->sec, sec)) {
		fprintf(a->f, "%s", a->sec ? "}," : "");
		json_put_str(a->f, sec);
		fputs(":{", a->f);
		a->sec = sec;
	} else {
		fputc(',', a->f);
	}
	json_put_str(a->f, key);
	fputc(':', a->f);
	json_put_str(a->f, val);
}

static void json_window(const struct sim *s, FILE *f)
{
	const struct sim_window *w = &s->win;
	fprintf(f, "{\"warmup\":%" PRIu64 ",\"warmup_unit\":\"%s\",\"measure\":", w->warmup_instr ? w->warmup_instr : w->warmup,
		w->warmup_instr ? "instructions" : "accesses");
	if (w->measure)
		fprintf(f, "%" PRIu64, w->measure);
	else
		fputs("null", f);
	fprintf(f, ",\"roi\":%s,\"roi_regions\":%" PRIu64 ",\"interval\":", w->roi ? "true" : "false", s->roi_regions);
	if (w->interval)
		fprintf(f, "%" PRIu64, w->interval);
	else
		fputs("null", f);
	fprintf(f, ",\"counted_accesses\":%" PRIu64 ",\"end\":\"%s\",\"last_event\":%" PRIu64 "}", s->counted,
		rpt_end_name(s->end), s->events);
}

static void json_prov(const struct sim *s, const struct sim_prov *p, FILE *f)
{
	struct { FILE *f; const char *sec; } a = { f, NULL };
	int i;

	fprintf(f, "\"mmusim\":{\"version\":");
	json_put_str(f, p ? p->version : mmusim_version);
	fprintf(f, ",\"command\":[");
	for (i = 0; p && i < p->argc; i++) {
		if (i)
			fputc(',', f);
		json_put_str(f, p->argv[i]);
	}
	fprintf(f, "]},\"configuration\":{");
	cfg_foreach(&s->cfg, json_cfg_kv, &a);
	if (a.sec)
		fputc('}', f);
	fprintf(f, "},\"window\":");
	json_window(s, f);
	fprintf(f, ",\"interrupted\":%s,\"truncated\":%s", s->end == SIM_END_INTERRUPTED ? "true" : "false",
		s->end == SIM_END_TRUNCATED ? "true" : "false");
}

void sim_report_json(const struct sim *s, const struct sim_prov *p, FILE *f)
{
	struct machine_view mv;
	struct sim_view *v = malloc(sizeof *v);
	const struct sim_glob *g;
	const struct os_stats *o;
	u32 k;
	int i;

	SIM_BUG_ON(!v);
	sim_view(s, v);
	g = &v->g;
	o = &g->os;
	view_make(s, &mv);

	fputc('{', f);
	json_prov(s, p, f);
	fprintf(f, ",\"trace\":{\"name\":");
	json_put_str(f, s->trace_name ? s->trace_name : "");
	fprintf(f, ",\"format\":");
	json_put_str(f, s->trace_format ? s->trace_format : "");
	fprintf(f, ",\"bytes\":");
	if (p && p->have_size)
		fprintf(f, "%" PRIu64, p->trace_bytes);
	else
		fputs("null", f);
	fprintf(f, ",\"hash\":");
	if (p && p->have_hash)
		fprintf(f, "\"fnv1a64:%016" PRIx64 "\"", p->trace_hash);
	else
		fputs("null", f);
	fprintf(f, ",\"events\":%" PRIu64 ",\"accesses\":%" PRIu64 ",\"splits\":%" PRIu64
		",\"maps\":%" PRIu64 ",\"unmaps\":%" PRIu64 ",\"protects\":%" PRIu64 ",\"ctx\":%" PRIu64
		",\"roi_markers\":%" PRIu64 "}",
		g->events, g->accesses, g->splits, g->ev_kind[EV_MAP], g->ev_kind[EV_UNMAP],
		g->ev_kind[EV_PROTECT], g->ev_kind[EV_CTX], g->ev_kind[EV_ROI]);
	fprintf(f, ",\"config\":{\"levels\":%u,\"thp\":\"%s\",\"strict\":%s,\"pcid\":%s,\"seed\":%" PRIu64
		",\"check\":%s}", s->cfg.os.levels, s->cfg.os.thp == THP_ALWAYS ? "always" : "never",
		s->cfg.os.strict ? "true" : "false", s->cfg.os.pcid ? "true" : "false", s->cfg.sim.seed,
		s->check ? "true" : "false");
	fprintf(f, ",\"machine\":{\"processes\":%u,\"demand_faults\":%" PRIu64 ",\"segv\":%" PRIu64
		",\"pages_mapped\":{\"4K\":%" PRIu64 ",\"2M\":%" PRIu64 ",\"1G\":%" PRIu64 "}"
		",\"pt_pages\":%" PRIu64 ",\"pt_writes\":%" PRIu64 ",\"ad_updates\":%" PRIu64
		",\"huge_splits\":%" PRIu64 ",\"invlpg\":%" PRIu64 ",\"flushes\":%" PRIu64
		",\"ctx_switches\":%" PRIu64 "}",
		mv.procs, o->demand_faults, o->segv, o->pages_mapped[PS_4K], o->pages_mapped[PS_2M],
		o->pages_mapped[PS_1G], g->pt_pages, o->pt_writes,
		g->ad_commits, o->huge_splits, o->invlpg, o->flushes, o->ctx_switches);
	if (s->m.vm.on) {
		fprintf(f, ",\"vms\":[");
		for (k = 0; k < mv.n; k++) {
			const struct vm *vm = &mv.vms[k].vm;
			fprintf(f, "%s{\"id\":%u,\"vpid\":%u,\"memory\":%" PRIu64 ",\"host_levels\":%d,"
				"\"host_thp\":%s,\"backing\":\"%s\",\"contiguous\":%s,\"base\":%" PRIu64
				",\"contiguous_at_start\":%s,\"bpo_mode\":\"%s\",\"processes\":%u,\"ept_pages\":%" PRIu64 ",\"ept_writes\":%" PRIu64
				",\"backed\":{\"4K\":%" PRIu64 ",\"2M\":%" PRIu64 "}",
				k ? "," : "", vm->id, vm->vpid, (vm->gframes - (vm->hole_hi - vm->hole_lo)) << PAGE_SHIFT, vm->host_levels,
				vm->host_thp ? "true" : "false", vm->backing == BACK_CONTIGUOUS ? "contiguous" : "scattered",
				vm->contiguous ? "true" : "false", vm->contiguous ? vm->base_hfn << PAGE_SHIFT : 0,
				vm->contiguous_at_start ? "true" : "false",
				vm->contiguous ? "base-plus-offset" : "nested", mv.vms[k].nprocs, vm->st.ept_pages, vm->st.ept_writes, vm->st.backed[PS_4K],
				vm->st.backed[PS_2M]);
			if (s->m.cfg.segment.guest_fragmentation > 0 || s->m.cfg.segment.self_balloon)
				fprintf(f, ",\"guest_pins\":%" PRIu64 ",\"self_balloon\":{\"ballooned\":%" PRIu64
					",\"hot_added\":%" PRIu64 ",\"interventions\":%" PRIu64 ",\"cycles\":%" PRIu64 "}",
					vm->st.guest_pins, vm->st.ballooned, vm->st.hot_added, vm->st.balloon_exits,
					vm->st.balloon_cycles);
			if (s->m.cfg.segment.vmm_escape_pages)
				fprintf(f, ",\"vmm_escaped\":%" PRIu64, vm->escaped);
			fputc('}', f);
		}
		fprintf(f, "],\"compaction\":{\"runs\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"pages\":%" PRIu64
			",\"pins_moved\":%" PRIu64 ",\"cycles\":%" PRIu64 "},\"fragmentation_pins\":%" PRIu64
			",\"unmovable_pins\":%" PRIu64,
			g->compaction_runs, g->compaction_failed, g->compaction_pages,
			g->compaction_pins_moved, g->compaction_cycles, s->m.frag_pins, s->m.frag_pins - s->m.npins);
	}
	fprintf(f, ",\"walkers\":[");
	for (i = 0; i < s->n; i++) {
		if (i)
			fputc(',', f);
		json_walker(s, i, v, f);
	}
	fprintf(f, "]}\n");
	free(mv.vms);
	free(v);
}

/* ---- text ---- */

static void text_row(const struct sim *s, FILE *f, const char *label, const double *v, int kind)
{
	int i;
	fprintf(f, "  %-30s", label);
	for (i = 0; i < s->n; i++) {
		if (kind == 0)
			fprintf(f, " %16.0f", v[i]);
		else if (kind == 1)
			fprintf(f, " %16.3f", v[i]);
		else if (kind == 3)
			fprintf(f, " %15.3fx", v[i]);
		else
			fprintf(f, " %15.2f%%", v[i]);
	}
	fputc('\n', f);
}

static void text_window(const struct sim *s, FILE *f)
{
	const struct sim_window *w = &s->win;
	fprintf(f, "window: ");
	if (w->roi)
		fprintf(f, "regions of interest only (%" PRIu64 " region%s)", s->roi_regions, s->roi_regions == 1 ? "" : "s");
	else if (w->warmup_instr)
		fprintf(f, "after a warm-up of %" PRIu64 " instructions", w->warmup_instr);
	else if (w->warmup)
		fprintf(f, "after a warm-up of %" PRIu64 " accesses", w->warmup);
	else
		fprintf(f, "the whole run");
	fprintf(f, ", %" PRIu64 " accesses counted", s->counted);
	if (w->measure)
		fprintf(f, " (--measure %" PRIu64 ")", w->measure);
	if (w->interval)
		fprintf(f, ", intervals of %" PRIu64, w->interval);
	fputc('\n', f);
	if (s->end == SIM_END_INTERRUPTED)
		fprintf(f, "INTERRUPTED: stopped after event %" PRIu64 "; figures up to it\n", s->events);
	else if (s->end == SIM_END_TRUNCATED)
		fprintf(f, "TRUNCATED trace: figures up to the last complete event (%" PRIu64 ")\n", s->events);
}

void sim_report_text(const struct sim *s, const struct sim_prov *p, FILE *f)
{
	struct machine_view mv;
	struct sim_view *vw = malloc(sizeof *vw);
	const struct sim_glob *g;
	const struct os_stats *o;
	double v[SIM_WALKERS_MAX];
	int i, l, k;
	u32 j;

	(void)p;
	SIM_BUG_ON(!vw);
	sim_view(s, vw);
	g = &vw->g;
	o = &g->os;
	view_make(s, &mv);

#define ROW(label, kind, expr) do { for (i = 0; i < s->n; i++) { const struct mmu_counters *c = &vw->w[i]; \
	const struct mmu_stats *st = &c->st; struct sim_exec e; (void)c; (void)st; (void)e; \
	v[i] = (double)(expr); } text_row(s, f, label, v, kind); } while (0)

	fprintf(f, "mmusim: %s (%s): %" PRIu64 " events, %" PRIu64 " accesses, %u process%s, %d-level paging, thp %s\n",
		s->trace_name ? s->trace_name : "-", s->trace_format ? s->trace_format : "-",
		g->events, g->accesses, mv.procs, mv.procs == 1 ? "" : "es", s->cfg.os.levels,
		s->cfg.os.thp == THP_ALWAYS ? "always" : "never");
	text_window(s, f);
	for (j = 0; s->m.vm.on && j < mv.n; j++) {
		const struct vm *vm = &mv.vms[j].vm;
		fprintf(f, "vm %u: %" PRIu64 " MiB guest memory, %d-level EPT, %s host pages, %s backing%s (bpo and VMM "
			"segments: %s), %" PRIu64 " EPT pages, %u process%s\n", vm->id, (vm->gframes - (vm->hole_hi - vm->hole_lo)) >> 8, vm->host_levels,
			vm->host_thp ? "2M" : "4K", vm->contiguous ? "contiguous" : "scattered",
			vm->contiguous && !vm->contiguous_at_start ? " (after compaction)" :
			vm->backing == BACK_CONTIGUOUS && !vm->contiguous ? " (contiguous refused: host fragmented)" : "",
			vm->contiguous ? "base-plus-offset" : "nested paging", vm->st.ept_pages, mv.vms[j].nprocs, mv.vms[j].nprocs == 1 ? "" : "es");
	}
	fprintf(f, "machine: %" PRIu64 " demand faults (4K %" PRIu64 ", 2M %" PRIu64 ", 1G %" PRIu64 "), "
		"%" PRIu64 " delivered faults, %" PRIu64 " page-table pages, %" PRIu64 " PTE writes, "
		"%" PRIu64 " A/D updates\n\n", o->demand_faults, o->pages_mapped[PS_4K], o->pages_mapped[PS_2M],
		o->pages_mapped[PS_1G], o->segv, g->pt_pages, o->pt_writes, g->ad_commits);
	fprintf(f, "  %-30s", "walker");
	for (i = 0; i < s->n; i++)
		fprintf(f, " %16s", s->mmu[i].name);
	fputc('\n', f);
	ROW("accesses", 0, rpt_c_accesses(c));
	ROW("L1 iTLB misses", 0, c->tlb_misses[TLB_L1I]);
	ROW("L1 iTLB miss rate", 2, 100.0 * rpt_ratio(c->tlb_misses[TLB_L1I], c->tlb_hits[TLB_L1I] + c->tlb_misses[TLB_L1I]));
	ROW("L1 dTLB misses", 0, c->tlb_misses[TLB_L1D]);
	ROW("L1 dTLB miss rate", 2, 100.0 * rpt_ratio(c->tlb_misses[TLB_L1D], c->tlb_hits[TLB_L1D] + c->tlb_misses[TLB_L1D]));
	ROW("L2 TLB hits", 0, c->tlb_hits[TLB_L2]);
	ROW("L2 TLB misses", 0, c->tlb_misses[TLB_L2]);
	ROW("walks", 0, st->walks);
	ROW("  of which dirty/permission", 0, st->dirty_walks);
	ROW("  of which on first touch", 0, st->comp_walks);
	ROW("walk memory references", 0, st->walk_refs);
	ROW("references per walk", 1, rpt_ratio(st->walk_refs, st->walks));
	ROW("  steady state (no first touch)", 1, rpt_ratio(st->walk_refs - st->comp_walk_refs, st->walks - st->comp_walks));
	if (s->m.vm.on) {
		ROW("  guest dimension per walk", 1, rpt_ratio(st->walk_refs_dim[DIM_G], st->walks));
		ROW("  host dimension per walk", 1, rpt_ratio(st->walk_refs_dim[DIM_H], st->walks));
		ROW("nested TLB hits", 0, st->ntlb_hits);
		ROW("nested TLB misses", 0, st->ntlb_misses);
	}
	for (k = SRC_L1; k < SRC_NR; k++) {
		char lab[40];
		if (k == SRC_NTLB && !s->m.vm.on)
			continue;
		if (k == SRC_TAG && !any_walker(s, can_tag))
			continue;
		snprintf(lab, sizeof lab, "  served by %s", ref_src_name((enum ref_src)k));
		ROW(lab, 0, st->refs_src[k]);
	}
	ROW("PWC hits", 0, st->refs_src[SRC_PWC]);
	for (k = DIM_G; k <= (s->m.vm.on ? DIM_H : DIM_G); k++) {
		int top = k == DIM_G ? (int)s->cfg.os.levels : s->m.vm.host_levels;
		for (l = 2; l <= top; l++) {
			char lab[40];
			snprintf(lab, sizeof lab, "  %s%s hits / lookups", k == DIM_H ? "host " : "", rpt_pwc_level_name[l]);
			fprintf(f, "  %-30s", lab);
			for (i = 0; i < s->n; i++) {
				char cell[40];
				snprintf(cell, sizeof cell, "%" PRIu64 "/%" PRIu64, vw->w[i].pwc_hits[k][l],
					 vw->w[i].pwc_lookups[k][l]);
				fprintf(f, " %16s", cell);
			}
			fputc('\n', f);
		}
	}
	ROW("walk cycles", 0, st->walk_cycles);
	ROW("  of which on first touch", 0, st->comp_walk_cycles);
	ROW("cycles per walk", 1, rpt_ratio(st->walk_cycles, st->walks));
	ROW("  steady state (no first touch)", 1, rpt_ratio(st->walk_cycles - st->comp_walk_cycles, st->walks - st->comp_walks));
	ROW("L2 TLB lookup cycles", 0, st->l2_cycles);
	ROW("translation cycles", 0, st->l2_cycles + st->walk_cycles);
	if (s->m.vm.on) {
		ROW("VMM interventions", 0, rpt_c_vmm_total(st->vmm));
		for (k = 0; k < VMM_CAUSE_NR; k++) {
			char lab[40];
			u64 any = 0;
			for (i = 0; i < s->n; i++)
				any |= vw->w[i].st.vmm[k];
			if (!any)
				continue;
			snprintf(lab, sizeof lab, "  %s", vmm_cause_name((enum vmm_cause)k));
			ROW(lab, 0, st->vmm[k]);
		}
		ROW("  of which on first touch", 0, rpt_c_vmm_total(st->comp_vmm));
		for (k = 0; k < VMM_CAUSE_NR; k++) {
			char lab[40];
			u64 any = 0;
			for (i = 0; i < s->n; i++)
				any |= vw->w[i].st.comp_vmm[k];
			if (!any)
				continue;
			snprintf(lab, sizeof lab, "    first touch: %s", vmm_cause_name((enum vmm_cause)k));
			ROW(lab, 0, st->comp_vmm[k]);
		}
		ROW("steady interventions per walk", 1, rpt_ratio(rpt_c_vmm_total(st->vmm) - rpt_c_vmm_total(st->comp_vmm),
							       st->walks - st->comp_walks));
		if (s->m.cfg.vmm.base_load_cycles)
			ROW("gBA/gMS loads (VM switches)", 0, st->base_loads);
		ROW("VMM cycles", 0, st->vmm_cycles);
		ROW("  of which on first touch", 0, st->comp_vmm_cycles);
		ROW("VMM table pages (peak)", 0, st->vmm_pages_peak);
		for (i = 0; i < s->n && s->mmu[i].w.ops != &agile_walker_ops; i++)
			;
		if (i < s->n) {
			ROW("agile: misses in full shadow", 0, st->agile_full_shadow);
			for (l = 2; l <= (int)s->cfg.os.levels; l++) {
				char lab[40];
				snprintf(lab, sizeof lab, "agile: switched at %s", rpt_pwc_level_name[l]);
				ROW(lab, 0, st->agile_switched[l]);
			}
			ROW("agile: pages to nested", 0, st->agile_to_nested);
			ROW("agile: pages back to shadow", 0, st->agile_to_shadow);
		}
		ROW("total cycles (translation+VMM)", 0, st->l2_cycles + st->walk_cycles + st->vmm_cycles);
	}
	ROW("faults", 0, st->faults);
	if (any_walker(s, can_base_bound))
		ROW("base-bound computations", 0, st->base_bound);
	if (any_walker(s, can_isolation))
		ROW("isolation faults", 0, st->isolation_faults);
	if (any_walker(s, can_tag))
		ROW("memory-tag checks", 0, st->tag_checks);
	if (s->check) {
		ROW("oracle checks", 0, st->oracle_checks);
		ROW("oracle mismatches", 0, st->oracle_mismatches);
	}
	fprintf(f, "\n  execution-time estimate ([cpu] ideal_cpi %g, cycles_per_access %g, walk_overlap %g)\n",
		s->cfg.cpu.ideal_cpi, s->cfg.cpu.cycles_per_access, s->cfg.cpu.walk_overlap);
	ROW("ideal cycles", 0, (sim_exec(s, vw, i, &e), e.ideal));
	ROW("estimated cycles", 0, (sim_exec(s, vw, i, &e), e.cycles));
	ROW("overhead over ideal", 2, (sim_exec(s, vw, i, &e), e.overhead_pct));
	if (s->n > 1) {
		double vn, vb;
		if (rpt_native_index(s) >= 0)
			ROW("slowdown vs native", 3, (rpt_exec_rel(s, vw, i, &vn, &vb), vn));
		ROW("slowdown vs best other", 3, (rpt_exec_rel(s, vw, i, &vn, &vb), vb));
	}
	fprintf(f, "\n  walk latency histogram (cycles: walks per walker)\n");
	for (k = 0; k < WALK_HIST_N; k++) {
		char lab[40];
		u64 any = 0;
		for (i = 0; i < s->n; i++)
			any |= vw->w[i].st.walk_hist[k];
		if (!any)
			continue;
		if (k == 0)
			snprintf(lab, sizeof lab, "  0");
		else if (k == WALK_HIST_N - 1)
			snprintf(lab, sizeof lab, "  >= %" PRIu64, rpt_hist_lo(k));
		else
			snprintf(lab, sizeof lab, "  %" PRIu64 "-%" PRIu64, rpt_hist_lo(k), (u64)((1ull << k) - 1));
		ROW(lab, 0, st->walk_hist[k]);
	}
#undef ROW
	if (s->attr)
		text_attr(s, f);
	free(mv.vms);
	free(vw);
}

void sim_explain_log(const struct sim *s, int i, FILE *f)
{
	const struct walk_log *l = &s->mmu[i].log;
	static const char *const kn[] = { "guest", "host", "shadow" };
	static const char *const ln[PT_LEVELS_MAX + 1] = { "", "PT", "PD", "PDPT", "PML4", "PML5" };
	u32 k;

	fprintf(f, "  %3s  %-6s %-5s %-18s %-18s %-5s %6s\n", "#", "table", "level", "address", "value", "from", "cycles");
	for (k = 0; k < l->n; k++) {
		const struct walk_ref *r = &l->r[k];
		char addr[24];
		/* a paging-structure-cache hit is looked up by a tag (the VA
		 * bits above the level), not read from an address */
		if (r->src == SRC_PWC)
			snprintf(addr, sizeof addr, "tag 0x%" PRIx64, r->addr);
		else
			snprintf(addr, sizeof addr, "0x%016" PRIx64, r->addr);
		fprintf(f, "  %3u  %-6s %-5s %-18s 0x%016" PRIx64 " %-5s %6u\n", k + 1, kn[r->kind],
			ln[r->level], addr, r->value, ref_src_name((enum ref_src)r->src), r->cycles);
	}
	fprintf(f, "  %u memory references, %u translation-cache hits (PWC, NTLB), %u cycles\n", l->refs,
		l->n - l->refs, l->cycles);
}

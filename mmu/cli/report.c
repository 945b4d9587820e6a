/*
 * report.c - human and JSON reports of a simulation, and walk-log
 * rendering for `explain`. Reports contain only simulated quantities (no
 * wall-clock time, no host paths beyond the trace name), so the same
 * config, trace and seed give byte-identical output.
 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const pwc_level_name[PT_LEVELS_MAX + 1] = { "", "", "pd", "pdpt", "pml4", "pml5" };
static const char *const acc_name[ACC_NR] = { "R", "W", "I", "M" };

static u64 mmu_accesses(const struct mmu *u)
{
	u64 n = 0;
	int a;
	for (a = 0; a < ACC_NR; a++)
		n += u->st.acc[a];
	return n;
}

static double ratio(u64 a, u64 b) { return b ? (double)a / (double)b : 0.0; }

static u64 hist_lo(int b) { return b ? 1ull << (b - 1) : 0; }

/* ---- JSON ---- */

/* Every VM (sorted by id) and the guest-OS figures summed over them. */
struct vm_info {
	struct vm vm;
	u32 nprocs;
};

struct machine_view {
	struct vm_info *vms;
	u32 n;
	struct os_stats os;       /* summed over VMs (or the native OS) */
	u32 procs;
	u64 pt_pages;
};

_Static_assert(sizeof(struct os_stats) % sizeof(u64) == 0, "os_stats is summed as u64 words");

static void gather(struct machine *m, void *arg)
{
	struct machine_view *mv = arg;
	const struct os_stats *o = &m->os.st;
	u64 *dst = (u64 *)&mv->os;
	const u64 *src = (const u64 *)o;
	size_t i;
	for (i = 0; i < sizeof *o / sizeof(u64); i++)
		dst[i] += src[i];
	mv->procs += m->os.nprocs;
	mv->pt_pages += o->pt_pages_alloc - o->pt_pages_freed;
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
	machine_foreach_vm((struct machine *)&s->m, gather, mv);
	qsort(mv->vms, mv->n, sizeof *mv->vms, by_id);
}

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
					snprintf(c, sizeof c, "%" PRIu64 " (%5.1f%%)", r[i].v[k], 100.0 * ratio(r[i].v[k], tot[k]));
					fprintf(f, " %18s", c);
				}
				fprintf(f, "  %s\n", r[i].name);
			}
			attrib_rows_free(r, n);
		}
	}
}

static void json_walker(const struct sim *s, const struct mmu *u, FILE *f)
{
	const struct mmu_stats *st = &u->st;
	int i, l;

	fprintf(f, "{\"name\":");
	json_put_str(f, u->name);
	fprintf(f, ",\"accesses\":%" PRIu64 ",\"accesses_by_type\":{", mmu_accesses(u));
	for (i = 0; i < ACC_NR; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", acc_name[i], st->acc[i]);
	fprintf(f, "},\"splits\":%" PRIu64 ",\"tlb\":{", st->splits);
	{
		static const char *const tn[TLB_NR] = { "l1i", "l1d", "l2" };
		for (i = 0; i < TLB_NR; i++)
			fprintf(f, "%s\"%s\":{\"hits\":%" PRIu64 ",\"misses\":%" PRIu64 "}", i ? "," : "",
				tn[i], u->tlb.hits[i], u->tlb.misses[i]);
	}
	fprintf(f, "},\"walks\":%" PRIu64 ",\"dirty_walks\":%" PRIu64 ",\"walk_refs\":%" PRIu64
		",\"walk_refs_per_walk\":%.6f", st->walks, st->dirty_walks, st->walk_refs,
		ratio(st->walk_refs, st->walks));
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
		fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", pwc_level_name[l], u->pwc.lookups[DIM_G][l]);
	fprintf(f, "},\"hits\":{");
	for (l = 2; l <= u->levels; l++)
		fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", pwc_level_name[l], u->pwc.hits[DIM_G][l]);
	fprintf(f, "}}");
	if (s->m.vm.on) {
		fprintf(f, ",\"pwc_host\":{\"lookups\":{");
		for (l = 2; l <= s->m.vm.host_levels; l++)
			fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", pwc_level_name[l], u->pwc.lookups[DIM_H][l]);
		fprintf(f, "},\"hits\":{");
		for (l = 2; l <= s->m.vm.host_levels; l++)
			fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", pwc_level_name[l], u->pwc.hits[DIM_H][l]);
		fprintf(f, "}},\"ntlb\":{\"hits\":%" PRIu64 ",\"misses\":%" PRIu64 "}", st->ntlb_hits, st->ntlb_misses);
	}
	fprintf(f, ",\"walk_cycles\":%" PRIu64 ",\"walk_cycles_mean\":%.6f,\"walk_cycle_hist\":[",
		st->walk_cycles, ratio(st->walk_cycles, st->walks));
	for (i = 0; i < WALK_HIST_N; i++) {
		fprintf(f, "%s{\"lo\":%" PRIu64 ",", i ? "," : "", hist_lo(i));
		if (i == WALK_HIST_N - 1)
			fprintf(f, "\"hi\":null");
		else
			fprintf(f, "\"hi\":%" PRIu64, (u64)(i ? (1ull << i) - 1 : 0));
		fprintf(f, ",\"count\":%" PRIu64 "}", st->walk_hist[i]);
	}
	fprintf(f, "],\"l2_tlb_cycles\":%" PRIu64 ",\"translation_cycles\":%" PRIu64, st->l2_cycles,
		st->l2_cycles + st->walk_cycles);
	fprintf(f, ",\"vmm\":{\"interventions\":%" PRIu64 ",\"cycles\":%" PRIu64 ",\"by_cause\":{",
		mmu_vmm_total(u), st->vmm_cycles);
	for (i = 0; i < VMM_CAUSE_NR; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", vmm_cause_name((enum vmm_cause)i), st->vmm[i]);
	fprintf(f, "},\"pages\":%" PRIu64 ",\"pages_peak\":%" PRIu64 "}", st->vmm_pages, st->vmm_pages_peak);
	fprintf(f, ",\"total_cycles\":%" PRIu64, st->l2_cycles + st->walk_cycles + st->vmm_cycles);
	fprintf(f, ",\"base_bound\":%" PRIu64 ",\"isolation_faults\":%" PRIu64 ",\"tag_checks\":%" PRIu64,
		st->base_bound, st->isolation_faults, st->tag_checks);
	if (u->w.ops == &agile_walker_ops) {
		u64 sw = 0;
		for (l = 0; l <= PT_LEVELS_MAX; l++)
			sw += st->agile_switched[l];
		fprintf(f, ",\"agile\":{\"full_shadow\":%" PRIu64 ",\"switched\":%" PRIu64
			",\"full_shadow_fraction\":%.6f,\"switched_at\":{", st->agile_full_shadow, sw,
			ratio(st->agile_full_shadow, st->agile_full_shadow + sw));
		for (l = 2; l <= u->levels; l++)
			fprintf(f, "%s\"%s\":%" PRIu64, l > 2 ? "," : "", pwc_level_name[l], st->agile_switched[l]);
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
	if (s->attr) {
		json_attr(s, (int)(u - s->mmu), false, f);
		json_attr(s, (int)(u - s->mmu), true, f);
	}
	fputc('}', f);
}

void sim_report_json(const struct sim *s, FILE *f)
{
	struct machine_view mv;
	const struct os_stats *o = &mv.os;
	u32 k;
	int i;

	view_make(s, &mv);

	fprintf(f, "{\"trace\":{\"name\":");
	json_put_str(f, s->trace_name ? s->trace_name : "");
	fprintf(f, ",\"format\":");
	json_put_str(f, s->trace_format ? s->trace_format : "");
	fprintf(f, ",\"events\":%" PRIu64 ",\"accesses\":%" PRIu64 ",\"splits\":%" PRIu64
		",\"maps\":%" PRIu64 ",\"unmaps\":%" PRIu64 ",\"protects\":%" PRIu64 ",\"ctx\":%" PRIu64 "}",
		s->events, s->accesses, s->splits, s->ev_kind[EV_MAP], s->ev_kind[EV_UNMAP],
		s->ev_kind[EV_PROTECT], s->ev_kind[EV_CTX]);
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
		o->pages_mapped[PS_1G], mv.pt_pages, o->pt_writes,
		s->m.ad_commits, o->huge_splits, o->invlpg, o->flushes, o->ctx_switches);
	if (s->m.vm.on) {
		fprintf(f, ",\"vms\":[");
		for (k = 0; k < mv.n; k++) {
			const struct vm *v = &mv.vms[k].vm;
			fprintf(f, "%s{\"id\":%u,\"vpid\":%u,\"memory\":%" PRIu64 ",\"host_levels\":%d,"
				"\"host_thp\":%s,\"backing\":\"%s\",\"contiguous\":%s,\"base\":%" PRIu64
				",\"contiguous_at_start\":%s,\"bpo_mode\":\"%s\",\"processes\":%u,\"ept_pages\":%" PRIu64 ",\"ept_writes\":%" PRIu64
				",\"backed\":{\"4K\":%" PRIu64 ",\"2M\":%" PRIu64 "}}",
				k ? "," : "", v->id, v->vpid, (v->gframes - (v->hole_hi - v->hole_lo)) << PAGE_SHIFT, v->host_levels,
				v->host_thp ? "true" : "false", v->backing == BACK_CONTIGUOUS ? "contiguous" : "scattered",
				v->contiguous ? "true" : "false", v->contiguous ? v->base_hfn << PAGE_SHIFT : 0,
				v->contiguous_at_start ? "true" : "false",
				v->contiguous ? "base-plus-offset" : "nested", mv.vms[k].nprocs, v->st.ept_pages, v->st.ept_writes, v->st.backed[PS_4K],
				v->st.backed[PS_2M]);
		}
		fprintf(f, "],\"compaction\":{\"runs\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"pages\":%" PRIu64
			",\"pins_moved\":%" PRIu64 ",\"cycles\":%" PRIu64 "},\"fragmentation_pins\":%" PRIu64
			",\"unmovable_pins\":%" PRIu64,
			s->m.compaction.runs, s->m.compaction.failed, s->m.compaction.pages,
			s->m.compaction.pins_moved, s->m.compaction.cycles, s->m.frag_pins, s->m.frag_pins - s->m.npins);
	}
	fprintf(f, ",\"walkers\":[");
	for (i = 0; i < s->n; i++) {
		if (i)
			fputc(',', f);
		json_walker(s, &s->mmu[i], f);
	}
	fprintf(f, "]}\n");
	free(mv.vms);
}

/* ---- text ---- */

struct row {
	const char *label;
	int kind;        /* 0 integer, 1 real (3 decimals), 2 percent */
};

static void text_row(const struct sim *s, FILE *f, const char *label, const double *v, int kind)
{
	int i;
	fprintf(f, "  %-30s", label);
	for (i = 0; i < s->n; i++) {
		if (kind == 0)
			fprintf(f, " %16.0f", v[i]);
		else if (kind == 1)
			fprintf(f, " %16.3f", v[i]);
		else
			fprintf(f, " %15.2f%%", v[i]);
	}
	fputc('\n', f);
}

void sim_report_text(const struct sim *s, FILE *f)
{
	struct machine_view mv;
	const struct os_stats *o = &mv.os;
	double v[SIM_WALKERS_MAX];
	int i, l, k;
	u32 j;

	view_make(s, &mv);

#define ROW(label, kind, expr) do { for (i = 0; i < s->n; i++) { const struct mmu *u = &s->mmu[i]; \
	(void)u; v[i] = (double)(expr); } text_row(s, f, label, v, kind); } while (0)

	fprintf(f, "mmusim: %s (%s): %" PRIu64 " events, %" PRIu64 " accesses, %u process%s, %d-level paging, thp %s\n",
		s->trace_name ? s->trace_name : "-", s->trace_format ? s->trace_format : "-",
		s->events, s->accesses, mv.procs, mv.procs == 1 ? "" : "es", s->cfg.os.levels,
		s->cfg.os.thp == THP_ALWAYS ? "always" : "never");
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
		o->pages_mapped[PS_1G], o->segv, mv.pt_pages, o->pt_writes,
		s->m.ad_commits);
	fprintf(f, "  %-30s", "walker");
	for (i = 0; i < s->n; i++)
		fprintf(f, " %16s", s->mmu[i].name);
	fputc('\n', f);
	ROW("accesses", 0, mmu_accesses(u));
	ROW("L1 iTLB misses", 0, u->tlb.misses[TLB_L1I]);
	ROW("L1 iTLB miss rate", 2, 100.0 * ratio(u->tlb.misses[TLB_L1I], u->tlb.hits[TLB_L1I] + u->tlb.misses[TLB_L1I]));
	ROW("L1 dTLB misses", 0, u->tlb.misses[TLB_L1D]);
	ROW("L1 dTLB miss rate", 2, 100.0 * ratio(u->tlb.misses[TLB_L1D], u->tlb.hits[TLB_L1D] + u->tlb.misses[TLB_L1D]));
	ROW("L2 TLB hits", 0, u->tlb.hits[TLB_L2]);
	ROW("L2 TLB misses", 0, u->tlb.misses[TLB_L2]);
	ROW("walks", 0, u->st.walks);
	ROW("  of which dirty/permission", 0, u->st.dirty_walks);
	ROW("walk memory references", 0, u->st.walk_refs);
	ROW("references per walk", 1, ratio(u->st.walk_refs, u->st.walks));
	if (s->m.vm.on) {
		ROW("  guest dimension per walk", 1, ratio(u->st.walk_refs_dim[DIM_G], u->st.walks));
		ROW("  host dimension per walk", 1, ratio(u->st.walk_refs_dim[DIM_H], u->st.walks));
		ROW("nested TLB hits", 0, u->st.ntlb_hits);
		ROW("nested TLB misses", 0, u->st.ntlb_misses);
	}
	for (k = SRC_L1; k < SRC_NR; k++) {
		char lab[40];
		snprintf(lab, sizeof lab, "  served by %s", ref_src_name((enum ref_src)k));
		ROW(lab, 0, u->st.refs_src[k]);
	}
	ROW("PWC hits", 0, u->st.refs_src[SRC_PWC]);
	for (k = DIM_G; k <= (s->m.vm.on ? DIM_H : DIM_G); k++) {
		int top = k == DIM_G ? (int)s->cfg.os.levels : s->m.vm.host_levels;
		for (l = 2; l <= top; l++) {
			char lab[40];
			snprintf(lab, sizeof lab, "  %s%s hits / lookups", k == DIM_H ? "host " : "", pwc_level_name[l]);
			fprintf(f, "  %-30s", lab);
			for (i = 0; i < s->n; i++) {
				char cell[40];
				snprintf(cell, sizeof cell, "%" PRIu64 "/%" PRIu64, s->mmu[i].pwc.hits[k][l],
					 s->mmu[i].pwc.lookups[k][l]);
				fprintf(f, " %16s", cell);
			}
			fputc('\n', f);
		}
	}
	ROW("walk cycles", 0, u->st.walk_cycles);
	ROW("cycles per walk", 1, ratio(u->st.walk_cycles, u->st.walks));
	ROW("L2 TLB lookup cycles", 0, u->st.l2_cycles);
	ROW("translation cycles", 0, u->st.l2_cycles + u->st.walk_cycles);
	if (s->m.vm.on) {
		ROW("VMM interventions", 0, mmu_vmm_total(u));
		for (k = 0; k < VMM_CAUSE_NR; k++) {
			char lab[40];
			u64 any = 0;
			for (i = 0; i < s->n; i++)
				any |= s->mmu[i].st.vmm[k];
			if (!any)
				continue;
			snprintf(lab, sizeof lab, "  %s", vmm_cause_name((enum vmm_cause)k));
			ROW(lab, 0, u->st.vmm[k]);
		}
		ROW("VMM cycles", 0, u->st.vmm_cycles);
		ROW("VMM table pages (peak)", 0, u->st.vmm_pages_peak);
		for (i = 0; i < s->n && s->mmu[i].w.ops != &agile_walker_ops; i++)
			;
		if (i < s->n) {
			ROW("agile: misses in full shadow", 0, u->st.agile_full_shadow);
			for (l = 2; l <= (int)s->cfg.os.levels; l++) {
				char lab[40];
				snprintf(lab, sizeof lab, "agile: switched at %s", pwc_level_name[l]);
				ROW(lab, 0, u->st.agile_switched[l]);
			}
			ROW("agile: pages to nested", 0, u->st.agile_to_nested);
			ROW("agile: pages back to shadow", 0, u->st.agile_to_shadow);
		}
		ROW("total cycles (translation+VMM)", 0, u->st.l2_cycles + u->st.walk_cycles + u->st.vmm_cycles);
	}
	ROW("faults", 0, u->st.faults);
	if (s->m.vm.on) {
		ROW("base-bound computations", 0, u->st.base_bound);
		ROW("isolation faults", 0, u->st.isolation_faults);
		ROW("memory-tag checks", 0, u->st.tag_checks);
	}
	if (s->check) {
		ROW("oracle checks", 0, u->st.oracle_checks);
		ROW("oracle mismatches", 0, u->st.oracle_mismatches);
	}
	fprintf(f, "\n  walk latency histogram (cycles: walks per walker)\n");
	for (k = 0; k < WALK_HIST_N; k++) {
		char lab[40];
		u64 any = 0;
		for (i = 0; i < s->n; i++)
			any |= s->mmu[i].st.walk_hist[k];
		if (!any)
			continue;
		if (k == 0)
			snprintf(lab, sizeof lab, "  0");
		else if (k == WALK_HIST_N - 1)
			snprintf(lab, sizeof lab, "  >= %" PRIu64, hist_lo(k));
		else
			snprintf(lab, sizeof lab, "  %" PRIu64 "-%" PRIu64, hist_lo(k), (u64)((1ull << k) - 1));
		ROW(lab, 0, u->st.walk_hist[k]);
	}
#undef ROW
	if (s->attr)
		text_attr(s, f);
	free(mv.vms);
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
		fprintf(f, "  %3u  %-6s %-5s 0x%016" PRIx64 " 0x%016" PRIx64 " %-5s %6u\n", k + 1, kn[r->kind],
			ln[r->level], r->addr, r->value, ref_src_name((enum ref_src)r->src), r->cycles);
	}
	fprintf(f, "  %u memory references, %u translation-cache hits (PWC, NTLB), %u cycles\n", l->refs,
		l->n - l->refs, l->cycles);
}

/*
 * place_cli.c - the `mmusim place` command: options, the runs of each
 * placement algorithm over one trace, and the reports (table, JSON, time
 * series CSV, host backing file).
 *
 *   mmusim place -c CLUSTER.ini [-s section.key=value]... [--algo LIST]
 *                [--format azure|bitbrains|csv] [--skip-bad] [--json]
 *                [--csv FILE [--interval SECONDS]]
 *                [--backing FILE [--backing-vms SPEC]] [--write-trace FILE]
 *                TRACE | --gen SPEC
 *
 * Every printed number is a simulated quantity: the same cluster, trace
 * and algorithm give byte-identical output.
 */
#include "../place/place.h"
#include "../machine/place_backing.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define PLACE_OVR_MAX 256
#define DEFAULT_ALGOS "first,min,max,contig"
#define DEFAULT_INTERVAL 3600
#define DEFAULT_BACKING_VMS "first:10"
/* The most rows --csv writes per algorithm (docs/placement.md). */
#define PLACE_CSV_ROWS_MAX 10000000u

struct popts {
	const char *cluster, *algo, *format, *gen, *csv, *backing, *backing_vms, *write_trace;
	const char *trace;
	const char *ovr[PLACE_OVR_MAX];
	int novr;
	u64 interval;
	bool json, skip_bad;
};

void place_help(FILE *f)
{
	fputs("usage: mmusim place -c CLUSTER.ini [-s section.key=value]... [--algo LIST]\n"
	      "                    [--format azure|bitbrains|csv] [--skip-bad] [--json]\n"
	      "                    [--csv FILE [--interval SECONDS]] [--backing FILE [--backing-vms SPEC]]\n"
	      "                    [--write-trace FILE] TRACE | --gen SPEC\n"
	      "Replays a VM lifetime trace over the cluster once per placement algorithm and reports,\n"
	      "for each, the VMs that got contiguous host memory, the consolidation rate (peak powered\n"
	      "servers / servers), peak and mean powered servers and rejected VMs.\n"
	      "  --algo LIST        algorithms, comma-separated (default " DEFAULT_ALGOS "):\n"
	      "                     first, min (best fit), max (worst fit), contig (contiguity-aware),\n"
	      "                     contig-power (the seed paper's prose: power a server before scattering)\n"
	      "  --format F         azure (vmtable.csv), bitbrains (a directory of GWA-T-12 files), csv\n"
	      "                     (id,created,deleted,vcpus,memory); default: guessed from the input\n"
	      "  --skip-bad         skip and count bad rows instead of stopping at the first\n"
	      "  --csv FILE         time series: a row per algorithm every --interval seconds (default 3600)\n"
	      "  --backing FILE     host backing of chosen VMs (docs/placement.md); --backing-vms SPEC:\n"
	      "                     first:N, largest:N, all, or a comma-separated list of ids (default first:10)\n"
	      "  --write-trace FILE write the trace (e.g. a generated one) in the csv format\n"
	      "  -s SEC.KEY=VAL     override a key of the cluster file\n", f);
	vmtrace_gen_help(f);
}

static int usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "mmusim: place: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see 'mmusim help place')\n");
	return EXIT_USAGE;
}

/* 0, -1 (help printed) or EXIT_USAGE. */
static int parse(int argc, char **argv, struct popts *o)
{
	int i;

	memset(o, 0, sizeof *o);
	o->interval = DEFAULT_INTERVAL;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			place_help(stdout);
			return -1;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		} else if (!strcmp(a, "--skip-bad")) {
			o->skip_bad = true;
			continue;
		} else if (!strcmp(a, "-c")) {
			dst = &o->cluster;
		} else if (!strcmp(a, "--algo")) {
			dst = &o->algo;
		} else if (!strcmp(a, "--format")) {
			dst = &o->format;
		} else if (!strcmp(a, "--gen")) {
			dst = &o->gen;
		} else if (!strcmp(a, "--csv")) {
			dst = &o->csv;
		} else if (!strcmp(a, "--backing")) {
			dst = &o->backing;
		} else if (!strcmp(a, "--backing-vms")) {
			dst = &o->backing_vms;
		} else if (!strcmp(a, "--write-trace")) {
			dst = &o->write_trace;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--interval")) {
			if (i + 1 >= argc)
				return usage("option %s needs an argument", a);
			i++;
			if (a[1] == 's') {
				if (o->novr == PLACE_OVR_MAX)
					return usage("%s", "too many -s overrides");
				o->ovr[o->novr++] = argv[i];
			} else {
				char *end;
				unsigned long long v = strtoull(argv[i], &end, 10);
				if (*end || !*argv[i] || argv[i][0] == '-' || v == 0 || v >= VMTRACE_TIME_MAX)
					return usage("bad --interval '%s' (a number of seconds, at least 1)", argv[i]);
				o->interval = v;
			}
			continue;
		} else if (a[0] == '-' && a[1]) {
			return usage("unknown option '%s'", a);
		} else {
			if (o->trace)
				return usage("unexpected argument '%s' (one trace only)", a);
			o->trace = a;
			continue;
		}
		if (i + 1 >= argc)
			return usage("option %s needs an argument", a);
		*dst = argv[++i];
	}
	if (!o->cluster)
		return usage("%s", "a cluster description is needed: -c CLUSTER.ini (see configs/cluster-*.ini)");
	if (o->gen && o->trace)
		return usage("give either --gen or a trace, not both ('%s')", o->trace);
	if (!o->gen && !o->trace)
		return usage("%s", "a trace (file or directory) or --gen SPEC is needed");
	if (o->gen && o->format)
		return usage("%s", "--format applies to a trace file, not to --gen");
	if (o->backing_vms && !o->backing)
		return usage("%s", "--backing-vms needs --backing FILE");
	return 0;
}

/* ---- backing selection ---- */

static int cmp_largest(const void *a, const void *b, void *ctx)
{
	const struct vmtrace *t = ctx;
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	if (t->v[x].memory != t->v[y].memory)
		return t->v[x].memory > t->v[y].memory ? -1 : 1;
	return (x > y) - (x < y);
}

/* Marks the VMs SPEC chooses. 0, EXIT_USAGE or EXIT_RUNTIME (printed). */
static int select_vms(const struct vmtrace *t, const char *spec, u8 *sel)
{
	u64 i, n;
	char *end;

	if (!strcmp(spec, "all")) {
		memset(sel, 1, t->n);
		return 0;
	}
	if (!strncmp(spec, "first:", 6) || !strncmp(spec, "largest:", 8)) {
		const char *num = strchr(spec, ':') + 1;
		errno = 0;
		n = strtoull(num, &end, 10);
		if (*end || !*num || *num == '-' || errno == ERANGE || n == 0)
			return usage("bad --backing-vms '%s' (first:N, largest:N with N at least 1, all or ids)", spec);
		n = MIN(n, t->n);
		if (spec[0] == 'f') {
			memset(sel, 1, n);
		} else {
			u64 *ord = malloc(t->n * sizeof *ord);
			if (!ord) {
				fprintf(stderr, "mmusim: out of memory\n");
				return EXIT_RUNTIME;
			}
			for (i = 0; i < t->n; i++)
				ord[i] = i;
			qsort_r(ord, t->n, sizeof *ord, cmp_largest, (void *)t);
			for (i = 0; i < n; i++)
				sel[ord[i]] = 1;
			free(ord);
		}
		return 0;
	}
	for (const char *s = spec; *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char buf[32];
		bool found = false;
		for (i = 0; i < t->n; i++) {
			const char *id = vmtrace_id(t, i, buf, sizeof buf);
			if (strlen(id) == len && !strncmp(id, s, len)) {
				sel[i] = 1;
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "mmusim: --backing-vms: no VM '%.*s' in the trace\n", (int)MIN(len, 80), s);
			return EXIT_RUNTIME;
		}
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}

struct run_ctx {
	FILE *backing;
	const u8 *sel;
	int err;
};

/* The backing of placed VM i (its extents while it is alive). */
static int write_backing(FILE *f, const struct place_sim *s, u32 i)
{
	const struct place_vm *m = &s->vm[i];
	const struct vm_rec *r = &s->t->v[i];
	const struct cluster_kind *k = &s->c->kind[s->srv[m->server].kind];
	u64 g = s->c->granule, j;
	struct backing_rec b;
	char buf[32];
	const char *id = vmtrace_id(s->t, i, buf, sizeof buf);
	int rc;

	memset(&b, 0, sizeof b);
	if (strlen(id) >= sizeof b.id)
		snprintf(b.id, sizeof b.id, "vm%u", i);
	else
		snprintf(b.id, sizeof b.id, "%s", id);
	snprintf(b.algo, sizeof b.algo, "%s", place_algo_name(s->algo));
	snprintf(b.kind, sizeof b.kind, "%s", k->name);
	b.server = m->server;
	b.vcpus = r->vcpus;
	b.memory = m->frames * g;
	b.requested = r->memory;
	b.host_ram = k->frames * g;
	b.granule = g;
	b.created = r->created;
	b.deleted = r->deleted;
	b.contiguous = m->contiguous;
	b.ext = malloc((m->contiguous ? 1 : m->next) * sizeof *b.ext);
	if (!b.ext)
		return -ENOMEM;
	if (m->contiguous) {
		b.ext[0] = (struct backing_ext){ m->base * g, m->frames * g };
		b.next = 1;
	} else {
		for (j = 0; j < m->next; j++) {
			u64 hpa = m->ext[j].frame * g, bytes = (1ull << m->ext[j].order) * g;
			if (b.next && b.ext[b.next - 1].hpa + b.ext[b.next - 1].bytes == hpa)
				b.ext[b.next - 1].bytes += bytes;
			else
				b.ext[b.next++] = (struct backing_ext){ hpa, bytes };
		}
	}
	rc = backing_write(f, &b);
	free(b.ext);
	return rc;
}

static void after_event(void *ctx, const struct place_sim *s, const struct place_ev *e)
{
	struct run_ctx *c = ctx;

	if (c->err || !place_ev_arrival(e) || !c->sel[e->vm] || s->vm[e->vm].state != PVM_ALIVE)
		return;
	c->err = write_backing(c->backing, s, e->vm);
}

/* ---- reports ---- */

static double delay_mean(const struct place_stats *s)
{
	u64 later = s->compacted + s->migrated + s->migrate_local;
	return later ? s->delay_sum / (double)later : 0;
}

static void report_json(FILE *f, const struct vmtrace *t, const struct cluster *c,
			const enum place_algo *al, const struct place_stats *st, int n)
{
	u32 k;
	int i;

	fprintf(f, "{\"trace\": {\"name\": ");
	json_put_str(f, t->name);
	fprintf(f, ", \"format\": \"%s\", \"vms\": %llu, \"rows\": %llu, \"skipped\": %llu, \"files\": %llu},\n",
		vmtrace_fmt_name(t->fmt), (unsigned long long)t->n, (unsigned long long)t->rows,
		(unsigned long long)t->skipped, (unsigned long long)t->files);
	fprintf(f, " \"cluster\": {\"file\": ");
	json_put_str(f, c->file);
	fprintf(f, ", \"servers\": %u, \"granule\": %llu, \"kinds\": [", c->servers,
		(unsigned long long)c->granule);
	for (k = 0; k < c->nkinds; k++) {
		const struct cluster_kind *kd = &c->kind[k];
		fprintf(f, "%s{\"name\": \"%s\", \"servers\": %u, \"ram\": %llu, \"cores\": %u, \"vcpus\": %u, "
			"\"granules\": %llu, \"share\": %.12g}", k ? ", " : "", kd->name, kd->servers,
			(unsigned long long)kd->ram, kd->cores, kd->cap_vcpus,
			(unsigned long long)kd->cap_frames, kd->share);
	}
	fprintf(f, "]},\n \"algorithms\": [");
	for (i = 0; i < n; i++) {
		const struct place_stats *s = &st[i];
		fprintf(f, "%s\n  {\"name\": \"%s\", \"vms\": %llu, \"placed\": %llu, \"rejected\": %llu, "
			"\"contiguous\": %llu, \"contiguous_pct\": %.12g, \"scattered_extents\": %llu, "
			"\"peak_powered\": %llu, \"mean_powered\": %.12g, \"ever_powered\": %llu, \"power_ons\": %llu, "
			"\"consolidation_rate\": %.12g, \"peak_vms\": %llu, \"start\": %llu, \"end\": %llu",
			i ? "," : "", place_algo_name(al[i]), (unsigned long long)s->vms,
			(unsigned long long)s->placed, (unsigned long long)s->rejected,
			(unsigned long long)s->contiguous, s->contiguous_pct,
			(unsigned long long)s->scattered_extents, (unsigned long long)s->peak_powered,
			s->mean_powered, (unsigned long long)s->ever_powered,
			(unsigned long long)s->power_ons, s->consolidation,
			(unsigned long long)s->peak_vms, (unsigned long long)s->start, (unsigned long long)s->end);
		if (c->compaction || c->migrate_interval)   /* only then: default reports unchanged */
			fprintf(f, ", \"over_time\": {\"compacted\": %llu, \"compact_failed\": %llu, "
				"\"compact_pages\": %llu, \"migrated\": %llu, \"migrate_local\": %llu, "
				"\"migrate_pages\": %llu, \"passes\": %llu, \"eventually\": %llu, "
				"\"eventually_pct\": %.12g, \"delay_mean\": %.12g, \"delay_max\": %llu}",
				(unsigned long long)s->compacted, (unsigned long long)s->compact_failed,
				(unsigned long long)s->compact_pages, (unsigned long long)s->migrated,
				(unsigned long long)s->migrate_local, (unsigned long long)s->migrate_pages,
				(unsigned long long)s->passes, (unsigned long long)s->eventually, s->eventually_pct,
				delay_mean(s), (unsigned long long)s->delay_max);
		fputc('}', f);
	}
	fprintf(f, "\n]}\n");
}

static void report_text(FILE *f, const struct vmtrace *t, const struct cluster *c,
			const enum place_algo *al, const struct place_stats *st, int n)
{
	char b1[32], b2[32];
	u32 k;
	int i;

	format_size(c->granule, b1, sizeof b1);
	fprintf(f, "trace    %s (%s): %llu VMs", t->name, vmtrace_fmt_name(t->fmt), (unsigned long long)t->n);
	if (t->skipped)
		fprintf(f, ", %llu bad rows skipped", (unsigned long long)t->skipped);
	fprintf(f, "\ncluster  %s: %u servers, granule %s\n", c->file, c->servers, b1);
	for (k = 0; k < c->nkinds; k++) {
		const struct cluster_kind *kd = &c->kind[k];
		format_size(kd->ram, b2, sizeof b2);
		fprintf(f, "         %-10s %6u servers  %5u vCPUs  %6s RAM  (%g%%)\n", kd->name, kd->servers,
			kd->cap_vcpus, b2, kd->share);
	}
	if (n && st[0].end > st[0].start)
		fprintf(f, "span     %llu to %llu s (%.2f days)\n", (unsigned long long)st[0].start,
			(unsigned long long)st[0].end, (double)(st[0].end - st[0].start) / 86400.0);
	fprintf(f, "\n%-13s %9s %9s %10s %9s %8s %8s %10s %8s\n", "algorithm", "placed", "rejected",
		"contiguous", "contig%", "peak-on", "consol.", "mean-on", "ever-on");
	for (i = 0; i < n; i++) {
		const struct place_stats *s = &st[i];
		fprintf(f, "%-13s %9llu %9llu %10llu %9.3f %8llu %8.4f %10.2f %8llu\n", place_algo_name(al[i]),
			(unsigned long long)s->placed, (unsigned long long)s->rejected,
			(unsigned long long)s->contiguous, s->contiguous_pct,
			(unsigned long long)s->peak_powered, s->consolidation, s->mean_powered,
			(unsigned long long)s->ever_powered);
	}
	fprintf(f, "\ncontig%%: VMs given one run of host memory at creation (kept for life) / placed VMs;\n"
		   "consol.: peak powered servers / servers; mean-on: powered servers averaged over the span.\n");
	if (!c->compaction && !c->migrate_interval)
		return;
	fprintf(f, "\n%-13s %9s %8s %9s %8s %10s %8s %12s %12s %10s %10s\n", "algorithm", "compacted", "failed",
		"migrated", "local", "eventually", "event%", "compact-pg", "migrate-pg", "delay-s", "max-delay");
	for (i = 0; i < n; i++) {
		const struct place_stats *s = &st[i];
		fprintf(f, "%-13s %9llu %8llu %9llu %8llu %10llu %8.3f %12llu %12llu %10.1f %10llu\n",
			place_algo_name(al[i]), (unsigned long long)s->compacted,
			(unsigned long long)s->compact_failed, (unsigned long long)s->migrated,
			(unsigned long long)s->migrate_local, (unsigned long long)s->eventually, s->eventually_pct,
			(unsigned long long)s->compact_pages, (unsigned long long)s->migrate_pages, delay_mean(s),
			(unsigned long long)s->delay_max);
	}
	fprintf(f, "\ncompacted: made contiguous by compaction on their server when placed scattered;\n"
		   "migrated / local: made contiguous by a migration pass, to another server / on their own;\n"
		   "event%%: contiguous at creation or later / placed VMs; -pg: 4K pages moved;\n"
		   "delay-s: mean seconds from creation to contiguity of the VMs made contiguous later.\n");
}

/* ---- the command ---- */

int place_main(int argc, char **argv)
{
	enum place_algo al[PLACE_NR];
	struct place_stats st[PLACE_NR];
	struct popts o;
	struct cluster c;
	struct vmtrace t;
	struct place_events ev = { 0 };
	struct run_ctx rc = { 0 };
	FILE *csv = NULL, *bk = NULL;
	u8 *sel = NULL;
	enum vmtrace_fmt fmt = VMF_CSV;
	int n, i, r, status = 0;

	if ((r = parse(argc, argv, &o)))
		return r < 0 ? 0 : r;
	n = place_algos_parse(o.algo ? o.algo : DEFAULT_ALGOS, al, PLACE_NR);
	if (n < 0)
		return usage("bad --algo '%s' (first, min, max, contig, contig-power; comma-separated, "
			     "each once)", o.algo);
	if (o.format && vmtrace_fmt_parse(o.format, &fmt))
		return usage("unknown format '%s' (azure, bitbrains, csv)", o.format);
	if (cluster_load(&c, o.cluster, o.ovr, o.novr))
		return EXIT_RUNTIME;
	if (o.gen)
		r = vmtrace_gen(&t, o.gen);
	else
		r = vmtrace_load(&t, o.trace, o.format ? fmt : vmtrace_detect(o.trace), o.skip_bad);
	if (r) {
		cluster_free(&c);
		return EXIT_RUNTIME;
	}
	if (!t.n) {
		fprintf(stderr, "mmusim: %s: no VMs in the trace\n", t.name);
		status = EXIT_RUNTIME;
		goto out;
	}
	if (o.write_trace && vmtrace_write_csv(&t, o.write_trace)) {
		status = EXIT_RUNTIME;
		goto out;
	}
	if (o.backing) {
		sel = calloc(t.n, 1);
		if (!sel) {
			fprintf(stderr, "mmusim: out of memory\n");
			status = EXIT_RUNTIME;
			goto out;
		}
		if ((status = select_vms(&t, o.backing_vms ? o.backing_vms : DEFAULT_BACKING_VMS, sel)))
			goto out;
		bk = fopen(o.backing, "w");
		if (!bk || backing_write_header(bk)) {
			fprintf(stderr, "mmusim: %s: %s\n", o.backing, strerror(errno));
			status = EXIT_RUNTIME;
			goto out;
		}
	}
	if (o.csv) {
		/* one row per algorithm and interval over the trace's span */
		u64 lo = UINT64_MAX, hi = 0, k;
		for (k = 0; k < t.n; k++) {
			lo = MIN(lo, t.v[k].created);
			hi = MAX(hi, t.v[k].deleted);
		}
		if ((hi - lo) / o.interval >= PLACE_CSV_ROWS_MAX) {
			fprintf(stderr, "mmusim: place: --csv: the trace spans %llu s, more than %u rows of --interval "
				"%llu s (raise --interval)\n", (unsigned long long)(hi - lo), PLACE_CSV_ROWS_MAX,
				(unsigned long long)o.interval);
			status = EXIT_RUNTIME;
			goto out;
		}
		csv = fopen(o.csv, "w");
		if (!csv) {
			fprintf(stderr, "mmusim: %s: %s\n", o.csv, strerror(errno));
			status = EXIT_RUNTIME;
			goto out;
		}
		place_csv_header(csv);
	}
	if (place_events_build(&ev, &t)) {
		status = EXIT_RUNTIME;
		goto out;
	}
	rc.backing = bk;
	rc.sel = sel;
	for (i = 0; i < n; i++) {
		struct place_sim s;
		if (place_init(&s, &c, &t, al[i])) {
			status = EXIT_RUNTIME;
			goto out;
		}
		s.csv = csv;
		s.interval = o.interval;
		if (bk) {
			s.after = after_event;
			s.hook_ctx = &rc;
		}
		r = place_run(&s, &ev);
		st[i] = s.st;
		place_destroy(&s);
		if (r || rc.err) {
			if (rc.err)
				fprintf(stderr, "mmusim: %s: write error\n", o.backing);
			status = EXIT_RUNTIME;
			goto out;
		}
	}
	if (o.json)
		report_json(stdout, &t, &c, al, st, n);
	else
		report_text(stdout, &t, &c, al, st, n);
out:
	if (csv && fclose(csv) && !status) {
		fprintf(stderr, "mmusim: %s: write error\n", o.csv);
		status = EXIT_RUNTIME;
	}
	if (bk && fclose(bk) && !status) {
		fprintf(stderr, "mmusim: %s: write error\n", o.backing);
		status = EXIT_RUNTIME;
	}
	free(sel);
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
	return status;
}

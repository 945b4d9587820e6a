/*
 * main.c - the mmusim command line.
 *
 *   mmusim run     [options] TRACE | --gen SPEC
 *   mmusim compare -w a,b,... [options] TRACE | --gen SPEC
 *   mmusim explain [options] [--warm TRACE | --warm-gen SPEC] VA
 *   mmusim gen     SPEC [-o FILE] [--format text|bin] [--plain]
 *   mmusim convert IN -o OUT [--format bin|text|champsim] [--plain] [--elf PROG]
 *   mmusim record  [-o FILE] [--] PROG ARGS...                  (record.c)
 *   mmusim config  [-c FILE] [-s section.key=value]...
 *   mmusim place   -c CLUSTER.ini [options] TRACE | --gen SPEC   (place_cli.c)
 *   mmusim demo
 *
 * Exit status: 0 success, 1 runtime error (bad input, bad config, I/O),
 * 2 usage error.
 */
#include "report.h"
#include "sweep.h"
#include "../machine/place_backing.h"
#include "../place/place.h"
#include "../../workloads/trace.h"
#include "../../workloads/elf.h"
#include "record.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
/* run/compare --check: the run completed and its report was printed, but
 * some translation differed from the reference translator's. */
#define EXIT_MISMATCH 3
#define EXIT_INTERRUPTED 130        /* 128 + SIGINT, as shells report it */
#define OVERRIDES_MAX 256

/* The embedded default workload of `mmusim demo`: a skewed (zipf) access
 * pattern over 4 GiB, 30% writes, some instruction fetches. */
#define DEMO_SPEC "zipf:footprint=4G,n=2000000,alpha=0.99,rw=0.3,ifrac=0.1,seed=42"

struct opts {
	const char *cfg_file;
	const char *ovr[OVERRIDES_MAX];
	int novr;
	char *walkers;              /* a copy: parsing splits it in place, and
				     * argv stays whole for the provenance */
	char walkers_buf[1024];
	bool json, check, cold, plain;
	const char *format;
	const char *gen;
	const char *out;
	const char *warm, *warm_gen;
	const char *access;
	const char *pid;
	const char *backing;
	const char *warmup, *warmup_instr, *measure, *interval;
	const char *csv;
	bool roi, progress, quiet, allow_truncated;
	const char *elf;
	bool attribute;
	const char *top;
	char **record;             /* run --record -- PROG ARGS */
	const char *positional[4];
	int npos;
	int argc;                   /* the whole command line, for provenance */
	char **argv;
};

static const char usage_main[] =
	"usage: mmusim COMMAND [options]\n"
	"\n"
	"commands:\n"
	"  run      run a trace (or a generator) through one walker and report\n"
	"  compare  run one trace through several walkers in one pass\n"
	"  explain  print every page-walk reference of one translation\n"
	"  gen      write a synthetic generator's events to a trace file\n"
	"  convert  turn any readable trace into the binary format, text or ChampSim\n"
	"  record   record a program's accesses with PCs (QEMU user mode plugin)\n"
	"  config   print the effective configuration\n"
	"  place    replay VM lifetimes over a cluster: how many VMs get contiguous host memory\n"
	"  sweep    run a plan's grid of compares (GNU parallel, Slurm) into one tidy CSV\n"
	"  plot     draw a sweep's CSV with gnuplot\n"
	"  demo     run the embedded default workload on the default machine\n"
	"\n"
	"common options:\n"
	"  -c FILE              load an INI configuration over the embedded default\n"
	"  -s SECTION.KEY=VAL   override one key (repeatable)\n"
	"  -w WALKER[,WALKER]   walker(s) (run: one; compare: several)\n"
	"  --json               one JSON object instead of the table\n"
	"  --check              compare every translation with the reference translator\n"
	"  --format FMT         force the trace format: auto text bin lackey\n"
	"  --gen SPEC           use a synthetic generator instead of a trace file\n"
	"  --warmup N           simulate N accesses before counting (K/M/G: 10^3/10^6/10^9)\n"
	"  --warmup-instructions N   ... or N instructions (I events)\n"
	"  --measure N          stop after N counted accesses\n"
	"  --roi                count only between ROI BEGIN and ROI END markers\n"
	"  --interval N         record every statistic every N counted accesses\n"
	"  --csv FILE           also write the figures as CSV (one row per walker [per interval])\n"
	"  --progress, --quiet  force or silence the progress line on standard error\n"
	"  --allow-truncated    report a truncated trace up to its last complete event\n"
	"TRACE may be '-' for standard input (e.g. valgrind lackey piped in).\n"
	"exit status: 0 done; 1 error (one line on stderr); 2 usage error; 3 --check found translations\n"
	"that differ from the reference translator (the report is printed first).\n"
	"'mmusim help COMMAND' describes one command.\n";

static void help_walkers(FILE *f)
{
	fprintf(f, "\nwalkers:\n");
	walker_list(f);
}

static int cmd_help(const char *cmd, FILE *f)
{
	if (!cmd) {
		fputs(usage_main, f);
		help_walkers(f);
		fputc('\n', f);
		trace_gen_help(f);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		fputs("usage: mmusim run [-c FILE] [-s K=V]... [-w WALKER] [--json] [--check] [--format FMT]\n"
		      "                  [--warmup N | --warmup-instructions N | --roi] [--measure N]\n"
		      "                  [--interval N] [--csv FILE] [--progress|--quiet] [--allow-truncated]\n"
		      "                  [--backing FILE] [--elf PROG[@BIAS]] [--attribute [--top N]]\n"
		      "                  TRACE|--gen SPEC|--record [--] PROG ARGS...\n"
		      "--elf PROG: PROG's PT_LOAD segments become MAP events before the trace (for lackey\n"
		      "traces; a PIE at valgrind's base 0x108000 unless @BIAS is given).\n"
		      "--attribute: accesses, TLB misses, walks and cycles per function and per data region\n"
		      "(the --top N largest, default 20).\n"
		      "Runs every event through one MMU instance and prints its statistics.\n"
		      "The window: --warmup N simulates N accesses (--warmup-instructions: I events) with\n"
		      "every structure warming up, then resets every statistic; --measure N stops after N\n"
		      "counted accesses; --roi counts only inside ROI BEGIN / ROI END markers.\n"
		      "--interval N records every statistic every N counted accesses (JSON intervals[],\n"
		      "CSV rows). On SIGINT or SIGTERM the report covers the events up to the current one,\n"
		      "is marked interrupted, and mmusim exits with status 130.\n"
		      "--backing FILE: the host backing a placement run wrote (mmusim place --backing):\n"
		      "VM i of the trace gets record i's memory and host extents (one server's VMs).\n", f);
	else if (!strcmp(cmd, "compare"))
		fputs("usage: mmusim compare -w A,B,... [-c FILE] [-s K=V]... [--json] [--check] [window options]\n"
		      "                      [--csv FILE] TRACE|--gen SPEC\n"
		      "Window, --interval, --csv, --progress and signals: as for run.\n"
		      "Decodes the trace once and feeds each event to one MMU instance per walker, each\n"
		      "with its own TLBs and caches, over the same page tables.\n", f);
	else if (!strcmp(cmd, "explain"))
		fputs("usage: mmusim explain [-w WALKER] [-c FILE] [-s K=V]... [--warm TRACE | --warm-gen SPEC]\n"
		      "                      [--warmup N] [--access R|W|I] [--pid N] [--cold] VA\n"
		      "The warm-up runs the whole trace, or its first N accesses with --warmup N.\n"
		      "Runs the optional warm-up, drops VA from the TLBs (paging-structure caches, nested TLB\n"
		      "and PTE caches keep their state unless --cold empties them) and prints every reference\n"
		      "of the walk that translates VA: the table read (guest, host/EPT, shadow), level,\n"
		      "address, value, where it was served (PWC, NTLB, L1, L2, LLC, DRAM), cycles.\n"
		      "If VA is not mapped yet, the faulting walk and the demand fault are shown first.\n", f);
	else if (!strcmp(cmd, "gen"))
		fputs("usage: mmusim gen SPEC [-o FILE] [--format text|bin] [--plain]\n"
		      "Writes the generator's events (default: binary, gzip-compressed, to standard output\n"
		      "if no -o; --plain writes the binary format uncompressed). Text is plain, or\n"
		      "gzip-compressed when -o names a .gz file.\n", f);
	else if (!strcmp(cmd, "record"))
		fputs("usage: mmusim record [-o FILE] [--] PROG ARGS...\n"
		      "Runs PROG under qemu-x86_64 with the recorder plugin and writes its instruction fetches\n"
		      "and data accesses (with PCs), its mmap/munmap/mprotect/brk calls as MAP, UNMAP and\n"
		      "PROTECT events and its loaded ELF objects in the binary format: to FILE (zstd when it\n"
		      "ends in .zst, gzip for .gz, else plain) or to standard output, in which case PROG's own\n"
		      "output goes to standard error. 'mmusim run --record -- PROG ARGS' simulates directly.\n", f);
	else if (!strcmp(cmd, "convert"))
		fputs("usage: mmusim convert IN -o OUT [--format bin|text|champsim] [--plain] [--elf PROG]\n"
		      "Reads any trace (format detected) and writes it in another format: bin (default,\n"
		      "gzip-compressed unless --plain), text (gzip when OUT ends in .gz) or champsim\n"
		      "(xz when OUT ends in .xz). ChampSim records hold instructions and their memory\n"
		      "operands only: MAP, CTX, VM and object events are dropped, with a warning.\n"
		      "--elf PROG first writes PROG's object record and its PT_LOAD segments as MAPs.\n", f);
	else if (!strcmp(cmd, "config"))
		fputs("usage: mmusim config [-c FILE] [-s K=V]...\nPrints the effective configuration as INI.\n", f);
	else if (!strcmp(cmd, "place"))
		place_help(f);
	else if (!strcmp(cmd, "sweep"))
		return cmd_sweep(1, (char *[]){ "--help", NULL });
	else if (!strcmp(cmd, "plot"))
		return cmd_plot(1, (char *[]){ "--help", NULL });
	else if (!strcmp(cmd, "demo"))
		fputs("usage: mmusim demo\nRuns the embedded workload " DEMO_SPEC "\non the embedded default configuration.\n", f);
	else {
		fprintf(stderr, "mmusim: unknown command '%s'\n", cmd);
		return EXIT_USAGE;
	}
	return 0;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "mmusim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see 'mmusim help %s')\n", cmd);
	return -EXIT_USAGE;
}

/* Returns 0, 1 (--help printed) or -EXIT_USAGE. */
static int parse_opts(const char *cmd, int argc, char **argv, struct opts *o)
{
	int i;
	memset(o, 0, sizeof *o);
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
#define NEED_ARG() do { if (i + 1 >= argc) return usage_error(cmd, "option %s needs an argument", a); } while (0)
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			/* an unknown command's --help is a usage error */
			return cmd_help(cmd, stdout) ? -EXIT_USAGE : 1;
		} else if (!strcmp(a, "-c")) {
			NEED_ARG();
			o->cfg_file = argv[++i];
		} else if (!strcmp(a, "-s")) {
			NEED_ARG();
			if (o->novr == OVERRIDES_MAX)
				return usage_error(cmd, "%s", "too many -s overrides");
			o->ovr[o->novr++] = argv[++i];
		} else if (!strcmp(a, "-w")) {
			NEED_ARG();
			if (strlen(argv[++i]) >= sizeof o->walkers_buf)
				return usage_error(cmd, "%s", "-w: walker list too long");
			strcpy(o->walkers_buf, argv[i]);
			o->walkers = o->walkers_buf;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--check")) {
			o->check = true;
		} else if (!strcmp(a, "--cold")) {
			o->cold = true;
		} else if (!strcmp(a, "--plain")) {
			o->plain = true;
		} else if (!strcmp(a, "--format")) {
			NEED_ARG();
			o->format = argv[++i];
		} else if (!strcmp(a, "--gen")) {
			NEED_ARG();
			o->gen = argv[++i];
		} else if (!strcmp(a, "-o")) {
			NEED_ARG();
			o->out = argv[++i];
		} else if (!strcmp(a, "--warm")) {
			NEED_ARG();
			o->warm = argv[++i];
		} else if (!strcmp(a, "--warm-gen")) {
			NEED_ARG();
			o->warm_gen = argv[++i];
		} else if (!strcmp(a, "--access")) {
			NEED_ARG();
			o->access = argv[++i];
		} else if (!strcmp(a, "--pid")) {
			NEED_ARG();
			o->pid = argv[++i];
		} else if (!strcmp(a, "--backing")) {
			NEED_ARG();
			o->backing = argv[++i];
		} else if (!strcmp(a, "--warmup")) {
			NEED_ARG();
			o->warmup = argv[++i];
		} else if (!strcmp(a, "--warmup-instructions")) {
			NEED_ARG();
			o->warmup_instr = argv[++i];
		} else if (!strcmp(a, "--measure")) {
			NEED_ARG();
			o->measure = argv[++i];
		} else if (!strcmp(a, "--interval")) {
			NEED_ARG();
			o->interval = argv[++i];
		} else if (!strcmp(a, "--csv")) {
			NEED_ARG();
			o->csv = argv[++i];
		} else if (!strcmp(a, "--roi")) {
			o->roi = true;
		} else if (!strcmp(a, "--progress")) {
			o->progress = true;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(a, "--allow-truncated")) {
			o->allow_truncated = true;
		} else if (!strcmp(a, "--elf")) {
			NEED_ARG();
			o->elf = argv[++i];
		} else if (!strcmp(a, "--attribute")) {
			o->attribute = true;
		} else if (!strcmp(a, "--top")) {
			NEED_ARG();
			o->top = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return usage_error(cmd, "unknown option '%s'", a);
		} else {
			if (o->npos == (int)ARRAY_SIZE(o->positional))
				return usage_error(cmd, "unexpected argument '%s'", a);
			o->positional[o->npos++] = a;
		}
#undef NEED_ARG
	}
	return 0;
}

static int load_cfg(const struct opts *o, struct cfg *c)
{
	return cfg_load(c, o->cfg_file, o->ovr, o->novr) ? -EXIT_RUNTIME : 0;
}

static pid_t rec_pid = -1;
static char rec_prog[PATH_MAX];

/* Opens the workload: a generator spec, a trace file or a program run
 * under the recorder. */
static int open_workload(const char *cmd, const struct opts *o, struct trace **t)
{
	enum trace_fmt fmt = FMT_AUTO;
	if (o->record) {
		int p[2];
		char name[PATH_MAX + 16];
		if (o->gen || o->npos)
			return usage_error(cmd, "%s", "give --record PROG, a trace file or --gen, one of them");
		if (!o->record[0])
			return usage_error(cmd, "%s", "--record needs a program: --record -- PROG ARGS...");
		if (pipe2(p, O_CLOEXEC)) {
			fprintf(stderr, "mmusim: record: pipe: %s\n", strerror(errno));
			return -EXIT_RUNTIME;
		}
		if (record_spawn(o->record, p[1], true, &rec_pid, rec_prog, sizeof rec_prog)) {
			close(p[0]);
			close(p[1]);
			return -EXIT_RUNTIME;
		}
		close(p[1]);
		snprintf(name, sizeof name, "record:%s", rec_prog);
		return trace_open_fd(t, p[0], name, FMT_BIN) ? -EXIT_RUNTIME : 0;
	}
	if (o->gen) {
		if (o->npos)
			return usage_error(cmd, "give either --gen or a trace file, not both ('%s')", o->positional[0]);
		return trace_open_gen(t, o->gen) ? -EXIT_RUNTIME : 0;
	}
	if (o->npos != 1)
		return usage_error(cmd, "%s", o->npos ? "one trace file only" : "a trace file or --gen SPEC is needed");
	if (o->format && trace_fmt_parse(o->format, &fmt))
		return usage_error(cmd, "unknown format '%s' (auto, text, bin, lackey)", o->format);
	return trace_open(t, o->positional[0], fmt) ? -EXIT_RUNTIME : 0;
}

/* A count option (K/M/G/T decimal suffixes). 0 or -EXIT_USAGE. */
static int count_opt(const char *cmd, const char *opt, const char *val, u64 *out, bool nonzero)
{
	char msg[160];
	*out = 0;
	if (!val)
		return 0;
	if (parse_count(val, out) || (nonzero && !*out)) {
		snprintf(msg, sizeof msg, "bad %s '%%s' (a count%s: digits, 1e6, or a K/M/G/T suffix of 10^3..10^12)",
			 opt, nonzero ? " above 0" : "");
		return usage_error(cmd, msg, val);
	}
	return 0;
}

static int parse_window(const char *cmd, const struct opts *o, struct sim_window *w)
{
	int r;
	memset(w, 0, sizeof *w);
	if ((r = count_opt(cmd, "--warmup", o->warmup, &w->warmup, false)) ||
	    (r = count_opt(cmd, "--warmup-instructions", o->warmup_instr, &w->warmup_instr, false)) ||
	    (r = count_opt(cmd, "--measure", o->measure, &w->measure, true)) ||
	    (r = count_opt(cmd, "--interval", o->interval, &w->interval, true)))
		return r;
	if (o->warmup && o->warmup_instr)
		return usage_error(cmd, "%s", "give --warmup or --warmup-instructions, not both");
	if (o->roi && (o->warmup || o->warmup_instr))
		return usage_error(cmd, "%s", "--roi replaces the warm-up: the markers say what is counted");
	w->roi = o->roi;
	return 0;
}

/* FNV-1a, 64 bits (Fowler, Noll, Vo): a fingerprint of the trace's bytes,
 * not a cryptographic hash. */
static u64 fnv1a(u64 h, const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

/* Size and hash of the workload's bytes: a file's (read once more, as
 * stored: compressed bytes for gzip), or the generator spec's. 0 or
 * -EXIT_RUNTIME. */
static int trace_fingerprint(const struct opts *o, struct sim_prov *p)
{
	static unsigned char buf[1 << 16];
	struct stat sb;
	FILE *f;
	size_t n;
	u64 h = FNV_INIT;

	if (o->gen) {
		p->have_hash = true;
		p->trace_hash = fnv1a(FNV_INIT, (const unsigned char *)o->gen, strlen(o->gen));
		return 0;
	}
	if (!o->npos || !strcmp(o->positional[0], "-"))
		return 0;           /* standard input: read once, by the simulation */
	f = fopen(o->positional[0], "rb");
	if (!f || fstat(fileno(f), &sb)) {
		fprintf(stderr, "mmusim: %s: %s\n", o->positional[0], strerror(errno));
		if (f)
			fclose(f);
		return -EXIT_RUNTIME;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		h = fnv1a(h, buf, n);
	if (ferror(f)) {
		fprintf(stderr, "mmusim: %s: read error\n", o->positional[0]);
		fclose(f);
		return -EXIT_RUNTIME;
	}
	fclose(f);
	p->have_size = p->have_hash = true;
	p->trace_bytes = (u64)sb.st_size;
	p->trace_hash = h;
	return 0;
}

/* ---- long runs: signals and the progress line ---- */

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;   /* a trace read on a pipe goes on; the loop checks the flag */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct progress {
	struct trace *t;
	u64 file_bytes;             /* 0: unknown (generator, standard input) */
	bool tty;
	double start, last;
	bool printed;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress_print(struct sim *s, struct progress *p, double t)
{
	double el = t - p->start, rate = el > 0 ? (double)s->events / el : 0;
	fprintf(stderr, "%smmusim: %llu events (%.2f M/s), %llu accesses", p->tty ? "\r\033[K" : "",
		(unsigned long long)s->events, rate / 1e6, (unsigned long long)s->accesses);
	if (p->file_bytes) {
		double frac = (double)trace_pos(p->t) / (double)p->file_bytes;
		if (frac > 1)
			frac = 1;
		fprintf(stderr, ", %.1f%% of the file", 100 * frac);
		if (frac > 0 && frac < 1)
			fprintf(stderr, ", ETA %.0f s", el * (1 - frac) / frac);
	}
	if (!p->tty)
		fputc('\n', stderr);
	p->printed = true;
}

static void progress_cb(struct sim *s, void *arg)
{
	struct progress *p = arg;
	double t = now_s();
	if (t - p->last < 0.5)
		return;
	p->last = t;
	progress_print(s, p, t);
}

/* --elf SPEC: the program's object and its segments as MAP events, before
 * the trace. 0 or -errno. */
static int elf_events_sim(const char *spec, struct trace *t, struct sim *s)
{
	char path[PATH_MAX];
	struct trace_obj ob;
	struct ev maps[OBJ_SEG_MAX];
	bool given;
	u64 bias;
	int r, n;

	elf_spec(spec, path, sizeof path, &bias, &given);
	if ((r = elf_read_obj(path, bias, given, &ob)))
		return r;
	r = trace_add_obj(t, &ob);
	n = elf_obj_maps(&ob, maps);
	free(ob.path);
	if (r < 0)
		return r;
	return sim_events(s, maps, n);
}

static int run_sim(const char *cmd, const struct opts *o, bool many)
{
	struct backing_rec *recs = NULL;
	u64 nrecs = 0;
	const char *names[SIM_WALKERS_MAX];
	struct sim_window win;
	struct sim_prov prov = { mmusim_version, o->argc, o->argv, false, false, 0, 0 };
	struct progress pg;
	struct cfg c;
	struct sim s;
	struct trace *t = NULL;
	FILE *csv = NULL;
	bool interrupted;
	long top = 20;              /* --attribute rows */
	int n, r;

	if ((r = load_cfg(o, &c)))
		return r;
	if ((r = parse_window(cmd, o, &win)))
		return r;
	if (o->progress && o->quiet)
		return usage_error(cmd, "%s", "give --progress or --quiet, not both");
	if (o->top) {
		char *end;
		if (!o->attribute)
			return usage_error(cmd, "%s", "--top goes with --attribute");
		top = strtol(o->top, &end, 10);
		if (*end || top < 1 || top > 1000000)
			return usage_error(cmd, "bad --top '%s' (a count of rows, 1 or more)", o->top);
	}
	if (o->walkers) {
		n = sim_parse_walkers(o->walkers, names, SIM_WALKERS_MAX);
		if (n < 0)
			return usage_error(cmd, "bad walker list '%s'", o->walkers);
		if (!many && n != 1)
			return usage_error(cmd, "run takes one walker ('%s'); use compare", o->walkers);
		for (r = 0; r < n; r++)
			if (!walker_find(names[r]))
				return usage_error(cmd, "unknown walker '%s' after -w", names[r]);
	} else {
		if (many)
			return usage_error(cmd, "%s", "compare needs -w WALKER,WALKER,...");
		names[0] = c.walker.name;
		n = 1;
	}
	if (o->backing) {
		/* VMs placed by `mmusim place --backing`: VM i of the trace gets
		 * record i's memory and host extents, on its server's RAM */
		u64 k;
		if (backing_read(o->backing, &recs, &nrecs))
			return -EXIT_RUNTIME;
		if (!nrecs) {
			fprintf(stderr, "mmusim: %s: no vm records (none of the VMs chosen with --backing-vms "
				"was placed)\n", o->backing);
			return -EXIT_RUNTIME;
		}
		for (k = 1; k < nrecs; k++)
			if (recs[k].server != recs[0].server) {
				fprintf(stderr, "mmusim: %s: VMs %s and %s are on different servers (%u, %u); "
					"give one server's VMs\n", o->backing, recs[0].id, recs[k].id, recs[0].server,
					recs[k].server);
				backing_free(recs, nrecs);
				return -EXIT_RUNTIME;
			}
		if (nrecs)
			c.host.ram = recs[0].host_ram;
	}
	if ((r = open_workload(cmd, o, &t))) {
		backing_free(recs, nrecs);
		return r;
	}
	if (trace_fingerprint(o, &prov)) {
		trace_close(t);
		backing_free(recs, nrecs);
		return -EXIT_RUNTIME;
	}
	if (o->csv && !(csv = fopen(o->csv, "w"))) {
		fprintf(stderr, "mmusim: %s: %s\n", o->csv, strerror(errno));
		trace_close(t);
		backing_free(recs, nrecs);
		return -EXIT_RUNTIME;
	}
	if (sim_init_placed(&s, &c, names, n, o->check, recs, nrecs)) {
		trace_close(t);
		backing_free(recs, nrecs);
		if (csv)
			fclose(csv);
		return -EXIT_RUNTIME;
	}
	sim_set_window(&s, &win);
	catch_signals();
	s.stop = &stop_requested;
	memset(&pg, 0, sizeof pg);
	if (o->progress || (!o->quiet && isatty(STDERR_FILENO))) {
		pg.t = t;
		pg.tty = isatty(STDERR_FILENO);
		pg.file_bytes = prov.have_size ? prov.trace_bytes : 0;
		pg.start = pg.last = now_s();
		s.progress = progress_cb;
		s.progress_arg = &pg;
	}
	r = 0;
	if (o->attribute && sim_attribute(&s, (int)top))
		r = -ENOMEM;
	if (o->elf && !r)
		r = elf_events_sim(o->elf, t, &s);
	if (!r)
		r = sim_run(&s, t);
	if (s.progress) {
		progress_print(&s, &pg, now_s());
		if (pg.tty)
			fputc('\n', stderr);
	}
	if (rec_pid > 0) {
		if (r) {                 /* a reader gone early stops the recorder */
			trace_close(t);
			t = NULL;
		}
		if (record_wait(rec_pid, rec_prog) && !r)
			r = -EIO;
		rec_pid = -1;
	}
	if (r && o->allow_truncated && t && trace_truncated(t)) {
		/* the reader printed what is wrong; the report says it too */
		s.end = SIM_END_TRUNCATED;
		r = 0;
	}
	if (!r) {
		u64 bad = 0;
		int i;
		if (o->json)
			sim_report_json(&s, &prov, stdout);
		else
			sim_report_text(&s, &prov, stdout);
		if (csv)
			sim_report_csv(&s, &prov, csv);
		for (i = 0; i < s.n; i++)
			bad += s.mmu[i].st.oracle_mismatches;
		if (bad) {
			fprintf(stderr, "mmusim: check: %llu translations differ from the reference translator\n",
				(unsigned long long)bad);
			r = EXIT_MISMATCH;
		}
	}
	if (csv && fclose(csv) && (!r || r == EXIT_MISMATCH)) {
		fprintf(stderr, "mmusim: %s: write error\n", o->csv);
		r = -EIO;
	}
	interrupted = s.end == SIM_END_INTERRUPTED;
	trace_close(t);
	sim_destroy(&s);
	backing_free(recs, nrecs);
	if (r == EXIT_MISMATCH)
		return interrupted ? -EXIT_INTERRUPTED : -EXIT_MISMATCH;
	if (r)
		return -EXIT_RUNTIME;
	return interrupted ? -EXIT_INTERRUPTED : 0;
}

static int cmd_explain(const struct opts *o)
{
	const char *name;
	struct cfg c;
	struct sim s;
	struct trace *t = NULL;
	enum acc a = ACC_R;
	u64 va, pid = 0;
	struct xlate_out out;
	struct walk_fault f;
	struct mmu *u;
	u64 warm_n = 0;
	int r;

	if ((r = load_cfg(o, &c)))
		return r;
	name = o->walkers ? o->walkers : c.walker.name;
	if (strchr(name, ','))
		return usage_error("explain", "explain takes one walker ('%s')", name);
	if (o->walkers && !walker_find(name))
		return usage_error("explain", "unknown walker '%s' after -w", name);
	if (o->npos != 1)
		return usage_error("explain", "%s", "one virtual address is needed");
	if (parse_hex(o->positional[0], &va) || va >> VA_BITS_MAX)
		return usage_error("explain", "bad virtual address '%s' (hex, below 2^57)", o->positional[0]);
	if (o->access) {
		if (!strcmp(o->access, "R") || !strcmp(o->access, "r"))
			a = ACC_R;
		else if (!strcmp(o->access, "W") || !strcmp(o->access, "w"))
			a = ACC_W;
		else if (!strcmp(o->access, "I") || !strcmp(o->access, "i"))
			a = ACC_I;
		else
			return usage_error("explain", "bad access type '%s' (R, W or I)", o->access);
	}
	if (o->pid) {
		char *end;
		pid = strtoull(o->pid, &end, 0);
		if (*end || !*o->pid || pid > UINT32_MAX)
			return usage_error("explain", "bad pid '%s'", o->pid);
	}
	if (o->warm && o->warm_gen)
		return usage_error("explain", "%s", "give --warm or --warm-gen, not both");
	if ((r = count_opt("explain", "--warmup", o->warmup, &warm_n, true)))
		return r;
	if (o->warmup && !o->warm && !o->warm_gen)
		return usage_error("explain", "%s", "--warmup N needs --warm TRACE or --warm-gen SPEC");
	if (sim_init(&s, &c, &name, 1, true))
		return -EXIT_RUNTIME;
	u = &s.mmu[0];
	if (o->warm || o->warm_gen) {
		struct sim_window w = { .measure = warm_n };  /* the first N accesses warm up */
		sim_set_window(&s, &w);
		r = o->warm ? trace_open(&t, o->warm, FMT_AUTO) : trace_open_gen(&t, o->warm_gen);
		if (!r) {
			r = sim_run(&s, t);
			trace_close(t);
		}
		if (r) {
			sim_destroy(&s);
			return -EXIT_RUNTIME;
		}
	}
	if (os_switch(&s.m.os, (u32)pid)) {
		sim_destroy(&s);
		return -EXIT_RUNTIME;
	}
	/* The translation must walk: drop VA from the TLBs only. */
	tlb_invalidate_va(&u->tlb, va, u->ctx);
	u->fp[0].valid = u->fp[1].valid = false;
	if (o->cold) {
		pwc_flush_all(&u->pwc);
		sa_invalidate_if(&u->ntlb, NULL, NULL);
		memport_flush(&u->port);
	}
	printf("explain: walker %s, %c 0x%llx, pid %llu, %u-level paging%s%s\n", u->name, "RWIM"[a],
	       (unsigned long long)va, (unsigned long long)pid, c.os.levels,
	       o->warm || o->warm_gen ? ", after warm-up" : "", o->cold ? ", cold caches" : "");
	r = 0;
	if (!mmu_translate(u, va, a, &out, &f)) {
		machine_commit_ad(&s.m);
		printf("walk 1 faults: %s at %s level %d\n", fault_kind_name(f.kind),
		       f.dim == DIM_G ? "guest" : "host", f.level);
		sim_explain_log(&s, 0, stdout);
		switch (os_fault(&s.m.os, va, a)) {
		case OS_MAPPED:
			printf("the OS maps the page (demand paging); the access retries%s:\n",
			       o->cold ? " (caches emptied again)" : "");
			if (o->cold) {
				pwc_flush_all(&u->pwc);
				sa_invalidate_if(&u->ntlb, NULL, NULL);
				memport_flush(&u->port);
			}
			if (!mmu_translate(u, va, a, &out, &f)) {
				printf("walk 2 faults: %s\n", fault_kind_name(f.kind));
				sim_explain_log(&s, 0, stdout);
				r = -EXIT_RUNTIME;
				goto done;
			}
			machine_commit_ad(&s.m);
			break;
		case OS_SEGV:
			printf("the OS delivers the fault to the program (no mapping allowed here)\n");
			goto done;
		case OS_OOM:
			fprintf(stderr, "mmusim: simulated physical memory exhausted\n");
			r = -EXIT_RUNTIME;
			goto done;
		}
	}
	printf("walk: 0x%llx -> 0x%llx (%s page, %s%s%s)\n", (unsigned long long)va,
	       (unsigned long long)out.pa.v, psize_name(out.ps), out.perms & PERM_W ? "rw" : "r-",
	       out.perms & PERM_X ? "x" : "-", out.perms & PERM_U ? ", user" : "");
	sim_explain_log(&s, 0, stdout);
done:
	sim_destroy(&s);
	return r;
}

static int cmd_gen(const struct opts *o)
{
	struct trace *t;
	struct trace_writer *w;
	enum trace_fmt fmt = FMT_BIN;
	struct ev buf[4096];
	int n, r = 0, i;

	if (o->npos != 1)
		return usage_error("gen", "%s", "one generator SPEC is needed");
	if (o->format && (trace_fmt_parse(o->format, &fmt) || (fmt != FMT_TEXT && fmt != FMT_BIN)))
		return usage_error("gen", "gen writes text or bin, not '%s'", o->format);
	if (fmt == FMT_TEXT && o->plain)
		return usage_error("gen", "%s", "--plain is for the binary format (text is plain unless -o names a .gz file)");
	if (trace_open_gen(&t, o->positional[0]))
		return -EXIT_RUNTIME;
	/* binary: gzip unless --plain; text: gzip when the file is named .gz */
	if (trace_writer_open(&w, o->out ? o->out : "-", fmt,
			      fmt == FMT_BIN ? !o->plain : o->out && strlen(o->out) > 3 &&
			      !strcmp(o->out + strlen(o->out) - 3, ".gz"))) {
		trace_close(t);
		return -EXIT_RUNTIME;
	}
	while (!r && (n = trace_read(t, buf, (int)ARRAY_SIZE(buf))) > 0)
		for (i = 0; i < n && !r; i++)
			r = trace_writer_put(w, &buf[i]);
	if (n < 0)
		r = n;
	if (trace_writer_close(w) && !r)
		r = -EIO;
	trace_close(t);
	return r ? -EXIT_RUNTIME : 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static int cmd_convert(const struct opts *o)
{
	struct trace *t;
	struct trace_writer *w;
	enum trace_fmt fmt = FMT_BIN;
	struct ev buf[4096];
	int n, r = 0, i;
	bool gz;

	if (o->npos != 1)
		return usage_error("convert", "%s", o->npos ? "one input trace only" : "an input trace is needed");
	if (!o->out)
		return usage_error("convert", "%s", "-o OUT is needed");
	if (o->format && (trace_fmt_parse(o->format, &fmt) || (fmt != FMT_TEXT && fmt != FMT_BIN && fmt != FMT_CHAMPSIM)))
		return usage_error("convert", "convert writes bin, text or champsim, not '%s'", o->format);
	gz = fmt == FMT_BIN ? !o->plain : fmt == FMT_TEXT && has_suffix(o->out, ".gz");
	if (trace_open(&t, o->positional[0], FMT_AUTO))
		return -EXIT_RUNTIME;
	if (trace_writer_open(&w, o->out, fmt, gz)) {
		trace_close(t);
		return -EXIT_RUNTIME;
	}
	if (o->elf)
		r = elf_events_write(o->elf, t, w);
	while (!r && (n = trace_read(t, buf, (int)ARRAY_SIZE(buf))) > 0)
		for (i = 0; i < n && !r; i++)
			r = buf[i].kind == EV_OBJ ? trace_writer_put_obj(w, trace_object(t, buf[i].size))
						  : trace_writer_put(w, &buf[i]);
	if (!r && n < 0)
		r = n;
	if (!r && trace_writer_dropped(w))
		fprintf(stderr, "mmusim: %s: warning: %llu events have no ChampSim form (MAP, UNMAP, PROTECT, CTX, VM, "
			"objects, address 0) and were left out\n", o->out, (unsigned long long)trace_writer_dropped(w));
	if (trace_writer_close(w) && !r)
		r = -EIO;
	trace_close(t);
	return r ? -EXIT_RUNTIME : 0;
}

static int cmd_config(const struct opts *o)
{
	struct cfg c;
	int r;
	if (o->npos)
		return usage_error("config", "unexpected argument '%s'", o->positional[0]);
	if ((r = load_cfg(o, &c)))
		return r;
	cfg_dump(&c, stdout);
	return 0;
}

/* mmusim record [-o FILE] [--] PROG ARGS... */
static int cmd_record(int argc, char **argv)
{
	const char *out = NULL;
	int i;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cmd_help("record", stdout);
			return 0;
		} else if (!strcmp(argv[i], "-o")) {
			if (i + 1 >= argc)
				return -usage_error("record", "%s", "option -o needs an argument");
			out = argv[++i];
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return -usage_error("record", "unknown option '%s'", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc)
		return -usage_error("record", "%s", "a program is needed: mmusim record [-o FILE] -- PROG ARGS...");
	return record_main(out, argv + i) ? EXIT_RUNTIME : 0;
}

/* The placement simulator has options of its own (place_cli.c). */
static int cmd_place(int argc, char **argv)
{
	return place_main(argc, argv);
}

static int mmusim_main(int argc, char **argv)
{
	struct opts o;
	const char *cmd;
	int r;

	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help"))
		return cmd_help(argc > 2 ? argv[2] : NULL, stdout);
	if (!strcmp(cmd, "--version")) {
		printf("mmusim %s\n", mmusim_version);
		return 0;
	}
	if (!strcmp(cmd, "place"))
		return cmd_place(argc - 2, argv + 2);
	if (!strcmp(cmd, "sweep"))
		return cmd_sweep(argc - 2, argv + 2);
	if (!strcmp(cmd, "plot"))
		return cmd_plot(argc - 2, argv + 2);
	if (!strcmp(cmd, "record"))
		return cmd_record(argc - 2, argv + 2);
	{
		/* run|compare ... --record [--] PROG ARGS: the rest is the program */
		int k;
		char **rec = NULL;
		for (k = 2; k < argc; k++)
			if (!strcmp(argv[k], "--record")) {
				rec = argv + k + 1;
				if (*rec && !strcmp(*rec, "--"))
					rec++;
				argc = k;
				break;
			}
		r = parse_opts(cmd, argc - 2, argv + 2, &o);
		o.record = rec;
		if (rec && strcmp(cmd, "run") && strcmp(cmd, "compare"))
			return -usage_error(cmd, "%s", "--record is an option of run and compare");
	}
	if (r == 1)
		return 0;
	if (r < 0)
		return -r;
	o.argc = argc;
	o.argv = argv;
	if (!strcmp(cmd, "run"))
		r = run_sim(cmd, &o, false);
	else if (!strcmp(cmd, "compare"))
		r = run_sim(cmd, &o, true);
	else if (!strcmp(cmd, "explain"))
		r = cmd_explain(&o);
	else if (!strcmp(cmd, "gen"))
		r = cmd_gen(&o);
	else if (!strcmp(cmd, "config"))
		r = cmd_config(&o);
	else if (!strcmp(cmd, "convert"))
		r = cmd_convert(&o);
	else if (!strcmp(cmd, "demo")) {
		if (o.npos || o.gen)
			return usage_error("demo", "%s", "demo takes no workload") ? EXIT_USAGE : EXIT_USAGE;
		o.gen = DEMO_SPEC;
		printf("mmusim demo: embedded workload %s on the embedded default machine\n\n", DEMO_SPEC);
		r = run_sim("run", &o, false);
	} else {
		fprintf(stderr, "mmusim: unknown command '%s' (see 'mmusim --help')\n", cmd);
		return EXIT_USAGE;
	}
	return r < 0 ? -r : 0;
}

/* Every report goes to standard output: a write error there (a full disk,
 * /dev/full, a closed pipe's EIO) fails the command, also when it is only
 * found by the final flush. */
int main(int argc, char **argv)
{
	int r = mmusim_main(argc, argv);
	int bad = ferror(stdout);
	errno = 0;
	if (fflush(stdout))
		bad = 1;
	if (fclose(stdout))
		bad = 1;
	if (bad) {
		fprintf(stderr, "mmusim: standard output: write error: %s\n", errno ? strerror(errno) : "I/O error");
		return r ? r : EXIT_RUNTIME;
	}
	return r;
}

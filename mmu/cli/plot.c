/*
 * plot.c - `mmusim plot RESULTS.csv --kind K`: gnuplot figures from the
 * tidy CSV of a sweep (or of `--csv`), one series per walker.
 *
 *   bars    one bar per walker for each value of --x (default: workload),
 *           y = --metric; --relative W divides by walker W's value at the
 *           same x (e.g. cycles relative to native)
 *   lines   --metric against a numeric column --x (a swept axis), a line per
 *           walker
 *   hist    the walk-latency histogram (walk_cycle_hist.*): fraction of walks
 *           per power-of-two bucket, a bar per walker
 *   cdf     the same as a cumulative fraction against cycles (log2 axis)
 *   series  --metric against the interval column --x (default: interval) of
 *           a time series, a line per walker
 *
 * Every figure selects one row per (x, walker): --where COL=VAL (repeatable)
 * narrows the rows, and plotting stops with an error naming the columns to
 * fix when a cell holds several rows. The data and the script go next to
 * the figure (FIG.dat, FIG.gp) so that they can be edited and replotted
 * with `gnuplot FIG.gp`. Colours: the Okabe-Ito palette (safe for the
 * common colour-vision deficiencies); output: svg, png (cairo) or pdf
 * (cairo), by the extension of -o.
 */
#include "sweep.h"
#include "../util/types.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define PLOT_WHERE_MAX 16
#define PLOT_SERIES_MAX 16

struct csv {
	char **cell;           /* row-major, ncols per row */
	size_t nrows, ncols;
	char **head;
};

static void *xalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		fprintf(stderr, "mmusim: out of memory\n");
		exit(EXIT_RUNTIME);
	}
	return p;
}

/* Reads one CSV record (RFC 4180 quoting) into fields; NULL at the end. */
static char **csv_record(FILE *f, size_t *n, int *line)
{
	char **v = NULL, *buf = NULL;
	size_t nv = 0, cap = 0, len = 0, bcap = 0;
	int c;
	bool q = false, any = false;

	for (;;) {
		c = getc(f);
		if (c == EOF && !any)
			return NULL;
		any = true;
		if (q) {
			if (c == EOF)
				break;
			if (c == '"') {
				int d = getc(f);
				if (d != '"') {
					q = false;
					if (d != EOF)
						ungetc(d, f);
					continue;
				}
			}
			if (c == '\n')
				(*line)++;
		} else if (c == '"' && len == 0) {
			q = true;
			continue;
		} else if (c == ',' || c == '\n' || c == EOF) {
			if (nv == cap) {
				cap = cap ? 2 * cap : 64;
				v = realloc(v, cap * sizeof *v);
				if (!v)
					exit(EXIT_RUNTIME);
			}
			v[nv++] = strndup(buf ? buf : "", len);
			len = 0;
			if (c != ',') {
				(*line)++;
				break;
			}
			continue;
		} else if (c == '\r') {
			continue;
		}
		if (len + 1 >= bcap) {
			bcap = bcap ? 2 * bcap : 128;
			buf = realloc(buf, bcap);
			if (!buf)
				exit(EXIT_RUNTIME);
		}
		buf[len++] = (char)c;
	}
	free(buf);
	*n = nv;
	return v;
}

static int csv_load(struct csv *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char **rec;
	size_t n, cap = 0;
	int line = 0;

	memset(t, 0, sizeof *t);
	if (!f) {
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!(t->head = csv_record(f, &t->ncols, &line)) || t->ncols < 2) {
		fprintf(stderr, "mmusim: %s: no header line\n", path);
		fclose(f);
		return -1;
	}
	while ((rec = csv_record(f, &n, &line))) {
		size_t i;
		if (n == 1 && !rec[0][0]) {          /* blank line */
			free(rec[0]);
			free(rec);
			continue;
		}
		if (n != t->ncols) {
			fprintf(stderr, "mmusim: %s:%d: %zu fields, the header has %zu\n", path, line, n, t->ncols);
			for (i = 0; i < n; i++)
				free(rec[i]);
			free(rec);
			fclose(f);
			return -1;
		}
		if (t->nrows == cap) {
			cap = cap ? 2 * cap : 64;
			t->cell = realloc(t->cell, cap * t->ncols * sizeof *t->cell);
			if (!t->cell)
				exit(EXIT_RUNTIME);
		}
		memcpy(t->cell + t->nrows * t->ncols, rec, n * sizeof *rec);
		free(rec);
		t->nrows++;
	}
	fclose(f);
	return 0;
}

static long csv_col(const struct csv *t, const char *name)
{
	size_t i;
	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->head[i], name))
			return (long)i;
	return -1;
}

static const char *cell(const struct csv *t, size_t r, long c)
{
	return t->cell[r * t->ncols + (size_t)c];
}

struct plot_opts {
	const char *csv, *kind, *metric, *x, *out, *relative, *title;
	const char *where[PLOT_WHERE_MAX];
	int nwhere;
	bool log;
};

/* Okabe & Ito (2008), "Color Universal Design". */
static const char *const palette[] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000",
};

/* A label with units for the figures mmusim reports. */
static const char *metric_label(const char *m)
{
	static const struct { const char *m, *label; } known[] = {
		{ "walk_cycles_mean", "cycles per page walk" },
		{ "walk_cycles", "page-walk cycles" },
		{ "walk_refs_per_walk", "memory references per walk" },
		{ "walk_refs", "page-walk memory references" },
		{ "walks", "page walks" },
		{ "translation_cycles", "address-translation cycles" },
		{ "total_cycles", "translation + VMM cycles" },
		{ "l2_tlb_cycles", "L2 TLB lookup cycles" },
		{ "tlb.l2.misses", "L2 TLB misses" },
		{ "tlb.l1d.misses", "L1 dTLB misses" },
		{ "vmm.cycles", "VMM cycles" },
		{ "vmm.interventions", "VMM interventions" },
		{ "exec.cycles", "estimated execution cycles" },
		{ "exec.overhead_pct", "execution-time overhead (%)" },
		{ "exec.vs_native", "execution time relative to native" },
	};
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(known[i].m, m))
			return known[i].label;
	return m;
}

/* gnuplot string literal (single-quoted; ' doubled). */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* The .dat cell for a string: gnuplot reads whitespace-separated columns,
 * strings in double quotes. */
static void dat_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' ? '\'' : *s, f);
	fputc('"', f);
}

static bool row_selected(const struct csv *t, size_t r, const long *wc, char *const *wv, int nw)
{
	int i;
	for (i = 0; i < nw; i++)
		if (strcmp(cell(t, r, wc[i]), wv[i]))
			return false;
	return true;
}

static const char plot_usage[] =
	"usage: mmusim plot RESULTS.csv --kind bars|lines|hist|cdf|series [-o FIG.svg|png|pdf]\n"
	"                   [--metric COL] [--x COL] [--where COL=VAL]... [--relative WALKER]\n"
	"                   [--log] [--title TEXT]\n"
	"Draws one series per walker with gnuplot; writes FIG.dat and FIG.gp beside FIG.\n"
	"  bars    --metric for each --x (default workload), a bar per walker\n"
	"  lines   --metric against the numeric column --x (a swept axis)\n"
	"  hist    walk-latency histogram (fraction of walks per cycle bucket)\n"
	"  cdf     cumulative fraction of walks against cycles\n"
	"  series  --metric against --x (default interval) of a time series\n"
	"--where COL=VAL keeps the rows where COL is VAL; each (x, walker) must be one row.\n"
	"--relative W divides every value by walker W's at the same x. --log: log y axis.\n";

static int plot_usage_error(const char *fmt, const char *arg)
{
	return cli_usage_error("plot", fmt, arg);
}

/* The figure's x values (strings, in first-seen order) and walkers; value
 * v[x][s] (NAN: none). */
struct grid {
	char **xs, **ws;
	size_t nx, nw;
	double *v;
	size_t *nrow;          /* rows that fell in each cell */
};

static size_t intern(char ***list, size_t *n, const char *s)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (!strcmp((*list)[i], s))
			return i;
	*list = realloc(*list, (*n + 1) * sizeof **list);
	if (!*list)
		exit(EXIT_RUNTIME);
	(*list)[*n] = strdup(s);
	return (*n)++;
}

static int kind_of(const char *k)
{
	static const char *const kinds[] = { "bars", "lines", "hist", "cdf", "series" };
	int i;
	for (i = 0; i < 5; i++)
		if (!strcmp(k, kinds[i]))
			return i;
	return -1;
}
enum { K_BARS, K_LINES, K_HIST, K_CDF, K_SERIES };

static int cmp_num(const void *a, const void *b)
{
	double x = strtod(*(char *const *)a, NULL), y = strtod(*(char *const *)b, NULL);
	return x < y ? -1 : x > y;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_opts o = { 0 };
	struct csv t;
	struct grid g = { 0 };
	long wc[PLOT_WHERE_MAX], xcol = -1, mcol = -1, wkcol;
	char *wv[PLOT_WHERE_MAX] = { 0 };
	char fig[4096], dat[4200], gp[4200], *ext;
	const char *term;
	FILE *f;
	int i, kind, rc = EXIT_RUNTIME;
	size_t r, x, s;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
#define NEED() do { if (i + 1 >= argc) return plot_usage_error("option %s needs an argument", a); } while (0)
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(plot_usage, stdout);
			return 0;
		} else if (!strcmp(a, "--kind")) {
			NEED();
			o.kind = argv[++i];
		} else if (!strcmp(a, "--metric")) {
			NEED();
			o.metric = argv[++i];
		} else if (!strcmp(a, "--x")) {
			NEED();
			o.x = argv[++i];
		} else if (!strcmp(a, "-o")) {
			NEED();
			o.out = argv[++i];
		} else if (!strcmp(a, "--where")) {
			NEED();
			if (o.nwhere == PLOT_WHERE_MAX)
				return plot_usage_error("%s", "too many --where");
			if (!strchr(argv[i + 1], '='))
				return plot_usage_error("--where '%s': expected COL=VAL", argv[i + 1]);
			o.where[o.nwhere++] = argv[++i];
		} else if (!strcmp(a, "--relative")) {
			NEED();
			o.relative = argv[++i];
		} else if (!strcmp(a, "--title")) {
			NEED();
			o.title = argv[++i];
		} else if (!strcmp(a, "--log")) {
			o.log = true;
		} else if (a[0] == '-' && a[1]) {
			return plot_usage_error("unknown option '%s'", a);
		} else if (o.csv) {
			return plot_usage_error("one CSV only ('%s')", a);
		} else {
			o.csv = a;
		}
#undef NEED
	}
	if (!o.csv)
		return plot_usage_error("%s", "a CSV file is needed");
	if (!o.kind || (kind = kind_of(o.kind)) < 0)
		return plot_usage_error("--kind '%s': bars, lines, hist, cdf or series", o.kind ? o.kind : "");
	if ((kind == K_BARS || kind == K_LINES || kind == K_SERIES) && !o.metric)
		o.metric = "walk_cycles_mean";
	if (kind == K_LINES && !o.x)
		return plot_usage_error("%s", "--kind lines needs --x COLUMN (a swept axis)");
	if (!o.x)
		o.x = kind == K_SERIES ? "interval" : "workload";
	if (o.out) {
		snprintf(fig, sizeof fig, "%s", o.out);
	} else {
		const char *sl = strrchr(o.csv, '/');
		snprintf(fig, sizeof fig, "%.*splot-%s.svg", sl ? (int)(sl - o.csv + 1) : 0, o.csv, o.kind);
	}
	ext = strrchr(fig, '.');
	if (!ext || (strcmp(ext, ".svg") && strcmp(ext, ".png") && strcmp(ext, ".pdf")))
		return plot_usage_error("-o '%s': the figure must end in .svg, .png or .pdf", fig);
	term = !strcmp(ext, ".svg") ? "svg size 800,500 dynamic enhanced font 'Helvetica,14' background rgb 'white'"
	     : !strcmp(ext, ".png") ? "pngcairo size 1200,750 enhanced font 'Helvetica,14'"
				    : "pdfcairo size 5in,3.125in enhanced font 'Helvetica,10'";
	snprintf(dat, sizeof dat, "%.*s.dat", (int)(ext - fig), fig);
	snprintf(gp, sizeof gp, "%.*s.gp", (int)(ext - fig), fig);

	if (csv_load(&t, o.csv))
		return EXIT_RUNTIME;
	if ((wkcol = csv_col(&t, "walker")) < 0) {
		fprintf(stderr, "mmusim: %s: no 'walker' column\n", o.csv);
		goto out;
	}
	for (i = 0; i < o.nwhere; i++) {
		const char *eq = strchr(o.where[i], '=');
		char name[512];
		snprintf(name, sizeof name, "%.*s", (int)(eq - o.where[i]), o.where[i]);
		if ((wc[i] = csv_col(&t, name)) < 0) {
			fprintf(stderr, "mmusim: %s: --where: no column '%s'\n", o.csv, name);
			goto out;
		}
		wv[i] = strdup(eq + 1);
	}
	if (kind == K_HIST || kind == K_CDF) {
		/* x: the histogram's buckets; one value per walker */
		char name[64];
		long lo, hi, cnt;
		int b;
		for (b = 0;; b++) {
			snprintf(name, sizeof name, "walk_cycle_hist.%d.count", b);
			if ((cnt = csv_col(&t, name)) < 0)
				break;
		}
		if (b == 0) {
			fprintf(stderr, "mmusim: %s: no walk_cycle_hist.* columns\n", o.csv);
			goto out;
		}
		g.nx = (size_t)b;
		g.xs = xalloc(g.nx * sizeof *g.xs);
		for (b = 0; b < (int)g.nx; b++) {
			snprintf(name, sizeof name, "walk_cycle_hist.%d.lo", b);
			lo = csv_col(&t, name);
			snprintf(name, sizeof name, "walk_cycle_hist.%d.hi", b);
			hi = csv_col(&t, name);
			if (lo < 0 || hi < 0 || !t.nrows) {
				fprintf(stderr, "mmusim: %s: walk_cycle_hist.%d lacks lo or hi\n", o.csv, b);
				goto out;
			}
			/* buckets are the same in every row: label them from the first.
			 * hist: "lo-hi" ("lo" alone for one value, ">=lo" for the
			 * last); cdf: the bucket's upper edge, where the cumulative
			 * fraction of walks of at most that many cycles is exact */
			{
				const char *l = cell(&t, 0, lo), *h = cell(&t, 0, hi);
				bool open = !strcmp(h, "null");
				int e;
				if (kind == K_HIST)
					e = open ? asprintf(&g.xs[b], ">=%s", l)
					    : !strcmp(l, h) ? asprintf(&g.xs[b], "%s", l) : asprintf(&g.xs[b], "%s-%s", l, h);
				else
					e = open ? asprintf(&g.xs[b], "%.0f", 2 * strtod(l, NULL)) : asprintf(&g.xs[b], "%s", h);
				if (e < 0)
					goto out;
			}
		}
	} else {
		if ((xcol = csv_col(&t, o.x)) < 0) {
			fprintf(stderr, "mmusim: %s: --x: no column '%s'\n", o.csv, o.x);
			goto out;
		}
		if ((mcol = csv_col(&t, o.metric)) < 0) {
			fprintf(stderr, "mmusim: %s: --metric: no column '%s'\n", o.csv, o.metric);
			goto out;
		}
		for (r = 0; r < t.nrows; r++)
			if (row_selected(&t, r, wc, wv, o.nwhere))
				intern(&g.xs, &g.nx, cell(&t, r, xcol));
		if (kind != K_BARS)
			qsort(g.xs, g.nx, sizeof *g.xs, cmp_num);
	}
	for (r = 0; r < t.nrows; r++)
		if (row_selected(&t, r, wc, wv, o.nwhere))
			intern(&g.ws, &g.nw, cell(&t, r, wkcol));
	if (!g.nw || !g.nx) {
		fprintf(stderr, "mmusim: %s: no rows to plot%s\n", o.csv, o.nwhere ? " (after --where)" : "");
		goto out;
	}
	if (g.nw > PLOT_SERIES_MAX) {
		fprintf(stderr, "mmusim: %s: %zu walkers: at most %d series\n", o.csv, g.nw, PLOT_SERIES_MAX);
		goto out;
	}
	g.v = xalloc(g.nx * g.nw * sizeof *g.v);
	g.nrow = xalloc(g.nx * g.nw * sizeof *g.nrow);
	for (x = 0; x < g.nx * g.nw; x++)
		g.v[x] = NAN;
	for (r = 0; r < t.nrows; r++) {
		if (!row_selected(&t, r, wc, wv, o.nwhere))
			continue;
		s = intern(&g.ws, &g.nw, cell(&t, r, wkcol));
		if (kind == K_HIST || kind == K_CDF) {
			double tot = 0, acc = 0;
			char name[64];
			for (x = 0; x < g.nx; x++) {
				snprintf(name, sizeof name, "walk_cycle_hist.%zu.count", x);
				tot += strtod(cell(&t, r, csv_col(&t, name)), NULL);
			}
			for (x = 0; x < g.nx; x++) {
				double c;
				snprintf(name, sizeof name, "walk_cycle_hist.%zu.count", x);
				c = strtod(cell(&t, r, csv_col(&t, name)), NULL);
				acc += c;
				g.v[x * g.nw + s] = tot ? (kind == K_HIST ? c : acc) / tot : NAN;
				g.nrow[x * g.nw + s]++;
			}
		} else {
			char *end;
			const char *mv = cell(&t, r, mcol);
			double v = strtod(mv, &end);
			x = intern(&g.xs, &g.nx, cell(&t, r, xcol));
			if (end == mv || *end) {
				fprintf(stderr, "mmusim: %s: --metric %s: '%s' is not a number (walker %s)\n", o.csv,
					o.metric, mv, g.ws[s]);
				goto out;
			}
			g.v[x * g.nw + s] = v;
			g.nrow[x * g.nw + s]++;
		}
	}
	for (x = 0; x < g.nx * g.nw; x++)
		if (g.nrow[x] > 1) {
			fprintf(stderr, "mmusim: %s: %zu rows for %s = %s, walker %s: narrow them with --where "
				"COLUMN=VALUE (e.g. an axis)\n", o.csv, g.nrow[x], kind == K_HIST || kind == K_CDF ?
				"walker" : o.x, g.xs[x / g.nw], g.ws[x % g.nw]);
			goto out;
		}
	if (o.relative) {
		size_t b = g.nw;
		for (s = 0; s < g.nw; s++)
			if (!strcmp(g.ws[s], o.relative))
				b = s;
		if (b == g.nw) {
			fprintf(stderr, "mmusim: %s: --relative: no walker '%s' in the rows plotted\n", o.csv, o.relative);
			goto out;
		}
		for (x = 0; x < g.nx; x++) {
			double base = g.v[x * g.nw + b];
			for (s = 0; s < g.nw; s++)
				g.v[x * g.nw + s] = base != 0 && !isnan(base) ? g.v[x * g.nw + s] / base : NAN;
		}
	}

	/* the data: x, then one column per walker; '?' where there is none */
	if (!(f = fopen(dat, "w"))) {
		fprintf(stderr, "mmusim: %s: %s\n", dat, strerror(errno));
		goto out;
	}
	dat_str(f, kind == K_HIST || kind == K_CDF ? "cycles" : o.x);
	for (s = 0; s < g.nw; s++) {
		fputc(' ', f);
		dat_str(f, g.ws[s]);
	}
	fputc('\n', f);
	for (x = 0; x < g.nx; x++) {
		if (kind == K_BARS || kind == K_HIST) {
			dat_str(f, g.xs[x]);
		} else {
			char *end;
			(void)strtod(g.xs[x], &end);
			if (end == g.xs[x] || *end) {
				fclose(f);
				fprintf(stderr, "mmusim: %s: --x %s: '%s' is not a number (use --kind bars for labels)\n",
					o.csv, o.x, g.xs[x]);
				goto out;
			}
			fputs(g.xs[x], f);
		}
		for (s = 0; s < g.nw; s++) {
			double v = g.v[x * g.nw + s];
			if (isnan(v))
				fprintf(f, " ?");
			else
				fprintf(f, " %.10g", v);
		}
		fputc('\n', f);
	}
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "mmusim: %s: %s\n", dat, strerror(errno));
		goto out;
	}

	/* the script */
	if (!(f = fopen(gp, "w"))) {
		fprintf(stderr, "mmusim: %s: %s\n", gp, strerror(errno));
		goto out;
	}
	fprintf(f, "# mmusim plot %s --kind %s: edit and run `gnuplot %s`\n", o.csv, o.kind, gp);
	fprintf(f, "set terminal %s\nset output ", term);
	gp_str(f, fig);
	fprintf(f, "\nset datafile missing '?'\nset key autotitle columnhead\nset key outside right top box\n");
	fprintf(f, "set grid ytics lc rgb '#dddddd'\nset border 3\nset tics nomirror\n");
	for (s = 0; s < ARRAY_SIZE(palette); s++)
		fprintf(f, "set linetype %zu lc rgb '%s' lw 2 pt %zu\n", s + 1, palette[s], s + 5);
	fprintf(f, "set linetype cycle %zu\n", ARRAY_SIZE(palette));
	if (o.title) {
		fprintf(f, "set title ");
		gp_str(f, o.title);
		fputc('\n', f);
	}
	if (o.log) {
		/* bars rise from the bottom of the range: start it below the
		 * smallest value so that every bar shows */
		double lo = INFINITY;
		for (x = 0; x < g.nx * g.nw; x++)
			if (g.v[x] > 0 && g.v[x] < lo)
				lo = g.v[x];
		fprintf(f, "set logscale y\n");
		if (isfinite(lo))
			fprintf(f, "set yrange [%.6g:*]\n", lo / 2);
	}
	if (o.relative)
		fprintf(f, "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#555555' front\n");
	{
		char ylab[600];
		if (kind == K_HIST)
			snprintf(ylab, sizeof ylab, "fraction of page walks");
		else if (kind == K_CDF)
			snprintf(ylab, sizeof ylab, "cumulative fraction of page walks");
		else if (o.relative)
			snprintf(ylab, sizeof ylab, "%s, relative to %s", metric_label(o.metric), o.relative);
		else
			snprintf(ylab, sizeof ylab, "%s", metric_label(o.metric));
		fprintf(f, "set ylabel ");
		gp_str(f, ylab);
		fprintf(f, "\nset xlabel ");
		gp_str(f, kind == K_HIST ? "cycles per walk (bucket)" : kind == K_CDF ? "cycles per walk (at most)" : o.x);
		fputc('\n', f);
	}
	if (!o.log && kind != K_CDF)
		fprintf(f, "set yrange [0:*]\n");
	if (kind == K_BARS || kind == K_HIST) {
		fprintf(f, "set style data histograms\nset style histogram cluster gap 1\n"
			   "set style fill solid 0.9 border -1\nset boxwidth 0.9\n");
		if (kind == K_HIST)
			fprintf(f, "set xtics rotate by -45\n");
		fprintf(f, "plot for [i=2:%zu] ", g.nw + 1);
		gp_str(f, dat);
		fprintf(f, " using i:xtic(1)\n");
	} else if (kind == K_CDF) {
		fprintf(f, "set logscale x 2\nset yrange [0:1]\nplot for [i=2:%zu] ", g.nw + 1);
		gp_str(f, dat);
		fprintf(f, " using ($1 > 0 ? $1 : 0.5):i with steps\n");
	} else {
		/* a swept axis: ticks at the points swept (when few), and a log2
		 * axis when they grow geometrically (768, 1536, 3072, ...) */
		bool geo = g.nx >= 3;
		double r0 = 0;
		for (x = 0; x < g.nx && geo; x++) {
			double v = strtod(g.xs[x], NULL);
			if (v <= 0)
				geo = false;
			else if (x) {
				double q = v / strtod(g.xs[x - 1], NULL);
				if (x == 1)
					r0 = q;
				if (r0 < 1.5 || fabs(q - r0) > 0.01 * r0)
					geo = false;
			}
		}
		if (geo)
			fprintf(f, "set logscale x 2\n");
		if (g.nx <= 12) {
			fprintf(f, "set xtics (");
			for (x = 0; x < g.nx; x++)
				fprintf(f, "%s%s", x ? ", " : "", g.xs[x]);
			fprintf(f, ")\n");
		}
		if (g.nx == 1 || geo) {
			/* keep the end points off the frame */
			double lo = strtod(g.xs[0], NULL), hi = strtod(g.xs[g.nx - 1], NULL);
			if (geo)
				fprintf(f, "set xrange [%.10g:%.10g]\n", lo / 1.2, hi * 1.2);
			else
				fprintf(f, "set xrange [%.10g:%.10g]\n", lo - 1, hi + 1);
		}
		fprintf(f, "plot for [i=2:%zu] ", g.nw + 1);
		gp_str(f, dat);
		fprintf(f, " using 1:i with linespoints\n");
	}
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "mmusim: %s: %s\n", gp, strerror(errno));
		goto out;
	}
	i = spawn_wait((char *const[]){ "gnuplot", gp, NULL }, NULL, NULL);
	if (i == 127) {
		fprintf(stderr, "mmusim: plot: gnuplot could not run (Debian package gnuplot-nox; make deps installs it)\n");
		goto out;
	}
	if (i) {
		fprintf(stderr, "mmusim: plot: gnuplot %s failed (status %d)\n", gp, i);
		goto out;
	}
	printf("%s (%zu series x %zu points; data %s, script %s)\n", fig, g.nw, g.nx, dat, gp);
	rc = fflush(stdout) ? EXIT_RUNTIME : 0;
out:
	for (x = 0; x < g.nx; x++)
		free(g.xs[x]);
	for (s = 0; s < g.nw; s++)
		free(g.ws[s]);
	free(g.xs);
	free(g.ws);
	free(g.v);
	free(g.nrow);
	for (i = 0; i < o.nwhere; i++)
		free(wv[i]);
	for (r = 0; r < t.nrows * t.ncols; r++)
		free(t.cell[r]);
	free(t.cell);
	for (r = 0; r < t.ncols; r++)
		free(t.head[r]);
	free(t.head);
	return rc;
}

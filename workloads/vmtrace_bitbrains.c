/*
 * vmtrace_bitbrains.c - reader of the Bitbrains GWA-T-12 VM traces.
 *
 * Notes
 *   Reads: the layout of the Grid Workloads Archive trace GWA-T-12
 *   (Bitbrains; Shen, van Beek and Iosup, CCGrid 2015): one file per VM
 *   (fastStorage/2013-8/1.csv, ...), one row per 5-minute sample, fields
 *   separated by ';' (each followed by a tab in the published files):
 *     Timestamp [ms]; CPU cores; CPU capacity provisioned [MHZ];
 *     CPU usage [MHZ]; CPU usage [%]; Memory capacity provisioned [KB];
 *     Memory usage [KB]; Disk read throughput [KB/s]; Disk write
 *     throughput [KB/s]; Network received throughput [KB/s]; Network
 *     transmitted throughput [KB/s]
 *   A first line that does not start with a digit is the header. Only the
 *   timestamp, the cores and the memory capacity are used; a row needs at
 *   least those 6 fields. Despite the "[ms]" of the header the published
 *   timestamps are Unix seconds (1376314846 is August 2013); a timestamp
 *   of 10^11 or more is taken to be milliseconds and divided by 1000.
 *   The path is a directory (every regular file named *.csv or *.csv.gz in
 *   it, in natural order of their names: 2.csv before 10.csv; not
 *   recursive) or one file. Each file gives one VM, its id the file name
 *   without the extension: created = the earliest sample, deleted = the
 *   latest one, vcpus = the largest core count, memory = the largest
 *   memory capacity (KB, decimals allowed, rounded up) over the samples.
 *   The provisioned size of a VM is its reservation; using the largest one
 *   keeps the reservation the VM needed at its peak (the trace does not
 *   say how the provider resized VMs).
 *   Errors: a bad row names FILE:LINE (skipped and counted with skip_bad;
 *   a file whose every row was skipped gives no VM); a file without any
 *   sample row is an error naming FILE.
 *   Does not handle: VM resizes over time (the size is the maximum), the
 *   utilization columns, subdirectories.
 *   Sources: GWA-T-12 trace description (Grid Workloads Archive, TU Delft);
 *   the column names are those of the published files' header.
 */
#include "vmtrace_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BB_MIN_COLS 6
#define BB_MS_THRESHOLD 100000000000ull   /* 10^11: a timestamp in milliseconds */

struct bb_vm {
	u64 first, last, cores, mem;
	u64 samples;
};

static const char *bb_row(char *line, struct bb_vm *vm, char *why)
{
	struct vt_field fld[BB_MIN_COLS];
	u64 ts, cores, mem;
	const char *e;
	int n = vt_split(line, ';', fld, BB_MIN_COLS);

	if (n < BB_MIN_COLS) {
		snprintf(why, VT_WHY, "%d fields, expected at least 6 (timestamp; CPU cores; "
			 "CPU capacity; CPU usage; CPU usage %%; memory capacity; ...)", n);
		return why;
	}
	if ((e = vt_uint(fld[0], &ts))) {
		snprintf(why, VT_WHY, "timestamp: %s", e);
		return why;
	}
	if (ts >= BB_MS_THRESHOLD)
		ts /= 1000;
	if ((e = vt_uint(fld[1], &cores))) {
		snprintf(why, VT_WHY, "CPU cores: %s", e);
		return why;
	}
	if ((e = vt_amount(fld[5], 1024, false, &mem))) {
		snprintf(why, VT_WHY, "memory capacity: %s", e);
		return why;
	}
	if ((e = vt_check_vm(ts, ts, cores, mem)))
		return e;
	if (!vm->samples || ts < vm->first)
		vm->first = ts;
	if (!vm->samples || ts > vm->last)
		vm->last = ts;
	vm->cores = MAX(vm->cores, cores);
	vm->mem = MAX(vm->mem, mem);
	vm->samples++;
	return NULL;
}

/* The VM id: the file name without its directory and .csv / .csv.gz. */
static void bb_id(const char *path, const char **id, size_t *n)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 7 && !strcmp(base + len - 7, ".csv.gz"))
		len -= 7;
	else if (len > 4 && !strcmp(base + len - 4, ".csv"))
		len -= 4;
	*id = base;
	*n = len;
}

static int bb_file(struct vmtrace *t, const char *path, bool skip_bad)
{
	struct vt_file f;
	struct bb_vm vm = { 0 };
	char *line, why[VT_WHY];
	const char *id;
	size_t idn, i;
	u64 skipped0 = t->skipped;
	bool first = true;
	int r;

	if ((r = vt_open(&f, path)) < 0)
		return r;
	t->files++;
	while ((r = vt_line(&f, &line)) > 0) {
		const char *e;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		if (first) {
			first = false;
			if (*p < '0' || *p > '9')
				continue;    /* the header */
		}
		t->rows++;
		e = bb_row(line, &vm, why);
		if (e && (r = vt_bad_row(t, &f, skip_bad, e)) < 0)
			break;
	}
	vt_close(&f);
	if (r < 0)
		return r;
	if (!vm.samples) {
		if (t->skipped > skipped0)
			return 0;    /* every row was bad, and counted */
		fprintf(stderr, "mmusim: %s: no samples (expected rows 'timestamp; cores; ...')\n", path);
		return -EINVAL;
	}
	bb_id(path, &id, &idn);
	for (i = 0; i < idn; i++)
		if (id[i] == ' ' || id[i] == '\t')
			break;
	/* An id with blanks could not be written back: such a VM is "vm<index>". */
	if (vmtrace_add(t, i < idn ? NULL : id, idn, vm.first, vm.last, (u32)vm.cores, vm.mem)) {
		fprintf(stderr, "mmusim: %s: out of memory\n", path);
		return -ENOMEM;
	}
	return 0;
}

static bool is_trace_name(const char *s)
{
	size_t n = strlen(s);
	return s[0] != '.' && ((n > 4 && !strcmp(s + n - 4, ".csv")) ||
			       (n > 7 && !strcmp(s + n - 7, ".csv.gz")));
}

/* Natural order: runs of digits compare by value, the rest bytewise. */
static int natcmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;

	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *ea = a, *eb = b;
			size_t la, lb;
			int c;
			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			if (la != lb)
				return la < lb ? -1 : 1;
			if ((c = memcmp(a, b, la)))
				return c;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

int vt_load_bitbrains(struct vmtrace *t, const char *path, bool skip_bad)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0, i;
	int r = 0;

	if (stat(path, &st)) {
		int e = errno;
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode))
		return bb_file(t, path, skip_bad);
	d = opendir(path);
	if (!d) {
		int e = errno;
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(e));
		return -e;
	}
	while ((de = readdir(d))) {
		if (!is_trace_name(de->d_name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 256;
			char **nn = realloc(names, ncap * sizeof *nn);
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r == -ENOMEM)
		fprintf(stderr, "mmusim: %s: out of memory\n", path);
	if (!r && !n) {
		fprintf(stderr, "mmusim: %s: no *.csv files in the directory\n", path);
		r = -EINVAL;
	}
	if (!r)
		qsort(names, n, sizeof *names, natcmp);
	for (i = 0; !r && i < n; i++) {
		snprintf(full, sizeof full, "%s/%s", path, names[i]);
		r = bb_file(t, full, skip_bad);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

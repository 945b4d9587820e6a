/*
 * vmtrace.c - VM lifetime traces: storage, the line reader, the azure and
 * csv readers, the csv writer.
 *
 * Notes
 *   Reads (docs/placement.md, "Trace formats"):
 *   - azure: the vmtable.csv of the Azure public dataset
 *     (github.com/Azure/AzurePublicDataset, AzurePublicDatasetV1.md and
 *     V2.md): 11 comma-separated columns, no header: vmid, subscriptionid,
 *     deploymentid, vmcreated, vmdeleted, maxcpu, avgcpu, p95maxcpu,
 *     vmcategory, vmcorecount(bucket), vmmemory(bucket). Times are seconds
 *     from the start of the trace. V1 (2017) gives the real core count and
 *     the memory in GB ("1", "1.75"); V2 (2019) gives buckets ("2", "4",
 *     "8", "24", ">24" cores; "2", "4", "8", "32", "64", ">64" GB). A bucket
 *     is read as its upper bound; the open buckets as 32 cores (">24") and
 *     128 GB (">64"), the size of Azure's D32s_v3 (an assumption: the
 *     dataset does not say what lies above the last bucket). "GB" is taken
 *     as GiB (Azure's 1.75 GB is 1792 MiB). Only columns 1, 4, 5, 10 and
 *     11 are used; the others must be present. A first row whose first
 *     field is "vmid" is a header and skipped.
 *   - csv: "id,created,deleted,vcpus,memory"; an optional header row
 *     starting with "id"; '#' comment lines and blank lines. Times are
 *     integer seconds; memory is bytes or a number with a K/M/G/T/P suffix
 *     ("1.75G"), rounded up to whole bytes. Ids must not contain blanks.
 *   - bitbrains: vmtrace_bitbrains.c.
 *   Every row is checked: created <= deleted, times below 2^53, 1 <= vcpus
 *   <= 2^20, 0 < memory <= 1 PiB. A bad row is an error naming FILE:LINE,
 *   or, with skip_bad, is skipped and counted.
 *   Produces: an array of struct vm_rec in file order (ids in one arena).
 *   Does not handle: quoted CSV fields, VM resizes (a VM has one size for
 *   its lifetime), the other tables of the datasets (CPU readings,
 *   deployments, subscriptions).
 *   Sources: the dataset documents above; zlib manual (gzread, gzerror).
 */
#include "vmtrace_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const fmt_names[] = {
	[VMF_AZURE] = "azure", [VMF_BITBRAINS] = "bitbrains", [VMF_CSV] = "csv", [VMF_GEN] = "gen",
};

int vmtrace_fmt_parse(const char *s, enum vmtrace_fmt *f)
{
	for (int i = VMF_AZURE; i <= VMF_CSV; i++) {
		if (s && !strcasecmp(s, fmt_names[i])) {
			*f = (enum vmtrace_fmt)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vmtrace_fmt_name(enum vmtrace_fmt f)
{
	return (unsigned)f < ARRAY_SIZE(fmt_names) ? fmt_names[f] : "?";
}

/* ---- storage ---- */

void vmtrace_free(struct vmtrace *t)
{
	free(t->v);
	free(t->ids);
	memset(t, 0, sizeof *t);
}

int vmtrace_add(struct vmtrace *t, const char *id, size_t idlen, u64 created, u64 deleted,
		u32 vcpus, u64 memory)
{
	struct vm_rec *r;

	if (t->n == t->cap) {
		u64 ncap = t->cap ? 2 * t->cap : 1024;
		struct vm_rec *nv = realloc(t->v, ncap * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	r = &t->v[t->n];
	*r = (struct vm_rec){ .created = created, .deleted = deleted, .memory = memory,
			      .id = VMTRACE_NOID, .vcpus = vcpus };
	if (id) {
		if (t->ids_len + idlen + 1 > t->ids_cap) {
			u64 ncap = MAX(2 * t->ids_cap, t->ids_len + idlen + 1 + 4096);
			char *ni = realloc(t->ids, ncap);
			if (!ni)
				return -ENOMEM;
			t->ids = ni;
			t->ids_cap = ncap;
		}
		memcpy(t->ids + t->ids_len, id, idlen);
		t->ids[t->ids_len + idlen] = 0;
		r->id = t->ids_len;
		t->ids_len += idlen + 1;
	}
	t->n++;
	return 0;
}

const char *vmtrace_id(const struct vmtrace *t, u64 i, char *buf, size_t n)
{
	if (t->v[i].id != VMTRACE_NOID)
		return t->ids + t->v[i].id;
	snprintf(buf, n, "vm%llu", (unsigned long long)i);
	return buf;
}

/* ---- line reader ---- */

int vt_open(struct vt_file *f, const char *path)
{
	memset(f, 0, sizeof *f);
	f->name = path;
	f->buf = malloc(VT_BUF + 1);
	if (!f->buf) {
		fprintf(stderr, "mmusim: %s: out of memory\n", path);
		return -ENOMEM;
	}
	errno = 0;
	f->zin = zin_open(path);
	if (!f->zin) {
		int e = errno ? errno : ENOMEM;
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(e));
		free(f->buf);
		f->buf = NULL;
		return -e;
	}
	return 0;
}

void vt_close(struct vt_file *f)
{
	zin_close(f->zin);
	free(f->buf);
	f->zin = NULL;
	f->buf = NULL;
}

/* Reads more input after [pos, len); 0, or -errno after the message. */
static int vt_fill(struct vt_file *f)
{
	size_t keep = f->len - f->pos;
	ssize_t r;
	const char *msg;

	memmove(f->buf, f->buf + f->pos, keep);
	f->pos = 0;
	f->len = keep;
	errno = 0;
	r = zin_read(f->zin, f->buf + keep, VT_BUF - keep);
	if (r < 0) {
		int e = errno ? errno : EIO;
		fprintf(stderr, "mmusim: %s: %s\n", f->name, strerror(e));
		return -e;
	}
	if ((msg = zin_error(f->zin))) {
		fprintf(stderr, "mmusim: %s: %s\n", f->name, msg);
		return -EIO;
	}
	if (r <= 0)
		f->eof = true;
	else
		f->len += (size_t)r;
	return 0;
}

int vt_line(struct vt_file *f, char **s)
{
	for (;;) {
		char *start = f->buf + f->pos;
		size_t have = f->len - f->pos;
		char *nl = memchr(start, '\n', have);
		size_t n;
		int r;

		if (!nl && f->eof && have == 0)
			return 0;
		if (!nl && !f->eof && have <= VT_LINE_MAX) {
			if ((r = vt_fill(f)) < 0)
				return r;
			continue;
		}
		n = nl ? (size_t)(nl - start) : have;
		f->line++;
		if (n > VT_LINE_MAX) {
			fprintf(stderr, "mmusim: %s:%llu: line too long (more than %u bytes)\n", f->name,
				(unsigned long long)f->line, VT_LINE_MAX);
			return -EINVAL;
		}
		f->pos += n + (nl ? 1 : 0);
		if (n && start[n - 1] == '\r')
			n--;
		start[n] = 0;    /* the '\n', or the spare byte after the buffer */
		*s = start;
		return 1;
	}
}

int vt_split(const char *line, char sep, struct vt_field *fld, int max)
{
	const char *p = line;
	int n = 0;

	for (;;) {
		const char *e = strchr(p, sep);
		const char *end = e ? e : p + strlen(p);
		const char *a = p, *b = end;

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (n < max)
			fld[n] = (struct vt_field){ a, (size_t)(b - a) };
		n++;
		if (!e)
			return n;
		p = e + 1;
	}
}

const char *vt_uint(struct vt_field f, u64 *out)
{
	u64 v = 0;
	size_t i;

	if (!f.n)
		return "empty field";
	if (f.s[0] == '-')
		return "negative value";
	for (i = 0; i < f.n; i++) {
		u64 d;
		if (f.s[i] < '0' || f.s[i] > '9')
			return "not an integer";
		d = (u64)(f.s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return "number too large";
		v = v * 10 + d;
	}
	*out = v;
	return NULL;
}

const char *vt_amount(struct vt_field f, u64 unit, bool allow_suffix, u64 *out)
{
	unsigned __int128 mant = 0, den = 1, v;
	size_t i = 0, digits = 0;
	bool dot = false;

	if (!f.n)
		return "empty field";
	if (f.s[0] == '-')
		return "negative value";
	for (; i < f.n; i++) {
		char c = f.s[i];
		if (c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		if (++digits > 30)
			return "number too long";
		mant = mant * 10 + (unsigned)(c - '0');
		if (dot)
			den *= 10;
	}
	if (!digits)
		return "not a number";
	if (i < f.n) {
		unsigned shift;
		if (!allow_suffix)
			return "not a number";
		switch (f.s[i] | 0x20) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		case 'p': shift = 50; break;
		default: return "not a size (expected a number with an optional K/M/G/T/P suffix)";
		}
		unit = 1ull << shift;
		i++;
		if (i < f.n && (f.s[i] | 0x20) == 'i')
			i++;
		if (i < f.n && (f.s[i] | 0x20) == 'b')
			i++;
		if (i < f.n)
			return "not a size (expected a number with an optional K/M/G/T/P suffix)";
	}
	if (mant > ((unsigned __int128)1 << 100) / unit)
		return "number too large";
	v = (mant * unit + den - 1) / den;
	if (v > UINT64_MAX)
		return "number too large";
	*out = (u64)v;
	return NULL;
}

const char *vt_check_vm(u64 created, u64 deleted, u64 vcpus, u64 memory)
{
	if (created >= VMTRACE_TIME_MAX || deleted >= VMTRACE_TIME_MAX)
		return "time too large (must be below 2^53 seconds)";
	if (deleted < created)
		return "deleted before created";
	if (vcpus == 0)
		return "vcpus must be at least 1";
	if (vcpus > VMTRACE_VCPUS_MAX)
		return "too many vcpus (at most 1048576)";
	if (memory == 0)
		return "memory must be more than 0";
	if (memory > VMTRACE_MEM_MAX)
		return "memory too large (at most 1P)";
	return NULL;
}

int vt_bad_row(struct vmtrace *t, const struct vt_file *f, bool skip_bad, const char *why)
{
	if (skip_bad) {
		t->skipped++;
		return 0;
	}
	fprintf(stderr, "mmusim: %s:%llu: %s\n", f->name, (unsigned long long)f->line, why);
	return -EINVAL;
}

static bool field_is(struct vt_field f, const char *s)
{
	return f.n == strlen(s) && !strncasecmp(f.s, s, f.n);
}

/* ---- azure ---- */

#define AZ_COLS 11
#define AZ_OPEN_CORES 32u                  /* ">24" */
#define AZ_OPEN_MEM (128ull << 30)         /* ">64" */

/* Parses one vmtable row; NULL or why (in why[] when formatted). */
static const char *azure_row(struct vmtrace *t, char *line, char *why)
{
	struct vt_field fld[AZ_COLS];
	u64 created, deleted, cores, mem;
	const char *e;
	int n = vt_split(line, ',', fld, AZ_COLS);

	if (n != AZ_COLS) {
		snprintf(why, VT_WHY, "%d columns, expected 11 (vmid, subscriptionid, deploymentid, "
			 "vmcreated, vmdeleted, maxcpu, avgcpu, p95maxcpu, vmcategory, cores, memory)", n);
		return why;
	}
	if (!fld[0].n)
		return "empty vmid";
	for (size_t i = 0; i < fld[0].n; i++)
		if (isspace((unsigned char)fld[0].s[i]) || iscntrl((unsigned char)fld[0].s[i]))
			return "vmid contains a blank or control character";
	if ((e = vt_uint(fld[3], &created))) {
		snprintf(why, VT_WHY, "vmcreated: %s", e);
		return why;
	}
	if ((e = vt_uint(fld[4], &deleted))) {
		snprintf(why, VT_WHY, "vmdeleted: %s", e);
		return why;
	}
	if (field_is(fld[9], ">24"))
		cores = AZ_OPEN_CORES;
	else if ((e = vt_uint(fld[9], &cores))) {
		snprintf(why, VT_WHY, "core count: %s", e);
		return why;
	}
	if (field_is(fld[10], ">64"))
		mem = AZ_OPEN_MEM;
	else if ((e = vt_amount(fld[10], 1ull << 30, false, &mem))) {
		snprintf(why, VT_WHY, "memory: %s", e);
		return why;
	}
	if ((e = vt_check_vm(created, deleted, cores, mem)))
		return e;
	if (vmtrace_add(t, fld[0].s, fld[0].n, created, deleted, (u32)cores, mem))
		return "out of memory";
	return NULL;
}

/* ---- csv ---- */

#define CSV_COLS 5

static const char *csv_row(struct vmtrace *t, char *line, char *why)
{
	struct vt_field fld[CSV_COLS];
	u64 created, deleted, vcpus, mem;
	const char *e;
	int n = vt_split(line, ',', fld, CSV_COLS);
	size_t i;

	if (n != CSV_COLS) {
		snprintf(why, VT_WHY, "%d columns, expected 5 (id, created, deleted, vcpus, memory)", n);
		return why;
	}
	if (!fld[0].n)
		return "empty id";
	for (i = 0; i < fld[0].n; i++)
		if (isspace((unsigned char)fld[0].s[i]) || iscntrl((unsigned char)fld[0].s[i]))
			return "id contains a blank or control character";
	if ((e = vt_uint(fld[1], &created))) {
		snprintf(why, VT_WHY, "created: %s", e);
		return why;
	}
	if ((e = vt_uint(fld[2], &deleted))) {
		snprintf(why, VT_WHY, "deleted: %s", e);
		return why;
	}
	if ((e = vt_uint(fld[3], &vcpus))) {
		snprintf(why, VT_WHY, "vcpus: %s", e);
		return why;
	}
	if ((e = vt_amount(fld[4], 1, true, &mem))) {
		snprintf(why, VT_WHY, "memory: %s", e);
		return why;
	}
	if ((e = vt_check_vm(created, deleted, vcpus, mem)))
		return e;
	if (vmtrace_add(t, fld[0].s, fld[0].n, created, deleted, (u32)vcpus, mem))
		return "out of memory";
	return NULL;
}

static bool blank_or_comment(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s || *s == '#';
}

static int load_rows(struct vmtrace *t, const char *path, enum vmtrace_fmt fmt, bool skip_bad)
{
	struct vt_file f;
	char *line, why[VT_WHY];
	bool first = true;
	int r;

	if ((r = vt_open(&f, path)) < 0)
		return r;
	t->files = 1;
	while ((r = vt_line(&f, &line)) > 0) {
		const char *e;
		if (fmt == VMF_CSV && blank_or_comment(line))
			continue;
		if (fmt == VMF_AZURE && !*line)
			continue;
		if (first) {
			struct vt_field f0;
			first = false;
			vt_split(line, ',', &f0, 1);
			if (field_is(f0, fmt == VMF_CSV ? "id" : "vmid"))
				continue;
		}
		t->rows++;
		e = fmt == VMF_CSV ? csv_row(t, line, why) : azure_row(t, line, why);
		if (e && !strcmp(e, "out of memory")) {
			fprintf(stderr, "mmusim: %s: out of memory\n", path);
			r = -ENOMEM;
			break;
		}
		if (e && (r = vt_bad_row(t, &f, skip_bad, e)) < 0)
			break;
	}
	vt_close(&f);
	return r < 0 ? r : 0;
}

static const struct vmtrace *id_cmp_t;

static int id_cmp(const void *a, const void *b)
{
	const u64 *x = a, *y = b;
	int c = strcmp(id_cmp_t->ids + id_cmp_t->v[*x].id, id_cmp_t->ids + id_cmp_t->v[*y].id);
	return c ? c : (*x > *y) - (*x < *y);
}

/* Two VMs of one id (rows of csv or azure, files of bitbrains: 1.csv and
 * 1.csv.gz are both VM 1) would be one VM to every report: refused. */
static int dup_ids(const struct vmtrace *t)
{
	u64 *ix = malloc((t->n ? t->n : 1) * sizeof *ix), i, m = 0;
	int r = 0;
	if (!ix) {
		fprintf(stderr, "mmusim: %s: out of memory\n", t->name);
		return -ENOMEM;
	}
	for (i = 0; i < t->n; i++)
		if (t->v[i].id != VMTRACE_NOID)
			ix[m++] = i;
	id_cmp_t = t;
	qsort(ix, m, sizeof *ix, id_cmp);
	for (i = 1; i < m && !r; i++)
		if (!strcmp(t->ids + t->v[ix[i - 1]].id, t->ids + t->v[ix[i]].id)) {
			fprintf(stderr, "mmusim: %s: VM id '%.64s' given twice (VMs %llu and %llu in file order)\n",
				t->name, t->ids + t->v[ix[i]].id, (unsigned long long)ix[i - 1] + 1,
				(unsigned long long)ix[i] + 1);
			r = -EINVAL;
		}
	free(ix);
	return r;
}

int vmtrace_load(struct vmtrace *t, const char *path, enum vmtrace_fmt fmt, bool skip_bad)
{
	int r;

	memset(t, 0, sizeof *t);
	t->fmt = fmt;
	snprintf(t->name, sizeof t->name, "%s", path);
	switch (fmt) {
	case VMF_AZURE:
	case VMF_CSV:
		r = load_rows(t, path, fmt, skip_bad);
		break;
	case VMF_BITBRAINS:
		r = vt_load_bitbrains(t, path, skip_bad);
		break;
	default:
		r = -EINVAL;
	}
	if (!r)
		r = dup_ids(t);
	if (r < 0)
		vmtrace_free(t);
	return r;
}

enum vmtrace_fmt vmtrace_detect(const char *path)
{
	struct stat st;
	char buf[4096];
	enum vmtrace_fmt fmt = VMF_CSV;
	gzFile gz;

	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return VMF_BITBRAINS;
	gz = gzopen(path, "rb");
	if (!gz)
		return VMF_CSV;
	while (gzgets(gz, buf, sizeof buf)) {
		struct vt_field f[1];
		buf[strcspn(buf, "\r\n")] = 0;
		if (blank_or_comment(buf))
			continue;
		if (strchr(buf, ';'))
			fmt = VMF_BITBRAINS;
		else if (vt_split(buf, ',', f, 1) == AZ_COLS)
			fmt = VMF_AZURE;
		break;
	}
	gzclose(gz);
	return fmt;
}

/* ---- writer ---- */

int vmtrace_write_csv(const struct vmtrace *t, const char *path)
{
	FILE *f = fopen(path, "w");
	char buf[32];
	u64 i;
	int bad;

	if (!f) {
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "id,created,deleted,vcpus,memory\n");
	for (i = 0; i < t->n; i++) {
		const struct vm_rec *r = &t->v[i];
		fprintf(f, "%s,%llu,%llu,%u,%llu\n", vmtrace_id(t, i, buf, sizeof buf),
			(unsigned long long)r->created, (unsigned long long)r->deleted, r->vcpus,
			(unsigned long long)r->memory);
	}
	bad = ferror(f);
	if (fclose(f) || bad) {
		fprintf(stderr, "mmusim: %s: write error\n", path);
		return -EIO;
	}
	return 0;
}

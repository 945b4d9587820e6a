/*
 * place_backing.c - writer and reader of the host backing format
 * (place_backing.h; docs/placement.md, "Host backing format").
 *
 * Model notes (a file format: nothing is simulated here)
 *   Reads and writes: text, one `vm` line of key=value pairs and its
 *   `extent` lines per VM, after the line "mmusim-backing 1". Numbers are
 *   written in hex (0x...) except counts and times; the reader accepts
 *   decimal or 0x hex everywhere. Ids and names are single tokens (no
 *   blanks, no '='); the trace readers refuse ids with blanks.
 *   Checks on reading: the version, every key once, known keys only,
 *   extents granule-aligned, inside host_ram, non-overlapping, summing to
 *   memory, requested <= memory, contiguous = (one extent), created <=
 *   deleted, the extent count.
 *   Does not handle: several VMs sharing a host snapshot (each record is
 *   one VM alone), the other VMs on the same server.
 */
#include "place_backing.h"
#include "../util/cfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int backing_write_header(FILE *f)
{
	fprintf(f, "mmusim-backing %d\n", BACKING_VERSION);
	fprintf(f, "# vm: one VM and its host backing; extent HPA BYTES in guest-physical order "
		"(docs/placement.md)\n");
	return ferror(f) ? -EIO : 0;
}

static int ext_cmp(const void *a, const void *b)
{
	const struct backing_ext *x = a, *y = b;
	return (x->hpa > y->hpa) - (x->hpa < y->hpa);
}

const char *backing_check(const struct backing_rec *r)
{
	struct backing_ext *v;
	u64 i, sum = 0;
	const char *why = NULL;

	if (r->host_ram < CFG_RAM_MIN || r->host_ram > CFG_RAM_MAX || r->host_ram % 4096)
		return "host_ram must be a multiple of 4K from 64M to 16T (the range of [host] ram)";
	if (!r->vcpus)
		return "vcpus must be at least 1";
	if (!r->granule || (r->granule & (r->granule - 1)) || r->granule < 4096)
		return "granule must be a power of two of at least 4096";
	if (!r->next)
		return "a VM needs at least one extent";
	if (r->requested == 0 || r->requested > r->memory)
		return "requested must be more than 0 and at most memory";
	if (r->created > r->deleted)
		return "deleted before created";
	if (r->contiguous != (r->next == 1))
		return r->contiguous ? "contiguous=1 with more than one extent" : "contiguous=0 with one extent";
	for (i = 0; i < r->next; i++) {
		const struct backing_ext *e = &r->ext[i];
		if (!e->bytes)
			return "an extent of 0 bytes";
		if ((e->hpa | e->bytes) & (r->granule - 1))
			return "an extent not aligned to the granule";
		if (e->hpa >= r->host_ram || e->bytes > r->host_ram - e->hpa)
			return "an extent beyond host_ram";
		if (e->bytes > UINT64_MAX - sum)
			return "extents too large";
		sum += e->bytes;
	}
	if (sum != r->memory)
		return "the extents do not sum to memory";
	v = malloc(r->next * sizeof *v);
	if (!v)
		return "out of memory";
	memcpy(v, r->ext, r->next * sizeof *v);
	qsort(v, r->next, sizeof *v, ext_cmp);
	for (i = 1; i < r->next && !why; i++)
		if (v[i - 1].hpa + v[i - 1].bytes > v[i].hpa)
			why = "extents overlap";
	free(v);
	return why;
}

int backing_write(FILE *f, const struct backing_rec *r)
{
	u64 i;

	SIM_BUG_ON(backing_check(r) != NULL);
	fprintf(f, "vm id=%s algo=%s server=%u kind=%s vcpus=%u memory=0x%llx requested=0x%llx "
		"host_ram=0x%llx granule=0x%llx created=%llu deleted=%llu contiguous=%d extents=%llu\n",
		r->id, r->algo, r->server, r->kind, r->vcpus, (unsigned long long)r->memory,
		(unsigned long long)r->requested, (unsigned long long)r->host_ram,
		(unsigned long long)r->granule, (unsigned long long)r->created,
		(unsigned long long)r->deleted, r->contiguous ? 1 : 0, (unsigned long long)r->next);
	for (i = 0; i < r->next; i++)
		fprintf(f, "extent 0x%llx 0x%llx\n", (unsigned long long)r->ext[i].hpa,
			(unsigned long long)r->ext[i].bytes);
	return ferror(f) ? -EIO : 0;
}

void backing_free(struct backing_rec *recs, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		free(recs[i].ext);
	free(recs);
}

/* ---- reader ---- */

struct rd {
	const char *path;
	u64 line;
};

__attribute__((format(printf, 2, 3)))
static int rd_err(const struct rd *d, const char *fmt, ...)
{
	va_list ap;

	if (d->line)
		fprintf(stderr, "mmusim: %s:%llu: ", d->path, (unsigned long long)d->line);
	else
		fprintf(stderr, "mmusim: %s: ", d->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static int num(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (*end || end == s || errno)
		return -EINVAL;
	*out = v;
	return 0;
}

enum { B_ID, B_ALGO, B_SERVER, B_KIND, B_VCPUS, B_MEMORY, B_REQUESTED, B_HOST_RAM, B_GRANULE,
       B_CREATED, B_DELETED, B_CONTIGUOUS, B_EXTENTS, B_NR };
static const char *const bkeys[B_NR] = {
	"id", "algo", "server", "kind", "vcpus", "memory", "requested", "host_ram", "granule",
	"created", "deleted", "contiguous", "extents",
};

static int vm_line(const struct rd *d, char *s, struct backing_rec *r)
{
	bool seen[B_NR] = { false };
	char *tok, *save = NULL;
	int k;

	memset(r, 0, sizeof *r);
	for (tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		const char *val;
		u64 v = 0;
		if (!eq)
			return rd_err(d, "expected key=value, got '%.60s'", tok);
		*eq = 0;
		val = eq + 1;
		for (k = 0; k < B_NR; k++)
			if (!strcmp(tok, bkeys[k]))
				break;
		if (k == B_NR)
			return rd_err(d, "unknown key '%.60s'", tok);
		if (seen[k])
			return rd_err(d, "key '%s' given twice", bkeys[k]);
		seen[k] = true;
		if (k == B_ID || k == B_ALGO || k == B_KIND) {
			size_t n = strlen(val), max = k == B_ID ? BACKING_ID_MAX : BACKING_NAME_MAX;
			char *dst = k == B_ID ? r->id : k == B_ALGO ? r->algo : r->kind;
			if (!n || n >= max)
				return rd_err(d, "%s: must be 1 to %zu characters", bkeys[k], max - 1);
			memcpy(dst, val, n + 1);
			continue;
		}
		if (num(val, &v))
			return rd_err(d, "%s: not a number: '%.60s'", bkeys[k], val);
		switch (k) {
		case B_SERVER:
		case B_VCPUS:
			if (v > UINT32_MAX)
				return rd_err(d, "%s: too large", bkeys[k]);
			if (k == B_SERVER)
				r->server = (u32)v;
			else
				r->vcpus = (u32)v;
			break;
		case B_MEMORY: r->memory = v; break;
		case B_REQUESTED: r->requested = v; break;
		case B_HOST_RAM: r->host_ram = v; break;
		case B_GRANULE: r->granule = v; break;
		case B_CREATED: r->created = v; break;
		case B_DELETED: r->deleted = v; break;
		case B_CONTIGUOUS:
			if (v > 1)
				return rd_err(d, "contiguous: must be 0 or 1");
			r->contiguous = v;
			break;
		case B_EXTENTS:
			if (v == 0 || v > (1ull << 24))
				return rd_err(d, "extents: must be 1 to 16777216");
			r->next = v;
			break;
		}
	}
	for (k = 0; k < B_NR; k++)
		if (!seen[k])
			return rd_err(d, "vm line without %s=", bkeys[k]);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	const struct backing_rec *const *x = a, *const *y = b;
	int c = strcmp((*x)->id, (*y)->id);
	if (!c)
		c = strcmp((*x)->algo, (*y)->algo);
	return c ? c : (*x > *y) - (*x < *y);
}

/* Two records of one VM under one algorithm (a placement run writes a
 * VM once per algorithm). */
static int dup_ids(struct rd *d, const struct backing_rec *v, u64 n)
{
	const struct backing_rec **p = malloc(n * sizeof *p);
	u64 i;
	int rc = 0;
	if (!p)
		return rd_err(d, "out of memory");
	for (i = 0; i < n; i++)
		p[i] = &v[i];
	qsort(p, n, sizeof *p, id_cmp);
	for (i = 1; i < n && !rc; i++)
		if (!strcmp(p[i - 1]->id, p[i]->id) && !strcmp(p[i - 1]->algo, p[i]->algo))
			rc = rd_err(d, "VM '%s' (algo %s) given twice (records %llu and %llu)", p[i]->id, p[i]->algo,
				    (unsigned long long)(p[i - 1] - v) + 1, (unsigned long long)(p[i] - v) + 1);
	free(p);
	return rc;
}

int backing_read(const char *path, struct backing_rec **recs, u64 *n)
{
	struct rd d = { path, 0 };
	struct backing_rec *v = NULL, *cur = NULL;
	u64 cap = 0, cnt = 0, want = 0, vm_line_no = 0;
	char buf[4096], *line = NULL;
	size_t cap_line = 0;
	ssize_t got;
	bool header = false;
	int rc = 0;
	FILE *f;

	*recs = NULL;
	*n = 0;
	f = fopen(path, "r");
	if (!f) {
		int e = errno;
		fprintf(stderr, "mmusim: %s: %s\n", path, strerror(e));
		return -e;
	}
	{
		int c0 = getc(f), c1 = getc(f);
		if (c0 == 0x1f && c1 == 0x8b) {
			fclose(f);
			return rd_err(&d, "is gzip-compressed (give the backing file uncompressed)");
		}
		rewind(f);
	}
	while (!rc && (got = getline(&line, &cap_line, f)) > 0) {
		size_t len = (size_t)got;
		char *s;
		d.line++;
		if (memchr(line, 0, len)) {
			rc = rd_err(&d, "NUL byte (not a text file)");
			break;
		}
		if (len >= sizeof buf) {
			rc = rd_err(&d, "line longer than %zu bytes", sizeof buf - 1);
			break;
		}
		memcpy(buf, line, len + 1);
		s = buf;
		buf[strcspn(buf, "\r\n")] = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (!header) {
			u64 ver;
			if (strncmp(s, "mmusim-backing ", 15) || num(s + 15, &ver))
				rc = rd_err(&d, "not a backing file (expected 'mmusim-backing %d' first)",
					    BACKING_VERSION);
			else if (ver != BACKING_VERSION)
				rc = rd_err(&d, "version %llu, this reader knows version %d",
					    (unsigned long long)ver, BACKING_VERSION);
			header = true;
			continue;
		}
		if (!strncmp(s, "vm ", 3)) {
			if (cur && want)
				rc = rd_err(&d, "VM '%s' has %llu extents, its vm line said %llu", cur->id,
					    (unsigned long long)cur->next - want, (unsigned long long)cur->next);
			if (rc)
				break;
			if (cnt == cap) {
				u64 ncap = cap ? 2 * cap : 16;
				struct backing_rec *nv = realloc(v, ncap * sizeof *nv);
				if (!nv) {
					rc = rd_err(&d, "out of memory");
					break;
				}
				v = nv;
				cap = ncap;
			}
			cur = &v[cnt];
			if ((rc = vm_line(&d, s + 3, cur)))
				break;
			cur->ext = malloc(cur->next * sizeof *cur->ext);
			if (!cur->ext) {
				rc = rd_err(&d, "out of memory");
				break;
			}
			cnt++;
			want = cur->next;
			vm_line_no = d.line;
			continue;
		}
		if (!strncmp(s, "extent ", 7)) {
			char *a = s + 7, *b;
			struct backing_ext *e;
			if (!cur || !want) {
				rc = rd_err(&d, "extent line without a vm line expecting it");
				break;
			}
			while (*a == ' ')
				a++;
			b = strchr(a, ' ');
			if (!b) {
				rc = rd_err(&d, "expected 'extent HPA BYTES'");
				break;
			}
			*b++ = 0;
			while (*b == ' ')
				b++;
			e = &cur->ext[cur->next - want];
			if (num(a, &e->hpa) || num(b, &e->bytes)) {
				rc = rd_err(&d, "expected 'extent HPA BYTES' (numbers)");
				break;
			}
			if (!--want) {
				const char *why = backing_check(cur);
				if (why) {
					d.line = vm_line_no;
					rc = rd_err(&d, "VM '%s': %s", cur->id, why);
				}
			}
			continue;
		}
		rc = rd_err(&d, "expected a vm or extent line, got '%.40s'", s);
	}
	if (!rc && ferror(f)) {
		d.line = 0;
		rc = rd_err(&d, "read error");
	}
	fclose(f);
	free(line);
	if (!rc && !header) {
		d.line = 0;
		rc = rd_err(&d, "empty file (expected 'mmusim-backing %d')", BACKING_VERSION);
	}
	if (!rc && cur && !want) {
		d.line = 0;
		rc = dup_ids(&d, v, cnt);
	}
	if (!rc && cur && want) {
		d.line = 0;
		rc = rd_err(&d, "ends inside VM '%s' (%llu extents missing)", cur->id, (unsigned long long)want);
	}
	if (rc) {
		/* Records not yet given extents have ext == NULL or partial: all freed. */
		backing_free(v, cnt);
		return rc;
	}
	*recs = v;
	*n = cnt;
	return 0;
}

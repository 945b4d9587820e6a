/*
 * attrib.c - attribution by function and by data region (model notes in
 * attrib.h).
 */
#include "attrib.h"
#include "../workloads/elf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int attrib_init(struct attrib *a, int nwalkers)
{
	memset(a, 0, sizeof *a);
	a->n = nwalkers;
	if (u64map_init(&a->pc_idx) || u64map_init(&a->pg_idx)) {
		attrib_destroy(a);
		return -ENOMEM;
	}
	return 0;
}

void attrib_destroy(struct attrib *a)
{
	u64map_destroy(&a->pc_idx);
	u64map_destroy(&a->pg_idx);
	free(a->pc_rows);
	free(a->pg_rows);
	free(a->maps);
	memset(a, 0, sizeof *a);
}

static u64 row_words(const struct attrib *a) { return 1 + (u64)a->n * AT_NR; }

static u64 *row_for(struct attrib *a, struct u64map *idx, u64 **rows, u64 *nrows, u64 *cap, u64 key)
{
	u64 *i = u64map_get(idx, key), w = row_words(a);
	if (i)
		return *rows + *i * w;
	if (*nrows == *cap) {
		u64 nc = *cap ? *cap * 2 : 1024;
		u64 *r = realloc(*rows, nc * w * sizeof *r);
		if (!r)
			return NULL;
		*rows = r;
		*cap = nc;
	}
	if (u64map_put(idx, key, *nrows))
		return NULL;
	memset(*rows + *nrows * w, 0, w * sizeof(u64));
	(*rows)[*nrows * w] = key;
	return *rows + (*nrows)++ * w;
}

int attrib_add(struct attrib *a, u64 pc, u64 va, const u64 *delta)
{
	u64 *r = row_for(a, &a->pc_idx, &a->pc_rows, &a->npc, &a->cap_pc, pc);
	u64 *g = row_for(a, &a->pg_idx, &a->pg_rows, &a->npg, &a->cap_pg, va >> PAGE_SHIFT);
	u64 k, nk = (u64)a->n * AT_NR;
	if (!r || !g)
		return -ENOMEM;
	for (k = 0; k < nk; k++) {
		r[1 + k] += delta[k];
		g[1 + k] += delta[k];
	}
	return 0;
}

int attrib_map(struct attrib *a, u64 va, u64 len)
{
	if (a->nmaps == a->cap_maps) {
		u64 nc = a->cap_maps ? a->cap_maps * 2 : 64;
		struct attrib_map *m = realloc(a->maps, nc * sizeof *m);
		if (!m)
			return -ENOMEM;
		a->maps = m;
		a->cap_maps = nc;
	}
	a->maps[a->nmaps++] = (struct attrib_map){ va, len };
	return 0;
}

/* The last object whose segment holds va, or -1; *seg its index. */
static long obj_of(const struct trace *t, u64 va, int *seg)
{
	long i;
	for (i = (long)trace_nobjs(t) - 1; i >= 0; i--) {
		const struct trace_obj *o = trace_object(t, (u32)i);
		for (u32 k = 0; k < o->nseg; k++)
			if (va >= o->seg[k].va && va - o->seg[k].va < o->seg[k].len) {
				*seg = (int)k;
				return i;
			}
	}
	return -1;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int row_cmp(const void *x, const void *y)
{
	const struct attrib_row *a = x, *b = y;
	for (int k = 0; k < AT_NR; k++)
		if (a->v[k] != b->v[k])
			return a->v[k] > b->v[k] ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int name_cmp(const void *x, const void *y)
{
	const struct attrib_row *a = x, *b = y;
	return strcmp(a->name, b->name);
}

void attrib_rows_free(struct attrib_row *rows, long n)
{
	for (long i = 0; i < n; i++)
		free(rows[i].name);
	free(rows);
}

long attrib_resolve(const struct attrib *a, const struct trace *t, int w, bool by_region,
		    struct attrib_row **out)
{
	u32 nobj = trace_nobjs(t);
	struct elf_syms *syms = NULL;
	bool *loaded = NULL;
	const u64 *rows = by_region ? a->pg_rows : a->pc_rows;
	u64 n = by_region ? a->npg : a->npc, i, wds = row_words(a);
	struct attrib_row *r;
	long m = 0, k;

	*out = NULL;
	r = calloc(n ? n : 1, sizeof *r);
	if (!by_region) {
		syms = calloc(nobj ? nobj : 1, sizeof *syms);
		loaded = calloc(nobj ? nobj : 1, sizeof *loaded);
	}
	if (!r || (!by_region && (!syms || !loaded)))
		goto nomem;
	for (i = 0; i < n; i++) {
		const u64 *row = rows + i * wds;
		u64 key = row[0];
		char buf[OBJ_PATH_MAX + 64];
		int seg = 0;
		long o;
		bool any = false;
		for (k = 0; k < AT_NR; k++)
			any |= row[1 + (u64)w * AT_NR + (u64)k] != 0;
		if (!any)
			continue;
		if (by_region) {
			u64 va = key << PAGE_SHIFT;
			o = obj_of(t, va, &seg);
			if (o >= 0 && trace_object(t, (u32)o)->path[0] != '[') {
				const struct trace_obj *ob = trace_object(t, (u32)o);
				char ps[4] = { ob->seg[seg].prot & PERM_R ? 'r' : '-', ob->seg[seg].prot & PERM_W ? 'w' : '-',
					       ob->seg[seg].prot & PERM_X ? 'x' : '-', 0 };
				snprintf(buf, sizeof buf, "%s:%d %s", ob->path, seg, ps);
			} else if (o >= 0) {
				snprintf(buf, sizeof buf, "%s", trace_object(t, (u32)o)->path);
			} else {
				u64 j = a->nmaps;
				while (j > 0 && !(va >= a->maps[j - 1].va && va - a->maps[j - 1].va < a->maps[j - 1].len))
					j--;
				if (j)
					snprintf(buf, sizeof buf, "mmap 0x%llx+0x%llx", (unsigned long long)a->maps[j - 1].va,
						 (unsigned long long)a->maps[j - 1].len);
				else
					snprintf(buf, sizeof buf, "[other]");
			}
		} else if (!key) {
			snprintf(buf, sizeof buf, "[no PC]");
		} else {
			o = obj_of(t, key, &seg);
			if (o >= 0 && trace_object(t, (u32)o)->path[0] != '[') {
				const struct trace_obj *ob = trace_object(t, (u32)o);
				const struct elf_sym *y;
				if (!loaded[o]) {
					loaded[o] = true;
					if (elf_syms_load(ob->path, &syms[o]))
						goto nomem;
				}
				y = elf_syms_find(&syms[o], key - ob->bias);
				if (y)
					snprintf(buf, sizeof buf, "%s (%s)", y->name, base_name(ob->path));
				else
					snprintf(buf, sizeof buf, "%s+0x%llx", base_name(ob->path),
						 (unsigned long long)((key - ob->bias) & ~(PAGE_SIZE - 1)));
			} else {
				snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)(key & ~(PAGE_SIZE - 1)));
			}
		}
		r[m].name = strdup(buf);
		if (!r[m].name)
			goto nomem;
		for (k = 0; k < AT_NR; k++)
			r[m].v[k] = row[1 + (u64)w * AT_NR + (u64)k];
		m++;
	}
	/* merge rows of the same name */
	qsort(r, (size_t)m, sizeof *r, name_cmp);
	for (i = 0, k = 0; i < (u64)m; i++) {
		if (k && !strcmp(r[k - 1].name, r[i].name)) {
			for (int j = 0; j < AT_NR; j++)
				r[k - 1].v[j] += r[i].v[j];
			free(r[i].name);
			continue;
		}
		r[k++] = r[i];
	}
	m = k;
	qsort(r, (size_t)m, sizeof *r, row_cmp);
	for (u32 j = 0; syms && j < nobj; j++)
		elf_syms_free(&syms[j]);
	free(syms);
	free(loaded);
	*out = r;
	return m;
nomem:
	for (u32 j = 0; syms && j < nobj; j++)
		elf_syms_free(&syms[j]);
	free(syms);
	free(loaded);
	attrib_rows_free(r, m);
	return -ENOMEM;
}

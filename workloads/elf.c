/*
 * elf.c - program segments and function symbols through libelf.
 *
 * Notes
 *   Segments: every PT_LOAD program header becomes one segment of the
 *   object at p_vaddr + bias, p_memsz bytes (the .bss included), with
 *   p_flags PF_R/PF_W/PF_X as r/w/x. ET_EXEC files are loaded where they
 *   say (bias 0); ET_DYN (PIEs, shared objects) at the bias given, by
 *   default valgrind's amd64 PIE base 0x108000, so that `--elf` matches a
 *   lackey trace of the same program.
 *   Symbols: .symtab when the file has one, else .dynsym (stripped system
 *   binaries keep only that); functions (STT_FUNC, STT_GNU_IFUNC) defined
 *   in a section. Lookup is by ELF address (run-time address - bias): the
 *   symbol whose [addr, addr + size) holds it, else none; a symbol of size
 *   0 covers up to the next symbol.
 *   Does not handle: DWARF line tables (functions only), separate debug
 *   files (.gnu_debuglink), ELF files of another byte order than ours.
 *   Sources: System V ABI (ELF gABI) chapter 5 "Program Loading"; libelf
 *   (elfutils 0.188) gelf_getphdr, gelf_getsym, elf_strptr; valgrind's
 *   coregrind/m_ume/elf.c for the PIE load base.
 */
#include "elf.h"
#include "trace_int.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void elf_spec(const char *spec, char *path, size_t n, u64 *bias, bool *bias_given)
{
	const char *at = strrchr(spec, '@');
	*bias_given = false;
	*bias = ELF_VALGRIND_PIE_BIAS;
	if (at && at[1]) {
		char *end;
		unsigned long long v = strtoull(at + 1, &end, 16);
		if (!*end) {
			snprintf(path, n, "%.*s", (int)(at - spec), spec);
			*bias = v;
			*bias_given = true;
			return;
		}
	}
	snprintf(path, n, "%s", spec);
}

static Elf *elf_open(const char *path, int *fd, bool quiet)
{
	Elf *e;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		if (!quiet)
			fprintf(stderr, "mmusim: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	e = elf_begin(*fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (!quiet)
			fprintf(stderr, "mmusim: %s: not an ELF file\n", path);
		if (e)
			elf_end(e);
		close(*fd);
		return NULL;
	}
	return e;
}

int elf_read_obj(const char *path, u64 bias, bool bias_given, struct trace_obj *o)
{
	GElf_Ehdr eh;
	size_t nph, i;
	int fd;
	Elf *e = elf_open(path, &fd, false);

	memset(o, 0, sizeof *o);
	if (!e)
		return -EINVAL;
	if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nph)) {
		fprintf(stderr, "mmusim: %s: not an ELF file (no program headers)\n", path);
		goto bad;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		fprintf(stderr, "mmusim: %s: not an executable or shared object (ELF type %u)\n", path,
			(unsigned)eh.e_type);
		goto bad;
	}
	if (eh.e_type == ET_EXEC && !bias_given)
		bias = 0;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		struct obj_seg *g;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (o->nseg == OBJ_SEG_MAX) {
			fprintf(stderr, "mmusim: %s: more than %d PT_LOAD segments\n", path, OBJ_SEG_MAX);
			goto bad;
		}
		g = &o->seg[o->nseg++];
		g->va = ph.p_vaddr + bias;
		g->len = ph.p_memsz;
		g->prot = (u8)((ph.p_flags & PF_R ? PERM_R : 0) | (ph.p_flags & PF_W ? PERM_W : 0) |
			       (ph.p_flags & PF_X ? PERM_X : 0));
		if (g->va >= VA_LIMIT || g->len > VA_LIMIT - g->va) {
			fprintf(stderr, "mmusim: %s: segment at 0x%llx beyond 57 bits\n", path,
				(unsigned long long)g->va);
			goto bad;
		}
	}
	if (!o->nseg) {
		fprintf(stderr, "mmusim: %s: no PT_LOAD segment\n", path);
		goto bad;
	}
	o->bias = bias;
	o->path = strdup(path);
	elf_end(e);
	close(fd);
	return o->path ? 0 : -ENOMEM;
bad:
	elf_end(e);
	close(fd);
	return -EINVAL;
}

int elf_obj_maps(const struct trace_obj *o, struct ev *out)
{
	u32 i;
	for (i = 0; i < o->nseg; i++) {
		u64 s = o->seg[i].va & ~(PAGE_SIZE - 1);
		u64 e = (o->seg[i].va + o->seg[i].len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		out[i] = (struct ev){ .kind = EV_MAP, .va = s, .len = e - s, .prot = o->seg[i].prot,
				      .psize = PSZ_ANY };
	}
	return (int)o->nseg;
}

int elf_events_write(const char *spec, struct trace *t, struct trace_writer *w)
{
	char path[OBJ_PATH_MAX + 1];
	struct trace_obj o;
	struct ev maps[OBJ_SEG_MAX];
	bool given;
	u64 bias;
	int r, n, i;

	elf_spec(spec, path, sizeof path, &bias, &given);
	if ((r = elf_read_obj(path, bias, given, &o)))
		return r;
	r = trace_add_obj(t, &o);
	if (r >= 0)
		r = trace_writer_put_obj(w, &o);
	n = elf_obj_maps(&o, maps);
	for (i = 0; i < n && r >= 0; i++)
		r = trace_writer_put(w, &maps[i]);
	free(o.path);
	return r < 0 ? r : 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* prefer the sized, then the global-looking (shorter) name */
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

int elf_syms_load(const char *path, struct elf_syms *s)
{
	Elf_Scn *scn = NULL, *pick = NULL;
	GElf_Shdr sh, psh;
	Elf_Data *d;
	size_t cap = 0, slen = 0, scap = 0, i, nsym;
	int fd;
	Elf *e;

	memset(s, 0, sizeof *s);
	e = elf_open(path, &fd, true);
	if (!e)
		return 0;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !pick)) {
			pick = scn;
			psh = sh;
			if (sh.sh_type == SHT_SYMTAB)
				break;
		}
	}
	if (!pick || !(d = elf_getdata(pick, NULL)) || !psh.sh_entsize)
		goto done;
	nsym = psh.sh_size / psh.sh_entsize;
	for (i = 0; i < nsym; i++) {
		GElf_Sym sym;
		const char *nm;
		size_t k;
		int ty;
		if (!gelf_getsym(d, (int)i, &sym))
			continue;
		ty = GELF_ST_TYPE(sym.st_info);
		if ((ty != STT_FUNC && ty != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		nm = elf_strptr(e, psh.sh_link, sym.st_name);
		if (!nm || !*nm)
			continue;
		k = strlen(nm) + 1;
		if (s->n == cap) {
			cap = cap ? cap * 2 : 256;
			struct elf_sym *v = realloc(s->v, cap * sizeof *v);
			if (!v)
				goto nomem;
			s->v = v;
		}
		if (slen + k > scap) {
			scap = (slen + k) * 2;
			char *ns = realloc(s->strs, scap);
			if (!ns)
				goto nomem;
			s->strs = ns;
		}
		memcpy(s->strs + slen, nm, k);
		/* names are offsets until the string table stops moving */
		s->v[s->n++] = (struct elf_sym){ .addr = sym.st_value, .size = sym.st_size,
						  .name = (const char *)(uintptr_t)slen };
		slen += k;
	}
	for (i = 0; i < s->n; i++)
		s->v[i].name = s->strs + (uintptr_t)s->v[i].name;
	qsort(s->v, s->n, sizeof *s->v, sym_cmp);
done:
	elf_end(e);
	close(fd);
	return 0;
nomem:
	elf_end(e);
	close(fd);
	elf_syms_free(s);
	return -ENOMEM;
}

const struct elf_sym *elf_syms_find(const struct elf_syms *s, u64 a)
{
	u32 lo = 0, hi = s->n;
	const struct elf_sym *y;
	while (lo < hi) {               /* first symbol above a */
		u32 mid = lo + (hi - lo) / 2;
		if (s->v[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	y = &s->v[lo - 1];
	/* among symbols at the same address the sized one sorts first */
	while (y > s->v && y[-1].addr == y->addr)
		y--;
	if (y->size)
		return a < y->addr + y->size ? y : NULL;
	return y;
}

void elf_syms_free(struct elf_syms *s)
{
	free(s->v);
	free(s->strs);
	memset(s, 0, sizeof *s);
}

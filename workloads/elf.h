/*
 * elf.h - what mmusim reads from ELF files with libelf: the PT_LOAD
 * segments of a program (as a trace object and MAP events, `--elf`) and
 * function symbols (for attribution by function).
 */
#ifndef MMUSIM_ELF_H
#define MMUSIM_ELF_H

#include "trace.h"

/* Where valgrind (amd64) loads a position-independent executable: the
 * default bias of `--elf PROG` for ET_DYN files. */
#define ELF_VALGRIND_PIE_BIAS 0x108000ull

/* Parses "PROG" or "PROG@BIAS" (hex). *bias_given tells which. */
void elf_spec(const char *spec, char *path, size_t n, u64 *bias, bool *bias_given);

/* Reads the PT_LOAD segments of path into o (path copied, malloc'd; free
 * with free(o->path)), at bias (ET_EXEC files: bias 0 whatever is given
 * unless bias_given). 0 or -errno after one message "mmusim: PATH: what". */
int elf_read_obj(const char *path, u64 bias, bool bias_given, struct trace_obj *o);

/* The MAP events of an object's segments (page-rounded), at most
 * OBJ_SEG_MAX. Returns the count. */
int elf_obj_maps(const struct trace_obj *o, struct ev *out);

/* `--elf SPEC`: reads the program, adds it to t's objects and writes its
 * object record and MAP events to w (convert). 0 or -errno. */
int elf_events_write(const char *spec, struct trace *t, struct trace_writer *w);

/* Function symbols of one object, sorted by address. */
struct elf_sym {
	u64 addr, size;       /* ELF virtual address (before the bias) */
	const char *name;     /* in `strs` */
};
struct elf_syms {
	struct elf_sym *v;
	u32 n;
	char *strs;
};
/* .symtab, else .dynsym: STT_FUNC and STT_GNU_IFUNC symbols with a
 * defined section. A file that cannot be read gives an empty table (0);
 * -ENOMEM only. */
int elf_syms_load(const char *path, struct elf_syms *s);
/* The function containing ELF address a (or the nearest one below it
 * when sizes are 0), or NULL. */
const struct elf_sym *elf_syms_find(const struct elf_syms *s, u64 a);
void elf_syms_free(struct elf_syms *s);

#endif

/*
 * attrib.h - attribution of each walker's costs to code and data
 * (`run --attribute`): per function (the PC of each access, resolved
 * through the ELF symbols of the trace's objects) and per data region
 * (the page of each access: an ELF segment, the heap, the stack, another
 * mapping).
 *
 * Model notes
 *   What is counted, per walker, for each access event: 1 access, its L1
 *   TLB misses (iTLB for I, dTLB otherwise), L2 TLB misses, page walks,
 *   walk cycles and VMM cycles: the growth of those counters of the MMU
 *   instance while the access is simulated (both pages of a split access,
 *   the retries after a demand fault). An instruction fetch is attributed
 *   to its own address; a data access to its PC (0: "[no PC]").
 *   Resolution at the end of the run: a PC inside a segment of an object
 *   is looked up in that object's symbols (.symtab, else .dynsym) at
 *   PC - bias; code without a symbol is "object+0xOFFSET" of its 4 KiB
 *   page; code in no object "0xPAGE". A data page is named by the first
 *   of: an ELF segment of an object ("object:N rwx", N its PT_LOAD index),
 *   "[heap]" or "[stack]" (objects of those names), the last MAP event
 *   covering it ("mmap 0xSTART+0xLEN"), "[other]".
 *   Order: as cg_annotate sorts by its events in order: by accesses, then
 *   L1 misses, L2 misses, walks, walk cycles, VMM cycles, descending, then
 *   by name.
 *   Does not model: inlined functions and source lines (no DWARF), data
 *   symbols (regions only), objects unloaded and replaced at the same
 *   addresses (the last object wins).
 *   Sources: cg_annotate(1) (--sort); ELF gABI for segments and symbols.
 */
#ifndef MMUSIM_ATTRIB_H
#define MMUSIM_ATTRIB_H

#include "../workloads/trace.h"
#include "util/u64map.h"

#include <stdio.h>

enum { AT_ACC, AT_L1, AT_L2, AT_WALKS, AT_WCYC, AT_VCYC, AT_NR };

struct attrib_map {
	u64 va, len;
};

struct attrib {
	int n;                      /* walkers */
	struct u64map pc_idx, pg_idx;
	u64 *pc_rows, *pg_rows;     /* per row: key, then n * AT_NR counters */
	u64 npc, npg, cap_pc, cap_pg;
	struct attrib_map *maps;    /* MAP events, in order */
	u64 nmaps, cap_maps;
};

int attrib_init(struct attrib *a, int nwalkers);
void attrib_destroy(struct attrib *a);
/* Adds delta[w][k] (n walkers x AT_NR) to the rows of pc and of va's page.
 * 0 or -ENOMEM. */
int attrib_add(struct attrib *a, u64 pc, u64 va, const u64 *delta);
int attrib_map(struct attrib *a, u64 va, u64 len);

/* One resolved row. */
struct attrib_row {
	char *name;
	u64 v[AT_NR];
};
/* Resolves walker w's rows by function (by_region false) or by region,
 * sorted; *rows malloc'd (free with attrib_rows_free). Returns the count
 * or -ENOMEM. */
long attrib_resolve(const struct attrib *a, const struct trace *t, int w, bool by_region,
		    struct attrib_row **rows);
void attrib_rows_free(struct attrib_row *rows, long n);

#endif

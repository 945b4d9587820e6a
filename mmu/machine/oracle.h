/*
 * oracle.h - the reference translator.
 *
 * Model notes
 *   Reads the page tables directly from physmem, with no caches, no timing
 *   and no side effects (it never sets A/D bits), and answers what a walk of
 *   va must produce: the page, its size, the permissions of the path, or the
 *   fault and the level where it happens. With a VM it translates gVA -> gPA
 *   through the guest tables and every guest-physical address (each guest
 *   table and the final page) through the EPT, which it reads itself. Every
 *   walker's answer is checked against it (`--check`, tests). It is written
 *   separately from the walkers' radix loop (walkers/radix.c) on purpose: the
 *   two share only pte.h.
 */
#ifndef MMUSIM_ORACLE_H
#define MMUSIM_ORACLE_H

#include "machine.h"
#include "pte.h"

struct oracle_res {
	enum fault_kind fault;   /* FAULT_NONE when translated */
	int level;               /* guest leaf level, or the faulting level */
	bool host_fault;         /* the fault is in the EPT (dimension H) */
	gpa_t gpa;               /* translation of va (page base + offset) */
	hpa_t hpa;
	enum psize ps;           /* effective size: min(guest, host) */
	enum psize gps;          /* guest page size */
	u8 perms;                /* guest permissions, and EPT's with a VM */
	u8 gperms;               /* guest permissions alone */
	bool dirty;
	u64 leaf;                /* guest leaf entry (or the faulting entry) */
	gpa_t leaf_at;           /* where that entry lives */
};

/* Translates va for access a in the address space rooted at root. */
void oracle_translate(struct machine *m, gpa_t root, int levels, u64 va, enum acc a,
		      struct oracle_res *r);

#endif

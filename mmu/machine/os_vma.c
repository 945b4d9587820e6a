/*
 * os_vma.c - the guest-OS model's VMAs: each process's sorted,
 * non-overlapping regions, their insertion, cutting and protection
 * changes.
 *
 * Model notes
 *   A VMA is Linux's vm_area_struct reduced to its range and protection;
 *   MAP inserts one (over existing VMAs it replaces them first, as
 *   MAP_FIXED does: os_map), UNMAP cuts the range out
 *   (splitting a VMA it falls inside), PROTECT changes the range's
 *   protection (splitting at its ends), as mmap, munmap and mprotect do
 *   (mm/mmap.c, mm/mprotect.c). Adjacent VMAs are not merged. The rest of
 *   the OS model's notes are in os.h.
 */
#include "os_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct vma *os_vma_find(const struct proc *p, u64 va)
{
	u32 lo = 0, hi = p->nvma;
	while (lo < hi) {
		u32 mid = (lo + hi) / 2;
		if (va < p->vma[mid].start)
			hi = mid;
		else if (va >= p->vma[mid].end)
			lo = mid + 1;
		else
			return &p->vma[mid];
	}
	return NULL;
}

bool vma_overlaps(const struct proc *p, u64 start, u64 end)
{
	u32 i;
	for (i = 0; i < p->nvma; i++)
		if (p->vma[i].start < end && start < p->vma[i].end)
			return true;
	return false;
}

int vma_insert(struct proc *p, struct vma v)
{
	u32 i;
	if (p->nvma == p->capvma) {
		u32 cap = p->capvma ? 2 * p->capvma : 8;
		struct vma *n = realloc(p->vma, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		p->vma = n;
		p->capvma = cap;
	}
	for (i = p->nvma; i > 0 && p->vma[i - 1].start > v.start; i--)
		p->vma[i] = p->vma[i - 1];
	p->vma[i] = v;
	p->nvma++;
	return 0;
}

/* Removes [start, end) from the VMA list (splitting as needed). */
int vma_cut(struct proc *p, u64 start, u64 end)
{
	u32 i = 0;
	while (i < p->nvma) {
		struct vma *v = &p->vma[i];
		if (v->end <= start || v->start >= end) {
			i++;
			continue;
		}
		if (v->start < start && v->end > end) {       /* hole in the middle */
			struct vma tail = *v;
			tail.start = end;
			v->end = start;
			return vma_insert(p, tail);
		}
		if (v->start < start) {
			v->end = start;
			i++;
		} else if (v->end > end) {
			v->start = end;
			i++;
		} else {
			memmove(v, v + 1, (p->nvma - i - 1) * sizeof *v);
			p->nvma--;
		}
	}
	return 0;
}

/* Sets prot on [start, end) of the VMAs (splitting at the edges). */
int vma_protect(struct proc *p, u64 start, u64 end, u8 prot)
{
	u32 i = 0;
	while (i < p->nvma) {
		struct vma v = p->vma[i];
		if (v.end <= start || v.start >= end || v.prot == prot) {
			i++;
			continue;
		}
		v.start = MAX(v.start, start);
		v.end = MIN(v.end, end);
		v.prot = prot;
		if (vma_cut(p, v.start, v.end) || vma_insert(p, v))
			return -ENOMEM;
		i = 0;   /* indices moved; the new piece has prot and is skipped */
	}
	return 0;
}

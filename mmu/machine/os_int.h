/*
 * os_int.h - what the guest-OS model's files (os.c, os_vma.c) share; not
 * for other users.
 */
#ifndef MMUSIM_OS_INT_H
#define MMUSIM_OS_INT_H

#include "os.h"

/* The VMAs of a process (os_vma.c): sorted, non-overlapping. 0 / -errno. */
bool vma_overlaps(const struct proc *p, u64 start, u64 end);
int vma_insert(struct proc *p, struct vma v);
int vma_cut(struct proc *p, u64 start, u64 end);
int vma_protect(struct proc *p, u64 start, u64 end, u8 prot);

#endif

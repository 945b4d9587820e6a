/*
 * physmem.h - sparse simulated host-physical memory.
 *
 * Only frames that hold page-table pages (guest tables, EPT, shadow tables)
 * have contents: a 4 KiB array of 512 64-bit entries, created zeroed on the
 * first write. Data frames have no contents, so a 1 TiB footprint costs only
 * its page tables. Reading a frame without contents returns 0 (a not-present
 * entry), which is what a walk that strays into a data page would see if the
 * page were zero-filled.
 *
 * Two representations:
 *  - flat (physmem_init_flat, what the machine uses): the whole RAM is one
 *    reserved, lazily committed host mapping (MAP_NORESERVE), so a read is
 *    one load and the host kernel provides the sparseness: only pages that
 *    were written occupy host memory. A bitmap records which frames have
 *    contents.
 *  - hashed (physmem_init, and frames beyond the flat range): an
 *    open-addressing hash map (hfn -> page) with a one-entry cache of the
 *    last frame looked up.
 */
#ifndef MMUSIM_PHYSMEM_H
#define MMUSIM_PHYSMEM_H

#include "types.h"

struct physmem {
	u64 *flat;        /* flat mapping of frames [0, flat_frames), or NULL */
	u64 flat_frames;
	u64 *present;     /* flat: bitmap of frames with contents */
	u64 *keys;        /* hfn + 1 (0 = empty slot) */
	u64 **pages;
	u64 cap, n;       /* slots (power of two), used */
	u64 last_hfn;
	u64 *last_page;
	u64 reads, writes;
};

int physmem_init(struct physmem *m);
/* Flat representation for frames [0, nframes) when the host grants the
 * reservation, hashed otherwise (and always beyond nframes). */
int physmem_init_flat(struct physmem *m, u64 nframes);
void physmem_destroy(struct physmem *m);
/* Contents of frame hfn, or NULL when it has none. */
u64 *physmem_page(struct physmem *m, hfn_t hfn);
/* Contents of frame hfn, created zeroed if needed (NULL only on ENOMEM). */
u64 *physmem_page_make(struct physmem *m, hfn_t hfn);
/* Drops the contents of a frame (it was freed). */
void physmem_drop(struct physmem *m, hfn_t hfn);
/* 8-byte aligned accesses. */
u64 physmem_read64_slow(struct physmem *m, hpa_t a);
void physmem_write64(struct physmem *m, hpa_t a, u64 v);
static inline u64 physmem_read64(struct physmem *m, hpa_t a)
{
	SIM_BUG_ON(a.v & 7);
	m->reads++;
	if (__builtin_expect((a.v >> PAGE_SHIFT) < m->flat_frames, 1))
		return m->flat[a.v >> 3];
	return physmem_read64_slow(m, a);
}
/* Number of frames with contents. */
static inline u64 physmem_frames(const struct physmem *m) { return m->n; }

#endif

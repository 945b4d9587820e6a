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
 * Representation: an open-addressing hash map from frame number to page,
 * and the pages themselves packed side by side in 2 MiB host chunks (host
 * transparent huge pages where the host grants them). Page tables are
 * scattered over the simulated RAM (one PT page among every 512 data
 * frames of a 4K mapping), but their contents stay dense in host memory, so
 * that a walk's reads stay within few host TLB entries.
 */
#ifndef MMUSIM_PHYSMEM_H
#define MMUSIM_PHYSMEM_H

#include "../util/types.h"

#define PHYSMEM_PAGE_WORDS (PAGE_SIZE / sizeof(u64))

struct physmem_slot {
	u64 key;          /* hfn + 1; 0 = empty */
	u64 *page;
};

struct physmem {
	struct physmem_slot *slot;   /* cap slots, cap a power of two */
	u64 cap, n;                  /* slots, frames with contents */
	u32 shift;                   /* 64 - log2(cap) */
	u64 **chunks;                /* host chunks of pages */
	u64 nchunks, chunk_used;     /* pages handed out of the last chunk */
	u64 *free_pages;             /* dropped pages, linked by their word 0 */
	u64 last_hfn;                /* the frame physmem_page_make found last */
	u64 *last_page;              /* (page tables are written in runs) */
	u64 reads, writes;
};

int physmem_init(struct physmem *m);
void physmem_destroy(struct physmem *m);

/* Home slot of a key (Fibonacci hashing, Knuth TAOCP vol. 3, 6.4). */
static inline u64 physmem_home_(const struct physmem *m, u64 key)
{
	return (key * 0x9E3779B97F4A7C15ull) >> m->shift;
}

/* Contents of frame hfn, or NULL when it has none. Counts nothing. */
static inline u64 *physmem_page(const struct physmem *m, hfn_t hfn)
{
	u64 key = hfn + 1, i = physmem_home_(m, key), mask = m->cap - 1;

	for (;; i = (i + 1) & mask) {
		if (m->slot[i].key == key)
			return m->slot[i].page;
		if (!m->slot[i].key)
			return NULL;
	}
}

/* Contents of frame hfn, created zeroed if needed (NULL only on ENOMEM). */
u64 *physmem_page_make(struct physmem *m, hfn_t hfn);
/* Drops the contents of a frame (it was freed). */
void physmem_drop(struct physmem *m, hfn_t hfn);
/* 8-byte aligned accesses. */
void physmem_write64(struct physmem *m, hpa_t a, u64 v);
static inline u64 physmem_read64(struct physmem *m, hpa_t a)
{
	const u64 *p;

	SIM_BUG_ON(a.v & 7);
	m->reads++;
	p = physmem_page(m, a.v >> PAGE_SHIFT);
	return p ? p[(a.v >> 3) & (PHYSMEM_PAGE_WORDS - 1)] : 0;
}
/* Asks the host to bring the entry at a into its caches (no effect on the
 * simulation); returns the address' page, or NULL when it has none. */
static inline const u64 *physmem_prefetch(const struct physmem *m, hpa_t a)
{
	const u64 *p = physmem_page(m, a.v >> PAGE_SHIFT);

	if (p)
		__builtin_prefetch(p + ((a.v >> 3) & (PHYSMEM_PAGE_WORDS - 1)));
	return p;
}
/* Asks the host to bring the slot where a's frame is looked up into its
 * caches (the first step of physmem_page). */
static inline void physmem_prefetch_slot(const struct physmem *m, hpa_t a)
{
	__builtin_prefetch(&m->slot[physmem_home_(m, (a.v >> PAGE_SHIFT) + 1)]);
}
/* Number of frames with contents. */
static inline u64 physmem_frames(const struct physmem *m) { return m->n; }

#endif

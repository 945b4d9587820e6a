/*
 * physmem.c - sparse simulated host-physical memory.
 *
 * Model notes
 *   Modelled: the contents of frames that hold page-table pages, as 512
 *   64-bit entries per 4 KiB frame, created zeroed on first write and
 *   dropped when the frame is freed. Reads of frames without contents
 *   return 0, i.e. a not-present entry.
 *   Not modelled: data-page contents, byte or unaligned accesses (every
 *   access is an aligned 8-byte entry; anything else is a bug), memory
 *   timing (charged by the memory port in tlb/), memory errors.
 *   Sources: none external. The hash map (open addressing with linear
 *   probing, power-of-two capacity grown at 50% load, a 64-bit finalizer
 *   mix of the frame number, backward-shift deletion, a one-entry cache of
 *   the last frame found) is ours.
 *
 * Representation
 *   keys[i] is hfn + 1 (0 marks an empty slot), pages[i] its contents.
 *   Deletion moves later members of the probe run back into the hole, so
 *   no tombstones exist and every key is reachable from its home slot
 *   through occupied slots only. The cache (last_hfn, last_page) holds a
 *   page pointer, which never moves; it is cleared on drop and on grow.
 */
#include "physmem.h"

#include <errno.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHYSMEM_CAP_MIN 64u
#define PAGE_WORDS (PAGE_SIZE / sizeof(u64))
#define HFN_LIMIT (1ull << (PA_BITS_MAX - PAGE_SHIFT))

static inline u64 physmem_mix(u64 x)
{
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return x;
}

/* Slot holding key, or the empty slot that ends its probe run. */
static inline u64 physmem_slot(const struct physmem *m, u64 key)
{
	u64 mask = m->cap - 1, i = physmem_mix(key) & mask;

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

static inline void physmem_uncache(struct physmem *m)
{
	m->last_hfn = 0;
	m->last_page = NULL;
}

int physmem_init(struct physmem *m)
{
	memset(m, 0, sizeof *m);
	m->keys = calloc(PHYSMEM_CAP_MIN, sizeof *m->keys);
	m->pages = calloc(PHYSMEM_CAP_MIN, sizeof *m->pages);
	if (!m->keys || !m->pages) {
		physmem_destroy(m);
		return -ENOMEM;
	}
	m->cap = PHYSMEM_CAP_MIN;
	return 0;
}

void physmem_destroy(struct physmem *m)
{
	u64 i;

	if (m->pages)
		for (i = 0; i < m->cap; i++)
			free(m->pages[i]);
	if (m->flat)
		munmap(m->flat, m->flat_frames << PAGE_SHIFT);
	free(m->present);
	free(m->keys);
	free(m->pages);
	memset(m, 0, sizeof *m);
}

static int physmem_grow(struct physmem *m)
{
	u64 ncap = m->cap * 2, mask = ncap - 1, i;
	u64 *nkeys = calloc(ncap, sizeof *nkeys);
	u64 **npages = calloc(ncap, sizeof *npages);

	if (!nkeys || !npages) {
		free(nkeys);
		free(npages);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		u64 key = m->keys[i], j;
		if (!key)
			continue;
		j = physmem_mix(key) & mask;
		while (nkeys[j])
			j = (j + 1) & mask;
		nkeys[j] = key;
		npages[j] = m->pages[i];
	}
	free(m->keys);
	free(m->pages);
	m->keys = nkeys;
	m->pages = npages;
	m->cap = ncap;
	physmem_uncache(m);
	return 0;
}

static inline bool flat_has(const struct physmem *m, hfn_t hfn)
{
	return hfn < m->flat_frames && (m->present[hfn >> 6] >> (hfn & 63) & 1);
}

int physmem_init_flat(struct physmem *m, u64 nframes)
{
	void *p;
	int r = physmem_init(m);

	if (r || !nframes)
		return r;
	p = mmap(NULL, nframes << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return 0;              /* stay hashed */
	m->present = calloc((nframes + 63) / 64, sizeof *m->present);
	if (!m->present) {
		munmap(p, nframes << PAGE_SHIFT);
		return 0;
	}
	m->flat = p;
	m->flat_frames = nframes;
	return 0;
}

u64 *physmem_page(struct physmem *m, hfn_t hfn)
{
	u64 i;

	if (hfn < m->flat_frames)
		return flat_has(m, hfn) ? m->flat + (hfn << 9) : NULL;

	if (m->last_page && m->last_hfn == hfn)
		return m->last_page;
	if (hfn >= HFN_LIMIT)
		return NULL;
	i = physmem_slot(m, hfn + 1);
	if (!m->keys[i])
		return NULL;
	m->last_hfn = hfn;
	m->last_page = m->pages[i];
	return m->last_page;
}

u64 *physmem_page_make(struct physmem *m, hfn_t hfn)
{
	u64 *p = physmem_page(m, hfn), i;

	if (p)
		return p;
	if (hfn < m->flat_frames) {
		m->present[hfn >> 6] |= 1ull << (hfn & 63);
		m->n++;
		return m->flat + (hfn << 9);   /* zero: fresh or cleared by drop */
	}
	SIM_BUG_ON(hfn >= HFN_LIMIT);
	if (2 * (m->n + 1) > m->cap && physmem_grow(m))
		return NULL;
	p = calloc(PAGE_WORDS, sizeof *p);
	if (!p)
		return NULL;
	i = physmem_slot(m, hfn + 1);
	m->keys[i] = hfn + 1;
	m->pages[i] = p;
	m->n++;
	m->last_hfn = hfn;
	m->last_page = p;
	return p;
}

void physmem_drop(struct physmem *m, hfn_t hfn)
{
	u64 mask = m->cap - 1, i, j;

	if (hfn < m->flat_frames) {
		if (flat_has(m, hfn)) {
			memset(m->flat + (hfn << 9), 0, PAGE_SIZE);
			m->present[hfn >> 6] &= ~(1ull << (hfn & 63));
			m->n--;
		}
		return;
	}
	if (hfn >= HFN_LIMIT)
		return;
	i = physmem_slot(m, hfn + 1);
	if (!m->keys[i])
		return;
	physmem_uncache(m);
	free(m->pages[i]);
	m->n--;
	/* Backward shift: walk the rest of the run; an entry whose home is
	 * not cyclically inside (hole, j] can move back into the hole. */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		u64 home = physmem_mix(m->keys[j]) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->pages[i] = m->pages[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->pages[i] = NULL;
}

u64 physmem_read64_slow(struct physmem *m, hpa_t a)
{
	u64 *p = physmem_page(m, a.v >> PAGE_SHIFT);
	return p ? p[(a.v >> 3) & (PAGE_WORDS - 1)] : 0;
}

void physmem_write64(struct physmem *m, hpa_t a, u64 v)
{
	u64 *p;

	SIM_BUG_ON(a.v & 7);
	m->writes++;
	p = physmem_page_make(m, a.v >> PAGE_SHIFT);
	if (!p) {
		fprintf(stderr, "mmusim: out of memory for simulated physical memory\n");
		abort();
	}
	p[(a.v >> 3) & (PAGE_WORDS - 1)] = v;
}

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
 *   probing, power-of-two capacity grown at 50% load, multiplicative
 *   hashing of the frame number, backward-shift deletion) and the page
 *   pool are ours.
 *
 * Representation
 *   slot[i].key is hfn + 1 (0 marks an empty slot), slot[i].page its
 *   contents. Deletion moves later members of the probe run back into the
 *   hole, so no tombstones exist and every key is reachable from its home
 *   slot through occupied slots only. physmem_page_make remembers the last
 *   page it found (page tables are written in runs; a drop forgets it).
 *   Pages come from 2 MiB host chunks (aligned, so that the host can back
 *   each with one transparent huge page; madvise is only a hint), handed
 *   out in order; dropped pages go to a free list and are reused first.
 *   A page never moves while it has contents. A chunk is committed by the
 *   host as its pages are first written, so memory follows the number of
 *   page tables, not the size of the simulated RAM. The slot array, when it
 *   reaches 2 MiB, is placed the same way: a walk probes it at random.
 */
#include "physmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PHYSMEM_CAP_MIN 64u
#define HUGE_SIZE (2ull << 20)
#define CHUNK_PAGES (HUGE_SIZE / PAGE_SIZE)
#define HFN_LIMIT (1ull << (PA_BITS_MAX - PAGE_SHIFT))

/* Zeroed anonymous memory of `bytes` (a multiple of 4 KiB); when at least
 * 2 MiB, aligned to 2 MiB and advised for transparent huge pages. */
static void *host_alloc(u64 bytes)
{
	u64 len = bytes, head;
	char *p;

	if (bytes < HUGE_SIZE) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	len = bytes + HUGE_SIZE;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_SIZE - ((uintptr_t)p & (HUGE_SIZE - 1))) & (HUGE_SIZE - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + bytes, len - head - bytes);
	p += head;
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static u64 slot_bytes(u64 cap) { return cap * sizeof(struct physmem_slot); }

static struct physmem_slot *slots_alloc(u64 cap)
{
	return host_alloc((slot_bytes(cap) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
}

static void slots_free(struct physmem_slot *s, u64 cap)
{
	if (s)
		munmap(s, (slot_bytes(cap) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
}

static u32 cap_shift(u64 cap) { return 64u - (u32)__builtin_ctzll(cap); }

int physmem_init(struct physmem *m)
{
	memset(m, 0, sizeof *m);
	m->slot = slots_alloc(PHYSMEM_CAP_MIN);
	if (!m->slot)
		return -ENOMEM;
	m->cap = PHYSMEM_CAP_MIN;
	m->shift = cap_shift(m->cap);
	return 0;
}

void physmem_destroy(struct physmem *m)
{
	u64 i;

	slots_free(m->slot, m->cap);
	for (i = 0; i < m->nchunks; i++)
		munmap(m->chunks[i], HUGE_SIZE);
	free(m->chunks);
	memset(m, 0, sizeof *m);
}

/* Slot holding key, or the empty slot that ends its probe run. */
static u64 physmem_slot_of(const struct physmem *m, u64 key)
{
	u64 mask = m->cap - 1, i = physmem_home_(m, key);

	while (m->slot[i].key && m->slot[i].key != key)
		i = (i + 1) & mask;
	return i;
}

static int physmem_grow(struct physmem *m)
{
	struct physmem ng = { .cap = m->cap * 2 };
	u64 i;

	ng.shift = cap_shift(ng.cap);
	ng.slot = slots_alloc(ng.cap);
	if (!ng.slot)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		if (m->slot[i].key)
			ng.slot[physmem_slot_of(&ng, m->slot[i].key)] = m->slot[i];
	}
	slots_free(m->slot, m->cap);
	m->slot = ng.slot;
	m->cap = ng.cap;
	m->shift = ng.shift;
	return 0;
}

/* A zeroed page from the pool, or NULL. */
static u64 *page_alloc(struct physmem *m)
{
	u64 *p = m->free_pages;

	if (p) {
		m->free_pages = (u64 *)p[0];
		p[0] = 0;                  /* the rest was zeroed by the drop */
		return p;
	}
	if (!m->nchunks || m->chunk_used == CHUNK_PAGES) {
		u64 **nc = realloc(m->chunks, (m->nchunks + 1) * sizeof *nc);
		if (!nc)
			return NULL;
		m->chunks = nc;
		nc[m->nchunks] = host_alloc(HUGE_SIZE);
		if (!nc[m->nchunks])
			return NULL;
		m->nchunks++;
		m->chunk_used = 0;
	}
	return m->chunks[m->nchunks - 1] + PHYSMEM_PAGE_WORDS * m->chunk_used++;
}

static void page_free(struct physmem *m, u64 *p)
{
	memset(p, 0, PAGE_SIZE);
	p[0] = (u64)m->free_pages;
	m->free_pages = p;
}

u64 *physmem_page_make(struct physmem *m, hfn_t hfn)
{
	u64 *p, i;

	if (m->last_page && m->last_hfn == hfn)
		return m->last_page;
	p = physmem_page(m, hfn);
	if (p) {
		m->last_hfn = hfn;
		m->last_page = p;
		return p;
	}
	SIM_BUG_ON(hfn >= HFN_LIMIT);
	if (2 * (m->n + 1) > m->cap && physmem_grow(m))
		return NULL;
	p = page_alloc(m);
	if (!p)
		return NULL;
	i = physmem_slot_of(m, hfn + 1);
	m->slot[i].key = hfn + 1;
	m->slot[i].page = p;
	m->n++;
	m->last_hfn = hfn;
	m->last_page = p;
	return p;
}

void physmem_drop(struct physmem *m, hfn_t hfn)
{
	u64 mask = m->cap - 1, i, j;

	if (hfn >= HFN_LIMIT)
		return;
	i = physmem_slot_of(m, hfn + 1);
	if (!m->slot[i].key)
		return;
	m->last_page = NULL;
	page_free(m, m->slot[i].page);
	m->n--;
	/* Backward shift: walk the rest of the run; an entry whose home is
	 * not cyclically inside (hole, j] can move back into the hole. */
	for (j = (i + 1) & mask; m->slot[j].key; j = (j + 1) & mask) {
		u64 home = physmem_home_(m, m->slot[j].key);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i].key = 0;
	m->slot[i].page = NULL;
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
	p[(a.v >> 3) & (PHYSMEM_PAGE_WORDS - 1)] = v;
}

/*
 * bloom.h - the escape filter of direct segments: a Bloom filter of pages
 * (Bloom, CACM 1970; as the escape filter of Gandhi et al., MICRO 2014,
 * which lists pages a direct segment must not translate, e.g. pages with
 * permanent hard faults remapped elsewhere). A page in the filter, or a
 * false positive, is translated by paging; the filter never forgets.
 */
#ifndef MMUSIM_BLOOM_H
#define MMUSIM_BLOOM_H

#include "types.h"

struct bloom {
	u64 *bits;
	u32 nbits;      /* power of two; 0: empty filter (never matches) */
	u32 k;          /* hash functions */
	u64 added;
};

int bloom_init(struct bloom *b, u32 nbits, u32 k);
void bloom_destroy(struct bloom *b);
void bloom_add(struct bloom *b, u64 key);
bool bloom_test(const struct bloom *b, u64 key);

#endif

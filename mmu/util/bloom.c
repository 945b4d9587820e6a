/* bloom.c - see bloom.h. Hash i of a key: a 64-bit mix of key and i. */
#include "bloom.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline u64 bhash(u64 key, u32 i)
{
	u64 x = key * 0x9E3779B97F4A7C15ull + (u64)(i + 1) * 0xBF58476D1CE4E5B9ull;
	x ^= x >> 31;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 29;
	return x;
}

int bloom_init(struct bloom *b, u32 nbits, u32 k)
{
	memset(b, 0, sizeof *b);
	SIM_BUG_ON(nbits & (nbits - 1));
	b->nbits = nbits;
	b->k = k;
	if (!nbits)
		return 0;
	b->bits = calloc((nbits + 63) / 64, sizeof *b->bits);
	return b->bits ? 0 : -ENOMEM;
}

void bloom_destroy(struct bloom *b)
{
	free(b->bits);
	memset(b, 0, sizeof *b);
}

void bloom_add(struct bloom *b, u64 key)
{
	u32 i;
	if (!b->nbits)
		return;
	for (i = 0; i < b->k; i++) {
		u64 h = bhash(key, i) & (b->nbits - 1);
		b->bits[h >> 6] |= 1ull << (h & 63);
	}
	b->added++;
}

bool bloom_test(const struct bloom *b, u64 key)
{
	u32 i;
	if (!b->nbits || !b->added)
		return false;
	for (i = 0; i < b->k; i++) {
		u64 h = bhash(key, i) & (b->nbits - 1);
		if (!(b->bits[h >> 6] >> (h & 63) & 1))
			return false;
	}
	return true;
}

/* u64map.c - see u64map.h. */
#include "u64map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline u64 mix(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static int alloc(struct u64map *h, u64 cap)
{
	h->k = malloc(cap * sizeof *h->k);
	h->v = malloc(cap * sizeof *h->v);
	if (!h->k || !h->v) {
		free(h->k);
		free(h->v);
		return -ENOMEM;
	}
	memset(h->k, 0xff, cap * sizeof *h->k);
	h->cap = cap;
	return 0;
}

int u64map_init(struct u64map *h)
{
	memset(h, 0, sizeof *h);
	return alloc(h, 64);
}

void u64map_destroy(struct u64map *h)
{
	free(h->k);
	free(h->v);
	memset(h, 0, sizeof *h);
}

static u64 slot(const struct u64map *h, u64 key)
{
	u64 mask = h->cap - 1, i = mix(key) & mask;
	while (h->k[i] != U64MAP_EMPTY && h->k[i] != key)
		i = (i + 1) & mask;
	return i;
}

u64 *u64map_get(const struct u64map *h, u64 key)
{
	u64 i = slot(h, key);
	return h->k[i] == key ? &h->v[i] : NULL;
}

int u64map_put(struct u64map *h, u64 key, u64 val)
{
	u64 i;
	SIM_BUG_ON(key == U64MAP_EMPTY);
	if (2 * (h->n + 1) > h->cap) {
		struct u64map old = *h;
		u64 j;
		if (alloc(h, 2 * old.cap)) {
			*h = old;
			return -ENOMEM;
		}
		h->n = 0;
		for (j = 0; j < old.cap; j++)
			if (old.k[j] != U64MAP_EMPTY) {
				u64 s = slot(h, old.k[j]);
				h->k[s] = old.k[j];
				h->v[s] = old.v[j];
				h->n++;
			}
		free(old.k);
		free(old.v);
	}
	i = slot(h, key);
	if (h->k[i] != key) {
		h->k[i] = key;
		h->n++;
	}
	h->v[i] = val;
	return 0;
}

bool u64map_del(struct u64map *h, u64 key)
{
	u64 mask = h->cap - 1, i = slot(h, key), j;
	if (h->k[i] != key)
		return false;
	h->n--;
	/* backward shift: move later members of the run into the hole when
	 * their home slot is not cyclically inside (hole, j] */
	for (j = (i + 1) & mask; h->k[j] != U64MAP_EMPTY; j = (j + 1) & mask) {
		u64 home = mix(h->k[j]) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			h->k[i] = h->k[j];
			h->v[i] = h->v[j];
			i = j;
		}
	}
	h->k[i] = U64MAP_EMPTY;
	return true;
}

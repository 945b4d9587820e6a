/*
 * u64map.h - an open-addressing hash map from u64 keys to u64 values
 * (linear probing, backward-shift deletion, grows at 1/2 load). Keys may
 * be any value but UINT64_MAX. Used for the VMM's private indexes (shadow
 * pages by guest frame and back).
 */
#ifndef MMUSIM_U64MAP_H
#define MMUSIM_U64MAP_H

#include "types.h"

#define U64MAP_EMPTY UINT64_MAX

struct u64map {
	u64 *k, *v;
	u64 cap, n;
};

int u64map_init(struct u64map *h);
void u64map_destroy(struct u64map *h);
/* Pointer to the value of key, or NULL. */
u64 *u64map_get(const struct u64map *h, u64 key);
/* Inserts or overwrites. 0 or -ENOMEM. */
int u64map_put(struct u64map *h, u64 key, u64 val);
/* Removes key; true when it was present. */
bool u64map_del(struct u64map *h, u64 key);

#endif

/*
 * place_int.h - what place.c and place_time.c share (not an interface for
 * other modules; model notes in place.c and place_time.c).
 */
#ifndef MMUSIM_PLACE_INT_H
#define MMUSIM_PLACE_INT_H

#include "place.h"

const struct cluster_kind *place_kind_of(const struct place_sim *s, u32 i);
void place_tree_update(struct place_sim *s, u32 i);
void place_power_off(struct place_sim *s, u32 i);
/* One run of n granules on buddy b ([cluster] allocator, contig_align). */
u64 place_alloc_run(const struct place_sim *s, struct buddy *b, u64 n);
/* The first powered server with c free vCPUs and a run of f granules. */
u32 place_first_run(const struct place_sim *s, u32 c, u64 f);
/* The alive VMs of a server; the alive scattered VMs in arrival order. */
void place_srv_link(struct place_sim *s, u32 i);
void place_srv_unlink(struct place_sim *s, u32 i);
void place_x_link(struct place_sim *s, u32 i);
void place_x_unlink(struct place_sim *s, u32 i);
/* place_time.c: compaction of VM i's server ([cluster] compaction), a
 * migration pass ([cluster] migrate_interval). 0 or -ENOMEM. */
int place_compact(struct place_sim *s, u32 i);
/* The longest aligned run of server i free of reserved granules and pins. */
u64 place_pin_gap(const struct place_sim *s, u32 i);
int place_migrate_pass(struct place_sim *s);
/* The migration passes due up to time t (before its events). 0 / -ENOMEM. */
int place_passes_until(struct place_sim *s, u64 t);
/* place.c: accounts for the time up to t (powered-server time, samples). */
void place_advance(struct place_sim *s, u64 t);

#endif

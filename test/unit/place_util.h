/* place_util.h - helpers shared by the placement simulator's tests. */
#ifndef MMUSIM_TEST_PLACE_UTIL_H
#define MMUSIM_TEST_PLACE_UTIL_H

#include "test.h"
#include "../../mmu/place/place.h"

/* Loads a cluster from INI text (written under the test directory as
 * `name`); false (and a test failure) when it does not load. */
bool pu_cluster(struct cluster *c, const char *name, const char *ini);

/* The choice of every algorithm re-derived by scanning the servers in
 * order, from their state alone (the longest free run is asked of the
 * allocator itself, not taken from the simulator's cache). */
u32 pu_naive_choose(const struct place_sim *s, u32 vm, bool *power_on);

/* Figures recomputed from the VMs' placements and the trace alone, by a
 * sweep over the events in the simulator's order, counting servers that
 * hold at least one VM (the power_off policy). */
struct pu_stats {
	u64 placed, rejected, contiguous, peak_powered, ever_powered, peak_vms;
	u64 power_ons, scattered_extents;
	double powered_seconds, mean_powered;
	u64 start, end;
};
void pu_recompute(const struct place_sim *s, const struct place_events *ev, struct pu_stats *out);

/* Checks a powered server's cached state against its allocator and the
 * VMs placed on it, and buddy_audit; reports failures at file:line. */
void pu_check_server(const struct place_sim *s, u32 i, const char *file, int line);

#endif

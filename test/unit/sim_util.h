/* sim_util.h - helpers shared by the tests that drive a whole simulation. */
#ifndef MMUSIM_TEST_SIM_UTIL_H
#define MMUSIM_TEST_SIM_UTIL_H

#include "test.h"
#include "../../mmu/sim.h"

/* Feeds a generator's events to s (MAP events skipped when skip_map: the
 * region is already mapped and a second MAP would replace it). */
void feed(struct sim *s, const char *spec, bool skip_map);

/* One random event of a churn mix over `pages` 4K pages from base: UNMAP,
 * PROTECT (r or rw), MAP (rw, any size) or an access (R or W), of up to
 * max_pages pages; accesses 7 times in 10. */
struct ev churn_event(u64 *rng, u64 base, u64 pages, u64 max_pages);

#endif

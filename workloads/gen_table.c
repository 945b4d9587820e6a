/*
 * gen_table.c - the list of synthetic generators (gen.h).
 *
 * Notes
 *   Adding a generator means adding its gen_def here; the core (gen.c)
 *   finds generators, their keys and their help only through this table.
 */
#include "gen.h"

extern const struct gen_def gen_seq, gen_stride, gen_uniform, gen_zipf,
	gen_chase, gen_hotcold, gen_multiproc, gen_multivm;
extern const struct gen_def gen_mmapchurn, gen_heap, gen_shortproc, gen_ctxswitch, gen_mixed;

const struct gen_def *const gen_table[] = {
	&gen_seq, &gen_stride, &gen_uniform, &gen_zipf, &gen_chase,
	&gen_hotcold, &gen_multiproc, &gen_multivm,
	&gen_mmapchurn, &gen_heap, &gen_shortproc, &gen_ctxswitch, &gen_mixed,
	NULL,
};

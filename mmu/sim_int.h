/*
 * sim_int.h - what the simulation loop (sim.c) and its measurement window
 * (sim_window.c) share; not for other users.
 */
#ifndef MMUSIM_SIM_INT_H
#define MMUSIM_SIM_INT_H

#include "sim.h"

void window_open(struct sim *s);
void window_close(struct sim *s);
void window_step(struct sim *s, const struct ev *e);
void window_finish(struct sim *s);

#endif

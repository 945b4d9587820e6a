/* sim_util.c - see sim_util.h. */
#include "sim_util.h"

void feed(struct sim *s, const char *spec, bool skip_map)
{
	struct trace *t;
	struct ev buf[1024];
	int n, i;
	if (trace_open_gen(&t, spec)) {
		test_fail(__FILE__, __LINE__, "generator %s", spec);
		return;
	}
	while ((n = trace_read(t, buf, 1024)) > 0)
		for (i = 0; i < n; i++)
			if (!(skip_map && buf[i].kind == EV_MAP) && sim_event(s, &buf[i]))
				test_fail(__FILE__, __LINE__, "event %d of %s", i, spec);
	trace_close(t);
}

struct ev churn_event(u64 *rng, u64 base, u64 pages, u64 max_pages)
{
	u64 p = rng_next(rng) % pages, n = 1 + rng_next(rng) % max_pages;
	struct ev e = { 0 };
	unsigned op = (unsigned)(rng_next(rng) % 10);
	e.va = base + p * 4096;
	e.len = n * 4096;
	e.size = 8;
	if (op == 0) {
		e.kind = EV_UNMAP;
	} else if (op == 1) {
		e.kind = EV_PROTECT;
		e.prot = (u8)(PERM_R | ((rng_next(rng) & 1) ? PERM_W : 0));
	} else if (op == 2) {
		e.kind = EV_MAP;
		e.prot = PERM_R | PERM_W;
		e.psize = 0xff;
	} else {
		e.kind = (rng_next(rng) & 1) ? EV_W : EV_R;
	}
	return e;
}

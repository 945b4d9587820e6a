/*
 * sim.c - the simulation loop (model notes in sim.h).
 */
#include "sim_int.h"
#include "machine/pte.h"
#include "machine/oracle.h"

#include <errno.h>

#define SIM_RAM_MAX (1ull << PA_BITS_MAX)   /* the largest [host] ram / [vm] memory */
#include <stdlib.h>
#include <string.h>

int sim_parse_walkers(char *list, const char **names, int max)
{
	int n = 0;
	char *save = NULL, *tok;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!*tok || n == max)
			return -EINVAL;
		names[n++] = tok;
	}
	return n ? n : -EINVAL;
}

int sim_init(struct sim *s, const struct cfg *c, const char *const *walkers, int n, bool check)
{
	return sim_init_placed(s, c, walkers, n, check, NULL, 0);
}

int sim_init_placed(struct sim *s, const struct cfg *c, const char *const *walkers, int n, bool check,
		    const struct backing_rec *b, u64 nb)
{
	int i, r;

	memset(s, 0, sizeof *s);
	s->cfg = *c;
	s->check = check;
	if (n < 1 || n > SIM_WALKERS_MAX)
		return -EINVAL;
	/* The machine runs a VM when any walker translates through one. */
	for (i = 0; i < n; i++) {
		const struct walker_ops *ops = walker_find(walkers[i]);
		if (ops && ops->needs_vm)
			s->cfg.vm.enabled = true;
	}
	if (nb)
		s->cfg.vm.enabled = true;
	if (s->cfg.host.ram > MMU_PRIV_RAM_MAX) {
		fprintf(stderr, "mmusim: [host] ram: at most %llu bytes with a walker (its own tables live above host RAM)\n",
			(unsigned long long)MMU_PRIV_RAM_MAX);
		return -EINVAL;
	}
	r = machine_init_placed(&s->m, &s->cfg, b, nb);
	if (r) {
		if (r == -ENOMEM)          /* other errors were reported where found */
			fprintf(stderr, "mmusim: cannot set up the machine ([host] ram): %s\n", strerror(-r));
		return r;
	}
	s->mmu = calloc((size_t)n, sizeof *s->mmu);
	if (!s->mmu) {
		machine_destroy(&s->m);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		int j;
		for (j = 0; j < i; j++)
			if (!strcmp(walkers[j], walkers[i])) {
				fprintf(stderr, "mmusim: walker '%s' named twice\n", walkers[i]);
				r = -EINVAL;
				goto fail;
			}
		r = mmu_init(&s->mmu[i], &s->m, walkers[i], &s->cfg);
		if (r)
			goto fail;
		s->n = i + 1;
		s->ticks |= s->mmu[i].w.ops->tick != NULL;
	}
	s->vlen = (sizeof(struct sim_glob) + (size_t)n * sizeof(struct mmu_counters)) / sizeof(u64);
	s->base = calloc(1, sizeof *s->base);
	s->acc = calloc(1, sizeof *s->acc);
	if (!s->base || !s->acc) {
		r = -ENOMEM;
		goto fail;
	}
	s->counting = true;         /* the whole run, from the machine's set-up */
	return 0;
fail:
	sim_destroy(s);
	return r;
}

int sim_attribute(struct sim *s, int top)
{
	s->attr = malloc(sizeof *s->attr);
	if (!s->attr || attrib_init(s->attr, s->n)) {
		free(s->attr);
		s->attr = NULL;
		return -ENOMEM;
	}
	s->attr_top = top;
	return 0;
}

/* The counters attribution follows, of instance u, into c[AT_NR]. */
static void attr_snap(const struct mmu *u, u64 *c)
{
	c[AT_ACC] = 0;
	c[AT_L1] = u->tlb.misses[TLB_L1I] + u->tlb.misses[TLB_L1D];
	c[AT_L2] = u->tlb.misses[TLB_L2];
	c[AT_WALKS] = u->st.walks;
	c[AT_WCYC] = u->st.walk_cycles;
	c[AT_VCYC] = u->st.vmm_cycles;
}

void sim_destroy(struct sim *s)
{
	int i;
	if (s->attr) {
		attrib_destroy(s->attr);
		free(s->attr);
	}
	for (i = 0; i < s->n; i++)
		mmu_destroy(&s->mmu[i]);
	free(s->mmu);
	free(s->base);
	free(s->acc);
	free(s->iv);
	machine_destroy(&s->m);
	memset(s, 0, sizeof *s);
}

static void mismatch(struct sim *s, struct mmu *u, u64 va, enum acc a, const char *what)
{
	u->st.oracle_mismatches++;
	if (s->mismatch_reports++ < 10)
		fprintf(stderr, "mmusim: check: walker %s, event %llu, %c 0x%llx: %s\n", u->name,
			(unsigned long long)s->events, "RWIM"[a], (unsigned long long)va, what);
}

/* A contiguous VM was scheduled: the walkers that translate it by
 * base-plus-offset load its gBA and gMS (shared/seeds 000: kept in the
 * VMCS, loaded into the registers when the VM is scheduled). */
static void vm_entered(struct sim *s)
{
	int i;
	for (i = 0; i < s->n; i++) {
		struct mmu *u = &s->mmu[i];
		if (!u->w.ops->base_regs)
			continue;
		u->st.base_loads++;
		u->st.vmm_cycles += s->m.cfg.vmm.base_load_cycles;
	}
}

/* Compares one translation (or fault) with the reference translator. A
 * guest-only walker (the unvirtualized baseline) is compared with the
 * guest-physical side of the answer. Permissions must be equal, except
 * that a translation cached clean (D = 0) may lack W: shadow paging maps
 * clean pages read-only to catch the first write. */
static void check_one(struct sim *s, struct mmu *u, u64 va, enum acc a, bool ok,
		      const struct xlate_out *o, const struct walk_fault *f)
{
	struct oracle_res r;
	bool gonly = u->w.ops->guest_only && s->m.vm.on;
	bool gsize = u->w.ops->guest_size_when_contig && s->m.vm.contiguous && !s->m.vm.escaped;
	u64 want_pa;
	enum psize want_ps;
	u8 want_perms;

	u->st.oracle_checks++;
	if (++s->checks == s->cfg.sim.check_inject) {
		mismatch(s, u, va, a, "injected ([sim] check_inject)");
		return;
	}
	oracle_translate(&s->m, u->root, u->levels, va, a, &r);
	if (!ok) {
		if (r.fault != f->kind)
			mismatch(s, u, va, a, "fault differs from the reference translator");
		return;
	}
	want_pa = gonly ? r.gpa.v : r.hpa.v;
	/* a contiguous VM's guest page is one host extent: the largest size
	 * its offset (gBA) is aligned to, up to the guest size */
	want_ps = gonly ? r.gps : gsize ? psize_aligned(r.gps, r.hpa.v - r.gpa.v) : r.ps;
	want_perms = gonly ? r.gperms : r.perms;
	if (r.fault != FAULT_NONE && !(gonly && r.host_fault))
		mismatch(s, u, va, a, "translated where the reference translator faults");
	else if (want_pa != o->pa.v)
		mismatch(s, u, va, a, gonly ? "guest-physical address differs" : "host-physical address differs");
	else if (want_ps != o->ps)
		mismatch(s, u, va, a, "page size differs");
	else if (want_perms != o->perms && !(o->perms == (want_perms & ~PERM_W) && !o->dirty))
		mismatch(s, u, va, a, "permissions differ");
}

_Static_assert(SIM_WALKERS_MAX <= 32, "sim_access keeps one bit per instance in a u32");

/* The translated access reads its line through the instance's caches
 * ([cache] data) at its host-physical address: the unvirtualized baseline
 * translates to guest-physical, and its tables are read at the host
 * addresses behind them, so its data is too. */
static inline void sim_data(struct sim *s, struct mmu *u, const struct xlate_out *o, enum acc a)
{
	hpa_t pa = o->pa;
	if (__builtin_expect(u->w.ops->guest_only && s->m.vm.on, 0))
		pa = machine_gpa_hpa(&s->m, mk_gpa(o->pa.v));
	memport_data(&u->port, pa, a == ACC_I);
}

static int sim_access(struct sim *s, u64 va, enum acc a)
{
	u32 faulted = 0;            /* bit i: instance i faulted */
	struct mmu_mark pre[SIM_WALKERS_MAX];
	struct xlate_out o;
	struct walk_fault f;
	int i;

	for (i = 0; i < s->n; i++) {
		bool ok = mmu_translate(&s->mmu[i], va, a, &o, &f);
		faulted |= (u32)!ok << i;
		if (ok)
			sim_data(s, &s->mmu[i], &o, a);
		/* The oracle ignores A/D, so checking before the commit is
		 * exact and keeps every instance on the same table state. */
		if (s->check)
			check_one(s, &s->mmu[i], va, a, ok, &o, &f);
	}
	machine_commit_ad(&s->m);
	if (!faulted)
		return 0;
	/* Where each instance's first-touch accounting starts: the faulting
	 * translation's slow path, or now for an instance that did not fault
	 * (it still sees the VMM work of the OS's page-table writes). */
	for (i = 0; i < s->n; i++)
		if (faulted >> i & 1)
			pre[i] = s->mmu[i].mark;
		else
			mmu_mark_now(&s->mmu[i], &pre[i]);
	switch (os_fault(&s->m.os, va, a)) {
	case OS_OOM:
		return -ENOMEM;         /* reported once, by sim_event */
	case OS_SEGV:
		return 0;        /* delivered to the program: the access is skipped */
	case OS_MAPPED:
		break;
	}
	for (i = 0; i < s->n; i++) {
		bool ok;
		if (!(faulted >> i & 1))
			continue;
		ok = mmu_translate(&s->mmu[i], va, a, &o, &f);
		if (ok)
			sim_data(s, &s->mmu[i], &o, a);
		machine_commit_ad(&s->m);
		if (s->check)
			check_one(s, &s->mmu[i], va, a, ok, &o, &f);
		else if (!ok)
			mismatch(s, &s->mmu[i], va, a, "faults again after the OS mapped the page");
	}
	for (i = 0; i < s->n; i++)
		mmu_charge_first_touch(&s->mmu[i], &pre[i], faulted >> i & 1);
	return 0;
}

/* Compacts one VM; a VM no window fits stays scattered (counted). */
static void compact_one(struct machine *m, void *arg)
{
	(void)arg;
	if (!m->vm.contiguous)
		machine_compact_vm(m);
}

static int sim_access_event_(struct sim *s, const struct ev *e);

/* An access event, attributed to its PC and page when asked. */
static int sim_access_event(struct sim *s, const struct ev *e)
{
	u64 before[SIM_WALKERS_MAX * AT_NR], after[AT_NR];
	int i, r, k;

	if (__builtin_expect(!s->attr, 1))
		return sim_access_event_(s, e);
	for (i = 0; i < s->n; i++)
		attr_snap(&s->mmu[i], before + i * AT_NR);
	r = sim_access_event_(s, e);
	for (i = 0; i < s->n; i++) {
		attr_snap(&s->mmu[i], after);
		for (k = 0; k < AT_NR; k++)
			before[i * AT_NR + k] = after[k] - before[i * AT_NR + k];
		before[i * AT_NR + AT_ACC] = 1;
	}
	if (!r && attrib_add(s->attr, e->kind == EV_I ? e->va : e->pc, e->va, before)) {
		fprintf(stderr, "mmusim: out of memory for --attribute\n");
		r = -E2BIG;
	}
	return r;
}

/* An access event: translated once per 4 KiB page it touches. */
static int sim_access_event_(struct sim *s, const struct ev *e)
{
	enum acc a = (enum acc)e->kind;
	u64 last = e->va + (e->size ? e->size : 1) - 1;
	int i, r;

	s->accesses++;
	for (i = 0; i < s->n; i++)
		s->mmu[i].st.acc[a]++;
	r = sim_access(s, e->va, a);
	if (!r && (last >> PAGE_SHIFT) != (e->va >> PAGE_SHIFT)) {
		s->splits++;
		for (i = 0; i < s->n; i++)
			s->mmu[i].st.splits++;
		r = sim_access(s, last & ~(PAGE_SIZE - 1), a);
	}
	if (s->cfg.vm.compact_after && s->accesses == s->cfg.vm.compact_after && s->m.vm.on)
		machine_foreach_vm(&s->m, compact_one, NULL);
	for (i = 0; s->ticks && i < s->n; i++)
		if (s->mmu[i].w.ops->tick)
			s->mmu[i].w.ops->tick(&s->mmu[i].w, mmu_now(&s->mmu[i]));
	return r;
}

int sim_event(struct sim *s, const struct ev *e)
{
	struct os *o = &s->m.os;
	int r = 0;

	s->events++;
	s->ev_kind[e->kind]++;
	switch (e->kind) {
	case EV_R: case EV_W: case EV_I: case EV_M:
		r = sim_access_event(s, e);
		break;
	case EV_MAP:
		r = os_map(o, e->va, e->len, e->prot, e->psize);
		if (!r && s->attr && attrib_map(s->attr, e->va, e->len))
			r = -ENOMEM;
		break;
	case EV_UNMAP:
		r = os_unmap(o, e->va, e->len);
		break;
	case EV_PROTECT:
		r = os_protect(o, e->va, e->len, e->prot);
		break;
	case EV_CTX:
		r = os_switch(o, e->size);
		break;
	case EV_OBJ:            /* a loaded object: for attribution only */
		break;
	case EV_VM: {
		u32 prev = s->m.vm.id;
		if (!s->m.vm.on)
			return -ENOTSUP;    /* reported by sim_run, which knows where */
		if (e->size > VM_ID_MAX)
			return -ERANGE;     /* likewise */
		r = machine_switch_vm(&s->m, e->size);
		if (r == -ENOMEM)
			return r;       /* message below */
		if (r)
			return r;
		if (s->m.vm.id != prev && s->m.vm.contiguous)
			vm_entered(s);
		break;
	}
	case EV_ROI:
		if (s->win.roi && e->size && !s->counting) {
			s->roi_regions++;
			window_open(s);
			return 0;
		}
		if (s->win.roi && !e->size && s->counting)
			window_close(s);
		return 0;
	default:
		SIM_BUG_ON(1);
	}
	if (r == -ENOMEM) {
		/* Data pages have no contents: a larger simulated memory costs
		 * only allocator metadata, so say what to raise and by how much. */
		char vm[24], host[24], vm2[24], host2[24];
		format_size(s->cfg.vm.memory, vm, sizeof vm);
		format_size(s->cfg.host.ram, host, sizeof host);
		format_size(s->cfg.vm.memory * 4 > SIM_RAM_MAX ? SIM_RAM_MAX : s->cfg.vm.memory * 4, vm2, sizeof vm2);
		format_size(s->cfg.host.ram * 4 > SIM_RAM_MAX ? SIM_RAM_MAX : s->cfg.host.ram * 4, host2, sizeof host2);
		if (s->m.vm.on)
			fprintf(stderr, "mmusim: simulated memory exhausted at event %llu ([vm] memory = %s, "
				"[host] ram = %s): raise both above the footprint, e.g. -s vm.memory=%s -s host.ram=%s "
				"(simulated memory costs only page tables and allocator metadata)\n",
				(unsigned long long)s->events, vm, host, vm2, host2);
		else
			fprintf(stderr, "mmusim: simulated physical memory exhausted at event %llu ([host] ram = %s): "
				"raise it above the footprint, e.g. -s host.ram=%s (simulated memory costs only page "
				"tables and allocator metadata)\n", (unsigned long long)s->events, host, host2);
	}
	if (!r)
		window_step(s, e);
	return r;
}

/* Whether walks are frequent: some instance walked for at least one in
 * eight of the last SIM_PREFETCH_WINDOW events. Prefetching costs a
 * functional walk of the tables; an access that hits the TLB needs none. */
static bool sim_walking(struct sim *s)
{
	bool walking = false;
	int i;

	for (i = 0; i < s->n; i++) {
		u64 w = s->mmu[i].st.walks;
		walking |= w - s->pf_walks[i] >= SIM_PREFETCH_WINDOW / 8;
		s->pf_walks[i] = w;
	}
	return walking;
}

/* Before event i of e[0..n): prefetches for the accesses 1, 2, ...
 * SIM_PREFETCH_STAGES steps of SIM_PREFETCH_AHEAD events ahead, each
 * stage one host read further back in its walk, so that by the time an
 * access is simulated its whole walk has been brought in step by step. */
static void sim_prefetch(struct sim *s, const struct ev *e, int i, int n)
{
	int stage, k;

	for (stage = 0; stage < SIM_PREFETCH_STAGES; stage++) {
		int j = i + (stage + 1) * SIM_PREFETCH_AHEAD;
		if (j >= n || !ev_is_access(&e[j]))
			continue;
		for (k = 0; k < s->n; k++)
			mmu_prefetch(&s->mmu[k], e[j].va, stage);
	}
}

int sim_events(struct sim *s, const struct ev *e, int n)
{
	bool walking = false;
	int i, r;

	for (i = 0; i < n; i++) {
		if (i % SIM_PREFETCH_WINDOW == 0)
			walking = sim_walking(s);
		if (walking)
			sim_prefetch(s, e, i, n);
		if ((r = sim_event(s, &e[i])))
			return r;
		if (s->done || (s->stop && *s->stop))
			return 0;
	}
	return 0;
}

int sim_run(struct sim *s, struct trace *t)
{
	struct ev buf[4096];
	int n, r;

	s->trace_name = trace_name(t);
	s->trace_format = trace_fmt_name(trace_format(t));
	/* every access beyond the user space would be a delivered fault */
	if (trace_va_end(t) > (u64)va_user_limit((int)s->cfg.os.levels)) {
		fprintf(stderr, "mmusim: --gen %s: base + footprint = 0x%llx ends beyond the %u-level user space "
			"(0x%llx; [os] levels = 5 gives 0x%llx)\n", trace_name(t),
			(unsigned long long)trace_va_end(t), s->cfg.os.levels,
			(unsigned long long)va_user_limit((int)s->cfg.os.levels),
			(unsigned long long)va_user_limit(5));
		return -EINVAL;
	}
	s->trace = t;
	while ((n = trace_read(t, buf, (int)ARRAY_SIZE(buf))) > 0) {
		u64 base = s->events;
		if ((r = sim_events(s, buf, n))) {
			int k = (int)(s->events - base - 1);
			char where[600];
			if (r == -ENOTSUP && buf[k].kind == EV_VM)
				fprintf(stderr, "mmusim: %s: VM %u: this machine runs no virtual machines "
					"(use a walker that needs one, or [vm] enabled = true)\n",
					trace_where(t, k, where, sizeof where), buf[k].size);
			else if (r == -EUSERS && buf[k].kind == EV_VM)
				fprintf(stderr, "mmusim: %s: VM %u: more than %u virtual machines (each costs about "
					"180 KB of memory)\n", trace_where(t, k, where, sizeof where), buf[k].size,
					VM_COUNT_MAX);
			else if (r == -ERANGE && buf[k].kind == EV_VM)
				fprintf(stderr, "mmusim: %s: VM %u: VM ids go up to %u (16-bit VPIDs)\n",
					trace_where(t, k, where, sizeof where), buf[k].size, VM_ID_MAX);
			return r;
		}
		if (s->progress)
			s->progress(s, s->progress_arg);
		if (s->done) {
			s->end = SIM_END_MEASURE;
			break;
		}
		if (s->stop && *s->stop) {
			s->end = SIM_END_INTERRUPTED;
			break;
		}
	}
	/* a signal that came with the end of the input (a pipe's writer
	 * interrupted too) still marks the report */
	if (s->end == SIM_END_TRACE && s->stop && *s->stop)
		s->end = SIM_END_INTERRUPTED;
	window_finish(s);
	return n < 0 ? n : 0;
}

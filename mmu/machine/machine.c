/*
 * machine.c - the functional machine (see machine.h for the model notes).
 */
#include "machine.h"
#include "pte.h"
#include "place_backing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pins_split(struct machine *m, double share, u64 seed);

#define RESERVED_LOW (1ull << 20)   /* first 1 MiB: legacy PC area */

int machine_init(struct machine *m, const struct cfg *c)
{
	return machine_init_placed(m, c, NULL, 0);
}

int machine_init_placed(struct machine *m, const struct cfg *c, const struct backing_rec *b, u64 nb)
{
	u64 nframes = c->host.ram >> PAGE_SHIFT, f;
	int r;

	memset(m, 0, sizeof *m);
	m->cfg = *c;
	r = physmem_init(&m->mem);
	if (r)
		return r;
	r = buddy_init(&m->frames, nframes, c->host.max_order);
	if (r) {
		physmem_destroy(&m->mem);
		return r;
	}
	m->backing = b;
	m->nbacking = nb;
	for (f = 0; f < (RESERVED_LOW >> PAGE_SHIFT) && f < nframes; f++) {
		/* a placement run may have put a VM there: then it stays free */
		u64 i, e;
		bool placed = false;
		for (i = 0; i < nb && !placed; i++)
			for (e = 0; e < b[i].next && !placed; e++)
				placed = f >= b[i].ext[e].hpa >> PAGE_SHIFT &&
					 f < (b[i].ext[e].hpa + b[i].ext[e].bytes) >> PAGE_SHIFT;
		if (!placed)
			SIM_BUG_ON(!buddy_alloc_at(&m->frames, f, 0));
	}
	/* every placed VM's extents, claimed before any VMM table exists */
	for (f = 0; f < nb; f++) {
		u64 e;
		for (e = 0; e < b[f].next; e++)
			if (b[f].ext[e].hpa + b[f].ext[e].bytes > c->host.ram ||
			    !buddy_alloc_contig_at(&m->frames, b[f].ext[e].hpa >> PAGE_SHIFT,
						   b[f].ext[e].bytes >> PAGE_SHIFT)) {
				fprintf(stderr, "mmusim: backing: VM %s: host extent 0x%llx+0x%llx overlaps another "
					"or lies beyond [host] ram\n", b[f].id, (unsigned long long)b[f].ext[e].hpa,
					(unsigned long long)b[f].ext[e].bytes);
				machine_destroy(m);
				return -EINVAL;
			}
	}
	/* pre-existing fragmentation of the host, before any VM exists */
	if (c->host.fragmentation > 0) {
		m->pins = calloc((nframes >> c->host.max_order) + 1, sizeof *m->pins);
		if (!m->pins) {
			machine_destroy(m);
			return -ENOMEM;
		}
		m->frag_pins = m->npins = buddy_fragment(&m->frames, c->host.fragmentation, c->sim.seed ^ 0xf4a9, m->pins);
		pins_split(m, c->host.movable_pins, c->sim.seed ^ 0x3b1d);
	}
	if (c->vm.enabled && !(m->tags = calloc(nframes, sizeof *m->tags))) {
		machine_destroy(m);
		return -ENOMEM;
	}
	if (c->vm.enabled && (r = vm_init(m, c, 0))) {
		machine_destroy(m);
		return r;
	}
	r = os_init(&m->os, m, c);
	if (r) {
		machine_destroy(m);
		return r;
	}
	return 0;
}

static void slot_swap(struct machine *m, struct vm_slot *sl)
{
	struct vm_slot t = *sl;
	sl->os = m->os;
	sl->vm = m->vm;
	m->os = t.os;
	m->vm = t.vm;
}

void machine_destroy(struct machine *m)
{
	u32 i;
	os_destroy(&m->os);
	vm_destroy(m);
	for (i = 0; i < m->nparked; i++) {
		m->os = m->parked[i].os;
		m->vm = m->parked[i].vm;
		os_destroy(&m->os);
		vm_destroy(m);
	}
	free(m->parked);
	free(m->tags);
	free(m->pins);
	free(m->unmov_free);
	buddy_destroy(&m->frames);
	physmem_destroy(&m->mem);
	free(m->notifiers);
	free(m->ad);
	memset(m, 0, sizeof *m);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return (x > y) - (x < y);
}

/* Of the fragmentation pins, exactly round((1 - share) * pins), chosen by
 * a seeded shuffle, are unmovable: they leave the list of movable pins
 * (m->pins, ascending) that compaction may migrate; an unmovable pin is an
 * allocated frame of no VM, which compaction never moves. */
static void pins_split(struct machine *m, double share, u64 seed)
{
	u64 n = m->npins, unmov = n - (u64)(share * (double)n + 0.5), i, k, s = rng_seed(seed);
	if (!unmov)
		return;
	for (i = 0; i < unmov; i++) {             /* partial Fisher-Yates: the first unmov */
		u64 j = i + rng_next(&s) % (n - i), t = m->pins[i];
		m->pins[i] = m->pins[j];
		m->pins[j] = t;
	}
	for (i = unmov, k = 0; i < n; i++)
		m->pins[k++] = m->pins[i];
	m->npins = k;
	qsort(m->pins, k, sizeof *m->pins, cmp_u64);   /* ascending again */
}

void machine_notifier_register(struct machine *m, struct mmu_notifier *n)
{
	struct mmu_notifier **a = realloc(m->notifiers, (m->nnotifiers + 1) * sizeof *a);
	SIM_BUG_ON(!a);
	m->notifiers = a;
	m->notifiers[m->nnotifiers++] = n;
	n->ops->enter(n, machine_ctx(m, m->os.cur->pcid), m->os.cur->root);
}

void machine_notify_ept_violation(struct machine *m, u64 gpa, int level, u32 entries)
{
	u32 i;
	if (m->vm_creating)
		return;
	for (i = 0; i < m->nnotifiers; i++)
		m->notifiers[i]->ops->ept_violation(m->notifiers[i], gpa, level, entries);
}

void machine_notify_remap_vm(struct machine *m, u32 vpid)
{
	u32 i;
	for (i = 0; i < m->nnotifiers; i++)
		m->notifiers[i]->ops->remap_vm(m->notifiers[i], vpid);
}

int machine_switch_vm(struct machine *m, u32 id)
{
	u32 i;
	int r;

	if (!m->vm.on) {
		fprintf(stderr, "mmusim: VM %u: this machine runs no virtual machines "
			"(use a walker that needs one, or [vm] enabled = true)\n", id);
		return -ENOTSUP;
	}
	if (id == m->vm.id)
		return 0;
	for (i = 0; i < m->nparked && m->parked[i].vm.id != id; i++)
		;
	if (i < m->nparked) {
		slot_swap(m, &m->parked[i]);
	} else {
		struct vm_slot *n;
		if (m->nparked + 1 >= VM_COUNT_MAX)
			return -EUSERS;     /* the caller reports it (sim_run: with the trace position) */
		n = realloc(m->parked, (m->nparked + 1) * sizeof *n);
		if (!n)
			return -ENOMEM;
		m->parked = n;
		m->parked[m->nparked].os = m->os;
		m->parked[m->nparked].vm = m->vm;
		m->nparked++;
		memset(&m->os, 0, sizeof m->os);
		memset(&m->vm, 0, sizeof m->vm);
		m->vm_creating = true;
		r = vm_init(m, &m->cfg, id);
		if (!r)
			r = os_init(&m->os, m, &m->cfg);
		m->vm_creating = false;
		if (r) {
			/* leave the machine on the previous VM */
			os_destroy(&m->os);
			vm_destroy(m);
			m->nparked--;
			m->os = m->parked[m->nparked].os;
			m->vm = m->parked[m->nparked].vm;
			return r;
		}
	}
	for (i = 0; i < m->nnotifiers; i++)
		m->notifiers[i]->ops->enter(m->notifiers[i], machine_ctx(m, m->os.cur->pcid), m->os.cur->root);
	return 0;
}

int machine_compact_vm(struct machine *m)
{
	struct vm_compaction vc;
	u32 vpid = m->vm.vpid;
	int r = vm_compact(m, &vc);

	m->compaction.runs++;
	if (r) {
		m->compaction.failed++;
		return r;
	}
	m->compaction.pages += vc.pages_migrated;
	m->compaction.pins_moved += vc.pins_moved;
	m->compaction.cycles += vc.cycles;
	/* the VM's gPA -> hPA map changed: every cached translation goes */
	machine_notify_remap_vm(m, vpid);
	return 0;
}

void machine_foreach_vm(struct machine *m, void (*fn)(struct machine *m, void *arg), void *arg)
{
	u32 i;
	fn(m, arg);
	for (i = 0; i < m->nparked; i++) {
		slot_swap(m, &m->parked[i]);
		fn(m, arg);
		slot_swap(m, &m->parked[i]);
	}
}

u64 machine_frame_alloc(struct machine *m, u32 order)
{
	struct buddy *b = m->vm.on ? &m->vm.gphys : &m->frames;
	u64 f;

	if (order > b->max_order)
		return BUDDY_NONE;
	f = buddy_alloc(b, order);
	if (f != BUDDY_NONE && m->vm.on && vm_back(m, f, order)) {
		buddy_free(b, f, order);
		return BUDDY_NONE;
	}
	return f;
}

void machine_frame_free(struct machine *m, u64 frame, u32 order)
{
	/* A VM keeps its backing: the VMM does not see guest frees. */
	buddy_free(m->vm.on ? &m->vm.gphys : &m->frames, frame, order);
}

gpa_t machine_pt_alloc(struct machine *m)
{
	u64 f = machine_frame_alloc(m, 0);
	hpa_t h;

	if (f == BUDDY_NONE)
		return mk_gpa(0);
	h = machine_gpa_hpa(m, mk_gpa(f << PAGE_SHIFT));
	if (!physmem_page_make(&m->mem, h.v >> PAGE_SHIFT))
		return mk_gpa(0);
	return mk_gpa(f << PAGE_SHIFT);
}

void machine_pt_free(struct machine *m, gpa_t a)
{
	hpa_t h = machine_gpa_hpa(m, a);
	physmem_drop(&m->mem, h.v >> PAGE_SHIFT);
	machine_frame_free(m, a.v >> PAGE_SHIFT, 0);
}

hpa_t machine_host_pt_alloc(struct machine *m)
{
	u64 f;
	if (m->nunmov_free) {
		f = m->unmov_free[--m->nunmov_free];
	} else {
		if (m->unmov_next == m->unmov_end) {
			u64 c = buddy_alloc(&m->frames, 9);
			if (c == BUDDY_NONE)
				c = buddy_alloc(&m->frames, 0);    /* no 2M chunk left */
			if (c == BUDDY_NONE)
				return mk_hpa(0);
			m->unmov_next = c;
			m->unmov_end = c + (buddy_is_free(&m->frames, c + 1) || c + 1 >= m->frames.nframes ? 1 : 512);
		}
		f = m->unmov_next++;
	}
	if (!physmem_page_make(&m->mem, f))
		return mk_hpa(0);
	return mk_hpa(f << PAGE_SHIFT);
}

void machine_host_pt_free(struct machine *m, hpa_t a)
{
	u64 f = a.v >> PAGE_SHIFT;
	if (m->tags)
		m->tags[f] = 0;
	physmem_drop(&m->mem, f);
	/* stays in the unmovable pool for the next VMM table */
	if (m->nunmov_free == m->capunmov_free) {
		u64 cap = m->capunmov_free ? 2 * m->capunmov_free : 64, *n = realloc(m->unmov_free, cap * sizeof *n);
		SIM_BUG_ON(!n);
		m->unmov_free = n;
		m->capunmov_free = cap;
	}
	m->unmov_free[m->nunmov_free++] = f;
}

u64 machine_pt_read(struct machine *m, gpa_t a)
{
	return physmem_read64(&m->mem, machine_gpa_hpa(m, a));
}

void machine_pt_write(struct machine *m, u32 pid, gpa_t a, int level, u64 val)
{
	hpa_t h = machine_gpa_hpa(m, a);
	struct pt_update pu = { pid, a, level, physmem_read64(&m->mem, h), val };
	u32 i;

	physmem_write64(&m->mem, h, val);
	m->os.st.pt_writes++;
	for (i = 0; i < m->nnotifiers; i++)
		m->notifiers[i]->ops->pt_write(m->notifiers[i], &pu);
}

void machine_invlpg(struct machine *m, u32 pcid, u64 va, u64 size)
{
	u32 i, ctx = machine_ctx(m, pcid);
	SIM_BUG_ON(size != 1ull << 12 && size != 1ull << 21 && size != 1ull << 30);
	va &= ~(size - 1);
	m->os.st.invlpg++;
	for (i = 0; i < m->nnotifiers; i++)
		m->notifiers[i]->ops->invlpg(m->notifiers[i], ctx, va, size);
}

void machine_flush_ctx(struct machine *m, u32 pcid)
{
	u32 i, ctx = machine_ctx(m, pcid);
	m->os.st.flushes++;
	for (i = 0; i < m->nnotifiers; i++)
		m->notifiers[i]->ops->flush_ctx(m->notifiers[i], ctx);
}

void machine_cr3(struct machine *m, u32 pcid, gpa_t root, bool flush)
{
	u32 i, ctx = machine_ctx(m, pcid);
	for (i = 0; i < m->nnotifiers; i++)
		m->notifiers[i]->ops->cr3(m->notifiers[i], ctx, root, flush);
}

void machine_defer_ad(struct machine *m, hpa_t a, u64 bits)
{
	if (m->nad == m->capad) {
		u32 cap = m->capad ? 2 * m->capad : 64;
		struct ad_update *n = realloc(m->ad, cap * sizeof *n);
		SIM_BUG_ON(!n);
		m->ad = n;
		m->capad = cap;
	}
	m->ad[m->nad++] = (struct ad_update){ a, bits };
}

void machine_commit_ad_(struct machine *m)
{
	u32 i;
	for (i = 0; i < m->nad; i++) {
		u64 old = physmem_read64(&m->mem, m->ad[i].a);
		/* The entry may have been rewritten by the OS since the walk
		 * (a fault handled in the same event): only set bits on a
		 * still-present entry, as a locked update would. */
		if ((old & PTE_P) && (old | m->ad[i].bits) != old) {
			physmem_write64(&m->mem, m->ad[i].a, old | m->ad[i].bits);
			m->ad_commits++;
		}
	}
	m->nad = 0;
}

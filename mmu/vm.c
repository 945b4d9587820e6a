/*
 * vm.c - the VMM model (model notes in vm.h).
 */
#include "vm.h"
#include "machine.h"
#include "pte.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESERVED_LOW (1ull << 20)

static const u64 ept_table_flags = EPT_RWX;
static const u64 ept_leaf_flags = EPT_RWX | EPT_MT_WB;

/* Writes the EPT leaf gpa -> hpa at level (1: 4K, 2: 2M), creating tables. */
static int ept_map(struct machine *m, u64 gpa, u64 hpa, int level)
{
	struct vm *v = &m->vm;
	hpa_t t = v->ept_root;
	int l;
	u64 i, n;

	for (l = v->host_levels; l > level; l--) {
		hpa_t at = mk_hpa(t.v + 8ull * pt_index(gpa, l));
		u64 e = physmem_read64(&m->mem, at);
		if (!ept_present(e)) {
			hpa_t nt = machine_host_pt_alloc(m);
			if (!nt.v)
				return -ENOMEM;
			v->st.ept_pages++;
			v->st.ept_writes++;
			physmem_write64(&m->mem, at, nt.v | ept_table_flags);
			t = nt;
		} else {
			SIM_BUG_ON(e & EPT_PS);
			t = mk_hpa(e & PTE_ADDR_MASK);
		}
	}
	physmem_write64(&m->mem, mk_hpa(t.v + 8ull * pt_index(gpa, level)),
			hpa | ept_leaf_flags | (level > 1 ? EPT_PS : 0));
	v->st.ept_writes++;
	v->st.backed[level - 1]++;
	n = 1ull << (9 * (level - 1));
	for (i = 0; i < n; i++) {
		v->g2h[(gpa >> PAGE_SHIFT) + i] = (u32)((hpa >> PAGE_SHIFT) + i + 1);
		m->tags[(hpa >> PAGE_SHIFT) + i] = (u16)v->vpid;    /* the frame is this VM's */
	}
	return 0;
}

/* Maps all guest memory onto the host extent starting at frame base (2M
 * EPT pages with host_thp when aligned) and makes the VM contiguous. */
static int map_extent(struct machine *m, u64 base)
{
	struct vm *v = &m->vm;
	int level = v->host_thp && !(base & 511) ? 2 : 1, r;
	u64 step = 1ull << (9 * (level - 1)), g;

	for (g = 0; g + step <= v->gframes; g += step)
		if ((r = ept_map(m, g << PAGE_SHIFT, (base + g) << PAGE_SHIFT, level)))
			return r;
	for (; g < v->gframes; g++)
		if ((r = ept_map(m, g << PAGE_SHIFT, (base + g) << PAGE_SHIFT, 1)))
			return r;
	v->contiguous = true;
	v->base_hfn = base;
	return 0;
}

int vm_init(struct machine *m, const struct cfg *c, u32 id)
{
	struct vm *v = &m->vm;
	u64 f;
	int r;

	memset(v, 0, sizeof *v);
	v->on = true;
	v->id = id;
	v->vpid = id + 1;
	if (v->vpid >= 1u << 16) {
		fprintf(stderr, "mmusim: VM %u: VM ids go up to 65534 (16-bit VPIDs)\n", id);
		return -EINVAL;
	}
	v->host_levels = (int)c->vm.host_levels;
	v->host_thp = c->vm.host_thp;
	v->backing = c->vm.backing;
	v->gframes = c->vm.memory >> PAGE_SHIFT;
	if (v->gframes > UINT32_MAX || (m->frames.nframes >> 32)) {
		fprintf(stderr, "mmusim: [vm] memory: at most 16 TiB of guest and host memory\n");
		return -EINVAL;
	}
	v->g2h = calloc(v->gframes, sizeof *v->g2h);
	if (!v->g2h)
		return -ENOMEM;
	r = buddy_init(&v->gphys, v->gframes, c->host.max_order);
	if (r)
		return r;
	for (f = 0; f < (RESERVED_LOW >> PAGE_SHIFT) && f < v->gframes; f++)
		SIM_BUG_ON(!buddy_alloc_at(&v->gphys, f, 0));
	v->ept_root = machine_host_pt_alloc(m);
	if (!v->ept_root.v)
		return -ENOMEM;
	v->st.ept_pages = 1;
	if (v->backing == BACK_CONTIGUOUS) {
		/* lowest run of free frames starting on a max-order boundary */
		u64 base = buddy_alloc_contig(&m->frames, v->gframes, m->frames.max_order, BUDDY_FIT_FIRST);
		if (base != BUDDY_NONE && (r = map_extent(m, base)))
			return r;
	}
	v->contiguous_at_start = v->contiguous;
	return 0;
}

void vm_destroy(struct machine *m)
{
	struct vm *v = &m->vm;
	if (!v->on)
		return;
	buddy_destroy(&v->gphys);
	free(v->g2h);
	memset(v, 0, sizeof *v);
}

int vm_back(struct machine *m, u64 gfn, u32 order)
{
	struct vm *v = &m->vm;
	u64 g = gfn, end = gfn + (1ull << order);
	int r;

	while (g < end) {
		u64 chunk = g & ~511ull, h;
		if (v->g2h[g]) {
			g++;
			continue;
		}
		if (v->host_thp && chunk + 512 <= v->gframes) {
			bool empty = true;
			u64 i;
			for (i = 0; i < 512 && empty; i++)
				empty = !v->g2h[chunk + i];
			h = empty ? buddy_alloc(&m->frames, 9) : BUDDY_NONE;
			if (h != BUDDY_NONE) {
				if ((r = ept_map(m, chunk << PAGE_SHIFT, h << PAGE_SHIFT, 2)))
					return r;
				g = chunk + 512;
				continue;
			}
		}
		h = buddy_alloc(&m->frames, 0);
		if (h == BUDDY_NONE)
			return -ENOMEM;
		if ((r = ept_map(m, g << PAGE_SHIFT, h << PAGE_SHIFT, 1)))
			return r;
		g++;
	}
	return 0;
}

int vm_ept_leaf(struct machine *m, u64 gpa, u8 *perms)
{
	struct vm *v = &m->vm;
	u64 t = v->ept_root.v;
	int l;

	*perms = PERM_R | PERM_W | PERM_X | PERM_U;
	for (l = v->host_levels; l >= 1; l--) {
		u64 e = physmem_read64(&m->mem, mk_hpa(t + 8ull * pt_index(gpa, l)));
		if (!ept_present(e))
			return 0;
		*perms &= ept_perms(e);
		if (l == 1 || (e & EPT_PS))
			return l;
		t = e & PTE_ADDR_MASK;
	}
	return 0;
}

/* ---- compaction ---- */

static bool is_pin(const struct machine *m, u64 f)
{
	u64 lo = 0, hi = m->npins;
	while (lo < hi) {
		u64 mid = (lo + hi) / 2;
		if (m->pins[mid] == f)
			return true;
		if (m->pins[mid] < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int vm_compact(struct machine *m, struct vm_compaction *out)
{
	struct vm *v = &m->vm;
	struct buddy *b = &m->frames;
	u64 n = v->gframes, blk = 1ull << b->max_order, start, f, g, *held = NULL, nheld = 0;
	int r;

	memset(out, 0, sizeof *out);
	if (!v->on || v->contiguous)
		return 0;
	/* a window of free frames and movable pins, on a max-order boundary
	 * (other allocations, VMs' memory and VMM tables, do not move) */
	for (start = 0; start + n <= b->nframes; start += blk) {
		for (f = start; f < start + n; f++)
			if (!buddy_is_free(b, f) && !is_pin(m, f))
				break;
		if (f == start + n)
			break;
		start = f & ~(blk - 1);
	}
	if (start + n > b->nframes)
		return -ENOSPC;
	/* move the pins out of the window */
	for (f = start; f < start + n; f++) {
		u64 nf;
		if (buddy_is_free(b, f))
			continue;
		while ((nf = buddy_alloc(b, 0)) != BUDDY_NONE && nf >= start && nf < start + n) {
			u64 *h = realloc(held, (nheld + 1) * sizeof *h);
			if (!h)
				return -ENOMEM;
			held = h;
			held[nheld++] = nf;
		}
		if (nf == BUDDY_NONE) {
			free(held);
			return -ENOSPC;
		}
		buddy_free(b, f, 0);
		for (g = 0; g < m->npins; g++)
			if (m->pins[g] == f)
				m->pins[g] = nf;
		out->pins_moved++;
	}
	for (g = 0; g < nheld; g++)
		buddy_free(b, held[g], 0);
	free(held);
	/* keep the pin list sorted for is_pin */
	for (g = 1; g < m->npins; g++) {
		u64 x = m->pins[g], k = g;
		while (k > 0 && m->pins[k - 1] > x) {
			m->pins[k] = m->pins[k - 1];
			k--;
		}
		m->pins[k] = x;
	}
	if (!buddy_alloc_contig_at(b, start, n))
		return -ENOSPC;
	/* migrate the guest's backed frames: copy table contents, free the old */
	for (g = 0; g < n; g++) {
		u64 old, *src, *dst;
		if (!v->g2h[g])
			continue;
		old = v->g2h[g] - 1;
		if ((src = physmem_page(&m->mem, old))) {
			if (!(dst = physmem_page_make(&m->mem, start + g)))
				return -ENOMEM;
			memcpy(dst, src, PAGE_SIZE);
			physmem_drop(&m->mem, old);
		}
		buddy_free(b, old, 0);
		m->tags[old] = 0;
		out->pages_migrated++;
	}
	if ((r = map_extent(m, start)))
		return r;
	out->cycles = (out->pages_migrated + out->pins_moved) * m->cfg.vmm.migrate_cycles;
	v->st.compactions++;
	v->st.migrated += out->pages_migrated;
	return 0;
}

/*
 * vm.c - the VMM model (model notes in vm.h).
 */
#include "vm.h"
#include "machine.h"
#include "place_backing.h"
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

/* Bad host pages of a contiguous VM ([segment] vmm_escape_pages, shared/
 * seeds 001 sec. 6): each chosen guest page (seeded, distinct) is moved to
 * a fresh host frame and listed in the VMM segment's escape filter; the
 * bad frame stays allocated to the host for good (tag 0: compaction does
 * not move it). */
static int vmm_escape(struct machine *m)
{
	struct vm *v = &m->vm;
	u32 want = m->cfg.segment.vmm_escape_pages, i;
	u64 rng, tries;
	int r;

	bloom_destroy(&v->esc);
	v->escaped = 0;
	if (!want)
		return 0;
	if ((r = bloom_init(&v->esc, m->cfg.segment.filter_bits, m->cfg.segment.filter_hashes)))
		return r;
	rng = rng_seed(m->cfg.sim.seed ^ 0xe5cull ^ ((u64)v->vpid << 32));
	for (i = 0, tries = 0; i < want && tries < 64ull * want; tries++) {
		u64 g = rng_next(&rng) % v->gframes, old, nf, *src, *dst;
		if (!vm_gpa_is_ram(v, g << PAGE_SHIFT) || g < (RESERVED_LOW >> PAGE_SHIFT) ||
		    v->g2h[g] - 1 != v->base_hfn + g)
			continue;          /* distinct pages; the reserved first 1 MiB stays */
		if ((nf = buddy_alloc(&m->frames, 0)) == BUDDY_NONE)
			return -ENOMEM;
		old = v->g2h[g] - 1;
		if ((src = physmem_page(&m->mem, old))) {
			if (!(dst = physmem_page_make(&m->mem, nf)))
				return -ENOMEM;
			memcpy(dst, src, PAGE_SIZE);
			physmem_drop(&m->mem, old);
		}
		m->tags[old] = 0;
		v->st.backed[0]--;        /* remapped, not a new page */
		if ((r = ept_map(m, g << PAGE_SHIFT, nf << PAGE_SHIFT, 1)))
			return r;
		bloom_add(&v->esc, g);
		v->escaped++;
		i++;
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
		if (!(g >= v->hole_lo && g < v->hole_hi) &&
		    (r = ept_map(m, g << PAGE_SHIFT, (base + g) << PAGE_SHIFT, level)))
			return r;
	for (; g < v->gframes; g++)
		if ((r = ept_map(m, g << PAGE_SHIFT, (base + g) << PAGE_SHIFT, 1)))
			return r;
	if (v->hole_hi > v->hole_lo)
		buddy_free_contig(&m->frames, base + v->hole_lo, v->hole_hi - v->hole_lo);
	v->contiguous = true;
	v->base_hfn = base;
	return vmm_escape(m);
}

/* Backs guest memory with the host extents a placement run chose: guest
 * physical memory fills the extents in order; one extent is a contiguous
 * VM. */
static int back_as_placed(struct machine *m, const struct backing_rec *b)
{
	struct vm *v = &m->vm;
	u64 g = 0, e;
	int r;

	if (b->contiguous)
		return map_extent(m, b->ext[0].hpa >> PAGE_SHIFT);
	for (e = 0; e < b->next; e++) {
		u64 h = b->ext[e].hpa >> PAGE_SHIFT, n = b->ext[e].bytes >> PAGE_SHIFT, k;
		for (k = 0; k < n;) {
			int level = v->host_thp && !((h + k) & 511) && !((g + k) & 511) && k + 512 <= n ? 2 : 1;
			if ((r = ept_map(m, (g + k) << PAGE_SHIFT, (h + k) << PAGE_SHIFT, level)))
				return r;
			k += 1ull << (9 * (level - 1));
		}
		g += n;
	}
	return 0;
}

/* [segment] guest_fragmentation: one guest frame pinned (guest kernel
 * data, never freed) at a random offset of each 2M guest-physical chunk of
 * RAM with probability f, seeded; the hot-add range is not RAM yet. */
static void guest_fragment(struct vm *v, const struct cfg *c)
{
	double f = c->segment.guest_fragmentation;
	u64 rng = rng_seed(c->sim.seed ^ 0x9f7a9ull ^ ((u64)v->vpid << 32)), ch, top = v->hot_n ? v->hot_lo : v->gframes;

	if (f <= 0)
		return;
	for (ch = 0; ch + 512 <= top; ch += 512) {
		u64 g = ch + rng_next(&rng) % 512;
		if (rng_unit(&rng) < f && buddy_is_free(&v->gphys, g)) {
			SIM_BUG_ON(!buddy_alloc_at(&v->gphys, g, 0));
			v->st.guest_pins++;
		}
	}
}

#define BALLOON_BATCH 256   /* frames per balloon request (virtio-balloon's PFN array) */

int vm_self_balloon(struct machine *m, u64 n)
{
	struct vm *v = &m->vm;
	const struct cfg_vmm *k = &m->cfg.vmm;
	u64 i, f;

	if (!v->hot_n || v->hot_added || n > v->hot_n || v->gphys.free_frames < n)
		return -ENOSPC;
	/* inflate: the guest hands n free 4K frames to the VMM, batch by
	 * batch; each batch is one exit, each frame one P2M/EPT update */
	for (i = 0; i < n; i++) {
		f = buddy_alloc(&v->gphys, 0);
		SIM_BUG_ON(f == BUDDY_NONE);
	}
	v->st.ballooned += n;
	v->st.balloon_exits += (n + BALLOON_BATCH - 1) / BALLOON_BATCH;
	v->st.balloon_cycles += (n + BALLOON_BATCH - 1) / BALLOON_BATCH * k->exit_cycles + n * k->pte_cycles;
	/* hot-add: one exit (the memory-device notification); the range is
	 * backed as the guest uses it (scattered) or already is (contiguous) */
	buddy_free_contig(&v->gphys, v->hot_lo, v->hot_n);
	v->hot_added = true;
	v->st.hot_added += v->hot_n;
	v->st.balloon_exits++;
	v->st.balloon_cycles += k->exit_cycles;
	return 0;
}

u32 vm_contig_align_order(const struct cfg *c)
{
	/* the loader refuses an alignment above the largest block; a
	 * configuration built in code may lower max_order alone: the largest
	 * block is then the alignment, as before the key existed */
	return MIN((u32)__builtin_ctzll(c->host.contig_align >> PAGE_SHIFT), c->host.max_order);
}

u64 vm_alloc_extent(struct machine *m, u64 nframes)
{
	const struct cfg *c = &m->cfg;
	u32 align = vm_contig_align_order(c);

	if (c->host.allocator == ALLOC_XEN_HEAP)       /* the builder's 1G extents */
		return buddy_alloc_xen(&m->frames, nframes, 18, align);
	/* lowest run of free frames starting on a contig_align boundary */
	return buddy_alloc_contig(&m->frames, nframes, align, BUDDY_FIT_FIRST);
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
	if (id > VM_ID_MAX) {         /* id + 1 wraps to 0 at 2^32 - 1 */
		fprintf(stderr, "mmusim: VM %u: VM ids go up to 65534 (16-bit VPIDs)\n", id);
		return -EINVAL;
	}
	v->host_levels = (int)c->vm.host_levels;
	v->host_thp = c->vm.host_thp;
	v->backing = c->vm.backing;
	v->gframes = c->vm.memory >> PAGE_SHIFT;
	if (id < m->nbacking)
		v->gframes = m->backing[id].memory >> PAGE_SHIFT;
	if (c->vm.mmio_hole && id >= m->nbacking && c->vm.memory > (3ull << 30)) {
		v->hole_lo = (3ull << 30) >> PAGE_SHIFT;
		v->hole_hi = (4ull << 30) >> PAGE_SHIFT;
		v->gframes += v->hole_hi - v->hole_lo;
	}
	if (c->segment.self_balloon && c->segment.guest_size && id >= m->nbacking) {
		v->hot_lo = (v->gframes + 511) & ~511ull;   /* 2M-aligned, above guest RAM */
		v->hot_n = ((c->segment.guest_size >> PAGE_SHIFT) + 511) & ~511ull;
		v->gframes = v->hot_lo + v->hot_n;
	}
	if (v->gframes > UINT32_MAX || (m->frames.nframes >> 32)) {
		cfg_error(cfg_source(c, "vm", "memory"), "vm", "memory",
			  "%llu bytes: at most 16 TiB of guest memory (with the MMIO hole)",
			  (unsigned long long)c->vm.memory);
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
	for (f = v->hole_lo; f < v->hole_hi; f++)     /* the guest never gets the hole */
		SIM_BUG_ON(!buddy_alloc_at(&v->gphys, f, 0));
	if (v->hot_n)                         /* nor the range until hot-added */
		SIM_BUG_ON(!buddy_alloc_contig_at(&v->gphys, v->hot_lo, v->hot_n));
	guest_fragment(v, c);
	v->ept_root = machine_host_pt_alloc(m);
	if (!v->ept_root.v)
		return -ENOMEM;
	v->st.ept_pages = 1;
	if (id < m->nbacking) {
		r = back_as_placed(m, &m->backing[id]);
		v->contiguous_at_start = v->contiguous;
		return r;
	}
	if (v->backing == BACK_CONTIGUOUS) {
		u64 base = vm_alloc_extent(m, v->gframes);
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
	bloom_destroy(&v->esc);
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
				u64 w0 = v->st.ept_writes;
				if ((r = ept_map(m, chunk << PAGE_SHIFT, h << PAGE_SHIFT, 2)))
					return r;
				machine_notify_ept_violation(m, chunk << PAGE_SHIFT, 2, (u32)(v->st.ept_writes - w0));
				g = chunk + 512;
				continue;
			}
		}
		h = buddy_alloc(&m->frames, 0);
		if (h == BUDDY_NONE)
			return -ENOMEM;
		{
			u64 w0 = v->st.ept_writes;
			if ((r = ept_map(m, g << PAGE_SHIFT, h << PAGE_SHIFT, 1)))
				return r;
			machine_notify_ept_violation(m, g << PAGE_SHIFT, 1, (u32)(v->st.ept_writes - w0));
		}
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

/* A page-table page of the compacted VM set aside while the window is
 * taken. */
struct kept_page {
	u64 gfn;
	u64 data[PAGE_SIZE / 8];
};

/* Compaction state shared by the per-VM passes. */
struct compact_ctx {
	struct kept_page *kept;     /* the compacted VM's contents in the window */
	u64 nkept;
	u64 start, n;               /* the window */
	u64 *held, nheld;           /* frames taken inside the window meanwhile */
	u32 vpid;                   /* the VM being compacted */
	u16 *contig_vpid;           /* VPIDs whose VMs are contiguous (unmovable) */
	u32 ncontig;
	struct vm_compaction *out;
	int err;
};

static bool in_window(const struct compact_ctx *c, u64 f) { return f >= c->start && f < c->start + c->n; }

/* A free frame outside the window (frames inside are held until the end). */
static u64 alloc_outside(struct machine *m, struct compact_ctx *c, u32 order)
{
	u64 nf;
	while ((nf = buddy_alloc(&m->frames, order)) != BUDDY_NONE && nf + (1ull << order) > c->start &&
	       nf < c->start + c->n) {
		u64 *h = realloc(c->held, (c->nheld + 1) * sizeof *h);
		if (!h) {
			buddy_free(&m->frames, nf, order);
			return BUDDY_NONE;
		}
		c->held = h;
		c->held[c->nheld++] = nf << 5 | order;
	}
	return nf;
}

/* Moves one backed chunk of guest memory (4K or 2M) to host frame nf. */
static int move_chunk(struct machine *m, u64 g, u64 old, u64 nf, int level)
{
	u64 k, pages = 1ull << (9 * (level - 1));
	for (k = 0; k < pages; k++) {
		u64 *src = physmem_page(&m->mem, old + k), *dst;
		if (src) {
			if (!(dst = physmem_page_make(&m->mem, nf + k)))
				return -ENOMEM;
			memcpy(dst, src, PAGE_SIZE);
			physmem_drop(&m->mem, old + k);
		}
		m->tags[old + k] = 0;
	}
	buddy_free(&m->frames, old, 9u * (unsigned)(level - 1));
	return ept_map(m, g << PAGE_SHIFT, nf << PAGE_SHIFT, level);
}

/* Per VM (made current in turn): moves its frames out of the window. */
static void evacuate_vm(struct machine *m, void *arg)
{
	struct compact_ctx *c = arg;
	struct vm *v = &m->vm;
	u64 g;
	bool moved = false;

	/* the compacted VM's own pages in the window move once, into place,
	 * at the end (vm_compact), not out and back in */
	if (c->err || v->contiguous || v->vpid == c->vpid)
		return;
	for (g = 0; g < v->gframes && !c->err; g++) {
		u64 old, nf;
		u8 perms;
		int level;
		if (!v->g2h[g] || !in_window(c, v->g2h[g] - 1))
			continue;
		level = vm_ept_leaf(m, g << PAGE_SHIFT, &perms);
		if (level == 2)
			g &= ~511ull;          /* the whole 2M chunk moves */
		old = v->g2h[g] - 1;
		nf = alloc_outside(m, c, 9u * (unsigned)(level - 1));
		if (nf == BUDDY_NONE) {
			c->err = -ENOSPC;
			return;
		}
		c->err = move_chunk(m, g, old, nf, level);
		c->out->pages_migrated += 1ull << (9 * (level - 1));
		if (level == 2)
			g += 511;
		moved = true;
	}
	if (moved)
		machine_notify_remap_vm(m, v->vpid);
}

static void note_contig(struct machine *m, void *arg)
{
	struct compact_ctx *c = arg;
	if (m->vm.contiguous)
		c->contig_vpid[c->ncontig++] = (u16)m->vm.vpid;
}

/* Can compaction empty frame f? Free frames, the movable fragmentation
 * pins (m->pins) and frames of VMs that are not contiguous move; VMM
 * tables and unmovable pins (tag 0, not in m->pins) and contiguous VMs'
 * extents do not. */
static bool movable(const struct machine *m, const struct compact_ctx *c, u64 f)
{
	u32 i;
	if (buddy_is_free(&m->frames, f) || is_pin(m, f))
		return true;
	if (!m->tags[f])
		return false;
	for (i = 0; i < c->ncontig; i++)
		if (c->contig_vpid[i] == m->tags[f])
			return false;
	return true;
}

int vm_compact(struct machine *m, struct vm_compaction *out)
{
	struct vm *v = &m->vm;
	struct buddy *b = &m->frames;
	struct compact_ctx c = { 0 };
	u64 blk = 1ull << vm_contig_align_order(&m->cfg), f, g;
	int r = 0;

	memset(out, 0, sizeof *out);
	if (!v->on || v->contiguous)
		return 0;
	c.n = v->gframes;
	c.vpid = v->vpid;
	c.out = out;
	c.contig_vpid = calloc(m->nparked + 1, sizeof *c.contig_vpid);
	if (!c.contig_vpid)
		return -ENOMEM;
	machine_foreach_vm(m, note_contig, &c);
	/* the lowest window, on a contig_align boundary, of movable frames */
	for (c.start = 0; c.start + c.n <= b->nframes; c.start += blk) {
		for (f = c.start; f < c.start + c.n; f++)
			if (!movable(m, &c, f))
				break;
		if (f == c.start + c.n)
			break;
		c.start = f & ~(blk - 1);
	}
	free(c.contig_vpid);
	if (c.start + c.n > b->nframes)
		return -ENOSPC;
	/* move the movable pins out (walking the list itself: a binary search
	 * of it would miss pins once moved ones break its order) */
	for (g = 0; g < m->npins && !r; g++) {
		u64 nf;
		if (!in_window(&c, m->pins[g]))
			continue;
		if ((nf = alloc_outside(m, &c, 0)) == BUDDY_NONE) {
			r = -ENOSPC;
			break;
		}
		buddy_free(b, m->pins[g], 0);
		m->pins[g] = nf;
		out->pins_moved++;
	}
	/* keep the pin list sorted for is_pin */
	for (g = 1; g < m->npins; g++) {
		u64 x = m->pins[g], k = g;
		while (k > 0 && m->pins[k - 1] > x) {
			m->pins[k] = m->pins[k - 1];
			k--;
		}
		m->pins[k] = x;
	}
	/* move every VM's pages out, this VM's included */
	if (!r) {
		c.err = 0;
		machine_foreach_vm(m, evacuate_vm, &c);
		r = c.err;
	}
	for (g = 0; g < c.nheld; g++)
		buddy_free(b, c.held[g] >> 5, (u32)(c.held[g] & 31));
	free(c.held);
	if (r)
		return r;
	/* this VM's pages already inside the window: their contents are set
	 * aside and their frames released, so that the window can be taken
	 * whole; each lands at its place below (a page already at its place
	 * does not move and costs nothing) */
	for (g = 0; g < c.n && !r; g++) {
		u64 old, *src;
		if (!v->g2h[g] || !in_window(&c, v->g2h[g] - 1))
			continue;
		old = v->g2h[g] - 1;
		if ((src = physmem_page(&m->mem, old))) {
			struct kept_page *nk = realloc(c.kept, (c.nkept + 1) * sizeof *nk);
			if (!nk) {
				r = -ENOMEM;
				break;
			}
			c.kept = nk;
			nk[c.nkept].gfn = g;
			memcpy(nk[c.nkept++].data, src, PAGE_SIZE);
			physmem_drop(&m->mem, old);
		}
		buddy_free(b, old, 0);
		m->tags[old] = 0;
	}
	/* every frame of the window is free now (it was found movable) */
	SIM_BUG_ON(!r && !buddy_alloc_contig_at(b, c.start, c.n));
	/* migrate this VM's frames into place, in gPA order */
	for (g = 0, f = 0; g < c.n && !r; g++) {
		u64 old, *src, *dst;
		if (!v->g2h[g])
			continue;
		old = v->g2h[g] - 1;
		if (in_window(&c, old)) {
			if (f < c.nkept && c.kept[f].gfn == g) {
				if (!(dst = physmem_page_make(&m->mem, c.start + g)))
					r = -ENOMEM;
				else
					memcpy(dst, c.kept[f++].data, PAGE_SIZE);
			}
			if (old != c.start + g)
				out->pages_migrated++;
			continue;
		}
		if ((src = physmem_page(&m->mem, old))) {
			if (!(dst = physmem_page_make(&m->mem, c.start + g))) {
				r = -ENOMEM;
				break;
			}
			memcpy(dst, src, PAGE_SIZE);
			physmem_drop(&m->mem, old);
		}
		buddy_free(b, old, 0);
		m->tags[old] = 0;
		out->pages_migrated++;
	}
	free(c.kept);
	if (r || (r = map_extent(m, c.start)))
		return r;
	out->cycles = (out->pages_migrated + out->pins_moved) * m->cfg.vmm.migrate_cycles;
	v->st.compactions++;
	v->st.migrated += out->pages_migrated;
	return 0;
}

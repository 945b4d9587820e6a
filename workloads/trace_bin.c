/*
 * trace_bin.c - the mmusim binary trace format: encoder and decoder.
 *
 * Notes
 *   Layout (docs/trace-format.md has the full table):
 *     header  "MMUSIMT1", u8 version (1), 3 reserved zero bytes
 *     access  tag 0x00..0x07: bits 0-1 kind (R W I M), bit 2 "size follows";
 *             varint zigzag(va - previous access va); [varint size]
 *     region  tag 0x80 + kind: MAP (0x84) u8 prot, u8 psize, varint va,
 *             varint len; UNMAP (0x85) varint va, varint len; PROTECT
 *             (0x86) u8 prot, varint va, varint len
 *     switch  CTX (0x87), VM (0x88): varint id
 *     marker  ROI (0x89): varint 1 = BEGIN, 0 = END
 *     access with PC  tag 0x10..0x1f for R, W, M: bits 0-2 as above, bit 3
 *             "PC delta follows": varint zigzag(pc - current PC) after the
 *             size; without bit 3 the PC is the current PC. The current PC
 *             is the last I's address or the last PC decoded (starts 0).
 *             Legacy access tags 0x00..0x07 carry no PC (pc 0).
 *     object  tag 0x90: varint bias, varint path length (1..4096), the
 *             path bytes, u8 segment count (1..16), per segment u8 prot,
 *             varint va, varint len. An EV_OBJ event; the object goes to
 *             the trace's table (trace_object).
 *     end     tag 0xff, varint number of event records; nothing may follow
 *   Varints are unsigned LEB128 of at most 9 bytes (63 bits). The previous
 *   access starts as va 0, size 1; region records do not change it.
 *   Decoding works in batches straight from the input buffer: records are
 *   decoded without bounds checks while at least BIN_REC_MAX bytes remain
 *   (no record is longer), and the zero padding after the buffer's end at
 *   eof lets the tail be decoded the same way and then checked.
 *   Every decoded event is validated (ev_check limits); errors print
 *   "mmusim: FILE: record N: what" and return -EINVAL. A file without its
 *   end record is reported "truncated: no end record".
 *   Does not handle: random access, appending to an existing file.
 *   Sources: LEB128 as in DWARF 4 section 7.6; zigzag signed-to-unsigned
 *   mapping as in Protocol Buffers' encoding documentation.
 */
#include "trace_int.h"

#include <errno.h>
#include <string.h>

#define TAG_SIZE BIN_TAG_SIZE
#define TAG_REGION BIN_TAG_REGION
#define TAG_END BIN_TAG_END
#define VARINT_MAX 9u
#define VARINT_BAD UINT64_MAX

static inline u64 unzigzag(u64 z) { return (z >> 1) ^ (0 - (z & 1)); }

/* Reads a varint; *v = VARINT_BAD when longer than VARINT_MAX bytes.
 * May look at up to 8 bytes past the varint's start (the input buffer
 * guarantees them). */
static inline const u8 *get_varint(const u8 *q, u64 *v)
{
	u64 b = *q, r;
	if (b < 0x80) {
		*v = b;
		return q + 1;
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		/* Up to 8 bytes at once: the first byte with its top bit clear
		 * ends the varint; the 7-bit groups are then packed together
		 * pairwise, then by fours, then by eights. */
		u64 x, stop;
		unsigned len;
		memcpy(&x, q, 8);
		stop = ~x & 0x8080808080808080ull;
		if (stop) {
			len = (unsigned)__builtin_ctzll(stop) / 8 + 1;
			x &= (stop ^ (stop - 1)) & 0x7f7f7f7f7f7f7f7full;
			x = (x & 0x007f007f007f007full) | ((x & 0x7f007f007f007f00ull) >> 1);
			x = (x & 0x00003fff00003fffull) | ((x & 0x3fff00003fff0000ull) >> 2);
			x = (x & 0x000000000fffffffull) | ((x & 0x0fffffff00000000ull) >> 4);
			*v = x;
			return q + len;
		}
	}
#endif
	r = b & 0x7f;
	q++;
	for (unsigned sh = 7; sh < 7 * VARINT_MAX; sh += 7) {
		b = *q++;
		r |= (b & 0x7f) << sh;
		if (b < 0x80) {
			*v = r;
			return q;
		}
	}
	*v = VARINT_BAD;
	return q;
}

size_t bin_enc_event(struct bin_enc *st, const struct ev *e, u8 *out)
{
	switch (e->kind) {
	case EV_R: case EV_W: case EV_I: case EV_M:
		return bin_enc_access(st, e->kind, e->va, e->size, e->pc, out);
	case EV_MAP: case EV_UNMAP: case EV_PROTECT:
		return bin_enc_region(e->kind, e->va, e->len, e->kind == EV_UNMAP ? 0 : e->prot,
				      e->kind == EV_MAP ? e->psize : 0, out);
	default:
		return bin_enc_switch(e->kind, e->size, out);
	}
}

size_t bin_enc_obj(const struct trace_obj *o, u8 *out)
{
	u8 prot[OBJ_SEG_MAX];
	u64 va[OBJ_SEG_MAX], len[OBJ_SEG_MAX];
	for (u32 i = 0; i < o->nseg; i++) {
		prot[i] = o->seg[i].prot;
		va[i] = o->seg[i].va;
		len[i] = o->seg[i].len;
	}
	return bin_enc_object(o->path, strlen(o->path), o->bias, o->nseg, prot, va, len, out);
}

static int bin_err(struct trace *t, u64 rec, const char *why)
{
	t->truncated = !strncmp(why, "truncated", 9);
	if (rec)
		trace_msg(t, "%s: record %llu: %s", t->name, (unsigned long long)rec, why);
	else
		trace_msg(t, "%s: %s", t->name, why);
	return trace_fail(t, -EINVAL);
}

int trace_bin_start(struct trace *t)
{
	size_t have = (size_t)(t->end - t->p);

	if (have < BIN_HDR_LEN && t->gzerr)
		return trace_gz_fail(t);
	if (have < BIN_MAGIC_LEN || memcmp(t->p, BIN_MAGIC, BIN_MAGIC_LEN))
		return bin_err(t, 0, "not a mmusim binary trace (bad magic)");
	if (have < BIN_HDR_LEN)
		return bin_err(t, 0, "truncated header");
	if (t->p[8] != BIN_VERSION) {
		fprintf(stderr, "mmusim: %s: unsupported binary trace version %u\n", t->name, t->p[8]);
		return trace_fail(t, -EINVAL);
	}
	if (t->p[9] | t->p[10] | t->p[11])
		return bin_err(t, 0, "bad header (reserved bytes not zero)");
	t->p += BIN_HDR_LEN;
	bin_enc_init(&t->bs);
	return 0;
}

/* Decodes the payload of a region or switch record at p into e; returns
 * the position after it and sets *why to NULL or to what is wrong. */
static const u8 *bin_other(const u8 *p, u8 tag, struct ev *e, const char **why)
{
	u64 a, b;
	unsigned kind = tag & 0x7f;

	*why = NULL;
	*e = (struct ev){ .kind = (u8)kind };
	if (kind == EV_CTX || kind == EV_VM || kind == EV_ROI) {
		p = get_varint(p, &a);
		if (a > UINT32_MAX) {
			*why = a == VARINT_BAD ? "bad varint" : "id beyond 32 bits";
			return p;
		}
		e->size = (u32)a;
		*why = ev_check(e);
		return p;
	}
	if (kind == EV_MAP || kind == EV_PROTECT)
		e->prot = *p++;
	if (kind == EV_MAP)
		e->psize = *p++;
	p = get_varint(p, &a);
	p = get_varint(p, &b);
	if (a == VARINT_BAD || b == VARINT_BAD) {
		*why = "bad varint";
		return p;
	}
	e->va = a;
	e->len = b;
	*why = ev_check(e);
	return p;
}

/* Decodes an object record's payload at p (bounded by end); returns the
 * position after it, or NULL with *why set. */
static const u8 *bin_obj(struct trace *t, const u8 *p, const u8 *end, const char **why)
{
	struct trace_obj o;
	u64 bias, plen;
	char path[OBJ_PATH_MAX + 1];
	u32 i;

	/* varints may be read past `end` into the zero padding: each is
	 * checked against `end` after it */
	*why = "truncated: no end record";
	memset(&o, 0, sizeof o);
	p = get_varint(p, &bias);
	p = get_varint(p, &plen);
	if (p > end)
		return NULL;
	if (bias == VARINT_BAD || plen == VARINT_BAD) {
		*why = "bad varint";
		return NULL;
	}
	if (plen < 1 || plen > OBJ_PATH_MAX) {
		*why = "object path length out of range 1..4096";
		return NULL;
	}
	if ((u64)(end - p) < plen + 1)
		return NULL;
	memcpy(path, p, plen);
	path[plen] = 0;
	if (strlen(path) != plen) {
		*why = "object path contains a NUL byte";
		return NULL;
	}
	p += plen;
	o.nseg = *p++;
	if (o.nseg < 1 || o.nseg > OBJ_SEG_MAX) {
		*why = "object segment count out of range 1..16";
		return NULL;
	}
	for (i = 0; i < o.nseg; i++) {
		if (p >= end)
			return NULL;
		o.seg[i].prot = *p++;
		p = get_varint(p, &o.seg[i].va);
		p = get_varint(p, &o.seg[i].len);
		if (p > end)
			return NULL;
		if (o.seg[i].va == VARINT_BAD || o.seg[i].len == VARINT_BAD) {
			*why = "bad varint";
			return NULL;
		}
		if (o.seg[i].prot & ~(PERM_R | PERM_W | PERM_X)) {
			*why = "bad protection";
			return NULL;
		}
		if (!o.seg[i].len || o.seg[i].va >= VA_LIMIT || o.seg[i].len > VA_LIMIT - o.seg[i].va) {
			*why = "object segment beyond 57 bits";
			return NULL;
		}
	}
	o.bias = bias;
	o.path = path;
	if (trace_obj_push(t, &o) < 0) {
		*why = "out of memory";
		return NULL;
	}
	*why = NULL;
	return p;
}

int trace_bin_read(struct trace *t, struct ev *out, int max)
{
	const u8 *p = t->p, *q = p, *end = t->end;
	u64 va = t->bs.prev_va, pc = t->bs.prev_pc, dva = t->bs.prev_dva, rec0 = t->rec; /* events before this call */
	u32 size = t->bs.prev_size, isize = t->bs.prev_isize, dsize = t->bs.prev_dsize;
	int n = 0, err;
	bool ended = t->ended;
	const char *why = NULL;
	char msg[64];

	while (n < max) {
		u8 tag;

		if (__builtin_expect(end - p < (ptrdiff_t)BIN_REC_MAX || ended, 0)) {
			if (ended && p < end) {
				why = "data after end record";
				goto bad;
			}
			if (!t->eof)
				goto refill;
			if (t->gzerr)
				goto gzbad;
			if (ended)
				break;
			if (p >= end) {
				why = "truncated: no end record";
				goto bad;
			}
		}
		tag = *p;
		q = p + 1;
		if (tag < 0x30 && (tag < 8 || tag >= BIN_TAG_PC)) {
			u64 d = 0, sz, nva, base, npc = 0;
			unsigned kind = tag & 3;
			if (tag >= BIN_TAG_FALL) {           /* I at the fall-through address */
				sz = tag & 0xf;
				if (!sz)
					goto badtag;
				kind = EV_I;
				nva = pc + isize;
			} else {
				bool pcs = tag >= BIN_TAG_PC, isi = kind == EV_I;
				if (pcs && isi && (tag & BIN_TAG_PCD))
					goto badtag;
				base = !pcs ? va : isi ? pc + isize : dva;
				sz = !pcs ? size : isi ? isize : dsize;
				q = get_varint(q, &d);
				if (tag & TAG_SIZE) {
					q = get_varint(q, &sz);
					if (sz - 1 >= ACC_SIZE_MAX) {
						why = sz == VARINT_BAD ? "bad varint" : "size out of range 1..4096";
						goto bad_at;
					}
				}
				if (d == VARINT_BAD) {
					why = "bad varint";
					goto bad_at;
				}
				if (pcs && !isi) {
					npc = pc;
					if (tag & BIN_TAG_PCD) {
						u64 pd;
						q = get_varint(q, &pd);
						if (pd == VARINT_BAD) {
							why = "bad varint";
							goto bad_at;
						}
						npc = pc + unzigzag(pd);
						if (npc >= VA_LIMIT) {
							why = "PC beyond 57 bits";
							goto bad_at;
						}
					}
				}
				nva = base + unzigzag(d);
				if (!sz) {              /* an I delta before any I */
					why = "instruction size 0";
					goto bad_at;
				}
			}
			if (nva > VA_LIMIT - sz) {
				why = "address beyond 57 bits";
				goto bad_at;
			}
			if (q > end) {
				why = "truncated: no end record";
				goto bad;
			}
			if (tag < 8) {
				va = nva;
				size = (u32)sz;
			} else if (kind != EV_I) {
				dva = nva;
				dsize = (u32)sz;
				pc = npc;
			}
			if (kind == EV_I) {
				pc = nva;
				isize = (u32)sz;
			}
			out[n++] = (struct ev){ .kind = (u8)kind, .size = (u32)sz, .va = nva, .pc = npc };
			p = q;
			continue;
		}
		if (tag == TAG_END) {
			u64 c;
			q = get_varint(q, &c);
			if (q > end) {
				why = "truncated: no end record";
				goto bad;
			}
			if (c != rec0 + (u64)n) {
				snprintf(msg, sizeof msg, "end record counts %llu events, file has %llu",
					 (unsigned long long)c, (unsigned long long)(rec0 + (u64)n));
				why = msg;
				goto bad;
			}
			t->ended = ended = true;
			p = q;
			continue;
		}
		if (tag == BIN_TAG_OBJ) {
			if (end - p < (ptrdiff_t)BIN_OBJ_MAX && !t->eof)
				goto refill;
			q = bin_obj(t, q, end, &why);
			if (!q) {
				if (t->gzerr)
					goto gzbad;
				goto bad;
			}
			out[n++] = (struct ev){ .kind = EV_OBJ, .size = t->nobjs - 1 };
			p = q;
			continue;
		}
		if ((tag & TAG_REGION) && (tag & 0x7f) >= EV_MAP && (tag & 0x7f) <= EV_ROI) {
			q = bin_other(q, tag, &out[n], &why);
			if (why)
				goto bad_at;
			if (q > end) {
				why = "truncated: no end record";
				goto bad;
			}
			n++;
			p = q;
			continue;
		}
badtag:
		snprintf(msg, sizeof msg, "bad record tag 0x%02x", tag);
		why = msg;
		goto bad;
refill:
		t->p = p;
		err = trace_fill(t);
		p = t->p;
		end = t->end;
		if (err < 0)
			goto out;
	}
	t->p = p;
	t->bs = (struct bin_enc){ .prev_va = va, .prev_pc = pc, .prev_dva = dva, .prev_size = size,
				  .prev_isize = isize, .prev_dsize = dsize };
	t->rec = rec0 + (u64)n;
	return n;

bad_at:
	if (q > end)
		why = "truncated: no end record";
bad:
	bin_err(t, t->ended ? 0 : rec0 + (u64)n + 1, why);
	err = -EINVAL;
	goto out;
gzbad:
	err = trace_gz_fail(t);
out:
	t->p = p;
	t->rec = rec0 + (u64)n;
	return n ? n : err;
}

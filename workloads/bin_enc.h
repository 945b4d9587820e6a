/*
 * bin_enc.h - the encoder of the mmusim binary trace format, as inline
 * functions on plain integers, so that the trace writer (trace.c) and the
 * recorder plugin (record/mmusim-rec.c, which links nothing of mmusim) share
 * one encoder. docs/trace-format.md has the layout; trace_bin.c decodes.
 *
 * Kinds are those of enum ev_kind (trace.h): 0 R, 1 W, 2 I, 3 M, 4 MAP,
 * 5 UNMAP, 6 PROTECT, 7 CTX, 8 VM; prot bits 1 r, 2 w, 4 x.
 */
#ifndef MMUSIM_BIN_ENC_H
#define MMUSIM_BIN_ENC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BIN_MAGIC "MMUSIMT1"
#define BIN_MAGIC_LEN 8
#define BIN_HDR_LEN 12
#define BIN_VERSION 1

#define BIN_TAG_SIZE 0x04u    /* access: a size varint follows */
#define BIN_TAG_PCD 0x08u     /* data access with PC: a PC delta follows */
#define BIN_TAG_PC 0x10u      /* PC stream: data access with PC, or I */
#define BIN_TAG_FALL 0x20u    /* I at the fall-through address, size in bits 0-3 */
#define BIN_TAG_REGION 0x80u  /* 0x80 + kind: MAP .. VM */
#define BIN_TAG_OBJ 0x90u     /* loaded object */
#define BIN_TAG_END 0xffu

/* No access, region or switch record is longer than this. */
#define BIN_REC_MAX 32u
/* Nor any object record (path of at most 4096 bytes, 16 segments). */
#define BIN_OBJ_MAX 4608u

enum { BIN_K_R, BIN_K_W, BIN_K_I, BIN_K_M, BIN_K_MAP, BIN_K_UNMAP, BIN_K_PROTECT, BIN_K_CTX, BIN_K_VM };

/* Coder state. Legacy records (tags 0x00..0x07) share prev_va and
 * prev_size; the PC stream keeps instructions (pc, isize: the next
 * fall-through address is pc + isize) and data accesses (dva, dsize)
 * apart, so that each is delta-coded against its own kind. */
struct bin_enc {
	uint64_t prev_va;
	uint64_t prev_pc;     /* the current PC: the last I's address, or the
			       * last PC written */
	uint64_t prev_dva;
	uint32_t prev_size;
	uint32_t prev_isize;
	uint32_t prev_dsize;
};

static inline uint64_t bin_zigzag(uint64_t d) { return (d << 1) ^ (uint64_t)((int64_t)d >> 63); }

static inline uint8_t *bin_put_varint(uint8_t *q, uint64_t v)
{
	while (v >= 0x80) {
		*q++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*q++ = (uint8_t)v;
	return q;
}

static inline void bin_enc_init(struct bin_enc *st)
{
	st->prev_va = 0;
	st->prev_pc = 0;
	st->prev_dva = 0;
	st->prev_size = 1;
	st->prev_isize = 0;
	st->prev_dsize = 1;
}

static inline size_t bin_enc_header(uint8_t *out)
{
	memcpy(out, BIN_MAGIC, BIN_MAGIC_LEN);
	out[8] = BIN_VERSION;
	out[9] = out[10] = out[11] = 0;
	return BIN_HDR_LEN;
}

/* One access of kind R, W, I or M. pc is the accessing instruction's PC
 * (0: unknown; ignored for I, whose address is its PC). Instructions and
 * data accesses with a PC go to the PC stream, data accesses without one
 * to the legacy records. Returns the bytes written at out (at most
 * BIN_REC_MAX). */
static inline size_t bin_enc_access(struct bin_enc *st, unsigned kind, uint64_t va, uint32_t size,
				    uint64_t pc, uint8_t *out)
{
	uint8_t *q = out + 1;
	unsigned tag;

	if (kind == BIN_K_I) {
		uint64_t fall = st->prev_pc + st->prev_isize;
		if (va == fall && size >= 1 && size <= 15) {
			out[0] = (uint8_t)(BIN_TAG_FALL | size);
		} else {
			tag = BIN_TAG_PC | kind;
			q = bin_put_varint(q, bin_zigzag(va - fall));
			if (size != st->prev_isize) {
				tag |= BIN_TAG_SIZE;
				q = bin_put_varint(q, size);
			}
			out[0] = (uint8_t)tag;
		}
		st->prev_pc = va;
		st->prev_isize = size;
		return (size_t)(q - out);
	}
	if (!pc) {
		tag = kind;
		q = bin_put_varint(q, bin_zigzag(va - st->prev_va));
		if (size != st->prev_size) {
			tag |= BIN_TAG_SIZE;
			q = bin_put_varint(q, size);
		}
		out[0] = (uint8_t)tag;
		st->prev_va = va;
		st->prev_size = size;
		return (size_t)(q - out);
	}
	tag = BIN_TAG_PC | kind;
	q = bin_put_varint(q, bin_zigzag(va - st->prev_dva));
	if (size != st->prev_dsize) {
		tag |= BIN_TAG_SIZE;
		q = bin_put_varint(q, size);
	}
	if (pc != st->prev_pc) {
		tag |= BIN_TAG_PCD;
		q = bin_put_varint(q, bin_zigzag(pc - st->prev_pc));
		st->prev_pc = pc;
	}
	out[0] = (uint8_t)tag;
	st->prev_dva = va;
	st->prev_dsize = size;
	return (size_t)(q - out);
}

/* MAP (prot, psize), UNMAP, PROTECT (prot): region records. */
static inline size_t bin_enc_region(unsigned kind, uint64_t va, uint64_t len, uint8_t prot, uint8_t psize,
				    uint8_t *out)
{
	uint8_t *q = out;
	*q++ = (uint8_t)(BIN_TAG_REGION | kind);
	if (kind == BIN_K_MAP || kind == BIN_K_PROTECT)
		*q++ = prot;
	if (kind == BIN_K_MAP)
		*q++ = psize;
	q = bin_put_varint(q, va);
	q = bin_put_varint(q, len);
	return (size_t)(q - out);
}

/* CTX and VM. */
static inline size_t bin_enc_switch(unsigned kind, uint32_t id, uint8_t *out)
{
	uint8_t *q = out;
	*q++ = (uint8_t)(BIN_TAG_REGION | kind);
	q = bin_put_varint(q, id);
	return (size_t)(q - out);
}

/* A loaded object: path (1..4096 bytes), bias, nseg (1..16) segments
 * {prot, va, len}. */
static inline size_t bin_enc_object(const char *path, size_t plen, uint64_t bias, unsigned nseg,
				    const uint8_t *prot, const uint64_t *va, const uint64_t *len, uint8_t *out)
{
	uint8_t *q = out;
	*q++ = BIN_TAG_OBJ;
	q = bin_put_varint(q, bias);
	q = bin_put_varint(q, plen);
	memcpy(q, path, plen);
	q += plen;
	*q++ = (uint8_t)nseg;
	for (unsigned i = 0; i < nseg; i++) {
		*q++ = prot[i];
		q = bin_put_varint(q, va[i]);
		q = bin_put_varint(q, len[i]);
	}
	return (size_t)(q - out);
}

static inline size_t bin_enc_end(uint64_t count, uint8_t *out)
{
	uint8_t *q = out;
	*q++ = BIN_TAG_END;
	q = bin_put_varint(q, count);
	return (size_t)(q - out);
}

#endif

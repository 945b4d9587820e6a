/*
 * trace_champsim.c - reader of ChampSim instruction traces.
 *
 * Notes
 *   Reads: ChampSim's input_instr records, 64 bytes each, little-endian,
 *   no header (plain, or .xz as ChampSim distributes them: trace_src.c
 *   decompresses):
 *     offset  0  u64 ip
 *             8  u8  is_branch       9  u8 branch_taken
 *            10  u8  destination_registers[2]
 *            12  u8  source_registers[4]
 *            16  u64 destination_memory[2]
 *            32  u64 source_memory[4]
 *   A memory operand of 0 means none.
 *   Produces, per record: an I at ip (size 1: ChampSim records no
 *   instruction length; none when ip is 0), then an R (pc = ip) per nonzero
 *   source operand in order, then a W per nonzero destination operand, each
 *   of size 1 (no operand size either), so that one event is one operand
 *   and no access is split across pages by a guessed size.
 *   Does not model: branches, registers (read and ignored), operand sizes.
 *   Errors: "mmusim: FILE: record N: what" for an address beyond 57 bits;
 *   a file whose size is not a multiple of 64 bytes gets "FILE: size is not
 *   a multiple of 64 bytes (K trailing bytes)" at its end, after the
 *   complete records.
 *   Detection (trace.c): binary input whose first records (up to 8) all
 *   have ip and operands below 2^57, is_branch and branch_taken 0 or 1
 *   (taken only when a branch), and are not all zero.
 *   Sources: ChampSim's inc/trace_instruction.h (struct input_instr) and
 *   tracer/pin/champsim_tracer.cpp (what fills it); the layout above is
 *   that struct's with its natural alignment (8 + 1 + 1 + 2 + 4 + 16 + 32).
 */
#include "trace_int.h"

#include <errno.h>
#include <string.h>

static inline u64 le64(const u8 *p)
{
	u64 v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool rec_ok(const u8 *r)
{
	bool any = false;
	u64 ip = le64(r);
	if (ip >= VA_LIMIT || r[8] > 1 || r[9] > 1 || (r[9] && !r[8]))
		return false;
	any = ip != 0;
	for (unsigned i = 0; i < 6; i++) {
		u64 a = le64(r + 16 + 8 * i);
		if (a >= VA_LIMIT)
			return false;
		any |= a != 0;
	}
	return any;
}

bool trace_champsim_like(const u8 *p, size_t n)
{
	size_t k = MIN(n / CHAMPSIM_REC, 8), i;
	if (!k)
		return false;
	for (i = 0; i < k; i++)
		if (!rec_ok(p + i * CHAMPSIM_REC))
			return false;
	return true;
}

/* Decodes the record at r into ev (at most 7 events); the count, or -1
 * for an address beyond 57 bits. */
static int rec_events(const u8 *r, struct ev *ev)
{
	u64 ip = le64(r);
	int n = 0;
	unsigned i;

	if (ip >= VA_LIMIT)
		return -1;
	for (i = 0; i < 6; i++)
		if (le64(r + 16 + 8 * i) >= VA_LIMIT)
			return -1;
	if (ip)
		ev[n++] = (struct ev){ .kind = EV_I, .size = 1, .va = ip };
	for (i = 0; i < 4; i++) {
		u64 a = le64(r + 32 + 8 * i);
		if (a)
			ev[n++] = (struct ev){ .kind = EV_R, .size = 1, .va = a, .pc = ip };
	}
	for (i = 0; i < 2; i++) {
		u64 a = le64(r + 16 + 8 * i);
		if (a)
			ev[n++] = (struct ev){ .kind = EV_W, .size = 1, .va = a, .pc = ip };
	}
	return n;
}

int trace_champsim_read(struct trace *t, struct ev *out, int max)
{
	int n = 0;

	while (n < max) {
		int k;
		if (t->cs_pi < t->cs_np) {
			out[n++] = t->cs_pend[t->cs_pi++];
			continue;
		}
		if (t->end - t->p < (ptrdiff_t)CHAMPSIM_REC) {
			if (!t->eof) {
				k = trace_fill(t);
				if (k < 0)
					return n ? n : k;
				continue;
			}
			if (t->gzerr) {
				k = trace_gz_fail(t);
				return n ? n : k;
			}
			if (t->p < t->end) {
				fprintf(stderr, "mmusim: %s: size is not a multiple of 64 bytes (%u trailing bytes after "
					"%llu ChampSim records)\n", t->name, (unsigned)(t->end - t->p),
					(unsigned long long)t->cs_rec);
				trace_fail(t, -EINVAL);
				return n ? n : -EINVAL;
			}
			break;
		}
		if (max - n >= 7) {
			k = rec_events(t->p, out + n);
			if (k >= 0) {
				n += k;
				t->p += CHAMPSIM_REC;
				t->cs_rec++;
				continue;
			}
		} else {
			k = rec_events(t->p, t->cs_pend);
			if (k >= 0) {
				t->cs_np = (u8)k;
				t->cs_pi = 0;
				t->p += CHAMPSIM_REC;
				t->cs_rec++;
				continue;
			}
		}
		fprintf(stderr, "mmusim: %s: record %llu: address beyond 57 bits\n", t->name,
			(unsigned long long)t->cs_rec + 1);
		trace_fail(t, -EINVAL);
		return n ? n : -EINVAL;
	}
	return n;
}

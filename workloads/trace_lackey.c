/*
 * trace_lackey.c - reader of valgrind lackey memory traces.
 *
 * Notes
 *   Reads: the output of `valgrind --tool=lackey --trace-mem=yes`:
 *     "I  04010173,3"   instruction fetch of 3 bytes      -> EV_I
 *     " L 04222cac,8"   data load                          -> EV_R
 *     " S 0bebf8a8,8"   data store                         -> EV_W
 *     " M 0421c7f0,4"   data modify (load then store)      -> EV_M
 *   The address is hex (lackey prints at least 8 digits, more on 64-bit
 *   addresses), the size decimal. Lines starting with "==" (valgrind's own
 *   messages, "==PID== ..."), blank lines and '#' lines are skipped.
 *   Leading blanks and the number of blanks after the letter are not
 *   checked; anything else that is not one of the four shapes is an error
 *   "mmusim: FILE:LINE: malformed lackey line", then -EINVAL.
 *   Produces: access events only; the PC of an L, S or M is the address
 *   of the last I line before it (lackey prints an instruction's fetch,
 *   then its data accesses). Lackey records no MAP, CTX or VM: the
 *   OS model of mmu/ maps pages on first touch (or `--elf PROG` adds the
 *   program's segments).
 *   A stream of valgrind's own lines only ("==PID== ...", as when lackey
 *   ran without --trace-mem=yes) ends with a warning and -EINVAL: such a
 *   run would measure nothing.
 *   Does not handle: output of other valgrind tools, program output mixed
 *   into the same stream (write lackey's log to its own descriptor with
 *   --log-fd or --log-file), sizes above 4096 bytes.
 *   Sources: valgrind user manual, "Lackey: an example tool", option
 *   --trace-mem; the line shapes above are those the manual shows.
 */
#include "trace_int.h"

#include <errno.h>
#include <string.h>

enum lk_res { LK_EV = 1, LK_SKIP = 0, LK_VG = 2, LK_BAD = -1, LK_RANGE = -2, LK_SIZE = -3 };

static const signed char lk_kind[256] = {
	['I'] = EV_I + 1, ['L'] = EV_R + 1, ['S'] = EV_W + 1, ['M'] = EV_M + 1,
};

static int lackey_parse(const char *s, const char *e, struct ev *ev)
{
	u64 va = 0;
	u32 size = 0;
	int kind, digits = 0;
	bool big = false;

	if (e - s >= 2 && s[0] == '=' && s[1] == '=')
		return LK_VG;
	while (s < e && is_blank(*s))
		s++;
	if (s == e || *s == '#')
		return LK_SKIP;
	kind = lk_kind[(unsigned char)*s++] - 1;
	if (kind < 0 || s == e || !is_blank(*s))
		return LK_BAD;
	while (s < e && is_blank(*s))
		s++;
	for (; s < e && *s != ','; s++, digits++) {
		int c = (unsigned char)*s, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return LK_BAD;
		va = va << 4 | (u64)d;
		if (va >= VA_LIMIT) {
			big = true;
			va = 0;
		}
	}
	if (!digits || s == e)
		return LK_BAD;
	s++;
	digits = 0;
	for (; s < e && *s >= '0' && *s <= '9'; s++, digits++)
		if (size <= ACC_SIZE_MAX)
			size = size * 10 + (u32)(*s - '0');
	if (!digits)
		return LK_BAD;
	while (s < e && is_blank(*s))
		s++;
	if (s != e)
		return LK_BAD;
	if (big)
		return LK_RANGE;
	if (size < 1 || size > ACC_SIZE_MAX)
		return LK_SIZE;
	if (va > VA_LIMIT - size)
		return LK_RANGE;
	*ev = (struct ev){ .kind = (u8)kind, .size = size, .va = va };
	return LK_EV;
}

bool trace_lackey_line(const char *line, size_t n)
{
	struct ev ev;
	int r = lackey_parse(line, line + n, &ev);
	return r != LK_BAD;
}

int trace_lackey_read(struct trace *t, struct ev *buf, int max)
{
	int n = 0;
	while (n < max) {
		const char *s, *e, *why;
		int r = trace_next_line(t, &s, &e);
		if (r == 0) {
			if (!t->accesses && t->skipped && !n) {
				fprintf(stderr, "mmusim: %s: warning: valgrind output without memory-access lines "
					"(run lackey with --trace-mem=yes and give its log a descriptor of its own: "
					"--log-fd=3 PROG 3>&1 >/dev/null)\n", t->name);
				return trace_fail(t, -EINVAL);
			}
			break;
		}
		if (r < 0)
			return n ? n : r;
		r = lackey_parse(s, e, &buf[n]);
		if (r == LK_EV) {
			trace_pos_set(t, n, t->line);
			/* the PC of a data access is the last instruction's */
			if (buf[n].kind == EV_I)
				t->prev_pc = buf[n].va;
			else
				buf[n].pc = t->prev_pc;
			t->accesses++;
			n++;
			continue;
		}
		if (r == LK_VG) {
			t->skipped++;
			continue;
		}
		if (r >= 0)
			continue;
		why = r == LK_RANGE ? "address beyond 57 bits" :
		      r == LK_SIZE ? "bad size (must be 1..4096)" : "malformed lackey line";
		trace_msg(t, "%s:%llu: %s", t->name, (unsigned long long)t->line, why);
		trace_fail(t, -EINVAL);
		return n ? n : -EINVAL;
	}
	return n;
}

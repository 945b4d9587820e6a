/* types.c - helpers declared in types.h. */
#include "types.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

_Noreturn void sim_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "mmusim: internal error at %s:%d: %s\n", file, line, cond);
	abort();
}

const char *psize_name(enum psize s)
{
	static const char *const n[PS_NR] = { "4K", "2M", "1G" };
	return (unsigned)s < PS_NR ? n[s] : "?";
}

int parse_size(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	/* decimal, or hexadecimal with 0x; a leading 0 is not octal */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno || end == s || end == s + 2 * (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return -EINVAL;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	case 'p': case 'P': shift = 50; end++; break;
	default: return -EINVAL;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (u64)v << shift;
	return 0;
}

int parse_hex(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

void format_size(u64 v, char *buf, size_t n)
{
	static const char sfx[] = "PTGMK";
	static const unsigned shift[] = { 50, 40, 30, 20, 10 };
	unsigned i;

	for (i = 0; v && i < ARRAY_SIZE(shift); i++) {
		if (!(v & ((1ull << shift[i]) - 1))) {
			snprintf(buf, n, "%llu%c", (unsigned long long)(v >> shift[i]), sfx[i]);
			return;
		}
	}
	snprintf(buf, n, "%llu", (unsigned long long)v);
}

/* types.c - helpers declared in types.h. */
#include "types.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int mul10(u64 *v, unsigned times)
{
	while (times--) {
		if (*v > UINT64_MAX / 10)
			return -EINVAL;
		*v *= 10;
	}
	return 0;
}

int parse_count_n(const char *s, size_t n, u64 *out)
{
	u64 v = 0;
	size_t i = 0;

	if (!s || n == 0)
		return -EINVAL;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		u64 d = (u64)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (i == 0)
		return -EINVAL;
	if (i < n && (s[i] | 0x20) == 'e') {
		size_t j = ++i;
		unsigned ex = 0;
		for (; i < n && s[i] >= '0' && s[i] <= '9' && ex < 100; i++)
			ex = ex * 10 + (unsigned)(s[i] - '0');
		if (i == j || mul10(&v, ex))
			return -EINVAL;
	}
	if (i < n) {
		static const char sfx[] = "kmgt";
		const char *p = memchr(sfx, s[i] | 0x20, 4);
		if (!p || mul10(&v, 3 * (unsigned)(p - sfx + 1)))
			return -EINVAL;
		i++;
	}
	if (i != n)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_count(const char *s, u64 *out)
{
	return s ? parse_count_n(s, strlen(s), out) : -EINVAL;
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

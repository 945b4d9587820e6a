/*
 * test_trace.c - trace readers and writers (workloads/trace*.c): the text,
 * binary and lackey formats, detection, errors, round trips.
 * Expected values are written from docs/trace-format.md by hand.
 */
#include "trace_util.h"

#include <zlib.h>

#define LIM (1ull << 57)

static struct ev acc(int kind, u64 va, u32 size)
{
	return (struct ev){ .kind = (u8)kind, .va = va, .size = size };
}

static struct ev accpc(int kind, u64 va, u32 size, u64 pc)
{
	return (struct ev){ .kind = (u8)kind, .va = va, .size = size, .pc = pc };
}

static struct ev region(int kind, u64 va, u64 len, u8 prot, u8 psize)
{
	return (struct ev){ .kind = (u8)kind, .va = va, .len = len, .prot = prot, .psize = psize };
}

static struct ev sw(int kind, u32 id)
{
	return (struct ev){ .kind = (u8)kind, .size = id };
}

static void check_events(const struct ev *got, size_t n, const struct ev *want, size_t m)
{
	CHECK_EQ(n, m);
	for (size_t i = 0; i < MIN(n, m); i++) {
		if (!ev_eq(&got[i], &want[i])) {
			char a[128], b[128];
			ev_format(&got[i], a, sizeof a);
			ev_format(&want[i], b, sizeof b);
			test_fail(__FILE__, __LINE__, "event %zu: got [%s] want [%s]", i, a, b);
		}
	}
}

TEST(trace_text_keywords)
{
	const char *path = test_write_file("kw.txt",
		"# a comment line\n"
		"\n"
		"R 1000\n"
		"w 0x7f0000001008 8\n"
		"I 400000 4   # trailing comment\n"
		"M 0X10 4096\r\n"
		"  \t R\t1fffffffffffffe 2\n"
		"MAP 7f0000000000 2M\n"
		"MAP 0x1000 0x3000 r-x\n"
		"map 0x40000000 1G rwx 1G\n"
		"MAP 0x200000 4096 HUGE\n"
		"Map 0 10 --- 4k\n"
		"MAP 1000 4KiB xr any\n"
		"MAP 0x200000 0x200000 2M\n"
		"UNMAP 0x1000 8K\n"
		"PROTECT 0x1000 4096 r\n"
		"protect 0x1000 4096 xw\n"
		"PROTECT 0 1 ---\n"
		"CTX 7\n"
		"ctx 0x10\n"
		"VM 3\n"
		"vm 4294967295\n"
		"R 1ffffffffffffff");
	const struct ev want[] = {
		acc(EV_R, 0x1000, 1),
		acc(EV_W, 0x7f0000001008, 8),
		acc(EV_I, 0x400000, 4),
		acc(EV_M, 0x10, 4096),
		acc(EV_R, 0x1fffffffffffffe, 2),
		region(EV_MAP, 0x7f0000000000, 2 << 20, PERM_R | PERM_W, PSZ_ANY),
		region(EV_MAP, 0x1000, 0x3000, PERM_R | PERM_X, PSZ_ANY),
		region(EV_MAP, 0x40000000, 1 << 30, PERM_R | PERM_W | PERM_X, PS_1G),
		region(EV_MAP, 0x200000, 4096, PERM_R | PERM_W, PS_2M),
		region(EV_MAP, 0, 10, 0, PS_4K),
		region(EV_MAP, 0x1000, 4096, PERM_R | PERM_X, PSZ_ANY),
		region(EV_MAP, 0x200000, 0x200000, PERM_R | PERM_W, PS_2M),
		region(EV_UNMAP, 0x1000, 8192, 0, 0),
		region(EV_PROTECT, 0x1000, 4096, PERM_R, 0),
		region(EV_PROTECT, 0x1000, 4096, PERM_W | PERM_X, 0),
		region(EV_PROTECT, 0, 1, 0, 0),
		sw(EV_CTX, 7),
		sw(EV_CTX, 16),
		sw(EV_VM, 3),
		sw(EV_VM, 4294967295u),
		acc(EV_R, LIM - 1, 1),
	};
	struct ev *v;
	size_t n;
	enum trace_fmt f = FMT_AUTO;
	char *err;
	int r = load(path, FMT_AUTO, &v, &n, &f, &err);
	CHECK_EQ(r, 0);
	CHECK_EQ(f, FMT_TEXT);
	CHECK_EQ(strlen(err), 0);
	check_events(v, n, want, ARRAY_SIZE(want));
	free(v);
	free(err);
}

/* One bad line: the reader delivers the good events before it, then fails
 * with exactly one message naming FILE:LINE. */
static void expect_text_error(const char *body, int line, const char *what, size_t good)
{
	char expect[600];
	const char *path = test_write_file("bad.txt", body);
	struct ev *v;
	size_t n;
	char *err;
	int r = load(path, FMT_TEXT, &v, &n, NULL, &err);
	snprintf(expect, sizeof expect, "mmusim: %s:%d: %s", path, line, what);
	if (r != -EINVAL)
		test_fail(__FILE__, __LINE__, "[%s]: returned %d, want -EINVAL", body, r);
	if (!err || strncmp(err, expect, strlen(expect)) || count_lines(err) != 1)
		test_fail(__FILE__, __LINE__, "[%s]: message [%s], want [%s...]", body, err ? err : "", expect);
	if (n != good)
		test_fail(__FILE__, __LINE__, "[%s]: %zu events before the error, want %zu", body, n, good);
	free(v);
	free(err);
}

TEST(trace_text_errors)
{
	expect_text_error("R\n", 1, "missing address", 0);
	expect_text_error("R 0xzz\n", 1, "bad address '0xzz'", 0);
	expect_text_error("W 12g4 8\n", 1, "bad address '12g4'", 0);
	expect_text_error("R 0x\n", 1, "bad address '0x'", 0);
	expect_text_error("R -10\n", 1, "bad address '-10'", 0);
	expect_text_error("R 1000 8 9\n", 1, "trailing junk '9'", 0);
	expect_text_error("R 1000 0\n", 1, "bad size '0'", 0);
	expect_text_error("R 1000 4097\n", 1, "bad size '4097'", 0);
	expect_text_error("R 1000 0x8\n", 1, "bad size '0x8'", 0);
	expect_text_error("MAP 1000 0\n", 1, "length 0", 0);
	expect_text_error("UNMAP 1000 0x0\n", 1, "length 0", 0);
	expect_text_error("MAP 1000\n", 1, "missing length", 0);
	expect_text_error("MAP\n", 1, "missing address", 0);
	expect_text_error("MAP 1000 zz\n", 1, "bad length 'zz'", 0);
	expect_text_error("MAP 1000 4X\n", 1, "bad length '4X'", 0);
	/* 2^57 itself, more than 64 bits, and an access ending past 2^57 */
	expect_text_error("R 200000000000000\n", 1, "address beyond 57 bits", 0);
	expect_text_error("R 0x10000000000000000000\n", 1, "address beyond 57 bits", 0);
	expect_text_error("R 1ffffffffffffff 2\n", 1, "address beyond 57 bits", 0);
	expect_text_error("MAP 200000000000000 4096\n", 1, "address beyond 57 bits", 0);
	/* va + len: 0x1fffffffffff000 + 0x2000 = 2^57 + 0x1000 */
	expect_text_error("UNMAP 1fffffffffff000 0x2000\n", 1, "address beyond 57 bits", 0);
	expect_text_error("PROTECT 1000 256P r\n", 1, "address beyond 57 bits", 0);
	expect_text_error("MAP 1000 4096 rwq\n", 1, "bad protection or page size 'rwq'", 0);
	expect_text_error("MAP 1000 4096 rw- 3M\n", 1, "bad page size '3M'", 0);
	expect_text_error("MAP 1000 4096 2M rw-\n", 1, "trailing junk 'rw-'", 0);
	expect_text_error("PROTECT 1000 4096 rr\n", 1, "bad protection 'rr'", 0);
	expect_text_error("PROTECT 1000 4096 w-x\n", 1, "bad protection 'w-x'", 0);
	expect_text_error("PROTECT 1000 4096\n", 1, "missing protection", 0);
	expect_text_error("PROTECT 1000 4096 r 2M\n", 1, "trailing junk '2M'", 0);
	expect_text_error("UNMAP 1000 4096 rw\n", 1, "trailing junk 'rw'", 0);
	expect_text_error("FOO 1000\n", 1, "unknown keyword 'FOO'", 0);
	expect_text_error("RR 1000\n", 1, "unknown keyword 'RR'", 0);
	expect_text_error("CTX\n", 1, "missing process id", 0);
	expect_text_error("VM\n", 1, "missing VM id", 0);
	expect_text_error("CTX -1\n", 1, "bad id '-1'", 0);
	expect_text_error("CTX 4294967296\n", 1, "bad id '4294967296'", 0);
	expect_text_error("VM 1 2\n", 1, "trailing junk '2'", 0);
	/* line numbers count comments and blank lines; good events come first */
	expect_text_error("R 1000\n# c\n\nW 2000 8\nR zz\nR 3000\n", 5, "bad address 'zz'", 2);
	expect_text_error("R 1000\nR 2000 8 junk", 2, "trailing junk 'junk'", 1);
}

TEST(trace_text_error_sticky)
{
	const char *path = test_write_file("sticky.txt", "R 1000\nQ\nR 2000\n");
	struct trace *t;
	struct ev v[4];
	struct cap c;
	char *err;
	REQUIRE(trace_open(&t, path, FMT_AUTO) == 0);
	cap_begin(&c);
	CHECK_EQ(trace_read(t, v, 4), 1);
	CHECK_EQ(trace_read(t, v, 4), -EINVAL);
	CHECK_EQ(trace_read(t, v, 4), -EINVAL);
	err = cap_end(&c);
	CHECK_EQ(count_lines(err), 1);
	CHECK_STR_CONTAINS(err, ":2: unknown keyword 'Q'");
	free(err);
	trace_close(t);
}

TEST(trace_text_long_line)
{
	char *body = malloc(10000);
	struct ev *v;
	size_t n;
	char *err;
	memset(body, ' ', 9000);
	memcpy(body, "R 1000\nR 2000", 13);
	strcpy(body + 9000, "\n");
	CHECK_EQ(load(test_write_file("long.txt", body), FMT_TEXT, &v, &n, NULL, &err), -EINVAL);
	CHECK_STR_CONTAINS(err, ":2: line longer than 4096 bytes");
	CHECK_EQ(n, 1);
	free(body);
	free(v);
	free(err);
}

/* Events of every kind and edge value, then a generator's stream. */
static size_t sample_events(struct ev **out)
{
	static const struct ev fixed[] = {
		{ .kind = EV_VM, .size = 2 },
		{ .kind = EV_CTX, .size = 4294967295u },
		{ .kind = EV_MAP, .va = 0, .len = LIM, .prot = 7, .psize = PSZ_ANY },
		{ .kind = EV_MAP, .va = 0x40000000, .len = 1 << 30, .prot = PERM_R, .psize = PS_1G },
		{ .kind = EV_R, .va = 0, .size = 1 },
		{ .kind = EV_W, .va = LIM - 4096, .size = 4096 },
		{ .kind = EV_I, .va = 0, .size = 3 },
		{ .kind = EV_M, .va = LIM - 1, .size = 1 },
		{ .kind = EV_R, .va = LIM - 1, .size = 1 },
		{ .kind = EV_UNMAP, .va = LIM - 1, .len = 1 },
		{ .kind = EV_PROTECT, .va = 0x1000, .len = 0x5000, .prot = PERM_W | PERM_X },
		{ .kind = EV_PROTECT, .va = 0x1000, .len = 0x5000, .prot = 0 },
	};
	struct trace *t;
	struct ev *v;
	size_t n;
	if (trace_open_gen(&t, "multiproc:of=zipf,procs=3,quantum=1000,n=20000,rw=0.3,ifrac=0.1,page=2M,seed=5") < 0)
		return 0;
	read_all(t, 999, &v, &n);
	trace_close(t);
	v = realloc(v, (n + ARRAY_SIZE(fixed)) * sizeof *v);
	memcpy(v + n, fixed, sizeof fixed);
	*out = v;
	return n + ARRAY_SIZE(fixed);
}

static void roundtrip(enum trace_fmt fmt, bool gz, const char *name)
{
	struct ev *v, *back;
	size_t n = sample_events(&v), m;
	const char *path = tmp_path(name);
	enum trace_fmt got = FMT_AUTO;
	char *err, *raw;
	size_t len;

	REQUIRE(n > 20000);
	CHECK_EQ(write_events(path, fmt, gz, v, n), 0);
	raw = read_whole(path, &len);
	REQUIRE(raw && len > 12);
	if (gz) {
		CHECK_EQ((u8)raw[0], 0x1f);
		CHECK_EQ((u8)raw[1], 0x8b);
	} else if (fmt == FMT_BIN) {
		CHECK(!memcmp(raw, "MMUSIMT1\x01\0\0\0", 12));
	} else {
		const char *head = "CTX 1\nMAP 0x7f0000000000 0x4000000 rwx 2M\n";
		CHECK(!strncmp(raw, head, strlen(head)));
	}
	free(raw);
	CHECK_EQ(load(path, FMT_AUTO, &back, &m, &got, &err), 0);
	CHECK_EQ(got, fmt);
	CHECK_EQ(strlen(err), 0);
	check_events(back, m, v, n);
	free(back);
	free(err);
	/* forced format, tiny batches */
	{
		struct trace *t;
		REQUIRE(trace_open(&t, path, fmt) == 0);
		CHECK_EQ(read_all(t, 1, &back, &m), 0);
		check_events(back, m, v, n);
		free(back);
		trace_close(t);
	}
	free(v);
}

TEST(trace_bin_roundtrip_gzip) { roundtrip(FMT_BIN, true, "rt.bin.gz"); }
TEST(trace_bin_roundtrip_plain) { roundtrip(FMT_BIN, false, "rt.bin"); }
TEST(trace_text_roundtrip_gzip) { roundtrip(FMT_TEXT, true, "rt.txt.gz"); }
TEST(trace_text_roundtrip_plain) { roundtrip(FMT_TEXT, false, "rt.txt"); }

/* The binary layout of docs/trace-format.md, written byte by byte. */
TEST(trace_bin_layout)
{
	static const u8 bytes[] = {
		'M', 'M', 'U', 'S', 'I', 'M', 'T', '1', 1, 0, 0, 0,
		0x04, 0x80, 0x40, 0x08,       /* R, size follows: zigzag(+0x1000) = 0x2000; size 8 */
		0x01, 0x10,                   /* W: zigzag(+8) = 16 */
		0x03, 0x1f,                   /* M: zigzag(-16) = 31 */
		0x06, 0x00, 0x02,             /* I, size follows: delta 0, size 2 */
		0x84, 0x05, 0x01, 0x80, 0x80, 0x40, 0x80, 0x80, 0x01,
		                              /* MAP r-x 2M va 0x100000 len 0x4000 */
		0x85, 0x00, 0x01,             /* UNMAP 0 1 */
		0x86, 0x02, 0x80, 0x20, 0x80, 0x20, /* PROTECT -w- 0x1000 0x1000 */
		0x87, 0x05,                   /* CTX 5 */
		0x88, 0x80, 0x01,             /* VM 128 */
		0x00, 0x00,                   /* R, delta 0, size stays 2 */
		0xff, 0x0a,                   /* END, 10 events */
	};
	const struct ev want[] = {
		acc(EV_R, 0x1000, 8), acc(EV_W, 0x1008, 8), acc(EV_M, 0xff8, 8), acc(EV_I, 0xff8, 2),
		region(EV_MAP, 0x100000, 0x4000, PERM_R | PERM_X, PS_2M),
		region(EV_UNMAP, 0, 1, 0, 0),
		region(EV_PROTECT, 0x1000, 0x1000, PERM_W, 0),
		sw(EV_CTX, 5), sw(EV_VM, 128), acc(EV_R, 0xff8, 2),
	};
	const char *path = tmp_path("layout.bin");
	FILE *f = fopen(path, "wb");
	struct ev *v;
	size_t n;
	enum trace_fmt got;
	char *err;
	REQUIRE(f);
	fwrite(bytes, 1, sizeof bytes, f);
	fclose(f);
	CHECK_EQ(load(path, FMT_AUTO, &v, &n, &got, &err), 0);
	CHECK_EQ(got, FMT_BIN);
	CHECK_EQ(strlen(err), 0);
	check_events(v, n, want, ARRAY_SIZE(want));
	free(v);
	free(err);

	/* and the writer (which puts instructions in the PC stream, see
	 * test_formats.c) gives the same events back */
	CHECK_EQ(write_events(tmp_path("layout2.bin"), FMT_BIN, false, want, ARRAY_SIZE(want)), 0);
	CHECK_EQ(load(tmp_path("layout2.bin"), FMT_AUTO, &v, &n, &got, &err), 0);
	check_events(v, n, want, ARRAY_SIZE(want));
	free(v);
	free(err);
}

static void write_bytes(const char *path, const u8 *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(b, 1, n, f);
		fclose(f);
	}
}

static void expect_bin_error(const u8 *b, size_t len, enum trace_fmt fmt, const char *what, size_t good)
{
	const char *path = tmp_path("badbin");
	struct ev *v;
	size_t n;
	char *err, expect[400];
	int r;
	write_bytes(path, b, len);
	r = load(path, fmt, &v, &n, NULL, &err);
	snprintf(expect, sizeof expect, "mmusim: %s: %s", path, what);
	CHECK_EQ(r, -EINVAL);
	if (!err || strncmp(err, expect, strlen(expect)) || count_lines(err) != 1)
		test_fail(__FILE__, __LINE__, "message [%s], want [%s...]", err ? err : "", expect);
	CHECK_EQ(n, good);
	free(v);
	free(err);
}

TEST(trace_bin_errors)
{
	u8 b[64] = { 'M', 'M', 'U', 'S', 'I', 'M', 'T', '1', 1, 0, 0, 0 };
	size_t h = 12;

	/* header only: no end record */
	expect_bin_error(b, h, FMT_AUTO, "record 1: truncated: no end record", 0);
	/* a record cut in its varint */
	b[h] = 0x00, b[h + 1] = 0x80;
	expect_bin_error(b, h + 2, FMT_AUTO, "record 1: truncated: no end record", 0);
	/* one event, then END cut before its count */
	b[h] = 0x00, b[h + 1] = 0x10, b[h + 2] = 0xff;
	expect_bin_error(b, h + 3, FMT_AUTO, "record 2: truncated: no end record", 1);
	/* END count wrong */
	b[h + 3] = 0x02;
	expect_bin_error(b, h + 4, FMT_AUTO, "record 2: end record counts 2 events, file has 1", 1);
	/* data after END */
	b[h + 3] = 0x01, b[h + 4] = 0x00;
	expect_bin_error(b, h + 5, FMT_AUTO, "data after end record", 1);
	/* bad tag */
	b[h + 2] = 0x40;
	expect_bin_error(b, h + 5, FMT_AUTO, "record 2: bad record tag 0x40", 1);
	b[h + 2] = 0x8f;
	expect_bin_error(b, h + 5, FMT_AUTO, "record 2: bad record tag 0x8f", 1);
	/* size out of range: R with size 0, then 4097 (0x81 0x20) */
	b[h] = 0x04, b[h + 1] = 0x00, b[h + 2] = 0x00, b[h + 3] = 0xff, b[h + 4] = 0x01;
	expect_bin_error(b, h + 5, FMT_AUTO, "record 1: size out of range 1..4096", 0);
	b[h + 2] = 0x81, b[h + 3] = 0x20, b[h + 4] = 0xff, b[h + 5] = 0x01;
	expect_bin_error(b, h + 6, FMT_AUTO, "record 1: size out of range 1..4096", 0);
	/* address beyond 57 bits: delta -1 from 0 (zigzag 1) */
	b[h] = 0x00, b[h + 1] = 0x01, b[h + 2] = 0xff, b[h + 3] = 0x01;
	expect_bin_error(b, h + 4, FMT_AUTO, "record 1: address beyond 57 bits", 0);
	/* MAP with length 0 and bad page size; CTX id beyond 32 bits */
	b[h] = 0x84, b[h + 1] = 3, b[h + 2] = 0xff, b[h + 3] = 0, b[h + 4] = 0, b[h + 5] = 0xff, b[h + 6] = 1;
	expect_bin_error(b, h + 7, FMT_AUTO, "record 1: length 0", 0);
	b[h + 2] = 3, b[h + 4] = 1;
	expect_bin_error(b, h + 7, FMT_AUTO, "record 1: bad page size", 0);
	b[h] = 0x87, b[h + 1] = 0x80, b[h + 2] = 0x80, b[h + 3] = 0x80, b[h + 4] = 0x80, b[h + 5] = 0x10,
		b[h + 6] = 0xff, b[h + 7] = 1;
	expect_bin_error(b, h + 8, FMT_AUTO, "record 1: id beyond 32 bits", 0);
	/* a varint of ten bytes */
	memset(b + h + 1, 0x80, 10);
	b[h] = 0x00, b[h + 11] = 0x01, b[h + 12] = 0xff, b[h + 13] = 1;
	expect_bin_error(b, h + 14, FMT_AUTO, "record 1: bad varint", 0);
	/* header problems */
	b[8] = 2;
	expect_bin_error(b, h + 14, FMT_AUTO, "unsupported binary trace version 2", 0);
	b[8] = 1, b[10] = 1;
	expect_bin_error(b, h + 14, FMT_AUTO, "bad header (reserved bytes not zero)", 0);
	expect_bin_error(b, 10, FMT_AUTO, "truncated header", 0);
	expect_bin_error((const u8 *)"R 1000\n", 7, FMT_BIN, "not a mmusim binary trace (bad magic)", 0);
	expect_bin_error((const u8 *)"", 0, FMT_BIN, "not a mmusim binary trace (bad magic)", 0);
}

/* Every cut of a plain binary file is detected. */
TEST(trace_bin_truncated_plain)
{
	struct ev *v;
	size_t n, len;
	const char *full = tmp_path("full.bin"), *cut = tmp_path("cut.bin");
	REQUIRE(load_gen("uniform:n=3000,rw=0.5,seed=3", &v, &n, NULL) == 0);
	CHECK_EQ(write_events(full, FMT_BIN, false, v, n), 0);
	free(v);
	len = file_size(full);
	REQUIRE(len > 200);
	for (size_t k = 1; k <= 64; k++) {
		char *err;
		int r;
		truncate_copy(full, cut, len - k);
		r = load(cut, FMT_AUTO, &v, &n, NULL, &err);
		if (r != -EINVAL || !strstr(err, "truncated: no end record") || count_lines(err) != 1)
			test_fail(__FILE__, __LINE__, "cut %zu bytes: r=%d [%s]", k, r, err);
		CHECK(n <= 3001);   /* MAP + 3000 accesses, never more */
		free(v);
		free(err);
	}
}

TEST(trace_bin_truncated_gzip)
{
	struct ev *v, *back;
	size_t n, m, len;
	const char *full = tmp_path("full.bin.gz"), *cut = tmp_path("cut.bin.gz");
	char *err;
	REQUIRE(load_gen("uniform:n=200000,rw=0.5,seed=3", &v, &n, NULL) == 0);
	CHECK_EQ(write_events(full, FMT_BIN, true, v, n), 0);
	len = file_size(full);
	REQUIRE(len > 100000);
	/* cut in the middle, near the end (in the gzip trailer), and after the header */
	{
		size_t cuts[] = { len / 2, len - 4, len - 1, 20 };
		for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
			truncate_copy(full, cut, cuts[i]);
			CHECK_EQ(load(cut, FMT_AUTO, &back, &m, NULL, &err), -EIO);
			CHECK_STR_CONTAINS(err, "truncated gzip stream");
			CHECK_EQ(count_lines(err), 1);
			CHECK(m < n);
			for (size_t j = 0; j < m; j++)
				if (!ev_eq(&back[j], &v[j])) {
					test_fail(__FILE__, __LINE__, "cut %zu: event %zu differs", cuts[i], j);
					break;
				}
			free(back);
			free(err);
		}
	}
	/* a gzip-compressed text file cut short fails the same way */
	CHECK_EQ(write_events(tmp_path("t.txt.gz"), FMT_TEXT, true, v, n), 0);
	truncate_copy(tmp_path("t.txt.gz"), cut, file_size(tmp_path("t.txt.gz")) / 2);
	CHECK_EQ(load(cut, FMT_AUTO, &back, &m, NULL, &err), -EIO);
	CHECK_STR_CONTAINS(err, "truncated gzip stream");
	free(back);
	free(err);
	free(v);
}

TEST(trace_lackey_sample)
{
	const char *path = test_write_file("lk.out",
		"==12345== Lackey, an example Valgrind tool\n"
		"==12345== Copyright (C) 2002-2017, and GNU GPL'd, by Nicholas Nethercote.\n"
		"==12345== Command: /bin/true\n"
		"==12345== \n"
		"I  04010173,3\n"
		" L 04222cac,8\n"
		" S 0bebf8a8,8\n"
		" M 0421c7f0,4\n"
		"I  1ffefffd80,16\n"
		"\n"
		" L 7ff000010,32\n"
		"==12345== \n"
		"==12345== Counted 1 call to main()\n");
	const struct ev want[] = {
		acc(EV_I, 0x04010173, 3), accpc(EV_R, 0x04222cac, 8, 0x04010173),
		accpc(EV_W, 0x0bebf8a8, 8, 0x04010173), accpc(EV_M, 0x0421c7f0, 4, 0x04010173),
		acc(EV_I, 0x1ffefffd80, 16), accpc(EV_R, 0x7ff000010, 32, 0x1ffefffd80),
	};
	struct ev *v;
	size_t n;
	enum trace_fmt got;
	char *err;
	CHECK_EQ(load(path, FMT_AUTO, &v, &n, &got, &err), 0);
	CHECK_EQ(got, FMT_LACKEY);
	CHECK_EQ(strlen(err), 0);
	check_events(v, n, want, ARRAY_SIZE(want));
	free(v);
	free(err);
}

static void expect_lackey_error(const char *body, int line, const char *what, size_t good)
{
	char expect[400];
	const char *path = test_write_file("badlk.out", body);
	struct ev *v;
	size_t n;
	char *err;
	CHECK_EQ(load(path, FMT_LACKEY, &v, &n, NULL, &err), -EINVAL);
	snprintf(expect, sizeof expect, "mmusim: %s:%d: %s", path, line, what);
	if (!err || strncmp(err, expect, strlen(expect)) || count_lines(err) != 1)
		test_fail(__FILE__, __LINE__, "[%s]: message [%s], want [%s]", body, err ? err : "", expect);
	CHECK_EQ(n, good);
	free(v);
	free(err);
}

TEST(trace_lackey_errors)
{
	expect_lackey_error("==1== x\nI  0400,3\n L 04222cac\n", 3, "malformed lackey line", 1);
	expect_lackey_error(" X 1234,4\n", 1, "malformed lackey line", 0);
	expect_lackey_error(" L 12zz,4\n", 1, "malformed lackey line", 0);
	expect_lackey_error(" L ,4\n", 1, "malformed lackey line", 0);
	expect_lackey_error(" L 1234,\n", 1, "malformed lackey line", 0);
	expect_lackey_error(" L 1234,4 x\n", 1, "malformed lackey line", 0);
	expect_lackey_error(" L1234,4\n", 1, "malformed lackey line", 0);
	expect_lackey_error("hello world\n", 1, "malformed lackey line", 0);
	expect_lackey_error(" L 1234,0\n", 1, "bad size", 0);
	expect_lackey_error(" S 1234,5000\n", 1, "bad size", 0);
	expect_lackey_error(" S 200000000000000,4\n", 1, "address beyond 57 bits", 0);
}

static enum trace_fmt detect(const char *path)
{
	struct trace *t;
	enum trace_fmt f;
	if (trace_open(&t, path, FMT_AUTO) < 0)
		return FMT_GEN;
	f = trace_format(t);
	trace_close(t);
	return f;
}

static void gzip_file(const char *src, const char *dst)
{
	size_t len;
	char *b = read_whole(src, &len);
	gzFile g = gzopen(dst, "wb");
	gzwrite(g, b, (unsigned)len);
	gzclose(g);
	free(b);
}

TEST(trace_autodetect)
{
	const char *txt = test_write_file("d.txt", "# header\nR 1000 8\n");
	const char *lk1 = test_write_file("d1.lk", "==9== Lackey\nI  0400,3\n");
	const char *lk2 = test_write_file("d2.lk", "\n# comment\nI  04010173,3\n L 0400,8\n");
	const char *lk3 = test_write_file("d3.lk", " S 0bebf8a8,8\n");
	const char *empty = test_write_file("d.empty", "");
	const char *comments = test_write_file("d.comments", "# only\n\n");
	struct ev e = acc(EV_R, 0x1000, 8);
	struct ev *v;
	size_t n;
	char *err;

	CHECK_EQ(detect(txt), FMT_TEXT);
	CHECK_EQ(detect(lk1), FMT_LACKEY);
	CHECK_EQ(detect(lk2), FMT_LACKEY);
	CHECK_EQ(detect(lk3), FMT_LACKEY);
	CHECK_EQ(detect(empty), FMT_TEXT);
	CHECK_EQ(detect(comments), FMT_TEXT);
	gzip_file(txt, tmp_path("d.txt.gz"));
	CHECK_EQ(detect(tmp_path("d.txt.gz")), FMT_TEXT);
	gzip_file(lk1, tmp_path("d1.lk.gz"));
	CHECK_EQ(detect(tmp_path("d1.lk.gz")), FMT_LACKEY);
	CHECK_EQ(write_events(tmp_path("d.bin"), FMT_BIN, false, &e, 1), 0);
	CHECK_EQ(detect(tmp_path("d.bin")), FMT_BIN);
	CHECK_EQ(write_events(tmp_path("d.bin.gz"), FMT_BIN, true, &e, 1), 0);
	CHECK_EQ(detect(tmp_path("d.bin.gz")), FMT_BIN);

	/* gzip text reads back exactly */
	CHECK_EQ(load(tmp_path("d.txt.gz"), FMT_AUTO, &v, &n, NULL, NULL), 0);
	check_events(v, n, &e, 1);
	free(v);
	/* empty input: no events, no error */
	CHECK_EQ(load(empty, FMT_AUTO, &v, &n, NULL, &err), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(strlen(err), 0);
	free(v);
	free(err);
	/* a forced format wins over detection */
	CHECK_EQ(load(lk1, FMT_TEXT, &v, &n, NULL, &err), -EINVAL);
	CHECK_STR_CONTAINS(err, ":1: unknown keyword '==9=='");
	free(v);
	free(err);
	CHECK_EQ(load(txt, FMT_LACKEY, &v, &n, NULL, &err), -EINVAL);
	CHECK_STR_CONTAINS(err, ":2: malformed lackey line");
	free(v);
	free(err);
}

TEST(trace_open_errors)
{
	struct trace *t = (struct trace *)1;
	struct cap c;
	char *err, expect[400];
	const char *path = tmp_path("no/such/file");
	int r;

	cap_begin(&c);
	r = trace_open(&t, path, FMT_AUTO);
	err = cap_end(&c);
	CHECK_EQ(r, -ENOENT);
	CHECK(t == NULL);
	snprintf(expect, sizeof expect, "mmusim: %s: No such file or directory\n", path);
	CHECK(!strcmp(err, expect));
	free(err);

	cap_begin(&c);
	r = trace_open(&t, test_tmpdir(), FMT_AUTO);
	err = cap_end(&c);
	CHECK(r < 0);
	CHECK_STR_CONTAINS(err, "Is a directory");
	CHECK_EQ(count_lines(err), 1);
	free(err);
}

TEST(trace_stdin)
{
	const char *path = test_write_file("in.txt", "W 2000 4\nCTX 3\n");
	const struct ev want[] = { acc(EV_W, 0x2000, 4), sw(EV_CTX, 3) };
	int saved = dup(0), fd = open(path, O_RDONLY);
	struct trace *t;
	struct ev *v;
	size_t n;
	REQUIRE(saved >= 0 && fd >= 0);
	dup2(fd, 0);
	close(fd);
	CHECK_EQ(trace_open(&t, "-", FMT_AUTO), 0);
	dup2(saved, 0);
	close(saved);
	if (!t)
		return;
	CHECK(!strcmp(trace_name(t), "<stdin>"));
	CHECK_EQ(read_all(t, 4096, &v, &n), 0);
	check_events(v, n, want, 2);
	free(v);
	trace_close(t);
}

TEST(trace_fmt_names)
{
	enum trace_fmt f = FMT_GEN;
	CHECK_EQ(trace_fmt_parse("auto", &f), 0);
	CHECK_EQ(f, FMT_AUTO);
	CHECK_EQ(trace_fmt_parse("text", &f), 0);
	CHECK_EQ(f, FMT_TEXT);
	CHECK_EQ(trace_fmt_parse("bin", &f), 0);
	CHECK_EQ(f, FMT_BIN);
	CHECK_EQ(trace_fmt_parse("lackey", &f), 0);
	CHECK_EQ(f, FMT_LACKEY);
	CHECK_EQ(trace_fmt_parse("LACKEY", &f), 0);
	CHECK_EQ(f, FMT_LACKEY);
	CHECK_EQ(trace_fmt_parse("gz", &f), -EINVAL);
	CHECK_EQ(trace_fmt_parse("", &f), -EINVAL);
	CHECK(!strcmp(trace_fmt_name(FMT_BIN), "bin"));
	CHECK(!strcmp(trace_fmt_name(FMT_GEN), "gen"));
}

TEST(trace_ev_format)
{
	char b[128];
	struct ev e;
#define FMT_IS(ev, s) do { e = (ev); CHECK(ev_format(&e, b, sizeof b) == (int)strlen(s)); \
	if (strcmp(b, s)) test_fail(__FILE__, __LINE__, "[%s] != [%s]", b, s); } while (0)
	FMT_IS(acc(EV_R, 0x1000, 1), "R 0x1000 1");
	FMT_IS(acc(EV_W, 0x7f0000001008, 8), "W 0x7f0000001008 8");
	FMT_IS(acc(EV_I, 0, 4096), "I 0x0 4096");
	FMT_IS(acc(EV_M, LIM - 1, 1), "M 0x1ffffffffffffff 1");
	FMT_IS(region(EV_MAP, 0x200000, 0x400000, PERM_R | PERM_W, PS_2M), "MAP 0x200000 0x400000 rw- 2M");
	FMT_IS(region(EV_MAP, 0x1000, 0x1000, PERM_R | PERM_X, PSZ_ANY), "MAP 0x1000 0x1000 r-x");
	FMT_IS(region(EV_UNMAP, 0x1000, 0x2000, 0, 0), "UNMAP 0x1000 0x2000");
	FMT_IS(region(EV_PROTECT, 0x1000, 0x2000, 0, 0), "PROTECT 0x1000 0x2000 ---");
	FMT_IS(sw(EV_CTX, 42), "CTX 42");
	FMT_IS(sw(EV_VM, 4294967295u), "VM 4294967295");
#undef FMT_IS
	e = sw(EV_KIND_NR, 0);
	CHECK_EQ(ev_format(&e, b, sizeof b), -EINVAL);
}

TEST(trace_writer_rejects)
{
	struct trace_writer *w;
	struct ev bad[] = {
		acc(EV_R, 0x1000, 0), acc(EV_R, LIM, 1), region(EV_MAP, 0, 0, 3, PSZ_ANY),
		region(EV_MAP, 0, 1, 3, 7), region(EV_PROTECT, 0, 1, PERM_U, 0), sw(EV_KIND_NR, 0),
	};
	struct cap c;
	char *err;
	REQUIRE(trace_writer_open(&w, tmp_path("rej.bin"), FMT_BIN, false) == 0);
	cap_begin(&c);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ(trace_writer_put(w, &bad[i]), -EINVAL);
	err = cap_end(&c);
	CHECK_EQ(count_lines(err), (int)ARRAY_SIZE(bad));
	CHECK_STR_CONTAINS(err, "cannot write invalid event (size out of range 1..4096)");
	free(err);
	CHECK_EQ(trace_writer_close(w), 0);
	/* the file holds zero events and an end record */
	{
		struct ev *v;
		size_t n;
		CHECK_EQ(load(tmp_path("rej.bin"), FMT_AUTO, &v, &n, NULL, NULL), 0);
		CHECK_EQ(n, 0);
		free(v);
	}
	cap_begin(&c);
	CHECK_EQ(trace_writer_open(&w, tmp_path("x.lk"), FMT_LACKEY, false), -EINVAL);
	err = cap_end(&c);
	CHECK_EQ(count_lines(err), 1);
	free(err);
}

/* A long text trace crosses many buffer refills; line numbers stay right. */
TEST(trace_text_many_lines)
{
	const char *path = tmp_path("many.txt");
	FILE *f = fopen(path, "w");
	struct ev *v;
	size_t n;
	char *err, want[64];
	REQUIRE(f);
	for (int i = 0; i < 200000; i++)
		fprintf(f, "R %x 8\n", 0x1000 + i * 8);
	fprintf(f, "R nothex\n");
	fclose(f);
	CHECK_EQ(load(path, FMT_AUTO, &v, &n, NULL, &err), -EINVAL);
	CHECK_EQ(n, 200000);
	CHECK_EQ(v[199999].va, 0x1000 + 199999 * 8);
	snprintf(want, sizeof want, ":200001: bad address 'nothex'");
	CHECK_STR_CONTAINS(err, want);
	free(v);
	free(err);
}

/* A damaged byte inside a gzip stream: the read fails with one message. */
TEST(trace_gzip_corrupt)
{
	struct ev *v;
	size_t n, len;
	const char *full = tmp_path("c.bin.gz");
	char *raw, *err;
	int r;
	REQUIRE(load_gen("seq:n=50000", &v, &n, NULL) == 0);
	CHECK_EQ(write_events(full, FMT_BIN, true, v, n), 0);
	free(v);
	raw = read_whole(full, &len);
	REQUIRE(raw && len > 100);
	raw[len - 6] ^= 0x55;             /* inside the CRC-32 of the trailer */
	{
		FILE *f = fopen(full, "wb");
		REQUIRE(f);
		fwrite(raw, 1, len, f);
		fclose(f);
	}
	free(raw);
	r = load(full, FMT_AUTO, &v, &n, NULL, &err);
	CHECK_EQ(r, -EIO);
	CHECK_STR_CONTAINS(err, "corrupt gzip stream");
	CHECK_EQ(count_lines(err), 1);
	free(v);
	free(err);
}

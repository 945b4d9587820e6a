/*
 * test_formats.c - PCs and objects in the binary and text formats, the
 * ChampSim reader and writer, xz and zstd input, format detection and its
 * messages, `mmusim convert`. Expected bytes and events are written by
 * hand from docs/trace-format.md and ChampSim's record layout.
 */
#include "trace_util.h"
#include "../../workloads/elf.h"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

static struct ev A(int kind, u64 va, u32 size, u64 pc)
{
	return (struct ev){ .kind = (u8)kind, .va = va, .size = size, .pc = pc };
}

static void expect_events(const struct ev *got, size_t n, const struct ev *want, size_t m)
{
	CHECK_EQ(n, m);
	for (size_t i = 0; i < MIN(n, m); i++) {
		if (!ev_eq(&got[i], &want[i])) {
			char a[160], b[160];
			ev_format(&got[i], a, sizeof a);
			ev_format(&want[i], b, sizeof b);
			test_fail(__FILE__, __LINE__, "event %zu: got [%s] want [%s]", i, a, b);
		}
	}
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	REQUIRE(f);
	fwrite(p, 1, n, f);
	fclose(f);
}

/* A PC-carrying access stream and an object, byte by byte. */
TEST(formats_bin_pc_layout)
{
	static const u8 bytes[] = {
		'M', 'M', 'U', 'S', 'I', 'M', 'T', '1', 1, 0, 0, 0,
		0x16, 0x80, 0x40, 0x04,       /* I, PC stream, size follows: fall-through 0 + 0x1000, size 4 */
		0x14, 0x80, 0x80, 0x01, 0x08, /* R with PC, size follows: data 0 + 0x2000, size 8, pc 0x1000 */
		0x11, 0x10,                   /* W with PC: +8 -> 0x2008, pc 0x1000 */
		0x19, 0x0f, 0x20,             /* W, PC delta: -8 -> 0x2000, pc + 16 -> 0x1010 */
		0x04, 0x80, 0x80, 0x01, 0x08, /* R legacy (no PC), size follows: 0 + 0x2000, size 8 */
		0x13, 0x00,                   /* M with PC: data 0x2000 (the legacy R is apart), pc 0x1010 */
		0x22,                         /* I at the fall-through 0x1010 + 4, size 2 */
		0x90, 0x80, 0x80, 0x04,       /* OBJ bias 0x10000 */
		0x03, '/', 'a', 'b',          /* path "/ab" */
		0x02,                         /* 2 segments */
		0x05, 0x80, 0x80, 0x04, 0x80, 0x20,   /* r-x 0x10000 0x1000 */
		0x03, 0x80, 0xa0, 0x04, 0x80, 0x01,   /* rw- 0x11000 0x80 */
		0xff, 0x08,                   /* END, 8 events */
	};
	const struct ev want[] = {
		A(EV_I, 0x1000, 4, 0), A(EV_R, 0x2000, 8, 0x1000), A(EV_W, 0x2008, 8, 0x1000),
		A(EV_W, 0x2000, 8, 0x1010), A(EV_R, 0x2000, 8, 0), A(EV_M, 0x2000, 8, 0x1010),
		A(EV_I, 0x1014, 2, 0), { .kind = EV_OBJ, .size = 0 },
	};
	const char *path = tmp_path("pc.bin");
	struct trace *t;
	struct trace_writer *w;
	struct ev *v;
	size_t n, len;
	const struct trace_obj *o;
	char *raw;

	write_bytes(path, bytes, sizeof bytes);
	REQUIRE(trace_open(&t, path, FMT_AUTO) == 0);
	CHECK_EQ(read_all(t, 3, &v, &n), 0);
	expect_events(v, n, want, ARRAY_SIZE(want));
	CHECK_EQ(trace_nobjs(t), 1);
	o = trace_object(t, 0);
	REQUIRE(o);
	CHECK_STR_EQ(o->path, "/ab");
	CHECK_EQ(o->bias, 0x10000);
	CHECK_EQ(o->nseg, 2);
	CHECK_EQ(o->seg[0].va, 0x10000);
	CHECK_EQ(o->seg[0].len, 0x1000);
	CHECK_EQ(o->seg[0].prot, PERM_R | PERM_X);
	CHECK_EQ(o->seg[1].va, 0x11000);
	CHECK_EQ(o->seg[1].len, 0x80);
	CHECK_EQ(o->seg[1].prot, PERM_R | PERM_W);

	/* the writer produces these bytes again */
	REQUIRE(trace_writer_open(&w, tmp_path("pc2.bin"), FMT_BIN, false) == 0);
	for (size_t i = 0; i + 1 < n; i++)
		CHECK_EQ(trace_writer_put(w, &v[i]), 0);
	CHECK_EQ(trace_writer_put_obj(w, o), 0);
	CHECK_EQ(trace_writer_close(w), 0);
	raw = read_whole(tmp_path("pc2.bin"), &len);
	CHECK_EQ(len, sizeof bytes);
	CHECK(raw && !memcmp(raw, bytes, MIN(len, sizeof bytes)));
	free(raw);
	free(v);
	trace_close(t);
}

/* Text and bin keep PCs and objects through a round trip. */
TEST(formats_text_pc_obj_roundtrip)
{
	const char *txt = test_write_file("pc.txt",
		"I 0x401000 3\n"
		"R 0x7000 8 pc=0x401000\n"
		"W 0x7008 pc=0x401003\n"
		"OBJ /usr/lib/my%20lib.so 0x7f0000000000 r-x 0x7f0000001000 0x2000 rw- 0x7f0000003000 0x100\n"
		"M 0x7010 4\n");
	const struct ev want[] = {
		A(EV_I, 0x401000, 3, 0), A(EV_R, 0x7000, 8, 0x401000), A(EV_W, 0x7008, 1, 0x401003),
		{ .kind = EV_OBJ, .size = 0 }, A(EV_M, 0x7010, 4, 0),
	};
	const char *out[2] = { tmp_path("pc-rt.bin"), tmp_path("pc-rt.txt") };
	enum trace_fmt fmts[2] = { FMT_BIN, FMT_TEXT };

	for (int k = 0; k < 2; k++) {
		struct trace *t, *u;
		struct trace_writer *w;
		struct ev *v, *b;
		size_t n, m;
		REQUIRE(trace_open(&t, txt, FMT_AUTO) == 0);
		CHECK_EQ(read_all(t, 4096, &v, &n), 0);
		expect_events(v, n, want, ARRAY_SIZE(want));
		REQUIRE(trace_writer_open(&w, out[k], fmts[k], k == 0) == 0);
		for (size_t i = 0; i < n; i++)
			CHECK_EQ(v[i].kind == EV_OBJ ? trace_writer_put_obj(w, trace_object(t, v[i].size))
						     : trace_writer_put(w, &v[i]), 0);
		CHECK_EQ(trace_writer_close(w), 0);
		REQUIRE(trace_open(&u, out[k], FMT_AUTO) == 0);
		CHECK_EQ(trace_format(u), fmts[k]);
		CHECK_EQ(read_all(u, 1, &b, &m), 0);
		expect_events(b, m, want, ARRAY_SIZE(want));
		REQUIRE(trace_nobjs(u) == 1);
		CHECK_STR_EQ(trace_object(u, 0)->path, "/usr/lib/my lib.so");
		CHECK_EQ(trace_object(u, 0)->bias, 0x7f0000000000ull);
		CHECK_EQ(trace_object(u, 0)->seg[1].len, 0x100);
		free(v);
		free(b);
		trace_close(t);
		trace_close(u);
	}
}

static void put64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* Three ChampSim records laid out by hand: offsets 0 ip, 8 is_branch,
 * 9 branch_taken, 10..11 destination registers, 12..15 source registers,
 * 16..31 destination memory, 32..63 source memory. */
static size_t handmade(u8 *b)
{
	memset(b, 0, 3 * 64);
	put64(b + 0, 0x401000);                 /* a load and a store */
	b[10] = 1; b[12] = 2; b[13] = 3;         /* registers are read, not used */
	put64(b + 16, 0x7ff000);
	put64(b + 32, 0x600010);
	put64(b + 64, 0x401004);                /* a taken branch, no memory */
	b[64 + 8] = 1; b[64 + 9] = 1;
	put64(b + 128, 0x401010);               /* 4 loads, 2 stores */
	put64(b + 128 + 16, 0x9000);
	put64(b + 128 + 24, 0x9008);
	for (int i = 0; i < 4; i++)
		put64(b + 128 + 32 + 8 * i, 0xa000 + 8 * (u64)i);
	return 3 * 64;
}

TEST(formats_champsim_handmade)
{
	u8 b[3 * 64];
	size_t len = handmade(b);
	const struct ev want[] = {
		A(EV_I, 0x401000, 1, 0), A(EV_R, 0x600010, 1, 0x401000), A(EV_W, 0x7ff000, 1, 0x401000),
		A(EV_I, 0x401004, 1, 0),
		A(EV_I, 0x401010, 1, 0), A(EV_R, 0xa000, 1, 0x401010), A(EV_R, 0xa008, 1, 0x401010),
		A(EV_R, 0xa010, 1, 0x401010), A(EV_R, 0xa018, 1, 0x401010), A(EV_W, 0x9000, 1, 0x401010),
		A(EV_W, 0x9008, 1, 0x401010),
	};
	const char *path = tmp_path("hand.champsim");
	struct ev *v;
	size_t n;
	enum trace_fmt got;
	char *err, *raw;
	size_t rlen;

	write_bytes(path, b, len);
	CHECK_EQ(load(path, FMT_AUTO, &v, &n, &got, &err), 0);
	CHECK_EQ(got, FMT_CHAMPSIM);
	CHECK_STR_EQ(err, "");
	expect_events(v, n, want, ARRAY_SIZE(want));
	/* the writer gives the records back, without registers and branches */
	CHECK_EQ(write_events(tmp_path("hand2.champsim"), FMT_CHAMPSIM, false, v, n), 0);
	raw = read_whole(tmp_path("hand2.champsim"), &rlen);
	CHECK_EQ(rlen, len);
	b[10] = b[12] = b[13] = 0;
	b[64 + 8] = b[64 + 9] = 0;
	CHECK(raw && !memcmp(raw, b, MIN(rlen, len)));
	free(raw);
	free(v);
	free(err);
}

/* Generator events to ChampSim and back: the counts of instructions, loads
 * and stores read match the records exactly, and ChampSim -> bin ->
 * ChampSim (plain and .xz) gives the same records. */
TEST(formats_champsim_roundtrip)
{
	struct ev *v, *b, *c;
	size_t n, m, k, i, rlen;
	u64 ni = 0, nr = 0, nw = 0, recs, ci = 0, cr = 0, cw = 0;
	u8 *raw;
	char cmd[1024];

	REQUIRE(load_gen("uniform:n=3000,footprint=1M,rw=0.4,ifrac=0.3,seed=3", &v, &n, NULL) == 0);
	CHECK_EQ(write_events(tmp_path("g.champsim"), FMT_CHAMPSIM, false, v, n), 0);
	CHECK_EQ(load(tmp_path("g.champsim"), FMT_AUTO, &b, &m, NULL, NULL), 0);
	raw = (u8 *)read_whole(tmp_path("g.champsim"), &rlen);
	REQUIRE(raw);
	CHECK_EQ(rlen % 64, 0);
	recs = rlen / 64;
	for (i = 0; i < recs; i++) {
		const u8 *r = raw + 64 * i;
		u64 ip = 0;
		for (int j = 7; j >= 0; j--)
			ip = ip << 8 | r[j];
		ci += ip != 0;
		for (int s = 0; s < 6; s++) {
			u64 a = 0;
			for (int j = 7; j >= 0; j--)
				a = a << 8 | r[16 + 8 * s + j];
			if (a)
				*(s < 2 ? &cw : &cr) += 1;
		}
	}
	for (i = 0; i < m; i++) {
		ni += b[i].kind == EV_I;
		nr += b[i].kind == EV_R;
		nw += b[i].kind == EV_W;
	}
	CHECK_EQ(ni, ci);
	CHECK_EQ(nr, cr);
	CHECK_EQ(nw, cw);
	/* every generator data access is one operand; instructions are the
	 * generator's I events plus records opened for operands beyond an
	 * instruction's 4 sources and 2 destinations */
	{
		u64 gi = 0, gd = 0;
		for (i = 0; i < n; i++) {
			gi += v[i].kind == EV_I;
			gd += v[i].kind == EV_R || v[i].kind == EV_W;
		}
		CHECK_EQ(nr + nw, gd);
		CHECK(ni >= gi && ni <= gi + gd);
	}
	/* ChampSim -> bin -> ChampSim (.xz) gives the same records */
	snprintf(cmd, sizeof cmd, "%s convert %s -o %s && %s convert %s -o %s --format champsim && "
		 "%s convert %s -o %s --format champsim", test_mmusim(), tmp_path("g.champsim"), tmp_path("g.bin"),
		 test_mmusim(), tmp_path("g.bin"), tmp_path("g2.champsim.xz"), test_mmusim(),
		 tmp_path("g2.champsim.xz"), tmp_path("g3.champsim"));
	CHECK_EQ(test_run(cmd, NULL, NULL), 0);
	{
		size_t l3;
		char *r3 = read_whole(tmp_path("g3.champsim"), &l3);
		CHECK_EQ(l3, rlen);
		CHECK(r3 && !memcmp(r3, raw, MIN(l3, rlen)));
		free(r3);
		CHECK_EQ(load(tmp_path("g2.champsim.xz"), FMT_AUTO, &c, &k, NULL, NULL), 0);
		expect_events(c, k, b, m);
		free(c);
	}
	free(raw);
	free(v);
	free(b);
}

static void xz_file(const char *src, const char *dst)
{
	size_t len, olen = 0;
	char *b = read_whole(src, &len);
	u8 *out = malloc(len + len / 2 + 4096);
	REQUIRE(b && out);
	REQUIRE(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, (const u8 *)b, len, out, &olen,
					len + len / 2 + 4096) == LZMA_OK);
	write_bytes(dst, out, olen);
	free(b);
	free(out);
}

static void zstd_file(const char *src, const char *dst)
{
	size_t len, cap, olen;
	char *b = read_whole(src, &len);
	void *out;
	REQUIRE(b);
	cap = ZSTD_compressBound(len);
	out = malloc(cap);
	REQUIRE(out);
	olen = ZSTD_compress(out, cap, b, len, 1);
	REQUIRE(!ZSTD_isError(olen));
	write_bytes(dst, out, olen);
	free(b);
	free(out);
}

static void gzip_to(const char *src, const char *dst)
{
	size_t len;
	char *b = read_whole(src, &len);
	gzFile g = gzopen(dst, "wb6");
	REQUIRE(b && g);
	gzwrite(g, b, (unsigned)len);
	gzclose(g);
	free(b);
}

/* Every format reads the same through gzip, xz and zstd; cut streams give
 * one line naming the compressor. */
TEST(formats_compressed_inputs)
{
	struct ev *v, *w;
	size_t n, m;
	const char *plain[3] = { tmp_path("c.bin"), tmp_path("c.txt"), tmp_path("c.champsim") };
	enum trace_fmt f[3] = { FMT_BIN, FMT_TEXT, FMT_CHAMPSIM };
	static const char *const cname[3] = { "gzip", "xz", "zstd" };

	REQUIRE(load_gen("zipf:n=20000,footprint=64M,rw=0.3,ifrac=0.2,seed=9", &v, &n, NULL) == 0);
	for (int i = 0; i < 3; i++) {
		struct ev *want;
		size_t nwant;
		CHECK_EQ(write_events(plain[i], f[i], false, v, n), 0);
		CHECK_EQ(load(plain[i], FMT_AUTO, &want, &nwant, NULL, NULL), 0);
		for (int c = 0; c < 3; c++) {
			char dst[400], cut[400], expect[500], *err;
			size_t len;
			enum trace_fmt got;
			snprintf(dst, sizeof dst, "%s.%s", plain[i], cname[c]);
			snprintf(cut, sizeof cut, "%s.cut.%s", plain[i], cname[c]);
			if (c == 0)
				gzip_to(plain[i], dst);
			else if (c == 1)
				xz_file(plain[i], dst);
			else
				zstd_file(plain[i], dst);
			CHECK_EQ(load(dst, FMT_AUTO, &w, &m, &got, &err), 0);
			CHECK_EQ(got, f[i]);
			CHECK_STR_EQ(err, "");
			expect_events(w, m, want, nwant);
			free(w);
			free(err);
			len = file_size(dst);
			REQUIRE(truncate_copy(dst, cut, len / 2) == 0);
			CHECK(load(cut, FMT_AUTO, &w, &m, NULL, &err) < 0);
			snprintf(expect, sizeof expect, "mmusim: %s: truncated %s stream\n", cut, cname[c]);
			CHECK_STR_EQ(err, expect);
			free(w);
			free(err);
		}
		free(want);
	}
	free(v);
}

/* What a file that is no trace is said to look like. */
TEST(formats_detection_messages)
{
	u8 b[3 * 64 + 10];
	char expect[600], *err;
	struct ev *v;
	size_t n;
	const char *p;

	handmade(b);
	p = tmp_path("odd.champsim");
	write_bytes(p, b, sizeof b);
	CHECK_EQ(load(p, FMT_AUTO, &v, &n, NULL, &err), -EINVAL);
	CHECK_EQ(n, 11);           /* the complete records come first */
	snprintf(expect, sizeof expect, "mmusim: %s: size is not a multiple of 64 bytes "
		 "(10 trailing bytes after 3 ChampSim records)\n", p);
	CHECK_STR_EQ(err, expect);
	free(v);
	free(err);

	CHECK_EQ(load("/proc/self/exe", FMT_AUTO, &v, &n, NULL, &err), -EINVAL);
	CHECK_STR_EQ(err, "mmusim: /proc/self/exe: not a trace: looks like an ELF file "
		     "(a program, not a trace: record it with 'mmusim record -- PROG')\n");
	free(v);
	free(err);

	p = tmp_path("junk.bin");
	write_bytes(p, "\x01\x02\x00\x03\xff\xff\xff\xff\xff\xff", 10);
	CHECK_EQ(load(p, FMT_AUTO, &v, &n, NULL, &err), -EINVAL);
	snprintf(expect, sizeof expect, "mmusim: %s: not a trace: binary data of no known format "
		 "(first bytes 01 02 00 03; formats: text, bin, lackey, champsim)\n", p);
	CHECK_STR_EQ(err, expect);
	free(v);
	free(err);

	p = test_write_file("x.bz2", "BZh91AY&SY");
	CHECK_EQ(load(p, FMT_AUTO, &v, &n, NULL, &err), -EINVAL);
	CHECK_STR_CONTAINS(err, "bzip2-compressed input is not supported");
	CHECK_EQ(count_lines(err), 1);
	free(v);
	free(err);

	p = test_write_file("vg.lk", "==7== Lackey, an example Valgrind tool\n==7== Command: ls\n==7== \n");
	CHECK_EQ(load(p, FMT_AUTO, &v, &n, NULL, &err), -EINVAL);
	snprintf(expect, sizeof expect, "mmusim: %s: warning: valgrind output without memory-access lines", p);
	CHECK(!strncmp(err, expect, strlen(expect)));
	CHECK_EQ(count_lines(err), 1);
	free(v);
	free(err);
}

/* `mmusim convert`: lackey to bin is much smaller and reads back the same
 * events; errors of --elf and of the command line. */
TEST(formats_convert_cli)
{
	char cmd[2048], *out, *err;
	char lk[400];
	struct ev *a, *b;
	size_t na, nb;
	FILE *f;
	int i;

	snprintf(lk, sizeof lk, "%s/conv.lk", test_tmpdir());
	f = fopen(lk, "w");
	REQUIRE(f);
	fprintf(f, "==1== Lackey\n");
	for (i = 0; i < 20000; i++)
		fprintf(f, "I  %08x,3\n L %08x,8\n", 0x401000 + (i % 50) * 3, 0x7ff000 + (i % 4000) * 64);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s convert %s -o %s", test_mmusim(), lk, tmp_path("conv.bin"));
	CHECK_EQ(test_run(cmd, &out, &err), 0);
	CHECK_STR_EQ(err, "");
	free(out);
	free(err);
	CHECK(file_size(tmp_path("conv.bin")) * 10 < file_size(lk));
	CHECK_EQ(load(lk, FMT_AUTO, &a, &na, NULL, NULL), 0);
	CHECK_EQ(load(tmp_path("conv.bin"), FMT_AUTO, &b, &nb, NULL, NULL), 0);
	CHECK_EQ(na, 40000);
	expect_events(b, nb, a, na);
	free(a);
	free(b);

	/* a cut compressed trace fails the run with one line */
	{
		char xzp[420], cutp[400];
		snprintf(xzp, sizeof xzp, "%s.xz", lk);
		snprintf(cutp, sizeof cutp, "%s/cut.xz", test_tmpdir());
		xz_file(lk, xzp);
		REQUIRE(truncate_copy(xzp, cutp, file_size(xzp) / 2) == 0);
		snprintf(cmd, sizeof cmd, "%s run %s", test_mmusim(), cutp);
	}
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "cut.xz: truncated xz stream");
	CHECK_EQ(count_lines(err), 1);
	free(out);
	free(err);

	/* bad --elf: missing, not ELF */
	snprintf(cmd, sizeof cmd, "%s convert %s -o %s --elf %s/nonexistent", test_mmusim(), lk,
		 tmp_path("conv2.bin"), test_tmpdir());
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "nonexistent: No such file or directory");
	CHECK_EQ(count_lines(err), 1);
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s convert %s -o %s --elf %s", test_mmusim(), lk, tmp_path("conv2.bin"), lk);
	CHECK_EQ(test_run(cmd, &out, &err), 1);
	CHECK_STR_CONTAINS(err, "conv.lk: not an ELF file");
	CHECK_EQ(count_lines(err), 1);
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s convert %s", test_mmusim(), lk);
	CHECK_EQ(test_run(cmd, &out, &err), 2);
	CHECK_STR_CONTAINS(err, "-o OUT is needed");
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s convert %s -o x --format lackey", test_mmusim(), lk);
	CHECK_EQ(test_run(cmd, &out, &err), 2);
	CHECK_STR_CONTAINS(err, "convert writes bin, text or champsim, not 'lackey'");
	free(out);
	free(err);
}

/* --elf turns a program's PT_LOAD segments into MAP events and an object:
 * checked against the program headers of the test runner itself. */
TEST(formats_elf_segments)
{
	struct trace_obj o;
	struct ev m[OBJ_SEG_MAX];
	int n;
	char *err;
	struct cap c;

	REQUIRE(elf_read_obj("/proc/self/exe", 0x108000, false, &o) == 0);
	CHECK(o.nseg >= 2);
	n = elf_obj_maps(&o, m);
	CHECK_EQ(n, (int)o.nseg);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(m[i].kind, EV_MAP);
		CHECK_EQ(m[i].va % 4096, 0);
		CHECK(m[i].va <= o.seg[i].va && m[i].va + m[i].len >= o.seg[i].va + o.seg[i].len);
		CHECK_EQ(m[i].prot, o.seg[i].prot);
	}
	/* exactly one segment is executable in a gcc-built program */
	{
		int x = 0;
		for (int i = 0; i < n; i++)
			x += !!(m[i].prot & PERM_X);
		CHECK_EQ(x, 1);
	}
	free(o.path);
	cap_begin(&c);
	CHECK_EQ(elf_read_obj(test_tmpdir(), 0, false, &o), -EINVAL);
	err = cap_end(&c);
	CHECK_EQ(count_lines(err), 1);
	free(err);
}

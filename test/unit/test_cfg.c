/* test_cfg.c - configuration loading, layering, validation and dump. */
#include "test.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../mmu/util/cfg.h"

/* ---- helpers ------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return NULL;
			}
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* A deliberately simple INI reader, independent of cfg.c and iniparser:
 * the value of "key" in "[sec]" of text (comments after ';' or '#'
 * dropped, blanks trimmed), copied to out. false if absent. */
static bool ini_get(const char *text, const char *sec, const char *key, char *out, size_t n)
{
	char cur[128] = "", line[1200];
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *s, *e, *eq;
		if (len >= sizeof line)
			len = sizeof line - 1;
		memcpy(line, p, len);
		line[len] = 0;
		p += strcspn(p, "\n");
		if (*p)
			p++;
		s = line;
		s[strcspn(s, ";#")] = 0;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = 0;
		if (*s == '[') {
			snprintf(cur, sizeof cur, "%.*s", (int)strcspn(s + 1, "]"), s + 1);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq || strcmp(cur, sec))
			continue;
		e = eq;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if ((size_t)(e - s) != strlen(key) || strncmp(s, key, strlen(key)))
			continue;
		eq++;
		while (isspace((unsigned char)*eq))
			eq++;
		snprintf(out, n, "%s", eq);
		return true;
	}
	return false;
}

static u64 ini_get_u64(const char *text, const char *sec, const char *key)
{
	char v[128], *end;
	u64 x;
	if (!ini_get(text, sec, key, v, sizeof v))
		return UINT64_MAX;
	x = strtoull(v, &end, 10);
	switch (*end) {
	case 'K': x <<= 10; break;
	case 'M': x <<= 20; break;
	case 'G': x <<= 30; break;
	default: break;
	}
	return x;
}

/* Every "section key" pair of an INI text, one per line, in order. */
static char *ini_keys(const char *text)
{
	char *out = calloc(1, 1 << 16), sec[128] = "";
	const char *p = text;
	size_t used = 0;

	while (out && *p) {
		char line[1200];
		size_t len = strcspn(p, "\n");
		char *s = line, *eq;
		if (len >= sizeof line)
			len = sizeof line - 1;
		memcpy(line, p, len);
		line[len] = 0;
		p += strcspn(p, "\n");
		if (*p)
			p++;
		s[strcspn(s, ";#")] = 0;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '[') {
			snprintf(sec, sizeof sec, "%.*s", (int)strcspn(s + 1, "]"), s + 1);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			continue;
		while (eq > s && isspace((unsigned char)eq[-1]))
			eq--;
		used += (size_t)snprintf(out + used, (1 << 16) - used, "%s %.*s\n", sec, (int)(eq - s), s);
	}
	return out;
}

/* cfg_dump into a malloc'd string. */
static char *dump_str(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	cfg_dump(c, f);
	fclose(f);
	return buf;
}

/* Runs cfg_load with stderr captured; returns its result, the captured
 * text in err (static). */
static char captured[4096];

static int load_capture(struct cfg *c, const char *file, const char *const *ov, int n)
{
	char path[512];
	int saved, fd, rc;
	size_t len = 0;
	char *text;

	snprintf(path, sizeof path, "%s/stderr.txt", test_tmpdir());
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (saved < 0 || fd < 0) {
		captured[0] = 0;
		return -999;
	}
	dup2(fd, 2);
	close(fd);
	rc = cfg_load(c, file, ov, n);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	text = read_all(path, &len);
	snprintf(captured, sizeof captured, "%s", text ? text : "");
	free(text);
	return rc;
}

/* The captured stderr is exactly one line starting with "mmusim: ". */
static bool one_line(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && s[n - 1] == '\n' && strchr(s, '\n') == s + n - 1 &&
	       !strncmp(s, "mmusim: ", 8);
}

/* Loads (file text or NULL) + overrides, expects -EINVAL and one line that
 * contains every needle. The file's path is among the needles as "@". */
static void expect_error(const char *file_text, const char *const *ov, int n, const char *n1,
			 const char *n2, const char *n3)
{
	const char *path = file_text ? test_write_file("bad.ini", file_text) : NULL;
	char pathname[600];
	struct cfg c;
	const char *needles[3] = { n1, n2, n3 };
	int i, rc;

	memset(&c, 0x5a, sizeof c);
	rc = load_capture(&c, path, ov, n);
	CHECK_EQ(rc, -EINVAL);
	CHECK(one_line(captured));
	for (i = 0; i < 3; i++) {
		if (!needles[i])
			continue;
		if (!strcmp(needles[i], "@")) {
			snprintf(pathname, sizeof pathname, "mmusim: %s", path ? path : "?");
			CHECK_STR_CONTAINS(captured, pathname);
		} else {
			CHECK_STR_CONTAINS(captured, needles[i]);
		}
	}
	/* A failed load leaves the caller's struct alone. */
	CHECK_EQ(c.tlb.l1d[0].entries, 0x5a5a5a5a);
}

static const char *const profiles[] = {
	"configs/default.ini", "configs/skylake.ini", "configs/icelake.ini", "configs/tiny.ini",
};

/* ---- defaults and profiles --------------------------------------------- */

TEST(cfg_default_matches_default_ini)
{
	char *text = read_all("configs/default.ini", NULL);
	char v[128];
	struct cfg c;

	REQUIRE(text);
	cfg_default(&c);
	CHECK_EQ(c.tlb.l1d[PS_4K].entries, ini_get_u64(text, "tlb.l1d", "entries"));
	CHECK_EQ(c.tlb.l1d[PS_4K].ways, ini_get_u64(text, "tlb.l1d", "ways"));
	CHECK_EQ(c.tlb.l1d[PS_2M].entries, ini_get_u64(text, "tlb.l1d", "entries_2m"));
	CHECK_EQ(c.tlb.l1d[PS_1G].entries, ini_get_u64(text, "tlb.l1d", "entries_1g"));
	CHECK_EQ(c.tlb.l1i[PS_4K].entries, ini_get_u64(text, "tlb.l1i", "entries"));
	CHECK_EQ(c.tlb.l2.entries, ini_get_u64(text, "tlb.l2", "entries"));
	CHECK_EQ(c.tlb.l2.ways, ini_get_u64(text, "tlb.l2", "ways"));
	CHECK_EQ(c.tlb.l2_1g.entries, ini_get_u64(text, "tlb.l2", "entries_1g"));
	CHECK_EQ(c.tlb.l2.latency, ini_get_u64(text, "tlb.l2", "latency"));
	CHECK_EQ(c.pwc.lvl[2].entries, ini_get_u64(text, "pwc", "pd_entries"));
	CHECK_EQ(c.pwc.lvl[4].ways, ini_get_u64(text, "pwc", "pml4_ways"));
	CHECK_EQ(c.cache.line, ini_get_u64(text, "cache", "line"));
	CHECK_EQ((u64)c.cache.lvl[1].entries * c.cache.line, ini_get_u64(text, "cache.l2", "size"));
	CHECK_EQ((u64)c.cache.lvl[2].entries * c.cache.line, ini_get_u64(text, "cache.llc", "size"));
	CHECK_EQ(c.cache.lvl[0].latency, ini_get_u64(text, "cache.l1", "latency"));
	CHECK_EQ(c.os.levels, ini_get_u64(text, "os", "levels"));
	CHECK_EQ(c.host.ram, ini_get_u64(text, "host", "ram"));
	CHECK_EQ(c.host.max_order, ini_get_u64(text, "host", "max_order"));
	CHECK_EQ(c.sim.seed, ini_get_u64(text, "sim", "seed"));
	REQUIRE(ini_get(text, "walker", "name", v, sizeof v));
	CHECK(!strcmp(c.walker.name, v));
	REQUIRE(ini_get(text, "cpu", "ghz", v, sizeof v));
	CHECK_NEAR(c.cpu.ghz, strtod(v, NULL), 0);
	REQUIRE(ini_get(text, "tlb.l2", "policy", v, sizeof v));
	CHECK(!strcmp(repl_name(c.tlb.l2.policy), v));
	REQUIRE(ini_get(text, "os", "thp", v, sizeof v));
	CHECK_EQ(c.os.thp, !strcmp(v, "always") ? THP_ALWAYS : THP_NEVER);
	/* The spot values the default promises (a Skylake client core). */
	CHECK_EQ(c.tlb.l1d[PS_4K].entries, 64);
	CHECK_EQ(c.tlb.l2.entries, 1536);
	CHECK_EQ(c.tlb.l2.ways, 12);
	CHECK_EQ(c.tlb.l2.policy, REPL_LRU);
	CHECK_EQ(c.os.levels, 4);
	CHECK(c.os.pcid);
	free(text);
}

TEST(cfg_shared_policy_and_latency_are_copied)
{
	struct cfg c;
	int l;

	cfg_default(&c);
	CHECK_EQ(c.tlb.l1d[PS_2M].policy, c.tlb.l1d[PS_4K].policy);
	CHECK_EQ(c.tlb.l1d[PS_1G].latency, c.tlb.l1d[PS_4K].latency);
	CHECK_EQ(c.tlb.l1i[PS_2M].latency, c.tlb.l1i[PS_4K].latency);
	CHECK_EQ(c.tlb.l2_1g.policy, c.tlb.l2.policy);
	CHECK_EQ(c.tlb.l2_1g.latency, c.tlb.l2.latency);
	for (l = 0; l <= PT_LEVELS_MAX; l++) {
		CHECK_EQ(c.pwc.lvl[l].latency, c.pwc.lvl[2].latency);
		CHECK_EQ(c.pwc.lvl[l].policy, c.pwc.lvl[2].policy);
	}
	CHECK_EQ(c.pwc.lvl[0].entries, 0);
	CHECK_EQ(c.pwc.lvl[1].entries, 0);
	CHECK_EQ(c.cache.lvl[0].entries, 32768 / 64);
}

TEST(cfg_embedded_default_is_default_ini)
{
	size_t len = 0;
	char *text = read_all("configs/default.ini", &len);

	REQUIRE(text);
	CHECK_EQ(strlen(cfg_default_ini), len);
	CHECK(len == strlen(cfg_default_ini) && !memcmp(text, cfg_default_ini, len));
	free(text);
}

TEST(cfg_profiles_load)
{
	struct cfg c;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(profiles); i++) {
		int rc = load_capture(&c, profiles[i], NULL, 0);
		CHECK_EQ(rc, 0);
		if (rc)
			printf("    %s: %s", profiles[i], captured);
		CHECK_EQ(captured[0], 0);
	}
	REQUIRE(cfg_load(&c, "configs/icelake.ini", NULL, 0) == 0);
	CHECK_EQ(c.os.levels, 5);
	CHECK_EQ(c.tlb.l2.entries, 2048);
	CHECK_EQ(c.tlb.l2.ways, 16);
	CHECK_EQ(c.tlb.l2_1g.entries, 1024);
	CHECK_EQ(c.tlb.l1d[PS_1G].entries, 8);
	CHECK_EQ(c.cache.lvl[0].entries * c.cache.line, 48 * 1024);
	CHECK_EQ(c.cache.lvl[0].ways, 12);
	CHECK_EQ(c.cache.lvl[0].latency, 5);
	CHECK_EQ(c.cache.lvl[1].latency, 13);
	REQUIRE(cfg_load(&c, "configs/tiny.ini", NULL, 0) == 0);
	CHECK_EQ(c.tlb.l1d[PS_4K].entries, 8);
	CHECK_EQ(c.tlb.l2.entries, 32);
}

/* Every profile sets every key of default.ini, and nothing else. */
TEST(cfg_profiles_are_complete)
{
	char *def = read_all("configs/default.ini", NULL), *want;
	unsigned i;

	REQUIRE(def);
	want = ini_keys(def);
	REQUIRE(want);
	CHECK(strlen(want) > 500);
	for (i = 1; i < ARRAY_SIZE(profiles); i++) {
		char *t = read_all(profiles[i], NULL), *got;
		REQUIRE(t);
		got = ini_keys(t);
		REQUIRE(got);
		if (strcmp(got, want))
			test_fail(__FILE__, __LINE__, "%s does not set the keys of default.ini", profiles[i]);
		free(got);
		free(t);
	}
	free(want);
	free(def);
}

TEST(cfg_skylake_profile_is_the_default)
{
	struct cfg a, b;
	char *da, *db;

	cfg_default(&a);
	REQUIRE(cfg_load(&b, "configs/skylake.ini", NULL, 0) == 0);
	da = dump_str(&a);
	db = dump_str(&b);
	REQUIRE(da && db);
	CHECK(!strcmp(da, db));
	free(da);
	free(db);
}

/* ---- layering ------------------------------------------------------------ */

TEST(cfg_file_overlays_only_its_keys)
{
	const char *p = test_write_file("layer.ini",
		"; a partial file\n[tlb.l1d]\nentries = 128\n\n[os]\nthp = always\n");
	struct cfg d, c;

	cfg_default(&d);
	REQUIRE(cfg_load(&c, p, NULL, 0) == 0);
	CHECK_EQ(c.tlb.l1d[PS_4K].entries, 128);
	CHECK_EQ(c.tlb.l1d[PS_4K].ways, d.tlb.l1d[PS_4K].ways);
	CHECK_EQ(c.tlb.l1d[PS_2M].entries, d.tlb.l1d[PS_2M].entries);
	CHECK_EQ(c.tlb.l2.entries, d.tlb.l2.entries);
	CHECK_EQ(c.os.thp, THP_ALWAYS);
	CHECK_EQ(c.os.levels, d.os.levels);
	CHECK_EQ(c.host.ram, d.host.ram);
}

TEST(cfg_overrides_win_in_order)
{
	const char *p = test_write_file("layer2.ini", "[tlb.l1d]\nentries = 128\n[cache]\nline = 128\n");
	const char *ov[] = {
		"tlb.l1d.entries=256",      /* dotted section, overrides the file */
		" os.levels = 5 ",          /* blanks around key and value */
		"cache.l2.size=512K",       /* dotted section */
		"pwc.pd_entries=64",
		"walker.name=\"nested\"",   /* quotes are stripped */
		"TLB.L2.Policy=RANDOM",     /* case-insensitive names */
		"sim.seed=0xdeadbeef",
		"pwc.pd_entries=128",       /* the later override wins */
	};
	struct cfg c;
	int rc;

	rc = load_capture(&c, p, ov, (int)ARRAY_SIZE(ov));
	REQUIRE_EQ(rc, 0);
	CHECK_EQ(c.tlb.l1d[PS_4K].entries, 256);
	CHECK_EQ(c.os.levels, 5);
	CHECK_EQ(c.cache.line, 128);
	CHECK_EQ(c.cache.lvl[1].entries, 512 * 1024 / 128);
	CHECK_EQ(c.pwc.lvl[2].entries, 128);
	CHECK(!strcmp(c.walker.name, "nested"));
	CHECK_EQ(c.tlb.l2.policy, REPL_RANDOM);
	CHECK_EQ(c.tlb.l2_1g.policy, REPL_RANDOM);
	CHECK_EQ(c.sim.seed, 0xdeadbeefull);
}

TEST(cfg_overrides_without_file)
{
	const char *ov[] = { "tlb.l1i.entries_2m=16", "tlb.l1i.ways_2m=16", "cpu.ghz=2.5" };
	struct cfg c;

	REQUIRE(cfg_load(&c, NULL, ov, 3) == 0);
	CHECK_EQ(c.tlb.l1i[PS_2M].entries, 16);
	CHECK_EQ(c.tlb.l1i[PS_2M].ways, 16);
	CHECK_NEAR(c.cpu.ghz, 2.5, 0);
}

TEST(cfg_dump_round_trip)
{
	const char *ov[] = {
		"host.ram=17179869184", "cpu.ghz=2.7", "sim.seed=18446744073709551615",
		"os.thp=always", "pwc.enabled=no", "walker.name=agile-2", "cache.llc.size=0x300000",
		"cache.llc.ways=12", "cache.llc.policy=lru",
	};
	struct cfg a, b;
	char *da, *db;
	const char *p;
	int rc;

	rc = load_capture(&a, "configs/tiny.ini", ov, (int)ARRAY_SIZE(ov));
	if (rc)
		printf("    %s", captured);
	REQUIRE_EQ(rc, 0);
	da = dump_str(&a);
	REQUIRE(da);
	p = test_write_file("dump.ini", da);
	rc = load_capture(&b, p, NULL, 0);
	if (rc)
		printf("    %s", captured);
	REQUIRE_EQ(rc, 0);
	db = dump_str(&b);
	REQUIRE(db);
	CHECK(!strcmp(da, db));
	CHECK_EQ(b.host.ram, 17179869184ull);
	CHECK_NEAR(b.cpu.ghz, 2.7, 0);
	CHECK_EQ(b.sim.seed, UINT64_MAX);
	CHECK_EQ(b.os.thp, THP_ALWAYS);
	CHECK(!b.pwc.enabled);
	CHECK(!strcmp(b.walker.name, "agile-2"));
	CHECK_EQ(b.cache.lvl[2].entries, 0x300000 / 64);
	CHECK_EQ(b.tlb.l1d[PS_4K].entries, a.tlb.l1d[PS_4K].entries);
	CHECK_EQ(b.tlb.l2.policy, a.tlb.l2.policy);
	/* The default round-trips too. */
	cfg_default(&a);
	free(da);
	da = dump_str(&a);
	p = test_write_file("dump2.ini", da);
	REQUIRE(cfg_load(&b, p, NULL, 0) == 0);
	free(db);
	db = dump_str(&b);
	CHECK(!strcmp(da, db));
	free(da);
	free(db);
}

TEST(cfg_big_sizes_are_exact)
{
	const char *p = test_write_file("big.ini", "[host]\nram = 17179869184\n");
	const char *ov64[] = { "host.ram=64G" };
	const char *ovmax[] = { "host.ram=16T" };
	const char *ovhex[] = { "host.ram=0x400000000" };
	struct cfg c;
	char *d;

	REQUIRE(cfg_load(&c, p, NULL, 0) == 0);
	CHECK_EQ(c.host.ram, 17179869184ull);
	d = dump_str(&c);
	CHECK_STR_CONTAINS(d, "ram = 16G\n");
	free(d);
	REQUIRE(cfg_load(&c, NULL, ov64, 1) == 0);
	CHECK_EQ(c.host.ram, 68719476736ull);
	REQUIRE(cfg_load(&c, NULL, ovmax, 1) == 0);
	CHECK_EQ(c.host.ram, 1ull << 44);
	REQUIRE(cfg_load(&c, NULL, ovhex, 1) == 0);
	CHECK_EQ(c.host.ram, 0x400000000ull);
}

/* ---- one test per error --------------------------------------------------- */

TEST(cfg_err_unknown_section)
{
	expect_error("[tlb.l3]\nentries = 4\n", NULL, 0, "@", "[tlb.l3] entries", "unknown section");
}

TEST(cfg_err_unknown_empty_section)
{
	expect_error("[tlb.l1d]\nentries = 64\n[bogus]\n", NULL, 0, "@", "[bogus]", "unknown section");
}

TEST(cfg_err_unknown_key)
{
	expect_error("[tlb.l1d]\nentriez = 64\n", NULL, 0, "@", "[tlb.l1d] entriez", "unknown key");
}

TEST(cfg_err_key_outside_section)
{
	expect_error("entries = 64\n[tlb.l1d]\n", NULL, 0, "@", "entries", "outside any section");
}

TEST(cfg_err_zero_ways)
{
	expect_error("[tlb.l1d]\nways = 0\n", NULL, 0, "@", "[tlb.l1d] ways", "at least 1");
}

TEST(cfg_err_sets_not_power_of_two)
{
	/* 48 / 4 = 12 sets: the key the file set is blamed. */
	expect_error("[tlb.l1d]\nentries = 48\n", NULL, 0, "@", "[tlb.l1d] entries",
		     "sets (entries / ways) must be a power of two");
	/* Both set by the file: ways is named. 48 / 8 = 6 sets. */
	expect_error("[tlb.l1d]\nentries = 48\nways = 8\n", NULL, 0, "@", "[tlb.l1d] ways",
		     "entries = 48, ways = 8");
	/* The 2M array of the same level. */
	expect_error("[tlb.l1d]\nentries_2m = 24\n", NULL, 0, "@", "[tlb.l1d] entries_2m",
		     "power of two");
	/* A paging-structure cache. */
	expect_error("[pwc]\npd_entries = 96\npd_ways = 32\n", NULL, 0, "@", "[pwc] pd_ways",
		     "power of two");
}

TEST(cfg_err_ways_not_dividing_entries)
{
	expect_error("[tlb.l2]\nways = 7\n", NULL, 0, "@", "[tlb.l2] ways", "multiple of ways");
	expect_error("[tlb.l2]\nentries_1g = 2\n", NULL, 0, "@", "[tlb.l2] entries_1g",
		     "must not exceed entries");
}

TEST(cfg_err_plru_with_12_ways)
{
	expect_error("[tlb.l2]\npolicy = plru\n", NULL, 0, "@", "[tlb.l2] policy",
		     "tree-PLRU needs a power-of-two number of ways");
	/* The same through the command line, against a cache level. */
	{
		const char *ov[] = { "cache.l1.ways=12", "cache.l1.size=48K" };
		expect_error(NULL, ov, 2, "mmusim: command line:", "[cache.l1] ways", "tree-PLRU");
	}
}

TEST(cfg_err_bad_enum)
{
	expect_error("[tlb.l1d]\npolicy = fifo\n", NULL, 0, "@", "[tlb.l1d] policy",
		     "must be lru, plru or random (got 'fifo')");
	expect_error("[os]\nthp = madvise\n", NULL, 0, "@", "[os] thp", "must be never or always");
}

TEST(cfg_err_bad_bool)
{
	expect_error("[os]\npcid = maybe\n", NULL, 0, "@", "[os] pcid", "got 'maybe'");
}

TEST(cfg_err_bad_number)
{
	expect_error("[tlb.l1d]\nentries = 64x\n", NULL, 0, "@", "[tlb.l1d] entries", "not a number");
	expect_error("[tlb.l1d]\nentries =\n", NULL, 0, "@", "[tlb.l1d] entries", "empty value");
	expect_error("[tlb.l1d]\nlatency = 010\n", NULL, 0, "@", "[tlb.l1d] latency", "leading zeros");
	expect_error("[cpu]\nghz = fast\n", NULL, 0, "@", "[cpu] ghz", "not a number");
	expect_error("[host]\nram = 1.5G\n", NULL, 0, "@", "[host] ram", "not a size");
	expect_error("[sim]\nseed = 18446744073709551616\n", NULL, 0, "@", "[sim] seed", "too large");
}

TEST(cfg_err_negative_number)
{
	expect_error("[tlb.l1d]\nlatency = -1\n", NULL, 0, "@", "[tlb.l1d] latency", "negative");
	expect_error("[host]\nram = -64G\n", NULL, 0, "@", "[host] ram", "negative");
}

TEST(cfg_err_out_of_range)
{
	expect_error("[tlb.l2]\nlatency = 100001\n", NULL, 0, "@", "[tlb.l2] latency",
		     "between 0 and 100000");
	expect_error("[host]\nmax_order = 8\n", NULL, 0, "@", "[host] max_order", "between 9 and 30");
	expect_error("[cpu]\nghz = 0\n", NULL, 0, "@", "[cpu] ghz", "greater than 0");
	expect_error("[host]\nram = 32M\n", NULL, 0, "@", "[host] ram", "between 64M and 16T");
}

TEST(cfg_err_levels_3)
{
	expect_error("[os]\nlevels = 3\n", NULL, 0, "@", "[os] levels", "must be 4 or 5 (got '3')");
}

TEST(cfg_err_ram_not_page_multiple)
{
	expect_error("[host]\nram = 67109864\n", NULL, 0, "@", "[host] ram", "multiple of 4K");
}

TEST(cfg_err_cache_geometry)
{
	expect_error("[cache]\nline = 48\n", NULL, 0, "@", "[cache] line", "power of two");
	expect_error("[cache]\nline = 4\n", NULL, 0, "@", "[cache] line", "between 8 and 4096");
	expect_error("[cache.l2]\nsize = 204864\n", NULL, 0, "@", "[cache.l2] size",
		     "multiple of line * ways = 256");
	expect_error("[cache.l2]\nsize = 192K\n", NULL, 0, "@", "[cache.l2] size", "power of two");
}

TEST(cfg_err_walker_name)
{
	expect_error("[walker]\nname = Native\n", NULL, 0, "@", "[walker] name", "a-z");
	expect_error("[walker]\nname =\n", NULL, 0, "@", "[walker] name", "1 to 63");
}

TEST(cfg_err_missing_file)
{
	struct cfg c;
	int rc = load_capture(&c, "/nonexistent/mmusim.ini", NULL, 0);

	CHECK_EQ(rc, -EINVAL);
	CHECK(one_line(captured));
	CHECK_STR_CONTAINS(captured, "mmusim: /nonexistent/mmusim.ini: cannot open: No such file or directory");
	rc = load_capture(&c, test_tmpdir(), NULL, 0);
	CHECK_EQ(rc, -EINVAL);
	CHECK(one_line(captured));
	CHECK_STR_CONTAINS(captured, "cannot open");
}

TEST(cfg_err_syntax_error_names_line)
{
	expect_error("[tlb.l1d]\nentries = 64\nthis line has no equals sign\n[os\n", NULL, 0,
		     "bad.ini:3: syntax error", "this line has no equals sign", NULL);
}

TEST(cfg_err_override_without_equals)
{
	const char *ov[] = { "tlb.l1d.entries" };
	const char *ov2[] = { "entries=4" };

	expect_error(NULL, ov, 1, "mmusim: command line:", "[tlb.l1d] entries", "missing '='");
	expect_error(NULL, ov2, 1, "mmusim: command line:", "expected section.key=value", NULL);
}

TEST(cfg_err_override_unknown_key)
{
	const char *ov[] = { "tlb.l1d.bogus=1" };
	const char *ov2[] = { "tlb.l9.entries=1" };
	const char *ov3[] = { "tlb.l1d.entries=12" };

	expect_error(NULL, ov, 1, "mmusim: command line:", "[tlb.l1d] bogus", "unknown key");
	expect_error(NULL, ov2, 1, "mmusim: command line:", "[tlb.l9] entries", "unknown section");
	/* A cross-field error caused by an override names the command line. */
	expect_error(NULL, ov3, 1, "mmusim: command line:", "[tlb.l1d] entries", "power of two");
}

TEST(cfg_err_override_blamed_over_file)
{
	/* The file is fine alone; the override breaks it: blame the override. */
	const char *ov[] = { "tlb.l2.ways=8" };
	expect_error("[tlb.l2]\nentries = 1536\nways = 12\n", ov, 1, "mmusim: command line:",
		     "[tlb.l2] ways", "power of two");
}

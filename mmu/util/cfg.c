/*
 * cfg.c - the configuration: schema, INI layers, validation, dump.
 *
 * Model notes
 *   What it does: turns INI text into a struct cfg that the rest of the
 *   simulator trusts without further checks. One schema table (cfg_keys[])
 *   names every section and key, its type, where it lives, its range and
 *   (for enums) its value names; adding a key is adding a row (and a line
 *   in configs/default.ini and docs/config.md). A second table
 *   (cfg_arrays[]) lists every set-associative array (TLBs, paging-structure
 *   caches, cache levels) for the cross-field checks.
 *
 *   Layers, in order, each one overwriting only the keys it names:
 *     1. the embedded default cfg_default_ini (configs/default.ini, compiled
 *        in by mmu/util/embed.sh); it must set every key of the schema;
 *     2. the file given with -c (optional);
 *     3. each override "section.key=value" (-s), in command-line order; the
 *        section is everything before the last dot, so tlb.l1d.entries=128
 *        is [tlb.l1d] entries.
 *   Unknown sections and keys are errors in every layer. Each value is
 *   parsed and range-checked when its layer is applied; the cross-field
 *   checks (array geometry, cache size versus line and ways) run once on
 *   the final result and blame the key of the group that the latest layer
 *   set. Every error prints exactly one line
 *     "mmusim: <source>: [section] key: <why>"
 *   (source: the file name, "embedded default" or "command line"; syntax
 *   errors name "<file>:<line>") and cfg_load returns -EINVAL, leaving the
 *   caller's struct cfg untouched.
 *
 *   Storage conventions: the policy and latency keys of a level are stored
 *   in its first array ([tlb.l1d] policy in tlb.l1d[PS_4K], [tlb.l2] in
 *   tlb.l2, [pwc] in pwc.lvl[2]) and copied to the level's other arrays
 *   after loading. Cache sizes are held in bytes while loading (the line
 *   may be set by a later layer) and become sa_geom.entries = size / line.
 *
 *   iniparser 4.1 facts relied on: it loads only from a path (the embedded
 *   text goes through a memfd, or a temporary file when /proc is missing);
 *   it lowercases sections and keys ("section:key"), strips quotes and
 *   inline ';' / '#' comments; a key before any section is ":key"; a syntax
 *   error goes to the error callback as "... in FILE (LINE):\n-> TEXT" and
 *   makes iniparser_load return NULL. iniparser_getint truncates large
 *   numbers, so every number is parsed here from the string.
 *
 *   What it does not do: detect a key given twice in one file (iniparser
 *   keeps the last one, silently); check that the walker name exists (the
 *   walker registry does, when the MMU is built). Not thread-safe: the
 *   iniparser error callback is process-wide.
 *
 *   Source of every default value: the comment next to it in
 *   configs/default.ini, repeated in docs/config.md.
 */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser.h>

/* The configuration while it is being loaded. */
struct cfg_build {
	struct cfg c;
	u64 cache_size[3];           /* [cache.l1] [cache.l2] [cache.llc] size */
};

enum cfg_type {
	CT_U32,      /* decimal or 0x hex integer, stored as u32 */
	CT_U64,      /* decimal or 0x hex integer, stored as u64 */
	CT_SIZE,     /* parse_size (4K, 2M, 64G, hex), stored as u64 */
	CT_BOOL,     /* true/false/yes/no/1/0, stored as bool */
	CT_ENUM,     /* one of names[], stored as the enum (unsigned-sized) */
	CT_DOUBLE,   /* finite, min < v <= max, stored as double */
	CT_FRAC,     /* a fraction 0 <= v <= 1, stored as double */
	CT_NAME,     /* [a-z0-9-], 1..CFG_NAME_MAX-1 chars, stored as char[] */
};

struct cfg_key {
	const char *sec;
	const char *key;
	enum cfg_type type;
	size_t off;                  /* into struct cfg_build */
	u64 min, max;                /* integer types: inclusive range */
	const char *const *names;    /* CT_ENUM: names by value, NULL-ended */
	const char *(*check)(u64 v); /* integer types: extra check, NULL if none */
};

static const char *const repl_names[] = {
	[REPL_LRU] = "lru", [REPL_PLRU] = "plru", [REPL_RANDOM] = "random", NULL
};
static const char *const backing_names[] = {
	[BACK_SCATTERED] = "scattered", [BACK_CONTIGUOUS] = "contiguous", NULL
};
static const char *const alloc_names[] = {
	[ALLOC_SEARCH] = "search", [ALLOC_XEN_HEAP] = "xen-heap", NULL
};
static const char *const fallback_names[] = {
	[FALLBACK_NESTED] = "nested", [FALLBACK_SHADOW] = "shadow", NULL
};
static const char *const thp_names[] = {
	[THP_NEVER] = "never", [THP_ALWAYS] = "always", NULL
};
_Static_assert(sizeof(enum repl) == sizeof(unsigned), "enum repl is stored as unsigned");
_Static_assert(sizeof(enum thp_mode) == sizeof(unsigned), "enum thp_mode is stored as unsigned");
_Static_assert(sizeof(enum vm_backing) == sizeof(unsigned), "enum vm_backing is stored as unsigned");
_Static_assert(sizeof(enum host_alloc) == sizeof(unsigned), "enum host_alloc is stored as unsigned");
_Static_assert(sizeof(enum vm_fallback) == sizeof(unsigned), "enum vm_fallback is stored as unsigned");

#define ENTRIES_MAX (1u << 24)   /* a 16M-entry table is already absurd */
#define LAT_MAX 100000u
#define CACHE_SIZE_MAX (1ull << 32)
#define RAM_MIN CFG_RAM_MIN
/* 16 TiB: the host's frame tags and a VM's gPA -> hPA map index frames
 * with 32 bits (mmu/machine/vm.c), and the allocator's bitmaps of a
 * larger host would cost gigabytes of real memory. */
#define RAM_MAX CFG_RAM_MAX

static const char *check_pow2(u64 v)
{
	return v && !(v & (v - 1)) ? NULL : "must be a power of two";
}

static const char *check_page_multiple(u64 v)
{
	return v % PAGE_SIZE ? "must be a multiple of 4K" : NULL;
}

#define OFF(field) offsetof(struct cfg_build, field)
#define K_U32(s, k, f, lo, hi) { s, k, CT_U32, OFF(f), lo, hi, NULL, NULL }
#define K_U32C(s, k, f, lo, hi, chk) { s, k, CT_U32, OFF(f), lo, hi, NULL, chk }
#define K_U64(s, k, f) { s, k, CT_U64, OFF(f), 0, UINT64_MAX, NULL, NULL }
#define K_U64R(s, k, f, lo, hi) { s, k, CT_U64, OFF(f), lo, hi, NULL, NULL }
#define K_SIZE(s, k, f, lo, hi, chk) { s, k, CT_SIZE, OFF(f), lo, hi, NULL, chk }
#define K_BOOL(s, k, f) { s, k, CT_BOOL, OFF(f), 0, 1, NULL, NULL }
#define K_ENUM(s, k, f, n) { s, k, CT_ENUM, OFF(f), 0, 0, n, NULL }
#define K_DBL(s, k, f, lo, hi) { s, k, CT_DOUBLE, OFF(f), lo, hi, NULL, NULL }
#define K_FRAC(s, k, f) { s, k, CT_FRAC, OFF(f), 0, 1, NULL, NULL }
#define K_NAME(s, k, f) { s, k, CT_NAME, OFF(f), 1, CFG_NAME_MAX - 1, NULL, NULL }

#define K_ENTRIES(s, k, f) K_U32(s, k, f, 0, ENTRIES_MAX)
#define K_LAT(s, k, f) K_U32(s, k, f, 0, LAT_MAX)

#define K_TLB_L1(s, a)                                                         \
	K_ENTRIES(s, "entries", c.tlb.a[PS_4K].entries),                      \
	K_ENTRIES(s, "ways", c.tlb.a[PS_4K].ways),                            \
	K_ENUM(s, "policy", c.tlb.a[PS_4K].policy, repl_names),               \
	K_LAT(s, "latency", c.tlb.a[PS_4K].latency),                          \
	K_ENTRIES(s, "entries_2m", c.tlb.a[PS_2M].entries),                   \
	K_ENTRIES(s, "ways_2m", c.tlb.a[PS_2M].ways),                         \
	K_ENTRIES(s, "entries_1g", c.tlb.a[PS_1G].entries),                   \
	K_ENTRIES(s, "ways_1g", c.tlb.a[PS_1G].ways)

#define K_PWC(name, l)                                                         \
	K_ENTRIES("pwc", name "_entries", c.pwc.lvl[l].entries),              \
	K_ENTRIES("pwc", name "_ways", c.pwc.lvl[l].ways)

#define K_CACHE(s, i)                                                          \
	K_SIZE(s, "size", cache_size[i], 0, CACHE_SIZE_MAX, NULL),            \
	K_ENTRIES(s, "ways", c.cache.lvl[i].ways),                            \
	K_ENUM(s, "policy", c.cache.lvl[i].policy, repl_names),               \
	K_LAT(s, "latency", c.cache.lvl[i].latency)

/* The schema. Rows of one section must be contiguous (cfg_dump relies on
 * it); the order is the order of configs/default.ini. */
static const struct cfg_key cfg_keys[] = {
	K_TLB_L1("tlb.l1d", l1d),
	K_TLB_L1("tlb.l1i", l1i),

	K_ENTRIES("tlb.l2", "entries", c.tlb.l2.entries),
	K_ENTRIES("tlb.l2", "ways", c.tlb.l2.ways),
	K_ENUM("tlb.l2", "policy", c.tlb.l2.policy, repl_names),
	K_LAT("tlb.l2", "latency", c.tlb.l2.latency),
	K_ENTRIES("tlb.l2", "entries_1g", c.tlb.l2_1g.entries),
	K_ENTRIES("tlb.l2", "ways_1g", c.tlb.l2_1g.ways),

	K_BOOL("pwc", "enabled", c.pwc.enabled),
	K_ENUM("pwc", "policy", c.pwc.lvl[2].policy, repl_names),
	K_LAT("pwc", "latency", c.pwc.lvl[2].latency),
	K_PWC("pml5", 5),
	K_PWC("pml4", 4),
	K_PWC("pdpt", 3),
	K_PWC("pd", 2),

	K_BOOL("cache", "enabled", c.cache.enabled),
	K_BOOL("cache", "data", c.cache.data),
	K_U32C("cache", "line", c.cache.line, 8, 4096, check_pow2),
	K_LAT("cache", "dram_latency", c.cache.dram_latency),
	K_CACHE("cache.l1", 0),
	K_CACHE("cache.l2", 1),
	K_CACHE("cache.llc", 2),

	K_ENUM("os", "thp", c.os.thp, thp_names),
	K_U32("os", "levels", c.os.levels, 4, 5),
	K_BOOL("os", "strict", c.os.strict),
	K_BOOL("os", "pcid", c.os.pcid),

	K_SIZE("host", "ram", c.host.ram, RAM_MIN, RAM_MAX, check_page_multiple),
	K_U32("host", "max_order", c.host.max_order, 9, 30),
	K_FRAC("host", "fragmentation", c.host.fragmentation),
	K_FRAC("host", "movable_pins", c.host.movable_pins),
	K_ENUM("host", "allocator", c.host.allocator, alloc_names),
	K_SIZE("host", "contig_align", c.host.contig_align, PAGE_SIZE, 1ull << 42, check_pow2),

	K_BOOL("vm", "enabled", c.vm.enabled),
	K_SIZE("vm", "memory", c.vm.memory, RAM_MIN, RAM_MAX, check_page_multiple),
	K_U32("vm", "host_levels", c.vm.host_levels, 4, 5),
	K_BOOL("vm", "host_thp", c.vm.host_thp),
	K_ENUM("vm", "backing", c.vm.backing, backing_names),
	K_U64("vm", "compact_after", c.vm.compact_after),
	K_BOOL("vm", "mmio_hole", c.vm.mmio_hole),
	K_ENUM("vm", "fallback", c.vm.fallback, fallback_names),

	K_BOOL("ntlb", "enabled", c.ntlb.enabled),
	K_ENTRIES("ntlb", "entries", c.ntlb.g.entries),
	K_ENTRIES("ntlb", "ways", c.ntlb.g.ways),
	K_ENUM("ntlb", "policy", c.ntlb.g.policy, repl_names),
	K_LAT("ntlb", "latency", c.ntlb.g.latency),

	K_LAT("vmm", "exit_cycles", c.vmm.exit_cycles),
	K_LAT("vmm", "pte_cycles", c.vmm.pte_cycles),
	K_BOOL("vmm", "invlpg_exits", c.vmm.invlpg_exits),
	K_LAT("vmm", "migrate_cycles", c.vmm.migrate_cycles),
	K_LAT("vmm", "base_load_cycles", c.vmm.base_load_cycles),

	K_U64("sim", "seed", c.sim.seed),
	K_U64("sim", "check_inject", c.sim.check_inject),
	K_NAME("walker", "name", c.walker.name),
	K_DBL("cpu", "ghz", c.cpu.ghz, 0, 1000),
	K_U32("cpu", "access_cycles", c.cpu.access_cycles, 0, 1000000),
	K_DBL("cpu", "ideal_cpi", c.cpu.ideal_cpi, 0, 1000),
	K_DBL("cpu", "cycles_per_access", c.cpu.cycles_per_access, 0, 1000000),
	K_FRAC("cpu", "walk_overlap", c.cpu.walk_overlap),

	K_U64R("agile", "interval_cycles", c.agile.interval_cycles, 1, UINT64_MAX),
	K_U32("agile", "update_threshold", c.agile.update_threshold, 1, 1000000),

	K_SIZE("segment", "guest_base", c.segment.guest_base, 0, (1ull << 56) - 1, check_page_multiple),
	K_SIZE("segment", "guest_size", c.segment.guest_size, 0, 1ull << 46, check_page_multiple),
	K_U32("segment", "escape_pages", c.segment.escape_pages, 0, 1u << 20),
	K_U32("segment", "vmm_escape_pages", c.segment.vmm_escape_pages, 0, 1u << 20),
	K_FRAC("segment", "guest_fragmentation", c.segment.guest_fragmentation),
	K_BOOL("segment", "self_balloon", c.segment.self_balloon),
	K_U32C("segment", "filter_bits", c.segment.filter_bits, 64, 1u << 24, check_pow2),
	K_U32("segment", "filter_hashes", c.segment.filter_hashes, 1, 16),
	K_LAT("tpt", "tag_check_cycles", c.tpt.tag_check_cycles),
};
#define NKEYS ((int)ARRAY_SIZE(cfg_keys))
_Static_assert(ARRAY_SIZE(cfg_keys) <= CFG_KEYS_MAX, "struct cfg: layer[] too small");

/* Every set-associative array, for the cross-field checks. */
struct cfg_array {
	const char *sec;
	const char *entries_key;     /* "entries", "entries_2m", ... or "size" */
	const char *ways_key;
	size_t geom;                 /* offset of its struct sa_geom */
	size_t shared;               /* offset of the sa_geom holding its policy/latency */
	int cache_lvl;               /* >= 0: entries = cache_size[cache_lvl] / line */
};

#define GEOM(f) OFF(f)
#define A_L1(s, a)                                                             \
	{ s, "entries", "ways", GEOM(c.tlb.a[PS_4K]), GEOM(c.tlb.a[PS_4K]), -1 }, \
	{ s, "entries_2m", "ways_2m", GEOM(c.tlb.a[PS_2M]), GEOM(c.tlb.a[PS_4K]), -1 }, \
	{ s, "entries_1g", "ways_1g", GEOM(c.tlb.a[PS_1G]), GEOM(c.tlb.a[PS_4K]), -1 }
#define A_PWC(name, l) \
	{ "pwc", name "_entries", name "_ways", GEOM(c.pwc.lvl[l]), GEOM(c.pwc.lvl[2]), -1 }
#define A_CACHE(s, i) \
	{ s, "size", "ways", GEOM(c.cache.lvl[i]), GEOM(c.cache.lvl[i]), i }

static const struct cfg_array cfg_arrays[] = {
	A_L1("tlb.l1d", l1d),
	A_L1("tlb.l1i", l1i),
	{ "tlb.l2", "entries", "ways", GEOM(c.tlb.l2), GEOM(c.tlb.l2), -1 },
	{ "tlb.l2", "entries_1g", "ways_1g", GEOM(c.tlb.l2_1g), GEOM(c.tlb.l2), -1 },
	A_PWC("pd", 2),
	A_PWC("pdpt", 3),
	A_PWC("pml4", 4),
	A_PWC("pml5", 5),
	A_CACHE("cache.l1", 0),
	A_CACHE("cache.l2", 1),
	A_CACHE("cache.llc", 2),
	{ "ntlb", "entries", "ways", GEOM(c.ntlb.g), GEOM(c.ntlb.g), -1 },
};

#define SRC_DEFAULT "embedded default"
#define SRC_CMDLINE "command line"

/* Layer sequence numbers: 0 default, 1 file, 2 + i the i-th override. */
enum { SEQ_NONE = -1, SEQ_DEFAULT = 0, SEQ_FILE = 1, SEQ_OVERRIDE = 2 };

struct loader {
	struct cfg_build b;
	int seq[NKEYS];              /* layer that set each key last */
	const char *file;
	const char *const *osrc;     /* source of each override (NULL: the command line) */
};

static const char *seq_src(const struct loader *L, int seq)
{
	if (seq <= SEQ_DEFAULT)
		return SRC_DEFAULT;
	if (seq == SEQ_FILE)
		return L->file;
	if (L->osrc && L->osrc[seq - SEQ_OVERRIDE])
		return L->osrc[seq - SEQ_OVERRIDE];
	return SRC_CMDLINE;
}

/* ---- messages ---------------------------------------------------------- */

int cfg_error(const char *src, const char *sec, const char *key, const char *fmt, ...)
{
	char why[512], line[1024];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	/* names come from the input: at most NAME_SHOWN characters of each */
#define NAME_SHOWN 64
#define SHOWN(x) NAME_SHOWN, (x), strlen(x) > NAME_SHOWN ? "..." : ""
	if (sec && key)
		snprintf(line, sizeof line, "mmusim: %s: [%.*s%s] %.*s%s: %s", src, SHOWN(sec), SHOWN(key), why);
	else if (sec)
		snprintf(line, sizeof line, "mmusim: %s: [%.*s%s]: %s", src, SHOWN(sec), why);
	else
		snprintf(line, sizeof line, "mmusim: %s: %s", src, why);
#undef SHOWN
	for (p = line; *p; p++)          /* one line, whatever the input held */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "%s\n", line);
	return -EINVAL;
}

/* A value as quoted in messages: at most 48 characters. */
static const char *quote(const char *s, char *buf, size_t n)
{
	size_t len = strlen(s);
	if (len <= 48)
		snprintf(buf, n, "'%s'", s);
	else
		snprintf(buf, n, "'%.45s...'", s);
	return buf;
}


static void fmt_double(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, n, "%.17g", v);
	if (!strpbrk(buf, ".eEnN") && strlen(buf) + 2 < n)
		strcat(buf, ".0");       /* "4.0", not "4": reads as a double */
}

/* The value of key k in b, as INI text. */
static void fmt_value(const struct cfg_build *b, const struct cfg_key *k, char *buf, size_t n)
{
	const char *p = (const char *)b + k->off;
	u32 u32v;
	u64 u64v;
	unsigned e, count;
	bool bv;
	double d;

	switch (k->type) {
	case CT_U32:
		memcpy(&u32v, p, sizeof u32v);
		snprintf(buf, n, "%u", u32v);
		return;
	case CT_U64:
		memcpy(&u64v, p, sizeof u64v);
		snprintf(buf, n, "%llu", (unsigned long long)u64v);
		return;
	case CT_SIZE:
		memcpy(&u64v, p, sizeof u64v);
		format_size(u64v, buf, n);
		return;
	case CT_BOOL:
		memcpy(&bv, p, sizeof bv);
		snprintf(buf, n, "%s", bv ? "true" : "false");
		return;
	case CT_ENUM:
		memcpy(&e, p, sizeof e);
		for (count = 0; k->names[count]; count++)
			;
		snprintf(buf, n, "%s", e < count ? k->names[e] : "?");
		return;
	case CT_FRAC:
	case CT_DOUBLE:
		memcpy(&d, p, sizeof d);
		fmt_double(d, buf, n);
		return;
	case CT_NAME:
		snprintf(buf, n, "%s", p);
		return;
	}
	SIM_BUG_ON(1);
}

/* ---- schema lookups ----------------------------------------------------- */

static bool section_known(const char *sec)
{
	int i;
	for (i = 0; i < NKEYS; i++)
		if (!strcasecmp(cfg_keys[i].sec, sec))
			return true;
	return false;
}

static int find_key(const char *sec, const char *key)
{
	int i;
	for (i = 0; i < NKEYS; i++)
		if (!strcasecmp(cfg_keys[i].sec, sec) && !strcasecmp(cfg_keys[i].key, key))
			return i;
	return -1;
}

/* Index of a key that must exist (tables of this file name it). */
static int must_find_key(const char *sec, const char *key)
{
	int i = find_key(sec, key);
	SIM_BUG_ON(i < 0);
	return i;
}

/* ---- value parsers: NULL when fine, else why not ----------------------- */

static const char *parse_uint(const char *s, u64 *out)
{
	const char *digits = s;
	char *end;
	unsigned long long v;
	int base = 10;

	if (!*s)
		return "empty value";
	if (*s == '-')
		return "must not be negative";
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
	} else if (s[0] == '0' && s[1]) {
		return "not a number (leading zeros are not accepted)";
	}
	if (!isxdigit((unsigned char)*digits) || (base == 10 && !isdigit((unsigned char)*digits)))
		return "not a number";
	errno = 0;
	v = strtoull(digits, &end, base);
	if (*end && base == 10) {
		/* a decimal count suffix: 1K = 1000, 2M = 2000000 */
		u64 c;
		if (parse_count(digits, &c))
			return errno == ERANGE ? "too large" : "not a number (decimal, 0x hex, or a K/M/G/T suffix of 10^3..10^12)";
		v = c;
		end += strlen(end);
	}
	if (*end)
		return "not a number";
	if (errno == ERANGE)
		return "too large";
	*out = v;
	return NULL;
}

static const char *parse_sz(const char *s, u64 *out)
{
	if (!*s)
		return "empty value";
	if (*s == '-')
		return "must not be negative";
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return "not a size (leading zeros are not accepted)";
	if (parse_size(s, out))
		return "not a size (expected bytes, 0x hex, or a K/M/G/T suffix)";
	return NULL;
}

static const char *parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[] = { "false", "no", "0" };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return NULL;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return NULL;
		}
	}
	return "must be true, false, yes, no, 1 or 0";
}

/* Sets key ki from text; seq is the layer. 0 or -EINVAL (printed). */
static int set_value(struct loader *L, int seq, const char *src, int ki, const char *val)
{
	const struct cfg_key *k = &cfg_keys[ki];
	char *p = (char *)&L->b + k->off;
	char why[256], qb[64];
	const char *err = NULL;

	why[0] = 0;
	switch (k->type) {
	case CT_U32:
	case CT_U64:
	case CT_SIZE: {
		u64 v = 0;
		err = k->type == CT_SIZE ? parse_sz(val, &v) : parse_uint(val, &v);
		if (!err && (v < k->min || v > k->max)) {
			char lo[32], hi[32];
			if (k->type == CT_SIZE) {
				format_size(k->min, lo, sizeof lo);
				format_size(k->max, hi, sizeof hi);
			} else {
				snprintf(lo, sizeof lo, "%llu", (unsigned long long)k->min);
				snprintf(hi, sizeof hi, "%llu", (unsigned long long)k->max);
			}
			snprintf(why, sizeof why, k->max == k->min + 1 ? "must be %s or %s" :
				 "must be between %s and %s", lo, hi);
			err = why;
		}
		if (!err && k->check)
			err = k->check(v);
		if (!err && k->type == CT_U32) {
			u32 v32 = (u32)v;
			memcpy(p, &v32, sizeof v32);
		} else if (!err) {
			memcpy(p, &v, sizeof v);
		}
		break;
	}
	case CT_BOOL: {
		bool bv = false;
		err = parse_bool(val, &bv);
		if (!err)
			memcpy(p, &bv, sizeof bv);
		break;
	}
	case CT_ENUM: {
		unsigned e;
		size_t len = 0;
		for (e = 0; k->names[e]; e++)
			if (!strcasecmp(val, k->names[e]))
				break;
		if (k->names[e]) {
			memcpy(p, &e, sizeof e);
			break;
		}
		len = (size_t)snprintf(why, sizeof why, "must be ");
		for (e = 0; k->names[e] && len < sizeof why; e++)
			len += (size_t)snprintf(why + len, sizeof why - len, "%s%s", k->names[e],
						!k->names[e + 1] ? "" : !k->names[e + 2] ? " or " : ", ");
		err = why;
		break;
	}
	case CT_FRAC:
	case CT_DOUBLE: {
		char *end;
		double d;
		if (!*val) {
			err = "empty value";
			break;
		}
		errno = 0;
		d = strtod(val, &end);
		/* decimal only: strtod would take 0x10 as 16 and "inf" */
		if (val[strspn(val, "0123456789.eE+-")]) {
			err = "not a number (decimal digits only)";
		} else if (*end || end == val || errno == ERANGE || !isfinite(d)) {
			err = "not a number";
		} else if (k->type == CT_FRAC && !(d >= 0 && d <= 1)) {
			err = "must be a fraction from 0 to 1";
		} else if (k->type == CT_DOUBLE && !(d > (double)k->min && d <= (double)k->max)) {
			snprintf(why, sizeof why, "must be greater than %llu and at most %llu",
				 (unsigned long long)k->min, (unsigned long long)k->max);
			err = why;
		} else {
			memcpy(p, &d, sizeof d);
		}
		break;
	}
	case CT_NAME: {
		size_t len = strlen(val), i;
		bool ok = len >= k->min && len <= k->max;
		for (i = 0; ok && i < len; i++)
			ok = (val[i] >= 'a' && val[i] <= 'z') || (val[i] >= '0' && val[i] <= '9') ||
			     val[i] == '-';
		if (!ok) {
			snprintf(why, sizeof why, "must be %llu to %llu characters of a-z, 0-9 and '-'",
				 (unsigned long long)k->min, (unsigned long long)k->max);
			err = why;
		} else {
			memcpy(p, val, len + 1);
		}
		break;
	}
	}
	if (err)
		return cfg_error(src, k->sec, k->key, "%s (got %s)", err, quote(val, qb, sizeof qb));
	L->seq[ki] = seq;
	return 0;
}

/* Applies "sec" + "key" = val from a layer. */
static int apply_one(struct loader *L, int seq, const char *src, const char *sec,
		     const char *key, const char *val)
{
	int ki;

	if (!section_known(sec))
		return cfg_error(src, sec, key, "unknown section");
	ki = find_key(sec, key);
	if (ki < 0)
		return cfg_error(src, sec, key, "unknown key");
	return set_value(L, seq, src, ki, val);
}

/* ---- iniparser layers --------------------------------------------------- */

static char ini_msg[600];
static bool ini_msg_set;

/* iniparser reports through this: keep the first message only. */
static int ini_errback(const char *fmt, ...)
{
	va_list ap;

	if (ini_msg_set)
		return 0;
	va_start(ap, fmt);
	vsnprintf(ini_msg, sizeof ini_msg, fmt, ap);
	va_end(ap);
	ini_msg_set = true;
	return 0;
}

static dictionary *ini_load_path(const char *path)
{
	dictionary *d;

	ini_msg_set = false;
	ini_msg[0] = 0;
	iniparser_set_error_callback(ini_errback);
	d = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	return d;
}

/* After iniparser_load failed: one line from the callback's message. */
static int ini_report(const char *src)
{
	char where[600], text[600];
	char *nl, *paren, *arrow;
	long lineno = 0;

	if (!ini_msg_set)
		return cfg_error(src, NULL, NULL, "cannot parse (iniparser gave no reason)");
	text[0] = 0;
	arrow = strstr(ini_msg, "-> ");
	if (arrow) {
		snprintf(text, sizeof text, "%s", arrow + 3);
		text[strcspn(text, "\r\n")] = 0;
	}
	nl = strchr(ini_msg, '\n');
	if (nl)
		*nl = 0;
	paren = strrchr(ini_msg, '(');
	if (paren)
		lineno = strtol(paren + 1, NULL, 10);
	if (lineno > 0)
		snprintf(where, sizeof where, "%s:%ld", src, lineno);
	else
		snprintf(where, sizeof where, "%s", src);
	if (strstr(ini_msg, "syntax error"))
		return cfg_error(where, NULL, NULL,
				 "syntax error in '%.200s' (expected [section], key = value or a ; comment)", text);
	if (strstr(ini_msg, "too long"))
		return cfg_error(where, NULL, NULL, "line too long");
	if (!strncmp(ini_msg, "iniparser: ", 11))
		return cfg_error(where, NULL, NULL, "%s", ini_msg + 11);
	return cfg_error(where, NULL, NULL, "%s", ini_msg);
}

/* What iniparser 4.1 lets through or misreports, checked on the raw
 * text first: a NUL byte or a gzip stream (iniparser calls either "line
 * too long"), a section given twice (iniparser merges the two), a key
 * given twice in a section (iniparser keeps the last), a value with an
 * unbalanced quote (iniparser drops the quote). Keys are matched within
 * the section they follow (nseen: sections so far; 0 before the first). 0 or -EINVAL
 * after one line "SRC:LINE: why". */
static int ini_prescan(const char *path, const char *src)
{
	enum { SEEN_MAX = 512, KEYS_MAX = 1024 };
	struct { char name[64]; long line; } *seen;
	struct { char name[64]; long line; int sec; } *keys;
	int nkeys = 0;
	char buf[1024], where[600];
	long lineno = 0;
	int nseen = 0, rc = 0, c0, c1;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 0;      /* iniparser_load reports it */
	c0 = getc(f);
	c1 = getc(f);
	if (c0 == 0x1f && c1 == 0x8b) {
		fclose(f);
		return cfg_error(src, NULL, NULL, "is gzip-compressed (give the INI text uncompressed)");
	}
	rewind(f);
	seen = calloc(SEEN_MAX, sizeof *seen);
	keys = calloc(KEYS_MAX, sizeof *keys);
	SIM_BUG_ON(!seen || !keys);
	while (!rc) {
		size_t n = 0;
		int ch;
		char *s, *e;
		bool cut = false;
		while ((ch = getc(f)) != EOF && ch != '\n') {
			if (ch == 0) {
				snprintf(where, sizeof where, "%s:%ld", src, lineno + 1);
				rc = cfg_error(where, NULL, NULL, "NUL byte (not a text file)");
				break;
			}
			if (n + 1 < sizeof buf)
				buf[n++] = (char)ch;
			else
				cut = true;
		}
		if (rc || (ch == EOF && !n))
			break;
		buf[n] = 0;
		lineno++;
		snprintf(where, sizeof where, "%s:%ld", src, lineno);
		for (s = buf; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			;
		*e = 0;
		if (cut || !*s || *s == ';' || *s == '#')
			continue;    /* iniparser reports a line too long */
		if (*s == '[') {
			char *close = strchr(s, ']');
			size_t len;
			int i;
			if (!close)
				continue;
			for (s++; isspace((unsigned char)*s); s++)
				;
			for (e = close; e > s && isspace((unsigned char)e[-1]); e--)
				;
			len = (size_t)(e - s);
			if (len >= sizeof seen[0].name)
				continue;
			for (i = 0; i < nseen; i++)
				if (strlen(seen[i].name) == len && !strncasecmp(seen[i].name, s, len)) {
					rc = cfg_error(where, NULL, NULL, "[%.*s]: section given twice (first at line %ld)",
						       (int)len, s, seen[i].line);
					break;
				}
			if (!rc && nseen < SEEN_MAX) {
				memcpy(seen[nseen].name, s, len);
				seen[nseen].name[len] = 0;
				seen[nseen++].line = lineno;
			}
			continue;
		}
		if ((e = strchr(s, '='))) {
			char *k = s, *ke = e;
			int i;
			for (e++; isspace((unsigned char)*e); e++)
				;
			if ((*e == '"' || *e == '\'') && !strchr(e + 1, *e)) {
				rc = cfg_error(where, NULL, NULL, "unbalanced %c in the value '%.60s'", *e, e);
				break;
			}
			/* a key given twice in one section (iniparser keeps the last) */
			while (ke > k && isspace((unsigned char)ke[-1]))
				ke--;
			if (ke == k || (size_t)(ke - k) >= sizeof keys[0].name)
				continue;
			for (i = 0; i < nkeys; i++)
				if (keys[i].sec == nseen && strlen(keys[i].name) == (size_t)(ke - k) &&
				    !strncasecmp(keys[i].name, k, (size_t)(ke - k))) {
					rc = cfg_error(where, NULL, NULL, "%.*s: key given twice in its section (first at "
						       "line %ld)", (int)(ke - k), k, keys[i].line);
					break;
				}
			if (!rc && nkeys < KEYS_MAX) {
				memcpy(keys[nkeys].name, k, (size_t)(ke - k));
				keys[nkeys].name[ke - k] = 0;
				keys[nkeys].sec = nseen;
				keys[nkeys++].line = lineno;
			}
		}
	}
	free(seen);
	free(keys);
	fclose(f);
	return rc;
}

struct _dictionary_ *cfg_ini_load(const char *path, const char *src)
{
	dictionary *d;
	if (ini_prescan(path, src))
		return NULL;
	d = ini_load_path(path);
	if (!d)
		ini_report(src);
	return d;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* iniparser 4.1 reads only files: the text goes through a memfd (or a
 * temporary file when memfd or /proc is unavailable). */
static dictionary *ini_load_text(const char *text, const char *src, int *rc)
{
	char path[4200];
	dictionary *d;
	bool tmp = false;
	int fd;

	*rc = 0;
	fd = memfd_create("mmusim-default-ini", MFD_CLOEXEC);
	if (fd >= 0) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if (access(path, R_OK)) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		const char *dir = getenv("TMPDIR");
		if (!dir || !*dir || strlen(dir) > 4000)
			dir = "/tmp";
		snprintf(path, sizeof path, "%s/mmusim-ini.XXXXXX", dir);
		fd = mkstemp(path);
		if (fd < 0) {
			*rc = cfg_error(src, NULL, NULL, "cannot create a temporary file: %s", strerror(errno));
			return NULL;
		}
		tmp = true;
	}
	if (write_all(fd, text, strlen(text))) {
		*rc = cfg_error(src, NULL, NULL, "cannot write a temporary file: %s", strerror(errno));
		d = NULL;
	} else {
		d = ini_load_path(path);
		if (!d)
			*rc = ini_report(src);
	}
	if (tmp)
		unlink(path);
	close(fd);
	return d;
}

static dictionary *ini_load_file(const char *file, int *rc)
{
	struct stat st;
	dictionary *d;
	FILE *f;

	*rc = 0;
	f = fopen(file, "r");
	if (!f) {
		*rc = cfg_error(file, NULL, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		*rc = cfg_error(file, NULL, NULL, "cannot open: %s", strerror(EISDIR));
		return NULL;
	}
	fclose(f);
	if ((*rc = ini_prescan(file, file)))
		return NULL;
	d = ini_load_path(file);
	if (!d)
		*rc = ini_report(file);
	return d;
}

/* Applies every entry of d. Keys first, in file order, so that an unknown
 * section is reported with its first key; then sections without keys. */
static int apply_dict(struct loader *L, int seq, const char *src, const dictionary *d)
{
	char sec[256];
	ssize_t i;
	int rc;

	for (i = 0; i < d->size; i++) {
		const char *k = d->key[i], *colon;
		size_t len;
		if (!k || !(colon = strchr(k, ':')))
			continue;
		if (colon == k)
			return cfg_error(src, NULL, NULL, "key '%.100s' is outside any section", k + 1);
		len = (size_t)(colon - k);
		if (len >= sizeof sec)
			len = sizeof sec - 1;
		memcpy(sec, k, len);
		sec[len] = 0;
		rc = apply_one(L, seq, src, sec, colon + 1, d->val[i] ? d->val[i] : "");
		if (rc)
			return rc;
	}
	for (i = 0; i < d->size; i++) {
		const char *k = d->key[i];
		if (k && !strchr(k, ':') && !section_known(k))
			return cfg_error(src, k, NULL, "unknown section");
	}
	return 0;
}

/* ---- overrides ---------------------------------------------------------- */

static char *trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* "section.key=value": the section is everything before the last dot of
 * the part before the first '='. */
static int apply_override(struct loader *L, int seq, const char *text)
{
	const char *eq = strchr(text, '=');
	size_t lhs_len = eq ? (size_t)(eq - text) : strlen(text);
	char *lhs, *sec, *key, *dot, *val = NULL;
	char qb[64];
	int rc;

	lhs = malloc(lhs_len + 1);
	SIM_BUG_ON(!lhs);
	memcpy(lhs, text, lhs_len);
	lhs[lhs_len] = 0;
	sec = trim(lhs);
	dot = strrchr(sec, '.');
	if (!dot || dot == sec || !dot[1]) {
		rc = cfg_error(seq_src(L, seq), NULL, NULL, "bad override %s: expected section.key=value",
			       quote(text, qb, sizeof qb));
		goto out;
	}
	*dot = 0;
	key = dot + 1;
	if (!eq) {
		rc = cfg_error(seq_src(L, seq), sec, key, "missing '=' in %s: expected section.key=value",
			       quote(text, qb, sizeof qb));
		goto out;
	}
	val = strdup(eq + 1);
	SIM_BUG_ON(!val);
	{
		char *v = trim(val);
		size_t n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = 0;
			v++;
		}
		rc = apply_one(L, seq, seq_src(L, seq), sec, key, v);
	}
out:
	free(val);
	free(lhs);
	return rc;
}

/* ---- cross-field checks ------------------------------------------------- */

static struct sa_geom *geom_at(struct loader *L, size_t off)
{
	return (struct sa_geom *)(void *)((char *)&L->b + off);
}

/* Reports why against the candidate key (ki[0..n)) that the latest layer
 * set; on a tie, against ki[tie]. Lists the note (may be NULL) and every
 * candidate's value, in order. */
static int blame(const struct loader *L, const int *ki, int n, int tie, const char *why,
		 const char *note)
{
	char detail[400], val[64];
	size_t len = 0;
	int best = ki[tie], i;

	for (i = 0; i < n; i++)
		if (L->seq[ki[i]] > L->seq[best])
			best = ki[i];
	detail[0] = 0;
	if (note)
		len = (size_t)snprintf(detail, sizeof detail, "%s; ", note);
	for (i = 0; i < n && len < sizeof detail; i++) {
		fmt_value(&L->b, &cfg_keys[ki[i]], val, sizeof val);
		len += (size_t)snprintf(detail + len, sizeof detail - len, "%s%s = %s",
					i ? ", " : "", cfg_keys[ki[i]].key, val);
	}
	return cfg_error(seq_src(L, L->seq[best]), cfg_keys[best].sec, cfg_keys[best].key,
			 "%s (%s)", why, detail);
}

static int check_array(struct loader *L, const struct cfg_array *a)
{
	struct sa_geom *g = geom_at(L, a->geom);
	const struct sa_geom *sh = geom_at(L, a->shared);
	int k_ent = must_find_key(a->sec, a->entries_key);
	int k_way = must_find_key(a->sec, a->ways_key);
	int k_pol = must_find_key(a->sec, "policy");
	const char *why;
	char buf[128];

	g->policy = sh->policy;
	g->latency = sh->latency;
	if (a->cache_lvl >= 0) {
		u64 size = L->b.cache_size[a->cache_lvl];
		u64 line = L->b.c.cache.line;
		int k_line = must_find_key("cache", "line");
		int cand[3] = { k_ent, k_way, k_line };
		if (size && !g->ways)
			return blame(L, (int[]){ k_ent, k_way }, 2, 1,
				     "ways must be at least 1 when size is not 0", NULL);
		if (size % line)
			return blame(L, (int[]){ k_ent, k_line }, 2, 0,
				     "size must be a multiple of line", NULL);
		if (size && size % (line * g->ways)) {
			snprintf(buf, sizeof buf, "size must be a multiple of line * ways = %llu",
				 (unsigned long long)(line * g->ways));
			return blame(L, cand, 3, 0, buf, NULL);
		}
		SIM_BUG_ON(size / line > UINT32_MAX);
		g->entries = (u32)(size / line);
		why = sa_geom_check(g);
		if (why) {
			struct sa_geom lru = *g;
			lru.policy = REPL_LRU;
			if (!sa_geom_check(&lru))
				return blame(L, (int[]){ k_pol, k_way }, 2, 0, why, NULL);
			snprintf(buf, sizeof buf, "entries = size / line = %u", g->entries);
			return blame(L, cand, 3, 0, why, buf);
		}
		return 0;
	}
	why = sa_geom_check(g);
	if (why) {
		struct sa_geom lru = *g;
		lru.policy = REPL_LRU;
		if (!sa_geom_check(&lru))
			return blame(L, (int[]){ k_pol, k_way }, 2, 0, why, NULL);
		return blame(L, (int[]){ k_ent, k_way }, 2, 1, why, NULL);
	}
	return 0;
}

static int finalize(struct loader *L)
{
	unsigned i;
	int rc, l;

	for (i = 0; i < ARRAY_SIZE(cfg_arrays); i++) {
		rc = check_array(L, &cfg_arrays[i]);
		if (rc)
			return rc;
	}
	if (L->b.c.host.contig_align > (PAGE_SIZE << L->b.c.host.max_order))
		return blame(L, (int[]){ must_find_key("host", "contig_align"), must_find_key("host", "max_order") },
			     2, 0, "larger than the largest buddy block (4K << max_order)", NULL);
	if (L->b.c.segment.vmm_escape_pages && L->b.c.vm.host_thp)
		return blame(L, (int[]){ must_find_key("segment", "vmm_escape_pages"), must_find_key("vm", "host_thp") },
			     2, 0, "bad host pages are remapped at 4K: needs 4K EPT pages", NULL);
	/* The unused PWC slots [0] and [1] carry the shared policy/latency
	 * too, so that every slot reads alike. */
	for (l = 0; l < 2; l++) {
		L->b.c.pwc.lvl[l].policy = L->b.c.pwc.lvl[2].policy;
		L->b.c.pwc.lvl[l].latency = L->b.c.pwc.lvl[2].latency;
	}
	return 0;
}

/* ---- API ---------------------------------------------------------------- */

int cfg_load(struct cfg *c, const char *file, const char *const *overrides, int n_overrides)
{
	return cfg_load_from(c, file, overrides, NULL, n_overrides);
}

int cfg_load_from(struct cfg *c, const char *file, const char *const *overrides, const char *const *srcs,
		  int n_overrides)
{
	struct loader *L;
	dictionary *d;
	int rc, i;

	SIM_BUG_ON(n_overrides > 0 && !overrides);
	L = calloc(1, sizeof *L);
	SIM_BUG_ON(!L);
	L->file = file;
	L->osrc = srcs;
	for (i = 0; i < NKEYS; i++)
		L->seq[i] = SEQ_NONE;

	d = ini_load_text(cfg_default_ini, SRC_DEFAULT, &rc);
	if (!d)
		goto out;
	rc = apply_dict(L, SEQ_DEFAULT, SRC_DEFAULT, d);
	iniparser_freedict(d);
	if (rc)
		goto out;
	for (i = 0; i < NKEYS; i++) {
		if (L->seq[i] == SEQ_NONE) {
			rc = cfg_error(SRC_DEFAULT, cfg_keys[i].sec, cfg_keys[i].key,
				       "missing (the embedded default must set every key)");
			goto out;
		}
	}

	if (file) {
		d = ini_load_file(file, &rc);
		if (!d)
			goto out;
		rc = apply_dict(L, SEQ_FILE, file, d);
		iniparser_freedict(d);
		if (rc)
			goto out;
	}

	for (i = 0; i < n_overrides; i++) {
		rc = apply_override(L, SEQ_OVERRIDE + i, overrides[i]);
		if (rc)
			goto out;
	}

	rc = finalize(L);
	if (!rc) {
		*c = L->b.c;
		for (i = 0; i < NKEYS; i++) {
			c->layer[i] = (u8)(L->seq[i] >= SEQ_OVERRIDE ? SEQ_OVERRIDE : L->seq[i]);
			snprintf(c->ovr_src[i], sizeof c->ovr_src[i], "%s",
				 L->seq[i] >= SEQ_OVERRIDE ? seq_src(L, L->seq[i]) : "");
		}
		snprintf(c->file, sizeof c->file, "%s", file ? file : "");
	}
out:
	free(L);
	return rc ? -EINVAL : 0;
}

const char *cfg_source(const struct cfg *c, const char *sec, const char *key)
{
	int k = find_key(sec, key);
	SIM_BUG_ON(k < 0);
	if (c->layer[k] == SEQ_FILE)
		return c->file;
	if (c->layer[k] == SEQ_OVERRIDE)
		return c->ovr_src[k][0] ? c->ovr_src[k] : SRC_CMDLINE;
	return SRC_DEFAULT;
}

void cfg_default(struct cfg *c)
{
	SIM_BUG_ON(cfg_load(c, NULL, NULL, 0) != 0);
}

void cfg_foreach(const struct cfg *c, void (*fn)(const char *sec, const char *key, const char *val, void *arg),
		 void *arg)
{
	struct cfg_build b;
	char val[128];
	int i;

	memset(&b, 0, sizeof b);
	b.c = *c;
	for (i = 0; i < 3; i++)
		b.cache_size[i] = (u64)c->cache.lvl[i].entries * c->cache.line;
	for (i = 0; i < NKEYS; i++) {
		fmt_value(&b, &cfg_keys[i], val, sizeof val);
		fn(cfg_keys[i].sec, cfg_keys[i].key, val, arg);
	}
}

struct dump_state {
	FILE *f;
	const char *sec;
};

static void dump_kv(const char *sec, const char *key, const char *val, void *arg)
{
	struct dump_state *d = arg;
	if (!d->sec || strcmp(d->sec, sec)) {
		fprintf(d->f, "\n[%s]\n", sec);
		d->sec = sec;
	}
	fprintf(d->f, "%s = %s\n", key, val);
}

void cfg_dump(const struct cfg *c, void *file)
{
	struct dump_state d = { file, NULL };
	fputs("; mmusim effective configuration (loads back with -c)\n", d.f);
	cfg_foreach(c, dump_kv, &d);
}

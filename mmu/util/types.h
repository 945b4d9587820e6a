/*
 * types.h - fixed-width types, address spaces, page sizes, invariants.
 *
 * Model notes
 *   Three address spaces are distinct C types so that the compiler rejects
 *   a guest-virtual address passed where a host-physical one is expected:
 *     gva_t  guest-virtual (for a native machine: the process's linear address)
 *     gpa_t  guest-physical (for a native machine: equal to the host-physical)
 *     hpa_t  host-physical (where page-table pages really live in physmem)
 *   Frame numbers (gfn_t, hfn_t) are plain integers: they index arrays.
 *   Linear addresses are at most 57 bits (LA57, Intel SDM vol. 3A 4.5);
 *   physical addresses at most 52 bits (MAXPHYADDR limit, SDM vol. 3A 4.1.4).
 *
 *   Page sizes follow x86-64: 4 KiB, 2 MiB, 1 GiB (SDM vol. 3A table 4-1).
 */
#ifndef MMUSIM_TYPES_H
#define MMUSIM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

typedef struct { u64 v; } gva_t;
typedef struct { u64 v; } gpa_t;
typedef struct { u64 v; } hpa_t;
typedef u64 gfn_t;
typedef u64 hfn_t;

static inline gva_t mk_gva(u64 v) { return (gva_t){ v }; }
static inline gpa_t mk_gpa(u64 v) { return (gpa_t){ v }; }
static inline hpa_t mk_hpa(u64 v) { return (hpa_t){ v }; }

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define VA_BITS_MAX 57          /* LA57 */
#define PA_BITS_MAX 52          /* architectural MAXPHYADDR limit */

/* Page sizes, used as indices into per-size arrays. */
enum psize { PS_4K = 0, PS_2M = 1, PS_1G = 2, PS_NR = 3 };

static inline unsigned psize_shift(enum psize s) { return 12u + 9u * (unsigned)s; }
static inline u64 psize_bytes(enum psize s) { return 1ull << psize_shift(s); }
/* The largest page size <= s at which a translation that adds `offset`
 * (hPA - gVA, or hPA - gPA) is aligned: a page of size s maps onto one
 * aligned page of that size only when the offset is a multiple of it. */
static inline enum psize psize_aligned(enum psize s, u64 offset)
{
	while (s > PS_4K && (offset & (psize_bytes(s) - 1)))
		s = (enum psize)(s - 1);
	return s;
}
/* Level of the leaf entry mapping a page of this size (PT=1, PD=2, PDPT=3). */
static inline int psize_level(enum psize s) { return 1 + (int)s; }
const char *psize_name(enum psize s);   /* "4K", "2M", "1G" */

/* Access types. M (modify) is a read followed by a write to the same
 * address, as in valgrind lackey output; it translates once, as a write. */
enum acc { ACC_R = 0, ACC_W = 1, ACC_I = 2, ACC_M = 3, ACC_NR = 4 };
static inline bool acc_is_write(enum acc a) { return a == ACC_W || a == ACC_M; }

/* Permission bits of a translation (independent of the PTE format). */
enum { PERM_R = 1, PERM_W = 2, PERM_X = 4, PERM_U = 8 };

/* Broken invariant: a bug in mmusim, never a property of the input. */
_Noreturn void sim_bug(const char *file, int line, const char *cond);
#define SIM_BUG_ON(c) do { if (__builtin_expect(!!(c), 0)) sim_bug(__FILE__, __LINE__, #c); } while (0)

/* The structure of type T whose member m is at p (as in Linux). */
#define container_of(p, T, m) ((T *)(void *)((char *)(p) - offsetof(T, m)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* xorshift64* : the one PRNG of the simulator (seeded from [sim] seed). */
static inline u64 rng_next(u64 *s)
{
	u64 x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}
/* Seed expansion so that seeds 0, 1, 2 give unrelated streams. */
static inline u64 rng_seed(u64 seed)
{
	u64 z = seed + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return z ? z : 0x9E3779B97F4A7C15ull;
}
/* Uniform double in [0, 1). */
static inline double rng_unit(u64 *s) { return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0); }

/* Parse "4096", "0x1000", "4K", "2M", "64G", "1T" into bytes. 0 / -EINVAL. */
int parse_size(const char *s, u64 *out);
/* The inverse of parse_size: the shortest exact "4K" / "2M" / "64G" form,
 * or plain bytes. */
void format_size(u64 v, char *buf, size_t n);
/* Parse a count: decimal digits, an optional decimal exponent (1e6,
 * 25e4) and an optional decimal suffix K M G T (10^3 .. 10^12): "1M" is
 * 1000000. Sizes in bytes use parse_size (binary suffixes) instead.
 * 0 / -EINVAL (also on overflow). */
int parse_count_n(const char *s, size_t n, u64 *out);
int parse_count(const char *s, u64 *out);
/* Parse a hexadecimal (with or without 0x) or decimal (0d prefix not used)
 * address: "0x7f001000", "7f001000". Used by trace readers. 0 / -EINVAL. */
int parse_hex(const char *s, u64 *out);

#endif

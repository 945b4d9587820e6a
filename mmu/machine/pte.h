/*
 * pte.h - page-table entry formats.
 *
 * Model notes
 *   x86-64 paging entries (Intel SDM vol. 3A 4.5, tables 4-15 to 4-20;
 *   AMD APM vol. 2 5.3): P(0) RW(1) US(2) PWT(3) PCD(4) A(5) D(6) PS(7)
 *   G(8), address bits 12..51, NX(63) (honoured: IA32_EFER.NXE = 1).
 *   PS is meaningful in PDPTEs (1 GiB page) and PDEs (2 MiB page). PAT,
 *   protection keys and the ignored/available bits are not modelled; the
 *   OS model writes zero there.
 *   Levels are numbered as in the SDM's walk: 1 = PT, 2 = PD, 3 = PDPT,
 *   4 = PML4, 5 = PML5. The index of va at level L is bits
 *   [12 + 9(L-1), 20 + 9(L-1)].
 */
#ifndef MMUSIM_PTE_H
#define MMUSIM_PTE_H

#include "../util/types.h"

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_US  (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)
#define PTE_G   (1ull << 8)
#define PTE_NX  (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull   /* bits 12..51 */

static inline unsigned pt_index(u64 va, int level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511u;
}
static inline u64 pte_addr(u64 e) { return e & PTE_ADDR_MASK; }
/* Is an entry at `level` a leaf (maps a page)? */
static inline bool pte_is_leaf(u64 e, int level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}
/* Permission bits (PERM_*) granted by one entry. */
static inline u8 pte_perms(u64 e)
{
	u8 p = PERM_R;
	if (e & PTE_RW)
		p |= PERM_W;
	if (!(e & PTE_NX))
		p |= PERM_X;
	if (e & PTE_US)
		p |= PERM_U;
	return p;
}
/* Does a translation with perms allow access a (user mode)? */
static inline bool perms_allow(u8 perms, enum acc a)
{
	if (!(perms & PERM_U))
		return false;
	if (a == ACC_I)
		return perms & PERM_X;
	if (acc_is_write(a))
		return perms & PERM_W;
	return perms & PERM_R;
}
/* Page size of a leaf found at level. */
static inline enum psize level_psize(int level) { return (enum psize)(level - 1); }

/* Lowest linear address that is not canonical for user space with this
 * many levels: 2^47 (4 levels), 2^56 (5 levels). Addresses of the upper
 * (supervisor) half are not modelled. */
static inline u64 va_user_limit(int levels) { return 1ull << (12 + 9 * levels - 1); }

/* The architectural outcome of a walk of these tables (the reference
 * translator and every walker report faults this way). */
enum fault_kind {
	FAULT_NONE = 0,
	FAULT_NOT_PRESENT,   /* #PF, P = 0 at some level */
	FAULT_PROT,          /* #PF, protection (RW, US, NX) */
	FAULT_NONCANONICAL,  /* #GP: address not canonical for the paging mode */
	FAULT_RSVD,          /* #PF with RSVD: reserved bit or bad PS use */
	FAULT_EPT,           /* EPT violation: gPA not mapped or not allowed */
	FAULT_ISOLATION,     /* a bounds or memory-tag check refused the translation */
	FAULT_KIND_NR
};
const char *fault_kind_name(enum fault_kind k);

/*
 * EPT entries (Intel SDM vol. 3C 29.3.2, tables 29-1 to 29-6): R(0) W(1)
 * X(2) (supervisor execute; mode-based execute control is not modelled),
 * memory type bits 3-5 in leaves (6 = write-back), PS(7) in EPT PDPTEs and
 * PDEs, A(8) and D(9) when EPT A/D flags are enabled (EPTP bit 6, modelled
 * as enabled), address bits 12..51. An entry is present when any of R, W, X
 * is set.
 */
#define EPT_R   (1ull << 0)
#define EPT_W   (1ull << 1)
#define EPT_X   (1ull << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB (6ull << 3)
#define EPT_PS  (1ull << 7)
#define EPT_A   (1ull << 8)
#define EPT_D   (1ull << 9)

static inline bool ept_present(u64 e) { return (e & EPT_RWX) != 0; }
/* Permission bits (PERM_*) granted by one EPT entry (no user/supervisor
 * distinction in EPT: PERM_U is always granted). */
static inline u8 ept_perms(u64 e)
{
	return (u8)((e & EPT_R ? PERM_R : 0) | (e & EPT_W ? PERM_W : 0) | (e & EPT_X ? PERM_X : 0) | PERM_U);
}

#endif

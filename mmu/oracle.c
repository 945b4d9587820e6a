/*
 * oracle.c - reference translator (model notes in oracle.h).
 *
 * The permission rules are those of SDM vol. 3A 4.6 for user-mode
 * accesses with CR0.WP = 1, EFER.NXE = 1, no SMEP/SMAP, no protection keys:
 * every entry of the path must have US = 1; a write needs RW = 1 in every
 * entry; a fetch needs NX = 0 in every entry.
 */
#include "oracle.h"
#include "pte.h"

#include <string.h>

void oracle_translate(struct machine *m, gpa_t root, int levels, u64 va, enum acc a,
		      struct oracle_res *r)
{
	u64 table = root.v, e = 0;
	bool us = true, rw = true, nx = false;
	int level;

	memset(r, 0, sizeof *r);
	if (va >= va_user_limit(levels)) {
		r->fault = FAULT_NONCANONICAL;
		return;
	}
	for (level = levels; level >= 1; level--) {
		u64 at = table + 8ull * ((va >> (12 + 9 * (level - 1))) & 511);
		e = machine_pt_read(m, mk_gpa(at));
		r->leaf = e;
		r->leaf_at = mk_gpa(at);
		r->level = level;
		if (!(e & PTE_P)) {
			r->fault = FAULT_NOT_PRESENT;
			return;
		}
		if ((e & PTE_PS) && (level == 5 || level == 4)) {
			r->fault = FAULT_RSVD;     /* PS is reserved in PML5E/PML4E */
			return;
		}
		us = us && (e & PTE_US);
		rw = rw && (e & PTE_RW);
		nx = nx || (e & PTE_NX);
		if (level == 1 || (e & PTE_PS))
			break;
		table = e & PTE_ADDR_MASK;
	}
	{
		u64 size = 1ull << (12 + 9 * (level - 1));
		u64 base = (e & PTE_ADDR_MASK) & ~(size - 1);

		r->ps = (enum psize)(level - 1);
		r->perms = PERM_R | (rw ? PERM_W : 0) | (nx ? 0 : PERM_X) | (us ? PERM_U : 0);
		r->dirty = (e & PTE_D) != 0;
		r->gpa = mk_gpa(base | (va & (size - 1)));
		r->hpa = machine_gpa_hpa(m, r->gpa);
		if (!us || (a == ACC_I && nx) || ((a == ACC_W || a == ACC_M) && !rw))
			r->fault = FAULT_PROT;
	}
}

/*
 * oracle.c - reference translator (model notes in oracle.h).
 *
 * The permission rules are those of SDM vol. 3A 4.6 for user-mode
 * accesses with CR0.WP = 1, EFER.NXE = 1, no SMEP/SMAP, no protection keys:
 * every entry of the path must have US = 1; a write needs RW = 1 in every
 * entry; a fetch needs NX = 0 in every entry. EPT (SDM vol. 3C 29.3.3):
 * a read needs R, a write W, a fetch X in every EPT entry of the path;
 * reads of guest tables need R (the walk's own A/D updates are not checked
 * for W, as the walkers do not check them either).
 */
#include "oracle.h"
#include "pte.h"

#include <string.h>

struct ept_res {
	u64 hpa;
	int level;
	u8 perms;
};

/* gPA -> hPA through the EPT in physmem. false: EPT violation. */
static bool oracle_ept(struct machine *m, u64 gpa, struct ept_res *er)
{
	u64 table = m->vm.ept_root.v, e = 0;
	u8 perms = PERM_R | PERM_W | PERM_X | PERM_U;
	int level;

	if (gpa >> PA_BITS_MAX)
		return false;
	for (level = m->vm.host_levels; level >= 1; level--) {
		e = physmem_read64(&m->mem, mk_hpa(table + 8ull * ((gpa >> (12 + 9 * (level - 1))) & 511)));
		if (!(e & (EPT_R | EPT_W | EPT_X)))
			return false;
		perms &= ept_perms(e);
		if (level == 1 || (e & EPT_PS))
			break;
		table = e & PTE_ADDR_MASK;
	}
	{
		u64 size = 1ull << (12 + 9 * (level - 1));
		er->hpa = ((e & PTE_ADDR_MASK) & ~(size - 1)) | (gpa & (size - 1));
		er->level = level;
		er->perms = perms;
	}
	return true;
}

/* Reads a guest entry at guest-physical `at`. false: EPT violation. */
static bool read_guest(struct machine *m, u64 at, u64 *e)
{
	struct ept_res er;
	if (!m->vm.on) {
		*e = physmem_read64(&m->mem, mk_hpa(at));
		return true;
	}
	if (!oracle_ept(m, at, &er) || !(er.perms & PERM_R))
		return false;
	*e = physmem_read64(&m->mem, mk_hpa(er.hpa));
	return true;
}

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
		r->level = level;
		r->leaf_at = mk_gpa(at);
		if (!read_guest(m, at, &e)) {
			r->fault = FAULT_EPT;
			r->host_fault = true;
			return;
		}
		r->leaf = e;
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

		r->gps = r->ps = (enum psize)(level - 1);
		r->gperms = r->perms = PERM_R | (rw ? PERM_W : 0) | (nx ? 0 : PERM_X) | (us ? PERM_U : 0);
		r->dirty = (e & PTE_D) != 0;
		r->gpa = mk_gpa(base | (va & (size - 1)));
		r->hpa = mk_hpa(r->gpa.v);
		if (!us || (a == ACC_I && nx) || ((a == ACC_W || a == ACC_M) && !rw)) {
			r->fault = FAULT_PROT;
			return;
		}
	}
	if (m->vm.on) {
		struct ept_res er;
		bool ok = oracle_ept(m, r->gpa.v, &er);
		if (ok)
			ok = a == ACC_I ? (er.perms & PERM_X) : (a == ACC_W || a == ACC_M) ? (er.perms & PERM_W)
									     : (er.perms & PERM_R);
		if (!ok) {
			r->fault = FAULT_EPT;
			r->host_fault = true;
			return;
		}
		r->hpa = mk_hpa(er.hpa);
		r->perms &= er.perms;
		if ((int)r->ps > er.level - 1)
			r->ps = (enum psize)(er.level - 1);
	}
}

const char *fault_kind_name(enum fault_kind k)
{
	static const char *const n[FAULT_KIND_NR] = {
		"none", "not-present", "protection", "non-canonical", "reserved-bit", "ept-violation", "isolation",
	};
	return (unsigned)k < FAULT_KIND_NR ? n[k] : "?";
}

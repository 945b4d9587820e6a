/*
 * mmusim-rec.c - the recorder: a QEMU user-mode TCG plugin that writes a
 * program's instruction fetches and data accesses, each with the PC of
 * its instruction, its memory-map system calls and its loaded ELF objects
 * in mmusim's binary trace format (docs/trace-format.md, docs/record.md).
 *
 * Notes
 *   Loaded by `mmusim record` as
 *     qemu-x86_64 -plugin file=mmusim-rec.so,fd=N|out=PATH,exe=PROG PROG ARGS
 *   Events: every executed instruction is an I at its address with its
 *   length (an insn-exec callback); every memory access of it an R or W
 *   (qemu_plugin_mem_is_store) of 1 << size_shift bytes with the
 *   instruction's address as PC. QEMU 7.2's R/W filter of memory callbacks
 *   is broken (QEMU_PLUGIN_MEM_R fires for stores only), so the callback
 *   is registered for QEMU_PLUGIN_MEM_RW. QEMU splits 16-byte accesses
 *   into two 8-byte ones (32-byte into four) and a read-modify-write
 *   instruction into a load and a store, so there are no M events.
 *   System calls (results from the return callback; nothing on failure):
 *     mmap      MAP [ret, ret + len) prot (MAP_FIXED replaces, as in Linux)
 *     munmap    UNMAP; mprotect PROTECT
 *     brk       MAP of the pages the break grows by, UNMAP of those it
 *               shrinks by; a "[heap]" object spans the largest heap
 *     mremap    UNMAP of the old range, MAP rw- of the new one (the old
 *               protection is not tracked)
 *     open/openat/close  kept per fd, so that an mmap of an ELF file at
 *               offset 0 adds an object record (path, bias, PT_LOAD
 *               segments read from the file)
 *   QEMU's loader maps the program, its interpreter and the stack before
 *   the guest runs, with no system call: at the first translated block the
 *   plugin reads /proc/self/maps (guest and host addresses coincide in
 *   qemu-user) and emits the MAPs and objects of the program and of the
 *   interpreter (the mapping run holding the first block); at the first
 *   data access the MAP and "[stack]" object of the anonymous mapping
 *   holding it (the first accesses of a process are pushes to its stack).
 *   Output: a 1 MiB buffer written with write(2) to a descriptor dup'ed
 *   at install to a high number (the guest may close 1 and 2); a pipe gets
 *   F_SETPIPE_SZ 1 MiB. QEMU ends with a raw exit, so the buffer is
 *   flushed and the end record written on exit_group, in the atexit
 *   callback, and before execve; the buffer is flushed on kill, tkill and
 *   tgkill (a program killed by a signal leaves a file without end
 *   record, which readers report).
 *   Threads: after the first clone with CLONE_THREAD every event takes a
 *   spin lock, so one stream holds all threads in the order they ran. A
 *   forked child (clone without CLONE_THREAD, fork, vfork) records
 *   nothing: its copy of the buffer is dropped.
 *   Does not handle: programs that exec (recording stops at execve), the
 *   children of a fork, other guest architectures, guest_base != 0.
 *   Sources: QEMU 7.2 include/qemu/qemu-plugin.h and docs/devel/tcg-plugins
 *   (callbacks, API versions); Linux mmap(2), brk(2), mremap(2), clone(2);
 *   x86-64 system call numbers from Linux arch/x86/entry/syscalls/
 *   syscall_64.tbl; ELF gABI for program headers.
 */
#include "qemu-plugin.h"
#include "../bin_enc.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

enum {
	NR_OPEN = 2, NR_CLOSE = 3, NR_MMAP = 9, NR_MPROTECT = 10, NR_MUNMAP = 11, NR_BRK = 12,
	NR_MREMAP = 25, NR_VFORK = 58, NR_FORK = 57, NR_CLONE = 56, NR_EXECVE = 59, NR_EXIT_GROUP = 231,
	NR_KILL = 62, NR_TKILL = 200, NR_TGKILL = 234, NR_OPENAT = 257, NR_EXECVEAT = 322, NR_CLONE3 = 435,
};

#define CLONE_THREAD_FLAG 0x00010000ull
#define MAP_FIXED_FLAG 0x10ull
#define BUF_SIZE (1u << 20)
#define BUF_ROOM (BUF_SIZE - BIN_OBJ_MAX - 64)
#define FD_MAX 1024
#define PAGE 4096ull
#define PG_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
#define PG_DOWN(x) ((x) & ~(PAGE - 1))

static int out_fd = -1;
static uint8_t *buf;
static size_t nbuf;
static uint64_t nev;
static struct bin_enc enc;
static volatile int lock;
static bool threaded, ended, disabled, started, stack_done;
static char exe_path[PATH_MAX];
static char *fd_path[FD_MAX];
static uint64_t brk_start, brk_cur, brk_max;
/* the system call in flight (one per thread: arguments are kept per vCPU
 * index; user-mode threads have their own vCPU) */
#define VCPU_MAX 256
static struct { int64_t num; uint64_t a[6]; char path[PATH_MAX]; } sc[VCPU_MAX];

static void put_all(const uint8_t *p, size_t n)
{
	while (n && out_fd >= 0) {
		ssize_t k = write(out_fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			/* the reader went away: stop recording */
			disabled = true;
			return;
		}
		p += k;
		n -= (size_t)k;
	}
}

static void flush(void)
{
	if (nbuf && !disabled)
		put_all(buf, nbuf);
	nbuf = 0;
}

static inline void lock_take(void)
{
	if (__builtin_expect(threaded, 0))
		while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
			while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
				__builtin_ia32_pause();
}

static inline void lock_drop(void)
{
	if (__builtin_expect(threaded, 0))
		__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static inline void room(void)
{
	if (__builtin_expect(nbuf >= BUF_ROOM, 0))
		flush();
}

static void finish(void)
{
	if (ended || disabled)
		return;
	ended = true;
	nbuf += bin_enc_end(nev, buf + nbuf);
	flush();
}

/* ---- structural records (called under the lock) ---- */

static void ev_region(unsigned kind, uint64_t va, uint64_t len, uint8_t prot)
{
	if (ended || disabled || !len)
		return;
	room();
	nbuf += bin_enc_region(kind, va, len, prot & 7, 0xff, buf + nbuf);
	nev++;
}

static void ev_obj(const char *path, uint64_t bias, unsigned nseg, const uint8_t *prot, const uint64_t *va,
		   const uint64_t *len)
{
	size_t pl = strlen(path);
	if (ended || disabled || !nseg || !pl || pl > 4096)
		return;
	room();
	nbuf += bin_enc_object(path, pl, bias, nseg, prot, va, len, buf + nbuf);
	nev++;
}

/* Reads the PT_LOAD headers of an ELF file; returns the count (at most
 * 16) with p_vaddr, p_memsz and prot, or 0. */
static unsigned elf_loads(const char *path, uint64_t *va, uint64_t *len, uint8_t *prot)
{
	Elf64_Ehdr eh;
	unsigned n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr)) {
		close(fd);
		return 0;
	}
	for (unsigned i = 0; i < eh.e_phnum && n < 16; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) != (ssize_t)sizeof ph)
			break;
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		va[n] = ph.p_vaddr;
		len[n] = ph.p_memsz;
		prot[n] = (uint8_t)((ph.p_flags & PF_R ? 1 : 0) | (ph.p_flags & PF_W ? 2 : 0) | (ph.p_flags & PF_X ? 4 : 0));
		n++;
	}
	close(fd);
	return n;
}

/* The object record of an ELF file whose first PT_LOAD page is mapped at
 * `base`; with `maps`, also MAPs of its segments (loaded without a system
 * call by QEMU). */
static void obj_at(const char *path, uint64_t base, bool maps)
{
	uint64_t va[16], len[16], bias;
	uint8_t prot[16];
	unsigned n = elf_loads(path, va, len, prot);
	if (!n)
		return;
	bias = base - PG_DOWN(va[0]);
	for (unsigned i = 0; i < n; i++)
		va[i] += bias;
	ev_obj(path, bias, n, prot, va, len);
	for (unsigned i = 0; maps && i < n; i++)
		ev_region(BIN_K_MAP, PG_DOWN(va[i]), PG_UP(va[i] + len[i]) - PG_DOWN(va[i]), prot[i]);
}

struct maps_line {
	uint64_t lo, hi;
	uint8_t prot;
	char path[PATH_MAX];
};

static bool maps_parse(const char *l, struct maps_line *m)
{
	char perms[8];
	unsigned long long lo, hi;
	int off = 0;
	m->path[0] = 0;
	if (sscanf(l, "%llx-%llx %7s %*s %*s %*s %n", &lo, &hi, perms, &off) < 3)
		return false;
	m->lo = lo;
	m->hi = hi;
	m->prot = (uint8_t)((perms[0] == 'r' ? 1 : 0) | (perms[1] == 'w' ? 2 : 0) | (perms[2] == 'x' ? 4 : 0));
	if (off > 0) {
		size_t k;
		snprintf(m->path, sizeof m->path, "%s", l + off);
		k = strlen(m->path);
		while (k && (m->path[k - 1] == '\n' || m->path[k - 1] == ' '))
			m->path[--k] = 0;
	}
	return true;
}

/* MAPs and objects of the program and of the interpreter: the run of
 * mappings of one file that holds the first block's address `entry`. */
static void initial_layout(uint64_t entry)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128], run_path[PATH_MAX] = "", interp[PATH_MAX] = "";
	struct maps_line m;
	uint64_t run_lo = 0, exe_lo = 0, interp_lo = 0;

	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (!maps_parse(line, &m))
			continue;
		if (strcmp(m.path, run_path)) {
			snprintf(run_path, sizeof run_path, "%s", m.path);
			run_lo = m.lo;
		}
		if (!exe_lo && exe_path[0] && !strcmp(m.path, exe_path))
			exe_lo = m.lo;
		if (entry >= m.lo && entry < m.hi && m.path[0] == '/' && strcmp(m.path, exe_path)) {
			snprintf(interp, sizeof interp, "%s", m.path);
			interp_lo = run_lo;
		}
	}
	fclose(f);
	if (exe_lo)
		obj_at(exe_path, exe_lo, true);
	if (interp_lo)
		obj_at(interp, interp_lo, true);
}

/* The anonymous mapping holding addr (the stack): a MAP and an object. */
static void stack_layout(uint64_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	struct maps_line m;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (!maps_parse(line, &m) || addr < m.lo || addr >= m.hi)
			continue;
		if (!m.path[0] || m.path[0] == '[') {
			uint8_t prot = m.prot;
			uint64_t va = m.lo, len = m.hi - m.lo;
			ev_region(BIN_K_MAP, m.lo, m.hi - m.lo, m.prot);
			ev_obj("[stack]", 0, 1, &prot, &va, &len);
		}
		break;
	}
	fclose(f);
}

/* ---- execution callbacks ---- */

static void on_insn(unsigned int vcpu, void *udata)
{
	uint64_t u = (uint64_t)(uintptr_t)udata;
	(void)vcpu;
	lock_take();
	if (__builtin_expect(!ended && !disabled, 1)) {
		room();
		nbuf += bin_enc_access(&enc, BIN_K_I, u & ((1ull << 57) - 1), (uint32_t)(u >> 57), 0, buf + nbuf);
		nev++;
	}
	lock_drop();
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	unsigned kind = qemu_plugin_mem_is_store(info) ? BIN_K_W : BIN_K_R;
	(void)vcpu;
	lock_take();
	if (__builtin_expect(!stack_done, 0)) {
		stack_done = true;
		stack_layout(vaddr);
	}
	if (__builtin_expect(!ended && !disabled, 1)) {
		room();
		nbuf += bin_enc_access(&enc, kind, vaddr, 1u << qemu_plugin_mem_size_shift(info),
				       (uint64_t)(uintptr_t)udata, buf + nbuf);
		nev++;
	}
	lock_drop();
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	(void)id;
	if (__builtin_expect(!started, 0)) {
		lock_take();
		started = true;
		initial_layout(qemu_plugin_tb_vaddr(tb));
		lock_drop();
	}
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t pc = qemu_plugin_insn_vaddr(insn), sz = qemu_plugin_insn_size(insn);
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS,
						       (void *)(uintptr_t)(pc | sz << 57));
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
						 (void *)(uintptr_t)pc);
	}
}

/* ---- system calls ---- */

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2,
		       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
	unsigned v = vcpu % VCPU_MAX;
	(void)id;
	(void)a7;
	(void)a8;
	sc[v].num = num;
	sc[v].a[0] = a1;
	sc[v].a[1] = a2;
	sc[v].a[2] = a3;
	sc[v].a[3] = a4;
	sc[v].a[4] = a5;
	sc[v].a[5] = a6;
	switch (num) {
	case NR_OPEN: case NR_OPENAT: {
		/* guest and host addresses coincide: the path is readable */
		const char *p = (const char *)(uintptr_t)(num == NR_OPEN ? a1 : a2);
		if (p)
			snprintf(sc[v].path, sizeof sc[v].path, "%s", p);
		else
			sc[v].path[0] = 0;
		break;
	}
	case NR_CLONE:
		if (a1 & CLONE_THREAD_FLAG)
			threaded = true;
		break;
	case NR_CLONE3:
		threaded = true;      /* its flags are in guest memory; assume threads */
		break;
	case NR_EXIT_GROUP: case NR_EXECVE: case NR_EXECVEAT:
		lock_take();
		finish();
		lock_drop();
		break;
	case NR_KILL: case NR_TKILL: case NR_TGKILL:
		lock_take();
		flush();
		lock_drop();
		break;
	default:
		break;
	}
}

static void on_syscall_ret(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, int64_t ret)
{
	unsigned v = vcpu % VCPU_MAX;
	uint64_t *a = sc[v].a;
	bool ok = ret >= 0 || ret < -4095;
	(void)id;
	if (sc[v].num != num)
		return;
	if ((num == NR_CLONE && !(a[0] & CLONE_THREAD_FLAG)) || num == NR_FORK || num == NR_VFORK) {
		if (ret == 0) {       /* the child: drop the copy, record nothing */
			nbuf = 0;
			disabled = true;
			out_fd = -1;
		}
		return;
	}
	if (!ok)
		return;
	lock_take();
	switch (num) {
	case NR_MMAP:
		ev_region(BIN_K_MAP, (uint64_t)ret, PG_UP(a[1]), (uint8_t)a[2]);
		if ((int64_t)a[4] >= 0 && a[4] < FD_MAX && fd_path[a[4]] && a[5] == 0)
			obj_at(fd_path[a[4]], (uint64_t)ret, false);
		break;
	case NR_MUNMAP:
		ev_region(BIN_K_UNMAP, a[0], PG_UP(a[1]), 0);
		break;
	case NR_MPROTECT:
		ev_region(BIN_K_PROTECT, a[0], PG_UP(a[1]), (uint8_t)a[2]);
		break;
	case NR_MREMAP:
		ev_region(BIN_K_UNMAP, a[0], PG_UP(a[1]), 0);
		ev_region(BIN_K_MAP, (uint64_t)ret, PG_UP(a[2]), 3);
		break;
	case NR_BRK: {
		uint64_t nb = (uint64_t)ret;
		if (!brk_start) {
			brk_start = brk_cur = brk_max = nb;
			break;
		}
		if (PG_UP(nb) > PG_UP(brk_cur))
			ev_region(BIN_K_MAP, PG_UP(brk_cur), PG_UP(nb) - PG_UP(brk_cur), 3);
		else if (PG_UP(nb) < PG_UP(brk_cur))
			ev_region(BIN_K_UNMAP, PG_UP(nb), PG_UP(brk_cur) - PG_UP(nb), 0);
		brk_cur = nb;
		if (PG_UP(nb) > PG_UP(brk_max)) {
			uint8_t prot = 3;
			uint64_t va = PG_DOWN(brk_start), len;
			brk_max = nb;
			len = PG_UP(brk_max) - va;
			ev_obj("[heap]", 0, 1, &prot, &va, &len);
		}
		break;
	}
	case NR_OPEN: case NR_OPENAT:
		if (ret < FD_MAX && sc[v].path[0]) {
			free(fd_path[ret]);
			fd_path[ret] = strdup(sc[v].path);
		}
		break;
	case NR_CLOSE:
		if (a[0] < FD_MAX) {
			free(fd_path[a[0]]);
			fd_path[a[0]] = NULL;
		}
		break;
	default:
		break;
	}
	lock_drop();
}

static void on_atexit(qemu_plugin_id_t id, void *p)
{
	(void)id;
	(void)p;
	lock_take();
	finish();
	lock_drop();
}

static bool arg(const char *a, const char *key, const char **val)
{
	size_t k = strlen(key);
	if (strncmp(a, key, k) || a[k] != '=')
		return false;
	*val = a + k + 1;
	return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	const char *v, *out = NULL;
	int fd = -1;

	if (info->system_emulation || strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "mmusim-rec: only qemu-x86_64 user mode is supported\n");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		if (arg(argv[i], "fd", &v)) {
			fd = atoi(v);
		} else if (arg(argv[i], "out", &v)) {
			out = v;
		} else if (arg(argv[i], "exe", &v)) {
			if (!realpath(v, exe_path))
				snprintf(exe_path, sizeof exe_path, "%s", v);
		} else {
			fprintf(stderr, "mmusim-rec: unknown argument '%s' (fd=N, out=PATH, exe=PROG)\n", argv[i]);
			return -1;
		}
	}
	if (out) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "mmusim-rec: %s: %s\n", out, strerror(errno));
			return -1;
		}
	}
	if (fd < 0) {
		fprintf(stderr, "mmusim-rec: give fd=N or out=PATH\n");
		return -1;
	}
	out_fd = fcntl(fd, F_DUPFD_CLOEXEC, 900);
	if (out_fd < 0) {
		fprintf(stderr, "mmusim-rec: fd %d: %s\n", fd, strerror(errno));
		return -1;
	}
	close(fd);
#ifdef F_SETPIPE_SZ
	fcntl(out_fd, F_SETPIPE_SZ, 1 << 20);
#endif
	buf = malloc(BUF_SIZE);
	if (!buf)
		return -1;
	bin_enc_init(&enc);
	nbuf = bin_enc_header(buf);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
	qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
	qemu_plugin_register_vcpu_syscall_ret_cb(id, on_syscall_ret);
	qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
	return 0;
}

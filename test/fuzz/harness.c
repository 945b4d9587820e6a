/* harness.c - the fuzz targets of harness.h. */
#include "harness.h"

#include "../../mmu/sim.h"
#include "../../mmu/util/cfg.h"
#include "../../mmu/place/cluster.h"
#include "../../mmu/machine/place_backing.h"
#include "../../workloads/trace.h"
#include "../../workloads/vmtrace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The input is handed to the parsers as a file: an in-memory file
 * (memfd) opened by its /proc/self/fd path, rewritten for each input. */
static const char *as_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("mmusim-fuzz", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz input");
		abort();
	}
	return path;
}

/* A NUL-terminated copy (caller frees). */
static char *as_string(const uint8_t *data, size_t size)
{
	char *s;
	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

static void drain(struct trace *t)
{
	struct ev buf[512];
	int n, total = 0, i;
	while (total < FUZZ_EVENTS_MAX && (n = trace_read(t, buf, (int)ARRAY_SIZE(buf))) > 0) {
		for (i = 0; i < n; i++)
			if (ev_check(&buf[i])) {
				fprintf(stderr, "reader returned a bad event: %s\n", ev_check(&buf[i]));
				abort();
			}
		total += n;
	}
}

static int read_trace(const uint8_t *data, size_t size, enum trace_fmt fmt)
{
	struct trace *t;
	if (trace_open(&t, as_file(data, size), fmt))
		return 0;
	drain(t);
	trace_close(t);
	return 0;
}

int fuzz_trace_text(const uint8_t *data, size_t size) { return read_trace(data, size, FMT_TEXT); }
int fuzz_trace_bin(const uint8_t *data, size_t size) { return read_trace(data, size, FMT_BIN); }
int fuzz_trace_lackey(const uint8_t *data, size_t size) { return read_trace(data, size, FMT_LACKEY); }

int fuzz_ini(const uint8_t *data, size_t size)
{
	struct cfg c;
	cfg_load(&c, as_file(data, size), NULL, 0);
	return 0;
}

/* One -s override per line. */
int fuzz_override(const uint8_t *data, size_t size)
{
	const char *ovr[32];
	char *s = as_string(data, size), *p = s;
	struct cfg c;
	int n = 0;
	while (n < (int)ARRAY_SIZE(ovr) && p) {
		ovr[n++] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = 0;
	}
	cfg_load(&c, NULL, ovr, n);
	free(s);
	return 0;
}

/* The VM-trace generators build the whole trace at once (100000 VMs by
 * default, up to 10^8): a spec is fuzzed with n of at most FUZZ_VMS_MAX,
 * and with n = FUZZ_VMS_MAX when it gives none. Returns NULL to skip. */
#define FUZZ_VMS_MAX 2000
static char *vm_spec(const char *spec)
{
	const char *p;
	char *out;
	bool given = false;
	for (p = strchr(spec, ':'); p; p = strchr(p + 1, ',')) {
		if (!strncmp(p + 1, "n=", 2)) {
			char *end;
			double v = strtod(p + 3, &end);
			if (!(v <= FUZZ_VMS_MAX))
				return NULL;
			given = true;
		}
	}
	if (given)
		return strdup(spec);
	if (asprintf(&out, "%s%sn=%d", spec, strchr(spec, ':') ? "," : ":", FUZZ_VMS_MAX) < 0)
		abort();
	return out;
}

/* A trace generator spec, or (first byte 'V') a VM-trace generator spec. */
int fuzz_gen(const uint8_t *data, size_t size)
{
	char *s = as_string(data, size);
	if (s[0] == 'V') {
		struct vmtrace vt;
		char *spec = vm_spec(s + 1);
		if (spec && !vmtrace_gen(&vt, spec))
			vmtrace_free(&vt);
		free(spec);
	} else {
		struct trace *t;
		if (!trace_open_gen(&t, s)) {
			drain(t);
			trace_close(t);
		}
	}
	free(s);
	return 0;
}

int fuzz_cluster(const uint8_t *data, size_t size)
{
	struct cluster c;
	if (!cluster_load(&c, as_file(data, size), NULL, 0))
		cluster_free(&c);
	return 0;
}

/* First byte: format (csv, azure, bitbrains, detected) and skip_bad. */
int fuzz_vmtrace(const uint8_t *data, size_t size)
{
	static const int fmts[] = { VMF_CSV, VMF_AZURE, VMF_BITBRAINS, -1 };
	struct vmtrace vt;
	const char *path;
	enum vmtrace_fmt fmt;
	u8 sel;
	if (!size)
		return 0;
	sel = data[0];
	path = as_file(data + 1, size - 1);
	fmt = fmts[sel & 3] < 0 ? vmtrace_detect(path) : (enum vmtrace_fmt)fmts[sel & 3];
	if (!vmtrace_load(&vt, path, fmt, sel & 4))
		vmtrace_free(&vt);
	return 0;
}

int fuzz_backing(const uint8_t *data, size_t size)
{
	struct backing_rec *r;
	u64 n;
	if (!backing_read(as_file(data, size), &r, &n))
		backing_free(r, n);
	return 0;
}

/* A text trace through one walker of a small machine, every translation
 * checked against the reference translator. First byte: the walker. */
int fuzz_sim(const uint8_t *data, size_t size)
{
	static const char *const walkers[] = {
		"native", "nested", "shadow", "agile", "bpo", "dual-direct", "vmm-direct", "guest-direct", "tpt",
	};
	/* configs/tiny.ini's arrays (a few entries each: every eviction path
	 * is reached, and setting up a machine costs little) */
	static const char *const ovr[] = {
		"host.ram=64M", "vm.memory=64M", "os.strict=true", "segment.guest_size=0",
		"tlb.l1d.entries=8", "tlb.l1d.ways=2", "tlb.l1d.entries_2m=4", "tlb.l1d.ways_2m=2",
		"tlb.l1d.entries_1g=2", "tlb.l1d.ways_1g=2", "tlb.l1i.entries=8", "tlb.l1i.ways=2",
		"tlb.l2.entries=32", "tlb.l2.ways=4", "tlb.l2.entries_1g=4", "tlb.l2.ways_1g=4",
		"cache.l1.size=1K", "cache.l1.ways=2", "cache.l2.size=4K", "cache.l2.ways=4",
		"cache.llc.size=16K", "cache.llc.ways=4", "ntlb.entries=16", "ntlb.ways=16",
	};
	static struct cfg c;
	static bool loaded;
	const char *name;
	struct sim s;
	struct trace *t;
	if (!size)
		return 0;
	name = walkers[data[0] % ARRAY_SIZE(walkers)];
	if (!loaded && cfg_load(&c, NULL, ovr, (int)ARRAY_SIZE(ovr)))
		abort();
	loaded = true;
	if (trace_open(&t, as_file(data + 1, size - 1), FMT_TEXT))
		return 0;
	if (!sim_init(&s, &c, &name, 1, true)) {
		sim_run(&s, t);
		sim_destroy(&s);
	}
	trace_close(t);
	return 0;
}

const struct fuzz_target fuzz_targets[] = {
	{ "trace_text", fuzz_trace_text },
	{ "trace_bin", fuzz_trace_bin },
	{ "trace_lackey", fuzz_trace_lackey },
	{ "ini", fuzz_ini },
	{ "override", fuzz_override },
	{ "gen", fuzz_gen },
	{ "cluster", fuzz_cluster },
	{ "vmtrace", fuzz_vmtrace },
	{ "backing", fuzz_backing },
	{ "sim", fuzz_sim },
};
const int fuzz_ntargets = (int)ARRAY_SIZE(fuzz_targets);

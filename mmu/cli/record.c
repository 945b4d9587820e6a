/*
 * record.c - `mmusim record` and `mmusim run --record`: runs a program
 * under qemu-x86_64 with the recorder plugin (record/mmusim-rec.c, built
 * as mmusim-rec.so next to the mmusim binary; MMUSIM_RECORDER overrides
 * its path) and sends the trace to a file, standard output or a pipe.
 *
 * The program's standard output goes to standard error whenever the trace
 * takes standard output or is simulated directly, so that the two never
 * mix. The program's exit status is reported (one warning line) when it is
 * not 0; the trace is complete all the same.
 */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* path of an executable `name`: itself when it holds a '/', else the first
 * match in PATH. 0 or -ENOENT. */
static int find_exe(const char *name, char *out, size_t n)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX];

	if (strchr(name, '/')) {
		snprintf(out, n, "%s", name);
		return access(out, F_OK) ? -ENOENT : 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *c = strchr(path, ':');
		size_t k = c ? (size_t)(c - path) : strlen(path);
		struct stat st;
		snprintf(dir, sizeof dir, "%.*s", (int)k, k ? path : ".");
		snprintf(out, n, "%s/%s", dir, name);
		if (!stat(out, &st) && S_ISREG(st.st_mode) && !access(out, X_OK))
			return 0;
		path += k + (c ? 1 : 0);
	}
	return -ENOENT;
}

/* Appends s to the plugin argument, doubling commas (QEMU's escape). */
static void put_escaped(char *dst, size_t n, const char *s)
{
	size_t k = strlen(dst);
	for (; *s && k + 3 < n; s++) {
		dst[k++] = *s;
		if (*s == ',')
			dst[k++] = ',';
	}
	dst[k] = 0;
}

int record_spawn(char *const *argv, int trace_fd, bool stdout_to_stderr, pid_t *pid, char *prog, size_t progn)
{
	char qemu[PATH_MAX], plugin[PATH_MAX + 32], self[PATH_MAX], real[PATH_MAX], parg[3 * PATH_MAX + 64];
	unsigned char magic[4] = { 0 };
	const char *env = getenv("MMUSIM_RECORDER");
	ssize_t k;
	int fd, argc = 0;
	char **av;

	if (!argv[0])
		return -EINVAL;
	if (find_exe(argv[0], prog, progn)) {
		fprintf(stderr, "mmusim: record: %s: command not found\n", argv[0]);
		return -ENOENT;
	}
	fd = open(prog, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mmusim: record: %s: %s\n", prog, strerror(errno));
		return -errno;
	}
	k = read(fd, magic, 4);
	close(fd);
	if (k != 4 || memcmp(magic, "\x7f" "ELF", 4)) {
		fprintf(stderr, "mmusim: record: %s: not an ELF executable%s\n", prog,
			k >= 2 && magic[0] == '#' && magic[1] == '!' ?
			" (a script: record its interpreter, e.g. -- /usr/bin/sh SCRIPT)" : "");
		return -ENOEXEC;
	}
	if (!realpath(prog, real))
		snprintf(real, sizeof real, "%s", prog);
	if (env && *env) {
		snprintf(plugin, sizeof plugin, "%s", env);
	} else {
		k = readlink("/proc/self/exe", self, sizeof self - 1);
		self[k > 0 ? k : 0] = 0;
		if (strrchr(self, '/'))
			*strrchr(self, '/') = 0;
		snprintf(plugin, sizeof plugin, "%s/mmusim-rec.so", self);
	}
	if (access(plugin, R_OK)) {
		fprintf(stderr, "mmusim: record: recorder plugin %s not found (make builds it)\n", plugin);
		return -ENOENT;
	}
	if (find_exe("qemu-x86_64", qemu, sizeof qemu)) {
		fprintf(stderr, "mmusim: record: qemu-x86_64 not found (install qemu-user: make deps)\n");
		return -ENOENT;
	}
	snprintf(parg, sizeof parg, "file=");
	put_escaped(parg, sizeof parg, plugin);
	strncat(parg, ",fd=3,exe=", sizeof parg - strlen(parg) - 1);
	put_escaped(parg, sizeof parg, real);
	while (argv[argc])
		argc++;
	av = calloc((size_t)argc + 5, sizeof *av);
	if (!av)
		return -ENOMEM;
	av[0] = qemu;
	av[1] = (char *)"-plugin";
	av[2] = parg;
	av[3] = real;
	for (int i = 1; i < argc; i++)
		av[3 + i] = argv[i];
	fflush(stdout);
	fflush(stderr);
	*pid = fork();
	if (*pid < 0) {
		fprintf(stderr, "mmusim: record: fork: %s\n", strerror(errno));
		free(av);
		return -errno;
	}
	if (*pid == 0) {
		if (trace_fd != 3) {
			if (dup2(trace_fd, 3) < 0)
				_exit(127);
			close(trace_fd);
		} else {
			fcntl(3, F_SETFD, 0);
		}
		if (stdout_to_stderr)
			dup2(2, 1);
		execv(qemu, av);
		fprintf(stderr, "mmusim: record: %s: %s\n", qemu, strerror(errno));
		_exit(127);
	}
	free(av);
	return 0;
}

int record_wait(pid_t pid, const char *prog)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "mmusim: record: %s killed by signal %d (the trace has no end record)\n", prog,
			WTERMSIG(st));
		return -EINTR;
	}
	if (WEXITSTATUS(st) == 127) {
		fprintf(stderr, "mmusim: record: %s: could not be run under qemu-x86_64 (exit status 127)\n", prog);
		return -ENOEXEC;
	}
	if (WEXITSTATUS(st))
		fprintf(stderr, "mmusim: record: warning: %s exited with status %d\n", prog, WEXITSTATUS(st));
	return 0;
}

static bool suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* Copies the pipe to out, compressed (zstd level 1 or gzip level 1). */
static int compress_copy(int in, const char *out, bool zst)
{
	static unsigned char ib[1 << 17], ob[1 << 17];
	ZSTD_CStream *z = NULL;
	gzFile g = NULL;
	FILE *f = NULL;
	ssize_t k;
	int err = 0;

	if (zst) {
		f = fopen(out, "wb");
		z = ZSTD_createCStream();
		if (!f || !z || ZSTD_isError(ZSTD_initCStream(z, 1))) {
			fprintf(stderr, "mmusim: %s: %s\n", out, f ? "zstd setup failed" : strerror(errno));
			err = -EIO;
			goto done;
		}
	} else {
		g = gzopen(out, "wb1");
		if (!g) {
			fprintf(stderr, "mmusim: %s: %s\n", out, strerror(errno));
			return -EIO;
		}
	}
	for (;;) {
		k = read(in, ib, sizeof ib);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (zst) {
			ZSTD_inBuffer zi = { ib, (size_t)k, 0 };
			while (zi.pos < zi.size) {
				ZSTD_outBuffer zo = { ob, sizeof ob, 0 };
				if (ZSTD_isError(ZSTD_compressStream(z, &zo, &zi)) || fwrite(ob, 1, zo.pos, f) != zo.pos) {
					err = -EIO;
					break;
				}
			}
		} else if (gzwrite(g, ib, (unsigned)k) != (int)k) {
			err = -EIO;
		}
		if (err)
			break;
	}
	if (zst && !err) {
		size_t left;
		do {
			ZSTD_outBuffer zo = { ob, sizeof ob, 0 };
			left = ZSTD_endStream(z, &zo);
			if (ZSTD_isError(left) || fwrite(ob, 1, zo.pos, f) != zo.pos) {
				err = -EIO;
				break;
			}
		} while (left);
	}
	if (err)
		fprintf(stderr, "mmusim: %s: write error\n", out);
done:
	if (z)
		ZSTD_freeCStream(z);
	if (f && fclose(f) && !err) {
		fprintf(stderr, "mmusim: %s: write error: %s\n", out, strerror(errno));
		err = -EIO;
	}
	if (g && gzclose(g) != Z_OK && !err) {
		fprintf(stderr, "mmusim: %s: write error\n", out);
		err = -EIO;
	}
	return err;
}

int record_main(const char *out, char *const *argv)
{
	char prog[PATH_MAX];
	bool to_stdout = !out || !strcmp(out, "-");
	bool zst = out && suffix(out, ".zst"), gz = out && suffix(out, ".gz");
	int fd, p[2] = { -1, -1 }, r, w;
	pid_t pid;

	if (to_stdout && isatty(1)) {
		fprintf(stderr, "mmusim: record: standard output is a terminal: give -o FILE or a pipe "
			"(mmusim record -- PROG | mmusim run -)\n");
		return -EINVAL;
	}
	if (to_stdout) {
		fd = dup(1);
	} else if (zst || gz) {
		if (pipe2(p, O_CLOEXEC)) {
			fprintf(stderr, "mmusim: record: pipe: %s\n", strerror(errno));
			return -EIO;
		}
		fd = p[1];
	} else {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "mmusim: %s: %s\n", out, strerror(errno));
			return -errno;
		}
	}
	r = record_spawn(argv, fd, to_stdout, &pid, prog, sizeof prog);
	close(fd);
	if (r) {
		if (p[0] >= 0)
			close(p[0]);
		return r;
	}
	r = 0;
	if (p[0] >= 0) {
		r = compress_copy(p[0], out, zst);
		close(p[0]);
	}
	w = record_wait(pid, prog);
	return r ? r : w;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * battery: runs a syscall battery inside a mounted directory and exits 0 only
 * if every check matched Linux semantics. This file owns the command line,
 * the test table and runner (one scratch directory per test) and the shared
 * helpers; the tests themselves live in battery_*.c.
 */
#include "battery.h"

#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <sys/wait.h>

struct battery_options bopt;
const char *cur_test = "-";
bool on_fuse;
static int n_failures;		/* failed checks, from any thread */

struct test {
	const char *name;
	int (*fn)(void);
};

static const struct test rw_tests[] = {
	{ "create", t_create },		{ "rw", t_rw },
	{ "append", t_append },		{ "truncate", t_truncate },
	{ "stat", t_stat },		{ "chmod", t_chmod },
	{ "chown", t_chown },		{ "utimens", t_utimens },
	{ "mkdir", t_mkdir },		{ "unlink", t_unlink },
	{ "unlink_open", t_unlink_open }, { "rename", t_rename },
	{ "rename_open", t_rename_open }, { "rename2", t_rename2 },
	{ "link", t_link },		{ "symlink", t_symlink },
	{ "mknod", t_mknod },		{ "readdir", t_readdir },
	{ "statfs", t_statfs },		{ "fsync", t_fsync },
	{ "fallocate", t_fallocate },	{ "lseek", t_lseek },
	{ "seek_hole", t_seek_hole },	{ "copy_range", t_copy_range },
	{ "xattr", t_xattr },		{ "posix_locks", t_posix_locks },
	{ "ofd_locks", t_ofd_locks },	{ "flock", t_flock },
	{ "mmap", t_mmap },		{ "odirect", t_odirect },
	{ "tmpfile", t_tmpfile },	{ "access", t_access },
	{ "statx", t_statx },		{ "poll", t_poll },
	{ "largefile", t_largefile },	{ "threads", t_threads },
	{ "perms", t_perms },		{ "keep", t_keep },
	{ NULL, NULL },
};

static const struct test hello_tests[] = {
	{ "hello_readdir", t_hello_readdir },
	{ "hello_stat", t_hello_stat },
	{ "hello_read", t_hello_read },
	{ "hello_errors", t_hello_errors },
	{ "hello_mmap", t_hello_mmap },
	{ "hello_threads", t_hello_threads },
	{ "hello_statfs", t_hello_statfs },
	{ NULL, NULL },
};

/* ------------------------------------------------------------------ */
/* Reporting and helpers shared by the tests                           */

void fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	fprintf(stderr, "%s:%d: [%s] FAIL: ", file, line, cur_test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	__atomic_fetch_add(&n_failures, 1, __ATOMIC_RELAXED);
}

const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "0";

	return s ? s : "E?";
}

int expect_mem(const char *file, int line, const void *got, const void *want,
	       size_t len)
{
	const unsigned char *g = got, *w = want;
	size_t i;

	for (i = 0; i < len; i++) {
		if (g[i] != w[i]) {
			fail_at(file, line, "data differs at byte %zu of %zu: "
				"got 0x%02x, want 0x%02x", i, len, g[i], w[i]);
			return -1;
		}
	}
	return 0;
}

/* The file must hold exactly @len bytes equal to @want, by stat and read. */
int expect_file(const char *file, int line, const char *name,
		const void *want, size_t len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd, ret = -1;

	fd = open(name, O_RDONLY);
	if (fd < 0) {
		fail_at(file, line, "open(%s): %s", name, ename(errno));
		return -1;
	}
	buf = malloc(len + 1);
	if (!buf || fstat(fd, &st) < 0) {
		fail_at(file, line, "fstat(%s): %s", name, ename(errno));
		goto out;
	}
	if (st.st_size != (off_t)len) {
		fail_at(file, line, "%s: st_size %lld, want %zu", name,
			(long long)st.st_size, len);
		goto out;
	}
	/* Ask for one byte more: a file longer than its st_size is wrong too. */
	n = pread_all(fd, buf, len + 1, 0);
	if (n != (ssize_t)len) {
		fail_at(file, line, "%s: read %zd bytes (%s), want %zu", name,
			n, n < 0 ? ename(errno) : "count", len);
		goto out;
	}
	ret = expect_mem(file, line, buf, want, len);
out:
	free(buf);
	close(fd);
	return ret;
}

int reap(const char *file, int line, pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		fail_at(file, line, "waitpid(%s): %s", what, ename(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail_at(file, line, "child %s failed: wait status 0x%x", what,
			status);
		return -1;
	}
	return 0;
}

/* Deterministic, non-periodic bytes: position @off of stream @seed. */
void pattern(void *buf, size_t len, unsigned int seed, off_t off)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t x = (uint64_t)(off + (off_t)i) * 0x9E3779B97F4A7C15ull;

		p[i] = (unsigned char)((x >> 56) ^ (x >> 29) ^ seed);
	}
}

int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to @len bytes at @off; returns the count read (short at EOF). */
ssize_t pread_all(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, off + (off_t)done);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_WRONLY, mode);
	int err;

	if (fd < 0)
		return -1;
	if (pwrite_all(fd, data, len, 0) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

int write_str(const char *name, const char *s)
{
	return write_file(name, s, strlen(s), 0644);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/* Removes a scratch tree; stays on one filesystem, never follows links. */
int rm_tree(const char *path)
{
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int send_byte(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

/* Reads one byte, waiting at most @ms; returns it, or -1 on timeout/EOF. */
int recv_byte(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return (unsigned char)c;
}

double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ts_sec(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* Runner                                                              */

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *end = strchrnul(p, ',');

		if ((size_t)(end - p) == n && !strncmp(p, name, n))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/* Every name in @list must be a test name: a typo must not skip silently. */
static int check_names(const struct test *tests, const char *list)
{
	const char *p = list;

	while (p && *p) {
		const char *end = strchrnul(p, ',');
		const struct test *t;
		bool found = false;

		for (t = tests; t->name; t++)
			if ((size_t)(end - p) == strlen(t->name) &&
			    !strncmp(p, t->name, (size_t)(end - p)))
				found = true;
		if (!found) {
			fprintf(stderr, "battery: unknown test '%.*s'\n",
				(int)(end - p), p);
			return -1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/*
 * Runs one test in its own scratch directory @work/<name>, relative to
 * @rootfd (or in @rootfd itself for the read-only tree), then removes the scratch directory:
 * removal goes through the filesystem too, so it is checked.
 */
/*
 * A test that stops at a failed check or a skip may leave descriptors
 * open; close everything it opened (numbers from the lowest free one on)
 * so the scratch directory can be removed and nothing leaks.
 */
static void close_from(int lowest)
{
	int fd;

	if (lowest < 0)
		return;
	for (fd = lowest; fd < lowest + 1024; fd++)
		close(fd);
}

static int run_one(const struct test *t, int rootfd, const char *work)
{
	int fd_floor;
	char dir[128];
	int before = n_failures;
	int ret;

	cur_test = t->name;
	if (work) {
		snprintf(dir, sizeof(dir), "%s/%s", work, t->name);
		if (mkdir(dir, 0777) < 0 || chdir(dir) < 0) {
			fail_at(__FILE__, __LINE__, "scratch %s: %s", dir,
				ename(errno));
			return -1;
		}
	}
	fd_floor = dup(rootfd);
	if (fd_floor >= 0)
		close(fd_floor);
	ret = t->fn();
	fflush(NULL);
	close_from(fd_floor);
	if (fchdir(rootfd) < 0)
		fail_at(__FILE__, __LINE__, "fchdir: %s", ename(errno));
	if (work && rm_tree(dir) < 0)
		fail_at(__FILE__, __LINE__, "removing %s: %s", dir,
			ename(errno));
	if (n_failures != before)
		ret = -1;
	printf("%s %s\n", ret < 0 ? "FAIL" : ret == SKIPPED ? "skip" : "ok",
	       t->name);
	fflush(stdout);
	return ret;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: battery <dir> [--skip=t1,t2] [--only=t1,t2] "
		"[--expect-fuse]\n"
		"               [--keep] [--source=DIR] "
		"[--default-permissions] [--readonly-hello] [--list]\n");
}

static int parse_args(int argc, char **argv, const char **ret_dir,
		      const char **ret_only, const char **ret_skip,
		      bool *ret_list)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--skip=", 7))
			*ret_skip = a + 7;
		else if (!strncmp(a, "--only=", 7))
			*ret_only = a + 7;
		else if (!strncmp(a, "--source=", 9))
			bopt.source = a + 9;
		else if (!strcmp(a, "--expect-fuse"))
			bopt.expect_fuse = true;
		else if (!strcmp(a, "--keep"))
			bopt.keep = true;
		else if (!strcmp(a, "--default-permissions"))
			bopt.default_perms = true;
		else if (!strcmp(a, "--readonly-hello"))
			bopt.readonly_hello = true;
		else if (!strcmp(a, "--list"))
			*ret_list = true;
		else if (a[0] != '-' && !*ret_dir)
			*ret_dir = a;
		else
			return -1;
	}
	return *ret_dir || *ret_list ? 0 : -1;
}

static int run_all(const struct test *tests, const char *dir,
		   const char *only, const char *skip)
{
	char work[64];
	int rootfd, n_ok = 0, n_skip = 0, n_fail = 0;
	const struct test *t;
	struct statfs sfs;

	rootfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (rootfd < 0 || fchdir(rootfd) < 0 || fstatfs(rootfd, &sfs) < 0) {
		fprintf(stderr, "battery: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	on_fuse = sfs.f_type == FUSE_SUPER_MAGIC;
	/* Relative to @dir: the runner always returns there between tests. */
	snprintf(work, sizeof(work), "battery.%d", (int)getpid());
	if (!bopt.readonly_hello && mkdir(work, 0777) < 0) {
		fprintf(stderr, "battery: mkdir %s: %s\n", work,
			strerror(errno));
		return 1;
	}
	for (t = tests; t->name; t++) {
		int r;

		if ((only && !in_list(only, t->name)) ||
		    (skip && in_list(skip, t->name))) {
			printf("skip %s (--only/--skip)\n", t->name);
			continue;
		}
		r = run_one(t, rootfd, bopt.readonly_hello ? NULL : work);
		n_ok += r == 0;
		n_skip += r == SKIPPED;
		n_fail += r < 0;
		/* A dead daemon would fail every later test the same way. */
		if (r < 0 && fstatfs(rootfd, &sfs) < 0 &&
		    (errno == ENOTCONN || errno == ECONNABORTED)) {
			printf("battery: %s is disconnected, stopping\n", dir);
			return 1;
		}
	}
	cur_test = "-";
	if (!bopt.readonly_hello && rmdir(work) < 0)
		fail_at(__FILE__, __LINE__, "rmdir %s: %s", work, ename(errno));
	close(rootfd);
	printf("battery: %d ok, %d skipped, %d failed (%d failed checks)\n",
	       n_ok, n_skip, n_fail, n_failures);
	return n_fail || n_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *only = NULL, *skip = NULL;
	const struct test *tests, *t;
	bool list = false;

	if (parse_args(argc, argv, &dir, &only, &skip, &list) < 0) {
		usage();
		return 2;
	}
	tests = bopt.readonly_hello ? hello_tests : rw_tests;
	if (list) {
		for (t = tests; t->name; t++)
			printf("%s\n", t->name);
		return 0;
	}
	if (check_names(tests, only) < 0 || check_names(tests, skip) < 0)
		return 2;
	/* Modes given to open/mkdir must arrive unmasked to be checkable. */
	umask(0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run_all(tests, dir, only, skip);
}

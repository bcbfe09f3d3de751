// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Real mounts through lib/mount.c, every rung of the ladder: direct
 * mount(2) as root, fusermount3 (forced as root, and for real as an
 * unprivileged user), auto_unmount surviving a SIGKILL, "/dev/fd/N", and
 * quiet unmounting of mounts that are already gone. Needs root and
 * /dev/fuse; exits 0 (pass), 1 (fail) or 77 (skipped, reason printed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuse_log.h"
#include "fuse_opt.h"
#include "mount.h"
#include "proto/fuse_kernel.h"

#define SKIP 77
#define NOBODY 65534

static char root[] = "/tmp/lf-ladder-XXXXXX";
static int errs;		/* error-level log lines since reset_log() */
static char lastlog[1024];

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			return 1;					\
		}							\
	} while (0)

static void log_sink(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
	fprintf(stderr, "  [log %d] %s", level, lastlog);
	if (level <= FUSE_LOG_ERR)
		errs++;
}

static void reset_log(void)
{
	errs = 0;
	lastlog[0] = '\0';
}

static void make_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", root, name);
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		perror(buf);
}

static struct lf_mount_opts *opts_of(const char *o)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct lf_mount_opts *mo = NULL;

	if (fuse_opt_add_arg(&args, "ladder") < 0 ||
	    (o && (fuse_opt_add_arg(&args, "-o") < 0 ||
		   fuse_opt_add_arg(&args, o) < 0)) ||
	    lf_mount_opts_parse(&args, &mo) < 0 || args.argc != 1)
		mo = NULL;
	fuse_opt_free_args(&args);
	return mo;
}

/*
 * Mounts on 'mnt' per /proc/self/mountinfo; the topmost one's fstype and
 * source go to the buffers (if given).
 */
static int mounts_at(const char *mnt, char *fstype, char *source)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char point[PATH_MAX], type[256], src[1024];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		if (strcmp(point, mnt) != 0)
			continue;
		if (sscanf(sep + 3, "%255s %1023s", type, src) != 2)
			continue;
		n++;
		if (fstype)
			strcpy(fstype, type);
		if (source)
			strcpy(source, src);
	}
	fclose(f);
	return n;
}

static bool wait_unmounted(const char *mnt, int ms)
{
	const struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };

	for (int t = 0; t <= ms; t += 20) {
		if (mounts_at(mnt, NULL, NULL) == 0)
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

/* ---- a minimal server: answer INIT, then one GETATTR from stat() ---- */

static int read_req(int fd, void *buf, size_t size, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	n = read(fd, buf, size);
	return n < (ssize_t)sizeof(struct fuse_in_header) ? -EIO : (int)n;
}

static int reply(int fd, uint64_t unique, int error, const void *arg,
		 size_t len)
{
	struct fuse_out_header out = {
		.len = (uint32_t)(sizeof(out) + len),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ &out, sizeof(out) }, { (void *)arg, len },
	};

	return writev(fd, iov, len ? 2 : 1) == (ssize_t)out.len ? 0 : -errno;
}

struct stat_job {
	const char *path;
	struct stat st;
	int res;
	volatile bool done;
};

static void *do_stat(void *arg)
{
	struct stat_job *job = arg;

	job->res = stat(job->path, &job->st) ? -errno : 0;
	job->done = true;
	return NULL;
}

/* Proves the fd is connected to the mount: INIT, then a stat() served. */
static int serve_roundtrip(int fd, const char *mnt)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];
	struct fuse_in_header *in = (void *)buf;
	struct fuse_init_in *init = (void *)(in + 1);
	struct fuse_init_out io = { .major = FUSE_KERNEL_VERSION };
	struct stat_job job = { .path = mnt };
	pthread_t th;
	int n;

	n = read_req(fd, buf, sizeof(buf), 2000);
	CHECK(n > 0 && in->opcode == FUSE_INIT);
	io.minor = init->minor;
	io.max_readahead = init->max_readahead;
	io.max_write = 4096;
	CHECK(reply(fd, in->unique, 0, &io, sizeof(io)) == 0);

	CHECK(pthread_create(&th, NULL, do_stat, &job) == 0);
	while (!job.done) {
		n = read_req(fd, buf, sizeof(buf), 100);
		if (n == -ETIMEDOUT)
			continue;
		if (n < 0)
			break;
		if (in->opcode == FUSE_GETATTR) {
			struct fuse_attr_out ao = { .attr_valid = 1 };

			ao.attr.ino = FUSE_ROOT_ID;
			ao.attr.mode = S_IFDIR | 0711;
			ao.attr.nlink = 2;
			reply(fd, in->unique, 0, &ao, sizeof(ao));
		} else {
			reply(fd, in->unique, -ENOSYS, NULL, 0);
		}
	}
	pthread_join(th, NULL);
	CHECK(job.res == 0);
	CHECK(job.st.st_mode == (S_IFDIR | 0711));
	return 0;
}

/* ---- the rungs ---- */

static int test_direct(void)
{
	char mnt[PATH_MAX], file[PATH_MAX + 8], type[256], src[1024];
	struct lf_mount_opts *mo = opts_of("fsname=ladderfs,subtype=ladder");
	int fd, res = 1;

	CHECK(mo);
	make_dir(mnt, sizeof(mnt), "direct");
	/* libfuse 3 mounts over non-empty directories */
	snprintf(file, sizeof(file), "%s/file", mnt);
	close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));

	reset_log();
	fd = lf_mount(mnt, mo);
	if (fd < 0)
		goto out;
	if (mounts_at(mnt, type, src) != 1 || strcmp(type, "fuse.ladder") ||
	    strcmp(src, "ladderfs")) {
		fprintf(stderr, "  FAIL: mountinfo says %s %s\n", type, src);
		goto out_umount;
	}
	if (serve_roundtrip(fd, mnt))
		goto out_umount;
	lf_unmount(mnt, fd, mo);
	close(fd);
	fd = -1;
	if (!wait_unmounted(mnt, 0)) {
		fprintf(stderr, "  FAIL: still mounted after lf_unmount\n");
		goto out_umount;
	}
	res = errs ? 1 : 0;
out_umount:
	if (fd >= 0) {
		umount2(mnt, MNT_DETACH);
		close(fd);
	}
out:
	lf_mount_opts_free(mo);
	unlink(file);
	return res;
}

/* fusermount3 run by root, forced past the direct rung */
static int test_helper_as_root(void)
{
	char mnt[PATH_MAX], type[256], src[1024];
	struct lf_mount_opts *mo = opts_of("fsname=helperfs,subtype=ladder");
	int fd, res = 1;

	CHECK(mo);
	make_dir(mnt, sizeof(mnt), "helper");
	setenv("LF_MOUNT_FORCE_FUSERMOUNT", "1", 1);
	reset_log();
	fd = lf_mount(mnt, mo);
	unsetenv("LF_MOUNT_FORCE_FUSERMOUNT");
	if (fd < 0)
		goto out;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC) ||
	    mounts_at(mnt, type, src) != 1 || strcmp(type, "fuse.ladder") ||
	    strcmp(src, "helperfs")) {
		fprintf(stderr, "  FAIL: mountinfo says %s %s\n", type, src);
		goto out_umount;
	}
	if (serve_roundtrip(fd, mnt))
		goto out_umount;
	lf_unmount(mnt, fd, mo);
	close(fd);
	fd = -1;
	if (!wait_unmounted(mnt, 0)) {
		fprintf(stderr, "  FAIL: still mounted after lf_unmount\n");
		goto out_umount;
	}
	res = errs ? 1 : 0;
out_umount:
	if (fd >= 0) {
		umount2(mnt, MNT_DETACH);
		close(fd);
	}
out:
	lf_mount_opts_free(mo);
	return res;
}

/*
 * The real ladder for a user: mount(2) (or opening /dev/fuse) is refused,
 * fusermount3 mounts; unmount(2) is refused, "fusermount3 -u" unmounts.
 */
static int unprivileged_child(const char *mnt)
{
	struct lf_mount_opts *mo = opts_of("fsname=userfs,subtype=ladder");
	char type[256], src[1024];
	int fd;

	if (!mo)
		return 1;
	reset_log();
	fd = lf_mount(mnt, mo);
	if (fd < 0)
		return 1;
	if (mounts_at(mnt, type, src) != 1 || strcmp(type, "fuse.ladder") ||
	    strcmp(src, "userfs")) {
		fprintf(stderr, "  FAIL: mountinfo says %s %s\n", type, src);
		return 1;
	}
	lf_unmount(mnt, fd, mo);
	close(fd);
	lf_mount_opts_free(mo);
	if (!wait_unmounted(mnt, 1000)) {
		fprintf(stderr, "  FAIL: still mounted after lf_unmount\n");
		return 1;
	}
	return errs ? 1 : 0;
}

static int test_helper_unprivileged(void)
{
	char mnt[PATH_MAX];
	struct stat st;
	int status;
	pid_t pid;

	/* fusermount3 opens the device with the user's fsuid */
	if (stat("/dev/fuse", &st) || (st.st_mode & 0006) != 0006) {
		printf("  skip reason: /dev/fuse is mode %04o, not usable by "
		       "unprivileged users on this machine\n",
		       (unsigned)(st.st_mode & 07777));
		return SKIP;
	}
	make_dir(mnt, sizeof(mnt), "user");
	CHECK(chown(mnt, NOBODY, NOBODY) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(SKIP);
		_exit(unprivileged_child(mnt));
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	if (mounts_at(mnt, NULL, NULL) > 0)
		umount2(mnt, MNT_DETACH);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* auto_unmount: the helper unmounts once the daemon dies, even by SIGKILL */
static int test_auto_unmount_kill(void)
{
	char mnt[PATH_MAX], c = 0;
	int pfd[2], status;
	pid_t pid;

	make_dir(mnt, sizeof(mnt), "auto");
	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct lf_mount_opts *mo = opts_of("auto_unmount,fsname=autofs");

		close(pfd[0]);
		if (!mo || lf_mount(mnt, mo) < 0)
			_exit(1);
		c = 1;
		if (write(pfd[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1 || c != 1) {
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		fprintf(stderr, "  FAIL: child could not mount\n");
		return 1;
	}
	close(pfd[0]);
	CHECK(mounts_at(mnt, NULL, NULL) == 1);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid);
	if (!wait_unmounted(mnt, 2000)) {
		umount2(mnt, MNT_DETACH);
		fprintf(stderr, "  FAIL: still mounted 2 s after SIGKILL\n");
		return 1;
	}
	return 0;
}

/* auto_unmount with an orderly lf_unmount: gone at once, helper reaped */
static int test_auto_unmount_orderly(void)
{
	char mnt[PATH_MAX];
	struct lf_mount_opts *mo = opts_of("auto_unmount");
	int fd;

	CHECK(mo);
	make_dir(mnt, sizeof(mnt), "auto2");
	struct timespec t0, t1;
	long ms;

	reset_log();
	fd = lf_mount(mnt, mo);
	CHECK(fd >= 0);
	CHECK(mounts_at(mnt, NULL, NULL) == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lf_unmount(mnt, fd, mo);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	lf_mount_opts_free(mo);
	/* the helper must not sit on the mountpoint until its 1 s timeout */
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (ms >= 500)
		fprintf(stderr, "  FAIL: lf_unmount took %ld ms\n", ms);
	CHECK(ms < 500);
	if (!wait_unmounted(mnt, 0)) {
		umount2(mnt, MNT_DETACH);
		fprintf(stderr, "  FAIL: still mounted after lf_unmount\n");
		return 1;
	}
	/* no fusermount3 left behind as a zombie */
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	CHECK(errs == 0);
	return 0;
}

/* "/dev/fd/N": someone else mounted; lf_mount only adopts the fd */
static int test_devfd(void)
{
	char mnt[PATH_MAX], path[64], data[128];
	struct lf_mount_opts *mo = opts_of(NULL);
	int fd, res = 1;

	CHECK(mo);
	make_dir(mnt, sizeof(mnt), "devfd");
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	snprintf(data, sizeof(data), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("fdfs", mnt, "fuse.fdtest", MS_NOSUID | MS_NODEV, data)) {
		perror("  mount");
		goto out;
	}
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	reset_log();
	if (lf_mount(path, mo) != fd || mounts_at(mnt, NULL, NULL) != 1)
		goto out_umount;
	/* not ours to unmount */
	lf_unmount(path, fd, mo);
	if (mounts_at(mnt, NULL, NULL) != 1 || errs)
		goto out_umount;
	res = 0;
out_umount:
	umount2(mnt, MNT_DETACH);
out:
	close(fd);
	lf_mount_opts_free(mo);
	return res;
}

/* Someone unmounted behind our back: lf_unmount must stay quiet. */
static int test_unmount_gone(void)
{
	char mnt[PATH_MAX];

	make_dir(mnt, sizeof(mnt), "gone");
	for (int pass = 0; pass < 2; pass++) {
		struct lf_mount_opts *mo = opts_of(NULL);
		int fd;

		CHECK(mo);
		reset_log();
		fd = lf_mount(mnt, mo);
		CHECK(fd >= 0);
		CHECK(umount2(mnt, MNT_DETACH) == 0);
		/* pass 0 detects it with POLLERR, and so leaves alone what was
		 * mounted there since; pass 1 has no fd to ask */
		if (!pass)
			CHECK(mount("other", mnt, "tmpfs", 0, NULL) == 0);
		lf_unmount(mnt, pass ? -1 : fd, mo);
		close(fd);
		lf_mount_opts_free(mo);
		if (!pass) {
			int others = mounts_at(mnt, NULL, NULL);

			umount2(mnt, MNT_DETACH);
			CHECK(others == 1);
		}
		CHECK(errs == 0);
	}
	return 0;
}

/* A mount(2) failure other than EPERM is reported once, libfuse's way. */
static int test_mount_error(void)
{
	char mnt[PATH_MAX];
	struct lf_mount_opts *mo = opts_of("blksize=4096");	/* fuseblk only */
	int fd;

	CHECK(mo);
	make_dir(mnt, sizeof(mnt), "error");
	reset_log();
	fd = lf_mount(mnt, mo);
	lf_mount_opts_free(mo);
	if (fd >= 0) {
		umount2(mnt, MNT_DETACH);
		close(fd);
	}
	CHECK(fd == -EINVAL);
	CHECK(errs == 1);
	CHECK(strcmp(lastlog, "fuse: mount failed: Invalid argument\n") == 0);
	return 0;
}

static bool have_helper(void)
{
	return access("/usr/bin/fusermount3", X_OK) == 0 ||
	       access("/bin/fusermount3", X_OK) == 0;
}

int main(void)
{
	static const struct {
		const char *name;
		int (*fn)(void);
		bool helper;
	} tests[] = {
		{ "direct mount(2)", test_direct, false },
		{ "fusermount3 as root", test_helper_as_root, true },
		{ "fusermount3 as nobody", test_helper_unprivileged, true },
		{ "auto_unmount + SIGKILL", test_auto_unmount_kill, true },
		{ "auto_unmount + lf_unmount", test_auto_unmount_orderly, true },
		{ "/dev/fd/N", test_devfd, false },
		{ "unmount of a vanished mount", test_unmount_gone, false },
		{ "mount(2) error", test_mount_error, false },
	};
	int failed = 0, passed = 0;

	if (geteuid() != 0) {
		printf("SKIP: mounting needs root\n");
		return SKIP;
	}
	if (access("/dev/fuse", R_OK | W_OK) != 0) {
		printf("SKIP: /dev/fuse not available\n");
		return SKIP;
	}
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	chmod(root, 0755);
	fuse_set_log_func(log_sink);

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int res;

		if (tests[i].helper && !have_helper()) {
			printf("skip %s: fusermount3 not installed\n", tests[i].name);
			continue;
		}
		res = tests[i].fn();
		printf("%s %s\n", res == 0 ? "ok  " : res == SKIP ? "skip" : "FAIL",
		       tests[i].name);
		failed += res != 0 && res != SKIP;
		passed += res == 0;
	}

	/* best effort cleanup; a leftover mount would make rmdir fail */
	{
		char cmd[PATH_MAX + 32];

		snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system %s", root);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", root);
	}
	if (failed)
		return 1;
	return passed ? 0 : SKIP;
}

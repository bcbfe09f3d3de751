// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/mount.c: where each mount option lands, the strings
 * given to mount(2) and fusermount3, "/dev/fd/N", and the fusermount3 rung
 * driven against a fake helper (this binary, re-exec'd as "fusermount3"),
 * so nothing is really mounted and no privileges are needed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuse_log.h"
#include "fuse_opt.h"
#include "mount.h"

/* ---- the fake fusermount3 ---- */

static void fake_log(const char *fmt, ...)
{
	const char *path = getenv("LF_FAKE_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static int fake_send_fd(int sock)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return -1;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Records its arguments, then acts as LF_FAKE_MODE says. */
static int fake_fusermount(int argc, char **argv)
{
	const char *mode = getenv("LF_FAKE_MODE");
	const char *comm = getenv("_FUSE_COMMFD");
	char line[4096] = "", target[PATH_MAX] = "";
	int sock = comm ? atoi(comm) : -1;
	char c;

	for (int i = 1; i < argc; i++) {
		strncat(line, argv[i], sizeof(line) - strlen(line) - 2);
		strcat(line, "|");
	}
	fake_log("argv=%s", line);
	if (argc > 1 && strcmp(argv[1], "-u") == 0) {
		fake_log("unmount");
		return 0;
	}
	if (readlink("/proc/self/fd/2", target, sizeof(target) - 1) < 0)
		strcpy(target, "?");
	fake_log("stderr=%s", target);
	/* the socket must have been inherited, i.e. not close-on-exec */
	fake_log("commfd=%s", sock >= 0 && fcntl(sock, F_GETFD) >= 0 ? "ok" : "bad");
	if (!mode)
		mode = "send";
	if (strcmp(mode, "fail") == 0 ||
	    (strcmp(mode, "fail_subtype") == 0 && strstr(argv[2], "subtype="))) {
		fputs("fake fusermount3: refusing\n", stderr);
		return 1;
	}
	if (fake_send_fd(sock) < 0)
		return 1;
	if (strcmp(mode, "auto") == 0) {
		while (read(sock, &c, 1) > 0)
			;
		fake_log("eof");
	}
	return 0;
}

/* ---- helpers ---- */

static char logbuf[8192];
static int log_errs;

static void capture_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
	if (level <= FUSE_LOG_ERR)
		log_errs++;
}

static int setup_log(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	log_errs = 0;
	fuse_set_log_func(capture_log);
	return 0;
}

static int teardown_log(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

static void make_args(struct fuse_args *args, const char *const *v)
{
	*args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	for (; *v; v++)
		assert_int_equal(fuse_opt_add_arg(args, *v), 0);
}

static struct lf_mount_opts *parse_ok(struct fuse_args *args,
				      const char *const *v)
{
	struct lf_mount_opts *mo = NULL;

	make_args(args, v);
	assert_int_equal(lf_mount_opts_parse(args, &mo), 0);
	assert_non_null(mo);
	return mo;
}

static void assert_args(const struct fuse_args *args, const char *const *v)
{
	int i = 0;

	for (; v[i]; i++) {
		assert_true(i < args->argc);
		assert_string_equal(args->argv[i], v[i]);
	}
	assert_int_equal(args->argc, i);
}

/* ---- option classes ---- */

static void test_defaults(void **state)
{
	struct fuse_args args;
	struct lf_mount_opts *mo;
	char *s = NULL;

	(void)state;
	mo = parse_ok(&args, (const char *[]){ "prog", NULL });
	assert_args(&args, (const char *[]){ "prog", NULL });
	assert_int_equal(lf_mount_opts_flags(mo), MS_NOSUID | MS_NODEV);
	assert_null(lf_mount_opts_kernel(mo));
	assert_null(lf_mount_opts_fusermount(mo));
	assert_null(lf_mount_opts_mtab(mo));
	assert_null(lf_mount_opts_subtype_opt(mo));
	assert_false(lf_mount_opts_allow_other(mo));
	assert_false(lf_mount_opts_auto_unmount(mo));
	assert_int_equal(lf_mount_opts_max_read(mo), 0);
	assert_int_equal(lf_mount_helper_opts(mo, true, &s), 0);
	assert_string_equal(s, "rw,nosuid,nodev");
	free(s);
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);

	/* NULL args: defaults, nothing to parse */
	assert_int_equal(lf_mount_opts_parse(NULL, &mo), 0);
	assert_int_equal(lf_mount_opts_flags(mo), MS_NOSUID | MS_NODEV);
	lf_mount_opts_free(mo);
}

static void test_kernel_opts(void **state)
{
	struct fuse_args args;
	struct lf_mount_opts *mo;

	(void)state;
	mo = parse_ok(&args, (const char *[]){ "prog",
		"-o", "allow_other,default_permissions,max_read=65536",
		"-oblksize=4096,context=a,fscontext=b,defcontext=c,rootcontext=d",
		NULL });
	assert_args(&args, (const char *[]){ "prog", NULL });
	assert_string_equal(lf_mount_opts_kernel(mo),
		"allow_other,default_permissions,max_read=65536,blksize=4096,"
		"context=a,fscontext=b,defcontext=c,rootcontext=d");
	assert_true(lf_mount_opts_allow_other(mo));
	assert_int_equal(lf_mount_opts_max_read(mo), 65536);
	assert_null(lf_mount_opts_fusermount(mo));
	assert_int_equal(lf_mount_opts_flags(mo), MS_NOSUID | MS_NODEV);
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);
}

static void test_flags(void **state)
{
	struct fuse_args args;
	struct lf_mount_opts *mo;
	char *s = NULL;

	(void)state;
	mo = parse_ok(&args, (const char *[]){ "prog", "-o",
		"ro,suid,dev,noexec,sync,noatime,dirsync", NULL });
	assert_args(&args, (const char *[]){ "prog", NULL });
	assert_int_equal(lf_mount_opts_flags(mo), MS_RDONLY | MS_NOEXEC |
			 MS_SYNCHRONOUS | MS_NOATIME | MS_DIRSYNC);
	assert_null(lf_mount_opts_kernel(mo));
	/* flags reach fusermount3 by name; "rw" only when not read-only */
	assert_int_equal(lf_mount_helper_opts(mo, false, &s), 0);
	assert_string_equal(s, "ro,noexec,sync,noatime,dirsync");
	free(s);
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);

	/* later options win; the negations clear; "-r" is "ro" */
	mo = parse_ok(&args, (const char *[]){ "prog", "-o",
		"ro,rw,nosuid,exec,async,atime", "-r", NULL });
	assert_args(&args, (const char *[]){ "prog", NULL });
	assert_int_equal(lf_mount_opts_flags(mo),
			 MS_RDONLY | MS_NOSUID | MS_NODEV);
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);

	mo = parse_ok(&args, (const char *[]){ "prog", "-o",
		"nodiratime,nosymfollow,relatime,lazytime", NULL });
#ifdef FASTFUSE_ABI_314
	/* not in 3.14's table: left for fuse_session_new to reject */
	assert_args(&args, (const char *[]){ "prog", "-o",
		"nodiratime,nosymfollow,relatime,lazytime", NULL });
	assert_int_equal(lf_mount_opts_flags(mo), MS_NOSUID | MS_NODEV);
#else
	assert_args(&args, (const char *[]){ "prog", "-o",
		"relatime,lazytime", NULL });
	assert_int_equal(lf_mount_opts_flags(mo), MS_NOSUID | MS_NODEV |
			 MS_NODIRATIME | MS_NOSYMFOLLOW);
#endif
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);
}

static void test_helper_only_opts(void **state)
{
	struct fuse_args args;
	struct lf_mount_opts *mo;

	(void)state;
	mo = parse_ok(&args, (const char *[]){ "prog", "-o",
		"auto_unmount,blkdev,fsname=a\\,b", NULL });
	assert_args(&args, (const char *[]){ "prog", NULL });
	/* the comma stays escaped: one entry for fusermount3 */
	assert_string_equal(lf_mount_opts_fusermount(mo),
			    "auto_unmount,blkdev,fsname=a\\,b");
	assert_string_equal(lf_mount_opts_fsname(mo), "a,b");
	assert_true(lf_mount_opts_auto_unmount(mo));
	assert_true(lf_mount_opts_blkdev(mo));
	assert_null(lf_mount_opts_kernel(mo));
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);
}

static void test_subtype_and_mtab(void **state)
{
	struct fuse_args args;
	struct lf_mount_opts *mo;
	char *s = NULL;

	(void)state;
	mo = parse_ok(&args, (const char *[]){ "prog", "-n", "-o",
		"subtype=ssh,user=bob,fsname=host:/x,allow_other", NULL });
	assert_args(&args, (const char *[]){ "prog", NULL });
	assert_string_equal(lf_mount_opts_subtype(mo), "ssh");
	assert_string_equal(lf_mount_opts_subtype_opt(mo), "subtype=ssh");
	assert_string_equal(lf_mount_opts_mtab(mo), "-n,user=bob");
	assert_string_equal(lf_mount_opts_fusermount(mo), "fsname=host:/x");
	/* flags, kernel, mtab, helper-only, then subtype */
	assert_int_equal(lf_mount_helper_opts(mo, true, &s), 0);
	assert_string_equal(s, "rw,nosuid,nodev,allow_other,-n,user=bob,"
			    "fsname=host:/x,subtype=ssh");
	free(s);
	assert_int_equal(lf_mount_helper_opts(mo, false, &s), 0);
	assert_string_equal(s, "rw,nosuid,nodev,allow_other,-n,user=bob,"
			    "fsname=host:/x");
	free(s);
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);

	mo = parse_ok(&args, (const char *[]){ "prog", "-o", "x-gvfs-hide", NULL });
#ifdef FASTFUSE_ABI_314
	assert_args(&args, (const char *[]){ "prog", "-o", "x-gvfs-hide", NULL });
	assert_null(lf_mount_opts_mtab(mo));
#else
	assert_args(&args, (const char *[]){ "prog", NULL });
	assert_string_equal(lf_mount_opts_mtab(mo), "x-gvfs-hide");
#endif
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);
}

static void test_unknown_left(void **state)
{
	struct fuse_args args;
	struct lf_mount_opts *mo;

	(void)state;
	mo = parse_ok(&args, (const char *[]){ "prog", "-d", "-o",
		"foo,allow_other,allow_root,bar=1,nonempty,fd=3,rootmode=40000",
		"--opt", "/mnt", NULL });
	assert_args(&args, (const char *[]){ "prog", "-o",
		"foo,allow_root,bar=1,nonempty,fd=3,rootmode=40000",
		"-d", "--opt", "/mnt", NULL });
	assert_string_equal(lf_mount_opts_kernel(mo), "allow_other");
	lf_mount_opts_free(mo);
	fuse_opt_free_args(&args);
}

static void test_bad_value(void **state)
{
	struct fuse_args args;
	struct lf_mount_opts *mo = (void *)&args;	/* must stay untouched */

	(void)state;
	make_args(&args, (const char *[]){ "prog", "-o", "max_read=lots", NULL });
	assert_int_equal(lf_mount_opts_parse(&args, &mo), -EINVAL);
	assert_ptr_equal(mo, (void *)&args);
	assert_args(&args, (const char *[]){ "prog", "-o", "max_read=lots", NULL });
	assert_string_equal(logbuf,
		"fuse: invalid parameter in option `max_read=lots'\n");
	assert_int_equal(log_errs, 1);
	fuse_opt_free_args(&args);
}

static void test_fstype(void **state)
{
	static const struct {
		const char *opts, *type, *source;
	} cases[] = {
		{ "rw", "fuse", "/dev/fuse" },
		{ "subtype=ssh", "fuse.ssh", "ssh" },
		{ "subtype=ssh,fsname=h:/", "fuse.ssh", "h:/" },
		{ "fsname=dev", "fuse", "dev" },
		{ "blkdev,fsname=/dev/sda1", "fuseblk", "/dev/sda1" },
		{ "blkdev,subtype=ntfs", "fuseblk.ntfs", "ntfs" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fuse_args args;
		struct lf_mount_opts *mo;
		char *type, *source;

		mo = parse_ok(&args, (const char *[]){ "p", "-o", cases[i].opts, NULL });
		assert_int_equal(lf_mount_fstype(mo, &type, &source), 0);
		assert_string_equal(type, cases[i].type);
		assert_string_equal(source, cases[i].source);
		free(type);
		free(source);
		lf_mount_opts_free(mo);
		fuse_opt_free_args(&args);
	}
}

/* ---- /dev/fd/N and failures before any mount ---- */

static void test_parse_fd(void **state)
{
	(void)state;
	assert_int_equal(lf_mount_parse_fd("/dev/fd/0"), 0);
	assert_int_equal(lf_mount_parse_fd("/dev/fd/17"), 17);
	assert_int_equal(lf_mount_parse_fd("/dev/fd/2147483647"), INT_MAX);
	assert_int_equal(lf_mount_parse_fd("/dev/fd/2147483648"), -1);
	assert_int_equal(lf_mount_parse_fd("/dev/fd/"), -1);
	assert_int_equal(lf_mount_parse_fd("/dev/fd/3x"), -1);
	assert_int_equal(lf_mount_parse_fd("/dev/fd/-3"), -1);
	assert_int_equal(lf_mount_parse_fd("/dev/fd3"), -1);
	assert_int_equal(lf_mount_parse_fd("/mnt"), -1);
	assert_int_equal(lf_mount_parse_fd(NULL), -1);
}

static void test_mount_devfd(void **state)
{
	struct lf_mount_opts *mo;
	char path[64];
	int fd;

	(void)state;
	assert_int_equal(lf_mount_opts_parse(NULL, &mo), 0);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	assert_int_equal(lf_mount(path, mo), fd);
	/* nothing was mounted, so nothing to unmount; fd stays open */
	lf_unmount(path, fd, mo);
	assert_true(fcntl(fd, F_GETFD) >= 0);
	assert_int_equal(log_errs, 0);
	close(fd);

	assert_int_equal(lf_mount(path, mo), -EBADF);
	char want[128];

	snprintf(want, sizeof(want),
		 "fuse: Invalid file descriptor /dev/fd/%d\n", fd);
	assert_string_equal(logbuf, want);
	lf_mount_opts_free(mo);
}

static void test_mount_bad_mountpoint(void **state)
{
	struct lf_mount_opts *mo;

	(void)state;
	assert_int_equal(lf_mount_opts_parse(NULL, &mo), 0);
	assert_int_equal(lf_mount("/nonexistent/lf-mount-test", mo), -ENOENT);
	assert_string_equal(logbuf, "fuse: failed to access mountpoint "
			    "/nonexistent/lf-mount-test: No such file or directory\n");
	assert_int_equal(log_errs, 1);

	logbuf[0] = '\0';
	assert_int_equal(lf_mount(NULL, mo), -EINVAL);
	assert_string_equal(logbuf, "fuse: missing mountpoint parameter\n");
	lf_mount_opts_free(mo);
}

static void test_help(void **state)
{
	char buf[512] = "";
	FILE *tmp = tmpfile();
	int saved;
	size_t n;

	(void)state;
	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	lf_mount_help();
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	assert_string_equal(buf,
		"    -o allow_other         allow access by all users\n"
		"    -o allow_root          allow access by root\n"
		"    -o auto_unmount        auto unmount on process termination\n");
}

/* ---- the fusermount3 rung, against the fake ---- */

static char tmpdir[] = "/tmp/lf-test-mount-XXXXXX";
static char fakelog[PATH_MAX];

static int setup_fake(void **state)
{
	setup_log(state);
	assert_non_null(mkdtemp(tmpdir));
	snprintf(fakelog, sizeof(fakelog), "%s.log", tmpdir);
	unlink(fakelog);
	setenv("LF_FAKE_LOG", fakelog, 1);
	setenv("LF_MOUNT_FORCE_FUSERMOUNT", "1", 1);
	lf_mount_set_fusermount("/proc/self/exe");
	return 0;
}

static int teardown_fake(void **state)
{
	lf_mount_set_fusermount(NULL);
	unsetenv("LF_MOUNT_FORCE_FUSERMOUNT");
	unsetenv("LF_FAKE_MODE");
	unlink(fakelog);
	rmdir(tmpdir);
	strcpy(tmpdir, "/tmp/lf-test-mount-XXXXXX");
	return teardown_log(state);
}

static void read_fakelog(char *buf, size_t size)
{
	FILE *f = fopen(fakelog, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

static struct lf_mount_opts *opts_of(const char *o)
{
	struct fuse_args args;
	struct lf_mount_opts *mo;

	mo = parse_ok(&args, (const char *[]){ "prog", "-o", o, NULL });
	fuse_opt_free_args(&args);
	return mo;
}

static void test_helper_mount(void **state)
{
	struct lf_mount_opts *mo = opts_of("fsname=fake,allow_other");
	char buf[4096], want[1024], target[64] = "", link[64];
	int fd;

	(void)state;
	setenv("LF_FAKE_MODE", "send", 1);
	fd = lf_mount(tmpdir, mo);
	assert_true(fd > 2);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	assert_true(readlink(link, target, sizeof(target) - 1) > 0);
	assert_string_equal(target, "/dev/null");

	read_fakelog(buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "argv=-o|rw,nosuid,nodev,allow_other,fsname=fake|--|%s|\n",
		 tmpdir);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "commfd=ok\n"));
	/* the only attempt is not a quiet one */
	assert_null(strstr(buf, "stderr=/dev/null"));

	lf_unmount(tmpdir, fd, mo);
	close(fd);
	assert_int_equal(log_errs, 0);
	lf_mount_opts_free(mo);
}

static void test_helper_subtype_retry(void **state)
{
	struct lf_mount_opts *mo = opts_of("subtype=st");
	char buf[4096], want[1024];
	int fd;

	(void)state;
	setenv("LF_FAKE_MODE", "fail_subtype", 1);
	fd = lf_mount(tmpdir, mo);
	assert_true(fd > 2);
	read_fakelog(buf, sizeof(buf));
	/* first quietly with subtype=, then without */
	snprintf(want, sizeof(want),
		 "argv=-o|rw,nosuid,nodev,subtype=st|--|%s|\nstderr=/dev/null\n",
		 tmpdir);
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof(want), "argv=-o|rw,nosuid,nodev|--|%s|\n", tmpdir);
	assert_non_null(strstr(buf, want));
	lf_unmount(tmpdir, fd, mo);
	close(fd);
	assert_int_equal(log_errs, 0);
	lf_mount_opts_free(mo);
}

static void test_helper_fails(void **state)
{
	struct lf_mount_opts *mo = opts_of("rw");

	(void)state;
	setenv("LF_FAKE_MODE", "fail", 1);
	/* the helper has explained itself on stderr; we add nothing */
	assert_int_equal(lf_mount(tmpdir, mo), -EIO);
	assert_int_equal(log_errs, 0);
	/* the options are reusable after a failure */
	setenv("LF_FAKE_MODE", "send", 1);
	int fd = lf_mount(tmpdir, mo);

	assert_true(fd > 2);
	lf_unmount(tmpdir, fd, mo);
	close(fd);
	lf_mount_opts_free(mo);
}

static void test_helper_missing(void **state)
{
	struct lf_mount_opts *mo = opts_of("subtype=x");

	(void)state;
	lf_mount_set_fusermount("/nonexistent/fusermount3");
	assert_int_equal(lf_mount(tmpdir, mo), -ENOENT);
	/* the quiet probe stays quiet: exactly one line */
	assert_string_equal(logbuf, "fuse: failed to exec fusermount3: "
			    "No such file or directory\n");
	assert_int_equal(log_errs, 1);
	lf_mount_opts_free(mo);
}

static void test_helper_auto_unmount(void **state)
{
	struct lf_mount_opts *mo = opts_of("auto_unmount");
	char buf[4096], want[1024];
	int fd;

	(void)state;
	/* auto_unmount skips the direct mount even without the override */
	unsetenv("LF_MOUNT_FORCE_FUSERMOUNT");
	setenv("LF_FAKE_MODE", "auto", 1);
	fd = lf_mount(tmpdir, mo);
	assert_true(fd > 2);
	read_fakelog(buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "argv=-o|rw,nosuid,nodev,auto_unmount|--|%s|\n", tmpdir);
	assert_non_null(strstr(buf, want));
	/* the helper is still waiting on the socket */
	assert_null(strstr(buf, "eof"));

	lf_unmount(tmpdir, fd, mo);
	read_fakelog(buf, sizeof(buf));
	/* closing our end released it, and it was reaped */
	assert_non_null(strstr(buf, "eof\n"));
	assert_int_equal(log_errs, 0);
	close(fd);
	lf_mount_opts_free(mo);
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_kernel_opts, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_flags, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_only_opts, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_subtype_and_mtab, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_unknown_left, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_bad_value, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_fstype, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_parse_fd, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_mount_devfd, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_mount_bad_mountpoint, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_help, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_mount, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_helper_subtype_retry, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_helper_fails, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_helper_missing, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_helper_auto_unmount, setup_fake, teardown_fake),
	};

	base = base ? base + 1 : argv[0];
	if (strcmp(base, "fusermount3") == 0)
		return fake_fusermount(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

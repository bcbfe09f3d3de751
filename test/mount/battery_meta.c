// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * battery_meta.c: attribute checks: stat/fstat/lstat fields, chmod, chown,
 * utimensat (explicit, UTIME_NOW, UTIME_OMIT), statx, statfs, access and
 * exec permission, extended attributes, and default_permissions enforcement.
 */
#include "battery.h"

#include <grp.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>

int t_stat(void)
{
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct stat st, fst, lst, dst, dst2;
	double t0 = now_real();
	char *buf;
	int fd;

	fd = SYS(open("f", O_CREAT | O_RDWR, 0604));
	SYS(pwrite_all(fd, "0123456789", 10, 0));
	SYS(fstat(fd, &fst));
	SYS(stat("f", &st));
	EXPECT(S_ISREG(st.st_mode), "st_mode 0%o", st.st_mode);
	EXPECT_EQ(st.st_mode, S_IFREG | 0604);
	EXPECT_EQ(st.st_size, 10);
	EXPECT_EQ(st.st_nlink, 1);
	EXPECT_EQ(st.st_uid, geteuid());
	EXPECT_EQ(st.st_gid, getegid());
	EXPECT_EQ(st.st_ino, fst.st_ino);
	EXPECT_EQ(st.st_dev, fst.st_dev);
	EXPECT_EQ(st.st_size, fst.st_size);
	EXPECT(st.st_blksize > 0, "st_blksize %ld", (long)st.st_blksize);
	EXPECT(ts_sec(&st.st_mtim) >= t0 - 2 && ts_sec(&st.st_mtim) <= now_real() + 2,
	       "mtime %.3f, now %.3f", ts_sec(&st.st_mtim), now_real());

	/* A write moves mtime forward from a time set in the past. */
	SYS(futimens(fd, old));
	SYS(pwrite_all(fd, "x", 1, 10));
	SYS(fstat(fd, &fst));
	EXPECT_EQ(fst.st_size, 11);
	EXPECT(ts_sec(&fst.st_mtim) >= t0 - 2, "mtime after write %.3f",
	       ts_sec(&fst.st_mtim));
	SYS(close(fd));

	/* lstat sees the link itself; stat follows it. */
	SYS(symlink("f", "l"));
	SYS(lstat("l", &lst));
	EXPECT(S_ISLNK(lst.st_mode), "lstat mode 0%o", lst.st_mode);
	EXPECT_EQ(lst.st_size, 1);
	SYS(stat("l", &st));
	EXPECT_EQ(st.st_ino, fst.st_ino);
	EXPECT(lst.st_ino != st.st_ino, "link and target share ino");

	/* A directory: S_IFDIR, and a subdirectory adds one link. */
	SYS(mkdir("d", 0751));
	SYS(stat("d", &dst));
	EXPECT_EQ(dst.st_mode, S_IFDIR | 0751);
	EXPECT_EQ(dst.st_nlink, 2);
	SYS(mkdir("d/sub", 0700));
	SYS(stat("d", &dst2));
	EXPECT_EQ(dst2.st_nlink, 3);
	EXPECT_EQ(dst2.st_ino, dst.st_ino);
	SYS(rmdir("d/sub"));
	SYS(stat("d", &dst2));
	EXPECT_EQ(dst2.st_nlink, 2);

	/* 1 MiB of data occupies at least 1 MiB of blocks. */
	buf = calloc(1, 1 * MiB);
	EXPECT(buf, "calloc");
	memset(buf, 'b', 1 * MiB);
	SYS(write_file("big", buf, 1 * MiB, 0644));
	free(buf);
	fd = SYS(open("big", O_RDONLY));
	SYS(fsync(fd));
	SYS(fstat(fd, &st));
	SYS(close(fd));
	EXPECT((long long)st.st_blocks * 512 >= 1 * MiB, "st_blocks %lld",
	       (long long)st.st_blocks);
	EXPECT_ERR(stat("missing", &st), ENOENT);
	EXPECT_ERR(stat("f/x", &st), ENOTDIR);
	return 0;
}

int t_chmod(void)
{
	struct stat st, before;
	int fd;

	SYS(write_str("f", "x"));
	SYS(stat("f", &before));
	SYS(chmod("f", 0600));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 0600);
	EXPECT(ts_sec(&st.st_ctim) >= ts_sec(&before.st_ctim),
	       "ctime went backwards");
	fd = SYS(open("f", O_RDONLY));
	SYS(fchmod(fd, 0755));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 0755);
	SYS(close(fd));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 0755);
	SYS(fchmodat(AT_FDCWD, "f", 0, 0));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_mode, S_IFREG);

	/* Special bits are stored; chmod through a symlink hits the target. */
	SYS(chmod("f", 04751));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 04751);
	SYS(symlink("f", "l"));
	SYS(chmod("l", 0640));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 0640);
	SYS(mkdir("d", 0755));
	SYS(chmod("d", 01777));
	SYS(stat("d", &st));
	EXPECT_EQ(st.st_mode, S_IFDIR | 01777);
	EXPECT_ERR(chmod("missing", 0644), ENOENT);
	return 0;
}

int t_chown(void)
{
	struct stat st, lst;
	int fd;

	if (geteuid() != 0)
		SKIP("chown to other users needs root");
	SYS(write_str("f", "x"));
	SYS(chown("f", 1234, 5678));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_uid, 1234);
	EXPECT_EQ(st.st_gid, 5678);
	fd = SYS(open("f", O_RDONLY));
	SYS(fchown(fd, (uid_t)-1, 42));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_uid, 1234);
	EXPECT_EQ(st.st_gid, 42);
	SYS(close(fd));

	/* lchown changes the link, not its target. */
	SYS(symlink("f", "l"));
	SYS(lchown("l", 77, 88));
	SYS(lstat("l", &lst));
	SYS(stat("f", &st));
	EXPECT_EQ(lst.st_uid, 77);
	EXPECT_EQ(lst.st_gid, 88);
	EXPECT_EQ(st.st_uid, 1234);

	/* Changing the owner of an executable clears set-id bits. */
	SYS(chmod("f", 06755));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 06755);
	SYS(chown("f", 0, 0));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_uid, 0);
	EXPECT_EQ(st.st_mode & (S_ISUID | S_ISGID), 0);
	EXPECT_ERR(chown("missing", 0, 0), ENOENT);
	return 0;
}

static int utimens_now(void)
{
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct stat st;
	double t0, t1;
	int fd;

	t0 = now_real();
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	t1 = now_real();
	SYS(stat("f", &st));
	/* Filesystem clocks are coarse: allow a second either side. */
	EXPECT(ts_sec(&st.st_atim) >= t0 - 1 && ts_sec(&st.st_atim) <= t1 + 1,
	       "atime %.3f not in [%.3f,%.3f]", ts_sec(&st.st_atim), t0, t1);
	EXPECT(ts_sec(&st.st_mtim) >= t0 - 1 && ts_sec(&st.st_mtim) <= t1 + 1,
	       "mtime %.3f not in [%.3f,%.3f]", ts_sec(&st.st_mtim), t0, t1);

	/* futimens with NULL means "now" for both. */
	ts[0] = (struct timespec){ 1000000000, 0 };
	ts[1] = ts[0];
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	fd = SYS(open("f", O_RDWR));
	SYS(futimens(fd, NULL));
	SYS(fstat(fd, &st));
	SYS(close(fd));
	EXPECT(ts_sec(&st.st_mtim) >= t0 - 1, "futimens(NULL) mtime %.3f",
	       ts_sec(&st.st_mtim));
	EXPECT(ts_sec(&st.st_atim) >= t0 - 1, "futimens(NULL) atime %.3f",
	       ts_sec(&st.st_atim));
	return 0;
}

int t_utimens(void)
{
	struct timespec ts[2] = {
		{ 1000000000, 123456789 }, { 1100000000, 987654321 },
	};
	struct stat st;

	SYS(write_str("f", "x"));
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
	EXPECT_EQ(st.st_atim.tv_nsec, 123456789);
	EXPECT_EQ(st.st_mtim.tv_sec, 1100000000);
	EXPECT_EQ(st.st_mtim.tv_nsec, 987654321);

	/* UTIME_OMIT leaves atime alone while mtime changes. */
	ts[0] = (struct timespec){ 0, UTIME_OMIT };
	ts[1] = (struct timespec){ 1200000000, 5 };
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
	EXPECT_EQ(st.st_atim.tv_nsec, 123456789);
	EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
	EXPECT_EQ(st.st_mtim.tv_nsec, 5);

	/* And the other way round. */
	ts[0] = (struct timespec){ 1300000000, 0 };
	ts[1] = (struct timespec){ 0, UTIME_OMIT };
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_atim.tv_sec, 1300000000);
	EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);

	/* Times before the epoch survive the round trip. */
	ts[0] = (struct timespec){ -86400, 0 };
	ts[1] = (struct timespec){ 1, 999999999 };
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_atim.tv_sec, -86400);
	EXPECT_EQ(st.st_mtim.tv_sec, 1);
	EXPECT_EQ(st.st_mtim.tv_nsec, 999999999);
	if (utimens_now())
		return -1;
	EXPECT_ERR(utimensat(AT_FDCWD, "missing", NULL, 0), ENOENT);
	return 0;
}

int t_statx(void)
{
	const unsigned int basic = STATX_TYPE | STATX_MODE | STATX_NLINK |
		STATX_UID | STATX_GID | STATX_ATIME | STATX_MTIME |
		STATX_CTIME | STATX_INO | STATX_SIZE | STATX_BLOCKS;
	struct statx sx, sx2;
	struct stat st;
	int fd;

	SYS(write_str("f", "statx-data"));
	SYS(stat("f", &st));
	SYS(statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS | STATX_BTIME, &sx));
	EXPECT_EQ(sx.stx_mask & basic, basic);
	EXPECT_EQ(sx.stx_mode, st.st_mode);
	EXPECT_EQ(sx.stx_size, 10);
	EXPECT_EQ(sx.stx_nlink, 1);
	EXPECT_EQ(sx.stx_ino, st.st_ino);
	EXPECT_EQ(sx.stx_uid, st.st_uid);
	EXPECT_EQ(sx.stx_gid, st.st_gid);
	EXPECT_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
	EXPECT_EQ(sx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
	EXPECT_EQ(sx.stx_blocks, st.st_blocks);
	EXPECT_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
	if (sx.stx_mask & STATX_BTIME)
		EXPECT(sx.stx_btime.tv_sec > 0, "btime %lld",
		       (long long)sx.stx_btime.tv_sec);

	/* By fd, and with both sync flavours. */
	fd = SYS(open("f", O_RDONLY));
	SYS(statx(fd, "", AT_EMPTY_PATH | AT_STATX_FORCE_SYNC, STATX_SIZE,
		  &sx2));
	EXPECT(sx2.stx_mask & STATX_SIZE, "mask 0x%x", sx2.stx_mask);
	EXPECT_EQ(sx2.stx_size, 10);
	SYS(close(fd));
	SYS(statx(AT_FDCWD, "f", AT_STATX_DONT_SYNC, STATX_INO, &sx2));
	EXPECT_EQ(sx2.stx_ino, st.st_ino);

	/* A symlink, not followed. */
	SYS(symlink("f", "l"));
	SYS(statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx2));
	EXPECT(S_ISLNK(sx2.stx_mode), "mode 0%o", sx2.stx_mode);
	EXPECT_EQ(sx2.stx_size, 1);
	EXPECT_ERR(statx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &sx2),
		   ENOENT);
	return 0;
}

int t_statfs(void)
{
	struct statvfs vs, fvs, svs;
	struct statfs sfs;
	int fd;

	SYS(statvfs(".", &vs));
	EXPECT(vs.f_bsize > 0 && vs.f_frsize > 0, "bsize %lu frsize %lu",
	       vs.f_bsize, vs.f_frsize);
	EXPECT(vs.f_blocks > 0, "f_blocks %llu",
	       (unsigned long long)vs.f_blocks);
	EXPECT(vs.f_bfree <= vs.f_blocks, "bfree %llu > blocks",
	       (unsigned long long)vs.f_bfree);
	EXPECT(vs.f_bavail <= vs.f_bfree, "bavail %llu > bfree",
	       (unsigned long long)vs.f_bavail);
	EXPECT(vs.f_ffree <= vs.f_files, "ffree > files");
	EXPECT(vs.f_namemax >= 14, "namemax %lu", vs.f_namemax);

	SYS(write_str("f", "x"));
	fd = SYS(open("f", O_RDONLY));
	SYS(fstatvfs(fd, &fvs));
	SYS(fstatfs(fd, &sfs));
	SYS(close(fd));
	EXPECT_EQ(fvs.f_blocks, vs.f_blocks);
	EXPECT_EQ(fvs.f_frsize, vs.f_frsize);
	EXPECT_EQ(fvs.f_namemax, vs.f_namemax);
	if (bopt.expect_fuse)
		EXPECT_EQ(sfs.f_type, FUSE_SUPER_MAGIC);

	/* A passthrough reports the numbers of its source filesystem. */
	if (bopt.source) {
		SYS(statvfs(bopt.source, &svs));
		EXPECT_EQ(vs.f_blocks, svs.f_blocks);
		EXPECT_EQ(vs.f_frsize, svs.f_frsize);
		EXPECT_EQ(vs.f_files, svs.f_files);
		EXPECT_EQ(vs.f_namemax, svs.f_namemax);
	}
	return 0;
}

static int exec_status(const char *path)
{
	char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(errno == EACCES ? 100 : 101);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int t_access(void)
{
	static const char script[] = "#!/bin/sh\nexit 42\n";
	int r;

	SYS(write_file("f", "x", 1, 0644));
	SYS(write_file("x", script, sizeof(script) - 1, 0755));
	SYS(write_file("nx", script, sizeof(script) - 1, 0644));
	SYS(access("f", F_OK));
	SYS(access("f", R_OK | W_OK));
	SYS(access("x", R_OK | X_OK));
	SYS(access(".", R_OK | W_OK | X_OK));
	EXPECT_ERR(access("missing", F_OK), ENOENT);
	EXPECT_ERR(access("missing/f", F_OK), ENOENT);
	EXPECT_ERR(access("f/x", F_OK), ENOTDIR);

	/*
	 * Without an ACCESS handler and without default_permissions the FUSE
	 * kernel grants every access() request, so X_OK on a 0644 file is
	 * only checked where the answer is defined.
	 */
	r = access("f", X_OK);
	if (!on_fuse || bopt.default_perms)
		EXPECT(r < 0 && errno == EACCES, "access(X_OK) on 0644: %d/%s",
		       r, ename(errno));

	/* execve checks the mode bits itself, on any filesystem. */
	EXPECT_EQ(exec_status("./x"), 42);
	EXPECT_EQ(exec_status("./nx"), 100);
	return 0;
}

static int xattr_list_has(const char *list, ssize_t len, const char *name)
{
	ssize_t off = 0;

	while (off < len) {
		if (!strcmp(list + off, name))
			return 1;
		off += (ssize_t)strlen(list + off) + 1;
	}
	return 0;
}

static int xattr_list(const char *path)
{
	char list[4096];
	ssize_t sz, n;

	sz = SYS(listxattr(path, NULL, 0));
	n = SYS(listxattr(path, list, sizeof(list)));
	EXPECT_EQ(n, sz);
	EXPECT(xattr_list_has(list, n, "user.test"), "user.test not listed");
	EXPECT(xattr_list_has(list, n, "user.big"), "user.big not listed");
	EXPECT(n >= (ssize_t)sizeof("user.test") + (ssize_t)sizeof("user.big"),
	       "list size %zd", n);
	if (n > 1)
		EXPECT_ERR(listxattr(path, list, 1), ERANGE);
	return 0;
}

int t_xattr(void)
{
	char buf[4096], big[4000];
	int fd;

	SYS(write_str("f", "x"));
	if (setxattr("f", "user.test", "value1", 6, 0) < 0 &&
	    errno == EOPNOTSUPP)
		EXPECT(0, "setxattr: EOPNOTSUPP (use --skip=xattr if the "
		       "filesystem has no xattr support)");
	EXPECT_EQ(SYS(getxattr("f", "user.test", NULL, 0)), 6);
	EXPECT_EQ(SYS(getxattr("f", "user.test", buf, sizeof(buf))), 6);
	EXPECT_MEM(buf, "value1", 6);
	EXPECT_ERR(getxattr("f", "user.test", buf, 3), ERANGE);
	EXPECT_ERR(setxattr("f", "user.test", "v", 1, XATTR_CREATE), EEXIST);
	EXPECT_ERR(setxattr("f", "user.none", "v", 1, XATTR_REPLACE), ENODATA);
	SYS(setxattr("f", "user.test", "v2", 2, XATTR_REPLACE));
	EXPECT_EQ(SYS(getxattr("f", "user.test", buf, sizeof(buf))), 2);
	EXPECT_MEM(buf, "v2", 2);

	/* A large value, and an empty one. */
	pattern(big, sizeof(big), 13, 0);
	SYS(setxattr("f", "user.big", big, sizeof(big), XATTR_CREATE));
	EXPECT_EQ(SYS(getxattr("f", "user.big", buf, sizeof(buf))), sizeof(big));
	EXPECT_MEM(buf, big, sizeof(big));
	SYS(setxattr("f", "user.empty", "", 0, 0));
	EXPECT_EQ(SYS(getxattr("f", "user.empty", buf, sizeof(buf))), 0);
	if (xattr_list("f"))
		return -1;

	/* The same through an fd. */
	fd = SYS(open("f", O_RDONLY));
	EXPECT_EQ(SYS(fgetxattr(fd, "user.test", buf, sizeof(buf))), 2);
	SYS(fsetxattr(fd, "user.fd", "fdv", 3, 0));
	EXPECT_EQ(SYS(fgetxattr(fd, "user.fd", buf, sizeof(buf))), 3);
	SYS(fremovexattr(fd, "user.fd"));
	SYS(close(fd));

	SYS(removexattr("f", "user.test"));
	EXPECT_ERR(getxattr("f", "user.test", buf, sizeof(buf)), ENODATA);
	EXPECT_ERR(removexattr("f", "user.test"), ENODATA);
	EXPECT_ERR(getxattr("f", "user.never", NULL, 0), ENODATA);
	EXPECT_ERR(getxattr("missing", "user.test", NULL, 0), ENOENT);

	/* Directories carry user xattrs too. */
	SYS(mkdir("d", 0755));
	SYS(setxattr("d", "user.dir", "dv", 2, 0));
	EXPECT_EQ(SYS(getxattr("d", "user.dir", buf, sizeof(buf))), 2);
	EXPECT_MEM(buf, "dv", 2);
	return 0;
}

/* Runs as an unprivileged user: the kernel must enforce mode bits. */
static int perms_child(void)
{
	struct stat st;
	int fd;

	SYS(setgroups(0, NULL));
	SYS(setresgid(65534, 65534, 65534));
	SYS(setresuid(65534, 65534, 65534));
	EXPECT_ERR(open("secret", O_RDONLY), EACCES);
	EXPECT_ERR(access("secret", R_OK), EACCES);
	fd = SYS(open("public", O_RDONLY));
	SYS(close(fd));
	EXPECT_ERR(open("public", O_WRONLY), EACCES);
	EXPECT_ERR(access("public", W_OK), EACCES);
	EXPECT_ERR(chmod("public", 0666), EPERM);
	EXPECT_ERR(chown("public", 65534, 65534), EPERM);
	EXPECT_ERR(open("closed/new", O_CREAT | O_WRONLY, 0644), EACCES);
	EXPECT_ERR(unlink("closed/file"), EACCES);
	EXPECT_ERR(stat("noexec/file", &st), EACCES);
	fd = SYS(open("open/new", O_CREAT | O_WRONLY, 0644));
	SYS(close(fd));
	SYS(unlink("open/new"));
	return 0;
}

int t_perms(void)
{
	pid_t pid;

	if (!bopt.default_perms)
		SKIP("needs a mount with allow_other,default_permissions "
		     "(--default-permissions)");
	if (geteuid() != 0)
		SKIP("needs root to switch to an unprivileged user");
	SYS(chmod(".", 0755));
	SYS(write_file("secret", "s", 1, 0600));
	SYS(write_file("public", "p", 1, 0644));
	SYS(mkdir("closed", 0755));
	SYS(write_str("closed/file", "c"));
	SYS(mkdir("noexec", 0700));
	SYS(write_str("noexec/file", "n"));
	SYS(mkdir("open", 0777));
	IN_CHILD(pid, perms_child());
	REAP(pid, "unprivileged checks");
	return 0;
}

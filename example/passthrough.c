// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough: mirrors the root filesystem through the path-based API, each
 * operation being the libc call on the same path. Mount a directory instead
 * with "-o modules=subdir,subdir=DIR". Command line as libfuse's
 * passthrough example ("--plus": readdirplus with full attributes), plus
 * the fuse_config options of passthrough_helpers.h.
 */

#define FUSE_USE_VERSION 31

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "passthrough_helpers.h"

static struct pt_options pt_opts;

static void *pt_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* use_ino by default: hard links look like hard links. */
	pt_options_apply(&pt_opts, cfg);
	return NULL;
}

static int pt_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	/* An open file may have lost its name (hard_remove): use the fd. */
	if (fi)
		return pt_status(fstat((int)fi->fh, st));
	return pt_status(lstat(path, st));
}

static int pt_access(const char *path, int mask)
{
	return pt_status(faccessat(AT_FDCWD, path, mask, AT_SYMLINK_NOFOLLOW));
}

static int pt_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* One entry; with --plus and a readdirplus request, with real attributes. */
static int pt_fill_one(DIR *dp, struct dirent *de, void *buf,
		       fuse_fill_dir_t filler, enum fuse_readdir_flags flags)
{
	struct stat st;
	int fill_flags = 0;

	memset(&st, 0, sizeof(st));
	st.st_ino = de->d_ino;
	st.st_mode = (mode_t)DTTOIF(de->d_type);
	if (pt_opts.plus && (flags & FUSE_READDIR_PLUS) &&
	    fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		fill_flags = FUSE_FILL_DIR_PLUS;
	return filler(buf, de->d_name, &st, 0,
		      (enum fuse_fill_dir_flags)fill_flags);
}

/* The whole directory in one go (offset 0): the library pages it. */
static int pt_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct dirent *de;
	DIR *dp;

	(void)off;
	(void)fi;
	dp = opendir(path);
	if (!dp)
		return -errno;
	while ((de = readdir(dp)) != NULL) {
		if (pt_fill_one(dp, de, buf, filler, flags))
			break;
	}
	closedir(dp);
	return 0;
}

static int pt_mknod(const char *path, mode_t mode, dev_t rdev)
{
	return pt_mknod_at(AT_FDCWD, path, NULL, mode, rdev);
}

static int pt_mkdir(const char *path, mode_t mode)
{
	return pt_status(mkdir(path, mode));
}

static int pt_unlink(const char *path)
{
	return pt_status(unlink(path));
}

static int pt_rmdir(const char *path)
{
	return pt_status(rmdir(path));
}

static int pt_symlink(const char *target, const char *path)
{
	return pt_status(symlink(target, path));
}

static int pt_rename(const char *from, const char *to, unsigned int flags)
{
	/* RENAME_NOREPLACE/EXCHANGE go straight to the source filesystem. */
	return pt_status(renameat2(AT_FDCWD, from, AT_FDCWD, to, flags));
}

static int pt_link(const char *from, const char *to)
{
	return pt_status(link(from, to));
}

static int pt_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(fchmod((int)fi->fh, mode));
	return pt_status(chmod(path, mode));
}

static int pt_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(fchown((int)fi->fh, uid, gid));
	return pt_status(lchown(path, uid, gid));
}

static int pt_truncate(const char *path, off_t size,
		       struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(ftruncate((int)fi->fh, size));
	return pt_status(truncate(path, size));
}

static int pt_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(futimens((int)fi->fh, tv));
	/* utimes() would follow a symlink; the link itself is meant. */
	return pt_status(utimensat(AT_FDCWD, path, tv, AT_SYMLINK_NOFOLLOW));
}

static int pt_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = open(path, fi->flags, mode);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pt_open(const char *path, struct fuse_file_info *fi)
{
	int fd = open(path, fi->flags);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

/*
 * Calls without a handle (fi == NULL) open the path for the one call;
 * @ret_fd is the descriptor to use, @ret_own whether to close it after.
 */
static int pt_fd(const char *path, struct fuse_file_info *fi, int flags,
		 int *ret_fd, int *ret_own)
{
	int fd;

	if (fi) {
		*ret_fd = (int)fi->fh;
		*ret_own = 0;
		return 0;
	}
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	*ret_own = 1;
	return 0;
}

static int pt_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	int fd = -1, own = 0, res;
	ssize_t n;

	res = pt_fd(path, fi, O_RDONLY, &fd, &own);
	if (res < 0)
		return res;
	n = pread(fd, buf, size, off);
	res = n < 0 ? -errno : (int)n;
	if (own)
		close(fd);
	return res;
}

static int pt_write(const char *path, const char *buf, size_t size,
		    off_t off, struct fuse_file_info *fi)
{
	int fd = -1, own = 0, res;
	ssize_t n;

	res = pt_fd(path, fi, O_WRONLY, &fd, &own);
	if (res < 0)
		return res;
	n = pwrite(fd, buf, size, off);
	res = n < 0 ? -errno : (int)n;
	if (own)
		close(fd);
	return res;
}

static int pt_statfs(const char *path, struct statvfs *st)
{
	return pt_status(statvfs(path, st));
}

static int pt_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int pt_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	int fd = -1, own = 0, res;

	res = pt_fd(path, fi, O_RDONLY, &fd, &own);
	if (res < 0)
		return res;
	res = pt_status(datasync ? fdatasync(fd) : fsync(fd));
	if (own)
		close(fd);
	return res;
}

static int pt_fallocate(const char *path, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	int fd = -1, own = 0, res;

	res = pt_fd(path, fi, O_WRONLY, &fd, &own);
	if (res < 0)
		return res;
	/* Every mode the source supports: keep-size, punch-hole, zero-range. */
	res = pt_status(fallocate(fd, mode, off, len));
	if (own)
		close(fd);
	return res;
}

static int pt_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	return pt_status(lsetxattr(path, name, value, size, flags));
}

static int pt_getxattr(const char *path, const char *name, char *value,
		       size_t size)
{
	ssize_t n = lgetxattr(path, name, value, size);

	return n < 0 ? -errno : (int)n;
}

static int pt_listxattr(const char *path, char *list, size_t size)
{
	ssize_t n = llistxattr(path, list, size);

	return n < 0 ? -errno : (int)n;
}

static int pt_removexattr(const char *path, const char *name)
{
	return pt_status(lremovexattr(path, name));
}

static ssize_t pt_copy_file_range(const char *path_in,
				  struct fuse_file_info *fi_in, off_t off_in,
				  const char *path_out,
				  struct fuse_file_info *fi_out, off_t off_out,
				  size_t len, int flags)
{
	int fd_in = -1, fd_out = -1, own_in = 0, own_out = 0, res;
	ssize_t n;

	res = pt_fd(path_in, fi_in, O_RDONLY, &fd_in, &own_in);
	if (res < 0)
		return res;
	res = pt_fd(path_out, fi_out, O_WRONLY, &fd_out, &own_out);
	if (res < 0) {
		if (own_in)
			close(fd_in);
		return res;
	}
	n = copy_file_range(fd_in, &off_in, fd_out, &off_out, len,
			    (unsigned int)flags);
	if (n < 0)
		n = -errno;
	if (own_out)
		close(fd_out);
	if (own_in)
		close(fd_in);
	return n;
}

static off_t pt_lseek(const char *path, off_t off, int whence,
		      struct fuse_file_info *fi)
{
	int fd = -1, own = 0, res;
	off_t pos;

	res = pt_fd(path, fi, O_RDONLY, &fd, &own);
	if (res < 0)
		return res;
	pos = lseek(fd, off, whence);
	if (pos < 0)
		pos = -errno;
	if (own)
		close(fd);
	return pos;
}

#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 18)
static int pt_statx(const char *path, int flags, int mask, struct statx *stx,
		    struct fuse_file_info *fi)
{
	/* Never follow the last component: the kernel resolved it already. */
	flags |= AT_SYMLINK_NOFOLLOW;
	if (fi)
		return pt_status(statx((int)fi->fh, "", flags | AT_EMPTY_PATH,
				       (unsigned int)mask, stx));
	return pt_status(statx(AT_FDCWD, path, flags, (unsigned int)mask,
			       stx));
}
#endif

static const struct fuse_operations pt_ops = {
	.init = pt_init,
	.getattr = pt_getattr,
	.access = pt_access,
	.readlink = pt_readlink,
	.readdir = pt_readdir,
	.mknod = pt_mknod,
	.mkdir = pt_mkdir,
	.symlink = pt_symlink,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.rename = pt_rename,
	.link = pt_link,
	.chmod = pt_chmod,
	.chown = pt_chown,
	.truncate = pt_truncate,
	.utimens = pt_utimens,
	.open = pt_open,
	.create = pt_create,
	.read = pt_read,
	.write = pt_write,
	.statfs = pt_statfs,
	.release = pt_release,
	.fsync = pt_fsync,
	.fallocate = pt_fallocate,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
	.copy_file_range = pt_copy_file_range,
	.lseek = pt_lseek,
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 18)
	.statx = pt_statx,
#endif
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	int ret;

	/* Modes arrive already masked by the caller's umask. */
	umask(0);
	if (fuse_opt_parse(&args, &pt_opts, pt_option_spec, pt_option_proc))
		return 1;
	ret = fuse_main(args.argc, args.argv, &pt_ops, NULL);
	fuse_opt_free_args(&args);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough_common: the request handlers passthrough_ll and
 * passthrough_hp answer the same way: lookups and node creation, unlink
 * and rename, forget, readlink, statfs and the calls that act on an open
 * descriptor alone. Both keep passthrough_ll's inode table (struct pl_fs)
 * at the start of their session data.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "passthrough_common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

void pc_fill_entry(struct pl_fs *fs, struct pl_inode *in,
		   const struct stat *st, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = pl_nodeid(fs, in);
	e->attr = *st;
	e->attr_timeout = fs->timeout;
	e->entry_timeout = fs->timeout;
}

/* Looks @name up in the directory open as @dirfd; one reference taken. */
int pc_lookup_at(struct pl_fs *fs, int dirfd, const char *name,
		 struct fuse_entry_param *e)
{
	struct pl_inode *in;
	struct stat st;
	int fd, err;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = pl_inode_from_fd(fs, fd, true, &st, &in);
	if (err)
		return err;
	pc_fill_entry(fs, in, &st, e);
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "  %s -> %" PRIu64 "\n", name,
			 (uint64_t)e->ino);
	return 0;
}

/* Replies with an entry; if the request died meanwhile, the kernel never
 * got the reference, so it is dropped here. */
void pc_reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
	struct pl_fs *fs = pc_fs(req);

	if (fuse_reply_entry(req, e) == -ENOENT)
		pl_unref(fs, pl_inode_of(fs, e->ino), 1);
}

/*
 * Makes a new object belong to the requesting user: the daemon runs as
 * root, so it is created as root and then given away. In a set-group-ID
 * directory the group the kernel chose (the directory's) is kept. Giving
 * a file away clears its set-ID bits, so those are put back afterwards.
 */
int pc_give_to_caller(struct pl_fs *fs, fuse_req_t req, int dirfd,
		      const char *name, int fd, mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	uid_t uid = ctx->uid == fs->uid ? (uid_t)-1 : ctx->uid;
	gid_t gid = ctx->gid == fs->gid ? (gid_t)-1 : ctx->gid;
	struct stat dst;
	int res;

	if (gid != (gid_t)-1 && fstat(dirfd, &dst) == 0 &&
	    (dst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if (uid == (uid_t)-1 && gid == (gid_t)-1)
		return 0;
	if (fd >= 0)
		res = fchown(fd, uid, gid);
	else
		res = fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (res < 0)
		return -errno;
	if (!(mode & (S_ISUID | S_ISGID)) || S_ISDIR(mode) || S_ISLNK(mode))
		return 0;
	if (fd >= 0)
		res = fchmod(fd, mode & 07777);
	else
		res = fchmodat(dirfd, name, mode & 07777, 0);
	return res < 0 ? -errno : 0;
}

/* Creates a directory, device node, fifo, socket or symlink. */
void pc_make_node(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, dev_t rdev, const char *target)
{
	struct pl_fs *fs = pc_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	struct fuse_entry_param e;
	int dfd, res, err;

	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	if (target)
		res = symlinkat(target, dfd, name);
	else if (S_ISDIR(mode))
		res = mkdirat(dfd, name, mode & 07777);
	else
		res = mknodat(dfd, name, mode, rdev);
	err = res < 0 ? -errno : 0;
	if (!err) {
		err = pc_give_to_caller(fs, req, dfd, name, -1, mode);
		if (err)
			unlinkat(dfd, name, S_ISDIR(mode) ? AT_REMOVEDIR : 0);
	}
	if (!err)
		err = pc_lookup_at(fs, dfd, name, &e);
	pl_put_fd(fs, dir);
	if (err)
		fuse_reply_err(req, -err);
	else
		pc_reply_entry(req, &e);
}

void pc_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode, dev_t rdev)
{
	pc_make_node(req, parent, name, mode, rdev, NULL);
}

void pc_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode)
{
	pc_make_node(req, parent, name, S_IFDIR | mode, 0, NULL);
}

void pc_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name)
{
	pc_make_node(req, parent, name, S_IFLNK | 0777, 0, link);
}

static void unlink_common(fuse_req_t req, fuse_ino_t parent,
			  const char *name, int flags)
{
	struct pl_fs *fs = pc_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	int dfd = pl_get_fd(fs, dir);
	int res, err;

	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	pl_keep_alive(fs, dfd, name);
	res = unlinkat(dfd, name, flags);
	err = res < 0 ? errno : 0;
	/* Before the reply: after it the kernel may forget the directory. */
	pl_put_fd(fs, dir);
	fuse_reply_err(req, err);
}

void pc_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	unlink_common(req, parent, name, 0);
}

void pc_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	unlink_common(req, parent, name, AT_REMOVEDIR);
}

void pc_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname,
	       unsigned int flags)
{
	struct pl_fs *fs = pc_fs(req);
	struct pl_inode *from = pl_inode_of(fs, parent);
	struct pl_inode *to = pl_inode_of(fs, newparent);
	int ffd, tfd, res, err;

	ffd = pl_get_fd(fs, from);
	if (ffd < 0) {
		fuse_reply_err(req, -ffd);
		return;
	}
	tfd = pl_get_fd(fs, to);
	if (tfd < 0) {
		pl_put_fd(fs, from);
		fuse_reply_err(req, -tfd);
		return;
	}
	/* RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT: the source
	 * filesystem decides what it supports. */
	if (!(flags & (RENAME_EXCHANGE | RENAME_NOREPLACE)))
		pl_keep_alive(fs, tfd, newname);
	res = renameat2(ffd, name, tfd, newname, flags);
	err = res < 0 ? errno : 0;
	pl_put_fd(fs, to);
	pl_put_fd(fs, from);
	fuse_reply_err(req, err);
}

void pc_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct pl_fs *fs = pc_fs(req);

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "forget(ino=%" PRIu64 ", n=%" PRIu64 ")\n",
			 (uint64_t)ino, nlookup);
	pl_unref(fs, pl_inode_of(fs, ino), nlookup);
	fuse_reply_none(req);
}

void pc_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets)
{
	struct pl_fs *fs = pc_fs(req);

	for (size_t i = 0; i < count; i++)
		pl_unref(fs, pl_inode_of(fs, forgets[i].ino),
			 forgets[i].nlookup);
	fuse_reply_none(req);
}

int pc_set_times(int fd, int ffd, const struct stat *attr, int valid)
{
	struct timespec tv[2] = {
		{ .tv_nsec = UTIME_OMIT },
		{ .tv_nsec = UTIME_OMIT },
	};
	int res;

	if (valid & FUSE_SET_ATTR_ATIME_NOW)
		tv[0].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_ATIME)
		tv[0] = attr->st_atim;
	if (valid & FUSE_SET_ATTR_MTIME_NOW)
		tv[1].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_MTIME)
		tv[1] = attr->st_mtim;
	if (ffd >= 0)
		res = futimens(ffd, tv);
	else
		res = utimensat(fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	return res < 0 ? -errno : 0;
}

void pc_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct pl_fs *fs = pc_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	char buf[PATH_MAX + 1];
	ssize_t n;
	int fd;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	n = readlinkat(fd, "", buf, sizeof(buf));
	if (n < 0)
		n = -errno;
	pl_put_fd(fs, in);
	if (n < 0) {
		fuse_reply_err(req, (int)-n);
		return;
	}
	if ((size_t)n == sizeof(buf)) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

void pc_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct pl_fs *fs = pc_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct statvfs sv;
	int fd, res;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	res = fstatvfs(fd, &sv);
	if (res < 0)
		res = -errno;
	pl_put_fd(fs, in);
	if (res < 0)
		fuse_reply_err(req, -res);
	else
		fuse_reply_statfs(req, &sv);
}

/* close() of a duplicate is what the underlying filesystem sees as the
 * application's close: NFS flushes there, and POSIX locks are dropped. */
void pc_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd = dup((int)fi->fh);

	(void)ino;
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	pc_reply_status(req, close(fd));
}

void pc_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	int fd = (int)fi->fh;

	(void)ino;
	pc_reply_status(req, datasync ? fdatasync(fd) : fsync(fd));
}

void pc_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
		  off_t offset, off_t length, struct fuse_file_info *fi)
{
	(void)ino;
	pc_reply_status(req, fallocate((int)fi->fh, mode, offset, length));
}

void pc_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
	      int op)
{
	(void)ino;
	pc_reply_status(req, flock((int)fi->fh, op));
}

void pc_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
			off_t off_in, struct fuse_file_info *fi_in,
			fuse_ino_t ino_out, off_t off_out,
			struct fuse_file_info *fi_out, size_t len,
			int flags)
{
	ssize_t res;

	(void)ino_in;
	(void)ino_out;
	res = copy_file_range((int)fi_in->fh, &off_in, (int)fi_out->fh,
			      &off_out, len, (unsigned int)flags);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, (size_t)res);
}

void pc_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi)
{
	off_t res;

	(void)ino;
	res = lseek((int)fi->fh, off, whence);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}

/* Hard-links the inode open as @fd. AT_EMPTY_PATH needs the
 * CAP_DAC_READ_SEARCH we have as root; /proc is the unprivileged way. */
static int link_fd(struct pl_inode *in, int fd, int dfd, const char *name)
{
	char path[PL_PROC_PATH_MAX];

	if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if ((errno != ENOENT && errno != EPERM) || in->is_symlink)
		return -errno;
	pl_proc_path(path, fd);
	if (linkat(AT_FDCWD, path, dfd, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

void pc_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
	     const char *name)
{
	struct pl_fs *fs = pc_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	struct fuse_entry_param e;
	struct stat st;
	int fd, dfd, err;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		err = dfd;
		goto out;
	}
	err = link_fd(in, fd, dfd, name);
	pl_put_fd(fs, dir);
	if (!err && fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	if (!err) {
		pthread_mutex_lock(&fs->lock);
		in->nlookup++;
		pthread_mutex_unlock(&fs->lock);
		pc_fill_entry(fs, in, &st, &e);
	}
out:
	pl_put_fd(fs, in);
	if (err)
		fuse_reply_err(req, -err);
	else
		pc_reply_entry(req, &e);
}

/*
 * O_CREAT open that tells whether the file is new: an existing file must
 * keep its owner. Tries O_EXCL first, then a plain open, and again if the
 * file vanished in between.
 */
int pc_open_create(int dfd, const char *name, int flags, mode_t mode,
		   bool *ret_created)
{
	int fd;

	for (int i = 0; i < 8; i++) {
		fd = openat(dfd, name, flags | O_CREAT | O_EXCL, mode);
		if (fd >= 0) {
			*ret_created = true;
			return fd;
		}
		if (errno != EEXIST || (flags & O_EXCL))
			return -errno;
		fd = openat(dfd, name, flags);
		if (fd >= 0) {
			*ret_created = false;
			return fd;
		}
		if (errno != ENOENT)
			return -errno;
	}
	/* Still racing (or a dangling symlink): let open() decide. */
	fd = openat(dfd, name, flags | O_CREAT, mode);
	*ret_created = false;
	return fd < 0 ? -errno : fd;
}

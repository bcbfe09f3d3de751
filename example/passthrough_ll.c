// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough_ll: mirrors a source directory (-o source=DIR, default "/")
 * through the lowlevel API. Inodes are remembered as kernel file handles and
 * reopened on demand through a bounded cache of O_PATH descriptors, so trees
 * with more inodes than the open-file limit work. Where the source cannot
 * give out handles, an inode keeps one O_PATH descriptor instead.
 */

#define FUSE_USE_VERSION 318
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "passthrough_ll.h"
#include "passthrough_common.h"
#include "ll_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

struct pl_dir {
	DIR *dp;
	struct dirent *entry;	/* read but not yet returned */
	off_t offset;		/* where the stream is positioned */
	struct pl_dir *next, *prev;	/* all open handles, see pl_dirs_close */
};

/*
 * Open directory handles, so the ones the kernel never released (the
 * daemon stopped by a signal while a directory was open) are freed at exit.
 */
static pthread_mutex_t pl_dirs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pl_dir pl_dirs = { .next = &pl_dirs, .prev = &pl_dirs };

static void pl_dir_link(struct pl_dir *d)
{
	pthread_mutex_lock(&pl_dirs_lock);
	d->next = pl_dirs.next;
	d->prev = &pl_dirs;
	pl_dirs.next->prev = d;
	pl_dirs.next = d;
	pthread_mutex_unlock(&pl_dirs_lock);
}

static void pl_dir_free(struct pl_dir *d)
{
	pthread_mutex_lock(&pl_dirs_lock);
	if (d->next) {
		d->next->prev = d->prev;
		d->prev->next = d->next;
	}
	pthread_mutex_unlock(&pl_dirs_lock);
	closedir(d->dp);
	free(d);
}

static void pl_dirs_close(void)
{
	while (pl_dirs.next != &pl_dirs)
		pl_dir_free(pl_dirs.next);
}

#define PL_OPT(t, field, v) { t, offsetof(struct pl_fs, field), v }
static const struct fuse_opt pl_opts[] = {
	PL_OPT("writeback", writeback, 1),
	PL_OPT("no_writeback", writeback, 0),
	PL_OPT("source=%s", source, 0),
	PL_OPT("flock", flock, 1),
	PL_OPT("no_flock", flock, 0),
	PL_OPT("xattr", xattr, 1),
	PL_OPT("no_xattr", xattr, 0),
	PL_OPT("timeout=%lf", timeout, 0),
	PL_OPT("timeout=", timeout_set, 1),
	PL_OPT("cache=never", cache, PL_CACHE_NEVER),
	PL_OPT("cache=auto", cache, PL_CACHE_AUTO),
	PL_OPT("cache=always", cache, PL_CACHE_ALWAYS),
	FUSE_OPT_END
};

static void pl_help(void)
{
	printf("    -o source=DIR          directory to mirror (default: /)\n"
	       "    -o writeback           enable the kernel's writeback cache\n"
	       "    -o no_writeback        disable the writeback cache\n"
	       "    -o flock               enable flock() locks\n"
	       "    -o no_flock            disable flock() locks\n"
	       "    -o xattr               enable extended attributes\n"
	       "    -o no_xattr            disable extended attributes\n"
	       "    -o timeout=SECONDS     attribute and entry cache timeout\n"
	       "    -o cache=never         no caching (timeout 0, direct I/O)\n"
	       "    -o cache=auto          ordinary caching (timeout 1s)\n"
	       "    -o cache=always        keep caches (timeout 1 day)\n");
}

/* ---- small helpers ---------------------------------------------------- */

static struct pl_fs *pl_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* ---- lookup and entry creation ---------------------------------------- */

static int pl_lookup_in(struct pl_fs *fs, struct pl_inode *dir,
			const char *name, struct fuse_entry_param *e)
{
	int dfd = pl_get_fd(fs, dir);
	int err;

	if (dfd < 0)
		return dfd;
	err = pc_lookup_at(fs, dfd, name, e);
	pl_put_fd(fs, dir);
	return err;
}

static void pl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	struct fuse_entry_param e;
	int err;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "lookup(parent=%" PRIu64 ", name=%s)\n",
			 (uint64_t)parent, name);
	/* ".." of the mirrored root must not climb out of the source. */
	if (dir == &fs->root && strcmp(name, "..") == 0)
		name = ".";
	err = pl_lookup_in(fs, dir, name, &e);
	if (err)
		fuse_reply_err(req, -err);
	else
		pc_reply_entry(req, &e);
}

/* ---- attributes --------------------------------------------------------- */

static int pl_stat_inode(struct pl_fs *fs, struct pl_inode *in,
			 struct fuse_file_info *fi, struct stat *st)
{
	int ffd = pc_file_fd(in, fi);
	int fd, res;

	if (ffd >= 0)
		return fstat(ffd, st) < 0 ? -errno : 0;
	fd = pl_get_fd(fs, in);
	if (fd < 0)
		return fd;
	res = fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	if (res < 0)
		res = -errno;
	pl_put_fd(fs, in);
	return res;
}

static void pl_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct stat st;
	int err;

	err = pl_stat_inode(fs, pl_inode_of(fs, ino), fi, &st);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs->timeout);
}

/* Applies the requested changes in the order chown, chmod, truncate,
 * times: a chown clears set-ID bits, so a mode set with it must follow. */
static int pl_apply_setattr(struct pl_inode *in, int fd, int ffd,
			    const struct stat *attr, int valid)
{
	char path[PL_PROC_PATH_MAX];
	int res = 0;

	pl_proc_path(path, fd);
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = valid & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
		gid_t gid = valid & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;

		res = fchownat(fd, "", uid, gid,
			       AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		if (res < 0)
			return -errno;
	}
	if (valid & FUSE_SET_ATTR_MODE) {
		if (ffd >= 0)
			res = fchmod(ffd, attr->st_mode & 07777);
		else if (in->is_symlink)
			return -EOPNOTSUPP;
		else
			res = chmod(path, attr->st_mode & 07777);
		if (res < 0)
			return -errno;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		if (ffd >= 0)
			res = ftruncate(ffd, attr->st_size);
		else
			res = truncate(path, attr->st_size);
		if (res < 0)
			return -errno;
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))
		return pc_set_times(fd, ffd, attr, valid);
	return 0;
}

static void pl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int valid, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct stat st;
	int fd, err;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	err = pl_apply_setattr(in, fd, pc_file_fd(in, fi), attr, valid);
	if (!err && fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	pl_put_fd(fs, in);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs->timeout);
}

#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 18)
static void pl_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	int ffd = pc_file_fd(in, fi);
	int sync = flags & AT_STATX_SYNC_TYPE;
	struct statx stx;
	int fd, res;

	if (ffd >= 0) {
		res = statx(ffd, "", AT_EMPTY_PATH | sync, (unsigned int)mask,
			    &stx);
	} else {
		fd = pl_get_fd(fs, in);
		if (fd < 0) {
			fuse_reply_err(req, -fd);
			return;
		}
		res = statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | sync,
			    (unsigned int)mask, &stx);
		pl_put_fd(fs, in);
	}
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statx(req, 0, &stx, fs->timeout);
}
#endif

/* ---- directories -------------------------------------------------------- */

static struct pl_dir *pl_dir(struct fuse_file_info *fi)
{
	return (struct pl_dir *)(uintptr_t)fi->fh;
}

static void pl_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct pl_dir *d;
	int fd, dfd, err;

	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		err = -fd;
		goto out_free;
	}
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = dfd < 0 ? errno : 0;
	pl_put_fd(fs, in);
	if (err)
		goto out_free;
	d->dp = fdopendir(dfd);
	if (!d->dp) {
		err = errno;
		close(dfd);
		goto out_free;
	}
	fi->fh = (uintptr_t)d;
	if (fs->cache == PL_CACHE_ALWAYS)
		fi->cache_readdir = 1;
	pl_dir_link(d);
	if (fuse_reply_open(req, fi) == -ENOENT)
		pl_dir_free(d);
	return;
out_free:
	free(d);
	fuse_reply_err(req, err);
}

/* Adds the entry @ent to @buf; returns its size, which exceeds @rem when
 * it did not fit (and then nothing was added, no reference kept). */
static size_t pl_add_entry(fuse_req_t req, struct pl_dir *d, char *buf,
			   size_t rem, bool plus, int *ret_err)
{
	struct pl_fs *fs = pl_fs(req);
	const struct dirent *ent = d->entry;
	struct fuse_entry_param e = {
		.attr.st_ino = ent->d_ino,
		.attr.st_mode = (mode_t)ent->d_type << 12,
	};
	size_t size;
	int err;

	*ret_err = 0;
	if (!plus)
		return fuse_add_direntry(req, buf, rem, ent->d_name, &e.attr,
					 ent->d_off);
	/* "." and ".." carry no lookup reference (node id 0). */
	if (!pc_is_dot_or_dotdot(ent->d_name)) {
		err = pc_lookup_at(fs, dirfd(d->dp), ent->d_name, &e);
		if (err) {
			*ret_err = -err;
			return 0;
		}
	}
	size = fuse_add_direntry_plus(req, buf, rem, ent->d_name, &e,
				      ent->d_off);
	if (size > rem && e.ino)
		pl_unref(fs, pl_inode_of(fs, e.ino), 1);
	return size;
}

static void pl_do_readdir(fuse_req_t req, size_t size, off_t offset,
			  struct fuse_file_info *fi, bool plus)
{
	struct pl_dir *d = pl_dir(fi);
	size_t rem = size;
	char *buf, *p;
	int err = 0;

	buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	p = buf;
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		size_t n;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		n = pl_add_entry(req, d, p, rem, plus, &err);
		if (err)
			break;
		if (n > rem)
			break;
		p += n;
		rem -= n;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
	/* Entries already in the buffer hold lookup references: once there
	 * is one, an error cannot be reported without leaking them. */
	if (err && rem == size)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void pl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t offset, struct fuse_file_info *fi)
{
	(void)ino;
	pl_do_readdir(req, size, offset, fi, false);
}

static void pl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t offset, struct fuse_file_info *fi)
{
	(void)ino;
	pl_do_readdir(req, size, offset, fi, true);
}

static void pl_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct pl_dir *d = pl_dir(fi);

	(void)ino;
	pl_dir_free(d);
	fuse_reply_err(req, 0);
}

static void pl_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	int fd = dirfd(pl_dir(fi)->dp);

	(void)ino;
	pc_reply_status(req, datasync ? fdatasync(fd) : fsync(fd));
}

/* ---- files -------------------------------------------------------------- */

/*
 * With the writeback cache the kernel reads pages around partial writes,
 * so a write-only open must be able to read. It also computes append
 * offsets itself and sends them explicitly, while pwrite() on an O_APPEND
 * descriptor ignores the offset: O_APPEND has to go. (Appends then are
 * only as atomic as the kernel's idea of the file size.)
 */
static int pl_open_flags(const struct pl_fs *fs, int flags)
{
	flags &= ~O_NOFOLLOW;
	flags |= O_CLOEXEC;
	if (fs->writeback_on) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags;
}

static void pl_set_file_cache(const struct pl_fs *fs,
			      struct fuse_file_info *fi)
{
	if (fs->cache == PL_CACHE_NEVER)
		fi->direct_io = 1;
	else if (fs->cache == PL_CACHE_ALWAYS)
		fi->keep_cache = 1;
}

/* Sends the reply to create/tmpfile; undoes everything if it is lost. */
static void pl_reply_create(fuse_req_t req, struct pl_inode *in,
			    const struct fuse_entry_param *e,
			    struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);

	if (fuse_reply_create(req, e, fi) == -ENOENT) {
		close((int)fi->fh);
		pl_unhold(fs, in);
		pl_unref(fs, in, 1);
	}
}

/*
 * Registers the file open as @fd, releases the directory's descriptor
 * @dfd and replies; closes @fd on error. Only a file this request
 * @created is given to the caller, or removed again (by @name; NULL for
 * an O_TMPFILE one) when that fails.
 */
static void pl_finish_create(fuse_req_t req, struct pl_inode *dir, int dfd,
			     const char *name, bool created, int fd,
			     mode_t mode, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct fuse_entry_param e;
	struct pl_inode *in;
	struct stat st;
	int err = 0;

	if (created)
		err = pc_give_to_caller(fs, req, dfd, name, fd, mode);
	if (!err && fstat(fd, &st) < 0)
		err = -errno;
	if (!err)
		err = pl_inode_from_fd(fs, fd, false, &st, &in);
	if (err && created && name)
		unlinkat(dfd, name, 0);
	pl_put_fd(fs, dir);
	if (err) {
		close(fd);
		fuse_reply_err(req, -err);
		return;
	}
	pl_hold(fs, in);
	pc_fill_entry(fs, in, &st, &e);
	fi->fh = (uint64_t)fd;
	pl_set_file_cache(fs, fi);
	pl_reply_create(req, in, &e, fi);
}

static void pl_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	bool created;
	int dfd, fd;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "create(parent=%" PRIu64 ", name=%s)\n",
			 (uint64_t)parent, name);
	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	fd = pc_open_create(dfd, name, pl_open_flags(fs, fi->flags) & ~O_CREAT,
			    mode, &created);
	if (fd >= 0) {
		pl_finish_create(req, dir, dfd, name, created, fd, mode, fi);
		return;
	}
	pl_put_fd(fs, dir);
	fuse_reply_err(req, -fd);
}

#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 15)
static void pl_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	int dfd, fd, flags, err;

	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	flags = (pl_open_flags(fs, fi->flags) | O_TMPFILE) & ~O_CREAT;
	fd = openat(dfd, ".", flags, mode);
	if (fd >= 0) {
		pl_finish_create(req, dir, dfd, NULL, true, fd, mode, fi);
		return;
	}
	err = errno;
	pl_put_fd(fs, dir);
	fuse_reply_err(req, err);
}
#endif

static void pl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	char path[PL_PROC_PATH_MAX];
	int fd, nfd;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "open(ino=%" PRIu64 ", flags=0%o)\n",
			 (uint64_t)ino, fi->flags);
	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	pl_proc_path(path, fd);
	nfd = open(path, pl_open_flags(fs, fi->flags));
	if (nfd < 0) {
		int err = errno;

		pl_put_fd(fs, in);
		fuse_reply_err(req, err);
		return;
	}
	pl_hold(fs, in);
	pl_put_fd(fs, in);
	fi->fh = (uint64_t)nfd;
	pl_set_file_cache(fs, fi);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		close(nfd);
		pl_unhold(fs, in);
	}
}

static void pl_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);

	close((int)fi->fh);
	pl_unhold(fs, pl_inode_of(fs, ino));
	fuse_reply_err(req, 0);
}

static void pl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)fi->fh;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void pl_write_buf(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_bufvec *in_buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in_buf));
	ssize_t res;

	(void)ino;
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = (int)fi->fh;
	out.buf[0].pos = off;
	res = fuse_buf_copy(&out, in_buf, 0);
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else
		fuse_reply_write(req, (size_t)res);
}

/* ---- extended attributes ------------------------------------------------ */

/*
 * O_PATH descriptors cannot do f*xattr(), so xattrs go through the
 * descriptor's /proc path. Disabled (ENOSYS, which the kernel remembers)
 * unless -o xattr was given.
 */
static int pl_xattr_path(struct pl_fs *fs, struct pl_inode *in,
			 char path[PL_PROC_PATH_MAX])
{
	int fd;

	if (fs->xattr != 1)
		return -ENOSYS;
	fd = pl_get_fd(fs, in);
	if (fd < 0)
		return fd;
	pl_proc_path(path, fd);
	return 0;
}

/*
 * Shared by getxattr and listxattr: @size 0 asks for the size only.
 * @name NULL means list.
 */
static void pl_query_xattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			   size_t size)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	char path[PL_PROC_PATH_MAX];
	char *value = NULL;
	ssize_t n;
	int err;

	if (size) {
		value = malloc(size);
		if (!value) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	err = pl_xattr_path(fs, in, path);
	if (!err) {
		if (name)
			n = getxattr(path, name, value, size);
		else
			n = listxattr(path, value, size);
		err = n < 0 ? -errno : 0;
		pl_put_fd(fs, in);
	}
	if (err)
		fuse_reply_err(req, -err);
	else if (!size)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, value, (size_t)n);
	free(value);
}

static void pl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	pl_query_xattr(req, ino, name, size);
}

static void pl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	pl_query_xattr(req, ino, NULL, size);
}

/* Shared by setxattr and removexattr (@value NULL). */
static void pl_change_xattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			    const char *value, size_t size, int flags)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	char path[PL_PROC_PATH_MAX];
	int err, res;

	err = pl_xattr_path(fs, in, path);
	if (!err) {
		if (value)
			res = setxattr(path, name, value, size, flags);
		else
			res = removexattr(path, name);
		err = res < 0 ? -errno : 0;
		pl_put_fd(fs, in);
	}
	fuse_reply_err(req, -err);
}

static void pl_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	/* A zero-length value may come without a buffer. */
	pl_change_xattr(req, ino, name, value ? value : "", size, flags);
}

static void pl_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	pl_change_xattr(req, ino, name, NULL, 0, 0);
}

/* ---- session ------------------------------------------------------------ */

/*
 * Turns capability @cap on (@on 1) or off (0) as asked; -1 leaves the
 * library's default. libfuse 3.17 moved capabilities to 64-bit words with
 * accessors; the 32-bit fields serve the 3.14 ABI.
 */
static void pl_choose_cap(struct fuse_conn_info *conn, uint64_t cap, int on)
{
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	if (on == 1)
		fuse_set_feature_flag(conn, cap);
	else if (on == 0)
		fuse_unset_feature_flag(conn, cap);
#else
	if (on == 1 && (conn->capable & cap))
		conn->want |= (unsigned int)cap;
	else if (on == 0)
		conn->want &= ~(unsigned int)cap;
#endif
}

static bool pl_cap_wanted(const struct fuse_conn_info *conn, uint64_t cap)
{
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	return (conn->want_ext & cap) != 0;
#else
	return (conn->want & cap) != 0;
#endif
}

static void pl_init(void *userdata, struct fuse_conn_info *conn)
{
	struct pl_fs *fs = userdata;

	pl_choose_cap(conn, FUSE_CAP_EXPORT_SUPPORT, 1);
	pl_choose_cap(conn, FUSE_CAP_WRITEBACK_CACHE, fs->writeback);
	pl_choose_cap(conn, FUSE_CAP_FLOCK_LOCKS, fs->flock);
	fs->writeback_on = pl_cap_wanted(conn, FUSE_CAP_WRITEBACK_CACHE);
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "init: writeback %s, flock %s\n",
			 fs->writeback_on ? "on" : "off",
			 pl_cap_wanted(conn, FUSE_CAP_FLOCK_LOCKS) ? "on" : "off");
}

static const struct fuse_lowlevel_ops pl_ops = {
	.init = pl_init,
	.lookup = pl_lookup,
	.mkdir = pc_mkdir,
	.mknod = pc_mknod,
	.symlink = pc_symlink,
	.link = pc_link,
	.unlink = pc_unlink,
	.rmdir = pc_rmdir,
	.rename = pc_rename,
	.forget = pc_forget,
	.forget_multi = pc_forget_multi,
	.getattr = pl_getattr,
	.setattr = pl_setattr,
	.readlink = pc_readlink,
	.opendir = pl_opendir,
	.readdir = pl_readdir,
	.readdirplus = pl_readdirplus,
	.releasedir = pl_releasedir,
	.fsyncdir = pl_fsyncdir,
	.create = pl_create,
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 15)
	.tmpfile = pl_tmpfile,
#endif
	.open = pl_open,
	.release = pl_release,
	.flush = pc_flush,
	.fsync = pc_fsync,
	.read = pl_read,
	.write_buf = pl_write_buf,
	.statfs = pc_statfs,
	.fallocate = pc_fallocate,
	.flock = pc_flock,
	.getxattr = pl_getxattr,
	.listxattr = pl_listxattr,
	.setxattr = pl_setxattr,
	.removexattr = pl_removexattr,
	.copy_file_range = pc_copy_file_range,
	.lseek = pc_lseek,
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 18)
	.statx = pl_statx,
#endif
};

/* Checks -o source and the timeout; fills in their defaults. */
static int pl_check_options(struct pl_fs *fs)
{
	struct stat st;

	if (!fs->source)
		fs->source = "/";
	if (stat(fs->source, &st) < 0) {
		fprintf(stderr, "passthrough_ll: source \"%s\": %s\n",
			fs->source, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "passthrough_ll: source \"%s\" is not a directory\n",
			fs->source);
		return -1;
	}
	if (!fs->timeout_set) {
		static const double defaults[] = {
			[PL_CACHE_NEVER] = 0.0,
			[PL_CACHE_AUTO] = 1.0,
			[PL_CACHE_ALWAYS] = 86400.0,
		};
		fs->timeout = defaults[fs->cache];
	} else if (fs->timeout < 0) {
		fprintf(stderr, "passthrough_ll: timeout is negative (%g)\n",
			fs->timeout);
		return -1;
	}
	return 0;
}

/* Lets the descriptor cache and open files use all the hard limit allows. */
static void pl_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_session *se;
	static struct pl_fs fs;
	int ret = 1;

	/* Modes arrive with the caller's umask already applied. */
	umask(0);
	if (pl_fs_init(&fs) < 0)
		return 1;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_fs;
	if (opts.show_help) {
		printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		pl_help();
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		printf("usage: %s [options] <mountpoint>\n", argv[0]);
		printf("       %s --help\n", argv[0]);
		goto out_args;
	}
	if (fuse_opt_parse(&args, &fs, pl_opts, NULL) == -1)
		goto out_args;
	fs.debug = opts.debug;
	if (pl_check_options(&fs) < 0)
		goto out_args;
	pl_raise_fd_limit();
	if (pl_open_root(&fs) < 0)
		goto out_args;

	se = fuse_session_new(&args, &pl_ops, sizeof(pl_ops), &fs);
	if (!se)
		goto out_args;
	/* Inodes kept by identity, pinned before their last unlink, opens
	 * without side effects: fastfuse's reuse_open `auto` may share one. */
	fastfuse_declare(se, FASTFUSE_FS_REUSABLE_OPENS);
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);
	ret = llc_session_loop(se, &opts) ? 1 : 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
	pl_dirs_close();
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
out_fs:
	pl_fs_destroy(&fs);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough_hp: the request handlers of the fast passthrough example.
 * Mirrors a source directory with every data-path feature the kernel
 * offers: passthrough of read/write to the source file (one backing id per
 * inode), or else the writeback cache, 1 MiB requests, splice, async and
 * parallel direct I/O. Command line, init of the session and the backing
 * table live in passthrough_hp_main.c.
 */

#define FUSE_USE_VERSION 318
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "passthrough_hp.h"
#include "passthrough_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

struct hp_dir {
	pthread_mutex_t lock;	/* readdir on one handle is serialised */
	DIR *dp;
	struct dirent *entry;	/* read but not yet returned */
	off_t offset;		/* where the stream is positioned */
};

static struct hp_fs *hp_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* ---- lookup and entry creation ---------------------------------------- */

static void hp_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *dir = pl_inode_of(&fs->pl, parent);
	struct fuse_entry_param e;
	int dfd, err;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "lookup(parent=%" PRIu64 ", name=%s)\n",
			 (uint64_t)parent, name);
	/* ".." of the mirrored root must not climb out of the source. */
	if (dir == &fs->pl.root && strcmp(name, "..") == 0)
		name = ".";
	dfd = pl_get_fd(&fs->pl, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	err = pc_lookup_at(&fs->pl, dfd, name, &e);
	pl_put_fd(&fs->pl, dir);
	if (err == -ENOENT && fs->pl.timeout > 0) {
		/* A negative entry the kernel may cache as long as the rest. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = fs->pl.timeout;
		fuse_reply_entry(req, &e);
	} else if (err) {
		fuse_reply_err(req, -err);
	} else {
		pc_reply_entry(req, &e);
	}
}

/* ---- attributes --------------------------------------------------------- */

static void hp_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);
	int ffd = pc_file_fd(in, fi);
	struct stat st;
	int fd, res;

	if (ffd >= 0) {
		res = fstat(ffd, &st);
	} else {
		fd = pl_get_fd(&fs->pl, in);
		if (fd < 0) {
			fuse_reply_err(req, -fd);
			return;
		}
		res = fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		if (res < 0)
			res = -errno;
		pl_put_fd(&fs->pl, in);
		errno = -res;
	}
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_attr(req, &st, fs->pl.timeout);
}

/*
 * handle_killpriv_v2: the kernel asks us (FUSE_SET_ATTR_KILL_SUID) to drop
 * set-user-ID, and set-group-ID on group-executable files, when an
 * unprivileged caller truncates; we run as root, so the source filesystem
 * would not do it for us.
 */
static int hp_kill_suidgid(int fd, const char *path, int ffd)
{
	struct stat st;
	mode_t mode;

	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	mode = st.st_mode & 07777;
	mode &= ~S_ISUID;
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		mode &= ~S_ISGID;
	if (mode == (st.st_mode & 07777))
		return 0;
	if ((ffd >= 0 ? fchmod(ffd, mode) : chmod(path, mode)) < 0)
		return -errno;
	return 0;
}

/* Order: chown, chmod, truncate, times (a chown clears set-ID bits, so a
 * mode set with it must follow). */
static int hp_apply_setattr(struct pl_inode *in, int fd, int ffd,
			    const struct stat *attr, int valid)
{
	char path[PL_PROC_PATH_MAX];
	int res = 0;

	pl_proc_path(path, fd);
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = valid & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
		gid_t gid = valid & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;

		if (fchownat(fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
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
	} else if (valid & FUSE_SET_ATTR_KILL_SUID) {
		res = hp_kill_suidgid(fd, path, ffd);
		if (res < 0)
			return res;
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

static void hp_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int valid, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);
	struct stat st;
	int fd, err;

	fd = pl_get_fd(&fs->pl, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	err = hp_apply_setattr(in, fd, pc_file_fd(in, fi), attr, valid);
	if (!err && fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	pl_put_fd(&fs->pl, in);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs->pl.timeout);
}

static void hp_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);
	int ffd = pc_file_fd(in, fi);
	int sync = flags & AT_STATX_SYNC_TYPE;
	struct statx stx;
	int fd, res;

	if (ffd >= 0) {
		res = statx(ffd, "", AT_EMPTY_PATH | sync, (unsigned int)mask,
			    &stx);
	} else {
		fd = pl_get_fd(&fs->pl, in);
		if (fd < 0) {
			fuse_reply_err(req, -fd);
			return;
		}
		res = statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | sync,
			    (unsigned int)mask, &stx);
		if (res < 0)
			res = -errno;
		pl_put_fd(&fs->pl, in);
		errno = -res;
	}
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statx(req, 0, &stx, fs->pl.timeout);
}

/* ---- directories -------------------------------------------------------- */

static struct hp_dir *hp_dir(struct fuse_file_info *fi)
{
	return (struct hp_dir *)(uintptr_t)fi->fh;
}

static void hp_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);
	struct hp_dir *d;
	int fd, dfd, err;

	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = pl_get_fd(&fs->pl, in);
	if (fd < 0) {
		err = -fd;
		goto out_free;
	}
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = dfd < 0 ? errno : 0;
	pl_put_fd(&fs->pl, in);
	if (err)
		goto out_free;
	d->dp = fdopendir(dfd);
	if (!d->dp) {
		err = errno;
		close(dfd);
		goto out_free;
	}
	pthread_mutex_init(&d->lock, NULL);
	fi->fh = (uintptr_t)d;
	/* The source changes only through us unless --nocache. */
	if (fs->pl.timeout > 0) {
		fi->keep_cache = 1;
		fi->cache_readdir = 1;
	}
	if (fuse_reply_open(req, fi) == -ENOENT) {
		closedir(d->dp);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	return;
out_free:
	free(d);
	fuse_reply_err(req, err);
}

/* Adds d->entry to @buf; returns its size, which exceeds @rem when it did
 * not fit (and then nothing was added, no reference kept). */
static size_t hp_add_entry(fuse_req_t req, struct hp_dir *d, char *buf,
			   size_t rem, bool plus, int *ret_err)
{
	struct hp_fs *fs = hp_fs(req);
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
		err = pc_lookup_at(&fs->pl, dirfd(d->dp), ent->d_name, &e);
		if (err) {
			*ret_err = -err;
			return 0;
		}
	}
	size = fuse_add_direntry_plus(req, buf, rem, ent->d_name, &e,
				      ent->d_off);
	if (size > rem && e.ino)
		pl_unref(&fs->pl, pl_inode_of(&fs->pl, e.ino), 1);
	return size;
}

static void hp_do_readdir(fuse_req_t req, size_t size, off_t offset,
			  struct fuse_file_info *fi, bool plus)
{
	struct hp_dir *d = hp_dir(fi);
	size_t rem = size, n;
	char *buf, *p;
	int err = 0;

	buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	p = buf;
	pthread_mutex_lock(&d->lock);
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		n = hp_add_entry(req, d, p, rem, plus, &err);
		if (err || n > rem)
			break;
		p += n;
		rem -= n;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	/* Entries already in the buffer hold lookup references: once there
	 * is one, an error cannot be reported without leaking them. */
	if (err && rem == size)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void hp_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t offset, struct fuse_file_info *fi)
{
	(void)ino;
	hp_do_readdir(req, size, offset, fi, false);
}

static void hp_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t offset, struct fuse_file_info *fi)
{
	(void)ino;
	hp_do_readdir(req, size, offset, fi, true);
}

static void hp_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct hp_dir *d = hp_dir(fi);

	(void)ino;
	closedir(d->dp);
	pthread_mutex_destroy(&d->lock);
	free(d);
	fuse_reply_err(req, 0);
}

static void hp_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	int fd = dirfd(hp_dir(fi)->dp);

	(void)ino;
	pc_reply_status(req, datasync ? fdatasync(fd) : fsync(fd));
}

/* ---- open files --------------------------------------------------------- */

/*
 * With the writeback cache the kernel reads pages around partial writes,
 * so a write-only open must be able to read, and it sends append offsets
 * itself, while pwrite() on an O_APPEND descriptor would ignore them.
 * O_DIRECT is the kernel's business: a passthrough open gets its own
 * backing file opened with the caller's flags, and data that does come
 * through us sits at unaligned offsets in the request buffer, which an
 * O_DIRECT descriptor would refuse (EINVAL).
 */
static int hp_open_flags(const struct hp_fs *fs, int flags)
{
	flags &= ~(O_NOFOLLOW | O_DIRECT);
	flags |= O_CLOEXEC;
	if (fs->writeback_on) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags;
}

/*
 * The open reply's flags, then passthrough: the inode's backing id (the
 * first open registers @fd). A passthrough open must not keep old cached
 * pages: the kernel reads the source file's page cache from now on.
 */
static void hp_set_open_reply(fuse_req_t req, struct pl_inode *in, int fd,
			      struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);

	fi->fh = (uint64_t)fd;
	if (fs->direct_io)
		fi->direct_io = 1;
	/* Without passthrough, FOPEN_DIRECT_IO lets O_DIRECT writers run in
	 * parallel (parallel_direct_writes needs it). */
	if (!fs->passthrough && (fi->flags & O_DIRECT))
		fi->direct_io = 1;
	fi->parallel_direct_writes = 1;
	fi->keep_cache = fs->pl.timeout > 0;
	fi->noflush = fs->pl.timeout == 0 && (fi->flags & O_ACCMODE) == O_RDONLY;
	if (fs->passthrough) {
		fi->backing_id = hp_backing_get(fs, req, in, fd);
		if (fi->backing_id)
			fi->keep_cache = 0;
	}
}

/* Undoes an open whose reply never reached the kernel; @req is already
 * answered (freed), only the filesystem comes from it beforehand. */
static void hp_undo_open(struct hp_fs *fs, struct pl_inode *in,
			 struct fuse_file_info *fi)
{
	if (fs->passthrough)
		hp_backing_put(fs, NULL, in);
	close((int)fi->fh);
	pl_unhold(&fs->pl, in);
}

/*
 * Registers the file open as @fd, releases the directory's descriptor
 * @dfd and replies; closes @fd on error. Only a file this request
 * @created is given to the caller, or removed again (by @name; NULL for
 * an O_TMPFILE one) when that fails.
 */
static void hp_finish_create(fuse_req_t req, struct pl_inode *dir, int dfd,
			     const char *name, bool created, int fd,
			     mode_t mode, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct fuse_entry_param e;
	struct pl_inode *in;
	struct stat st;
	int err = 0;

	if (created)
		err = pc_give_to_caller(&fs->pl, req, dfd, name, fd, mode);
	if (!err && fstat(fd, &st) < 0)
		err = -errno;
	if (!err)
		err = pl_inode_from_fd(&fs->pl, fd, false, &st, &in);
	if (err && created && name)
		unlinkat(dfd, name, 0);
	pl_put_fd(&fs->pl, dir);
	if (err) {
		close(fd);
		fuse_reply_err(req, -err);
		return;
	}
	pl_hold(&fs->pl, in);
	pc_fill_entry(&fs->pl, in, &st, &e);
	hp_set_open_reply(req, in, fd, fi);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		hp_undo_open(fs, in, fi);
		pl_unref(&fs->pl, in, 1);
	}
}

static void hp_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *dir = pl_inode_of(&fs->pl, parent);
	bool created;
	int dfd, fd;

	dfd = pl_get_fd(&fs->pl, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	fd = pc_open_create(dfd, name, hp_open_flags(fs, fi->flags) & ~O_CREAT,
			    mode, &created);
	if (fd >= 0) {
		hp_finish_create(req, dir, dfd, name, created, fd, mode, fi);
		return;
	}
	pl_put_fd(&fs->pl, dir);
	fuse_reply_err(req, -fd);
}

static void hp_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode,
		       struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *dir = pl_inode_of(&fs->pl, parent);
	int dfd, fd, flags, err;

	dfd = pl_get_fd(&fs->pl, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	flags = (hp_open_flags(fs, fi->flags) | O_TMPFILE) & ~O_CREAT;
	fd = openat(dfd, ".", flags, mode);
	if (fd >= 0) {
		hp_finish_create(req, dir, dfd, NULL, true, fd, mode, fi);
		return;
	}
	err = errno;
	pl_put_fd(&fs->pl, dir);
	fuse_reply_err(req, err);
}

static void hp_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);
	char path[PL_PROC_PATH_MAX];
	int fd, nfd, err;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "open(ino=%" PRIu64 ", flags=0%o)\n",
			 (uint64_t)ino, fi->flags);
	fd = pl_get_fd(&fs->pl, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	pl_proc_path(path, fd);
	nfd = open(path, hp_open_flags(fs, fi->flags));
	err = nfd < 0 ? errno : 0;
	if (!err)
		pl_hold(&fs->pl, in);
	pl_put_fd(&fs->pl, in);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	hp_set_open_reply(req, in, nfd, fi);
	if (fuse_reply_open(req, fi) == -ENOENT)
		hp_undo_open(fs, in, fi);
}

static void hp_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);

	if (fs->passthrough)
		hp_backing_put(fs, req, in);
	close((int)fi->fh);
	pl_unhold(&fs->pl, in);
	fuse_reply_err(req, 0);
}

static enum fuse_buf_copy_flags hp_copy_flags(const struct hp_fs *fs)
{
	return fs->nosplice ? FUSE_BUF_NO_SPLICE : FUSE_BUF_SPLICE_MOVE;
}

/*
 * Only opens without passthrough get here (or all of them with
 * --direct-io, which the kernel lets override passthrough for read and
 * write). The data goes from the source file to the reply by splice when
 * the library can.
 */
static void hp_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)fi->fh;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, hp_copy_flags(hp_fs(req)));
}

static void hp_write_buf(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_bufvec *in_buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in_buf));
	ssize_t res;

	(void)ino;
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = (int)fi->fh;
	out.buf[0].pos = off;
	res = fuse_buf_copy(&out, in_buf, hp_copy_flags(hp_fs(req)));
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else
		fuse_reply_write(req, (size_t)res);
}

/* ---- extended attributes ------------------------------------------------ */

/* O_PATH descriptors cannot do f*xattr(): go through the /proc path. */
static void hp_query_xattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			   size_t size)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);
	char path[PL_PROC_PATH_MAX];
	char *value = NULL;
	ssize_t n;
	int fd;

	if (size && !(value = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = pl_get_fd(&fs->pl, in);
	if (fd < 0) {
		n = fd;
	} else {
		pl_proc_path(path, fd);
		if (name)
			n = getxattr(path, name, value, size);
		else
			n = listxattr(path, value, size);
		if (n < 0)
			n = -errno;
		pl_put_fd(&fs->pl, in);
	}
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else if (!size)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, value, (size_t)n);
	free(value);
}

static void hp_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	hp_query_xattr(req, ino, name, size);
}

static void hp_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	hp_query_xattr(req, ino, NULL, size);
}

/* Shared by setxattr and removexattr (@value NULL). */
static void hp_change_xattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			    const char *value, size_t size, int flags)
{
	struct hp_fs *fs = hp_fs(req);
	struct pl_inode *in = pl_inode_of(&fs->pl, ino);
	char path[PL_PROC_PATH_MAX];
	int fd, err;

	fd = pl_get_fd(&fs->pl, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	pl_proc_path(path, fd);
	if (value)
		err = setxattr(path, name, value, size, flags);
	else
		err = removexattr(path, name);
	err = err < 0 ? errno : 0;
	pl_put_fd(&fs->pl, in);
	fuse_reply_err(req, err);
}

static void hp_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	/* A zero-length value may come without a buffer. */
	hp_change_xattr(req, ino, name, value ? value : "", size, flags);
}

static void hp_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	hp_change_xattr(req, ino, name, NULL, 0, 0);
}

/* ---- session ------------------------------------------------------------ */

static void hp_want(struct fuse_conn_info *conn, uint64_t cap, bool on)
{
	if (on)
		fuse_set_feature_flag(conn, cap);
	else
		fuse_unset_feature_flag(conn, cap);
}

/*
 * Everything on the data path the kernel offers. Passthrough and the
 * writeback cache exclude each other (the kernel turns passthrough off
 * when both are asked for), so writeback is the choice only without
 * passthrough, and never with --nocache (the source may change under us).
 */
static void hp_init(void *userdata, struct fuse_conn_info *conn)
{
	struct hp_fs *fs = userdata;

	if (fs->passthrough &&
	    !fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH)) {
		fs->passthrough = false;
		fprintf(stderr, "passthrough_hp: passthrough=off:not_offered (kernel without FUSE_PASSTHROUGH)\n");
	}
	fs->writeback_on = fs->pl.timeout > 0 && !fs->passthrough &&
			   fuse_set_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	hp_want(conn, FUSE_CAP_SPLICE_READ, !fs->nosplice);
	hp_want(conn, FUSE_CAP_SPLICE_WRITE, !fs->nosplice);
	hp_want(conn, FUSE_CAP_SPLICE_MOVE, !fs->nosplice);
	fuse_set_feature_flag(conn, FUSE_CAP_FLOCK_LOCKS);
	fuse_set_feature_flag(conn, FUSE_CAP_ASYNC_DIO);
	fuse_set_feature_flag(conn, FUSE_CAP_PARALLEL_DIROPS);
	fuse_set_feature_flag(conn, FUSE_CAP_READDIRPLUS);
	fuse_set_feature_flag(conn, FUSE_CAP_READDIRPLUS_AUTO);
	fuse_set_feature_flag(conn, FUSE_CAP_DIRECT_IO_ALLOW_MMAP);
	fuse_set_feature_flag(conn, FUSE_CAP_HANDLE_KILLPRIV_V2);
	fuse_set_feature_flag(conn, FUSE_CAP_CACHE_SYMLINKS);
	/* Largest requests: the library clamps this to what the kernel
	 * allows (fs.fuse.max_pages_limit, 1 MiB by default). */
	conn->max_write = UINT_MAX;
	if (fs->conn_opts)
		fuse_apply_conn_info_opts(fs->conn_opts, conn);
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "init: passthrough %s, writeback %s, splice %s\n",
			 fs->passthrough ? "on" : "off",
			 fs->writeback_on ? "on" : "off",
			 fs->nosplice ? "off" : "on");
}

const struct fuse_lowlevel_ops hp_ops = {
	.init = hp_init,
	.lookup = hp_lookup,
	.mkdir = pc_mkdir,
	.mknod = pc_mknod,
	.symlink = pc_symlink,
	.link = pc_link,
	.unlink = pc_unlink,
	.rmdir = pc_rmdir,
	.rename = pc_rename,
	.forget = pc_forget,
	.forget_multi = pc_forget_multi,
	.getattr = hp_getattr,
	.setattr = hp_setattr,
	.readlink = pc_readlink,
	.opendir = hp_opendir,
	.readdir = hp_readdir,
	.readdirplus = hp_readdirplus,
	.releasedir = hp_releasedir,
	.fsyncdir = hp_fsyncdir,
	.create = hp_create,
	.tmpfile = hp_tmpfile,
	.open = hp_open,
	.release = hp_release,
	.flush = pc_flush,
	.fsync = pc_fsync,
	.read = hp_read,
	.write_buf = hp_write_buf,
	.statfs = pc_statfs,
	.fallocate = pc_fallocate,
	.flock = pc_flock,
	.getxattr = hp_getxattr,
	.listxattr = hp_listxattr,
	.setxattr = hp_setxattr,
	.removexattr = hp_removexattr,
	.copy_file_range = pc_copy_file_range,
	.lseek = pc_lseek,
	.statx = hp_statx,
};

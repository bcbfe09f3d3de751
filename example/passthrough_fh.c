// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough_fh: like passthrough, but every open file keeps its
 * descriptor in fi->fh and every open directory its DIR stream, and all
 * handle-based operations use them. With nullpath_ok the library need not
 * find a path for those, so I/O on a file unlinked while open keeps
 * working (even with hard_remove). POSIX and flock() locks are passed to
 * the source.
 * Options as passthrough's.
 */

#define FUSE_USE_VERSION 31

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "passthrough_helpers.h"

/* An open directory: the stream and where the last reply stopped. */
struct pf_dir {
	DIR *dp;
	struct dirent *entry;	/* read, but did not fit the last reply */
	off_t offset;		/* the kernel's offset the stream is at */
};

/*
 * POSIX record locks belong to an owner the kernel names in
 * fi->lock_owner: a process, or one open file for OFD locks. Each owner
 * gets a private open file description of the file and its locks are
 * taken there as OFD locks: descriptions conflict with each other exactly
 * as owners do, the source filesystem sees the locks, and F_SETLKW waits
 * in the kernel, where the library's -o intr can interrupt it.
 */
struct pf_owner {
	struct pf_owner *next;
	dev_t dev;
	ino_t ino;
	uint64_t owner;
	pid_t pid;		/* the owner's process, for F_GETLK answers */
	int fd;			/* the owner's own open file description */
	int origin;		/* the fi->fh it was made through */
	int refs;		/* calls using fd right now */
	bool dead;		/* off the list; the last user closes fd */
};

static pthread_mutex_t pf_owners_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pf_owner *pf_owners;

static struct pf_owner *pf_owner_find_locked(const struct stat *st,
					     uint64_t owner)
{
	struct pf_owner *o;

	for (o = pf_owners; o; o = o->next)
		if (o->dev == st->st_dev && o->ino == st->st_ino &&
		    o->owner == owner)
			return o;
	return NULL;
}

/*
 * A second description of the file behind @fd, read-write if we may (a
 * lock of either type can then be taken on it), else as @flags opened it.
 */
static int pf_reopen(int fd, int flags)
{
	char proc[40];
	int nfd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	nfd = open(proc, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (nfd < 0)
		nfd = open(proc, (flags & O_ACCMODE) | O_CLOEXEC | O_NOCTTY |
			   O_NONBLOCK);
	return nfd < 0 ? -errno : nfd;
}

static int pf_owner_new_locked(int fd, int flags, const struct stat *st,
			       uint64_t owner, struct pf_owner **ret_o)
{
	struct pf_owner *o = calloc(1, sizeof(*o));
	int nfd;

	if (!o)
		return -ENOMEM;
	nfd = pf_reopen(fd, flags);
	if (nfd < 0) {
		free(o);
		return nfd;
	}
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	o->owner = owner;
	o->fd = nfd;
	o->origin = fd;
	o->next = pf_owners;
	pf_owners = o;
	*ret_o = o;
	return 0;
}

static void pf_owner_put_locked(struct pf_owner *o)
{
	if (--o->refs == 0 && o->dead) {
		close(o->fd);
		free(o);
	}
}

/* Off the list; closed (dropping its locks) once nobody uses it. */
static void pf_owner_unlink_locked(struct pf_owner *o)
{
	struct pf_owner **pp;

	for (pp = &pf_owners; *pp; pp = &(*pp)->next) {
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	}
	o->dead = true;
	o->refs++;
	pf_owner_put_locked(o);
}

/*
 * OFD locks report no pid, but F_GETLK must name the holder's process:
 * the holder is the other owner of this file whose own view of the same
 * request no longer shows the conflict (its own locks never conflict).
 */
static pid_t pf_holder_pid_locked(const struct stat *st,
				  const struct pf_owner *self,
				  const struct flock *query,
				  const struct flock *found)
{
	struct pf_owner *o;

	for (o = pf_owners; o; o = o->next) {
		struct flock q = *query;

		if (o == self || o->dev != st->st_dev || o->ino != st->st_ino)
			continue;
		q.l_pid = 0;
		if (fcntl(o->fd, F_OFD_GETLK, &q) < 0)
			continue;
		if (q.l_type == F_UNLCK || q.l_type != found->l_type ||
		    q.l_start != found->l_start || q.l_len != found->l_len)
			return o->pid;
	}
	return 0;	/* held outside this mount */
}

static int pf_getlk(int fd, int flags, uint64_t owner, struct flock *lock)
{
	struct pf_owner *o;
	struct flock fl = *lock;
	struct stat st;
	int qfd, ret = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	pthread_mutex_lock(&pf_owners_lock);
	o = pf_owner_find_locked(&st, owner);
	/* An owner without locks can ask through any fresh description. */
	qfd = o ? o->fd : pf_reopen(fd, flags);
	if (qfd < 0) {
		ret = qfd;
		goto out;
	}
	fl.l_pid = 0;
	if (fcntl(qfd, F_OFD_GETLK, &fl) < 0)
		ret = -errno;
	else if (fl.l_type != F_UNLCK)
		fl.l_pid = pf_holder_pid_locked(&st, o, lock, &fl);
	if (!o)
		close(qfd);
	if (ret == 0)
		*lock = fl;
out:
	pthread_mutex_unlock(&pf_owners_lock);
	return ret;
}

static int pf_setlk(int fd, int flags, uint64_t owner, struct flock *lock,
		    bool wait)
{
	bool unlock = lock->l_type == F_UNLCK;
	/* Unlocking everything (as the library does on close) ends the owner. */
	bool all = unlock && lock->l_whence == SEEK_SET &&
		   lock->l_start == 0 && lock->l_len == 0;
	struct pf_owner *o;
	struct flock fl = *lock;
	struct stat st;
	int ret = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	pthread_mutex_lock(&pf_owners_lock);
	o = pf_owner_find_locked(&st, owner);
	if (!o && !unlock)
		ret = pf_owner_new_locked(fd, flags, &st, owner, &o);
	if (!o) {
		pthread_mutex_unlock(&pf_owners_lock);
		return ret;
	}
	o->refs++;
	if (!unlock)
		o->pid = lock->l_pid;
	pthread_mutex_unlock(&pf_owners_lock);

	/* Outside the table's lock: F_OFD_SETLKW may wait a long time. */
	fl.l_pid = 0;
	if (fcntl(o->fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) < 0)
		ret = -errno;

	pthread_mutex_lock(&pf_owners_lock);
	if (ret == 0 && all && !o->dead)
		pf_owner_unlink_locked(o);
	pf_owner_put_locked(o);
	pthread_mutex_unlock(&pf_owners_lock);
	return ret;
}

/* The handle @fd is being released: owners made through it go too. */
static void pf_locks_forget(int fd)
{
	struct pf_owner *o, *next;

	pthread_mutex_lock(&pf_owners_lock);
	for (o = pf_owners; o; o = next) {
		next = o->next;
		if (o->origin == fd)
			pf_owner_unlink_locked(o);
	}
	pthread_mutex_unlock(&pf_owners_lock);
}

static inline int pf_fd(struct fuse_file_info *fi)
{
	return (int)fi->fh;
}

static inline struct pf_dir *pf_dir(struct fuse_file_info *fi)
{
	return (struct pf_dir *)(uintptr_t)fi->fh;
}

static struct pt_options pf_opts;

static void *pf_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	pt_options_apply(&pf_opts, cfg);
	/* Handle-based calls never need the path: spare the library. */
	cfg->nullpath_ok = 1;
	return NULL;
}

static int pf_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(fstat(pf_fd(fi), st));
	return pt_status(lstat(path, st));
}

static int pf_access(const char *path, int mask)
{
	return pt_status(faccessat(AT_FDCWD, path, mask, AT_SYMLINK_NOFOLLOW));
}

static int pf_readlink(const char *path, char *buf, size_t size)
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

static int pf_opendir(const char *path, struct fuse_file_info *fi)
{
	struct pf_dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->dp = opendir(path);
	if (!d->dp) {
		int err = errno;

		free(d);
		return -err;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	return 0;
}

/* Positions the stream at the kernel's offset @off (0: the start). */
static void pf_dir_seek(struct pf_dir *d, off_t off)
{
	if (off == d->offset)
		return;
	if (off == 0)
		rewinddir(d->dp);
	else
		seekdir(d->dp, off);
	d->entry = NULL;
	d->offset = off;
}

/*
 * Hands out entries from @off on, each with the telldir() cookie of the
 * next one, until the reply is full; the entry that did not fit is kept
 * for the next call.
 */
static int pf_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct pf_dir *d = pf_dir(fi);

	(void)path;
	pf_dir_seek(d, off);
	for (;;) {
		struct stat st;
		int fill_flags = 0;
		off_t next;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry)
				return errno ? -errno : 0;
		}
		next = telldir(d->dp);
		memset(&st, 0, sizeof(st));
		st.st_ino = d->entry->d_ino;
		st.st_mode = (mode_t)DTTOIF(d->entry->d_type);
		if ((flags & FUSE_READDIR_PLUS) &&
		    fstatat(dirfd(d->dp), d->entry->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
			fill_flags = FUSE_FILL_DIR_PLUS;
		if (filler(buf, d->entry->d_name, &st, next,
			   (enum fuse_fill_dir_flags)fill_flags))
			return 0;
		d->entry = NULL;
		d->offset = next;
	}
}

static int pf_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct pf_dir *d = pf_dir(fi);

	(void)path;
	closedir(d->dp);
	free(d);
	return 0;
}

static int pf_fsyncdir(const char *path, int datasync,
		       struct fuse_file_info *fi)
{
	int fd = dirfd(pf_dir(fi)->dp);

	(void)path;
	return pt_status(datasync ? fdatasync(fd) : fsync(fd));
}

static int pf_mknod(const char *path, mode_t mode, dev_t rdev)
{
	return pt_mknod_at(AT_FDCWD, path, NULL, mode, rdev);
}

static int pf_mkdir(const char *path, mode_t mode)
{
	return pt_status(mkdir(path, mode));
}

static int pf_unlink(const char *path)
{
	return pt_status(unlink(path));
}

static int pf_rmdir(const char *path)
{
	return pt_status(rmdir(path));
}

static int pf_symlink(const char *target, const char *path)
{
	return pt_status(symlink(target, path));
}

static int pf_rename(const char *from, const char *to, unsigned int flags)
{
	return pt_status(renameat2(AT_FDCWD, from, AT_FDCWD, to, flags));
}

static int pf_link(const char *from, const char *to)
{
	return pt_status(link(from, to));
}

static int pf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(fchmod(pf_fd(fi), mode));
	return pt_status(chmod(path, mode));
}

static int pf_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(fchown(pf_fd(fi), uid, gid));
	return pt_status(lchown(path, uid, gid));
}

static int pf_truncate(const char *path, off_t size,
		       struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(ftruncate(pf_fd(fi), size));
	return pt_status(truncate(path, size));
}

static int pf_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	if (fi)
		return pt_status(futimens(pf_fd(fi), tv));
	return pt_status(utimensat(AT_FDCWD, path, tv, AT_SYMLINK_NOFOLLOW));
}

static int pf_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = open(path, fi->flags, mode);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pf_open(const char *path, struct fuse_file_info *fi)
{
	int fd = open(path, fi->flags);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pf_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	ssize_t n = pread(pf_fd(fi), buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

/* The library reads straight from our descriptor (splice where it can). */
static int pf_read_buf(const char *path, struct fuse_bufvec **bufp,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec *src = malloc(sizeof(*src));

	(void)path;
	if (!src)
		return -ENOMEM;
	*src = (struct fuse_bufvec)FUSE_BUFVEC_INIT(size);
	src->buf[0].flags = (enum fuse_buf_flags)(FUSE_BUF_IS_FD |
						  FUSE_BUF_FD_SEEK);
	src->buf[0].fd = pf_fd(fi);
	src->buf[0].pos = off;
	*bufp = src;
	return 0;
}

static int pf_write(const char *path, const char *buf, size_t size,
		    off_t off, struct fuse_file_info *fi)
{
	ssize_t n = pwrite(pf_fd(fi), buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

static int pf_write_buf(const char *path, struct fuse_bufvec *buf, off_t off,
			struct fuse_file_info *fi)
{
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(fuse_buf_size(buf));

	(void)path;
	dst.buf[0].flags = (enum fuse_buf_flags)(FUSE_BUF_IS_FD |
						 FUSE_BUF_FD_SEEK);
	dst.buf[0].fd = pf_fd(fi);
	dst.buf[0].pos = off;
	return (int)fuse_buf_copy(&dst, buf, FUSE_BUF_SPLICE_NONBLOCK);
}

static int pf_statfs(const char *path, struct statvfs *st)
{
	return pt_status(statvfs(path, st));
}

/*
 * Every close(2) of a descriptor: closing a duplicate of ours passes the
 * close on to the source (NFS writes back there) without losing our fd.
 */
static int pf_flush(const char *path, struct fuse_file_info *fi)
{
	int fd = dup(pf_fd(fi));

	(void)path;
	if (fd < 0)
		return -errno;
	return pt_status(close(fd));
}

static int pf_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	pf_locks_forget(pf_fd(fi));
	close(pf_fd(fi));
	return 0;
}

static int pf_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	return pt_status(datasync ? fdatasync(pf_fd(fi)) : fsync(pf_fd(fi)));
}

static int pf_fallocate(const char *path, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	(void)path;
	return pt_status(fallocate(pf_fd(fi), mode, off, len));
}

static int pf_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	return pt_status(lsetxattr(path, name, value, size, flags));
}

static int pf_getxattr(const char *path, const char *name, char *value,
		       size_t size)
{
	ssize_t n = lgetxattr(path, name, value, size);

	return n < 0 ? -errno : (int)n;
}

static int pf_listxattr(const char *path, char *list, size_t size)
{
	ssize_t n = llistxattr(path, list, size);

	return n < 0 ? -errno : (int)n;
}

static int pf_removexattr(const char *path, const char *name)
{
	return pt_status(lremovexattr(path, name));
}

static int pf_lock(const char *path, struct fuse_file_info *fi, int cmd,
		   struct flock *lock)
{
	(void)path;
	switch (cmd) {
	case F_GETLK:
		return pf_getlk(pf_fd(fi), fi->flags, fi->lock_owner, lock);
	case F_SETLK:
	case F_SETLKW:
		return pf_setlk(pf_fd(fi), fi->flags, fi->lock_owner, lock,
				cmd == F_SETLKW);
	default:
		return -EINVAL;
	}
}

static int pf_flock(const char *path, struct fuse_file_info *fi, int op)
{
	(void)path;
	/* flock() locks belong to the open file: exactly our descriptor. */
	return pt_status(flock(pf_fd(fi), op));
}

static ssize_t pf_copy_file_range(const char *path_in,
				  struct fuse_file_info *fi_in, off_t off_in,
				  const char *path_out,
				  struct fuse_file_info *fi_out, off_t off_out,
				  size_t len, int flags)
{
	ssize_t n;

	(void)path_in;
	(void)path_out;
	n = copy_file_range(pf_fd(fi_in), &off_in, pf_fd(fi_out), &off_out,
			    len, (unsigned int)flags);
	return n < 0 ? -errno : n;
}

static off_t pf_lseek(const char *path, off_t off, int whence,
		      struct fuse_file_info *fi)
{
	off_t pos = lseek(pf_fd(fi), off, whence);

	(void)path;
	return pos < 0 ? -errno : pos;
}

#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 18)
static int pf_statx(const char *path, int flags, int mask, struct statx *stx,
		    struct fuse_file_info *fi)
{
	flags |= AT_SYMLINK_NOFOLLOW;
	if (fi)
		return pt_status(statx(pf_fd(fi), "", flags | AT_EMPTY_PATH,
				       (unsigned int)mask, stx));
	if (!path)
		return -ESTALE;
	return pt_status(statx(AT_FDCWD, path, flags, (unsigned int)mask,
			       stx));
}
#endif

static const struct fuse_operations pf_ops = {
	.init = pf_init,
	.getattr = pf_getattr,
	.access = pf_access,
	.readlink = pf_readlink,
	.opendir = pf_opendir,
	.readdir = pf_readdir,
	.releasedir = pf_releasedir,
	.fsyncdir = pf_fsyncdir,
	.mknod = pf_mknod,
	.mkdir = pf_mkdir,
	.symlink = pf_symlink,
	.unlink = pf_unlink,
	.rmdir = pf_rmdir,
	.rename = pf_rename,
	.link = pf_link,
	.chmod = pf_chmod,
	.chown = pf_chown,
	.truncate = pf_truncate,
	.utimens = pf_utimens,
	.create = pf_create,
	.open = pf_open,
	.read = pf_read,
	.read_buf = pf_read_buf,
	.write = pf_write,
	.write_buf = pf_write_buf,
	.statfs = pf_statfs,
	.flush = pf_flush,
	.release = pf_release,
	.fsync = pf_fsync,
	.fallocate = pf_fallocate,
	.setxattr = pf_setxattr,
	.getxattr = pf_getxattr,
	.listxattr = pf_listxattr,
	.removexattr = pf_removexattr,
	.lock = pf_lock,
	.flock = pf_flock,
	.copy_file_range = pf_copy_file_range,
	.lseek = pf_lseek,
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 18)
	.statx = pf_statx,
#endif
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	int ret;

	/* Modes arrive already masked by the caller's umask. */
	umask(0);
	if (fuse_opt_parse(&args, &pf_opts, pt_option_spec, pt_option_proc))
		return 1;
	ret = fuse_main(args.argc, args.argv, &pf_ops, NULL);
	fuse_opt_free_args(&args);
	return ret;
}

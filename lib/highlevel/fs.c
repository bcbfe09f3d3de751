// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fuse_fs_* calls: one layer of a stacked path filesystem. Each call
 * makes the layer's private data current, traces the call when the layer
 * has debug set, and runs the layer's handler or libfuse's default for a
 * missing one. Also fuse_fs_new/init/destroy, the layer lifecycle.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "hl.h"
#include "log.h"
#include "modules.h"

/*
 * Marks a layer that fuse_fs_destroy() must leave alone: the bottom of a
 * stack whose upper layers are torn down after a failed module push.
 */
static struct fuse_module pinned_marker;

/*
 * Handlers of a layer find their private data in the context (module
 * factories rely on this), so every call switches it to this layer's.
 */
static void enter(struct fuse_fs *fs)
{
	struct fuse_context *c = fuse_get_context();

	if (c)
		c->private_data = fs->user_data;
}

/*
 * The common shape of a call: make the layer current, answer `missing`
 * when it has no handler, trace it (trace is a parenthesised lf_log
 * argument list) and run the handler with the given arguments.
 */
#define FS_CALL(fs, name, missing, trace, ...)				\
	do {								\
		enter(fs);						\
		if (!(fs)->op.name)					\
			return (missing);				\
		if ((fs)->debug)					\
			fs_trace trace;					\
		return (fs)->op.name(__VA_ARGS__);			\
	} while (0)

#define fs_trace(...) lf_log(FUSE_LOG_DEBUG, __VA_ARGS__)

static mode_t ctx_umask(void)
{
	struct fuse_context *c = fuse_get_context();

	return c ? c->umask : 0;
}

/* The traces print fi->fh; tolerate a NULL fi instead of crashing. */
static unsigned long long fh_of(const struct fuse_file_info *fi)
{
	return fi ? (unsigned long long)fi->fh : 0;
}

/* "NULL" when there is no open file, else the file handle. */
static const char *fi_str(const struct fuse_file_info *fi, char *buf,
			  size_t len)
{
	if (!fi)
		return "NULL";
	snprintf(buf, len, "%llu", (unsigned long long)fi->fh);
	return buf;
}

FUSE_EXPORT int fuse_fs_getattr(struct fuse_fs *fs, const char *path,
				struct stat *buf, struct fuse_file_info *fi)
{
	char fib[24];

	enter(fs);
	if (!fs->op.getattr)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "getattr[%s] %s\n",
		       fi_str(fi, fib, sizeof(fib)), path);
	return fs->op.getattr(path, buf, fi);
}

FUSE_EXPORT int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath,
			       const char *newpath, unsigned int flags)
{
	FS_CALL(fs, rename, -ENOSYS,
		("rename %s %s 0x%x\n", oldpath, newpath, flags),
		oldpath, newpath, flags);
}

FUSE_EXPORT int fuse_fs_unlink(struct fuse_fs *fs, const char *path)
{
	FS_CALL(fs, unlink, -ENOSYS, ("unlink %s\n", path), path);
}

FUSE_EXPORT int fuse_fs_rmdir(struct fuse_fs *fs, const char *path)
{
	FS_CALL(fs, rmdir, -ENOSYS, ("rmdir %s\n", path), path);
}

FUSE_EXPORT int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname,
				const char *path)
{
	FS_CALL(fs, symlink, -ENOSYS,
		("symlink %s %s\n", linkname, path),
		linkname, path);
}

FUSE_EXPORT int fuse_fs_link(struct fuse_fs *fs, const char *oldpath,
			     const char *newpath)
{
	FS_CALL(fs, link, -ENOSYS,
		("link %s %s\n", oldpath, newpath),
		oldpath, newpath);
}

/* A missing release is success: there is nothing to let go of. */
FUSE_EXPORT int fuse_fs_release(struct fuse_fs *fs, const char *path,
				struct fuse_file_info *fi)
{
	FS_CALL(fs, release, 0,
		("release%s[%llu] flags: 0x%x\n",
		 fi && fi->flush ? "+flush" : "", fh_of(fi),
		 fi ? fi->flags : 0),
		path, fi);
}

/* Without opendir every directory may be read. */
FUSE_EXPORT int fuse_fs_opendir(struct fuse_fs *fs, const char *path,
				struct fuse_file_info *fi)
{
	int err;

	enter(fs);
	if (!fs->op.opendir)
		return 0;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "opendir flags: 0x%x %s\n",
		       fi ? fi->flags : 0, path);
	err = fs->op.opendir(path, fi);
	if (fs->debug && !err)
		lf_log(FUSE_LOG_DEBUG, "   opendir[%llu] flags: 0x%x %s\n",
		       fh_of(fi), fi ? fi->flags : 0, path);
	return err;
}

/* Without open every file may be opened (stateless filesystems). */
FUSE_EXPORT int fuse_fs_open(struct fuse_fs *fs, const char *path,
			     struct fuse_file_info *fi)
{
	int err;

	enter(fs);
	if (!fs->op.open)
		return 0;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "open flags: 0x%x %s\n",
		       fi ? fi->flags : 0, path);
	err = fs->op.open(path, fi);
	if (fs->debug && !err)
		lf_log(FUSE_LOG_DEBUG, "   open[%llu] flags: 0x%x %s\n",
		       fh_of(fi), fi ? fi->flags : 0, path);
	return err;
}

/* Frees a bufvec a read_buf handler returned: memory entries and all. */
static void free_bufvec(struct fuse_bufvec *bv)
{
	size_t i;

	if (!bv)
		return;
	for (i = 0; i < bv->count; i++) {
		if (!(bv->buf[i].flags & FUSE_BUF_IS_FD))
			free(bv->buf[i].mem);
	}
	free(bv);
}

static void trace_read(struct fuse_fs *fs, struct fuse_file_info *fi,
		       size_t size, off_t off)
{
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG,
		       "read[%llu] %zu bytes from %llu flags: 0x%x\n",
		       fh_of(fi), size, (unsigned long long)off,
		       fi ? fi->flags : 0);
}

/*
 * Emulates read_buf with the plain read handler: a one-entry memory
 * bufvec the caller frees like any read_buf result. Returns what read
 * returned; a count beyond size is clamped so the vector never claims
 * bytes past its allocation.
 */
static int read_into_new_bufvec(struct fuse_fs *fs, const char *path,
				struct fuse_bufvec **bufp, size_t size,
				off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec *bv = malloc(sizeof(*bv));
	void *mem = malloc(size ? size : 1);
	int res;

	if (!bv || !mem) {
		free(bv);
		free(mem);
		return -ENOMEM;
	}
	*bv = FUSE_BUFVEC_INIT(size);
	bv->buf[0].mem = mem;
	res = fs->op.read(path, mem, size, off, fi);
	if (res < 0) {
		free_bufvec(bv);
		return res;
	}
	if ((size_t)res < size)
		bv->buf[0].size = (size_t)res;
	*bufp = bv;
	return res;
}

FUSE_EXPORT int fuse_fs_read_buf(struct fuse_fs *fs, const char *path,
				 struct fuse_bufvec **bufp, size_t size,
				 off_t off, struct fuse_file_info *fi)
{
	bool too_many;
	int res;

	enter(fs);
	if (!fs->op.read && !fs->op.read_buf)
		return -ENOSYS;
	trace_read(fs, fi, size, off);
	if (fs->op.read_buf) {
		res = fs->op.read_buf(path, bufp, size, off, fi);
		too_many = res >= 0 && fuse_buf_size(*bufp) > size;
	} else {
		res = read_into_new_bufvec(fs, path, bufp, size, off, fi);
		too_many = res >= 0 && (size_t)res > size;
	}
	if (res < 0)
		return res;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "   read[%llu] %zu bytes from %llu\n",
		       fh_of(fi), fuse_buf_size(*bufp),
		       (unsigned long long)off);
	if (too_many)
		lf_log(FUSE_LOG_ERR, "fuse: read too many bytes\n");
	return 0;
}

FUSE_EXPORT int fuse_fs_read(struct fuse_fs *fs, const char *path, char *mem,
			     size_t size, off_t off, struct fuse_file_info *fi)
{
	int res;

	enter(fs);
	if (!fs->op.read && !fs->op.read_buf)
		return -ENOSYS;
	trace_read(fs, fi, size, off);
	if (fs->op.read_buf) {
		struct fuse_bufvec *bv = NULL;

		res = fs->op.read_buf(path, &bv, size, off, fi);
		if (res == 0 && bv) {
			struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
			ssize_t n;

			dst.buf[0].mem = mem;
			n = fuse_buf_copy(&dst, bv, 0);
			res = (int)n;
		}
		free_bufvec(bv);
	} else {
		res = fs->op.read(path, mem, size, off, fi);
	}
	if (fs->debug && res >= 0)
		lf_log(FUSE_LOG_DEBUG, "   read[%llu] %u bytes from %llu\n",
		       fh_of(fi), (unsigned int)res, (unsigned long long)off);
	if (res >= 0 && (size_t)res > size)
		lf_log(FUSE_LOG_ERR, "fuse: read too many bytes\n");
	return res;
}

/* Bytes from the vector's cursor to its end. */
static size_t bufvec_left(const struct fuse_bufvec *bv)
{
	size_t left = fuse_buf_size(bv);
	size_t i;

	for (i = 0; i < bv->idx && i < bv->count; i++)
		left -= bv->buf[i].size;
	return left >= bv->off ? left - bv->off : 0;
}

/*
 * Emulates write_buf with the plain write handler. A single memory buffer
 * is passed as is; anything else (fd-backed data, several pieces) is first
 * gathered into one allocation.
 */
static int write_flat(struct fuse_fs *fs, const char *path,
		      struct fuse_bufvec *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct fuse_bufvec tmp = FUSE_BUFVEC_INIT(size);
	const struct fuse_buf *b = &buf->buf[buf->idx];
	ssize_t n;
	void *mem;
	int res;

	if (buf->count - buf->idx == 1 && !(b->flags & FUSE_BUF_IS_FD))
		return fs->op.write(path, (const char *)b->mem + buf->off,
				    size, off, fi);
	mem = malloc(size ? size : 1);
	if (!mem)
		return -ENOMEM;
	tmp.buf[0].mem = mem;
	n = fuse_buf_copy(&tmp, buf, 0);
	if (n <= 0)
		res = (int)n;
	else
		res = fs->op.write(path, mem, (size_t)n, off, fi);
	free(mem);
	return res;
}

FUSE_EXPORT int fuse_fs_write_buf(struct fuse_fs *fs, const char *path,
				  struct fuse_bufvec *buf, off_t off,
				  struct fuse_file_info *fi)
{
	const char *page;
	size_t size;
	int res;

	enter(fs);
	if (!fs->op.write_buf && !fs->op.write)
		return -ENOSYS;
	if (!buf)
		return -EINVAL;
	size = bufvec_left(buf);
	page = fi && fi->writepage ? "page" : "";
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG,
		       "write%s[%llu] %zu bytes to %llu flags: 0x%x\n",
		       page, fh_of(fi), size, (unsigned long long)off,
		       fi ? fi->flags : 0);
	if (fs->op.write_buf)
		res = fs->op.write_buf(path, buf, off, fi);
	else
		res = write_flat(fs, path, buf, size, off, fi);
	if (fs->debug && res >= 0)
		lf_log(FUSE_LOG_DEBUG, "   write%s[%llu] %u bytes to %llu\n",
		       page, fh_of(fi), (unsigned int)res,
		       (unsigned long long)off);
	if (res > 0 && (size_t)res > size)
		lf_log(FUSE_LOG_ERR, "fuse: wrote too many bytes\n");
	return res;
}

FUSE_EXPORT int fuse_fs_write(struct fuse_fs *fs, const char *path,
			      const char *mem, size_t size, off_t off,
			      struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

	bv.buf[0].mem = (void *)mem;
	return fuse_fs_write_buf(fs, path, &bv, off, fi);
}

FUSE_EXPORT int fuse_fs_fsync(struct fuse_fs *fs, const char *path,
			      int datasync, struct fuse_file_info *fi)
{
	FS_CALL(fs, fsync, -ENOSYS,
		("fsync[%llu] datasync: %i\n", fh_of(fi), datasync),
		path, datasync, fi);
}

FUSE_EXPORT int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path,
				 int datasync, struct fuse_file_info *fi)
{
	FS_CALL(fs, fsyncdir, -ENOSYS,
		("fsyncdir[%llu] datasync: %i\n", fh_of(fi), datasync),
		path, datasync, fi);
}

FUSE_EXPORT int fuse_fs_flush(struct fuse_fs *fs, const char *path,
			      struct fuse_file_info *fi)
{
	FS_CALL(fs, flush, -ENOSYS, ("flush[%llu]\n", fh_of(fi)), path, fi);
}

/*
 * Without statfs the answer is an empty filesystem with 255-byte names
 * and 512-byte blocks; the caller zeroed the rest.
 */
FUSE_EXPORT int fuse_fs_statfs(struct fuse_fs *fs, const char *path,
			       struct statvfs *buf)
{
	enter(fs);
	if (!fs->op.statfs) {
		buf->f_namemax = 255;
		buf->f_bsize = 512;
		return 0;
	}
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "statfs %s\n", path);
	return fs->op.statfs(path, buf);
}

FUSE_EXPORT int fuse_fs_releasedir(struct fuse_fs *fs, const char *path,
				   struct fuse_file_info *fi)
{
	FS_CALL(fs, releasedir, 0,
		("releasedir[%llu] flags: 0x%x\n", fh_of(fi),
		 fi ? fi->flags : 0),
		path, fi);
}

FUSE_EXPORT int fuse_fs_readdir(struct fuse_fs *fs, const char *path,
				void *buf, fuse_fill_dir_t filler, off_t off,
				struct fuse_file_info *fi,
				enum fuse_readdir_flags flags)
{
	FS_CALL(fs, readdir, -ENOSYS,
		("readdir%s[%llu] from %llu\n",
		 (flags & FUSE_READDIR_PLUS) ? "plus" : "", fh_of(fi),
		 (unsigned long long)off),
		path, buf, filler, off, fi, flags);
}

FUSE_EXPORT int fuse_fs_create(struct fuse_fs *fs, const char *path,
			       mode_t mode, struct fuse_file_info *fi)
{
	int err;

	enter(fs);
	if (!fs->op.create)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "create flags: 0x%x %s 0%o umask=0%03o\n",
		       fi ? fi->flags : 0, path, (unsigned int)mode,
		       (unsigned int)ctx_umask());
	err = fs->op.create(path, mode, fi);
	if (fs->debug && !err)
		lf_log(FUSE_LOG_DEBUG, "   create[%llu] flags: 0x%x %s\n",
		       fh_of(fi), fi ? fi->flags : 0, path);
	return err;
}

static const char *lock_cmd_name(int cmd)
{
	switch (cmd) {
	case F_GETLK:
		return "F_GETLK";
	case F_SETLK:
		return "F_SETLK";
	case F_SETLKW:
		return "F_SETLKW";
	default:
		return "???";
	}
}

static const char *lock_type_name(int type)
{
	switch (type) {
	case F_RDLCK:
		return "F_RDLCK";
	case F_WRLCK:
		return "F_WRLCK";
	case F_UNLCK:
		return "F_UNLCK";
	default:
		return "???";
	}
}

FUSE_EXPORT int fuse_fs_lock(struct fuse_fs *fs, const char *path,
			     struct fuse_file_info *fi, int cmd,
			     struct flock *lock)
{
	enter(fs);
	if (!fs->op.lock)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG,
		       "lock[%llu] %s %s start: %llu len: %llu pid: %llu\n",
		       fh_of(fi), lock_cmd_name(cmd),
		       lock_type_name(lock->l_type),
		       (unsigned long long)lock->l_start,
		       (unsigned long long)lock->l_len,
		       (unsigned long long)lock->l_pid);
	return fs->op.lock(path, fi, cmd, lock);
}

static const char *flock_op_name(int op)
{
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
		return "LOCK_SH";
	case LOCK_EX:
		return "LOCK_EX";
	case LOCK_UN:
		return "LOCK_UN";
	default:
		return "???";
	}
}

FUSE_EXPORT int fuse_fs_flock(struct fuse_fs *fs, const char *path,
			      struct fuse_file_info *fi, int op)
{
	FS_CALL(fs, flock, -ENOSYS,
		("lock[%llu] %s%s\n", fh_of(fi), flock_op_name(op),
		 (op & LOCK_NB) ? "|LOCK_NB" : ""),
		path, fi, op);
}

FUSE_EXPORT int fuse_fs_chmod(struct fuse_fs *fs, const char *path,
			      mode_t mode, struct fuse_file_info *fi)
{
	char fib[24];

	enter(fs);
	if (!fs->op.chmod)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "chmod[%s] %s %llo\n",
		       fi_str(fi, fib, sizeof(fib)), path,
		       (unsigned long long)mode);
	return fs->op.chmod(path, mode, fi);
}

FUSE_EXPORT int fuse_fs_chown(struct fuse_fs *fs, const char *path,
			      uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	char fib[24];

	enter(fs);
	if (!fs->op.chown)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "chown[%s] %s %lu %lu\n",
		       fi_str(fi, fib, sizeof(fib)), path,
		       (unsigned long)uid, (unsigned long)gid);
	return fs->op.chown(path, uid, gid, fi);
}

FUSE_EXPORT int fuse_fs_truncate(struct fuse_fs *fs, const char *path,
				 off_t size, struct fuse_file_info *fi)
{
	char fib[24];

	enter(fs);
	if (!fs->op.truncate)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "truncate[%s] %llu\n",
		       fi_str(fi, fib, sizeof(fib)), (unsigned long long)size);
	return fs->op.truncate(path, size, fi);
}

FUSE_EXPORT int fuse_fs_utimens(struct fuse_fs *fs, const char *path,
				const struct timespec tv[2],
				struct fuse_file_info *fi)
{
	char fib[24];

	enter(fs);
	if (!fs->op.utimens)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "utimens[%s] %s %li.%09lu %li.%09lu\n",
		       fi_str(fi, fib, sizeof(fib)), path,
		       (long)tv[0].tv_sec, (unsigned long)tv[0].tv_nsec,
		       (long)tv[1].tv_sec, (unsigned long)tv[1].tv_nsec);
	return fs->op.utimens(path, tv, fi);
}

FUSE_EXPORT int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask)
{
	FS_CALL(fs, access, -ENOSYS,
		("access %s 0%o\n", path, (unsigned int)mask),
		path, mask);
}

FUSE_EXPORT int fuse_fs_readlink(struct fuse_fs *fs, const char *path,
				 char *buf, size_t len)
{
	FS_CALL(fs, readlink, -ENOSYS,
		("readlink %s %lu\n", path, (unsigned long)len),
		path, buf, len);
}

FUSE_EXPORT int fuse_fs_mknod(struct fuse_fs *fs, const char *path,
			      mode_t mode, dev_t rdev)
{
	FS_CALL(fs, mknod, -ENOSYS,
		("mknod %s 0%o 0x%llx umask=0%03o\n", path, (unsigned int)mode,
		 (unsigned long long)rdev, (unsigned int)ctx_umask()),
		path, mode, rdev);
}

FUSE_EXPORT int fuse_fs_mkdir(struct fuse_fs *fs, const char *path,
			      mode_t mode)
{
	FS_CALL(fs, mkdir, -ENOSYS,
		("mkdir %s 0%o umask=0%03o\n", path, (unsigned int)mode,
		 (unsigned int)ctx_umask()),
		path, mode);
}

FUSE_EXPORT int fuse_fs_setxattr(struct fuse_fs *fs, const char *path,
				 const char *name, const char *value,
				 size_t size, int flags)
{
	FS_CALL(fs, setxattr, -ENOSYS,
		("setxattr %s %s %lu 0x%x\n", path, name, (unsigned long)size,
		 (unsigned int)flags),
		path, name, value, size, flags);
}

FUSE_EXPORT int fuse_fs_getxattr(struct fuse_fs *fs, const char *path,
				 const char *name, char *value, size_t size)
{
	FS_CALL(fs, getxattr, -ENOSYS,
		("getxattr %s %s %lu\n", path, name, (unsigned long)size),
		path, name, value, size);
}

FUSE_EXPORT int fuse_fs_listxattr(struct fuse_fs *fs, const char *path,
				  char *list, size_t size)
{
	FS_CALL(fs, listxattr, -ENOSYS,
		("listxattr %s %lu\n", path, (unsigned long)size),
		path, list, size);
}

FUSE_EXPORT int fuse_fs_removexattr(struct fuse_fs *fs, const char *path,
				    const char *name)
{
	FS_CALL(fs, removexattr, -ENOSYS,
		("removexattr %s %s\n", path, name),
		path, name);
}

FUSE_EXPORT int fuse_fs_bmap(struct fuse_fs *fs, const char *path,
			     size_t blocksize, uint64_t *idx)
{
	FS_CALL(fs, bmap, -ENOSYS,
		("bmap %s blocksize: %lu index: %llu\n", path,
		 (unsigned long)blocksize, (unsigned long long)*idx),
		path, blocksize, idx);
}

FUSE_EXPORT int fuse_fs_ioctl(struct fuse_fs *fs, const char *path,
			      unsigned int cmd, void *arg,
			      struct fuse_file_info *fi, unsigned int flags,
			      void *data)
{
	FS_CALL(fs, ioctl, -ENOSYS,
		("ioctl[%llu] 0x%x flags: 0x%x\n", fh_of(fi), cmd, flags),
		path, cmd, arg, fi, flags, data);
}

FUSE_EXPORT int fuse_fs_poll(struct fuse_fs *fs, const char *path,
			     struct fuse_file_info *fi,
			     struct fuse_pollhandle *ph, unsigned *reventsp)
{
	int res;

	enter(fs);
	if (!fs->op.poll) {
		/* nobody will ever own the wake-up handle: free it here */
		if (ph)
			fuse_pollhandle_destroy(ph);
		return -ENOSYS;
	}
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "poll[%llu] ph: %p, events 0x%x\n",
		       fh_of(fi), (void *)ph, fi ? fi->poll_events : 0);
	res = fs->op.poll(path, fi, ph, reventsp);
	if (fs->debug && !res)
		lf_log(FUSE_LOG_DEBUG, "   poll[%llu] revents: 0x%x\n",
		       fh_of(fi), *reventsp);
	return res;
}

FUSE_EXPORT int fuse_fs_fallocate(struct fuse_fs *fs, const char *path,
				  int mode, off_t offset, off_t length,
				  struct fuse_file_info *fi)
{
	enter(fs);
	if (!fs->op.fallocate)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG,
		       "fallocate %s mode %x, offset: %llu, length: %llu\n",
		       path, (unsigned int)mode, (unsigned long long)offset,
		       (unsigned long long)length);
	return fs->op.fallocate(path, mode, offset, length, fi);
}

FUSE_EXPORT ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs,
					    const char *path_in,
					    struct fuse_file_info *fi_in,
					    off_t off_in, const char *path_out,
					    struct fuse_file_info *fi_out,
					    off_t off_out, size_t len,
					    int flags)
{
	enter(fs);
	if (!fs->op.copy_file_range)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG,
		       "copy_file_range from %s:%llu to %s:%llu, length: %llu\n",
		       path_in, (unsigned long long)off_in, path_out,
		       (unsigned long long)off_out, (unsigned long long)len);
	return fs->op.copy_file_range(path_in, fi_in, off_in, path_out,
				      fi_out, off_out, len, flags);
}

FUSE_EXPORT off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path,
				off_t off, int whence,
				struct fuse_file_info *fi)
{
	char fib[24];

	enter(fs);
	if (!fs->op.lseek)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "lseek[%s] %llu %d\n",
		       fi_str(fi, fib, sizeof(fib)), (unsigned long long)off,
		       whence);
	return fs->op.lseek(path, off, whence, fi);
}

#if !LF_ABI_314
FUSE_EXPORT int fuse_fs_statx(struct fuse_fs *fs, const char *path,
			      int flags, int mask, struct statx *stxbuf,
			      struct fuse_file_info *fi)
{
	char fib[24];

	enter(fs);
	if (!fs->op.statx)
		return -ENOSYS;
	if (fs->debug)
		lf_log(FUSE_LOG_DEBUG, "statx[%s] %s %d %d\n",
		       fi_str(fi, fib, sizeof(fib)), path, flags, mask);
	return fs->op.statx(path, flags, mask, stxbuf, fi);
}
#endif

/* Capabilities only worth asking for when the layer can serve them. */
static void drop_want(struct fuse_conn_info *conn, uint64_t cap)
{
#if LF_ABI_314
	conn->want &= ~(unsigned int)cap;
#else
	/* keeps want and want_ext in step, so a later set by init sticks */
	fuse_unset_feature_flag(conn, cap);
#endif
}

/*
 * What init returns becomes the layer's private data; without init the
 * private data given to fuse_fs_new() stays.
 */
FUSE_EXPORT void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn,
			      struct fuse_config *cfg)
{
	enter(fs);
	if (!fs->op.write_buf)
		drop_want(conn, FUSE_CAP_SPLICE_READ);
	if (!fs->op.lock)
		drop_want(conn, FUSE_CAP_POSIX_LOCKS);
	if (!fs->op.flock)
		drop_want(conn, FUSE_CAP_FLOCK_LOCKS);
	if (fs->op.init)
		fs->user_data = fs->op.init(conn, cfg);
}

/* Runs the layer's destroy, releases its module and frees the layer. */
FUSE_EXPORT void fuse_fs_destroy(struct fuse_fs *fs)
{
	if (!fs || fs->m == &pinned_marker)
		return;
	enter(fs);
	if (fs->op.destroy)
		fs->op.destroy(fs->user_data);
	if (fs->m)
		lf_hl_module_put(fs->m);
	free(fs);
}

void lf_hl_fs_unwind(struct fuse_fs *top, struct fuse_fs *base)
{
	struct fuse_module *m;

	if (!top || top == base)
		return;
	if (!base) {
		fuse_fs_destroy(top);
		return;
	}
	m = base->m;
	base->m = &pinned_marker;
	fuse_fs_destroy(top);
	base->m = m;
}

FUSE_EXPORT struct fuse_fs *fuse_fs_new(const struct fuse_operations *op,
					size_t op_size, void *private_data)
{
	struct fuse_fs *fs;

	if (op_size > sizeof(struct fuse_operations)) {
		lf_log(FUSE_LOG_ERR,
		       "fuse: warning: library too old, some operations may not not work\n");
		op_size = sizeof(struct fuse_operations);
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		lf_log(FUSE_LOG_ERR,
		       "fuse: failed to allocate fuse_fs object\n");
		return NULL;
	}
	fs->user_data = private_data;
	if (op)
		memcpy(&fs->op, op, op_size);
	return fs;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/highlevel/fs.c: libfuse's defaults for every missing
 * handler, that each fuse_fs_* hands its exact arguments to the handler,
 * the read_buf/write_buf emulations, fuse_fs_new's size handling, init
 * and destroy, and the -d trace lines.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>

#include "highlevel/hl.h"
#include "highlevel/modules.h"

/* ---- a recording filesystem ---- */

static struct rec {
	const char *op;
	const char *path, *path2;
	long long a, b, c, d;
	const void *p1, *p2, *p3;
	void *ctx_private;	/* fuse_get_context()->private_data seen */
	char data[64];		/* bytes a write handler received */
	size_t datalen;
	int calls;
} rec;

/* ---- log capture ---- */

static char logbuf[8192];

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
}

static int setup(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	memset(&rec, 0, sizeof(rec));
	fuse_set_log_func(capture);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

/* Distinct result per handler so a mixed-up call cannot pass. */
enum { R_GETATTR = 101, R_READLINK, R_MKNOD, R_MKDIR, R_UNLINK, R_RMDIR,
       R_SYMLINK, R_RENAME, R_LINK, R_CHMOD, R_CHOWN, R_TRUNCATE, R_OPEN,
       R_READ, R_WRITE, R_STATFS, R_FLUSH, R_RELEASE, R_FSYNC, R_SETXATTR,
       R_GETXATTR, R_LISTXATTR, R_REMOVEXATTR, R_OPENDIR, R_READDIR,
       R_RELEASEDIR, R_FSYNCDIR, R_ACCESS, R_CREATE, R_LOCK, R_UTIMENS,
       R_BMAP, R_IOCTL, R_POLL, R_WRITE_BUF, R_READ_BUF, R_FLOCK,
       R_FALLOCATE, R_COPY, R_LSEEK, R_STATX };

static void note(const char *op, const char *path)
{
	struct fuse_context *c = fuse_get_context();

	rec.op = op;
	rec.path = path;
	rec.calls++;
	rec.ctx_private = c ? c->private_data : NULL;
}

static int r_getattr(const char *path, struct stat *st,
		     struct fuse_file_info *fi)
{
	note("getattr", path);
	rec.p1 = st;
	rec.p2 = fi;
	return R_GETATTR;
}

static int r_readlink(const char *path, char *buf, size_t size)
{
	note("readlink", path);
	rec.p1 = buf;
	rec.a = (long long)size;
	return R_READLINK;
}

static int r_mknod(const char *path, mode_t mode, dev_t rdev)
{
	note("mknod", path);
	rec.a = mode;
	rec.b = (long long)rdev;
	return R_MKNOD;
}

static int r_mkdir(const char *path, mode_t mode)
{
	note("mkdir", path);
	rec.a = mode;
	return R_MKDIR;
}

static int r_unlink(const char *path)
{
	note("unlink", path);
	return R_UNLINK;
}

static int r_rmdir(const char *path)
{
	note("rmdir", path);
	return R_RMDIR;
}

static int r_symlink(const char *target, const char *path)
{
	note("symlink", path);
	rec.path2 = target;
	return R_SYMLINK;
}

static int r_rename(const char *from, const char *to, unsigned int flags)
{
	note("rename", from);
	rec.path2 = to;
	rec.a = flags;
	return R_RENAME;
}

static int r_link(const char *from, const char *to)
{
	note("link", from);
	rec.path2 = to;
	return R_LINK;
}

static int r_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	note("chmod", path);
	rec.a = mode;
	rec.p1 = fi;
	return R_CHMOD;
}

static int r_chown(const char *path, uid_t uid, gid_t gid,
		   struct fuse_file_info *fi)
{
	note("chown", path);
	rec.a = uid;
	rec.b = gid;
	rec.p1 = fi;
	return R_CHOWN;
}

static int r_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	note("truncate", path);
	rec.a = size;
	rec.p1 = fi;
	return R_TRUNCATE;
}

static int r_open(const char *path, struct fuse_file_info *fi)
{
	note("open", path);
	rec.p1 = fi;
	return R_OPEN;
}

static int r_read(const char *path, char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi)
{
	note("read", path);
	rec.p1 = buf;
	rec.a = (long long)size;
	rec.b = off;
	rec.p2 = fi;
	return R_READ;
}

static int r_write(const char *path, const char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	note("write", path);
	rec.p1 = buf;
	rec.a = (long long)size;
	rec.b = off;
	rec.p2 = fi;
	rec.datalen = size < sizeof(rec.data) ? size : sizeof(rec.data);
	memcpy(rec.data, buf, rec.datalen);
	return R_WRITE;
}

static int r_statfs(const char *path, struct statvfs *st)
{
	note("statfs", path);
	rec.p1 = st;
	return R_STATFS;
}

static int r_flush(const char *path, struct fuse_file_info *fi)
{
	note("flush", path);
	rec.p1 = fi;
	return R_FLUSH;
}

static int r_release(const char *path, struct fuse_file_info *fi)
{
	note("release", path);
	rec.p1 = fi;
	return R_RELEASE;
}

static int r_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	note("fsync", path);
	rec.a = datasync;
	rec.p1 = fi;
	return R_FSYNC;
}

static int r_setxattr(const char *path, const char *name, const char *value,
		      size_t size, int flags)
{
	note("setxattr", path);
	rec.path2 = name;
	rec.p1 = value;
	rec.a = (long long)size;
	rec.b = flags;
	return R_SETXATTR;
}

static int r_getxattr(const char *path, const char *name, char *value,
		      size_t size)
{
	note("getxattr", path);
	rec.path2 = name;
	rec.p1 = value;
	rec.a = (long long)size;
	return R_GETXATTR;
}

static int r_listxattr(const char *path, char *list, size_t size)
{
	note("listxattr", path);
	rec.p1 = list;
	rec.a = (long long)size;
	return R_LISTXATTR;
}

static int r_removexattr(const char *path, const char *name)
{
	note("removexattr", path);
	rec.path2 = name;
	return R_REMOVEXATTR;
}

static int r_opendir(const char *path, struct fuse_file_info *fi)
{
	note("opendir", path);
	rec.p1 = fi;
	return R_OPENDIR;
}

static int r_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		     off_t off, struct fuse_file_info *fi,
		     enum fuse_readdir_flags flags)
{
	note("readdir", path);
	rec.p1 = buf;
	rec.p2 = (const void *)filler;
	rec.a = off;
	rec.p3 = fi;
	rec.b = flags;
	return R_READDIR;
}

static int r_releasedir(const char *path, struct fuse_file_info *fi)
{
	note("releasedir", path);
	rec.p1 = fi;
	return R_RELEASEDIR;
}

static int r_fsyncdir(const char *path, int datasync,
		      struct fuse_file_info *fi)
{
	note("fsyncdir", path);
	rec.a = datasync;
	rec.p1 = fi;
	return R_FSYNCDIR;
}

static void *r_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	note("init", NULL);
	rec.p1 = conn;
	rec.p2 = cfg;
	return (void *)&rec.c;
}

static void r_destroy(void *data)
{
	note("destroy", NULL);
	rec.p1 = data;
}

static int r_access(const char *path, int mask)
{
	note("access", path);
	rec.a = mask;
	return R_ACCESS;
}

static int r_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	note("create", path);
	rec.a = mode;
	rec.p1 = fi;
	return R_CREATE;
}

static int r_lock(const char *path, struct fuse_file_info *fi, int cmd,
		  struct flock *lock)
{
	note("lock", path);
	rec.p1 = fi;
	rec.a = cmd;
	rec.p2 = lock;
	return R_LOCK;
}

static int r_utimens(const char *path, const struct timespec tv[2],
		     struct fuse_file_info *fi)
{
	note("utimens", path);
	rec.p1 = tv;
	rec.p2 = fi;
	return R_UTIMENS;
}

static int r_bmap(const char *path, size_t blocksize, uint64_t *idx)
{
	note("bmap", path);
	rec.a = (long long)blocksize;
	rec.p1 = idx;
	return R_BMAP;
}

static int r_ioctl(const char *path, unsigned int cmd, void *arg,
		   struct fuse_file_info *fi, unsigned int flags, void *data)
{
	note("ioctl", path);
	rec.a = cmd;
	rec.p1 = arg;
	rec.p2 = fi;
	rec.b = flags;
	rec.p3 = data;
	return R_IOCTL;
}

static int r_poll(const char *path, struct fuse_file_info *fi,
		  struct fuse_pollhandle *ph, unsigned *reventsp)
{
	note("poll", path);
	rec.p1 = fi;
	rec.p2 = ph;
	rec.p3 = reventsp;
	return R_POLL;
}

static int r_write_buf(const char *path, struct fuse_bufvec *buf, off_t off,
		       struct fuse_file_info *fi)
{
	note("write_buf", path);
	rec.p1 = buf;
	rec.a = off;
	rec.p2 = fi;
	return R_WRITE_BUF;
}

static int r_read_buf(const char *path, struct fuse_bufvec **bufp,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	note("read_buf", path);
	rec.p1 = bufp;
	rec.a = (long long)size;
	rec.b = off;
	rec.p2 = fi;
	return -R_READ_BUF;
}

static int r_flock(const char *path, struct fuse_file_info *fi, int op)
{
	note("flock", path);
	rec.p1 = fi;
	rec.a = op;
	return R_FLOCK;
}

static int r_fallocate(const char *path, int mode, off_t off, off_t len,
		       struct fuse_file_info *fi)
{
	note("fallocate", path);
	rec.a = mode;
	rec.b = off;
	rec.c = len;
	rec.p1 = fi;
	return R_FALLOCATE;
}

static ssize_t r_copy(const char *path_in, struct fuse_file_info *fi_in,
		      off_t off_in, const char *path_out,
		      struct fuse_file_info *fi_out, off_t off_out,
		      size_t size, int flags)
{
	note("copy_file_range", path_in);
	rec.p1 = fi_in;
	rec.a = off_in;
	rec.path2 = path_out;
	rec.p2 = fi_out;
	rec.b = off_out;
	rec.c = (long long)size;
	rec.d = flags;
	return R_COPY;
}

static off_t r_lseek(const char *path, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	note("lseek", path);
	rec.a = off;
	rec.b = whence;
	rec.p1 = fi;
	return R_LSEEK;
}

#ifndef FASTFUSE_ABI_314
static int r_statx(const char *path, int flags, int mask,
		   struct statx *stxbuf, struct fuse_file_info *fi)
{
	note("statx", path);
	rec.a = flags;
	rec.b = mask;
	rec.p1 = stxbuf;
	rec.p2 = fi;
	return R_STATX;
}
#endif

static const struct fuse_operations rec_ops = {
	.getattr = r_getattr, .readlink = r_readlink, .mknod = r_mknod,
	.mkdir = r_mkdir, .unlink = r_unlink, .rmdir = r_rmdir,
	.symlink = r_symlink, .rename = r_rename, .link = r_link,
	.chmod = r_chmod, .chown = r_chown, .truncate = r_truncate,
	.open = r_open, .read = r_read, .write = r_write, .statfs = r_statfs,
	.flush = r_flush, .release = r_release, .fsync = r_fsync,
	.setxattr = r_setxattr, .getxattr = r_getxattr,
	.listxattr = r_listxattr, .removexattr = r_removexattr,
	.opendir = r_opendir, .readdir = r_readdir,
	.releasedir = r_releasedir, .fsyncdir = r_fsyncdir, .init = r_init,
	.destroy = r_destroy, .access = r_access, .create = r_create,
	.lock = r_lock, .utimens = r_utimens, .bmap = r_bmap,
	.ioctl = r_ioctl, .poll = r_poll, .write_buf = r_write_buf,
	.read_buf = r_read_buf, .flock = r_flock, .fallocate = r_fallocate,
	.copy_file_range = r_copy, .lseek = r_lseek,
#ifndef FASTFUSE_ABI_314
	.statx = r_statx,
#endif
};

static int fill_dummy(void *buf, const char *name, const struct stat *st,
		      off_t off, enum fuse_fill_dir_flags flags)
{
	(void)buf; (void)name; (void)st; (void)off; (void)flags;
	return 0;
}

static void expect_op(const char *op, const char *path)
{
	assert_non_null(rec.op);
	assert_string_equal(rec.op, op);
	assert_ptr_equal(rec.path, path);
}

/* ---- tests ---- */

/* Every handler missing: libfuse's answers. */
static void test_defaults(void **state)
{
	struct fuse_fs *fs = fuse_fs_new(NULL, 0, (void *)&rec);
	struct fuse_file_info fi = { .fh = 3 };
	struct fuse_bufvec *bv = NULL;
	struct statvfs sv;
	struct stat st;
	struct flock lk = { .l_type = F_RDLCK };
	struct timespec tv[2] = { { 0, 0 }, { 0, 0 } };
	struct fuse_bufvec wb = FUSE_BUFVEC_INIT(1);
	uint64_t idx = 0;
	unsigned revents = 0;
	char buf[8];

	(void)state;
	assert_non_null(fs);
	wb.buf[0].mem = buf;
	assert_int_equal(fuse_fs_getattr(fs, "/", &st, NULL), -ENOSYS);
	assert_int_equal(fuse_fs_rename(fs, "/a", "/b", 0), -ENOSYS);
	assert_int_equal(fuse_fs_unlink(fs, "/a"), -ENOSYS);
	assert_int_equal(fuse_fs_rmdir(fs, "/a"), -ENOSYS);
	assert_int_equal(fuse_fs_symlink(fs, "t", "/a"), -ENOSYS);
	assert_int_equal(fuse_fs_link(fs, "/a", "/b"), -ENOSYS);
	assert_int_equal(fuse_fs_release(fs, "/a", &fi), 0);
	assert_int_equal(fuse_fs_open(fs, "/a", &fi), 0);
	assert_int_equal(fuse_fs_read(fs, "/a", buf, 8, 0, &fi), -ENOSYS);
	assert_int_equal(fuse_fs_read_buf(fs, "/a", &bv, 8, 0, &fi), -ENOSYS);
	assert_null(bv);
	assert_int_equal(fuse_fs_write(fs, "/a", buf, 8, 0, &fi), -ENOSYS);
	assert_int_equal(fuse_fs_write_buf(fs, "/a", &wb, 0, &fi), -ENOSYS);
	assert_int_equal(fuse_fs_fsync(fs, "/a", 1, &fi), -ENOSYS);
	assert_int_equal(fuse_fs_flush(fs, "/a", &fi), -ENOSYS);
	memset(&sv, 0, sizeof(sv));
	assert_int_equal(fuse_fs_statfs(fs, "/", &sv), 0);
	assert_int_equal(sv.f_namemax, 255);
	assert_int_equal(sv.f_bsize, 512);
	assert_int_equal(sv.f_blocks, 0);
	assert_int_equal(fuse_fs_opendir(fs, "/", &fi), 0);
	assert_int_equal(fuse_fs_readdir(fs, "/", NULL, fill_dummy, 0, &fi, 0),
			 -ENOSYS);
	assert_int_equal(fuse_fs_fsyncdir(fs, "/", 0, &fi), -ENOSYS);
	assert_int_equal(fuse_fs_releasedir(fs, "/", &fi), 0);
	assert_int_equal(fuse_fs_create(fs, "/a", 0644, &fi), -ENOSYS);
	assert_int_equal(fuse_fs_lock(fs, "/a", &fi, F_GETLK, &lk), -ENOSYS);
	assert_int_equal(fuse_fs_flock(fs, "/a", &fi, LOCK_SH), -ENOSYS);
	assert_int_equal(fuse_fs_chmod(fs, "/a", 0600, NULL), -ENOSYS);
	assert_int_equal(fuse_fs_chown(fs, "/a", 1, 2, NULL), -ENOSYS);
	assert_int_equal(fuse_fs_truncate(fs, "/a", 5, NULL), -ENOSYS);
	assert_int_equal(fuse_fs_utimens(fs, "/a", tv, NULL), -ENOSYS);
	assert_int_equal(fuse_fs_access(fs, "/a", R_OK), -ENOSYS);
	assert_int_equal(fuse_fs_readlink(fs, "/a", buf, 8), -ENOSYS);
	assert_int_equal(fuse_fs_mknod(fs, "/a", 0644, 0), -ENOSYS);
	assert_int_equal(fuse_fs_mkdir(fs, "/a", 0755), -ENOSYS);
	assert_int_equal(fuse_fs_setxattr(fs, "/a", "n", "v", 1, 0), -ENOSYS);
	assert_int_equal(fuse_fs_getxattr(fs, "/a", "n", buf, 8), -ENOSYS);
	assert_int_equal(fuse_fs_listxattr(fs, "/a", buf, 8), -ENOSYS);
	assert_int_equal(fuse_fs_removexattr(fs, "/a", "n"), -ENOSYS);
	assert_int_equal(fuse_fs_bmap(fs, "/a", 512, &idx), -ENOSYS);
	assert_int_equal(fuse_fs_ioctl(fs, "/a", 1, NULL, &fi, 0, NULL),
			 -ENOSYS);
	assert_int_equal(fuse_fs_poll(fs, "/a", &fi, NULL, &revents), -ENOSYS);
	assert_int_equal(fuse_fs_fallocate(fs, "/a", 0, 0, 1, &fi), -ENOSYS);
	assert_int_equal(fuse_fs_copy_file_range(fs, "/a", &fi, 0, "/b", &fi,
						 0, 1, 0), -ENOSYS);
	assert_int_equal(fuse_fs_lseek(fs, "/a", 0, SEEK_DATA, &fi), -ENOSYS);
#ifndef FASTFUSE_ABI_314
	assert_int_equal(fuse_fs_statx(fs, "/a", 0, 0, NULL, NULL), -ENOSYS);
#endif
	assert_int_equal(rec.calls, 0);
	fuse_fs_destroy(fs);
}

/* Path, namespace and attribute calls reach the handler unchanged. */
static void test_forward_names(void **state)
{
	struct fuse_fs *fs = fuse_fs_new(&rec_ops, sizeof(rec_ops), NULL);
	struct fuse_file_info fi = { .fh = 9 };
	struct timespec tv[2] = { { 1, 2 }, { 3, 4 } };
	const char *p = "/dir/file", *q = "/other";
	struct stat st;
	char buf[16];

	(void)state;
	assert_int_equal(fuse_fs_getattr(fs, p, &st, &fi), R_GETATTR);
	expect_op("getattr", p);
	assert_ptr_equal(rec.p1, &st);
	assert_ptr_equal(rec.p2, &fi);
	assert_int_equal(fuse_fs_readlink(fs, p, buf, sizeof(buf)), R_READLINK);
	expect_op("readlink", p);
	assert_ptr_equal(rec.p1, buf);
	assert_int_equal(rec.a, sizeof(buf));
	assert_int_equal(fuse_fs_mknod(fs, p, 010644, 0x1234), R_MKNOD);
	expect_op("mknod", p);
	assert_int_equal(rec.a, 010644);
	assert_int_equal(rec.b, 0x1234);
	assert_int_equal(fuse_fs_mkdir(fs, p, 0750), R_MKDIR);
	expect_op("mkdir", p);
	assert_int_equal(rec.a, 0750);
	assert_int_equal(fuse_fs_unlink(fs, p), R_UNLINK);
	expect_op("unlink", p);
	assert_int_equal(fuse_fs_rmdir(fs, p), R_RMDIR);
	expect_op("rmdir", p);
	assert_int_equal(fuse_fs_symlink(fs, q, p), R_SYMLINK);
	expect_op("symlink", p);
	assert_ptr_equal(rec.path2, q);
	assert_int_equal(fuse_fs_rename(fs, p, q, 2), R_RENAME);
	expect_op("rename", p);
	assert_ptr_equal(rec.path2, q);
	assert_int_equal(rec.a, 2);
	assert_int_equal(fuse_fs_link(fs, p, q), R_LINK);
	expect_op("link", p);
	assert_ptr_equal(rec.path2, q);
	assert_int_equal(fuse_fs_chmod(fs, p, 0604, &fi), R_CHMOD);
	expect_op("chmod", p);
	assert_int_equal(rec.a, 0604);
	assert_ptr_equal(rec.p1, &fi);
	assert_int_equal(fuse_fs_chown(fs, p, 11, 22, NULL), R_CHOWN);
	expect_op("chown", p);
	assert_int_equal(rec.a, 11);
	assert_int_equal(rec.b, 22);
	assert_null(rec.p1);
	assert_int_equal(fuse_fs_truncate(fs, p, 77, &fi), R_TRUNCATE);
	expect_op("truncate", p);
	assert_int_equal(rec.a, 77);
	assert_int_equal(fuse_fs_utimens(fs, p, tv, &fi), R_UTIMENS);
	expect_op("utimens", p);
	assert_ptr_equal(rec.p1, tv);
	assert_int_equal(fuse_fs_access(fs, p, W_OK), R_ACCESS);
	expect_op("access", p);
	assert_int_equal(rec.a, W_OK);
	fuse_fs_destroy(fs);
}

/* Open files, xattrs and the remaining calls. */
static void test_forward_files(void **state)
{
	struct fuse_fs *fs = fuse_fs_new(&rec_ops, sizeof(rec_ops), NULL);
	struct fuse_file_info fi = { .fh = 9 }, fo = { .fh = 10 };
	const char *p = "/f", *q = "/g";
	struct flock lk = { .l_type = F_WRLCK };
	struct statvfs sv;
	uint64_t idx = 5;
	unsigned rev = 0;
	char buf[16];
	int ioarg;

	(void)state;
	assert_int_equal(fuse_fs_open(fs, p, &fi), R_OPEN);
	expect_op("open", p);
	assert_ptr_equal(rec.p1, &fi);
	assert_int_equal(fuse_fs_create(fs, p, 0640, &fi), R_CREATE);
	expect_op("create", p);
	assert_int_equal(rec.a, 0640);
	assert_int_equal(fuse_fs_statfs(fs, p, &sv), R_STATFS);
	expect_op("statfs", p);
	assert_ptr_equal(rec.p1, &sv);
	assert_int_equal(fuse_fs_flush(fs, p, &fi), R_FLUSH);
	expect_op("flush", p);
	assert_int_equal(fuse_fs_release(fs, p, &fi), R_RELEASE);
	expect_op("release", p);
	assert_int_equal(fuse_fs_fsync(fs, p, 1, &fi), R_FSYNC);
	expect_op("fsync", p);
	assert_int_equal(rec.a, 1);
	assert_int_equal(fuse_fs_setxattr(fs, p, "user.x", "v", 1, 2),
			 R_SETXATTR);
	expect_op("setxattr", p);
	assert_string_equal(rec.path2, "user.x");
	assert_int_equal(rec.a, 1);
	assert_int_equal(rec.b, 2);
	assert_int_equal(fuse_fs_getxattr(fs, p, "user.y", buf, 9), R_GETXATTR);
	expect_op("getxattr", p);
	assert_ptr_equal(rec.p1, buf);
	assert_int_equal(rec.a, 9);
	assert_int_equal(fuse_fs_listxattr(fs, p, buf, 7), R_LISTXATTR);
	expect_op("listxattr", p);
	assert_int_equal(rec.a, 7);
	assert_int_equal(fuse_fs_removexattr(fs, p, "user.z"), R_REMOVEXATTR);
	expect_op("removexattr", p);
	assert_string_equal(rec.path2, "user.z");
	assert_int_equal(fuse_fs_opendir(fs, p, &fi), R_OPENDIR);
	expect_op("opendir", p);
	assert_int_equal(fuse_fs_readdir(fs, p, buf, fill_dummy, 33, &fi,
					 FUSE_READDIR_PLUS), R_READDIR);
	expect_op("readdir", p);
	assert_ptr_equal(rec.p1, buf);
	assert_ptr_equal(rec.p2, (const void *)fill_dummy);
	assert_int_equal(rec.a, 33);
	assert_int_equal(rec.b, FUSE_READDIR_PLUS);
	assert_int_equal(fuse_fs_releasedir(fs, p, &fi), R_RELEASEDIR);
	expect_op("releasedir", p);
	assert_int_equal(fuse_fs_fsyncdir(fs, p, 0, &fi), R_FSYNCDIR);
	expect_op("fsyncdir", p);
	assert_int_equal(fuse_fs_lock(fs, p, &fi, F_SETLKW, &lk), R_LOCK);
	expect_op("lock", p);
	assert_int_equal(rec.a, F_SETLKW);
	assert_ptr_equal(rec.p2, &lk);
	assert_int_equal(fuse_fs_flock(fs, p, &fi, LOCK_EX | LOCK_NB), R_FLOCK);
	expect_op("flock", p);
	assert_int_equal(rec.a, LOCK_EX | LOCK_NB);
	assert_int_equal(fuse_fs_bmap(fs, p, 4096, &idx), R_BMAP);
	expect_op("bmap", p);
	assert_int_equal(rec.a, 4096);
	assert_ptr_equal(rec.p1, &idx);
	assert_int_equal(fuse_fs_ioctl(fs, p, 0x80045401u, &ioarg, &fi, 4, buf),
			 R_IOCTL);
	expect_op("ioctl", p);
	assert_int_equal(rec.a, 0x80045401u);
	assert_ptr_equal(rec.p1, &ioarg);
	assert_int_equal(rec.b, 4);
	assert_ptr_equal(rec.p3, buf);
	assert_int_equal(fuse_fs_poll(fs, p, &fi, NULL, &rev), R_POLL);
	expect_op("poll", p);
	assert_ptr_equal(rec.p3, &rev);
	assert_int_equal(fuse_fs_fallocate(fs, p, 1, 100, 200, &fi),
			 R_FALLOCATE);
	expect_op("fallocate", p);
	assert_int_equal(rec.a, 1);
	assert_int_equal(rec.b, 100);
	assert_int_equal(rec.c, 200);
	assert_int_equal(fuse_fs_copy_file_range(fs, p, &fi, 5, q, &fo, 6, 7,
						 8), R_COPY);
	expect_op("copy_file_range", p);
	assert_ptr_equal(rec.p1, &fi);
	assert_int_equal(rec.a, 5);
	assert_ptr_equal(rec.path2, q);
	assert_ptr_equal(rec.p2, &fo);
	assert_int_equal(rec.b, 6);
	assert_int_equal(rec.c, 7);
	assert_int_equal(rec.d, 8);
	assert_int_equal(fuse_fs_lseek(fs, p, 12, SEEK_HOLE, &fi), R_LSEEK);
	expect_op("lseek", p);
	assert_int_equal(rec.a, 12);
	assert_int_equal(rec.b, SEEK_HOLE);
#ifndef FASTFUSE_ABI_314
	assert_int_equal(fuse_fs_statx(fs, p, 0x100, 0xfff, NULL, &fi),
			 R_STATX);
	expect_op("statx", p);
	assert_int_equal(rec.a, 0x100);
	assert_int_equal(rec.b, 0xfff);
	assert_ptr_equal(rec.p2, &fi);
#endif
	fuse_fs_destroy(fs);
}

/* read/read_buf and write/write_buf prefer the _buf handler. */
static void test_forward_io(void **state)
{
	struct fuse_fs *fs = fuse_fs_new(&rec_ops, sizeof(rec_ops), NULL);
	struct fuse_file_info fi = { .fh = 1 };
	struct fuse_bufvec wb = FUSE_BUFVEC_INIT(3);
	struct fuse_bufvec *bv = NULL;
	char buf[8];

	(void)state;
	wb.buf[0].mem = "abc";
	assert_int_equal(fuse_fs_write_buf(fs, "/w", &wb, 44, &fi),
			 R_WRITE_BUF);
	expect_op("write_buf", "/w");
	assert_ptr_equal(rec.p1, &wb);
	assert_int_equal(rec.a, 44);
	assert_int_equal(fuse_fs_write(fs, "/w", "xyz", 3, 45, &fi),
			 R_WRITE_BUF);
	expect_op("write_buf", "/w");
	assert_int_equal(rec.a, 45);
	assert_int_equal(fuse_fs_read_buf(fs, "/r", &bv, 8, 46, &fi),
			 -R_READ_BUF);
	expect_op("read_buf", "/r");
	assert_ptr_equal(rec.p1, &bv);
	assert_int_equal(rec.a, 8);
	assert_int_equal(rec.b, 46);
	/* read() with a failing read_buf: the error comes back */
	assert_int_equal(fuse_fs_read(fs, "/r", buf, 8, 47, &fi), -R_READ_BUF);
	expect_op("read_buf", "/r");
	assert_int_equal(rec.b, 47);
	fuse_fs_destroy(fs);
}

/* ---- read_buf / write_buf emulation ---- */

static int data_read(const char *path, char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	static const char text[] = "0123456789";
	size_t n;

	(void)fi;
	note("read", path);
	if (strcmp(path, "/err") == 0)
		return -EIO;
	if ((size_t)off >= sizeof(text) - 1)
		return 0;
	n = sizeof(text) - 1 - (size_t)off;
	if (n > size)
		n = size;
	memcpy(buf, text + off, n);
	return (int)n;
}

static void test_read_buf_fallback(void **state)
{
	struct fuse_operations ops = { .read = data_read };
	struct fuse_fs *fs = fuse_fs_new(&ops, sizeof(ops), NULL);
	struct fuse_file_info fi = { .fh = 1 };
	struct fuse_bufvec *bv = NULL;

	(void)state;
	assert_int_equal(fuse_fs_read_buf(fs, "/f", &bv, 4, 3, &fi), 0);
	assert_non_null(bv);
	assert_int_equal(bv->count, 1);
	assert_false(bv->buf[0].flags & FUSE_BUF_IS_FD);
	assert_int_equal(bv->buf[0].size, 4);
	assert_memory_equal(bv->buf[0].mem, "3456", 4);
	free(bv->buf[0].mem);
	free(bv);

	/* short read: the vector says how much there is */
	bv = NULL;
	assert_int_equal(fuse_fs_read_buf(fs, "/f", &bv, 100, 8, &fi), 0);
	assert_int_equal(fuse_buf_size(bv), 2);
	assert_memory_equal(bv->buf[0].mem, "89", 2);
	free(bv->buf[0].mem);
	free(bv);

	/* failure: the error, and nothing for the caller to free */
	bv = NULL;
	assert_int_equal(fuse_fs_read_buf(fs, "/err", &bv, 4, 0, &fi), -EIO);
	assert_null(bv);
	fuse_fs_destroy(fs);
}

static int mem_read_buf(const char *path, struct fuse_bufvec **bufp,
			size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec *bv = malloc(sizeof(*bv));

	(void)path; (void)off; (void)fi;
	*bv = FUSE_BUFVEC_INIT(size < 5 ? size : 5);
	bv->buf[0].mem = strdup("hello");
	*bufp = bv;
	return 0;
}

/* fuse_fs_read over a read_buf handler copies out and frees the vector. */
static void test_read_via_read_buf(void **state)
{
	struct fuse_operations ops = { .read_buf = mem_read_buf };
	struct fuse_fs *fs = fuse_fs_new(&ops, sizeof(ops), NULL);
	struct fuse_file_info fi = { .fh = 1 };
	char buf[16] = "";

	(void)state;
	assert_int_equal(fuse_fs_read(fs, "/f", buf, sizeof(buf), 0, &fi), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(fuse_fs_read(fs, "/f", buf, 3, 0, &fi), 3);
	fuse_fs_destroy(fs);
}

static void test_write_buf_fallback(void **state)
{
	struct fuse_operations ops = { .write = r_write };
	struct fuse_fs *fs = fuse_fs_new(&ops, sizeof(ops), NULL);
	struct fuse_file_info fi = { .fh = 1 };
	struct fuse_bufvec *two;
	struct fuse_bufvec one = FUSE_BUFVEC_INIT(5);
	char text[] = "hello";
	FILE *tmp = tmpfile();

	(void)state;
	/* one memory buffer: passed through without a copy */
	one.buf[0].mem = text;
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(fuse_fs_write_buf(fs, "/f", &one, 7, &fi), R_WRITE);
	assert_ptr_equal(rec.p1, text);
	assert_int_equal(rec.a, 5);
	assert_int_equal(rec.b, 7);

	/* two pieces: gathered into one buffer */
	two = calloc(1, sizeof(*two) + sizeof(struct fuse_buf));
	assert_non_null(two);
	two->count = 2;
	two->buf[0].size = 3;
	two->buf[0].mem = "abc";
	two->buf[0].fd = -1;
	two->buf[1].size = 2;
	two->buf[1].mem = "de";
	two->buf[1].fd = -1;
	assert_int_equal(fuse_fs_write_buf(fs, "/f", two, 0, &fi), R_WRITE);
	assert_int_equal(rec.datalen, 5);
	assert_memory_equal(rec.data, "abcde", 5);
	free(two);

	/* fd-backed data is read into memory first */
	assert_non_null(tmp);
	assert_int_equal(fwrite("fdbytes", 1, 7, tmp), 7);
	fflush(tmp);
	one = FUSE_BUFVEC_INIT(7);
	one.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	one.buf[0].fd = fileno(tmp);
	one.buf[0].pos = 0;
	assert_int_equal(fuse_fs_write_buf(fs, "/f", &one, 0, &fi), R_WRITE);
	assert_int_equal(rec.datalen, 7);
	assert_memory_equal(rec.data, "fdbytes", 7);
	fclose(tmp);

	/* plain fuse_fs_write with only write */
	assert_int_equal(fuse_fs_write(fs, "/f", "xy", 2, 3, &fi), R_WRITE);
	assert_memory_equal(rec.data, "xy", 2);
	assert_int_equal(rec.b, 3);
	fuse_fs_destroy(fs);
}

static void test_new_sizes(void **state)
{
	struct fuse_fs *fs;
	struct stat st;
	struct {
		struct fuse_operations op;
		void *extra[4];
	} big;

	(void)state;
	/* a shorter table: members past op_size stay NULL */
	fs = fuse_fs_new(&rec_ops, offsetof(struct fuse_operations, mknod),
			 NULL);
	assert_non_null(fs);
	assert_ptr_equal(fs->op.getattr, r_getattr);
	assert_ptr_equal(fs->op.readlink, r_readlink);
	assert_null(fs->op.mknod);
	assert_null(fs->op.lseek);
	assert_int_equal(fuse_fs_mknod(fs, "/a", 0, 0), -ENOSYS);
	assert_string_equal(logbuf, "");
	fuse_fs_destroy(fs);

	/* a longer one: warned about, the known part kept */
	memset(&big, 0x5a, sizeof(big));
	big.op = rec_ops;
	fs = fuse_fs_new(&big.op, sizeof(big), (void *)&big);
	assert_non_null(fs);
	assert_string_equal(logbuf,
		"fuse: warning: library too old, some operations may not not work\n");
	assert_ptr_equal(fs->user_data, &big);
	assert_null(fs->m);
	assert_int_equal(fs->debug, 0);
	assert_int_equal(fuse_fs_getattr(fs, "/", &st, NULL), R_GETATTR);
	fs->op.destroy = NULL;
	fuse_fs_destroy(fs);
}

static void test_init_destroy(void **state)
{
	struct fuse_fs *fs = fuse_fs_new(&rec_ops, sizeof(rec_ops), &rec.a);
	struct fuse_operations noinit = { .getattr = r_getattr };
	struct fuse_conn_info conn;
	struct fuse_config cfg;
	uint64_t caps = FUSE_CAP_SPLICE_READ | FUSE_CAP_POSIX_LOCKS |
			FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_ASYNC_READ;

	(void)state;
	memset(&conn, 0, sizeof(conn));
	memset(&cfg, 0, sizeof(cfg));
	conn.want = (unsigned int)caps;
#ifndef FASTFUSE_ABI_314
	conn.want_ext = caps;
#endif
	/* init's result replaces the private data; all wants kept */
	fuse_fs_init(fs, &conn, &cfg);
	expect_op("init", NULL);
	assert_ptr_equal(rec.p1, &conn);
	assert_ptr_equal(rec.p2, &cfg);
	assert_ptr_equal(fs->user_data, &rec.c);
	assert_int_equal(conn.want, (unsigned int)caps);
	fuse_fs_destroy(fs);
	expect_op("destroy", NULL);
	assert_ptr_equal(rec.p1, &rec.c);

	/* no init: private data stays; wants for missing handlers dropped */
	memset(&rec, 0, sizeof(rec));
	fs = fuse_fs_new(&noinit, sizeof(noinit), &rec.b);
	fuse_fs_init(fs, &conn, &cfg);
	assert_ptr_equal(fs->user_data, &rec.b);
	assert_int_equal(conn.want, FUSE_CAP_ASYNC_READ);
#ifndef FASTFUSE_ABI_314
	assert_int_equal(conn.want_ext, FUSE_CAP_ASYNC_READ);
#endif
	fuse_fs_destroy(fs);
	assert_int_equal(rec.calls, 0);
}

/* Handlers find the layer's private data in the context. */
static void test_context_private(void **state)
{
	struct fuse_fs *fs = fuse_fs_new(&rec_ops, sizeof(rec_ops), &rec.d);
	struct fuse_context *c = lf_hl_context();
	struct stat st;

	(void)state;
	if (!c || fuse_get_context() != c) {
		print_message("skip: no thread context outside a request\n");
		fs->op.destroy = NULL;
		fuse_fs_destroy(fs);
		skip();
	}
	c->private_data = NULL;
	assert_int_equal(fuse_fs_getattr(fs, "/", &st, NULL), R_GETATTR);
	assert_ptr_equal(rec.ctx_private, &rec.d);
	assert_ptr_equal(c->private_data, &rec.d);
	fs->op.destroy = NULL;
	fuse_fs_destroy(fs);
}

static int ok_open(const char *path, struct fuse_file_info *fi)
{
	note("open", path);
	fi->fh = 42;
	return 0;
}

static void test_debug_trace(void **state)
{
	struct fuse_fs *fs = fuse_fs_new(&rec_ops, sizeof(rec_ops), NULL);
	struct fuse_file_info fi = { .fh = 42, .flags = O_RDWR };
	struct flock lk = { .l_type = F_WRLCK, .l_start = 1, .l_len = 2,
			    .l_pid = 3 };
	struct stat st;

	(void)state;
	fs->debug = 1;
	fs->op.open = ok_open;
	fi.fh = 0;
	fuse_fs_getattr(fs, "/a", &st, NULL);
	fuse_fs_getattr(fs, "/a", &st, &fi);
	fuse_fs_unlink(fs, "/x");
	fuse_fs_rename(fs, "/x", "/y", 1);
	assert_int_equal(fuse_fs_open(fs, "/f", &fi), 0);
	fuse_fs_lock(fs, "/f", &fi, F_SETLK, &lk);
	fuse_fs_flock(fs, "/f", &fi, LOCK_EX | LOCK_NB);
	fuse_fs_fsync(fs, "/f", 1, &fi);
	fuse_fs_chmod(fs, "/f", 0644, NULL);
	assert_string_equal(logbuf,
		"getattr[NULL] /a\n"
		"getattr[0] /a\n"
		"unlink /x\n"
		"rename /x /y 0x1\n"
		"open flags: 0x2 /f\n"
		"   open[42] flags: 0x2 /f\n"
		"lock[42] F_SETLK F_WRLCK start: 1 len: 2 pid: 3\n"
		"lock[42] LOCK_EX|LOCK_NB\n"
		"fsync[42] datasync: 1\n"
		"chmod[NULL] /f 644\n");
	fs->op.destroy = NULL;
	fuse_fs_destroy(fs);
}

static void test_debug_io_trace(void **state)
{
	struct fuse_operations ops = { .read = data_read, .write = r_write };
	struct fuse_fs *fs = fuse_fs_new(&ops, sizeof(ops), NULL);
	struct fuse_file_info fi = { .fh = 5, .flags = O_RDONLY };
	struct fuse_bufvec *bv = NULL;
	char buf[4];

	(void)state;
	fs->debug = 1;
	assert_int_equal(fuse_fs_read(fs, "/f", buf, 4, 2, &fi), 4);
	assert_int_equal(fuse_fs_read_buf(fs, "/f", &bv, 4, 8, &fi), 0);
	free(bv->buf[0].mem);
	free(bv);
	assert_int_equal(fuse_fs_write(fs, "/f", "ab", 2, 6, &fi), R_WRITE);
	assert_string_equal(logbuf,
		"read[5] 4 bytes from 2 flags: 0x0\n"
		"   read[5] 4 bytes from 2\n"
		"read[5] 4 bytes from 8 flags: 0x0\n"
		"   read[5] 2 bytes from 8\n"
		"write[5] 2 bytes to 6 flags: 0x0\n"
		"   write[5] 115 bytes to 6\n"
		"fuse: wrote too many bytes\n");
	fuse_fs_destroy(fs);
}

/* lf_hl_fs_unwind tears down upper layers and leaves the base alone. */
static int unwind_destroys;

static void count_destroy(void *data)
{
	struct fuse_fs *below = data;

	unwind_destroys++;
	fuse_fs_destroy(below);
}

static void test_unwind(void **state)
{
	struct fuse_operations base_ops = { .destroy = r_destroy };
	struct fuse_operations layer_ops = { .destroy = count_destroy };
	struct fuse_fs *base = fuse_fs_new(&base_ops, sizeof(base_ops), NULL);
	struct fuse_fs *mid, *top;

	(void)state;
	mid = fuse_fs_new(&layer_ops, sizeof(layer_ops), base);
	top = fuse_fs_new(&layer_ops, sizeof(layer_ops), mid);
	memset(&rec, 0, sizeof(rec));
	unwind_destroys = 0;
	lf_hl_fs_unwind(top, base);
	assert_int_equal(unwind_destroys, 2);
	assert_int_equal(rec.calls, 0);		/* base's destroy not run */
	assert_null(base->m);
	lf_hl_fs_unwind(base, base);		/* nothing to do */
	fuse_fs_destroy(base);
	expect_op("destroy", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forward_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forward_io, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_buf_fallback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_via_read_buf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_buf_fallback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_new_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_destroy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_context_private, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_debug_trace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_debug_io_trace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unwind, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

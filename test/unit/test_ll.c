// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the opcode decoders in lib/ll/: each request goes in as
 * kernel bytes, the filesystem op must see the decoded arguments, the
 * reply (or its absence) is checked, and malformed variants must get an
 * error answer while the session keeps working.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fake.h"
#include "ll/ll.h"

/* What the last filesystem op saw. */
static struct {
	int calls;
	const char *op;
	fuse_ino_t ino, ino2;
	char name[64], name2[64];
	uint64_t a, b, c;
	int i;
	bool fi_null;
	struct fuse_file_info fi, fi2;
	struct stat st;
	struct flock fl;
	mode_t umask;
	char data[64];
	size_t datalen;
	struct fuse_pollhandle *ph;
	struct fuse_forget_data forgets[8];
	size_t nforgets;
} R;

static void rec(fuse_req_t req, const char *op, fuse_ino_t ino)
{
	R.calls++;
	R.op = op;
	R.ino = ino;
	R.umask = fuse_req_ctx(req)->umask;
}

static void rec_str(char *dst, const char *s)
{
	snprintf(dst, sizeof(R.name), "%s", s);
}

static void rec_fi(const struct fuse_file_info *fi)
{
	R.fi_null = fi == NULL;
	if (fi)
		R.fi = *fi;
}

static void rec_data(const void *p, size_t n)
{
	R.datalen = n;
	memcpy(R.data, p, n < sizeof(R.data) ? n : sizeof(R.data));
}

static void ok(fuse_req_t req)
{
	fuse_reply_err(req, 0);
}

static void op_lookup(fuse_req_t req, fuse_ino_t p, const char *name)
{
	rec(req, "lookup", p);
	rec_str(R.name, name);
	ok(req);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	rec(req, "forget", ino);
	R.a = nlookup;
	if (R.nforgets < 8)
		R.forgets[R.nforgets++] =
			(struct fuse_forget_data){ ino, nlookup };
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *f)
{
	rec(req, "forget_multi", 0);
	R.nforgets = count;
	memcpy(R.forgets, f, (count < 8 ? count : 8) * sizeof(*f));
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	rec(req, "getattr", ino);
	rec_fi(fi);
	ok(req);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *st,
		       int valid, struct fuse_file_info *fi)
{
	rec(req, "setattr", ino);
	R.st = *st;
	R.i = valid;
	rec_fi(fi);
	ok(req);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	rec(req, "readlink", ino);
	ok(req);
}

static void op_mknod(fuse_req_t req, fuse_ino_t p, const char *name,
		     mode_t mode, dev_t rdev)
{
	rec(req, "mknod", p);
	rec_str(R.name, name);
	R.a = mode;
	R.b = rdev;
	ok(req);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t p, const char *name,
		     mode_t mode)
{
	rec(req, "mkdir", p);
	rec_str(R.name, name);
	R.a = mode;
	ok(req);
}

static void op_unlink(fuse_req_t req, fuse_ino_t p, const char *name)
{
	rec(req, "unlink", p);
	rec_str(R.name, name);
	ok(req);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t p, const char *name)
{
	rec(req, "rmdir", p);
	rec_str(R.name, name);
	ok(req);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t p,
		       const char *name)
{
	rec(req, "symlink", p);
	rec_str(R.name, name);
	rec_str(R.name2, link);
	ok(req);
}

static void op_rename(fuse_req_t req, fuse_ino_t p, const char *name,
		      fuse_ino_t np, const char *newname, unsigned int flags)
{
	rec(req, "rename", p);
	rec_str(R.name, name);
	rec_str(R.name2, newname);
	R.ino2 = np;
	R.i = (int)flags;
	ok(req);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t np,
		    const char *newname)
{
	rec(req, "link", ino);
	R.ino2 = np;
	rec_str(R.name, newname);
	ok(req);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rec(req, "open", ino);
	rec_fi(fi);
	fi->fh = 0x55;
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	rec(req, "read", ino);
	R.a = size;
	R.b = (uint64_t)off;
	rec_fi(fi);
	fuse_reply_buf(req, "rd", 2);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	rec(req, "write", ino);
	rec_data(buf, size);
	R.a = size;
	R.b = (uint64_t)off;
	rec_fi(fi);
	fuse_reply_write(req, size);
}

static void op_write_buf(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_bufvec *bufv, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof(R.data));
	ssize_t n;

	rec(req, "write_buf", ino);
	dst.buf[0].mem = R.data;
	n = fuse_buf_copy(&dst, bufv, 0);
	assert_true(n >= 0);
	R.datalen = (size_t)n;
	R.a = fuse_buf_size(bufv);
	R.b = (uint64_t)off;
	rec_fi(fi);
	fuse_reply_write(req, (size_t)n);
}

static void op_fi(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rec(req, "fi", ino);
	rec_fi(fi);
	ok(req);
}

static void op_sync(fuse_req_t req, fuse_ino_t ino, int datasync,
		    struct fuse_file_info *fi)
{
	rec(req, "sync", ino);
	R.i = datasync;
	rec_fi(fi);
	ok(req);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	rec(req, "readdir", ino);
	R.a = size;
	R.b = (uint64_t)off;
	rec_fi(fi);
	ok(req);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	op_readdir(req, ino, size, off, fi);
	R.op = "readdirplus";
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	rec(req, "statfs", ino);
	ok(req);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	rec(req, "setxattr", ino);
	rec_str(R.name, name);
	rec_data(value, size);
	R.a = size;
	R.i = flags;
	ok(req);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	rec(req, "getxattr", ino);
	rec_str(R.name, name);
	R.a = size;
	fuse_reply_xattr(req, 11);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	rec(req, "listxattr", ino);
	R.a = size;
	ok(req);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	rec(req, "removexattr", ino);
	rec_str(R.name, name);
	ok(req);
}

static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	rec(req, "access", ino);
	R.i = mask;
	ok(req);
}

static void op_create(fuse_req_t req, fuse_ino_t p, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	rec(req, "create", p);
	rec_str(R.name, name);
	R.a = mode;
	rec_fi(fi);
	ok(req);
}

static void op_getlk(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, struct flock *fl)
{
	rec(req, "getlk", ino);
	rec_fi(fi);
	R.fl = *fl;
	ok(req);
}

static void op_setlk(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, struct flock *fl, int sleep)
{
	rec(req, "setlk", ino);
	rec_fi(fi);
	R.fl = *fl;
	R.i = sleep;
	ok(req);
}

static void op_flock(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, int op)
{
	rec(req, "flock", ino);
	rec_fi(fi);
	R.i = op;
	ok(req);
}

static void op_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize,
		    uint64_t idx)
{
	rec(req, "bmap", ino);
	R.a = blocksize;
	R.b = idx;
	fuse_reply_bmap(req, idx * 2);
}

static void op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		     void *arg, struct fuse_file_info *fi, unsigned int flags,
		     const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	rec(req, "ioctl", ino);
	R.a = cmd;
	R.b = (uintptr_t)arg;
	R.c = out_bufsz;
	R.i = (int)flags;
	R.datalen = in_bufsz;
	if (in_buf)
		rec_data(in_buf, in_bufsz);
	else
		R.data[0] = 'N';
	rec_fi(fi);
	fuse_reply_ioctl(req, 0, NULL, 0);
}

static void op_poll(fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	rec(req, "poll", ino);
	rec_fi(fi);
	R.ph = ph;
	fuse_reply_poll(req, 1);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			 off_t offset, off_t length, struct fuse_file_info *fi)
{
	rec(req, "fallocate", ino);
	R.i = mode;
	R.a = (uint64_t)offset;
	R.b = (uint64_t)length;
	rec_fi(fi);
	ok(req);
}

static void op_copy(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
		    struct fuse_file_info *fi_in, fuse_ino_t ino_out,
		    off_t off_out, struct fuse_file_info *fi_out, size_t len,
		    int flags)
{
	rec(req, "copy_file_range", ino_in);
	R.a = (uint64_t)off_in;
	R.fi = *fi_in;
	R.ino2 = ino_out;
	R.b = (uint64_t)off_out;
	R.fi2 = *fi_out;
	R.c = len;
	R.i = flags;
	fuse_reply_write(req, len);
}

static void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	rec(req, "lseek", ino);
	R.a = (uint64_t)off;
	R.i = whence;
	rec_fi(fi);
	fuse_reply_lseek(req, off + 1);
}

#if !LF_ABI_314
static void op_tmpfile(fuse_req_t req, fuse_ino_t p, mode_t mode,
		       struct fuse_file_info *fi)
{
	rec(req, "tmpfile", p);
	R.a = mode;
	rec_fi(fi);
	ok(req);
}

static void op_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	rec(req, "statx", ino);
	R.i = flags;
	R.a = (uint32_t)mask;
	rec_fi(fi);
	ok(req);
}
#endif

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.forget = op_forget,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_fi,
	.release = op_fi,
	.fsync = op_sync,
	.opendir = op_fi,
	.readdir = op_readdir,
	.releasedir = op_fi,
	.fsyncdir = op_sync,
	.statfs = op_statfs,
	.setxattr = op_setxattr,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.removexattr = op_removexattr,
	.access = op_access,
	.create = op_create,
	.getlk = op_getlk,
	.setlk = op_setlk,
	.bmap = op_bmap,
	.ioctl = op_ioctl,
	.poll = op_poll,
	.flock = op_flock,
	.fallocate = op_fallocate,
	.readdirplus = op_readdirplus,
	.copy_file_range = op_copy,
	.lseek = op_lseek,
#if !LF_ABI_314
	.tmpfile = op_tmpfile,
	.statx = op_statx,
#endif
};

static struct fuse_session *session(const struct fuse_lowlevel_ops *o)
{
	struct fuse_session *se = fake_session_new(o, sizeof(*o), NULL);

	assert_non_null(se);
	fake_init(se, 45, FUSE_INIT_EXT);
	memset(&R, 0, sizeof(R));
	return se;
}

static int setup(void **state)
{
	*state = session(&ops);
	return 0;
}

static int teardown(void **state)
{
	fake_session_destroy(*state);
	return 0;
}

static uint64_t send2(struct fuse_session *se, uint32_t opcode,
		      uint64_t nodeid, const void *arg, size_t len,
		      const void *arg2, size_t len2)
{
	memset(&R, 0, sizeof(R));
	fake_clear(se);
	return fake_request(se, opcode, nodeid, arg, len, arg2, len2);
}

static uint64_t send1(struct fuse_session *se, uint32_t opcode,
		      uint64_t nodeid, const void *arg, size_t len)
{
	return send2(se, opcode, nodeid, arg, len, NULL, 0);
}

/* Exactly one reply, for this request, with this error; its payload. */
static const void *answered(struct fuse_session *se, uint64_t unique,
			    int err, size_t *ret_len)
{
	const struct fuse_out_header *oh;
	const void *p;

	assert_int_equal(fake_nreplies(se), 1);
	oh = fake_reply(se, 0, &p, ret_len);
	assert_int_equal(oh->unique, unique);
	assert_int_equal(oh->error, -err);
	return p;
}

static void answered_err(struct fuse_session *se, uint64_t unique, int err)
{
	size_t len;

	answered(se, unique, err, &len);
	assert_int_equal(len, 0);
}

/* A malformed request: error answer, and the op was never called. */
static void rejected(struct fuse_session *se, uint64_t unique)
{
	answered_err(se, unique, EIO);
	assert_int_equal(R.calls, 0);
}

static void still_works(struct fuse_session *se)
{
	uint64_t u = send1(se, FUSE_LOOKUP, 1, "ok", 3);

	answered_err(se, u, 0);
	assert_string_equal(R.op, "lookup");
	assert_string_equal(R.name, "ok");
}

static void test_names(void **state)
{
	struct fuse_session *se = *state;
	uint64_t u;

	u = send1(se, FUSE_LOOKUP, 7, "file", 5);
	answered_err(se, u, 0);
	assert_int_equal(R.calls, 1);
	assert_int_equal(R.ino, 7);
	assert_string_equal(R.name, "file");
	u = send1(se, FUSE_LOOKUP, 7, "file", 4);
	rejected(se, u);
	still_works(se);

	u = send1(se, FUSE_UNLINK, 3, "gone", 5);
	answered_err(se, u, 0);
	assert_string_equal(R.op, "unlink");
	assert_string_equal(R.name, "gone");
	u = send1(se, FUSE_RMDIR, 4, "dir", 4);
	answered_err(se, u, 0);
	assert_string_equal(R.op, "rmdir");
	assert_int_equal(R.ino, 4);
	u = send1(se, FUSE_RMDIR, 4, "dir", 3);
	rejected(se, u);
	u = send1(se, FUSE_REMOVEXATTR, 4, "user.x", 6);
	rejected(se, u);
	u = send1(se, FUSE_READLINK, 9, NULL, 0);
	answered_err(se, u, 0);
	assert_string_equal(R.op, "readlink");
	assert_int_equal(R.ino, 9);
}

static void test_forget(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_forget_in fin = { .nlookup = 3 };
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one[3];
	} b = { { 3, 0 }, { { 10, 1 }, { 11, 2 }, { 12, 3 } } };

	send1(se, FUSE_FORGET, 5, &fin, sizeof(fin));
	assert_int_equal(fake_nreplies(se), 0);
	assert_int_equal(R.ino, 5);
	assert_int_equal(R.a, 3);

	/* without forget_multi every entry goes to ->forget */
	send1(se, FUSE_BATCH_FORGET, 0, &b, sizeof(b));
	assert_int_equal(fake_nreplies(se), 0);
	assert_int_equal(R.calls, 3);
	assert_int_equal(R.nforgets, 3);
	assert_int_equal(R.forgets[0].ino, 10);
	assert_int_equal(R.forgets[2].ino, 12);
	assert_int_equal(R.forgets[2].nlookup, 3);

	/* a count the payload does not hold is dropped, silently */
	b.h.count = 4;
	send1(se, FUSE_BATCH_FORGET, 0, &b, sizeof(b));
	b.h.count = 0xffffffffu;
	send1(se, FUSE_BATCH_FORGET, 0, &b, sizeof(b));
	assert_int_equal(fake_nreplies(se), 0);
	assert_int_equal(R.calls, 0);
	still_works(se);
}

static void test_forget_multi(void **state)
{
	struct fuse_lowlevel_ops o = { .forget_multi = op_forget_multi };
	struct fuse_session *se = session(&o);
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one[2];
	} b = { { 2, 0 }, { { 20, 5 }, { 21, 6 } } };

	(void)state;
	send1(se, FUSE_BATCH_FORGET, 0, &b, sizeof(b));
	assert_int_equal(fake_nreplies(se), 0);
	assert_int_equal(R.calls, 1);
	assert_int_equal(R.nforgets, 2);
	assert_int_equal(R.forgets[1].ino, 21);
	assert_int_equal(R.forgets[1].nlookup, 6);
	fake_session_destroy(se);
}

static void test_getattr_setattr(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_getattr_in ga = { .getattr_flags = FUSE_GETATTR_FH,
				      .fh = 99 };
	struct fuse_setattr_in sa;
	uint64_t u;

	u = send1(se, FUSE_GETATTR, 2, &ga, sizeof(ga));
	answered_err(se, u, 0);
	assert_false(R.fi_null);
	assert_int_equal(R.fi.fh, 99);
	ga.getattr_flags = 0;
	send1(se, FUSE_GETATTR, 2, &ga, sizeof(ga));
	assert_true(R.fi_null);

	memset(&sa, 0, sizeof(sa));
	sa.valid = FATTR_MODE | FATTR_SIZE | FATTR_FH | FATTR_LOCKOWNER |
		   FATTR_ATIME | FATTR_MTIME_NOW | FATTR_KILL_SUIDGID |
		   FATTR_CTIME;
	sa.fh = 31;
	sa.mode = 0600;
	sa.size = 4096;
	sa.atime = 111;
	sa.atimensec = 222;
	sa.ctime = 333;
	sa.uid = 5;
	sa.gid = 6;
	u = send1(se, FUSE_SETATTR, 8, &sa, sizeof(sa));
	answered_err(se, u, 0);
	assert_int_equal(R.ino, 8);
	assert_int_equal(R.i, FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_SIZE |
			 FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME_NOW |
			 FUSE_SET_ATTR_KILL_SUID | FUSE_SET_ATTR_CTIME);
	assert_false(R.fi_null);
	assert_int_equal(R.fi.fh, 31);
	assert_int_equal(R.st.st_mode, 0600);
	assert_int_equal(R.st.st_size, 4096);
	assert_int_equal(R.st.st_atim.tv_sec, 111);
	assert_int_equal(R.st.st_atim.tv_nsec, 222);
	assert_int_equal(R.st.st_ctim.tv_sec, 333);
	assert_int_equal(R.st.st_uid, 5);
	assert_int_equal(R.st.st_gid, 6);
	sa.valid = FATTR_UID;
	send1(se, FUSE_SETATTR, 8, &sa, sizeof(sa));
	assert_true(R.fi_null);
	assert_int_equal(R.i, FUSE_SET_ATTR_UID);
}

static void test_mknod_mkdir(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_mknod_in mn = { .mode = S_IFIFO | 0640, .rdev = 0x0801,
				    .umask = 022 };
	struct fuse_mkdir_in md = { .mode = 0755, .umask = 077 };
	uint64_t u;

	u = send2(se, FUSE_MKNOD, 1, &mn, sizeof(mn), "fifo", 5);
	answered_err(se, u, 0);
	assert_string_equal(R.op, "mknod");
	assert_string_equal(R.name, "fifo");
	assert_int_equal(R.a, S_IFIFO | 0640);
	assert_int_equal(R.b, 0x0801);
	assert_int_equal(R.umask, 022);
	u = send2(se, FUSE_MKNOD, 1, &mn, sizeof(mn), "fifo", 4);
	rejected(se, u);

	/* before 7.12 the name follows the 8-byte argument, no umask */
	se->proto_minor = 11;
	send2(se, FUSE_MKNOD, 1, &mn, FUSE_COMPAT_MKNOD_IN_SIZE, "old", 4);
	assert_string_equal(R.name, "old");
	assert_int_equal(R.umask, 0);
	send2(se, FUSE_MKDIR, 1, &md, sizeof(md), "d", 2);
	assert_int_equal(R.umask, 0);
	se->proto_minor = 45;

	u = send2(se, FUSE_MKDIR, 6, &md, sizeof(md), "sub", 4);
	answered_err(se, u, 0);
	assert_string_equal(R.op, "mkdir");
	assert_int_equal(R.ino, 6);
	assert_string_equal(R.name, "sub");
	assert_int_equal(R.a, 0755);
	assert_int_equal(R.umask, 077);
	u = send2(se, FUSE_MKDIR, 6, &md, sizeof(md), "xx", 2);
	rejected(se, u);
}

static void test_symlink_link_rename(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_link_in li = { .oldnodeid = 33 };
	struct fuse_rename_in rn = { .newdir = 44 };
	struct fuse_rename2_in rn2 = { .newdir = 45, .flags = 1 };
	uint64_t u;

	/* new name first, then the link target */
	u = send1(se, FUSE_SYMLINK, 2, "lnk\0/target", 12);
	answered_err(se, u, 0);
	assert_string_equal(R.name, "lnk");
	assert_string_equal(R.name2, "/target");
	assert_int_equal(R.ino, 2);
	u = send1(se, FUSE_SYMLINK, 2, "lnk\0/target", 11);
	rejected(se, u);

	u = send2(se, FUSE_LINK, 3, &li, sizeof(li), "hard", 5);
	answered_err(se, u, 0);
	assert_int_equal(R.ino, 33);
	assert_int_equal(R.ino2, 3);
	assert_string_equal(R.name, "hard");

	u = send2(se, FUSE_RENAME, 4, &rn, sizeof(rn), "a\0bb", 5);
	answered_err(se, u, 0);
	assert_int_equal(R.ino, 4);
	assert_int_equal(R.ino2, 44);
	assert_string_equal(R.name, "a");
	assert_string_equal(R.name2, "bb");
	assert_int_equal(R.i, 0);
	u = send2(se, FUSE_RENAME2, 4, &rn2, sizeof(rn2), "a\0bb", 5);
	answered_err(se, u, 0);
	assert_int_equal(R.ino2, 45);
	assert_int_equal(R.i, 1);
	/* the second name runs off the end */
	u = send2(se, FUSE_RENAME2, 4, &rn2, sizeof(rn2), "a\0bb", 4);
	rejected(se, u);
	still_works(se);
}

static void test_open_create(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_open_in oi = { .flags = O_RDWR | O_APPEND };
	struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT,
				     .mode = S_IFREG | 0600, .umask = 027 };
	const struct fuse_open_out *oo;
	size_t len;
	uint64_t u;

	u = send1(se, FUSE_OPEN, 5, &oi, sizeof(oi));
	oo = answered(se, u, 0, &len);
	assert_int_equal(len, sizeof(*oo));
	assert_int_equal(oo->fh, 0x55);
	assert_int_equal(R.fi.flags, O_RDWR | O_APPEND);

	u = send2(se, FUSE_CREATE, 1, &ci, sizeof(ci), "new", 4);
	answered_err(se, u, 0);
	assert_string_equal(R.name, "new");
	assert_int_equal(R.a, S_IFREG | 0600);
	assert_int_equal(R.fi.flags, O_WRONLY | O_CREAT);
	assert_int_equal(R.umask, 027);
	u = send2(se, FUSE_CREATE, 1, &ci, sizeof(ci), "new", 3);
	rejected(se, u);
	/* before 7.12: {flags, mode} then the name */
	se->proto_minor = 11;
	send2(se, FUSE_CREATE, 1, &ci, sizeof(struct fuse_open_in), "o", 2);
	assert_string_equal(R.name, "o");
	assert_int_equal(R.a, S_IFREG | 0600);
	assert_int_equal(R.umask, 0);
	se->proto_minor = 45;
}

static void test_read_write(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_read_in ri = { .fh = 3, .offset = 1 << 20, .size = 4096,
				   .read_flags = FUSE_READ_LOCKOWNER,
				   .lock_owner = 0xfeed, .flags = O_RDONLY };
	struct fuse_write_in wi = { .fh = 4, .offset = 77, .size = 5,
				    .write_flags = FUSE_WRITE_CACHE,
				    .lock_owner = 0xbeef, .flags = O_WRONLY };
	size_t len;
	uint64_t u;

	u = send1(se, FUSE_READ, 9, &ri, sizeof(ri));
	assert_memory_equal(answered(se, u, 0, &len), "rd", 2);
	assert_int_equal(R.a, 4096);
	assert_int_equal(R.b, 1 << 20);
	assert_int_equal(R.fi.fh, 3);
	assert_int_equal(R.fi.lock_owner, 0xfeed);
	assert_int_equal(R.fi.flags, O_RDONLY);

	u = send2(se, FUSE_WRITE, 9, &wi, sizeof(wi), "hello", 5);
	assert_int_equal(*(const uint32_t *)answered(se, u, 0, &len), 5);
	assert_int_equal(R.datalen, 5);
	assert_memory_equal(R.data, "hello", 5);
	assert_int_equal(R.b, 77);
	assert_int_equal(R.fi.fh, 4);
	assert_int_equal(R.fi.writepage, 1);
	assert_int_equal(R.fi.lock_owner, 0xbeef);
	assert_int_equal(R.fi.flags, O_WRONLY);
	/* more data announced than carried */
	wi.size = 6;
	u = send2(se, FUSE_WRITE, 9, &wi, sizeof(wi), "hello", 5);
	rejected(se, u);
	wi.size = 0xffffffffu;
	u = send2(se, FUSE_WRITE, 9, &wi, sizeof(wi), "hello", 5);
	rejected(se, u);

	/* before 7.9: 24-byte write_in, no lock_owner/flags */
	se->proto_minor = 8;
	wi.size = 3;
	wi.write_flags = 0;
	send2(se, FUSE_WRITE, 9, &wi, FUSE_COMPAT_WRITE_IN_SIZE, "abc", 3);
	assert_memory_equal(R.data, "abc", 3);
	assert_int_equal(R.fi.lock_owner, 0);
	assert_int_equal(R.fi.writepage, 0);
	send1(se, FUSE_READ, 9, &ri, sizeof(ri));
	assert_int_equal(R.fi.lock_owner, 0);
	se->proto_minor = 45;
}

static void test_write_buf(void **state)
{
	struct fuse_lowlevel_ops o = { .write = op_write,
				       .write_buf = op_write_buf };
	struct fuse_session *se = session(&o);
	struct fuse_write_in wi = { .fh = 4, .offset = 9, .size = 3 };
	size_t len;
	uint64_t u;

	(void)state;
	/* write_buf wins over write, and sees exactly size bytes */
	u = send2(se, FUSE_WRITE, 2, &wi, sizeof(wi), "xyzw", 4);
	assert_int_equal(*(const uint32_t *)answered(se, u, 0, &len), 3);
	assert_string_equal(R.op, "write_buf");
	assert_int_equal(R.a, 3);
	assert_memory_equal(R.data, "xyz", 3);
	assert_int_equal(R.b, 9);
	assert_int_equal(R.fi.fh, 4);
	wi.size = 5;
	u = send2(se, FUSE_WRITE, 2, &wi, sizeof(wi), "xyzw", 4);
	rejected(se, u);
	fake_session_destroy(se);
}

static void test_flush_release_sync(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_flush_in fl = { .fh = 6, .lock_owner = 0x77 };
	struct fuse_release_in rl = {
		.fh = 7, .flags = O_RDWR, .lock_owner = 0x88,
		.release_flags = FUSE_RELEASE_FLUSH | FUSE_RELEASE_FLOCK_UNLOCK,
	};
	struct fuse_fsync_in fs = { .fh = 8, .fsync_flags = 1 };
	uint64_t u;

	u = send1(se, FUSE_FLUSH, 1, &fl, sizeof(fl));
	answered_err(se, u, 0);
	assert_int_equal(R.fi.fh, 6);
	assert_int_equal(R.fi.flush, 1);
	assert_int_equal(R.fi.lock_owner, 0x77);

	u = send1(se, FUSE_RELEASE, 1, &rl, sizeof(rl));
	answered_err(se, u, 0);
	assert_int_equal(R.fi.fh, 7);
	assert_int_equal(R.fi.flags, O_RDWR);
	assert_int_equal(R.fi.flush, 1);
	assert_int_equal(R.fi.flock_release, 1);
	assert_int_equal(R.fi.lock_owner, 0x88);
	rl.release_flags = 0;
	send1(se, FUSE_RELEASE, 1, &rl, sizeof(rl));
	assert_int_equal(R.fi.flush, 0);
	assert_int_equal(R.fi.flock_release, 0);

	u = send1(se, FUSE_FSYNC, 1, &fs, sizeof(fs));
	answered_err(se, u, 0);
	assert_int_equal(R.i, 1);
	assert_int_equal(R.fi.fh, 8);
	fs.fsync_flags = 0;
	send1(se, FUSE_FSYNCDIR, 1, &fs, sizeof(fs));
	assert_int_equal(R.calls, 1);
	assert_int_equal(R.i, 0);
}

static void test_dirs(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_open_in oi = { .flags = O_RDONLY | O_DIRECTORY };
	struct fuse_read_in ri = { .fh = 12, .offset = 3, .size = 4096 };
	struct fuse_release_in rl = { .fh = 13, .flags = O_RDONLY };
	uint64_t u;

	u = send1(se, FUSE_OPENDIR, 1, &oi, sizeof(oi));
	answered_err(se, u, 0);
	assert_int_equal(R.fi.flags, O_RDONLY | O_DIRECTORY);
	u = send1(se, FUSE_READDIR, 1, &ri, sizeof(ri));
	answered_err(se, u, 0);
	assert_string_equal(R.op, "readdir");
	assert_int_equal(R.a, 4096);
	assert_int_equal(R.b, 3);
	assert_int_equal(R.fi.fh, 12);
	u = send1(se, FUSE_READDIRPLUS, 1, &ri, sizeof(ri));
	answered_err(se, u, 0);
	assert_string_equal(R.op, "readdirplus");
	assert_int_equal(R.fi.fh, 12);
	u = send1(se, FUSE_RELEASEDIR, 1, &rl, sizeof(rl));
	answered_err(se, u, 0);
	assert_int_equal(R.fi.fh, 13);
	assert_int_equal(R.fi.flags, O_RDONLY);
}

static void test_xattr(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_setxattr_in sx = { .size = 3, .flags = 1 };
	struct fuse_getxattr_in gx = { .size = 100 };
	size_t len;
	uint64_t u;

	/* without FUSE_SETXATTR_EXT the name follows 8 bytes in */
	u = send2(se, FUSE_SETXATTR, 2, &sx, FUSE_COMPAT_SETXATTR_IN_SIZE,
		  "user.a\0v\0w", 10);
	answered_err(se, u, 0);
	assert_string_equal(R.name, "user.a");
	assert_int_equal(R.a, 3);
	assert_memory_equal(R.data, "v\0w", 3);
	assert_int_equal(R.i, 1);
	sx.size = 4;
	u = send2(se, FUSE_SETXATTR, 2, &sx, FUSE_COMPAT_SETXATTR_IN_SIZE,
		  "user.a\0v\0w", 10);
	rejected(se, u);
	u = send2(se, FUSE_SETXATTR, 2, &sx, FUSE_COMPAT_SETXATTR_IN_SIZE,
		  "user.a", 6);
	rejected(se, u);

	se->lconn.want |= LF_CAP_SETXATTR_EXT;
	sx.size = 2;
	u = send2(se, FUSE_SETXATTR, 2, &sx, sizeof(sx), "user.b\0hi", 9);
	answered_err(se, u, 0);
	assert_string_equal(R.name, "user.b");
	assert_memory_equal(R.data, "hi", 2);
	se->lconn.want &= ~LF_CAP_SETXATTR_EXT;

	u = send2(se, FUSE_GETXATTR, 2, &gx, sizeof(gx), "user.c", 7);
	assert_int_equal(*(const uint32_t *)answered(se, u, 0, &len), 11);
	assert_int_equal(len, sizeof(struct fuse_getxattr_out));
	assert_string_equal(R.name, "user.c");
	assert_int_equal(R.a, 100);
	u = send2(se, FUSE_GETXATTR, 2, &gx, sizeof(gx), "user.c", 6);
	rejected(se, u);
	u = send1(se, FUSE_LISTXATTR, 2, &gx, sizeof(gx));
	answered_err(se, u, 0);
	assert_int_equal(R.a, 100);
	u = send1(se, FUSE_REMOVEXATTR, 2, "user.d", 7);
	answered_err(se, u, 0);
	assert_string_equal(R.name, "user.d");
}

static void test_locks(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_lk_in lk = { .fh = 5, .owner = 0xabc,
				 .lk = { .start = 10, .end = 19,
					 .type = F_WRLCK, .pid = 42 } };
	uint64_t u;

	u = send1(se, FUSE_GETLK, 1, &lk, sizeof(lk));
	answered_err(se, u, 0);
	assert_string_equal(R.op, "getlk");
	assert_int_equal(R.fi.fh, 5);
	assert_int_equal(R.fi.lock_owner, 0xabc);
	assert_int_equal(R.fl.l_type, F_WRLCK);
	assert_int_equal(R.fl.l_whence, SEEK_SET);
	assert_int_equal(R.fl.l_start, 10);
	assert_int_equal(R.fl.l_len, 10);
	assert_int_equal(R.fl.l_pid, 42);

	lk.lk.end = 0x7fffffffffffffffULL;
	send1(se, FUSE_SETLK, 1, &lk, sizeof(lk));
	assert_string_equal(R.op, "setlk");
	assert_int_equal(R.fl.l_len, 0);
	assert_int_equal(R.i, 0);
	send1(se, FUSE_SETLKW, 1, &lk, sizeof(lk));
	assert_int_equal(R.i, 1);

	/* flock(2) locks go to ->flock; only SETLK is non-blocking */
	lk.lk_flags = FUSE_LK_FLOCK;
	send1(se, FUSE_SETLK, 1, &lk, sizeof(lk));
	assert_string_equal(R.op, "flock");
	assert_int_equal(R.i, LOCK_EX | LOCK_NB);
	assert_int_equal(R.fi.lock_owner, 0xabc);
	send1(se, FUSE_SETLKW, 1, &lk, sizeof(lk));
	assert_int_equal(R.i, LOCK_EX);
	lk.lk.type = F_RDLCK;
	send1(se, FUSE_SETLKW, 1, &lk, sizeof(lk));
	assert_int_equal(R.i, LOCK_SH);
	lk.lk.type = F_UNLCK;
	u = send1(se, FUSE_SETLK, 1, &lk, sizeof(lk));
	answered_err(se, u, 0);
	assert_int_equal(R.i, LOCK_UN | LOCK_NB);
}

static void test_misc(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_access_in ai = { .mask = 6 };
	struct fuse_bmap_in bi = { .block = 100, .blocksize = 512 };
	struct fuse_fallocate_in fa = { .fh = 2, .offset = 10, .length = 20,
					.mode = 1 };
	struct fuse_lseek_in ls = { .fh = 3, .offset = 50, .whence = 3 };
	size_t len;
	uint64_t u;

	u = send1(se, FUSE_ACCESS, 4, &ai, sizeof(ai));
	answered_err(se, u, 0);
	assert_int_equal(R.i, 6);
	u = send1(se, FUSE_STATFS, 4, NULL, 0);
	answered_err(se, u, 0);
	assert_string_equal(R.op, "statfs");
	assert_int_equal(R.ino, 4);
	u = send1(se, FUSE_BMAP, 4, &bi, sizeof(bi));
	assert_int_equal(*(const uint64_t *)answered(se, u, 0, &len), 200);
	assert_int_equal(R.a, 512);
	assert_int_equal(R.b, 100);
	u = send1(se, FUSE_FALLOCATE, 4, &fa, sizeof(fa));
	answered_err(se, u, 0);
	assert_int_equal(R.i, 1);
	assert_int_equal(R.a, 10);
	assert_int_equal(R.b, 20);
	assert_int_equal(R.fi.fh, 2);
	u = send1(se, FUSE_LSEEK, 4, &ls, sizeof(ls));
	assert_int_equal(*(const uint64_t *)answered(se, u, 0, &len), 51);
	assert_int_equal(R.a, 50);
	assert_int_equal(R.i, 3);
	assert_int_equal(R.fi.fh, 3);
}

static void test_copy_file_range(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_copy_file_range_in cf = {
		.fh_in = 1, .off_in = 2, .nodeid_out = 3, .fh_out = 4,
		.off_out = 5, .len = 0x200000000ULL, .flags = 0,
	};
	size_t len;
	uint64_t u;

	/* the 32-bit reply caps the old opcode's length */
	u = send1(se, FUSE_COPY_FILE_RANGE, 10, &cf, sizeof(cf));
	assert_int_equal(*(const uint32_t *)answered(se, u, 0, &len),
			 0xfffff000u);
	assert_int_equal(len, sizeof(struct fuse_write_out));
	assert_int_equal(R.ino, 10);
	assert_int_equal(R.a, 2);
	assert_int_equal(R.fi.fh, 1);
	assert_int_equal(R.ino2, 3);
	assert_int_equal(R.fi2.fh, 4);
	assert_int_equal(R.b, 5);
	assert_int_equal(R.c, 0xfffff000u);

	u = send1(se, FUSE_COPY_FILE_RANGE_64, 10, &cf, sizeof(cf));
	assert_int_equal(*(const uint64_t *)answered(se, u, 0, &len),
			 0x200000000ULL);
	assert_int_equal(len, sizeof(struct fuse_copy_file_range_out));
	assert_int_equal(R.c, 0x200000000ULL);
}

static void test_ioctl(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_ioctl_in io = { .fh = 7, .flags = FUSE_IOCTL_UNRESTRICTED,
				    .cmd = 0x80045401u, .arg = 0x1000,
				    .in_size = 4, .out_size = 8 };
	size_t len;
	uint64_t u;

	u = send2(se, FUSE_IOCTL, 3, &io, sizeof(io), "abcd", 4);
	answered(se, u, 0, &len);
	assert_int_equal(len, sizeof(struct fuse_ioctl_out));
	assert_int_equal(R.a, 0x80045401u);
	assert_int_equal(R.b, 0x1000);
	assert_int_equal(R.c, 8);
	assert_int_equal(R.i, FUSE_IOCTL_UNRESTRICTED);
	assert_int_equal(R.datalen, 4);
	assert_memory_equal(R.data, "abcd", 4);
	assert_int_equal(R.fi.fh, 7);
	io.in_size = 0;
	send1(se, FUSE_IOCTL, 3, &io, sizeof(io));
	assert_int_equal(R.data[0], 'N');	/* in_buf NULL */
	io.in_size = 5;
	u = send2(se, FUSE_IOCTL, 3, &io, sizeof(io), "abcd", 4);
	rejected(se, u);

	/* directory ioctls need FUSE_CAP_IOCTL_DIR */
	io.in_size = 0;
	io.flags = FUSE_IOCTL_DIR;
	se->lconn.want &= ~(uint64_t)FUSE_CAP_IOCTL_DIR;
	u = send1(se, FUSE_IOCTL, 3, &io, sizeof(io));
	answered_err(se, u, ENOTTY);
	assert_int_equal(R.calls, 0);
	se->lconn.want |= FUSE_CAP_IOCTL_DIR;
	send1(se, FUSE_IOCTL, 3, &io, sizeof(io));
	assert_int_equal(R.calls, 1);
	assert_int_equal(R.i, FUSE_IOCTL_DIR);
}

static void test_poll(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_poll_in pi = { .fh = 4, .kh = 0x1234, .flags = 0,
				   .events = POLLIN };
	const struct fuse_out_header *oh;
	const struct fuse_notify_poll_wakeup_out *w;
	size_t len;
	uint64_t u;

	u = send1(se, FUSE_POLL, 2, &pi, sizeof(pi));
	assert_int_equal(*(const uint32_t *)answered(se, u, 0, &len), 1);
	assert_null(R.ph);
	assert_int_equal(R.fi.fh, 4);
	assert_int_equal(R.fi.poll_events, POLLIN);

	pi.flags = FUSE_POLL_SCHEDULE_NOTIFY;
	send1(se, FUSE_POLL, 2, &pi, sizeof(pi));
	assert_non_null(R.ph);
	fake_clear(se);
	assert_int_equal(fuse_lowlevel_notify_poll(R.ph), 0);
	assert_int_equal(fake_nreplies(se), 1);
	oh = fake_reply(se, 0, (const void **)&w, &len);
	assert_int_equal(oh->unique, 0);
	assert_int_equal(oh->error, FUSE_NOTIFY_POLL);
	assert_int_equal(len, sizeof(*w));
	assert_int_equal(w->kh, 0x1234);
	fuse_pollhandle_destroy(R.ph);
}

#if !LF_ABI_314
static void test_tmpfile_statx(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_create_in ci = { .flags = O_RDWR | O_TMPFILE,
				     .mode = S_IFREG | 0600, .umask = 022 };
	struct fuse_statx_in sx = { .getattr_flags = FUSE_GETATTR_FH,
				    .fh = 6, .sx_flags = 0x800,
				    .sx_mask = 0xfff };
	uint64_t u;

	/* the kernel sends the tmpfile dentry's name too; it is unused */
	u = send2(se, FUSE_TMPFILE, 1, &ci, sizeof(ci), "/", 2);
	answered_err(se, u, 0);
	assert_string_equal(R.op, "tmpfile");
	assert_int_equal(R.a, S_IFREG | 0600);
	assert_int_equal(R.fi.flags, O_RDWR | O_TMPFILE);
	assert_int_equal(R.umask, 022);

	u = send1(se, FUSE_STATX, 5, &sx, sizeof(sx));
	answered_err(se, u, 0);
	assert_string_equal(R.op, "statx");
	assert_int_equal(R.i, 0x800);
	assert_int_equal(R.a, 0xfff);
	assert_false(R.fi_null);
	assert_int_equal(R.fi.fh, 6);
	sx.getattr_flags = 0;
	send1(se, FUSE_STATX, 5, &sx, sizeof(sx));
	assert_true(R.fi_null);
}
#endif

/* What libfuse answers for a filesystem that implements nothing. */
static void test_defaults(void **state)
{
	struct fuse_lowlevel_ops none = { 0 };
	struct fuse_session *se = session(&none);
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_release_in rl = { .fh = 1 };
	struct fuse_flush_in fl = { .fh = 1 };
	struct fuse_forget_in fg = { .nlookup = 1 };
	struct fuse_create_in ci = { .mode = 0600 };
	struct fuse_syncfs_in sf = { 0 };
	struct fuse_setupmapping_in sm = { 0 };
	const struct fuse_open_out *oo;
	const struct fuse_statfs_out *so;
	size_t len;
	uint64_t u;

	(void)state;
	u = send1(se, FUSE_OPEN, 2, &oi, sizeof(oi));
	oo = answered(se, u, 0, &len);
	assert_int_equal(len, sizeof(*oo));
	assert_int_equal(oo->fh, 0);
	assert_int_equal(oo->open_flags, 0);
	u = send1(se, FUSE_OPENDIR, 2, &oi, sizeof(oi));
	answered(se, u, 0, &len);
	assert_int_equal(len, sizeof(*oo));
	/* ENOSYS once the filesystem said open is optional */
	se->lconn.want |= FUSE_CAP_NO_OPEN_SUPPORT | FUSE_CAP_NO_OPENDIR_SUPPORT;
	answered_err(se, send1(se, FUSE_OPEN, 2, &oi, sizeof(oi)), ENOSYS);
	answered_err(se, send1(se, FUSE_OPENDIR, 2, &oi, sizeof(oi)), ENOSYS);

	answered_err(se, send1(se, FUSE_RELEASE, 2, &rl, sizeof(rl)), 0);
	answered_err(se, send1(se, FUSE_RELEASEDIR, 2, &rl, sizeof(rl)), 0);
	answered_err(se, send1(se, FUSE_FLUSH, 2, &fl, sizeof(fl)), ENOSYS);
	answered_err(se, send1(se, FUSE_LOOKUP, 1, "x", 2), ENOSYS);
	answered_err(se, send2(se, FUSE_CREATE, 1, &ci, sizeof(ci), "x", 2),
		     ENOSYS);
	answered_err(se, send2(se, FUSE_TMPFILE, 1, &ci, sizeof(ci), "/", 2),
		     ENOSYS);
	answered_err(se, send1(se, FUSE_SYNCFS, 1, &sf, sizeof(sf)), ENOSYS);
	answered_err(se, send1(se, FUSE_SETUPMAPPING, 1, &sm, sizeof(sm)),
		     ENOSYS);
	send1(se, FUSE_FORGET, 2, &fg, sizeof(fg));
	assert_int_equal(fake_nreplies(se), 0);

	u = send1(se, FUSE_STATFS, 1, NULL, 0);
	so = answered(se, u, 0, &len);
	assert_int_equal(len, sizeof(*so));
	assert_int_equal(so->st.namelen, 255);
	assert_int_equal(so->st.bsize, 512);
	assert_int_equal(so->st.blocks, 0);
	fake_session_destroy(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
		cmocka_unit_test(test_forget_multi),
		cmocka_unit_test_setup_teardown(test_getattr_setattr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mknod_mkdir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_link_rename, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup,
						teardown),
		cmocka_unit_test(test_write_buf),
		cmocka_unit_test_setup_teardown(test_flush_release_sync, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_file_range, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ioctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
#if !LF_ABI_314
		cmocka_unit_test_setup_teardown(test_tmpfile_statx, setup,
						teardown),
#endif
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

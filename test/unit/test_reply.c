// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/reply.c and lib/passthrough.c: every fuse_reply_* is
 * given a parked request and the exact bytes that reach the (fake)
 * transport are checked, including the compat sizes of old protocols.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "ll/ll.h"

static fuse_req_t parked;

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	parked = req;
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	parked = req;
}

static void op_copy(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
		    struct fuse_file_info *fi_in, fuse_ino_t ino_out,
		    off_t off_out, struct fuse_file_info *fi_out, size_t len,
		    int flags)
{
	(void)ino_in; (void)off_in; (void)fi_in; (void)ino_out;
	(void)off_out; (void)fi_out; (void)len; (void)flags;
	parked = req;
}

static const struct fuse_lowlevel_ops ops = {
	.getattr = op_getattr,
	.forget = op_forget,
	.copy_file_range = op_copy,
};

static int setup(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);

	assert_non_null(se);
	fake_init(se, 45, FUSE_INIT_EXT);
	*state = se;
	return 0;
}

static int teardown(void **state)
{
	fake_session_destroy(*state);
	return 0;
}

/* Send a GETATTR (or another opcode) and return the request it parked. */
static fuse_req_t park_op(struct fuse_session *se, uint32_t opcode,
			  uint64_t *ret_unique)
{
	struct fuse_getattr_in ga = { 0 };
	struct fuse_copy_file_range_in cf = { .len = 1 };
	struct fuse_forget_in fg = { .nlookup = 1 };
	const void *arg = &ga;
	size_t len = sizeof(ga);
	uint64_t unique;

	if (opcode == FUSE_COPY_FILE_RANGE || opcode == FUSE_COPY_FILE_RANGE_64) {
		arg = &cf;
		len = sizeof(cf);
	} else if (opcode == FUSE_FORGET) {
		arg = &fg;
		len = sizeof(fg);
	}
	parked = NULL;
	fake_clear(se);
	unique = fake_request(se, opcode, 5, arg, len, NULL, 0);
	assert_non_null(parked);
	assert_int_equal(fake_nreplies(se), 0);
	if (ret_unique)
		*ret_unique = unique;
	return parked;
}

static fuse_req_t park(struct fuse_session *se, uint64_t *ret_unique)
{
	return park_op(se, FUSE_GETATTR, ret_unique);
}

/* The single reply sent since park(): header checked, payload returned. */
static const void *the_reply(struct fuse_session *se, uint64_t unique,
			     int err, size_t len)
{
	const struct fuse_out_header *oh;
	const void *p;
	size_t n;

	assert_int_equal(fake_nreplies(se), 1);
	oh = fake_reply(se, 0, &p, &n);
	assert_int_equal(oh->unique, unique);
	assert_int_equal(oh->error, -err);
	assert_int_equal(oh->len, sizeof(*oh) + len);
	assert_int_equal(n, len);
	return p;
}

/* A bufvec of two memory pieces (fuse_bufvec holds one inline). */
static struct fuse_bufvec *two_bufs(const char *a, const char *b)
{
	struct fuse_bufvec *v = calloc(1, sizeof(*v) + sizeof(struct fuse_buf));

	assert_non_null(v);
	v->count = 2;
	v->buf[0].mem = (void *)a;
	v->buf[0].size = strlen(a);
	v->buf[1].mem = (void *)b;
	v->buf[1].size = strlen(b);
	return v;
}

static void test_err(void **state)
{
	struct fuse_session *se = *state;
	uint64_t u;

	assert_int_equal(fuse_reply_err(park(se, &u), ENOENT), 0);
	the_reply(se, u, ENOENT, 0);
	assert_int_equal(fuse_reply_err(park(se, &u), 0), 0);
	the_reply(se, u, 0, 0);
	/* negative and unknown errnos become ERANGE, as in libfuse 3.18 */
	fuse_reply_err(park(se, &u), -EIO);
	the_reply(se, u, ERANGE, 0);
	fuse_reply_err(park(se, &u), 5000);
	the_reply(se, u, ERANGE, 0);
}

static void test_none(void **state)
{
	struct fuse_session *se = *state;

	fuse_reply_none(park(se, NULL));
	assert_int_equal(fake_nreplies(se), 0);
}

/* FORGET gets no answer, whatever the filesystem replies with. */
static void test_forget_never_answered(void **state)
{
	struct fuse_session *se = *state;

	assert_int_equal(fuse_reply_err(park_op(se, FUSE_FORGET, NULL), ENOENT),
			 0);
	assert_int_equal(fake_nreplies(se), 0);
}

static void fill_stat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = 0x1122334455667788ULL;
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 3;
	st->st_uid = 1000;
	st->st_gid = 1001;
	st->st_rdev = 0x1234;
	st->st_size = 0x123456789LL;
	st->st_blksize = 4096;
	st->st_blocks = 77;
	st->st_atim.tv_sec = 100;
	st->st_atim.tv_nsec = 1;
	st->st_mtim.tv_sec = 200;
	st->st_mtim.tv_nsec = 2;
	st->st_ctim.tv_sec = 300;
	st->st_ctim.tv_nsec = 3;
}

static void check_attr(const struct fuse_attr *a)
{
	assert_int_equal(a->ino, 0x1122334455667788ULL);
	assert_int_equal(a->mode, S_IFREG | 0644);
	assert_int_equal(a->nlink, 3);
	assert_int_equal(a->uid, 1000);
	assert_int_equal(a->gid, 1001);
	assert_int_equal(a->rdev, 0x1234);
	assert_int_equal(a->size, 0x123456789ULL);
	assert_int_equal(a->blksize, 4096);
	assert_int_equal(a->blocks, 77);
	assert_int_equal(a->atime, 100);
	assert_int_equal(a->atimensec, 1);
	assert_int_equal(a->mtime, 200);
	assert_int_equal(a->mtimensec, 2);
	assert_int_equal(a->ctime, 300);
	assert_int_equal(a->ctimensec, 3);
	assert_int_equal(a->flags, 0);
}

static void test_entry(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_entry_out *eo;
	struct fuse_entry_param e;
	uint64_t u;

	memset(&e, 0, sizeof(e));
	e.ino = 42;
	e.generation = 7;
	e.entry_timeout = 1.5;
	e.attr_timeout = -3.0;
	fill_stat(&e.attr);
	assert_int_equal(fuse_reply_entry(park(se, &u), &e), 0);
	eo = the_reply(se, u, 0, sizeof(*eo));
	assert_int_equal(eo->nodeid, 42);
	assert_int_equal(eo->generation, 7);
	assert_int_equal(eo->entry_valid, 1);
	assert_int_equal(eo->entry_valid_nsec, 500000000);
	assert_int_equal(eo->attr_valid, 0);
	assert_int_equal(eo->attr_valid_nsec, 0);
	check_attr(&eo->attr);

	/* a negative entry is a zero nodeid with a timeout */
	e.ino = 0;
	e.entry_timeout = 1e30;
	fuse_reply_entry(park(se, &u), &e);
	eo = the_reply(se, u, 0, sizeof(*eo));
	assert_int_equal(eo->nodeid, 0);
	assert_int_equal(eo->entry_valid, (uint64_t)ULONG_MAX);
	assert_int_equal(eo->entry_valid_nsec, 999999999);

	/* before 7.9 entry_out ended at attr.blksize */
	se->proto_minor = 8;
	e.ino = 42;
	fuse_reply_entry(park(se, &u), &e);
	eo = the_reply(se, u, 0, FUSE_COMPAT_ENTRY_OUT_SIZE);
	assert_int_equal(eo->nodeid, 42);
	/* before 7.4 a negative entry could only be ENOENT */
	se->proto_minor = 3;
	e.ino = 0;
	fuse_reply_entry(park(se, &u), &e);
	the_reply(se, u, ENOENT, 0);
	se->proto_minor = 45;
}

static void test_attr(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_attr_out *ao;
	struct stat st;
	uint64_t u;

	fill_stat(&st);
	assert_int_equal(fuse_reply_attr(park(se, &u), &st, 2.25), 0);
	ao = the_reply(se, u, 0, sizeof(*ao));
	assert_int_equal(ao->attr_valid, 2);
	assert_int_equal(ao->attr_valid_nsec, 250000000);
	assert_int_equal(ao->dummy, 0);
	check_attr(&ao->attr);

	se->proto_minor = 8;
	fuse_reply_attr(park(se, &u), &st, 1.0);
	the_reply(se, u, 0, FUSE_COMPAT_ATTR_OUT_SIZE);
	se->proto_minor = 45;
}

static void test_open_flags(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_open_out *oo;
	struct fuse_file_info fi;
	uint64_t u;

	memset(&fi, 0, sizeof(fi));
	fi.fh = 0xabcdef0123ULL;
	assert_int_equal(fuse_reply_open(park(se, &u), &fi), 0);
	oo = the_reply(se, u, 0, sizeof(*oo));
	assert_int_equal(oo->fh, 0xabcdef0123ULL);
	assert_int_equal(oo->open_flags, 0);
	assert_int_equal(oo->backing_id, 0);

	fi.direct_io = 1;
	fi.keep_cache = 1;
	fi.nonseekable = 1;
	fi.cache_readdir = 1;
	fi.noflush = 1;
	fuse_reply_open(park(se, &u), &fi);
	oo = the_reply(se, u, 0, sizeof(*oo));
	assert_int_equal(oo->open_flags, FOPEN_DIRECT_IO | FOPEN_KEEP_CACHE |
			 FOPEN_NONSEEKABLE | FOPEN_CACHE_DIR | FOPEN_NOFLUSH);
#if !LF_ABI_314
	memset(&fi, 0, sizeof(fi));
	fi.parallel_direct_writes = 1;
	fi.backing_id = 9;
	fuse_reply_open(park(se, &u), &fi);
	oo = the_reply(se, u, 0, sizeof(*oo));
	assert_int_equal(oo->open_flags,
			 FOPEN_PARALLEL_DIRECT_WRITES | FOPEN_PASSTHROUGH);
	assert_int_equal(oo->backing_id, 9);
	/* a negative id is not a backing file */
	fi.backing_id = -1;
	fuse_reply_open(park(se, &u), &fi);
	oo = the_reply(se, u, 0, sizeof(*oo));
	assert_int_equal(oo->open_flags, FOPEN_PARALLEL_DIRECT_WRITES);
	assert_int_equal(oo->backing_id, 0);
#endif
}

static void test_create(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_entry_out *eo;
	const struct fuse_open_out *oo;
	struct fuse_entry_param e;
	struct fuse_file_info fi;
	const char *p;
	uint64_t u;

	memset(&e, 0, sizeof(e));
	memset(&fi, 0, sizeof(fi));
	e.ino = 9;
	fill_stat(&e.attr);
	fi.fh = 77;
	fi.direct_io = 1;
	assert_int_equal(fuse_reply_create(park(se, &u), &e, &fi), 0);
	p = the_reply(se, u, 0, sizeof(*eo) + sizeof(*oo));
	eo = (const void *)p;
	oo = (const void *)(p + sizeof(*eo));
	assert_int_equal(eo->nodeid, 9);
	check_attr(&eo->attr);
	assert_int_equal(oo->fh, 77);
	assert_int_equal(oo->open_flags, FOPEN_DIRECT_IO);

	/* compat: open_out follows the short entry_out directly */
	se->proto_minor = 8;
	fuse_reply_create(park(se, &u), &e, &fi);
	p = the_reply(se, u, 0, FUSE_COMPAT_ENTRY_OUT_SIZE + sizeof(*oo));
	oo = (const void *)(p + FUSE_COMPAT_ENTRY_OUT_SIZE);
	assert_int_equal(oo->fh, 77);
	se->proto_minor = 45;
}

static void test_small_replies(void **state)
{
	struct fuse_session *se = *state;
	const uint64_t *u64;
	const uint32_t *u32;
	uint64_t u;

	assert_int_equal(fuse_reply_readlink(park(se, &u), "target"), 0);
	assert_memory_equal(the_reply(se, u, 0, 6), "target", 6);
	assert_int_equal(fuse_reply_buf(park(se, &u), "abc", 3), 0);
	assert_memory_equal(the_reply(se, u, 0, 3), "abc", 3);
	fuse_reply_buf(park(se, &u), NULL, 0);
	the_reply(se, u, 0, 0);

	fuse_reply_write(park(se, &u), 4096);
	u32 = the_reply(se, u, 0, sizeof(struct fuse_write_out));
	assert_int_equal(u32[0], 4096);
	assert_int_equal(u32[1], 0);
	fuse_reply_xattr(park(se, &u), 33);
	u32 = the_reply(se, u, 0, sizeof(struct fuse_getxattr_out));
	assert_int_equal(u32[0], 33);
	fuse_reply_poll(park(se, &u), 0x41);
	u32 = the_reply(se, u, 0, sizeof(struct fuse_poll_out));
	assert_int_equal(u32[0], 0x41);
	fuse_reply_bmap(park(se, &u), 0x1234567890ULL);
	u64 = the_reply(se, u, 0, sizeof(struct fuse_bmap_out));
	assert_int_equal(u64[0], 0x1234567890ULL);
	fuse_reply_lseek(park(se, &u), 1 << 20);
	u64 = the_reply(se, u, 0, sizeof(struct fuse_lseek_out));
	assert_int_equal(u64[0], 1 << 20);
}

/* COPY_FILE_RANGE answers with write_out, the 7.45 _64 opcode with u64. */
static void test_write_copy_variants(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_copy_file_range_out *co;
	const struct fuse_write_out *wo;
	uint64_t u;

	fuse_reply_write(park_op(se, FUSE_COPY_FILE_RANGE, &u), 123);
	wo = the_reply(se, u, 0, sizeof(*wo));
	assert_int_equal(wo->size, 123);
	fuse_reply_write(park_op(se, FUSE_COPY_FILE_RANGE_64, &u),
			 (size_t)0x123456789ULL);
	co = the_reply(se, u, 0, sizeof(*co));
	assert_int_equal(co->bytes_copied, 0x123456789ULL);
}

static void test_statfs(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_statfs_out *so;
	struct statvfs sv;
	uint64_t u;

	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 512;
	sv.f_blocks = 1000;
	sv.f_bfree = 500;
	sv.f_bavail = 400;
	sv.f_files = 300;
	sv.f_ffree = 200;
	sv.f_namemax = 255;
	assert_int_equal(fuse_reply_statfs(park(se, &u), &sv), 0);
	so = the_reply(se, u, 0, sizeof(*so));
	assert_int_equal(so->st.bsize, 4096);
	assert_int_equal(so->st.frsize, 512);
	assert_int_equal(so->st.blocks, 1000);
	assert_int_equal(so->st.bfree, 500);
	assert_int_equal(so->st.bavail, 400);
	assert_int_equal(so->st.files, 300);
	assert_int_equal(so->st.ffree, 200);
	assert_int_equal(so->st.namelen, 255);

	se->proto_minor = 3;
	fuse_reply_statfs(park(se, &u), &sv);
	the_reply(se, u, 0, FUSE_COMPAT_STATFS_SIZE);
	se->proto_minor = 45;
}

static void test_lock(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_lk_out *lo;
	struct flock fl;
	uint64_t u;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_start = 10;
	fl.l_len = 0;
	fl.l_pid = 1234;
	assert_int_equal(fuse_reply_lock(park(se, &u), &fl), 0);
	lo = the_reply(se, u, 0, sizeof(*lo));
	assert_int_equal(lo->lk.type, F_WRLCK);
	assert_int_equal(lo->lk.start, 10);
	assert_int_equal(lo->lk.end, 0x7fffffffffffffffULL);
	assert_int_equal(lo->lk.pid, 1234);

	fl.l_type = F_RDLCK;
	fl.l_len = 5;
	fuse_reply_lock(park(se, &u), &fl);
	lo = the_reply(se, u, 0, sizeof(*lo));
	assert_int_equal(lo->lk.start, 10);
	assert_int_equal(lo->lk.end, 14);

	/* no conflicting lock: only type and pid go out */
	fl.l_type = F_UNLCK;
	fuse_reply_lock(park(se, &u), &fl);
	lo = the_reply(se, u, 0, sizeof(*lo));
	assert_int_equal(lo->lk.type, F_UNLCK);
	assert_int_equal(lo->lk.start, 0);
	assert_int_equal(lo->lk.end, 0);
	assert_int_equal(lo->lk.pid, 1234);
}

static void test_iov(void **state)
{
	struct fuse_session *se = *state;
	struct iovec v[10];
	char expect[10];
	uint64_t u;
	int i;

	for (i = 0; i < 10; i++) {
		expect[i] = (char)('a' + i);
		v[i].iov_base = &expect[i];
		v[i].iov_len = 1;
	}
	/* more pieces than the on-stack array holds */
	assert_int_equal(fuse_reply_iov(park(se, &u), v, 10), 0);
	assert_memory_equal(the_reply(se, u, 0, 10), expect, 10);
	fuse_reply_iov(park(se, &u), v, 2);
	assert_memory_equal(the_reply(se, u, 0, 2), "ab", 2);
}

static void test_data(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_bufvec one = FUSE_BUFVEC_INIT(5);
	struct fuse_bufvec *two;
	struct fuse_bufvec fdv = FUSE_BUFVEC_INIT(4);
	char path[] = "/tmp/test_reply_XXXXXX";
	uint64_t u;
	int fd;

	one.buf[0].mem = "hello";
	assert_int_equal(fuse_reply_data(park(se, &u), &one, 0), 0);
	assert_memory_equal(the_reply(se, u, 0, 5), "hello", 5);

	two = two_bufs("abc", "defg");
	fuse_reply_data(park(se, &u), two, 0);
	assert_memory_equal(the_reply(se, u, 0, 7), "abcdefg", 7);
	free(two);

	/* fd-backed data is read into memory (no splice path yet) */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	fdv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	fdv.buf[0].fd = fd;
	fdv.buf[0].pos = 3;
	fuse_reply_data(park(se, &u), &fdv, 0);
	assert_memory_equal(the_reply(se, u, 0, 4), "3456", 4);

	/* a failing copy turns into an error reply (the copy moved idx) */
	fdv.idx = 0;
	fdv.off = 0;
	fdv.buf[0].fd = -1;
	fuse_reply_data(park(se, &u), &fdv, 0);
	the_reply(se, u, EBADF, 0);
	close(fd);
}

static void test_ioctl(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_ioctl_out *io;
	struct iovec v[2] = { { "xy", 2 }, { "z", 1 } };
	const char *p;
	uint64_t u;

	assert_int_equal(fuse_reply_ioctl(park(se, &u), -7, "data", 4), 0);
	p = the_reply(se, u, 0, sizeof(*io) + 4);
	io = (const void *)p;
	assert_int_equal(io->result, -7);
	assert_int_equal(io->flags, 0);
	assert_memory_equal(p + sizeof(*io), "data", 4);

	fuse_reply_ioctl(park(se, &u), 3, NULL, 0);
	io = the_reply(se, u, 0, sizeof(*io));
	assert_int_equal(io->result, 3);

	fuse_reply_ioctl_iov(park(se, &u), 1, v, 2);
	p = the_reply(se, u, 0, sizeof(*io) + 3);
	assert_int_equal(((const struct fuse_ioctl_out *)p)->result, 1);
	assert_memory_equal(p + sizeof(*io), "xyz", 3);
}

static void test_ioctl_retry(void **state)
{
	struct fuse_session *se = *state;
	struct iovec in[2] = { { (void *)0x1000, 16 }, { (void *)0x2000, 32 } };
	struct iovec out[1] = { { (void *)0x3000, 8 } };
	const struct fuse_ioctl_iovec *fv;
	const struct fuse_ioctl_out *io;
	const char *p;
	uint64_t u;

	assert_int_equal(fuse_reply_ioctl_retry(park(se, &u), in, 2, out, 1), 0);
	p = the_reply(se, u, 0, sizeof(*io) + 3 * sizeof(*fv));
	io = (const void *)p;
	assert_int_equal(io->flags, FUSE_IOCTL_RETRY);
	assert_int_equal(io->in_iovs, 2);
	assert_int_equal(io->out_iovs, 1);
	fv = (const void *)(p + sizeof(*io));
	assert_int_equal(fv[0].base, 0x1000);
	assert_int_equal(fv[0].len, 16);
	assert_int_equal(fv[1].base, 0x2000);
	assert_int_equal(fv[1].len, 32);
	assert_int_equal(fv[2].base, 0x3000);
	assert_int_equal(fv[2].len, 8);

	fuse_reply_ioctl_retry(park(se, &u), NULL, 0, out, 1);
	p = the_reply(se, u, 0, sizeof(*io) + sizeof(*fv));
	fv = (const void *)(p + sizeof(*io));
	assert_int_equal(fv[0].base, 0x3000);

	/* before 7.16 the server's own struct iovec went out */
	se->proto_minor = 15;
	fuse_reply_ioctl_retry(park(se, &u), in, 1, NULL, 0);
	p = the_reply(se, u, 0, sizeof(*io) + sizeof(struct iovec));
	assert_memory_equal(p + sizeof(*io), &in[0], sizeof(struct iovec));
	se->proto_minor = 45;
}

#if !LF_ABI_314
static void test_statx(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_statx_out *so;
	struct statx sx;
	uint64_t u;

	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS | STATX_BTIME;
	sx.stx_ino = 99;
	sx.stx_size = 12345;
	sx.stx_btime.tv_sec = 55;
	assert_int_equal(fuse_reply_statx(park(se, &u), 3, &sx, 1.5), 0);
	so = the_reply(se, u, 0, sizeof(*so));
	assert_int_equal(so->attr_valid, 1);
	assert_int_equal(so->attr_valid_nsec, 500000000);
	assert_int_equal(so->flags, 3);
	assert_int_equal(so->stat.mask, STATX_BASIC_STATS | STATX_BTIME);
	assert_int_equal(so->stat.ino, 99);
	assert_int_equal(so->stat.size, 12345);
	assert_int_equal(so->stat.btime.tv_sec, 55);
}
#endif

static void test_direntry(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_dirent *d;
	char buf[64];
	struct stat st;
	size_t n;

	(void)se;
	memset(&st, 0, sizeof(st));
	st.st_ino = 17;
	st.st_mode = S_IFDIR | 0755;
	/* 24-byte header + 5 name bytes, padded to 32 */
	assert_int_equal(fuse_add_direntry(NULL, NULL, 0, "hello", &st, 3), 32);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(fuse_add_direntry(NULL, buf, 31, "hello", &st, 3), 32);
	assert_int_equal((unsigned char)buf[0], 0xee);

	n = fuse_add_direntry(NULL, buf, sizeof(buf), "hello", &st, 3);
	assert_int_equal(n, 32);
	d = (const void *)buf;
	assert_int_equal(d->ino, 17);
	assert_int_equal(d->off, 3);
	assert_int_equal(d->namelen, 5);
	assert_int_equal(d->type, DT_DIR);
	assert_memory_equal(d->name, "hello\0\0\0", 8);
	assert_int_equal((unsigned char)buf[32], 0xee);
	/* an exact multiple of 8 needs no padding */
	assert_int_equal(fuse_add_direntry(NULL, NULL, 0, "12345678", &st, 0),
			 32);
}

static void test_direntry_plus(void **state)
{
	const struct fuse_direntplus *dp;
	struct fuse_entry_param e;
	uint64_t buf[32];
	size_t n;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.ino = 21;
	e.generation = 2;
	e.entry_timeout = 1.0;
	fill_stat(&e.attr);
	/* 152-byte header + 1 name byte, padded to 160 */
	assert_int_equal(fuse_add_direntry_plus(NULL, NULL, 0, "x", &e, 9), 160);
	assert_int_equal(fuse_add_direntry_plus(NULL, (char *)buf, 159, "x", &e,
						9), 160);
	memset(buf, 0xee, sizeof(buf));
	n = fuse_add_direntry_plus(NULL, (char *)buf, sizeof(buf), "x", &e, 9);
	assert_int_equal(n, 160);
	dp = (const void *)buf;
	assert_int_equal(dp->entry_out.nodeid, 21);
	assert_int_equal(dp->entry_out.generation, 2);
	assert_int_equal(dp->entry_out.entry_valid, 1);
	check_attr(&dp->entry_out.attr);
	assert_int_equal(dp->dirent.ino, 0x1122334455667788ULL);
	assert_int_equal(dp->dirent.off, 9);
	assert_int_equal(dp->dirent.namelen, 1);
	assert_int_equal(dp->dirent.type, DT_REG);
	assert_memory_equal(dp->dirent.name, "x\0\0\0\0\0\0\0", 8);
}

static char logged[1024];

static void capture_log(enum fuse_log_level level, const char *fmt,
			va_list ap)
{
	size_t used = strlen(logged);

	(void)level;
	vsnprintf(logged + used, sizeof(logged) - used, fmt, ap);
}

/* The -d trace lines keep libfuse's exact format. */
static void test_debug_lines(void **state)
{
	struct fuse_session *se = *state;
	fuse_req_t req;
	uint64_t u;
	char expect[128];

	se->debug = 1;
	req = park(se, &u);
	logged[0] = '\0';
	fuse_set_log_func(capture_log);
	fuse_reply_err(req, ENOENT);
	fuse_set_log_func(NULL);
	snprintf(expect, sizeof(expect),
		 "   unique: %llu, error: -2 (%s), outsize: 16\n",
		 (unsigned long long)u, strerror(ENOENT));
	assert_string_equal(logged, expect);

	req = park(se, &u);
	logged[0] = '\0';
	fuse_set_log_func(capture_log);
	fuse_reply_buf(req, "abcd", 4);
	fuse_set_log_func(NULL);
	snprintf(expect, sizeof(expect),
		 "   unique: %llu, success, outsize: 20\n",
		 (unsigned long long)u);
	assert_string_equal(logged, expect);
	se->debug = 0;
}

static void test_passthrough_without_device(void **state)
{
	struct fuse_session *se = *state;

	/* the fake session has no /dev/fuse fd */
	assert_int_equal(lf_backing_open(se, 0), -EBADF);
	assert_int_equal(lf_backing_close(se, 1), -EBADF);
#if !LF_ABI_314
	{
		fuse_req_t req = park(se, NULL);

		/* libfuse: 0 means "no backing id", -1 + errno on close */
		assert_int_equal(fuse_passthrough_open(req, 0), 0);
		errno = 0;
		assert_int_equal(fuse_passthrough_close(req, 1), -1);
		assert_int_equal(errno, EBADF);
		fuse_reply_err(req, 0);
	}
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_err, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_never_answered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_flags, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_replies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_copy_variants, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_statfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iov, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioctl_retry, setup,
						teardown),
#if !LF_ABI_314
		cmocka_unit_test_setup_teardown(test_statx, setup, teardown),
#endif
		cmocka_unit_test_setup_teardown(test_direntry, setup, teardown),
		cmocka_unit_test(test_direntry_plus),
		cmocka_unit_test_setup_teardown(test_debug_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_passthrough_without_device,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

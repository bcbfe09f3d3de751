// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/cuse.c: the CUSE_INIT answer byte by byte, the file
 * opcodes reaching the cuse_lowlevel_ops with their arguments, session
 * creation checks, and setup/teardown/main without a kernel /dev/cuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "cuse.h"

/* ---- log capture ---- */

static char logbuf[8192];

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
}

/* ---- what the device operations saw ---- */

struct seen {
	int init, init_done, destroy;
	int replies_at_init_done;
	unsigned int init_proto_major, init_proto_minor;
	unsigned int init_capable, init_want;
	int open, read, write, flush, release, fsync, ioctl, poll;
	void *userdata;
	uint64_t fh;
	int flags;
	size_t size;
	off_t off;
	char data[64];
	int datasync;
	int cmd;
	void *arg;
	unsigned int ioflags;
	size_t in_bufsz, out_bufsz;
	int had_ph;
	unsigned int poll_events;
};

static struct seen seen;
static struct fuse_session *cur;	/* session under test */
static unsigned int init_max_write;	/* what init() sets, 0: untouched */
static char tag[] = "userdata";

static void c_init(void *userdata, struct fuse_conn_info *conn)
{
	seen.init++;
	seen.userdata = userdata;
	seen.init_proto_major = conn->proto_major;
	seen.init_proto_minor = conn->proto_minor;
	seen.init_capable = conn->capable;
	seen.init_want = conn->want;
	if (init_max_write)
		conn->max_write = init_max_write;
}

static void c_init_done(void *userdata)
{
	assert_ptr_equal(userdata, tag);
	seen.init_done++;
	seen.replies_at_init_done = fake_nreplies(cur);
}

static void c_destroy(void *userdata)
{
	assert_ptr_equal(userdata, tag);
	seen.destroy++;
}

static void c_open(fuse_req_t req, struct fuse_file_info *fi)
{
	seen.open++;
	seen.userdata = fuse_req_userdata(req);
	seen.flags = fi->flags;
	fi->fh = 4242;
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void c_read(fuse_req_t req, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	seen.read++;
	seen.size = size;
	seen.off = off;
	seen.fh = fi->fh;
	fuse_reply_buf(req, "device!", 7);
}

static void c_write(fuse_req_t req, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	seen.write++;
	seen.size = size;
	seen.off = off;
	seen.fh = fi->fh;
	memcpy(seen.data, buf, size < sizeof(seen.data) ? size : 0);
	fuse_reply_write(req, size);
}

static void c_flush(fuse_req_t req, struct fuse_file_info *fi)
{
	seen.flush++;
	seen.fh = fi->fh;
	fuse_reply_err(req, 0);
}

static void c_release(fuse_req_t req, struct fuse_file_info *fi)
{
	seen.release++;
	seen.fh = fi->fh;
	seen.flags = fi->flags;
	fuse_reply_err(req, 0);
}

static void c_fsync(fuse_req_t req, int datasync, struct fuse_file_info *fi)
{
	seen.fsync++;
	seen.datasync = datasync;
	seen.fh = fi->fh;
	fuse_reply_err(req, EROFS);
}

static void c_ioctl(fuse_req_t req, int cmd, void *arg,
		    struct fuse_file_info *fi, unsigned int flags,
		    const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	seen.ioctl++;
	seen.cmd = cmd;
	seen.arg = arg;
	seen.fh = fi->fh;
	seen.ioflags = flags;
	seen.in_bufsz = in_bufsz;
	seen.out_bufsz = out_bufsz;
	if (in_bufsz)
		memcpy(seen.data, in_buf,
		       in_bufsz < sizeof(seen.data) ? in_bufsz : 0);
	fuse_reply_ioctl(req, 17, "out", 3);
}

static void c_poll(fuse_req_t req, struct fuse_file_info *fi,
		   struct fuse_pollhandle *ph)
{
	seen.poll++;
	seen.fh = fi->fh;
	seen.poll_events = fi->poll_events;
	seen.had_ph = ph != NULL;
	if (ph) {
		fuse_lowlevel_notify_poll(ph);
		fuse_pollhandle_destroy(ph);
	}
	fuse_reply_poll(req, POLLIN);
}

static const struct cuse_lowlevel_ops all_ops = {
	.init = c_init,
	.init_done = c_init_done,
	.destroy = c_destroy,
	.open = c_open,
	.read = c_read,
	.write = c_write,
	.flush = c_flush,
	.release = c_release,
	.fsync = c_fsync,
	.ioctl = c_ioctl,
	.poll = c_poll,
};

static const char *dev_info[] = { "DEVNAME=lfcuse", "MODE=0600" };
#define INFO_BYTES "DEVNAME=lfcuse\0MODE=0600"
#define INFO_LEN sizeof(INFO_BYTES)

static const struct cuse_info info = {
	.dev_major = 240,
	.dev_minor = 7,
	.dev_info_argc = 2,
	.dev_info_argv = dev_info,
	.flags = CUSE_UNRESTRICTED_IOCTL,
};

/*
 * A CUSE session on the fake transport: a fake session donates its
 * transport, channel and capture state, then goes away.
 */
static struct fuse_session *cuse_fake_new(const struct cuse_info *ci,
					  const struct cuse_lowlevel_ops *clop,
					  int argc, const char **argv)
{
	static const struct fuse_lowlevel_ops none;
	char *av[16];
	struct fuse_args args;
	struct fuse_session *donor, *se;
	int i;

	assert_true(argc < 15);
	av[0] = "cuse-test";
	for (i = 0; i < argc; i++)
		av[i + 1] = (char *)argv[i];
	args = (struct fuse_args)FUSE_ARGS_INIT(argc + 1, av);
	se = cuse_lowlevel_new(&args, ci, clop, tag);
	fuse_opt_free_args(&args);
	if (!se)
		return NULL;
	donor = fake_session_new(&none, sizeof(none), NULL);
	assert_non_null(donor);
	se->tr = donor->tr;
	se->tr_priv = donor->tr_priv;
	se->ch = donor->ch;
	se->fd = -1;
	donor->tr_priv = NULL;
	donor->ch = NULL;
	fuse_session_destroy(donor);
	cur = se;
	return se;
}

static int send_cuse_init(struct fuse_session *se, uint32_t major,
			  uint32_t minor, struct cuse_init_out *ret_out,
			  char *ret_info, size_t *ret_info_len)
{
	struct cuse_init_in in = {
		.major = major, .minor = minor, .flags = CUSE_UNRESTRICTED_IOCTL,
	};
	const struct fuse_out_header *oh;
	const void *p;
	size_t len;

	fake_request(se, CUSE_INIT, 0, &in, sizeof(in), NULL, 0);
	oh = fake_last(se, &p, &len);
	if (oh->error)
		return oh->error;
	assert_true(len >= sizeof(*ret_out));
	memcpy(ret_out, p, sizeof(*ret_out));
	len -= sizeof(*ret_out);
	assert_true(len <= CUSE_INIT_INFO_MAX);
	if (ret_info)
		memcpy(ret_info, (const char *)p + sizeof(*ret_out), len);
	if (ret_info_len)
		*ret_info_len = len;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&seen, 0, sizeof(seen));
	logbuf[0] = '\0';
	init_max_write = 0;
	cur = NULL;
	fuse_set_log_func(capture);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

/* ---- CUSE_INIT ---- */

static void test_init_reply(void **state)
{
	struct fuse_session *se = cuse_fake_new(&info, &all_ops, 0, NULL);
	struct cuse_init_out out;
	char dinfo[CUSE_INIT_INFO_MAX];
	size_t dlen;
	unsigned int i;

	(void)state;
	assert_non_null(se);
	assert_int_equal(send_cuse_init(se, 7, 38, &out, dinfo, &dlen), 0);
	assert_int_equal(fake_nreplies(se), 1);
	assert_int_equal(out.major, FUSE_KERNEL_VERSION);
	assert_int_equal(out.minor, FUSE_KERNEL_MINOR_VERSION);
	assert_int_equal(out.major, 7);
	assert_int_equal(out.minor, 45);
	assert_int_equal(out.flags, CUSE_UNRESTRICTED_IOCTL);
	assert_int_equal(out.max_read, 131072);
	assert_true(out.max_write >= 4096);
	assert_true(out.max_write + LF_HEADER_ROOM <= se->bufsize);
	assert_int_equal(out.dev_major, 240);
	assert_int_equal(out.dev_minor, 7);
	assert_int_equal(out.unused, 0);
	for (i = 0; i < LF_ARRAY_SIZE(out.spare); i++)
		assert_int_equal(out.spare[i], 0);
	assert_int_equal(dlen, INFO_LEN);
	assert_memory_equal(dinfo, INFO_BYTES, INFO_LEN);

	/* init() saw the kernel's version and no capabilities; init_done()
	 * ran once, after the reply was on its way */
	assert_int_equal(seen.init, 1);
	assert_ptr_equal(seen.userdata, tag);
	assert_int_equal(seen.init_proto_major, 7);
	assert_int_equal(seen.init_proto_minor, 38);
	assert_int_equal(seen.init_capable, 0);
	assert_int_equal(seen.init_want, 0);
	assert_int_equal(seen.init_done, 1);
	assert_int_equal(seen.replies_at_init_done, 1);
	assert_int_equal(se->proto_minor, 38);
	assert_true(atomic_load(&se->got_init));

	/* destroy() runs when the session ends after a successful init */
	fake_session_destroy(se);
	assert_int_equal(seen.destroy, 1);
}

static void test_init_max_write(void **state)
{
	struct fuse_session *se = cuse_fake_new(&info, &all_ops, 0, NULL);
	struct cuse_init_out out;

	(void)state;
	init_max_write = 8192;
	assert_int_equal(send_cuse_init(se, 7, 45, &out, NULL, NULL), 0);
	assert_int_equal(out.max_write, 8192);
	/* the receive buffer follows what the kernel may now send */
	assert_int_equal(se->bufsize, LF_MAX(8192 + LF_HEADER_ROOM,
					     (size_t)LF_MIN_BUFSIZE));
	fake_session_destroy(se);

	/* more than the buffer could receive is capped */
	se = cuse_fake_new(&info, &all_ops, 0, NULL);
	init_max_write = 0x7fffffff;
	assert_int_equal(send_cuse_init(se, 7, 45, &out, NULL, NULL), 0);
	assert_true(out.max_write < 0x7fffffff);
	assert_true(out.max_write + LF_HEADER_ROOM <= se->bufsize);
	fake_session_destroy(se);
}

static void test_init_ordering(void **state)
{
	struct fuse_session *se = cuse_fake_new(&info, &all_ops, 0, NULL);
	struct fuse_open_in oi = { .flags = O_RDWR };
	struct cuse_init_out out;
	const struct fuse_out_header *oh;

	(void)state;
	/* nothing before CUSE_INIT */
	fake_request(se, FUSE_OPEN, 1, &oi, sizeof(oi), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EIO);
	assert_int_equal(seen.open, 0);

	/* a protocol older than 7 is refused and leaves the session waiting */
	assert_int_equal(send_cuse_init(se, 6, 1, &out, NULL, NULL), -EPROTO);
	assert_false(atomic_load(&se->got_init));
	assert_int_equal(seen.init, 0);
	assert_int_equal(seen.init_done, 0);
	assert_non_null(strstr(logbuf, "cuse: unsupported protocol version: 6.1"));

	assert_int_equal(send_cuse_init(se, 7, 45, &out, NULL, NULL), 0);
	/* a second CUSE_INIT is a protocol error */
	fake_clear(se);
	assert_int_equal(send_cuse_init(se, 7, 45, &out, NULL, NULL), -EIO);
	assert_int_equal(seen.init, 1);

	fake_session_destroy(se);
	assert_int_equal(seen.destroy, 1);

	/* too short for major and minor */
	memset(&seen, 0, sizeof(seen));
	se = cuse_fake_new(&info, &all_ops, 0, NULL);
	fake_request(se, CUSE_INIT, 0, &out, 4, NULL, 0);
	oh = fake_last(se, NULL, NULL);
	assert_int_equal(oh->error, -EINVAL);
	assert_int_equal(seen.init, 0);
	fake_session_destroy(se);
	/* no init, so no destroy either */
	assert_int_equal(seen.destroy, 0);
}

static void test_cuse_init_on_fuse_session(void **state)
{
	static const struct fuse_lowlevel_ops none;
	struct fuse_session *se = fake_session_new(&none, sizeof(none), NULL);
	struct cuse_init_in in = { .major = 7, .minor = 45 };
	const struct lf_op_desc *d = lf_op_lookup(CUSE_INIT);

	(void)state;
	assert_non_null(d);
	assert_string_equal(d->name, "CUSE_INIT");
	assert_int_equal(d->min_in_size, 8);
	assert_string_equal(lf_opname(CUSE_INIT), "CUSE_INIT");
	assert_null(lf_op_lookup(CUSE_INIT + 1));

	fake_request(se, CUSE_INIT, 0, &in, sizeof(in), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EIO);
	assert_false(atomic_load(&se->got_init));
	fake_session_destroy(se);
}

/* ---- file opcodes ---- */

static struct fuse_session *ready_session(const struct cuse_lowlevel_ops *ops)
{
	struct fuse_session *se = cuse_fake_new(&info, ops, 0, NULL);
	struct cuse_init_out out;

	assert_non_null(se);
	assert_int_equal(send_cuse_init(se, 7, 45, &out, NULL, NULL), 0);
	fake_clear(se);
	return se;
}

static void test_open_read_write(void **state)
{
	struct fuse_session *se = ready_session(&all_ops);
	struct fuse_open_in oi = { .flags = O_RDWR | O_NONBLOCK };
	struct fuse_read_in ri = { .fh = 4242, .offset = 100, .size = 512 };
	struct fuse_write_in wi = { .fh = 4242, .offset = 7, .size = 5 };
	const struct fuse_open_out *oo;
	const struct fuse_write_out *wo;
	const void *p;
	size_t len;

	(void)state;
	/* the nodeid means nothing to a device; any value works */
	fake_request(se, FUSE_OPEN, 12345, &oi, sizeof(oi), NULL, 0);
	assert_int_equal(fake_last(se, &p, &len)->error, 0);
	assert_int_equal(seen.open, 1);
	assert_ptr_equal(seen.userdata, tag);
	assert_int_equal(seen.flags, O_RDWR | O_NONBLOCK);
	assert_int_equal(len, sizeof(*oo));
	oo = p;
	assert_int_equal(oo->fh, 4242);
	assert_true(oo->open_flags & FOPEN_DIRECT_IO);

	fake_request(se, FUSE_READ, 0, &ri, sizeof(ri), NULL, 0);
	assert_int_equal(fake_last(se, &p, &len)->error, 0);
	assert_int_equal(seen.read, 1);
	assert_int_equal(seen.size, 512);
	assert_int_equal(seen.off, 100);
	assert_int_equal(seen.fh, 4242);
	assert_int_equal(len, 7);
	assert_memory_equal(p, "device!", 7);

	fake_request(se, FUSE_WRITE, 0, &wi, sizeof(wi), "hello", 5);
	assert_int_equal(fake_last(se, &p, &len)->error, 0);
	assert_int_equal(seen.write, 1);
	assert_int_equal(seen.size, 5);
	assert_int_equal(seen.off, 7);
	assert_memory_equal(seen.data, "hello", 5);
	wo = p;
	assert_int_equal(wo->size, 5);
	fake_session_destroy(se);
}

static void test_flush_fsync_release(void **state)
{
	struct fuse_session *se = ready_session(&all_ops);
	struct fuse_flush_in fl = { .fh = 9 };
	struct fuse_fsync_in fs = { .fh = 10, .fsync_flags = FUSE_FSYNC_FDATASYNC };
	struct fuse_release_in rl = { .fh = 11, .flags = O_WRONLY };

	(void)state;
	fake_request(se, FUSE_FLUSH, 0, &fl, sizeof(fl), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	assert_int_equal(seen.flush, 1);
	assert_int_equal(seen.fh, 9);

	fake_request(se, FUSE_FSYNC, 0, &fs, sizeof(fs), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EROFS);
	assert_int_equal(seen.fsync, 1);
	assert_int_equal(seen.datasync, 1);
	assert_int_equal(seen.fh, 10);

	fake_request(se, FUSE_RELEASE, 0, &rl, sizeof(rl), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	assert_int_equal(seen.release, 1);
	assert_int_equal(seen.fh, 11);
	assert_int_equal(seen.flags, O_WRONLY);
	fake_session_destroy(se);
}

static void test_ioctl(void **state)
{
	struct fuse_session *se = ready_session(&all_ops);
	struct fuse_ioctl_in io = {
		.fh = 12, .flags = FUSE_IOCTL_UNRESTRICTED, .cmd = 0x80084500,
		.arg = 0x7fff1000, .in_size = 4, .out_size = 8,
	};
	const struct fuse_ioctl_out *o;
	const void *p;
	size_t len;

	(void)state;
	fake_request(se, FUSE_IOCTL, 0, &io, sizeof(io), "abcd", 4);
	assert_int_equal(fake_last(se, &p, &len)->error, 0);
	assert_int_equal(seen.ioctl, 1);
	assert_int_equal((unsigned int)seen.cmd, 0x80084500u);
	assert_ptr_equal(seen.arg, (void *)(uintptr_t)0x7fff1000);
	assert_int_equal(seen.fh, 12);
	assert_int_equal(seen.ioflags, FUSE_IOCTL_UNRESTRICTED);
	assert_int_equal(seen.in_bufsz, 4);
	assert_int_equal(seen.out_bufsz, 8);
	assert_memory_equal(seen.data, "abcd", 4);
	assert_int_equal(len, sizeof(*o) + 3);
	o = p;
	assert_int_equal(o->result, 17);
	assert_memory_equal((const char *)p + sizeof(*o), "out", 3);
	fake_session_destroy(se);
}

static void test_poll(void **state)
{
	struct fuse_session *se = ready_session(&all_ops);
	struct fuse_poll_in pi = {
		.fh = 13, .kh = 77, .flags = FUSE_POLL_SCHEDULE_NOTIFY,
		.events = POLLIN | POLLOUT,
	};
	const struct fuse_notify_poll_wakeup_out *w;
	const struct fuse_poll_out *po;
	const struct fuse_out_header *oh;
	const void *p;
	size_t len;

	(void)state;
	fake_request(se, FUSE_POLL, 0, &pi, sizeof(pi), NULL, 0);
	assert_int_equal(seen.poll, 1);
	assert_int_equal(seen.fh, 13);
	assert_int_equal(seen.had_ph, 1);
	assert_int_equal(seen.poll_events, POLLIN | POLLOUT);
	/* the wakeup notification, then the reply */
	assert_int_equal(fake_nreplies(se), 2);
	oh = fake_reply(se, 0, &p, &len);
	assert_int_equal(oh->unique, 0);
	assert_int_equal(oh->error, FUSE_NOTIFY_POLL);
	w = p;
	assert_int_equal(w->kh, 77);
	oh = fake_reply(se, 1, &p, &len);
	assert_int_equal(oh->error, 0);
	po = p;
	assert_int_equal(po->revents, POLLIN);
	fake_session_destroy(se);
}

/* Operations the device leaves out get the lowlevel defaults. */
static void test_missing_ops(void **state)
{
	static const struct cuse_lowlevel_ops only_read = { .read = c_read };
	struct fuse_session *se = ready_session(&only_read);
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_write_in wi = { .size = 1 };
	struct fuse_ioctl_in io = { .cmd = 1 };
	struct fuse_poll_in pi = { .fh = 1 };
	struct fuse_release_in rl = { .fh = 1 };
	struct fuse_flush_in fl = { .fh = 1 };
	struct fuse_fsync_in fs = { .fh = 1 };

	(void)state;
	fake_request(se, FUSE_OPEN, 0, &oi, sizeof(oi), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	fake_request(se, FUSE_WRITE, 0, &wi, sizeof(wi), "x", 1);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	fake_request(se, FUSE_IOCTL, 0, &io, sizeof(io), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	fake_request(se, FUSE_POLL, 0, &pi, sizeof(pi), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	fake_request(se, FUSE_FLUSH, 0, &fl, sizeof(fl), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	fake_request(se, FUSE_FSYNC, 0, &fs, sizeof(fs), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	fake_request(se, FUSE_RELEASE, 0, &rl, sizeof(rl), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	/* filesystem opcodes have no handler in a device session */
	fake_request(se, FUSE_LOOKUP, 1, "name", 5, NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	assert_int_equal(seen.read, 0);
	fake_session_destroy(se);
}

/* ---- cuse_lowlevel_new ---- */

static void test_new_checks(void **state)
{
	static char big[CUSE_INIT_INFO_MAX + 1];
	const char *too_big[] = { big };
	const char *with_null[] = { "DEVNAME=x", NULL };
	const char *bogus[] = { "-o", "no_such_option" };
	struct cuse_info ci = info;
	char *av[] = { "cuse-test" };
	struct fuse_args args = FUSE_ARGS_INIT(1, av);

	(void)state;
	/* the strings plus their NULs must fit the kernel's page */
	memset(big, 'a', sizeof(big) - 1);
	ci.dev_info_argc = 1;
	ci.dev_info_argv = too_big;
	assert_null(cuse_fake_new(&ci, &all_ops, 0, NULL));
	assert_non_null(strstr(logbuf, "cuse: dev_info (4097) too large, limit=4096"));

	big[sizeof(big) - 2] = '\0';	/* exactly 4096 with the NUL: fits */
	assert_non_null(cur = cuse_fake_new(&ci, &all_ops, 0, NULL));
	fake_session_destroy(cur);

	ci.dev_info_argc = 2;
	ci.dev_info_argv = with_null;
	logbuf[0] = '\0';
	assert_null(cuse_fake_new(&ci, &all_ops, 0, NULL));
	assert_non_null(strstr(logbuf, "NULL"));
	ci.dev_info_argv = NULL;
	assert_null(cuse_fake_new(&ci, &all_ops, 0, NULL));

	assert_null(cuse_lowlevel_new(&args, NULL, &all_ops, NULL));
	assert_null(cuse_lowlevel_new(&args, &info, NULL, NULL));
	assert_null(cuse_lowlevel_new(NULL, &info, &all_ops, NULL));

	/* the lowlevel option vocabulary applies: unknown ones fail */
	logbuf[0] = '\0';
	assert_null(cuse_fake_new(&info, &all_ops, 2, bogus));
	assert_non_null(strstr(logbuf, "unknown option"));
}

static void test_debug_option(void **state)
{
	const char *dbg[] = { "-d" };
	struct fuse_session *se = cuse_fake_new(&info, &all_ops, 1, dbg);
	struct cuse_init_out out;

	(void)state;
	assert_non_null(se);
	assert_int_equal(se->debug, 1);
	assert_int_equal(send_cuse_init(se, 7, 45, &out, NULL, NULL), 0);
	assert_non_null(strstr(logbuf, "CUSE_INIT: 7.45"));
	assert_non_null(strstr(logbuf, "opcode: CUSE_INIT (4096)"));
	assert_non_null(strstr(logbuf, "dev_major=240"));
	assert_non_null(strstr(logbuf, "dev_info: DEVNAME=lfcuse"));
	fake_session_destroy(se);
}

/*
 * The real /dev/fuse transport and loops on a CUSE session: a datagram
 * socket stands in for /dev/cuse (one read, one request; one writev, one
 * reply) and this thread plays the kernel.
 */
struct loop_arg {
	struct fuse_session *se;
	int mt;
	int res;
};

static void *run_loop(void *p)
{
	struct loop_arg *a = p;

	a->res = a->mt ? lf_session_loop_mt(a->se, NULL) :
			 fuse_session_loop(a->se);
	return NULL;
}

static size_t kernel_call(int fd, uint32_t opcode, uint64_t unique,
			  const void *arg, size_t arglen, const void *data,
			  size_t datalen, void *ret_reply, size_t reply_max)
{
	struct fuse_in_header h = {
		.len = (uint32_t)(sizeof(h) + arglen + datalen),
		.opcode = opcode, .unique = unique,
		.uid = getuid(), .gid = getgid(), .pid = (uint32_t)getpid(),
	};
	struct iovec iov[3] = {
		{ &h, sizeof(h) }, { (void *)arg, arglen }, { (void *)data, datalen },
	};
	const struct fuse_out_header *oh = ret_reply;
	ssize_t n;

	assert_int_equal(writev(fd, iov, 3), h.len);
	n = read(fd, ret_reply, reply_max);
	assert_true(n >= (ssize_t)sizeof(*oh));
	assert_int_equal(oh->len, n);
	assert_int_equal(oh->unique, unique);
	return (size_t)n;
}

static void socket_session(int mt)
{
	static const struct cuse_lowlevel_ops ops = {
		.read = c_read, .write = c_write, .init = c_init,
	};
	union {
		struct fuse_out_header oh;
		char bytes[8192];
	} r;
	struct cuse_init_in ii = { .major = 7, .minor = 45 };
	struct fuse_read_in ri = { .fh = 5, .size = 100 };
	struct fuse_write_in wi = { .fh = 5, .size = 3 };
	const struct cuse_init_out *io = (const void *)(&r.oh + 1);
	char *av[] = { "cuse-test" };
	struct fuse_args args = FUSE_ARGS_INIT(1, av);
	struct loop_arg la = { .mt = mt, .res = -1 };
	pthread_t t;
	size_t n;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sv), 0);
	la.se = cuse_lowlevel_new(&args, &info, &ops, tag);
	fuse_opt_free_args(&args);
	assert_non_null(la.se);
	assert_int_equal(lf_session_set_fd(la.se, sv[1]), 0);
	assert_int_equal(pthread_create(&t, NULL, run_loop, &la), 0);

	n = kernel_call(sv[0], CUSE_INIT, 2, &ii, sizeof(ii), NULL, 0,
			&r, sizeof(r));
	assert_int_equal(r.oh.error, 0);
	assert_int_equal(n, sizeof(r.oh) + sizeof(*io) + INFO_LEN);
	assert_int_equal(io->dev_major, 240);
	assert_memory_equal(io + 1, INFO_BYTES, INFO_LEN);
	assert_int_equal(seen.init, 1);

	n = kernel_call(sv[0], FUSE_READ, 4, &ri, sizeof(ri), NULL, 0,
			&r, sizeof(r));
	assert_int_equal(r.oh.error, 0);
	assert_int_equal(n, sizeof(r.oh) + 7);
	assert_memory_equal(&r.oh + 1, "device!", 7);

	kernel_call(sv[0], FUSE_WRITE, 6, &wi, sizeof(wi), "abc", 3,
		    &r, sizeof(r));
	assert_int_equal(r.oh.error, 0);
	assert_memory_equal(seen.data, "abc", 3);

	/* the device going away ends the loop normally */
	close(sv[0]);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(la.res, 0);
	fuse_session_destroy(la.se);
}

static void test_socket_loop(void **state)
{
	(void)state;
	socket_session(0);
}

static void test_socket_loop_mt(void **state)
{
	(void)state;
	socket_session(1);
}

/* ---- setup, teardown, main ---- */

static void *handler_of(int sig)
{
	struct sigaction sa;

	assert_int_equal(sigaction(sig, NULL, &sa), 0);
	return (void *)sa.sa_handler;
}

static void test_setup_no_dev_cuse(void **state)
{
	char *av[] = { "cuse-test", "-f", NULL };
	int mt = -1;

	(void)state;
	if (access(LF_CUSE_DEVICE, F_OK) == 0) {
		print_message("skip: this kernel has %s\n", LF_CUSE_DEVICE);
		skip();
	}
	assert_null(cuse_lowlevel_setup(2, av, &info, &all_ops, &mt, NULL));
	assert_non_null(strstr(logbuf,
		"cuse: device not found, try 'modprobe cuse' first"));
	assert_int_equal(mt, -1);
	assert_ptr_equal(handler_of(SIGTERM), (void *)SIG_DFL);

	logbuf[0] = '\0';
	assert_int_equal(cuse_lowlevel_main(2, av, &info, &all_ops, NULL), 1);
	assert_non_null(strstr(logbuf, "modprobe cuse"));
	assert_int_equal(seen.init, 0);
}

static void test_setup_errors(void **state)
{
	char *av[] = { "cuse-test", "-f", NULL };
	char *bad[] = { "cuse-test", "-f", "-o", "bogus_option", NULL };
	struct fuse_session *se = NULL;
	int mt = -1;

	(void)state;
	assert_int_equal(lf_cuse_setup(2, av, "/nonexistent/cuse", &info,
				       &all_ops, NULL, &mt, &se), -ENOENT);
	assert_non_null(strstr(logbuf, "try 'modprobe cuse' first"));
	assert_null(se);
	assert_int_equal(mt, -1);

	logbuf[0] = '\0';
	assert_int_equal(lf_cuse_setup(2, av, "/", &info, &all_ops, NULL, &mt,
				       &se), -EISDIR);
	assert_non_null(strstr(logbuf, "cuse: failed to open /: Is a directory"));

	/* a bad option fails before the device is touched */
	logbuf[0] = '\0';
	assert_int_equal(lf_cuse_setup(4, bad, "/nonexistent/cuse", &info,
				       &all_ops, NULL, &mt, &se), -EINVAL);
	assert_non_null(strstr(logbuf, "unknown option"));
	assert_null(strstr(logbuf, "modprobe"));
	assert_null(se);
	assert_ptr_equal(handler_of(SIGTERM), (void *)SIG_DFL);
}

/* The success path on a stand-in device: /dev/null opens like /dev/cuse. */
static void test_setup_teardown(void **state)
{
	char *single[] = { "cuse-test", "-f", "-s", "-o", "subtype=x", NULL };
	char *multi[] = { "cuse-test", "-d", NULL };
	struct fuse_session *se = NULL;
	int mt = -1;

	(void)state;
	assert_int_equal(lf_cuse_setup(5, single, "/dev/null", &info,
				       &all_ops, tag, &mt, &se), 0);
	assert_non_null(se);
	assert_int_equal(mt, 0);
	assert_non_null(se->cuse);
	assert_true(se->fd > 2);
	assert_int_not_equal(fcntl(se->fd, F_GETFD), -1);
	assert_true(fcntl(se->fd, F_GETFD) & FD_CLOEXEC);
	assert_ptr_not_equal(handler_of(SIGTERM), (void *)SIG_DFL);
	assert_int_equal(se->debug, 0);
	cuse_lowlevel_teardown(se);
	assert_ptr_equal(handler_of(SIGTERM), (void *)SIG_DFL);
	/* no init happened, so no destroy */
	assert_int_equal(seen.destroy, 0);

	/* -d: debug and foreground; no -s: the multithreaded loop */
	se = NULL;
	assert_int_equal(lf_cuse_setup(2, multi, "/dev/null", &info,
				       &all_ops, tag, &mt, &se), 0);
	assert_int_equal(mt, 1);
	assert_int_equal(se->debug, 1);
	cuse_lowlevel_teardown(se);
	cuse_lowlevel_teardown(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_max_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_ordering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cuse_init_on_fuse_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_fsync_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debug_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_loop_mt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_no_dev_cuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_teardown, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * INIT negotiation: capability mapping, libfuse's default wants, EPROTO on
 * wants the kernel did not offer, compat reply sizes, max_pages/max_write,
 * and (3.17+ ABI) the want/want_ext rules.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"

static void (*init_hook)(struct fuse_conn_info *conn);
static struct fuse_conn_info seen;

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (init_hook)
		init_hook(conn);
	seen = *conn;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)ino; (void)size; (void)off; (void)fi;
	fuse_reply_buf(req, NULL, 0);
}

static void op_flock(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, int op)
{
	(void)ino; (void)fi; (void)op;
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.readdir = op_readdir,
	.readdirplus = op_readdir,
	.flock = op_flock,
};

/* Send INIT and return the reply payload (copied) and its error. */
static int do_init(struct fuse_session *se, uint32_t major, uint32_t minor,
		   uint64_t flags, struct fuse_init_out *ret, size_t *ret_len)
{
	struct fuse_init_in in;
	const struct fuse_out_header *oh;
	const void *p;
	size_t len;

	memset(&in, 0, sizeof(in));
	in.major = major;
	in.minor = minor;
	in.max_readahead = 65536;
	in.flags = (uint32_t)flags;
	in.flags2 = (uint32_t)(flags >> 32);
	fake_request(se, FUSE_INIT, 0, &in, minor < 36 ? 16 : sizeof(in),
		     NULL, 0);
	oh = fake_last(se, &p, &len);
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, p, len < sizeof(*ret) ? len : sizeof(*ret));
	if (ret_len)
		*ret_len = len;
	return oh->error;
}

#define ALL_FLAGS (FUSE_ASYNC_READ | FUSE_POSIX_LOCKS | FUSE_ATOMIC_O_TRUNC | \
		   FUSE_FLOCK_LOCKS | FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO | \
		   FUSE_ASYNC_DIO | FUSE_WRITEBACK_CACHE | FUSE_PARALLEL_DIROPS | \
		   FUSE_HANDLE_KILLPRIV | FUSE_AUTO_INVAL_DATA | FUSE_HAS_IOCTL_DIR | \
		   FUSE_MAX_PAGES | FUSE_INIT_EXT | FUSE_BIG_WRITES | \
		   FUSE_SPLICE_READ | FUSE_PASSTHROUGH)

static void test_default_wants(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);
	struct fuse_init_out out;
	uint64_t f;

	(void)state;
	init_hook = NULL;
	assert_int_equal(do_init(se, 7, 45, ALL_FLAGS, &out, NULL), 0);
	f = out.flags | ((uint64_t)out.flags2 << 32);
	/* libfuse's defaults, given the ops above */
	assert_true(f & FUSE_ASYNC_READ);
	assert_true(f & FUSE_PARALLEL_DIROPS);
	assert_true(f & FUSE_AUTO_INVAL_DATA);
	assert_true(f & FUSE_HANDLE_KILLPRIV);
	assert_true(f & FUSE_ASYNC_DIO);
	assert_true(f & FUSE_HAS_IOCTL_DIR);
	assert_true(f & FUSE_ATOMIC_O_TRUNC);
	assert_true(f & FUSE_FLOCK_LOCKS);
	assert_true(f & FUSE_DO_READDIRPLUS);
	assert_true(f & FUSE_READDIRPLUS_AUTO);
	/* not by default, or missing ops */
	assert_false(f & FUSE_WRITEBACK_CACHE);
	assert_false(f & FUSE_POSIX_LOCKS);
	assert_false(f & FUSE_SPLICE_READ);
	assert_false(f & FUSE_PASSTHROUGH);
	assert_true(f & FUSE_MAX_PAGES);
	assert_int_equal(out.major, 7);
	assert_int_equal(out.minor, FUSE_KERNEL_MINOR_VERSION);
	assert_int_equal(out.max_pages, 256);
	assert_int_equal(out.max_write, 1024 * 1024);
	assert_int_equal(out.max_readahead, 65536);
	assert_int_equal(seen.proto_minor, 45);
	assert_true(seen.capable & FUSE_CAP_WRITEBACK_CACHE);
	assert_false(seen.want & FUSE_CAP_WRITEBACK_CACHE);
	fake_session_destroy(se);
}

static void want_writeback(struct fuse_conn_info *conn)
{
	conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	conn->max_write = 128 * 1024;
}

static void test_fs_wants_are_sent(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);
	struct fuse_init_out out;

	(void)state;
	init_hook = want_writeback;
	assert_int_equal(do_init(se, 7, 45, ALL_FLAGS, &out, NULL), 0);
	assert_true(out.flags & FUSE_WRITEBACK_CACHE);
	assert_int_equal(out.max_write, 128 * 1024);
	assert_int_equal(out.max_pages, 32);
	fake_session_destroy(se);
}

static void test_unoffered_want_is_eproto(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);
	struct fuse_init_out out;

	(void)state;
	init_hook = want_writeback;
	assert_int_equal(do_init(se, 7, 45, FUSE_ASYNC_READ | FUSE_INIT_EXT,
				 &out, NULL), -EPROTO);
	assert_true(fuse_session_exited(se));
	fake_session_destroy(se);
}

static void test_compat_reply_sizes(void **state)
{
	struct fuse_init_out out;
	struct fuse_session *se;
	size_t len;

	(void)state;
	init_hook = NULL;
	se = fake_session_new(&ops, sizeof(ops), NULL);
	assert_int_equal(do_init(se, 7, 22, FUSE_ASYNC_READ, &out, &len), 0);
	assert_int_equal(len, FUSE_COMPAT_22_INIT_OUT_SIZE);
	fake_session_destroy(se);

	se = fake_session_new(&ops, sizeof(ops), NULL);
	assert_int_equal(do_init(se, 7, 4, 0, &out, &len), 0);
	assert_int_equal(len, FUSE_COMPAT_INIT_OUT_SIZE);
	fake_session_destroy(se);

	se = fake_session_new(&ops, sizeof(ops), NULL);
	assert_int_equal(do_init(se, 7, 36, ALL_FLAGS, &out, &len), 0);
	assert_int_equal(len, sizeof(struct fuse_init_out));
	fake_session_destroy(se);
}

static void test_newer_major_gets_our_version(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);
	struct fuse_init_out out;

	(void)state;
	init_hook = NULL;
	assert_int_equal(do_init(se, 8, 0, 0, &out, NULL), 0);
	assert_int_equal(out.major, 7);
	assert_int_equal(out.minor, FUSE_KERNEL_MINOR_VERSION);
	/* not initialized yet: the kernel retries with 7.x */
	assert_int_equal(do_init(se, 7, 45, ALL_FLAGS, &out, NULL), 0);
	assert_int_equal(do_init(se, 6, 0, 0, &out, NULL), -EIO);
	fake_session_destroy(se);
}

#if !LF_ABI_314
static void want_both_inconsistent(struct fuse_conn_info *conn)
{
	conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	conn->want_ext &= ~FUSE_CAP_ASYNC_READ;
}

static void want_via_flag(struct fuse_conn_info *conn)
{
	assert_true(fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH));
	assert_false(fuse_set_feature_flag(conn, FUSE_CAP_OVER_IO_URING));
	fuse_unset_feature_flag(conn, FUSE_CAP_ASYNC_READ);
}

static void test_want_ext_rules(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);
	struct fuse_init_out out;
	uint64_t f;

	(void)state;
	init_hook = want_both_inconsistent;
	assert_int_equal(do_init(se, 7, 45, ALL_FLAGS, &out, NULL), -EPROTO);
	fake_session_destroy(se);

	se = fake_session_new(&ops, sizeof(ops), NULL);
	init_hook = want_via_flag;
	assert_int_equal(do_init(se, 7, 45, ALL_FLAGS, &out, NULL), 0);
	f = out.flags | ((uint64_t)out.flags2 << 32);
	assert_true(f & FUSE_PASSTHROUGH);
	assert_false(f & FUSE_ASYNC_READ);
	assert_int_equal(out.max_stack_depth, 1);
	fake_session_destroy(se);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_wants),
		cmocka_unit_test(test_fs_wants_are_sent),
		cmocka_unit_test(test_unoffered_want_is_eproto),
		cmocka_unit_test(test_compat_reply_sizes),
		cmocka_unit_test(test_newer_major_gets_our_version),
#if !LF_ABI_314
		cmocka_unit_test(test_want_ext_rules),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

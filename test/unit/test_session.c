// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Session lifecycle through the public API: custom I/O over a socketpair
 * with fuse_session_receive_buf/process_buf, exit/reset, option errors,
 * /dev/fd/N validation and op_size handling.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "fastpath/fastpath.h"

static int reads, writes;

static ssize_t cio_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	reads++;
	return read(fd, buf, len);
}

static ssize_t cio_writev(int fd, struct iovec *iov, int count,
			  void *userdata)
{
	(void)userdata;
	writes++;
	return writev(fd, iov, count);
}

static int inited;
static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)conn;
	*(int *)userdata = 1;
}

static const struct fuse_lowlevel_ops ops = { .init = op_init };

static struct fuse_session *new_session(int argc, const char *argv[])
{
	char *av[8] = { "test" };
	struct fuse_args args;
	struct fuse_session *se;
	int i;

	for (i = 0; i < argc; i++)
		av[i + 1] = (char *)argv[i];
	args = (struct fuse_args)FUSE_ARGS_INIT(argc + 1, av);
	se = lf_session_new(&args, &ops, sizeof(ops), NULL, &inited);
	fuse_opt_free_args(&args);
	return se;
}

static void test_custom_io_roundtrip(void **state)
{
	struct fuse_session *se = new_session(0, NULL);
	struct fuse_custom_io io = { .read = cio_read, .writev = cio_writev };
	struct {
		struct fuse_in_header h;
		struct fuse_init_in in;
	} req;
	struct fuse_buf buf = { .mem = NULL };
	uint8_t reply[256];
	struct fuse_out_header *oh = (void *)reply;
	int sv[2];
	ssize_t n;

	(void)state;
	assert_non_null(se);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(lf_session_custom_io(se, &io, sizeof(io), sv[0]), 0);
	assert_int_equal(fuse_session_fd(se), sv[0]);

	memset(&req, 0, sizeof(req));
	req.h.len = sizeof(req);
	req.h.opcode = FUSE_INIT;
	req.h.unique = 42;
	req.in.major = 7;
	req.in.minor = 45;
	req.in.flags = FUSE_ASYNC_READ;
	assert_int_equal(write(sv[1], &req, sizeof(req)), (ssize_t)sizeof(req));

	inited = 0;
	reads = writes = 0;
	n = fuse_session_receive_buf(se, &buf);
	assert_int_equal(n, sizeof(req));
	assert_int_equal(reads, 1);
	fuse_session_process_buf(se, &buf);
	assert_int_equal(writes, 1);
	assert_int_equal(inited, 1);

	n = read(sv[1], reply, sizeof(reply));
	assert_true(n >= (ssize_t)sizeof(*oh));
	assert_int_equal(oh->unique, 42);
	assert_int_equal(oh->error, 0);
	assert_int_equal(oh->len, n);

	/* the peer goes away: receive reports the end, not an error */
	close(sv[1]);
	assert_int_equal(fuse_session_receive_buf(se, &buf), 0);
	assert_true(fuse_session_exited(se));
	free(buf.mem);
	fuse_session_destroy(se);	/* closes sv[0] */
}

static void test_custom_io_rejects_bad_args(void **state)
{
	struct fuse_session *se = new_session(0, NULL);
	struct fuse_custom_io io = { .read = cio_read };

	(void)state;
	assert_int_equal(lf_session_custom_io(se, &io, sizeof(io), 3), -EINVAL);
	assert_int_equal(lf_session_custom_io(se, NULL, sizeof(io), 3), -EINVAL);
	io.writev = cio_writev;
	assert_int_equal(lf_session_custom_io(se, &io, sizeof(io), -1), -EBADF);
	fuse_session_destroy(se);
}

static void test_exit_and_reset(void **state)
{
	struct fuse_session *se = new_session(0, NULL);

	(void)state;
	assert_int_equal(fuse_session_exited(se), 0);
	fuse_session_exit(se);
	assert_int_equal(fuse_session_exited(se), 1);
	fuse_session_reset(se);
	assert_int_equal(fuse_session_exited(se), 0);
	fuse_session_destroy(se);
}

static void test_options(void **state)
{
	const char *debug[] = { "-d" };
	const char *bad[] = { "-o", "nonsense" };
	const char *mnt[] = { "-o", "allow_other,fsname=x,subtype=y,default_permissions" };
	struct fuse_session *se;

	(void)state;
	se = new_session(1, debug);
	assert_non_null(se);
	assert_int_equal(se->debug, 1);
	fuse_session_destroy(se);
	assert_null(new_session(2, bad));
	se = new_session(2, mnt);
	assert_non_null(se);
	fuse_session_destroy(se);
}

/* FASTFUSE_CACHE_POLICY: a policy for programs that reject -o options;
 * -o fastpath_cache wins; a bad value fails the session like -o does. */
static void test_policy_env(void **state)
{
	const char *none[] = { "-d" };
	const char *opt[] = { "-o", "fastpath_cache=readonly" };
	struct fuse_session *se;

	(void)state;
	setenv("FASTFUSE_CACHE_POLICY", "shared", 1);
	se = new_session(1, none);
	assert_non_null(se);
	assert_non_null(se->fastpath);
	assert_int_equal(se->fastpath->p.invalidation, FASTFUSE_INVAL_TTL);
	fuse_session_destroy(se);
	se = new_session(2, opt);
	assert_non_null(se);
	assert_int_equal(se->fastpath->p.invalidation, FASTFUSE_INVAL_NONE);
	fuse_session_destroy(se);
	setenv("FASTFUSE_CACHE_POLICY", "nosuch", 1);
	assert_null(new_session(1, none));
	setenv("FASTFUSE_CACHE_POLICY", "", 1);
	se = new_session(1, none);
	assert_non_null(se);
	assert_null(se->fastpath);
	fuse_session_destroy(se);
	unsetenv("FASTFUSE_CACHE_POLICY");
}

/* -o bdi_strict_limit=/bdi_max_ratio=: checked at session creation,
 * written below /sys/class/bdi/MAJ:MIN (here: a scratch directory). */
static void test_bdi_limits(void **state)
{
	const char *ok[] = { "-o", "bdi_strict_limit=0,bdi_max_ratio=40" };
	const char *bad1[] = { "-o", "bdi_strict_limit=2" };
	const char *bad2[] = { "-o", "bdi_max_ratio=101" };
	char dir[] = "/tmp/test_bdi_XXXXXX", path[64], buf[16];
	struct fuse_session *se;
	FILE *f;
	int i;

	(void)state;
	se = new_session(2, ok);
	assert_non_null(se);
	assert_int_equal(se->bdi_strict_limit, 0);
	assert_int_equal(se->bdi_max_ratio, 40);
	fuse_session_destroy(se);
	se = new_session(0, NULL);
	assert_int_equal(se->bdi_strict_limit, -1);	/* the kernel's */
	assert_int_equal(lf_bdi_apply(se), 0);		/* nothing to do */
	fuse_session_destroy(se);
	assert_null(new_session(2, bad1));
	assert_null(new_session(2, bad2));

	assert_non_null(mkdtemp(dir));
	/* a missing knob (older kernel) is an error, named */
	assert_int_equal(lf_bdi_set(dir, 0, -1, false), -ENOENT);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
			 i ? "max_ratio" : "strict_limit");
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("1\n", f);
		fclose(f);
	}
	assert_int_equal(lf_bdi_set(dir, 0, 25, false), 0);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
			 i ? "max_ratio" : "strict_limit");
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_string_equal(buf, i ? "25\n" : "0\n");
		unlink(path);
	}
	rmdir(dir);
}

static void test_dev_fd_mountpoint(void **state)
{
	struct fuse_session *se = new_session(0, NULL);
	int fds[2];

	(void)state;
	/* a closed descriptor number is refused with -1 */
	assert_int_equal(fuse_session_mount(se, "/dev/fd/987"), -1);
	assert_int_equal(pipe(fds), 0);
	close(fds[1]);
	{
		char path[32];

		snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
		assert_int_equal(fuse_session_mount(se, path), 0);
		assert_int_equal(fuse_session_fd(se), fds[0]);
	}
	fuse_session_destroy(se);	/* closes fds[0] */
}

static void test_oversized_ops_table(void **state)
{
	struct {
		struct fuse_lowlevel_ops ops;
		void *future[4];
	} big;
	char *av[] = { "test" };
	struct fuse_args args = FUSE_ARGS_INIT(1, av);
	struct fuse_session *se;

	(void)state;
	memset(&big, 0, sizeof(big));
	big.ops.init = op_init;
	se = lf_session_new(&args, &big.ops, sizeof(big), NULL, &inited);
	fuse_opt_free_args(&args);
	assert_non_null(se);
	assert_ptr_equal(se->op.init, op_init);
	fuse_session_destroy(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_custom_io_roundtrip),
		cmocka_unit_test(test_bdi_limits),
		cmocka_unit_test(test_custom_io_rejects_bad_args),
		cmocka_unit_test(test_exit_and_reset),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_policy_env),
		cmocka_unit_test(test_dev_fd_mountpoint),
		cmocka_unit_test(test_oversized_ops_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

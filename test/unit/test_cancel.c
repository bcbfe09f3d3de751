// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/cancel.c: the cancellable read of the single-threaded
 * loop. A set exit flag stops the read before it starts, a teardown signal
 * ends a blocked read (also when another thread takes the signal), and a
 * signal landing in the window between the flag test and the syscall is
 * sent to the -EINTR exit while a finished syscall's result is kept.
 */

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <cmocka.h>

#include "cancel.h"
#include "fuse_i.h"
#include "fuse_lowlevel.h"
#include "fuse_opt.h"

static struct fuse_session *new_session(void)
{
	static const struct fuse_lowlevel_ops ops;
	char *argv[] = { "test", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se;

	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	fuse_opt_free_args(&args);
	assert_non_null(se);
	return se;
}

static void test_flag_set_no_read(void **state)
{
	atomic_int flag = 1;
	char c = 0;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(lf_cancel_read(p[0], &c, 1, &flag), -EINTR);
	/* nothing was consumed */
	atomic_store(&flag, 0);
	assert_int_equal(lf_cancel_read(p[0], &c, 1, &flag), 1);
	assert_int_equal(c, 'x');
	close(p[0]);
	close(p[1]);
}

struct blocked {
	struct fuse_session *se;
	int fd;
	atomic_bool started;
	ssize_t res;
};

static void *blocked_reader(void *arg)
{
	struct blocked *b = arg;
	char c;

	lf_cancel_own(true);
	atomic_store(&b->started, true);
	b->res = lf_cancel_read(b->fd, &c, 1, &b->se->exited);
	lf_cancel_own(false);
	return NULL;
}

/*
 * A reader thread blocks in lf_cancel_read on an empty pipe; SIGTERM is
 * sent to the reader itself, or to this thread, a bystander that must
 * pass it on. The read must end with -EINTR and the session be exited.
 */
static void run_blocked(bool to_reader)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct blocked b;
	pthread_t thr;
	int p[2];

	b.se = new_session();
	atomic_init(&b.started, false);
	b.res = 0;
	assert_int_equal(pipe(p), 0);
	b.fd = p[0];
	assert_int_equal(fuse_set_signal_handlers(b.se), 0);
	assert_int_equal(pthread_create(&thr, NULL, blocked_reader, &b), 0);
	while (!atomic_load(&b.started))
		nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);	/* let it enter read() */
	if (to_reader)
		assert_int_equal(pthread_kill(thr, SIGTERM), 0);
	else
		assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(pthread_join(thr, NULL), 0);
	assert_int_equal(b.res, -EINTR);
	assert_int_not_equal(fuse_session_exited(b.se), 0);
	fuse_remove_signal_handlers(b.se);
	fuse_session_destroy(b.se);
	close(p[0]);
	close(p[1]);
}

static void test_signal_ends_read(void **state)
{
	(void)state;
	run_blocked(true);
}

static void test_signal_forwarded(void **state)
{
	(void)state;
	run_blocked(false);
}

#if defined(__x86_64__) && defined(__linux__)
extern const char lf_cancel_begin[], lf_cancel_syscall[], lf_cancel_cut[];

static void test_window_redirect(void **state)
{
	ucontext_t uc;
	const char *cut = lf_cancel_cut;

	(void)state;
	assert_true(lf_cancel_supported());
	assert_int_equal(getcontext(&uc), 0);
	/* before the flag test, and right on the syscall instruction */
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)lf_cancel_begin;
	assert_true(lf_cancel_redirect(&uc));
	assert_ptr_equal((void *)(uintptr_t)uc.uc_mcontext.gregs[REG_RIP], cut);
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)lf_cancel_syscall;
	assert_true(lf_cancel_redirect(&uc));
	assert_ptr_equal((void *)(uintptr_t)uc.uc_mcontext.gregs[REG_RIP], cut);
	/* after the syscall (2 bytes): its result stands */
	uc.uc_mcontext.gregs[REG_RIP] =
		(greg_t)(uintptr_t)(lf_cancel_syscall + 2);
	assert_false(lf_cancel_redirect(&uc));
	/* somewhere else entirely */
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)test_window_redirect;
	assert_false(lf_cancel_redirect(&uc));
	assert_false(lf_cancel_redirect(NULL));
}
#else
static void test_window_redirect(void **state)
{
	(void)state;
	assert_false(lf_cancel_supported());
	skip();
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_set_no_read),
		cmocka_unit_test(test_signal_ends_read),
		cmocka_unit_test(test_signal_forwarded),
		cmocka_unit_test(test_window_redirect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

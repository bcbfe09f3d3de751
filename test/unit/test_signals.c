// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/signals.c: which handlers get installed and removed,
 * that an application's own handlers are left alone, that a blocked read()
 * is interrupted, that SIGTERM ends the session, and that a fatal signal
 * prints a report and still kills the process with that signal.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuse_i.h"
#include "fuse_log.h"
#include "fuse_opt.h"

/* 3.17+ API; the 3.14 headers do not declare it. */
int fuse_set_fail_signal_handlers(struct fuse_session *se);

static const int our_sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGPIPE };
static const int fatal_sigs[] = {
	SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV
};

/* ---- log capture ---- */

static char logbuf[4096];
static int lognum;

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
	lognum++;
}

static void set_default(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

static int setup(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	lognum = 0;
	fuse_set_log_func(capture);
	for (size_t i = 0; i < sizeof(our_sigs) / sizeof(our_sigs[0]); i++)
		set_default(our_sigs[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

static struct sigaction current(int sig)
{
	struct sigaction sa;

	assert_int_equal(sigaction(sig, NULL, &sa), 0);
	return sa;
}

/* Stand-in session pointers for tests that never deliver a signal. */
static char dummy_a, dummy_b;
#define SE_A ((struct fuse_session *)(void *)&dummy_a)
#define SE_B ((struct fuse_session *)(void *)&dummy_b)

/* ---- install / remove ---- */

static void test_install_remove(void **state)
{
	(void)state;
	assert_int_equal(fuse_set_signal_handlers(SE_A), 0);
	for (size_t i = 0; i < sizeof(our_sigs) / sizeof(our_sigs[0]); i++) {
		struct sigaction sa = current(our_sigs[i]);

		assert_true(sa.sa_handler != SIG_DFL);
		/* SIGPIPE too: a handler, not SIG_IGN, so children that
		 * exec start with the default again */
		assert_true(sa.sa_handler != SIG_IGN);
		/* blocked reads must come back with EINTR */
		assert_int_equal(sa.sa_flags & SA_RESTART, 0);
	}

	fuse_remove_signal_handlers(SE_A);
	assert_string_equal(logbuf, "");
	for (size_t i = 0; i < sizeof(our_sigs) / sizeof(our_sigs[0]); i++)
		assert_true(current(our_sigs[i]).sa_handler == SIG_DFL);
}

static void app_handler(int sig)
{
	(void)sig;
}

static void test_app_handlers_left_alone(void **state)
{
	struct sigaction sa;

	(void)state;
	signal(SIGINT, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = app_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	assert_int_equal(sigaction(SIGHUP, &sa, NULL), 0);

	assert_int_equal(fuse_set_signal_handlers(SE_A), 0);
	assert_true(current(SIGINT).sa_handler == SIG_IGN);
	assert_true(current(SIGHUP).sa_handler == app_handler);
	assert_true(current(SIGTERM).sa_handler != SIG_DFL);

	fuse_remove_signal_handlers(SE_A);
	/* only what we installed is reset */
	assert_true(current(SIGINT).sa_handler == SIG_IGN);
	assert_true(current(SIGHUP).sa_handler == app_handler);
	assert_true(current(SIGTERM).sa_handler == SIG_DFL);
	set_default(SIGINT);
	set_default(SIGHUP);
}

static void test_unknown_session(void **state)
{
	(void)state;
	assert_int_equal(fuse_set_signal_handlers(SE_A), 0);
	fuse_remove_signal_handlers(SE_B);
	assert_string_equal(logbuf,
		"fuse: fuse_remove_signal_handlers: unknown session\n");
	/* removed all the same */
	assert_true(current(SIGTERM).sa_handler == SIG_DFL);

	/* as in libfuse, the wrong session did not clear the right one */
	fuse_remove_signal_handlers(SE_A);
	assert_int_equal(lognum, 1);
}

static void test_second_session(void **state)
{
	(void)state;
	assert_int_equal(fuse_set_signal_handlers(SE_A), 0);
	assert_int_equal(fuse_set_signal_handlers(SE_B), 0);
#if LF_ABI_314
	/* 3.14: the latest caller is the target */
	fuse_remove_signal_handlers(SE_B);
#else
	/* 3.17+: the first session keeps the handlers */
	fuse_remove_signal_handlers(SE_A);
#endif
	assert_string_equal(logbuf, "");
}

static void test_sigpipe_swallowed(void **state)
{
	(void)state;
	assert_int_equal(fuse_set_signal_handlers(SE_A), 0);
	/* would kill us with the default action */
	assert_int_equal(raise(SIGPIPE), 0);
	fuse_remove_signal_handlers(SE_A);
}

/* ---- a blocked read() is interrupted ---- */

struct kicker {
	pthread_t target;
	int wfd;
	atomic_bool done;
};

/* Signal the reader until it returns; after ~2 s unblock it by writing,
 * which makes the test fail instead of hang. */
static void *kick(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 100 && !atomic_load(&k->done); i++) {
		nanosleep(&ts, NULL);
		if (!atomic_load(&k->done))
			pthread_kill(k->target, SIGTERM);
	}
	if (!atomic_load(&k->done) && write(k->wfd, "x", 1) != 1)
		abort();
	return NULL;
}

static void test_read_interrupted(void **state)
{
	struct kicker k;
	pthread_t thr;
	int p[2], err;
	char c;
	ssize_t n;

	(void)state;
	/* no session: the handler has nothing to flag, but must still
	 * interrupt the read */
	assert_int_equal(fuse_set_signal_handlers(NULL), 0);
	assert_int_equal(pipe(p), 0);
	k.target = pthread_self();
	k.wfd = p[1];
	atomic_init(&k.done, false);
	assert_int_equal(pthread_create(&thr, NULL, kick, &k), 0);

	n = read(p[0], &c, 1);
	err = errno;
	atomic_store(&k.done, true);
	pthread_join(thr, NULL);
	close(p[0]);
	close(p[1]);
	fuse_remove_signal_handlers(NULL);

	assert_int_equal(n, -1);
	assert_int_equal(err, EINTR);
}

/* ---- the signal ends the session ---- */

static void test_signal_exits_session(void **state)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct fuse_lowlevel_ops ops;

	(void)state;
	memset(&ops, 0, sizeof(ops));
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		char *argv[] = { "test", NULL };
		struct fuse_args args = FUSE_ARGS_INIT(1, argv);
		struct fuse_session *se;

		se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
		fuse_opt_free_args(&args);
		assert_non_null(se);
		assert_int_equal(fuse_set_signal_handlers(se), 0);
		assert_int_equal(fuse_session_exited(se), 0);
		assert_int_equal(raise(sigs[i]), 0);
		assert_int_not_equal(fuse_session_exited(se), 0);
		/* what fuse_session_loop() will return */
		assert_int_equal(se->error, sigs[i]);
		fuse_remove_signal_handlers(se);
		assert_string_equal(logbuf, "");
		fuse_session_destroy(se);
	}
}

/* ---- fatal signals ---- */

/*
 * In a child: install the fatal handlers, die of sig, and let the parent
 * check both the cause of death and what went to stderr.
 */
static void expect_fatal_report(int sig, const char *errfile)
{
	char want[32], got[4096] = "";
	int status, fd;
	ssize_t n;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		struct sigaction dfl;

		setrlimit(RLIMIT_CORE, &no_core);
		/* a plain program: cmocka (SIGILL, SIGSEGV, ...) and
		 * sanitizers install their own handlers in this process */
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]);
		     i++)
			sigaction(fatal_sigs[i], &dfl, NULL);
		fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) != 2)
			_exit(10);
		if (fuse_set_fail_signal_handlers(NULL) != 0)
			_exit(11);
		if (sigaction(sig, NULL, &dfl) != 0 ||
		    dfl.sa_handler == SIG_DFL)
			_exit(12);	/* not installed */
		if (sig == SIGABRT)
			abort();
		raise(sig);
		_exit(13);		/* survived: the handler swallowed it */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status))
		fail_msg("child exited with %d", WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), sig);

	fd = open(errfile, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	unlink(errfile);
	assert_true(n > 0);
	got[n] = '\0';
	snprintf(want, sizeof(want), "Got signal: %d\n", sig);
	assert_memory_equal(got, want, strlen(want));
	/* followed by at least one backtrace frame */
	assert_true((size_t)n > strlen(want));
}

static void test_fatal_signal_report(void **state)
{
	char errfile[] = "/tmp/lf-signals-XXXXXX";
	int fd = mkstemp(errfile);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	expect_fatal_report(SIGABRT, errfile);	/* through abort() */
	expect_fatal_report(SIGILL, errfile);
	expect_fatal_report(SIGSEGV, errfile);
}

static void test_fatal_install_remove(void **state)
{
	struct sigaction before[sizeof(fatal_sigs) / sizeof(fatal_sigs[0])];

	(void)state;
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		before[i] = current(fatal_sigs[i]);
	assert_int_equal(fuse_set_fail_signal_handlers(SE_A), 0);
	assert_true(current(SIGABRT).sa_handler != SIG_DFL);
	fuse_remove_signal_handlers(SE_A);
	assert_string_equal(logbuf, "");
	/* back to what it was, including handlers sanitizers installed */
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		assert_true(current(fatal_sigs[i]).sa_handler ==
			    before[i].sa_handler);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app_handlers_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigpipe_swallowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_exits_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fatal_signal_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fatal_install_remove, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

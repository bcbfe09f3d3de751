// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/log.c: custom sinks get the level and the formatted
 * text, NULL restores the stderr sink, lf_log() shares the sink, sink
 * swaps are safe under concurrent logging, and the syslog switch.
 */

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuse_log.h"
#include "log.h"

static char logbuf[1024];
static int lognum;
static enum fuse_log_level loglevel;

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
	loglevel = level;
	lognum++;
}

static int setup(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	lognum = 0;
	loglevel = FUSE_LOG_EMERG;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

/*
 * Run fn() with fd 2 pointing at a temporary file and return what was
 * written there (static buffer).
 */
static const char *grab_stderr(void (*fn)(void))
{
	static char out[1024];
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);
	ssize_t n;

	assert_true(fd >= 0);
	assert_true(saved >= 0);
	unlink(path);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);

	n = pread(fd, out, sizeof(out) - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
	return out;
}

static void test_levels_are_syslog(void **state)
{
	(void)state;
	assert_int_equal(FUSE_LOG_EMERG, LOG_EMERG);
	assert_int_equal(FUSE_LOG_ALERT, LOG_ALERT);
	assert_int_equal(FUSE_LOG_CRIT, LOG_CRIT);
	assert_int_equal(FUSE_LOG_ERR, LOG_ERR);
	assert_int_equal(FUSE_LOG_WARNING, LOG_WARNING);
	assert_int_equal(FUSE_LOG_NOTICE, LOG_NOTICE);
	assert_int_equal(FUSE_LOG_INFO, LOG_INFO);
	assert_int_equal(FUSE_LOG_DEBUG, LOG_DEBUG);
}

static void test_custom_func(void **state)
{
	(void)state;
	fuse_set_log_func(capture);
	fuse_log(FUSE_LOG_WARNING, "x=%d %s%c\n", 42, "why", '!');
	assert_int_equal(lognum, 1);
	assert_int_equal(loglevel, FUSE_LOG_WARNING);
	assert_string_equal(logbuf, "x=42 why!\n");

	for (int l = FUSE_LOG_EMERG; l <= FUSE_LOG_DEBUG; l++) {
		setup(NULL);
		fuse_log((enum fuse_log_level)l, "level %d\n", l);
		assert_int_equal(loglevel, l);
		assert_int_equal(lognum, 1);
	}
}

static void test_internal_log(void **state)
{
	(void)state;
	fuse_set_log_func(capture);
	lf_log(FUSE_LOG_DEBUG, "internal %s\n", "msg");
	assert_int_equal(lognum, 1);
	assert_int_equal(loglevel, FUSE_LOG_DEBUG);
	assert_string_equal(logbuf, "internal msg\n");
}

static void test_null_fmt(void **state)
{
	(void)state;
	fuse_set_log_func(capture);
	/* Through a variable: the format attribute rejects a literal NULL. */
	const char *volatile fmt = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-security"
	fuse_log(FUSE_LOG_ERR, fmt);
#pragma GCC diagnostic pop
	assert_int_equal(lognum, 0);
}

static void log_two(void)
{
	fuse_log(FUSE_LOG_ERR, "to %s %d\n", "stderr", 1);
	lf_log(FUSE_LOG_DEBUG, "and %d\n", 2);
}

static void test_default_is_stderr(void **state)
{
	(void)state;
	assert_string_equal(grab_stderr(log_two), "to stderr 1\nand 2\n");

	/* A custom sink takes over: nothing reaches stderr ... */
	fuse_set_log_func(capture);
	assert_string_equal(grab_stderr(log_two), "");
	assert_int_equal(lognum, 2);

	/* ... until NULL restores the default. */
	fuse_set_log_func(NULL);
	assert_string_equal(grab_stderr(log_two), "to stderr 1\nand 2\n");
	assert_int_equal(lognum, 2);
}

/* ---- concurrent logging while the sink is swapped ---- */

#define THREADS 4
#define ITERS 20000

static unsigned long hits_a, hits_b;

static void sink_a(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	/* The argument must arrive intact whichever sink runs. */
	if (va_arg(ap, int) == 7)
		__atomic_fetch_add(&hits_a, 1, __ATOMIC_RELAXED);
}

static void sink_b(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	if (va_arg(ap, int) == 7)
		__atomic_fetch_add(&hits_b, 1, __ATOMIC_RELAXED);
}

static void *logger(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++)
		fuse_log(FUSE_LOG_DEBUG, "%d\n", 7);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	hits_a = hits_b = 0;
	fuse_set_log_func(sink_a);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, logger, NULL), 0);
	for (int i = 0; i < 2000; i++)
		fuse_set_log_func(i % 2 ? sink_a : sink_b);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(hits_a + hits_b, (unsigned long)THREADS * ITERS);
}

#ifndef FASTFUSE_ABI_314
/* ---- syslog ---- */

static void log_all_levels(void)
{
	for (int l = FUSE_LOG_EMERG; l <= FUSE_LOG_DEBUG; l++)
		fuse_log((enum fuse_log_level)l, "L%d\n", l);
}

/*
 * In a child, because the syslog switch cannot be undone. LOG_PERROR
 * makes syslog(3) echo to stderr, and a one-level log mask shows which
 * syslog priority each fuse level was sent with.
 */
static void syslog_child(void)
{
	fuse_log_enable_syslog("fftest", LOG_PERROR, LOG_USER);
	for (int p = LOG_EMERG; p <= LOG_DEBUG; p++) {
		setlogmask(LOG_MASK(p));
		log_all_levels();
	}
	setlogmask(LOG_UPTO(LOG_DEBUG));
	/* A custom sink is not affected by the switch. */
	fuse_set_log_func(capture);
	fuse_log(FUSE_LOG_ERR, "custom\n");
	if (strcmp(logbuf, "custom\n") != 0)
		fuse_log(FUSE_LOG_ERR, "BAD\n");
	fuse_set_log_func(NULL);
	fuse_log(FUSE_LOG_ERR, "back\n");
	fuse_log_close_syslog();
}

static void run_syslog_child(void)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		syslog_child();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_syslog(void **state)
{
	(void)state;
	assert_string_equal(grab_stderr(run_syslog_child),
			    "fftest: L0\nfftest: L1\nfftest: L2\nfftest: L3\n"
			    "fftest: L4\nfftest: L5\nfftest: L6\nfftest: L7\n"
			    "fftest: back\n");
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_levels_are_syslog),
		T(test_custom_func),
		T(test_internal_log),
		T(test_null_fmt),
		T(test_default_is_stderr),
		T(test_threads),
#ifndef FASTFUSE_ABI_314
		T(test_syslog),
#endif
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Process-wide signal handlers for one session: SIGHUP/SIGINT/SIGTERM end
 * the session loop, SIGPIPE is swallowed, and (3.17+) fatal signals print a
 * backtrace before the process dies of the same signal.
 */

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cancel.h"
#include "fuse_i.h"
#include "log.h"

static const int teardown_sigs[] = { SIGHUP, SIGINT, SIGTERM };
static const int ignore_sigs[] = { SIGPIPE };
static const int fatal_sigs[] = {
	SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV
};

/* Read from signal context, hence a lock-free atomic. */
static _Atomic(struct fuse_session *) instance;

#define BT_MAX_FRAMES 64

static void on_teardown(int sig, siginfo_t *si, void *uctx)
{
	struct fuse_session *se = atomic_load(&instance);
	int saved = errno;

	(void)si;
	if (se) {
		/*
		 * The loop returns se->error once it sees the exit flag, so
		 * the signal number goes in first (fuse_session_loop()
		 * documents returning it).
		 */
		se->error = sig;
		fuse_session_exit(se);
		/* a loop about to block in read() must not miss it */
		lf_cancel_on_signal(sig, uctx);
	}
	errno = saved;
}

/*
 * Installed instead of SIG_IGN so that (a) remove can tell our setting
 * from an application's SIG_IGN and (b) programs we exec do not inherit an
 * ignored SIGPIPE (handlers reset to default across exec, SIG_IGN does not).
 */
static void on_ignored(int sig)
{
	(void)sig;
}

/* Async-signal-safe write of a whole buffer to stderr. */
static void put_err(const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void restore_defaults(const int *sigs, size_t n, void *ours);

/* The handler a sigaction names, whichever member of the union it uses. */
static void *handler_of(const struct sigaction *sa)
{
	if (sa->sa_flags & SA_SIGINFO)
		return (void *)sa->sa_sigaction;
	return (void *)sa->sa_handler;
}

/*
 * A fatal signal: say which, show where, and let the process die of the
 * very same signal with the default action (core dump where enabled).
 * Only async-signal-safe calls here; backtrace() was primed at install.
 */
static void on_fatal(int sig)
{
	struct fuse_session *se = atomic_exchange(&instance, NULL);
	void *frames[BT_MAX_FRAMES];
	char msg[32] = "Got signal: ";
	char num[12];
	size_t len = strlen(msg), k = 0;
	unsigned int v = (unsigned int)sig;
	int nframes;

	if (se)
		fuse_session_exit(se);
	restore_defaults(teardown_sigs, LF_ARRAY_SIZE(teardown_sigs),
			 (void *)on_teardown);
	restore_defaults(ignore_sigs, LF_ARRAY_SIZE(ignore_sigs),
			 (void *)on_ignored);
	restore_defaults(fatal_sigs, LF_ARRAY_SIZE(fatal_sigs),
			 (void *)on_fatal);

	do {
		num[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && k < sizeof(num));
	while (k > 0)
		msg[len++] = num[--k];
	msg[len++] = '\n';
	put_err(msg, len);

	nframes = backtrace(frames, BT_MAX_FRAMES);
	backtrace_symbols_fd(frames, nframes, STDERR_FILENO);

	/*
	 * The signal is blocked while we run, so this stays pending and is
	 * delivered, now with the default action, as soon as we return. A
	 * hardware fault would also simply recur on return.
	 */
	raise(sig);
}

/*
 * Install handler for sig unless the application already chose one. With
 * info, handler is a three-argument SA_SIGINFO handler.
 */
static int set_one(int sig, void *handler, bool info)
{
	struct sigaction old, sa;

	if (sigaction(sig, NULL, &old) == -1) {
		lf_log(FUSE_LOG_ERR, "fuse: cannot get old signal handler: %s\n",
		       strerror(errno));
		return -1;
	}
	if (old.sa_handler != SIG_DFL)
		return 0;

	memset(&sa, 0, sizeof(sa));
	if (info)
		sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))handler;
	else
		sa.sa_handler = (void (*)(int))handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a read() blocked on /dev/fuse must fail with EINTR
	 * so the loop gets to look at the exit flag. */
	sa.sa_flags = info ? SA_SIGINFO : 0;
	if (sigaction(sig, &sa, NULL) == -1) {
		lf_log(FUSE_LOG_ERR, "fuse: cannot set signal handler: %s\n",
		       strerror(errno));
		return -1;
	}
	return 0;
}

static int set_all(const int *sigs, size_t n, void *handler, bool info)
{
	for (size_t i = 0; i < n; i++) {
		if (set_one(sigs[i], handler, info) == -1) {
#if !LF_ABI_314
			lf_log(FUSE_LOG_ERR,
			       "Failed to install signal handler for sig %d\n",
			       sigs[i]);
#endif
			return -1;
		}
	}
	return 0;
}

/* Put back SIG_DFL where our handler is still in place; async-signal-safe. */
static void restore_defaults(const int *sigs, size_t n, void *ours)
{
	struct sigaction old, sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++) {
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    handler_of(&old) == ours)
			sigaction(sigs[i], &sa, NULL);
	}
}

/*
 * 3.14 makes the latest caller's session the target; 3.17+ keeps the first
 * one until it is removed.
 */
static void set_instance(struct fuse_session *se)
{
#if LF_ABI_314
	atomic_store(&instance, se);
#else
	struct fuse_session *none = NULL;

	atomic_compare_exchange_strong(&instance, &none, se);
#endif
}

FUSE_EXPORT int fuse_set_signal_handlers(struct fuse_session *se)
{
	if (set_all(teardown_sigs, LF_ARRAY_SIZE(teardown_sigs),
		    (void *)on_teardown, true) == -1 ||
	    set_all(ignore_sigs, LF_ARRAY_SIZE(ignore_sigs),
		    (void *)on_ignored, false) == -1)
		return -1;
	set_instance(se);
	return 0;
}

FUSE_EXPORT int fuse_set_fail_signal_handlers(struct fuse_session *se)
{
	void *frame;

	/* The first backtrace() may load libgcc and allocate: not something
	 * to do for the first time inside a SIGSEGV handler. */
	backtrace(&frame, 1);
	if (set_all(fatal_sigs, LF_ARRAY_SIZE(fatal_sigs), (void *)on_fatal,
		    false) == -1)
		return -1;
	set_instance(se);
	return 0;
}

FUSE_EXPORT void fuse_remove_signal_handlers(struct fuse_session *se)
{
	struct fuse_session *expected = se;

	if (!atomic_compare_exchange_strong(&instance, &expected, NULL))
		lf_log(FUSE_LOG_ERR,
		       "fuse: fuse_remove_signal_handlers: unknown session\n");

	restore_defaults(teardown_sigs, LF_ARRAY_SIZE(teardown_sigs),
			 (void *)on_teardown);
	restore_defaults(ignore_sigs, LF_ARRAY_SIZE(ignore_sigs),
			 (void *)on_ignored);
	restore_defaults(fatal_sigs, LF_ARRAY_SIZE(fatal_sigs),
			 (void *)on_fatal);
}

/*
 * The teardown signals whose handler ends se's loop right now. A loop that
 * must not miss them between its exit check and a blocking wait keeps them
 * blocked and unblocks them only inside the wait (ppoll). Returns whether
 * any signal was put in ret_set.
 */
bool lf_signals_mask(struct fuse_session *se, sigset_t *ret_set)
{
	sigset_t set;
	bool any = false;
	size_t i;

	if (atomic_load(&instance) != se)
		return false;
	sigemptyset(&set);
	for (i = 0; i < LF_ARRAY_SIZE(teardown_sigs); i++) {
		struct sigaction cur;

		if (sigaction(teardown_sigs[i], NULL, &cur) == 0 &&
		    handler_of(&cur) == (void *)on_teardown) {
			sigaddset(&set, teardown_sigs[i]);
			any = true;
		}
	}
	if (any)
		*ret_set = set;
	return any;
}

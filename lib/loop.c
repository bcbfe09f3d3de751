// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The single-threaded session loop: pump the transport, hand each request
 * to dispatch. It never parses an opcode. A signal handler installed by
 * fuse_set_signal_handlers() ends the blocking read, race-free (cancel.c).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include "cancel.h"
#include "fuse_i.h"
#include "transport.h"

/* The loop's result, by libfuse's contract: 0 after unmount, the signal
 * number after a signal, -errno on failure. */
int lf_loop_result(struct fuse_session *se, int res)
{
	if (res > 0 || res == -EINTR || res == -EAGAIN)
		res = 0;
	if (se->error != 0)
		res = se->error;
	return res;
}

/*
 * With our signal handlers installed, a signal arriving between the exit
 * check and a blocking read() would be lost until the next request. Where
 * cancel.c has a stub, the read itself is cancellable (one syscall per
 * request). Elsewhere keep those signals blocked and let them in only
 * while waiting in ppoll(), which unblocks and waits in one step. Returns
 * 1 to read, 0 to re-check, or -errno.
 */
static int wait_readable(struct fuse_session *se, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = se->ch->fd, .events = POLLIN };

	if (ppoll(&pfd, 1, NULL, waitmask) < 0)
		return errno == EINTR ? 0 : -errno;
	return 1;
}

FUSE_EXPORT int fuse_session_loop(struct fuse_session *se)
{
	struct fuse_buf buf = { .size = 0 };
	sigset_t block, old;
	bool guarded = false;
	int res = 0;

	if (!se->ch) {
		fuse_log(FUSE_LOG_ERR, "fuse: session is not mounted\n");
		return -ENOTCONN;
	}
	if (!se->io && se->tr == &lf_transport_dev &&
	    lf_signals_mask(se, &block)) {
		if (lf_cancel_supported()) {
			se->cancel_read = true;
			lf_cancel_own(true);
		} else {
			guarded = pthread_sigmask(SIG_BLOCK, &block, &old) == 0;
		}
	}
	while (!fuse_session_exited(se)) {
		if (guarded) {
			res = wait_readable(se, &old);
			if (res == 0)
				continue;
			if (res < 0)
				break;
		}
		res = se->tr->receive(se, se->ch, &buf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0)
			break;
		lf_dispatch(se, &buf, se->ch);
	}
	lf_buf_release(&buf);
	if (se->cancel_read) {
		lf_cancel_own(false);
		se->cancel_read = false;
	}
	if (guarded)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	res = lf_loop_result(se, res);
	fuse_session_reset(se);
	return res;
}

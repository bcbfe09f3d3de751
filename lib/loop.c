// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The single-threaded session loop: pump the transport, hand each request
 * to dispatch. It never parses an opcode. A signal handler installed by
 * fuse_set_signal_handlers() interrupts the blocking read with EINTR.
 */
#include <errno.h>
#include <stdlib.h>

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

FUSE_EXPORT int fuse_session_loop(struct fuse_session *se)
{
	struct fuse_buf buf = { .size = 0 };
	int res = 0;

	if (!se->ch) {
		fuse_log(FUSE_LOG_ERR, "fuse: session is not mounted\n");
		return -ENOTCONN;
	}
	while (!fuse_session_exited(se)) {
		res = se->tr->receive(se, se->ch, &buf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0)
			break;
		lf_dispatch(se, &buf, se->ch);
	}
	lf_buf_release(&buf);
	res = lf_loop_result(se, res);
	fuse_session_reset(se);
	return res;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The only seam between the protocol code and the ways requests travel:
 * /dev/fuse (transport_dev.c) and FUSE-over-io_uring (transport_uring.c).
 * Dispatch and the reply encoders see nothing but this table.
 */
#ifndef LF_TRANSPORT_H
#define LF_TRANSPORT_H

#include "fuse_i.h"

struct lf_transport_ops {
	const char *name;
	/*
	 * Receive one request from ch into buf (growing buf->mem as needed up
	 * to se->bufsize). Returns the request size, 0 when the connection is
	 * gone (unmounted), or -errno (-EINTR/-EAGAIN: try again).
	 */
	int (*receive)(struct fuse_session *se, struct lf_chan *ch,
		       struct fuse_buf *buf);
	/*
	 * Send a reply (req != NULL) or a notification (req == NULL).
	 * iov[0] holds the complete fuse_out_header. Returns 0 or -errno;
	 * -ENOENT means the request was interrupted and is gone in the kernel.
	 */
	int (*send)(struct fuse_session *se, struct lf_chan *ch,
		    fuse_req_t req, struct iovec *iov, int count);
	/*
	 * Send a notification. NULL: use send(). A transport whose replies do
	 * not travel over the device fd points this at the device path, since
	 * the protocol carries notifications over /dev/fuse only.
	 */
	int (*send_notify)(struct fuse_session *se, struct iovec *iov,
			   int count);
	/*
	 * Optional: memory that send() transmits without copying it, for
	 * the data of the reply to req (io_uring: the ring entry's payload
	 * buffer). 0 with *ret_mem and *ret_cap set, or -errno. Data that
	 * still has to be read (fd-backed buffers) is read straight into it.
	 */
	int (*reply_buf)(fuse_req_t req, char **ret_mem, size_t *ret_cap);
};

extern const struct lf_transport_ops lf_transport_dev;

/* transport_dev.c: per-thread receive buffer helpers used by the loops */
int lf_dev_clone(struct fuse_session *se, struct lf_chan **ret_ch);
void lf_buf_release(struct fuse_buf *buf);

#endif

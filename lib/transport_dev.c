// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The /dev/fuse transport: read() one request per call into a per-thread
 * buffer, writev() replies on the channel the request came from, and
 * per-thread channel clones (FUSE_DEV_IOC_CLONE) for clone_fd. Custom I/O
 * (fuse_session_custom_io) plugs in here.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cancel.h"
#include "fuse_i.h"
#include "transport.h"

/*
 * Make sure buf can take a request of se->bufsize bytes. buf->size holds
 * the last request's length, not the capacity, so ask the allocator for
 * the block's real size (lock-free) and grow only when it is too small:
 * once, or once more after INIT raised bufsize. buf->mem is always ours
 * (malloc'd here), as in libfuse where the caller starts with NULL.
 */
static int buf_reserve(struct fuse_session *se, struct fuse_buf *buf)
{
	void *mem;

	if (buf->mem && malloc_usable_size(buf->mem) >= se->bufsize) {
		buf->flags = 0;
		return 0;
	}
	mem = realloc(buf->mem, se->bufsize);

	if (!mem) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate read buffer\n");
		return -ENOMEM;
	}
	buf->mem = mem;
	buf->flags = 0;
	return 0;
}

void lf_buf_release(struct fuse_buf *buf)
{
	free(buf->mem);
	buf->mem = NULL;
	buf->size = 0;
}

static int dev_receive(struct fuse_session *se, struct lf_chan *ch,
		       struct fuse_buf *buf)
{
	ssize_t n;
	int err;

	err = buf_reserve(se, buf);
	if (err)
		return err;
	for (;;) {
		if (se->io) {
			n = se->io->read(ch->fd, buf->mem, se->bufsize,
					 se->userdata);
			err = errno;
		} else if (se->cancel_read) {
			n = lf_cancel_read(ch->fd, buf->mem, se->bufsize,
					   &se->exited);
			err = n < 0 ? (int)-n : 0;
		} else {
			n = read(ch->fd, buf->mem, se->bufsize);
			err = errno;
		}
		if (n >= 0)
			break;
		if (fuse_session_exited(se))
			return 0;
		/* ENOENT: the request was interrupted before we read it */
		if (err == ENOENT)
			continue;
		if (err == ENODEV || err == ECONNABORTED) {
			/* unmounted, or aborted through fusectl: the documented
			 * normal end of the loop */
			fuse_session_exit(se);
			return 0;
		}
		if (err == EINTR || err == EAGAIN)
			return -err;
		fuse_log(FUSE_LOG_ERR, "fuse: reading device: %s\n",
			 strerror(err));
		return -err;
	}
	if ((size_t)n < sizeof(struct fuse_in_header)) {
		if (n == 0) {
			fuse_session_exit(se);
			return 0;
		}
		fuse_log(FUSE_LOG_ERR, "fuse: short read on fuse device\n");
		return -EIO;
	}
	buf->size = (size_t)n;
	return (int)n;
}

static int dev_send(struct fuse_session *se, struct lf_chan *ch,
		    fuse_req_t req, struct iovec *iov, int count)
{
	ssize_t n;

	(void)req;
	if (se->io)
		n = se->io->writev(ch->fd, iov, count, se->userdata);
	else
		n = writev(ch->fd, iov, count);
	if (n >= 0)
		return 0;
	n = errno;
	/* ENOENT: interrupted and already gone; ENODEV: unmounted. Both are
	 * normal races with the kernel, not errors worth a line. */
	if (n != ENOENT && n != ENODEV && !fuse_session_exited(se))
		fuse_log(FUSE_LOG_ERR, "fuse: writing device: %s\n",
			 strerror((int)n));
	return -(int)n;
}

const struct lf_transport_ops lf_transport_dev = {
	.name = "dev",
	.receive = dev_receive,
	.send = dev_send,
};

/* A per-thread channel sharing the session's connection (clone_fd). */
int lf_dev_clone(struct fuse_session *se, struct lf_chan **ret_ch)
{
	uint32_t master = (uint32_t)se->fd;
	struct lf_chan *ch;
	int fd;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, FUSE_DEV_IOC_CLONE, &master) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	ch = lf_chan_new(fd);
	if (!ch) {
		close(fd);
		return -ENOMEM;
	}
	*ret_ch = ch;
	return 0;
}

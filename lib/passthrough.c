// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Passthrough backing files (7.40): registering an open fd with the kernel
 * through the /dev/fuse ioctls, so reads and writes on a FUSE file go
 * straight to it. fuse_passthrough_open/close are the 3.18 API.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuse_i.h"
#include "ll/ll.h"
#include "log.h"

int lf_backing_open(struct fuse_session *se, int fd)
{
	struct fuse_backing_map map = { .fd = fd };
	int id;

	if (se->fd < 0)
		return -EBADF;
	id = ioctl(se->fd, FUSE_DEV_IOC_BACKING_OPEN, &map);
	if (id < 0)
		return -errno;
	/* The kernel hands out ids from 1; 0 would mean "no backing file". */
	if (id == 0)
		return -EIO;
	return id;
}

int lf_backing_close(struct fuse_session *se, int id)
{
	uint32_t backing_id = (uint32_t)id;

	if (se->fd < 0)
		return -EBADF;
	if (ioctl(se->fd, FUSE_DEV_IOC_BACKING_CLOSE, &backing_id) < 0)
		return -errno;
	return 0;
}

#if !LF_ABI_314
/* libfuse's contract: the backing id, or 0 on any failure (logged). */
FUSE_EXPORT int fuse_passthrough_open(fuse_req_t req, int fd)
{
	int id = lf_backing_open(req->se, fd);

	if (id <= 0) {
		lf_log(FUSE_LOG_ERR, "fuse: passthrough_open: %s\n",
		       strerror(-id));
		return 0;
	}
	return id;
}

/* libfuse's contract: the ioctl's result, 0 or -1 with errno set. */
FUSE_EXPORT int fuse_passthrough_close(fuse_req_t req, int backing_id)
{
	int res = lf_backing_close(req->se, backing_id);

	if (res < 0) {
		lf_log(FUSE_LOG_ERR, "fuse: passthrough_close: %s\n",
		       strerror(-res));
		errno = -res;
		return -1;
	}
	return 0;
}
#endif

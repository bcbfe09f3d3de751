// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ioctls of the example character device (example/cuse.c) and its
 * client (example/cuse_client.c): read and set the buffer's size. The
 * numbers are those of libfuse's cuse example, so either client works.
 */
#ifndef EXAMPLE_CUSE_IOCTL_H
#define EXAMPLE_CUSE_IOCTL_H

#include <stddef.h>
#include <sys/ioctl.h>

enum {
	FIOC_GET_SIZE = _IOR('E', 0, size_t),
	FIOC_SET_SIZE = _IOW('E', 1, size_t),
};

#endif

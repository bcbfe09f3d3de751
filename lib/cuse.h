// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CUSE internals shared outside cuse.c: the CUSE_INIT handler dispatch.c
 * calls for opcode 4096, and the setup step with the device path as a
 * parameter so unit tests can run it without a /dev/cuse.
 */
#ifndef LF_CUSE_H
#define LF_CUSE_H

#include "fuse_i.h"
#include "cuse_lowlevel.h"

/* The control device the kernel's cuse module creates. */
#define LF_CUSE_DEVICE "/dev/cuse"

/* libfuse's fixed answer; a CUSE device has no readahead to size it by. */
#define LF_CUSE_MAX_READ 131072u

void ll_cuse_init(fuse_req_t req, const struct lf_in *in);

/*
 * cuse_lowlevel_setup() on devpath instead of /dev/cuse. Returns 0 and
 * *ret_se, *ret_multithreaded, or -errno after logging the reason once.
 */
int lf_cuse_setup(int argc, char *argv[], const char *devpath,
		  const struct cuse_info *ci,
		  const struct cuse_lowlevel_ops *clop, void *userdata,
		  int *ret_multithreaded, struct fuse_session **ret_se);

#endif

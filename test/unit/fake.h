// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fake transport for unit tests: a real session whose requests are fed
 * as byte buffers straight into dispatch, and whose replies and
 * notifications are captured for inspection.
 */
#ifndef LF_TEST_FAKE_H
#define LF_TEST_FAKE_H

#include <stddef.h>
#include <stdint.h>

#include "fuse_i.h"

struct fuse_session *fake_session_new(const struct fuse_lowlevel_ops *op,
				      size_t op_size, void *userdata);
/* Same, with extra session options (argv without argv[0]); NULL on failure. */
struct fuse_session *fake_session_new_args(const struct fuse_lowlevel_ops *op,
					   size_t op_size, void *userdata,
					   int argc, const char *argv[]);
void fake_session_destroy(struct fuse_session *se);

/* Feed an INIT of protocol 7.minor offering kernel_flags; asserts success. */
void fake_init(struct fuse_session *se, uint32_t minor, uint64_t kernel_flags);

/* Build and dispatch a request; returns its unique id. */
uint64_t fake_request(struct fuse_session *se, uint32_t opcode,
		      uint64_t nodeid, const void *arg, size_t arglen,
		      const void *arg2, size_t arg2len);
/* Dispatch raw bytes as they would come from the device. */
void fake_raw(struct fuse_session *se, const void *bytes, size_t len);

int fake_nreplies(struct fuse_session *se);
const struct fuse_out_header *fake_reply(struct fuse_session *se, int idx,
					 const void **ret_payload,
					 size_t *ret_len);
/* The most recent reply; asserts there is one. */
const struct fuse_out_header *fake_last(struct fuse_session *se,
					const void **ret_payload,
					size_t *ret_len);
void fake_clear(struct fuse_session *se);

#endif

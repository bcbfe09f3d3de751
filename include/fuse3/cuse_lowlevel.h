/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cuse_lowlevel.h - CUSE, character devices served from userspace: the
 * device description, the operations table and the session helpers. Same
 * in both ABIs; only fuse_file_info underneath differs.
 */
#ifndef CUSE_LOWLEVEL_H_
#define CUSE_LOWLEVEL_H_

/*
 * libfuse picks 29 here when the caller chose nothing, which the version
 * check in fuse_common.h then rejects: CUSE users must pick an API too.
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 29
#endif

#include "fuse_lowlevel.h"

#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* cuse_info.flags: allow ioctls whose data the kernel cannot size. */
#define CUSE_UNRESTRICTED_IOCTL		(1 << 0)

struct fuse_session;

/* The device to create. */
struct cuse_info {
	unsigned dev_major;
	unsigned dev_minor;
	/* "KEY=VALUE" strings for the kernel, at least DEVNAME=name. */
	unsigned dev_info_argc;
	const char **dev_info_argv;
	unsigned flags;
};

/*
 * Device operations: like their fuse_lowlevel_ops namesakes without an
 * inode. Reads and writes are always direct and may run concurrently.
 */
struct cuse_lowlevel_ops {
	void (*init)(void *userdata, struct fuse_conn_info *conn);
	/* The device node exists now. */
	void (*init_done)(void *userdata);
	void (*destroy)(void *userdata);
	void (*open)(fuse_req_t req, struct fuse_file_info *fi);
	void (*read)(fuse_req_t req, size_t size, off_t off,
		     struct fuse_file_info *fi);
	void (*write)(fuse_req_t req, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi);
	void (*flush)(fuse_req_t req, struct fuse_file_info *fi);
	void (*release)(fuse_req_t req, struct fuse_file_info *fi);
	void (*fsync)(fuse_req_t req, int datasync, struct fuse_file_info *fi);
	void (*ioctl)(fuse_req_t req, int cmd, void *arg,
		      struct fuse_file_info *fi, unsigned int flags,
		      const void *in_buf, size_t in_bufsz, size_t out_bufsz);
	void (*poll)(fuse_req_t req, struct fuse_file_info *fi,
		     struct fuse_pollhandle *ph);
};

/* Session for a device, not yet connected to /dev/cuse. NULL on failure. */
struct fuse_session *cuse_lowlevel_new(struct fuse_args *args,
				       const struct cuse_info *ci,
				       const struct cuse_lowlevel_ops *clop,
				       void *userdata);

/*
 * Parse the command line, create the session, open /dev/cuse and install
 * signal handlers; *multithreaded tells which loop to run.
 */
struct fuse_session *cuse_lowlevel_setup(int argc, char *argv[],
					 const struct cuse_info *ci,
					 const struct cuse_lowlevel_ops *clop,
					 int *multithreaded, void *userdata);

/* Undo cuse_lowlevel_setup(). */
void cuse_lowlevel_teardown(struct fuse_session *se);

/* Setup, loop and teardown in one call. 0 on success, 1 on failure. */
int cuse_lowlevel_main(int argc, char *argv[], const struct cuse_info *ci,
		       const struct cuse_lowlevel_ops *clop, void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* CUSE_LOWLEVEL_H_ */

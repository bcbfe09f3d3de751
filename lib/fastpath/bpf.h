// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * In-kernel answers for "xattr absent" names (kernel/xattr_absent.bpf.c):
 * load, attach and self-test at INIT, detach at unmount or destroy. Built
 * out (no clang/bpftool at build time), every entry point is a stub that
 * returns -EOPNOTSUPP or does nothing, so call sites carry no #ifdef.
 */
#ifndef LF_FASTPATH_BPF_H
#define LF_FASTPATH_BPF_H

#include <errno.h>

#include "fastpath/fastpath.h"

#ifdef HAVE_XATTR_BPF
/*
 * Starts, in a helper thread, the load/attach/fill/self-test sequence for
 * the session's absent names on its mountpoint; the thread logs the one
 * outcome line (fastpath: xattr_bpf=on:MODE or =off:REASON). Returns 0 or
 * -errno when it could not even start (the library keeps answering).
 */
int lf_xbpf_start(struct fuse_session *se);
/* Detaches and closes the programs (unmount: before the device number
 * can go to another mount); idempotent. lf_xbpf_stop() also drops the
 * session's reference (destroy); neither waits for the self-test thread,
 * which holds a reference of its own. */
void lf_xbpf_detach(struct lf_fastpath *fp);
void lf_xbpf_stop(struct lf_fastpath *fp);
/* A GETXATTR of an absent name reached the library: tells the self-test
 * when it was its own probe (matched by thread id). */
void lf_xbpf_saw(const struct lf_fastpath *fp, fuse_req_t req);
#else
static inline int lf_xbpf_start(struct fuse_session *se)
{
	(void)se;
	return -EOPNOTSUPP;
}

static inline void lf_xbpf_detach(struct lf_fastpath *fp)
{
	(void)fp;
}

static inline void lf_xbpf_stop(struct lf_fastpath *fp)
{
	(void)fp;
}

static inline void lf_xbpf_saw(const struct lf_fastpath *fp,
				fuse_req_t req)
{
	(void)fp;
	(void)req;
}
#endif

#endif

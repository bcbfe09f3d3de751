// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Internal core definitions shared by the lowlevel library: the session, the
 * request, channels, and the prototypes that connect the boxes of the data
 * flow (transport -> dispatch -> ll handler -> reply -> transport).
 */
#ifndef LF_FUSE_I_H
#define LF_FUSE_I_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 18)
#endif

#include <pthread.h>
#include <semaphore.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "fuse_lowlevel.h"
#include "proto/fuse_kernel.h"

#define FUSE_EXPORT __attribute__((visibility("default")))

#define LF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LF_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LF_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Whether this copy of the code is built for the 3.14 ABI (.so.3). */
#ifdef FASTFUSE_ABI_314
#define LF_ABI_314 1
#else
#define LF_ABI_314 0
#endif

/* Room for the in-header and the largest fixed opcode argument in front of
 * the write payload; the kernel requires read buffers of max_write + this. */
#define LF_HEADER_ROOM 4096u
/* The kernel refuses reads into anything smaller. */
#define LF_MIN_BUFSIZE (FUSE_MIN_READ_BUFFER)

/*
 * Capabilities the 3.14 headers do not name. The 3.14 build never offers
 * them to a filesystem (it cannot ask for them), but shared code tests them.
 */
#if LF_ABI_314
#define FUSE_CAP_HANDLE_KILLPRIV_V2	(1ULL << 21)
#define FUSE_CAP_SETXATTR_EXT		(1ULL << 27)
#define FUSE_CAP_DIRECT_IO_ALLOW_MMAP	(1ULL << 28)
#define FUSE_CAP_PASSTHROUGH		(1ULL << 29)
#define FUSE_CAP_NO_EXPORT_SUPPORT	(1ULL << 30)
#define FUSE_CAP_OVER_IO_URING		(1ULL << 31)
#endif

/* The API version an application was built for (3.17+ entry points). */
struct lf_version {
	uint32_t major;
	uint32_t minor;
	uint32_t hotfix;
	uint32_t padding;
};

struct lf_transport_ops;
struct lf_fastpath;
struct lf_fpreq;
struct lf_capture;
struct lf_mount_opts;
struct lf_uring;

/*
 * One /dev/fuse file descriptor: the session's master fd or a per-thread clone
 * (clone_fd). Replies must go out on the fd the request came in on.
 */
struct lf_chan {
	int fd;
	atomic_int refs;
	void *tpriv;		/* io_uring: the ring entry this stands for */
};

struct lf_chan *lf_chan_new(int fd);
struct lf_chan *lf_chan_get(struct lf_chan *ch);
void lf_chan_put(struct lf_chan *ch);

/*
 * A request from the kernel. Lives from dispatch until the reply is sent (or,
 * for forget-like opcodes, until fuse_reply_none). An INTERRUPT may hold an
 * extra reference.
 */
struct fuse_req {
	struct fuse_session *se;
	uint64_t unique;
	uint32_t opcode;
	struct fuse_ctx ctx;
	struct lf_chan *ch;
	void *tpriv;		/* transport-private (e.g. io_uring ring entry) */
	int refs;		/* protected by se->lock */
	fuse_interrupt_func_t ifunc;
	void *idata;
	bool interrupted;
	bool in_list;		/* linked in se->reqs (interruptible) */
	bool ioctl_64bit;
	bool is_uring;
	uint16_t nr_groups;	/* supplementary groups sent by the kernel */
	uint32_t *groups;	/* points into the request buffer; valid during the handler */
	struct lf_fpreq *fp;	/* fastpath: what the reply hooks need, or NULL */
	struct lf_capture *capture;	/* fastpath: a library-made request; its reply goes there */
	struct fuse_req *next, *prev;
};

/*
 * A request's input as dispatch hands it to an ll_* handler: the opcode
 * argument (after fuse_in_header and before the request extensions), its
 * length (at least the table's min_in_size), and the whole buffer for
 * handlers that pass data on without copying (write_buf).
 */
struct lf_in {
	fuse_ino_t nodeid;
	const void *arg;
	size_t len;
	const struct fuse_buf *buf;	/* whole request; may be fd-backed (splice) */
	size_t data_off;		/* for fd-backed buf: offset of arg in the pipe */
};

typedef void (*lf_ll_handler)(fuse_req_t req, const struct lf_in *in);

/* Connection state the ABIs do not have room for (3.14 has no *_ext fields). */
struct lf_conn {
	uint64_t capable;	/* FUSE_CAP_* bits the kernel offers (64-bit) */
	uint64_t want;		/* FUSE_CAP_* bits in effect after init */
	uint64_t kernel_flags;	/* raw FUSE_* init flags offered by the kernel */
	uint64_t out_flags;	/* raw flags we replied with */
	uint32_t max_pages;
	uint16_t request_timeout;
};

struct lf_notify_retrieve;
struct lf_cuse;

struct fuse_session {
	struct fuse_lowlevel_ops op;	/* zero-filled past the caller's op_size */
	void *userdata;
	struct fuse_conn_info conn;
	struct lf_conn lconn;
	int proto_major;
	int proto_minor;
	atomic_bool got_init;
	atomic_bool got_destroy;
	atomic_int exited;
	/* posted by every fuse_session_exit (async-signal-safe), so a loop
	 * waiting on it cannot miss an exit; lives as long as the session */
	sem_t exit_sem;
	int error;			/* loop's result: 0, or -errno */
	int debug;
	int deny_others;		/* allow_root: only root and the owner */
	uid_t owner;
	int init_status;		/* print FUSE_INIT status line */

	/* transport */
	const struct lf_transport_ops *tr;
	void *tr_priv;
	struct lf_chan *ch;		/* master /dev/fuse channel */
	int fd;				/* master fd, or -1 */
	size_t bufsize;			/* receive buffer size after INIT */
	const struct fuse_custom_io *io;	/* custom I/O, or NULL */
	void *io_userdata;
	struct fuse_custom_io io_copy;
	pthread_key_t pipe_key;		/* per-thread splice pipe */
	bool pipe_key_ok;
	bool splice_broken;
	bool cancel_read;		/* single loop: read via cancel.c */

	/* mounting */
	char *mountpoint;
	struct lf_mount_opts *mo;

	/* in-flight requests and interrupts */
	pthread_mutex_t lock;
	struct fuse_req reqs;		/* list head of interruptible requests */
	struct fuse_req intr;		/* list head of unmatched interrupts */
	uint64_t notify_ctr;
	struct lf_notify_retrieve *retrieves;

	/* FUSE-over-io_uring (uring.h, transport_uring.c) */
	int uring_enable;		/* -1 default, 0 no_io_uring, 1 asked */
	unsigned int uring_depth;	/* entries per kernel queue, 0: default */
	unsigned int uring_threads;	/* ring threads, 0: one per CPU */
	bool loop_mt;			/* served by fuse_session_loop_mt */
	sem_t *loop_finish;		/* posted when a ring thread ends it */
	struct lf_uring *uring;		/* running rings, or NULL */

	/* the API version the application was built for (3.17+ entry points) */
	struct lf_version version;

	/* the compiled cache policy (lib/fastpath), or NULL */
	struct lf_fastpath *fastpath;
	/* FASTFUSE_FS_* promises the filesystem declared (fastfuse_declare) */
	unsigned int fs_promises;
	/* -o bdi_strict_limit=, bdi_max_ratio= (-1: leave the kernel's) */
	int bdi_strict_limit;
	int bdi_max_ratio;

	/* CUSE device state (cuse.c), NULL for a filesystem; one block */
	struct lf_cuse *cuse;
};

/* The 3.12+ loop configuration, opaque to applications (loop_mt.c). */
#define LF_LOOP_CFG_MAGIC 0x6c66636eu
struct fuse_loop_config {
	unsigned int magic;
	int clone_fd;
	unsigned int max_idle_threads;	/* UINT_MAX: never retire idle workers */
	unsigned int max_threads;
};
void lf_loop_cfg_init(struct fuse_loop_config *c);
int lf_session_loop_mt(struct fuse_session *se,
		       const struct fuse_loop_config *cfg);

/* signals.c */
#include <signal.h>
bool lf_signals_mask(struct fuse_session *se, sigset_t *ret_set);

/* session.c */
struct fuse_session *lf_session_new(struct fuse_args *args,
				    const struct fuse_lowlevel_ops *op,
				    size_t op_size,
				    const struct lf_version *version,
				    void *userdata);
int lf_session_custom_io(struct fuse_session *se,
			 const struct fuse_custom_io *io, size_t io_size,
			 int fd);
int lf_session_set_fd(struct fuse_session *se, int fd);

/* dispatch.c */
struct lf_op_desc {
	lf_ll_handler handler;
	const char *name;
	uint32_t min_in_size;
};
const struct lf_op_desc *lf_op_lookup(uint32_t opcode);
const char *lf_opname(uint32_t opcode);
void lf_dispatch(struct fuse_session *se, const struct fuse_buf *buf,
		 struct lf_chan *ch);

/* request lifecycle (dispatch.c) */
struct fuse_req *lf_req_new(struct fuse_session *se);
void lf_req_free(struct fuse_req *req);	/* drop one reference */
void lf_req_unlist(struct fuse_req *req);
void lf_req_lists_init(struct fuse_session *se);
void lf_req_track(struct fuse_req *req);
void lf_req_drop_interrupts(struct fuse_session *se);

/* reply.c: send a reply for req; iov[0] is reserved for the out-header and
 * is filled in here. Frees the request. Returns 0 or -errno. */
int lf_reply_iov(fuse_req_t req, int error, struct iovec *iov, int count);
int lf_reply_ok(fuse_req_t req, const void *arg, size_t argsize);
/* Fill a struct fuse_attr from a struct stat. */
void lf_fill_attr(struct fuse_attr *attr, const struct stat *st);
/* Fill a kernel entry_out from the public entry param. */
void lf_fill_entry(struct fuse_entry_out *out, const struct fuse_entry_param *e);
/* Fill the kernel open_out from a fuse_file_info. */
void lf_fill_open(struct fuse_session *se, struct fuse_open_out *out,
		  const struct fuse_file_info *fi);

/* transport: send on the request's channel, or the master for notifies */
int lf_send(struct fuse_session *se, struct lf_chan *ch, fuse_req_t req,
	    struct iovec *iov, int count);
int lf_send_notify(struct fuse_session *se, int code, struct iovec *iov,
		   int count);

/* init.c */
void lf_init_defaults(struct fuse_session *se);
/* bdi.c: the mount's dirty-page limits; lf_bdi_set writes them below
 * @dir (-1 leaves one alone). 0 or -errno, logged once. */
int lf_bdi_apply(struct fuse_session *se);
int lf_bdi_set(const char *dir, int strict_limit, int max_ratio, bool debug);
void ll_init(fuse_req_t req, const struct lf_in *in);
void ll_destroy(fuse_req_t req, const struct lf_in *in);
/* Translate between FUSE_CAP_* and kernel INIT flags. */
uint64_t lf_caps_from_kernel(uint64_t kflags);
uint64_t lf_kernel_from_caps(uint64_t caps);

/* notify.c */
void ll_notify_reply(fuse_req_t req, const struct lf_in *in);
void lf_notify_retrieves_free(struct fuse_session *se);

/* interrupts (dispatch.c) */
void ll_interrupt(fuse_req_t req, const struct lf_in *in);

/* fuse_file_info conversion between kernel flags and the public struct,
 * which differs between the two ABIs (reply.c) */
void lf_fi_from_open_in(struct fuse_file_info *fi, uint32_t flags);

/* log helpers */
void lf_debug_request(struct fuse_session *se, const struct fuse_in_header *h);

/* access to session from request */
static inline struct fuse_session *lf_req_session(fuse_req_t req)
{
	return req->se;
}

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_common.h - the part of the libfuse 3 API shared by <fuse.h> and
 * <fuse_lowlevel.h>: open-file and connection info, capability bits, data
 * buffers, loop configuration and signal helpers. Struct layouts are those
 * of libfuse 3.17/3.18, or of 3.14.0 when FASTFUSE_ABI_314 is defined.
 */
#if !defined(FUSE_H_) && !defined(FUSE_LOWLEVEL_H_)
#error "<fuse_common.h> is not meant to be included on its own: include <fuse.h> or <fuse_lowlevel.h>"
#endif

#ifndef FUSE_COMMON_H_
#define FUSE_COMMON_H_

#include "libfuse_config.h"

#include "fuse_opt.h"
#include "fuse_log.h"
#include <stdint.h>
#ifndef FASTFUSE_ABI_314
#include <stdbool.h>
#endif
#include <sys/types.h>

/* Encodes a release as FUSE_USE_VERSION expects it: 3.18 -> 318. */
#define FUSE_MAKE_VERSION(maj, min) ((maj) * 100 + (min))
#define FUSE_VERSION FUSE_MAKE_VERSION(FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION)

/*
 * The 3.17+ API has a few static inline wrappers; "inline" is not a C89
 * keyword, so older dialects get the GNU spelling.
 */
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define FASTFUSE_INLINE inline
#else
#define FASTFUSE_INLINE __inline__
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * State of one open file or directory handle. Filled in by the library on
 * each request; the filesystem sets fh and the open-reply bits.
 */
#ifdef FASTFUSE_ABI_314
struct fuse_file_info {
	/* open(2) flags, valid in open, create and release. */
	int flags;

	/* The write comes from the page cache, not from a caller. */
	unsigned int writepage : 1;
	/* Reply bit: bypass the page cache for this handle. */
	unsigned int direct_io : 1;
	/* Reply bit: do not drop cached data on open. */
	unsigned int keep_cache : 1;
	/* Set on flush, and on release/lock when a flush is implied. */
	unsigned int flush : 1;
	/* Reply bit: the file does not support seeking. */
	unsigned int nonseekable : 1;
	/* Release should also drop flock locks held by lock_owner. */
	unsigned int flock_release : 1;
	/* Reply bit (opendir): let the kernel cache readdir results. */
	unsigned int cache_readdir : 1;
	/* Reply bit: do not send FLUSH on close. */
	unsigned int noflush : 1;

	/* Unused; keeps fh at offset 16. */
	unsigned int padding : 24;
	unsigned int padding2 : 32;

	/* Filesystem's own handle, returned by open/create/opendir. */
	uint64_t fh;
	/* Lock owner for lock, flush and release. */
	uint64_t lock_owner;
	/* Events the caller polls for (poll only). */
	uint32_t poll_events;
};
#else
struct fuse_file_info {
	/* open(2) flags, valid in open, create and release. */
	int32_t flags;

	/* The write comes from the page cache, not from a caller. */
	uint32_t writepage : 1;
	/* Reply bit: bypass the page cache for this handle. */
	uint32_t direct_io : 1;
	/* Reply bit: do not drop cached data on open (file or dir). */
	uint32_t keep_cache : 1;
	/* Set on flush, and on release/lock when a flush is implied. */
	uint32_t flush : 1;
	/* Reply bit: the file does not support seeking. */
	uint32_t nonseekable : 1;
	/* Release should also drop flock locks held by lock_owner. */
	uint32_t flock_release : 1;
	/* Reply bit (opendir): let the kernel cache readdir results. */
	uint32_t cache_readdir : 1;
	/* Reply bit: do not send FLUSH on close. */
	uint32_t noflush : 1;
	/* Reply bit: allow concurrent direct writes to this file. */
	uint32_t parallel_direct_writes : 1;

	/*
	 * Unused. New bits may only be carved out of these: the struct is
	 * part of the ABI and everything below must not move.
	 */
	uint32_t padding : 23;
	uint32_t padding2 : 32;
	uint32_t padding3 : 32;

	/* Filesystem's own handle, returned by open/create/opendir. */
	uint64_t fh;
	/* Lock owner for lock, flush and release. */
	uint64_t lock_owner;
	/* Events the caller polls for (poll only). */
	uint32_t poll_events;
	/* Reply field: id from fuse_passthrough_open() to pass I/O through. */
	int32_t backing_id;
	/* Library bookkeeping about how this struct was filled in. */
	uint64_t compat_flags;
	uint64_t reserved[2];
};
#endif

/*
 * Multi-threaded loop settings. From API 3.12 on the real configuration is
 * opaque (fuse_loop_cfg_*); this plain struct survives as the "v1" form
 * that older callers build on the stack.
 */
struct fuse_loop_config;
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
struct fuse_loop_config_v1;
struct fuse_loop_config {
#else
struct fuse_loop_config_v1 {
#endif
	/* Give each worker thread its own /dev/fuse clone. */
	int clone_fd;
	/* Idle workers kept around before they exit. */
	unsigned int max_idle_threads;
};

/*
 * Capability bits for fuse_conn_info.capable/want (and, from 3.17,
 * capable_ext/want_ext). The values are libfuse's, not the kernel's.
 */
#ifdef FASTFUSE_ABI_314
#define FASTFUSE_CAP(n) (1 << (n))
#else
#define FASTFUSE_CAP(n) (1UL << (n))
#endif
#define FUSE_CAP_ASYNC_READ		FASTFUSE_CAP(0)
#define FUSE_CAP_POSIX_LOCKS		FASTFUSE_CAP(1)
#define FUSE_CAP_ATOMIC_O_TRUNC		FASTFUSE_CAP(3)
#define FUSE_CAP_EXPORT_SUPPORT		FASTFUSE_CAP(4)
#define FUSE_CAP_DONT_MASK		FASTFUSE_CAP(6)
#define FUSE_CAP_SPLICE_WRITE		FASTFUSE_CAP(7)
#define FUSE_CAP_SPLICE_MOVE		FASTFUSE_CAP(8)
#define FUSE_CAP_SPLICE_READ		FASTFUSE_CAP(9)
#define FUSE_CAP_FLOCK_LOCKS		FASTFUSE_CAP(10)
#define FUSE_CAP_IOCTL_DIR		FASTFUSE_CAP(11)
#define FUSE_CAP_AUTO_INVAL_DATA	FASTFUSE_CAP(12)
#define FUSE_CAP_READDIRPLUS		FASTFUSE_CAP(13)
#define FUSE_CAP_READDIRPLUS_AUTO	FASTFUSE_CAP(14)
#define FUSE_CAP_ASYNC_DIO		FASTFUSE_CAP(15)
#define FUSE_CAP_WRITEBACK_CACHE	FASTFUSE_CAP(16)
#define FUSE_CAP_NO_OPEN_SUPPORT	FASTFUSE_CAP(17)
#define FUSE_CAP_PARALLEL_DIROPS	FASTFUSE_CAP(18)
#define FUSE_CAP_POSIX_ACL		FASTFUSE_CAP(19)
#define FUSE_CAP_HANDLE_KILLPRIV	FASTFUSE_CAP(20)
#ifndef FASTFUSE_ABI_314
#define FUSE_CAP_HANDLE_KILLPRIV_V2	FASTFUSE_CAP(21)
#endif
#define FUSE_CAP_CACHE_SYMLINKS		FASTFUSE_CAP(23)
#define FUSE_CAP_NO_OPENDIR_SUPPORT	FASTFUSE_CAP(24)
#define FUSE_CAP_EXPLICIT_INVAL_DATA	FASTFUSE_CAP(25)
#define FUSE_CAP_EXPIRE_ONLY		FASTFUSE_CAP(26)
#ifndef FASTFUSE_ABI_314
#define FUSE_CAP_SETXATTR_EXT		FASTFUSE_CAP(27)
#define FUSE_CAP_DIRECT_IO_ALLOW_MMAP	FASTFUSE_CAP(28)
#define FUSE_CAP_PASSTHROUGH		FASTFUSE_CAP(29)
#define FUSE_CAP_NO_EXPORT_SUPPORT	FASTFUSE_CAP(30)
/* Bit 31 only fits want_ext, hence the unsigned long type. */
#define FUSE_CAP_OVER_IO_URING		FASTFUSE_CAP(31)
#endif

/* Flags passed to and returned from ioctl handlers. */
#define FUSE_IOCTL_COMPAT	(1 << 0)
#define FUSE_IOCTL_UNRESTRICTED	(1 << 1)
#define FUSE_IOCTL_RETRY	(1 << 2)
#define FUSE_IOCTL_DIR		(1 << 4)

/* Upper bound on in + out iovecs of one ioctl retry. */
#define FUSE_IOCTL_MAX_IOV	256

/*
 * Connection parameters handed to the init handler. The kernel's offer is
 * read-only; the filesystem may lower the limits and pick wanted features.
 */
#ifdef FASTFUSE_ABI_314
struct fuse_conn_info {
	unsigned proto_major;		/* protocol major (read-only) */
	unsigned proto_minor;		/* protocol minor (read-only) */
	unsigned max_write;		/* largest WRITE payload */
	unsigned max_read;		/* largest READ, 0 = kernel limit */
	unsigned max_readahead;		/* readahead window */
	unsigned capable;		/* FUSE_CAP_* the kernel offers */
	unsigned want;			/* FUSE_CAP_* the filesystem enables */
	unsigned max_background;	/* cap on background requests */
	unsigned congestion_threshold;	/* kernel congestion mark */
	unsigned time_gran;		/* timestamp granularity in ns */
	unsigned reserved[22];
};
#else
struct fuse_conn_info {
	uint32_t proto_major;		/* protocol major (read-only) */
	uint32_t proto_minor;		/* protocol minor (read-only) */
	uint32_t max_write;		/* largest WRITE payload */
	uint32_t max_read;		/* largest READ, 0 = kernel limit */
	uint32_t max_readahead;		/* readahead window */
	/* Low 32 bits of capable_ext/want_ext, kept for old callers. */
	uint32_t capable;
	uint32_t want;
	uint32_t max_background;	/* cap on background requests */
	uint32_t congestion_threshold;	/* kernel congestion mark */
	uint32_t time_gran;		/* timestamp granularity in ns */

	/*
	 * How deep passthrough backing files may already be stacked: UNDER
	 * (0) forbids stacked backing files, OVER (1) allows one level.
	 */
#define FUSE_BACKING_STACKED_UNDER	(0)
#define FUSE_BACKING_STACKED_OVER	(1)
	uint32_t max_backing_stack_depth;

	/* Tell the kernel not to send INTERRUPT requests. */
	uint32_t no_interrupt : 1;
	uint32_t padding : 31;

	/* Full 64-bit capability words; use fuse_{set,unset}_feature_flag(). */
	uint64_t capable_ext;
	uint64_t want_ext;

	/* Seconds after which the kernel aborts an unanswered request. */
	uint16_t request_timeout;
	uint16_t reserved[31];
};
#endif

struct fuse_session;
struct fuse_pollhandle;
struct fuse_conn_info_opts;

/*
 * Parse the conn-info mount options (max_write=, writeback_cache, ...)
 * out of args; apply the result later with fuse_apply_conn_info_opts().
 */
struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args);

/* Apply options parsed above to conn; only options actually given change. */
void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *opts,
			       struct fuse_conn_info *conn);

/* Detach from the terminal unless foreground is set. 0 or -1. */
int fuse_daemonize(int foreground);

/* FUSE_VERSION of the library at run time. */
int fuse_version(void);

/* Full package version string, e.g. "3.18.1". */
const char *fuse_pkgversion(void);

/* Release a poll handle obtained from a poll request. */
void fuse_pollhandle_destroy(struct fuse_pollhandle *ph);

/* Kind of one data buffer. */
enum fuse_buf_flags {
	FUSE_BUF_IS_FD		= (1 << 1),	/* fd is valid, mem is not */
	FUSE_BUF_FD_SEEK	= (1 << 2),	/* seek to pos before use */
	FUSE_BUF_FD_RETRY	= (1 << 3)	/* loop until size is done */
};

/* How fuse_buf_copy() may move data. */
enum fuse_buf_copy_flags {
	FUSE_BUF_NO_SPLICE	= (1 << 1),	/* plain read/write only */
	FUSE_BUF_FORCE_SPLICE	= (1 << 2),	/* splice or fail */
	FUSE_BUF_SPLICE_MOVE	= (1 << 3),	/* SPLICE_F_MOVE */
	FUSE_BUF_SPLICE_NONBLOCK = (1 << 4)	/* SPLICE_F_NONBLOCK */
};

/* One piece of data, either in memory or behind a file descriptor. */
struct fuse_buf {
	size_t size;
	enum fuse_buf_flags flags;
	void *mem;
	int fd;
	off_t pos;
#ifndef FASTFUSE_ABI_314
	/* Allocated size of mem when the library owns it. */
	size_t mem_size;
#endif
};

/* A list of buffers plus a cursor (current index and offset). */
struct fuse_bufvec {
	size_t count;
	size_t idx;
	size_t off;
	/* Declared with one slot; allocate more to hold several. */
	struct fuse_buf buf[1];
};

#ifndef FASTFUSE_ABI_314
/*
 * Library version a filesystem was compiled against; the inline wrappers
 * in fuse.h and fuse_lowlevel.h pass it so the library can adapt.
 */
struct libfuse_version {
	uint32_t major;
	uint32_t minor;
	uint32_t hotfix;
	uint32_t padding;
};
#endif

/* A one-element fuse_bufvec describing 'size__' bytes of memory. */
#ifdef FASTFUSE_ABI_314
#define FUSE_BUFVEC_INIT(size__)					\
	((struct fuse_bufvec) {						\
		1, 0, 0,						\
		{ { (size__), (enum fuse_buf_flags) 0, NULL, -1, 0 } }	\
	})
#else
#define FUSE_BUFVEC_INIT(size__)					\
	((struct fuse_bufvec) {						\
		1, 0, 0,						\
		{ { (size__), (enum fuse_buf_flags) 0, NULL, -1, 0, 0 } } \
	})
#endif

/* Bytes remaining in bufv from its cursor on. */
size_t fuse_buf_size(const struct fuse_bufvec *bufv);

/* Copy src into dst, splicing when allowed. Bytes copied or -errno. */
ssize_t fuse_buf_copy(struct fuse_bufvec *dst, struct fuse_bufvec *src,
		      enum fuse_buf_copy_flags flags);

/*
 * Make HUP, INT and TERM end the session and ignore PIPE. One session per
 * process until fuse_remove_signal_handlers(). 0 or -1.
 */
int fuse_set_signal_handlers(struct fuse_session *se);

#ifndef FASTFUSE_ABI_314
/* Print a backtrace on fatal signals (SEGV, BUS, ...). 0 or -1. */
int fuse_set_fail_signal_handlers(struct fuse_session *se);
#endif

/* Undo fuse_set_signal_handlers() for the same session. */
void fuse_remove_signal_handlers(struct fuse_session *se);

/*
 * Opaque multi-thread loop configuration (API 3.12+). 3.17 stopped
 * declaring these for older FUSE_USE_VERSION values.
 */
#if defined(FASTFUSE_ABI_314) || FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 12)
/* New configuration with default values, or NULL. */
struct fuse_loop_config *fuse_loop_cfg_create(void);

void fuse_loop_cfg_destroy(struct fuse_loop_config *config);

/* Idle workers to keep; fewer threads are torn down and re-made. */
void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config,
				    unsigned int value);

/* Upper bound on worker threads. */
void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config,
				   unsigned int value);

/* Nonzero: one /dev/fuse clone per worker. */
void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config,
				unsigned int value);

/* Copy the settings of an old-style v1 struct into config. */
void fuse_loop_cfg_convert(struct fuse_loop_config *config,
			   struct fuse_loop_config_v1 *v1_conf);
#endif

#ifndef FASTFUSE_ABI_314
/*
 * Enable a capability in want_ext if the kernel offers it; false if not.
 * Use from the init handler instead of touching want/want_ext directly.
 */
bool fuse_set_feature_flag(struct fuse_conn_info *conn, uint64_t flag);

/* Drop a capability from want_ext. */
void fuse_unset_feature_flag(struct fuse_conn_info *conn, uint64_t flag);

/* Whether the kernel offers a capability (capable_ext). */
bool fuse_get_feature_flag(struct fuse_conn_info *conn, uint64_t flag);

/*
 * Not API: merges a changed 32-bit want into want_ext. Exported only so
 * libfuse's own tests can reach it; do not call.
 */
int fuse_convert_to_conn_want_ext(struct fuse_conn_info *conn);
#endif

#if !defined(FUSE_USE_VERSION) || FUSE_USE_VERSION < 30
#error "FUSE_USE_VERSION must be defined to 30 or later before including the libfuse 3 headers"
#endif

#ifdef __cplusplus
}
#endif

/*
 * Every off_t in this API is 64-bit: 32-bit builds need
 * -D_FILE_OFFSET_BITS=64. A negative bit-field width stops the build
 * otherwise, in any C dialect.
 */
struct fastfuse_off_t_must_be_64bit {
	unsigned int off_t_is_64bit : (sizeof(off_t) == 8) ? 1 : -1;
};

#endif /* FUSE_COMMON_H_ */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_lowlevel.h - the inode-based libfuse 3 API: the operations table a
 * filesystem fills in, the fuse_reply_* and notify calls, and the session
 * lifecycle. Follows libfuse 3.17/3.18, or 3.14.0 with FASTFUSE_ABI_314.
 */
#ifndef FUSE_LOWLEVEL_H_
#define FUSE_LOWLEVEL_H_

#ifndef FUSE_USE_VERSION
#error "define FUSE_USE_VERSION (e.g. to FUSE_MAKE_VERSION(3, 18)) before including <fuse_lowlevel.h>"
#endif

#include "fuse_common.h"

#ifndef FASTFUSE_ABI_314
#include <stddef.h>
#endif
#include <utime.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Inode number of the filesystem root. */
#define FUSE_ROOT_ID 1

/* Inode number as the kernel and the filesystem exchange it. */
typedef uint64_t fuse_ino_t;

/* Handle of one request; valid until exactly one reply is sent. */
typedef struct fuse_req *fuse_req_t;

#ifndef FASTFUSE_ABI_314
struct statx;
#endif

struct fuse_session;

/* What lookup-like replies tell the kernel about a name. */
struct fuse_entry_param {
	/* Inode number; 0 in a lookup reply caches a negative entry. */
	fuse_ino_t ino;
	/* With ino, unique over the filesystem's lifetime (NFS export). */
	uint64_t generation;
	/* Attributes; must be correct even with attr_timeout 0. */
	struct stat attr;
	/* Seconds the kernel may cache attr. */
	double attr_timeout;
	/* Seconds the kernel may cache the name. */
	double entry_timeout;
};

/* Identity of the process that caused a request. May be 0 across namespaces. */
struct fuse_ctx {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	mode_t umask;
};

/* One entry of a batched forget. */
struct fuse_forget_data {
	fuse_ino_t ino;
	uint64_t nlookup;
};

/*
 * Replacement transport for fuse_session_custom_io(): read and writev are
 * required, the splice hooks optional.
 */
struct fuse_custom_io {
	ssize_t (*writev)(int fd, struct iovec *iov, int count, void *userdata);
	ssize_t (*read)(int fd, void *buf, size_t buf_len, void *userdata);
	ssize_t (*splice_receive)(int fdin, off_t *offin, int fdout,
				  off_t *offout, size_t len,
				  unsigned int flags, void *userdata);
	ssize_t (*splice_send)(int fdin, off_t *offin, int fdout,
			       off_t *offout, size_t len,
			       unsigned int flags, void *userdata);
#ifndef FASTFUSE_ABI_314
	/* Optional: make a per-thread clone of master_fd; new fd or -1. */
	int (*clone_fd)(int master_fd);
#endif
};

#ifdef FASTFUSE_ABI_314
/* Flags for fuse_lowlevel_notify_expire_entry(). */
enum fuse_expire_flags {
	FUSE_LL_EXPIRE_ONLY	= (1 << 0)
};
#else
/* Whether an entry notification invalidates or merely expires. */
enum fuse_notify_entry_flags {
	FUSE_LL_INVALIDATE	= 0,
	FUSE_LL_EXPIRE_ONLY	= (1 << 0)
};
#endif

/* Bits of setattr's to_set: which fields of attr are meaningful. */
#define FUSE_SET_ATTR_MODE	(1 << 0)
#define FUSE_SET_ATTR_UID	(1 << 1)
#define FUSE_SET_ATTR_GID	(1 << 2)
#define FUSE_SET_ATTR_SIZE	(1 << 3)
#define FUSE_SET_ATTR_ATIME	(1 << 4)
#define FUSE_SET_ATTR_MTIME	(1 << 5)
#define FUSE_SET_ATTR_ATIME_NOW	(1 << 7)
#define FUSE_SET_ATTR_MTIME_NOW	(1 << 8)
#define FUSE_SET_ATTR_FORCE	(1 << 9)
#define FUSE_SET_ATTR_CTIME	(1 << 10)
#define FUSE_SET_ATTR_KILL_SUID	(1 << 11)
#define FUSE_SET_ATTR_KILL_SGID	(1 << 12)
#define FUSE_SET_ATTR_FILE	(1 << 13)
#define FUSE_SET_ATTR_KILL_PRIV	(1 << 14)
#define FUSE_SET_ATTR_OPEN	(1 << 15)
#define FUSE_SET_ATTR_TIMES_SET	(1 << 16)
#define FUSE_SET_ATTR_TOUCH	(1 << 17)

/*
 * Operations of a low-level filesystem. Every handler except init and
 * destroy gets a request and must answer it with exactly one fuse_reply_*
 * (possibly later, from another thread). Pointer arguments are only valid
 * during the call. Leave a handler NULL for the default behaviour.
 *
 * The table is passed with its size, so members are only ever appended.
 */
struct fuse_lowlevel_ops {
	/* Connection established; adjust conn. No reply. */
	void (*init)(void *userdata, struct fuse_conn_info *conn);
	/* Session ends; the kernel may already be gone. No reply. */
	void (*destroy)(void *userdata);
	/* Find name in parent: reply_entry or reply_err. */
	void (*lookup)(fuse_req_t req, fuse_ino_t parent, const char *name);
	/* Drop nlookup references to ino: reply_none. */
	void (*forget)(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
	/* Attributes of ino (fi may be NULL): reply_attr. */
	void (*getattr)(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi);
	/* Change the to_set fields of attr: reply_attr. */
	void (*setattr)(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi);
	/* Symlink target: reply_readlink. */
	void (*readlink)(fuse_req_t req, fuse_ino_t ino);
	/* Create a non-directory node: reply_entry. */
	void (*mknod)(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, dev_t rdev);
	/* Create a directory: reply_entry. */
	void (*mkdir)(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode);
	/* Remove a name: reply_err. */
	void (*unlink)(fuse_req_t req, fuse_ino_t parent, const char *name);
	/* Remove a directory: reply_err. */
	void (*rmdir)(fuse_req_t req, fuse_ino_t parent, const char *name);
	/* Create a symlink to link: reply_entry. */
	void (*symlink)(fuse_req_t req, const char *link, fuse_ino_t parent,
			const char *name);
	/* Rename, flags as renameat2(2): reply_err. */
	void (*rename)(fuse_req_t req, fuse_ino_t parent, const char *name,
		       fuse_ino_t newparent, const char *newname,
		       unsigned int flags);
	/* Hard link: reply_entry. */
	void (*link)(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		     const char *newname);
	/* Open a file: reply_open. */
	void (*open)(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi);
	/* Read: reply_buf, reply_iov or reply_data. */
	void (*read)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi);
	/* Write: reply_write. */
	void (*write)(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi);
	/* A descriptor was closed: reply_err. */
	void (*flush)(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi);
	/* Last reference to an open file went away: reply_err. */
	void (*release)(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi);
	/* Sync file (data only if datasync): reply_err. */
	void (*fsync)(fuse_req_t req, fuse_ino_t ino, int datasync,
		      struct fuse_file_info *fi);
	/* Open a directory: reply_open. */
	void (*opendir)(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi);
	/* Entries from off, built with fuse_add_direntry(): reply_buf. */
	void (*readdir)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi);
	/* Close a directory: reply_err. */
	void (*releasedir)(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi);
	/* Sync a directory: reply_err. */
	void (*fsyncdir)(fuse_req_t req, fuse_ino_t ino, int datasync,
			 struct fuse_file_info *fi);
	/* Filesystem statistics: reply_statfs. */
	void (*statfs)(fuse_req_t req, fuse_ino_t ino);
	/* Set an xattr: reply_err. */
	void (*setxattr)(fuse_req_t req, fuse_ino_t ino, const char *name,
			 const char *value, size_t size, int flags);
	/* Get an xattr (size 0 asks for the length): reply_buf/reply_xattr. */
	void (*getxattr)(fuse_req_t req, fuse_ino_t ino, const char *name,
			 size_t size);
	/* List xattr names: reply_buf/reply_xattr. */
	void (*listxattr)(fuse_req_t req, fuse_ino_t ino, size_t size);
	/* Remove an xattr: reply_err. */
	void (*removexattr)(fuse_req_t req, fuse_ino_t ino, const char *name);
	/* Permission check for access(2)/chdir(2): reply_err. */
	void (*access)(fuse_req_t req, fuse_ino_t ino, int mask);
	/* Create and open a file: reply_create. */
	void (*create)(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, struct fuse_file_info *fi);
	/* Test for a POSIX lock: reply_lock. */
	void (*getlk)(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi, struct flock *lock);
	/* Take or release a POSIX lock: reply_err. */
	void (*setlk)(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi,
		      struct flock *lock, int sleep);
	/* File block to device block (blkdev mounts): reply_bmap. */
	void (*bmap)(fuse_req_t req, fuse_ino_t ino, size_t blocksize,
		     uint64_t idx);
	/* ioctl; cmd became unsigned in API 3.5: reply_ioctl*. */
#if FUSE_USE_VERSION < 35
	void (*ioctl)(fuse_req_t req, fuse_ino_t ino, int cmd,
		      void *arg, struct fuse_file_info *fi, unsigned flags,
		      const void *in_buf, size_t in_bufsz, size_t out_bufsz);
#else
	void (*ioctl)(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		      void *arg, struct fuse_file_info *fi, unsigned flags,
		      const void *in_buf, size_t in_bufsz, size_t out_bufsz);
#endif
	/* Readiness; keep ph to notify later: reply_poll. */
	void (*poll)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct fuse_pollhandle *ph);
	/* Write from a buffer vector (may be a pipe): reply_write. */
	void (*write_buf)(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_bufvec *bufv, off_t off,
			  struct fuse_file_info *fi);
	/* Data for fuse_lowlevel_notify_retrieve(): reply_none. */
	void (*retrieve_reply)(fuse_req_t req, void *cookie, fuse_ino_t ino,
			       off_t offset, struct fuse_bufvec *bufv);
	/* Batched forget: reply_none. */
	void (*forget_multi)(fuse_req_t req, size_t count,
			     struct fuse_forget_data *forgets);
	/* flock(2): reply_err. */
	void (*flock)(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi, int op);
	/* fallocate(2): reply_err. */
	void (*fallocate)(fuse_req_t req, fuse_ino_t ino, int mode,
			  off_t offset, off_t length, struct fuse_file_info *fi);
	/* readdir that also looks entries up: reply_buf with
	 * fuse_add_direntry_plus() entries. */
	void (*readdirplus)(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi);
	/* Server-side copy: reply_write. */
	void (*copy_file_range)(fuse_req_t req, fuse_ino_t ino_in,
				off_t off_in, struct fuse_file_info *fi_in,
				fuse_ino_t ino_out, off_t off_out,
				struct fuse_file_info *fi_out, size_t len,
				int flags);
	/* SEEK_DATA/SEEK_HOLE: reply_lseek. */
	void (*lseek)(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		      struct fuse_file_info *fi);
#ifndef FASTFUSE_ABI_314
	/* Create an unnamed file (O_TMPFILE): reply_create. */
	void (*tmpfile)(fuse_req_t req, fuse_ino_t parent,
			mode_t mode, struct fuse_file_info *fi);
	/* statx(2) attributes (fi may be NULL): reply_statx. */
	void (*statx)(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		      struct fuse_file_info *fi);
#endif
};

/*
 * Replies. Each returns 0, or -errno if the reply could not be sent (the
 * request is finished either way).
 */

/* Fail with positive errno err, or succeed with 0. */
int fuse_reply_err(fuse_req_t req, int err);

/* Finish a request that takes no reply (forget, retrieve_reply). */
void fuse_reply_none(fuse_req_t req);

/* Answer a lookup-like request; counts as one lookup reference. */
int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e);

/* Answer create/tmpfile with the entry and the open handle. */
int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
		      const struct fuse_file_info *fi);

/* Answer getattr/setattr. */
int fuse_reply_attr(fuse_req_t req, const struct stat *attr,
		    double attr_timeout);

/* Answer readlink. */
int fuse_reply_readlink(fuse_req_t req, const char *link);

#ifndef FASTFUSE_ABI_314
/*
 * Register fd as a passthrough backing file (open/create/opendir). The
 * result goes into fi->backing_id; 0 means failure.
 */
int fuse_passthrough_open(fuse_req_t req, int fd);

/* Drop a backing id from fuse_passthrough_open(). */
int fuse_passthrough_close(fuse_req_t req, int backing_id);
#endif

/* Answer open/opendir; fh and the reply bits of fi are sent. */
int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi);

/* Answer write/write_buf/copy_file_range with a byte count. */
int fuse_reply_write(fuse_req_t req, size_t count);

/* Answer with data from one memory buffer. */
int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size);

/* Answer with data from a buffer vector, splicing when allowed. */
int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv,
		    enum fuse_buf_copy_flags flags);

/* Answer with data from an iovec array. */
int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count);

/* Answer statfs. */
int fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf);

/* Answer a getxattr/listxattr size query. */
int fuse_reply_xattr(fuse_req_t req, size_t count);

/* Answer getlk. */
int fuse_reply_lock(fuse_req_t req, const struct flock *lock);

/* Answer bmap. */
int fuse_reply_bmap(fuse_req_t req, uint64_t idx);

/*
 * Append one readdir entry to buf. Returns the space the entry needs; if
 * that exceeds bufsize nothing was written. off is the cookie of the next
 * entry and must not be 0.
 */
size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize,
			 const char *name, const struct stat *stbuf,
			 off_t off);

/* Same for readdirplus, with full entry data. */
size_t fuse_add_direntry_plus(fuse_req_t req, char *buf, size_t bufsize,
			      const char *name,
			      const struct fuse_entry_param *e, off_t off);

/* Ask the kernel to retry an unrestricted ioctl with these iovecs. */
int fuse_reply_ioctl_retry(fuse_req_t req,
			   const struct iovec *in_iov, size_t in_count,
			   const struct iovec *out_iov, size_t out_count);

/* Finish an ioctl with a result and output data. */
int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size);

/* Finish an ioctl with output data from an iovec array. */
int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov,
			 int count);

/* Answer poll with the ready events. */
int fuse_reply_poll(fuse_req_t req, unsigned revents);

/* Answer lseek. */
int fuse_reply_lseek(fuse_req_t req, off_t off);

#ifndef FASTFUSE_ABI_314
/* Answer statx. */
int fuse_reply_statx(fuse_req_t req, int flags, struct statx *statx,
		     double attr_timeout);
#endif

/*
 * Notifications: messages the filesystem sends on its own. 0 or -errno;
 * -ENOSYS when the kernel is too old. Do not call them from a handler of
 * a request they would wait for.
 */

/* Wake pollers of a handle kept from a poll request. */
int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph);

/* Drop cached data of ino from off for len bytes (len 0: all; off < 0:
 * attributes only). */
int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino,
				     off_t off, off_t len);

#ifndef FASTFUSE_ABI_314
/* Bump the connection epoch so every older cached entry is revalidated. */
int fuse_lowlevel_notify_increment_epoch(struct fuse_session *se);
#endif

/* Drop the dentry parent/name and the parent's attributes. */
int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent,
				     const char *name, size_t namelen);

/*
 * Mark parent/name stale without unhashing it, so submounts on it stay
 * (kernel 7.38+).
 */
#ifdef FASTFUSE_ABI_314
int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
				      const char *name, size_t namelen,
				      enum fuse_expire_flags flags);
#else
int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
				      const char *name, size_t namelen);
#endif

/* Like inval_entry, and tell inotify watchers that child was deleted. */
int fuse_lowlevel_notify_delete(struct fuse_session *se,
				fuse_ino_t parent, fuse_ino_t child,
				const char *name, size_t namelen);

/* Push data into the kernel page cache of ino. */
int fuse_lowlevel_notify_store(struct fuse_session *se, fuse_ino_t ino,
			       off_t offset, struct fuse_bufvec *bufv,
			       enum fuse_buf_copy_flags flags);

/* Ask for cached pages of ino; they arrive via retrieve_reply. */
int fuse_lowlevel_notify_retrieve(struct fuse_session *se, fuse_ino_t ino,
				  size_t size, off_t offset, void *cookie);

/* The userdata given when the session was created. */
void *fuse_req_userdata(fuse_req_t req);

/* Caller identity; valid for the request's lifetime. */
const struct fuse_ctx *fuse_req_ctx(fuse_req_t req);

/*
 * Supplementary groups of the caller into list (up to size). Returns the
 * total count, or -errno.
 */
int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[]);

/* Called when the kernel interrupts a request. */
typedef void (*fuse_interrupt_func_t)(fuse_req_t req, void *data);

/*
 * Install (or with NULL remove) an interrupt callback; runs at once if
 * the request was already interrupted.
 */
void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func,
			     void *data);

/* 1 if the request has been interrupted, else 0. */
int fuse_req_interrupted(fuse_req_t req);

/* Print the library version to stdout. */
void fuse_lowlevel_version(void);

/* Print the generic low-level options to stdout. */
void fuse_lowlevel_help(void);

/* Print the options fuse_parse_cmdline() understands to stdout. */
void fuse_cmdline_help(void);

/*
 * Result of fuse_parse_cmdline(). Members are never removed or moved:
 * a new one needs a new versioned parse function.
 */
struct fuse_cmdline_opts {
	int singlethread;
	int foreground;
	int debug;
	int nodefault_subtype;
	char *mountpoint;
	int show_version;
	int show_help;
	int clone_fd;
	unsigned int max_idle_threads;
	/* Since 3.12. */
	unsigned int max_threads;
};

/*
 * Parse -d, -f, -s, -h, -V, -o clone_fd, max_idle_threads, max_threads
 * and the mountpoint out of args. 0 or -1.
 */
#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
int fuse_parse_cmdline(struct fuse_args *args,
		       struct fuse_cmdline_opts *opts);
#else
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_parse_cmdline_30(struct fuse_args *args,
			  struct fuse_cmdline_opts *opts);
#define fuse_parse_cmdline(args, opts) fuse_parse_cmdline_30(args, opts)
#else
int fuse_parse_cmdline_312(struct fuse_args *args,
			   struct fuse_cmdline_opts *opts);
#define fuse_parse_cmdline(args, opts) fuse_parse_cmdline_312(args, opts)
#endif
#endif

#ifdef FASTFUSE_ABI_314
/*
 * Create a session from mount options in args and the operations table
 * (op_size = sizeof(*op)). NULL on failure.
 */
struct fuse_session *fuse_session_new(struct fuse_args *args,
				      const struct fuse_lowlevel_ops *op,
				      size_t op_size, void *userdata);

/*
 * Serve the session over fd with io instead of mounting /dev/fuse.
 * fd is closed by fuse_session_destroy(). 0 or -errno.
 */
int fuse_session_custom_io(struct fuse_session *se,
			   const struct fuse_custom_io *io, int fd);
#else
/*
 * The entry point behind fuse_session_new(); the wrapper records the
 * header version the caller was built with.
 */
struct fuse_session *
fuse_session_new_versioned(struct fuse_args *args,
			   const struct fuse_lowlevel_ops *op, size_t op_size,
			   struct libfuse_version *version, void *userdata);

/*
 * Create a session from mount options in args and the operations table
 * (op_size = sizeof(*op)). NULL on failure.
 */
static FASTFUSE_INLINE struct fuse_session *
fuse_session_new_fn(struct fuse_args *args, const struct fuse_lowlevel_ops *op,
		    size_t op_size, void *userdata)
{
	struct libfuse_version version = {
		FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION, 0
	};

	return fuse_session_new_versioned(args, op, op_size, &version,
					  userdata);
}
#define fuse_session_new(args, op, op_size, userdata) \
	fuse_session_new_fn(args, op, op_size, userdata)

/*
 * The entry point behind fuse_session_custom_io(); io_size tells how much
 * of struct fuse_custom_io the caller knows about.
 */
int fuse_session_custom_io_317(struct fuse_session *se,
			       const struct fuse_custom_io *io,
			       size_t io_size, int fd);

/*
 * Serve the session over fd with io instead of mounting /dev/fuse.
 * fd is closed by fuse_session_destroy(). 0 or -errno. From API 3.17 the
 * caller passes sizeof(*io); before, the struct ended before clone_fd.
 */
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
static FASTFUSE_INLINE int fuse_session_custom_io(struct fuse_session *se,
						  const struct fuse_custom_io *io,
						  size_t io_size, int fd)
{
	return fuse_session_custom_io_317(se, io, io_size, fd);
}
#else
static FASTFUSE_INLINE int fuse_session_custom_io(struct fuse_session *se,
						  const struct fuse_custom_io *io,
						  int fd)
{
	return fuse_session_custom_io_317(se, io,
				offsetof(struct fuse_custom_io, clone_fd), fd);
}
#endif
#endif /* FASTFUSE_ABI_314 */

/* Mount at mountpoint (or use /dev/fd/N). 0 or -1. */
int fuse_session_mount(struct fuse_session *se, const char *mountpoint);

/*
 * Serve requests on this thread until unmount or fuse_session_exit().
 * 0, -errno, or the signal number that ended the loop.
 */
int fuse_session_loop(struct fuse_session *se);

/*
 * Serve requests with a thread pool; returns like fuse_session_loop().
 * Each API era binds to its own symbol: a clone_fd int before 3.2, the
 * public loop config before 3.12, the opaque one after (NULL = defaults).
 */
#if FUSE_USE_VERSION < 32
int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);
#define fuse_session_loop_mt(se, clone_fd) fuse_session_loop_mt_31(se, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_session_loop_mt_32(struct fuse_session *se,
			    struct fuse_loop_config *config);
#define fuse_session_loop_mt(se, config) fuse_session_loop_mt_32(se, config)
#else
#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
int fuse_session_loop_mt(struct fuse_session *se,
			 struct fuse_loop_config *config);
#else
int fuse_session_loop_mt_312(struct fuse_session *se,
			     struct fuse_loop_config *config);
#define fuse_session_loop_mt(se, config) fuse_session_loop_mt_312(se, config)
#endif
#endif

/*
 * Ask the loops to stop. From a non-worker thread the loop notices on the
 * next request, so callers often also send a signal.
 */
void fuse_session_exit(struct fuse_session *se);

/* Clear the exit flag so the session can be looped again. */
void fuse_session_reset(struct fuse_session *se);

/* 1 once the session has been told to exit, else 0. */
int fuse_session_exited(struct fuse_session *se);

/* Unmount if the connection is still open (e.g. after a signal). */
void fuse_session_unmount(struct fuse_session *se);

/* Free the session (does not unmount). */
void fuse_session_destroy(struct fuse_session *se);

/* Device fd, for callers that run their own event loop. */
int fuse_session_fd(struct fuse_session *se);

/* Dispatch one raw request read by fuse_session_receive_buf(). */
void fuse_session_process_buf(struct fuse_session *se,
			      const struct fuse_buf *buf);

/*
 * Read one raw request into buf (memory or a pipe). Its size, 0 at the
 * end of the session, or -errno.
 */
int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf);

#ifndef FASTFUSE_ABI_314
/* Whether req arrived over FUSE-over-io_uring rather than /dev/fuse. */
bool fuse_req_is_uring(fuse_req_t req);

/*
 * The io_uring payload buffer of req, to read or write in place. mr is
 * reserved and may be NULL. 0, or -errno (-EINVAL off io_uring).
 */
int fuse_req_get_payload(fuse_req_t req, char **payload, size_t *payload_sz,
			 void **mr);
#endif

#ifdef __cplusplus
}
#endif

#endif /* FUSE_LOWLEVEL_H_ */

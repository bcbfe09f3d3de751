// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * FUSE_INIT negotiation and DESTROY: what the kernel offers becomes
 * FUSE_CAP_* capabilities, libfuse's default wants are applied, the
 * filesystem's init() adjusts them, and the reply states what we use.
 * Also the feature-flag accessors of the 3.17+ API.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse_i.h"
#include "fastpath/fastpath.h"
#include "uring.h"

/* FUSE_CAP_* bit <-> kernel INIT flag, for the capabilities that map 1:1. */
static const struct cap_map {
	uint64_t cap;
	uint64_t kflag;
	const char *name;
} cap_map[] = {
	{ FUSE_CAP_ASYNC_READ, FUSE_ASYNC_READ, "async_read" },
	{ FUSE_CAP_POSIX_LOCKS, FUSE_POSIX_LOCKS, "posix_locks" },
	{ FUSE_CAP_ATOMIC_O_TRUNC, FUSE_ATOMIC_O_TRUNC, "atomic_o_trunc" },
	{ FUSE_CAP_EXPORT_SUPPORT, FUSE_EXPORT_SUPPORT, "export_support" },
	{ FUSE_CAP_DONT_MASK, FUSE_DONT_MASK, "dont_mask" },
	{ FUSE_CAP_SPLICE_WRITE, FUSE_SPLICE_WRITE, "splice_write" },
	{ FUSE_CAP_SPLICE_MOVE, FUSE_SPLICE_MOVE, "splice_move" },
	{ FUSE_CAP_SPLICE_READ, FUSE_SPLICE_READ, "splice_read" },
	{ FUSE_CAP_FLOCK_LOCKS, FUSE_FLOCK_LOCKS, "flock_locks" },
	{ FUSE_CAP_IOCTL_DIR, FUSE_HAS_IOCTL_DIR, "ioctl_dir" },
	{ FUSE_CAP_AUTO_INVAL_DATA, FUSE_AUTO_INVAL_DATA, "auto_inval_data" },
	{ FUSE_CAP_READDIRPLUS, FUSE_DO_READDIRPLUS, "readdirplus" },
	{ FUSE_CAP_READDIRPLUS_AUTO, FUSE_READDIRPLUS_AUTO, "readdirplus_auto" },
	{ FUSE_CAP_ASYNC_DIO, FUSE_ASYNC_DIO, "async_dio" },
	{ FUSE_CAP_WRITEBACK_CACHE, FUSE_WRITEBACK_CACHE, "writeback_cache" },
	{ FUSE_CAP_NO_OPEN_SUPPORT, FUSE_NO_OPEN_SUPPORT, "no_open_support" },
	{ FUSE_CAP_PARALLEL_DIROPS, FUSE_PARALLEL_DIROPS, "parallel_dirops" },
	{ FUSE_CAP_POSIX_ACL, FUSE_POSIX_ACL, "posix_acl" },
	{ FUSE_CAP_HANDLE_KILLPRIV, FUSE_HANDLE_KILLPRIV, "handle_killpriv" },
	{ FUSE_CAP_CACHE_SYMLINKS, FUSE_CACHE_SYMLINKS, "cache_symlinks" },
	{ FUSE_CAP_NO_OPENDIR_SUPPORT, FUSE_NO_OPENDIR_SUPPORT, "no_opendir_support" },
	{ FUSE_CAP_EXPLICIT_INVAL_DATA, FUSE_EXPLICIT_INVAL_DATA, "explicit_inval_data" },
	{ FUSE_CAP_EXPIRE_ONLY, FUSE_HAS_EXPIRE_ONLY, "expire_only" },
#if !LF_ABI_314
	{ FUSE_CAP_SETXATTR_EXT, FUSE_SETXATTR_EXT, "setxattr_ext" },
	{ FUSE_CAP_HANDLE_KILLPRIV_V2, FUSE_HANDLE_KILLPRIV_V2, "handle_killpriv_v2" },
	{ FUSE_CAP_DIRECT_IO_ALLOW_MMAP, FUSE_DIRECT_IO_ALLOW_MMAP, "direct_io_allow_mmap" },
	{ FUSE_CAP_PASSTHROUGH, FUSE_PASSTHROUGH, "passthrough" },
	{ FUSE_CAP_NO_EXPORT_SUPPORT, FUSE_NO_EXPORT_SUPPORT, "no_export_support" },
	{ FUSE_CAP_OVER_IO_URING, FUSE_OVER_IO_URING, "over_io_uring" },
#endif
};

uint64_t lf_caps_from_kernel(uint64_t kflags)
{
	uint64_t caps = 0;
	size_t i;

	for (i = 0; i < LF_ARRAY_SIZE(cap_map); i++)
		if (kflags & cap_map[i].kflag)
			caps |= cap_map[i].cap;
	return caps;
}

uint64_t lf_kernel_from_caps(uint64_t caps)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < LF_ARRAY_SIZE(cap_map); i++)
		if (caps & cap_map[i].cap)
			k |= cap_map[i].kflag;
	return k;
}

/* libfuse's default wants: on when the kernel offers them and, for some,
 * when the filesystem implements the operations they need. */
static uint64_t default_wants(const struct fuse_session *se, uint64_t capable)
{
	const struct fuse_lowlevel_ops *op = &se->op;
	uint64_t w = FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS |
		     FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_HANDLE_KILLPRIV |
		     FUSE_CAP_ASYNC_DIO | FUSE_CAP_IOCTL_DIR |
		     FUSE_CAP_ATOMIC_O_TRUNC;

	if (op->write_buf)
		w |= FUSE_CAP_SPLICE_READ;
	if (op->getlk && op->setlk)
		w |= FUSE_CAP_POSIX_LOCKS;
	if (op->flock)
		w |= FUSE_CAP_FLOCK_LOCKS;
	if (op->readdirplus)
		w |= FUSE_CAP_READDIRPLUS;
	if (op->readdirplus && op->readdir)
		w |= FUSE_CAP_READDIRPLUS_AUTO;
#if !LF_ABI_314
	/* libfuse 3.18 wants it by default; the session options decide */
	w |= FUSE_CAP_OVER_IO_URING;
#endif
	return w & capable;
}

void lf_init_defaults(struct fuse_session *se)
{
	memset(&se->conn, 0, sizeof(se->conn));
	se->conn.max_write = UINT_MAX;
	se->conn.max_readahead = UINT_MAX;
}

/* Fill the public conn struct from the 64-bit internal state. */
static void conn_export(struct fuse_session *se)
{
	se->conn.capable = (uint32_t)se->lconn.capable;
	se->conn.want = (uint32_t)se->lconn.want;
#if !LF_ABI_314
	se->conn.capable_ext = se->lconn.capable;
	se->conn.want_ext = se->lconn.want;
#endif
}

/*
 * Read back what init() changed. In the 3.17+ ABI a filesystem may have
 * changed the 32-bit want, the 64-bit want_ext, or both; libfuse's rule:
 * a change of only one is taken, two changes that disagree are an error.
 */
static int conn_import(struct fuse_session *se, uint64_t want_before)
{
#if LF_ABI_314
	se->lconn.want = (want_before & ~0xffffffffULL) | se->conn.want;
	return 0;
#else
	uint32_t want32 = se->conn.want;
	uint64_t want64 = se->conn.want_ext;
	bool c32 = want32 != (uint32_t)want_before;
	bool c64 = want64 != want_before;

	if (c32 && c64 && (uint32_t)want64 != want32) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: both 'want' (0x%x) and 'want_ext' (0x%llx) were modified inconsistently\n",
			 want32, (unsigned long long)want64);
		return -EINVAL;
	}
	if (c64)
		se->lconn.want = want64;
	else if (c32)
		se->lconn.want = (want_before & ~0xffffffffULL) | want32;
	return 0;
#endif
}

/*
 * FUSE-over-io_uring (uring.h): NULL to ask the kernel for it, else the
 * stable reason it stays off. The kernel offers it only while
 * /sys/module/fuse/parameters/enable_uring is Y. On by default under the
 * multi-threaded loop; -o io_uring / FUSE_URING_ENABLE=1 (libfuse 3.18)
 * under any loop; -o no_io_uring opts out.
 */
static const char *uring_off_reason(struct fuse_session *se)
{
	int err;

	if (!(se->lconn.kernel_flags & FUSE_OVER_IO_URING))
		return "not_offered";
	if (se->uring_enable == 0)
		return "disabled";
#if !LF_ABI_314
	if (!(se->lconn.want & FUSE_CAP_OVER_IO_URING))
		return "declined";	/* unset by the filesystem's init() */
#endif
	if (se->io)
		return "custom_io";
	if (se->uring_enable < 0 && !se->loop_mt)
		return "single_threaded";
	err = lf_uring_probe();
	if (err == -EOPNOTSUPP)
		return "not_built";
	return err ? "setup_failed" : NULL;
}

static void debug_init_in(uint32_t major, uint32_t minor, uint32_t ra,
			  uint64_t flags)
{
	fuse_log(FUSE_LOG_DEBUG, "INIT: %u.%u\n", major, minor);
	fuse_log(FUSE_LOG_DEBUG, "flags=0x%08llx\n", (unsigned long long)flags);
	fuse_log(FUSE_LOG_DEBUG, "max_readahead=0x%08x\n", ra);
}

static void debug_init_out(const struct fuse_init_out *o)
{
	fuse_log(FUSE_LOG_DEBUG, "   INIT: %u.%u\n", o->major, o->minor);
	fuse_log(FUSE_LOG_DEBUG, "   flags=0x%08x\n", o->flags);
	fuse_log(FUSE_LOG_DEBUG, "   max_readahead=0x%08x\n", o->max_readahead);
	fuse_log(FUSE_LOG_DEBUG, "   max_write=0x%08x\n", o->max_write);
	fuse_log(FUSE_LOG_DEBUG, "   max_background=%i\n", o->max_background);
	fuse_log(FUSE_LOG_DEBUG, "   congestion_threshold=%i\n",
		 o->congestion_threshold);
	fuse_log(FUSE_LOG_DEBUG, "   time_gran=%u\n", o->time_gran);
}

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

/*
 * The kernel's ceiling for max_pages: fs.fuse.max_pages_limit where the
 * sysctl exists (it can be raised above the historical 256 pages), else
 * the compile-time FUSE_MAX_MAX_PAGES.
 */
static size_t kernel_max_pages(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/fs/fuse/max_pages_limit", "re");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	if (v == 0 || v > 65535)
		v = FUSE_MAX_MAX_PAGES;
	return v;
}

/*
 * Largest request the kernel may send us. Before init() that is what the
 * default receive buffers hold (libfuse's 1 MiB); after it, a filesystem
 * that asked for more (conn->max_write) gets up to the kernel's max_pages
 * ceiling, and ll_init grows se->bufsize to match.
 * Caveat when that ceiling is raised above 1 MiB: a worker already blocked
 * in read() with a default-sized buffer when INIT is answered gets EIO
 * from the kernel for a request larger than its buffer.
 */
static void clamp_sizes(struct fuse_session *se, bool after_init)
{
	size_t room = se->bufsize - LF_HEADER_ROOM;
	size_t limit = (size_t)FUSE_MAX_MAX_PAGES * page_size();

	if (after_init && (se->lconn.kernel_flags & FUSE_MAX_PAGES))
		limit = LF_MAX(kernel_max_pages() * page_size(), room);
	else if (se->conn.max_write > room)
		se->conn.max_write = room;
	if (se->conn.max_write > limit)
		se->conn.max_write = limit;
	if (se->conn.max_write < 4096)
		se->conn.max_write = 4096;
}

static void fill_init_out(struct fuse_session *se, struct fuse_init_out *o,
			  uint64_t kflags)
{
	uint64_t out = lf_kernel_from_caps(se->lconn.want);
	size_t ps = page_size();

	if (kflags & FUSE_BIG_WRITES)
		out |= FUSE_BIG_WRITES;
	if (kflags & FUSE_MAX_PAGES) {
		out |= FUSE_MAX_PAGES;
		o->max_pages = (se->conn.max_write - 1) / ps + 1;
	}
	if (kflags & FUSE_INIT_EXT)
		out |= FUSE_INIT_EXT;
	if (kflags & FUSE_ABORT_ERROR)
		out |= FUSE_ABORT_ERROR;
#if !LF_ABI_314
	/* libfuse 3.18: the kernel's depth counts the FUSE layer itself, one
	 * more than the backing files' max_backing_stack_depth. */
	if (se->lconn.want & FUSE_CAP_PASSTHROUGH)
		o->max_stack_depth = se->conn.max_backing_stack_depth + 1;
	if ((kflags & FUSE_REQUEST_TIMEOUT) && se->lconn.request_timeout) {
		out |= FUSE_REQUEST_TIMEOUT;
		o->request_timeout = se->lconn.request_timeout;
	}
#endif
	/* max_stack_depth is only meaningful with passthrough */
	if (!(out & FUSE_PASSTHROUGH))
		o->max_stack_depth = 0;
	o->flags = (uint32_t)out;
	o->flags2 = (uint32_t)(out >> 32);
	o->major = FUSE_KERNEL_VERSION;
	o->minor = FUSE_KERNEL_MINOR_VERSION;
	o->max_readahead = se->conn.max_readahead;
	o->max_write = se->conn.max_write;
	o->max_background = se->conn.max_background;
	o->congestion_threshold = se->conn.congestion_threshold;
	o->time_gran = se->conn.time_gran;
	se->lconn.out_flags = out;
	se->lconn.max_pages = o->max_pages;
}

/* Reply size the kernel's protocol minor expects. */
static size_t init_out_size(uint32_t minor)
{
	if (minor < 5)
		return FUSE_COMPAT_INIT_OUT_SIZE;
	if (minor < 23)
		return FUSE_COMPAT_22_INIT_OUT_SIZE;
	return sizeof(struct fuse_init_out);
}

static int send_init_reply(fuse_req_t req, struct fuse_init_out *o,
			   size_t size)
{
	struct iovec iov[2];

	iov[1].iov_base = o;
	iov[1].iov_len = size;
	return lf_reply_iov(req, 0, iov, 2);
}

void ll_init(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;
	const struct fuse_init_in *arg = in->arg;
	struct fuse_init_out out;
	uint64_t kflags = 0, want_before;
	const char *uring_off;
	uint32_t ra = 0;
	int err;

	memset(&out, 0, sizeof(out));
	if (in->len >= 16) {
		kflags = arg->flags;
		ra = arg->max_readahead;
	}
	if (in->len >= 24 && (kflags & FUSE_INIT_EXT))
		kflags |= (uint64_t)arg->flags2 << 32;
	if (se->debug)
		debug_init_in(arg->major, arg->minor, ra, kflags);

	se->proto_major = arg->major;
	se->proto_minor = arg->minor;
	se->conn.proto_major = arg->major;
	se->conn.proto_minor = arg->minor;
	se->lconn.kernel_flags = kflags;

	if (arg->major < 7) {
		fuse_log(FUSE_LOG_ERR, "fuse: unsupported protocol version: %u.%u\n",
			 arg->major, arg->minor);
		lf_reply_iov(req, EPROTO, (struct iovec[1]){ { 0 } }, 1);
		return;
	}
	if (arg->major > 7) {
		/* The kernel retries INIT with our major version. */
		out.major = FUSE_KERNEL_VERSION;
		out.minor = FUSE_KERNEL_MINOR_VERSION;
		send_init_reply(req, &out, sizeof(out));
		return;
	}

	if (se->conn.max_readahead > ra)
		se->conn.max_readahead = ra;
	se->lconn.capable = lf_caps_from_kernel(kflags);
	/* Capabilities without a kernel flag of their own. */
#ifdef FUSE_CAP_BIG_WRITES
	se->lconn.capable |= FUSE_CAP_BIG_WRITES;
#endif
	if (kflags & FUSE_MAX_PAGES)
		se->lconn.max_pages = 0;
	se->lconn.want |= default_wants(se, se->lconn.capable);
	if (se->conn.time_gran == 0)
		se->conn.time_gran = 1;
	clamp_sizes(se, false);

	conn_export(se);
	want_before = se->lconn.want;
	if (se->op.init)
		se->op.init(se->userdata, &se->conn);
	err = conn_import(se, want_before);
	if (!err && (se->lconn.want & ~se->lconn.capable)) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: error: filesystem requested capabilities 0x%llx that are not supported by kernel, aborting.\n",
			 (unsigned long long)(se->lconn.want & ~se->lconn.capable));
		err = -EPROTO;
	}
	if (err) {
		se->error = -EPROTO;
		lf_reply_iov(req, EPROTO, (struct iovec[1]){ { 0 } }, 1);
		fuse_session_exit(se);
		return;
	}
	conn_export(se);
	clamp_sizes(se, true);
	se->bufsize = LF_MAX((size_t)se->conn.max_write + LF_HEADER_ROOM,
			     (size_t)LF_MIN_BUFSIZE);

	uring_off = uring_off_reason(se);
	if (uring_off)
		se->lconn.want &= ~FUSE_CAP_OVER_IO_URING;
	fill_init_out(se, &out, kflags);
	if (se->fastpath)	/* fastpath: the cache policy's INIT flags */
		lf_fastpath_init(se, &out);
	if (!uring_off) {
		/* also in the .so.3, whose caps cannot name it */
		out.flags2 |= (uint32_t)(FUSE_OVER_IO_URING >> 32);
		se->lconn.out_flags |= FUSE_OVER_IO_URING;
	}
	if (se->debug)
		debug_init_out(&out);
	atomic_store(&se->got_init, true);
	if (se->init_status)
		fuse_log(FUSE_LOG_INFO, "FUSE_INIT: proto=%u.%u max_write=%u\n",
			 arg->major, arg->minor, se->conn.max_write);
	if (uring_off)
		lf_uring_report(se, uring_off);
	/* The kernel takes ring registrations only once INIT is answered. */
	if (send_init_reply(req, &out, init_out_size(arg->minor)) == 0 &&
	    !uring_off)
		lf_uring_start(se);
}

void ll_destroy(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;

	(void)in;
	atomic_store(&se->got_destroy, true);
	if (se->op.destroy)
		se->op.destroy(se->userdata);
	lf_reply_iov(req, 0, (struct iovec[1]){ { 0 } }, 1);
}

/*
 * Feature flags of the 3.17+ API: they act on the 64-bit want_ext and
 * keep the 32-bit want in step.
 */
#if !LF_ABI_314
FUSE_EXPORT bool fuse_set_feature_flag(struct fuse_conn_info *conn,
				       uint64_t flag)
{
	if (!(conn->capable_ext & flag))
		return false;
	conn->want_ext |= flag;
	conn->want = (uint32_t)conn->want_ext;
	return true;
}

FUSE_EXPORT void fuse_unset_feature_flag(struct fuse_conn_info *conn,
					 uint64_t flag)
{
	conn->want_ext &= ~flag;
	conn->want = (uint32_t)conn->want_ext;
}

FUSE_EXPORT bool fuse_get_feature_flag(struct fuse_conn_info *conn,
				       uint64_t flag)
{
	return (conn->capable_ext & flag) != 0;
}
#endif

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reply encoders: every public fuse_reply_* and fuse_add_direntry*,
 * the one place that turns public structs (stat, fuse_entry_param,
 * fuse_file_info) into kernel reply structs, and lf_reply_iov(), which
 * frames a reply, sends it on the request's channel and frees the request.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fuse_i.h"
#include "fastpath/fastpath.h"
#include "ll/ll.h"
#include "log.h"
#include "transport.h"

/* The kernel's "to end of file" lock end (OFFSET_MAX). */
#define LK_OFFSET_MAX 0x7fffffffffffffffULL

/* Opcodes the kernel never waits an answer for. */
static bool opcode_wants_reply(uint32_t opcode)
{
	return opcode != FUSE_FORGET && opcode != FUSE_BATCH_FORGET &&
	       opcode != FUSE_NOTIFY_REPLY;
}

/*
 * libfuse 3.18 (glibc >= 2.32) accepts 0 and any positive value glibc has
 * a description for; anything else becomes ERANGE so the kernel never sees
 * an out-of-range error that would make it reject the whole reply.
 */
static int checked_errno(int err)
{
	if (err == 0)
		return 0;
	if (err < 0 || !strerrordesc_np(err)) {
		lf_log(FUSE_LOG_ERR, "fuse: bad error value: %i\n", -err);
		return ERANGE;
	}
	return err;
}

static size_t iov_total(const struct iovec *iov, int count)
{
	size_t len = 0;
	int i;

	for (i = 0; i < count; i++)
		len += iov[i].iov_len;
	return len;
}

static void debug_reply(const struct fuse_out_header *out)
{
	if (out->error)
		lf_log(FUSE_LOG_DEBUG,
		       "   unique: %llu, error: %i (%s), outsize: %i\n",
		       (unsigned long long)out->unique, out->error,
		       strerror(-out->error), (int)out->len);
	else
		lf_log(FUSE_LOG_DEBUG, "   unique: %llu, success, outsize: %i\n",
		       (unsigned long long)out->unique, (int)out->len);
}

int lf_reply_iov(fuse_req_t req, int error, struct iovec *iov, int count)
{
	struct fuse_session *se = req->se;
	struct fuse_out_header out;
	size_t len;
	int res;

	if (req->capture)	/* fastpath: the library's own call (reuse.c) */
		return lf_capture_reply(req, error, iov, count);
	if (!opcode_wants_reply(req->opcode)) {
		/* A filesystem answering FORGET: nothing may reach the kernel
		 * over /dev/fuse; a ring entry is given back empty. */
		if (!req->is_uring) {
			lf_req_free(req);
			return 0;
		}
		error = 0;
		count = 1;
	}
	error = checked_errno(error);
	iov[0].iov_base = &out;
	iov[0].iov_len = sizeof(out);
	len = iov_total(iov, count);
	if (len > UINT32_MAX) {
		/* Cannot be framed; the kernel's read would fail anyway. */
		error = EIO;
		count = 1;
		len = sizeof(out);
	}
	out.len = (uint32_t)len;
	out.error = -error;
	out.unique = req->unique;
	if (se->debug)
		debug_reply(&out);
	res = lf_send(se, req->ch, req, iov, count);
	lf_req_free(req);
	return res;
}

int lf_reply_ok(fuse_req_t req, const void *arg, size_t argsize)
{
	struct iovec iov[2];
	int count = 1;

	if (argsize) {
		iov[1].iov_base = (void *)arg;
		iov[1].iov_len = argsize;
		count++;
	}
	return lf_reply_iov(req, 0, iov, count);
}

FUSE_EXPORT int fuse_reply_err(fuse_req_t req, int err)
{
	struct iovec iov[1];
	int res;

	/* fastpath: an ENOENT lookup may become a cached negative entry */
	if (req->se->fastpath && lf_fastpath_reply_err(req, err, &res))
		return res;
	return lf_reply_iov(req, err, iov, 1);
}

FUSE_EXPORT void fuse_reply_none(fuse_req_t req)
{
	/*
	 * A request that came on an io_uring ring entry (NOTIFY_REPLY does)
	 * holds that entry until it is committed: an empty reply gives it
	 * back, otherwise every such request would cost the queue an entry.
	 */
	if (req->is_uring) {
		struct iovec iov[1];

		lf_reply_iov(req, 0, iov, 1);
		return;
	}
	lf_req_free(req);
}

FUSE_EXPORT int fuse_reply_iov(fuse_req_t req, const struct iovec *iov,
			       int count)
{
	struct iovec small[8], *all = small;
	int res;

	if (count < 0)
		return fuse_reply_err(req, EINVAL);
	if ((size_t)count + 1 > LF_ARRAY_SIZE(small)) {
		all = malloc(((size_t)count + 1) * sizeof(*all));
		if (!all)
			return fuse_reply_err(req, ENOMEM);
	}
	if (count)
		memcpy(all + 1, iov, (size_t)count * sizeof(*all));
	res = lf_reply_iov(req, 0, all, count + 1);
	if (all != small)
		free(all);
	return res;
}

/* ------------------------------------------------------------------ */
/* Conversions from the public structs                                  */
/* ------------------------------------------------------------------ */

/* Whole seconds of a timeout, clamped like libfuse (negative -> 0). */
static uint64_t timeout_sec(double t)
{
	if (t > (double)ULONG_MAX)
		return ULONG_MAX;
	if (t < 0.0)
		return 0;
	return (uint64_t)t;
}

static uint32_t timeout_nsec(double t)
{
	double frac = t - (double)timeout_sec(t);

	if (frac < 0.0)
		return 0;
	if (frac >= 0.999999999)
		return 999999999;
	return (uint32_t)(frac * 1.0e9);
}

void lf_fill_attr(struct fuse_attr *attr, const struct stat *st)
{
	attr->ino = st->st_ino;
	attr->mode = st->st_mode;
	attr->nlink = (uint32_t)st->st_nlink;
	attr->uid = st->st_uid;
	attr->gid = st->st_gid;
	attr->rdev = (uint32_t)st->st_rdev;
	attr->size = (uint64_t)st->st_size;
	attr->blksize = (uint32_t)st->st_blksize;
	attr->blocks = (uint64_t)st->st_blocks;
	attr->atime = (uint64_t)st->st_atim.tv_sec;
	attr->mtime = (uint64_t)st->st_mtim.tv_sec;
	attr->ctime = (uint64_t)st->st_ctim.tv_sec;
	attr->atimensec = (uint32_t)st->st_atim.tv_nsec;
	attr->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	attr->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
}

void lf_fill_entry(struct fuse_entry_out *out, const struct fuse_entry_param *e)
{
	memset(out, 0, sizeof(*out));
	out->nodeid = e->ino;
	out->generation = e->generation;
	out->entry_valid = timeout_sec(e->entry_timeout);
	out->entry_valid_nsec = timeout_nsec(e->entry_timeout);
	out->attr_valid = timeout_sec(e->attr_timeout);
	out->attr_valid_nsec = timeout_nsec(e->attr_timeout);
	lf_fill_attr(&out->attr, &e->attr);
}

void lf_fill_open(struct fuse_session *se, struct fuse_open_out *out,
		  const struct fuse_file_info *fi)
{
	(void)se;
	memset(out, 0, sizeof(*out));
	out->fh = fi->fh;
	if (fi->direct_io)
		out->open_flags |= FOPEN_DIRECT_IO;
	if (fi->keep_cache)
		out->open_flags |= FOPEN_KEEP_CACHE;
	if (fi->cache_readdir)
		out->open_flags |= FOPEN_CACHE_DIR;
	if (fi->nonseekable)
		out->open_flags |= FOPEN_NONSEEKABLE;
	if (fi->noflush)
		out->open_flags |= FOPEN_NOFLUSH;
#if !LF_ABI_314
	if (fi->parallel_direct_writes)
		out->open_flags |= FOPEN_PARALLEL_DIRECT_WRITES;
	if (fi->backing_id > 0) {
		out->open_flags |= FOPEN_PASSTHROUGH;
		out->backing_id = fi->backing_id;
	}
#endif
}

void lf_fi_from_open_in(struct fuse_file_info *fi, uint32_t flags)
{
	/* open_in.open_flags (KILL_SUIDGID) has no public field, as in libfuse */
	memset(fi, 0, sizeof(*fi));
	fi->flags = (int)flags;
}

/* Before 7.9 entry_out and attr_out ended before attr.blksize. */
static size_t entry_out_size(struct fuse_session *se)
{
	return se->proto_minor < 9 ? FUSE_COMPAT_ENTRY_OUT_SIZE :
				     sizeof(struct fuse_entry_out);
}

/* ------------------------------------------------------------------ */
/* Entries, attributes, open files                                      */
/* ------------------------------------------------------------------ */

FUSE_EXPORT int fuse_reply_entry(fuse_req_t req,
				 const struct fuse_entry_param *e)
{
	struct fuse_entry_out out;

	/* Before 7.4 a negative entry could only be said with ENOENT. */
	if (!e->ino && req->se->proto_minor < 4)
		return fuse_reply_err(req, ENOENT);
	lf_fill_entry(&out, e);
	if (req->se->fastpath)	/* fastpath: policy TTLs */
		lf_fastpath_entry(req, &out);
	return lf_reply_ok(req, &out, entry_out_size(req->se));
}

FUSE_EXPORT int fuse_reply_create(fuse_req_t req,
				  const struct fuse_entry_param *e,
				  const struct fuse_file_info *fi)
{
	alignas(uint64_t) char buf[sizeof(struct fuse_entry_out) +
				   sizeof(struct fuse_open_out)];
	size_t esize = entry_out_size(req->se);
	struct fuse_entry_out eout;
	struct fuse_open_out oout;

	lf_fill_entry(&eout, e);
	lf_fill_open(req->se, &oout, fi);
	if (req->se->fastpath) {	/* fastpath: policy TTLs, open flags */
		lf_fastpath_entry(req, &eout);
		lf_fastpath_open_out(req, &oout);
	}
	/* open_out follows the possibly truncated entry_out directly */
	memcpy(buf, &eout, esize);
	memcpy(buf + esize, &oout, sizeof(oout));
	return lf_reply_ok(req, buf, esize + sizeof(oout));
}

FUSE_EXPORT int fuse_reply_attr(fuse_req_t req, const struct stat *attr,
				double attr_timeout)
{
	struct fuse_attr_out out;
	size_t size = req->se->proto_minor < 9 ? FUSE_COMPAT_ATTR_OUT_SIZE :
						 sizeof(out);

	memset(&out, 0, sizeof(out));
	out.attr_valid = timeout_sec(attr_timeout);
	out.attr_valid_nsec = timeout_nsec(attr_timeout);
	if (req->se->fastpath)	/* fastpath: policy attr TTL */
		lf_fastpath_attr(req->se, &out.attr_valid, &out.attr_valid_nsec);
	lf_fill_attr(&out.attr, attr);
	return lf_reply_ok(req, &out, size);
}

FUSE_EXPORT int fuse_reply_readlink(fuse_req_t req, const char *link)
{
	return lf_reply_ok(req, link, strlen(link));
}

FUSE_EXPORT int fuse_reply_open(fuse_req_t req,
				const struct fuse_file_info *fi)
{
	struct fuse_open_out out;

	lf_fill_open(req->se, &out, fi);
	if (req->se->fastpath)	/* fastpath: keep_cache, cache_readdir, noflush */
		lf_fastpath_open_out(req, &out);
	return lf_reply_ok(req, &out, sizeof(out));
}

/*
 * Also the answer to COPY_FILE_RANGE; COPY_FILE_RANGE_64 (7.45) expects
 * the 64-bit fuse_copy_file_range_out instead.
 */
FUSE_EXPORT int fuse_reply_write(fuse_req_t req, size_t count)
{
	if (req->opcode == FUSE_COPY_FILE_RANGE_64) {
		struct fuse_copy_file_range_out out = { .bytes_copied = count };

		return lf_reply_ok(req, &out, sizeof(out));
	} else {
		struct fuse_write_out out = { .size = (uint32_t)count };

		return lf_reply_ok(req, &out, sizeof(out));
	}
}

FUSE_EXPORT int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size)
{
	return lf_reply_ok(req, buf, size);
}

FUSE_EXPORT int fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf)
{
	struct fuse_statfs_out out;
	/* frsize and the spares were added in 7.4 */
	size_t size = req->se->proto_minor < 4 ? FUSE_COMPAT_STATFS_SIZE :
						 sizeof(out);

	memset(&out, 0, sizeof(out));
	out.st.bsize = (uint32_t)stbuf->f_bsize;
	out.st.frsize = (uint32_t)stbuf->f_frsize;
	out.st.blocks = stbuf->f_blocks;
	out.st.bfree = stbuf->f_bfree;
	out.st.bavail = stbuf->f_bavail;
	out.st.files = stbuf->f_files;
	out.st.ffree = stbuf->f_ffree;
	out.st.namelen = (uint32_t)stbuf->f_namemax;
	return lf_reply_ok(req, &out, size);
}

FUSE_EXPORT int fuse_reply_xattr(fuse_req_t req, size_t count)
{
	struct fuse_getxattr_out out = { .size = (uint32_t)count };

	return lf_reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_lock(fuse_req_t req, const struct flock *lock)
{
	struct fuse_lk_out out;

	memset(&out, 0, sizeof(out));
	out.lk.type = (uint32_t)lock->l_type;
	if (lock->l_type != F_UNLCK) {
		out.lk.start = (uint64_t)lock->l_start;
		if (lock->l_len == 0)
			out.lk.end = LK_OFFSET_MAX;
		else
			out.lk.end = (uint64_t)(lock->l_start + lock->l_len - 1);
	}
	out.lk.pid = (uint32_t)lock->l_pid;
	return lf_reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_bmap(fuse_req_t req, uint64_t idx)
{
	struct fuse_bmap_out out = { .block = idx };

	return lf_reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_poll(fuse_req_t req, unsigned int revents)
{
	struct fuse_poll_out out = { .revents = revents };

	return lf_reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_lseek(fuse_req_t req, off_t off)
{
	struct fuse_lseek_out out = { .offset = (uint64_t)off };

	return lf_reply_ok(req, &out, sizeof(out));
}

#if !LF_ABI_314
_Static_assert(sizeof(struct statx) == sizeof(struct fuse_statx),
	       "fuse_statx mirrors struct statx");

FUSE_EXPORT int fuse_reply_statx(fuse_req_t req, int flags,
				 struct statx *statx, double attr_timeout)
{
	struct fuse_statx_out out;

	memset(&out, 0, sizeof(out));
	out.flags = (uint32_t)flags;
	out.attr_valid = timeout_sec(attr_timeout);
	out.attr_valid_nsec = timeout_nsec(attr_timeout);
	if (req->se->fastpath)	/* fastpath: policy attr TTL */
		lf_fastpath_attr(req->se, &out.attr_valid, &out.attr_valid_nsec);
	memcpy(&out.stat, statx, sizeof(out.stat));
	return lf_reply_ok(req, &out, sizeof(out));
}
#endif

/* ------------------------------------------------------------------ */
/* Data replies                                                         */
/* ------------------------------------------------------------------ */

int lf_data_to_mem(struct fuse_bufvec *bufv, const void **ret_mem,
		   size_t *ret_len, void **ret_free)
{
	size_t len = fuse_buf_size(bufv);
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);
	ssize_t res;
	void *mem;

	/* The common case: one memory buffer, sent as it is. */
	if (bufv->count == 1 && bufv->idx == 0 && bufv->off == 0 &&
	    !(bufv->buf[0].flags & FUSE_BUF_IS_FD)) {
		*ret_mem = bufv->buf[0].mem;
		*ret_len = len;
		*ret_free = NULL;
		return 0;
	}
	/* Page-aligned like libfuse's: a filesystem that opened its file
	 * with O_DIRECT (Debian's passthrough_ll passes the caller's flags
	 * on) can only read into aligned memory. */
	if (posix_memalign(&mem, (size_t)getpagesize(), len ? len : 1))
		return -ENOMEM;
	dst.buf[0].mem = mem;
	res = fuse_buf_copy(&dst, bufv, 0);
	if (res < 0) {
		free(mem);
		return (int)res;
	}
	*ret_mem = mem;
	*ret_len = (size_t)res;
	*ret_free = mem;
	return 0;
}

/*
 * Zero-copy data replies (FUSE_CAP_SPLICE_WRITE): the out-header is
 * vmspliced into a per-thread pipe, the file's pages are spliced after
 * it, and the pipe is spliced into /dev/fuse, so the data never passes
 * through our memory. Only for what the kernel's device takes this way
 * (not io_uring, not custom I/O without a splice_send hook) and only for
 * one fd-backed buffer of a regular file read at an explicit position:
 * the header must state the length before the data is in the pipe, and
 * the file's size tells how much a read there will give. Anything else,
 * and any failure before the device saw a byte, goes the copy path.
 */

/* The per-thread pipe behind se->pipe_key. session.c frees it as an int
 * pair (close both, free the block), so the descriptors stay first. */
struct splice_pipe {
	int fds[2];
	size_t size;		/* capacity in bytes */
	bool can_grow;
};

enum {
	SPLICE_NOTE_OFF = 1 << 0,
	SPLICE_NOTE_NOT_REG = 1 << 1,
	SPLICE_NOTE_NO_PIPE = 1 << 2,
	SPLICE_NOTE_PIPE_SIZE = 1 << 3,
	SPLICE_NOTE_IN = 1 << 4,
};

/* One debug line per reason and process, so -d shows why data is copied. */
static void splice_note(struct fuse_session *se, unsigned int bit,
			const char *reason)
{
	static atomic_uint told;

	if (se->debug && !(atomic_fetch_or(&told, bit) & bit))
		lf_log(FUSE_LOG_DEBUG, "fuse: splice=off:%s, reply data is copied\n",
		       reason);
}

static struct splice_pipe *splice_pipe_get(struct fuse_session *se)
{
	struct splice_pipe *p;
	int sz;

	if (!se->pipe_key_ok)
		return NULL;
	p = pthread_getspecific(se->pipe_key);
	if (p)
		return p;
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	if (pipe2(p->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(p);
		return NULL;
	}
	sz = fcntl(p->fds[0], F_GETPIPE_SZ);
	p->size = sz > 0 ? (size_t)sz : 0;
	p->can_grow = true;
	if (pthread_setspecific(se->pipe_key, p)) {
		close(p->fds[0]);
		close(p->fds[1]);
		free(p);
		return NULL;
	}
	return p;
}

/* A pipe holding bytes of an abandoned reply cannot be reused. */
static void splice_pipe_drop(struct fuse_session *se, struct splice_pipe *p)
{
	pthread_setspecific(se->pipe_key, NULL);
	close(p->fds[0]);
	close(p->fds[1]);
	free(p);
}

/* Grows the pipe to @need bytes; the first refusal is final (beyond
 * fs.pipe-max-size without CAP_SYS_RESOURCE). */
static bool splice_pipe_fit(struct splice_pipe *p, size_t need)
{
	int sz;

	if (p->size >= need)
		return true;
	if (!p->can_grow || need > INT_MAX)
		return false;
	sz = fcntl(p->fds[0], F_SETPIPE_SZ, (int)need);
	if (sz < 0) {
		p->can_grow = false;
		return false;
	}
	p->size = (size_t)sz;
	return p->size >= need;
}

/* How many bytes of @b a reply would carry, or 0 if it cannot splice. */
static size_t splice_data_len(struct fuse_session *se,
			      const struct fuse_bufvec *bufv)
{
	const struct fuse_buf *b = &bufv->buf[0];
	struct stat st;

	if (bufv->count != 1 || bufv->idx != 0 || bufv->off != 0 ||
	    !(b->flags & FUSE_BUF_IS_FD))
		return 0;
	if (!(b->flags & FUSE_BUF_FD_SEEK) || fstat(b->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode)) {
		splice_note(se, SPLICE_NOTE_NOT_REG, "not_regular_file_at_pos");
		return 0;
	}
	if (b->pos < 0 || b->pos >= st.st_size)
		return 0;
	return LF_MIN(b->size, (size_t)(st.st_size - b->pos));
}

/* Fills the pipe with header and data; false (pipe dropped) on failure. */
static bool splice_fill(struct fuse_session *se, struct splice_pipe *p,
			struct fuse_out_header *out, const struct fuse_buf *b,
			size_t len)
{
	struct iovec hiov = { .iov_base = out, .iov_len = sizeof(*out) };
	off_t pos = b->pos;
	size_t done = 0;
	ssize_t n;

	n = vmsplice(p->fds[1], &hiov, 1, SPLICE_F_NONBLOCK);
	while (n == (ssize_t)sizeof(*out) && done < len) {
		ssize_t got = splice(b->fd, &pos, p->fds[1], NULL, len - done,
				     SPLICE_F_NONBLOCK);

		if (got <= 0)
			break;
		done += (size_t)got;
	}
	if (n == (ssize_t)sizeof(*out) && done == len)
		return true;
	/* Includes the file shrinking under us: the copy path re-reads. */
	splice_note(se, SPLICE_NOTE_IN, "splice_in_failed");
	splice_pipe_drop(se, p);
	return false;
}

/* 1: not spliced, send by copy; else the result, and req is freed. */
static int reply_data_splice(fuse_req_t req, struct fuse_bufvec *bufv,
			     enum fuse_buf_copy_flags flags)
{
	struct fuse_session *se = req->se;
	size_t ps = (size_t)getpagesize();
	struct fuse_out_header out;
	unsigned int sflags = 0;
	struct splice_pipe *p;
	size_t len;
	ssize_t n;
	int res = 0;

	if (flags & FUSE_BUF_NO_SPLICE)
		return 1;
	if (!(se->lconn.want & FUSE_CAP_SPLICE_WRITE) || se->proto_minor < 14 ||
	    req->is_uring || !req->ch || req->ch->tpriv ||
	    (se->io && !se->io->splice_send)) {
		splice_note(se, SPLICE_NOTE_OFF, "not_negotiated");
		return 1;
	}
	/* Below two pages copying is as cheap as the extra syscalls. */
	len = splice_data_len(se, bufv);
	if (len < 2 * ps)
		return 1;
	p = splice_pipe_get(se);
	if (!p) {
		splice_note(se, SPLICE_NOTE_NO_PIPE, "no_pipe");
		return 1;
	}
	/* a page for the header, the data, one more for an unaligned start */
	if (!splice_pipe_fit(p, (len / ps + 3) * ps)) {
		splice_note(se, SPLICE_NOTE_PIPE_SIZE, "pipe_too_small");
		return 1;
	}
	out.len = (uint32_t)(sizeof(out) + len);
	out.error = 0;
	out.unique = req->unique;
	if (!splice_fill(se, p, &out, &bufv->buf[0], len))
		return 1;
	if (se->debug)
		lf_log(FUSE_LOG_DEBUG, "   unique: %llu, success, outsize: %u (splice)\n",
		       (unsigned long long)out.unique, out.len);
	if ((flags & FUSE_BUF_SPLICE_MOVE) && (se->lconn.want & FUSE_CAP_SPLICE_MOVE))
		sflags |= SPLICE_F_MOVE;
	if (se->io)
		n = se->io->splice_send(p->fds[0], NULL, req->ch->fd, NULL,
					out.len, sflags, se->userdata);
	else
		n = splice(p->fds[0], NULL, req->ch->fd, NULL, out.len, sflags);
	if (n != (ssize_t)out.len) {
		res = n < 0 ? -errno : -EIO;
		/* ENOENT: interrupted, the kernel forgot it; ENODEV: unmounted */
		if (res != -ENOENT && res != -ENODEV && !fuse_session_exited(se))
			lf_log(FUSE_LOG_ERR, "fuse: splice to device: %s\n",
			       strerror(-res));
		splice_pipe_drop(se, p);
	}
	lf_req_free(req);
	return res;
}

/*
 * 1: not done here; else the result, and req is freed. Data that has to be
 * read anyway (an fd-backed buffer) is read straight into the memory the
 * transport sends from (io_uring's payload buffer), instead of into a
 * fresh allocation that the transport would then copy: one copy and, for
 * large reads, the page faults of a new mapping saved per reply.
 */
static int reply_data_inplace(fuse_req_t req, struct fuse_bufvec *bufv)
{
	const struct lf_transport_ops *tr = req->se->tr;
	size_t len = fuse_buf_size(bufv), cap;
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);
	struct iovec iov[2];
	unsigned int i;
	ssize_t n;
	char *mem;

	for (i = 0; i < bufv->count; i++)
		if (bufv->buf[i].flags & FUSE_BUF_IS_FD)
			break;
	if (i == bufv->count || !tr || !tr->reply_buf ||
	    tr->reply_buf(req, &mem, &cap) < 0 || len > cap)
		return 1;
	dst.buf[0].mem = mem;
	n = fuse_buf_copy(&dst, bufv, 0);
	if (n < 0)
		return fuse_reply_err(req, (int)-n);
	iov[1].iov_base = mem;
	iov[1].iov_len = (size_t)n;
	return lf_reply_iov(req, 0, iov, 2);
}

FUSE_EXPORT int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv,
				enum fuse_buf_copy_flags flags)
{
	struct iovec iov[2];
	const void *mem;
	void *to_free;
	size_t len;
	int res;

	res = reply_data_splice(req, bufv, flags);
	if (res <= 0)
		return res;
	res = reply_data_inplace(req, bufv);
	if (res <= 0)
		return res;
	res = lf_data_to_mem(bufv, &mem, &len, &to_free);
	if (res < 0)
		return fuse_reply_err(req, -res);
	iov[1].iov_base = (void *)mem;
	iov[1].iov_len = len;
	res = lf_reply_iov(req, 0, iov, 2);
	free(to_free);
	return res;
}

/* ------------------------------------------------------------------ */
/* ioctl                                                                */
/* ------------------------------------------------------------------ */

static struct fuse_ioctl_iovec *ioctl_iovecs(const struct iovec *iov,
					     size_t count)
{
	struct fuse_ioctl_iovec *fiov = malloc(count * sizeof(*fiov));
	size_t i;

	if (!fiov)
		return NULL;
	for (i = 0; i < count; i++) {
		fiov[i].base = (uintptr_t)iov[i].iov_base;
		fiov[i].len = iov[i].iov_len;
	}
	return fiov;
}

/*
 * Ask the kernel to repeat an unrestricted ioctl with these user buffers.
 * From 7.16 on they travel as fixed-width fuse_ioctl_iovec; before that as
 * the server's own struct iovec.
 */
FUSE_EXPORT int fuse_reply_ioctl_retry(fuse_req_t req,
				       const struct iovec *in_iov,
				       size_t in_count,
				       const struct iovec *out_iov,
				       size_t out_count)
{
	struct fuse_ioctl_out out = {
		.flags = FUSE_IOCTL_RETRY,
		.in_iovs = (uint32_t)in_count,
		.out_iovs = (uint32_t)out_count,
	};
	struct fuse_ioctl_iovec *fin = NULL, *fout = NULL;
	const void *ibase = in_iov, *obase = out_iov;
	size_t isize = sizeof(*in_iov), osize = sizeof(*out_iov);
	struct iovec iov[4];
	int count = 1;
	int res;

	if (req->se->proto_minor >= 16) {
		/* A 32-bit server cannot describe a 64-bit caller's buffers */
		if (sizeof(void *) == 4 && req->ioctl_64bit)
			return fuse_reply_err(req, EINVAL);
		if ((in_count && !(fin = ioctl_iovecs(in_iov, in_count))) ||
		    (out_count && !(fout = ioctl_iovecs(out_iov, out_count)))) {
			free(fin);
			return fuse_reply_err(req, ENOMEM);
		}
		ibase = fin;
		obase = fout;
		isize = osize = sizeof(struct fuse_ioctl_iovec);
	}
	iov[count].iov_base = &out;
	iov[count++].iov_len = sizeof(out);
	if (in_count) {
		iov[count].iov_base = (void *)ibase;
		iov[count++].iov_len = isize * in_count;
	}
	if (out_count) {
		iov[count].iov_base = (void *)obase;
		iov[count++].iov_len = osize * out_count;
	}
	res = lf_reply_iov(req, 0, iov, count);
	free(fin);
	free(fout);
	return res;
}

FUSE_EXPORT int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf,
				 size_t size)
{
	struct fuse_ioctl_out out = { .result = result };
	struct iovec iov[3];
	int count = 1;

	iov[count].iov_base = &out;
	iov[count++].iov_len = sizeof(out);
	if (size) {
		iov[count].iov_base = (void *)buf;
		iov[count++].iov_len = size;
	}
	return lf_reply_iov(req, 0, iov, count);
}

FUSE_EXPORT int fuse_reply_ioctl_iov(fuse_req_t req, int result,
				     const struct iovec *iov, int count)
{
	struct fuse_ioctl_out out = { .result = result };
	struct iovec *all;
	int res;

	if (count < 0)
		return fuse_reply_err(req, EINVAL);
	all = malloc(((size_t)count + 2) * sizeof(*all));
	if (!all)
		return fuse_reply_err(req, ENOMEM);
	all[1].iov_base = &out;
	all[1].iov_len = sizeof(out);
	if (count)
		memcpy(all + 2, iov, (size_t)count * sizeof(*all));
	res = lf_reply_iov(req, 0, all, count + 2);
	free(all);
	return res;
}

/* ------------------------------------------------------------------ */
/* Directory entries                                                    */
/* ------------------------------------------------------------------ */

/*
 * Both return the padded record size; when buf is NULL or too small they
 * write nothing, so callers can size their buffer first.
 */
static void fill_dirent(struct fuse_dirent *d, const char *name,
			size_t namelen, uint64_t ino, mode_t mode, off_t off,
			size_t pad)
{
	d->ino = ino;
	d->off = (uint64_t)off;
	d->namelen = (uint32_t)namelen;
	d->type = (mode & S_IFMT) >> 12;
	memcpy(d->name, name, namelen);
	memset(d->name + namelen, 0, pad);
}

FUSE_EXPORT size_t fuse_add_direntry(fuse_req_t req, char *buf,
				     size_t bufsize, const char *name,
				     const struct stat *stbuf, off_t off)
{
	size_t namelen = strlen(name);
	size_t len = FUSE_NAME_OFFSET + namelen;
	size_t padded = FUSE_DIRENT_ALIGN(len);

	(void)req;
	if (!buf || padded > bufsize)
		return padded;
	fill_dirent((struct fuse_dirent *)buf, name, namelen, stbuf->st_ino,
		    stbuf->st_mode, off, padded - len);
	return padded;
}

FUSE_EXPORT size_t fuse_add_direntry_plus(fuse_req_t req, char *buf,
					  size_t bufsize, const char *name,
					  const struct fuse_entry_param *e,
					  off_t off)
{
	size_t namelen = strlen(name);
	size_t len = FUSE_NAME_OFFSET_DIRENTPLUS + namelen;
	size_t padded = FUSE_DIRENT_ALIGN(len);
	struct fuse_direntplus *dp = (struct fuse_direntplus *)buf;

	if (!buf || padded > bufsize)
		return padded;
	lf_fill_entry(&dp->entry_out, e);
	if (req && req->se->fastpath)	/* fastpath: policy TTLs, name map */
		lf_fastpath_direntplus(req, name, &dp->entry_out);
	fill_dirent(&dp->dirent, name, namelen, e->attr.st_ino,
		    e->attr.st_mode, off, padded - len);
	return padded;
}

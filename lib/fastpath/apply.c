// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The policy compiler: turns a cache policy into what the kernel's own
 * caches obey - INIT flags, entry/attr TTLs, negative entries, open flags -
 * and answers the requests a policy makes pointless with the errors the
 * kernel remembers (ENOSYS for OPEN, FLUSH, xattrs), so they stop coming.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/bpf.h"
#include "fastpath/fastpath.h"

/* One debug line per feature the policy asked for and could not have. */
static void note(struct fuse_session *se, const char *what, const char *why)
{
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "fastpath: %s=off:%s\n", what, why);
}

/* Sets or clears an INIT flag; ON needs the kernel to have offered it. */
static void want_flag(struct fuse_session *se, uint64_t *raw, uint64_t flag,
		      int sw, const char *name)
{
	if (sw == FASTFUSE_OFF)
		*raw &= ~flag;
	else if (sw == FASTFUSE_ON && (se->lconn.kernel_flags & flag))
		*raw |= flag;
	else if (sw == FASTFUSE_ON)
		note(se, name, "not_offered");
}

/* Skipping opens needs the kernel to take ENOSYS from OPEN as "never". */
static bool can_skip(struct fuse_session *se, int sw, uint64_t support,
		     const char *name)
{
	if (sw != FASTFUSE_ON)
		return false;
	if (se->lconn.kernel_flags & support)
		return true;
	note(se, name, "not_offered");
	return false;
}

static void readdirplus_flags(struct fuse_session *se, uint64_t *raw, int sw)
{
	if (sw == FASTFUSE_OFF)
		*raw &= ~(uint64_t)(FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO);
	else if (sw == FASTFUSE_ON && !se->op.readdirplus)
		note(se, "readdirplus", "no_readdirplus_op");
	else
		want_flag(se, raw, FUSE_DO_READDIRPLUS, sw, "readdirplus");
}

/* Absent names answered in the kernel too (bpf.c); the library keeps
 * answering them whatever happens there. */
static void xattr_bpf_start(struct fuse_session *se)
{
	const struct lf_fastpath *fp = se->fastpath;
	const char *why;
	int err;

	if (!fp->nabsent || fp->xattr_bpf == FASTFUSE_OFF)
		return;
	err = lf_xbpf_start(se);
	if (!err)
		return;		/* its thread logs the outcome */
	why = err == -EOPNOTSUPP ? "not_built" :
	      err == -ENOENT ? "no_mountpoint" : "no_thread";
	if (fp->xattr_bpf == FASTFUSE_ON)
		fuse_log(FUSE_LOG_WARNING, "fastpath: xattr_bpf=off:%s\n", why);
	else
		note(se, "xattr_bpf", why);
}

/* The passthrough key: ask for FUSE_PASSTHROUGH (backing files on ordinary
 * filesystems, depth 1) and prepare the per-inode backing id table. */
static void passthrough_flags(struct fuse_session *se,
			      struct fuse_init_out *out, uint64_t *raw)
{
	struct lf_fastpath *fp = se->fastpath;
	const char *why = NULL;

	if (fp->p.passthrough != FASTFUSE_ON)
		return;
	if (!(se->lconn.kernel_flags & FUSE_PASSTHROUGH))
		why = "not_offered";
	else if (*raw & FUSE_WRITEBACK_CACHE)
		why = "writeback";
	else if (fp->no_open)
		why = "stateless_open";
	if (!why) {
		fp->pass = lf_pass_new(se);
		if (!fp->pass)
			why = "no_memory";
	}
	if (why) {
		fuse_log(FUSE_LOG_INFO, "fastpath: passthrough=off:%s\n", why);
		return;
	}
	*raw |= FUSE_PASSTHROUGH;
	if (!out->max_stack_depth)
		out->max_stack_depth = 1;
}

/*
 * reuse_open: the kernel skips OPEN/RELEASE (fp->no_open answers the first
 * OPEN with ENOSYS) and the library opens each file once itself (reuse.c).
 */
static void reuse_start(struct fuse_session *se, uint64_t raw)
{
	struct lf_fastpath *fp = se->fastpath;
	const char *why;

	if (!lf_fastpath_on(se, fp->p.reuse_open, FASTFUSE_FS_REUSABLE_OPENS)) {
		if (fp->p.reuse_open == FASTFUSE_AUTO)
			note(se, "reuse_open", "not_declared");
		return;
	}
	why = lf_reuse_refused(se);
	/*
	 * A filesystem that sets passthrough up in its own opens needs them:
	 * on this kernel, files opened without OPEN next to passthrough
	 * opens of the same inode lost their writes (a kernel build's .d
	 * files came out empty).
	 */
	if (!why && (raw & FUSE_PASSTHROUGH))
		why = "passthrough";
	if (!why) {
		fp->reuse = lf_reuse_new(se);
		if (!fp->reuse)
			why = "no_memory";
	}
	if (why) {
		note(se, "reuse_open", why);
		return;
	}
	fp->no_open = true;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "fastpath: reuse_open=on\n");
}

/* A watched source: the watcher runs from INIT to unmount. */
static void watch_start(struct fuse_session *se)
{
	struct lf_fastpath *fp = se->fastpath;

	if (!fp->p.source || fp->watch)
		return;
	/* failures are logged once with their reason by the watcher */
	lf_watch_start(se, &fp->watch);
}

void lf_fastpath_init(struct fuse_session *se, struct fuse_init_out *out)
{
	struct lf_fastpath *fp = se->fastpath;
	const struct fastfuse_cache_policy *p = &fp->p;
	uint64_t raw = out->flags | ((uint64_t)out->flags2 << 32);
	uint64_t before = raw;

	want_flag(se, &raw, FUSE_CACHE_SYMLINKS, p->cache_symlinks,
		  "cache_symlinks");
	want_flag(se, &raw, FUSE_WRITEBACK_CACHE, p->writeback, "writeback");
	want_flag(se, &raw, FUSE_PARALLEL_DIROPS, p->parallel_dirops,
		  "parallel_dirops");
	want_flag(se, &raw, FUSE_HANDLE_KILLPRIV_V2, p->killpriv_v2,
		  "killpriv_v2");
	readdirplus_flags(se, &raw, p->readdirplus);
	/* Under ttl, kept page and dir caches must die with a changed mtime. */
	if (p->invalidation == FASTFUSE_INVAL_TTL &&
	    (p->keep_cache == FASTFUSE_ON || p->cache_readdir == FASTFUSE_ON))
		want_flag(se, &raw, FUSE_AUTO_INVAL_DATA, FASTFUSE_ON,
			  "auto_inval_data");

	fp->no_open = can_skip(se, p->stateless_open, FUSE_NO_OPEN_SUPPORT,
			       "stateless_open");
	fp->no_opendir = can_skip(se, p->stateless_opendir,
				  FUSE_NO_OPENDIR_SUPPORT, "stateless_opendir");
	reuse_start(se, raw);
	/*
	 * Under the writeback cache the kernel drops its st_blocks at every
	 * close (fuse_flush) and so asks GETATTR at the next stat of the file:
	 * one round trip per open, the very thing reuse removes (a kernel
	 * build: 476,768 GETATTR with it, 27,754 without). Kept when the
	 * policy asks for writeback itself.
	 */
	if (fp->reuse && (raw & FUSE_WRITEBACK_CACHE) &&
	    p->writeback != FASTFUSE_ON) {
		raw &= ~(uint64_t)FUSE_WRITEBACK_CACHE;
		note(se, "writeback", "reuse_open");
	}
	/* O_TRUNC rides on OPEN with atomic_o_trunc; without OPEN it must
	 * come as a SETATTR. */
	if (fp->no_open)
		raw &= ~(uint64_t)FUSE_ATOMIC_O_TRUNC;
	/* FLUSH carries the release of server-side POSIX locks. */
	fp->noflush = p->noflush == FASTFUSE_ON && !(raw & FUSE_POSIX_LOCKS);
	if (p->noflush == FASTFUSE_ON && !fp->noflush)
		note(se, "noflush", "posix_locks");
	/* The filesystem did not ask for writeback and may open write-only
	 * files the kernel now also reads through. */
	fp->open_rdwr = (raw & FUSE_WRITEBACK_CACHE) &&
			!(before & FUSE_WRITEBACK_CACHE);

	passthrough_flags(se, out, &raw);

	se->lconn.want |= lf_caps_from_kernel(raw & ~before);
	se->lconn.want &= ~lf_caps_from_kernel(before & ~raw);
	se->lconn.out_flags = raw;
	out->flags = (uint32_t)raw;
	out->flags2 = (uint32_t)(raw >> 32);
	xattr_bpf_start(se);
	watch_start(se);
}

static void set_ttl(double ttl, uint64_t *ret_sec, uint32_t *ret_nsec)
{
	uint64_t sec;
	double frac;

	if (ttl < 0.0)		/* FASTFUSE_TTL_KEEP */
		return;
	sec = (uint64_t)ttl;
	frac = (ttl - (double)sec) * 1.0e9;
	*ret_sec = sec;
	*ret_nsec = frac >= 999999999.0 ? 999999999u : (uint32_t)frac;
}

void lf_fastpath_entry(fuse_req_t req, struct fuse_entry_out *out)
{
	const struct lf_fastpath *fp = req->se->fastpath;
	const struct fastfuse_cache_policy *p = &fp->p;

	if (!out->nodeid) {
		/* in READDIRPLUS nodeid 0 means "no entry given", not absent */
		if (req->opcode == FUSE_LOOKUP)
			set_ttl(p->negative_ttl, &out->entry_valid,
				&out->entry_valid_nsec);
		return;
	}
	set_ttl(p->entry_ttl, &out->entry_valid, &out->entry_valid_nsec);
	set_ttl(p->attr_ttl, &out->attr_valid, &out->attr_valid_nsec);
	if (fp->watch)
		lf_watch_entry(fp->watch, req, NULL, out);
	if (fp->reuse)
		lf_reuse_entry(fp->reuse, out);
	/* the open half of a CREATE reply concerns the new inode */
	if (req->opcode == FUSE_CREATE && req->fp)
		req->fp->nodeid = out->nodeid;
}

void lf_fastpath_direntplus(fuse_req_t req, const char *name,
			    struct fuse_entry_out *out)
{
	const struct lf_fastpath *fp = req->se->fastpath;

	set_ttl(fp->p.entry_ttl, &out->entry_valid, &out->entry_valid_nsec);
	set_ttl(fp->p.attr_ttl, &out->attr_valid, &out->attr_valid_nsec);
	if (fp->watch && out->nodeid)
		lf_watch_entry(fp->watch, req, name, out);
	/* the kernel takes no reference for "." and ".." here */
	if (fp->reuse && strcmp(name, ".") && strcmp(name, ".."))
		lf_reuse_entry(fp->reuse, out);
}

void lf_fastpath_attr(struct fuse_session *se, uint64_t *valid,
		      uint32_t *valid_nsec)
{
	const struct lf_fastpath *fp = se->fastpath;

	set_ttl(fp->p.attr_ttl, valid, valid_nsec);
}

void lf_fastpath_open_out(fuse_req_t req, struct fuse_open_out *out)
{
	const struct lf_fastpath *fp = req->se->fastpath;

	if (req->opcode == FUSE_OPENDIR) {
		/* without KEEP_CACHE the kernel drops the dir cache at open */
		if (fp->p.cache_readdir == FASTFUSE_ON)
			out->open_flags |= FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE;
		else if (fp->p.cache_readdir == FASTFUSE_OFF)
			out->open_flags &= ~(uint32_t)FOPEN_CACHE_DIR;
		return;
	}
	/* the kernel fails an open that asks for both passthrough and
	 * keep_cache (EIO): a passthrough file has no page cache to keep */
	if (fp->p.keep_cache == FASTFUSE_ON &&
	    !(out->open_flags & FOPEN_PASSTHROUGH))
		out->open_flags |= FOPEN_KEEP_CACHE;
	else if (fp->p.keep_cache == FASTFUSE_OFF)
		out->open_flags &= ~(uint32_t)FOPEN_KEEP_CACHE;
	if (fp->noflush)
		out->open_flags |= FOPEN_NOFLUSH;
	if (fp->pass)
		lf_pass_open_out(fp->pass, req, out);
}

bool lf_fastpath_reply_err(fuse_req_t req, int err, int *ret_res)
{
	const struct lf_fastpath *fp = req->se->fastpath;
	struct fuse_entry_param e;

	if (fp->watch && req->fp)
		lf_watch_done(fp->watch, req, err);

	/* before 7.4 the kernel knows no negative entries (and
	 * fuse_reply_entry would come back here) */
	if (req->opcode != FUSE_LOOKUP || err != ENOENT ||
	    !(fp->p.negative_ttl > 0.0) || req->se->proto_minor < 4)
		return false;
	memset(&e, 0, sizeof(e));
	e.entry_timeout = fp->p.negative_ttl;
	*ret_res = fuse_reply_entry(req, &e);
	return true;
}

bool lf_fastpath_open(fuse_req_t req, struct fuse_file_info *fi)
{
	const struct lf_fastpath *fp = req->se->fastpath;

	/* The kernel remembers ENOSYS: no OPEN and RELEASE (OPENDIR and
	 * RELEASEDIR) on this mount any more, reads come with fh 0. */
	if ((req->opcode == FUSE_OPEN && fp->no_open) ||
	    (req->opcode == FUSE_OPENDIR && fp->no_opendir)) {
		fuse_reply_err(req, ENOSYS);
		return true;
	}
	if (req->opcode != FUSE_OPENDIR && fp->open_rdwr) {
		if ((fi->flags & O_ACCMODE) == O_WRONLY)
			fi->flags = (fi->flags & ~O_ACCMODE) | O_RDWR;
		/* the kernel places appends itself under writeback */
		fi->flags &= ~O_APPEND;
	}
	return false;
}

bool lf_fastpath_flush(fuse_req_t req)
{
	const struct lf_fastpath *fp = req->se->fastpath;

	if (!fp->noflush)
		return false;
	/* ENOSYS: the kernel stops sending FLUSH on this mount */
	fuse_reply_err(req, ENOSYS);
	return true;
}

bool lf_fastpath_xattr(fuse_req_t req, const char *name)
{
	const struct lf_fastpath *fp = req->se->fastpath;
	size_t i;

	if (fp->p.xattr_none == FASTFUSE_ON) {
		/* per opcode, the kernel never asks again after ENOSYS and
		 * tells callers EOPNOTSUPP itself */
		fuse_reply_err(req, ENOSYS);
		return true;
	}
	if (req->opcode != FUSE_GETXATTR || !name)
		return false;
	for (i = 0; i < fp->nabsent; i++) {
		if (!strcmp(fp->absent[i], name)) {
			lf_xbpf_saw(fp, req);
			fuse_reply_err(req, ENODATA);
			return true;
		}
	}
	return false;
}

/* Copies one NUL-terminated name of the request, or NULL. */
static char *req_name(const struct lf_in *in, size_t off, size_t *ret_end)
{
	const char *base = in->arg;
	const char *nul;
	char *copy;

	if (off >= in->len)
		return NULL;
	nul = memchr(base + off, '\0', in->len - off);
	if (!nul)
		return NULL;
	copy = strdup(base + off);
	if (copy && ret_end)
		*ret_end = (size_t)(nul - base) + 1;
	return copy;
}

static struct lf_fpreq *fpreq(fuse_req_t req, const struct lf_in *in)
{
	if (!req->fp) {
		req->fp = calloc(1, sizeof(*req->fp));
		if (req->fp)
			req->fp->nodeid = in->nodeid;
	}
	return req->fp;
}

/* OPEN and CREATE: the access mode the backing fd must allow. */
static void pass_request(fuse_req_t req, const struct lf_in *in)
{
	struct lf_fastpath *fp = req->se->fastpath;
	const struct fuse_open_in *arg = in->arg;
	struct lf_fpreq *r;

	if (req->opcode == FUSE_RELEASE) {
		const struct fuse_release_in *rel = in->arg;

		lf_pass_release(fp->pass, req, in->nodeid, rel->fh);
		return;
	}
	if (req->opcode != FUSE_OPEN && req->opcode != FUSE_CREATE)
		return;
	r = fpreq(req, in);
	if (r)
		r->flags = arg->flags;
}

bool lf_fastpath_request(fuse_req_t req, const struct lf_in *in)
{
	struct lf_fastpath *fp = req->se->fastpath;

	if (fp->pass)
		pass_request(req, in);
	if (fp->watch)
		lf_watch_request(fp->watch, req, in);
	return fp->reuse && lf_reuse_request(fp->reuse, req, in);
}

void lf_fastpath_req_free(fuse_req_t req)
{
	free(req->fp->name);
	free(req->fp->newname);
	free(req->fp);
	req->fp = NULL;
}

void lf_fastpath_stop(struct fuse_session *se)
{
	struct lf_fastpath *fp = se->fastpath;

	if (!fp)
		return;
	lf_watch_stop(fp->watch);
	fp->watch = NULL;
	lf_pass_free(se, fp->pass);
	fp->pass = NULL;
	/* the filesystem's releases, before its destroy */
	lf_reuse_free(fp->reuse);
	fp->reuse = NULL;
}

/* Used by watch.c to record names; exported here to keep one parser. */
char *lf_fastpath_req_name(const struct lf_in *in, size_t off,
			   size_t *ret_end)
{
	return req_name(in, off, ret_end);
}

struct lf_fpreq *lf_fastpath_fpreq(fuse_req_t req, const struct lf_in *in)
{
	return fpreq(req, in);
}

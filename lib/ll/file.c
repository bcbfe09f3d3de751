// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoders for open files: open, create, tmpfile, read, write (including
 * the write_buf path over memory or a splice pipe), flush, release, fsync.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/fastpath.h"
#include "ll/ll.h"

void ll_open(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_open_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	lf_fi_from_open_in(&fi, arg->flags);
	/* fastpath: stateless opens answered ENOSYS (no_open), open flags */
	if (se->fastpath && lf_fastpath_open(req, &fi))
		return;
	if (se->op.open)
		se->op.open(req, in->nodeid, &fi);
	else if (se->lconn.want & FUSE_CAP_NO_OPEN_SUPPORT)
		fuse_reply_err(req, ENOSYS);
	else
		fuse_reply_open(req, &fi);
}

void ll_create(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_create_in *arg = in->arg;
	struct fuse_session *se = req->se;
	/* Before 7.12 the argument was {flags, mode}, no umask. */
	bool has_umask = se->proto_minor >= 12;
	size_t hdr = has_umask ? sizeof(*arg) : sizeof(struct fuse_open_in);
	struct fuse_file_info fi;
	const char *name;

	if (!lf_ll_has(req, in, hdr))
		return;
	if (lf_ll_strings(in, hdr, 1, &name, NULL) < 0) {
		lf_ll_bad(req, "name not NUL-terminated");
		return;
	}
	if (!se->op.create) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	lf_fi_from_open_in(&fi, arg->flags);
	if (se->fastpath)	/* fastpath: open flags under forced writeback */
		lf_fastpath_open(req, &fi);
	if (has_umask)
		req->ctx.umask = arg->umask;
	se->op.create(req, in->nodeid, name, arg->mode, &fi);
}

void ll_tmpfile(fuse_req_t req, const struct lf_in *in)
{
#if LF_ABI_314
	(void)in;
	/* The 3.14 API has no ->tmpfile. */
	fuse_reply_err(req, ENOSYS);
#else
	const struct fuse_create_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (!se->op.tmpfile) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	lf_fi_from_open_in(&fi, arg->flags);
	if (se->proto_minor >= 12)
		req->ctx.umask = arg->umask;
	se->op.tmpfile(req, in->nodeid, arg->mode, &fi);
#endif
}

void ll_read(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_read_in *arg = in->arg;
	struct fuse_session *se = req->se;
	/* lock_owner and flags were added in 7.9 */
	bool v9 = se->proto_minor >= 9;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, v9 ? sizeof(*arg) :
			offsetof(struct fuse_read_in, lock_owner)))
		return;
	if (!se->op.read) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	memset(&fi, 0, sizeof(fi));
	fi.fh = arg->fh;
	if (v9) {
		fi.lock_owner = arg->lock_owner;
		fi.flags = (int)arg->flags;
	}
	se->op.read(req, in->nodeid, arg->size, (off_t)arg->offset, &fi);
}

static void write_fi(struct fuse_session *se, struct fuse_file_info *fi,
		     const struct fuse_write_in *arg)
{
	memset(fi, 0, sizeof(*fi));
	fi->fh = arg->fh;
	fi->writepage = (arg->write_flags & FUSE_WRITE_CACHE) != 0;
	if (se->proto_minor >= 9) {
		fi->lock_owner = arg->lock_owner;
		fi->flags = (int)arg->flags;
	}
}

/* The request buffer still holds the data in a pipe (spliced receive). */
static bool data_in_pipe(const struct lf_in *in)
{
	return in->buf && (in->buf->flags & FUSE_BUF_IS_FD);
}

/*
 * ->write wants the data in memory; when the transport left it in the
 * splice pipe, pull it out first.
 */
static void write_from_pipe(fuse_req_t req, const struct lf_in *in,
			    const struct fuse_write_in *arg,
			    struct fuse_file_info *fi)
{
	struct fuse_bufvec src = FUSE_BUFVEC_INIT(arg->size);
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(arg->size);
	ssize_t got;
	void *mem;

	mem = malloc(arg->size ? arg->size : 1);
	if (!mem) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	src.buf[0] = *in->buf;
	src.buf[0].size = arg->size;
	dst.buf[0].mem = mem;
	got = fuse_buf_copy(&dst, &src, 0);
	if (got < 0 || (size_t)got != arg->size) {
		free(mem);
		fuse_reply_err(req, got < 0 ? (int)-got : EIO);
		return;
	}
	req->se->op.write(req, in->nodeid, mem, arg->size, (off_t)arg->offset,
			  fi);
	free(mem);
}

void ll_write(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_write_in *arg = in->arg;
	struct fuse_session *se = req->se;
	/* Before 7.9 the data followed a 24-byte header. */
	size_t hdr = se->proto_minor < 9 ? FUSE_COMPAT_WRITE_IN_SIZE :
					   sizeof(*arg);
	const char *data = (const char *)in->arg + hdr;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, hdr))
		return;
	if (arg->size > in->len - hdr) {
		lf_ll_bad(req, "write size larger than the payload");
		return;
	}
	write_fi(se, &fi, arg);

	if (se->op.write_buf) {
		struct fuse_bufvec bufv = FUSE_BUFVEC_INIT(arg->size);

		if (data_in_pipe(in)) {
			bufv.buf[0] = *in->buf;
			bufv.buf[0].size = arg->size;
		} else {
			bufv.buf[0].mem = (void *)data;
		}
		se->op.write_buf(req, in->nodeid, &bufv, (off_t)arg->offset,
				 &fi);
	} else if (!se->op.write) {
		fuse_reply_err(req, ENOSYS);
	} else if (data_in_pipe(in)) {
		write_from_pipe(req, in, arg, &fi);
	} else {
		se->op.write(req, in->nodeid, data, arg->size,
			     (off_t)arg->offset, &fi);
	}
}

void ll_flush(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_flush_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	memset(&fi, 0, sizeof(fi));
	fi.fh = arg->fh;
	fi.flush = 1;
	if (se->proto_minor >= 7)
		fi.lock_owner = arg->lock_owner;
	/* ENOSYS also makes the kernel stop sending FLUSH. */
	if (se->fastpath && lf_fastpath_flush(req))	/* fastpath: noflush */
		return;
	if (se->op.flush)
		se->op.flush(req, in->nodeid, &fi);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_release(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_release_in *arg = in->arg;
	struct fuse_session *se = req->se;
	/* release_flags and lock_owner were added in 7.8 */
	bool v8 = se->proto_minor >= 8;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, v8 ? sizeof(*arg) :
			offsetof(struct fuse_release_in, release_flags)))
		return;
	memset(&fi, 0, sizeof(fi));
	fi.flags = (int)arg->flags;
	fi.fh = arg->fh;
	if (v8) {
		fi.flush = (arg->release_flags & FUSE_RELEASE_FLUSH) != 0;
		fi.flock_release =
			(arg->release_flags & FUSE_RELEASE_FLOCK_UNLOCK) != 0;
		fi.lock_owner = arg->lock_owner;
	}
	/* Nothing to release: success, so close(2) does not fail. */
	if (se->op.release)
		se->op.release(req, in->nodeid, &fi);
	else
		fuse_reply_err(req, 0);
}

void ll_fsync(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_fsync_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	memset(&fi, 0, sizeof(fi));
	fi.fh = arg->fh;
	if (se->op.fsync)
		se->op.fsync(req, in->nodeid,
			     (arg->fsync_flags & FUSE_FSYNC_FDATASYNC) != 0,
			     &fi);
	else
		fuse_reply_err(req, ENOSYS);
}

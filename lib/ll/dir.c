// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoders for open directories: opendir, readdir, readdirplus,
 * releasedir and fsyncdir.
 */
#include <errno.h>
#include <string.h>

#include "fastpath/fastpath.h"
#include "ll/ll.h"

void ll_opendir(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_open_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	lf_fi_from_open_in(&fi, arg->flags);
	/* fastpath: stateless opendir answered ENOSYS (no_opendir) */
	if (se->fastpath && lf_fastpath_open(req, &fi))
		return;
	if (se->op.opendir)
		se->op.opendir(req, in->nodeid, &fi);
	else if (se->lconn.want & FUSE_CAP_NO_OPENDIR_SUPPORT)
		fuse_reply_err(req, ENOSYS);
	else
		fuse_reply_open(req, &fi);
}

/* READDIR and READDIRPLUS share fuse_read_in; only fh, size, offset count. */
static void do_readdir(fuse_req_t req, const struct lf_in *in, bool plus)
{
	const struct fuse_read_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, offsetof(struct fuse_read_in, lock_owner)))
		return;
	memset(&fi, 0, sizeof(fi));
	fi.fh = arg->fh;
	if (plus && se->op.readdirplus)
		se->op.readdirplus(req, in->nodeid, arg->size,
				   (off_t)arg->offset, &fi);
	else if (!plus && se->op.readdir)
		se->op.readdir(req, in->nodeid, arg->size, (off_t)arg->offset,
			       &fi);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_readdir(fuse_req_t req, const struct lf_in *in)
{
	do_readdir(req, in, false);
}

void ll_readdirplus(fuse_req_t req, const struct lf_in *in)
{
	do_readdir(req, in, true);
}

void ll_releasedir(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_release_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, offsetof(struct fuse_release_in,
					 release_flags)))
		return;
	memset(&fi, 0, sizeof(fi));
	fi.flags = (int)arg->flags;
	fi.fh = arg->fh;
	if (se->op.releasedir)
		se->op.releasedir(req, in->nodeid, &fi);
	else
		fuse_reply_err(req, 0);
}

void ll_fsyncdir(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_fsync_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	memset(&fi, 0, sizeof(fi));
	fi.fh = arg->fh;
	if (se->op.fsyncdir)
		se->op.fsyncdir(req, in->nodeid,
				(arg->fsync_flags & FUSE_FSYNC_FDATASYNC) != 0,
				&fi);
	else
		fuse_reply_err(req, ENOSYS);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoders for attribute and filesystem-wide queries: getattr, setattr,
 * statx, access, statfs and syncfs.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "ll/ll.h"

/*
 * The public FUSE_SET_ATTR_* bits were defined to equal the kernel's
 * FATTR_* bits, so setattr passes the mask through after dropping the
 * bits that are not attributes (FH, LOCKOWNER). KILL_SUIDGID arrives as
 * FUSE_SET_ATTR_KILL_SUID, as in libfuse.
 */
_Static_assert(FUSE_SET_ATTR_MODE == FATTR_MODE, "MODE");
_Static_assert(FUSE_SET_ATTR_UID == FATTR_UID, "UID");
_Static_assert(FUSE_SET_ATTR_GID == FATTR_GID, "GID");
_Static_assert(FUSE_SET_ATTR_SIZE == FATTR_SIZE, "SIZE");
_Static_assert(FUSE_SET_ATTR_ATIME == FATTR_ATIME, "ATIME");
_Static_assert(FUSE_SET_ATTR_MTIME == FATTR_MTIME, "MTIME");
_Static_assert(FUSE_SET_ATTR_ATIME_NOW == FATTR_ATIME_NOW, "ATIME_NOW");
_Static_assert(FUSE_SET_ATTR_MTIME_NOW == FATTR_MTIME_NOW, "MTIME_NOW");
_Static_assert(FUSE_SET_ATTR_CTIME == FATTR_CTIME, "CTIME");
_Static_assert(FUSE_SET_ATTR_KILL_SUID == FATTR_KILL_SUIDGID, "KILL_SUID");

#define SETATTR_PASSED \
	(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | \
	 FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | \
	 FUSE_SET_ATTR_KILL_SUID | FUSE_SET_ATTR_KILL_SGID | \
	 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | \
	 FUSE_SET_ATTR_CTIME)

void ll_getattr(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_getattr_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi, *fip = NULL;

	/* Before 7.9 GETATTR had no argument at all. */
	if (se->proto_minor >= 9 && in->len >= sizeof(*arg) &&
	    (arg->getattr_flags & FUSE_GETATTR_FH)) {
		memset(&fi, 0, sizeof(fi));
		fi.fh = arg->fh;
		fip = &fi;
	}
	if (se->op.getattr)
		se->op.getattr(req, in->nodeid, fip);
	else
		fuse_reply_err(req, ENOSYS);
}

static void stat_from_setattr(struct stat *st, const struct fuse_setattr_in *a)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_size = (off_t)a->size;
	st->st_atim.tv_sec = (time_t)a->atime;
	st->st_atim.tv_nsec = a->atimensec;
	st->st_mtim.tv_sec = (time_t)a->mtime;
	st->st_mtim.tv_nsec = a->mtimensec;
	st->st_ctim.tv_sec = (time_t)a->ctime;
	st->st_ctim.tv_nsec = a->ctimensec;
}

void ll_setattr(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_setattr_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi, *fip = NULL;
	struct stat st;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (!se->op.setattr) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	stat_from_setattr(&st, arg);
	if (arg->valid & FATTR_FH) {
		memset(&fi, 0, sizeof(fi));
		fi.fh = arg->fh;
		fip = &fi;
	}
	se->op.setattr(req, in->nodeid, &st, (int)(arg->valid & SETATTR_PASSED),
		       fip);
}

void ll_access(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_access_in *arg = in->arg;
	struct fuse_session *se = req->se;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (se->op.access)
		se->op.access(req, in->nodeid, (int)arg->mask);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_statfs(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;

	if (se->op.statfs) {
		se->op.statfs(req, in->nodeid);
	} else {
		/* libfuse answers for filesystems without ->statfs */
		struct statvfs sv = { .f_namemax = 255, .f_bsize = 512 };

		fuse_reply_statfs(req, &sv);
	}
}

void ll_statx(fuse_req_t req, const struct lf_in *in)
{
#if LF_ABI_314
	(void)in;
	/* The 3.14 API has no ->statx. */
	fuse_reply_err(req, ENOSYS);
#else
	const struct fuse_statx_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi, *fip = NULL;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (arg->getattr_flags & FUSE_GETATTR_FH) {
		memset(&fi, 0, sizeof(fi));
		fi.fh = arg->fh;
		fip = &fi;
	}
	if (se->op.statx)
		se->op.statx(req, in->nodeid, (int)arg->sx_flags,
			     (int)arg->sx_mask, fip);
	else
		fuse_reply_err(req, ENOSYS);
#endif
}

/*
 * libfuse 3.18 has no ->syncfs: the opcode is answered ENOSYS, which also
 * tells the kernel not to send it again.
 */
void ll_syncfs(fuse_req_t req, const struct lf_in *in)
{
	(void)in;
	fuse_reply_err(req, ENOSYS);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoders for file locks: getlk, setlk and setlkw, both POSIX (fcntl)
 * locks through ->getlk/->setlk and BSD (flock) locks through ->flock.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

#include "ll/ll.h"

/* The kernel's "to end of file" lock end (OFFSET_MAX). */
#define LK_OFFSET_MAX 0x7fffffffffffffffULL

static void flock_from_kernel(struct flock *fl, const struct fuse_file_lock *k)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = (short)k->type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)k->start;
	if (k->end == LK_OFFSET_MAX)
		fl->l_len = 0;
	else
		fl->l_len = (off_t)(k->end - k->start + 1);
	fl->l_pid = (pid_t)k->pid;
}

static void lk_fi(struct fuse_file_info *fi, const struct fuse_lk_in *arg)
{
	memset(fi, 0, sizeof(*fi));
	fi->fh = arg->fh;
	fi->lock_owner = arg->owner;
}

void ll_getlk(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_lk_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;
	struct flock fl;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	lk_fi(&fi, arg);
	flock_from_kernel(&fl, &arg->lk);
	if (se->op.getlk)
		se->op.getlk(req, in->nodeid, &fi, &fl);
	else
		fuse_reply_err(req, ENOSYS);
}

static int flock_op(uint32_t type, bool sleep)
{
	int op = 0;

	switch (type) {
	case F_RDLCK:
		op = LOCK_SH;
		break;
	case F_WRLCK:
		op = LOCK_EX;
		break;
	case F_UNLCK:
		op = LOCK_UN;
		break;
	}
	return sleep ? op : op | LOCK_NB;
}

/*
 * SETLKW may block for a long time; it is interruptible like any request
 * (dispatch keeps it on the in-flight list), the filesystem learns about
 * an INTERRUPT through fuse_req_interrupt_func().
 */
static void do_setlk(fuse_req_t req, const struct lf_in *in, bool sleep)
{
	const struct fuse_lk_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;
	struct flock fl;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	lk_fi(&fi, arg);
	if (arg->lk_flags & FUSE_LK_FLOCK) {
		if (se->op.flock)
			se->op.flock(req, in->nodeid, &fi,
				     flock_op(arg->lk.type, sleep));
		else
			fuse_reply_err(req, ENOSYS);
		return;
	}
	flock_from_kernel(&fl, &arg->lk);
	if (se->op.setlk)
		se->op.setlk(req, in->nodeid, &fi, &fl, sleep);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_setlk(fuse_req_t req, const struct lf_in *in)
{
	do_setlk(req, in, false);
}

void ll_setlkw(fuse_req_t req, const struct lf_in *in)
{
	do_setlk(req, in, true);
}

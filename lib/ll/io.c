// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoders for the less common file operations: ioctl, poll, bmap,
 * fallocate, lseek, copy_file_range (32- and 64-bit reply variants) and
 * the DAX mapping opcodes libfuse does not implement.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ll/ll.h"

static void fi_fh(struct fuse_file_info *fi, uint64_t fh)
{
	memset(fi, 0, sizeof(*fi));
	fi->fh = fh;
}

void ll_bmap(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_bmap_in *arg = in->arg;
	struct fuse_session *se = req->se;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (se->op.bmap)
		se->op.bmap(req, in->nodeid, arg->blocksize, arg->block);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_ioctl(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_ioctl_in *arg = in->arg;
	struct fuse_session *se = req->se;
	const void *in_buf = NULL;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (arg->in_size > in->len - sizeof(*arg)) {
		lf_ll_bad(req, "in_size larger than the payload");
		return;
	}
	/* Directory ioctls only reach filesystems that asked for them. */
	if ((arg->flags & FUSE_IOCTL_DIR) &&
	    !(se->lconn.want & FUSE_CAP_IOCTL_DIR)) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	/*
	 * A 32-bit server cannot describe 64-bit iovecs in a RETRY reply;
	 * remember it so fuse_reply_ioctl_retry() can refuse.
	 */
	if (sizeof(void *) == 4 && se->proto_minor >= 16 &&
	    !(arg->flags & FUSE_IOCTL_32BIT))
		req->ioctl_64bit = true;
	if (arg->in_size)
		in_buf = (const char *)in->arg + sizeof(*arg);

	fi_fh(&fi, arg->fh);
	if (se->op.ioctl)
		se->op.ioctl(req, in->nodeid, arg->cmd,
			     (void *)(uintptr_t)arg->arg, &fi, arg->flags,
			     in_buf, arg->in_size, arg->out_size);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_poll(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_poll_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_pollhandle *ph = NULL;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, offsetof(struct fuse_poll_in, events)))
		return;
	if (!se->op.poll) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi_fh(&fi, arg->fh);
	/* events exists from 7.21 on */
	if (in->len >= sizeof(*arg))
		fi.poll_events = arg->events;
	if (arg->flags & FUSE_POLL_SCHEDULE_NOTIFY) {
		ph = malloc(sizeof(*ph));
		if (!ph) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		ph->kh = arg->kh;
		ph->se = se;
	}
	se->op.poll(req, in->nodeid, &fi, ph);
}

void ll_fallocate(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_fallocate_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	fi_fh(&fi, arg->fh);
	if (se->op.fallocate)
		se->op.fallocate(req, in->nodeid, (int)arg->mode,
				 (off_t)arg->offset, (off_t)arg->length, &fi);
	else
		fuse_reply_err(req, ENOSYS);
}

/* lseek_in.offset is the kernel's signed loff_t carried as u64 */
void ll_lseek(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_lseek_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	fi_fh(&fi, arg->fh);
	if (se->op.lseek)
		se->op.lseek(req, in->nodeid, (off_t)arg->offset,
			     (int)arg->whence, &fi);
	else
		fuse_reply_err(req, ENOSYS);
}

/*
 * fuse_write_out carries a 32-bit count: the old opcode's length is capped
 * so the filesystem never copies more than the reply can report.
 */
#define COPY_32BIT_MAX 0xfffff000ULL

static void do_copy_file_range(fuse_req_t req, const struct lf_in *in,
			       bool cap32)
{
	const struct fuse_copy_file_range_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_file_info fi_in, fi_out;
	uint64_t len;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	len = arg->len;
	if (cap32 && len > COPY_32BIT_MAX)
		len = COPY_32BIT_MAX;
	fi_fh(&fi_in, arg->fh_in);
	fi_fh(&fi_out, arg->fh_out);
	if (se->op.copy_file_range)
		se->op.copy_file_range(req, in->nodeid, (off_t)arg->off_in,
				       &fi_in, arg->nodeid_out,
				       (off_t)arg->off_out, &fi_out,
				       (size_t)len, (int)arg->flags);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_copy_file_range(fuse_req_t req, const struct lf_in *in)
{
	do_copy_file_range(req, in, true);
}

/*
 * The reply is a 64-bit fuse_copy_file_range_out; fuse_reply_write()
 * picks it from req->opcode. A 32-bit size_t still needs the cap.
 */
void ll_copy_file_range_64(fuse_req_t req, const struct lf_in *in)
{
	do_copy_file_range(req, in, sizeof(size_t) < sizeof(uint64_t));
}

/* DAX window (virtiofs) requests: libfuse has no operation for them. */
void ll_setupmapping(fuse_req_t req, const struct lf_in *in)
{
	(void)in;
	fuse_reply_err(req, ENOSYS);
}

void ll_removemapping(fuse_req_t req, const struct lf_in *in)
{
	(void)in;
	fuse_reply_err(req, ENOSYS);
}

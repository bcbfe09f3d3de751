// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one opcode table and the dispatcher: validates the in-header and the
 * fixed argument size, builds the request, enforces the INIT ordering and
 * allow_root, and calls the ll_* handler. Nothing here parses an opcode's
 * arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse_i.h"
#include "cuse.h"
#include "fastpath/fastpath.h"
#include "ll/ll.h"

#define OP(code, fn, nm, min) [code] = { fn, nm, min }

/* Minimum argument sizes use the oldest layout the protocol allows; the
 * handlers check the longer forms against the negotiated minor version. */
static const struct lf_op_desc ops[] = {
	OP(FUSE_LOOKUP, ll_lookup, "LOOKUP", 1),
	OP(FUSE_FORGET, ll_forget, "FORGET", sizeof(struct fuse_forget_in)),
	OP(FUSE_GETATTR, ll_getattr, "GETATTR", 0),
	OP(FUSE_SETATTR, ll_setattr, "SETATTR", sizeof(struct fuse_setattr_in)),
	OP(FUSE_READLINK, ll_readlink, "READLINK", 0),
	OP(FUSE_SYMLINK, ll_symlink, "SYMLINK", 2),
	OP(FUSE_MKNOD, ll_mknod, "MKNOD", FUSE_COMPAT_MKNOD_IN_SIZE + 1),
	OP(FUSE_MKDIR, ll_mkdir, "MKDIR", sizeof(struct fuse_mkdir_in) + 1),
	OP(FUSE_UNLINK, ll_unlink, "UNLINK", 1),
	OP(FUSE_RMDIR, ll_rmdir, "RMDIR", 1),
	OP(FUSE_RENAME, ll_rename, "RENAME", sizeof(struct fuse_rename_in) + 2),
	OP(FUSE_LINK, ll_link, "LINK", sizeof(struct fuse_link_in) + 1),
	OP(FUSE_OPEN, ll_open, "OPEN", sizeof(struct fuse_open_in)),
	OP(FUSE_READ, ll_read, "READ", sizeof(struct fuse_read_in)),
	OP(FUSE_WRITE, ll_write, "WRITE", FUSE_COMPAT_WRITE_IN_SIZE),
	OP(FUSE_STATFS, ll_statfs, "STATFS", 0),
	OP(FUSE_RELEASE, ll_release, "RELEASE", sizeof(struct fuse_release_in)),
	OP(FUSE_FSYNC, ll_fsync, "FSYNC", sizeof(struct fuse_fsync_in)),
	OP(FUSE_SETXATTR, ll_setxattr, "SETXATTR", FUSE_COMPAT_SETXATTR_IN_SIZE + 1),
	OP(FUSE_GETXATTR, ll_getxattr, "GETXATTR", sizeof(struct fuse_getxattr_in) + 1),
	OP(FUSE_LISTXATTR, ll_listxattr, "LISTXATTR", sizeof(struct fuse_getxattr_in)),
	OP(FUSE_REMOVEXATTR, ll_removexattr, "REMOVEXATTR", 1),
	OP(FUSE_FLUSH, ll_flush, "FLUSH", sizeof(struct fuse_flush_in)),
	OP(FUSE_INIT, ll_init, "INIT", 8),
	OP(FUSE_OPENDIR, ll_opendir, "OPENDIR", sizeof(struct fuse_open_in)),
	OP(FUSE_READDIR, ll_readdir, "READDIR", sizeof(struct fuse_read_in)),
	OP(FUSE_RELEASEDIR, ll_releasedir, "RELEASEDIR", sizeof(struct fuse_release_in)),
	OP(FUSE_FSYNCDIR, ll_fsyncdir, "FSYNCDIR", sizeof(struct fuse_fsync_in)),
	OP(FUSE_GETLK, ll_getlk, "GETLK", sizeof(struct fuse_lk_in)),
	OP(FUSE_SETLK, ll_setlk, "SETLK", sizeof(struct fuse_lk_in)),
	OP(FUSE_SETLKW, ll_setlkw, "SETLKW", sizeof(struct fuse_lk_in)),
	OP(FUSE_ACCESS, ll_access, "ACCESS", sizeof(struct fuse_access_in)),
	OP(FUSE_CREATE, ll_create, "CREATE", sizeof(struct fuse_open_in) + 1),
	OP(FUSE_INTERRUPT, ll_interrupt, "INTERRUPT", sizeof(struct fuse_interrupt_in)),
	OP(FUSE_BMAP, ll_bmap, "BMAP", sizeof(struct fuse_bmap_in)),
	OP(FUSE_DESTROY, ll_destroy, "DESTROY", 0),
	OP(FUSE_IOCTL, ll_ioctl, "IOCTL", sizeof(struct fuse_ioctl_in)),
	OP(FUSE_POLL, ll_poll, "POLL", sizeof(struct fuse_poll_in)),
	OP(FUSE_NOTIFY_REPLY, ll_notify_reply, "NOTIFY_REPLY", sizeof(struct fuse_notify_retrieve_in)),
	OP(FUSE_BATCH_FORGET, ll_batch_forget, "BATCH_FORGET", sizeof(struct fuse_batch_forget_in)),
	OP(FUSE_FALLOCATE, ll_fallocate, "FALLOCATE", sizeof(struct fuse_fallocate_in)),
	OP(FUSE_READDIRPLUS, ll_readdirplus, "READDIRPLUS", sizeof(struct fuse_read_in)),
	OP(FUSE_RENAME2, ll_rename2, "RENAME2", sizeof(struct fuse_rename2_in) + 2),
	OP(FUSE_LSEEK, ll_lseek, "LSEEK", sizeof(struct fuse_lseek_in)),
	OP(FUSE_COPY_FILE_RANGE, ll_copy_file_range, "COPY_FILE_RANGE", sizeof(struct fuse_copy_file_range_in)),
	OP(FUSE_SETUPMAPPING, ll_setupmapping, "SETUPMAPPING", sizeof(struct fuse_setupmapping_in)),
	OP(FUSE_REMOVEMAPPING, ll_removemapping, "REMOVEMAPPING", sizeof(struct fuse_removemapping_in)),
	OP(FUSE_SYNCFS, ll_syncfs, "SYNCFS", sizeof(struct fuse_syncfs_in)),
	OP(FUSE_TMPFILE, ll_tmpfile, "TMPFILE", sizeof(struct fuse_create_in) + 1),
	OP(FUSE_STATX, ll_statx, "STATX", sizeof(struct fuse_statx_in)),
	OP(FUSE_COPY_FILE_RANGE_64, ll_copy_file_range_64, "COPY_FILE_RANGE_64", sizeof(struct fuse_copy_file_range_in)),
};

/* /dev/cuse opens with CUSE_INIT (4096), far past the table's end. */
static const struct lf_op_desc cuse_init_op = { ll_cuse_init, "CUSE_INIT", 8 };

const struct lf_op_desc *lf_op_lookup(uint32_t opcode)
{
	if (opcode < LF_ARRAY_SIZE(ops) && ops[opcode].handler)
		return &ops[opcode];
	if (opcode == CUSE_INIT)
		return &cuse_init_op;
	return NULL;
}

const char *lf_opname(uint32_t opcode)
{
	const struct lf_op_desc *d = lf_op_lookup(opcode);

	if (d)
		return d->name;
	return "???";
}

/* Answer a request that never reaches a handler. */
static void reply_early(struct fuse_req *req, int err)
{
	struct iovec iov[1];

	lf_reply_iov(req, err, iov, 1);
}

/* Opcodes an allow_root mount still lets everybody send: they act on
 * handles opened by a permitted process. */
static bool open_to_all(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_INIT: case FUSE_READ: case FUSE_WRITE: case FUSE_FSYNC:
	case FUSE_RELEASE: case FUSE_READDIR: case FUSE_FSYNCDIR:
	case FUSE_RELEASEDIR: case FUSE_NOTIFY_REPLY: case FUSE_READDIRPLUS:
		return true;
	}
	return false;
}

/* Walk the request extensions (7.36+) and pick out supplementary groups. */
static void parse_extensions(struct fuse_req *req, const uint8_t *p,
			     size_t len)
{
	while (len >= sizeof(struct fuse_ext_header)) {
		const struct fuse_ext_header *xh = (const void *)p;

		if (xh->size < sizeof(*xh) || xh->size > len || (xh->size & 7))
			return;
		if (xh->type == FUSE_EXT_GROUPS &&
		    xh->size >= sizeof(*xh) + sizeof(struct fuse_supp_groups)) {
			const struct fuse_supp_groups *sg = (const void *)(xh + 1);
			size_t room = (xh->size - sizeof(*xh) - sizeof(*sg)) /
				      sizeof(uint32_t);

			if (sg->nr_groups <= room) {
				req->nr_groups = sg->nr_groups;
				req->groups = (uint32_t *)(sg + 1);
			}
		}
		p += xh->size;
		len -= xh->size;
	}
}

void lf_debug_request(struct fuse_session *se, const struct fuse_in_header *h)
{
	fuse_log(FUSE_LOG_DEBUG,
		 "unique: %llu, opcode: %s (%i), nodeid: %llu, insize: %zu, pid: %u\n",
		 (unsigned long long)h->unique, lf_opname(h->opcode),
		 (int)h->opcode, (unsigned long long)h->nodeid, (size_t)h->len,
		 (unsigned)h->pid);
	(void)se;
}

static bool is_forget(uint32_t opcode)
{
	return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET;
}

static bool is_init(uint32_t opcode)
{
	return opcode == FUSE_INIT || opcode == CUSE_INIT;
}

void lf_dispatch(struct fuse_session *se, const struct fuse_buf *buf,
		 struct lf_chan *ch)
{
	const struct fuse_in_header *h = buf->mem;
	const struct lf_op_desc *d;
	struct fuse_req *req;
	struct lf_in in;
	size_t extlen, arglen;

	if (buf->size < sizeof(*h) || !h) {
		fuse_log(FUSE_LOG_ERR, "fuse: short read on fuse device\n");
		return;
	}
	if (se->debug)
		lf_debug_request(se, h);

	req = lf_req_new(se);
	if (!req) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate request\n");
		return;
	}
	req->unique = h->unique;
	req->opcode = h->opcode;
	req->ctx.uid = h->uid;
	req->ctx.gid = h->gid;
	req->ctx.pid = h->pid;
	req->ch = ch ? lf_chan_get(ch) : NULL;
	/* a ring entry's channel carries its transport state */
	req->is_uring = ch && ch->tpriv;

	extlen = (size_t)h->total_extlen * 8;
	if (h->len != buf->size || h->len < sizeof(*h) + extlen) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: bad request: length %u, read %zu, extensions %zu\n",
			 h->len, buf->size, extlen);
		if (is_forget(h->opcode))
			lf_req_free(req);
		else
			reply_early(req, EIO);
		return;
	}
	arglen = h->len - sizeof(*h) - extlen;

	if (!atomic_load(&se->got_init) && !is_init(h->opcode)) {
		reply_early(req, EIO);
		return;
	}
	if (atomic_load(&se->got_init) && is_init(h->opcode)) {
		reply_early(req, EIO);
		return;
	}
	if (se->deny_others && h->uid != se->owner && h->uid != 0 &&
	    !open_to_all(h->opcode)) {
		reply_early(req, EACCES);
		return;
	}
	d = lf_op_lookup(h->opcode);
	if (!d) {
		if (is_forget(h->opcode))
			lf_req_free(req);
		else
			reply_early(req, ENOSYS);
		return;
	}
	if (arglen < d->min_in_size) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: %s request too short: %zu < %u bytes\n",
			 d->name, arglen, d->min_in_size);
		if (is_forget(h->opcode))
			lf_req_free(req);
		else
			reply_early(req, EINVAL);
		return;
	}
	if (extlen)
		parse_extensions(req, (const uint8_t *)(h + 1) + arglen, extlen);

	in.nodeid = h->nodeid;
	in.arg = h + 1;
	in.len = arglen;
	in.buf = buf;
	in.data_off = 0;

	if (h->opcode != FUSE_INTERRUPT && !is_forget(h->opcode) &&
	    !is_init(h->opcode))
		lf_req_track(req);
	/* fastpath: names for the watch, passthrough, reused opens */
	if (se->fastpath && lf_fastpath_request(req, &in))
		return;
	d->handler(req, &in);
}

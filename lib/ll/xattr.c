// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoders for extended attributes: setxattr (both argument sizes),
 * getxattr, listxattr and removexattr.
 */
#include <errno.h>
#include <string.h>

#include "fastpath/fastpath.h"
#include "ll/ll.h"

void ll_setxattr(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_setxattr_in *arg = in->arg;
	struct fuse_session *se = req->se;
	/*
	 * The kernel sends the 16-byte argument only once FUSE_SETXATTR_EXT
	 * was agreed in INIT; otherwise the name follows 8 bytes in.
	 */
	size_t hdr = (se->lconn.want & LF_CAP_SETXATTR_EXT) ?
		     sizeof(*arg) : FUSE_COMPAT_SETXATTR_IN_SIZE;
	const char *name;
	size_t end;

	if (!lf_ll_has(req, in, hdr))
		return;
	if (lf_ll_strings(in, hdr, 1, &name, &end) < 0) {
		lf_ll_bad(req, "name not NUL-terminated");
		return;
	}
	if (arg->size > in->len - end) {
		lf_ll_bad(req, "value size larger than the payload");
		return;
	}
	/* setxattr_flags (ACL_KILL_SGID) has no place in the API, as in libfuse */
	if (se->fastpath && lf_fastpath_xattr(req, name))	/* fastpath */
		return;
	if (se->op.setxattr)
		se->op.setxattr(req, in->nodeid, name, (const char *)in->arg + end,
				arg->size, (int)arg->flags);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_getxattr(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_getxattr_in *arg = in->arg;
	struct fuse_session *se = req->se;
	const char *name;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (lf_ll_strings(in, sizeof(*arg), 1, &name, NULL) < 0) {
		lf_ll_bad(req, "name not NUL-terminated");
		return;
	}
	if (se->fastpath && lf_fastpath_xattr(req, name))	/* fastpath */
		return;
	if (se->op.getxattr)
		se->op.getxattr(req, in->nodeid, name, arg->size);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_listxattr(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_getxattr_in *arg = in->arg;
	struct fuse_session *se = req->se;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (se->fastpath && lf_fastpath_xattr(req, NULL))	/* fastpath */
		return;
	if (se->op.listxattr)
		se->op.listxattr(req, in->nodeid, arg->size);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_removexattr(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;
	const char *name;

	if (lf_ll_strings(in, 0, 1, &name, NULL) < 0) {
		lf_ll_bad(req, "name not NUL-terminated");
		return;
	}
	if (se->fastpath && lf_fastpath_xattr(req, name))	/* fastpath */
		return;
	if (se->op.removexattr)
		se->op.removexattr(req, in->nodeid, name);
	else
		fuse_reply_err(req, ENOSYS);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoders for the opcodes that work on names and inode lifetimes: lookup,
 * forget, the create-a-name family (mknod, mkdir, symlink, link), unlink,
 * rmdir, rename; plus the argument-validation helpers every ll_* file uses.
 */
#include <errno.h>
#include <string.h>

#include "ll/ll.h"
#include "log.h"

void lf_ll_bad(fuse_req_t req, const char *why)
{
	lf_log(FUSE_LOG_DEBUG, "fuse: malformed %s request %llu: %s\n",
	       lf_opname(req->opcode), (unsigned long long)req->unique, why);
	/* For FORGET-like opcodes this sends nothing and just frees. */
	fuse_reply_err(req, LL_EBADREQ);
}

bool lf_ll_has(fuse_req_t req, const struct lf_in *in, size_t need)
{
	if (in->len >= need)
		return true;
	lf_ll_bad(req, "argument shorter than its header");
	return false;
}

int lf_ll_strings(const struct lf_in *in, size_t off, unsigned int n,
		  const char **ret_strs, size_t *ret_end)
{
	const char *base = in->arg;
	const char *strs[2];
	unsigned int i;

	if (n > LF_ARRAY_SIZE(strs))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const char *nul;

		if (off >= in->len)
			return -EINVAL;
		nul = memchr(base + off, '\0', in->len - off);
		if (!nul)
			return -EINVAL;
		strs[i] = base + off;
		off = (size_t)(nul - base) + 1;
	}
	for (i = 0; i < n; i++)
		ret_strs[i] = strs[i];
	if (ret_end)
		*ret_end = off;
	return 0;
}

/* The one name that follows a fixed header of hdr bytes, or NULL. */
static const char *one_name(fuse_req_t req, const struct lf_in *in,
			    size_t hdr)
{
	const char *name;

	if (lf_ll_strings(in, hdr, 1, &name, NULL) < 0) {
		lf_ll_bad(req, "name not NUL-terminated");
		return NULL;
	}
	return name;
}

void ll_lookup(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;
	const char *name = one_name(req, in, 0);

	if (!name)
		return;
	if (se->op.lookup)
		se->op.lookup(req, in->nodeid, name);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_forget(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_forget_in *arg = in->arg;
	struct fuse_session *se = req->se;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	if (se->op.forget)
		se->op.forget(req, in->nodeid, arg->nlookup);
	else
		fuse_reply_none(req);
}

/* forget_multi gets the kernel's array as it is. */
_Static_assert(sizeof(struct fuse_forget_data) ==
	       sizeof(struct fuse_forget_one) &&
	       offsetof(struct fuse_forget_data, nlookup) ==
	       offsetof(struct fuse_forget_one, nlookup),
	       "fuse_forget_data mirrors fuse_forget_one");

/*
 * Without forget_multi, each entry goes to ->forget on a request of its
 * own, since every ->forget call ends with fuse_reply_none() on the
 * request it was given.
 */
static void forget_each(fuse_req_t req, const struct fuse_forget_one *one,
			uint32_t count)
{
	struct fuse_session *se = req->se;
	uint32_t i;

	for (i = 0; i < count; i++) {
		struct fuse_req *sub = lf_req_new(se);

		if (!sub)
			break;
		sub->unique = req->unique;
		sub->opcode = FUSE_FORGET;
		sub->ctx = req->ctx;
		se->op.forget(sub, one[i].nodeid, one[i].nlookup);
	}
}

void ll_batch_forget(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_batch_forget_in *arg = in->arg;
	const size_t hdr = sizeof(*arg);
	struct fuse_session *se = req->se;
	const struct fuse_forget_one *one;

	if (!lf_ll_has(req, in, hdr))
		return;
	if ((uint64_t)arg->count * sizeof(*one) > in->len - hdr) {
		lf_ll_bad(req, "count larger than the payload");
		return;
	}
	one = (const struct fuse_forget_one *)((const char *)in->arg + hdr);

	if (se->op.forget_multi) {
		se->op.forget_multi(req, arg->count,
				    (struct fuse_forget_data *)one);
		return;
	}
	if (se->op.forget)
		forget_each(req, one, arg->count);
	fuse_reply_none(req);
}

void ll_readlink(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;

	if (se->op.readlink)
		se->op.readlink(req, in->nodeid);
	else
		fuse_reply_err(req, ENOSYS);
}

/* SYMLINK carries the new name first, then the link target. */
void ll_symlink(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;
	const char *s[2];

	if (lf_ll_strings(in, 0, 2, s, NULL) < 0) {
		lf_ll_bad(req, "names not NUL-terminated");
		return;
	}
	if (se->op.symlink)
		se->op.symlink(req, s[1], in->nodeid, s[0]);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_mknod(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_mknod_in *arg = in->arg;
	struct fuse_session *se = req->se;
	/* umask (and the padding after it) only exist from 7.12 on */
	bool has_umask = se->proto_minor >= 12;
	size_t hdr = has_umask ? sizeof(*arg) : FUSE_COMPAT_MKNOD_IN_SIZE;
	const char *name;

	if (!lf_ll_has(req, in, hdr))
		return;
	name = one_name(req, in, hdr);
	if (!name)
		return;
	if (has_umask)
		req->ctx.umask = arg->umask;
	if (se->op.mknod)
		se->op.mknod(req, in->nodeid, name, arg->mode, arg->rdev);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_mkdir(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_mkdir_in *arg = in->arg;
	struct fuse_session *se = req->se;
	const char *name;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	name = one_name(req, in, sizeof(*arg));
	if (!name)
		return;
	if (se->proto_minor >= 12)
		req->ctx.umask = arg->umask;
	if (se->op.mkdir)
		se->op.mkdir(req, in->nodeid, name, arg->mode);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_unlink(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;
	const char *name = one_name(req, in, 0);

	if (!name)
		return;
	if (se->op.unlink)
		se->op.unlink(req, in->nodeid, name);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_rmdir(fuse_req_t req, const struct lf_in *in)
{
	struct fuse_session *se = req->se;
	const char *name = one_name(req, in, 0);

	if (!name)
		return;
	if (se->op.rmdir)
		se->op.rmdir(req, in->nodeid, name);
	else
		fuse_reply_err(req, ENOSYS);
}

static void do_rename(fuse_req_t req, const struct lf_in *in, size_t hdr,
		      uint64_t newdir, unsigned int flags)
{
	struct fuse_session *se = req->se;
	const char *s[2];

	if (lf_ll_strings(in, hdr, 2, s, NULL) < 0) {
		lf_ll_bad(req, "names not NUL-terminated");
		return;
	}
	if (se->op.rename)
		se->op.rename(req, in->nodeid, s[0], newdir, s[1], flags);
	else
		fuse_reply_err(req, ENOSYS);
}

void ll_rename(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_rename_in *arg = in->arg;

	if (lf_ll_has(req, in, sizeof(*arg)))
		do_rename(req, in, sizeof(*arg), arg->newdir, 0);
}

void ll_rename2(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_rename2_in *arg = in->arg;

	if (lf_ll_has(req, in, sizeof(*arg)))
		do_rename(req, in, sizeof(*arg), arg->newdir, arg->flags);
}

void ll_link(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_link_in *arg = in->arg;
	struct fuse_session *se = req->se;
	const char *name;

	if (!lf_ll_has(req, in, sizeof(*arg)))
		return;
	name = one_name(req, in, sizeof(*arg));
	if (!name)
		return;
	if (se->op.link)
		se->op.link(req, arg->oldnodeid, in->nodeid, name);
	else
		fuse_reply_err(req, ENOSYS);
}

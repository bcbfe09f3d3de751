// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Notifications, the messages the server sends unprompted (unique 0):
 * fuse_lowlevel_notify_*, poll wakeups, and the retrieve round trip whose
 * answer comes back as a FUSE_NOTIFY_REPLY request (ll_notify_reply).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_i.h"
#include "ll/ll.h"

/* A retrieve the kernel has not answered yet. */
struct lf_notify_retrieve {
	uint64_t unique;
	void *cookie;
	struct lf_notify_retrieve *next;
};

/*
 * iov[0] is reserved for the out-header, which lf_send_notify() frames
 * (unique 0, error = code) and logs. Like libfuse, nothing goes out
 * before INIT has been answered.
 */
static int send_notify(struct fuse_session *se, int code, struct iovec *iov,
		       int count)
{
	size_t len = sizeof(struct fuse_out_header);
	int i;

	if (!atomic_load(&se->got_init))
		return -ENOTCONN;
	for (i = 1; i < count; i++)
		len += iov[i].iov_len;
	if (len > UINT32_MAX)
		return -EINVAL;
	return lf_send_notify(se, code, iov, count);
}

FUSE_EXPORT void fuse_pollhandle_destroy(struct fuse_pollhandle *ph)
{
	free(ph);
}

FUSE_EXPORT int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph)
{
	struct fuse_notify_poll_wakeup_out out;
	struct iovec iov[2];

	/* libfuse: polling without a handle has nothing to wake */
	if (!ph)
		return 0;
	out.kh = ph->kh;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	return send_notify(ph->se, FUSE_NOTIFY_POLL, iov, 2);
}

FUSE_EXPORT int fuse_lowlevel_notify_inval_inode(struct fuse_session *se,
						 fuse_ino_t ino, off_t off,
						 off_t len)
{
	struct fuse_notify_inval_inode_out out;
	struct iovec iov[2];

	if (!se)
		return -EINVAL;
	if (se->proto_minor < 12)
		return -ENOSYS;
	out.ino = ino;
	out.off = off;
	out.len = len;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	return send_notify(se, FUSE_NOTIFY_INVAL_INODE, iov, 2);
}

/* The name goes out with the byte after it, which must be its NUL. */
static int notify_entry(struct fuse_session *se, fuse_ino_t parent,
			const char *name, size_t namelen, uint32_t flags)
{
	struct fuse_notify_inval_entry_out out;
	struct iovec iov[3];

	if (!se)
		return -EINVAL;
	if (se->proto_minor < 12)
		return -ENOSYS;
	out.parent = parent;
	out.namelen = (uint32_t)namelen;
	out.flags = flags;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	iov[2].iov_base = (void *)name;
	iov[2].iov_len = namelen + 1;
	return send_notify(se, FUSE_NOTIFY_INVAL_ENTRY, iov, 3);
}

FUSE_EXPORT int fuse_lowlevel_notify_inval_entry(struct fuse_session *se,
						 fuse_ino_t parent,
						 const char *name,
						 size_t namelen)
{
	return notify_entry(se, parent, name, namelen, 0);
}

#if LF_ABI_314
/*
 * 3.14 signature: the caller chooses; without FUSE_LL_EXPIRE_ONLY this is
 * a plain invalidation, and no kernel support check is made.
 */
FUSE_EXPORT int fuse_lowlevel_notify_expire_entry(struct fuse_session *se,
						  fuse_ino_t parent,
						  const char *name,
						  size_t namelen,
						  enum fuse_expire_flags flags)
{
	return notify_entry(se, parent, name, namelen,
			    (flags & FUSE_LL_EXPIRE_ONLY) ? FUSE_EXPIRE_ONLY : 0);
}
#else
/*
 * 3.16+: always an expiry. An older kernel would treat the flag as a full
 * invalidation, so refuse unless it offered FUSE_HAS_EXPIRE_ONLY.
 */
FUSE_EXPORT int fuse_lowlevel_notify_expire_entry(struct fuse_session *se,
						  fuse_ino_t parent,
						  const char *name,
						  size_t namelen)
{
	if (!se)
		return -EINVAL;
	if (!(se->lconn.capable & FUSE_CAP_EXPIRE_ONLY))
		return -ENOSYS;
	return notify_entry(se, parent, name, namelen, FUSE_EXPIRE_ONLY);
}
#endif

FUSE_EXPORT int fuse_lowlevel_notify_delete(struct fuse_session *se,
					    fuse_ino_t parent,
					    fuse_ino_t child, const char *name,
					    size_t namelen)
{
	struct fuse_notify_delete_out out;
	struct iovec iov[3];

	if (!se)
		return -EINVAL;
	if (se->proto_minor < 18)
		return -ENOSYS;
	out.parent = parent;
	out.child = child;
	out.namelen = (uint32_t)namelen;
	out.padding = 0;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	iov[2].iov_base = (void *)name;
	iov[2].iov_len = namelen + 1;
	return send_notify(se, FUSE_NOTIFY_DELETE, iov, 3);
}

FUSE_EXPORT int fuse_lowlevel_notify_store(struct fuse_session *se,
					   fuse_ino_t ino, off_t offset,
					   struct fuse_bufvec *bufv,
					   enum fuse_buf_copy_flags flags)
{
	struct fuse_notify_store_out out;
	struct iovec iov[3];
	const void *mem;
	void *to_free;
	size_t len;
	int res;

	(void)flags;
	if (!se)
		return -EINVAL;
	if (se->proto_minor < 15)
		return -ENOSYS;
	/* Like fuse_reply_data(): through memory until a splice send exists. */
	res = lf_data_to_mem(bufv, &mem, &len, &to_free);
	if (res < 0)
		return res;
	if (len > UINT32_MAX) {
		free(to_free);
		return -EINVAL;
	}
	out.nodeid = ino;
	out.offset = (uint64_t)offset;
	out.size = (uint32_t)len;
	out.padding = 0;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	iov[2].iov_base = (void *)mem;
	iov[2].iov_len = len;
	res = send_notify(se, FUSE_NOTIFY_STORE, iov, 3);
	free(to_free);
	return res;
}

static void retrieve_unlink(struct fuse_session *se,
			    struct lf_notify_retrieve *rr)
{
	struct lf_notify_retrieve **pp;

	for (pp = &se->retrieves; *pp; pp = &(*pp)->next) {
		if (*pp == rr) {
			*pp = rr->next;
			return;
		}
	}
}

FUSE_EXPORT int fuse_lowlevel_notify_retrieve(struct fuse_session *se,
					      fuse_ino_t ino, size_t size,
					      off_t offset, void *cookie)
{
	struct fuse_notify_retrieve_out out;
	struct lf_notify_retrieve *rr;
	struct iovec iov[2];
	int res;

	if (!se)
		return -EINVAL;
	if (se->proto_minor < 15)
		return -ENOSYS;
	rr = malloc(sizeof(*rr));
	if (!rr)
		return -ENOMEM;
	rr->cookie = cookie;
	pthread_mutex_lock(&se->lock);
	/* 0 is never used: it would read as "no request" to the kernel */
	if (se->notify_ctr == 0)
		se->notify_ctr = 1;
	rr->unique = se->notify_ctr++;
	rr->next = se->retrieves;
	se->retrieves = rr;
	pthread_mutex_unlock(&se->lock);

	out.notify_unique = rr->unique;
	out.nodeid = ino;
	out.offset = (uint64_t)offset;
	out.size = (uint32_t)size;
	out.padding = 0;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	res = send_notify(se, FUSE_NOTIFY_RETRIEVE, iov, 2);
	if (res) {
		pthread_mutex_lock(&se->lock);
		retrieve_unlink(se, rr);
		pthread_mutex_unlock(&se->lock);
		free(rr);
	}
	return res;
}

#if !LF_ABI_314
FUSE_EXPORT int fuse_lowlevel_notify_increment_epoch(struct fuse_session *se)
{
	struct iovec iov[1];

	if (!se)
		return -EINVAL;
	if (se->proto_minor < 44)
		return -ENOSYS;
	return send_notify(se, FUSE_NOTIFY_INC_EPOCH, iov, 1);
}
#endif

/* Take the pending retrieve this NOTIFY_REPLY answers off the list. */
static struct lf_notify_retrieve *retrieve_claim(struct fuse_session *se,
						 uint64_t unique)
{
	struct lf_notify_retrieve **pp, *rr = NULL;

	pthread_mutex_lock(&se->lock);
	for (pp = &se->retrieves; *pp; pp = &(*pp)->next) {
		if ((*pp)->unique == unique) {
			rr = *pp;
			*pp = rr->next;
			break;
		}
	}
	pthread_mutex_unlock(&se->lock);
	return rr;
}

/*
 * The kernel's answer to a retrieve: its unique is our notify_unique, the
 * data follows fuse_notify_retrieve_in. Nothing is ever sent back;
 * ->retrieve_reply must end with fuse_reply_none().
 */
void ll_notify_reply(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_notify_retrieve_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_bufvec bufv = FUSE_BUFVEC_INIT(0);
	struct lf_notify_retrieve *rr;

	rr = retrieve_claim(se, req->unique);
	if (!rr) {
		lf_ll_bad(req, "no retrieve pending with this unique");
		return;
	}
	if (in->len < sizeof(*arg) || arg->size > in->len - sizeof(*arg)) {
		lf_ll_bad(req, "data size larger than the payload");
		free(rr);
		return;
	}
	if (in->buf && (in->buf->flags & FUSE_BUF_IS_FD))
		bufv.buf[0] = *in->buf;
	else
		bufv.buf[0].mem = (char *)in->arg + sizeof(*arg);
	bufv.buf[0].size = arg->size;

	if (se->op.retrieve_reply)
		se->op.retrieve_reply(req, rr->cookie, in->nodeid,
				      (off_t)arg->offset, &bufv);
	else
		fuse_reply_none(req);
	free(rr);
}

/* At session teardown, when no other thread can touch the list. */
void lf_notify_retrieves_free(struct fuse_session *se)
{
	while (se->retrieves) {
		struct lf_notify_retrieve *rr = se->retrieves;

		se->retrieves = rr->next;
		free(rr);
	}
}

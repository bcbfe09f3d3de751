// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Request lifecycle and the request accessors of the public API: allocation,
 * reference counting, the in-flight list that INTERRUPT searches, and
 * fuse_req_ctx / getgroups / interrupt callbacks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse_i.h"
#include "fastpath/fastpath.h"

static void list_init(struct fuse_req *head)
{
	head->next = head;
	head->prev = head;
}

static void list_add(struct fuse_req *req, struct fuse_req *head)
{
	req->next = head->next;
	req->prev = head;
	head->next->prev = req;
	head->next = req;
}

static void list_del(struct fuse_req *req)
{
	req->next->prev = req->prev;
	req->prev->next = req->next;
	req->next = req->prev = req;
}

void lf_req_lists_init(struct fuse_session *se)
{
	list_init(&se->reqs);
	list_init(&se->intr);
}

/*
 * Each thread keeps its last finished request for the next one: a loop
 * thread then allocates nothing per request. Kept in a thread-specific
 * key so that the spare is freed when the thread ends. Off under ASan,
 * which can then still catch a request used after its reply.
 */
#if defined(__SANITIZE_ADDRESS__)
#define LF_REQ_SPARE 0
#else
#define LF_REQ_SPARE 1
#endif

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_ok;

static void spare_init(void)
{
	spare_ok = pthread_key_create(&spare_key, free) == 0;
}

static struct fuse_req *spare_take(void)
{
	struct fuse_req *req;

	if (!LF_REQ_SPARE || !spare_ok)
		return NULL;
	req = pthread_getspecific(spare_key);
	if (req)
		pthread_setspecific(spare_key, NULL);
	return req;
}

static bool spare_put(struct fuse_req *req)
{
	if (!LF_REQ_SPARE || !spare_ok || pthread_getspecific(spare_key))
		return false;
	return pthread_setspecific(spare_key, req) == 0;
}

struct fuse_req *lf_req_new(struct fuse_session *se)
{
	struct fuse_req *req;

	pthread_once(&spare_once, spare_init);
	req = spare_take();
	if (req)
		memset(req, 0, sizeof(*req));
	else
		req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->se = se;
	req->refs = 1;
	req->next = req->prev = req;
	return req;
}

static void req_destroy(struct fuse_req *req)
{
	if (req->ch)
		lf_chan_put(req->ch);
	if (req->fp)	/* fastpath: names and flags kept for the reply */
		lf_fastpath_req_free(req);
	if (req->capture)	/* fastpath: a library call answered with none */
		lf_capture_drop(req);
	if (!spare_put(req))
		free(req);
}

void lf_req_free(struct fuse_req *req)
{
	struct fuse_session *se = req->se;
	int refs;

	pthread_mutex_lock(&se->lock);
	if (req->in_list) {
		list_del(req);
		req->in_list = false;
	}
	req->ifunc = NULL;
	refs = --req->refs;
	pthread_mutex_unlock(&se->lock);
	if (refs == 0)
		req_destroy(req);
}

void lf_req_unlist(struct fuse_req *req)
{
	pthread_mutex_lock(&req->se->lock);
	if (req->in_list) {
		list_del(req);
		req->in_list = false;
	}
	pthread_mutex_unlock(&req->se->lock);
}

/*
 * Put a new request on the in-flight list and match it against interrupts
 * that arrived before it (another thread may have read the INTERRUPT
 * first). An interrupt left over for a request we never saw is answered
 * with EAGAIN, which makes the kernel queue it again if still relevant.
 */
void lf_req_track(struct fuse_req *req)
{
	struct fuse_session *se = req->se;
	struct fuse_req *it, *matched = NULL, *stale = NULL;

	pthread_mutex_lock(&se->lock);
	list_add(req, &se->reqs);
	req->in_list = true;
	for (it = se->intr.next; it != &se->intr; it = it->next) {
		if (*(uint64_t *)it->tpriv == req->unique) {
			req->interrupted = true;
			matched = it;
			break;
		}
	}
	if (!matched && se->intr.next != &se->intr)
		stale = se->intr.next;
	if (matched)
		list_del(matched);
	if (stale)
		list_del(stale);
	pthread_mutex_unlock(&se->lock);

	if (matched) {
		free(matched->tpriv);
		matched->tpriv = NULL;
		lf_req_free(matched);
	}
	if (stale) {
		free(stale->tpriv);
		stale->tpriv = NULL;
		struct iovec iov[1];

		lf_reply_iov(stale, EAGAIN, iov, 1);
	}
}

void ll_interrupt(fuse_req_t req, const struct lf_in *in)
{
	const struct fuse_interrupt_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct fuse_req *it;
	uint64_t *target;

	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "INTERRUPT: %llu\n",
			 (unsigned long long)arg->unique);

	pthread_mutex_lock(&se->lock);
	for (it = se->reqs.next; it != &se->reqs; it = it->next) {
		if (it->unique != arg->unique)
			continue;
		it->interrupted = true;
		if (it->ifunc) {
			fuse_interrupt_func_t fn = it->ifunc;
			void *data = it->idata;

			it->refs++;
			pthread_mutex_unlock(&se->lock);
			fn(it, data);
			lf_req_free(it);
		} else {
			pthread_mutex_unlock(&se->lock);
		}
		lf_req_free(req);
		return;
	}
	/* Not seen yet: remember it until the request shows up. */
	target = malloc(sizeof(*target));
	if (!target) {
		struct iovec iov[1];

		pthread_mutex_unlock(&se->lock);
		lf_reply_iov(req, EAGAIN, iov, 1);
		return;
	}
	*target = arg->unique;
	req->tpriv = target;
	list_add(req, &se->intr);
	pthread_mutex_unlock(&se->lock);
}

/* Drop interrupts left over at session teardown. */
void lf_req_drop_interrupts(struct fuse_session *se)
{
	while (se->intr.next != &se->intr) {
		struct fuse_req *it = se->intr.next;

		list_del(it);
		free(it->tpriv);
		it->tpriv = NULL;
		if (it->ch)
			lf_chan_put(it->ch);
		free(it);
	}
}

FUSE_EXPORT void *fuse_req_userdata(fuse_req_t req)
{
	return req->se->userdata;
}

FUSE_EXPORT const struct fuse_ctx *fuse_req_ctx(fuse_req_t req)
{
	return &req->ctx;
}

FUSE_EXPORT void fuse_req_interrupt_func(fuse_req_t req,
					 fuse_interrupt_func_t func, void *data)
{
	struct fuse_session *se = req->se;

	pthread_mutex_lock(&se->lock);
	req->ifunc = func;
	req->idata = data;
	if (req->interrupted && func) {
		req->refs++;
		pthread_mutex_unlock(&se->lock);
		func(req, data);
		lf_req_free(req);
		return;
	}
	pthread_mutex_unlock(&se->lock);
}

FUSE_EXPORT int fuse_req_interrupted(fuse_req_t req)
{
	int r;

	pthread_mutex_lock(&req->se->lock);
	r = req->interrupted;
	pthread_mutex_unlock(&req->se->lock);
	return r;
}

/* Parse the "Groups:" line of /proc/PID/task/PID/status. */
static int groups_from_proc(pid_t pid, int size, gid_t list[])
{
	char path[64], line[4096];
	FILE *f;
	int n = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/status", (unsigned)pid,
		 (unsigned)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		n = 0;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (n < size)
				list[n] = (gid_t)g;
			n++;
		}
		break;
	}
	fclose(f);
	return n;
}

FUSE_EXPORT int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[])
{
	if (size < 0)
		return -EINVAL;
	if (req->groups) {
		int i;

		for (i = 0; i < req->nr_groups && i < size; i++)
			list[i] = req->groups[i];
		return req->nr_groups;
	}
	return groups_from_proc(req->ctx.pid, size, list);
}

#if !LF_ABI_314
/* Dispatch does not know transports: a ring request is one whose channel
 * stands for a ring entry (transport_uring.c). */
static bool req_on_ring(fuse_req_t req)
{
	return req->is_uring || (req->ch && req->ch->tpriv);
}

FUSE_EXPORT bool fuse_req_is_uring(fuse_req_t req)
{
	return req_on_ring(req);
}
#endif

#if !LF_ABI_314
/*
 * The in-place payload buffer exists only for requests that came over an
 * io_uring ring entry; the uring transport stores it in tpriv via
 * lf_req_payload_hook. /dev/fuse requests have none: -EINVAL, as libfuse.
 */
int (*lf_req_payload_hook)(fuse_req_t req, char **payload, size_t *size);

FUSE_EXPORT int fuse_req_get_payload(fuse_req_t req, char **payload,
				     size_t *payload_sz, void **mr)
{
	if (mr)
		*mr = NULL;
	if (!req_on_ring(req) || !lf_req_payload_hook)
		return -EINVAL;
	return lf_req_payload_hook(req, payload, payload_sz);
}
#endif

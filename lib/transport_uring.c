// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The FUSE-over-io_uring transport: one ring entry per in-flight request,
 * registered with the kernel's per-CPU queues (FUSE_IO_URING_CMD_REGISTER)
 * and recycled by COMMIT_AND_FETCH, which sends a reply and waits for the
 * next request in one submission. Pinned ring threads, one per CPU by
 * default, own the rings; INIT, FORGET, INTERRUPT and notifications stay on
 * /dev/fuse, which this transport delegates to.
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "fuse_i.h"
#include "transport.h"
#include "uring.h"

/* user_data of the eventfd read; entries use their (aligned) address. */
#define EFD_TAG		1ull

struct lf_uring;

/*
 * One ring entry. Its memory block is
 *   [ fuse_uring_req_header ... headroom ][ payload (page aligned) ]
 * The kernel writes the request's in-header and opcode header into the
 * header and the rest into the payload; copying the two headers into the
 * headroom makes the request contiguous for dispatch without moving the
 * payload (names, write data), which may be up to max_write bytes.
 */
struct ent {
	struct lf_chan ch;		/* requests carry this; ch.tpriv == this */
	struct ring *r;
	struct fuse_uring_req_header *hdr;
	char *payload;
	struct iovec iov[2];		/* what REGISTER hands the kernel */
	uint64_t commit_id;		/* 0 until the first request */
	uint16_t qid;
	struct ent *next;		/* replies committed by other threads */
};

/* One io_uring and the thread that owns it; serves one or more of the
 * kernel's queues (one per possible CPU). */
struct ring {
	struct lf_uring *u;
	unsigned int idx;
	pthread_t tid;
	bool created;
	struct io_uring io;
	bool io_ok;
	int efd;			/* wakes the thread: replies, stop */
	uint64_t efd_val;
	_Atomic(struct ent *) replies;	/* LIFO of entries to commit */
	atomic_bool sleeping;		/* in io_uring_enter, wants a wake */
	unsigned int nents;
	struct ent *ents;
	char *mem;
	size_t mem_sz;
};

struct lf_uring {
	struct fuse_session *se;
	unsigned int nr_qids;		/* the kernel's queues: possible CPUs */
	unsigned int nr_rings;
	unsigned int depth;		/* entries per kernel queue */
	size_t page;
	size_t payload_sz;
	size_t ent_sz;
	/* the session's reference plus one per entry a request holds */
	atomic_int refs;
	atomic_bool stopping;
	atomic_bool warned;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int reported;
	int err;			/* first setup error */
	struct ring rings[];
};

/* The ring the calling thread owns, if any: its replies need no wake-up. */
static __thread struct ring *tls_ring;

/* ------------------------------------------------------------------ */
/* Layout: pure functions (unit-tested)                                 */
/* ------------------------------------------------------------------ */

int lf_uring_assemble(const struct lf_uring_req *r, size_t payload_cap,
		      char **ret_start)
{
	const size_t hsz = sizeof(struct fuse_in_header);
	uint32_t len = r->in->len;
	size_t op_len;
	char *start;

	if (r->payload_sz > payload_cap || len < hsz + r->payload_sz)
		return -EPROTO;
	op_len = len - hsz - r->payload_sz;
	if (op_len > FUSE_URING_OP_IN_OUT_SZ || hsz + op_len > r->headroom)
		return -EPROTO;
	start = r->payload - op_len - hsz;
	memcpy(start + hsz, r->op_in, op_len);
	memcpy(start, r->in, hsz);
	*ret_start = start;
	return (int)len;
}

unsigned int lf_uring_share(unsigned int nr_qids, unsigned int nr_rings,
			    unsigned int depth, unsigned int ring,
			    unsigned int qid)
{
	unsigned int per_q, k;

	if (!nr_qids || !nr_rings || ring >= nr_rings || qid >= nr_qids)
		return 0;
	if (nr_rings <= nr_qids)
		return qid % nr_rings == ring ? depth : 0;
	if (ring % nr_qids != qid)
		return 0;
	per_q = (nr_rings - qid + nr_qids - 1) / nr_qids;
	k = ring / nr_qids;
	return depth / per_q + (k < depth % per_q);
}

int lf_uring_encode(void *hdr_in_out, char *payload, size_t payload_cap,
		    const struct iovec *iov, int count)
{
	size_t total = 0, off = 0;
	int i;

	for (i = 1; i < count; i++)
		total += iov[i].iov_len;
	if (total > payload_cap)
		return -EOVERFLOW;
	for (i = 1; i < count; i++) {
		/* fuse_req_get_payload() users reply in place */
		if (iov[i].iov_base != payload + off && iov[i].iov_len)
			memmove(payload + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	memcpy(hdr_in_out, iov[0].iov_base, sizeof(struct fuse_out_header));
	return (int)total;
}

/* ------------------------------------------------------------------ */
/* Pool lifetime                                                        */
/* ------------------------------------------------------------------ */

static void pool_free(struct lf_uring *u)
{
	unsigned int i;

	for (i = 0; i < u->nr_rings; i++) {
		struct ring *r = &u->rings[i];

		if (r->io_ok)
			io_uring_queue_exit(&r->io);
		if (r->efd >= 0)
			close(r->efd);
		if (r->mem)
			munmap(r->mem, r->mem_sz);
		free(r->ents);
	}
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->cond);
	free(u);
}

static void pool_put(struct lf_uring *u)
{
	if (atomic_fetch_sub(&u->refs, 1) == 1)
		pool_free(u);
}

/* Release the entries on a ring's reply list (their requests are done). */
static void drain_replies(struct ring *r)
{
	struct ent *e = atomic_exchange(&r->replies, NULL);

	while (e) {
		struct ent *next = e->next;

		pool_put(r->u);
		e = next;
	}
}

/* ------------------------------------------------------------------ */
/* Submissions (ring thread only)                                       */
/* ------------------------------------------------------------------ */

static struct io_uring_sqe *cmd_sqe(struct ring *r, struct ent *e,
				    uint32_t op)
{
	/* One SQE per entry plus the eventfd read fit by construction. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->io);
	struct fuse_uring_cmd_req *req;

	if (!sqe)
		return NULL;
	memset(sqe, 0, 2 * sizeof(*sqe));	/* SQE128 */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = 0;
	sqe->cmd_op = op;
	sqe->user_data = (uintptr_t)e;
	req = (struct fuse_uring_cmd_req *)sqe->cmd;
	req->qid = e->qid;
	req->commit_id = e->commit_id;
	return sqe;
}

static int submit_register(struct ring *r, struct ent *e)
{
	struct io_uring_sqe *sqe = cmd_sqe(r, e, FUSE_IO_URING_CMD_REGISTER);

	if (!sqe)
		return -EBUSY;
	sqe->addr = (uintptr_t)e->iov;
	sqe->len = 2;
	return 0;
}

static int submit_commit(struct ring *r, struct ent *e)
{
	return cmd_sqe(r, e, FUSE_IO_URING_CMD_COMMIT_AND_FETCH) ? 0 : -EBUSY;
}

static int arm_wakeup(struct ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->io);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, r->efd, &r->efd_val, sizeof(r->efd_val), 0);
	sqe->user_data = EFD_TAG;
	return 0;
}

/* Commit the replies other threads left for this ring. */
static void take_replies(struct ring *r)
{
	struct ent *e = atomic_exchange(&r->replies, NULL);

	while (e) {
		struct ent *next = e->next;

		submit_commit(r, e);
		pool_put(r->u);
		e = next;
	}
}

/* ------------------------------------------------------------------ */
/* Replies (any thread)                                                 */
/* ------------------------------------------------------------------ */

static void push_reply(struct ring *r, struct ent *e)
{
	struct lf_uring *u = r->u;
	struct ent *old = atomic_load(&r->replies);

	/* Once pushed, the entry's reference may go at any moment: keep the
	 * pool (eventfd, list) alive until we are done with it. */
	atomic_fetch_add(&u->refs, 1);
	do {
		e->next = old;
	} while (!atomic_compare_exchange_weak(&r->replies, &old, e));
	/*
	 * Either the ring thread sees the entry before it sleeps, or we see
	 * it sleeping (both sides are sequentially consistent).
	 */
	if (atomic_exchange(&r->sleeping, false))
		eventfd_write(r->efd, 1);
	/* A stop racing the push: whoever empties the list releases. */
	if (atomic_load(&u->stopping))
		drain_replies(r);
	pool_put(u);
}

static int ent_reply(struct ent *e, struct iovec *iov, int count)
{
	struct ring *r = e->r;
	struct lf_uring *u = r->u;
	int n;

	n = lf_uring_encode(e->hdr->in_out, e->payload, u->payload_sz, iov,
			    count);
	if (n < 0) {
		struct fuse_out_header oh = *(struct fuse_out_header *)
					     iov[0].iov_base;
		struct iovec eio = { &oh, sizeof(oh) };

		if (!atomic_exchange(&u->warned, true))
			fuse_log(FUSE_LOG_ERR,
				 "fuse: reply of %u bytes exceeds the io_uring payload buffer (%zu)\n",
				 oh.len, u->payload_sz);
		oh.len = sizeof(oh);
		oh.error = -EIO;
		n = lf_uring_encode(e->hdr->in_out, e->payload, u->payload_sz,
				    &eio, 1);
	}
	e->hdr->ring_ent_in_out.payload_sz = (uint32_t)n;
	if (tls_ring == r) {
		submit_commit(r, e);
		pool_put(u);
		return 0;
	}
	if (atomic_load(&u->stopping)) {
		pool_put(u);
		return -ENOTCONN;
	}
	push_reply(r, e);
	return 0;
}

static int uring_receive(struct fuse_session *se, struct lf_chan *ch,
			 struct fuse_buf *buf)
{
	return lf_transport_dev.receive(se, ch, buf);
}

static int uring_send(struct fuse_session *se, struct lf_chan *ch,
		      fuse_req_t req, struct iovec *iov, int count)
{
	/* Requests read from /dev/fuse (FORGET, INTERRUPT, ...) answer there. */
	if (!ch->tpriv)
		return lf_transport_dev.send(se, ch, req, iov, count);
	return ent_reply(ch->tpriv, iov, count);
}

/* The protocol carries notifications over /dev/fuse only. */
static int uring_send_notify(struct fuse_session *se, struct iovec *iov,
			     int count)
{
	if (!se->ch)
		return -ENOTCONN;
	return lf_transport_dev.send(se, se->ch, NULL, iov, count);
}

/* The entry's payload buffer: a reply built there is sent uncopied. The
 * request owns its entry until it replies, so any thread may fill it. */
static int uring_reply_buf(fuse_req_t req, char **ret_mem, size_t *ret_cap)
{
	struct ent *e = req->ch ? req->ch->tpriv : NULL;

	if (!e)
		return -EINVAL;
	*ret_mem = e->payload;
	*ret_cap = e->r->u->payload_sz;
	return 0;
}

static const struct lf_transport_ops lf_transport_uring = {
	.name = "uring",
	.receive = uring_receive,
	.send = uring_send,
	.send_notify = uring_send_notify,
	.reply_buf = uring_reply_buf,
};

#if !LF_ABI_314
extern int (*lf_req_payload_hook)(fuse_req_t req, char **payload,
				  size_t *size);
#endif

/* ------------------------------------------------------------------ */
/* Requests (ring thread)                                               */
/* ------------------------------------------------------------------ */

struct blocking {
	struct fuse_session *se;
	struct fuse_buf buf;
	struct ent *e;
};

static void *blocking_main(void *arg)
{
	struct blocking *b = arg;

	lf_dispatch(b->se, &b->buf, &b->e->ch);
	free(b);
	return NULL;
}

/*
 * A request that may wait for another request (SETLKW waits for an unlock
 * that can arrive on this very queue) must not hold up the ring thread:
 * it runs on a thread of its own. Returns false if it could not.
 */
static bool dispatch_aside(struct fuse_session *se, const struct fuse_buf *buf,
			   struct ent *e)
{
	struct blocking *b = malloc(sizeof(*b));
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t tid;
	int err;

	if (!b)
		return false;
	b->se = se;
	b->buf = *buf;
	b->e = e;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&tid, &attr, blocking_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		free(b);
	return err == 0;
}

/* A request arrived in e: make it contiguous and dispatch it. */
static void deliver(struct ring *r, struct ent *e)
{
	struct lf_uring *u = r->u;
	struct fuse_session *se = u->se;
	const struct fuse_in_header *in = (const void *)e->hdr->in_out;
	struct lf_uring_req rq = {
		.in = in,
		.op_in = e->hdr->op_in,
		.payload = e->payload,
		.payload_sz = e->hdr->ring_ent_in_out.payload_sz,
		.headroom = u->page - sizeof(*e->hdr),
	};
	struct fuse_buf buf = { .size = 0 };
	char *start;
	int n;

	e->commit_id = e->hdr->ring_ent_in_out.commit_id;
	atomic_fetch_add(&u->refs, 1);
	n = lf_uring_assemble(&rq, u->payload_sz, &start);
	if (n < 0) {
		struct fuse_out_header oh = {
			.len = sizeof(oh), .error = -EIO, .unique = in->unique,
		};
		struct iovec iov = { &oh, sizeof(oh) };

		fuse_log(FUSE_LOG_ERR,
			 "fuse: bad io_uring request: length %u, payload %u\n",
			 in->len, rq.payload_sz);
		ent_reply(e, &iov, 1);
		return;
	}
	buf.mem = start;
	buf.size = (size_t)n;
	if (in->opcode == FUSE_SETLKW && dispatch_aside(se, &buf, e))
		return;
	lf_dispatch(se, &buf, &e->ch);
}

/* ------------------------------------------------------------------ */
/* The ring thread                                                      */
/* ------------------------------------------------------------------ */

/* The session ends with the connection (unmount, abort) or on an error
 * nobody can recover from; tell whichever loop waits. */
static void end_session(struct fuse_session *se, int err)
{
	if (err) {
		fuse_log(FUSE_LOG_ERR, "fuse: io_uring: %s\n", strerror(-err));
		se->error = err;
	}
	fuse_session_exit(se);
	if (se->loop_finish)
		sem_post(se->loop_finish);
}

static bool conn_gone(int res)
{
	return res == -ENOTCONN || res == -ECONNABORTED || res == -ENODEV ||
	       res == -ECANCELED;
}

/* Handle one completion. Returns 0, or 1 when the connection is gone,
 * or -errno on a fatal error. */
static int complete(struct ring *r, uint64_t data, int res)
{
	struct ent *e = (struct ent *)(uintptr_t)data;

	if (data == EFD_TAG) {
		if (atomic_load(&r->u->stopping))
			return 0;
		return arm_wakeup(r);
	}
	if (res == 0) {
		if (!e->hdr->ring_ent_in_out.commit_id)
			return -EPROTO;
		deliver(r, e);
		return 0;
	}
	if (res == -EAGAIN || res == -EINTR)
		return e->commit_id ? submit_commit(r, e) : submit_register(r, e);
	if (conn_gone(res))
		return 1;
	return res;
}

static void ring_loop(struct ring *r)
{
	struct lf_uring *u = r->u;
	struct fuse_session *se = u->se;
	struct io_uring_cqe *cqe;
	int res = 0;

	while (!atomic_load(&u->stopping)) {
		take_replies(r);
		atomic_store(&r->sleeping, true);
		if (atomic_load(&r->replies)) {
			atomic_store(&r->sleeping, false);
			continue;
		}
		res = io_uring_submit_and_wait(&r->io, 1);
		atomic_store(&r->sleeping, false);
		if (res < 0 && res != -EINTR && res != -EAGAIN &&
		    res != -EBUSY)
			break;
		res = 0;
		while (!res && io_uring_peek_cqe(&r->io, &cqe) == 0) {
			uint64_t data = cqe->user_data;
			int cres = cqe->res;

			io_uring_cqe_seen(&r->io, cqe);
			res = complete(r, data, cres);
		}
		if (res)
			break;
		if (fuse_session_exited(se)) {
			/* a handler ended the session */
			end_session(se, 0);
			return;
		}
	}
	if (atomic_load(&u->stopping))
		return;
	end_session(se, res > 0 ? 0 : res);
}

/* Pin the thread to the CPUs whose queues it serves, as far as allowed:
 * the kernel queues a request on the queue of the CPU that sent it. */
static void ring_pin(struct ring *r)
{
	struct lf_uring *u = r->u;
	cpu_set_t allowed, want;
	unsigned int q;

	/* Threads beyond one per queue exist to take a queue's requests
	 * while its first thread is busy: they go wherever a CPU is free. */
	if (r->idx >= u->nr_qids)
		return;
	CPU_ZERO(&want);
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return;
	for (q = 0; q < u->nr_qids && q < CPU_SETSIZE; q++)
		if (CPU_ISSET(q, &allowed) &&
		    lf_uring_share(u->nr_qids, u->nr_rings, u->depth, r->idx,
				   q))
			CPU_SET(q, &want);
	if (CPU_COUNT(&want))
		pthread_setaffinity_np(pthread_self(), sizeof(want), &want);
}

static int ring_init_io(struct ring *r)
{
	struct io_uring_params p;
	unsigned int entries = r->nents + 1;
	int fd = r->u->se->fd;
	int err;

	memset(&p, 0, sizeof(p));
	/* Only this thread submits and reaps: the kernel may run our task
	 * work when we wait instead of interrupting us for it. */
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE |
		  IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	p.cq_entries = 2 * entries;
	err = io_uring_queue_init_params(entries, &r->io, &p);
	if (err == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
		p.cq_entries = 2 * entries;
		err = io_uring_queue_init_params(entries, &r->io, &p);
	}
	if (err)
		return err;
	r->io_ok = true;
	return io_uring_register_files(&r->io, &fd, 1);
}

/* Buffers, ring and registrations of one ring, in its own thread: pages
 * are first touched on the CPU that uses them, and the kernel ties each
 * registered entry to the task that submitted it. */
static int ring_setup(struct ring *r)
{
	struct lf_uring *u = r->u;
	unsigned int i, q, n;
	struct io_uring_cqe *cqe;
	int err;

	r->nents = 0;
	for (q = 0; q < u->nr_qids; q++)
		r->nents += lf_uring_share(u->nr_qids, u->nr_rings, u->depth,
					   r->idx, q);
	r->mem_sz = (size_t)r->nents * u->ent_sz;
	r->mem = mmap(NULL, r->mem_sz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->mem == MAP_FAILED) {
		r->mem = NULL;
		return -errno;
	}
	r->ents = calloc(r->nents, sizeof(*r->ents));
	r->efd = eventfd(0, EFD_CLOEXEC);
	if (!r->ents || r->efd < 0)
		return -ENOMEM;
	err = ring_init_io(r);
	if (err)
		return err;
	for (i = 0, q = 0, n = 0; i < r->nents; i++, n++) {
		struct ent *e = &r->ents[i];
		char *base = r->mem + (size_t)i * u->ent_sz;

		e->ch.fd = -1;
		atomic_init(&e->ch.refs, 1);	/* the entry's own, never dropped */
		e->ch.tpriv = e;
		e->r = r;
		e->hdr = (struct fuse_uring_req_header *)base;
		e->payload = base + u->page;
		e->iov[0] = (struct iovec){ e->hdr, sizeof(*e->hdr) };
		e->iov[1] = (struct iovec){ e->payload, u->payload_sz };
		while (n >= lf_uring_share(u->nr_qids, u->nr_rings, u->depth,
					   r->idx, q)) {
			q++;
			n = 0;
		}
		e->qid = (uint16_t)q;
		err = submit_register(r, e);
		if (err)
			return err;
	}
	err = arm_wakeup(r);
	if (!err)
		err = io_uring_submit(&r->io);
	if (err < 0)
		return err;
	/* REGISTER is refused at once (bad sizes, feature off) or not at all
	 * until a request arrives. */
	if (io_uring_peek_cqe(&r->io, &cqe) == 0) {
		err = cqe->res < 0 ? cqe->res : -EPROTO;
		io_uring_cqe_seen(&r->io, cqe);
		return err;
	}
	return 0;
}

static void *ring_main(void *arg)
{
	struct ring *r = arg;
	struct lf_uring *u = r->u;
	char name[16];
	int err;

	tls_ring = r;
	snprintf(name, sizeof(name), "fuse-ring-%u", r->idx);
	pthread_setname_np(pthread_self(), name);
	ring_pin(r);
	err = ring_setup(r);

	pthread_mutex_lock(&u->lock);
	if (err && !u->err)
		u->err = err;
	u->reported++;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);

	if (!err)
		ring_loop(r);
	/* Our exit cancels the entries we registered (the kernel ties them
	 * to us); only then may the pool's memory go. */
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                       */
/* ------------------------------------------------------------------ */

/* The kernel keeps one queue per possible CPU and uses the ring only when
 * every one of them has an entry. */
static unsigned int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned int n = 0, a, b;
	int c;

	if (f) {
		for (;;) {
			if (fscanf(f, "%u", &a) != 1)
				break;
			b = a;
			c = fgetc(f);
			if (c == '-') {
				if (fscanf(f, "%u", &b) != 1)
					break;
				c = fgetc(f);
			}
			if (b >= a)
				n += b - a + 1;
			if (c != ',')
				break;
		}
		fclose(f);
	}
	if (!n) {
		int conf = get_nprocs_conf();

		n = conf > 0 ? (unsigned int)conf : 1;
	}
	return n;
}

/* What REGISTER requires of the payload buffer: the larger of the minimum
 * read buffer, max_write and max_pages pages (the kernel's rule). Sized
 * for what INIT negotiated, not for the largest possible request. */
static size_t payload_size(const struct fuse_session *se, size_t page)
{
	size_t pages = se->lconn.max_pages ? se->lconn.max_pages :
					     FUSE_DEFAULT_MAX_PAGES_PER_REQ;
	size_t sz = LF_MAX((size_t)FUSE_MIN_READ_BUFFER,
			   (size_t)se->conn.max_write);

	sz = LF_MAX(sz, pages * page);
	return (sz + page - 1) / page * page;
}

static struct lf_uring *pool_new(struct fuse_session *se)
{
	unsigned int nq = possible_cpus(), nr = nq, i;
	long pg = sysconf(_SC_PAGESIZE);
	struct lf_uring *u;

	unsigned int depth = se->uring_depth ? se->uring_depth :
					       LF_URING_DEF_DEPTH;

	/*
	 * A thread runs its requests one after the other, and one
	 * application thread's requests all land on one queue: more than
	 * one thread per queue lets a queue's requests (readahead,
	 * write-back, deep direct I/O) run side by side, as the /dev/fuse
	 * workers do. Up to LF_URING_PER_QUEUE per queue, LF_URING_THREADS
	 * in all unless there are more queues; they split the entries, so
	 * each needs one.
	 */
	nr = nq * LF_MAX(1u, LF_MIN(LF_URING_PER_QUEUE, LF_URING_THREADS / nq));
	if (se->uring_threads)
		nr = se->uring_threads;
	nr = LF_MIN(nr, nq * depth);
	u = calloc(1, sizeof(*u) + nr * sizeof(u->rings[0]));
	if (!u)
		return NULL;
	u->se = se;
	u->nr_qids = nq;
	u->nr_rings = nr;
	u->depth = depth;
	u->page = pg > 0 ? (size_t)pg : 4096;
	u->payload_sz = payload_size(se, u->page);
	u->ent_sz = u->page + u->payload_sz;
	atomic_init(&u->refs, 1);
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	for (i = 0; i < nr; i++) {
		u->rings[i].u = u;
		u->rings[i].idx = i;
		u->rings[i].efd = -1;
	}
	return u;
}

/* Stop and join every ring thread that was started. */
static void stop_rings(struct lf_uring *u)
{
	unsigned int i;

	atomic_store(&u->stopping, true);
	for (i = 0; i < u->nr_rings; i++)
		if (u->rings[i].created && u->rings[i].efd >= 0)
			eventfd_write(u->rings[i].efd, 1);
	for (i = 0; i < u->nr_rings; i++) {
		if (!u->rings[i].created)
			continue;
		pthread_join(u->rings[i].tid, NULL);
		u->rings[i].created = false;
		drain_replies(&u->rings[i]);
	}
}

/*
 * After INIT accepted FUSE_OVER_IO_URING the kernel holds every request
 * until the ring is complete. When it cannot be, a REGISTER it must refuse
 * (a queue that does not exist) makes it give up the ring and serve
 * /dev/fuse again.
 */
static int force_fallback(struct fuse_session *se)
{
	struct fuse_uring_cmd_req *req;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iovec iov[2] = { { 0 } };
	struct io_uring io;
	int err;

	err = io_uring_queue_init(2, &io, IORING_SETUP_SQE128);
	if (err)
		return err;
	sqe = io_uring_get_sqe(&io);
	if (!sqe) {
		io_uring_queue_exit(&io);
		return -EBUSY;
	}
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = se->fd;
	sqe->cmd_op = FUSE_IO_URING_CMD_REGISTER;
	sqe->addr = (uintptr_t)iov;
	sqe->len = 2;
	req = (struct fuse_uring_cmd_req *)sqe->cmd;
	req->qid = UINT16_MAX;
	err = io_uring_submit_and_wait(&io, 1);
	if (err >= 0 && io_uring_peek_cqe(&io, &cqe) == 0) {
		err = cqe->res < 0 ? 0 : -EPROTO;
		io_uring_cqe_seen(&io, cqe);
	}
	io_uring_queue_exit(&io);
	return err < 0 ? err : 0;
}

static int start_threads(struct lf_uring *u)
{
	sigset_t all, old;
	unsigned int i, n = 0;
	int err = 0;

	/* Signals belong to the thread that runs the session loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < u->nr_rings && !err; i++) {
		err = -pthread_create(&u->rings[i].tid, NULL, ring_main,
				      &u->rings[i]);
		if (!err) {
			u->rings[i].created = true;
			n++;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&u->lock);
	while (u->reported < n)
		pthread_cond_wait(&u->cond, &u->lock);
	if (!err)
		err = u->err;
	pthread_mutex_unlock(&u->lock);
	return err;
}

int lf_uring_start(struct fuse_session *se)
{
	const struct lf_transport_ops *tr = se->tr;
	struct lf_uring *u;
	int err;

	if (se->uring)
		return -EALREADY;
	u = pool_new(se);
	if (!u) {
		err = -ENOMEM;
		goto fallback;
	}
	/* Ring requests may arrive before the last thread reports back. */
	se->tr = &lf_transport_uring;
#if !LF_ABI_314
	lf_req_payload_hook = uring_reply_buf;
#endif
	err = start_threads(u);
	if (err) {
		stop_rings(u);
		pool_put(u);
		se->tr = tr;
		goto fallback;
	}
	se->uring = u;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG,
			 "io_uring: %u rings for %u queues, depth %u, %zu-byte payloads, %zu KiB per queue\n",
			 u->nr_rings, u->nr_qids, u->depth, u->payload_sz,
			 u->depth * u->ent_sz / 1024);
	lf_uring_report(se, NULL);
	return 0;

fallback:
	if (force_fallback(se) < 0) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: io_uring could not start and the kernel cannot fall back: %s\n",
			 strerror(-err));
		end_session(se, err);
		return err;
	}
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "io_uring: start failed: %s\n",
			 strerror(-err));
	lf_uring_report(se, "start_failed");
	return err;
}

void lf_uring_stop(struct fuse_session *se)
{
	struct lf_uring *u = se->uring;

	if (!u)
		return;
	se->uring = NULL;
	stop_rings(u);
	/* Requests still with the filesystem keep the pool until they reply;
	 * se->tr stays: it sends them to the (stopped) rings, /dev/fuse
	 * requests to the device. */
	pool_put(u);
}

int lf_uring_probe(void)
{
	struct io_uring io;
	int err;

	err = io_uring_queue_init(1, &io, IORING_SETUP_SQE128);
	if (err)
		return err;
	io_uring_queue_exit(&io);
	return 0;
}

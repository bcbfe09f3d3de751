// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Open reuse (the `reuse_open` key): the kernel is told to skip OPEN and
 * RELEASE, and the library opens each regular file once, read-only, on the
 * kernel's behalf when the first request that carries a file handle
 * arrives; that handle serves every later request of the inode and is
 * released at the inode's last FORGET or when the session stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "fastpath/fastpath.h"
#include "highlevel/hl.h"
#include "mount.h"

/* How long a release at session stop may take before its handle is left
 * to the process's exit (the filesystem's workers may be gone). */
#define STOP_WAIT_SEC 5
#define MIN_BUCKETS 64

/*
 * The reply of one call the library made into the filesystem. Shared by
 * the caller, who waits, and the request, whose reply may come from any
 * thread; the last of the two frees it.
 */
struct lf_capture {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;
	bool done;
	int err;
	struct fuse_open_out out;
};

enum rstate { R_NONE, R_OPENING, R_OPEN };

/* What the library knows about one regular file the kernel holds. */
struct rnode {
	uint64_t nodeid;
	uint64_t nlookup;	/* entry replies minus FORGETs */
	uint64_t fh;		/* the filesystem's handle (R_OPEN) */
	enum rstate state;
	unsigned int round;	/* bumped when an open fails */
	int err;		/* that failure, for its waiters */
	int waiters;		/* callers waiting for the open in flight */
	struct rnode *next;
};

struct lf_reuse {
	struct fuse_session *se;
	pthread_mutex_t lock;
	pthread_cond_t opened;	/* an R_OPENING node settled */
	struct rnode **buckets;
	size_t nbuckets;
	size_t nnodes;
	size_t nhandles;
	int open_flags;		/* O_RDWR on a writable mount, else O_RDONLY */
	atomic_bool told_flags;	/* the one line about lost open flags */
};

/* ---- internal calls into the filesystem --------------------------------- */

static struct lf_capture *capture_new(void)
{
	struct lf_capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->refs = 2;		/* the caller and the request */
	return c;
}

static void capture_put(struct lf_capture *c)
{
	int refs;

	pthread_mutex_lock(&c->lock);
	refs = --c->refs;
	pthread_mutex_unlock(&c->lock);
	if (refs)
		return;
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void capture_done(struct lf_capture *c, int err,
			 const struct iovec *iov, int count)
{
	size_t have = 0;
	int i;

	pthread_mutex_lock(&c->lock);
	c->err = err;
	/* iov[0] is the out-header's slot; the payload follows */
	for (i = 1; i < count && have < sizeof(c->out); i++) {
		size_t n = LF_MIN(iov[i].iov_len, sizeof(c->out) - have);

		memcpy((char *)&c->out + have, iov[i].iov_base, n);
		have += n;
	}
	c->done = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	capture_put(c);
}

int lf_capture_reply(fuse_req_t req, int error, struct iovec *iov, int count)
{
	struct lf_capture *c = req->capture;

	req->capture = NULL;
	if (error < 0)		/* what the kernel would have refused */
		error = ERANGE;
	capture_done(c, error, iov, count);
	lf_req_free(req);
	return 0;
}

void lf_capture_drop(fuse_req_t req)
{
	struct lf_capture *c = req->capture;

	/* fuse_reply_none() to an open: no handle came back */
	req->capture = NULL;
	capture_done(c, EIO, NULL, 0);
}

/* Waits for the reply; false when @sec (0: no limit) ran out. */
static bool capture_wait(struct lf_capture *c, int sec)
{
	struct timespec ts;
	bool done;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += sec;
	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		if (!sec)
			pthread_cond_wait(&c->cond, &c->lock);
		else if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) ==
			 ETIMEDOUT)
			break;
	}
	done = c->done;
	pthread_mutex_unlock(&c->lock);
	return done;
}

/* A request the kernel never sent, whose reply comes back to @c. */
static fuse_req_t internal_req(struct fuse_session *se, uint32_t opcode,
			       const struct fuse_ctx *ctx,
			       struct lf_capture *c)
{
	fuse_req_t req = lf_req_new(se);

	if (!req)
		return NULL;
	req->opcode = opcode;
	if (ctx)
		req->ctx = *ctx;
	req->capture = c;
	return req;
}

/*
 * The filesystem's own open on behalf of the kernel: read-write on a
 * writable mount (reads and writes of every open then share it), read-only
 * otherwise or when the filesystem refuses writing (a later write through
 * that handle fails as the filesystem sees fit, typically EBADF).
 */
static int call_open_flags(struct lf_reuse *ru, const struct fuse_ctx *ctx,
			   uint64_t nodeid, int flags, uint64_t *ret_fh);

static int call_open(struct lf_reuse *ru, const struct fuse_ctx *ctx,
		     uint64_t nodeid, uint64_t *ret_fh)
{
	int err = call_open_flags(ru, ctx, nodeid, ru->open_flags, ret_fh);

	if (ru->open_flags != O_RDONLY &&
	    (err == -EACCES || err == -EPERM || err == -EROFS ||
	     err == -ETXTBSY))
		err = call_open_flags(ru, ctx, nodeid, O_RDONLY, ret_fh);
	return err;
}

static int call_open_flags(struct lf_reuse *ru, const struct fuse_ctx *ctx,
			   uint64_t nodeid, int flags, uint64_t *ret_fh)
{
	struct fuse_session *se = ru->se;
	struct fuse_file_info fi;
	struct lf_capture *c;
	fuse_req_t req;
	uint32_t lost;
	int err;

	*ret_fh = 0;
	if (!se->op.open)	/* ll_open would have answered fh 0 */
		return 0;
	c = capture_new();
	req = c ? internal_req(se, FUSE_OPEN, ctx, c) : NULL;
	if (!req) {
		free(c);
		return -ENOMEM;
	}
	lf_fi_from_open_in(&fi, (uint32_t)flags);
	se->op.open(req, nodeid, &fi);
	capture_wait(c, 0);
	err = c->err;
	*ret_fh = c->out.fh;
	/* the kernel no longer hears an open's wishes */
	lost = c->out.open_flags & (FOPEN_DIRECT_IO | FOPEN_NONSEEKABLE |
				    FOPEN_STREAM);
	capture_put(c);
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG,
			 "fastpath: reuse_open: open nodeid %llu: %s, fh %llu\n",
			 (unsigned long long)nodeid, err ? strerror(err) : "ok",
			 (unsigned long long)*ret_fh);
	if (!err && lost && !atomic_exchange(&ru->told_flags, true)) {
		fuse_log(FUSE_LOG_WARNING,
			 "fastpath: reuse_open: the filesystem's open asked for direct_io/nonseekable (0x%x), which the kernel does not see with reuse_open\n",
			 lost);
	}
	return -err;
}

/* The filesystem's release of a handle call_open() obtained. */
static void call_release(struct lf_reuse *ru, uint64_t nodeid, uint64_t fh,
			 int wait_sec)
{
	struct fuse_session *se = ru->se;
	struct fuse_file_info fi;
	struct lf_capture *c;
	fuse_req_t req;

	if (!se->op.release || !se->op.open)
		return;
	c = capture_new();
	req = c ? internal_req(se, FUSE_RELEASE, NULL, c) : NULL;
	if (!req) {
		free(c);
		return;		/* the handle lives until exit */
	}
	lf_fi_from_open_in(&fi, (uint32_t)ru->open_flags);
	fi.fh = fh;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG,
			 "fastpath: reuse_open: release nodeid %llu, fh %llu\n",
			 (unsigned long long)nodeid, (unsigned long long)fh);
	se->op.release(req, nodeid, &fi);
	if (!capture_wait(c, wait_sec))
		fuse_log(FUSE_LOG_WARNING,
			 "fastpath: reuse_open: release of inode %llu not answered in %d s\n",
			 (unsigned long long)nodeid, wait_sec);
	capture_put(c);
}

/* ---- the inode table ---------------------------------------------------- */

static size_t bucket_of(const struct lf_reuse *ru, uint64_t nodeid)
{
	/* nodeids are often pointers or counters: mix the bits */
	uint64_t h = nodeid * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (ru->nbuckets - 1);
}

static struct rnode *find(const struct lf_reuse *ru, uint64_t nodeid)
{
	struct rnode *n;

	for (n = ru->buckets[bucket_of(ru, nodeid)]; n; n = n->next)
		if (n->nodeid == nodeid)
			return n;
	return NULL;
}

/* Doubles the table; a failure only makes chains longer. */
static void grow(struct lf_reuse *ru)
{
	size_t old = ru->nbuckets, i;
	struct rnode **ob = ru->buckets, *n, *next;

	ru->buckets = calloc(old * 2, sizeof(*ru->buckets));
	if (!ru->buckets) {
		ru->buckets = ob;
		return;
	}
	ru->nbuckets = old * 2;
	for (i = 0; i < old; i++) {
		for (n = ob[i]; n; n = next) {
			size_t b = bucket_of(ru, n->nodeid);

			next = n->next;
			n->next = ru->buckets[b];
			ru->buckets[b] = n;
		}
	}
	free(ob);
}

static struct rnode *find_or_add(struct lf_reuse *ru, uint64_t nodeid)
{
	struct rnode *n = find(ru, nodeid);
	size_t b;

	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if (ru->nnodes >= ru->nbuckets)
		grow(ru);
	n->nodeid = nodeid;
	b = bucket_of(ru, nodeid);
	n->next = ru->buckets[b];
	ru->buckets[b] = n;
	ru->nnodes++;
	return n;
}

/* An open in flight, or callers about to look at its outcome. */
static bool busy(const struct rnode *n)
{
	return n->state == R_OPENING || n->waiters;
}

static void unlink_node(struct lf_reuse *ru, struct rnode *n)
{
	struct rnode **pp = &ru->buckets[bucket_of(ru, n->nodeid)];

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	n->next = NULL;
	ru->nnodes--;
	if (n->state == R_OPEN)
		ru->nhandles--;
}

/* ---- the hooks ---------------------------------------------------------- */

/* Whether a comma-separated option list holds @opt as a whole word. */
static bool has_opt(const char *list, const char *opt)
{
	size_t len = strlen(opt);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, opt, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

const char *lf_reuse_refused(struct fuse_session *se)
{
	const struct lf_fastpath *fp = se->fastpath;
	const struct lf_mount_opts *mo = se->mo;
	const char *kopts = lf_mount_opts_kernel(mo);

	if (!(se->lconn.kernel_flags & FUSE_NO_OPEN_SUPPORT))
		return "not_offered";
	if (fp->no_open)
		return "stateless_open";	/* nothing to reuse */
	if (fp->p.passthrough == FASTFUSE_ON &&
	    (se->lconn.kernel_flags & FUSE_PASSTHROUGH))
		return "passthrough";		/* needs real opens */
	/*
	 * The path API keeps opens to itself (unlinking an open file hides
	 * it as .fuse_hidden*): without OPEN it would really remove a file
	 * a process still has open. Read-only mounts cannot unlink.
	 */
	if (!(lf_mount_opts_flags(mo) & MS_RDONLY)) {
		/* writes then share the one handle: only when declared */
		if (!lf_fastpath_on(se, fp->p.reuse_writes,
				    FASTFUSE_FS_REUSABLE_OPENS))
			return "writable";
		if (se->op.open == lf_hl_open)
			return "writable_path_api";
	}
	/* the kernel no longer asks open whether the caller may: only
	 * the owner (and root) may reach the mount, or the kernel checks
	 * the mode itself */
	if (lf_mount_opts_allow_other(mo) && !se->deny_others &&
	    !(kopts && has_opt(kopts, "default_permissions")))
		return "permissions";
	return NULL;
}

struct lf_reuse *lf_reuse_new(struct fuse_session *se)
{
	struct lf_reuse *ru = calloc(1, sizeof(*ru));

	if (!ru)
		return NULL;
	ru->buckets = calloc(MIN_BUCKETS, sizeof(*ru->buckets));
	if (!ru->buckets) {
		free(ru);
		return NULL;
	}
	ru->nbuckets = MIN_BUCKETS;
	ru->se = se;
	ru->open_flags = (lf_mount_opts_flags(se->mo) & MS_RDONLY) ? O_RDONLY :
			 O_RDWR;
	pthread_mutex_init(&ru->lock, NULL);
	pthread_cond_init(&ru->opened, NULL);
	return ru;
}

void lf_reuse_entry(struct lf_reuse *ru, const struct fuse_entry_out *out)
{
	struct rnode *n;

	/* only regular files are opened through OPEN */
	if (!out->nodeid || !S_ISREG(out->attr.mode))
		return;
	pthread_mutex_lock(&ru->lock);
	n = find_or_add(ru, out->nodeid);
	/* out of memory: uncounted, the handle goes at the first FORGET,
	 * which is the eviction's whole count unless a reply was refused */
	if (n)
		n->nlookup++;
	pthread_mutex_unlock(&ru->lock);
}

/*
 * The kernel dropped @nlookup references to @nodeid. At zero it has
 * evicted the inode (no file of it is open), so its handle goes; a node
 * whose open is in flight stays (its opener owns it) until the next FORGET
 * or stop. Returns a node to release and free, or NULL.
 */
static struct rnode *forget_one(struct lf_reuse *ru, uint64_t nodeid,
				uint64_t nlookup)
{
	struct rnode *n = find(ru, nodeid);

	if (!n)
		return NULL;
	n->nlookup -= LF_MIN(n->nlookup, nlookup);
	if (n->nlookup || busy(n))
		return NULL;
	unlink_node(ru, n);
	if (n->state == R_OPEN)
		return n;
	free(n);
	return NULL;
}

static void forget(struct lf_reuse *ru, const struct lf_in *in,
		   uint32_t opcode)
{
	const struct fuse_batch_forget_in *b = in->arg;
	const struct fuse_forget_one *one;
	struct rnode *gone = NULL, *n;
	size_t i, count;

	pthread_mutex_lock(&ru->lock);
	if (opcode == FUSE_FORGET) {
		const struct fuse_forget_in *f = in->arg;

		gone = forget_one(ru, in->nodeid, f->nlookup);
		/* its next still points into the bucket it left */
		if (gone)
			gone->next = NULL;
	} else {
		/* a short batch is dropped by its handler too */
		count = (in->len - sizeof(*b)) / sizeof(*one);
		count = LF_MIN(count, (size_t)b->count);
		one = (const void *)(b + 1);
		for (i = 0; i < count; i++) {
			n = forget_one(ru, one[i].nodeid, one[i].nlookup);
			if (n) {
				n->next = gone;
				gone = n;
			}
		}
	}
	pthread_mutex_unlock(&ru->lock);
	/* before the filesystem's forget, which may free the inode */
	for (n = gone; n; n = gone) {
		gone = n->next;
		call_release(ru, n->nodeid, n->fh, 0);
		free(n);
	}
}

/*
 * The handle of @nodeid, opened now if it has none; concurrent callers
 * wait for the one open in flight and share its outcome.
 */
static int handle_of(struct lf_reuse *ru, fuse_req_t req, uint64_t nodeid,
		     uint64_t *ret_fh)
{
	struct rnode *n;
	unsigned int round;
	uint64_t fh;
	int err;

	pthread_mutex_lock(&ru->lock);
	n = find_or_add(ru, nodeid);
	while (n && n->state == R_OPENING) {
		round = n->round;
		n->waiters++;
		while (n->state == R_OPENING)
			pthread_cond_wait(&ru->opened, &ru->lock);
		n->waiters--;
		if (n->state == R_NONE && n->round != round) {
			err = n->err;
			pthread_mutex_unlock(&ru->lock);
			return err;
		}
	}
	if (!n) {
		pthread_mutex_unlock(&ru->lock);
		return -ENOMEM;
	}
	if (n->state == R_OPEN) {
		*ret_fh = n->fh;
		pthread_mutex_unlock(&ru->lock);
		return 0;
	}
	n->state = R_OPENING;
	pthread_mutex_unlock(&ru->lock);

	err = call_open(ru, &req->ctx, nodeid, &fh);

	pthread_mutex_lock(&ru->lock);
	if (err) {
		n->state = R_NONE;
		n->err = err;
		n->round++;
	} else {
		n->state = R_OPEN;
		n->fh = fh;
		ru->nhandles++;
		*ret_fh = fh;
	}
	pthread_cond_broadcast(&ru->opened);
	pthread_mutex_unlock(&ru->lock);
	return err;
}

/*
 * Where a request carries the handle of an open regular file, or NULL.
 * Directory handles come from OPENDIR, which the kernel still sends.
 * COPY_FILE_RANGE's second handle is filled by lf_reuse_request.
 */
static uint64_t *fh_field(uint32_t opcode, const struct lf_in *in)
{
	void *arg = (void *)in->arg;

	switch (opcode) {
	case FUSE_READ:
		return &((struct fuse_read_in *)arg)->fh;
	case FUSE_WRITE:
		return &((struct fuse_write_in *)arg)->fh;
	case FUSE_FALLOCATE:
		return &((struct fuse_fallocate_in *)arg)->fh;
	case FUSE_SETATTR: {
		struct fuse_setattr_in *sa = arg;

		return (sa->valid & FATTR_FH) ? &sa->fh : NULL;
	}
	case FUSE_LSEEK:
		return &((struct fuse_lseek_in *)arg)->fh;
	case FUSE_FLUSH:
		return &((struct fuse_flush_in *)arg)->fh;
	case FUSE_FSYNC:
		return &((struct fuse_fsync_in *)arg)->fh;
	case FUSE_GETLK: case FUSE_SETLK: case FUSE_SETLKW:
		return &((struct fuse_lk_in *)arg)->fh;
	case FUSE_POLL:
		return &((struct fuse_poll_in *)arg)->fh;
	case FUSE_COPY_FILE_RANGE: case FUSE_COPY_FILE_RANGE_64:
		return &((struct fuse_copy_file_range_in *)arg)->fh_in;
	case FUSE_IOCTL: {
		struct fuse_ioctl_in *io = arg;

		return (io->flags & FUSE_IOCTL_DIR) ? NULL : &io->fh;
	}
	case FUSE_GETATTR: {
		struct fuse_getattr_in *ga = arg;

		/* before 7.9 GETATTR had no argument */
		if (in->len < sizeof(*ga) ||
		    !(ga->getattr_flags & FUSE_GETATTR_FH))
			return NULL;
		return &ga->fh;
	}
	case FUSE_STATX: {
		struct fuse_statx_in *sx = arg;

		return (sx->getattr_flags & FUSE_GETATTR_FH) ? &sx->fh : NULL;
	}
	}
	return NULL;
}

/* COPY_FILE_RANGE names a second file: its handle too. */
static bool copy_out_handle(struct lf_reuse *ru, fuse_req_t req,
			    const struct lf_in *in)
{
	struct fuse_copy_file_range_in *cr = (void *)in->arg;
	uint64_t got = 0;
	int err;

	if ((req->opcode != FUSE_COPY_FILE_RANGE &&
	     req->opcode != FUSE_COPY_FILE_RANGE_64) || cr->fh_out)
		return false;
	err = handle_of(ru, req, cr->nodeid_out, &got);
	if (err) {
		fuse_reply_err(req, -err);
		return true;
	}
	cr->fh_out = got;
	return false;
}

bool lf_reuse_request(struct lf_reuse *ru, fuse_req_t req,
		      const struct lf_in *in)
{
	uint64_t *fh, got = 0;
	int err;

	switch (req->opcode) {
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
		forget(ru, in, req->opcode);
		return false;
	case FUSE_DESTROY:
		/* the filesystem's destroy comes next */
		lf_reuse_release_all(ru, 0);
		return false;
	}
	fh = fh_field(req->opcode, in);
	/* a handle the kernel has (from CREATE on a writable mount) stays */
	if (!fh || *fh)
		goto second;
	/* a close that is answered without the filesystem needs no handle */
	if (req->opcode == FUSE_FLUSH &&
	    (req->se->fastpath->noflush || !req->se->op.flush))
		return false;
	err = handle_of(ru, req, in->nodeid, &got);
	if (err) {
		fuse_reply_err(req, -err);
		return true;
	}
	/*
	 * The handler reads the handle from the request as if the kernel had
	 * sent it: every opcode's decoder stays as it is. The buffer is the
	 * library's (or the application's receive buffer), never the kernel's.
	 */
	*fh = got;
second:
	return copy_out_handle(ru, req, in);
}

void lf_reuse_release_all(struct lf_reuse *ru, int wait_sec)
{
	struct rnode *gone = NULL, *n, *next;
	size_t i;

	pthread_mutex_lock(&ru->lock);
	for (i = 0; i < ru->nbuckets; i++) {
		for (n = ru->buckets[i]; n; n = next) {
			next = n->next;
			if (busy(n))
				continue;	/* its opener still runs */
			unlink_node(ru, n);
			if (n->state == R_OPEN) {
				n->next = gone;
				gone = n;
			} else {
				free(n);
			}
		}
	}
	pthread_mutex_unlock(&ru->lock);
	for (n = gone; n; n = gone) {
		gone = n->next;
		call_release(ru, n->nodeid, n->fh, wait_sec);
		free(n);
	}
}

void lf_reuse_free(struct lf_reuse *ru)
{
	if (!ru)
		return;
	lf_reuse_release_all(ru, STOP_WAIT_SEC);
	/* what is left is an open still in flight, whose thread will come
	 * back to the table: it is left to the process's exit */
	if (ru->nnodes) {
		fuse_log(FUSE_LOG_WARNING,
			 "fastpath: reuse_open: %zu opens still in flight at stop\n",
			 ru->nnodes);
		return;
	}
	free(ru->buckets);
	pthread_mutex_destroy(&ru->lock);
	pthread_cond_destroy(&ru->opened);
	free(ru);
}

void lf_reuse_counts(struct lf_reuse *ru, size_t *ret_nodes,
		     size_t *ret_handles)
{
	pthread_mutex_lock(&ru->lock);
	*ret_nodes = ru->nnodes;
	*ret_handles = ru->nhandles;
	pthread_mutex_unlock(&ru->lock);
}

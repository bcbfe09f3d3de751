// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The `passthrough` policy key: on an OPEN/CREATE reply of a filesystem
 * that keeps a file descriptor in fi->fh and did not set passthrough up
 * itself, the library registers that fd as the inode's backing file, so
 * reads and writes no longer reach the daemon. One backing id per inode,
 * shared by its opens and closed at the last RELEASE (the kernel refuses
 * two different backing files on one inode). Works for both ABIs: the id
 * lives here, not in the 3.14 fuse_file_info.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fastpath/fastpath.h"
#include "ll/ll.h"

#define PASS_BUCKETS 1024u
/* The only open flags the kernel accepts along with FOPEN_PASSTHROUGH. */
#define PASS_FLAGS (FOPEN_PASSTHROUGH | FOPEN_DIRECT_IO | \
		    FOPEN_PARALLEL_DIRECT_WRITES | FOPEN_NOFLUSH)

/* An inode in passthrough mode: its backing id and how many opens use it. */
struct pinode {
	uint64_t nodeid;
	int id;
	unsigned int opens;
	struct pinode *next;
};

/* An open we passed through, found again by RELEASE's fh. */
struct popen {
	uint64_t fh;
	uint64_t nodeid;
	struct popen *next;
};

enum pass_reason {
	R_DIRECT_IO, R_OPEN_FLAGS, R_NO_MEMORY, R_BAD_FD, R_NOT_REGULAR, R_O_PATH,
	R_ACCESS, R_BACKING_OPEN, R_NR
};

static const char *const reason_names[R_NR] = {
	"direct_io", "open_flags", "no_memory", "bad_fd", "not_regular", "o_path",
	"access_mode", "backing_open_failed",
};

struct lf_pass {
	struct fuse_session *se;
	pthread_mutex_t lock;
	unsigned int noted;		/* reasons already logged */
	struct pinode *inodes[PASS_BUCKETS];
	struct popen *opens[PASS_BUCKETS];
};

static unsigned int bucket(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (unsigned int)(v & (PASS_BUCKETS - 1));
}

struct lf_pass *lf_pass_new(struct fuse_session *se)
{
	struct lf_pass *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	ps->se = se;
	pthread_mutex_init(&ps->lock, NULL);
	return ps;
}

/* Every backing id still registered goes back before /dev/fuse closes. */
void lf_pass_free(struct fuse_session *se, struct lf_pass *ps)
{
	unsigned int b;

	if (!ps)
		return;
	for (b = 0; b < PASS_BUCKETS; b++) {
		while (ps->inodes[b]) {
			struct pinode *pi = ps->inodes[b];

			ps->inodes[b] = pi->next;
			lf_backing_close(se, pi->id);
			free(pi);
		}
		while (ps->opens[b]) {
			struct popen *po = ps->opens[b];

			ps->opens[b] = po->next;
			free(po);
		}
	}
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

/* One line per reason for the mount's life: the first failure explains
 * the rest, which would only repeat it. */
static void note(struct lf_pass *ps, enum pass_reason r, int err)
{
	unsigned int bit = 1u << r;

	pthread_mutex_lock(&ps->lock);
	if (ps->noted & bit) {
		pthread_mutex_unlock(&ps->lock);
		return;
	}
	ps->noted |= bit;
	pthread_mutex_unlock(&ps->lock);
	if (err)
		fuse_log(FUSE_LOG_INFO, "fastpath: passthrough=off:%s:%s\n",
			 reason_names[r], strerror(err));
	else
		fuse_log(FUSE_LOG_INFO, "fastpath: passthrough=off:%s\n",
			 reason_names[r]);
}

/* Whether fd is a regular file open for what the kernel's open asked. */
static int check_fd(uint64_t fh, uint32_t flags, enum pass_reason *ret_r)
{
	int fd, fl, acc = (int)(flags & O_ACCMODE), fm;
	struct stat st;

	if (fh > INT_MAX) {
		*ret_r = R_BAD_FD;
		return -EBADF;
	}
	fd = (int)fh;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0) {
		*ret_r = R_BAD_FD;
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		*ret_r = R_NOT_REGULAR;
		return -EINVAL;
	}
	/* an O_PATH descriptor has no read/write to pass through to */
	if (fl & O_PATH) {
		*ret_r = R_O_PATH;
		return -EINVAL;
	}
	fm = fl & O_ACCMODE;
	if ((acc != O_WRONLY && fm == O_WRONLY) ||
	    (acc != O_RDONLY && fm == O_RDONLY)) {
		*ret_r = R_ACCESS;
		return -EACCES;
	}
	return fd;
}

static struct pinode *find_inode(struct lf_pass *ps, uint64_t nodeid)
{
	struct pinode *pi;

	for (pi = ps->inodes[bucket(nodeid)]; pi; pi = pi->next)
		if (pi->nodeid == nodeid)
			return pi;
	return NULL;
}

/* Under ps->lock: the inode's backing id, registering fd for a new one. */
static int inode_get(struct lf_pass *ps, uint64_t nodeid, int fd,
		     struct popen *po)
{
	struct pinode *pi = find_inode(ps, nodeid);
	unsigned int b = bucket(nodeid);
	int id;

	if (!pi) {
		pi = calloc(1, sizeof(*pi));
		if (!pi)
			return -ENOMEM;
		id = lf_backing_open(ps->se, fd);
		if (id < 0) {
			free(pi);
			return id;
		}
		pi->nodeid = nodeid;
		pi->id = id;
		pi->next = ps->inodes[b];
		ps->inodes[b] = pi;
	}
	pi->opens++;
	b = bucket(po->fh);
	po->next = ps->opens[b];
	ps->opens[b] = po;
	return pi->id;
}

void lf_pass_open_out(struct lf_pass *ps, fuse_req_t req,
		      struct fuse_open_out *out)
{
	const struct lf_fpreq *r = req->fp;
	enum pass_reason why = R_NO_MEMORY;
	struct popen *po;
	int fd, id;

	/* the filesystem set passthrough up itself (3.17+ API) */
	if (out->open_flags & FOPEN_PASSTHROUGH)
		return;
	if (out->open_flags & FOPEN_DIRECT_IO) {
		note(ps, R_DIRECT_IO, 0);
		return;
	}
	/* passthrough I/O bypasses the page cache keep_cache would keep;
	 * other flags (nonseekable, stream) the filesystem needs */
	if (out->open_flags & ~(uint32_t)(PASS_FLAGS | FOPEN_KEEP_CACHE)) {
		note(ps, R_OPEN_FLAGS, 0);
		return;
	}
	if (!r) {
		note(ps, R_NO_MEMORY, 0);
		return;
	}
	fd = check_fd(out->fh, r->flags, &why);
	if (fd < 0) {
		note(ps, why, why == R_BAD_FD ? -fd : 0);
		return;
	}
	po = calloc(1, sizeof(*po));
	if (!po) {
		note(ps, R_NO_MEMORY, 0);
		return;
	}
	po->fh = out->fh;
	po->nodeid = r->nodeid;
	pthread_mutex_lock(&ps->lock);
	id = inode_get(ps, r->nodeid, fd, po);
	pthread_mutex_unlock(&ps->lock);
	if (id < 0) {
		free(po);
		note(ps, id == -ENOMEM ? R_NO_MEMORY : R_BACKING_OPEN, -id);
		return;
	}
	out->open_flags &= ~(uint32_t)FOPEN_KEEP_CACHE;
	out->open_flags |= FOPEN_PASSTHROUGH;
	out->backing_id = id;
}

/* Under ps->lock: one open of the inode gone; the last closes the id. */
static void inode_put(struct lf_pass *ps, uint64_t nodeid)
{
	struct pinode **pp, *pi;

	for (pp = &ps->inodes[bucket(nodeid)]; (pi = *pp); pp = &pi->next) {
		if (pi->nodeid != nodeid)
			continue;
		if (--pi->opens)
			return;
		*pp = pi->next;
		/* the kernel keeps its own reference for files still open */
		lf_backing_close(ps->se, pi->id);
		free(pi);
		return;
	}
}

void lf_pass_release(struct lf_pass *ps, fuse_req_t req, uint64_t nodeid,
		     uint64_t fh)
{
	struct popen **pp, *po;

	(void)req;
	pthread_mutex_lock(&ps->lock);
	for (pp = &ps->opens[bucket(fh)]; (po = *pp); pp = &po->next) {
		if (po->fh == fh && po->nodeid == nodeid) {
			*pp = po->next;
			inode_put(ps, nodeid);
			free(po);
			break;
		}
	}
	pthread_mutex_unlock(&ps->lock);
}

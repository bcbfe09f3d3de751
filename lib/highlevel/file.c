// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The path API's operations on open files: create/open (direct_io,
 * keep_cache, auto_cache), read/write, flush/release (hidden files go at
 * the last release), the POSIX lock list libfuse keeps beside the
 * filesystem's lock handler (conflicts answered in request order, see
 * order.c), and the remaining per-inode calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "hl.h"
#include "log.h"

#define OFFSET_MAX 0x7fffffffffffffffLL

/* ---- open files ------------------------------------------------------------------- */

static void free_bufvec(struct fuse_bufvec *buf)
{
	size_t i;

	if (!buf)
		return;
	for (i = 0; i < buf->count; i++)
		if (!(buf->buf[i].flags & FUSE_BUF_IS_FD))
			free(buf->buf[i].mem);
	free(buf);
}

void lf_hl_do_release(struct fuse *f, fuse_ino_t ino, const char *path,
		       struct fuse_file_info *fi)
{
	struct lf_node *node;
	bool unlink_hidden = false;

	fuse_fs_release(f->fs, path, fi);
	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	if (node && node->open_count > 0)
		node->open_count--;
	if (node && (node->flags & LF_NODE_HIDDEN) && !node->open_count) {
		unlink_hidden = true;
		node->flags &= ~LF_NODE_HIDDEN;
	}
	pthread_mutex_unlock(&f->lock);
	if (!unlink_hidden)
		return;
	if (path) {
		fuse_fs_unlink(f->fs, path);
	} else if (f->conf.nullpath_ok) {
		struct lf_path p;

		if (lf_hl_get_path(f, &p, ino) == 0) {
			fuse_fs_unlink(f->fs, p.path);
			lf_hl_put_path(f, &p);
		}
	}
}

void lf_hl_open_count_inc(struct fuse *f, fuse_ino_t ino)
{
	struct lf_node *node;

	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	if (node)
		node->open_count++;
	pthread_mutex_unlock(&f->lock);
}

/* Reply bits forced by the configuration, as libfuse applies them. */
void lf_hl_open_flags(struct fuse *f, struct fuse_file_info *fi)
{
	if (f->conf.direct_io)
		fi->direct_io = 1;
	if (f->conf.kernel_cache)
		fi->keep_cache = 1;
#if !LF_ABI_314
	if (fi->direct_io && f->conf.parallel_direct_writes)
		fi->parallel_direct_writes = 1;
#endif
	if (f->conf.no_rofd_flush && (fi->flags & O_ACCMODE) == O_RDONLY)
		fi->noflush = 1;
}

void lf_hl_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_entry_param e;
	struct lf_path p;
	struct lf_intr in;
	int err;

	memset(&e, 0, sizeof(e));
	err = lf_hl_get_path_common(f, &p, parent, name, false);
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	lf_hl_intr_begin(f, req, &in);
	err = fuse_fs_create(f->fs, p.path, mode, fi);
	if (!err) {
		err = lf_hl_lookup_path(f, parent, name, p.path, &e, fi);
		if (err) {
			fuse_fs_release(f->fs, p.path, fi);
		} else if (!S_ISREG(e.attr.st_mode)) {
			err = -EIO;
			fuse_fs_release(f->fs, p.path, fi);
			lf_hl_forget_node(f, e.ino, 1);
		} else {
			lf_hl_open_flags(f, fi);
		}
	}
	lf_hl_intr_end(f, req, &in);
	if (!err) {
		lf_hl_open_count_inc(f, e.ino);
		/* the open was interrupted: undo it */
		if (fuse_reply_create(req, &e, fi) == -ENOENT) {
			lf_hl_do_release(f, e.ino, p.path, fi);
			lf_hl_forget_node(f, e.ino, 1);
		}
	} else {
		lf_hl_reply_err(req, err);
	}
	lf_hl_put_path(f, &p);
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

static void open_auto_cache(struct fuse *f, fuse_ino_t ino, const char *path,
			    struct fuse_file_info *fi)
{
	struct lf_node *node;
	struct lf_node_ext *x;

	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	x = node ? lf_node_ext(&f->nodes, node, true) : NULL;
	if (x && x->cache_valid) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_diff(&now, &x->stat_updated) > f->conf.ac_attr_timeout) {
			struct stat st;
			int err;

			pthread_mutex_unlock(&f->lock);
			memset(&st, 0, sizeof(st));
			err = fuse_fs_getattr(f->fs, path, &st, fi);
			pthread_mutex_lock(&f->lock);
			/* the path lock keeps node and its extras alive */
			x = lf_node_ext(&f->nodes, node, true);
			if (x && !err)
				lf_hl_update_stat(f, node, &st);
			else if (x)
				x->cache_valid = false;
		}
	}
	if (x) {
		if (x->cache_valid)
			fi->keep_cache = 1;
		x->cache_valid = true;
	}
	pthread_mutex_unlock(&f->lock);
}

void lf_hl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	struct lf_intr in;
	int err;

	err = lf_hl_get_path(f, &p, ino);
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	lf_hl_intr_begin(f, req, &in);
	err = fuse_fs_open(f->fs, p.path, fi);
	if (!err) {
		lf_hl_open_flags(f, fi);
		if (f->conf.auto_cache)
			open_auto_cache(f, ino, p.path, fi);
	}
	lf_hl_intr_end(f, req, &in);
	if (!err) {
		lf_hl_open_count_inc(f, ino);
		if (fuse_reply_open(req, fi) == -ENOENT)
			lf_hl_do_release(f, ino, p.path, fi);
	} else {
		lf_hl_reply_err(req, err);
	}
	lf_hl_put_path(f, &p);
}

void lf_hl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_bufvec *buf = NULL;
	struct lf_path p;
	int res;

	res = lf_hl_get_path_nullok(f, &p, ino);
	if (!res)
		LF_HL_WITH_PATH(f, req, &p, res,
				fuse_fs_read_buf(f->fs, p.path, &buf, size,
						 off, fi));
	if (!res && buf)
		fuse_reply_data(req, buf, FUSE_BUF_SPLICE_MOVE);
	else if (!res)
		fuse_reply_buf(req, NULL, 0);
	else
		lf_hl_reply_err(req, res);
	free_bufvec(buf);
}

void lf_hl_write_buf(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_bufvec *buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int res;

	res = lf_hl_get_path_nullok(f, &p, ino);
	if (!res)
		LF_HL_WITH_PATH(f, req, &p, res,
				fuse_fs_write_buf(f->fs, p.path, buf, off, fi));
	if (res >= 0)
		fuse_reply_write(req, res);
	else
		lf_hl_reply_err(req, res);
}

void lf_hl_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	err = lf_hl_get_path_nullok(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_fsync(f->fs, p.path, datasync, fi));
	lf_hl_reply_err(req, err);
}

/* ---- POSIX lock bookkeeping --------------------------------------------------------- */

static off_t plus_one(off_t v)
{
	return v == OFFSET_MAX ? v : v + 1;
}

static struct lf_lock *locks_conflict(struct lf_node_ext *x,
				      const struct lf_lock *lk)
{
	struct lf_lock *l;

	for (l = x ? x->locks : NULL; l; l = l->next)
		if (l->owner != lk->owner && lk->start <= l->end &&
		    l->start <= lk->end &&
		    (l->type == F_WRLCK || lk->type == F_WRLCK))
			return l;
	return NULL;
}

/*
 * Record lk (F_UNLCK removes) for its owner: same-type neighbours merge,
 * other-type overlaps are cut back or split. Both spare records are
 * allocated first so a change is never half done.
 */
static int locks_insert(struct lf_node_ext *x, const struct lf_lock *lk)
{
	struct lf_lock cur = *lk, *spare1 = NULL, *spare2 = NULL;
	struct lf_lock **lp = &x->locks, *l;

	if (cur.type != F_UNLCK || cur.start != 0 || cur.end != OFFSET_MAX) {
		spare1 = malloc(sizeof(*spare1));
		spare2 = malloc(sizeof(*spare2));
		if (!spare1 || !spare2) {
			free(spare1);
			free(spare2);
			return -ENOLCK;
		}
	}
	while ((l = *lp)) {
		if (l->owner != cur.owner) {
			lp = &l->next;
		} else if (l->type == cur.type) {
			if (l->start > plus_one(cur.end) ||
			    cur.start > plus_one(l->end)) {
				lp = &l->next;
				continue;
			}
			cur.start = LF_MIN(cur.start, l->start);
			cur.end = LF_MAX(cur.end, l->end);
			*lp = l->next;
			free(l);
		} else if (l->end < cur.start || cur.end < l->start) {
			lp = &l->next;
		} else if (cur.start <= l->start && l->end <= cur.end) {
			*lp = l->next;
			free(l);
		} else if (l->start < cur.start && cur.end < l->end) {
			*spare2 = *l;
			spare2->start = cur.end + 1;
			l->end = cur.start - 1;
			spare2->next = l->next;
			l->next = spare2;
			spare2 = NULL;
			lp = &l->next->next;
		} else {
			if (l->start < cur.start)
				l->end = cur.start - 1;
			else
				l->start = cur.end + 1;
			lp = &l->next;
		}
	}
	if (cur.type != F_UNLCK) {
		*spare1 = cur;
		spare1->next = x->locks;
		x->locks = spare1;
		spare1 = NULL;
	}
	free(spare1);
	free(spare2);
	return 0;
}

static void flock_to_lock(const struct flock *fl, struct lf_lock *lk)
{
	memset(lk, 0, sizeof(*lk));
	lk->type = fl->l_type;
	lk->start = fl->l_start;
	lk->end = fl->l_len ? fl->l_start + fl->l_len - 1 : OFFSET_MAX;
	lk->pid = fl->l_pid;
}

static void lock_to_flock(const struct lf_lock *lk, struct flock *fl)
{
	fl->l_type = (short)lk->type;
	fl->l_start = lk->start;
	fl->l_len = lk->end == OFFSET_MAX ? 0 : lk->end - lk->start + 1;
	fl->l_pid = lk->pid;
}

static void record_lock(struct fuse *f, fuse_ino_t ino, struct lf_lock *lk)
{
	struct lf_node *node;
	struct lf_node_ext *x;

	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	x = node ? lf_node_ext(&f->nodes, node,
			       lk->type != F_UNLCK) : NULL;
	if (x)
		locks_insert(x, lk);
	pthread_mutex_unlock(&f->lock);
}

/*
 * The open file @fh is gone: the locks taken through it go too. The
 * kernel never names an OFD lock's owner on close, only this RELEASE;
 * POSIX owners that used @fh have flushed theirs already.
 */
static void drop_fh_locks(struct fuse *f, fuse_ino_t ino, uint64_t fh)
{
	struct lf_lock **lp, *l;
	struct lf_node *node;
	struct lf_node_ext *x;

	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	x = node ? lf_node_ext(&f->nodes, node, false) : NULL;
	for (lp = x ? &x->locks : NULL; lp && (l = *lp);) {
		if (l->fh == fh) {
			*lp = l->next;
			free(l);
		} else {
			lp = &l->next;
		}
	}
	pthread_mutex_unlock(&f->lock);
}

static int flush_common(struct fuse *f, fuse_req_t req, fuse_ino_t ino,
			const char *path, struct fuse_file_info *fi)
{
	struct flock fl;
	struct lf_lock lk;
	struct lf_intr in;
	int err, errlock;

	lf_hl_intr_begin(f, req, &in);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	err = fuse_fs_flush(f->fs, path, fi);
	errlock = fuse_fs_lock(f->fs, path, fi, F_SETLK, &fl);
	lf_hl_intr_end(f, req, &in);
	if (errlock != -ENOSYS) {
		flock_to_lock(&fl, &lk);
		lk.owner = fi->lock_owner;
		record_lock(f, ino, &lk);
		/* with a lock handler FLUSH is needed even without flush */
		if (err == -ENOSYS)
			err = 0;
	}
	return err;
}

void lf_hl_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	lf_hl_get_path_nullok(f, &p, ino);
	err = flush_common(f, req, ino, p.path, fi);
	lf_hl_put_path(f, &p);
	lf_hl_reply_err(req, err);
}

void lf_hl_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	/* done for lock answers only once the locks are gone (order.c) */
	struct fuse *f = lf_hl_prepare_release(req);
	struct lf_path p;
	struct lf_intr in;
	int err = 0;

	lf_hl_get_path_nullok(f, &p, ino);
	if (fi->flush) {
		err = flush_common(f, req, ino, p.path, fi);
		if (err == -ENOSYS)
			err = 0;
	}
	lf_hl_intr_begin(f, req, &in);
	lf_hl_do_release(f, ino, p.path, fi);
	lf_hl_intr_end(f, req, &in);
	lf_hl_put_path(f, &p);
	drop_fh_locks(f, ino, fi->fh);
	lf_hl_order_done(f, req);
	lf_hl_reply_err(req, err);
}

static int lock_common(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi, struct flock *fl, int cmd)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	err = lf_hl_get_path_nullok(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_lock(f->fs, p.path, fi, cmd, fl));
	return err;
}

static int getlk_once(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi, struct flock *fl)
{
	struct fuse *f = fuse_req_userdata(req);
	struct lf_lock lk, *conflict = NULL;
	struct lf_node *node;

	flock_to_lock(fl, &lk);
	lk.owner = fi->lock_owner;
	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	if (node)
		conflict = locks_conflict(lf_node_ext(&f->nodes, node, false),
					  &lk);
	if (conflict)
		lock_to_flock(conflict, fl);
	pthread_mutex_unlock(&f->lock);
	return conflict ? 0 : lock_common(req, ino, fi, fl, F_GETLK);
}

void lf_hl_getlk(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, struct flock *fl)
{
	struct fuse *f = fuse_req_userdata(req);
	struct flock query = *fl;
	int err;

	lf_hl_order_done(f, req);
	err = getlk_once(req, ino, fi, fl);
	/* a conflict may be a closed description's: ask again after it */
	if (!err && fl->l_type != F_UNLCK && lf_hl_order_wait(f, req)) {
		*fl = query;
		err = getlk_once(req, ino, fi, fl);
	}
	if (!err)
		fuse_reply_lock(req, fl);
	else
		lf_hl_reply_err(req, err);
}

void lf_hl_setlk(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, struct flock *fl, int sleep)
{
	struct fuse *f = fuse_req_userdata(req);
	struct flock want = *fl;
	int err;

	lf_hl_order_done(f, req);
	err = lock_common(req, ino, fi, fl, sleep ? F_SETLKW : F_SETLK);
	/* the holder may be a closed description whose RELEASE still runs */
	if ((err == -EAGAIN || err == -EACCES) && !sleep &&
	    lf_hl_order_wait(f, req)) {
		*fl = want;
		err = lock_common(req, ino, fi, fl, F_SETLK);
	}
	if (!err) {
		struct lf_lock lk;

		flock_to_lock(fl, &lk);
		lk.owner = fi->lock_owner;
		lk.fh = fi->fh;
		record_lock(f, ino, &lk);
	}
	lf_hl_reply_err(req, err);
}

void lf_hl_flock(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi, int op)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	struct lf_intr in;
	int err;

	err = lf_hl_get_path_nullok(f, &p, ino);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		err = fuse_fs_flock(f->fs, p.path, fi, op);
		/* as for setlk: the holder may be closed, its RELEASE running */
		if (err == -EWOULDBLOCK && (op & LOCK_NB) &&
		    lf_hl_order_wait(f, req))
			err = fuse_fs_flock(f->fs, p.path, fi, op);
		lf_hl_intr_end(f, req, &in);
		lf_hl_put_path(f, &p);
	}
	lf_hl_reply_err(req, err);
}

/* ---- the rest ---------------------------------------------------------------------- */

void lf_hl_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse *f = lf_hl_prepare(req);
	struct statvfs buf;
	struct lf_path p;
	int err = 0;

	memset(&buf, 0, sizeof(buf));
	memset(&p, 0, sizeof(p));
	if (ino)
		err = lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_statfs(f->fs, p.path ? p.path : "/",
					       &buf));
	if (err)
		lf_hl_reply_err(req, err);
	else
		fuse_reply_statfs(req, &buf);
}

void lf_hl_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	err = lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_setxattr(f->fs, p.path, name, value,
						 size, flags));
	lf_hl_reply_err(req, err);
}

/* getxattr and listxattr: size 0 asks for the length only. */
static void xattr_reply(fuse_req_t req, int res, const char *buf, size_t size)
{
	if (size && res > 0)
		fuse_reply_buf(req, buf, (size_t)res);
	else if (!size && res >= 0)
		fuse_reply_xattr(req, (size_t)res);
	else
		lf_hl_reply_err(req, res);
}

void lf_hl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct fuse *f = lf_hl_prepare(req);
	char *value = NULL;
	struct lf_path p;
	int res;

	if (size && !(value = malloc(size))) {
		lf_hl_reply_err(req, -ENOMEM);
		return;
	}
	res = lf_hl_get_path(f, &p, ino);
	if (!res)
		LF_HL_WITH_PATH(f, req, &p, res,
				fuse_fs_getxattr(f->fs, p.path, name, value,
						 size));
	xattr_reply(req, res, value, size);
	free(value);
}

void lf_hl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fuse *f = lf_hl_prepare(req);
	char *list = NULL;
	struct lf_path p;
	int res;

	if (size && !(list = malloc(size))) {
		lf_hl_reply_err(req, -ENOMEM);
		return;
	}
	res = lf_hl_get_path(f, &p, ino);
	if (!res)
		LF_HL_WITH_PATH(f, req, &p, res,
				fuse_fs_listxattr(f->fs, p.path, list, size));
	xattr_reply(req, res, list, size);
	free(list);
}

void lf_hl_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	err = lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_removexattr(f->fs, p.path, name));
	lf_hl_reply_err(req, err);
}

void lf_hl_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize,
		    uint64_t idx)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	err = lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_bmap(f->fs, p.path, blocksize, &idx));
	if (err)
		lf_hl_reply_err(req, err);
	else
		fuse_reply_bmap(req, idx);
}

void lf_hl_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		     void *arg, struct fuse_file_info *llfi, unsigned int flags,
		     const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_file_info fi;
	char *out_buf = NULL;
	struct lf_path p;
	struct lf_intr in;
	int err;

	if (flags & FUSE_IOCTL_UNRESTRICTED) {
		lf_hl_reply_err(req, -EPERM);
		return;
	}
	if (flags & FUSE_IOCTL_DIR)
		lf_hl_dir_fi(llfi, &fi);
	else
		fi = *llfi;
	if (out_bufsz) {
		out_buf = malloc(out_bufsz);
		if (!out_buf) {
			lf_hl_reply_err(req, -ENOMEM);
			return;
		}
		if (in_bufsz)
			memcpy(out_buf, in_buf, LF_MIN(in_bufsz, out_bufsz));
	}
	err = lf_hl_get_path_nullok(f, &p, ino);
	if (err) {
		lf_hl_reply_err(req, err);
		free(out_buf);
		return;
	}
	lf_hl_intr_begin(f, req, &in);
	err = fuse_fs_ioctl(f->fs, p.path, cmd, arg, &fi, flags,
			    out_buf ? out_buf : (void *)in_buf);
	lf_hl_intr_end(f, req, &in);
	lf_hl_put_path(f, &p);
	fuse_reply_ioctl(req, err, out_buf, out_bufsz);
	free(out_buf);
}

void lf_hl_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct fuse *f = lf_hl_prepare(req);
	unsigned int revents = 0;
	struct lf_path p;
	struct lf_intr in;
	int err;

	err = lf_hl_get_path_nullok(f, &p, ino);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		err = fuse_fs_poll(f->fs, p.path, fi, ph, &revents);
		lf_hl_intr_end(f, req, &in);
		lf_hl_put_path(f, &p);
	} else if (ph) {
		/* the filesystem never saw the handle */
		fuse_pollhandle_destroy(ph);
	}
	if (err)
		lf_hl_reply_err(req, err);
	else
		fuse_reply_poll(req, revents);
}

void lf_hl_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			 off_t offset, off_t length, struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	err = lf_hl_get_path_nullok(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_fallocate(f->fs, p.path, mode, offset,
						  length, fi));
	lf_hl_reply_err(req, err);
}

void lf_hl_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
			       off_t off_in, struct fuse_file_info *fi_in,
			       fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len,
			       int flags)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path pin, pout;
	struct lf_intr in;
	ssize_t res;
	int err;

	err = lf_hl_get_path_nullok(f, &pin, ino_in);
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	err = lf_hl_get_path_nullok(f, &pout, ino_out);
	if (err) {
		lf_hl_put_path(f, &pin);
		lf_hl_reply_err(req, err);
		return;
	}
	lf_hl_intr_begin(f, req, &in);
	res = fuse_fs_copy_file_range(f->fs, pin.path, fi_in, off_in,
				      pout.path, fi_out, off_out, len, flags);
	lf_hl_intr_end(f, req, &in);
	if (res >= 0)
		fuse_reply_write(req, (size_t)res);
	else
		lf_hl_reply_err(req, (int)res);
	lf_hl_put_path(f, &pin);
	lf_hl_put_path(f, &pout);
}

void lf_hl_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	struct lf_intr in;
	off_t res;
	int err;

	err = lf_hl_get_path(f, &p, ino);
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	lf_hl_intr_begin(f, req, &in);
	res = fuse_fs_lseek(f->fs, p.path, off, whence, fi);
	lf_hl_intr_end(f, req, &in);
	lf_hl_put_path(f, &p);
	if (res >= 0)
		fuse_reply_lseek(req, res);
	else
		lf_hl_reply_err(req, (int)res);
}

#if !LF_ABI_314
void lf_hl_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct statx stx;
	struct lf_path p;
	struct lf_node *node;
	int err;

	memset(&stx, 0, sizeof(stx));
	err = fi ? lf_hl_get_path_nullok(f, &p, ino) : lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_statx(f->fs, p.path, flags, mask, &stx,
					      fi));
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	if (node && (node->flags & LF_NODE_HIDDEN) && stx.stx_nlink > 0)
		stx.stx_nlink--;
	pthread_mutex_unlock(&f->lock);
	if (!f->conf.use_ino)
		stx.stx_ino = ino;
	if (f->conf.set_mode) {
		mode_t m = f->conf.umask;

		if (f->conf.dmask && S_ISDIR(stx.stx_mode))
			m = f->conf.dmask;
		else if (f->conf.fmask && !S_ISDIR(stx.stx_mode))
			m = f->conf.fmask;
		stx.stx_mode = (uint16_t)((stx.stx_mode & S_IFMT) |
					  (0777 & ~m));
	}
	if (f->conf.set_uid)
		stx.stx_uid = f->conf.uid;
	if (f->conf.set_gid)
		stx.stx_gid = f->conf.gid;
	fuse_reply_statx(req, 0, &stx, f->conf.attr_timeout);
}
#endif


// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The lowlevel operations of a path filesystem that work on names: each
 * inode request is turned into paths (path.c), handed to the top layer
 * through the fuse_fs_* calls, its result recorded in the node table
 * (node.c) and answered. Also the request context, interrupts, hidden
 * files and the op table (open files: file.c, directories: dir.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hl.h"
#include "log.h"

/* ---- per-thread request context ------------------------------------------ */

struct lf_tls {
	struct fuse_context ctx;
	fuse_req_t req;
};

static __thread struct lf_tls tls;

struct fuse_context *lf_hl_context(void)
{
	return &tls.ctx;
}

FUSE_EXPORT struct fuse_context *fuse_get_context(void)
{
	return &tls.ctx;
}

FUSE_EXPORT int fuse_getgroups(int size, gid_t list[])
{
	if (!tls.req)
		return -EINVAL;
	return fuse_req_getgroups(tls.req, size, list);
}

FUSE_EXPORT int fuse_interrupted(void)
{
	return tls.req ? fuse_req_interrupted(tls.req) : 0;
}

struct fuse *lf_hl_prepare_release(fuse_req_t req)
{
	struct fuse *f = fuse_req_userdata(req);
	const struct fuse_ctx *c = fuse_req_ctx(req);

	memset(&tls, 0, sizeof(tls));
	tls.ctx.fuse = f;
	tls.ctx.uid = c->uid;
	tls.ctx.gid = c->gid;
	tls.ctx.pid = c->pid;
	tls.ctx.umask = c->umask;
	return f;
}

struct fuse *lf_hl_prepare(fuse_req_t req)
{
	struct fuse *f = lf_hl_prepare_release(req);

	lf_hl_order_done(f, req);
	return f;
}

void lf_hl_reply_err(fuse_req_t req, int err)
{
	fuse_reply_err(req, -err);
}

/* ---- interrupts -------------------------------------------------------------- */

static struct lf_intr *intr_find(struct fuse *f, fuse_req_t req)
{
	struct lf_intr *e;

	for (e = f->intr_list; e; e = e->next)
		if (e->req == req)
			return e;
	return NULL;
}

/* Signal the serving thread until its handler returns (libfuse resends
 * every second in case the first signal came before a blocking call). */
static void intr_func(fuse_req_t req, void *data)
{
	struct fuse *f = data;
	struct lf_intr *e;

	pthread_mutex_lock(&f->lock);
	while ((e = intr_find(f, req)) &&
	       !pthread_equal(e->thread, pthread_self())) {
		struct timespec ts;

		pthread_kill(e->thread, f->conf.intr_signal);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&f->intr_cond, &f->lock, &ts);
	}
	pthread_mutex_unlock(&f->lock);
}

void lf_hl_intr_begin(struct fuse *f, fuse_req_t req, struct lf_intr *e)
{
	/* fuse_interrupted() and fuse_getgroups() answer for this request
	 * while the filesystem runs; the request is gone after the reply */
	tls.req = req;
	e->req = NULL;
	if (!f->conf.intr)
		return;
	e->req = req;
	e->thread = pthread_self();
	pthread_mutex_lock(&f->lock);
	e->next = f->intr_list;
	f->intr_list = e;
	pthread_mutex_unlock(&f->lock);
	fuse_req_interrupt_func(req, intr_func, f);
}

void lf_hl_intr_end(struct fuse *f, fuse_req_t req, struct lf_intr *e)
{
	struct lf_intr **pp;

	tls.req = NULL;
	if (!e->req)
		return;
	pthread_mutex_lock(&f->lock);
	for (pp = &f->intr_list; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	pthread_cond_broadcast(&f->intr_cond);
	pthread_mutex_unlock(&f->lock);
	fuse_req_interrupt_func(req, NULL, NULL);
}

/* ---- paths ------------------------------------------------------------------ */

int lf_hl_get_path_common(struct fuse *f, struct lf_path *p, fuse_ino_t ino,
			   const char *name, bool wlock)
{
	memset(p, 0, sizeof(*p));
	p->nodeid = ino;
	p->name = name;
	p->wlock = wlock;
	return lf_path_get(f, p, 1);
}

int lf_hl_get_path(struct fuse *f, struct lf_path *p, fuse_ino_t ino)
{
	return lf_hl_get_path_common(f, p, ino, NULL, false);
}

/* Operations on open files: a NULL path is fine (unlinked, nullpath_ok). */
int lf_hl_get_path_nullok(struct fuse *f, struct lf_path *p, fuse_ino_t ino)
{
	int err;

	if (f->conf.nullpath_ok) {
		memset(p, 0, sizeof(*p));
		return 0;
	}
	err = lf_hl_get_path(f, p, ino);
	return err == -ENOENT ? 0 : err;
}

void lf_hl_put_path(struct fuse *f, struct lf_path *p)
{
	lf_path_put(f, p, 1);
}

/* ---- attributes --------------------------------------------------------------- */

void lf_hl_set_stat(struct fuse *f, fuse_ino_t ino, struct stat *st)
{
	mode_t mask = f->conf.umask;

	if (!f->conf.use_ino)
		st->st_ino = ino;
	if (f->conf.set_mode) {
#if !LF_ABI_314
		if (f->conf.dmask && S_ISDIR(st->st_mode))
			mask = f->conf.dmask;
		else if (f->conf.fmask && !S_ISDIR(st->st_mode))
			mask = f->conf.fmask;
#endif
		st->st_mode = (st->st_mode & S_IFMT) | (0777 & ~mask);
	}
	if (f->conf.set_uid)
		st->st_uid = f->conf.uid;
	if (f->conf.set_gid)
		st->st_gid = f->conf.gid;
}

/* auto_cache: drop the kernel's data cache once mtime or size moved. */
void lf_hl_update_stat(struct fuse *f, struct lf_node *node,
			const struct stat *st)
{
	struct lf_node_ext *x = lf_node_ext(&f->nodes, node, true);

	if (!x)
		return;
	if (x->cache_valid &&
	    (x->mtime.tv_sec != st->st_mtim.tv_sec ||
	     x->mtime.tv_nsec != st->st_mtim.tv_nsec || x->size != st->st_size))
		x->cache_valid = false;
	x->mtime = st->st_mtim;
	x->size = st->st_size;
	clock_gettime(CLOCK_MONOTONIC, &x->stat_updated);
}

static void update_stat_ino(struct fuse *f, fuse_ino_t ino,
			    const struct stat *st)
{
	struct lf_node *node;

	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	if (node)
		lf_hl_update_stat(f, node, st);
	pthread_mutex_unlock(&f->lock);
}

/* Count a kernel lookup of dir/name (name NULL: dir itself) into e. */
int lf_hl_do_lookup(struct fuse *f, fuse_ino_t dir, const char *name,
		     struct fuse_entry_param *e)
{
	struct lf_node *parent, *node = NULL;
	int err = -ENOENT;

	pthread_mutex_lock(&f->lock);
	parent = lf_node_get(&f->nodes, dir);
	if (parent && !name) {
		node = parent;
		lf_node_inc_lookup(&f->nodes, node);
		err = 0;
	} else if (parent) {
		err = lf_node_find(&f->nodes, parent, name, &node);
	}
	if (!err) {
		e->ino = node->nodeid;
		e->generation = node->generation;
		e->entry_timeout = f->conf.entry_timeout;
		e->attr_timeout = f->conf.attr_timeout;
		if (f->conf.auto_cache)
			lf_hl_update_stat(f, node, &e->attr);
	}
	pthread_mutex_unlock(&f->lock);
	if (!err)
		lf_hl_set_stat(f, e->ino, &e->attr);
	return err;
}

int lf_hl_lookup_path(struct fuse *f, fuse_ino_t dir, const char *name,
		       const char *path, struct fuse_entry_param *e,
		       struct fuse_file_info *fi)
{
	int err;

	memset(e, 0, sizeof(*e));
	err = fuse_fs_getattr(f->fs, path, &e->attr, fi);
	if (!err) {
		err = lf_hl_do_lookup(f, dir, name, e);
		if (!err && f->conf.debug)
			lf_log(FUSE_LOG_DEBUG, "   NODEID: %llu\n",
			       (unsigned long long)e->ino);
	}
	return err;
}

void lf_hl_forget_node(struct fuse *f, fuse_ino_t ino, uint64_t n)
{
	struct lf_node *node;

	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	if (node)
		lf_node_forget(&f->nodes, node, n);
	pthread_mutex_unlock(&f->lock);
}

static void reply_entry(fuse_req_t req, struct fuse *f,
			const struct fuse_entry_param *e, int err)
{
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	/* the kernel dropped the request: it did not take the reference */
	if (fuse_reply_entry(req, e) == -ENOENT && e->ino)
		lf_hl_forget_node(f, e->ino, 1);
}

/* ---- init, destroy, lookup, forget, getattr ------------------------------------ */

static void hl_init(void *data, struct fuse_conn_info *conn)
{
	struct fuse *f = data;

	memset(&tls, 0, sizeof(tls));
	tls.ctx.fuse = f;
#if LF_ABI_314
	if (conn->capable & FUSE_CAP_EXPORT_SUPPORT)
		conn->want |= FUSE_CAP_EXPORT_SUPPORT;
#else
	if (fuse_get_feature_flag(conn, FUSE_CAP_EXPORT_SUPPORT) ||
	    (conn->capable_ext & FUSE_CAP_EXPORT_SUPPORT))
		fuse_set_feature_flag(conn, FUSE_CAP_EXPORT_SUPPORT);
#endif
	fuse_fs_init(f->fs, conn, &f->conf);
	f->fs_inited = true;
	/* the filesystem may have changed these in its init */
	pthread_mutex_lock(&f->lock);
	f->nodes.remember = f->conf.remember;
	pthread_mutex_unlock(&f->lock);
	if (f->conf.intr)
		lf_hl_install_intr(f);
}

static void hl_destroy(void *data)
{
	struct fuse *f = data;

	memset(&tls, 0, sizeof(tls));
	tls.ctx.fuse = f;
	if (f->fs)
		fuse_fs_destroy(f->fs);
	f->fs = NULL;
	f->fs_inited = false;
}

static bool is_dot(const char *name, bool *ret_dotdot)
{
	if (name[0] != '.')
		return false;
	*ret_dotdot = name[1] == '.' && name[2] == '\0';
	return name[1] == '\0' || *ret_dotdot;
}

static void hl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_entry_param e;
	struct lf_path p;
	struct lf_intr in;
	bool dotdot = false;
	int err;

	memset(&e, 0, sizeof(e));
	if (is_dot(name, &dotdot)) {
		struct lf_node *node;

		pthread_mutex_lock(&f->lock);
		node = lf_node_get(&f->nodes, parent);
		if (node && dotdot && node->parent)
			parent = node->parent->nodeid;
		pthread_mutex_unlock(&f->lock);
		if (f->conf.debug)
			lf_log(FUSE_LOG_DEBUG, dotdot ? "LOOKUP-DOTDOT\n" :
			       "LOOKUP-DOT\n");
		if (!node) {
			lf_hl_reply_err(req, -ESTALE);
			return;
		}
		name = NULL;
	}
	err = lf_hl_get_path_common(f, &p, parent, name, false);
	if (!err) {
		if (f->conf.debug)
			lf_log(FUSE_LOG_DEBUG, "LOOKUP %s\n", p.path);
		lf_hl_intr_begin(f, req, &in);
		err = lf_hl_lookup_path(f, parent, name, p.path, &e, NULL);
		if (err == -ENOENT && f->conf.negative_timeout != 0.0) {
			e.ino = 0;
			e.entry_timeout = f->conf.negative_timeout;
			err = 0;
		}
		lf_hl_intr_end(f, req, &in);
		lf_hl_put_path(f, &p);
	}
	reply_entry(req, f, &e, err);
}

static void do_forget(struct fuse *f, fuse_ino_t ino, uint64_t nlookup)
{
	if (f->conf.debug)
		lf_log(FUSE_LOG_DEBUG, "FORGET %llu/%llu\n",
		       (unsigned long long)ino, (unsigned long long)nlookup);
	lf_hl_forget_node(f, ino, nlookup);
}

static void hl_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fuse *f = fuse_req_userdata(req);

	lf_hl_order_done(f, req);
	do_forget(f, ino, nlookup);
	fuse_reply_none(req);
}

static void hl_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	struct fuse *f = fuse_req_userdata(req);
	size_t i;

	lf_hl_order_done(f, req);
	for (i = 0; i < count; i++)
		do_forget(f, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* Attributes as the kernel should see them: hidden files are unlinked. */
static void attr_fixup(struct fuse *f, fuse_ino_t ino, struct stat *st)
{
	struct lf_node *node;

	pthread_mutex_lock(&f->lock);
	node = lf_node_get(&f->nodes, ino);
	if (node && (node->flags & LF_NODE_HIDDEN) && st->st_nlink > 0)
		st->st_nlink--;
	if (node && f->conf.auto_cache)
		lf_hl_update_stat(f, node, st);
	pthread_mutex_unlock(&f->lock);
	lf_hl_set_stat(f, ino, st);
}

static void hl_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct stat st;
	struct lf_path p;
	int err;

	memset(&st, 0, sizeof(st));
	err = fi ? lf_hl_get_path_nullok(f, &p, ino) : lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_getattr(f->fs, p.path, &st, fi));
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	attr_fixup(f, ino, &st);
	fuse_reply_attr(req, &st, f->conf.attr_timeout);
}

/* libfuse's order: mode, owner, size, times; then fresh attributes. */
static int do_setattr(struct fuse *f, const char *path, struct stat *attr,
		      int valid, struct fuse_file_info *fi, struct stat *st)
{
	int err = 0;

	if (valid & FUSE_SET_ATTR_MODE)
		err = fuse_fs_chmod(f->fs, path, attr->st_mode, fi);
	if (!err && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid :
							  (uid_t)-1;
		gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid :
							  (gid_t)-1;

		err = fuse_fs_chown(f->fs, path, uid, gid, fi);
	}
	if (!err && (valid & FUSE_SET_ATTR_SIZE))
		err = fuse_fs_truncate(f->fs, path, attr->st_size, fi);
	if (!err && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		struct timespec tv[2] = {
			{ 0, UTIME_OMIT }, { 0, UTIME_OMIT }
		};

		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		err = fuse_fs_utimens(f->fs, path, tv, fi);
	}
	if (!err)
		err = fuse_fs_getattr(f->fs, path, st, fi);
	return err;
}

static void hl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int valid, struct fuse_file_info *fi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct stat st;
	struct lf_path p;
	int err;

	memset(&st, 0, sizeof(st));
	err = fi ? lf_hl_get_path_nullok(f, &p, ino) : lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				do_setattr(f, p.path, attr, valid, fi, &st));
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	if (f->conf.auto_cache)
		update_stat_ino(f, ino, &st);
	lf_hl_set_stat(f, ino, &st);
	fuse_reply_attr(req, &st, f->conf.attr_timeout);
}

static void hl_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	int err;

	err = lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_access(f->fs, p.path, mask));
	lf_hl_reply_err(req, err);
}

static void hl_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse *f = lf_hl_prepare(req);
	char link[PATH_MAX + 1];
	struct lf_path p;
	int err;

	err = lf_hl_get_path(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_readlink(f->fs, p.path, link,
						 sizeof(link)));
	if (err) {
		lf_hl_reply_err(req, err);
		return;
	}
	link[PATH_MAX] = '\0';
	fuse_reply_readlink(req, link);
}

/* ---- creating names ------------------------------------------------------------ */

static void hl_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_entry_param e;
	struct lf_path p;
	struct lf_intr in;
	int err;

	memset(&e, 0, sizeof(e));
	err = lf_hl_get_path_common(f, &p, parent, name, false);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		err = -ENOSYS;
		/* regular files go through create when the fs has it */
		if (S_ISREG(mode)) {
			struct fuse_file_info fi;

			memset(&fi, 0, sizeof(fi));
			fi.flags = O_CREAT | O_EXCL | O_WRONLY;
			err = fuse_fs_create(f->fs, p.path, mode, &fi);
			if (!err) {
				err = lf_hl_lookup_path(f, parent, name, p.path, &e,
						  &fi);
				fuse_fs_release(f->fs, p.path, &fi);
			}
		}
		if (err == -ENOSYS) {
			err = fuse_fs_mknod(f->fs, p.path, mode, rdev);
			if (!err)
				err = lf_hl_lookup_path(f, parent, name, p.path, &e,
						  NULL);
		}
		lf_hl_intr_end(f, req, &in);
		lf_hl_put_path(f, &p);
	}
	reply_entry(req, f, &e, err);
}

static void hl_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_entry_param e;
	struct lf_path p;
	struct lf_intr in;
	int err;

	memset(&e, 0, sizeof(e));
	err = lf_hl_get_path_common(f, &p, parent, name, false);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		err = fuse_fs_mkdir(f->fs, p.path, mode);
		if (!err)
			err = lf_hl_lookup_path(f, parent, name, p.path, &e, NULL);
		lf_hl_intr_end(f, req, &in);
		lf_hl_put_path(f, &p);
	}
	reply_entry(req, f, &e, err);
}

static void hl_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_entry_param e;
	struct lf_path p;
	struct lf_intr in;
	int err;

	memset(&e, 0, sizeof(e));
	err = lf_hl_get_path_common(f, &p, parent, name, false);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		err = fuse_fs_symlink(f->fs, link, p.path);
		if (!err)
			err = lf_hl_lookup_path(f, parent, name, p.path, &e, NULL);
		lf_hl_intr_end(f, req, &in);
		lf_hl_put_path(f, &p);
	}
	reply_entry(req, f, &e, err);
}

static void hl_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_entry_param e;
	struct lf_path p[2];
	struct lf_intr in;
	int err;

	memset(&e, 0, sizeof(e));
	memset(p, 0, sizeof(p));
	p[0].nodeid = ino;
	p[1].nodeid = newparent;
	p[1].name = newname;
	err = lf_path_get(f, p, 2);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		err = fuse_fs_link(f->fs, p[0].path, p[1].path);
		if (!err)
			err = lf_hl_lookup_path(f, newparent, newname, p[1].path, &e,
					  NULL);
		lf_hl_intr_end(f, req, &in);
		lf_path_put(f, p, 2);
	}
	reply_entry(req, f, &e, err);
}

/* ---- removing and renaming ------------------------------------------------------ */

/* A fresh .fuse_hidden name in dir that neither we nor the fs know. */
static char *hidden_name(struct fuse *f, fuse_ino_t dir, const char *oldname,
			 char *newname, size_t size)
{
	int tries = 10;
	char *newpath = NULL;
	int res;

	do {
		struct lf_node *d, *node;
		struct stat st;

		pthread_mutex_lock(&f->lock);
		d = lf_node_get(&f->nodes, dir);
		node = d ? lf_node_lookup(&f->nodes, d, oldname) : NULL;
		if (!node) {
			pthread_mutex_unlock(&f->lock);
			return NULL;
		}
		do {
			f->hidectr++;
			snprintf(newname, size, ".fuse_hidden%08x%08x",
				 node->nodeid, f->hidectr);
		} while (lf_node_lookup(&f->nodes, d, newname));
		res = lf_path_build(f, d, newname, &newpath);
		pthread_mutex_unlock(&f->lock);
		if (res)
			return NULL;
		memset(&st, 0, sizeof(st));
		res = fuse_fs_getattr(f->fs, newpath, &st, NULL);
		if (res == -ENOENT)
			return newpath;
		free(newpath);
		newpath = NULL;
	} while (res == 0 && --tries);
	return NULL;
}

static int rename_node(struct fuse *f, fuse_ino_t olddir, const char *oldname,
		       fuse_ino_t newdir, const char *newname, bool hide)
{
	struct lf_nodes *nt = &f->nodes;
	struct lf_node *od, *nd, *node, *newnode;
	int err = 0;

	pthread_mutex_lock(&f->lock);
	od = lf_node_get(nt, olddir);
	nd = lf_node_get(nt, newdir);
	node = od ? lf_node_lookup(nt, od, oldname) : NULL;
	newnode = nd ? lf_node_lookup(nt, nd, newname) : NULL;
	if (!node || !nd)
		goto out;
	if (newnode) {
		if (hide) {
			lf_log(FUSE_LOG_ERR,
			       "fuse: hidden file got created during hiding\n");
			err = -EBUSY;
			goto out;
		}
		lf_node_unlink(nt, newnode);
	}
	err = lf_node_rename(nt, node, nd, newname);
	if (!err && hide)
		node->flags |= LF_NODE_HIDDEN;
out:
	pthread_mutex_unlock(&f->lock);
	return err;
}

static int exchange_node(struct fuse *f, fuse_ino_t olddir,
			 const char *oldname, fuse_ino_t newdir,
			 const char *newname)
{
	struct lf_nodes *nt = &f->nodes;
	struct lf_node *od, *nd, *a = NULL, *b = NULL;
	int err = 0;

	pthread_mutex_lock(&f->lock);
	od = lf_node_get(nt, olddir);
	nd = lf_node_get(nt, newdir);
	if (od && nd) {
		a = lf_node_lookup(nt, od, oldname);
		b = lf_node_lookup(nt, nd, newname);
		if (a)
			a->refctr++;
		if (b)
			b->refctr++;
		if (a)
			err = lf_node_rename(nt, a, nd, newname);
		if (b && !err)
			err = lf_node_rename(nt, b, od, oldname);
		if (a) {
			a->refctr--;
			lf_node_maybe_free(nt, a);
		}
		if (b) {
			b->refctr--;
			lf_node_maybe_free(nt, b);
		}
	}
	pthread_mutex_unlock(&f->lock);
	return err;
}

static int hide_node(struct fuse *f, const char *oldpath, fuse_ino_t dir,
		     const char *oldname)
{
	char newname[64];
	char *newpath;
	int err = -EBUSY;

	newpath = hidden_name(f, dir, oldname, newname, sizeof(newname));
	if (newpath) {
		err = fuse_fs_rename(f->fs, oldpath, newpath, 0);
		if (!err)
			err = rename_node(f, dir, oldname, dir, newname, true);
		free(newpath);
	}
	return err;
}

/* Under the write lock of the entry, so open_count is stable enough. */
static bool is_open(struct fuse *f, struct lf_node *node)
{
	bool open;

	if (!node)
		return false;
	pthread_mutex_lock(&f->lock);
	open = node->open_count > 0;
	pthread_mutex_unlock(&f->lock);
	return open;
}

static void remove_node(struct fuse *f, struct lf_node *node)
{
	if (!node)
		return;
	pthread_mutex_lock(&f->lock);
	lf_node_unlink(&f->nodes, node);
	pthread_mutex_unlock(&f->lock);
}

static void hl_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	struct lf_intr in;
	int err;

	err = lf_hl_get_path_common(f, &p, parent, name, true);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		if (!f->conf.hard_remove && is_open(f, p.wnode)) {
			err = hide_node(f, p.path, parent, name);
		} else {
			err = fuse_fs_unlink(f->fs, p.path);
			if (!err)
				remove_node(f, p.wnode);
		}
		lf_hl_intr_end(f, req, &in);
		lf_hl_put_path(f, &p);
	}
	lf_hl_reply_err(req, err);
}

static void hl_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p;
	struct lf_intr in;
	int err;

	err = lf_hl_get_path_common(f, &p, parent, name, true);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		err = fuse_fs_rmdir(f->fs, p.path);
		lf_hl_intr_end(f, req, &in);
		if (!err)
			remove_node(f, p.wnode);
		lf_hl_put_path(f, &p);
	}
	lf_hl_reply_err(req, err);
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static void hl_rename(fuse_req_t req, fuse_ino_t olddir, const char *oldname,
		      fuse_ino_t newdir, const char *newname,
		      unsigned int flags)
{
	struct fuse *f = lf_hl_prepare(req);
	struct lf_path p[2];
	struct lf_intr in;
	int err;

	memset(p, 0, sizeof(p));
	p[0].nodeid = olddir;
	p[0].name = oldname;
	p[0].wlock = true;
	p[1].nodeid = newdir;
	p[1].name = newname;
	p[1].wlock = true;
	err = lf_path_get(f, p, 2);
	if (!err) {
		lf_hl_intr_begin(f, req, &in);
		if (!f->conf.hard_remove && !(flags & RENAME_EXCHANGE) &&
		    is_open(f, p[1].wnode))
			err = hide_node(f, p[1].path, newdir, newname);
		if (!err) {
			err = fuse_fs_rename(f->fs, p[0].path, p[1].path,
					     flags);
			if (!err && (flags & RENAME_EXCHANGE))
				err = exchange_node(f, olddir, oldname, newdir,
						    newname);
			else if (!err)
				err = rename_node(f, olddir, oldname, newdir,
						  newname, false);
		}
		lf_hl_intr_end(f, req, &in);
		lf_path_put(f, p, 2);
	}
	lf_hl_reply_err(req, err);
}

/* ---- cache cleaning and teardown ------------------------------------------------------ */

int lf_hl_clean_cache(struct fuse *f)
{
	struct timespec now;
	int delay = f->conf.remember / 10;

	pthread_mutex_lock(&f->lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	lf_nodes_clean(&f->nodes, &now);
	pthread_mutex_unlock(&f->lock);
	/* ten runs per remember period, between a minute and an hour */
	return LF_MIN(LF_MAX(delay, 60), 3600);
}

struct hidden_list {
	char **paths;
	size_t n, cap;
};

static void collect_hidden(struct lf_node *node, void *data)
{
	struct fuse *f = tls.ctx.fuse;
	struct hidden_list *hl = data;
	char *path;

	if (!(node->flags & LF_NODE_HIDDEN))
		return;
	if (hl->n == hl->cap) {
		size_t cap = hl->cap ? hl->cap * 2 : 8;
		char **p = realloc(hl->paths, cap * sizeof(*p));

		if (!p)
			return;
		hl->paths = p;
		hl->cap = cap;
	}
	if (lf_path_build(f, node, NULL, &path) == 0)
		hl->paths[hl->n++] = path;
}

void lf_hl_unlink_hidden(struct fuse *f)
{
	struct hidden_list hl = { 0 };
	size_t i;

	memset(&tls, 0, sizeof(tls));
	tls.ctx.fuse = f;
	pthread_mutex_lock(&f->lock);
	lf_nodes_for_each(&f->nodes, collect_hidden, &hl);
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < hl.n; i++) {
		fuse_fs_unlink(f->fs, hl.paths[i]);
		free(hl.paths[i]);
	}
	free(hl.paths);
}

const struct fuse_lowlevel_ops lf_hl_ops = {
	.init = hl_init,
	.destroy = hl_destroy,
	.lookup = hl_lookup,
	.forget = hl_forget,
	.forget_multi = hl_forget_multi,
	.getattr = hl_getattr,
	.setattr = hl_setattr,
	.access = hl_access,
	.readlink = hl_readlink,
	.mknod = hl_mknod,
	.mkdir = hl_mkdir,
	.unlink = hl_unlink,
	.rmdir = hl_rmdir,
	.symlink = hl_symlink,
	.rename = hl_rename,
	.link = hl_link,
	.create = lf_hl_create,
	.open = lf_hl_open,
	.read = lf_hl_read,
	.write_buf = lf_hl_write_buf,
	.flush = lf_hl_flush,
	.release = lf_hl_release,
	.fsync = lf_hl_fsync,
	.opendir = lf_hl_opendir,
	.readdir = lf_hl_readdir,
	.readdirplus = lf_hl_readdirplus,
	.releasedir = lf_hl_releasedir,
	.fsyncdir = lf_hl_fsyncdir,
	.statfs = lf_hl_statfs,
	.setxattr = lf_hl_setxattr,
	.getxattr = lf_hl_getxattr,
	.listxattr = lf_hl_listxattr,
	.removexattr = lf_hl_removexattr,
	.getlk = lf_hl_getlk,
	.setlk = lf_hl_setlk,
	.flock = lf_hl_flock,
	.bmap = lf_hl_bmap,
	.ioctl = lf_hl_ioctl,
	.poll = lf_hl_poll,
	.fallocate = lf_hl_fallocate,
	.copy_file_range = lf_hl_copy_file_range,
	.lseek = lf_hl_lseek,
#if !LF_ABI_314
	.statx = lf_hl_statx,
#endif
};

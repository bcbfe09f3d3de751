// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Path resolution for the path API and the tree locks that keep a path
 * valid while the filesystem works on it.
 *
 * Locking. All node state is guarded by f->lock, held only for short
 * sections (never across a filesystem call). Each node has a tree lock
 * count: >0 readers, -1 one writer. An operation read-locks every node of
 * each path it uses, from the node (or the directory of a name) up to but
 * excluding the root, so nothing on the path can be renamed or removed
 * while the filesystem runs with that path string. unlink, rmdir and
 * rename additionally write-lock the entry they change, which waits until
 * no reader uses it.
 *
 * Deadlock freedom: an operation acquires all its locks (both paths of a
 * rename) at once or none: when anything conflicts it takes nothing and
 * waits on one condition variable, re-checking from scratch when a lock
 * is released. Nobody waits while holding a tree lock, so no wait cycle
 * can form among tree locks (libfuse's partial locking of the first
 * queued rename is what deadlocked there). A rename into its own subtree
 * is detected instead of waiting on itself.
 *
 * Fairness: a writer kept out by readers marks the entry WWAIT; new
 * readers of paths through it step back for at most LF_WRITER_GRACE_MS,
 * so renames are not starved by a stream of readers. The wait is bounded
 * so that a filesystem whose in-flight handler waits on a later request
 * of the same file still makes progress (an unbounded writer preference
 * would deadlock there).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl.h"

#define LF_WRITER_GRACE_MS 50

enum { FREE = 0, SOFT = 1, HARD = 2 };

int lf_path_build(struct fuse *f, struct lf_node *node, const char *name,
		  char **ret_path)
{
	struct lf_nodes *nt = &f->nodes;
	struct lf_node *n;
	size_t len = 0, l;
	char *buf, *s;

	for (n = node; n != nt->root; n = n->parent) {
		if (!n->parent)
			return -ENOENT;
		len += strlen(lf_node_name(nt, n)) + 1;
	}
	if (name)
		len += strlen(name) + 1;
	buf = malloc(len ? len + 1 : 2);
	if (!buf)
		return -ENOMEM;
	if (!len) {
		strcpy(buf, "/");
		*ret_path = buf;
		return 0;
	}
	s = buf + len;
	*s = '\0';
	if (name) {
		l = strlen(name);
		s -= l;
		memcpy(s, name, l);
		*--s = '/';
	}
	for (n = node; n != nt->root; n = n->parent) {
		const char *nm = lf_node_name(nt, n);

		l = strlen(nm);
		s -= l;
		memcpy(s, nm, l);
		*--s = '/';
	}
	*ret_path = buf;
	return 0;
}

static bool in_chain(struct lf_nodes *nt, struct lf_node *n,
		     const struct lf_node *x)
{
	for (; n && n != nt->root; n = n->parent)
		if (n == x)
			return true;
	return false;
}

/* Can n and its ancestors be read-locked? */
static int check_chain(struct lf_nodes *nt, struct lf_node *n,
		       bool ignore_wwait, int *blocked)
{
	for (; n != nt->root; n = n->parent) {
		if (!n->parent)
			return -ENOENT;
		if (n->treelock < 0) {
			*blocked = HARD;
			return -EAGAIN;
		}
		if (n->flags & LF_NODE_WWAIT) {
			if (!ignore_wwait) {
				if (*blocked < SOFT)
					*blocked = SOFT;
				return -EAGAIN;
			}
			/* the writer re-marks it if it still waits */
			n->flags &= ~LF_NODE_WWAIT;
		}
	}
	return 0;
}

/* A name some writer holds while no node exists for it. */
static bool name_pending(struct fuse *f, const struct lf_path *self,
			 const struct lf_node *dir, const char *name)
{
	struct lf_path *q;

	for (q = f->pending; q; q = q->pending_next)
		if (q != self && q->node == dir && strcmp(q->name, name) == 0)
			return true;
	return false;
}

static int resolve(struct fuse *f, struct lf_path *p, bool ignore_wwait,
		   int *blocked)
{
	struct lf_nodes *nt = &f->nodes;
	int err;

	p->node = lf_node_get(nt, p->nodeid);
	p->wnode = NULL;
	if (!p->node)
		return -ENOENT;
	err = check_chain(nt, p->node, ignore_wwait, blocked);
	if (err)
		return err;
	/* a rename or unlink of this name is in flight without a node:
	 * creating or looking it up now would race with it */
	if (p->name && f->pending && name_pending(f, p, p->node, p->name)) {
		*blocked = HARD;
		return -EAGAIN;
	}
	if (p->wlock && p->name) {
		struct lf_node *w = lf_node_lookup(nt, p->node, p->name);

		if (w && w->treelock != 0) {
			if (w->treelock > 0)
				w->flags |= LF_NODE_WWAIT;
			*blocked = HARD;
			return -EAGAIN;
		}
		p->wnode = w;
	}
	return 0;
}

static int lock_chain(struct lf_nodes *nt, struct lf_path *p)
{
	struct lf_node *n;
	uint32_t depth = 0;

	for (n = p->node; n != nt->root; n = n->parent)
		depth++;
	p->held = p->held_inline;
	if (depth > LF_PATH_HELD_INLINE) {
		p->held = malloc(depth * sizeof(*p->held));
		if (!p->held)
			return -ENOMEM;
	}
	p->nheld = 0;
	for (n = p->node; n != nt->root; n = n->parent) {
		n->treelock++;
		p->held[p->nheld++] = n;
	}
	return 0;
}

static void unlock_one(struct fuse *f, struct lf_path *p)
{
	struct lf_nodes *nt = &f->nodes;
	struct lf_path **pp;
	uint32_t i;

	if (!p->locked)
		return;
	if (p->wnode) {
		p->wnode->treelock = 0;
		lf_node_maybe_free(nt, p->wnode);
		p->wnode = NULL;
	} else if (p->wlock && p->name) {
		for (pp = &f->pending; *pp; pp = &(*pp)->pending_next) {
			if (*pp == p) {
				*pp = p->pending_next;
				break;
			}
		}
	}
	/* child first: a node with readers is never freed, so each
	 * ancestor is still there when its turn comes */
	for (i = 0; i < p->nheld; i++) {
		p->held[i]->treelock--;
		lf_node_maybe_free(nt, p->held[i]);
	}
	if (p->held != p->held_inline)
		free(p->held);
	p->held = NULL;
	p->nheld = 0;
	p->locked = false;
}

/* Try to take everything; 0, -EAGAIN (see *blocked) or a final error. */
static int try_all(struct fuse *f, struct lf_path *p, int n,
		   bool ignore_wwait, int *blocked)
{
	struct lf_nodes *nt = &f->nodes;
	int i, err;

	for (i = 0; i < n; i++) {
		err = resolve(f, &p[i], ignore_wwait, blocked);
		if (err)
			return err;
	}
	if (n == 2) {
		/* moving a directory below itself */
		if (p[0].wnode && in_chain(nt, p[1].node, p[0].wnode))
			return -EINVAL;
		/* replacing an ancestor of the source: never empty */
		if (p[1].wnode && in_chain(nt, p[0].node, p[1].wnode))
			return -ENOTEMPTY;
		if (p[1].wnode == p[0].wnode)
			p[1].wnode = NULL;
	}
	for (i = 0; i < n; i++) {
		err = lock_chain(nt, &p[i]);
		if (err)
			goto undo;
		p[i].locked = true;
		if (p[i].wnode) {
			p[i].wnode->treelock = -1;
			p[i].wnode->flags &= ~LF_NODE_WWAIT;
		} else if (p[i].wlock && p[i].name) {
			p[i].pending_next = f->pending;
			f->pending = &p[i];
		}
	}
	for (i = 0; i < n; i++) {
		err = lf_path_build(f, p[i].node, p[i].name, &p[i].path);
		if (err)
			goto undo;
	}
	return 0;
undo:
	for (i = 0; i < n; i++) {
		free(p[i].path);
		p[i].path = NULL;
		unlock_one(f, &p[i]);
	}
	return err;
}

static void deadline_after(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int lf_path_get(struct fuse *f, struct lf_path *p, int n)
{
	struct timespec deadline;
	bool have_deadline = false, ignore_wwait = false;
	int i, err;

	for (i = 0; i < n; i++) {
		p[i].path = NULL;
		p[i].locked = false;
		p[i].held = NULL;
		p[i].nheld = 0;
	}
	pthread_mutex_lock(&f->lock);
	for (;;) {
		int blocked = FREE;

		err = try_all(f, p, n, ignore_wwait, &blocked);
		if (err != -EAGAIN)
			break;
		f->path_waiters++;
		if (blocked == SOFT) {
			if (!have_deadline) {
				deadline_after(&deadline, LF_WRITER_GRACE_MS);
				have_deadline = true;
			}
			if (pthread_cond_timedwait(&f->path_cond, &f->lock,
						   &deadline) == ETIMEDOUT)
				ignore_wwait = true;
		} else {
			pthread_cond_wait(&f->path_cond, &f->lock);
		}
		f->path_waiters--;
	}
	pthread_mutex_unlock(&f->lock);
	return err;
}

void lf_path_put(struct fuse *f, struct lf_path *p, int n)
{
	int i;

	pthread_mutex_lock(&f->lock);
	for (i = n - 1; i >= 0; i--)
		unlock_one(f, &p[i]);
	if (f->path_waiters)
		pthread_cond_broadcast(&f->path_cond);
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < n; i++) {
		free(p[i].path);
		p[i].path = NULL;
	}
}

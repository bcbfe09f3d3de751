// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Watching the tree a stackable filesystem mirrors (`source PATH`): a map
 * of what the kernel caches (names from entry replies, inodes until their
 * FORGET, a key per directory), and a thread that turns changes made to
 * `source` behind the mount's back into notify_inval_entry/inode. fanotify
 * (a mark per known directory, events of our own process ignored), else
 * inotify (a watch per known directory). Lost events invalidate everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fastpath/fastpath.h"

/* file handle type (4 bytes) + handle bytes; MAX_HANDLE_SZ is 128 */
#define WKEY_MAX 132
#define WATCH_BUF (64 * 1024)
#define ROOT_LOOKUPS (UINT64_MAX / 2)

#define FAN_MASK (FAN_MODIFY | FAN_ATTRIB | FAN_CREATE | FAN_DELETE | \
		  FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR | FAN_EVENT_ON_CHILD)
#define IN_MASK (IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | \
		 IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW | \
		 IN_EXCL_UNLINK)

/* A chained hash table of links embedded in the entries. */
struct hlink {
	struct hlink *next;
	uint64_t hash;
};

struct htab {
	struct hlink **b;
	size_t nb;		/* power of two */
	size_t n;
};

/* A name the kernel may have cached: parent/name -> child. */
struct wdent {
	struct hlink h;		/* in w->dents */
	struct wdent *inext;	/* next name of the same child */
	uint64_t parent;
	uint64_t child;
	char name[];
};

/* An inode the kernel knows, until its lookups are forgotten. */
struct wnode {
	struct hlink h;		/* in w->nodes, by nodeid */
	struct hlink k;		/* in w->keys, by key (directories) */
	uint64_t nodeid;
	uint64_t nlookup;
	struct wdent *names;
	bool dir;
	bool keyed;		/* linked in w->keys */
	uint16_t keylen;
	unsigned char key[WKEY_MAX];
};

enum wkind { W_FANOTIFY, W_INOTIFY };

struct lf_watch {
	struct fuse_session *se;
	enum wkind kind;
	int evfd;		/* fanotify or inotify fd */
	int stopfd;		/* eventfd: stop the thread */
	int srcfd;		/* O_PATH of source: handles are relative */
	char *source;
	pid_t self;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;	/* the three tables */
	struct htab dents, nodes, keys;
};

/* What one event asks of the kernel, sent after the lock is dropped. */
struct action {
	uint64_t parent;	/* inval_entry(parent, name) when name[0] */
	uint64_t dir;		/* inval_inode(dir, 0, 0): attrs + readdir */
	uint64_t child;		/* inval_inode(child, child_off, 0) */
	off_t child_off;	/* 0: data and attrs, -1: attrs only */
	char name[NAME_MAX + 1];
};

/* ---- tables -------------------------------------------------------- */

static uint64_t mix(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return v;
}

static uint64_t hash_bytes(uint64_t seed, const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ mix(seed);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

static int htab_init(struct htab *t)
{
	t->nb = 64;
	t->n = 0;
	t->b = calloc(t->nb, sizeof(*t->b));
	return t->b ? 0 : -ENOMEM;
}

/* Doubling when full keeps chains short; a failed grow only slows. */
static void htab_grow(struct htab *t)
{
	size_t nb = t->nb * 2, i;
	struct hlink **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (i = 0; i < t->nb; i++) {
		while (t->b[i]) {
			struct hlink *l = t->b[i];

			t->b[i] = l->next;
			l->next = b[l->hash & (nb - 1)];
			b[l->hash & (nb - 1)] = l;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

static void htab_add(struct htab *t, struct hlink *l, uint64_t hash)
{
	if (t->n >= t->nb)
		htab_grow(t);
	l->hash = hash;
	l->next = t->b[hash & (t->nb - 1)];
	t->b[hash & (t->nb - 1)] = l;
	t->n++;
}

static void htab_del(struct htab *t, struct hlink *l)
{
	struct hlink **pp;

	for (pp = &t->b[l->hash & (t->nb - 1)]; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			t->n--;
			return;
		}
	}
}

static struct hlink *htab_chain(const struct htab *t, uint64_t hash)
{
	return t->b[hash & (t->nb - 1)];
}

#define ENTRY_OF(l, type, member) \
	((type *)(void *)((char *)(l) - offsetof(type, member)))

static struct wnode *node_find(struct lf_watch *w, uint64_t nodeid)
{
	uint64_t h = mix(nodeid);
	struct hlink *l;

	for (l = htab_chain(&w->nodes, h); l; l = l->next) {
		struct wnode *n = ENTRY_OF(l, struct wnode, h);

		if (l->hash == h && n->nodeid == nodeid)
			return n;
	}
	return NULL;
}

static struct wnode *key_find(struct lf_watch *w, const void *key,
			      size_t len)
{
	uint64_t h = hash_bytes(0, key, len);
	struct hlink *l;

	for (l = htab_chain(&w->keys, h); l; l = l->next) {
		struct wnode *n = ENTRY_OF(l, struct wnode, k);

		if (l->hash == h && n->keylen == len &&
		    !memcmp(n->key, key, len))
			return n;
	}
	return NULL;
}

static struct wdent *dent_find(struct lf_watch *w, uint64_t parent,
			       const char *name)
{
	uint64_t h = hash_bytes(parent, name, strlen(name));
	struct hlink *l;

	for (l = htab_chain(&w->dents, h); l; l = l->next) {
		struct wdent *d = ENTRY_OF(l, struct wdent, h);

		if (l->hash == h && d->parent == parent &&
		    !strcmp(d->name, name))
			return d;
	}
	return NULL;
}

static void dent_unlink_child(struct lf_watch *w, struct wdent *d)
{
	struct wnode *n = node_find(w, d->child);
	struct wdent **pp;

	if (!n)
		return;
	for (pp = &n->names; *pp; pp = &(*pp)->inext) {
		if (*pp == d) {
			*pp = d->inext;
			return;
		}
	}
}

static void dent_del(struct lf_watch *w, struct wdent *d)
{
	dent_unlink_child(w, d);
	htab_del(&w->dents, &d->h);
	free(d);
}

/* parent/name now names child (a new name, or one that changed inode). */
static void dent_set(struct lf_watch *w, uint64_t parent, const char *name,
		     struct wnode *child)
{
	struct wdent *d = dent_find(w, parent, name);
	size_t len = strlen(name);

	if (d && d->child == child->nodeid)
		return;
	if (d)
		dent_del(w, d);
	d = malloc(sizeof(*d) + len + 1);
	if (!d)
		return;
	d->parent = parent;
	d->child = child->nodeid;
	memcpy(d->name, name, len + 1);
	d->inext = child->names;
	child->names = d;
	htab_add(&w->dents, &d->h, hash_bytes(parent, name, len));
}

static void key_unset(struct lf_watch *w, struct wnode *n)
{
	if (n->keyed)
		htab_del(&w->keys, &n->k);
	n->keyed = false;
}

/* A directory's key; an older node with the same key loses it (the
 * directory was renamed and looked up again, or the number reused). */
static void key_set(struct lf_watch *w, struct wnode *n, const void *key,
		    size_t len)
{
	struct wnode *old = key_find(w, key, len);

	if (old)
		key_unset(w, old);
	key_unset(w, n);
	memcpy(n->key, key, len);
	n->keylen = (uint16_t)len;
	n->keyed = true;
	htab_add(&w->keys, &n->k, hash_bytes(0, key, len));
}

static struct wnode *node_add(struct lf_watch *w, uint64_t nodeid, bool dir)
{
	struct wnode *n = node_find(w, nodeid);

	if (n) {
		n->dir = dir;
		return n;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->nodeid = nodeid;
	n->dir = dir;
	htab_add(&w->nodes, &n->h, mix(nodeid));
	return n;
}

/* A forgotten directory's watch goes: its inotify wd, or its fanotify
 * mark found again through its handle (it may have moved since). */
static void unwatch(struct lf_watch *w, const struct wnode *n)
{
	union {
		struct file_handle fh;
		unsigned char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u;
	int wd, fd;

	if (w->kind == W_INOTIFY) {
		memcpy(&wd, n->key, sizeof(wd));
		inotify_rm_watch(w->evfd, wd);
		return;
	}
	memcpy(&u.fh.handle_type, n->key, sizeof(int));
	u.fh.handle_bytes = n->keylen - sizeof(int);
	memcpy(u.fh.f_handle, n->key + sizeof(int), u.fh.handle_bytes);
	fd = open_by_handle_at(w->srcfd, &u.fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;	/* gone: its marks went with it */
	fanotify_mark(w->evfd, FAN_MARK_REMOVE, FAN_MASK, fd, ".");
	close(fd);
}

static void node_del(struct lf_watch *w, struct wnode *n)
{
	while (n->names)
		dent_del(w, n->names);
	if (n->keyed)
		unwatch(w, n);
	key_unset(w, n);
	htab_del(&w->nodes, &n->h);
	free(n);
}

static void htab_free(struct htab *t, size_t off)
{
	size_t i;

	for (i = 0; t->b && i < t->nb; i++) {
		while (t->b[i]) {
			struct hlink *l = t->b[i];

			t->b[i] = l->next;
			free((char *)l - off);
		}
	}
	free(t->b);
	t->b = NULL;
}

/*
 * The path of a node relative to source, built backwards from its first
 * name up to the root. -ENOENT when a link is missing (a parent already
 * forgotten), -ENAMETOOLONG past PATH_MAX.
 */
static int node_path(struct lf_watch *w, const struct wnode *n, char *buf,
		     size_t size)
{
	size_t pos = size - 1;
	unsigned int depth = 0;

	buf[pos] = '\0';
	while (n->nodeid != FUSE_ROOT_ID) {
		const struct wdent *d = n->names;
		size_t len;

		if (!d || ++depth > PATH_MAX / 2)
			return -ENOENT;
		len = strlen(d->name);
		if (len + 1 > pos)
			return -ENAMETOOLONG;
		if (pos != size - 1)
			buf[--pos] = '/';
		pos -= len;
		memcpy(buf + pos, d->name, len);
		n = node_find(w, d->parent);
		if (!n)
			return -ENOENT;
	}
	memmove(buf, buf + pos, size - pos);
	return 0;
}

/* ---- directory keys ------------------------------------------------ */

/* fanotify: a mark on the directory (names in it, its children's data
 * and attributes); its key is the file handle events report it by. */
static int handle_key(struct lf_watch *w, const char *rel,
		      unsigned char *key, size_t *ret_len)
{
	union {
		struct file_handle fh;
		unsigned char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u;
	int mnt, type;

	u.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(w->srcfd, rel, &u.fh, &mnt,
			      rel[0] ? 0 : AT_EMPTY_PATH) < 0)
		return -errno;
	if (fanotify_mark(w->evfd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MASK,
			  w->srcfd, rel[0] ? rel : ".") < 0)
		return -errno;
	if (u.fh.handle_bytes > WKEY_MAX - sizeof(int))
		return -EOVERFLOW;
	type = u.fh.handle_type;
	memcpy(key, &type, sizeof(type));
	memcpy(key + sizeof(type), u.fh.f_handle, u.fh.handle_bytes);
	*ret_len = sizeof(type) + u.fh.handle_bytes;
	return 0;
}

/* inotify: a watch on the directory; the key is its descriptor. */
static int wd_key(struct lf_watch *w, const char *rel, unsigned char *key,
		  size_t *ret_len)
{
	char path[PATH_MAX];
	int wd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", w->source, rel) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	wd = inotify_add_watch(w->evfd, path, IN_MASK);
	if (wd < 0)
		return -errno;
	memcpy(key, &wd, sizeof(wd));
	*ret_len = sizeof(wd);
	return 0;
}

static int dir_key(struct lf_watch *w, const char *rel, unsigned char *key,
		   size_t *ret_len)
{
	return w->kind == W_FANOTIFY ? handle_key(w, rel, key, ret_len) :
				       wd_key(w, rel, key, ret_len);
}

/* A directory the kernel just learned: key it (outside the lock, it is a
 * syscall), unless it has a key already. */
static void key_dir(struct lf_watch *w, uint64_t nodeid)
{
	unsigned char key[WKEY_MAX];
	char rel[PATH_MAX];
	struct wnode *n;
	size_t len;
	int err;

	pthread_mutex_lock(&w->lock);
	n = node_find(w, nodeid);
	err = n && !n->keyed ? node_path(w, n, rel, sizeof(rel)) : -EEXIST;
	pthread_mutex_unlock(&w->lock);
	if (err || dir_key(w, rel, key, &len) < 0)
		return;
	pthread_mutex_lock(&w->lock);
	n = node_find(w, nodeid);
	if (n && !n->keyed)
		key_set(w, n, key, len);
	pthread_mutex_unlock(&w->lock);
}

/* ---- hooks from the request path ------------------------------------ */

static void forget(struct lf_watch *w, uint64_t nodeid, uint64_t nlookup)
{
	struct wnode *n = node_find(w, nodeid);

	if (!n || nodeid == FUSE_ROOT_ID)
		return;
	if (n->nlookup > nlookup) {
		n->nlookup -= nlookup;
		return;
	}
	node_del(w, n);
}

static void forgets(struct lf_watch *w, const struct lf_in *in)
{
	const struct fuse_batch_forget_in *arg = in->arg;
	const struct fuse_forget_one *one;
	uint32_t i;

	if (in->len < sizeof(*arg) ||
	    (uint64_t)arg->count * sizeof(*one) > in->len - sizeof(*arg))
		return;
	one = (const void *)((const char *)in->arg + sizeof(*arg));
	pthread_mutex_lock(&w->lock);
	for (i = 0; i < arg->count; i++)
		forget(w, one[i].nodeid, one[i].nlookup);
	pthread_mutex_unlock(&w->lock);
}

/* Offset of the name in a request that carries one, or -1. */
static long name_off(fuse_req_t req)
{
	bool v12 = req->se->proto_minor >= 12;

	switch (req->opcode) {
	case FUSE_LOOKUP:
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_SYMLINK:	/* the new name comes first */
		return 0;
	case FUSE_MKNOD:
		return v12 ? (long)sizeof(struct fuse_mknod_in) :
			     FUSE_COMPAT_MKNOD_IN_SIZE;
	case FUSE_MKDIR:
		return sizeof(struct fuse_mkdir_in);
	case FUSE_LINK:
		return sizeof(struct fuse_link_in);
	case FUSE_CREATE:
		return v12 ? (long)sizeof(struct fuse_create_in) :
			     (long)sizeof(struct fuse_open_in);
	case FUSE_RENAME:
		return sizeof(struct fuse_rename_in);
	case FUSE_RENAME2:
		return sizeof(struct fuse_rename2_in);
	}
	return -1;
}

void lf_watch_request(struct lf_watch *w, fuse_req_t req,
		      const struct lf_in *in)
{
	const struct fuse_forget_in *fa = in->arg;
	struct lf_fpreq *r;
	size_t end = 0;
	long off;

	if (req->opcode == FUSE_FORGET) {
		pthread_mutex_lock(&w->lock);
		forget(w, in->nodeid, fa->nlookup);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (req->opcode == FUSE_BATCH_FORGET) {
		forgets(w, in);
		return;
	}
	if (req->opcode == FUSE_READDIRPLUS) {
		lf_fastpath_fpreq(req, in);
		return;
	}
	off = name_off(req);
	if (off < 0 || !(r = lf_fastpath_fpreq(req, in)))
		return;
	free(r->name);
	r->name = lf_fastpath_req_name(in, (size_t)off, &end);
	if (req->opcode == FUSE_RENAME || req->opcode == FUSE_RENAME2) {
		const struct fuse_rename2_in *ra = in->arg;

		r->newparent = ra->newdir;
		r->flags = req->opcode == FUSE_RENAME2 ? ra->flags : 0;
		if (r->name)
			r->newname = lf_fastpath_req_name(in, end, NULL);
	}
}

static bool dot_or_dotdot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

void lf_watch_entry(struct lf_watch *w, fuse_req_t req, const char *name,
		    const struct fuse_entry_out *out)
{
	const struct lf_fpreq *r = req->fp;
	bool dir = S_ISDIR(out->attr.mode), need_key = false;
	struct wnode *n;
	struct wdent *d;

	if (!r || (!name && !(name = r->name)))
		return;
	pthread_mutex_lock(&w->lock);
	if (!out->nodeid) {
		/* the filesystem says the name is gone */
		d = dent_find(w, r->nodeid, name);
		if (d)
			dent_del(w, d);
	} else if ((n = node_add(w, out->nodeid, dir))) {
		n->nlookup++;
		if (!dot_or_dotdot(name))
			dent_set(w, r->nodeid, name, n);
		need_key = dir && !n->keyed;
	}
	pthread_mutex_unlock(&w->lock);
	if (need_key)
		key_dir(w, out->nodeid);
}

/* A successful UNLINK, RMDIR or RENAME through the mount. */
void lf_watch_done(struct lf_watch *w, fuse_req_t req, int err)
{
	const struct lf_fpreq *r = req->fp;
	struct wdent *from, *to;
	struct wnode *a, *b;

	if (err || !r->name)
		return;
	pthread_mutex_lock(&w->lock);
	from = dent_find(w, r->nodeid, r->name);
	switch (req->opcode) {
	case FUSE_UNLINK:
	case FUSE_RMDIR:
		if (from)
			dent_del(w, from);
		break;
	case FUSE_RENAME:
	case FUSE_RENAME2:
		if (!r->newname)
			break;
		to = dent_find(w, r->newparent, r->newname);
		a = from ? node_find(w, from->child) : NULL;
		b = to ? node_find(w, to->child) : NULL;
		if (from)
			dent_del(w, from);
		if (to)
			dent_del(w, to);
		if (a)
			dent_set(w, r->newparent, r->newname, a);
		if (b && (r->flags & RENAME_EXCHANGE))
			dent_set(w, r->nodeid, r->name, b);
		break;
	}
	pthread_mutex_unlock(&w->lock);
}

/* ---- events --------------------------------------------------------- */

static void act(struct lf_watch *w, const struct action *a)
{
	struct fuse_session *se = w->se;

	if (a->name[0])
		fuse_lowlevel_notify_inval_entry(se, a->parent, a->name,
						 strlen(a->name));
	if (a->dir)
		fuse_lowlevel_notify_inval_inode(se, a->dir, 0, 0);
	if (a->child)
		fuse_lowlevel_notify_inval_inode(se, a->child, a->child_off, 0);
}

/*
 * One change in directory dirn (a node), to name (NULL or "." for the
 * directory itself): turned into an action under the lock, sent without
 * it (an invalidation waits for the directory's lock in the kernel, which
 * an in-flight request may hold while its reply waits for ours).
 */
static void change(struct lf_watch *w, struct wnode *dirn, const char *name,
		   bool dirent, bool data)
{
	struct action a = { 0 };
	struct wdent *d;

	if (!name || !name[0] || !strcmp(name, ".")) {
		a.child = dirn->nodeid;
		a.child_off = -1;
	} else if (strlen(name) <= NAME_MAX) {
		d = dent_find(w, dirn->nodeid, name);
		if (dirent) {
			a.parent = dirn->nodeid;
			strcpy(a.name, name);
			a.dir = dirn->nodeid;
			if (d) {
				/* nlink and ctime changed too */
				a.child = d->child;
				a.child_off = -1;
				dent_del(w, d);
			}
		} else if (d) {
			a.child = d->child;
			a.child_off = data ? 0 : -1;
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (a.name[0] || a.child)
		act(w, &a);
	pthread_mutex_lock(&w->lock);
}

static int overflow(struct lf_watch *w)
{
	fuse_log(FUSE_LOG_INFO,
		 "fastpath: watch queue overflow, invalidating everything\n");
	return lf_watch_invalidate_all(w->se, w);
}

/*
 * One fanotify event: m is a copy of its metadata, raw the event as read
 * (records are only 4-byte aligned, so fields are copied out, not cast).
 */
static void fan_event(struct lf_watch *w,
		      const struct fanotify_event_metadata *m, const char *raw)
{
	const char *p = raw + m->metadata_len, *endp = raw + m->event_len;
	struct fanotify_event_info_header h = { 0 };
	unsigned char key[WKEY_MAX];
	const char *name = NULL, *fh;
	struct file_handle fhh;
	struct wnode *dirn;

	/* the directory record; FAN_REPORT_DFID_NAME sends one */
	for (; p + sizeof(h) <= endp; p += h.len) {
		memcpy(&h, p, sizeof(h));
		if (h.len < sizeof(h) || p + h.len > endp)
			return;
		if (h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
		    h.info_type == FAN_EVENT_INFO_TYPE_DFID)
			break;
	}
	if (p + sizeof(h) > endp)
		return;
	endp = p + h.len;
	fh = p + offsetof(struct fanotify_event_info_fid, handle);
	if (fh + sizeof(fhh) > endp)
		return;
	memcpy(&fhh, fh, sizeof(fhh));
	if (fhh.handle_bytes > WKEY_MAX - sizeof(int) ||
	    fh + sizeof(fhh) + fhh.handle_bytes > endp)
		return;
	if (h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
		name = fh + sizeof(fhh) + fhh.handle_bytes;
		if (!memchr(name, '\0', (size_t)(endp - name)))
			return;
	}
	memcpy(key, &fhh.handle_type, sizeof(int));
	memcpy(key + sizeof(int), fh + sizeof(fhh), fhh.handle_bytes);
	pthread_mutex_lock(&w->lock);
	dirn = key_find(w, key, sizeof(int) + fhh.handle_bytes);
	if (dirn)
		change(w, dirn, name,
		       m->mask & (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM |
				  FAN_MOVED_TO),
		       m->mask & FAN_MODIFY);
	pthread_mutex_unlock(&w->lock);
}

static void fan_events(struct lf_watch *w, const char *buf, ssize_t len)
{
	struct fanotify_event_metadata m;
	size_t off = 0;

	while (off + sizeof(m) <= (size_t)len) {
		memcpy(&m, buf + off, sizeof(m));
		if (m.vers != FANOTIFY_METADATA_VERSION ||
		    m.event_len < sizeof(m) || m.metadata_len < sizeof(m) ||
		    m.event_len > (size_t)len - off)
			return;
		if (m.mask & FAN_Q_OVERFLOW)
			overflow(w);
		/* our own process: a change through the mount, which the
		 * kernel has already accounted for in its caches */
		else if (m.pid != w->self)
			fan_event(w, &m, buf + off);
		off += m.event_len;
	}
}

static void in_events(struct lf_watch *w, const char *buf, ssize_t len)
{
	const struct inotify_event *e;
	ssize_t off;

	for (off = 0; off + (ssize_t)sizeof(*e) <= len;
	     off += (ssize_t)(sizeof(*e) + e->len)) {
		struct wnode *dirn;

		e = (const void *)(buf + off);
		if (e->mask & IN_Q_OVERFLOW) {
			overflow(w);
			continue;
		}
		pthread_mutex_lock(&w->lock);
		dirn = key_find(w, &e->wd, sizeof(e->wd));
		if (dirn && (e->mask & IN_IGNORED))
			key_unset(w, dirn);
		else if (dirn)
			change(w, dirn, e->len ? e->name : NULL,
			       e->mask & (IN_CREATE | IN_DELETE |
					  IN_MOVED_FROM | IN_MOVED_TO),
			       e->mask & IN_MODIFY);
		pthread_mutex_unlock(&w->lock);
	}
}

static void *watch_main(void *arg)
{
	struct lf_watch *w = arg;
	struct pollfd pfd[2] = {
		{ .fd = w->evfd, .events = POLLIN },
		{ .fd = w->stopfd, .events = POLLIN },
	};
	char *buf = malloc(WATCH_BUF);
	ssize_t n;

	if (!buf)
		return NULL;
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = read(w->evfd, buf, WATCH_BUF);
		if (n <= 0)
			continue;
		if (w->kind == W_FANOTIFY)
			fan_events(w, buf, n);
		else
			in_events(w, buf, n);
	}
	free(buf);
	return NULL;
}

/* ---- start, stop, invalidate everything ------------------------------ */

/*
 * A mark per directory the kernel knows, not one filesystem mark: events
 * of the rest of the filesystem (a busy root) never wake the thread. The
 * source's own mark proves the filesystem reports file handles.
 */
static int fan_open(int srcfd)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
			       FAN_REPORT_DFID_NAME, O_RDONLY | O_LARGEFILE);

	if (fd < 0)
		return -errno;
	/* through ".": an O_PATH descriptor cannot itself be marked */
	if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MASK, srcfd,
			  ".") < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* A stable reason word: the errno's name (EPERM, EXDEV, ...). */
static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "error";
}

/* fanotify, else inotify (unless the policy named one): the event fd. */
static int open_watcher(struct lf_watch *w, int want)
{
	int fd = -EOPNOTSUPP;

	if (want != FASTFUSE_WATCH_INOTIFY) {
		fd = fan_open(w->srcfd);
		if (fd >= 0) {
			w->kind = W_FANOTIFY;
			if (w->se->debug)
				fuse_log(FUSE_LOG_DEBUG,
					 "fastpath: watch=fanotify\n");
			return fd;
		}
		if (want == FASTFUSE_WATCH_FANOTIFY) {
			fuse_log(FUSE_LOG_ERR,
				 "fastpath: watch=off:fanotify_%s (watcher fanotify)\n",
				 errname(-fd));
			return fd;
		}
	}
	w->kind = W_INOTIFY;
	if (want == FASTFUSE_WATCH_INOTIFY)
		fuse_log(FUSE_LOG_INFO, "fastpath: watch=inotify:policy\n");
	else
		fuse_log(FUSE_LOG_INFO, "fastpath: watch=inotify:fanotify_%s\n",
			 errname(-fd));
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0) {
		fd = -errno;
		fuse_log(FUSE_LOG_ERR, "fastpath: watch=off:inotify_%s\n",
			 errname(-fd));
	}
	return fd;
}

static struct lf_watch *watch_new(struct fuse_session *se)
{
	struct lf_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->se = se;
	w->evfd = w->stopfd = w->srcfd = -1;
	w->self = getpid();
	pthread_mutex_init(&w->lock, NULL);
	w->source = strdup(se->fastpath->p.source);
	if (!w->source || htab_init(&w->dents) || htab_init(&w->nodes) ||
	    htab_init(&w->keys)) {
		lf_watch_stop(w);
		return NULL;
	}
	return w;
}

/* The root: nodeid 1 is source, never forgotten. */
static int add_root(struct lf_watch *w)
{
	unsigned char key[WKEY_MAX];
	struct wnode *root;
	size_t len;
	int err;

	err = dir_key(w, "", key, &len);
	if (err)
		return err;
	root = node_add(w, FUSE_ROOT_ID, true);
	if (!root)
		return -ENOMEM;
	root->nlookup = ROOT_LOOKUPS;
	key_set(w, root, key, len);
	return 0;
}

/* The thread takes no signals: a SIGINT meant to end the session must
 * interrupt the loop's read of /dev/fuse, not this thread's poll. */
static int start_thread(struct lf_watch *w)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&w->thread, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	w->running = !err;
	return err;
}

int lf_watch_start(struct fuse_session *se, struct lf_watch **ret_w)
{
	struct lf_watch *w = watch_new(se);
	int err;

	if (!w)
		return -ENOMEM;
	w->srcfd = open(w->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
	err = w->srcfd < 0 ? -errno : 0;
	if (!err) {
		w->evfd = open_watcher(w, se->fastpath->p.watcher);
		err = w->evfd < 0 ? w->evfd : 0;
	}
	if (!err)
		err = add_root(w);
	if (!err) {
		w->stopfd = eventfd(0, EFD_CLOEXEC);
		err = w->stopfd < 0 ? -errno : 0;
	}
	if (!err)
		err = start_thread(w);
	if (err) {
		fuse_log(FUSE_LOG_ERR,
			 "fastpath: watch=off: cannot watch %s: %s; changes behind the mount's back stay unseen\n",
			 w->source, strerror(-err));
		lf_watch_stop(w);
		return err;
	}
	*ret_w = w;
	return 0;
}

void lf_watch_stop(struct lf_watch *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	if (w->running) {
		if (write(w->stopfd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(w->thread);
		pthread_join(w->thread, NULL);
	}
	if (w->evfd >= 0)
		close(w->evfd);	/* drops every inotify watch too */
	if (w->stopfd >= 0)
		close(w->stopfd);
	if (w->srcfd >= 0)
		close(w->srcfd);
	htab_free(&w->dents, offsetof(struct wdent, h));
	htab_free(&w->nodes, offsetof(struct wnode, h));
	free(w->keys.b);
	pthread_mutex_destroy(&w->lock);
	free(w->source);
	free(w);
}

static int bump_epoch(struct fuse_session *se)
{
	struct iovec iov[1];

	if (se->proto_minor < 44)
		return -ENOSYS;
	return lf_send_notify(se, FUSE_NOTIFY_INC_EPOCH, iov, 1);
}

/* Snapshots of the tables, so that nothing is sent under the lock. */
static int snapshot(struct lf_watch *w, uint64_t **ret_nodes, size_t *ret_nn,
		    struct action **ret_dents, size_t *ret_nd, bool dents)
{
	size_t i, nn = 0, nd = 0;
	uint64_t *nodes;
	struct action *ds = NULL;
	struct hlink *l;

	nodes = malloc((w->nodes.n + 1) * sizeof(*nodes));
	if (dents)
		ds = malloc((w->dents.n + 1) * sizeof(*ds));
	if (!nodes || (dents && !ds)) {
		free(nodes);
		free(ds);
		return -ENOMEM;
	}
	for (i = 0; i < w->nodes.nb; i++)
		for (l = w->nodes.b[i]; l; l = l->next)
			nodes[nn++] = ENTRY_OF(l, struct wnode, h)->nodeid;
	for (i = 0; dents && i < w->dents.nb; i++) {
		for (l = w->dents.b[i]; l; l = l->next) {
			const struct wdent *d = ENTRY_OF(l, struct wdent, h);

			if (strlen(d->name) > NAME_MAX)
				continue;
			ds[nd].parent = d->parent;
			strcpy(ds[nd].name, d->name);
			nd++;
		}
	}
	*ret_nodes = nodes;
	*ret_nn = nn;
	*ret_dents = ds;
	*ret_nd = nd;
	return 0;
}

int lf_watch_invalidate_all(struct fuse_session *se, struct lf_watch *w)
{
	struct action *ds = NULL;
	uint64_t *nodes = NULL;
	size_t nn = 0, nd = 0, i;
	int epoch, err;

	if (!atomic_load(&se->got_init))
		return -ENOTCONN;
	epoch = bump_epoch(se);
	if (!w)
		return epoch;
	/* without an epoch, every known name goes one by one */
	pthread_mutex_lock(&w->lock);
	err = snapshot(w, &nodes, &nn, &ds, &nd, epoch < 0);
	pthread_mutex_unlock(&w->lock);
	if (err)
		return err;
	for (i = 0; i < nd; i++)
		fuse_lowlevel_notify_inval_entry(se, ds[i].parent, ds[i].name,
						 strlen(ds[i].name));
	for (i = 0; i < nn; i++)
		fuse_lowlevel_notify_inval_inode(se, nodes[i], 0, 0);
	free(nodes);
	free(ds);
	return 0;
}

void lf_watch_counts(struct lf_watch *w, size_t *ret_nodes,
		     size_t *ret_dents, size_t *ret_keys)
{
	pthread_mutex_lock(&w->lock);
	*ret_nodes = w->nodes.n;
	*ret_dents = w->dents.n;
	*ret_keys = w->keys.n;
	pthread_mutex_unlock(&w->lock);
}

FUSE_EXPORT int fastfuse_invalidate_all(struct fuse_session *se)
{
	if (!se)
		return -EINVAL;
	return lf_watch_invalidate_all(se, se->fastpath ? se->fastpath->watch :
						       NULL);
}

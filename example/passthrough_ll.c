// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough_ll: mirrors a source directory (-o source=DIR, default "/")
 * through the lowlevel API. Inodes are remembered as kernel file handles and
 * reopened on demand through a bounded cache of O_PATH descriptors, so trees
 * with more inodes than the open-file limit work. Where the source cannot
 * give out handles, an inode keeps one O_PATH descriptor instead.
 */

#define FUSE_USE_VERSION 318
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Node ids are pointers to struct pl_inode. */
_Static_assert(sizeof(fuse_ino_t) >= sizeof(uintptr_t),
	       "fuse_ino_t must hold a pointer");

/* Cached O_PATH descriptors of inodes that can be reopened by handle. */
#define PL_FD_CACHE_MAX 1024
/* Distinct mounts under the source we keep a descriptor for. */
#define PL_MAX_MOUNTS 64
#define PL_PROC_PATH_MAX 32

enum pl_cache_mode {
	PL_CACHE_NEVER,
	PL_CACHE_AUTO,
	PL_CACHE_ALWAYS,
};

struct pl_link {
	struct pl_link *prev;
	struct pl_link *next;
};

struct pl_inode {
	struct pl_inode *hash_next;
	struct pl_link lru;		/* in pl_fs.lru while its fd is evictable */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup;		/* references the kernel holds */
	unsigned int fd_users;		/* callers between get_fd and put_fd */
	unsigned int opens;		/* open files: their fd is kept */
	int fd;				/* O_PATH descriptor or -1 */
	int mount_fd;			/* for open_by_handle_at() */
	bool pinned;			/* no handle: fd is the only way back */
	bool in_lru;
	bool hashed;
	bool is_dir;
	bool is_symlink;
	struct file_handle *handle;	/* NULL when pinned */
};

struct pl_mount {
	int id;
	int fd;
};

struct pl_fs {
	pthread_mutex_t lock;		/* everything below up to root */
	struct pl_inode **buckets;
	size_t nbuckets;
	size_t ninodes;
	struct pl_link lru;		/* most recently used first */
	size_t nlru;
	struct pl_mount mounts[PL_MAX_MOUNTS];
	size_t nmounts;
	bool fallback_told;
	struct pl_inode root;

	bool no_handles;		/* whole source without handles */
	bool writeback_on;		/* negotiated in init */
	uid_t uid;
	gid_t gid;

	/* Command line (-o ...); -1 means "not given". */
	int debug;
	int writeback;
	int flock;
	int xattr;
	int cache;
	int timeout_set;
	double timeout;
	const char *source;
};

union pl_handle_buf {
	struct file_handle fh;
	unsigned char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

struct pl_dir {
	DIR *dp;
	struct dirent *entry;	/* read but not yet returned */
	off_t offset;		/* where the stream is positioned */
};

#define PL_OPT(t, field, v) { t, offsetof(struct pl_fs, field), v }
static const struct fuse_opt pl_opts[] = {
	PL_OPT("writeback", writeback, 1),
	PL_OPT("no_writeback", writeback, 0),
	PL_OPT("source=%s", source, 0),
	PL_OPT("flock", flock, 1),
	PL_OPT("no_flock", flock, 0),
	PL_OPT("xattr", xattr, 1),
	PL_OPT("no_xattr", xattr, 0),
	PL_OPT("timeout=%lf", timeout, 0),
	PL_OPT("timeout=", timeout_set, 1),
	PL_OPT("cache=never", cache, PL_CACHE_NEVER),
	PL_OPT("cache=auto", cache, PL_CACHE_AUTO),
	PL_OPT("cache=always", cache, PL_CACHE_ALWAYS),
	FUSE_OPT_END
};

static void pl_help(void)
{
	printf("    -o source=DIR          directory to mirror (default: /)\n"
	       "    -o writeback           enable the kernel's writeback cache\n"
	       "    -o no_writeback        disable the writeback cache\n"
	       "    -o flock               enable flock() locks\n"
	       "    -o no_flock            disable flock() locks\n"
	       "    -o xattr               enable extended attributes\n"
	       "    -o no_xattr            disable extended attributes\n"
	       "    -o timeout=SECONDS     attribute and entry cache timeout\n"
	       "    -o cache=never         no caching (timeout 0, direct I/O)\n"
	       "    -o cache=auto          ordinary caching (timeout 1s)\n"
	       "    -o cache=always        keep caches (timeout 1 day)\n");
}

/* ---- small helpers ---------------------------------------------------- */

static struct pl_fs *pl_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct pl_inode *pl_inode_of(struct pl_fs *fs, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fs->root;
	return (struct pl_inode *)(uintptr_t)ino;
}

static struct pl_inode *pl_inode(fuse_req_t req, fuse_ino_t ino)
{
	return pl_inode_of(pl_fs(req), ino);
}

static fuse_ino_t pl_nodeid(struct pl_fs *fs, struct pl_inode *in)
{
	return in == &fs->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)in;
}

static void pl_proc_path(char buf[PL_PROC_PATH_MAX], int fd)
{
	snprintf(buf, PL_PROC_PATH_MAX, "/proc/self/fd/%d", fd);
}

static bool pl_is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' &&
	       (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

static void pl_reply_status(fuse_req_t req, int res)
{
	fuse_reply_err(req, res < 0 ? errno : 0);
}

/* ---- descriptor cache --------------------------------------------------- */

#define pl_lru_inode(l) \
	((struct pl_inode *)((char *)(l) - offsetof(struct pl_inode, lru)))

static void pl_lru_unlink(struct pl_fs *fs, struct pl_inode *in)
{
	if (!in->in_lru)
		return;
	in->lru.prev->next = in->lru.next;
	in->lru.next->prev = in->lru.prev;
	in->in_lru = false;
	fs->nlru--;
}

static void pl_lru_push(struct pl_fs *fs, struct pl_inode *in)
{
	in->lru.next = fs->lru.next;
	in->lru.prev = &fs->lru;
	fs->lru.next->prev = &in->lru;
	fs->lru.next = &in->lru;
	in->in_lru = true;
	fs->nlru++;
}

/* Closes the oldest cached descriptors beyond the bound. A descriptor in
 * use is skipped: the bound may be exceeded by the number of threads. */
static void pl_lru_trim(struct pl_fs *fs)
{
	struct pl_link *l = fs->lru.prev;

	while (fs->nlru > PL_FD_CACHE_MAX && l != &fs->lru) {
		struct pl_inode *in = pl_lru_inode(l);

		l = l->prev;
		if (in->fd_users)
			continue;
		pl_lru_unlink(fs, in);
		close(in->fd);
		in->fd = -1;
	}
}

/* Gives @fd to @in unless it has one already; returns whether it took it. */
static bool pl_attach_fd_locked(struct pl_fs *fs, struct pl_inode *in, int fd)
{
	if (in->fd >= 0)
		return false;
	in->fd = fd;
	if (!in->pinned && !in->opens)
		pl_lru_push(fs, in);
	return true;
}

/*
 * Returns an O_PATH descriptor for @in, valid until pl_put_fd(), or -errno.
 * Pinned inodes own their descriptor for life, so they need no accounting.
 */
static int pl_get_fd(struct pl_fs *fs, struct pl_inode *in)
{
	int fd;

	if (in->pinned)
		return in->fd;
	pthread_mutex_lock(&fs->lock);
	if (in->fd >= 0) {
		in->fd_users++;
		if (in->in_lru) {
			pl_lru_unlink(fs, in);
			pl_lru_push(fs, in);
		}
		fd = in->fd;
		pthread_mutex_unlock(&fs->lock);
		return fd;
	}
	pthread_mutex_unlock(&fs->lock);

	fd = open_by_handle_at(in->mount_fd, in->handle, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	pthread_mutex_lock(&fs->lock);
	if (!pl_attach_fd_locked(fs, in, fd)) {
		/* Another thread reopened it first. */
		close(fd);
		fd = in->fd;
	}
	in->fd_users++;
	pl_lru_trim(fs);
	pthread_mutex_unlock(&fs->lock);
	return fd;
}

static void pl_put_fd(struct pl_fs *fs, struct pl_inode *in)
{
	if (in->pinned)
		return;
	pthread_mutex_lock(&fs->lock);
	in->fd_users--;
	pthread_mutex_unlock(&fs->lock);
}

/* An open file keeps its inode's descriptor: after an unlink, the handle
 * may no longer open, but fd-less requests (xattrs) must keep working. */
static void pl_hold(struct pl_fs *fs, struct pl_inode *in)
{
	if (in->pinned)
		return;
	pthread_mutex_lock(&fs->lock);
	if (!in->opens++)
		pl_lru_unlink(fs, in);
	pthread_mutex_unlock(&fs->lock);
}

static void pl_unhold(struct pl_fs *fs, struct pl_inode *in)
{
	if (in->pinned)
		return;
	pthread_mutex_lock(&fs->lock);
	if (!--in->opens && in->fd >= 0) {
		pl_lru_push(fs, in);
		pl_lru_trim(fs);
	}
	pthread_mutex_unlock(&fs->lock);
}

/* ---- inode table -------------------------------------------------------- */

static size_t pl_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)dev * 0xc2b2ae3d27d4eb4fULL;
	return (size_t)(h ^ (h >> 29));
}

static struct pl_inode *pl_hash_find_locked(struct pl_fs *fs, dev_t dev,
					    ino_t ino)
{
	struct pl_inode *in = fs->buckets[pl_hash(dev, ino) & (fs->nbuckets - 1)];

	while (in && (in->ino != ino || in->dev != dev))
		in = in->hash_next;
	return in;
}

/* Doubles the table; on allocation failure the old one just gets fuller. */
static void pl_hash_grow_locked(struct pl_fs *fs)
{
	size_t n = fs->nbuckets * 2;
	struct pl_inode **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < fs->nbuckets; i++) {
		struct pl_inode *in = fs->buckets[i];

		while (in) {
			struct pl_inode *next = in->hash_next;
			size_t h = pl_hash(in->dev, in->ino) & (n - 1);

			in->hash_next = b[h];
			b[h] = in;
			in = next;
		}
	}
	free(fs->buckets);
	fs->buckets = b;
	fs->nbuckets = n;
}

static void pl_hash_insert_locked(struct pl_fs *fs, struct pl_inode *in)
{
	size_t h;

	if (fs->ninodes >= fs->nbuckets)
		pl_hash_grow_locked(fs);
	h = pl_hash(in->dev, in->ino) & (fs->nbuckets - 1);
	in->hash_next = fs->buckets[h];
	fs->buckets[h] = in;
	in->hashed = true;
	fs->ninodes++;
}

static void pl_hash_remove_locked(struct pl_fs *fs, struct pl_inode *in)
{
	struct pl_inode **p;

	p = &fs->buckets[pl_hash(in->dev, in->ino) & (fs->nbuckets - 1)];
	while (*p && *p != in)
		p = &(*p)->hash_next;
	if (*p) {
		*p = in->hash_next;
		fs->ninodes--;
	}
	in->hashed = false;
}

static bool pl_handle_eq(const struct file_handle *a,
			 const struct file_handle *b)
{
	return a->handle_bytes == b->handle_bytes &&
	       a->handle_type == b->handle_type &&
	       memcmp(a->f_handle, b->f_handle, a->handle_bytes) == 0;
}

static void pl_note_fallback(struct pl_fs *fs, int err)
{
	bool tell;

	pthread_mutex_lock(&fs->lock);
	tell = !fs->fallback_told;
	fs->fallback_told = true;
	pthread_mutex_unlock(&fs->lock);
	if (tell)
		fprintf(stderr, "passthrough_ll: no file handles (%s): keeping one O_PATH fd per inode where needed\n",
			strerror(err));
}

/*
 * Returns a descriptor on the mount @mount_id for open_by_handle_at(),
 * opening one from @fd (an object on that mount) the first time. Such a
 * descriptor must be a real open file, so only directories and regular
 * files can serve.
 */
static int pl_mount_fd(struct pl_fs *fs, int mount_id, int fd,
		       const struct stat *st)
{
	char path[PL_PROC_PATH_MAX];
	int mfd = -1;
	size_t i;

	pthread_mutex_lock(&fs->lock);
	for (i = 0; i < fs->nmounts; i++) {
		if (fs->mounts[i].id == mount_id) {
			mfd = fs->mounts[i].fd;
			break;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	if (mfd >= 0)
		return mfd;

	pl_proc_path(path, fd);
	if (S_ISDIR(st->st_mode))
		mfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (S_ISREG(st->st_mode))
		mfd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	else
		return -EOPNOTSUPP;
	if (mfd < 0)
		return -errno;

	pthread_mutex_lock(&fs->lock);
	for (i = 0; i < fs->nmounts; i++) {
		if (fs->mounts[i].id == mount_id)
			break;
	}
	if (i < fs->nmounts) {
		close(mfd);
		mfd = fs->mounts[i].fd;
	} else if (fs->nmounts < PL_MAX_MOUNTS) {
		fs->mounts[fs->nmounts].id = mount_id;
		fs->mounts[fs->nmounts].fd = mfd;
		fs->nmounts++;
	} else {
		close(mfd);
		mfd = -ENOSPC;
	}
	pthread_mutex_unlock(&fs->lock);
	return mfd;
}

/* Encodes a handle for @fd; returns 0 and the mount's fd, or -errno. */
static int pl_get_handle(struct pl_fs *fs, int fd, const struct stat *st,
			 union pl_handle_buf *hb, int *ret_mount_fd)
{
	int mount_id;
	int mfd;

	if (fs->no_handles)
		return -EOPNOTSUPP;
	/* An unlinked inode cannot be reopened by handle. */
	if (!S_ISDIR(st->st_mode) && st->st_nlink == 0)
		return -ESTALE;
	hb->fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", &hb->fh, &mount_id, AT_EMPTY_PATH) < 0)
		return -errno;
	mfd = pl_mount_fd(fs, mount_id, fd, st);
	if (mfd < 0)
		return mfd;
	*ret_mount_fd = mfd;
	return 0;
}

static struct pl_inode *pl_inode_alloc(const struct stat *st,
				       const struct file_handle *fh,
				       int mount_fd)
{
	size_t hsz = fh ? sizeof(*fh) + fh->handle_bytes : 0;
	struct pl_inode *in = calloc(1, sizeof(*in) + hsz);

	if (!in)
		return NULL;
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->fd = -1;
	in->mount_fd = mount_fd;
	in->is_dir = S_ISDIR(st->st_mode);
	in->is_symlink = S_ISLNK(st->st_mode);
	if (fh) {
		in->handle = (struct file_handle *)(in + 1);
		memcpy(in->handle, fh, hsz);
	} else {
		in->pinned = true;
	}
	return in;
}

/* Reopens any descriptor as O_PATH, for inodes that must keep one. */
static int pl_reopen_path(int fd)
{
	char path[PL_PROC_PATH_MAX];
	int nfd;

	pl_proc_path(path, fd);
	nfd = open(path, O_PATH | O_CLOEXEC);
	return nfd < 0 ? -errno : nfd;
}

/*
 * Finds or creates the inode of the object open as @fd (attributes @st)
 * and takes one lookup reference on it. With @own_fd the descriptor (an
 * O_PATH one) is consumed: cached on the inode or closed.
 */
static int pl_inode_from_fd(struct pl_fs *fs, int fd, bool own_fd,
			    const struct stat *st, struct pl_inode **ret_in)
{
	union pl_handle_buf hb;
	struct file_handle *fh = NULL;
	struct pl_inode *in, *fresh;
	int mount_fd = -1;
	int err;

	err = pl_get_handle(fs, fd, st, &hb, &mount_fd);
	if (!err)
		fh = &hb.fh;
	else if (err != -ESTALE)
		pl_note_fallback(fs, -err);
	if (!fh && !own_fd) {
		fd = pl_reopen_path(fd);
		if (fd < 0)
			return fd;
		own_fd = true;
	}

	fresh = pl_inode_alloc(st, fh, mount_fd);
	pthread_mutex_lock(&fs->lock);
	in = pl_hash_find_locked(fs, st->st_dev, st->st_ino);
	if (in && fh && in->handle && !pl_handle_eq(in->handle, fh)) {
		/* The inode number was reused by a new file: the old entry
		 * lives on, unreachable, until the kernel forgets it. */
		pl_hash_remove_locked(fs, in);
		in = NULL;
	}
	if (!in) {
		if (!fresh) {
			pthread_mutex_unlock(&fs->lock);
			if (own_fd)
				close(fd);
			return -ENOMEM;
		}
		in = fresh;
		fresh = NULL;
		pl_hash_insert_locked(fs, in);
	}
	in->nlookup++;
	if (own_fd && pl_attach_fd_locked(fs, in, fd))
		own_fd = false;
	pl_lru_trim(fs);
	pthread_mutex_unlock(&fs->lock);

	free(fresh);
	if (own_fd)
		close(fd);
	*ret_in = in;
	return 0;
}

/* Drops @n lookup references; the last one frees the inode. */
static void pl_unref(struct pl_fs *fs, struct pl_inode *in, uint64_t n)
{
	if (in == &fs->root)
		return;
	pthread_mutex_lock(&fs->lock);
	in->nlookup = n > in->nlookup ? 0 : in->nlookup - n;
	if (in->nlookup) {
		pthread_mutex_unlock(&fs->lock);
		return;
	}
	if (in->hashed)
		pl_hash_remove_locked(fs, in);
	pl_lru_unlink(fs, in);
	pthread_mutex_unlock(&fs->lock);
	if (in->fd >= 0)
		close(in->fd);
	free(in);
}

/* ---- lookup and entry creation ---------------------------------------- */

static void pl_fill_entry(struct pl_fs *fs, struct pl_inode *in,
			  const struct stat *st, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = pl_nodeid(fs, in);
	e->attr = *st;
	e->attr_timeout = fs->timeout;
	e->entry_timeout = fs->timeout;
}

/* Looks @name up in the directory open as @dirfd; one reference taken. */
static int pl_lookup_at(struct pl_fs *fs, int dirfd, const char *name,
			struct fuse_entry_param *e)
{
	struct pl_inode *in;
	struct stat st;
	int fd, err;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = pl_inode_from_fd(fs, fd, true, &st, &in);
	if (err)
		return err;
	pl_fill_entry(fs, in, &st, e);
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "  %s -> %" PRIu64 "\n", name,
			 (uint64_t)e->ino);
	return 0;
}

static int pl_lookup_in(struct pl_fs *fs, struct pl_inode *dir,
			const char *name, struct fuse_entry_param *e)
{
	int dfd = pl_get_fd(fs, dir);
	int err;

	if (dfd < 0)
		return dfd;
	err = pl_lookup_at(fs, dfd, name, e);
	pl_put_fd(fs, dir);
	return err;
}

/* Replies with an entry; if the request died meanwhile, the kernel never
 * got the reference, so it is dropped here. */
static void pl_reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
	struct pl_fs *fs = pl_fs(req);

	if (fuse_reply_entry(req, e) == -ENOENT)
		pl_unref(fs, pl_inode_of(fs, e->ino), 1);
}

static void pl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	struct fuse_entry_param e;
	int err;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "lookup(parent=%" PRIu64 ", name=%s)\n",
			 (uint64_t)parent, name);
	/* ".." of the mirrored root must not climb out of the source. */
	if (dir == &fs->root && strcmp(name, "..") == 0)
		name = ".";
	err = pl_lookup_in(fs, dir, name, &e);
	if (err)
		fuse_reply_err(req, -err);
	else
		pl_reply_entry(req, &e);
}

/*
 * Makes a new object belong to the requesting user: the daemon runs as
 * root, so it is created as root and then given away. In a set-group-ID
 * directory the group the kernel chose (the directory's) is kept. Giving
 * a file away clears its set-ID bits, so those are put back afterwards.
 */
static int pl_give_to_caller(struct pl_fs *fs, fuse_req_t req, int dirfd,
			     const char *name, int fd, mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	uid_t uid = ctx->uid == fs->uid ? (uid_t)-1 : ctx->uid;
	gid_t gid = ctx->gid == fs->gid ? (gid_t)-1 : ctx->gid;
	struct stat dst;
	int res;

	if (gid != (gid_t)-1 && fstat(dirfd, &dst) == 0 &&
	    (dst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if (uid == (uid_t)-1 && gid == (gid_t)-1)
		return 0;
	if (fd >= 0)
		res = fchown(fd, uid, gid);
	else
		res = fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (res < 0)
		return -errno;
	if (!(mode & (S_ISUID | S_ISGID)) || S_ISDIR(mode) || S_ISLNK(mode))
		return 0;
	if (fd >= 0)
		res = fchmod(fd, mode & 07777);
	else
		res = fchmodat(dirfd, name, mode & 07777, 0);
	return res < 0 ? -errno : 0;
}

/* Creates a directory, device node, fifo, socket or symlink. */
static void pl_make_node(fuse_req_t req, fuse_ino_t parent, const char *name,
			 mode_t mode, dev_t rdev, const char *target)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	struct fuse_entry_param e;
	int dfd, res, err;

	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	if (target)
		res = symlinkat(target, dfd, name);
	else if (S_ISDIR(mode))
		res = mkdirat(dfd, name, mode & 07777);
	else
		res = mknodat(dfd, name, mode, rdev);
	err = res < 0 ? -errno : 0;
	if (!err) {
		err = pl_give_to_caller(fs, req, dfd, name, -1, mode);
		if (err)
			unlinkat(dfd, name, S_ISDIR(mode) ? AT_REMOVEDIR : 0);
	}
	if (!err)
		err = pl_lookup_at(fs, dfd, name, &e);
	pl_put_fd(fs, dir);
	if (err)
		fuse_reply_err(req, -err);
	else
		pl_reply_entry(req, &e);
}

static void pl_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	pl_make_node(req, parent, name, mode, rdev, NULL);
}

static void pl_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	pl_make_node(req, parent, name, S_IFDIR | mode, 0, NULL);
}

static void pl_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	pl_make_node(req, parent, name, S_IFLNK | 0777, 0, link);
}

/* Hard-links the inode open as @fd. AT_EMPTY_PATH needs the
 * CAP_DAC_READ_SEARCH we have as root; /proc is the unprivileged way. */
static int pl_link_fd(struct pl_inode *in, int fd, int dfd, const char *name)
{
	char path[PL_PROC_PATH_MAX];

	if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if ((errno != ENOENT && errno != EPERM) || in->is_symlink)
		return -errno;
	pl_proc_path(path, fd);
	if (linkat(AT_FDCWD, path, dfd, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

static void pl_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
		    const char *name)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	struct fuse_entry_param e;
	struct stat st;
	int fd, dfd, err;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		err = dfd;
		goto out;
	}
	err = pl_link_fd(in, fd, dfd, name);
	pl_put_fd(fs, dir);
	if (!err && fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	if (!err) {
		pthread_mutex_lock(&fs->lock);
		in->nlookup++;
		pthread_mutex_unlock(&fs->lock);
		pl_fill_entry(fs, in, &st, &e);
	}
out:
	pl_put_fd(fs, in);
	if (err)
		fuse_reply_err(req, -err);
	else
		pl_reply_entry(req, &e);
}

static void pl_unlink_common(fuse_req_t req, fuse_ino_t parent,
			     const char *name, int flags)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	int dfd = pl_get_fd(fs, dir);
	int res;

	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	res = unlinkat(dfd, name, flags);
	pl_reply_status(req, res);
	pl_put_fd(fs, dir);
}

static void pl_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	pl_unlink_common(req, parent, name, 0);
}

static void pl_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	pl_unlink_common(req, parent, name, AT_REMOVEDIR);
}

static void pl_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *from = pl_inode_of(fs, parent);
	struct pl_inode *to = pl_inode_of(fs, newparent);
	int ffd, tfd, res;

	ffd = pl_get_fd(fs, from);
	if (ffd < 0) {
		fuse_reply_err(req, -ffd);
		return;
	}
	tfd = pl_get_fd(fs, to);
	if (tfd < 0) {
		fuse_reply_err(req, -tfd);
		pl_put_fd(fs, from);
		return;
	}
	/* RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT: the source
	 * filesystem decides what it supports. */
	res = renameat2(ffd, name, tfd, newname, flags);
	pl_reply_status(req, res);
	pl_put_fd(fs, to);
	pl_put_fd(fs, from);
}

static void pl_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct pl_fs *fs = pl_fs(req);

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "forget(ino=%" PRIu64 ", n=%" PRIu64 ")\n",
			 (uint64_t)ino, nlookup);
	pl_unref(fs, pl_inode_of(fs, ino), nlookup);
	fuse_reply_none(req);
}

static void pl_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	struct pl_fs *fs = pl_fs(req);

	for (size_t i = 0; i < count; i++)
		pl_unref(fs, pl_inode_of(fs, forgets[i].ino),
			 forgets[i].nlookup);
	fuse_reply_none(req);
}

/* ---- attributes --------------------------------------------------------- */

/* Directory handles are not descriptors (see pl_opendir), so a handle the
 * kernel passes along with a directory must be ignored. */
static int pl_file_fd(struct pl_inode *in, struct fuse_file_info *fi)
{
	return fi && !in->is_dir ? (int)fi->fh : -1;
}

static int pl_stat_inode(struct pl_fs *fs, struct pl_inode *in,
			 struct fuse_file_info *fi, struct stat *st)
{
	int ffd = pl_file_fd(in, fi);
	int fd, res;

	if (ffd >= 0)
		return fstat(ffd, st) < 0 ? -errno : 0;
	fd = pl_get_fd(fs, in);
	if (fd < 0)
		return fd;
	res = fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	if (res < 0)
		res = -errno;
	pl_put_fd(fs, in);
	return res;
}

static void pl_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct stat st;
	int err;

	err = pl_stat_inode(fs, pl_inode_of(fs, ino), fi, &st);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs->timeout);
}

static int pl_set_times(int fd, int ffd, const struct stat *attr, int valid)
{
	struct timespec tv[2] = {
		{ .tv_nsec = UTIME_OMIT },
		{ .tv_nsec = UTIME_OMIT },
	};
	int res;

	if (valid & FUSE_SET_ATTR_ATIME_NOW)
		tv[0].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_ATIME)
		tv[0] = attr->st_atim;
	if (valid & FUSE_SET_ATTR_MTIME_NOW)
		tv[1].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_MTIME)
		tv[1] = attr->st_mtim;
	if (ffd >= 0)
		res = futimens(ffd, tv);
	else
		res = utimensat(fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	return res < 0 ? -errno : 0;
}

/* Applies the requested changes in the order chown, chmod, truncate,
 * times: a chown clears set-ID bits, so a mode set with it must follow. */
static int pl_apply_setattr(struct pl_inode *in, int fd, int ffd,
			    const struct stat *attr, int valid)
{
	char path[PL_PROC_PATH_MAX];
	int res = 0;

	pl_proc_path(path, fd);
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = valid & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
		gid_t gid = valid & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;

		res = fchownat(fd, "", uid, gid,
			       AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		if (res < 0)
			return -errno;
	}
	if (valid & FUSE_SET_ATTR_MODE) {
		if (ffd >= 0)
			res = fchmod(ffd, attr->st_mode & 07777);
		else if (in->is_symlink)
			return -EOPNOTSUPP;
		else
			res = chmod(path, attr->st_mode & 07777);
		if (res < 0)
			return -errno;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		if (ffd >= 0)
			res = ftruncate(ffd, attr->st_size);
		else
			res = truncate(path, attr->st_size);
		if (res < 0)
			return -errno;
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))
		return pl_set_times(fd, ffd, attr, valid);
	return 0;
}

static void pl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int valid, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct stat st;
	int fd, err;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	err = pl_apply_setattr(in, fd, pl_file_fd(in, fi), attr, valid);
	if (!err && fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	pl_put_fd(fs, in);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs->timeout);
}

static void pl_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	int ffd = pl_file_fd(in, fi);
	int sync = flags & AT_STATX_SYNC_TYPE;
	struct statx stx;
	int fd, res;

	if (ffd >= 0) {
		res = statx(ffd, "", AT_EMPTY_PATH | sync, (unsigned int)mask,
			    &stx);
	} else {
		fd = pl_get_fd(fs, in);
		if (fd < 0) {
			fuse_reply_err(req, -fd);
			return;
		}
		res = statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | sync,
			    (unsigned int)mask, &stx);
		pl_put_fd(fs, in);
	}
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statx(req, 0, &stx, fs->timeout);
}

static void pl_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	char buf[PATH_MAX + 1];
	ssize_t n;
	int fd;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	n = readlinkat(fd, "", buf, sizeof(buf));
	if (n < 0)
		n = -errno;
	pl_put_fd(fs, in);
	if (n < 0) {
		fuse_reply_err(req, (int)-n);
		return;
	}
	if ((size_t)n == sizeof(buf)) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

static void pl_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct statvfs sv;
	int fd, res;

	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	res = fstatvfs(fd, &sv);
	if (res < 0)
		res = -errno;
	pl_put_fd(fs, in);
	if (res < 0)
		fuse_reply_err(req, -res);
	else
		fuse_reply_statfs(req, &sv);
}

/* ---- directories -------------------------------------------------------- */

static struct pl_dir *pl_dir(struct fuse_file_info *fi)
{
	return (struct pl_dir *)(uintptr_t)fi->fh;
}

static void pl_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	struct pl_dir *d;
	int fd, dfd, err;

	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		err = -fd;
		goto out_free;
	}
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = dfd < 0 ? errno : 0;
	pl_put_fd(fs, in);
	if (err)
		goto out_free;
	d->dp = fdopendir(dfd);
	if (!d->dp) {
		err = errno;
		close(dfd);
		goto out_free;
	}
	fi->fh = (uintptr_t)d;
	if (fs->cache == PL_CACHE_ALWAYS)
		fi->cache_readdir = 1;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		closedir(d->dp);
		free(d);
	}
	return;
out_free:
	free(d);
	fuse_reply_err(req, err);
}

/* Adds the entry @ent to @buf; returns its size, which exceeds @rem when
 * it did not fit (and then nothing was added, no reference kept). */
static size_t pl_add_entry(fuse_req_t req, struct pl_dir *d, char *buf,
			   size_t rem, bool plus, int *ret_err)
{
	struct pl_fs *fs = pl_fs(req);
	const struct dirent *ent = d->entry;
	struct fuse_entry_param e = {
		.attr.st_ino = ent->d_ino,
		.attr.st_mode = (mode_t)ent->d_type << 12,
	};
	size_t size;
	int err;

	*ret_err = 0;
	if (!plus)
		return fuse_add_direntry(req, buf, rem, ent->d_name, &e.attr,
					 ent->d_off);
	/* "." and ".." carry no lookup reference (node id 0). */
	if (!pl_is_dot_or_dotdot(ent->d_name)) {
		err = pl_lookup_at(fs, dirfd(d->dp), ent->d_name, &e);
		if (err) {
			*ret_err = -err;
			return 0;
		}
	}
	size = fuse_add_direntry_plus(req, buf, rem, ent->d_name, &e,
				      ent->d_off);
	if (size > rem && e.ino)
		pl_unref(fs, pl_inode_of(fs, e.ino), 1);
	return size;
}

static void pl_do_readdir(fuse_req_t req, size_t size, off_t offset,
			  struct fuse_file_info *fi, bool plus)
{
	struct pl_dir *d = pl_dir(fi);
	size_t rem = size;
	char *buf, *p;
	int err = 0;

	buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	p = buf;
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		size_t n;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		n = pl_add_entry(req, d, p, rem, plus, &err);
		if (err)
			break;
		if (n > rem)
			break;
		p += n;
		rem -= n;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
	/* Entries already in the buffer hold lookup references: once there
	 * is one, an error cannot be reported without leaking them. */
	if (err && rem == size)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void pl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t offset, struct fuse_file_info *fi)
{
	(void)ino;
	pl_do_readdir(req, size, offset, fi, false);
}

static void pl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t offset, struct fuse_file_info *fi)
{
	(void)ino;
	pl_do_readdir(req, size, offset, fi, true);
}

static void pl_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct pl_dir *d = pl_dir(fi);

	(void)ino;
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

static void pl_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	int fd = dirfd(pl_dir(fi)->dp);

	(void)ino;
	pl_reply_status(req, datasync ? fdatasync(fd) : fsync(fd));
}

/* ---- files -------------------------------------------------------------- */

/*
 * With the writeback cache the kernel reads pages around partial writes,
 * so a write-only open must be able to read. It also computes append
 * offsets itself and sends them explicitly, while pwrite() on an O_APPEND
 * descriptor ignores the offset: O_APPEND has to go. (Appends then are
 * only as atomic as the kernel's idea of the file size.)
 */
static int pl_open_flags(const struct pl_fs *fs, int flags)
{
	flags &= ~O_NOFOLLOW;
	flags |= O_CLOEXEC;
	if (fs->writeback_on) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags;
}

static void pl_set_file_cache(const struct pl_fs *fs,
			      struct fuse_file_info *fi)
{
	if (fs->cache == PL_CACHE_NEVER)
		fi->direct_io = 1;
	else if (fs->cache == PL_CACHE_ALWAYS)
		fi->keep_cache = 1;
}

/* Sends the reply to create/tmpfile; undoes everything if it is lost. */
static void pl_reply_create(fuse_req_t req, struct pl_inode *in,
			    const struct fuse_entry_param *e,
			    struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);

	if (fuse_reply_create(req, e, fi) == -ENOENT) {
		close((int)fi->fh);
		pl_unhold(fs, in);
		pl_unref(fs, in, 1);
	}
}

/* Registers the new file open as @fd and replies; closes @fd on error. */
static void pl_finish_create(fuse_req_t req, int dfd, const char *name,
			     int fd, mode_t mode, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct fuse_entry_param e;
	struct pl_inode *in;
	struct stat st;
	int err;

	err = pl_give_to_caller(fs, req, dfd, name, fd, mode);
	if (!err && fstat(fd, &st) < 0)
		err = -errno;
	if (!err)
		err = pl_inode_from_fd(fs, fd, false, &st, &in);
	if (err) {
		close(fd);
		if (name)
			unlinkat(dfd, name, 0);
		fuse_reply_err(req, -err);
		return;
	}
	pl_hold(fs, in);
	pl_fill_entry(fs, in, &st, &e);
	fi->fh = (uint64_t)fd;
	pl_set_file_cache(fs, fi);
	pl_reply_create(req, in, &e, fi);
}

static void pl_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	int dfd, fd, flags;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "create(parent=%" PRIu64 ", name=%s)\n",
			 (uint64_t)parent, name);
	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	flags = pl_open_flags(fs, fi->flags) | O_CREAT;
	fd = openat(dfd, name, flags, mode);
	if (fd < 0)
		fuse_reply_err(req, errno);
	/* Only a file this call made may be given away or removed again. */
	else if (!(flags & O_EXCL) && !(fi->flags & O_EXCL))
		pl_finish_create(req, dfd, NULL, fd, mode, fi);
	else
		pl_finish_create(req, dfd, name, fd, mode, fi);
	pl_put_fd(fs, dir);
}

static void pl_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *dir = pl_inode_of(fs, parent);
	int dfd, fd, flags;

	dfd = pl_get_fd(fs, dir);
	if (dfd < 0) {
		fuse_reply_err(req, -dfd);
		return;
	}
	flags = (pl_open_flags(fs, fi->flags) | O_TMPFILE) & ~O_CREAT;
	fd = openat(dfd, ".", flags, mode);
	if (fd < 0)
		fuse_reply_err(req, errno);
	else
		pl_finish_create(req, dfd, NULL, fd, mode, fi);
	pl_put_fd(fs, dir);
}

static void pl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);
	struct pl_inode *in = pl_inode_of(fs, ino);
	char path[PL_PROC_PATH_MAX];
	int fd, nfd;

	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "open(ino=%" PRIu64 ", flags=0%o)\n",
			 (uint64_t)ino, fi->flags);
	fd = pl_get_fd(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	pl_proc_path(path, fd);
	nfd = open(path, pl_open_flags(fs, fi->flags));
	if (nfd < 0) {
		fuse_reply_err(req, errno);
		pl_put_fd(fs, in);
		return;
	}
	pl_hold(fs, in);
	pl_put_fd(fs, in);
	fi->fh = (uint64_t)nfd;
	pl_set_file_cache(fs, fi);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		close(nfd);
		pl_unhold(fs, in);
	}
}

static void pl_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct pl_fs *fs = pl_fs(req);

	close((int)fi->fh);
	pl_unhold(fs, pl_inode_of(fs, ino));
	fuse_reply_err(req, 0);
}

/* close() of a duplicate is what the underlying filesystem sees as the
 * application's close: NFS flushes there, and POSIX locks are dropped. */
static void pl_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd = dup((int)fi->fh);

	(void)ino;
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	pl_reply_status(req, close(fd));
}

static void pl_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	int fd = (int)fi->fh;

	(void)ino;
	pl_reply_status(req, datasync ? fdatasync(fd) : fsync(fd));
}

static void pl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)fi->fh;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void pl_write_buf(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_bufvec *in_buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in_buf));
	ssize_t res;

	(void)ino;
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = (int)fi->fh;
	out.buf[0].pos = off;
	res = fuse_buf_copy(&out, in_buf, 0);
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else
		fuse_reply_write(req, (size_t)res);
}

static void pl_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			 off_t offset, off_t length, struct fuse_file_info *fi)
{
	(void)ino;
	pl_reply_status(req, fallocate((int)fi->fh, mode, offset, length));
}

static void pl_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     int op)
{
	(void)ino;
	pl_reply_status(req, flock((int)fi->fh, op));
}

static void pl_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
			       off_t off_in, struct fuse_file_info *fi_in,
			       fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len,
			       int flags)
{
	ssize_t res;

	(void)ino_in;
	(void)ino_out;
	res = copy_file_range((int)fi_in->fh, &off_in, (int)fi_out->fh,
			      &off_out, len, (unsigned int)flags);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, (size_t)res);
}

static void pl_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	off_t res;

	(void)ino;
	res = lseek((int)fi->fh, off, whence);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}

/* ---- extended attributes ------------------------------------------------ */

/*
 * O_PATH descriptors cannot do f*xattr(), so xattrs go through the
 * descriptor's /proc path. Disabled (ENOSYS, which the kernel remembers)
 * unless -o xattr was given.
 */
static int pl_xattr_path(fuse_req_t req, fuse_ino_t ino,
			 char path[PL_PROC_PATH_MAX])
{
	struct pl_fs *fs = pl_fs(req);
	int fd;

	if (fs->xattr != 1)
		return -ENOSYS;
	fd = pl_get_fd(fs, pl_inode_of(fs, ino));
	if (fd < 0)
		return fd;
	pl_proc_path(path, fd);
	return 0;
}

static void pl_xattr_done(fuse_req_t req, fuse_ino_t ino)
{
	struct pl_fs *fs = pl_fs(req);

	pl_put_fd(fs, pl_inode_of(fs, ino));
}

/* Replies to a get/list query: the size for @size 0, else the data. */
static void pl_reply_xattr_value(fuse_req_t req, size_t size, ssize_t n,
				 const char *value)
{
	if (n < 0)
		fuse_reply_err(req, errno);
	else if (!size)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, value, (size_t)n);
}

static void pl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	char path[PL_PROC_PATH_MAX];
	char *value = NULL;
	ssize_t n;
	int err;

	err = pl_xattr_path(req, ino, path);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	if (size && !(value = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	n = getxattr(path, name, value, size);
	pl_reply_xattr_value(req, size, n, value);
out:
	free(value);
	pl_xattr_done(req, ino);
}

static void pl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char path[PL_PROC_PATH_MAX];
	char *value = NULL;
	ssize_t n;
	int err;

	err = pl_xattr_path(req, ino, path);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	if (size && !(value = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	n = listxattr(path, value, size);
	pl_reply_xattr_value(req, size, n, value);
out:
	free(value);
	pl_xattr_done(req, ino);
}

static void pl_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	char path[PL_PROC_PATH_MAX];
	int err;

	err = pl_xattr_path(req, ino, path);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	pl_reply_status(req, setxattr(path, name, value, size, flags));
	pl_xattr_done(req, ino);
}

static void pl_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	char path[PL_PROC_PATH_MAX];
	int err;

	err = pl_xattr_path(req, ino, path);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	pl_reply_status(req, removexattr(path, name));
	pl_xattr_done(req, ino);
}

/* ---- session ------------------------------------------------------------ */

static void pl_init(void *userdata, struct fuse_conn_info *conn)
{
	struct pl_fs *fs = userdata;

	fuse_set_feature_flag(conn, FUSE_CAP_EXPORT_SUPPORT);
	if (fs->writeback == 1)
		fuse_set_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	else if (fs->writeback == 0)
		fuse_unset_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	if (fs->flock == 1)
		fuse_set_feature_flag(conn, FUSE_CAP_FLOCK_LOCKS);
	else if (fs->flock == 0)
		fuse_unset_feature_flag(conn, FUSE_CAP_FLOCK_LOCKS);
	fs->writeback_on = (conn->want_ext & FUSE_CAP_WRITEBACK_CACHE) != 0;
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "init: writeback %s, flock %s\n",
			 fs->writeback_on ? "on" : "off",
			 conn->want_ext & FUSE_CAP_FLOCK_LOCKS ? "on" : "off");
}

static const struct fuse_lowlevel_ops pl_ops = {
	.init = pl_init,
	.lookup = pl_lookup,
	.mkdir = pl_mkdir,
	.mknod = pl_mknod,
	.symlink = pl_symlink,
	.link = pl_link,
	.unlink = pl_unlink,
	.rmdir = pl_rmdir,
	.rename = pl_rename,
	.forget = pl_forget,
	.forget_multi = pl_forget_multi,
	.getattr = pl_getattr,
	.setattr = pl_setattr,
	.readlink = pl_readlink,
	.opendir = pl_opendir,
	.readdir = pl_readdir,
	.readdirplus = pl_readdirplus,
	.releasedir = pl_releasedir,
	.fsyncdir = pl_fsyncdir,
	.create = pl_create,
	.tmpfile = pl_tmpfile,
	.open = pl_open,
	.release = pl_release,
	.flush = pl_flush,
	.fsync = pl_fsync,
	.read = pl_read,
	.write_buf = pl_write_buf,
	.statfs = pl_statfs,
	.fallocate = pl_fallocate,
	.flock = pl_flock,
	.getxattr = pl_getxattr,
	.listxattr = pl_listxattr,
	.setxattr = pl_setxattr,
	.removexattr = pl_removexattr,
	.copy_file_range = pl_copy_file_range,
	.lseek = pl_lseek,
	.statx = pl_statx,
};

/* Checks -o source and the timeout; fills in their defaults. */
static int pl_check_options(struct pl_fs *fs)
{
	struct stat st;

	if (!fs->source)
		fs->source = "/";
	if (stat(fs->source, &st) < 0) {
		fprintf(stderr, "passthrough_ll: source \"%s\": %s\n",
			fs->source, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "passthrough_ll: source \"%s\" is not a directory\n",
			fs->source);
		return -1;
	}
	if (!fs->timeout_set) {
		static const double defaults[] = {
			[PL_CACHE_NEVER] = 0.0,
			[PL_CACHE_AUTO] = 1.0,
			[PL_CACHE_ALWAYS] = 86400.0,
		};
		fs->timeout = defaults[fs->cache];
	} else if (fs->timeout < 0) {
		fprintf(stderr, "passthrough_ll: timeout is negative (%g)\n",
			fs->timeout);
		return -1;
	}
	return 0;
}

/*
 * Sets up the root inode and decides whether handles can be used: the
 * source must give them out and we must be allowed to open them (root,
 * CAP_DAC_READ_SEARCH). Otherwise every inode keeps its descriptor.
 */
static int pl_open_root(struct pl_fs *fs)
{
	union pl_handle_buf hb;
	struct pl_inode *root = &fs->root;
	struct stat st;
	int mount_fd, fd, err;

	root->fd = open(fs->source, O_PATH | O_CLOEXEC);
	if (root->fd < 0 || fstat(root->fd, &st) < 0) {
		fprintf(stderr, "passthrough_ll: open(\"%s\", O_PATH): %s\n",
			fs->source, strerror(errno));
		return -1;
	}
	root->pinned = true;
	root->is_dir = true;
	root->dev = st.st_dev;
	root->ino = st.st_ino;
	root->nlookup = 2;
	root->mount_fd = -1;

	err = pl_get_handle(fs, root->fd, &st, &hb, &mount_fd);
	if (!err) {
		fd = open_by_handle_at(mount_fd, &hb.fh, O_PATH | O_CLOEXEC);
		if (fd < 0)
			err = -errno;
		else
			close(fd);
	}
	if (err) {
		fs->no_handles = true;
		pl_note_fallback(fs, -err);
	}
	pthread_mutex_lock(&fs->lock);
	pl_hash_insert_locked(fs, root);
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

static int pl_fs_init(struct pl_fs *fs)
{
	memset(fs, 0, sizeof(*fs));
	pthread_mutex_init(&fs->lock, NULL);
	fs->nbuckets = 1024;
	fs->buckets = calloc(fs->nbuckets, sizeof(*fs->buckets));
	if (!fs->buckets)
		return -ENOMEM;
	fs->lru.next = fs->lru.prev = &fs->lru;
	fs->root.fd = -1;
	fs->uid = geteuid();
	fs->gid = getegid();
	fs->writeback = -1;
	fs->flock = -1;
	fs->xattr = -1;
	fs->cache = PL_CACHE_AUTO;
	return 0;
}

/* Frees whatever the kernel did not forget before the session ended. */
static void pl_fs_destroy(struct pl_fs *fs)
{
	for (size_t i = 0; fs->buckets && i < fs->nbuckets; i++) {
		struct pl_inode *in = fs->buckets[i];

		while (in) {
			struct pl_inode *next = in->hash_next;

			if (in != &fs->root) {
				if (in->fd >= 0)
					close(in->fd);
				free(in);
			}
			in = next;
		}
	}
	free(fs->buckets);
	for (size_t i = 0; i < fs->nmounts; i++)
		close(fs->mounts[i].fd);
	if (fs->root.fd >= 0)
		close(fs->root.fd);
	pthread_mutex_destroy(&fs->lock);
}

/* Lets the descriptor cache and open files use all the hard limit allows. */
static void pl_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int pl_loop(struct fuse_session *se,
		   const struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (opts->singlethread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -1;
	fuse_loop_cfg_set_clone_fd(cfg, opts->clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
	fuse_loop_cfg_set_idle_threads(cfg, opts->max_idle_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_session *se;
	static struct pl_fs fs;
	int ret = 1;

	/* Modes arrive with the caller's umask already applied. */
	umask(0);
	if (pl_fs_init(&fs) < 0)
		return 1;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_fs;
	if (opts.show_help) {
		printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		pl_help();
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		printf("usage: %s [options] <mountpoint>\n", argv[0]);
		printf("       %s --help\n", argv[0]);
		goto out_args;
	}
	if (fuse_opt_parse(&args, &fs, pl_opts, NULL) == -1)
		goto out_args;
	fs.debug = opts.debug;
	if (pl_check_options(&fs) < 0)
		goto out_args;
	pl_raise_fd_limit();
	if (pl_open_root(&fs) < 0)
		goto out_args;

	se = fuse_session_new(&args, &pl_ops, sizeof(pl_ops), &fs);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);
	ret = pl_loop(se, &opts) ? 1 : 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
out_fs:
	pl_fs_destroy(&fs);
	return ret;
}

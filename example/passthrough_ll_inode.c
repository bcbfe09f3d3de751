// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough_ll: the inode table. Inodes are keyed by (st_dev, st_ino),
 * refcounted by the kernel's lookups, and remembered as file handles that
 * open_by_handle_at() turns back into O_PATH descriptors; a bounded LRU
 * keeps the recently used descriptors open.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "passthrough_ll.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

union pl_handle_buf {
	struct file_handle fh;
	unsigned char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

/* ---- descriptor cache --------------------------------------------------- */

/*
 * Pinned inodes own their descriptor for life, so they skip the
 * accounting. An inode may become pinned later (pl_keep_alive()): the flag
 * is published after its descriptor.
 */
static bool pl_is_pinned(const struct pl_inode *in)
{
	return __atomic_load_n(&in->pinned, __ATOMIC_ACQUIRE);
}

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

int pl_get_fd(struct pl_fs *fs, struct pl_inode *in)
{
	int fd;

	if (pl_is_pinned(in))
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

void pl_put_fd(struct pl_fs *fs, struct pl_inode *in)
{
	if (pl_is_pinned(in))
		return;
	pthread_mutex_lock(&fs->lock);
	in->fd_users--;
	pthread_mutex_unlock(&fs->lock);
}

/* An open file keeps its inode's descriptor: after an unlink, the handle
 * may no longer open, but fd-less requests (xattrs) must keep working. */
void pl_hold(struct pl_fs *fs, struct pl_inode *in)
{
	if (pl_is_pinned(in))
		return;
	pthread_mutex_lock(&fs->lock);
	if (!in->opens++)
		pl_lru_unlink(fs, in);
	pthread_mutex_unlock(&fs->lock);
}

void pl_unhold(struct pl_fs *fs, struct pl_inode *in)
{
	if (pl_is_pinned(in))
		return;
	pthread_mutex_lock(&fs->lock);
	/* Re-checked under the lock: pl_keep_alive() may have pinned it. */
	if (!--in->opens && in->fd >= 0 && !in->pinned) {
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

static void pl_orphan_remove_locked(struct pl_fs *fs, struct pl_inode *in)
{
	struct pl_inode **p = &fs->orphans;

	while (*p && *p != in)
		p = &(*p)->hash_next;
	if (*p)
		*p = in->hash_next;
}

static void pl_free_chain(struct pl_fs *fs, struct pl_inode *in)
{
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

int pl_inode_from_fd(struct pl_fs *fs, int fd, bool own_fd,
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
		in->hash_next = fs->orphans;
		fs->orphans = in;
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

void pl_keep_alive(struct pl_fs *fs, int dirfd, const char *name)
{
	struct pl_inode *in;
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Another name keeps the handle valid. */
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISDIR(st.st_mode) && st.st_nlink > 1)) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	in = pl_hash_find_locked(fs, st.st_dev, st.st_ino);
	if (in && !in->pinned) {
		pl_lru_unlink(fs, in);
		if (in->fd < 0) {
			in->fd = fd;
			fd = -1;
		}
		__atomic_store_n(&in->pinned, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&fs->lock);
	if (fd >= 0)
		close(fd);
}

void pl_unref(struct pl_fs *fs, struct pl_inode *in, uint64_t n)
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
	else
		pl_orphan_remove_locked(fs, in);
	pl_lru_unlink(fs, in);
	pthread_mutex_unlock(&fs->lock);
	if (in->fd >= 0)
		close(in->fd);
	free(in);
}

/* ---- setup and teardown ------------------------------------------------- */

/*
 * Sets up the root inode and decides whether handles can be used: the
 * source must give them out and we must be allowed to open them (root,
 * CAP_DAC_READ_SEARCH). Otherwise every inode keeps its descriptor.
 */
int pl_open_root(struct pl_fs *fs)
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

int pl_fs_init(struct pl_fs *fs)
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
void pl_fs_destroy(struct pl_fs *fs)
{
	for (size_t i = 0; fs->buckets && i < fs->nbuckets; i++)
		pl_free_chain(fs, fs->buckets[i]);
	pl_free_chain(fs, fs->orphans);
	free(fs->buckets);
	for (size_t i = 0; i < fs->nmounts; i++)
		close(fs->mounts[i].fd);
	if (fs->root.fd >= 0)
		close(fs->root.fd);
	pthread_mutex_destroy(&fs->lock);
}

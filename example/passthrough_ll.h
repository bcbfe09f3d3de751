/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * passthrough_ll: the state shared by the request handlers
 * (passthrough_ll.c) and the inode table with its descriptor cache
 * (passthrough_ll_inode.c).
 */

#ifndef PASSTHROUGH_LL_H_
#define PASSTHROUGH_LL_H_

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 318
#endif
#include <fuse_lowlevel.h>
#include <fastfuse.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

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
	struct pl_inode *hash_next;	/* or next orphan when !hashed */
	struct pl_link lru;		/* in pl_fs.lru while its fd is evictable */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup;		/* references the kernel holds */
	unsigned int fd_users;		/* callers between get_fd and put_fd */
	unsigned int opens;		/* open files: their fd is kept */
	int fd;				/* O_PATH descriptor or -1 */
	int mount_fd;			/* for open_by_handle_at() */
	bool pinned;			/* fd is the only way back (atomic) */
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
	struct pl_inode *orphans;	/* unhashed, still known to the kernel */
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

static inline struct pl_inode *pl_inode_of(struct pl_fs *fs, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fs->root;
	return (struct pl_inode *)(uintptr_t)ino;
}

static inline fuse_ino_t pl_nodeid(struct pl_fs *fs, struct pl_inode *in)
{
	return in == &fs->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)in;
}

/* The /proc path that reopens (or acts on) descriptor @fd. */
static inline void pl_proc_path(char buf[PL_PROC_PATH_MAX], int fd)
{
	snprintf(buf, PL_PROC_PATH_MAX, "/proc/self/fd/%d", fd);
}

/* Returns an O_PATH descriptor of @in valid until pl_put_fd(), or -errno. */
int pl_get_fd(struct pl_fs *fs, struct pl_inode *in);
void pl_put_fd(struct pl_fs *fs, struct pl_inode *in);

/* Open files keep their inode's descriptor (see passthrough_ll_inode.c). */
void pl_hold(struct pl_fs *fs, struct pl_inode *in);
void pl_unhold(struct pl_fs *fs, struct pl_inode *in);

/*
 * Finds or creates the inode of the object open as @fd (attributes @st)
 * and takes one lookup reference on it. With @own_fd the descriptor (an
 * O_PATH one) is consumed: cached on the inode or closed.
 */
int pl_inode_from_fd(struct pl_fs *fs, int fd, bool own_fd,
		     const struct stat *st, struct pl_inode **ret_in);

/*
 * Called before @name in @dirfd loses a link (unlink, rmdir, rename over
 * it): if the kernel knows the inode and this is its last name, its handle
 * will stop opening, so the inode keeps a descriptor from now on. The
 * kernel may still need it: open files, dirty pages flushed after close.
 */
void pl_keep_alive(struct pl_fs *fs, int dirfd, const char *name);

/* Drops @n lookup references; the last one frees the inode. */
void pl_unref(struct pl_fs *fs, struct pl_inode *in, uint64_t n);

int pl_fs_init(struct pl_fs *fs);
/* Opens -o source as the root inode and decides whether handles work. */
int pl_open_root(struct pl_fs *fs);
void pl_fs_destroy(struct pl_fs *fs);

#endif /* PASSTHROUGH_LL_H_ */

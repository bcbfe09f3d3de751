/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * passthrough_common: what passthrough_ll.c and passthrough_hp.c share
 * (passthrough_common.c). The session data of both starts with a
 * struct pl_fs, so a handler here finds the inode table at the start of
 * fuse_req_userdata().
 */

#ifndef PASSTHROUGH_COMMON_H_
#define PASSTHROUGH_COMMON_H_

#include "passthrough_ll.h"

#include <errno.h>

static inline struct pl_fs *pc_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static inline bool pc_is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' &&
	       (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

static inline void pc_reply_status(fuse_req_t req, int res)
{
	fuse_reply_err(req, res < 0 ? errno : 0);
}

/* Directory handles are not descriptors (see pl_opendir), so a handle the
 * kernel passes along with a directory must be ignored. */
static inline int pc_file_fd(struct pl_inode *in, struct fuse_file_info *fi)
{
	return fi && !in->is_dir ? (int)fi->fh : -1;
}

void pc_fill_entry(struct pl_fs *fs, struct pl_inode *in,
		   const struct stat *st, struct fuse_entry_param *e);

/* Looks @name up in the directory open as @dirfd; one reference taken. */
int pc_lookup_at(struct pl_fs *fs, int dirfd, const char *name,
		 struct fuse_entry_param *e);

/* Replies with an entry; if the request died meanwhile, the kernel never
 * got the reference, so it is dropped here. */
void pc_reply_entry(fuse_req_t req, const struct fuse_entry_param *e);

/*
 * Makes a new object belong to the requesting user: the daemon runs as
 * root, so it is created as root and then given away. In a set-group-ID
 * directory the group the kernel chose (the directory's) is kept. Giving
 * a file away clears its set-ID bits, so those are put back afterwards.
 */
int pc_give_to_caller(struct pl_fs *fs, fuse_req_t req, int dirfd,
		      const char *name, int fd, mode_t mode);

/* Creates a directory, device node, fifo, socket or symlink. */
void pc_make_node(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, dev_t rdev, const char *target);

void pc_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode, dev_t rdev);

void pc_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode);

void pc_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name);

void pc_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
	     const char *name);

void pc_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);

void pc_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);

void pc_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname,
	       unsigned int flags);

void pc_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);

void pc_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets);

int pc_set_times(int fd, int ffd, const struct stat *attr, int valid);

void pc_readlink(fuse_req_t req, fuse_ino_t ino);

void pc_statfs(fuse_req_t req, fuse_ino_t ino);

/* close() of a duplicate is what the underlying filesystem sees as the
 * application's close: NFS flushes there, and POSIX locks are dropped. */
void pc_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

void pc_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi);

void pc_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
		  off_t offset, off_t length, struct fuse_file_info *fi);

void pc_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
	      int op);

void pc_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
			off_t off_in, struct fuse_file_info *fi_in,
			fuse_ino_t ino_out, off_t off_out,
			struct fuse_file_info *fi_out, size_t len,
			int flags);

void pc_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi);

/*
 * O_CREAT open that tells whether the file is new: an existing file must
 * keep its owner. Tries O_EXCL first, then a plain open, and again if the
 * file vanished in between.
 */
int pc_open_create(int dfd, const char *name, int flags, mode_t mode,
		   bool *ret_created);

#endif

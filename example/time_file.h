/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * time_file: the filesystem notify_inval_inode and notify_store_retrieve
 * both serve (time_file.c): a root directory holding one read-only file,
 * "current_time", whose text the example's updater refreshes with
 * tf_update(), and their common options. Pages stay cached across opens,
 * so readers see new text only when the example tells the kernel
 * (invalidation or store).
 */

#ifndef TIME_FILE_H_
#define TIME_FILE_H_

#include "ll_common.h"

#define TF_FILE_INO 2
#define TF_MAX_LEN 128

/* The command line of both: --no-notify, --update-interval=SECS. */
extern struct llc_notify_opts tf_opts;
extern const struct fuse_opt tf_opt_spec[];

/* Sets the text to the current time and copies it to @text; its length. */
size_t tf_update(char text[TF_MAX_LEN]);

/* Lookups the kernel holds on the file: no point notifying about an
 * inode the kernel has never seen (or has forgotten). */
uint64_t tf_lookups(void);

void tf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void tf_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void tf_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void tf_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void tf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void tf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi);

#endif

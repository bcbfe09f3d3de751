// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-opcode decoders of the lowlevel API (the files in lib/ll/): one
 * handler per kernel opcode, called by dispatch after the fixed-size checks,
 * plus the small validation helpers they share.
 */
#ifndef LF_LL_H
#define LF_LL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuse_i.h"

/*
 * The error a malformed request (a name without its NUL, a payload shorter
 * than the sizes it announces) is answered with. EIO, like libfuse's answer
 * to a short write buffer: the kernel never sends these, so they mean a
 * broken peer rather than a bad argument from the caller.
 */
#define LL_EBADREQ EIO

/*
 * FUSE_CAP_* bits that the 3.14 public header does not spell. The values
 * are libfuse's; the 3.18 header defines the same names with these values.
 */
#ifdef FUSE_CAP_SETXATTR_EXT
#define LF_CAP_SETXATTR_EXT ((uint64_t)FUSE_CAP_SETXATTR_EXT)
#else
#define LF_CAP_SETXATTR_EXT (1ULL << 27)
#endif

/* What FUSE_POLL hands to the filesystem when it wants a wakeup later. */
struct fuse_pollhandle {
	uint64_t kh;
	struct fuse_session *se;
};

/*
 * Shared helpers (entry.c).
 * lf_ll_bad() answers a malformed request with LL_EBADREQ (opcodes that get
 * no answer are just dropped) and logs one debug line saying why.
 * lf_ll_has() checks that in->arg holds at least need bytes, else answers
 * like lf_ll_bad() and returns false.
 * lf_ll_strings() finds n NUL-terminated strings packed back to back in
 * in->arg from byte off on without reading past in->len; on success it
 * stores them in ret_strs and the offset just past the last NUL in
 * *ret_end. Returns 0 or -EINVAL.
 */
void lf_ll_bad(fuse_req_t req, const char *why);
bool lf_ll_has(fuse_req_t req, const struct lf_in *in, size_t need);
int lf_ll_strings(const struct lf_in *in, size_t off, unsigned int n,
		  const char **ret_strs, size_t *ret_end);

/* entry.c: names and inodes */
void ll_lookup(fuse_req_t req, const struct lf_in *in);
void ll_forget(fuse_req_t req, const struct lf_in *in);
void ll_batch_forget(fuse_req_t req, const struct lf_in *in);
void ll_readlink(fuse_req_t req, const struct lf_in *in);
void ll_symlink(fuse_req_t req, const struct lf_in *in);
void ll_mknod(fuse_req_t req, const struct lf_in *in);
void ll_mkdir(fuse_req_t req, const struct lf_in *in);
void ll_unlink(fuse_req_t req, const struct lf_in *in);
void ll_rmdir(fuse_req_t req, const struct lf_in *in);
void ll_rename(fuse_req_t req, const struct lf_in *in);
void ll_rename2(fuse_req_t req, const struct lf_in *in);
void ll_link(fuse_req_t req, const struct lf_in *in);

/* attr.c: attributes and filesystem-wide queries */
void ll_getattr(fuse_req_t req, const struct lf_in *in);
void ll_setattr(fuse_req_t req, const struct lf_in *in);
void ll_access(fuse_req_t req, const struct lf_in *in);
void ll_statfs(fuse_req_t req, const struct lf_in *in);
void ll_statx(fuse_req_t req, const struct lf_in *in);
void ll_syncfs(fuse_req_t req, const struct lf_in *in);

/* file.c: open files */
void ll_open(fuse_req_t req, const struct lf_in *in);
void ll_create(fuse_req_t req, const struct lf_in *in);
void ll_tmpfile(fuse_req_t req, const struct lf_in *in);
void ll_read(fuse_req_t req, const struct lf_in *in);
void ll_write(fuse_req_t req, const struct lf_in *in);
void ll_flush(fuse_req_t req, const struct lf_in *in);
void ll_release(fuse_req_t req, const struct lf_in *in);
void ll_fsync(fuse_req_t req, const struct lf_in *in);

/* dir.c: open directories */
void ll_opendir(fuse_req_t req, const struct lf_in *in);
void ll_readdir(fuse_req_t req, const struct lf_in *in);
void ll_readdirplus(fuse_req_t req, const struct lf_in *in);
void ll_releasedir(fuse_req_t req, const struct lf_in *in);
void ll_fsyncdir(fuse_req_t req, const struct lf_in *in);

/* xattr.c */
void ll_setxattr(fuse_req_t req, const struct lf_in *in);
void ll_getxattr(fuse_req_t req, const struct lf_in *in);
void ll_listxattr(fuse_req_t req, const struct lf_in *in);
void ll_removexattr(fuse_req_t req, const struct lf_in *in);

/* lock.c */
void ll_getlk(fuse_req_t req, const struct lf_in *in);
void ll_setlk(fuse_req_t req, const struct lf_in *in);
void ll_setlkw(fuse_req_t req, const struct lf_in *in);

/* io.c: the remaining file operations */
void ll_bmap(fuse_req_t req, const struct lf_in *in);
void ll_ioctl(fuse_req_t req, const struct lf_in *in);
void ll_poll(fuse_req_t req, const struct lf_in *in);
void ll_fallocate(fuse_req_t req, const struct lf_in *in);
void ll_lseek(fuse_req_t req, const struct lf_in *in);
void ll_copy_file_range(fuse_req_t req, const struct lf_in *in);
void ll_copy_file_range_64(fuse_req_t req, const struct lf_in *in);
void ll_setupmapping(fuse_req_t req, const struct lf_in *in);
void ll_removemapping(fuse_req_t req, const struct lf_in *in);

/*
 * reply.c: make a bufvec's data addressable for a plain send. One memory
 * buffer is used in place (*ret_free = NULL); anything else is copied with
 * fuse_buf_copy() into a buffer the caller frees with free(*ret_free).
 * Returns 0 or -errno.
 */
int lf_data_to_mem(struct fuse_bufvec *bufv, const void **ret_mem,
		   size_t *ret_len, void **ret_free);

/* passthrough.c: /dev/fuse backing-file ioctls for both ABIs */
int lf_backing_open(struct fuse_session *se, int fd);
int lf_backing_close(struct fuse_session *se, int id);

#endif

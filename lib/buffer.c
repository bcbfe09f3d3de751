// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The public buffer-vector helpers fuse_buf_size() and fuse_buf_copy():
 * moving bytes between vectors whose entries are memory or file
 * descriptors, by memmove, read/write, pread/pwrite or splice(2).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 18)
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fuse_lowlevel.h"

#ifndef FUSE_EXPORT
#define FUSE_EXPORT __attribute__((visibility("default")))
#endif

/*
 * fd->fd copies that cannot splice go through this much stack. A few pages
 * keeps the syscall count down without straining small thread stacks.
 */
#define BOUNCE_SIZE 16384

/*
 * fuse_buf.mem_size (3.17 ABI only) describes memory the session allocated
 * for receiving; copying neither reads nor changes it, exactly like libfuse,
 * so nothing here depends on which ABI is being built.
 */

FUSE_EXPORT size_t fuse_buf_size(const struct fuse_bufvec *bufv)
{
	size_t total = 0;
	size_t i;

	if (!bufv)
		return 0;

	/*
	 * A buffer of SIZE_MAX means "as much as there is"; any sum that
	 * does not fit is reported the same way rather than wrapping to a
	 * small number a caller would trust.
	 */
	for (i = 0; i < bufv->count; i++) {
		if (__builtin_add_overflow(total, bufv->buf[i].size, &total))
			return SIZE_MAX;
	}
	return total;
}

/* The file offset of byte 'off' of a FUSE_BUF_FD_SEEK buffer. */
static int seek_pos(const struct fuse_buf *buf, size_t off, off_t *ret_pos)
{
	off_t pos;

	if (off > (size_t)INT64_MAX ||
	    __builtin_add_overflow(buf->pos, (off_t)off, &pos))
		return -EINVAL;
	*ret_pos = pos;
	return 0;
}

/*
 * Moves up to len bytes between the fd of 'fb' (starting at byte fd_off of
 * that buffer) and plain memory. One call unless the fd buffer asks for
 * FUSE_BUF_FD_RETRY, which keeps going until len, EOF or an error. An error
 * only surfaces when nothing moved; otherwise the partial count does.
 */
static ssize_t fd_rw(const struct fuse_buf *fb, size_t fd_off, char *mem,
		     size_t len, bool to_fd)
{
	bool seek = fb->flags & FUSE_BUF_FD_SEEK;
	off_t start = 0;
	size_t done = 0;
	int err;

	if (seek) {
		err = seek_pos(fb, fd_off, &start);
		if (err)
			return err;
	}

	while (done < len) {
		char *p = mem + done;
		size_t n = len - done;
		ssize_t res;

		if (seek && to_fd)
			res = pwrite(fb->fd, p, n, start + (off_t)done);
		else if (seek)
			res = pread(fb->fd, p, n, start + (off_t)done);
		else if (to_fd)
			res = write(fb->fd, p, n);
		else
			res = read(fb->fd, p, n);

		if (res < 0)
			return done ? (ssize_t)done : -errno;
		if (res == 0)
			break;
		done += (size_t)res;
		if (!(fb->flags & FUSE_BUF_FD_RETRY))
			break;
	}
	return (ssize_t)done;
}

/*
 * fd->fd by read then write through a stack buffer. Stops at the first
 * short read or short write: the next round could only block or repeat
 * what the fd just said.
 */
static ssize_t copy_fd_bounce(const struct fuse_buf *dst, size_t dst_off,
			      const struct fuse_buf *src, size_t src_off,
			      size_t len)
{
	char bounce[BOUNCE_SIZE];
	size_t done = 0;

	while (done < len) {
		size_t chunk = len - done;
		ssize_t got;
		ssize_t put;

		if (chunk > sizeof(bounce))
			chunk = sizeof(bounce);

		got = fd_rw(src, src_off + done, bounce, chunk, false);
		if (got <= 0) {
			if (got < 0 && !done)
				return got;
			break;
		}
		put = fd_rw(dst, dst_off + done, bounce, (size_t)got, true);
		if (put <= 0) {
			if (put < 0 && !done)
				return put;
			break;
		}
		done += (size_t)put;
		if ((size_t)put < chunk)
			break;
	}
	return (ssize_t)done;
}

/*
 * fd->fd with splice(2). The kernel only splices when one end is a pipe;
 * EINVAL on the first call therefore means "not this pair" and falls back
 * to read/write, unless the caller insisted on FUSE_BUF_FORCE_SPLICE.
 */
static ssize_t copy_fd_splice(const struct fuse_buf *dst, size_t dst_off,
			      const struct fuse_buf *src, size_t src_off,
			      size_t len, enum fuse_buf_copy_flags flags)
{
	bool retry = (src->flags | dst->flags) & FUSE_BUF_FD_RETRY;
	unsigned int sflags = 0;
	loff_t in_pos, out_pos;
	loff_t *in_p = NULL;
	loff_t *out_p = NULL;
	size_t done = 0;
	int err;

	if (flags & FUSE_BUF_SPLICE_MOVE)
		sflags |= SPLICE_F_MOVE;
	if (flags & FUSE_BUF_SPLICE_NONBLOCK)
		sflags |= SPLICE_F_NONBLOCK;

	/* The kernel advances these positions as it goes, across retries. */
	if (src->flags & FUSE_BUF_FD_SEEK) {
		err = seek_pos(src, src_off, &in_pos);
		if (err)
			return err;
		in_p = &in_pos;
	}
	if (dst->flags & FUSE_BUF_FD_SEEK) {
		err = seek_pos(dst, dst_off, &out_pos);
		if (err)
			return err;
		out_p = &out_pos;
	}

	while (done < len) {
		ssize_t res = splice(src->fd, in_p, dst->fd, out_p, len - done,
				     sflags);

		if (res < 0) {
			err = errno;
			if (done)
				break;
			if (err == EINVAL && !(flags & FUSE_BUF_FORCE_SPLICE))
				return copy_fd_bounce(dst, dst_off, src,
						      src_off, len);
			return -err;
		}
		if (res == 0)
			break;
		done += (size_t)res;
		if (!retry)
			break;
	}
	return (ssize_t)done;
}

/* Copies len bytes between two single buffers; see fd_rw() for results. */
static ssize_t copy_one(const struct fuse_buf *dst, size_t dst_off,
			const struct fuse_buf *src, size_t src_off, size_t len,
			enum fuse_buf_copy_flags flags)
{
	bool src_fd = src->flags & FUSE_BUF_IS_FD;
	bool dst_fd = dst->flags & FUSE_BUF_IS_FD;

	/* Also keeps NULL mem of empty buffers away from memmove(). */
	if (len == 0)
		return 0;

	if (!src_fd && !dst_fd) {
		/* Callers do copy within one allocation; allow overlap. */
		memmove((char *)dst->mem + dst_off,
			(const char *)src->mem + src_off, len);
		return (ssize_t)len;
	}
	if (!src_fd)
		return fd_rw(dst, dst_off, (char *)src->mem + src_off, len,
			     true);
	if (!dst_fd)
		return fd_rw(src, src_off, (char *)dst->mem + dst_off, len,
			     false);
	if (flags & FUSE_BUF_NO_SPLICE)
		return copy_fd_bounce(dst, dst_off, src, src_off, len);
	return copy_fd_splice(dst, dst_off, src, src_off, len, flags);
}

/*
 * Consumes len bytes of the vector's current buffer (the caller made sure
 * there is one). Returns false once the last buffer is used up; idx is then
 * count and off stays at the size of the last buffer, which is where
 * libfuse leaves it too.
 */
static bool advance(struct fuse_bufvec *v, size_t len)
{
	v->off += len;
	if (v->off < v->buf[v->idx].size)
		return true;
	v->idx++;
	if (v->idx == v->count)
		return false;
	v->off = 0;
	return true;
}

FUSE_EXPORT ssize_t fuse_buf_copy(struct fuse_bufvec *dstv,
				  struct fuse_bufvec *srcv,
				  enum fuse_buf_copy_flags flags)
{
	size_t copied = 0;

	if (!dstv || !srcv)
		return -EINVAL;
	/* Copying a vector onto itself moves nothing but reports it all. */
	if (dstv == srcv)
		return (ssize_t)fuse_buf_size(dstv);

	while (srcv->idx < srcv->count && dstv->idx < dstv->count) {
		const struct fuse_buf *src = &srcv->buf[srcv->idx];
		const struct fuse_buf *dst = &dstv->buf[dstv->idx];
		size_t len = 0;
		ssize_t res;

		if (srcv->off > src->size || dstv->off > dst->size) {
			res = -EINVAL;
		} else {
			len = src->size - srcv->off;
			if (len > dst->size - dstv->off)
				len = dst->size - dstv->off;
			res = copy_one(dst, dstv->off, src, srcv->off, len,
				       flags);
		}
		if (res < 0)
			return copied ? (ssize_t)copied : res;
		copied += (size_t)res;

		/*
		 * The destination is not advanced for the chunk that used up
		 * the source: libfuse behaves so, and a drop-in must leave
		 * idx/off where callers written against it expect them.
		 */
		if (!advance(srcv, (size_t)res) || !advance(dstv, (size_t)res))
			break;
		if ((size_t)res < len)
			break;
	}
	return (ssize_t)copied;
}

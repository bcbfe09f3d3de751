// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/buffer.c: fuse_buf_size() and fuse_buf_copy() over
 * every memory/fd pairing, vector bookkeeping, short transfers and errors.
 * splice(2) is wrapped below so tests can see its flags and inject failures.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 18)
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fuse_lowlevel.h"

/*
 * The library's splice() call binds to this definition (the test program
 * is searched before libc), which forwards to the real system call unless
 * a test asked for a failure or for shorter transfers.
 */
static struct {
	int calls;
	unsigned int last_flags;
	int fail_at;		/* 1-based call that fails; 0: none */
	int fail_errno;
	size_t max_len;		/* per-call cap: forces short splices */
} shim;

ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
	       size_t len, unsigned int flags)
{
	shim.calls++;
	shim.last_flags = flags;
	if (shim.fail_at && shim.calls == shim.fail_at) {
		errno = shim.fail_errno;
		return -1;
	}
	if (shim.max_len && len > shim.max_len)
		len = shim.max_len;
	return syscall(SYS_splice, fd_in, off_in, fd_out, off_out, len, flags);
}

/*
 * A behaviour bug here tends to show up as a blocked read or an endless
 * loop; the watchdog turns that into a failed run instead of a hang.
 */
static void watchdog(int sig)
{
	static const char msg[] = "test_buffer: test timed out\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static int setup(void **state)
{
	(void)state;
	memset(&shim, 0, sizeof(shim));
	alarm(10);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static struct fuse_bufvec *vec_new(size_t count)
{
	struct fuse_bufvec *v;

	v = calloc(1, sizeof(*v) + (count - 1) * sizeof(struct fuse_buf));
	assert_non_null(v);
	v->count = count;
	return v;
}

static struct fuse_buf mem_buf(void *mem, size_t size)
{
	struct fuse_buf b = { .size = size, .mem = mem, .fd = -1 };

	return b;
}

static struct fuse_buf fd_buf(int fd, size_t size, enum fuse_buf_flags extra,
			      off_t pos)
{
	struct fuse_buf b = {
		.size = size,
		.flags = FUSE_BUF_IS_FD | extra,
		.fd = fd,
		.pos = pos,
	};

	return b;
}

/* A regular (shmem) file holding 'len' bytes of 'data' at offset 0. */
static int file_with(const void *data, size_t len)
{
	int fd = memfd_create("test_buffer", 0);

	assert_true(fd >= 0);
	if (len)
		assert_int_equal(pwrite(fd, data, len, 0), (ssize_t)len);
	return fd;
}

static void assert_file_at(int fd, off_t pos, const void *want, size_t len)
{
	char *got = malloc(len);

	assert_non_null(got);
	assert_int_equal(pread(fd, got, len, pos), (ssize_t)len);
	assert_memory_equal(got, want, len);
	free(got);
}

static void assert_fd_offset(int fd, off_t want)
{
	assert_int_equal(lseek(fd, 0, SEEK_CUR), want);
}

static void make_pipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
}

static void fill_pattern(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)('A' + (i * 7) % 53);
}

/* ---- fuse_buf_size ---------------------------------------------------- */

static void test_size_sums_all_buffers(void **state)
{
	struct fuse_bufvec *v = vec_new(3);

	(void)state;
	v->buf[0].size = 1;
	v->buf[1].size = 20;
	v->buf[2].size = 300;
	assert_int_equal(fuse_buf_size(v), 321);
	/* The whole vector counts, wherever the cursor stands. */
	v->idx = 2;
	v->off = 5;
	assert_int_equal(fuse_buf_size(v), 321);
	v->count = 0;
	assert_int_equal(fuse_buf_size(v), 0);
	free(v);
}

static void test_size_saturates(void **state)
{
	struct fuse_bufvec *v = vec_new(2);

	(void)state;
	v->buf[0].size = SIZE_MAX - 1;
	v->buf[1].size = 1;
	assert_true(fuse_buf_size(v) == SIZE_MAX);
	v->buf[1].size = 5;
	assert_true(fuse_buf_size(v) == SIZE_MAX);
	/* A SIZE_MAX buffer followed by more must not wrap to a small sum. */
	v->buf[0].size = SIZE_MAX;
	v->buf[1].size = 5;
	assert_true(fuse_buf_size(v) == SIZE_MAX);
	v->buf[0].size = SIZE_MAX / 2 + 1;
	v->buf[1].size = SIZE_MAX / 2 + 1;
	assert_true(fuse_buf_size(v) == SIZE_MAX);
	assert_int_equal(fuse_buf_size(NULL), 0);
	free(v);
}

/* ---- memory <-> memory ------------------------------------------------ */

static void test_mem_to_mem_single(void **state)
{
	char src[10] = "0123456789";
	char dst[10];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(sizeof(src));
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(sizeof(dst));

	(void)state;
	memset(dst, '.', sizeof(dst));
	sv.buf[0].mem = src;
	dv.buf[0].mem = dst;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 10);
	assert_memory_equal(dst, src, 10);
	/* Source used up: idx == count, off left at the last size. */
	assert_int_equal(sv.idx, 1);
	assert_int_equal(sv.off, 10);
	/* libfuse does not advance the destination for that last chunk. */
	assert_int_equal(dv.idx, 0);
	assert_int_equal(dv.off, 0);
}

static void test_mem_to_mem_dst_smaller(void **state)
{
	char src[10] = "0123456789";
	char dst[6] = ".....";
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(10);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(4);

	(void)state;
	sv.buf[0].mem = src;
	dv.buf[0].mem = dst;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 4);
	assert_memory_equal(dst, "0123.", 6);
	assert_int_equal(sv.idx, 0);
	assert_int_equal(sv.off, 4);
	assert_int_equal(dv.idx, 1);
	assert_int_equal(dv.off, 4);

	/* Resuming from the saved cursor continues where it stopped. */
	dv.buf[0].size = 5;
	dv.buf[0].mem = dst;
	dv.idx = 0;
	dv.off = 0;
	memset(dst, '.', 5);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 5);
	assert_memory_equal(dst, "45678", 5);
	assert_int_equal(sv.off, 9);
}

static void test_mem_vectors_with_offsets(void **state)
{
	char a[] = "abc", b[] = "defgh", c[] = "ij";
	char d0[4], d1[10];
	struct fuse_bufvec *sv = vec_new(3);
	struct fuse_bufvec *dv = vec_new(2);

	(void)state;
	memset(d0, '.', sizeof(d0));
	memset(d1, '.', sizeof(d1));
	sv->buf[0] = mem_buf(a, 3);
	sv->buf[1] = mem_buf(b, 5);
	sv->buf[2] = mem_buf(c, 2);
	sv->off = 1;
	dv->buf[0] = mem_buf(d0, sizeof(d0));
	dv->buf[1] = mem_buf(d1, sizeof(d1));
	dv->off = 2;

	assert_int_equal(fuse_buf_copy(dv, sv, 0), 9);
	assert_memory_equal(d0, "..bc", 4);
	assert_memory_equal(d1, "defghij...", 10);
	assert_int_equal(sv->idx, 3);
	assert_int_equal(sv->off, 2);
	/* "defgh" advanced dst to 5; the final "ij" chunk did not. */
	assert_int_equal(dv->idx, 1);
	assert_int_equal(dv->off, 5);
	free(sv);
	free(dv);
}

static void test_mem_empty_buffers_skipped(void **state)
{
	char s[] = "xyz";
	char d[4] = "...";
	struct fuse_bufvec *sv = vec_new(3);
	struct fuse_bufvec *dv = vec_new(2);

	(void)state;
	sv->buf[0] = mem_buf(NULL, 0);
	sv->buf[1] = mem_buf(s, 3);
	sv->buf[2] = mem_buf(NULL, 0);
	dv->buf[0] = mem_buf(NULL, 0);
	dv->buf[1] = mem_buf(d, 3);
	assert_int_equal(fuse_buf_copy(dv, sv, 0), 3);
	assert_memory_equal(d, "xyz", 3);
	free(sv);
	free(dv);
}

static void test_mem_overlap(void **state)
{
	enum { LEN = 4096, SHIFT = 3 };
	char *area = malloc(LEN + SHIFT);
	char *want = malloc(LEN + SHIFT);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(LEN);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(LEN);

	(void)state;
	assert_non_null(area);
	assert_non_null(want);
	fill_pattern(area, LEN + SHIFT);
	memcpy(want, area, LEN + SHIFT);
	memmove(want + SHIFT, want, LEN);
	sv.buf[0].mem = area;
	dv.buf[0].mem = area + SHIFT;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), LEN);
	assert_memory_equal(area, want, LEN + SHIFT);
	free(area);
	free(want);
}

static void test_copy_onto_itself(void **state)
{
	char m[8] = "1234567";
	struct fuse_bufvec *v = vec_new(2);

	(void)state;
	v->buf[0] = mem_buf(m, 3);
	v->buf[1] = mem_buf(m + 3, 4);
	v->off = 1;
	assert_int_equal(fuse_buf_copy(v, v, 0), 7);
	assert_memory_equal(m, "1234567", 8);
	assert_int_equal(v->idx, 0);
	assert_int_equal(v->off, 1);
	free(v);
}

static void test_bad_arguments(void **state)
{
	char m[4] = "abc";
	char d[4];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(3);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(3);

	(void)state;
	sv.buf[0].mem = m;
	dv.buf[0].mem = d;
	assert_int_equal(fuse_buf_copy(NULL, &sv, 0), -EINVAL);
	assert_int_equal(fuse_buf_copy(&dv, NULL, 0), -EINVAL);
	/* A cursor past its buffer is refused, not turned into a huge copy. */
	sv.off = 4;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), -EINVAL);
	/* Exhausted vectors copy nothing. */
	sv.off = 0;
	sv.idx = 1;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 0);
}

#ifndef FASTFUSE_ABI_314
static void test_mem_size_untouched(void **state)
{
	char s[4] = "abc", d[4];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(3);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(3);

	(void)state;
	assert_int_equal(sizeof(struct fuse_buf), 48);
	sv.buf[0].mem = s;
	sv.buf[0].mem_size = 1111;
	dv.buf[0].mem = d;
	dv.buf[0].mem_size = 2222;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 3);
	assert_int_equal(sv.buf[0].mem_size, 1111);
	assert_int_equal(dv.buf[0].mem_size, 2222);
}
#else
static void test_abi314_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct fuse_buf), 40);
}
#endif

/* ---- memory -> fd ----------------------------------------------------- */

static void test_mem_to_pipe(void **state)
{
	char src[] = "hello pipe";
	char got[32];
	int p[2];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(10);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(10);

	(void)state;
	make_pipe(p);
	sv.buf[0].mem = src;
	dv.buf[0] = fd_buf(p[1], 10, 0, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 10);
	assert_int_equal(read(p[0], got, sizeof(got)), 10);
	assert_memory_equal(got, src, 10);
	assert_int_equal(shim.calls, 0);
	close(p[0]);
	close(p[1]);
}

static void test_mem_to_file_seek(void **state)
{
	char src[] = "0123456789";
	int fd = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(10);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(100);

	(void)state;
	sv.buf[0].mem = src;
	sv.off = 2;
	dv.buf[0] = fd_buf(fd, 100, FUSE_BUF_FD_SEEK, 1000);
	dv.off = 7;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 8);
	/* pwrite at pos + off; the fd's own offset stays put. */
	assert_file_at(fd, 1007, "23456789", 8);
	assert_fd_offset(fd, 0);
	close(fd);
}

static void test_mem_to_file_no_seek(void **state)
{
	char src[] = "abcdef";
	int fd = file_with("..........", 10);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(6);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(6);

	(void)state;
	assert_int_equal(lseek(fd, 3, SEEK_SET), 3);
	sv.buf[0].mem = src;
	/* pos is ignored without FUSE_BUF_FD_SEEK. */
	dv.buf[0] = fd_buf(fd, 6, 0, 500);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 6);
	assert_file_at(fd, 0, "...abcdef.", 10);
	assert_fd_offset(fd, 9);
	close(fd);
}

static void test_mem_to_fd_multi(void **state)
{
	char a[] = "abc", b[] = "defg";
	int fd = file_with(NULL, 0);
	struct fuse_bufvec *sv = vec_new(2);
	struct fuse_bufvec *dv = vec_new(2);

	(void)state;
	sv->buf[0] = mem_buf(a, 3);
	sv->buf[1] = mem_buf(b, 4);
	dv->buf[0] = fd_buf(fd, 5, FUSE_BUF_FD_SEEK, 0);
	dv->buf[1] = fd_buf(fd, 5, FUSE_BUF_FD_SEEK, 20);
	assert_int_equal(fuse_buf_copy(dv, sv, 0), 7);
	assert_file_at(fd, 0, "abcde", 5);
	assert_int_equal(pread(fd, a, 3, 20), 2);
	assert_memory_equal(a, "fg", 2);
	free(sv);
	free(dv);
	close(fd);
}

/* ---- fd -> memory ----------------------------------------------------- */

static void test_file_to_mem_seek(void **state)
{
	int fd = file_with("0123456789abcdef", 16);
	char dst[8];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(10);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(sizeof(dst));

	(void)state;
	sv.buf[0] = fd_buf(fd, 10, FUSE_BUF_FD_SEEK, 4);
	sv.off = 3;
	dv.buf[0].mem = dst;
	memset(dst, '.', sizeof(dst));
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 7);
	assert_memory_equal(dst, "789abcd.", 8);
	assert_fd_offset(fd, 0);
	close(fd);
}

static void test_file_to_mem_no_seek(void **state)
{
	int fd = file_with("0123456789", 10);
	char dst[4];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(4);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(4);

	(void)state;
	assert_int_equal(lseek(fd, 5, SEEK_SET), 5);
	sv.buf[0] = fd_buf(fd, 4, 0, 0);
	dv.buf[0].mem = dst;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 4);
	assert_memory_equal(dst, "5678", 4);
	assert_fd_offset(fd, 9);
	close(fd);
}

static void test_file_to_mem_eof_mid_copy(void **state)
{
	int fd = file_with("hello", 5);
	char d0[4], d1[16];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(20);
	struct fuse_bufvec *dv = vec_new(2);

	(void)state;
	sv.buf[0] = fd_buf(fd, 20, FUSE_BUF_FD_SEEK | FUSE_BUF_FD_RETRY, 0);
	dv->buf[0] = mem_buf(d0, sizeof(d0));
	dv->buf[1] = mem_buf(d1, sizeof(d1));
	assert_int_equal(fuse_buf_copy(dv, &sv, 0), 5);
	assert_memory_equal(d0, "hell", 4);
	assert_memory_equal(d1, "o", 1);
	/* Stopped inside the second chunk, both cursors at the short end. */
	assert_int_equal(sv.idx, 0);
	assert_int_equal(sv.off, 5);
	assert_int_equal(dv->idx, 1);
	assert_int_equal(dv->off, 1);
	free(dv);
	close(fd);
}

/* Datagrams give short reads on demand: each read returns one message. */
static void seqpacket_with(int sp[2], int msgs)
{
	int i;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	for (i = 0; i < msgs; i++)
		assert_int_equal(write(sp[1], "abc", 3), 3);
	/* EOF after the messages, so RETRY terminates. */
	close(sp[1]);
}

static void test_fd_to_mem_retry(void **state)
{
	int sp[2];
	char dst[16];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(9);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(sizeof(dst));

	(void)state;
	dv.buf[0].mem = dst;

	/* Without RETRY one read, one message. */
	seqpacket_with(sp, 3);
	sv.buf[0] = fd_buf(sp[0], 9, 0, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 3);
	close(sp[0]);

	/* With RETRY reads continue until size is reached. */
	seqpacket_with(sp, 3);
	sv = FUSE_BUFVEC_INIT(9);
	sv.buf[0] = fd_buf(sp[0], 9, FUSE_BUF_FD_RETRY, 0);
	dv.idx = 0;
	dv.off = 0;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 9);
	assert_memory_equal(dst, "abcabcabc", 9);
	close(sp[0]);

	/* ... or until EOF. */
	seqpacket_with(sp, 2);
	sv = FUSE_BUFVEC_INIT(9);
	sv.buf[0] = fd_buf(sp[0], 9, FUSE_BUF_FD_RETRY, 0);
	dv.idx = 0;
	dv.off = 0;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 6);
	close(sp[0]);
}

static void test_fd_to_mem_retry_error_after_partial(void **state)
{
	int sp[2];
	char dst[9];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(9);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(sizeof(dst));

	(void)state;
	/* One message, peer still open: the retry read fails with EAGAIN. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0,
				    sp), 0);
	assert_int_equal(write(sp[1], "abc", 3), 3);
	sv.buf[0] = fd_buf(sp[0], 9, FUSE_BUF_FD_RETRY, 0);
	dv.buf[0].mem = dst;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 3);
	assert_memory_equal(dst, "abc", 3);
	/* Nothing at all: now the error itself comes back. */
	dv.idx = 0;
	dv.off = 0;
	sv.off = 0;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), -EAGAIN);
	close(sp[0]);
	close(sp[1]);
}

/* ---- errors ----------------------------------------------------------- */

static int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_bad_fd_mem_and_fd(void **state)
{
	char m[8] = "1234567";
	int bad = closed_fd();
	struct fuse_bufvec mv = FUSE_BUFVEC_INIT(8);
	struct fuse_bufvec fv = FUSE_BUFVEC_INIT(8);

	(void)state;
	mv.buf[0].mem = m;
	fv.buf[0] = fd_buf(bad, 8, 0, 0);
	assert_int_equal(fuse_buf_copy(&fv, &mv, 0), -EBADF);
	assert_int_equal(fuse_buf_copy(&mv, &fv, 0), -EBADF);
	fv.buf[0] = fd_buf(-1, 8, FUSE_BUF_FD_SEEK | FUSE_BUF_FD_RETRY, 0);
	assert_int_equal(fuse_buf_copy(&fv, &mv, 0), -EBADF);
	assert_int_equal(fuse_buf_copy(&mv, &fv, 0), -EBADF);
	/* Nothing moved, so no cursor moved. */
	assert_int_equal(mv.idx, 0);
	assert_int_equal(mv.off, 0);
	assert_int_equal(fv.idx, 0);
	assert_int_equal(fv.off, 0);
}

static void test_bad_fd_fd_to_fd(void **state)
{
	int fd = file_with("data", 4);
	int bad = closed_fd();	/* after file_with(): numbers recycle */
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(4);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(4);

	(void)state;
	sv.buf[0] = fd_buf(bad, 4, 0, 0);
	dv.buf[0] = fd_buf(fd, 4, FUSE_BUF_FD_SEEK, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), -EBADF);
	assert_int_equal(shim.calls, 1);
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_NO_SPLICE), -EBADF);
	assert_int_equal(shim.calls, 1);

	sv.buf[0] = fd_buf(fd, 4, FUSE_BUF_FD_SEEK, 0);
	dv.buf[0] = fd_buf(bad, 4, 0, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), -EBADF);
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_NO_SPLICE), -EBADF);
	assert_int_equal(sv.off, 0);
	close(fd);
}

static void test_error_after_partial_returns_count(void **state)
{
	char a[] = "abcd", b[] = "efgh", d[4];
	struct fuse_bufvec *sv = vec_new(2);
	struct fuse_bufvec *dv = vec_new(2);

	(void)state;
	sv->buf[0] = mem_buf(a, 4);
	sv->buf[1] = mem_buf(b, 4);
	dv->buf[0] = mem_buf(d, 4);
	dv->buf[1] = fd_buf(-1, 4, 0, 0);
	assert_int_equal(fuse_buf_copy(dv, sv, 0), 4);
	assert_memory_equal(d, "abcd", 4);
	assert_int_equal(sv->idx, 1);
	assert_int_equal(sv->off, 0);
	assert_int_equal(dv->idx, 1);
	assert_int_equal(dv->off, 0);
	free(sv);
	free(dv);
}

/* ---- fd -> fd --------------------------------------------------------- */

static void test_pipe_to_pipe_splices(void **state)
{
	int a[2], b[2];
	char got[16];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(6);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(6);

	(void)state;
	make_pipe(a);
	make_pipe(b);
	assert_int_equal(write(a[1], "spliced", 7), 7);
	sv.buf[0] = fd_buf(a[0], 6, 0, 0);
	dv.buf[0] = fd_buf(b[1], 6, 0, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 6);
	assert_int_equal(shim.calls, 1);
	assert_int_equal(shim.last_flags, 0);
	assert_int_equal(read(b[0], got, sizeof(got)), 6);
	assert_memory_equal(got, "splice", 6);
	/* The seventh byte is still in the source pipe. */
	assert_int_equal(read(a[0], got, sizeof(got)), 1);
	assert_int_equal(got[0], 'd');
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_pipe_to_file_seek_splices(void **state)
{
	int p[2];
	int fd = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(5);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(50);

	(void)state;
	make_pipe(p);
	assert_int_equal(write(p[1], "piped", 5), 5);
	sv.buf[0] = fd_buf(p[0], 5, 0, 0);
	dv.buf[0] = fd_buf(fd, 50, FUSE_BUF_FD_SEEK, 40);
	dv.off = 2;
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 5);
	assert_int_equal(shim.calls, 1);
	assert_file_at(fd, 42, "piped", 5);
	assert_fd_offset(fd, 0);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void test_file_to_pipe_seek_splices(void **state)
{
	int p[2];
	int fd = file_with("0123456789", 10);
	char got[16];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(8);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(8);

	(void)state;
	make_pipe(p);
	sv.buf[0] = fd_buf(fd, 8, FUSE_BUF_FD_SEEK, 1);
	sv.off = 3;
	dv.buf[0] = fd_buf(p[1], 8, 0, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 5);
	assert_int_equal(shim.calls, 1);
	assert_int_equal(read(p[0], got, sizeof(got)), 5);
	assert_memory_equal(got, "45678", 5);
	assert_fd_offset(fd, 0);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void test_no_splice_uses_read_write(void **state)
{
	int a[2], b[2];
	char got[16];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(6);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(6);

	(void)state;
	make_pipe(a);
	make_pipe(b);
	assert_int_equal(write(a[1], "nosplc", 6), 6);
	sv.buf[0] = fd_buf(a[0], 6, 0, 0);
	dv.buf[0] = fd_buf(b[1], 6, 0, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_NO_SPLICE), 6);
	assert_int_equal(shim.calls, 0);
	assert_int_equal(read(b[0], got, sizeof(got)), 6);
	assert_memory_equal(got, "nosplc", 6);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_file_to_file_falls_back(void **state)
{
	size_t len = 100000;	/* several bounce-buffer rounds */
	char *data = malloc(len);
	int in, out;
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(len);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(len);

	(void)state;
	assert_non_null(data);
	fill_pattern(data, len);
	in = file_with(data, len);
	out = file_with(NULL, 0);
	sv.buf[0] = fd_buf(in, len, FUSE_BUF_FD_SEEK, 0);
	dv.buf[0] = fd_buf(out, len, FUSE_BUF_FD_SEEK, 77);

	/* Neither end is a pipe: splice says EINVAL, read/write does it. */
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), (ssize_t)len);
	assert_int_equal(shim.calls, 1);
	assert_file_at(out, 77, data, len);

	/* Same result when splice is not tried at all. */
	assert_int_equal(ftruncate(out, 0), 0);
	shim.calls = 0;
	dv.idx = 0;
	dv.off = 0;
	sv.idx = 0;
	sv.off = 0;
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_NO_SPLICE),
			 (ssize_t)len);
	assert_int_equal(shim.calls, 0);
	assert_file_at(out, 77, data, len);
	assert_fd_offset(in, 0);
	assert_fd_offset(out, 0);
	free(data);
	close(in);
	close(out);
}

static void test_fd_to_fd_bounce_short_read(void **state)
{
	int in = file_with("short", 5);
	int out = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(100);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(100);

	(void)state;
	sv.buf[0] = fd_buf(in, 100, FUSE_BUF_FD_SEEK | FUSE_BUF_FD_RETRY, 0);
	dv.buf[0] = fd_buf(out, 100, FUSE_BUF_FD_SEEK, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_NO_SPLICE), 5);
	assert_file_at(out, 0, "short", 5);
	assert_int_equal(sv.off, 5);
	assert_int_equal(dv.off, 5);

	/* The splice path reaches the same end through its fallback. */
	sv.off = 0;
	dv = FUSE_BUFVEC_INIT(100);
	dv.buf[0] = fd_buf(out, 100, FUSE_BUF_FD_SEEK, 10);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 5);
	assert_file_at(out, 0, "short\0\0\0\0\0short", 15);
	close(in);
	close(out);
}

static void check_socket_to_file(enum fuse_buf_flags sflags,
				 enum fuse_buf_copy_flags flags, ssize_t want)
{
	int sp[2];
	int out = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(9);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(9);

	seqpacket_with(sp, 3);
	sv.buf[0] = fd_buf(sp[0], 9, sflags, 0);
	dv.buf[0] = fd_buf(out, 9, FUSE_BUF_FD_SEEK, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, flags), want);
	assert_file_at(out, 0, "abcabcabc", (size_t)want);
	assert_int_equal(lseek(out, 0, SEEK_END), want);
	close(sp[0]);
	close(out);
}

static void test_fd_to_fd_bounce_stops_on_short_read(void **state)
{
	(void)state;
	/* One message per read: without RETRY the copy ends after it. */
	check_socket_to_file(0, FUSE_BUF_NO_SPLICE, 3);
	/* Socket to file cannot splice; the fallback behaves the same. */
	check_socket_to_file(0, 0, 3);
	assert_int_equal(shim.calls, 1);
	check_socket_to_file(FUSE_BUF_FD_RETRY, FUSE_BUF_NO_SPLICE, 9);
}

/* A nonblocking pipe that takes exactly one page before saying EAGAIN. */
static void make_small_pipe(int p[2])
{
	long page = sysconf(_SC_PAGESIZE);

	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, (int)page), page);
}

static void test_fd_to_fd_short_write(void **state)
{
	size_t len = 100000;
	long page = sysconf(_SC_PAGESIZE);
	char *data = malloc(len);
	char *got = malloc(len);
	enum fuse_buf_copy_flags modes[] = { FUSE_BUF_NO_SPLICE, 0 };
	size_t i;

	(void)state;
	assert_non_null(data);
	assert_non_null(got);
	fill_pattern(data, len);
	for (i = 0; i < 2; i++) {
		int in = file_with(data, len);
		int p[2];
		struct fuse_bufvec sv = FUSE_BUFVEC_INIT(len);
		struct fuse_bufvec dv = FUSE_BUFVEC_INIT(len);

		make_small_pipe(p);
		sv.buf[0] = fd_buf(in, len, FUSE_BUF_FD_SEEK, 0);
		dv.buf[0] = fd_buf(p[1], len, FUSE_BUF_FD_RETRY, 0);
		/* Counts what the pipe took, not what was read. */
		assert_int_equal(fuse_buf_copy(&dv, &sv, modes[i]), page);
		assert_int_equal(sv.off, page);
		assert_int_equal(read(p[0], got, len), page);
		assert_memory_equal(got, data, (size_t)page);
		close(p[0]);
		close(p[1]);
		close(in);
	}
	free(data);
	free(got);
}

static void test_splice_stops_at_eof(void **state)
{
	int p[2];
	int out = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(100);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(100);

	(void)state;
	make_pipe(p);
	assert_int_equal(write(p[1], "tail", 4), 4);
	close(p[1]);
	sv.buf[0] = fd_buf(p[0], 100, FUSE_BUF_FD_RETRY, 0);
	dv.buf[0] = fd_buf(out, 100, FUSE_BUF_FD_SEEK | FUSE_BUF_FD_RETRY, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, 0), 4);
	assert_int_equal(shim.calls, 2);
	assert_file_at(out, 0, "tail", 4);
	close(p[0]);
	close(out);
}

static void test_force_splice_refuses_fallback(void **state)
{
	int in = file_with("data", 4);
	int out = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(4);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(4);

	(void)state;
	sv.buf[0] = fd_buf(in, 4, FUSE_BUF_FD_SEEK, 0);
	dv.buf[0] = fd_buf(out, 4, FUSE_BUF_FD_SEEK, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_FORCE_SPLICE),
			 -EINVAL);
	assert_int_equal(shim.calls, 1);
	assert_int_equal(lseek(out, 0, SEEK_END), 0);
	assert_int_equal(sv.off, 0);
	assert_int_equal(dv.off, 0);
	close(in);
	close(out);
}

static void test_force_splice_works_with_pipe(void **state)
{
	int p[2];
	int out = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(4);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(4);

	(void)state;
	make_pipe(p);
	assert_int_equal(write(p[1], "frcd", 4), 4);
	sv.buf[0] = fd_buf(p[0], 4, 0, 0);
	dv.buf[0] = fd_buf(out, 4, FUSE_BUF_FD_SEEK, 0);
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_FORCE_SPLICE), 4);
	assert_file_at(out, 0, "frcd", 4);
	close(p[0]);
	close(p[1]);
	close(out);
}

static void check_splice_flags(enum fuse_buf_copy_flags flags,
			       unsigned int want)
{
	int a[2], b[2];
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(1);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(1);

	make_pipe(a);
	make_pipe(b);
	assert_int_equal(write(a[1], "x", 1), 1);
	sv.buf[0] = fd_buf(a[0], 1, 0, 0);
	dv.buf[0] = fd_buf(b[1], 1, 0, 0);
	shim.calls = 0;
	assert_int_equal(fuse_buf_copy(&dv, &sv, flags), 1);
	assert_int_equal(shim.calls, 1);
	assert_int_equal(shim.last_flags, want);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_splice_flag_mapping(void **state)
{
	(void)state;
	check_splice_flags(0, 0);
	check_splice_flags(FUSE_BUF_SPLICE_MOVE, SPLICE_F_MOVE);
	check_splice_flags(FUSE_BUF_SPLICE_NONBLOCK, SPLICE_F_NONBLOCK);
	check_splice_flags(FUSE_BUF_SPLICE_MOVE | FUSE_BUF_SPLICE_NONBLOCK |
				   FUSE_BUF_FORCE_SPLICE,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

static void test_splice_nonblock_empty_pipe(void **state)
{
	int p[2];
	int out = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(4);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(4);

	(void)state;
	make_pipe(p);
	sv.buf[0] = fd_buf(p[0], 4, 0, 0);
	dv.buf[0] = fd_buf(out, 4, FUSE_BUF_FD_SEEK, 0);
	/* Writer still open and pipe empty: only NONBLOCK avoids a hang. */
	assert_int_equal(fuse_buf_copy(&dv, &sv, FUSE_BUF_SPLICE_NONBLOCK),
			 -EAGAIN);
	close(p[0]);
	close(p[1]);
	close(out);
}

/* 100 bytes queued in a pipe, spliced into a file at pos 10. */
static ssize_t splice_100(int *ret_out, enum fuse_buf_flags sflags,
			  enum fuse_buf_flags dflags, char *data)
{
	int p[2];
	int out = file_with(NULL, 0);
	struct fuse_bufvec sv = FUSE_BUFVEC_INIT(100);
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(100);
	ssize_t res;

	make_pipe(p);
	fill_pattern(data, 100);
	assert_int_equal(write(p[1], data, 100), 100);
	sv.buf[0] = fd_buf(p[0], 100, sflags, 0);
	dv.buf[0] = fd_buf(out, 100, FUSE_BUF_FD_SEEK | dflags, 10);
	res = fuse_buf_copy(&dv, &sv, 0);
	close(p[0]);
	close(p[1]);
	*ret_out = out;
	return res;
}

static void test_splice_partial_and_retry(void **state)
{
	char data[100];
	int out;

	(void)state;
	shim.max_len = 30;
	assert_int_equal(splice_100(&out, 0, 0, data), 30);
	assert_int_equal(shim.calls, 1);
	assert_file_at(out, 10, data, 30);
	close(out);

	/* RETRY on either side keeps splicing, offsets carried along. */
	shim.calls = 0;
	assert_int_equal(splice_100(&out, FUSE_BUF_FD_RETRY, 0, data), 100);
	assert_int_equal(shim.calls, 4);
	assert_file_at(out, 10, data, 100);
	close(out);

	shim.calls = 0;
	assert_int_equal(splice_100(&out, 0, FUSE_BUF_FD_RETRY, data), 100);
	assert_file_at(out, 10, data, 100);
	close(out);
}

static void test_splice_errors(void **state)
{
	char data[100];
	int out;

	(void)state;
	/* A failure after progress reports the progress. */
	shim.max_len = 30;
	shim.fail_at = 2;
	shim.fail_errno = EIO;
	assert_int_equal(splice_100(&out, FUSE_BUF_FD_RETRY, 0, data), 30);
	assert_int_equal(shim.calls, 2);
	close(out);

	/* Any errno but EINVAL is final: no read/write attempt. */
	shim.calls = 0;
	shim.max_len = 0;
	shim.fail_at = 1;
	assert_int_equal(splice_100(&out, 0, 0, data), -EIO);
	assert_int_equal(lseek(out, 0, SEEK_END), 0);
	close(out);

	/* EINVAL, even between pipe and file, means "fall back". */
	shim.calls = 0;
	shim.fail_errno = EINVAL;
	assert_int_equal(splice_100(&out, 0, 0, data), 100);
	assert_int_equal(shim.calls, 1);
	assert_file_at(out, 10, data, 100);
	close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_size_sums_all_buffers),
		T(test_size_saturates),
		T(test_mem_to_mem_single),
		T(test_mem_to_mem_dst_smaller),
		T(test_mem_vectors_with_offsets),
		T(test_mem_empty_buffers_skipped),
		T(test_mem_overlap),
		T(test_copy_onto_itself),
		T(test_bad_arguments),
#ifndef FASTFUSE_ABI_314
		T(test_mem_size_untouched),
#else
		T(test_abi314_layout),
#endif
		T(test_mem_to_pipe),
		T(test_mem_to_file_seek),
		T(test_mem_to_file_no_seek),
		T(test_mem_to_fd_multi),
		T(test_file_to_mem_seek),
		T(test_file_to_mem_no_seek),
		T(test_file_to_mem_eof_mid_copy),
		T(test_fd_to_mem_retry),
		T(test_fd_to_mem_retry_error_after_partial),
		T(test_bad_fd_mem_and_fd),
		T(test_bad_fd_fd_to_fd),
		T(test_error_after_partial_returns_count),
		T(test_pipe_to_pipe_splices),
		T(test_pipe_to_file_seek_splices),
		T(test_file_to_pipe_seek_splices),
		T(test_no_splice_uses_read_write),
		T(test_file_to_file_falls_back),
		T(test_fd_to_fd_bounce_short_read),
		T(test_fd_to_fd_bounce_stops_on_short_read),
		T(test_fd_to_fd_short_write),
		T(test_splice_stops_at_eof),
		T(test_force_splice_refuses_fallback),
		T(test_force_splice_works_with_pipe),
		T(test_splice_flag_mapping),
		T(test_splice_nonblock_empty_pipe),
		T(test_splice_partial_and_retry),
		T(test_splice_errors),
#undef T
	};

	/* A pipe write after a failed test must not kill the run. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, watchdog);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

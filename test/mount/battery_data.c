// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * battery_data.c: file data checks: create, read/write/pread/pwrite,
 * O_APPEND, truncation, fsync, fallocate, lseek (incl. SEEK_DATA/HOLE),
 * copy_file_range, mmap, O_DIRECT, a >4 GiB sparse file, parallel writers.
 */
#include "battery.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

int t_create(void)
{
	char longname[300];
	struct stat st;
	int fd;

	fd = SYS(open("f", O_CREAT | O_EXCL | O_RDWR, 0640));
	SYS(fstat(fd, &st));
	EXPECT(S_ISREG(st.st_mode), "st_mode 0%o", st.st_mode);
	EXPECT_EQ(st.st_mode & 07777, 0640);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_EQ(st.st_nlink, 1);
	EXPECT_EQ(st.st_uid, geteuid());
	EXPECT_EQ(st.st_gid, getegid());
	SYS(close(fd));

	EXPECT_ERR(open("f", O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
	EXPECT_ERR(open("missing", O_RDONLY), ENOENT);
	EXPECT_ERR(open("f/x", O_RDONLY), ENOTDIR);
	EXPECT_ERR(open("nodir/x", O_CREAT | O_RDWR, 0600), ENOENT);
	EXPECT_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERR(open(".", O_WRONLY), EISDIR);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_ERR(open(longname, O_CREAT | O_RDWR, 0600), ENAMETOOLONG);

	/* O_CREAT without O_EXCL opens the existing file and keeps its mode. */
	fd = SYS(open("f", O_CREAT | O_RDWR, 0600));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_mode & 07777, 0640);
	SYS(close(fd));

	/* A file created write-only is readable through another open. */
	fd = SYS(open("wo", O_CREAT | O_EXCL | O_WRONLY, 0600));
	EXPECT_EQ(SYS(write(fd, "data", 4)), 4);
	EXPECT_ERR(read(fd, longname, 4), EBADF);
	SYS(close(fd));
	EXPECT_STR_FILE("wo", "data");
	return 0;
}

/* Sequential and positioned I/O, sizes that straddle pages, gaps. */
int t_rw(void)
{
	const size_t len = 64 * KiB + 12345;
	char *want = malloc(len + 8192), *got = malloc(len + 8192);
	char small[16];
	int fd;

	EXPECT(want && got, "malloc");
	pattern(want, len, 1, 0);
	fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	EXPECT_EQ(SYS(write(fd, want, len)), len);
	EXPECT_EQ(SYS(lseek(fd, 0, SEEK_CUR)), len);
	EXPECT_EQ(SYS(pread_all(fd, got, len, 0)), len);
	EXPECT_MEM(got, want, len);

	/* pwrite in the middle, across a page boundary, leaves the rest. */
	memcpy(want + 4094, "XYZW", 4);
	EXPECT_EQ(SYS(pwrite(fd, "XYZW", 4, 4094)), 4);
	EXPECT_EQ(SYS(lseek(fd, 0, SEEK_CUR)), len);
	SYS(lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(SYS(read(fd, small, 4)), 4);
	EXPECT_MEM(small, want, 4);
	EXPECT_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 4);

	/* Short read at EOF returns the exact remainder, then 0. */
	EXPECT_EQ(SYS(pread(fd, small, sizeof(small), (off_t)len - 5)), 5);
	EXPECT_MEM(small, want + len - 5, 5);
	EXPECT_EQ(SYS(pread(fd, small, sizeof(small), (off_t)len)), 0);
	EXPECT_EQ(SYS(pread(fd, small, sizeof(small), (off_t)len + 100)), 0);

	/* Writing past EOF leaves a gap that reads back as zeros. */
	memset(want + len, 0, 8192);
	memcpy(want + len + 8000, "tail", 4);
	EXPECT_EQ(SYS(pwrite(fd, "tail", 4, (off_t)len + 8000)), 4);
	SYS(close(fd));
	EXPECT_FILE("f", want, len + 8004);
	free(want);
	free(got);
	return 0;
}

int t_append(void)
{
	int fd1, fd2;

	SYS(write_str("f", "12345"));
	fd1 = SYS(open("f", O_WRONLY | O_APPEND));
	EXPECT_EQ(SYS(write(fd1, "abc", 3)), 3);
	EXPECT_EQ(SYS(lseek(fd1, 0, SEEK_CUR)), 8);
	/* An explicit seek does not matter: every append goes to EOF. */
	SYS(lseek(fd1, 0, SEEK_SET));
	fd2 = SYS(open("f", O_RDWR | O_APPEND));
	EXPECT_EQ(SYS(write(fd1, "A", 1)), 1);
	EXPECT_EQ(SYS(write(fd2, "B", 1)), 1);
	EXPECT_EQ(SYS(write(fd1, "C", 1)), 1);
	SYS(close(fd1));
	SYS(close(fd2));
	EXPECT_STR_FILE("f", "12345abcABC");

	/* O_APPEND|O_CREAT on a new file. */
	fd1 = SYS(open("g", O_WRONLY | O_APPEND | O_CREAT, 0600));
	EXPECT_EQ(SYS(write(fd1, "one", 3)), 3);
	EXPECT_EQ(SYS(write(fd1, "two", 3)), 3);
	SYS(close(fd1));
	EXPECT_STR_FILE("g", "onetwo");
	return 0;
}

int t_truncate(void)
{
	char buf[10000], zero[10000];
	struct stat st;
	int fd;

	memset(zero, 0, sizeof(zero));
	SYS(write_str("f", "0123456789"));
	fd = SYS(open("f", O_RDWR | O_TRUNC));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 0);
	EXPECT_EQ(SYS(read(fd, buf, sizeof(buf))), 0);
	EXPECT_EQ(SYS(write(fd, "abcdef", 6)), 6);

	/* Grow: old bytes stay, the new part is zero. */
	SYS(ftruncate(fd, 10000));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 10000);
	EXPECT_EQ(SYS(pread_all(fd, buf, sizeof(buf), 0)), 10000);
	EXPECT_MEM(buf, "abcdef", 6);
	EXPECT_MEM(buf + 6, zero, 10000 - 6);

	/* Shrink then grow: bytes beyond the cut must come back as zeros. */
	SYS(ftruncate(fd, 3));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 3);
	SYS(ftruncate(fd, 6));
	EXPECT_EQ(SYS(pread_all(fd, buf, sizeof(buf), 0)), 6);
	EXPECT_MEM(buf, "abc\0\0\0", 6);
	SYS(close(fd));

	/* The same through the path. */
	SYS(truncate("f", 8192 + 7));
	SYS(stat("f", &st));
	EXPECT_EQ(st.st_size, 8192 + 7);
	SYS(truncate("f", 2));
	EXPECT_FILE("f", "ab", 2);
	SYS(truncate("f", 0));
	EXPECT_FILE("f", "", 0);
	EXPECT_ERR(truncate("missing", 0), ENOENT);
	EXPECT_ERR(truncate(".", 0), EISDIR);
	EXPECT_ERR(truncate("f", -1), EINVAL);
	fd = SYS(open("f", O_RDONLY));
	EXPECT_ERR2(ftruncate(fd, 0), EINVAL, EBADF);
	SYS(close(fd));
	return 0;
}

int t_fsync(void)
{
	int fd, dfd;

	fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	EXPECT_EQ(SYS(write(fd, "synced", 6)), 6);
	SYS(fsync(fd));
	EXPECT_EQ(SYS(write(fd, "+data", 5)), 5);
	SYS(fdatasync(fd));
	SYS(close(fd));
	fd = SYS(open("f", O_RDONLY));
	SYS(fsync(fd));
	SYS(syncfs(fd));
	SYS(close(fd));
	EXPECT_STR_FILE("f", "synced+data");
	dfd = SYS(open(".", O_RDONLY | O_DIRECTORY));
	SYS(fsync(dfd));
	SYS(fdatasync(dfd));
	SYS(close(dfd));
	return 0;
}

static int punch_hole(int fd, const char *want)
{
	char got[192 * 1024], zero[64 * 1024];

	memset(zero, 0, sizeof(zero));
	SYS(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      64 * KiB, 64 * KiB));
	EXPECT_EQ(SYS(pread_all(fd, got, sizeof(got), 0)), sizeof(got));
	EXPECT_MEM(got, want, 64 * KiB);
	EXPECT_MEM(got + 64 * KiB, zero, 64 * KiB);
	EXPECT_MEM(got + 128 * KiB, want + 128 * KiB, 64 * KiB);
	return 0;
}

int t_fallocate(void)
{
	static char want[192 * 1024];
	struct stat st;
	int fd;

	fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	if (fallocate(fd, 0, 0, 1 * MiB) < 0 && errno == EOPNOTSUPP)
		SKIP("fallocate: EOPNOTSUPP");
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 1 * MiB);
	EXPECT((long long)st.st_blocks * 512 >= 1 * MiB, "st_blocks %lld",
	       (long long)st.st_blocks);

	/* KEEP_SIZE allocates beyond EOF without changing the size. */
	SYS(fallocate(fd, FALLOC_FL_KEEP_SIZE, 1 * MiB, 1 * MiB));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 1 * MiB);
	/* Mode 0 beyond EOF extends the file. */
	SYS(fallocate(fd, 0, 2 * MiB, 4096));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 2 * MiB + 4096);
	EXPECT_ERR(fallocate(fd, 0, 0, 0), EINVAL);
	SYS(close(fd));

	fd = SYS(open("p", O_CREAT | O_RDWR, 0644));
	pattern(want, sizeof(want), 7, 0);
	SYS(pwrite_all(fd, want, sizeof(want), 0));
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 0) < 0 &&
	    errno == EOPNOTSUPP)
		SKIP("plain fallocate works, punch hole: EOPNOTSUPP");
	if (punch_hole(fd, want))
		return -1;
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, sizeof(want));
	SYS(close(fd));
	return 0;
}

int t_lseek(void)
{
	char c;
	int fd;

	SYS(write_str("f", "0123456789"));
	fd = SYS(open("f", O_RDONLY));
	EXPECT_EQ(SYS(lseek(fd, 3, SEEK_SET)), 3);
	EXPECT_EQ(SYS(lseek(fd, 2, SEEK_CUR)), 5);
	EXPECT_EQ(SYS(read(fd, &c, 1)), 1);
	EXPECT_EQ(c, '5');
	EXPECT_EQ(SYS(lseek(fd, -1, SEEK_END)), 9);
	EXPECT_EQ(SYS(read(fd, &c, 1)), 1);
	EXPECT_EQ(c, '9');
	EXPECT_EQ(SYS(lseek(fd, 100, SEEK_END)), 110);
	EXPECT_EQ(SYS(read(fd, &c, 1)), 0);
	EXPECT_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	EXPECT_ERR(lseek(fd, 0, 42), EINVAL);
	SYS(close(fd));
	return 0;
}

/* Data at [0,4K) and [1M,1M+4K), a hole between: both must be reported. */
int t_seek_hole(void)
{
	char buf[4096];
	const off_t end = 1 * MiB + 4096;
	off_t r;
	int fd;

	pattern(buf, sizeof(buf), 3, 0);
	fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	SYS(pwrite_all(fd, buf, sizeof(buf), 0));
	SYS(pwrite_all(fd, buf, sizeof(buf), 1 * MiB));
	/*
	 * Under a writeback cache the kernel sends FUSE_LSEEK without writing
	 * dirty pages back first, so the filesystem would answer for a file it
	 * has not seen yet: flush, then ask.
	 */
	SYS(fsync(fd));
	r = lseek(fd, 0, SEEK_DATA);
	if (r < 0 && errno == EINVAL)
		SKIP("SEEK_DATA: EINVAL (not supported)");
	EXPECT(r == 0, "SEEK_DATA from 0: %lld (%s)", (long long)r,
	       r < 0 ? ename(errno) : "-");
	EXPECT_EQ(SYS(lseek(fd, 0, SEEK_HOLE)), 4096);
	EXPECT_EQ(SYS(lseek(fd, 4096, SEEK_DATA)), 1 * MiB);
	EXPECT_EQ(SYS(lseek(fd, 8192, SEEK_HOLE)), 8192);
	EXPECT_EQ(SYS(lseek(fd, 1 * MiB + 10, SEEK_DATA)), 1 * MiB + 10);
	EXPECT_EQ(SYS(lseek(fd, 1 * MiB, SEEK_HOLE)), end);
	EXPECT_ERR(lseek(fd, end, SEEK_DATA), ENXIO);
	EXPECT_ERR(lseek(fd, end + 1, SEEK_HOLE), ENXIO);
	/* The file position follows the last successful seek. */
	EXPECT_EQ(SYS(lseek(fd, 0, SEEK_CUR)), end);
	SYS(close(fd));
	return 0;
}

int t_copy_range(void)
{
	static char src[256 * 1024], got[256 * 1024];
	loff_t off_in = 1000, off_out = 0;
	size_t done = 0;
	int in, out;

	pattern(src, sizeof(src), 11, 0);
	SYS(write_file("src", src, sizeof(src), 0644));
	in = SYS(open("src", O_RDONLY));
	out = SYS(open("dst", O_CREAT | O_RDWR, 0644));
	while (done < 100000) {
		ssize_t n = SYS(copy_file_range(in, &off_in, out, &off_out,
						100000 - done, 0));

		EXPECT(n > 0, "copy_file_range returned 0 at %zu", done);
		done += (size_t)n;
	}
	EXPECT_EQ(off_in, 101000);
	EXPECT_EQ(off_out, 100000);
	/* Explicit offsets leave the file positions alone. */
	EXPECT_EQ(SYS(lseek(in, 0, SEEK_CUR)), 0);
	EXPECT_EQ(SYS(lseek(out, 0, SEEK_CUR)), 0);
	/* At EOF of the source there is nothing to copy. */
	off_in = sizeof(src);
	EXPECT_EQ(SYS(copy_file_range(in, &off_in, out, &off_out, 10, 0)), 0);
	SYS(close(in));
	SYS(close(out));
	EXPECT_FILE("dst", src + 1000, 100000);

	/* Using and advancing the file positions. */
	in = SYS(open("src", O_RDONLY));
	out = SYS(open("dst2", O_CREAT | O_RDWR, 0644));
	SYS(lseek(in, 5, SEEK_SET));
	EXPECT_EQ(SYS(copy_file_range(in, NULL, out, NULL, 4096, 0)), 4096);
	EXPECT_EQ(SYS(lseek(in, 0, SEEK_CUR)), 5 + 4096);
	EXPECT_EQ(SYS(lseek(out, 0, SEEK_CUR)), 4096);
	EXPECT_EQ(SYS(pread_all(out, got, 4096, 0)), 4096);
	EXPECT_MEM(got, src + 5, 4096);
	SYS(close(in));
	SYS(close(out));
	return 0;
}

static int mmap_coherence(long pg)
{
	char *map, buf[64];
	int fd;

	/* A write() must be visible through an existing mapping. */
	fd = SYS(open("f", O_RDWR));
	map = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(map != MAP_FAILED, "mmap: %s", ename(errno));
	EXPECT_EQ(SYS(pwrite(fd, "coherent", 8, 100)), 8);
	EXPECT_MEM(map + 100, "coherent", 8);
	SYS(munmap(map, (size_t)pg));
	/* MAP_PRIVATE writes stay private. */
	map = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT(map != MAP_FAILED, "mmap private: %s", ename(errno));
	memcpy(map + 100, "PRIVATE!", 8);
	EXPECT_EQ(SYS(pread(fd, buf, 8, 100)), 8);
	EXPECT_MEM(buf, "coherent", 8);
	SYS(munmap(map, (size_t)pg));
	SYS(close(fd));
	return 0;
}

int t_mmap(void)
{
	/* static: the SKIP/EXPECT exits leave nothing to free (3 pages of
	 * up to 64 KiB) */
	static char want[3 * 65536], got[3 * 65536];
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = 3 * (size_t)pg;
	char *map;
	int fd;

	EXPECT(len <= sizeof(want), "page size %ld too large", pg);
	fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	SYS(ftruncate(fd, (off_t)len));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED && errno == ENODEV)
		SKIP("shared mmap: ENODEV (direct_io without mmap)");
	EXPECT(map != MAP_FAILED, "mmap: %s", ename(errno));
	pattern(want, len, 5, 0);
	memcpy(map, want, len);
	SYS(msync(map, len, MS_SYNC));
	SYS(munmap(map, len));
	/* read() on the same fd and on a fresh open sees the stores. */
	EXPECT_EQ(SYS(pread_all(fd, got, len, 0)), len);
	EXPECT_MEM(got, want, len);
	SYS(close(fd));
	EXPECT_FILE("f", want, len);
	return mmap_coherence(pg);
}

int t_odirect(void)
{
	/* static and aligned: the SKIP/EXPECT exits leave nothing to free */
	static char buf[16 * KiB] __attribute__((aligned(4096)));
	static char got[16 * KiB] __attribute__((aligned(4096)));
	const size_t len = sizeof(buf);
	ssize_t n;
	int fd;

	pattern(buf, len, 9, 0);
	fd = open("f", O_CREAT | O_RDWR | O_DIRECT, 0644);
	if (fd < 0 && errno == EINVAL)
		SKIP("open(O_DIRECT): EINVAL");
	EXPECT(fd >= 0, "open(O_DIRECT): %s", ename(errno));
	n = pwrite(fd, buf, len, 0);
	if (n < 0 && errno == EINVAL)
		SKIP("O_DIRECT write: EINVAL (alignment not met below us)");
	EXPECT(n == (ssize_t)len, "O_DIRECT pwrite: %zd (%s)", n, ename(errno));
	memset(got, 0, len);
	n = pread(fd, got, len, 0);
	if (n < 0 && errno == EINVAL)
		SKIP("O_DIRECT read: EINVAL");
	EXPECT(n == (ssize_t)len, "O_DIRECT pread: %zd (%s)", n, ename(errno));
	EXPECT_MEM(got, buf, len);
	/* Reading past EOF with O_DIRECT is short, not an error. */
	EXPECT_EQ(SYS(pread(fd, got, len, (off_t)len)), 0);
	SYS(close(fd));
	EXPECT_FILE("f", buf, len);
	return 0;
}

/* Offsets above 4 GiB must not be truncated to 32 bits anywhere. */
int t_largefile(void)
{
	const off_t big = 5 * GiB, edge = 4 * GiB - 4;
	char buf[16];
	struct stat st;
	int fd;

	fd = SYS(open("big", O_CREAT | O_RDWR, 0644));
	EXPECT_EQ(SYS(pwrite(fd, "END", 3, big)), 3);
	EXPECT_EQ(SYS(pwrite(fd, "edge4GiB", 8, edge)), 8);
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, big + 3);
	EXPECT((long long)st.st_blocks * 512 < 1 * MiB,
	       "sparse file uses %lld blocks", (long long)st.st_blocks);
	EXPECT_EQ(SYS(pread(fd, buf, sizeof(buf), big)), 3);
	EXPECT_MEM(buf, "END", 3);
	EXPECT_EQ(SYS(pread(fd, buf, 8, edge)), 8);
	EXPECT_MEM(buf, "edge4GiB", 8);
	/* Nothing landed where 32-bit truncated offsets would point. */
	EXPECT_EQ(SYS(pread(fd, buf, 8, 0)), 8);
	EXPECT_MEM(buf, "\0\0\0\0\0\0\0\0", 8);
	EXPECT_EQ(SYS(pread(fd, buf, 3, big - 4 * GiB)), 3);
	EXPECT_MEM(buf, "\0\0\0", 3);
	EXPECT_EQ(SYS(lseek(fd, -3, SEEK_END)), big);
	SYS(ftruncate(fd, 4 * GiB + 1));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 4 * GiB + 1);
	EXPECT_EQ(SYS(pread(fd, buf, 16, 4 * GiB - 4)), 5);
	EXPECT_MEM(buf, "edge4", 5);
	SYS(close(fd));
	/* Leave no multi-GiB file for the source comparison to hash. */
	SYS(unlink("big"));
	return 0;
}

struct writer {
	int idx;
	int failed;
};

static int writer_run(struct writer *w)
{
	const size_t chunk = 64 * KiB, total = 4 * MiB;
	char name[32], *buf = malloc(chunk);
	size_t off;
	int fd;

	EXPECT(buf, "malloc");
	snprintf(name, sizeof(name), "t%d", w->idx);
	fd = SYS(open(name, O_CREAT | O_EXCL | O_WRONLY, 0644));
	for (off = 0; off < total; off += chunk) {
		pattern(buf, chunk, 100 + (unsigned int)w->idx, (off_t)off);
		SYS(pwrite_all(fd, buf, chunk, (off_t)off));
	}
	SYS(fsync(fd));
	SYS(close(fd));
	free(buf);
	return 0;
}

static void *writer_thread(void *arg)
{
	struct writer *w = arg;

	w->failed = writer_run(w) != 0;
	return NULL;
}

int t_threads(void)
{
	const size_t total = 4 * MiB;
	struct writer w[4];
	pthread_t th[4];
	char name[32], *want = malloc(total);
	int i;

	EXPECT(want, "malloc");
	for (i = 0; i < 4; i++) {
		w[i] = (struct writer){ .idx = i };
		EXPECT_EQ(pthread_create(&th[i], NULL, writer_thread, &w[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++) {
		EXPECT(!w[i].failed, "writer %d failed", i);
		snprintf(name, sizeof(name), "t%d", i);
		pattern(want, total, 100 + (unsigned int)i, 0);
		EXPECT_FILE(name, want, total);
	}
	free(want);
	return 0;
}

int t_poll(void)
{
	struct pollfd p;
	double t0;
	int fd;

	SYS(write_str("f", "x"));
	fd = SYS(open("f", O_RDWR));
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	t0 = now_real();
	EXPECT_EQ(SYS(poll(&p, 1, 2000)), 1);
	EXPECT(now_real() - t0 < 1.0, "poll took %.2fs", now_real() - t0);
	EXPECT_EQ(p.revents & (POLLIN | POLLOUT | POLLERR | POLLNVAL),
		  POLLIN | POLLOUT);
	SYS(close(fd));
	return 0;
}

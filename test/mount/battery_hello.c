// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * battery_hello.c: the read-only battery for hello_ll's tree: a root
 * directory holding exactly one file, "hello" (mode 0444), whose content is
 * "Hello World!\n". Nothing may be created, written or changed.
 */
#include "battery.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

static const char hello_text[] = "Hello World!\n";
#define HELLO_LEN (sizeof(hello_text) - 1)

/* Reads the root listing; @ret_pos gets telldir() after each entry. */
static int hello_list(DIR *d, char names[8][16], long *ret_pos, int *ret_n)
{
	struct dirent *de;
	int n = 0;

	errno = 0;
	while ((de = readdir(d))) {
		EXPECT(n < 8, "too many entries");
		EXPECT(strlen(de->d_name) < 16, "entry %s", de->d_name);
		strcpy(names[n], de->d_name);
		ret_pos[n++] = telldir(d);
		if (!strcmp(de->d_name, "hello"))
			EXPECT(de->d_type == DT_REG || de->d_type == DT_UNKNOWN,
			       "d_type %d", de->d_type);
	}
	EXPECT(errno == 0, "readdir: %s", ename(errno));
	*ret_n = n;
	return 0;
}

static int hello_names_ok(char names[8][16], int n)
{
	int i, dot = 0, dotdot = 0, hello = 0;

	EXPECT_EQ(n, 3);
	for (i = 0; i < n; i++) {
		dot += !strcmp(names[i], ".");
		dotdot += !strcmp(names[i], "..");
		hello += !strcmp(names[i], "hello");
	}
	EXPECT(dot == 1 && dotdot == 1 && hello == 1,
	       "entries %s,%s,%s", names[0], names[1], names[2]);
	return 0;
}

int t_hello_readdir(void)
{
	char names[8][16], again[8][16];
	long pos[8], pos2[8];
	struct dirent *de;
	int n, n2, i;
	DIR *d = opendir(".");

	EXPECT(d, "opendir: %s", ename(errno));
	if (hello_list(d, names, pos, &n) || hello_names_ok(names, n))
		return -1;
	for (i = 0; i + 1 < n; i++) {
		seekdir(d, pos[i]);
		de = readdir(d);
		EXPECT(de && !strcmp(de->d_name, names[i + 1]),
		       "after seekdir(%d): %s, want %s", i,
		       de ? de->d_name : "(end)", names[i + 1]);
	}
	rewinddir(d);
	if (hello_list(d, again, pos2, &n2) || hello_names_ok(again, n2))
		return -1;
	for (i = 0; i < n; i++)
		EXPECT(!strcmp(names[i], again[i]), "order changed at %d", i);
	SYS(closedir(d));
	return 0;
}

int t_hello_stat(void)
{
	struct stat st, root;
	int fd;

	SYS(stat("hello", &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 0444);
	EXPECT_EQ(st.st_size, HELLO_LEN);
	EXPECT_EQ(st.st_nlink, 1);
	SYS(stat(".", &root));
	EXPECT(S_ISDIR(root.st_mode), "root mode 0%o", root.st_mode);
	EXPECT_EQ(root.st_mode & 07777, 0755);
	EXPECT(root.st_ino != st.st_ino, "root and hello share ino %llu",
	       (unsigned long long)st.st_ino);
	fd = SYS(open("hello", O_RDONLY));
	SYS(fstat(fd, &root));
	SYS(close(fd));
	EXPECT_EQ(root.st_ino, st.st_ino);
	EXPECT_EQ(root.st_size, HELLO_LEN);
	return 0;
}

int t_hello_read(void)
{
	char buf[64];
	int fd;

	EXPECT_FILE("hello", hello_text, HELLO_LEN);
	fd = SYS(open("hello", O_RDONLY));
	EXPECT_EQ(SYS(pread(fd, buf, sizeof(buf), 6)), 7);
	EXPECT_MEM(buf, "World!\n", 7);
	EXPECT_EQ(SYS(pread(fd, buf, sizeof(buf), HELLO_LEN)), 0);
	EXPECT_EQ(SYS(pread(fd, buf, sizeof(buf), 1000)), 0);
	EXPECT_EQ(SYS(read(fd, buf, 5)), 5);
	EXPECT_EQ(SYS(read(fd, buf + 5, sizeof(buf) - 5)), HELLO_LEN - 5);
	EXPECT_MEM(buf, hello_text, HELLO_LEN);
	EXPECT_EQ(SYS(read(fd, buf, sizeof(buf))), 0);
	SYS(close(fd));
	return 0;
}

int t_hello_errors(void)
{
	struct stat st;
	char buf[8];

	EXPECT_ERR(stat("nope", &st), ENOENT);
	EXPECT_ERR(open("nope", O_RDONLY), ENOENT);
	EXPECT_ERR(stat("hello/x", &st), ENOTDIR);
	EXPECT_ERR(open("hello", O_WRONLY), EACCES);
	EXPECT_ERR(open("hello", O_RDWR), EACCES);
	/* Nothing can be created; the tree stays unchanged. */
	EXPECT(open("new", O_CREAT | O_WRONLY, 0644) < 0, "created a file");
	EXPECT(mkdir("newdir", 0755) < 0, "created a directory");
	EXPECT(unlink("hello") < 0, "removed hello");
	EXPECT(rename("hello", "moved") < 0, "renamed hello");
	EXPECT(truncate("hello", 0) < 0, "truncated hello");
	EXPECT_ERR(stat("new", &st), ENOENT);
	EXPECT_FILE("hello", hello_text, HELLO_LEN);
	/* No xattr handler: the kernel turns ENOSYS into EOPNOTSUPP. */
	EXPECT_ERR(getxattr("hello", "user.x", buf, sizeof(buf)), EOPNOTSUPP);
	EXPECT_ERR(readlink("hello", buf, sizeof(buf)), EINVAL);
	return 0;
}

int t_hello_mmap(void)
{
	char *map;
	int fd;

	fd = SYS(open("hello", O_RDONLY));
	map = mmap(NULL, HELLO_LEN, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(map != MAP_FAILED, "mmap: %s", ename(errno));
	EXPECT_MEM(map, hello_text, HELLO_LEN);
	/* The rest of the page past EOF reads as zeros. */
	EXPECT_EQ(map[HELLO_LEN], 0);
	SYS(munmap(map, HELLO_LEN));
	SYS(close(fd));
	return 0;
}

static void *reader(void *arg)
{
	int *failed = arg, i;

	for (i = 0; i < 200 && !*failed; i++) {
		char buf[32];
		int fd = open("hello", O_RDONLY);
		ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf), 0);

		if (n != (ssize_t)HELLO_LEN || memcmp(buf, hello_text, HELLO_LEN))
			*failed = 1;
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

/* Parallel opens and reads exercise the library's multithreaded loop. */
int t_hello_threads(void)
{
	pthread_t th[4];
	int failed[4] = { 0 }, i;

	for (i = 0; i < 4; i++)
		EXPECT_EQ(pthread_create(&th[i], NULL, reader, &failed[i]), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++)
		EXPECT(!failed[i], "reader %d saw a wrong result", i);
	return 0;
}

int t_hello_statfs(void)
{
	struct statvfs vs;
	struct statfs sfs;

	SYS(statvfs(".", &vs));
	SYS(statfs(".", &sfs));
	/* Without a statfs handler the library answers: namelen 255. */
	EXPECT_EQ(vs.f_namemax, 255);
	EXPECT(vs.f_bsize > 0, "f_bsize %lu", vs.f_bsize);
	if (bopt.expect_fuse)
		EXPECT_EQ(sfs.f_type, FUSE_SUPER_MAGIC);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * battery_names.c: namespace checks: mkdir/rmdir, unlink (also while open),
 * rename (over files, over open files, renameat2 flags), hard links,
 * symlinks, mknod, readdir of a large directory with telldir/seekdir,
 * O_TMPFILE + linkat, and the "keep" tree left for source comparison.
 */
#include "battery.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Writes the sorted entry names of @dir, without "." and "..", joined by
 * commas into @out. Returns -1 with errno set on failure.
 */
static int dir_names(const char *dir, char *out, size_t cap)
{
	char *names[64];
	struct dirent *de;
	size_t n = 0, i, len = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	errno = 0;
	while ((de = readdir(d)) && n < 64) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0,
					"%s%s", i ? "," : "", names[i]);
		free(names[i]);
	}
	return 0;
}

#define EXPECT_DIR(dir, want) do {					\
	char dn_[1024];							\
	SYS(dir_names(dir, dn_, sizeof(dn_)));				\
	EXPECT(!strcmp(dn_, want), "%s lists \"%s\", want \"%s\"",	\
	       dir, dn_, want);						\
} while (0)

int t_mkdir(void)
{
	struct stat st;

	SYS(mkdir("d", 0750));
	SYS(stat("d", &st));
	EXPECT_EQ(st.st_mode, S_IFDIR | 0750);
	EXPECT_ERR(mkdir("d", 0755), EEXIST);
	EXPECT_ERR(mkdir("d/x/y", 0755), ENOENT);
	SYS(mkdir("d/e", 0700));
	SYS(write_str("d/e/f", "x"));
	EXPECT_ERR(mkdir("d/e/f/g", 0755), ENOTDIR);
	EXPECT_DIR("d", "e");
	EXPECT_DIR("d/e", "f");
	EXPECT_ERR2(rmdir("d"), ENOTEMPTY, EEXIST);
	EXPECT_ERR(rmdir("d/e/f"), ENOTDIR);
	EXPECT_ERR(unlink("d"), EISDIR);
	EXPECT_ERR(rmdir("missing"), ENOENT);
	EXPECT_ERR(rmdir("."), EINVAL);
	SYS(unlink("d/e/f"));
	SYS(rmdir("d/e"));
	SYS(rmdir("d"));
	EXPECT_ERR(stat("d", &st), ENOENT);
	EXPECT_DIR(".", "");

	/* Special mode bits and an all-zero mode. */
	SYS(mkdir("sticky", 01777));
	SYS(stat("sticky", &st));
	EXPECT_EQ(st.st_mode, S_IFDIR | 01777);
	SYS(mkdir("zero", 0));
	SYS(stat("zero", &st));
	EXPECT_EQ(st.st_mode, S_IFDIR);
	SYS(chmod("zero", 0755));
	return 0;
}

int t_unlink(void)
{
	struct stat st;

	SYS(write_str("f", "old"));
	SYS(write_str("g", "other"));
	SYS(unlink("f"));
	EXPECT_ERR(stat("f", &st), ENOENT);
	EXPECT_ERR(open("f", O_RDONLY), ENOENT);
	EXPECT_ERR(unlink("f"), ENOENT);
	EXPECT_ERR(unlink("missing/x"), ENOENT);
	EXPECT_DIR(".", "g");
	/* The name can be reused and shows new data only. */
	SYS(write_str("f", "new!"));
	EXPECT_STR_FILE("f", "new!");
	EXPECT_DIR(".", "f,g");
	return 0;
}

int t_unlink_open(void)
{
	char buf[32];
	struct stat st;
	int fd;

	fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	SYS(pwrite_all(fd, "keep-me", 7, 0));
	SYS(unlink("f"));
	EXPECT_DIR(".", "");
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_nlink, 0);
	EXPECT_EQ(st.st_size, 7);
	EXPECT_EQ(SYS(pread(fd, buf, sizeof(buf), 0)), 7);
	EXPECT_MEM(buf, "keep-me", 7);
	/* Still writable, and a new file of the same name is separate. */
	SYS(pwrite_all(fd, "+more", 5, 7));
	SYS(write_str("f", "fresh"));
	EXPECT_EQ(SYS(pread(fd, buf, sizeof(buf), 0)), 12);
	EXPECT_MEM(buf, "keep-me+more", 12);
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_size, 12);
	SYS(close(fd));
	EXPECT_STR_FILE("f", "fresh");
	return 0;
}

static int rename_dirs(void)
{
	struct stat st, d1, d2;

	SYS(mkdir("d1", 0755));
	SYS(mkdir("d2", 0755));
	SYS(mkdir("d1/s", 0755));
	SYS(rename("d1/s", "d2/s"));
	SYS(stat("d1", &d1));
	SYS(stat("d2", &d2));
	EXPECT_EQ(d1.st_nlink, 2);
	EXPECT_EQ(d2.st_nlink, 3);
	/* ".." of the moved directory now names d2. */
	SYS(stat("d2/s/..", &st));
	EXPECT_EQ(st.st_ino, d2.st_ino);

	SYS(mkdir("e1", 0755));
	SYS(mkdir("e2", 0755));
	SYS(rename("e1", "e2"));
	EXPECT_ERR(stat("e1", &st), ENOENT);
	SYS(write_str("d1/f", "x"));
	EXPECT_ERR2(rename("e2", "d1"), ENOTEMPTY, EEXIST);
	EXPECT_ERR(rename("d1/f", "e2"), EISDIR);
	EXPECT_ERR(rename("e2", "d1/f"), ENOTDIR);
	EXPECT_ERR(rename("d2", "d2/s/inside"), EINVAL);
	return 0;
}

int t_rename(void)
{
	struct stat a, b;

	SYS(write_str("a", "AAA"));
	SYS(stat("a", &a));
	SYS(rename("a", "b"));
	EXPECT_ERR(stat("a", &b), ENOENT);
	SYS(stat("b", &b));
	EXPECT_EQ(b.st_ino, a.st_ino);
	EXPECT_STR_FILE("b", "AAA");

	/* Over an existing file: the target's data is replaced. */
	SYS(write_str("x", "X"));
	SYS(write_str("y", "YYYY"));
	SYS(rename("x", "y"));
	EXPECT_STR_FILE("y", "X");
	EXPECT_DIR(".", "b,y");

	/* Renaming a name onto a hard link of itself does nothing. */
	SYS(link("y", "y2"));
	SYS(rename("y", "y2"));
	EXPECT_DIR(".", "b,y,y2");
	EXPECT_ERR(rename("missing", "z"), ENOENT);
	SYS(unlink("y"));
	SYS(unlink("y2"));
	if (rename_dirs())
		return -1;
	/* Across directories, twice. */
	SYS(rename("b", "d1/b"));
	SYS(rename("d1/b", "d2/c"));
	EXPECT_STR_FILE("d2/c", "AAA");
	EXPECT_DIR("d1", "f");
	return 0;
}

int t_rename_open(void)
{
	char buf[16];
	struct stat st;
	int fd, fa;

	SYS(write_str("a", "AAA"));
	SYS(write_str("b", "BBB"));
	fd = SYS(open("b", O_RDONLY));
	fa = SYS(open("a", O_RDWR));
	SYS(rename("a", "b"));
	/* The replaced file lives on through its descriptor. */
	EXPECT_EQ(SYS(pread(fd, buf, sizeof(buf), 0)), 3);
	EXPECT_MEM(buf, "BBB", 3);
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_nlink, 0);
	SYS(close(fd));
	/* The moved file's descriptor still writes to it under its new name. */
	SYS(pwrite_all(fa, "Z", 1, 3));
	SYS(close(fa));
	EXPECT_STR_FILE("b", "AAAZ");
	EXPECT_DIR(".", "b");
	return 0;
}

int t_rename2(void)
{
	struct stat a, b;
	int r;

	SYS(write_str("a", "A"));
	SYS(write_str("b", "BB"));
	r = renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE);
	if (r < 0 && errno == EINVAL)
		SKIP("RENAME_NOREPLACE: EINVAL (flags not supported)");
	EXPECT(r < 0 && errno == EEXIST, "NOREPLACE over a file: %d/%s", r,
	       ename(errno));
	EXPECT_STR_FILE("a", "A");
	EXPECT_STR_FILE("b", "BB");
	SYS(renameat2(AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE));
	EXPECT_DIR(".", "b,c");
	EXPECT_ERR(renameat2(AT_FDCWD, "b", AT_FDCWD, "c",
			     RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);

	SYS(stat("b", &b));
	SYS(stat("c", &a));
	r = renameat2(AT_FDCWD, "b", AT_FDCWD, "c", RENAME_EXCHANGE);
	if (r < 0 && errno == EINVAL)
		SKIP("RENAME_NOREPLACE works, RENAME_EXCHANGE: EINVAL");
	EXPECT(r == 0, "RENAME_EXCHANGE: %s", ename(errno));
	EXPECT_STR_FILE("b", "A");
	EXPECT_STR_FILE("c", "BB");
	SYS(stat("b", &b));
	EXPECT_EQ(b.st_ino, a.st_ino);
	EXPECT_ERR(renameat2(AT_FDCWD, "b", AT_FDCWD, "missing",
			     RENAME_EXCHANGE), ENOENT);
	/* A file and a directory trade places. */
	SYS(mkdir("d", 0755));
	SYS(renameat2(AT_FDCWD, "b", AT_FDCWD, "d", RENAME_EXCHANGE));
	SYS(stat("b", &b));
	EXPECT(S_ISDIR(b.st_mode), "b mode 0%o", b.st_mode);
	EXPECT_STR_FILE("d", "A");
	return 0;
}

int t_link(void)
{
	struct stat a, b;
	int fd;

	SYS(write_str("a", "data"));
	SYS(link("a", "b"));
	SYS(stat("a", &a));
	SYS(stat("b", &b));
	EXPECT_EQ(a.st_nlink, 2);
	EXPECT_EQ(b.st_ino, a.st_ino);
	EXPECT_EQ(b.st_nlink, 2);
	fd = SYS(open("b", O_RDWR));
	SYS(link("b", "c"));
	SYS(fstat(fd, &b));
	EXPECT_EQ(b.st_nlink, 3);
	/* One inode: a write through one name shows through the others. */
	SYS(pwrite_all(fd, "DATA", 4, 0));
	SYS(close(fd));
	EXPECT_STR_FILE("a", "DATA");
	EXPECT_STR_FILE("c", "DATA");
	SYS(unlink("a"));
	SYS(stat("b", &b));
	EXPECT_EQ(b.st_nlink, 2);
	SYS(unlink("c"));
	SYS(stat("b", &b));
	EXPECT_EQ(b.st_nlink, 1);
	EXPECT_STR_FILE("b", "DATA");

	EXPECT_ERR(link("b", "b"), EEXIST);
	EXPECT_ERR(link("missing", "x"), ENOENT);
	SYS(mkdir("d", 0755));
	EXPECT_ERR(link("d", "d2"), EPERM);
	SYS(link("b", "d/inner"));
	EXPECT_STR_FILE("d/inner", "DATA");
	return 0;
}

int t_symlink(void)
{
	char buf[PATH_MAX], target[1001];
	struct stat st;
	int fd;

	SYS(symlink("target/path", "l"));
	EXPECT_EQ(SYS(readlink("l", buf, sizeof(buf))), 11);
	EXPECT_MEM(buf, "target/path", 11);
	SYS(lstat("l", &st));
	EXPECT(S_ISLNK(st.st_mode), "mode 0%o", st.st_mode);
	EXPECT_EQ(st.st_size, 11);
	EXPECT_ERR(stat("l", &st), ENOENT);
	/* A short buffer truncates silently. */
	EXPECT_EQ(SYS(readlink("l", buf, 4)), 4);
	EXPECT_MEM(buf, "targ", 4);
	EXPECT_ERR(symlink("x", "l"), EEXIST);

	SYS(write_str("f", "through"));
	SYS(symlink("f", "lf"));
	EXPECT_STR_FILE("lf", "through");
	EXPECT_ERR(readlink("f", buf, sizeof(buf)), EINVAL);
	EXPECT_ERR(open("lf", O_RDONLY | O_NOFOLLOW), ELOOP);
	fd = SYS(open("lf", O_PATH | O_NOFOLLOW));
	EXPECT_EQ(SYS(readlinkat(fd, "", buf, sizeof(buf))), 1);
	SYS(close(fd));

	/* Relative to the link's directory, and a long target. */
	SYS(mkdir("d", 0755));
	SYS(symlink("../f", "d/up"));
	EXPECT_STR_FILE("d/up", "through");
	memset(target, 'x', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	SYS(symlink(target, "long"));
	EXPECT_EQ(SYS(readlink("long", buf, sizeof(buf))), 1000);
	EXPECT_MEM(buf, target, 1000);
	/* A loop is detected, not followed forever. */
	SYS(symlink("loop2", "loop1"));
	SYS(symlink("loop1", "loop2"));
	EXPECT_ERR(open("loop1", O_RDONLY), ELOOP);
	return 0;
}

int t_mknod(void)
{
	struct stat st;
	char c = 0;
	int fd;

	SYS(mkfifo("p", 0640));
	SYS(stat("p", &st));
	EXPECT_EQ(st.st_mode, S_IFIFO | 0640);
	/* A FIFO on any filesystem is a pipe served by the kernel. */
	fd = SYS(open("p", O_RDWR | O_NONBLOCK));
	EXPECT_EQ(SYS(write(fd, "q", 1)), 1);
	EXPECT_EQ(SYS(read(fd, &c, 1)), 1);
	EXPECT_EQ(c, 'q');
	SYS(close(fd));
	EXPECT_ERR(mkfifo("p", 0600), EEXIST);

	SYS(mknod("r", S_IFREG | 0600, 0));
	SYS(stat("r", &st));
	EXPECT_EQ(st.st_mode, S_IFREG | 0600);
	EXPECT_EQ(st.st_size, 0);
	SYS(mknod("s", S_IFSOCK | 0600, 0));
	SYS(lstat("s", &st));
	EXPECT(S_ISSOCK(st.st_mode), "mode 0%o", st.st_mode);
	if (geteuid() == 0) {
		SYS(mknod("c", S_IFCHR | 0600, makedev(1, 3)));
		SYS(stat("c", &st));
		EXPECT(S_ISCHR(st.st_mode), "mode 0%o", st.st_mode);
		EXPECT_EQ(st.st_rdev, makedev(1, 3));
	}
	EXPECT_DIR(".", geteuid() == 0 ? "c,p,r,s" : "p,r,s");
	return 0;
}

/* ------------------------------------------------------------------ */
/* readdir of a large directory                                        */

#define NFILES 2000

struct dent {
	char name[16];
	long pos;		/* telldir() right after reading this entry */
	unsigned char type;
};

static int collect(DIR *d, struct dent *ents, int cap, int *ret_n)
{
	struct dirent *de;
	int n = 0;

	errno = 0;
	while ((de = readdir(d))) {
		EXPECT(n < cap, "more than %d entries", cap);
		EXPECT(strlen(de->d_name) < sizeof(ents[n].name), "name %s",
		       de->d_name);
		strcpy(ents[n].name, de->d_name);
		ents[n].type = de->d_type;
		ents[n].pos = telldir(d);
		n++;
	}
	EXPECT(errno == 0, "readdir: %s", ename(errno));
	*ret_n = n;
	return 0;
}

/* Every name "f0000".."f1999" with (@i % @step == 0) once, "."/".." once. */
static int check_names_once(const struct dent *ents, int n, int step)
{
	static unsigned char seen[NFILES];
	int i, dots = 0, want = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		const struct dent *e = &ents[i];
		int k;

		if (!strcmp(e->name, ".") || !strcmp(e->name, "..")) {
			EXPECT(e->type == DT_DIR || e->type == DT_UNKNOWN,
			       "%s d_type %d", e->name, e->type);
			dots++;
			continue;
		}
		EXPECT(sscanf(e->name, "f%d", &k) == 1 && k >= 0 && k < NFILES &&
		       k % step == 0, "unexpected entry %s", e->name);
		EXPECT(!seen[k], "entry %s listed twice", e->name);
		EXPECT(e->type == DT_REG || e->type == DT_UNKNOWN,
		       "%s d_type %d", e->name, e->type);
		seen[k] = 1;
	}
	for (i = 0; i < NFILES; i += step)
		want += 1;
	EXPECT_EQ(dots, 2);
	EXPECT_EQ(n - dots, want);
	return 0;
}

/* seekdir(telldir() after entry i) must resume at entry i + 1. */
static int check_seekdir(DIR *d, const struct dent *ents, int n)
{
	struct dirent *de;
	int i;

	for (i = 0; i < n; i += (i % 7) + 61) {
		seekdir(d, ents[i].pos);
		errno = 0;
		de = readdir(d);
		if (i == n - 1) {
			EXPECT(!de && !errno, "entry after the last: %s",
			       de ? de->d_name : ename(errno));
			continue;
		}
		EXPECT(de, "seekdir to entry %d: readdir: %s", i, ename(errno));
		EXPECT(!strcmp(de->d_name, ents[i + 1].name),
		       "after seekdir(%d) got %s, want %s", i, de->d_name,
		       ents[i + 1].name);
	}
	seekdir(d, ents[n - 1].pos);
	EXPECT(!readdir(d), "entries after the end");
	seekdir(d, ents[n / 2].pos);
	de = readdir(d);
	EXPECT(de && !strcmp(de->d_name, ents[n / 2 + 1].name), "mid seek");
	return 0;
}

static int readdir_pass(int step)
{
	static struct dent ents[NFILES + 8], again[NFILES + 8];
	int n, n2;
	DIR *d = opendir(".");

	EXPECT(d, "opendir: %s", ename(errno));
	if (collect(d, ents, NFILES + 8, &n) || check_names_once(ents, n, step))
		return -1;
	if (check_seekdir(d, ents, n))
		return -1;
	/* After rewinddir the same set comes back, again exactly once. */
	rewinddir(d);
	if (collect(d, again, NFILES + 8, &n2) ||
	    check_names_once(again, n2, step))
		return -1;
	EXPECT_EQ(n2, n);
	EXPECT(!strcmp(again[0].name, ents[0].name), "first entry %s vs %s",
	       again[0].name, ents[0].name);
	SYS(closedir(d));
	return 0;
}

int t_readdir(void)
{
	char name[16];
	int i, fd;

	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "f%04d", i);
		fd = SYS(open(name, O_CREAT | O_EXCL | O_WRONLY, 0644));
		SYS(close(fd));
	}
	if (readdir_pass(1))
		return -1;
	/* Deletions must show up in the next listing (no stale cache). */
	for (i = 1; i < NFILES; i += 2) {
		snprintf(name, sizeof(name), "f%04d", i);
		SYS(unlink(name));
	}
	return readdir_pass(2);
}

int t_tmpfile(void)
{
	char path[64];
	struct stat st;
	int fd;

	fd = open(".", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR))
		SKIP("O_TMPFILE: %s (not supported)", ename(errno));
	EXPECT(fd >= 0, "open(O_TMPFILE): %s", ename(errno));
	SYS(pwrite_all(fd, "tmpdata", 7, 0));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_nlink, 0);
	EXPECT_EQ(st.st_mode, S_IFREG | 0600);
	EXPECT_EQ(st.st_size, 7);
	EXPECT_DIR(".", "");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	SYS(linkat(AT_FDCWD, path, AT_FDCWD, "linked", AT_SYMLINK_FOLLOW));
	SYS(fstat(fd, &st));
	EXPECT_EQ(st.st_nlink, 1);
	SYS(close(fd));
	EXPECT_STR_FILE("linked", "tmpdata");
	EXPECT_DIR(".", "linked");

	/* O_EXCL: this one can never be linked in. */
	fd = SYS(open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	EXPECT_ERR(linkat(AT_FDCWD, path, AT_FDCWD, "never", AT_SYMLINK_FOLLOW),
		   ENOENT);
	SYS(close(fd));
	return 0;
}

/* ------------------------------------------------------------------ */
/* The tree left behind for the runner to compare with the source dir. */

static int keep_files(void)
{
	static char buf[1 * MiB + 17];
	static const size_t sizes[] = { 4095, 4096, 4097, sizeof(buf) };
	char name[32];
	size_t i;
	int fd;

	SYS(write_file("empty", "", 0, 0600));
	SYS(write_file("one", "1", 1, 0644));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "size%zu", sizes[i]);
		pattern(buf, sizes[i], (unsigned int)i, 0);
		SYS(write_file(name, buf, sizes[i], 0644));
		EXPECT_FILE(name, buf, sizes[i]);
	}
	fd = SYS(open("appended", O_CREAT | O_WRONLY | O_APPEND, 0640));
	for (i = 0; i < 100; i++)
		EXPECT_EQ(SYS(write(fd, "line of text\n", 13)), 13);
	SYS(close(fd));
	pattern(buf, 100000, 99, 0);
	SYS(write_file("truncated", buf, 100000, 0644));
	SYS(truncate("truncated", 5000));
	EXPECT_FILE("truncated", buf, 5000);
	SYS(write_str("tmpname", "renamed"));
	SYS(rename("tmpname", "renamed"));
	return 0;
}

int t_keep(void)
{
	const char *top = bopt.keep ? "../../keep" : "tree";

	SYS(mkdir(top, 0755));
	SYS(chdir(top));
	if (keep_files())
		return -1;
	SYS(mkdir("sub", 0750));
	SYS(mkdir("sub/deeper", 0700));
	SYS(write_str("sub/deeper/file", "deep"));
	SYS(symlink("sub/deeper/file", "link"));
	SYS(write_str("hard1", "hard"));
	SYS(link("hard1", "hard2"));
	SYS(mkfifo("fifo", 0600));
	SYS(write_file("exec", "#!/bin/sh\n", 10, 0751));
	if (geteuid() == 0) {
		SYS(write_str("owned", "owned"));
		SYS(chown("owned", 1234, 5678));
	}
	EXPECT_STR_FILE("link", "deep");
	EXPECT_DIR(".", geteuid() == 0 ?
		   "appended,empty,exec,fifo,hard1,hard2,link,one,owned,"
		   "renamed,size1048593,size4095,size4096,size4097,sub,"
		   "truncated" :
		   "appended,empty,exec,fifo,hard1,hard2,link,one,"
		   "renamed,size1048593,size4095,size4096,size4097,sub,"
		   "truncated");
	return 0;
}

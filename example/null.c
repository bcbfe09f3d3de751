// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * null: a filesystem that is one file, mounted over a regular file. Writes
 * are accepted and dropped, reads give zeros up to its fixed 4 GiB size,
 * truncate is a no-op: a /dev/null (and /dev/zero) through FUSE.
 */

#define FUSE_USE_VERSION 31

#include <fuse.h>
#include <fuse_lowlevel.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NULL_SIZE ((off_t)1 << 32)

/* The mount is the file itself: its path is "/". */
static int null_check(const char *path)
{
	return path && strcmp(path, "/") == 0 ? 0 : -ENOENT;
}

static int null_getattr(const char *path, struct stat *st,
			struct fuse_file_info *fi)
{
	int ret = null_check(path);

	(void)fi;
	if (ret < 0)
		return ret;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_size = NULL_SIZE;
	/* Like a device node it always looks just touched. */
	st->st_atime = st->st_mtime = st->st_ctime = time(NULL);
	return 0;
}

static int null_truncate(const char *path, off_t size,
			 struct fuse_file_info *fi)
{
	(void)size;
	(void)fi;
	return null_check(path);
}

static int null_open(const char *path, struct fuse_file_info *fi)
{
	(void)fi;
	return null_check(path);
}

static int null_read(const char *path, char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	int ret = null_check(path);

	(void)fi;
	if (ret < 0)
		return ret;
	if (off < 0 || off >= NULL_SIZE)
		return 0;
	if ((off_t)size > NULL_SIZE - off)
		size = (size_t)(NULL_SIZE - off);
	memset(buf, 0, size);
	return (int)size;
}

static int null_write(const char *path, const char *buf, size_t size,
		      off_t off, struct fuse_file_info *fi)
{
	int ret = null_check(path);

	(void)buf;
	(void)off;
	(void)fi;
	return ret < 0 ? ret : (int)size;
}

static const struct fuse_operations null_ops = {
	.getattr = null_getattr,
	.truncate = null_truncate,
	.open = null_open,
	.read = null_read,
	.write = null_write,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct stat st;
	int ok;

	/* Only to look at the mountpoint; fuse_main() parses again. */
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	fuse_opt_free_args(&args);
	if (opts.show_help || opts.show_version) {
		free(opts.mountpoint);
		return fuse_main(argc, argv, &null_ops, NULL);
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "null: no mountpoint given\n");
		return 1;
	}
	if (stat(opts.mountpoint, &st) < 0) {
		fprintf(stderr, "null: cannot stat mountpoint %s: %s\n",
			opts.mountpoint, strerror(errno));
		free(opts.mountpoint);
		return 1;
	}
	ok = S_ISREG(st.st_mode);
	free(opts.mountpoint);
	if (!ok) {
		fprintf(stderr, "null: the mountpoint must be a regular file\n");
		return 1;
	}
	return fuse_main(argc, argv, &null_ops, NULL);
}

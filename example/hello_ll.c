// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hello_ll: the smallest useful lowlevel filesystem. The root directory
 * holds one read-only file, "hello", whose content is "Hello World!\n".
 * Command line as libfuse's hello_ll: standard options plus a mountpoint.
 */

#define FUSE_USE_VERSION 318

#include "ll_common.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

enum {
	HELLO_ROOT_INO = FUSE_ROOT_ID,
	HELLO_FILE_INO = 2,
};

static const char hello_name[] = "hello";
static const char hello_text[] = "Hello World!\n";

/* Attributes never change, so the kernel may cache them for a while. */
static const double hello_timeout = 1.0;

static int hello_fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	switch (ino) {
	case HELLO_ROOT_INO:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case HELLO_FILE_INO:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = sizeof(hello_text) - 1;
		return 0;
	default:
		return -ENOENT;
	}
}

static void hello_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != HELLO_ROOT_INO || strcmp(name, hello_name) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = HELLO_FILE_INO;
	e.attr_timeout = hello_timeout;
	e.entry_timeout = hello_timeout;
	hello_fill_stat(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void hello_getattr(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (hello_fill_stat(ino, &st) < 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_reply_attr(req, &st, hello_timeout);
}

static void hello_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	llc_reply_root_dir(req, ino, size, off, hello_name, HELLO_FILE_INO,
			   hello_fill_stat);
}

static void hello_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	if (ino != HELLO_FILE_INO)
		fuse_reply_err(req, EISDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_open(req, fi);
}

static void hello_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	size_t len = sizeof(hello_text) - 1;

	(void)fi;
	if (ino != HELLO_FILE_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	llc_reply_slice(req, hello_text, len, size, off);
}

static const struct fuse_lowlevel_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

static const struct llc_example hello_example = {
	.name = "hello_ll",
	.ops = &hello_ops,
	.ops_size = sizeof(hello_ops),
};

int main(int argc, char *argv[])
{
	return llc_main(argc, argv, &hello_example);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hello: the smallest path-based filesystem. The root directory holds one
 * read-only file, "hello" with "Hello World!\n" unless --name=NAME and
 * --contents=TEXT say otherwise. Command line as libfuse's hello example.
 */

#define FUSE_USE_VERSION 31

#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Both strings are malloc()ed (fuse_opt_parse frees a default it replaces)
 * and live until exit.
 */
static struct hello_opts {
	char *name;
	char *contents;
	int show_help;
} hello;

#define HELLO_OPT(t, field) { t, offsetof(struct hello_opts, field), 1 }
static const struct fuse_opt hello_opt_spec[] = {
	HELLO_OPT("--name=%s", name),
	HELLO_OPT("--contents=%s", contents),
	HELLO_OPT("-h", show_help),
	HELLO_OPT("--help", show_help),
	FUSE_OPT_END
};

/* "/NAME" is the file; anything else but "/" does not exist. */
static int hello_is_file(const char *path)
{
	return path[0] == '/' && strcmp(path + 1, hello.name) == 0;
}

static void *hello_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* The content never changes: the page cache may keep it. */
	cfg->kernel_cache = 1;
	return NULL;
}

static int hello_getattr(const char *path, struct stat *st,
			 struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (!hello_is_file(path))
		return -ENOENT;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = (off_t)strlen(hello.contents);
	return 0;
}

static int hello_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
			 off_t off, struct fuse_file_info *fi,
			 enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	filler(buf, hello.name, NULL, 0, 0);
	return 0;
}

static int hello_open(const char *path, struct fuse_file_info *fi)
{
	if (!hello_is_file(path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	return 0;
}

static int hello_read(const char *path, char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	size_t len = strlen(hello.contents);

	(void)fi;
	if (!hello_is_file(path))
		return -ENOENT;
	if (off < 0 || (size_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	memcpy(buf, hello.contents + off, size);
	return (int)size;
}

static const struct fuse_operations hello_ops = {
	.init = hello_init,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

static void hello_help(const char *progname)
{
	printf("usage: %s [options] <mountpoint>\n\n", progname);
	printf("File-system specific options:\n"
	       "    --name=<s>          name of the one file (\"hello\")\n"
	       "    --contents=<s>      what the file holds (\"Hello World!\\n\")\n"
	       "\n");
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	int ret;

	hello.name = strdup("hello");
	hello.contents = strdup("Hello World!\n");
	if (!hello.name || !hello.contents) {
		perror("hello");
		return 1;
	}
	if (fuse_opt_parse(&args, &hello, hello_opt_spec, NULL) == -1)
		return 1;
	if (strchr(hello.name, '/') || !hello.name[0]) {
		fprintf(stderr, "hello: --name must be one path component\n");
		return 1;
	}
	/*
	 * Our help first, then "--help" goes back in so that fuse_main()
	 * prints the library's options (and does not mount); an empty
	 * program name stops it from printing a second usage line.
	 */
	if (hello.show_help) {
		hello_help(argv[0]);
		if (fuse_opt_add_arg(&args, "--help") != 0)
			return 1;
		args.argv[0][0] = '\0';
	}
	ret = fuse_main(args.argc, args.argv, &hello_ops, NULL);
	fuse_opt_free_args(&args);
	free(hello.name);
	free(hello.contents);
	return ret;
}

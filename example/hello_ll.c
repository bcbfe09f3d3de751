// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hello_ll: the smallest useful lowlevel filesystem. The root directory
 * holds one read-only file, "hello", whose content is "Hello World!\n".
 * Command line as libfuse's hello_ll: standard options plus a mountpoint.
 */

#define FUSE_USE_VERSION 318

#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/*
 * Appends one entry to @buf (of @cap bytes, @len used). Returns the new
 * length, or 0 when the entry does not fit: the kernel asks again with a
 * later offset, so a short reply is fine.
 */
static size_t hello_add_entry(fuse_req_t req, char *buf, size_t cap,
			      size_t len, const char *name, fuse_ino_t ino,
			      off_t next_off)
{
	struct stat st = { .st_ino = ino };
	size_t need;

	hello_fill_stat(ino, &st);
	need = fuse_add_direntry(req, buf + len, cap - len, name, &st,
				 next_off);
	if (need > cap - len)
		return 0;
	return len + need;
}

static void hello_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	static const struct {
		const char *name;
		fuse_ino_t ino;
	} ents[] = {
		{ ".", HELLO_ROOT_INO },
		{ "..", HELLO_ROOT_INO },
		{ hello_name, HELLO_FILE_INO },
	};
	size_t len = 0;
	size_t i;
	char *buf;

	(void)fi;
	if (ino != HELLO_ROOT_INO) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* The offset of an entry is its index + 1: "0" means "from the start". */
	for (i = off < 0 ? 0 : (size_t)off; i < sizeof(ents) / sizeof(ents[0]);
	     i++) {
		size_t next = hello_add_entry(req, buf, size, len, ents[i].name,
					      ents[i].ino, (off_t)(i + 1));
		if (!next)
			break;
		len = next;
	}
	fuse_reply_buf(req, buf, len);
	free(buf);
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
	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	fuse_reply_buf(req, hello_text + off, size);
}

static const struct fuse_lowlevel_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

static int hello_run_loop(struct fuse_session *se,
			  const struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (opts->singlethread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -1;
	fuse_loop_cfg_set_clone_fd(cfg, opts->clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
	fuse_loop_cfg_set_idle_threads(cfg, opts->max_idle_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se;
	int ret = 1;

	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help) {
		printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		printf("usage: %s [options] <mountpoint>\n", argv[0]);
		printf("       %s --help\n", argv[0]);
		goto out_args;
	}

	se = fuse_session_new(&args, &hello_ops, sizeof(hello_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;

	fuse_daemonize(opts.foreground);
	ret = hello_run_loop(se, &opts) ? 1 : 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * passthrough_helpers.h: what the path-based passthrough examples
 * (passthrough.c, passthrough_fh.c) share: creating any kind of node the
 * way mknod(2) would, -1/errno to -errno, and their own command-line
 * options for the fuse_config knobs libfuse 3 leaves to the filesystem.
 */

#ifndef PASSTHROUGH_HELPERS_H_
#define PASSTHROUGH_HELPERS_H_

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* A libc result of -1/errno as the 0-or--errno the operations return. */
static inline int pt_status(int res)
{
	return res == -1 ? -errno : 0;
}

/*
 * Creates @path (relative to @dirfd) as mknod(2) would. Regular files go
 * through open(O_EXCL) rather than mknod so that filesystems without
 * mknod support (some network ones) work too; @link is the target when
 * the mode asks for a symlink. Returns 0 or -errno.
 */
static inline int pt_mknod_at(int dirfd, const char *path, const char *link,
			      mode_t mode, dev_t rdev)
{
	int fd;

	switch (mode & S_IFMT) {
	case S_IFREG:
	case 0:
		fd = openat(dirfd, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
			    mode & 07777);
		if (fd < 0)
			return -errno;
		return pt_status(close(fd));
	case S_IFDIR:
		return pt_status(mkdirat(dirfd, path, mode & 07777));
	case S_IFLNK:
		if (!link)
			return -EINVAL;
		return pt_status(symlinkat(link, dirfd, path));
	case S_IFIFO:
		return pt_status(mkfifoat(dirfd, path, mode & 07777));
	default:
		/* Character and block devices, sockets. */
		return pt_status(mknodat(dirfd, path, mode, rdev));
	}
}

/*
 * libfuse 3 dropped -o hard_remove, use_ino, readdir_ino, direct_io and
 * intr from the library's options: a filesystem sets them in fuse_config
 * from its init handler. These examples take them on their command line
 * (consumed before fuse_main() sees it) so they can be tried out.
 */
struct pt_options {
	int plus;		/* --plus: readdirplus with full attributes */
	int hard_remove;
	int no_use_ino;		/* inode numbers from the library, not the source */
	int readdir_ino;
	int direct_io;
	int intr;
	int show_help;
};

enum { PT_KEY_HELP };

#define PT_OPT(t, field) { t, offsetof(struct pt_options, field), 1 }
static const struct fuse_opt pt_option_spec[] = {
	PT_OPT("--plus", plus),
	PT_OPT("hard_remove", hard_remove),
	PT_OPT("no_use_ino", no_use_ino),
	PT_OPT("readdir_ino", readdir_ino),
	PT_OPT("direct_io", direct_io),
	PT_OPT("intr", intr),
	FUSE_OPT_KEY("-h", PT_KEY_HELP),
	FUSE_OPT_KEY("--help", PT_KEY_HELP),
	FUSE_OPT_END
};

/* Prints our part of --help; the option stays for fuse_main(). */
static inline int pt_option_proc(void *data, const char *arg, int key,
				 struct fuse_args *outargs)
{
	(void)data;
	(void)arg;
	(void)outargs;
	if (key == PT_KEY_HELP)
		printf("File-system specific options:\n"
		       "    --plus                 readdirplus with full attributes\n"
		       "                           (passthrough_fh always does)\n"
		       "    -o hard_remove         unlink open files at once, no .fuse_hidden*\n"
		       "    -o no_use_ino          inode numbers from the library\n"
		       "    -o readdir_ino         with no_use_ino: d_ino from known nodes\n"
		       "    -o direct_io           bypass the page cache\n"
		       "    -o intr                let signals interrupt requests\n"
		       "\n");
	return 1;
}

/* The defaults of these examples, then what the command line changed. */
static inline void pt_options_apply(const struct pt_options *o,
				    struct fuse_config *cfg)
{
	cfg->use_ino = !o->no_use_ino;
	cfg->readdir_ino = o->readdir_ino;
	cfg->hard_remove = o->hard_remove;
	cfg->direct_io = o->direct_io;
	cfg->intr = o->intr;
	/*
	 * Anything may change the source behind our back, and an unlink
	 * cannot tell the kernel which inode lost a link: cache nothing.
	 */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
}

#endif /* PASSTHROUGH_HELPERS_H_ */

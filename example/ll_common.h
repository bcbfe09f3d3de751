/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ll_common: what the small lowlevel examples (hello_ll and the notify_*
 * examples) share (ll_common.c): main() with the option parsing, help and
 * session setup, the background updater thread of the notify examples, and
 * the replies of a root directory that holds one read-only file.
 */

#ifndef LL_COMMON_H_
#define LL_COMMON_H_

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 318
#endif

#include <fuse_lowlevel.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * The options of every notify example. One with more options of its own
 * keeps this struct first in its options struct, so the offsets in
 * LLC_NOTIFY_OPT_SPEC hold for it too.
 */
struct llc_notify_opts {
	int no_notify;
	int update_interval;
};

#define LLC_NOTIFY_OPT_SPEC						\
	{ "--no-notify", offsetof(struct llc_notify_opts, no_notify), 1 }, \
	{ "--update-interval=%d",					\
	  offsetof(struct llc_notify_opts, update_interval), 1 }

#define LLC_NOTIFY_OPT_HELP						\
	"    --update-interval=<secs>  Update-rate of file system contents\n" \
	"    --no-notify            Disable kernel notifications\n"

/* What an example adds to llc_main(); unused hooks are NULL. */
struct llc_example {
	/* Prefix of error messages: "notify_inval_inode: ..." */
	const char *name;
	const struct fuse_lowlevel_ops *ops;
	size_t ops_size;
	/* The example's own options, parsed before the standard ones. */
	const struct fuse_opt *opt_spec;
	void *opt_data;
	/* Lines of "File-system specific options:" in --help. */
	const char *opt_help;
	/* Checks the example's options; prints why and returns -EINVAL. */
	int (*check_opts)(void);
	/*
	 * One step of the updater thread, run every *update_interval seconds
	 * (which must be at least 1) from mount to unmount: refresh the
	 * content and tell the kernel. Called once with @se NULL before the
	 * session exists, to fill the initial content (nothing to notify
	 * then). Returning -ENODEV (the session is gone) stops the thread.
	 */
	int (*tick)(struct fuse_session *se);
	const int *update_interval;
	/* Runs once the updater stopped; < 0 makes the exit status 1. */
	int (*finish)(void);
};

/*
 * The whole program: libfuse's command line (plus the example's options),
 * --help, --version, mount, the updater, the session loop (-s: single
 * threaded), unmount. Returns the exit status.
 */
int llc_main(int argc, char *argv[], const struct llc_example *ex);
/* The loop the command line asked for (-s, clone_fd, max_threads, ...). */
int llc_session_loop(struct fuse_session *se,
		     const struct fuse_cmdline_opts *opts);

/* Fills @st of the root directory or the file; -ENOENT for another inode. */
typedef int (*llc_stat_fn)(fuse_ino_t ino, struct stat *st);

/* readdir of the root directory: ".", ".." and the file @name (@ino). */
void llc_reply_root_dir(fuse_req_t req, fuse_ino_t dir, size_t size,
			off_t off, const char *name, fuse_ino_t ino,
			llc_stat_fn fill_stat);

/* Replies with the bytes of @data (@len long) that a read of @size at
 * @off asks for: none past the end. */
void llc_reply_slice(fuse_req_t req, const char *data, size_t len,
		     size_t size, off_t off);

/* Replies with @e and counts the lookup in *@count: the kernel holds that
 * many references, and a notification about an inode it does not know is
 * pointless. A failed reply means the kernel took no reference. */
void llc_reply_entry_counted(fuse_req_t req, const struct fuse_entry_param *e,
			     uint64_t *count);

/* forget: drops @nlookup from *@count if @ino is @counted_ino. */
void llc_forget_counted(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup,
			fuse_ino_t counted_ino, uint64_t *count);

static inline uint64_t llc_count(uint64_t *count)
{
	return __atomic_load_n(count, __ATOMIC_SEQ_CST);
}

#endif

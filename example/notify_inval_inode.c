// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify_inval_inode: one file, "current_time", whose content is rewritten
 * by a background thread every --update-interval seconds. The kernel is told
 * to drop its cached pages with fuse_lowlevel_notify_inval_inode(); with
 * --no-notify the stale cached text stays visible instead.
 */

#define FUSE_USE_VERSION 318

#include "time_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct fuse_lowlevel_ops tfs_ops = {
	.lookup = tf_lookup,
	.forget = tf_forget,
	.getattr = tf_getattr,
	.readdir = tf_readdir,
	.open = tf_open,
	.read = tf_read,
};

/* The updater's step: new text, then the cached pages are dropped. */
static int tfs_tick(struct fuse_session *se)
{
	char text[TF_MAX_LEN];
	int err;

	tf_update(text);
	if (!se || tf_opts.no_notify || !tf_lookups())
		return 0;
	err = fuse_lowlevel_notify_inval_inode(se, TF_FILE_INO, 0, 0);
	/* ENOENT: the kernel dropped the inode meanwhile; harmless. */
	if (err && err != -ENOENT && err != -ENODEV)
		fprintf(stderr, "notify_inval_inode: invalidation failed: %s\n",
			strerror(-err));
	return err;
}

static const struct llc_example tfs_example = {
	.name = "notify_inval_inode",
	.ops = &tfs_ops,
	.ops_size = sizeof(tfs_ops),
	.opt_spec = tf_opt_spec,
	.opt_data = &tf_opts,
	.opt_help = LLC_NOTIFY_OPT_HELP,
	.tick = tfs_tick,
	.update_interval = &tf_opts.update_interval,
};

int main(int argc, char *argv[])
{
	return llc_main(argc, argv, &tfs_example);
}

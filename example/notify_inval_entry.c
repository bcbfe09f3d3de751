// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify_inval_entry: the root directory holds one empty file whose *name*
 * is the current time ("Time_is_15h_48m_33s"), renamed by a background
 * thread every --update-interval seconds. The old name is dropped from the
 * kernel's dentry cache with fuse_lowlevel_notify_inval_entry(), or merely
 * marked expired with fuse_lowlevel_notify_expire_entry() (--only-expire).
 * With --no-notify the old name stays reachable until --timeout runs out.
 */

#define FUSE_USE_VERSION 318

#include "ll_common.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TFS_FILE_INO 2
#define TFS_MAX_LEN 128

struct tfs_options {
	struct llc_notify_opts n;	/* first: LLC_NOTIFY_OPT_SPEC's offsets */
	float timeout;
	int only_expire;
};

static struct tfs_options tfs_opts = {
	.n = { .no_notify = 0, .update_interval = 1 },
	.timeout = 5,
	.only_expire = 0,
};

#define TFS_OPT(t, field) { t, offsetof(struct tfs_options, field), 1 }
static const struct fuse_opt tfs_opt_spec[] = {
	LLC_NOTIFY_OPT_SPEC,
	TFS_OPT("--timeout=%f", timeout),
	TFS_OPT("--only-expire", only_expire),
	FUSE_OPT_END
};

/* The name is written by the updater thread and read by request threads. */
static pthread_mutex_t tfs_lock = PTHREAD_MUTEX_INITIALIZER;
static char tfs_name[TFS_MAX_LEN];

/* Lookups the kernel holds on the file; zero means nothing to invalidate. */
static uint64_t tfs_lookups;

static int tfs_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (ino == TFS_FILE_INO) {
		/* Nothing to read: the interesting part is the name. */
		st->st_mode = S_IFREG | 0000;
		st->st_nlink = 1;
	} else {
		return -ENOENT;
	}
	return 0;
}

static void tfs_current_name(char name[TFS_MAX_LEN])
{
	pthread_mutex_lock(&tfs_lock);
	memcpy(name, tfs_name, TFS_MAX_LEN);
	pthread_mutex_unlock(&tfs_lock);
}

static void tfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	char cur[TFS_MAX_LEN];

	tfs_current_name(cur);
	if (parent != FUSE_ROOT_ID || strcmp(name, cur) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = TFS_FILE_INO;
	e.attr_timeout = tfs_opts.timeout;
	e.entry_timeout = tfs_opts.timeout;
	tfs_stat(e.ino, &e.attr);
	llc_reply_entry_counted(req, &e, &tfs_lookups);
}

static void tfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	llc_forget_counted(req, ino, nlookup, TFS_FILE_INO, &tfs_lookups);
}

static void tfs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (tfs_stat(ino, &st) < 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_reply_attr(req, &st, tfs_opts.timeout);
}

static void tfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			off_t off, struct fuse_file_info *fi)
{
	char cur[TFS_MAX_LEN];

	(void)fi;
	tfs_current_name(cur);
	llc_reply_root_dir(req, ino, size, off, cur, TFS_FILE_INO, tfs_stat);
}

static const struct fuse_lowlevel_ops tfs_ops = {
	.lookup = tfs_lookup,
	.forget = tfs_forget,
	.getattr = tfs_getattr,
	.readdir = tfs_readdir,
};

/* Renames the file to the current time; returns the previous name. */
static void tfs_update(char old[TFS_MAX_LEN])
{
	char name[TFS_MAX_LEN];
	time_t now = time(NULL);
	struct tm tm;
	size_t len = 0;

	if (localtime_r(&now, &tm))
		len = strftime(name, sizeof(name), "Time_is_%Hh_%Mm_%Ss", &tm);
	if (!len)
		snprintf(name, sizeof(name), "Time_is_unknown");
	pthread_mutex_lock(&tfs_lock);
	memcpy(old, tfs_name, TFS_MAX_LEN);
	memcpy(tfs_name, name, TFS_MAX_LEN);
	pthread_mutex_unlock(&tfs_lock);
}

static int tfs_notify(struct fuse_session *se, const char *old)
{
	/* The 3.14 API took a flags argument, the 3.17+ one has none. */
	if (tfs_opts.only_expire)
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 17)
		return fuse_lowlevel_notify_expire_entry(se, FUSE_ROOT_ID, old,
							 strlen(old));
#else
		return fuse_lowlevel_notify_expire_entry(se, FUSE_ROOT_ID, old,
							 strlen(old),
							 FUSE_LL_EXPIRE_ONLY);
#endif
	return fuse_lowlevel_notify_inval_entry(se, FUSE_ROOT_ID, old,
						strlen(old));
}

/* The updater's step: a new name, then the old one is dropped. */
static int tfs_tick(struct fuse_session *se)
{
	char old[TFS_MAX_LEN];
	int err;

	tfs_update(old);
	if (!se || tfs_opts.n.no_notify || strcmp(old, tfs_name) == 0 ||
	    !llc_count(&tfs_lookups))
		return 0;
	/* No lock held here: the kernel may need a lookup answered. */
	err = tfs_notify(se, old);
	/* ENOENT: the kernel had no dentry under the old name. */
	if (err && err != -ENOENT && err != -ENODEV)
		fprintf(stderr, "notify_inval_entry: %s failed: %s\n",
			tfs_opts.only_expire ? "expire" : "invalidation",
			strerror(-err));
	return err;
}

static int tfs_check_opts(void)
{
	if (tfs_opts.n.update_interval < 1 || tfs_opts.timeout < 0) {
		fprintf(stderr, "notify_inval_entry: --update-interval must be at least 1 and --timeout not negative\n");
		return -EINVAL;
	}
	return 0;
}

static const struct llc_example tfs_example = {
	.name = "notify_inval_entry",
	.ops = &tfs_ops,
	.ops_size = sizeof(tfs_ops),
	.opt_spec = tfs_opt_spec,
	.opt_data = &tfs_opts,
	.opt_help =
	"    --timeout=<secs>       Timeout for kernel caches\n"
	LLC_NOTIFY_OPT_HELP
	"    --only-expire            Expire entries instead of invalidating them\n",
	.check_opts = tfs_check_opts,
	.tick = tfs_tick,
	.update_interval = &tfs_opts.n.update_interval,
};

int main(int argc, char *argv[])
{
	return llc_main(argc, argv, &tfs_example);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify_inval_inode: one file, "current_time", whose content is rewritten
 * by a background thread every --update-interval seconds. The kernel is told
 * to drop its cached pages with fuse_lowlevel_notify_inval_inode(); with
 * --no-notify the stale cached text stays visible instead.
 */

#define FUSE_USE_VERSION 318

#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The kernel has no "forever": a large timeout stands in for it. */
#define TFS_NO_TIMEOUT 500000.0
#define TFS_FILE_INO 2
#define TFS_FILE_NAME "current_time"
#define TFS_MAX_LEN 128

struct tfs_options {
	int no_notify;
	int update_interval;
};

static struct tfs_options tfs_opts = {
	.no_notify = 0,
	.update_interval = 1,
};

#define TFS_OPT(t, field) { t, offsetof(struct tfs_options, field), 1 }
static const struct fuse_opt tfs_opt_spec[] = {
	TFS_OPT("--no-notify", no_notify),
	TFS_OPT("--update-interval=%d", update_interval),
	FUSE_OPT_END
};

/* Content is written by the updater thread and read by request threads. */
static pthread_mutex_t tfs_lock = PTHREAD_MUTEX_INITIALIZER;
static char tfs_text[TFS_MAX_LEN];
static size_t tfs_len;

/* Lookups the kernel holds on the file: no point notifying about an
 * inode the kernel has never seen (or has forgotten). */
static uint64_t tfs_lookups;

/* Lets main() stop the updater without waiting out its sleep. */
static pthread_cond_t tfs_wake;
static bool tfs_stop;

static void tfs_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		pthread_mutex_lock(&tfs_lock);
		st->st_size = (off_t)tfs_len;
		pthread_mutex_unlock(&tfs_lock);
	}
}

static bool tfs_ino_valid(fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID || ino == TFS_FILE_INO;
}

static void tfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, TFS_FILE_NAME) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = TFS_FILE_INO;
	e.attr_timeout = TFS_NO_TIMEOUT;
	e.entry_timeout = TFS_NO_TIMEOUT;
	tfs_stat(e.ino, &e.attr);
	__atomic_add_fetch(&tfs_lookups, 1, __ATOMIC_SEQ_CST);
	/* A failed reply means the kernel did not take the reference. */
	if (fuse_reply_entry(req, &e) != 0)
		__atomic_sub_fetch(&tfs_lookups, 1, __ATOMIC_SEQ_CST);
}

static void tfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	if (ino == TFS_FILE_INO)
		__atomic_sub_fetch(&tfs_lookups, nlookup, __ATOMIC_SEQ_CST);
	fuse_reply_none(req);
}

static void tfs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (!tfs_ino_valid(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	tfs_stat(ino, &st);
	fuse_reply_attr(req, &st, TFS_NO_TIMEOUT);
}

static void tfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			off_t off, struct fuse_file_info *fi)
{
	static const char *const names[] = { ".", "..", TFS_FILE_NAME };
	static const fuse_ino_t inos[] = { FUSE_ROOT_ID, FUSE_ROOT_ID,
					   TFS_FILE_INO };
	size_t len = 0;
	char *buf;

	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* An entry's offset is its index + 1, so offset 0 starts over. */
	for (size_t i = off < 0 ? 0 : (size_t)off; i < 3; i++) {
		struct stat st;
		size_t need;

		tfs_stat(inos[i], &st);
		need = fuse_add_direntry(req, buf + len, size - len, names[i],
					 &st, (off_t)(i + 1));
		if (need > size - len)
			break;
		len += need;
	}
	fuse_reply_buf(req, buf, len);
	free(buf);
}

static void tfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* Keep pages across opens, so only a notification can refresh them. */
	fi->keep_cache = 1;
	if (ino == FUSE_ROOT_ID)
		fuse_reply_err(req, EISDIR);
	else if (ino != TFS_FILE_INO)
		fuse_reply_err(req, ENOENT);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_open(req, fi);
}

static void tfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	char snap[TFS_MAX_LEN];
	size_t len;

	(void)fi;
	if (ino != TFS_FILE_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	pthread_mutex_lock(&tfs_lock);
	len = tfs_len;
	memcpy(snap, tfs_text, len);
	pthread_mutex_unlock(&tfs_lock);

	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	fuse_reply_buf(req, snap + off, size);
}

static const struct fuse_lowlevel_ops tfs_ops = {
	.lookup = tfs_lookup,
	.forget = tfs_forget,
	.getattr = tfs_getattr,
	.readdir = tfs_readdir,
	.open = tfs_open,
	.read = tfs_read,
};

static void tfs_update(void)
{
	char text[TFS_MAX_LEN];
	time_t now = time(NULL);
	struct tm tm;
	size_t len = 0;

	if (localtime_r(&now, &tm))
		len = strftime(text, sizeof(text),
			       "The current time is %H:%M:%S\n", &tm);
	if (!len)
		len = (size_t)snprintf(text, sizeof(text),
				       "The current time is unknown\n");
	pthread_mutex_lock(&tfs_lock);
	memcpy(tfs_text, text, len);
	tfs_len = len;
	pthread_mutex_unlock(&tfs_lock);
}

/* Sleeps @secs seconds or until told to stop; returns true to stop. */
static bool tfs_sleep(int secs)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&tfs_lock);
	while (!tfs_stop &&
	       pthread_cond_timedwait(&tfs_wake, &tfs_lock, &until) != ETIMEDOUT)
		;
	stop = tfs_stop;
	pthread_mutex_unlock(&tfs_lock);
	return stop;
}

static void *tfs_updater(void *arg)
{
	struct fuse_session *se = arg;

	do {
		int err;

		tfs_update();
		if (tfs_opts.no_notify ||
		    !__atomic_load_n(&tfs_lookups, __ATOMIC_SEQ_CST))
			continue;
		err = fuse_lowlevel_notify_inval_inode(se, TFS_FILE_INO, 0, 0);
		/* ENOENT: the kernel dropped the inode meanwhile; harmless. */
		if (err == -ENODEV)
			break;
		if (err && err != -ENOENT)
			fprintf(stderr,
				"notify_inval_inode: invalidation failed: %s\n",
				strerror(-err));
	} while (!tfs_sleep(tfs_opts.update_interval));
	return NULL;
}

static int tfs_start_updater(pthread_t *ret_thread, struct fuse_session *se)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int err;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&tfs_wake, &attr);
	pthread_condattr_destroy(&attr);
	/* Signals belong to the thread running the session loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(ret_thread, NULL, tfs_updater, se);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		fprintf(stderr, "notify_inval_inode: pthread_create: %s\n",
			strerror(err));
	return -err;
}

static void tfs_stop_updater(pthread_t thread)
{
	pthread_mutex_lock(&tfs_lock);
	tfs_stop = true;
	pthread_cond_signal(&tfs_wake);
	pthread_mutex_unlock(&tfs_lock);
	pthread_join(thread, NULL);
}

static void tfs_help(const char *progname)
{
	printf("usage: %s [options] <mountpoint>\n\n", progname);
	printf("File-system specific options:\n"
	       "    --update-interval=<secs>  Update-rate of file system contents\n"
	       "    --no-notify            Disable kernel notifications\n"
	       "\n");
}

static int tfs_loop(struct fuse_session *se,
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
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_session *se;
	pthread_t updater;
	int ret = 1;

	if (fuse_opt_parse(&args, &tfs_opts, tfs_opt_spec, NULL) == -1)
		return 1;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help) {
		tfs_help(argv[0]);
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
	if (tfs_opts.update_interval < 1) {
		fprintf(stderr, "notify_inval_inode: --update-interval must be at least 1\n");
		goto out_args;
	}

	tfs_update();
	se = fuse_session_new(&args, &tfs_ops, sizeof(tfs_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);

	/* After fuse_daemonize(): a thread would not survive its fork. */
	if (tfs_start_updater(&updater, se) == 0) {
		ret = tfs_loop(se, &opts) ? 1 : 0;
		/* Unmount first: it unblocks a notification stuck in the kernel. */
		fuse_session_unmount(se);
		tfs_stop_updater(updater);
	} else {
		fuse_session_unmount(se);
	}
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}

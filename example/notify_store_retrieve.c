// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify_store_retrieve: one file, "current_time", whose content changes
 * every --update-interval seconds. Instead of invalidating the kernel's
 * cache, the updater pushes the new text into it (fuse_lowlevel_notify_store)
 * and asks for it back (fuse_lowlevel_notify_retrieve) to check the round
 * trip in the retrieve_reply handler. --no-notify turns both off.
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

#define TFS_NO_TIMEOUT 500000.0
#define TFS_FILE_INO 2
#define TFS_FILE_NAME "current_time"
#define TFS_MAX_LEN 128
/* Retrieves still unanswered that we can check; older ones are ignored. */
#define TFS_SNAPSHOTS 8

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

/* What a retrieve was expected to return, found again by its cookie. */
struct tfs_snapshot {
	uint64_t seq;
	size_t len;
	char text[TFS_MAX_LEN];
};

enum tfs_retrieve_state {
	TFS_RETRIEVE_NONE,	/* never asked */
	TFS_RETRIEVE_ASKED,	/* asked, no answer yet */
	TFS_RETRIEVE_OK,	/* an answer matched what was stored */
	TFS_RETRIEVE_BAD,	/* an answer did not match */
};

static pthread_mutex_t tfs_lock = PTHREAD_MUTEX_INITIALIZER;
static char tfs_text[TFS_MAX_LEN];
static size_t tfs_len;
static struct tfs_snapshot tfs_snaps[TFS_SNAPSHOTS];
static uint64_t tfs_seq;
static enum tfs_retrieve_state tfs_retrieve;

static uint64_t tfs_lookups;

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
	if (ino != FUSE_ROOT_ID && ino != TFS_FILE_INO) {
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
	/* Keep pages across opens: what we store is what readers see. */
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

/* Checks the kernel's copy of the page against what was stored. */
static void tfs_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino,
			       off_t offset, struct fuse_bufvec *data)
{
	uint64_t seq = (uint64_t)(uintptr_t)cookie;
	struct tfs_snapshot *snap = &tfs_snaps[seq % TFS_SNAPSHOTS];
	char got[TFS_MAX_LEN];
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof(got));
	bool bad;
	ssize_t n;

	dst.buf[0].mem = got;
	n = fuse_buf_copy(&dst, data, 0);

	pthread_mutex_lock(&tfs_lock);
	if (ino != TFS_FILE_INO || offset != 0 || n < 0) {
		tfs_retrieve = TFS_RETRIEVE_BAD;
	} else if (snap->seq == seq) {
		/* The kernel returns what it has cached, possibly less. */
		size_t cmp = (size_t)n < snap->len ? (size_t)n : snap->len;

		if (memcmp(got, snap->text, cmp) == 0) {
			if (tfs_retrieve == TFS_RETRIEVE_ASKED)
				tfs_retrieve = TFS_RETRIEVE_OK;
		} else {
			tfs_retrieve = TFS_RETRIEVE_BAD;
		}
	}
	bad = tfs_retrieve == TFS_RETRIEVE_BAD;
	pthread_mutex_unlock(&tfs_lock);
	if (bad)
		fprintf(stderr, "notify_store_retrieve: retrieved data differs from stored data\n");
	fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops tfs_ops = {
	.lookup = tfs_lookup,
	.forget = tfs_forget,
	.getattr = tfs_getattr,
	.readdir = tfs_readdir,
	.open = tfs_open,
	.read = tfs_read,
	.retrieve_reply = tfs_retrieve_reply,
};

/* Refreshes the text and files a snapshot of it; returns its number. */
static uint64_t tfs_update(char text[TFS_MAX_LEN], size_t *ret_len)
{
	time_t now = time(NULL);
	struct tfs_snapshot *snap;
	struct tm tm;
	size_t len = 0;
	uint64_t seq;

	if (localtime_r(&now, &tm))
		len = strftime(text, TFS_MAX_LEN,
			       "The current time is %H:%M:%S\n", &tm);
	if (!len)
		len = (size_t)snprintf(text, TFS_MAX_LEN,
				       "The current time is unknown\n");
	pthread_mutex_lock(&tfs_lock);
	memcpy(tfs_text, text, len);
	tfs_len = len;
	seq = ++tfs_seq;
	snap = &tfs_snaps[seq % TFS_SNAPSHOTS];
	snap->seq = seq;
	snap->len = len;
	memcpy(snap->text, text, len);
	pthread_mutex_unlock(&tfs_lock);
	*ret_len = len;
	return seq;
}

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

/* Stores the text into the kernel's cache and asks for it back. */
static int tfs_push(struct fuse_session *se, char *text, size_t len,
		    uint64_t seq)
{
	struct fuse_bufvec bufv = FUSE_BUFVEC_INIT(len);
	int err;

	bufv.buf[0].mem = text;
	err = fuse_lowlevel_notify_store(se, TFS_FILE_INO, 0, &bufv, 0);
	if (err)
		return err;
	pthread_mutex_lock(&tfs_lock);
	if (tfs_retrieve == TFS_RETRIEVE_NONE)
		tfs_retrieve = TFS_RETRIEVE_ASKED;
	pthread_mutex_unlock(&tfs_lock);
	return fuse_lowlevel_notify_retrieve(se, TFS_FILE_INO, TFS_MAX_LEN, 0,
					     (void *)(uintptr_t)seq);
}

static void *tfs_updater(void *arg)
{
	struct fuse_session *se = arg;
	char text[TFS_MAX_LEN];

	do {
		size_t len;
		uint64_t seq = tfs_update(text, &len);
		int err;

		if (tfs_opts.no_notify ||
		    !__atomic_load_n(&tfs_lookups, __ATOMIC_SEQ_CST))
			continue;
		err = tfs_push(se, text, len, seq);
		if (err == -ENODEV)
			break;
		/* ENOENT: the kernel dropped the inode meanwhile. */
		if (err && err != -ENOENT)
			fprintf(stderr, "notify_store_retrieve: store/retrieve failed: %s\n",
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
		fprintf(stderr, "notify_store_retrieve: pthread_create: %s\n",
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

/* A store that was asked back but never answered means a lost round trip. */
static int tfs_check_retrieve(void)
{
	enum tfs_retrieve_state st;

	pthread_mutex_lock(&tfs_lock);
	st = tfs_retrieve;
	pthread_mutex_unlock(&tfs_lock);
	if (st == TFS_RETRIEVE_ASKED)
		fprintf(stderr, "notify_store_retrieve: stored data was never retrieved\n");
	return st == TFS_RETRIEVE_ASKED || st == TFS_RETRIEVE_BAD ? -EIO : 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_session *se;
	char text[TFS_MAX_LEN];
	pthread_t updater;
	size_t len;
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
		fprintf(stderr, "notify_store_retrieve: --update-interval must be at least 1\n");
		goto out_args;
	}

	tfs_update(text, &len);
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
		fuse_session_unmount(se);
		tfs_stop_updater(updater);
		if (tfs_check_retrieve() < 0)
			ret = 1;
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

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ll_common: main() of the small lowlevel examples (command line, help,
 * session setup and teardown), the updater thread the notify examples run
 * next to the session loop, and the replies they all give the same way.
 */

#define FUSE_USE_VERSION 318

#include "ll_common.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct llc_updater {
	const struct llc_example *ex;
	struct fuse_session *se;
	pthread_t thread;
};

/* Lets llc_main() stop the updater without waiting out its sleep. */
static pthread_mutex_t llc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t llc_wake;
static bool llc_stop;

/* Sleeps @secs seconds or until told to stop; returns true to stop. */
static bool llc_sleep(int secs)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&llc_lock);
	while (!llc_stop &&
	       pthread_cond_timedwait(&llc_wake, &llc_lock, &until) != ETIMEDOUT)
		;
	stop = llc_stop;
	pthread_mutex_unlock(&llc_lock);
	return stop;
}

static void *llc_updater_run(void *arg)
{
	struct llc_updater *up = arg;

	do {
		if (up->ex->tick(up->se) == -ENODEV)
			break;
	} while (!llc_sleep(*up->ex->update_interval));
	return NULL;
}

static int llc_start_updater(struct llc_updater *up)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int err;

	/* A monotonic sleep: setting the clock must not stall the updates. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&llc_wake, &attr);
	pthread_condattr_destroy(&attr);
	/* Signals belong to the thread running the session loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&up->thread, NULL, llc_updater_run, up);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		fprintf(stderr, "%s: pthread_create: %s\n", up->ex->name,
			strerror(err));
	return -err;
}

static void llc_stop_updater(struct llc_updater *up)
{
	pthread_mutex_lock(&llc_lock);
	llc_stop = true;
	pthread_cond_signal(&llc_wake);
	pthread_mutex_unlock(&llc_lock);
	pthread_join(up->thread, NULL);
}

int llc_session_loop(struct fuse_session *se,
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

/*
 * The checks between parsing and mounting. Returns 1 when the program is
 * done (--help, --version: exit status 0), 0 to go on, -1 on an error
 * (status 1).
 */
static int llc_check_cmdline(const struct fuse_cmdline_opts *opts,
			     const struct llc_example *ex, const char *prog)
{
	if (opts->show_help) {
		printf("usage: %s [options] <mountpoint>\n\n", prog);
		if (ex->opt_help)
			printf("File-system specific options:\n%s\n",
			       ex->opt_help);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		return 1;
	}
	if (opts->show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		return 1;
	}
	if (!opts->mountpoint) {
		printf("usage: %s [options] <mountpoint>\n", prog);
		printf("       %s --help\n", prog);
		return -1;
	}
	if (ex->check_opts)
		return ex->check_opts() < 0 ? -1 : 0;
	if (ex->update_interval && *ex->update_interval < 1) {
		fprintf(stderr, "%s: --update-interval must be at least 1\n",
			ex->name);
		return -1;
	}
	return 0;
}

/* Daemonizes, runs the loop (and the updater) until unmount; the status. */
static int llc_serve(struct fuse_session *se,
		     const struct fuse_cmdline_opts *opts,
		     const struct llc_example *ex)
{
	struct llc_updater up = { .ex = ex, .se = se };
	int ret;

	fuse_daemonize(opts->foreground);
	/* After fuse_daemonize(): a thread would not survive its fork. */
	if (ex->tick && llc_start_updater(&up) != 0) {
		fuse_session_unmount(se);
		return 1;
	}
	ret = llc_session_loop(se, opts) ? 1 : 0;
	/* Unmount first: it unblocks a notification stuck in the kernel. */
	fuse_session_unmount(se);
	if (ex->tick) {
		llc_stop_updater(&up);
		if (ex->finish && ex->finish() < 0)
			ret = 1;
	}
	return ret;
}

int llc_main(int argc, char *argv[], const struct llc_example *ex)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_session *se;
	int ret = 1, st;

	if (ex->opt_spec &&
	    fuse_opt_parse(&args, ex->opt_data, ex->opt_spec, NULL) == -1)
		return 1;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	st = llc_check_cmdline(&opts, ex, argv[0]);
	if (st != 0) {
		ret = st > 0 ? 0 : 1;
		goto out_args;
	}

	if (ex->tick)
		ex->tick(NULL);
	se = fuse_session_new(&args, ex->ops, ex->ops_size, NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	ret = llc_serve(se, &opts, ex);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}

void llc_reply_root_dir(fuse_req_t req, fuse_ino_t dir, size_t size,
			off_t off, const char *name, fuse_ino_t ino,
			llc_stat_fn fill_stat)
{
	const char *const names[] = { ".", "..", name };
	const fuse_ino_t inos[] = { FUSE_ROOT_ID, FUSE_ROOT_ID, ino };
	size_t len = 0;
	char *buf;

	if (dir != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/*
	 * An entry's offset is its index + 1, so offset 0 starts over. An
	 * entry that does not fit ends the reply: the kernel asks again
	 * from its offset.
	 */
	for (size_t i = off < 0 ? 0 : (size_t)off; i < 3; i++) {
		struct stat st;
		size_t need;

		fill_stat(inos[i], &st);
		need = fuse_add_direntry(req, buf + len, size - len, names[i],
					 &st, (off_t)(i + 1));
		if (need > size - len)
			break;
		len += need;
	}
	fuse_reply_buf(req, buf, len);
	free(buf);
}

void llc_reply_slice(fuse_req_t req, const char *data, size_t len,
		     size_t size, off_t off)
{
	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	fuse_reply_buf(req, data + off, size);
}

void llc_reply_entry_counted(fuse_req_t req, const struct fuse_entry_param *e,
			     uint64_t *count)
{
	__atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
	if (fuse_reply_entry(req, e) != 0)
		__atomic_sub_fetch(count, 1, __ATOMIC_SEQ_CST);
}

void llc_forget_counted(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup,
			fuse_ino_t counted_ino, uint64_t *count)
{
	if (ino == counted_ino)
		__atomic_sub_fetch(count, nlookup, __ATOMIC_SEQ_CST);
	fuse_reply_none(req);
}

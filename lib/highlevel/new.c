// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lifecycle of a path filesystem (struct fuse): fuse_new's option
 * parsing and setup, the loops, the remember=T cleanup thread, mount,
 * teardown, and the small public calls on a struct fuse. The versioned
 * fuse_new/fuse_loop_mt entry points are bound in lib/compat.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl.h"
#include "log.h"
#include "modules.h"

#define LF_DEFAULT_INTR_SIGNAL SIGUSR1

#define LIB_OPT(t, field, v) { t, offsetof(struct fuse_config, field), v }

/* libfuse's fuse_new() vocabulary; everything else goes on to the session. */
static const struct fuse_opt lib_opts[] = {
	FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
	FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
	LIB_OPT("debug", debug, 1),
	LIB_OPT("-d", debug, 1),
	LIB_OPT("kernel_cache", kernel_cache, 1),
	LIB_OPT("auto_cache", auto_cache, 1),
	LIB_OPT("noauto_cache", auto_cache, 0),
	LIB_OPT("no_rofd_flush", no_rofd_flush, 1),
	LIB_OPT("umask=", set_mode, 1),
	LIB_OPT("umask=%o", umask, 0),
#if !LF_ABI_314
	LIB_OPT("fmask=", set_mode, 1),
	LIB_OPT("fmask=%o", fmask, 0),
	LIB_OPT("dmask=", set_mode, 1),
	LIB_OPT("dmask=%o", dmask, 0),
	LIB_OPT("parallel_direct_write=%d", parallel_direct_writes, 0),
#endif
	LIB_OPT("uid=", set_uid, 1),
	LIB_OPT("uid=%d", uid, 0),
	LIB_OPT("gid=", set_gid, 1),
	LIB_OPT("gid=%d", gid, 0),
	LIB_OPT("entry_timeout=%lf", entry_timeout, 0),
	LIB_OPT("attr_timeout=%lf", attr_timeout, 0),
	LIB_OPT("ac_attr_timeout=%lf", ac_attr_timeout, 0),
	LIB_OPT("ac_attr_timeout=", ac_attr_timeout_set, 1),
	LIB_OPT("negative_timeout=%lf", negative_timeout, 0),
	LIB_OPT("noforget", remember, -1),
	LIB_OPT("remember=%u", remember, 0),
	LIB_OPT("modules=%s", modules, 0),
	FUSE_OPT_END
};

static int keep_unknown(void *data, const char *arg, int key,
			struct fuse_args *outargs)
{
	(void)data;
	(void)arg;
	(void)key;
	(void)outargs;
	return 1;
}

FUSE_EXPORT void fuse_lib_help(struct fuse_args *args)
{
	printf("    -o kernel_cache        cache files in kernel\n"
	       "    -o [no]auto_cache      enable caching based on modification times (off)\n"
	       "    -o no_rofd_flush       disable flushing of read-only fd on close (off)\n"
	       "    -o umask=M             set file permissions (octal)\n"
#if !LF_ABI_314
	       "    -o fmask=M             set file permissions (octal)\n"
	       "    -o dmask=M             set dir  permissions (octal)\n"
#endif
	       "    -o uid=N               set file owner\n"
	       "    -o gid=N               set file group\n"
	       "    -o entry_timeout=T     cache timeout for names (1.0s)\n"
	       "    -o negative_timeout=T  cache timeout for deleted names (0.0s)\n"
	       "    -o attr_timeout=T      cache timeout for attributes (1.0s)\n"
	       "    -o ac_attr_timeout=T   auto cache timeout for attributes (attr_timeout)\n"
	       "    -o noforget            never forget cached inodes\n"
	       "    -o remember=T          remember cached inodes for T seconds (0s)\n"
	       "    -o modules=M1[:M2...]  names of modules to push onto filesystem stack\n");
	fuse_lowlevel_help();
	lf_hl_modules_help();
	if (args)
		lf_hl_modules_help_args(args);
}

/* Interrupt signals only need to interrupt a syscall, not do anything. */
static void intr_handler(int sig)
{
	(void)sig;
}

void lf_hl_install_intr(struct fuse *f)
{
	struct sigaction old, sa;

	if (f->intr_installed)
		return;
	if (sigaction(f->conf.intr_signal, NULL, &old) == -1) {
		lf_log(FUSE_LOG_ERR, "fuse: cannot get old signal handler: %s\n",
		       strerror(errno));
		return;
	}
	/* an application's own handler stays */
	if (old.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = intr_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(f->conf.intr_signal, &sa, NULL) == -1) {
		lf_log(FUSE_LOG_ERR,
		       "fuse: cannot set interrupt signal handler: %s\n",
		       strerror(errno));
		return;
	}
	f->intr_installed = 1;
}

static void restore_intr(struct fuse *f)
{
	struct sigaction sa;

	if (!f->intr_installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(f->conf.intr_signal, &sa, NULL);
	f->intr_installed = 0;
}

static int init_sync(struct fuse *f)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca))
		return -ENOMEM;
	/* timed waits must not jump with the wall clock */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->path_cond, &ca);
	pthread_cond_init(&f->intr_cond, &ca);
	pthread_mutex_init(&f->cleanup_lock, NULL);
	pthread_cond_init(&f->cleanup_cond, &ca);
	pthread_mutex_init(&f->order_lock, NULL);
	pthread_cond_init(&f->order_cond, &ca);
	f->order_wait_ms = LF_ORDER_WAIT_MS;
	pthread_condattr_destroy(&ca);
	return 0;
}

static void free_sync(struct fuse *f)
{
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->path_cond);
	pthread_cond_destroy(&f->intr_cond);
	pthread_mutex_destroy(&f->cleanup_lock);
	pthread_cond_destroy(&f->cleanup_cond);
	pthread_mutex_destroy(&f->order_lock);
	pthread_cond_destroy(&f->order_cond);
}

/*
 * Free the filesystem layers when their destroy is not owed (init never
 * ran): module layers are unwound, the application's own layer is freed
 * without calling its destroy.
 */
static void drop_layers(struct fuse *f, struct fuse_fs *base)
{
	if (!f->fs)
		return;
	lf_hl_fs_unwind(f->fs, base);
	free(base);
	f->fs = NULL;
}

struct fuse *lf_hl_new(struct fuse_args *args,
		       const struct fuse_operations *op, size_t op_size,
		       const struct lf_version *version, void *user_data)
{
	struct fuse_lowlevel_ops llop = lf_hl_ops;
	struct fuse_fs *base;
	struct fuse *f;

	f = calloc(1, sizeof(*f));
	if (!f) {
		lf_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
		return NULL;
	}
	f->conf.entry_timeout = 1.0;
	f->conf.attr_timeout = 1.0;
	f->conf.negative_timeout = 0.0;
	f->conf.intr_signal = LF_DEFAULT_INTR_SIGNAL;
	if (fuse_opt_parse(args, &f->conf, lib_opts, keep_unknown) == -1)
		goto out_free;
	base = fuse_fs_new(op, op_size, user_data);
	if (!base)
		goto out_free;
	f->fs = base;
	f->base_fs = base;
	if (f->conf.modules && lf_hl_push_modules(&f->fs, f->conf.modules,
						   args) < 0)
		goto out_fs;
	/* without a lock handler the kernel keeps POSIX locks itself; asked
	 * of the filesystem's own table, as libfuse does, since module layers
	 * always have a lock handler */
	if (!base->op.lock) {
		llop.getlk = NULL;
		llop.setlk = NULL;
	}
	if (!f->conf.ac_attr_timeout_set)
		f->conf.ac_attr_timeout = f->conf.attr_timeout;
	if (init_sync(f))
		goto out_fs;
	if (lf_nodes_init(&f->nodes, f->conf.remember)) {
		lf_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
		goto out_sync;
	}
	f->se = lf_session_new(args, &llop, sizeof(llop), version, f);
	if (!f->se)
		goto out_nodes;
	if (f->conf.debug)
		lf_log(FUSE_LOG_DEBUG, "nullpath_ok: %i\n", f->conf.nullpath_ok);
	/* trace the topmost layer by default */
	f->fs->debug = f->conf.debug;
	if (f->conf.intr)
		lf_hl_install_intr(f);
	return f;

out_nodes:
	lf_nodes_free(&f->nodes);
out_sync:
	free_sync(f);
out_fs:
	drop_layers(f, base);
out_free:
	free(f->conf.modules);
	free(f);
	return NULL;
}

struct fuse *lf_hl_new_30(struct fuse_args *args,
			  const struct fuse_operations *op, size_t op_size,
			  const struct lf_version *version, void *user_data)
{
	static const struct fuse_opt help_opts[] = {
		LIB_OPT("-h", show_help, 1),
		LIB_OPT("--help", show_help, 1),
		FUSE_OPT_END
	};
	struct fuse_config conf;

	memset(&conf, 0, sizeof(conf));
	if (fuse_opt_parse(args, &conf, help_opts, keep_unknown) == -1)
		return NULL;
	if (conf.show_help) {
		fuse_lib_help(args);
		return NULL;
	}
	return lf_hl_new(args, op, op_size, version, user_data);
}

FUSE_EXPORT void fuse_destroy(struct fuse *f)
{
	if (!f)
		return;
	fuse_stop_cleanup_thread(f);
	restore_intr(f);
	if (f->fs)
		lf_hl_unlink_hidden(f);
	/* runs the filesystem's destroy if init happened and the loop did
	 * not deliver DESTROY */
	if (f->se)
		fuse_session_destroy(f->se);
	f->se = NULL;
	if (f->fs) {
		memset(lf_hl_context(), 0, sizeof(struct fuse_context));
		lf_hl_context()->fuse = f;
		if (f->fs_inited)
			fuse_fs_destroy(f->fs);
		else
			drop_layers(f, f->base_fs);
		f->fs = NULL;
	}
	lf_nodes_free(&f->nodes);
	free_sync(f);
	free(f->conf.modules);
	free(f);
}

FUSE_EXPORT int fuse_mount(struct fuse *f, const char *mountpoint)
{
	return fuse_session_mount(fuse_get_session(f), mountpoint);
}

FUSE_EXPORT void fuse_unmount(struct fuse *f)
{
	fuse_session_unmount(fuse_get_session(f));
}

FUSE_EXPORT struct fuse_session *fuse_get_session(struct fuse *f)
{
	return f->se;
}

FUSE_EXPORT void fuse_exit(struct fuse *f)
{
	fuse_session_exit(f->se);
}

/* ---- remember=T cleanup ----------------------------------------------------------- */

FUSE_EXPORT int fuse_clean_cache(struct fuse *f)
{
	return lf_hl_clean_cache(f);
}

static void *cleanup_main(void *arg)
{
	struct fuse *f = arg;

	pthread_mutex_lock(&f->cleanup_lock);
	while (!f->cleanup_stop) {
		struct timespec ts;
		int delay;

		pthread_mutex_unlock(&f->cleanup_lock);
		delay = fuse_clean_cache(f);
		pthread_mutex_lock(&f->cleanup_lock);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += delay;
		while (!f->cleanup_stop &&
		       pthread_cond_timedwait(&f->cleanup_cond,
					      &f->cleanup_lock, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&f->cleanup_lock);
	return NULL;
}

FUSE_EXPORT int fuse_start_cleanup_thread(struct fuse *f)
{
	sigset_t all, old;
	int err;

	if (f->conf.remember <= 0 || f->cleanup_running)
		return 0;
	f->cleanup_stop = false;
	/* signals are for the loop's thread, not for the cleaner */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&f->cleanup_thread, NULL, cleanup_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		lf_log(FUSE_LOG_ERR, "fuse: error creating thread: %s\n",
		       strerror(err));
		return -1;
	}
	f->cleanup_running = true;
	return 0;
}

FUSE_EXPORT void fuse_stop_cleanup_thread(struct fuse *f)
{
	if (!f->cleanup_running)
		return;
	pthread_mutex_lock(&f->cleanup_lock);
	f->cleanup_stop = true;
	pthread_cond_broadcast(&f->cleanup_cond);
	pthread_mutex_unlock(&f->cleanup_lock);
	pthread_join(f->cleanup_thread, NULL);
	f->cleanup_running = false;
}

/* ---- loops ---------------------------------------------------------------------------- */

FUSE_EXPORT int fuse_loop(struct fuse *f)
{
	int res;

	if (!f)
		return -1;
	if (fuse_start_cleanup_thread(f))
		return -1;
	res = fuse_session_loop(f->se);
	fuse_stop_cleanup_thread(f);
	return res;
}

int lf_hl_loop_mt(struct fuse *f, const struct fuse_loop_config *cfg)
{
	int res;

	if (!f)
		return -1;
	if (fuse_start_cleanup_thread(f))
		return -1;
	res = lf_session_loop_mt(f->se, cfg);
	fuse_stop_cleanup_thread(f);
	return res;
}

/* ---- small public calls ------------------------------------------------------------------ */

FUSE_EXPORT int fuse_notify_poll(struct fuse_pollhandle *ph)
{
	return fuse_lowlevel_notify_poll(ph);
}

/* The node cached for path, walking names from the root. */
static int node_of_path(struct fuse *f, const char *path, fuse_ino_t *ret_ino)
{
	char *copy = strdup(path), *save = NULL, *el;
	struct lf_node *node;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&f->lock);
	node = f->nodes.root;
	for (el = strtok_r(copy, "/", &save); el;
	     el = strtok_r(NULL, "/", &save)) {
		node = lf_node_lookup(&f->nodes, node, el);
		if (!node) {
			err = -ENOENT;
			break;
		}
	}
	if (!err)
		*ret_ino = node->nodeid;
	pthread_mutex_unlock(&f->lock);
	free(copy);
	return err;
}

FUSE_EXPORT int fuse_invalidate_path(struct fuse *f, const char *path)
{
	fuse_ino_t ino;
	int err = node_of_path(f, path, &ino);

	if (err)
		return err;
	return fuse_lowlevel_notify_inval_inode(f->se, ino, 0, 0);
}

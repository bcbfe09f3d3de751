// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * invalidate_path: two files whose data changes while the kernel is told to
 * cache everything forever: "current_time" (the time and an update count)
 * and "growing" (one byte longer per update). An updater thread pushes each
 * change with fuse_invalidate_path(); --no-notify shows the stale caches.
 */

#define FUSE_USE_VERSION 312

#include <fuse.h>
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TIME_NAME "current_time"
#define GROW_NAME "growing"
/* The kernel has no "never expires": a very long time instead. */
#define FOREVER 500000.0

static struct ip_opts {
	int no_notify;
	int update_interval;
} ip_opts = { .no_notify = 0, .update_interval = 1 };

#define IP_OPT(t, field) { t, offsetof(struct ip_opts, field), 1 }
static const struct fuse_opt ip_opt_spec[] = {
	IP_OPT("--no-notify", no_notify),
	IP_OPT("--update-interval=%d", update_interval),
	FUSE_OPT_END
};

/* The contents, changed by the updater, read by the handlers. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* the updater's sleep, cut short at exit */
	int stop;
	unsigned int generation;
	char time_text[96];
	size_t grow_size;
} ip = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static void ip_update_locked(void)
{
	time_t now = time(NULL);
	struct tm tm;
	char hms[16] = "??:??:??";

	if (localtime_r(&now, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	ip.generation++;
	snprintf(ip.time_text, sizeof(ip.time_text),
		 "update %u at %s\n", ip.generation, hms);
	ip.grow_size = ip.generation;
}

static void *ip_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* Cache names and attributes "forever": only notifications help. */
	cfg->entry_timeout = FOREVER;
	cfg->attr_timeout = FOREVER;
	cfg->negative_timeout = 0;
	return NULL;
}

static int ip_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	pthread_mutex_lock(&ip.lock);
	if (strcmp(path, "/" TIME_NAME) == 0)
		st->st_size = (off_t)strlen(ip.time_text);
	else if (strcmp(path, "/" GROW_NAME) == 0)
		st->st_size = (off_t)ip.grow_size;
	else
		st->st_mode = 0;
	pthread_mutex_unlock(&ip.lock);
	return st->st_mode ? 0 : -ENOENT;
}

static int ip_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOTDIR;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	filler(buf, TIME_NAME, NULL, 0, 0);
	filler(buf, GROW_NAME, NULL, 0, 0);
	return 0;
}

static int ip_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/" TIME_NAME) != 0 &&
	    strcmp(path, "/" GROW_NAME) != 0)
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	/* Keep the page cache across opens, so staleness is visible. */
	fi->keep_cache = 1;
	return 0;
}

static int ip_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	size_t len;
	int grow;

	(void)fi;
	grow = strcmp(path, "/" GROW_NAME) == 0;
	if (!grow && strcmp(path, "/" TIME_NAME) != 0)
		return -ENOENT;
	pthread_mutex_lock(&ip.lock);
	len = grow ? ip.grow_size : strlen(ip.time_text);
	if (off < 0 || (size_t)off >= len) {
		size = 0;
	} else {
		if (size > len - (size_t)off)
			size = len - (size_t)off;
		if (grow)
			memset(buf, 'x', size);
		else
			memcpy(buf, ip.time_text + off, size);
	}
	pthread_mutex_unlock(&ip.lock);
	return (int)size;
}

static const struct fuse_operations ip_ops = {
	.init = ip_init,
	.getattr = ip_getattr,
	.readdir = ip_readdir,
	.open = ip_open,
	.read = ip_read,
};

/* -ENOENT only means the kernel never looked the file up: nothing cached. */
static int ip_invalidate(struct fuse *f, const char *path)
{
	int ret = fuse_invalidate_path(f, path);

	return ret == -ENOENT ? 0 : ret;
}

static void *ip_updater(void *arg)
{
	struct fuse *f = arg;
	struct timespec until;
	int ret;

	pthread_mutex_lock(&ip.lock);
	while (!ip.stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ip_opts.update_interval;
		while (!ip.stop &&
		       pthread_cond_timedwait(&ip.wake, &ip.lock, &until) !=
			       ETIMEDOUT)
			;
		if (ip.stop)
			break;
		ip_update_locked();
		pthread_mutex_unlock(&ip.lock);
		/* Outside the lock: the kernel may call back into read. */
		if (!ip_opts.no_notify) {
			ret = ip_invalidate(f, "/" TIME_NAME);
			if (ret == 0)
				ret = ip_invalidate(f, "/" GROW_NAME);
			if (ret < 0)
				fprintf(stderr, "invalidate_path: "
					"fuse_invalidate_path: %s\n",
					strerror(-ret));
		}
		pthread_mutex_lock(&ip.lock);
	}
	pthread_mutex_unlock(&ip.lock);
	return NULL;
}

static void ip_help(const char *progname)
{
	printf("usage: %s [options] <mountpoint>\n\n", progname);
	printf("File-system specific options:\n"
	       "    --update-interval=<secs>  seconds between updates (1)\n"
	       "    --no-notify               do not invalidate kernel caches\n"
	       "\n");
}

/* Loop as the command line asked: -s or the multi-threaded loop. */
static int ip_loop(struct fuse *f, const struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (opts->singlethread)
		return fuse_loop(f);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -1;
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)opts->clone_fd);
	fuse_loop_cfg_set_idle_threads(cfg, opts->max_idle_threads);
	fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
	ret = fuse_loop_mt(f, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

/* Mounted and daemonized: run the updater alongside the loop. */
static int ip_serve(struct fuse *f, const struct fuse_cmdline_opts *opts)
{
	struct fuse_session *se = fuse_get_session(f);
	pthread_t updater;
	int ret, err;

	if (fuse_set_signal_handlers(se) != 0)
		return 1;
	err = pthread_create(&updater, NULL, ip_updater, f);
	if (err) {
		fprintf(stderr, "invalidate_path: pthread_create: %s\n",
			strerror(err));
		fuse_remove_signal_handlers(se);
		return 1;
	}
	ret = ip_loop(f, opts) ? 1 : 0;
	/* No notification may race with unmount and destroy. */
	pthread_mutex_lock(&ip.lock);
	ip.stop = 1;
	pthread_cond_signal(&ip.wake);
	pthread_mutex_unlock(&ip.lock);
	pthread_join(updater, NULL);
	fuse_remove_signal_handlers(se);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse *f;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	ip_update_locked();
	if (fuse_opt_parse(&args, &ip_opts, ip_opt_spec, NULL) == -1)
		return 1;
	if (ip_opts.update_interval < 1)
		ip_opts.update_interval = 1;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (opts.show_help) {
		ip_help(argv[0]);
		fuse_cmdline_help();
		fuse_lib_help(&args);
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "invalidate_path: no mountpoint given\n");
		goto out_args;
	}
	f = fuse_new(&args, &ip_ops, sizeof(ip_ops), NULL);
	if (!f)
		goto out_args;
	if (fuse_mount(f, opts.mountpoint) != 0)
		goto out_destroy;
	/* Before any thread exists: daemonizing forks. */
	if (fuse_daemonize(opts.foreground) == 0)
		ret = ip_serve(f, &opts);
	fuse_unmount(f);
out_destroy:
	fuse_destroy(f);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Helpers for simple filesystem programs: the command-line parser in its
 * 3.0 and 3.12 struct shapes, the help and version texts, daemonizing, the
 * conn_info option parser, fuse_open_channel() and the version queries.
 * Texts, option names and defaults follow libfuse exactly.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuse_i.h"	/* first: it sets FUSE_USE_VERSION */
#include "fuse.h"	/* fuse_open_channel() */
#include "fuse_opt.h"
#include "log.h"
#include "mount.h"

#define LF_STR_(x) #x
#define LF_STR(x) LF_STR_(x)

/* Release string of the ABI this copy emulates ("3.14.0", "3.18.1"). */
#define LF_PKGVERSION LF_STR(FUSE_MAJOR_VERSION) "." \
	LF_STR(FUSE_MINOR_VERSION) "." LF_STR(FUSE_HOTFIX_VERSION)

/* Same default as lib/mount.c; meson may override both. */
#ifndef LF_FUSERMOUNT_DIR
#define LF_FUSERMOUNT_DIR "/usr/bin"
#endif

/* ---- fuse_parse_cmdline ---- */

#define CMD_FLAG(templ, field) \
	{ templ, offsetof(struct fuse_cmdline_opts, field), 1 }
#define CMD_UINT(templ, field) \
	{ templ, offsetof(struct fuse_cmdline_opts, field), 0 }

/*
 * -d and debug also stay in args (KEEP) so fuse_session_new() turns on
 * its request tracing; fsname= and subtype= stay for the mount.
 */
static const struct fuse_opt cmdline_spec[] = {
	CMD_FLAG("-h", show_help),
	CMD_FLAG("--help", show_help),
	CMD_FLAG("-V", show_version),
	CMD_FLAG("--version", show_version),
	CMD_FLAG("-d", debug),
	CMD_FLAG("-d", foreground),
	FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
	CMD_FLAG("debug", debug),
	CMD_FLAG("debug", foreground),
	FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
	CMD_FLAG("-f", foreground),
	CMD_FLAG("-s", singlethread),
	CMD_FLAG("fsname=", nodefault_subtype),
	FUSE_OPT_KEY("fsname=", FUSE_OPT_KEY_KEEP),
	CMD_FLAG("subtype=", nodefault_subtype),
	FUSE_OPT_KEY("subtype=", FUSE_OPT_KEY_KEEP),
	CMD_FLAG("clone_fd", clone_fd),
	CMD_UINT("max_idle_threads=%u", max_idle_threads),
	CMD_UINT("max_threads=%u", max_threads),
	FUSE_OPT_END
};

/*
 * The layout programs built against libfuse 3.0 - 3.11 pass in: the 3.12
 * struct without max_threads. Filling more would overrun their variable.
 */
struct cmdline_opts_30 {
	int singlethread;
	int foreground;
	int debug;
	int nodefault_subtype;
	char *mountpoint;
	int show_version;
	int show_help;
	int clone_fd;
	unsigned int max_idle_threads;
};

_Static_assert(offsetof(struct cmdline_opts_30, max_idle_threads) ==
	       offsetof(struct fuse_cmdline_opts, max_idle_threads),
	       "3.0 cmdline opts must be a prefix of the 3.12 layout");
_Static_assert(sizeof(struct cmdline_opts_30) == 40,
	       "libfuse 3.0 struct fuse_cmdline_opts is 40 bytes on LP64");

static int cmdline_proc(void *data, const char *arg, int key,
			struct fuse_args *outargs)
{
	struct fuse_cmdline_opts *opts = data;
	char *path;

	(void)outargs;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;	/* not ours: leave it for fuse_session_new() */

	if (opts->mountpoint) {
		lf_log(FUSE_LOG_ERR, "fuse: invalid argument `%s'\n", arg);
		return -1;
	}
	/* "/dev/fd/N" names an inherited /dev/fuse fd, not a path */
	if (lf_mount_parse_fd(arg) >= 0) {
		path = strdup(arg);
		if (!path) {
			lf_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
			return -1;
		}
	} else {
		path = realpath(arg, NULL);
		if (!path) {
			lf_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n",
			       arg, strerror(errno));
			return -1;
		}
	}
	opts->mountpoint = path;
	return 0;
}

/*
 * Name the filesystem type after the program ("fuse.<prog>" in mtab) when
 * the user chose neither fsname= nor subtype=. Like libfuse, a progname
 * ending in '/' yields "/" rather than an empty subtype.
 */
static int add_default_subtype(struct fuse_args *args)
{
	const char *prog, *base;
	char *opt;
	int res;

	/* libfuse dereferences argv[0] unconditionally; we just skip. */
	if (args->argc < 1 || !args->argv || !args->argv[0])
		return 0;
	prog = args->argv[0];
	base = strrchr(prog, '/');
	if (!base)
		base = prog;
	else if (base[1] != '\0')
		base++;

	if (asprintf(&opt, "-osubtype=%s", base) < 0) {
		lf_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
		return -1;
	}
	res = fuse_opt_add_arg(args, opt);
	free(opt);
	return res;
}

int lf_parse_cmdline_312(struct fuse_args *args,
			 struct fuse_cmdline_opts *opts)
{
	if (!args || !opts)
		return -1;

	memset(opts, 0, sizeof(*opts));
	/* UINT_MAX since 3.12: idle threads are kept, not destroyed */
	opts->max_idle_threads = UINT_MAX;
	opts->max_threads = 10;

	if (fuse_opt_parse(args, opts, cmdline_spec, cmdline_proc) == -1 ||
	    (!opts->nodefault_subtype && add_default_subtype(args) == -1)) {
		/* libfuse leaks it here; callers do not free on failure */
		free(opts->mountpoint);
		opts->mountpoint = NULL;
		return -1;
	}
	return 0;
}

/* opts_30 is a 3.0-3.11 sized struct: only its 40 bytes are written. */
int lf_parse_cmdline_30(struct fuse_args *args, void *opts_30)
{
	struct cmdline_opts_30 *out = opts_30;
	struct fuse_cmdline_opts opts;
	int res;

	if (!out)
		return -1;
	res = lf_parse_cmdline_312(args, &opts);
	if (res != 0)
		return res;

	out->singlethread = opts.singlethread;
	out->foreground = opts.foreground;
	out->debug = opts.debug;
	out->nodefault_subtype = opts.nodefault_subtype;
	out->mountpoint = opts.mountpoint;
	out->show_version = opts.show_version;
	out->show_help = opts.show_help;
	out->clone_fd = opts.clone_fd;
	out->max_idle_threads = opts.max_idle_threads;
	return 0;
}

/* ---- help and version texts (stdout, as libfuse) ---- */

FUSE_EXPORT void fuse_cmdline_help(void)
{
	fputs("    -h   --help            print help\n"
	      "    -V   --version         print version\n"
	      "    -d   -o debug          enable debug output (implies -f)\n"
	      "    -f                     foreground operation\n"
	      "    -s                     disable multi-threaded operation\n"
	      "    -o clone_fd            use separate fuse device fd for each thread\n"
	      "                           (may improve performance)\n"
	      "    -o max_idle_threads    the maximum number of idle worker threads\n"
	      "                           allowed (default: -1)\n"
	      "    -o max_threads         the maximum number of worker threads\n"
	      "                           allowed (default: 10)\n",
	      stdout);
}

/*
 * Only the options an end user is likely to want, as libfuse prints them:
 * allow_other, allow_root, auto_unmount (from the mount layer), then the
 * session's own.
 */
FUSE_EXPORT void fuse_lowlevel_help(void)
{
	lf_mount_help();
#if !LF_ABI_314
	/* 3.18's text: the io_uring options came with the io_uring transport */
	printf("    -o io_uring            enable io-uring\n"
	       "    -o io_uring_q_depth=<n> io-uring queue depth\n");
#endif
}

/*
 * Let fusermount3 print its own version line, as libfuse does. Its output
 * goes straight to fd 1, so ours must be flushed first to keep the order.
 */
static void print_fusermount_version(void)
{
	char *const argv[] = { "fusermount3", "--version", NULL };
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == -1)
		return;
	if (pid == 0) {
		execv(LF_FUSERMOUNT_DIR "/fusermount3", argv);
		execvp("fusermount3", argv);
		_exit(1);	/* child of fork: never return into the caller */
	}
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

FUSE_EXPORT void fuse_lowlevel_version(void)
{
	printf("using FUSE kernel interface version %i.%i\n",
	       FUSE_KERNEL_VERSION, FUSE_KERNEL_MINOR_VERSION);
	print_fusermount_version();
}

FUSE_EXPORT int fuse_version(void)
{
	return FUSE_VERSION;
}

FUSE_EXPORT const char *fuse_pkgversion(void)
{
	return LF_PKGVERSION;
}

/* ---- fuse_daemonize ---- */

static void stdio_to_devnull(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd == -1)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/*
 * Fork into the background. The parent waits until the child has become a
 * session leader and detached its stdio, then _exit()s: 0 once the child
 * reported success, 1 if the child failed or died first (libfuse's parent
 * would block forever there). _exit, not exit: the parent's atexit
 * handlers and stdio buffers belong to the child now.
 */
FUSE_EXPORT int fuse_daemonize(int foreground)
{
	int waiter[2];
	char done = 0;
	ssize_t n;

	if (foreground) {
		/* don't keep the directory we started in busy */
		if (chdir("/") == -1) {
			/* as libfuse: not worth failing the mount over */
		}
		return 0;
	}

	if (pipe(waiter)) {
		lf_log(FUSE_LOG_ERR, "fuse_daemonize: pipe: %s\n",
		       strerror(errno));
		return -1;
	}

	switch (fork()) {
	case -1:
		lf_log(FUSE_LOG_ERR, "fuse_daemonize: fork: %s\n",
		       strerror(errno));
		close(waiter[0]);
		close(waiter[1]);
		return -1;
	case 0:
		break;
	default:
		close(waiter[1]);
		do {
			n = read(waiter[0], &done, 1);
		} while (n == -1 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}

	close(waiter[0]);
	if (setsid() == -1) {
		lf_log(FUSE_LOG_ERR, "fuse_daemonize: setsid: %s\n",
		       strerror(errno));
		close(waiter[1]);	/* parent sees EOF and exits 1 */
		return -1;
	}
	if (chdir("/") == -1) {
		/* as libfuse: not worth failing the mount over */
	}
	stdio_to_devnull();

	done = 1;
	if (write(waiter[1], &done, 1) != 1) {
		/* the parent is gone already; nobody to tell */
	}
	close(waiter[1]);
	return 0;
}

/* ---- conn_info options ---- */

/*
 * What the user asked for on the command line. Each feature has a separate
 * "on" and "off" flag so that fuse_apply_conn_info_opts() only touches the
 * bits that were mentioned and leaves the library's defaults otherwise.
 */
struct fuse_conn_info_opts {
	int async_read, sync_read;
	int atomic_o_trunc;
	int no_remote_posix_lock, no_remote_flock;
	int splice_write, no_splice_write;
	int splice_move, no_splice_move;
	int splice_read, no_splice_read;
	int auto_inval_data, no_auto_inval_data;
	int no_readdirplus, no_readdirplus_auto;
	int async_dio, no_async_dio;
	int writeback_cache, no_writeback_cache;
	unsigned int max_write, max_readahead, max_background;
	unsigned int congestion_threshold, time_gran;
	int has_max_write, has_max_readahead, has_max_background;
	int has_congestion_threshold, has_time_gran;
};

#define CONN_OPT(templ, field, val) \
	{ templ, offsetof(struct fuse_conn_info_opts, field), val }

/*
 * A numeric option matches two templates: one stores the value, the bare
 * "name=" one records that it was given. Options that match several
 * templates set all of them, which is how no_remote_lock and readdirplus=
 * work.
 */
static const struct fuse_opt conn_spec[] = {
	CONN_OPT("max_write=%u", max_write, 0),
	CONN_OPT("max_write=", has_max_write, 1),
	CONN_OPT("max_readahead=%u", max_readahead, 0),
	CONN_OPT("max_readahead=", has_max_readahead, 1),
	CONN_OPT("max_background=%u", max_background, 0),
	CONN_OPT("max_background=", has_max_background, 1),
	CONN_OPT("congestion_threshold=%u", congestion_threshold, 0),
	CONN_OPT("congestion_threshold=", has_congestion_threshold, 1),
	CONN_OPT("sync_read", sync_read, 1),
	CONN_OPT("async_read", async_read, 1),
	CONN_OPT("atomic_o_trunc", atomic_o_trunc, 1),
	CONN_OPT("no_remote_lock", no_remote_posix_lock, 1),
	CONN_OPT("no_remote_lock", no_remote_flock, 1),
	CONN_OPT("no_remote_flock", no_remote_flock, 1),
	CONN_OPT("no_remote_posix_lock", no_remote_posix_lock, 1),
	CONN_OPT("splice_write", splice_write, 1),
	CONN_OPT("no_splice_write", no_splice_write, 1),
	CONN_OPT("splice_move", splice_move, 1),
	CONN_OPT("no_splice_move", no_splice_move, 1),
	CONN_OPT("splice_read", splice_read, 1),
	CONN_OPT("no_splice_read", no_splice_read, 1),
	CONN_OPT("auto_inval_data", auto_inval_data, 1),
	CONN_OPT("no_auto_inval_data", no_auto_inval_data, 1),
	CONN_OPT("readdirplus=no", no_readdirplus, 1),
	CONN_OPT("readdirplus=yes", no_readdirplus, 0),
	CONN_OPT("readdirplus=yes", no_readdirplus_auto, 1),
	CONN_OPT("readdirplus=auto", no_readdirplus, 0),
	CONN_OPT("readdirplus=auto", no_readdirplus_auto, 0),
	CONN_OPT("async_dio", async_dio, 1),
	CONN_OPT("no_async_dio", no_async_dio, 1),
	CONN_OPT("writeback_cache", writeback_cache, 1),
	CONN_OPT("no_writeback_cache", no_writeback_cache, 1),
	CONN_OPT("time_gran=%u", time_gran, 0),
	CONN_OPT("time_gran=", has_time_gran, 1),
	FUSE_OPT_END
};

FUSE_EXPORT struct fuse_conn_info_opts *
fuse_parse_conn_info_opts(struct fuse_args *args)
{
	struct fuse_conn_info_opts *opts = calloc(1, sizeof(*opts));

	if (!opts) {
		lf_log(FUSE_LOG_ERR, "calloc failed\n");
		return NULL;
	}
	/* no proc: options we do not know stay in args for the next parser */
	if (fuse_opt_parse(args, opts, conn_spec, NULL) == -1) {
		free(opts);
		return NULL;
	}
	return opts;
}

/*
 * The 3.14 ABI has only the 32-bit want mask, set directly as libfuse 3.14
 * does; 3.17+ goes through the feature-flag API, which also refuses to
 * want what the kernel does not offer.
 */
static void want_on(struct fuse_conn_info *conn, int cond, uint64_t cap)
{
	if (!cond)
		return;
#if LF_ABI_314
	conn->want |= (unsigned int)cap;
#else
	fuse_set_feature_flag(conn, cap);
#endif
}

static void want_off(struct fuse_conn_info *conn, int cond, uint64_t cap)
{
	if (!cond)
		return;
#if LF_ABI_314
	conn->want &= ~(unsigned int)cap;
#else
	fuse_unset_feature_flag(conn, cap);
#endif
}

FUSE_EXPORT void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *opts,
					   struct fuse_conn_info *conn)
{
	if (!opts || !conn)
		return;

	if (opts->has_max_write)
		conn->max_write = opts->max_write;
	if (opts->has_max_background)
		conn->max_background = opts->max_background;
	if (opts->has_congestion_threshold)
		conn->congestion_threshold = opts->congestion_threshold;
	if (opts->has_time_gran)
		conn->time_gran = opts->time_gran;
	if (opts->has_max_readahead)
		conn->max_readahead = opts->max_readahead;

	/* "on" before "off": giving both leaves the feature off */
	want_on(conn, opts->splice_read, FUSE_CAP_SPLICE_READ);
	want_off(conn, opts->no_splice_read, FUSE_CAP_SPLICE_READ);
	want_on(conn, opts->splice_write, FUSE_CAP_SPLICE_WRITE);
	want_off(conn, opts->no_splice_write, FUSE_CAP_SPLICE_WRITE);
	want_on(conn, opts->splice_move, FUSE_CAP_SPLICE_MOVE);
	want_off(conn, opts->no_splice_move, FUSE_CAP_SPLICE_MOVE);
	want_on(conn, opts->auto_inval_data, FUSE_CAP_AUTO_INVAL_DATA);
	want_off(conn, opts->no_auto_inval_data, FUSE_CAP_AUTO_INVAL_DATA);
	want_off(conn, opts->no_readdirplus, FUSE_CAP_READDIRPLUS);
	want_off(conn, opts->no_readdirplus_auto, FUSE_CAP_READDIRPLUS_AUTO);
	want_on(conn, opts->async_dio, FUSE_CAP_ASYNC_DIO);
	want_off(conn, opts->no_async_dio, FUSE_CAP_ASYNC_DIO);
	want_on(conn, opts->writeback_cache, FUSE_CAP_WRITEBACK_CACHE);
	want_off(conn, opts->no_writeback_cache, FUSE_CAP_WRITEBACK_CACHE);
	want_on(conn, opts->async_read, FUSE_CAP_ASYNC_READ);
	want_off(conn, opts->sync_read, FUSE_CAP_ASYNC_READ);
	want_off(conn, opts->no_remote_posix_lock, FUSE_CAP_POSIX_LOCKS);
	want_off(conn, opts->no_remote_flock, FUSE_CAP_FLOCK_LOCKS);
	/*
	 * atomic_o_trunc is accepted (so it is not passed on as unknown) but,
	 * as in libfuse, changes nothing: the library wants it whenever the
	 * kernel offers it.
	 */
}

/* ---- fuse_open_channel ---- */

/*
 * Mount with the given comma-separated options and return the /dev/fuse
 * descriptor, or -1. The mount layer logs the reason for a failure.
 */
FUSE_EXPORT int fuse_open_channel(const char *mountpoint, const char *options)
{
	char *argv[] = { "", "-o", (char *)options, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(options ? 3 : 1, argv);
	struct lf_mount_opts *mo;
	int fd;

	if (!mountpoint)
		return -1;
	if (lf_mount_opts_parse(&args, &mo) < 0) {
		fuse_opt_free_args(&args);
		return -1;
	}
	fuse_opt_free_args(&args);
	fd = lf_mount(mountpoint, mo);
	lf_mount_opts_free(mo);
	return fd < 0 ? -1 : fd;
}

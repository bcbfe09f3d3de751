// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Session lifecycle: creation with libfuse's option vocabulary, mounting
 * through the mount ladder, custom I/O, exit/reset, destruction, and the
 * public receive/process pair for applications with their own loop.
 * No request I/O happens here beyond handing buffers to the transport.
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse_i.h"
#include "fastpath/bpf.h"
#include "fastpath/fastpath.h"
#include "mount.h"
#include "transport.h"
#include "uring.h"

struct lf_chan *lf_chan_new(int fd)
{
	struct lf_chan *ch = malloc(sizeof(*ch));

	if (!ch)
		return NULL;
	ch->fd = fd;
	atomic_init(&ch->refs, 1);
	ch->tpriv = NULL;
	return ch;
}

struct lf_chan *lf_chan_get(struct lf_chan *ch)
{
	atomic_fetch_add(&ch->refs, 1);
	return ch;
}

void lf_chan_put(struct lf_chan *ch)
{
	if (!ch)
		return;
	if (atomic_fetch_sub(&ch->refs, 1) == 1) {
		if (ch->fd >= 0)
			close(ch->fd);
		free(ch);
	}
}

struct ll_opts {
	int debug;
	int allow_root;
	int io_uring;		/* -1 unset, 0 no_io_uring, 1 io_uring */
	unsigned int io_uring_q_depth;
	char *fastpath_cache;	/* cache policy: profile name or file */
	int bdi_strict_limit;	/* -1: the kernel's (lib/bdi.c) */
	int bdi_max_ratio;
};

#define LL_OPT(t, f, v) { t, offsetof(struct ll_opts, f), v }
static const struct fuse_opt ll_opt_spec[] = {
	LL_OPT("debug", debug, 1),
	LL_OPT("-d", debug, 1),
	LL_OPT("--debug", debug, 1),
	LL_OPT("allow_root", allow_root, 1),
	/* FUSE-over-io_uring: libfuse 3.18's two, and our opt-out */
	LL_OPT("io_uring", io_uring, 1),
	LL_OPT("no_io_uring", io_uring, 0),
	LL_OPT("io_uring_q_depth=%u", io_uring_q_depth, 0),
	/* fastfuse: cache policy compiled into the kernel's caches */
	LL_OPT("fastpath_cache=%s", fastpath_cache, 0),
	/* fastfuse: the mount's dirty-page limits */
	LL_OPT("bdi_strict_limit=%d", bdi_strict_limit, 0),
	LL_OPT("bdi_max_ratio=%d", bdi_max_ratio, 0),
	FUSE_OPT_END
};

/* libfuse's rule: whatever is left besides argv[0] is an unknown option. */
static int reject_leftovers(const struct fuse_args *args)
{
	int i;

	if (args->argc == 1 && args->argv[0][0] == '-') {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: warning: argv[0] looks like an option, but will be ignored\n");
		return 0;
	}
	if (args->argc == 1)
		return 0;
	fuse_log(FUSE_LOG_ERR, "fuse: unknown option(s): `");
	for (i = 1; i < args->argc - 1; i++)
		fuse_log(FUSE_LOG_ERR, "%s ", args->argv[i]);
	fuse_log(FUSE_LOG_ERR, "%s'\n", args->argv[i]);
	return -EINVAL;
}

/*
 * io_uring settings: libfuse's environment (FUSE_URING_ENABLE,
 * FUSE_URING_QUEUE_DEPTH), then the options, which win; our
 * FUSE_URING_THREADS sets the number of ring threads (default: one per
 * CPU). Out-of-range depths are clamped rather than refused.
 */
static void uring_settings(struct fuse_session *se, const struct ll_opts *lo)
{
	const char *env = getenv("FUSE_URING_ENABLE");
	unsigned long v;

	se->uring_enable = -1;
	if (env && *env)
		se->uring_enable = atoi(env) ? 1 : 0;
	if (lo->io_uring >= 0)
		se->uring_enable = lo->io_uring;
	env = getenv("FUSE_URING_QUEUE_DEPTH");
	v = env ? strtoul(env, NULL, 10) : 0;
	if (lo->io_uring_q_depth)
		v = lo->io_uring_q_depth;
	se->uring_depth = (unsigned int)LF_MIN(v, (unsigned long)LF_URING_MAX_DEPTH);
	env = getenv("FUSE_URING_THREADS");
	v = env ? strtoul(env, NULL, 10) : 0;
	se->uring_threads = (unsigned int)LF_MIN(v, 4096ul);
}

static void pipe_free(void *p)
{
	int *fds = p;

	close(fds[0]);
	close(fds[1]);
	free(fds);
}

struct fuse_session *lf_session_new(struct fuse_args *args,
				    const struct fuse_lowlevel_ops *op,
				    size_t op_size,
				    const struct lf_version *version,
				    void *userdata)
{
	struct fuse_session *se;
	struct ll_opts lo = { .io_uring = -1, .bdi_strict_limit = -1,
			      .bdi_max_ratio = -1 };
	const char *policy;

	if (!args || !op)
		return NULL;
	if (op_size > sizeof(struct fuse_lowlevel_ops)) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: warning: library too old, some operations may not work\n");
		op_size = sizeof(struct fuse_lowlevel_ops);
	}
	if (args->argc == 0) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: empty argv passed to fuse_session_new().\n");
		return NULL;
	}
	se = calloc(1, sizeof(*se));
	if (!se) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
		return NULL;
	}
	se->fd = -1;
	lf_init_defaults(se);
	pthread_mutex_init(&se->lock, NULL);
	sem_init(&se->exit_sem, 0, 0);
	lf_req_lists_init(se);

	if (fuse_opt_parse(args, &lo, ll_opt_spec, NULL) == -1)
		goto fail;
	se->debug = lo.debug;
	se->deny_others = lo.allow_root;
	uring_settings(se, &lo);
	if (lo.allow_root && fuse_opt_add_arg(args, "-oallow_other") == -1)
		goto fail;
	if (lo.bdi_strict_limit < -1 || lo.bdi_strict_limit > 1 ||
	    lo.bdi_max_ratio < -1 || lo.bdi_max_ratio > 100) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: bdi_strict_limit must be 0 or 1, bdi_max_ratio 0 to 100\n");
		goto fail;
	}
	se->bdi_strict_limit = lo.bdi_strict_limit;
	se->bdi_max_ratio = lo.bdi_max_ratio;
	if (lf_mount_opts_parse(args, &se->mo) < 0)
		goto fail;
	if (reject_leftovers(args) < 0)
		goto fail;
	/* -o fastpath_cache wins; the environment reaches programs that
	 * reject options they do not know (e.g. fuse-overlayfs) */
	policy = lo.fastpath_cache ? lo.fastpath_cache :
		 getenv("FASTFUSE_CACHE_POLICY");
	if (policy && *policy && lf_fastpath_set(se, policy) < 0)
		goto fail;
	free(lo.fastpath_cache);
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "FUSE library version: %s\n",
			 fuse_pkgversion());

	se->bufsize = (size_t)FUSE_MAX_MAX_PAGES * (size_t)getpagesize() +
		      LF_HEADER_ROOM;
	if (pthread_key_create(&se->pipe_key, pipe_free) == 0)
		se->pipe_key_ok = true;
	se->tr = &lf_transport_dev;
	memcpy(&se->op, op, op_size);
	se->owner = getuid();
	se->userdata = userdata;
	if (version)
		se->version = *version;
	if (getenv("FUSE_INIT_STATUS") && atoi(getenv("FUSE_INIT_STATUS")))
		se->init_status = 1;
	return se;

fail:
	free(lo.fastpath_cache);
	lf_fastpath_free(se);
	lf_mount_opts_free(se->mo);
	sem_destroy(&se->exit_sem);
	pthread_mutex_destroy(&se->lock);
	free(se);
	return NULL;
}

int lf_session_set_fd(struct fuse_session *se, int fd)
{
	struct lf_chan *ch = lf_chan_new(fd);

	if (!ch)
		return -ENOMEM;
	lf_chan_put(se->ch);
	se->ch = ch;
	se->fd = fd;
	return 0;
}

/* The caller's stdio must not land on /dev/fuse if 0..2 are closed. */
static void ensure_std_fds(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd > 2)
			close(fd);
	} while (fd >= 0 && fd <= 2);
}

static int parse_dev_fd(const char *mountpoint)
{
	const char *p = "/dev/fd/";
	char *end;
	long n;

	if (strncmp(mountpoint, p, strlen(p)) != 0)
		return -1;
	n = strtol(mountpoint + strlen(p), &end, 10);
	if (*end || end == mountpoint + strlen(p) || n < 0 || n > INT32_MAX)
		return -1;
	return (int)n;
}

FUSE_EXPORT int fuse_session_mount(struct fuse_session *se,
				   const char *mountpoint)
{
	int fd;

	if (!se || !mountpoint)
		return -1;
	ensure_std_fds();
	fd = parse_dev_fd(mountpoint);
	if (fd >= 0) {
		if (fcntl(fd, F_GETFD) == -1) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: Invalid file descriptor /dev/fd/%u\n",
				 (unsigned)fd);
			return -1;
		}
		return lf_session_set_fd(se, fd) < 0 ? -1 : 0;
	}
	fd = lf_mount(mountpoint, se->mo);
	if (fd < 0)
		return -1;
	se->mountpoint = strdup(mountpoint);
	/* asked for explicitly: a mount without them is an error */
	if (!se->mountpoint || lf_bdi_apply(se) < 0 ||
	    lf_session_set_fd(se, fd) < 0) {
		lf_unmount(mountpoint, fd, se->mo);
		close(fd);
		free(se->mountpoint);
		se->mountpoint = NULL;
		return -1;
	}
	return 0;
}

FUSE_EXPORT void fuse_session_unmount(struct fuse_session *se)
{
	if (!se || !se->mountpoint)
		return;
	lf_fastpath_stop(se);	/* fastpath: no notify after the fd is gone */
	/* before the device number can go to another mount */
	lf_xbpf_detach(se->fastpath);
	lf_unmount(se->mountpoint, se->fd, se->mo);
	lf_chan_put(se->ch);
	se->ch = NULL;
	se->fd = -1;
	free(se->mountpoint);
	se->mountpoint = NULL;
}

FUSE_EXPORT int fuse_session_fd(struct fuse_session *se)
{
	return se->fd;
}

/* Called from signal handlers too: only async-signal-safe calls here. */
FUSE_EXPORT void fuse_session_exit(struct fuse_session *se)
{
	atomic_store(&se->exited, 1);
	sem_post(&se->exit_sem);
}

FUSE_EXPORT void fuse_session_reset(struct fuse_session *se)
{
	atomic_store(&se->exited, 0);
	se->error = 0;
}

FUSE_EXPORT int fuse_session_exited(struct fuse_session *se)
{
	return atomic_load(&se->exited) ? 1 : 0;
}

FUSE_EXPORT void fuse_session_destroy(struct fuse_session *se)
{
	if (!se)
		return;
	lf_fastpath_stop(se);	/* fastpath: watcher thread, backing ids */
	/* rings a loop did not stop (single-threaded or custom loops) */
	lf_uring_stop(se);
	if (atomic_load(&se->got_init) && !atomic_load(&se->got_destroy) &&
	    se->op.destroy)
		se->op.destroy(se->userdata);
	lf_req_drop_interrupts(se);
	lf_notify_retrieves_free(se);
	if (se->pipe_key_ok) {
		void *p = pthread_getspecific(se->pipe_key);

		if (p) {
			pthread_setspecific(se->pipe_key, NULL);
			pipe_free(p);
		}
		pthread_key_delete(se->pipe_key);
	}
	lf_chan_put(se->ch);
	lf_fastpath_free(se);
	lf_mount_opts_free(se->mo);
	free(se->mountpoint);
	free(se->cuse);
	pthread_mutex_destroy(&se->lock);
	free(se);
}

/*
 * Custom I/O: the application moves the bytes (e.g. over a socket to a
 * privileged helper). io_size lets newer structs with extra members pass
 * through older entry points.
 */
int lf_session_custom_io(struct fuse_session *se,
			 const struct fuse_custom_io *io, size_t io_size,
			 int fd)
{
	if (fd < 0) {
		fuse_log(FUSE_LOG_ERR,
			 "Invalid file descriptor value %d passed to fuse_session_custom_io()\n",
			 fd);
		return -EBADF;
	}
	if (!io) {
		fuse_log(FUSE_LOG_ERR,
			 "No custom IO passed to fuse_session_custom_io()\n");
		return -EINVAL;
	}
	if (!io->read || !io->writev) {
		fuse_log(FUSE_LOG_ERR,
			 "io passed to fuse_session_custom_io() must define both read() and writev()\n");
		return -EINVAL;
	}
	memset(&se->io_copy, 0, sizeof(se->io_copy));
	memcpy(&se->io_copy, io, LF_MIN(io_size, sizeof(se->io_copy)));
	se->io = &se->io_copy;
	return lf_session_set_fd(se, fd);
}

int lf_send(struct fuse_session *se, struct lf_chan *ch, fuse_req_t req,
	    struct iovec *iov, int count)
{
	if (!ch)
		ch = se->ch;
	if (!ch)
		return -ENOTCONN;
	return se->tr->send(se, ch, req, iov, count);
}

int lf_send_notify(struct fuse_session *se, int code, struct iovec *iov,
		   int count)
{
	struct fuse_out_header oh;
	size_t len = sizeof(oh);
	int i;

	for (i = 1; i < count; i++)
		len += iov[i].iov_len;
	oh.len = (uint32_t)len;
	oh.error = code;
	oh.unique = 0;
	iov[0].iov_base = &oh;
	iov[0].iov_len = sizeof(oh);
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "NOTIFY: code=%d length=%u\n", code,
			 oh.len);
	if (se->tr->send_notify)
		return se->tr->send_notify(se, iov, count);
	if (!se->ch)
		return -ENOTCONN;
	return se->tr->send(se, se->ch, NULL, iov, count);
}

FUSE_EXPORT int fuse_session_receive_buf(struct fuse_session *se,
					 struct fuse_buf *buf)
{
	if (!se->ch)
		return -ENOTCONN;
	return se->tr->receive(se, se->ch, buf);
}

FUSE_EXPORT void fuse_session_process_buf(struct fuse_session *se,
					  const struct fuse_buf *buf)
{
	lf_dispatch(se, buf, se->ch);
}

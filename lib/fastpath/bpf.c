// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The loader of kernel/xattr_absent.bpf.c (the only lib file including a
 * generated skeleton, a light one: no libbpf at run time). At INIT a
 * helper thread loads it, scopes it to this mount's s_dev and names, and
 * proves by a probe getxattr that the kernel answers without a request.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fastpath/bpf.h"
#include "xattr_absent.h"
#include "xattr_absent.skel.h"

/* The two ways to run the program, tried in this order. */
enum mode { MODE_LSM, MODE_FMOD, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = { "lsm", "fmod_ret" };

struct lf_xbpf {
	atomic_int refs;		/* owner + helper thread */
	pthread_mutex_t lock;		/* skel and stopped */
	struct xattr_absent *skel;
	bool stopped;
	bool debug;			/* the session's -d */
	bool loud;			/* log the outcome without -d too */
	char *mnt;
	char **names;			/* copies: fp may go before the thread */
	size_t nnames;
	const char *probe;		/* one of names */
	atomic_int probe_tid;		/* thread id of a probe in flight */
	atomic_bool probe_seen;		/* ... and it reached the library */
};

static void xb_put(struct lf_xbpf *xb)
{
	size_t i;

	if (atomic_fetch_sub(&xb->refs, 1) != 1)
		return;
	if (xb->skel)
		xattr_absent__destroy(xb->skel);
	for (i = 0; i < xb->nnames; i++)
		free(xb->names[i]);
	free(xb->names);
	free(xb->mnt);
	pthread_mutex_destroy(&xb->lock);
	free(xb);
}

/* The one outcome line: debug level unless the policy asked for BPF. */
static void outcome(const struct lf_xbpf *xb, const char *state,
		    const char *why)
{
	if (xb->loud)
		fuse_log(FUSE_LOG_WARNING, "fastpath: xattr_bpf=%s:%s\n",
			 state, why);
	else if (xb->debug)
		fuse_log(FUSE_LOG_DEBUG, "fastpath: xattr_bpf=%s:%s\n",
			 state, why);
}

/* The kernel's dev_t of the mount, without a request to the daemon
 * (DONT_SYNC: the inode's cached attributes do; INIT may still be ahead). */
static int mount_dev(const char *mnt, uint32_t *ret_dev)
{
	struct statx stx;

	if (statx(AT_FDCWD, mnt, AT_STATX_DONT_SYNC, 0, &stx) < 0)
		return -errno;
	*ret_dev = (stx.stx_dev_major << 20) | (stx.stx_dev_minor & 0xfffff);
	return 0;
}

static int fill_maps(struct lf_xbpf *xb, uint32_t dev)
{
	struct xabs_key key;
	uint8_t one = 1;
	size_t i;
	int err;

	for (i = 0; i < xb->nnames; i++) {
		memset(&key, 0, sizeof(key));
		key.dev = dev;
		strncpy(key.name, xb->names[i], sizeof(key.name) - 1);
		err = skel_map_update_elem(xb->skel->maps.names.map_fd, &key,
					   &one, BPF_ANY);
		if (err < 0)
			return -errno;
	}
	/* the mount last: no lookup of a half-filled name set */
	if (skel_map_update_elem(xb->skel->maps.mounts.map_fd, &dev, &one,
				 BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Reason for a failed load: the errno alone cannot tell root from not. */
static const char *load_reason(int err)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return "no_btf";
	if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
		return "not_root";
	if (err == -EPERM || err == -EACCES)
		return "trampoline_refused";
	return "load_failed";
}

static int load(struct lf_xbpf *xb, const char **ret_why)
{
	uint32_t dev = 0;
	int err;

	err = mount_dev(xb->mnt, &dev);
	if (err) {
		*ret_why = "no_mountpoint";
		return err;
	}
	pthread_mutex_lock(&xb->lock);
	if (xb->stopped) {
		err = -ESHUTDOWN;
		*ret_why = "unmounted";
	} else {
		xb->skel = xattr_absent__open();
		err = xb->skel ? xattr_absent__load(xb->skel) : -ENOMEM;
		if (err)	/* the loader returns -errno */
			err = err < 0 ? err : -EINVAL;
		*ret_why = err ? load_reason(err) : NULL;
		if (!err) {
			err = fill_maps(xb, dev);
			if (err)
				*ret_why = "map_update_failed";
		}
	}
	pthread_mutex_unlock(&xb->lock);
	return err;
}

static int attach(struct lf_xbpf *xb, enum mode m)
{
	int fd = -ESHUTDOWN;

	pthread_mutex_lock(&xb->lock);
	if (!xb->stopped)
		fd = m == MODE_LSM ? xattr_absent__xabs_lsm__attach(xb->skel) :
			xattr_absent__xabs_fmod__attach(xb->skel);
	if (fd < 0 && fd != -ESHUTDOWN)
		fd = errno ? -errno : -EINVAL;
	pthread_mutex_unlock(&xb->lock);
	return fd < 0 ? fd : 0;
}

static void detach(struct lf_xbpf *xb, enum mode m)
{
	int *fd;

	pthread_mutex_lock(&xb->lock);
	if (xb->skel) {
		fd = m == MODE_LSM ? &xb->skel->links.xabs_lsm_fd :
			&xb->skel->links.xabs_fmod_fd;
		if (*fd > 0)
			close(*fd);
		*fd = 0;
	}
	pthread_mutex_unlock(&xb->lock);
}

static uint64_t answered(struct lf_xbpf *xb)
{
	uint64_t n = 0;

	pthread_mutex_lock(&xb->lock);
	if (xb->skel && xb->skel->bss)
		n = __atomic_load_n(&xb->skel->bss->answered, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&xb->lock);
	return n;
}

/*
 * The self-test: an attached program may never run (the BPF LSM not in
 * the active list, a hook the kernel does not call for this name). One
 * getxattr proves it: the program counted an answer and the library did
 * not see the probe. Without BPF the probe waits for the daemon's loop,
 * which answers it (ENODATA) like any absent name: no deadlock.
 */
static bool probe_ok(struct lf_xbpf *xb)
{
	uint64_t before = answered(xb);
	char c;

	atomic_store(&xb->probe_seen, false);
	atomic_store(&xb->probe_tid, (int)syscall(SYS_gettid));
	(void)getxattr(xb->mnt, xb->probe, &c, 0);
	atomic_store(&xb->probe_tid, 0);
	return !atomic_load(&xb->probe_seen) && answered(xb) > before;
}

static void *run(void *arg)
{
	struct lf_xbpf *xb = arg;
	const char *why = "lsm_inactive";
	int err, m;

	err = load(xb, &why);
	for (m = 0; !err && m < MODE_COUNT; m++) {
		err = attach(xb, (enum mode)m);
		if (err == -ESHUTDOWN)
			break;
		if (err) {
			why = err == -EPERM || err == -EACCES ?
			      "trampoline_refused" : "attach_failed";
			err = 0;
			continue;
		}
		if (probe_ok(xb)) {
			outcome(xb, "on", mode_names[m]);
			xb_put(xb);
			return NULL;
		}
		detach(xb, (enum mode)m);
		why = "lsm_inactive";
	}
	pthread_mutex_lock(&xb->lock);
	if (!xb->stopped)
		outcome(xb, "off", why);
	if (xb->skel)
		xattr_absent__destroy(xb->skel);
	xb->skel = NULL;
	pthread_mutex_unlock(&xb->lock);
	xb_put(xb);
	return NULL;
}

/* A name the getxattr hook sees on every kernel: since 6.2 POSIX ACLs
 * (system.posix_acl_*) take the get_acl path instead. */
static const char *pick_probe(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(names[i], "system.", 7) != 0)
			return names[i];
	return names[0];
}

static struct lf_xbpf *xb_new(const struct lf_fastpath *fp, const char *mnt)
{
	struct lf_xbpf *xb = calloc(1, sizeof(*xb));
	size_t i;

	if (!xb)
		return NULL;
	atomic_init(&xb->refs, 1);
	pthread_mutex_init(&xb->lock, NULL);
	xb->mnt = strdup(mnt);
	xb->names = calloc(fp->nabsent, sizeof(*xb->names));
	if (!xb->mnt || !xb->names) {
		xb_put(xb);
		return NULL;
	}
	for (i = 0; i < fp->nabsent; i++) {
		xb->names[i] = strdup(fp->absent[i]);
		if (!xb->names[i]) {
			xb_put(xb);
			return NULL;
		}
		xb->nnames++;
	}
	xb->probe = pick_probe(xb->names, xb->nnames);
	return xb;
}

int lf_xbpf_start(struct fuse_session *se)
{
	struct lf_fastpath *fp = se->fastpath;
	struct lf_xbpf *xb;
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t thr;
	int err;

	if (!fp->nabsent || fp->xattr_bpf == FASTFUSE_OFF || fp->bpf)
		return 0;
	if (!se->mountpoint)	/* mounted by someone else (/dev/fd/N) */
		return -ENOENT;
	xb = xb_new(fp, se->mountpoint);
	if (!xb)
		return -ENOMEM;
	xb->debug = se->debug;
	xb->loud = fp->xattr_bpf == FASTFUSE_ON;
	atomic_store(&xb->refs, 2);
	/* detached: the owner never waits for a probe the daemon answers;
	 * no signals: they belong to the daemon's threads (and would turn
	 * the probe into an INTERRUPT) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = -pthread_create(&thr, &attr, run, xb);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		atomic_store(&xb->refs, 1);
		xb_put(xb);
		return err;
	}
	fp->bpf = xb;
	return 0;
}

void lf_xbpf_detach(struct lf_fastpath *fp)
{
	struct lf_xbpf *xb = fp ? fp->bpf : NULL;

	if (!xb)
		return;
	pthread_mutex_lock(&xb->lock);
	xb->stopped = true;
	/* closing the links detaches; the maps go with the last program */
	if (xb->skel)
		xattr_absent__destroy(xb->skel);
	xb->skel = NULL;
	pthread_mutex_unlock(&xb->lock);
}

void lf_xbpf_stop(struct lf_fastpath *fp)
{
	struct lf_xbpf *xb = fp ? fp->bpf : NULL;

	if (!xb)
		return;
	lf_xbpf_detach(fp);
	fp->bpf = NULL;
	xb_put(xb);
}

void lf_xbpf_saw(const struct lf_fastpath *fp, fuse_req_t req)
{
	struct lf_xbpf *xb = fp->bpf;
	int tid;

	if (!xb)
		return;
	tid = atomic_load(&xb->probe_tid);
	if (tid && (pid_t)tid == req->ctx.pid)
		atomic_store(&xb->probe_seen, true);
}

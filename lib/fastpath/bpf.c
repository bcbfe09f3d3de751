// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The loader of kernel/xattr_absent.bpf.c (the only lib file including
 * generated skeletons, light ones: no libbpf at run time). At INIT a
 * helper thread loads it (with the get_acl hooks where the kernel has
 * them), scopes it to this mount's s_dev and names, and proves by probe
 * getxattrs that the kernel answers without a request.
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
#include "xattr_absent_getxattr.skel.h"

/* The two ways to run the programs, tried in this order. */
enum mode { MODE_LSM, MODE_FMOD, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = { "lsm", "fmod_ret" };

/* A mode's programs: [mode] for getxattr, [MODE_COUNT + mode] for ACLs. */
enum { PROG_COUNT = 2 * MODE_COUNT };

/*
 * Whichever light skeleton loaded: the full one (getxattr and get_acl
 * hooks) or, on kernels without inode_get_acl, the getxattr-only one. Two
 * generated types with the same maps; the loader keeps what it uses here.
 */
struct xb_obj {
	void *skel;
	void (*destroy)(void *skel);
	int mounts_fd;
	int names_fd;
	__u64 *answered;		/* the programs' counter (bss) */
	int prog_fd[PROG_COUNT];	/* 0: not in this skeleton */
	int link_fd[PROG_COUNT];	/* ours; 0: not attached */
};

struct lf_xbpf {
	atomic_int refs;		/* owner + helper thread */
	pthread_mutex_t lock;		/* obj and stopped */
	struct xb_obj obj;
	bool stopped;
	bool debug;			/* the session's -d */
	bool loud;			/* log the outcome without -d too */
	char *mnt;
	char **names;			/* copies: fp may go before the thread */
	size_t nnames;
	const char *probe;		/* a declared non-ACL name, or NULL */
	const char *probe_acl;		/* a declared POSIX ACL name, or NULL */
	atomic_int probe_tid;		/* thread id of a probe in flight */
	atomic_bool probe_seen;		/* ... and it reached the library */
};

static void obj_destroy(struct xb_obj *o)
{
	int i;

	for (i = 0; i < PROG_COUNT; i++)
		if (o->link_fd[i] > 0)
			close(o->link_fd[i]);
	if (o->skel)
		o->destroy(o->skel);
	memset(o, 0, sizeof(*o));
}

static void destroy_full(void *skel)
{
	xattr_absent__destroy(skel);
}

static void destroy_getxattr(void *skel)
{
	xattr_absent_getxattr__destroy(skel);
}

static int load_full(struct xb_obj *o)
{
	struct xattr_absent *s = xattr_absent__open();
	int err;

	if (!s)
		return -ENOMEM;
	err = xattr_absent__load(s);
	if (err) {	/* the loader returns -errno */
		xattr_absent__destroy(s);
		return err < 0 ? err : -EINVAL;
	}
	o->skel = s;
	o->destroy = destroy_full;
	o->mounts_fd = s->maps.mounts.map_fd;
	o->names_fd = s->maps.names.map_fd;
	o->answered = &s->bss->answered;
	o->prog_fd[MODE_LSM] = s->progs.xabs_lsm.prog_fd;
	o->prog_fd[MODE_FMOD] = s->progs.xabs_fmod.prog_fd;
	o->prog_fd[MODE_COUNT + MODE_LSM] = s->progs.xabs_acl_lsm.prog_fd;
	o->prog_fd[MODE_COUNT + MODE_FMOD] = s->progs.xabs_acl_fmod.prog_fd;
	return 0;
}

static int load_getxattr(struct xb_obj *o)
{
	struct xattr_absent_getxattr *s = xattr_absent_getxattr__open();
	int err;

	if (!s)
		return -ENOMEM;
	err = xattr_absent_getxattr__load(s);
	if (err) {
		xattr_absent_getxattr__destroy(s);
		return err < 0 ? err : -EINVAL;
	}
	o->skel = s;
	o->destroy = destroy_getxattr;
	o->mounts_fd = s->maps.mounts.map_fd;
	o->names_fd = s->maps.names.map_fd;
	o->answered = &s->bss->answered;
	o->prog_fd[MODE_LSM] = s->progs.xabs_lsm.prog_fd;
	o->prog_fd[MODE_FMOD] = s->progs.xabs_fmod.prog_fd;
	return 0;
}

/* The get_acl hook is probed by loading: a kernel without it (before
 * 6.2, where getxattr's hook sees ACL names too) refuses the whole full
 * skeleton, so the getxattr-only one is tried next. */
static int obj_load(struct xb_obj *o)
{
	int err = load_full(o);

	return err ? load_getxattr(o) : 0;
}

static void xb_put(struct lf_xbpf *xb)
{
	size_t i;

	if (atomic_fetch_sub(&xb->refs, 1) != 1)
		return;
	obj_destroy(&xb->obj);
	for (i = 0; i < xb->nnames; i++)
		free(xb->names[i]);
	free(xb->names);
	free(xb->mnt);
	pthread_mutex_destroy(&xb->lock);
	free(xb);
}

/* The one outcome line: debug level unless the policy asked for BPF.
 * note: "" or " acl=..." (how POSIX ACL names fare, see run()). */
static void outcome(const struct lf_xbpf *xb, const char *state,
		    const char *why, const char *note)
{
	if (xb->loud)
		fuse_log(FUSE_LOG_WARNING, "fastpath: xattr_bpf=%s:%s%s\n",
			 state, why, note);
	else if (xb->debug)
		fuse_log(FUSE_LOG_DEBUG, "fastpath: xattr_bpf=%s:%s%s\n",
			 state, why, note);
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
		err = skel_map_update_elem(xb->obj.names_fd, &key, &one,
					   BPF_ANY);
		if (err < 0)
			return -errno;
	}
	/* the mount last: no lookup of a half-filled name set */
	if (skel_map_update_elem(xb->obj.mounts_fd, &dev, &one, BPF_ANY) < 0)
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
		err = obj_load(&xb->obj);
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

/* Attaches the mode's programs that this skeleton has; 0 or -errno. */
static int attach(struct lf_xbpf *xb, enum mode m)
{
	struct xb_obj *o = &xb->obj;
	int err = 0, i, fd;

	pthread_mutex_lock(&xb->lock);
	for (i = m; i < PROG_COUNT && !err; i += MODE_COUNT) {
		if (xb->stopped) {
			err = -ESHUTDOWN;
		} else if (o->prog_fd[i] > 0) {
			fd = skel_raw_tracepoint_open(NULL, o->prog_fd[i]);
			if (fd < 0)
				err = errno ? -errno : -EINVAL;
			else
				o->link_fd[i] = fd;
		}
	}
	pthread_mutex_unlock(&xb->lock);
	return err;
}

static void detach(struct lf_xbpf *xb, enum mode m)
{
	struct xb_obj *o = &xb->obj;
	int i;

	pthread_mutex_lock(&xb->lock);
	for (i = m; i < PROG_COUNT; i += MODE_COUNT) {
		if (o->link_fd[i] > 0)
			close(o->link_fd[i]);
		o->link_fd[i] = 0;
	}
	pthread_mutex_unlock(&xb->lock);
}

static uint64_t answered(struct lf_xbpf *xb)
{
	uint64_t n = 0;

	pthread_mutex_lock(&xb->lock);
	if (xb->obj.answered)
		n = __atomic_load_n(xb->obj.answered, __ATOMIC_RELAXED);
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
static bool probe_ok(struct lf_xbpf *xb, const char *name)
{
	uint64_t before = answered(xb);
	char c;

	atomic_store(&xb->probe_seen, false);
	atomic_store(&xb->probe_tid, (int)syscall(SYS_gettid));
	(void)getxattr(xb->mnt, name, &c, 0);
	atomic_store(&xb->probe_tid, 0);
	return !atomic_load(&xb->probe_seen) && answered(xb) > before;
}

/* What a mode answers in the kernel, probing one name of each kind the
 * policy declares (each kind has its own hook since 6.2). */
enum verdict { V_NONE, V_NOT_ACL, V_ALL };

static enum verdict self_test(struct lf_xbpf *xb)
{
	if (xb->probe && !probe_ok(xb, xb->probe))
		return V_NONE;
	if (!xb->probe_acl || probe_ok(xb, xb->probe_acl))
		return V_ALL;
	return xb->probe ? V_NOT_ACL : V_NONE;
}

/* The outcome line's note on POSIX ACL names: nothing when the get_acl
 * programs answer them (or none are declared on a kernel that has them). */
static const char *acl_note(const struct lf_xbpf *xb, enum verdict v)
{
	if (v == V_NOT_ACL)
		return " acl=library";
	if (!xb->obj.prog_fd[MODE_COUNT + MODE_LSM])
		return " acl=getxattr_hook";
	return "";
}

static void *run(void *arg)
{
	struct lf_xbpf *xb = arg;
	const char *why = "lsm_inactive";
	enum verdict v;
	int err, m;

	err = load(xb, &why);
	for (m = 0; !err && m < MODE_COUNT; m++) {
		err = attach(xb, (enum mode)m);
		if (err == -ESHUTDOWN)
			break;
		if (err) {
			why = err == -EPERM || err == -EACCES ?
			      "trampoline_refused" : "attach_failed";
			detach(xb, (enum mode)m);
			err = 0;
			continue;
		}
		v = self_test(xb);
		if (v != V_NONE) {
			outcome(xb, "on", mode_names[m], acl_note(xb, v));
			xb_put(xb);
			return NULL;
		}
		detach(xb, (enum mode)m);
		why = "lsm_inactive";
	}
	pthread_mutex_lock(&xb->lock);
	if (!xb->stopped)
		outcome(xb, "off", why, "");
	obj_destroy(&xb->obj);
	pthread_mutex_unlock(&xb->lock);
	xb_put(xb);
	return NULL;
}

static bool is_acl_name(const char *name)
{
	return !strcmp(name, "system.posix_acl_access") ||
	       !strcmp(name, "system.posix_acl_default");
}

/* The probes: a non-ACL name (preferably outside "system.", which some
 * kernels divert) for the getxattr hook, an ACL name for get_acl's. */
static void pick_probes(struct lf_xbpf *xb)
{
	const char *n;
	size_t i;

	for (i = 0; i < xb->nnames; i++) {
		n = xb->names[i];
		if (is_acl_name(n)) {
			if (!xb->probe_acl)
				xb->probe_acl = n;
		} else if (!xb->probe || (!strncmp(xb->probe, "system.", 7) &&
					  strncmp(n, "system.", 7))) {
			xb->probe = n;
		}
	}
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
	pick_probes(xb);
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
	obj_destroy(&xb->obj);
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

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mount ladder: libfuse's mount-option vocabulary, "/dev/fd/N", a
 * direct mount(2), fusermount3 over a _FUSE_COMMFD socket (fd received
 * with SCM_RIGHTS), and unmounting. mtab is not maintained: /etc/mtab is a
 * link to /proc/self/mounts on current systems, and fusermount3 keeps a
 * regular file up to date itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuse_opt.h"
#include "log.h"
#include "mount.h"

/* Where the distribution installs the setuid helper; tried before $PATH. */
#ifndef LF_FUSERMOUNT_DIR
#define LF_FUSERMOUNT_DIR "/usr/bin"
#endif
#define HELPER_NAME "fusermount3"
#define COMMFD_ENV "_FUSE_COMMFD"
#define FORCE_HELPER_ENV "LF_MOUNT_FORCE_FUSERMOUNT"
#define FUSE_DEV "/dev/fuse"

#ifndef MS_DIRSYNC
#define MS_DIRSYNC 128
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

extern char **environ;

enum mounted_by {
	BY_NONE,
	BY_FD,		/* "/dev/fd/N": someone else mounted it */
	BY_KERNEL,	/* our own mount(2) */
	BY_HELPER,	/* fusermount3 */
};

struct lf_mount_opts {
	/* written by fuse_opt_parse() through the table's offsets */
	int allow_other;
	int auto_unmount;
	int blkdev;
	unsigned max_read;
	char *fsname;
	char *subtype;

	unsigned long flags;	/* MS_* for mount(2) */
	char *kernel_opts;	/* for the kernel's data string */
	char *helper_opts;	/* understood by fusermount3 only */
	char *subtype_opt;	/* "subtype=x", offered to fusermount3 first */
	char *mtab_opts;	/* mtab bookkeeping only, never the kernel */
	bool nomem;

	/* the mount made with these options */
	enum mounted_by by;
	int commfd;		/* auto_unmount: our end of the helper socket */
	pid_t helper_pid;
};

/*
 * Generic flags. Options that set a flag are also the ones spelled out
 * to fusermount3. The .so.4 build takes the additions of libfuse 3.15-3.17.
 */
struct mount_flag {
	const char *name;
	unsigned long flag;
	bool set;		/* the option sets 'flag' (else clears it) */
};

#define FLAGS_COMMON(X)				\
	X("rw", MS_RDONLY, false)		\
	X("ro", MS_RDONLY, true)		\
	X("suid", MS_NOSUID, false)		\
	X("nosuid", MS_NOSUID, true)		\
	X("dev", MS_NODEV, false)		\
	X("nodev", MS_NODEV, true)		\
	X("exec", MS_NOEXEC, false)		\
	X("noexec", MS_NOEXEC, true)		\
	X("async", MS_SYNCHRONOUS, false)	\
	X("sync", MS_SYNCHRONOUS, true)		\
	X("atime", MS_NOATIME, false)		\
	X("noatime", MS_NOATIME, true)

#ifdef FASTFUSE_ABI_314
#define FLAGS_LATER(X)
#else
#define FLAGS_LATER(X)				\
	X("nodiratime", MS_NODIRATIME, true)	\
	X("nostrictatime", MS_STRICTATIME, false) \
	X("symfollow", MS_NOSYMFOLLOW, false)	\
	X("nosymfollow", MS_NOSYMFOLLOW, true)
#endif

#define FLAGS_TAIL(X) X("dirsync", MS_DIRSYNC, true)

#define FLAG_ENTRY(n, f, s) { n, f, s },
static const struct mount_flag mount_flags[] = {
	FLAGS_COMMON(FLAG_ENTRY) FLAGS_LATER(FLAG_ENTRY) FLAGS_TAIL(FLAG_ENTRY)
};

enum {
	KEY_FLAG,	/* one of mount_flags */
	KEY_RO,		/* bare "-r" */
	KEY_KERNEL,
	KEY_HELPER,
	KEY_SUBTYPE,
	KEY_MTAB,
};

#define SLOT(templ, field) { templ, offsetof(struct lf_mount_opts, field), 1 }
#define FLAG_KEY(n, f, s) FUSE_OPT_KEY(n, KEY_FLAG),

/* Every entry matching an option acts, so an option may both fill a slot
 * and be collected into one of the lists. */
static const struct fuse_opt mount_opt_table[] = {
	SLOT("allow_other", allow_other),
	SLOT("auto_unmount", auto_unmount),
	SLOT("blkdev", blkdev),
	SLOT("fsname=%s", fsname),
	SLOT("subtype=%s", subtype),
	SLOT("max_read=%u", max_read),
	FUSE_OPT_KEY("allow_other", KEY_KERNEL),
	FUSE_OPT_KEY("default_permissions", KEY_KERNEL),
	FUSE_OPT_KEY("max_read=", KEY_KERNEL),
	FUSE_OPT_KEY("blksize=", KEY_KERNEL),
	FUSE_OPT_KEY("context=", KEY_KERNEL),
	FUSE_OPT_KEY("fscontext=", KEY_KERNEL),
	FUSE_OPT_KEY("defcontext=", KEY_KERNEL),
	FUSE_OPT_KEY("rootcontext=", KEY_KERNEL),
	FUSE_OPT_KEY("auto_unmount", KEY_HELPER),
	FUSE_OPT_KEY("blkdev", KEY_HELPER),
	FUSE_OPT_KEY("fsname=", KEY_HELPER),
	FUSE_OPT_KEY("subtype=", KEY_SUBTYPE),
	FUSE_OPT_KEY("user=", KEY_MTAB),
	FUSE_OPT_KEY("-n", KEY_MTAB),
	FUSE_OPT_KEY("-r", KEY_RO),
	FLAGS_COMMON(FLAG_KEY) FLAGS_LATER(FLAG_KEY) FLAGS_TAIL(FLAG_KEY)
	FUSE_OPT_END
};

static const char *helper_override;

/* ---- option parsing ---- */

static int set_flag(struct lf_mount_opts *mo, const char *name)
{
	for (size_t i = 0; i < sizeof(mount_flags) / sizeof(mount_flags[0]); i++) {
		const struct mount_flag *f = &mount_flags[i];

		if (strcmp(f->name, name) != 0)
			continue;
		if (f->set)
			mo->flags |= f->flag;
		else
			mo->flags &= ~f->flag;
		return 0;
	}
	/* Only reachable if the two tables disagree. */
	lf_log(FUSE_LOG_ERR, "fuse: internal error, can't find mount flag\n");
	return -1;
}

static int collect(struct lf_mount_opts *mo, char **list, const char *opt,
		   bool escape)
{
	int res = escape ? fuse_opt_add_opt_escaped(list, opt) :
			   fuse_opt_add_opt(list, opt);

	if (res == -1)
		mo->nomem = true;
	return res;
}

/* fuse_opt callback: 0 drops the option from args, 1 keeps it. */
static int take_opt(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct lf_mount_opts *mo = data;

	(void)outargs;
	switch (key) {
	case KEY_RO:
		arg = "ro";
		/* fall through */
	case KEY_FLAG:
		return set_flag(mo, arg);
	case KEY_KERNEL:
		return collect(mo, &mo->kernel_opts, arg, false);
	case KEY_HELPER:
		/* fsname may contain commas; keep it one entry for the helper */
		return collect(mo, &mo->helper_opts, arg, true);
	case KEY_SUBTYPE:
		return collect(mo, &mo->subtype_opt, arg, false);
	case KEY_MTAB:
		return collect(mo, &mo->mtab_opts, arg, false);
#ifndef FASTFUSE_ABI_314
	case FUSE_OPT_KEY_OPT:
		/* libfuse 3.17 records third-party "x-*" options in mtab. */
		if (strncmp(arg, "x-", 2) == 0)
			return collect(mo, &mo->mtab_opts, arg, false);
		return 1;
#endif
	}
	return 1;
}

int lf_mount_opts_parse(struct fuse_args *args, struct lf_mount_opts **ret_mo)
{
	struct lf_mount_opts *mo = calloc(1, sizeof(*mo));
	int res;

	if (!mo) {
		lf_log(FUSE_LOG_ERR, "fuse: failed to allocate memory\n");
		return -ENOMEM;
	}
	mo->flags = MS_NOSUID | MS_NODEV;
	mo->commfd = -1;

	if (args && fuse_opt_parse(args, mo, mount_opt_table, take_opt) == -1) {
		res = mo->nomem ? -ENOMEM : -EINVAL;
		lf_mount_opts_free(mo);
		return res;
	}
	*ret_mo = mo;
	return 0;
}

/*
 * An auto_unmount helper socket is deliberately left open: as with
 * libfuse, the mount then lives until the process exits.
 */
void lf_mount_opts_free(struct lf_mount_opts *mo)
{
	if (!mo)
		return;
	free(mo->fsname);
	free(mo->subtype);
	free(mo->kernel_opts);
	free(mo->helper_opts);
	free(mo->subtype_opt);
	free(mo->mtab_opts);
	free(mo);
}

bool lf_mount_opts_allow_other(const struct lf_mount_opts *mo)
{
	return mo && mo->allow_other;
}

bool lf_mount_opts_auto_unmount(const struct lf_mount_opts *mo)
{
	return mo && mo->auto_unmount;
}

bool lf_mount_opts_blkdev(const struct lf_mount_opts *mo)
{
	return mo && mo->blkdev;
}

unsigned lf_mount_opts_max_read(const struct lf_mount_opts *mo)
{
	return mo ? mo->max_read : 0;
}

const char *lf_mount_opts_fsname(const struct lf_mount_opts *mo)
{
	return mo ? mo->fsname : NULL;
}

const char *lf_mount_opts_subtype(const struct lf_mount_opts *mo)
{
	return mo ? mo->subtype : NULL;
}

unsigned long lf_mount_opts_flags(const struct lf_mount_opts *mo)
{
	return mo ? mo->flags : 0;
}

const char *lf_mount_opts_kernel(const struct lf_mount_opts *mo)
{
	return mo ? mo->kernel_opts : NULL;
}

const char *lf_mount_opts_fusermount(const struct lf_mount_opts *mo)
{
	return mo ? mo->helper_opts : NULL;
}

const char *lf_mount_opts_mtab(const struct lf_mount_opts *mo)
{
	return mo ? mo->mtab_opts : NULL;
}

const char *lf_mount_opts_subtype_opt(const struct lf_mount_opts *mo)
{
	return mo ? mo->subtype_opt : NULL;
}

/* ---- strings handed to the kernel and the helper ---- */

static int append_list(char **s, const char *list)
{
	return (list && fuse_opt_add_opt(s, list) == -1) ? -ENOMEM : 0;
}

/*
 * Same order as libfuse: flags ("rw" unless read-only, then every flag
 * that is set), kernel options, mtab options, helper-only options and
 * finally the subtype entry.
 */
int lf_mount_helper_opts(const struct lf_mount_opts *mo, bool with_subtype,
			 char **ret)
{
	char *s = NULL;
	int res = 0;

	if (!(mo->flags & MS_RDONLY))
		res = append_list(&s, "rw");
	for (size_t i = 0; !res && i < sizeof(mount_flags) / sizeof(mount_flags[0]); i++) {
		const struct mount_flag *f = &mount_flags[i];

		if (f->set && (mo->flags & f->flag))
			res = append_list(&s, f->name);
	}
	if (!res)
		res = append_list(&s, mo->kernel_opts);
	if (!res)
		res = append_list(&s, mo->mtab_opts);
	if (!res)
		res = append_list(&s, mo->helper_opts);
	if (!res && with_subtype)
		res = append_list(&s, mo->subtype_opt);
	if (res) {
		free(s);
		return res;
	}
	*ret = s;
	return 0;
}

int lf_mount_fstype(const struct lf_mount_opts *mo, char **ret_type,
		    char **ret_source)
{
	const char *base = mo->blkdev ? "fuseblk" : "fuse";
	const char *src = mo->fsname ? mo->fsname :
			  mo->subtype ? mo->subtype : FUSE_DEV;
	char *type, *source;

	if (mo->subtype) {
		if (asprintf(&type, "%s.%s", base, mo->subtype) < 0)
			return -ENOMEM;
	} else {
		type = strdup(base);
		if (!type)
			return -ENOMEM;
	}
	source = strdup(src);
	if (!source) {
		free(type);
		return -ENOMEM;
	}
	*ret_type = type;
	*ret_source = source;
	return 0;
}

int lf_mount_parse_fd(const char *mountpoint)
{
	static const char prefix[] = "/dev/fd/";
	const char *s;
	long v = 0;

	if (!mountpoint || strncmp(mountpoint, prefix, sizeof(prefix) - 1))
		return -1;
	s = mountpoint + sizeof(prefix) - 1;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -1;
	}
	return (int)v;
}

void lf_mount_set_fusermount(const char *path)
{
	helper_override = path;
}

/* ---- direct mount(2) ---- */

static bool fuseblk_supported(void)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[256];
	bool found = false;

	/* Unknown: do not claim it is missing. */
	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "fuseblk\n") != NULL;
	fclose(f);
	return found;
}

/*
 * mount(2), and once more without the subtype for kernels that predate
 * "fuse.<subtype>" (they answer ENODEV); the subtype then survives in the
 * source as "subtype#fsname", the old convention. Returns 0 or -errno.
 */
static int mount_syscall(const char *mnt, const struct lf_mount_opts *mo,
			 const char *data)
{
	const char *base = mo->blkdev ? "fuseblk" : "fuse";
	char *type, *source, *old_src = NULL;
	int res;

	res = lf_mount_fstype(mo, &type, &source);
	if (res < 0)
		return res;
	res = mount(source, mnt, type, mo->flags, data) ? -errno : 0;
	if (res == -ENODEV && mo->subtype) {
		if (mo->fsname && !mo->blkdev)
			res = asprintf(&old_src, "%s#%s", mo->subtype, mo->fsname);
		else
			res = asprintf(&old_src, "%s", mo->fsname ? mo->fsname : base);
		if (res < 0) {
			res = -ENOMEM;
			goto out;
		}
		res = mount(old_src, mnt, base, mo->flags, data) ? -errno : 0;
	}
out:
	free(old_src);
	free(type);
	free(source);
	return res;
}

/*
 * Open /dev/fuse and mount it. Returns the fd, -EPERM without a word (the
 * caller moves on to fusermount3), or another -errno after logging why.
 * A device we may not open is final: fusermount3 opens it with the
 * caller's fsuid too.
 */
static int mount_direct(const char *mnt, const struct lf_mount_opts *mo,
			mode_t mode)
{
	const char *kopts = mo->kernel_opts;
	char *data;
	int fd, res;

	fd = open(FUSE_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		res = -errno;
		if (res == -ENODEV || res == -ENOENT)
			lf_log(FUSE_LOG_ERR, "fuse: device not found, try 'modprobe fuse' first\n");
		else
			lf_log(FUSE_LOG_ERR, "fuse: failed to open %s: %s\n",
			       FUSE_DEV, strerror(-res));
		return res;
	}
	if (asprintf(&data, "%s%sfd=%i,rootmode=%o,user_id=%u,group_id=%u",
		     kopts ? kopts : "", kopts ? "," : "", fd,
		     (unsigned)(mode & S_IFMT), (unsigned)getuid(),
		     (unsigned)getgid()) < 0) {
		res = -ENOMEM;
		goto fail;
	}
	res = mount_syscall(mnt, mo, data);
	free(data);
	if (res == 0)
		return fd;
fail:
	close(fd);
	if (res == -EPERM)
		return res;
	if (res == -ENOMEM)
		lf_log(FUSE_LOG_ERR, "fuse: failed to allocate memory\n");
	else if (res == -ENODEV && mo->blkdev && !fuseblk_supported())
		lf_log(FUSE_LOG_ERR, "fuse: 'fuseblk' support missing\n");
	else
		lf_log(FUSE_LOG_ERR, "fuse: mount failed: %s\n", strerror(-res));
	return res;
}

/* ---- running fusermount3 ---- */

struct helper_run {
	pid_t pid;
	int sock;	/* our end of the _FUSE_COMMFD socket, or -1 */
};

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/*
 * Where to look, in libfuse's order: the install directory, then each
 * $PATH entry as execvp() would (an empty entry is the current
 * directory; no PATH means /bin:/usr/bin).
 */
static char **helper_paths(void)
{
	const char *path = getenv("PATH");
	size_t n = 2, i = 0;
	char **v;

	if (helper_override) {
		v = calloc(2, sizeof(*v));
		if (v && !(v[0] = strdup(helper_override))) {
			free(v);
			v = NULL;
		}
		return v;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path; *p; p++)
		n += *p == ':';
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	if (asprintf(&v[i++], "%s/%s", LF_FUSERMOUNT_DIR, HELPER_NAME) < 0)
		goto nomem;
	for (const char *p = path;; p++) {
		size_t len = strcspn(p, ":");

		if (asprintf(&v[i++], "%.*s%s%s", (int)len, p, len ? "/" : "",
			     HELPER_NAME) < 0)
			goto nomem;
		p += len;
		if (!*p)
			break;
	}
	return v;
nomem:
	v[i - 1] = NULL;
	free_strv(v);
	return NULL;
}

/* The environment with any stale _FUSE_COMMFD replaced by ours. */
static char **helper_env(int commfd, char **ret_own)
{
	size_t n = 0, j = 0;
	char **env;

	*ret_own = NULL;
	for (char **e = environ; e && *e; e++)
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	if (commfd >= 0) {
		if (asprintf(ret_own, COMMFD_ENV "=%d", commfd) < 0) {
			*ret_own = NULL;
			free(env);
			return NULL;
		}
		env[j++] = *ret_own;
	}
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, COMMFD_ENV "=", sizeof(COMMFD_ENV)) != 0)
			env[j++] = *e;
	return env;
}

/*
 * Child side, between fork() and exec: async-signal-safe calls only. An
 * exec failure travels back as an errno on the CLOEXEC pipe 'errfd'.
 */
static void __attribute__((noreturn))
helper_child(const char *const argv[], char **paths, char **envp,
	     int commfd, int devnull, int errfd)
{
	int err = ENOENT;

	if (devnull >= 0) {
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
	}
	/* the one fd the helper must inherit */
	if (commfd >= 0)
		fcntl(commfd, F_SETFD, 0);
	for (char **p = paths; *p; p++) {
		execve(*p, (char *const *)argv, envp);
		/* like execvp: a permission problem beats "not found" */
		if (errno == EACCES)
			err = EACCES;
		else if (err != EACCES && errno != ENOENT && errno != ENOTDIR)
			err = errno;
	}
	while (write(errfd, &err, sizeof(err)) < 0 && errno == EINTR)
		;
	_exit(127);
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Start fusermount3 with 'argv', optionally with a _FUSE_COMMFD socket.
 * Returns once the helper has been exec'd: 0 with *ret filled, or -errno.
 * 'quiet' runs are probes that get retried: they keep the helper's output
 * and our own error lines to themselves.
 */
static int spawn_helper(const char *const argv[], bool with_sock, bool quiet,
			struct helper_run *ret)
{
	int sv[2] = { -1, -1 }, ep[2] = { -1, -1 }, devnull = -1;
	char **paths = NULL, **envp = NULL, *own = NULL;
	ssize_t n;
	pid_t pid;
	int res, err;

	if (with_sock && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		res = -errno;
		if (!quiet)
			lf_log(FUSE_LOG_ERR, "fuse: socketpair() failed: %s\n",
			       strerror(-res));
		return res;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		res = -errno;
		if (!quiet)
			lf_log(FUSE_LOG_ERR, "fuse: pipe() failed: %s\n",
			       strerror(-res));
		goto out;
	}
	if (quiet)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	paths = helper_paths();
	envp = helper_env(sv[0], &own);
	if (!paths || !envp) {
		res = -ENOMEM;
		if (!quiet)
			lf_log(FUSE_LOG_ERR, "fuse: failed to allocate memory\n");
		goto out;
	}

	pid = fork();
	if (pid == 0)
		helper_child(argv, paths, envp, sv[0], devnull, ep[1]);
	if (pid < 0) {
		res = -errno;
		if (!quiet)
			lf_log(FUSE_LOG_ERR, "fuse: fork() failed: %s\n",
			       strerror(-res));
		goto out;
	}

	close(ep[1]);
	ep[1] = -1;
	do {
		n = read(ep[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	if (n == sizeof(err)) {
		reap(pid);
		res = -err;
		if (!quiet)
			lf_log(FUSE_LOG_ERR, "fuse: failed to exec %s: %s\n",
			       HELPER_NAME, strerror(err));
		goto out;
	}
	ret->pid = pid;
	ret->sock = sv[1];
	sv[1] = -1;
	res = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (devnull >= 0)
		close(devnull);
	free_strv(paths);
	free(envp);
	free(own);
	return res;
}

/*
 * The fd fusermount3 sends, already O_CLOEXEC. EOF means the helper gave
 * up; it has said why on stderr, so that case is not logged again.
 */
static int receive_fd(int sock)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int res = -errno;

		lf_log(FUSE_LOG_ERR, "recvmsg: %s\n", strerror(-res));
		return res;
	}
	if (n == 0)
		return -EIO;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_len < CMSG_LEN(sizeof(int))) {
		lf_log(FUSE_LOG_ERR, "error retrieving control message header\n");
		return -EIO;
	}
	if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
		lf_log(FUSE_LOG_ERR, "got control message of unknown type %d\n",
		       cmsg->cmsg_type);
		return -EIO;
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

static int helper_mount_once(const char *mnt, struct lf_mount_opts *mo,
			     const char *opts, bool quiet)
{
	const char *argv[] = { HELPER_NAME, "-o", opts, "--", mnt, NULL };
	struct helper_run h;
	int fd;

	fd = spawn_helper(argv, true, quiet, &h);
	if (fd < 0)
		return fd;
	fd = receive_fd(h.sock);
	if (fd >= 0 && mo->auto_unmount) {
		/* the helper unmounts once every copy of this socket is closed */
		mo->commfd = h.sock;
		mo->helper_pid = h.pid;
		return fd;
	}
	close(h.sock);
	reap(h.pid);
	return fd;
}

/*
 * With a subtype, first try quietly with "subtype=", then without it, for
 * helpers too old to know the option (libfuse does the same).
 */
static int mount_helper(const char *mnt, struct lf_mount_opts *mo)
{
	char *opts;
	int fd;

	if (mo->subtype) {
		if (lf_mount_helper_opts(mo, true, &opts) < 0)
			goto nomem;
		fd = helper_mount_once(mnt, mo, opts, true);
		free(opts);
		if (fd >= 0)
			return fd;
	}
	if (lf_mount_helper_opts(mo, false, &opts) < 0)
		goto nomem;
	fd = helper_mount_once(mnt, mo, opts, false);
	free(opts);
	return fd;
nomem:
	lf_log(FUSE_LOG_ERR, "fuse: failed to allocate memory\n");
	return -ENOMEM;
}

/* ---- the ladder ---- */

/*
 * If 0-2 are closed, the fds opened below would take their place and a
 * stray printf (or the helper's stderr) would land in /dev/fuse. These
 * stand-ins are meant to be inherited, hence no O_CLOEXEC.
 */
static void open_std_fds(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR);
		if (fd > 2)
			close(fd);
	} while (fd >= 0 && fd <= 2);
}

static bool force_helper(void)
{
	const char *v = getenv(FORCE_HELPER_ENV);

	return v && *v && strcmp(v, "0") != 0;
}

int lf_mount(const char *mountpoint, struct lf_mount_opts *mo)
{
	struct stat st;
	int fd;

	open_std_fds();

	fd = lf_mount_parse_fd(mountpoint);
	if (fd >= 0) {
		if (fcntl(fd, F_GETFD) < 0) {
			lf_log(FUSE_LOG_ERR, "fuse: Invalid file descriptor /dev/fd/%u\n",
			       (unsigned)fd);
			return -EBADF;
		}
		if (mo)
			mo->by = BY_FD;
		return fd;
	}
	if (!mountpoint) {
		lf_log(FUSE_LOG_ERR, "fuse: missing mountpoint parameter\n");
		return -EINVAL;
	}
	if (!mo || mo->by != BY_NONE) {
		lf_log(FUSE_LOG_ERR, "fuse: internal error: %s\n",
		       mo ? "mount options already in use" : "no mount options");
		return mo ? -EBUSY : -EINVAL;
	}
	if (stat(mountpoint, &st) < 0) {
		int res = -errno;

		lf_log(FUSE_LOG_ERR, "fuse: failed to access mountpoint %s: %s\n",
		       mountpoint, strerror(-res));
		return res;
	}

	/* auto_unmount needs the helper to outlive us, so it never mounts
	 * directly. */
	if (!mo->auto_unmount && !force_helper()) {
		fd = mount_direct(mountpoint, mo, st.st_mode);
		if (fd >= 0) {
			mo->by = BY_KERNEL;
			return fd;
		}
		if (fd != -EPERM)
			return fd;
	}
	fd = mount_helper(mountpoint, mo);
	if (fd >= 0)
		mo->by = BY_HELPER;
	return fd;
}

/* ---- unmounting ---- */

/* POLLERR on the device: unmounted already, or aborted via fusectl. */
static bool connection_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = 0 };

	return fd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

static void unmount_path(const char *mnt)
{
	const char *argv[] = { HELPER_NAME, "-u", "-q", "-z", "--", mnt, NULL };
	struct helper_run h;
	int err;

	if (umount2(mnt, MNT_DETACH) == 0)
		return;
	err = errno;
	/* nothing mounted there any more */
	if (err == EINVAL || err == ENOENT)
		return;
	if (err != EPERM || geteuid() == 0) {
		lf_log(FUSE_LOG_ERR, "fuse: failed to unmount %s: %s\n", mnt,
		       strerror(err));
		return;
	}
	/* -q: a helper that finds nothing to unmount stays silent */
	if (spawn_helper(argv, false, false, &h) == 0)
		reap(h.pid);
}

/*
 * Let go of the device the way libfuse's close() does, but keep the fd
 * number valid (now /dev/null) for the caller's own close(). A live device
 * fd makes unmounting wait on us: fuseblk sends a synchronous DESTROY, and
 * the auto_unmount helper stats the mountpoint before it unmounts.
 */
static void release_device(int fd)
{
	struct stat st;
	int nul;

	/* only ever /dev/fuse: a custom-I/O session's fd is not ours to touch */
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != makedev(10, 229))
		return;
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0)
		return;
	dup3(nul, fd, O_CLOEXEC);
	close(nul);
}

/*
 * Closing our socket end tells an auto_unmount helper to unmount and
 * exit; give it up to a second so our own unmount does not race it. After
 * a fork (daemonize) it is not our child: watch it with kill(pid, 0).
 */
static void release_helper(struct lf_mount_opts *mo)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };

	close(mo->commfd);
	mo->commfd = -1;
	for (int i = 0; i < 100; i++) {
		pid_t r = waitpid(mo->helper_pid, NULL, WNOHANG);

		if (r > 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && kill(mo->helper_pid, 0) < 0 && errno == ESRCH)
			break;
		nanosleep(&tick, NULL);
	}
	mo->helper_pid = 0;
}

void lf_unmount(const char *mountpoint, int fd, struct lf_mount_opts *mo)
{
	bool gone;

	if (!mo || (mo->by != BY_KERNEL && mo->by != BY_HELPER))
		return;
	gone = connection_gone(fd);
	release_device(fd);
	if (mo->commfd >= 0)
		release_helper(mo);
	/* also whatever the helper left; silent if nothing is left */
	if (mountpoint && !gone)
		unmount_path(mountpoint);
	mo->by = BY_NONE;
}

void lf_mount_help(void)
{
	fputs("    -o allow_other         allow access by all users\n"
	      "    -o allow_root          allow access by root\n"
	      "    -o auto_unmount        auto unmount on process termination\n",
	      stdout);
}

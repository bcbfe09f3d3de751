// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough_hp: command line (compatible with libfuse's passthrough_hp:
 * `passthrough_hp [options] <source> <mountpoint>`), the per-inode backing
 * file table for passthrough, and main(). The handlers are in
 * passthrough_hp.c.
 */

#define FUSE_USE_VERSION 318
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "passthrough_hp.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- backing files ------------------------------------------------------ */

/*
 * The kernel lets one inode have only one backing file while it is in
 * passthrough mode, and refuses cached opens meanwhile (and passthrough
 * opens while cached ones exist). So the first open of an inode decides:
 * it registers its descriptor, later opens share the id, the last release
 * unregisters it. An inode whose registration failed stays on normal I/O
 * until its last open is gone.
 */
struct hp_backing {
	struct hp_backing *next;
	struct pl_inode *in;
	unsigned int opens;
	int id;			/* 0: normal I/O for this inode's opens */
};

#define HP_BK_BUCKETS 4096

static size_t hp_bk_hash(const struct pl_inode *in)
{
	uintptr_t p = (uintptr_t)in;

	return (size_t)((p >> 4) ^ (p >> 16)) & (HP_BK_BUCKETS - 1);
}

static struct hp_backing **hp_bk_slot(struct hp_fs *fs,
				      const struct pl_inode *in)
{
	struct hp_backing **p = &fs->bk_buckets[hp_bk_hash(in)];

	while (*p && (*p)->in != in)
		p = &(*p)->next;
	return p;
}

static void hp_note_fallback(struct hp_fs *fs)
{
	if (!atomic_exchange(&fs->pt_fallback_told, true))
		fprintf(stderr, "passthrough_hp: passthrough=off for an inode:backing_open_failed (reason above); its opens use normal I/O\n");
}

int hp_backing_get(struct hp_fs *fs, fuse_req_t req, struct pl_inode *in,
		   int fd)
{
	struct hp_backing **p, *bk;
	unsigned int opens;
	int id;

	pthread_mutex_lock(&fs->bk_lock);
	p = hp_bk_slot(fs, in);
	bk = *p;
	if (!bk) {
		bk = calloc(1, sizeof(*bk));
		if (!bk) {
			/* Cannot track it: this open goes without passthrough,
			 * and only while no other open of the inode has it. */
			pthread_mutex_unlock(&fs->bk_lock);
			return 0;
		}
		bk->in = in;
		/* Registering under the lock keeps a racing open of the same
		 * inode from registering a second backing file. */
		bk->id = fuse_passthrough_open(req, fd);
		if (!bk->id)
			hp_note_fallback(fs);
		*p = bk;
	}
	opens = ++bk->opens;
	id = bk->id;
	pthread_mutex_unlock(&fs->bk_lock);
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "passthrough: inode %p backing id %d (%u opens)\n",
			 (void *)in, id, opens);
	return id;
}

/*
 * FUSE_DEV_IOC_BACKING_CLOSE (kernel uapi, 7.40). Only for an open whose
 * reply never reached the kernel: fuse_passthrough_close() needs a live
 * request, and that one is gone, so the id is closed on the session's
 * device directly.
 */
#define HP_DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

static void hp_backing_close_orphan(struct hp_fs *fs, int id)
{
	uint32_t bid = (uint32_t)id;

	if (ioctl(fuse_session_fd(fs->se), HP_DEV_IOC_BACKING_CLOSE, &bid) < 0)
		fprintf(stderr, "passthrough_hp: closing backing id %d: %s\n",
			id, strerror(errno));
}

void hp_backing_put(struct hp_fs *fs, fuse_req_t req, struct pl_inode *in)
{
	struct hp_backing **p, *bk = NULL;
	int id = 0;

	pthread_mutex_lock(&fs->bk_lock);
	p = hp_bk_slot(fs, in);
	if (*p && !--(*p)->opens) {
		bk = *p;
		*p = bk->next;
		id = bk->id;
	}
	pthread_mutex_unlock(&fs->bk_lock);
	/* The kernel holds its own reference for files still open. */
	if (id && req)
		fuse_passthrough_close(req, id);
	else if (id)
		hp_backing_close_orphan(fs, id);
	free(bk);
}

/* ---- command line ------------------------------------------------------- */

static void hp_usage(const char *prog)
{
	printf("Usage: %s --help\n"
	       "       %s [options] <source> <mountpoint>\n", prog, prog);
}

static void hp_help(const char *prog)
{
	hp_usage(prog);
	printf("\noptions:\n"
	       "      --debug            Enable filesystem debug messages\n"
	       "      --debug-fuse       Enable libfuse debug messages (-d)\n"
	       "      --foreground       Run in foreground (-f)\n"
	       "      --help             Print help\n"
	       "      --nocache          Disable attribute all caching\n"
	       "      --nosplice         Do not use splice(2) to transfer data\n"
	       "      --nopassthrough    Do not use pass-through mode for read/write\n"
	       "      --single           Run single-threaded (-s)\n"
	       "  -o  <opts>             Mount options (see mount.fuse(5)); also\n"
	       "                         source=DIR instead of <source>, clone_fd,\n"
	       "                         and max_write=N etc. (conn-info options)\n"
	       "      --num-threads N    Number of libfuse worker threads\n"
	       "      --clone-fd         use separate fuse device fd for each thread\n"
	       "      --direct-io        enable fuse kernel internal direct-io\n"
	       "\nFuse lowlevel options:\n");
	fuse_lowlevel_help();
}

/* Appends the comma-separated @opts to fs->mount_opts, picking out the
 * ones that are ours (source=, clone_fd). */
static int hp_add_mount_opts(struct hp_fs *fs, const char *opts)
{
	char *copy = strdup(opts), *save = NULL, *o;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strncmp(o, "source=", 7)) {
			fs->pl.source = strdup(o + 7);
		} else if (!strcmp(o, "clone_fd")) {
			fs->clone_fd = true;
		} else if (!strcmp(o, "fd") || !strncmp(o, "fd=", 3)) {
			fprintf(stderr, "passthrough_hp: Unsupported mount option: %s\n", o);
			ret = -EINVAL;
			break;
		} else {
			size_t old = fs->mount_opts ? strlen(fs->mount_opts) : 0;
			char *n = realloc(fs->mount_opts, old + strlen(o) + 2);

			if (!n) {
				ret = -ENOMEM;
				break;
			}
			sprintf(n + old, "%s%s", old ? "," : "", o);
			fs->mount_opts = n;
		}
	}
	free(copy);
	return ret;
}

/* A --name[=value] flag of ours; returns 1 matched, 0 not ours, -1 bad. */
static int hp_long_opt(struct hp_fs *fs, const char *a, const char *next,
		       int *ret_used_next)
{
	static const struct {
		const char *name;
		size_t off;
		bool value;
	} flags[] = {
		{ "--debug", offsetof(struct hp_fs, debug), true },
		{ "--debug-fuse", offsetof(struct hp_fs, debug_fuse), true },
		{ "--bg-debug-fuse", offsetof(struct hp_fs, debug_fuse), true },
		{ "--foreground", offsetof(struct hp_fs, foreground), true },
		{ "--nocache", offsetof(struct hp_fs, nocache), true },
		{ "--nosplice", offsetof(struct hp_fs, nosplice), true },
		{ "--nopassthrough", offsetof(struct hp_fs, passthrough), false },
		{ "--single", offsetof(struct hp_fs, single), true },
		{ "--clone-fd", offsetof(struct hp_fs, clone_fd), true },
		{ "--direct-io", offsetof(struct hp_fs, direct_io), true },
	};
	const char *v;
	char *end;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!strcmp(a, flags[i].name)) {
			*(bool *)((char *)fs + flags[i].off) = flags[i].value;
			return 1;
		}
	}
	if (strncmp(a, "--num-threads", 13))
		return 0;
	if (a[13] == '=') {
		v = a + 14;
	} else if (a[13] == '\0' && next) {
		v = next;
		*ret_used_next = 1;
	} else {
		return -1;
	}
	errno = 0;
	fs->num_threads = (int)strtol(v, &end, 10);
	return (*v && !*end && !errno) ? 1 : -1;
}

/* Returns 0, 1 (--help printed: exit 0) or -1 (usage error: exit 2). */
static int hp_parse_cmdline(struct hp_fs *fs, int argc, char *argv[])
{
	const char *pos[2];
	int npos = 0, used, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		used = 0;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			hp_help(argv[0]);
			return 1;
		} else if (!strcmp(a, "-o") || !strncmp(a, "-o", 2)) {
			const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);

			if (!v || hp_add_mount_opts(fs, v) < 0)
				goto usage;
		} else if (!strcmp(a, "-f")) {
			fs->foreground = true;
		} else if (!strcmp(a, "-s")) {
			fs->single = true;
		} else if (!strcmp(a, "-d")) {
			fs->debug_fuse = true;
		} else if (a[0] == '-' && a[1] == '-') {
			r = hp_long_opt(fs, a, i + 1 < argc ? argv[i + 1] : NULL,
					&used);
			if (r <= 0) {
				fprintf(stderr, "%s: Option '%s' does not exist\n",
					argv[0], a);
				goto usage;
			}
			i += used;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "%s: Option '%s' does not exist\n",
				argv[0], a);
			goto usage;
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			goto args;
		}
	}
	/* <source> <mountpoint>, or just <mountpoint> with -o source=. */
	if (npos == 2 && !fs->pl.source) {
		fs->pl.source = realpath(pos[0], NULL);
		if (!fs->pl.source) {
			fprintf(stderr, "passthrough_hp: source \"%s\": %s\n",
				pos[0], strerror(errno));
			return -1;
		}
		fs->mountpoint = pos[1];
	} else if (npos == 1 && fs->pl.source) {
		fs->mountpoint = pos[0];
	} else {
		goto args;
	}
	if (fs->debug || fs->debug_fuse)
		fs->foreground = true;
	fs->pl.timeout = fs->nocache ? 0.0 : 86400.0;
	return 0;
args:
	fprintf(stderr, "%s: invalid number of arguments\n", argv[0]);
usage:
	hp_usage(argv[0]);
	return -1;
}

/*
 * The library's arguments: fsname (the source, unless given) and
 * default_permissions as libfuse's passthrough_hp adds them, the user's
 * -o options, -odebug for --debug-fuse.
 */
static int hp_build_args(struct hp_fs *fs, const char *prog,
			 struct fuse_args *args)
{
	bool has_fsname = fs->mount_opts &&
			  (!strncmp(fs->mount_opts, "fsname=", 7) ||
			   strstr(fs->mount_opts, ",fsname="));
	char *fsname;
	int ret;

	if (fuse_opt_add_arg(args, prog) ||
	    fuse_opt_add_arg(args, "-odefault_permissions"))
		return -1;
	if (!has_fsname) {
		if (asprintf(&fsname, "-ofsname=%s", fs->pl.source) < 0)
			return -1;
		ret = fuse_opt_add_arg(args, fsname);
		free(fsname);
		if (ret)
			return -1;
	}
	/*
	 * Dirty pages as a local filesystem may keep them: the kernel's
	 * strict 1 % share for a FUSE mount throttles write-back writers
	 * (fio 1 MiB buffered writes ~1 GiB/s with it, 3-5 GiB/s without,
	 * doc/fastpath.md). Root with a writable sysfs only (the library
	 * fails a mount whose bdi_* it cannot apply); the user's own win.
	 */
	if (geteuid() == 0 && !fs->nocache &&
	    access("/sys/class/bdi", W_OK) == 0 &&
	    !(fs->mount_opts && strstr(fs->mount_opts, "bdi_")) &&
	    fuse_opt_add_arg(args, "-obdi_strict_limit=0,bdi_max_ratio=100"))
		return -1;
	if (fs->mount_opts && (fuse_opt_add_arg(args, "-o") ||
			       fuse_opt_add_arg(args, fs->mount_opts)))
		return -1;
	if (fs->debug_fuse && fuse_opt_add_arg(args, "-odebug"))
		return -1;
	/* max_write=, max_readahead=, ... are applied in init. */
	fs->conn_opts = fuse_parse_conn_info_opts(args);
	return fs->conn_opts ? 0 : -1;
}

/* The inode table keeps descriptors only for inodes it cannot reopen by
 * handle and for open files; still, use all the hard limit allows. */
static void hp_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int hp_loop(struct hp_fs *fs, struct fuse_session *se)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (fs->single)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -1;
	if (fs->num_threads > 0)
		fuse_loop_cfg_set_max_threads(cfg, (unsigned int)fs->num_threads);
	fuse_loop_cfg_set_clone_fd(cfg, fs->clone_fd);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

static int hp_fs_init(struct hp_fs *fs)
{
	if (pl_fs_init(&fs->pl) < 0)
		return -1;
	fs->passthrough = true;
	fs->num_threads = -1;
	pthread_mutex_init(&fs->bk_lock, NULL);
	fs->bk_nbuckets = HP_BK_BUCKETS;
	fs->bk_buckets = calloc(HP_BK_BUCKETS, sizeof(*fs->bk_buckets));
	return fs->bk_buckets ? 0 : -1;
}

static void hp_fs_destroy(struct hp_fs *fs)
{
	for (size_t i = 0; fs->bk_buckets && i < fs->bk_nbuckets; i++) {
		while (fs->bk_buckets[i]) {
			struct hp_backing *bk = fs->bk_buckets[i];

			fs->bk_buckets[i] = bk->next;
			free(bk);
		}
	}
	free(fs->bk_buckets);
	pthread_mutex_destroy(&fs->bk_lock);
	free((char *)fs->pl.source);
	fs->pl.source = NULL;
	free(fs->mount_opts);
	free(fs->conn_opts);
	pl_fs_destroy(&fs->pl);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;
	static struct hp_fs fs;
	int ret = 1;

	if (hp_fs_init(&fs) < 0)
		return 1;
	switch (hp_parse_cmdline(&fs, argc, argv)) {
	case 1:
		ret = 0;
		goto out_fs;
	case -1:
		ret = 2;
		goto out_fs;
	}
	hp_raise_fd_limit();
	if (pl_open_root(&fs.pl) < 0)
		goto out_fs;
	if (hp_build_args(&fs, argv[0], &args) < 0)
		goto out_args;

	se = fuse_session_new(&args, &hp_ops, sizeof(hp_ops), &fs);
	if (!se)
		goto out_args;
	fs.se = se;
	/* Its inodes are kept by identity and pinned before their last
	 * unlink, and an open has no side effect: any open of an inode can
	 * serve all of them (fastfuse's reuse_open/reuse_writes `auto`). */
	fastfuse_declare(se, FASTFUSE_FS_REUSABLE_OPENS);
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	/* Modes arrive with the caller's umask already applied. */
	umask(0);
	if (fuse_session_mount(se, fs.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(fs.foreground) != 0)
		goto out_unmount;
	ret = hp_loop(&fs, se) ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	fuse_opt_free_args(&args);
out_fs:
	hp_fs_destroy(&fs);
	return ret;
}

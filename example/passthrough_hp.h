/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * passthrough_hp: the state shared by the request handlers
 * (passthrough_hp.c) and the command line, backing-file table and main
 * loop (passthrough_hp_main.c). Inodes come from passthrough_ll's table
 * (passthrough_ll_inode.c): keyed by (st_dev, st_ino), kept as file handles.
 */

#ifndef PASSTHROUGH_HP_H_
#define PASSTHROUGH_HP_H_

#include "passthrough_ll.h"

#include <stdatomic.h>
#include <stddef.h>

struct hp_backing;

struct hp_fs {
	struct pl_fs pl;		/* inode table; pl.source is the source */

	/* Command line (libfuse's passthrough_hp options). */
	bool debug;			/* --debug: our own trace lines */
	bool debug_fuse;		/* --debug-fuse, -d: the library's -odebug */
	bool foreground;		/* --foreground, -f */
	bool nocache;			/* --nocache: timeouts 0, no writeback */
	bool nosplice;			/* --nosplice */
	bool passthrough;		/* not --nopassthrough; cleared in init
					 * when the kernel does not offer it */
	bool direct_io;			/* --direct-io */
	bool single;			/* --single, -s */
	bool clone_fd;			/* --clone-fd, -o clone_fd */
	int num_threads;		/* --num-threads=N; -1: library default */
	char *mount_opts;		/* everything given with -o, joined */
	const char *mountpoint;

	struct fuse_session *se;

	/* Decided in init. */
	bool writeback_on;
	struct fuse_conn_info_opts *conn_opts;	/* -o max_write=... etc. */

	/* One backing id per inode with open files (passthrough_hp_main.c). */
	pthread_mutex_t bk_lock;
	struct hp_backing **bk_buckets;
	size_t bk_nbuckets;
	atomic_bool pt_fallback_told;
};

/*
 * Passthrough bookkeeping for one more open of @in whose descriptor is
 * @fd: registers @fd as the inode's backing file on its first open and
 * returns the inode's backing id (shared by all its opens), or 0 when the
 * open must use normal I/O (passthrough off or failed; the reason is
 * printed once). Every call is paired with hp_backing_put() on release.
 */
int hp_backing_get(struct hp_fs *fs, fuse_req_t req, struct pl_inode *in,
		   int fd);
/* Drops an open of @in; the last one closes the inode's backing id.
 * @req is the RELEASE being answered, or NULL when undoing an open whose
 * reply the kernel never got (the open's request is gone by then). */
void hp_backing_put(struct hp_fs *fs, fuse_req_t req, struct pl_inode *in);

/* The request handlers (passthrough_hp.c). */
extern const struct fuse_lowlevel_ops hp_ops;

/* The shared handlers (passthrough_common.c) find the inode table at the
 * start of the session data. */
_Static_assert(offsetof(struct hp_fs, pl) == 0, "pl must come first");

#endif /* PASSTHROUGH_HP_H_ */

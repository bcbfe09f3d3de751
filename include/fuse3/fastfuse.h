// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fastfuse extensions to the libfuse API: declarative cache policies that
 * the library compiles into the kernel's own caches (entry/attr TTLs,
 * negative entries, page/dir/symlink caches, skipped opens and flushes,
 * permanent "no xattrs"). Not part of libfuse; symbols live in FASTFUSE_1.0.
 */
#ifndef FASTFUSE_H_
#define FASTFUSE_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fuse_session;

/* A TTL that keeps whatever the filesystem answered. */
#define FASTFUSE_TTL_KEEP (-1.0)
/* "Forever": the kernel clamps it to its longest timeout (years). */
#define FASTFUSE_TTL_FOREVER 4294967295.0

/* Switches: leave the filesystem's choice, force on, force off; AUTO (only
 * reuse_open and reuse_writes) is on where the filesystem declared the
 * promise the key rests on with fastfuse_declare(), off elsewhere. */
enum fastfuse_switch {
	FASTFUSE_KEEP = 0,
	FASTFUSE_ON = 1,
	FASTFUSE_OFF = 2,
	FASTFUSE_AUTO = 3,
};

/* Who may change the data behind the mount, i.e. how caches stay true. */
enum fastfuse_invalidation {
	FASTFUSE_INVAL_NONE = 0,	/* nothing changes (read-only data) */
	FASTFUSE_INVAL_LOCAL = 1,	/* only this mount changes it */
	FASTFUSE_INVAL_TTL = 2,		/* others too: every TTL is finite */
	FASTFUSE_INVAL_WATCH = 3,	/* others change `source`; watched */
};

/* How changes to `source` behind the mount's back are noticed. */
enum fastfuse_watcher {
	FASTFUSE_WATCH_AUTO = 0,	/* fanotify, else inotify */
	FASTFUSE_WATCH_FANOTIFY = 1,
	FASTFUSE_WATCH_INOTIFY = 2,
};

/*
 * One cache policy. Fill it with fastfuse_cache_policy_profile() and change
 * what differs; pass sizeof(struct fastfuse_cache_policy) along so that
 * later versions of this struct can grow at the end.
 */
struct fastfuse_cache_policy {
	double entry_ttl;	/* seconds, or FASTFUSE_TTL_KEEP/_FOREVER */
	double negative_ttl;	/* ENOENT lookups cached this long; 0: never */
	double attr_ttl;
	int keep_cache;		/* enum fastfuse_switch: FOPEN_KEEP_CACHE */
	int cache_readdir;	/* FOPEN_CACHE_DIR on opendir */
	int cache_symlinks;	/* FUSE_CACHE_SYMLINKS at INIT */
	int stateless_open;	/* ON: open keeps no state, skip OPEN/RELEASE */
	int stateless_opendir;	/* ON: same for OPENDIR/RELEASEDIR */
	int noflush;		/* ON: FLUSH does nothing needed, skip it */
	int writeback;		/* FUSE_WRITEBACK_CACHE */
	int parallel_dirops;	/* FUSE_PARALLEL_DIROPS */
	int killpriv_v2;	/* ON: the filesystem kills suid/caps itself */
	int readdirplus;	/* FUSE_DO_READDIRPLUS */
	int xattr_none;		/* ON: no xattrs at all (kernel stops asking) */
	/* NULL-terminated names known to be absent (answered ENODATA by the
	 * library without asking the filesystem); copied by the setter. */
	const char *const *xattr_absent;
	int invalidation;	/* enum fastfuse_invalidation */
	/* Added later in FASTFUSE_1.0; read only when the size passed along
	 * covers them (zero/NULL otherwise). */
	const char *source;	/* tree this mount mirrors, or NULL; copied */
	int watcher;		/* enum fastfuse_watcher */
	int passthrough;	/* ON: fi->fh of an open is an fd to pass
				 * reads and writes through to */
	int reuse_open;		/* ON: one open per inode, made by the
				 * library; no OPEN/RELEASE */
	int reuse_writes;	/* ON: reuse_open on a writable mount too,
				 * one read-write open per inode */
};

/*
 * Fill @ret with a built-in profile: "readonly", "local" or "shared"
 * (see doc/fastpath-policy.md). Returns 0 or -EINVAL for an unknown name.
 */
int fastfuse_cache_policy_profile(const char *name,
				  struct fastfuse_cache_policy *ret,
				  size_t size);

/*
 * Set the session's cache policy by built-in profile name or policy file
 * path (anything containing a '/'); NULL removes the policy. Call it after
 * fuse_session_new() and before the session serves requests: the policy
 * is compiled into the INIT reply. Returns 0 or -errno (-EINVAL for a bad
 * policy, with the reason logged; -EBUSY once INIT was answered).
 * Equivalent to the session option -o fastpath_cache=NAME|PATH.
 */
int fastfuse_set_cache_policy(struct fuse_session *se,
			      const char *name_or_path);

/* Same, from a struct; size is sizeof(struct fastfuse_cache_policy). */
int fastfuse_set_cache_policy_struct(struct fuse_session *se,
				     const struct fastfuse_cache_policy *p,
				     size_t size);

/*
 * Tell the kernel that every cached name, attribute and page of the session
 * may be stale (a network filesystem that lost track of its server, a
 * watcher that lost events). Bumps the connection epoch where the kernel
 * has one (protocol 7.44), so every cached name is looked up again; with a
 * watched `source` also drops every known inode's attributes and data.
 * Returns 0, -ENOSYS when the kernel has no epoch and the library knows no
 * inodes, -ENOTCONN before INIT, or another -errno from /dev/fuse.
 */
int fastfuse_invalidate_all(struct fuse_session *se);

/*
 * Promises a filesystem makes about itself (fastfuse_declare). A policy
 * key set to `auto` is on only where its promise was made, so a built-in
 * profile given with -o fastpath_cache= is safe for any filesystem.
 *
 * FASTFUSE_FS_REUSABLE_OPENS: any open of an inode may serve every open of
 * it, for reads and writes alike: open(O_RDWR) has no side effect (no copy
 * up, no lock) and opening by inode works while the file has no name (the
 * filesystem keeps its inodes by identity, not by path). reuse_open and
 * reuse_writes `auto` rest on it.
 */
#define FASTFUSE_FS_REUSABLE_OPENS (1u << 0)

/*
 * Declare @promises (FASTFUSE_FS_* bits, replacing earlier ones) for
 * @se. Call it before the session serves requests; from the init
 * callback is fine. Returns 0, -EINVAL for unknown bits, -EBUSY once INIT
 * was answered.
 */
int fastfuse_declare(struct fuse_session *se, unsigned int promises);

#ifdef __cplusplus
}
#endif

#endif /* FASTFUSE_H_ */

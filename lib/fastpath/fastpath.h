// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cache-policy fast path inside the library: a parsed policy
 * (policy.c) and the hooks that compile it into INIT flags and reply
 * fields (apply.c). Every hook is called as `if (se->fastpath && ...)`,
 * so a session without a policy pays one predictable branch per site.
 */
#ifndef LF_FASTPATH_H
#define LF_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuse_i.h"
#include "fastfuse.h"

/* The struct as first published (up to invalidation); older callers pass
 * this size. */
#define LF_POLICY_V1_SIZE offsetof(struct fastfuse_cache_policy, source)

struct lf_watch;
struct lf_pass;
struct lf_reuse;

/* A compiled policy; se->fastpath points to one (or is NULL). */
struct lf_fastpath {
	struct fastfuse_cache_policy p;
	char **absent;		/* owned copies of p.xattr_absent */
	size_t nabsent;
	char *source;		/* owned copy of p.source */
	char origin[256];	/* profile name or file, for messages */
	/* decided at INIT from what the kernel offered (apply.c) */
	bool no_open;		/* answer OPEN with ENOSYS once */
	bool no_opendir;
	bool noflush;		/* answer FLUSH with ENOSYS once */
	bool open_rdwr;		/* writeback forced on an unaware filesystem */
	/* in-kernel answers for absent names (bpf.c) */
	int xattr_bpf;		/* enum fastfuse_switch; "xattr_bpf" key */
	struct lf_xbpf *bpf;	/* loaded at INIT, or NULL */
	/* started at INIT, stopped at unmount/destroy */
	struct lf_watch *watch;	/* name/inode map + watcher (watch.c) */
	struct lf_pass *pass;	/* passthrough from fi->fh (pass.c) */
	struct lf_reuse *reuse;	/* one open per inode (reuse.c) */
};

/*
 * policy.c. lf_fastpath_parse() reads policy text (origin names it in
 * messages: "fastpath: ORIGIN:LINE: problem"); lf_fastpath_load() takes a
 * built-in profile name or, when it contains a '/', a file path. Both log
 * the reason of a failure once and return -EINVAL (-errno for I/O).
 */
int lf_fastpath_parse(const char *text, const char *origin,
		      struct lf_fastpath **ret_fp);
int lf_fastpath_load(const char *name_or_path, struct lf_fastpath **ret_fp);
int lf_fastpath_from_struct(const struct fastfuse_cache_policy *p,
			    size_t size, const char *origin,
			    struct lf_fastpath **ret_fp);
void lf_fastpath_destroy(struct lf_fastpath *fp);
/* Whether switch @sw is on: yes, or auto with @promise declared. */
bool lf_fastpath_on(const struct fuse_session *se, int sw,
		    unsigned int promise);
/* The effective policy in the file syntax, one key per line. Returns the
 * length it needed (like snprintf). */
size_t lf_fastpath_format(const struct lf_fastpath *fp, char *buf,
			  size_t size);
/* Install on a session (replacing any), printing it under -d. NULL name
 * removes it. -EBUSY once INIT was answered. */
int lf_fastpath_set(struct fuse_session *se, const char *name_or_path);
int lf_fastpath_install(struct fuse_session *se, struct lf_fastpath *fp);
void lf_fastpath_free(struct fuse_session *se);

/*
 * apply.c: the hooks. Callers test se->fastpath first.
 * init:      after the INIT reply was filled; adds/removes INIT flags.
 * entry:     rewrites an entry_out's TTLs (nodeid 0: negative TTL).
 * attr:      rewrites an attribute TTL (attr/statx replies).
 * open_out:  open flags of an OPEN/OPENDIR/CREATE reply.
 * reply_err: true when it answered req itself (ENOENT lookup turned into
 *            a cached negative entry); *ret_res is then the result.
 * open:      OPEN/OPENDIR request; true when answered (ENOSYS, no_open);
 *            may adjust fi->flags (writeback forced by the policy).
 * flush:     FLUSH request; true when answered (ENOSYS, noflush).
 * xattr:     {GET,LIST,SET,REMOVE}XATTR; name NULL for LIST; true when
 *            answered (ENOSYS for "xattr none", ENODATA for absent names).
 */
void lf_fastpath_init(struct fuse_session *se, struct fuse_init_out *out);
void lf_fastpath_entry(fuse_req_t req, struct fuse_entry_out *out);
void lf_fastpath_attr(struct fuse_session *se, uint64_t *valid,
		      uint32_t *valid_nsec);
void lf_fastpath_open_out(fuse_req_t req, struct fuse_open_out *out);
bool lf_fastpath_reply_err(fuse_req_t req, int err, int *ret_res);
bool lf_fastpath_open(fuse_req_t req, struct fuse_file_info *fi);
bool lf_fastpath_flush(fuse_req_t req);
bool lf_fastpath_xattr(fuse_req_t req, const char *name);
/*
 * request:    every request before its handler (dispatch.c); records what
 *             the reply hooks need (parent, names, open flags), takes
 *             FORGET and RELEASE into account and fills reused handles.
 *             true when it answered the request (a failed reused open).
 * direntplus: an entry of a READDIRPLUS reply (TTLs, and the name map).
 * req_free:   the request's record, when it had one.
 * stop:       stop the watcher and drop backing ids before /dev/fuse goes.
 */
bool lf_fastpath_request(fuse_req_t req, const struct lf_in *in);
void lf_fastpath_direntplus(fuse_req_t req, const char *name,
			    struct fuse_entry_out *out);
void lf_fastpath_req_free(fuse_req_t req);
void lf_fastpath_stop(struct fuse_session *se);

/*
 * What a request carries from its arrival to its reply (req->fp), only
 * while a watcher or passthrough needs it.
 */
struct lf_fpreq {
	uint64_t nodeid;	/* the request's node (open: the inode) */
	uint64_t newparent;	/* RENAME, LINK: where the name goes */
	uint32_t flags;		/* OPEN/CREATE flags, RENAME2 flags */
	char *name;		/* LOOKUP & co: the name; RENAME: old name */
	char *newname;		/* RENAME: the new name */
};
/* apply.c helpers for watch.c: req->fp, created on first use (NULL when
 * out of memory); a copy of the name at off with the offset after it. */
struct lf_fpreq *lf_fastpath_fpreq(fuse_req_t req, const struct lf_in *in);
char *lf_fastpath_req_name(const struct lf_in *in, size_t off,
			   size_t *ret_end);

/*
 * watch.c: the map from the kernel's names and inodes to `source`, and the
 * watcher thread that turns changes behind the mount's back into
 * invalidations (fanotify, else inotify). lf_watch_start at INIT;
 * lf_watch_stop joins the thread and frees everything.
 */
int lf_watch_start(struct fuse_session *se, struct lf_watch **ret_w);
void lf_watch_stop(struct lf_watch *w);
void lf_watch_request(struct lf_watch *w, fuse_req_t req,
		      const struct lf_in *in);
void lf_watch_entry(struct lf_watch *w, fuse_req_t req, const char *name,
		    const struct fuse_entry_out *out);
void lf_watch_done(struct lf_watch *w, fuse_req_t req, int err);
int lf_watch_invalidate_all(struct fuse_session *se, struct lf_watch *w);
/* For tests: how many inodes, names and directory keys the map holds. */
void lf_watch_counts(struct lf_watch *w, size_t *ret_nodes,
		     size_t *ret_dents, size_t *ret_keys);

/*
 * pass.c: passthrough from the fd in fi->fh. lf_pass_new at INIT when the
 * kernel took FUSE_PASSTHROUGH; lf_pass_open_out on OPEN/CREATE replies;
 * lf_pass_release on RELEASE (before the filesystem closes its fd).
 */
struct lf_pass *lf_pass_new(struct fuse_session *se);
void lf_pass_free(struct fuse_session *se, struct lf_pass *ps);
void lf_pass_open_out(struct lf_pass *ps, fuse_req_t req,
		      struct fuse_open_out *out);
void lf_pass_release(struct lf_pass *ps, fuse_req_t req, uint64_t nodeid,
		     uint64_t fh);

/*
 * reuse.c: the reuse_open key. lf_reuse_refused() says why it cannot be on
 * (NULL: it can) at INIT; lf_reuse_new then. lf_reuse_entry counts the
 * kernel's references to regular files from entry replies; request fills
 * the handle of fh-carrying requests (opening it through the filesystem's
 * own open), releases at the last FORGET and before DESTROY, and returns
 * true when it answered the request (the open failed). release_all waits
 * up to wait_sec (0: as long as it takes) for each release; free releases
 * what is left. counts: for tests.
 * lf_capture_reply/drop: the reply hooks of lf_reply_iov and of a request
 * freed without a reply, for requests the library made (req->capture).
 */
const char *lf_reuse_refused(struct fuse_session *se);
struct lf_reuse *lf_reuse_new(struct fuse_session *se);
void lf_reuse_free(struct lf_reuse *ru);
void lf_reuse_entry(struct lf_reuse *ru, const struct fuse_entry_out *out);
bool lf_reuse_request(struct lf_reuse *ru, fuse_req_t req,
		      const struct lf_in *in);
void lf_reuse_release_all(struct lf_reuse *ru, int wait_sec);
void lf_reuse_counts(struct lf_reuse *ru, size_t *ret_nodes,
		     size_t *ret_handles);
int lf_capture_reply(fuse_req_t req, int error, struct iovec *iov, int count);
void lf_capture_drop(fuse_req_t req);

#endif

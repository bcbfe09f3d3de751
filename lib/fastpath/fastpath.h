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

/* A compiled policy; se->fastpath points to one (or is NULL). */
struct lf_fastpath {
	struct fastfuse_cache_policy p;
	char **absent;		/* owned copies of p.xattr_absent */
	size_t nabsent;
	char origin[256];	/* profile name or file, for messages */
	/* decided at INIT from what the kernel offered (apply.c) */
	bool no_open;		/* answer OPEN with ENOSYS once */
	bool no_opendir;
	bool noflush;		/* answer FLUSH with ENOSYS once */
	bool open_rdwr;		/* writeback forced on an unaware filesystem */
	/* in-kernel answers for absent names (bpf.c) */
	int xattr_bpf;		/* enum fastfuse_switch; "xattr_bpf" key */
	struct lf_xbpf *bpf;	/* loaded at INIT, or NULL */
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

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acl_fs: an empty root directory on a connection that negotiates
 * FUSE_POSIX_ACL, as a filesystem with ACLs would: the kernel then asks
 * the daemon (GETXATTR) for every getxattr of an ACL name (6.18: no
 * caching of an absent ACL). Every xattr is absent (ENODATA).
 * Usage: acl_fs [-d] [-o fastpath_cache=FILE] MOUNTPOINT (foreground)
 */

#define FUSE_USE_VERSION 318

#include <fuse_lowlevel.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void acl_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* the case to prove; 6.18 asks the daemon without it too */
	if (conn->capable & FUSE_CAP_POSIX_ACL)
		conn->want |= FUSE_CAP_POSIX_ACL;
}

static void acl_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = S_IFDIR | 0755;
	st.st_nlink = 2;
	fuse_reply_attr(req, &st, 1.0);
}

static void acl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, ENOENT);
}

static void acl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	fuse_reply_err(req, ENODATA);
}

static void acl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	if (size)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_xattr(req, 0);
}

static const struct fuse_lowlevel_ops acl_ops = {
	.init = acl_init,
	.lookup = acl_lookup,
	.getattr = acl_getattr,
	.getxattr = acl_getxattr,
	.listxattr = acl_listxattr,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se;
	int ret = 1;

	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [-d] [-o OPT] MOUNTPOINT\n", argv[0]);
		goto out_args;
	}
	se = fuse_session_new(&args, &acl_ops, sizeof(acl_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) == 0) {
		ret = fuse_session_loop(se) ? 1 : 0;
		fuse_session_unmount(se);
	}
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}

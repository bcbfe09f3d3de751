// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * printcap: mounts an empty filesystem on a fresh temporary directory, prints
 * the FUSE protocol version and every capability the kernel offers in INIT,
 * then ends its own session so the program exits right after mounting.
 */

#define FUSE_USE_VERSION 318

#include <fuse_lowlevel.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct fuse_session *pc_session;

struct pc_cap {
	uint64_t flag;
	const char *name;
};

#define PC_CAP(c) { c, #c }

/*
 * Every capability libfuse 3.18 names, in bit order. Guarded one by one so
 * the list keeps compiling against headers that lack a newer flag.
 */
static const struct pc_cap pc_caps[] = {
#ifdef FUSE_CAP_ASYNC_READ
	PC_CAP(FUSE_CAP_ASYNC_READ),
#endif
#ifdef FUSE_CAP_POSIX_LOCKS
	PC_CAP(FUSE_CAP_POSIX_LOCKS),
#endif
#ifdef FUSE_CAP_ATOMIC_O_TRUNC
	PC_CAP(FUSE_CAP_ATOMIC_O_TRUNC),
#endif
#ifdef FUSE_CAP_EXPORT_SUPPORT
	PC_CAP(FUSE_CAP_EXPORT_SUPPORT),
#endif
#ifdef FUSE_CAP_DONT_MASK
	PC_CAP(FUSE_CAP_DONT_MASK),
#endif
#ifdef FUSE_CAP_SPLICE_WRITE
	PC_CAP(FUSE_CAP_SPLICE_WRITE),
#endif
#ifdef FUSE_CAP_SPLICE_MOVE
	PC_CAP(FUSE_CAP_SPLICE_MOVE),
#endif
#ifdef FUSE_CAP_SPLICE_READ
	PC_CAP(FUSE_CAP_SPLICE_READ),
#endif
#ifdef FUSE_CAP_FLOCK_LOCKS
	PC_CAP(FUSE_CAP_FLOCK_LOCKS),
#endif
#ifdef FUSE_CAP_IOCTL_DIR
	PC_CAP(FUSE_CAP_IOCTL_DIR),
#endif
#ifdef FUSE_CAP_AUTO_INVAL_DATA
	PC_CAP(FUSE_CAP_AUTO_INVAL_DATA),
#endif
#ifdef FUSE_CAP_READDIRPLUS
	PC_CAP(FUSE_CAP_READDIRPLUS),
#endif
#ifdef FUSE_CAP_READDIRPLUS_AUTO
	PC_CAP(FUSE_CAP_READDIRPLUS_AUTO),
#endif
#ifdef FUSE_CAP_ASYNC_DIO
	PC_CAP(FUSE_CAP_ASYNC_DIO),
#endif
#ifdef FUSE_CAP_WRITEBACK_CACHE
	PC_CAP(FUSE_CAP_WRITEBACK_CACHE),
#endif
#ifdef FUSE_CAP_NO_OPEN_SUPPORT
	PC_CAP(FUSE_CAP_NO_OPEN_SUPPORT),
#endif
#ifdef FUSE_CAP_PARALLEL_DIROPS
	PC_CAP(FUSE_CAP_PARALLEL_DIROPS),
#endif
#ifdef FUSE_CAP_POSIX_ACL
	PC_CAP(FUSE_CAP_POSIX_ACL),
#endif
#ifdef FUSE_CAP_HANDLE_KILLPRIV
	PC_CAP(FUSE_CAP_HANDLE_KILLPRIV),
#endif
#ifdef FUSE_CAP_HANDLE_KILLPRIV_V2
	PC_CAP(FUSE_CAP_HANDLE_KILLPRIV_V2),
#endif
#ifdef FUSE_CAP_CACHE_SYMLINKS
	PC_CAP(FUSE_CAP_CACHE_SYMLINKS),
#endif
#ifdef FUSE_CAP_NO_OPENDIR_SUPPORT
	PC_CAP(FUSE_CAP_NO_OPENDIR_SUPPORT),
#endif
#ifdef FUSE_CAP_EXPLICIT_INVAL_DATA
	PC_CAP(FUSE_CAP_EXPLICIT_INVAL_DATA),
#endif
#ifdef FUSE_CAP_EXPIRE_ONLY
	PC_CAP(FUSE_CAP_EXPIRE_ONLY),
#endif
#ifdef FUSE_CAP_SETXATTR_EXT
	PC_CAP(FUSE_CAP_SETXATTR_EXT),
#endif
#ifdef FUSE_CAP_DIRECT_IO_ALLOW_MMAP
	PC_CAP(FUSE_CAP_DIRECT_IO_ALLOW_MMAP),
#endif
#ifdef FUSE_CAP_PASSTHROUGH
	PC_CAP(FUSE_CAP_PASSTHROUGH),
#endif
#ifdef FUSE_CAP_NO_EXPORT_SUPPORT
	PC_CAP(FUSE_CAP_NO_EXPORT_SUPPORT),
#endif
#ifdef FUSE_CAP_OVER_IO_URING
	PC_CAP(FUSE_CAP_OVER_IO_URING),
#endif
};

/* libfuse 3.17 widened the capability words and added accessors. */
static bool pc_offered(struct fuse_conn_info *conn, uint64_t flag)
{
#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	return fuse_get_feature_flag(conn, flag);
#else
	return (conn->capable & flag) != 0;
#endif
}

static void pc_init(void *userdata, struct fuse_conn_info *conn)
{
	size_t i;

	(void)userdata;
	printf("Protocol version: %u.%u\n", conn->proto_major,
	       conn->proto_minor);
	printf("Capabilities:\n");
	for (i = 0; i < sizeof(pc_caps) / sizeof(pc_caps[0]); i++) {
		if (pc_offered(conn, pc_caps[i].flag))
			printf("\t%s\n", pc_caps[i].name);
	}
	/* Output may be a pipe: get it out before the session winds down. */
	fflush(stdout);
	fuse_session_exit(pc_session);
}

static const struct fuse_lowlevel_ops pc_ops = {
	.init = pc_init,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	char mountpoint[] = "/tmp/fuse_printcap_XXXXXX";
	int ret = 1;

	if (!mkdtemp(mountpoint)) {
		perror("mkdtemp");
		return 1;
	}
	printf("FUSE library version %s\n", fuse_pkgversion());
	fuse_lowlevel_version();

	pc_session = fuse_session_new(&args, &pc_ops, sizeof(pc_ops), NULL);
	if (!pc_session)
		goto out_dir;
	if (fuse_set_signal_handlers(pc_session) != 0)
		goto out_session;
	if (fuse_session_mount(pc_session, mountpoint) != 0)
		goto out_signals;

	ret = fuse_session_loop(pc_session) ? 1 : 0;
	fuse_session_unmount(pc_session);
out_signals:
	fuse_remove_signal_handlers(pc_session);
out_session:
	fuse_session_destroy(pc_session);
out_dir:
	rmdir(mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_headers_versions.c - built once per FUSE_USE_VERSION (and per ABI)
 * to prove that the version mappings of the public headers compile and
 * link: fuse_new, fuse_main, fuse_session_new, the *_loop_mt variants,
 * fuse_parse_cmdline, custom io, ioctl signatures. The API calls sit in
 * code that never runs; at run time the program only checks that the
 * library it loaded reports the version the headers claim.
 */
#ifndef FUSE_USE_VERSION
#error "build with -DFUSE_USE_VERSION=<version under test>"
#endif

#include <fuse.h>
#include <fuse_lowlevel.h>
#include <cuse_lowlevel.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The ioctl member changed type in API 3.5; assigning proves which one. */
#if FUSE_USE_VERSION < 35
typedef int ioctl_cmd_t;
#else
typedef unsigned int ioctl_cmd_t;
#endif

static void ll_ioctl(fuse_req_t req, fuse_ino_t ino, ioctl_cmd_t cmd,
		     void *arg, struct fuse_file_info *fi, unsigned flags,
		     const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	(void)ino; (void)cmd; (void)arg; (void)fi; (void)flags;
	(void)in_buf; (void)in_bufsz; (void)out_bufsz;
	fuse_reply_err(req, ENOSYS);
}

static int hl_ioctl(const char *path, ioctl_cmd_t cmd, void *arg,
		    struct fuse_file_info *fi, unsigned int flags, void *data)
{
	(void)path; (void)cmd; (void)arg; (void)fi; (void)flags; (void)data;
	return -ENOSYS;
}

static int use_loops(struct fuse_session *se, struct fuse *f)
{
	int res;
#if FUSE_USE_VERSION < 32
	res = fuse_session_loop_mt(se, 1);
	res |= fuse_loop_mt(f, 0);
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
	struct fuse_loop_config cfg = { 1, 10 };

	res = fuse_session_loop_mt(se, &cfg);
	res |= fuse_loop_mt(f, &cfg);
#else
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	struct fuse_loop_config_v1 v1 = { 0, 10 };

	fuse_loop_cfg_convert(cfg, &v1);
	fuse_loop_cfg_set_idle_threads(cfg, 4);
	fuse_loop_cfg_set_max_threads(cfg, 8);
	fuse_loop_cfg_set_clone_fd(cfg, 1);
	res = fuse_session_loop_mt(se, cfg);
	res |= fuse_loop_mt(f, cfg);
	fuse_loop_cfg_destroy(cfg);
#endif
	return res | fuse_session_loop(se) | fuse_loop(f);
}

static int use_lowlevel(struct fuse_args *args)
{
	struct fuse_lowlevel_ops llops;
	struct fuse_custom_io io;
	struct fuse_cmdline_opts opts;
	struct fuse_session *se;
	int res;

	memset(&llops, 0, sizeof(llops));
	memset(&io, 0, sizeof(io));
	llops.ioctl = ll_ioctl;
	res = fuse_parse_cmdline(args, &opts);
	se = fuse_session_new(args, &llops, sizeof(llops), NULL);
#if !defined(FASTFUSE_ABI_314) && FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	res |= fuse_session_custom_io(se, &io, sizeof(io), 3);
#else
	res |= fuse_session_custom_io(se, &io, 3);
#endif
	res |= fuse_session_mount(se, opts.mountpoint);
	res |= fuse_set_signal_handlers(se);
#ifdef FASTFUSE_ABI_314
	res |= fuse_lowlevel_notify_expire_entry(se, 1, "x", 1,
						 FUSE_LL_EXPIRE_ONLY);
#else
	res |= fuse_lowlevel_notify_expire_entry(se, 1, "x", 1);
	res |= fuse_lowlevel_notify_increment_epoch(se);
	res |= fuse_set_fail_signal_handlers(se);
#endif
	res |= fuse_lowlevel_notify_inval_entry(se, 1, "x", 1);
	res |= fuse_lowlevel_notify_inval_inode(se, 1, 0, 0);
	res |= use_loops(se, NULL);
	fuse_remove_signal_handlers(se);
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	return res;
}

#ifndef FASTFUSE_ABI_314
/* Calls that only exist from 3.17/3.18 on. */
static int use_new_calls(fuse_req_t req, struct fuse_conn_info *conn,
			 struct fuse_fs *fs)
{
	char *payload;
	size_t payload_sz;
	int res = 0;

	if (fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH))
		fuse_unset_feature_flag(conn, FUSE_CAP_OVER_IO_URING);
	res |= fuse_get_feature_flag(conn, FUSE_CAP_NO_EXPORT_SUPPORT);
	res |= fuse_req_is_uring(req);
	res |= fuse_req_get_payload(req, &payload, &payload_sz, NULL);
	res |= fuse_passthrough_close(req, fuse_passthrough_open(req, 0));
	res |= fuse_reply_statx(req, 0, NULL, 1.0);
	res |= fuse_fs_statx(fs, "/", 0, 0, NULL, NULL);
	fuse_log_enable_syslog("t", 0, 0);
	fuse_log_close_syslog();
	return res;
}
#endif

static int use_highlevel(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_operations ops;
	struct fuse *f;
	int res;

	memset(&ops, 0, sizeof(ops));
	ops.ioctl = hl_ioctl;
	res = fuse_main(argc, argv, &ops, NULL);
	res |= fuse_main_real(argc, argv, &ops, sizeof(ops), NULL);
	f = fuse_new(&args, &ops, sizeof(ops), NULL);
	res |= fuse_mount(f, "/mnt");
	res |= use_loops(fuse_get_session(f), f);
	res |= fuse_invalidate_path(f, "/");
	fuse_lib_help(&args);
	fuse_unmount(f);
	fuse_destroy(f);
	res |= use_lowlevel(&args);
#ifndef FASTFUSE_ABI_314
	res |= use_new_calls(NULL, NULL, NULL);
#endif
	fuse_opt_free_args(&args);
	return res;
}

int main(int argc, char *argv[])
{
	char want[16];

	/* Never true under the test runner; keeps the calls linked in. */
	if (argc > 1000)
		return use_highlevel(argc, argv);

	snprintf(want, sizeof(want), "%d.%d.", FUSE_MAJOR_VERSION,
		 FUSE_MINOR_VERSION);
	if (fuse_version() != FUSE_VERSION) {
		printf("FAIL: fuse_version() is %d, headers say %d\n",
		       fuse_version(), FUSE_VERSION);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (strncmp(fuse_pkgversion(), want, strlen(want)) != 0) {
		printf("FAIL: fuse_pkgversion() is \"%s\", want %s*\n",
		       fuse_pkgversion(), want);
		printf("1 passed, 1 failed\n");
		return 1;
	}
	printf("FUSE_USE_VERSION %d links and loads\n", FUSE_USE_VERSION);
	printf("2 passed, 0 failed\n");
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuse_main(): parse the command line, create, mount, daemonize, run the
 * loop and tear down; parse, create and loop through their internal entry
 * points so no symbol-version alias is involved. Exit codes and texts
 * are libfuse's: 0 ok (also after -h/-V), 1 bad options, 2 no mountpoint,
 * 3 fuse_new, 4 mount, 5 daemonize, 6 signals, 7 loop setup, 8 loop error.
 */

#include <stdio.h>
#include <stdlib.h>

#include "hl.h"
#include "log.h"
#include "modules.h"

/* lib/helper.c: fuse_parse_cmdline@@FUSE_3.12 without the alias. */
int lf_parse_cmdline_312(struct fuse_args *args,
			 struct fuse_cmdline_opts *opts);

/*
 * fuse_new@FUSE_3.1 of the 3.14 ABI, _fuse_new_31 (with the header's
 * version) of the 3.17+ ABI; both are lf_hl_new().
 */
static struct fuse *new_fuse(struct fuse_args *args,
			     const struct fuse_operations *op, size_t op_size,
			     const struct libfuse_version *version,
			     void *user_data)
{
#if LF_ABI_314
	(void)version;
	return lf_hl_new(args, op, op_size, NULL, user_data);
#else
	struct lf_version v = { 0 };

	if (version) {
		v.major = version->major;
		v.minor = version->minor;
		v.hotfix = version->hotfix;
	}
	return lf_hl_new(args, op, op_size, version ? &v : NULL, user_data);
#endif
}

static void print_usage(struct fuse_args *args)
{
	/* a program may hide its name by passing "" as argv[0] */
	if (args->argc > 0 && args->argv[0] && args->argv[0][0] != '\0')
		printf("usage: %s [options] <mountpoint>\n\n", args->argv[0]);
	printf("FUSE options:\n");
	fuse_cmdline_help();
	fuse_lib_help(args);
}

static int run_loop(struct fuse *f, const struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *cfg;
	int res;

	if (opts->singlethread)
		return fuse_loop(f) ? 8 : 0;
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return 7;
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)opts->clone_fd);
	fuse_loop_cfg_set_idle_threads(cfg, opts->max_idle_threads);
	fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
	res = lf_hl_loop_mt(f, cfg);
	fuse_loop_cfg_destroy(cfg);
	return res ? 8 : 0;
}

/* Mount, detach, serve until unmounted or signalled, then unmount. */
static int serve(struct fuse *f, const struct fuse_cmdline_opts *opts)
{
	struct fuse_session *se;
	int res;

	if (fuse_mount(f, opts->mountpoint) != 0)
		return 4;
	if (fuse_daemonize(opts->foreground) != 0) {
		res = 5;
		goto out;
	}
	se = fuse_get_session(f);
	if (fuse_set_signal_handlers(se) != 0) {
		res = 6;
		goto out;
	}
	res = run_loop(f, opts);
	fuse_remove_signal_handlers(se);
out:
	fuse_unmount(f);
	return res;
}

int lf_hl_main(int argc, char *argv[], const struct fuse_operations *op,
	       size_t op_size, struct libfuse_version *version,
	       void *user_data)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse *f;
	int res;

	if (lf_parse_cmdline_312(&args, &opts) != 0) {
		fuse_opt_free_args(&args);
		return 1;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		res = 0;
	} else if (opts.show_help) {
		print_usage(&args);
		res = 0;
	} else if (!opts.mountpoint) {
		lf_log(FUSE_LOG_ERR, "error: no mountpoint specified\n");
		res = 2;
	} else {
		f = new_fuse(&args, op, op_size, version, user_data);
		if (f) {
			res = serve(f, &opts);
			fuse_destroy(f);
		} else {
			res = 3;
		}
	}
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return res;
}

#if LF_ABI_314
FUSE_EXPORT int fuse_main_real(int argc, char *argv[],
			       const struct fuse_operations *op,
			       size_t op_size, void *private_data)
{
	return lf_hl_main(argc, argv, op, op_size, NULL, private_data);
}
#else
FUSE_EXPORT int fuse_main_real_versioned(int argc, char *argv[],
					 const struct fuse_operations *op,
					 size_t op_size,
					 struct libfuse_version *version,
					 void *user_data)
{
	return lf_hl_main(argc, argv, op, op_size, version, user_data);
}
#endif

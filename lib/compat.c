// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The only home of symbol versions: the exported entry points whose names
 * or signatures changed between libfuse releases, each a thin wrapper over
 * one internal implementation, bound to libfuse's version nodes with
 * .symver. The version scripts (lib/abi3, lib/abi4) name the nodes.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "fuse_i.h"

int lf_parse_cmdline_312(struct fuse_args *args,
			 struct fuse_cmdline_opts *opts);
int lf_parse_cmdline_30(struct fuse_args *args, void *opts);

#define LF_SYMVER(impl, name) __asm__(".symver " #impl "," #name)

/*
 * The pre-3.12 loop entry points take either a clone_fd flag (3.0) or the
 * v1 struct (3.2); both become a 3.12 configuration on the stack.
 */
static const struct fuse_loop_config *
v1_config(struct fuse_loop_config *c, const struct fuse_loop_config_v1 *v1,
	  int clone_fd)
{
	lf_loop_cfg_init(c);
	if (v1) {
		c->max_idle_threads = v1->max_idle_threads;
		clone_fd = v1->clone_fd;
	}
	c->clone_fd = clone_fd ? 1 : 0;
	return c;
}

/* ---- fuse_session_loop_mt: 3.0 (clone_fd), 3.2 (v1 config), 3.12 ---- */

FUSE_EXPORT int fuse_session_loop_mt_312(struct fuse_session *se,
					 struct fuse_loop_config *config);
FUSE_EXPORT int fuse_session_loop_mt_312(struct fuse_session *se,
					 struct fuse_loop_config *config)
{
	return lf_session_loop_mt(se, config);
}
LF_SYMVER(fuse_session_loop_mt_312, fuse_session_loop_mt@@FUSE_3.12);

FUSE_EXPORT int fuse_session_loop_mt_32(struct fuse_session *se,
					struct fuse_loop_config_v1 *config);
FUSE_EXPORT int fuse_session_loop_mt_32(struct fuse_session *se,
					struct fuse_loop_config_v1 *config)
{
	struct fuse_loop_config c;

	return lf_session_loop_mt(se, v1_config(&c, config, 0));
}
LF_SYMVER(fuse_session_loop_mt_32, fuse_session_loop_mt@FUSE_3.2);

FUSE_EXPORT int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);
FUSE_EXPORT int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd)
{
	struct fuse_loop_config c;

	return lf_session_loop_mt(se, v1_config(&c, NULL, clone_fd));
}
LF_SYMVER(fuse_session_loop_mt_31, fuse_session_loop_mt@FUSE_3.0);

/* ---- fuse_parse_cmdline: 3.0 layout and 3.12 layout (max_threads) ---- */

FUSE_EXPORT int fuse_parse_cmdline_312(struct fuse_args *args,
				       struct fuse_cmdline_opts *opts);
FUSE_EXPORT int fuse_parse_cmdline_312(struct fuse_args *args,
				       struct fuse_cmdline_opts *opts)
{
	return lf_parse_cmdline_312(args, opts);
}
LF_SYMVER(fuse_parse_cmdline_312, fuse_parse_cmdline@@FUSE_3.12);

FUSE_EXPORT int fuse_parse_cmdline_30(struct fuse_args *args, void *opts);
FUSE_EXPORT int fuse_parse_cmdline_30(struct fuse_args *args, void *opts)
{
	return lf_parse_cmdline_30(args, opts);
}
LF_SYMVER(fuse_parse_cmdline_30, fuse_parse_cmdline@FUSE_3.0);

/* ---- session creation and custom I/O ---- */

#if LF_ABI_314
FUSE_EXPORT struct fuse_session *
fuse_session_new(struct fuse_args *args, const struct fuse_lowlevel_ops *op,
		 size_t op_size, void *userdata)
{
	return lf_session_new(args, op, op_size, NULL, userdata);
}

FUSE_EXPORT int fuse_session_custom_io(struct fuse_session *se,
				       const struct fuse_custom_io *io, int fd)
{
	return lf_session_custom_io(se, io, sizeof(*io), fd);
}
#endif

#if !LF_ABI_314
FUSE_EXPORT struct fuse_session *
fuse_session_new_versioned(struct fuse_args *args,
			   const struct fuse_lowlevel_ops *op, size_t op_size,
			   struct libfuse_version *version, void *userdata)
{
	struct lf_version v = { 0 };

	if (version) {
		v.major = version->major;
		v.minor = version->minor;
		v.hotfix = version->hotfix;
	}
	return lf_session_new(args, op, op_size, version ? &v : NULL,
			      userdata);
}

/* Pre-3.17 name, for sources that call it without the header's wrapper. */
#undef fuse_session_new
FUSE_EXPORT struct fuse_session *
fuse_session_new(struct fuse_args *args, const struct fuse_lowlevel_ops *op,
		 size_t op_size, void *userdata);
FUSE_EXPORT struct fuse_session *
fuse_session_new(struct fuse_args *args, const struct fuse_lowlevel_ops *op,
		 size_t op_size, void *userdata)
{
	return lf_session_new(args, op, op_size, NULL, userdata);
}

FUSE_EXPORT int fuse_session_custom_io_317(struct fuse_session *se,
					   const struct fuse_custom_io *io,
					   size_t op_size, int fd)
{
	return lf_session_custom_io(se, io, op_size, fd);
}
LF_SYMVER(fuse_session_custom_io_317, fuse_session_custom_io@@FUSE_3.17);

/* The 3.0 struct ended before clone_fd. */
FUSE_EXPORT int fuse_session_custom_io_30(struct fuse_session *se,
					  const struct fuse_custom_io *io,
					  int fd);
FUSE_EXPORT int fuse_session_custom_io_30(struct fuse_session *se,
					  const struct fuse_custom_io *io,
					  int fd)
{
	return lf_session_custom_io(se, io,
				    offsetof(struct fuse_custom_io, clone_fd),
				    fd);
}
LF_SYMVER(fuse_session_custom_io_30, fuse_session_custom_io@FUSE_3.0);
#endif

/* ==== high-level API (lib/highlevel/new.c): fuse_new, fuse_loop_mt ====== */

struct fuse;
struct fuse_operations;
struct fuse *lf_hl_new(struct fuse_args *args,
		       const struct fuse_operations *op, size_t op_size,
		       const struct lf_version *version, void *user_data);
struct fuse *lf_hl_new_30(struct fuse_args *args,
			  const struct fuse_operations *op, size_t op_size,
			  const struct lf_version *version, void *user_data);
int lf_hl_loop_mt(struct fuse *f, const struct fuse_loop_config *cfg);

/* 3.1+: --help is the application's business. */
FUSE_EXPORT struct fuse *fuse_new_31(struct fuse_args *args,
				     const struct fuse_operations *op,
				     size_t op_size, void *user_data);
FUSE_EXPORT struct fuse *fuse_new_31(struct fuse_args *args,
				     const struct fuse_operations *op,
				     size_t op_size, void *user_data)
{
	return lf_hl_new(args, op, op_size, NULL, user_data);
}
LF_SYMVER(fuse_new_31, fuse_new@@FUSE_3.1);

/* 3.0: fuse_new() printed the help for -h/--help itself. */
FUSE_EXPORT struct fuse *fuse_new_30(struct fuse_args *args,
				     const struct fuse_operations *op,
				     size_t op_size, void *user_data);
FUSE_EXPORT struct fuse *fuse_new_30(struct fuse_args *args,
				     const struct fuse_operations *op,
				     size_t op_size, void *user_data)
{
	return lf_hl_new_30(args, op, op_size, NULL, user_data);
}
LF_SYMVER(fuse_new_30, fuse_new@FUSE_3.0);

#if !LF_ABI_314
/* 3.17+ headers inline fuse_new() and call these with their version. */
static const struct lf_version *hl_version(struct libfuse_version *version,
					   struct lf_version *v)
{
	if (!version)
		return NULL;
	v->major = version->major;
	v->minor = version->minor;
	v->hotfix = version->hotfix;
	v->padding = 0;
	return v;
}

FUSE_EXPORT struct fuse *_fuse_new_31(struct fuse_args *args,
				      const struct fuse_operations *op,
				      size_t op_size,
				      struct libfuse_version *version,
				      void *user_data);
FUSE_EXPORT struct fuse *_fuse_new_31(struct fuse_args *args,
				      const struct fuse_operations *op,
				      size_t op_size,
				      struct libfuse_version *version,
				      void *user_data)
{
	struct lf_version v;

	return lf_hl_new(args, op, op_size, hl_version(version, &v),
			 user_data);
}

FUSE_EXPORT struct fuse *_fuse_new_30(struct fuse_args *args,
				      const struct fuse_operations *op,
				      size_t op_size,
				      struct libfuse_version *version,
				      void *user_data);
FUSE_EXPORT struct fuse *_fuse_new_30(struct fuse_args *args,
				      const struct fuse_operations *op,
				      size_t op_size,
				      struct libfuse_version *version,
				      void *user_data)
{
	struct lf_version v;

	return lf_hl_new_30(args, op, op_size, hl_version(version, &v),
			    user_data);
}
#endif

FUSE_EXPORT int fuse_loop_mt_312(struct fuse *f,
				 struct fuse_loop_config *config);
FUSE_EXPORT int fuse_loop_mt_312(struct fuse *f,
				 struct fuse_loop_config *config)
{
	return lf_hl_loop_mt(f, config);
}
LF_SYMVER(fuse_loop_mt_312, fuse_loop_mt@@FUSE_3.12);

FUSE_EXPORT int fuse_loop_mt_32(struct fuse *f,
				struct fuse_loop_config_v1 *config);
FUSE_EXPORT int fuse_loop_mt_32(struct fuse *f,
				struct fuse_loop_config_v1 *config)
{
	struct fuse_loop_config c;

	return lf_hl_loop_mt(f, v1_config(&c, config, 0));
}
LF_SYMVER(fuse_loop_mt_32, fuse_loop_mt@FUSE_3.2);

FUSE_EXPORT int fuse_loop_mt_31(struct fuse *f, int clone_fd);
FUSE_EXPORT int fuse_loop_mt_31(struct fuse *f, int clone_fd)
{
	struct fuse_loop_config c;

	return lf_hl_loop_mt(f, v1_config(&c, NULL, clone_fd));
}
LF_SYMVER(fuse_loop_mt_31, fuse_loop_mt@FUSE_3.0);

#if !LF_ABI_314
/*
 * fuse_main_real@FUSE_3.0 in the 3.17+ library: the entry point of
 * binaries built before the versioned wrapper existed; no header version.
 * (In the 3.18 header fuse_main_real is an inline, hence the #undef.)
 */
struct fuse_operations;
int lf_hl_main(int argc, char *argv[], const struct fuse_operations *op,
	       size_t op_size, struct libfuse_version *version,
	       void *user_data);
#undef fuse_main_real
FUSE_EXPORT int lf_compat_main_real_30(int argc, char *argv[],
				       const struct fuse_operations *op,
				       size_t op_size, void *user_data);
FUSE_EXPORT int lf_compat_main_real_30(int argc, char *argv[],
				       const struct fuse_operations *op,
				       size_t op_size, void *user_data)
{
	struct libfuse_version v = { 0 };

	return lf_hl_main(argc, argv, op, op_size, &v, user_data);
}
LF_SYMVER(lf_compat_main_real_30, fuse_main_real@FUSE_3.0);
#endif

/* ==== end of the high-level section ==================================== */

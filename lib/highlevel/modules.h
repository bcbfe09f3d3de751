// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Internal interface of the filesystem module stack ("-o modules=a:b"):
 * the module registry (built-in subdir and iconv, FUSE_REGISTER_MODULE
 * symbols, libfusemod_<name>.so), pushing layers, module help, and the
 * fuse_main_real() implementation shared by both ABIs.
 */
#ifndef LF_HL_MODULES_H
#define LF_HL_MODULES_H

#include <stdbool.h>

#include "fuse.h"
#include "fuse_opt.h"

/* A module a layer was built from; a layer holds one reference. */
struct fuse_module {
	char *name;
	fuse_module_factory_t factory;
	void *handle;			/* dlopen()ed library, or NULL */
	unsigned int refs;		/* guarded by the registry lock */
	bool builtin;			/* static; never freed */
	struct fuse_module *next;
};

/*
 * Push the colon-separated modules onto *fsp, bottom first, each factory
 * taking its options out of args. Empty names are skipped. On failure
 * the layers pushed so far are destroyed (the filesystem's own destroy
 * is not called), *fsp is unchanged, and -ENOENT (no such module),
 * -EINVAL (the factory refused) or -ENOMEM is returned; the reason has
 * been logged.
 */
int lf_hl_push_modules(struct fuse_fs **fsp, const char *modules,
		       struct fuse_args *args);

/* Drop a layer's module reference; a loaded library is closed at zero. */
void lf_hl_module_put(struct fuse_module *m);

/* Print the help of the built-in modules, as fuse_lib_help() does. */
void lf_hl_modules_help(void);

/*
 * Print the help of every module named by a "-o modules=" in args (which
 * keeps the option); the rest of what fuse_lib_help() prints for modules.
 */
void lf_hl_modules_help_args(struct fuse_args *args);

/*
 * Destroy the layers stacked above base (module destroy handlers run),
 * leaving base itself alive and untouched. top == base does nothing.
 */
void lf_hl_fs_unwind(struct fuse_fs *top, struct fuse_fs *base);

struct libfuse_version;

/*
 * fuse_main_real() of both ABIs: version is what the application's header
 * passed (3.17+ entry point), or NULL. Returns libfuse's exit codes.
 */
int lf_hl_main(int argc, char *argv[], const struct fuse_operations *op,
	       size_t op_size, struct libfuse_version *version,
	       void *user_data);

#endif /* LF_HL_MODULES_H */

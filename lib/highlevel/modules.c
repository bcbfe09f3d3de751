// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Filesystem modules ("-o modules=a:b"): the registry (built-ins, symbols
 * fuse_module_<name>_factory already in the process, libfusemod_<name>.so),
 * pushing layers, module help, and the two modules libfuse ships: subdir
 * (prefix every path) and iconv (convert file name encodings). Both are
 * one path-translating layer parametrised by a few callbacks.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl.h"
#include "log.h"
#include "modules.h"

/* ---- registry ---- */

static struct fuse_fs *subdir_new(struct fuse_args *args,
				  struct fuse_fs *next[]);
static struct fuse_fs *iconv_new(struct fuse_args *args,
				 struct fuse_fs *next[]);

static struct fuse_module builtin_modules[] = {
	{ .name = "subdir", .factory = subdir_new, .builtin = true },
	{ .name = "iconv", .factory = iconv_new, .builtin = true },
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
/* Modules found at run time, each with its reference count. */
static struct fuse_module *loaded_modules;

static void *oom(void)
{
	lf_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
	return NULL;
}

/*
 * The factory variable FUSE_REGISTER_MODULE() defines: first in what the
 * process already has loaded, then in libfusemod_<name>.so. Returns the
 * address of the variable; *ret_handle is the library opened, if any.
 */
static fuse_module_factory_t *find_factory(const char *name, const char *sym,
					   void **ret_handle)
{
	fuse_module_factory_t *fp;
	char *lib;
	void *h;

	*ret_handle = NULL;
	fp = dlsym(RTLD_DEFAULT, sym);
	if (fp && *fp)
		return fp;
	if (asprintf(&lib, "libfusemod_%s.so", name) < 0)
		return oom();
	h = dlopen(lib, RTLD_NOW);
	if (!h) {
		lf_log(FUSE_LOG_ERR, "fuse: dlopen(%s) failed: %s\n", lib,
		       dlerror());
		free(lib);
		return NULL;
	}
	free(lib);
	fp = dlsym(h, sym);
	if (!fp || !*fp) {
		const char *why = dlerror();

		lf_log(FUSE_LOG_ERR, "fuse: symbol <%s> not found in module: %s\n",
		       sym, why ? why : "factory is NULL");
		dlclose(h);
		return NULL;
	}
	*ret_handle = h;
	return fp;
}

/* A new registry entry for a module found outside the library. */
static struct fuse_module *load_module(const char *name)
{
	fuse_module_factory_t *fp;
	struct fuse_module *m;
	void *handle;
	char *sym;

	if (asprintf(&sym, "fuse_module_%s_factory", name) < 0)
		return oom();
	fp = find_factory(name, sym, &handle);
	free(sym);
	if (!fp)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m)
		m->name = strdup(name);
	if (!m || !m->name) {
		lf_log(FUSE_LOG_ERR, "fuse: failed to allocate module\n");
		free(m);
		if (handle)
			dlclose(handle);
		return NULL;
	}
	m->factory = *fp;
	m->handle = handle;
	return m;
}

/* Find or load a module and take a reference; NULL (logged) if none. */
static struct fuse_module *module_get(const char *name)
{
	struct fuse_module *m;
	size_t i;

	for (i = 0; i < LF_ARRAY_SIZE(builtin_modules); i++) {
		if (strcmp(builtin_modules[i].name, name) == 0)
			return &builtin_modules[i];
	}
	pthread_mutex_lock(&registry_lock);
	for (m = loaded_modules; m; m = m->next) {
		if (strcmp(m->name, name) == 0) {
			m->refs++;
			break;
		}
	}
	if (!m) {
		m = load_module(name);
		if (m) {
			m->refs = 1;
			m->next = loaded_modules;
			loaded_modules = m;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return m;
}

void lf_hl_module_put(struct fuse_module *m)
{
	struct fuse_module **pp;
	bool last = false;

	if (!m || m->builtin)
		return;
	pthread_mutex_lock(&registry_lock);
	if (m->refs > 0)
		m->refs--;
	if (m->refs == 0) {
		for (pp = &loaded_modules; *pp; pp = &(*pp)->next) {
			if (*pp == m) {
				*pp = m->next;
				last = true;
				break;
			}
		}
	}
	pthread_mutex_unlock(&registry_lock);
	if (!last)
		return;
	if (m->handle)
		dlclose(m->handle);
	free(m->name);
	free(m);
}

/* ---- stacking ---- */

static int push_one(struct fuse_fs **topp, const char *name,
		    struct fuse_args *args)
{
	struct fuse_fs *below[2] = { *topp, NULL };
	struct fuse_module *m = module_get(name);
	struct fuse_fs *fs;

	if (!m)
		return -ENOENT;
	/* A factory that fails says why itself (options, allocation). */
	fs = m->factory(args, below);
	if (!fs) {
		lf_hl_module_put(m);
		return -EINVAL;
	}
	fs->m = m;
	*topp = fs;
	return 0;
}

int lf_hl_push_modules(struct fuse_fs **fsp, const char *modules,
		       struct fuse_args *args)
{
	struct fuse_fs *top;
	char *list, *name, *next;
	int err = 0;

	if (!fsp || !*fsp)
		return -EINVAL;
	if (!modules)
		return 0;
	list = strdup(modules);
	if (!list) {
		lf_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
		return -ENOMEM;
	}
	top = *fsp;
	for (name = list; name && !err; name = next) {
		next = strchr(name, ':');
		if (next)
			*next++ = '\0';
		if (name[0])
			err = push_one(&top, name, args);
	}
	free(list);
	if (err) {
		/* The filesystem never got to init: no destroy for it. */
		lf_hl_fs_unwind(top, *fsp);
		return err;
	}
	*fsp = top;
	return 0;
}

/* ---- help ---- */

/* A factory prints its help when handed "-h", and then fails. */
static void print_module_help(const char *name, fuse_module_factory_t factory)
{
	struct fuse_args a = FUSE_ARGS_INIT(0, NULL);
	struct fuse_fs *fs;

	if (fuse_opt_add_arg(&a, "") == -1 || fuse_opt_add_arg(&a, "-h") == -1) {
		fuse_opt_free_args(&a);
		return;
	}
	printf("\nOptions for %s module:\n", name);
	fs = factory(&a, NULL);
	/* one that ignores -h built a layer over nothing: drop it */
	if (fs)
		lf_hl_fs_unwind(fs, NULL);
	fuse_opt_free_args(&a);
}

void lf_hl_modules_help(void)
{
	size_t i;

	for (i = 0; i < LF_ARRAY_SIZE(builtin_modules); i++)
		print_module_help(builtin_modules[i].name,
				  builtin_modules[i].factory);
}

struct help_opts {
	char *modules;
};

static const struct fuse_opt help_spec[] = {
	{ "modules=%s", offsetof(struct help_opts, modules), 0 },
	FUSE_OPT_KEY("modules=%s", FUSE_OPT_KEY_KEEP),
	FUSE_OPT_END
};

/* Unknown options are none of our business here: keep them. */
static int keep_all(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	(void)data;
	(void)arg;
	(void)key;
	(void)outargs;
	return 1;
}

void lf_hl_modules_help_args(struct fuse_args *args)
{
	struct help_opts o = { NULL };
	char *name, *next;

	if (!args || fuse_opt_parse(args, &o, help_spec, keep_all) == -1 ||
	    !o.modules) {
		free(o.modules);
		return;
	}
	for (name = o.modules; name; name = next) {
		struct fuse_module *m;

		next = strchr(name, ':');
		if (next)
			*next++ = '\0';
		m = module_get(name);
		if (m) {
			print_module_help(name, m->factory);
			lf_hl_module_put(m);
		}
	}
	free(o.modules);
}

/* ---- the path-translating layer both built-in modules are ---- */

struct xl;

struct xl_ops {
	/* Path as the layer below names it (malloc()ed). 0 or -errno. */
	int (*to_below)(struct xl *xl, const char *path, char **ret);
	/* Name from below as the layer above shows it; NULL: unchanged. */
	int (*to_above)(struct xl *xl, const char *name, char **ret);
	/* Rewrite a link target read from below, in place. 0 or -errno. */
	int (*fix_link)(struct xl *xl, const char *below_path, char *buf,
			size_t size);
	/* Whether a new symlink's target is a name to translate too. */
	bool translate_target;
	void (*free_layer)(struct xl *xl);
};

/* Embedded first in each module's state; the layer's private data. */
struct xl {
	struct fuse_fs *next;
	const struct xl_ops *ops;
};

/*
 * The running layer (its private data is current while its handler runs)
 * and path translated for the layer below; NULL stays NULL for handlers
 * called without a path (nullpath_ok).
 */
static int xl_path(struct xl **ret_xl, const char *path, char **ret_path)
{
	struct fuse_context *c = fuse_get_context();
	struct xl *xl = c ? c->private_data : NULL;

	*ret_path = NULL;
	if (!xl)
		return -EIO;
	*ret_xl = xl;
	if (!path)
		return 0;
	return xl->ops->to_below(xl, path, ret_path);
}

/* Two paths (rename, link, copy_file_range); both freed on failure. */
static int xl_path2(struct xl **ret_xl, const char *a, char **ret_a,
		    const char *b, char **ret_b)
{
	int err = xl_path(ret_xl, a, ret_a);

	if (err)
		return err;
	*ret_b = NULL;
	if (b)
		err = (*ret_xl)->ops->to_below(*ret_xl, b, ret_b);
	if (err) {
		free(*ret_a);
		*ret_a = NULL;
	}
	return err;
}

static int xl_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_getattr(xl->next, p, st, fi);
	free(p);
	return err;
}

static int xl_access(const char *path, int mask)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_access(xl->next, p, mask);
	free(p);
	return err;
}

static int xl_readlink(const char *path, char *buf, size_t size)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (err)
		return err;
	err = fuse_fs_readlink(xl->next, p, buf, size);
	if (!err && xl->ops->fix_link && size)
		err = xl->ops->fix_link(xl, p, buf, size);
	free(p);
	return err;
}

static int xl_opendir(const char *path, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_opendir(xl->next, p, fi);
	free(p);
	return err;
}

struct xl_dir {
	struct xl *xl;
	void *buf;
	fuse_fill_dir_t filler;
};

/* Names that cannot be shown above are left out, as libfuse does. */
static int xl_fill(void *buf, const char *name, const struct stat *st,
		   off_t off, enum fuse_fill_dir_flags flags)
{
	struct xl_dir *d = buf;
	char *shown;
	int res;

	if (d->xl->ops->to_above(d->xl, name, &shown))
		return 0;
	res = d->filler(d->buf, shown, st, off, flags);
	free(shown);
	return res;
}

static int xl_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (err)
		return err;
	if (xl->ops->to_above) {
		struct xl_dir d = { xl, buf, filler };

		err = fuse_fs_readdir(xl->next, p, &d, xl_fill, off, fi,
				      flags);
	} else {
		err = fuse_fs_readdir(xl->next, p, buf, filler, off, fi,
				      flags);
	}
	free(p);
	return err;
}

static int xl_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_releasedir(xl->next, p, fi);
	free(p);
	return err;
}

static int xl_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_mknod(xl->next, p, mode, rdev);
	free(p);
	return err;
}

static int xl_mkdir(const char *path, mode_t mode)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_mkdir(xl->next, p, mode);
	free(p);
	return err;
}

static int xl_unlink(const char *path)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_unlink(xl->next, p);
	free(p);
	return err;
}

static int xl_rmdir(const char *path)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_rmdir(xl->next, p);
	free(p);
	return err;
}

static int xl_symlink(const char *target, const char *path)
{
	struct xl *xl;
	char *p;
	char *t = NULL;
	int err = xl_path(&xl, path, &p);

	if (err)
		return err;
	if (xl->ops->translate_target && target)
		err = xl->ops->to_below(xl, target, &t);
	if (!err)
		err = fuse_fs_symlink(xl->next, t ? t : target, p);
	free(t);
	free(p);
	return err;
}

static int xl_rename(const char *from, const char *to, unsigned int flags)
{
	struct xl *xl;
	char *a, *b;
	int err = xl_path2(&xl, from, &a, to, &b);

	if (err)
		return err;
	err = fuse_fs_rename(xl->next, a, b, flags);
	free(a);
	free(b);
	return err;
}

static int xl_link(const char *from, const char *to)
{
	struct xl *xl;
	char *a, *b;
	int err = xl_path2(&xl, from, &a, to, &b);

	if (err)
		return err;
	err = fuse_fs_link(xl->next, a, b);
	free(a);
	free(b);
	return err;
}

static int xl_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_chmod(xl->next, p, mode, fi);
	free(p);
	return err;
}

static int xl_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_chown(xl->next, p, uid, gid, fi);
	free(p);
	return err;
}

static int xl_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_truncate(xl->next, p, size, fi);
	free(p);
	return err;
}

static int xl_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_utimens(xl->next, p, tv, fi);
	free(p);
	return err;
}

static int xl_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_create(xl->next, p, mode, fi);
	free(p);
	return err;
}

static int xl_open(const char *path, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_open(xl->next, p, fi);
	free(p);
	return err;
}

static int xl_read_buf(const char *path, struct fuse_bufvec **bufp,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_read_buf(xl->next, p, bufp, size, off, fi);
	free(p);
	return err;
}

static int xl_write_buf(const char *path, struct fuse_bufvec *buf, off_t off,
			struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_write_buf(xl->next, p, buf, off, fi);
	free(p);
	return err;
}

static int xl_statfs(const char *path, struct statvfs *st)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_statfs(xl->next, p, st);
	free(p);
	return err;
}

static int xl_flush(const char *path, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_flush(xl->next, p, fi);
	free(p);
	return err;
}

static int xl_release(const char *path, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_release(xl->next, p, fi);
	free(p);
	return err;
}

static int xl_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_fsync(xl->next, p, datasync, fi);
	free(p);
	return err;
}

static int xl_fsyncdir(const char *path, int datasync,
		       struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_fsyncdir(xl->next, p, datasync, fi);
	free(p);
	return err;
}

static int xl_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_setxattr(xl->next, p, name, value, size, flags);
	free(p);
	return err;
}

static int xl_getxattr(const char *path, const char *name, char *value,
		       size_t size)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_getxattr(xl->next, p, name, value, size);
	free(p);
	return err;
}

static int xl_listxattr(const char *path, char *list, size_t size)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_listxattr(xl->next, p, list, size);
	free(p);
	return err;
}

static int xl_removexattr(const char *path, const char *name)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_removexattr(xl->next, p, name);
	free(p);
	return err;
}

static int xl_lock(const char *path, struct fuse_file_info *fi, int cmd,
		   struct flock *lock)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_lock(xl->next, p, fi, cmd, lock);
	free(p);
	return err;
}

static int xl_flock(const char *path, struct fuse_file_info *fi, int op)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_flock(xl->next, p, fi, op);
	free(p);
	return err;
}

static int xl_bmap(const char *path, size_t blocksize, uint64_t *idx)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_bmap(xl->next, p, blocksize, idx);
	free(p);
	return err;
}

static int xl_ioctl(const char *path, unsigned int cmd, void *arg,
		    struct fuse_file_info *fi, unsigned int flags, void *data)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_ioctl(xl->next, p, cmd, arg, fi, flags, data);
	free(p);
	return err;
}

static int xl_poll(const char *path, struct fuse_file_info *fi,
		   struct fuse_pollhandle *ph, unsigned *reventsp)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_poll(xl->next, p, fi, ph, reventsp);
	free(p);
	return err;
}

static int xl_fallocate(const char *path, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_fallocate(xl->next, p, mode, off, len, fi);
	free(p);
	return err;
}

static ssize_t xl_copy_file_range(const char *path_in,
				  struct fuse_file_info *fi_in, off_t off_in,
				  const char *path_out,
				  struct fuse_file_info *fi_out, off_t off_out,
				  size_t len, int flags)
{
	struct xl *xl;
	char *a, *b;
	ssize_t res;
	int err = xl_path2(&xl, path_in, &a, path_out, &b);

	if (err)
		return err;
	res = fuse_fs_copy_file_range(xl->next, a, fi_in, off_in, b, fi_out,
				      off_out, len, flags);
	free(a);
	free(b);
	return res;
}

static off_t xl_lseek(const char *path, off_t off, int whence,
		      struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	off_t res;
	int err = xl_path(&xl, path, &p);

	if (err)
		return err;
	res = fuse_fs_lseek(xl->next, p, off, whence, fi);
	free(p);
	return res;
}

#if !LF_ABI_314
static int xl_statx(const char *path, int flags, int mask,
		    struct statx *stxbuf, struct fuse_file_info *fi)
{
	struct xl *xl;
	char *p;
	int err = xl_path(&xl, path, &p);

	if (!err)
		err = fuse_fs_statx(xl->next, p, flags, mask, stxbuf, fi);
	free(p);
	return err;
}
#endif

/* The layer keeps itself as private data; cfg is left to the layers below. */
static void *xl_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct fuse_context *c = fuse_get_context();
	struct xl *xl = c ? c->private_data : NULL;

	if (xl)
		fuse_fs_init(xl->next, conn, cfg);
	return xl;
}

static void xl_destroy(void *data)
{
	struct xl *xl = data;

	if (!xl)
		return;
	fuse_fs_destroy(xl->next);
	xl->ops->free_layer(xl);
}

static const struct fuse_operations xl_oper = {
	.init		= xl_init,
	.destroy	= xl_destroy,
	.getattr	= xl_getattr,
	.access		= xl_access,
	.readlink	= xl_readlink,
	.opendir	= xl_opendir,
	.readdir	= xl_readdir,
	.releasedir	= xl_releasedir,
	.mknod		= xl_mknod,
	.mkdir		= xl_mkdir,
	.symlink	= xl_symlink,
	.unlink		= xl_unlink,
	.rmdir		= xl_rmdir,
	.rename		= xl_rename,
	.link		= xl_link,
	.chmod		= xl_chmod,
	.chown		= xl_chown,
	.truncate	= xl_truncate,
	.utimens	= xl_utimens,
	.create		= xl_create,
	.open		= xl_open,
	.read_buf	= xl_read_buf,
	.write_buf	= xl_write_buf,
	.statfs		= xl_statfs,
	.flush		= xl_flush,
	.release	= xl_release,
	.fsync		= xl_fsync,
	.fsyncdir	= xl_fsyncdir,
	.setxattr	= xl_setxattr,
	.getxattr	= xl_getxattr,
	.listxattr	= xl_listxattr,
	.removexattr	= xl_removexattr,
	.lock		= xl_lock,
	.flock		= xl_flock,
	.bmap		= xl_bmap,
	.ioctl		= xl_ioctl,
	.poll		= xl_poll,
	.fallocate	= xl_fallocate,
	.copy_file_range = xl_copy_file_range,
	.lseek		= xl_lseek,
#if !LF_ABI_314
	.statx		= xl_statx,
#endif
};

/* Wrap a module's state (which embeds xl) into a layer over next. */
static struct fuse_fs *xl_new(struct xl *xl, const struct xl_ops *ops,
			      struct fuse_fs *next)
{
	xl->next = next;
	xl->ops = ops;
	return fuse_fs_new(&xl_oper, sizeof(xl_oper), xl);
}

/* Keeps unknown options in args for the layers and session after us. */
static int module_opt_proc(void *data, const char *arg, int key,
			   struct fuse_args *outargs, void (*help)(void))
{
	(void)data;
	(void)arg;
	(void)outargs;
	if (key == 0) {
		help();
		return -1;
	}
	return 1;
}

/* ---- subdir: every path gets a base directory prepended ---- */

struct subdir {
	struct xl xl;
	char *base;		/* "" or ends in '/' */
	size_t baselen;
	int rellinks;
};

static int subdir_to_below(struct xl *xl, const char *path, char **ret)
{
	struct subdir *d = (struct subdir *)xl;
	const char *rel = path[0] == '/' ? path + 1 : path;
	size_t len = strlen(rel);
	char *p = malloc(d->baselen + len + 2);

	if (!p)
		return -ENOMEM;
	memcpy(p, d->base, d->baselen);
	memcpy(p + d->baselen, rel, len + 1);
	/* the root of an empty base is the current directory */
	if (!p[0])
		strcpy(p, ".");
	*ret = p;
	return 0;
}

static size_t component_len(const char *s)
{
	return strcspn(s, "/");
}

static unsigned int count_components(const char *s)
{
	unsigned int n = 0;

	for (;;) {
		s += strspn(s, "/");
		if (!*s)
			return n;
		n++;
		s += component_len(s);
	}
}

/*
 * rellinks: an absolute target inside the base directory becomes relative
 * to the link's directory, so the tree still works when mounted elsewhere.
 * Targets outside the base, and results that do not fit, stay as they are.
 */
static int subdir_fix_link(struct xl *xl, const char *link_path, char *buf,
			   size_t size)
{
	struct subdir *d = (struct subdir *)xl;
	const char *t = buf, *l = link_path;
	unsigned int ups;
	size_t tlen;

	if (!d->rellinks || buf[0] != '/' || d->base[0] != '/')
		return 0;
	/* skip the leading components target and link have in common */
	for (;;) {
		size_t n, m;

		t += strspn(t, "/");
		l += strspn(l, "/");
		n = component_len(t);
		m = component_len(l);
		if (!n || n != m || memcmp(t, l, n) != 0)
			break;
		t += n;
		l += m;
	}
	if ((size_t)(t - buf) < d->baselen)
		return 0;
	ups = count_components(l);
	if (!ups)
		return 0;
	ups--;	/* the link's own name is not a directory to climb out of */
	tlen = strlen(t);
	if ((size_t)ups * 3 + tlen + 2 > size)
		return 0;
	memmove(buf + ups * 3, t, tlen + 1);
	if (!tlen && !ups)
		strcpy(buf, ".");
	for (unsigned int i = 0; i < ups; i++)
		memcpy(buf + i * 3, "../", 3);
	return 0;
}

static void subdir_free(struct xl *xl)
{
	struct subdir *d = (struct subdir *)xl;

	free(d->base);
	free(d);
}

static const struct xl_ops subdir_ops = {
	.to_below = subdir_to_below,
	.fix_link = subdir_fix_link,
	.free_layer = subdir_free,
};

static void subdir_help(void)
{
	printf("    -o subdir=DIR\t    prepend this directory to all paths (mandatory)\n"
	       "    -o [no]rellinks\t    transform absolute symlinks to relative\n");
}

static int subdir_opt_proc(void *data, const char *arg, int key,
			   struct fuse_args *outargs)
{
	return module_opt_proc(data, arg, key, outargs, subdir_help);
}

static const struct fuse_opt subdir_spec[] = {
	FUSE_OPT_KEY("-h", 0),
	FUSE_OPT_KEY("--help", 0),
	{ "subdir=%s", offsetof(struct subdir, base), 0 },
	{ "rellinks", offsetof(struct subdir, rellinks), 1 },
	{ "norellinks", offsetof(struct subdir, rellinks), 0 },
	FUSE_OPT_END
};

/* The base always ends in '/' (unless empty) so joining is a copy. */
static int subdir_fix_base(struct subdir *d)
{
	size_t len = strlen(d->base);

	if (len && d->base[len - 1] != '/') {
		char *s = realloc(d->base, len + 2);

		if (!s)
			return -ENOMEM;
		s[len] = '/';
		s[len + 1] = '\0';
		d->base = s;
		len++;
	}
	d->baselen = len;
	return 0;
}

static struct fuse_fs *subdir_new(struct fuse_args *args,
				  struct fuse_fs *next[])
{
	struct subdir *d = calloc(1, sizeof(*d));
	struct fuse_fs *fs;

	if (!d) {
		lf_log(FUSE_LOG_ERR, "fuse-subdir: memory allocation failed\n");
		return NULL;
	}
	if (fuse_opt_parse(args, d, subdir_spec, subdir_opt_proc) == -1)
		goto fail;
	if (!next || !next[0] || next[1]) {
		lf_log(FUSE_LOG_ERR,
		       "fuse-subdir: exactly one next filesystem required\n");
		goto fail;
	}
	if (!d->base) {
		lf_log(FUSE_LOG_ERR, "fuse-subdir: missing 'subdir' option\n");
		goto fail;
	}
	if (subdir_fix_base(d)) {
		lf_log(FUSE_LOG_ERR, "fuse-subdir: memory allocation failed\n");
		goto fail;
	}
	fs = xl_new(&d->xl, &subdir_ops, next[0]);
	if (fs)
		return fs;
fail:
	free(d->base);
	free(d);
	return NULL;
}

/* ---- iconv: file names converted between two encodings ---- */

struct iconv_mod {
	struct xl xl;
	pthread_mutex_t lock;	/* an iconv_t keeps state: one user at a time */
	char *from_code;	/* encoding of the names below (UTF-8) */
	char *to_code;		/* encoding shown above ("" = locale's) */
	iconv_t tofs;		/* above -> below */
	iconv_t fromfs;		/* below -> above */
};

/* Grow an output buffer, keeping the write cursor valid. */
static int grow(char **buf, size_t *cap, char **out, size_t *outleft,
		size_t more)
{
	size_t used = (size_t)(*out - *buf);
	char *n = realloc(*buf, *cap + more + 1);

	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap += more;
	*out = n + used;
	*outleft += more;
	return 0;
}

/* Convert in, then emit the shift back to the initial state. */
static int run_iconv(iconv_t cd, const char *in, char **buf, size_t *cap,
		     char **out, size_t *outleft)
{
	char *inp = (char *)in;
	size_t inleft = strlen(in);
	int err;

	while (inleft) {
		if (iconv(cd, &inp, &inleft, out, outleft) != (size_t)-1)
			continue;
		if (errno != E2BIG)
			return -EILSEQ;
		err = grow(buf, cap, out, outleft, (inleft + 1) * 4);
		if (err)
			return err;
	}
	while (iconv(cd, NULL, NULL, out, outleft) == (size_t)-1) {
		if (errno != E2BIG)
			return -EILSEQ;
		err = grow(buf, cap, out, outleft, 16);
		if (err)
			return err;
	}
	return 0;
}

static int iconv_convert(struct iconv_mod *ic, iconv_t cd, const char *in,
			 char **ret)
{
	size_t cap = strlen(in) * 4;
	char *buf = malloc(cap + 1);
	char *out = buf;
	size_t outleft = cap;
	int err;

	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&ic->lock);
	iconv(cd, NULL, NULL, NULL, NULL);
	err = run_iconv(cd, in, &buf, &cap, &out, &outleft);
	pthread_mutex_unlock(&ic->lock);
	if (err) {
		free(buf);
		return err;
	}
	*out = '\0';
	*ret = buf;
	return 0;
}

static int iconv_to_below(struct xl *xl, const char *path, char **ret)
{
	struct iconv_mod *ic = (struct iconv_mod *)xl;

	return iconv_convert(ic, ic->tofs, path, ret);
}

static int iconv_to_above(struct xl *xl, const char *name, char **ret)
{
	struct iconv_mod *ic = (struct iconv_mod *)xl;

	return iconv_convert(ic, ic->fromfs, name, ret);
}

static int iconv_fix_link(struct xl *xl, const char *below_path, char *buf,
			  size_t size)
{
	char *shown;
	size_t len;
	int err;

	(void)below_path;
	err = iconv_to_above(xl, buf, &shown);
	if (err)
		return err;
	len = strlen(shown);
	if (len > size - 1)
		len = size - 1;
	memcpy(buf, shown, len);
	buf[len] = '\0';
	free(shown);
	return 0;
}

static void iconv_free(struct xl *xl)
{
	struct iconv_mod *ic = (struct iconv_mod *)xl;

	iconv_close(ic->tofs);
	iconv_close(ic->fromfs);
	pthread_mutex_destroy(&ic->lock);
	free(ic->from_code);
	free(ic->to_code);
	free(ic);
}

static const struct xl_ops iconv_ops = {
	.to_below = iconv_to_below,
	.to_above = iconv_to_above,
	.fix_link = iconv_fix_link,
	.translate_target = true,
	.free_layer = iconv_free,
};

/*
 * LC_CTYPE from the environment while fn runs, so "" (and the help's
 * default) mean the user's charset; the program's locale is restored.
 */
static void with_env_ctype(void (*fn)(void *), void *arg)
{
	const char *cur = setlocale(LC_CTYPE, NULL);
	char *saved = cur ? strdup(cur) : NULL;

	setlocale(LC_CTYPE, "");
	fn(arg);
	if (saved)
		setlocale(LC_CTYPE, saved);
	free(saved);
}

static void print_iconv_help(void *arg)
{
	(void)arg;
	printf("    -o from_code=CHARSET   original encoding of file names (default: UTF-8)\n"
	       "    -o to_code=CHARSET     new encoding of the file names (default: %s)\n",
	       nl_langinfo(CODESET));
}

static void iconv_help(void)
{
	with_env_ctype(print_iconv_help, NULL);
}

static int iconv_opt_proc(void *data, const char *arg, int key,
			  struct fuse_args *outargs)
{
	return module_opt_proc(data, arg, key, outargs, iconv_help);
}

static const struct fuse_opt iconv_spec[] = {
	FUSE_OPT_KEY("-h", 0),
	FUSE_OPT_KEY("--help", 0),
	{ "from_code=%s", offsetof(struct iconv_mod, from_code), 0 },
	{ "to_code=%s", offsetof(struct iconv_mod, to_code), 1 },
	FUSE_OPT_END
};

static void open_converters(void *arg)
{
	struct iconv_mod *ic = arg;
	const char *from = ic->from_code ? ic->from_code : "UTF-8";
	const char *to = ic->to_code ? ic->to_code : "";

	ic->tofs = iconv_open(from, to);
	if (ic->tofs == (iconv_t)-1) {
		lf_log(FUSE_LOG_ERR, "fuse-iconv: cannot convert from %s to %s\n",
		       to, from);
		return;
	}
	ic->fromfs = iconv_open(to, from);
	if (ic->fromfs == (iconv_t)-1) {
		lf_log(FUSE_LOG_ERR, "fuse-iconv: cannot convert from %s to %s\n",
		       from, to);
		iconv_close(ic->tofs);
		ic->tofs = (iconv_t)-1;
	}
}

static struct fuse_fs *iconv_new(struct fuse_args *args,
				 struct fuse_fs *next[])
{
	struct iconv_mod *ic = calloc(1, sizeof(*ic));
	struct fuse_fs *fs;

	if (!ic) {
		lf_log(FUSE_LOG_ERR, "fuse-iconv: memory allocation failed\n");
		return NULL;
	}
	if (fuse_opt_parse(args, ic, iconv_spec, iconv_opt_proc) == -1)
		goto fail;
	if (!next || !next[0] || next[1]) {
		lf_log(FUSE_LOG_ERR,
		       "fuse-iconv: exactly one next filesystem required\n");
		goto fail;
	}
	ic->tofs = ic->fromfs = (iconv_t)-1;
	with_env_ctype(open_converters, ic);
	if (ic->tofs == (iconv_t)-1)
		goto fail;
	pthread_mutex_init(&ic->lock, NULL);
	fs = xl_new(&ic->xl, &iconv_ops, next[0]);
	if (fs)
		return fs;
	pthread_mutex_destroy(&ic->lock);
	iconv_close(ic->tofs);
	iconv_close(ic->fromfs);
fail:
	free(ic->from_code);
	free(ic->to_code);
	free(ic);
	return NULL;
}

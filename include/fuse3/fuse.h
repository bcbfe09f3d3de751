/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse.h - the path-based ("high-level") libfuse 3 API: fuse_operations,
 * fuse_config, fuse_main()/fuse_new() and the fuse_fs_* stacking calls.
 * Follows libfuse 3.17/3.18, or 3.14.0 with FASTFUSE_ABI_314.
 */
#ifndef FUSE_H_
#define FUSE_H_

#include "fuse_common.h"

#include <fcntl.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef FASTFUSE_ABI_314
struct statx;
#endif

/* One mounted high-level filesystem. */
struct fuse;

/* Passed to readdir. */
enum fuse_readdir_flags {
#ifndef FASTFUSE_ABI_314
	FUSE_READDIR_DEFAULTS = 0,
#endif
	/* The kernel would like attributes too (readdirplus). */
	FUSE_READDIR_PLUS = (1 << 0)
};

/* Passed by readdir to the filler. */
enum fuse_fill_dir_flags {
#ifndef FASTFUSE_ABI_314
	FUSE_FILL_DIR_DEFAULTS = 0,
#endif
	/* stbuf is fully valid and may prefill the inode cache. */
	FUSE_FILL_DIR_PLUS = (1 << 1)
};

/*
 * Adds one entry in readdir. off is the cookie of the next entry, or 0
 * when the filesystem does not support seeking. Returns 1 when the buffer
 * is full.
 */
typedef int (*fuse_fill_dir_t)(void *buf, const char *name,
			       const struct stat *stbuf, off_t off,
			       enum fuse_fill_dir_flags flags);

/*
 * High-level options, filled in from the fuse_new() arguments and handed
 * to the init handler, which may adjust them.
 */
#ifdef FASTFUSE_ABI_314
struct fuse_config {
	int set_gid;			/* force st_gid to gid */
	unsigned int gid;
	int set_uid;			/* force st_uid to uid */
	unsigned int uid;
	int set_mode;			/* clear umask bits from st_mode */
	unsigned int umask;
	double entry_timeout;		/* name cache seconds */
	double negative_timeout;	/* negative-lookup cache seconds */
	double attr_timeout;		/* attribute cache seconds */
	int intr;			/* allow interrupting requests */
	int intr_signal;		/* signal used to interrupt */
	int remember;			/* keep inodes this many s (-1: always) */
	int hard_remove;		/* unlink open files for real */
	int use_ino;			/* honour st_ino */
	int readdir_ino;		/* best-effort d_ino without use_ino */
	int direct_io;			/* force direct_io on every open */
	int kernel_cache;		/* force keep_cache on every open */
	int auto_cache;			/* drop cache when mtime/size changed */
	int no_rofd_flush;		/* no FLUSH on close of read-only fds */
	int ac_attr_timeout_set;
	double ac_attr_timeout;		/* attr timeout used by auto_cache */
	int nullpath_ok;		/* handlers cope with NULL paths */
	/* Library-internal from here. */
	int show_help;
	char *modules;
	int debug;
};
#else
struct fuse_config {
	int32_t set_gid;		/* force st_gid to gid */
	uint32_t gid;
	int32_t set_uid;		/* force st_uid to uid */
	uint32_t uid;
	int32_t set_mode;		/* clear umask bits from st_mode */
	uint32_t umask;
	double entry_timeout;		/* name cache seconds */
	double negative_timeout;	/* negative-lookup cache seconds */
	double attr_timeout;		/* attribute cache seconds */
	int32_t intr;			/* allow interrupting requests */
	int32_t intr_signal;		/* signal used to interrupt */
	int32_t remember;		/* keep inodes this many s (-1: always) */
	int32_t hard_remove;		/* unlink open files for real */
	int32_t use_ino;		/* honour st_ino */
	int32_t readdir_ino;		/* best-effort d_ino without use_ino */
	int32_t direct_io;		/* force direct_io on every open */
	int32_t kernel_cache;		/* force keep_cache on every open */
	int32_t auto_cache;		/* drop cache when mtime/size changed */
	int32_t ac_attr_timeout_set;
	double ac_attr_timeout;		/* attr timeout used by auto_cache */
	int32_t nullpath_ok;		/* handlers cope with NULL paths */
	/* Library-internal. */
	int32_t show_help;
	char *modules;
	int32_t debug;
	/*
	 * Everything below was appended in 3.17 so that the fields above
	 * keep their 3.10 offsets.
	 */
	uint32_t fmask;			/* like umask, files only */
	uint32_t dmask;			/* like umask, directories only */
	int32_t no_rofd_flush;		/* no FLUSH on close of read-only fds */
	int32_t parallel_direct_writes;	/* allow parallel direct writes */
	uint32_t flags;
	uint64_t reserved[48];
};
#endif

/*
 * Path-based operations. Handlers return 0 or a negated errno; any may be
 * left NULL. The table is passed with its size, so members are only ever
 * appended.
 */
struct fuse_operations {
	/* stat(2); fi may be NULL even for open files. */
	int (*getattr)(const char *, struct stat *, struct fuse_file_info *fi);
	/* Symlink target into a buffer of the given size, NUL-terminated. */
	int (*readlink)(const char *, char *, size_t);
	/* Create a non-directory, non-symlink node. */
	int (*mknod)(const char *, mode_t, dev_t);
	/* Create a directory (mode may lack S_IFDIR). */
	int (*mkdir)(const char *, mode_t);
	int (*unlink)(const char *);
	int (*rmdir)(const char *);
	/* symlink(target, linkpath). */
	int (*symlink)(const char *, const char *);
	/* flags as renameat2(2). */
	int (*rename)(const char *, const char *, unsigned int flags);
	int (*link)(const char *, const char *);
	int (*chmod)(const char *, mode_t, struct fuse_file_info *fi);
	int (*chown)(const char *, uid_t, gid_t, struct fuse_file_info *fi);
	int (*truncate)(const char *, off_t, struct fuse_file_info *fi);
	/* May set fi->fh and the open reply bits. */
	int (*open)(const char *, struct fuse_file_info *);
	/* Bytes read, or -errno. */
	int (*read)(const char *, char *, size_t, off_t,
		    struct fuse_file_info *);
	/* Bytes written, or -errno. */
	int (*write)(const char *, const char *, size_t, off_t,
		     struct fuse_file_info *);
	int (*statfs)(const char *, struct statvfs *);
	/* Every close(2) of a descriptor. */
	int (*flush)(const char *, struct fuse_file_info *);
	/* Last close; the result is ignored. */
	int (*release)(const char *, struct fuse_file_info *);
	int (*fsync)(const char *, int, struct fuse_file_info *);
	int (*setxattr)(const char *, const char *, const char *, size_t, int);
	int (*getxattr)(const char *, const char *, char *, size_t);
	int (*listxattr)(const char *, char *, size_t);
	int (*removexattr)(const char *, const char *);
	int (*opendir)(const char *, struct fuse_file_info *);
	/* Fill entries with the filler, from offset on if seekable. */
	int (*readdir)(const char *, void *, fuse_fill_dir_t, off_t,
		       struct fuse_file_info *, enum fuse_readdir_flags);
	int (*releasedir)(const char *, struct fuse_file_info *);
	int (*fsyncdir)(const char *, int, struct fuse_file_info *);
	/* Returns the new private_data of the fuse_context. */
	void *(*init)(struct fuse_conn_info *conn, struct fuse_config *cfg);
	void (*destroy)(void *private_data);
	int (*access)(const char *, int);
	int (*create)(const char *, mode_t, struct fuse_file_info *);
	/* F_GETLK, F_SETLK or F_SETLKW. */
	int (*lock)(const char *, struct fuse_file_info *, int cmd,
		    struct flock *);
	int (*utimens)(const char *, const struct timespec tv[2],
		       struct fuse_file_info *fi);
	int (*bmap)(const char *, size_t blocksize, uint64_t *idx);
	/* cmd became unsigned in API 3.5. */
#if FUSE_USE_VERSION < 35
	int (*ioctl)(const char *, int cmd, void *arg,
		     struct fuse_file_info *, unsigned int flags, void *data);
#else
	int (*ioctl)(const char *, unsigned int cmd, void *arg,
		     struct fuse_file_info *, unsigned int flags, void *data);
#endif
	/* Readiness; keep ph to call fuse_notify_poll() later. */
	int (*poll)(const char *, struct fuse_file_info *,
		    struct fuse_pollhandle *ph, unsigned *reventsp);
	int (*write_buf)(const char *, struct fuse_bufvec *buf, off_t off,
			 struct fuse_file_info *);
	/* Return a malloc()ed bufvec; the library frees it. */
	int (*read_buf)(const char *, struct fuse_bufvec **bufp,
			size_t size, off_t off, struct fuse_file_info *);
	int (*flock)(const char *, struct fuse_file_info *, int op);
	int (*fallocate)(const char *, int, off_t, off_t,
			 struct fuse_file_info *);
	ssize_t (*copy_file_range)(const char *path_in,
				   struct fuse_file_info *fi_in,
				   off_t offset_in, const char *path_out,
				   struct fuse_file_info *fi_out,
				   off_t offset_out, size_t size, int flags);
	off_t (*lseek)(const char *, off_t off, int whence,
		       struct fuse_file_info *);
#ifndef FASTFUSE_ABI_314
	/* statx(2); path may be NULL with AT_EMPTY_PATH in flags. */
	int (*statx)(const char *path, int flags, int mask,
		     struct statx *stxbuf, struct fuse_file_info *fi);
#endif
};

/* Per-request context, from fuse_get_context(). */
struct fuse_context {
	struct fuse *fuse;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	/* What init returned (or the fuse_main()/fuse_new() argument). */
	void *private_data;
	mode_t umask;
};

#ifdef FASTFUSE_ABI_314
/*
 * Parse the command line, mount, run the loop and clean up. 0 on success,
 * 1-7 for the stage that failed.
 */
#define fuse_main(argc, argv, op, private_data) \
	fuse_main_real(argc, argv, op, sizeof(*(op)), private_data)
#else
/* The entry point behind fuse_main(); records the header version. */
int fuse_main_real_versioned(int argc, char *argv[],
			     const struct fuse_operations *op, size_t op_size,
			     struct libfuse_version *version, void *user_data);

/*
 * Old explicit-size spelling of fuse_main(). Still works, but like
 * libfuse it complains once per call, as callers should use fuse_main().
 */
static FASTFUSE_INLINE int fuse_main_real(int argc, char *argv[],
					  const struct fuse_operations *op,
					  size_t op_size, void *user_data)
{
	struct libfuse_version version = {
		FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION, 0
	};

	fuse_log(FUSE_LOG_ERR,
		 "%s: internal entry point, call fuse_main() instead\n",
		 "fuse_main_real");
	return fuse_main_real_versioned(argc, argv, op, op_size, &version,
					user_data);
}

/*
 * Parse the command line, mount, run the loop and clean up. 0 on success,
 * 1-7 for the stage that failed.
 */
static FASTFUSE_INLINE int fuse_main_fn(int argc, char *argv[],
					const struct fuse_operations *op,
					void *user_data)
{
	struct libfuse_version version = {
		FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION, 0
	};

	return fuse_main_real_versioned(argc, argv, op, sizeof(*(op)),
					&version, user_data);
}
#define fuse_main(argc, argv, op, user_data) \
	fuse_main_fn(argc, argv, op, user_data)
#endif

/* Print the high-level options (and those of modules in args). */
void fuse_lib_help(struct fuse_args *args);

/*
 * Create a filesystem handle from options and operations. Until API 3.1
 * the call also parsed --help, hence two entry points.
 */
#ifdef FASTFUSE_ABI_314
#if FUSE_USE_VERSION == 30
struct fuse *fuse_new_30(struct fuse_args *args,
			 const struct fuse_operations *op,
			 size_t op_size, void *private_data);
#define fuse_new(args, op, size, data) fuse_new_30(args, op, size, data)
#else
#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
struct fuse *fuse_new(struct fuse_args *args, const struct fuse_operations *op,
		      size_t op_size, void *private_data);
#else
struct fuse *fuse_new_31(struct fuse_args *args,
			 const struct fuse_operations *op,
			 size_t op_size, void *user_data);
#define fuse_new(args, op, size, data) fuse_new_31(args, op, size, data)
#endif
#endif
#else /* !FASTFUSE_ABI_314 */
struct fuse *_fuse_new_30(struct fuse_args *args,
			  const struct fuse_operations *op, size_t op_size,
			  struct libfuse_version *version, void *user_data);
struct fuse *_fuse_new_31(struct fuse_args *args,
			  const struct fuse_operations *op, size_t op_size,
			  struct libfuse_version *version, void *user_data);

static FASTFUSE_INLINE struct fuse *fuse_new_fn(struct fuse_args *args,
						const struct fuse_operations *op,
						size_t op_size, void *user_data)
{
	struct libfuse_version version = {
		FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION, 0
	};

#if FUSE_USE_VERSION == 30
	return _fuse_new_30(args, op, op_size, &version, user_data);
#else
	return _fuse_new_31(args, op, op_size, &version, user_data);
#endif
}
#define fuse_new(args, op, size, data) fuse_new_fn(args, op, size, data)
#endif

/* Mount f at mountpoint. 0 or -1. */
int fuse_mount(struct fuse *f, const char *mountpoint);

/* Unmount f (see fuse_session_unmount()). */
void fuse_unmount(struct fuse *f);

/* Free f; does not unmount. */
void fuse_destroy(struct fuse *f);

/* Single-threaded loop; returns like fuse_session_loop(). */
int fuse_loop(struct fuse *f);

/* Make the loops of f return at the next opportunity. */
void fuse_exit(struct fuse *f);

/*
 * Multi-threaded loop; handlers must be thread-safe. Binds per API era
 * like fuse_session_loop_mt().
 */
#if FUSE_USE_VERSION < 32
int fuse_loop_mt_31(struct fuse *f, int clone_fd);
#define fuse_loop_mt(f, clone_fd) fuse_loop_mt_31(f, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config *config);
#define fuse_loop_mt(f, config) fuse_loop_mt_32(f, config)
#else
#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
int fuse_loop_mt(struct fuse *f, struct fuse_loop_config *config);
#else
int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config);
#define fuse_loop_mt(f, config) fuse_loop_mt_312(f, config)
#endif
#endif

/* Context of the request being handled; only valid inside a handler. */
struct fuse_context *fuse_get_context(void);

/* Supplementary groups of the current caller; total count or -errno. */
int fuse_getgroups(int size, gid_t list[]);

/* 1 if the current request was interrupted, else 0. */
int fuse_interrupted(void);

/* Drop kernel caches for path. -ENOENT if the path was never seen. */
int fuse_invalidate_path(struct fuse *f, const char *path);

#ifdef FASTFUSE_ABI_314
/* The real main; call fuse_main() instead. */
int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op,
		   size_t op_size, void *private_data);
#endif

/* Start/stop the thread that forgets remembered inodes ("remember"). */
int fuse_start_cleanup_thread(struct fuse *fuse);
void fuse_stop_cleanup_thread(struct fuse *fuse);

/* Expire stale remembered entries; seconds until the next run is due. */
int fuse_clean_cache(struct fuse *fuse);

/*
 * Stacking: a fuse_fs is one layer of operations. fuse_fs_* call the
 * layer's handler; an undefined handler gives -ENOSYS, except open,
 * release, opendir, releasedir and statfs, which succeed.
 */
struct fuse_fs;

int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
		    struct fuse_file_info *fi);
int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath,
		   const char *newpath, unsigned int flags);
int fuse_fs_unlink(struct fuse_fs *fs, const char *path);
int fuse_fs_rmdir(struct fuse_fs *fs, const char *path);
int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname,
		    const char *path);
int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath);
int fuse_fs_release(struct fuse_fs *fs, const char *path,
		    struct fuse_file_info *fi);
int fuse_fs_open(struct fuse_fs *fs, const char *path,
		 struct fuse_file_info *fi);
int fuse_fs_read(struct fuse_fs *fs, const char *path, char *buf, size_t size,
		 off_t off, struct fuse_file_info *fi);
int fuse_fs_read_buf(struct fuse_fs *fs, const char *path,
		     struct fuse_bufvec **bufp, size_t size, off_t off,
		     struct fuse_file_info *fi);
int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *buf,
		  size_t size, off_t off, struct fuse_file_info *fi);
int fuse_fs_write_buf(struct fuse_fs *fs, const char *path,
		      struct fuse_bufvec *buf, off_t off,
		      struct fuse_file_info *fi);
int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync,
		  struct fuse_file_info *fi);
int fuse_fs_flush(struct fuse_fs *fs, const char *path,
		  struct fuse_file_info *fi);
int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf);
int fuse_fs_opendir(struct fuse_fs *fs, const char *path,
		    struct fuse_file_info *fi);
int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf,
		    fuse_fill_dir_t filler, off_t off,
		    struct fuse_file_info *fi, enum fuse_readdir_flags flags);
int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync,
		     struct fuse_file_info *fi);
int fuse_fs_releasedir(struct fuse_fs *fs, const char *path,
		       struct fuse_file_info *fi);
int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode,
		   struct fuse_file_info *fi);
int fuse_fs_lock(struct fuse_fs *fs, const char *path,
		 struct fuse_file_info *fi, int cmd, struct flock *lock);
int fuse_fs_flock(struct fuse_fs *fs, const char *path,
		  struct fuse_file_info *fi, int op);
int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode,
		  struct fuse_file_info *fi);
int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
		  struct fuse_file_info *fi);
int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size,
		     struct fuse_file_info *fi);
int fuse_fs_utimens(struct fuse_fs *fs, const char *path,
		    const struct timespec tv[2], struct fuse_file_info *fi);
int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask);
int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf,
		     size_t len);
int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode,
		  dev_t rdev);
int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode);
int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name,
		     const char *value, size_t size, int flags);
int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name,
		     char *value, size_t size);
int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list,
		      size_t size);
int fuse_fs_removexattr(struct fuse_fs *fs, const char *path,
			const char *name);
int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize,
		 uint64_t *idx);
#if FUSE_USE_VERSION < 35
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, int cmd,
		  void *arg, struct fuse_file_info *fi, unsigned int flags,
		  void *data);
#else
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd,
		  void *arg, struct fuse_file_info *fi, unsigned int flags,
		  void *data);
#endif
int fuse_fs_poll(struct fuse_fs *fs, const char *path,
		 struct fuse_file_info *fi, struct fuse_pollhandle *ph,
		 unsigned *reventsp);
int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode,
		      off_t offset, off_t length, struct fuse_file_info *fi);
ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
				struct fuse_file_info *fi_in, off_t off_in,
				const char *path_out,
				struct fuse_file_info *fi_out, off_t off_out,
				size_t len, int flags);
off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off,
		    int whence, struct fuse_file_info *fi);
#ifndef FASTFUSE_ABI_314
int fuse_fs_statx(struct fuse_fs *fs, const char *path, int flags, int mask,
		  struct statx *stxbuf, struct fuse_file_info *fi);
#endif
void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn,
		  struct fuse_config *cfg);
void fuse_fs_destroy(struct fuse_fs *fs);

/* Wake pollers of a handle kept from the poll handler. */
int fuse_notify_poll(struct fuse_pollhandle *ph);

/* New layer from an operations table; used by module factories. */
struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size,
			    void *private_data);

/*
 * Builds a layer on top of fs[0] (fs is NULL-terminated), taking its
 * options out of args.
 */
typedef struct fuse_fs *(*fuse_module_factory_t)(struct fuse_args *args,
						 struct fuse_fs *fs[]);

/*
 * Export a module so "-o modules=name_" can find it: the library looks
 * up the symbol fuse_module_<name>_factory.
 */
#define FUSE_REGISTER_MODULE(name_, factory_) \
	fuse_module_factory_t fuse_module_ ## name_ ## _factory = factory_

/* The low-level session under f. */
struct fuse_session *fuse_get_session(struct fuse *f);

/* Open /dev/fuse and mount it at mountpoint; the fd or -1. */
int fuse_open_channel(const char *mountpoint, const char *options);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_H_ */

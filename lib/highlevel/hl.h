// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Internal definitions of the path ("high-level") API: struct fuse, one
 * filesystem layer (struct fuse_fs), the node table (node.c), path
 * resolution with its tree locks (path.c) and the lowlevel op table that
 * turns inode requests into path calls (ops.c).
 */
#ifndef LF_HL_H
#define LF_HL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "fuse_i.h"
#include "fuse.h"

/* One layer of a (possibly stacked) path filesystem. */
struct fuse_fs {
	struct fuse_operations op;	/* copied with op_size, zero-filled */
	void *user_data;
	struct fuse_module *m;		/* module the layer came from, or NULL */
	int debug;
};

/* Defined by the module registry (modules.h). */
struct fuse_module;

/* d_ino/st_ino libfuse reports when it does not know an inode number. */
#define LF_UNKNOWN_INO 0xffffffffu

/* ---- node.c: the inode <-> name table --------------------------------- */

struct lf_node;
struct lf_node_ext;

/*
 * An open-addressing table of pointers with one byte of hash per slot, so
 * most probes never touch the entry itself.
 */
struct lf_htab {
	void **slots;
	uint8_t *tags;
	uint32_t mask;		/* capacity - 1; capacity is a power of two */
	uint32_t used;
};

struct lf_nodes {
	struct lf_htab ids;	/* nodeid -> node */
	struct lf_htab names;	/* (parent, name) -> node */
	struct lf_htab exts;	/* node -> extra state (few nodes have any) */
	struct lf_node *root;
	uint32_t ctr;		/* last nodeid handed out */
	uint32_t generation;	/* bumped when ctr wraps */
	bool wrapped;		/* ids may now collide with live ones */
	int remember;		/* copy of fuse_config.remember */
	struct lf_node_ext *lru_head, *lru_tail; /* remembered, unreferenced */
	size_t count;		/* live nodes, root included */
};

/* Flags of struct lf_node. */
#define LF_NODE_HIDDEN	0x01	/* renamed to .fuse_hidden*, unlink at release */
#define LF_NODE_EXT	0x02	/* has an entry in the ext table */
#define LF_NODE_WWAIT	0x04	/* a writer waits for the readers to leave */
#define LF_NODE_LONGNAME 0x08	/* name lives in ext->name */

/*
 * A node is the library's inode: a name in a parent directory plus the
 * kernel's lookup count. Kept small (one allocation, name inline) since
 * a tree walk can leave hundreds of thousands cached. Protected by
 * struct fuse's lock.
 */
struct lf_node {
	struct lf_node *parent;	/* NULL for the root and unlinked nodes */
	uint32_t nodeid;
	uint32_t generation;
	uint32_t nlookup;	/* kernel references; sticks at UINT32_MAX */
	uint32_t refctr;	/* children + (nlookup != 0) */
	uint32_t hash;		/* hash of (parent id, name) while named */
	int32_t treelock;	/* >0 readers of the path, -1 write-locked */
	uint32_t open_count;
	uint8_t flags;
	char name[];		/* NUL-terminated; "" once unlinked */
};

/* POSIX lock held through the filesystem's lock handler. */
struct lf_lock {
	int type;
	off_t start;
	off_t end;
	pid_t pid;
	uint64_t owner;
	uint64_t fh;		/* taken through this open file */
	struct lf_lock *next;
};

/* State few nodes need: moved out of struct lf_node to keep it small. */
struct lf_node_ext {
	struct lf_node *node;
	char *name;			/* name too long for the inline buffer */
	struct lf_lock *locks;
	/* auto_cache: attributes seen last */
	struct timespec stat_updated;
	struct timespec mtime;
	off_t size;
	bool cache_valid;
	/* remember=T: unreferenced since forget_time */
	bool in_lru;
	struct timespec forget_time;
	struct lf_node_ext *lru_prev, *lru_next;
};

int lf_nodes_init(struct lf_nodes *nt, int remember);
void lf_nodes_free(struct lf_nodes *nt);
struct lf_node *lf_node_get(struct lf_nodes *nt, uint64_t nodeid);
struct lf_node *lf_node_lookup(struct lf_nodes *nt, struct lf_node *parent,
			       const char *name);
/* Find or create parent/name and count one kernel lookup on it. */
int lf_node_find(struct lf_nodes *nt, struct lf_node *parent,
		 const char *name, struct lf_node **ret_node);
/* Count one more kernel lookup on an existing node. */
void lf_node_inc_lookup(struct lf_nodes *nt, struct lf_node *node);
/* Drop n kernel lookups; the node goes away when nothing holds it. */
void lf_node_forget(struct lf_nodes *nt, struct lf_node *node, uint64_t n);
/* Take the name away (unlink, or replaced by a rename). */
void lf_node_unlink(struct lf_nodes *nt, struct lf_node *node);
/* Give node a new name; node must be named or newly created. */
int lf_node_rename(struct lf_nodes *nt, struct lf_node *node,
		   struct lf_node *newparent, const char *newname);
/* Free node if nothing refers to it any more. */
void lf_node_maybe_free(struct lf_nodes *nt, struct lf_node *node);
const char *lf_node_name(struct lf_nodes *nt, const struct lf_node *node);
/* Extra state of node, created on demand; NULL without memory. */
struct lf_node_ext *lf_node_ext(struct lf_nodes *nt, struct lf_node *node,
				bool create);
/* Expire remembered nodes older than remember seconds at now. */
void lf_nodes_clean(struct lf_nodes *nt, const struct timespec *now);
/* Call fn for every node (fuse_destroy); fn must not change the table. */
void lf_nodes_for_each(struct lf_nodes *nt,
		       void (*fn)(struct lf_node *node, void *data),
		       void *data);

/* ---- struct fuse ------------------------------------------------------ */

struct lf_intr;
struct lf_dh;

#define LF_ORDER_WORDS 16
/* How long a lock answer waits for a request that may never come. */
#define LF_ORDER_WAIT_MS 50

struct fuse {
	struct fuse_session *se;
	struct fuse_fs *fs;		/* top layer */
	struct fuse_fs *base_fs;	/* the application's own layer */
	struct fuse_config conf;

	pthread_mutex_t lock;	/* nodes, tree locks, open counts, locks */
	pthread_cond_t path_cond;	/* a tree lock was released */
	unsigned int path_waiters;
	struct lf_path *pending;	/* write-locked names without a node */
	struct lf_nodes nodes;
	unsigned int hidectr;

	struct lf_intr *intr_list;	/* requests that can be interrupted */
	pthread_cond_t intr_cond;
	int intr_installed;

	bool fs_inited;			/* init ran, destroy is owed */
	bool cleanup_running;
	pthread_t cleanup_thread;
	pthread_mutex_t cleanup_lock;
	pthread_cond_t cleanup_cond;
	bool cleanup_stop;

	/* order.c: every unique <= order_floor is done; bits above it */
	pthread_mutex_t order_lock;
	pthread_cond_t order_cond;
	bool order_started;
	uint64_t order_floor;
	uint64_t order_done[LF_ORDER_WORDS];
	unsigned int order_wait_ms;	/* LF_ORDER_WAIT_MS; tests change it */
};

/* ---- path.c: paths and tree locks -------------------------------------- */

/*
 * One path an operation needs: the node nodeid, or the entry name in the
 * directory nodeid. wlock also write-locks that entry (unlink, rmdir,
 * rename). Filled in by lf_path_get(): path, node, wnode.
 */
#define LF_PATH_HELD_INLINE 8
struct lf_path {
	uint64_t nodeid;
	const char *name;
	bool wlock;
	char *path;
	struct lf_node *node;
	struct lf_node *wnode;	/* NULL: the name is locked while absent */
	bool locked;
	/* private to path.c: the read-locked nodes, so unlocking does not
	 * depend on what happened to the tree meanwhile */
	uint32_t nheld;
	struct lf_node **held;
	struct lf_node *held_inline[LF_PATH_HELD_INLINE];
	struct lf_path *pending_next;	/* in fuse.pending while locked */
};

/* Lock and build n (1 or 2) paths; waits for conflicting writers. */
int lf_path_get(struct fuse *f, struct lf_path *p, int n);
void lf_path_put(struct fuse *f, struct lf_path *p, int n);
/* Path of a node without locking, under f->lock; NULL if it has none. */
int lf_path_build(struct fuse *f, struct lf_node *node, const char *name,
		  char **ret_path);

/* ---- ops.c -------------------------------------------------------------- */

extern const struct fuse_lowlevel_ops lf_hl_ops;
/* Expire remembered nodes; seconds until the next run (fuse_clean_cache). */
int lf_hl_clean_cache(struct fuse *f);
/* Remove the hidden files left behind, before the table is freed. */
void lf_hl_unlink_hidden(struct fuse *f);
/* The per-thread context of fuse_get_context(). */
struct fuse_context *lf_hl_context(void);

/* ---- ops.c, file.c, dir.c: shared pieces of the request handlers ----- */

/*
 * A request being served with -o intr semantics. Lives on the serving
 * thread's stack and is found by request under f->lock, so an interrupt
 * arriving after the handler finished touches nothing stale.
 */
struct lf_intr {
	fuse_req_t req;
	pthread_t thread;
	struct lf_intr *next;
};

struct fuse *lf_hl_prepare(fuse_req_t req);
/* lf_hl_prepare() without counting the request done (RELEASE). */
struct fuse *lf_hl_prepare_release(fuse_req_t req);

/* ---- order.c: request order for lock answers ------------------------------ */

/* The request is done as far as lock answers go (see order.c). */
void lf_hl_order_done(struct fuse *f, fuse_req_t req);
/*
 * Waits (bounded) until every request the kernel queued before @req is
 * done. True when it had to wait: a lock conflict is then worth asking
 * about again.
 */
bool lf_hl_order_wait(struct fuse *f, fuse_req_t req);
void lf_hl_reply_err(fuse_req_t req, int err);
void lf_hl_intr_begin(struct fuse *f, fuse_req_t req, struct lf_intr *e);
void lf_hl_intr_end(struct fuse *f, fuse_req_t req, struct lf_intr *e);
int lf_hl_get_path_common(struct fuse *f, struct lf_path *p, fuse_ino_t ino,
			  const char *name, bool wlock);
int lf_hl_get_path(struct fuse *f, struct lf_path *p, fuse_ino_t ino);
int lf_hl_get_path_nullok(struct fuse *f, struct lf_path *p, fuse_ino_t ino);
void lf_hl_put_path(struct fuse *f, struct lf_path *p);

/*
 * After lf_hl_get_path() succeeded: evaluate call (a fuse_fs_* call on the
 * path) with interrupts armed for req, store its result in res, and let
 * the path go. The sequence nearly every path operation runs.
 */
#define LF_HL_WITH_PATH(f, req, p, res, call)				\
	do {								\
		struct lf_intr lf_in_;					\
		lf_hl_intr_begin((f), (req), &lf_in_);			\
		(res) = (call);						\
		lf_hl_intr_end((f), (req), &lf_in_);			\
		lf_hl_put_path((f), (p));				\
	} while (0)
void lf_hl_set_stat(struct fuse *f, fuse_ino_t ino, struct stat *st);
void lf_hl_update_stat(struct fuse *f, struct lf_node *node,
		       const struct stat *st);
int lf_hl_do_lookup(struct fuse *f, fuse_ino_t dir, const char *name,
		    struct fuse_entry_param *e);
int lf_hl_lookup_path(struct fuse *f, fuse_ino_t dir, const char *name,
		      const char *path, struct fuse_entry_param *e,
		      struct fuse_file_info *fi);
void lf_hl_forget_node(struct fuse *f, fuse_ino_t ino, uint64_t n);
void lf_hl_do_release(struct fuse *f, fuse_ino_t ino, const char *path,
		      struct fuse_file_info *fi);
void lf_hl_open_count_inc(struct fuse *f, fuse_ino_t ino);
void lf_hl_open_flags(struct fuse *f, struct fuse_file_info *fi);
fuse_ino_t lf_hl_lookup_nodeid(struct fuse *f, fuse_ino_t dir,
			       const char *name);
struct lf_dh *lf_hl_dir_fi(const struct fuse_file_info *llfi,
			   struct fuse_file_info *fi);

/* file.c */
void lf_hl_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, struct fuse_file_info *fi);
void lf_hl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void lf_hl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void lf_hl_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *buf,
		     off_t off, struct fuse_file_info *fi);
void lf_hl_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi);
void lf_hl_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void lf_hl_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void lf_hl_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 struct flock *fl);
void lf_hl_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 struct flock *fl, int sleep);
void lf_hl_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 int op);
void lf_hl_statfs(fuse_req_t req, fuse_ino_t ino);
void lf_hl_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		    const char *value, size_t size, int flags);
void lf_hl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		    size_t size);
void lf_hl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void lf_hl_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);
void lf_hl_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize,
		uint64_t idx);
void lf_hl_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		 struct fuse_file_info *llfi, unsigned int flags,
		 const void *in_buf, size_t in_bufsz, size_t out_bufsz);
void lf_hl_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		struct fuse_pollhandle *ph);
void lf_hl_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		     off_t length, struct fuse_file_info *fi);
void lf_hl_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			   struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			   off_t off_out, struct fuse_file_info *fi_out,
			   size_t len, int flags);
void lf_hl_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		 struct fuse_file_info *fi);
#if !LF_ABI_314
void lf_hl_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		 struct fuse_file_info *fi);
#endif

/* dir.c */
void lf_hl_opendir(fuse_req_t req, fuse_ino_t ino,
		   struct fuse_file_info *llfi);
void lf_hl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *llfi);
void lf_hl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *llfi);
void lf_hl_releasedir(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *llfi);
void lf_hl_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		    struct fuse_file_info *llfi);

/* ---- new.c --------------------------------------------------------------- */

struct fuse *lf_hl_new(struct fuse_args *args,
		       const struct fuse_operations *op, size_t op_size,
		       const struct lf_version *version, void *user_data);
/* fuse_new() of API 3.0: handles -h/--help itself. */
struct fuse *lf_hl_new_30(struct fuse_args *args,
			  const struct fuse_operations *op, size_t op_size,
			  const struct lf_version *version, void *user_data);
int lf_hl_loop_mt(struct fuse *f, const struct fuse_loop_config *cfg);
void lf_hl_install_intr(struct fuse *f);

/* ---- modules.c (module registry, see modules.h) ----------------------- */

int lf_hl_push_modules(struct fuse_fs **fsp, const char *modules,
		       struct fuse_args *args);
void lf_hl_module_put(struct fuse_module *m);

#endif /* LF_HL_H */

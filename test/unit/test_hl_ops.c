// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the path API's request mapping (lib/highlevel/ops.c and
 * new.c): a struct fuse from lf_hl_new() whose session is swapped for the
 * fake transport, and a recording filesystem. Covers lookups, attributes,
 * setattr order, hidden files, renames, both readdir modes, POSIX lock
 * bookkeeping, mknod fallback, options and the request context.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "highlevel/hl.h"

static struct fuse *F;
static struct fuse_session *SE;
static char logbuf[16384];
static char hidden[256];
static bool offset_mode, plus_mode;
static void (*init_hook)(struct fuse_config *cfg);
static void *ctx_private;
static uid_t ctx_uid;
static struct fuse *ctx_fuse;
static int private_token;
static int seen_interrupted = -1;

static void rec(const char *fmt, ...)
{
	size_t len = strlen(logbuf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
	va_end(ap);
	len = strlen(logbuf);
	if (len + 1 < sizeof(logbuf))
		strcat(logbuf, "\n");
}

static const char *P(const char *path)
{
	return path ? path : "(null)";
}

static void fill_attr(const char *path, struct stat *st)
{
	const char *base = path ? strrchr(path, '/') : NULL;

	memset(st, 0, sizeof(*st));
	st->st_ino = 4242;
	st->st_uid = 1;
	st->st_gid = 1;
	if (!path || !strcmp(path, "/") || (base && base[1] == 'd')) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = 10;
	}
}

static int r_getattr(const char *path, struct stat *st,
		     struct fuse_file_info *fi)
{
	struct fuse_context *c = fuse_get_context();

	rec("getattr %s%s", P(path), fi ? " fi" : "");
	ctx_private = c->private_data;
	ctx_uid = c->uid;
	ctx_fuse = c->fuse;
	seen_interrupted = fuse_interrupted();
	if (path && strstr(path, "no"))
		return -ENOENT;
	if (path && strstr(path, ".fuse_hidden") && strcmp(path, hidden))
		return -ENOENT;
	fill_attr(path, st);
	return 0;
}

static int r_readlink(const char *path, char *buf, size_t size)
{
	rec("readlink %s", path);
	snprintf(buf, size, "target");
	return 0;
}

static int r_mknod(const char *path, mode_t mode, dev_t rdev)
{
	(void)rdev;
	rec("mknod %s 0%o", path, mode);
	return 0;
}

static int r_mkdir(const char *path, mode_t mode)
{
	rec("mkdir %s 0%o", path, mode & 07777);
	return 0;
}

static int r_unlink(const char *path)
{
	rec("unlink %s", path);
	return 0;
}

static int r_rmdir(const char *path)
{
	rec("rmdir %s", path);
	return 0;
}

static int r_symlink(const char *target, const char *path)
{
	rec("symlink %s %s", target, path);
	return 0;
}

static int r_rename(const char *from, const char *to, unsigned int flags)
{
	rec("rename %s %s %u", from, to, flags);
	if (strstr(to, ".fuse_hidden"))
		snprintf(hidden, sizeof(hidden), "%s", to);
	return 0;
}

static int r_link(const char *from, const char *to)
{
	rec("link %s %s", from, to);
	return 0;
}

static int r_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)fi;
	rec("chmod %s 0%o", P(path), mode & 07777);
	return 0;
}

static int r_chown(const char *path, uid_t uid, gid_t gid,
		   struct fuse_file_info *fi)
{
	(void)fi;
	rec("chown %s %d %d", P(path), (int)uid, (int)gid);
	return 0;
}

static int r_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	rec("truncate %s %lld%s", P(path), (long long)size, fi ? " fi" : "");
	return 0;
}

static const char *ts(const struct timespec *t, char *buf)
{
	if (t->tv_nsec == UTIME_NOW)
		return "NOW";
	if (t->tv_nsec == UTIME_OMIT)
		return "OMIT";
	sprintf(buf, "%lld", (long long)t->tv_sec);
	return buf;
}

static int r_utimens(const char *path, const struct timespec tv[2],
		     struct fuse_file_info *fi)
{
	char a[32], m[32];

	(void)fi;
	rec("utimens %s %s %s", P(path), ts(&tv[0], a), ts(&tv[1], m));
	return 0;
}

static int r_open(const char *path, struct fuse_file_info *fi)
{
	rec("open %s", path);
	fi->fh = 77;
	return 0;
}

static int r_read(const char *path, char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi)
{
	rec("read %s %zu %lld fh=%llu", P(path), size, (long long)off,
	    (unsigned long long)fi->fh);
	memcpy(buf, "hello", LF_MIN(size, 5));
	return (int)LF_MIN(size, 5);
}

static int r_write(const char *path, const char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	(void)buf;
	(void)fi;
	rec("write %s %zu %lld", P(path), size, (long long)off);
	return (int)size;
}

static int r_statfs(const char *path, struct statvfs *st)
{
	rec("statfs %s", path);
	st->f_bsize = 4096;
	return 0;
}

static int r_flush(const char *path, struct fuse_file_info *fi)
{
	(void)fi;
	rec("flush %s", P(path));
	return 0;
}

static int r_release(const char *path, struct fuse_file_info *fi)
{
	rec("release %s fh=%llu", P(path), (unsigned long long)fi->fh);
	return 0;
}

static int r_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)fi;
	rec("fsync %s %d", P(path), datasync);
	return 0;
}

static int r_getxattr(const char *path, const char *name, char *value,
		      size_t size)
{
	rec("getxattr %s %s %zu", path, name, size);
	if (size >= 3)
		memcpy(value, "val", 3);
	return 3;
}

static int r_listxattr(const char *path, char *list, size_t size)
{
	rec("listxattr %s %zu", path, size);
	if (size >= 4)
		memcpy(list, "a\0b", 4);
	return 4;
}

static int r_opendir(const char *path, struct fuse_file_info *fi)
{
	rec("opendir %s", path);
	fi->fh = 55;
	return 0;
}

static const char *const dir_names[] = { ".", "..", "a", "b", "dsub" };

static int r_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		     off_t off, struct fuse_file_info *fi,
		     enum fuse_readdir_flags flags)
{
	size_t i;

	rec("readdir %s %lld fh=%llu%s", P(path), (long long)off,
	    (unsigned long long)fi->fh,
	    (flags & FUSE_READDIR_PLUS) ? " plus" : "");
	for (i = offset_mode ? (size_t)off : 0; i < LF_ARRAY_SIZE(dir_names);
	     i++) {
		struct stat st;
		char full[64];

		snprintf(full, sizeof(full), "/%s", dir_names[i]);
		fill_attr(full, &st);
		st.st_ino = 1000 + i;
		if (filler(buf, dir_names[i], &st, offset_mode ? (off_t)i + 1 : 0,
			   plus_mode ? FUSE_FILL_DIR_PLUS : 0))
			break;
	}
	return 0;
}

static int r_releasedir(const char *path, struct fuse_file_info *fi)
{
	rec("releasedir %s fh=%llu", P(path), (unsigned long long)fi->fh);
	return 0;
}

static void *r_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	rec("init");
	if (init_hook)
		init_hook(cfg);
	return &private_token;
}

static void r_destroy(void *data)
{
	rec("destroy %s", data == &private_token ? "token" : "?");
}

static int r_access(const char *path, int mask)
{
	rec("access %s %d", path, mask);
	return 0;
}

static int r_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	rec("create %s 0%o", path, mode & 07777);
	fi->fh = 88;
	return 0;
}

static int r_lock(const char *path, struct fuse_file_info *fi, int cmd,
		  struct flock *fl)
{
	(void)fi;
	rec("lock %s %s %d", P(path), cmd == F_GETLK ? "GETLK" :
	    cmd == F_SETLK ? "SETLK" : "SETLKW", fl->l_type);
	if (cmd == F_GETLK)
		fl->l_type = F_UNLCK;
	return 0;
}

static const struct fuse_operations rec_ops = {
	.getattr = r_getattr,
	.readlink = r_readlink,
	.mknod = r_mknod,
	.mkdir = r_mkdir,
	.unlink = r_unlink,
	.rmdir = r_rmdir,
	.symlink = r_symlink,
	.rename = r_rename,
	.link = r_link,
	.chmod = r_chmod,
	.chown = r_chown,
	.truncate = r_truncate,
	.open = r_open,
	.read = r_read,
	.write = r_write,
	.statfs = r_statfs,
	.flush = r_flush,
	.release = r_release,
	.fsync = r_fsync,
	.getxattr = r_getxattr,
	.listxattr = r_listxattr,
	.opendir = r_opendir,
	.readdir = r_readdir,
	.releasedir = r_releasedir,
	.init = r_init,
	.destroy = r_destroy,
	.access = r_access,
	.create = r_create,
	.lock = r_lock,
	.utimens = r_utimens,
};

/* ---- harness ----------------------------------------------------------------- */

static struct fuse *new_fuse(const struct fuse_operations *op,
			     const char *const *argv)
{
	char *av[16];
	struct fuse_args args;
	struct fuse *f;
	int n = 0;

	av[n++] = "test";
	while (argv && *argv)
		av[n++] = (char *)*argv++;
	args = (struct fuse_args)FUSE_ARGS_INIT(n, av);
	f = lf_hl_new(&args, op, sizeof(*op), NULL, NULL);
	fuse_opt_free_args(&args);
	return f;
}

static void start(const struct fuse_operations *op, const char *const *argv)
{
	struct fuse_session *old;

	logbuf[0] = '\0';
	hidden[0] = '\0';
	F = new_fuse(op, argv);
	assert_non_null(F);
	old = F->se;
	SE = fake_session_new_args(&old->op, sizeof(old->op), F, 0, NULL);
	assert_non_null(SE);
	fuse_session_destroy(old);
	F->se = SE;
	fake_init(SE, 45, FUSE_INIT_EXT | FUSE_POSIX_LOCKS |
		  FUSE_DO_READDIRPLUS | FUSE_EXPORT_SUPPORT);
	assert_non_null(strstr(logbuf, "init\n"));
	logbuf[0] = '\0';
}

static void stop(void)
{
	fake_request(SE, FUSE_DESTROY, 0, NULL, 0, NULL, 0);
	F->se = NULL;
	fuse_destroy(F);
	fake_session_destroy(SE);
	F = NULL;
	SE = NULL;
	init_hook = NULL;
	offset_mode = plus_mode = false;
}

static const struct fuse_out_header *send_req(uint32_t opcode, uint64_t node,
					      const void *a, size_t al,
					      const void *b, size_t bl,
					      const void **ret_payload)
{
	fake_clear(SE);
	fake_request(SE, opcode, node, a, al, b, bl);
	return fake_last(SE, ret_payload, NULL);
}

static uint64_t lookup(uint64_t parent, const char *name)
{
	const struct fuse_entry_out *e;
	const struct fuse_out_header *oh;

	oh = send_req(FUSE_LOOKUP, parent, name, strlen(name) + 1, NULL, 0,
		      (const void **)&e);
	assert_int_equal(oh->error, 0);
	return e->nodeid;
}

static uint64_t open_file(uint64_t node, uint32_t flags)
{
	struct fuse_open_in oi = { .flags = flags };
	const struct fuse_open_out *oo;

	assert_int_equal(send_req(FUSE_OPEN, node, &oi, sizeof(oi), NULL, 0,
				  (const void **)&oo)->error, 0);
	return oo->fh;
}

static void release_file(uint64_t node, uint64_t fh, uint64_t owner,
			 bool flush)
{
	struct fuse_release_in ri = {
		.fh = fh,
		.release_flags = flush ? FUSE_RELEASE_FLUSH : 0,
		.lock_owner = owner,
	};

	assert_int_equal(send_req(FUSE_RELEASE, node, &ri, sizeof(ri), NULL, 0,
				  NULL)->error, 0);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_lookup_getattr(void **state)
{
	const struct fuse_attr_out *ao;
	const struct fuse_entry_out *e;
	const struct fuse_out_header *oh;
	struct fuse_getattr_in gi = { 0 };
	uint64_t a, d, x;

	(void)state;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	assert_true(a > FUSE_ROOT_ID);
	assert_string_equal(logbuf, "getattr /a\n");
	assert_int_equal(lookup(FUSE_ROOT_ID, "a"), a);
	assert_ptr_equal(ctx_private, &private_token);
	assert_int_equal(ctx_uid, getuid());
	assert_ptr_equal(ctx_fuse, F);
	d = lookup(FUSE_ROOT_ID, "dsub");
	logbuf[0] = '\0';
	x = lookup(d, "x");
	assert_string_equal(logbuf, "getattr /dsub/x\n");
	assert_int_not_equal(x, a);
	/* st_ino is the node id without use_ino */
	oh = send_req(FUSE_LOOKUP, d, "x", 2, NULL, 0, (const void **)&e);
	assert_int_equal(e->attr.ino, x);
	assert_int_equal(e->entry_valid, 1);
	logbuf[0] = '\0';
	oh = send_req(FUSE_GETATTR, a, &gi, sizeof(gi), NULL, 0,
		      (const void **)&ao);
	assert_int_equal(oh->error, 0);
	assert_int_equal(ao->attr.ino, a);
	assert_string_equal(logbuf, "getattr /a\n");
	/* missing names, negative_timeout 0: an error */
	oh = send_req(FUSE_LOOKUP, FUSE_ROOT_ID, "nofile", 7, NULL, 0, NULL);
	assert_int_equal(oh->error, -ENOENT);
	/* lookup of "." is the directory itself */
	assert_int_equal(lookup(d, "."), d);
	assert_int_equal(lookup(d, ".."), FUSE_ROOT_ID);
	/* an unknown node id is an error, not a crash */
	oh = send_req(FUSE_GETATTR, 123456, &gi, sizeof(gi), NULL, 0, NULL);
	assert_int_equal(oh->error, -ENOENT);
	stop();
	assert_string_equal(logbuf + strlen(logbuf) - 14, "destroy token\n");
}

static void test_negative_timeout_and_options(void **state)
{
	static const char *const neg[] = {
		"-o", "negative_timeout=5,attr_timeout=2.5,umask=027,uid=7",
		NULL
	};
	const struct fuse_entry_out *e;
	const struct fuse_out_header *oh;

	(void)state;
	start(&rec_ops, neg);
	oh = send_req(FUSE_LOOKUP, FUSE_ROOT_ID, "nofile", 7, NULL, 0,
		      (const void **)&e);
	assert_int_equal(oh->error, 0);
	assert_int_equal(e->nodeid, 0);
	assert_int_equal(e->entry_valid, 5);
	oh = send_req(FUSE_LOOKUP, FUSE_ROOT_ID, "a", 2, NULL, 0,
		      (const void **)&e);
	assert_int_equal(e->attr_valid, 2);
	assert_int_equal(e->attr.mode, S_IFREG | 0750);
	assert_int_equal(e->attr.uid, 7);
	assert_int_equal(e->attr.gid, 1);
	stop();
}

static void test_option_vocabulary(void **state)
{
	static const char *const good[] = {
		"debug", "kernel_cache", "auto_cache", "noauto_cache",
		"no_rofd_flush", "umask=022", "uid=1", "gid=1",
		"entry_timeout=1.5", "attr_timeout=0", "ac_attr_timeout=3",
		"negative_timeout=1", "noforget", "remember=10",
#if !LF_ABI_314
		"fmask=033", "dmask=022",
#endif
	};
	static const char *const bad[] = {
		"hard_remove", "use_ino", "readdir_ino", "direct_io", "intr",
		"intr_signal=10", "nopath", "no_such_option",
	};
	const char *argv[3] = { "-o", NULL, NULL };
	struct fuse *f;
	size_t i;

	(void)state;
	for (i = 0; i < LF_ARRAY_SIZE(good); i++) {
		argv[1] = good[i];
		f = new_fuse(&rec_ops, argv);
		if (!f)
			fail_msg("option %s rejected", good[i]);
		fuse_destroy(f);
	}
	for (i = 0; i < LF_ARRAY_SIZE(bad); i++) {
		argv[1] = bad[i];
		f = new_fuse(&rec_ops, argv);
		if (f)
			fail_msg("option %s accepted", bad[i]);
	}
	argv[1] = "remember=10,ac_attr_timeout=3,umask=022";
	f = new_fuse(&rec_ops, argv);
	assert_non_null(f);
	assert_int_equal(f->conf.remember, 10);
	assert_true(f->conf.ac_attr_timeout_set);
	assert_true(f->conf.set_mode);
	assert_int_equal(f->conf.umask, 022);
	fuse_destroy(f);
	argv[1] = "noforget";
	f = new_fuse(&rec_ops, argv);
	assert_int_equal(f->conf.remember, -1);
	/* ac_attr_timeout follows attr_timeout unless given */
	assert_true(f->conf.ac_attr_timeout == f->conf.attr_timeout);
	fuse_destroy(f);
	/* 3.0 semantics: fuse_new prints the help and fails on -h */
	argv[0] = "-h";
	argv[1] = NULL;
	{
		char *av[] = { "test", "-h", NULL };
		struct fuse_args args = FUSE_ARGS_INIT(2, av);

		assert_null(lf_hl_new_30(&args, &rec_ops, sizeof(rec_ops),
					 NULL, NULL));
		fuse_opt_free_args(&args);
	}
}

static void test_setattr_order(void **state)
{
	struct fuse_setattr_in si;
	const struct fuse_attr_out *ao;
	uint64_t a;

	(void)state;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	memset(&si, 0, sizeof(si));
	si.valid = FATTR_MODE | FATTR_UID | FATTR_SIZE | FATTR_ATIME |
		   FATTR_MTIME | FATTR_MTIME_NOW;
	si.mode = S_IFREG | 0600;
	si.uid = 7;
	si.size = 5;
	si.atime = 1000;
	logbuf[0] = '\0';
	assert_int_equal(send_req(FUSE_SETATTR, a, &si, sizeof(si), NULL, 0,
				  (const void **)&ao)->error, 0);
	assert_string_equal(logbuf, "chmod /a 0600\n"
			    "chown /a 7 -1\n"
			    "truncate /a 5\n"
			    "utimens /a 1000 NOW\n"
			    "getattr /a\n");
	assert_int_equal(ao->attr.ino, a);
	/* ftruncate: the file handle comes along */
	memset(&si, 0, sizeof(si));
	si.valid = FATTR_SIZE | FATTR_FH;
	si.fh = 3;
	logbuf[0] = '\0';
	send_req(FUSE_SETATTR, a, &si, sizeof(si), NULL, 0, NULL);
	assert_string_equal(logbuf, "truncate /a 0 fi\ngetattr /a fi\n");
	stop();
}

static void create_file(const char *name, uint64_t *ret_node,
			uint64_t *ret_fh)
{
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = S_IFREG | 0644 };
	const struct fuse_out_header *oh;
	const uint8_t *payload;
	const struct fuse_entry_out *e;
	const struct fuse_open_out *oo;

	oh = send_req(FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), name,
		      strlen(name) + 1, (const void **)&payload);
	assert_int_equal(oh->error, 0);
	e = (const struct fuse_entry_out *)payload;
	oo = (const struct fuse_open_out *)(payload + sizeof(*e));
	*ret_node = e->nodeid;
	*ret_fh = oo->fh;
}

static void test_hidden_files(void **state)
{
	const struct fuse_attr_out *ao;
	struct fuse_getattr_in gi = { 0 };
	char expect[1024];
	uint64_t node, fh;

	(void)state;
	start(&rec_ops, NULL);
	create_file("f", &node, &fh);
	assert_int_equal(fh, 88);
	assert_string_equal(logbuf, "create /f 0644\ngetattr /f fi\n");
	logbuf[0] = '\0';
	/* unlinking an open file renames it away */
	assert_int_equal(send_req(FUSE_UNLINK, FUSE_ROOT_ID, "f", 2, NULL, 0,
				  NULL)->error, 0);
	assert_non_null(strstr(logbuf, "rename /f /.fuse_hidden"));
	assert_null(strstr(logbuf, "unlink"));
	snprintf(expect, sizeof(expect), "/.fuse_hidden%08x%08x",
		 (unsigned int)node, 1u);
	assert_string_equal(hidden, expect);
	/* the hidden node counts one link less */
	send_req(FUSE_GETATTR, node, &gi, sizeof(gi), NULL, 0,
		 (const void **)&ao);
	assert_int_equal(ao->attr.nlink, 0);
	/* the last release removes it */
	logbuf[0] = '\0';
	release_file(node, fh, 0, false);
	snprintf(expect, sizeof(expect), "release %s fh=88\nunlink %s\n",
		 hidden, hidden);
	assert_string_equal(logbuf, expect);
	stop();
}

static void hook_hard_remove(struct fuse_config *cfg)
{
	cfg->hard_remove = 1;
}

static void test_hard_remove(void **state)
{
	uint64_t node, fh;

	(void)state;
	init_hook = hook_hard_remove;
	start(&rec_ops, NULL);
	create_file("f", &node, &fh);
	logbuf[0] = '\0';
	send_req(FUSE_UNLINK, FUSE_ROOT_ID, "f", 2, NULL, 0, NULL);
	assert_string_equal(logbuf, "unlink /f\n");
	/* open file without a name: path of the removed node is gone */
	logbuf[0] = '\0';
	release_file(node, fh, 0, false);
	assert_string_equal(logbuf, "release (null) fh=88\n");
	stop();
}

static void test_rename(void **state)
{
	struct fuse_rename2_in rn = { .newdir = FUSE_ROOT_ID };
	uint64_t a, b, d;

	(void)state;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	d = lookup(FUSE_ROOT_ID, "dsub");
	logbuf[0] = '\0';
	rn.newdir = d;
	assert_int_equal(send_req(FUSE_RENAME2, FUSE_ROOT_ID, &rn, sizeof(rn),
				  "a\0c", 4, NULL)->error, 0);
	assert_string_equal(logbuf, "rename /a /dsub/c 0\n");
	assert_int_equal(lookup(d, "c"), a);
	/* exchange swaps the two nodes */
	b = lookup(FUSE_ROOT_ID, "b");
	rn.newdir = FUSE_ROOT_ID;
	rn.flags = RENAME_EXCHANGE;
	assert_int_equal(send_req(FUSE_RENAME2, d, &rn, sizeof(rn), "c\0b", 4,
				  NULL)->error, 0);
	assert_int_equal(lookup(FUSE_ROOT_ID, "b"), a);
	assert_int_equal(lookup(d, "c"), b);
	/* a directory below itself */
	rn.newdir = d;
	rn.flags = 0;
	assert_int_equal(send_req(FUSE_RENAME2, FUSE_ROOT_ID, &rn, sizeof(rn),
				  "dsub\0x", 7, NULL)->error, -EINVAL);
	stop();
}

static void test_forget(void **state)
{
	struct fuse_forget_in fi = { .nlookup = 2 };
	uint64_t a;

	(void)state;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	lookup(FUSE_ROOT_ID, "a");
	fake_clear(SE);
	fi.nlookup = 1;
	fake_request(SE, FUSE_FORGET, a, &fi, sizeof(fi), NULL, 0);
	assert_non_null(lf_node_get(&F->nodes, a));
	fake_request(SE, FUSE_FORGET, a, &fi, sizeof(fi), NULL, 0);
	assert_null(lf_node_get(&F->nodes, a));
	assert_int_equal(fake_nreplies(SE), 0);
	/* a fresh lookup gets a fresh id */
	assert_int_not_equal(lookup(FUSE_ROOT_ID, "a"), a);
	stop();
}

static void check_dirents(const uint8_t *p, size_t len, const char *expect,
			  bool plus, uint64_t *ret_first_ino)
{
	char got[256] = "";
	size_t off = 0;

	while (off < len) {
		const struct fuse_dirent *d;
		size_t reclen;

		if (plus) {
			const struct fuse_direntplus *dp = (const void *)(p + off);

			d = &dp->dirent;
			reclen = FUSE_DIRENTPLUS_SIZE(dp);
			if (ret_first_ino && !strncmp(d->name, "a", d->namelen) &&
			    d->namelen == 1)
				*ret_first_ino = dp->entry_out.nodeid;
		} else {
			d = (const void *)(p + off);
			reclen = FUSE_DIRENT_SIZE(d);
			if (ret_first_ino && d->namelen == 1 && d->name[0] == 'a')
				*ret_first_ino = d->ino;
		}
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 "%.*s@%llu ", (int)d->namelen, d->name,
			 (unsigned long long)d->off);
		off += reclen;
	}
	assert_string_equal(got, expect);
}

static void readdir_at(uint64_t node, uint64_t fh, uint64_t off, uint32_t size,
		       uint32_t opcode, const char *expect, uint64_t *ret_ino)
{
	struct fuse_read_in ri = { .fh = fh, .offset = off, .size = size };
	const struct fuse_out_header *oh;
	const uint8_t *payload;

	oh = send_req(opcode, node, &ri, sizeof(ri), NULL, 0,
		      (const void **)&payload);
	assert_int_equal(oh->error, 0);
	check_dirents(payload, oh->len - sizeof(*oh), expect,
		      opcode == FUSE_READDIRPLUS, ret_ino);
}

static void test_readdir_modes(void **state)
{
	struct fuse_open_in oi = { 0 };
	struct fuse_release_in rel = { 0 };
	const struct fuse_open_out *oo;
	uint64_t fh, ino = 0, a;

	(void)state;
	start(&rec_ops, NULL);
	assert_int_equal(send_req(FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi),
				  NULL, 0, (const void **)&oo)->error, 0);
	fh = oo->fh;
	/* full mode: one readdir call, offsets are list positions */
	readdir_at(FUSE_ROOT_ID, fh, 0, 4096, FUSE_READDIR,
		   ".@1 ..@2 a@3 b@4 dsub@5 ", &ino);
	assert_int_equal(ino, LF_UNKNOWN_INO);
	readdir_at(FUSE_ROOT_ID, fh, 3, 4096, FUSE_READDIR, "b@4 dsub@5 ",
		   NULL);
	assert_string_equal(logbuf, "opendir /\nreaddir / 0 fh=55\n");
	/* a small buffer pages through the cached list */
	readdir_at(FUSE_ROOT_ID, fh, 0, 96, FUSE_READDIR, ".@1 ..@2 a@3 ",
		   NULL);
	readdir_at(FUSE_ROOT_ID, fh, 3, 96, FUSE_READDIR, "b@4 dsub@5 ", NULL);
	/* offset mode: the filesystem's offsets */
	offset_mode = true;
	logbuf[0] = '\0';
	readdir_at(FUSE_ROOT_ID, fh, 0, 96, FUSE_READDIR, ".@1 ..@2 a@3 ",
		   NULL);
	readdir_at(FUSE_ROOT_ID, fh, 3, 4096, FUSE_READDIR, "b@4 dsub@5 ",
		   NULL);
	assert_string_equal(logbuf, "readdir / 0 fh=55\nreaddir / 3 fh=55\n");
	/* readdirplus with attributes: entries are looked up */
	plus_mode = true;
	offset_mode = false;
	a = lookup(FUSE_ROOT_ID, "a");
	ino = 0;
	readdir_at(FUSE_ROOT_ID, fh, 0, 4096, FUSE_READDIRPLUS,
		   ".@1 ..@2 a@3 b@4 dsub@5 ", &ino);
	assert_int_equal(ino, a);
	offset_mode = true;
	ino = 0;
	readdir_at(FUSE_ROOT_ID, fh, 0, 4096, FUSE_READDIRPLUS,
		   ".@1 ..@2 a@3 b@4 dsub@5 ", &ino);
	assert_int_equal(ino, a);
	/* every entry handed out counted a lookup: a got three so far */
	assert_int_equal(lf_node_get(&F->nodes, a)->nlookup, 3);
	rel.fh = fh;
	logbuf[0] = '\0';
	assert_int_equal(send_req(FUSE_RELEASEDIR, FUSE_ROOT_ID, &rel,
				  sizeof(rel), NULL, 0, NULL)->error, 0);
	assert_string_equal(logbuf, "releasedir / fh=55\n");
	stop();
}

static void hook_readdir_ino(struct fuse_config *cfg)
{
	cfg->readdir_ino = 1;
}

static void test_readdir_ino(void **state)
{
	struct fuse_open_in oi = { 0 };
	const struct fuse_open_out *oo;
	uint64_t a, fh, ino = 0;

	(void)state;
	init_hook = hook_readdir_ino;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	send_req(FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi), NULL, 0,
		 (const void **)&oo);
	fh = oo->fh;
	readdir_at(FUSE_ROOT_ID, fh, 0, 4096, FUSE_READDIR,
		   ".@1 ..@2 a@3 b@4 dsub@5 ", &ino);
	assert_int_equal(ino, a);
	{
		struct fuse_release_in rel = { .fh = fh };

		send_req(FUSE_RELEASEDIR, FUSE_ROOT_ID, &rel, sizeof(rel), NULL,
			 0, NULL);
	}
	stop();
}

static const struct fuse_out_header *lk(uint32_t opcode, uint64_t node,
					uint64_t owner, uint64_t start,
					uint64_t end, uint32_t type,
					const struct fuse_lk_out **ret)
{
	struct fuse_lk_in li;

	memset(&li, 0, sizeof(li));
	li.fh = 77;
	li.owner = owner;
	li.lk.start = start;
	li.lk.end = end;
	li.lk.type = type;
	li.lk.pid = 100 + (uint32_t)owner;
	return send_req(opcode, node, &li, sizeof(li), NULL, 0,
			(const void **)ret);
}

static void test_lock_bookkeeping(void **state)
{
	const struct fuse_lk_out *lo;
	uint64_t a, fh;
	struct fuse_flush_in fl = { 0 };

	(void)state;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	fh = open_file(a, O_RDWR);
	logbuf[0] = '\0';
	assert_int_equal(lk(FUSE_SETLK, a, 1, 0, 99, F_WRLCK, NULL)->error, 0);
	assert_string_equal(logbuf, "lock /a SETLK 1\n");
	/* a conflicting test is answered from the library's list */
	logbuf[0] = '\0';
	assert_int_equal(lk(FUSE_GETLK, a, 2, 50, 60, F_RDLCK, &lo)->error, 0);
	assert_string_equal(logbuf, "");
	assert_int_equal(lo->lk.type, F_WRLCK);
	assert_int_equal(lo->lk.start, 0);
	assert_int_equal(lo->lk.end, 99);
	assert_int_equal(lo->lk.pid, 101);
	/* no conflict there: ask the filesystem */
	assert_int_equal(lk(FUSE_GETLK, a, 2, 200, 300, F_WRLCK, &lo)->error,
			 0);
	assert_string_equal(logbuf, "lock /a GETLK 1\n");
	/* unlock the middle: two pieces remain */
	lk(FUSE_SETLK, a, 1, 40, 49, F_UNLCK, NULL);
	logbuf[0] = '\0';
	lk(FUSE_GETLK, a, 2, 45, 45, F_RDLCK, &lo);
	assert_string_equal(logbuf, "lock /a GETLK 0\n");
	lk(FUSE_GETLK, a, 2, 50, 50, F_RDLCK, &lo);
	assert_int_equal(lo->lk.start, 50);
	assert_int_equal(lo->lk.end, 99);
	/* flush drops the owner's locks */
	fl.fh = fh;
	fl.lock_owner = 1;
	logbuf[0] = '\0';
	assert_int_equal(send_req(FUSE_FLUSH, a, &fl, sizeof(fl), NULL, 0,
				  NULL)->error, 0);
	assert_string_equal(logbuf, "flush /a\nlock /a SETLK 2\n");
	logbuf[0] = '\0';
	lk(FUSE_GETLK, a, 2, 0, 10, F_WRLCK, &lo);
	assert_string_equal(logbuf, "lock /a GETLK 1\n");
	release_file(a, fh, 1, false);
	stop();
}

static void test_no_lock_handler(void **state)
{
	struct fuse_operations ops = rec_ops;
	uint64_t a;

	(void)state;
	ops.lock = NULL;
	start(&ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	/* the lowlevel handlers are not even installed: the kernel locks */
	assert_int_equal(lk(FUSE_SETLK, a, 1, 0, 9, F_WRLCK, NULL)->error,
			 -ENOSYS);
	stop();
}

static void test_mknod_fallback(void **state)
{
	struct fuse_operations ops = rec_ops;
	struct fuse_mknod_in mi = { .mode = S_IFREG | 0640 };

	(void)state;
	start(&rec_ops, NULL);
	logbuf[0] = '\0';
	/* regular files go through create + release when create exists */
	assert_int_equal(send_req(FUSE_MKNOD, FUSE_ROOT_ID, &mi, sizeof(mi),
				  "m", 2, NULL)->error, 0);
	assert_string_equal(logbuf, "create /m 0640\ngetattr /m fi\n"
			    "release /m fh=88\n");
	stop();
	ops.create = NULL;
	start(&ops, NULL);
	assert_int_equal(send_req(FUSE_MKNOD, FUSE_ROOT_ID, &mi, sizeof(mi),
				  "m", 2, NULL)->error, 0);
	assert_string_equal(logbuf, "mknod /m 0100640\ngetattr /m\n");
	stop();
}

static void hook_nullpath(struct fuse_config *cfg)
{
	cfg->nullpath_ok = 1;
}

static void test_io_and_misc(void **state)
{
	struct fuse_read_in ri = { .fh = 77, .offset = 3, .size = 100 };
	struct fuse_write_in wi = { .fh = 77, .offset = 8, .size = 4 };
	struct fuse_getxattr_in gx = { .size = 0 };
	const struct fuse_getxattr_out *gxo;
	const struct fuse_out_header *oh;
	const char *data;
	uint64_t a, fh;

	(void)state;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	logbuf[0] = '\0';
	fh = open_file(a, O_RDONLY);
	assert_int_equal(fh, 77);
	oh = send_req(FUSE_READ, a, &ri, sizeof(ri), NULL, 0,
		      (const void **)&data);
	assert_int_equal(oh->len - sizeof(*oh), 5);
	assert_memory_equal(data, "hello", 5);
	oh = send_req(FUSE_WRITE, a, &wi, sizeof(wi), "abcd", 4, NULL);
	assert_int_equal(oh->error, 0);
	assert_string_equal(logbuf, "open /a\nread /a 100 3 fh=77\n"
			    "write /a 4 8\n");
	logbuf[0] = '\0';
	send_req(FUSE_STATFS, a, NULL, 0, NULL, 0, NULL);
	oh = send_req(FUSE_GETXATTR, a, &gx, sizeof(gx), "user.x", 7,
		      (const void **)&gxo);
	assert_int_equal(gxo->size, 3);
	gx.size = 16;
	oh = send_req(FUSE_GETXATTR, a, &gx, sizeof(gx), "user.x", 7,
		      (const void **)&data);
	assert_int_equal(oh->len - sizeof(*oh), 3);
	send_req(FUSE_READLINK, a, NULL, 0, NULL, 0, (const void **)&data);
	assert_memory_equal(data, "target", 6);
	assert_string_equal(logbuf, "statfs /a\ngetxattr /a user.x 0\n"
			    "getxattr /a user.x 16\nreadlink /a\n");
	release_file(a, fh, 0, false);
	/* no removexattr handler: ENOSYS */
	oh = send_req(FUSE_REMOVEXATTR, a, "user.x", 7, NULL, 0, NULL);
	assert_int_equal(oh->error, -ENOSYS);
	/* fuse_invalidate_path: known paths only */
	fake_clear(SE);
	assert_int_equal(fuse_invalidate_path(F, "/a"), 0);
	assert_int_equal(fake_nreplies(SE), 1);
	assert_int_equal(fuse_invalidate_path(F, "/nope"), -ENOENT);
	stop();

	/* nullpath_ok: open-file operations get no path */
	init_hook = hook_nullpath;
	start(&rec_ops, NULL);
	a = lookup(FUSE_ROOT_ID, "a");
	fh = open_file(a, O_RDONLY);
	logbuf[0] = '\0';
	send_req(FUSE_READ, a, &ri, sizeof(ri), NULL, 0, NULL);
	assert_string_equal(logbuf, "read (null) 100 3 fh=77\n");
	release_file(a, fh, 0, false);
	stop();
}

static void test_create_names(void **state)
{
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_link_in li;
	uint64_t a, d;

	(void)state;
	start(&rec_ops, NULL);
	logbuf[0] = '\0';
	assert_int_equal(send_req(FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk),
				  "dnew", 5, NULL)->error, 0);
	assert_int_equal(send_req(FUSE_SYMLINK, FUSE_ROOT_ID, "s\0target", 9,
				  NULL, 0, NULL)->error, 0);
	a = lookup(FUSE_ROOT_ID, "a");
	d = lookup(FUSE_ROOT_ID, "dnew");
	li.oldnodeid = a;
	assert_int_equal(send_req(FUSE_LINK, d, &li, sizeof(li), "l", 2, NULL)
			 ->error, 0);
	assert_int_equal(send_req(FUSE_RMDIR, FUSE_ROOT_ID, "dnew", 5, NULL, 0,
				  NULL)->error, 0);
	assert_string_equal(logbuf, "mkdir /dnew 0755\ngetattr /dnew\n"
			    "symlink target /s\ngetattr /s\n"
			    "getattr /a\ngetattr /dnew\n"
			    "link /a /dnew/l\ngetattr /dnew/l\n"
			    "rmdir /dnew\n");
	stop();
}

static void hook_intr(struct fuse_config *cfg)
{
	cfg->intr = 1;
}

static void test_interrupt(void **state)
{
	struct fuse_interrupt_in ii;
	struct fuse_getattr_in gi = { 0 };
	uint64_t u0;

	(void)state;
	init_hook = hook_intr;
	start(&rec_ops, NULL);
	/* the interrupt handler is in place once init asked for intr */
	assert_int_equal(F->intr_installed, 1);
	fake_clear(SE);
	u0 = fake_request(SE, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0, NULL, 0);
	/* an INTERRUPT may overtake its request: it is kept until then */
	ii.unique = u0 + 4;
	fake_request(SE, FUSE_INTERRUPT, 0, &ii, sizeof(ii), NULL, 0);
	seen_interrupted = -1;
	fake_request(SE, FUSE_GETATTR, FUSE_ROOT_ID, &gi, sizeof(gi), NULL, 0);
	assert_int_equal(seen_interrupted, 1);
	assert_null(F->intr_list);
	seen_interrupted = -1;
	send_req(FUSE_GETATTR, FUSE_ROOT_ID, &gi, sizeof(gi), NULL, 0, NULL);
	assert_int_equal(seen_interrupted, 0);
	/* outside any request */
	assert_int_equal(fuse_interrupted(), 0);
	assert_int_equal(fuse_getgroups(0, NULL), -EINVAL);
	stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_getattr),
		cmocka_unit_test(test_negative_timeout_and_options),
		cmocka_unit_test(test_option_vocabulary),
		cmocka_unit_test(test_setattr_order),
		cmocka_unit_test(test_hidden_files),
		cmocka_unit_test(test_hard_remove),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_readdir_modes),
		cmocka_unit_test(test_readdir_ino),
		cmocka_unit_test(test_lock_bookkeeping),
		cmocka_unit_test(test_no_lock_handler),
		cmocka_unit_test(test_mknod_fallback),
		cmocka_unit_test(test_io_and_misc),
		cmocka_unit_test(test_create_names),
		cmocka_unit_test(test_interrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

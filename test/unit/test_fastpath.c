// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/fastpath/: the policy language (profiles, files,
 * every error message), the FASTFUSE_1.0 API, and the compiler's effect
 * on the bytes that reach the (fake) kernel: INIT flags, TTLs, negative
 * entries, open flags, and the requests answered without the filesystem.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "fastpath/fastpath.h"
#include "highlevel/hl.h"

/* ---- captured log ---------------------------------------------------- */

static char logbuf[4096];

static void capture_log(enum fuse_log_level level, const char *fmt,
			va_list ap)
{
	size_t len = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
}

static int log_setup(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	fuse_set_log_func(capture_log);
	return 0;
}

static int log_teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

/* Parses text that must fail; the message must contain want. */
static void expect_error(const char *text, const char *want)
{
	struct lf_fastpath *fp = NULL;

	logbuf[0] = '\0';
	assert_int_equal(lf_fastpath_parse(text, "t.policy", &fp), -EINVAL);
	assert_null(fp);
	if (!strstr(logbuf, want))
		fail_msg("expected '%s' in '%s'", want, logbuf);
}

/* ---- the language ---------------------------------------------------- */

static void test_profiles(void **state)
{
	static const char *const names[] = { "readonly", "local", "shared" };
	struct lf_fastpath *fp;
	char buf[1024];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(lf_fastpath_load(names[i], &fp), 0);
		assert_int_equal(fp->p.keep_cache, FASTFUSE_ON);
		assert_int_equal(fp->p.cache_symlinks, FASTFUSE_ON);
		assert_true(lf_fastpath_format(fp, buf, sizeof(buf)) < sizeof(buf));
		if (i < 2) {
			assert_true(fp->p.entry_ttl == FASTFUSE_TTL_FOREVER);
			assert_non_null(strstr(buf, "negative_ttl forever\n"));
		} else {
			assert_true(fp->p.attr_ttl == 1.0);
			assert_non_null(strstr(buf, "invalidation ttl\n"));
		}
		lf_fastpath_destroy(fp);
	}
	assert_int_equal(lf_fastpath_load("nosuch", &fp), -EINVAL);
	assert_non_null(strstr(logbuf, "unknown policy 'nosuch'"));
}

static void test_syntax(void **state)
{
	struct lf_fastpath *fp;
	char buf[1024];

	(void)state;
	assert_int_equal(lf_fastpath_parse(
		"# comment\n\n"
		"base shared   # start from a profile\n"
		"entry_ttl=5m\n"
		"attr_ttl = 1.5\n"
		"negative_ttl 2h\n"
		"keep_cache off\n"
		"stateless_open yes\n"
		"xattr absent security.capability\n"
		"xattr absent system.posix_acl_access security.capability\n"
		"invalidation local", "t", &fp), 0);
	assert_true(fp->p.entry_ttl == 300.0);
	assert_true(fp->p.attr_ttl == 1.5);
	assert_true(fp->p.negative_ttl == 7200.0);
	assert_int_equal(fp->p.keep_cache, FASTFUSE_OFF);
	assert_int_equal(fp->p.cache_readdir, FASTFUSE_ON);	/* from base */
	assert_int_equal(fp->p.stateless_open, FASTFUSE_ON);
	assert_int_equal(fp->p.invalidation, FASTFUSE_INVAL_LOCAL);
	assert_int_equal(fp->nabsent, 2);
	assert_string_equal(fp->p.xattr_absent[1], "system.posix_acl_access");
	assert_null(fp->p.xattr_absent[2]);
	lf_fastpath_format(fp, buf, sizeof(buf));
	assert_non_null(strstr(buf, "xattr absent security.capability\n"));
	assert_non_null(strstr(buf, "entry_ttl 300\n"));
	/* the format is itself a valid policy */
	{
		struct lf_fastpath *again;

		assert_int_equal(lf_fastpath_parse(buf, "again", &again), 0);
		assert_memory_equal(&again->p, &fp->p,
				    offsetof(struct fastfuse_cache_policy,
					     xattr_absent));
		lf_fastpath_destroy(again);
	}
	lf_fastpath_destroy(fp);
}

static void test_errors(void **state)
{
	char longline[1100];

	(void)state;
	expect_error("entry_ttl 1\nattr_ttl 1\nfoo 3\n",
		     "fastpath: t.policy:3: unknown key 'foo'");
	expect_error("entry_ttl\n", "t.policy:1: 'entry_ttl' needs a value");
	expect_error("entry_ttl abc\n", "'entry_ttl': bad duration 'abc'");
	expect_error("entry_ttl -1\n", "bad duration '-1'");
	expect_error("entry_ttl 3x\n", "bad duration '3x'");
	expect_error("entry_ttl inf\n", "bad duration 'inf'");
	expect_error("entry_ttl 1 2\n", "'entry_ttl' takes one value");
	expect_error("keep_cache maybe\n",
		     "'keep_cache': expected yes, no or keep, not 'maybe'");
	expect_error("keep_cache yes\n\nkeep_cache no\n",
		     "t.policy:3: 'keep_cache' was already set on line 1");
	expect_error("keep_cache yes\nbase local\n",
		     "t.policy:2: 'base' must come first");
	expect_error("base nosuch\n", "unknown profile 'nosuch'");
	expect_error("invalidation sometimes\n",
		     "expected none, local, ttl or watch, not 'sometimes'");
	expect_error("xattr absent capability\n",
		     "'capability' is not an xattr name");
	expect_error("xattr maybe\n", "'xattr' takes 'none', 'keep'");
	/* a policy that promises bounded staleness cannot cache forever */
	expect_error("entry_ttl 1\nattr_ttl forever\ninvalidation ttl\n",
		     "t.policy:2: 'attr_ttl forever' contradicts 'invalidation ttl'");
	expect_error("base local\ninvalidation ttl\n",
		     "t.policy:2: 'entry_ttl forever' contradicts");
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	expect_error(longline, "t.policy:1: line longer than");
}

static void test_file(void **state)
{
	char path[] = "/tmp/test_fastpath_XXXXXX";
	struct lf_fastpath *fp;
	const char *text = "base readonly\nxattr none\n";
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(lf_fastpath_load(path, &fp), 0);
	assert_int_equal(fp->p.xattr_none, FASTFUSE_ON);
	assert_string_equal(fp->origin, path);
	lf_fastpath_destroy(fp);
	unlink(path);
	logbuf[0] = '\0';
	assert_int_equal(lf_fastpath_load(path, &fp), -ENOENT);
	assert_non_null(strstr(logbuf, "cannot read policy"));
}

/* ---- the API --------------------------------------------------------- */

static const struct fuse_lowlevel_ops no_ops;

static void test_api(void **state)
{
	static const char *const absent[] = { "security.capability", NULL };
	static const char *const bad[] = { "nodot", NULL };
	struct fastfuse_cache_policy p;
	struct fuse_session *se;
	struct lf_fastpath *fp;

	(void)state;
	assert_int_equal(fastfuse_cache_policy_profile("nosuch", &p, sizeof(p)),
			 -EINVAL);
	assert_int_equal(fastfuse_cache_policy_profile("local", &p, sizeof(p)),
			 0);
	assert_int_equal(p.invalidation, FASTFUSE_INVAL_LOCAL);
	assert_int_equal(fastfuse_cache_policy_profile("local", &p, 8), -EINVAL);

	se = fake_session_new(&no_ops, sizeof(no_ops), NULL);
	assert_non_null(se);
	assert_int_equal(fastfuse_set_cache_policy(se, "nosuch"), -EINVAL);
	assert_null(se->fastpath);
	assert_int_equal(fastfuse_set_cache_policy(se, "readonly"), 0);
	assert_non_null(se->fastpath);
	assert_int_equal(fastfuse_set_cache_policy(se, NULL), 0);
	assert_null(se->fastpath);

	p.xattr_absent = absent;
	p.stateless_open = FASTFUSE_ON;
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p, sizeof(p)), 0);
	fp = se->fastpath;
	assert_int_equal(fp->nabsent, 1);
	/* the setter copied the names */
	assert_ptr_not_equal(fp->p.xattr_absent, absent);
	p.xattr_absent = bad;
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p, sizeof(p)),
			 -EINVAL);
	p.xattr_absent = NULL;
	p.invalidation = FASTFUSE_INVAL_TTL;	/* with forever TTLs */
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p, sizeof(p)),
			 -EINVAL);
	p.invalidation = 7;
	p.entry_ttl = p.attr_ttl = p.negative_ttl = 1.0;
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p, sizeof(p)),
			 -EINVAL);
	assert_ptr_equal(se->fastpath, fp);	/* failures keep the old one */

	fake_init(se, 45, FUSE_INIT_EXT);
	assert_int_equal(fastfuse_set_cache_policy(se, "local"), -EBUSY);
	assert_ptr_equal(se->fastpath, fp);
	fake_session_destroy(se);
}

static void test_session_option(void **state)
{
	const char *bad[] = { "-o", "fastpath_cache=nosuch" };
	const char *good[] = { "-d", "-o", "fastpath_cache=shared" };
	struct fuse_session *se;

	(void)state;
	logbuf[0] = '\0';
	se = fake_session_new_args(&no_ops, sizeof(no_ops), NULL, 2, bad);
	assert_null(se);
	assert_non_null(strstr(logbuf, "fastpath: unknown policy 'nosuch'"));
	logbuf[0] = '\0';
	se = fake_session_new_args(&no_ops, sizeof(no_ops), NULL, 3, good);
	assert_non_null(se);
	assert_non_null(se->fastpath);
	/* -d prints the effective policy */
	assert_non_null(strstr(logbuf, "fastpath: effective cache policy (shared)"));
	assert_non_null(strstr(logbuf, "fastpath:   attr_ttl 1\n"));
	fake_session_destroy(se);
}

/* ---- the compiler, through dispatch ---------------------------------- */

static int calls_open, calls_flush, calls_getxattr, seen_open_flags;
static uint64_t open_fh;	/* what op_open leaves in fi->fh */
static int open_backing_id;	/* what op_open leaves in fi->backing_id */

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	(void)parent;
	if (strcmp(name, "f")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = 2;
	e.attr.st_ino = 2;
	e.attr.st_mode = 0100644;
	e.entry_timeout = 0.0;
	e.attr_timeout = 0.0;
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = 0100644;
	fuse_reply_attr(req, &st, 0.0);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	calls_open++;
	seen_open_flags = fi->flags;
	fi->fh = open_fh;
#if !FASTFUSE_ABI_314
	fi->backing_id = open_backing_id;
#endif
	fuse_reply_open(req, fi);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	calls_flush++;
	fuse_reply_err(req, 0);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	calls_getxattr++;
	fuse_reply_err(req, ENODATA);
}

static const struct fuse_lowlevel_ops fs_ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.open = op_open,
	.opendir = op_open,
	.flush = op_flush,
	.getxattr = op_getxattr,
};

#define OFFER (FUSE_INIT_EXT | FUSE_CACHE_SYMLINKS | FUSE_NO_OPEN_SUPPORT | \
	       FUSE_NO_OPENDIR_SUPPORT | FUSE_PARALLEL_DIROPS |             \
	       FUSE_ATOMIC_O_TRUNC | FUSE_WRITEBACK_CACHE |                  \
	       FUSE_HANDLE_KILLPRIV_V2 | FUSE_AUTO_INVAL_DATA)

/* A session with policy text (NULL: none) after INIT; *ret_flags gets
 * the flags of the INIT reply. */
static struct fuse_session *fs_session(const char *policy, uint32_t *ret_flags)
{
	struct fuse_session *se = fake_session_new(&fs_ops, sizeof(fs_ops), NULL);
	struct lf_fastpath *fp;
	struct fuse_init_in in;
	const struct fuse_init_out *out;
	const void *pl;

	assert_non_null(se);
	if (policy) {
		assert_int_equal(lf_fastpath_parse(policy, "t", &fp), 0);
		assert_int_equal(lf_fastpath_install(se, fp), 0);
	}
	memset(&in, 0, sizeof(in));
	in.major = 7;
	in.minor = 45;
	in.flags = (uint32_t)OFFER;
	fake_request(se, FUSE_INIT, 0, &in, sizeof(in), NULL, 0);
	assert_int_equal(fake_last(se, &pl, NULL)->error, 0);
	out = pl;
	*ret_flags = out->flags;
	fake_clear(se);
	calls_open = calls_flush = calls_getxattr = 0;
	return se;
}

static const struct fuse_out_header *lookup(struct fuse_session *se,
					    const char *name,
					    const struct fuse_entry_out **ret)
{
	const void *pl;
	const struct fuse_out_header *oh;

	fake_clear(se);
	fake_request(se, FUSE_LOOKUP, 1, name, strlen(name) + 1, NULL, 0);
	oh = fake_last(se, &pl, NULL);
	*ret = pl;
	return oh;
}

static uint32_t open_flags(struct fuse_session *se, uint32_t opcode,
			   uint32_t flags, int *ret_error)
{
	struct fuse_open_in in = { .flags = flags };
	const struct fuse_open_out *out;
	const struct fuse_out_header *oh;
	const void *pl;

	fake_clear(se);
	fake_request(se, opcode, 2, &in, sizeof(in), NULL, 0);
	oh = fake_last(se, &pl, NULL);
	*ret_error = oh->error;
	out = pl;
	return oh->error ? 0 : out->open_flags;
}

static void test_no_policy_untouched(void **state)
{
	const struct fuse_entry_out *eo;
	struct fuse_session *se;
	uint32_t flags;
	int err;

	(void)state;
	se = fs_session(NULL, &flags);
	assert_false(flags & FUSE_CACHE_SYMLINKS);
	assert_int_equal(lookup(se, "nope", &eo)->error, -ENOENT);
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	assert_int_equal(eo->entry_valid, 0);
	assert_int_equal(eo->attr_valid, 0);
	assert_int_equal(open_flags(se, FUSE_OPEN, O_RDONLY, &err), 0);
	assert_int_equal(err, 0);
	fake_session_destroy(se);
}

static void test_readonly_compiled(void **state)
{
	const struct fuse_entry_out *eo;
	const struct fuse_attr_out *ao;
	struct fuse_flush_in fl = { 0 };
	struct fuse_getattr_in ga = { 0 };
	struct fuse_session *se;
	const void *pl;
	uint32_t flags, of;
	int err;

	(void)state;
	se = fs_session("base readonly\n", &flags);
	assert_true(flags & FUSE_CACHE_SYMLINKS);
	assert_true(flags & FUSE_PARALLEL_DIROPS);
	assert_true(flags & FUSE_ATOMIC_O_TRUNC);	/* opens still sent */
	assert_false(flags & FUSE_HANDLE_KILLPRIV_V2);	/* not declared */

	/* ENOENT becomes a negative entry cached "forever" */
	assert_int_equal(lookup(se, "nope", &eo)->error, 0);
	assert_int_equal(eo->nodeid, 0);
	assert_int_equal(eo->entry_valid, 4294967295ull);
	/* the filesystem's TTL 0 becomes the policy's */
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	assert_int_equal(eo->nodeid, 2);
	assert_int_equal(eo->entry_valid, 4294967295ull);
	assert_int_equal(eo->attr_valid, 4294967295ull);

	fake_clear(se);
	fake_request(se, FUSE_GETATTR, 2, &ga, sizeof(ga), NULL, 0);
	assert_int_equal(fake_last(se, &pl, NULL)->error, 0);
	ao = pl;
	assert_int_equal(ao->attr_valid, 4294967295ull);

	of = open_flags(se, FUSE_OPEN, O_RDONLY, &err);
	assert_int_equal(err, 0);
	assert_int_equal(of, FOPEN_KEEP_CACHE | FOPEN_NOFLUSH);
	of = open_flags(se, FUSE_OPENDIR, O_RDONLY, &err);
	assert_int_equal(of, FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR);
	assert_int_equal(calls_open, 2);

	/* FLUSH: ENOSYS, the kernel stops sending it; never reaches the fs */
	fake_clear(se);
	fake_request(se, FUSE_FLUSH, 2, &fl, sizeof(fl), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	assert_int_equal(calls_flush, 0);
	fake_session_destroy(se);
}

static void test_stateless_and_xattr(void **state)
{
	struct fuse_getxattr_in gx = { .size = 0 };
	const char *cap = "security.capability", *other = "user.x";
	struct fuse_session *se;
	uint32_t flags;
	int err;

	(void)state;
	se = fs_session("stateless_open yes\nstateless_opendir yes\n"
			"xattr absent security.capability\n"
			"killpriv_v2 yes\nnegative_ttl 0\n", &flags);
	/* an OPEN that is never sent cannot carry O_TRUNC */
	assert_false(flags & FUSE_ATOMIC_O_TRUNC);
	assert_true(flags & FUSE_HANDLE_KILLPRIV_V2);
	open_flags(se, FUSE_OPEN, O_RDONLY, &err);
	assert_int_equal(err, -ENOSYS);
	open_flags(se, FUSE_OPENDIR, O_RDONLY, &err);
	assert_int_equal(err, -ENOSYS);
	assert_int_equal(calls_open, 0);

	fake_clear(se);
	fake_request(se, FUSE_GETXATTR, 2, &gx, sizeof(gx), cap,
		     strlen(cap) + 1);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENODATA);
	assert_int_equal(calls_getxattr, 0);
	fake_request(se, FUSE_GETXATTR, 2, &gx, sizeof(gx), other,
		     strlen(other) + 1);
	assert_int_equal(calls_getxattr, 1);
	{
		const struct fuse_entry_out *eo;

		/* negative_ttl 0: ENOENT stays an error */
		assert_int_equal(lookup(se, "nope", &eo)->error, -ENOENT);
	}
	fake_session_destroy(se);

	se = fs_session("xattr none\n", &flags);
	fake_request(se, FUSE_GETXATTR, 2, &gx, sizeof(gx), other,
		     strlen(other) + 1);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	fake_request(se, FUSE_LISTXATTR, 2, &gx, sizeof(gx), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	assert_int_equal(calls_getxattr, 0);
	fake_session_destroy(se);
}

static void test_writeback_forced(void **state)
{
	struct fuse_session *se;
	uint32_t flags;
	int err;

	(void)state;
	se = fs_session("writeback yes\nparallel_dirops no\n", &flags);
	assert_true(flags & FUSE_WRITEBACK_CACHE);
	assert_false(flags & FUSE_PARALLEL_DIROPS);
	assert_true(se->lconn.want & FUSE_CAP_WRITEBACK_CACHE);
	open_flags(se, FUSE_OPEN, O_WRONLY | O_APPEND, &err);
	assert_int_equal(err, 0);
	/* the kernel reads through write-only files under writeback */
	assert_int_equal(seen_open_flags & O_ACCMODE, O_RDWR);
	assert_false(seen_open_flags & O_APPEND);
	fake_session_destroy(se);
}

/* The xattr_bpf key, and the one outcome line when BPF cannot start. */
static void test_xattr_bpf_key(void **state)
{
	struct lf_fastpath *fp, *again;
	struct fuse_session *se;
	char buf[1024];
	uint32_t flags;

	(void)state;
	assert_int_equal(lf_fastpath_parse("xattr absent user.a\n", "t", &fp),
			 0);
	assert_int_equal(fp->xattr_bpf, FASTFUSE_KEEP);
	lf_fastpath_format(fp, buf, sizeof(buf));
	assert_non_null(strstr(buf, "xattr_bpf keep\n"));
	lf_fastpath_destroy(fp);

	assert_int_equal(lf_fastpath_parse("xattr absent user.a\nxattr_bpf no\n",
					   "t", &fp), 0);
	assert_int_equal(fp->xattr_bpf, FASTFUSE_OFF);
	lf_fastpath_format(fp, buf, sizeof(buf));
	assert_non_null(strstr(buf, "xattr_bpf no\n"));
	assert_int_equal(lf_fastpath_parse(buf, "again", &again), 0);
	assert_int_equal(again->xattr_bpf, FASTFUSE_OFF);
	lf_fastpath_destroy(again);
	lf_fastpath_destroy(fp);

	expect_error("xattr_bpf maybe\n",
		     "t.policy:1: 'xattr_bpf': expected yes, no or keep, not 'maybe'");
	expect_error("xattr_bpf yes\nxattr_bpf no\n",
		     "t.policy:2: 'xattr_bpf' was already set on line 1");

	/* asked for explicitly: the reason is logged even without -d (the
	 * fake session has no mountpoint; a build without BPF says so) */
	logbuf[0] = '\0';
	se = fs_session("xattr absent user.a\nxattr_bpf yes\n", &flags);
	if (!strstr(logbuf, "fastpath: xattr_bpf=off:not_built\n"))
		assert_non_null(strstr(logbuf,
				       "fastpath: xattr_bpf=off:no_mountpoint\n"));
	assert_null(se->fastpath->bpf);
	fake_session_destroy(se);
	/* off, or left to the default without -d: nothing is said */
	logbuf[0] = '\0';
	se = fs_session("xattr absent user.a\nxattr_bpf no\n", &flags);
	fake_session_destroy(se);
	se = fs_session("xattr absent user.a\n", &flags);
	fake_session_destroy(se);
	assert_null(strstr(logbuf, "xattr_bpf="));
}

/* ---- source, watcher, passthrough keys ------------------------------- */

static void test_watch_keys(void **state)
{
	struct lf_fastpath *fp, *again;
	char buf[1024];

	(void)state;
	assert_int_equal(lf_fastpath_parse(
		"base local\nsource /tmp\ninvalidation watch\n"
		"watcher inotify\npassthrough yes\n", "t", &fp), 0);
	assert_string_equal(fp->p.source, "/tmp");
	assert_ptr_equal(fp->p.source, fp->source);
	assert_int_equal(fp->p.invalidation, FASTFUSE_INVAL_WATCH);
	assert_int_equal(fp->p.watcher, FASTFUSE_WATCH_INOTIFY);
	assert_int_equal(fp->p.passthrough, FASTFUSE_ON);
	/* a watched source keeps "forever" true */
	assert_true(fp->p.entry_ttl == FASTFUSE_TTL_FOREVER);
	lf_fastpath_format(fp, buf, sizeof(buf));
	assert_non_null(strstr(buf, "invalidation watch\nsource /tmp\n"
				    "watcher inotify\npassthrough yes\n"));
	assert_int_equal(lf_fastpath_parse(buf, "again", &again), 0);
	assert_string_equal(again->p.source, "/tmp");
	assert_int_equal(again->p.watcher, FASTFUSE_WATCH_INOTIFY);
	assert_int_equal(again->p.passthrough, FASTFUSE_ON);
	lf_fastpath_destroy(again);
	lf_fastpath_destroy(fp);
	/* under ttl the watch only makes changes visible sooner */
	assert_int_equal(lf_fastpath_parse("base shared\nsource = /tmp\n", "t",
					   &fp), 0);
	assert_int_equal(fp->p.watcher, FASTFUSE_WATCH_AUTO);
	lf_fastpath_format(fp, buf, sizeof(buf));
	assert_non_null(strstr(buf, "watcher auto\npassthrough keep\n"));
	lf_fastpath_destroy(fp);
	/* without a source, no source or watcher line */
	assert_int_equal(lf_fastpath_parse("base local\n", "t", &fp), 0);
	lf_fastpath_format(fp, buf, sizeof(buf));
	assert_null(strstr(buf, "source"));
	assert_null(strstr(buf, "watcher"));
	lf_fastpath_destroy(fp);
}

static void test_watch_errors(void **state)
{
	(void)state;
	expect_error("base local\ninvalidation watch\n",
		     "t.policy:2: 'invalidation watch' needs 'source PATH'");
	expect_error("source tmp\n",
		     "t.policy:1: 'source tmp': the source must be an absolute path");
	expect_error("source /nonexistent-fastpath\ninvalidation watch\n",
		     "t.policy:1: 'source /nonexistent-fastpath': No such file or directory");
	expect_error("source /dev/null\ninvalidation watch\n",
		     "'source /dev/null': not a directory");
	expect_error("base local\nsource /tmp\n",
		     "t.policy:2: 'source' is watched only under 'invalidation watch' or 'invalidation ttl', not 'local'");
	expect_error("base readonly\nsource /tmp\n", "not 'none'");
	expect_error("watcher sometimes\n",
		     "'watcher': expected auto, fanotify or inotify, not 'sometimes'");
	expect_error("source /tmp\nsource /tmp\ninvalidation watch\n",
		     "t.policy:2: 'source' was already set on line 1");
	expect_error("source\n", "'source' needs a value");
	expect_error("passthrough yes\nwriteback yes\n",
		     "t.policy:1: 'passthrough yes' contradicts 'writeback yes'");
	expect_error("stateless_open yes\npassthrough yes\n",
		     "t.policy:2: 'passthrough yes' contradicts 'stateless_open yes'");
	expect_error("passthrough sometimes\n",
		     "'passthrough': expected yes, no or keep");
}

static void test_struct_sizes(void **state)
{
	struct fastfuse_cache_policy p;
	struct fuse_session *se;
	char src[] = "/tmp";

	(void)state;
	/* a caller built against the first struct passes the shorter size */
	memset(&p, 0x5a, sizeof(p));
	assert_int_equal(fastfuse_cache_policy_profile("local", &p,
						       LF_POLICY_V1_SIZE), 0);
	assert_int_equal(p.invalidation, FASTFUSE_INVAL_LOCAL);
	assert_int_equal(*((unsigned char *)&p + LF_POLICY_V1_SIZE), 0x5a);
	se = fake_session_new(&no_ops, sizeof(no_ops), NULL);
	assert_non_null(se);
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p,
							  LF_POLICY_V1_SIZE), 0);
	assert_null(se->fastpath->p.source);
	assert_int_equal(se->fastpath->p.passthrough, FASTFUSE_KEEP);
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p,
							  LF_POLICY_V1_SIZE - 1),
			 -EINVAL);
	assert_int_equal(fastfuse_cache_policy_profile("local", &p, sizeof(p)),
			 0);
	assert_null(p.source);
	p.source = src;
	p.invalidation = FASTFUSE_INVAL_WATCH;
	p.passthrough = FASTFUSE_ON;
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p, sizeof(p)), 0);
	/* the setter copied the path */
	assert_ptr_not_equal(se->fastpath->p.source, src);
	assert_string_equal(se->fastpath->p.source, "/tmp");
	p.watcher = 9;
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p, sizeof(p)),
			 -EINVAL);
	p.watcher = FASTFUSE_WATCH_AUTO;
	p.invalidation = FASTFUSE_INVAL_LOCAL;	/* a source nobody watches */
	assert_int_equal(fastfuse_set_cache_policy_struct(se, &p, sizeof(p)),
			 -EINVAL);
	fake_session_destroy(se);
}

/* A session after an INIT offering 64-bit kernel flags; returns the reply. */
static struct fuse_session *init64(const struct fuse_lowlevel_ops *ops,
				   size_t ops_size, const char *policy,
				   uint32_t minor, uint64_t offer,
				   struct fuse_init_out *ret_out)
{
	struct fuse_session *se = fake_session_new(ops, ops_size, NULL);
	struct lf_fastpath *fp;
	struct fuse_init_in in;
	const void *pl;

	assert_non_null(se);
	if (policy) {
		assert_int_equal(lf_fastpath_parse(policy, "t", &fp), 0);
		assert_int_equal(lf_fastpath_install(se, fp), 0);
	}
	memset(&in, 0, sizeof(in));
	in.major = 7;
	in.minor = minor;
	in.flags = (uint32_t)offer;
	in.flags2 = (uint32_t)(offer >> 32);
	fake_request(se, FUSE_INIT, 0, &in, sizeof(in), NULL, 0);
	assert_int_equal(fake_last(se, &pl, NULL)->error, 0);
	memcpy(ret_out, pl, sizeof(*ret_out));
	fake_clear(se);
	return se;
}

static void test_passthrough_compiled(void **state)
{
	struct fuse_init_out out;
	struct fuse_session *se;
	int err, pfd[2], fd;
	char path[] = "/tmp/test_fastpath_pt_XXXXXX";

	(void)state;
	/* not offered: one reason line, no flag */
	logbuf[0] = '\0';
	se = init64(&fs_ops, sizeof(fs_ops), "passthrough yes\n", 45,
		    FUSE_INIT_EXT, &out);
	assert_false(((uint64_t)out.flags2 << 32) & FUSE_PASSTHROUGH);
	assert_non_null(strstr(logbuf, "fastpath: passthrough=off:not_offered\n"));
	fake_session_destroy(se);

	se = init64(&fs_ops, sizeof(fs_ops), "base local\npassthrough yes\n",
		    45, FUSE_INIT_EXT | FUSE_PASSTHROUGH, &out);
	assert_true(((uint64_t)out.flags2 << 32) & FUSE_PASSTHROUGH);
	assert_int_equal(out.max_stack_depth, 1);
	/* a pipe is no backing file: normal I/O, one line for both opens */
	assert_int_equal(pipe(pfd), 0);
	open_fh = (uint64_t)pfd[0];
	logbuf[0] = '\0';
	assert_false(open_flags(se, FUSE_OPEN, O_RDONLY, &err) &
		     FOPEN_PASSTHROUGH);
	assert_false(open_flags(se, FUSE_OPEN, O_RDONLY, &err) &
		     FOPEN_PASSTHROUGH);
	assert_string_equal(logbuf, "fastpath: passthrough=off:not_regular\n");
	/* a regular file opened read-only cannot serve a write open */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	open_fh = (uint64_t)fd;
	logbuf[0] = '\0';
	assert_false(open_flags(se, FUSE_OPEN, O_WRONLY, &err) &
		     FOPEN_PASSTHROUGH);
	assert_non_null(strstr(logbuf, "passthrough=off:access_mode"));
	/* the fake has no /dev/fuse to register the file with */
	logbuf[0] = '\0';
	assert_int_equal(open_flags(se, FUSE_OPEN, O_RDONLY, &err) &
			 FOPEN_PASSTHROUGH, 0);
	assert_int_equal(err, 0);
	assert_non_null(strstr(logbuf, "passthrough=off:backing_open_failed"));
	/* an fh that is no descriptor at all */
	open_fh = (uint64_t)1 << 40;
	logbuf[0] = '\0';
	open_flags(se, FUSE_OPEN, O_RDONLY, &err);
	assert_non_null(strstr(logbuf, "passthrough=off:bad_fd"));
	open_fh = 0;
	close(fd);
	unlink(path);
	close(pfd[0]);
	close(pfd[1]);
	fake_session_destroy(se);
}

/* ---- reuse_open: one open per inode, made by the library ---------------- */

/* What the filesystem below saw; reads and replies may come from two
 * threads, so one lock (it also keeps the fake transport's log whole). */
static pthread_mutex_t ru_lock = PTHREAD_MUTEX_INITIALIZER;
static int ru_opens, ru_releases, ru_forgets, ru_reads, ru_open_flags;
static int ru_open_err;		/* errno the open answers, 0: a handle */
static bool ru_open_async;	/* answer the open from another thread */
static bool ru_open_none;	/* answer the open with fuse_reply_none */
static bool ru_open_direct;	/* the open asks for direct_io */
static int ru_forgets_at_release;	/* forgets the fs had seen then */
static uint64_t ru_read_fh[8], ru_lseek_fh, ru_getattr_fh, ru_released_fh;

static void ru_reset(void)
{
	ru_opens = ru_releases = ru_forgets = ru_reads = ru_open_flags = 0;
	ru_open_err = 0;
	ru_open_async = ru_open_none = ru_open_direct = false;
	ru_forgets_at_release = -1;
	ru_lseek_fh = ru_getattr_fh = ru_released_fh = 0;
	memset(ru_read_fh, 0, sizeof(ru_read_fh));
}

/* pointer-like nodeids (inode structs 48 bytes apart) that share buckets */
#define RU_NODE(i) (0x7f0000000000ull + (uint64_t)(i) * 48)

static void ru_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	(void)parent;
	memset(&e, 0, sizeof(e));
	e.ino = name[0] == 'd' ? 3 : 2;		/* "d..." is a directory */
	if (name[0] == 'n')			/* "nNNN": file RU_NODE(NNN) */
		e.ino = RU_NODE(atoi(name + 1));
	e.attr.st_ino = e.ino;
	e.attr.st_mode = name[0] == 'd' ? 040755 : 0100644;
	fuse_reply_entry(req, &e);
}

struct ru_async {
	fuse_req_t req;
	struct fuse_file_info fi;
};

static void *ru_open_later(void *arg)
{
	struct ru_async *a = arg;

	usleep(100 * 1000);	/* long enough for a second READ to wait */
	fuse_reply_open(a->req, &a->fi);
	free(a);
	return NULL;
}

static void ru_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	pthread_t t;
	struct ru_async *a;

	pthread_mutex_lock(&ru_lock);
	ru_opens++;
	ru_open_flags = fi->flags;
	pthread_mutex_unlock(&ru_lock);
	fi->fh = 100 + ino;
	fi->direct_io = ru_open_direct;
	if (ru_open_err) {
		fuse_reply_err(req, ru_open_err);
	} else if (ru_open_none) {
		fuse_reply_none(req);
	} else if (ru_open_async) {
		a = malloc(sizeof(*a));
		assert_non_null(a);
		a->req = req;
		a->fi = *fi;
		assert_int_equal(pthread_create(&t, NULL, ru_open_later, a), 0);
		pthread_detach(t);
	} else {
		fuse_reply_open(req, fi);
	}
}

static void ru_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino;
	(void)size;
	(void)off;
	pthread_mutex_lock(&ru_lock);
	if (ru_reads < 8)
		ru_read_fh[ru_reads] = fi->fh;
	ru_reads++;
	fuse_reply_buf(req, "data", 4);
	pthread_mutex_unlock(&ru_lock);
}

static void ru_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	ru_releases++;
	ru_released_fh = fi->fh;
	ru_forgets_at_release = ru_forgets;
	fuse_reply_err(req, 0);
}

static void ru_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	ru_forgets++;
	fuse_reply_none(req);
}

static void ru_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	(void)ino;
	(void)whence;
	ru_lseek_fh = fi->fh;
	fuse_reply_lseek(req, off);
}

static void ru_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;

	ru_getattr_fh = fi ? fi->fh : 0;
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = 0100644;
	fuse_reply_attr(req, &st, 0.0);
}

static uint64_t ru_write_fh;

static void ru_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)off;
	ru_write_fh = fi->fh;
	fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops ru_ops = {
	.write = ru_write,
	.lookup = ru_lookup,
	.forget = ru_forget,
	.getattr = ru_getattr,
	.open = ru_open,
	.read = ru_read,
	.release = ru_release,
	.lseek = ru_lseek,
};

/* A session mounted with @opts (NULL: "ro") under @policy, after INIT. */
static struct fuse_session *ru_session(const char *policy, const char *opts,
				       uint64_t offer)
{
	const char *argv[] = { "-o", opts ? opts : "ro" };
	struct fuse_session *se;
	struct lf_fastpath *fp;

	ru_reset();
	se = fake_session_new_args(&ru_ops, sizeof(ru_ops), NULL, 2, argv);
	assert_non_null(se);
	assert_int_equal(lf_fastpath_parse(policy, "t", &fp), 0);
	assert_int_equal(lf_fastpath_install(se, fp), 0);
	se->debug = 1;		/* the reason lines */
	logbuf[0] = '\0';
	fake_init(se, 45, offer);
	se->debug = 0;
	return se;
}

static int ru_read_req(struct fuse_session *se, uint64_t nodeid)
{
	struct fuse_read_in rd = { .fh = 0, .size = 4096 };

	fake_clear(se);
	fake_request(se, FUSE_READ, nodeid, &rd, sizeof(rd), NULL, 0);
	return fake_last(se, NULL, NULL)->error;
}

static void ru_forget_req(struct fuse_session *se, uint64_t nodeid,
			  uint64_t nlookup)
{
	struct fuse_forget_in fg = { .nlookup = nlookup };

	fake_request(se, FUSE_FORGET, nodeid, &fg, sizeof(fg), NULL, 0);
}

static void test_reuse_open(void **state)
{
	const struct fuse_entry_out *eo;
	struct fuse_lseek_in ls = { .fh = 0, .offset = 7 };
	struct fuse_getattr_in ga = { .getattr_flags = FUSE_GETATTR_FH };
	struct fuse_session *se;
	size_t nodes, handles;
	uint32_t of;
	int err;

	(void)state;
	se = ru_session("base readonly\n", NULL, OFFER);
	assert_non_null(strstr(logbuf, "fastpath: reuse_open=on"));
	assert_non_null(se->fastpath->reuse);
	/* the kernel's OPEN: ENOSYS, never seen by the filesystem */
	of = open_flags(se, FUSE_OPEN, O_RDONLY, &err);
	assert_int_equal(err, -ENOSYS);
	(void)of;
	assert_int_equal(ru_opens, 0);
	/* two lookups of f, one of a directory (not counted) */
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	assert_int_equal(lookup(se, "dir", &eo)->error, 0);
	lf_reuse_counts(se->fastpath->reuse, &nodes, &handles);
	assert_int_equal(nodes, 1);
	assert_int_equal(handles, 0);

	/* the first READ opens (read-only, once); the read gets that fh */
	assert_int_equal(ru_read_req(se, 2), 0);
	assert_int_equal(ru_opens, 1);
	assert_int_equal(ru_open_flags & O_ACCMODE, O_RDONLY);
	assert_int_equal(ru_read_fh[0], 102);
	assert_int_equal(ru_read_req(se, 2), 0);
	assert_int_equal(ru_opens, 1);
	assert_int_equal(ru_read_fh[1], 102);
	/* other fh-carrying requests share the handle */
	fake_request(se, FUSE_LSEEK, 2, &ls, sizeof(ls), NULL, 0);
	assert_int_equal(ru_lseek_fh, 102);
	fake_request(se, FUSE_GETATTR, 2, &ga, sizeof(ga), NULL, 0);
	assert_int_equal(ru_getattr_fh, 102);
	assert_int_equal(ru_opens, 1);
	lf_reuse_counts(se->fastpath->reuse, &nodes, &handles);
	assert_int_equal(handles, 1);

	/* one of two references forgotten: the handle stays */
	ru_forget_req(se, 2, 1);
	assert_int_equal(ru_releases, 0);
	/* the last one: released with its fh, before the fs's forget */
	ru_forget_req(se, 2, 1);
	assert_int_equal(ru_releases, 1);
	assert_int_equal(ru_released_fh, 102);
	assert_int_equal(ru_forgets_at_release, 1);
	assert_int_equal(ru_forgets, 2);
	lf_reuse_counts(se->fastpath->reuse, &nodes, &handles);
	assert_int_equal(nodes, 0);

	/* looked up again and read: a new open; stop releases it */
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	assert_int_equal(ru_read_req(se, 2), 0);
	assert_int_equal(ru_opens, 2);
	fake_session_destroy(se);
	assert_int_equal(ru_releases, 2);
}

static void test_reuse_batch_forget_destroy(void **state)
{
	struct {
		struct fuse_batch_forget_in b;
		struct fuse_forget_one one[2];
	} bf = { { .count = 2 }, { { 2, 1 }, { 9, 1 } } };
	const struct fuse_entry_out *eo;
	struct fuse_session *se;

	(void)state;
	se = ru_session("base readonly\n", NULL, OFFER);
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	assert_int_equal(ru_read_req(se, 2), 0);
	fake_request(se, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), NULL, 0);
	assert_int_equal(ru_releases, 1);
	/* DESTROY releases what is left before the filesystem's destroy */
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	assert_int_equal(ru_read_req(se, 2), 0);
	fake_request(se, FUSE_DESTROY, 0, NULL, 0, NULL, 0);
	assert_int_equal(ru_releases, 2);
	fake_session_destroy(se);
	assert_int_equal(ru_releases, 2);
}

static void test_reuse_open_fails(void **state)
{
	struct fuse_session *se;

	(void)state;
	se = ru_session("base readonly\n", NULL, OFFER);
	/* the filesystem's error reaches the READ; the read op never runs */
	ru_open_err = EACCES;
	assert_int_equal(ru_read_req(se, 2), -EACCES);
	assert_int_equal(ru_reads, 0);
	/* a failure is not remembered: the next READ tries again */
	ru_open_err = 0;
	assert_int_equal(ru_read_req(se, 2), 0);
	assert_int_equal(ru_opens, 2);
	assert_int_equal(ru_read_fh[0], 102);
	/* an open answered with no reply at all */
	ru_open_none = true;
	assert_int_equal(ru_read_req(se, 4), -EIO);
	/* open flags the kernel can no longer see: served, one warning */
	ru_open_none = false;
	ru_open_direct = true;
	logbuf[0] = '\0';
	assert_int_equal(ru_read_req(se, 6), 0);
	assert_int_equal(ru_read_req(se, 7), 0);
	assert_non_null(strstr(logbuf, "asked for direct_io/nonseekable (0x1)"));
	assert_null(strstr(strstr(logbuf, "direct_io") + 1, "direct_io/nonseekable"));
	fake_session_destroy(se);
	assert_int_equal(ru_releases, 3);
}

struct ru_reader {
	struct fuse_session *se;
	uint64_t nodeid;
};

static void *ru_reader_main(void *arg)
{
	struct ru_reader *r = arg;
	struct {
		struct fuse_in_header h;
		struct fuse_read_in rd;
	} msg;

	memset(&msg, 0, sizeof(msg));
	msg.h.len = sizeof(msg);
	msg.h.opcode = FUSE_READ;
	msg.h.unique = 1000 + (uint64_t)pthread_self() % 1000 * 2;
	msg.h.nodeid = r->nodeid;
	msg.rd.size = 4096;
	fake_raw(r->se, &msg, sizeof(msg));
	return NULL;
}

static void test_reuse_async_concurrent(void **state)
{
	struct ru_reader r;
	pthread_t t[2];
	struct fuse_session *se;
	int i;

	(void)state;
	se = ru_session("base readonly\n", NULL, OFFER);
	/* the open answered from another thread, 100 ms later */
	ru_open_async = true;
	assert_int_equal(ru_read_req(se, 2), 0);
	assert_int_equal(ru_read_fh[0], 102);
	/* two first READs of one inode at once: one open, one handle */
	ru_reset();
	ru_open_async = true;
	r.se = se;
	r.nodeid = 5;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ru_reader_main,
						&r), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(ru_opens, 1);
	assert_int_equal(ru_reads, 2);
	assert_int_equal(ru_read_fh[0], 105);
	assert_int_equal(ru_read_fh[1], 105);
	fake_session_destroy(se);
	assert_int_equal(ru_releases, 2);
}

static void test_reuse_refused(void **state)
{
	struct fuse_session *se;
	int err;

	(void)state;
	/* a writable mount: the kernel keeps sending OPEN */
	se = ru_session("base readonly\n", "rw", OFFER);
	assert_non_null(strstr(logbuf, "fastpath: reuse_open=off:writable\n"));
	assert_null(se->fastpath->reuse);
	open_flags(se, FUSE_OPEN, O_RDONLY, &err);
	assert_int_equal(err, 0);
	assert_int_equal(ru_opens, 1);
	fake_session_destroy(se);
	/* other users, and no permission checks in the kernel */
	se = ru_session("base readonly\n", "ro,allow_other", OFFER);
	assert_non_null(strstr(logbuf, "reuse_open=off:permissions\n"));
	fake_session_destroy(se);
	se = ru_session("base readonly\n", "ro,allow_other,default_permissions",
			OFFER);
	assert_non_null(se->fastpath->reuse);
	fake_session_destroy(se);
	/* the kernel cannot skip opens */
	se = ru_session("base readonly\n", NULL, OFFER & ~(uint64_t)FUSE_NO_OPEN_SUPPORT);
	assert_non_null(strstr(logbuf, "reuse_open=off:not_offered\n"));
	fake_session_destroy(se);
	/* stateless_open needs no handles at all; passthrough needs opens */
	se = ru_session("base readonly\nstateless_open yes\n", NULL, OFFER);
	assert_non_null(strstr(logbuf, "reuse_open=off:stateless_open\n"));
	fake_session_destroy(se);
	se = ru_session("base readonly\npassthrough yes\n", NULL,
			OFFER | FUSE_PASSTHROUGH);
	assert_non_null(strstr(logbuf, "reuse_open=off:passthrough\n"));
	fake_session_destroy(se);
	/* switched off by the policy: no line, opens as before */
	se = ru_session("base readonly\nreuse_open no\n", NULL, OFFER);
	assert_null(strstr(logbuf, "reuse_open"));
	assert_null(se->fastpath->reuse);
	fake_session_destroy(se);
}


/* ---- the name map of a watched source -------------------------------- */

static void op_lookup_tree(fuse_req_t req, fuse_ino_t parent,
			   const char *name)
{
	struct fuse_entry_param e;

	(void)parent;
	memset(&e, 0, sizeof(e));
	if (!strcmp(name, "f")) {
		e.ino = 2;
		e.attr.st_mode = 0100644;
	} else if (!strcmp(name, "d")) {
		e.ino = 3;
		e.attr.st_mode = 040755;
	} else {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.attr.st_ino = e.ino;
	fuse_reply_entry(req, &e);
}

static void op_ok_name(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, 0);
}

static void op_ok_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			 fuse_ino_t newparent, const char *newname,
			 unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops tree_ops = {
	.lookup = op_lookup_tree,
	.unlink = op_ok_name,
	.rmdir = op_ok_name,
	.rename = op_ok_rename,
};

static void expect_counts(struct fuse_session *se, size_t nodes,
			  size_t dents, size_t keys)
{
	size_t n, d, k;

	lf_watch_counts(se->fastpath->watch, &n, &d, &k);
	if (n != nodes || d != dents || k != keys)
		fail_msg("map holds %zu nodes, %zu names, %zu keys; want %zu, %zu, %zu",
			 n, d, k, nodes, dents, keys);
}

static void tree_lookup(struct fuse_session *se, const char *name, int want)
{
	fake_clear(se);
	fake_request(se, FUSE_LOOKUP, 1, name, strlen(name) + 1, NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, want);
}

static void test_watch_map(void **state)
{
	char dir[] = "/tmp/test_fastpath_src_XXXXXX", sub[64], policy[256];
	struct fuse_forget_in fin = { .nlookup = 1 };
	struct fuse_rename_in rin = { .newdir = 1 };
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one;
	} batch = { { .count = 1 }, { .nodeid = 3, .nlookup = 1 } };
	struct fuse_init_out out;
	struct fuse_session *se;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(policy, sizeof(policy),
		 "base local\nsource %s\ninvalidation watch\nwatcher inotify\n",
		 dir);
	logbuf[0] = '\0';
	se = init64(&tree_ops, sizeof(tree_ops), policy, 45, FUSE_INIT_EXT,
		    &out);
	assert_non_null(strstr(logbuf, "fastpath: watch=inotify:policy\n"));
	assert_non_null(se->fastpath->watch);
	expect_counts(se, 1, 0, 1);		/* the root, keyed */
	tree_lookup(se, "d", 0);
	expect_counts(se, 2, 1, 2);		/* a directory gets a watch */
	tree_lookup(se, "f", 0);
	tree_lookup(se, "f", 0);
	expect_counts(se, 3, 2, 2);
	tree_lookup(se, "nope", 0);	/* a negative entry under local */
	expect_counts(se, 3, 2, 2);
	/* two lookups of f: it goes with the second forget */
	fake_request(se, FUSE_FORGET, 2, &fin, sizeof(fin), NULL, 0);
	expect_counts(se, 3, 2, 2);
	fake_request(se, FUSE_FORGET, 2, &fin, sizeof(fin), NULL, 0);
	expect_counts(se, 2, 1, 2);
	/* a rename through the mount moves the name: rmdir finds it */
	fake_request(se, FUSE_RENAME, 1, &rin, sizeof(rin), "d\0e", 4);
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	expect_counts(se, 2, 1, 2);
	fake_request(se, FUSE_RMDIR, 1, "e", 2, NULL, 0);
	expect_counts(se, 2, 0, 2);
	fake_request(se, FUSE_BATCH_FORGET, 0, &batch, sizeof(batch), NULL, 0);
	expect_counts(se, 1, 0, 1);
	/* the root is never forgotten */
	fake_request(se, FUSE_FORGET, 1, &fin, sizeof(fin), NULL, 0);
	expect_counts(se, 1, 0, 1);
	fake_session_destroy(se);
	rmdir(sub);
	rmdir(dir);
}

static void test_invalidate_all(void **state)
{
	const struct fuse_out_header *oh;
	char dir[] = "/tmp/test_fastpath_src_XXXXXX", policy[256];
	struct fuse_init_out out;
	struct fuse_session *se;

	(void)state;
	assert_int_equal(fastfuse_invalidate_all(NULL), -EINVAL);
	se = fake_session_new(&no_ops, sizeof(no_ops), NULL);
	assert_int_equal(fastfuse_invalidate_all(se), -ENOTCONN);
	fake_session_destroy(se);
	/* no epoch before 7.44 and no map: nothing to do */
	se = init64(&fs_ops, sizeof(fs_ops), NULL, 43, FUSE_INIT_EXT, &out);
	assert_int_equal(fastfuse_invalidate_all(se), -ENOSYS);
	assert_int_equal(fake_nreplies(se), 0);
	fake_session_destroy(se);
	/* 7.44+: one epoch bump */
	se = init64(&fs_ops, sizeof(fs_ops), NULL, 45, FUSE_INIT_EXT, &out);
	assert_int_equal(fastfuse_invalidate_all(se), 0);
	assert_int_equal(fake_nreplies(se), 1);
	oh = fake_reply(se, 0, NULL, NULL);
	assert_int_equal(oh->unique, 0);
	assert_int_equal(oh->error, FUSE_NOTIFY_INC_EPOCH);
	fake_session_destroy(se);
	/* with a map and no epoch: every known name and inode */
	assert_non_null(mkdtemp(dir));
	snprintf(policy, sizeof(policy),
		 "base local\nsource %s\ninvalidation watch\nwatcher inotify\n",
		 dir);
	se = init64(&tree_ops, sizeof(tree_ops), policy, 43, FUSE_INIT_EXT,
		    &out);
	tree_lookup(se, "f", 0);
	fake_clear(se);
	assert_int_equal(fastfuse_invalidate_all(se), 0);
	assert_int_equal(fake_nreplies(se), 3);	/* f's name; f, root */
	assert_int_equal(fake_reply(se, 0, NULL, NULL)->error,
			 FUSE_NOTIFY_INVAL_ENTRY);
	assert_int_equal(fake_reply(se, 1, NULL, NULL)->error,
			 FUSE_NOTIFY_INVAL_INODE);
	assert_int_equal(fake_reply(se, 2, NULL, NULL)->error,
			 FUSE_NOTIFY_INVAL_INODE);
	fake_session_destroy(se);
	rmdir(dir);
}

/*
 * A filesystem that sets passthrough up itself (passthrough_hp): the
 * kernel fails an open asking for passthrough and keep_cache together
 * with EIO, so keep_cache from the policy must stay off that reply.
 */
static void test_keep_cache_not_with_passthrough(void **state)
{
	struct fuse_session *se;
	uint32_t flags, of;
	int err;

	(void)state;
#if FASTFUSE_ABI_314
	skip();		/* no backing_id in the 3.14 fuse_file_info */
#endif
	se = fs_session("base local\n", &flags);
	open_backing_id = 3;
	of = open_flags(se, FUSE_OPEN, O_RDONLY, &err);
	open_backing_id = 0;
	assert_int_equal(err, 0);
	assert_true(of & FOPEN_PASSTHROUGH);
	assert_false(of & FOPEN_KEEP_CACHE);
	/* without passthrough the policy's keep_cache still applies */
	of = open_flags(se, FUSE_OPEN, O_RDONLY, &err);
	assert_true(of & FOPEN_KEEP_CACHE);
	fake_session_destroy(se);
}

/*
 * Many inodes share hash buckets: a FORGET releases exactly its own
 * inode's handle (a node leaving its bucket once took its chain along).
 */
static void test_reuse_forget_many(void **state)
{
	const struct fuse_entry_out *eo;
	struct fuse_session *se;
	char name[16];
	int i;

	(void)state;
	se = ru_session("base readonly\n", NULL, OFFER);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(lookup(se, name, &eo)->error, 0);
		assert_int_equal(ru_read_req(se, RU_NODE(i)), 0);
	}
	assert_int_equal(ru_opens, 300);
	/* newest first: those head their buckets' chains */
	for (i = 299; i >= 0; i--) {
		ru_forget_req(se, RU_NODE(i), 1);
		assert_int_equal(ru_releases, 300 - i);
	}
	fake_session_destroy(se);
	assert_int_equal(ru_releases, 300);
}

static __attribute__((unused)) void
ru_init_passthrough(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want |= FUSE_CAP_PASSTHROUGH;
}

static void ru_init_writeback(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want |= FUSE_CAP_WRITEBACK_CACHE;
}

/* A session on @ops over a writable mount, after INIT with @offer, whose
 * filesystem declared @promises; the reason lines stay in logbuf. */
static struct fuse_session *ops_session(const struct fuse_lowlevel_ops *ops,
					const char *policy,
					unsigned int promises, uint64_t offer)
{
	const char *rw[] = { "-o", "rw" };
	struct fuse_session *se;
	struct lf_fastpath *fp;

	ru_reset();
	se = fake_session_new_args(ops, sizeof(*ops), NULL, 2, rw);
	assert_non_null(se);
	assert_int_equal(fastfuse_declare(se, promises), 0);
	assert_int_equal(lf_fastpath_parse(policy, "t", &fp), 0);
	assert_int_equal(lf_fastpath_install(se, fp), 0);
	se->debug = 1;
	logbuf[0] = '\0';
	fake_init(se, 45, offer);
	se->debug = 0;
	return se;
}

/* ...whose filesystem asks for writeback. */
static struct fuse_session *declared_session(const char *policy,
					     unsigned int promises)
{
	struct fuse_lowlevel_ops ops = ru_ops;

	ops.init = ru_init_writeback;
	return ops_session(&ops, policy, promises, OFFER);
}

/* `auto`: on where the filesystem declared the promise, off elsewhere */
static void test_reuse_declared(void **state)
{
	struct fuse_session *se;
	struct lf_fastpath *fp;
	char buf[1024];

	(void)state;
	expect_error("keep_cache auto\n",
		     "t.policy:1: 'keep_cache auto': only reuse_open and reuse_writes follow");
	expect_error("xattr_bpf auto\n", "'xattr_bpf': expected yes, no or keep");
	expect_error("reuse_open maybe\n",
		     "'reuse_open': expected yes, no or keep or auto, not 'maybe'");
	assert_int_equal(lf_fastpath_load("local", &fp), 0);
	assert_int_equal(fp->p.reuse_open, FASTFUSE_AUTO);
	assert_int_equal(fp->p.reuse_writes, FASTFUSE_AUTO);
	lf_fastpath_format(fp, buf, sizeof(buf));
	assert_non_null(strstr(buf, "reuse_open auto\nreuse_writes auto\n"));
	lf_fastpath_destroy(fp);

	/* nothing declared: OPEN as before, the filesystem's writeback kept */
	se = declared_session("base local\n", 0);
	assert_non_null(strstr(logbuf, "fastpath: reuse_open=off:not_declared\n"));
	assert_null(se->fastpath->reuse);
	assert_true(se->lconn.out_flags & FUSE_WRITEBACK_CACHE);
	fake_session_destroy(se);

	/* declared: reuse on the writable mount, writeback dropped for it */
	se = declared_session("base local\n", FASTFUSE_FS_REUSABLE_OPENS);
	assert_non_null(se->fastpath->reuse);
	assert_false(se->lconn.out_flags & FUSE_WRITEBACK_CACHE);
	assert_false(se->lconn.want & FUSE_CAP_WRITEBACK_CACHE);
	assert_non_null(strstr(logbuf, "fastpath: writeback=off:reuse_open\n"));
	{
		const struct fuse_entry_out *eo;

		assert_int_equal(lookup(se, "f", &eo)->error, 0);
		assert_int_equal(ru_read_req(se, 2), 0);
		assert_int_equal(ru_read_req(se, 2), 0);
		assert_int_equal(ru_opens, 1);	/* one open, made by the library */
	}
	fake_session_destroy(se);

	/* the policy's own `writeback yes` keeps it */
	se = declared_session("base local\nwriteback yes\n",
			      FASTFUSE_FS_REUSABLE_OPENS);
	assert_non_null(se->fastpath->reuse);
	assert_true(se->lconn.out_flags & FUSE_WRITEBACK_CACHE);
	fake_session_destroy(se);

	/* explicit no wins over a declaration */
	se = declared_session("base local\nreuse_open no\n",
			      FASTFUSE_FS_REUSABLE_OPENS);
	assert_null(se->fastpath->reuse);
	fake_session_destroy(se);

	/* unknown promises, and declarations after INIT, are refused */
	se = declared_session("base local\n", 0);
	assert_int_equal(fastfuse_declare(se, 1u << 7), -EINVAL);
	assert_int_equal(fastfuse_declare(se, FASTFUSE_FS_REUSABLE_OPENS),
			 -EBUSY);
	fake_session_destroy(se);
	assert_int_equal(fastfuse_declare(NULL, 0), -EINVAL);
}

/* reuse_writes: one read-write handle per inode on a writable mount */
static void test_reuse_writes(void **state)
{
	struct fuse_write_in wr = { .fh = 0, .size = 3 };
	struct fuse_lowlevel_ops hl_ops = ru_ops;
	const struct fuse_entry_out *eo;
	struct fuse_session *se;

	(void)state;
	/* reuse_open alone stays off on a writable mount */
	se = ru_session("base local\nreuse_open yes\n", "rw", OFFER);
	assert_non_null(strstr(logbuf, "fastpath: reuse_open=off:writable\n"));
	assert_null(se->fastpath->reuse);
	fake_session_destroy(se);

	se = ru_session("base local\nreuse_open yes\nreuse_writes yes\n", "rw",
			OFFER);
	assert_non_null(se->fastpath->reuse);
	assert_int_equal(lookup(se, "f", &eo)->error, 0);
	fake_clear(se);
	fake_request(se, FUSE_WRITE, 2, &wr, sizeof(wr), "abc", 3);
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	assert_int_equal(ru_opens, 1);
	assert_int_equal(ru_open_flags & O_ACCMODE, O_RDWR);
	assert_int_equal(ru_write_fh, 102);
	/* reads share it */
	assert_int_equal(ru_read_req(se, 2), 0);
	assert_int_equal(ru_read_fh[0], 102);
	assert_int_equal(ru_opens, 1);
	/* a handle the kernel has (from CREATE) is left as it is */
	wr.fh = 7;
	fake_request(se, FUSE_WRITE, 2, &wr, sizeof(wr), "abc", 3);
	assert_int_equal(ru_write_fh, 7);
	assert_int_equal(ru_opens, 1);
	fake_session_destroy(se);
	assert_int_equal(ru_releases, 1);

#if !FASTFUSE_ABI_314	/* 3.14 filesystems cannot ask for passthrough */
	/* a filesystem doing passthrough in its opens keeps them */
	hl_ops.init = ru_init_passthrough;
	se = ops_session(&hl_ops, "reuse_open yes\nreuse_writes yes\n", 0,
			 OFFER | FUSE_PASSTHROUGH);
	assert_non_null(strstr(logbuf, "fastpath: reuse_open=off:passthrough\n"));
	assert_null(se->fastpath->reuse);
	fake_session_destroy(se);
	hl_ops.init = NULL;
#endif

	/* the path API hides open files on unlink: not without OPEN */
	hl_ops.open = lf_hl_open;
	se = ops_session(&hl_ops, "reuse_open yes\nreuse_writes yes\n", 0,
			 OFFER);
	assert_non_null(strstr(logbuf,
			       "fastpath: reuse_open=off:writable_path_api\n"));
	assert_null(se->fastpath->reuse);
	fake_session_destroy(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_profiles, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_syntax, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_errors, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_file, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_api, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_session_option, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_no_policy_untouched, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_readonly_compiled, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_stateless_and_xattr, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_writeback_forced, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_xattr_bpf_key, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_watch_keys, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_watch_errors, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_struct_sizes, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_passthrough_compiled, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_open, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_batch_forget_destroy, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_open_fails, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_async_concurrent, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_refused, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_writes, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_declared, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_forget_many, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_watch_map, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_invalidate_all, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_keep_cache_not_with_passthrough, log_setup, log_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

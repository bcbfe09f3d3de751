// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/helper.c: both fuse_parse_cmdline shapes (every option,
 * what stays in args, error messages), the help/version texts, the
 * conn_info option parser and applier, fuse_daemonize and the version calls.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuse_i.h"
#include "fuse_log.h"
#include "fuse_opt.h"

/* lib/helper.c; lib/compat.c exports them as fuse_parse_cmdline@... */
int lf_parse_cmdline_312(struct fuse_args *args,
			 struct fuse_cmdline_opts *opts);
int lf_parse_cmdline_30(struct fuse_args *args, void *opts_30);
/* declared in fuse.h, the path API's header */
int fuse_open_channel(const char *mountpoint, const char *options);

/* ---- log capture ---- */

static char logbuf[4096];
static int lognum;

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
	lognum++;
}

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	lognum = 0;
	fuse_set_log_func(capture);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/lf-helper-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

/* ---- helpers ---- */

static void mkargs(struct fuse_args *a, ...)
{
	va_list ap;
	const char *s;

	*a = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	va_start(ap, a);
	while ((s = va_arg(ap, const char *)))
		assert_int_equal(fuse_opt_add_arg(a, s), 0);
	va_end(ap);
}

/* The remaining vector, space-joined, for one-line comparisons. */
static const char *joined(const struct fuse_args *a)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < a->argc; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					i ? " " : "", a->argv[i]);
	return buf;
}

/* Run fn with fd 1 pointed at a temporary file; return what it wrote. */
static char *capture_stdout(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved;
	long size;
	char *out;

	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(1);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 1) == 1);
	fn();
	fflush(stdout);
	assert_true(dup2(saved, 1) == 1);
	close(saved);

	/* fn wrote through fd 1, which shares tmp's file offset */
	size = lseek(fileno(tmp), 0, SEEK_END);
	assert_true(size >= 0);
	out = calloc(1, (size_t)size + 1);
	assert_non_null(out);
	assert_int_equal(pread(fileno(tmp), out, (size_t)size, 0), size);
	fclose(tmp);
	return out;
}

static void parse_ok(struct fuse_args *a, struct fuse_cmdline_opts *o)
{
	assert_int_equal(lf_parse_cmdline_312(a, o), 0);
	assert_string_equal(logbuf, "");
}

/* ---- fuse_parse_cmdline ---- */

static void test_cmdline_defaults(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;
	char *real = realpath(tmpdir, NULL);

	(void)state;
	mkargs(&a, "/usr/local/bin/myfs", tmpdir, NULL);
	parse_ok(&a, &o);
	assert_non_null(real);
	assert_string_equal(o.mountpoint, real);
	assert_int_equal(o.singlethread, 0);
	assert_int_equal(o.foreground, 0);
	assert_int_equal(o.debug, 0);
	assert_int_equal(o.nodefault_subtype, 0);
	assert_int_equal(o.show_version, 0);
	assert_int_equal(o.show_help, 0);
	assert_int_equal(o.clone_fd, 0);
	assert_int_equal(o.max_idle_threads, UINT_MAX);
	assert_int_equal(o.max_threads, 10);
	assert_string_equal(joined(&a), "/usr/local/bin/myfs -osubtype=myfs");
	free(o.mountpoint);
	free(real);
	fuse_opt_free_args(&a);
}

static void test_cmdline_mountpoint_is_resolved(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;
	char rel[128];
	char *real = realpath(tmpdir, NULL);

	(void)state;
	/* "/tmp/x/../x/." must come back canonical */
	snprintf(rel, sizeof(rel), "%s/../%s/.", tmpdir, tmpdir + 5);
	mkargs(&a, "prog", rel, NULL);
	parse_ok(&a, &o);
	assert_string_equal(o.mountpoint, real);
	free(o.mountpoint);
	free(real);
	fuse_opt_free_args(&a);
}

static void test_cmdline_flags(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "-f", "-s", "-o",
	       "clone_fd,max_idle_threads=5,max_threads=3", NULL);
	parse_ok(&a, &o);
	assert_int_equal(o.foreground, 1);
	assert_int_equal(o.singlethread, 1);
	assert_int_equal(o.clone_fd, 1);
	assert_int_equal(o.max_idle_threads, 5);
	assert_int_equal(o.max_threads, 3);
	assert_int_equal(o.debug, 0);
	assert_null(o.mountpoint);
	/* all consumed: nothing for fuse_session_new() to trip over */
	assert_string_equal(joined(&a), "prog -osubtype=prog");
	fuse_opt_free_args(&a);
}

static void test_cmdline_max_idle_minus_one(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	/* documented as "default: -1"; %u reads it as UINT_MAX */
	mkargs(&a, "prog", "-omax_idle_threads=-1", NULL);
	parse_ok(&a, &o);
	assert_int_equal(o.max_idle_threads, UINT_MAX);
	fuse_opt_free_args(&a);
}

static void test_cmdline_bad_number(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "-omax_threads=lots", NULL);
	assert_int_equal(lf_parse_cmdline_312(&a, &o), -1);
	assert_int_equal(lognum, 1);
	assert_non_null(strstr(logbuf, "max_threads=lots"));
	fuse_opt_free_args(&a);
}

static void test_cmdline_debug_is_kept(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "-d", NULL);
	parse_ok(&a, &o);
	assert_int_equal(o.debug, 1);
	assert_int_equal(o.foreground, 1);
	assert_string_equal(joined(&a), "prog -d -osubtype=prog");
	fuse_opt_free_args(&a);

	mkargs(&a, "prog", "-o", "debug", NULL);
	parse_ok(&a, &o);
	assert_int_equal(o.debug, 1);
	assert_int_equal(o.foreground, 1);
	assert_string_equal(joined(&a), "prog -o debug -osubtype=prog");
	fuse_opt_free_args(&a);
}

static void test_cmdline_help_version(void **state)
{
	static const char *const help[] = { "-h", "--help" };
	static const char *const ver[] = { "-V", "--version" };
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	for (int i = 0; i < 2; i++) {
		mkargs(&a, "prog", help[i], NULL);
		parse_ok(&a, &o);
		assert_int_equal(o.show_help, 1);
		assert_int_equal(o.show_version, 0);
		assert_string_equal(joined(&a), "prog -osubtype=prog");
		fuse_opt_free_args(&a);

		mkargs(&a, "prog", ver[i], NULL);
		parse_ok(&a, &o);
		assert_int_equal(o.show_version, 1);
		assert_int_equal(o.show_help, 0);
		assert_string_equal(joined(&a), "prog -osubtype=prog");
		fuse_opt_free_args(&a);
	}
}

static void test_cmdline_fsname_subtype(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "-o", "fsname=srv:/x", NULL);
	parse_ok(&a, &o);
	assert_int_equal(o.nodefault_subtype, 1);
	assert_string_equal(joined(&a), "prog -o fsname=srv:/x");
	fuse_opt_free_args(&a);

	mkargs(&a, "prog", "-osubtype=mine", NULL);
	parse_ok(&a, &o);
	assert_int_equal(o.nodefault_subtype, 1);
	assert_string_equal(joined(&a), "prog -o subtype=mine");
	fuse_opt_free_args(&a);
}

static void test_cmdline_unknown_kept(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "-x", "-o", "allow_other,f,ro", "--foo", NULL);
	parse_ok(&a, &o);
	/* kept -o options are regrouped right after argv[0] */
	assert_string_equal(joined(&a),
			    "prog -o allow_other,f,ro -x --foo -osubtype=prog");
	fuse_opt_free_args(&a);
}

static void test_cmdline_progname(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "plain", NULL);
	parse_ok(&a, &o);
	assert_string_equal(joined(&a), "plain -osubtype=plain");
	fuse_opt_free_args(&a);

	/* libfuse's quirk: a trailing slash keeps the slash */
	mkargs(&a, "dir/", NULL);
	parse_ok(&a, &o);
	assert_string_equal(joined(&a), "dir/ -osubtype=/");
	fuse_opt_free_args(&a);
}

static void test_cmdline_second_mountpoint(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", tmpdir, "extra", NULL);
	assert_int_equal(lf_parse_cmdline_312(&a, &o), -1);
	assert_string_equal(logbuf, "fuse: invalid argument `extra'\n");
	assert_null(o.mountpoint);
	fuse_opt_free_args(&a);
}

static void test_cmdline_bad_mountpoint(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "/nonexistent/lf-nope", NULL);
	assert_int_equal(lf_parse_cmdline_312(&a, &o), -1);
	assert_string_equal(logbuf, "fuse: bad mount point "
			    "`/nonexistent/lf-nope': No such file or directory\n");
	assert_null(o.mountpoint);
	fuse_opt_free_args(&a);
}

static void test_cmdline_dev_fd(void **state)
{
	struct fuse_cmdline_opts o;
	struct fuse_args a;

	(void)state;
	/* an inherited /dev/fuse fd: the name is kept, not resolved */
	mkargs(&a, "prog", "/dev/fd/977", NULL);
	parse_ok(&a, &o);
	assert_string_equal(o.mountpoint, "/dev/fd/977");
	free(o.mountpoint);
	fuse_opt_free_args(&a);

	/* not a number: an ordinary (here nonexistent) path */
	mkargs(&a, "prog", "/dev/fd/97x", NULL);
	assert_int_equal(lf_parse_cmdline_312(&a, &o), -1);
	assert_non_null(strstr(logbuf, "fuse: bad mount point `/dev/fd/97x'"));
	fuse_opt_free_args(&a);
}

static void test_cmdline_30_layout(void **state)
{
	/* 40 bytes: the struct a 3.0-3.11 program allocates */
	union {
		unsigned char bytes[64];
		struct fuse_cmdline_opts opts;
	} buf;
	struct fuse_cmdline_opts got;
	struct fuse_args a;

	(void)state;
	memset(&buf, 0xa5, sizeof(buf));
	mkargs(&a, "prog", "-d", "-s", "-oclone_fd,max_threads=3", tmpdir,
	       NULL);
	assert_int_equal(lf_parse_cmdline_30(&a, &buf.opts), 0);
	for (size_t i = 40; i < sizeof(buf.bytes); i++)
		assert_int_equal(buf.bytes[i], 0xa5);
	memcpy(&got, buf.bytes, 40);
	assert_int_equal(got.debug, 1);
	assert_int_equal(got.foreground, 1);
	assert_int_equal(got.singlethread, 1);
	assert_int_equal(got.clone_fd, 1);
	assert_int_equal(got.nodefault_subtype, 0);
	assert_int_equal(got.show_help, 0);
	assert_int_equal(got.show_version, 0);
	assert_int_equal(got.max_idle_threads, UINT_MAX);
	assert_non_null(got.mountpoint);
	assert_string_equal(joined(&a), "prog -d -osubtype=prog");
	free(got.mountpoint);
	fuse_opt_free_args(&a);

	/* failure writes nothing */
	memset(&buf, 0xa5, sizeof(buf));
	mkargs(&a, "prog", tmpdir, tmpdir, NULL);
	assert_int_equal(lf_parse_cmdline_30(&a, &buf.opts), -1);
	for (size_t i = 0; i < sizeof(buf.bytes); i++)
		assert_int_equal(buf.bytes[i], 0xa5);
	fuse_opt_free_args(&a);
}

/* ---- help and version texts ---- */

static void test_cmdline_help_text(void **state)
{
	char *out = capture_stdout(fuse_cmdline_help);

	(void)state;
	assert_string_equal(out,
		"    -h   --help            print help\n"
		"    -V   --version         print version\n"
		"    -d   -o debug          enable debug output (implies -f)\n"
		"    -f                     foreground operation\n"
		"    -s                     disable multi-threaded operation\n"
		"    -o clone_fd            use separate fuse device fd for each thread\n"
		"                           (may improve performance)\n"
		"    -o max_idle_threads    the maximum number of idle worker threads\n"
		"                           allowed (default: -1)\n"
		"    -o max_threads         the maximum number of worker threads\n"
		"                           allowed (default: 10)\n");
	free(out);
}

static void test_lowlevel_help_text(void **state)
{
	char *out = capture_stdout(fuse_lowlevel_help);

	(void)state;
	assert_string_equal(out,
		"    -o allow_other         allow access by all users\n"
		"    -o allow_root          allow access by root\n"
		"    -o auto_unmount        auto unmount on process termination\n"
#ifndef FASTFUSE_ABI_314
		"    -o io_uring            enable io-uring\n"
		"    -o io_uring_q_depth=<n> io-uring queue depth\n"
#endif
		);
	free(out);
}

static void test_lowlevel_version_text(void **state)
{
	static const char first[] =
		"using FUSE kernel interface version 7.45\n";
	char *out = capture_stdout(fuse_lowlevel_version);

	(void)state;
	assert_memory_equal(out, first, sizeof(first) - 1);
	/* then fusermount3's own line, after ours, if it is installed */
	if (access("/usr/bin/fusermount3", X_OK) == 0)
		assert_non_null(strstr(out + sizeof(first) - 1,
				       "fusermount3 version: "));
	else
		printf("note: no /usr/bin/fusermount3, version line unchecked\n");
	free(out);
}

static void test_versions(void **state)
{
	(void)state;
	char want[32];

#if LF_ABI_314
	assert_int_equal(fuse_version(), 314);
	assert_string_equal(fuse_pkgversion(), "3.14.0");
#else
	assert_int_equal(fuse_version(), 318);
	assert_memory_equal(fuse_pkgversion(), "3.18.", 5);
#endif
	assert_int_equal(fuse_version(), FUSE_VERSION);
	/* the release string follows the headers' numbers */
	snprintf(want, sizeof(want), "%d.%d.%d", FUSE_MAJOR_VERSION,
		 FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION);
	assert_string_equal(fuse_pkgversion(), want);
}

/* ---- conn_info options ---- */

/* The bits the options can touch. */
#define ALL_CAPS (FUSE_CAP_ASYNC_READ | FUSE_CAP_POSIX_LOCKS | \
	FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_SPLICE_WRITE | \
	FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ | FUSE_CAP_FLOCK_LOCKS | \
	FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_READDIRPLUS | \
	FUSE_CAP_READDIRPLUS_AUTO | FUSE_CAP_ASYNC_DIO | \
	FUSE_CAP_WRITEBACK_CACHE)

/*
 * 3.17+ applies through fuse_set_feature_flag(), which works on the conn
 * inside a session and only wants what the kernel offers; 3.14 edits the
 * 32-bit want mask of any conn.
 */
static struct fuse_session *conn_se;

static struct fuse_conn_info *conn_new(uint64_t want)
{
	conn_se = calloc(1, sizeof(*conn_se));
	assert_non_null(conn_se);
#if LF_ABI_314
	conn_se->conn.want = (unsigned int)want;
#else
	conn_se->conn.capable_ext = ~0ULL;
	conn_se->conn.capable = ~0U;
	conn_se->conn.want_ext = want;
	conn_se->conn.want = (uint32_t)want;
#endif
	return &conn_se->conn;
}

static uint64_t conn_want(const struct fuse_conn_info *c)
{
#if LF_ABI_314
	return c->want;
#else
	return c->want_ext;
#endif
}

static void apply_one(const char *optstr, struct fuse_conn_info *conn)
{
	struct fuse_conn_info_opts *opts;
	struct fuse_args a;

	mkargs(&a, "prog", "-o", optstr, NULL);
	opts = fuse_parse_conn_info_opts(&a);
	assert_non_null(opts);
	/* everything in the list was ours */
	assert_string_equal(joined(&a), "prog");
	fuse_apply_conn_info_opts(opts, conn);
	free(opts);
	fuse_opt_free_args(&a);
}

struct cap_case {
	const char *opt;
	uint64_t on;	/* must be set afterwards, starting from none */
	uint64_t off;	/* must be clear afterwards, starting from all */
};

static const struct cap_case cap_cases[] = {
	{ "async_read", FUSE_CAP_ASYNC_READ, 0 },
	{ "sync_read", 0, FUSE_CAP_ASYNC_READ },
	{ "no_remote_lock", 0, FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS },
	{ "no_remote_flock", 0, FUSE_CAP_FLOCK_LOCKS },
	{ "no_remote_posix_lock", 0, FUSE_CAP_POSIX_LOCKS },
	{ "splice_write", FUSE_CAP_SPLICE_WRITE, 0 },
	{ "no_splice_write", 0, FUSE_CAP_SPLICE_WRITE },
	{ "splice_move", FUSE_CAP_SPLICE_MOVE, 0 },
	{ "no_splice_move", 0, FUSE_CAP_SPLICE_MOVE },
	{ "splice_read", FUSE_CAP_SPLICE_READ, 0 },
	{ "no_splice_read", 0, FUSE_CAP_SPLICE_READ },
	{ "auto_inval_data", FUSE_CAP_AUTO_INVAL_DATA, 0 },
	{ "no_auto_inval_data", 0, FUSE_CAP_AUTO_INVAL_DATA },
	{ "readdirplus=no", 0, FUSE_CAP_READDIRPLUS },
	{ "readdirplus=yes", 0, FUSE_CAP_READDIRPLUS_AUTO },
	{ "readdirplus=auto", 0, 0 },
	{ "async_dio", FUSE_CAP_ASYNC_DIO, 0 },
	{ "no_async_dio", 0, FUSE_CAP_ASYNC_DIO },
	{ "writeback_cache", FUSE_CAP_WRITEBACK_CACHE, 0 },
	{ "no_writeback_cache", 0, FUSE_CAP_WRITEBACK_CACHE },
	/* accepted, but as in libfuse it changes nothing */
	{ "atomic_o_trunc", 0, 0 },
	/* later option of a pair wins only because "off" is applied last */
	{ "splice_read,no_splice_read", 0, FUSE_CAP_SPLICE_READ },
	{ "no_splice_read,splice_read", 0, FUSE_CAP_SPLICE_READ },
};

static void test_conn_caps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cap_cases) / sizeof(cap_cases[0]); i++) {
		const struct cap_case *c = &cap_cases[i];
		struct fuse_conn_info *conn;

		print_message("%s\n", c->opt);
		conn = conn_new(0);
		apply_one(c->opt, conn);
		assert_int_equal(conn_want(conn), c->on);
		free(conn_se);

		conn = conn_new(ALL_CAPS);
		apply_one(c->opt, conn);
		assert_int_equal(conn_want(conn), ALL_CAPS & ~c->off);
		free(conn_se);
	}
}

static void test_conn_numbers(void **state)
{
	struct fuse_conn_info *conn = conn_new(0);

	(void)state;
	conn->max_write = 1;
	conn->max_readahead = 2;
	conn->max_background = 3;
	conn->congestion_threshold = 4;
	conn->time_gran = 5;

	/* nothing given: nothing changes */
	apply_one("sync_read", conn);
	assert_int_equal(conn->max_write, 1);
	assert_int_equal(conn->max_readahead, 2);
	assert_int_equal(conn->max_background, 3);
	assert_int_equal(conn->congestion_threshold, 4);
	assert_int_equal(conn->time_gran, 5);

	apply_one("max_write=65536,max_readahead=131072,max_background=64,"
		  "congestion_threshold=48,time_gran=1000", conn);
	assert_int_equal(conn->max_write, 65536);
	assert_int_equal(conn->max_readahead, 131072);
	assert_int_equal(conn->max_background, 64);
	assert_int_equal(conn->congestion_threshold, 48);
	assert_int_equal(conn->time_gran, 1000);

	/* zero is a value, not "unset" */
	apply_one("max_write=0", conn);
	assert_int_equal(conn->max_write, 0);
	assert_int_equal(conn->max_readahead, 131072);
	free(conn_se);
}

static void test_conn_unknown_stays(void **state)
{
	struct fuse_conn_info_opts *opts;
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "-o", "allow_other,writeback_cache,foo=bar", "-f",
	       NULL);
	opts = fuse_parse_conn_info_opts(&a);
	assert_non_null(opts);
	assert_string_equal(joined(&a), "prog -o allow_other,foo=bar -f");
	free(opts);
	fuse_opt_free_args(&a);
}

static void test_conn_bad_number(void **state)
{
	struct fuse_args a;

	(void)state;
	mkargs(&a, "prog", "-o", "max_write=big", NULL);
	assert_null(fuse_parse_conn_info_opts(&a));
	assert_int_equal(lognum, 1);
	assert_non_null(strstr(logbuf, "max_write=big"));
	fuse_opt_free_args(&a);
}

static void test_conn_null_safe(void **state)
{
	struct fuse_conn_info *conn = conn_new(ALL_CAPS);

	(void)state;
	fuse_apply_conn_info_opts(NULL, conn);
	assert_int_equal(conn_want(conn), ALL_CAPS);
	free(conn_se);
}

#if !LF_ABI_314
/* 3.17+: an option cannot want what the kernel did not offer. */
static void test_conn_not_offered(void **state)
{
	struct fuse_conn_info *conn = conn_new(0);

	(void)state;
	conn->capable_ext = FUSE_CAP_ASYNC_DIO;
	apply_one("splice_read,async_dio", conn);
	assert_int_equal(conn->want_ext, FUSE_CAP_ASYNC_DIO);
	free(conn_se);
}
#endif

/* ---- fuse_open_channel ---- */

static void test_open_channel_fails(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(fuse_open_channel(path, "ro"), -1);
	assert_int_equal(fuse_open_channel(NULL, "ro"), -1);
}

/* ---- fuse_daemonize ---- */

static void test_daemonize_foreground(void **state)
{
	int here = open(".", O_RDONLY | O_DIRECTORY);
	char cwd[PATH_MAX];
	pid_t sid = getsid(0);

	(void)state;
	assert_true(here >= 0);
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(fuse_daemonize(1), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fchdir(here), 0);
	close(here);
	/* foreground: only the directory changes */
	assert_string_equal(cwd, "/");
	assert_int_equal(getsid(0), sid);
}

static int is_devnull(int fd, const struct stat *null_st)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == null_st->st_rdev;
}

/* In the daemon: record what it looks like, then vanish. */
static void __attribute__((noreturn)) report_daemon(const char *marker)
{
	char tmp[PATH_MAX], cwd[PATH_MAX], line[PATH_MAX + 64];
	struct stat null_st;
	int fd, len, ok;

	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "?");
	ok = stat("/dev/null", &null_st) == 0;
	len = snprintf(line, sizeof(line), "leader=%d cwd=%s null=%d%d%d\n",
		       getsid(0) == getpid(), cwd,
		       ok && is_devnull(0, &null_st),
		       ok && is_devnull(1, &null_st),
		       ok && is_devnull(2, &null_st));
	/* write then rename, so the test never reads half a line */
	snprintf(tmp, sizeof(tmp), "%s.tmp", marker);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, line, (size_t)len) == len)
			rename(tmp, marker);
		close(fd);
	}
	_exit(0);
}

static void test_daemonize_background(void **state)
{
	char marker[128], line[256] = "";
	int status, fd = -1;
	ssize_t n;
	pid_t pid;

	(void)state;
	snprintf(marker, sizeof(marker), "%s/daemon", tmpdir);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char junk[160];
		int jfd;

		/* stdio must be something other than /dev/null beforehand */
		snprintf(junk, sizeof(junk), "%s.stdio", marker);
		jfd = open(junk, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (jfd < 0 || dup2(jfd, 0) != 0 || dup2(jfd, 1) != 1 ||
		    dup2(jfd, 2) != 2)
			_exit(4);
		unlink(junk);
		/* returns only in the daemon; the caller's process exits */
		if (fuse_daemonize(0) != 0)
			_exit(3);
		report_daemon(marker);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* the original process leaves with 0 once the daemon is set up */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	for (int i = 0; i < 500 && fd < 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		fd = open(marker, O_RDONLY);
		if (fd < 0)
			nanosleep(&ts, NULL);
	}
	assert_true(fd >= 0);
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	unlink(marker);
	assert_true(n > 0);
	line[n] = '\0';
	assert_string_equal(line, "leader=1 cwd=/ null=111\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cmdline_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_mountpoint_is_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_max_idle_minus_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_bad_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_debug_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_help_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_fsname_subtype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_unknown_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_progname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_second_mountpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_bad_mountpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_dev_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_30_layout, setup, teardown),
		cmocka_unit_test(test_cmdline_help_text),
		cmocka_unit_test(test_lowlevel_help_text),
		cmocka_unit_test(test_lowlevel_version_text),
		cmocka_unit_test(test_versions),
		cmocka_unit_test_setup_teardown(test_conn_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_unknown_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_bad_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_null_safe, setup, teardown),
#if !LF_ABI_314
		cmocka_unit_test_setup_teardown(test_conn_not_offered, setup, teardown),
#endif
		cmocka_unit_test_setup_teardown(test_open_channel_fails, setup, teardown),
		cmocka_unit_test(test_daemonize_foreground),
		cmocka_unit_test(test_daemonize_background),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

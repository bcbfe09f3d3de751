// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/highlevel/modules.c and main.c: the paths a layer
 * below the subdir and iconv modules receives, rellinks, readdir and
 * readlink conversion, stacking, init/destroy through layers, module
 * lookup errors, the module help, and fuse_main()'s -h/-V/error exits.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "highlevel/hl.h"
#include "highlevel/modules.h"

/* ---- the layer below: records what it is asked ---- */

static struct below {
	char path[4096];
	char path2[4096];
	const char *link;		/* what readlink answers */
	const char *const *names;	/* what readdir lists */
	int inits, destroys;
	void *ctx_private;
} below;

static void seen(const char *path)
{
	struct fuse_context *c = fuse_get_context();

	snprintf(below.path, sizeof(below.path), "%s", path ? path : "(null)");
	below.ctx_private = c ? c->private_data : NULL;
}

static void seen2(const char *path)
{
	snprintf(below.path2, sizeof(below.path2), "%s",
		 path ? path : "(null)");
}

static int b_getattr(const char *path, struct stat *st,
		     struct fuse_file_info *fi)
{
	(void)st;
	(void)fi;
	seen(path);
	return 0;
}

static int b_rename(const char *from, const char *to, unsigned int flags)
{
	(void)flags;
	seen(from);
	seen2(to);
	return 0;
}

static int b_symlink(const char *target, const char *path)
{
	seen(path);
	seen2(target);
	return 0;
}

static int b_readlink(const char *path, char *buf, size_t size)
{
	seen(path);
	snprintf(buf, size, "%s", below.link);
	return 0;
}

static int b_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		     off_t off, struct fuse_file_info *fi,
		     enum fuse_readdir_flags flags)
{
	const char *const *n;

	(void)off;
	(void)fi;
	(void)flags;
	seen(path);
	for (n = below.names; n && *n; n++)
		filler(buf, *n, NULL, 0, 0);
	return 0;
}

static ssize_t b_copy(const char *path_in, struct fuse_file_info *fi_in,
		      off_t off_in, const char *path_out,
		      struct fuse_file_info *fi_out, off_t off_out,
		      size_t size, int flags)
{
	(void)fi_in; (void)off_in; (void)fi_out; (void)off_out; (void)flags;
	seen(path_in);
	seen2(path_out);
	return (ssize_t)size;
}

static void *b_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	(void)cfg;
	below.inits++;
	return &below;
}

static void b_destroy(void *data)
{
	assert_ptr_equal(data, &below);
	below.destroys++;
}

static const struct fuse_operations below_ops = {
	.getattr = b_getattr,
	.rename = b_rename,
	.symlink = b_symlink,
	.readlink = b_readlink,
	.readdir = b_readdir,
	.copy_file_range = b_copy,
	.init = b_init,
	.destroy = b_destroy,
};

/* ---- fixtures ---- */

static char logbuf[8192];

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
}

/*
 * Module handlers find their state through fuse_get_context(), which
 * the library sets up per request; outside a request the test borrows
 * the thread's context the same way the library does.
 */
static int setup(void **state)
{
	struct fuse_context *c = lf_hl_context();

	(void)state;
	memset(&below, 0, sizeof(below));
	logbuf[0] = '\0';
	fuse_set_log_func(capture);
	if (!c || fuse_get_context() != c) {
		print_message("no thread context outside a request\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

/* A bottom layer and the module stack over it; NULL if the push failed. */
static struct fuse_fs *stack(const char *modules, const char *opts,
			     int *ret_err)
{
	const char *argv[] = { "prog", "-o", opts };
	struct fuse_args args = FUSE_ARGS_INIT(3, (char **)argv);
	struct fuse_fs *base = fuse_fs_new(&below_ops, sizeof(below_ops),
					   &below);
	struct fuse_fs *fs = base;
	int err;

	assert_non_null(base);
	err = lf_hl_push_modules(&fs, modules, &args);
	fuse_opt_free_args(&args);
	if (ret_err)
		*ret_err = err;
	if (err) {
		assert_ptr_equal(fs, base);
		fuse_fs_destroy(base);
		return NULL;
	}
	return fs;
}

static void getattr_as(struct fuse_fs *fs, const char *path)
{
	struct stat st;

	assert_int_equal(fuse_fs_getattr(fs, path, &st, NULL), 0);
}

/* ---- subdir ---- */

static void test_subdir_paths(void **state)
{
	struct fuse_fs *fs = stack("subdir", "subdir=/base", NULL);
	struct fuse_file_info fi = { .fh = 1 };

	(void)state;
	assert_non_null(fs);
	assert_non_null(fs->m);
	getattr_as(fs, "/a/b");
	assert_string_equal(below.path, "/base/a/b");
	assert_ptr_equal(below.ctx_private, &below);
	getattr_as(fs, "/");
	assert_string_equal(below.path, "/base/");
	getattr_as(fs, NULL);
	assert_string_equal(below.path, "(null)");
	assert_int_equal(fuse_fs_rename(fs, "/x", "/d/y", 0), 0);
	assert_string_equal(below.path, "/base/x");
	assert_string_equal(below.path2, "/base/d/y");
	/* a symlink's target is data, not a path of ours */
	assert_int_equal(fuse_fs_symlink(fs, "/abs/target", "/l"), 0);
	assert_string_equal(below.path, "/base/l");
	assert_string_equal(below.path2, "/abs/target");
	assert_int_equal(fuse_fs_copy_file_range(fs, "/i", &fi, 0, "/o", &fi,
						 0, 9, 0), 9);
	assert_string_equal(below.path, "/base/i");
	assert_string_equal(below.path2, "/base/o");
	/* what the layer below lacks stays missing */
	assert_int_equal(fuse_fs_unlink(fs, "/x"), -ENOSYS);
	assert_int_equal(fuse_fs_open(fs, "/x", &fi), 0);
	fuse_fs_destroy(fs);
	assert_int_equal(below.destroys, 1);
}

static void test_subdir_relative_base(void **state)
{
	struct fuse_fs *fs = stack("subdir", "subdir=rel/dir/", NULL);

	(void)state;
	getattr_as(fs, "/a");
	assert_string_equal(below.path, "rel/dir/a");
	fuse_fs_destroy(fs);

	fs = stack("subdir", "subdir=", NULL);
	getattr_as(fs, "/");
	assert_string_equal(below.path, ".");
	getattr_as(fs, "/a");
	assert_string_equal(below.path, "a");
	fuse_fs_destroy(fs);
}

static void readlink_as(struct fuse_fs *fs, const char *path,
			const char *target, size_t size, const char *want)
{
	char buf[256];

	assert_true(size <= sizeof(buf));
	below.link = target;
	assert_int_equal(fuse_fs_readlink(fs, path, buf, size), 0);
	assert_string_equal(buf, want);
}

static void test_subdir_rellinks(void **state)
{
	struct fuse_fs *fs = stack("subdir", "subdir=/base,rellinks", NULL);

	(void)state;
	readlink_as(fs, "/dir/link", "/base/dir/file", 256, "file");
	assert_string_equal(below.path, "/base/dir/link");
	readlink_as(fs, "/dir/link", "/base/other/x", 256, "../other/x");
	readlink_as(fs, "/a/b/c/link", "/base/a/z", 256, "../../z");
	readlink_as(fs, "/dir/link", "/base/dir", 256, ".");
	readlink_as(fs, "/a/b/link", "/base/a", 256, "../");
	readlink_as(fs, "/link", "/base//f", 256, "f");
	/* outside the base, relative, or no room: unchanged */
	readlink_as(fs, "/dir/link", "/etc/passwd", 256, "/etc/passwd");
	readlink_as(fs, "/dir/link", "/base", 256, "/base");
	readlink_as(fs, "/dir/link", "/basement/x", 256, "/basement/x");
	readlink_as(fs, "/dir/link", "rel/x", 256, "rel/x");
	readlink_as(fs, "/a/b/c/d/link", "/base/x", 14, "/base/x");
	fuse_fs_destroy(fs);

	/* norellinks is the default */
	fs = stack("subdir", "subdir=/base", NULL);
	readlink_as(fs, "/dir/link", "/base/dir/file", 256, "/base/dir/file");
	fuse_fs_destroy(fs);
	fs = stack("subdir", "subdir=/base,rellinks,norellinks", NULL);
	readlink_as(fs, "/dir/link", "/base/dir/file", 256, "/base/dir/file");
	fuse_fs_destroy(fs);
}

static void test_subdir_errors(void **state)
{
	int err;

	(void)state;
	assert_null(stack("subdir", "rellinks", &err));
	assert_int_equal(err, -EINVAL);
	assert_string_equal(logbuf, "fuse-subdir: missing 'subdir' option\n");
	assert_int_equal(below.destroys, 1);	/* only our own cleanup */
}

/* ---- iconv ---- */

#define LATIN1 "from_code=UTF-8,to_code=ISO-8859-1"

static const char *const below_names[] = {
	"caf\xc3\xa9", "\xe2\x82\xac", "plain", NULL
};

static char seen_names[256];

static int collect(void *buf, const char *name, const struct stat *st,
		   off_t off, enum fuse_fill_dir_flags flags)
{
	(void)buf; (void)st; (void)off; (void)flags;
	strcat(seen_names, name);
	strcat(seen_names, "|");
	return 0;
}

static void test_iconv_paths(void **state)
{
	struct fuse_fs *fs = stack("iconv", LATIN1, NULL);
	struct fuse_file_info fi = { .fh = 1 };
	char longpath[1002], want[2002];

	(void)state;
	assert_non_null(fs);
	getattr_as(fs, "/caf\xe9/x");
	assert_string_equal(below.path, "/caf\xc3\xa9/x");
	assert_int_equal(fuse_fs_rename(fs, "/\xe9", "/\xe8", 0), 0);
	assert_string_equal(below.path, "/\xc3\xa9");
	assert_string_equal(below.path2, "/\xc3\xa8");
	/* here the target is a name too */
	assert_int_equal(fuse_fs_symlink(fs, "\xe9", "/l"), 0);
	assert_string_equal(below.path2, "\xc3\xa9");
	/* growing past the first guess of the output size */
	memset(longpath, 0xe9, 1001);
	longpath[0] = '/';
	longpath[1001] = '\0';
	want[0] = '/';
	for (int i = 0; i < 1000; i++)
		memcpy(want + 1 + 2 * i, "\xc3\xa9", 2);
	want[2001] = '\0';
	getattr_as(fs, longpath);
	assert_string_equal(below.path, want);

	/* names coming up are converted back; unrepresentable ones vanish */
	below.names = below_names;
	seen_names[0] = '\0';
	assert_int_equal(fuse_fs_readdir(fs, "/\xe9", NULL, collect, 0, &fi, 0),
			 0);
	assert_string_equal(below.path, "/\xc3\xa9");
	assert_string_equal(seen_names, "caf\xe9|plain|");

	readlink_as(fs, "/l", "/t\xc3\xa9", 256, "/t\xe9");
	/* a target that is no valid UTF-8 cannot be shown */
	below.link = "\xff";
	{
		char buf[16];

		assert_int_equal(fuse_fs_readlink(fs, "/l", buf, sizeof(buf)),
				 -EILSEQ);
	}
	fuse_fs_destroy(fs);
	assert_int_equal(below.destroys, 1);
}

static void test_iconv_bad_charset(void **state)
{
	int err;

	(void)state;
	assert_null(stack("iconv", "to_code=NO-SUCH-SET", &err));
	assert_int_equal(err, -EINVAL);
	assert_string_equal(logbuf,
			    "fuse-iconv: cannot convert from NO-SUCH-SET to UTF-8\n");
}

/* ---- stacking, lifecycle, lookup ---- */

static void test_stack_two(void **state)
{
	struct fuse_fs *fs = stack("subdir:iconv",
				   "subdir=/b," LATIN1, NULL);
	struct fuse_conn_info conn;
	struct fuse_config cfg;
	void *top_data;

	(void)state;
	assert_non_null(fs);
	/* iconv is on top: it converts, then subdir prefixes */
	getattr_as(fs, "/\xe9");
	assert_string_equal(below.path, "/b/\xc3\xa9");
	memset(&conn, 0, sizeof(conn));
	memset(&cfg, 0, sizeof(cfg));
	top_data = fs->user_data;
	fuse_fs_init(fs, &conn, &cfg);
	assert_int_equal(below.inits, 1);
	assert_ptr_equal(fs->user_data, top_data);
	getattr_as(fs, "/x");
	assert_string_equal(below.path, "/b/x");
	assert_ptr_equal(below.ctx_private, &below);
	fuse_fs_destroy(fs);
	assert_int_equal(below.destroys, 1);
}

static void test_unknown_module(void **state)
{
	int err;

	(void)state;
	assert_null(stack("no_such_mod", "x=y", &err));
	assert_int_equal(err, -ENOENT);
	assert_non_null(strstr(logbuf,
			"fuse: dlopen(libfusemod_no_such_mod.so) failed: "));

	/* a failure after a successful push unwinds it */
	logbuf[0] = '\0';
	below.destroys = 0;
	assert_null(stack("subdir:no_such_mod", "subdir=/b", &err));
	assert_int_equal(err, -ENOENT);
	assert_int_equal(below.destroys, 1);	/* only our own cleanup */
}

static void test_empty_names(void **state)
{
	struct fuse_fs *base = fuse_fs_new(&below_ops, sizeof(below_ops),
					   &below);
	struct fuse_fs *fs = base;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);

	(void)state;
	assert_int_equal(lf_hl_push_modules(&fs, "::", &args), 0);
	assert_ptr_equal(fs, base);
	assert_int_equal(lf_hl_push_modules(&fs, NULL, &args), 0);
	assert_ptr_equal(fs, base);
	fuse_fs_destroy(fs);
}

/* A module the program itself registers (needs -rdynamic to be seen). */
static int testmod_made;

static struct fuse_fs *testmod_new(struct fuse_args *args,
				   struct fuse_fs *next[])
{
	(void)args;
	testmod_made++;
	return fuse_fs_new(&below_ops, sizeof(below_ops), next[0]);
}

FUSE_REGISTER_MODULE(testmod, testmod_new);

static void test_program_module(void **state)
{
	struct fuse_fs *base, *fs;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);

	(void)state;
	if (!dlsym(RTLD_DEFAULT, "fuse_module_testmod_factory")) {
		print_message("skip: test binary not linked with -rdynamic\n");
		skip();
	}
	base = fuse_fs_new(NULL, 0, NULL);
	fs = base;
	assert_int_equal(lf_hl_push_modules(&fs, "testmod", &args), 0);
	assert_int_equal(testmod_made, 1);
	assert_ptr_not_equal(fs, base);
	assert_ptr_equal(fs->user_data, base);
	fs->op.destroy = NULL;
	lf_hl_module_put(fs->m);
	fs->m = NULL;
	fuse_fs_destroy(fs);
	fuse_fs_destroy(base);
}

/* ---- help ---- */

/* Run fn with stdout going to a buffer. */
static void capture_stdout(void (*fn)(void *), void *arg, char *out,
			   size_t size)
{
	FILE *tmp = tmpfile();
	int saved = dup(1);
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	dup2(fileno(tmp), 1);
	fn(arg);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, size - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
}

static void builtin_help(void *arg)
{
	(void)arg;
	lf_hl_modules_help();
}

static void args_help(void *arg)
{
	lf_hl_modules_help_args(arg);
}

static const char subdir_help_text[] =
	"\nOptions for subdir module:\n"
	"    -o subdir=DIR\t    prepend this directory to all paths (mandatory)\n"
	"    -o [no]rellinks\t    transform absolute symlinks to relative\n";

static void test_help(void **state)
{
	char out[4096], want[1024];
	const char *saved = setlocale(LC_CTYPE, NULL);
	char *keep = strdup(saved ? saved : "C");
	const char *argv[] = { "prog", "-o", "modules=subdir:no_such_mod" };
	struct fuse_args args = FUSE_ARGS_INIT(3, (char **)argv);

	(void)state;
	setlocale(LC_CTYPE, "");
	snprintf(want, sizeof(want), "%s"
		 "\nOptions for iconv module:\n"
		 "    -o from_code=CHARSET   original encoding of file names (default: UTF-8)\n"
		 "    -o to_code=CHARSET     new encoding of the file names (default: %s)\n",
		 subdir_help_text, nl_langinfo(CODESET));
	setlocale(LC_CTYPE, keep);
	capture_stdout(builtin_help, NULL, out, sizeof(out));
	assert_string_equal(out, want);
	/* the help leaves the program's locale as it was */
	assert_string_equal(setlocale(LC_CTYPE, NULL), keep);
	free(keep);

	capture_stdout(args_help, &args, out, sizeof(out));
	assert_string_equal(out, subdir_help_text);
	assert_non_null(strstr(logbuf, "libfusemod_no_such_mod.so"));
	/* the option stays for fuse_new() */
	assert_int_equal(args.argc, 3);
	assert_string_equal(args.argv[2], "modules=subdir:no_such_mod");
	fuse_opt_free_args(&args);
}

/* ---- fuse_main() ---- */

static int run_main(int argc, const char *argv[], char *out, size_t outsz,
		    char *err, size_t errsz)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	pid_t pid;
	int status = 0;
	size_t n;

	assert_non_null(fo);
	assert_non_null(fe);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct fuse_operations ops;

		memset(&ops, 0, sizeof(ops));
		dup2(fileno(fo), 1);
		dup2(fileno(fe), 2);
		fuse_set_log_func(NULL);
		status = fuse_main(argc, (char **)argv, &ops, NULL);
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	rewind(fo);
	n = fread(out, 1, outsz - 1, fo);
	out[n] = '\0';
	rewind(fe);
	n = fread(err, 1, errsz - 1, fe);
	err[n] = '\0';
	fclose(fo);
	fclose(fe);
	return WEXITSTATUS(status);
}

static const char usage_head[] =
	"usage: prog [options] <mountpoint>\n\n"
	"FUSE options:\n"
	"    -h   --help            print help\n"
	"    -V   --version         print version\n";

static void test_main_help(void **state)
{
	const char *argv[] = { "prog", "-h" };
	const char *noname[] = { "", "--help" };
	char out[16384], err[4096];

	(void)state;
	assert_int_equal(run_main(2, argv, out, sizeof(out), err, sizeof(err)),
			 0);
	assert_memory_equal(out, usage_head, strlen(usage_head));
	/* an empty program name drops the usage line */
	assert_int_equal(run_main(2, noname, out, sizeof(out), err,
				  sizeof(err)), 0);
	assert_memory_equal(out, "FUSE options:\n", 14);
}

static void test_main_version(void **state)
{
	const char *argv[] = { "prog", "-V" };
	char out[4096], err[4096], want[128];

	(void)state;
	snprintf(want, sizeof(want),
		 "FUSE library version %d.%d.%d\n"
		 "using FUSE kernel interface version 7.",
		 FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION);
	assert_int_equal(run_main(2, argv, out, sizeof(out), err, sizeof(err)),
			 0);
	assert_memory_equal(out, want, strlen(want));
}

static void test_main_errors(void **state)
{
	const char *nomnt[] = { "prog" };
	const char *badopt[] = { "prog", "/", "-o" };
	char dir[] = "/tmp/lf-hlmod-XXXXXX";
	const char *badmod[] = { "prog", dir, "-f", "-o", "modules=no_such_mod" };
	char out[4096], err[4096];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(run_main(1, nomnt, out, sizeof(out), err, sizeof(err)),
			 2);
	assert_string_equal(err, "error: no mountpoint specified\n");
	assert_string_equal(out, "");
	assert_int_equal(run_main(3, badopt, out, sizeof(out), err,
				  sizeof(err)), 1);
	assert_non_null(strstr(err, "fuse: missing argument after `-o'"));
	/* fuse_new() fails before anything is mounted */
	assert_int_equal(run_main(5, badmod, out, sizeof(out), err,
				  sizeof(err)), 3);
	assert_non_null(strstr(err, "libfusemod_no_such_mod.so"));
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_subdir_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subdir_relative_base,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_subdir_rellinks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subdir_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iconv_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iconv_bad_charset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stack_two, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_module, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_program_module, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_main_help, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_main_version, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_main_errors, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

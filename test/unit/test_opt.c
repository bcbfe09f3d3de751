// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/opt.c: every template kind, "-o" lists and escapes,
 * "--", processing-function keys and return codes, the exact error
 * messages, and the fuse_args / option-string helpers.
 */

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuse_log.h"
#include "fuse_opt.h"

/* ---- log capture ---- */

static char logbuf[4096];
static int lognum;
static enum fuse_log_level loglevel;

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logbuf);

	vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
	loglevel = level;
	lognum++;
}

static int setup(void **state)
{
	(void)state;
	logbuf[0] = '\0';
	lognum = 0;
	loglevel = FUSE_LOG_DEBUG;
	fuse_set_log_func(capture);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fuse_set_log_func(NULL);
	return 0;
}

static void assert_logged_err(const char *msg)
{
	assert_string_equal(logbuf, msg);
	assert_int_equal(lognum, 1);
	assert_int_equal(loglevel, FUSE_LOG_ERR);
}

/* ---- helpers ---- */

#define MAXCALLS 16

struct conf {
	int flag;
	int flag2;
	char *str;
	unsigned u;
	unsigned long lu;
	int i;
	int d;
	unsigned o;
	unsigned x;
	long long lli;
	unsigned long long llu;
	char *sx;
	int sep_flag;

	/* What the processing function saw and what it answers. */
	int ncalls;
	int keys[MAXCALLS];
	char args[MAXCALLS][64];
	int ret;		/* returned for every call ... */
	int fail_key;		/* ... except this key, which gets -1 */
	int add_extra;		/* append "extra" to outargs when nonzero */
};

static int proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct conf *c = data;

	assert_non_null(c);
	assert_non_null(out);
	assert_true(c->ncalls < MAXCALLS);
	c->keys[c->ncalls] = key;
	snprintf(c->args[c->ncalls], sizeof(c->args[0]), "%s", arg);
	c->ncalls++;
	if (key == c->fail_key)
		return -1;
	if (c->add_extra)
		assert_int_equal(fuse_opt_add_arg(out, "extra"), 0);
	return c->ret;
}

/* A processing function that must never run. */
static int proc_never(void *data, const char *arg, int key,
		      struct fuse_args *out)
{
	(void)data;
	(void)out;
	fail_msg("proc called for '%s' key %d", arg, key);
	return -1;
}

static void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ret = 1;
	c->fail_key = INT_MIN;
}

static void conf_free(struct conf *c)
{
	free(c->str);
	free(c->sx);
}

/* Build an allocated vector from a NULL-terminated list. */
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

/* Assert 'a' holds exactly the NULL-terminated list given. */
static void expect_args(const struct fuse_args *a, ...)
{
	va_list ap;
	const char *s;
	int n = 0;

	va_start(ap, a);
	while ((s = va_arg(ap, const char *))) {
		assert_true(n < a->argc);
		assert_string_equal(a->argv[n], s);
		n++;
	}
	va_end(ap);
	assert_int_equal(a->argc, n);
	assert_null(a->argv[n]);
}

#define ARGS(...) __VA_ARGS__, (const char *)NULL

/* ---- fuse_args helpers ---- */

static void test_add_arg(void **state)
{
	struct fuse_args a = FUSE_ARGS_INIT(0, NULL);

	(void)state;
	assert_int_equal(fuse_opt_add_arg(&a, "one"), 0);
	assert_int_equal(a.allocated, 1);
	assert_int_equal(fuse_opt_add_arg(&a, "two"), 0);
	expect_args(&a, ARGS("one", "two"));
	fuse_opt_free_args(&a);
	assert_int_equal(a.argc, 0);
	assert_null(a.argv);
	assert_int_equal(a.allocated, 0);

	assert_int_equal(fuse_opt_add_arg(NULL, "x"), -1);
	assert_int_equal(fuse_opt_add_arg(&a, NULL), -1);
	assert_int_equal(lognum, 0);
}

static void test_add_arg_unowned(void **state)
{
	char *argv[] = { "prog", "mnt", NULL };
	struct fuse_args a = FUSE_ARGS_INIT(2, argv);

	(void)state;
	/* libfuse asserts here; we copy and leave the caller's vector. */
	assert_int_equal(fuse_opt_add_arg(&a, "-d"), 0);
	assert_int_equal(a.allocated, 1);
	assert_ptr_not_equal(a.argv, argv);
	expect_args(&a, ARGS("prog", "mnt", "-d"));
	assert_string_equal(argv[0], "prog");
	assert_string_equal(argv[1], "mnt");
	assert_null(argv[2]);
	fuse_opt_free_args(&a);
}

static void test_add_arg_inconsistent(void **state)
{
	struct fuse_args a = { 3, NULL, 0 };

	(void)state;
	assert_int_equal(fuse_opt_add_arg(&a, "x"), -1);
	a.argc = -1;
	assert_int_equal(fuse_opt_add_arg(&a, "x"), -1);
}

static void test_insert_arg(void **state)
{
	struct fuse_args a;

	(void)state;
	mkargs(&a, ARGS("b", "d"));
	assert_int_equal(fuse_opt_insert_arg(&a, 0, "a"), 0);
	assert_int_equal(fuse_opt_insert_arg(&a, 2, "c"), 0);
	assert_int_equal(fuse_opt_insert_arg(&a, 4, "e"), 0);
	expect_args(&a, ARGS("a", "b", "c", "d", "e"));

	assert_int_equal(fuse_opt_insert_arg(&a, 6, "x"), -1);
	assert_int_equal(fuse_opt_insert_arg(&a, -1, "x"), -1);
	assert_int_equal(fuse_opt_insert_arg(NULL, 0, "x"), -1);
	assert_int_equal(fuse_opt_insert_arg(&a, 0, NULL), -1);
	expect_args(&a, ARGS("a", "b", "c", "d", "e"));
	fuse_opt_free_args(&a);

	/* Into an empty and into an unowned vector. */
	assert_int_equal(fuse_opt_insert_arg(&a, 0, "only"), 0);
	expect_args(&a, ARGS("only"));
	fuse_opt_free_args(&a);

	char *argv[] = { "prog", "--", "x", NULL };
	struct fuse_args u = FUSE_ARGS_INIT(3, argv);

	assert_int_equal(fuse_opt_insert_arg(&u, 1, "-ofoo"), 0);
	expect_args(&u, ARGS("prog", "-ofoo", "--", "x"));
	assert_string_equal(argv[1], "--");
	fuse_opt_free_args(&u);
}

static void test_free_args(void **state)
{
	char *argv[] = { "prog", NULL };
	struct fuse_args a = FUSE_ARGS_INIT(1, argv);

	(void)state;
	fuse_opt_free_args(NULL);
	/* Not ours: nothing is freed (ASan would flag a bad free). */
	fuse_opt_free_args(&a);
	assert_int_equal(a.argc, 0);
	assert_null(a.argv);
	assert_string_equal(argv[0], "prog");
	fuse_opt_free_args(&a);
}

static void test_add_opt(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(fuse_opt_add_opt(&s, "a"), 0);
	assert_string_equal(s, "a");
	assert_int_equal(fuse_opt_add_opt(&s, "b=1,c"), 0);
	assert_string_equal(s, "a,b=1,c");
	assert_int_equal(fuse_opt_add_opt(&s, ""), 0);
	assert_string_equal(s, "a,b=1,c,");
	free(s);

	/* An empty list gets no leading comma. */
	s = strdup("");
	assert_non_null(s);
	assert_int_equal(fuse_opt_add_opt(&s, "x"), 0);
	assert_string_equal(s, "x");
	free(s);

	s = NULL;
	assert_int_equal(fuse_opt_add_opt(NULL, "x"), -1);
	assert_int_equal(fuse_opt_add_opt(&s, NULL), -1);
	assert_null(s);
}

static void test_add_opt_escaped(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(fuse_opt_add_opt_escaped(&s, "a,b\\c"), 0);
	assert_string_equal(s, "a\\,b\\\\c");
	assert_int_equal(fuse_opt_add_opt_escaped(&s, "plain=1"), 0);
	assert_string_equal(s, "a\\,b\\\\c,plain=1");
	assert_int_equal(fuse_opt_add_opt_escaped(&s, ",,"), 0);
	assert_string_equal(s, "a\\,b\\\\c,plain=1,\\,\\,");
	free(s);
	assert_int_equal(fuse_opt_add_opt_escaped(NULL, "x"), -1);
}

static void test_match(void **state)
{
	const struct fuse_opt opts[] = {
		{ "exact", 0, 0 },
		{ "pre=", 0, 0 },
		{ "num=%u", 0, 0 },
		{ "-x ", 0, 0 },
		{ "--long", 0, 0 },
		{ "lit=v", 0, 0 },
		FUSE_OPT_END
	};

	(void)state;
	assert_int_equal(fuse_opt_match(opts, "exact"), 1);
	assert_int_equal(fuse_opt_match(opts, "exac"), 0);
	assert_int_equal(fuse_opt_match(opts, "exactly"), 0);
	assert_int_equal(fuse_opt_match(opts, "pre="), 1);
	assert_int_equal(fuse_opt_match(opts, "pre=anything"), 1);
	assert_int_equal(fuse_opt_match(opts, "pre"), 0);
	assert_int_equal(fuse_opt_match(opts, "num=12"), 1);
	assert_int_equal(fuse_opt_match(opts, "num"), 0);
	assert_int_equal(fuse_opt_match(opts, "-x"), 1);
	assert_int_equal(fuse_opt_match(opts, "-xval"), 1);
	assert_int_equal(fuse_opt_match(opts, "-y"), 0);
	assert_int_equal(fuse_opt_match(opts, "--long"), 1);
	assert_int_equal(fuse_opt_match(opts, "--longer"), 0);
	/* '=' not followed by a conversion: literal match only. */
	assert_int_equal(fuse_opt_match(opts, "lit=v"), 1);
	assert_int_equal(fuse_opt_match(opts, "lit=w"), 0);

	assert_int_equal(fuse_opt_match(NULL, "exact"), 0);
	assert_int_equal(fuse_opt_match(opts, NULL), 0);
}

/* ---- fuse_opt_parse: degenerate inputs ---- */

static void test_parse_empty(void **state)
{
	struct fuse_args a = FUSE_ARGS_INIT(0, NULL);
	char *argv[] = { "prog", "a", NULL };
	struct fuse_args b = FUSE_ARGS_INIT(2, argv);

	(void)state;
	assert_int_equal(fuse_opt_parse(NULL, NULL, NULL, NULL), 0);
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	assert_null(a.argv);
	assert_int_equal(a.allocated, 0);

	/* NULL opts and proc: everything kept, result is allocated. */
	assert_int_equal(fuse_opt_parse(&b, NULL, NULL, NULL), 0);
	assert_int_equal(b.allocated, 1);
	assert_ptr_not_equal(b.argv, argv);
	expect_args(&b, ARGS("prog", "a"));
	fuse_opt_free_args(&b);
	assert_int_equal(lognum, 0);
}

static void test_parse_null_in_argv(void **state)
{
	char *argv[] = { "prog", "-o", NULL, "never", NULL };
	struct fuse_args a = FUSE_ARGS_INIT(4, argv);

	(void)state;
	/* The NULL ends the vector, so "-o" lacks its argument. */
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), -1);
	assert_logged_err("fuse: missing argument after `-o'\n");
	assert_ptr_equal(a.argv, argv);
}

/* ---- option lists ---- */

static void test_lists_merged(void **state)
{
	struct fuse_args a;

	(void)state;
	mkargs(&a, ARGS("prog", "-o", "a,b", "mnt", "-oc", "-d", "-o", "d=1"));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	expect_args(&a, ARGS("prog", "-o", "a,b,c,d=1", "mnt", "-d"));
	fuse_opt_free_args(&a);

	/* Anything starting with "-o" is a list. */
	mkargs(&a, ARGS("prog", "-obviously"));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	expect_args(&a, ARGS("prog", "-o", "bviously"));
	fuse_opt_free_args(&a);
}

static void test_list_empty_entries(void **state)
{
	struct fuse_args a;

	(void)state;
	mkargs(&a, ARGS("prog", "-o", ",a,,b"));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	/* The leading empty entry leaves "" and then gets no comma. */
	expect_args(&a, ARGS("prog", "-o", "a,,b"));
	fuse_opt_free_args(&a);

	mkargs(&a, ARGS("prog", "-o", ""));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	expect_args(&a, ARGS("prog", "-o", ""));
	fuse_opt_free_args(&a);
}

static void test_list_escapes(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		FUSE_OPT_KEY("name=", 7),
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-o",
			"name=a\\,b,name=c\\\\d,name=e\\054f,"
			"name=g\\q,name=t\\"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, proc), 0);
	assert_int_equal(c.ncalls, 5);
	assert_string_equal(c.args[0], "name=a,b");
	assert_string_equal(c.args[1], "name=c\\d");
	assert_string_equal(c.args[2], "name=e,f");
	assert_string_equal(c.args[3], "name=gq");
	assert_string_equal(c.args[4], "name=t\\");
	for (int i = 0; i < 5; i++)
		assert_int_equal(c.keys[i], 7);
	/* Kept entries are escaped again in the merged list. */
	expect_args(&a, ARGS("prog", "-o",
			     "name=a\\,b,name=c\\\\d,name=e\\,f,name=gq,"
			     "name=t\\\\"));
	fuse_opt_free_args(&a);

	/* Octal needs a first digit 0-3 and three digits. */
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-oname=\\477,name=\\07x,name=\\101"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, proc), 0);
	assert_int_equal(c.ncalls, 3);
	assert_string_equal(c.args[0], "name=477");
	assert_string_equal(c.args[1], "name=07x");
	assert_string_equal(c.args[2], "name=A");
	fuse_opt_free_args(&a);
}

static void test_list_missing_arg(void **state)
{
	struct fuse_args a;

	(void)state;
	mkargs(&a, ARGS("prog", "mnt", "-o"));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), -1);
	assert_logged_err("fuse: missing argument after `-o'\n");
	/* Failure leaves the input untouched. */
	expect_args(&a, ARGS("prog", "mnt", "-o"));
	fuse_opt_free_args(&a);
}

/* ---- "--" ---- */

static void test_dashdash(void **state)
{
	struct conf c;
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "a", "--", "-d", "-o", "x", "--"));
	assert_int_equal(fuse_opt_parse(&a, &c, NULL, proc), 0);
	expect_args(&a, ARGS("prog", "a", "--", "-d", "-o", "x", "--"));
	/* The first "--" is the parser's; the rest go to proc. */
	assert_int_equal(c.ncalls, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(c.keys[i], FUSE_OPT_KEY_NONOPT);
	assert_string_equal(c.args[0], "a");
	assert_string_equal(c.args[1], "-d");
	assert_string_equal(c.args[2], "-o");
	assert_string_equal(c.args[4], "--");
	fuse_opt_free_args(&a);

	/* A trailing "--" is dropped ... */
	mkargs(&a, ARGS("prog", "a", "--"));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	expect_args(&a, ARGS("prog", "a"));
	fuse_opt_free_args(&a);

	/* ... also when all that followed it was discarded ... */
	conf_init(&c);
	c.ret = 0;
	mkargs(&a, ARGS("prog", "--", "gone"));
	assert_int_equal(fuse_opt_parse(&a, &c, NULL, proc), 0);
	assert_int_equal(c.ncalls, 1);
	expect_args(&a, ARGS("prog"));
	fuse_opt_free_args(&a);

	/* ... but not when a merged "-o" shifted it (as in libfuse). */
	mkargs(&a, ARGS("prog", "-o", "x", "--"));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	expect_args(&a, ARGS("prog", "-o", "x", "--"));
	fuse_opt_free_args(&a);
}

/* ---- templates that store into data ---- */

static void test_store_value(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		{ "flag", offsetof(struct conf, flag), 5 },
		{ "-f", offsetof(struct conf, flag2), 9 },
		{ "--long", offsetof(struct conf, flag2), 11 },
		{ "val=", offsetof(struct conf, i), 3 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-o", "flag", "-f", "mnt", "-oval=whatever"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), 0);
	assert_int_equal(c.flag, 5);
	assert_int_equal(c.flag2, 9);
	assert_int_equal(c.i, 3);
	/* Matched storing options are consumed. */
	expect_args(&a, ARGS("prog", "mnt"));
	fuse_opt_free_args(&a);

	conf_init(&c);
	mkargs(&a, ARGS("prog", "--long"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), 0);
	assert_int_equal(c.flag2, 11);
	expect_args(&a, ARGS("prog"));
	fuse_opt_free_args(&a);
}

static void test_store_formats(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		{ "u=%u", offsetof(struct conf, u), 0 },
		{ "lu=%lu", offsetof(struct conf, lu), 0 },
		{ "i=%i", offsetof(struct conf, i), 0 },
		{ "d=%d", offsetof(struct conf, d), 0 },
		{ "o=%o", offsetof(struct conf, o), 0 },
		{ "x=%x", offsetof(struct conf, x), 0 },
		{ "lli=%lli", offsetof(struct conf, lli), 0 },
		{ "llu=%llu", offsetof(struct conf, llu), 0 },
		{ "--str=%s", offsetof(struct conf, str), 0 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-ou=42,lu=4000000000,i=0x10,d=-7",
			"-oo=17,x=ff,lli=-9000000000,llu=18000000000000000000",
			"--str=a b,c"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, proc_never), 0);
	assert_int_equal(c.u, 42);
	assert_true(c.lu == 4000000000UL);
	assert_int_equal(c.i, 16);
	assert_int_equal(c.d, -7);
	assert_int_equal(c.o, 017);
	assert_int_equal(c.x, 0xff);
	assert_true(c.lli == -9000000000LL);
	assert_true(c.llu == 18000000000000000000ULL);
	assert_string_equal(c.str, "a b,c");
	expect_args(&a, ARGS("prog"));
	fuse_opt_free_args(&a);
	conf_free(&c);
	assert_int_equal(lognum, 0);
}

static void test_store_string_replaces(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		{ "s=%s", offsetof(struct conf, str), 0 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	/* The old value is freed; ASan reports a leak if it is not. */
	c.str = strdup("old");
	assert_non_null(c.str);
	mkargs(&a, ARGS("prog", "-os=first,s=second", "-o", "s="));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), 0);
	assert_string_equal(c.str, "");
	expect_args(&a, ARGS("prog"));
	fuse_opt_free_args(&a);
	conf_free(&c);
}

static void test_invalid_param(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		{ "u=%u", offsetof(struct conf, u), 0 },
		{ "-n %i", offsetof(struct conf, i), 0 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-o", "u=abc"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), -1);
	assert_logged_err("fuse: invalid parameter in option `u=abc'\n");
	expect_args(&a, ARGS("prog", "-o", "u=abc"));
	fuse_opt_free_args(&a);

	/* The message names the joined form of a two-argument option. */
	setup(NULL);
	mkargs(&a, ARGS("prog", "-n", "zz"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), -1);
	assert_logged_err("fuse: invalid parameter in option `-nzz'\n");
	fuse_opt_free_args(&a);
}

static void test_separate_arg(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		{ "-s %s", offsetof(struct conf, sx), 0 },
		{ "-n %u", offsetof(struct conf, u), 0 },
		{ "-k ", offsetof(struct conf, sep_flag), 4 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-s", "two words", "-n12", "-k", "eaten",
			"mnt"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), 0);
	assert_string_equal(c.sx, "two words");
	assert_int_equal(c.u, 12);
	assert_int_equal(c.sep_flag, 4);
	expect_args(&a, ARGS("prog", "mnt"));
	fuse_opt_free_args(&a);

	mkargs(&a, ARGS("prog", "-sjoined", "-n", "7"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), 0);
	assert_string_equal(c.sx, "joined");
	assert_int_equal(c.u, 7);
	fuse_opt_free_args(&a);
	conf_free(&c);
	assert_int_equal(lognum, 0);
}

static void test_separate_arg_missing(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		{ "-s %s", offsetof(struct conf, sx), 0 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "mnt", "-s"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, NULL), -1);
	assert_logged_err("fuse: missing argument after `-s'\n");
	assert_null(c.sx);
	expect_args(&a, ARGS("prog", "mnt", "-s"));
	fuse_opt_free_args(&a);
}

static void test_multiple_matches(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		{ "both", offsetof(struct conf, flag), 1 },
		{ "both", offsetof(struct conf, flag2), 2 },
		FUSE_OPT_KEY("both", 33),
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-oboth"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, proc), 0);
	assert_int_equal(c.flag, 1);
	assert_int_equal(c.flag2, 2);
	assert_int_equal(c.ncalls, 1);
	assert_int_equal(c.keys[0], 33);
	assert_string_equal(c.args[0], "both");
	expect_args(&a, ARGS("prog", "-o", "both"));
	fuse_opt_free_args(&a);
}

static void test_null_data(void **state)
{
	const struct fuse_opt opts[] = {
		{ "flag", 0, 1 },
		{ "s=%s", 8, 0 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	/* Nowhere to store: ignored instead of writing near NULL. */
	mkargs(&a, ARGS("prog", "-oflag,s=x"));
	assert_int_equal(fuse_opt_parse(&a, NULL, opts, NULL), 0);
	expect_args(&a, ARGS("prog"));
	fuse_opt_free_args(&a);
}

/* ---- the processing function ---- */

static void test_proc_keys(void **state)
{
	struct conf c;
	const struct fuse_opt opts[] = {
		FUSE_OPT_KEY("-k", 10),
		FUSE_OPT_KEY("lkey", 11),
		FUSE_OPT_KEY("val=", 12),
		FUSE_OPT_KEY("-p ", 13),
		FUSE_OPT_KEY("--big=%s", 14),
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-k", "-olkey,val=3,other", "mnt", "-p", "P",
			"-pQ", "--big=x", "-u"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, proc), 0);
	assert_int_equal(c.ncalls, 9);
	const int keys[] = { 10, 11, 12, FUSE_OPT_KEY_OPT, FUSE_OPT_KEY_NONOPT,
			     13, 13, 14, FUSE_OPT_KEY_OPT };
	const char *args[] = { "-k", "lkey", "val=3", "other", "mnt", "-pP",
			       "-pQ", "--big=x", "-u" };
	for (int i = 0; i < 9; i++) {
		assert_int_equal(c.keys[i], keys[i]);
		assert_string_equal(c.args[i], args[i]);
	}
	/* Kept, with the two-argument form joined. */
	expect_args(&a, ARGS("prog", "-o", "lkey,val=3,other", "-k", "mnt",
			     "-pP", "-pQ", "--big=x", "-u"));
	fuse_opt_free_args(&a);
}

static void test_proc_returns(void **state)
{
	struct conf c;
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	c.ret = 0;
	mkargs(&a, ARGS("prog", "-x", "-oa,b", "mnt"));
	assert_int_equal(fuse_opt_parse(&a, &c, NULL, proc), 0);
	assert_int_equal(c.ncalls, 4);
	expect_args(&a, ARGS("prog"));
	fuse_opt_free_args(&a);

	/* Anything but -1 and 0 keeps the argument. */
	conf_init(&c);
	c.ret = 2;
	mkargs(&a, ARGS("prog", "-x", "mnt"));
	assert_int_equal(fuse_opt_parse(&a, &c, NULL, proc), 0);
	expect_args(&a, ARGS("prog", "-x", "mnt"));
	fuse_opt_free_args(&a);
}

static void test_proc_error(void **state)
{
	struct conf c;
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	c.fail_key = FUSE_OPT_KEY_NONOPT;
	mkargs(&a, ARGS("prog", "-oa,b", "-x", "mnt", "after"));
	char **before = a.argv;

	assert_int_equal(fuse_opt_parse(&a, &c, NULL, proc), -1);
	/* Stops at the failing argument, logs nothing, input untouched. */
	assert_int_equal(c.ncalls, 4);
	assert_string_equal(c.args[3], "mnt");
	assert_int_equal(lognum, 0);
	assert_ptr_equal(a.argv, before);
	expect_args(&a, ARGS("prog", "-oa,b", "-x", "mnt", "after"));
	fuse_opt_free_args(&a);

	/* An error from a keyed template fails the parse too. */
	const struct fuse_opt opts[] = { FUSE_OPT_KEY("bad", 5), FUSE_OPT_END };

	conf_init(&c);
	c.fail_key = 5;
	mkargs(&a, ARGS("prog", "-ogood,bad"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, proc), -1);
	assert_int_equal(c.ncalls, 2);
	fuse_opt_free_args(&a);
}

static void test_keep_discard(void **state)
{
	const struct fuse_opt opts[] = {
		FUSE_OPT_KEY("keep", FUSE_OPT_KEY_KEEP),
		FUSE_OPT_KEY("drop", FUSE_OPT_KEY_DISCARD),
		FUSE_OPT_KEY("-K", FUSE_OPT_KEY_KEEP),
		FUSE_OPT_KEY("-D", FUSE_OPT_KEY_DISCARD),
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	mkargs(&a, ARGS("prog", "-okeep,drop", "-K", "-D"));
	/* proc_never fails the test if either key reaches it. */
	assert_int_equal(fuse_opt_parse(&a, NULL, opts, proc_never), 0);
	expect_args(&a, ARGS("prog", "-o", "keep", "-K"));
	fuse_opt_free_args(&a);
}

static void test_proc_sees_outargs(void **state)
{
	struct conf c;
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	c.add_extra = 1;
	c.ret = 0;
	mkargs(&a, ARGS("prog", "mnt"));
	assert_int_equal(fuse_opt_parse(&a, &c, NULL, proc), 0);
	expect_args(&a, ARGS("prog", "extra"));
	fuse_opt_free_args(&a);
}

/* Drops the last output argument, then keeps its own. */
static int proc_pop(void *data, const char *arg, int key,
		    struct fuse_args *out)
{
	(void)data;
	(void)arg;
	assert_int_equal(key, FUSE_OPT_KEY_NONOPT);
	assert_true(out->argc > 0);
	free(out->argv[--out->argc]);
	out->argv[out->argc] = NULL;
	return 1;
}

static void test_dashdash_only_removed_if_last(void **state)
{
	struct fuse_args a;

	(void)state;
	/*
	 * proc_pop removes the "--", so the output ends where "--" did but
	 * with "x" there: that must not be mistaken for the separator.
	 */
	mkargs(&a, ARGS("prog", "--", "x"));
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, proc_pop), 0);
	expect_args(&a, ARGS("prog", "x"));
	fuse_opt_free_args(&a);
}

static void test_offset_minus_one(void **state)
{
	struct conf c;
	/* Written by hand: offset holds ULONG_MAX, not -1U. */
	const struct fuse_opt opts[] = {
		{ "hand", (unsigned long)-1, 21 },
		FUSE_OPT_END
	};
	struct fuse_args a;

	(void)state;
	conf_init(&c);
	mkargs(&a, ARGS("prog", "-ohand"));
	assert_int_equal(fuse_opt_parse(&a, &c, opts, proc), 0);
	assert_int_equal(c.ncalls, 1);
	assert_int_equal(c.keys[0], 21);
	fuse_opt_free_args(&a);
}

static void test_unowned_input(void **state)
{
	char *argv[] = { "prog", "-o", "a", "mnt", NULL };
	struct fuse_args a = FUSE_ARGS_INIT(4, argv);

	(void)state;
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	assert_int_equal(a.allocated, 1);
	expect_args(&a, ARGS("prog", "-o", "a", "mnt"));
	/* Parsing the result again frees the previous vector (ASan). */
	assert_int_equal(fuse_opt_parse(&a, NULL, NULL, NULL), 0);
	expect_args(&a, ARGS("prog", "-o", "a", "mnt"));
	fuse_opt_free_args(&a);
	assert_string_equal(argv[2], "a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_add_arg),
		T(test_add_arg_unowned),
		T(test_add_arg_inconsistent),
		T(test_insert_arg),
		T(test_free_args),
		T(test_add_opt),
		T(test_add_opt_escaped),
		T(test_match),
		T(test_parse_empty),
		T(test_parse_null_in_argv),
		T(test_lists_merged),
		T(test_list_empty_entries),
		T(test_list_escapes),
		T(test_list_missing_arg),
		T(test_dashdash),
		T(test_dashdash_only_removed_if_last),
		T(test_store_value),
		T(test_store_formats),
		T(test_store_string_replaces),
		T(test_invalid_param),
		T(test_separate_arg),
		T(test_separate_arg_missing),
		T(test_multiple_matches),
		T(test_null_data),
		T(test_proc_keys),
		T(test_proc_returns),
		T(test_proc_error),
		T(test_keep_discard),
		T(test_proc_sees_outargs),
		T(test_offset_minus_one),
		T(test_unowned_input),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fuse_opt_* API: argument-vector helpers and the template-driven
 * option parser. Behaviour (matching rules, output order, error strings)
 * follows libfuse; where libfuse would assert or crash on bad input we
 * fail or cope instead.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_opt.h"
#include "log.h"

#ifndef FUSE_EXPORT
#define FUSE_EXPORT __attribute__((visibility("default")))
#endif

/* State of one fuse_opt_parse() run. */
struct parser {
	void *data;
	const struct fuse_opt *opts;
	fuse_opt_proc_t proc;
	char **argv;		/* input, not owned */
	int argc;		/* input entries before the first NULL */
	int pos;		/* input entry being processed */
	struct fuse_args out;	/* kept arguments, in order */
	char *optstr;		/* kept "-o" entries, escaped, comma-joined */
	int nonopt;		/* out.argc right after "--" was kept, else 0 */
};

static int oom(void)
{
	lf_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
	return -1;
}

FUSE_EXPORT void fuse_opt_free_args(struct fuse_args *args)
{
	if (!args)
		return;
	if (args->argv && args->allocated) {
		for (int i = 0; i < args->argc; i++)
			free(args->argv[i]);
		free(args->argv);
	}
	args->argc = 0;
	args->argv = NULL;
	args->allocated = 0;
}

/*
 * libfuse asserts when asked to grow a vector it does not own (typically
 * FUSE_ARGS_INIT(argc, argv) straight from main()). Take a private copy
 * instead, so appending works and the caller's vector is left alone.
 */
static int own_argv(struct fuse_args *args)
{
	char **copy;
	int n = args->argc;

	/* A NULL argv with entries counted would be grown over garbage. */
	if (!args->argv)
		return n == 0 ? 0 : -1;
	if (args->allocated)
		return 0;
	copy = calloc((size_t)n + 1, sizeof(*copy));
	if (!copy)
		return oom();
	for (int i = 0; i < n; i++) {
		copy[i] = args->argv[i] ? strdup(args->argv[i]) : NULL;
		if (args->argv[i] && !copy[i]) {
			while (i--)
				free(copy[i]);
			free(copy);
			return oom();
		}
	}
	args->argv = copy;
	args->allocated = 1;
	return 0;
}

FUSE_EXPORT int fuse_opt_add_arg(struct fuse_args *args, const char *arg)
{
	char **argv;
	char *dup;

	if (!args || !arg || args->argc < 0 || own_argv(args) < 0)
		return -1;

	dup = strdup(arg);
	if (!dup)
		return oom();
	argv = realloc(args->argv, ((size_t)args->argc + 2) * sizeof(*argv));
	if (!argv) {
		free(dup);
		return oom();
	}
	argv[args->argc++] = dup;
	argv[args->argc] = NULL;
	args->argv = argv;
	args->allocated = 1;
	return 0;
}

FUSE_EXPORT int fuse_opt_insert_arg(struct fuse_args *args, int pos,
				    const char *arg)
{
	char *added;

	/* Out-of-range positions are an assertion failure in libfuse. */
	if (!args || pos < 0 || pos > args->argc)
		return -1;
	if (fuse_opt_add_arg(args, arg) < 0)
		return -1;

	added = args->argv[args->argc - 1];
	memmove(&args->argv[pos + 1], &args->argv[pos],
		(size_t)(args->argc - 1 - pos) * sizeof(char *));
	args->argv[pos] = added;
	return 0;
}

/* Append 'opt' to the list in *opts, escaping ',' and '\' if 'esc'. */
static int add_opt(char **opts, const char *opt, bool esc)
{
	size_t oldlen, len = 0;
	char *buf, *d;

	if (!opts || !opt)
		return -1;
	for (const char *s = opt; *s; s++)
		len += (esc && (*s == ',' || *s == '\\')) ? 2 : 1;

	/* An empty list gets no leading comma, even if it is "". */
	oldlen = *opts ? strlen(*opts) : 0;
	buf = realloc(*opts, oldlen + 1 + len + 1);
	if (!buf)
		return oom();
	*opts = buf;

	d = buf + oldlen;
	if (oldlen)
		*d++ = ',';
	for (; *opt; opt++) {
		if (esc && (*opt == ',' || *opt == '\\'))
			*d++ = '\\';
		*d++ = *opt;
	}
	*d = '\0';
	return 0;
}

FUSE_EXPORT int fuse_opt_add_opt(char **opts, const char *opt)
{
	return add_opt(opts, opt, false);
}

FUSE_EXPORT int fuse_opt_add_opt_escaped(char **opts, const char *opt)
{
	return add_opt(opts, opt, true);
}

/*
 * Does template 't' match 'arg'? On a match *ret_sep is the index of the
 * '=' or ' ' that starts a parameter, or 0 when 't' matched literally.
 * A parameter template is one whose first '=' (else first ' ') ends the
 * string or is followed by a conversion; it matches any 'arg' starting
 * with its text up to and including the '=' (excluding the ' ').
 */
static bool match_templ(const char *t, const char *arg, unsigned *ret_sep)
{
	const char *sep = strchr(t, '=');

	if (!sep)
		sep = strchr(t, ' ');
	if (sep && (sep[1] == '\0' || sep[1] == '%')) {
		size_t plen = (size_t)(sep - t) + (*sep == '=');

		if (strncmp(arg, t, plen) == 0) {
			*ret_sep = (unsigned)(sep - t);
			return true;
		}
	}
	if (strcmp(t, arg) == 0) {
		*ret_sep = 0;
		return true;
	}
	return false;
}

/* First entry at or after 'o' matching 'arg', or NULL. */
static const struct fuse_opt *find_opt(const struct fuse_opt *o,
				       const char *arg, unsigned *ret_sep)
{
	for (; o && o->templ; o++)
		if (match_templ(o->templ, arg, ret_sep))
			return o;
	return NULL;
}

FUSE_EXPORT int fuse_opt_match(const struct fuse_opt opts[], const char *opt)
{
	unsigned sep;

	if (!opt)
		return 0;
	return find_opt(opts, opt, &sep) ? 1 : 0;
}

/*
 * FUSE_OPT_KEY stores -1U. A table written by hand with -1 holds
 * ULONG_MAX instead, which libfuse would use as an offset and write
 * before 'data'; treat it as the key marker it was meant to be.
 */
static bool is_key_entry(const struct fuse_opt *o)
{
	return o->offset == -1U || o->offset == (unsigned long)-1;
}

/*
 * Hand 'arg' to the processing function and keep it if asked to.
 * Returns 0 (kept or dropped) or -1.
 */
static int call_proc(struct parser *p, const char *arg, int key, bool in_list)
{
	if (key == FUSE_OPT_KEY_DISCARD)
		return 0;
	if (key != FUSE_OPT_KEY_KEEP && p->proc) {
		int res = p->proc(p->data, arg, key, &p->out);

		/* Like libfuse, any value other than -1 and 0 means keep. */
		if (res == -1 || res == 0)
			return res;
	}
	if (in_list)
		return add_opt(&p->optstr, arg, true);
	return fuse_opt_add_arg(&p->out, arg);
}

/* Convert 'param' with the scanf 'format' into 'var'. */
static int store_param(void *var, const char *format, const char *param,
		       const char *arg)
{
	if (format[0] == '%' && format[1] == 's') {
		char **str = var;
		char *dup = strdup(param);

		if (!dup)
			return oom();
		free(*str);
		*str = dup;
		return 0;
	}
	/* The conversion comes from the caller's template, by design. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (format[0] != '%' || sscanf(param, format, var) != 1) {
		lf_log(FUSE_LOG_ERR, "fuse: invalid parameter in option `%s'\n",
		       arg);
		return -1;
	}
#pragma GCC diagnostic pop
	return 0;
}

/* Carry out the action of entry 'o', which matched 'arg'. */
static int apply_opt(struct parser *p, const struct fuse_opt *o,
		     unsigned sep, const char *arg, bool in_list)
{
	void *var;

	if (is_key_entry(o))
		return call_proc(p, arg, o->value, in_list);

	/* No 'data' to store into: libfuse would write near NULL. */
	if (!p->data)
		return 0;
	var = (char *)p->data + o->offset;
	if (sep && o->templ[sep + 1]) {
		const char *param = arg + sep;

		if (o->templ[sep] == '=')
			param++;
		return store_param(var, o->templ + sep + 1, param, arg);
	}
	*(int *)var = o->value;
	return 0;
}

/* Move to the next input argument, which the current one needs. */
static int take_next(struct parser *p, const char *arg)
{
	if (p->pos + 1 >= p->argc) {
		lf_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n",
		       arg);
		return -1;
	}
	p->pos++;
	return 0;
}

/*
 * "-x VALUE" given as two arguments: join them into "-xVALUE", so the
 * processing function sees the documented single-argument form.
 */
static int apply_sep_arg(struct parser *p, const struct fuse_opt *o,
			 unsigned sep, const char *arg, bool in_list)
{
	const char *param;
	size_t plen;
	char *joined;
	int res;

	if (take_next(p, arg) < 0)
		return -1;
	param = p->argv[p->pos];
	plen = strlen(param);
	joined = malloc(sep + plen + 1);
	if (!joined)
		return oom();
	memcpy(joined, arg, sep);
	memcpy(joined + sep, param, plen + 1);
	res = apply_opt(p, o, sep, joined, in_list);
	free(joined);
	return res;
}

/* One option, either a whole argument or one entry of a "-o" list. */
static int process_opt(struct parser *p, const char *arg, bool in_list)
{
	const struct fuse_opt *o;
	unsigned sep;
	int res;

	o = find_opt(p->opts, arg, &sep);
	if (!o)
		return call_proc(p, arg, FUSE_OPT_KEY_OPT, in_list);

	/* Every matching entry acts, in table order. */
	for (; o; o = find_opt(o + 1, arg, &sep)) {
		if (sep && o->templ[sep] == ' ' && arg[sep] == '\0')
			res = apply_sep_arg(p, o, sep, arg, in_list);
		else
			res = apply_opt(p, o, sep, arg, in_list);
		if (res < 0)
			return -1;
	}
	return 0;
}

/*
 * Split a "-o" list in place on unescaped commas and undo the escapes:
 * "\c" is a literal c, "\ooo" (first digit 0-3) an octal byte, and a
 * backslash at the very end stays as it is.
 */
static int process_list(struct parser *p, char *list)
{
	char *s = list, *d = list;

	for (;; s++) {
		if (*s == ',' || *s == '\0') {
			bool last = *s == '\0';

			*d = '\0';
			if (process_opt(p, list, true) < 0)
				return -1;
			if (last)
				return 0;
			d = list;
		} else if (s[0] == '\\' && s[1] != '\0') {
			s++;
			if (s[0] >= '0' && s[0] <= '3' &&
			    s[1] >= '0' && s[1] <= '7' &&
			    s[2] >= '0' && s[2] <= '7') {
				*d++ = (char)((s[0] - '0') * 64 +
					      (s[1] - '0') * 8 + (s[2] - '0'));
				s += 2;
			} else {
				*d++ = *s;
			}
		} else {
			*d++ = *s;
		}
	}
}

static int process_list_arg(struct parser *p, const char *list)
{
	char *copy = strdup(list);
	int res;

	if (!copy)
		return oom();
	res = process_list(p, copy);
	free(copy);
	return res;
}

static int process_arg(struct parser *p, const char *arg)
{
	if (p->nonopt || arg[0] != '-')
		return call_proc(p, arg, FUSE_OPT_KEY_NONOPT, false);

	/* Anything starting with "-o" is a list: "-oa,b" or "-o" "a,b". */
	if (arg[1] == 'o') {
		if (arg[2])
			return process_list_arg(p, arg + 2);
		if (take_next(p, arg) < 0)
			return -1;
		return process_list_arg(p, p->argv[p->pos]);
	}

	/* "--" is kept; everything after it is a non-option. */
	if (arg[1] == '-' && arg[2] == '\0') {
		if (fuse_opt_add_arg(&p->out, arg) < 0)
			return -1;
		p->nonopt = p->out.argc;
		return 0;
	}
	return process_opt(p, arg, false);
}

static int run(struct parser *p)
{
	if (fuse_opt_add_arg(&p->out, p->argv[0]) < 0)
		return -1;
	for (p->pos = 1; p->pos < p->argc; p->pos++)
		if (process_arg(p, p->argv[p->pos]) < 0)
			return -1;

	/* All kept list entries go into one "-o" right after argv[0]. */
	if (p->optstr) {
		if (fuse_opt_insert_arg(&p->out, 1, "-o") < 0 ||
		    fuse_opt_insert_arg(&p->out, 2, p->optstr) < 0)
			return -1;
	}

	/*
	 * A "--" with nothing after it is dropped. As in libfuse, the test
	 * uses the position recorded before the "-o" was inserted, so the
	 * "--" survives when options were kept.
	 */
	if (p->nonopt && p->nonopt == p->out.argc &&
	    strcmp(p->out.argv[p->out.argc - 1], "--") == 0) {
		free(p->out.argv[--p->out.argc]);
		p->out.argv[p->out.argc] = NULL;
	}
	return 0;
}

FUSE_EXPORT int fuse_opt_parse(struct fuse_args *args, void *data,
			       const struct fuse_opt opts[],
			       fuse_opt_proc_t proc)
{
	struct parser p = {
		.data = data,
		.opts = opts,
		.proc = proc,
	};
	int res;

	if (!args || !args->argv || args->argc <= 0)
		return 0;

	/* A NULL inside argc is treated as the end of the vector. */
	p.argv = args->argv;
	while (p.argc < args->argc && p.argv[p.argc])
		p.argc++;
	if (!p.argc)
		return 0;

	res = run(&p);
	if (res == 0) {
		struct fuse_args old = *args;

		*args = p.out;
		p.out = old;
	}
	free(p.optstr);
	fuse_opt_free_args(&p.out);
	return res;
}

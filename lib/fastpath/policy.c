// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cache policies: the line-based policy language (doc/fastpath-policy.md),
 * the built-in profiles (written in that language), checks that a policy
 * keeps its own promises, and the FASTFUSE_1.0 API that installs one on a
 * session. The compiler into kernel caches is apply.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fastpath/bpf.h"
#include "fastpath/fastpath.h"

/* A policy file is a handful of lines; anything bigger is not one. */
#define POLICY_MAX_BYTES (64 * 1024)
#define POLICY_MAX_LINE 1024
#define XATTR_NAME_MAX_LEN 255
#define XATTR_MAX_ABSENT 64

static const struct profile {
	const char *name;
	const char *text;
} profiles[] = {
	{ "readonly",
	  "# nothing ever changes: every answer is cached forever\n"
	  "entry_ttl forever\n"
	  "negative_ttl forever\n"
	  "attr_ttl forever\n"
	  "keep_cache yes\n"
	  "cache_readdir yes\n"
	  "cache_symlinks yes\n"
	  "noflush yes\n"
	  "parallel_dirops yes\n"
	  "reuse_open yes\n"
	  "invalidation none\n" },
	{ "local",
	  "# only this mount changes the data; the kernel sees every change\n"
	  "entry_ttl forever\n"
	  "negative_ttl forever\n"
	  "attr_ttl forever\n"
	  "keep_cache yes\n"
	  "cache_readdir yes\n"
	  "cache_symlinks yes\n"
	  "noflush yes\n"
	  "parallel_dirops yes\n"
	  "reuse_open auto\n"
	  "reuse_writes auto\n"
	  "invalidation local\n" },
	{ "shared",
	  "# others change the data too: nothing is believed for long\n"
	  "entry_ttl 1\n"
	  "negative_ttl 1\n"
	  "attr_ttl 1\n"
	  "keep_cache yes\n"
	  "cache_readdir yes\n"
	  "cache_symlinks yes\n"
	  "parallel_dirops yes\n"
	  "invalidation ttl\n" },
};

enum key_kind { K_BASE, K_TTL, K_SWITCH, K_XATTR, K_INVAL, K_XBPF,
		K_SOURCE, K_WATCHER };

#define PK(n, k, f) { n, k, offsetof(struct fastfuse_cache_policy, f) }
static const struct key {
	const char *name;
	enum key_kind kind;
	size_t off;
} keys[] = {
	{ "base", K_BASE, 0 },
	PK("entry_ttl", K_TTL, entry_ttl),
	PK("negative_ttl", K_TTL, negative_ttl),
	PK("attr_ttl", K_TTL, attr_ttl),
	PK("keep_cache", K_SWITCH, keep_cache),
	PK("cache_readdir", K_SWITCH, cache_readdir),
	PK("cache_symlinks", K_SWITCH, cache_symlinks),
	PK("stateless_open", K_SWITCH, stateless_open),
	PK("stateless_opendir", K_SWITCH, stateless_opendir),
	PK("noflush", K_SWITCH, noflush),
	PK("writeback", K_SWITCH, writeback),
	PK("parallel_dirops", K_SWITCH, parallel_dirops),
	PK("killpriv_v2", K_SWITCH, killpriv_v2),
	PK("readdirplus", K_SWITCH, readdirplus),
	{ "xattr", K_XATTR, 0 },
	{ "xattr_bpf", K_XBPF, 0 },	/* lf_fastpath.xattr_bpf (bpf.c) */
	PK("invalidation", K_INVAL, invalidation),
	{ "source", K_SOURCE, 0 },
	PK("watcher", K_WATCHER, watcher),
	PK("passthrough", K_SWITCH, passthrough),
	PK("reuse_open", K_SWITCH, reuse_open),
	PK("reuse_writes", K_SWITCH, reuse_writes),
};
#define NKEYS LF_ARRAY_SIZE(keys)

static const char *const inval_names[] = { "none", "local", "ttl", "watch" };
static const char *const watcher_names[] = { "auto", "fanotify", "inotify" };

/* Parser state: where each key was set, for duplicates and late checks. */
struct parse {
	struct lf_fastpath *fp;
	const char *origin;
	unsigned int line;
	unsigned int set_on[NKEYS];
	bool other_key_seen;
};

static void perr(const struct parse *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The one message of a failed parse: "fastpath: ORIGIN:LINE: problem". */
static void perr(const struct parse *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->line)
		fuse_log(FUSE_LOG_ERR, "fastpath: %s:%u: %s\n", ps->origin,
			 ps->line, msg);
	else
		fuse_log(FUSE_LOG_ERR, "fastpath: %s: %s\n", ps->origin, msg);
}

static double *ttl_at(struct fastfuse_cache_policy *p, const struct key *k)
{
	return (double *)((char *)p + k->off);
}

static int *int_at(struct fastfuse_cache_policy *p, const struct key *k)
{
	return (int *)((char *)p + k->off);
}

/* Seconds with an optional s/m/h/d unit, "forever" or "keep". */
static int parse_ttl(const char *s, double *ret)
{
	double v, mul = 1.0;
	char *end;

	if (!strcmp(s, "forever")) {
		*ret = FASTFUSE_TTL_FOREVER;
		return 0;
	}
	if (!strcmp(s, "keep")) {
		*ret = FASTFUSE_TTL_KEEP;
		return 0;
	}
	/* no sign, no "inf"/"nan": a duration is digits */
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return -EINVAL;
	if (*end) {
		if (end[1])
			return -EINVAL;
		switch (*end) {
		case 's': mul = 1.0; break;
		case 'm': mul = 60.0; break;
		case 'h': mul = 3600.0; break;
		case 'd': mul = 86400.0; break;
		default: return -EINVAL;
		}
	}
	v *= mul;
	if (!isfinite(v) || v < 0.0 || v > FASTFUSE_TTL_FOREVER)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_switch(const char *s, int *ret)
{
	static const struct { const char *w; int v; } words[] = {
		{ "yes", FASTFUSE_ON }, { "on", FASTFUSE_ON },
		{ "true", FASTFUSE_ON }, { "1", FASTFUSE_ON },
		{ "no", FASTFUSE_OFF }, { "off", FASTFUSE_OFF },
		{ "false", FASTFUSE_OFF }, { "0", FASTFUSE_OFF },
		{ "keep", FASTFUSE_KEEP }, { "auto", FASTFUSE_AUTO },
	};
	size_t i;

	for (i = 0; i < LF_ARRAY_SIZE(words); i++) {
		if (!strcmp(s, words[i].w)) {
			*ret = words[i].v;
			return 0;
		}
	}
	return -EINVAL;
}

/* `auto` follows a filesystem's declaration (fastfuse_declare): only the
 * keys that rest on one have it. */
static bool auto_ok(const struct key *k)
{
	return k->off == offsetof(struct fastfuse_cache_policy, reuse_open) ||
	       k->off == offsetof(struct fastfuse_cache_policy, reuse_writes);
}

/* "namespace.name": what a getxattr can be asked about. */
static bool xattr_name_ok(const char *n)
{
	const char *dot = strchr(n, '.');

	return dot && dot != n && dot[1] && strlen(n) <= XATTR_NAME_MAX_LEN;
}

static int add_absent(struct lf_fastpath *fp, const char *name)
{
	char **v;
	size_t i;

	for (i = 0; i < fp->nabsent; i++)
		if (!strcmp(fp->absent[i], name))
			return 0;
	if (fp->nabsent >= XATTR_MAX_ABSENT)
		return -E2BIG;
	/* one spare slot keeps the array NULL-terminated for the public view */
	v = realloc(fp->absent, (fp->nabsent + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	fp->absent = v;
	v[fp->nabsent] = strdup(name);
	if (!v[fp->nabsent])
		return -ENOMEM;
	v[++fp->nabsent] = NULL;
	fp->p.xattr_absent = (const char *const *)fp->absent;
	return 0;
}

static int parse_text(struct parse *ps, const char *text);

static const struct profile *find_profile(const char *name)
{
	size_t i;

	for (i = 0; i < LF_ARRAY_SIZE(profiles); i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

static int apply_base(struct parse *ps, const char *name)
{
	const struct profile *pr = find_profile(name);
	struct parse sub = { .fp = ps->fp, .origin = name };

	if (ps->other_key_seen || ps->set_on[0]) {
		perr(ps, "'base' must come first, and only once");
		return -EINVAL;
	}
	if (!pr) {
		perr(ps, "unknown profile '%s' (readonly, local, shared)", name);
		return -EINVAL;
	}
	/* keys of the base do not count as set: the file may override them */
	return parse_text(&sub, pr->text);
}

static int parse_xattr(struct parse *ps, char **tok, int ntok)
{
	struct lf_fastpath *fp = ps->fp;
	int i, err;

	if (!strcmp(tok[0], "none") && ntok == 1) {
		fp->p.xattr_none = FASTFUSE_ON;
		return 0;
	}
	if (!strcmp(tok[0], "keep") && ntok == 1) {
		fp->p.xattr_none = FASTFUSE_KEEP;
		return 0;
	}
	if (strcmp(tok[0], "absent") || ntok < 2) {
		perr(ps, "'xattr' takes 'none', 'keep' or 'absent NAME...'");
		return -EINVAL;
	}
	for (i = 1; i < ntok; i++) {
		if (!xattr_name_ok(tok[i])) {
			perr(ps, "'%s' is not an xattr name like security.capability",
			     tok[i]);
			return -EINVAL;
		}
		err = add_absent(fp, tok[i]);
		if (err == -E2BIG)
			perr(ps, "more than %d absent xattr names", XATTR_MAX_ABSENT);
		if (err)
			return err == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	return 0;
}

/* "source PATH" (absolute; kept as given) and "watcher auto|fanotify|inotify". */
static int parse_watch_key(struct parse *ps, const struct key *k,
			   const char *v)
{
	struct lf_fastpath *fp = ps->fp;
	size_t i;

	if (k->kind == K_WATCHER) {
		for (i = 0; i < LF_ARRAY_SIZE(watcher_names); i++) {
			if (!strcmp(v, watcher_names[i])) {
				fp->p.watcher = (int)i;
				return 0;
			}
		}
		perr(ps, "'watcher': expected auto, fanotify or inotify, not '%s'",
		     v);
		return -EINVAL;
	}
	if (v[0] != '/') {
		perr(ps, "'source %s': the source must be an absolute path", v);
		return -EINVAL;
	}
	free(fp->source);
	fp->source = strdup(v);
	if (!fp->source)
		return -ENOMEM;
	fp->p.source = fp->source;
	return 0;
}

/* One "key value..." line, already split into tokens. */
static int parse_keyval(struct parse *ps, char **tok, int ntok)
{
	struct fastfuse_cache_policy *p = &ps->fp->p;
	const struct key *k = NULL;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (!strcmp(keys[i].name, tok[0])) {
			k = &keys[i];
			break;
		}
	}
	if (!k) {
		perr(ps, "unknown key '%s'", tok[0]);
		return -EINVAL;
	}
	if (ntok < 2) {
		perr(ps, "'%s' needs a value", k->name);
		return -EINVAL;
	}
	if (k->kind != K_XATTR && ntok > 2) {
		perr(ps, "'%s' takes one value, got '%s' too", k->name, tok[2]);
		return -EINVAL;
	}
	if (k->kind != K_XATTR && k->kind != K_BASE && ps->set_on[i]) {
		perr(ps, "'%s' was already set on line %u", k->name,
		     ps->set_on[i]);
		return -EINVAL;
	}
	switch (k->kind) {
	case K_BASE:
		if (apply_base(ps, tok[1]) < 0)
			return -EINVAL;
		break;
	case K_TTL:
		if (parse_ttl(tok[1], ttl_at(p, k)) < 0) {
			perr(ps, "'%s': bad duration '%s' (seconds with optional s/m/h/d, 'forever' or 'keep')",
			     k->name, tok[1]);
			return -EINVAL;
		}
		break;
	case K_SWITCH:
		if (parse_switch(tok[1], int_at(p, k)) < 0) {
			perr(ps, "'%s': expected yes, no or keep%s, not '%s'",
			     k->name, auto_ok(k) ? " or auto" : "", tok[1]);
			return -EINVAL;
		}
		if (*int_at(p, k) == FASTFUSE_AUTO && !auto_ok(k)) {
			perr(ps, "'%s auto': only reuse_open and reuse_writes follow a filesystem's declaration; say yes, no or keep",
			     k->name);
			return -EINVAL;
		}
		break;
	case K_XATTR: {
		int err = parse_xattr(ps, tok + 1, ntok - 1);

		if (err)
			return err;
		break;
	}
	case K_INVAL:
		for (i = 0; i < LF_ARRAY_SIZE(inval_names); i++)
			if (!strcmp(tok[1], inval_names[i]))
				break;
		if (i == LF_ARRAY_SIZE(inval_names)) {
			perr(ps, "'invalidation': expected none, local, ttl or watch, not '%s'",
			     tok[1]);
			return -EINVAL;
		}
		p->invalidation = (int)i;
		break;
	case K_XBPF:
		if (parse_switch(tok[1], &ps->fp->xattr_bpf) < 0 ||
		    ps->fp->xattr_bpf == FASTFUSE_AUTO) {
			perr(ps, "'xattr_bpf': expected yes, no or keep, not '%s'",
			     tok[1]);
			return -EINVAL;
		}
		break;
	case K_SOURCE:
	case K_WATCHER: {
		int err = parse_watch_key(ps, k, tok[1]);

		if (err)
			return err;
		break;
	}
	}
	ps->set_on[k - keys] = ps->line;
	if (k->kind != K_BASE)
		ps->other_key_seen = true;
	return 0;
}

/* Splits a line into tokens, "key = value" and "key=value" alike. */
static int tokenize(char *line, char **tok, int max)
{
	char *save = NULL, *t, *eq;
	int n = 0;

	for (t = strtok_r(line, " \t\r", &save); t;
	     t = strtok_r(NULL, " \t\r", &save)) {
		if (t[0] == '#')
			break;
		if (n == 0 && (eq = strchr(t, '=')) && eq != t) {
			*eq = '\0';
			tok[n++] = t;
			t = eq + 1;
			if (!*t)
				continue;
		} else if (n == 1 && t[0] == '=') {
			if (!*++t)
				continue;
		}
		if (n == max)
			return -E2BIG;
		tok[n++] = t;
	}
	return n;
}

static int parse_text(struct parse *ps, const char *text)
{
	const char *p = text;
	char line[POLICY_MAX_LINE + 1];
	char *tok[XATTR_MAX_ABSENT + 2];
	int ntok, err;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		ps->line++;
		if (len > POLICY_MAX_LINE) {
			perr(ps, "line longer than %d bytes", POLICY_MAX_LINE);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		if (memchr(line, '\0', len) != NULL) {
			perr(ps, "NUL byte in policy text");
			return -EINVAL;
		}
		ntok = tokenize(line, tok, (int)LF_ARRAY_SIZE(tok));
		if (ntok < 0) {
			perr(ps, "too many words on one line");
			return -EINVAL;
		}
		if (ntok == 0)
			continue;
		err = parse_keyval(ps, tok, ntok);
		if (err)
			return err;
	}
	return 0;
}

static bool ttl_ok(double v)
{
	return v == FASTFUSE_TTL_KEEP ||
	       (isfinite(v) && v >= 0.0 && v <= FASTFUSE_TTL_FOREVER);
}

static unsigned int line_of(const struct parse *ps, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return ps->set_on[i];
	return 0;
}

/*
 * The watch and passthrough keys against the rest: a watched model needs a
 * source that is a directory, a source is only watched under watch or ttl,
 * and passthrough needs opens (no stateless_open) and no writeback cache
 * (the kernel drops passthrough when both are asked for).
 */
static int check_watch_pass(struct parse *ps)
{
	const struct fastfuse_cache_policy *p = &ps->fp->p;
	struct stat st;

	ps->line = line_of(ps, "invalidation");
	if (p->invalidation == FASTFUSE_INVAL_WATCH && !p->source) {
		perr(ps, "'invalidation watch' needs 'source PATH' (the tree to watch)");
		return -EINVAL;
	}
	ps->line = line_of(ps, "source");
	if (p->source && p->invalidation != FASTFUSE_INVAL_WATCH &&
	    p->invalidation != FASTFUSE_INVAL_TTL) {
		perr(ps, "'source' is watched only under 'invalidation watch' or 'invalidation ttl', not '%s'",
		     inval_names[p->invalidation]);
		return -EINVAL;
	}
	if (p->source && p->source[0] != '/') {
		perr(ps, "'source %s': the source must be an absolute path",
		     p->source);
		return -EINVAL;
	}
	if (p->source && stat(p->source, &st) < 0) {
		perr(ps, "'source %s': %s", p->source, strerror(errno));
		return -EINVAL;
	}
	if (p->source && !S_ISDIR(st.st_mode)) {
		perr(ps, "'source %s': not a directory", p->source);
		return -EINVAL;
	}
	ps->line = line_of(ps, "passthrough");
	if (p->passthrough == FASTFUSE_ON && p->writeback == FASTFUSE_ON) {
		perr(ps, "'passthrough yes' contradicts 'writeback yes' (the kernel passes through only without the writeback cache)");
		return -EINVAL;
	}
	if (p->passthrough == FASTFUSE_ON && p->stateless_open == FASTFUSE_ON) {
		perr(ps, "'passthrough yes' contradicts 'stateless_open yes' (passthrough starts at an open)");
		return -EINVAL;
	}
	return 0;
}

/*
 * Promises a policy must keep with itself: values in range, and with
 * invalidation ttl (others change the data) no answer may be believed
 * forever. @set_on gives the line of each key for the message, or NULL.
 */
static int check_policy(struct parse *ps)
{
	const struct fastfuse_cache_policy *p = &ps->fp->p;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		double ttl;
		int v;

		if (k->kind == K_TTL) {
			ttl = *ttl_at(&ps->fp->p, k);
			if (!ttl_ok(ttl)) {
				ps->line = ps->set_on[i];
				perr(ps, "'%s' out of range", k->name);
				return -EINVAL;
			}
			if (p->invalidation == FASTFUSE_INVAL_TTL &&
			    ttl == FASTFUSE_TTL_FOREVER) {
				ps->line = ps->set_on[i] ? ps->set_on[i] :
					   line_of(ps, "invalidation");
				perr(ps, "'%s forever' contradicts 'invalidation ttl' (every TTL must be finite)",
				     k->name);
				return -EINVAL;
			}
		} else if (k->kind == K_SWITCH) {
			v = *int_at(&ps->fp->p, k);
			if (v < FASTFUSE_KEEP || v > FASTFUSE_AUTO ||
			    (v == FASTFUSE_AUTO && !auto_ok(k))) {
				ps->line = 0;
				perr(ps, "'%s' out of range", k->name);
				return -EINVAL;
			}
		}
	}
	if (p->invalidation < 0 ||
	    p->invalidation >= (int)LF_ARRAY_SIZE(inval_names) ||
	    p->xattr_none < FASTFUSE_KEEP || p->xattr_none > FASTFUSE_OFF ||
	    p->watcher < 0 || p->watcher >= (int)LF_ARRAY_SIZE(watcher_names)) {
		ps->line = 0;
		perr(ps, "'invalidation', 'watcher' or 'xattr' out of range");
		return -EINVAL;
	}
	return check_watch_pass(ps);
}

/* A policy with every answer left to the filesystem. */
static struct lf_fastpath *fp_new(const char *origin)
{
	struct lf_fastpath *fp = calloc(1, sizeof(*fp));

	if (!fp)
		return NULL;
	fp->p.entry_ttl = FASTFUSE_TTL_KEEP;
	fp->p.negative_ttl = FASTFUSE_TTL_KEEP;
	fp->p.attr_ttl = FASTFUSE_TTL_KEEP;
	fp->p.invalidation = FASTFUSE_INVAL_LOCAL;
	snprintf(fp->origin, sizeof(fp->origin), "%s", origin);
	return fp;
}

void lf_fastpath_destroy(struct lf_fastpath *fp)
{
	size_t i;

	if (!fp)
		return;
	lf_xbpf_stop(fp);
	for (i = 0; i < fp->nabsent; i++)
		free(fp->absent[i]);
	free(fp->absent);
	free(fp->source);
	free(fp);
}

int lf_fastpath_parse(const char *text, const char *origin,
		      struct lf_fastpath **ret_fp)
{
	struct parse ps = { .origin = origin ? origin : "policy" };
	int err;

	if (!text)
		return -EINVAL;
	ps.fp = fp_new(ps.origin);
	if (!ps.fp)
		return -ENOMEM;
	err = parse_text(&ps, text);
	if (!err)
		err = check_policy(&ps);
	if (err) {
		lf_fastpath_destroy(ps.fp);
		return err;
	}
	*ret_fp = ps.fp;
	return 0;
}

/* Whole file into memory, NUL-terminated, bounded. */
static int read_file(const char *path, char **ret_text)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int err;

	if (!f)
		return -errno;
	buf = malloc(POLICY_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, POLICY_MAX_BYTES + 1, f);
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!err && n > POLICY_MAX_BYTES)
		err = -EFBIG;
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*ret_text = buf;
	return 0;
}

int lf_fastpath_load(const char *name_or_path, struct lf_fastpath **ret_fp)
{
	const struct profile *pr;
	char *text = NULL;
	int err;

	if (!name_or_path || !*name_or_path) {
		fuse_log(FUSE_LOG_ERR, "fastpath: empty policy name\n");
		return -EINVAL;
	}
	if (!strchr(name_or_path, '/')) {
		pr = find_profile(name_or_path);
		if (!pr) {
			fuse_log(FUSE_LOG_ERR,
				 "fastpath: unknown policy '%s' (built-in: readonly, local, shared; a file path contains '/')\n",
				 name_or_path);
			return -EINVAL;
		}
		return lf_fastpath_parse(pr->text, pr->name, ret_fp);
	}
	err = read_file(name_or_path, &text);
	if (err) {
		fuse_log(FUSE_LOG_ERR, "fastpath: cannot read policy %s: %s\n",
			 name_or_path, err == -EFBIG ? "larger than 64 KiB" :
			 strerror(-err));
		return err;
	}
	err = lf_fastpath_parse(text, name_or_path, ret_fp);
	free(text);
	return err;
}

int lf_fastpath_from_struct(const struct fastfuse_cache_policy *p,
			    size_t size, const char *origin,
			    struct lf_fastpath **ret_fp)
{
	struct parse ps = { .origin = origin ? origin : "struct" };
	const char *const *n;
	int err = 0;

	if (!p || size < LF_POLICY_V1_SIZE) {
		fuse_log(FUSE_LOG_ERR, "fastpath: %s: policy struct too small\n",
			 ps.origin);
		return -EINVAL;
	}
	ps.fp = fp_new(ps.origin);
	if (!ps.fp)
		return -ENOMEM;
	/* fields past the caller's size keep their zero defaults */
	memset(&ps.fp->p, 0, sizeof(ps.fp->p));
	memcpy(&ps.fp->p, p, LF_MIN(size, sizeof(*p)));
	ps.fp->p.xattr_absent = NULL;
	ps.fp->p.source = NULL;
	if (size > offsetof(struct fastfuse_cache_policy, source) &&
	    p->source) {
		ps.fp->source = strdup(p->source);
		if (!ps.fp->source)
			err = -ENOMEM;
		ps.fp->p.source = ps.fp->source;
	}
	for (n = p->xattr_absent; n && *n && !err; n++) {
		if (!xattr_name_ok(*n)) {
			perr(&ps, "'%s' is not an xattr name like security.capability",
			     *n);
			err = -EINVAL;
		} else {
			err = add_absent(ps.fp, *n);
			if (err == -E2BIG) {
				perr(&ps, "more than %d absent xattr names",
				     XATTR_MAX_ABSENT);
				err = -EINVAL;
			}
		}
	}
	if (!err)
		err = check_policy(&ps);
	if (err) {
		lf_fastpath_destroy(ps.fp);
		return err;
	}
	*ret_fp = ps.fp;
	return 0;
}

static size_t fmt_ttl(char *buf, size_t size, double v)
{
	if (v == FASTFUSE_TTL_FOREVER)
		return (size_t)snprintf(buf, size, "forever");
	if (v == FASTFUSE_TTL_KEEP)
		return (size_t)snprintf(buf, size, "keep");
	return (size_t)snprintf(buf, size, "%g", v);
}

/* snprintf into what is left of buf, counting what would be needed. */
#define OUT(...)                                                        \
	do {                                                            \
		size_t left_ = len < size ? size - len : 0;             \
		len += (size_t)snprintf(buf ? buf + len : NULL, left_,  \
					__VA_ARGS__);                   \
	} while (0)

size_t lf_fastpath_format(const struct lf_fastpath *fp, char *buf,
			  size_t size)
{
	static const char *const sw[] = { "keep", "yes", "no", "auto" };
	struct fastfuse_cache_policy p = fp->p;
	size_t len = 0, i;
	char v[32];

	if (!buf)
		size = 0;
	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		switch (k->kind) {
		case K_TTL:
			fmt_ttl(v, sizeof(v), *ttl_at(&p, k));
			OUT("%s %s\n", k->name, v);
			break;
		case K_SWITCH:
			OUT("%s %s\n", k->name, sw[*int_at(&p, k)]);
			break;
		case K_XATTR:
			if (p.xattr_none == FASTFUSE_ON)
				OUT("xattr none\n");
			else if (!fp->nabsent)
				OUT("xattr keep\n");
			for (size_t j = 0; j < fp->nabsent; j++)
				OUT("xattr absent %s\n", fp->absent[j]);
			break;
		case K_INVAL:
			OUT("invalidation %s\n", inval_names[p.invalidation]);
			break;
		case K_XBPF:
			OUT("xattr_bpf %s\n", sw[fp->xattr_bpf]);
			break;
		case K_SOURCE:
			if (p.source)
				OUT("source %s\n", p.source);
			break;
		case K_WATCHER:
			if (p.source)
				OUT("watcher %s\n", watcher_names[p.watcher]);
			break;
		case K_BASE:
			break;
		}
	}
	return len;
}

/* -d: the effective policy, one debug line per key. */
static void print_policy(const struct lf_fastpath *fp)
{
	size_t need = lf_fastpath_format(fp, NULL, 0) + 1;
	char *buf = malloc(need), *line, *save = NULL;

	if (!buf)
		return;
	lf_fastpath_format(fp, buf, need);
	fuse_log(FUSE_LOG_DEBUG, "fastpath: effective cache policy (%s):\n",
		 fp->origin);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		fuse_log(FUSE_LOG_DEBUG, "fastpath:   %s\n", line);
	free(buf);
}

int lf_fastpath_install(struct fuse_session *se, struct lf_fastpath *fp)
{
	if (atomic_load(&se->got_init)) {
		fuse_log(FUSE_LOG_ERR,
			 "fastpath: cache policy set after INIT; it must be set before the session serves requests\n");
		lf_fastpath_destroy(fp);
		return -EBUSY;
	}
	lf_fastpath_free(se);
	se->fastpath = fp;
	if (fp && se->debug)
		print_policy(fp);
	return 0;
}

int lf_fastpath_set(struct fuse_session *se, const char *name_or_path)
{
	struct lf_fastpath *fp = NULL;
	int err;

	if (name_or_path) {
		err = lf_fastpath_load(name_or_path, &fp);
		if (err)
			return err;
	}
	return lf_fastpath_install(se, fp);
}

void lf_fastpath_free(struct fuse_session *se)
{
	lf_fastpath_stop(se);
	lf_fastpath_destroy(se->fastpath);
	se->fastpath = NULL;
}

FUSE_EXPORT int fastfuse_cache_policy_profile(const char *name,
					      struct fastfuse_cache_policy *ret,
					      size_t size)
{
	const struct profile *pr = name ? find_profile(name) : NULL;
	struct lf_fastpath *fp;
	int err;

	if (!pr || !ret || size < LF_POLICY_V1_SIZE)
		return -EINVAL;
	err = lf_fastpath_parse(pr->text, pr->name, &fp);
	if (err)
		return err;
	memset(ret, 0, size);
	memcpy(ret, &fp->p, LF_MIN(size, sizeof(fp->p)));
	lf_fastpath_destroy(fp);
	return 0;
}

FUSE_EXPORT int fastfuse_set_cache_policy(struct fuse_session *se,
					  const char *name_or_path)
{
	if (!se)
		return -EINVAL;
	return lf_fastpath_set(se, name_or_path);
}

FUSE_EXPORT int fastfuse_declare(struct fuse_session *se, unsigned int promises)
{
	if (!se || (promises & ~FASTFUSE_FS_REUSABLE_OPENS))
		return -EINVAL;
	if (atomic_load(&se->got_init)) {
		fuse_log(FUSE_LOG_ERR,
			 "fastpath: fastfuse_declare() after INIT; call it before the session serves requests\n");
		return -EBUSY;
	}
	se->fs_promises = promises;
	return 0;
}

bool lf_fastpath_on(const struct fuse_session *se, int sw,
		    unsigned int promise)
{
	return sw == FASTFUSE_ON ||
	       (sw == FASTFUSE_AUTO && (se->fs_promises & promise) == promise);
}

FUSE_EXPORT int fastfuse_set_cache_policy_struct(struct fuse_session *se,
						 const struct fastfuse_cache_policy *p,
						 size_t size)
{
	struct lf_fastpath *fp = NULL;
	int err;

	if (!se)
		return -EINVAL;
	if (p) {
		err = lf_fastpath_from_struct(p, size, "struct", &fp);
		if (err)
			return err;
	}
	return lf_fastpath_install(se, fp);
}

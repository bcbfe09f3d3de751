// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fusestat's reports: reads the BPF stats map into a table of
 * (connection, opcode) rows, names connections after /proc/self/mountinfo,
 * and renders one interval or the whole run as a text screen or one JSON
 * line. Percentiles are estimated from the log2 buckets.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <bpf/bpf.h>

#include "fusestat_report.h"

/* The kernel's opcode numbers (include/uapi/linux/fuse.h), names without
 * the FUSE_ prefix as the tracepoint prints them. */
static const char *const opnames[] = {
	[1] = "LOOKUP",		[2] = "FORGET",		[3] = "GETATTR",
	[4] = "SETATTR",	[5] = "READLINK",	[6] = "SYMLINK",
	[8] = "MKNOD",		[9] = "MKDIR",		[10] = "UNLINK",
	[11] = "RMDIR",		[12] = "RENAME",	[13] = "LINK",
	[14] = "OPEN",		[15] = "READ",		[16] = "WRITE",
	[17] = "STATFS",	[18] = "RELEASE",	[20] = "FSYNC",
	[21] = "SETXATTR",	[22] = "GETXATTR",	[23] = "LISTXATTR",
	[24] = "REMOVEXATTR",	[25] = "FLUSH",		[26] = "INIT",
	[27] = "OPENDIR",	[28] = "READDIR",	[29] = "RELEASEDIR",
	[30] = "FSYNCDIR",	[31] = "GETLK",		[32] = "SETLK",
	[33] = "SETLKW",	[34] = "ACCESS",	[35] = "CREATE",
	[36] = "INTERRUPT",	[37] = "BMAP",		[38] = "DESTROY",
	[39] = "IOCTL",		[40] = "POLL",		[41] = "NOTIFY_REPLY",
	[42] = "BATCH_FORGET",	[43] = "FALLOCATE",	[44] = "READDIRPLUS",
	[45] = "RENAME2",	[46] = "LSEEK",
	[47] = "COPY_FILE_RANGE",
	[48] = "SETUPMAPPING",	[49] = "REMOVEMAPPING",	[50] = "SYNCFS",
	[51] = "TMPFILE",	[52] = "STATX",
	[53] = "COPY_FILE_RANGE_64",
};

#define CUSE_INIT_OPCODE 4096

const char *fst_opcode_name(__u32 opcode)
{
	if (opcode == CUSE_INIT_OPCODE)
		return "CUSE_INIT";
	if (opcode < sizeof(opnames) / sizeof(opnames[0]))
		return opnames[opcode];
	return NULL;
}

/* ---- the table ---- */

static struct fst_row *table_get(struct fst_table *t,
				 const struct fusestat_key *key)
{
	struct fst_row *rows;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->rows[i].key.conn == key->conn &&
		    t->rows[i].key.opcode == key->opcode)
			return &t->rows[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;

		rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return NULL;
		t->rows = rows;
		t->cap = cap;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	t->rows[t->n].key = *key;
	return &t->rows[t->n++];
}

int fst_table_read(struct fst_table *t, int map_fd)
{
	struct fusestat_key key, next;
	struct fusestat_val val;
	struct fst_row *row;
	void *prev = NULL;

	/* Rows are never deleted while we run, so a plain walk sees all. */
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, &val))
			continue;
		row = table_get(t, &key);
		if (!row)
			return -ENOMEM;
		row->cur = val;
	}
	return errno == ENOENT ? 0 : -errno;
}

void fst_table_advance(struct fst_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		t->rows[i].prev = t->rows[i].cur;
}

__u64 fst_table_inflight(const struct fst_table *t)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		n += t->rows[i].cur.sent - t->rows[i].cur.done;
	return n;
}

void fst_table_free(struct fst_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* ---- the mount table ---- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* One mountinfo line: "id parent maj:min root mnt opts [tags] - type ..." */
static int parse_mount(char *line, struct fst_mount *ret)
{
	unsigned int maj = 0, min = 0;
	char *mnt, *sep, *type, *save = NULL;
	int i;

	sep = strstr(line, " - ");
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	type = strtok_r(sep + 3, " ", &save);
	if (!type || (strcmp(type, "fuse") && strcmp(type, "fuseblk") &&
		      strncmp(type, "fuse.", 5) &&
		      strncmp(type, "fuseblk.", 8)))
		return -ENOENT;
	save = NULL;
	mnt = strtok_r(line, " ", &save);
	for (i = 0; mnt && i < 4; i++) {
		if (i == 2 && sscanf(mnt, "%u:%u", &maj, &min) != 2)
			return -EINVAL;
		mnt = strtok_r(NULL, " ", &save);
	}
	if (!mnt)
		return -EINVAL;
	unescape(mnt);
	ret->conn = (maj << 20) | min;
	ret->path = strdup(mnt);
	ret->fstype = strdup(type);
	if (!ret->path || !ret->fstype) {
		free(ret->path);
		free(ret->fstype);
		return -ENOMEM;
	}
	return 0;
}

int fst_mounts_load(struct fst_mounts *m)
{
	struct fst_mount mount, *v;
	char *line = NULL;
	size_t len = 0;
	int ret = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &len, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		mount.path = NULL;
		ret = parse_mount(line, &mount);
		if (ret == -ENOMEM)
			break;
		ret = 0;
		if (!mount.path)
			continue;	/* not FUSE */
		v = NULL;
		/* A bind mount of a connection already named is skipped. */
		if (!fst_mounts_find(m, mount.conn)) {
			v = realloc(m->v, (m->n + 1) * sizeof(*v));
			if (!v)
				ret = -ENOMEM;
		}
		if (!v) {
			free(mount.path);
			free(mount.fstype);
			if (ret)
				break;
			continue;
		}
		m->v = v;
		m->v[m->n++] = mount;
	}
	free(line);
	fclose(f);
	if (ret)
		fst_mounts_free(m);
	return ret;
}

const struct fst_mount *fst_mounts_find(const struct fst_mounts *m,
					__u32 conn)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].conn == conn)
			return &m->v[i];
	return NULL;
}

void fst_mounts_free(struct fst_mounts *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].path);
		free(m->v[i].fstype);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- one report ---- */

/* A row's numbers over the report's interval. */
struct line {
	const struct fst_row *row;
	struct fusestat_val d;
	__u64 timed;	/* sum of the histogram */
};

struct totals {
	__u64 sent, total, errors, total_errors, inflight;
};

static void line_init(struct line *l, const struct fst_row *row)
{
	const struct fusestat_val *c = &row->cur, *p = &row->prev;
	int i;

	l->row = row;
	l->d.sent = c->sent - p->sent;
	l->d.done = c->done - p->done;
	l->d.errors = c->errors - p->errors;
	l->d.lat_sum_ns = c->lat_sum_ns - p->lat_sum_ns;
	l->timed = 0;
	for (i = 0; i < FUSESTAT_BUCKETS; i++) {
		l->d.hist[i] = c->hist[i] - p->hist[i];
		l->timed += l->d.hist[i];
	}
}

/* Busiest first (this interval, then overall), then by opcode. */
static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->d.sent != y->d.sent)
		return x->d.sent > y->d.sent ? -1 : 1;
	if (x->row->cur.sent != y->row->cur.sent)
		return x->row->cur.sent > y->row->cur.sent ? -1 : 1;
	return x->row->key.opcode < y->row->key.opcode ? -1 :
	       x->row->key.opcode > y->row->key.opcode;
}

static double bucket_lo(int i)
{
	return i ? (double)(1ULL << i) : 0.0;
}

/* The q-quantile in ns, interpolated inside its bucket; -1 if empty. */
static double quantile(const struct line *l, double q)
{
	double target = q * (double)l->timed, cum = 0;
	int i;

	if (!l->timed)
		return -1;
	for (i = 0; i < FUSESTAT_BUCKETS; i++) {
		double n = (double)l->d.hist[i], lo = bucket_lo(i);
		double hi = 2.0 * (double)(1ULL << i);

		if (!l->d.hist[i])
			continue;
		if (cum + n >= target)
			return lo + (target - cum) / n * (hi - lo);
		cum += n;
	}
	return 2.0 * (double)(1ULL << (FUSESTAT_BUCKETS - 1));
}

static double mean_ns(const struct line *l)
{
	return l->d.done ? (double)l->d.lat_sum_ns / (double)l->d.done : -1;
}

static const char *fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 0)
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

static double rate(__u64 n, double secs)
{
	return secs > 0 ? (double)n / secs : 0.0;
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_ns(FILE *out, const char *name, double ns, int comma)
{
	if (ns < 0)
		fprintf(out, "\"%s\": null%s", name, comma ? ", " : "");
	else
		fprintf(out, "\"%s\": %.0f%s", name, ns, comma ? ", " : "");
}

static void json_line(FILE *out, const struct line *l, const struct fst_view *v)
{
	const char *name = fst_opcode_name(l->row->key.opcode);
	int i, first = 1;

	if (name)
		json_str(out, name);
	else
		fprintf(out, "\"OPCODE_%u\"", l->row->key.opcode);
	fprintf(out, ": {\"opcode\": %u, \"count\": %llu, \"total\": %llu, "
		"\"rate\": %.1f, \"errors\": %llu, \"total_errors\": %llu, "
		"\"completed\": %llu, \"latency_ns\": {",
		l->row->key.opcode, (unsigned long long)l->d.sent,
		(unsigned long long)l->row->cur.sent,
		rate(l->d.sent, v->interval_s), (unsigned long long)l->d.errors,
		(unsigned long long)l->row->cur.errors,
		(unsigned long long)l->d.done);
	json_ns(out, "mean", mean_ns(l), 1);
	json_ns(out, "p50", quantile(l, 0.5), 1);
	json_ns(out, "p99", quantile(l, 0.99), 0);
	fprintf(out, "}, \"hist\": [");
	for (i = 0; i < FUSESTAT_BUCKETS; i++) {
		if (!l->d.hist[i])
			continue;
		fprintf(out, "%s[%.0f, %llu]", first ? "" : ", ", bucket_lo(i),
			(unsigned long long)l->d.hist[i]);
		first = 0;
	}
	fprintf(out, "]}");
}

static void text_line(FILE *out, const struct line *l, const struct fst_view *v)
{
	const char *name = fst_opcode_name(l->row->key.opcode);
	char p50[16], p99[16], mean[16], other[24];

	if (!name) {
		snprintf(other, sizeof(other), "OPCODE_%u", l->row->key.opcode);
		name = other;
	}
	fmt_ns(p50, sizeof(p50), quantile(l, 0.5));
	fmt_ns(p99, sizeof(p99), quantile(l, 0.99));
	fmt_ns(mean, sizeof(mean), mean_ns(l));
	fprintf(out, "  %-20s %10llu %10.1f %8llu %9s %9s %9s\n", name,
		(unsigned long long)l->row->cur.sent,
		rate(l->d.sent, v->interval_s),
		(unsigned long long)l->row->cur.errors,
		p50, p99, mean);
}

static void mount_header(FILE *out, __u32 conn, const struct fst_mount *mnt,
			 const struct totals *t, const struct fst_view *v)
{
	if (v->json) {
		fprintf(out, "{\"connection\": %u, \"device\": \"%u:%u\", "
			"\"mountpoint\": ", conn, conn >> 20, conn & 0xfffff);
		if (mnt)
			json_str(out, mnt->path);
		else
			fputs("null", out);
		fputs(", \"fstype\": ", out);
		if (mnt)
			json_str(out, mnt->fstype);
		else
			fputs("null", out);
		fprintf(out, ", \"requests\": %llu, \"total_requests\": %llu, "
			"\"rate\": %.1f, \"errors\": %llu, "
			"\"total_errors\": %llu, \"in_flight\": %llu, "
			"\"opcodes\": {",
			(unsigned long long)t->sent,
			(unsigned long long)t->total,
			rate(t->sent, v->interval_s),
			(unsigned long long)t->errors,
			(unsigned long long)t->total_errors,
			(unsigned long long)t->inflight);
		return;
	}
	fprintf(out, "\nconnection %u (%u:%u)  %s  %s\n", conn, conn >> 20,
		conn & 0xfffff, mnt ? mnt->path : "(not mounted)",
		mnt ? mnt->fstype : "");
	fprintf(out, "  requests %llu  %.1f/s  errors %llu  in flight %llu\n",
		(unsigned long long)t->total,
		rate(t->sent, v->interval_s),
		(unsigned long long)t->total_errors,
		(unsigned long long)t->inflight);
	if (t->total)
		fprintf(out, "  %-20s %10s %10s %8s %9s %9s %9s\n", "OPCODE",
			"COUNT", "RATE/s", "ERRORS", "P50", "P99", "MEAN");
}

/* One connection: its header and its opcode lines. */
static int report_conn(FILE *out, __u32 conn, const struct fst_table *t,
		       const struct fst_mounts *m, const struct fst_view *v)
{
	struct totals tot = { 0 };
	struct line *lines;
	size_t i, n = 0;

	lines = calloc(t->n ? t->n : 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		if (t->rows[i].key.conn != conn)
			continue;
		line_init(&lines[n], &t->rows[i]);
		tot.sent += lines[n].d.sent;
		tot.total += t->rows[i].cur.sent;
		tot.errors += lines[n].d.errors;
		tot.total_errors += t->rows[i].cur.errors;
		tot.inflight += t->rows[i].cur.sent - t->rows[i].cur.done;
		n++;
	}
	qsort(lines, n, sizeof(*lines), line_cmp);
	mount_header(out, conn, fst_mounts_find(m, conn), &tot, v);
	for (i = 0; i < n; i++) {
		if (v->json) {
			if (i)
				fputs(", ", out);
			json_line(out, &lines[i], v);
		} else {
			text_line(out, &lines[i], v);
		}
	}
	if (v->json)
		fputs("}}", out);
	free(lines);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The connections a report shows: the asked-for ones and the busy ones. */
static __u32 *report_conns(const struct fst_table *t, const struct fst_view *v,
			   size_t *ret_n)
{
	size_t i, j, n = 0;
	__u32 *c;

	c = malloc((v->nconns + t->n + 1) * sizeof(*c));
	if (!c)
		return NULL;
	for (i = 0; i < v->nconns; i++)
		c[n++] = v->conns[i];
	for (i = 0; i < t->n; i++)
		c[n++] = t->rows[i].key.conn;
	qsort(c, n, sizeof(*c), cmp_u32);
	for (i = j = 0; i < n; i++)
		if (j == 0 || c[j - 1] != c[i])
			c[j++] = c[i];
	*ret_n = j;
	return c;
}

static void report_head(FILE *out, const struct fst_view *v)
{
	struct timespec now;
	char when[32] = "";
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	if (v->json) {
		fprintf(out, "{\"time\": %lld.%03ld, \"elapsed_s\": %.3f, "
			"\"interval_s\": %.3f, \"final\": %s, "
			"\"untimed\": %llu, \"dropped\": %llu, \"mounts\": [",
			(long long)now.tv_sec, now.tv_nsec / 1000000,
			v->elapsed_s, v->interval_s,
			v->final ? "true" : "false",
			(unsigned long long)v->untimed,
			(unsigned long long)v->dropped);
		return;
	}
	if (localtime_r(&now.tv_sec, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (v->live)
		fputs("\033[H\033[2J", out);
	if (v->final)
		fprintf(out, "fusestat: %.2f s, all requests of the run\n",
			v->elapsed_s);
	else
		fprintf(out, "fusestat %s  up %.1f s  interval %.2f s%s\n"
			"counts and errors since start, rate and latency over "
			"the interval\n", when, v->elapsed_s, v->interval_s,
			v->live ? "  (q or Ctrl-C quits)" : "");
	if (v->untimed || v->dropped)
		fprintf(out, "untimed %llu  dropped %llu (BPF maps full)\n",
			(unsigned long long)v->untimed,
			(unsigned long long)v->dropped);
}

int fst_report(FILE *out, const struct fst_table *t,
	       const struct fst_mounts *m, const struct fst_view *v)
{
	size_t i, n;
	__u32 *conns;
	int ret = 0;

	conns = report_conns(t, v, &n);
	if (!conns)
		return -ENOMEM;
	report_head(out, v);
	for (i = 0; i < n && ret == 0; i++) {
		if (v->json && i)
			fputs(", ", out);
		ret = report_conn(out, conns[i], t, m, v);
	}
	if (v->json)
		fputs("]}\n", out);
	else if (n == 0)
		fputs("\n(no FUSE mounts)\n", out);
	if (!v->json && !v->live && !v->final)
		fputc('\n', out);
	free(conns);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fusestat's userspace model: the table of (connection, opcode) rows read
 * from the BPF stats map, the FUSE mount table, and the text and JSON
 * renderings of one report. No BPF loading and no terminal handling here.
 */
#ifndef FASTFUSE_UTIL_FUSESTAT_REPORT_H
#define FASTFUSE_UTIL_FUSESTAT_REPORT_H

#include <stdio.h>
#include <linux/types.h>

#include "fusestat_maps.h"

/* One output line: totals now (cur) and at the previous report (prev). */
struct fst_row {
	struct fusestat_key key;
	struct fusestat_val cur;
	struct fusestat_val prev;
};

struct fst_table {
	struct fst_row *rows;
	size_t n;
	size_t cap;
};

struct fst_mount {
	__u32 conn;	/* kernel dev_t: major << 20 | minor */
	char *path;
	char *fstype;
};

struct fst_mounts {
	struct fst_mount *v;
	size_t n;
};

/* What one report covers and how it looks. */
struct fst_view {
	int json;
	int live;		/* a terminal screen: clear it, show the keys */
	int final;		/* summary of the whole run */
	double elapsed_s;	/* since attaching */
	double interval_s;	/* what the deltas cover (final: elapsed) */
	__u64 untimed;		/* from the BPF program's .bss */
	__u64 dropped;
	const __u32 *conns;	/* connections to show even when idle */
	size_t nconns;
};

/* Reads every row of the stats map into cur; 0 or -errno. */
int fst_table_read(struct fst_table *t, int map_fd);
/* prev = cur for every row: the next deltas start here. */
void fst_table_advance(struct fst_table *t);
/* Requests sent but not finished yet, over all rows. */
__u64 fst_table_inflight(const struct fst_table *t);
void fst_table_free(struct fst_table *t);

/* FUSE mounts of /proc/self/mountinfo; 0 or -errno. */
int fst_mounts_load(struct fst_mounts *m);
const struct fst_mount *fst_mounts_find(const struct fst_mounts *m,
					__u32 conn);
void fst_mounts_free(struct fst_mounts *m);

/* "LOOKUP", ... or NULL for an opcode the tool does not know. */
const char *fst_opcode_name(__u32 opcode);

/* Writes one report (text screen or one JSON line); 0 or -errno. */
int fst_report(FILE *out, const struct fst_table *t,
	       const struct fst_mounts *m, const struct fst_view *v);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fusestat's kernel half: counts FUSE requests per (connection, opcode) at
 * fuse:fuse_request_send and times each one until fuse:fuse_request_end,
 * matched by (connection, unique), into log2 latency buckets. Userspace
 * (util/fusestat.c) polls the stats map; nothing is pushed to it.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fuse_tp.h"
#include "fusestat_maps.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace before loading: count only connections in watch. */
const volatile __u32 filter_on = 0;

/* Counted in .bss, read by userspace through the skeleton's mmap. */
__u64 untimed;	/* sends not timed: inflight map full */
__u64 dropped;	/* requests not counted: stats map full */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FUSESTAT_MAX_CONNS);
	__type(key, __u32);
	__type(value, __u8);
} watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FUSESTAT_MAX_INFLIGHT);
	__type(key, struct fusestat_req_key);
	__type(value, struct fusestat_req);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FUSESTAT_MAX_KEYS);
	__type(key, struct fusestat_key);
	__type(value, struct fusestat_val);
} stats SEC(".maps");

static __always_inline int watched(__u32 conn)
{
	return !filter_on || bpf_map_lookup_elem(&watch, &conn);
}

static __always_inline struct fusestat_val *stats_row(struct fusestat_key *key)
{
	static const struct fusestat_val zero;
	struct fusestat_val *v;

	v = bpf_map_lookup_elem(&stats, key);
	if (v)
		return v;
	/* Two CPUs may race to create the row: NOEXIST lets one win and
	 * both then use the same row. */
	bpf_map_update_elem(&stats, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&stats, key);
}

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r < FUSESTAT_BUCKETS ? r : FUSESTAT_BUCKETS - 1;
}

SEC("tracepoint/fuse/fuse_request_send")
int fusestat_send(struct trace_event_raw_fuse_request_send *ctx)
{
	struct fusestat_key key = {
		.conn = ctx->connection,
		.opcode = ctx->opcode,
	};
	struct fusestat_req_key rkey = {
		.conn = key.conn,
		.pad = 0,
		.unique = ctx->unique,
	};
	struct fusestat_req req = {};
	struct fusestat_val *v;

	if (!watched(key.conn))
		return 0;
	v = stats_row(&key);
	if (!v) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	__sync_fetch_and_add(&v->sent, 1);
	req.start_ns = bpf_ktime_get_ns();
	req.opcode = key.opcode;
	if (bpf_map_update_elem(&inflight, &rkey, &req, BPF_ANY))
		__sync_fetch_and_add(&untimed, 1);
	return 0;
}

SEC("tracepoint/fuse/fuse_request_end")
int fusestat_end(struct trace_event_raw_fuse_request_end *ctx)
{
	struct fusestat_req_key rkey = {
		.conn = ctx->connection,
		.pad = 0,
		.unique = ctx->unique,
	};
	struct fusestat_key key = { .conn = rkey.conn };
	struct fusestat_req *req;
	struct fusestat_val *v;
	__s32 error = ctx->error;
	__u64 ns;

	/* Absent: sent before we attached, or not watched. */
	req = bpf_map_lookup_elem(&inflight, &rkey);
	if (!req)
		return 0;
	ns = bpf_ktime_get_ns() - req->start_ns;
	key.opcode = req->opcode;
	bpf_map_delete_elem(&inflight, &rkey);

	v = bpf_map_lookup_elem(&stats, &key);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->done, 1);
	if (error)
		__sync_fetch_and_add(&v->errors, 1);
	__sync_fetch_and_add(&v->lat_sum_ns, ns);
	__sync_fetch_and_add(&v->hist[log2_bucket(ns)], 1);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The maps fusestat's BPF program (kernel/fusestat.bpf.c) fills and
 * util/fusestat reads: keys, values and sizes shared by both halves.
 */
#ifndef FASTFUSE_KERNEL_FUSESTAT_MAPS_H
#define FASTFUSE_KERNEL_FUSESTAT_MAPS_H

#include <linux/types.h>

/* Log2 latency buckets: bucket i holds [2^i, 2^(i+1)) ns, the last one
 * everything from 2^39 ns (~9 minutes) up. */
#define FUSESTAT_BUCKETS	40
#define FUSESTAT_MAX_CONNS	256	/* connections in the filter */
#define FUSESTAT_MAX_KEYS	4096	/* (connection, opcode) pairs */
#define FUSESTAT_MAX_INFLIGHT	65536	/* requests being timed at once */

/* stats map key: one row of output. */
struct fusestat_key {
	__u32 conn;	/* kernel dev_t: major << 20 | minor */
	__u32 opcode;
};

/* stats map value; every field only grows (userspace takes deltas). */
struct fusestat_val {
	__u64 sent;		/* requests queued for the daemon */
	__u64 done;		/* of those, finished (and timed) */
	__u64 errors;		/* finished with error != 0 */
	__u64 lat_sum_ns;
	__u64 hist[FUSESTAT_BUCKETS];
};

/* inflight map: a request between send and end. */
struct fusestat_req_key {
	__u32 conn;
	__u32 pad;	/* hash keys compare all bytes: always 0 */
	__u64 unique;
};

struct fusestat_req {
	__u64 start_ns;
	__u32 opcode;
	__u32 pad;
};

#endif

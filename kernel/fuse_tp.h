/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The records of the fuse:fuse_request_send and fuse:fuse_request_end
 * tracepoints, reduced to the fields our BPF programs read. The structs
 * carry the kernel's own names and preserve_access_index, so libbpf (CO-RE)
 * moves every access to wherever the running kernel's BTF puts the field:
 * no generated vmlinux.h, no dependency on the build host's kernel.
 */
#ifndef FASTFUSE_KERNEL_FUSE_TP_H
#define FASTFUSE_KERNEL_FUSE_TP_H

#include <linux/types.h>

/*
 * The kernel types the field as "enum fuse_opcode"; CO-RE only matches an
 * enum with an enum of the same name, so we declare one (values unused).
 */
enum fuse_opcode {
	FUSE_TP_OPCODE_ANY = 0,
};

/* The common header every trace record starts with (8 bytes). */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
} __attribute__((preserve_access_index));

/* A request queued for the daemon (all transports). */
struct trace_event_raw_fuse_request_send {
	struct trace_entry ent;
	__u32 connection;	/* dev_t of the superblock, kernel encoding */
	__u64 unique;		/* request id, unique within the connection */
	enum fuse_opcode opcode;
	__u32 len;
} __attribute__((preserve_access_index));

/* A request finished: answered, interrupted or aborted. */
struct trace_event_raw_fuse_request_end {
	struct trace_entry ent;
	__u32 connection;
	__u64 unique;
	__u32 len;
	__s32 error;		/* 0 or -errno (the daemon's, or abort's) */
} __attribute__((preserve_access_index));

#endif

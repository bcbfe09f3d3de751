/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What kernel/xattr_absent.bpf.c and lib/fastpath/bpf.c share: the map
 * keys and sizes, and (for the BPF side only) the two kernel fields the
 * program reads, declared with preserve_access_index so that CO-RE finds
 * them wherever the running kernel's BTF puts them.
 */
#ifndef FASTFUSE_KERNEL_XATTR_ABSENT_H
#define FASTFUSE_KERNEL_XATTR_ABSENT_H

#include <linux/types.h>

#define XABS_MAX_MOUNTS	64	/* FUSE superblocks served by one loader */
#define XABS_MAX_NAMES	1024	/* (device, name) pairs */
#define XABS_NAME_LEN	256	/* XATTR_NAME_MAX (255) + NUL */

/*
 * names map key. Hash keys compare every byte, so both sides zero the
 * whole key before writing the NUL-terminated name into it.
 */
struct xabs_key {
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	char name[XABS_NAME_LEN];
};

#ifdef __bpf__
struct super_block {
	__u32 s_dev;		/* dev_t in the kernel */
} __attribute__((preserve_access_index));

struct dentry {
	struct super_block *d_sb;
} __attribute__((preserve_access_index));
#endif

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Answers getxattr of names a cache policy declares absent ("xattr absent
 * NAME...") inside the kernel: -ENODATA before the FUSE filesystem is
 * asked, so no GETXATTR request is ever queued for them. Scoped to the
 * superblocks (s_dev) the library put in the mounts map. Built twice:
 * with the POSIX ACL hooks (kernels 6.2+ divert system.posix_acl_* to
 * them) and, with XABS_GETXATTR_ONLY, without them for older kernels.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "xattr_absent.h"

#define XABS_ENODATA 61

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XABS_MAX_MOUNTS);
	__type(key, __u32);
	__type(value, __u8);
} mounts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XABS_MAX_NAMES);
	__type(key, struct xabs_key);
	__type(value, __u8);
} names SEC(".maps");

/* The key is too big for comfort on the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xabs_key);
} scratch SEC(".maps");

/* Counted for the library's self-test and for tests: answers given. */
__u64 answered;

static __always_inline int absent(struct dentry *dentry, const char *name)
{
	struct xabs_key *key;
	__u32 zero = 0, dev;

	dev = BPF_CORE_READ(dentry, d_sb, s_dev);
	/* every getxattr on the machine passes here: leave early */
	if (!bpf_map_lookup_elem(&mounts, &dev))
		return 0;
	key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	key->dev = dev;
	if (bpf_probe_read_kernel_str(key->name, sizeof(key->name), name) <= 0)
		return 0;
	if (!bpf_map_lookup_elem(&names, key))
		return 0;
	__sync_fetch_and_add(&answered, 1);
	return -XABS_ENODATA;
}

/* The BPF LSM hook: runs when "bpf" is among the active LSMs. */
SEC("lsm/inode_getxattr")
int xabs_lsm(__u64 *ctx)
{
	/* inode_getxattr(struct dentry *dentry, const char *name) */
	return absent((struct dentry *)ctx[0], (const char *)ctx[1]);
}

/* The same answer without the BPF LSM: a non-zero return replaces
 * security_inode_getxattr()'s own (and skips the LSMs it would call). */
SEC("fmod_ret/security_inode_getxattr")
int xabs_fmod(__u64 *ctx)
{
	/* (dentry, name), then the return value of the earlier fmod_ret */
	int ret = (int)ctx[2];

	if (ret)
		return ret;
	return absent((struct dentry *)ctx[0], (const char *)ctx[1]);
}

#ifndef XABS_GETXATTR_ONLY
/* Since 6.2 getxattr(2) of system.posix_acl_{access,default} goes to
 * vfs_get_acl(): the LSM hook there is inode_get_acl, not inode_getxattr. */
SEC("lsm/inode_get_acl")
int xabs_acl_lsm(__u64 *ctx)
{
	/* inode_get_acl(idmap or mnt_userns, dentry, acl_name) */
	return absent((struct dentry *)ctx[1], (const char *)ctx[2]);
}

SEC("fmod_ret/security_inode_get_acl")
int xabs_acl_fmod(__u64 *ctx)
{
	/* (idmap, dentry, acl_name), then the earlier fmod_ret's return */
	int ret = (int)ctx[3];

	if (ret)
		return ret;
	return absent((struct dentry *)ctx[1], (const char *)ctx[2]);
}
#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Prints the size of every struct in lib/proto/fuse_kernel.h and the byte
 * offset of each of its members, one "name value" line each, so
 * test_proto_btf.sh can hold them against the running kernel's BTF.
 */
#include <stdio.h>
#include <stddef.h>

#include "fuse_kernel.h"

#define SIZE(type) \
	printf("%s %zu\n", #type, sizeof(struct type))
#define OFF(type, member) \
	printf("%s.%s %zu\n", #type, #member, offsetof(struct type, member))

int main(void)
{
	SIZE(fuse_attr);
	OFF(fuse_attr, ino);
	OFF(fuse_attr, size);
	OFF(fuse_attr, blocks);
	OFF(fuse_attr, atime);
	OFF(fuse_attr, mtime);
	OFF(fuse_attr, ctime);
	OFF(fuse_attr, atimensec);
	OFF(fuse_attr, mtimensec);
	OFF(fuse_attr, ctimensec);
	OFF(fuse_attr, mode);
	OFF(fuse_attr, nlink);
	OFF(fuse_attr, uid);
	OFF(fuse_attr, gid);
	OFF(fuse_attr, rdev);
	OFF(fuse_attr, blksize);
	OFF(fuse_attr, flags);

	SIZE(fuse_sx_time);
	OFF(fuse_sx_time, tv_sec);
	OFF(fuse_sx_time, tv_nsec);
	OFF(fuse_sx_time, __reserved);

	SIZE(fuse_statx);
	OFF(fuse_statx, mask);
	OFF(fuse_statx, blksize);
	OFF(fuse_statx, attributes);
	OFF(fuse_statx, nlink);
	OFF(fuse_statx, uid);
	OFF(fuse_statx, gid);
	OFF(fuse_statx, mode);
	OFF(fuse_statx, __spare0);
	OFF(fuse_statx, ino);
	OFF(fuse_statx, size);
	OFF(fuse_statx, blocks);
	OFF(fuse_statx, attributes_mask);
	OFF(fuse_statx, atime);
	OFF(fuse_statx, btime);
	OFF(fuse_statx, ctime);
	OFF(fuse_statx, mtime);
	OFF(fuse_statx, rdev_major);
	OFF(fuse_statx, rdev_minor);
	OFF(fuse_statx, dev_major);
	OFF(fuse_statx, dev_minor);
	OFF(fuse_statx, __spare2);

	SIZE(fuse_kstatfs);
	OFF(fuse_kstatfs, blocks);
	OFF(fuse_kstatfs, bfree);
	OFF(fuse_kstatfs, bavail);
	OFF(fuse_kstatfs, files);
	OFF(fuse_kstatfs, ffree);
	OFF(fuse_kstatfs, bsize);
	OFF(fuse_kstatfs, namelen);
	OFF(fuse_kstatfs, frsize);
	OFF(fuse_kstatfs, padding);
	OFF(fuse_kstatfs, spare);

	SIZE(fuse_file_lock);
	OFF(fuse_file_lock, start);
	OFF(fuse_file_lock, end);
	OFF(fuse_file_lock, type);
	OFF(fuse_file_lock, pid);

	SIZE(fuse_in_header);
	OFF(fuse_in_header, len);
	OFF(fuse_in_header, opcode);
	OFF(fuse_in_header, unique);
	OFF(fuse_in_header, nodeid);
	OFF(fuse_in_header, uid);
	OFF(fuse_in_header, gid);
	OFF(fuse_in_header, pid);
	OFF(fuse_in_header, total_extlen);
	OFF(fuse_in_header, padding);

	SIZE(fuse_out_header);
	OFF(fuse_out_header, len);
	OFF(fuse_out_header, error);
	OFF(fuse_out_header, unique);

	SIZE(fuse_entry_out);
	OFF(fuse_entry_out, nodeid);
	OFF(fuse_entry_out, generation);
	OFF(fuse_entry_out, entry_valid);
	OFF(fuse_entry_out, attr_valid);
	OFF(fuse_entry_out, entry_valid_nsec);
	OFF(fuse_entry_out, attr_valid_nsec);
	OFF(fuse_entry_out, attr);

	SIZE(fuse_forget_in);
	OFF(fuse_forget_in, nlookup);

	SIZE(fuse_forget_one);
	OFF(fuse_forget_one, nodeid);
	OFF(fuse_forget_one, nlookup);

	SIZE(fuse_batch_forget_in);
	OFF(fuse_batch_forget_in, count);
	OFF(fuse_batch_forget_in, dummy);

	SIZE(fuse_getattr_in);
	OFF(fuse_getattr_in, getattr_flags);
	OFF(fuse_getattr_in, dummy);
	OFF(fuse_getattr_in, fh);

	SIZE(fuse_attr_out);
	OFF(fuse_attr_out, attr_valid);
	OFF(fuse_attr_out, attr_valid_nsec);
	OFF(fuse_attr_out, dummy);
	OFF(fuse_attr_out, attr);

	SIZE(fuse_statx_in);
	OFF(fuse_statx_in, getattr_flags);
	OFF(fuse_statx_in, reserved);
	OFF(fuse_statx_in, fh);
	OFF(fuse_statx_in, sx_flags);
	OFF(fuse_statx_in, sx_mask);

	SIZE(fuse_statx_out);
	OFF(fuse_statx_out, attr_valid);
	OFF(fuse_statx_out, attr_valid_nsec);
	OFF(fuse_statx_out, flags);
	OFF(fuse_statx_out, spare);
	OFF(fuse_statx_out, stat);

	SIZE(fuse_setattr_in);
	OFF(fuse_setattr_in, valid);
	OFF(fuse_setattr_in, padding);
	OFF(fuse_setattr_in, fh);
	OFF(fuse_setattr_in, size);
	OFF(fuse_setattr_in, lock_owner);
	OFF(fuse_setattr_in, atime);
	OFF(fuse_setattr_in, mtime);
	OFF(fuse_setattr_in, ctime);
	OFF(fuse_setattr_in, atimensec);
	OFF(fuse_setattr_in, mtimensec);
	OFF(fuse_setattr_in, ctimensec);
	OFF(fuse_setattr_in, mode);
	OFF(fuse_setattr_in, unused4);
	OFF(fuse_setattr_in, uid);
	OFF(fuse_setattr_in, gid);
	OFF(fuse_setattr_in, unused5);

	SIZE(fuse_mknod_in);
	OFF(fuse_mknod_in, mode);
	OFF(fuse_mknod_in, rdev);
	OFF(fuse_mknod_in, umask);
	OFF(fuse_mknod_in, padding);

	SIZE(fuse_mkdir_in);
	OFF(fuse_mkdir_in, mode);
	OFF(fuse_mkdir_in, umask);

	SIZE(fuse_rename_in);
	OFF(fuse_rename_in, newdir);

	SIZE(fuse_rename2_in);
	OFF(fuse_rename2_in, newdir);
	OFF(fuse_rename2_in, flags);
	OFF(fuse_rename2_in, padding);

	SIZE(fuse_link_in);
	OFF(fuse_link_in, oldnodeid);

	SIZE(fuse_open_in);
	OFF(fuse_open_in, flags);
	OFF(fuse_open_in, open_flags);

	SIZE(fuse_create_in);
	OFF(fuse_create_in, flags);
	OFF(fuse_create_in, mode);
	OFF(fuse_create_in, umask);
	OFF(fuse_create_in, open_flags);

	SIZE(fuse_open_out);
	OFF(fuse_open_out, fh);
	OFF(fuse_open_out, open_flags);
	OFF(fuse_open_out, backing_id);

	SIZE(fuse_release_in);
	OFF(fuse_release_in, fh);
	OFF(fuse_release_in, flags);
	OFF(fuse_release_in, release_flags);
	OFF(fuse_release_in, lock_owner);

	SIZE(fuse_flush_in);
	OFF(fuse_flush_in, fh);
	OFF(fuse_flush_in, unused);
	OFF(fuse_flush_in, padding);
	OFF(fuse_flush_in, lock_owner);

	SIZE(fuse_read_in);
	OFF(fuse_read_in, fh);
	OFF(fuse_read_in, offset);
	OFF(fuse_read_in, size);
	OFF(fuse_read_in, read_flags);
	OFF(fuse_read_in, lock_owner);
	OFF(fuse_read_in, flags);
	OFF(fuse_read_in, padding);

	SIZE(fuse_write_in);
	OFF(fuse_write_in, fh);
	OFF(fuse_write_in, offset);
	OFF(fuse_write_in, size);
	OFF(fuse_write_in, write_flags);
	OFF(fuse_write_in, lock_owner);
	OFF(fuse_write_in, flags);
	OFF(fuse_write_in, padding);

	SIZE(fuse_write_out);
	OFF(fuse_write_out, size);
	OFF(fuse_write_out, padding);

	SIZE(fuse_statfs_out);
	OFF(fuse_statfs_out, st);

	SIZE(fuse_fsync_in);
	OFF(fuse_fsync_in, fh);
	OFF(fuse_fsync_in, fsync_flags);
	OFF(fuse_fsync_in, padding);

	SIZE(fuse_fallocate_in);
	OFF(fuse_fallocate_in, fh);
	OFF(fuse_fallocate_in, offset);
	OFF(fuse_fallocate_in, length);
	OFF(fuse_fallocate_in, mode);
	OFF(fuse_fallocate_in, padding);

	SIZE(fuse_lseek_in);
	OFF(fuse_lseek_in, fh);
	OFF(fuse_lseek_in, offset);
	OFF(fuse_lseek_in, whence);
	OFF(fuse_lseek_in, padding);

	SIZE(fuse_lseek_out);
	OFF(fuse_lseek_out, offset);

	SIZE(fuse_copy_file_range_in);
	OFF(fuse_copy_file_range_in, fh_in);
	OFF(fuse_copy_file_range_in, off_in);
	OFF(fuse_copy_file_range_in, nodeid_out);
	OFF(fuse_copy_file_range_in, fh_out);
	OFF(fuse_copy_file_range_in, off_out);
	OFF(fuse_copy_file_range_in, len);
	OFF(fuse_copy_file_range_in, flags);

	SIZE(fuse_copy_file_range_out);
	OFF(fuse_copy_file_range_out, bytes_copied);

	SIZE(fuse_bmap_in);
	OFF(fuse_bmap_in, block);
	OFF(fuse_bmap_in, blocksize);
	OFF(fuse_bmap_in, padding);

	SIZE(fuse_bmap_out);
	OFF(fuse_bmap_out, block);

	SIZE(fuse_syncfs_in);
	OFF(fuse_syncfs_in, padding);

	SIZE(fuse_setxattr_in);
	OFF(fuse_setxattr_in, size);
	OFF(fuse_setxattr_in, flags);
	OFF(fuse_setxattr_in, setxattr_flags);
	OFF(fuse_setxattr_in, padding);

	SIZE(fuse_getxattr_in);
	OFF(fuse_getxattr_in, size);
	OFF(fuse_getxattr_in, padding);

	SIZE(fuse_getxattr_out);
	OFF(fuse_getxattr_out, size);
	OFF(fuse_getxattr_out, padding);

	SIZE(fuse_access_in);
	OFF(fuse_access_in, mask);
	OFF(fuse_access_in, padding);

	SIZE(fuse_lk_in);
	OFF(fuse_lk_in, fh);
	OFF(fuse_lk_in, owner);
	OFF(fuse_lk_in, lk);
	OFF(fuse_lk_in, lk_flags);
	OFF(fuse_lk_in, padding);

	SIZE(fuse_lk_out);
	OFF(fuse_lk_out, lk);

	SIZE(fuse_init_in);
	OFF(fuse_init_in, major);
	OFF(fuse_init_in, minor);
	OFF(fuse_init_in, max_readahead);
	OFF(fuse_init_in, flags);
	OFF(fuse_init_in, flags2);
	OFF(fuse_init_in, unused);

	SIZE(fuse_init_out);
	OFF(fuse_init_out, major);
	OFF(fuse_init_out, minor);
	OFF(fuse_init_out, max_readahead);
	OFF(fuse_init_out, flags);
	OFF(fuse_init_out, max_background);
	OFF(fuse_init_out, congestion_threshold);
	OFF(fuse_init_out, max_write);
	OFF(fuse_init_out, time_gran);
	OFF(fuse_init_out, max_pages);
	OFF(fuse_init_out, map_alignment);
	OFF(fuse_init_out, flags2);
	OFF(fuse_init_out, max_stack_depth);
	OFF(fuse_init_out, request_timeout);
	OFF(fuse_init_out, unused);

	SIZE(cuse_init_in);
	OFF(cuse_init_in, major);
	OFF(cuse_init_in, minor);
	OFF(cuse_init_in, unused);
	OFF(cuse_init_in, flags);

	SIZE(cuse_init_out);
	OFF(cuse_init_out, major);
	OFF(cuse_init_out, minor);
	OFF(cuse_init_out, unused);
	OFF(cuse_init_out, flags);
	OFF(cuse_init_out, max_read);
	OFF(cuse_init_out, max_write);
	OFF(cuse_init_out, dev_major);
	OFF(cuse_init_out, dev_minor);
	OFF(cuse_init_out, spare);

	SIZE(fuse_interrupt_in);
	OFF(fuse_interrupt_in, unique);

	SIZE(fuse_ioctl_in);
	OFF(fuse_ioctl_in, fh);
	OFF(fuse_ioctl_in, flags);
	OFF(fuse_ioctl_in, cmd);
	OFF(fuse_ioctl_in, arg);
	OFF(fuse_ioctl_in, in_size);
	OFF(fuse_ioctl_in, out_size);

	SIZE(fuse_ioctl_iovec);
	OFF(fuse_ioctl_iovec, base);
	OFF(fuse_ioctl_iovec, len);

	SIZE(fuse_ioctl_out);
	OFF(fuse_ioctl_out, result);
	OFF(fuse_ioctl_out, flags);
	OFF(fuse_ioctl_out, in_iovs);
	OFF(fuse_ioctl_out, out_iovs);

	SIZE(fuse_poll_in);
	OFF(fuse_poll_in, fh);
	OFF(fuse_poll_in, kh);
	OFF(fuse_poll_in, flags);
	OFF(fuse_poll_in, events);

	SIZE(fuse_poll_out);
	OFF(fuse_poll_out, revents);
	OFF(fuse_poll_out, padding);

	SIZE(fuse_dirent);
	OFF(fuse_dirent, ino);
	OFF(fuse_dirent, off);
	OFF(fuse_dirent, namelen);
	OFF(fuse_dirent, type);
	OFF(fuse_dirent, name);

	SIZE(fuse_direntplus);
	OFF(fuse_direntplus, entry_out);
	OFF(fuse_direntplus, dirent);

	SIZE(fuse_notify_poll_wakeup_out);
	OFF(fuse_notify_poll_wakeup_out, kh);

	SIZE(fuse_notify_inval_inode_out);
	OFF(fuse_notify_inval_inode_out, ino);
	OFF(fuse_notify_inval_inode_out, off);
	OFF(fuse_notify_inval_inode_out, len);

	SIZE(fuse_notify_inval_entry_out);
	OFF(fuse_notify_inval_entry_out, parent);
	OFF(fuse_notify_inval_entry_out, namelen);
	OFF(fuse_notify_inval_entry_out, flags);

	SIZE(fuse_notify_delete_out);
	OFF(fuse_notify_delete_out, parent);
	OFF(fuse_notify_delete_out, child);
	OFF(fuse_notify_delete_out, namelen);
	OFF(fuse_notify_delete_out, padding);

	SIZE(fuse_notify_store_out);
	OFF(fuse_notify_store_out, nodeid);
	OFF(fuse_notify_store_out, offset);
	OFF(fuse_notify_store_out, size);
	OFF(fuse_notify_store_out, padding);

	SIZE(fuse_notify_retrieve_out);
	OFF(fuse_notify_retrieve_out, notify_unique);
	OFF(fuse_notify_retrieve_out, nodeid);
	OFF(fuse_notify_retrieve_out, offset);
	OFF(fuse_notify_retrieve_out, size);
	OFF(fuse_notify_retrieve_out, padding);

	SIZE(fuse_notify_retrieve_in);
	OFF(fuse_notify_retrieve_in, dummy1);
	OFF(fuse_notify_retrieve_in, offset);
	OFF(fuse_notify_retrieve_in, size);
	OFF(fuse_notify_retrieve_in, dummy2);
	OFF(fuse_notify_retrieve_in, dummy3);
	OFF(fuse_notify_retrieve_in, dummy4);

	SIZE(fuse_notify_prune_out);
	OFF(fuse_notify_prune_out, count);
	OFF(fuse_notify_prune_out, padding);
	OFF(fuse_notify_prune_out, spare);

	SIZE(fuse_backing_map);
	OFF(fuse_backing_map, fd);
	OFF(fuse_backing_map, flags);
	OFF(fuse_backing_map, padding);

	SIZE(fuse_setupmapping_in);
	OFF(fuse_setupmapping_in, fh);
	OFF(fuse_setupmapping_in, foffset);
	OFF(fuse_setupmapping_in, len);
	OFF(fuse_setupmapping_in, flags);
	OFF(fuse_setupmapping_in, moffset);

	SIZE(fuse_removemapping_in);
	OFF(fuse_removemapping_in, count);

	SIZE(fuse_removemapping_one);
	OFF(fuse_removemapping_one, moffset);
	OFF(fuse_removemapping_one, len);

	SIZE(fuse_secctx);
	OFF(fuse_secctx, size);
	OFF(fuse_secctx, padding);

	SIZE(fuse_secctx_header);
	OFF(fuse_secctx_header, size);
	OFF(fuse_secctx_header, nr_secctx);

	SIZE(fuse_ext_header);
	OFF(fuse_ext_header, size);
	OFF(fuse_ext_header, type);

	SIZE(fuse_supp_groups);
	OFF(fuse_supp_groups, nr_groups);
	OFF(fuse_supp_groups, groups);

	SIZE(fuse_uring_ent_in_out);
	OFF(fuse_uring_ent_in_out, flags);
	OFF(fuse_uring_ent_in_out, commit_id);
	OFF(fuse_uring_ent_in_out, payload_sz);
	OFF(fuse_uring_ent_in_out, padding);
	OFF(fuse_uring_ent_in_out, reserved);

	SIZE(fuse_uring_req_header);
	OFF(fuse_uring_req_header, in_out);
	OFF(fuse_uring_req_header, op_in);
	OFF(fuse_uring_req_header, ring_ent_in_out);

	SIZE(fuse_uring_cmd_req);
	OFF(fuse_uring_cmd_req, flags);
	OFF(fuse_uring_cmd_req, commit_id);
	OFF(fuse_uring_cmd_req, qid);
	OFF(fuse_uring_cmd_req, padding);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_abi_layout.c - pins size, member offsets and bit-field positions of
 * every public struct, and the public constants, to libfuse 3.14.0 (built
 * with -DFASTFUSE_ABI_314) or libfuse 3.18 (default). The numbers were taken
 * from the real headers; any drift here breaks binaries built against them.
 * Exit 0: all match. 1: some check failed (each is printed). 77: skipped.
 */
#ifdef FASTFUSE_ABI_314
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 14)
#else
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 18)
#endif

#include <fuse.h>
#include <fuse_lowlevel.h>
#include <cuse_lowlevel.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned int checks, failures;

static void check_num(const char *what, long long got, long long want)
{
	checks++;
	if (got == want)
		return;
	failures++;
	printf("FAIL %s: got %lld, expected %lld\n", what, got, want);
}

/*
 * Lowest and highest set bit of an object, numbered like a little-endian
 * integer: byte * 8 + bit. -1 when no bit is set.
 */
static void set_bit_range(const void *obj, size_t size, int *ret_lo, int *ret_hi)
{
	const unsigned char *p = obj;
	int lo = -1, hi = -1;
	size_t i;

	for (i = 0; i < size * 8; i++) {
		if (!((p[i / 8] >> (i % 8)) & 1))
			continue;
		if (lo < 0)
			lo = (int)i;
		hi = (int)i;
	}
	*ret_lo = lo;
	*ret_hi = hi;
}

static void check_bits(const char *what, const void *obj, size_t size,
		       int want_first, int want_width)
{
	char name[160];
	int lo, hi;

	set_bit_range(obj, size, &lo, &hi);
	snprintf(name, sizeof(name), "%s first bit", what);
	check_num(name, lo, want_first);
	snprintf(name, sizeof(name), "%s width", what);
	check_num(name, lo < 0 ? 0 : hi - lo + 1, want_width);
}

#define SIZE(type, want) check_num("sizeof(" #type ")", (long long)sizeof(type), want)
#define OFF(type, member, want) \
	check_num("offsetof(" #type ", " #member ")", \
		  (long long)offsetof(type, member), want)
/* Fill one bit-field with ones (0 - 1 wraps) and see where they land. */
#define BITS(type, member, first, width)				\
	do {								\
		type v_;						\
		memset(&v_, 0, sizeof(v_));				\
		v_.member--;						\
		check_bits(#type "." #member, &v_, sizeof(v_), first, width); \
	} while (0)
#define VAL(name, want) check_num(#name, (long long)(name), want)

static void check_file_info(void)
{
	BITS(struct fuse_file_info, writepage, 32, 1);
	BITS(struct fuse_file_info, direct_io, 33, 1);
	BITS(struct fuse_file_info, keep_cache, 34, 1);
	BITS(struct fuse_file_info, flush, 35, 1);
	BITS(struct fuse_file_info, nonseekable, 36, 1);
	BITS(struct fuse_file_info, flock_release, 37, 1);
	BITS(struct fuse_file_info, cache_readdir, 38, 1);
	BITS(struct fuse_file_info, noflush, 39, 1);
	OFF(struct fuse_file_info, flags, 0);
	OFF(struct fuse_file_info, fh, 16);
	OFF(struct fuse_file_info, lock_owner, 24);
	OFF(struct fuse_file_info, poll_events, 32);
#ifdef FASTFUSE_ABI_314
	SIZE(struct fuse_file_info, 40);
	BITS(struct fuse_file_info, padding, 40, 24);
	BITS(struct fuse_file_info, padding2, 64, 32);
#else
	SIZE(struct fuse_file_info, 64);
	BITS(struct fuse_file_info, parallel_direct_writes, 40, 1);
	BITS(struct fuse_file_info, padding, 41, 23);
	BITS(struct fuse_file_info, padding2, 64, 32);
	BITS(struct fuse_file_info, padding3, 96, 32);
	OFF(struct fuse_file_info, backing_id, 36);
	OFF(struct fuse_file_info, compat_flags, 40);
	OFF(struct fuse_file_info, reserved, 48);
#endif
}

static void check_conn_info(void)
{
	SIZE(struct fuse_conn_info, 128);
	OFF(struct fuse_conn_info, proto_major, 0);
	OFF(struct fuse_conn_info, proto_minor, 4);
	OFF(struct fuse_conn_info, max_write, 8);
	OFF(struct fuse_conn_info, max_read, 12);
	OFF(struct fuse_conn_info, max_readahead, 16);
	OFF(struct fuse_conn_info, capable, 20);
	OFF(struct fuse_conn_info, want, 24);
	OFF(struct fuse_conn_info, max_background, 28);
	OFF(struct fuse_conn_info, congestion_threshold, 32);
	OFF(struct fuse_conn_info, time_gran, 36);
#ifdef FASTFUSE_ABI_314
	OFF(struct fuse_conn_info, reserved, 40);
	SIZE(((struct fuse_conn_info *)0)->reserved, 88);
#else
	OFF(struct fuse_conn_info, max_backing_stack_depth, 40);
	BITS(struct fuse_conn_info, no_interrupt, 352, 1);
	BITS(struct fuse_conn_info, padding, 353, 31);
	OFF(struct fuse_conn_info, capable_ext, 48);
	OFF(struct fuse_conn_info, want_ext, 56);
	OFF(struct fuse_conn_info, request_timeout, 64);
	SIZE(((struct fuse_conn_info *)0)->request_timeout, 2);
	OFF(struct fuse_conn_info, reserved, 66);
#endif
}

static void check_buffers(void)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(4096);

	OFF(struct fuse_buf, size, 0);
	OFF(struct fuse_buf, flags, 8);
	OFF(struct fuse_buf, mem, 16);
	OFF(struct fuse_buf, fd, 24);
	OFF(struct fuse_buf, pos, 32);
	OFF(struct fuse_bufvec, count, 0);
	OFF(struct fuse_bufvec, idx, 8);
	OFF(struct fuse_bufvec, off, 16);
	OFF(struct fuse_bufvec, buf, 24);
#ifdef FASTFUSE_ABI_314
	SIZE(struct fuse_buf, 40);
	SIZE(struct fuse_bufvec, 64);
#else
	SIZE(struct fuse_buf, 48);
	OFF(struct fuse_buf, mem_size, 40);
	SIZE(struct fuse_bufvec, 72);
	SIZE(struct libfuse_version, 16);
	OFF(struct libfuse_version, major, 0);
	OFF(struct libfuse_version, minor, 4);
	OFF(struct libfuse_version, hotfix, 8);
	OFF(struct libfuse_version, padding, 12);
	check_num("FUSE_BUFVEC_INIT mem_size", (long long)bv.buf[0].mem_size, 0);
#endif
	/* The initializer is positional, so a misordered field shows here. */
	check_num("FUSE_BUFVEC_INIT count", (long long)bv.count, 1);
	check_num("FUSE_BUFVEC_INIT idx", (long long)bv.idx, 0);
	check_num("FUSE_BUFVEC_INIT off", (long long)bv.off, 0);
	check_num("FUSE_BUFVEC_INIT size", (long long)bv.buf[0].size, 4096);
	check_num("FUSE_BUFVEC_INIT flags", (long long)bv.buf[0].flags, 0);
	check_num("FUSE_BUFVEC_INIT mem", bv.buf[0].mem == NULL, 1);
	check_num("FUSE_BUFVEC_INIT fd", bv.buf[0].fd, -1);
	check_num("FUSE_BUFVEC_INIT pos", (long long)bv.buf[0].pos, 0);

	SIZE(struct fuse_loop_config_v1, 8);
	OFF(struct fuse_loop_config_v1, clone_fd, 0);
	OFF(struct fuse_loop_config_v1, max_idle_threads, 4);
}

static void check_config_common(void)
{
	OFF(struct fuse_config, set_gid, 0);
	OFF(struct fuse_config, gid, 4);
	OFF(struct fuse_config, set_uid, 8);
	OFF(struct fuse_config, uid, 12);
	OFF(struct fuse_config, set_mode, 16);
	OFF(struct fuse_config, umask, 20);
	OFF(struct fuse_config, entry_timeout, 24);
	OFF(struct fuse_config, negative_timeout, 32);
	OFF(struct fuse_config, attr_timeout, 40);
	OFF(struct fuse_config, intr, 48);
	OFF(struct fuse_config, intr_signal, 52);
	OFF(struct fuse_config, remember, 56);
	OFF(struct fuse_config, hard_remove, 60);
	OFF(struct fuse_config, use_ino, 64);
	OFF(struct fuse_config, readdir_ino, 68);
	OFF(struct fuse_config, direct_io, 72);
	OFF(struct fuse_config, kernel_cache, 76);
	OFF(struct fuse_config, auto_cache, 80);
}

static void check_config(void)
{
	check_config_common();
#ifdef FASTFUSE_ABI_314
	/* 3.11-3.16 put no_rofd_flush here, shifting the rest by 4. */
	SIZE(struct fuse_config, 128);
	OFF(struct fuse_config, no_rofd_flush, 84);
	OFF(struct fuse_config, ac_attr_timeout_set, 88);
	OFF(struct fuse_config, ac_attr_timeout, 96);
	OFF(struct fuse_config, nullpath_ok, 104);
	OFF(struct fuse_config, show_help, 108);
	OFF(struct fuse_config, modules, 112);
	OFF(struct fuse_config, debug, 120);
#else
	/* 3.17 restored the 3.10 offsets and appended the newer options. */
	SIZE(struct fuse_config, 520);
	OFF(struct fuse_config, ac_attr_timeout_set, 84);
	OFF(struct fuse_config, ac_attr_timeout, 88);
	OFF(struct fuse_config, nullpath_ok, 96);
	OFF(struct fuse_config, show_help, 100);
	OFF(struct fuse_config, modules, 104);
	OFF(struct fuse_config, debug, 112);
	OFF(struct fuse_config, fmask, 116);
	OFF(struct fuse_config, dmask, 120);
	OFF(struct fuse_config, no_rofd_flush, 124);
	OFF(struct fuse_config, parallel_direct_writes, 128);
	OFF(struct fuse_config, flags, 132);
	OFF(struct fuse_config, reserved, 136);
#endif
}

static void check_small_structs(void)
{
	SIZE(fuse_ino_t, 8);
	SIZE(struct fuse_entry_param, 176);
	OFF(struct fuse_entry_param, ino, 0);
	OFF(struct fuse_entry_param, generation, 8);
	OFF(struct fuse_entry_param, attr, 16);
	OFF(struct fuse_entry_param, attr_timeout, 160);
	OFF(struct fuse_entry_param, entry_timeout, 168);
	SIZE(struct fuse_ctx, 16);
	OFF(struct fuse_ctx, uid, 0);
	OFF(struct fuse_ctx, gid, 4);
	OFF(struct fuse_ctx, pid, 8);
	OFF(struct fuse_ctx, umask, 12);
	SIZE(struct fuse_forget_data, 16);
	OFF(struct fuse_forget_data, ino, 0);
	OFF(struct fuse_forget_data, nlookup, 8);
	SIZE(struct fuse_context, 40);
	OFF(struct fuse_context, fuse, 0);
	OFF(struct fuse_context, uid, 8);
	OFF(struct fuse_context, gid, 12);
	OFF(struct fuse_context, pid, 16);
	OFF(struct fuse_context, private_data, 24);
	OFF(struct fuse_context, umask, 32);
	SIZE(struct fuse_cmdline_opts, 48);
	OFF(struct fuse_cmdline_opts, singlethread, 0);
	OFF(struct fuse_cmdline_opts, foreground, 4);
	OFF(struct fuse_cmdline_opts, debug, 8);
	OFF(struct fuse_cmdline_opts, nodefault_subtype, 12);
	OFF(struct fuse_cmdline_opts, mountpoint, 16);
	OFF(struct fuse_cmdline_opts, show_version, 24);
	OFF(struct fuse_cmdline_opts, show_help, 28);
	OFF(struct fuse_cmdline_opts, clone_fd, 32);
	OFF(struct fuse_cmdline_opts, max_idle_threads, 36);
	OFF(struct fuse_cmdline_opts, max_threads, 40);
	SIZE(struct cuse_info, 32);
	OFF(struct cuse_info, dev_major, 0);
	OFF(struct cuse_info, dev_minor, 4);
	OFF(struct cuse_info, dev_info_argc, 8);
	OFF(struct cuse_info, dev_info_argv, 16);
	OFF(struct cuse_info, flags, 24);
	SIZE(struct fuse_opt, 24);
	OFF(struct fuse_opt, templ, 0);
	OFF(struct fuse_opt, offset, 8);
	OFF(struct fuse_opt, value, 16);
	SIZE(struct fuse_args, 24);
	OFF(struct fuse_args, argc, 0);
	OFF(struct fuse_args, argv, 8);
	OFF(struct fuse_args, allocated, 16);
}

/* Operation tables are arrays of pointers in declaration order. */
#define SLOT(type, member, idx) OFF(type, member, (idx) * 8)

static void check_lowlevel_ops(void)
{
#define LL(m, i) SLOT(struct fuse_lowlevel_ops, m, i)
	LL(init, 0); LL(destroy, 1); LL(lookup, 2); LL(forget, 3);
	LL(getattr, 4); LL(setattr, 5); LL(readlink, 6); LL(mknod, 7);
	LL(mkdir, 8); LL(unlink, 9); LL(rmdir, 10); LL(symlink, 11);
	LL(rename, 12); LL(link, 13); LL(open, 14); LL(read, 15);
	LL(write, 16); LL(flush, 17); LL(release, 18); LL(fsync, 19);
	LL(opendir, 20); LL(readdir, 21); LL(releasedir, 22); LL(fsyncdir, 23);
	LL(statfs, 24); LL(setxattr, 25); LL(getxattr, 26); LL(listxattr, 27);
	LL(removexattr, 28); LL(access, 29); LL(create, 30); LL(getlk, 31);
	LL(setlk, 32); LL(bmap, 33); LL(ioctl, 34); LL(poll, 35);
	LL(write_buf, 36); LL(retrieve_reply, 37); LL(forget_multi, 38);
	LL(flock, 39); LL(fallocate, 40); LL(readdirplus, 41);
	LL(copy_file_range, 42); LL(lseek, 43);
#ifdef FASTFUSE_ABI_314
	SIZE(struct fuse_lowlevel_ops, 44 * 8);
#else
	LL(tmpfile, 44); LL(statx, 45);
	SIZE(struct fuse_lowlevel_ops, 46 * 8);
#endif
#undef LL
}

static void check_highlevel_ops(void)
{
#define HL(m, i) SLOT(struct fuse_operations, m, i)
	HL(getattr, 0); HL(readlink, 1); HL(mknod, 2); HL(mkdir, 3);
	HL(unlink, 4); HL(rmdir, 5); HL(symlink, 6); HL(rename, 7);
	HL(link, 8); HL(chmod, 9); HL(chown, 10); HL(truncate, 11);
	HL(open, 12); HL(read, 13); HL(write, 14); HL(statfs, 15);
	HL(flush, 16); HL(release, 17); HL(fsync, 18); HL(setxattr, 19);
	HL(getxattr, 20); HL(listxattr, 21); HL(removexattr, 22);
	HL(opendir, 23); HL(readdir, 24); HL(releasedir, 25);
	HL(fsyncdir, 26); HL(init, 27); HL(destroy, 28); HL(access, 29);
	HL(create, 30); HL(lock, 31); HL(utimens, 32); HL(bmap, 33);
	HL(ioctl, 34); HL(poll, 35); HL(write_buf, 36); HL(read_buf, 37);
	HL(flock, 38); HL(fallocate, 39); HL(copy_file_range, 40);
	HL(lseek, 41);
#ifdef FASTFUSE_ABI_314
	SIZE(struct fuse_operations, 42 * 8);
#else
	HL(statx, 42);
	SIZE(struct fuse_operations, 43 * 8);
#endif
#undef HL
}

static void check_small_ops(void)
{
	SLOT(struct fuse_custom_io, writev, 0);
	SLOT(struct fuse_custom_io, read, 1);
	SLOT(struct fuse_custom_io, splice_receive, 2);
	SLOT(struct fuse_custom_io, splice_send, 3);
#ifdef FASTFUSE_ABI_314
	SIZE(struct fuse_custom_io, 32);
#else
	SLOT(struct fuse_custom_io, clone_fd, 4);
	SIZE(struct fuse_custom_io, 40);
#endif
	SLOT(struct cuse_lowlevel_ops, init, 0);
	SLOT(struct cuse_lowlevel_ops, init_done, 1);
	SLOT(struct cuse_lowlevel_ops, destroy, 2);
	SLOT(struct cuse_lowlevel_ops, open, 3);
	SLOT(struct cuse_lowlevel_ops, read, 4);
	SLOT(struct cuse_lowlevel_ops, write, 5);
	SLOT(struct cuse_lowlevel_ops, flush, 6);
	SLOT(struct cuse_lowlevel_ops, release, 7);
	SLOT(struct cuse_lowlevel_ops, fsync, 8);
	SLOT(struct cuse_lowlevel_ops, ioctl, 9);
	SLOT(struct cuse_lowlevel_ops, poll, 10);
	SIZE(struct cuse_lowlevel_ops, 11 * 8);
}

static void check_caps(void)
{
	VAL(FUSE_CAP_ASYNC_READ, 1LL << 0);
	VAL(FUSE_CAP_POSIX_LOCKS, 1LL << 1);
	VAL(FUSE_CAP_ATOMIC_O_TRUNC, 1LL << 3);
	VAL(FUSE_CAP_EXPORT_SUPPORT, 1LL << 4);
	VAL(FUSE_CAP_DONT_MASK, 1LL << 6);
	VAL(FUSE_CAP_SPLICE_WRITE, 1LL << 7);
	VAL(FUSE_CAP_SPLICE_MOVE, 1LL << 8);
	VAL(FUSE_CAP_SPLICE_READ, 1LL << 9);
	VAL(FUSE_CAP_FLOCK_LOCKS, 1LL << 10);
	VAL(FUSE_CAP_IOCTL_DIR, 1LL << 11);
	VAL(FUSE_CAP_AUTO_INVAL_DATA, 1LL << 12);
	VAL(FUSE_CAP_READDIRPLUS, 1LL << 13);
	VAL(FUSE_CAP_READDIRPLUS_AUTO, 1LL << 14);
	VAL(FUSE_CAP_ASYNC_DIO, 1LL << 15);
	VAL(FUSE_CAP_WRITEBACK_CACHE, 1LL << 16);
	VAL(FUSE_CAP_NO_OPEN_SUPPORT, 1LL << 17);
	VAL(FUSE_CAP_PARALLEL_DIROPS, 1LL << 18);
	VAL(FUSE_CAP_POSIX_ACL, 1LL << 19);
	VAL(FUSE_CAP_HANDLE_KILLPRIV, 1LL << 20);
	VAL(FUSE_CAP_CACHE_SYMLINKS, 1LL << 23);
	VAL(FUSE_CAP_NO_OPENDIR_SUPPORT, 1LL << 24);
	VAL(FUSE_CAP_EXPLICIT_INVAL_DATA, 1LL << 25);
	VAL(FUSE_CAP_EXPIRE_ONLY, 1LL << 26);
#ifndef FASTFUSE_ABI_314
	VAL(FUSE_CAP_HANDLE_KILLPRIV_V2, 1LL << 21);
	VAL(FUSE_CAP_SETXATTR_EXT, 1LL << 27);
	VAL(FUSE_CAP_DIRECT_IO_ALLOW_MMAP, 1LL << 28);
	VAL(FUSE_CAP_PASSTHROUGH, 1LL << 29);
	VAL(FUSE_CAP_NO_EXPORT_SUPPORT, 1LL << 30);
	/* Must stay positive: an int 1 << 31 would sign-extend in want_ext. */
	VAL(FUSE_CAP_OVER_IO_URING, 1LL << 31);
	VAL(FUSE_BACKING_STACKED_UNDER, 0);
	VAL(FUSE_BACKING_STACKED_OVER, 1);
#endif
}

static void check_other_constants(void)
{
	VAL(FUSE_IOCTL_COMPAT, 1);
	VAL(FUSE_IOCTL_UNRESTRICTED, 2);
	VAL(FUSE_IOCTL_RETRY, 4);
	VAL(FUSE_IOCTL_DIR, 16);
	VAL(FUSE_IOCTL_MAX_IOV, 256);
	VAL(FUSE_BUF_IS_FD, 2);
	VAL(FUSE_BUF_FD_SEEK, 4);
	VAL(FUSE_BUF_FD_RETRY, 8);
	VAL(FUSE_BUF_NO_SPLICE, 2);
	VAL(FUSE_BUF_FORCE_SPLICE, 4);
	VAL(FUSE_BUF_SPLICE_MOVE, 8);
	VAL(FUSE_BUF_SPLICE_NONBLOCK, 16);
	VAL(FUSE_ROOT_ID, 1);
	VAL(FUSE_SET_ATTR_MODE, 1 << 0);
	VAL(FUSE_SET_ATTR_UID, 1 << 1);
	VAL(FUSE_SET_ATTR_GID, 1 << 2);
	VAL(FUSE_SET_ATTR_SIZE, 1 << 3);
	VAL(FUSE_SET_ATTR_ATIME, 1 << 4);
	VAL(FUSE_SET_ATTR_MTIME, 1 << 5);
	VAL(FUSE_SET_ATTR_ATIME_NOW, 1 << 7);
	VAL(FUSE_SET_ATTR_MTIME_NOW, 1 << 8);
	VAL(FUSE_SET_ATTR_FORCE, 1 << 9);
	VAL(FUSE_SET_ATTR_CTIME, 1 << 10);
	VAL(FUSE_SET_ATTR_KILL_SUID, 1 << 11);
	VAL(FUSE_SET_ATTR_KILL_SGID, 1 << 12);
	VAL(FUSE_SET_ATTR_FILE, 1 << 13);
	VAL(FUSE_SET_ATTR_KILL_PRIV, 1 << 14);
	VAL(FUSE_SET_ATTR_OPEN, 1 << 15);
	VAL(FUSE_SET_ATTR_TIMES_SET, 1 << 16);
	VAL(FUSE_SET_ATTR_TOUCH, 1 << 17);
	VAL(FUSE_LL_EXPIRE_ONLY, 1);
	VAL(FUSE_READDIR_PLUS, 1);
	VAL(FUSE_FILL_DIR_PLUS, 2);
	VAL(CUSE_UNRESTRICTED_IOCTL, 1);
#ifndef FASTFUSE_ABI_314
	VAL(FUSE_LL_INVALIDATE, 0);
	VAL(FUSE_READDIR_DEFAULTS, 0);
	VAL(FUSE_FILL_DIR_DEFAULTS, 0);
#endif
	VAL(FUSE_OPT_KEY_OPT, -1);
	VAL(FUSE_OPT_KEY_NONOPT, -2);
	VAL(FUSE_OPT_KEY_KEEP, -3);
	VAL(FUSE_OPT_KEY_DISCARD, -4);
	VAL(FUSE_LOG_EMERG, 0);
	VAL(FUSE_LOG_ERR, 3);
	VAL(FUSE_LOG_DEBUG, 7);
}

static void check_versions(void)
{
	VAL(FUSE_MAJOR_VERSION, 3);
	VAL(FUSE_MAKE_VERSION(3, 18), 318);
	VAL(FUSE_MAKE_VERSION(3, 5), 305);
	VAL(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS, 1);
#ifdef FASTFUSE_ABI_314
	VAL(FUSE_MINOR_VERSION, 14);
	VAL(FUSE_VERSION, 314);
	VAL(FUSE_USE_VERSION, 314);
#else
	VAL(FUSE_MINOR_VERSION, 18);
	VAL(FUSE_VERSION, 318);
	VAL(FUSE_USE_VERSION, 318);
#endif
}

/* The expected numbers are x86_64 SysV ones (LP64, little endian, and
 * glibc's 144-byte struct stat). */
static const char *unsupported_host(void)
{
	const uint16_t probe = 1;

	if (sizeof(void *) != 8 || sizeof(long) != 8)
		return "not an LP64 target";
	if (*(const unsigned char *)&probe != 1)
		return "not little endian";
	if (sizeof(struct stat) != 144)
		return "struct stat is not the 144-byte x86_64 one";
	return NULL;
}

int main(void)
{
	const char *why = unsupported_host();

	if (why) {
		printf("SKIP: %s; the pinned numbers are for x86_64\n", why);
		return 77;
	}
	check_file_info();
	check_conn_info();
	check_buffers();
	check_config();
	check_small_structs();
	check_lowlevel_ops();
	check_highlevel_ops();
	check_small_ops();
	check_caps();
	check_other_constants();
	check_versions();

#ifdef FASTFUSE_ABI_314
	printf("layout checked against libfuse 3.14.0\n");
#else
	printf("layout checked against libfuse 3.18\n");
#endif
	printf("%u passed, %u failed\n", checks - failures, failures);
	return failures ? 1 : 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fastfuse's description of the FUSE kernel wire protocol, version 7.45
 * (Linux 6.18): request/reply structs, opcodes, notify codes, flag bits and
 * /dev/fuse ioctls. Names follow the kernel's so code reads like the protocol.
 * Layouts were taken from the kernel BTF; see doc/protocol.md for provenance.
 */
#ifndef FASTFUSE_PROTO_FUSE_KERNEL_H
#define FASTFUSE_PROTO_FUSE_KERNEL_H

/*
 * Both headers define the same struct tags; mixing them would silently pick
 * whichever layout came first, so refuse instead.
 */
#ifdef _LINUX_FUSE_H
#error "lib/proto/fuse_kernel.h and <linux/fuse.h> must not be included together"
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* ------------------------------------------------------------------ */
/* Version                                                              */
/* ------------------------------------------------------------------ */

/*
 * INIT carries both sides' versions. Majors must match; each side then
 * speaks the smaller of the two minors, so every field added after minor N
 * is only valid when the negotiated minor is > N.
 */
#define FUSE_KERNEL_VERSION		7
#define FUSE_KERNEL_MINOR_VERSION	45

/*
 * Node ID of the mount root. Spelled exactly like the public
 * fuse_lowlevel.h definition so both headers can be included together.
 */
#define FUSE_ROOT_ID 1

/*
 * A read(2) on /dev/fuse with a smaller buffer fails with EINVAL; the
 * kernel wants room for at least this much.
 */
#define FUSE_MIN_READ_BUFFER		8192

/* ------------------------------------------------------------------ */
/* Flag bits                                                            */
/* ------------------------------------------------------------------ */

/* fuse_setattr_in.valid: which fields of the request carry a new value. */
#define FATTR_MODE		(1 << 0)
#define FATTR_UID		(1 << 1)
#define FATTR_GID		(1 << 2)
#define FATTR_SIZE		(1 << 3)
#define FATTR_ATIME		(1 << 4)
#define FATTR_MTIME		(1 << 5)
#define FATTR_FH		(1 << 6)
#define FATTR_ATIME_NOW		(1 << 7)
#define FATTR_MTIME_NOW		(1 << 8)
#define FATTR_LOCKOWNER		(1 << 9)
#define FATTR_CTIME		(1 << 10)
#define FATTR_KILL_SUIDGID	(1 << 11)	/* 7.33 */

/* fuse_open_out.open_flags: how the kernel should treat the new file. */
#define FOPEN_DIRECT_IO			(1 << 0)	/* skip page cache */
#define FOPEN_KEEP_CACHE		(1 << 1)	/* keep cached pages on open */
#define FOPEN_NONSEEKABLE		(1 << 2)
#define FOPEN_CACHE_DIR			(1 << 3)	/* 7.28: cache readdir */
#define FOPEN_STREAM			(1 << 4)	/* 7.28: no file position */
#define FOPEN_NOFLUSH			(1 << 5)	/* 7.35: no FLUSH on close */
#define FOPEN_PARALLEL_DIRECT_WRITES	(1 << 6)	/* 7.38 */
#define FOPEN_PASSTHROUGH		(1 << 7)	/* 7.40: needs backing_id */

/*
 * INIT capability bits. The low 32 travel in fuse_init_{in,out}.flags;
 * bits 32..63 travel in .flags2 (shifted down by 32) and only when both
 * sides set FUSE_INIT_EXT. The kernel offers, the server answers with the
 * subset it wants.
 */
#define FUSE_ASYNC_READ			(1 << 0)
#define FUSE_POSIX_LOCKS		(1 << 1)
#define FUSE_FILE_OPS			(1 << 2)	/* never implemented */
#define FUSE_ATOMIC_O_TRUNC		(1 << 3)
#define FUSE_EXPORT_SUPPORT		(1 << 4)	/* "." and ".." lookups */
#define FUSE_BIG_WRITES			(1 << 5)
#define FUSE_DONT_MASK			(1 << 6)	/* server applies umask */
#define FUSE_SPLICE_WRITE		(1 << 7)
#define FUSE_SPLICE_MOVE		(1 << 8)
#define FUSE_SPLICE_READ		(1 << 9)
#define FUSE_FLOCK_LOCKS		(1 << 10)
#define FUSE_HAS_IOCTL_DIR		(1 << 11)
#define FUSE_AUTO_INVAL_DATA		(1 << 12)
#define FUSE_DO_READDIRPLUS		(1 << 13)
#define FUSE_READDIRPLUS_AUTO		(1 << 14)
#define FUSE_ASYNC_DIO			(1 << 15)
#define FUSE_WRITEBACK_CACHE		(1 << 16)
#define FUSE_NO_OPEN_SUPPORT		(1 << 17)	/* ENOSYS from OPEN is ok */
#define FUSE_PARALLEL_DIROPS		(1 << 18)
#define FUSE_HANDLE_KILLPRIV		(1 << 19)
#define FUSE_POSIX_ACL			(1 << 20)
#define FUSE_ABORT_ERROR		(1 << 21)	/* ECONNABORTED after abort */
#define FUSE_MAX_PAGES			(1 << 22)	/* init_out.max_pages valid */
#define FUSE_CACHE_SYMLINKS		(1 << 23)
#define FUSE_NO_OPENDIR_SUPPORT		(1 << 24)
#define FUSE_EXPLICIT_INVAL_DATA	(1 << 25)
#define FUSE_MAP_ALIGNMENT		(1 << 26)	/* DAX (virtiofs) only */
#define FUSE_SUBMOUNTS			(1 << 27)	/* virtiofs only */
#define FUSE_HANDLE_KILLPRIV_V2		(1 << 28)
#define FUSE_SETXATTR_EXT		(1 << 29)	/* 16-byte setxattr_in */
#define FUSE_INIT_EXT			(1 << 30)	/* flags2 is meaningful */
#define FUSE_INIT_RESERVED		(1 << 31)	/* must stay clear */
/* flags2 bits, written as 64-bit values; shift right by 32 for the wire. */
#define FUSE_SECURITY_CTX		(1ULL << 32)	/* 7.36 */
#define FUSE_HAS_INODE_DAX		(1ULL << 33)	/* 7.36 */
#define FUSE_CREATE_SUPP_GROUP		(1ULL << 34)	/* 7.38 */
#define FUSE_HAS_EXPIRE_ONLY		(1ULL << 35)	/* 7.38 */
#define FUSE_DIRECT_IO_ALLOW_MMAP	(1ULL << 36)	/* 7.39 */
#define FUSE_PASSTHROUGH		(1ULL << 37)	/* 7.40 */
#define FUSE_NO_EXPORT_SUPPORT		(1ULL << 38)	/* 7.40 */
#define FUSE_HAS_RESEND			(1ULL << 39)	/* 7.40 */
#define FUSE_ALLOW_IDMAP		(1ULL << 40)	/* 7.41 */
#define FUSE_OVER_IO_URING		(1ULL << 41)	/* 7.42 */
#define FUSE_REQUEST_TIMEOUT		(1ULL << 42)	/* 7.43 */
/* Older name of the same bit, kept by the kernel for source compatibility. */
#define FUSE_DIRECT_IO_RELAX		FUSE_DIRECT_IO_ALLOW_MMAP

/* cuse_init_{in,out}.flags */
#define CUSE_UNRESTRICTED_IOCTL		(1 << 0)

/* fuse_release_in.release_flags */
#define FUSE_RELEASE_FLUSH		(1 << 0)
#define FUSE_RELEASE_FLOCK_UNLOCK	(1 << 1)

/* fuse_getattr_in.getattr_flags: the fh field is valid */
#define FUSE_GETATTR_FH			(1 << 0)

/* fuse_lk_in.lk_flags: the lock came from flock(2), not fcntl(2) */
#define FUSE_LK_FLOCK			(1 << 0)

/* fuse_write_in.write_flags */
#define FUSE_WRITE_CACHE		(1 << 0)	/* writeback, fh guessed */
#define FUSE_WRITE_LOCKOWNER		(1 << 1)
#define FUSE_WRITE_KILL_SUIDGID		(1 << 2)	/* 7.33 */
/* Old name: despite "PRIV" it only ever meant suid/sgid. */
#define FUSE_WRITE_KILL_PRIV		FUSE_WRITE_KILL_SUIDGID

/* fuse_read_in.read_flags */
#define FUSE_READ_LOCKOWNER		(1 << 1)

/*
 * fuse_ioctl_in.flags / fuse_ioctl_out.flags. COMPAT, UNRESTRICTED, RETRY,
 * DIR and MAX_IOV are also public in fuse_common.h; keep the spelling
 * token-for-token identical so both headers coexist.
 */
#define FUSE_IOCTL_COMPAT	(1 << 0)
#define FUSE_IOCTL_UNRESTRICTED	(1 << 1)
#define FUSE_IOCTL_RETRY	(1 << 2)
#define FUSE_IOCTL_32BIT	(1 << 3)
#define FUSE_IOCTL_DIR		(1 << 4)
#define FUSE_IOCTL_COMPAT_X32	(1 << 5)
/* Upper bound on in_iovs + out_iovs in a RETRY reply. */
#define FUSE_IOCTL_MAX_IOV	256

/* fuse_poll_in.flags: the kernel wants a FUSE_NOTIFY_POLL on change */
#define FUSE_POLL_SCHEDULE_NOTIFY	(1 << 0)

/* fuse_fsync_in.fsync_flags: fdatasync semantics */
#define FUSE_FSYNC_FDATASYNC		(1 << 0)

/* fuse_attr.flags */
#define FUSE_ATTR_SUBMOUNT		(1 << 0)	/* 7.32: submount root */
#define FUSE_ATTR_DAX			(1 << 1)	/* 7.36: per-inode DAX */

/* fuse_open_in.open_flags / fuse_create_in.open_flags */
#define FUSE_OPEN_KILL_SUIDGID		(1 << 0)	/* 7.33 */

/* fuse_setxattr_in.setxattr_flags */
#define FUSE_SETXATTR_ACL_KILL_SGID	(1 << 0)	/* 7.33 */

/* fuse_notify_inval_entry_out.flags: only age the dentry, keep it */
#define FUSE_EXPIRE_ONLY		(1 << 0)	/* 7.38 */

/* fuse_setupmapping_in.flags (DAX window) */
#define FUSE_SETUPMAPPING_FLAG_WRITE	(1ULL << 0)
#define FUSE_SETUPMAPPING_FLAG_READ	(1ULL << 1)

/*
 * fuse_in_header.unique: with FUSE_HAS_RESEND, the kernel sets the top bit
 * on requests it re-queues after FUSE_NOTIFY_RESEND.
 */
#define FUSE_UNIQUE_RESEND		(1ULL << 63)

/*
 * Not in the uapi header but visible on the wire: the kernel hands out
 * even unique IDs (step 2) and marks the FUSE_INTERRUPT for request N with
 * unique N | FUSE_INT_REQ_BIT, so an odd unique is always an interrupt.
 */
#define FUSE_INT_REQ_BIT		(1ULL << 0)
#define FUSE_REQ_ID_STEP		(1ULL << 1)

/*
 * fuse_in_header.uid/gid under FUSE_ALLOW_IDMAP when the caller's ids
 * cannot be mapped (never for create-type requests).
 */
#define FUSE_INVALID_UIDGID		((uint32_t)(-1))

/*
 * Not wire protocol: kernel defaults that size buffers. A request carries
 * at most max_pages pages of payload; the kernel's ceiling for max_pages is
 * /proc/sys/fs/fuse/max_pages_limit, 256 by default.
 */
#define FUSE_DEFAULT_MAX_PAGES_PER_REQ	32
#define FUSE_MAX_MAX_PAGES		256

/* ------------------------------------------------------------------ */
/* Opcodes and notification codes                                       */
/* ------------------------------------------------------------------ */

enum fuse_opcode {
	FUSE_LOOKUP		= 1,
	FUSE_FORGET		= 2,	/* never answered */
	FUSE_GETATTR		= 3,
	FUSE_SETATTR		= 4,
	FUSE_READLINK		= 5,
	FUSE_SYMLINK		= 6,
	/* 7 was never assigned */
	FUSE_MKNOD		= 8,
	FUSE_MKDIR		= 9,
	FUSE_UNLINK		= 10,
	FUSE_RMDIR		= 11,
	FUSE_RENAME		= 12,
	FUSE_LINK		= 13,
	FUSE_OPEN		= 14,
	FUSE_READ		= 15,
	FUSE_WRITE		= 16,
	FUSE_STATFS		= 17,
	FUSE_RELEASE		= 18,
	/* 19 was never assigned */
	FUSE_FSYNC		= 20,
	FUSE_SETXATTR		= 21,
	FUSE_GETXATTR		= 22,
	FUSE_LISTXATTR		= 23,
	FUSE_REMOVEXATTR	= 24,
	FUSE_FLUSH		= 25,
	FUSE_INIT		= 26,
	FUSE_OPENDIR		= 27,
	FUSE_READDIR		= 28,
	FUSE_RELEASEDIR		= 29,
	FUSE_FSYNCDIR		= 30,
	FUSE_GETLK		= 31,
	FUSE_SETLK		= 32,
	FUSE_SETLKW		= 33,
	FUSE_ACCESS		= 34,
	FUSE_CREATE		= 35,
	FUSE_INTERRUPT		= 36,
	FUSE_BMAP		= 37,
	FUSE_DESTROY		= 38,
	FUSE_IOCTL		= 39,
	FUSE_POLL		= 40,
	FUSE_NOTIFY_REPLY	= 41,	/* answer to FUSE_NOTIFY_RETRIEVE */
	FUSE_BATCH_FORGET	= 42,	/* never answered */
	FUSE_FALLOCATE		= 43,
	FUSE_READDIRPLUS	= 44,
	FUSE_RENAME2		= 45,
	FUSE_LSEEK		= 46,
	FUSE_COPY_FILE_RANGE	= 47,
	FUSE_SETUPMAPPING	= 48,
	FUSE_REMOVEMAPPING	= 49,
	FUSE_SYNCFS		= 50,
	FUSE_TMPFILE		= 51,
	FUSE_STATX		= 52,
	FUSE_COPY_FILE_RANGE_64	= 53,	/* 7.45: 64-bit byte count reply */

	/* Only on /dev/cuse. */
	CUSE_INIT		= 4096,

	/*
	 * INIT opcodes as they would read on a host of the other byte order;
	 * reserved so a byte-swapped peer can be recognised.
	 */
	CUSE_INIT_BSWAP_RESERVED	= 1048576,	/* CUSE_INIT << 8 */
	FUSE_INIT_BSWAP_RESERVED	= 436207616,	/* FUSE_INIT << 24 */
};

/*
 * Carried in fuse_out_header.error of a message with unique == 0, which the
 * server writes unprompted. 7.45 has no FUSE_NOTIFY_CODE_MAX any more.
 */
enum fuse_notify_code {
	FUSE_NOTIFY_POLL	= 1,
	FUSE_NOTIFY_INVAL_INODE	= 2,
	FUSE_NOTIFY_INVAL_ENTRY	= 3,
	FUSE_NOTIFY_STORE	= 4,
	FUSE_NOTIFY_RETRIEVE	= 5,
	FUSE_NOTIFY_DELETE	= 6,
	FUSE_NOTIFY_RESEND	= 7,	/* 7.40: no payload */
	FUSE_NOTIFY_INC_EPOCH	= 8,	/* 7.44: no payload */
	FUSE_NOTIFY_PRUNE	= 9,	/* 7.45 */
};

/*
 * Request extensions (7.38): after the opcode's own arguments come
 * total_extlen * 8 bytes of records, each starting with fuse_ext_header.
 * Type values up to FUSE_MAX_NR_SECCTX are taken by the security-context
 * block, whose header (fuse_secctx_header) has the same shape.
 */
enum fuse_ext_type {
	FUSE_MAX_NR_SECCTX	= 31,
	FUSE_EXT_GROUPS		= 32,
};

/* ------------------------------------------------------------------ */
/* Common pieces                                                        */
/* ------------------------------------------------------------------ */

/*
 * Every struct below is padded to a multiple of 8 bytes so 32-bit and
 * 64-bit servers see the same layout.
 */

struct fuse_attr {
	uint64_t	ino;
	uint64_t	size;
	uint64_t	blocks;
	uint64_t	atime;
	uint64_t	mtime;
	uint64_t	ctime;
	uint32_t	atimensec;
	uint32_t	mtimensec;
	uint32_t	ctimensec;
	uint32_t	mode;
	uint32_t	nlink;
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	rdev;
	uint32_t	blksize;
	uint32_t	flags;		/* FUSE_ATTR_* */
};

/* Same layout as struct statx_timestamp. */
struct fuse_sx_time {
	int64_t		tv_sec;
	uint32_t	tv_nsec;
	int32_t		__reserved;
};

/* Same layout as struct statx, so it can be copied through unchanged. */
struct fuse_statx {
	uint32_t	mask;
	uint32_t	blksize;
	uint64_t	attributes;
	uint32_t	nlink;
	uint32_t	uid;
	uint32_t	gid;
	uint16_t	mode;
	uint16_t	__spare0[1];
	uint64_t	ino;
	uint64_t	size;
	uint64_t	blocks;
	uint64_t	attributes_mask;
	struct fuse_sx_time	atime;
	struct fuse_sx_time	btime;
	struct fuse_sx_time	ctime;
	struct fuse_sx_time	mtime;
	uint32_t	rdev_major;
	uint32_t	rdev_minor;
	uint32_t	dev_major;
	uint32_t	dev_minor;
	uint64_t	__spare2[14];
};

struct fuse_kstatfs {
	uint64_t	blocks;
	uint64_t	bfree;
	uint64_t	bavail;
	uint64_t	files;
	uint64_t	ffree;
	uint32_t	bsize;
	uint32_t	namelen;
	uint32_t	frsize;
	uint32_t	padding;
	uint32_t	spare[6];
};

struct fuse_file_lock {
	uint64_t	start;
	uint64_t	end;
	uint32_t	type;
	uint32_t	pid;		/* thread group id of the owner */
};

/* Starts every message the kernel sends. */
struct fuse_in_header {
	uint32_t	len;		/* whole request, header included */
	uint32_t	opcode;
	uint64_t	unique;
	uint64_t	nodeid;
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	pid;
	uint16_t	total_extlen;	/* 7.38: extensions, in 8-byte units */
	uint16_t	padding;
};

/* Starts every message the server writes (replies and notifications). */
struct fuse_out_header {
	uint32_t	len;		/* whole reply, header included */
	int32_t		error;		/* 0 or -errno; notify code if unique == 0 */
	uint64_t	unique;
};

/* ------------------------------------------------------------------ */
/* Lookup, attributes, forget                                           */
/* ------------------------------------------------------------------ */

/*
 * Reply size before 7.9, when fuse_attr gained blksize and the padding word
 * that 7.32 turned into flags.
 */
#define FUSE_COMPAT_ENTRY_OUT_SIZE	120

struct fuse_entry_out {
	uint64_t	nodeid;
	uint64_t	generation;	/* (nodeid, generation) never reused */
	uint64_t	entry_valid;	/* seconds the name may be cached */
	uint64_t	attr_valid;	/* seconds the attributes may be cached */
	uint32_t	entry_valid_nsec;
	uint32_t	attr_valid_nsec;
	struct fuse_attr attr;
};

struct fuse_forget_in {
	uint64_t	nlookup;
};

/* One element of the array that follows fuse_batch_forget_in. */
struct fuse_forget_one {
	uint64_t	nodeid;
	uint64_t	nlookup;
};

struct fuse_batch_forget_in {
	uint32_t	count;
	uint32_t	dummy;
};

struct fuse_getattr_in {
	uint32_t	getattr_flags;	/* FUSE_GETATTR_* */
	uint32_t	dummy;
	uint64_t	fh;
};

/* Reply size before 7.9. */
#define FUSE_COMPAT_ATTR_OUT_SIZE	96

struct fuse_attr_out {
	uint64_t	attr_valid;
	uint32_t	attr_valid_nsec;
	uint32_t	dummy;
	struct fuse_attr attr;
};

struct fuse_statx_in {
	uint32_t	getattr_flags;
	uint32_t	reserved;
	uint64_t	fh;
	uint32_t	sx_flags;	/* AT_STATX_* sync mode */
	uint32_t	sx_mask;	/* STATX_* fields wanted */
};

struct fuse_statx_out {
	uint64_t	attr_valid;
	uint32_t	attr_valid_nsec;
	uint32_t	flags;
	uint64_t	spare[2];
	struct fuse_statx stat;
};

struct fuse_setattr_in {
	uint32_t	valid;		/* FATTR_* */
	uint32_t	padding;
	uint64_t	fh;
	uint64_t	size;
	uint64_t	lock_owner;
	uint64_t	atime;
	uint64_t	mtime;
	uint64_t	ctime;
	uint32_t	atimensec;
	uint32_t	mtimensec;
	uint32_t	ctimensec;
	uint32_t	mode;
	uint32_t	unused4;
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	unused5;
};

/* ------------------------------------------------------------------ */
/* Creating and renaming names                                          */
/* ------------------------------------------------------------------ */

/* Request size before 7.12 added umask. */
#define FUSE_COMPAT_MKNOD_IN_SIZE	8

struct fuse_mknod_in {
	uint32_t	mode;
	uint32_t	rdev;
	uint32_t	umask;
	uint32_t	padding;
};

struct fuse_mkdir_in {
	uint32_t	mode;
	uint32_t	umask;
};

struct fuse_rename_in {
	uint64_t	newdir;
};

struct fuse_rename2_in {
	uint64_t	newdir;
	uint32_t	flags;		/* RENAME_* */
	uint32_t	padding;
};

struct fuse_link_in {
	uint64_t	oldnodeid;
};

/* ------------------------------------------------------------------ */
/* Open files                                                           */
/* ------------------------------------------------------------------ */

struct fuse_open_in {
	uint32_t	flags;		/* open(2) flags */
	uint32_t	open_flags;	/* FUSE_OPEN_* */
};

struct fuse_create_in {
	uint32_t	flags;
	uint32_t	mode;
	uint32_t	umask;
	uint32_t	open_flags;	/* FUSE_OPEN_* */
};

struct fuse_open_out {
	uint64_t	fh;
	uint32_t	open_flags;	/* FOPEN_* */
	int32_t		backing_id;	/* 7.40: with FOPEN_PASSTHROUGH */
};

struct fuse_release_in {
	uint64_t	fh;
	uint32_t	flags;
	uint32_t	release_flags;	/* FUSE_RELEASE_* */
	uint64_t	lock_owner;
};

struct fuse_flush_in {
	uint64_t	fh;
	uint32_t	unused;
	uint32_t	padding;
	uint64_t	lock_owner;
};

struct fuse_read_in {
	uint64_t	fh;
	uint64_t	offset;
	uint32_t	size;
	uint32_t	read_flags;	/* FUSE_READ_* */
	uint64_t	lock_owner;
	uint32_t	flags;		/* open(2) flags of the file */
	uint32_t	padding;
};

/* Request size before 7.9 added lock_owner and flags. */
#define FUSE_COMPAT_WRITE_IN_SIZE	24

/* The data to write follows this struct. */
struct fuse_write_in {
	uint64_t	fh;
	uint64_t	offset;
	uint32_t	size;
	uint32_t	write_flags;	/* FUSE_WRITE_* */
	uint64_t	lock_owner;
	uint32_t	flags;
	uint32_t	padding;
};

struct fuse_write_out {
	uint32_t	size;
	uint32_t	padding;
};

/* Reply size before 7.4 added frsize. */
#define FUSE_COMPAT_STATFS_SIZE		48

struct fuse_statfs_out {
	struct fuse_kstatfs st;
};

struct fuse_fsync_in {
	uint64_t	fh;
	uint32_t	fsync_flags;	/* FUSE_FSYNC_* */
	uint32_t	padding;
};

struct fuse_fallocate_in {
	uint64_t	fh;
	uint64_t	offset;
	uint64_t	length;
	uint32_t	mode;		/* FALLOC_FL_* */
	uint32_t	padding;
};

struct fuse_lseek_in {
	uint64_t	fh;
	uint64_t	offset;
	uint32_t	whence;
	uint32_t	padding;
};

struct fuse_lseek_out {
	uint64_t	offset;
};

/* Used by both FUSE_COPY_FILE_RANGE and FUSE_COPY_FILE_RANGE_64. */
struct fuse_copy_file_range_in {
	uint64_t	fh_in;
	uint64_t	off_in;
	uint64_t	nodeid_out;
	uint64_t	fh_out;
	uint64_t	off_out;
	uint64_t	len;
	uint64_t	flags;
};

/*
 * Reply to FUSE_COPY_FILE_RANGE_64 (7.45); the older opcode answers with
 * fuse_write_out, whose 32-bit size capped a single copy.
 */
struct fuse_copy_file_range_out {
	uint64_t	bytes_copied;
};

struct fuse_bmap_in {
	uint64_t	block;
	uint32_t	blocksize;
	uint32_t	padding;
};

struct fuse_bmap_out {
	uint64_t	block;
};

struct fuse_syncfs_in {
	uint64_t	padding;
};

/* ------------------------------------------------------------------ */
/* Extended attributes, access, locks                                   */
/* ------------------------------------------------------------------ */

/* Request size without FUSE_SETXATTR_EXT. */
#define FUSE_COMPAT_SETXATTR_IN_SIZE	8

struct fuse_setxattr_in {
	uint32_t	size;
	uint32_t	flags;		/* XATTR_CREATE / XATTR_REPLACE */
	uint32_t	setxattr_flags;	/* FUSE_SETXATTR_*, 7.33 */
	uint32_t	padding;
};

struct fuse_getxattr_in {
	uint32_t	size;
	uint32_t	padding;
};

struct fuse_getxattr_out {
	uint32_t	size;
	uint32_t	padding;
};

struct fuse_access_in {
	uint32_t	mask;
	uint32_t	padding;
};

struct fuse_lk_in {
	uint64_t	fh;
	uint64_t	owner;
	struct fuse_file_lock lk;
	uint32_t	lk_flags;	/* FUSE_LK_* */
	uint32_t	padding;
};

struct fuse_lk_out {
	struct fuse_file_lock lk;
};

/* ------------------------------------------------------------------ */
/* INIT and CUSE_INIT                                                   */
/* ------------------------------------------------------------------ */

/*
 * Before 7.36 the kernel sent only the first 16 bytes (major through
 * flags); a server must accept both sizes.
 */
struct fuse_init_in {
	uint32_t	major;
	uint32_t	minor;
	uint32_t	max_readahead;
	uint32_t	flags;
	uint32_t	flags2;		/* 7.36: capability bits 32..63 */
	uint32_t	unused[11];
};

/* Reply sizes the kernel accepts from servers older than 7.5 / 7.23. */
#define FUSE_COMPAT_INIT_OUT_SIZE	8
#define FUSE_COMPAT_22_INIT_OUT_SIZE	24

struct fuse_init_out {
	uint32_t	major;
	uint32_t	minor;
	uint32_t	max_readahead;
	uint32_t	flags;
	uint16_t	max_background;
	uint16_t	congestion_threshold;
	uint32_t	max_write;
	uint32_t	time_gran;		/* 7.23 */
	uint16_t	max_pages;		/* 7.28, with FUSE_MAX_PAGES */
	uint16_t	map_alignment;		/* 7.31, log2 of DAX alignment */
	uint32_t	flags2;			/* 7.36 */
	uint32_t	max_stack_depth;	/* 7.40, with FUSE_PASSTHROUGH */
	uint16_t	request_timeout;	/* 7.43, seconds */
	uint16_t	unused[11];
};

/* Largest device-info string ("DEVNAME=...") after cuse_init_out. */
#define CUSE_INIT_INFO_MAX	4096

struct cuse_init_in {
	uint32_t	major;
	uint32_t	minor;
	uint32_t	unused;
	uint32_t	flags;		/* CUSE_* */
};

struct cuse_init_out {
	uint32_t	major;
	uint32_t	minor;
	uint32_t	unused;
	uint32_t	flags;
	uint32_t	max_read;
	uint32_t	max_write;
	uint32_t	dev_major;
	uint32_t	dev_minor;
	uint32_t	spare[10];
};

struct fuse_interrupt_in {
	uint64_t	unique;		/* the request to interrupt */
};

/* ------------------------------------------------------------------ */
/* ioctl and poll                                                       */
/* ------------------------------------------------------------------ */

struct fuse_ioctl_in {
	uint64_t	fh;
	uint32_t	flags;		/* FUSE_IOCTL_* */
	uint32_t	cmd;
	uint64_t	arg;
	uint32_t	in_size;
	uint32_t	out_size;
};

/* Fixed-width iovec so 32- and 64-bit callers agree (7.16). */
struct fuse_ioctl_iovec {
	uint64_t	base;
	uint64_t	len;
};

struct fuse_ioctl_out {
	int32_t		result;
	uint32_t	flags;
	uint32_t	in_iovs;
	uint32_t	out_iovs;
};

struct fuse_poll_in {
	uint64_t	fh;
	uint64_t	kh;		/* handle to quote in FUSE_NOTIFY_POLL */
	uint32_t	flags;		/* FUSE_POLL_* */
	uint32_t	events;		/* 7.21 */
};

struct fuse_poll_out {
	uint32_t	revents;
	uint32_t	padding;
};

/* ------------------------------------------------------------------ */
/* Directory entries                                                    */
/* ------------------------------------------------------------------ */

/* READDIR reply records; each is padded to a multiple of 8 bytes. */
struct fuse_dirent {
	uint64_t	ino;
	uint64_t	off;		/* cookie for the next READDIR */
	uint32_t	namelen;
	uint32_t	type;		/* DT_* */
	char		name[];
};

/* Round a record length up to the next multiple of 8. */
#define FUSE_REC_ALIGN(x) \
	(((x) + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1))

#define FUSE_NAME_OFFSET offsetof(struct fuse_dirent, name)
#define FUSE_DIRENT_ALIGN(x) FUSE_REC_ALIGN(x)
#define FUSE_DIRENT_SIZE(d) \
	FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + (d)->namelen)

/* READDIRPLUS reply records: the lookup result, then the dirent. */
struct fuse_direntplus {
	struct fuse_entry_out entry_out;
	struct fuse_dirent dirent;
};

#define FUSE_NAME_OFFSET_DIRENTPLUS \
	offsetof(struct fuse_direntplus, dirent.name)
#define FUSE_DIRENTPLUS_SIZE(d) \
	FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + (d)->dirent.namelen)

/* ------------------------------------------------------------------ */
/* Notifications (server to kernel, unique == 0)                        */
/* ------------------------------------------------------------------ */

struct fuse_notify_poll_wakeup_out {
	uint64_t	kh;
};

/* off < 0: drop attributes only; len <= 0: to end of file. */
struct fuse_notify_inval_inode_out {
	uint64_t	ino;
	int64_t		off;
	int64_t		len;
};

/* Followed by the name and a NUL. */
struct fuse_notify_inval_entry_out {
	uint64_t	parent;
	uint32_t	namelen;
	uint32_t	flags;		/* FUSE_EXPIRE_ONLY, 7.38 */
};

/* Followed by the name and a NUL. */
struct fuse_notify_delete_out {
	uint64_t	parent;
	uint64_t	child;
	uint32_t	namelen;
	uint32_t	padding;
};

/* Followed by size bytes of file data. */
struct fuse_notify_store_out {
	uint64_t	nodeid;
	uint64_t	offset;
	uint32_t	size;
	uint32_t	padding;
};

struct fuse_notify_retrieve_out {
	uint64_t	notify_unique;	/* echoed in the FUSE_NOTIFY_REPLY */
	uint64_t	nodeid;
	uint64_t	offset;
	uint32_t	size;
	uint32_t	padding;
};

/*
 * Argument of the FUSE_NOTIFY_REPLY request that answers a retrieve; laid
 * out like fuse_write_in so the data path can be shared.
 */
struct fuse_notify_retrieve_in {
	uint64_t	dummy1;
	uint64_t	offset;
	uint32_t	size;
	uint32_t	dummy2;
	uint64_t	dummy3;
	uint64_t	dummy4;
};

/*
 * 7.45: ask the kernel to forget unused inodes. Followed by count
 * uint64_t node IDs.
 */
struct fuse_notify_prune_out {
	uint32_t	count;
	uint32_t	padding;
	uint64_t	spare;
};

/* ------------------------------------------------------------------ */
/* Passthrough and /dev/fuse ioctls                                     */
/* ------------------------------------------------------------------ */

/* Argument of FUSE_DEV_IOC_BACKING_OPEN (7.40). */
struct fuse_backing_map {
	int32_t		fd;
	uint32_t	flags;		/* none defined; must be 0 */
	uint64_t	padding;
};

#define FUSE_DEV_IOC_MAGIC		229
/*
 * Issued on a fresh /dev/fuse fd with a pointer to a session's fd: the
 * fresh fd joins that session with its own processing queue.
 */
#define FUSE_DEV_IOC_CLONE		_IOR(FUSE_DEV_IOC_MAGIC, 0, uint32_t)
/* Register a backing file; returns a backing_id > 0. */
#define FUSE_DEV_IOC_BACKING_OPEN	_IOW(FUSE_DEV_IOC_MAGIC, 1, \
					     struct fuse_backing_map)
/* Drop a backing_id. */
#define FUSE_DEV_IOC_BACKING_CLOSE	_IOW(FUSE_DEV_IOC_MAGIC, 2, uint32_t)
/*
 * Issued before mount(2): the kernel then sends INIT while mount(2) is
 * still running, so another thread must already be serving the fd. Works
 * on this 6.18 kernel; older ones answer ENOTTY.
 */
#define FUSE_DEV_IOC_SYNC_INIT		_IO(FUSE_DEV_IOC_MAGIC, 3)

/* ------------------------------------------------------------------ */
/* DAX window mapping (virtiofs)                                        */
/* ------------------------------------------------------------------ */

struct fuse_setupmapping_in {
	uint64_t	fh;
	uint64_t	foffset;	/* file offset to map */
	uint64_t	len;
	uint64_t	flags;		/* FUSE_SETUPMAPPING_FLAG_* */
	uint64_t	moffset;	/* offset inside the DAX window */
};

/* Followed by count fuse_removemapping_one records. */
struct fuse_removemapping_in {
	uint32_t	count;
};

struct fuse_removemapping_one {
	uint64_t	moffset;
	uint64_t	len;
};

/* The kernel sends at most one page of records per request. */
#ifdef PAGE_SIZE
#define FUSE_REMOVEMAPPING_MAX_ENTRY \
	(PAGE_SIZE / sizeof(struct fuse_removemapping_one))
#endif

/* ------------------------------------------------------------------ */
/* Request extensions (7.36 / 7.38)                                     */
/* ------------------------------------------------------------------ */

/*
 * One security context: this header, then the xattr name (NUL-ended),
 * then size bytes of label.
 */
struct fuse_secctx {
	uint32_t	size;
	uint32_t	padding;
};

/* Leads the security-context block; size covers the whole block. */
struct fuse_secctx_header {
	uint32_t	size;
	uint32_t	nr_secctx;
};

/* Leads every extension record; size includes this header. */
struct fuse_ext_header {
	uint32_t	size;
	uint32_t	type;		/* enum fuse_ext_type */
};

/* Body of a FUSE_EXT_GROUPS record. */
struct fuse_supp_groups {
	uint32_t	nr_groups;
	uint32_t	groups[];
};

/* ------------------------------------------------------------------ */
/* FUSE over io_uring (7.42)                                            */
/* ------------------------------------------------------------------ */

/* Fixed room reserved for the in/out header and the per-opcode header. */
#define FUSE_URING_IN_OUT_HEADER_SZ	128
#define FUSE_URING_OP_IN_OUT_SZ		128

struct fuse_uring_ent_in_out {
	uint64_t	flags;
	uint64_t	commit_id;	/* quote in COMMIT_AND_FETCH */
	uint32_t	payload_sz;	/* bytes used in the payload buffer */
	uint32_t	padding;
	uint64_t	reserved;
};

/* Shared header buffer registered for each ring entry. */
struct fuse_uring_req_header {
	char		in_out[FUSE_URING_IN_OUT_HEADER_SZ];
	char		op_in[FUSE_URING_OP_IN_OUT_SZ];
	struct fuse_uring_ent_in_out ring_ent_in_out;
};

/* io_uring URING_CMD sub-commands on /dev/fuse. */
enum fuse_uring_cmd {
	FUSE_IO_URING_CMD_INVALID		= 0,
	FUSE_IO_URING_CMD_REGISTER		= 1,	/* hand in a buffer */
	FUSE_IO_URING_CMD_COMMIT_AND_FETCH	= 2,	/* reply + wait */
};

/* Lives in the SQE's command area. */
struct fuse_uring_cmd_req {
	uint64_t	flags;
	uint64_t	commit_id;
	uint16_t	qid;		/* queue index, one per CPU */
	uint8_t		padding[6];
};

/* ------------------------------------------------------------------ */
/* Layout checks (sizes as the 6.18 kernel BTF reports them)            */
/* ------------------------------------------------------------------ */

#define LF_PROTO_SIZE(type, n) \
	_Static_assert(sizeof(struct type) == (n), #type " has wrong size")

LF_PROTO_SIZE(fuse_attr, 88);
LF_PROTO_SIZE(fuse_sx_time, 16);
LF_PROTO_SIZE(fuse_statx, 256);
LF_PROTO_SIZE(fuse_kstatfs, 80);
LF_PROTO_SIZE(fuse_file_lock, 24);
LF_PROTO_SIZE(fuse_in_header, 40);
LF_PROTO_SIZE(fuse_out_header, 16);
LF_PROTO_SIZE(fuse_entry_out, 128);
LF_PROTO_SIZE(fuse_forget_in, 8);
LF_PROTO_SIZE(fuse_forget_one, 16);
LF_PROTO_SIZE(fuse_batch_forget_in, 8);
LF_PROTO_SIZE(fuse_getattr_in, 16);
LF_PROTO_SIZE(fuse_attr_out, 104);
LF_PROTO_SIZE(fuse_statx_in, 24);
LF_PROTO_SIZE(fuse_statx_out, 288);
LF_PROTO_SIZE(fuse_setattr_in, 88);
LF_PROTO_SIZE(fuse_mknod_in, 16);
LF_PROTO_SIZE(fuse_mkdir_in, 8);
LF_PROTO_SIZE(fuse_rename_in, 8);
LF_PROTO_SIZE(fuse_rename2_in, 16);
LF_PROTO_SIZE(fuse_link_in, 8);
LF_PROTO_SIZE(fuse_open_in, 8);
LF_PROTO_SIZE(fuse_create_in, 16);
LF_PROTO_SIZE(fuse_open_out, 16);
LF_PROTO_SIZE(fuse_release_in, 24);
LF_PROTO_SIZE(fuse_flush_in, 24);
LF_PROTO_SIZE(fuse_read_in, 40);
LF_PROTO_SIZE(fuse_write_in, 40);
LF_PROTO_SIZE(fuse_write_out, 8);
LF_PROTO_SIZE(fuse_statfs_out, 80);
LF_PROTO_SIZE(fuse_fsync_in, 16);
LF_PROTO_SIZE(fuse_fallocate_in, 32);
LF_PROTO_SIZE(fuse_lseek_in, 24);
LF_PROTO_SIZE(fuse_lseek_out, 8);
LF_PROTO_SIZE(fuse_copy_file_range_in, 56);
LF_PROTO_SIZE(fuse_copy_file_range_out, 8);
LF_PROTO_SIZE(fuse_bmap_in, 16);
LF_PROTO_SIZE(fuse_bmap_out, 8);
LF_PROTO_SIZE(fuse_syncfs_in, 8);
LF_PROTO_SIZE(fuse_setxattr_in, 16);
LF_PROTO_SIZE(fuse_getxattr_in, 8);
LF_PROTO_SIZE(fuse_getxattr_out, 8);
LF_PROTO_SIZE(fuse_access_in, 8);
LF_PROTO_SIZE(fuse_lk_in, 48);
LF_PROTO_SIZE(fuse_lk_out, 24);
LF_PROTO_SIZE(fuse_init_in, 64);
LF_PROTO_SIZE(fuse_init_out, 64);
LF_PROTO_SIZE(cuse_init_in, 16);
LF_PROTO_SIZE(cuse_init_out, 72);
LF_PROTO_SIZE(fuse_interrupt_in, 8);
LF_PROTO_SIZE(fuse_ioctl_in, 32);
LF_PROTO_SIZE(fuse_ioctl_iovec, 16);
LF_PROTO_SIZE(fuse_ioctl_out, 16);
LF_PROTO_SIZE(fuse_poll_in, 24);
LF_PROTO_SIZE(fuse_poll_out, 8);
LF_PROTO_SIZE(fuse_dirent, 24);
LF_PROTO_SIZE(fuse_direntplus, 152);
LF_PROTO_SIZE(fuse_notify_poll_wakeup_out, 8);
LF_PROTO_SIZE(fuse_notify_inval_inode_out, 24);
LF_PROTO_SIZE(fuse_notify_inval_entry_out, 16);
LF_PROTO_SIZE(fuse_notify_delete_out, 24);
LF_PROTO_SIZE(fuse_notify_store_out, 24);
LF_PROTO_SIZE(fuse_notify_retrieve_out, 32);
LF_PROTO_SIZE(fuse_notify_retrieve_in, 40);
LF_PROTO_SIZE(fuse_notify_prune_out, 16);
LF_PROTO_SIZE(fuse_backing_map, 16);
LF_PROTO_SIZE(fuse_setupmapping_in, 40);
LF_PROTO_SIZE(fuse_removemapping_in, 4);
LF_PROTO_SIZE(fuse_removemapping_one, 16);
LF_PROTO_SIZE(fuse_secctx, 8);
LF_PROTO_SIZE(fuse_secctx_header, 8);
LF_PROTO_SIZE(fuse_ext_header, 8);
LF_PROTO_SIZE(fuse_supp_groups, 4);
LF_PROTO_SIZE(fuse_uring_ent_in_out, 32);
LF_PROTO_SIZE(fuse_uring_req_header, 288);
LF_PROTO_SIZE(fuse_uring_cmd_req, 24);

/* Fields whose position later minors depend on. */
_Static_assert(offsetof(struct fuse_in_header, total_extlen) == 36,
	       "fuse_in_header.total_extlen");
_Static_assert(offsetof(struct fuse_open_out, backing_id) == 12,
	       "fuse_open_out.backing_id");
_Static_assert(offsetof(struct fuse_init_in, flags2) == 16,
	       "fuse_init_in.flags2");
_Static_assert(offsetof(struct fuse_init_out, max_pages) == 28,
	       "fuse_init_out.max_pages");
_Static_assert(offsetof(struct fuse_init_out, flags2) == 32,
	       "fuse_init_out.flags2");
_Static_assert(offsetof(struct fuse_init_out, max_stack_depth) == 36,
	       "fuse_init_out.max_stack_depth");
_Static_assert(offsetof(struct fuse_init_out, request_timeout) == 40,
	       "fuse_init_out.request_timeout");
_Static_assert(offsetof(struct fuse_setxattr_in, setxattr_flags) ==
	       FUSE_COMPAT_SETXATTR_IN_SIZE, "fuse_setxattr_in compat size");
_Static_assert(offsetof(struct fuse_write_in, lock_owner) ==
	       FUSE_COMPAT_WRITE_IN_SIZE, "fuse_write_in compat size");
_Static_assert(FUSE_NAME_OFFSET == 24, "fuse_dirent name offset");
_Static_assert(FUSE_NAME_OFFSET_DIRENTPLUS == 152,
	       "fuse_direntplus name offset");

#undef LF_PROTO_SIZE

#endif /* FASTFUSE_PROTO_FUSE_KERNEL_H */

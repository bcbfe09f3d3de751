/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * battery.h: what the battery's files share: options, the check macros
 * (each failure prints file:line and the values seen) and small I/O helpers.
 * Tests run with the current directory set to their own scratch directory.
 */
#ifndef BATTERY_H
#define BATTERY_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

#define KiB 1024LL
#define MiB (1024LL * KiB)
#define GiB (1024LL * MiB)

struct battery_options {
	bool expect_fuse;	/* statfs must report FUSE_SUPER_MAGIC */
	bool keep;		/* leave the "keep" tree for a source comparison */
	bool default_perms;	/* mounted with allow_other,default_permissions */
	bool readonly_hello;	/* hello_ll's read-only tree instead */
	const char *source;	/* passthrough source dir, for statfs checks */
};

extern struct battery_options bopt;
extern const char *cur_test;	/* name printed with every failure */
extern bool on_fuse;		/* the directory under test is a FUSE mount */

__attribute__((format(printf, 3, 4)))
void fail_at(const char *file, int line, const char *fmt, ...);
const char *ename(int e);

/* A call returning -1/errno on failure: fail the test, else yield its value. */
#define SYS(expr) ({							\
	long long sys_r_ = (long long)(expr);				\
	if (sys_r_ == -1) {						\
		fail_at(__FILE__, __LINE__, "%s: %s", #expr,		\
			ename(errno));					\
		return -1;						\
	}								\
	sys_r_; })

#define EXPECT(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		fail_at(__FILE__, __LINE__, "expected %s: " fmt, #cond,	\
			##__VA_ARGS__);					\
		return -1;						\
	}								\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	long long eq_a_ = (long long)(a), eq_b_ = (long long)(b);	\
	if (eq_a_ != eq_b_) {						\
		fail_at(__FILE__, __LINE__, "%s == %s: got %lld "	\
			"(0%llo), want %lld (0%llo)", #a, #b, eq_a_,	\
			(unsigned long long)eq_a_, eq_b_,		\
			(unsigned long long)eq_b_);			\
		return -1;						\
	}								\
} while (0)

/* The call must fail with errno @e1 (or @e2 where both are legal). */
#define EXPECT_ERR2(expr, e1, e2) do {					\
	errno = 0;							\
	long long er_r_ = (long long)(expr);				\
	int er_e_ = errno;						\
	if (er_r_ != -1 || (er_e_ != (e1) && er_e_ != (e2))) {		\
		fail_at(__FILE__, __LINE__, "%s: want -1/%s, got "	\
			"%lld/%s", #expr, ename(e1), er_r_,		\
			er_r_ == -1 ? ename(er_e_) : "-");		\
		return -1;						\
	}								\
} while (0)
#define EXPECT_ERR(expr, e) EXPECT_ERR2(expr, e, e)

#define EXPECT_MEM(got, want, len) do {					\
	if (expect_mem(__FILE__, __LINE__, got, want, len))		\
		return -1;						\
} while (0)

#define EXPECT_FILE(name, data, len) do {				\
	if (expect_file(__FILE__, __LINE__, name, data, len))		\
		return -1;						\
} while (0)

#define EXPECT_STR_FILE(name, s) EXPECT_FILE(name, s, strlen(s))

/* A test returns 0 (pass), -1 (failed) or SKIPPED after printing why. */
#define SKIPPED 1
#define SKIP(fmt, ...) do {						\
	printf("SKIP %s: " fmt "\n", cur_test, ##__VA_ARGS__);		\
	return SKIPPED;							\
} while (0)

/* Fails unless child @pid exited 0 (that is: all its checks passed). */
#define REAP(pid, what) do {						\
	if (reap(__FILE__, __LINE__, pid, what))			\
		return -1;						\
} while (0)

/* Runs @call in a forked child, which exits 1 if any of its checks failed. */
#define IN_CHILD(pidvar, call) do {					\
	fflush(NULL);							\
	pidvar = SYS(fork());						\
	if (pidvar == 0)						\
		_exit((call) ? 1 : 0);					\
} while (0)

int expect_mem(const char *file, int line, const void *got, const void *want,
	       size_t len);
int expect_file(const char *file, int line, const char *name,
		const void *want, size_t len);
int reap(const char *file, int line, pid_t pid, const char *what);

/* Helpers below return -1 with errno set and report nothing themselves. */
void pattern(void *buf, size_t len, unsigned int seed, off_t off);
int pwrite_all(int fd, const void *buf, size_t len, off_t off);
ssize_t pread_all(int fd, void *buf, size_t len, off_t off);
int write_file(const char *name, const void *data, size_t len, mode_t mode);
int write_str(const char *name, const char *s);
int rm_tree(const char *path);
int send_byte(int fd, char c);
int recv_byte(int fd, int ms);
double now_real(void);
double ts_sec(const struct timespec *ts);

/* Tests, by file. */
int t_create(void);
int t_rw(void);
int t_append(void);
int t_truncate(void);
int t_fsync(void);
int t_fallocate(void);
int t_lseek(void);
int t_seek_hole(void);
int t_copy_range(void);
int t_mmap(void);
int t_odirect(void);
int t_largefile(void);
int t_threads(void);
int t_poll(void);

int t_stat(void);
int t_chmod(void);
int t_chown(void);
int t_utimens(void);
int t_statx(void);
int t_statfs(void);
int t_access(void);
int t_xattr(void);
int t_perms(void);

int t_mkdir(void);
int t_unlink(void);
int t_unlink_open(void);
int t_rename(void);
int t_rename_open(void);
int t_rename2(void);
int t_link(void);
int t_symlink(void);
int t_mknod(void);
int t_readdir(void);
int t_tmpfile(void);
int t_keep(void);

int t_posix_locks(void);
int t_ofd_locks(void);
int t_flock(void);

int t_hello_readdir(void);
int t_hello_stat(void);
int t_hello_read(void);
int t_hello_errors(void);
int t_hello_mmap(void);
int t_hello_threads(void);
int t_hello_statfs(void);

#endif /* BATTERY_H */

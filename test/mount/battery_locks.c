// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * battery_locks.c: file locks between processes: POSIX record locks
 * (F_SETLK/F_SETLKW/F_GETLK, read/write sharing, release on close),
 * open-file-description locks (F_OFD_*), and flock(2).
 */
#include "battery.h"

#include <sys/file.h>

static int set_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};

	return fcntl(fd, cmd, &fl);
}

/* In a second process: the parent holds a write lock on [0,100). */
static int posix_child_conflict(pid_t holder)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET,
		.l_start = 50, .l_len = 10,
	};
	int fd = SYS(open("f", O_RDWR));

	SYS(fcntl(fd, F_GETLK, &fl));
	EXPECT_EQ(fl.l_type, F_WRLCK);
	EXPECT_EQ(fl.l_start, 0);
	EXPECT_EQ(fl.l_len, 100);
	EXPECT_EQ(fl.l_pid, holder);
	EXPECT_ERR2(set_lock(fd, F_SETLK, F_WRLCK, 50, 10), EAGAIN, EACCES);
	EXPECT_ERR2(set_lock(fd, F_SETLK, F_RDLCK, 99, 1), EAGAIN, EACCES);
	/* Outside the held range there is no conflict. */
	SYS(set_lock(fd, F_SETLK, F_WRLCK, 100, 10));
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_start = 200, .l_len = 10 };
	SYS(fcntl(fd, F_GETLK, &fl));
	EXPECT_EQ(fl.l_type, F_UNLCK);
	SYS(close(fd));
	return 0;
}

/* Takes a read lock, which must share with the parent's read lock. */
static int posix_child_shared(void)
{
	int fd = SYS(open("f", O_RDWR));

	SYS(set_lock(fd, F_SETLK, F_RDLCK, 0, 100));
	EXPECT_ERR2(set_lock(fd, F_SETLK, F_WRLCK, 0, 100), EAGAIN, EACCES);
	SYS(close(fd));
	return 0;
}

/* Announces itself, then blocks in F_SETLKW until the parent unlocks. */
static int posix_child_wait(int wfd)
{
	int fd = SYS(open("f", O_RDWR));

	SYS(send_byte(wfd, 'r'));
	SYS(set_lock(fd, F_SETLKW, F_WRLCK, 0, 100));
	SYS(send_byte(wfd, 'g'));
	SYS(close(fd));
	return 0;
}

static int posix_child_free(void)
{
	int fd = SYS(open("f", O_RDWR));

	SYS(set_lock(fd, F_SETLK, F_WRLCK, 0, 0));
	SYS(close(fd));
	return 0;
}

static int posix_blocking(int fd)
{
	int pfd[2];
	pid_t pid;

	SYS(pipe(pfd));
	IN_CHILD(pid, posix_child_wait(pfd[1]));
	EXPECT_EQ(recv_byte(pfd[0], 5000), 'r');
	/* While we hold the lock the waiter must stay blocked. */
	EXPECT_EQ(recv_byte(pfd[0], 300), -1);
	SYS(set_lock(fd, F_SETLK, F_UNLCK, 0, 0));
	EXPECT_EQ(recv_byte(pfd[0], 5000), 'g');
	REAP(pid, "F_SETLKW waiter");
	SYS(close(pfd[0]));
	SYS(close(pfd[1]));
	return 0;
}

int t_posix_locks(void)
{
	pid_t pid, self = getpid();
	int fd, fd2;

	SYS(write_file("f", "0123456789", 10, 0644));
	fd = SYS(open("f", O_RDWR));
	SYS(set_lock(fd, F_SETLK, F_WRLCK, 0, 100));
	IN_CHILD(pid, posix_child_conflict(self));
	REAP(pid, "conflict checks");
	if (posix_blocking(fd))
		return -1;

	SYS(set_lock(fd, F_SETLK, F_RDLCK, 0, 100));
	IN_CHILD(pid, posix_child_shared());
	REAP(pid, "shared read lock");

	/* Closing any descriptor of the file drops this process's locks. */
	SYS(set_lock(fd, F_SETLK, F_WRLCK, 0, 0));
	fd2 = SYS(open("f", O_RDONLY));
	SYS(close(fd2));
	IN_CHILD(pid, posix_child_free());
	REAP(pid, "lock after close of another fd");
	SYS(close(fd));
	return 0;
}

int t_ofd_locks(void)
{
	struct flock fl;
	int fd1, fd2;

	SYS(write_str("f", "ofd"));
	fd1 = SYS(open("f", O_RDWR));
	fd2 = SYS(open("f", O_RDWR));
	/* Same process, but two open file descriptions: they conflict. */
	SYS(set_lock(fd1, F_OFD_SETLK, F_WRLCK, 0, 0));
	EXPECT_ERR2(set_lock(fd2, F_OFD_SETLK, F_WRLCK, 0, 10), EAGAIN, EACCES);
	EXPECT_ERR2(set_lock(fd2, F_OFD_SETLK, F_RDLCK, 5, 1), EAGAIN, EACCES);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	SYS(fcntl(fd2, F_OFD_GETLK, &fl));
	EXPECT_EQ(fl.l_type, F_WRLCK);
	EXPECT_EQ(fl.l_pid, -1);
	/* The holder may convert its own lock freely. */
	SYS(set_lock(fd1, F_OFD_SETLK, F_RDLCK, 0, 0));
	SYS(set_lock(fd2, F_OFD_SETLK, F_RDLCK, 0, 0));
	EXPECT_ERR2(set_lock(fd2, F_OFD_SETLK, F_WRLCK, 0, 0), EAGAIN, EACCES);
	/* Closing the holder's description releases its lock. */
	SYS(close(fd1));
	SYS(set_lock(fd2, F_OFD_SETLK, F_WRLCK, 0, 0));
	SYS(close(fd2));
	return 0;
}

static int flock_child(int expect_ex, int expect_sh)
{
	int fd = SYS(open("f", O_RDONLY));

	if (expect_ex)
		EXPECT_ERR(flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	else
		SYS(flock(fd, LOCK_EX | LOCK_NB));
	SYS(flock(fd, LOCK_UN));
	if (expect_sh)
		EXPECT_ERR(flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	else
		SYS(flock(fd, LOCK_SH | LOCK_NB));
	SYS(close(fd));
	return 0;
}

int t_flock(void)
{
	pid_t pid;
	int fd, fd2;

	SYS(write_str("f", "flock"));
	fd = SYS(open("f", O_RDONLY));
	SYS(flock(fd, LOCK_EX));
	/* Exclusive: the other process gets neither kind of lock. */
	IN_CHILD(pid, flock_child(1, 1));
	REAP(pid, "flock vs LOCK_EX");
	/* Locks belong to the open file description, even in one process. */
	fd2 = SYS(open("f", O_RDONLY));
	EXPECT_ERR(flock(fd2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	/* Shared: another shared lock is fine, an exclusive one is not. */
	SYS(flock(fd, LOCK_SH));
	IN_CHILD(pid, flock_child(1, 0));
	REAP(pid, "flock vs LOCK_SH");
	SYS(flock(fd2, LOCK_SH | LOCK_NB));
	SYS(close(fd2));
	SYS(flock(fd, LOCK_UN));
	IN_CHILD(pid, flock_child(0, 0));
	REAP(pid, "flock after LOCK_UN");
	/* Closing releases the lock too. */
	SYS(flock(fd, LOCK_EX));
	SYS(close(fd));
	IN_CHILD(pid, flock_child(0, 0));
	REAP(pid, "flock after close");
	return 0;
}

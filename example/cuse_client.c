// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cuse_client: talks to the example device of example/cuse.c through
 * plain syscalls: its size via the ioctls of cuse_ioctl.h, its content
 * via read(2) and write(2).
 *
 *   cuse_client DEVICE size          print the buffer size
 *   cuse_client DEVICE resize N      set the buffer size to N bytes
 *   cuse_client DEVICE read          copy the buffer to stdout
 *   cuse_client DEVICE write         copy stdin into the buffer
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cuse_ioctl.h"

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s DEVICE size|resize N|read|write\n", prog);
	return 2;
}

/* Copy until EOF; -1 with errno set on a failed read or write. */
static int pump(int from, int to)
{
	char buf[65536];
	ssize_t n, w, off;

	while ((n = read(from, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off < n; off += w) {
			w = write(to, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w <= 0)
				return -1;
		}
	}
	return 0;
}

static int parse_size(const char *s, size_t *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > (size_t)-1)
		return -1;
	*ret = (size_t)v;
	return 0;
}

int main(int argc, char *argv[])
{
	const char *cmd;
	size_t size;
	int fd, res;

	if (argc < 3)
		return usage(argv[0]);
	cmd = argv[2];
	fd = open(argv[1], strcmp(cmd, "read") == 0 ? O_RDONLY :
			   strcmp(cmd, "write") == 0 ? O_WRONLY : O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1],
			strerror(errno));
		return 1;
	}
	if (strcmp(cmd, "size") == 0 && argc == 3) {
		res = ioctl(fd, FIOC_GET_SIZE, &size);
		if (res == 0)
			printf("%zu\n", size);
	} else if (strcmp(cmd, "resize") == 0 && argc == 4) {
		if (parse_size(argv[3], &size) < 0) {
			close(fd);
			return usage(argv[0]);
		}
		res = ioctl(fd, FIOC_SET_SIZE, &size);
	} else if (strcmp(cmd, "read") == 0 && argc == 3) {
		res = pump(fd, STDOUT_FILENO);
	} else if (strcmp(cmd, "write") == 0 && argc == 3) {
		res = pump(STDIN_FILENO, fd);
	} else {
		close(fd);
		return usage(argv[0]);
	}
	if (res < 0)
		fprintf(stderr, "%s: %s %s: %s\n", argv[0], argv[1], cmd,
			strerror(errno));
	close(fd);
	return res < 0 ? 1 : 0;
}

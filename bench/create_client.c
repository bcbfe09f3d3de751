// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * create_client: the metadata load of bench/uring.sh. Creates COUNT empty
 * files f<FIRST>..f<FIRST+COUNT-1> (open O_CREAT|O_EXCL, close) in a
 * directory, then prints the elapsed seconds and the rate. Knows nothing
 * about FUSE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	char name[64];
	double secs;
	long i, n, first = 0;
	int dfd, fd;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s DIR COUNT [FIRST]\n", argv[0]);
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	if (argc == 4)
		first = strtol(argv[3], NULL, 10);
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || n <= 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = first; i < first + n; i++) {
		snprintf(name, sizeof(name), "f%07ld", i);
		fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			fprintf(stderr, "create %s: %s\n", name, strerror(errno));
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("seconds=%.3f creates_per_sec=%.0f\n", secs, n / secs);
	return 0;
}

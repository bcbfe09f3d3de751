// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Asks getxattr of each NAME on PATH N times and reports how each call
 * ended and the mean time of one; exits 1 unless every one ended in
 * ENODATA (the only right answer for a name declared absent).
 * Usage: xattr_count PATH N NAME...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <time.h>

int main(int argc, char **argv)
{
	unsigned long n, i, enodata = 0, other = 0, calls;
	struct timespec t0, t1;
	char buf[256];
	int a, last = 0;
	double ns;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PATH N NAME...\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (a = 3; a < argc; a++) {
		for (i = 0; i < n; i++) {
			if (getxattr(argv[1], argv[a], buf, sizeof(buf)) >= 0)
				other++;
			else if (errno == ENODATA)
				enodata++;
			else {
				other++;
				last = errno;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	calls = n * (unsigned long)(argc - 3);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	     (double)(t1.tv_nsec - t0.tv_nsec);
	printf("xattr_count: %lu calls, %lu ENODATA, %lu other (last error: %s), %.0f ns/call\n",
	       calls, enodata, other, last ? strerror(last) : "none",
	       calls ? ns / (double)calls : 0.0);
	return other ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Asks getxattr of each NAME on PATH N times and reports how each call
 * ended; exits 1 unless every one ended in ENODATA (the only right answer
 * for a name the mount's policy declares absent).
 * Usage: xattr_count PATH N NAME...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

int main(int argc, char **argv)
{
	unsigned long n, i, enodata = 0, other = 0;
	char buf[256];
	int a, last = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PATH N NAME...\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
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
	printf("xattr_count: %lu calls, %lu ENODATA, %lu other (last error: %s)\n",
	       n * (unsigned long)(argc - 3), enodata, other,
	       last ? strerror(last) : "none");
	return other ? 1 : 0;
}

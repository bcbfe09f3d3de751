// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_client: the load generator of bench/roundtrip.sh. T threads call
 * stat() (path walk: LOOKUP + GETATTR once caches expire) or fstat() on an
 * open fd (GETATTR only) on one file in a loop, for a fixed time or count,
 * and print the aggregate rate. Knows nothing about FUSE.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum op { OP_STAT, OP_FSTAT };

struct worker {
	pthread_t thread;
	const char *path;
	enum op op;
	unsigned long long max_ops;	/* 0: run until stop is set */
	unsigned long long ops;
	int err;			/* errno of the first failed call */
};

static atomic_int stop;
static pthread_barrier_t start_line;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct stat st;
	int fd = -1;

	if (w->op == OP_FSTAT) {
		fd = open(w->path, O_RDONLY);
		if (fd < 0)
			w->err = errno;
	}
	pthread_barrier_wait(&start_line);
	while (!w->err && !atomic_load_explicit(&stop, memory_order_relaxed)) {
		int r = w->op == OP_STAT ? stat(w->path, &st) : fstat(fd, &st);

		if (r < 0) {
			w->err = errno;
			break;
		}
		if (++w->ops == w->max_ops)
			break;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t THREADS] [-d SECONDS | -n OPS] [-m stat|fstat] FILE\n"
		"  -t  client threads (default 1)\n"
		"  -d  run for SECONDS (default 2)\n"
		"  -n  stop after OPS calls per thread instead\n"
		"  -m  stat: stat(FILE) (path lookup); fstat: fstat on an fd\n"
		"output: ops_per_sec=<rate> ops=<total> seconds=<elapsed> ...\n",
		prog);
}

int main(int argc, char **argv)
{
	unsigned long threads = 1, i;
	unsigned long long max_ops = 0, total = 0;
	double seconds = 2.0, t0, t1;
	enum op op = OP_STAT;
	struct worker *w;
	int c, err = 0;

	while ((c = getopt(argc, argv, "t:d:n:m:h")) != -1) {
		switch (c) {
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			seconds = strtod(optarg, NULL);
			break;
		case 'n':
			max_ops = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			if (!strcmp(optarg, "stat")) {
				op = OP_STAT;
			} else if (!strcmp(optarg, "fstat")) {
				op = OP_FSTAT;
			} else {
				usage(argv[0]);
				return 2;
			}
			break;
		default:
			usage(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1 || threads < 1 || threads > 1024 ||
	    seconds <= 0) {
		usage(argv[0]);
		return 2;
	}

	w = calloc(threads, sizeof(*w));
	if (!w || pthread_barrier_init(&start_line, NULL, threads + 1)) {
		perror("rt_client: setup");
		return 1;
	}
	for (i = 0; i < threads; i++) {
		w[i].path = argv[optind];
		w[i].op = op;
		w[i].max_ops = max_ops;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i])) {
			perror("rt_client: pthread_create");
			return 1;
		}
	}
	pthread_barrier_wait(&start_line);
	t0 = now();
	if (!max_ops) {
		struct timespec ts = {
			.tv_sec = (time_t)seconds,
			.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
		};

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		atomic_store(&stop, 1);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].ops;
		if (w[i].err && !err)
			err = w[i].err;
	}
	t1 = now();
	if (err) {
		fprintf(stderr, "rt_client: %s %s: %s\n",
			op == OP_STAT ? "stat" : "fstat", argv[optind],
			strerror(err));
		return 1;
	}
	printf("ops_per_sec=%.0f ops=%llu seconds=%.3f threads=%lu op=%s\n",
	       total / (t1 - t0), total, t1 - t0, threads,
	       op == OP_STAT ? "stat" : "fstat");
	free(w);
	return 0;
}

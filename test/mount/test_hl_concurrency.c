// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_hl_concurrency: hammers a directory (a FUSE mount) from several
 * threads with create, rename, unlink, lookup and readdir for a while, and
 * fails on a hang (a watchdog sees a call that does not return) or on a
 * result no interleaving of the calls could explain. Aimed at the path
 * API's name and node tables and their locking.
 *
 * usage: test_hl_concurrency DIR [-t THREADS] [-s SECONDS] [-w WATCHDOG]
 *                            [-i] (d_ino must equal st_ino: use_ino)
 * exit:  0 pass, 1 inconsistent result, 2 usage/setup, 3 hang
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define PRIV_NAMES 16	/* f0..f15 in each thread's private directory */
#define SHARED_NAMES 24	/* s0..s23, contested in shared/a and shared/b */
#define SHARED_DIRS 6	/* dir0..dir5 wander between shared/a and shared/b */
#define BASE_MAX 3072	/* our directory's path; names below it fit PATH_MAX */

enum op {
	OP_PCREATE, OP_PUNLINK, OP_PRENAME, OP_PSTAT, OP_PREADDIR,
	OP_SCREATE, OP_SRENAME, OP_SUNLINK, OP_SREAD, OP_SREADDIR,
	OP_DMOVE, OP_DFILE,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"private create", "private unlink", "private rename", "private stat",
	"private readdir", "shared create", "shared rename", "shared unlink",
	"shared read", "shared readdir", "dir move", "file in moving dir",
};

struct worker {
	pthread_t th;
	int id;
	uint64_t rng;
	char priv[BASE_MAX + 32];
	/* Model of the private directory: generation of f<i>, 0 = absent. */
	unsigned int gen[PRIV_NAMES];
	unsigned int seq;
	uint64_t done[OP_COUNT];
	uint64_t raced;		/* ENOENT/EEXIST and the like from races */
	/* For the watchdog: when the current call began (ms), 0 if idle. */
	_Atomic int64_t busy_since;
	_Atomic int cur_op;
};

static struct {
	const char *dir;
	char base[BASE_MAX];
	int threads;
	int seconds;
	int watchdog;
	bool check_dino;
	atomic_bool stop;
	atomic_int failures;
} cfg = { .threads = 8, .seconds = 10, .watchdog = 30 };

static struct worker workers[MAX_THREADS];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3)))
static void fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	fprintf(stderr, "FAIL [thread %d, %s]: ", w ? w->id : -1,
		w ? op_names[atomic_load(&w->cur_op)] : "main");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	/* One inconsistency is enough; stop everyone to keep the log short. */
	atomic_fetch_add(&cfg.failures, 1);
	atomic_store(&cfg.stop, true);
}

static uint32_t rnd(struct worker *w, uint32_t n)
{
	/* xorshift64*: cheap, and reproducible from the printed seed. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 0x2545F4914F6CDD1DULL) >> 32) % n;
}

static void begin(struct worker *w, enum op op)
{
	atomic_store(&w->cur_op, (int)op);
	atomic_store(&w->busy_since, now_ms());
}

static void end(struct worker *w, enum op op)
{
	atomic_store(&w->busy_since, 0);
	w->done[op]++;
}

/* Leftovers of files unlinked while open: not a name of ours. */
static bool is_hidden(const char *name)
{
	return strncmp(name, ".fuse_hidden", 12) == 0;
}

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to @cap - 1 bytes of @fd into @buf, NUL-terminated. */
static ssize_t read_small(int fd, char *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap - 1, 0);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* ------------------------------------------------------------------ */
/* Private directory: every result is predicted by the model.          */

static void priv_path(struct worker *w, int i, char *out, size_t cap)
{
	snprintf(out, cap, "%s/f%d", w->priv, i);
}

static void priv_content(struct worker *w, int i, unsigned int gen,
			 char *out, size_t cap)
{
	snprintf(out, cap, "thread %d file %d generation %u\n", w->id, i,
		 gen);
}

static void op_pcreate(struct worker *w)
{
	char path[PATH_MAX + 8], text[96];
	int i = (int)rnd(w, PRIV_NAMES), fd;

	priv_path(w, i, path, sizeof(path));
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (w->gen[i]) {
		if (fd >= 0 || errno != EEXIST)
			fail(w, "create %s over an existing file: fd %d, %s",
			     path, fd, strerrorname_np(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (fd < 0) {
		fail(w, "create %s: %s", path, strerrorname_np(errno));
		return;
	}
	w->gen[i] = ++w->seq;
	priv_content(w, i, w->gen[i], text, sizeof(text));
	if (write_all(fd, text) < 0)
		fail(w, "write %s: %s", path, strerrorname_np(errno));
	if (close(fd) < 0)
		fail(w, "close %s: %s", path, strerrorname_np(errno));
}

static void op_punlink(struct worker *w)
{
	char path[PATH_MAX + 8];
	int i = (int)rnd(w, PRIV_NAMES);
	int r;

	priv_path(w, i, path, sizeof(path));
	r = unlink(path);
	if (w->gen[i] ? r != 0 : (r == 0 || errno != ENOENT))
		fail(w, "unlink %s (model: %s): %d %s", path,
		     w->gen[i] ? "exists" : "absent", r,
		     r ? strerrorname_np(errno) : "");
	w->gen[i] = 0;
}

static void op_prename(struct worker *w)
{
	char from[PATH_MAX + 8], to[PATH_MAX + 8];
	int i = (int)rnd(w, PRIV_NAMES), j = (int)rnd(w, PRIV_NAMES);
	int r;

	if (i == j)
		return;
	priv_path(w, i, from, sizeof(from));
	priv_path(w, j, to, sizeof(to));
	r = rename(from, to);
	if (w->gen[i] ? r != 0 : (r == 0 || errno != ENOENT)) {
		fail(w, "rename %s -> %s (model: %s): %d %s", from, to,
		     w->gen[i] ? "exists" : "absent", r,
		     r ? strerrorname_np(errno) : "");
		return;
	}
	if (w->gen[i]) {
		char text[96], want[96];
		int fd;

		w->gen[j] = w->gen[i];
		w->gen[i] = 0;
		fd = open(to, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fail(w, "open %s after rename: %s", to,
			     strerrorname_np(errno));
			return;
		}
		read_small(fd, text, sizeof(text));
		close(fd);
		/* The text names the file it was created as: compare gens. */
		snprintf(want, sizeof(want), "generation %u\n", w->gen[j]);
		if (!strstr(text, want))
			fail(w, "%s after rename holds '%s', want gen %u", to,
			     text, w->gen[j]);
	}
}

/* stat, then open+fstat+read: same inode, the model's size and text. */
static void op_pstat(struct worker *w)
{
	char path[PATH_MAX + 8], got[96];
	int i = (int)rnd(w, PRIV_NAMES), fd;
	struct stat st, fst;

	priv_path(w, i, path, sizeof(path));
	if (stat(path, &st) != 0) {
		if (w->gen[i] || errno != ENOENT)
			fail(w, "stat %s (model: %s): %s", path,
			     w->gen[i] ? "exists" : "absent",
			     strerrorname_np(errno));
		return;
	}
	if (!w->gen[i]) {
		fail(w, "stat %s succeeded, the model says it was removed",
		     path);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &fst) != 0) {
		fail(w, "open/fstat %s: %s", path, strerrorname_np(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	read_small(fd, got, sizeof(got));
	close(fd);
	if (st.st_ino != fst.st_ino)
		fail(w, "%s: stat ino %ju, fstat ino %ju", path,
		     (uintmax_t)st.st_ino, (uintmax_t)fst.st_ino);
	if (!strstr(got, "generation ") ||
	    (unsigned int)strtoul(strstr(got, "generation ") + 11, NULL,
				  10) != w->gen[i])
		fail(w, "%s holds '%s', want generation %u", path, got,
		     w->gen[i]);
	if (st.st_size != (off_t)strlen(got))
		fail(w, "%s: st_size %jd, read %zu bytes", path,
		     (intmax_t)st.st_size, strlen(got));
}

/* The listing must be exactly the model's names (each once). */
static void op_preaddir(struct worker *w)
{
	unsigned int seen[PRIV_NAMES] = { 0 };
	struct dirent *de;
	DIR *d = opendir(w->priv);
	int i;

	if (!d) {
		fail(w, "opendir %s: %s", w->priv, strerrorname_np(errno));
		return;
	}
	errno = 0;
	while ((de = readdir(d))) {
		char *end;
		long n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    is_hidden(de->d_name))
			continue;
		n = de->d_name[0] == 'f' ? strtol(de->d_name + 1, &end, 10) : -1;
		if (n < 0 || n >= PRIV_NAMES || *end) {
			fail(w, "%s lists a stranger: '%s'", w->priv,
			     de->d_name);
			break;
		}
		if (seen[n]++)
			fail(w, "%s lists '%s' twice", w->priv, de->d_name);
		if (cfg.check_dino && w->gen[n]) {
			struct stat st;
			char path[PATH_MAX + 8];

			priv_path(w, (int)n, path, sizeof(path));
			if (stat(path, &st) == 0 && st.st_ino != de->d_ino)
				fail(w, "%s: d_ino %ju, st_ino %ju", path,
				     (uintmax_t)de->d_ino,
				     (uintmax_t)st.st_ino);
		}
		errno = 0;
	}
	if (errno)
		fail(w, "readdir %s: %s", w->priv, strerrorname_np(errno));
	closedir(d);
	for (i = 0; i < PRIV_NAMES; i++)
		if (!seen[i] != !w->gen[i])
			fail(w, "%s: f%d %s, the model says %s", w->priv, i,
			     seen[i] ? "listed" : "missing",
			     w->gen[i] ? "present" : "absent");
}

/* ------------------------------------------------------------------ */
/* Shared directories: only invariants hold, races are expected.       */

static const char *side(struct worker *w)
{
	return rnd(w, 2) ? "a" : "b";
}

/* Errors a race can explain; anything else is a failure. */
static bool raced(struct worker *w, int err, int also)
{
	if (err == ENOENT || (also && err == also)) {
		w->raced++;
		return true;
	}
	return false;
}

/* Written under a private name, then renamed in: never seen half-written. */
static void op_screate(struct worker *w)
{
	char tmp[PATH_MAX], to[PATH_MAX], text[64];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/shared/a/t%d", cfg.base, w->id);
	snprintf(to, sizeof(to), "%s/shared/%s/s%u", cfg.base, side(w),
		 rnd(w, SHARED_NAMES));
	fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		fail(w, "create %s: %s", tmp, strerrorname_np(errno));
		return;
	}
	snprintf(text, sizeof(text), "token %d-%u\n", w->id, ++w->seq);
	if (write_all(fd, text) < 0)
		fail(w, "write %s: %s", tmp, strerrorname_np(errno));
	close(fd);
	if (rename(tmp, to) != 0)
		fail(w, "rename %s -> %s: %s", tmp, to,
		     strerrorname_np(errno));
}

static void op_srename(struct worker *w)
{
	char from[PATH_MAX], to[PATH_MAX];

	snprintf(from, sizeof(from), "%s/shared/%s/s%u", cfg.base, side(w),
		 rnd(w, SHARED_NAMES));
	snprintf(to, sizeof(to), "%s/shared/%s/s%u", cfg.base, side(w),
		 rnd(w, SHARED_NAMES));
	if (rename(from, to) != 0 && !raced(w, errno, 0))
		fail(w, "rename %s -> %s: %s", from, to,
		     strerrorname_np(errno));
}

static void op_sunlink(struct worker *w)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/shared/%s/s%u", cfg.base, side(w),
		 rnd(w, SHARED_NAMES));
	if (unlink(path) != 0 && !raced(w, errno, 0))
		fail(w, "unlink %s: %s", path, strerrorname_np(errno));
}

/* Whatever file a name leads to was complete when it got the name. */
static void op_sread(struct worker *w)
{
	char path[PATH_MAX], got[64];
	struct stat st;
	int fd, tid;
	unsigned int seq;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/shared/%s/s%u", cfg.base, side(w),
		 rnd(w, SHARED_NAMES));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (!raced(w, errno, 0))
			fail(w, "open %s: %s", path, strerrorname_np(errno));
		return;
	}
	n = read_small(fd, got, sizeof(got));
	if (n < 0 || fstat(fd, &st) != 0)
		fail(w, "read/fstat %s: %s", path, strerrorname_np(errno));
	else if (sscanf(got, "token %d-%u\n", &tid, &seq) != 2 ||
		 st.st_size != n)
		fail(w, "%s: '%s' (%zd bytes, st_size %jd) is no whole token",
		     path, got, n, (intmax_t)st.st_size);
	close(fd);
}

/* No duplicates, no strangers; each entry stats or has just gone. */
static void op_sreaddir(struct worker *w)
{
	char dir[PATH_MAX], seen[SHARED_NAMES + SHARED_DIRS] = { 0 };
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/shared/%s", cfg.base, side(w));
	d = opendir(dir);
	if (!d) {
		fail(w, "opendir %s: %s", dir, strerrorname_np(errno));
		return;
	}
	errno = 0;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		char *end;
		long k = -1;

		if (!strcmp(n, ".") || !strcmp(n, "..") || is_hidden(n))
			goto next;
		if (n[0] == 't') {
			strtol(n + 1, &end, 10);
			if (!*end)
				goto next;
		} else if (n[0] == 's') {
			k = strtol(n + 1, &end, 10);
			if (*end || k < 0 || k >= SHARED_NAMES)
				k = -1;
		} else if (!strncmp(n, "dir", 3)) {
			k = strtol(n + 3, &end, 10);
			if (*end || k < 0 || k >= SHARED_DIRS)
				k = -1;
			else
				k += SHARED_NAMES;
		}
		if (k < 0) {
			fail(w, "%s lists a stranger: '%s'", dir, n);
			break;
		}
		if (seen[k]++)
			fail(w, "%s lists '%s' twice", dir, n);
next:
		errno = 0;
	}
	if (errno)
		fail(w, "readdir %s: %s", dir, strerrorname_np(errno));
	closedir(d);
}

/* Directories (never empty) change parents under everybody's feet. */
static void op_dmove(struct worker *w)
{
	char from[PATH_MAX], to[PATH_MAX];
	unsigned int k = rnd(w, SHARED_DIRS);
	int ab = (int)rnd(w, 2);

	snprintf(from, sizeof(from), "%s/shared/%s/dir%u", cfg.base,
		 ab ? "a" : "b", k);
	snprintf(to, sizeof(to), "%s/shared/%s/dir%u", cfg.base,
		 ab ? "b" : "a", k);
	/* The other side holds it: ENOENT; never two of them (ENOTEMPTY). */
	if (rename(from, to) != 0 && !raced(w, errno, 0))
		fail(w, "rename %s -> %s: %s", from, to,
		     strerrorname_np(errno));
}

/* Create, stat and remove a file inside a directory that may move. */
static void op_dfile(struct worker *w)
{
	char path[PATH_MAX], keep[PATH_MAX];
	unsigned int k = rnd(w, SHARED_DIRS);
	const char *s = side(w);
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/shared/%s/dir%u/x%d", cfg.base, s,
		 k, w->id);
	snprintf(keep, sizeof(keep), "%s/shared/%s/dir%u/keep", cfg.base, s,
		 k);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (!raced(w, errno, 0))
			fail(w, "create %s: %s", path, strerrorname_np(errno));
		return;
	}
	close(fd);
	if (stat(keep, &st) != 0 && !raced(w, errno, 0))
		fail(w, "stat %s: %s", keep, strerrorname_np(errno));
	/* Our x<id> may have moved with its directory: unlink either side. */
	if (unlink(path) != 0) {
		snprintf(path, sizeof(path), "%s/shared/%s/dir%u/x%d",
			 cfg.base, s[0] == 'a' ? "b" : "a", k, w->id);
		if (unlink(path) != 0 && !raced(w, errno, 0))
			fail(w, "unlink %s: %s", path, strerrorname_np(errno));
	}
}

static void (*const op_fns[OP_COUNT])(struct worker *) = {
	op_pcreate, op_punlink, op_prename, op_pstat, op_preaddir,
	op_screate, op_srename, op_sunlink, op_sread, op_sreaddir,
	op_dmove, op_dfile,
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&cfg.stop)) {
		enum op op = (enum op)rnd(w, OP_COUNT);

		begin(w, op);
		op_fns[op](w);
		end(w, op);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Watchdog, setup, final checks                                       */

static void *watchdog_main(void *arg)
{
	int64_t limit = (int64_t)cfg.watchdog * 1000;

	(void)arg;
	for (;;) {
		int64_t now = now_ms();
		bool hung = false;
		int i;

		for (i = 0; i < cfg.threads; i++) {
			int64_t since = atomic_load(&workers[i].busy_since);

			if (since && now - since > limit) {
				fprintf(stderr, "HANG: thread %d stuck in %s "
					"for %" PRId64 " ms\n", i,
					op_names[atomic_load(&workers[i].cur_op)],
					now - since);
				hung = true;
			}
		}
		if (hung) {
			fprintf(stderr, "FAIL: calls into %s did not return "
				"within %d s\n", cfg.dir, cfg.watchdog);
			fflush(NULL);
			/* The stuck threads cannot be joined: leave now. */
			_exit(3);
		}
		sleep(1);
	}
	return NULL;
}

static int mkdir_p(const char *path)
{
	if (mkdir(path, 0755) != 0) {
		fprintf(stderr, "mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(void)
{
	char path[PATH_MAX + 32];
	int i, fd;

	snprintf(cfg.base, sizeof(cfg.base), "%s/hlc.%d", cfg.dir,
		 (int)getpid());
	if (mkdir_p(cfg.base))
		return -1;
	snprintf(path, sizeof(path), "%s/shared", cfg.base);
	if (mkdir_p(path))
		return -1;
	snprintf(path, sizeof(path), "%s/shared/a", cfg.base);
	if (mkdir_p(path))
		return -1;
	snprintf(path, sizeof(path), "%s/shared/b", cfg.base);
	if (mkdir_p(path))
		return -1;
	for (i = 0; i < SHARED_DIRS; i++) {
		snprintf(path, sizeof(path), "%s/shared/%s/dir%d", cfg.base,
			 i % 2 ? "a" : "b", i);
		if (mkdir_p(path))
			return -1;
		strcat(path, "/keep");
		fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "create %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		close(fd);
	}
	for (i = 0; i < cfg.threads; i++) {
		snprintf(workers[i].priv, sizeof(workers[i].priv),
			 "%s/priv%d", cfg.base, i);
		if (mkdir_p(workers[i].priv))
			return -1;
	}
	return 0;
}

/* Every wandering directory exists exactly once, with its keep file. */
static void final_checks(void)
{
	char a[PATH_MAX + 32], b[PATH_MAX + 32];
	struct stat st;
	int i, w;

	for (i = 0; i < SHARED_DIRS; i++) {
		snprintf(a, sizeof(a), "%s/shared/a/dir%d/keep", cfg.base, i);
		snprintf(b, sizeof(b), "%s/shared/b/dir%d/keep", cfg.base, i);
		if ((stat(a, &st) == 0) == (stat(b, &st) == 0))
			fail(NULL, "dir%d: in shared/a %s, in shared/b %s", i,
			     stat(a, &st) == 0 ? "yes" : "no",
			     stat(b, &st) == 0 ? "yes" : "no");
	}
	/* One more full pass over each private model. */
	for (w = 0; w < cfg.threads; w++)
		op_preaddir(&workers[w]);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/*
 * Removes the tree. Files unlinked while open linger as .fuse_hidden*
 * until the kernel's (asynchronous) release reaches the daemon: retry.
 */
static int cleanup(void)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (nftw(cfg.base, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0)
			return 0;
		usleep(100 * 1000);
	}
	fprintf(stderr, "FAIL: cannot remove %s: %s\n", cfg.base,
		strerror(errno));
	return -1;
}

static int parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "t:s:w:i")) != -1) {
		switch (c) {
		case 't':
			cfg.threads = atoi(optarg);
			break;
		case 's':
			cfg.seconds = atoi(optarg);
			break;
		case 'w':
			cfg.watchdog = atoi(optarg);
			break;
		case 'i':
			cfg.check_dino = true;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || strlen(argv[optind]) >= BASE_MAX - 32 ||
	    cfg.threads < 1 ||
	    cfg.threads > MAX_THREADS || cfg.seconds < 1 || cfg.watchdog < 1)
		return -1;
	cfg.dir = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	uint64_t total = 0, races = 0;
	pthread_t wd;
	int i, k;

	if (parse_args(argc, argv)) {
		fprintf(stderr, "usage: %s DIR [-t THREADS] [-s SECONDS] "
			"[-w WATCHDOG_SECONDS] [-i]\n", argv[0]);
		return 2;
	}
	if (getenv("HLC_SEED"))
		seed = strtoull(getenv("HLC_SEED"), NULL, 0);
	printf("# %d threads, %d s, watchdog %d s, seed 0x%" PRIx64 "\n",
	       cfg.threads, cfg.seconds, cfg.watchdog, seed);
	fflush(stdout);
	if (setup())
		return 2;
	if (pthread_create(&wd, NULL, watchdog_main, NULL))
		return 2;
	for (i = 0; i < cfg.threads; i++) {
		workers[i].id = i;
		workers[i].rng = (seed + (uint64_t)i * 0x9E3779B97F4A7C15ULL) | 1;
		if (pthread_create(&workers[i].th, NULL, worker_main,
				   &workers[i]))
			return 2;
	}
	for (i = 0; i < cfg.seconds * 10 && !atomic_load(&cfg.stop); i++)
		usleep(100 * 1000);
	atomic_store(&cfg.stop, true);
	for (i = 0; i < cfg.threads; i++)
		pthread_join(workers[i].th, NULL);
	if (!atomic_load(&cfg.failures))
		final_checks();
	for (k = 0; k < OP_COUNT; k++) {
		uint64_t n = 0;

		for (i = 0; i < cfg.threads; i++)
			n += workers[i].done[k];
		printf("# %-20s %8" PRIu64 "\n", op_names[k], n);
		total += n;
	}
	for (i = 0; i < cfg.threads; i++)
		races += workers[i].raced;
	printf("# %" PRIu64 " operations, %" PRIu64 " lost races (ENOENT)\n",
	       total, races);
	if (atomic_load(&cfg.failures) == 0 && cleanup() == 0) {
		printf("PASS\n");
		return 0;
	}
	printf("FAIL: %d inconsistencies (seed 0x%" PRIx64 ")\n",
	       atomic_load(&cfg.failures), seed);
	return 1;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fusestat: per-mount, per-opcode FUSE request counts, rates, errors and
 * latencies from the fuse:fuse_request_send/end tracepoints (BPF program
 * kernel/fusestat.bpf.c). This file owns the command line, loading and
 * attaching, the live terminal view and the run-a-command mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fusestat.skel.h"
#include "fusestat_report.h"

#define FUSE_SUPER_MAGIC 0x65735546
/* Exit codes besides a command's own status. */
#define EXIT_NOBPF	2	/* BPF tracing unavailable; one reason line */
#define EXIT_USAGE	64

/* After the run, wait this long at most for answers still on their way. */
#define SETTLE_MS	250

struct opts {
	int json;
	int once;
	int check;
	int verbose;
	double interval_s;
	double duration_s;	/* 0: until q, Ctrl-C or the command ends */
	__u32 conns[FUSESTAT_MAX_CONNS];
	size_t nconns;
	char **cmd;
	FILE *out;		/* reports go here (stdout or -o FILE) */
};

static volatile sig_atomic_t stop_sig;
static pid_t child_pid;
static int verbose;

static void on_signal(int sig)
{
	stop_sig = sig;
	/* The command decides when the run ends: pass termination on. */
	if (child_pid > 0 && sig != SIGINT)
		kill(child_pid, sig);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: fusestat [options] [-- command [args...]]\n"
"Per-mount FUSE request statistics from the fuse:fuse_request_send/end\n"
"tracepoints (BPF; needs root or CAP_BPF+CAP_PERFMON).\n"
"  -M, --mount PATH       only the FUSE mount holding PATH (repeatable)\n"
"  -c, --conn N|MAJ:MIN   only that connection (kernel dev_t; repeatable)\n"
"  -i, --interval SECS    report every SECS (default 1)\n"
"  -d, --duration SECS    stop after SECS\n"
"  -j, --json             one JSON object per report\n"
"  -1, --once             one summary of the whole run at the end\n"
"  -o, --output FILE      write the reports to FILE, not stdout\n"
"      --check            load and attach, then exit: 0, or %d with why not\n"
"  -v, --verbose          show libbpf's messages\n"
"With a command: run it, then print the summary of its run and exit with\n"
"its status. On a terminal without -j/-1/command: a live view (q quits).\n",
		EXIT_NOBPF);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The kernel's dev_t of the FUSE superblock holding path. */
static int mount_conn(const char *path, __u32 *ret_conn)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) < 0 || statfs(path, &sfs) < 0)
		return -errno;
	if ((unsigned long)sfs.f_type != FUSE_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	*ret_conn = (major(st.st_dev) << 20) | minor(st.st_dev);
	return 0;
}

static int parse_conn(const char *s, __u32 *ret_conn)
{
	unsigned int maj, min;
	char *end;
	unsigned long n;

	if (sscanf(s, "%u:%u", &maj, &min) == 2 && maj < 4096 &&
	    min < (1U << 20)) {
		*ret_conn = (maj << 20) | min;
		return 0;
	}
	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno || *end || end == s || n > UINT32_MAX)
		return -EINVAL;
	*ret_conn = (__u32)n;
	return 0;
}

static int parse_secs(const char *s, double *ret)
{
	char *end;
	double d = strtod(s, &end);

	if (*end || end == s || !(d > 0) || d > 1e6)
		return -EINVAL;
	*ret = d;
	return 0;
}

static int add_conn(struct opts *o, const char *arg, int is_path)
{
	__u32 conn = 0;
	int ret;

	ret = is_path ? mount_conn(arg, &conn) : parse_conn(arg, &conn);
	if (ret == -EMEDIUMTYPE) {
		fprintf(stderr, "fusestat: %s is not in a FUSE mount\n", arg);
		return -1;
	}
	if (ret) {
		fprintf(stderr, "fusestat: %s: %s\n", arg,
			is_path ? strerror(-ret) : "not a connection number");
		return -1;
	}
	if (o->nconns == FUSESTAT_MAX_CONNS) {
		fprintf(stderr, "fusestat: at most %d connections\n",
			FUSESTAT_MAX_CONNS);
		return -1;
	}
	o->conns[o->nconns++] = conn;
	return 0;
}

/* 0 to run, 1 to exit 0 (help), -1 to exit with EXIT_USAGE or 1. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "mount", required_argument, NULL, 'M' },
		{ "conn", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "once", no_argument, NULL, '1' },
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->interval_s = 1.0;
	o->out = stdout;
	while ((c = getopt_long(argc, argv, "+M:c:i:d:j1o:vh", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'M':
		case 'c':
			if (add_conn(o, optarg, c == 'M'))
				return -1;
			break;
		case 'i':
		case 'd':
			if (parse_secs(optarg, c == 'i' ? &o->interval_s :
							  &o->duration_s)) {
				fprintf(stderr, "fusestat: bad seconds: %s\n",
					optarg);
				return -1;
			}
			break;
		case 'j':
			o->json = 1;
			break;
		case '1':
			o->once = 1;
			break;
		case 'o':
			if (o->out != stdout)
				fclose(o->out);
			o->out = fopen(optarg, "we");
			if (!o->out) {
				fprintf(stderr, "fusestat: %s: %s\n", optarg,
					strerror(errno));
				return -1;
			}
			break;
		case 'C':
			o->check = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		o->cmd = &argv[optind];
	return 0;
}

/* One line saying why BPF tracing is not available here. */
static void nobpf(const char *what, int err)
{
	const char *why;

	switch (err) {
	case EPERM:
	case EACCES:
		why = "permission denied (needs root, or CAP_BPF and "
		      "CAP_PERFMON; lockdown may forbid it)";
		break;
	case ENOENT:
		why = "no fuse:fuse_request_send/end tracepoints (fuse not "
		      "loaded, no tracefs, or the kernel predates them)";
		break;
	case ESRCH:
		why = "the kernel's BTF does not describe the FUSE tracepoints";
		break;
	default:
		why = strerror(err);
		break;
	}
	fprintf(stderr, "fusestat: cannot %s: %s\n", what, why);
}

/* libbpf finds tracepoint ids in tracefs; mount it where it is missing. */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

static int bpf_start(const struct opts *o, struct fusestat **ret_skel)
{
	struct fusestat *skel;
	__u8 one = 1;
	size_t i;
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "fusestat: cannot load BPF: the kernel has no "
			"BTF (/sys/kernel/btf/vmlinux), needed for CO-RE\n");
		return -ENOTSUP;
	}
	ensure_tracefs();
	skel = fusestat__open();
	if (!skel) {
		nobpf("open the BPF object", errno);
		return -errno;
	}
	skel->rodata->filter_on = o->nconns > 0;
	err = fusestat__load(skel);
	if (err) {
		nobpf("load BPF", -err);
		goto fail;
	}
	for (i = 0; i < o->nconns; i++) {
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.watch),
					  &o->conns[i], &one, BPF_ANY);
		if (err) {
			err = -errno;
			nobpf("fill the BPF filter", -err);
			goto fail;
		}
	}
	err = fusestat__attach(skel);
	if (err) {
		nobpf("attach to fuse:fuse_request_send/end", -err);
		goto fail;
	}
	*ret_skel = skel;
	return 0;
fail:
	fusestat__destroy(skel);
	return err;
}

/* Live view: q on the terminal quits; the terminal is restored at exit. */
static struct termios saved_tio;
static int tio_saved;

static void tty_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	tio_saved = 0;
}

static void tty_raw(void)
{
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
		tio_saved = 1;
}

/* Waits until the deadline; 1 if the user asked to quit. */
static int wait_tick(double deadline, int keys)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char c;

	while (!stop_sig) {
		double left = deadline - now_s();

		if (left <= 0)
			return 0;
		if (poll(&pfd, keys ? 1 : 0, (int)(left * 1000) + 1) <= 0)
			continue;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL) ||
		    read(STDIN_FILENO, &c, 1) != 1)
			keys = 0;	/* no terminal to read keys from */
		else if (c == 'q' || c == 'Q')
			return 1;
	}
	return 1;
}

struct run {
	const struct opts *o;
	struct fusestat *skel;
	struct fst_table table;
	double start;
	double last;
};

static int report(struct run *r, int final, int live)
{
	struct fst_mounts mounts;
	struct fst_view v = {
		.json = r->o->json, .live = live, .final = final,
		.conns = r->o->conns, .nconns = r->o->nconns,
	};
	__u32 all[FUSESTAT_MAX_CONNS];
	double now = now_s();
	FILE *mem;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = fst_table_read(&r->table, bpf_map__fd(r->skel->maps.stats));
	if (ret)
		return ret;
	fst_mounts_load(&mounts);	/* unnamed on failure, still counted */
	v.elapsed_s = now - r->start;
	v.interval_s = now - r->last;
	v.untimed = r->skel->bss->untimed;
	v.dropped = r->skel->bss->dropped;
	/* Unfiltered, every FUSE mount is listed, busy or not. */
	if (!r->o->nconns) {
		for (v.nconns = 0; v.nconns < mounts.n &&
				   v.nconns < FUSESTAT_MAX_CONNS; v.nconns++)
			all[v.nconns] = mounts.v[v.nconns].conn;
		v.conns = all;
	}
	/* One write per screen, so the live view does not flicker. */
	mem = open_memstream(&buf, &len);
	if (!mem)
		ret = -errno;
	else
		ret = fst_report(mem, &r->table, &mounts, &v);
	if (mem && fclose(mem) == 0 && ret == 0)
		fwrite(buf, 1, len, r->o->out);
	if (fflush(r->o->out) && ret == 0)
		ret = -errno;
	free(buf);
	fst_mounts_free(&mounts);
	fst_table_advance(&r->table);
	r->last = now;
	return ret;
}

/* Answers to the last requests may still be on their way. */
static void settle(struct run *r)
{
	double until = now_s() + SETTLE_MS / 1000.0;
	int fd = bpf_map__fd(r->skel->maps.stats);

	while (now_s() < until) {
		if (fst_table_read(&r->table, fd) ||
		    fst_table_inflight(&r->table) == 0)
			return;
		usleep(5000);
	}
}

/* Runs the command; its exit status (128 + signal if killed). */
static int run_command(struct run *r)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fusestat: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(r->o->cmd[0], r->o->cmd);
		fprintf(stderr, "fusestat: %s: %s\n", r->o->cmd[0],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	child_pid = pid;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("fusestat: waitpid");
			return 1;
		}
	}
	child_pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int run_loop(struct run *r, int live)
{
	double end = r->o->duration_s ? r->start + r->o->duration_s : 0;
	double next = r->start;
	int ret = 0;

	if (live)
		tty_raw();
	for (;;) {
		next += r->o->interval_s;
		if (end && next > end)
			next = end;
		if (wait_tick(next, tio_saved))
			break;
		ret = report(r, 0, live);
		if (ret || (end && next >= end))
			break;
	}
	tty_restore();
	return ret;
}

/* --once without a command: until a signal or the end of -d. */
static void wait_end(const struct run *r)
{
	double end = r->o->duration_s ? r->start + r->o->duration_s : 0;

	while (!stop_sig && (!end || now_s() < end))
		wait_tick(end ? end : now_s() + 3600, 0);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: wake poll/wait */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	struct opts o;
	int live, ret, status = 0;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	verbose = o.verbose;
	libbpf_set_print(libbpf_log);
	if (bpf_start(&o, &r.skel))
		return EXIT_NOBPF;
	if (o.check) {
		printf("fusestat: BPF tracing of FUSE requests works\n");
		fusestat__destroy(r.skel);
		return 0;
	}
	r.o = &o;
	r.start = r.last = now_s();
	install_signals();
	live = !o.json && !o.once && !o.cmd && isatty(fileno(o.out));
	if (o.cmd || o.once) {
		if (o.cmd)
			status = run_command(&r);
		else
			wait_end(&r);
		settle(&r);
		ret = report(&r, 1, 0);
	} else {
		ret = run_loop(&r, live);
	}
	fusestat__destroy(r.skel);
	fst_table_free(&r.table);
	if (o.out != stdout && fclose(o.out) && !ret)
		ret = -errno;
	if (ret) {
		fprintf(stderr, "fusestat: reading the statistics: %s\n",
			strerror(-ret));
		return 1;
	}
	return status;
}

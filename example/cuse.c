// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cuse: a character device served from userspace. The device is a growable
 * in-memory buffer: reads and writes move through it like through a file,
 * and two ioctls (example/cuse_ioctl.h) read and set its size.
 *
 *   cuse -f -n NAME [-M major] [-m minor]    (or -o devname=NAME)
 *   echo hello > /dev/NAME; cat /dev/NAME; cuse_client /dev/NAME size
 */

#define FUSE_USE_VERSION 318

#include <cuse_lowlevel.h>
#include <fuse_opt.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuse_ioctl.h"

/* A bound on growth, so one write cannot make the daemon eat all memory. */
#define DEV_MAX_SIZE (64u << 20)

static struct {
	pthread_mutex_t lock;	/* the loop is multithreaded unless -s */
	char *data;
	size_t size;
} dev = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * The kernel passes no file position to a CUSE device (every offset
 * arrives as 0), so each open file keeps its own, in fi->fh.
 */
struct open_file {
	size_t pos;
};

static struct open_file *of(struct fuse_file_info *fi)
{
	return (struct open_file *)(uintptr_t)fi->fh;
}

/* Caller holds dev.lock. New bytes read as zeros. */
static int dev_resize(size_t size)
{
	char *p;

	if (size > DEV_MAX_SIZE)
		return -EFBIG;
	p = realloc(dev.data, size ? size : 1);
	if (!p)
		return -ENOMEM;
	if (size > dev.size)
		memset(p + dev.size, 0, size - dev.size);
	dev.data = p;
	dev.size = size;
	return 0;
}

static void dev_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct open_file *f = calloc(1, sizeof(*f));

	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)f;
	if (fuse_reply_open(req, fi) != 0)
		free(f);
}

static void dev_release(fuse_req_t req, struct fuse_file_info *fi)
{
	free(of(fi));
	fuse_reply_err(req, 0);
}

static void dev_read(fuse_req_t req, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct open_file *f = of(fi);
	size_t n = 0;
	char *copy;

	(void)off;
	pthread_mutex_lock(&dev.lock);
	if (f->pos < dev.size)
		n = dev.size - f->pos < size ? dev.size - f->pos : size;
	copy = malloc(n ? n : 1);
	if (copy && n) {
		memcpy(copy, dev.data + f->pos, n);
		f->pos += n;
	}
	pthread_mutex_unlock(&dev.lock);
	if (!copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Replied outside the lock: a slow reader must not stall writers. */
	fuse_reply_buf(req, copy, n);
	free(copy);
}

static void dev_write(fuse_req_t req, const char *buf, size_t size,
		      off_t off, struct fuse_file_info *fi)
{
	struct open_file *f = of(fi);
	int err = 0;

	(void)off;
	pthread_mutex_lock(&dev.lock);
	if (f->pos + size > dev.size)
		err = dev_resize(f->pos + size);
	if (!err && size) {
		memcpy(dev.data + f->pos, buf, size);
		f->pos += size;
	}
	pthread_mutex_unlock(&dev.lock);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

/*
 * The device asks for unrestricted ioctls, so the kernel does not size
 * the data from the command number: the first call comes with no buffers
 * and a retry reply tells the kernel which user memory to copy.
 */
static void dev_ioctl(fuse_req_t req, int cmd, void *arg,
		      struct fuse_file_info *fi, unsigned int flags,
		      const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct iovec iov = { arg, sizeof(size_t) };
	size_t size;
	int err;

	(void)fi;
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	switch ((unsigned int)cmd) {
	case FIOC_GET_SIZE:
		if (out_bufsz < sizeof(size_t)) {
			fuse_reply_ioctl_retry(req, NULL, 0, &iov, 1);
			return;
		}
		pthread_mutex_lock(&dev.lock);
		size = dev.size;
		pthread_mutex_unlock(&dev.lock);
		fuse_reply_ioctl(req, 0, &size, sizeof(size));
		return;
	case FIOC_SET_SIZE:
		if (in_bufsz < sizeof(size_t)) {
			fuse_reply_ioctl_retry(req, &iov, 1, NULL, 0);
			return;
		}
		memcpy(&size, in_buf, sizeof(size));
		pthread_mutex_lock(&dev.lock);
		err = dev_resize(size);
		pthread_mutex_unlock(&dev.lock);
		if (err)
			fuse_reply_err(req, -err);
		else
			fuse_reply_ioctl(req, 0, NULL, 0);
		return;
	default:
		fuse_reply_err(req, ENOTTY);
	}
}

static void dev_init_done(void *userdata)
{
	(void)userdata;
	fprintf(stderr, "cuse: device ready\n");
}

static const struct cuse_lowlevel_ops dev_ops = {
	.init_done = dev_init_done,
	.open = dev_open,
	.release = dev_release,
	.read = dev_read,
	.write = dev_write,
	.ioctl = dev_ioctl,
};

struct params {
	unsigned int major;
	unsigned int minor;
	char *name;
	int help;
};

#define PARAM(t, f) { t, offsetof(struct params, f), 1 }
static const struct fuse_opt param_spec[] = {
	PARAM("-M %u", major),
	PARAM("--maj=%u", major),
	PARAM("-m %u", minor),
	PARAM("--min=%u", minor),
	PARAM("-n %s", name),
	PARAM("--name=%s", name),
	PARAM("devname=%s", name),
	PARAM("-h", help),
	PARAM("--help", help),
	FUSE_OPT_END
};

static void usage(const char *prog)
{
	printf("usage: %s [options]\n"
	       "\n"
	       "device options:\n"
	       "    -n NAME, --name=NAME, -o devname=NAME\n"
	       "                           device name (required): /dev/NAME\n"
	       "    -M N, --maj=N          device major number (0: any)\n"
	       "    -m N, --min=N          device minor number\n"
	       "\n"
	       "library options:\n"
	       "    -f                     stay in the foreground\n"
	       "    -s                     single-threaded\n"
	       "    -d                     debug output (implies -f)\n",
	       prog);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct params p = { 0 };
	struct cuse_info ci;
	const char *info[1];
	char *devname = NULL;
	int ret = 1;

	if (fuse_opt_parse(&args, &p, param_spec, NULL) == -1)
		return 1;
	if (p.help) {
		usage(argv[0]);
		ret = 0;
		goto out;
	}
	if (!p.name || !*p.name) {
		fprintf(stderr, "%s: no device name given (-n NAME)\n",
			argv[0]);
		goto out;
	}
	if (asprintf(&devname, "DEVNAME=%s", p.name) < 0) {
		devname = NULL;
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		goto out;
	}
	info[0] = devname;
	memset(&ci, 0, sizeof(ci));
	ci.dev_major = p.major;
	ci.dev_minor = p.minor;
	ci.dev_info_argc = 1;
	ci.dev_info_argv = info;
	ci.flags = CUSE_UNRESTRICTED_IOCTL;

	ret = cuse_lowlevel_main(args.argc, args.argv, &ci, &dev_ops, NULL);
out:
	free(devname);
	free(p.name);
	free(dev.data);
	fuse_opt_free_args(&args);
	return ret;
}

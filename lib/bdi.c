// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mount's writeback limits (-o bdi_strict_limit=, -o bdi_max_ratio=):
 * the kernel gives every FUSE mount a strict 1 % share of the dirty page
 * limit, which throttles writers under the writeback cache long before
 * memory is short. A root daemon may lift that in /sys/class/bdi/MAJ:MIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_i.h"

/* Writes @val to @dir/@knob; 0 or -errno. */
static int write_knob(const char *dir, const char *knob, unsigned int val)
{
	char path[256], buf[16];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%u\n", val);
	if (write(fd, buf, (size_t)n) != n)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

static const char *why_of(int err)
{
	switch (err) {
	case -ENOENT: return "no_such_knob";
	case -EACCES:
	case -EPERM: return "permission";
	case -EINVAL: return "refused";
	case -EROFS: return "read_only_sysfs";
	default: return "error";
	}
}

int lf_bdi_set(const char *dir, int strict_limit, int max_ratio, bool debug)
{
	int err, ret = 0;

	/* the ratio first: with strict_limit off it is what bounds the mount */
	if (max_ratio >= 0) {
		err = write_knob(dir, "max_ratio", (unsigned int)max_ratio);
		if (err)
			fuse_log(FUSE_LOG_ERR, "fuse: bdi_max_ratio=off:%s (%s/max_ratio: %s)\n",
				 why_of(err), dir, strerror(-err));
		else if (debug)
			fuse_log(FUSE_LOG_DEBUG, "fuse: bdi_max_ratio=%d\n",
				 max_ratio);
		ret = ret ? ret : err;
	}
	if (strict_limit >= 0) {
		err = write_knob(dir, "strict_limit",
				 (unsigned int)strict_limit);
		if (err)
			fuse_log(FUSE_LOG_ERR, "fuse: bdi_strict_limit=off:%s (%s/strict_limit: %s)\n",
				 why_of(err), dir, strerror(-err));
		else if (debug)
			fuse_log(FUSE_LOG_DEBUG, "fuse: bdi_strict_limit=%d\n",
				 strict_limit);
		ret = ret ? ret : err;
	}
	return ret;
}

int lf_bdi_apply(struct fuse_session *se)
{
	struct statx stx;
	char dir[64];

	if (se->bdi_strict_limit < 0 && se->bdi_max_ratio < 0)
		return 0;
	/* no request to the daemon: INIT may not be answered yet */
	if (!se->mountpoint ||
	    statx(AT_FDCWD, se->mountpoint, AT_STATX_DONT_SYNC, 0, &stx) < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: bdi limits=off:no_mountpoint\n");
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "/sys/class/bdi/%u:%u", stx.stx_dev_major,
		 stx.stx_dev_minor);
	return lf_bdi_set(dir, se->bdi_strict_limit, se->bdi_max_ratio,
			  se->debug);
}

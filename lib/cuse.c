// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CUSE, character devices served from userspace: a lowlevel session whose
 * file operations forward to the cuse_lowlevel_ops, the CUSE_INIT answer
 * that names the device to the kernel, and the setup/teardown/main helpers
 * around /dev/cuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cuse.h"

/* Per-session CUSE state: one allocation, freed with the session. */
struct lf_cuse {
	struct cuse_lowlevel_ops clop;
	uint32_t max_read;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t flags;
	uint32_t info_len;
	char info[];		/* "KEY=VALUE\0" strings, back to back */
};

static const struct cuse_lowlevel_ops *clop_of(fuse_req_t req)
{
	return &req->se->cuse->clop;
}

/*
 * The session's lowlevel ops: the kernel sends the usual file opcodes on
 * /dev/cuse, with a nodeid that means nothing for a device.
 */
static void cuse_open(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi)
{
	(void)ino;
	clop_of(req)->open(req, fi);
}

static void cuse_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)ino;
	clop_of(req)->read(req, size, off, fi);
}

static void cuse_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	clop_of(req)->write(req, buf, size, off, fi);
}

static void cuse_flush(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	clop_of(req)->flush(req, fi);
}

static void cuse_release(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	(void)ino;
	clop_of(req)->release(req, fi);
}

static void cuse_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		       struct fuse_file_info *fi)
{
	(void)ino;
	clop_of(req)->fsync(req, datasync, fi);
}

static void cuse_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		       void *arg, struct fuse_file_info *fi, unsigned int flags,
		       const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	(void)ino;
	clop_of(req)->ioctl(req, (int)cmd, arg, fi, flags, in_buf, in_bufsz,
			    out_bufsz);
}

static void cuse_poll(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	(void)ino;
	clop_of(req)->poll(req, fi, ph);
}

/*
 * Copy the device info strings into one block (when dst is set) and
 * return its length, or -EINVAL for a missing string.
 */
static ssize_t pack_info(const struct cuse_info *ci, char *dst)
{
	size_t len = 0, n;
	unsigned int i;

	if (ci->dev_info_argc && !ci->dev_info_argv)
		return -EINVAL;
	for (i = 0; i < ci->dev_info_argc; i++) {
		if (!ci->dev_info_argv[i])
			return -EINVAL;
		n = strlen(ci->dev_info_argv[i]) + 1;
		if (dst)
			memcpy(dst + len, ci->dev_info_argv[i], n);
		len += n;
		/* stop before the sum can wrap; the caller rejects it anyway */
		if (len > CUSE_INIT_INFO_MAX)
			break;
	}
	return (ssize_t)len;
}

static struct lf_cuse *cuse_state_new(const struct cuse_info *ci,
				      const struct cuse_lowlevel_ops *clop)
{
	struct lf_cuse *cd;
	ssize_t len = pack_info(ci, NULL);

	if (len < 0) {
		fuse_log(FUSE_LOG_ERR, "cuse: dev_info_argv has a NULL entry\n");
		return NULL;
	}
	if (len > CUSE_INIT_INFO_MAX) {
		fuse_log(FUSE_LOG_ERR, "cuse: dev_info (%zd) too large, limit=%u\n",
			 len, CUSE_INIT_INFO_MAX);
		return NULL;
	}
	cd = calloc(1, sizeof(*cd) + (size_t)len);
	if (!cd) {
		fuse_log(FUSE_LOG_ERR, "cuse: failed to allocate cuse_data\n");
		return NULL;
	}
	cd->clop = *clop;
	cd->max_read = LF_CUSE_MAX_READ;
	cd->dev_major = ci->dev_major;
	cd->dev_minor = ci->dev_minor;
	cd->flags = ci->flags;
	cd->info_len = (uint32_t)len;
	pack_info(ci, cd->info);
	return cd;
}

FUSE_EXPORT struct fuse_session *
cuse_lowlevel_new(struct fuse_args *args, const struct cuse_info *ci,
		  const struct cuse_lowlevel_ops *clop, void *userdata)
{
	struct fuse_lowlevel_ops lop;
	struct fuse_session *se;
	struct lf_cuse *cd;

	if (!args || !ci || !clop) {
		fuse_log(FUSE_LOG_ERR,
			 "cuse: cuse_lowlevel_new() needs args, cuse_info and ops\n");
		return NULL;
	}
	cd = cuse_state_new(ci, clop);
	if (!cd)
		return NULL;

	/* Only the opcodes the device implements get a handler, so the
	 * others take the lowlevel defaults (ENOSYS, or success for open
	 * and release) exactly as with a filesystem. */
	memset(&lop, 0, sizeof(lop));
	lop.init = clop->init;
	lop.destroy = clop->destroy;
	lop.open = clop->open ? cuse_open : NULL;
	lop.read = clop->read ? cuse_read : NULL;
	lop.write = clop->write ? cuse_write : NULL;
	lop.flush = clop->flush ? cuse_flush : NULL;
	lop.release = clop->release ? cuse_release : NULL;
	lop.fsync = clop->fsync ? cuse_fsync : NULL;
	lop.ioctl = clop->ioctl ? cuse_ioctl : NULL;
	lop.poll = clop->poll ? cuse_poll : NULL;

	se = lf_session_new(args, &lop, sizeof(lop), NULL, userdata);
	if (!se) {
		free(cd);
		return NULL;
	}
	se->cuse = cd;
	return se;
}

/* ---- CUSE_INIT ---- */

static void debug_cuse_out(const struct cuse_init_out *o,
			   const struct lf_cuse *cd)
{
	fuse_log(FUSE_LOG_DEBUG, "   CUSE_INIT: %u.%u\n", o->major, o->minor);
	fuse_log(FUSE_LOG_DEBUG, "   flags=0x%08x\n", o->flags);
	fuse_log(FUSE_LOG_DEBUG, "   max_read=0x%08x\n", o->max_read);
	fuse_log(FUSE_LOG_DEBUG, "   max_write=0x%08x\n", o->max_write);
	fuse_log(FUSE_LOG_DEBUG, "   dev_major=%u\n", o->dev_major);
	fuse_log(FUSE_LOG_DEBUG, "   dev_minor=%u\n", o->dev_minor);
	fuse_log(FUSE_LOG_DEBUG, "   dev_info: %.*s\n", (int)cd->info_len,
		 cd->info);
}

/*
 * Writes larger than the receive buffer could not be read, so max_write is
 * capped by it (before and after init(), which may raise it), and the
 * buffer then shrinks to what the kernel may actually send.
 */
static void clamp_max_write(struct fuse_session *se)
{
	size_t room = se->bufsize > LF_HEADER_ROOM ?
		      se->bufsize - LF_HEADER_ROOM : 0;

	if (room < LF_MIN_BUFSIZE - LF_HEADER_ROOM)
		room = LF_MIN_BUFSIZE - LF_HEADER_ROOM;
	if (se->conn.max_write > room)
		se->conn.max_write = (unsigned int)room;
	if (se->conn.max_write < 4096)
		se->conn.max_write = 4096;
}

static void reply_err_early(fuse_req_t req, int err)
{
	struct iovec iov[1];

	lf_reply_iov(req, err, iov, 1);
}

void ll_cuse_init(fuse_req_t req, const struct lf_in *in)
{
	const struct cuse_init_in *arg = in->arg;
	struct fuse_session *se = req->se;
	struct lf_cuse *cd = se->cuse;
	struct cuse_init_out out;
	struct iovec iov[3];
	uint32_t kflags = in->len >= sizeof(*arg) ? arg->flags : 0;

	/* A filesystem session on /dev/fuse never expects this opcode. */
	if (!cd) {
		reply_err_early(req, EIO);
		return;
	}
	if (se->debug) {
		fuse_log(FUSE_LOG_DEBUG, "CUSE_INIT: %u.%u\n", arg->major,
			 arg->minor);
		fuse_log(FUSE_LOG_DEBUG, "flags=0x%08x\n", kflags);
	}
	se->proto_major = (int)arg->major;
	se->proto_minor = (int)arg->minor;
	se->conn.proto_major = arg->major;
	se->conn.proto_minor = arg->minor;
	/* No FUSE_CAP_* applies to a character device. */
	se->conn.capable = 0;
	se->conn.want = 0;
	se->lconn.capable = 0;
	se->lconn.want = 0;

	if (arg->major < 7) {
		fuse_log(FUSE_LOG_ERR, "cuse: unsupported protocol version: %u.%u\n",
			 arg->major, arg->minor);
		reply_err_early(req, EPROTO);
		return;
	}
	clamp_max_write(se);
	atomic_store(&se->got_init, true);
	if (se->op.init)
		se->op.init(se->userdata, &se->conn);
	clamp_max_write(se);
	se->bufsize = LF_MAX((size_t)se->conn.max_write + LF_HEADER_ROOM,
			     (size_t)LF_MIN_BUFSIZE);

	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE_KERNEL_MINOR_VERSION;
	out.flags = cd->flags;
	out.max_read = cd->max_read;
	out.max_write = se->conn.max_write;
	out.dev_major = cd->dev_major;
	out.dev_minor = cd->dev_minor;
	if (se->debug)
		debug_cuse_out(&out, cd);

	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	iov[2].iov_base = cd->info;
	iov[2].iov_len = cd->info_len;
	lf_reply_iov(req, 0, iov, 3);

	/* The kernel creates the device node when it reads the reply. */
	if (cd->clop.init_done)
		cd->clop.init_done(se->userdata);
}

/* ---- setup, teardown, main ---- */

/* Standard streams must not end up on /dev/cuse if 0..2 are closed. */
static void ensure_std_fds(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd > 2)
			close(fd);
	} while (fd >= 0 && fd <= 2);
}

static int open_device(const char *devpath)
{
	int fd = open(devpath, O_RDWR | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	if (err == ENOENT || err == ENODEV)
		fuse_log(FUSE_LOG_ERR,
			 "cuse: device not found, try 'modprobe cuse' first\n");
	else
		fuse_log(FUSE_LOG_ERR, "cuse: failed to open %s: %s\n",
			 devpath, strerror(err));
	return -err;
}

/* The command line's subtype= (added by fuse_parse_cmdline too) names a
 * filesystem type; a device has none, so it is dropped. */
static const struct fuse_opt drop_subtype[] = {
	FUSE_OPT_KEY("subtype=", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

/* Connect se to devpath and put it in the background unless foreground. */
static int attach(struct fuse_session *se, const char *devpath,
		  int foreground)
{
	int fd = open_device(devpath);
	int err;

	if (fd < 0)
		return fd;
	err = lf_session_set_fd(se, fd);
	if (err < 0) {
		close(fd);
		fuse_log(FUSE_LOG_ERR, "cuse: failed to allocate channel\n");
		return err;
	}
	if (fuse_set_signal_handlers(se) == -1)
		return -EIO;
	if (fuse_daemonize(foreground) == -1) {
		fuse_remove_signal_handlers(se);
		return -EIO;
	}
	return 0;
}

int lf_cuse_setup(int argc, char *argv[], const char *devpath,
		  const struct cuse_info *ci,
		  const struct cuse_lowlevel_ops *clop, void *userdata,
		  int *ret_multithreaded, struct fuse_session **ret_se)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se = NULL;
	int err;

	if (fuse_parse_cmdline(&args, &opts) == -1) {
		fuse_opt_free_args(&args);
		return -EINVAL;
	}
	/* A device has no mountpoint; libfuse ignores a stray argument. */
	free(opts.mountpoint);
	if (fuse_opt_parse(&args, NULL, drop_subtype, NULL) == -1) {
		err = -ENOMEM;
		goto out;
	}
	ensure_std_fds();
	se = cuse_lowlevel_new(&args, ci, clop, userdata);
	if (!se) {
		err = -EINVAL;
		goto out;
	}
	err = attach(se, devpath, opts.foreground);
	if (err < 0) {
		fuse_session_destroy(se);
		goto out;
	}
	*ret_multithreaded = !opts.singlethread;
	*ret_se = se;
out:
	fuse_opt_free_args(&args);
	return err;
}

FUSE_EXPORT struct fuse_session *
cuse_lowlevel_setup(int argc, char *argv[], const struct cuse_info *ci,
		    const struct cuse_lowlevel_ops *clop, int *multithreaded,
		    void *userdata)
{
	struct fuse_session *se;
	int mt;

	if (lf_cuse_setup(argc, argv, LF_CUSE_DEVICE, ci, clop, userdata, &mt,
			  &se) < 0)
		return NULL;
	if (multithreaded)
		*multithreaded = mt;
	return se;
}

FUSE_EXPORT void cuse_lowlevel_teardown(struct fuse_session *se)
{
	if (!se)
		return;
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
}

FUSE_EXPORT int cuse_lowlevel_main(int argc, char *argv[],
				   const struct cuse_info *ci,
				   const struct cuse_lowlevel_ops *clop,
				   void *userdata)
{
	struct fuse_session *se;
	int mt, res;

	se = cuse_lowlevel_setup(argc, argv, ci, clop, &mt, userdata);
	if (!se)
		return 1;
	if (mt)
		res = lf_session_loop_mt(se, NULL);
	else
		res = fuse_session_loop(se);
	cuse_lowlevel_teardown(se);
	return res < 0 ? 1 : 0;
}

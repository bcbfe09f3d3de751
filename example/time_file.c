// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * time_file: the "current_time" file of notify_inval_inode and
 * notify_store_retrieve: its text, written by the example's updater thread
 * and read by request threads, the handlers that serve it, and the options
 * both examples take.
 */

#define FUSE_USE_VERSION 318

#include "time_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The kernel has no "forever": a large timeout stands in for it. */
#define TF_NO_TIMEOUT 500000.0
#define TF_FILE_NAME "current_time"

struct llc_notify_opts tf_opts = {
	.no_notify = 0,
	.update_interval = 1,
};

const struct fuse_opt tf_opt_spec[] = {
	LLC_NOTIFY_OPT_SPEC,
	FUSE_OPT_END
};

static pthread_mutex_t tf_lock = PTHREAD_MUTEX_INITIALIZER;
static char tf_text[TF_MAX_LEN];
static size_t tf_len;

static uint64_t tf_nlookup;

size_t tf_update(char text[TF_MAX_LEN])
{
	time_t now = time(NULL);
	struct tm tm;
	size_t len = 0;

	if (localtime_r(&now, &tm))
		len = strftime(text, TF_MAX_LEN,
			       "The current time is %H:%M:%S\n", &tm);
	if (!len)
		len = (size_t)snprintf(text, TF_MAX_LEN,
				       "The current time is unknown\n");
	pthread_mutex_lock(&tf_lock);
	memcpy(tf_text, text, len);
	tf_len = len;
	pthread_mutex_unlock(&tf_lock);
	return len;
}

uint64_t tf_lookups(void)
{
	return llc_count(&tf_nlookup);
}

static int tf_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (ino == TF_FILE_INO) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		pthread_mutex_lock(&tf_lock);
		st->st_size = (off_t)tf_len;
		pthread_mutex_unlock(&tf_lock);
	} else {
		return -ENOENT;
	}
	return 0;
}

void tf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, TF_FILE_NAME) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = TF_FILE_INO;
	e.attr_timeout = TF_NO_TIMEOUT;
	e.entry_timeout = TF_NO_TIMEOUT;
	tf_stat(e.ino, &e.attr);
	llc_reply_entry_counted(req, &e, &tf_nlookup);
}

void tf_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	llc_forget_counted(req, ino, nlookup, TF_FILE_INO, &tf_nlookup);
}

void tf_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (tf_stat(ino, &st) < 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_reply_attr(req, &st, TF_NO_TIMEOUT);
}

void tf_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	(void)fi;
	llc_reply_root_dir(req, ino, size, off, TF_FILE_NAME, TF_FILE_INO,
			   tf_stat);
}

void tf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* Keep pages across opens, so only the example's notifications
	 * change what readers see. */
	fi->keep_cache = 1;
	if (ino == FUSE_ROOT_ID)
		fuse_reply_err(req, EISDIR);
	else if (ino != TF_FILE_INO)
		fuse_reply_err(req, ENOENT);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_open(req, fi);
}

void tf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	char snap[TF_MAX_LEN];
	size_t len;

	(void)fi;
	if (ino != TF_FILE_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	pthread_mutex_lock(&tf_lock);
	len = tf_len;
	memcpy(snap, tf_text, len);
	pthread_mutex_unlock(&tf_lock);
	llc_reply_slice(req, snap, len, size, off);
}

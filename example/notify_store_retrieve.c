// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify_store_retrieve: one file, "current_time", whose content changes
 * every --update-interval seconds. Instead of invalidating the kernel's
 * cache, the updater pushes the new text into it (fuse_lowlevel_notify_store)
 * and asks for it back (fuse_lowlevel_notify_retrieve) to check the round
 * trip in the retrieve_reply handler. --no-notify turns both off.
 */

#define FUSE_USE_VERSION 318

#include "time_file.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Retrieves still unanswered that we can check; older ones are ignored. */
#define TFS_SNAPSHOTS 8

/* What a retrieve was expected to return, found again by its cookie. */
struct tfs_snapshot {
	uint64_t seq;
	size_t len;
	char text[TF_MAX_LEN];
};

enum tfs_retrieve_state {
	TFS_RETRIEVE_NONE,	/* never asked */
	TFS_RETRIEVE_ASKED,	/* asked, no answer yet */
	TFS_RETRIEVE_OK,	/* an answer matched what was stored */
	TFS_RETRIEVE_BAD,	/* an answer did not match */
};

static pthread_mutex_t tfs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tfs_snapshot tfs_snaps[TFS_SNAPSHOTS];
static uint64_t tfs_seq;
static enum tfs_retrieve_state tfs_retrieve;

/* Checks the kernel's copy of the page against what was stored. */
static void tfs_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino,
			       off_t offset, struct fuse_bufvec *data)
{
	uint64_t seq = (uint64_t)(uintptr_t)cookie;
	struct tfs_snapshot *snap = &tfs_snaps[seq % TFS_SNAPSHOTS];
	char got[TF_MAX_LEN];
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof(got));
	bool bad;
	ssize_t n;

	dst.buf[0].mem = got;
	n = fuse_buf_copy(&dst, data, 0);

	pthread_mutex_lock(&tfs_lock);
	if (ino != TF_FILE_INO || offset != 0 || n < 0) {
		tfs_retrieve = TFS_RETRIEVE_BAD;
	} else if (snap->seq == seq) {
		/* The kernel returns what it has cached, possibly less. */
		size_t cmp = (size_t)n < snap->len ? (size_t)n : snap->len;

		if (memcmp(got, snap->text, cmp) == 0) {
			if (tfs_retrieve == TFS_RETRIEVE_ASKED)
				tfs_retrieve = TFS_RETRIEVE_OK;
		} else {
			tfs_retrieve = TFS_RETRIEVE_BAD;
		}
	}
	bad = tfs_retrieve == TFS_RETRIEVE_BAD;
	pthread_mutex_unlock(&tfs_lock);
	if (bad)
		fprintf(stderr, "notify_store_retrieve: retrieved data differs from stored data\n");
	fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops tfs_ops = {
	.lookup = tf_lookup,
	.forget = tf_forget,
	.getattr = tf_getattr,
	.readdir = tf_readdir,
	.open = tf_open,
	.read = tf_read,
	.retrieve_reply = tfs_retrieve_reply,
};

/* Files a snapshot of @text; returns its number, the retrieve's cookie. */
static uint64_t tfs_snapshot(const char *text, size_t len)
{
	struct tfs_snapshot *snap;
	uint64_t seq;

	pthread_mutex_lock(&tfs_lock);
	seq = ++tfs_seq;
	snap = &tfs_snaps[seq % TFS_SNAPSHOTS];
	snap->seq = seq;
	snap->len = len;
	memcpy(snap->text, text, len);
	pthread_mutex_unlock(&tfs_lock);
	return seq;
}

/* Stores the text into the kernel's cache and asks for it back. */
static int tfs_push(struct fuse_session *se, char *text, size_t len,
		    uint64_t seq)
{
	struct fuse_bufvec bufv = FUSE_BUFVEC_INIT(len);
	int err;

	bufv.buf[0].mem = text;
	err = fuse_lowlevel_notify_store(se, TF_FILE_INO, 0, &bufv, 0);
	if (err)
		return err;
	pthread_mutex_lock(&tfs_lock);
	if (tfs_retrieve == TFS_RETRIEVE_NONE)
		tfs_retrieve = TFS_RETRIEVE_ASKED;
	pthread_mutex_unlock(&tfs_lock);
	return fuse_lowlevel_notify_retrieve(se, TF_FILE_INO, TF_MAX_LEN, 0,
					     (void *)(uintptr_t)seq);
}

/* The updater's step: new text, stored into the kernel and asked back. */
static int tfs_tick(struct fuse_session *se)
{
	char text[TF_MAX_LEN];
	size_t len = tf_update(text);
	uint64_t seq = tfs_snapshot(text, len);
	int err;

	if (!se || tf_opts.no_notify || !tf_lookups())
		return 0;
	err = tfs_push(se, text, len, seq);
	/* ENOENT: the kernel dropped the inode meanwhile. */
	if (err && err != -ENOENT && err != -ENODEV)
		fprintf(stderr, "notify_store_retrieve: store/retrieve failed: %s\n",
			strerror(-err));
	return err;
}

/* A store that was asked back but never answered means a lost round trip. */
static int tfs_check_retrieve(void)
{
	enum tfs_retrieve_state st;

	pthread_mutex_lock(&tfs_lock);
	st = tfs_retrieve;
	pthread_mutex_unlock(&tfs_lock);
	if (st == TFS_RETRIEVE_ASKED)
		fprintf(stderr, "notify_store_retrieve: stored data was never retrieved\n");
	return st == TFS_RETRIEVE_ASKED || st == TFS_RETRIEVE_BAD ? -EIO : 0;
}

static const struct llc_example tfs_example = {
	.name = "notify_store_retrieve",
	.ops = &tfs_ops,
	.ops_size = sizeof(tfs_ops),
	.opt_spec = tf_opt_spec,
	.opt_data = &tf_opts,
	.opt_help = LLC_NOTIFY_OPT_HELP,
	.tick = tfs_tick,
	.update_interval = &tf_opts.update_interval,
	.finish = tfs_check_retrieve,
};

int main(int argc, char *argv[])
{
	return llc_main(argc, argv, &tfs_example);
}

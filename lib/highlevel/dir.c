// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Directory handles of the path API: opendir/releasedir/fsyncdir and the
 * two readdir modes (the filesystem's own offsets, or one listing cached
 * per handle and paged by index), readdirplus lookups and readdir_ino.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hl.h"

/* ---- directories ------------------------------------------------------------------ */

/*
 * One opendir. Filesystems that pass offsets to the filler answer each
 * READDIR straight into contents; the others list the whole directory
 * once (at offset 0) into a packed array that later READDIRs page
 * through by index.
 */
struct lf_dh {
	pthread_mutex_t lock;
	struct fuse *fuse;
	fuse_req_t req;
	uint64_t fh;
	fuse_ino_t nodeid;
	int error;
	bool filled;		/* the list below holds the directory */
	char *contents;		/* reply being built */
	size_t len, size, needlen;
	char *ents;		/* packed struct lf_dent records */
	size_t ents_len, ents_size;
	size_t *offs;		/* index -> record offset */
	size_t nents, offs_cap;
};

struct lf_dent {
	uint64_t ino;
	uint32_t mode;
	uint16_t namelen;
	uint8_t has_stat;	/* a struct stat follows (FILL_DIR_PLUS) */
	uint8_t pad;
};

static size_t dent_size(size_t namelen, bool has_stat)
{
	size_t n = sizeof(struct lf_dent) + (has_stat ? sizeof(struct stat) :
				    0) + namelen + 1;

	return (n + 7) & ~(size_t)7;
}

static int grow(char **buf, size_t *size, size_t need)
{
	size_t n = *size ? *size : 1024;
	char *p;

	if (need <= *size)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*size = n;
	return 0;
}

/* ino: what a plain READDIR shows; st: attributes kept for READDIRPLUS. */
static int dh_add(struct lf_dh *dh, const char *name, uint64_t ino,
		  mode_t mode, const struct stat *st)
{
	bool keep_stat = st != NULL;
	size_t namelen = strlen(name);
	size_t rec = dent_size(namelen, keep_stat);
	struct lf_dent *d;
	char *p;

	if (namelen > UINT16_MAX)
		return -ENAMETOOLONG;
	if (grow(&dh->ents, &dh->ents_size, dh->ents_len + rec))
		return -ENOMEM;
	if (dh->nents == dh->offs_cap) {
		size_t cap = dh->offs_cap ? dh->offs_cap * 2 : 64;
		size_t *o = realloc(dh->offs, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		dh->offs = o;
		dh->offs_cap = cap;
	}
	p = dh->ents + dh->ents_len;
	d = (struct lf_dent *)p;
	memset(d, 0, sizeof(*d));
	d->ino = ino;
	d->mode = mode;
	d->namelen = (uint16_t)namelen;
	d->has_stat = keep_stat;
	p += sizeof(*d);
	if (keep_stat) {
		memcpy(p, st, sizeof(*st));
		p += sizeof(*st);
	}
	memcpy(p, name, namelen + 1);
	dh->offs[dh->nents++] = dh->ents_len;
	dh->ents_len += rec;
	return 0;
}

fuse_ino_t lf_hl_lookup_nodeid(struct fuse *f, fuse_ino_t dir,
				const char *name)
{
	struct lf_node *d, *n = NULL;

	pthread_mutex_lock(&f->lock);
	d = lf_node_get(&f->nodes, dir);
	if (d)
		n = lf_node_lookup(&f->nodes, d, name);
	pthread_mutex_unlock(&f->lock);
	return n ? n->nodeid : LF_UNKNOWN_INO;
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' &&
	       (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Offset mode: append to the reply; 1 when it is full. */
static int fill_offset(struct lf_dh *dh, const char *name,
		       const struct stat *st, const struct fuse_entry_param *e,
		       off_t off)
{
	size_t n;

	if (dh->filled || dh->nents) {
		dh->error = -EIO;
		return 1;
	}
	if (grow(&dh->contents, &dh->size, dh->needlen)) {
		dh->error = -ENOMEM;
		return 1;
	}
	if (e)
		n = fuse_add_direntry_plus(dh->req, dh->contents + dh->len,
					   dh->needlen - dh->len, name, e,
					   off);
	else
		n = fuse_add_direntry(dh->req, dh->contents + dh->len,
				      dh->needlen - dh->len, name, st, off);
	if (dh->len + n > dh->needlen)
		return 1;
	dh->len += n;
	return 0;
}

static bool bad_fill_flags(struct lf_dh *dh, enum fuse_fill_dir_flags flags)
{
#if LF_ABI_314
	(void)dh;
	(void)flags;
	return false;
#else
	if (!(flags & ~FUSE_FILL_DIR_PLUS))
		return false;
	dh->error = -EIO;
	return true;
#endif
}

static int fill_dir(void *buf, const char *name, const struct stat *statp,
		    off_t off, enum fuse_fill_dir_flags flags)
{
	struct lf_dh *dh = buf;
	struct fuse *f = dh->fuse;
	struct stat st;

	if (bad_fill_flags(dh, flags))
		return 1;
	if (statp) {
		st = *statp;
	} else {
		memset(&st, 0, sizeof(st));
		st.st_ino = LF_UNKNOWN_INO;
	}
	if (!f->conf.use_ino) {
		st.st_ino = LF_UNKNOWN_INO;
		if (f->conf.readdir_ino)
			st.st_ino = lf_hl_lookup_nodeid(f, dh->nodeid, name);
	}
	if (off)
		return fill_offset(dh, name, &st, NULL, off);
	dh->filled = true;
	dh->error = dh_add(dh, name, st.st_ino, st.st_mode, NULL);
	return dh->error ? 1 : 0;
}

/* d_ino of a plain READDIR entry, by libfuse's rules. */
static uint64_t dirent_ino(struct lf_dh *dh, const char *name,
			   const struct stat *statp)
{
	struct fuse *f = dh->fuse;

	if (f->conf.use_ino)
		return statp ? statp->st_ino : LF_UNKNOWN_INO;
	if (f->conf.readdir_ino)
		return lf_hl_lookup_nodeid(f, dh->nodeid, name);
	return LF_UNKNOWN_INO;
}

static int fill_dir_plus(void *buf, const char *name,
			 const struct stat *statp, off_t off,
			 enum fuse_fill_dir_flags flags)
{
	struct lf_dh *dh = buf;
	struct fuse *f = dh->fuse;
	struct fuse_entry_param e;
	int res;

	if (bad_fill_flags(dh, flags))
		return 1;
	memset(&e, 0, sizeof(e));
	if (statp && (flags & FUSE_FILL_DIR_PLUS)) {
		e.attr = *statp;
		/* full mode keeps the attributes and looks up when sent */
		if (!off) {
			dh->filled = true;
			dh->error = dh_add(dh, name,
					   dirent_ino(dh, name, statp),
					   statp->st_mode, statp);
			return dh->error ? 1 : 0;
		}
		if (!is_dot_or_dotdot(name)) {
			res = lf_hl_do_lookup(f, dh->nodeid, name, &e);
			if (res) {
				dh->error = res;
				return 1;
			}
		}
	} else {
		e.attr.st_ino = LF_UNKNOWN_INO;
		if (statp) {
			e.attr.st_mode = statp->st_mode;
			if (f->conf.use_ino)
				e.attr.st_ino = statp->st_ino;
		}
		if (!f->conf.use_ino && f->conf.readdir_ino)
			e.attr.st_ino = lf_hl_lookup_nodeid(f, dh->nodeid, name);
	}
	if (off) {
		res = fill_offset(dh, name, NULL, &e, off);
		/* the kernel never saw this entry: take the lookup back */
		if (res && e.ino)
			lf_hl_forget_node(f, e.ino, 1);
		return res;
	}
	dh->filled = true;
	dh->error = dh_add(dh, name, e.attr.st_ino, e.attr.st_mode, NULL);
	return dh->error ? 1 : 0;
}

static void dh_reset(struct lf_dh *dh)
{
	dh->ents_len = 0;
	dh->nents = 0;
	dh->len = 0;
	dh->error = 0;
	dh->filled = false;
}

static int readdir_fill(struct fuse *f, fuse_req_t req, fuse_ino_t ino,
			size_t size, off_t off, struct lf_dh *dh,
			struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct lf_path p;
	struct lf_intr in;
	int err;

	err = lf_hl_get_path_nullok(f, &p, ino);
	if (err)
		return err;
	dh_reset(dh);
	dh->needlen = size;
	dh->req = req;
	lf_hl_intr_begin(f, req, &in);
	err = fuse_fs_readdir(f->fs, p.path, dh,
			      (flags & FUSE_READDIR_PLUS) ? fill_dir_plus :
							    fill_dir,
			      off, fi, flags);
	lf_hl_intr_end(f, req, &in);
	dh->req = NULL;
	if (!err)
		err = dh->error;
	if (err)
		dh->filled = false;
	lf_hl_put_path(f, &p);
	return err;
}

/* Full mode: entries from index off on, as many as fit. */
static int readdir_from_list(struct fuse *f, fuse_req_t req, struct lf_dh *dh,
			     off_t off, enum fuse_readdir_flags flags)
{
	size_t i;

	dh->len = 0;
	if (grow(&dh->contents, &dh->size, dh->needlen))
		return -ENOMEM;
	for (i = off < 0 ? 0 : (size_t)off; i < dh->nents; i++) {
		struct lf_dent *d = (struct lf_dent *)(dh->ents + dh->offs[i]);
		struct stat *stp = (struct stat *)(d + 1);
		const char *name = (char *)(d + 1) +
				   (d->has_stat ? sizeof(struct stat) : 0);
		char *p = dh->contents + dh->len;
		size_t rem = dh->needlen - dh->len, n;
		struct stat st;

		if (flags & FUSE_READDIR_PLUS) {
			struct fuse_entry_param e;

			memset(&e, 0, sizeof(e));
			if (d->has_stat) {
				e.attr = *stp;
				if (!is_dot_or_dotdot(name) &&
				    lf_hl_do_lookup(f, dh->nodeid, name, &e))
					e.ino = 0;
			} else {
				e.attr.st_ino = d->ino;
				e.attr.st_mode = d->mode;
			}
			n = fuse_add_direntry_plus(req, p, rem, name, &e,
						   (off_t)i + 1);
			if (dh->len + n > dh->needlen) {
				if (e.ino)
					lf_hl_forget_node(f, e.ino, 1);
				break;
			}
		} else {
			memset(&st, 0, sizeof(st));
			st.st_ino = d->ino;
			st.st_mode = d->mode;
			n = fuse_add_direntry(req, p, rem, name, &st,
					      (off_t)i + 1);
			if (dh->len + n > dh->needlen)
				break;
		}
		dh->len += n;
	}
	return 0;
}

/* The directory handle behind llfi, and the filesystem's fh in fi. */
struct lf_dh *lf_hl_dir_fi(const struct fuse_file_info *llfi,
			   struct fuse_file_info *fi)
{
	struct lf_dh *dh = (struct lf_dh *)(uintptr_t)llfi->fh;

	memset(fi, 0, sizeof(*fi));
	fi->fh = dh->fh;
	return dh;
}

static void dh_free(struct lf_dh *dh)
{
	pthread_mutex_destroy(&dh->lock);
	free(dh->contents);
	free(dh->ents);
	free(dh->offs);
	free(dh);
}

void lf_hl_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *llfi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_file_info fi;
	struct lf_dh *dh;
	struct lf_path p;
	struct lf_intr in;
	int err;

	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		lf_hl_reply_err(req, -ENOMEM);
		return;
	}
	dh->fuse = f;
	dh->nodeid = ino;
	pthread_mutex_init(&dh->lock, NULL);
	llfi->fh = (uintptr_t)dh;
	memset(&fi, 0, sizeof(fi));
	fi.flags = llfi->flags;
	err = lf_hl_get_path(f, &p, ino);
	if (err) {
		lf_hl_reply_err(req, err);
		dh_free(dh);
		return;
	}
	lf_hl_intr_begin(f, req, &in);
	err = fuse_fs_opendir(f->fs, p.path, &fi);
	lf_hl_intr_end(f, req, &in);
	dh->fh = fi.fh;
	if (!err) {
		llfi->keep_cache = fi.keep_cache;
		llfi->cache_readdir = fi.cache_readdir;
		if (fuse_reply_open(req, llfi) == -ENOENT) {
			fuse_fs_releasedir(f->fs, p.path, &fi);
			dh_free(dh);
		}
	} else {
		lf_hl_reply_err(req, err);
		dh_free(dh);
	}
	lf_hl_put_path(f, &p);
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *llfi,
			   enum fuse_readdir_flags flags)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_file_info fi;
	struct lf_dh *dh = lf_hl_dir_fi(llfi, &fi);
	int err = 0;

	pthread_mutex_lock(&dh->lock);
	/* rewinddir() must show a fresh directory (SUS) */
	if (!off)
		dh->filled = false;
	if (!dh->filled)
		err = readdir_fill(f, req, ino, size, off, dh, &fi, flags);
	if (!err && dh->filled) {
		dh->needlen = size;
		err = readdir_from_list(f, req, dh, off, flags);
	}
	if (err)
		lf_hl_reply_err(req, err);
	else
		fuse_reply_buf(req, dh->contents, dh->len);
	pthread_mutex_unlock(&dh->lock);
}

void lf_hl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *llfi)
{
	readdir_common(req, ino, size, off, llfi, 0);
}

void lf_hl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *llfi)
{
	readdir_common(req, ino, size, off, llfi, FUSE_READDIR_PLUS);
}

void lf_hl_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *llfi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_file_info fi;
	struct lf_dh *dh = lf_hl_dir_fi(llfi, &fi);
	struct lf_path p;
	struct lf_intr in;

	lf_hl_get_path_nullok(f, &p, ino);
	lf_hl_intr_begin(f, req, &in);
	fuse_fs_releasedir(f->fs, p.path, &fi);
	lf_hl_intr_end(f, req, &in);
	lf_hl_put_path(f, &p);
	/* a READDIR still inside the handle finishes first */
	pthread_mutex_lock(&dh->lock);
	pthread_mutex_unlock(&dh->lock);
	dh_free(dh);
	lf_hl_reply_err(req, 0);
}

void lf_hl_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *llfi)
{
	struct fuse *f = lf_hl_prepare(req);
	struct fuse_file_info fi;
	struct lf_path p;
	int err;

	lf_hl_dir_fi(llfi, &fi);
	err = lf_hl_get_path_nullok(f, &p, ino);
	if (!err)
		LF_HL_WITH_PATH(f, req, &p, err,
				fuse_fs_fsyncdir(f->fs, p.path, datasync, &fi));
	lf_hl_reply_err(req, err);
}


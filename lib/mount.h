// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mount ladder: mount options taken out of the session's arguments,
 * then "/dev/fd/N", a direct mount(2), or the setuid fusermount3 helper,
 * and the matching unmount. Nothing outside lib/mount.c touches the
 * option set's insides; session.c holds it as an opaque pointer.
 */
#ifndef LF_MOUNT_H
#define LF_MOUNT_H

#include <stdbool.h>

#include "fuse_opt.h"

struct lf_mount_opts;

/*
 * Take every mount option libfuse's fuse_session_new() knows out of 'args'
 * ("-o name[=value]" entries plus the bare "-r" and "-n") and store them in
 * a new option set. Anything else stays in 'args'. Returns 0, -EINVAL on a
 * malformed value (after fuse_opt has logged it) or -ENOMEM; *ret_mo is
 * written only on success. A NULL 'args' gives the defaults.
 *
 * "allow_root" is not a mount option: the session turns it into its
 * deny_others check plus "-o allow_other" before calling this.
 */
int lf_mount_opts_parse(struct fuse_args *args, struct lf_mount_opts **ret_mo);
void lf_mount_opts_free(struct lf_mount_opts *mo);

/*
 * Mount 'mountpoint' and return the /dev/fuse fd (O_CLOEXEC) or -errno,
 * after logging one line saying why (fusermount3 reports its own failures
 * on stderr, as with libfuse). Also makes sure fds 0-2 are open first, as
 * fuse_session_mount() does.
 *
 * "/dev/fd/N": N is an already mounted /dev/fuse fd; it is checked and
 * returned and nothing is mounted (lf_unmount is then a no-op). Otherwise:
 * a direct mount(2) (root or CAP_SYS_ADMIN); on EPERM, fusermount3 with the
 * _FUSE_COMMFD socket. auto_unmount always goes through fusermount3, whose
 * socket stays open until lf_unmount() or process exit.
 *
 * The environment variable LF_MOUNT_FORCE_FUSERMOUNT=1 skips the direct
 * mount (tests use it to drive the fusermount3 rung as root).
 */
int lf_mount(const char *mountpoint, struct lf_mount_opts *mo);

/*
 * Undo what lf_mount() did on 'mountpoint' (a no-op for "/dev/fd/N").
 * 'fd' is the fuse fd or -1. As libfuse's unmount closes the device
 * first, the device behind 'fd' is released here (the fd number is
 * re-pointed at /dev/null, so the caller still closes it afterwards and
 * must not read from it any more): with the device open, a fuseblk umount
 * waits for a DESTROY reply and the auto_unmount helper blocks on the
 * mountpoint. Then umount2(MNT_DETACH), or "fusermount3 -u -q -z --
 * mountpoint" when not privileged; an auto_unmount helper's socket is
 * closed (it unmounts and exits) and the helper reaped. Silent when there
 * is nothing left to unmount (POLLERR on 'fd', EINVAL from umount2).
 */
void lf_unmount(const char *mountpoint, int fd, struct lf_mount_opts *mo);

/* The mount-option lines of fuse_lowlevel_help(), on stdout. */
void lf_mount_help(void);

bool lf_mount_opts_allow_other(const struct lf_mount_opts *mo);
bool lf_mount_opts_auto_unmount(const struct lf_mount_opts *mo);
bool lf_mount_opts_blkdev(const struct lf_mount_opts *mo);
/* Value of "-o max_read=N", 0 if not given. */
unsigned lf_mount_opts_max_read(const struct lf_mount_opts *mo);
/* "-o fsname=" / "-o subtype=" values, NULL if not given. */
const char *lf_mount_opts_fsname(const struct lf_mount_opts *mo);
const char *lf_mount_opts_subtype(const struct lf_mount_opts *mo);

/* ---- for tests and diagnostics ---- */

/* MS_* flags for mount(2) (default MS_NOSUID | MS_NODEV). */
unsigned long lf_mount_opts_flags(const struct lf_mount_opts *mo);
/* Comma lists as collected, or NULL when empty: options for the kernel's
 * data string, fusermount3-only options (escaped), mtab-only options and
 * the "subtype=" entry. */
const char *lf_mount_opts_kernel(const struct lf_mount_opts *mo);
const char *lf_mount_opts_fusermount(const struct lf_mount_opts *mo);
const char *lf_mount_opts_mtab(const struct lf_mount_opts *mo);
const char *lf_mount_opts_subtype_opt(const struct lf_mount_opts *mo);

/* The "-o" string handed to fusermount3 (with or without the subtype
 * entry), malloc'd into *ret. Returns 0 or -ENOMEM. */
int lf_mount_helper_opts(const struct lf_mount_opts *mo, bool with_subtype,
			 char **ret);
/* mount(2)'s filesystem type ("fuse", "fuse.<subtype>", "fuseblk...") and
 * source (fsname, else subtype, else "/dev/fuse"), both malloc'd. */
int lf_mount_fstype(const struct lf_mount_opts *mo, char **ret_type,
		    char **ret_source);
/* N for "/dev/fd/N" (digits only, fits an int), else -1. */
int lf_mount_parse_fd(const char *mountpoint);
/* Run this program instead of searching for fusermount3 (NULL: search
 * again). Not thread-safe; for tests only. */
void lf_mount_set_fusermount(const char *path);

#endif /* LF_MOUNT_H */

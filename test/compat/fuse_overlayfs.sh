#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's unmodified fuse-overlayfs run on our libfuse3.so.3 (3.14 ABI):
# proves through /proc/PID/maps that our copy is loaded, drives a copy-up /
# whiteout / link / xattr workload and checks the upper dir after unmount.
#
# usage: fuse_overlayfs.sh BUILDDIR   exit: 0 pass, 1 fail, 77 skip

set -euo pipefail
# shellcheck source=test/compat/lib.sh
. "$(dirname "$0")/lib.sh"

compat_init "$@"
compat_require_cmd fuse-overlayfs setfattr getfattr sha256sum
[ -e "$SO3" ] || fail "$SO3 was not built"

t()
{
	timeout 20 "$@"
}

lower=$TMP/lower upper=$TMP/upper work=$TMP/work mnt=$TMP/mnt
mkdir -p "$lower/d/sub" "$upper" "$work" "$mnt"
printf 'lower a\n' >"$lower/a.txt"
printf 'to be removed\n' >"$lower/b.txt"
printf 'rename me\n' >"$lower/ren.txt"
printf 'linked\n' >"$lower/hl.txt"
printf 'mode\n' >"$lower/chm.txt"
printf 'lower truncate\n' >"$lower/tr.txt"
printf 'xattrs\n' >"$lower/xa.txt"
printf 'in d\n' >"$lower/d/x.txt"
printf 'deep\n' >"$lower/d/sub/y.txt"
head -c $((2 * 1024 * 1024 + 17)) /dev/urandom >"$lower/big.bin"
: >"$lower/empty"
lower_sums=$(cd "$lower" && find . -type f -print0 | sort -z |
	xargs -0 sha256sum)

mount_overlay()
{
	compat_start "overlayfs$1" "${COMPAT_ENV3[@]}" \
		fuse-overlayfs -f \
		-o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$mnt"
	compat_wait_mounted "$mnt" "$DAEMON_PID"
	compat_check_maps "$DAEMON_PID" "$SO3"
}

mount_overlay 1
pid=$DAEMON_PID

info "read lower files through the mount"
got=$(cd "$mnt" && t find . -type f -print0 | sort -z | t xargs -0 sha256sum)
expect_eq "sha256 of lower tree via mount" "$got" "$lower_sums"
[ ! -s "$mnt/empty" ] || fail "empty file is not empty"

info "copy-up by appending to a lower file"
printf 'appended\n' | t tee -a "$mnt/a.txt" >/dev/null
expect_file_content "$mnt/a.txt" $'lower a\nappended'

info "create, mkdir"
printf 'new file\n' | t tee "$mnt/new.txt" >/dev/null
t mkdir "$mnt/newdir" "$mnt/d/newsub"
printf 'nested\n' | t tee "$mnt/newdir/f.txt" >/dev/null
expect_file_content "$mnt/newdir/f.txt" nested

info "rename a lower file, unlink a lower file, remove a lower dir"
t mv "$mnt/ren.txt" "$mnt/renamed.txt"
t rm "$mnt/b.txt"
t rm -r "$mnt/d/sub"
[ ! -e "$mnt/ren.txt" ] || fail "ren.txt still visible after rename"
[ ! -e "$mnt/b.txt" ] || fail "b.txt still visible after unlink"
[ ! -e "$mnt/d/sub" ] || fail "d/sub still visible after rm -r"
expect_file_content "$mnt/renamed.txt" "rename me"

info "hard link and symlink"
t ln "$mnt/hl.txt" "$mnt/hl2.txt"
expect_eq "link count of hl.txt" "$(t stat -c %h "$mnt/hl.txt")" 2
expect_eq "inode of hl2.txt" "$(t stat -c %i "$mnt/hl2.txt")" \
	"$(t stat -c %i "$mnt/hl.txt")"
t ln -s a.txt "$mnt/sym"
expect_eq "readlink sym" "$(t readlink "$mnt/sym")" a.txt
expect_file_content "$mnt/sym" $'lower a\nappended'

info "user.* xattrs: set, get, list, remove"
t setfattr -n user.compat -v value1 "$mnt/xa.txt"
t setfattr -n user.other -v value2 "$mnt/xa.txt"
expect_eq "getfattr user.compat" \
	"$(t getfattr --absolute-names --only-values -n user.compat "$mnt/xa.txt")" value1
t getfattr --absolute-names -d "$mnt/xa.txt" | grep -q '^user.other="value2"$' ||
	fail "listxattr lacks user.other"
t setfattr -x user.other "$mnt/xa.txt"
if t getfattr --absolute-names -n user.other "$mnt/xa.txt" >/dev/null 2>&1; then
	fail "user.other still present after removexattr"
fi

info "chmod and truncate (shrink and sparse extend)"
t chmod 0640 "$mnt/chm.txt"
expect_eq "mode of chm.txt" "$(t stat -c %a "$mnt/chm.txt")" 640
t truncate -s 5 "$mnt/tr.txt"
expect_file_content "$mnt/tr.txt" lower
t truncate -s 100000 "$mnt/big.bin"
expect_eq "size of big.bin" "$(t stat -c %s "$mnt/big.bin")" 100000

info "readdir of the merged root"
expect_eq "ls of merged root" "$(t ls -1 "$mnt" | tr '\n' ' ')" \
	"a.txt big.bin chm.txt d empty hl.txt hl2.txt new.txt newdir renamed.txt sym tr.txt xa.txt "

compat_unmount_wait "$mnt" "$pid"

info "upper dir after unmount"
expect_file_content "$upper/a.txt" $'lower a\nappended'
expect_file_content "$lower/a.txt" "lower a"
expect_file_content "$upper/new.txt" "new file"
expect_file_content "$upper/newdir/f.txt" nested
[ -d "$upper/d/newsub" ] || fail "upper/d/newsub missing"
expect_file_content "$upper/renamed.txt" "rename me"
# A whiteout is a 0:0 char device as root, a .wh. file otherwise.
is_whiteout()
{
	local dir=$1 name=$2

	if [ -c "$dir/$name" ]; then
		[ "$(stat -c %t:%T "$dir/$name")" = 0:0 ]
	else
		[ -e "$dir/.wh.$name" ]
	fi
}
is_whiteout "$upper" b.txt || fail "no whiteout for b.txt in upper"
is_whiteout "$upper" ren.txt || fail "no whiteout for ren.txt in upper"
is_whiteout "$upper/d" sub || fail "no whiteout for d/sub in upper"
[ -e "$lower/b.txt" ] || fail "lower b.txt was removed"
expect_eq "upper hard link inode" "$(stat -c %i "$upper/hl2.txt")" \
	"$(stat -c %i "$upper/hl.txt")"
expect_eq "upper symlink" "$(readlink "$upper/sym")" a.txt
expect_eq "upper xattr" \
	"$(getfattr --absolute-names --only-values -n user.compat "$upper/xa.txt")" value1
expect_eq "upper mode of chm.txt" "$(stat -c %a "$upper/chm.txt")" 640
expect_file_content "$upper/tr.txt" lower
expect_eq "upper size of big.bin" "$(stat -c %s "$upper/big.bin")" 100000
cmp -n 100000 "$upper/big.bin" "$lower/big.bin" ||
	fail "upper big.bin differs from the lower prefix"

info "remount: the merged view persists"
mount_overlay 2
expect_file_content "$mnt/a.txt" $'lower a\nappended'
[ ! -e "$mnt/b.txt" ] || fail "b.txt visible again after remount"
expect_eq "ls of merged root after remount" \
	"$(t ls -1 "$mnt" | tr '\n' ' ')" \
	"a.txt big.bin chm.txt d empty hl.txt hl2.txt new.txt newdir renamed.txt sym tr.txt xa.txt "
compat_unmount_wait "$mnt" "$DAEMON_PID"

echo "PASS: fuse-overlayfs on $(readlink -f "$SO3")"

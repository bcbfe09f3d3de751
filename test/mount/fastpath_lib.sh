# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the fastpath mount tests (sourced): the root/fuse/tracefs
# checks, a scratch dir with src/ and mnt/ cleaned up at exit, and
# mount_fs. Sets work, src, mnt, fspid, fail.
# usage: . fastpath_lib.sh; fp_setup <name> "<why root is needed>"

fp_setup() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root ($2)"; exit 77; }
	[ -c /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
	T=/sys/kernel/tracing
	[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
	[ -d $T/events/fuse ] || { echo "SKIP: no fuse tracepoints in $T"; exit 77; }

	work=$(mktemp -d "/tmp/fp-$1.XXXXXX")
	src=$work/src mnt=$work/mnt
	mkdir -p "$src" "$mnt"
	fspid=
	fail=0
	trap fp_cleanup EXIT
}

fp_cleanup() {
	umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	[ -n "$fspid" ] && wait "$fspid" 2>/dev/null
	rm -rf "$work"
}

# mount_fs <binary> <options...>: foreground daemon, waits for the mount
mount_fs() {
	local bin=$1 i
	shift
	"$bin" -f "$@" "$mnt" </dev/null 2>"$work/fs.err" &
	fspid=$!
	for i in $(seq 100); do
		mountpoint -q "$mnt" && return 0
		kill -0 "$fspid" 2>/dev/null || break
		sleep 0.05
	done
	echo "FAIL: $bin $* did not mount"; cat "$work/fs.err"
	fail=1
	return 1
}

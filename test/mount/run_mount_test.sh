#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317  # functions run from traps look unreachable
# run_mount_test.sh: mounts one filesystem binary on a fresh temporary
# directory, drives it in one mode, unmounts, and checks how the daemon ended
# (exit status, timing, stderr). Never leaves a mount behind.
#
# usage: run_mount_test.sh [--battery PATH] [--battery-arg ARG]...
#                          <fs-binary> <mode> [fs args...]
# modes:
#   hello          read-only hello tree: battery --readonly-hello
#   passthrough    passthrough_ll: -o source=<tmp>, full battery, then the
#                  mount and the source directory must hold the same tree;
#                  -s / clone_fd must show in the daemon's threads and fds
#   signal-TERM, signal-INT, signal-HUP
#                  mount, send the signal: exit within 2 s, mount gone
#   abort          abort through /sys/fs/fuse/connections/N/abort: the
#                  daemon must exit, umount -l must clean up
#   debug          passthrough with -d: libfuse's debug line formats
# Every mode checks that the daemon maps our libfuse3, not the system's.
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).

set -u

BATTERY=
BATTERY_ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--battery) BATTERY=$2; shift 2 ;;
	--battery-arg) BATTERY_ARGS+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
if [ $# -lt 2 ]; then
	echo "usage: $0 [--battery PATH] [--battery-arg ARG]... <fs-binary> <mode> [fs args...]" >&2
	exit 2
fi
FS=$1
MODE=$2
shift 2
FS_ARGS=("$@")

MOUNT_TIMEOUT=10	# seconds for the mount to appear
EXIT_TIMEOUT=5		# seconds for the daemon to exit after unmount
SIGNAL_TIMEOUT=2	# seconds for the daemon to exit after a signal
BATTERY_TIMEOUT=${BATTERY_TIMEOUT:-45}

TMP=
MNT=
SRC=
PID=
FAILED=0

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILED=1; }
note() { echo "# $*"; }

# ------------------------------------------------------------------
# Preconditions: anything missing here is a skip, never a failure.

[ "$(id -u)" = 0 ] || skip "mount tests need root (uid $(id -u))"
[ -c /dev/fuse ] || skip "/dev/fuse does not exist"
( exec 3<>/dev/fuse ) 2>/dev/null || skip "/dev/fuse cannot be opened"
[ -x "$FS" ] || skip "filesystem binary $FS is not built"
case "$MODE" in
hello|passthrough|debug|abort|signal-TERM|signal-INT|signal-HUP) ;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
if [ "$MODE" = hello ] || [ "$MODE" = passthrough ]; then
	if [ -z "$BATTERY" ] || [ ! -x "$BATTERY" ]; then
		skip "battery binary '$BATTERY' not built"
	fi
fi
if [ "$MODE" = abort ]; then
	grep -qw fusectl /proc/filesystems || skip "no fusectl filesystem in this kernel"
	if [ ! -d /sys/fs/fuse/connections ] || ! mountpoint -q /sys/fs/fuse/connections; then
		mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null ||
			skip "cannot mount fusectl on /sys/fs/fuse/connections"
	fi
fi

# ------------------------------------------------------------------
# Mount bookkeeping

# Prints "major:minor fstype" of the mount on $MNT, nothing if none.
mount_entry() {
	awk -v m="$MNT" '{
		for (i = 7; $i != "-"; i++) ;
		if ($5 == m) { print $3, $(i + 1); exit }
	}' /proc/self/mountinfo
}

is_mounted() { [ -n "$MNT" ] && [ -n "$(mount_entry)" ]; }

daemon_alive() { [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; }

show_stderr() {
	if [ -s "$TMP/stderr" ]; then
		echo "--- daemon stderr (last 40 lines) ---"
		tail -n 40 "$TMP/stderr"
		echo "---"
	fi
}

abort_conn() {
	local dev
	dev=$(mount_entry | awk '{ split($1, a, ":"); print a[2] }')
	[ -n "$dev" ] && [ -w "/sys/fs/fuse/connections/$dev/abort" ] &&
		echo 1 >"/sys/fs/fuse/connections/$dev/abort" 2>/dev/null
}

# Always runs: no mount, no daemon and no temp directory may survive us.
cleanup() {
	local _
	if is_mounted; then
		fusermount3 -u -z "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	if daemon_alive; then
		kill -TERM "$PID" 2>/dev/null
		for _ in $(seq 20); do daemon_alive || break; sleep 0.1; done
		daemon_alive && kill -KILL "$PID" 2>/dev/null
	fi
	if is_mounted; then
		abort_conn
		umount -l "$MNT" 2>/dev/null
	fi
	if [ -n "$TMP" ]; then
		if is_mounted; then
			echo "FAIL: $MNT is still mounted; leaving $TMP in place"
			FAILED=1
		else
			rm -rf --one-file-system "$TMP"
		fi
	fi
}

on_exit() {
	local rc=$?
	cleanup
	[ "$FAILED" = 1 ] && [ "$rc" = 0 ] && rc=1
	exit "$rc"
}
trap on_exit EXIT
trap 'echo "interrupted"; FAILED=1; exit 1' INT TERM HUP

TMP=$(mktemp -d /tmp/fastfuse-mount.XXXXXX) || exit 1
MNT=$TMP/mnt
SRC=$TMP/src
mkdir "$MNT" "$SRC"

# Starts the daemon in the foreground, in the background of this shell.
start_fs() {
	local args=(-f "${FS_ARGS[@]}")
	case "$MODE" in
	passthrough|debug|abort|signal-*)
		if [ "$(basename "$FS")" != hello_ll ]; then
			args+=(-o "source=$SRC")
		fi
		;;
	esac
	[ "$MODE" = debug ] && args+=(-d)
	note "starting: $FS ${args[*]} $MNT"
	# A non-interactive shell starts background jobs with SIGINT ignored,
	# and a daemon keeps an inherited SIG_IGN: restore the default first.
	env --default-signal=INT,QUIT "$FS" "${args[@]}" "$MNT" \
		>"$TMP/stdout" 2>"$TMP/stderr" </dev/null &
	PID=$!
}

wait_mounted() {
	local _ entry
	for _ in $(seq $((MOUNT_TIMEOUT * 10))); do
		entry=$(mount_entry)
		if [ -n "$entry" ]; then
			case "${entry#* }" in
			fuse|fuse.*) return 0 ;;
			*) fail "$MNT mounted with type '${entry#* }'"; return 1 ;;
			esac
		fi
		if ! daemon_alive; then
			wait "$PID"
			fail "daemon exited with status $? before mounting"
			PID=
			show_stderr
			return 1
		fi
		sleep 0.1
	done
	fail "mount did not appear within ${MOUNT_TIMEOUT}s"
	show_stderr
	return 1
}

# Waits up to $1 seconds for the daemon to exit; stores its status in RC.
wait_exit() {
	local _
	RC=
	for _ in $(seq $(($1 * 10))); do
		daemon_alive || break
		sleep 0.1
	done
	if daemon_alive; then
		fail "daemon still running ${1}s later"
		show_stderr
		return 1
	fi
	wait "$PID"
	RC=$?
	PID=
	return 0
}

wait_unmounted() {
	local _
	for _ in $(seq 20); do
		is_mounted || return 0
		sleep 0.1
	done
	fail "$MNT is still mounted"
	return 1
}

unmount_fs() {
	if ! fusermount3 -u "$MNT" 2>"$TMP/umount.err"; then
		note "fusermount3 -u: $(cat "$TMP/umount.err"); trying umount"
		umount "$MNT" || { fail "cannot unmount $MNT"; return 1; }
	fi
}

# Normal end: unmount, the daemon must exit 0 promptly and quietly.
finish_normal() {
	unmount_fs || return 1
	wait_exit "$EXIT_TIMEOUT" || return 1
	if [ "$RC" != 0 ]; then
		fail "daemon exit status $RC after unmount (want 0)"
		show_stderr
	fi
	wait_unmounted
}

check_quiet_stderr() {
	if grep -qiE 'error|warning' "$TMP/stderr"; then
		fail "daemon printed errors/warnings during normal operation:"
		grep -iE 'error|warning' "$TMP/stderr" | head -n 20
	fi
}

# One line per entry (type, mode, owner, size, links, link target), then
# the checksum of every regular file: timestamps are deliberately left out.
manifest() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %s %n %l\n' |
		LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum)
}

run_battery() {
	local rc
	note "battery $MNT $*"
	timeout -k 5 "$BATTERY_TIMEOUT" "$BATTERY" "$MNT" --expect-fuse "$@" \
		"${BATTERY_ARGS[@]}"
	rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "battery timed out after ${BATTERY_TIMEOUT}s"
	elif [ "$rc" != 0 ]; then
		fail "battery failed (exit $rc)"
	fi
	if ! daemon_alive; then
		fail "daemon died during the battery"
		show_stderr
		return 1
	fi
}

# ------------------------------------------------------------------
# Modes

mode_hello() {
	run_battery --readonly-hello
	finish_normal
	check_quiet_stderr
}

has_fs_arg() {
	local a
	for a in "${FS_ARGS[@]}"; do
		case ",$a," in *",$1,"*) return 0 ;; esac
	done
	return 1
}

# The loop options must have taken effect: -s is one thread, otherwise the
# battery's parallel writers need workers; clone_fd gives each its own fd.
check_loop_shape() {
	local threads fds
	local fd tasks
	tasks=("/proc/$PID/task"/*)
	threads=${#tasks[@]}
	fds=0
	for fd in /proc/"$PID"/fd/*; do
		[ "$(readlink "$fd")" = /dev/fuse ] && fds=$((fds + 1))
	done
	note "daemon: $threads threads, $fds /dev/fuse descriptors"
	if has_fs_arg -s; then
		[ "$threads" = 1 ] || fail "-s daemon runs $threads threads"
		[ "$fds" = 1 ] || fail "-s daemon holds $fds /dev/fuse descriptors"
	else
		[ "$threads" -ge 2 ] || fail "multithreaded daemon runs 1 thread"
	fi
	if has_fs_arg clone_fd; then
		[ "$fds" -ge 2 ] || fail "clone_fd daemon holds $fds /dev/fuse descriptor"
	fi
}

mode_passthrough() {
	run_battery --keep "--source=$SRC"
	daemon_alive || return
	check_loop_shape
	manifest "$MNT" >"$TMP/manifest.mnt" || fail "listing the mount failed"
	manifest "$SRC" >"$TMP/manifest.src" || fail "listing the source failed"
	if ! diff -u "$TMP/manifest.src" "$TMP/manifest.mnt"; then
		fail "mount and source directory differ (above: - source, + mount)"
	fi
	[ -s "$TMP/manifest.mnt" ] || fail "the mount shows an empty tree"
	finish_normal || return
	# Everything written through the mount must be in the source now.
	manifest "$SRC" >"$TMP/manifest.after" || fail "listing the source failed"
	if ! diff -u "$TMP/manifest.mnt" "$TMP/manifest.after"; then
		fail "source after unmount differs from what the mount showed"
	fi
	check_quiet_stderr
}

mode_signal() {
	local sig=${MODE#signal-}
	# A request first, so the session is fully up when the signal lands.
	stat "$MNT" >/dev/null || fail "stat $MNT failed"
	ls "$MNT" >/dev/null || fail "ls $MNT failed"
	note "sending SIG$sig to $PID"
	kill "-$sig" "$PID"
	wait_exit "$SIGNAL_TIMEOUT" || return
	# libfuse reports the signal as a loop error, so 1 is as good as 0.
	if [ "$RC" -gt 1 ]; then
		fail "daemon exit status $RC after SIG$sig (want 0 or 1)"
		show_stderr
	else
		note "daemon exited with status $RC"
	fi
	wait_unmounted
	check_quiet_stderr
}

mode_abort() {
	local dev
	stat "$MNT" >/dev/null || fail "stat $MNT failed"
	dev=$(mount_entry | awk '{ split($1, a, ":"); print a[2] }')
	if [ ! -w "/sys/fs/fuse/connections/$dev/abort" ]; then
		fail "no /sys/fs/fuse/connections/$dev/abort for $MNT"
		return
	fi
	note "aborting connection $dev"
	echo 1 >"/sys/fs/fuse/connections/$dev/abort"
	if stat "$MNT/x" 2>"$TMP/stat.err"; then
		fail "the mount still answers after abort"
	elif ! grep -q "not connected" "$TMP/stat.err"; then
		fail "after abort: $(cat "$TMP/stat.err") (want ENOTCONN)"
	fi
	wait_exit "$EXIT_TIMEOUT" || return
	if [ "$RC" -gt 128 ]; then
		fail "daemon died by signal $((RC - 128)) after abort"
		show_stderr
	else
		note "daemon exited with status $RC after abort"
	fi
	if is_mounted; then
		umount -l "$MNT" || fail "umount -l $MNT failed"
	fi
	wait_unmounted
}

# Checks the -d output in $TMP/stderr against libfuse's line formats.
check_debug_lines() {
	awk -f - "$TMP/stderr" <<'EOF'
BEGIN {
	split("LOOKUP 1 FORGET 2 GETATTR 3 SETATTR 4 READLINK 5 SYMLINK 6 " \
	      "MKNOD 8 MKDIR 9 UNLINK 10 RMDIR 11 RENAME 12 LINK 13 OPEN 14 " \
	      "READ 15 WRITE 16 STATFS 17 RELEASE 18 FSYNC 20 SETXATTR 21 " \
	      "GETXATTR 22 LISTXATTR 23 REMOVEXATTR 24 FLUSH 25 INIT 26 " \
	      "OPENDIR 27 READDIR 28 RELEASEDIR 29 FSYNCDIR 30 GETLK 31 " \
	      "SETLK 32 SETLKW 33 ACCESS 34 CREATE 35 INTERRUPT 36 BMAP 37 " \
	      "DESTROY 38 IOCTL 39 POLL 40 NOTIFY_REPLY 41 BATCH_FORGET 42 " \
	      "FALLOCATE 43 READDIRPLUS 44 RENAME2 45 LSEEK 46 " \
	      "COPY_FILE_RANGE 47 SYNCFS 50 TMPFILE 51 STATX 52", t, " ")
	for (i = 1; i in t; i += 2) code[t[i]] = t[i + 1]
	bad = 0
}
/^unique: / {
	if ($0 !~ /^unique: [0-9]+, opcode: [A-Z0-9_?]+ \([0-9]+\), nodeid: [0-9]+, insize: [0-9]+, pid: [0-9]+$/) {
		print "bad request line: " $0; bad++; next
	}
	u = $2; sub(",", "", u); op = $4; num = $5; gsub(/[(),]/, "", num)
	if (op in code && code[op] != num) {
		print "opcode name/number mismatch: " $0; bad++
	}
	seen[op]++
	if (op != "FORGET" && op != "BATCH_FORGET" && op != "INTERRUPT")
		pending[u] = $0
	if (op == "LOOKUP") lookup++
	if (op == "INIT" && $0 !~ /nodeid: 0,/) { print "INIT with nodeid: " $0; bad++ }
	next
}
/^   unique: / {
	if ($0 ~ /^   unique: [0-9]+, success, outsize: [0-9]+( \(splice\))?$/) {
		ok++
	} else if ($0 ~ /^   unique: [0-9]+, error: -[0-9]+ \(.*\), outsize: 16$/) {
		err++
		if ($0 ~ /error: -39 \(Directory not empty\), outsize: 16$/) enotempty++
	} else {
		print "bad reply line: " $0; bad++; next
	}
	u = $2; sub(",", "", u)
	if (!(u in pending)) { print "reply without request: " $0; bad++ }
	delete pending[u]
	next
}
END {
	if (!("INIT" in seen)) { print "no INIT request line"; bad++ }
	if (!lookup) { print "no LOOKUP request line"; bad++ }
	if (!ok) { print "no success reply line"; bad++ }
	if (!enotempty) { print "no ENOTEMPTY error reply line (rmdir)"; bad++ }
	for (u in pending) { print "request without reply: " pending[u]; bad++ }
	printf "# debug lines: %d ok replies, %d error replies, %d lookups\n", ok, err, lookup
	exit bad ? 1 : 0
}
EOF
}

mode_debug() {
	stat "$MNT/does-not-exist" 2>/dev/null && fail "stat of a missing name succeeded"
	echo "hello debug" >"$MNT/file" || fail "write through the mount failed"
	[ "$(cat "$MNT/file")" = "hello debug" ] || fail "read back through the mount failed"
	ls -la "$MNT" >/dev/null || fail "ls failed"
	if ! mkdir "$MNT/dir" || ! rmdir "$MNT/dir"; then
		fail "mkdir/rmdir failed"
	fi
	# An error reply the filesystem itself must produce: ENOTEMPTY.
	if ! mkdir "$MNT/full" || ! : >"$MNT/full/f"; then
		fail "mkdir/create failed"
	fi
	rmdir "$MNT/full" 2>/dev/null && fail "rmdir of a non-empty directory succeeded"
	rm -r "$MNT/full" "$MNT/file" || fail "rm failed"
	finish_normal || return
	check_debug_lines || fail "debug output does not match libfuse's format"
}

# The daemon must run on our library: a silent fall back to the system's
# libfuse3.so.3 (same soname as our 3.14 build) would make the test moot.
check_library() {
	local lib
	lib=$(awk '$6 ~ /\/libfuse3\.so/ { print $6; exit }' "/proc/$PID/maps" 2>/dev/null)
	case "$lib" in
	"") note "daemon maps no libfuse3 (statically linked?)" ;;
	/usr/lib/*|/lib/*|/usr/local/lib/*)
		fail "daemon runs on the system library $lib, not on ours" ;;
	*) note "library: $lib" ;;
	esac
}

# ------------------------------------------------------------------

start_fs
if wait_mounted; then
	check_library
	case "$MODE" in
	hello) mode_hello ;;
	passthrough) mode_passthrough ;;
	signal-*) mode_signal ;;
	abort) mode_abort ;;
	debug) mode_debug ;;
	esac
fi
if [ "$FAILED" = 0 ]; then
	echo "PASS: $MODE $(basename "$FS") ${FS_ARGS[*]}"
	exit 0
fi
show_stderr
exit 1

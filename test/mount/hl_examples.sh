#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317  # modes and traps run indirectly
# hl_examples.sh: mount tests of the path-based (high-level) examples that
# run_mount_test.sh's modes do not cover. Each mode mounts on a fresh
# temporary directory, checks, unmounts, and requires the daemon to exit 0.
#
# usage: hl_examples.sh <mode> <binary> [extra...]
# modes:
#   hidden FS            unlink/rename over an open file: without hard_remove
#                        a .fuse_hidden* file appears in the source (and goes
#                        at close), with -o hard_remove none ever does; the
#                        open descriptor keeps working in both
#   root FS BATTERY      FS mirrors "/" (no subdir module, so every operation
#                        of the example is reachable, fallocate included):
#                        the battery runs on MNT/<source dir>
#   concurrency FS TEST [fs args...]
#                        TEST (test_hl_concurrency) hammers the mount from 8
#                        threads for HLC_SECONDS (10); then mount and source
#                        must agree
#   null NULL            example/null mounted over a regular file
#   invalidate IP        example/invalidate_path: changes show up with
#                        notifications, stay hidden with --no-notify
# Every mode checks that the daemon maps our libfuse3, not the system's
# (HL_AGAINST_SYSTEM=1: the other way round, to check the test itself with
# binaries built on Debian's library).
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).

set -u

MODE=${1:-}
FS=${2:-}
shift 2 2>/dev/null || { echo "usage: $0 <mode> <binary> [extra...]" >&2; exit 2; }
EXTRA=("$@")

TMP=
MNT=
SRC=
PID=
FAILED=0

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILED=1; }
note() { echo "# $*"; }

[ "$(id -u)" = 0 ] || skip "mount tests need root (uid $(id -u))"
[ -c /dev/fuse ] || skip "/dev/fuse does not exist"
( exec 3<>/dev/fuse ) 2>/dev/null || skip "/dev/fuse cannot be opened"
[ -x "$FS" ] || skip "filesystem binary $FS is not built"
case "$MODE" in
hidden|root|concurrency|null|invalidate) ;;
*) echo "unknown mode '$MODE'" >&2; exit 2 ;;
esac

mounted() {
	[ -n "$MNT" ] && awk -v m="$MNT" '$5 == m { f = 1 } END { exit !f }' \
		/proc/self/mountinfo
}

alive() { [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; }

show_stderr() {
	if [ -s "$TMP/stderr" ]; then
		echo "--- daemon stderr (last 40 lines) ---"
		tail -n 40 "$TMP/stderr"
		echo "---"
	fi
}

cleanup() {
	local _
	if mounted; then
		fusermount3 -u -z "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	if alive; then
		kill -TERM "$PID" 2>/dev/null
		for _ in $(seq 20); do alive || break; sleep 0.1; done
		alive && kill -KILL "$PID" 2>/dev/null
	fi
	mounted && umount -l "$MNT" 2>/dev/null
	if [ -n "$TMP" ]; then
		if mounted; then
			echo "FAIL: $MNT is still mounted; leaving $TMP"
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

TMP=$(mktemp -d /tmp/fastfuse-hl.XXXXXX) || exit 1
MNT=$TMP/mnt
SRC=$TMP/src
mkdir "$MNT" "$SRC"

# start ARGS...: the daemon in the foreground, in our background, on $MNT.
start() {
	note "starting: $(basename "$FS") -f $* $MNT"
	# Background jobs of a script start with SIGINT ignored; undo that.
	env --default-signal=INT,QUIT "$FS" -f "$@" "$MNT" \
		>"$TMP/stdout" 2>"$TMP/stderr" </dev/null &
	PID=$!
	local _
	for _ in $(seq 100); do
		mounted && break
		if ! alive; then
			wait "$PID"
			fail "daemon exited with status $? before mounting"
			PID=
			show_stderr
			return 1
		fi
		sleep 0.1
	done
	mounted || { fail "no mount on $MNT after 10 s"; show_stderr; return 1; }
	check_library
}

# A silent fall back to the system's libfuse3 would make the test moot.
check_library() {
	local lib
	lib=$(awk '$6 ~ /\/libfuse3\.so/ { print $6; exit }' "/proc/$PID/maps")
	case "${HL_AGAINST_SYSTEM:-0}:$lib" in
	*:) fail "daemon maps no libfuse3" ;;
	0:/usr/lib/*|0:/lib/*|0:/usr/local/lib/*)
		fail "daemon runs on the system library $lib, not on ours" ;;
	1:/usr/lib/*|1:/lib/*) note "HL_AGAINST_SYSTEM=1, library: $lib" ;;
	1:*) fail "HL_AGAINST_SYSTEM=1 but the daemon maps $lib" ;;
	*) note "library: $lib" ;;
	esac
}

# stop: unmount; the daemon must exit 0 within 5 s.
stop() {
	local _ rc
	fusermount3 -u "$MNT" || umount "$MNT" || { fail "cannot unmount"; return 1; }
	for _ in $(seq 50); do alive || break; sleep 0.1; done
	if alive; then
		fail "daemon still running 5 s after unmount"
		show_stderr
		return 1
	fi
	wait "$PID"
	rc=$?
	PID=
	if [ "$rc" != 0 ]; then
		fail "daemon exit status $rc after unmount (want 0)"
		show_stderr
	fi
}

hidden_in_src() { find "$SRC" -maxdepth 1 -name '.fuse_hidden*' | wc -l; }

# wait_hidden N: up to 5 s for N .fuse_hidden* files in the source.
wait_hidden() {
	local _
	for _ in $(seq 50); do
		[ "$(hidden_in_src)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# One round: open "victim" (fd 3) and "other" (fd 4), remove the first by
# unlink and replace the second by rename, use both descriptors, close.
hidden_round() {
	local want=$1 got
	echo "victim data" >"$MNT/victim" || { fail "create victim"; return; }
	echo "other data" >"$MNT/other" || { fail "create other"; return; }
	echo "newcomer" >"$MNT/newcomer" || { fail "create newcomer"; return; }
	exec 3<"$MNT/victim" 4<"$MNT/other"
	rm "$MNT/victim" || fail "unlink of an open file failed"
	mv "$MNT/newcomer" "$MNT/other" || fail "rename over an open file failed"
	got=$(hidden_in_src)
	[ "$got" = "$want" ] ||
		fail "$got .fuse_hidden* files in the source while open, want $want"
	[ -e "$MNT/victim" ] && fail "victim still visible after unlink"
	# read(2) only: cat would fstat() first, and libfuse's path API has no
	# path for an unlinked node without a handle (ESTALE with hard_remove).
	read -r got <&3
	[ "$got" = "victim data" ] || fail "read through the unlinked file's fd: '$got'"
	read -r got <&4
	[ "$got" = "other data" ] || fail "read through the replaced file's fd: '$got'"
	[ "$(cat "$MNT/other")" = "newcomer" ] || fail "the renamed file's content"
	exec 3<&- 4<&-
	wait_hidden 0 || fail "$(hidden_in_src) .fuse_hidden* files left after close"
	[ "$(ls -A "$SRC")" = other ] ||
		fail "source holds '$(ls -A "$SRC" | tr '\n' ' ')', want 'other'"
	rm -f "$MNT/other"
}

mode_hidden() {
	local sub=(-o "modules=subdir,subdir=$SRC")
	note "without hard_remove: the library hides open files"
	start "${sub[@]}" || return
	hidden_round 2
	stop
	note "with -o hard_remove: no hidden files"
	start "${sub[@]}" -o hard_remove || return
	hidden_round 0
	stop
}

# Battery checks that cannot pass on libfuse's path API either:
# unlink_open/rename_open: fstat() of a file unlinked while open reaches
# the library without a handle and has no path (ESTALE), or with
# hide-on-unlink shows .fuse_hidden* and nlink 1.
HL_BATTERY_SKIP=unlink_open,rename_open

mode_root() {
	local battery=${EXTRA[0]:-} rc
	[ -x "$battery" ] || skip "battery binary '$battery' not built"
	# hard_remove: no .fuse_hidden* may keep the battery's rmdir from
	# succeeding when one of its checks ends with a descriptor still open.
	start -o hard_remove || return
	note "battery on $MNT$SRC"
	timeout -k 5 "${BATTERY_TIMEOUT:-60}" "$battery" "$MNT$SRC" \
		--expect-fuse "--source=$SRC" "--skip=$HL_BATTERY_SKIP"
	rc=$?
	[ "$rc" = 0 ] || fail "battery failed (exit $rc)"
	alive || { fail "daemon died during the battery"; show_stderr; return; }
	stop
}

manifest() {
	(cd "$1" && find . -mindepth 1 ! -name '.fuse_hidden*' \
		-printf '%p %y %m %s %n\n' | LC_ALL=C sort)
}

mode_concurrency() {
	local test=${EXTRA[0]:-} rc
	[ -x "$test" ] || skip "test_hl_concurrency '$test' not built"
	start -o "modules=subdir,subdir=$SRC" "${EXTRA[@]:1}" || return
	timeout -k 5 $((${HLC_SECONDS:-10} + 60)) "$test" \
		-t 8 -s "${HLC_SECONDS:-10}" -w 20 "$MNT"
	rc=$?
	case "$rc" in
	0) ;;
	3) fail "test_hl_concurrency: hang (watchdog)" ;;
	124|137) fail "test_hl_concurrency did not finish (timeout)" ;;
	*) fail "test_hl_concurrency failed (exit $rc)" ;;
	esac
	alive || { fail "daemon died under load"; show_stderr; return; }
	# What the workload left behind (nothing, it cleans up) must agree.
	mkdir -p "$MNT/after/d" && echo x >"$MNT/after/d/f" ||
		fail "the mount does not work after the run"
	if ! diff <(manifest "$SRC") <(manifest "$MNT"); then
		fail "mount and source differ after the run"
	fi
	stop
	if grep -qiE 'error|warning|assert' "$TMP/stderr"; then
		fail "daemon complained under load:"
		grep -iE 'error|warning|assert' "$TMP/stderr" | head -n 20
	fi
}

mode_null() {
	local file=$TMP/nullfile size
	: >"$file"
	MNT=$file
	start || return
	size=$(stat -c %s "$file")
	[ "$size" = 4294967296 ] || fail "size $size, want 4294967296"
	[ "$(stat -c %F "$file")" = "regular file" ] || fail "not a regular file"
	dd if=/dev/urandom of="$file" bs=64k count=16 conv=notrunc status=none ||
		fail "writing 1 MiB failed"
	[ "$(head -c 8192 "$file" | tr -d '\0' | wc -c)" = 0 ] ||
		fail "reads do not give zeros after a write"
	[ "$(tail -c 100 "$file" | wc -c)" = 100 ] || fail "reading at the end"
	truncate -s 0 "$file" || fail "truncate failed"
	[ "$(stat -c %s "$file")" = 4294967296 ] || fail "truncate changed the size"
	stop
}

read_twice() {
	local a b
	a=$(cat "$MNT/$1") || { fail "read $1"; return; }
	sleep "$2"
	b=$(cat "$MNT/$1") || { fail "read $1 again"; return; }
	echo "$a|$b"
}

mode_invalidate() {
	local r t1 t2 s1 s2
	start --update-interval=1 || return
	[ "$(ls "$MNT" | tr '\n' ' ')" = "current_time growing " ] ||
		fail "listing: $(ls "$MNT" | tr '\n' ' ')"
	r=$(read_twice current_time 2.5)
	t1=${r%%|*} t2=${r#*|}
	note "current_time: '$t1' then '$t2'"
	[ -n "$t1" ] && [ "$t1" != "$t2" ] ||
		fail "current_time did not change with notifications"
	s1=$(stat -c %s "$MNT/growing")
	sleep 2.5
	s2=$(stat -c %s "$MNT/growing")
	[ "$s2" -gt "$s1" ] || fail "growing: size $s1 then $s2 with notifications"
	[ "$(wc -c <"$MNT/growing")" -ge "$s2" ] || fail "growing: short read"
	stop

	# Without notifications the kernel's caches (kept "forever") win.
	# Open descriptors pin the inodes: memory pressure could otherwise
	# evict them, and a fresh lookup would show the news.
	start --update-interval=1 --no-notify || return
	exec 5<"$MNT/current_time" 6<"$MNT/growing"
	r=$(read_twice current_time 2.5)
	t1=${r%%|*} t2=${r#*|}
	[ -n "$t1" ] && [ "$t1" = "$t2" ] ||
		fail "--no-notify: current_time changed ('$t1' -> '$t2'): the test cannot tell"
	s1=$(stat -c %s "$MNT/growing")
	sleep 2.5
	s2=$(stat -c %s "$MNT/growing")
	[ "$s1" = "$s2" ] || fail "--no-notify: growing changed size ($s1 -> $s2)"
	exec 5<&- 6<&-
	stop
}

"mode_$MODE"
if [ "$FAILED" = 0 ]; then
	echo "PASS: $MODE $(basename "$FS")"
	exit 0
fi
exit 1

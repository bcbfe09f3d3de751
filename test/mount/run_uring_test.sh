#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2317  # functions run from traps look unreachable
# run_uring_test.sh: mount tests over FUSE-over-io_uring. Turns the fuse
# module's enable_uring parameter on for the duration (and restores it),
# skips with the reason when the kernel still does not offer the ring, then:
#
#   battery [run_mount_test.sh args...]
#       the normal mount battery (run_mount_test.sh) with the daemon's
#       stderr kept: it must say FUSE_INIT: io_uring=on
#   rings <fs-binary>
#       requests must travel over the rings: under a stat/read/write load,
#       no read() on /dev/fuse returns a request (strace), and the rings'
#       threads exist, are named and pinned
#   unmount|term|abort <fs-binary>
#       teardown under load: lazy unmount, SIGTERM, or the fusectl abort
#       file while clients hammer the mount; the daemon must exit in time,
#       without sanitizer reports, and leave no mount behind
#
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).

set -u

PARAM=/sys/module/fuse/parameters/enable_uring
HERE=$(cd "$(dirname "$0")" && pwd)
EXIT_TIMEOUT=5

skip() { echo "SKIP: $*"; exit 77; }
# mountpoint(1) cannot stat an aborted connection: ask mountinfo instead.
mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }
fail() { echo "FAIL: $*"; FAILED=1; }
note() { echo "# $*"; }

[ $# -ge 1 ] || { echo "usage: $0 MODE ARGS..." >&2; exit 2; }
MODE=$1
shift

[ "$(id -u)" = 0 ] || skip "needs root (uid $(id -u))"
[ -c /dev/fuse ] || skip "/dev/fuse does not exist"
[ -e "$PARAM" ] || skip "this kernel has no FUSE-over-io_uring ($PARAM missing)"

FAILED=0
TMP=
MNT=
PID=
LOADPIDS=()
WAS=$(cat "$PARAM")

cleanup() {
	local p
	for p in "${LOADPIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait "${LOADPIDS[@]}" 2>/dev/null
	if [ -n "$MNT" ] && mounted "$MNT"; then
		umount -l "$MNT" 2>/dev/null
	fi
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null
	fi
	if [ -n "$TMP" ]; then
		# a lazy unmount completes asynchronously
		for _ in $(seq 20); do
			rm -rf --one-file-system "$TMP" 2>/dev/null && break
			sleep 0.1
		done
	fi
	# Tests must leave the machine as they found it.
	echo "$WAS" >"$PARAM" 2>/dev/null
}
on_exit() {
	local rc=$?
	cleanup
	[ "$FAILED" = 1 ] && [ "$rc" = 0 ] && rc=1
	exit "$rc"
}
trap on_exit EXIT
trap 'echo interrupted; FAILED=1; exit 1' INT TERM HUP

echo Y >"$PARAM" 2>/dev/null || skip "cannot write $PARAM"
TMP=$(mktemp -d /tmp/fastfuse-uring.XXXXXX) || exit 1
MNT=$TMP/mnt
mkdir "$MNT" "$TMP/src"

# mount FS [args]: start the daemon with the status line on, wait for it.
mount_fs() {
	local fs=$1 _
	shift
	FUSE_INIT_STATUS=1 env --default-signal=INT,TERM "$fs" -f \
		-o "source=$TMP/src" "$@" "$MNT" >"$TMP/stdout" 2>"$TMP/stderr" \
		</dev/null &
	PID=$!
	for _ in $(seq 100); do
		mounted "$MNT" && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "mount did not appear"
	cat "$TMP/stderr"
	return 1
}

# The kernel decides at INIT: a daemon that was not offered the ring says
# why on its status line. Anything but "on" is a skip with that reason.
require_ring() {
	local line
	stat "$MNT" >/dev/null 2>&1
	line=$(grep -m1 'FUSE_INIT: io_uring=' "$TMP/stderr")
	case "$line" in
	*io_uring=on) note "$line" ;;
	*) skip "io_uring not in use after enabling $PARAM: ${line:-no status line}" ;;
	esac
}

wait_exit() {
	local _
	for _ in $(seq $((EXIT_TIMEOUT * 10))); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$PID" 2>/dev/null; then
		fail "daemon still running ${EXIT_TIMEOUT}s later"
		return 1
	fi
	wait "$PID"
	RC=$?
	PID=
}

check_stderr() {
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error|error|warning' \
		"$TMP/stderr"; then
		fail "daemon stderr has errors:"
		grep -E 'Sanitizer|runtime error|error|warning' "$TMP/stderr" | head -20
	fi
}

start_load() {
	local i
	: >"$MNT/f" || fail "create failed"
	for i in 1 2 3 4; do
		(
			set +e
			exec 2>/dev/null
			n=0
			while :; do
				stat "$MNT/f" >/dev/null 2>&1
				echo "$n" >"$MNT/w$i" 2>/dev/null
				cat "$MNT/w$i" >/dev/null 2>&1
				ls "$MNT" >/dev/null 2>&1
				mkdir "$MNT/d$i.$n" 2>/dev/null && rmdir "$MNT/d$i.$n" 2>/dev/null
				n=$((n + 1))
			done
		) &
		LOADPIDS+=($!)
	done
	sleep 1
}

stop_load() {
	local p
	for p in "${LOADPIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait "${LOADPIDS[@]}" 2>/dev/null
	LOADPIDS=()
}

mode_battery() {
	local wrap=$TMP/fs-wrap log=$TMP/daemon.log args=() fs
	# The battery's daemon runs through a wrapper that keeps a copy of its
	# stderr; exec keeps the PID, so run_mount_test.sh sees the real fs.
	while [ $# -gt 0 ]; do
		case "$1" in
		--battery|--battery-arg) args+=("$1" "$2"); shift 2 ;;
		*) break ;;
		esac
	done
	fs=$1
	shift
	cat >"$wrap" <<EOF
#!/bin/bash
exec "$fs" "\$@" 2> >(tee -a "$log" >&2)
EOF
	chmod +x "$wrap"
	FUSE_INIT_STATUS=1 "$HERE/run_mount_test.sh" "${args[@]}" "$wrap" "$@"
	local rc=$?
	[ "$rc" = 77 ] && exit 77
	[ "$rc" = 0 ] || fail "run_mount_test.sh exit $rc"
	if ! grep -q 'FUSE_INIT: io_uring=on' "$log"; then
		if grep -q 'FUSE_INIT: io_uring=off:not_offered' "$log"; then
			skip "kernel did not offer io_uring even with $PARAM=Y"
		fi
		fail "the battery did not run over io_uring: $(grep -m1 'io_uring=' "$log")"
	fi
}

mode_rings() {
	local fs=$1 fd t out got
	shift
	mount_fs "$fs" "$@" || return
	require_ring
	echo data >"$MNT/f"
	# The threads: one per possible CPU (kernel queue) by default, or
	# FUSE_URING_THREADS; thread i serves queue i mod CPUs. The first of
	# each queue is pinned to the queue's CPU, any others are free to run
	# where a CPU is idle.
	local nq want idx allowed all mine
	nq=$(awk -F, '{ n = 0; for (i = 1; i <= NF; i++) {
		split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) }
		print n }' /sys/devices/system/cpu/possible)
	want=${FUSE_URING_THREADS:-$nq}
	all=0
	[ "$nq" -gt 1 ] && all=0-$((nq - 1))
	mine=$(awk '/Cpus_allowed_list/ { print $2 }' /proc/self/status)
	for t in /proc/"$PID"/task/*; do
		case "$(cat "$t/comm")" in
		fuse-ring-*)
			got=$((${got:-0} + 1))
			idx=$(cat "$t/comm")
			idx=${idx#fuse-ring-}
			allowed=$(awk '/Cpus_allowed_list/ { print $2 }' "$t/status")
			note "fuse-ring-$idx: $allowed"
			# (pinning is checked when every CPU is ours to use)
			if [ "$idx" -lt "$nq" ] && [ "$all" = "$mine" ]; then
				[ "$allowed" = "$idx" ] ||
					fail "fuse-ring-$idx not pinned to CPU $idx: $allowed"
			elif [ "$idx" -ge "$nq" ] && [ "$allowed" = "$idx" ]; then
				fail "fuse-ring-$idx (an extra thread of queue $((idx % nq))) is pinned"
			fi
			;;
		esac
	done
	[ "${got:-0}" = "$want" ] ||
		fail "${got:-0} fuse-ring-* threads for $nq queues, want $want"
	fd=$(for f in /proc/"$PID"/fd/*; do
		[ "$(readlink "$f")" = /dev/fuse ] && basename "$f"; done | head -1)
	out=$TMP/strace
	strace -f -qq -p "$PID" -e trace=read,io_uring_enter -o "$out" &
	local sp=$!
	sleep 1
	for _ in $(seq 200); do stat "$MNT/f" >/dev/null; done
	for _ in $(seq 20); do cat "$MNT/f" >/dev/null; echo x >>"$MNT/f"; done
	ls -l "$MNT" >/dev/null
	sleep 0.5
	kill "$sp"
	wait "$sp" 2>/dev/null
	# A request read from /dev/fuse shows as read(FD, ...) = N > 0,
	# possibly split into an unfinished/resumed pair.
	got=$(grep -cE "(read\($fd,.*|read resumed>.*)= [1-9][0-9]*$" "$out")
	note "/dev/fuse fd $fd: $got request reads, $(grep -c io_uring_enter "$out") io_uring_enter calls"
	[ "$got" = 0 ] || { fail "$got requests came over read() of /dev/fuse"; grep -E "read" "$out" | head; }
	grep -q io_uring_enter "$out" || fail "no io_uring_enter in the daemon"
	umount "$MNT" || fail "umount failed"
	wait_exit || return
	[ "$RC" = 0 ] || fail "daemon exit status $RC after unmount"
	check_stderr
}

mode_teardown() {
	local how=$1 fs=$2 dev
	shift 2
	mount_fs "$fs" "$@" || return
	require_ring
	start_load
	case "$how" in
	unmount)
		note "lazy unmount under load"
		umount -l "$MNT" || fail "umount -l failed"
		;;
	term)
		note "SIGTERM under load"
		kill -TERM "$PID"
		;;
	abort)
		dev=$(awk -v m="$MNT" '$5 == m { split($3, a, ":"); print a[2] }' \
			/proc/self/mountinfo)
		note "aborting connection $dev under load"
		echo 1 >"/sys/fs/fuse/connections/$dev/abort" ||
			fail "cannot abort connection $dev"
		;;
	esac
	wait_exit
	stop_load
	if [ -n "${RC:-}" ]; then
		note "daemon exit status $RC"
		[ "$RC" -gt 128 ] && fail "daemon died by signal $((RC - 128))"
	fi
	if mounted "$MNT"; then
		[ "$how" = abort ] || fail "$MNT still mounted"
		umount -l "$MNT"
	fi
	check_stderr
}

case "$MODE" in
battery) mode_battery "$@" ;;
rings) mode_rings "$@" ;;
unmount|term|abort) mode_teardown "$MODE" "$@" ;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
[ "$FAILED" = 0 ] && echo "PASS: uring $MODE"
exit "$FAILED"

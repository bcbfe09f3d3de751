#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_fastpath.sh: proves that the data-path features example/passthrough_hp
# negotiates are in effect, by counting what reaches the daemon with the
# kernel's fuse:fuse_request_send tracepoint. Every check also runs once with
# its feature turned off and must then see different counts, so it cannot
# pass by accident. Finally, data written through one path (buffered,
# O_DIRECT, mmap, natively in the source) must read back identical through
# every other one, in each mode.
#
# usage: test_fastpath.sh PASSTHROUGH_HP_BINARY
# Exit: 0 pass, 1 fail, 77 skip (reason printed).

set -u

HP=${1:-}
FAILED=0
TMP=
PIDS=()
MNTS=()

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILED=1; }
note() { echo "# $*"; }

[ -n "$HP" ] || { echo "usage: $0 PASSTHROUGH_HP_BINARY" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root (mounts, tracefs)"
[ -c /dev/fuse ] || skip "/dev/fuse does not exist"
[ -x "$HP" ] || skip "$HP is not built"
TRACE=/sys/kernel/tracing
[ -d "$TRACE/events" ] || mount -t tracefs nodev "$TRACE" 2>/dev/null
[ -d "$TRACE/events/fuse/fuse_request_send" ] ||
	skip "no fuse:fuse_request_send tracepoint in $TRACE"
command -v fusermount3 >/dev/null || skip "fusermount3 is not installed"

is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

cleanup() {
	local m p
	for m in "${MNTS[@]}"; do
		is_mounted "$m" && { fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m"; }
	done
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	[ -n "${INST:-}" ] && [ -d "$INST" ] && rmdir "$INST" 2>/dev/null
	if [ -n "$TMP" ] && ! grep -q " $TMP/" /proc/self/mountinfo; then
		rm -rf --one-file-system "$TMP"
	fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 1' INT TERM

TMP=$(mktemp -d /tmp/fastfuse-fastpath.XXXXXX) || exit 1
INST=$TRACE/instances/fastfuse-fastpath-$$
mkdir "$INST" || skip "cannot create a trace instance"
echo 16384 >"$INST/buffer_size_kb"

# start NAME ARGS...: mounts passthrough_hp on $TMP/NAME/mnt from
# $TMP/NAME/src; sets SRC, MNT, PID.
start() {
	local name=$1 i
	shift
	SRC=$TMP/$name/src MNT=$TMP/$name/mnt
	mkdir -p "$SRC" "$MNT"
	"$HP" --foreground "$@" "$SRC" "$MNT" >"$TMP/$name.log" 2>&1 &
	PID=$!
	PIDS+=("$PID")
	MNTS+=("$MNT")
	for i in $(seq 100); do
		is_mounted "$MNT" && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "passthrough_hp $* did not mount"
	cat "$TMP/$name.log"
	return 1
}

stop() {
	local i
	fusermount3 -u "$MNT" || fail "cannot unmount $MNT"
	for i in $(seq 50); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$PID" 2>/dev/null && fail "daemon $PID still running after unmount"
	wait "$PID" || fail "daemon exited with status $?"
}

# traced CMD...: runs CMD and records every request the kernel sends to
# the mount at $MNT in $TMP/trace (lines "OPCODE LEN").
traced() {
	local dev=$(stat -c %d "$MNT") lost rc
	echo 0 >"$INST/tracing_on"
	echo >"$INST/trace"
	echo "connection == $dev" >"$INST/events/fuse/fuse_request_send/filter"
	echo 1 >"$INST/events/fuse/fuse_request_send/enable"
	echo 1 >"$INST/tracing_on"
	"$@"
	rc=$?
	echo 0 >"$INST/events/fuse/fuse_request_send/enable"
	sed -n 's/.*opcode [0-9]* (\([A-Z_0-9]*\)) len \([0-9]*\).*/\1 \2/p' \
		"$INST/trace" >"$TMP/trace"
	lost=$(awk '/overrun:/ { s += $2 } END { print s + 0 }' "$INST"/per_cpu/cpu*/stats)
	[ "$lost" = 0 ] || fail "trace lost $lost events"
	[ "$rc" = 0 ] || fail "traced command failed ($rc): $*"
}

count() { awk -v op="FUSE_$1" '$1 == op { n++ } END { print n + 0 }' "$TMP/trace"; }
maxlen() { awk -v op="FUSE_$1" '$1 == op && $2 > m { m = $2 } END { print m + 0 }' "$TMP/trace"; }

# ---------------------------------------------------------------------
# 1. Passthrough: reads and writes of a file never reach the daemon.

rw_load() {
	cat "$MNT/in" >/dev/null &&
		dd if=/dev/zero of="$MNT/out" bs=64k count=64 conv=fsync status=none &&
		dd if="$MNT/in" of=/dev/null bs=4k iflag=direct status=none
}

passthrough_case() {
	local label=$1 r w o
	shift
	start "pt-$label" "$@" || return
	head -c $((4 << 20)) /dev/urandom >"$SRC/in"
	traced rw_load
	r=$(count READ) w=$(count WRITE) o=$(count OPEN)
	note "$label: OPEN=$o READ=$r WRITE=$w"
	stop
	eval "PT_${label}_R=$r PT_${label}_W=$w PT_${label}_O=$o"
}

passthrough_case on
passthrough_case off --nopassthrough
[ "$PT_on_O" -ge 2 ] || fail "passthrough: the load opened nothing through the mount"
[ "$PT_on_R" = 0 ] || fail "passthrough: $PT_on_R FUSE_READ reached the daemon (want 0)"
[ "$PT_on_W" = 0 ] || fail "passthrough: $PT_on_W FUSE_WRITE reached the daemon (want 0)"
# Control: without passthrough the same load must be seen by the daemon.
[ "$PT_off_R" -gt 0 ] && [ "$PT_off_W" -gt 0 ] ||
	fail "control --nopassthrough: READ=$PT_off_R WRITE=$PT_off_W (want > 0): the check above proves nothing"

# ---------------------------------------------------------------------
# 1b. The mount's dirty-page limits: the kernel gives a FUSE mount a strict
# 1 % share; -o bdi_strict_limit=0,bdi_max_ratio=N lift it (root only), and
# passthrough_hp asks for a local filesystem's (0, 100) unless --nocache or
# the user's own bdi_* options.

bdi_of() { echo "/sys/class/bdi/$(mountpoint -d "$MNT")"; }
# bdi_case NAME WANT ARGS...: mounts, compares "strict_limit max_ratio"
bdi_case() {
	local name=$1 want=$2 got
	shift 2
	start "bdi-$name" "$@" || return
	got="$(cat "$(bdi_of)/strict_limit") $(cat "$(bdi_of)/max_ratio")"
	note "bdi $name: strict_limit, max_ratio = $got"
	[ "$got" = "$want" ] || fail "bdi $name: strict_limit, max_ratio '$got', want '$want'"
	stop
}
bdi_case kernel-default "1 1" --nopassthrough --nocache
bdi_case hp-default "0 100" --nopassthrough
bdi_case options "0 30" --nopassthrough -o bdi_strict_limit=0,bdi_max_ratio=30
bdi_case user-wins "1 1" --nopassthrough -o bdi_strict_limit=1

# ---------------------------------------------------------------------
# 2. Writeback cache: 1000 small writes reach the daemon as a few large.

wb_load() { dd if=/dev/zero of="$MNT/wb" bs=4k count=1000 conv=fsync status=none; }

writeback_case() {
	local label=$1
	shift
	start "wb-$label" "$@" || return
	traced wb_load
	eval "WB_${label}_N=$(count WRITE) WB_${label}_MAX=$(maxlen WRITE)"
	note "$label: FUSE_WRITE=$(count WRITE), largest request $(maxlen WRITE) bytes"
	stop
}

writeback_case on --nopassthrough
writeback_case off --nopassthrough --nocache
[ "$WB_on_N" -ge 1 ] && [ "$WB_on_N" -le 32 ] ||
	fail "writeback: $WB_on_N FUSE_WRITE for 1000 4 KiB writes (want 1..32)"
[ "$WB_on_MAX" -ge $((512 << 10)) ] ||
	fail "writeback: largest FUSE_WRITE is $WB_on_MAX bytes (want >= 512 KiB)"
[ "$WB_off_N" -ge 1000 ] ||
	fail "control without writeback: $WB_off_N FUSE_WRITE (want >= 1000)"

# ---------------------------------------------------------------------
# 3. max_pages: a 1 MiB O_DIRECT write is one 1 MiB FUSE_WRITE.

dio_load() { dd if=/dev/urandom of="$MNT/dio" bs=1M count=1 oflag=direct status=none; }

dio_case() {
	local label=$1
	shift
	start "dio-$label" "$@" || return
	traced dio_load
	eval "DIO_${label}_N=$(count WRITE) DIO_${label}_MAX=$(maxlen WRITE)"
	note "$label: FUSE_WRITE=$(count WRITE), largest request $(maxlen WRITE) bytes"
	cmp -s "$MNT/dio" "$SRC/dio" || fail "dio $label: mount and source differ"
	stop
}

dio_case on --direct-io
dio_case off --direct-io -o max_write=131072
[ "$DIO_on_N" = 1 ] || fail "direct-io: $DIO_on_N FUSE_WRITE for one 1 MiB write (want 1)"
[ "$DIO_on_MAX" -ge $((1 << 20)) ] ||
	fail "direct-io: FUSE_WRITE of $DIO_on_MAX bytes (want >= 1 MiB + headers)"
[ "$DIO_off_N" -ge 8 ] ||
	fail "control max_write=128k: $DIO_off_N FUSE_WRITE (want >= 8)"

# ---------------------------------------------------------------------
# 4. One file, many paths: what one path writes, every other reads back.

PY=$(command -v python3 || true)
[ -n "$PY" ] || note "python3 missing: the mmap paths are left out"

# mmap_write FILE SIZE SEED / mmap_read FILE: shared mappings.
mmap_write() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import mmap, os, random, sys
path, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = random.Random(seed).randbytes(size)
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, size)
m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
m[:] = data
m.flush()
m.close()
os.close(fd)
EOF
}

mmap_sum() {
	"$PY" - "$1" <<'EOF'
import hashlib, mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
print(hashlib.sha256(m[:]).hexdigest())
m.close()
EOF
}

sum() { sha256sum <"$1" | cut -d' ' -f1; }
dsum() { dd if="$1" bs=64k iflag=direct status=none | sha256sum | cut -d' ' -f1; }

# check_reads LABEL WANT NAME: every read path must give WANT.
check_reads() {
	local label=$1 want=$2 name=$3 got
	got=$(sum "$MNT/$name");  [ "$got" = "$want" ] || fail "$label: buffered read through the mount differs"
	got=$(dsum "$MNT/$name"); [ "$got" = "$want" ] || fail "$label: O_DIRECT read through the mount differs"
	got=$(sum "$SRC/$name");  [ "$got" = "$want" ] || fail "$label: the source file differs"
	if [ -n "$PY" ]; then
		got=$(mmap_sum "$MNT/$name")
		[ "$got" = "$want" ] || fail "$label: mmap read through the mount differs"
	fi
}

paths_case() {
	local label=$1 want
	shift
	start "paths-$label" "$@" || return
	# native write, read through the mount
	head -c $((3 << 20)) /dev/urandom >"$TMP/a"
	cp "$TMP/a" "$SRC/native"
	check_reads "$label native write" "$(sum "$TMP/a")" native
	# buffered write through the mount (odd sizes, partial pages)
	head -c $((2 << 20)) /dev/urandom >"$TMP/b"
	dd if="$TMP/b" of="$MNT/buffered" bs=3000 status=none
	check_reads "$label buffered write" "$(sum "$TMP/b")" buffered
	# O_DIRECT write through the mount
	head -c $((2 << 20)) /dev/urandom >"$TMP/c"
	dd if="$TMP/c" of="$MNT/direct" bs=64k oflag=direct status=none
	check_reads "$label O_DIRECT write" "$(sum "$TMP/c")" direct
	# O_DIRECT overwrite of a file whose pages are cached by a buffered read
	cat "$MNT/buffered" >/dev/null
	dd if="$TMP/c" of="$MNT/buffered" bs=64k count=8 oflag=direct conv=notrunc status=none
	{ head -c $((512 << 10)) "$TMP/c"; tail -c +$(((512 << 10) + 1)) "$TMP/b"; } >"$TMP/bc"
	check_reads "$label O_DIRECT over cached pages" "$(sum "$TMP/bc")" buffered
	# mmap write through the mount
	if [ -n "$PY" ]; then
		mmap_write "$MNT/mapped" $(((1 << 20) + 123)) 7
		mmap_write "$TMP/d" $(((1 << 20) + 123)) 7
		check_reads "$label mmap write" "$(sum "$TMP/d")" mapped
	fi
	stop
	# and what the source holds after unmount
	[ "$(sum "$SRC/buffered")" = "$(sum "$TMP/bc")" ] ||
		fail "$label: source after unmount differs"
}

paths_case passthrough
paths_case writeback --nopassthrough
paths_case direct-io --direct-io
paths_case nocache --nocache --nosplice

if [ "$FAILED" = 0 ]; then
	echo "PASS: fast path features in effect"
	exit 0
fi
exit 1

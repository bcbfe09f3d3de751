#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Counts the FUSE requests the kernel sends while a command runs, per
# opcode, from the fuse:fuse_request_send tracepoint: through util/fusestat
# (BPF, -b bpf), a private tracefs instance or `perf record` (-b perf).
# Optionally limited to one mount's connection (-M).
#
# usage: bench/upcalls.sh [-M MOUNTPOINT] [-b bpf|tracefs|perf] [-k KiB] -- CMD...
#   -M  count only requests of the FUSE connection mounted at MOUNTPOINT
#   -b  backend (default bpf if fusestat loads, else tracefs, else perf)
#   -k  tracefs ring buffer per CPU in KiB (default 16384)
# fusestat is $FUSESTAT, default build/util/fusestat.
# The command's own output comes first, then the table on stdout; the exit
# status is the command's.

set -euo pipefail

mnt='' backend='' buf_kb=16384
while getopts "M:b:k:h" c; do
	case $c in
	M) mnt=$OPTARG ;;
	b) backend=$OPTARG ;;
	k) buf_kb=$OPTARG ;;
	*) sed -n '9,17s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" != -- ] || shift
[ $# -gt 0 ] || { sed -n '9,17s/^# \{0,1\}//p' "$0" >&2; exit 2; }

die()
{
	echo "upcalls: $*" >&2
	exit 2
}

[ "$(id -u)" -eq 0 ] || die "needs root (tracing)"

tracefs=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	# Listing the events dir also triggers tracefs' automount.
	if [ -d "$d/events/fuse/fuse_request_send" ]; then
		tracefs=$d
		break
	fi
done
fusestat=${FUSESTAT:-$(dirname "$0")/../build/util/fusestat}
if [ -z "$backend" ]; then
	backend=tracefs
	[ -n "$tracefs" ] || backend=perf
	if [ -x "$fusestat" ] && "$fusestat" --check >/dev/null 2>&1; then
		backend=bpf
	fi
fi
case $backend in
bpf) [ -x "$fusestat" ] || die "no $fusestat (build it, or set FUSESTAT)" ;;
tracefs) [ -n "$tracefs" ] || die "no fuse/fuse_request_send event in tracefs" ;;
perf) command -v perf >/dev/null || die "perf is not installed" ;;
*) die "unknown backend $backend" ;;
esac

# The tracepoint's "connection" is the superblock's kernel dev_t
# (major << 20 | minor), taken from the mount's major:minor.
filter=
if [ -n "$mnt" ]; then
	mnt=$(realpath "$mnt")
	majmin=$(awk -v m="$mnt" '$5 == m { dev = $3 } END { print dev }' \
		/proc/self/mountinfo)
	[ -n "$majmin" ] || die "$mnt is not a mount point"
	filter="connection == $(((${majmin%:*} << 20) | ${majmin#*:}))"
fi

tmp=$(mktemp -d)
inst=
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup()
{
	if [ -n "$inst" ] && [ -d "$inst" ]; then
		echo 0 >"$inst/events/fuse/fuse_request_send/enable" 2>/dev/null || true
		rmdir "$inst" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

rc=0
if [ "$backend" = bpf ]; then
	# Exact counts from BPF maps: no ring buffer that could overflow.
	fargs=()
	[ -z "$mnt" ] || fargs=(-M "$mnt")
	"$fusestat" --json --once -o "$tmp/json" "${fargs[@]}" -- "$@" || rc=$?
	[ -s "$tmp/json" ] || die "fusestat failed (exit $rc)"
	python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["mounts"]:
    for name, o in m["opcodes"].items():
        pre = "" if name.startswith("CUSE_") else "FUSE_"
        print("#count %s%s %d" % (pre, name, o["count"]))
' "$tmp/json" >"$tmp/trace"
elif [ "$backend" = tracefs ]; then
	# A private instance: the global buffer and other tracers stay alone.
	inst=$tracefs/instances/fastfuse-upcalls-$$
	mkdir "$inst"
	echo "$buf_kb" >"$inst/buffer_size_kb"
	ev=$inst/events/fuse/fuse_request_send
	[ -z "$filter" ] || echo "$filter" >"$ev/filter"
	echo 1 >"$ev/enable"
	"$@" || rc=$?
	echo 0 >"$ev/enable"
	cat "$inst/trace" >"$tmp/trace"
	lost=$(awk '/^overrun:/ { s += $2 } END { print s + 0 }' \
		"$inst"/per_cpu/cpu*/stats)
	[ "$lost" -eq 0 ] ||
		echo "upcalls: $lost events lost to ring buffer overrun, raise -k" >&2
else
	pfilter=()
	[ -z "$filter" ] || pfilter=(--filter "$filter")
	perf record -q -a -e fuse:fuse_request_send "${pfilter[@]}" \
		-o "$tmp/perf.data" -- "$@" || rc=$?
	perf script -i "$tmp/perf.data" -F trace >"$tmp/trace" 2>/dev/null
fi

# Each event prints "... opcode N (FUSE_NAME) len L".
echo
echo "FUSE requests sent by the kernel during: $*"
[ -z "$mnt" ] || echo "(only the connection of $mnt, $filter)"
awk '$1 == "#count" { n[$2] += $3; total += $3; next }
{
	if (match($0, /opcode [0-9]+ \([A-Z_0-9]+\)/)) {
		s = substr($0, RSTART, RLENGTH)
		sub(/^opcode [0-9]+ \(/, "", s); sub(/\)$/, "", s)
		n[s]++; total++
	}
} END {
	printf "%-24s %10s\n", "opcode", "count"
	for (k in n)
		printf "%-24s %10d\n", k, n[k] | "sort -k2,2nr -k1,1"
	close("sort -k2,2nr -k1,1")
	printf "%-24s %10d\n", "total", total
}' "$tmp/trace"
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sequential I/O over FUSE-over-io_uring versus /dev/fuse: fio read and
# write, 4k and 1M blocks, psync and io_uring (iodepth 16), buffered and
# O_DIRECT, on example/passthrough_hp --nopassthrough (every byte goes
# through the daemon) with the rings and with -o no_io_uring, same binary.
# Runs alternate A B A B ... per job; medians, ratios and request counts
# (util/fusestat) as markdown on stdout and in bench/results/uring-seq-*.md.
#
# usage: bench/uring_seq.sh BUILDDIR
# env:   SEQ_SIZE (1g) file size, SEQ_SECONDS (4) cap per run, SEQ_REPS (3),
#        SEQ_JOBS ("rw bs engine direct" lines; default: all 16),
#        SEQ_HP_OPTS (extra passthrough_hp options for both daemons),
#        BENCH_RESULTS (bench/results)

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

size=${SEQ_SIZE:-1g}
secs=${SEQ_SECONDS:-4}
reps=${SEQ_REPS:-3}

compat_init "$@"
compat_require_cmd fio jq
bench_require_uring
HP=$BUILDDIR/example/passthrough_hp
FUSESTAT=$BUILDDIR/util/fusestat
[ -x "$HP" ] || fail "$HP was not built"
[ -x "$FUSESTAT" ] || fail "$FUSESTAT was not built"
"$FUSESTAT" --check >/dev/null 2>&1 || skip "fusestat cannot attach (BPF)"

bench_uring_on
# tmpfs source: the backing file costs memory bandwidth only, so what is
# measured is the FUSE transport, not a disk.
srcfs=$TMP/src
bench_tmpfs "$srcfs" 4g fastfuse-seq
info "writing the $size test file"
fio --name=prep --filename="$srcfs/fio.dat" --rw=write --bs=1M \
	--size="$size" --output=/dev/null

sides=(uring dev)
declare -A side_opt side_label
side_opt[uring]=""
side_opt[dev]="-o no_io_uring"
side_label[uring]="io_uring"
side_label[dev]="/dev/fuse"
declare -A pid
for s in "${sides[@]}"; do
	mkdir -p "$TMP/mnt-$s"
	# shellcheck disable=SC2086 # option word lists
	bench_mount "$s" "$TMP/mnt-$s" "" env FUSE_INIT_STATUS=1 \
		"${COMPAT_ENV4[@]}" "$HP" --foreground --nopassthrough \
		${side_opt[$s]} ${SEQ_HP_OPTS:-} "$srcfs" "$TMP/mnt-$s" >/dev/null
	pid[$s]=$DAEMON_PID
	# INIT is answered after the mount appears; a request waits for it
	stat "$TMP/mnt-$s/fio.dat" >/dev/null
done
grep -q 'io_uring=on' "$TMP/uring.err" ||
	fail "the uring daemon is not on the rings: $(grep -h 'io_uring=' "$TMP/uring.err")"
grep -q 'io_uring=off' "$TMP/dev.err" ||
	fail "the /dev/fuse daemon is on the rings"

if [ -n "${SEQ_JOBS:-}" ]; then
	mapfile -t jobs <<<"$SEQ_JOBS"
else
	jobs=()
	for direct in 0 1; do
		for engine in psync io_uring; do
			for bs in 4k 1M; do
				for rw in read write; do
					jobs+=("$rw $bs $engine $direct")
				done
			done
		done
	done
fi

declare -A mibs nreq rsize
add() { eval "$1[\$2]=\"\${$1[\$2]:-}\${$1[\$2]:+ }\$3\""; }

# run_job SIDE RW BS ENGINE DIRECT: one fio run, sequential from offset 0
# until the file ends or the time cap; the mount's page cache is dropped
# first (--invalidate=1) and writes end with fsync so write-back counts.
run_job()
{
	local s=$1 rw=$2 bs=$3 engine=$4 direct=$5 depth=1 op out mb n kib
	local stat=$TMP/stat.json

	[ "$engine" = io_uring ] && depth=16
	op=READ
	[ "$rw" = write ] && op=WRITE
	out=$("$FUSESTAT" --once --json -o "$stat" -M "$TMP/mnt-$s" -- \
		fio --name=j --filename="$TMP/mnt-$s/fio.dat" --size="$size" \
		--rw="$rw" --bs="$bs" --ioengine="$engine" --iodepth="$depth" \
		--direct="$direct" --runtime="$secs" --invalidate=1 \
		--end_fsync="$((direct ? 0 : 1))" --output-format=terse \
		--terse-version=3 2>"$TMP/fio.err") ||
		fail "fio $s $*: $(cat "$TMP/fio.err")"
	# terse v3: 7 read KiB/s, 6 read KiB, 48/47 the same for writes
	read -r mb kib < <(awk -F';' -v w="$rw" '
		{ f = w == "write" ? 48 : 7
		  printf "%.1f %d\n", $f / 1024, $(f - 1) }' <<<"$out")
	n=$(jq -r --arg op "$op" \
		'[.mounts[0].opcodes[$op].count // 0] | add' "$stat")
	add mibs "$s|$rw $bs $engine $direct" "$mb"
	add nreq "$s|$rw $bs $engine $direct" "$n"
	add rsize "$s|$rw $bs $engine $direct" \
		"$(awk -v k="$kib" -v n="$n" 'BEGIN { printf "%d", n ? k / n : 0 }')"
}

bench_clock_start
for ((rep = 1; rep <= reps; rep++)); do
	for j in "${jobs[@]}"; do
		# A B, then B A: neither side always runs first
		if ((rep % 2)); then order=(uring dev); else order=(dev uring); fi
		for s in "${order[@]}"; do
			# shellcheck disable=SC2086 # the job is a word list
			run_job "$s" $j
		done
		info "rep $rep $j: uring ${mibs["uring|$j"]##* }," \
		     "dev ${mibs["dev|$j"]##* } MiB/s"
	done
done
bench_clock_stop
for s in "${sides[@]}"; do
	compat_unmount_wait "$TMP/mnt-$s" "${pid[$s]}" >/dev/null
done

median() { bench_median "$1" %.1f; }

report()
{
	local j u d key
	echo "# Sequential I/O, FUSE-over-io_uring vs /dev/fuse, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(bench_machine)"
	echo "- fastfuse: $(bench_describe), build dir $BUILDDIR"
	echo "- $(fio --version); example/passthrough_hp --nopassthrough" \
	     "${SEQ_HP_OPTS:-}(writeback cache, splice on /dev/fuse) on a" \
	     "tmpfs source, file $size"
	echo "- each run: sequential from offset 0 until EOF or ${secs}s," \
	     "mount's page cache dropped first, writes end with fsync;" \
	     "psync iodepth 1, io_uring iodepth 16"
	echo "- load average before: $load_before, after: $load_after;" \
	     "${elapsed}s in all; median of $reps runs, sides alternating"
	echo "- requests: READ or WRITE requests the daemon saw per run" \
	     "(util/fusestat) and their mean size in KiB (median of runs)"
	echo
	echo "| rw | bs | engine | direct | io_uring MiB/s | /dev/fuse MiB/s | uring/dev | io_uring requests (KiB each) | /dev/fuse requests (KiB each) |"
	echo "|---|---|---|---|---:|---:|---:|---:|---:|"
	for j in "${jobs[@]}"; do
		u=$(median "${mibs["uring|$j"]}")
		d=$(median "${mibs["dev|$j"]}")
		# shellcheck disable=SC2086
		printf '| %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s) |\n' \
			$j "$u" "$d" "$(bench_ratio "$u" "$d")" \
			"$(median "${nreq["uring|$j"]}")" \
			"$(median "${rsize["uring|$j"]}")" \
			"$(median "${nreq["dev|$j"]}")" \
			"$(median "${rsize["dev|$j"]}")"
	done
	echo
	echo "## Raw numbers (MiB/s per run, in run order)"
	echo
	echo '```'
	printf '%s\n' "${!mibs[@]}" | sort | while read -r key; do
		printf '%-28s %s\n' "$key" "${mibs[$key]}"
	done
	echo '```'
}

bench_write_report uring-seq

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What one request costs the daemon, measured so that other work on the
# machine cannot move the numbers: user-space instructions per request
# (valgrind --tool=callgrind counts instructions, not time), system calls
# per request (strace -c) and, as a cross-check that is only mildly load
# sensitive, daemon CPU time per request (utime+stime from /proc). Same
# Debian passthrough_ll binary on Debian's libfuse 3.14 and on our .so.3;
# `stat` with -o timeout=0 = one LOOKUP + one GETATTR round trip.
#
# usage: bench/rt_cost.sh BUILDDIR
# env:   BENCH_STATS (2000) stat calls under callgrind/strace,
#        BENCH_CPU_STATS (50000) stat calls for the CPU-time column,
#        BENCH_RESULTS (bench/results) output directory

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

nstat=${BENCH_STATS:-2000}
ncpu=${BENCH_CPU_STATS:-50000}

compat_init "$@"
compat_require_cmd gcc
compat_require_cmd valgrind
compat_require_cmd strace
compat_require_cmd callgrind_annotate
bench_debian_baseline
[ -z "$(compat_san_env "$SO3")" ] ||
	fail "$SO3 is a sanitizer build: instruction counts would be meaningless"

info "building the stat loop and Debian's passthrough_ll (on the system libfuse3)"
cat >"$TMP/statn.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
int main(int argc, char **argv)
{
	struct stat st;
	long n = argc > 2 ? atol(argv[2]) : 0;

	for (long i = 0; i < n; i++)
		if (stat(argv[1], &st)) {
			perror(argv[1]);
			return 1;
		}
	return 0;
}
EOF
gcc -O2 -Wall "$TMP/statn.c" -o "$TMP/statn"
bench_build_debian_ll

src=$TMP/src mnt=$TMP/mnt
mkdir -p "$src" "$mnt"
echo hello >"$src/f"

# Configurations: label -> library directory (or "system") and daemon flags.
cfgs=(debian-s ours3-s debian-mt ours3-mt-dev ours3-mt)
declare -A cfg_lib cfg_flags cfg_label
cfg_lib[debian-s]=system;   cfg_flags[debian-s]="-s"
cfg_lib[ours3-s]=$LIBDIR3;  cfg_flags[ours3-s]="-s"
cfg_lib[debian-mt]=system;  cfg_flags[debian-mt]=""
cfg_lib[ours3-mt-dev]=$LIBDIR3; cfg_flags[ours3-mt-dev]="-o no_io_uring"
cfg_lib[ours3-mt]=$LIBDIR3; cfg_flags[ours3-mt]=""
cfg_label[debian-s]="Debian 3.14, -s"
cfg_label[ours3-s]="our .so.3, -s"
cfg_label[debian-mt]="Debian 3.14, mt"
cfg_label[ours3-mt-dev]="our .so.3, mt over /dev/fuse"
cfg_label[ours3-mt]="our .so.3, mt (default: io_uring when offered)"

# run CFG N WRAPPER...: mount with the daemon under WRAPPER, stat N times,
# unmount. Sets RUN_PID.
run()
{
	local cfg=$1 n=$2 env=()

	shift 2
	[ "${cfg_lib[$cfg]}" = system ] || env=(env LD_LIBRARY_PATH="${cfg_lib[$cfg]}")
	# shellcheck disable=SC2086 # flags are a word list
	bench_mount "$cfg" "$mnt" "" "${env[@]}" "$@" \
		"$TMP/passthrough_ll.debian" -f ${cfg_flags[$cfg]} \
		-o "source=$src,timeout=0" "$mnt" >/dev/null
	RUN_PID=$DAEMON_PID
	"$TMP/statn" "$mnt/f" "$n"
}

# instr CFG N: user-space instructions of the whole daemon run.
instr()
{
	local out=$TMP/cg.$1.$2

	run "$1" "$2" valgrind -q --tool=callgrind --callgrind-out-file="$out"
	compat_unmount_wait "$mnt" "$RUN_PID" 60 >/dev/null
	callgrind_annotate "$out" 2>/dev/null |
		awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }'
}

# syscalls CFG: "read writev other-loop-calls" per request, from strace -c
syscalls()
{
	local out=$TMP/st.$1

	run "$1" "$nstat" strace -f -c -o "$out"
	compat_unmount_wait "$mnt" "$RUN_PID" 60 >/dev/null
	awk -v r=$((2 * nstat)) '
		$NF ~ /^(read|writev|ppoll|poll|io_uring_enter|write)$/ {
			c[$NF] = $4
		}
		END {
			s = ""; tot = 0
			for (k in c) { tot += c[k]; s = s sprintf("%s %.2f, ", k, c[k] / r) }
			printf "%.2f (%s)\n", tot / r, substr(s, 1, length(s) - 2)
		}' "$out"
}

# cpu CFG: daemon user+system CPU microseconds per request.
cpu()
{
	local t0 t1 hz

	hz=$(getconf CLK_TCK)
	run "$1" 200
	t0=$(awk '{ print $14 + $15 }' "/proc/$RUN_PID/stat")
	"$TMP/statn" "$mnt/f" "$ncpu"
	t1=$(awk '{ print $14 + $15 }' "/proc/$RUN_PID/stat")
	compat_unmount_wait "$mnt" "$RUN_PID" >/dev/null
	awk -v d=$((t1 - t0)) -v hz="$hz" -v r=$((2 * ncpu)) \
		'BEGIN { printf "%.2f", d / hz * 1e6 / r }'
}

load_before=$(bench_load)
declare -A ipr spr cpr
for cfg in "${cfgs[@]}"; do
	if [ "$cfg" = ours3-mt ]; then
		# valgrind 3.19 cannot run io_uring_enter with uring_cmd SQEs:
		# the daemon would hang at its first ring request
		ipr[$cfg]="n/a (valgrind: no io_uring)"
	else
		info "$cfg: callgrind"
		i0=$(instr "$cfg" 0)
		i1=$(instr "$cfg" "$nstat")
		ipr[$cfg]=$(awk -v a="$i0" -v b="$i1" -v r=$((2 * nstat)) \
			'BEGIN { printf "%.0f", (b - a) / r }')
	fi
	info "$cfg: strace"
	spr[$cfg]=$(syscalls "$cfg")
	info "$cfg: CPU time"
	cpr[$cfg]=$(cpu "$cfg")
done
load_after=$(bench_load)

ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b > 0 && a ~ /^[0-9.]+$/) printf "%.2f", a / b;
		else printf "-" }'
}

report()
{
	local cfg base

	echo "# Cost per request in the daemon, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(uname -r), $(nproc) CPUs; load average before: $load_before, after: $load_after"
	echo "- fastfuse: $(bench_describe)"
	echo "- workload: \`stat\` of one file with \`-o timeout=0\` (LOOKUP + GETATTR), same Debian passthrough_ll binary, library swapped"
	echo "- instructions: callgrind, whole daemon incl. the filesystem's own code, ($nstat stats - 0 stats) / requests: exact and repeatable"
	echo "- syscalls: strace -f -c over $nstat stats, read/write/writev/poll/ppoll/io_uring_enter only (the filesystem's fstatat/open/close come from the same binary; futex counts depend on thread interleaving under ptrace and are left out)"
	echo "- CPU: daemon utime+stime over $ncpu stats (load sensitive, a cross-check)"
	echo
	echo "| daemon | instructions/request | vs Debian | loop syscalls/request | CPU µs/request | vs Debian |"
	echo "|---|---:|---:|---|---:|---:|"
	for cfg in "${cfgs[@]}"; do
		base=debian-mt
		[[ $cfg == *-s ]] && base=debian-s
		echo "| ${cfg_label[$cfg]} | ${ipr[$cfg]} | $(ratio "${ipr[$cfg]}" "${ipr[$base]}") | ${spr[$cfg]} | ${cpr[$cfg]} | $(ratio "${cpr[$cfg]}" "${cpr[$base]}") |"
	done
}

bench_write_report rt-cost

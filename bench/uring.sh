#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# FUSE-over-io_uring benchmark: the request round trip (stat() with
# -o timeout=0: LOOKUP + GETATTR per call, 1 and 2 client threads) and a
# 20,000-file create phase, on three daemons side by side:
#   debian  Debian's passthrough_ll on Debian's libfuse 3.14 (/dev/fuse)
#   dev     our example/passthrough_ll on our .so.4, -o no_io_uring
#   uring   the same binary over io_uring (the default once offered)
# all with the default multi-threaded loop. Turns the fuse module's
# enable_uring on for the run and restores it. Median of BENCH_REPS runs,
# ratios, as markdown on stdout and in bench/results/uring-<date>.md.
#
# usage: bench/uring.sh BUILDDIR
# env:   BENCH_SECONDS (2) per round-trip cell, BENCH_REPS (3),
#        BENCH_FILES (20000), BENCH_RESULTS (bench/results)

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

secs=${BENCH_SECONDS:-2}
reps=${BENCH_REPS:-3}
nfiles=${BENCH_FILES:-20000}

compat_init "$@"
compat_require_cmd gcc
bench_require_uring
compat_debian_examples
compat_system_so3
ours_bin=$BUILDDIR/example/passthrough_ll
if [ ! -x "$ours_bin" ] || [ ! -e "$SO4" ]; then
	fail "$ours_bin / $SO4 not built"
fi

bench_uring_on
# The sources live on tmpfs: on a VM disk, ext4's own create cost (over a
# millisecond here) would hide every difference between the daemons.
srcfs=$TMP/srcfs
bench_tmpfs "$srcfs" 1g fastfuse-bench
# Both passthrough_ll keep a descriptor per inode the kernel knows, so
# the files are created in batches that fit the open-file limit, with the
# kernel's inode cache dropped (FORGETs) between batches, untimed.
ulimit -n "$(ulimit -Hn)"
batch=$(( $(ulimit -n) / 2 ))
[ "$batch" -gt "$nfiles" ] && batch=$nfiles

info "building the clients and Debian's passthrough_ll (on the system libfuse3)"
gcc -Wall -Wextra -O2 -pthread "$bench_dir/rt_client.c" -o "$TMP/rt_client"
gcc -Wall -Wextra -O2 "$bench_dir/create_client.c" -o "$TMP/create_client"
bench_build_debian_ll

impls=(debian dev uring)
declare -A impl_cmd impl_opt impl_so impl_label
impl_cmd[debian]="$TMP/passthrough_ll.debian"
impl_so[debian]=$SYSTEM_SO3
impl_label[debian]="Debian 3.14 (/dev/fuse)"
impl_cmd[dev]="${COMPAT_ENV4[*]} $ours_bin"
impl_opt[dev]=",no_io_uring"
impl_so[dev]=$SO4
impl_label[dev]="ours, /dev/fuse"
impl_cmd[uring]="env FUSE_INIT_STATUS=1 ${COMPAT_ENV4[*]} $ours_bin"
impl_so[uring]=$SO4
impl_label[uring]="ours, io_uring"

declare -A res pids

# mount_all CACHEOPTS: every implementation on its own source and mount.
mount_all()
{
	local impl
	for impl in "${impls[@]}"; do
		mkdir -p "$srcfs/src-$impl" "$TMP/mnt-$impl"
		head -c 4096 /dev/zero >"$srcfs/src-$impl/f"
		# shellcheck disable=SC2086 # impl_cmd is a word list
		bench_mount "$impl-$RANDOM" "$TMP/mnt-$impl" "${impl_so[$impl]}" \
			${impl_cmd[$impl]} -f \
			-o "source=$srcfs/src-$impl,$1${impl_opt[$impl]:-}" \
			"$TMP/mnt-$impl" >/dev/null
		pids[$impl]=$DAEMON_PID
		"$TMP/rt_client" -n 200 "$TMP/mnt-$impl/f" >/dev/null
	done
	# The io_uring column must really be on the rings.
	grep -q 'FUSE_INIT: io_uring=on' "$TMP"/uring-*.err ||
		fail "the uring daemon did not start its rings: $(grep -h 'io_uring=' "$TMP"/uring-*.err)"
}

unmount_all()
{
	local impl
	for impl in "${impls[@]}"; do
		compat_unmount_wait "$TMP/mnt-$impl" "${pids[$impl]}" >/dev/null
		rm -rf "$srcfs/src-$impl"
	done
	rm -f "$TMP"/uring-*.err
}

add() { res[$1]="${res[$1]:-}${res[$1]:+ }$2"; }

load_before=$(bench_load)
for ((rep = 1; rep <= reps; rep++)); do
	info "repetition $rep/$reps"
	order=("${impls[@]:rep % ${#impls[@]}}" "${impls[@]:0:rep % ${#impls[@]}}")
	mount_all timeout=0
	for thr in 1 2; do
		for impl in "${order[@]}"; do
			out=$("$TMP/rt_client" -t "$thr" -d "$secs" -m stat \
				"$TMP/mnt-$impl/f")
			r=${out#ops_per_sec=}
			add "rt|$impl|$thr" "${r%% *}"
		done
	done
	for impl in "${order[@]}"; do
		mkdir "$TMP/mnt-$impl/c$rep"
		total=0
		for ((first = 0; first < nfiles; first += batch)); do
			n=$((nfiles - first < batch ? nfiles - first : batch))
			sync
			echo 2 >/proc/sys/vm/drop_caches
			out=$("$TMP/create_client" "$TMP/mnt-$impl/c$rep" "$n" "$first")
			r=${out#seconds=}
			total=$(awk -v a="$total" -v b="${r%% *}" 'BEGIN { print a + b }')
		done
		add "create|$impl" "$total"
	done
	unmount_all
done
load_after=$(bench_load)

median() { bench_median "$1" %.3f; }

report()
{
	local thr d v u key
	echo "# FUSE-over-io_uring benchmark, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(bench_machine)"
	echo "- fastfuse: $(bench_describe), build dir $BUILDDIR"
	echo "- Debian libfuse3-3: $(bench_debian_version)"
	echo "- load average before: $load_before, after: $load_after"
	echo "- median of $reps runs; daemons: default multi-threaded loop;" \
	     "debian = Debian's passthrough_ll on Debian's libfuse,"
	echo "  dev/uring = our example/passthrough_ll on our .so.4 with" \
	     "-o no_io_uring / with the rings"
	echo
	echo "## Round trip: stat() ops/s, -o timeout=0 (LOOKUP + GETATTR each)"
	echo
	echo "| client threads | ${impl_label[debian]} | ${impl_label[dev]} | ${impl_label[uring]} | uring/debian | uring/dev | dev/debian |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for thr in 1 2; do
		d=$(median "${res[rt|debian|$thr]}")
		v=$(median "${res[rt|dev|$thr]}")
		u=$(median "${res[rt|uring|$thr]}")
		echo "| $thr | $d | $v | $u | $(bench_ratio "$u" "$d") | $(bench_ratio "$u" "$v") | $(bench_ratio "$v" "$d") |"
	done
	echo
	echo "## Create phase: $nfiles empty files (open O_CREAT|O_EXCL + close), seconds (lower is better)"
	echo
	echo "in batches of $batch (the open-file limit), inode cache dropped between them, untimed"
	echo
	echo "| ${impl_label[debian]} | ${impl_label[dev]} | ${impl_label[uring]} | debian/uring (speed-up) | dev/uring | debian/dev |"
	echo "|---:|---:|---:|---:|---:|---:|"
	d=$(median "${res[create|debian]}")
	v=$(median "${res[create|dev]}")
	u=$(median "${res[create|uring]}")
	echo "| $d | $v | $u | $(bench_ratio "$d" "$u") | $(bench_ratio "$v" "$u") | $(bench_ratio "$d" "$v") |"
	echo
	echo "## Raw numbers (repetitions in run order)"
	echo
	echo '```'
	for key in $(printf '%s\n' "${!res[@]}" | sort); do
		printf '%-20s %s\n' "$key" "${res[$key]}"
	done
	echo '```'
}

bench_write_report uring

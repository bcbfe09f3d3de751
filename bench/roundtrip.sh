#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Request round-trip benchmark: stat()/fstat() rates (bench/rt_client.c) on
# the native source dir, Debian's passthrough_ll on Debian's libfuse 3.14,
# the same binary on our libfuse3.so.3 and our example/passthrough_ll on our
# .so.4, uncached (timeout=0) and cached. Median of BENCH_REPS runs, as a
# markdown table on stdout and in bench/results/roundtrip-<date>.md.
#
# usage: bench/roundtrip.sh BUILDDIR
# env:   BENCH_SECONDS (2) per measurement, BENCH_REPS (3),
#        BENCH_RESULTS (bench/results) output directory

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

secs=${BENCH_SECONDS:-2}
reps=${BENCH_REPS:-3}

compat_init "$@"
compat_require_cmd gcc
bench_debian_baseline

info "building rt_client and Debian's passthrough_ll (on the system libfuse3)"
gcc -Wall -Wextra -O2 -pthread "$bench_dir/rt_client.c" -o "$TMP/rt_client"
bench_build_debian_ll

bench_impls "$TMP/passthrough_ll.debian" "$BUILDDIR/example/passthrough_ll"

caches=(uncached cached)
declare -A cache_opts
cache_opts[uncached]=timeout=0
cache_opts[cached]=timeout=1,cache=always
dmodes=(st mt)
ops=(stat fstat)
threads=(1 2)

src=$TMP/src mnt=$TMP/mnt
mkdir -p "$src"
head -c 4096 /dev/urandom >"$src/f"

declare -A res

# measure KEY FILE OP THREADS: one run, appended to res[KEY].
measure()
{
	local key=$1 file=$2 op=$3 thr=$4 out rate

	out=$(timeout $((${secs%.*} + 30)) "$TMP/rt_client" -t "$thr" \
		-d "$secs" -m "$op" "$file") ||
		fail "rt_client failed on $file ($key)"
	rate=${out#ops_per_sec=}
	rate=${rate%% *}
	res[$key]="${res[$key]:-}${res[$key]:+ }$rate"
}

# Other work on the machine moves round-trip numbers several-fold; record
# the load so a reader can judge the run.
load_before=$(bench_load)
if awk -v l="${load_before%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > 0.25 * n) }'; then
	echo "warning: load average $load_before on $(nproc) CPUs: numbers will be noisy" >&2
fi
san=$(compat_san_env "$SO3")
[ -z "$san" ] ||
	echo "warning: $SO3 is an ASan build: numbers are not representative" >&2

total_runs=$((reps * (${#caches[@]} * ${#dmodes[@]} * ${#impls[@]} + 1) *
	      ${#ops[@]} * ${#threads[@]}))
info "$total_runs measurements of ${secs}s"
# Drift of the machine must not favour a column: repetitions are the outer
# loop, all implementations are mounted side by side and measured back to
# back for each cell, in an order that rotates with every repetition.
for ((rep = 1; rep <= reps; rep++)); do
	info "repetition $rep/$reps"
	order=("${impls[@]:rep % ${#impls[@]}}" "${impls[@]:0:rep % ${#impls[@]}}")
	for op in "${ops[@]}"; do
		for thr in "${threads[@]}"; do
			measure "native|$op|$thr" "$src/f" "$op" "$thr"
		done
	done
	for cache in "${caches[@]}"; do
		for dmode in "${dmodes[@]}"; do
			declare -A pids=()
			for impl in "${impls[@]}"; do
				flags=()
				[ "$dmode" = st ] && flags=(-s)
				mkdir -p "$mnt-$impl"
				# shellcheck disable=SC2086 # impl_cmd is a word list
				bench_mount "$impl-$cache-$dmode" "$mnt-$impl" \
					"${impl_so[$impl]}" ${impl_cmd[$impl]} -f \
					"${flags[@]}" \
					-o "source=$src,${cache_opts[$cache]}" \
					"$mnt-$impl" >/dev/null
				pids[$impl]=$DAEMON_PID
				"$TMP/rt_client" -n 200 "$mnt-$impl/f" >/dev/null
			done
			for op in "${ops[@]}"; do
				for thr in "${threads[@]}"; do
					for impl in "${order[@]}"; do
						measure "$cache|$dmode|$impl|$op|$thr" \
							"$mnt-$impl/f" "$op" "$thr"
					done
				done
			done
			for impl in "${impls[@]}"; do
				compat_unmount_wait "$mnt-$impl" "${pids[$impl]}" >/dev/null
			done
		done
	done
done

load_after=$(bench_load)

median() { bench_median "$1" %.0f; }

report()
{
	local cache dmode op thr impl n d o3 o4 row label key

	echo "# Request round-trip benchmark, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(bench_machine)"
	echo "- fastfuse: $(bench_describe), build dir $BUILDDIR"
	echo "- Debian libfuse3-3: $(bench_debian_version)"
	echo "- load average (1/5/15 min) before: $load_before, after: $load_after"
	echo "- each cell: median of $reps runs of ${secs}s, operations per second" \
	     "summed over the client threads (bench/rt_client)"
	echo "- uncached: \`-o timeout=0\` (stat = LOOKUP + GETATTR, fstat =" \
	     "GETATTR round trips); cached: \`-o timeout=1,cache=always\`"
	echo "- daemon \`-s\`: single-threaded loop; \`mt\`: default multi-threaded loop"
	echo "- ratios: ours3 = Debian's passthrough_ll binary on our .so.3," \
	     "ours4 = our example/passthrough_ll on our .so.4"
	for cache in "${caches[@]}"; do
		echo
		echo "## $cache (-o ${cache_opts[$cache]})"
		echo
		row="| daemon | op | client threads | native"
		for impl in "${impls[@]}"; do
			row+=" | ${impl_label[$impl]}"
		done
		row+=" | ours3/debian"
		[[ " ${impls[*]} " == *" ours4 "* ]] && row+=" | ours4/debian"
		row+=" | ours3/native |"
		echo "$row"
		# Left-aligned labels, right-aligned numbers.
		bench_rule "$row" 3
		for dmode in "${dmodes[@]}"; do
			for op in "${ops[@]}"; do
				for thr in "${threads[@]}"; do
					n=$(median "${res[native|$op|$thr]}")
					d=$(median "${res[$cache|$dmode|debian|$op|$thr]}")
					o3=$(median "${res[$cache|$dmode|ours3|$op|$thr]}")
					label=mt
					[ "$dmode" = st ] && label=-s
					row="| $label | $op | $thr | $n"
					for impl in "${impls[@]}"; do
						row+=" | $(median "${res[$cache|$dmode|$impl|$op|$thr]}")"
					done
					row+=" | $(bench_ratio "$o3" "$d")"
					if [[ " ${impls[*]} " == *" ours4 "* ]]; then
						o4=$(median "${res[$cache|$dmode|ours4|$op|$thr]}")
						row+=" | $(bench_ratio "$o4" "$d")"
					fi
					row+=" | $(bench_ratio "$o3" "$n") |"
					echo "$row"
				done
			done
		done
	done
	echo
	echo "## Raw numbers (ops/s, repetitions in run order)"
	echo
	echo '```'
	for key in $(printf '%s\n' "${!res[@]}" | sort); do
		printf '%-36s %s\n' "$key" "${res[$key]}"
	done
	echo '```'
}

bench_write_report roundtrip

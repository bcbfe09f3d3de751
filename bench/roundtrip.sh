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
bench_dir=$(cd "$(dirname "$0")" && pwd)
. "$bench_dir/../test/compat/lib.sh"

secs=${BENCH_SECONDS:-2}
reps=${BENCH_REPS:-3}
results_dir=${BENCH_RESULTS:-$bench_dir/results}

compat_init "$@"
compat_require_cmd gcc
compat_debian_examples
compat_system_so3
[ -e "$SO3" ] || fail "$SO3 was not built"

info "building rt_client and Debian's passthrough_ll (on the system libfuse3)"
gcc -Wall -Wextra -O2 -pthread "$bench_dir/rt_client.c" -o "$TMP/rt_client"
# The baseline is built exactly as a Debian user would: Debian's 3.14
# headers, linked against the system libfuse3.so.3.
gcc -Wall -O2 -I"$DEB_X/usr/include/fuse3" \
	"$DEB_EXAMPLES/passthrough_ll.c" -o "$TMP/passthrough_ll.debian" \
	"$SYSTEM_SO3" -lpthread

# Implementations: name -> command prefix and the libfuse it must map.
impls=(debian ours3)
declare -A impl_cmd impl_so impl_label
impl_cmd[debian]="$TMP/passthrough_ll.debian"
impl_so[debian]=$SYSTEM_SO3
impl_label[debian]="Debian 3.14"
impl_cmd[ours3]="${COMPAT_ENV3[*]} $TMP/passthrough_ll.debian"
impl_so[ours3]=$SO3
impl_label[ours3]="same binary, our .so.3"
ours4_bin=$BUILDDIR/example/passthrough_ll
if [ -x "$ours4_bin" ] && [ -e "$SO4" ]; then
	impls+=(ours4)
	impl_cmd[ours4]="${COMPAT_ENV4[*]} $ours4_bin"
	impl_so[ours4]=$SO4
	impl_label[ours4]="our example, .so.4"
else
	info "no $ours4_bin: the ours4 column is left out"
fi

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
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
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
				compat_start "$impl-$cache-$dmode" \
					${impl_cmd[$impl]} -f "${flags[@]}" \
					-o "source=$src,${cache_opts[$cache]}" "$mnt-$impl"
				pids[$impl]=$DAEMON_PID
				compat_wait_mounted "$mnt-$impl" "$DAEMON_PID" >/dev/null
				compat_check_maps "$DAEMON_PID" "${impl_so[$impl]}" >/dev/null
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

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median()
{
	tr ' ' '\n' <<<"$1" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b;
					 else printf "-" }'
}

report()
{
	local cache dmode op thr impl n d o3 o4 row label key

	echo "# Request round-trip benchmark, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(uname -r), $(nproc) CPUs," \
	     "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "- fastfuse: $(git -C "$COMPAT_SRCDIR" describe --always --dirty 2>/dev/null || echo unknown)," \
	     "build dir $BUILDDIR"
	echo "- Debian libfuse3-3: $(dpkg-query -W -f='${Version}' libfuse3-3)"
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
		awk -F'|' '{ s = "|"; for (i = 2; i < NF; i++)
				s = s (i <= 4 ? "---|" : "---:|"); print s }' <<<"$row"
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
					row+=" | $(ratio "$o3" "$d")"
					if [[ " ${impls[*]} " == *" ours4 "* ]]; then
						o4=$(median "${res[$cache|$dmode|ours4|$op|$thr]}")
						row+=" | $(ratio "$o4" "$d")"
					fi
					row+=" | $(ratio "$o3" "$n") |"
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

mkdir -p "$results_dir"
out=$results_dir/roundtrip-$(date +%Y%m%d-%H%M%S).md
report | tee "$out"
info "written to $out"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Data-path benchmark with fio: read, randread, write, randwrite; 4k and 1M
# blocks; psync and io_uring (iodepth 16); buffered and O_DIRECT; on one
# 2 GiB file, side by side on the native source dir, Debian's passthrough_ll
# on Debian's libfuse 3.14, that binary on our libfuse3.so.3, and our
# example/passthrough_hp on our .so.4 with passthrough (everything on) and
# with --nopassthrough (writeback cache, 1 MiB requests, splice). Markdown
# table of MiB/s with ratios, plus raw numbers, on stdout and in
# bench/results/fio-<date>.md.
#
# usage: bench/fio.sh BUILDDIR
# env:   FIO_SECONDS (5) per job, FIO_SIZE (2g), FIO_COLUMNS (all:
#        "native debian ours3 hp hpnopt"), BENCH_RESULTS (bench/results)

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

secs=${FIO_SECONDS:-5}
size=${FIO_SIZE:-2g}
columns=(${FIO_COLUMNS:-native debian ours3 hp hpnopt})

compat_init "$@"
compat_require_cmd gcc fio
bench_debian_baseline
HP=$BUILDDIR/example/passthrough_hp
[ -x "$HP" ] || fail "$HP was not built"

info "building Debian's passthrough_ll against the system libfuse3"
bench_build_debian_ll

bench_columns

src=$TMP/src
mkdir -p "$src"
info "writing the ${size} test file"
fio --name=prep --filename="$src/fio.dat" --rw=write --bs=1M --size="$size" \
	--end_fsync=1 --output=/dev/null

# mount_col COL: mounts column COL on $TMP/mnt-COL (nothing for native),
# proving from the daemon's maps the column's claim about its library;
# sets DIR, where fio works, and MOUNT_PID.
mount_col()
{
	bench_mount_col "$1" "$1" "$src" "$TMP/mnt-$1" "${col_so[$1]:-}"
}

declare -A res
jobs=()
for direct in 0 1; do
	for engine in psync io_uring; do
		for bs in 4k 1M; do
			for rw in read randread write randwrite; do
				jobs+=("$rw $bs $engine $direct")
			done
		done
	done
done

# run_job DIR RW BS ENGINE DIRECT: one fio job; prints "MiB/s IOPS" or "err".
run_job()
{
	local dir=$1 rw=$2 bs=$3 engine=$4 direct=$5 depth=1 out f

	[ "$engine" = io_uring ] && depth=16
	out=$(fio --name=j --filename="$dir/fio.dat" --size="$size" \
		--rw="$rw" --bs="$bs" --ioengine="$engine" --iodepth="$depth" \
		--direct="$direct" --time_based --runtime="$secs" --ramp_time=1 \
		--randrepeat=0 --norandommap --invalidate=0 --output-format=terse \
		--terse-version=3 2>"$TMP/fio.err") || { echo err; return; }
	# terse v3: 5 error, 7/8 read KiB/s and IOPS, 48/49 the same for writes
	awk -F';' -v w="${rw#rand}" '
		$5 != 0 { print "err"; exit }
		{ f = w == "write" ? 48 : 7
		  printf "%.1f %d\n", $f / 1024, $(f + 1) }' <<<"$out"
}

bench_clock_start
info "${#columns[@]} columns x ${#jobs[@]} jobs of ${secs}s"
for col in "${columns[@]}"; do
	mount_col "$col"
	info "column $col on $DIR"
	cat "$DIR/fio.dat" >/dev/null
	for j in "${jobs[@]}"; do
		read -r rw bs engine direct <<<"$j"
		res["$col|$j"]=$(run_job "$DIR" $rw $bs $engine $direct)
		info "  $col $j: ${res["$col|$j"]}"
	done
	bench_unmount_col
done
bench_clock_stop

mibs() { local v=${res["$1"]:-err}; echo "${v%% *}"; }
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "err" || b == "err" || b + 0 == 0)
		print "-"; else printf "%.2f", a / b }'
}
has() { [[ " ${columns[*]} " == *" $1 "* ]]; }

report()
{
	local j col row
	echo "# fio data-path benchmark, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(bench_machine), $(bench_mem)"
	echo "- fastfuse: $(bench_describe), build dir $BUILDDIR;" \
	     "Debian libfuse3-3 $(bench_debian_version)"
	echo "- $(fio --version), file $size on $(df -T "$src" | awk 'NR == 2 { print $2 }')," \
	     "${secs}s per job after 1s ramp, psync iodepth 1, io_uring iodepth 16"
	echo "- load average before: $load_before, after: $load_after; ${elapsed}s in all"
	echo "- cells: MiB/s (\`err\`: fio failed, e.g. EINVAL for O_DIRECT)"
	echo "- buffered jobs run on warm caches (\`--invalidate=0\`, the file is" \
	     "read once per column first): fio's default would drop only the" \
	     "mount's page cache, not the source's, and favour the FUSE columns"
	echo "- hp = example/passthrough_hp (passthrough on), hpnopt = the same with" \
	     "--nopassthrough (writeback cache, splice, 1 MiB requests)"
	echo
	row="| rw | bs | engine | direct"
	for col in "${columns[@]}"; do row+=" | ${col_label[$col]}"; done
	has ours3 && has debian && row+=" | ours3/debian"
	has hp && has native && row+=" | hp/native"
	has hpnopt && has debian && row+=" | hpnopt/debian"
	echo "$row |"
	bench_rule "$row" 4
	for j in "${jobs[@]}"; do
		read -r rw bs engine direct <<<"$j"
		row="| $rw | $bs | $engine | $direct"
		for col in "${columns[@]}"; do row+=" | $(mibs "$col|$j")"; done
		has ours3 && has debian &&
			row+=" | $(ratio "$(mibs "ours3|$j")" "$(mibs "debian|$j")")"
		has hp && has native &&
			row+=" | $(ratio "$(mibs "hp|$j")" "$(mibs "native|$j")")"
		has hpnopt && has debian &&
			row+=" | $(ratio "$(mibs "hpnopt|$j")" "$(mibs "debian|$j")")"
		echo "$row |"
	done
	echo
	echo "## Raw numbers (MiB/s IOPS)"
	echo
	echo '```'
	printf '%s\n' "${!res[@]}" | sort | while read -r key; do
		printf '%-40s %s\n' "$key" "${res[$key]}"
	done
	echo '```'
}

bench_write_report fio

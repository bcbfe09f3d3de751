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
bench_dir=$(cd "$(dirname "$0")" && pwd)
. "$bench_dir/../test/compat/lib.sh"

secs=${FIO_SECONDS:-5}
size=${FIO_SIZE:-2g}
results_dir=${BENCH_RESULTS:-$bench_dir/results}
columns=(${FIO_COLUMNS:-native debian ours3 hp hpnopt})

compat_init "$@"
compat_require_cmd gcc fio
compat_debian_examples
compat_system_so3
[ -e "$SO3" ] || fail "$SO3 was not built"
HP=$BUILDDIR/example/passthrough_hp
[ -x "$HP" ] || fail "$HP was not built"

info "building Debian's passthrough_ll against the system libfuse3"
# The baseline is built exactly as a Debian user would: Debian's 3.14
# headers, linked against the system libfuse3.so.3.
gcc -Wall -O2 -I"$DEB_X/usr/include/fuse3" \
	"$DEB_EXAMPLES/passthrough_ll.c" -o "$TMP/passthrough_ll.debian" \
	"$SYSTEM_SO3" -lpthread

declare -A col_label col_so
col_label[native]="native"
col_label[debian]="Debian 3.14 passthrough_ll"
col_label[ours3]="same binary, our .so.3"
col_label[hp]="our passthrough_hp"
col_label[hpnopt]="passthrough_hp --nopassthrough"
col_so[debian]=$SYSTEM_SO3
col_so[ours3]=$SO3
col_so[hp]=$SO4
col_so[hpnopt]=$SO4

src=$TMP/src
mkdir -p "$src"
info "writing the ${size} test file"
fio --name=prep --filename="$src/fio.dat" --rw=write --bs=1M --size="$size" \
	--end_fsync=1 --output=/dev/null

# mount_col COL: mounts column COL on $TMP/mnt-COL (nothing for native);
# sets DIR, where fio works, and MOUNT_PID.
mount_col()
{
	local col=$1 mnt=$TMP/mnt-$1

	DIR=$src MOUNT_PID=
	[ "$col" = native ] && return
	mkdir -p "$mnt"
	case $col in
	debian) compat_start "$col" "$TMP/passthrough_ll.debian" -f \
			-o "source=$src" "$mnt" ;;
	ours3) compat_start "$col" "${COMPAT_ENV3[@]}" "$TMP/passthrough_ll.debian" \
			-f -o "source=$src" "$mnt" ;;
	hp) compat_start "$col" "${COMPAT_ENV4[@]}" "$HP" --foreground \
			"$src" "$mnt" ;;
	hpnopt) compat_start "$col" "${COMPAT_ENV4[@]}" "$HP" --foreground \
			--nopassthrough "$src" "$mnt" ;;
	esac
	compat_wait_mounted "$mnt" "$DAEMON_PID" >/dev/null
	# The column's claim about its library, proven by the daemon's maps.
	compat_check_maps "$DAEMON_PID" "${col_so[$col]}"
	DIR=$mnt MOUNT_PID=$DAEMON_PID
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

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_time=$(date +%s)
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
	[ -z "$MOUNT_PID" ] ||
		compat_unmount_wait "$DIR" "$MOUNT_PID" >/dev/null
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - start_time))

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
	echo "- machine: $(uname -r), $(nproc) CPUs," \
	     "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
	     "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- fastfuse: $(git -C "$COMPAT_SRCDIR" describe --always --dirty 2>/dev/null || echo unknown)," \
	     "build dir $BUILDDIR; Debian libfuse3-3 $(dpkg-query -W -f='${Version}' libfuse3-3)"
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
	awk -F'|' '{ s = "|"; for (i = 2; i <= NF; i++)
			s = s (i <= 5 ? "---|" : "---:|"); print s }' <<<"$row"
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

mkdir -p "$results_dir"
out=$results_dir/fio-$(date +%Y%m%d-%H%M%S).md
report | tee "$out"
info "written to $out"

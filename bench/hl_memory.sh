#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Memory per cached node of the path API: example/passthrough (subdir
# module, -o noforget so every node stays) walks a tree of BENCH_FILES
# (200,000) empty files; the daemon's VmRSS before and after gives bytes
# per node. The same binary, built against Debian's 3.14 headers and
# linked with the system libfuse3.so.3, runs on Debian's library and on
# our .so.3 (LD_LIBRARY_PATH); our example on our .so.4 runs too when
# built. Markdown table on stdout and in bench/results/hl-memory-<date>.md.
#
# usage: bench/hl_memory.sh BUILDDIR
# env:   BENCH_FILES (200000), BENCH_MODES ("st mt": -s and the default
#        multi-threaded loop), BENCH_RESULTS (bench/results)

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

nfiles=${BENCH_FILES:-200000}
read -ra modes <<<"${BENCH_MODES:-st mt}"
per_dir=500

compat_init "$@"
compat_require_cmd gcc find
bench_debian_baseline
[ "$nfiles" -ge "$per_dir" ] || fail "BENCH_FILES must be at least $per_dir"

info "building example/passthrough against Debian's headers and library"
# Exactly what a Debian user would build: Debian's 3.14 headers, linked
# with the system libfuse3.so.3. Warnings are not ours to judge here.
gcc -O2 -I"$DEB_X/usr/include/fuse3" -I"$COMPAT_SRCDIR/example" \
	"$COMPAT_SRCDIR/example/passthrough.c" -o "$TMP/passthrough.debian" \
	"$SYSTEM_SO3" -lpthread

bench_impls "$TMP/passthrough.debian" "$BUILDDIR/example/passthrough"

# ------------------------------------------------------------------
# The tree: on a private tmpfs (fast to build, nothing on disk), two
# levels of directories with $per_dir empty files in each leaf.

src=$TMP/src mnt=$TMP/mnt
mkdir -p "$src" "$mnt"
leaves=$(((nfiles + per_dir - 1) / per_dir))
top=$(awk -v n="$leaves" 'BEGIN { t = int(sqrt(n)); if (t * t < n) t++; print t }')
if mount -t tmpfs -o "size=1g,nr_inodes=$((nfiles * 2 + 10000)),mode=0755" \
	hl-memory "$src" 2>/dev/null; then
	compat_mounts=("$src" "${compat_mounts[@]}")
	fs_kind=tmpfs
else
	fs_kind=$(stat -f -c %T "$src")
	info "no tmpfs: building the tree on $fs_kind"
fi
info "creating $nfiles files in $leaves directories ($top top-level)"
made=0
for ((i = 0; i < top && made < nfiles; i++)); do
	for ((j = 0; j < top && made < nfiles; j++)); do
		d=$src/d$i/e$j
		mkdir -p "$d"
		n=$((nfiles - made < per_dir ? nfiles - made : per_dir))
		(cd "$d" && eval "touch f{1..$n}")
		made=$((made + n))
	done
done
entries=$(find "$src" -mindepth 1 | wc -l)
info "$entries entries below the source"

rss_kib()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# Stats every entry (find -printf %s needs a stat); prints the count.
walk()
{
	timeout 600 find "$1" -mindepth 1 -printf '%s\n' | wc -l
}

declare -A res

# measure IMPL MODE: mount, RSS before/after one and two walks, unmount.
measure()
{
	local impl=$1 mode=$2 flags=() pid before after1 after2 n1 n2 t0 t1

	[ "$mode" = st ] && flags=(-s)
	# shellcheck disable=SC2086 # impl_cmd is a word list
	bench_mount "$impl-$mode" "$mnt" "${impl_so[$impl]}" \
		${impl_cmd[$impl]} -f "${flags[@]}" \
		-o "noforget,modules=subdir,subdir=$src" "$mnt" >/dev/null
	pid=$DAEMON_PID
	ls "$mnt" >/dev/null
	sleep 0.5
	before=$(rss_kib "$pid")
	t0=$(date +%s.%N)
	n1=$(walk "$mnt")
	t1=$(date +%s.%N)
	after1=$(rss_kib "$pid")
	n2=$(walk "$mnt")
	after2=$(rss_kib "$pid")
	[ "$n1" = "$entries" ] && [ "$n2" = "$entries" ] ||
		fail "$impl: walks saw $n1 and $n2 entries, the source has $entries"
	compat_unmount_wait "$mnt" "$pid" 30 >/dev/null
	res[$impl|$mode]="$before $after1 $after2 $n1 $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
	info "$impl $mode: RSS ${before} -> ${after1} -> ${after2} KiB over $n1 nodes"
}

san=$(compat_san_env "$SO3")
[ -z "$san" ] ||
	echo "warning: $SO3 is an ASan build: numbers are not representative" >&2
load_before=$(bench_load)
for mode in "${modes[@]}"; do
	for impl in "${impls[@]}"; do
		measure "$impl" "$mode"
	done
done
load_after=$(bench_load)

# per_node BEFORE AFTER NODES: bytes per node, from KiB.
per_node()
{
	awk -v b="$1" -v a="$2" -v n="$3" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }'
}

report()
{
	local mode impl before after1 after2 n secs d bpn dbpn

	echo "# Path-API memory per cached node, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(uname -r), $(nproc) CPUs, $(bench_mem)"
	echo "- fastfuse: $(bench_describe), build dir $BUILDDIR"
	echo "- Debian libfuse3-3: $(bench_debian_version)"
	echo "- tree: $entries entries ($nfiles empty files in $leaves directories" \
	     "of $per_dir, under $top top-level directories) on $fs_kind"
	echo "- daemon: example/passthrough \`-o noforget,modules=subdir,subdir=SRC\`" \
	     "(noforget: the library keeps every node it has handed out)"
	echo "- walk: \`find MNT -printf %s\` (a stat of every entry), done twice;" \
	     "RSS is VmRSS of the daemon before the first walk and after each"
	echo "- load average (1/5/15 min) before: $load_before, after: $load_after"
	for mode in "${modes[@]}"; do
		echo
		if [ "$mode" = st ]; then
			echo "## single-threaded loop (-s)"
		else
			echo "## multi-threaded loop (default)"
		fi
		echo
		echo "| library | RSS before (KiB) | after walk 1 (KiB) | after walk 2 (KiB) | nodes | walk 1 (s) | bytes per node | vs Debian |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		read -r before after1 after2 n secs <<<"${res[debian|$mode]}"
		dbpn=$(per_node "$before" "$after1" "$n")
		for impl in "${impls[@]}"; do
			read -r before after1 after2 n secs <<<"${res[$impl|$mode]}"
			bpn=$(per_node "$before" "$after1" "$n")
			d=$(bench_ratio "$bpn" "$dbpn")
			echo "| ${impl_label[$impl]} | $before | $after1 | $after2 | $n | $secs | $bpn | $d |"
		done
	done
}

bench_write_report hl-memory

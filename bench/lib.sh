# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared helpers for the side-by-side benchmarks in bench/ (sourced, never
# run), on top of test/compat/lib.sh: the Debian baseline daemon, mounting a
# daemon and proving which libfuse it maps, FUSE-over-io_uring on for a run,
# the report's statistics and header facts, and the result file.

# Variables set here (bench_dir, results_dir, impls, ...) are used by the
# sourcing script.
# shellcheck disable=SC2034

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/compat/lib.sh
. "$bench_dir/../test/compat/lib.sh"

results_dir=${BENCH_RESULTS:-$bench_dir/results}
BENCH_URING_PARAM=/sys/module/fuse/parameters/enable_uring

# bench_debian_baseline: what a run side by side with Debian needs: Debian's
# example sources and headers, the system libfuse3.so.3 and our .so.3.
bench_debian_baseline()
{
	compat_debian_examples
	compat_system_so3
	[ -e "$SO3" ] || fail "$SO3 was not built"
}

# bench_build_debian_ll: $TMP/passthrough_ll.debian, the baseline, built
# exactly as a Debian user would: Debian's 3.14 headers, linked against the
# system libfuse3.so.3 (after bench_debian_baseline).
bench_build_debian_ll()
{
	gcc -Wall -O2 -I"$DEB_X/usr/include/fuse3" \
		"$DEB_EXAMPLES/passthrough_ll.c" -o "$TMP/passthrough_ll.debian" \
		"$SYSTEM_SO3" -lpthread
}

# bench_impls BIN OURS4: the implementations of roundtrip.sh and
# hl_memory.sh: debian (BIN on the system libfuse3), ours3 (BIN on our
# .so.3) and, when built, ours4 (our example OURS4 on our .so.4). Sets
# impls and, per name, impl_cmd (command prefix, a word list), impl_so (the
# libfuse it must map) and impl_label.
bench_impls()
{
	local bin=$1 ours4=$2

	impls=(debian ours3)
	declare -gA impl_cmd impl_so impl_label
	impl_cmd[debian]=$bin
	impl_so[debian]=$SYSTEM_SO3
	impl_label[debian]="Debian 3.14"
	impl_cmd[ours3]="${COMPAT_ENV3[*]} $bin"
	impl_so[ours3]=$SO3
	impl_label[ours3]="same binary, our .so.3"
	if [ -x "$ours4" ] && [ -e "$SO4" ]; then
		impls+=(ours4)
		impl_cmd[ours4]="${COMPAT_ENV4[*]} $ours4"
		impl_so[ours4]=$SO4
		impl_label[ours4]="our example, .so.4"
	else
		info "no $ours4: the ours4 column is left out"
	fi
}

# bench_mount NAME MNT SOFILE CMD...: starts the daemon CMD (logs
# $TMP/NAME.out/.err), waits until MNT is mounted and, unless SOFILE is
# empty, proves from its maps that it runs on SOFILE (one info line on
# stdout). Sets DAEMON_PID.
bench_mount()
{
	local name=$1 mnt=$2 so=$3

	shift 3
	compat_start "$name" "$@"
	compat_wait_mounted "$mnt" "$DAEMON_PID"
	[ -z "$so" ] || compat_check_maps "$DAEMON_PID" "$so"
}

# bench_columns: the columns of fio.sh and meta.sh, native, debian, ours3,
# hp and hpnopt (the KINDs of bench_mount_col): col_label, their labels,
# and col_so, the libfuse each must map (none for native).
bench_columns()
{
	declare -gA col_label col_so
	col_label[native]="native"
	col_label[debian]="Debian 3.14 passthrough_ll"
	col_label[ours3]="same binary, our .so.3"
	col_label[hp]="our passthrough_hp"
	col_label[hpnopt]="passthrough_hp --nopassthrough"
	col_so[debian]=$SYSTEM_SO3
	col_so[ours3]=$SO3
	col_so[hp]=$SO4
	col_so[hpnopt]=$SO4
}

# bench_mount_col NAME KIND SRC MNT SOFILE [OPT]: SRC through a passthrough
# daemon on MNT, proven to map SOFILE. KIND: native (nothing mounted),
# debian ($TMP/passthrough_ll.debian), ours3 (that binary on our .so.3),
# hp / hpnopt (our example/passthrough_hp, without / with
# --nopassthrough), ll (our example/passthrough_ll); OPT is one more -o
# option for hp, hpnopt and ll. Sets DIR (where the workload runs) and
# MOUNT_PID (empty for native).
bench_mount_col()
{
	local name=$1 kind=$2 src=$3 mnt=$4 so=$5 opt=${6:-}
	local -a cmd

	DIR=$src MOUNT_PID=
	[ "$kind" = native ] && return
	mkdir -p "$mnt"
	case $kind in
	debian) cmd=("$TMP/passthrough_ll.debian" -f -o "source=$src") ;;
	ours3) cmd=("${COMPAT_ENV3[@]}" "$TMP/passthrough_ll.debian"
		    -f -o "source=$src") ;;
	hp|hpnopt)
		cmd=("${COMPAT_ENV4[@]}" "$BUILDDIR/example/passthrough_hp"
		     --foreground)
		[ "$kind" = hp ] || cmd+=(--nopassthrough)
		[ -z "$opt" ] || cmd+=(-o "$opt")
		cmd+=("$src") ;;
	ll) cmd=("${COMPAT_ENV4[@]}" "$BUILDDIR/example/passthrough_ll" -f
		 -o "source=$src${opt:+,$opt}") ;;
	*) fail "unknown daemon kind $kind" ;;
	esac
	bench_mount "$name" "$mnt" "$so" "${cmd[@]}" "$mnt"
	DIR=$mnt MOUNT_PID=$DAEMON_PID
}

# bench_unmount_col: undoes bench_mount_col (nothing for native).
bench_unmount_col()
{
	[ -z "$MOUNT_PID" ] || compat_unmount_wait "$DIR" "$MOUNT_PID" >/dev/null
}

# bench_require_uring: skips on a kernel without FUSE-over-io_uring.
bench_require_uring()
{
	[ -e "$BENCH_URING_PARAM" ] ||
		skip "this kernel has no FUSE-over-io_uring ($BENCH_URING_PARAM)"
}

# bench_uring_on: the fuse module's enable_uring on for this run; the
# machine is left as found, whatever happens.
bench_uring_on()
{
	bench_uring_was=$(cat "$BENCH_URING_PARAM")
	trap bench_cleanup EXIT
	echo Y >"$BENCH_URING_PARAM"
}

bench_cleanup()
{
	local rc=$?

	set +e
	[ -z "${bench_uring_was:-}" ] ||
		echo "$bench_uring_was" >"$BENCH_URING_PARAM"
	(exit "$rc")
	compat_cleanup
}

# bench_tmpfs DIR SIZE NAME: a tmpfs on DIR (created), unmounted by the
# cleanup after the FUSE mounts that use it as their source.
bench_tmpfs()
{
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" "$3" "$1" ||
		fail "cannot mount a tmpfs on $1"
	compat_mounts=("$1" "${compat_mounts[@]}")
}

# bench_median "V1 V2 ..." [FORMAT]: the median; for an even count the mean
# of the middle two, printed with the printf FORMAT (else as awk prints).
bench_median()
{
	tr ' ' '\n' <<<"$1" | sort -g |
		awk -v fmt="${2:-}" '{ v[NR] = $1 } END {
			if (NR == 0) { print 0; exit }
			if (NR % 2) { print v[(NR + 1) / 2]; exit }
			m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (fmt == "") print m; else printf fmt "\n", m }'
}

# bench_ratio A B: A/B with two decimals, "-" when B is not positive.
bench_ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b;
					 else printf "-" }'
}

bench_load()
{
	cut -d' ' -f1-3 /proc/loadavg
}

# bench_clock_start, bench_clock_stop: around the measurements, set
# load_before and load_after (1/5/15 min load average) and elapsed (s).
bench_clock_start()
{
	load_before=$(bench_load)
	bench_start_time=$(date +%s)
}

bench_clock_stop()
{
	load_after=$(bench_load)
	elapsed=$(($(date +%s) - bench_start_time))
}

# bench_rule ROW LEFT: the markdown line under the table header ROW
# ("| a | b", with or without the closing "|"): the first LEFT columns
# left-aligned (labels), the others right-aligned (numbers).
bench_rule()
{
	awk -F'|' -v left="$2" '{ sub(/ *\|$/, ""); s = "|"
		for (i = 2; i <= NF; i++) s = s (i <= left + 1 ? "---|" : "---:|")
		print s }' <<<"$1"
}

# Facts for the report's header.
bench_machine()
{
	echo "$(uname -r), $(nproc) CPUs," \
	     "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
}

bench_mem()
{
	awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo
}

bench_describe()
{
	git -C "$COMPAT_SRCDIR" describe --always --dirty 2>/dev/null ||
		echo unknown
}

bench_debian_version()
{
	dpkg-query -W -f='${Version}' libfuse3-3
}

# bench_write_report NAME: the sourcing script's report() on stdout and in
# $results_dir/NAME-<date>.md.
bench_write_report()
{
	local out

	mkdir -p "$results_dir"
	out=$results_dir/$1-$(date +%Y%m%d-%H%M%S).md
	report | tee "$out"
	info "written to $out"
}

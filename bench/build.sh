#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A real build, side by side: untar Debian's linux-source-6.1, `make
# tinyconfig`, `make -j2`, natively and on several FUSE passthrough
# daemons (Debian's passthrough_ll on Debian's libfuse 3.14 and on our .so.3,
# our passthrough_hp/passthrough_ll with and without cache policies). Wall
# time per phase, ratios to native, upcalls per opcode (util/fusestat);
# stdout and bench/results/build-<date>.md.
#
# usage: bench/build.sh BUILDDIR
# env:   BENCH_CONFIGS (default "native debian ours3 fast fast+local
#          nopt+local"), see bench/README.md for the names
#        BENCH_REPS (1; median when more), BENCH_SUBSET (make targets of the
#          build phase instead of the whole kernel, e.g. "init/"),
#        BENCH_JOBS (2), BENCH_TREE (deps: the files the build uses; full),
#        BENCH_POLICY (policy file of the +policy configs),
#        BENCH_RESULTS (bench/results), BENCH_TARBALL (Debian's tarball)

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

reps=${BENCH_REPS:-1}
jobs=${BENCH_JOBS:-2}
subset=${BENCH_SUBSET:-}
tarball=${BENCH_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
configs=(${BENCH_CONFIGS:-native debian ours3 fast fast+local nopt+local})
phases=(untar tinyconfig build)

# prepare_deps_tarball: the daemons of this machine may keep at most 20,000
# descriptors (RLIMIT_NOFILE, not raisable here) and the passthrough
# examples keep one per inode the kernel knows, more than the full tree's
# ~86,000 when memory is plenty. So the tarball is cut down to the files
# the tinyconfig build reads (atime after one native build) plus every
# Makefile, Kbuild, Kconfig and *.mk, symlinks and directories: the same
# build, ~10,000 inodes. Cached in BUILDDIR/compat-cache; sets tarball.
prepare_deps_tarball()
{
	local cache=$BUILDDIR/compat-cache/linux-deps ver out d=$TMP/prep
	local t=linux-source-6.1

	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo x)
	out=$cache/linux-source-6.1-$ver-tinyconfig-deps.tar.xz
	tarball_full=$tarball
	tarball=$out
	[ ! -s "$out" ] || return 0
	mkdir -p "$cache" "$d"
	info "one-time: native build to find the files it reads (~6 min)"
	findmnt -n -o OPTIONS -T "$d" | grep -qw noatime &&
		fail "$d is on a noatime filesystem: cannot find the files read"
	tar -xf "$tarball_full" -C "$d"
	# Every atime in the past: relatime then records the first read.
	find "$d/$t" -exec touch -a -h -d '2000-01-01 00:00:00' {} +
	(cd "$d/$t" && make tinyconfig && make -j"$jobs") >"$d/log" 2>&1 ||
		fail "native build for the file list failed, see $d/log"
	(cd "$d" &&
	 { find $t -newerat '2001-01-01' -type f
	   find $t -type l
	   find $t -type f \( -name 'Makefile*' -o -name 'Kbuild*' \
		-o -name 'Kconfig*' -o -name '*.mk' \) ; } | sort -u >files
	 tar -tf "$tarball_full" | grep -v '/$' | sort >orig
	 comm -12 orig files >keep
	 awk -F/ '{ p = $1; print p; for (i = 2; i < NF; i++) {
			p = p "/" $i; print p } }' keep | sort -u >dirs
	 sort dirs keep >list
	 tar --no-recursion -cf - -T list | xz -T"$jobs" -6 >"$out.tmp") ||
		fail "making $out failed"
	mv "$out.tmp" "$out"
	info "$out: $(wc -l <"$d/keep") files, $(wc -l <"$d/dirs") directories"
	rm -rf "$d"
}

compat_init "$@"
compat_require_cmd gcc python3

# The bench installs what a kernel build needs (never libfuse3-dev).
need=()
[ -e "$tarball" ] || need+=(linux-source-6.1)
for p in make flex bison bc xz-utils libelf-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	info "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" \
		>"$TMP/apt.log" 2>&1 || fail "apt-get install ${need[*]} failed"
fi
[ -e "$tarball" ] || fail "$tarball missing"

compat_debian_examples
compat_system_so3
tree=${BENCH_TREE:-deps}
case $tree in
deps) prepare_deps_tarball ;;
full) ;;
*) fail "BENCH_TREE must be deps or full" ;;
esac
FUSESTAT=$BUILDDIR/util/fusestat
"$FUSESTAT" --check >/dev/null 2>&1 ||
	fail "$FUSESTAT cannot attach (build it; needs root and BPF)"
# A tree of ~86,000 files: passthrough daemons keep one fd per known inode
# and the kernel forgets few of them on a machine with free memory.
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"

info "building Debian's passthrough_ll against the system libfuse3"
bench_build_debian_ll

policy=${BENCH_POLICY:-$TMP/build.policy}
if [ -z "${BENCH_POLICY:-}" ]; then
	# doc/fastpath-policy.md, "A build tree on a local passthrough",
	# plus open reuse: the kernel skips OPEN/RELEASE, the library opens
	# each file once (read-write) and keeps the page cache
	printf '%s\n' 'base local' 'xattr none' 'killpriv_v2 yes' \
		'reuse_open yes' 'reuse_writes yes' >"$policy"
fi
[ -r "$policy" ] || fail "policy file $policy not readable"

# Config names: native, debian, ours3, or BASE[+CACHE] with BASE fast
# (our passthrough_hp, passthrough on), nopt (passthrough_hp
# --nopassthrough) or ll (our passthrough_ll), CACHE a built-in profile
# (local, readonly, shared) or "policy" ($policy).
declare -A cfg_label cfg_so
for c in "${configs[@]}"; do
	base=${c%%+*} cache=
	[ "$base" = "$c" ] || cache=${c#*+}
	case $base in
	native) cfg_label[$c]="native" ;;
	debian) cfg_label[$c]="Debian passthrough_ll, Debian libfuse 3.14"
		cfg_so[$c]=$SYSTEM_SO3 ;;
	ours3) cfg_label[$c]="same binary, our .so.3"; cfg_so[$c]=$SO3 ;;
	fast) cfg_label[$c]="our passthrough_hp (passthrough)"; cfg_so[$c]=$SO4 ;;
	nopt) cfg_label[$c]="our passthrough_hp --nopassthrough"; cfg_so[$c]=$SO4 ;;
	ll) cfg_label[$c]="our passthrough_ll"; cfg_so[$c]=$SO4 ;;
	*) fail "unknown configuration $c" ;;
	esac
	case $cache in
	'') ;;
	policy) cfg_label[$c]+=", policy file" ;;
	local|readonly|shared) cfg_label[$c]+=", fastpath_cache=$cache" ;;
	*) fail "unknown cache $cache in $c" ;;
	esac
	if [ -n "${cfg_so[$c]:-}" ]; then
		[ -e "${cfg_so[$c]}" ] || fail "${cfg_so[$c]} was not built"
	fi
	case $base in
	fast|nopt) [ -x "$BUILDDIR/example/passthrough_hp" ] ||
			fail "example/passthrough_hp was not built" ;;
	ll) [ -x "$BUILDDIR/example/passthrough_ll" ] ||
			fail "example/passthrough_ll was not built" ;;
	esac
done

# mount_cfg CFG SRC: mounts CFG's daemon on $TMP/mnt over SRC (nothing for
# native); sets DIR, where the build runs, and MOUNT_PID.
mount_cfg()
{
	local c=$1 base=${1%%+*} cache='' kind

	[ "$base" = "$c" ] || cache=${c#*+}
	[ "$cache" != policy ] || cache=$policy
	case $base in
	fast) kind=hp ;;
	nopt) kind=hpnopt ;;
	*) kind=$base ;;
	esac
	bench_mount_col "$c" "$kind" "$2" "$TMP/mnt" "${cfg_so[$c]:-}" \
		${cache:+"fastpath_cache=$cache"}
}

# The timer runs inside fusestat's child, so the BPF attach time is not
# counted; it appends "SECONDS" to its first argument.
cat >"$TMP/timed" <<'EOF'
#!/bin/bash
out=$1 log=$2
shift 2
t0=$EPOCHREALTIME
"$@" >>"$log" 2>&1
rc=$?
t1=$EPOCHREALTIME
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' >"$out"
exit $rc
EOF
chmod +x "$TMP/timed"

# run_phase CFG PHASE REP: runs one phase in $DIR, under fusestat on a
# mount; records the time in res[] and the per-opcode counts in up[].
run_phase()
{
	local c=$1 ph=$2 rep=$3 tree=$DIR/linux-source-6.1 secs rc=0
	local -a cmd
	local log=$TMP/$c-$ph-$rep.log json=$TMP/$c-$ph-$rep.json

	case $ph in
	untar) cmd=(tar -xf "$tarball" -C "$DIR") ;;
	tinyconfig) cmd=(make -C "$tree" tinyconfig) ;;
	build) cmd=(make -C "$tree" -j"$jobs" $subset) ;;
	esac
	if [ -n "$MOUNT_PID" ]; then
		"$FUSESTAT" --json --once -o "$json" -M "$DIR" -- \
			"$TMP/timed" "$TMP/secs" "$log" "${cmd[@]}" || rc=$?
	else
		"$TMP/timed" "$TMP/secs" "$log" "${cmd[@]}" || rc=$?
	fi
	secs=$(cat "$TMP/secs")
	if [ "$rc" -ne 0 ]; then
		info "  $c $ph failed (exit $rc), last lines of $log:"
		tail -n 5 "$log" | sed 's/^/#    /'
		failed["$c|$ph"]=1
	fi
	res["$c|$ph"]="${res["$c|$ph"]:-}${res["$c|$ph"]:+ }$secs"
	info "  rep $rep $c $ph: ${secs}s"
	[ -s "$json" ] || return 0
	# "OPCODE count errors mean_ns" per line.
	python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["mounts"]:
    for n, o in m["opcodes"].items():
        print(n, o["count"], o["errors"], o["latency_ns"]["mean"])
' "$json" >"$TMP/ops"
	local op n e lat
	while read -r op n e lat; do
		up["$c|$ph|$op"]="${up["$c|$ph|$op"]:-}${up["$c|$ph|$op"]:+ }$n"
		uperr["$c|$ph|$op"]="${uperr["$c|$ph|$op"]:-}${uperr["$c|$ph|$op"]:+ }$e"
		# Time requests spent queued and in the daemon, seconds.
		upsec["$c|$ph|$op"]="${upsec["$c|$ph|$op"]:-}${upsec["$c|$ph|$op"]:+ }$(
			awk -v n="$n" -v l="$lat" 'BEGIN { printf "%.3f", n * l / 1e9 }')"
		opcodes[$op]=1
	done <"$TMP/ops"
}

# CPU seconds (user+system) the daemon used so far.
daemon_cpu()
{
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, "");
		printf "%.1f", ($12 + $13) / hz }' "/proc/$1/stat"
}

declare -A res up uperr upsec opcodes failed cpu
bench_clock_start
cat "$tarball" >/dev/null	# every configuration starts on a cached tarball
# With several repetitions the order rotates, so drift of the machine
# spreads over all configurations.
for ((rep = 1; rep <= reps; rep++)); do
	n=$(((rep - 1) % ${#configs[@]}))
	for c in "${configs[@]:n}" "${configs[@]:0:n}"; do
		src=$TMP/src
		rm -rf "$src"
		mkdir -p "$src"
		sync
		mount_cfg "$c" "$src"
		info "rep $rep: $c on $DIR (load $(cut -d' ' -f1-3 /proc/loadavg))"
		for ph in "${phases[@]}"; do
			[ -z "${failed["$c|untar"]:-}" ] || [ "$ph" = untar ] ||
				continue
			run_phase "$c" "$ph" "$rep"
		done
		if [ -z "$subset" ] &&
		   [ ! -f "$DIR/linux-source-6.1/arch/x86/boot/bzImage" ]; then
			failed["$c|build"]=1
			info "  $c: no bzImage"
		fi
		[ -z "$MOUNT_PID" ] ||
			cpu[$c]="${cpu[$c]:-}${cpu[$c]:+ }$(daemon_cpu "$MOUNT_PID")"
		bench_unmount_col
		rm -rf "$src"
	done
done
bench_clock_stop

median() { bench_median "$1"; }
has() { [[ " ${configs[*]} " == *" $1 "* ]]; }
t() { median "${res["$1|$2"]:-}"; }
total_time()
{
	local ph s=0

	for ph in "${phases[@]}"; do
		s=$(awk -v a="$s" -v b="$(t "$1" "$ph")" 'BEGIN { print a + b }')
	done
	echo "$s"
}
# ops CFG PHASE|all OPCODE|all [ARRAY]: median count summed as asked.
ops()
{
	local c=$1 want_ph=$2 want_op=$3 arr=${4:-up} ph op s=0 v
	local -n a=$arr

	for ph in "${phases[@]}"; do
		[ "$want_ph" = all ] || [ "$want_ph" = "$ph" ] || continue
		for op in "${!opcodes[@]}"; do
			[ "$want_op" = all ] || [ "$want_op" = "$op" ] || continue
			v=$(median "${a["$c|$ph|$op"]:-0}")
			s=$(awk -v a="$s" -v b="$v" 'BEGIN { print a + b }')
		done
	done
	echo "$s"
}
fuse_cfgs() { local c; for c in "${configs[@]}"; do [ "$c" = native ] || echo "$c"; done; }

report()
{
	local c ph op row f
	echo "# Kernel build benchmark, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(bench_machine), $(bench_mem)"
	echo "- fastfuse: $(bench_describe), build dir $BUILDDIR;" \
	     "Debian libfuse3-3 $(bench_debian_version)"
	echo "- workload: \`tar -xf $(basename "$tarball")\`" \
	     "(linux-source-6.1 $(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null), tree $tree)," \
	     "\`make tinyconfig\`, \`make -j$jobs${subset:+ $subset}\`;" \
	     "$(df -T "$TMP" | awk 'NR == 2 { print $2 }') under $TMP," \
	     "each configuration on a fresh empty directory and mount"
	echo "- seconds, median of $reps run(s); load average before: $load_before," \
	     "after: $load_after; ${elapsed}s in all; open files limit $(ulimit -n)"
	echo "- upcalls: util/fusestat (kernel's fuse_request_send, FORGET not" \
	     "included) over each phase; daemon CPU = user+system seconds of" \
	     "the daemon for the three phases"
	[ -z "${!failed[*]}" ] || echo "- FAILED: ${!failed[*]}"
	echo
	for c in "${configs[@]}"; do
		echo "- \`$c\`: ${cfg_label[$c]}"
	done
	[[ " ${configs[*]} " != *"+policy "* ]] ||
		echo "- policy file: \`$(sed 's/#.*//; /^[[:space:]]*$/d' "$policy" |
			tr '\n' ';' | sed 's/;$//; s/;/; /g')\`"
	echo
	echo "## Wall time"
	echo
	row="| config"
	for ph in "${phases[@]}"; do row+=" | $ph s"; done
	row+=" | total s"
	has native && row+=" | untar/native | tinyconfig/native | build/native | total/native"
	row+=" | upcalls | upcalls/debian | daemon CPU s"
	echo "$row |"
	bench_rule "$row" 1
	for c in "${configs[@]}"; do
		row="| $c"
		for ph in "${phases[@]}"; do row+=" | $(t "$c" "$ph")"; done
		row+=" | $(total_time "$c")"
		if has native; then
			for ph in "${phases[@]}"; do
				row+=" | $(bench_ratio "$(t "$c" "$ph")" "$(t native "$ph")")"
			done
			row+=" | $(bench_ratio "$(total_time "$c")" "$(total_time native)")"
		fi
		if [ "$c" = native ]; then
			row+=" | - | - | -"
		else
			row+=" | $(ops "$c" all all)"
			if has debian; then
				row+=" | $(bench_ratio "$(ops "$c" all all)" "$(ops debian all all)")"
			else
				row+=" | -"
			fi
			row+=" | $(median "${cpu[$c]:-}")"
		fi
		echo "$row |"
	done
	echo
	echo "## Upcalls per opcode (all three phases)"
	echo
	echo "Cells: requests (errors in parentheses, e.g. ENOENT lookups)."
	echo
	row="| opcode"
	for c in $(fuse_cfgs); do row+=" | $c"; done
	echo "$row |"
	bench_rule "$row" 1
	# Rows sorted by the Debian (else the first) configuration's count.
	f=debian
	has debian || f=$(fuse_cfgs | head -n 1)
	for op in "${!opcodes[@]}"; do
		echo "$(ops "$f" all "$op") $op"
	done | sort -k1,1gr -k2 | while read -r _ op; do
		row="| $op"
		for c in $(fuse_cfgs); do
			local n e
			n=$(ops "$c" all "$op")
			e=$(ops "$c" all "$op" uperr)
			if [ "$e" != 0 ]; then row+=" | $n ($e)"; else row+=" | $n"; fi
		done
		echo "$row |"
	done
	row="| total"
	for c in $(fuse_cfgs); do row+=" | $(ops "$c" all all)"; done
	echo "$row |"
	echo
	echo "## Upcalls per phase"
	echo
	row="| config"
	for ph in "${phases[@]}"; do row+=" | $ph"; done
	for ph in "${phases[@]}"; do row+=" | $ph: queue+daemon s"; done
	echo "$row |"
	bench_rule "$row" 1
	for c in $(fuse_cfgs); do
		row="| $c"
		for ph in "${phases[@]}"; do row+=" | $(ops "$c" "$ph" all)"; done
		for ph in "${phases[@]}"; do
			row+=" | $(awk -v s="$(ops "$c" "$ph" all upsec)" 'BEGIN { printf "%.1f", s }')"
		done
		echo "$row |"
	done
	echo
	echo "## Raw numbers"
	echo
	echo '```'
	for key in $(printf '%s\n' "${!res[@]}" | sort); do
		printf '%-28s %s s\n' "$key" "${res[$key]}"
	done
	for key in $(printf '%s\n' "${!up[@]}" | sort); do
		printf '%-40s %s  (errors %s; queue+daemon %s s)\n' "$key" \
			"${up[$key]}" "${uperr[$key]}" "${upsec[$key]}"
	done
	echo '```'
}

bench_write_report build

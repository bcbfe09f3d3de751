#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real clients before and after cache policies: Debian's unmodified
# squashfuse_ll, squashfuse, fuse-overlayfs and sshfs, each on Debian's
# libfuse 3.14, on our libfuse3.so.3 without a policy, and on ours with a
# cache policy (readonly, local, shared). Two passes of
# `find -type f | xargs cat` plus `ls -lR` over a tree of a few thousand
# files; wall time and FUSE requests per opcode (util/fusestat) per pass.
# Markdown on stdout and in bench/results/clients-<date>.md.
#
# usage: bench/clients.sh BUILDDIR
# env:   BENCH_CLIENTS ("squashfuse_ll squashfuse fuse-overlayfs sshfs"),
#        BENCH_TREE_SRC (/usr/include), BENCH_FILES (3000: regular files
#        under 256 KiB taken from it), BENCH_RESULTS (bench/results)

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

read -ra clients <<<"${BENCH_CLIENTS:-squashfuse_ll squashfuse fuse-overlayfs sshfs}"
tree_src=${BENCH_TREE_SRC:-/usr/include}
nfiles=${BENCH_FILES:-3000}

compat_init "$@"
compat_require_cmd python3 gcc
compat_system_so3
[ -e "$SO3" ] || fail "$SO3 was not built"
FUSESTAT=${FUSESTAT:-$BUILDDIR/util/fusestat}
[ -x "$FUSESTAT" ] || skip "$FUSESTAT was not built (needs clang, bpftool)"
"$FUSESTAT" --check >/dev/null 2>&1 || skip "fusestat cannot trace here"

# ---- the tree ------------------------------------------------------------

tree=$TMP/tree
mkdir -p "$tree"
(cd "$tree_src" && find . -type f -size -256k -print0 | LC_ALL=C sort -z \
	>"$TMP/files.all" && head -z -n "$nfiles" "$TMP/files.all" |
	xargs -0 cp --parents -t "$tree") ||
	fail "copying $nfiles files from $tree_src failed"
tree_files=$(find "$tree" -type f | wc -l)
tree_dirs=$(find "$tree" -type d | wc -l)
tree_mib=$(du -sm "$tree" | cut -f1)
info "tree: $tree_files files, $tree_dirs directories, $tree_mib MiB"

# fuse-overlayfs reports "unknown argument ignored" for every -o it does not
# know and never hands them to fuse_session_new(): its policy comes from
# the FASTFUSE_CACHE_POLICY environment variable, which our library reads.

# ---- sshd on 127.0.0.1 with throwaway keys (compat_sshd, test/compat/lib.sh)

keys=$TMP/ssh
SSH_PORT=

# ---- one mount, two passes -------------------------------------------------

declare -A res		# "client|variant|pass" -> "wall total OP=n ..."
declare -A variants	# client -> "variant ..."
declare -A vlabel	# "client|variant" -> label for the tables

# measure CLIENT VARIANT MNT: two passes under fusestat.
measure()
{
	local client=$1 variant=$2 mnt=$3 pass json

	for pass in 1 2; do
		json=$TMP/$client-$variant-$pass.json
		# shellcheck disable=SC2016  # $1 is the inner shell's
		"$FUSESTAT" --once --json -M "$mnt" -o "$json" -- \
			sh -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null &&
			       ls -lR "$1" >/dev/null' sh "$mnt" ||
			fail "$client $variant pass $pass: the workload failed"
		res["$client|$variant|$pass"]=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ms = [m for m in d["mounts"] if m["mountpoint"] == sys.argv[2]]
m = ms[0] if ms else {"requests": 0, "opcodes": {}}
ops = " ".join("%s=%d" % (k, v["count"]) for k, v in m["opcodes"].items())
print("%.3f %d %s" % (d["elapsed_s"], m["requests"], ops))' "$json" "$mnt")
		info "  $client $variant pass $pass: ${res["$client|$variant|$pass"]}"
	done
}

# run CLIENT VARIANT LABEL SOFILE CMD...: mount with CMD (foreground
# daemon), check which library it maps, measure, unmount.
run()
{
	local client=$1 variant=$2 label=$3 so=$4 mnt=$TMP/mnt-$1-$2

	shift 4
	mkdir -p "$mnt"
	variants[$client]+="$variant "
	vlabel["$client|$variant"]=$label
	compat_start "$client-$variant" "$@" "$mnt"
	compat_wait_mounted "$mnt" "$DAEMON_PID" 20
	compat_check_maps "$DAEMON_PID" "$so" >/dev/null
	measure "$client" "$variant" "$mnt"
	compat_unmount_wait "$mnt" "$DAEMON_PID" 20 >/dev/null
}

bench_squashfuse()
{
	local bin=$1 img=$TMP/tree.sqfs pol=$TMP/readonly-noxattr.policy

	compat_require_cmd "$bin" mksquashfs
	if [ ! -e "$img" ]; then
		# -no-xattrs: the image has none, so "xattr none" keeps its promise
		mksquashfs "$tree" "$img" -noappend -quiet -no-progress \
			-no-xattrs >"$TMP/mksquashfs.log" 2>&1 ||
			fail "mksquashfs failed"
	fi
	cat "$img" >/dev/null
	printf 'base readonly\nxattr none\n' >"$pol"
	# -o ro: the image is read-only; a rw mount would also make the kernel
	# drop cached atime after every READ (one GETATTR per file more)
	run "$bin" debian "Debian 3.14" "$SYSTEM_SO3" \
		"$bin" -f -o ro "$img"
	run "$bin" ours "ours, no policy" "$SO3" \
		"${COMPAT_ENV3[@]}" "$bin" -f -o ro "$img"
	run "$bin" readonly "ours, readonly" "$SO3" \
		"${COMPAT_ENV3[@]}" "$bin" -f -o ro,fastpath_cache=readonly "$img"
	run "$bin" noxattr "ours, readonly + xattr none" "$SO3" \
		"${COMPAT_ENV3[@]}" "$bin" -f -o "ro,fastpath_cache=$pol" "$img"
}

bench_overlayfs()
{
	local v opts

	compat_require_cmd fuse-overlayfs
	find "$tree" -type f -print0 | xargs -0 cat >/dev/null
	for v in debian ours local; do
		mkdir -p "$TMP/ovl-$v/upper" "$TMP/ovl-$v/work"
		opts="lowerdir=$tree,upperdir=$TMP/ovl-$v/upper,workdir=$TMP/ovl-$v/work"
		case $v in
		debian) run fuse-overlayfs debian "Debian 3.14" "$SYSTEM_SO3" \
				fuse-overlayfs -f -o "$opts" ;;
		ours) run fuse-overlayfs ours "ours, no policy" "$SO3" \
				"${COMPAT_ENV3[@]}" fuse-overlayfs -f -o "$opts" ;;
		local) run fuse-overlayfs local "ours, local (env)" "$SO3" \
				"${COMPAT_ENV3[@]}" FASTFUSE_CACHE_POLICY=local \
				fuse-overlayfs -f -o "$opts" ;;
		esac
	done
}

bench_sshfs()
{
	local -a sopts

	compat_require_cmd sshfs ssh ssh-keygen
	[ -n "$SSH_PORT" ] || compat_sshd "$keys"
	find "$tree" -type f -print0 | xargs -0 cat >/dev/null
	sopts=(-F /dev/null
	       -o "IdentityFile=$keys/user_key,IdentitiesOnly=yes"
	       -o "StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null"
	       -o "BatchMode=yes,port=$SSH_PORT")
	run sshfs debian "Debian 3.14" "$SYSTEM_SO3" \
		sshfs -f "${sopts[@]}" "root@127.0.0.1:$tree"
	run sshfs ours "ours, no policy" "$SO3" \
		"${COMPAT_ENV3[@]}" sshfs -f "${sopts[@]}" "root@127.0.0.1:$tree"
	run sshfs shared "ours, shared" "$SO3" \
		"${COMPAT_ENV3[@]}" sshfs -f "${sopts[@]}" \
		-o fastpath_cache=shared "root@127.0.0.1:$tree"
}

bench_clock_start
for c in "${clients[@]}"; do
	info "client $c"
	case $c in
	squashfuse_ll|squashfuse) bench_squashfuse "$c" ;;
	fuse-overlayfs) bench_overlayfs ;;
	sshfs) bench_sshfs ;;
	*) fail "unknown client $c" ;;
	esac
done
bench_clock_stop

# ---- report ----------------------------------------------------------------

cols=(LOOKUP GETATTR OPEN READ RELEASE FLUSH OPENDIR READDIR READDIRPLUS
      RELEASEDIR GETXATTR)

# cell KEY FIELD: wall, total, an opcode's count, or "other"
cell()
{
	local want=$2 known=" ${cols[*]} "

	awk -v want="$want" -v known="$known" '{
		if (want == "wall") { print $1; exit }
		if (want == "total") { print $2; exit }
		other = 0; v = 0
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == want) v = kv[2]
			if (index(known, " " kv[1] " ") == 0) other += kv[2]
		}
		print want == "other" ? other : v
	}' <<<"${res["$1"]}"
}

pkg_ver()
{
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'
}

report()
{
	local c v p row o

	echo "# Real clients before/after cache policies, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(bench_machine)"
	echo "- fastfuse: $(bench_describe)," \
	     "$SO3; Debian libfuse3-3 $(pkg_ver libfuse3-3)"
	echo "- clients (Debian, unmodified): squashfuse $(pkg_ver squashfuse)," \
	     "fuse-overlayfs $(pkg_ver fuse-overlayfs), sshfs $(pkg_ver sshfs)" \
	     "over OpenSSH $(pkg_ver openssh-server) on 127.0.0.1"
	echo "- tree: $tree_files files, $tree_dirs directories, $tree_mib MiB" \
	     "(regular files under 256 KiB of $tree_src)"
	echo "- a pass: \`find MNT -type f | xargs cat >/dev/null && ls -lR MNT >/dev/null\`;" \
	     "pass 2 runs right after pass 1 on the same mount; each variant is a fresh mount"
	echo "- wall: seconds of the pass; counts: requests the kernel sent" \
	     "(util/fusestat --once --json -M MNT)"
	echo "- load average before: $load_before, after: $load_after; ${elapsed}s in all" \
	     "(other jobs were running: compare counts, treat times as rough)"
	echo "- squashfuse mounts use \`-o ro\` in every variant; \"readonly + xattr none\"" \
	     "is a policy file \`base readonly\` + \`xattr none\` (the image has no xattrs)"
	echo "- fuse-overlayfs ignores -o options it does not know, so its policy" \
	     "comes from the environment (\`FASTFUSE_CACHE_POLICY=local\`);" \
	     "sshfs and squashfuse pass \`-o fastpath_cache=\` through"
	for c in "${clients[@]}"; do
		echo
		echo "## $c"
		echo
		row="| variant | pass | wall s | requests"
		for o in "${cols[@]}"; do row+=" | $o"; done
		row+=" | other |"
		echo "$row"
		bench_rule "$row" 2
		for v in ${variants[$c]}; do
			for p in 1 2; do
				row="| ${vlabel["$c|$v"]} | $p"
				row+=" | $(cell "$c|$v|$p" wall) | $(cell "$c|$v|$p" total)"
				for o in "${cols[@]}" other; do
					row+=" | $(cell "$c|$v|$p" "$o")"
				done
				echo "$row |"
			done
		done
	done
	echo
	echo "## Raw"
	echo
	echo '```'
	for c in "${clients[@]}"; do
		for v in ${variants[$c]}; do
			for p in 1 2; do
				echo "$c $v pass$p: ${res["$c|$v|$p"]}"
			done
		done
	done
	echo '```'
}

bench_write_report clients

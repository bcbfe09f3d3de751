#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -o fastpath_cache on unmodified filesystems: each policy element proven
# by counting the requests that reach the daemon (util/fuse-reqstat, from
# the fuse:fuse_request_send tracepoint) without and with the policy; the
# `local` profile's coherence for changes made through the mount; reuse_open
# (one library-made open per inode, released at FORGET); and bad
# policies refused with a clear message and a non-zero exit.
# Usage: test_fastpath_cache.sh <passthrough_ll> <hello_ll> <fuse-reqstat>
#        [<passthrough_fh>] (high-level, for reuse_open)
set -uo pipefail
pl=$1 hello=$2 reqstat=$3 plfh=${4:-}

. "$(dirname "$0")/fastpath_lib.sh"
fp_setup cache "mounts, tracefs"

umount_fs() {
	umount "$mnt"
	wait "$fspid"
	fspid=
}

# reqs <function>: runs one of the exported workload functions below under
# fuse-reqstat, leaves the JSON in $counts
reqs() {
	counts=$("$reqstat" --json "$mnt" -- bash -c "$1" 2>/dev/null)
}
# n <OPCODE>: that opcode's count in $counts (0 when absent)
n() {
	local v
	v=$(grep -o "\"FUSE_$1\": [0-9]*" <<<"$counts" | awk '{print $2}')
	echo "${v:-0}"
}

# check <name> <opcode> <without> <with> <min_without> <max_with>
check() {
	printf '%-34s %-12s without %6d  with %6d\n' "$1" "$2" "$3" "$4"
	if [ "$3" -lt "$5" ] || [ "$4" -gt "$6" ]; then
		echo "FAIL: $1: $2 expected >= $5 without and <= $6 with the policy"
		fail=1
	fi
}

# measure <mount options> <cmd...>: counts for one mount, in $counts
measure() {
	local opts=$1
	shift
	mount_fs "$pl" -o "source=$src,$opts" || return 1
	reqs "$@"
	umount_fs
}

echo hello >"$src/f"
mkdir "$src/d"
touch "$src/d/a" "$src/d/b"
ln -s f "$src/l"

stat1000() { for i in $(seq 1000); do stat "$mnt/f" >/dev/null; done; }
neg100() { for i in $(seq 100); do stat "$mnt/nope" 2>/dev/null; done; true; }
cat5() { for i in 1 2 3 4 5; do cat "$mnt/f" >/dev/null; done; }
readlink100() { for i in $(seq 100); do readlink "$mnt/l" >/dev/null; done; }
ls20() { for i in $(seq 20); do ls "$mnt/d" >/dev/null; done; }
xattr100() {
	python3 -c '
import os, sys
for i in range(100):
    try:
        os.getxattr(sys.argv[1], "security.capability")
    except OSError:
        pass' "$mnt/f"
}

export mnt
export -f stat1000 neg100 cat5 readlink100 ls20 xattr100

# ---- each element, without and with the policy ----------------------------
base=timeout=0
measure $base stat1000; a=$(( $(n LOOKUP) + $(n GETATTR) + $(n STATX) ))
measure $base,fastpath_cache=readonly stat1000
b=$(( $(n LOOKUP) + $(n GETATTR) + $(n STATX) ))
check "1000 stats (entry+attr TTL)" LOOKUP+ATTR "$a" "$b" 1000 10

measure $base neg100; a=$(n LOOKUP)
measure $base,fastpath_cache=readonly neg100; b=$(n LOOKUP)
check "100 negative lookups" LOOKUP "$a" "$b" 100 3

measure $base cat5; a=$(n READ) fa=$(n FLUSH)
measure $base,fastpath_cache=readonly cat5; b=$(n READ) fb=$(n FLUSH)
check "5x open+read (keep_cache)" READ "$a" "$b" 5 1
check "5x close (noflush)" FLUSH "$fa" "$fb" 5 0

measure $base readlink100; a=$(n READLINK)
measure $base,fastpath_cache=readonly readlink100; b=$(n READLINK)
check "100 readlinks (cache_symlinks)" READLINK "$a" "$b" 100 1

measure $base ls20; a=$(( $(n READDIR) + $(n READDIRPLUS) ))
measure $base,fastpath_cache=readonly ls20
b=$(( $(n READDIR) + $(n READDIRPLUS) ))
check "20x ls (cache_readdir)" READDIR* "$a" "$b" 20 2

printf 'base local\nxattr none\n' >"$work/noxattr.policy"
measure $base,xattr xattr100; a=$(n GETXATTR)
measure "$base,xattr,fastpath_cache=$work/noxattr.policy" xattr100
b=$(n GETXATTR)
check "100 getxattr (xattr none)" GETXATTR "$a" "$b" 100 1

# stateless opens: hello_ll's open keeps no state, its read needs no fh
printf 'base readonly\nstateless_open yes\nstateless_opendir yes\n' \
	>"$work/stateless.policy"
hcat() { for i in 1 2 3 4 5; do cat "$mnt/hello" >/dev/null; ls "$mnt" >/dev/null; done; }
export -f hcat
mount_fs "$hello" && { reqs hcat; umount_fs; }
a=$(n OPEN) ra=$(n RELEASE) da=$(n OPENDIR) rda=$(n READ)
mount_fs "$hello" -o "fastpath_cache=$work/stateless.policy" && {
	reqs hcat
	out=$(cat "$mnt/hello")
	[ "$out" = "Hello World!" ] || { echo "FAIL: hello reads '$out' without OPEN"; fail=1; }
	umount_fs
}
check "5x open (stateless_open)" OPEN "$a" "$(n OPEN)" 5 1
check "5x close (no RELEASE)" RELEASE "$ra" "$(n RELEASE)" 5 0
check "5x opendir (stateless_opendir)" OPENDIR "$da" "$(n OPENDIR)" 5 1
check "5x read (no_open keeps cache)" READ "$rda" "$(n READ)" 5 1

# ---- reuse_open: one open per inode, made by the library ------------------
# passthrough_ll keeps the fd it opened in fi->fh, so stateless_open would
# break it; under reuse_open (readonly profile, read-only mount) the kernel
# sends no OPEN/RELEASE, the library opens each file once and hands that fd
# to every READ, and releases it when the kernel forgets the inode.
mkdir "$src/r"
for i in 1 2 3 4 5; do head -c $((i * 7000)) /dev/urandom >"$src/r/f$i"; done
rcat() { for p in 1 2; do for f in "$mnt"/r/f*; do cat "$f" >/dev/null; done; done; }
export -f rcat
# rfds: descriptors the daemon holds open on $src/r files (not O_PATH)
rfds() {
	local fd t fl c=0
	for fd in /proc/"$fspid"/fd/*; do
		t=$(readlink "$fd" 2>/dev/null) || continue
		[[ $t == "$src/r/"* ]] || continue
		fl=$(awk '/^flags/ {print $2}' /proc/"$fspid"/fdinfo/"${fd##*/}" 2>/dev/null)
		[ -n "$fl" ] && (( (8#$fl & 8#10000000) == 0 )) && c=$((c + 1))
	done
	echo $c
}
printf 'base readonly\nreuse_open no\n' >"$work/noreuse.policy"
measure "ro,$base,fastpath_cache=$work/noreuse.policy" rcat
a=$(n OPEN) ra=$(n RELEASE)
measure "ro,$base,fastpath_cache=readonly" rcat; b=$(n OPEN) rb=$(n RELEASE)
check "10x open of 5 files (reuse_open)" OPEN "$a" "$b" 10 1
check "10x close (reuse_open)" RELEASE "$ra" "$rb" 10 0
if mount_fs "$pl" -d -o "source=$src,ro,$base,fastpath_cache=readonly"; then
	for f in 1 2 3 4 5; do
		cmp -s "$src/r/f$f" "$mnt/r/f$f" ||
			{ echo "FAIL: reuse_open: r/f$f differs"; fail=1; }
	done
	cat "$mnt"/r/f* >/dev/null
	held=$(rfds)
	# the kernel evicts the unused inodes: FORGET releases the handles
	sync; echo 2 >/proc/sys/vm/drop_caches
	for i in $(seq 40); do [ "$(rfds)" = 0 ] && break; sleep 0.05; done
	left=$(rfds)
	printf '%-34s %-12s open fds %d, after forget %d\n' \
		"reuse_open handles" fds "$held" "$left"
	if [ "$held" != 5 ] || [ "$left" != 0 ]; then
		echo "FAIL: reuse_open: want 5 handles, 0 after the kernel forgot them"
		fail=1
	fi
	grep -q 'fastpath: reuse_open=on' "$work/fs.err" ||
		{ echo "FAIL: no 'fastpath: reuse_open=on' under -d"; fail=1; }
	umount_fs
	opens=$(grep -c 'reuse_open: open nodeid' "$work/fs.err")
	rels=$(grep -c 'reuse_open: release nodeid' "$work/fs.err")
	if [ "$opens" != "$rels" ]; then
		echo "FAIL: reuse_open: $opens opens, $rels releases by unmount"
		fail=1
	fi
fi
# the high-level API on the same lowlevel path: passthrough_fh keeps its
# fd in fi->fh too and mirrors /
if [ -n "$plfh" ]; then
	fhcat() { for p in 1 2; do for f in "$mnt$src"/r/f*; do cat "$f" >/dev/null; done; done; }
	export -f fhcat
	export src
	for pol in "$work/noreuse.policy" readonly; do
		mount_fs "$plfh" -o "ro,fastpath_cache=$pol" || continue
		reqs fhcat
		for f in 1 2 3 4 5; do
			cmp -s "$src/r/f$f" "$mnt$src/r/f$f" ||
				{ echo "FAIL: reuse_open (hl): r/f$f differs"; fail=1; }
		done
		umount_fs
		if [ "$pol" = readonly ]; then b=$(n OPEN) rb=$(n RELEASE)
		else a=$(n OPEN) ra=$(n RELEASE); fi
	done
	check "10x open, high-level (reuse_open)" OPEN "$a" "$b" 10 1
	check "10x close, high-level (reuse_open)" RELEASE "$ra" "$rb" 10 0
fi
# a writable mount keeps the kernel's opens: one reason line under -d
if mount_fs "$pl" -d -o "source=$src,$base,fastpath_cache=readonly"; then
	cat "$mnt/f" >/dev/null
	umount_fs
	grep -q 'fastpath: reuse_open=off:writable' "$work/fs.err" ||
		{ echo "FAIL: writable mount without 'reuse_open=off:writable'"; fail=1; }
fi

# ---- reuse by declaration: `local` on writable mounts ---------------------
# passthrough_ll declares FASTFUSE_FS_REUSABLE_OPENS (fastfuse_declare), so
# `local`'s `reuse_open auto`/`reuse_writes auto` take effect on a writable
# mount; with the writeback cache on, the library drops it (the kernel
# forgets st_blocks at every close under writeback and asks GETATTR at the
# next fstat: one round trip per open). Third and fourth passes of rcat
# (open, fstat, read, close) after two warm-up passes.
rcat2() { rcat; rcat; }
export -f rcat2
printf 'base local\nreuse_open no\nreuse_writes no\n' >"$work/localnoreuse.policy"
printf 'base local\nwriteback yes\n' >"$work/localwb.policy"
# warm the caches, then count a second round
wmeasure() {
	mount_fs "$pl" -o "source=$src,writeback,$1" || return 1
	rcat2
	reqs rcat2
	umount_fs
}
wmeasure "fastpath_cache=$work/localnoreuse.policy"; a=$(n OPEN)
wmeasure fastpath_cache=local; b=$(n OPEN) ga=$(n GETATTR)
check "20x open, local, declared (reuse)" OPEN "$a" "$b" 20 0
wmeasure "fastpath_cache=$work/localwb.policy"; gw=$(n GETATTR)
check "20x fstat after close (writeback off)" GETATTR "$gw" "$ga" 20 0
# hello_ll declares nothing: `auto` stays off, with one reason line
if mount_fs "$hello" -d -o fastpath_cache=local; then
	cat "$mnt/hello" >/dev/null
	umount_fs
	grep -q 'fastpath: reuse_open=off:not_declared' "$work/fs.err" ||
		{ echo "FAIL: undeclared filesystem without 'reuse_open=off:not_declared'"; fail=1; }
fi

# ---- local: changes through the mount are seen at once -------------------
expect() {	# expect <what> <want> <got>
	if [ "$2" != "$3" ]; then
		echo "FAIL: local coherence: $1: want '$2', got '$3'"
		fail=1
	fi
}
if mount_fs "$pl" -o "source=$src,timeout=0,fastpath_cache=local"; then
	m=$mnt
	stat "$m/f" >/dev/null; cat "$m/f" >/dev/null; ls "$m/d" >/dev/null
	stat "$m/new" 2>/dev/null	# a cached negative entry
	echo more >>"$m/f"
	expect "size after append" 11 "$(stat -c %s "$m/f")"
	expect "data after append" "hello more" "$(cat "$m/f" | tr '\n' ' ' | sed 's/ $//')"
	: >"$m/new"
	expect "create over a negative entry" yes "$([ -e "$m/new" ] && echo yes)"
	touch "$m/d/c"
	expect "readdir after create" "a b c" "$(ls "$m/d" | tr '\n' ' ' | sed 's/ $//')"
	mv "$m/new" "$m/d/renamed"
	expect "rename: old name gone" no "$([ -e "$m/new" ] && echo yes || echo no)"
	expect "rename: new name there" yes "$([ -e "$m/d/renamed" ] && echo yes)"
	rm "$m/d/renamed"
	expect "unlink" no "$([ -e "$m/d/renamed" ] && echo yes || echo no)"
	chmod 600 "$m/f"
	expect "chmod" 600 "$(stat -c %a "$m/f")"
	: >"$m/f"
	expect "truncate" 0 "$(stat -c %s "$m/f")"
	expect "readlink" f "$(readlink "$m/l")"
	rm "$m/l"; ln -s d "$m/l"
	expect "symlink replaced" d "$(readlink "$m/l")"
	ln "$m/d/a" "$m/hard"
	expect "link count" 2 "$(stat -c %h "$m/d/a")"
	umount_fs
fi

# ---- bad policies: a clear message, no mount, non-zero exit --------------
refuse() {	# refuse <policy> <message>
	local rc
	"$pl" -f -o "source=$src,fastpath_cache=$1" "$mnt" 2>"$work/err" &
	wait $!
	rc=$?
	if [ $rc = 0 ] || mountpoint -q "$mnt" || ! grep -qF "$2" "$work/err"; then
		echo "FAIL: policy '$1' not refused with '$2' (rc $rc):"
		cat "$work/err"
		fail=1
		umount "$mnt" 2>/dev/null
	else
		echo "refused (rc $rc): $(grep -F fastpath "$work/err" | head -1)"
	fi
}
printf 'entry_ttl 1\nfoo 3\n' >"$work/bad.policy"
printf 'base shared\nattr_ttl forever\n' >"$work/contra.policy"
refuse nosuch "fastpath: unknown policy 'nosuch'"
refuse "$work/bad.policy" "fastpath: $work/bad.policy:2: unknown key 'foo'"
refuse "$work/contra.policy" "$work/contra.policy:2: 'attr_ttl forever' contradicts 'invalidation ttl'"
refuse "$work/missing.policy" "fastpath: cannot read policy $work/missing.policy"

[ $fail = 0 ] && echo "PASS"
exit $fail

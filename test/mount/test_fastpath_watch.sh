#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cache policies and changes behind the mount's back, on unmodified
# passthrough_ll: with `source` + `invalidation watch` every external change
# to the source (write, append, chmod, create over a negative entry,
# unlink, rename, readdir) is seen through the mount within $BOUND_MS;
# without the watch the same answers stay stale (so this test can fail);
# under `shared` (ttl 1) nothing stale outlives the TTL; changes made through
# the mount cause no invalidations (fanotify ignores the daemon's own
# events); the inotify fallback works; `passthrough yes` takes READ/WRITE
# away from the daemon with identical data, and a descriptor that is not a
# regular file falls back with one reason line.
# Usage: test_fastpath_watch.sh <passthrough_ll> <hello_ll> <fuse-reqstat>
set -uo pipefail
pl=$1 hello=$2 reqstat=$3
BOUND_MS=1000		# external change -> visible through the mount
TTL_BOUND_MS=1600	# shared: attr/entry TTL 1 s, plus the kernel's jiffies

. "$(dirname "$0")/fastpath_lib.sh"
fp_setup watch "mounts, fanotify, tracefs"

# unmount; under ASan/UBSan the daemon's report is a failure too
umount_fs() {
	umount "$mnt"
	wait "$fspid"
	fspid=
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/fs.err"; then
		echo "FAIL: sanitizer report from the daemon"
		fail=1
	fi
}

policy() {	# policy <name> <lines...>: writes $work/<name>.policy
	local f=$work/$1.policy
	shift
	printf '%s\n' "$@" >"$f"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ---- the changes, made directly in the source -----------------------------
setup_src() {
	rm -rf "${src:?}"/*
	echo hello >"$src/f"
	echo 12345 >"$src/w"
	echo keep >"$src/g"
	echo bye >"$src/u"
	mkdir "$src/d"
	touch "$src/d/a" "$src/d/b"
	echo deep >"$src/d/x"
}

# prime: every answer the changes below make stale is cached once
prime() {
	cat "$mnt/f" "$mnt/w" "$mnt/g" "$mnt/u" "$mnt/d/x" >/dev/null
	stat "$mnt/f" "$mnt/w" "$mnt/g" "$mnt/u" "$mnt/d/x" >/dev/null
	stat "$mnt/nope" 2>/dev/null	# a cached negative entry
	# twice: the first, uncached readdir leaves atime invalid, so the next
	# stat (from ls) would refresh mtime and reset the readdir cache
	ls "$mnt" "$mnt/d" >/dev/null
	ls "$mnt" "$mnt/d" >/dev/null
}

# Each check: a change to $src, then what the mount must answer.
#   name @ change @ probe (through $mnt) @ wanted answer
checks=(
	"write@printf 'ABCDE\n' >\$src/w@cat \$mnt/w@ABCDE"
	"append@echo more >>\$src/f@cat \$mnt/f | tr '\n' ' '@hello more "
	"chmod@chmod 600 \$src/f@stat -c %a \$mnt/f@600"
	"create (negative entry)@echo x >\$src/nope@cat \$mnt/nope 2>/dev/null@x"
	"unlink@rm \$src/u@test -e \$mnt/u && echo there || echo gone@gone"
	"rename@mv \$src/g \$src/g2@cat \$mnt/g 2>/dev/null; cat \$mnt/g2@keep"
	"readdir@touch \$src/d/c@ls \$mnt/d | tr '\n' ' '@a b c x "
	"subdir write@echo DEEP >\$src/d/x@cat \$mnt/d/x@DEEP"
)

probe() { eval "$1" 2>/dev/null; }

# coherence <label> <bound_ms> <expect: fresh|stale>: runs every check on
# the mounted filesystem; fresh: each answer right within bound_ms (the
# time is printed); stale: each answer still old after bound_ms.
coherence() {
	local label=$1 bound=$2 want=$3 c name change pr answer t0 got dt
	local nstale=0
	setup_src
	prime
	for c in "${checks[@]}"; do
		IFS='@' read -r name change pr answer <<<"$c"
		t0=$(now_ms)
		eval "$change"
		while :; do
			got=$(probe "$pr")
			dt=$(( $(now_ms) - t0 ))
			[ "$got" = "$answer" ] && break
			[ $dt -gt "$bound" ] && break
			sleep 0.01
		done
		if [ "$got" = "$answer" ]; then
			printf '%-10s %-24s visible after %5d ms\n' "$label" "$name" $dt
			# a cached directory listing may also be refreshed by
			# the kernel itself (a GETATTR after the atime that
			# readdir invalidates sees the new mtime), and a
			# refreshed READDIRPLUS brings d/x's new mtime, which
			# drops its pages: only the answers at the top must
			# stay stale without a watch
			if [ "$want" = stale ] &&
			   { [ "$name" = readdir ] || [ "$name" = "subdir write" ]; }; then
				echo "NOTE: $label: readdir refreshed by the kernel's own revalidation"
			elif [ "$want" = stale ]; then
				echo "FAIL: $label: $name was expected to stay stale"
				fail=1
			fi
		else
			nstale=$((nstale + 1))
			printf '%-10s %-24s still stale after %d ms (%s)\n' "$label" "$name" $dt "$(tr '\n' ' ' <<<"$got")"
			[ "$want" = fresh ] && { echo "FAIL: $label: $name not visible within $bound ms"; fail=1; }
		fi
	done
	return 0
}

policy watch "base local" "source $src" "invalidation watch"
policy watchino "base local" "source $src" "invalidation watch" "watcher inotify"
policy local "base local"
policy shared "base shared"

# ---- watch vs no watch -----------------------------------------------------
if mount_fs "$pl" -o "source=$src,timeout=0,fastpath_cache=$work/watch.policy"; then
	if grep -q "fastpath: watch=inotify" "$work/fs.err"; then
		echo "NOTE: fanotify unavailable: $(grep -o 'watch=inotify:[^ ]*' "$work/fs.err")"
		fanotify=0
	else
		fanotify=1
	fi
	coherence watch $BOUND_MS fresh
	umount_fs
fi
if mount_fs "$pl" -o "source=$src,timeout=0,fastpath_cache=$work/local.policy"; then
	coherence local $BOUND_MS stale
	umount_fs
fi

# ---- the inotify fallback ----------------------------------------------------
if mount_fs "$pl" -o "source=$src,timeout=0,fastpath_cache=$work/watchino.policy"; then
	grep -q "fastpath: watch=inotify:policy" "$work/fs.err" ||
		{ echo "FAIL: no 'fastpath: watch=inotify:policy' line"; fail=1; }
	coherence inotify $BOUND_MS fresh
	umount_fs
fi

# ---- shared (ttl 1): staleness bounded by the TTL -----------------------------
if mount_fs "$pl" -o "source=$src,timeout=0,fastpath_cache=shared"; then
	coherence shared $TTL_BOUND_MS fresh
	umount_fs
fi

# ---- no invalidation for changes made through the mount ----------------------
through() {
	local i
	for i in $(seq 200); do echo "$i" >>"$mnt/f"; done
	for i in $(seq 20); do
		echo "$i" >"$mnt/d/t$i"; mv "$mnt/d/t$i" "$mnt/d/u$i"
		chmod 600 "$mnt/d/u$i"; rm "$mnt/d/u$i"
	done
	mkdir "$mnt/nd"; rmdir "$mnt/nd"
	cat "$mnt/f" >/dev/null
}
notifies() { grep -c '^NOTIFY: code=' "$work/fs.err"; }
setup_src
if [ "${fanotify:-0}" = 1 ] &&
   mount_fs "$pl" -d -o "source=$src,timeout=0,fastpath_cache=$work/watch.policy"; then
	prime; through; sleep 0.3
	own=$(notifies)
	echo "x" >>"$src/f"; sleep 0.3
	ext=$(( $(notifies) - own ))
	umount_fs
	printf '%-44s %d notifications\n' "changes through the mount (fanotify)" "$own"
	printf '%-44s %d notifications\n' "one external append (fanotify)" "$ext"
	[ "$own" = 0 ] || { echo "FAIL: the mount's own changes caused $own invalidations"; fail=1; }
	[ "$ext" -ge 1 ] || { echo "FAIL: an external change caused no invalidation"; fail=1; }
fi
setup_src
if mount_fs "$pl" -d -o "source=$src,timeout=0,fastpath_cache=$work/watchino.policy"; then
	prime; through; sleep 0.3
	printf '%-44s %d notifications\n' "changes through the mount (inotify)" "$(notifies)"
	umount_fs
fi

# ---- lost events: a queue overflow invalidates everything ------------------
# The daemon is stopped while more events than the queue holds (16384)
# happen (40,000 renames in the source's root); the change that matters
# comes last and is itself lost.
setup_src
if [ "${fanotify:-0}" = 1 ] &&
   mount_fs "$pl" -d -o "source=$src,timeout=0,fastpath_cache=$work/watch.policy"; then
	prime
	kill -STOP "$fspid"
	mkdir "$src/many"	# in a watched directory: a new name each
	python3 -c '
import os, sys
for i in range(20000):
    os.rename(sys.argv[1], "%s.%d" % (sys.argv[1], i))
    os.rename("%s.%d" % (sys.argv[1], i), sys.argv[1])
' "$src/many"
	echo x >"$src/nope"
	kill -CONT "$fspid"
	t0=$(now_ms)
	while [ "$(cat "$mnt/nope" 2>/dev/null)" != x ] && [ $(( $(now_ms) - t0 )) -lt 3000 ]; do
		sleep 0.01
	done
	dt=$(( $(now_ms) - t0 ))
	umount_fs
	rm -rf "$src/many"
	printf '%-10s %-24s visible after %5d ms (%s)\n' overflow "create (negative entry)" $dt \
		"$(grep -c 'NOTIFY: code=8 ' "$work/fs.err") epoch bump"
	grep -q "fastpath: watch queue overflow" "$work/fs.err" ||
		{ echo "FAIL: no overflow reported"; fail=1; }
	grep -q "NOTIFY: code=8 " "$work/fs.err" ||
		{ echo "FAIL: no epoch bump (FUSE_NOTIFY_INC_EPOCH) after the overflow"; fail=1; }
	[ $dt -lt 3000 ] || { echo "FAIL: the change lost in the overflow stayed stale"; fail=1; }
fi

# ---- passthrough from fi->fh ----------------------------------------------------
counts=
n() {
	local v
	v=$(grep -o "\"FUSE_$1\": [0-9]*" <<<"$counts" | awk '{print $2}')
	echo "${v:-0}"
}
io() {
	cat "$mnt/big" >"$work/out"
	dd if="$work/big" of="$mnt/copy" bs=64k 2>/dev/null
	cat "$mnt/copy" >"$work/out2"
}
export mnt work
export -f io
setup_src
head -c 4M /dev/urandom >"$work/big"
cp "$work/big" "$src/big"
policy pass "base local" "passthrough yes"
for p in none pass; do
	opts="source=$src,timeout=0"
	[ $p = pass ] && opts="$opts,fastpath_cache=$work/pass.policy"
	mount_fs "$pl" -o "$opts" || continue
	counts=$("$reqstat" --json "$mnt" -- bash -c io 2>/dev/null)
	cmp -s "$work/big" "$work/out" && cmp -s "$work/big" "$work/out2" &&
		cmp -s "$work/big" "$src/copy" ||
		{ echo "FAIL: passthrough=$p: data differs"; fail=1; }
	eval "r_$p=$(n READ) w_$p=$(n WRITE)"
	grep fastpath "$work/fs.err"
	rm -f "$src/copy"
	umount_fs
done
printf '%-44s READ %4d -> %d  WRITE %4d -> %d\n' \
	"4 MiB read + 4 MiB write (passthrough yes)" \
	"${r_none:-0}" "${r_pass:-0}" "${w_none:-0}" "${w_pass:-0}"
if [ "${r_none:-0}" -lt 4 ] || [ "${w_none:-0}" -lt 4 ] ||
   [ "${r_pass:-1}" != 0 ] || [ "${w_pass:-1}" != 0 ]; then
	echo "FAIL: passthrough did not take READ/WRITE away from the daemon"
	fail=1
fi

# hello_ll keeps no fd in fi->fh: fh 0 is its stdin, /dev/null
policy hpass "passthrough yes"
if mount_fs "$hello" -o "fastpath_cache=$work/hpass.policy"; then
	out=$(cat "$mnt/hello"; cat "$mnt/hello")
	umount_fs
	[ "$out" = "Hello World!
Hello World!" ] || { echo "FAIL: hello_ll reads '$out' after the fallback"; fail=1; }
	nl=$(grep -c 'fastpath: passthrough=off:not_regular$' "$work/fs.err")
	echo "hello_ll: $(grep 'passthrough=off' "$work/fs.err" | head -1) ($nl line)"
	[ "$nl" = 1 ] || { echo "FAIL: want one passthrough=off:not_regular line, got $nl"; fail=1; }
fi

# ---- bad policies ------------------------------------------------------------------
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
policy nosrc "base local" "invalidation watch"
policy relsrc "base local" "source srv" "invalidation watch"
policy gonesrc "base local" "source $work/gone" "invalidation watch"
policy localsrc "base local" "source $src"
policy passwb "passthrough yes" "writeback yes"
refuse "$work/nosrc.policy" "'invalidation watch' needs 'source PATH'"
refuse "$work/relsrc.policy" "the source must be an absolute path"
refuse "$work/gonesrc.policy" "'source $work/gone': No such file or directory"
refuse "$work/localsrc.policy" "'source' is watched only under 'invalidation watch' or 'invalidation ttl'"
refuse "$work/passwb.policy" "'passthrough yes' contradicts 'writeback yes'"

[ $fail = 0 ] && echo "PASS"
exit $fail

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# "xattr absent" answered in the kernel (kernel/xattr_absent.bpf.c): counts
# the GETXATTR requests reaching the daemon (its -d output) for N getxattr
# of each declared name. POSIX sh: it also runs as the qemu guest's test.
# hello_ll serves ordinary names; acl_fs (FUSE_POSIX_ACL) the POSIX ACL
# names, which kernels 6.2+ route past the getxattr hook (inode_get_acl).
#   kernel:   BPF must answer (0 requests); with "xattr_bpf no" all N reach
#             the daemon (so the check can fail); other names and other
#             mounts are untouched. Skips (77) when BPF is off, with why.
#   fallback: BPF off on this host: exactly one reason line, and the
#             library answers every call (ENODATA). Skips (77) when BPF on.
# Usage: xattr_bpf.sh kernel|fallback <hello_ll> <xattr_count> <acl_fs> [N]
mode=$1 hello=$2 xcount=$3 aclfs=$4 n=${5:-1000}
names="security.capability user.foo"
acl_names="system.posix_acl_access system.posix_acl_default"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mounts, BPF)"; exit 77; }
[ -c /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }

work=$(mktemp -d /tmp/xattr-bpf.XXXXXX) || exit 1
pids=
cleanup() {
	for m in "$work"/mnt*; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# mount_fs NAME POLICY-TEXT [FS]: FS (hello_ll) -d on $work/mnt.NAME, log
# in NAME.log
mount_fs() {
	m=$work/mnt.$1
	mkdir -p "$m"
	opt=
	if [ -n "$2" ]; then
		printf '%s\n' "$2" >"$work/$1.policy"
		opt="-o fastpath_cache=$work/$1.policy"
	fi
	# shellcheck disable=SC2086
	"${3:-$hello}" -f -d $opt "$m" 2>"$work/$1.log" &
	pids="$pids $!"
	eval "pid_$1=$!"
	i=0
	while ! grep -q " $m " /proc/mounts; do
		i=$((i + 1))
		[ $i -gt 600 ] && fail "$1: not mounted; log: $(tail -5 "$work/$1.log")"
		sleep 0.1
	done
}

# wait_outcome NAME: the library's one xattr_bpf=... line (its self-test
# runs in a helper thread); prints it with its note (" acl=...")
wait_outcome() {
	i=0
	while ! grep -q "xattr_bpf=" "$work/$1.log"; do
		i=$((i + 1))
		[ $i -gt 600 ] && fail "$1: no xattr_bpf= line"
		sleep 0.1
	done
	[ "$(grep -c "xattr_bpf=" "$work/$1.log")" = 1 ] ||
		fail "$1: more than one xattr_bpf= line"
	sed -n 's/.*fastpath: \(xattr_bpf=.*\)$/\1/p' "$work/$1.log"
}

# stop_fs NAME: unmounts; the daemon must exit 0 without a sanitizer report
stop_fs() {
	umount "$work/mnt.$1" || fail "$1: umount"
	eval "wait \$pid_$1"
	st=$?
	[ $st = 0 ] || { tail -n 15 "$work/$1.log"; fail "$1: daemon exit status $st"; }
	if grep -q "Sanitizer\|runtime error" "$work/$1.log"; then
		grep -A20 "Sanitizer\|runtime error" "$work/$1.log" | head -40
		fail "$1: sanitizer report"
	fi
}

upcalls() { grep -c "opcode: GETXATTR" "$work/$1.log"; }

# count NAME NAME...: N getxattr of each name on mount NAME, all ENODATA;
# prints the GETXATTR requests they caused
count() {
	fs=$1
	shift
	before=$(upcalls "$fs")
	"$xcount" "$work/mnt.$fs" "$n" "$@" >"$work/$fs.count" ||
		fail "$fs: $(cat "$work/$fs.count")"
	echo $(($(upcalls "$fs") - before))
}

policy="xattr absent $names"
acl_policy="xattr absent $acl_names"
mount_fs a "$policy"
outcome=$(wait_outcome a)
echo "outcome: $outcome"
mount_fs d "$acl_policy" "$aclfs"
acl_outcome=$(wait_outcome d)
echo "acl outcome: $acl_outcome"
calls=$((n * 2))

if [ "$mode" = fallback ]; then
	case $outcome in
	xattr_bpf=on:*) echo "SKIP: BPF answers on this host ($outcome): no fallback to test"
		exit 77 ;;
	esac
	got=$(count a $names)
	[ "$got" = "$calls" ] || fail "library saw $got of $calls GETXATTR"
	# ACL names too (every call on 6.2+, once per name on 6.1: below)
	acl=$(count d $acl_names)
	[ "$acl" -ge 2 ] || fail "library saw $acl of $calls ACL GETXATTR"
	stop_fs a
	stop_fs d
	echo "RESULT fallback $outcome getxattr=$calls upcalls=$got acl_upcalls=$acl (library answered)"
	exit 0
fi

case $outcome in
xattr_bpf=on:*) ;;
*) echo "SKIP: in-kernel answers unavailable here ($outcome)"; exit 77 ;;
esac
# the same kernel, the same answer: here every probe is an ACL name
[ "$acl_outcome" = "$outcome" ] || fail "ACL mount: $acl_outcome, not $outcome"
with=$(count a $names)
ns_with=$(sed -n 's/.* \([0-9]*\) ns\/call/\1/p' "$work/a.count")
# a name not declared still reaches the daemon (hello_ll: ENOSYS, then
# the kernel stops asking: at least one request)
before=$(upcalls a)
"$xcount" "$work/mnt.a" 3 user.other >/dev/null 2>&1
other=$(($(upcalls a) - before))
# the same name on a mount without the policy still reaches its daemon
mount_fs b ""
"$xcount" "$work/mnt.b" 3 user.foo >/dev/null 2>&1
otherdev=$(upcalls b)
# and the handler off: every call is a request (the check can fail)
mount_fs c "$policy
xattr_bpf no"
without=$(count c $names)
ns_without=$(sed -n 's/.* \([0-9]*\) ns\/call/\1/p' "$work/c.count")
acl_with=$(count d $acl_names)
mount_fs e "$acl_policy
xattr_bpf no" "$aclfs"
acl_without=$(count e $acl_names)
echo "RESULT acl $acl_outcome getxattr=$calls upcalls_bpf=$acl_with upcalls_nobpf=$acl_without"
echo "RESULT kernel $outcome getxattr=$calls upcalls_bpf=$with upcalls_nobpf=$without other_name=$other other_mount=$otherdev ns_per_call_bpf=$ns_with ns_per_call_nobpf=$ns_without"
[ "$with" = 0 ] || fail "$with GETXATTR reached the daemon with BPF on"
[ "$without" = "$calls" ] || fail "without BPF $without GETXATTR, not $calls"
[ "$acl_with" = 0 ] || fail "$acl_with ACL GETXATTR reached the daemon with BPF on"
# 6.12 and 6.18 ask the daemon every time; 6.1 keeps an absent ACL in the
# inode (one request per name)
[ "$acl_without" -ge 2 ] || fail "without BPF $acl_without ACL GETXATTR, not at least 2"
[ "$other" -ge 1 ] || fail "an undeclared name never reached the daemon"
[ "$otherdev" -ge 1 ] || fail "another mount's getxattr never reached its daemon"
grep -q "xattr_bpf=" "$work/c.log" "$work/e.log" && fail "xattr_bpf no still loaded BPF"
for fs in a b c d e; do stop_fs $fs; done
exit 0

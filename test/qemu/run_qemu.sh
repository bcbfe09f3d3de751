#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots a Debian stock cloud kernel in qemu (software emulation) with a
# busybox initramfs holding our libfuse3, hello_ll, acl_fs, xattr_count and
# xattr_bpf.sh, runs "xattr_bpf.sh kernel" as PID 1's script and judges
# its result line on the serial console. The kernel package is fetched
# with apt-get download (never installed) into a cache.
# Usage: run_qemu.sh [--kernel META[/RELEASE]] <hello_ll> <xattr_count>
#                    <acl_fs> <xattr_bpf.sh> [EXPECT [CMDLINE...]]
#   META: the package whose dependency is the kernel image to boot
#         (default linux-image-cloud-amd64; e.g. .../bookworm-backports)
#   EXPECT: the outcome line the library must print (default xattr_bpf=on:lsm)
set -uo pipefail
meta=linux-image-cloud-amd64
if [ "${1:-}" = --kernel ]; then
	meta=$2
	shift 2
fi
hello=$1 xcount=$2 aclfs=$3 script=$4
expect=${5:-xattr_bpf=on:lsm}
shift 4; [ $# -gt 0 ] && shift
cmdline_extra="$*"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

qemu=$(command -v qemu-system-x86_64) ||
	skip "qemu-system-x86_64 not installed (scripts/deps.sh: qemu-system-x86)"
bb=$(command -v busybox) || skip "busybox not installed (busybox-static)"
ldd "$bb" >/dev/null 2>&1 && skip "$bb is not static (busybox-static)"
cache=${FASTFUSE_QEMU_CACHE:-/var/cache/fastfuse-qemu}
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] ||
	skip "kernel cache $cache not writable (set FASTFUSE_QEMU_CACHE)"

# The kernel: META's current dependency, unless named.
pkg=${FASTFUSE_QEMU_KERNEL_PKG:-$(apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)}
case $meta in
*/*) hint="scripts/deps.sh adds ${meta#*/}, then apt-get update" ;;
*) hint="apt-get update" ;;
esac
[ -n "$pkg" ] || skip "$meta not in the apt lists ($hint)"
kdir=$cache/$pkg
if [ ! -f "$kdir/vmlinuz" ] || [ ! -f "$kdir/fuse.ko" ]; then
	tmp=$(mktemp -d "$cache/dl.XXXXXX") || exit 1
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		{ rm -rf "$tmp"; skip "cannot download $pkg"; }
	dpkg -x "$tmp"/*.deb "$tmp/x" || { rm -rf "$tmp"; fail "dpkg -x $pkg"; }
	mkdir -p "$kdir"
	cp "$tmp"/x/boot/vmlinuz-* "$kdir/vmlinuz" &&
	cp "$tmp"/x/boot/config-* "$kdir/config" || fail "no kernel in $pkg"
	# built in when not found as a module
	f=$(find "$tmp/x/lib/modules" -name 'fuse.ko*' | head -1)
	if [ -n "$f" ]; then
		case $f in
		*.xz) xz -dc "$f" >"$kdir/fuse.ko" ;;
		*.zst) zstd -qdc "$f" >"$kdir/fuse.ko" ;;
		*) cp "$f" "$kdir/fuse.ko" ;;
		esac
	else
		: >"$kdir/fuse.ko"
	fi
	rm -rf "$tmp"
fi
grep -q '^CONFIG_BPF_LSM=y' "$kdir/config" || skip "$pkg has no CONFIG_BPF_LSM"

work=$(mktemp -d /tmp/qemu-xattr.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,lib,lib64,proc,sys,dev,tmp}
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
cp "$hello" "$root/bin/hello_ll" && cp "$xcount" "$root/bin/xattr_count" &&
	cp "$aclfs" "$root/bin/acl_fs" && cp "$script" "$root/xattr_bpf.sh" ||
	fail "copying the test programs"
[ -s "$kdir/fuse.ko" ] && cp "$kdir/fuse.ko" "$root/fuse.ko"
# every shared object the programs load (libfuse3 from the build tree),
# and libgcc_s, which glibc opens itself for pthread_cancel
gcc_s=$(ldconfig -p | sed -n 's/.*libgcc_s.so.1 (libc6,x86-64) => //p' | head -1)
for lib in $gcc_s $(ldd "$hello" "$xcount" "$aclfs" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p;s/^\t\(\/[^ ]*\) .*/\1/p' | sort -u); do
	case $lib in
	*/ld-linux*) cp -L "$lib" "$root/lib64/" ;;
	*) cp -L "$lib" "$root/lib/" ;;
	esac
done
cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin LD_LIBRARY_PATH=/lib
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t securityfs sec /sys/kernel/security 2>/dev/null
echo "QEMU-LSM $(cat /sys/kernel/security/lsm 2>/dev/null)"
[ -f /fuse.ko ] && insmod /fuse.ko
sh /xattr_bpf.sh kernel /bin/hello_ll /bin/xattr_count /bin/acl_fs 1000 >/tmp/out 2>&1
rc=$?
sed 's/^/QEMU-OUT /' /tmp/out
echo "QEMU-RESULT rc=$rc"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz" ||
	fail "building the initramfs"

# Software emulation by default: it boots this small guest in seconds and
# behaves the same everywhere; a nested /dev/kvm may exist yet hang.
# Without CMPXCHG16B: Debian 12's qemu 7.2 corrupted EFLAGS around SLUB's
# gs-prefixed cmpxchg16b often enough that 6.12 oopsed in 7 of 13 boots
# (0 of 9 without it); the kernel falls back to a lock there.
accel="-accel tcg -cpu max,cx16=off"
[ -n "${FASTFUSE_QEMU_KVM:-}" ] && accel="-accel kvm -cpu host"
start=$(date +%s)
# shellcheck disable=SC2086
timeout 600 "$qemu" $accel -smp 2 -m 1024 -nodefaults -display none \
	-no-reboot -serial "file:$work/console" \
	-kernel "$kdir/vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet $cmdline_extra" \
	>"$work/qemu.out" 2>&1
qrc=$?
secs=$(($(date +%s) - start))
tr -d '\r' <"$work/console" >"$work/console.txt" && mv "$work/console.txt" "$work/console"
sed -n 's/^QEMU-\(LSM\|OUT\) /guest: /p' "$work/console"
echo "qemu: $pkg, $accel, ${secs}s, exit $qrc"
res=$(sed -n 's/^QEMU-RESULT rc=\([0-9]*\).*/\1/p' "$work/console")
if [ -z "$res" ]; then
	tail -n 30 "$work/console" "$work/qemu.out"
	fail "no result from the guest"
fi
[ "$res" = 77 ] && fail "the guest skipped: BPF should work on $pkg"
[ "$res" = 0 ] || fail "the guest test failed"
grep -q "^QEMU-OUT outcome: $expect\$" "$work/console" ||
	fail "expected $expect"
echo "PASS: $expect in qemu (${secs}s)"

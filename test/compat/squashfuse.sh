#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's unmodified squashfuse_ll (lowlevel API) or squashfuse (path API)
# run on our libfuse3.so.3 (3.14 ABI): a generated tree (~500 entries:
# empty to multi-MiB files, hard links, symlinks, deep and wide dirs,
# user.* xattrs) is packed with mksquashfs, mounted multi-threaded and
# with -s, and compared entry by entry.
#
# usage: squashfuse.sh BUILDDIR [ll|hl]   (default ll)
# exit: 0 pass, 1 fail, 77 skip

set -euo pipefail
# shellcheck source=test/compat/lib.sh
. "$(dirname "$0")/lib.sh"

compat_init "$@"
case "${2:-ll}" in
ll) bin=squashfuse_ll ;;
hl) bin=squashfuse ;;
*) echo "usage: $0 BUILDDIR [ll|hl]" >&2; exit 99 ;;
esac
compat_require_cmd "$bin" mksquashfs getfattr setfattr sha256sum
[ -e "$SO3" ] || fail "$SO3 was not built"
compat_asan_ignore_foreign "$bin" libsquashfuse_ll.so libsquashfuse.so

t()
{
	timeout 60 "$@"
}

src=$TMP/src img=$TMP/image.sqfs mnt=$TMP/mnt
mkdir -p "$src" "$mnt"

info "generating the source tree"
# Boundary sizes around pages, squashfs blocks (128 KiB) and fragments.
n=0
for size in 0 1 511 4095 4096 4097 65535 131071 131072 131073 \
	    $((1024 * 1024 + 5)) $((3 * 1024 * 1024 + 4097)); do
	head -c "$size" /dev/urandom >"$src/size_$size"
	n=$((n + 1))
done
# Compressible data, so squashfs stores compressed blocks as well.
{ yes 'compressible line of text' || true; } | head -c $((300 * 1024)) \
	>"$src/text.txt"
# A wide directory: enough entries for several READDIR round trips.
mkdir "$src/wide"
for ((i = 0; i < 250; i++)); do
	head -c $((i * 37)) /dev/urandom >"$src/wide/file_with_a_longish_name_$i"
done
# A deep directory chain with a file on every level.
d=$src/deep
for ((i = 0; i < 24; i++)); do
	d=$d/level$i
	mkdir -p "$d"
	printf 'level %d\n' "$i" >"$d/f"
done
# Mixed tree of small files.
for ((i = 0; i < 10; i++)); do
	mkdir -p "$src/mix/d$i/e"
	for ((j = 0; j < 18; j++)); do
		head -c $(((i * 131 + j * 977) % 20000)) /dev/urandom \
			>"$src/mix/d$i/f$j"
	done
	: >"$src/mix/d$i/e/empty"
done
mkdir "$src/emptydir"
printf 'spaces\n' >"$src/name with spaces"
printf 'utf8\n' >"$src/nämé-ユニコード"
printf 'long\n' >"$src/$(printf 'L%.0s' $(seq 1 250))"
chmod 0755 "$src/size_1"
chmod 0600 "$src/size_511"
chmod 0444 "$src/text.txt"
ln "$src/size_4097" "$src/hardlink_a"
ln "$src/size_4097" "$src/mix/hardlink_b"
ln -s size_4096 "$src/sym_rel"
ln -s /etc/hostname "$src/sym_abs"
ln -s does/not/exist "$src/sym_dangling"
ln -s mix/d3 "$src/sym_dir"
ln -s "$(printf 'x%.0s' $(seq 1 1000))" "$src/sym_long"
printf 'has xattrs\n' >"$src/xattr_file"
setfattr -n user.small -v 1 "$src/xattr_file"
setfattr -n user.big -v "$(head -c 1500 /dev/zero | tr '\0' 'v')" \
	"$src/xattr_file"
setfattr -n user.dir -v on-a-directory "$src/mix"
touch -d '2001-02-03 04:05:06' "$src/size_0"
entries=$(find "$src" | wc -l)
info "$entries entries"
[ "$entries" -ge 450 ] || fail "generated only $entries entries"

t mksquashfs "$src" "$img" -noappend -quiet -no-progress -xattrs \
	>"$TMP/mksquashfs.log" 2>&1 ||
	fail "mksquashfs failed: $(tail -n 3 "$TMP/mksquashfs.log")"

# One line per entry; directory sizes are filesystem specific.
listing()
{
	(cd "$1" && t find . -printf '%p|%y|%m|%s|%n|%U|%G|%T@|%l\n' |
	 awk -F'|' -v OFS='|' '{ if ($2 == "d") $4 = "-";
				 sub(/\..*/, "", $8); print }' | LC_ALL=C sort)
}

sums()
{
	(cd "$1" && t find . -type f -print0 | LC_ALL=C sort -z |
	 t xargs -0 sha256sum)
}

# "path name=value" per user.* xattr, independent of listxattr order.
xattrs()
{
	(cd "$1" && t find . -print0 | LC_ALL=C sort -z |
	 t xargs -0 getfattr -h -d -m '^user\.' 2>/dev/null |
	 awk '/^# file: / { f = substr($0, 9); next }
	      /=/ { print f " " $0 }' | LC_ALL=C sort)
}

want_list=$(listing "$src")
want_sums=$(sums "$src")
want_xattrs=$(xattrs "$src")
[ -n "$want_xattrs" ] || fail "source tree has no xattrs (filesystem?)"

chunk()
{
	t dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count=9000 \
		bs=4096 status=none | sha256sum
}

verify()
{
	local got

	info "[$1] entry list, modes, sizes, links, owners, mtimes, targets"
	got=$(listing "$mnt")
	if [ "$got" != "$want_list" ]; then
		diff <(echo "$want_list") <(echo "$got") | head -n 20 >&2
		fail "[$1] listing differs from the source tree"
	fi
	info "[$1] sha256 of every regular file"
	got=$(sums "$mnt")
	if [ "$got" != "$want_sums" ]; then
		diff <(echo "$want_sums") <(echo "$got") | head -n 20 >&2
		fail "[$1] file contents differ from the source tree"
	fi
	info "[$1] user.* xattrs"
	got=$(xattrs "$mnt")
	if [ "$got" != "$want_xattrs" ]; then
		diff <(echo "$want_xattrs") <(echo "$got") | head -n 20 >&2
		fail "[$1] xattrs differ from the source tree"
	fi
	expect_eq "[$1] wide dir entries" "$(t ls -1U "$mnt/wide" | wc -l)" 250
	# squashfuse (path API) does not set use_ino: the library numbers
	# inodes per name, as libfuse does, so only squashfuse_ll's match.
	if [ "$bin" = squashfuse_ll ]; then
		expect_eq "[$1] hard link inode" \
			"$(t stat -c %i "$mnt/hardlink_a")" \
			"$(t stat -c %i "$mnt/size_4097")"
	fi
	expect_eq "[$1] read through dir symlink" \
		"$(t sha256sum <"$mnt/sym_dir/f5")" \
		"$(sha256sum <"$src/mix/d3/f5")"
	# Unaligned reads across block boundaries.
	local f=size_$((3 * 1024 * 1024 + 4097)) off
	for off in 1 4095 131071 131073 1048577 3145729; do
		expect_eq "[$1] 9000 bytes at offset $off" \
			"$(chunk "$mnt/$f" "$off")" "$(chunk "$src/$f" "$off")"
	done
}

for mode in mt single; do
	flags=()
	[ "$mode" = single ] && flags=(-s)
	compat_start "$bin-$mode" "${COMPAT_ENV3[@]}" \
		"$bin" -f "${flags[@]}" "$img" "$mnt"
	pid=$DAEMON_PID
	compat_wait_mounted "$mnt" "$pid"
	compat_check_maps "$pid" "$SO3"
	verify "$mode"
	compat_unmount_wait "$mnt" "$pid"
done

echo "PASS: $bin on $(readlink -f "$SO3")"

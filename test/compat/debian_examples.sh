#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's libfuse3-dev example sources, unmodified, built two ways and run:
#   *-abi4  our headers (include/fuse3), linked against our libfuse3.so.4;
#   *-abi3  Debian's 3.14 headers and system .so.3, run on our .so.3 through
#           LD_LIBRARY_PATH (what every binary in the archive does).
# ll-* covers the low-level examples, hl-* the high-level (fuse.h) ones,
# cuse-* builds cuse.c and resolves its symbols (no /dev/cuse needed).
#
# usage: debian_examples.sh BUILDDIR {ll,hl,cuse}-{abi3,abi4}
# exit:  0 pass, 1 fail, 77 skip
#
# cflags/libs/deb_* are read by build() through namerefs:
# shellcheck disable=SC2034

set -euo pipefail
# shellcheck source=test/compat/lib.sh
. "$(dirname "$0")/lib.sh"

mode=${2:-}
case $mode in
ll-abi[34] | hl-abi[34] | cuse-abi[34]) ;;
*) echo "usage: $0 BUILDDIR {ll,hl,cuse}-{abi3,abi4}" >&2; exit 99 ;;
esac
api=${mode%-*} abi=${mode#*-}

compat_init "$@"
compat_require_cmd gcc setfattr getfattr sha256sum
compat_debian_examples
compat_system_so3

t()
{
	timeout 30 "$@"
}

# Facts an example's own build system would put in config.h.
ex_defs=(-DHAVE_COPY_FILE_RANGE -DHAVE_FALLOCATE -DHAVE_FSTATAT
	 -DHAVE_POSIX_FALLOCATE -DHAVE_SETXATTR -DHAVE_UTIMENSAT
	 -DHAVE_FDATASYNC)
deb_cflags=(-I"$DEB_X/usr/include/fuse3")
deb_libs=("$SYSTEM_SO3" -lpthread)
run_env=()
if [ "$abi" = abi4 ]; then
	expect_so=$SO4
	hdr_dir=$COMPAT_SRCDIR/include/fuse3
	cflags=(-I"$hdr_dir")
	libs=("$SO4" "-Wl,-rpath,$(dirname "$SO4")" -lpthread)
	run_env=("${COMPAT_ENV4[@]}")
	if [ "${COMPAT_AGAINST_SYSTEM:-0}" = 1 ]; then
		expect_so=$SYSTEM_SO3 hdr_dir=$DEB_X/usr/include/fuse3
		cflags=("${deb_cflags[@]}") libs=("${deb_libs[@]}") run_env=()
	fi
	[ -e "$expect_so" ] || fail "$expect_so was not built"
else
	expect_so=$SO3
	hdr_dir=$DEB_X/usr/include/fuse3
	cflags=("${deb_cflags[@]}") libs=("${deb_libs[@]}")
	run_env=("${COMPAT_ENV3[@]}")
	[ -e "$SO3" ] || fail "$SO3 was not built"
fi

bin=$TMP/bin
mkdir -p "$bin"

# build NAME [OUT CFLAGS_ARRAY LIBS_ARRAY]: compile examples/NAME.c; with
# our headers a warning raised inside them is an error. Errors are collected
# in $build_errors so one run lists every missing symbol (see builds_ok).
build_errors=
build()
{
	local name=$1 out=${2:-$bin/$1} log undef
	local -n bcflags=${3:-cflags} blibs=${4:-libs}

	log=$TMP/$(basename "$out").cc.log
	[ -f "$DEB_EXAMPLES/$name.c" ] ||
		fail "$name.c is not in Debian's examples ($DEB_EXAMPLES)"
	if ! gcc -Wall -O2 -g "${ex_defs[@]}" "${bcflags[@]}" \
		"$DEB_EXAMPLES/$name.c" -o "$out" "${blibs[@]}" >"$log" 2>&1; then
		build_errors+="== $name.c does not compile/link:
$(grep -E 'error|undefined reference' "$log" | sed 's/^.*: //' | sort -u)
"
		return 0
	fi
	if [ "$abi" = abi4 ] && grep -qF "$hdr_dir/" "$log"; then
		build_errors+="== $name.c: warnings inside $hdr_dir:
$(cat "$log")
"
	fi
	[ ! -s "$log" ] ||
		info "$name.c: $(grep -c 'warning:' "$log") warning(s) in the example itself"
	# Every symbol (with its version) must resolve in the library the
	# binary runs on, also for examples this test only builds.
	undef=$(env "${run_env[@]:1}" LD_TRACE_LOADED_OBJECTS=1 LD_BIND_NOW=1 \
		LD_WARN=yes "$out" 2>&1 | grep 'undefined symbol' |
		sed 's/\t.*//' || true)
	[ -z "$undef" ] || build_errors+="== $name on $(readlink -f "$expect_so"):
$undef
"
}

builds_ok()
{
	[ -z "$build_errors" ] || fail "examples do not build or resolve ($mode):
$build_errors"
}

mnt=$TMP/mnt
mkdir -p "$mnt"

# start NAME ARGS...: run a built example in the foreground against $mnt.
start()
{
	local name=$1

	shift
	compat_start "$name" "${run_env[@]}" "$bin/$name" -f "$@"
	compat_wait_mounted "${mountpoint:-$mnt}" "$DAEMON_PID"
	compat_check_maps "$DAEMON_PID" "$expect_so"
}

# workload VIEW REAL [xattr]: file system operations through VIEW (inside
# the mount), each checked against REAL (the backing directory).
workload()
{
	local v=$1 r=$2 xattr=${3:-}

	info "workload: create, write, append, read"
	printf 'first\n' >"$v/a"
	printf 'second\n' >>"$v/a"
	expect_file_content "$r/a" $'first\nsecond'
	expect_file_content "$v/a" $'first\nsecond'
	head -c $((4 * 1024 * 1024 + 123)) /dev/urandom >"$TMP/big"
	t cp "$TMP/big" "$v/big"
	cmp "$TMP/big" "$r/big" || fail "big file differs in the backing dir"
	t cmp "$TMP/big" "$v/big" || fail "big file reads back differently"
	info "workload: pwrite in the middle, fallocate, truncate"
	printf 'MIDDLE' | t dd of="$v/big" bs=1 seek=1000000 conv=notrunc \
		status=none
	expect_eq "bytes at 1000000" \
		"$(dd if="$r/big" bs=1 skip=1000000 count=6 status=none)" MIDDLE
	t fallocate -l 3M "$v/falloc"
	expect_eq "fallocated size" "$(stat -c %s "$r/falloc")" 3145728
	t truncate -s 7 "$v/big"
	expect_eq "truncated size" "$(t stat -c %s "$v/big")" 7
	expect_eq "truncated size (backing)" "$(stat -c %s "$r/big")" 7
	info "workload: mkdir, rename file and dir, unlink, rmdir"
	t mkdir -p "$v/d1/d2"
	t mv "$v/a" "$v/d1/d2/a-moved"
	t mv "$v/d1" "$v/d1-renamed"
	expect_file_content "$r/d1-renamed/d2/a-moved" $'first\nsecond'
	[ ! -e "$v/a" ] || fail "a still visible after rename"
	t rm "$v/falloc"
	[ ! -e "$r/falloc" ] || fail "falloc still in the backing dir"
	t mkdir "$v/gone"
	t rmdir "$v/gone"
	[ ! -e "$r/gone" ] || fail "rmdir did not reach the backing dir"
	info "workload: hard link, symlink, fifo"
	t ln "$v/big" "$v/big-link"
	expect_eq "link count" "$(t stat -c %h "$v/big")" 2
	expect_eq "backing inode of link" "$(stat -c %i "$r/big-link")" \
		"$(stat -c %i "$r/big")"
	t ln -s d1-renamed/d2/a-moved "$v/sym"
	expect_eq "readlink" "$(t readlink "$v/sym")" d1-renamed/d2/a-moved
	expect_eq "backing readlink" "$(readlink "$r/sym")" d1-renamed/d2/a-moved
	expect_file_content "$v/sym" $'first\nsecond'
	t mkfifo "$v/fifo"
	[ -p "$r/fifo" ] || fail "mkfifo did not create a fifo in the backing dir"
	info "workload: chmod, utimens"
	t chmod 0604 "$v/big"
	expect_eq "backing mode" "$(stat -c %a "$r/big")" 604
	t touch -m -d '2001-02-03 04:05:06 UTC' "$v/big"
	expect_eq "backing mtime" "$(stat -c %Y "$r/big")" 981173106
	expect_eq "mtime via mount" "$(t stat -c %Y "$v/big")" 981173106
	if [ -n "$xattr" ]; then
		info "workload: user.* xattrs"
		t setfattr -n user.k1 -v v1 "$v/big"
		t setfattr -n user.k2 -v v2 "$v/big"
		expect_eq "backing xattr" \
			"$(getfattr --absolute-names --only-values -n user.k1 "$r/big")" v1
		expect_eq "xattr via mount" \
			"$(t getfattr --absolute-names --only-values -n user.k2 "$v/big")" v2
		t getfattr --absolute-names -d "$v/big" | grep -q '^user.k1="v1"$' ||
			fail "listxattr via mount lacks user.k1"
		t setfattr -x user.k1 "$v/big"
		if getfattr --absolute-names -n user.k1 "$r/big" >/dev/null 2>&1; then
			fail "removexattr did not reach the backing file"
		fi
	fi
	info "workload: readdir of a directory with 300 entries"
	t mkdir "$v/wide"
	(cd "$v/wide" && t touch $(seq -f 'entry-%03g' 1 300))
	expect_eq "entries via mount" "$(t ls -1 "$v/wide" | wc -l)" 300
	expect_eq "listing via mount" "$(t ls -1 "$v/wide" | LC_ALL=C sort)" \
		"$(ls -1 "$r/wide" | LC_ALL=C sort)"
	expect_eq "top listing" "$(t ls -1A "$v" | LC_ALL=C sort | tr '\n' ' ')" \
		"$(ls -1A "$r" | LC_ALL=C sort | tr '\n' ' ')"
	info "workload: statfs, recursive removal"
	expect_eq "statfs blocks" "$(t stat -f -c '%S %b' "$v")" \
		"$(stat -f -c '%S %b' "$r")"
	t rm -r "$v/wide" "$v/d1-renamed"
	[ ! -e "$r/wide" ] || fail "rm -r did not reach the backing dir"
}

# Two reads of a file whose content is the current time, >2 s apart, must
# differ: the kernel cache (keep_cache) is only refreshed by notifications.
check_time_file()
{
	local f=$1 first second

	first=$(t cat "$f")
	sleep 2.5
	second=$(t cat "$f")
	[[ $first =~ ^The\ current\ time\ is\ [0-9:]{8}$ ]] ||
		fail "unexpected content of $f: '$first'"
	[ "$first" != "$second" ] ||
		fail "$f did not change after 2.5 s: '$first' (notification lost)"
	info "$(basename "$f"): '$first' -> '$second'"
}

run_ll()
{
	local ex src name0 name1 entry_example=1

	# notify_inval_entry.c of 3.14 passes the flags argument that
	# fuse_lowlevel_notify_expire_entry() lost in 3.16: it cannot compile
	# against any 3.16+ header, libfuse's own included.
	if [ "$abi" = abi4 ] && [ "${COMPAT_AGAINST_SYSTEM:-0}" != 1 ]; then
		entry_example=0
		info "notify_inval_entry: 3.14 source predates the 3.16 API, not built"
	fi
	for ex in hello_ll passthrough_ll printcap notify_inval_inode \
		  notify_store_retrieve; do
		build "$ex"
	done
	[ "$entry_example" = 0 ] || build notify_inval_entry
	builds_ok

	info "hello_ll (single-threaded)"
	start hello_ll -s "$mnt"
	expect_file_content "$mnt/hello" "Hello World!"
	expect_eq "hello_ll ls" "$(t ls "$mnt")" hello
	expect_eq "hello_ll size" "$(t stat -c %s "$mnt/hello")" 13
	if t sh -c "echo x >'$mnt/hello'" 2>/dev/null; then
		fail "hello_ll: writing to a read-only file succeeded"
	fi
	compat_unmount_wait "$mnt" "$DAEMON_PID"

	info "passthrough_ll (multi-threaded, xattr)"
	src=$TMP/src-mt
	mkdir "$src"
	start passthrough_ll -o "source=$src,xattr" "$mnt"
	workload "$mnt" "$src" xattr
	compat_unmount_wait "$mnt" "$DAEMON_PID"

	info "passthrough_ll (single-threaded, cache=never, timeout=0)"
	src=$TMP/src-st
	mkdir "$src"
	start passthrough_ll -s -o "source=$src,xattr,cache=never,timeout=0" \
		"$mnt"
	workload "$mnt" "$src" xattr
	compat_unmount_wait "$mnt" "$DAEMON_PID"

	check_printcap

	info "notify_inval_inode"
	start notify_inval_inode --update-interval=1 "$mnt"
	check_time_file "$mnt/current_time"
	compat_unmount_wait "$mnt" "$DAEMON_PID"

	info "notify_store_retrieve (exit status checks the retrieve reply)"
	start notify_store_retrieve --update-interval=1 "$mnt"
	check_time_file "$mnt/current_time"
	compat_unmount_wait "$mnt" "$DAEMON_PID"

	[ "$entry_example" = 1 ] || return 0
	info "notify_inval_entry (entry timeout 30 s, invalidated every 1 s)"
	start notify_inval_entry --update-interval=1 --timeout=30 "$mnt"
	name0=$(t ls "$mnt")
	t stat "$mnt/$name0" >/dev/null || fail "cannot stat $name0"
	sleep 2.5
	if t stat "$mnt/$name0" >/dev/null 2>&1; then
		fail "$name0 still resolves: entry was not invalidated"
	fi
	name1=$(t ls "$mnt")
	[ "$name1" != "$name0" ] || fail "file name did not change"
	t stat "$mnt/$name1" >/dev/null || fail "cannot stat $name1"
	info "notify_inval_entry: $name0 -> $name1"
	compat_unmount_wait "$mnt" "$DAEMON_PID"
}

# printcap mounts on its own temporary dir and exits after INIT; its list of
# capabilities must contain everything Debian's library reports.
check_printcap()
{
	local ours deb missing loaded

	info "printcap"
	build printcap "$bin/printcap.debian" deb_cflags deb_libs
	builds_ok
	# printcap exits right after INIT, too fast for /proc/PID/maps: ask
	# the loader which libfuse3 it resolves with the same environment.
	loaded=$(env "${run_env[@]:1}" LD_TRACE_LOADED_OBJECTS=1 "$bin/printcap" |
		awk '$1 ~ /^libfuse3\.so/ { print $3 }')
	expect_eq "libfuse3 loaded by printcap" "$(readlink -f "$loaded")" \
		"$(readlink -f "$expect_so")"
	ours=$(t "${run_env[@]}" "$bin/printcap" 2>"$TMP/printcap.err") ||
		fail "printcap failed: $(cat "$TMP/printcap.err")"
	deb=$(t "$bin/printcap.debian" 2>&1) ||
		fail "printcap on Debian's library failed: $deb"
	expect_eq "protocol version" "$(grep '^Protocol version' <<<"$ours")" \
		"$(grep '^Protocol version' <<<"$deb")"
	missing=$(comm -23 <(grep 'FUSE_CAP' <<<"$deb" | sort) \
			   <(grep 'FUSE_CAP' <<<"$ours" | sort))
	[ -z "$missing" ] || fail "capabilities Debian offers but we do not:
$missing"
	info "printcap: $(grep -c FUSE_CAP <<<"$ours") capabilities" \
	     "(Debian: $(grep -c FUSE_CAP <<<"$deb")); extra:" \
	     "$(comm -13 <(grep 'FUSE_CAP' <<<"$deb" | sort) \
			 <(grep 'FUSE_CAP' <<<"$ours" | sort) | tr -d '\t' |
		tr '\n' ' ')"
}

run_hl()
{
	local ex src

	for ex in hello null passthrough passthrough_fh ioctl poll \
		  invalidate_path; do
		build "$ex"
	done
	builds_ok

	info "hello"
	start hello "$mnt"
	expect_file_content "$mnt/hello" "Hello World!"
	compat_unmount_wait "$mnt" "$DAEMON_PID"

	info "hello (single-threaded, --name/--contents)"
	start hello -s --name=greeting --contents=fastfuse "$mnt"
	expect_file_content "$mnt/greeting" fastfuse
	compat_unmount_wait "$mnt" "$DAEMON_PID"

	info "null (mounted on a regular file)"
	: >"$TMP/nullfile"
	mountpoint=$TMP/nullfile start null "$TMP/nullfile"
	expect_eq "null reads zeros" \
		"$(t head -c 65536 "$TMP/nullfile" | tr -d '\0' | wc -c)" 0
	printf 'discarded' | t dd of="$TMP/nullfile" status=none ||
		fail "write to null failed"
	compat_unmount_wait "$TMP/nullfile" "$DAEMON_PID"

	for ex in passthrough passthrough_fh; do
		info "$ex (mirrors /)"
		src=$TMP/src-$ex
		mkdir "$src"
		start "$ex" "$mnt"
		workload "$mnt$src" "$src" xattr
		compat_unmount_wait "$mnt" "$DAEMON_PID"
	done
	# ioctl, poll and invalidate_path need their own clients; building
	# them proves the high-level API they use links.
}

run_cuse()
{
	build cuse
	builds_ok
	info "cuse built and its symbols resolved; not run (needs /dev/cuse)"
}

"run_$api"
echo "PASS: $mode on $(readlink -f "$expect_so")"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's unmodified sshfs (a path-API filesystem) run on our
# libfuse3.so.3 (3.14 ABI), against a private sshd on 127.0.0.1: its own
# config, host key, user key and port, all in the scratch directory. A
# file workload through the mount is checked in the served directory.
#
# usage: sshfs.sh BUILDDIR   exit: 0 pass, 1 fail, 77 skip
# Needs the packages sshfs and openssh-server.

set -euo pipefail
# shellcheck source=test/compat/lib.sh
. "$(dirname "$0")/lib.sh"

compat_init "$@"
compat_require_cmd sshfs ssh ssh-keygen sha256sum
[ -e "$SO3" ] || fail "$SO3 was not built"
compat_asan_ignore_foreign sshfs

t()
{
	timeout 20 "$@"
}

keys=$TMP/ssh remote=$TMP/remote mnt=$TMP/mnt
mkdir -p "$remote" "$mnt"

# ------------------------------------------------------------------
# The private sshd

compat_sshd "$keys"
port=$SSH_PORT

ssh_opts=(-F /dev/null
	-o "IdentityFile=$keys/user_key" -o IdentitiesOnly=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=yes -o LogLevel=ERROR -p "$port")
t ssh "${ssh_opts[@]}" root@127.0.0.1 true ||
	fail "ssh with the test key into the private sshd failed"

# ------------------------------------------------------------------
# The workload

printf 'served before the mount\n' >"$remote/pre.txt"
mkdir "$remote/pre.d"
printf 'deep\n' >"$remote/pre.d/inner"
head -c $((1024 * 1024 + 321)) /dev/urandom >"$remote/pre.bin"

compat_start sshfs "${COMPAT_ENV3[@]}" sshfs -f -F /dev/null \
	-o "IdentityFile=$keys/user_key,IdentitiesOnly=yes" \
	-o "StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null" \
	-o "BatchMode=yes,port=$port" \
	"root@127.0.0.1:$remote" "$mnt"
pid=$DAEMON_PID
compat_wait_mounted "$mnt" "$pid" 20
compat_check_maps "$pid" "$SO3"

info "read what was there before"
expect_file_content "$mnt/pre.txt" "served before the mount"
expect_file_content "$mnt/pre.d/inner" "deep"
expect_eq "sha256 of pre.bin" "$(t sha256sum <"$mnt/pre.bin")" \
	"$(sha256sum <"$remote/pre.bin")"

info "create, write, read back"
printf 'hello over ssh\n' >"$mnt/new.txt" || fail "create new.txt"
expect_file_content "$mnt/new.txt" "hello over ssh"
head -c $((3 * 1024 * 1024 + 7)) /dev/urandom >"$TMP/big.src"
t cp "$TMP/big.src" "$mnt/big.bin" || fail "copy 3 MiB into the mount"
expect_eq "sha256 of big.bin read back" "$(t sha256sum <"$mnt/big.bin")" \
	"$(sha256sum <"$TMP/big.src")"
printf 'appended\n' >>"$mnt/new.txt" || fail "append"
# A write in the middle of an existing file.
printf 'XY' | t dd of="$mnt/pre.txt" bs=1 seek=3 conv=notrunc status=none ||
	fail "dd into pre.txt"

info "mkdir, readdir"
mkdir "$mnt/dir" "$mnt/dir/sub" || fail "mkdir"
for i in $(seq 1 40); do
	printf '%d\n' "$i" >"$mnt/dir/f$i" || fail "create dir/f$i"
done
expect_eq "entries in dir" "$(t ls -1 "$mnt/dir" | wc -l)" 41
expect_eq "readdir of dir" "$(cd "$mnt/dir" && t ls -1 | LC_ALL=C sort | tr '\n' ' ')" \
	"$(cd "$remote/dir" && ls -1 | LC_ALL=C sort | tr '\n' ' ')"

info "rename, unlink, rmdir"
mv "$mnt/dir/f1" "$mnt/dir/sub/moved" || fail "rename into a subdirectory"
mv "$mnt/dir/f2" "$mnt/renamed.txt" || fail "rename up"
rm "$mnt/dir/f3" "$mnt/dir/f4" || fail "unlink"
mkdir "$mnt/gone" && rmdir "$mnt/gone" || fail "mkdir+rmdir"

info "truncate, symlink, chmod"
truncate -s 5 "$mnt/new.txt" || fail "truncate"
truncate -s 100000 "$mnt/big.bin" || fail "truncate big.bin"
ln -s new.txt "$mnt/link" || fail "symlink"
expect_eq "readlink" "$(t readlink "$mnt/link")" "new.txt"
expect_file_content "$mnt/link" "hello"
chmod 0640 "$mnt/new.txt" || fail "chmod"
chmod 0700 "$mnt/dir/sub" || fail "chmod dir"

# ------------------------------------------------------------------
# The served directory must show every change.

info "checking the served directory"
expect_file_content "$remote/new.txt" "hello"
expect_eq "size of new.txt" "$(stat -c %s "$remote/new.txt")" 5
expect_eq "mode of new.txt" "$(stat -c %a "$remote/new.txt")" 640
expect_eq "mode of dir/sub" "$(stat -c %a "$remote/dir/sub")" 700
expect_file_content "$remote/pre.txt" "serXYd before the mount"
expect_eq "size of big.bin" "$(stat -c %s "$remote/big.bin")" 100000
expect_eq "head of big.bin" "$(head -c 100000 "$remote/big.bin" | sha256sum)" \
	"$(head -c 100000 "$TMP/big.src" | sha256sum)"
[ -L "$remote/link" ] || fail "link is no symlink in the served directory"
expect_eq "symlink target" "$(readlink "$remote/link")" "new.txt"
expect_file_content "$remote/dir/sub/moved" 1
expect_file_content "$remote/renamed.txt" 2
for f in dir/f1 dir/f2 dir/f3 dir/f4 gone; do
	[ ! -e "$remote/$f" ] || fail "$f still exists in the served directory"
done
expect_eq "entries in served dir" "$(ls -1 "$remote/dir" | wc -l)" 37
[ -z "$(find "$remote" -name '.fuse_hidden*')" ] ||
	fail "hidden files left: $(find "$remote" -name '.fuse_hidden*')"

compat_unmount_wait "$mnt" "$pid" 15

echo "PASS: sshfs on $(readlink -f "$SO3")"

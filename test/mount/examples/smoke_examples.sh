#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# smoke_examples.sh: mounts each example filesystem of example/ on a fresh
# temporary directory, checks the behaviour the example exists to show, and
# unmounts. Daemons run in the foreground so their stderr (sanitizer reports
# included) is checked too. Needs root and /dev/fuse.
#
# usage: smoke_examples.sh <build-dir>/example
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).

set -u

BIN=${1:-}
if [ -z "$BIN" ] || [ ! -x "$BIN/hello_ll" ]; then
	echo "usage: $0 <build-dir>/example" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi
if [ ! -c /dev/fuse ]; then
	echo "SKIP: no /dev/fuse"
	exit 77
fi

TMP=$(mktemp -d /tmp/smoke-examples.XXXXXX)
# Other users must reach the mountpoint for the ownership check.
chmod 755 "$TMP"
MNT=$TMP/mnt
SRC=$TMP/src
mkdir -p "$MNT" "$SRC"
PID=
FAILED=0

cleanup() {
	if [ -n "$PID" ]; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	FAILED=1
}

# start NAME ARGS...: runs $BIN/NAME -f ARGS... $MNT, waits for the mount.
start() {
	local name=$1
	shift
	"$BIN/$name" -f "$@" "$MNT" >"$TMP/$name.log" 2>&1 &
	PID=$!
	for _ in $(seq 50); do
		grep -q " $MNT fuse" /proc/mounts && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "$name did not mount"
	cat "$TMP/$name.log"
	return 1
}

# stop NAME: unmounts, waits for the daemon, checks its stderr is clean.
stop() {
	local name=$1 rc
	fusermount3 -u "$MNT" || fail "$name: unmount failed"
	wait "$PID"
	rc=$?
	PID=
	[ "$rc" = 0 ] || fail "$name exited with $rc"
	if grep -Eq "ERROR|runtime error|LeakSanitizer" "$TMP/$name.log"; then
		fail "$name: sanitizer report"
		cat "$TMP/$name.log"
	fi
}

check_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
}

# ---- hello_ll
if start hello_ll; then
	check_eq "hello content" "$(cat "$MNT/hello")" "Hello World!"
	check_eq "hello listing" "$(ls "$MNT")" "hello"
	echo x 2>/dev/null >"$MNT/hello" && fail "hello is writable"
	stop hello_ll
fi
for opt in --help --version; do
	"$BIN/hello_ll" $opt >/dev/null 2>&1 || fail "hello_ll $opt failed"
done
"$BIN/hello_ll" >/dev/null 2>&1 && fail "hello_ll without mountpoint succeeded"

# ---- printcap: prints and exits on its own
out=$(timeout 10 "$BIN/printcap" 2>&1)
rc=$?
check_eq "printcap exit" "$rc" 0
echo "$out" | grep -q "^Protocol version: 7\.[0-9]*$" || fail "printcap: no protocol line"
echo "$out" | grep -q "^	FUSE_CAP_ASYNC_READ$" || fail "printcap: no capability lines"

# ---- passthrough_ll
mkdir -p "$SRC/dir"
echo data >"$SRC/file"
if start passthrough_ll -o "source=$SRC,xattr,allow_other"; then
	check_eq "pt read" "$(cat "$MNT/file")" "data"
	echo more >>"$MNT/file"
	check_eq "pt append" "$(cat "$SRC/file")" "data
more"
	mkdir "$MNT/d2" && [ -d "$SRC/d2" ] || fail "pt mkdir"
	ln -s file "$MNT/sl" && check_eq "pt symlink" "$(readlink "$SRC/sl")" "file"
	ln "$MNT/file" "$MNT/hard" && check_eq "pt link" "$(stat -c %h "$SRC/file")" 2
	mv "$MNT/hard" "$MNT/dir/moved" && [ -f "$SRC/dir/moved" ] || fail "pt rename"
	rm "$MNT/dir/moved" "$MNT/sl" && rmdir "$MNT/d2" || fail "pt unlink/rmdir"
	chmod 640 "$MNT/file" && check_eq "pt chmod" "$(stat -c %a "$SRC/file")" 640
	touch -d @1000000000 "$MNT/file" && check_eq "pt utimens" "$(stat -c %Y "$SRC/file")" 1000000000
	truncate -s 2 "$MNT/file" && check_eq "pt truncate" "$(stat -c %s "$SRC/file")" 2
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.k", b"v")' "$MNT/file" ||
		fail "pt setxattr"
	check_eq "pt xattr" "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.k").decode())' "$SRC/file")" v
	# New objects belong to the caller, not to the root daemon.
	chmod 777 "$SRC/dir"
	if runuser -u nobody -- touch "$MNT/dir/owned"; then
		check_eq "pt owner" "$(stat -c %U "$SRC/dir/owned")" nobody
	else
		fail "pt: nobody cannot create a file"
	fi
	for i in $(seq 2000); do : >"$SRC/dir/f$i"; done
	check_eq "pt readdir" "$(ls "$MNT/dir" | wc -l)" "$(ls "$SRC/dir" | wc -l)"
	python3 - "$MNT" <<'EOF' || fail "pt python ops"
import os, sys, fcntl
m = sys.argv[1]
fd = os.open(m + "/sparse", os.O_RDWR | os.O_CREAT, 0o644)
os.pwrite(fd, b"x", 1 << 20)
assert os.lseek(fd, 0, os.SEEK_DATA) > 0
os.posix_fallocate(fd, 0, 4096)
fcntl.flock(fd, fcntl.LOCK_EX)
fcntl.flock(fd, fcntl.LOCK_UN)
out = os.open(m + "/copy", os.O_WRONLY | os.O_CREAT, 0o644)
assert os.copy_file_range(fd, out, 4096, 0) == 4096
os.fsync(out)
os.close(out)
os.close(fd)
t = os.open(m, os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(t, b"tmp")
os.close(t)
EOF
	stop passthrough_ll
fi
"$BIN/passthrough_ll" -o source=/nonexistent "$MNT" 2>"$TMP/err" && fail "pt bad source accepted"
grep -q "passthrough_ll: source" "$TMP/err" || fail "pt bad source: no message"

# changed_within SECS FILE OLD: true once FILE's content differs from OLD
# (polled, so a loaded machine only makes the test slower, not wrong)
changed_within() {
	local i
	for i in $(seq $(($1 * 5))); do
		[ "$(cat "$2" 2>/dev/null)" != "$3" ] && return 0
		sleep 0.2
	done
	return 1
}

# ---- notify_inval_inode: content follows the clock
if start notify_inval_inode --update-interval=1; then
	a=$(cat "$MNT/current_time")
	changed_within 10 "$MNT/current_time" "$a" ||
		fail "inval_inode: content did not change"
	stop notify_inval_inode
fi

# ---- notify_inval_entry: the old name disappears at once
if start notify_inval_entry --update-interval=1 --timeout=30; then
	f=$(ls "$MNT")
	stat "$MNT/$f" >/dev/null || fail "inval_entry: cannot stat $f"
	for _ in $(seq 50); do
		stat "$MNT/$f" >/dev/null 2>&1 || break
		sleep 0.2
	done
	stat "$MNT/$f" >/dev/null 2>&1 && fail "inval_entry: $f still visible"
	stop notify_inval_entry
fi

# ---- notify_store_retrieve: pushed content visible, round trip checked at exit
if start notify_store_retrieve --update-interval=1; then
	a=$(cat "$MNT/current_time")
	changed_within 10 "$MNT/current_time" "$a" ||
		fail "store_retrieve: content did not change"
	stop notify_store_retrieve
fi

[ "$FAILED" = 0 ] && echo "PASS"
exit "$FAILED"

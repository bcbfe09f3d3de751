#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cuse.sh: runs the example character device (example/cuse) through
# the kernel's CUSE and drives it with plain syscalls via cuse_client:
# write, read back, size and resize ioctls, clean exit on SIGTERM.
#
# usage: test_cuse.sh <cuse binary> <cuse_client binary>
# Exit: 0 pass, 1 fail, 77 skip (the reason is printed).

set -u

CUSE=${1:-}
CLIENT=${2:-}
if [ ! -x "$CUSE" ] || [ ! -x "$CLIENT" ]; then
	echo "usage: $0 <cuse binary> <cuse_client binary>" >&2
	exit 2
fi
if [ ! -c /dev/cuse ]; then
	echo "SKIP: no /dev/cuse on this kernel"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root to open /dev/cuse"
	exit 77
fi

NAME=lfcuse-test-$$
DEV=/dev/$NAME
TMP=$(mktemp -d /tmp/test-cuse.XXXXXX)
PID=
FAILED=0

cleanup() {
	if [ -n "$PID" ]; then
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

# expect WHAT EXPECTED ACTUAL
expect() {
	if [ "$2" != "$3" ]; then
		fail "$1: expected '$2', got '$3'"
	fi
}

"$CUSE" -f -n "$NAME" >"$TMP/cuse.log" 2>&1 &
PID=$!
for _ in $(seq 50); do
	[ -c "$DEV" ] && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if [ ! -c "$DEV" ]; then
	echo "FAIL: $DEV did not appear"
	cat "$TMP/cuse.log"
	exit 1
fi

printf 'hello' >"$DEV" || fail "write to $DEV"
expect "size after write" 5 "$("$CLIENT" "$DEV" size)"
expect "read back" hello "$("$CLIENT" "$DEV" read)"
expect "cat" hello "$(cat "$DEV")"

"$CLIENT" "$DEV" resize 2 || fail "resize 2"
expect "size after shrink" 2 "$("$CLIENT" "$DEV" size)"
expect "content after shrink" he "$("$CLIENT" "$DEV" read)"

# Growing fills with zeros.
"$CLIENT" "$DEV" resize 4 || fail "resize 4"
expect "size after grow" 4 "$("$CLIENT" "$DEV" size)"
expect "content after grow" 68650000 \
	"$("$CLIENT" "$DEV" read | od -An -tx1 | tr -d ' \n')"

printf 'abcdef' | "$CLIENT" "$DEV" write || fail "client write"
expect "size after client write" 6 "$("$CLIENT" "$DEV" size)"

kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
expect "exit status after SIGTERM" 0 "$rc"
if grep -q "Sanitizer\|runtime error" "$TMP/cuse.log"; then
	fail "sanitizer report from the daemon"
fi
[ -e "$DEV" ] && fail "$DEV still exists after the daemon ended"
if [ "$FAILED" != 0 ]; then
	cat "$TMP/cuse.log"
	exit 1
fi
echo "PASS"
exit 0

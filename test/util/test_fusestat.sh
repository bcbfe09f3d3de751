#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# util/fusestat against workloads whose FUSE requests are known exactly:
# stat(2) on passthrough_ll with timeout=0 costs one LOOKUP and one GETATTR,
# a 4 KiB read(2) with cache=never one READ. Checks counts, errors, the
# latency histograms, the -M/-c filters, interval deltas and exit status.
# usage: test_fusestat.sh FUSESTAT PASSTHROUGH_LL HELLO_LL
set -euo pipefail

fusestat=$1 pt=$2 hello=$3
N=100

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "fusestat needs root (BPF, tracepoints)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v python3 >/dev/null || skip "python3 (to read the JSON) missing"
rc=0
why=$("$fusestat" --check 2>&1) || rc=$?
[ "$rc" -ne 2 ] || skip "${why#fusestat: }"
[ "$rc" -eq 0 ] || fail "fusestat --check exited $rc: $why"

work=$(mktemp -d /tmp/fusestat-test.XXXXXX)
pids=()
cleanup()
{
	local m
	for m in a b c d; do
		umount -l "$work/$m" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# mnt NAME FS ARGS...: mounts FS on $work/NAME in the foreground (-f).
mnt()
{
	local name=$1 fs=$2
	shift 2
	mkdir -p "$work/$name"
	"$fs" -f "$@" "$work/$name" &
	pids+=($!)
	for _ in $(seq 100); do
		mountpoint -q "$work/$name" && return 0
		sleep 0.05
	done
	fail "$fs did not mount on $work/$name"
}

# The connection number the tracepoint reports: the kernel's dev_t.
conn()
{
	local mm
	mm=$(awk -v m="$1" '$5 == m { d = $3 } END { print d }' \
		/proc/self/mountinfo)
	echo $(((${mm%:*} << 20) | ${mm#*:}))
}

mkdir -p "$work/src" "$work/srcb"
echo hello >"$work/src/f"
echo hello >"$work/srcb/f"
head -c $((32 * 4096)) /dev/urandom >"$work/src/data"
mnt a "$pt" -o source="$work/src",timeout=0
mnt b "$pt" -o source="$work/srcb",timeout=0
mnt c "$hello"
mnt d "$pt" -o source="$work/src",cache=never
ca=$(conn "$work/a") cb=$(conn "$work/b") cc=$(conn "$work/c")
cd_=$(conn "$work/d")
[ "$ca" != "$cb" ] || fail "two mounts share connection $ca"

# $N stats of a/f and of b/f, 10 of a missing name in a.
stats="for i in \$(seq $N); do [ -e $work/a/f ]; [ -e $work/b/f ]; done
       for i in \$(seq 10); do [ -e $work/a/none ] && exit 9; done; true"

# check FILE PYTHON: runs the assertions with j = the last JSON object,
# js = all of them, mount(conn) = that connection's object or None.
check()
{
	python3 - "$1" "$2" <<-'EOF' || fail "$3"
	import json, sys
	js = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
	assert js, "no JSON output"
	j = js[-1]
	def mount(c, obj=None):
	    ms = [m for m in (obj or j)["mounts"] if m["connection"] == c]
	    assert len(ms) <= 1, "connection %d twice" % c
	    return ms[0] if ms else None
	def op(c, name):
	    m = mount(c)
	    assert m, "connection %d missing" % c
	    return m["opcodes"].get(name, {"count": 0, "errors": 0,
	                                   "completed": 0, "hist": []})
	def timed(o):
	    assert sum(n for _, n in o["hist"]) == o["completed"], o
	    assert o["completed"] == o["count"], o
	    assert o["count"] == 0 or o["latency_ns"]["p50"] is not None, o
	    return True
	try:
	    exec(sys.argv[2])
	except AssertionError as e:
	    print("assertion failed:", e, file=sys.stderr)
	    print(json.dumps(j)[:2000], file=sys.stderr)
	    sys.exit(1)
	EOF
}

echo "== -M: only mount a is counted"
"$fusestat" --json --once -M "$work/a" -- bash -c "$stats" >"$work/out"
check "$work/out" "
assert j['final'] is True
assert [m['connection'] for m in j['mounts']] == [$ca], j['mounts']
l, g = op($ca, 'LOOKUP'), op($ca, 'GETATTR')
assert l['count'] == $N + 10, l
assert l['errors'] == 10, l
assert g['count'] == $N and g['errors'] == 0, g
assert set(mount($ca)['opcodes']) == {'LOOKUP', 'GETATTR'}, mount($ca)
assert mount($ca)['requests'] == 2 * $N + 10
assert timed(l) and timed(g)
assert len(g['hist']) > 0
" "-M counted wrong"

echo "== unfiltered: a and b both counted"
"$fusestat" --json --once -- bash -c "$stats" >"$work/out"
check "$work/out" "
assert op($ca, 'LOOKUP')['count'] == $N + 10
assert op($cb, 'LOOKUP')['count'] == $N and op($cb, 'GETATTR')['count'] == $N
assert mount($cc) is not None, 'idle mount c not listed'
" "unfiltered run counted wrong"

echo "== -c: connection b by number, c by major:minor"
"$fusestat" -j -1 -c "$cb" -c "0:$cc" -- bash -c "$stats" >"$work/out"
check "$work/out" "
assert sorted(m['connection'] for m in j['mounts']) == sorted([$cb, $cc])
assert op($cb, 'LOOKUP')['count'] == $N and op($cb, 'GETATTR')['count'] == $N
assert mount($ca) is None
" "-c filter counted wrong"

echo "== reads: 32 x 4 KiB with cache=never is 32 READs"
"$fusestat" -j -1 -M "$work/d" -- \
	dd if="$work/d/data" of=/dev/null bs=4096 count=32 status=none \
	>"$work/out"
check "$work/out" "
r = op($cd_, 'READ')
assert r['count'] == 32 and r['errors'] == 0, r
assert timed(r) and r['latency_ns']['p99'] >= r['latency_ns']['p50'] > 0
assert op($cd_, 'OPEN')['count'] == 1
assert op($cd_, 'WRITE')['count'] == 0
" "read workload counted wrong"

echo "== text summary and the command's exit status"
rc=0
"$fusestat" -1 -M "$work/a" -- bash -c "$stats; exit 3" >"$work/out" || rc=$?
[ "$rc" -eq 3 ] || fail "exit status $rc, want the command's 3"
grep -q "^connection $ca .* $work/a " "$work/out" ||
	fail "text summary lacks the mount line: $(cat "$work/out")"
grep -Eq "^  GETATTR +$N +" "$work/out" ||
	fail "text summary lacks 'GETATTR $N': $(cat "$work/out")"

echo "== -o: the report goes to the file, the command's output does not"
"$fusestat" -j -1 -o "$work/out" -M "$work/a" -- \
	bash -c "$stats; echo command-output" >"$work/stdout"
[ "$(cat "$work/stdout")" = command-output ] ||
	fail "stdout is not the command's: $(cat "$work/stdout")"
check "$work/out" "
assert op($ca, 'GETATTR')['count'] == $N
" "-o report wrong"

echo "== intervals: the deltas add up to the totals"
"$fusestat" -j -i 0.2 -d 3 -M "$work/a" >"$work/out" &
spid=$!
for _ in $(seq 50); do [ -s "$work/out" ] && break; sleep 0.1; done
bash -c "$stats"
wait "$spid" || fail "fusestat -i -d exited $?"
check "$work/out" "
assert len(js) >= 10, len(js)
assert all(not o['final'] for o in js)
for name in ('LOOKUP', 'GETATTR'):
    per = [mount($ca, o)['opcodes'].get(name, {'count': 0})['count']
           for o in js]
    assert sum(per) == op($ca, name)['total'], (name, per)
assert op($ca, 'LOOKUP')['total'] == $N + 10
assert op($ca, 'GETATTR')['total'] == $N
" "interval reports do not add up"

echo "== bad arguments"
rc=0
"$fusestat" -M "$work/src" -1 -- true 2>"$work/err" || rc=$?
if [ "$rc" -ne 64 ] || ! grep -q 'not in a FUSE mount' "$work/err"; then
	fail "a non-FUSE -M path gave $rc: $(cat "$work/err")"
fi
echo "PASS"

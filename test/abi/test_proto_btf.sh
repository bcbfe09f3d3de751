#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Holds lib/proto/fuse_kernel.h against the running kernel: every struct
# size and member offset printed by proto_sizes is compared with the same
# name in the kernel BTF. Names the kernel's BTF lacks are listed, not failed.
#
# usage: test_proto_btf.sh PATH/TO/proto_sizes
# env:   FUSE_BTF_FILE  BTF blob to read (default /sys/kernel/btf/vmlinux)
# exit:  0 all present names agree, 1 mismatch, 77 skipped, 99 usage error

set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/proto_sizes" >&2
	exit 99
fi
sizes_prog=$1
btf=${FUSE_BTF_FILE:-/sys/kernel/btf/vmlinux}

if ! command -v bpftool >/dev/null 2>&1; then
	echo "SKIP: bpftool is not installed"
	exit 77
fi
if [ ! -r "$btf" ]; then
	echo "SKIP: no readable kernel BTF at $btf"
	exit 77
fi

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

if ! bpftool btf dump file "$btf" >"$tmp/raw" 2>"$tmp/err"; then
	echo "SKIP: bpftool cannot dump $btf: $(head -n 1 "$tmp/err")"
	exit 77
fi
if ! "$sizes_prog" >"$tmp/ours"; then
	echo "FAIL: $sizes_prog did not run" >&2
	exit 1
fi

# Raw dump lines look like
#   [42] STRUCT 'fuse_attr' size=88 vlen=16
#   	'ino' type_id=7 bits_offset=0
# Keep fuse_* and cuse_* structs as "name size" and "name.member bytes".
awk '
/^\[[0-9]+\] / {
	cur = ""
	if ($2 == "STRUCT") {
		name = $3
		gsub("\047", "", name)
		if (name ~ /^(fuse|cuse)_/) {
			cur = name
			sub("size=", "", $4)
			print cur, $4
		}
	}
	next
}
cur != "" && /^[ \t]+\047/ {
	member = $1
	gsub("\047", "", member)
	for (i = 2; i <= NF; i++)
		if ($i ~ /^bits_offset=/) {
			bits = substr($i, 13)
			print cur "." member, bits / 8
		}
}
' "$tmp/raw" >"$tmp/btf"

# A name may occur more than once in BTF; agreeing with any copy is enough.
awk -v btf_file="$tmp/btf" '
BEGIN {
	while ((getline line < btf_file) > 0) {
		split(line, f, " ")
		seen[f[1]] = 1
		ok[f[1] SUBSEP f[2]] = 1
		if (!(f[1] in first))
			first[f[1]] = f[2]
	}
}
{
	key = $1; val = $2
	is_struct = (index(key, ".") == 0)
	if (!(key in seen)) {
		if (is_struct)
			absent = absent " " key
		next
	}
	if ((key SUBSEP val) in ok) {
		if (is_struct) nstruct++; else nmember++
		next
	}
	printf "MISMATCH %s: fastfuse %s, kernel BTF %s\n", key, val, first[key]
	bad++
}
END {
	printf "compared %d struct sizes and %d member offsets\n", nstruct, nmember
	if (absent != "")
		printf "not in this kernel BTF (unchecked):%s\n", absent
	if (bad) {
		printf "FAIL: %d mismatches\n", bad
		exit 1
	}
	# Guard against a silently broken parser comparing nothing.
	if (nstruct < 40) {
		printf "FAIL: only %d structs matched by name; BTF parse broken?\n", nstruct
		exit 1
	}
}
' "$tmp/ours"

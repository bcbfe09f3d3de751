#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hl_subdir.sh: lets run_mount_test.sh drive a path-based passthrough
# example. run_mount_test.sh hands passthrough filesystems "-o source=DIR";
# the path-based examples mirror "/" and are pointed at a directory the
# way their users do it, with the subdir module. This rewrites every
# "source=DIR" inside a -o list into "modules=subdir,subdir=DIR" and execs
# the binary named by --fs=BIN (exec: the pid, and so the /proc checks of
# run_mount_test.sh, stay the daemon's).
#
# usage: hl_subdir.sh --fs=BIN [args for BIN...]

set -u

fs=
args=()
for a in "$@"; do
	case "$a" in
	--fs=*) fs=${a#--fs=} ;;
	*) args+=("$a") ;;
	esac
done
if [ -z "$fs" ]; then
	echo "usage: $0 --fs=BIN [args...]" >&2
	exit 2
fi

for i in "${!args[@]}"; do
	[ "$i" -gt 0 ] && [ "${args[$((i - 1))]}" = -o ] || continue
	IFS=, read -ra opts <<<"${args[$i]}"
	out=()
	for o in "${opts[@]}"; do
		case "$o" in
		source=*) out+=("modules=subdir" "subdir=${o#source=}") ;;
		*) out+=("$o") ;;
		esac
	done
	args[i]=$(IFS=,; echo "${out[*]}")
done

exec "$fs" "${args[@]}"

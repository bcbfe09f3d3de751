#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Compares the versioned symbols exported by our libfuse3.so.3 with Debian's
# libfuse 3.14.0 list (test/abi/debian-libfuse3.so.3.symbols, taken with
# objdump -T): every symbol@version must exist with the same default (@@)
# marking. The high-level and CUSE symbols belong to their own issue; pass
# --lowlevel to leave them out. Also checks that .so.4 exports the 3.17/3.18
# lowlevel entry points.
# Usage: test_symbols.sh <builddir> [--lowlevel]
set -euo pipefail
build=$1
mode=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
so3=$build/lib/abi3/libfuse3.so.3
so4=$build/lib/abi4/libfuse3.so.4
command -v objdump >/dev/null || { echo "SKIP: objdump not installed"; exit 77; }

# "(FUSE_3.0) name" for hidden (non-default) versions, "FUSE_3.0 name" else
exported() {
	objdump -T "$1" | awk '$4 == ".text" || $4 == ".data" || $4 == ".bss" {
		v = $(NF-1); n = $NF; if (v ~ /FUSE_/) print v, n }' | sort -u
}
is_highlevel() {
	case "$1" in
	fuse_fs_*|fuse_new|fuse_new_*|fuse_loop|fuse_loop_mt|fuse_loop_mt_*|fuse_main_real|\
	fuse_mount|fuse_unmount|fuse_destroy|fuse_exit|fuse_get_context|fuse_getgroups|\
	fuse_interrupted|fuse_invalidate_path|fuse_get_session|fuse_lib_help|\
	fuse_start_cleanup_thread|fuse_stop_cleanup_thread|fuse_clean_cache|\
	fuse_notify_poll|cuse_*) return 0 ;;
	esac
	return 1
}

ours=$(exported "$so3")
fail=0 checked=0
while read -r ver name; do
	[ "$ver" = "$name" ] && continue	# the version definitions themselves
	if [ "$mode" = "--lowlevel" ] && is_highlevel "$name"; then
		continue
	fi
	checked=$((checked + 1))
	if ! grep -qxF "$ver $name" <<<"$ours"; then
		echo "MISSING in libfuse3.so.3: $name $ver"
		fail=1
	fi
done < "$here/debian-libfuse3.so.3.symbols"
# nothing beyond libfuse's nodes may leak out of the .so.3
while read -r ver name; do
	case "$ver" in
	FUSE_3.0|FUSE_3.1|FUSE_3.2|FUSE_3.3|FUSE_3.4|FUSE_3.7|FUSE_3.12|"(FUSE_3."*")") ;;
	# fastfuse's own extension node (include/fuse3/fastfuse.h)
	FASTFUSE_1.0) case "$name" in fastfuse_*) ;; *) echo "UNEXPECTED in FASTFUSE_1.0: $name"; fail=1 ;; esac ;;
	*) echo "UNEXPECTED node in libfuse3.so.3: $name $ver"; fail=1 ;;
	esac
done <<<"$ours"
checked=$((checked + 1))
grep -qxF "FASTFUSE_1.0 fastfuse_set_cache_policy" <<<"$ours" ||
	{ echo "MISSING in libfuse3.so.3: FASTFUSE_1.0 fastfuse_set_cache_policy"; fail=1; }
# (objdump's output taken whole: with pipefail, grep -q leaving early
# would make a SIGPIPE'd objdump fail the check now and then)
if ! grep -q 'SONAME *libfuse3.so.3$' <<<"$(objdump -p "$so3")"; then
	echo "wrong SONAME for $so3"; fail=1
fi

ours4=$(exported "$so4")
for want in "FUSE_3.17 fuse_session_new_versioned" "FUSE_3.17 fuse_passthrough_open" \
	    "FUSE_3.17 fuse_passthrough_close" "FUSE_3.17 fuse_session_custom_io_317" \
	    "FUSE_3.17 fuse_session_custom_io_30" "FUSE_3.17 fuse_log_enable_syslog" \
	    "FUSE_3.18 fuse_reply_statx" "FUSE_3.18 fuse_req_is_uring" \
	    "FUSE_3.18 fuse_req_get_payload" \
	    "FUSE_3.17.3 fuse_set_feature_flag" "FUSE_3.17.3 fuse_get_feature_flag" \
	    "FUSE_3.17.3 fuse_unset_feature_flag" \
	    "FUSE_3.18 fuse_lowlevel_notify_increment_epoch" \
	    "FUSE_3.12 fuse_session_loop_mt" "FUSE_3.12 fuse_lowlevel_notify_expire_entry" \
	    "FASTFUSE_1.0 fastfuse_set_cache_policy"; do
	checked=$((checked + 1))
	grep -qxF "$want" <<<"$ours4" || { echo "MISSING in libfuse3.so.4: $want"; fail=1; }
done
if ! grep -q 'SONAME *libfuse3.so.4$' <<<"$(objdump -p "$so4")"; then
	echo "wrong SONAME for $so4"; fail=1
fi
echo "checked $checked symbol versions"
exit $fail

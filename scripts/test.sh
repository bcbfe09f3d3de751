#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the whole test suite twice: a plain build and an ASan+UBSan build.
# Usage: scripts/test.sh   (from the repository root; installs dependencies)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
rc=0
run() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
	meson test -C "$dir" --print-errorlogs --num-processes 2 || rc=1
}
run build
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run build-asan -Db_sanitize=address,undefined -Db_lundef=false
exit $rc

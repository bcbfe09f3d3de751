#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Metadata benchmark: create (with 1 KiB of data), stat, readdir, read and
# delete of 20,000 small files in one directory, side by side on the
# native source dir, Debian's passthrough_ll on Debian's libfuse 3.14, that
# binary on our libfuse3.so.3, and our example/passthrough_hp (passthrough
# on, and --nopassthrough). Operations per second per phase, median of
# BENCH_REPS runs, ratios; stdout and bench/results/meta-<date>.md.
#
# usage: bench/meta.sh BUILDDIR
# env:   META_FILES (20000), BENCH_REPS (3), META_COLUMNS (all:
#        "native debian ours3 hp hpnopt"), BENCH_RESULTS (bench/results)

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

nfiles=${META_FILES:-20000}
reps=${BENCH_REPS:-3}
columns=(${META_COLUMNS:-native debian ours3 hp hpnopt})
phases=(create stat readdir read delete)

compat_init "$@"
compat_require_cmd gcc
bench_debian_baseline
HP=$BUILDDIR/example/passthrough_hp
[ -x "$HP" ] || fail "$HP was not built"

info "building the client and Debian's passthrough_ll (on the system libfuse3)"
bench_build_debian_ll
# The client: one process, no fork per file. Prints one line per phase:
# "PHASE ops seconds errors".
cat >"$TMP/meta_client.c" <<'EOF'
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *phases[] = { "create", "stat", "readdir", "read", "delete" };
	char name[64], buf[1024];
	int n;

	if (argc != 3 || chdir(argv[1]) < 0)
		return 2;
	n = atoi(argv[2]);
	memset(buf, 'x', sizeof(buf));
	for (int p = 0; p < 5; p++) {
		double t0 = now();
		long ops = 0, errs = 0;

		if (p == 2) {
			DIR *d = opendir(".");
			struct dirent *e;

			while (d && (e = readdir(d)))
				ops++;
			errs += !d;
			if (d)
				closedir(d);
		}
		for (int i = 0; p != 2 && i < n; i++, ops++) {
			struct stat st;
			int fd, ok = 1;

			snprintf(name, sizeof(name), "f%06d", i);
			if (p == 0) {
				fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
				ok = fd >= 0 && write(fd, buf, sizeof(buf)) == sizeof(buf);
				ok &= fd >= 0 && close(fd) == 0;
			} else if (p == 1) {
				ok = stat(name, &st) == 0;
			} else if (p == 3) {
				fd = open(name, O_RDONLY);
				ok = fd >= 0 && read(fd, buf, sizeof(buf)) == sizeof(buf);
				ok &= fd >= 0 && close(fd) == 0;
			} else {
				ok = unlink(name) == 0;
			}
			errs += !ok;
		}
		printf("%s %ld %.6f %ld\n", phases[p], ops, now() - t0, errs);
	}
	return 0;
}
EOF
gcc -Wall -O2 "$TMP/meta_client.c" -o "$TMP/meta_client"

bench_columns

src=$TMP/src
mkdir -p "$src"

# mount_col COL: as in fio.sh; sets DIR and MOUNT_PID.
mount_col()
{
	bench_mount_col "$1" "$1" "$src" "$TMP/mnt-$1" "${col_so[$1]:-}"
}

declare -A res errs
bench_clock_start
# Repetitions are the outer loop, the column order rotates, so drift of
# the machine spreads over all columns. Each run gets a fresh mount and an
# empty directory.
for ((rep = 1; rep <= reps; rep++)); do
	order=("${columns[@]:rep % ${#columns[@]}}" "${columns[@]:0:rep % ${#columns[@]}}")
	for col in "${order[@]}"; do
		mkdir -p "$src/d"
		mount_col "$col"
		while read -r phase ops secs nerr; do
			rate=$(awk -v o="$ops" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? o / s : 0) }')
			res["$col|$phase"]="${res["$col|$phase"]:-}${res["$col|$phase"]:+ }$rate"
			errs["$col|$phase"]=$((${errs["$col|$phase"]:-0} + nerr))
			info "  rep $rep $col $phase: $rate ops/s ($nerr errors)"
		done < <(timeout 600 "$TMP/meta_client" "$DIR/d" "$nfiles")
		bench_unmount_col
		rm -rf "$src/d"
	done
done
bench_clock_stop

median() { bench_median "$1" %.0f; }
has() { [[ " ${columns[*]} " == *" $1 "* ]]; }
cell()
{
	local m e=${errs["$1"]:-0}
	m=$(median "${res["$1"]:-0}")
	if [ "$e" -gt 0 ]; then echo "$m ($e err)"; else echo "$m"; fi
}

report()
{
	local phase col row
	echo "# Metadata benchmark, $(date '+%F %T %Z')"
	echo
	echo "- machine: $(bench_machine)"
	echo "- fastfuse: $(bench_describe), build dir $BUILDDIR;" \
	     "Debian libfuse3-3 $(bench_debian_version)"
	echo "- $nfiles files of 1 KiB in one directory; ops/s, median of $reps runs," \
	     "each on a fresh mount; readdir counts entries per second of one pass"
	echo "- open files limit: $(ulimit -Hn) (daemons that keep a descriptor" \
	     "per inode fail near it: the error counts show it)"
	echo "- load average before: $load_before, after: $load_after; ${elapsed}s in all"
	echo
	row="| phase"
	for col in "${columns[@]}"; do row+=" | ${col_label[$col]}"; done
	has ours3 && has debian && row+=" | ours3/debian"
	has hp && has native && row+=" | hp/native"
	has hp && has debian && row+=" | hp/debian"
	has hpnopt && has debian && row+=" | hpnopt/debian"
	echo "$row |"
	bench_rule "$row" 1
	for phase in "${phases[@]}"; do
		row="| $phase"
		for col in "${columns[@]}"; do row+=" | $(cell "$col|$phase")"; done
		m() { median "${res["$1|$phase"]:-0}"; }
		has ours3 && has debian && row+=" | $(bench_ratio "$(m ours3)" "$(m debian)")"
		has hp && has native && row+=" | $(bench_ratio "$(m hp)" "$(m native)")"
		has hp && has debian && row+=" | $(bench_ratio "$(m hp)" "$(m debian)")"
		has hpnopt && has debian && row+=" | $(bench_ratio "$(m hpnopt)" "$(m debian)")"
		echo "$row |"
	done
	echo
	echo "## Raw numbers (ops/s, repetitions in run order; errors)"
	echo
	echo '```'
	for key in $(printf '%s\n' "${!res[@]}" | sort); do
		printf '%-20s %s  (%s errors)\n' "$key" "${res[$key]}" "${errs[$key]}"
	done
	echo '```'
}

bench_write_report meta

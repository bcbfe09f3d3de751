# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared helpers for the compat tests (sourced, never run): skip/fail
# conventions, daemon start/mount/unmount with timeouts, the /proc/PID/maps
# proof that our libfuse3 is the one loaded, and fetching Debian's
# libfuse3-dev example sources into a per-build-dir cache.

# Variables set here (SO4, DEB_EXAMPLES, ...) are used by the sourcing script.
# shellcheck disable=SC2034

# Exit codes understood by meson.
COMPAT_FAIL=1
COMPAT_SKIP=77

COMPAT_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Things cleanup undoes, newest first.
compat_mounts=()
compat_pids=()
compat_logs=()
compat_tmp=

skip()
{
	echo "SKIP: $*"
	exit "$COMPAT_SKIP"
}

fail()
{
	echo "FAIL: $*" >&2
	exit "$COMPAT_FAIL"
}

info()
{
	echo "# $*"
}

# A mountpoint is "mounted" when it appears as a mount point in our own
# mountinfo; stat() would hang on a wedged daemon, this never does.
compat_is_mounted()
{
	awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' \
		/proc/self/mountinfo
}

# Unmount lazily so cleanup cannot hang on a daemon that stopped answering.
compat_force_unmount()
{
	local mnt=$1

	compat_is_mounted "$mnt" || return 0
	timeout 10 fusermount3 -u -z "$mnt" 2>/dev/null ||
		umount -l "$mnt" 2>/dev/null || true
}

compat_cleanup()
{
	local rc=$? m p l

	set +e
	for m in "${compat_mounts[@]}"; do
		compat_force_unmount "$m"
	done
	for p in "${compat_pids[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		kill -TERM "$p" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$p" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne "$COMPAT_SKIP" ]; then
		for l in "${compat_logs[@]}"; do
			[ -s "$l" ] || continue
			echo "---- $(basename "$l") (last 40 lines) ----" >&2
			tail -n 40 "$l" >&2
		done
	fi
	# Only remove the scratch tree once nothing is mounted inside it.
	if [ -n "$compat_tmp" ] &&
	   ! grep -q " ${compat_tmp}/" /proc/self/mountinfo; then
		rm -rf --one-file-system "$compat_tmp"
	fi
	exit "$rc"
}

# compat_san_env SOFILE: an ASan build of the library only loads into an
# uninstrumented binary (every Debian one) if the runtime comes first, so
# print the LD_PRELOAD/ASAN_OPTIONS words that make it so (nothing for a
# plain build). Leak checking is off: leaks of the foreign binaries
# themselves are not ours; the unit tests check the library's.
compat_san_env()
{
	local asan

	[ -e "$1" ] || return 0
	asan=$(ldd "$1" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
	[ -n "$asan" ] || return 0
	echo "LD_PRELOAD=$asan ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

# compat_init BUILDDIR: common preconditions; sets BUILDDIR, SO3, SO4, TMP,
# LIBDIR3 and the command prefixes COMPAT_ENV3 (run a binary on our .so.3)
# and COMPAT_ENV4 (run one linked against our .so.4; empty if nothing to add).
compat_init()
{
	[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 99; }
	# meson points LD_LIBRARY_PATH at the build's libraries; each run here
	# sets it explicitly so Debian baselines really load Debian's library.
	unset LD_LIBRARY_PATH
	BUILDDIR=$(cd "$1" && pwd) || fail "build dir $1 does not exist"
	LIBDIR3=$BUILDDIR/lib/abi3
	SO3=$LIBDIR3/libfuse3.so.3
	SO4=$BUILDDIR/lib/abi4/libfuse3.so.4
	local -a san3 san4
	read -ra san3 <<<"$(compat_san_env "$SO3")"
	read -ra san4 <<<"$(compat_san_env "$SO4")"
	COMPAT_ENV3=(env LD_LIBRARY_PATH="$LIBDIR3" "${san3[@]}")
	COMPAT_ENV4=()
	[ ${#san4[@]} -eq 0 ] || COMPAT_ENV4=(env "${san4[@]}")
	# Self-check of the tests themselves: run them on Debian's library.
	if [ "${COMPAT_AGAINST_SYSTEM:-0}" = 1 ]; then
		compat_system_so3
		SO3=$SYSTEM_SO3
		LIBDIR3=$(dirname "$SYSTEM_SO3")
		COMPAT_ENV3=(env LD_LIBRARY_PATH="$LIBDIR3")
		COMPAT_ENV4=()
		info "COMPAT_AGAINST_SYSTEM=1: testing Debian's $SO3, not ours"
	fi

	[ "$(id -u)" -eq 0 ] || skip "needs root (mounts, xattrs, whiteouts)"
	[ -c /dev/fuse ] || skip "/dev/fuse is missing"
	command -v fusermount3 >/dev/null || skip "fusermount3 not installed"
	grep -qw fuse /proc/filesystems || skip "kernel has no fuse filesystem"

	trap compat_cleanup EXIT
	trap 'exit 1' INT TERM
	compat_tmp=$(mktemp -d /tmp/fastfuse-compat.XXXXXX)
	TMP=$compat_tmp
}

# compat_asan_ignore_foreign MODULE...: with an ASan build, do not report
# errors that ASan's interceptors (memcpy, ...) catch inside these foreign
# modules: their own bugs are not the library's (squashfuse_ll 0.1.105
# overruns a buffer in its getxattr on any libfuse). The library's code
# stays fully checked.
compat_asan_ignore_foreign()
{
	local supp=$TMP/asan-foreign.supp m i

	[[ " ${COMPAT_ENV3[*]} " == *" LD_PRELOAD="* ]] || return 0
	for m in "$@"; do
		echo "interceptor_via_lib:$m"
	done >>"$supp"
	for i in "${!COMPAT_ENV3[@]}"; do
		[[ ${COMPAT_ENV3[$i]} != ASAN_OPTIONS=* ]] ||
			COMPAT_ENV3[i]+=":suppressions=$supp"
	done
	info "ASan build: reports from interceptors called by $* suppressed"
}

compat_require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
}

# compat_start LOGPREFIX CMD...: start a daemon in the foreground, in the
# background of this shell. Sets DAEMON_PID; stdout/stderr go to
# $TMP/LOGPREFIX.out/.err and are printed if the test fails.
compat_start()
{
	local name=$1

	shift
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	DAEMON_PID=$!
	compat_pids=("$DAEMON_PID" "${compat_pids[@]}")
	compat_logs+=("$TMP/$name.err" "$TMP/$name.out")
}

# compat_wait_mounted MNT PID [SECONDS]
compat_wait_mounted()
{
	local mnt=$1 pid=$2 secs=${3:-10} i

	compat_mounts=("$mnt" "${compat_mounts[@]}")
	for ((i = 0; i < secs * 20; i++)); do
		compat_is_mounted "$mnt" && return 0
		kill -0 "$pid" 2>/dev/null ||
			fail "daemon (pid $pid) exited before $mnt was mounted"
		sleep 0.05
	done
	fail "$mnt not mounted after ${secs}s"
}

# compat_check_maps PID SOFILE: the process must map SOFILE (our build of
# libfuse3) and no other libfuse3, above all not the system's copy.
compat_check_maps()
{
	local pid=$1 want other

	want=$(readlink -f "$2")
	[ -f "$want" ] || fail "$2 does not exist"
	grep -qF " $want" "/proc/$pid/maps" ||
		fail "pid $pid did not map $want; its libfuse mappings:
$(grep libfuse "/proc/$pid/maps" || echo '(none)')"
	other=$(awk '/libfuse3?\.so/ { print $6 }' "/proc/$pid/maps" |
		sort -u | grep -vxF "$want" || true)
	[ -z "$other" ] || fail "pid $pid also maps another libfuse: $other"
	info "pid $pid maps $want (and no other libfuse)"
}

# compat_unmount_wait MNT PID [SECONDS]: unmount with fusermount3 and
# require the daemon to exit with status 0 on its own.
compat_unmount_wait()
{
	local mnt=$1 pid=$2 secs=${3:-10} i rc=0 p

	timeout 10 fusermount3 -u "$mnt" || fail "fusermount3 -u $mnt failed"
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null &&
		fail "daemon (pid $pid) still running ${secs}s after unmount"
	wait "$pid" || rc=$?
	# Reaped: forget the pid so cleanup cannot signal a reused one.
	local -a keep=()
	for p in "${compat_pids[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	compat_pids=("${keep[@]}")
	[ "$rc" -eq 0 ] || fail "daemon (pid $pid) exited with status $rc"
	info "daemon $pid exited with status 0"
}

# Expected content helpers: fail with both sides shown.
expect_eq()
{
	local what=$1 got=$2 want=$3

	[ "$got" = "$want" ] || fail "$what: got '$got', want '$want'"
}

expect_file_content()
{
	local f=$1 want=$2 got

	got=$(timeout 10 cat -- "$f") || fail "cannot read $f"
	expect_eq "content of $f" "$got" "$want"
}

# Print the first of the arguments (typically an unmatched glob) that exists.
first_existing()
{
	local f

	for f in "$@"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

# compat_debian_examples: set DEB_X to the directory holding Debian's extracted
# libfuse3-dev tree (usr/include/fuse3, usr/share/doc/.../examples). The .deb
# matching the installed libfuse3-3 is taken from the build dir cache, apt's
# archive cache, or `apt-get download`; without any of them the test skips.
# Serialised with flock because several compat tests run in parallel.
compat_debian_examples()
{
	local cache=$BUILDDIR/compat-cache/libfuse3-dev
	local ex=usr/share/doc/libfuse3-dev/examples ver deb

	mkdir -p "$cache"
	exec 8>"$cache/.lock"
	flock -w 300 8 || fail "timeout waiting for $cache/.lock"
	if [ ! -f "$cache/x/$ex/passthrough_ll.c" ]; then
		ver=$(dpkg-query -W -f='${Version}' libfuse3-3 2>/dev/null) ||
			skip "libfuse3-3 is not installed: no Debian version to match"
		deb=$(first_existing "$cache"/libfuse3-dev_*.deb)
		if [ -z "$deb" ]; then
			deb=$(first_existing \
				/var/cache/apt/archives/libfuse3-dev_"${ver//:/%3a}"_*.deb)
			[ -z "$deb" ] || cp "$deb" "$cache/"
		fi
		if [ -z "$deb" ]; then
			(cd "$cache" &&
			 timeout 120 apt-get download -q "libfuse3-dev=$ver") \
				>"$cache/download.log" 2>&1 ||
				skip "apt-get download libfuse3-dev=$ver failed: $(tail -n 1 "$cache/download.log")"
		fi
		deb=$(first_existing "$cache"/libfuse3-dev_*.deb)
		[ -n "$deb" ] || fail "apt-get download left no .deb in $cache"
		rm -rf "$cache/x"
		dpkg-deb -x "$deb" "$cache/x" || fail "dpkg-deb -x $deb failed"
		# Some Debian releases compress the examples.
		find "$cache/x/$ex" -name '*.gz' -exec gunzip -f {} +
	fi
	flock -u 8
	exec 8>&-
	DEB_X=$cache/x
	DEB_EXAMPLES=$DEB_X/$ex
}

# Set SYSTEM_SO3 to the system libfuse3.so.3 of the libfuse3-3 package (used
# only to build baseline binaries the way a Debian user would).
compat_system_so3()
{
	SYSTEM_SO3=$(dpkg -L libfuse3-3 2>/dev/null |
		grep '/libfuse3\.so\.3$' | head -n 1 || true)
	if [ -z "$SYSTEM_SO3" ] || [ ! -e "$SYSTEM_SO3" ]; then
		skip "system libfuse3.so.3 (package libfuse3-3) not found"
	fi
}

# compat_sshd KEYDIR: a private sshd on 127.0.0.1 with throwaway host and
# user keys in KEYDIR (user key: KEYDIR/user_key), on a free port. Sets
# SSH_PORT and SSHD_PID; skips without openssh-server, fails otherwise.
compat_sshd()
{
	local keys=$1 sshd port try i

	sshd=$(command -v sshd || echo /usr/sbin/sshd)
	[ -x "$sshd" ] || skip "sshd is not installed (package openssh-server)"
	mkdir -p "$keys" && chmod 700 "$keys"
	ssh-keygen -q -t ed25519 -N '' -f "$keys/host_key" ||
		fail "ssh-keygen (host key) failed"
	ssh-keygen -q -t ed25519 -N '' -f "$keys/user_key" ||
		fail "ssh-keygen (user key) failed"
	cp "$keys/user_key.pub" "$keys/authorized_keys"
	# sshd insists on its privilege separation directory.
	[ -d /run/sshd ] || mkdir -m 0755 /run/sshd ||
		skip "cannot create /run/sshd for sshd"
	# A port nobody listens on; sshd is the final judge (it fails to bind
	# if another process took the port in between: then try the next).
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + (RANDOM % 20000)))
		compat_port_free "$port" || continue
		cat >"$keys/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $keys/host_key
PidFile none
AuthorizedKeysFile $keys/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
		"$sshd" -t -f "$keys/sshd_config" 2>"$TMP/sshd-check.err" ||
			fail "sshd rejects its config: $(cat "$TMP/sshd-check.err")"
		compat_start "sshd-$port" "$sshd" -D -e -f "$keys/sshd_config"
		for ((i = 0; i < 100; i++)); do
			if ! compat_port_free "$port"; then
				SSH_PORT=$port
				SSHD_PID=$DAEMON_PID
				info "sshd (pid $SSHD_PID) listening on 127.0.0.1:$port"
				return 0
			fi
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.05
		done
		info "sshd did not come up on port $port (try $try)"
	done
	fail "could not start sshd on any port"
}

compat_port_free()
{
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

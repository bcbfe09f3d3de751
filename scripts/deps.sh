#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what building and testing fastfuse needs on Debian 12 (as root).
# Never installs libfuse3-dev: the project must not build against it.
set -euo pipefail
pkgs=(build-essential meson ninja-build pkg-config liburing-dev libbpf-dev
      libcmocka-dev fuse3 fuse-overlayfs squashfuse squashfs-tools attr
      kmod util-linux python3 bpftool clang bc fio sshfs openssh-server openssh-client
      qemu-system-x86 busybox-static)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The qemu tests also boot bookworm-backports' cloud kernel (6.2+ hooks):
# fetched by apt-get download, never installed (backports stay pinned low).
update=
if grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release &&
	! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >/etc/apt/sources.list.d/fastfuse-bookworm-backports.sources <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	update=1
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ] || [ -n "$update" ]; then
	# a mirror without backports must not cost the rest: drop it, retry
	if ! apt-get update -qq && [ -n "$update" ]; then
		echo "deps: apt-get update failed with bookworm-backports; going on without it (the 6.12 qemu tests will skip)" >&2
		rm -f /etc/apt/sources.list.d/fastfuse-bookworm-backports.sources
		apt-get update -qq
	fi
fi
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# /dev/fuse must exist for the mount tests
[ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true

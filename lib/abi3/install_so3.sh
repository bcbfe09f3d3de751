#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs libfuse3.so.3 (3.14 ABI) beside the .so.4 without the unversioned
# development symlink, which belongs to the .so.4.
set -e
src="$1"
dest="${DESTDIR}$2"
mkdir -p "$dest"
install -m 755 "$src" "$dest/libfuse3.so.3.14.0"
ln -sf libfuse3.so.3.14.0 "$dest/libfuse3.so.3"

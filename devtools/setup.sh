#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian 12 packages vpf needs (only the missing ones), then
# configure and build the given build directory (default: build).
# Idempotent: a second run installs nothing and rebuilds only what changed.
#
#   devtools/setup.sh [BUILDDIR [meson options...]]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libdpdk-dev dpdk-dev libpci-dev libcmocka-dev pciutils python3
	libjansson-dev   # vpfd's JSON-RPC
	libisal-dev      # crc32c (crc32_iscsi) of the migration stream
	libsystemd-dev)  # static DPDK links (test/pkg): dbus-1.pc wants -lsystemd

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

builddir=${1:-build}
shift || true
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" "$@" >/dev/null
elif [ "$#" -gt 0 ]; then
	meson configure "$builddir" "$@" >/dev/null
fi
ninja -C "$builddir" >/dev/null
echo "setup: built $builddir"

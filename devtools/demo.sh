#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# README demo: set up, build, and run vpf-cli against two embedded software
# PF models, migrating a VF from `src` to `dst` step by step, then with
# `migrate` (progress and timings).
set -euo pipefail
cd "$(dirname "$0")/.."
devtools/setup.sh build
if [ -x build/app/vpf-cli/vpf-cli ]; then
	exec build/app/vpf-cli/vpf-cli -- -f app/vpf-cli/demo.cmd
fi
echo "vpf-cli is not built yet; library: libvpf $(grep -m1 "version:" meson.build)"

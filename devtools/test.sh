#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite (README "Quick start", and .ci/run):
#  1. gcc build, `meson test`;
#  2. the same suite under AddressSanitizer + UBSan (build-asan);
#     after each of the two, a bounded soak campaign (vpf-soak, 60 s split
#     over both dialects, a fixed seed per build; doc/reliability.md);
#  3. clang build with the libFuzzer targets, each run for a bounded time;
#  4. vpf-bench --quick (numbers are printed, never asserted);
#  5. the real-VFIO run under QEMU (devtools/vfio-qemu-test.sh).
# Exits non-zero if any step fails. Idempotent; installs missing packages.
set -uo pipefail
cd "$(dirname "$0")/.."

fail=0
step() {
	echo
	echo "=== $*"
}
run() {
	if ! "$@"; then
		echo "FAILED: $*"
		fail=1
	fi
}

start=$(date +%s)
step "setup and gcc build"
devtools/setup.sh build || exit 1

step "meson test (gcc)"
run meson test -C build --print-errorlogs --num-processes 2

soak() {
	# $1 build dir, $2 seed: 60 s in all, both dialects; on a violation
	# the log replays it (vpf-soak --replay).
	step "vpf-soak, 60 s, both dialects, seed $2 ($1)"
	run "$1/app/vpf-soak/vpf-soak" --seconds 60 --dialect both --seed "$2" \
		--log "$1/soak-60s.log"
}
soak build 11

step "meson test (gcc, AddressSanitizer + UBSan)"
if devtools/setup.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run meson test -C build-asan --print-errorlogs --num-processes 2 \
			--timeout-multiplier 3
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		soak build-asan 12
else
	echo "FAILED: asan build"; fail=1
fi

step "clang build and fuzz targets"
if command -v clang >/dev/null; then
	if CC=clang devtools/setup.sh build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false; then
		run devtools/fuzz.sh build-fuzz
	else
		echo "FAILED: clang build"; fail=1
	fi
else
	echo "clang not available: fuzz targets skipped"
fi

if [ -x build/app/vpf-bench/vpf-bench ]; then
	step "vpf-bench --quick (not asserted)"
	run build/app/vpf-bench/vpf-bench --quick
fi

if [ -x devtools/vfio-qemu-test.sh ]; then
	step "real VFIO under QEMU"
	run devtools/vfio-qemu-test.sh
fi

end=$(date +%s)
echo
if [ "$fail" -ne 0 ]; then
	echo "test.sh: FAILED after $((end - start)) s"
	exit 1
fi
echo "test.sh: all passed in $((end - start)) s"

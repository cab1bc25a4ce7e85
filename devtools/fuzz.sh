#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run every libFuzzer target built in BUILDDIR (meson -Dfuzz=true, clang) for a
# bounded time, starting from its seed corpus. ~50 s of fuzzing are shared
# among the targets; each run is also cut off hard (a target that does not
# stop, or one input that runs over 10 s, fails), so the whole step stays
# under ~90 s.
#   devtools/fuzz.sh BUILDDIR [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${1:-build-fuzz}
mapfile -t targets < <(find "$builddir/test/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ "${#targets[@]}" -eq 0 ]; then
	# A build dir configured with -Dfuzz=true must have targets: none
	# means the build failed or was never run, not "nothing to fuzz".
	opts="$builddir/meson-info/intro-buildoptions.json"
	if [ -f "$opts" ] && python3 -c 'import json, sys
sys.exit(0 if any(o["name"] == "fuzz" and o["value"] is True
		  for o in json.load(open(sys.argv[1]))) else 1)' "$opts"; then
		echo "fuzz: $builddir is configured with -Dfuzz=true but has no fuzz targets (build it: ninja -C $builddir)" >&2
		exit 1
	fi
	echo "fuzz: no targets built"
	exit 0
fi
per=${2:-$((50 / ${#targets[@]}))}
[ "$per" -ge 1 ] || per=1
rc=0
# Hard deadline for the whole step, whatever the per-target time.
deadline=$((SECONDS + 85))
for t in "${targets[@]}"; do
	name=$(basename "$t")
	seeds="test/fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
	cap=$((deadline - SECONDS))
	[ "$cap" -le $((per + 20)) ] || cap=$((per + 20))
	if [ "$cap" -le "$per" ]; then
		echo "fuzz: no time left for $name (the step is bounded at 85 s)"
		rc=1; rm -rf "$work"; break
	fi
	echo "fuzz: $name for ${per}s"
	if ! timeout -k 5 "$cap" "$t" -max_total_time="$per" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=0 \
		-artifact_prefix="$builddir/" "$work" >"$builddir/$name.log" 2>&1; then
		echo "fuzz: $name FAILED"; tail -40 "$builddir/$name.log"; rc=1
	else
		grep -E "^Done|#[0-9]+ *DONE" "$builddir/$name.log" | tail -1 || true
	fi
	rm -rf "$work"
done
exit $rc

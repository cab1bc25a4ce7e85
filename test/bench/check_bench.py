#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
"""Smoke test of vpf-bench: run it with --quick --json, check that the output
is one JSON document that names every metric of issue 8 with a finite number
and a unit, and that the text mode prints the same names as "name value unit"
lines. Numbers are never asserted (a benchmark is not a test)."""

import json
import math
import subprocess
import sys

METRICS = [
    "cmd_rate_qd1", "cmd_rate_qd32", "driver_ns_per_cmd",
    "stopcopy_64vf_serial_ms", "stopcopy_64vf_pipelined_ms",
    "stopcopy_speedup", "stopcopy_bound_ms",
    "downtime_1vf_us", "downtime_1vf_noprecopy_us", "downtime_64vf_us",
    "downtime_64vf_serial_us", "downtime_64vf_bound_us",
    "ctx_parse_gbps", "memcpy_gbps", "ctx_parse_vs_memcpy",
    "wr_merge_mrec_s",
    "mem_per_vf_bytes", "mem_per_pf_bytes",
    # the virtio 1.4 twins of the stop-copy and downtime groups
    "stopcopy_64vf_serial_ms_v14", "stopcopy_64vf_pipelined_ms_v14",
    "stopcopy_speedup_v14", "stopcopy_bound_ms_v14",
    "stopcopy_pipelined_vs_bound_v14",
    "downtime_1vf_us_v14", "downtime_64vf_us_v14",
    "downtime_64vf_bound_us_v14", "downtime_64vf_vs_bound_v14",
    "parts_parse_vs_memcpy",
    # QEMU's out-of-band plugin and two vpfd processes (group oob)
    "oob_downtime_1vf_us", "oob_inproc_1vf_us", "oob_downtime_vs_inproc",
]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        fail("usage: check_bench.py PATH-TO-vpf-bench")
    exe = sys.argv[1]

    p = subprocess.run([exe, "--quick", "--json"], capture_output=True,
                       text=True, timeout=300)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        fail("vpf-bench --quick --json exited %d" % p.returncode)
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        fail("output is not JSON: %s\n%s" % (e, p.stdout))
    for key in ("metrics", "skipped", "mode"):
        if key not in doc:
            fail("JSON has no %r" % key)
    if doc["mode"] != "quick":
        fail("mode is %r, not 'quick'" % doc["mode"])
    metrics = doc["metrics"]
    missing = []
    for name in METRICS:
        m = metrics.get(name)
        if m is None:
            why = doc["skipped"].get(name, "not in the output")
            missing.append("%s (%s)" % (name, why))
            continue
        v = m.get("value")
        if not isinstance(v, (int, float)) or isinstance(v, bool) \
                or not math.isfinite(v):
            fail("%s has no finite value: %r" % (name, m))
        if not isinstance(m.get("unit"), str) or not m["unit"]:
            fail("%s has no unit: %r" % (name, m))
    if missing:
        fail("metrics missing: " + ", ".join(missing))
    for name, m in sorted(metrics.items()):
        print("%s %s %s" % (name, m["value"], m["unit"]))

    # The text mode names the same metrics, one "name value unit" per line.
    p = subprocess.run([exe, "--list"], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0:
        fail("vpf-bench --list exited %d" % p.returncode)
    listed = {l.split()[0] for l in p.stdout.splitlines() if l.strip()}
    for name in METRICS:
        if name not in listed:
            fail("--list does not name %s" % name)
    for line in p.stdout.splitlines():
        if len(line.split()) != 2:
            fail("--list line is not 'name unit': %r" % line)
    print("ok: %d metrics" % len(METRICS))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
"""Smoke test of vpf-bench: run it with --quick --json, check that the output
is one JSON document that names every metric of issue 8 with a finite number
and a unit, and that the text mode prints the same names as "name value unit"
lines. Then --vfs (a bad count is refused with a clear message; --vfs 4
runs the downtime group with 4 VFs and says so) and --scaling (a CSV header
and one row per VF count and dialect), and the CPU placement of the
downtime group (the driver's thread on one CPU, the model's device threads
on the others; none with --no-pin). Numbers are never asserted (a
benchmark is not a test)."""

import csv
import io
import json
import math
import os
import subprocess
import sys
import time

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
    # the downtime group measures two PFs always (both dialects)
    "downtime_64vf_2pf_us", "downtime_64vf_2pf_bound_us",
    "downtime_64vf_2pf_vs_bound",
    "downtime_64vf_2pf_us_v14", "downtime_64vf_2pf_bound_us_v14",
    "downtime_64vf_2pf_vs_bound_v14",
    # QEMU's out-of-band plugin and two vpfd processes (group oob)
    "oob_downtime_1vf_us", "oob_inproc_1vf_us", "oob_downtime_vs_inproc",
]


# What --vfs 4 --only downtime must print (both dialects, one PF and two).
DOWNTIME = [
    "downtime_64vf_us", "downtime_64vf_serial_us", "downtime_64vf_bound_us",
    "downtime_64vf_2pf_us", "downtime_64vf_2pf_bound_us",
    "downtime_64vf_2pf_vs_bound",
    "downtime_64vf_us_v14", "downtime_64vf_2pf_us_v14",
    "downtime_64vf_2pf_bound_us_v14", "downtime_64vf_2pf_vs_bound_v14",
]

CSV_HEADER = ["vfs", "dialect", "downtime_pipelined_us",
              "downtime_serial_us", "downtime_bound_us", "downtime_2pf_us",
              "downtime_2pf_bound_us", "stopcopy_pipelined_ms",
              "stopcopy_serial_ms", "stopcopy_bound_ms"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def finite(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) \
        and math.isfinite(v)


def check_vfs(exe):
    """--vfs: bad counts refused with a message naming the option and the
    range; --vfs 4 runs the downtime group with 4 VFs."""
    for bad in ("0", "257", "x", "-4", ""):
        p = subprocess.run([exe, "--vfs", bad, "--only", "downtime"],
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 2:
            fail("--vfs %r: exit %d, not 2 (refused)" % (bad, p.returncode))
        if "--vfs" not in p.stderr or "1..256" not in p.stderr:
            fail("--vfs %r: no clear message: %r" % (bad, p.stderr))
        if p.stdout.strip():
            fail("--vfs %r: measured anyway: %r" % (bad, p.stdout))
    p = subprocess.run([exe, "--vfs", "4", "--quick", "--only", "downtime",
                        "--json"], capture_output=True, text=True,
                       timeout=120)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        fail("--vfs 4 --quick --only downtime exited %d" % p.returncode)
    doc = json.loads(p.stdout)
    if doc.get("vfs") != 4:
        fail("--vfs 4: the JSON's vfs is %r" % doc.get("vfs"))
    for name in DOWNTIME:
        m = doc["metrics"].get(name)
        if m is None or not finite(m.get("value")):
            fail("--vfs 4: %s not measured (%s)" % (
                name, doc["skipped"].get(name, "not in the output")))
    if not any("4 VFs" in n for n in doc["notes"]):
        fail("--vfs 4: no note names the VF count: %r" % doc["notes"])
    others = [n for n in doc["metrics"] if not n.startswith("downtime")]
    if others:
        fail("--only downtime measured %r" % others)
    print("ok: --vfs")


def check_scaling(exe):
    """--scaling: CSV, a header and one row per VF count and dialect."""
    p = subprocess.run([exe, "--scaling", "--vfs-list", "1,2", "--quick",
                        "--reps", "1", "--only", "downtime"],
                       capture_output=True, text=True, timeout=120)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        fail("--scaling exited %d" % p.returncode)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    if not rows or rows[0] != CSV_HEADER:
        fail("--scaling: header %r, not %r" % (rows[0] if rows else None,
                                               CSV_HEADER))
    want = [("1", "draft"), ("1", "1.4"), ("2", "draft"), ("2", "1.4")]
    got = [tuple(r[:2]) for r in rows[1:]]
    if got != want:
        fail("--scaling: rows %r, not %r" % (got, want))
    for r in rows[1:]:
        if len(r) != len(CSV_HEADER):
            fail("--scaling: row %r has %d fields" % (r, len(r)))
        # the downtime columns are measured (--only downtime)
        for v in r[2:7]:
            try:
                if not math.isfinite(float(v)) or float(v) <= 0:
                    raise ValueError
            except ValueError:
                fail("--scaling: row %r: %r is not a positive number" %
                     (r, v))
        if any(r[7:]):
            fail("--scaling --only downtime: stop-copy fields in %r" % r)
    for args in (["--scaling", "--json"], ["--scaling", "--vfs", "4"],
                 ["--vfs-list", "4"], ["--scaling", "--vfs-list", "1,0"],
                 ["--scaling", "--only", "cmd"]):
        p = subprocess.run([exe] + args, capture_output=True, text=True,
                           timeout=30)
        if p.returncode != 2 or "vpf-bench:" not in p.stderr:
            fail("%r: exit %d, not refused with a message (%r)" % (
                args, p.returncode, p.stderr))
    print("ok: --scaling")


def allowed_lists(pid):
    """{tid: Cpus_allowed_list} of the process's threads now."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tids:
        try:
            with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                for line in f:
                    if line.startswith("Cpus_allowed_list:"):
                        out[int(t)] = line.split(":", 1)[1].strip()
        except OSError:
            pass
    return out


def placement_seen(exe, extra):
    """Run the downtime group; return (notes, set of (main's CPUs, another
    thread's CPUs) pairs seen while it ran)."""
    p = subprocess.Popen([exe, "--quick", "--json", "--only", "downtime"] +
                         extra, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    seen = set()
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        lists = allowed_lists(p.pid)
        main_cpus = lists.pop(p.pid, None)
        for other in lists.values():
            seen.add((main_cpus, other))
        time.sleep(0.002)
    out, err = p.communicate(timeout=120)
    if p.returncode != 0:
        fail("%s exited %d: %s" % (extra, p.returncode, err))
    notes = json.loads(out)["notes"]
    return "\n".join(notes) if isinstance(notes, list) else notes, seen


def split_seen(seen):
    """Whether a thread ran off the driver's one CPU while the driver's
    thread was pinned to it."""
    return any(m is not None and "," not in m and "-" not in m and
               m not in o.replace("-", ",").split(",") for m, o in seen)


def check_pin(exe):
    """CPU placement (D-PERF.7): in the downtime group the driver's thread
    runs on one CPU and the model's device threads on the others; --no-pin
    places nothing. One CPU: placement off, and a note says so."""
    ncpu = len(os.sched_getaffinity(0))
    notes, seen = placement_seen(exe, [])
    if ncpu < 2:
        if "CPU placement off" not in notes:
            fail("one CPU: no note says placement is off: %r" % notes)
        print("ok: --no-pin (one CPU: placement off)")
        return
    if "CPU placement in stopcopy and downtime" not in notes:
        fail("no note names the CPU placement: %r" % notes)
    if not split_seen(seen):
        fail("no device thread ran off the driver's CPU: %r" % seen)
    # D-PERF.9: sleeping device threads, still placed.
    notes, seen = placement_seen(exe, ["--no-idle-poll"])
    if not split_seen(seen):
        fail("--no-idle-poll: no device thread ran off the driver's CPU: "
             "%r" % seen)
    notes, seen = placement_seen(exe, ["--no-pin"])
    if "CPU placement" in notes:
        fail("--no-pin: a note still names a placement: %r" % notes)
    if any(m is not None and m != o for m, o in seen):
        fail("--no-pin: threads were placed: %r" % seen)
    print("ok: CPU placement, --no-idle-poll and --no-pin")


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
        if not finite(v):
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
    # --two-pf stays accepted (scripts of the time it was an option).
    p = subprocess.run([exe, "--two-pf", "--list"], capture_output=True,
                       text=True, timeout=30)
    if p.returncode != 0:
        fail("--two-pf is no longer accepted: %r" % p.stderr)
    print("ok: %d metrics" % len(METRICS))

    check_vfs(exe)
    check_scaling(exe)
    check_pin(exe)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
#
# Writes the seed corpora of the parts fuzz targets (doc/protocol.md §10.3,
# §10.6 layouts):
#   test/fuzz/corpus/parts/*.bin        u8 flags, then a parts set
#   test/fuzz/corpus/parts_linux/*.bin  u8 flags, u8 n, n x le16 split
#                                       positions, then a record stream
# Deterministic: running it again rewrites identical files.
#   test/parts/gen_corpus.py [REPO_ROOT]
import os
import struct
import sys

OPTIONAL = 1
CARRY = 0x3
ALLOW_PAD = 0x4


def part(t, value, sel=0, flags=0):
    return struct.pack("<HBBQI", t, flags, 0, sel, len(value)) + value


def feats(words):
    return b"".join(struct.pack("<Q", w) for w in words)


def vq_cfg(q, size=256):
    return part(0x104, struct.pack("<HHHHQQQ", size, q + 1, 1, 0,
                                   0x100000 * q, 0x100000 * q + 0x1000,
                                   0x100000 * q + 0x2000), q)


def vq_notify(q):
    return part(0x105, struct.pack("<HH4x", q, 0), q)


def common(off, fmt, v):
    return part(0x102, struct.pack(fmt, v), off)


def net_set(nq):
    s = part(0x100, feats([0x130010020, 1]), flags=OPTIONAL)
    s += part(0x101, feats([0x130000020, 1]))
    s += common(0, "<I", 1) + common(16, "<H", 0xffff) + common(18, "<H", nq)
    s += common(21, "<B", 3) + common(32, "<Q", 0x1000)
    s += part(0x103, b"\x0f")
    s += b"".join(vq_cfg(q) for q in range(nq))
    s += b"".join(vq_notify(q) for q in range(nq))
    s += part(0x200, bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56]), 0x0101)
    s += part(0x200, b"\x01", 0x0000)
    s += part(0x200, struct.pack("<H", 4), 0x0004)
    return s


def rec(payload, tag=0, flags=0, size=None):
    if size is None:
        size = len(payload)
    return struct.pack("<QII", size, flags, tag) + payload


def with_cuts(flags, cuts, stream):
    return bytes([flags, len(cuts)]) + \
        b"".join(struct.pack("<H", c) for c in cuts) + stream


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(__file__), "..", "..")
    pdir = os.path.join(root, "test", "fuzz", "corpus", "parts")
    ldir = os.path.join(root, "test", "fuzz", "corpus", "parts_linux")
    os.makedirs(pdir, exist_ok=True)
    os.makedirs(ldir, exist_ok=True)
    s2 = net_set(2)
    s4 = net_set(4)
    sets = {
        "empty": bytes([0]),
        "net_2q": bytes([0]) + s2,
        "net_4q_carry": bytes([CARRY]) + s4,
        "padded": bytes([ALLOW_PAD]) + s2 + b"\0" * 5,
        "unknown_optional": bytes([0]) + s2 +
        part(0x0277, b"abc", 0x0102030405060708, OPTIONAL),
        "extended": bytes([CARRY]) + part(0x104, b"\0" * 40, 3),
        "headers_only": bytes([0x8]) + b"".join(
            p[:16] for p in [part(0x100, feats([1]), flags=OPTIONAL),
                             part(0x104, b"\0" * 32, 1)]),
    }
    for name, data in sets.items():
        with open(os.path.join(pdir, name + ".bin"), "wb") as f:
            f.write(data)
    streams = {
        "one": with_cuts(0, [], rec(s2)),
        "two_cut": with_cuts(0, [3, 20, 100], rec(s2) + rec(s4)),
        "cve_tail": with_cuts(0, [17], rec(s2 + b"\0" * 8)),
        "skipped": with_cuts(1, [5], rec(b"xyz", 7, 1) + rec(s2) +
                             rec(b"", 0)),
        "trailing7": with_cuts(0, [], rec(s2 + b"\0" * 7)),
        "required_tag": with_cuts(0, [], rec(b"\0" * 8, 3)),
    }
    for name, data in streams.items():
        with open(os.path.join(ldir, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
#
# Writes the seed corpora of the ctx fuzz targets (doc/protocol.md §5.1
# layout):
#   test/fuzz/corpus/ctx_parse/*.bin   raw device contexts
#   test/fuzz/corpus/ctx_stream/*.bin  u8 flags, u8 n, n x le16 split
#                                      positions, then a context
# Deterministic: running it again rewrites identical files.
#   test/ctx/gen_corpus.py [REPO_ROOT]
import os
import struct
import sys


def tlv(t, value, rsvd=b"\0" * 6):
    return struct.pack("<H", t) + rsvd + struct.pack("<Q", len(value)) + value


def ctx(fields):
    return struct.pack("<I", len(fields)) + b"".join(fields)


def common_cfg(numq):
    # struct virtio_pci_common_cfg, 64 bytes (doc/protocol.md §3.2)
    return struct.pack("<IIIIHHBBHHHHHQQQHHHH", 1, 0x31, 1, 0x1, 0xffff,
                       numq, 0x0f, 3, 0, 256, 0xffff, 1, 0, 0, 0, 0, 0, 0,
                       0, 0)


def vq_cfg(q, size=256):
    return struct.pack("<HHHQQQ", q, size, q + 1, 0x100000 * q,
                       0x100000 * q + 0x1000, 0x100000 * q + 0x2000)


def vq_rt(q, avail=0, enabled=1):
    return struct.pack("<HHB", q, avail, enabled)


def own_desc(q, idx):
    return struct.pack("<HH", q, len(idx)) + b"".join(
        struct.pack("<H", i) for i in idx)


NETCFG = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 1, 0, 2, 0, 0xdc, 0x05])


def contexts():
    c = {}
    c["empty"] = ctx([])
    c["sample"] = ctx([
        tlv(0x0000, common_cfg(2)),
        tlv(0x0001, struct.pack("<QQ", 0x10020, 0x201)),
        tlv(0x0002, vq_cfg(0)), tlv(0x0003, vq_rt(0, 17)),
        tlv(0x0004, own_desc(0, [5, 6, 200])),
        tlv(0x0002, vq_cfg(1)), tlv(0x0003, vq_rt(1, 65535)),
        tlv(0x0004, own_desc(1, [])),
        tlv(0x1000, NETCFG),
    ])
    f = [tlv(0x0000, common_cfg(4)),
         tlv(0x0001, struct.pack("<Q", (1 << 32) | (1 << 41) | (1 << 17))),
         tlv(0x1000, NETCFG)]
    for q in range(4):
        f += [tlv(0x0002, vq_cfg(q)), tlv(0x0003, vq_rt(q, q * 7)),
              tlv(0x0004, own_desc(q, [(q * 13 + i) % 256
                                       for i in range(q * 9)]))]
    c["net_4q"] = ctx(f)
    # Extensions, unknown and reserved types, reserved bytes set: all kept.
    c["extended_unknown"] = ctx([
        tlv(0x0002, vq_cfg(3) + b"\xde\xad\xbe\xef"),
        tlv(0x0003, vq_rt(3, 9) + b"\x42"),
        tlv(0x0005, b"abc"),
        tlv(0x1fff, b""),
        tlv(0x2000, b"\x01\x02", rsvd=b"\x00\x00\x00\x00\x00\x07"),
        tlv(0xffff, bytes(range(40))),
    ])
    return c


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    pdir = os.path.join(root, "test", "fuzz", "corpus", "ctx_parse")
    sdir = os.path.join(root, "test", "fuzz", "corpus", "ctx_stream")
    os.makedirs(pdir, exist_ok=True)
    os.makedirs(sdir, exist_ok=True)
    for name, data in sorted(contexts().items()):
        with open(os.path.join(pdir, name + ".bin"), "wb") as fh:
            fh.write(data)
        # Splits inside the context header, a TLV header and a value.
        cuts = [2, 4 + 8, 4 + 16 + 3, len(data) // 2]
        cuts = [x for x in cuts if x <= len(data)]
        head = struct.pack("<BB", 0, len(cuts)) + b"".join(
            struct.pack("<H", x) for x in cuts)
        with open(os.path.join(sdir, name + ".bin"), "wb") as fh:
            fh.write(head + data)
    # The last DEV_CTX_WRITE chunk padded to 8 bytes (doc/protocol.md §1.2).
    data = contexts()["sample"]
    pad = (-len(data)) % 8
    with open(os.path.join(pdir, "sample_padded.bin"), "wb") as fh:
        fh.write(data + b"\0" * pad)
    with open(os.path.join(sdir, "sample_padded.bin"), "wb") as fh:
        fh.write(struct.pack("<BBH", 1, 1, 8) + data + b"\0" * pad)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Turns DISK, a dynamic VHDX qemu-img made with block_state_zero=off (blocks it never wrote
NOT_PRESENT) and qemu-io wrote, into a differencing child of PARENT (a VHDX of the same size):
HasParent set, a parent locator item added (parent_linkage = PARENT's DataWriteGuid,
relative_path ".\\NAME" of PARENT). Writes the chain's expected content (the child's blocks
where its BAT has them, PARENT's raw content elsewhere) to EXPECTED when the raws are given.
Only the format is used here (MS-VHDX), not vsdisk's code.
Usage: make_vhdx_child.py DISK PARENT [PARENT_RAW CHILD_RAW EXPECTED]"""
import os
import struct
import sys
import uuid

disk, parent = sys.argv[1:3]
BAT = uuid.UUID("2DC27766-F623-4200-9D64-115E9BFD4A08").bytes_le
META = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E").bytes_le
FILE_PARAMETERS = uuid.UUID("CAA16737-FA36-4D43-B3B6-33F0AA44E76B").bytes_le
LOCATOR = uuid.UUID("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C").bytes_le
LOCATOR_TYPE = uuid.UUID("B04AEFB7-D19E-4A81-B789-25B8E9445913").bytes_le


def current_header(data):
    best = None
    for at in (0x10000, 0x20000):
        if data[at:at + 4] == b"head":
            seq, = struct.unpack_from("<Q", data, at + 8)
            if best is None or seq > best[0]:
                best = (seq, at)
    return best[1]


def regions(data):
    count, = struct.unpack_from("<I", data, 0x30000 + 8)
    found = {}
    for i in range(count):
        e = 0x30000 + 16 + 32 * i
        found[bytes(data[e:e + 16])] = struct.unpack_from("<QI", data, e + 16)
    return found


p = open(parent, "rb").read()
guid = uuid.UUID(bytes_le=bytes(p[current_header(p) + 32:current_header(p) + 48]))
data = bytearray(open(disk, "rb").read())
reg = regions(data)
meta, meta_len = reg[META]
bat, _ = reg[BAT]
count, = struct.unpack_from("<H", data, meta + 10)
end = 0
block_size = 0
for i in range(count):
    e = meta + 32 + 32 * i
    offset, length = struct.unpack_from("<II", data, e + 16)
    end = max(end, offset + length)
    if data[e:e + 16] == FILE_PARAMETERS:
        block_size, flags = struct.unpack_from("<II", data, meta + offset)
        struct.pack_into("<I", data, meta + offset + 4, flags | 2)    # HasParent
pairs = [("parent_linkage", "{%s}" % guid), ("relative_path", ".\\" + os.path.basename(parent))]
item = bytearray(LOCATOR_TYPE + struct.pack("<HH", 0, len(pairs)))
strings = bytearray()
base = 20 + 12 * len(pairs)
for key, value in pairs:
    k, v = key.encode("utf-16-le"), value.encode("utf-16-le")
    item += struct.pack("<IIHH", base + len(strings), base + len(strings) + len(k), len(k), len(v))
    strings += k + v
item += strings
at = (end + 4095) // 4096 * 4096
assert at + len(item) <= meta_len
data[meta + at:meta + at + len(item)] = item
e = meta + 32 + 32 * count
data[e:e + 32] = LOCATOR + struct.pack("<IIII", at, len(item), 4, 0)   # IsRequired
struct.pack_into("<H", data, meta + 10, count + 1)
open(disk, "wb").write(data)

if len(sys.argv) < 6:
    sys.exit(0)
parent_raw, child_raw, expected = sys.argv[3:6]
# The chain's content: the child's blocks where present (state 6), the parent's elsewhere.
chain = bytearray(open(parent_raw, "rb").read())
own = open(child_raw, "rb").read()
ratio = (1 << 23) * 512 // block_size
for n in range((len(chain) + block_size - 1) // block_size):
    entry, = struct.unpack_from("<Q", data, bat + 8 * (n + n // ratio))
    if entry & 7 == 6:
        chain[n * block_size:(n + 1) * block_size] = own[n * block_size:(n + 1) * block_size]
assert chain != open(parent_raw, "rb").read()
open(expected, "wb").write(chain)

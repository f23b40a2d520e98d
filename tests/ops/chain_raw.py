#!/usr/bin/env python3
"""The content of a differencing VHD over its parent's raw content, computed here from the
format (not from vsdisk's code): each sector whose bit is set in the child's block bitmap
comes from the child, every other one from the parent.
Usage: chain_raw.py CHILD.vhd PARENT.raw OUT.raw"""
import struct
import sys

child, parent_raw, out = sys.argv[1:4]
with open(child, "rb") as f:
    data = f.read()
footer = data[-512:]
if footer[:8] != b"conectix":
    sys.exit("chain_raw: no footer in " + child)
data_offset, = struct.unpack(">Q", footer[16:24])
current_size, = struct.unpack(">Q", footer[48:56])
disk_type, = struct.unpack(">I", footer[60:64])
if disk_type != 4:
    sys.exit("chain_raw: not a differencing disk")
header = data[data_offset:data_offset + 1024]
if header[:8] != b"cxsparse":
    sys.exit("chain_raw: no dynamic header")
table_offset, = struct.unpack(">Q", header[16:24])
entries, block_size = struct.unpack(">II", header[28:36])
sectors_per_block = block_size // 512
bitmap_bytes = (sectors_per_block // 8 + 511) // 512 * 512

with open(parent_raw, "rb") as f:
    content = bytearray(f.read())
content = content[:current_size] + bytes(max(0, current_size - len(content)))
for block in range(entries):
    entry, = struct.unpack(">I", data[table_offset + 4 * block:table_offset + 4 * block + 4])
    if entry == 0xFFFFFFFF:
        continue
    start = entry * 512
    bitmap = data[start:start + bitmap_bytes]
    for s in range(sectors_per_block):
        lba = block * sectors_per_block + s
        if lba * 512 >= current_size:
            break
        if bitmap[s // 8] & (0x80 >> (s % 8)):
            src = start + bitmap_bytes + s * 512
            content[lba * 512:lba * 512 + 512] = data[src:src + 512]
with open(out, "wb") as f:
    f.write(content)

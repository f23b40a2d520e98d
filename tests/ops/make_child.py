#!/usr/bin/env python3
"""Writes a differencing VHD that holds data: TEMPLATE (a differencing disk with no blocks,
such as the sample win8-child.vhd) with seeded random sectors added at scattered places
(a few sectors, a run across a block boundary, a whole block, the last sector), each block
with a sector-exact bitmap. Only the format is used here, not vsdisk's code.
Usage: make_child.py TEMPLATE OUT"""
import random
import struct
import sys

template, out = sys.argv[1:3]
data = bytearray(open(template, "rb").read())
footer = bytes(data[-512:])
data_offset, = struct.unpack(">Q", footer[16:24])
current_size, = struct.unpack(">Q", footer[48:56])
header = data[data_offset:data_offset + 1024]
table_offset, = struct.unpack(">Q", header[16:24])
entries, block_size = struct.unpack(">II", header[28:36])
spb = block_size // 512
last = current_size // 512 - 1
rng = random.Random(1313)

sectors = set(range(1, 4)) | set(range(100, 201)) | set(range(3 * spb, 4 * spb))
sectors |= set(range(6 * spb - 5, 6 * spb + 7)) | {last}
body = data[:-512]
blocks = {}
for lba in sorted(sectors):
    blocks.setdefault(lba // spb, []).append(lba % spb)
for block, present in sorted(blocks.items()):
    entry, = struct.unpack(">I", body[table_offset + 4 * block:table_offset + 4 * block + 4])
    assert entry == 0xFFFFFFFF, "the template must have no blocks"
    start = len(body)
    assert start % 512 == 0
    bitmap = bytearray(512)
    blockdata = bytearray(block_size)
    for s in present:
        bitmap[s // 8] |= 0x80 >> (s % 8)
        blockdata[s * 512:(s + 1) * 512] = bytes(rng.getrandbits(8) for _ in range(512))
    body += bitmap + blockdata
    body[table_offset + 4 * block:table_offset + 4 * block + 4] = struct.pack(">I", start // 512)
with open(out, "wb") as f:
    f.write(body + footer)

#!/usr/bin/env python3
"""Writes the eight 256-entry tables of CRC-32C (Castagnoli, reflected polynomial 0x82F63B78)
for slicing by 8 bytes: table k, entry i = the CRC register after byte i followed by k zero
bytes. Usage: crc32c_tables.py OUTPUT.h"""
import sys

POLY = 0x82F63B78


def byte_step(c):
    for _ in range(8):
        c = (c >> 1) ^ (POLY if c & 1 else 0)
    return c


def main():
    tables = [[byte_step(i) for i in range(256)]]
    for _ in range(7):
        last = tables[-1]
        tables.append([(last[i] >> 8) ^ tables[0][last[i] & 0xFF] for i in range(256)])
    lines = ['/* Made by crc32c_tables.py at build time: do not edit. */',
             'static const uint32_t crc32c_tables[8][256] = {']
    for table in tables:
        lines.append('    {')
        for row in range(0, 256, 8):
            lines.append('        ' + ', '.join('0x%08Xu' % v for v in table[row:row + 8]) + ',')
        lines.append('    },')
    lines.append('};')
    with open(sys.argv[1], 'w') as out:
        out.write('\n'.join(lines) + '\n')


main()

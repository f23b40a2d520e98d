#!/usr/bin/env python3
"""Hand damage to a VHD, for the repair damage table (test_repair_vhd.sh).

vhd_damage.py FILE poke OFFSET            one byte's bits inverted
vhd_damage.py FILE zero OFFSET LENGTH     bytes set to zero
vhd_damage.py FILE footer WHICH FIELD HEX [stale]
    bytes of a footer set (WHICH: end, copy or both; FIELD: the byte offset in the footer);
    the checksum refreshed unless 'stale' (a hand edit that forgot it)
vhd_damage.py FILE header FIELD HEX [stale]   the same for the dynamic header
vhd_damage.py FILE bat INDEX VALUE        a block table entry set (VALUE in sectors; 'table'
                                          for the table's own sector, 'header' for the header's)
vhd_damage.py FILE batget INDEX           prints a block table entry
vhd_damage.py FILE grow BYTES             zeros inserted before the end footer
vhd_damage.py FILE locator CODE           the second character of the path in the parent
                                          locator CODE (W2ku, W2ru) changed to 'X': a path
                                          that no longer names the parent
"""
import os
import sys


def checksum(b, at):
    b[at:at + 4] = b'\0\0\0\0'
    b[at:at + 4] = ((~sum(b)) & 0xFFFFFFFF).to_bytes(4, 'big')


def layout(f):
    f.seek(0)
    footer = f.read(512)
    header_at = int.from_bytes(footer[16:24], 'big')
    f.seek(header_at + 16)
    table = int.from_bytes(f.read(8), 'big')
    return header_at, table


def main():
    path, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    size = os.path.getsize(path)
    with open(path, 'r+b') as f:
        if op == 'poke':
            at = int(args[0])
            f.seek(at)
            b = f.read(1)
            f.seek(at)
            f.write(bytes([b[0] ^ 0xFF]))
        elif op == 'zero':
            f.seek(int(args[0]))
            f.write(bytes(int(args[1])))
        elif op in ('footer', 'header'):
            if op == 'footer':
                which, args = args[0], args[1:]
                places = {'end': [size - 512], 'copy': [0], 'both': [size - 512, 0]}[which]
                length, at_sum = 512, 64
            else:
                places, length, at_sum = [layout(f)[0]], 1024, 36
            field, value = int(args[0]), bytes.fromhex(args[1])
            stale = len(args) > 2 and args[2] == 'stale'
            for at in places:
                f.seek(at)
                b = bytearray(f.read(length))
                b[field:field + len(value)] = value
                if not stale:
                    checksum(b, at_sum)
                f.seek(at)
                f.write(b)
        elif op in ('bat', 'batget'):
            header_at, table = layout(f)
            index = int(args[0])
            f.seek(table + 4 * index)
            if op == 'batget':
                print(int.from_bytes(f.read(4), 'big'))
                return
            value = {'table': table // 512, 'header': header_at // 512}.get(args[1])
            value = int(args[1]) if value is None else value
            f.write(value.to_bytes(4, 'big'))
        elif op == 'grow':
            f.seek(size - 512)
            footer = f.read(512)
            f.seek(size - 512)
            f.write(bytes(int(args[0])))
            f.write(footer)
        elif op == 'locator':
            header_at, _ = layout(f)
            f.seek(header_at)
            header = f.read(1024)
            for i in range(8):
                entry = header[576 + 24 * i:600 + 24 * i]
                if entry[:4] == args[0].encode():
                    f.seek(int.from_bytes(entry[16:24], 'big') + 2)
                    f.write('X'.encode('utf-16-le'))
                    return
            sys.exit('no locator ' + args[0])
        else:
            sys.exit('unknown operation ' + op)


main()

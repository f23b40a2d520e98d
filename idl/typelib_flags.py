#!/usr/bin/env python3
"""Adds type flags widl cannot express to types of a type library (MSFT format).
Usage: typelib_flags.py IN.tlb OUT.tlb GUID=FLAGS...  (FLAGS ORed into the type's TYPEFLAGS)

widl 7.0 has no [predeclid]: Virtual Server's VMVirtualServer coclass is appobject, cancreate
and predeclid (TYPEFLAGS 0xb), so the build ORs TYPEFLAG_FPREDECLID (8) into it here.
The MSFT layout: a 0x54-byte header (+4 when it names a help DLL), one offset per type info,
15 segment descriptors (offset, length, 2 reserved) of which #0 holds the 0x64-byte type info
records and #5 the GUID entries (GUID, hreftype, next hash); a record's GUID is at
GUID segment + record[0x2c], its flags at record[0x30]."""
import struct
import sys
import uuid


def main():
    data = bytearray(open(sys.argv[1], 'rb').read())
    wanted = {}
    for arg in sys.argv[3:]:
        guid, flags = arg.split('=')
        wanted[uuid.UUID(guid).bytes_le] = int(flags, 0)
    magic, _, _, _, _, varflags, _, _, count = struct.unpack_from('<9I', data, 0)
    if magic != 0x5446534D:
        sys.exit('typelib_flags: %s is not an MSFT type library' % sys.argv[1])
    segments = 0x54 + (4 if varflags & 0x100 else 0) + 4 * count
    typeinfo_segment, = struct.unpack_from('<I', data, segments)
    guid_segment, = struct.unpack_from('<I', data, segments + 5 * 16)
    for i in range(count):
        record = typeinfo_segment + i * 0x64
        posguid, flags = struct.unpack_from('<iI', data, record + 0x2c)
        if posguid < 0:
            continue
        guid = bytes(data[guid_segment + posguid:guid_segment + posguid + 16])
        if guid in wanted:
            struct.pack_into('<I', data, record + 0x30, flags | wanted.pop(guid))
    if wanted:
        sys.exit('typelib_flags: no type with GUID %s' % ', '.join(str(uuid.UUID(bytes_le=g)) for g in wanted))
    open(sys.argv[2], 'wb').write(data)


if __name__ == '__main__':
    main()

"""Reads a VHD chain with libvhdi (pyvhdi), independently of vsdisk.

  vhd_chain_read.py raw OUT CHILD [PARENT [GRANDPARENT ...]]
      writes the disk the chain makes (child first) to OUT
  vhd_chain_read.py locators FILE
      prints each parent locator of FILE: code, space, length, offset, decoded text
"""
import struct
import sys

import pyvhdi


def read_chain(out_path, paths):
    files = []
    for path in paths:
        f = pyvhdi.file()
        f.open(path)
        files.append(f)
    for child, parent in zip(files, files[1:]):
        child.set_parent(parent)
    top = files[0]
    size = top.get_media_size()
    with open(out_path, "wb") as out:
        offset = 0
        while offset < size:
            n = min(1 << 20, size - offset)
            top.seek_offset(offset, 0)
            data = top.read_buffer(n)
            if len(data) != n:
                raise SystemExit("short read at %d" % offset)
            out.write(data)
            offset += n
    for f in files:
        f.close()


def locators(path):
    with open(path, "rb") as f:
        f.seek(512)
        header = f.read(1024)
        for i in range(8):
            code, space, length, _, offset = struct.unpack(">4sIIIQ", header[576 + 24 * i:600 + 24 * i])
            if code == b"\0\0\0\0":
                continue
            f.seek(offset)
            text = f.read(length).decode("utf-16-le")
            print("%s %d %d %d %s" % (code.decode("ascii"), space, length, offset, text))


if __name__ == "__main__":
    if sys.argv[1] == "raw":
        read_chain(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "locators":
        locators(sys.argv[2])
    else:
        raise SystemExit(__doc__)

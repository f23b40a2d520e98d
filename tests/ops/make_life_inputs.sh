#!/bin/sh
# Makes the disks the IVsDiskHardDisk3 tests (test_disk_life.c, disk_life.vbs) work on, in
# FOLDER: grow.vhd (a 10 MiB dynamic VHD by qemu, data at its start and end, its table padded
# for 128 blocks only, so a grow to 300 MB moves blocks) and grow.raw (its content);
# fixed.vhd (4 MiB fixed, data); mbr.vhd and gpt.vhd (64 MiB dynamic, partitioned with
# sfdisk: the last partition ends at 31 MiB and 40 MiB); grow.vhdx (8 MiB, qemu); win8.vhd and win8-child.vhd (a differencing chain, from the
# samples); old.vhd (win8.vhd labelled as vsdisk 0.2 labelled its disks, which Repair fixes);
# grow-vhdx.raw, mbr.vhdx and mbr-31.raw, vx/ (a differencing VHDX chain) with vchain.raw and
# vchain-16.raw, dirtylog.vhdx (each described where it is made).
# Usage: make_life_inputs.sh FOLDER SAMPLES
set -eu
in=$1 samples=$2
MiB=1048576
rm -rf "$in"
mkdir -p "$in"
seeded() {  # seeded SEED LEN: random bytes
    python3 -c "import random,sys; r=random.Random($1); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($2)))"
}
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$in/grow.vhd" $((10 * MiB))
seeded 2101 8192 > "$in/chunk"
qemu-io -f vpc -c "write -s $in/chunk 4096 8192" "$in/grow.vhd" > /dev/null
seeded 2102 4096 > "$in/chunk"
qemu-io -f vpc -c "write -s $in/chunk $((10 * MiB - 4096)) 4096" "$in/grow.vhd" > /dev/null
qemu-img convert -f vpc -O raw "$in/grow.vhd" "$in/grow.raw"
qemu-img create -q -f vpc -o subformat=fixed,force_size=on "$in/fixed.vhd" $((4 * MiB))
seeded 2103 4096 > "$in/chunk"
qemu-io -f vpc -c "write -s $in/chunk $((MiB)) 4096" "$in/fixed.vhd" > /dev/null
qemu-img convert -f vpc -O raw "$in/fixed.vhd" "$in/fixed.raw"
# Partitioned disks: sfdisk writes the table into a raw image, qemu makes it a VHD.
truncate -s $((64 * MiB)) "$in/mbr.raw" "$in/gpt.raw"
printf 'label: dos\nstart=2048, size=%d, type=83\n' $((30 * 2048)) | sfdisk -q "$in/mbr.raw"
printf 'label: gpt\nstart=2048, size=%d\n' $((39 * 2048)) | sfdisk -q "$in/gpt.raw"
for t in mbr gpt; do
    qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$in/$t.raw" "$in/$t.vhd"
done
qemu-img create -q -f vhdx "$in/grow.vhdx" $((8 * MiB))
seeded 2104 4096 > "$in/chunk"
qemu-io -f vhdx -c "write -s $in/chunk 0 4096" "$in/grow.vhdx" > /dev/null
qemu-img convert -f vhdx -O raw "$in/grow.vhdx" "$in/grow-vhdx.raw"
# mbr.vhdx: the MBR disk as a dynamic VHDX (qemu's 8 MiB blocks, so 31 MiB ends inside one),
# data at the partition's end and some past it (outside every partition, dropped by a shrink
# to the partition's end); mbr-31.raw its first 31 MiB, what the shrunk disk holds.
cp "$in/mbr.raw" "$in/mbrx.raw"
seeded 2105 8192 > "$in/chunk"
dd if="$in/chunk" of="$in/mbrx.raw" bs=4096 seek=$((31 * 256 - 2)) conv=notrunc status=none
dd if="$in/chunk" of="$in/mbrx.raw" bs=4096 seek=$((50 * 256)) conv=notrunc status=none
qemu-img convert -f raw -O vhdx "$in/mbrx.raw" "$in/mbr.vhdx"
head -c $((31 * MiB)) "$in/mbrx.raw" > "$in/mbr-31.raw"
rm -f "$in/mbrx.raw"
# A differencing VHDX chain in vx/ (make_vhdx_child.py): an 8 MiB parent with data up to its
# last sector, a child with data of its own; vchain.raw what the chain reads, vchain-16.raw
# the same followed by zeros to 16 MiB (the child grown: its new area zeros, not the parent's).
mkdir -p "$in/vx"
qemu-img create -q -f vhdx -o block_size=1M "$in/vx/parent.vhdx" $((8 * MiB))
seeded 2106 $((MiB)) > "$in/chunk"
qemu-io -f vhdx -c "write -s $in/chunk 0 $((MiB))" "$in/vx/parent.vhdx" > /dev/null
qemu-io -f vhdx -c "write -s $in/chunk $((7 * MiB)) $((MiB))" "$in/vx/parent.vhdx" > /dev/null
qemu-img create -q -f vhdx -o block_size=1M,block_state_zero=off "$in/vx/child.vhdx" $((8 * MiB))
seeded 2107 8192 > "$in/chunk"
qemu-io -f vhdx -c "write -s $in/chunk $((MiB + 4096)) 8192" "$in/vx/child.vhdx" > /dev/null
qemu-img convert -f vhdx -O raw "$in/vx/parent.vhdx" "$in/vx-parent.raw"
qemu-img convert -f vhdx -O raw "$in/vx/child.vhdx" "$in/vx-child.raw"
python3 "$(dirname "$0")/make_vhdx_child.py" "$in/vx/child.vhdx" "$in/vx/parent.vhdx" \
    "$in/vx-parent.raw" "$in/vx-child.raw" "$in/vchain.raw"
cp "$in/vchain.raw" "$in/vchain-16.raw"
truncate -s $((16 * MiB)) "$in/vchain-16.raw"
rm -f "$in/vx-parent.raw" "$in/vx-child.raw"
# The dirty-log sample (qemu's, README-vhdx.md): Check lists its log, Repair replays it.
bunzip2 -c "$samples/iotest-dirtylog-10G-4M.vhdx.bz2" > "$in/dirtylog.vhdx"
cp "$samples/win8.vhd" "$samples/win8-child.vhd" "$in/"
chmod u+w "$in"/*
# A disk as vsdisk 0.1 and 0.2 labelled theirs (creator "vsdk" version 0.2 in both footers,
# checksums right): Windows' win8.vhd relabelled, which Repair labels back.
cp "$in/win8.vhd" "$in/old.vhd"
python3 - "$in/old.vhd" <<'PY'
import os, struct, sys
with open(sys.argv[1], "r+b") as f:
    size = os.fstat(f.fileno()).st_size
    for offset in (0, size - 512):
        f.seek(offset)
        footer = bytearray(f.read(512))
        if footer[:8] != b"conectix":
            continue
        footer[28:36] = b"vsdk" + struct.pack(">I", 2)
        footer[64:68] = b"\0\0\0\0"
        footer[64:68] = struct.pack(">I", ~sum(footer) & 0xFFFFFFFF)
        f.seek(offset)
        f.write(footer)
PY
rm -f "$in/chunk"

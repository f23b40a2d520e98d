#!/bin/sh
# Raw round trips (issue 22): a sparse raw image -> a VHD or VHDX of every kind -> a raw image
# again is byte-identical to the source, and the output keeps the source's holes (its allocated
# blocks by stat -c %b, and the hole in the middle of a block found by SEEK_DATA); through a
# chain: raw -> dynamic VHD -> differencing child given more data -> raw equals qemu's reading
# of the base with the same bytes written by qemu-io over it. Azure from a source of 20 GiB by
# qemu's CHS rounding (21,475,270,656 bytes): the fixed VHD checked field by field, by qemu-img
# info with force_size_calc=current_size and by vhdiinfo. What the other tests cover is not
# repeated here (raw in: test_raw_cli.sh; every source into raw: test_convert_targets.sh).
# qemu cannot read or write a VHD differencing disk (it writes its first block over the parent
# locators), so the child's data is written by the tests' own editor (fx_write), and qemu-io
# writes the same bytes into a raw copy of the base. TAP output.
# Usage: test_raw_roundtrip.sh VSDISK FX_WRITE
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fx_write=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d)
tap_dir=$tmp
. "$(dirname "$0")/tap.sh"
trap 'rm -rf "$tmp"' EXIT
for tool in qemu-img qemu-io vhdiinfo python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tmp"
MiB=1048576

# data FILE BYTES SEED: BYTES random bytes, the same for the same seed.
data() {
    python3 -c 'import random, sys; random.seed(int(sys.argv[2])); sys.stdout.buffer.write(random.randbytes(int(sys.argv[1])))' "$2" "$3" > "$1"
}
# put FILE OFFSET DATA: DATA's bytes at byte OFFSET of FILE (which keeps its size and holes).
put() { dd if="$3" of="$1" bs=512 seek=$(($2 / 512)) conv=notrunc status=none; }
# no_data_in FILE START END: no byte of [START, END) is allocated (SEEK_DATA skips it).
no_data_in() {
    python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
start, end = int(sys.argv[2]), int(sys.argv[3])
try:
    at = os.lseek(fd, start, os.SEEK_DATA)
except OSError:
    at = os.fstat(fd).st_size      # ENXIO: no data after start
print("first data at or after", start, "is at", at)
sys.exit(0 if at >= end else 1)' "$1" "$2" "$3"
}
# allocated FILE: the bytes the file system allocated to FILE.
allocated() { echo $(($(stat -c %b "$1") * 512)); }

# ---- the source: 70 MiB, sparse ------------------------------------------------------------
# Data from 0 to 1 MiB, a hole from 1 MiB to 1.5 MiB (the middle of the first 2 MiB VHD block
# and of the first 32 MiB VHDX block), data from 1.5 MiB to 2.5 MiB (across a VHD block's end),
# 4 KiB at 40 MiB, 512 bytes at 64 MiB + 512, then a hole to the end.
truncate -s $((70 * MiB)) src.raw
data d0 $MiB 1; put src.raw 0 d0
data d1 $MiB 2; put src.raw $((3 * MiB / 2)) d1
data d2 4096 3; put src.raw $((40 * MiB)) d2
data d3 512 4; put src.raw $((64 * MiB + 512)) d3
data_bytes=$((2 * MiB + 4096 + 512))
# Allocation is in file-system blocks (4 KiB here): each run may round up to one more.
slack=$((4 * 4096))
check "the source is sparse on this file system (the test needs holes)" \
    sh -c "[ $(allocated src.raw) -le $((data_bytes + slack)) ]"
check "the source's hole in the middle of a block is a hole" no_data_in src.raw $MiB $((3 * MiB / 2))
sha_before=$(sha256sum < src.raw)

# ---- raw -> disk -> raw, every format and kind -----------------------------------------------
for target in vhd:dynamic vhd:fixed vhdx:dynamic vhdx:fixed; do
    ext=${target%%:*} type=${target#*:}
    name="raw -> $ext $type -> raw"
    rm -f disk.$ext back.raw
    check "$name: into the disk" "$vsdisk" convert src.raw "disk.$ext" "$type"
    check "$name: back to raw" "$vsdisk" convert "disk.$ext" back.raw raw
    check "$name: byte-identical (cmp), the same size" cmp src.raw back.raw
    check "$name: holes kept (allocated $(allocated back.raw) <= data $data_bytes + $slack)" \
        sh -c "[ $(allocated back.raw) -le $((data_bytes + slack)) ]"
    check "$name: the hole in the middle of the first block is a hole" \
        no_data_in back.raw $MiB $((3 * MiB / 2))
    check "$name: the hole after the last data is a hole" \
        no_data_in back.raw $((64 * MiB + 4096)) $((70 * MiB))
    check "$name: qemu reads the disk as the source" sh -c "
        qemu-img compare -q -f raw -F $( [ "$ext" = vhd ] && echo vpc || echo vhdx) src.raw disk.$ext"
done
check "the source was never changed" test "$(sha256sum < src.raw)" = "$sha_before"

# ---- through a chain ------------------------------------------------------------------------
# raw -> dynamic VHD (the base) -> a differencing child with more data: over the base's data,
# in the base's hole in the middle of a block, and in a block the base does not have.
rm -f base.vhd child.vhd chain.raw expected.raw
"$vsdisk" convert src.raw base.vhd dynamic > /dev/null
"$vsdisk" create --parent base.vhd child.vhd > /dev/null
data c1 8192 11; data c2 4096 12; data c3 $MiB 13
"$fx_write" child.vhd $((MiB / 2)) c1
"$fx_write" child.vhd $((MiB + 65536)) c2
"$fx_write" child.vhd $((50 * MiB)) c3
# qemu's reading of the base, with the same bytes written over it by qemu-io.
qemu-img convert -f vpc -O raw base.vhd expected.raw
qemu-io -f raw -c "write -s c1 $((MiB / 2)) 8192" -c "write -s c2 $((MiB + 65536)) 4096" \
    -c "write -s c3 $((50 * MiB)) $MiB" expected.raw > /dev/null
check "chain: the child's chain out to raw" "$vsdisk" convert child.vhd chain.raw raw
check "chain: byte-identical to qemu's base with qemu-io's writes" cmp expected.raw chain.raw
check "chain: zeros between the data (qemu-io)" \
    qemu-io -f raw -c "read -P 0 $((5 * MiB / 2)) $((75 * MiB / 2))" chain.raw
check "chain: holes kept (allocated <= data of both)" \
    sh -c "[ $(allocated chain.raw) -le $((data_bytes + 8192 + 4096 + MiB + 2 * slack)) ]"
check "chain: the rest of the base's hole in the middle of a block is still a hole" \
    no_data_in chain.raw $((MiB + 65536 + 4096)) $((3 * MiB / 2))

# ---- Azure from 20 GiB by qemu's rounding --------------------------------------------------
# qemu-img create -f vpc 20G gives a disk of 21,475,270,656 bytes (CHS 41610/16/63): 424 KiB
# over 20 GiB. A raw image of that size (sparse: some data at the start, in the middle and in
# its last sector) made a fixed VHD of 20481 MiB: the size rounded up to a whole MiB.
azure_source=21475270656
azure_size=$((20481 * MiB))
truncate -s $azure_source az.raw
put az.raw 0 d0
put az.raw $((10 * 1024 * MiB)) d2
put az.raw $((azure_source - 512)) d3
check "Azure from 21475270656 bytes: one line says the rounding" sh -c "
    '$vsdisk' convert --azure az.raw az.vhd > out && cat out && [ \"\$(wc -l < out)\" = 1 ] &&
    grep -q ': rounded 21475270656 bytes up to $azure_size (20481 MiB)\$' out"
check "Azure 20 GiB: file size = 20481 MiB + 512" [ "$(stat -c %s az.vhd)" = $((azure_size + 512)) ]
"$vsdisk" create --fixed ref.vhd 20 > /dev/null
check "Azure 20 GiB: the footer field by field (cookie, features, version, data offset, creator, host, sizes, geometry by the specification, fixed, checksum)" python3 -c '
import struct, sys
f = open("az.vhd", "rb"); f.seek(-512, 2); foot = f.read(512)
ref = open("ref.vhd", "rb"); ref.seek(-512, 2); ref_foot = ref.read(512)
size = int(sys.argv[1])
# CHS by the VHD specification (appendix: CHS calculation).
sectors = min(size // 512, 65535 * 16 * 255)
if sectors >= 65535 * 16 * 63:
    spt, heads = 255, 16
    cth = sectors // spt
else:
    spt = 17; cth = sectors // spt; heads = (cth + 1023) // 1024
    if heads < 4: heads = 4
    if cth >= heads * 1024 or heads > 16: spt, heads = 31, 16; cth = sectors // spt
    if cth >= heads * 1024: spt, heads = 63, 16; cth = sectors // spt
cyl = cth // heads
fields = {
    "cookie": (foot[0:8], b"conectix"),
    "features": (struct.unpack(">I", foot[8:12])[0], 2),
    "version": (struct.unpack(">I", foot[12:16])[0], 0x10000),
    "data offset": (struct.unpack(">Q", foot[16:24])[0], 0xFFFFFFFFFFFFFFFF),
    "creator application": (foot[28:32], ref_foot[28:32]),
    "creator version": (foot[32:36], ref_foot[32:36]),
    "creator host OS": (foot[36:40], b"Wi2k"),
    "original size": (struct.unpack(">Q", foot[40:48])[0], size),
    "current size": (struct.unpack(">Q", foot[48:56])[0], size),
    "geometry": (struct.unpack(">HBB", foot[56:60]), (cyl, heads, spt)),
    "disk type": (struct.unpack(">I", foot[60:64])[0], 2),
    "checksum": (struct.unpack(">I", foot[64:68])[0],
                 ~sum(foot[:64] + b"\0" * 4 + foot[68:]) & 0xFFFFFFFF),
    "saved state": (foot[84], 0),
}
bad = 0
for name, (got, want) in fields.items():
    print(name, got, "expected", want)
    bad += got != want
sys.exit(1 if bad else 0)' "$azure_size"
check "Azure 20 GiB: qemu-img info with force_size_calc=current_size: exactly 20481 MiB" sh -c "
    qemu-img info --output=json --image-opts driver=vpc,force_size_calc=current_size,file.filename=az.vhd > q &&
    cat q && grep -q '\"virtual-size\": $azure_size,' q && grep -q '\"format\": \"vpc\"' q"
check "Azure 20 GiB: vhdiinfo: VHD, fixed, 20481 MiB, 512-byte sectors" sh -c "
    vhdiinfo az.vhd > v && cat v && grep -q 'Format[[:space:]]*: VHD' v &&
    grep -q 'Disk type[[:space:]]*: Fixed' v && grep -q '($azure_size bytes)' v &&
    grep -q 'Bytes per sector[[:space:]]*: 512 bytes' v"
check "Azure 20 GiB: the source's data where it was, zeros after its end (qemu-io)" \
    qemu-io --image-opts -c "read -P 0 $((MiB + 4096)) 4096" \
        -c "read -P 0 $azure_source $((azure_size - azure_source))" \
        "driver=vpc,force_size_calc=current_size,file.filename=az.vhd"
check "Azure 20 GiB: the data read back equals the source's (start, middle, last sector)" sh -c "
    cmp -n $MiB az.vhd d0 &&
    cmp -i $((10 * 1024 * MiB)):0 -n 4096 az.vhd d2 &&
    cmp -i $((azure_source - 512)):0 -n 512 az.vhd d3"
rm -f az.vhd az.raw ref.vhd

finish

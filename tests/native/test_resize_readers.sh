#!/bin/sh
# vsdisk resize, the new size as the other readers see it (issue 21: "the size exact in qemu-img
# info and vhdiinfo"), for the cases test_resize.sh reads with qemu only or not at all: a
# dynamic VHD grown within its table's padding (no block moves) to a size that is not a whole
# number of blocks, and a dynamic and a fixed VHDX grown, each to a whole number of blocks and
# to one that is not. After each: qemu-img info and vhdiinfo give the new size to the byte, the
# old content is intact and the new part zeros (qemu-img compare with the content from before),
# qemu-img check (VHDX) and vsdisk check are clean.
# TAP output. Usage: test_resize_readers.sh VSDISK
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"
for tool in qemu-img qemu-io vhdiinfo; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tap_dir"
MiB=1048576

# sizes_are FORMAT DISK BYTES: qemu-img info (default options) and vhdiinfo both give BYTES.
sizes_are() {
    q=$(qemu-img info -f "$1" --output=json "$2" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')
    v=$(vhdiinfo "$2" | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p')
    echo "qemu-img: $q, vhdiinfo: $v, expected $3"
    [ "$q" = "$3" ] && [ "$v" = "$3" ]
}

# A dynamic VHD of 64 MiB laid out by vsdisk (convert from a raw image: its blocks after the
# table's padding, 4 KiB-aligned; qemu-io would put its first block inside the padding) grown
# to 1001 MiB: 501 entries, within the 512 the padding holds, the last block half used.
truncate -s 64M dyn.raw
qemu-io -f raw -c 'write -P 0x5a 0 3M' -c 'write -P 0xa5 63M 1M' dyn.raw > /dev/null
"$vsdisk" convert dyn.raw dyn.vhd dynamic > /dev/null
cp dyn.vhd dyn-before.vhd
check "dynamic VHD grown within its table's padding to 1001 MiB" "$vsdisk" resize dyn.vhd 1001
check "... no block moved: the file keeps its length" \
    [ "$(stat -c %s dyn.vhd)" -eq "$(stat -c %s dyn-before.vhd)" ]
check "... qemu-img info and vhdiinfo: 1001 MiB to the byte" sizes_are vpc dyn.vhd $((1001 * MiB))
check "... old content kept, new part zeros (qemu-img compare)" qemu-img compare -q -f vpc -F raw dyn.vhd dyn.raw
check "... a write at the new last sector reads back (qemu-io)" \
    qemu-io -f vpc -c "write -P 0x3c $((1001 * MiB - 512)) 512" -c "read -P 0x3c $((1001 * MiB - 512)) 512" dyn.vhd
check "... vsdisk check: clean" "$vsdisk" check dyn.vhd

# VHDX, dynamic and fixed (32 MiB blocks), grown to 1 GiB and then to 1040 MiB (a partial last
# block), each step read by both readers.
for kind in dynamic fixed; do
    "$vsdisk" create --$kind $kind.vhdx 64M > /dev/null
    qemu-io -f vhdx -c 'write -P 0x5a 0 3M' -c 'write -P 0xa5 63M 1M' $kind.vhdx > /dev/null
    qemu-img convert -f vhdx -O raw $kind.vhdx $kind.raw
    for mb in 1024 1040; do
        name="$kind VHDX grown to $mb MiB"
        check "$name" "$vsdisk" resize $kind.vhdx $mb
        check "$name: qemu-img info and vhdiinfo give $mb MiB to the byte" sizes_are vhdx $kind.vhdx $((mb * MiB))
        check "$name: vhdiinfo still says $kind" sh -c '
            vhdiinfo "$1" | grep -q "Disk type[[:space:]]*: $2"' _ $kind.vhdx \
            "$( [ $kind = fixed ] && echo Fixed || echo Dynamic)"
        check "$name: qemu-img check finds nothing wrong" qemu-img check -q -f vhdx $kind.vhdx
        check "$name: old content kept, new part zeros" qemu-img compare -q -f vhdx -F raw $kind.vhdx $kind.raw
        check "$name: vsdisk check: clean" "$vsdisk" check $kind.vhdx
    done
done
finish

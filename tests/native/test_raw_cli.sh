#!/bin/sh
# vsdisk convert from raw images: --source-format raw and the .raw/.img names; the new disk
# read back through qemu-img convert -f vpc -O raw and through vsdisk itself equals the source
# byte for byte (padded with zeros under --pad); a sparse source's dynamic disk has blocks only
# where the source has data; sizes that are not whole sectors refused; a VHD named .img read as
# raw; a raw file under another name refused as not a VHD or VHDX. TAP output.
# Usage: test_raw_cli.sh VSDISK
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
tap_dir=$tmp
. "$(dirname "$0")/tap.sh"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
seed=${VHD_TEST_SEED:-$(date +%s)}
echo "# seed $seed (replay with VHD_TEST_SEED=$seed)"
MiB=1048576

# random N FILE: N seeded random bytes.
n=0
random() {
    n=$((n + 1))
    python3 -c "import random,sys; r=random.Random($seed*1000+$n); sys.stdout.buffer.write(r.randbytes($1))" > "$2"
}
# back DISK OUT: the disk's content as qemu reads it.
back() { qemu-img convert -f vpc -O raw "$1" "$2"; }
# same_content DISK RAW: qemu and vsdisk (a fixed copy's data area) both read RAW's bytes.
same_content() {
    rm -f q.out v.vhd
    back "$1" q.out && cmp q.out "$2" &&
        "$vsdisk" convert "$1" v.vhd fixed && size=$(stat -c %s "$2") &&
        [ "$(stat -c %s v.vhd)" -eq $((size + 512)) ] && cmp -n "$size" v.vhd "$2"
}
# allocated DISK: the "N allocated" of vsdisk info.
allocated() { "$vsdisk" info "$1" | sed -n 's/^blocks: [0-9]* (\([0-9]*\) allocated)$/\1/p'; }

# A sparse 12 MiB image: data at the start of block 0, a hole in its middle, data to its end;
# a hole from block 1 into block 3; data in block 3; blocks 4 and 5 all hole.
truncate -s $((12 * MiB)) sparse.raw
random $MiB chunk; dd if=chunk of=sparse.raw bs=$MiB seek=0 conv=notrunc status=none
random $((MiB / 2)) chunk; dd if=chunk of=sparse.raw bs=512 seek=$((3 * MiB / 2 / 512)) conv=notrunc status=none
random $MiB chunk; dd if=chunk of=sparse.raw bs=$MiB seek=7 conv=notrunc status=none
check "the sparse source keeps its holes on this file system" \
    sh -c "[ \$(stat -c %b sparse.raw) -lt $((12 * MiB / 512)) ]"
before=$(sha256sum sparse.raw)
check "--source-format raw to a dynamic VHD: exit 0" "$vsdisk" convert --source-format raw sparse.raw d.vhd dynamic
check "the dynamic VHD holds the raw bytes (qemu and vsdisk)" same_content d.vhd sparse.raw
check "the dynamic VHD allocates only the blocks with data (0 and 3)" test "$(allocated d.vhd)" = 2
check "--source-format=raw to a fixed VHD: exit 0" "$vsdisk" convert --source-format=raw sparse.raw f.vhd fixed
check "the fixed VHD holds the raw bytes and is the size plus a footer" same_content f.vhd sparse.raw
check "the fixed VHD's size is exact (vsdisk info)" sh -c "'$vsdisk' info f.vhd | grep -qx 'size: $((12 * MiB))'"
check "the source was not changed" test "$(sha256sum sparse.raw)" = "$before"

# Names: .raw and .img in any case are raw without the option.
random $((3 * MiB)) plain.bin
cp plain.bin plain.RAW; cp plain.bin plain.Img
check "a .RAW name is read as raw" sh -c "'$vsdisk' convert -p plain.RAW n1.vhd dynamic 2>/dev/null"
check "its VHD holds the bytes" same_content n1.vhd plain.bin
check "an .Img name is read as raw" "$vsdisk" convert plain.Img n2.vhd fixed
check "its VHD holds the bytes" same_content n2.vhd plain.bin
check "the options may follow the operands' start" "$vsdisk" convert plain.bin --source-format raw n3.vhd dynamic
check "its VHD holds the bytes" same_content n3.vhd plain.bin

# A raw file under another name, without the option: refused, nothing written.
check "a raw file named .bin without the option: exit 1, not a VHD or VHDX" sh -c "
    ! '$vsdisk' convert plain.bin x.vhd dynamic 2> err && cat err &&
    grep -q '^vsdisk convert: plain.bin: not a VHD or VHDX (a raw image is read with --source-format raw, or when its name ends in .raw or .img): ' err &&
    [ ! -e x.vhd ] && [ -z \"\$(ls | grep partial)\" ]"
check "--source-format vhd reads by content (the same refusal)" sh -c "
    ! '$vsdisk' convert --source-format vhd plain.bin x.vhd dynamic 2> err && grep -q 'not a VHD or VHDX' err"
check "--source-format qcow2: exit 2" sh -c "
    '$vsdisk' convert --source-format qcow2 plain.bin x.vhd dynamic 2> err; [ \$? -eq 2 ] && cat err &&
    grep -qx \"vsdisk convert: the source format must be raw, vhd or vhdx, not 'qcow2'\" err"
check "--source-format without a format: exit 2" sh -c "
    '$vsdisk' convert plain.bin x.vhd dynamic --source-format 2> err; [ \$? -eq 2 ]"
check "--pad on a VHD source: exit 2" sh -c "
    '$vsdisk' convert --pad n1.vhd x.vhd dynamic 2> err; [ \$? -eq 2 ] && grep -q 'raw source only' err"

# A VHD named .img is read as raw: its footer is data of the new disk.
cp f.vhd vhd-as.img
check "a VHD named .img is converted as raw" "$vsdisk" convert vhd-as.img v2.vhd fixed
check "its new disk is the whole VHD file, footer included" same_content v2.vhd vhd-as.img

# Sizes that are not whole sectors.
random $((3 * MiB + 1000)) odd.raw
check "a raw image of 3 MiB + 1000 bytes: exit 1 with the sizes and --pad" sh -c "
    ! '$vsdisk' convert odd.raw o.vhd dynamic 2> err && cat err &&
    grep -qx 'vsdisk convert: odd.raw: the raw image is $((3 * MiB + 1000)) bytes, not a whole number of 512-byte sectors (zeros up to $((3 * MiB + 1024)) bytes would make it one); --pad adds the zeros' err &&
    [ ! -e o.vhd ]"
cp odd.raw padded.expect; truncate -s $((3 * MiB + 1024)) padded.expect
for type in dynamic fixed; do
    check "--pad: a $type VHD of 3 MiB + 1024 bytes" "$vsdisk" convert --pad odd.raw "o-$type.vhd" "$type"
    check "--pad: the $type VHD holds the bytes and 24 zeros" same_content "o-$type.vhd" padded.expect
done
check "--pad never changed the source" test "$(stat -c %s odd.raw)" -eq $((3 * MiB + 1000))
check "the help names the raw options" sh -c "'$vsdisk' convert --help | grep -q -- '--source-format raw' &&
    '$vsdisk' convert --help | grep -q -- '--pad' && '$vsdisk' convert --help | grep -q 'even a VHD'"
finish

#!/bin/sh
# vsdisk resize from the command line, read back by other readers: a dynamic VHD grown past
# its table's padding and a fixed one, each read by qemu-img (default options) and vhdiinfo at
# the new size, the old content intact and the new part zeros (qemu-img compare with the raw
# content from before: the larger image's extra part must be zeros); --dry-run and a resize to
# the same size write nothing; refusals (differencing, shrink below the minimum, a size the format
# forbids) exit 1 with nothing written; bad arguments exit 2. Shrinks down to the minimum size of
# disks partitioned by sfdisk (MBR, GPT) and of one without a partition table, refused below
# it with the minimum in the message.
# VHDX: grown past its table's region (qemu's and vsdisk's), a differencing VHDX grown past its
# parent, MBR and GPT VHDX shrunk down to the partition's end.
# Usage: test_resize.sh VSDISK
set -eu
vsdisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"
d=$tap_dir/disks
mkdir "$d"

# size_is DISK BYTES: qemu-img and vhdiinfo both read DISK at BYTES (qemu-img's own reading
# of a fixed VHD adds the footer, as for a disk vsdisk creates at that size: QEMU_EXTRA).
size_is() {
    q=$(qemu-img info --output=json "$1" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')
    v=$(vhdiinfo "$1" | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p')
    [ "$q" = "$(($2 + ${QEMU_EXTRA:-0}))" ] && [ "$v" = "$2" ] \
        || { echo "qemu-img: $q, vhdiinfo: $v, expected $2"; return 1; }
}

same_content() {   # DISK RAW: DISK's content is RAW's, then zeros
    qemu-img compare -q -f vpc -F raw "$1" "$2"
}

unchanged() {      # DESCRIPTION EXPECTED_STATUS FILE ARGS...: exit status and no byte written
    desc=$1 want=$2 file=$3
    shift 3
    cp "$file" "$tap_dir/before"
    set +e
    "$vsdisk" resize "$@" > "$tap_dir/out" 2>&1
    got=$?
    set -e
    if [ "$got" = "$want" ] && cmp -s "$file" "$tap_dir/before"; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc (exit $got, expected $want)"
        sed 's/^/# /' "$tap_dir/out"
    fi
}

# A dynamic VHD with data at its start and end, grown to 3 GiB: 1536 table entries, past the
# 1024 its 4 KiB of table padding holds, so the first block moves.
"$vsdisk" create "$d/dyn.vhd" 64M > /dev/null
qemu-io -f vpc -c 'write -P 0x5a 0 3M' -c 'write -P 0xa5 63M 1M' "$d/dyn.vhd" > /dev/null
qemu-img convert -f vpc -O raw "$d/dyn.vhd" "$d/dyn.raw"
unchanged "--dry-run writes nothing" 0 "$d/dyn.vhd" --dry-run "$d/dyn.vhd" 3G
check "the dry run says a block would move" grep -q "would grow from 64 MiB to 3 GiB.*1 block to move" "$tap_dir/out"
check "dynamic VHD grown to 3 GiB" "$vsdisk" resize "$d/dyn.vhd" 3G
check "qemu-img and vhdiinfo read 3 GiB" size_is "$d/dyn.vhd" 3221225472
check "old content kept, new part zeros (qemu-img compare)" same_content "$d/dyn.vhd" "$d/dyn.raw"
# The moved block's old place, less the table's growth, is space nothing refers to: vsdisk
# check reports it as a leak only (exit 3), never a corruption.
check "vsdisk check: the moved block's old place leaked, nothing corrupt" sh -c "\"$vsdisk\" check \"$d/dyn.vhd\" > /dev/null; test \$? -eq 3"
unchanged "the same size again writes nothing" 0 "$d/dyn.vhd" "$d/dyn.vhd" 3072
check "and says so" grep -q "already 3 GiB" "$tap_dir/out"
check "grown again, to 2040 GiB (a 4 MiB table over the leaked space), with -p" sh -c "\"$vsdisk\" resize -p \"$d/dyn.vhd\" 2040G 2> \"$tap_dir/progress\""
check "-p: progress lines on stderr (not a terminal), the last one 100%" sh -c "grep -q '^vsdisk resize: *[0-9]*%' \"$tap_dir/progress\" && tail -n 1 \"$tap_dir/progress\" | grep -q '100%'"
check "qemu-img and vhdiinfo read 2040 GiB" size_is "$d/dyn.vhd" 2190433320960
check "vsdisk check: clean" "$vsdisk" check "$d/dyn.vhd"
check "old content kept, new part zeros" same_content "$d/dyn.vhd" "$d/dyn.raw"

# A fixed VHD: the file is the new size plus its footer.
"$vsdisk" create --fixed "$d/fixed.vhd" 16M > /dev/null
qemu-io -f vpc -c 'write -P 0x33 1M 1M' -c 'write -P 0x44 15M 1M' "$d/fixed.vhd" > /dev/null
qemu-img convert -f vpc -O raw "$d/fixed.vhd" "$d/fixed.raw"
check "fixed VHD grown to 48 MiB" "$vsdisk" resize "$d/fixed.vhd" 48M
check "the file is 48 MiB + 512" test "$(wc -c < "$d/fixed.vhd")" -eq 50332160
QEMU_EXTRA=512 check "qemu-img and vhdiinfo read 48 MiB" size_is "$d/fixed.vhd" 50331648
check "old content kept, new part zeros" same_content "$d/fixed.vhd" "$d/fixed.raw"
check "vsdisk check: clean" "$vsdisk" check "$d/fixed.vhd"

# Refusals, nothing written.
"$vsdisk" create --parent "$d/fixed.vhd" "$d/child.vhd" > /dev/null
unchanged "a differencing VHD refused" 1 "$d/child.vhd" "$d/child.vhd" 64M
check "with the reason" grep -q "differencing VHD cannot be resized" "$tap_dir/out"
unchanged "a fixed disk without a partition table is all allocated data: no shrink" 1 "$d/fixed.vhd" "$d/fixed.vhd" 32M
check "with the minimum" grep -q "below 50331648 bytes (48 MiB, rounded up), the end of its last allocated data" "$tap_dir/out"
unchanged "a VHD above 2040 GiB refused" 1 "$d/fixed.vhd" "$d/fixed.vhd" 2041G
check "with the rule" grep -q "2040 GiB" "$tap_dir/out"

# VHDX, dynamic and fixed (32 MiB blocks): qemu-img reads and checks each at the new size.
for kind in dynamic fixed; do
    "$vsdisk" create --$kind "$d/$kind.vhdx" 64M > /dev/null
    qemu-io -f vhdx -c 'write -P 0x5a 0 3M' -c 'write -P 0xa5 63M 1M' "$d/$kind.vhdx" > /dev/null
    qemu-img convert -f vhdx -O raw "$d/$kind.vhdx" "$d/$kind.vhdx.raw"
    check "$kind VHDX grown to 1 GiB" "$vsdisk" resize "$d/$kind.vhdx" 1G
    check "qemu-img reads 1 GiB" sh -c "qemu-img info --output=json \"$d/$kind.vhdx\" | grep -q '\"virtual-size\": 1073741824,'"
    check "qemu-img check finds nothing wrong" qemu-img check -q -f vhdx "$d/$kind.vhdx"
    check "old content kept, new part zeros" qemu-img compare -q -f vhdx -F raw "$d/$kind.vhdx" "$d/$kind.vhdx.raw"
    check "vsdisk check: clean" "$vsdisk" check "$d/$kind.vhdx"
done
check "the fixed VHDX's new blocks are reserved: the file holds 1 GiB of blocks" test "$(du -k "$d/fixed.vhdx" | cut -f1)" -ge 1048576

# A VHDX whose table outgrows its 1 MiB region (131,072 entries), made by qemu (its metadata
# region right after its table) with 1 MiB blocks and made by vsdisk with 32 MiB ones: the
# table is written anew at the end of the file. Content checked with qemu-io's patterns (a
# compare would read the whole disk).
qemu-img create -q -f vhdx -o block_size=1M "$d/q.vhdx" 64M
qemu-io -f vhdx -c 'write -P 0x5a 0 3M' -c 'write -P 0xa5 63M 1M' "$d/q.vhdx" > /dev/null
unchanged "--dry-run writes nothing (VHDX table outgrows its region)" 0 "$d/q.vhdx" --dry-run "$d/q.vhdx" 200G
check "the dry run says the table would be written anew" grep -q "would grow from 64 MiB to 200 GiB.*block table to be written anew" "$tap_dir/out"
check "qemu's dynamic VHDX (1 MiB blocks) grown to 200 GiB" "$vsdisk" resize "$d/q.vhdx" 200G
check "qemu-img and vhdiinfo read 200 GiB" size_is "$d/q.vhdx" 214748364800
check "qemu-img check finds nothing wrong" qemu-img check -q -f vhdx "$d/q.vhdx"
check "old content kept, new part zeros" qemu-io -f vhdx -c 'read -P 0x5a 0 3M' -c 'read -P 0 3M 60M' -c 'read -P 0xa5 63M 1M' -c 'read -P 0 64M 64M' -c 'read -P 0 199G 1G' "$d/q.vhdx"
check "vsdisk check: nothing corrupt (the old table's region at most leaked)" sh -c "\"$vsdisk\" check \"$d/q.vhdx\" > /dev/null; s=\$?; test \$s -eq 0 -o \$s -eq 3"
check "qemu writes into the grown disk" qemu-io -f vhdx -c 'write -P 0x77 150G 2M' -c 'read -P 0x77 150G 2M' "$d/q.vhdx"
check "and qemu-img check still finds nothing wrong" qemu-img check -q -f vhdx "$d/q.vhdx"
check "vsdisk's dynamic VHDX (32 MiB blocks) grown to 8 TiB" "$vsdisk" resize "$d/dynamic.vhdx" 8T
check "qemu-img and vhdiinfo read 8 TiB" size_is "$d/dynamic.vhdx" 8796093022208
check "qemu-img check finds nothing wrong" qemu-img check -q -f vhdx "$d/dynamic.vhdx"
check "old content kept, new part zeros" qemu-io -f vhdx -c 'read -P 0x5a 0 3M' -c 'read -P 0xa5 63M 1M' -c 'read -P 0 1G 64M' -c 'read -P 0 8191G 1G' "$d/dynamic.vhdx"

# A differencing VHDX grown past its parent: the parent's content, then zeros (read through
# vsdisk's chain reader by a convert to raw), the parent untouched.
"$vsdisk" create "$d/base.vhdx" 64M > /dev/null
qemu-io -f vhdx -c 'write -P 0x3c 0 2M' -c 'write -P 0xc3 62M 2M' "$d/base.vhdx" > /dev/null
qemu-img convert -f vhdx -O raw "$d/base.vhdx" "$d/base.raw"
"$vsdisk" create --parent "$d/base.vhdx" "$d/child.vhdx" > /dev/null
cp "$d/base.vhdx" "$d/base.before"
check "a differencing VHDX grown to 256 MiB, past its parent" "$vsdisk" resize "$d/child.vhdx" 256M
check "vhdiinfo reads 256 MiB" sh -c "vhdiinfo \"$d/child.vhdx\" | grep -q 'Media size.*(268435456 bytes)'"
check "vsdisk info reads 256 MiB" sh -c "\"$vsdisk\" info \"$d/child.vhdx\" | grep -q '268435456'"
check "the parent untouched" cmp -s "$d/base.vhdx" "$d/base.before"
rm -f "$d/child.raw"
check "read through the chain: the parent's content, then zeros" sh -c "\"$vsdisk\" convert \"$d/child.vhdx\" \"$d/child.raw\" raw > /dev/null && truncate -s 256M \"$d/base.raw\" && cmp \"$d/child.raw\" \"$d/base.raw\""
check "vsdisk check: the chain is clean" "$vsdisk" check "$d/child.vhdx"
unchanged "a differencing VHDX shrink refused" 1 "$d/child.vhdx" "$d/child.vhdx" 64M
check "with the reason" grep -q "shrinking a differencing VHDX is not supported" "$tap_dir/out"

# Shrinking down to the minimum size: partitions made by sfdisk (MBR on a fixed VHD, GPT on a
# dynamic one), and a dynamic VHD without a partition table (its last allocated data).
PATH=$PATH:/usr/sbin:/sbin
"$vsdisk" create --fixed "$d/mbr.vhd" 64M > /dev/null
printf 'label: dos\nstart=2048, size=32768, type=83\n' | sfdisk -q "$d/mbr.vhd"
qemu-io -f vpc -c 'write -P 0x5a 2M 4M' "$d/mbr.vhd" > /dev/null
qemu-img convert -f vpc -O raw "$d/mbr.vhd" "$d/mbr.raw"
truncate -s 17M "$d/mbr.raw"
unchanged "MBR: below the partition's end refused" 1 "$d/mbr.vhd" "$d/mbr.vhd" 16M
check "with the minimum" grep -q "below 17825792 bytes (17 MiB, rounded up), the end of its last MBR partition" "$tap_dir/out"
check "MBR: shrunk to the partition's end" "$vsdisk" resize "$d/mbr.vhd" 17M
QEMU_EXTRA=512 check "qemu-img and vhdiinfo read 17 MiB" size_is "$d/mbr.vhd" 17825792
check "the content up to the new end kept" same_content "$d/mbr.vhd" "$d/mbr.raw"
check "the file is 17 MiB + 512" test "$(wc -c < "$d/mbr.vhd")" -eq 17826304
check "sfdisk reads the partition" sh -c "sfdisk -d \"$d/mbr.vhd\" | grep -q 'start= *2048, size= *32768'"
truncate -s 64M "$d/gpt.img"
printf 'label: gpt\nstart=2048, size=40960\n' | sfdisk -q "$d/gpt.img"
"$vsdisk" convert "$d/gpt.img" "$d/gpt.vhd" dynamic > /dev/null
unchanged "GPT: below the partition's end refused" 1 "$d/gpt.vhd" "$d/gpt.vhd" 20M
check "with the minimum" grep -q "below 22020096 bytes (21 MiB, rounded up), the end of its last GPT partition" "$tap_dir/out"
check "GPT: shrunk to the partition's end" "$vsdisk" resize "$d/gpt.vhd" 21M
QEMU_EXTRA=0 check "qemu-img and vhdiinfo read 21 MiB" size_is "$d/gpt.vhd" 22020096
check "the GPT and the partition kept" sh -c "head -c 21M \"$d/gpt.img\" > \"$d/gpt21.raw\" && qemu-img compare -q -f vpc -F raw \"$d/gpt.vhd\" \"$d/gpt21.raw\""
"$vsdisk" create "$d/plain.vhd" 64M > /dev/null
qemu-io -f vpc -c 'write -P 0x11 0 3M' "$d/plain.vhd" > /dev/null
unchanged "no partition table: below the last allocated block refused" 1 "$d/plain.vhd" "$d/plain.vhd" 3M
check "with the minimum" grep -q "below 4194304 bytes (4 MiB, rounded up), the end of its last allocated data" "$tap_dir/out"
check "no partition table: shrunk to the last allocated block" "$vsdisk" resize "$d/plain.vhd" 4M
check "vsdisk check: no corruption (the blocks past the end leaked at most)" sh -c "\"$vsdisk\" check \"$d/plain.vhd\" > /dev/null; test \$? -eq 0 -o \$? -eq 3"
# VHDX shrinks: MBR and GPT disks partitioned by sfdisk, converted to dynamic VHDX.
for label in dos gpt; do
    rm -f "$d/$label.img" "$d/$label.vhdx"
    truncate -s 64M "$d/$label.img"
    printf 'label: %s\nstart=2048, size=40960\n' "$label" | sfdisk -q "$d/$label.img"
    "$vsdisk" convert "$d/$label.img" "$d/$label.vhdx" dynamic > /dev/null
    qemu-io -f vhdx -c 'write -P 0x6b 2M 18M' -c 'write -P 0x6d 24M 1M' -c 'write -P 0x6c 40M 8M' "$d/$label.vhdx" > /dev/null
    qemu-img convert -f vhdx -O raw "$d/$label.vhdx" "$d/$label.raw"
    truncate -s 21M "$d/$label.raw"
    unchanged "$label VHDX: below the partition's end refused" 1 "$d/$label.vhdx" "$d/$label.vhdx" 20M
    check "with the minimum" grep -q "below 22020096 bytes (21 MiB, rounded up), the end of its last" "$tap_dir/out"
    check "$label VHDX: shrunk to the partition's end" "$vsdisk" resize "$d/$label.vhdx" 21M
    check "qemu-img and vhdiinfo read 21 MiB" size_is "$d/$label.vhdx" 22020096
    check "qemu-img check finds nothing wrong" qemu-img check -q -f vhdx "$d/$label.vhdx"
    check "the content up to the new end kept" qemu-img compare -q -f vhdx -F raw "$d/$label.vhdx" "$d/$label.raw"
    check "the blocks past the end dropped: the file is smaller than 40 MiB" test "$(wc -c < "$d/$label.vhdx")" -lt 41943040
    # 24 MiB held data in the kept block, past the new end: the grow must zero it.
    check "grown again, the dropped part reads zeros" sh -c "\"$vsdisk\" resize \"$d/$label.vhdx\" 64M > /dev/null && qemu-io -f vhdx -c 'read -P 0 21M 43M' \"$d/$label.vhdx\" > /dev/null"
done
check "sfdisk reads the shrunk GPT disk's partition (from a raw copy)" sh -c "qemu-img convert -f vhdx -O raw \"$d/gpt.vhdx\" \"$d/gpt2.raw\" && sfdisk -d \"$d/gpt2.raw\" 2>/dev/null | grep -q 'start= *2048, size= *40960'"
unchanged "a VHDX size above 64 TiB: usage" 2 "$d/dynamic.vhdx" "$d/dynamic.vhdx" 65T
unchanged "a size that is not whole MB: usage" 2 "$d/fixed.vhd" "$d/fixed.vhd" 12.5M
unchanged "no size: usage" 2 "$d/fixed.vhd" "$d/fixed.vhd"
unchanged "an unknown option: usage" 2 "$d/fixed.vhd" --shrink "$d/fixed.vhd" 64M
check "the help says a parent's children break" sh -c "\"$vsdisk\" resize --help | grep -q 'children'"
finish

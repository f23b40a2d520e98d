#!/bin/sh
# VHDX disks made by vsdisk's writers (through vhdx_make), checked by independent readers:
# qemu-img and qemu-io (qemu: dynamic and fixed, 512-byte logical sectors only, since qemu 7.2
# refuses 4 KiB-sector VHDX and every differencing VHDX) and vhdiinfo (libvhdi: every kind),
# and by vsdisk's own reader (vhdx_dump, vhdx_chain). Data written with qemu-io at unaligned
# offsets reads back in qemu and in vsdisk's reader exactly as in a raw file given the same
# writes. Children are read through the chain with vsdisk's reader (libvhdi 20210425 misreads
# a child's NOT_PRESENT blocks, see vhdx_chain_tool.c); parents are never changed.
# Usage: test_vhdx_writers_interop.sh VHDX_MAKE VHDX_DUMP VHDX_CHAIN SAMPLES_DIR
set -eu
make_disk=$1
dump=$2
chain=$3
samples=$4
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/../native/tap.sh"

for tool in vhdiinfo qemu-img qemu-io sha256sum bzip2; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "Bail out! $tool not found (install libvhdi-utils, qemu-utils, bzip2)"
        exit 1
    fi
done

MiB=1048576
work="$tap_dir/work"
mkdir "$work"

# value KEY FILE: the value vhdiinfo (or vhdx_dump) printed for KEY.
value() {
    sed -n "s/^[[:space:]]*$1[[:space:]]*: //p" "$2"
}
# guid_of FILE: the DataWriteGuid vsdisk's reader finds, lower case without braces (as
# vhdiinfo prints its "Identifier").
guid_of() {
    "$dump" "$1" | sed -n 's/^data_write_guid: {\(.*\)}$/\1/p' | tr 'A-F' 'a-f'
}
# vhdiinfo_is FILE TYPE SIZE SECTOR: vhdiinfo describes FILE as TYPE, SIZE bytes, SECTOR bytes
# per sector, with the DataWriteGuid as its identifier.
vhdiinfo_is() {
    vhdiinfo "$1" > "$tap_dir/info" && cat "$tap_dir/info" &&
        [ "$(value "Disk type" "$tap_dir/info")" = "$2" ] &&
        value "Media size" "$tap_dir/info" | grep -q "($3 bytes)" &&
        [ "$(value "Bytes per sector" "$tap_dir/info")" = "$4 bytes" ] &&
        [ "$(value "Identifier" "$tap_dir/info")" = "$(guid_of "$1")" ]
}
# qemu_clean FILE: qemu-img check finds nothing wrong.
qemu_clean() {
    qemu-img check -f vhdx "$1" > "$tap_dir/check" 2>&1; status=$?
    cat "$tap_dir/check"
    [ "$status" -eq 0 ] && grep -q "^No errors were found on the image.$" "$tap_dir/check"
}
# qemu_sizes FILE SIZE BLOCK: qemu-img info shows the exact virtual size and the block size.
qemu_sizes() {
    qemu-img info -f vhdx --output=json "$1" > "$tap_dir/qemu.json" && cat "$tap_dir/qemu.json" &&
        grep -q "\"virtual-size\": $2," "$tap_dir/qemu.json" &&
        grep -q "\"cluster-size\": $3," "$tap_dir/qemu.json"
}
# vsdisk_reads FILE RAW: vsdisk's reader gives RAW's bytes.
vsdisk_reads() {
    "$dump" "$1" "$tap_dir/dump.raw" > /dev/null && cmp "$tap_dir/dump.raw" "$2"
}
# snapshot FILE: what must not change about a parent.
snapshot() {
    echo "$(sha256sum < "$1") $(stat -c '%s %y' "$1")"
}

# ---- Dynamic and fixed disks -----------------------------------------------------------
# kind size block logical physical (0: the default)
while read -r kind size block logical physical; do
    disk="$work/$kind-$size-$block-$logical.vhdx"
    want_block=$block; [ "$block" -eq 0 ] && want_block=$((32 * MiB))
    want_logical=$logical; [ "$logical" -eq 0 ] && want_logical=512
    want_physical=$physical; [ "$physical" -eq 0 ] && want_physical=4096
    name="$kind $size bytes, blocks $want_block, sectors $want_logical/$want_physical"
    type=Dynamic; [ "$kind" = fixed ] && type=Fixed
    check "$name: created" "$make_disk" "$kind" "$disk" "$size" "$block" "$logical" "$physical"
    check "$name: vhdiinfo: $type, $size bytes, $want_logical-byte sectors, DataWriteGuid" \
        vhdiinfo_is "$disk" "$type" "$size" "$want_logical"
    # Content read whole up to 1 GiB (a 64 TiB disk: its metadata only).
    small=$(( size <= 1024 * MiB ))
    if [ "$small" -eq 1 ]; then
        truncate -s "$size" "$tap_dir/zero.raw"
        check "$name: vsdisk's reader reads zeros" vsdisk_reads "$disk" "$tap_dir/zero.raw"
    fi
    if [ "$kind" = fixed ]; then
        check "$name: allocated on the volume, not sparse" sh -c '
            [ $(( $(stat -c "%b * %B" "$1") )) -ge "$(stat -c %s "$1")" ]' _ "$disk"
    fi
    if [ "$want_logical" -eq 512 ]; then
        check "$name: qemu-img check: no errors" qemu_clean "$disk"
        check "$name: qemu-img info: exactly $size bytes, cluster $want_block" \
            qemu_sizes "$disk" "$size" "$want_block"
        if [ "$small" -eq 1 ]; then
            check "$name: qemu-img compare: reads as zeros" \
                qemu-img compare -f vhdx -F raw "$disk" "$tap_dir/zero.raw"
        fi
    fi
    rm -f "$tap_dir/zero.raw"
    [ "$size" -gt $((1024 * MiB)) ] && rm -f "$disk"
done <<EOF
dynamic 3145728 0 0 0
dynamic 104858112 0 512 512
dynamic 1073741824 1048576 512 4096
dynamic 1073741824 268435456 0 0
dynamic 70368744177664 0 0 0
dynamic 67108864 1048576 4096 4096
dynamic 67108864 0 4096 512
fixed 3145728 1048576 0 0
fixed 104858112 2097152 0 0
fixed 67108864 8388608 512 512
fixed 67108864 1048576 4096 4096
EOF

# Unaligned writes through qemu-io land where a raw file given the same writes has them.
writes() {
    last=$(($1 - 1000))
    echo "-c 'write -P 0x5a 1234567 7777' -c 'write -P 0xa5 $((2 * MiB - 300)) 600'" \
         "-c 'write -P 0x33 $last 1000' -c 'write -P 0x0f 33554431 3'"
}
for kind in dynamic fixed; do
    size=$((64 * MiB + 512))
    disk="$work/io-$kind.vhdx"
    raw="$tap_dir/io-$kind.raw"
    check "$kind for qemu-io: created (2 MiB blocks)" "$make_disk" "$kind" "$disk" "$size" $((2 * MiB))
    truncate -s "$size" "$raw"
    check "$kind: qemu-io writes at unaligned offsets" sh -c "
        qemu-io -f vhdx $(writes "$size") '$disk' && qemu-io -f raw $(writes "$size") '$raw'"
    check "$kind: qemu-io reads them back" sh -c "
        qemu-io -f vhdx -c 'read -P 0x5a 1234567 7777' -c 'read -P 0x33 $((size - 1000)) 1000' \
            -c 'read -P 0xa5 $((2 * MiB - 300)) 600' -c 'read -P 0 0 1234567' '$disk' > '$tap_dir/io' 2>&1
        cat '$tap_dir/io'; ! grep -qi -e fail -e error -e mismatch '$tap_dir/io' &&
        [ \"\$(grep -c '^read' '$tap_dir/io')\" -eq 4 ]"
    check "$kind: qemu-img check after the writes: no errors" qemu_clean "$disk"
    check "$kind: qemu-img compare: equal to the raw file" \
        qemu-img compare -f vhdx -F raw "$disk" "$raw"
    check "$kind: vsdisk's reader: equal to the raw file" vsdisk_reads "$disk" "$raw"
    if [ "$kind" = fixed ]; then
        # A fixed disk's blocks are all there: writes never grow the file.
        check "fixed: the file did not grow" sh -c '
            [ "$(stat -c %s "$1")" -eq $((4 * 1048576 + 33 * 2 * 1048576)) ]' _ "$disk"
    fi
done

# ---- Differencing disks ------------------------------------------------------------------
mkdir "$work/base"
bzip2 -dc "$samples/iotest-dynamic-1G.vhdx.bz2" > "$work/base/hyperv.vhdx"
"$make_disk" dynamic "$work/base/data.vhdx" $((64 * MiB)) $((2 * MiB))
qemu-io -f vhdx -c "write -P 0x5a 1234567 77777" -c "write -P 0x33 $((64 * MiB - 1000)) 1000" \
    "$work/base/data.vhdx" > /dev/null
"$make_disk" fixed "$work/base/fixed.vhdx" $((8 * MiB)) $((1 * MiB))
"$make_disk" dynamic "$work/base/4k.vhdx" $((16 * MiB)) 0 4096 4096

for parent_name in data hyperv fixed 4k; do
    parent="$work/base/$parent_name.vhdx"
    child="$work/base/child-of-$parent_name.vhdx"
    before=$(snapshot "$parent")
    "$dump" "$parent" > "$tap_dir/parent.dump"
    size=$(value virtual_size "$tap_dir/parent.dump")
    sector=$(value logical_sector_size "$tap_dir/parent.dump")
    check "child of $parent_name: created" "$make_disk" differencing "$child" "$parent"
    check "child of $parent_name: vhdiinfo: Differential, the parent's size and sectors" \
        vhdiinfo_is "$child" Differential "$size" "$sector"
    check "child of $parent_name: vhdiinfo: parent identifier = the parent's DataWriteGuid" sh -c '
        vhdiinfo "$1" > "$3" && cat "$3" &&
        grep -q "Parent identifier[[:space:]]*: $2\$" "$3"' _ "$child" "$(guid_of "$parent")" \
        "$tap_dir/info"
    check "child of $parent_name: vhdiinfo: parent filename = absolute_win32_path" sh -c '
        vhdiinfo "$1" | grep -q "Parent filename[[:space:]]*: $2\$"' _ "$child" "$parent"
    check "child of $parent_name: vsdisk's reader: differencing, every block NOT_PRESENT, keys" sh -c '
        "$1" "$2" > "$4" && cat "$4" && grep -q "^kind: differencing$" "$4" &&
        [ "$(grep -c "^payload_state_" "$4")" -eq 1 ] && grep -q "^payload_state_0: " "$4" &&
        grep -q "^locator: relative_path=.\\\\$3.vhdx$" "$4" &&
        [ "$(grep -c "^locator: " "$4")" -eq 3 ] &&
        [ "$(sed -n "s/^virtual_disk_id: //p" "$4")" = \
          "$(sed -n "s/^virtual_disk_id: //p" "$5")" ]' \
        _ "$dump" "$child" "$parent_name" "$tap_dir/child.dump" "$tap_dir/parent.dump"
    if [ "$sector" -eq 512 ]; then
        qemu-img convert -f vhdx -O raw "$parent" "$tap_dir/parent.raw"
    else
        "$dump" "$parent" "$tap_dir/parent.raw" > /dev/null
    fi
    check "child of $parent_name: the chain reads as the parent" sh -c '
        "$1" "$2" "$3" "$4" && cmp "$2" "$5"' _ "$chain" "$tap_dir/chain.raw" "$child" "$parent" \
        "$tap_dir/parent.raw"
    check "child of $parent_name: the parent is unchanged (bytes, size, mtime)" \
        sh -c '[ "$(echo "$(sha256sum < "$1") $(stat -c "%s %y" "$1")")" = "$2" ]' _ "$parent" "$before"
    rm -f "$tap_dir/parent.raw" "$tap_dir/chain.raw"
done
# ---- A crash at the commit ---------------------------------------------------------------
# What a power cut leaves when the headers' write did not land, or landed torn inside header
# 1's fields: every other byte written and flushed. Every reader must refuse it (qemu by its
# probe too: the file says "vhdxfile", so qemu never takes it for a raw disk). When header 1
# landed whole and header 2 did not, the file is the complete disk: qemu and vsdisk open it and
# it reads as zeros (libvhdi wants both headers and refuses it: also safe).
refused_by_all() {
    status=0
    qemu-img info "$1" > "$tap_dir/r" 2>&1 && status=1
    qemu-img info -f vhdx "$1" >> "$tap_dir/r" 2>&1 && status=1
    vhdiinfo "$1" >> "$tap_dir/r" 2>&1 && status=1
    "$dump" "$1" >> "$tap_dir/r" 2>&1 && status=1
    cat "$tap_dir/r"
    [ "$status" -eq 0 ] && [ "$(grep -c "No valid VHDX header found" "$tap_dir/r")" -eq 2 ] &&
        grep -q "no valid VHDX header" "$tap_dir/r"
}
for crash in before-commit torn-commit; do
    for kind in dynamic fixed differencing; do
        disk="$work/crash-$crash-$kind.vhdx"
        arg=$((8 * MiB)); [ "$kind" = differencing ] && arg="$work/base/data.vhdx"
        check "$kind, crashed $crash: the remains are left, as a power cut leaves them" sh -c '
            VHDX_MAKE_CRASH=$1 "$2" "$3" "$4" "$5" $6 2>/dev/null; [ -f "$4" ]' \
            _ "$crash" "$make_disk" "$kind" "$disk" "$arg" "$MiB" &&
        check "$kind, crashed $crash: refused by every reader" refused_by_all "$disk"
    done
done

for kind in dynamic fixed; do
    disk="$work/crash-half-commit-$kind.vhdx"
    check "$kind, crashed after header 1: a complete disk (qemu-img check, zeros)" sh -c '
        VHDX_MAKE_CRASH=half-commit "$1" "$2" "$3" $((8 * 1048576)) 1048576 2>/dev/null
        qemu-img check -f vhdx "$3" && truncate -s $((8 * 1048576)) "$4" &&
        qemu-img compare -f vhdx -F raw "$3" "$4" && "$5" "$3" | grep -q "^current_header: 1$"' \
        _ "$make_disk" "$kind" "$disk" "$tap_dir/zero8.raw" "$dump"
done

check "a child of a child of Hyper-V's disk: created, and described by vhdiinfo" sh -c '
    "$1" differencing "$2" "$3" && vhdiinfo "$2" | grep -q "Disk type[[:space:]]*: Differential"' \
    _ "$make_disk" "$work/base/grandchild.vhdx" "$work/base/child-of-hyperv.vhdx"

finish

#!/bin/sh
# Every kind of VHD vsdisk writes is read at its exact size by qemu with its default options
# (qemu sizes a VHD by its CHS geometry unless it trusts the creator application), by vhdiinfo
# and by libvhdi (pyvhdi), at small, odd and maximal sizes: dynamic, fixed, differencing, and
# the new disks of convert and merge. The last sector survives qemu-img convert -O raw. A disk
# vsdisk 0.2 made (creator "vsdk", read short by qemu) is read exactly once "vsdisk repair"
# has relabelled it, its data, unique id and modification time kept. TAP output.
# Usage: test_exact_size.sh VSDISK SPARSE_FIXED FX_WRITE
set -eu
vsdisk=$1 sparse_fixed=$2 fx_write=$3
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"

for tool in vhdiinfo qemu-img qemu-io python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
pyvhdi=""
for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import pyvhdi' 2>/dev/null; then pyvhdi=$candidate; break; fi
done
[ -n "$pyvhdi" ] || { echo "Bail out! no python3 with pyvhdi (install python3-libvhdi)"; exit 1; }
MiB=1048576
w=$tap_dir

# exact DISK SIZE: qemu-img info -f vpc (no other option), vhdiinfo and pyvhdi all say SIZE.
exact() {
    qemu-img info -f vpc --output=json "$1" > "$w/q.json" && cat "$w/q.json" &&
        grep -q "\"virtual-size\": $2," "$w/q.json" &&
        vhdiinfo "$1" > "$w/v.txt" && grep "Media size" "$w/v.txt" &&
        grep -q "Media size[[:space:]]*: .*($2 bytes)" "$w/v.txt" &&
        [ "$("$pyvhdi" -c 'import pyvhdi, sys; f = pyvhdi.file(); f.open(sys.argv[1]); print(f.get_media_size())' "$1")" = "$2" ]
}
# last_sector_kept DISK SIZE: a disk whose last sector holds 0x5a (written by the caller)
# converts with qemu-img convert -f vpc -O raw to SIZE bytes ending in that sector.
last_sector_kept() {
    rm -f "$w/out.raw"
    qemu-img convert -f vpc -O raw "$1" "$w/out.raw" && [ "$(stat -c %s "$w/out.raw")" -eq "$2" ] &&
        qemu-io -r -f raw -c "read -P 0x5a $(($2 - 512)) 512" "$w/out.raw" > "$w/io.txt" &&
        cat "$w/io.txt" && ! grep -qi -e fail -e error "$w/io.txt"
}
python3 -c 'import sys; sys.stdout.buffer.write(b"\x5a" * 512)' > "$w/sector"

for size_mb in 3 100 130048 2088960; do
    size=$((size_mb * MiB))
    d="$w/dyn-$size_mb.vhd" f="$w/fixed-$size_mb.vhd" c="$w/child-$size_mb.vhd"
    check "$size_mb MB dynamic: vsdisk create" "$vsdisk" create "$d" "$size_mb"
    check "$size_mb MB dynamic: exact size everywhere" exact "$d" "$size"
    if [ "$size_mb" -le 100 ]; then
        check "$size_mb MB fixed (vsdisk create --fixed): exact size everywhere" sh -c '
            "$1" create --fixed "$2" "$3"' _ "$vsdisk" "$f" "$size_mb"
    else
        # Too big to allocate here: the same writer, its data area reserved sparsely.
        check "$size_mb MB fixed (vsdisk's writer, sparse data area): exact size everywhere" \
            "$sparse_fixed" "$f" "$size_mb"
    fi
    check "$size_mb MB fixed: exact size everywhere" exact "$f" "$size"
    check "$size_mb MB differencing (vsdisk create --parent): exact size everywhere" sh -c '
        "$1" create --parent "$2" "$3"' _ "$vsdisk" "$d" "$c"
    check "$size_mb MB differencing: exact size everywhere" exact "$c" "$size"
    check "$size_mb MB vsdisk convert to dynamic: exact size everywhere" sh -c '
        "$1" convert "$2" "$3" dynamic' _ "$vsdisk" "$c" "$w/conv-$size_mb.vhd"
    check "$size_mb MB convert's disk: exact size everywhere" exact "$w/conv-$size_mb.vhd" "$size"
    check "$size_mb MB vsdisk merge (MergeTo) to dynamic: exact size everywhere" sh -c '
        "$1" merge "$2" "$3" dynamic' _ "$vsdisk" "$c" "$w/merged-$size_mb.vhd"
    check "$size_mb MB MergeTo's disk: exact size everywhere" exact "$w/merged-$size_mb.vhd" "$size"
    if [ "$size_mb" -eq 100 ]; then
        check "100 MB vsdisk convert to fixed" "$vsdisk" convert "$c" "$w/convf.vhd" fixed
        check "100 MB convert's fixed disk: exact size everywhere" exact "$w/convf.vhd" "$size"
        # The last sector, where a GPT keeps its backup header: written by qemu-io (by the
        # tests' own editor into the differencing disk, which qemu cannot write).
        qemu-io -f vpc -c "write -P 0x5a $((size - 512)) 512" "$d" > /dev/null
        qemu-io -f vpc -c "write -P 0x5a $((size - 512)) 512" "$f" > /dev/null
        "$fx_write" "$c" $((size - 512)) "$w/sector"
        "$vsdisk" convert "$c" "$w/convd.vhd" dynamic
        for disk in "$d" "$f" "$c" "$w/convd.vhd"; do
            check "100 MB $(basename "$disk"): data in the last sector survives qemu-img convert -O raw" \
                last_sector_kept "$disk" "$size"
        done
    fi
    rm -f "$d" "$f" "$c" "$w/conv-$size_mb.vhd" "$w/merged-$size_mb.vhd" "$w/convf.vhd" "$w/convd.vhd"
done

# ---- A disk of vsdisk 0.2: creator "vsdk", read short by qemu, relabelled by repair -------
# relabel_as_0_2 DISK: the creator application "vsdk" and version 0.2 in both footers, with
# their checksums, as vsdisk 0.1 and 0.2 wrote them.
relabel_as_0_2() {
    python3 - "$1" <<'PY'
import os, struct, sys
path = sys.argv[1]
with open(path, "r+b") as f:
    size = os.fstat(f.fileno()).st_size
    for offset in (0, size - 512):
        f.seek(offset)
        footer = bytearray(f.read(512))
        if footer[:8] != b"conectix":
            continue
        footer[28:32] = b"vsdk"
        footer[32:36] = struct.pack(">I", 2)
        footer[64:68] = b"\0\0\0\0"
        footer[64:68] = struct.pack(">I", ~sum(footer) & 0xFFFFFFFF)
        f.seek(offset)
        f.write(footer)
PY
}
old="$w/old.vhd" kid="$w/old-child.vhd"
"$vsdisk" create "$old" 100
qemu-io -f vpc -c "write -P 0x5a $((100 * MiB - 512)) 512" -c "write -P 0x33 0 4096" "$old" > /dev/null
relabel_as_0_2 "$old"
touch -d '2026-01-02 03:04:05' "$old"
"$vsdisk" create --parent "$old" "$kid"
check "a 0.2 disk: plain qemu reads it short (the defect repair fixes)" sh -c '
    qemu-img info -f vpc --output=json "$1" | grep -q "\"virtual-size\": 104761344,"' _ "$old"
before=$(sha256sum < "$old")
check "repair --dry-run: says what would change, changes no byte" sh -c '
    "$1" repair --dry-run "$2" > "$3" && cat "$3" &&
    grep -q "would change: creator application .vsdk. .*becomes .win .*96256 bytes short" "$3" &&
    [ "$(sha256sum < "$2")" = "$4" ]' _ "$vsdisk" "$old" "$w/out" "$before"
cp -p "$old" "$w/old.before"
check "repair: says what it changed" sh -c '
    "$1" repair "$2" > "$3" && cat "$3" && grep -q "changed: creator application" "$3"' \
    _ "$vsdisk" "$old" "$w/out"
check "repair: exact size everywhere" exact "$old" $((100 * MiB))
check "repair: only the creator application and checksum of both footers changed" sh -c '
    end=$(($(stat -c %s "$1") - 512))
    cmp -l "$1" "$2" > "$3"; cat "$3"
    [ "$(wc -l < "$3")" -ge 8 ] && awk -v end="$end" "
        { o = \$1 - 1; if (o >= end) o -= end
          if (!((o >= 28 && o < 32) || (o >= 64 && o < 68))) { print \"differs at \" \$1 - 1; bad = 1 } }
        END { exit bad }" "$3"' _ "$w/old.before" "$old" "$w/cmp"
check "repair: the data, the unique id and the modification time kept; its child still opens" sh -c '
    qemu-io -r -f vpc -c "read -P 0x33 0 4096" -c "read -P 0x5a $((100 * 1048576 - 512)) 512" "$1" > "$4" &&
    ! grep -qi -e fail -e error "$4" &&
    [ "$(stat -c %y "$1")" = "$(date -d "2026-01-02 03:04:05" "+%Y-%m-%d %H:%M:%S.000000000 %z")" ] &&
    "$2" info "$3" > "$4" && cat "$4" && grep -q "^parent file: $1\$" "$4"' _ "$old" "$vsdisk" "$kid" "$w/out"
check "repair again: nothing to repair, nothing written" sh -c '
    sum=$(sha256sum < "$2") && "$1" repair "$2" > "$3" && cat "$3" &&
    grep -q "nothing to repair" "$3" && [ "$(sha256sum < "$2")" = "$sum" ]' _ "$vsdisk" "$old" "$w/out"
check "repair of a disk vsdisk 0.3 made: nothing to repair" sh -c '
    "$1" create "$2" 3 && "$1" repair "$2" | grep -q "nothing to repair"' _ "$vsdisk" "$w/new.vhd"
check "repair of a file that is no disk: exit 1, one line, untouched" sh -c '
    echo hello > "$2" && ! "$1" repair "$2" 2> "$3" && cat "$3" && [ "$(wc -l < "$3")" -eq 1 ] &&
    [ "$(cat "$2")" = hello ]' _ "$vsdisk" "$w/text.vhd" "$w/err"

finish

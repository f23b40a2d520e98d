#!/bin/sh
# Interoperability: disks made by vhdcreate, opened by libvhdi (vhdiinfo) and qemu (qemu-img,
# qemu-io, with their default options, as users run them) at their exact size, written and read on both sides of a block boundary and at
# the last sector, and converted to raw. A missing tool fails the test (Debian packages
# libvhdi-utils and qemu-utils). Usage: test_interop.sh VHDCREATE SAMPLES_DIR
set -eu
vhdcreate=$1
samples=$2
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"

for tool in vhdiinfo qemu-img qemu-io od; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "Bail out! $tool not found (install libvhdi-utils and qemu-utils)"
        exit 1
    fi
done

MiB=1048576
block=$((2 * MiB))

# footer_value FILE OFFSET COUNT: the big-endian number in COUNT bytes at OFFSET of the footer
# copy (at the start of the file).
footer_value() {
    od -An -tu1 -j "$2" -N "$3" "$1" | awk '{ for (i = 1; i <= NF; i++) v = v * 256 + $i } END { print v }'
}

# grep_count PATTERN COUNT FILE: PATTERN occurs on exactly COUNT lines.
grep_count() {
    [ "$(grep -c -- "$1" "$3")" -eq "$2" ]
}

# The patterns written and read back: first sector, both sides of the first block boundary,
# last sector; and, when reading, two sectors never written, which must read as zeros. (Not
# in the first block qemu allocates: see the Windows comparison below.)
io_commands() {
    last=$(($1 - 512))
    echo "$2 -P 0x11 0 512"
    echo "$2 -P 0x22 $((block - 512)) 512"
    echo "$2 -P 0x33 $block 512"
    echo "$2 -P 0x44 $last 512"
}

# run_io read|write SIZE QEMU-IO-OPTIONS...: the commands above through one qemu-io; every
# one must report its 512 bytes done, none a failure.
run_io() {
    mode=$1
    size=$2
    shift 2
    io_commands "$size" "$mode" > "$tap_dir/commands"
    if [ "$mode" = read ]; then
        echo "read -P 0 $((block + 512)) 512" >> "$tap_dir/commands"
        echo "read -P 0 $((size - 1024)) 512" >> "$tap_dir/commands"
        done_word="read"
    else
        done_word="wrote"
    fi
    while read -r line; do
        set -- "$@" -c "$line"
    done < "$tap_dir/commands"
    qemu-io "$@" > "$tap_dir/io.out" 2>&1 || { cat "$tap_dir/io.out"; return 1; }
    cat "$tap_dir/io.out"
    ! grep -qi -e fail -e error "$tap_dir/io.out" &&
        grep_count "^$done_word 512/512 bytes at offset" "$(wc -l < "$tap_dir/commands")" "$tap_dir/io.out"
}

for size_mb in 3 100 1024 130048 2088960; do
    size=$((size_mb * MiB))
    disk="$tap_dir/disk-$size_mb.vhd"
    raw="$tap_dir/disk-$size_mb.raw"
    opts="driver=vpc,file.driver=file,file.filename=$disk"

    check "$size_mb MB: vhdcreate" "$vhdcreate" "$disk" "$size_mb"

    check "$size_mb MB: vhdiinfo: dynamic disk, media size $size bytes" sh -c '
        vhdiinfo "$1" > "$3" && cat "$3" &&
        grep -q "Disk type[[:space:]]*: Dynamic" "$3" &&
        grep -q "Media size[[:space:]]*: .*($2 bytes)" "$3"' _ "$disk" "$size" "$tap_dir/info.out"

    # qemu sizes a VHD by its CHS geometry unless it trusts the creator application (vsdisk
    # writes Windows' "win "): with no option it must see the exact size, not the geometry's.
    cylinders=$(footer_value "$disk" 56 2)
    heads=$(footer_value "$disk" 58 1)
    spt=$(footer_value "$disk" 59 1)
    check "$size_mb MB: plain qemu-img info -f vpc: exactly $size bytes (CHS $cylinders/$heads/$spt gives $((cylinders * heads * spt * 512)))" sh -c '
        qemu-img info --output=json -f vpc "$1" > "$3" && cat "$3" &&
        grep -q "\"virtual-size\": $2," "$3" && grep -q "\"format\": \"vpc\"" "$3"' \
        _ "$disk" "$size" "$tap_dir/info.out"
    check "$size_mb MB: probed with no option at all, qemu-img info sees vpc of $size bytes" sh -c '
        qemu-img info --output=json "$1" > "$3" && cat "$3" &&
        grep -q "\"virtual-size\": $2," "$3" && grep -q "\"format\": \"vpc\"" "$3"' \
        _ "$disk" "$size" "$tap_dir/info.out"

    check "$size_mb MB: qemu-io writes the first and last sectors and around 2 MiB" \
        run_io write "$size" --image-opts "$opts"
    check "$size_mb MB: qemu-io reads them back intact, unwritten sectors as zeros" \
        run_io read "$size" -r --image-opts "$opts"
    check "$size_mb MB: still $size bytes for vhdiinfo and qemu after the writes" sh -c '
        vhdiinfo "$1" | grep -q "Media size[[:space:]]*: .*($2 bytes)" &&
        qemu-img info --output=json --image-opts "$3" | grep -q "\"virtual-size\": $2,"' \
        _ "$disk" "$size" "$opts"

    check "$size_mb MB: qemu-img convert to raw: $size bytes, same data" sh -c '
        qemu-img convert -O raw --image-opts "$1" "$2" &&
        [ "$(stat -c %s "$2")" -eq "$3" ]' _ "$opts" "$raw" "$size"
    check "$size_mb MB: the raw copy holds the patterns and the zeros" \
        run_io read "$size" -r -f raw "$raw"
    rm -f "$disk" "$raw"
done

# Before its commit (the last write) a disk holds zeros where the dynamic header goes: every
# reader must refuse that file rather than take it for a disk.
uncommitted="$tap_dir/uncommitted.vhd"
"$vhdcreate" "$uncommitted" 100
dd if=/dev/zero of="$uncommitted" bs=512 seek=1 count=2 conv=notrunc 2>/dev/null
check "a disk without its dynamic header (before the commit): qemu-img refuses it" sh -c '
    ! qemu-img info "$1" > "$2" 2>&1 && cat "$2" && grep -q "Invalid header magic" "$2" &&
    ! qemu-img info -f vpc "$1"' \
    _ "$uncommitted" "$tap_dir/info.out"
check "a disk without its dynamic header (before the commit): vhdiinfo refuses it" sh -c '
    ! vhdiinfo "$1" > "$2" 2>&1 && cat "$2" && grep -q "unsupported signature" "$2"' \
    _ "$uncommitted" "$tap_dir/info.out"
rm -f "$uncommitted"

# qemu puts the first block it allocates right after the BAT (rounded to 512), not where the
# footer of a Windows-style disk sits, and does not zero its data: the never-written sectors
# of that block show the BAT padding and the old footer (qemu 7.2). Windows-made disks behave
# the same; check that qemu's view of ours is that of the Windows 8.1 one, but for the
# footer fields that differ between the two (time stamp, creator, checksum, unique id).
if cp "$samples/win8.1-1GB.vhd" "$tap_dir/windows.vhd" &&
        chmod u+w "$tap_dir/windows.vhd"; then
    check "1024 MB: after one write, qemu shows ours as it shows the Windows 8.1 disk" sh -c '
        vhdcreate=$1 dir=$2
        "$vhdcreate" "$dir/ours.vhd" 1024 || exit 1
        for name in windows ours; do
            opts="driver=vpc,file.filename=$dir/$name.vhd"
            qemu-io --image-opts "$opts" -c "write -P 0x11 0 512" &&
            qemu-img convert -O raw --image-opts "$opts" "$dir/$name.raw" || exit 1
        done
        # The old footer shows at guest offset 3584 (file 7680, block data from 4096).
        cmp -l -n 2097152 "$dir/windows.raw" "$dir/ours.raw" | awk "
            { o = \$1 - 1 - 3584
              if (!((o >= 24 && o < 36) || (o >= 64 && o < 84))) { print \"differs at \" \$1 - 1; bad = 1 }
              n++ }
            END { print n \" bytes differ, all in footer fields\"; exit bad || n == 0 }"
        ' _ "$vhdcreate" "$tap_dir"
else
    tap_not_ok "the Windows 8.1 sample $samples/win8.1-1GB.vhd is readable"
fi

finish

#!/bin/sh
# VHDX files made by qemu-img (dynamic and fixed, block sizes 1, 8, 32 and 256 MiB, logs of 1
# and 4 MiB, sizes that are and are not a multiple of the block), data written with qemu-io at
# unaligned offsets, read by vsdisk's reader (vhdx_dump) sector for sector equal to
# `qemu-img convert -O raw`; the sizes vsdisk reports equal qemu-img info's. The two
# Microsoft-made samples too.
# Usage: test_vhdx_interop.sh VHDX_DUMP SAMPLES_DIR
set -eu
dump=$1
samples=$2
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/../native/tap.sh"

for tool in qemu-img qemu-io python3 cmp; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "Bail out! $tool not found (install qemu-utils, python3)"
        exit 1
    fi
done

work="$tap_dir/work"
mkdir "$work"

# value KEY FILE: what vhdx_dump printed for KEY.
value() {
    sed -n "s/^$1: //p" "$2"
}

# same_as_qemu FILE: vsdisk reads FILE as qemu does, and reports qemu's sizes.
same_as_qemu() {
    rm -f "$work/q.raw" "$work/v.raw"
    qemu-img convert -O raw "$1" "$work/q.raw" &&
        "$dump" "$1" "$work/v.raw" > "$work/v.info" &&
        cat "$work/v.info" &&
        cmp "$work/q.raw" "$work/v.raw" &&
        qemu-img info --output=json "$1" > "$work/q.json" &&
        [ "$(value virtual_size "$work/v.info")" = \
          "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["virtual-size"])' "$work/q.json")" ] &&
        [ "$(value block_size "$work/v.info")" = \
          "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cluster-size"])' "$work/q.json")" ]
}

# Data at unaligned offsets: inside a block, across a block boundary, the last sector, a
# pattern over an earlier one, and zeros written over data.
write_data() {
    qemu-io -f vhdx \
        -c 'write -P 0x11 12345k 3m' \
        -c 'write -P 0x22 1000k 512' \
        -c 'write -P 0x33 1023k 2k' \
        -c 'write -P 0x44 31m 2m' \
        -c 'write -P 0x55 255m 1025k' \
        -c "write -P 0x66 $(($2 - 512)) 512" \
        -c 'write -P 0x77 12346k 4k' \
        -c 'write -z 12400k 8k' \
        "$1" > /dev/null
}

for subformat in dynamic fixed; do
    for block in 1M 8M 32M 256M; do
        for size in 314572800 314573312; do   # 300 MiB, and 300 MiB + 512
            for log in 1M 4M; do
                [ "$log" = 4M ] && [ "$block" != 8M ] && continue
                name="$subformat-$block-$size-log$log"
                file="$work/$name.vhdx"
                opts="subformat=$subformat,block_size=$block,log_size=$log"
                check "$name: qemu-img create" qemu-img create -q -f vhdx -o "$opts" "$file" "$size"
                check "$name: empty, read as qemu reads it" same_as_qemu "$file"
                check "$name: qemu-io writes" write_data "$file" "$size"
                check "$name: with data, read as qemu reads it" same_as_qemu "$file"
                rm -f "$file"
            done
        done
    done
    # Fixed with every block present (block_state_zero=off): contiguous data blocks.
    [ "$subformat" = fixed ] || continue
    file="$work/fixed-present.vhdx"
    check "fixed, blocks present: qemu-img create" \
        qemu-img create -q -f vhdx -o subformat=fixed,block_size=8M,block_state_zero=off "$file" 300M
    check "fixed, blocks present: written" write_data "$file" 314572800
    check "fixed, blocks present: kind and states" \
        sh -c "'$dump' '$file' | grep -q '^kind: fixed' && '$dump' '$file' | grep -q '^payload_state_6: 38\$'"
    check "fixed, blocks present: read as qemu reads it" same_as_qemu "$file"
    rm -f "$file"
done

for sample in iotest-dynamic-1G test-disk2vhd; do
    check "$sample: decompressed" python3 -c \
        'import bz2, shutil, sys; shutil.copyfileobj(bz2.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
        "$samples/$sample.vhdx.bz2" "$work/$sample.vhdx"
    check "$sample: read as qemu reads it" same_as_qemu "$work/$sample.vhdx"
    rm -f "$work/$sample.vhdx"
done

finish

#!/bin/sh
# Runs test_disk_life under Wine on the disks make_life_inputs.sh makes, then reads what its
# grows left (grown.vhd: a dynamic VHD grown from 10 MiB to 300 MB past its table's padding;
# grown.vhdx: a VHDX grown from 8 to 64 MiB; shrunk.vhdx: a VHDX shrunk to 31 MiB) with qemu:
# the exact new size, the old content intact and the new part zeros; and replayed.vhdx (qemu's
# dirty-log sample after Repair) as qemu reads it.
# Usage: run_disk_life.sh WINE_WRAP TEST_EXE DLL TMPBASE SAMPLES MAKE_INPUTS
set -eu
wrap=$1 exe=$2 dll=$3 tmpbase=$4 samples=$5 make_inputs=$6
in="$tmpbase/life-inputs"
MiB=1048576
failed=0
check() {  # check STATUS WHAT
    if [ "$1" -eq 0 ]; then echo "ok: $2"; else echo "FAIL: $2"; failed=$((failed + 1)); fi
}
sh "$make_inputs" "$in" "$samples"
set +e
status=0
"$wrap" "$exe" "$dll" "$tmpbase" "$in" || status=$?
check $status "test_disk_life (exit $status)"
# expect_grown DISK FORMAT OLD_RAW NEW_SIZE
expect_grown() {
    qemu-img info -f "$2" --output=json "$1" | grep -q "\"virtual-size\": $4," \
        && qemu-img convert -f "$2" -O raw "$1" "$in/got.raw" \
        && cp "$3" "$in/want.raw" && truncate -s "$4" "$in/want.raw" \
        && cmp -s "$in/got.raw" "$in/want.raw"
}
expect_grown "$in/grown.vhd" vpc "$in/grow.raw" $((300 * MiB))
check $? "Resize of a dynamic VHD past its table's padding: qemu reads 300 MB, the old content and zeros"
qemu-img check -q -f vhdx "$in/grown.vhdx" && expect_grown "$in/grown.vhdx" vhdx "$in/grow-vhdx.raw" $((64 * MiB))
check $? "Resize of a VHDX: qemu-img check is clean, qemu reads 64 MiB, the old content and zeros"
qemu-img check -q -f vhdx "$in/shrunk.vhdx" && expect_grown "$in/shrunk.vhdx" vhdx "$in/mbr-31.raw" $((31 * MiB))
check $? "Resize of a VHDX down to its MBR partition's end: qemu-img check is clean, qemu reads 31 MiB, the partition's content"
# qemu opens a VHDX whose log needs replay only to replay it (read-write): read-only, as here,
# it refuses it, so a clean read shows that Repair replayed the log. Replayed, the sample holds
# 0xA5 to 18 MiB (17 MiB without the log's entry), then zeros.
qemu-img check -q -f vhdx "$in/replayed.vhdx" \
    && qemu-io -r -f vhdx -c "read -P 0xa5 0 18M" -c "read -P 0 18M 46M" "$in/replayed.vhdx" \
        > "$in/read.txt" 2>&1 \
    && ! grep -q -i "fail" "$in/read.txt"
check $? "Repair of qemu's dirty-log VHDX: qemu-img check is clean, qemu reads 0xA5 to 18 MiB, then zeros"
echo "$failed failed"
[ "$failed" -eq 0 ] && rm -rf "$in"
exit "$failed"

#!/bin/sh
# Runs test_disk_life under Wine on the disks make_life_inputs.sh makes, then reads what its
# grows left (grown.vhd: a dynamic VHD grown from 10 MiB to 300 MB past its table's padding;
# grown.vhdx: a VHDX grown from 8 to 64 MiB) with qemu: the exact new size, the old content
# intact and the new part zeros.
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
qemu-img convert -f vhdx -O raw "$in/grow.vhdx" "$in/grow-vhdx.raw"
qemu-img check -q -f vhdx "$in/grown.vhdx" && expect_grown "$in/grown.vhdx" vhdx "$in/grow-vhdx.raw" $((64 * MiB))
check $? "Resize of a VHDX: qemu-img check is clean, qemu reads 64 MiB, the old content and zeros"
echo "$failed failed"
[ "$failed" -eq 0 ] && rm -rf "$in"
exit "$failed"

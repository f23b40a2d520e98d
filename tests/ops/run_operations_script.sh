#!/bin/sh
# Makes the disks operations.vbs works on and runs it through run_script.sh; then checks
# with qemu-img that what the script's jobs wrote holds the right content.
# Usage: run_operations_script.sh RUN_SCRIPT WINE_WRAP DLL SCRIPT TMPBASE SAMPLES MAKE_CHILD_PY
set -eu
run_script=$1 wrap=$2 dll=$3 script=$4 tmpbase=$5 samples=$6 make_child=$7
dir="$tmpbase/script-$$"
rm -rf "$dir"
mkdir -p "$dir/orphan"
MiB=1048576
qimg() { echo "driver=vpc,file.filename=$1"; }
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$dir/src.vhd" $((8 * MiB))
qemu-io -f vpc -c "write -P 0x5a 4096 8192" -c "write -P 0 $((2 * MiB)) $((2 * MiB))" \
    -c "write -P 0xc3 $((6 * MiB + 512)) 1024" "$dir/src.vhd" > /dev/null
qemu-img create -q -f vpc -o subformat=fixed "$dir/fixed.vhd" 4M
cp "$samples/win8.vhd" "$dir/win8.vhd"
chmod u+w "$dir/win8.vhd"
python3 "$make_child" "$samples/win8-child.vhd" "$dir/win8-child.vhd"
cp "$dir/win8-child.vhd" "$dir/orphan/"
qemu-img convert --image-opts "$(qimg "$dir/src.vhd")" -O raw "$dir/src.raw"
set +e
sh "$run_script" "$wrap" "$dll" "$script" "$dir"
status=$?
if [ $status -eq 0 ]; then
    for f in conv-fixed conv-dynamic src; do
        qemu-img convert --image-opts "$(qimg "$dir/$f.vhd")" -O raw "$dir/got.raw"
        if ! cmp -s "$dir/got.raw" "$dir/src.raw"; then
            echo "FAIL: $f.vhd does not hold the source's content"
            status=1
        fi
    done
    qemu-img convert --image-opts "$(qimg "$dir/flat.vhd")" -O raw "$dir/flat.raw"
    qemu-img convert --image-opts "$(qimg "$dir/win8.vhd")" -O raw "$dir/merged.raw"
    if ! cmp -s "$dir/flat.raw" "$dir/merged.raw"; then
        echo "FAIL: MergeTo's new disk and Merge's parent differ"
        status=1
    fi
fi
[ $status -eq 0 ] && rm -rf "$dir"
exit $status

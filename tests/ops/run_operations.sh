#!/bin/sh
# Runs test_operations under Wine on inputs made here (qemu-img, qemu-io, copies of the
# samples), then checks what the jobs wrote with qemu-img convert -O raw against the content
# computed here (qemu for the dynamic sources, chain_raw.py for the chain) and that every
# source is byte-identical afterwards.
# Usage: run_operations.sh WINE_WRAP TEST_EXE DLL TMPBASE SAMPLES_DIR CHAIN_RAW_PY MAKE_CHILD_PY
set -eu
wrap=$1 exe=$2 dll=$3 tmpbase=$4 samples=$5 chain_raw=$6 make_child=$7
in="$tmpbase/ops-inputs"
rm -rf "$in"
mkdir -p "$in"
MiB=1048576
size=$((10 * MiB + 1536))    # 5 blocks and a bit: the last block is partial
failed=0
check() {  # check WHAT: the previous command's status
    if [ "$1" -eq 0 ]; then echo "ok: $2"; else echo "FAIL: $2"; failed=$((failed + 1)); fi
}
qimg() { echo "driver=vpc,file.filename=$1"; }
raw_qemu() { qemu-img convert --image-opts "$(qimg "$1")" -O raw "$2"; }
n=0
write() {  # write DISK OFFSET LEN: seeded random data
    n=$((n + 1))
    python3 -c "import random,sys; r=random.Random(1300+$n); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($3)))" > "$in/chunk"
    qemu-io -f vpc -c "write -s $in/chunk $2 $3" "$1" > /dev/null
}

# Convert's source; Compact's disk (the same data, and a whole block of zeros).
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$in/src.vhd" "$size"
write "$in/src.vhd" 512 1536
write "$in/src.vhd" $((2 * MiB + 4096)) $((MiB + 512))
qemu-io -f vpc -c "write -P 0 $((6 * MiB)) $((2 * MiB))" "$in/src.vhd" > /dev/null
write "$in/src.vhd" $((size - 512)) 512
cp "$in/src.vhd" "$in/comp.vhd"
raw_qemu "$in/src.vhd" "$in/src.raw"
# Compact's cancel: zero blocks between data blocks, so that several blocks move.
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$in/holes.vhd" $((20 * MiB))
for b in 0 1 2 3 4 5 6 7 8 9; do
    if [ $((b % 2)) -eq 1 ]; then
        qemu-io -f vpc -c "write -P 0 $((b * 2 * MiB)) $((2 * MiB))" "$in/holes.vhd" > /dev/null
    else
        write "$in/holes.vhd" $((b * 2 * MiB + 4096)) 8192
    fi
done
raw_qemu "$in/holes.vhd" "$in/holes.raw"
# Compact of a VHDX (qemu's, 1 MiB blocks): data, a block of zeros qemu allocates, data.
qemu-img create -q -f vhdx -o block_size=1M "$in/comp.vhdx" $((8 * MiB))
write_vhdx() {  # write_vhdx DISK OFFSET LEN: seeded random data
    n=$((n + 1))
    python3 -c "import random,sys; r=random.Random(1300+$n); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($3)))" > "$in/chunk"
    qemu-io -f vhdx -c "write -s $in/chunk $2 $3" "$1" > /dev/null
}
write_vhdx "$in/comp.vhdx" 4096 8192
qemu-io -f vhdx -c "write -P 0 $((2 * MiB)) $MiB" "$in/comp.vhdx" > /dev/null
write_vhdx "$in/comp.vhdx" $((5 * MiB)) 4096
qemu-img convert -f vhdx -O raw "$in/comp.vhdx" "$in/comp-vhdx.raw"
comp_vhdx_size=$(stat -c %s "$in/comp.vhdx")
cp "$in/comp.vhdx" "$in/compf.vhdx"     # for Compact's every call failed in turn
qemu-img create -q -f vhdx -o subformat=fixed "$in/fixed.vhdx" $((4 * MiB))
# Merge of a VHDX chain: a dynamic parent and a child made differencing from a qemu-made disk
# with data of its own (make_vhdx_child.py); one copy for Merge, one for its failed calls.
mkdir -p "$in/mv"
qemu-img create -q -f vhdx -o block_size=1M "$in/mv/parent.vhdx" $((8 * MiB))
write_vhdx "$in/mv/parent.vhdx" 0 $((3 * MiB))
write_vhdx "$in/mv/parent.vhdx" $((6 * MiB + 512)) 4096
qemu-img create -q -f vhdx -o block_size=1M,block_state_zero=off "$in/mv/child.vhdx" $((8 * MiB))
write_vhdx "$in/mv/child.vhdx" $((MiB + 4096)) 8192
write_vhdx "$in/mv/child.vhdx" $((4 * MiB)) $((2 * MiB))
qemu-img convert -f vhdx -O raw "$in/mv/parent.vhdx" "$in/mv-parent.raw"
qemu-img convert -f vhdx -O raw "$in/mv/child.vhdx" "$in/mv-child.raw"
python3 "$(dirname "$make_child")/make_vhdx_child.py" "$in/mv/child.vhdx" "$in/mv/parent.vhdx" \
    "$in/mv-parent.raw" "$in/mv-child.raw" "$in/mv-chain.raw"
mkdir -p "$in/mvf"
cp "$in/mv/parent.vhdx" "$in/mv/child.vhdx" "$in/mvf/"
# The chain: Windows 10's win8 with data written by qemu-io, and a child of it holding data
# (make_child.py adds blocks to the sample win8-child); one copy for MergeTo, one for Merge.
cp "$samples/win8.vhd" "$in/win8.vhd"
chmod u+w "$in/win8.vhd"
for span in "0 4096" "$((3 * MiB)) 65536" "$((9 * MiB + 512)) 3072" "$((40 * MiB - 1024)) 1024"; do
    set -- $span
    n=$((n + 1))
    python3 -c "import random,sys; r=random.Random(1300+$n); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($2)))" > "$in/chunk"
    qemu-io --image-opts -c "write -s $in/chunk $1 $2" "$(qimg "$in/win8.vhd")" > /dev/null
done
python3 "$make_child" "$samples/win8-child.vhd" "$in/win8-child.vhd"
for d in mt m; do
    mkdir -p "$in/$d"
    cp "$in/win8.vhd" "$in/win8-child.vhd" "$in/$d/"
done
raw_qemu "$in/win8.vhd" "$in/parent.raw"
python3 "$chain_raw" "$in/win8-child.vhd" "$in/parent.raw" "$in/chain.raw"
cmp -s "$in/parent.raw" "$in/chain.raw" && { echo "FAIL: the child holds no data"; exit 1; }
sha256sum "$in/src.vhd" "$in/mt/win8.vhd" "$in/mt/win8-child.vhd" "$in/m/win8-child.vhd" > "$in/sources.sha"

# A 512 KiB volume for E_DISK_FULL (as tests/create/disk_full.sh: needs root; CI runs as root).
mkdir -p "$in/full"
if ! why=$(mount -t tmpfs -o size=512k tmpfs "$in/full" 2>&1); then
    if [ -n "${CI:-}" ]; then echo "FAIL: cannot mount a tmpfs and CI is set: $why"; exit 1; fi
    echo "SKIP (part): no small volume for E_DISK_FULL: $why"
    rmdir "$in/full"
else
    trap 'umount "$in/full" 2>/dev/null || umount -l "$in/full"' EXIT
fi

set +e
status=0
"$wrap" "$exe" "$dll" "$tmpbase" "$in" || status=$?
check $status "test_operations (exit $status)"
if mountpoint -q "$in/full"; then
    [ -z "$(ls -A "$in/full")" ]
    check $? "nothing is left on the full volume"
    umount "$in/full" || umount -l "$in/full"
    trap - EXIT
fi

sha256sum -c --quiet "$in/sources.sha"
check $? "Convert's and MergeTo's sources and Merge's child are byte-identical"
for t in dynamic fixed; do
    raw_qemu "$in/conv-$t.vhd" "$in/got.raw" && cmp -s "$in/got.raw" "$in/src.raw"
    check $? "Convert to $t: qemu reads the source's content"
    raw_qemu "$in/flat-$t.vhd" "$in/got.raw" && cmp -s "$in/got.raw" "$in/chain.raw"
    check $? "MergeTo $t: qemu reads the chain's content"
done
for t in dynamic fixed; do
    conv=$in/conv-$t.vhdx
    [ -f "$conv" ] || conv=$in/conv-$t.VHDX
    qemu-img check -q "$conv" && qemu-img convert -f vhdx -O raw "$conv" "$in/got.raw" \
        && cmp -s "$in/got.raw" "$in/src.raw"
    check $? "Convert to a $t VHDX: qemu-img check is clean and qemu reads the source's content"
    qemu-img check -q "$in/flat-$t.vhdx" && qemu-img convert -f vhdx -O raw "$in/flat-$t.vhdx" "$in/got.raw" \
        && cmp -s "$in/got.raw" "$in/chain.raw"
    check $? "MergeTo a $t VHDX: qemu-img check is clean and qemu reads the chain's content"
done
qemu-img check -q "$in/from-raw.vhdx" && qemu-img convert -f vhdx -O raw "$in/from-raw.vhdx" "$in/got.raw" \
    && cmp -s "$in/got.raw" "$in/src.raw"
check $? "CreateVirtualHardDiskFromRaw to a dynamic VHDX: qemu reads the raw image's bytes"
raw_qemu "$in/from-raw.vhd" "$in/got.raw" && cmp -s "$in/got.raw" "$in/src.raw"
check $? "CreateVirtualHardDiskFromRaw to a fixed VHD: qemu reads the raw image's bytes"
raw_qemu "$in/m/win8.vhd" "$in/got.raw" && cmp -s "$in/got.raw" "$in/chain.raw"
check $? "Merge: qemu reads the chain's content in the parent"
qemu-img check -q "$in/mv/parent.vhdx" && qemu-img convert -f vhdx -O raw "$in/mv/parent.vhdx" "$in/got.raw" \
    && cmp -s "$in/got.raw" "$in/mv-chain.raw"
check $? "Merge of a VHDX chain: qemu-img check is clean and qemu reads the chain's content in the parent"
qemu-img check -q "$in/mvf/parent.vhdx" && qemu-img convert -f vhdx -O raw "$in/mvf/parent.vhdx" "$in/got.raw" \
    && cmp -s "$in/got.raw" "$in/mv-chain.raw"
check $? "Merge of a VHDX chain, every call failed in turn then run again: qemu reads the chain's content"
qemu-img check -q "$in/comp.vhdx" && qemu-img convert -f vhdx -O raw "$in/comp.vhdx" "$in/got.raw" \
    && cmp -s "$in/got.raw" "$in/comp-vhdx.raw"
check $? "Compact of a VHDX: qemu-img check is clean and qemu reads the same content"
[ "$(stat -c %s "$in/comp.vhdx")" -lt "$comp_vhdx_size" ]
check $? "Compact of a VHDX: the file is smaller"
qemu-img check -q "$in/compf.vhdx" && qemu-img convert -f vhdx -O raw "$in/compf.vhdx" "$in/got.raw" \
    && cmp -s "$in/got.raw" "$in/comp-vhdx.raw" && [ "$(stat -c %s "$in/compf.vhdx")" -lt "$comp_vhdx_size" ]
check $? "Compact of a VHDX, every call failed in turn then run again: qemu-img check is clean, the same content, smaller"
raw_qemu "$in/comp.vhd" "$in/got.raw" && cmp -s "$in/got.raw" "$in/src.raw"
check $? "Compact: qemu reads the same content"
[ "$(stat -c %s "$in/comp.vhd")" -lt "$(stat -c %s "$in/src.vhd")" ]
check $? "Compact: the file is smaller"
leftovers=$(find "$in" -name '*.vsdisk-partial-*' | wc -l)
[ "$leftovers" -eq 0 ]
check $? "no staged file is left ($leftovers)"
echo "$failed failed"
[ "$failed" -eq 0 ] && rm -rf "$in"
exit "$failed"

#!/bin/sh
# vsdisk convert, merge and compact on disks holding seeded random data written by qemu-io at
# scattered offsets (partial blocks, the last sector, a whole block of zeros): after each job
# the content read through qemu-img convert -O raw (where qemu reads the kind) and through
# vsdisk's own reader (vsdisk convert to a fixed disk, whose data area is the raw content)
# equals the expected image byte for byte; sources are byte-identical afterwards; a disk held
# for writing by qemu-io is refused; the CLI's errors. TAP output.
# Usage: test_ops_cli.sh VSDISK FX_WRITE
set -eu
# Absolute paths: the test works in its own folder.
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fx_write=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d)
tap_dir=$tmp
. "$(dirname "$0")/tap.sh"
holder=""
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
seed=${VHD_TEST_SEED:-$(date +%s)}
echo "# seed $seed (replay with VHD_TEST_SEED=$seed)"
MiB=1048576
size=$((24 * MiB + 1536))        # 12 blocks and a bit: the last block is partial

# random N FILE: N seeded random bytes.
n=0
random() {
    n=$((n + 1))
    python3 -c "import random,sys; r=random.Random($seed*1000+$n); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($1)))" > "$2"
}
qimg() { echo "driver=vpc,file.filename=$1"; }
# raw_qemu DISK OUT: the content as qemu reads it.
raw_qemu() { qemu-img convert --image-opts "$(qimg "$1")" -O raw "$2"; }
# raw_vsdisk DISK OUT: the content as vsdisk's reader reads it (through the chain).
raw_vsdisk() {
    rm -f "$tmp/check.vhd"
    "$vsdisk" convert "$1" "$tmp/check.vhd" fixed
    head -c "$size" "$tmp/check.vhd" > "$2"
    rm -f "$tmp/check.vhd"
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
# write DISK OFFSET LEN: seeded random data at OFFSET.
write() {
    random "$3" "$tmp/chunk"
    qemu-io -f vpc -c "write -s $tmp/chunk $2 $3" "$1" > /dev/null
}

# The source: a dynamic disk made by qemu-img.
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on src.vhd "$size"
write src.vhd 512 1536                           # a partial block
write src.vhd $((3 * MiB + 4096)) $((MiB + 512)) # across a block boundary
qemu-io -f vpc -c "write -P 0 $((8 * MiB)) $((2 * MiB))" src.vhd > /dev/null   # a block of zeros
write src.vhd $((13 * MiB)) 65536
write src.vhd $((size - 512)) 512                # the last sector
raw_qemu src.vhd expect.raw
before=$(sum src.vhd)

for type in dynamic fixed; do
    "$vsdisk" convert src.vhd "conv-$type.vhd" "$type"
    raw_qemu "conv-$type.vhd" got.raw
    if cmp -s got.raw expect.raw; then tap_ok "convert to $type: qemu reads the same content"; else tap_not_ok "convert to $type: qemu reads the same content"; fi
    raw_vsdisk "conv-$type.vhd" got.raw
    if cmp -s got.raw expect.raw; then tap_ok "convert to $type: vsdisk's reader reads the same content"; else tap_not_ok "convert to $type: vsdisk's reader reads the same content"; fi
    if [ "$(sum src.vhd)" = "$before" ]; then tap_ok "convert to $type: the source is byte-identical"; else tap_not_ok "convert to $type: the source is byte-identical"; fi
done
# The dynamic target holds only non-zero blocks: 4 of the 13 (0, 1, 2, 6 and the last = 5).
allocated=$(( ($(stat -c %s conv-dynamic.vhd) - 8192) / (2 * MiB + 4096) ))
if [ "$allocated" -eq 5 ]; then tap_ok "convert to dynamic: only the 5 blocks with non-zero data are allocated ($allocated)"; else tap_not_ok "convert to dynamic: only the 5 blocks with non-zero data are allocated ($allocated)"; fi

# Compact: a copy of the source (qemu's zero block is allocated) shrinks, same content.
cp src.vhd comp.vhd
"$vsdisk" compact comp.vhd
if [ "$(stat -c %s comp.vhd)" -lt "$(stat -c %s src.vhd)" ]; then tap_ok "compact: the file is smaller"; else tap_not_ok "compact: the file is smaller"; fi
raw_qemu comp.vhd got.raw
if cmp -s got.raw expect.raw; then tap_ok "compact: qemu reads the same content"; else tap_not_ok "compact: qemu reads the same content"; fi
raw_vsdisk comp.vhd got.raw
if cmp -s got.raw expect.raw; then tap_ok "compact: vsdisk's reader reads the same content"; else tap_not_ok "compact: vsdisk's reader reads the same content"; fi
cp comp.vhd comp2.vhd
"$vsdisk" compact comp2.vhd
if cmp -s comp.vhd comp2.vhd; then tap_ok "compact again: nothing left to do, the file is unchanged"; else tap_not_ok "compact again: nothing left to do, the file is unchanged"; fi

# A chain: base (a copy of the source) <- child (vsdisk), the child's data written by the
# tests' own editor (qemu cannot write a differencing disk), sector-exact bitmaps.
cp src.vhd base.vhd
"$vsdisk" create --parent base.vhd child.vhd
cp expect.raw chain.raw
# cwrite OFFSET LEN: seeded random data into the child and into the expected chain.
cwrite() {
    random "$2" "$tmp/chunk"
    "$fx_write" child.vhd "$1" "$tmp/chunk"
    dd if="$tmp/chunk" of=chain.raw bs=512 seek=$(($1 / 512)) conv=notrunc status=none
}
cwrite 1024 512                          # over the parent's partial block
cwrite $((8 * MiB + 512)) 4096           # over the zero block
cwrite $((17 * MiB)) $((MiB + 512))      # an empty parent block
cwrite $((3 * MiB + 8192)) 1024          # over parent data
cwrite $((size - 1024)) 1024             # the last two sectors
raw_vsdisk child.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "the chain reads as expected before merging"; else tap_not_ok "the chain reads as expected before merging"; fi
child_sum=$(sum child.vhd); base_sum=$(sum base.vhd)

for type in dynamic fixed; do
    "$vsdisk" merge child.vhd "flat-$type.vhd" "$type"
    raw_qemu "flat-$type.vhd" got.raw
    if cmp -s got.raw chain.raw; then tap_ok "merge to a new $type disk: qemu reads the chain's content"; else tap_not_ok "merge to a new $type disk: qemu reads the chain's content"; fi
    raw_vsdisk "flat-$type.vhd" got.raw
    if cmp -s got.raw chain.raw; then tap_ok "merge to a new $type disk: vsdisk's reader reads it too"; else tap_not_ok "merge to a new $type disk: vsdisk's reader reads it too"; fi
    if [ "$(sum child.vhd)" = "$child_sum" ] && [ "$(sum base.vhd)" = "$base_sum" ]; then tap_ok "merge to a new $type disk: the child and its parent are byte-identical"; else tap_not_ok "merge to a new $type disk: the child and its parent are byte-identical"; fi
done

"$vsdisk" merge child.vhd
raw_qemu base.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge: the parent now holds the chain's content (qemu)"; else tap_not_ok "merge: the parent now holds the chain's content (qemu)"; fi
raw_vsdisk base.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge: the parent now holds the chain's content (vsdisk)"; else tap_not_ok "merge: the parent now holds the chain's content (vsdisk)"; fi
if [ "$(sum child.vhd)" = "$child_sum" ]; then tap_ok "merge: the child is byte-identical"; else tap_not_ok "merge: the child is byte-identical"; fi
raw_vsdisk child.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge: the child still reads the same"; else tap_not_ok "merge: the child still reads the same"; fi
"$vsdisk" merge child.vhd
raw_qemu base.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge again: nothing changes in content"; else tap_not_ok "merge again: nothing changes in content"; fi

# A fixed parent.
"$vsdisk" create --fixed fbase.vhd 8
"$vsdisk" create --parent fbase.vhd fchild.vhd
random 8192 "$tmp/chunk"
"$fx_write" fchild.vhd 4096 "$tmp/chunk"
"$vsdisk" merge fchild.vhd
head -c $((8 * MiB)) fbase.vhd > f-base.raw
dd if=/dev/zero of=f-expect.raw bs=1M count=8 status=none
dd if="$tmp/chunk" of=f-expect.raw bs=512 seek=8 conv=notrunc status=none
if cmp -s f-expect.raw f-base.raw; then tap_ok "merge into a fixed parent: it holds the child's data"; else tap_not_ok "merge into a fixed parent: it holds the child's data"; fi

# Held for writing: qemu-io with the disk open read-write (qemu's locks).
mkfifo hold
qemu-io -f vpc comp.vhd < hold > /dev/null 2>&1 &
holder=$!
exec 3> hold
sleep 1
status=0; "$vsdisk" compact comp.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "in use" err; then tap_ok "compact of a disk qemu-io writes: refused, in use"; else tap_not_ok "compact of a disk qemu-io writes: refused, in use"; fi
status=0; "$vsdisk" convert comp.vhd x.vhd dynamic 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "in use" err && [ ! -e x.vhd ]; then tap_ok "convert of a disk qemu-io writes: refused, in use, nothing created"; else tap_not_ok "convert of a disk qemu-io writes: refused, in use, nothing created"; fi
exec 3>&-
wait "$holder" || true
holder=""
# qemu-io reading (it refuses writers by default): another reader may convert, not compact.
qemu-io -r -f vpc comp.vhd < hold > /dev/null 2>&1 &
holder=$!
exec 3> hold
sleep 1
status=0; "$vsdisk" compact comp.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "in use" err; then tap_ok "compact of a disk qemu-io reads (refusing writers): in use"; else tap_not_ok "compact of a disk qemu-io reads (refusing writers): in use"; fi
rm -f x.vhd
if "$vsdisk" convert comp.vhd x.vhd dynamic 2> err; then tap_ok "convert of a disk qemu-io reads: allowed (readers share)"; else tap_not_ok "convert of a disk qemu-io reads: allowed (readers share)"; fi
exec 3>&-
wait "$holder" || true
# qemu-io -U (force-share: no locks) keeps nobody out.
qemu-io -r -U -f vpc comp.vhd < hold > /dev/null 2>&1 &
holder=$!
exec 3> hold
sleep 1
if "$vsdisk" compact comp.vhd 2> err; then tap_ok "compact while qemu-io -U reads the disk: allowed"; else tap_not_ok "compact while qemu-io -U reads the disk: allowed"; fi
exec 3>&-
wait "$holder" || true
holder=""

# Errors: one line, exit status 1 (2 for usage), nothing changed.
status=0; "$vsdisk" compact conv-fixed.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q "wrong kind of disk: only a dynamic disk" err; then tap_ok "compact of a fixed disk: wrong kind"; else tap_not_ok "compact of a fixed disk: wrong kind"; fi
status=0; "$vsdisk" merge src.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "wrong kind of disk: Merge takes a differencing disk" err; then tap_ok "merge of a dynamic disk: wrong kind"; else tap_not_ok "merge of a dynamic disk: wrong kind"; fi
status=0; "$vsdisk" merge src.vhd out.vhd fixed 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "MergeTo takes a differencing disk" err && [ ! -e out.vhd ]; then tap_ok "merge to a new disk of a dynamic disk: wrong kind"; else tap_not_ok "merge to a new disk of a dynamic disk: wrong kind"; fi
status=0; "$vsdisk" convert src.vhd conv-fixed.vhd dynamic 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "already exists" err && [ "$(ls | grep -c partial)" -eq 0 ]; then tap_ok "convert onto an existing file: refused, nothing replaced or left"; else tap_not_ok "convert onto an existing file: refused, nothing replaced or left"; fi
status=0; "$vsdisk" convert src.vhd y.vhd differencing 2> err || status=$?
if [ "$status" -eq 2 ]; then tap_ok "convert to another kind: usage error"; else tap_not_ok "convert to another kind: usage error"; fi
status=0; "$vsdisk" merge 2> err || status=$?
if [ "$status" -eq 2 ]; then tap_ok "merge without a disk: usage error"; else tap_not_ok "merge without a disk: usage error"; fi
mv base.vhd base-moved.vhd
status=0; "$vsdisk" merge child.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "parent disk not found" err; then tap_ok "merge without the parent: parent not found"; else tap_not_ok "merge without the parent: parent not found"; fi
if "$vsdisk" convert --help | grep -q "Usage"; then tap_ok "convert --help"; else tap_not_ok "convert --help"; fi
if "$vsdisk" merge --help | grep -q "Usage"; then tap_ok "merge --help"; else tap_not_ok "merge --help"; fi
if "$vsdisk" compact --help | grep -q "Usage"; then tap_ok "compact --help"; else tap_not_ok "compact --help"; fi
finish

#!/bin/sh
# vsdisk convert, merge and compact on file systems that refuse them: a volume that fills up
# in the middle of the job (a small tmpfs), and a read-only volume holding the parent. Needs
# to mount tmpfs (root, as in CI); exits 77 (skip) when mounting is not permitted.
# Usage: test_ops_mounts.sh VSDISK
set -eu
vsdisk=$1
tmp=$(mktemp -d)
mounted=""
cleanup() {
    for dir in $mounted; do umount "$dir" || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
MiB=1048576

mkdir "$tmp/small" "$tmp/full" "$tmp/ro" "$tmp/work"
if ! mount -t tmpfs -o size=6m tmpfs "$tmp/small" 2> "$tmp/mount.err"; then
    echo "SKIP: cannot mount a tmpfs here: $(cat "$tmp/mount.err")"
    exit 77
fi
mounted="$tmp/small"
mount -t tmpfs -o size=32m tmpfs "$tmp/full"
mounted="$mounted $tmp/full"

failed=0
pass() { echo "ok - $1"; }
fail() { echo "FAIL - $1"; cat "$tmp/err" 2>/dev/null || true; failed=1; }

# A 24 MiB disk holding 8 MiB of data.
w="$tmp/work"
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$w/src.vhd" $((24 * MiB))
head -c $((8 * MiB)) /dev/urandom > "$w/data"
qemu-io -f vpc -c "write -s $w/data $((MiB)) $((8 * MiB))" "$w/src.vhd" > /dev/null
sum=$(sha256sum "$w/src.vhd" | cut -d' ' -f1)

# Convert into a 6 MiB volume: fails when it fills up, removes what it wrote.
for type in dynamic fixed; do
    status=0
    "$vsdisk" convert "$w/src.vhd" "$tmp/small/out.vhd" "$type" 2> "$tmp/err" || status=$?
    if [ "$status" -eq 1 ] && grep -q "not enough space" "$tmp/err" && [ -z "$(ls -A "$tmp/small")" ] &&
            [ "$(sha256sum "$w/src.vhd" | cut -d' ' -f1)" = "$sum" ]; then
        pass "convert to $type on a full volume: not enough space, nothing left, source unchanged"
    else
        fail "convert to $type on a full volume (status $status)"; ls -la "$tmp/small"
    fi
done
status=0
"$vsdisk" create --parent "$w/src.vhd" "$w/child.vhd"
"$vsdisk" merge "$w/child.vhd" "$tmp/small/flat.vhd" fixed 2> "$tmp/err" || status=$?
if [ "$status" -eq 1 ] && grep -q "not enough space" "$tmp/err" && [ -z "$(ls -A "$tmp/small")" ]; then
    pass "merge to a new disk on a full volume: not enough space, nothing left"
else
    fail "merge to a new disk on a full volume (status $status)"
fi

# Merge into a parent on a volume that fills up: the parent stays valid with the chain's
# content, and the merge completes once there is room.
f="$tmp/full"
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$f/base.vhd" $((24 * MiB))
head -c $((2 * MiB)) /dev/urandom > "$w/small-data"
qemu-io -f vpc -c "write -s $w/small-data 0 $((2 * MiB))" "$f/base.vhd" > /dev/null
# The child's data is written by the tests' editor (qemu cannot write a differencing disk).
"$vsdisk" create --parent "$f/base.vhd" "$f/child.vhd"
head -c $((6 * MiB)) /dev/urandom > "$w/child-data"
"${FX_WRITE:?}" "$f/child.vhd" $((4 * MiB)) "$w/child-data"
"$vsdisk" convert "$f/child.vhd" "$w/chain-before.vhd" fixed
head -c $((24 * MiB)) "$w/chain-before.vhd" > "$w/chain-before.raw"
avail=$(df --output=avail -B1 "$f" | tail -1)
head -c $((avail - 2 * MiB)) /dev/zero > "$f/filler" 2>/dev/null || true
status=0
"$vsdisk" merge "$f/child.vhd" 2> "$tmp/err" || status=$?
"$vsdisk" convert "$f/child.vhd" "$w/chain-after.vhd" fixed
head -c $((24 * MiB)) "$w/chain-after.vhd" > "$w/chain-after.raw"
if [ "$status" -eq 1 ] && grep -q "not enough space" "$tmp/err" && "$vsdisk" info "$f/base.vhd" > /dev/null &&
        cmp -s "$w/chain-before.raw" "$w/chain-after.raw"; then
    pass "merge into a parent on a full volume: not enough space, parent valid, chain unchanged"
else
    fail "merge into a parent on a full volume (status $status)"
fi
rm "$f/filler"
"$vsdisk" merge "$f/child.vhd" 2> "$tmp/err" && "$vsdisk" convert "$f/base.vhd" "$w/base-after.vhd" fixed &&
    head -c $((24 * MiB)) "$w/base-after.vhd" > "$w/base-after.raw" &&
    cmp -s "$w/base-after.raw" "$w/chain-before.raw" &&
    pass "merge again with room: the parent holds the chain's content" ||
    fail "merge again with room"

# A parent on a read-only volume: VM_E_FILE_READ_ONLY's case.
mount -t tmpfs -o size=40m tmpfs "$tmp/ro"
mounted="$mounted $tmp/ro"
cp "$f/base.vhd" "$tmp/ro/base.vhd"
"$vsdisk" create --parent "$tmp/ro/base.vhd" "$tmp/ro/child.vhd"
mount -o remount,ro "$tmp/ro"
status=0
"$vsdisk" merge "$tmp/ro/child.vhd" 2> "$tmp/err" || status=$?
if [ "$status" -eq 1 ] && grep -q "read-only" "$tmp/err"; then
    pass "merge into a parent on a read-only volume: the disk is read-only"
else
    fail "merge into a read-only parent (status $status)"
fi
status=0
"$vsdisk" compact "$tmp/ro/base.vhd" 2> "$tmp/err" || status=$?
if [ "$status" -eq 1 ] && grep -q "read-only" "$tmp/err"; then
    pass "compact on a read-only volume: the disk is read-only"
else
    fail "compact on a read-only volume (status $status)"
fi
exit $failed

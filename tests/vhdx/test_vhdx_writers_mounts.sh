#!/bin/sh
# The VHDX writers (through vhdx_make) on real file systems that refuse the file: a read-only
# one, one too small for a 64 TiB disk's metadata, a fixed disk larger than the volume (its
# data area cannot be reserved), a child that does not fit (its parent unchanged); and a fixed
# disk that just fits, reserved and readable. Needs to mount tmpfs (root, as in CI); exits 77
# (skip) when mounting is not permitted. Usage: test_vhdx_writers_mounts.sh VHDX_MAKE VHDX_DUMP
set -eu
make_disk=$1
dump=$2
tmp=$(mktemp -d)
mounted=""
cleanup() {
    for dir in $mounted; do umount "$dir" || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$tmp/ro" "$tmp/small" "$tmp/eight"
if ! mount -t tmpfs -o size=1m,ro tmpfs "$tmp/ro" 2> "$tmp/mount.err"; then
    echo "SKIP: cannot mount a tmpfs here: $(cat "$tmp/mount.err")"
    exit 77
fi
mounted="$tmp/ro"
mount -t tmpfs -o size=1m tmpfs "$tmp/small"
mounted="$mounted $tmp/small"
mount -t tmpfs -o size=8m tmpfs "$tmp/eight"
mounted="$mounted $tmp/eight"

failed=0
count=0
MiB=1048576
"$make_disk" dynamic "$tmp/parent.vhdx" $((40 * MiB))
parent_before="$(sha256sum < "$tmp/parent.vhdx") $(stat -c '%s %y' "$tmp/parent.vhdx")"

# refused NAME PATTERN DIR ARGS...: exit 1, one stderr line matching PATTERN, DIR empty.
refused() {
    name=$1 pattern=$2 dir=$3
    shift 3
    count=$((count + 1))
    status=0
    "$make_disk" "$@" > "$tmp/out" 2> "$tmp/err" || status=$?
    if [ "$status" -eq 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
            grep -q -- "$pattern" "$tmp/err" && [ -z "$(ls -A "$dir")" ]; then
        echo "ok $count - $name"
    else
        echo "not ok $count - $name (exit status $status)"
        sed 's/^/# /' "$tmp/out" "$tmp/err"
        ls -la "$dir" | sed 's/^/# /'
        failed=1
    fi
}
ok() {
    count=$((count + 1))
    echo "ok $count - $1"
}
not_ok() {
    count=$((count + 1))
    echo "not ok $count - $1"
    failed=1
}

refused "read-only file system: refused, nothing created" "access denied or read-only" \
    "$tmp/ro" dynamic "$tmp/ro/disk.vhdx" $((3 * MiB))
refused "1 MiB volume, 64 TiB dynamic disk (20 MiB of metadata): refused, nothing left" \
    "not enough space on the volume" "$tmp/small" dynamic "$tmp/small/disk.vhdx" 70368744177664
refused "8 MiB volume, 16 MiB fixed disk: refused, nothing left" \
    "not enough space on the volume" "$tmp/eight" fixed "$tmp/eight/disk.vhdx" $((16 * MiB)) $MiB
refused "1 MiB volume, a child (4 MiB of metadata): refused, nothing left" \
    "not enough space on the volume" "$tmp/small" differencing "$tmp/small/child.vhdx" \
    "$tmp/parent.vhdx"
if [ "$(sha256sum < "$tmp/parent.vhdx") $(stat -c '%s %y' "$tmp/parent.vhdx")" = "$parent_before" ]; then
    ok "the parent is unchanged (bytes, size, mtime)"
else
    not_ok "the parent is unchanged (bytes, size, mtime)"
fi
# 2 MiB in 1 MiB blocks: 4 MiB of metadata and 2 MiB of data fit in 8 MiB.
if "$make_disk" fixed "$tmp/eight/fits.vhdx" $((2 * MiB)) $MiB &&
        [ "$(stat -c %s "$tmp/eight/fits.vhdx")" -eq $((6 * MiB)) ] &&
        [ $(( $(stat -c "%b * %B" "$tmp/eight/fits.vhdx") )) -ge $((6 * MiB)) ] &&
        "$dump" "$tmp/eight/fits.vhdx" "$tmp/fits.raw" > /dev/null &&
        cmp -n $((2 * MiB)) "$tmp/fits.raw" /dev/zero; then
    ok "8 MiB volume, 2 MiB fixed disk: made, 6 MiB reserved, reads as zeros"
else
    not_ok "8 MiB volume, 2 MiB fixed disk: made, 6 MiB reserved, reads as zeros"
fi
echo "1..$count"
[ "$failed" -eq 0 ]

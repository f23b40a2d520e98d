#!/bin/sh
# vhdcreate on file systems that refuse the file: a read-only one, and one too small for the
# 2040 GiB disk's 4 MB of metadata. Needs to mount tmpfs (root, as in CI); exits 77 (skip)
# when mounting is not permitted. Usage: test_vhdcreate_mounts.sh VHDCREATE
set -eu
vhdcreate=$1
tmp=$(mktemp -d)
mounted=""
cleanup() {
    for dir in $mounted; do umount "$dir" || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$tmp/ro" "$tmp/small"
if ! mount -t tmpfs -o size=1m,ro tmpfs "$tmp/ro" 2> "$tmp/mount.err"; then
    echo "SKIP: cannot mount a tmpfs here: $(cat "$tmp/mount.err")"
    exit 77
fi
mounted="$tmp/ro"
mount -t tmpfs -o size=64k tmpfs "$tmp/small"
mounted="$mounted $tmp/small"

failed=0
# run NAME STATUS PATTERN DIR SIZE_MB: exit status, one stderr line matching PATTERN, DIR empty.
run() {
    status=0
    "$vhdcreate" "$4/disk.vhd" "$5" > "$tmp/out" 2> "$tmp/err" || status=$?
    if [ "$status" -eq "$2" ] && [ ! -s "$tmp/out" ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
            grep -q -- "$3" "$tmp/err" && [ -z "$(ls -A "$4")" ]; then
        echo "ok - $1"
    else
        echo "FAIL - $1 (exit status $status)"; cat "$tmp/out" "$tmp/err"; ls -la "$4"
        failed=1
    fi
}

run "read-only file system: exit 1, one line, nothing created" 1 \
    "^vhdcreate: $tmp/ro/disk.vhd: access denied or read-only location (Read-only file system)$" \
    "$tmp/ro" 3
run "full file system (64 KiB for 4 MB of metadata): exit 1, one line, nothing left" 1 \
    "^vhdcreate: $tmp/small/disk.vhd: not enough space on the volume (No space left on device)$" \
    "$tmp/small" 2088960
exit $failed

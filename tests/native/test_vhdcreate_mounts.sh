#!/bin/sh
# vhdcreate on file systems that refuse the file: a read-only one, and one too small for the
# 2040 GiB disk's 4 MB of metadata; fixed disks larger than a small volume, and differencing
# disks that do not fit, with the parent unchanged. Needs to mount tmpfs (root, as in CI); exits 77 (skip)
# when mounting is not permitted. Usage: test_vhdcreate_mounts.sh VHDCREATE TEST_FIXED
set -eu
vhdcreate=$1
test_fixed=$2
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
mkdir "$tmp/eight"
mount -t tmpfs -o size=8m tmpfs "$tmp/eight"
mounted="$mounted $tmp/eight"

failed=0
"$vhdcreate" "$tmp/parent.vhd" 40
parent_before="$(sha256sum < "$tmp/parent.vhd") $(stat -c '%s %y' "$tmp/parent.vhd")"
# run NAME STATUS PATTERN DIR ARGS: exit status, one stderr line matching PATTERN, DIR empty.
# ARGS: SIZE, or options then SIZE, or --parent PARENT (split on spaces).
run() {
    status=0
    set -- "$1" "$2" "$3" "$4" $5
    name=$1 want=$2 pattern=$3 dir=$4
    shift 4
    case "$1" in
        --parent) "$vhdcreate" "$1" "$2" "$dir/disk.vhd" > "$tmp/out" 2> "$tmp/err" || status=$? ;;
        --*) "$vhdcreate" "$1" "$dir/disk.vhd" "$2" > "$tmp/out" 2> "$tmp/err" || status=$? ;;
        *) "$vhdcreate" "$dir/disk.vhd" "$1" > "$tmp/out" 2> "$tmp/err" || status=$? ;;
    esac
    set -- "$name" "$want" "$pattern" "$dir"
    if [ "$status" -eq "$2" ] && [ ! -s "$tmp/out" ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
            grep -q -- "$3" "$tmp/err" && [ -z "$(ls -A "$4")" ]; then
        echo "ok - $1"
    else
        echo "FAIL - $1 (exit status $status)"; cat "$tmp/out" "$tmp/err"; ls -la "$4"
        failed=1
    fi
}

run "read-only file system: exit 1, one line, nothing created" 1 \
    "^vhdcreate: $tmp/ro/disk.vhd: the file system is read-only$" \
    "$tmp/ro" 3
run "full file system (64 KiB for 4 MB of metadata): exit 1, one line, nothing left" 1 \
    "^vhdcreate: $tmp/small/disk.vhd: not enough space on the volume (No space left on device)$" \
    "$tmp/small" 2088960
run "fixed disk larger than the volume (8 MiB for 9 MB + 512): exit 1, one line, nothing left" 1 \
    "^vhdcreate: $tmp/eight/disk.vhd: not enough space on the volume (No space left on device)$" \
    "$tmp/eight" "--fixed 9"
run "fixed disk of the volume's whole size (8 MiB + 512 on 8 MiB): exit 1, nothing left" 1 \
    "not enough space on the volume" "$tmp/eight" "--fixed 8"
run "differencing disk (80 KiB) on the 64 KiB volume: exit 1, one line, nothing left" 1 \
    "^vhdcreate: $tmp/small/disk.vhd: not enough space on the volume (No space left on device)$" \
    "$tmp/small" "--parent $tmp/parent.vhd"

# A fixed disk that fits the small volume: reserved there (tmpfs supports fallocate).
if "$vhdcreate" --fixed "$tmp/eight/disk.vhd" 7 && [ "$(stat -c %s "$tmp/eight/disk.vhd")" -eq $((7 * 1048576 + 512)) ] &&
        [ $(( $(stat -c '%b * %B' "$tmp/eight/disk.vhd") )) -ge $((7 * 1048576)) ]; then
    echo "ok - fixed 7 MB disk on the 8 MiB volume: allocated"
else
    echo "FAIL - fixed 7 MB disk on the 8 MiB volume"; failed=1
fi
rm -f "$tmp/eight/disk.vhd"
if "$test_fixed" small-volume "$tmp/eight"; then
    echo "ok - the writer alone (no free-space check): allocation fails with no space, nothing left"
else
    echo "FAIL - the writer on the full volume"; failed=1
fi
if [ "$(sha256sum < "$tmp/parent.vhd") $(stat -c '%s %y' "$tmp/parent.vhd")" = "$parent_before" ]; then
    echo "ok - the parent is unchanged after the failed creation"
else
    echo "FAIL - the parent changed"; failed=1
fi
exit $failed

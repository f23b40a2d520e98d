#!/bin/sh
# E_DISK_FULL against real small volumes: mounts a 6 MiB tmpfs (less than the 8 MB a
# dynamic disk needs free) and a 10 MiB one (enough to start, then filled up while the
# creation runs), runs the C test and a VBScript against them, and checks that both volumes
# are left empty. Without the right to mount this is skipped (exit 77), unless CI is set:
# CI runs as root, so there a failed mount is a failure.
# Usage: disk_full.sh WINE_WRAP RUN_SCRIPT DLL TEST_EXE VBS TMPBASE
set -u
wrap=$1 run_script=$2 dll=$3 exe=$4 vbs=$5 base=$6

small= medium=
for attempt in 1 2 3; do
    mkdir -p "$base" && small=$(mktemp -d "$base/full-small.XXXXXX") \
        && medium=$(mktemp -d "$base/full-medium.XXXXXX") && break
done
if [ -z "$small" ] || [ -z "$medium" ]; then
    echo "FAIL: cannot make mount points under $base"
    exit 1
fi
cleanup() {
    for dir in "$small" "$medium"; do
        if mountpoint -q "$dir" 2>/dev/null; then
            umount "$dir" 2>/dev/null || umount -l "$dir"
        fi
        rmdir "$dir" 2>/dev/null
    done
    rmdir "$base" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! why=$(mount -t tmpfs -o size=6m tmpfs "$small" 2>&1 && mount -t tmpfs -o size=10m tmpfs "$medium" 2>&1); then
    if [ -n "${CI:-}" ]; then
        echo "FAIL: cannot mount a tmpfs, and CI is set (CI runs as root): $why"
        exit 1
    fi
    echo "SKIP: cannot mount a tmpfs (this test needs root): $why"
    exit 77
fi

rc=0
"$wrap" "$exe" "$dll" "$base" "$small" "$medium" || rc=1
sh "$run_script" "$wrap" "$dll" "$vbs" "$small" || rc=1
for dir in "$small" "$medium"; do
    if [ -n "$(ls -A "$dir")" ]; then
        echo "FAIL: $dir was left with: $(ls -A "$dir")"
        rc=1
    fi
done
exit $rc

#!/bin/sh
# Harness of test_paths: makes the test volume (a 64 MiB tmpfs) with its fixtures (a
# read-only tmpfs inside, links, a FIFO, a device node), maps it as a free Wine drive letter
# and as \\HOST\share, runs the test, and checks that the volume ends exactly as it began.
# Without the right to mount, the volume is a plain folder and the read-only rows are
# skipped, unless CI is set (CI runs as root): then a failed mount is a failure.
# Prints TAP: the test's lines, its own, then the plan.
# Usage: paths.sh WINE_WRAP TEST_EXE DLL SNAPSHOT_SH TMPBASE [MODE]
#   MODE dynamic (default) | child | parent: see test_paths.c
set -u
wrap=$1 exe=$2 dll=$3 snap=$(realpath "$4") base=$5 mode=${6:-dynamic}
helpers=$(dirname "$snap")
prefix=${WINEPREFIX:-$HOME/.wine}
dosdevices=$prefix/dosdevices

# The drive mappings live in the prefix: make sure it exists.
[ -d "$dosdevices" ] || "$wrap" cmd /c exit 0 >/dev/null 2>&1
mkdir -p "$base" || exit 1
base=$(realpath "$base")
work=$(mktemp -d "$base/paths.XXXXXX") || exit 1
vol=$work/vol
mkdir "$vol"
letter= host=vsdisk-hostile-$$ made_unc_dir=
cleanup() {
    [ -n "$letter" ] && rm -f "$dosdevices/$letter:"
    rm -f "$dosdevices/unc/$host/share"
    rmdir "$dosdevices/unc/$host" 2>/dev/null
    [ -n "$made_unc_dir" ] && rmdir "$dosdevices/unc" 2>/dev/null
    for dir in "$vol/ro" "$vol"; do
        if mountpoint -q "$dir" 2>/dev/null; then
            umount "$dir" 2>/dev/null || umount -l "$dir"
        fi
    done
    rm -rf "$work"
    rmdir "$base" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

readonly_volume=0
if why=$(mount -t tmpfs -o size=64m,mode=755 tmpfs "$vol" 2>&1); then
    mkdir "$vol/ro"
    if why=$(mount -t tmpfs -o size=16m tmpfs "$vol/ro" 2>&1); then
        mkdir "$vol/ro/existing"
        mount -o remount,ro "$vol/ro" && readonly_volume=1
    fi
    [ "$readonly_volume" = 1 ] || { echo "not ok - mount a read-only volume: $why"; echo "1..1"; exit 1; }
elif [ -n "${CI:-}" ]; then
    echo "not ok - mount the test volume (CI is set, and CI runs as root): $why"
    echo "1..1"
    exit 1
else
    echo "# the test volume is a plain folder (cannot mount a tmpfs: $why); read-only rows skipped"
fi

mkdir -p "$vol/fixtures/dir" "$vol/links/target_dir" "$vol/special"
printf 'keep me\n' >"$vol/fixtures/file.txt"
ln -s ../fixtures/file.txt "$vol/links/to_file"
ln -s ../fixtures/missing.vhd "$vol/links/dangling"
ln -s target_dir "$vol/links/to_dir"
ln -s "$vol/links/target_dir" "$vol/links/abs_to_dir"
ln -s ../nowhere "$vol/links/dangling_dir"
ln -s loop "$vol/links/loop"
mkfifo "$vol/special/fifo"
mknod "$vol/special/null" c 1 3 2>/dev/null || ln -s /dev/null "$vol/special/null"

# A drive letter nobody uses for the volume, and one that stays unmapped.
missing=
for candidate in t u v w x y r s q p; do
    [ -e "$dosdevices/$candidate:" ] || [ -L "$dosdevices/$candidate:" ] && continue
    if [ -z "$letter" ]; then
        letter=$candidate
    elif [ -z "$missing" ]; then
        missing=$candidate
        break
    fi
done
if [ -z "$missing" ]; then
    echo "not ok - find two free drive letters in $dosdevices"
    echo "1..1"
    exit 1
fi
ln -s "$vol" "$dosdevices/$letter:" || exit 1
[ -d "$dosdevices/unc" ] || { mkdir -p "$dosdevices/unc" && made_unc_dir=1; }
mkdir -p "$dosdevices/unc/$host" && ln -s "$vol" "$dosdevices/unc/$host/share" || exit 1

sh "$snap" "$vol" "$work/before" || exit 1
out=$work/out
mkdir "$work/scratch"
"$wrap" "$exe" "$dll" "$vol" "$work/scratch" "$helpers" "$letter" "$missing" "$host" "$readonly_volume" "$mode" >"$out"
rc=$?
tr -d '\r' <"$out"
count=$(tr -d '\r' <"$out" | grep -c -E '^(not )?ok')

count=$((count + 1))
sh "$snap" "$vol" "$work/after"
if cmp -s "$work/before" "$work/after"; then
    echo "ok - the test volume ends exactly as it began"
else
    echo "not ok - the test volume ends exactly as it began"
    diff "$work/before" "$work/after" | sed 's/^/# /'
    rc=1
fi
count=$((count + 1))
if [ "$(cat "$vol/fixtures/file.txt")" = "keep me" ] && [ ! -e "$vol/fixtures/missing.vhd" ] \
    && [ ! -e "$vol/nowhere" ] && [ -p "$vol/special/fifo" ]; then
    echo "ok - fixtures untouched: the links' targets, the dangling targets not created"
else
    echo "not ok - fixtures untouched: the links' targets, the dangling targets not created"
    rc=1
fi
echo "1..$count"
exit $rc

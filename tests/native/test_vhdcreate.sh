#!/bin/sh
# vhdcreate as a command: success, each class of failure with its exit status, exactly one
# line on stderr, and nothing left behind. Usage: test_vhdcreate.sh VHDCREATE
set -eu
vhdcreate=$1
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"

work="$tap_dir/work"
mkdir "$work"

# expect STATUS STDOUT_LINES STDERR_LINES STDERR_PATTERN -- ARGS...: runs vhdcreate and
# checks its exit status, the number of lines it printed, and what stderr says.
expect() {
    want_status=$1 want_out=$2 want_err=$3 pattern=$4
    shift 5
    status=0
    "$vhdcreate" "$@" > "$tap_dir/out" 2> "$tap_dir/err" || status=$?
    echo "exit status $status"; echo "stdout:"; cat "$tap_dir/out"; echo "stderr:"; cat "$tap_dir/err"
    [ "$status" -eq "$want_status" ] &&
        [ "$(wc -l < "$tap_dir/out")" -eq "$want_out" ] &&
        [ "$(wc -l < "$tap_dir/err")" -eq "$want_err" ] &&
        { [ -z "$pattern" ] || grep -q -- "$pattern" "$tap_dir/err"; }
}

# expect_nothing_left ARGS...: expect ARGS..., and the work folder is empty afterwards.
expect_nothing_left() {
    expect "$@" && empty_dir "$work"
}

empty_dir() {
    [ -z "$(ls -A "$1")" ]
}

# Success: silent, exit 0, the Windows-layout file size, a VHD footer at both ends.
check "creates a 3 MB disk silently" expect 0 0 0 '' -- "$work/ok.vhd" 3
check "the 3 MB disk is 8192 bytes, footer cookie at 0 and at the end" sh -c '
    [ "$(stat -c %s "$1")" -eq 8192 ] &&
    [ "$(head -c 8 "$1")" = conectix ] && [ "$(tail -c 512 "$1" | head -c 8)" = conectix ] &&
    [ "$(dd if="$1" bs=1 skip=512 count=8 2>/dev/null)" = cxsparse ]' _ "$work/ok.vhd"
check "creates the largest disk, 2088960 MB" expect 0 0 0 '' -- "$work/max.vhd" 2088960
check "the 2088960 MB disk is 4186112 bytes" sh -c '[ "$(stat -c %s "$1")" -eq 4186112 ]' _ "$work/max.vhd"
check "'--' ends the options" expect 0 0 0 '' -- -- "$work/-dash.vhd" 3
rm -f "$work/ok.vhd" "$work/max.vhd" "$work/-dash.vhd"

check "--help: exit 0 on stdout, says what, sizes, layout, creator, qemu, exit codes" sh -c '
    "$1" --help > "$2" && cat "$2" &&
    grep -q "Usage: vhdcreate \[-p\] PATH SIZE" "$2" && grep -q "from 3 to 2088960" "$2" &&
    grep -q "1,048,576 bytes" "$2" && grep -q "'"'"'win '"'"'" "$2" && grep -q "Windows" "$2" &&
    grep -q "vsdisk repair DISK" "$2" && grep -q "none is created" "$2" &&
    grep -q "^Exit status: 0" "$2"' _ "$vhdcreate" "$tap_dir/help"
check "--version prints one line" expect 0 1 0 '' -- --version

# Bad sizes and usage: exit 2, one line, nothing created.
for size in 0 2 2088961 99999999999999999999999 2M 2048K 2T 2041G; do
    check "size '$size' is refused (exit 2), out of range, and nothing is created" \
        expect_nothing_left 2 0 1 "^vhdcreate: $work/bad.vhd: the size must be from 3 MB to 2040 GB (2088960 MB), not '$size'$" -- "$work/bad.vhd" "$size"
done
for size in abc "" -5 +3 " 3" 3x 1e3 0x10 3MM 3iB; do
    check "size '$size' is refused (exit 2), not a size, and nothing is created" \
        expect_nothing_left 2 0 1 "^vhdcreate: $work/bad.vhd: the size must be a whole number of MB or a number with a unit" -- "$work/bad.vhd" "$size"
done
check "size '3073K' is refused (exit 2), not whole MB, and nothing is created" \
    expect_nothing_left 2 0 1 "^vhdcreate: $work/bad.vhd: '3073K' is not a whole number of MB (a disk's size is whole MB)$" -- "$work/bad.vhd" 3073K
# Sizes with units: vhdcreate takes them too, and stays silent as in 0.1.
check "size '3M' makes the 3 MB disk, silently" expect 0 0 0 '' -- "$work/u3.vhd" 3M
check "size '3072k' is 3 MB" expect 0 0 0 '' -- "$work/u3k.vhd" 3072k
check "size '2040GiB' is the largest disk" expect 0 0 0 '' -- "$work/u2040.vhd" 2040GiB
check "the unit sizes: 3 MB, 3 MB and the largest disk, as the plain numbers make them" sh -c '
    [ "$(stat -c %s "$1")" -eq 8192 ] && [ "$(stat -c %s "$2")" -eq 8192 ] &&
    [ "$(stat -c %s "$3")" -eq 4186112 ]' _ "$work/u3.vhd" "$work/u3k.vhd" "$work/u2040.vhd"
rm -f "$work/u3.vhd" "$work/u3k.vhd" "$work/u2040.vhd"
check "no arguments: exit 2" expect 2 0 1 "^vhdcreate: .*--help" --
check "a path alone: exit 2, nothing created" \
    expect_nothing_left 2 0 1 "^vhdcreate: expected PATH and SIZE" -- "$work/one.vhd"
check "three arguments: exit 2, nothing created" \
    expect_nothing_left 2 0 1 "^vhdcreate: expected PATH and SIZE" -- "$work/a.vhd" 3 4
check "an unknown option: exit 2, named" expect 2 0 1 "^vhdcreate: unknown option '--force'" -- --force "$work/a.vhd" 3

# An existing target: exit 1, one line, the file untouched.
printf 'precious\n' > "$work/taken.vhd"
cp "$work/taken.vhd" "$tap_dir/taken.copy"
check "an existing file is refused (exit 1)" \
    expect 1 0 1 "^vhdcreate: $work/taken.vhd: already exists; vsdisk never replaces a file, folder or link$" -- "$work/taken.vhd" 3
check "the existing file is untouched" cmp "$work/taken.vhd" "$tap_dir/taken.copy"
rm "$work/taken.vhd"

ln -s "$work/nowhere.vhd" "$work/link.vhd"
check "a dangling symbolic link is refused (exit 1)" \
    expect 1 0 1 "^vhdcreate: $work/link.vhd: .*already exists" -- "$work/link.vhd" 3
check "the link still dangles and its target was not created" sh -c '
    [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ] && [ ! -e "$2" ]' _ "$work/link.vhd" "$work/nowhere.vhd"
rm "$work/link.vhd"

mkdir "$work/folder.vhd"
check "an existing folder is refused (exit 1)" \
    expect 1 0 1 "already exists" -- "$work/folder.vhd" 3
rmdir "$work/folder.vhd"

# Paths that cannot work: exit 1, one line, nothing created.
printf 'x\n' > "$work/plain"
only_plain_left() {
    expect "$@" && [ "$(ls -A "$work")" = plain ]
}
check "a path through a file (ENOTDIR) is refused (exit 1)" \
    only_plain_left 1 0 1 "^vhdcreate: $work/plain/disk.vhd: $work/plain is a file, not a folder$" -- "$work/plain/disk.vhd" 3
rm "$work/plain"
check "a missing folder is not created (exit 1)" \
    expect_nothing_left 1 0 1 "^vhdcreate: $work/missing/disk.vhd: the folder $work/missing does not exist$" -- "$work/missing/disk.vhd" 3
# No permission: a folder nobody may write, written by an unprivileged user (as root through
# setpriv, since root writes anywhere).
mkdir "$work/locked"
chmod 555 "$work/locked"
chmod 755 "$tap_dir" "$work"
vhdcreate_abs=$(cd "$(dirname "$vhdcreate")" && pwd)/$(basename "$vhdcreate")
check "a folder without write permission: exit 1, permission denied, nothing created" sh -c '
    status=0 folder=$1 err=$2
    shift 2
    if [ "$(id -u)" -eq 0 ]; then set -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; fi
    "$@" 2> "$err" || status=$?; cat "$err"
    [ "$status" -eq 1 ] && [ -z "$(ls -A "$folder")" ] &&
    [ "$(cat "$err")" = "vhdcreate: $folder/disk.vhd: permission denied (the folder $folder cannot be written)" ]' \
    _ "$work/locked" "$tap_dir/err" "$vhdcreate_abs" "$work/locked/disk.vhd" 3
rmdir "$work/locked"
# -p: the progress on stderr; the disk is the same.
check "-p: progress lines on stderr (not a terminal), silent stdout, the disk made" sh -c '
    "$1" -p --fixed "$2" 8M > "$3" 2> "$4"; cat "$4"
    [ ! -s "$3" ] && grep -q "^vhdcreate: 100%  8.0 MiB of 8 MiB" "$4" &&
    ! grep -q "$(printf "\r")" "$4" && [ "$(stat -c %s "$2")" -eq $((8 * 1048576 + 512)) ]' \
    _ "$vhdcreate" "$work/p.vhd" "$tap_dir/out" "$tap_dir/err"
rm -f "$work/p.vhd"

finish

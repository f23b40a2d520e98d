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
    grep -q "Usage: vhdcreate PATH SIZE_MB" "$2" && grep -q "from 3 to 2088960" "$2" &&
    grep -q "1,048,576 bytes" "$2" && grep -q "'"'"'win '"'"'" "$2" && grep -q "Windows" "$2" &&
    grep -q "vsdisk repair DISK" "$2" && grep -q "none is created" "$2" &&
    grep -q "^Exit status: 0" "$2"' _ "$vhdcreate" "$tap_dir/help"
check "--version prints one line" expect 0 1 0 '' -- --version

# Bad sizes and usage: exit 2, one line, nothing created.
for size in 0 2 2088961 abc "" -5 +3 " 3" 3x 1e3 0x10 99999999999999999999999; do
    check "size '$size' is refused (exit 2) and nothing is created" \
        expect_nothing_left 2 0 1 "^vhdcreate: $work/bad.vhd: SIZE_MB must be" -- "$work/bad.vhd" "$size"
done
check "no arguments: exit 2" expect 2 0 1 "^vhdcreate: .*--help" --
check "a path alone: exit 2, nothing created" \
    expect_nothing_left 2 0 1 "^vhdcreate: expected PATH and SIZE_MB" -- "$work/one.vhd"
check "three arguments: exit 2, nothing created" \
    expect_nothing_left 2 0 1 "^vhdcreate: expected PATH and SIZE_MB" -- "$work/a.vhd" 3 4
check "an unknown option: exit 2" expect 2 0 1 "^vhdcreate: unknown option" -- --force "$work/a.vhd" 3

# An existing target: exit 1, one line, the file untouched.
printf 'precious\n' > "$work/taken.vhd"
cp "$work/taken.vhd" "$tap_dir/taken.copy"
check "an existing file is refused (exit 1)" \
    expect 1 0 1 "^vhdcreate: $work/taken.vhd: .*already exists" -- "$work/taken.vhd" 3
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
    only_plain_left 1 0 1 "^vhdcreate: $work/plain/disk.vhd: .*not a folder" -- "$work/plain/disk.vhd" 3
rm "$work/plain"
check "a missing folder is not created (exit 1)" \
    expect_nothing_left 1 0 1 "^vhdcreate: $work/missing/disk.vhd: .*does not exist" -- "$work/missing/disk.vhd" 3

finish

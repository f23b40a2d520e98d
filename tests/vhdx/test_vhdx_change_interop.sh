#!/bin/sh
# In-place VHDX changes checked by independent readers.
# The log writer: a change written through vsdisk's log and left only there (as a crash right
# after the log's flush leaves it) is replayed by qemu (`qemu-img check -r all` on a copy) to the
# same content vsdisk's reader shows by its in-memory replay, and vsdisk's own on-disk replay
# then gives a clean file qemu reads the same. The re-link: `vsdisk relink` of a VHDX child to
# its moved parent; libvhdi's vhdiinfo reads the new parent path, vsdisk reads the chain, and
# no byte of the child outside the log, the headers, the metadata table's first sector and the
# parent locator changed (qemu opens no differencing VHDX, so it cannot check the child).
# The on-disk replay of the dirty-log sample (made by qemu, replayed by Hyper-V) gives the disk qemu's own
# replay gives, and a writable open of Disk2VHD's sample (two identical headers) leaves a file qemu
# checks clean, with the same content.
# Usage: test_vhdx_change_interop.sh VSDISK VHDX_MAKE VHDX_DUMP VHDX_CHANGE SAMPLES_DIR
set -eu
absolute() {
    case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}
vsdisk=$(absolute "$1")
make_disk=$(absolute "$2")
dump=$(absolute "$3")
change=$(absolute "$4")
samples=$(absolute "$5")
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/../native/tap.sh"

for tool in vhdiinfo qemu-img qemu-io cmp python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "Bail out! $tool not found (install libvhdi-utils, qemu-utils)"
        exit 1
    fi
done
MiB=1048576
work="$tap_dir/work"
mkdir "$work" "$work/moved"
cd "$work"

# A dynamic disk with 1 MiB blocks, blocks 0-2 holding 0xA5.
"$make_disk" dynamic base.vhdx $((64 * MiB)) $MiB
qemu-io -f vhdx -c 'write -P 0xa5 0 3M' base.vhdx >/dev/null
check "qemu wrote blocks 0-2" qemu-io -r -f vhdx -c 'read -P 0xa5 0 3M' base.vhdx

# Block 1 becomes ZERO, in the log only.
"$change" zero-block base.vhdx 1
check "the log is pending: qemu refuses a read-only open" \
    sh -c '! qemu-io -r -f vhdx -c "read 0 512" base.vhdx >out.txt 2>&1 && grep -q "log" out.txt'
"$dump" base.vhdx vsdisk.raw > dump.txt
check "vsdisk's reader replays it in memory" grep -q "^log_replayed: 1 entries" dump.txt
cp base.vhdx qemu-copy.vhdx
check "qemu replays vsdisk's log entry (check -r all)" \
    sh -c 'qemu-img check -r all -f vhdx qemu-copy.vhdx >check.txt 2>&1'
check "qemu after its replay: block 1 zeros, blocks 0 and 2 kept" \
    qemu-io -r -f vhdx -c 'read -P 0xa5 0 1M' -c 'read -P 0 1M 1M' -c 'read -P 0xa5 2M 1M' \
    qemu-copy.vhdx
qemu-img convert -f vhdx -O raw qemu-copy.vhdx qemu.raw
check "qemu's replay and vsdisk's in-memory replay give the same disk" cmp qemu.raw vsdisk.raw

# vsdisk's own replay on disk: a clean file, the same content, a clean check.
"$change" open base.vhdx
check "after vsdisk's replay qemu opens it read-only, the content kept" \
    qemu-io -r -f vhdx -c 'read -P 0xa5 0 1M' -c 'read -P 0 1M 1M' -c 'read -P 0xa5 2M 1M' \
    base.vhdx
check "qemu-img check is clean after vsdisk's replay" qemu-img check -f vhdx base.vhdx
qemu-img convert -f vhdx -O raw base.vhdx replayed.raw
check "the replayed file reads as qemu's replay" cmp qemu.raw replayed.raw

# The samples: the dirty log replayed by vsdisk and by qemu; Disk2VHD's twin headers updated.
unpack() {
    python3 -c 'import bz2, shutil, sys; shutil.copyfileobj(bz2.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
        "$samples/$1.bz2" "$2"
}
unpack iotest-dirtylog-10G-4M.vhdx dirty.vhdx
cp dirty.vhdx dirty-qemu.vhdx
qemu-img check -r all -f vhdx dirty-qemu.vhdx >/dev/null 2>&1 || true
check "vsdisk replays the dirty-log sample on disk" "$change" open dirty.vhdx
check "qemu opens it read-only afterwards (no log left)" qemu-io -r -f vhdx -c 'read 0 512' dirty.vhdx
check "the same disk as qemu's own replay gives" qemu-img compare -f vhdx -F vhdx dirty.vhdx dirty-qemu.vhdx
check "qemu-img check is clean after vsdisk's replay" qemu-img check -f vhdx dirty.vhdx
unpack test-disk2vhd.vhdx twins.vhdx
cp twins.vhdx twins-before.vhdx
check "a writable open of Disk2VHD's twin headers" "$change" open twins.vhdx
check "qemu-img check is clean after it" qemu-img check -f vhdx twins.vhdx
check "the content is unchanged" qemu-img compare -f vhdx -F vhdx twins.vhdx twins-before.vhdx
check "only the headers changed" cmp -s -i 196608:196608 twins.vhdx twins-before.vhdx
check "vhdiinfo reads it" vhdiinfo twins.vhdx

# Re-link.
"$vsdisk" create --parent base.vhdx child.vhdx >/dev/null
mv base.vhdx moved/base.vhdx
cp child.vhdx child-before.vhdx
check "the child's parent is not found once it moved" \
    sh -c '"$1" info child.vhdx | grep -q "^parent file: none"' sh "$vsdisk"
check "vsdisk relink" "$vsdisk" relink child.vhdx moved/base.vhdx
vhdiinfo child.vhdx > vhdi.txt
check "vhdiinfo reads the new parent path" \
    grep -q "Parent filename[[:space:]]*: $work/moved/base.vhdx\$" vhdi.txt
check "vsdisk finds the parent" \
    sh -c '"$1" info child.vhdx | grep -q "^parent file: moved/base.vhdx"' sh "$vsdisk"
"$vsdisk" convert child.vhdx flat.vhd dynamic >/dev/null
check "the chain reads as the parent (the child holds nothing)" \
    qemu-img compare -f vpc -F vhdx flat.vhd moved/base.vhdx
size_before=$(wc -c < child-before.vhdx)
check "the child's size is kept" test "$(wc -c < child.vhdx)" -eq "$size_before"
# same START END: the bytes [START, END) of the child are unchanged.
same() {
    cmp -s -i "$1:$1" -n $(($2 - $1)) child-before.vhdx child.vhdx
}
check "file identifier unchanged" same 0 65536
check "region tables and reserved bytes unchanged" same 196608 $MiB
check "metadata items before the locator unchanged" same $((2 * MiB + 4096)) $((2 * MiB + 65536))
check "metadata region after the locator unchanged" same $((2 * MiB + 131072)) $((3 * MiB))
check "BAT and blocks unchanged" same $((3 * MiB)) "$size_before"
"$dump" child.vhdx > child-dump.txt
check "the child's log is clean after the re-link" grep -q "^log_replayed: 0 entries" child-dump.txt
check "a second re-link to the same place succeeds" "$vsdisk" relink child.vhdx moved/base.vhdx

# What vsdisk relink refuses, writing nothing: exit status 1 and the reason.
"$vsdisk" create other.vhdx 64M >/dev/null
"$vsdisk" create --fixed base.vhd 64M >/dev/null
cp child.vhdx child-kept.vhdx
refused() {   # refused WORDS CHILD PARENT
    words=$1
    shift
    set +e
    "$vsdisk" relink "$@" >out.txt 2>err.txt
    status=$?
    set -e
    [ "$status" -eq 1 ] && grep -q "$words" err.txt && cmp -s child.vhdx child-kept.vhdx
}
check "refused: another disk of the same size (DataWriteGuid)" \
    refused "is not {.*}, the parent_linkage" child.vhdx other.vhdx
check "refused: a parent of another format" refused "the new parent is a VHD" child.vhdx base.vhd
check "refused: a disk that is not differencing" \
    refused "not a differencing disk" other.vhdx moved/base.vhdx
check "refused: the child's own parent given as the child" \
    refused "itself or a disk of its chain" moved/base.vhdx child.vhdx
check "refused: a parent that does not exist" refused "cannot be found" child.vhdx nowhere.vhdx
set +e
"$vsdisk" relink child.vhdx >/dev/null 2>&1
usage=$?
set -e
check "one argument is a usage error (2)" test "$usage" -eq 2
check "relink --help" sh -c '"$1" relink --help | grep -q "^Usage: vsdisk relink CHILD PARENT"' \
    sh "$vsdisk"

# A VHD child, through the same command.
"$vsdisk" create vbase.vhd 64M >/dev/null
"$vsdisk" create --parent vbase.vhd vchild.vhd >/dev/null
mv vbase.vhd moved/vbase.vhd
check "vsdisk relink of a VHD child" "$vsdisk" relink vchild.vhd moved/vbase.vhd
check "the VHD child finds its parent" \
    sh -c '"$1" info vchild.vhd | grep -q "^parent file: moved/vbase.vhd"' sh "$vsdisk"
finish

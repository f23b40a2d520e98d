#!/bin/sh
# Runs the VBScript examples for GetHardDisk, Convert, Merge (and MergeTo) and Compact as a user
# would, with vsdisk registered, and checks every disk they write with qemu: the content
# (qemu-img convert to raw, compared with what it must be), the type, the sizes they print,
# and their errors (exit 1 with the HRESULT and Err.Description's words, exit 2 for usage).
# Usage: run_disk_examples.sh WINE_WRAP DLL EXAMPLES_DIR SAMPLES MAKE_CHILD_PY CHAIN_RAW_PY
set -u
wrap=$1 dll=$2 examples=$3 samples=$4 make_child=$5 chain_raw=$6
passed=0 failed=0
dir=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-disk-examples.XXXXXX")
trap 'rm -rf "$dir"' EXIT
MiB=1048576
win() { printf 'Z:%s' "$(realpath -m "$1")" | tr / '\\'; }
check() {   # check WHAT CONDITION...
    what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
example() {   # example NAME ARGS...: runs examples/NAME; sets $rc and $out
    name=$1
    shift
    "$wrap" cscript //nologo "$(win "$examples/$name")" "$@" >"$dir/out" 2>&1
    rc=$?
    out=$(tr -d '\r' <"$dir/out")
    printf '%s\n' "$out" | sed "s/^/    $name | /"
}
has() { printf '%s\n' "$out" | grep -q -- "$1"; }
qimg() { echo "driver=vpc,file.driver=file,file.filename=$1"; }
raw_of() { qemu-img convert --image-opts "$(qimg "$1")" -O raw "$2"; }
same_content() {   # same_content DISK RAW: the disk reads as RAW, byte for byte
    raw_of "$1" "$dir/got.raw" 2>"$dir/qemu.err" || { sed 's/^/    qemu: /' "$dir/qemu.err"; return 1; }
    cmp -s "$dir/got.raw" "$2"
}
is_fixed() {   # a fixed VHD is its data and one footer: current size + 512 bytes
    [ "$(stat -c %s "$1")" -eq $(($2 + 512)) ]
}
is_dynamic() { [ "$(od -An -tx1 -j0 -N8 "$1" | tr -d ' \n')" = 636f6e6563746978 ] && [ "$(stat -c %s "$1")" -lt "$2" ]; }

"$wrap" regsvr32 /s "$(win "$dll")" || { echo "regsvr32 failed"; exit 1; }

# The disks: a dynamic one with data (and zeros written over a whole block), and a chain whose
# child holds data (the sample win8 and make_child.py's child of it).
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$dir/src.vhd" $((8 * MiB))
qemu-io -f vpc -c "write -P 0x5a 4096 8192" -c "write -P 0 $((2 * MiB)) $((2 * MiB))" \
    -c "write -P 0xc3 $((6 * MiB + 512)) 1024" "$dir/src.vhd" >/dev/null
raw_of "$dir/src.vhd" "$dir/src.raw"
cp "$samples/win8.vhd" "$dir/win8.vhd"
chmod u+w "$dir/win8.vhd"
python3 "$make_child" "$samples/win8-child.vhd" "$dir/win8-child.vhd"
raw_of "$dir/win8.vhd" "$dir/parent.raw"
python3 "$chain_raw" "$dir/win8-child.vhd" "$dir/parent.raw" "$dir/chain.raw"
cmp -s "$dir/parent.raw" "$dir/chain.raw" && { echo "Bail out! test setup: the child holds no data"; exit 1; }
win8_size=$(stat -c %s "$dir/parent.raw")

echo "== inspect-disk.vbs (GetHardDisk)"
example inspect-disk.vbs "$(win "$dir/src.vhd")"
check "a dynamic disk: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "its type is printed" has "^Type: *dynamic$"
check "its size in guest is printed to the byte" has "^Size in guest: $((8 * MiB)) bytes$"
check "its size on host is the file's" has "^Size on host: *$(stat -c %s "$dir/src.vhd") bytes$"
example inspect-disk.vbs "$(win "$dir/win8-child.vhd")"
check "a differencing disk: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "it is differencing, and its parent follows" sh -c "printf '%s\n' \"\$1\" | grep -q '^Type: *differencing$' && printf '%s\n' \"\$1\" | grep -A1 '^Parent:$' | grep -q 'win8.vhd$'" - "$out"
check "the parent's size in guest is printed" has "^Size in guest: $win8_size bytes$"
example inspect-disk.vbs "$(win "$dir/missing.vhd")"
check "a missing disk: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "the HRESULT and the reason in words" has "^Error 0x80070002: ..*"
example inspect-disk.vbs
check "no argument: exit 2 (got $rc)" [ "$rc" -eq 2 ]

echo "== convert-disk.vbs (Convert)"
example convert-disk.vbs "$(win "$dir/src.vhd")" "$(win "$dir/conv-fixed.vhd")" fixed
check "to fixed: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "the new disk is fixed" is_fixed "$dir/conv-fixed.vhd" $((8 * MiB))
check "qemu-img reads the source's content from it" same_content "$dir/conv-fixed.vhd" "$dir/src.raw"
example convert-disk.vbs "$(win "$dir/conv-fixed.vhd")" "$(win "$dir/conv-dynamic.vhd")" DYNAMIC
check "back to dynamic: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "the new disk is dynamic" is_dynamic "$dir/conv-dynamic.vhd" $((8 * MiB))
check "qemu-img reads the source's content from it" same_content "$dir/conv-dynamic.vhd" "$dir/src.raw"
check "the source is unchanged" same_content "$dir/src.vhd" "$dir/src.raw"
cp "$dir/conv-fixed.vhd" "$dir/before.vhd"
example convert-disk.vbs "$(win "$dir/src.vhd")" "$(win "$dir/conv-fixed.vhd")" fixed
check "onto an existing file: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "E_ALREADY_EXISTS and the reason in words" has "^Error 0x800700B7: ..*"
check "the existing file is untouched" cmp -s "$dir/before.vhd" "$dir/conv-fixed.vhd"
example convert-disk.vbs "$(win "$dir/src.vhd")" "$(win "$dir/x.vhd")" differencing
check "a type other than dynamic or fixed: exit 2 (got $rc)" [ "$rc" -eq 2 ]

echo "== merge-disk.vbs (MergeTo, then Merge)"
example merge-disk.vbs "$(win "$dir/win8-child.vhd")" "$(win "$dir/flat.vhd")" dynamic
check "MergeTo a new dynamic disk: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "qemu-img reads the chain's content from it" same_content "$dir/flat.vhd" "$dir/chain.raw"
check "the parent is unchanged by MergeTo" same_content "$dir/win8.vhd" "$dir/parent.raw"
example merge-disk.vbs "$(win "$dir/win8-child.vhd")"
check "Merge into the parent: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "the parent now reads as the chain did" same_content "$dir/win8.vhd" "$dir/chain.raw"
example merge-disk.vbs "$(win "$dir/src.vhd")"
check "Merge of a disk with no parent: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "the HRESULT and the reason in words" has "^Error 0x[0-9A-F]*: ..*"

echo "== compact-disk.vbs (Compact)"
size_before=$(stat -c %s "$dir/src.vhd")
example compact-disk.vbs "$(win "$dir/src.vhd")"
check "a dynamic disk with a block of zeros: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "the file is smaller ($size_before -> $(stat -c %s "$dir/src.vhd") bytes)" [ "$(stat -c %s "$dir/src.vhd")" -lt "$size_before" ]
check "the sizes before and after are printed" has "^Compacted: $size_before bytes before, $(stat -c %s "$dir/src.vhd") bytes after$"
check "qemu-img reads the same content" same_content "$dir/src.vhd" "$dir/src.raw"
cp "$dir/conv-fixed.vhd" "$dir/before.vhd"
example compact-disk.vbs "$(win "$dir/conv-fixed.vhd")"
check "a fixed disk: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "the HRESULT and the reason in words" has "^Error 0x[0-9A-F]*: ..*"
check "the fixed disk is untouched" cmp -s "$dir/before.vhd" "$dir/conv-fixed.vhd"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

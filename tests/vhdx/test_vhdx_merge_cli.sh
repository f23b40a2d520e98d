#!/bin/sh
# vsdisk merge on a VHDX chain, as users run it, the results checked by qemu (which reads the
# dynamic parent but not the differencing child) and vsdisk's own reader: the tests' builder
# makes the chain (vhdx_built_chain ... own: the child holds block 0 and the even sectors of
# block 1 with data of its own), vsdisk convert flattens the chain into what the parent must
# hold afterwards; after the merge qemu-img check passes on the parent and qemu-img compare
# finds it equal to the flattened chain, the chain still reads the same, a second merge changes
# nothing, and a sibling child of the parent (made before) is refused (its parent's identity
# changed). TAP output. Usage: test_vhdx_merge_cli.sh VSDISK VHDX_BUILT_CHAIN
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
built_chain=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/../native/tap.sh"
command -v qemu-img >/dev/null 2>&1 || { echo "Bail out! qemu-img not found"; exit 1; }
cd "$tap_dir"

"$built_chain" parent.vhdx child.vhdx own
"$vsdisk" create --parent parent.vhdx sibling.vhdx > /dev/null
"$vsdisk" convert child.vhdx flat.vhdx dynamic > /dev/null
check "before: the parent differs from the chain" sh -c '! qemu-img compare -q -f vhdx -F vhdx flat.vhdx parent.vhdx'
check "merged" "$vsdisk" merge child.vhdx
check "qemu-img check finds no error in the parent" qemu-img check -q -f vhdx parent.vhdx
check "qemu-img compare: the parent holds the chain's content" \
    qemu-img compare -f vhdx -F vhdx flat.vhdx parent.vhdx
check "vsdisk check: the chain is clean" "$vsdisk" check child.vhdx
"$vsdisk" convert child.vhdx after.vhdx dynamic > /dev/null
check "the chain reads as before" qemu-img compare -f vhdx -F vhdx flat.vhdx after.vhdx
check "merged again" "$vsdisk" merge child.vhdx
check "and the parent's content is the same" qemu-img compare -f vhdx -F vhdx flat.vhdx parent.vhdx
check "the sibling child is refused: its parent changed" sh -c \
    '"$0" convert sibling.vhdx s.vhdx dynamic 2> err; test $? -eq 1 && grep -q DataWriteGuid err' "$vsdisk"
check "a dynamic disk is not merged (exit 1, nothing written)" sh -c \
    'cp parent.vhdx p2.vhdx; "$0" merge p2.vhdx; test $? -eq 1 && cmp -s parent.vhdx p2.vhdx' "$vsdisk"
finish

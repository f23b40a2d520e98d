#!/bin/sh
# Crash states of in-place VHDX jobs read by qemu (issue 20: "after each, every sector re-read
# through vsdisk's reader and, for dynamic and fixed files, through qemu, which replays logs on
# a writable open of a copy"). vhdx_crash_states leaves the file a power cut makes at sampled
# points of each job (writes kept in order, then every unflushed write lost); for each state:
# vsdisk's reader gives the content from before (vsdisk convert, then qemu-img compare), qemu's
# replay on a copy (qemu-img check -r all) gives a file qemu checks clean with that content, and
# the job run again (vsdisk compact; vsdisk repair for a pending log) leaves a clean file qemu
# reads the same. Jobs: Compact of a qemu-made dynamic VHDX with blocks of zeros among its
# data, and the on-disk replay of qemu's dirty-log sample (made by qemu, replayed on Hyper-V).
# Merge of a differencing VHDX (the tests' builder, the child with data of its own) into its
# dynamic parent: after each cut the chain reads as before (vsdisk convert of the child), qemu's
# replay of a copy of the parent gives a file it checks clean, and vsdisk merge run again leaves
# a parent qemu checks clean and reads as the chain (qemu reads no differencing VHDX).
# TAP output. Usage: test_vhdx_crash_qemu.sh VSDISK VHDX_CRASH_STATES VHDX_BUILT_CHAIN SAMPLES_DIR
set -eu
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
vsdisk=$(absolute "$1") states=$(absolute "$2") built_chain=$(absolute "$3") samples=$(absolute "$4")
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/../native/tap.sh"
for tool in qemu-img qemu-io python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tap_dir"
MiB=1048576

# state_reads STATE REFERENCE: vsdisk's reader (its in-memory replay) gives REFERENCE's content,
# and so does qemu after its own replay of a copy, which it then checks clean.
state_reads() {
    rm -f v.vhd q.vhdx
    "$vsdisk" convert "$1" v.vhd dynamic > /dev/null &&
        qemu-img compare -q -f vpc -F vhdx v.vhd "$2" &&
        cp "$1" q.vhdx && { qemu-img check -r all -f vhdx q.vhdx > /dev/null 2>&1 || true; } &&
        qemu-img check -q -f vhdx q.vhdx &&
        qemu-img compare -q -f vhdx -F vhdx q.vhdx "$2"
}
# rerun_completes STATE REFERENCE COMMAND: COMMAND run on STATE succeeds, then qemu checks the
# file clean (no log left: a read-only open would refuse one) and reads REFERENCE's content.
rerun_completes() {
    "$vsdisk" "$3" "$1" > /dev/null &&
        qemu-io -r -f vhdx -c 'read 0 512' "$1" > /dev/null &&
        qemu-img check -q -f vhdx "$1" &&
        qemu-img compare -q -f vhdx -F vhdx "$1" "$2"
}

# ---- Compact of a dynamic VHDX: data, blocks of zeros qemu allocated, data -------------------
qemu-img create -q -f vhdx -o block_size=1M comp.vhdx $((16 * MiB))
qemu-io -f vhdx -c "write -P 0x5a 4096 8192" -c "write -P 0 1M 1M" -c "write -P 0xa5 2M 1M" \
    -c "write -P 0 3M 2M" -c "write -P 0x3c $((9 * MiB + 512)) 4096" -c "write -P 0 12M 1M" \
    -c "write -P 0x77 $((16 * MiB - 512)) 512" comp.vhdx > /dev/null
cp comp.vhdx reference.vhdx
cp comp.vhdx compacted.vhdx
"$vsdisk" compact compacted.vhdx > /dev/null
check "compact: the whole job gives back the zero blocks" \
    [ "$(stat -c %s compacted.vhdx)" -lt "$(stat -c %s comp.vhdx)" ]
mkdir comp-states
"$states" compact comp.vhdx comp-states > comp-list
check "compact: the crash states made ($(tail -1 comp-list))" [ "$(grep -c '\.vhdx$' comp-list)" -ge 6 ]
for state in $(grep '\.vhdx$' comp-list); do
    name="compact, $(basename "$state" .vhdx)"
    check "$name: vsdisk and qemu (after its replay) read the content from before" \
        state_reads "$state" reference.vhdx
    check "$name: compact run again completes, qemu reads it clean and the same" \
        rerun_completes "$state" reference.vhdx compact
    check "$name: ... and the file is as short as after an uninterrupted run" \
        [ "$(stat -c %s "$state")" -eq "$(stat -c %s compacted.vhdx)" ]
done
check "compact: the source disk untouched by the tool" cmp comp.vhdx reference.vhdx

# ---- The on-disk replay of qemu's dirty-log sample -----------------------------------------------
python3 -c 'import bz2, shutil, sys
with bz2.open(sys.argv[1]) as i, open(sys.argv[2], "wb") as o: shutil.copyfileobj(i, o)' \
    "$samples/iotest-dirtylog-10G-4M.vhdx.bz2" dirty.vhdx
cp dirty.vhdx replayed.vhdx
qemu-img check -r all -f vhdx replayed.vhdx > /dev/null 2>&1 || true
check "replay: qemu's own replay reads 0xA5 up to 18 MiB" \
    qemu-io -r -f vhdx -c "read -P 0xa5 0 18M" replayed.vhdx
mkdir dirty-states
"$states" replay dirty.vhdx dirty-states > dirty-list
check "replay: the crash states made ($(tail -1 dirty-list))" [ "$(grep -c '\.vhdx$' dirty-list)" -ge 4 ]
for state in $(grep '\.vhdx$' dirty-list); do
    name="replay, $(basename "$state" .vhdx)"
    check "$name: vsdisk and qemu (after its replay) read the replayed content" \
        state_reads "$state" replayed.vhdx
    check "$name: repair (a writable open) completes the replay, qemu reads it clean and the same" \
        rerun_completes "$state" replayed.vhdx repair
done

# ---- Merge of a differencing VHDX into its dynamic parent ---------------------------------------
mkdir chain merge-states
"$built_chain" chain/parent.vhdx chain/child.vhdx own
"$vsdisk" convert chain/child.vhdx flat.vhdx dynamic > /dev/null
check "merge: the chain differs from the parent before" sh -c '! qemu-img compare -q -f vhdx -F vhdx flat.vhdx chain/parent.vhdx'
"$states" merge chain/child.vhdx merge-states > merge-list
check "merge: the crash states made ($(tail -1 merge-list))" [ "$(grep -c '\.vhdx$' merge-list)" -ge 6 ]
# parent_reads PARENT: qemu replays a copy of the parent and checks it clean.
parent_reads() {
    rm -f q.vhdx
    cp "$1" q.vhdx && { qemu-img check -r all -f vhdx q.vhdx > /dev/null 2>&1 || true; } &&
        qemu-img check -q -f vhdx q.vhdx
}
for child in $(grep '\.vhdx$' merge-list); do
    state=$(dirname "$child")
    name="merge, $(basename "$state")"
    rm -f v.vhdx
    check "$name: the chain reads as before (vsdisk)" sh -c '
        "$1" convert "$2" v.vhdx dynamic > /dev/null && qemu-img compare -q -f vhdx -F vhdx v.vhdx flat.vhdx' \
        _ "$vsdisk" "$child"
    check "$name: qemu's replay of a copy of the parent checks clean" parent_reads "$state/parent.vhdx"
    check "$name: merge run again, qemu checks the parent clean and reads the chain in it" sh -c '
        "$1" merge "$2" > /dev/null && qemu-io -r -f vhdx -c "read 0 512" "$3" > /dev/null &&
        qemu-img check -q -f vhdx "$3" && qemu-img compare -q -f vhdx -F vhdx "$3" flat.vhdx' \
        _ "$vsdisk" "$child" "$state/parent.vhdx"
done
finish

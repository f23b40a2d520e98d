#!/bin/sh
# vsdisk repair of a VHDX as users run it (the library's damage table is test_vhdx_repair.c):
# a qemu-made dynamic VHDX with data, one kind of damage at a time (a header copy zeroed, a
# region table copy zeroed, both, qemu's dirty-log sample); check names it (exit 2), repair
# --dry-run exits 0 and changes no byte nor the modification time, repair exits 0 saying what it
# changed, then check finds no corruption, qemu-img check is clean and qemu-img compare finds the
# original's content, and a second repair has nothing to do.
# TAP output. Usage: test_vhdx_repair_cli.sh VSDISK SAMPLES_DIR
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
samples=$(cd "$2" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/../native/tap.sh"
for tool in qemu-img qemu-io bzip2; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tap_dir"
KiB=1024

zero_at() { dd if=/dev/zero of="$1" bs=$KiB seek="$2" count=4 conv=notrunc 2> /dev/null; }
damage_header1() { zero_at "$1" 64; }
damage_header2() { zero_at "$1" 128; }
damage_region1() { zero_at "$1" 192; }
damage_region2() { zero_at "$1" 256; }
damage_header_and_region() { zero_at "$1" 64; zero_at "$1" 256; }

qemu-img create -q -f vhdx -o block_size=1M orig.vhdx 32M
qemu-io -f vhdx -c "write -P 0x5a 4096 8192" -c "write -P 0xa5 9M 1M" -c "write -P 0x77 33553920 512" \
    orig.vhdx > /dev/null

# name | check's problem | repair's sentence
while IFS='|' read -r name problem said; do
    [ -n "$name" ] || continue
    cp orig.vhdx a.vhdx
    "damage_$name" a.vhdx
    touch -d '2001-02-03 04:05:06' a.vhdx
    rc=0
    "$vsdisk" check a.vhdx > out 2>&1 || rc=$?
    check "$name: check exits 2 naming $problem" sh -c '[ "$1" -eq 2 ] && grep -q "$2" out || { cat out; false; }' _ "$rc" "$problem"
    before=$(sha256sum a.vhdx; stat -c %Y a.vhdx)
    rc=0
    "$vsdisk" repair --dry-run a.vhdx > dry 2>&1 || rc=$?
    check "$name: --dry-run exits 0, says what it would change, changes no byte nor the time" sh -c '
        [ "$1" -eq 0 ] && grep -q "would change:" dry && [ "$2" = "$(sha256sum a.vhdx; stat -c %Y a.vhdx)" ] || { cat dry; false; }' _ "$rc" "$before"
    rc=0
    "$vsdisk" repair a.vhdx > out 2>&1 || rc=$?
    check "$name: repair exits 0: $said" sh -c '[ "$1" -eq 0 ] && grep -q "changed: .*$2" out || { cat out; false; }' _ "$rc" "$said"
    check "$name: check then finds no corruption" sh -c '"$1" check a.vhdx > out 2>&1; rc=$?; cat out; [ $rc -eq 0 ] || [ $rc -eq 3 ]' _ "$vsdisk"
    check "$name: qemu-img check is clean" qemu-img check -q -f vhdx a.vhdx
    check "$name: qemu reads the original's content" qemu-img compare -q -f vhdx -F vhdx orig.vhdx a.vhdx
    check "$name: a second repair has nothing to do" sh -c '"$1" repair a.vhdx > out 2>&1 && grep -q "nothing to repair" out' _ "$vsdisk"
done <<'ROWS'
header1|header|header
header2|header|header
region1|region|region
region2|region|region
header_and_region|header|region
ROWS

# qemu's dirty-log sample: the log replayed into the file.
bzip2 -dc "$samples/iotest-dirtylog-10G-4M.vhdx.bz2" > dirty.vhdx
cp dirty.vhdx replayed.vhdx
qemu-img check -r all -f vhdx replayed.vhdx > /dev/null 2>&1 || true
rc=0
"$vsdisk" check dirty.vhdx > out 2>&1 || rc=$?
check "dirty log: check exits 2 naming log-not-replayed" sh -c '[ "$1" -eq 2 ] && grep -q "log-not-replayed" out' _ "$rc"
check "dirty log: repair exits 0, the log replayed" sh -c '"$1" repair dirty.vhdx > out 2>&1 && cat out && grep -q "changed: the log.* replayed" out' _ "$vsdisk"
check "dirty log: qemu opens it read-only now (no log left)" qemu-io -r -f vhdx -c 'read -P 0xa5 0 18M' dirty.vhdx
check "dirty log: the same disk as qemu's own replay" qemu-img compare -q -f vhdx -F vhdx replayed.vhdx dirty.vhdx
finish

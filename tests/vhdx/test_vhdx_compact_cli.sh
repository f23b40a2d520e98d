#!/bin/sh
# vsdisk compact on VHDX disks, as users run it, the results checked by qemu-img (check and
# compare against the disk before), vhdiinfo and vsdisk check: a dynamic disk qemu-io filled
# with data and zeros, compacted twice (the second run changes nothing), qemu's dirty-log sample
# (replayed on disk, then compacted: the content qemu's own replay gives), a differencing child,
# a fixed disk (refused, unchanged). TAP output. Usage: test_vhdx_compact_cli.sh VSDISK SAMPLES_DIR
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
samples=$2
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/../native/tap.sh"
for tool in qemu-img qemu-io vhdiinfo bzip2; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tap_dir"
MiB=1048576

# Blocks 0-9 written, then 2, 5 and 6 written with zeros, data at 20 MiB and 41 MiB.
qemu-img create -q -f vhdx -o subformat=dynamic,block_size=1M d.vhdx 64M
qemu-io -f vhdx -c 'write -P 0x11 0 10M' -c 'write -P 0 2M 1M' -c 'write -P 0 5M 2M' \
    -c 'write -P 0x22 20M 1M' -c 'write -P 0x33 41M 512k' d.vhdx > /dev/null
cp d.vhdx orig.vhdx
before=$(stat -c %s d.vhdx)
check "dynamic: compacted" "$vsdisk" compact d.vhdx
after=$(stat -c %s d.vhdx)
check "dynamic: the file is at least the 3 zero blocks shorter ($before -> $after bytes)" \
    test "$after" -le $((before - 3 * MiB))
check "dynamic: qemu-img check finds no error" qemu-img check -f vhdx d.vhdx
check "dynamic: qemu-img compare: the same content as before" \
    qemu-img compare -f vhdx -F vhdx orig.vhdx d.vhdx
check "dynamic: vsdisk check: clean (no space nothing refers to)" "$vsdisk" check d.vhdx
check "dynamic: vhdiinfo reads it (64 MiB)" sh -c 'vhdiinfo d.vhdx > v && cat v &&
    grep -q "Disk type[[:space:]]*: Dynamic" v && grep -q "(67108864 bytes)" v'
cp d.vhdx once.vhdx
check "dynamic: compacted again" "$vsdisk" compact d.vhdx
check "dynamic: the second run gives nothing more back" test "$(stat -c %s d.vhdx)" -eq "$after"
check "dynamic: and the content is the same" qemu-img compare -f vhdx -F vhdx orig.vhdx d.vhdx

# qemu's sample with a log never replayed: vsdisk replays it on disk first.
bzip2 -dc "$samples/iotest-dirtylog-10G-4M.vhdx.bz2" > dirty.vhdx
cp dirty.vhdx qemu.vhdx
qemu-img check -q -r all -f vhdx qemu.vhdx > /dev/null 2>&1 || true
check "dirty log: compacted" "$vsdisk" compact dirty.vhdx
check "dirty log: qemu-img check finds no error" qemu-img check -f vhdx dirty.vhdx
check "dirty log: the content qemu's replay gives" \
    qemu-img compare -f vhdx -F vhdx qemu.vhdx dirty.vhdx

# A differencing child (qemu cannot open it): vsdisk check reads the chain clean.
"$vsdisk" create --block-size 1M p.vhdx 16M > /dev/null
"$vsdisk" create --parent p.vhdx c.vhdx > /dev/null
check "differencing: compacted" "$vsdisk" compact c.vhdx
check "differencing: vsdisk check: clean" "$vsdisk" check c.vhdx

# A fixed disk is refused, byte for byte unchanged.
"$vsdisk" create --fixed --block-size 1M f.vhdx 8M > /dev/null
cp f.vhdx f0.vhdx
check "fixed: refused with the reason, unchanged" sh -c '
    status=0; "$1" compact f.vhdx 2> err || status=$?; cat err
    [ "$status" -eq 1 ] && grep -q "fixed VHDX" err && cmp f.vhdx f0.vhdx' _ "$vsdisk"
finish

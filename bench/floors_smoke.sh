#!/bin/sh
# Smoke test of the floor programs of bench_ops_vhdx.sh and bench_lifecycle.sh, on small disks:
# what each floor writes must be a valid disk with the source's content (read back by qemu-img
# compare), so that a floor that skipped or misplaced its bytes (and so timed less than the job)
# fails here. The grown VHD must also end where vsdisk's own resize ends it.
# Usage: floors_smoke.sh VSDISK VHDX_OPS_FLOOR RESIZE_FLOOR QEMU_IMG DIR
set -eu
# The programs' paths as absolute ones (meson passes them relative to the build folder).
absolute() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
vsdisk=$(absolute "$1") ops_floor=$(absolute "$2") resize_floor=$(absolute "$3")
qemu_img=$(absolute "$4") dir=$(absolute "$5")
MiB=1048576
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
qemu_io=$(dirname "$qemu_img")/qemu-io
fail() { echo "floors_smoke: $*"; exit 1; }

# A 1 GiB VHD: 32 MiB of data at 0 and at 256 MiB, 16 MiB of zeros at 128 MiB (a zero block).
"$qemu_img" create -q -f vpc -o subformat=dynamic,force_size=on q.vhd 1G
"$qemu_io" -f vpc -c "write -P 0 128M 16M" -c "write -P 5 0 32M" -c "write -P 6 256M 32M" q.vhd > /dev/null
"$vsdisk" convert q.vhd src.vhd dynamic > /dev/null
"$vsdisk" convert q.vhd src.vhdx dynamic > /dev/null
for job in "src.vhd vhdx dynamic" "src.vhd vhdx fixed" "src.vhdx vhd dynamic" "src.vhdx vhd fixed"; do
    set -- $job
    "$vsdisk" convert "$1" "probe.$2" "$3" > /dev/null
    "$ops_floor" copy "$1" "probe.$2" "floor.$2"
    from=vpc to=vhdx
    [ "$2" = vhdx ] || { from=vhdx to=vpc; }
    "$qemu_img" compare -q -f $from -F $to "$1" "floor.$2" || fail "copy $job: the content differs"
    [ "$(stat -c %s "floor.$2")" = "$(stat -c %s "probe.$2")" ] || fail "copy $job: the size differs"
    rm -f "probe.$2" "floor.$2"
done

# Compact: a VHDX with a zero block lowest in the file.
"$qemu_img" create -q -f vhdx -o block_size=33554432 c.vhdx 1G
"$qemu_io" -f vhdx -c "write -P 0 128M 16M" -c "write -P 5 0 32M" -c "write -P 6 256M 32M" c.vhdx > /dev/null
for disk in c.vhdx; do
    cp "$disk" "floor-$disk"
    cp "$disk" "vsdisk-$disk"
    "$ops_floor" compact "floor-$disk"
    "$vsdisk" compact "vsdisk-$disk" > /dev/null
    "$qemu_img" compare -q "$disk" "floor-$disk" || fail "compact $disk: the content differs"
    [ "$(stat -c %s "floor-$disk")" -lt "$(stat -c %s "$disk")" ] || fail "compact $disk: nothing given back"
    [ "$(stat -c %s "floor-$disk")" = "$(stat -c %s "vsdisk-$disk")" ] || fail "compact $disk: not vsdisk's size"
    rm -f "floor-$disk" "vsdisk-$disk"
done

# Grow: the 1 GiB disk to 2040 GiB (its table from 2 KiB to 4 MiB: the first blocks move).
cp src.vhd floor.vhd
cp src.vhd vsdisk.vhd
"$resize_floor" grow floor.vhd $((2088960 * MiB))
"$vsdisk" resize vsdisk.vhd 2040G > /dev/null
"$qemu_img" compare -q -f vpc -F vpc src.vhd floor.vhd || fail "grow: the content differs"
[ "$(stat -c %s floor.vhd)" = "$(stat -c %s vsdisk.vhd)" ] || fail "grow: not vsdisk's size"
"$vsdisk" check floor.vhd > /dev/null || fail "grow: vsdisk check finds a problem"
cd /
rm -rf "$dir"
echo "floors_smoke: ok"

#!/bin/sh
# The disk jobs on an 8 GiB disk holding 2 GiB of data: vsdisk convert (dynamic -> fixed),
# vsdisk merge CHILD NEW dynamic (MergeTo) and vsdisk compact, each against its floor
# (ops_floor: the same bytes read and written sequentially by one process) and against
# qemu-img (convert to a fixed VHD; convert of the equivalent qcow2 chain, since qemu cannot
# read VHD chains; convert to a new dynamic VHD, qemu's only way to drop zero blocks), in the
# same run, alternating; then vsdisk's peak memory for the same data on an 8 GiB and a
# 512 GiB disk. Prints "bench_ops NAME key=value" lines and a table with PASS/MISS for the
# targets (within 1.3x of the floor, faster than qemu-img, peak memory within 4 MiB).
# Usage: bench_ops.sh VSDISK OPS_FLOOR FX_WRITE DIR [RUNS]
set -eu
vsdisk=$1 floor=$2 fx_write=$3 dir=$4 runs=${5:-3}
MiB=1048576
GiB=$((1024 * MiB))
cd "$dir"

now() { date +%s%N; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "bench_ops: preparing an 8 GiB disk with 2 GiB of data (and 512 MiB of zero blocks)"
head -c $((64 * MiB)) /dev/urandom > data.bin
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on src.vhd 8G
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on comp.vhd 8G
cmds="" zcmds=""
i=0
while [ $i -lt 32 ]; do
    cmds="$cmds -c \"write -s data.bin $((i * 256 * MiB)) $((64 * MiB))\""
    zcmds="$zcmds -c \"write -P 0 $((i * 256 * MiB + 128 * MiB)) $((16 * MiB))\""
    i=$((i + 1))
done
eval qemu-io -f vpc $cmds src.vhd > /dev/null
# comp.vhd: the zero blocks first (lowest in the file), then the same data.
eval qemu-io -f vpc $zcmds $cmds comp.vhd > /dev/null
# A child with 256 MiB: 8 runs of 32 MiB, half over data, half over empty space.
"$vsdisk" create --parent src.vhd child.vhd
head -c $((32 * MiB)) /dev/urandom > child.bin
i=0
while [ $i -lt 8 ]; do
    "$fx_write" child.vhd $((i * 1024 * MiB + (i % 2) * 128 * MiB + 32 * MiB)) child.bin
    i=$((i + 1))
done
# The same chain as qcow2, for qemu-img.
qemu-img convert -f vpc -O qcow2 src.vhd base.qcow2
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
i=0
while [ $i -lt 8 ]; do
    qemu-io -f qcow2 -c "write -s child.bin $((i * 1024 * MiB + (i % 2) * 128 * MiB + 32 * MiB)) $((32 * MiB))" top.qcow2 > /dev/null
    i=$((i + 1))
done
sync

# time_ms COMMAND...: runs it, prints the milliseconds.
time_ms() {
    t0=$(now)
    "$@" > /dev/null
    t1=$(now)
    echo $(((t1 - t0) / 1000000))
}

: > times.txt
run=0
while [ $run -lt "$runs" ]; do
    # Convert dynamic -> fixed.
    rm -f out.vhd; echo "convert vsdisk $(time_ms "$vsdisk" convert src.vhd out.vhd fixed)" >> times.txt
    rm -f out.vhd; echo "convert floor $(time_ms "$floor" fixed src.vhd out.vhd)" >> times.txt
    rm -f out.vhd; echo "convert qemu $(time_ms qemu-img convert -f vpc -O vpc -o subformat=fixed,force_size=on src.vhd out.vhd)" >> times.txt
    # MergeTo.
    rm -f out.vhd; echo "mergeto vsdisk $(time_ms "$vsdisk" merge child.vhd out.vhd dynamic)" >> times.txt
    rm -f out.vhd; echo "mergeto floor $(time_ms "$floor" flatten child.vhd src.vhd out.vhd)" >> times.txt
    rm -f out.vhd; echo "mergeto qemu $(time_ms qemu-img convert -f qcow2 -O vpc -o subformat=dynamic,force_size=on top.qcow2 out.vhd)" >> times.txt
    # Compact (each on a fresh copy; the copy is not timed).
    rm -f out.vhd; cp comp.vhd work.vhd; sync
    echo "compact vsdisk $(time_ms "$vsdisk" compact work.vhd)" >> times.txt
    compacted=$(stat -c %s work.vhd)
    rm -f work.vhd; cp comp.vhd work.vhd; sync
    echo "compact floor $(time_ms "$floor" compact work.vhd 256)" >> times.txt
    rm -f work.vhd
    echo "compact qemu $(time_ms qemu-img convert -f vpc -O vpc -o subformat=dynamic,force_size=on comp.vhd out.vhd)" >> times.txt
    rm -f out.vhd
    run=$((run + 1))
done

fig() { grep "^$1 $2 " times.txt | cut -d' ' -f3 | median; }
status=0
printf '%-28s %10s %10s %10s %8s %8s\n' job vsdisk_ms floor_ms qemu_ms x_floor x_qemu
for job in convert mergeto compact; do
    v=$(fig $job vsdisk) f=$(fig $job floor) q=$(fig $job qemu)
    xf=$(awk "BEGIN {printf \"%.2f\", $v / ($f > 0 ? $f : 1)}")
    xq=$(awk "BEGIN {printf \"%.2f\", $v / ($q > 0 ? $q : 1)}")
    verdict=PASS
    awk "BEGIN {exit !($xf <= 1.3 && $xq < 1)}" || verdict=MISS
    [ $verdict = PASS ] || status=1
    echo "bench_ops $job vsdisk_ms=$v floor_ms=$f qemu_ms=$q ratio_floor=$xf ratio_qemu=$xq $verdict"
done
echo "bench_ops compact file: $(stat -c %s comp.vhd) -> $compacted bytes"

# Peak memory: the same jobs on an 8 GiB and a 512 GiB disk with the same data.
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on big.vhd 512G
eval qemu-io -f vpc $cmds big.vhd > /dev/null
for disk in src big; do
    rm -f out.vhd
    kb_conv=$(/usr/bin/time -f %M "$vsdisk" convert $disk.vhd out.vhd dynamic 2>&1 >/dev/null | tail -1)
    rm -f out.vhd
    cp $disk.vhd work.vhd
    kb_comp=$(/usr/bin/time -f %M "$vsdisk" compact work.vhd 2>&1 >/dev/null | tail -1)
    rm -f work.vhd
    echo "bench_ops peak_memory disk=$disk.vhd convert_kib=$kb_conv compact_kib=$kb_comp"
    [ "$kb_conv" -le 4096 ] && [ "$kb_comp" -le 4096 ] || status=1
done
rm -f big.vhd out.vhd
exit $status

#!/bin/sh
# The disk jobs on an 8 GiB disk holding 2 GiB of data: vsdisk convert (dynamic -> fixed),
# vsdisk merge CHILD NEW dynamic (MergeTo), vsdisk compact and vsdisk merge CHILD (Merge, a
# 256 MiB child into that disk), each against its floor (ops_floor: the same bytes read and
# written sequentially by one process, one fdatasync) and against qemu-img (convert to a fixed
# VHD; convert of the equivalent qcow2 chain, since qemu cannot read VHD chains; convert to a
# new dynamic VHD, qemu's only way to drop zero blocks; commit of the qcow2 chain), in the
# same run, alternating; then vsdisk's peak memory for the same data on an 8 GiB and a
# 512 GiB disk. Prints "bench_ops NAME key=value" lines and a table with PASS/MISS for the
# targets (within 1.3x of the floor, faster than qemu-img, peak memory within 4 MiB).
#
# Like for like: vsdisk returns when the new disk is on the disk (fdatasync), as the floor
# does. qemu-img convert's default cache mode (unsafe) never flushes: it returns while its
# 2 GiB are still in the page cache, and a power cut then loses the disk it just made. So the
# qemu figure the target is checked against is qemu-img doing the same job: the faster of
# convert -t writeback (flushes when it closes) and the default followed by sync; the default
# alone is printed too (qemu_unsafe_ms). qemu-img commit flushes by default. Every timed run
# starts after a sync, so nobody pays for the previous one's unwritten data, and the order of
# the contenders rotates from run to run.
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
"$vsdisk" create --parent src.vhd child.vhd > /dev/null
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

# time_ms COMMAND...: runs it after a sync and a second's pause (this file system may discard
# the blocks of the file just deleted in the background), prints the milliseconds.
time_ms() {
    sync
    sleep 1
    t0=$(now)
    "$@" > /dev/null
    t1=$(now)
    echo $(((t1 - t0) / 1000000))
}
# then_sync COMMAND...: runs it, then sync (qemu-img's default, until its data is on disk).
then_sync() {
    "$@" && sync
}
# A fresh copy of the chain for Merge: for vsdisk and the floor parent p1.vhd and child c1.vhd,
# for qemu-img commit q1base.qcow2 and q1top.qcow2, with the same 256 MiB in the child as
# child.vhd.
merge_chain() {
    rm -f p1.vhd c1.vhd q1base.qcow2 q1top.qcow2
    if [ "$1" = qemu_writeback ]; then
        cp base.qcow2 q1base.qcow2
        qemu-img create -q -f qcow2 -b q1base.qcow2 -F qcow2 q1top.qcow2
    else
        cp src.vhd p1.vhd
        "$vsdisk" create --parent p1.vhd c1.vhd > /dev/null
    fi
    j=0
    while [ $j -lt 8 ]; do
        at=$((j * 1024 * MiB + (j % 2) * 128 * MiB + 32 * MiB))
        if [ "$1" = qemu_writeback ]; then
            qemu-io -f qcow2 -c "write -s child.bin $at $((32 * MiB))" q1top.qcow2 > /dev/null
        else
            "$fx_write" c1.vhd $at child.bin
        fi
        j=$((j + 1))
    done
}

: > times.txt
# One timed contender each: "JOB WHO" and its command (the output removed before, not timed).
convert_vsdisk() { "$vsdisk" convert src.vhd out.vhd fixed; }
convert_floor() { "$floor" fixed src.vhd out.vhd; }
convert_qemu_unsafe() { qemu-img convert -f vpc -O vpc -o subformat=fixed,force_size=on src.vhd out.vhd; }
convert_qemu_sync() { then_sync convert_qemu_unsafe; }
convert_qemu_writeback() { qemu-img convert -t writeback -f vpc -O vpc -o subformat=fixed,force_size=on src.vhd out.vhd; }
mergeto_vsdisk() { "$vsdisk" merge child.vhd out.vhd dynamic; }
mergeto_floor() { "$floor" flatten child.vhd src.vhd out.vhd; }
mergeto_qemu_unsafe() { qemu-img convert -f qcow2 -O vpc -o subformat=dynamic,force_size=on top.qcow2 out.vhd; }
mergeto_qemu_sync() { then_sync mergeto_qemu_unsafe; }
mergeto_qemu_writeback() { qemu-img convert -t writeback -f qcow2 -O vpc -o subformat=dynamic,force_size=on top.qcow2 out.vhd; }
# Compact works in place, on a fresh copy of comp.vhd (work.vhd, copied before, not timed).
compact_vsdisk() { "$vsdisk" compact work.vhd && stat -c %s work.vhd > compacted.txt; }
compact_floor() { "$floor" compact work.vhd 256; }
compact_qemu_unsafe() { qemu-img convert -f vpc -O vpc -o subformat=dynamic,force_size=on comp.vhd out.vhd; }
compact_qemu_sync() { then_sync compact_qemu_unsafe; }
compact_qemu_writeback() { qemu-img convert -t writeback -f vpc -O vpc -o subformat=dynamic,force_size=on comp.vhd out.vhd; }
# Merge works in place, on a fresh chain (merge_chain, not timed); qemu-img commit flushes.
merge_vsdisk() { "$vsdisk" merge c1.vhd; }
merge_floor() { "$floor" merge c1.vhd p1.vhd; }
merge_qemu_writeback() { qemu-img commit -q -f qcow2 q1top.qcow2; }

# contend JOB RUN WHO...: times each contender of JOB once, starting with the RUN-th (mod
# their number), so that no contender always runs first or right after another.
contend() {
    job=$1 shift_by=$2
    shift 2
    n=$#
    k=0
    while [ $k -lt $n ]; do
        idx=$(((k + shift_by) % n + 1))
        eval "who=\${$idx}"
        rm -f out.vhd work.vhd
        case $job in
            compact) cp comp.vhd work.vhd ;;
            merge) merge_chain $who ;;
        esac
        echo "$job $who $(time_ms ${job}_$who)" >> times.txt
        k=$((k + 1))
    done
    rm -f out.vhd work.vhd p1.vhd c1.vhd q1base.qcow2 q1top.qcow2
}

run=0
while [ $run -lt "$runs" ]; do
    contend convert $run vsdisk floor qemu_unsafe qemu_sync qemu_writeback
    contend mergeto $run vsdisk floor qemu_unsafe qemu_sync qemu_writeback
    contend compact $run vsdisk floor qemu_unsafe qemu_sync qemu_writeback
    contend merge $run vsdisk floor qemu_writeback
    run=$((run + 1))
done
compacted=$(cat compacted.txt)

fig() { grep "^$1 $2 " times.txt | cut -d' ' -f3 | median; }
status=0
printf '%-28s %10s %10s %10s %8s %8s\n' job vsdisk_ms floor_ms qemu_ms x_floor x_qemu
for job in convert mergeto compact merge; do
    v=$(fig $job vsdisk) f=$(fig $job floor) qw=$(fig $job qemu_writeback)
    qs=$(fig $job qemu_sync) qu=$(fig $job qemu_unsafe)
    q=$qw
    if [ -n "$qs" ] && [ "$qs" -lt "$q" ]; then q=$qs; fi
    xf=$(awk "BEGIN {printf \"%.2f\", $v / ($f > 0 ? $f : 1)}")
    xq=$(awk "BEGIN {printf \"%.2f\", $v / ($q > 0 ? $q : 1)}")
    verdict=PASS
    awk "BEGIN {exit !($xf <= 1.3 && $xq < 1)}" || verdict=MISS
    [ $verdict = PASS ] || status=1
    echo "bench_ops $job vsdisk_ms=$v floor_ms=$f qemu_ms=$q ratio_floor=$xf ratio_qemu=$xq $verdict" \
         "(qemu: writeback_ms=$qw${qs:+ default+sync_ms=$qs}${qu:+ unsafe_ms=$qu, not on disk when it returns})"
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

#!/bin/sh
# Merge of a VHDX chain in place (vsdisk merge CHILD): a 256 MiB child (128 MiB over the
# parent's data, 128 MiB where the parent has none) into an 8 GiB dynamic VHDX parent holding
# 2 GiB, against its floor: the same 256 MiB read from the child and written into the parent
# with one fdatasync (dd), what no merge can beat. Prints the times, the ratio (target: at most
# 1.3x the floor) and the flushes vsdisk made (strace -c when installed). The chain is made by
# qemu-img and qemu-io, the child turned differencing by tests/ops/make_vhdx_child.py; each
# timed run starts from a fresh copy, after a sync and a second's pause.
# Usage: bench_merge_vhdx.sh VSDISK DIR [RUNS]
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$2 runs=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
MiB=1048576
cd "$dir"
qemu-img create -q -f vhdx -o block_size=16M parent.vhdx 8G
qemu-io -f vhdx -c 'write -P 0x11 0 1G' -c 'write -P 0x12 1G 1G' parent.vhdx > /dev/null
qemu-img create -q -f vhdx -o block_size=16M,block_state_zero=off child.vhdx 8G
qemu-io -f vhdx -c 'write -P 0x22 1G 128M' -c 'write -P 0x33 4G 128M' child.vhdx > /dev/null
python3 "$root/tests/ops/make_vhdx_child.py" child.vhdx parent.vhdx
child_end=$(($(stat -c %s child.vhdx) / MiB))
now_ms() { date +%s%3N; }
# A fresh copy of the chain in run/ (the child names its parent by ".\parent.vhdx").
fresh() { rm -rf run; mkdir run; cp parent.vhdx child.vhdx run/; sync; sleep 1; }
best_v='' best_f='' flushes=-
for run in $(seq "$runs"); do
    fresh
    t0=$(now_ms)
    if command -v strace > /dev/null 2>&1; then
        strace -f -c -o strace.txt -e trace=fsync,fdatasync "$vsdisk" merge run/child.vhdx
        flushes=$(awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' strace.txt)
    else
        "$vsdisk" merge run/child.vhdx
    fi
    t=$(($(now_ms) - t0))
    [ -z "$best_v" ] || [ "$t" -lt "$best_v" ] && best_v=$t
    fresh
    parent_end=$(($(stat -c %s run/parent.vhdx) / MiB))
    t0=$(now_ms)
    dd if=run/child.vhdx of=run/parent.vhdx bs=1M skip=$((child_end - 256)) seek="$parent_end" count=256 \
        conv=notrunc,fdatasync status=none
    t=$(($(now_ms) - t0))
    [ -z "$best_f" ] || [ "$t" -lt "$best_f" ] && best_f=$t
done
rm -rf run parent.vhdx child.vhdx strace.txt
ratio=$(awk -v v="$best_v" -v f="$best_f" 'BEGIN { printf "%.2f", v / f }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.3) ? "ok" : "MISS" }')
echo "bench_merge_vhdx vsdisk_ms=$best_v floor_ms=$best_f ratio_floor=$ratio flushes=$flushes $verdict (best of $runs)"
[ "$verdict" = ok ]

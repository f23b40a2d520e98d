#!/bin/sh
# The lifecycle jobs of issue 21 (resize, check, repair), by the method of bench_ops.sh (read
# its header): ratios in the same run, contenders alternating, every timed run after a sync
# and a second's pause, everything durable when it returns.
#   Resize: a dynamic VHD made by vsdisk holding 2 GiB (32 runs of 64 MiB, one every
#   256 MiB) grown from 100 GiB to 2040 GiB (vsdisk resize): its block table grows from
#   200 KiB to 4 MiB, past its padding, so the blocks in its way are copied to the end of the
#   file first. Against "resize_floor grow": the same blocks read and appended, the new table,
#   header and footers written, one fdatasync. Each run starts from the same 100 GiB disk,
#   restored (untimed) by writing back its first 16 MiB and last 4 KiB and cutting it to its
#   size; the restore is checked once against the original byte for byte (cmp). The flush
#   calls of both are counted (strace -f -c -e trace=fsync,fdatasync, untimed runs).
#   Check: vsdisk check (whole process, metadata only) of a 3 MB VHD, an empty 2040 GiB VHD,
#   the grown 2040 GiB VHD holding 2 GiB, and empty 64 TiB VHDX of 32 MiB and of 1 MiB blocks:
#   wall time (ms) and peak RSS (GNU time's %M, the median), BENCH_CHECK_RUNS runs (default 5).
#   Peak memory (GNU time's %M) of resize, check and repair on a small and a large disk
#   holding the same 2 GiB: a VHD of 8 GiB (resized to 16 GiB) and of 100 GiB (to 2040 GiB),
#   a VHDX of 8 GiB (to 16 GiB) and of 2040 GiB (to 2100 GiB: its table's room); repair of a
#   VHDX is not supported by this version (said, not measured).
# Prints "bench_lifecycle NAME key=value" lines with PASS/MISS: resize within 1.3x of its
# floor; peak memory within 4 MiB and the large disk's within 256 KiB of the small one's.
# Exit status 1 if a target is missed.
# Usage: bench_lifecycle.sh VSDISK RESIZE_FLOOR DIR [RUNS]
set -eu
vsdisk=$1 floor=$2 dir=$3 runs=${4:-15}
MiB=1048576
GiB=$((1024 * MiB))
new_bytes=$((2088960 * MiB))
cd "$dir"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
    sync
    sleep 1
    t0=$(now)
    "$@" > /dev/null
    t1=$(now)
    echo $(((t1 - t0) / 1000000))
}

# make_disk FILE SIZE FORMAT: a dynamic disk made by vsdisk (convert of a qemu-written VHD)
# holding the 2 GiB of data.
make_disk() {
    qemu-img create -q -f vpc -o subformat=dynamic,force_size=on q.vhd "$2"
    cmds=""
    i=0
    while [ $i -lt 32 ]; do
        cmds="$cmds -c \"write -s data.bin $((i * 256 * MiB)) $((64 * MiB))\""
        i=$((i + 1))
    done
    eval qemu-io -f vpc $cmds q.vhd > /dev/null
    "$vsdisk" convert q.vhd "$1" dynamic > /dev/null
    rm -f q.vhd
}

echo "bench_lifecycle: preparing a 100 GiB dynamic VHD with 2 GiB of data"
head -c $((64 * MiB)) /dev/urandom > data.bin
make_disk grow.vhd 100G
size=$(stat -c %s grow.vhd)
cp grow.vhd work.vhd
# restore: work.vhd back to grow.vhd's bytes (the grown table, the moved blocks and the
# footers all lie in the first 16 MiB or past the old end).
restore() {
    dd if=grow.vhd of=work.vhd bs=1M count=16 conv=notrunc status=none
    truncate -s "$size" work.vhd
    dd if=grow.vhd of=work.vhd bs=4096 skip=$((size / 4096 - 1)) seek=$((size / 4096 - 1)) \
        conv=notrunc status=none
}
"$vsdisk" resize work.vhd 2040G > /dev/null
restore
cmp grow.vhd work.vhd
"$floor" grow work.vhd $new_bytes
restore
cmp grow.vhd work.vhd

: > times.txt
run=0
while [ $run -lt "$runs" ]; do
    for who in $(if [ $((run % 2)) = 0 ]; then echo vsdisk floor; else echo floor vsdisk; fi); do
        restore
        case $who in
            vsdisk) t=$(time_ms "$vsdisk" resize work.vhd 2040G) ;;
            floor) t=$(time_ms "$floor" grow work.vhd $new_bytes) ;;
        esac
        echo "$who $t" >> times.txt
    done
    run=$((run + 1))
done
flushes() {
    restore
    strace -f -c -e trace=fsync,fdatasync -o strace.txt "$@" > /dev/null
    awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' strace.txt
}
flush_floor=$(flushes "$floor" grow work.vhd $new_bytes)
flush_vsdisk=$(flushes "$vsdisk" resize work.vhd 2040G)
moved=$("$vsdisk" resize --dry-run grow.vhd 2040G 2>&1 | tr '\n' ' ')
rm -f strace.txt
status=0
v=$(awk '$1 == "vsdisk" { print $2 }' times.txt | median)
f=$(awk '$1 == "floor" { print $2 }' times.txt | median)
# The per-run ratios (run i's vsdisk over run i's floor) and their median.
ratios=$(awk '$1 == "vsdisk" { v[++a] = $2 } $1 == "floor" { f[++b] = $2 }
    END { for (i = 1; i <= a; i++) printf "%.2f\n", v[i] / (f[i] > 0 ? f[i] : 1) }' times.txt)
xr=$(echo "$ratios" | median)
xf=$(awk "BEGIN {printf \"%.2f\", $v / ($f > 0 ? $f : 1)}")
verdict=PASS
awk "BEGIN {exit !($xf <= 1.3)}" || verdict=MISS
[ $verdict = PASS ] || status=1
echo "bench_lifecycle resize_vhd_100G_to_2040G vsdisk_ms=$v floor_ms=$f ratio_floor=$xf" \
     "median_run_ratio=$xr $verdict (flushes: vsdisk=$flush_vsdisk floor=$flush_floor;" \
     "runs: vsdisk $(awk '$1 == "vsdisk" { printf "%s ", $2 }' times.txt)floor" \
     "$(awk '$1 == "floor" { printf "%s ", $2 }' times.txt | sed 's/ $//'); file $size ->" \
     "$(stat -c %s work.vhd) bytes; dry run: $moved)"
rm -f times.txt

# The check of the largest disks; work.vhd is now the grown disk holding 2 GiB.
# peak_kib COMMAND...: GNU time's maximum resident set of the whole process in KiB, or
# "failed" if the command failed.
# "failed" if the command failed (for vsdisk check: exit status 1, the check could not finish;
# 2 and 3 say what it found).
peak_kib() {
    rc=0
    /usr/bin/time -f %M -o rss.txt "$@" > /dev/null 2>&1 || rc=$?
    if [ $rc = 0 ] || { [ "$2" = check ] && { [ $rc = 2 ] || [ $rc = 3 ]; }; }; then
        tail -n 1 rss.txt
    else
        echo failed
    fi
}
"$vsdisk" create small.vhd 3 > /dev/null
"$vsdisk" create big.vhd 2088960 > /dev/null
"$vsdisk" create big.vhdx 67108864 > /dev/null
"$vsdisk" create --block-size 1M big1m.vhdx 67108864 > /dev/null
mv work.vhd grown.vhd
for disk in small.vhd big.vhd grown.vhd big.vhdx big1m.vhdx; do
    i=0
    : > check_times.txt
    while [ $i -lt "${BENCH_CHECK_RUNS:-5}" ]; do
        t0=$(now)
        /usr/bin/time -f %M -o rss.txt "$vsdisk" check "$disk" > /dev/null
        t1=$(now)
        echo "$(((t1 - t0) / 1000)) $(tail -n 1 rss.txt)" >> check_times.txt
        i=$((i + 1))
    done
    rss=$(sort -n -k2 check_times.txt | awk '{ m[NR] = $2 } END { print m[int((NR + 1) / 2)] }')
    sort -n check_times.txt | awk -v disk="$disk" -v rss="$rss" -v size="$(stat -c %s "$disk")" \
        '{ t[NR] = $1 / 1000 }
        END { printf "bench_lifecycle check %s file_size=%s runs=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f rss_kib=%d\n",
              disk, size, NR, t[int((NR + 1) / 2)], t[1], t[NR], rss }'
done
rm -f small.vhd big.vhd big.vhdx big1m.vhdx check_times.txt

# Peak memory of resize, check and repair: small and large disks holding the same data.
memory() {
    label=$1 small=$2 large=$3
    verdict=MISS
    if [ "$small" != failed ] && [ "$large" != failed ] && [ "$small" -le 4096 ] &&
            [ "$large" -le 4096 ] && [ $((large - small)) -le 256 ]; then
        verdict=PASS
    fi
    [ $verdict = PASS ] || status=1
    echo "bench_lifecycle peak_memory $label small_kib=$small large_kib=$large $verdict"
}
echo "bench_lifecycle: preparing 8 GiB disks and a 2040 GiB VHDX with the same data"
make_disk s.vhd 8G
"$vsdisk" convert s.vhd s.vhdx dynamic > /dev/null
"$vsdisk" convert grown.vhd b.vhdx dynamic > /dev/null
memory "check_vhd 8G/2040G" "$(peak_kib "$vsdisk" check s.vhd)" "$(peak_kib "$vsdisk" check grown.vhd)"
memory "check_vhdx 8G/2040G" "$(peak_kib "$vsdisk" check s.vhdx)" "$(peak_kib "$vsdisk" check b.vhdx)"
memory "repair_vhd 8G/2040G (nothing to repair)" "$(peak_kib "$vsdisk" repair s.vhd)" \
    "$(peak_kib "$vsdisk" repair grown.vhd)"
cp grow.vhd work.vhd
memory "resize_vhd 8G-16G/100G-2040G" "$(peak_kib "$vsdisk" resize s.vhd 16G)" \
    "$(peak_kib "$vsdisk" resize work.vhd 2040G)"
memory "resize_vhdx 8G-16G/2040G-2100G" "$(peak_kib "$vsdisk" resize s.vhdx 16G)" \
    "$(peak_kib "$vsdisk" resize b.vhdx 2100G)"
echo "bench_lifecycle repair_vhdx not measured: $("$vsdisk" repair s.vhdx 2>&1 | head -n 1)"
rm -f s.vhd s.vhdx b.vhdx grown.vhd grow.vhd work.vhd data.bin rss.txt
exit $status

#!/bin/sh
# Benchmarks disk creation and prints one table: the COM server under Wine and the native
# writer against the write floor (one write + one flush of the same bytes, same process),
# vhdcreate against qemu-img create (whole processes), COM throughput, and vhdcreate's peak
# memory; VHDX creation, reading and the reader's heap; with PASS/MISS for the project's
# targets. Not part of scripts/test.sh.
#
# Every figure is the median [min-max] of BENCH_RUNS runs (default 15) after BENCH_WARMUP
# warm-up runs (default 3); throughput figures of BENCH_THROUGHPUT_RUNS (default 10). Each
# comparison is a ratio measured in the same run. The disks go to a temporary folder under
# BENCH_DIR (default $TMPDIR or /tmp), removed at the end.
#
# Build directories of its own, so that it measures release code and never disturbs the
# test builds: build-bench/ (native, -Dbuildtype=release, no sanitizers) and
# build-bench-cross/ (cross, release, with its own Wine prefix, whose server it starts and
# stops; the test prefix in build/ is never touched).
set -eu
. "$(dirname "$0")/env.sh"
cd "$root"

bench_build="$root/build-bench"
cross_build="$root/build-bench-cross"
export WINEPREFIX="$cross_build/wine-prefix"
runs=${BENCH_RUNS:-15}
warmup=${BENCH_WARMUP:-3}
throughput_runs=${BENCH_THROUGHPUT_RUNS:-10}

"$root/scripts/deps.sh"

tmp=""
cleanup() {
    stop_wine
    if [ -n "${loop_mounted:-}" ]; then
        umount "$loop_mounted" || umount -l "$loop_mounted"
    fi
    if [ -n "$tmp" ]; then
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/vsdisk-bench.XXXXXX")
mkdir "$tmp/disks" "$tmp/out"

# Runs a build step quietly; shows its output only if it fails.
quietly() {
    if ! "$@" >"$tmp/out/build.log" 2>&1; then
        cat "$tmp/out/build.log"
        echo "bench: failed: $*" >&2
        exit 1
    fi
}

echo "bench: building (native release in build-bench/, cross release in build-bench-cross/)"
if [ ! -f "$bench_build/build.ninja" ]; then
    quietly meson setup "$bench_build" -Dbuildtype=release -Db_sanitize=none -Dwerror=true
fi
quietly meson compile -C "$bench_build" bench_native bench_proc bench_writers vhdcreate vsdisk ops_floor fx_write \
    bench_vhdx_create bench_vhdx_read tests/vhdx/test_vhdx_malformed tests/vhdx/test_vhdx_reader bench_raw \
    vhdx_ops_floor resize_floor

# Raw images in and out (issue 22; bench/bench_raw.c): a sparse 8 GiB raw image holding 2 GiB
# into a fixed VHD and a dynamic VHDX against their copy floors and qemu-img convert, a VHD
# out to raw, and vsdisk convert's peak memory for 8 and 64 GiB sources. Each conversion
# moves 2 GiB, so BENCH_RAW_RUNS runs (default 5) after BENCH_RAW_WARMUP (default 1); the
# volume needs about 19 GiB free (two fixed 8 GiB VHDs and the sources). BENCH_ONLY=raw runs
# this part alone (no Wine, no other part).
raw_part() {
    mkdir "$tmp/raw"
    "$bench_build/bench/bench_raw" "$tmp/raw" "$bench_build/src/cli/vsdisk" "$qemu_img" \
        --runs "${BENCH_RAW_RUNS:-5}" --warmup "${BENCH_RAW_WARMUP:-1}" \
        --memory-runs "${BENCH_RAW_MEMORY_RUNS:-3}" >"$tmp/out/raw.txt"
    rm -rf "$tmp/raw"
    python3 "$root/bench/report.py" "$tmp/out/raw.txt"
}
# The VHDX jobs (issue 20; bench/bench_ops_vhdx.sh): Convert VHD <-> VHDX (fixed and dynamic
# targets) and Compact of a VHDX on an 8 GiB disk holding 2 GiB, against their floors and
# qemu-img, and their peak memory on 8 and 512 GiB disks; BENCH_VHDX_OPS_RUNS runs (default 3;
# about 3 minutes a run). The volume needs about 30 GiB free (48 for the fixed targets' memory).
vhdx_ops_part() {
    mkdir "$tmp/vhdx-ops"
    sh "$root/bench/bench_ops_vhdx.sh" "$bench_build/src/cli/vsdisk" "$bench_build/bench/vhdx_ops_floor" \
        "$tmp/vhdx-ops" "${BENCH_VHDX_OPS_RUNS:-3}" || echo "bench: a VHDX job missed its target (MISS above)"
    rm -rf "$tmp/vhdx-ops"
}
# Resize, check, repair (issue 21; bench/bench_lifecycle.sh): a dynamic VHD holding 2 GiB grown
# from 100 to 2040 GiB against its floor (BENCH_LIFECYCLE_RUNS runs, default 15), vsdisk check of
# the largest disks (BENCH_CHECK_RUNS, default 5), peak memory of resize, check and repair on a
# small and a large disk. About 15 GiB free needed.
lifecycle_part() {
    mkdir "$tmp/lifecycle"
    sh "$root/bench/bench_lifecycle.sh" "$bench_build/src/cli/vsdisk" "$bench_build/bench/resize_floor" \
        "$tmp/lifecycle" "${BENCH_LIFECYCLE_RUNS:-15}" || echo "bench: a lifecycle job missed its target (MISS above)"
    rm -rf "$tmp/lifecycle"
}
# BENCH_ONLY=raw, vhdx-ops or lifecycle runs that part alone (no Wine, no other part).
case "${BENCH_ONLY:-}" in
    raw|vhdx-ops|lifecycle)
        qemu_img=$(command -v qemu-img || echo -)
        echo "bench: BENCH_ONLY=$BENCH_ONLY alone"
        load_before=$(cut -d' ' -f1-3 /proc/loadavg)
        case $BENCH_ONLY in
            raw) raw_part ;;
            vhdx-ops) vhdx_ops_part ;;
            lifecycle) lifecycle_part ;;
        esac >"$tmp/out/part.txt"
        load_after=$(cut -d' ' -f1-3 /proc/loadavg)
        echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), Linux $(uname -r)"
        echo "load average (1, 5, 15 min): $load_before before, $load_after after"
        echo "bench dir: $(df -T "$tmp" | awk 'NR == 2 { print $2 " on " $1 }')"
        echo "software: $("$qemu_img" --version 2>/dev/null | head -n 1 || echo 'no qemu-img')"
        echo
        cat "$tmp/out/part.txt"
        exit 0 ;;
    "") ;;
    *) echo "bench: BENCH_ONLY is raw, vhdx-ops or lifecycle" >&2; exit 2 ;;
esac
setup_cross -Dbuildtype=release
quietly meson compile -C "$cross_build" vsdisk bench_com

echo "bench: running (${runs} runs after ${warmup} warm-ups; throughput ${throughput_runs} runs)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
qemu_img=$(command -v qemu-img || echo -)
"$bench_build/bench/bench_native" "$tmp/disks" --runs "$runs" --warmup "$warmup" \
    >"$tmp/out/native.txt"
"$bench_build/bench/bench_proc" "$tmp/disks" "$bench_build/src/cli/vhdcreate" "$qemu_img" \
    --runs "$runs" --warmup "$warmup" --memory-runs "$runs" >"$tmp/out/proc.txt"

# Fixed (64 GiB) and differencing disks. A 64 GiB fixed disk is really allocated, so when
# root it goes to an ext4 file system in a sparse loop-mounted image (fallocate there writes
# only metadata into the image); otherwise to BENCH_DIR, which then needs 64 GiB free. The
# file system is three times the disk: on a smaller one, each creation right after a deletion
# would wait for ext4 to commit the freed blocks before it could reuse them, which made the
# figures swing by half (0.8-1.5x instead of 1.0-1.2x).
writers_dir="$tmp/disks"
loop_mounted=""
if [ "$(id -u)" -eq 0 ] && truncate -s 200G "$tmp/loop.img" && mkfs.ext4 -q -F \
        -E lazy_itable_init=1,lazy_journal_init=1 "$tmp/loop.img" && mkdir "$tmp/loop" &&
        mount -o loop "$tmp/loop.img" "$tmp/loop"; then
    writers_dir="$tmp/loop/disks"
    mkdir "$writers_dir"
    loop_mounted="$tmp/loop"
fi
# Fixed disks of 64 GiB where the volume holds one with a quarter to spare; else the largest
# multiple of 1 GiB that half the free space holds (said in the output).
fixed_mb=65536
free_mb=$(df -Pm "$writers_dir" | awk 'NR == 2 { print $4 }')
if [ "$free_mb" -lt $((fixed_mb + fixed_mb / 4)) ]; then
    fixed_mb=$((free_mb / 2 / 1024 * 1024))
    echo "bench: only $free_mb MB free for the fixed disks: they are $fixed_mb MB instead of 65536"
fi
"$bench_build/bench/bench_writers" "$writers_dir" "$bench_build/src/cli/vhdcreate" "$qemu_img" \
    --runs "$runs" --warmup "$warmup" --fixed-mb "$fixed_mb" >"$tmp/out/writers.txt"
writers_fs=$(df -T "$writers_dir" | awk 'NR == 2 { print $2 }')

# VHDX: dynamic at 64 TiB (in the bench folder) and fixed (beside the VHD fixed disks) against
# their floors and qemu-img; reading 2 GiB of data against a raw file (page cache warm, and
# BENCH_COLD_RUNS runs with it dropped, default 5); the reader's heap for 64 TiB disks, and
# for the worst files of the VHDX reader's tests (their counted peaks, release build).
"$bench_build/bench/bench_vhdx_create" "$tmp/disks" "$bench_build/src/cli/vsdisk" "$qemu_img" \
    --runs "$runs" --warmup "$warmup" --fixed-mb "$fixed_mb" --fixed-dir "$writers_dir" \
    >"$tmp/out/vhdx.txt"
"$bench_build/bench/bench_vhdx_read" "$tmp/disks" --runs "$runs" --warmup "$warmup" \
    --cold-runs "${BENCH_COLD_RUNS:-5}" >>"$tmp/out/vhdx.txt"
mkdir "$tmp/vhdx-tests"
"$bench_build/tests/vhdx/test_vhdx_malformed" >"$tmp/out/vhdx-tests.txt" 2>&1 &&
    "$bench_build/tests/vhdx/test_vhdx_reader" "$root/tests/samples" "$tmp/vhdx-tests" \
        >>"$tmp/out/vhdx-tests.txt" 2>&1 ||
    { cat "$tmp/out/vhdx-tests.txt"; echo "bench: a VHDX reader test failed" >&2; exit 1; }
tr -d '\r' <"$tmp/out/vhdx-tests.txt" | sed -n \
    -e 's/.*# \([0-9]*\) cases, .*worst heap peak \([0-9]*\) bytes (\([^,]*\), bound \([0-9]*\)).*/bench vhdx_heap_table cases=\1 case=\3 peak=\2 bound=\4/p' \
    -e 's/.*# 64 TiB dynamic disk, 1 MiB blocks, \([0-9]*\) BAT entries: reader heap peak \([0-9]*\) bytes (bound \([0-9]*\)).*/bench vhdx_heap_test_64tib size_mb=67108864 bat_entries=\1 peak=\2 bound=\3/p' \
    -e 's/.*# worst file (.*): reader heap peak \([0-9]*\) bytes (bound \([0-9]*\)).*/bench vhdx_heap_worst_file peak=\1 bound=\2/p' \
    >>"$tmp/out/vhdx.txt"

# The COM bench with a warm, persistent Wine server of our own prefix, stopped right after.
stop_wine
start_wine
if ! "$root/scripts/wine-wrap.sh" "$cross_build/bench/bench_com.exe" "$cross_build/src/com/vsdisk.dll" \
        "$tmp/disks" --runs "$runs" --warmup "$warmup" --throughput-runs "$throughput_runs" \
        >"$tmp/out/com.txt" 2>"$tmp/out/com.err"; then
    tr -d '\r' <"$tmp/out/com.txt"
    tail -n 20 "$tmp/out/com.err"
    echo "bench: bench_com failed" >&2
    exit 1
fi
# CreateFixedVirtualHardDisk of 64 GiB under Wine against its floor, on the same volume, once
# the device has written what the throughput runs above left (thousands of files created and
# deleted): each fixed creation flushes twice where its floor flushes once, so it would pay
# double for their writeback.
sync
sleep 2
if ! "$root/scripts/wine-wrap.sh" "$cross_build/bench/bench_com.exe" "$cross_build/src/com/vsdisk.dll" \
        "$writers_dir" --runs "$runs" --warmup "$warmup" --size 0 --throughput 0 --fixed "$fixed_mb" \
        >"$tmp/out/com_fixed.txt" 2>>"$tmp/out/com.err"; then
    tr -d '\r' <"$tmp/out/com_fixed.txt"
    echo "bench: bench_com --fixed failed" >&2
    exit 1
fi
tr -d '\r' <"$tmp/out/com_fixed.txt" | grep '^bench com_fixed' >>"$tmp/out/writers.txt"
stop_wine
if [ -n "$loop_mounted" ]; then
    umount "$loop_mounted"
    loop_mounted=""
    rm -f "$tmp/loop.img"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

fs=$(df -T "$tmp" | awk 'NR == 2 { print $2 " on " $1 }')
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), Linux $(uname -r)"
echo "load average (1, 5, 15 min): $load_before before, $load_after after (a busy machine widens the ranges)"
echo "bench dir: $fs (${BENCH_DIR:-${TMPDIR:-/tmp}})"
echo "software: $("$root/scripts/wine-wrap.sh" --version 2>/dev/null | tr -d '\r'), $("$qemu_img" --version 2>/dev/null | head -n 1 || echo 'no qemu-img')"
echo "method: median [min–max] of $runs runs after $warmup warm-ups (throughput: $throughput_runs runs);" \
     "ratios are per run, contenders alternating, in the same process or loop"
echo "floors: COM = CreateFileW(CREATE_NEW), one WriteFile, FlushFileBuffers (Wine: fsync), CloseHandle;" \
     "native = open(O_CREAT|O_EXCL), one write, fdatasync (as the POSIX back end), close"
echo
python3 "$root/bench/report.py" "$tmp/out/com.txt" "$tmp/out/native.txt" "$tmp/out/proc.txt" \
    "$tmp/out/vhdx.txt"
echo
echo "fixed and differencing disks (ms, median [min-max]; $writers_fs${loop_mounted:+ in a loop-mounted sparse image}):"
awk '$1 == "bench" {
        name = $2; attrs = ""; med = ""; lo = ""; hi = "";
        for (i = 3; i <= NF; i++) {
            split($i, kv, "=");
            if (kv[1] == "median") med = kv[2]; else if (kv[1] == "min") lo = kv[2];
            else if (kv[1] == "max") hi = kv[2]; else if (kv[1] != "runs") attrs = attrs " " $i;
        }
        if (med != "") printf "  %-28s %10.2f [%.2f-%.2f] %s\n", name, med, lo, hi, attrs;
        else printf "  %-28s %s\n", name, attrs;
        if (name == "fixed_ratio" || name == "com_fixed_ratio") printf "  %-28s %s\n", "  target <= 1.2", (med <= 1.2 ? "PASS" : "MISS");
    }' "$tmp/out/writers.txt"
echo "  (qemu-img's 'fixed' VHD is a sparse file: allocated= shows the bytes really reserved;"
echo "   vhdcreate reserves the whole size. fixed_floor = one fallocate + one footer pwrite +"
echo "   fdatasync; differencing_floor = one write of the child's file + fdatasync.)"
if [ -s "$tmp/out/com.err" ]; then
    echo
    echo "note: Wine wrote $(wc -l <"$tmp/out/com.err") lines on bench_com's stderr; the most frequent:"
    tr -d '\r' <"$tmp/out/com.err" | sort | uniq -c | sort -rn | head -n 3
fi

echo
raw_part
echo
# The disk jobs (Convert, MergeTo, Compact) against their floor and qemu-img, and their peak
# memory (bench/bench_ops.sh; BENCH_OPS_RUNS runs each, default 3; about 4 minutes a run).
echo
mkdir "$tmp/ops"
if [ "${BENCH_OPS:-1}" != 0 ]; then
    sh "$root/bench/bench_ops.sh" "$bench_build/src/cli/vsdisk" "$bench_build/bench/ops_floor" \
        "$bench_build/tests/native/fx_write" "$tmp/ops" "${BENCH_OPS_RUNS:-3}" ||
        echo "bench: a disk job missed its target (MISS above)"
fi
# Merge of a VHDX chain in place against its floor, with its flush count (bench_merge_vhdx.sh).
mkdir "$tmp/merge-vhdx"
if [ "${BENCH_OPS:-1}" != 0 ]; then
    sh "$root/bench/bench_merge_vhdx.sh" "$bench_build/src/cli/vsdisk" "$tmp/merge-vhdx" \
        "${BENCH_OPS_RUNS:-3}" || echo "bench: the VHDX merge missed its target (MISS above)"
fi
rm -rf "$tmp/ops" "$tmp/merge-vhdx"
echo
vhdx_ops_part
echo
lifecycle_part

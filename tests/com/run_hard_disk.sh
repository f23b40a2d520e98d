#!/bin/sh
# Runs test_hard_disk under Wine with what vhdiinfo reports for each sample (the VHDX ones
# decompressed into SCRATCH_DIR) and for a fixed and a dynamic disk qemu-img makes, VHD and
# VHDX: "NAME TYPE MEDIA-SIZE FILE-SIZE" per line, TYPE as
# VMHardDiskType (Dynamic 0, FixedSize 1, Differencing 2).
# Usage: run_hard_disk.sh WINE_WRAP TEST_EXE DLL SAMPLES_DIR SCRATCH_DIR
set -eu
wrap=$1 exe=$2 dll=$3 samples=$4 scratch=$5
rm -rf "$scratch"
mkdir -p "$scratch"
expected="$scratch/expected.txt"

to_windows() {
    printf 'Z:%s' "$(realpath "$1")" | tr / '\\'
}
describe() {
    info=$(vhdiinfo "$1")
    case $(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*Disk type[[:space:]]*: //p') in
        Dynamic) type=0 ;; Fixed) type=1 ;; Differential) type=2 ;; *) echo "vhdiinfo: $1: unknown type" >&2; exit 1 ;;
    esac
    media=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*Media size.*(\([0-9]*\) bytes).*/\1/p')
    [ -n "$media" ] || { echo "vhdiinfo gave no media size for $1" >&2; exit 1; }
    printf '%s %s %s %s\n' "$2" "$type" "$media" "$(stat -c %s "$1")"
}

: > "$expected"
for f in "$samples"/*.vhd; do
    describe "$f" "$(basename "$f")" >> "$expected"
done
for f in "$samples"/*.vhdx.bz2; do
    name=$(basename "$f" .bz2)
    bunzip2 -c "$f" > "$scratch/$name"
    describe "$scratch/$name" "$(to_windows "$scratch/$name")" >> "$expected"
done
qemu-img create -q -f vpc -o subformat=fixed "$scratch/qemu-fixed.vhd" 8M
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$scratch/qemu-dynamic.vhd" 20M
qemu-img create -q -f vhdx -o subformat=fixed "$scratch/qemu-fixed.vhdx" 8M
qemu-img create -q -f vhdx -o subformat=dynamic,block_size=8M "$scratch/qemu-dynamic.vhdx" 40M
for f in qemu-fixed.vhd qemu-dynamic.vhd qemu-fixed.vhdx qemu-dynamic.vhdx; do
    describe "$scratch/$f" "$(to_windows "$scratch/$f")" >> "$expected"
done
cat "$expected"
exec "$wrap" "$exe" "$dll" "$samples" "$scratch" "$expected"

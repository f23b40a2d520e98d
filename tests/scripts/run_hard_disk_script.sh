#!/bin/sh
# Runs hard_disk.vbs or hard_disk.js through run_script.sh with, for each sample, what
# vhdiinfo and stat report: "NAME:TYPE:SIZE:FILESIZE" (TYPE as VMHardDiskType).
# Usage: run_hard_disk_script.sh RUN_SCRIPT WINE_WRAP DLL SCRIPT SAMPLES_DIR
set -eu
run_script=$1 wrap=$2 dll=$3 script=$4 samples=$5
set --
for f in "$samples"/*.vhd; do
    info=$(vhdiinfo "$f")
    case $(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*Disk type[[:space:]]*: //p') in
        Dynamic) type=0 ;; Fixed) type=1 ;; Differential) type=2 ;; *) exit 1 ;;
    esac
    media=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*Media size.*(\([0-9]*\) bytes).*/\1/p')
    set -- "$@" "$(basename "$f"):$type:$media:$(stat -c %s "$f")"
done
folder=$(printf 'Z:%s' "$(realpath "$samples")" | tr / '\\')
exec sh "$run_script" "$wrap" "$dll" "$script" "$folder" "$@"

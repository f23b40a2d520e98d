#!/bin/sh
# Makes the disks disk_life.vbs or disk_life.js works on (make_life_inputs.sh) and runs the
# script through run_script.sh.
# Usage: run_disk_life_script.sh RUN_SCRIPT WINE_WRAP DLL SCRIPT TMPBASE SAMPLES MAKE_INPUTS
set -eu
run_script=$1 wrap=$2 dll=$3 script=$4 tmpbase=$5 samples=$6 make_inputs=$7
dir="$tmpbase/life-script-$(basename "$script")-$$"
sh "$make_inputs" "$dir" "$samples"
set +e
sh "$run_script" "$wrap" "$dll" "$script" "$dir"
status=$?
[ $status -eq 0 ] && rm -rf "$dir"
exit $status

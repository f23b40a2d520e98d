#!/bin/sh
# The main job: installs what is missing, builds vsdisk, registers it in a Wine prefix, and
# creates a 16 GiB dynamic VHD from VBScript (examples/create-disk.vbs), printing the task's
# progress and result; then shows what vhdiinfo and qemu-img say about the file.
# Usage: ./scripts/demo.sh [PATH.vhd] [SIZE_MB]     (default: build/demo/disk.vhd, 16384)
set -eu
. "$(dirname "$0")/env.sh"
cd "$root"

disk=${1:-$root/build/demo/disk.vhd}
size_mb=${2:-16384}
case $disk in /*) ;; *) disk=$(pwd)/$disk ;; esac

"$root/scripts/deps.sh"
trap stop_wine EXIT INT TERM
setup_cross
meson compile -C "$cross_build" vsdisk >/dev/null

wrap="$root/scripts/wine-wrap.sh"
to_windows() { printf 'Z:%s' "$1" | tr / '\\'; }

echo "== Registering vsdisk.dll"
"$wrap" regsvr32 /s "$(to_windows "$cross_build/src/com/vsdisk.dll")"

[ -n "${1:-}" ] || rm -f "$disk"
printf '== cscript create-disk.vbs %s %s\n' "$(to_windows "$disk")" "$size_mb"
output=$(mktemp)
errors=$(mktemp)
status=0
"$wrap" cscript //nologo "$(to_windows "$root/examples/create-disk.vbs")" "$(to_windows "$disk")" \
    "$size_mb" >"$output" 2>"$errors" || status=$?
tr -d '\r' <"$output"
# Wine notes that it cannot read the label of the Z: drive (it maps /); that is harmless.
grep -v 'FS volume label and serial are not available' "$errors" >&2 || true
rm -f "$output" "$errors"
[ "$status" -eq 0 ] || { echo "demo: the VBScript failed (exit code $status)"; exit "$status"; }

printf '== vhdiinfo %s\n' "$disk"
vhdiinfo "$disk"
echo "== qemu-img info (opened at the size stored in the footer, as Hyper-V and Azure do)"
qemu-img info --image-opts "driver=vpc,force_size_calc=current_size,file.driver=file,file.filename=$disk"

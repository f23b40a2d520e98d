#!/bin/sh
# The main job: installs what is missing, builds vsdisk, registers it in a Wine prefix, and
# creates a 16 GiB dynamic VHD from VBScript (examples/create-disk.vbs), printing the task's
# progress and result; then shows what vhdiinfo and qemu-img say about the file.
# Usage: ./scripts/demo.sh [PATH.vhd] [SIZE_MB]     (default: build/demo/disk.vhd, 16384)
# A relative PATH is taken from the folder you run the demo in ("../disks/a.vhd" included).
set -eu
# Resolved before env.sh and the cd below: the path the user means is relative to where they are.
# (Given as is, "..\disks\a.vhd" under Z: would be refused: vsdisk wants a full path, no "..".)
if [ -n "${1:-}" ]; then
    disk=$(realpath -m -- "$1")
fi
. "$(dirname "$0")/env.sh"
cd "$root"

disk=${disk:-$root/build/demo/disk.vhd}
size_mb=${2:-16384}
step() { printf '== %s\n' "$*"; }

step "installing what the demo needs, if anything is missing (scripts/deps.sh demo)"
"$root/scripts/deps.sh" demo
trap stop_wine EXIT INT TERM
if [ -f "$cross_build/src/com/vsdisk.dll" ]; then
    step "building vsdisk.dll (already built: only what changed)…"
else
    step "building vsdisk.dll (about a minute on a fresh machine)…"
fi
setup_cross
meson compile -C "$cross_build" vsdisk >/dev/null

wrap="$root/scripts/wine-wrap.sh"
to_windows() { printf 'Z:%s' "$1" | tr / '\\'; }

step "registering vsdisk.dll in the Wine prefix build/wine-prefix (the first start of Wine takes a while)…"
"$wrap" regsvr32 /s "$(to_windows "$cross_build/src/com/vsdisk.dll")"

[ -n "${1:-}" ] || rm -f "$disk"
step "creating $disk ($size_mb MB) from VBScript: cscript create-disk.vbs $(to_windows "$disk") $size_mb"
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

step "what vhdiinfo (libvhdi) says about $disk"
vhdiinfo "$disk"
step "what qemu-img info says (with its default options: the exact size, as Hyper-V and Azure see it)"
qemu-img info -f vpc "$disk"
step "done: $disk"

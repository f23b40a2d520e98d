#!/bin/sh
# Builds both DLLs (build/ for x64, build-x86/ for x86) and packs the Windows release,
# vsdisk-VERSION-windows.zip and the four MSIs, into OUTPUT_DIR (default: dist/). See
# packaging/INSTALL.txt for what the zip holds, docs/install-windows.md for the MSIs.
# Usage: scripts/release.sh [OUTPUT_DIR]
set -eu
. "$(dirname "$0")/env.sh"
cd "$root"
out=${1:-$root/dist}
"$root/scripts/deps.sh"
trap stop_wine EXIT INT TERM
setup_cross_x86
meson compile -C "$cross_x86_build"
setup_cross -Dpeer_build="$cross_x86_build"
meson compile -C "$cross_build"
zip=$("$root/scripts/make-zip.sh" "$cross_build" "$cross_x86_build" "$out")
echo "release: $zip"
unzip -l "$zip"
# The four MSIs beside it (per machine and per user, x64 and x86): docs/install-windows.md.
"$root/scripts/make-msi.sh" "$cross_build" "$cross_x86_build" "$out" | sed 's/^/release: /'

#!/bin/sh
# Runs a client (the C++ one, the early-bound C one) that creates a 3 MB disk in a fresh
# folder, then checks the disk with independent readers. Usage: run_client_cpp.sh RUN_SCRIPT WINE_WRAP DLL CLIENT VERSION
set -u
run_script=$1 wrap=$2 dll=$3 client=$4 version=$5
dir=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-cpp.XXXXXX")
trap 'rm -rf "$dir"' EXIT
disk_win=$(printf 'Z:%s/cpp.vhd' "$dir" | tr / '\\')
sh "$run_script" "$wrap" "$dll" "$client" "$version" "$disk_win" || exit 1
size=$(vhdiinfo "$dir/cpp.vhd" | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p')
if [ "$size" != 3145728 ]; then
    echo "vhdiinfo reports media size '$size', expected 3145728"
    exit 1
fi
echo "vhdiinfo: 3145728 bytes"

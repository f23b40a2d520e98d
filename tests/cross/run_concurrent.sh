#!/bin/sh
# A 32-bit and a 64-bit script host create disks at the same time in one Wine prefix, each
# with the DLL of its own bitness (registered in its own view). Both runs must pass, must
# have overlapped in time, and every disk must read back at its size (vhdiinfo).
# Usage: run_concurrent.sh RUN_SCRIPT WINE_WRAP DLL64 DLL32 SCRIPT BASE
set -u
run_script=$1 wrap=$2 dll64=$3 dll32=$4 script=$5 base=$6
count=6
passed=0 failed=0
work=$base/concurrent.$$
rm -rf "$work"
mkdir -p "$work/x64" "$work/x86"
check() {
    what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

# Each view names the DLL of its own bitness, so each host loads its own in process (not the
# other's through the surrogate, which CreateObject would fall back to).
win() { printf 'Z:%s' "$(realpath "$1")" | tr / '\\'; }
VSDISK_WINE_ARCH=x64 "$wrap" regsvr32 /s "$(win "$dll64")"
VSDISK_WINE_ARCH=x86 "$wrap" regsvr32 /s "$(win "$dll32")"
clsid=$(VSDISK_WINE_ARCH=x64 "$wrap" reg query 'HKLM\Software\Classes\VirtualServer.Application\CLSID' /ve |
    tr -d '\r' | sed -n 's/.*REG_SZ[[:space:]]*//p')
clsid_key="HKLM\\Software\\Classes\\CLSID\\$clsid\\InprocServer32"
server_in() { VSDISK_WINE_ARCH=x64 "$wrap" reg query "$clsid_key" /ve "/reg:$1" 2>/dev/null | tr -d '\r' |
    sed -n 's/.*REG_SZ[[:space:]]*//p'; }
in64=$(server_in 64) in32=$(server_in 32)
check "the 64-bit view's in-process server is the x64 DLL ($in64)" [ "$in64" = "$(win "$dll64")" ]
check "the 32-bit view's in-process server is the x86 DLL ($in32)" [ "$in32" = "$(win "$dll32")" ]

# Slow writes keep each run going for a few seconds, so the two surely overlap.
export VSDISK_TEST_WRITE_DELAY_MS=100
VSDISK_WINE_ARCH=x64 sh "$run_script" "$wrap" "$dll64" "$script" "$work/x64" $count >"$work/x64.out" 2>&1 &
pid64=$!
VSDISK_WINE_ARCH=x86 sh "$run_script" "$wrap" "$dll32" "$script" "$work/x86" $count >"$work/x86.out" 2>&1 &
pid32=$!
wait $pid64; rc64=$?
wait $pid32; rc32=$?
for arch in x64 x86; do sed "s/^/    $arch | /" "$work/$arch.out"; done
check "the 64-bit host's run passes (exit $rc64)" [ $rc64 -eq 0 ]
check "the 32-bit host's run passes (exit $rc32)" [ $rc32 -eq 0 ]

# Overlap: each run started before the other ended.
s64=$(sed -n 's/^started //p' "$work/x64.out") e64=$(sed -n 's/^ended //p' "$work/x64.out")
s32=$(sed -n 's/^started //p' "$work/x86.out") e32=$(sed -n 's/^ended //p' "$work/x86.out")
overlap() { awk -v a="$s64" -v b="$e64" -v c="$s32" -v d="$e32" \
    'BEGIN { exit !(a != "" && c != "" && a + 0 < d + 0 && c + 0 < b + 0) }'; }
check "the two runs overlapped (x64 $s64..$e64, x86 $s32..$e32)" overlap

sizes="3 16384 2088960"
for arch in x64 x86; do
    i=1
    while [ $i -le $count ]; do
        set -- $sizes
        case $((i % 3)) in 0) mb=$1 ;; 1) mb=$2 ;; 2) mb=$3 ;; esac
        bytes=$(vhdiinfo "$work/$arch/disk$i.vhd" 2>/dev/null | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p')
        check "$arch disk$i.vhd reads as $mb MB (got '$bytes')" [ "$bytes" = $((mb * 1048576)) ]
        i=$((i + 1))
    done
done
VSDISK_WINE_ARCH=x64 "$wrap" regsvr32 /s /u "$(win "$dll64")"
VSDISK_WINE_ARCH=x86 "$wrap" regsvr32 /s /u "$(win "$dll32")"
rm -rf "$work"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

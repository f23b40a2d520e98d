#!/bin/sh
# The release zip as a Windows user gets it: scripts/make-zip.sh packs it from the two builds;
# it must hold both DLLs, the type libraries, the header and GUID file, the examples, the
# README (whose links resolve in the zip), docs/, LICENSE and INSTALL.txt, and no import
# library. Unpacked into a fresh Wine prefix of its own (its wineserver started here and
# stopped on exit), each DLL registers from there with the regsvr32 of its bitness,
# machine-wide and per user, and unregisters; the VBScript example creates a disk in each
# bitness.
# Usage: run_release.sh MAKE_ZIP X64_BUILD X86_BUILD WINE_WRAP SCRATCH
set -u
make_zip=$1 x64=$2 x86=$3 wrap=$4 scratch=$5
passed=0 failed=0
check() {
    what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
win() { printf 'Z:%s' "$(realpath -m "$1")" | tr / '\\'; }
size_of() { vhdiinfo "$1" 2>/dev/null | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p'; }

rm -rf "$scratch"
mkdir -p "$scratch"
zip=$("$make_zip" "$x64" "$x86" "$scratch/dist")
check "make-zip.sh makes the zip ($zip)" [ -f "$zip" ]
case $(basename "$zip") in
    vsdisk-*-windows.zip) check "it is named vsdisk-VERSION-windows.zip" true ;;
    *) check "it is named vsdisk-VERSION-windows.zip (not $(basename "$zip"))" false ;;
esac
unzip -q "$zip" -d "$scratch/unpacked"
dir=$(ls -d "$scratch"/unpacked/vsdisk-*-windows 2>/dev/null)
check "it unpacks into one vsdisk-VERSION-windows folder" [ -n "$dir" ] && [ -d "$dir" ]
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "$passed passed, $((failed + 1)) failed (nothing to test without the unpacked zip)"
    exit 1
fi
for file in x64/vsdisk.dll x86/vsdisk.dll x64/vsdisk.tlb x86/vsdisk.tlb include/vsdisk.h \
            include/vsdisk_i.c examples/create-disk.vbs examples/create-disk.js \
            examples/Create-Disk.ps1 examples/create_disk.c examples/create_disk.cpp README.md \
            INSTALL.txt LICENSE docs/windows.md docs/api.md examples/inspect-disk.vbs \
            examples/convert-disk.vbs examples/merge-disk.vbs examples/compact-disk.vbs \
            examples/Get-DiskInfo.ps1 examples/Convert-Disk.ps1 examples/Merge-Disk.ps1 \
            examples/Compact-Disk.ps1; do
    check "the zip holds $file" [ -s "$dir/$file" ]
done
# The README read from the zip: each of its relative links (code spans left out) names a file of the zip.
missing=""
for target in $(sed 's/`[^`]*`//g' "$dir/README.md" | grep -o '](\([^)]*\))' |
                sed 's/^](//; s/)$//; s/#.*//' | grep -v '^[a-zA-Z][a-zA-Z0-9+.-]*:' | sort -u); do
    [ -e "$dir/$target" ] || missing="$missing $target"
done
check "every relative link of the zip's README.md resolves in the zip (missing:${missing:- none})" [ -z "$missing" ]
check "x64/vsdisk.dll is a 64-bit DLL" sh -c "x86_64-w64-mingw32-objdump -f '$dir/x64/vsdisk.dll' | grep -q 'pei-x86-64'"
check "x86/vsdisk.dll is a 32-bit DLL" sh -c "i686-w64-mingw32-objdump -f '$dir/x86/vsdisk.dll' | grep -q 'pei-i386'"
extra=$(cd "$dir" && find . -name '*.a' -o -name '*.lib' -o -name '*.exp')
check "no import library in the zip (found: $extra)" [ -z "$extra" ]
check "INSTALL.txt names both regsvr32 and the per-user form" \
    sh -c "grep -q 'SysWOW64.regsvr32' '$dir/INSTALL.txt' && grep -q 'System32.regsvr32' '$dir/INSTALL.txt' && grep -q '/n /i:user' '$dir/INSTALL.txt'"

# A fresh prefix of its own, and its own server.
export WINEPREFIX="$scratch/prefix"
mkdir -p "$WINEPREFIX"
/usr/lib/wine/wineserver64 -p
trap '/usr/lib/wine/wineserver64 -k 2>/dev/null; rm -rf "$scratch"' EXIT
# The CLSID that VirtualServer.Application names once registered.
clsid_in() {   # clsid_in ARCH SCOPE: the InprocServer32 of our class in ARCH's view, or ""
    hive=HKLM
    [ "$2" = user ] && hive=HKCU
    clsid=$(VSDISK_WINE_ARCH=x64 "$wrap" reg query "$hive\\Software\\Classes\\VsDisk.VirtualServer\\CLSID" /ve 2>/dev/null |
        tr -d '\r' | sed -n 's/.*REG_SZ[[:space:]]*//p')
    [ -n "$clsid" ] || return 0
    view=64
    [ "$1" = x86 ] && view=32
    VSDISK_WINE_ARCH=x64 "$wrap" reg query "$hive\\Software\\Classes\\CLSID\\$clsid\\InprocServer32" /ve "/reg:$view" 2>/dev/null |
        tr -d '\r' | sed -n 's/.*REG_SZ[[:space:]]*//p'
}

for arch in x64 x86; do
    dll=$(win "$dir/$arch/vsdisk.dll")
    VSDISK_WINE_ARCH=$arch "$wrap" regsvr32 /s "$dll"
    check "$arch: regsvr32 registers the unpacked DLL machine-wide (exit $?)" [ $? -eq 0 ]
    found=$(clsid_in $arch machine)
    check "$arch: its view names the unpacked DLL ($found)" [ "$found" = "$dll" ]
    VSDISK_WINE_ARCH=$arch "$wrap" cscript //nologo "$(win "$dir/examples/create-disk.vbs")" \
        "$(win "$scratch/disks/$arch.vhd")" 100 >"$scratch/out" 2>&1
    rc=$?
    tr -d '\r' <"$scratch/out" | sed "s/^/    $arch | /"
    check "$arch: the example creates a disk with the $arch cscript (exit $rc)" \
        sh -c "[ $rc -eq 0 ] && grep -q '^Created ' '$scratch/out'"
    check "$arch: vhdiinfo reads 104857600 bytes" [ "$(size_of "$scratch/disks/$arch.vhd")" = 104857600 ]
    VSDISK_WINE_ARCH=$arch "$wrap" regsvr32 /s /u "$dll"
    check "$arch: regsvr32 /u unregisters (exit $?)" [ $? -eq 0 ]
    check "$arch: nothing left machine-wide" [ -z "$(clsid_in $arch machine)" ]
    # Per user (Wine's CreateObject looks only machine-wide, so the keys are what is checked).
    VSDISK_WINE_ARCH=$arch "$wrap" regsvr32 /s /n /i:user "$dll"
    check "$arch: regsvr32 /n /i:user registers per user (exit $?)" [ $? -eq 0 ]
    found=$(clsid_in $arch user)
    check "$arch: the per-user keys name the unpacked DLL ($found)" [ "$found" = "$dll" ]
    VSDISK_WINE_ARCH=$arch "$wrap" regsvr32 /s /u /n /i:user "$dll"
    check "$arch: regsvr32 /u /n /i:user unregisters (exit $?)" [ $? -eq 0 ]
    check "$arch: nothing left per user" [ -z "$(clsid_in $arch user)" ]
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

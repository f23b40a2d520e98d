#!/bin/sh
# `meson install --destdir` lays out a redistributable tree; the installed DLL registers and
# the installed VBScript example creates a disk with it.
# Usage: run_install.sh MESON BUILD_DIR WINE_WRAP
set -u
meson=$1 build=$2 wrap=$3
passed=0 failed=0
dir=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-install.XXXXXX")
trap 'rm -rf "$dir"' EXIT
to_windows() { printf 'Z:%s' "$(realpath -m "$1")" | tr / '\\'; }
check() {
    what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

"$meson" install -C "$build" --destdir "$dir/tree" --no-rebuild --quiet >"$dir/install.log" 2>&1
check "meson install succeeds" [ $? -eq 0 ] || cat "$dir/install.log"
tree=$dir/tree
(cd "$tree" && find . -type f | sort | sed 's/^/    /')
for file in bin/vsdisk.dll bin/vsdisk.tlb include/vsdisk.h include/vsdisk_i.c \
            share/vsdisk/vsdisk.registry share/doc/vsdisk/README.md share/doc/vsdisk/docs/api.md \
            share/vsdisk/examples/create-disk.vbs share/vsdisk/examples/create-disk.js \
            share/vsdisk/examples/Create-Disk.ps1 share/vsdisk/examples/create_disk.c \
            share/vsdisk/examples/create_disk.cpp share/vsdisk/examples/inspect-disk.vbs \
            share/vsdisk/examples/convert-disk.vbs share/vsdisk/examples/merge-disk.vbs \
            share/vsdisk/examples/compact-disk.vbs share/vsdisk/examples/Get-DiskInfo.ps1 \
            share/vsdisk/examples/Convert-Disk.ps1 share/vsdisk/examples/Merge-Disk.ps1 \
            share/vsdisk/examples/Compact-Disk.ps1; do
    check "$file is installed" [ -s "$tree/$file" ]
done

leftover=$(cd "$tree" && find . -name '*.a' -o -name '*.lib' -o -name '*.dll.a')
check "no import library is installed (found: $leftover)" [ -z "$leftover" ]

"$wrap" regsvr32 /s "$(to_windows "$tree/bin/vsdisk.dll")"
check "the installed DLL registers" [ $? -eq 0 ]
"$wrap" cscript //nologo "$(to_windows "$tree/share/vsdisk/examples/create-disk.vbs")" \
    "$(to_windows "$dir/disks/installed.vhd")" 40 >"$dir/out" 2>&1
rc=$?
tr -d '\r' <"$dir/out" | sed 's/^/    | /'
check "the installed example creates a disk (exit $rc)" [ "$rc" -eq 0 ]
size=$(vhdiinfo "$dir/disks/installed.vhd" 2>/dev/null | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p')
check "vhdiinfo reads 41943040 bytes (got '$size')" [ "$size" = 41943040 ]
"$wrap" regsvr32 /s /u "$(to_windows "$tree/bin/vsdisk.dll")"
check "the installed DLL unregisters" [ $? -eq 0 ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

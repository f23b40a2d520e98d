#!/bin/sh
# Runs one example as a user would, with vsdisk registered: a successful creation (exit 0,
# progress up to 100%, a disk that vhdiinfo reads at the exact size), a refused one (exit 1
# with the HRESULT and the reason in words, the existing file untouched), and a usage error
# (exit 2). Usage: run_example.sh WINE_WRAP DLL EXAMPLE (.vbs, .js or .exe)
set -u
wrap=$1 dll=$2 example=$3
passed=0 failed=0
dir=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-example.XXXXXX")
trap 'rm -rf "$dir"' EXIT
to_windows() { printf 'Z:%s' "$(realpath -m "$1")" | tr / '\\'; }

check() {   # check WHAT CONDITION...
    what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

run() {     # run ARGS... : sets $rc and $out
    case $example in
        *.exe) "$wrap" "$(to_windows "$example")" "$@" >"$dir/out" 2>&1 ;;
        *) "$wrap" cscript //nologo "$(to_windows "$example")" "$@" >"$dir/out" 2>&1 ;;
    esac
    rc=$?
    out=$(tr -d '\r' <"$dir/out")
    printf '%s\n' "$out" | sed 's/^/    | /'
}
has() { printf '%s\n' "$out" | grep -q -- "$1"; }

"$wrap" regsvr32 /s "$(to_windows "$dll")" || { echo "regsvr32 failed"; exit 1; }

echo "== create a 100 MB disk in a folder that does not exist yet"
run "$(to_windows "$dir/new folder/disk.vhd")" 100
check "exit code 0 on success (got $rc)" [ "$rc" -eq 0 ]
check "progress reaches 100%" has "Progress: 100%"
size=$(vhdiinfo "$dir/new folder/disk.vhd" 2>/dev/null | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p')
check "vhdiinfo reads 104857600 bytes (got '$size')" [ "$size" = 104857600 ]

echo "== the same path again"
cp "$dir/new folder/disk.vhd" "$dir/before.vhd"
run "$(to_windows "$dir/new folder/disk.vhd")" 100
check "exit code 1 when the file exists (got $rc)" [ "$rc" -eq 1 ]
check "the HRESULT is reported" has "800700B7"
check "the reason is given in words" has "already exists"
check "the existing file is untouched" cmp -s "$dir/before.vhd" "$dir/new folder/disk.vhd"

echo "== a size that is too large"
run "$(to_windows "$dir/big.vhd")" 2088961
check "exit code 1 for a refused size (got $rc)" [ "$rc" -eq 1 ]
check "VM_E_IMAGE_SIZE_TOO_LARGE is reported" has "A0040683"
check "nothing is created" [ ! -e "$dir/big.vhd" ]

echo "== no arguments"
run
check "exit code 2 for a usage error (got $rc)" [ "$rc" -eq 2 ]
check "usage is printed" has "sage"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

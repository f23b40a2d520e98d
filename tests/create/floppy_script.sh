#!/bin/sh
# Runs floppy.vbs in a fresh folder, then checks the images it made with an independent
# reader: each is blank (all zeros, so mdir finds no file system on it), and mtools' mformat
# formats it as the floppy of its size (1440 or 720), after which mdir lists a file copied in.
# mtools is required; a missing tool is a failure.
# Usage: floppy_script.sh RUN_SCRIPT WINE_WRAP DLL SCRIPT TMPBASE
set -u
run_script=$1 wrap=$2 dll=$3 script=$4 base=$5

fail() {
    echo "FAIL: $*"
    exit 1
}
for tool in mformat mdir mcopy; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian: apt-get install mtools)"
done
mkdir -p "$base" && work=$(mktemp -d "$base/floppy.XXXXXX") || fail "cannot make a folder under $base"
trap 'rm -rf "$work"; rmdir "$base" 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP
winwork="Z:$(printf '%s' "$work" | tr / '\\')"

sh "$run_script" "$wrap" "$dll" "$script" "$winwork" || fail "$(basename "$script") failed"

export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null
for spec in low.vfd=720=737280 high.vfd=1440=1474560 made/by/script.vfd=1440=1474560; do
    name=${spec%%=*} rest=${spec#*=}
    kb=${rest%%=*} bytes=${rest#*=}
    file=$work/$name
    [ "$(stat -c %s "$file")" -eq "$bytes" ] || fail "$name is not $bytes bytes"
    cmp -s -n "$bytes" "$file" /dev/zero || fail "$name is not all zeros"
    if mdir -i "$file" ::/ >/dev/null 2>&1; then fail "mdir reads a file system on the blank $name"; fi
    mformat -i "$file" -f "$kb" -v VSDISK :: || fail "mformat -f $kb refuses $name"
    [ "$(stat -c %s "$file")" -eq "$bytes" ] || fail "mformat changed the size of $name"
    printf 'hello\r\n' > "$work/hello.txt"
    mcopy -i "$file" "$work/hello.txt" ::/HELLO.TXT || fail "mcopy cannot write to $name"
    listing=$(mdir -i "$file" ::/ 2>&1) || fail "mdir cannot read the formatted $name: $listing"
    printf '%s\n' "$listing" | grep -q '^HELLO  *TXT' || fail "mdir does not list HELLO.TXT on $name: $listing"
    printf '%s\n' "$listing" | grep -qi 'Volume in drive : is VSDISK' \
        || fail "mdir does not show the volume label on $name: $listing"
    echo "ok: $name is a blank $kb KB image that mformat formats and mdir lists"
done
exit 0

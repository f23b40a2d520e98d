#!/bin/sh
# Runs a VBScript or JScript under Wine's cscript, or a client .exe, with vsdisk registered
# machine-wide. Usage: run_script.sh WINE_WRAP DLL SCRIPT-OR-EXE [ARGS...]
# Wine's cscript hides script errors (a runtime error ends the script silently with exit
# code 0), so a script passes only if it exits 0 AND its last line is "N passed, 0 failed"
# with N > 0.
set -u
wrap=$1 dll=$2 script=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# cscript silently runs nothing for a script path with ".." in it: give it a canonical one.
to_windows() {
    printf 'Z:%s' "$(realpath "$1")" | tr / '\\'
}
if ! "$wrap" regsvr32 /s "$(to_windows "$dll")"; then
    echo "run_script: regsvr32 failed for $dll"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-script.XXXXXX")
out=$tmp/out err=$tmp/err
trap 'rm -rf "$tmp"' EXIT
# A VBScript test that says "' include: NAME" (helpers.vbs) runs joined: its Option Explicit
# first, then each named file of this folder, then the test itself. One with no such line
# runs as it is.
case $script in
    *.vbs)
        includes=$(tr -d '\r' <"$script" | sed -n "s/^' include: *//p")
        if [ -n "$includes" ]; then
            joined=$tmp/$(basename "$script")
            {
                if grep -q '^Option Explicit' "$script"; then echo 'Option Explicit'; fi
                for name in $includes; do
                    if [ ! -f "$here/$name" ]; then
                        echo "run_script: $(basename "$script") includes $name, which is not in $here" >&2
                        exit 1
                    fi
                    cat "$here/$name"
                done
                sed "s/^Option Explicit/' Option Explicit: moved to the top/" "$script"
            } >"$joined" || exit 1
            script=$joined
        fi ;;
esac
case $script in
    *.exe) "$wrap" "$(to_windows "$script")" "$@" >"$out" 2>"$err" ;;
    *) "$wrap" cscript //nologo "$(to_windows "$script")" "$@" >"$out" 2>"$err" ;;
esac
rc=$?
tr -d '\r' <"$out"
tr -d '\r' <"$err" >&2
last=$(tr -d '\r' <"$out" | grep -v '^[[:space:]]*$' | tail -n 1)
case $last in
    [1-9]*" passed, 0 failed") ;;
    *) echo "run_script: no final \"N passed, 0 failed\" line from $(basename "$script") (last line: \"$last\")"
       exit 1 ;;
esac
if [ "$rc" -ne 0 ]; then
    echo "run_script: $(basename "$script") exited with $rc"
    exit 1
fi
exit 0

#!/bin/sh
# The DLL links its runtime statically: it may import only Windows system DLLs.
# Usage: check_imports.sh OBJDUMP DLL
set -u
imports=$("$1" -p "$2" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
status=0
for name in $imports; do
    case $name in
        advapi32.dll|kernel32.dll|msvcrt.dll|ole32.dll|oleaut32.dll|user32.dll) echo "ok: $name" ;;
        *) echo "not a Windows system DLL: $name"; status=1 ;;
    esac
done
[ -n "$imports" ] || { echo "no imports found in $2"; status=1; }
exit $status

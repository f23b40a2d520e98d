#!/bin/sh
# Smoke test of a bench program: smoke.sh DIR COMMAND [ARG...]
# Makes DIR empty, runs the command (which must be told DIR itself), and passes if it exits 0,
# its standard output ends with "<name>: ok" and it leaves DIR empty (every file deleted).
dir=$1
shift
rm -rf "$dir"
mkdir -p "$dir" || exit 1
"$@" >"$dir.out" 2>"$dir.err"
rc=$?
tr -d '\r' <"$dir.out"
# Wine may repeat a diagnostic on every volume query; one copy of each line is enough.
tr -d '\r' <"$dir.err" | sort | uniq -c | sort -rn | head -n 20 >&2
last=$(tr -d '\r' <"$dir.out" | tail -n 1)
rm -f "$dir.out" "$dir.err"
left=$(ls -A "$dir")
rm -rf "$dir"
if [ "$rc" -ne 0 ]; then
    echo "smoke: exit status $rc"
    exit 1
fi
case $last in
    *": ok") ;;
    *) echo "smoke: the output does not end with '...: ok'"; exit 1 ;;
esac
if [ -n "$left" ]; then
    echo "smoke: files left behind: $left"
    exit 1
fi
exit 0

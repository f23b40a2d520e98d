#!/bin/sh
# Runs test_soak and keeps its log readable: Wine prints "Read access denied for device
# \??\Z:\, FS volume label and serial are not available." for every volume query on Z:,
# and every creation makes one; those lines are counted instead of repeated.
# Usage: soak.sh WINE_WRAP TEST_EXE DLL WORKDIR
set -u
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$1" "$2" "$3" "$4" >"$out" 2>"$err"
rc=$?
tr -d '\r' <"$out"
noise='FS volume label and serial are not available'
tr -d '\r' <"$err" | grep -v "$noise" >&2
echo "(Wine's \"$noise\" message: $(grep -c "$noise" "$err") lines left out)" >&2
rmdir "$(dirname "$4")" 2>/dev/null     # the tests' temporary base, once empty
exit $rc

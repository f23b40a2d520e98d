#!/bin/sh
# Runs a Windows program under Wine with the loader of VSDISK_WINE_ARCH (x64 or x86, see
# wine-arch.sh), with files, not pipes, for its standard streams: Wine's helper processes
# (services, explorer, rpcss...) inherit the streams of whoever starts them and outlive it,
# so a caller reading a pipe (meson, $(...)) would wait for them.
# Usage: wine-wrap.sh PROGRAM [ARGS...]  (PROGRAM: an .exe path, or cscript, regsvr32, reg...)
# wine-wrap.sh --version prints the loader's version.
. "$(dirname "$0")/wine-arch.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wine-wrap.XXXXXX") || exit 125
if [ "$1" = --version ]; then
    "$wine_loader" --version </dev/null >"$tmp/out" 2>"$tmp/err"
else
    program=$(wine_program "$1")
    shift
    "$wine_loader" "$program" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
fi
rc=$?
cat "$tmp/out"
cat "$tmp/err" >&2
rm -rf "$tmp"
exit $rc

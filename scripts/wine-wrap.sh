#!/bin/sh
# Runs wine with files, not pipes, for its standard streams: Wine's helper processes
# (services, explorer, rpcss...) inherit the streams of whoever starts them and outlive it,
# so a caller reading a pipe (meson, $(...)) would wait for them.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wine-wrap.XXXXXX") || exit 125
wine "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out"
cat "$tmp/err" >&2
rm -rf "$tmp"
exit $rc

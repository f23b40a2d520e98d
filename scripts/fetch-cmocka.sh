#!/bin/sh
# Fetches cmocka's Debian source package into subprojects/packagefiles (never committed).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/subprojects/packagefiles"
tarball=cmocka_1.1.5.orig.tar.xz
[ -f "$dest/$tarball" ] && exit 0
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chown _apt "$tmp" 2>/dev/null || true   # apt downloads as _apt; avoids an "unsandboxed" warning
if ! (cd "$tmp" && apt-get source --download-only -qq cmocka=1.1.5-2.1); then
    apt-get update -qq
    (cd "$tmp" && apt-get source --download-only -qq cmocka=1.1.5-2.1)
fi
mv "$tmp/$tarball" "$dest/$tarball"

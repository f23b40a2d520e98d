#!/bin/sh
# Packs vsdisk-VERSION-windows.zip from two built cross build directories (no building here;
# scripts/release.sh builds first). Usage: make-zip.sh X64_BUILD X86_BUILD OUTPUT_DIR
# Prints the zip's path.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
x64=$1 x86=$2 out=$3
version=$(sed -n "s/^project('vsdisk', 'c', version : '\([^']*\)'.*/\1/p" "$root/meson.build")
[ -n "$version" ] || { echo "make-zip: no version in meson.build" >&2; exit 1; }
name=vsdisk-$version-windows
for file in "$x64/src/com/vsdisk.dll" "$x86/src/com/vsdisk.dll" "$x64/idl/vsdisk.tlb" \
            "$x86/idl/vsdisk.tlb" "$x64/idl/vsdisk.h" "$x64/idl/vsdisk_i.c"; do
    [ -s "$file" ] || { echo "make-zip: $file is missing; build both first (scripts/release.sh)" >&2; exit 1; }
done
stage=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-zip.XXXXXX")
trap 'rm -rf "$stage"' EXIT
dir=$stage/$name
mkdir -p "$dir/x64" "$dir/x86" "$dir/include" "$dir/examples"
for arch in x64 x86; do
    if [ $arch = x64 ]; then build=$x64 strip=x86_64-w64-mingw32-strip; else build=$x86 strip=i686-w64-mingw32-strip; fi
    cp "$build/src/com/vsdisk.dll" "$build/idl/vsdisk.tlb" "$dir/$arch/"
    "$strip" --strip-debug "$dir/$arch/vsdisk.dll"      # the debug information stays in the build
done
cp "$x64/idl/vsdisk.h" "$x64/idl/vsdisk_i.c" "$dir/include/"
. "$root/packaging/msi/payload.sh"      # $examples: the example files the zip and MSIs carry
for example in $examples; do
    cp "$root/examples/$example" "$dir/examples/"
done
# The README links into docs/ and to LICENSE and examples/, so they travel with it (the reference's links to
# source files, such as tests/com/typelib-listing.tsv, name files of the source repository).
cp "$root/README.md" "$root/LICENSE" "$dir/"
mkdir -p "$dir/docs"
cp "$root"/docs/*.md "$dir/docs/"
cp "$root/registry/vsdisk.registry" "$dir/"
# Windows line ends for the text a Windows user opens.
sed "s/@VERSION@/$version/; s/\$/\r/" "$root/packaging/INSTALL.txt" >"$dir/INSTALL.txt"
mkdir -p "$out"
zip_path=$(cd "$out" && pwd)/$name.zip
rm -f "$zip_path"
(cd "$stage" && zip -q -r -X "$zip_path" "$name")
echo "$zip_path"

#!/bin/sh
# Packs the four Windows Installer packages from two built cross build directories, with
# msitools (wixl, msibuild): per machine and per user, for x64 and x86:
#   vsdisk-VERSION-x64.msi  vsdisk-VERSION-x64-user.msi  vsdisk-VERSION-x86.msi  vsdisk-VERSION-x86-user.msi
# They register vsdisk through the Registry table, made from registry/vsdisk.registry by
# packaging/msi/make_wxs.py (docs/install-windows.md says what and why).
# Usage: make-msi.sh X64_BUILD X86_BUILD OUTPUT_DIR [VERSION]
# VERSION (default: meson.build's) exists for the upgrade test, which needs an older package;
# VSDISK_MSI_ONLY=ARCH-SCOPE (x64-machine, x86-user...) makes that one package only.
# Prints the packages' paths.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
x64=$(cd "$1" && pwd) x86=$(cd "$2" && pwd) out=$3
version=${4:-$(sed -n "s/^project('vsdisk', 'c', version : '\([^']*\)'.*/\1/p" "$root/meson.build")}
[ -n "$version" ] || { echo "make-msi: no version in meson.build" >&2; exit 1; }
for tool in wixl msibuild; do
    command -v $tool >/dev/null || { echo "make-msi: $tool is missing (Debian: msitools, wixl; scripts/deps.sh)" >&2; exit 1; }
done
for file in "$x64/src/com/vsdisk.dll" "$x86/src/com/vsdisk.dll" "$x64/idl/vsdisk.h" "$x64/idl/vsdisk_i.c"; do
    [ -s "$file" ] || { echo "make-msi: $file is missing; build both first (scripts/release.sh)" >&2; exit 1; }
done
. "$root/packaging/msi/payload.sh"      # $examples: the example files every package carries
stage=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-msi.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)
for arch in x64 x86; do
    if [ $arch = x64 ]; then build=$x64 strip=x86_64-w64-mingw32-strip; else build=$x86 strip=i686-w64-mingw32-strip; fi
    dir=$stage/$arch
    mkdir -p "$dir/include" "$dir/examples" "$dir/docs"
    cp "$build/src/com/vsdisk.dll" "$dir/"
    "$strip" --strip-debug "$dir/vsdisk.dll"      # the debug information stays in the build
    cp "$x64/idl/vsdisk.h" "$x64/idl/vsdisk_i.c" "$dir/include/"
    files="--file vsdisk.dll --file README.md --file LICENSE --file include/vsdisk.h --file include/vsdisk_i.c"
    for example in $examples; do
        cp "$root/examples/$example" "$dir/examples/"
        files="$files --file examples/$example"
    done
    cp "$root/README.md" "$root/LICENSE" "$dir/"
    # The README links into docs/: the reference travels with it, as in the zip.
    for doc in "$root"/docs/*.md; do
        cp "$doc" "$dir/docs/"
        files="$files --file docs/$(basename "$doc")"
    done
    for scope in machine user; do
        case ${VSDISK_MSI_ONLY:-$arch-$scope} in $arch-$scope) ;; *) continue ;; esac
        name=vsdisk-$version-$arch
        [ $scope = user ] && name=$name-user
        # shellcheck disable=SC2086
        (cd "$dir" && python3 "$root/packaging/msi/make_wxs.py" --description "$root/registry/vsdisk.registry" \
            --guids "$x64/idl/vsdisk_i.c" --version "$version" --arch $arch --scope $scope $files \
            --out "$stage/$name.wxs" --sql "$stage/$name.sql")
        (cd "$dir" && wixl -a $arch -o "$stage/$name.msi" "$stage/$name.wxs")
        # The tables wixl cannot make (make_wxs.py says which), one query at a time.
        while IFS= read -r query; do
            msibuild "$stage/$name.msi" -q "$query" || { echo "make-msi: msibuild failed on: $query" >&2; exit 1; }
        done <"$stage/$name.sql"
        mv "$stage/$name.msi" "$out/$name.msi"
        echo "$out/$name.msi"
    done
done

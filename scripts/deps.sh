#!/bin/sh
# Installs, with apt, what one purpose needs, and nothing more. Does nothing that is already done.
# Usage: scripts/deps.sh [demo|test|all]      (default: all)
#   demo  the x64 cross build (mingw-w64, widl, the 64-bit Wine) and the two readers the demo
#         shows (vhdiinfo, qemu-img); no i386 architecture, no native compilers
#   test  everything ./scripts/test.sh (and release.sh, fuzz.sh, bench.sh) use: both Windows
#         architectures (the 32-bit Wine needs dpkg's i386 architecture and wine32:i386), the
#         native compilers and sanitizer runtimes, the interoperability tools
#   all   the same as test
# Every purpose also fetches cmocka's Debian source package (meson configures it as a
# subproject in every build).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
purpose=${1:-all}

# The x64 cross build: the mingw-w64 compilers (meson enables C++ for the Windows build), widl,
# the wine64 loader and the wine package's wrappers, libwine-dev's IDL files, meson and ninja.
build_x64="gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 mingw-w64-tools wine64 wine libwine-dev
  meson ninja-build python3"
readers="qemu-utils libvhdi-utils"
# The x86 cross build and its 32-bit Wine; the native build, its sanitizers and the fuzzers'
# clang; the tools the tests use (python3-libvhdi, strace, zip/unzip for the release zip).
build_x86="gcc-mingw-w64-i686 g++-mingw-w64-i686 wine32:i386"
# The Linux package and its tests: dpkg-dev (dpkg-shlibdeps, dpkg-buildflags), lintian, man-db
# (man --warnings), bash-completion; the MSI packages: msitools (msibuild) and wixl; mtools
# (mformat, mdir: the floppy images CreateFloppyDiskImage makes); GNU time (/usr/bin/time:
# bench.sh's peak memory of whole processes); fdisk (sfdisk: the partitioned disks whose
# minimum size vsdisk resize keeps).
native="gcc g++ clang libclang-rt-14-dev python3-libvhdi strace zip unzip bzip2
  dpkg-dev lintian man-db bash-completion msitools wixl mtools time fdisk"
case $purpose in
    demo) packages="$build_x64 $readers" ;;
    test|all) packages="$build_x64 $readers $build_x86 $native" ;;
    *) echo "usage: scripts/deps.sh [demo|test|all]" >&2; exit 2 ;;
esac

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need_update=""

case " $packages " in
    *:i386*)
        if ! dpkg --print-foreign-architectures | grep -qx i386; then
            echo "deps: adding the i386 architecture (for wine32)"
            $sudo dpkg --add-architecture i386
            need_update=yes
        fi ;;
esac

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done

# cmocka's source package needs a deb-src entry: the one of the machine's own Debian archive
# entry (same mirror or proxy, same keyring), derived from its configured sources.
src_list=/etc/apt/sources.list.d/vsdisk-debian-src.sources
if [ ! -f "$here/subprojects/packagefiles/cmocka_1.1.5.orig.tar.xz" ] \
    && ! grep -rqsi '^Types:.*deb-src' /etc/apt/sources.list.d/ \
    && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    # shellcheck disable=SC2046
    if ! entry=$("$here/scripts/debian-src-entry.sh" "$codename" \
            $(ls /etc/apt/sources.list.d/*.sources 2>/dev/null) /etc/apt/sources.list \
            $(ls /etc/apt/sources.list.d/*.list 2>/dev/null)); then
        echo "deps: no enabled 'deb' entry for $codename main in /etc/apt/sources.list(.d);" \
             "add a deb-src entry for cmocka yourself" >&2
        exit 1
    fi
    printf '%s\n' "$entry" | $sudo tee "$src_list" >/dev/null
    echo "deps: wrote $src_list from the configured Debian sources"
    need_update=yes
fi

if [ -n "$missing" ] || [ -n "$need_update" ]; then
    echo "deps: installing:${missing:- (none; refreshing the package lists)}"
    $sudo apt-get update -qq
fi
if [ -n "$missing" ]; then
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

"$here/scripts/fetch-cmocka.sh"

#!/bin/sh
# Installs, with apt, what building and testing vsdisk needs (both Windows architectures:
# the 32-bit Wine needs dpkg's i386 architecture and wine32:i386), and fetches the cmocka
# source package. Does nothing that is already done.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

# Wine: the wine64 and wine32:i386 loaders, the wine package's wrappers, libwine-dev's IDL files.
# msitools and wixl: the MSI packages (scripts/make-msi.sh).
packages="gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 gcc-mingw-w64-i686 g++-mingw-w64-i686
  mingw-w64-tools wine64 wine32:i386 libwine-dev meson ninja-build python3 gcc g++ clang
  libclang-rt-14-dev qemu-utils libvhdi-utils python3-libvhdi strace zip unzip wine
  msitools wixl"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need_update=""

if ! dpkg --print-foreign-architectures | grep -qx i386; then
    echo "deps: adding the i386 architecture (for wine32)"
    $sudo dpkg --add-architecture i386
    need_update=yes
fi

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done

# cmocka's source package needs a deb-src entry: the one of the machine's own Debian archive
# entry (same mirror or proxy, same keyring), derived from its configured sources.
src_list=/etc/apt/sources.list.d/vsdisk-debian-src.sources
if ! grep -rqsi '^Types:.*deb-src' /etc/apt/sources.list.d/ \
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

#!/bin/sh
# Installs, from Debian's package registry, what building and testing vsdisk needs,
# and fetches the cmocka source package. Does nothing that is already done.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

packages="gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 mingw-w64-tools wine64 wine libwine-dev
  meson ninja-build python3 gcc g++ clang libclang-rt-14-dev qemu-utils libvhdi-utils
  python3-libvhdi strace"

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

src_list=/etc/apt/sources.list.d/vsdisk-debian-src.sources
need_update=""
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    $sudo tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    need_update=yes
fi

if [ -n "$missing" ] || [ -n "$need_update" ]; then
    echo "deps: installing:${missing:- (none; refreshing the source lists)}"
    $sudo apt-get update -qq
fi
if [ -n "$missing" ]; then
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

"$here/scripts/fetch-cmocka.sh"

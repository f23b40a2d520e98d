#!/bin/sh
# Builds the Debian package of the vsdisk command, OUT_DIR/vsdisk_VERSION-1_ARCH.deb (VERSION
# from meson.build): a release build without tests (-Dtests=false, stripped, Debian's hardening
# flags) installed with meson into a staging tree, plus what Debian wants beside it (the man
# page gzipped, /usr/share/doc/vsdisk/copyright in the machine-readable format,
# changelog.Debian.gz, DEBIAN/control with Depends from dpkg-shlibdeps, md5sums), packed with
# dpkg-deb --root-owner-group. Prints the package's path.
# Usage: scripts/package-deb.sh [OUT_DIR [BUILD_DIR]]   (defaults: dist/, build-deb/)
# Needs gcc, binutils, meson, ninja, dpkg-dev (dpkg-deb, dpkg-shlibdeps, dpkg-buildflags), gzip.
# DEB_MAINTAINER sets the Maintainer field.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
build=${2:-$root/build-deb}
maintainer=${DEB_MAINTAINER:-vsdisk authors <vsdisk@example.org>}
umask 022

version=$(sed -n "s/^project('vsdisk', 'c', version : '\([^']*\)'.*/\1/p" "$root/meson.build")
[ -n "$version" ] || { echo "package-deb: no version in meson.build" >&2; exit 1; }
deb_version=$version-1
arch=$(dpkg --print-architecture)
# The changelog's date: the last commit's, so that the same commit makes the same package.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH="$epoch"

stage=$(mktemp -d "${TMPDIR:-/tmp}/vsdisk-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
pkg=$stage/pkg

# Build: Debian's compiler and linker flags (hardening: stack protector, fortify, relro, now,
# PIE), a release build, stripped, nothing but the command.
echo "package-deb: building vsdisk $version (release, without tests) in $build" >&2
eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root" --prefix=/usr -Dtests=false -Dbuildtype=release -Dstrip=true \
        -Db_pie=true >&2
fi
meson compile -C "$build" >&2
meson install -C "$build" --destdir "$pkg" --no-rebuild >&2

# What dh_strip also removes: the compiler's notes (the build is stripped already).
strip --remove-section=.comment --remove-section=.note "$pkg/usr/bin/vsdisk" "$pkg/usr/bin/vhdcreate"

doc=$pkg/usr/share/doc/vsdisk
man1=$pkg/usr/share/man/man1
# Manual pages gzipped (-n: no name or time stamp inside); the vhdcreate page points to vsdisk's.
gzip -9n "$man1/vsdisk.1"
rm -f "$man1/vhdcreate.1"
ln -s vsdisk.1.gz "$man1/vhdcreate.1.gz"

# The machine-readable format's "Format:" line, as the machine's own Debian packages carry it
# (dpkg-dev, which builds this package, ships a copyright file in that format).
format_line=$(sed -n '1{/^Format: .*copyright-format\/1\.0\/$/p}' /usr/share/doc/dpkg-dev/copyright)
[ -n "$format_line" ] || { echo "package-deb: no machine-readable copyright in dpkg-dev to take the Format line from" >&2; exit 1; }
cat > "$doc/copyright" <<EOF
$format_line
Upstream-Name: vsdisk
Upstream-Contact: $maintainer

Files: *
Copyright: 2026 the vsdisk authors
License: MIT

License: MIT
$(sed -e '1,4d' -e 's/^$/./' -e 's/^/ /' "$root/LICENSE")
EOF

changelog_date=$(date -u -R -d "@$epoch")
cat > "$stage/changelog" <<EOF
vsdisk ($deb_version) unstable; urgency=medium

  * vsdisk $version: the vsdisk command (create, info, convert, merge, compact) and
    vhdcreate, the vsdisk(1) manual page and bash completion.

 -- $maintainer  $changelog_date
EOF
gzip -9n -c "$stage/changelog" > "$doc/changelog.Debian.gz"

# Depends: the shared libraries the binaries link, as dpkg-shlibdeps finds them (it reads
# debian/control, so it runs in a scratch folder that has one).
mkdir -p "$stage/src/debian"
printf 'Source: vsdisk\n\nPackage: vsdisk\nArchitecture: any\n' > "$stage/src/debian/control"
depends=$(cd "$stage/src" && dpkg-shlibdeps -O "$pkg/usr/bin/vsdisk" "$pkg/usr/bin/vhdcreate" |
          sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package-deb: dpkg-shlibdeps found no dependency" >&2; exit 1; }

mkdir -p "$pkg/DEBIAN"
installed_size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<EOF
Package: vsdisk
Version: $deb_version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends
Section: utils
Priority: optional
Description: create, inspect, convert, merge and compact VHD virtual hard disks
 vsdisk makes and changes VHD (Virtual Hard Disk) files, the disk format of
 Virtual Server, Virtual PC, Hyper-V and Azure: dynamic, fixed and differencing
 disks (create), a description of any VHD (info), a copy of a disk or of a
 differencing chain into a new dynamic or fixed disk (convert, merge), a merge
 of a differencing disk into its parent, and compaction of a dynamic disk.
 .
 It never overwrites a file, never leaves a file that passes for a finished
 disk after a crash, keeps disks changed in place valid at every instant, and
 never writes a disk it only reads. vhdcreate, the command's 0.1 name, is kept
 for compatibility.
EOF
(cd "$pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/md5sums"

mkdir -p "$out"
deb=$(cd "$out" && pwd)/vsdisk_${deb_version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >&2
echo "$deb"

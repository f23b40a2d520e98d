#!/bin/sh
# scripts/package-deb.sh: builds the .deb (in folders of its own), whose contents are exactly
# the command, vhdcreate, the gzipped man page, the completion and the documents; whose
# control fields are right; which lintian passes without an error (E:); and whose vsdisk runs.
# TAP output. Usage: test_deb.sh SOURCE_ROOT
set -eu
src=$1
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/tap.sh"

version=$(sed -n "s/^project('vsdisk', 'c', version : '\([^']*\)'.*/\1/p" "$src/meson.build")
arch=$(dpkg --print-architecture)
if ! deb=$("$src/scripts/package-deb.sh" "$tap_dir/dist" "$tap_dir/build" 2> "$tap_dir/log"); then
    tap_not_ok "package-deb.sh builds a package"; sed 's/^/# /' "$tap_dir/log"
    finish
    exit 1
fi
tap_ok "package-deb.sh builds a package"
check "it is dist/vsdisk_${version}-1_$arch.deb" test "$deb" = "$tap_dir/dist/vsdisk_${version}-1_$arch.deb"

# The contents: mode and path of every entry, nothing more, nothing less.
dpkg-deb -c "$deb" | awk '{ print $1, $6, $7, $8 }' | sed 's/ *$//' | sort > "$tap_dir/contents"
sort > "$tap_dir/want" <<WANT
drwxr-xr-x ./
drwxr-xr-x ./usr/
drwxr-xr-x ./usr/bin/
-rwxr-xr-x ./usr/bin/vhdcreate
-rwxr-xr-x ./usr/bin/vsdisk
drwxr-xr-x ./usr/share/
drwxr-xr-x ./usr/share/bash-completion/
drwxr-xr-x ./usr/share/bash-completion/completions/
-rw-r--r-- ./usr/share/bash-completion/completions/vsdisk
lrwxrwxrwx ./usr/share/bash-completion/completions/vhdcreate -> vsdisk
drwxr-xr-x ./usr/share/doc/
drwxr-xr-x ./usr/share/doc/vsdisk/
-rw-r--r-- ./usr/share/doc/vsdisk/LICENSE
-rw-r--r-- ./usr/share/doc/vsdisk/README.md
-rw-r--r-- ./usr/share/doc/vsdisk/changelog.Debian.gz
-rw-r--r-- ./usr/share/doc/vsdisk/copyright
drwxr-xr-x ./usr/share/man/
drwxr-xr-x ./usr/share/man/man1/
-rw-r--r-- ./usr/share/man/man1/vsdisk.1.gz
lrwxrwxrwx ./usr/share/man/man1/vhdcreate.1.gz -> vsdisk.1.gz
WANT
check "the contents are exactly the command, vhdcreate, man page, completion and documents" \
    diff "$tap_dir/want" "$tap_dir/contents"
check "every entry belongs to root:root" sh -c '
    [ -z "$(dpkg-deb -c "$1" | awk "\$2 != \"root/root\"")" ]' _ "$deb"

# The control fields.
field() { dpkg-deb -f "$deb" "$1"; }
check "Package vsdisk, Version ${version}-1, Architecture $arch" sh -c '
    [ "$1" = vsdisk ] && [ "$2" = "$4-1" ] && [ "$3" = "$5" ]' _ \
    "$(field Package)" "$(field Version)" "$(field Architecture)" "$version" "$arch"
check "Depends on libc6 (from dpkg-shlibdeps)" sh -c 'echo "$1"; echo "$1" | grep -q "^libc6 (>= [0-9.]*)$"' _ "$(field Depends)"
check "Section utils, Priority optional, a Maintainer, an Installed-Size" sh -c '
    [ "$1" = utils ] && [ "$2" = optional ] && [ -n "$3" ] && [ "$4" -gt 0 ]' _ \
    "$(field Section)" "$(field Priority)" "$(field Maintainer)" "$(field Installed-Size)"
check "Description: a summary line and a long description" sh -c '
    echo "$1" | head -n 1 | grep -q "VHD virtual hard disks" && [ "$(echo "$1" | wc -l)" -ge 5 ]' _ "$(field Description)"

# The files inside.
mkdir "$tap_dir/x"
dpkg-deb -x "$deb" "$tap_dir/x"
# The first line must be the machine-readable format's, as dpkg-dev's own copyright file has it.
check "copyright: machine-readable, MIT for every file, the licence text" sh -c '
    [ "$(head -n 1 "$1")" = "$(head -n 1 /usr/share/doc/dpkg-dev/copyright)" ] &&
    head -n 1 "$1" | grep -q "^Format: .*/copyright-format/1\.0/$" &&
    grep -q "^Files: \*$" "$1" && grep -q "^Copyright: 2026 the vsdisk authors$" "$1" &&
    [ "$(grep -c "^License: MIT$" "$1")" -eq 2 ] && grep -q "^ THE SOFTWARE IS PROVIDED \"AS IS\"" "$1"' \
    _ "$tap_dir/x/usr/share/doc/vsdisk/copyright"
check "LICENSE is the checkout's" cmp "$src/LICENSE" "$tap_dir/x/usr/share/doc/vsdisk/LICENSE"
check "changelog.Debian.gz names the version" sh -c '
    zcat "$1" | head -n 1 | grep -q "^vsdisk ($2-1) unstable; urgency=medium$"' \
    _ "$tap_dir/x/usr/share/doc/vsdisk/changelog.Debian.gz" "$version"
check "the man page is the checkout's, gzipped" sh -c 'zcat "$1" | cmp - "$2"' \
    _ "$tap_dir/x/usr/share/man/man1/vsdisk.1.gz" "$src/src/cli/vsdisk.1"
check "the completion is the checkout's" cmp "$src/src/cli/vsdisk.bash-completion" \
    "$tap_dir/x/usr/share/bash-completion/completions/vsdisk"
check "the packaged vsdisk runs and says its version" sh -c '
    [ "$("$1" --version)" = "vsdisk $2" ]' _ "$tap_dir/x/usr/bin/vsdisk" "$version"
check "the packaged vsdisk is stripped (no symbol table, no .comment)" sh -c '
    readelf -S "$1" > "$2" && grep -q " .text " "$2" && ! grep -q " .symtab \| .comment " "$2"' \
    _ "$tap_dir/x/usr/bin/vsdisk" "$tap_dir/sections"

# lintian: no error (it exits 0 only then; 1 for errors, 2 if it cannot run). Its other tags
# are listed as comments.
lintian_status=0
lintian --tag-display-limit 0 "$deb" > "$tap_dir/lintian" 2>&1 || lintian_status=$?
sed 's/^/# lintian: /' "$tap_dir/lintian"
check "lintian runs and reports no error (E:)" sh -c '
    [ "$1" -eq 0 ] && ! grep -q "^E: " "$2"' _ "$lintian_status" "$tap_dir/lintian"
finish

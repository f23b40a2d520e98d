#!/bin/sh
# Building and installing the command from a fresh clone with a C compiler, meson and ninja
# alone: a clone of the checkout's HEAD (committed work only), its subprojects/packagefiles
# emptied, built with a PATH that holds only gcc (with binutils, which it runs), meson, ninja and
# coreutils, and no test framework in reach. The two commands of the install text succeed,
# configure no test or benchmark, never touch the cmocka subproject, and install exactly the
# expected files; the installed vsdisk runs. TAP output. Usage: test_install_cli.sh SOURCE_ROOT
set -eu
src=$1
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/tap.sh"

clone=$tap_dir/vsdisk
git clone -q "$src" "$clone"
rm -rf "$clone/subprojects/packagefiles"
mkdir "$clone/subprojects/packagefiles"

# The PATH: links to gcc, cc, the assembler, linker and archiver, meson, ninja and coreutils.
bin=$tap_dir/bin
mkdir "$bin"
for tool in gcc cc as ld ar meson ninja; do
    ln -s "$(command -v "$tool")" "$bin/$tool"
done
dpkg -L coreutils | grep -E '^(/usr)?/bin/[^/]+$' | while read -r tool; do
    [ -e "$bin/$(basename "$tool")" ] || ln -s "$tool" "$bin/$(basename "$tool")"
done
check "the PATH holds no test framework, pkg-config, git or curl" sh -c '
    for t in pkg-config git curl wget apt-get cmocka; do [ ! -e "$1/$t" ] || exit 1; done' _ "$bin"

# run LOG COMMAND...: COMMAND in the clone, with nothing but that PATH in the environment.
run() {
    log=$1
    shift
    (cd "$clone" && env -i PATH="$bin" HOME="$tap_dir" LANG=C.UTF-8 "$@") > "$tap_dir/$log" 2>&1
}
if run setup.log meson setup build-cli -Dtests=false --prefix=/usr; then
    tap_ok "meson setup build-cli -Dtests=false succeeds"
else
    tap_not_ok "meson setup build-cli -Dtests=false succeeds"; sed 's/^/# /' "$tap_dir/setup.log"
fi
if run install.log meson install -C build-cli --destdir "$tap_dir/root"; then
    tap_ok "meson install -C build-cli succeeds"
else
    tap_not_ok "meson install -C build-cli succeeds"; tail -n 30 "$tap_dir/install.log" | sed 's/^/# /'
fi
check "the cmocka subproject was never unpacked or configured" sh -c '
    [ ! -e "$1/subprojects/cmocka-1.1.5" ] && ! grep -qi cmocka "$1/build-cli/meson-logs/meson-log.txt"' _ "$clone"
check "no test and no benchmark is configured" sh -c '
    cd "$1" && [ "$(meson introspect --tests build-cli)" = "[]" ] &&
    [ "$(meson introspect --benchmarks build-cli)" = "[]" ]' _ "$clone"

# The install tree: every entry (type and path; a link with its target), nothing more or less.
(cd "$tap_dir/root" && find . -mindepth 1 \( -type l -printf 'l %p -> %l\n' \) -o \
    \( -type d -printf 'd %p\n' \) -o \( -type f -printf 'f %p\n' \)) | sort > "$tap_dir/tree"
sort > "$tap_dir/want" <<WANT
d ./usr
d ./usr/bin
f ./usr/bin/vsdisk
f ./usr/bin/vhdcreate
d ./usr/share
d ./usr/share/man
d ./usr/share/man/man1
f ./usr/share/man/man1/vsdisk.1
l ./usr/share/man/man1/vhdcreate.1 -> vsdisk.1
d ./usr/share/bash-completion
d ./usr/share/bash-completion/completions
f ./usr/share/bash-completion/completions/vsdisk
l ./usr/share/bash-completion/completions/vhdcreate -> vsdisk
d ./usr/share/doc
d ./usr/share/doc/vsdisk
f ./usr/share/doc/vsdisk/README.md
f ./usr/share/doc/vsdisk/LICENSE
WANT
check "the install tree holds exactly the command, vhdcreate, man page, completion, README and LICENSE" \
    diff "$tap_dir/want" "$tap_dir/tree"
check "vsdisk and vhdcreate are executable" test -x "$tap_dir/root/usr/bin/vsdisk" -a -x "$tap_dir/root/usr/bin/vhdcreate"
version=$(sed -n "s/^project('vsdisk', 'c', version : '\([^']*\)'.*/\1/p" "$clone/meson.build")
check "the installed vsdisk --version runs: vsdisk $version" sh -c '
    [ "$("$1" --version)" = "vsdisk $2" ]' _ "$tap_dir/root/usr/bin/vsdisk" "$version"
check "the installed vsdisk creates a disk" sh -c '
    "$1" create "$2" 3M && [ "$(stat -c %s "$2")" -eq 8192 ]' _ "$tap_dir/root/usr/bin/vsdisk" "$tap_dir/d.vhd"
check "the installed completion and man page are the checkout's" sh -c '
    cmp "$1/src/cli/vsdisk.bash-completion" "$2/usr/share/bash-completion/completions/vsdisk" &&
    cmp "$1/src/cli/vsdisk.1" "$2/usr/share/man/man1/vsdisk.1"' _ "$clone" "$tap_dir/root"
finish

#!/bin/sh
# vsdisk(1): man renders it without a warning, and every command and every option that the
# command's own help texts print ("vsdisk --help", "vsdisk COMMAND --help", "vhdcreate
# --help") appears in it, so that the page cannot fall behind the code. TAP output.
# Usage: test_man_page.sh VSDISK VHDCREATE MAN_PAGE
set -eu
vsdisk=$1 vhdcreate=$2 page=$3
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/tap.sh"

check "man renders the page without a warning" sh -c '
    MANWIDTH=80 man --warnings -l "$1" > "$2" 2> "$3"; status=$?; cat "$3"
    [ "$status" -eq 0 ] && [ ! -s "$3" ] && grep -q "^NAME" "$2"' _ "$page" "$tap_dir/out" "$tap_dir/warnings"
check "the page has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES, SEE ALSO" sh -c '
    for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS SAFETY "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        grep -q "^$s\$" "$1" || { echo "no $s"; exit 1; }; done' _ "$tap_dir/out"

# The page's text as written: roff escapes for the minus sign and fonts taken out.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$page" > "$tap_dir/text"

# The commands: "  vsdisk NAME ..." lines of vsdisk --help.
"$vsdisk" --help > "$tap_dir/help"
sed -n 's/^  vsdisk \([a-z][a-z]*\).*/\1/p' "$tap_dir/help" | sort -u > "$tap_dir/commands"
check "vsdisk --help lists commands (at least create, info, convert, merge, compact, help)" sh -c '
    for c in create info convert merge compact help; do grep -qx "$c" "$1" || exit 1; done' _ "$tap_dir/commands"
while read -r command; do
    check "command '$command' is documented (a .B/.BI/.BR line under COMMANDS or SYNOPSIS)" \
        grep -Eq "^\.B[IR]? \"?(vsdisk )?$command( |\"|$)" "$tap_dir/text"
done < "$tap_dir/commands"

# The options: the first words of the option lines ("  -p, --progress  ...") and those of
# the usage lines ("Usage: vsdisk create [-p] --fixed PATH SIZE") of every help text.
# options_of FILE: one option a line.
options_of() {
    { sed -n 's/^ *\(-[-a-z]*\)\(, \(--[-a-z]*\)\)\{0,1\}  .*/\1 \3/p' "$1"
      sed -n 's/^\(Usage:\|      \) [a-z ]*\(.*\)/ \2/p' "$1" | grep -o -- '[[ ]--\{0,1\}[a-z][-a-z]*' | cut -c2-
    } | tr ' ' '\n' | grep -- '^-' || true
}
options_of "$tap_dir/help" > "$tap_dir/options"
while read -r command; do
    [ "$command" = help ] && continue
    "$vsdisk" "$command" --help > "$tap_dir/help-$command"
    options_of "$tap_dir/help-$command" >> "$tap_dir/options"
done < "$tap_dir/commands"
"$vhdcreate" --help > "$tap_dir/help-vhdcreate"
options_of "$tap_dir/help-vhdcreate" >> "$tap_dir/options"
sort -u "$tap_dir/options" -o "$tap_dir/options"
check "the help texts print options (at least -p, --progress, -h, --help, --version, --fixed, --parent)" sh -c '
    for o in -p --progress -h --help --version --fixed --parent; do grep -qx -- "$o" "$1" || exit 1; done' _ "$tap_dir/options"
while read -r option; do
    check "option '$option' is documented (a .B/.BI/.BR line)" \
        grep -Eq -- "^\.(B|BI|BR|RB|TP) (.*[] [\"|])?$option([] ,\"|]|$)" "$tap_dir/text"
done < "$tap_dir/options"

check "the exit statuses 0, 1 and 2 are documented" sh -c '
    sed -n "/^\.SH EXIT STATUS/,/^\.SH /p" "$1" > "$2" &&
    for s in 0 1 2; do grep -q "^\.B $s\$" "$2" || exit 1; done' _ "$page" "$tap_dir/exit"
check "the safety promises are stated" sh -c '
    grep -q "Nothing is ever overwritten" "$1" && grep -q "valid with its content at every instant" "$1" &&
    grep -q "Reading never writes" "$1"' _ "$tap_dir/text"
finish

#!/bin/bash
# The bash completion (src/cli/vsdisk.bash-completion), sourced in bash and called as bash
# calls it (COMP_WORDS, COMP_CWORD; the answer in COMPREPLY): commands, each command's
# options, the disk types where a new disk's type goes, disk files and folders. Every command
# and option the command's own help texts print is offered. TAP output.
# Usage: test_completion.sh VSDISK COMPLETION_FILE
set -eu
vsdisk=$1 completion=$2
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/tap.sh"

# shellcheck disable=SC1090
. "$completion"

# completes WANT WORDS...: completing the last of WORDS (the command line so far, the last
# word possibly empty) offers exactly WANT (words separated by spaces, in order).
completes() {
    want=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    if [[ ${COMP_WORDS[0]} == vhdcreate ]]; then _vsdisk_vhdcreate; else _vsdisk; fi
    got="${COMPREPLY[*]}"
    if [[ $got == "$want" ]]; then
        tap_ok "'$*<TAB>' offers '$want'"
    else
        tap_not_ok "'$*<TAB>' offers '$want'"
        echo "# got '$got'"
    fi
}

check "vsdisk and vhdcreate have a completion function" bash -c '
    . "$1" && complete -p vsdisk | grep -q "^complete -o nosort -F _vsdisk vsdisk$" &&
    complete -p vhdcreate | grep -q "^complete -o nosort -F _vsdisk_vhdcreate vhdcreate$"' _ "$completion"

# Installed as meson installs it, the bash-completion package loads it by the command's name
# (from XDG_DATA_DIRS/bash-completion/completions), for vhdcreate through its link.
inst=$tap_dir/share/bash-completion/completions
mkdir -p "$inst"
cp "$completion" "$inst/vsdisk"
ln -s vsdisk "$inst/vhdcreate"
check "the bash-completion package loads it for vsdisk and vhdcreate from an install tree" bash -c '
    export XDG_DATA_DIRS="$1"
    . /usr/share/bash-completion/bash_completion || exit 1
    ! complete -p vsdisk 2>/dev/null && __load_completion vsdisk && __load_completion vhdcreate &&
    complete -p vsdisk | grep -q " _vsdisk vsdisk$" &&
    complete -p vhdcreate | grep -q " _vsdisk_vhdcreate vhdcreate$"' _ "$tap_dir/share"

completes "convert compact" vsdisk co
completes "create" vsdisk cr
completes "create info convert merge compact repair relink resize check help" vsdisk ""
completes "repair relink resize" vsdisk re
completes "--dry-run" vsdisk resize --d
completes "--help --version" vsdisk --
completes "dynamic fixed raw" vsdisk convert a.vhd b.vhd ""
completes "fixed" vsdisk convert a.vhd b.vhd f
completes "fixed" vsdisk convert a.vhd b.vhd F
completes "dynamic" vsdisk convert -p a.vhd b.vhd dy
completes "dynamic fixed" vsdisk merge child.vhd new.vhd ""
completes "" vsdisk convert a.vhd b.vhd fixed ""
completes "--progress" vsdisk convert --pr
completes "--azure" vsdisk convert --az
completes "dynamic fixed raw" vsdisk convert --azure a.vhd b.vhd ""
completes "--dynamic" vsdisk create --d
completes "--source-format" vsdisk convert --so
completes "--pad" vsdisk convert --source-format raw --pa
completes "raw vhd vhdx" vsdisk convert --source-format ""
completes "raw" vsdisk convert --source-format R
completes "dynamic fixed raw" vsdisk convert --source-format raw a.raw b.vhd ""
completes "--fixed" vsdisk create -p --f
completes "convert compact" vsdisk help co

# File names: disk files (.vhd, .vhdx, any case) and folders, not other files; any file when
# no disk or folder matches.
mkdir -p "$tap_dir/w/disks" "$tap_dir/w/dir.vhd"
touch "$tap_dir/w/a.vhd" "$tap_dir/w/b.VHDX" "$tap_dir/w/notes.txt" "$tap_dir/w/only.img"
cd "$tap_dir/w"
completes "a.vhd b.VHDX dir.vhd/ disks/" vsdisk info ""
completes "a.vhd" vsdisk convert a
completes "dynamic fixed raw" vsdisk convert a.vhd b.vhd ""
completes "disks/" vsdisk compact dis
completes "only.img" vsdisk info onl
completes "a.vhd b.VHDX only.img dir.vhd/ disks/" vsdisk convert ""
completes "a.vhd b.VHDX dir.vhd/ disks/" vsdisk convert only.img ""
completes "a.vhd" vsdisk create --parent a
completes "a.vhd b.VHDX dir.vhd/ disks/" vsdisk merge ""
completes "a.vhd" vhdcreate --parent a
completes "a.vhd b.VHDX dir.vhd/ disks/" vsdisk relink a.vhd ""
completes "" vsdisk relink a.vhd b.vhd ""
completes "a.vhd b.VHDX dir.vhd/ disks/" vsdisk resize ""
completes "" vsdisk resize a.vhd ""
completes "--fixed" vhdcreate --fi
completes "" vsdisk create new.vhd ""
cd - > /dev/null

# Every command vsdisk --help lists is offered, and every option each command's --help prints.
mapfile -t commands < <("$vsdisk" --help | sed -n 's/^  vsdisk \([a-z][a-z]*\).*/\1/p' | sort -u)
COMP_WORDS=(vsdisk ""); COMP_CWORD=1; _vsdisk
for c in "${commands[@]}"; do
    if [[ " ${COMPREPLY[*]} " == *" $c "* ]]; then tap_ok "command '$c' is offered"; else tap_not_ok "command '$c' is offered"; fi
done
for c in "${commands[@]}"; do
    [[ $c == help ]] && continue
    COMP_WORDS=(vsdisk "$c" -); COMP_CWORD=2; _vsdisk
    offered=" ${COMPREPLY[*]} "
    for o in $("$vsdisk" "$c" --help | sed -n 's/^ *\(-[-a-z]*\)\(, \(--[-a-z]*\)\)\{0,1\}  .*/\1 \3/p'); do
        if [[ $offered == *" $o "* ]]; then tap_ok "'vsdisk $c $o' is offered"; else tap_not_ok "'vsdisk $c $o' is offered"; fi
    done
done
finish

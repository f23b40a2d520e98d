#!/bin/sh
# vsdisk info against vhdiinfo and qemu-img info --output=json, field by field, on every
# sample and on vsdisk's own disks; then its exit statuses and one-line errors.
# Usage: test_info.sh VSDISK VHDCREATE SAMPLES_DIR
set -eu
vsdisk=$1 vhdcreate=$2 samples=$3
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"

# field FILE NAME: the value of "NAME: value" in FILE.
field() {
    sed -n "s/^$2: //p" "$1" | head -n 1
}

# vhdiinfo's "Media size : 40 MiB (41943040 bytes)" -> 41943040
vhdi_field() {
    sed -n "s/^[[:space:]]*$2[[:space:]]*: //p" "$1" | head -n 1
}

# compare FILE: vsdisk info's kind, size, unique id, parent id and name against vhdiinfo's,
# and its size (as qemu computes it) and block size against qemu-img's.
compare() {
    f=$1 out="$tap_dir/ours" vi="$tap_dir/vhdi" qi="$tap_dir/qemu"
    "$vsdisk" info "$f" > "$out"
    vhdiinfo "$f" > "$vi"
    qemu-img info -f vpc --output=json "$f" > "$qi"
    cat "$out"
    kind=$(field "$out" kind)
    case $(vhdi_field "$vi" "Disk type") in
        Dynamic) want=dynamic ;; Differential) want=differencing ;; Fixed) want=fixed ;; *) want=? ;;
    esac
    [ "$kind" = "$want" ] || { echo "kind $kind, vhdiinfo $want"; return 1; }
    media=$(vhdi_field "$vi" "Media size" | sed 's/.*(\([0-9]*\) bytes).*/\1/')
    [ "$(field "$out" "original size")" = "$media" ] || { echo "original size vs vhdiinfo $media"; return 1; }
    [ "$(field "$out" "unique id" | cut -d' ' -f1)" = "$(vhdi_field "$vi" Identifier)" ] ||
        { echo "unique id vs vhdiinfo"; return 1; }
    if [ "$kind" = differencing ]; then
        [ "$(field "$out" "parent unique id" | cut -d' ' -f1)" = "$(vhdi_field "$vi" "Parent identifier")" ] ||
            { echo "parent id vs vhdiinfo"; return 1; }
        [ "$(field "$out" "parent name")" = "$(vhdi_field "$vi" "Parent filename")" ] ||
            { echo "parent name vs vhdiinfo"; return 1; }
    fi
    # qemu: current size for the creators it trusts and for a maxed CHS, else CHS x 512.
    size=$(field "$out" size)
    creator=$(field "$out" creator | cut -c1-4)
    chs=$(field "$out" geometry)
    case "$creator" in
        "win "|qem2|"d2v "|CTXS|'tap\') qsize=$size ;;
        *) qsize=$(echo "$chs" | awk -F/ '{ print $1 * $2 * $3 * 512 }') ;;
    esac
    [ "$chs" = 65535/16/255 ] && qsize=$size
    grep -q "\"virtual-size\": $qsize," "$qi" || { echo "qemu virtual size, want $qsize"; cat "$qi"; return 1; }
    if [ "$kind" != fixed ]; then
        grep -q "\"cluster-size\": $(field "$out" "block size")," "$qi" || { echo "qemu cluster size"; return 1; }
    fi
    [ "$(field "$out" "file size")" = "$(stat -c %s "$f")" ] || { echo "file size"; return 1; }
}

for f in "$samples"/*.vhd; do
    check "$(basename "$f"): vsdisk info agrees with vhdiinfo and qemu-img" compare "$f"
done

"$vhdcreate" "$tap_dir/own3.vhd" 3
"$vsdisk" create "$tap_dir/own1g.vhd" 1024
"$vsdisk" create "$tap_dir/own2040g.vhd" 2088960
for f in own3 own1g own2040g; do
    check "vsdisk's own $f.vhd: vsdisk info agrees with vhdiinfo and qemu-img" compare "$tap_dir/$f.vhd"
done
check "own disk: creator 'win ', vsdisk's version, and qemu's size the exact size" sh -c '
    "$1" info "$2" > "$3" && cat "$3" && version=$("$1" --version | sed "s/^vsdisk \([0-9]*\.[0-9]*\).*/\1/") &&
    grep -q "^creator: win  $version Wi2k" "$3" &&
    qemu-img info -f vpc --output=json "$2" | grep -q "\"virtual-size\": 3145728,"' _ "$vsdisk" "$tap_dir/own3.vhd" "$tap_dir/own3.info"

check "win8-child.vhd: its parent win8.vhd found through W2ru, locators listed" sh -c '
    "$1" info "$2/win8-child.vhd" > "$3" && cat "$3" &&
    grep -q "^parent file: $2/win8.vhd$" "$3" && grep -q "^chain depth: 2$" "$3" &&
    grep -q "^parent locator: W2ku C:\\\\Users\\\\sergi\\\\Downloads\\\\win8.vhd$" "$3" &&
    grep -q "^parent locator: W2ru .\\\\win8.vhd$" "$3"' _ "$vsdisk" "$samples" "$tap_dir/o"
check "win10-fat-differencing.vhd: described, exit 0, its parent not found" sh -c '
    "$1" info "$2/win10-fat-differencing.vhd" > "$3" && cat "$3" &&
    grep -q "^parent file: none (the parent of .* was not found" "$3"' _ "$vsdisk" "$samples" "$tap_dir/o"

# expect STATUS PATTERN ARGS...: exit status, nothing on stdout for a failure, one line on stderr.
expect() {
    want=$1 pattern=$2
    shift 2
    status=0
    "$vsdisk" "$@" > "$tap_dir/out" 2> "$tap_dir/err" || status=$?
    echo "exit $status"; cat "$tap_dir/out" "$tap_dir/err"
    [ "$status" -eq "$want" ] && [ "$(wc -l < "$tap_dir/err")" -eq 1 ] &&
        [ ! -s "$tap_dir/out" ] && grep -q -- "$pattern" "$tap_dir/err"
}
printf 'not a disk at all, just text\n' > "$tap_dir/text.vhd"
head -c 1000 "$samples/win8.vhd" > "$tap_dir/short.vhd"
mkdir "$tap_dir/folder.vhd"
check "a text file: exit 1, not a valid VHD" expect 1 "^vsdisk info: $tap_dir/text.vhd: not a valid VHD: the file is 29 bytes long" info "$tap_dir/text.vhd"
check "a cut disk: exit 1, says what is missing" expect 1 "not a valid VHD: the file ends before\|not a valid VHD: .*runs past" info "$tap_dir/short.vhd"
check "a missing file: exit 1" expect 1 "^vsdisk info: $tap_dir/none.vhd: cannot open: no such file" info "$tap_dir/none.vhd"
check "a folder: exit 1" expect 1 "cannot open" info "$tap_dir/folder.vhd"
check "a FIFO is refused without waiting for a writer" sh -c '
    mkfifo "$2" && timeout 10 "$1" info "$2"; [ $? -eq 1 ]' _ "$vsdisk" "$tap_dir/fifo.vhd"
check "no file: exit 2" expect 2 "expected FILE" info
check "two files: exit 2" expect 2 "expected FILE" info a b
check "an unknown option: exit 2" expect 2 "unknown option" info --all x
check "an unknown command: exit 2" expect 2 "^vsdisk: unknown command 'inspect'" inspect x
check "no command: exit 2" expect 2 "expected a command"
check "vsdisk --help lists create and info" sh -c '"$1" --help | grep -q "vsdisk info FILE" && "$1" --help | grep -q "vsdisk create PATH SIZE_MB"' _ "$vsdisk"
check "vsdisk info --help: exit 0, describes the exit status" sh -c '"$1" info --help | grep -q "^Exit status: 0"' _ "$vsdisk"
check "vsdisk create --help names itself" sh -c '"$1" create --help | grep -q "^Usage: vsdisk create PATH SIZE_MB"' _ "$vsdisk"
check "vsdisk create refuses a bad size like vhdcreate (exit 2)" expect 2 "^vsdisk create: $tap_dir/x.vhd: SIZE_MB must be" create "$tap_dir/x.vhd" 2
finish

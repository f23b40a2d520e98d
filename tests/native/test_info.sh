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
"$vsdisk" create "$tap_dir/own1g.vhd" 1024 > /dev/null
"$vsdisk" create "$tap_dir/own2040g.vhd" 2088960 > /dev/null
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
check "a missing file: exit 1, no such file" expect 1 "^vsdisk info: $tap_dir/none.vhd: no such file$" info "$tap_dir/none.vhd"
check "a missing folder: exit 1, names the folder" expect 1 "^vsdisk info: $tap_dir/nowhere/a.vhd: the folder $tap_dir/nowhere does not exist$" info "$tap_dir/nowhere/a.vhd"
check "a folder: exit 1, is a folder" expect 1 "^vsdisk info: $tap_dir/folder.vhd: is a folder, not a disk file$" info "$tap_dir/folder.vhd"
check "a path through a file: exit 1, names the file" expect 1 "^vsdisk info: $tap_dir/text.vhd/a.vhd: $tap_dir/text.vhd is a file, not a folder$" info "$tap_dir/text.vhd/a.vhd"
ln -s "$tap_dir/gone.vhd" "$tap_dir/dangling.vhd"
check "a dangling link: exit 1, says so" expect 1 "^vsdisk info: $tap_dir/dangling.vhd: is a symbolic link to a file that does not exist$" info "$tap_dir/dangling.vhd"
check "a FIFO is refused without waiting for a writer" sh -c '
    mkfifo "$2" && status=0 && timeout 10 "$1" info "$2" 2> "$3" || status=$?; cat "$3"
    [ "$status" -eq 1 ] && grep -q "^vsdisk info: $2: is a device, FIFO or socket, not a disk file$" "$3"' \
    _ "$vsdisk" "$tap_dir/fifo.vhd" "$tap_dir/err"
# No permission: a file nobody may read, opened by an unprivileged user (root reads anything,
# so as root the command runs as nobody through setpriv).
mkdir "$tap_dir/locked"
cp "$samples/win8.vhd" "$tap_dir/locked/secret.vhd"
chmod 000 "$tap_dir/locked/secret.vhd"
chmod 755 "$tap_dir" "$tap_dir/locked"
as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
    else
        "$@"
    fi
}
check "a file without read permission: exit 1, permission denied" sh -c '
    status=0; as_user() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi; }
    as_user "$1" info "$2" 2> "$3" || status=$?; cat "$3"
    [ "$status" -eq 1 ] && [ "$(cat "$3")" = "vsdisk info: $2: permission denied" ]' \
    _ "$(cd "$(dirname "$vsdisk")" && pwd)/$(basename "$vsdisk")" "$tap_dir/locked/secret.vhd" "$tap_dir/err"
check "no file: exit 2" expect 2 "expected FILE" info
check "two files: exit 2" expect 2 "expected FILE" info a b
check "an unknown option: exit 2, names it" expect 2 "^vsdisk info: unknown option '--all'" info --all x
check "an unknown command: exit 2" expect 2 "^vsdisk: unknown command 'inspect'" inspect x
check "no command: exit 2" expect 2 "expected a command"
check "vsdisk --help lists every command and help" sh -c '"$1" --help > "$2" && cat "$2" &&
    for c in "create PATH SIZE" "info FILE" "convert SRC DST TYPE" "merge CHILD" "compact DISK" "help \[COMMAND\]"; do
        grep -q "^  vsdisk $c" "$2" || exit 1; done' _ "$vsdisk" "$tap_dir/o"
check "vsdisk info --help: exit 0, describes the exit status" sh -c '"$1" info --help | grep -q "^Exit status: 0"' _ "$vsdisk"
check "vsdisk create --help names itself" sh -c '"$1" create --help | grep -q "^Usage: vsdisk create \[-p\] PATH SIZE"' _ "$vsdisk"
check "vsdisk create --help mentions vhdcreate as the old name kept for compatibility" sh -c '
    "$1" create --help > "$2" && grep -q "^.vhdcreate. is the name of this command in vsdisk 0.1, kept for compatibility" "$2"' \
    _ "$vsdisk" "$tap_dir/o"
check "vsdisk create refuses a bad size like vhdcreate (exit 2)" expect 2 "^vsdisk create: $tap_dir/x.vhd: the size must be from 3 MB to 2040 GB (2088960 MB), not '2'$" create "$tap_dir/x.vhd" 2

# vsdisk help: the list; help COMMAND = COMMAND --help, byte for byte.
check "vsdisk help = vsdisk --help" sh -c '"$1" help > "$2" && "$1" --help > "$3" && cmp "$2" "$3"' \
    _ "$vsdisk" "$tap_dir/a" "$tap_dir/b"
for c in create info convert merge compact; do
    check "vsdisk help $c = vsdisk $c --help" sh -c '
        "$1" help "$2" > "$3" && "$1" "$2" --help > "$4" && cmp "$3" "$4" && grep -q "^Usage: vsdisk $2" "$3"' \
        _ "$vsdisk" "$c" "$tap_dir/a" "$tap_dir/b"
done
check "vsdisk help of an unknown command: exit 2" expect 2 "^vsdisk help: unknown command 'inspect'; try 'vsdisk help'$" help inspect
check "vsdisk help with two commands: exit 2" expect 2 "^vsdisk help: " help create info

# vsdisk create says what it made, on one line of stdout; sizes take binary units.
# create_ok SIZE BYTES LINE_SIZE: vsdisk create makes a disk of BYTES bytes, says so, and
# vsdisk info and qemu-img info (at the exact size) agree.
create_ok() {
    rm -f "$tap_dir/u.vhd"
    "$vsdisk" create "$tap_dir/u.vhd" "$1" > "$tap_dir/out" 2> "$tap_dir/err" || return 1
    cat "$tap_dir/out" "$tap_dir/err"
    [ ! -s "$tap_dir/err" ] &&
        [ "$(cat "$tap_dir/out")" = "created $tap_dir/u.vhd: VHD, dynamic, $3 ($2 bytes)" ] &&
        [ "$("$vsdisk" info "$tap_dir/u.vhd" | sed -n 's/^size: //p')" = "$2" ] &&
        qemu-img info --output=json --image-opts "driver=vpc,file.filename=$tap_dir/u.vhd" |
            grep -q "\"virtual-size\": $2,"
}
check "size 512M: 536870912 bytes" create_ok 512M 536870912 "512 MiB"
check "size 16G: 17179869184 bytes" create_ok 16G 17179869184 "16 GiB"
check "size 16GiB: the same" create_ok 16GiB 17179869184 "16 GiB"
check "size 16gb: the same, any case" create_ok 16gb 17179869184 "16 GiB"
check "size 1T: 1099511627776 bytes" create_ok 1T 1099511627776 "1 TiB"
check "size 2040G: the ceiling" create_ok 2040G 2190433320960 "2040 GiB"
check "size 1536M: 1536 MiB, said exactly" create_ok 1536M 1610612736 "1536 MiB"
check "size 1536m: any case" create_ok 1536m 1610612736 "1536 MiB"
check "size 4096K: 4 MiB" create_ok 4096K 4194304 "4 MiB"
check "size 100 (no unit): MB" create_ok 100 104857600 "100 MiB"
check "a fixed disk says fixed" sh -c '
    "$1" create --fixed "$2" 3M > "$3" && [ "$(cat "$3")" = "created $2: VHD, fixed, 3 MiB (3145728 bytes)" ]' \
    _ "$vsdisk" "$tap_dir/f.vhd" "$tap_dir/o"
check "a differencing disk says differencing and its parent" sh -c '
    "$1" create --parent "$2" "$3" > "$4" &&
    [ "$(cat "$4")" = "created $3: VHD, differencing (parent $2), 3 MiB (3145728 bytes)" ]' \
    _ "$vsdisk" "$tap_dir/f.vhd" "$tap_dir/c.vhd" "$tap_dir/o"
check "size 1536K: refused, not whole MB (exit 2)" expect 2 "^vsdisk create: $tap_dir/x.vhd: '1536K' is not a whole number of MB (a disk's size is whole MB)$" create "$tap_dir/x.vhd" 1536K
check "size 2T: refused, above 2040 GB (exit 2)" expect 2 "^vsdisk create: $tap_dir/x.vhd: the size must be from 3 MB to 2040 GB (2088960 MB), not '2T'$" create "$tap_dir/x.vhd" 2T
check "size 2M: refused, below 3 MB (exit 2)" expect 2 "not '2M'$" create "$tap_dir/x.vhd" 2M
for size in 16X 16Gi 16GiBs 1.5G G "-1G"; do
    check "size '$size': refused, not a size (exit 2)" expect 2 "^vsdisk create: $tap_dir/x.vhd: the size must be a whole number of MB or a number with a unit (K, M, G or T, as in 512M, 16G, 1T), not '$size'$" create "$tap_dir/x.vhd" "$size"
done
check "nothing was created by the refused sizes" test ! -e "$tap_dir/x.vhd"
finish

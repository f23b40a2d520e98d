#!/bin/sh
# Fixed and differencing disks made by vhdcreate, checked by independent readers: qemu-img
# and qemu-io (qemu), vhdiinfo and pyvhdi (libvhdi). Data written into parents with qemu-io
# is read back through the children with libvhdi and with vsdisk's own reader (qemu cannot:
# it ignores a differencing disk's parent). Parents are never changed: bytes, size and
# modification time are compared after every creation, failed and cancelled ones included.
# Usage: test_writers_interop.sh VHDCREATE SAMPLES_DIR CHAIN_READ
set -eu
vhdcreate=$1
samples=$2
chain_read_vsdisk=$3
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"

for tool in vhdiinfo qemu-img qemu-io strace sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "Bail out! $tool not found (install libvhdi-utils, qemu-utils, strace)"
        exit 1
    fi
done
python=""
for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import pyvhdi' 2>/dev/null; then python=$candidate; break; fi
done
[ -n "$python" ] || { echo "Bail out! no python3 with pyvhdi (install python3-libvhdi)"; exit 1; }
chain_read() { "$python" "$here/vhd_chain_read.py" "$@"; }

MiB=1048576
work="$tap_dir/work"
mkdir "$work"

# qemu's vpc driver with its default options, as users run it: it must see the exact size.
exact() {
    echo "driver=vpc,file.driver=file,file.filename=$1"
}
# value KEY FILE: the value vhdiinfo printed for KEY.
value() {
    sed -n "s/^[[:space:]]*$1[[:space:]]*: //p" "$2"
}
# snapshot FILE: what must not change about a parent.
snapshot() {
    echo "$(sha256sum < "$1") $(stat -c '%s %y' "$1")"
}
# unchanged: $parent is as the snapshot $before says.
unchanged() {
    [ "$(snapshot "$parent")" = "$before" ]
}
# is_child_of CHILD PARENT: vhdiinfo reads CHILD as a differencing disk with PARENT's size,
# PARENT's identifier as its parent identifier and PARENT's path as its parent filename
# (leaves both listings in $tap_dir/child.info and parent.info).
is_child_of() {
    vhdiinfo "$1" > "$tap_dir/child.info" && vhdiinfo "$2" > "$tap_dir/parent.info" &&
        cat "$tap_dir/child.info" &&
        grep -q "Disk type[[:space:]]*: Differential" "$tap_dir/child.info" &&
        [ "$(value "Media size" "$tap_dir/child.info")" = \
          "$(value "Media size" "$tap_dir/parent.info")" ] &&
        [ "$(value "Parent identifier" "$tap_dir/child.info")" = \
          "$(value "Identifier" "$tap_dir/parent.info")" ] &&
        [ "$(value "Parent filename" "$tap_dir/child.info")" = "$2" ]
}
# silent ARGS...: vhdcreate succeeds and prints nothing.
silent() {
    "$vhdcreate" "$@" > "$tap_dir/out" 2>&1 && cat "$tap_dir/out" && [ ! -s "$tap_dir/out" ]
}
# refused PATTERN ARGS...: exit 1, one line on stderr matching PATTERN, nothing on stdout.
refused() {
    pattern=$1
    shift
    status=0
    "$vhdcreate" "$@" > "$tap_dir/out" 2> "$tap_dir/err" || status=$?
    echo "exit status $status"; cat "$tap_dir/out" "$tap_dir/err"
    [ "$status" -eq 1 ] && [ ! -s "$tap_dir/out" ] && [ "$(wc -l < "$tap_dir/err")" -eq 1 ] &&
        grep -q -- "$pattern" "$tap_dir/err"
}

# ---- Fixed disks ----------------------------------------------------------------------
for size_mb in 3 20 100 1024; do
    size=$((size_mb * MiB))
    disk="$work/fixed-$size_mb.vhd"
    check "fixed $size_mb MB: created silently" silent --fixed "$disk" "$size_mb"
    check "fixed $size_mb MB: file is size + 512 = $((size + 512)) bytes" \
        sh -c '[ "$(stat -c %s "$1")" -eq "$2" ]' _ "$disk" $((size + 512))
    check "fixed $size_mb MB: allocated on the volume (stat blocks cover the size)" \
        sh -c '[ $(( $(stat -c "%b * %B" "$1") )) -ge "$2" ]' _ "$disk" $((size + 512))
    check "fixed $size_mb MB: vhdiinfo: Fixed, media size $size" sh -c '
        vhdiinfo "$1" > "$3" && cat "$3" &&
        grep -q "Disk type[[:space:]]*: Fixed" "$3" &&
        grep -q "Media size[[:space:]]*: .*($2 bytes)" "$3"' _ "$disk" "$size" "$tap_dir/info"
    check "fixed $size_mb MB: qemu-img info -f vpc: vpc, file size $((size + 512))" sh -c '
        qemu-img info -f vpc --output=json "$1" > "$3" && cat "$3" &&
        grep -q "\"format\": \"vpc\"" "$3" && grep -q "\"actual-size\": $2" "$3" ||
        grep -q "\"format\": \"vpc\"" "$3" && [ "$(stat -c %s "$1")" -eq "$2" ]' \
        _ "$disk" $((size + 512)) "$tap_dir/qemu.json"
    check "fixed $size_mb MB: qemu with no option: exactly $size bytes" sh -c '
        qemu-img info --output=json --image-opts "$1" > "$3" && cat "$3" &&
        grep -q "\"virtual-size\": $2," "$3"' _ "$(exact "$disk")" "$size" "$tap_dir/qemu.json"
    check "fixed $size_mb MB: the data area reads as zeros" cmp -n "$size" "$disk" /dev/zero
done

disk="$work/fixed-100.vhd"
check "fixed: qemu-io writes and reads back first and last sectors" sh -c '
    qemu-io --image-opts "$1" -c "write -P 0x61 0 512" -c "write -P 0x62 $(($2 - 512)) 512" \
        -c "read -P 0x61 0 512" -c "read -P 0x62 $(($2 - 512)) 512" -c "read -P 0 512 512" \
        > "$3" 2>&1; cat "$3"; ! grep -qi -e fail -e error "$3" &&
    [ "$(grep -c "^read 512/512" "$3")" -eq 3 ]' _ "$(exact "$disk")" $((100 * MiB)) "$tap_dir/io"
check "fixed: qemu-img convert -O raw gives the guest data, the file without its footer" sh -c '
    qemu-img convert -O raw --image-opts "$1" "$2" && [ "$(stat -c %s "$2")" -eq "$4" ] &&
    cmp -n "$4" "$2" "$3"' _ "$(exact "$disk")" "$tap_dir/fixed.raw" "$disk" $((100 * MiB))
rm -f "$tap_dir/fixed.raw" "$work"/fixed-*.vhd

check "fixed for Azure, 30720 MB: file is 30 GiB + 512 bytes, allocated" sh -c '
    "$1" --fixed "$2" 30720 && [ "$(stat -c %s "$2")" -eq $((30720 * 1048576 + 512)) ] &&
    [ $(( $(stat -c "%b * %B" "$2") )) -ge $((30720 * 1048576)) ] &&
    [ $(( $(stat -c %s "$2") % 1048576 )) -eq 512 ]' _ "$vhdcreate" "$work/azure.vhd"
rm -f "$work/azure.vhd"

# ---- Differencing disks: a child of every sample --------------------------------------
# The samples' own parents: win8-child's is win8.vhd; win10-fat-differencing's parent
# (fat-parent.vhd) is not in the samples, so that chain does not resolve: refused below.
mkdir "$work/samples"
cp "$samples"/*.vhd "$work/samples/"
for sample in qemu vbox xapi win8 win8.1-1GB win8-child; do
    parent="$work/samples/$sample.vhd"
    child="$work/child-of-$sample.vhd"
    before=$(snapshot "$parent")
    check "child of $sample: created silently" silent --parent "$parent" "$child"
    check "child of $sample: vhdiinfo: Differential, the parent's size, id and path" \
        is_child_of "$child" "$parent"
    check "child of $sample: qemu-img info -f vpc: vpc, the parent's size" sh -c '
        qemu-img info --output=json --image-opts "$1" > "$3" && cat "$3" &&
        size=$(sed -n "s/^[[:space:]]*Media size[[:space:]]*: .*(\([0-9]*\) bytes)/\1/p" "$4") &&
        grep -q "\"virtual-size\": $size," "$3" && grep -q "\"format\": \"vpc\"" "$3"' \
        _ "$(exact "$child")" "" "$tap_dir/qemu.json" "$tap_dir/parent.info"
    check "child of $sample: W2ku is the parent's full path, W2ru the Windows-style relative one" sh -c '
        "$1" "$2" locators "$3" > "$5" && cat "$5" &&
        [ "$(sed -n 1p "$5")" = "W2ku 4096 $(( ${#4} * 2 )) 4096 $4" ] &&
        [ "$(sed -n 2p "$5")" = "W2ru 65536 $(( (${#6} + 10) * 2 )) 12288 .\\samples\\$6" ]' \
        _ "$python" "$here/vhd_chain_read.py" "$child" "$parent" "$tap_dir/loc" "$sample.vhd"
    check "child of $sample: the parent is unchanged (bytes, size, mtime)" unchanged
done
rm -f "$work"/child-of-*.vhd

# ---- Data through a chain --------------------------------------------------------------
# Parents: a vsdisk dynamic disk, a vsdisk fixed disk and qemu's sample; patterns written
# with qemu-io (outside qemu's first allocated block of a Windows-layout disk, which qemu
# places over the table's padding), read back through the child with libvhdi.
mkdir "$work/base" "$work/vm"
"$vhdcreate" "$work/base/dynamic.vhd" 10
"$vhdcreate" --fixed "$work/base/fixed.vhd" 10
cp "$samples/qemu.vhd" "$work/base/qemu.vhd"
patterns() {
    echo "$1 -P 0x5a $((2 * MiB)) 512"
    echo "$1 -P 0x6b $((4 * MiB - 512)) 1024"
    echo "$1 -P 0x7c $((9 * MiB)) 4096"
    echo "$1 -P 0x8d $((10 * MiB - 512)) 512"
}
for base in dynamic fixed qemu; do
    parent="$work/base/$base.vhd"
    child="$work/vm/$base-child.vhd"
    patterns write > "$tap_dir/cmds"
    set --
    while read -r line; do set -- "$@" -c "$line"; done < "$tap_dir/cmds"
    check "chain $base: qemu-io writes the patterns into the parent" sh -c '
        img=$1; shift; qemu-io --image-opts "$img" "$@" > "$0" 2>&1; cat "$0";
        ! grep -qi -e fail -e error "$0"' "$tap_dir/io" "$(exact "$parent")" "$@"
    qemu-img convert -O raw --image-opts "$(exact "$parent")" "$tap_dir/parent.raw"
    before=$(snapshot "$parent")
    check "chain $base: child in another folder created" silent --parent "$parent" "$child"
    check "chain $base: vhdiinfo: Differential, the parent's size, id and path" \
        is_child_of "$child" "$parent"
    check "chain $base: W2ru goes up one folder into base" sh -c '
        "$1" "$2" locators "$3" | sed -n 2p | grep -q "\.\.\\\\base\\\\$4\.vhd$"' \
        _ "$python" "$here/vhd_chain_read.py" "$child" "$base"
    check "chain $base: the child reads (libvhdi) exactly what the parent holds (qemu)" sh -c '
        "$1" "$2" raw "$3" "$4" "$5" && cmp "$3" "$6"' \
        _ "$python" "$here/vhd_chain_read.py" "$tap_dir/child.raw" "$child" "$parent" "$tap_dir/parent.raw"
    check "chain $base: vsdisk's reader reads the same through the child" sh -c '
        "$1" "$2" "$3" && cmp "$3" "$4"' _ "$chain_read_vsdisk" "$child" "$tap_dir/child2.raw" \
        "$tap_dir/parent.raw"
    check "chain $base: the patterns are there" sh -c '
        has() { dd if="$1" bs=512 skip=$(($2 / 512)) count=$(($3 / 512)) 2>/dev/null > "$1.part" &&
                head -c "$3" /dev/zero | tr "\\000" "\\$4" | cmp - "$1.part"; }
        has "$1" $((2 * 1048576)) 512 132 && has "$1" $((4 * 1048576 - 512)) 1024 153 &&
        has "$1" $((9 * 1048576)) 4096 174 && has "$1" $((10 * 1048576 - 512)) 512 215 &&
        has "$1" $((5 * 1048576)) 4096 000' _ "$tap_dir/child.raw"
    check "chain $base: the parent is unchanged (bytes, size, mtime)" unchanged
done
child="$work/vm/dynamic-child.vhd"
grandchild="$work/vm/grandchild.vhd"
check "chain of three: a child of a child is created" silent --parent "$child" "$grandchild"
check "chain of three: the grandchild reads what the base holds" sh -c '
    qemu-img convert -O raw --image-opts "$1" "$2" &&
    "$3" "$4" raw "$5" "$6" "$7" "$8" && cmp "$5" "$2"' _ "$(exact "$work/base/dynamic.vhd")" \
    "$tap_dir/parent.raw" "$python" "$here/vhd_chain_read.py" "$tap_dir/child.raw" "$grandchild" \
    "$child" "$work/base/dynamic.vhd"
check "chain of three: vsdisk's reader finds depth 3 and reads the same" sh -c '
    "$1" "$2" "$3" > "$5" && cat "$5" && grep -q "^depth 3$" "$5" && cmp "$3" "$4"' \
    _ "$chain_read_vsdisk" "$grandchild" "$tap_dir/child2.raw" "$tap_dir/parent.raw" "$tap_dir/depth"
check "a disk of the parent's chain (the grandparent) as the child: refused" \
    refused "would replace a disk of its parent's chain" --parent "$grandchild" "$work/base/dynamic.vhd"
check "the grandchild's parent (in the chain) as the child: refused" \
    refused "would replace a disk of its parent's chain" --parent "$grandchild" "$child"

# ---- Parents whose chain does not resolve ----------------------------------------------
check "win10-fat-differencing (its parent is not in the samples): refused, nothing created" sh -c '
    ! "$1" --parent "$2" "$3" 2> "$4"; cat "$4";
    grep -q "the parent.s chain does not resolve" "$4" && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$work/samples/win10-fat-differencing.vhd" "$work/vm/c.vhd" "$tap_dir/err"
mkdir "$work/wrong"
cp "$samples/win8-child.vhd" "$work/wrong/win8-child.vhd"
cp "$samples/vbox.vhd" "$work/wrong/win8.vhd"     # the right name, another disk's id
check "a child whose parent has another unique id: refused, nothing created" sh -c '
    ! "$1" --parent "$2" "$3" 2> "$4"; cat "$4";
    grep -q "the parent.s chain does not resolve" "$4" && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$work/wrong/win8-child.vhd" "$work/vm/c.vhd" "$tap_dir/err"
head -c 2048 "$samples/win8.vhd" > "$work/wrong/truncated.vhd"
check "a truncated dynamic parent: refused as not a valid VHD, with the reason" sh -c '
    ! "$1" --parent "$2" "$3" 2> "$4"; cat "$4";
    grep -q "the parent is not a valid VHD: ." "$4" && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$work/wrong/truncated.vhd" "$work/vm/c.vhd" "$tap_dir/err"

# ---- Refusals; the parent unchanged after each ------------------------------------------
parent="$work/base/dynamic.vhd"
before=$(snapshot "$parent")
check "the parent as its own child: refused" refused "would replace its own parent" \
    --parent "$parent" "$parent"
check "a hard link to the parent as the child: refused" sh -c '
    ln "$1" "$2" && ! "$3" --parent "$1" "$2" 2> "$4"; status=$?; cat "$4"; rm -f "$2";
    grep -q "would replace its own parent" "$4"' _ "$parent" "$work/base/link.vhd" "$vhdcreate" "$tap_dir/err"
check "a symbolic link to the parent as the child: refused" sh -c '
    ln -s "$1" "$2" && ! "$3" --parent "$1" "$2" 2> "$4"; cat "$4"; rm -f "$2";
    grep -q "would replace its own parent" "$4"' _ "$parent" "$work/vm/link.vhd" "$vhdcreate" "$tap_dir/err"
check "the parent through another path (..): refused" refused "would replace its own parent" \
    --parent "$parent" "$work/vm/../base/dynamic.vhd"
check "a missing parent: refused, nothing created" sh -c '
    ! "$1" --parent "$2/none.vhd" "$2/c.vhd" 2> "$3"; cat "$3";
    grep -q "^vhdcreate: $2/none.vhd: no such file (the parent disk)$" "$3" && [ ! -e "$2/c.vhd" ]' \
    _ "$vhdcreate" "$work/vm" "$tap_dir/err"
printf 'not a disk\n' > "$work/base/text.vhd"
check "a parent that is not a VHD: refused, nothing created" sh -c '
    ! "$1" --parent "$2" "$3" 2> "$4"; cat "$4"; grep -q "not a valid VHD" "$4" && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$work/base/text.vhd" "$work/vm/c.vhd" "$tap_dir/err"
check "a folder as the parent: refused, nothing created" sh -c '
    ! "$1" --parent "$2" "$3" 2> "$4"; cat "$4"; [ -s "$4" ] && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$work/base" "$work/vm/c.vhd" "$tap_dir/err"
qemu-img create -q -f vpc -o subformat=fixed,force_size=on "$work/base/tiny.vhd" 2M
check "a 2 MB parent (below 3 MB): refused, nothing created" sh -c '
    ! "$1" --parent "$2" "$3" 2> "$4"; cat "$4"; grep -q "parent.s size" "$4" && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$work/base/tiny.vhd" "$work/vm/c.vhd" "$tap_dir/err"
printf 'precious\n' > "$work/vm/taken.vhd"
check "an existing child path: refused, untouched" sh -c '
    ! "$1" --parent "$2" "$3" 2> "$4"; cat "$4"; grep -q "already exists" "$4" &&
    [ "$(cat "$3")" = precious ]' _ "$vhdcreate" "$parent" "$work/vm/taken.vhd" "$tap_dir/err"
check "a child in a missing folder: refused" refused "does not exist" \
    --parent "$parent" "$work/missing/c.vhd"
check "the parent is unchanged after every refusal" unchanged

# A creation cancelled half-way (SIGINT while a write is delayed by strace): nothing left,
# the parent unchanged. LeakSanitizer cannot run under ptrace.
check "a cancelled creation leaves nothing and the parent unchanged" sh -c '
    ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=pwrite64 \
        -e inject=pwrite64:delay_enter=1500000 "$1" --parent "$2" "$3" 2> "$4" & tracer=$!
    i=0; while [ ! -e "$3" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -e "$3" ] || { echo "the child never appeared"; kill $tracer; exit 1; }
    kill -INT "$(pgrep -P $tracer)"; status=0; wait $tracer || status=$?
    cat "$4"; echo "exit status $status"
    [ "$status" -eq 1 ] && grep -q "interrupted; nothing was created" "$4" && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$parent" "$work/vm/cancelled.vhd" "$tap_dir/err"
check "the parent is unchanged after the cancelled creation" unchanged

# Usage errors.
check "--parent with a size: exit 2" sh -c '
    status=0; "$1" --parent "$2" "$3" 5 2> "$4" || status=$?; cat "$4";
    [ $status -eq 2 ] && grep -q "the size is the parent" "$4" && [ ! -e "$3" ]' \
    _ "$vhdcreate" "$parent" "$work/vm/c.vhd" "$tap_dir/err"
check "--fixed and --parent together: exit 2" sh -c '
    status=0; "$1" --fixed --parent "$2" "$3" 2> "$4" || status=$?; cat "$4";
    [ $status -eq 2 ] && grep -q "one of" "$4"' _ "$vhdcreate" "$parent" "$work/vm/c.vhd" "$tap_dir/err"
check "--parent without a value: exit 2" sh -c '
    status=0; "$1" --parent 2> "$2" || status=$?; cat "$2"; [ $status -eq 2 ]' _ "$vhdcreate" "$tap_dir/err"
check "--fixed with a bad size: exit 2, nothing created" sh -c '
    status=0; "$1" --fixed "$2" 2 2> "$3" || status=$?; cat "$3";
    [ $status -eq 2 ] && grep -q "the size must be from 3 MB to 2040 GB" "$3" && [ ! -e "$2" ]' \
    _ "$vhdcreate" "$work/vm/f.vhd" "$tap_dir/err"

finish

#!/bin/sh
# Runs a script that creates disks in a fresh folder, then checks each disk with two
# independent readers: vhdiinfo ("Media size") and qemu-img (virtual-size, with qemu's default
# options, which take the exact size only from creators qemu trusts, as vsdisk's "win "; a
# VHDX is also probed by qemu-img as one and must pass "qemu-img check").
# Both tools are required; a missing one is a failure.
# Usage: script_disks.sh RUN_SCRIPT WINE_WRAP DLL SCRIPT TMPBASE NAME=MB[=child|=4k]...
# (=child: a differencing VHDX; =4k: a VHDX of 4096-byte logical sectors. qemu opens
# neither, so vhdiinfo alone reads them.)
set -u
run_script=$1 wrap=$2 dll=$3 script=$4 base=$5
shift 5

fail() {
    echo "FAIL: $*"
    exit 1
}

for tool in vhdiinfo qemu-img; do
    command -v "$tool" >/dev/null 2>&1 \
        || fail "$tool is missing (Debian: apt-get install libvhdi-utils qemu-utils)"
done

work=
for attempt in 1 2 3; do
    mkdir -p "$base" && work=$(mktemp -d "$base/script.XXXXXX") && break
done
[ -n "$work" ] || fail "cannot make a folder under $base"
trap 'rm -rf "$work"; rmdir "$base" 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP
winwork="Z:$(printf '%s' "$work" | tr / '\\')"

sh "$run_script" "$wrap" "$dll" "$script" "$winwork" || fail "$(basename "$script") failed"

for spec in "$@"; do
    name=${spec%%=*} mb=${spec#*=} kind=
    case $mb in
        *=child) kind=child mb=${mb%=child} ;;
        *=4k) kind=4k mb=${mb%=4k} ;;
    esac
    file=$work/$name
    bytes=$((mb * 1048576))
    [ -f "$file" ] || fail "$name was not created"
    info=$(vhdiinfo "$file" 2>&1) || fail "vhdiinfo cannot read $name: $info"
    media=$(printf '%s\n' "$info" | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p')
    [ "$media" = "$bytes" ] || fail "$name: vhdiinfo says $media bytes, expected $bytes"
    case $name in
        *.[vV][hH][dD][xX])
            if [ "$kind" = child ]; then
                printf '%s\n' "$info" | grep -q 'Disk type.*Differential' \
                    || fail "$name: vhdiinfo does not call it differencing: $info"
                echo "ok: $name is a valid $mb MB differencing VHDX (vhdiinfo: $bytes bytes)"
                continue
            fi
            if [ "$kind" = 4k ]; then
                printf '%s\n' "$info" | grep -q 'Bytes per sector.*4096' \
                    || fail "$name: vhdiinfo does not see 4096-byte sectors: $info"
                echo "ok: $name is a valid $mb MB VHDX of 4096-byte sectors (vhdiinfo: $bytes bytes)"
                continue
            fi
            check=$(qemu-img check "$file" 2>&1) || fail "qemu-img check $name: $check"
            json=$(qemu-img info --output=json "$file" 2>&1) || fail "qemu-img cannot read $name: $json"
            printf '%s\n' "$json" | grep -q '"format": *"vhdx"' \
                || fail "$name: qemu-img does not probe it as a VHDX: $json"
            ;;
        *)
            json=$(qemu-img info --output=json --image-opts \
                "driver=vpc,file.driver=file,file.filename=$file" 2>&1) \
                || fail "qemu-img cannot read $name: $json"
            ;;
    esac
    virtual=$(printf '%s\n' "$json" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p')
    [ "$virtual" = "$bytes" ] || fail "$name: qemu-img says $virtual bytes, expected $bytes"
    echo "ok: $name is a valid $mb MB disk (vhdiinfo and qemu-img: $bytes bytes)"
done

# Nothing else was left in the folder.
expected=$#
found=$(ls -A "$work" | wc -l)
[ "$found" -eq "$expected" ] || fail "the folder holds $found entries, expected $expected: $(ls -A "$work")"
exit 0

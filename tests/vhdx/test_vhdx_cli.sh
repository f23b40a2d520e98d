#!/bin/sh
# vsdisk create and info with VHDX, through the command as users run it, the disks checked by
# qemu-img, qemu-io and vhdiinfo with their default options: the .vhdx rule (any case), the
# three kinds, block and sector sizes, the 64 TB ceiling, a child's chain read through vsdisk
# (qemu cannot open a differencing VHDX), its parent never changed, children of the other
# format refused; a VHDX (Hyper-V's sample) converted to a fixed VHD of exactly its size and
# content. TAP output. Usage: test_vhdx_cli.sh VSDISK SAMPLES_DIR
set -eu
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
samples=$2
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/../native/tap.sh"
for tool in qemu-img qemu-io vhdiinfo bzip2 sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tap_dir"
MiB=1048576

# json FILE KEY: the value of KEY in vsdisk info --json's object.
json() {
    "$vsdisk" info --json "$1" | python3 -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print("null" if v is None else v)' "$2"
}
# refused STATUS PATTERN ARGS...: vsdisk exits STATUS with one line on stderr matching PATTERN
# and leaves no file at the last argument.
refused() {
    want=$1 pattern=$2
    shift 2
    status=0
    "$vsdisk" "$@" > out 2> err || status=$?
    eval "last=\${$#}"
    cat out err; echo "exit status $status"
    [ "$status" -eq "$want" ] && [ "$(wc -l < err)" -eq 1 ] && grep -q -- "$pattern" err &&
        [ ! -e "$last" ]
}

check "dynamic: created, says what it made" sh -c '
    "$1" create a.vhdx 100 > out && cat out && grep -qx "created a.vhdx: VHDX, dynamic, 100 MiB (104857600 bytes)" out' _ "$vsdisk"
check "dynamic: qemu-img check finds no error" qemu-img check -f vhdx a.vhdx
check "dynamic: qemu-img info: exactly 100 MiB, 32 MiB blocks" sh -c '
    qemu-img info -f vhdx --output=json a.vhdx > q && cat q &&
    grep -q "\"virtual-size\": 104857600," q && grep -q "\"cluster-size\": 33554432," q'
check "dynamic: vhdiinfo: VHDX, dynamic, 100 MiB, 512-byte sectors" sh -c '
    vhdiinfo a.vhdx > v && cat v && grep -q "Format[[:space:]]*: VHDX" v &&
    grep -q "Disk type[[:space:]]*: Dynamic" v && grep -q "(104857600 bytes)" v &&
    grep -q "Bytes per sector[[:space:]]*: 512 bytes" v'
check "dynamic: info --json" sh -c '
    "$1" info --json a.vhdx > j && cat j && python3 -c "
import json, sys
j = json.load(open(\"j\"))
want = {\"format\": \"vhdx\", \"kind\": \"dynamic\", \"size\": 104857600, \"block_size\": 33554432,
        \"logical_sector_size\": 512, \"physical_sector_size\": 4096, \"parent\": None, \"chain_depth\": 1,
        \"file_size\": 4194304}
sys.exit(0 if all(j[k] == v for k, v in want.items()) else 1)"' _ "$vsdisk"

check "fixed, 8 MiB blocks, size with a unit: created" "$vsdisk" create --fixed --block-size 8M f.vhdx 64M
check "fixed: qemu-img check, exactly 64 MiB, 8 MiB blocks" sh -c '
    qemu-img check -f vhdx f.vhdx && qemu-img info -f vhdx --output=json f.vhdx > q && cat q &&
    grep -q "\"virtual-size\": 67108864," q && grep -q "\"cluster-size\": 8388608," q'
check "fixed: really allocated (never sparse) and reads as zeros" sh -c '
    [ $(( $(stat -c "%b * %B" f.vhdx) )) -ge 67108864 ] &&
    head -c 67108864 /dev/zero > zero.raw && qemu-img compare -f vhdx -F raw f.vhdx zero.raw'
check "4 KiB logical sectors: info and vhdiinfo say 4096" sh -c '
    "$1" create --logical-sector-size 4096 --physical-sector-size 4096 s.vhdx 16 > /dev/null &&
    [ "$(vhdiinfo s.vhdx | sed -n "s/.*Bytes per sector[[:space:]]*: \([0-9]*\) bytes/\1/p")" = 4096 ] &&
    "$1" info --json s.vhdx | grep -q "\"logical_sector_size\": 4096, \"physical_sector_size\": 4096"' _ "$vsdisk"
check "the extension in any case: B.VHDX is a VHDX" sh -c '
    "$1" create B.VHDX 8 > /dev/null && "$1" info B.VHDX | grep -qx "format: VHDX"' _ "$vsdisk"
ceiling() {
    "$vsdisk" create big.vhdx 64T > /dev/null && [ "$(json big.vhdx size)" = 70368744177664 ] &&
        [ "$(stat -c %s big.vhdx)" -lt 33554432 ] && rm big.vhdx
}
check "64 TB, the VHDX ceiling: a dynamic disk, its metadata only" ceiling

# A child of a.vhdx after qemu-io wrote data into it.
qemu-io -f vhdx -c "write -P 0x5a 0 3M" -c "write -P 0x66 $((100 * MiB - 4096)) 4096" a.vhdx > /dev/null
before=$(sha256sum < a.vhdx)$(stat -c %Y a.vhdx)
check "differencing: created, parent named" sh -c '
    "$1" create --parent a.vhdx c.vhdx > out && cat out &&
    grep -qx "created c.vhdx: VHDX, differencing (parent a.vhdx), 100 MiB (104857600 bytes)" out' _ "$vsdisk"
child_json() {
    [ "$(json c.vhdx parent)" = a.vhdx ] && [ "$(json c.vhdx chain_depth)" = 2 ] &&
        [ "$(json c.vhdx block_size)" = 2097152 ] && [ "$(json c.vhdx kind)" = differencing ]
}
check "differencing: info --json: the parent found, depth 2, 2 MiB blocks" child_json
check "differencing: vhdiinfo names the parent" sh -c '
    vhdiinfo c.vhdx > v && cat v && grep -q "Disk type[[:space:]]*: Differential" v &&
    grep -q "Parent filename[[:space:]]*: .*a.vhdx" v'
check "differencing: its chain, flattened by vsdisk into a fixed VHD, is the parent's content" sh -c '
    "$1" convert c.vhdx flat.vhd fixed > /dev/null && qemu-img compare -f vpc -F vhdx flat.vhd a.vhdx' _ "$vsdisk"
check "differencing: the parent unchanged (bytes and modification time)" sh -c '
    [ "$(sha256sum < a.vhdx)$(stat -c %Y a.vhdx)" = "$1" ]' _ "$before"

check "a VHD child of a VHDX parent: refused, exit 1" refused 1 "the parent is a VHDX" create --parent a.vhdx c.vhd
"$vsdisk" create v.vhd 8 > /dev/null
check "a VHDX child of a VHD parent: refused, exit 1" refused 1 "the parent is a VHD" create --parent v.vhd c2.vhdx
check "--block-size for a VHD: refused, exit 2" refused 2 "are for a VHDX" create --block-size 8M x.vhd 100
check "a block size that is not a power of two: refused, exit 2" refused 2 "power of two" create --block-size 3M x.vhdx 100
check "a block size above 256 MiB: refused, exit 2" refused 2 "power of two" create --block-size 512M x.vhdx 100
check "a logical sector size of 1024: refused, exit 2" refused 2 "512 or 4096\|logical sector" create --logical-sector-size 1024 x.vhdx 100
check "above 64 TB: refused, exit 2" refused 2 "to 64 TB" create x.vhdx 65T
check "a VHD above 2040 GB: still refused, exit 2" refused 2 "to 2040 GB" create x.vhd 2041G
check "convert into a .vhdx: a VHDX, qemu-img check clean, the same content" sh -c '
    "$1" convert a.vhdx z.vhdx dynamic > /dev/null && "$1" info --json z.vhdx | grep -q "\"format\": \"vhdx\"" &&
    qemu-img check -q -f vhdx z.vhdx && qemu-img compare -q -f vhdx -F vhdx a.vhdx z.vhdx' _ "$vsdisk"
check "merge into a .VHDX (any case): a fixed VHDX with the chain's content" sh -c '
    "$1" merge c.vhdx z.VHDX fixed > /dev/null && "$1" info --json z.VHDX | grep -q "\"kind\": \"fixed\"" &&
    qemu-img compare -q -f vhdx -F vhdx a.vhdx z.VHDX' _ "$vsdisk"

# Hyper-V's own disk into a fixed VHD for Azure: exactly its size, its content.
bzip2 -dc "$samples/iotest-dynamic-1G.vhdx.bz2" > hv.vhdx
check "Hyper-V's VHDX into a fixed VHD: exactly 1 GiB for qemu and vhdiinfo" sh -c '
    "$1" convert hv.vhdx hv.vhd fixed > /dev/null &&
    qemu-img info -f vpc --output=json hv.vhd | grep -q "\"virtual-size\": 1073741824," &&
    vhdiinfo hv.vhd | grep -q "Media size.*(1073741824 bytes)" &&
    [ "$(stat -c %s hv.vhd)" -eq $((1073741824 + 512)) ]' _ "$vsdisk"
check "Hyper-V's VHDX into a fixed VHD: its known content (0xA5, 0x96, zeros)" sh -c '
    qemu-io -r -f vpc -c "read -P 0xa5 0 33M" -c "read -P 0x96 33M 33M" -c "read -P 0 66M 958M" hv.vhd > io &&
    cat io && ! grep -qi -e fail -e error io && [ "$(grep -c "^read " io)" -eq 3 ]'
check "Hyper-V's VHDX into a fixed VHD: the same as qemu reads the source" qemu-img compare -f vpc -F vhdx hv.vhd hv.vhdx

finish

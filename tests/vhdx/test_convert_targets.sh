#!/bin/sh
# vsdisk convert and merge into every target, through the command as users run it, checked
# by qemu-img and vhdiinfo with their default options: every source kind (VHD dynamic, fixed
# and a differencing chain; VHDX dynamic and fixed by qemu and vsdisk, a differencing chain
# by the tests' builder, qemu's own sample) into a dynamic and a fixed VHDX, a dynamic and a
# fixed VHD and a raw image: content equal to the source's (qemu-img convert -O raw where
# qemu reads the source; chain_raw.py for a VHD chain, vhdx_chain for a VHDX one, both
# independent of vsdisk's chain code), qemu-img check clean, vhdiinfo and qemu sizing them
# exactly; a 2040 GiB disk holding 3 MiB stays small as a raw image and as a dynamic VHDX;
# sizes a format cannot hold and Azure's rules refused with nothing written; an Azure disk.
# TAP output. Usage: test_convert_targets.sh VSDISK FX_WRITE VHDX_CHAIN VHDX_BUILT_CHAIN
#                    CHAIN_RAW_PY SAMPLES_DIR
set -eu
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
vsdisk=$(absolute "$1") fx_write=$(absolute "$2") vhdx_chain=$(absolute "$3")
built_chain=$(absolute "$4") chain_raw=$(absolute "$5") samples=$(absolute "$6")
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/../native/tap.sh"
for tool in qemu-img qemu-io vhdiinfo python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tap_dir"
MiB=1048576

# data FILE BYTES SEED: BYTES random bytes, the same for the same seed.
data() {
    python3 -c 'import random, sys; random.seed(int(sys.argv[2])); sys.stdout.buffer.write(random.randbytes(int(sys.argv[1])))' "$2" "$3" > "$1"
}
# virtual_size FORMAT FILE: the size qemu-img info gives with default options.
virtual_size() {
    qemu-img info -f "$1" --output=json "$2" | python3 -c 'import json, sys; print(json.load(sys.stdin)["virtual-size"])'
}
# refused PATTERN ARGS...: vsdisk exits 1 with one line on stderr matching PATTERN and leaves
# nothing at TARGET (the second operand after any options) nor any partial file.
refused() {
    pattern=$1
    shift
    status=0
    before=$(ls | sort)
    "$vsdisk" "$@" > out 2> err || status=$?
    cat out err; echo "exit status $status"
    after=$(ls | grep -v '^out$\|^err$' | sort)
    before=$(echo "$before" | grep -v '^out$\|^err$')
    [ "$status" -eq 1 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q -- "$pattern" err &&
        [ "$before" = "$after" ]
}

# ---- sources, and their content as raw images ----------------------------------------------
mkdir src
"$vsdisk" create src/vhd-dyn.vhd 64 > /dev/null
qemu-io -f vpc -c "write -P 0x5a 1048064 3M" -c "write -P 0xc3 40M 4096" src/vhd-dyn.vhd > /dev/null
qemu-img convert -f vpc -O raw src/vhd-dyn.vhd src/vhd-dyn.raw

"$vsdisk" create --fixed src/vhd-fixed.vhd 40 > /dev/null
qemu-io -f vpc -c "write -P 0x11 5M 1M" -c "write -P 0x22 41942528 512" src/vhd-fixed.vhd > /dev/null
qemu-img convert -f vpc -O raw src/vhd-fixed.vhd src/vhd-fixed.raw

cp src/vhd-dyn.vhd src/base.vhd
"$vsdisk" create --parent src/base.vhd src/vhd-child.vhd > /dev/null
data d1 1024 1; data d2 8192 2
"$fx_write" src/vhd-child.vhd 2096640 d1
"$fx_write" src/vhd-child.vhd 50331648 d2
qemu-img convert -f vpc -O raw src/base.vhd src/base.raw
python3 "$chain_raw" src/vhd-child.vhd src/base.raw src/vhd-child.raw

qemu-img create -q -f vhdx src/qemu-dyn.vhdx 100M
qemu-io -f vhdx -c "write -P 0xab 5M 3M" -c "write -P 0x17 73400832 512" src/qemu-dyn.vhdx > /dev/null
qemu-img convert -f vhdx -O raw src/qemu-dyn.vhdx src/qemu-dyn.raw

"$vsdisk" create --fixed src/vsdisk-fixed.vhdx 24 > /dev/null
qemu-io -f vhdx -c "write -P 0x99 8M 1M" src/vsdisk-fixed.vhdx > /dev/null
qemu-img convert -f vhdx -O raw src/vsdisk-fixed.vhdx src/vsdisk-fixed.raw

mkdir src/chain
"$built_chain" src/chain/parent.vhdx src/chain/child.vhdx
"$vhdx_chain" src/chain/child.raw src/chain/child.vhdx src/chain/parent.vhdx

python3 -c 'import bz2, shutil, sys
with bz2.open(sys.argv[1]) as i, open(sys.argv[2], "wb") as o: shutil.copyfileobj(i, o)' \
    "$samples/iotest-dynamic-1G.vhdx.bz2" src/iotest.vhdx
qemu-img convert -f vhdx -O raw src/iotest.vhdx src/iotest.raw

sha256sum src/*.vhd src/*.vhdx src/chain/*.vhdx > sources.sha256

# ---- every source into every target ---------------------------------------------------------
for source in vhd-dyn vhd-fixed vhd-child qemu-dyn vsdisk-fixed chain/child iotest; do
    case $source in
        vhd-*) path=src/$source.vhd ;;
        *) path=src/$source.vhdx ;;
    esac
    raw=src/$source.raw
    size=$(stat -c %s "$raw")
    for target in vhdx:dynamic vhdx:fixed vhd:dynamic vhd:fixed img:raw; do
        ext=${target%%:*} type=${target#*:}
        out=out.$ext
        name="$source into $ext $type"
        check "$name: converted" "$vsdisk" convert "$path" "$out" "$type"
        case $ext in
            vhdx)
                check "$name: qemu-img check finds no error" qemu-img check -q -f vhdx "$out"
                check "$name: content equal (qemu-img compare)" qemu-img compare -q -f raw -F vhdx "$raw" "$out"
                check "$name: qemu sizes it exactly" [ "$(virtual_size vhdx "$out")" = "$size" ]
                ;;
            vhd)
                check "$name: content equal (qemu-img compare)" qemu-img compare -q -f raw -F vpc "$raw" "$out"
                check "$name: qemu sizes it exactly" [ "$(virtual_size vpc "$out")" = "$size" ]
                ;;
            img)
                check "$name: content equal (cmp), exactly the size" cmp "$raw" "$out"
                ;;
        esac
        if [ "$ext" != img ]; then
            check "$name: vhdiinfo describes it, exact size" sh -c '
                vhdiinfo "$1" > v && cat v && grep -q "($2 bytes)" v &&
                grep -q "Disk type[[:space:]]*: $3" v' _ "$out" "$size" \
                "$( [ "$type" = fixed ] && echo Fixed || echo Dynamic)"
        fi
        rm -f "$out"
    done
done
check "every source unchanged" sha256sum -c --quiet sources.sha256

# A dynamic target holds only the blocks with data: qemu's 100 MiB VHDX with data in block 0
# and 2 (32 MiB blocks) into a VHDX (4 MiB of metadata + 2 blocks) and a VHD (2 MiB blocks:
# 2 for 3 MiB at 5 MiB, 1 at 70 MiB).
check "dynamic VHDX from qemu's: two 32 MiB blocks, nothing more" sh -c '
    "$1" convert src/qemu-dyn.vhdx d.vhdx dynamic && [ "$(stat -c %s d.vhdx)" = $((4 * $2 + 2 * 32 * $2)) ]' _ "$vsdisk" "$MiB"
check "dynamic VHD from qemu's: three 2 MiB blocks" sh -c '
    "$1" convert src/qemu-dyn.vhdx d.vhd dynamic && s=$(stat -c %s d.vhd) &&
    [ "$s" -gt $((3 * 2 * $2)) ] && [ "$s" -lt $((4 * 2 * $2)) ]' _ "$vsdisk" "$MiB"

# MergeTo into a VHDX: the VHD chain and the VHDX chain flattened.
check "merge VHD chain into a dynamic VHDX: content equal, qemu-img check" sh -c '
    "$1" merge src/vhd-child.vhd m.vhdx dynamic && qemu-img check -q -f vhdx m.vhdx &&
    qemu-img compare -q -f raw -F vhdx src/vhd-child.raw m.vhdx' _ "$vsdisk"
check "merge VHDX chain into a fixed VHD: content equal" sh -c '
    "$1" merge src/chain/child.vhdx m.vhd fixed && qemu-img compare -q -f raw -F vpc src/chain/child.raw m.vhd' _ "$vsdisk"
check "merge VHDX chain into an upper-case .VHDX path: content equal" sh -c '
    "$1" merge src/chain/child.vhdx m2.VHDX fixed && qemu-img check -q -f vhdx m2.VHDX &&
    qemu-img compare -q -f raw -F vhdx src/chain/child.raw m2.VHDX' _ "$vsdisk"

# ---- a 2040 GiB disk holding 3 MiB ------------------------------------------------------------
"$vsdisk" create huge.vhd 2040G > /dev/null
qemu-io -f vpc -c "write -P 0x33 0 2M" -c "write -P 0x44 1000G 1M" -c "write -P 0x55 1500G 4096" \
    huge.vhd > /dev/null
check "2040 GiB disk into raw: exactly 2040 GiB, its 3 MiB + 4 KiB of data on the host" sh -c '
    "$1" convert huge.vhd huge.img raw && stat -c "%s %b %B" huge.img &&
    [ "$(stat -c %s huge.img)" = 2190433320960 ] &&
    [ $(( $(stat -c %b huge.img) * $(stat -c %B huge.img) )) -le $((3 * $2 + 4096 + 65536)) ] &&
    qemu-img compare -q -f vpc -F raw huge.vhd huge.img' _ "$vsdisk" "$MiB"
rm -f huge.img
check "2040 GiB disk into a dynamic VHDX: three blocks, qemu-img check, the data (qemu-io)" sh -c '
    "$1" convert huge.vhd huge.vhdx dynamic && qemu-img check -q -f vhdx huge.vhdx &&
    [ $(stat -c %s huge.vhdx) -le $((8 * $2 + 3 * 32 * $2)) ] &&
    qemu-io -f vhdx -c "read -P 0x33 0 2M" -c "read -P 0 2M 30M" -c "read -P 0x44 1000G 1M" \
        -c "read -P 0x55 1500G 4096" -c "read -P 0 2039G 1G" huge.vhdx' _ "$vsdisk" "$MiB"
rm -f huge.vhd huge.vhdx

# ---- refusals, before anything is written ------------------------------------------------------
"$vsdisk" create big.vhdx 3T > /dev/null
check "a 3 TiB VHDX into a VHD: refused, both sizes named, nothing written" \
    refused "3298534883328 bytes.*2190433320960 bytes" convert big.vhdx big.vhd dynamic
check "... and into a fixed VHD" refused "larger than a VHD can be" convert big.vhdx big.vhd fixed
check "... and for Azure: the VHD's ceiling named" refused "at most 2040 GiB" convert --azure big.vhdx big.vhd
rm -f big.vhdx
check "a type that is none: refused with exit status 2" sh -c '
    status=0; "$1" convert src/qemu-dyn.vhdx x.vhd sparse 2> err || status=$?; cat err
    [ $status = 2 ] && grep -q "dynamic, fixed or raw" err && [ ! -e x.vhd ]' _ "$vsdisk"

# ---- Azure -------------------------------------------------------------------------------------
# 50 MiB + 3584 bytes, not a whole MiB.
qemu-img create -q -f vhdx odd.vhdx 52432384
qemu-io -f vhdx -c "write -P 0x61 0 1M" -c "write -P 0x62 52428800 3584" odd.vhdx > /dev/null
check "Azure from 52432384 bytes: one line says the rounding" sh -c '
    "$1" convert --azure odd.vhdx azure.vhd > out && cat out &&
    [ "$(wc -l < out)" = 1 ] && grep -q ": rounded 52432384 bytes up to 53477376 (51 MiB)\$" out' _ "$vsdisk"
check "Azure: file size = 51 MiB + 512" [ "$(stat -c %s azure.vhd)" = $((51 * MiB + 512)) ]
check "Azure: qemu-img info -f vpc (default options): exactly 51 MiB" \
    [ "$(virtual_size vpc azure.vhd)" = $((51 * MiB)) ]
check "Azure: qemu-img info with force_size_calc=current_size: exactly 51 MiB" sh -c '
    qemu-img info --output=json --image-opts driver=vpc,force_size_calc=current_size,file.filename=azure.vhd > q &&
    cat q && grep -q "\"virtual-size\": $((51 * $1))," q' _ "$MiB"
check "Azure: vhdiinfo: fixed, 51 MiB" sh -c '
    vhdiinfo azure.vhd > v && cat v && grep -q "Disk type[[:space:]]*: Fixed" v && grep -q "($((51 * $1)) bytes)" v' _ "$MiB"
check "Azure: the footer: conectix, fixed (2), both sizes 51 MiB" python3 -c '
import struct, sys
f = open("azure.vhd", "rb").read()[-512:]
orig, cur = struct.unpack(">QQ", f[40:56])
sys.exit(0 if f[:8] == b"conectix" and struct.unpack(">I", f[60:64])[0] == 2
         and orig == cur == 51 * 1048576 else 1)'
check "Azure: the source's content, then zeros" qemu-img compare -q -f vhdx -F vpc odd.vhdx azure.vhd
check "Azure from a whole MiB: says so, the same size" sh -c '
    "$1" convert --azure src/qemu-dyn.vhdx az2.vhd fixed > out && cat out &&
    grep -q "104857600 bytes (100 MiB): already a whole number of MiB" out &&
    [ "$(stat -c %s az2.vhd)" = $((100 * $2 + 512)) ]' _ "$vsdisk" "$MiB"
qemu-img create -q -f vhdx small.vhdx 10M
check "Azure: below 20 MiB refused, nothing written" refused "at least 20 MiB (20971520 bytes), not 10485760 bytes" convert --azure small.vhdx az3.vhd
check "Azure: a .vhdx target refused" refused "VHD files only, not VHDX" convert --azure odd.vhdx az3.vhdx
check "Azure: dynamic refused" refused "fixed-size VHDs only" convert --azure odd.vhdx az3.vhd dynamic
check "Azure: every broken rule named in one line" refused "VHD files only.*fixed-size VHDs only.*at least 20 MiB" convert --azure small.vhdx az3.vhdx dynamic

finish

#!/bin/sh
# Round trips across formats through vsdisk convert, as issue 20 asks: VHD -> VHDX -> VHD and
# VHDX -> VHD -> VHDX for every kind (dynamic, fixed, a differencing chain, flattened on the
# way out), through a dynamic and a fixed middle disk. The middle and the end disks hold the
# source's content (qemu-img compare where qemu reads both sides; a chain's content from
# chain_raw.py for VHD and vhdx_chain for VHDX, both independent of vsdisk's chain code), the
# end disk is of the source's kind (a chain: dynamic) and size for qemu and vhdiinfo, and every
# source is byte-identical afterwards. Then the dirty-log case: qemu's sample with an
# unreplayed log converted to a VHD (read-only: the sample's sha256 unchanged) holding the
# replayed content (0xA5 up to 18 MiB, where the unreplayed file stops at 17 MiB), the same as
# qemu's own on-disk replay of a copy.
# TAP output. Usage: test_roundtrip.sh VSDISK FX_WRITE VHDX_CHAIN VHDX_BUILT_CHAIN CHAIN_RAW_PY
#                    SAMPLES_DIR
set -eu
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
vsdisk=$(absolute "$1") fx_write=$(absolute "$2") vhdx_chain=$(absolute "$3")
built_chain=$(absolute "$4") chain_raw=$(absolute "$5") samples=$(absolute "$6")
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/../native/tap.sh"
for tool in qemu-img qemu-io vhdiinfo python3 sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
cd "$tap_dir"

# data FILE BYTES SEED: BYTES random bytes, the same for the same seed.
data() {
    python3 -c 'import random, sys; random.seed(int(sys.argv[2])); sys.stdout.buffer.write(random.randbytes(int(sys.argv[1])))' "$2" "$3" > "$1"
}
# virtual_size FORMAT FILE: the size qemu-img info gives with default options.
virtual_size() {
    qemu-img info -f "$1" --output=json "$2" | python3 -c 'import json, sys; print(json.load(sys.stdin)["virtual-size"])'
}
# is_disk FILE FORMAT KIND BYTES: vhdiinfo names the format and the kind (Fixed, Dynamic) and
# gives the size; qemu sizes it the same.
is_disk() {
    vhdiinfo "$1" > v || return 1
    cat v
    grep -q "Format[[:space:]]*: $2" v && grep -q "Disk type[[:space:]]*: $3" v &&
        grep -q "($4 bytes)" v &&
        [ "$(virtual_size "$(echo "$2" | sed 's/VHDX/vhdx/; s/^VHD$/vpc/; s/VHD 1.0/vpc/')" "$1")" = "$4" ]
}
qfmt() { case $1 in *.vhdx) echo vhdx ;; *) echo vpc ;; esac; }

# ---- sources ----------------------------------------------------------------------------------
mkdir src
"$vsdisk" create src/dynamic.vhd 64 > /dev/null
qemu-io -f vpc -c "write -P 0x5a 1048064 3M" -c "write -P 0xc3 40M 4096" -c "write -P 0x7e 67108352 512" \
    src/dynamic.vhd > /dev/null
"$vsdisk" create --fixed src/fixed.vhd 40 > /dev/null
qemu-io -f vpc -c "write -P 0x11 5M 1M" -c "write -P 0x22 41942528 512" src/fixed.vhd > /dev/null
cp src/dynamic.vhd src/base.vhd
"$vsdisk" create --parent src/base.vhd src/child.vhd > /dev/null
data d1 1024 1; data d2 8192 2
"$fx_write" src/child.vhd 2096640 d1
"$fx_write" src/child.vhd 50331648 d2
qemu-img convert -f vpc -O raw src/base.vhd base.raw
python3 "$chain_raw" src/child.vhd base.raw child.vhd.raw

qemu-img create -q -f vhdx src/dynamic.vhdx 100M
qemu-io -f vhdx -c "write -P 0xab 5M 3M" -c "write -P 0x17 73400832 512" src/dynamic.vhdx > /dev/null
"$vsdisk" create --fixed src/fixed.vhdx 24 > /dev/null
qemu-io -f vhdx -c "write -P 0x99 8M 1M" -c "write -P 0x42 25165312 512" src/fixed.vhdx > /dev/null
mkdir src/chain
"$built_chain" src/chain/parent.vhdx src/chain/child.vhdx own
"$vhdx_chain" child.vhdx.raw src/chain/child.vhdx src/chain/parent.vhdx
check "the VHDX chain's content differs from its parent's (the child holds data of its own)" sh -c '
    ! qemu-img compare -q -f raw -F vhdx child.vhdx.raw src/chain/parent.vhdx'
sha256sum src/*.vhd src/*.vhdx src/chain/*.vhdx > sources.sha256

# ---- every kind there and back ------------------------------------------------------------------
# source | source's format for vhdiinfo | the end disk's kind | the content as raw ("" when qemu
# reads the source itself)
while IFS='|' read -r source there end raw; do
    case $source in *.vhdx) other=vhd back=vhdx fmt=VHDX ;; *) other=vhdx back=vhd fmt=VHD ;; esac
    if [ -z "$raw" ]; then
        raw=$(basename "$source").raw
        qemu-img convert -f "$(qfmt "$source")" -O raw "src/$source" "$raw"
    fi
    size=$(stat -c %s "$raw")
    for middle in dynamic fixed; do
        name="$source -> $other ($middle) -> $back ($end)"
        rm -f mid.$other end.$back
        check "$name: converted there" "$vsdisk" convert "src/$source" "mid.$other" "$middle"
        check "$name: the middle disk holds the source's content" \
            qemu-img compare -q -f raw -F "$(qfmt mid.$other)" "$raw" "mid.$other"
        check "$name: converted back" "$vsdisk" convert "mid.$other" "end.$back" "$end"
        check "$name: the end disk holds the source's content" \
            qemu-img compare -q -f raw -F "$(qfmt end.$back)" "$raw" "end.$back"
        case $source in
            chain/*|child.vhd) ;;
            *) check "$name: qemu-img compare: source and end disk identical" \
                   qemu-img compare -q -f "$(qfmt "$source")" -F "$(qfmt end.$back)" "src/$source" "end.$back" ;;
        esac
        check "$name: the end disk is a $end $fmt of exactly the source's size (vhdiinfo, qemu)" \
            is_disk "end.$back" "$fmt" "$( [ "$end" = fixed ] && echo Fixed || echo Dynamic)" "$size"
        [ "$back" = vhdx ] && check "$name: qemu-img check finds no error in the end disk" \
            qemu-img check -q -f vhdx "end.$back"
    done
done <<'ROWS'
dynamic.vhd|VHD|dynamic|
fixed.vhd|VHD|fixed|
child.vhd|VHD|dynamic|child.vhd.raw
dynamic.vhdx|VHDX|dynamic|
fixed.vhdx|VHDX|fixed|
chain/child.vhdx|VHDX|dynamic|child.vhdx.raw
ROWS
check "every source byte-identical afterwards" sha256sum -c --quiet sources.sha256

# ---- the dirty-log sample, converted read-only --------------------------------------------------
python3 -c 'import bz2, shutil, sys
with bz2.open(sys.argv[1]) as i, open(sys.argv[2], "wb") as o: shutil.copyfileobj(i, o)' \
    "$samples/iotest-dirtylog-10G-4M.vhdx.bz2" dirty.vhdx
sha256sum dirty.vhdx > dirty.sha256
cp dirty.vhdx replayed.vhdx
qemu-img check -r all -f vhdx replayed.vhdx > /dev/null 2>&1 || true
check "dirty log: qemu's replay gives 0xA5 up to 18 MiB (the sample's known content)" \
    qemu-io -r -f vhdx -c "read -P 0xa5 0 18M" -c "read -P 0 18M 1M" replayed.vhdx
check "dirty log: qemu's replay changed its copy (the sample's log is pending)" sh -c '
    ! cmp -s dirty.vhdx replayed.vhdx'
for target in dirty.vhd dirty-out.vhdx; do
    name="dirty log into a dynamic ${target##*.}"
    check "$name: converted" "$vsdisk" convert dirty.vhdx "$target" dynamic
    check "$name: the sample not written (sha256 unchanged)" sha256sum -c --quiet dirty.sha256
    check "$name: the log's data there (0xA5 to 18 MiB, then zeros)" \
        qemu-io -r -f "$(qfmt "$target")" -c "read -P 0xa5 0 18M" -c "read -P 0 18M 46M" "$target"
    check "$name: the same disk as qemu's on-disk replay" \
        qemu-img compare -q -f vhdx -F "$(qfmt "$target")" replayed.vhdx "$target"
    rm -f "$target"
done

finish

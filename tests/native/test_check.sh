#!/bin/sh
# vsdisk check: a table of damaged disks, VHD and VHDX, each reported with the expected problem
# (its name and the file it is in) and exit status; clean disks from every writer (vsdisk, qemu,
# the samples) reported clean; the files never changed by a check; --json; the exit statuses of
# a check that cannot finish.
# Usage: test_check.sh VSDISK FX_WRITE SAMPLES_DIR
set -eu
vsdisk=$1 fx_write=$2 samples=$3
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"
d=$tap_dir/disks
mkdir "$d"
MiB=1048576

# poke FILE OFFSET BYTE: one byte changed (its bits inverted) at OFFSET.
poke() {
    python3 - "$1" "$2" <<'EOF'
import sys
path, at = sys.argv[1], int(sys.argv[2])
with open(path, 'r+b') as f:
    f.seek(at)
    b = f.read(1)
    f.seek(at)
    f.write(bytes([b[0] ^ 0xFF]))
EOF
}

# vhd_footer_edit FILE FIELD_OFFSET HEX: sets bytes of both VHD footers (the end one and, for
# a dynamic disk, the copy at 0) and refreshes their checksums: a consistent hand edit.
vhd_footer_edit() {
    python3 - "$1" "$2" "$3" <<'EOF'
import os, sys
path, field, value = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
size = os.path.getsize(path)
with open(path, 'r+b') as f:
    for at in (size - 512, 0):
        f.seek(at)
        footer = bytearray(f.read(512))
        if footer[:8] != b'conectix':
            continue
        footer[field:field + len(value)] = value
        footer[64:68] = b'\0\0\0\0'
        footer[64:68] = ((~sum(footer)) & 0xFFFFFFFF).to_bytes(4, 'big')
        f.seek(at)
        f.write(footer)
EOF
}

# vhd_grow_before_footer FILE BYTES: zeros inserted before the end footer (space nothing refers to).
vhd_grow_before_footer() {
    python3 - "$1" "$2" <<'EOF'
import os, sys
path, n = sys.argv[1], int(sys.argv[2])
size = os.path.getsize(path)
with open(path, 'r+b') as f:
    f.seek(size - 512)
    footer = f.read(512)
    f.seek(size - 512)
    f.write(bytes(n))
    f.write(footer)
EOF
}

# vhd_bat_set FILE INDEX VALUE: block table entry INDEX of a dynamic VHD set to VALUE (sectors).
vhd_bat_set() {
    python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, index, value = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, 'r+b') as f:
    f.seek(0)
    footer = f.read(512)
    header_at = int.from_bytes(footer[16:24], 'big')
    f.seek(header_at + 16)
    table = int.from_bytes(f.read(8), 'big')
    f.seek(table + 4 * index)
    f.write(value.to_bytes(4, 'big'))
EOF
}

# vhd_bat_get FILE INDEX: block table entry INDEX of a dynamic VHD.
vhd_bat_get() {
    python3 - "$1" "$2" <<'EOF'
import sys
path, index = sys.argv[1], int(sys.argv[2])
with open(path, 'rb') as f:
    footer = f.read(512)
    f.seek(int.from_bytes(footer[16:24], 'big') + 16)
    table = int.from_bytes(f.read(8), 'big')
    f.seek(table + 4 * index)
    print(int.from_bytes(f.read(4), 'big'))
EOF
}

sample() {
    python3 -c "import bz2, sys; open(sys.argv[2], 'wb').write(bz2.open(sys.argv[1]).read())" \
        "$samples/$1.bz2" "$2"
}

head -c $((2 * MiB)) /dev/urandom > "$tap_dir/data"
# A dynamic VHD of 64 MiB with data in its first two blocks (2 MiB blocks).
new_vhd() {
    "$vsdisk" create "$1" 64 > /dev/null
    "$fx_write" "$1" 0 "$tap_dir/data" > /dev/null
    "$fx_write" "$1" $((2 * MiB)) "$tap_dir/data" > /dev/null
}
new_vhdx() {
    "$vsdisk" create "$1" 64 > /dev/null
}

# ---- the damage table: NAME, a command that makes DISK, the exit status, the problem name,
# and the file it is reported in (the disk itself unless a fifth column names another).
# Each row's disk is made by a function make_NAME DISK.
# The end footer cut from a disk with no block: the copy at 0 describes it.
make_vhd_end_footer_cut() { "$vsdisk" create "$1" 64 > /dev/null; truncate -s -512 "$1"; }
# ... and from one whose last block ends at the footer: the reader takes the last 512 bytes of
# that block for where the footer should be, and refuses the block (a limit of this version:
# the check names the reader's reason, not the missing footer).
make_vhd_end_footer_cut_after_data() { new_vhd "$1"; truncate -s -512 "$1"; }
make_vhd_end_footer_garbled() { new_vhd "$1"; poke "$1" $(($(stat -c %s "$1") - 510)); }
make_vhd_footer_copy_differs() { new_vhd "$1"; poke "$1" 24; }
make_vhd_geometry_too_large() { new_vhd "$1"; vhd_footer_edit "$1" 56 ffff10ff; }
make_vhd_header_checksum() { new_vhd "$1"; poke "$1" $((512 + 40)); }
make_vhd_block_past_end() { new_vhd "$1"; vhd_bat_set "$1" 5 4000000; }
make_vhd_blocks_overlap() { new_vhd "$1"; vhd_bat_set "$1" 1 "$(vhd_bat_get "$1" 0)"; }
make_vhd_leaked_block() { new_vhd "$1"; vhd_grow_before_footer "$1" $((2 * MiB + 512)); }
make_vhd_fixed_cut() { "$vsdisk" create --fixed "$1" 16 > /dev/null; truncate -s -512 "$1"; }
make_vhd_parent_missing() {
    new_vhd "$d/gone-parent.vhd"
    "$vsdisk" create --parent "$d/gone-parent.vhd" "$1" > /dev/null
    rm "$d/gone-parent.vhd"
}
make_vhd_parent_replaced() {
    new_vhd "$d/replaced-parent.vhd"
    "$vsdisk" create --parent "$d/replaced-parent.vhd" "$1" > /dev/null
    rm "$d/replaced-parent.vhd"
    new_vhd "$d/replaced-parent.vhd"
}
make_vhd_parent_damaged() {
    new_vhd "$d/damaged-parent.vhd"
    "$vsdisk" create --parent "$d/damaged-parent.vhd" "$1" > /dev/null
    poke "$d/damaged-parent.vhd" 24
}
make_vhdx_header1() { new_vhdx "$1"; poke "$1" $((64 * 1024 + 200)); }
make_vhdx_header2() { new_vhdx "$1"; poke "$1" $((128 * 1024 + 200)); }
make_vhdx_headers_both() { new_vhdx "$1"; poke "$1" $((64 * 1024 + 200)); poke "$1" $((128 * 1024 + 200)); }
make_vhdx_region_table1() { new_vhdx "$1"; poke "$1" $((192 * 1024 + 100)); }
make_vhdx_region_table2() { new_vhdx "$1"; poke "$1" $((256 * 1024 + 100)); }
make_vhdx_truncated() { new_vhdx "$1"; truncate -s $((2 * MiB)) "$1"; }
make_vhdx_trailing_space() { new_vhdx "$1"; truncate -s +$((4 * MiB)) "$1"; }
# qemu's VHDX of 1 MiB blocks with blocks 0 to 2 written (placed in that order), then block 1's
# BAT entry (at 2 MiB + 8 in qemu's layout) cleared: its MiB between the others is orphaned.
make_vhdx_leaked_between_blocks() {
    qemu-img create -q -f vhdx -o block_size=1M "$1" 64M
    qemu-io -f vhdx -c "write -P 5 0 3M" "$1" > /dev/null
    python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(2 * 1048576 + 8); f.write(bytes(8))' "$1"
}
make_vhdx_dirty_log() { sample iotest-dirtylog-10G-4M.vhdx "$1"; }
make_vhdx_bat_reserved_bits() { new_vhdx "$1"; poke "$1" $((3 * MiB + 2)); }
make_vhdx_parent_missing() {
    new_vhdx "$d/gone-parent.vhdx"
    "$vsdisk" create --parent "$d/gone-parent.vhdx" "$1" > /dev/null
    rm "$d/gone-parent.vhdx"
}
make_vhdx_parent_header_damaged() {
    new_vhdx "$d/damaged-parent.vhdx"
    "$vsdisk" create --parent "$d/damaged-parent.vhdx" "$1" > /dev/null
    poke "$d/damaged-parent.vhdx" $((64 * 1024 + 200))
}
# A 511-byte footer at the end: a copy cut short by one byte.
make_vhd_end_footer_cut_one() { new_vhd "$1"; truncate -s -1 "$1"; }
# A child and its parent moved from their folder: the relative path finds the parent, the
# absolute one names nothing; the disk reads correctly (a warning, exit 0).
moved_pair() {
    mkdir -p "$d/old"
    "new_$2" "$d/old/stale-parent.$2"
    "$vsdisk" create --parent "$d/old/stale-parent.$2" "$d/old/c.$2" > /dev/null
    mv "$d/old/stale-parent.$2" "$d/"
    mv "$d/old/c.$2" "$1"
    rmdir "$d/old"
}
make_vhd_parent_path_stale() { moved_pair "$1" vhd; }
make_vhdx_parent_path_stale() { moved_pair "$1" vhdx; }
make_partial_itself() { new_vhd "$1"; }
make_partial_beside() { new_vhd "$1"; : > "$1.vsdisk-partial-0a1b2c3d"; }

# name | disk file | exit | problem | file the problem is in (default: the disk)
while IFS='|' read -r name file want problem where; do
    [ -n "$name" ] || continue
    disk=$d/$file
    "make_$name" "$disk"
    where=${where:-$disk}
    case $where in /*) ;; *) where=$d/$where ;; esac
    sum=$(cat "$disk" "$d"/*parent* 2>/dev/null | sha256sum)
    rc=0
    "$vsdisk" check "$disk" > "$tap_dir/out" 2>&1 || rc=$?
    cat "$tap_dir/out" > "$tap_dir/check.out"
    after=$(cat "$disk" "$d"/*parent* 2>/dev/null | sha256sum)
    if [ "$rc" -eq "$want" ] && grep -q "^$where: [a-z]*: $problem\b" "$tap_dir/out" &&
            [ "$sum" = "$after" ]; then
        tap_ok "$name: exit $want, $problem in $(basename "$where")"
    else
        tap_not_ok "$name: exit $want, $problem in $(basename "$where") (got exit $rc; or the files changed)"
        sed 's/^/# /' "$tap_dir/out"
    fi
    rm -f "$d"/*
done <<'EOF'
vhd_end_footer_cut|a.vhd|2|end-footer-damaged
vhd_end_footer_cut_one|a.vhd|2|end-footer-truncated
vhd_parent_path_stale|child.vhd|0|parent-path-stale
vhdx_parent_path_stale|child.vhdx|0|parent-path-stale
vhd_end_footer_cut_after_data|a.vhd|2|not-valid
vhd_end_footer_garbled|a.vhd|2|end-footer-damaged
vhd_footer_copy_differs|a.vhd|2|footer-copies-differ
vhd_geometry_too_large|a.vhd|2|geometry-too-large
vhd_header_checksum|a.vhd|2|not-valid
vhd_block_past_end|a.vhd|2|not-valid
vhd_blocks_overlap|a.vhd|2|blocks-overlap
vhd_leaked_block|a.vhd|3|unreferenced-space
vhd_fixed_cut|a.vhd|2|not-valid
vhd_parent_missing|child.vhd|2|parent-not-found
vhd_parent_replaced|child.vhd|2|parent-id-mismatch
vhd_parent_damaged|child.vhd|2|footer-copies-differ|damaged-parent.vhd
vhdx_header1|a.vhdx|2|header-1-damaged
vhdx_header2|a.vhdx|2|header-2-damaged
vhdx_headers_both|a.vhdx|2|not-valid
vhdx_region_table1|a.vhdx|2|region-table-1-damaged
vhdx_region_table2|a.vhdx|2|region-table-2-damaged
vhdx_truncated|a.vhdx|2|not-valid
vhdx_trailing_space|a.vhdx|3|unreferenced-space
vhdx_leaked_between_blocks|a.vhdx|3|unreferenced-space
vhdx_dirty_log|a.vhdx|2|log-not-replayed
vhdx_bat_reserved_bits|a.vhdx|2|not-valid
vhdx_parent_missing|child.vhdx|2|parent-not-found
vhdx_parent_header_damaged|child.vhdx|2|header-1-damaged|damaged-parent.vhdx
partial_itself|a.vhd.vsdisk-partial-01020304|2|partial-leftover
partial_beside|a.vhd|3|partial-leftover|a.vhd.vsdisk-partial-0a1b2c3d
EOF

# ---- clean disks from every writer: exit 0 and "clean".
clean() {
    rc=0
    "$vsdisk" check "$1" > "$tap_dir/out" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ] && grep -q "^$1: clean (" "$tap_dir/out"; then
        tap_ok "clean: $2"
    else
        tap_not_ok "clean: $2 (exit $rc)"
        sed 's/^/# /' "$tap_dir/out"
    fi
}
new_vhd "$d/dyn.vhd"
clean "$d/dyn.vhd" "vsdisk dynamic VHD with data"
"$vsdisk" create --fixed "$d/fixed.vhd" 16 > /dev/null
clean "$d/fixed.vhd" "vsdisk fixed VHD"
"$vsdisk" create --parent "$d/dyn.vhd" "$d/child.vhd" > /dev/null
"$fx_write" "$d/child.vhd" $((8 * MiB)) "$tap_dir/data" > /dev/null
clean "$d/child.vhd" "vsdisk differencing VHD with data, and its parent"
"$vsdisk" create "$d/dyn.vhdx" 64 > /dev/null
clean "$d/dyn.vhdx" "vsdisk dynamic VHDX"
"$vsdisk" create --fixed --logical-sector-size 4096 "$d/fixed.vhdx" 64 > /dev/null
clean "$d/fixed.vhdx" "vsdisk fixed VHDX, 4 KiB sectors"
"$vsdisk" create --parent "$d/dyn.vhdx" "$d/child.vhdx" > /dev/null
clean "$d/child.vhdx" "vsdisk differencing VHDX and its parent"
if command -v qemu-img > /dev/null; then
    qemu-img create -q -f vpc "$d/q.vhd" 64M
    qemu-io -f vpc -c "write -P 7 1M 5M" "$d/q.vhd" > /dev/null
    clean "$d/q.vhd" "qemu-img dynamic VHD, written by qemu-io"
    qemu-img create -q -f vpc -o subformat=fixed "$d/qf.vhd" 64M
    clean "$d/qf.vhd" "qemu-img fixed VHD"
    qemu-img create -q -f vhdx "$d/q.vhdx" 1G
    qemu-io -f vhdx -c "write -P 7 1M 5M" -c "write -P 9 700M 3M" "$d/q.vhdx" > /dev/null
    clean "$d/q.vhdx" "qemu-img dynamic VHDX, written by qemu-io"
    qemu-img create -q -f vhdx -o subformat=fixed "$d/qf.vhdx" 64M
    clean "$d/qf.vhdx" "qemu-img 'fixed' VHDX (blocks ZERO, their room at the end)"
    qemu-img create -q -f vhdx -o block_size=1M "$d/q1.vhdx" 64M
    qemu-io -f vhdx -c "write -P 3 0 64M" "$d/q1.vhdx" > /dev/null
    clean "$d/q1.vhdx" "qemu-img VHDX with 1 MiB blocks, every block written"
else
    tap_not_ok "qemu-img is not installed (scripts/deps.sh installs it)"
fi
for s in qemu.vhd vbox.vhd win8.vhd win8.1-1GB.vhd xapi.vhd; do
    cp "$samples/$s" "$d/$s"
    clean "$d/$s" "sample $s"
done
cp "$samples/win8.vhd" "$samples/win8-child.vhd" "$d/"
clean "$d/win8-child.vhd" "sample win8-child.vhd and its parent"
# Its absolute locator (C:\Users\...) is a path this host cannot read: neither a warning
# above nor a change for repair, which agrees with check.
check "sample win8-child.vhd: repair leaves its Windows locator (nothing to repair)" sh -c '
    "$1" repair --dry-run "$2" | grep -q "nothing to repair$"' - "$vsdisk" "$d/win8-child.vhd"
for s in iotest-dynamic-1G.vhdx test-disk2vhd.vhdx; do
    sample "$s" "$d/$s"
    clean "$d/$s" "sample $s"
done
rm -f "$d"/*

# ---- --json: one object, its result, counts and problems.
new_vhdx "$d/j.vhdx"
json() {
    python3 -c '
import json, sys
o = json.load(sys.stdin)
want_result, want_names = sys.argv[1], sys.argv[2:]
names = [p["name"] for p in o["problems"]]
assert o["result"] == want_result, o
assert names == want_names, names
assert o["corruptions"] == sum(p["kind"] == "corruption" for p in o["problems"]), o
assert o["leaks"] == sum(p["kind"] == "leak" for p in o["problems"]), o
assert all(p["file"] and p["meaning"] for p in o["problems"]), o
' "$@"
}
"$vsdisk" check --json "$d/j.vhdx" > "$tap_dir/json"
if json clean < "$tap_dir/json" > "$tap_dir/check.out" 2>&1 &&
        grep -q '"images": 1, "corruptions": 0, "leaks": 0, "warnings": 0, "error": null' "$tap_dir/json"; then
    tap_ok "--json of a clean VHDX: result clean, no problem, no error"
else
    tap_not_ok "--json of a clean VHDX: result clean, no problem, no error"
    sed 's/^/# /' "$tap_dir/check.out" "$tap_dir/json"
fi
poke "$d/j.vhdx" $((64 * 1024 + 200))
truncate -s +$((4 * MiB)) "$d/j.vhdx"
rc=0
"$vsdisk" check --json "$d/j.vhdx" > "$tap_dir/json" || rc=$?
check "--json of a damaged VHDX: exit 2, result corrupt, the header and the leak named" \
    sh -c '[ "$1" -eq 2 ] && cat "$2"' - "$rc" "$tap_dir/json"
if json corrupt header-1-damaged unreferenced-space < "$tap_dir/json" > "$tap_dir/check.out" 2>&1; then
    tap_ok "--json problems: header-1-damaged then unreferenced-space, counts match"
else
    tap_not_ok "--json problems: header-1-damaged then unreferenced-space, counts match"
    sed 's/^/# /' "$tap_dir/check.out" "$tap_dir/json"
fi
rm -f "$d"/*

# ---- a check that cannot finish, and bad arguments: exit 1.
status_is() {
    want=$1
    shift
    rc=0
    "$@" || rc=$?
    [ "$rc" -eq "$want" ]
}
check "a file that does not exist: exit 1" status_is 1 "$vsdisk" check "$d/none.vhd"
check "a folder: exit 1" status_is 1 "$vsdisk" check "$d"
check "an unknown option: exit 1" status_is 1 "$vsdisk" check --fast "$d/none.vhd"
check "no DISK: exit 1" status_is 1 "$vsdisk" check
check "--json of a file that does not exist: exit 1, result failed" \
    sh -c '! "$1" check --json "$2" > "$3"; python3 -c "import json,sys; o=json.load(open(sys.argv[1])); assert o[\"result\"]==\"failed\" and o[\"error\"], o" "$3"' \
    - "$vsdisk" "$d/none.vhd" "$tap_dir/failed.json"
check "--help: exit 0, names the exit statuses" sh -c '"$1" check --help | grep -q "3 only leaked space"' - "$vsdisk"
finish

#!/bin/sh
# vsdisk repair, VHD: a damage table. For each kind of damage: check names it with its exit
# status; repair --dry-run says the same as repair and changes no byte (contents and
# modification time compared); repair fixes it (exit 0) or refuses it with the data-loss
# reason (exit 2), and then --accept-data-loss drops what cannot be kept and lists the guest
# ranges lost; afterwards check is clean, the guest content equals the undamaged original
# sector by sector (read by vsdisk's reader, and by qemu-img compare for a dynamic disk), and
# a second repair has nothing to do.
# Usage: test_repair_vhd.sh VSDISK FX_WRITE CHAIN_READ
set -eu
vsdisk=$1 fx_write=$2 chain_read=$3
here=$(cd "$(dirname "$0")" && pwd)
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
trap 'exit 130' INT TERM
. "$here/tap.sh"
d=$tap_dir/disks
mkdir "$d"
MiB=1048576
damage() { python3 "$here/vhd_damage.py" "$@"; }

head -c $((2 * MiB)) /dev/urandom > "$tap_dir/data"
head -c $((MiB)) /dev/urandom > "$tap_dir/data2"
# A dynamic VHD of 64 MiB with data in its first two blocks (2 MiB blocks); blocks 2 on empty.
new_vhd() {
    "$vsdisk" create "$1" 64 > /dev/null
    "$fx_write" "$1" 0 "$tap_dir/data" > /dev/null
    "$fx_write" "$1" $((2 * MiB)) "$tap_dir/data" > /dev/null
}
# A differencing VHD (a.vhd) over p.vhd, with its own data in its block 3.
new_child() {
    new_vhd "$d/p.vhd"
    "$vsdisk" create --parent "$d/p.vhd" "$1" > /dev/null
    "$fx_write" "$1" $((6 * MiB + 4096)) "$tap_dir/data2" > /dev/null
}
size_of() { stat -c %s "$1"; }

# ---- the damage: make_NAME DISK damages the undamaged disk DISK in place. base_NAME, when
# defined, makes the undamaged disk (default new_vhd).
make_end_footer_cut_empty() { truncate -s -512 "$1"; }
base_end_footer_cut_empty() { "$vsdisk" create "$1" 64 > /dev/null; }
make_end_footer_cut() { truncate -s -512 "$1"; }
make_end_footer_cut_300() { truncate -s -300 "$1"; }
make_end_footer_cut_100() { truncate -s -100 "$1"; }
make_end_footer_cut_1() { truncate -s -1 "$1"; }
make_end_footer_trashed() { head -c 512 /dev/urandom | dd of="$1" bs=512 seek=$(($(size_of "$1") / 512 - 1)) conv=notrunc 2> /dev/null; }
make_end_footer_zeroed() { damage "$1" zero $(($(size_of "$1") - 512)) 512; }
make_end_footer_garbled_after_leak() { damage "$1" grow $((3 * MiB)); damage "$1" poke $(($(size_of "$1") - 510)); }
make_footer_copy_damaged() { damage "$1" poke 24; }
make_footer_copy_zeroed() { damage "$1" zero 0 512; }
make_footer_copies_differ() { damage "$1" footer copy 24 00000001; }
make_footer_copy_other_size() { damage "$1" footer copy 40 0000000002000000; damage "$1" footer copy 48 0000000002000000; }
make_end_footer_wrong_offset() { damage "$1" footer end 16 0000000000000e00; }
make_footer_checksum_stale() { damage "$1" footer both 36 4d616320 stale; }
make_end_footer_checksum_stale() { damage "$1" footer end 24 00000001 stale; }
make_fixed_footer_checksum_stale() { damage "$1" footer end 36 4d616320 stale; }
base_fixed_footer_checksum_stale() { "$vsdisk" create --fixed "$1" 16 > /dev/null; "$fx_write" "$1" 4096 "$tap_dir/data2" > /dev/null; }
make_header_checksum_stale() { damage "$1" poke $((512 + 40)); }
make_parent_name_edited() { damage "$1" header 64 0041 stale; }
base_parent_name_edited() { new_child "$1"; }
make_vsdk_creator() { damage "$1" footer both 28 7673646b; }
make_block_past_end() { damage "$1" bat 5 4000000; }
make_block_cut_short() { truncate -s -$((MiB + 512)) "$1"; }
make_blocks_share() { damage "$1" bat 1 "$(damage "$1" batget 0)"; }
make_block_over_header() { damage "$1" bat 7 header; }
make_block_over_table() { damage "$1" bat 9 table; }
make_child_block_past_end() { damage "$1" bat 3 5000000; }
base_child_block_past_end() { new_child "$1"; }
# qemu-io writes into a differencing VHD made by vsdisk as if it were dynamic: its first block
# goes right after the table, over the parent locators' data (once beside the relative
# locator's text, once over it). What qemu reads of block 0 is the content to keep.
make_qemu_over_locator() { qemu-io -f vpc -c "write -P 7 1M 64k" "$1" > /dev/null; }
# A differencing VHD with no block of its own yet: qemu's first block is its first.
new_empty_child() { new_vhd "$d/p.vhd"; "$vsdisk" create --parent "$d/p.vhd" "$1" > /dev/null; }
base_qemu_over_locator() { new_empty_child "$1"; }
make_qemu_over_locator_text() { qemu-io -f vpc -c "write -P 9 0 128k" "$1" > /dev/null; }
base_qemu_over_locator_text() { new_empty_child "$1"; }
# expect_NAME RAW DISK: the content the repair must keep, from the damaged disk.
qemu_block0() {
    qemu-img convert -f vpc -O raw "$2" "$tap_dir/qemu.raw"
    dd if="$tap_dir/qemu.raw" of="$1" bs=$((2 * MiB)) count=1 conv=notrunc 2> /dev/null
}
expect_qemu_over_locator() { qemu_block0 "$@"; }
expect_qemu_over_locator_text() { qemu_block0 "$@"; }
# after_NAME DISK: qemu reads the repaired disk's block 0 as before, and its written bytes.
qemu_same_block0() {
    qemu-img convert -f vpc -O raw "$1" "$tap_dir/qemu-after.raw" &&
        cmp -n $((2 * MiB)) "$tap_dir/qemu.raw" "$tap_dir/qemu-after.raw" &&
        qemu-io -f vpc -c "read -P $2" "$1" | grep -q "^read"
}
after_qemu_over_locator() { qemu_same_block0 "$1" "7 1M 64k"; }
after_qemu_over_locator_text() { qemu_same_block0 "$1" "9 0 128k"; }
# A parent locator naming a path that no longer opens the parent (a moved folder), the parent
# still found through the other one: both rewritten to it, as relink does. check names it as a
# warning (parent-path-stale) and exits 0: the disk reads correctly.
make_stale_absolute_locator() { damage "$1" locator W2ku; }
base_stale_absolute_locator() { new_child "$1"; }
make_stale_relative_locator() { damage "$1" locator W2ru; }
base_stale_relative_locator() { new_child "$1"; }
make_fixed_cut() { truncate -s -512 "$1"; }
base_fixed_cut() { "$vsdisk" create --fixed "$1" 16 > /dev/null; }

# The guest content of a disk (its chain), raw.
content() { "$chain_read" "$1" "$2" > /dev/null; }
# zero_blocks RAW BLOCK...: the 2 MiB blocks set to zeros in RAW (their data given up).
zero_blocks() {
    raw=$1
    shift
    for b in "$@"; do
        dd if=/dev/zero of="$raw" bs=$((2 * MiB)) seek="$b" count=1 conv=notrunc 2> /dev/null
    done
}
# fingerprint FILES...: contents and modification times.
fingerprint() { for f in "$@"; do sha256sum "$f"; stat -c '%y' "$f"; done; }

# check_named CHECK_OUTPUT REPAIR_OUTPUT: every change repair says was made to a disk is one
# check had named before (check's names before repair include what repair fixed): each kind of
# change sentence and the problem names that cover it. A change of no known kind fails.
check_named() {
    grep -E ': (changed|lost):' "$2" | grep -v ': lost: guest bytes\|: lost [0-9]' | while IFS= read -r line; do
        case $line in
        *"footer at the end of the file was"*) names='end-footer-damaged|end-footer-truncated|not-valid' ;;
        *"footer's checksum was stale"*) names='not-valid|end-footer-damaged' ;;
        *"footer copy at offset 0"*) names='footer-copies-differ|not-valid' ;;
        *"creator application 'vsdk'"*) names='creator-vsdk' ;;
        *"dynamic header's checksum was stale"*) names='not-valid' ;;
        *"parent locators"*) names='parent-path-stale' ;;
        *"entry dropped"*) names='not-valid|blocks-overlap' ;;
        *"written over the"*) names='not-valid' ;;
        *) echo "a change of no known kind: $line"; return 1 ;;
        esac
        grep -Eq ": (corruption|warning|leak): ($names)\b" "$1" ||
            { echo "check named none of $names for: $line"; return 1; }
    done
}

qemu_compare() {
    command -v qemu-img > /dev/null || return 0
    qemu-img compare -q -f vpc -F vpc "$1" "$2"
}

# name | check exit | problem check names | repair exit | what repair says (grep -E) | blocks
# whose data --accept-data-loss gives up (a refused row) | qemu compares (yes/no) | check's
# exit after the repair (3: space nothing refers to is left, as repair leaves it to compact)
while IFS='|' read -r name want_check problem want_repair said lost qemu want_after; do
    [ -n "$name" ] || continue
    disk=$d/a.vhd
    if command -v "base_$name" > /dev/null 2>&1; then "base_$name" "$disk"; else new_vhd "$disk"; fi
    touch -d '2001-02-03 04:05:06' "$disk"
    cp -p "$disk" "$d/orig.vhd"
    [ -f "$d/p.vhd" ] && content "$disk" "$tap_dir/orig.raw" || content "$disk" "$tap_dir/orig.raw"
    "make_$name" "$disk"
    touch -d '2001-02-03 04:05:06' "$disk"
    if command -v "expect_$name" > /dev/null 2>&1; then "expect_$name" "$tap_dir/orig.raw" "$disk"; fi

    rc=0
    "$vsdisk" check "$disk" > "$tap_dir/out" 2>&1 || rc=$?
    cp "$tap_dir/out" "$tap_dir/check_before"
    if [ "$rc" -eq "$want_check" ] && grep -q ": $problem\b" "$tap_dir/out"; then
        tap_ok "$name: check exits $want_check naming $problem"
    else
        tap_not_ok "$name: check exits $want_check naming $problem (got $rc)"
        sed 's/^/# /' "$tap_dir/out"
    fi

    before=$(fingerprint "$disk" "$d"/p.vhd 2> /dev/null || true)
    rc=0
    "$vsdisk" repair --dry-run "$disk" > "$tap_dir/dry" 2>&1 || rc=$?
    after=$(fingerprint "$disk" "$d"/p.vhd 2> /dev/null || true)
    if [ "$rc" -eq "$want_repair" ] && [ "$before" = "$after" ] && grep -Eq "would change|refused" "$tap_dir/dry"; then
        tap_ok "$name: --dry-run exits $want_repair, says what it would do, changes no byte nor the time"
    else
        tap_not_ok "$name: --dry-run exits $want_repair, says what it would do, changes no byte nor the time (got $rc)"
        sed 's/^/# /' "$tap_dir/dry"
    fi

    rc=0
    "$vsdisk" repair "$disk" > "$tap_dir/out" 2>&1 || rc=$?
    if [ "$rc" -eq "$want_repair" ] && grep -Eq "$said" "$tap_dir/out" &&
            [ "$(sed 's/would change:/changed:/' "$tap_dir/dry")" = "$(cat "$tap_dir/out")" ]; then
        tap_ok "$name: repair exits $want_repair: $said"
    else
        tap_not_ok "$name: repair exits $want_repair: $said (got $rc; or not what --dry-run said)"
        sed 's/^/# /' "$tap_dir/out" "$tap_dir/dry"
    fi
    cp "$tap_dir/out" "$tap_dir/repair_said"
    cp "$tap_dir/orig.raw" "$tap_dir/want.raw"
    if [ "$want_repair" -eq 2 ] && [ -n "$lost" ]; then
        rc=0
        "$vsdisk" repair --accept-data-loss "$disk" > "$tap_dir/out" 2>&1 || rc=$?
        n=$(echo "$lost" | wc -w)
        if [ "$rc" -eq 0 ] && [ "$(grep -c ': lost: guest bytes' "$tap_dir/out")" -eq "$n" ] &&
                ! grep -q refused "$tap_dir/out"; then
            tap_ok "$name: --accept-data-loss exits 0 and lists $n lost range(s)"
        else
            tap_not_ok "$name: --accept-data-loss exits 0 and lists $n lost range(s) (got $rc)"
            sed 's/^/# /' "$tap_dir/out"
        fi
        cat "$tap_dir/out" >> "$tap_dir/repair_said"
        # shellcheck disable=SC2086
        zero_blocks "$tap_dir/want.raw" $lost
    fi
    if check_named "$tap_dir/check_before" "$tap_dir/repair_said" > "$tap_dir/named" 2>&1; then
        tap_ok "$name: check named (before) every change repair made"
    else
        tap_not_ok "$name: check named (before) every change repair made"
        sed 's/^/# /' "$tap_dir/named" "$tap_dir/check_before" "$tap_dir/repair_said"
    fi

    if [ "$want_repair" -eq 0 ] || [ -n "$lost" ]; then
        rc=0
        "$vsdisk" check "$disk" > "$tap_dir/out" 2>&1 || rc=$?
        if [ "$rc" -eq "$want_after" ] && ! grep -Eq ": (corruption|warning):" "$tap_dir/out" &&
                content "$disk" "$tap_dir/got.raw" 2>> "$tap_dir/out" &&
                cmp "$tap_dir/got.raw" "$tap_dir/want.raw" >> "$tap_dir/out" 2>&1; then
            tap_ok "$name: repaired disk checks $want_after (no corruption), guest content as the original's${lost:+ but the lost blocks}"
        else
            tap_not_ok "$name: repaired disk checks $want_after (no corruption), guest content as the original's (check exit $rc)"
            sed 's/^/# /' "$tap_dir/out"
        fi
        if [ "$qemu" = yes ] && [ -z "$lost" ]; then
            check "$name: qemu-img compare: the repaired disk reads as the original" \
                qemu_compare "$d/orig.vhd" "$disk"
        fi
        case $name in end_footer_cut*|end_footer_trashed|end_footer_zeroed|footer_copy*|footer_copies_differ)
            # Nothing but the footers was damaged: the file is the original again, byte for byte.
            check "$name: the repaired file is the original, byte for byte" cmp "$d/orig.vhd" "$disk" ;;
        esac
        if command -v "after_$name" > /dev/null 2>&1; then
            check "$name: qemu reads the repaired disk as it read the damaged one" "after_$name" "$disk"
        fi
        if [ "$(stat -c %Y "$disk")" = "$(stat -c %Y "$d/orig.vhd")" ]; then
            tap_ok "$name: the modification time kept"
        else
            tap_not_ok "$name: the modification time kept"
        fi
        rc=0
        "$vsdisk" repair "$disk" > "$tap_dir/out" 2>&1 || rc=$?
        check "$name: a second repair has nothing to do" \
            sh -c '[ "$1" -eq 0 ] && grep -q "nothing to repair" "$2"' - "$rc" "$tap_dir/out"
    fi
    rm -f "$d"/*
done <<'ROWS'
end_footer_cut_empty|2|end-footer-damaged|0|footer at the end .* rebuilt from the copy||yes|0
end_footer_cut|2|not-valid|0|missing or damaged .* rebuilt from the copy at offset 0, at offset [0-9]+ after the last block$||yes|0
end_footer_cut_300|2|not-valid|0|rebuilt from the copy||yes|0
end_footer_cut_100|2|not-valid|0|rebuilt from the copy||yes|0
end_footer_cut_1|2|end-footer-truncated|0|511-byte footer .* rebuilt from the copy||yes|0
end_footer_trashed|2|end-footer-damaged|0|missing or damaged .* rebuilt from the copy||yes|0
end_footer_zeroed|2|end-footer-damaged|0|missing or damaged .* rebuilt from the copy||yes|0
end_footer_garbled_after_leak|2|end-footer-damaged|0|rebuilt from the copy at offset 0, at offset [0-9]+ after the last block$||yes|3
footer_copy_damaged|2|footer-copies-differ|0|copy at offset 0 was damaged .*: rewritten from the footer at the end||yes|0
footer_copy_zeroed|2|footer-copies-differ|0|copy at offset 0 was damaged .*: rewritten from the footer at the end||yes|0
footer_copies_differ|2|footer-copies-differ|0|differed from the footer at the end \(first at byte 24\)||yes|0
footer_copy_other_size|2|not-valid|0|differed from the footer at the end \(first at byte 4[0-9]\)||yes|0
end_footer_wrong_offset|2|not-valid|0|did not describe the disk .* rebuilt from the copy||yes|0
footer_checksum_stale|2|not-valid|0|footer's checksum was stale .*recomputed||yes|0
end_footer_checksum_stale|2|end-footer-damaged|0|rebuilt from the copy||yes|0
fixed_footer_checksum_stale|2|not-valid|0|footer's checksum was stale||yes|0
header_checksum_stale|2|not-valid|0|dynamic header's checksum was stale||yes|0
parent_name_edited|2|not-valid|0|dynamic header's checksum was stale||no|0
vsdk_creator|0|creator-vsdk|0|creator application 'vsdk'||yes|0
block_past_end|2|not-valid|2|refused: block 5 .* runs past the end of the file.*--accept-data-loss|5|yes|0
block_cut_short|2|not-valid|2|refused: block 1 .* runs past the end of the file|1|yes|3
blocks_share|2|blocks-overlap|2|refused: block 1 .* shares bytes of the file with block 0|1|yes|3
block_over_header|2|not-valid|2|refused: block 7 .* lies over the dynamic header|7|yes|0
block_over_table|2|not-valid|2|refused: block 9 .* lies over the block allocation table|9|yes|0
child_block_past_end|2|not-valid|2|refused: block 3 .* runs past the end|3|no|3
qemu_over_locator|2|not-valid|0|block 0, written over the parent locator data \(qemu's defect.* moved with its data||no|3
qemu_over_locator_text|2|not-valid|0|block 0, written over the parent locator data \(qemu's defect||no|3
stale_absolute_locator|0|parent-path-stale|0|parent locators /X.*, which no longer open the parent, rewritten to the parent found at .*p.vhd \(absolute /.*p.vhd, relative .\\p.vhd\)||no|0
stale_relative_locator|0|parent-path-stale|0|parent locators .Xp.vhd, which no longer open the parent, rewritten||no|0
fixed_cut|2|not-valid|2|refused: no VHD footer .* fixed disk cut short||no|0
ROWS

# ---- a repair that cannot run, and bad arguments: exit 1.
status_is() {
    want=$1
    shift
    rc=0
    "$@" > /dev/null 2>&1 || rc=$?
    [ "$rc" -eq "$want" ]
}
check "a file that does not exist: exit 1" status_is 1 "$vsdisk" repair "$d/none.vhd"
check "a folder: exit 1" status_is 1 "$vsdisk" repair "$d"
check "an unknown option: exit 1" status_is 1 "$vsdisk" repair --force "$d/none.vhd"
check "no DISK: exit 1" status_is 1 "$vsdisk" repair
check "--help: exit 0, names --accept-data-loss and the exit statuses" \
    sh -c '"$1" repair --help | grep -q -- "--accept-data-loss" && "$1" repair --help | grep -q "2 something refused"' - "$vsdisk"
new_vhd "$d/ro.vhd"
chmod a-w "$d/ro.vhd"
if [ "$(id -u)" -ne 0 ]; then
    check "a read-only disk: exit 1" status_is 1 "$vsdisk" repair "$d/ro.vhd"
fi
check "--dry-run of a read-only disk: exit 0, nothing to repair" \
    sh -c '"$1" repair --dry-run "$2" | grep -q "nothing to repair"' - "$vsdisk" "$d/ro.vhd"
finish

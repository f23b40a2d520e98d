#!/bin/sh
# Harness of test_faults: mounts a 10 MiB tmpfs (to fill up) and a 64 MiB one, runs the C
# fault tests, has qemu-img and vhdiinfo look at what killed creations left (they must
# refuse it; both are required), kills creations with SIGKILL from Linux as well, checks
# those leftovers the same way, and lets VBScript see Err.Description on them. Both
# volumes must end empty. Without the right to mount this is skipped, unless CI is set
# (CI runs as root): then it fails. Prints TAP.
# Usage: faults.sh WINE_WRAP RUN_SCRIPT TEST_EXE DLL SNAPSHOT_SH VBS TMPBASE
set -u
wrap=$1 run_script=$2 exe=$3 dll=$4 snap=$(realpath "$5") vbs=$6 base=$7
helpers=$(dirname "$snap")
. "$(dirname "$wrap")/wine-arch.sh"    # wine_loader: the child below runs without the wrapper
full_size=4186112     # the file of the largest (2,088,960 MB) disk

mkdir -p "$base" || exit 1
base=$(realpath "$base")
work=$(mktemp -d "$base/faults.XXXXXX") || exit 1
full=$work/full vol=$work/vol
mkdir "$full" "$vol" "$work/scratch"
child=
cleanup() {
    [ -n "$child" ] && kill -KILL "$child" 2>/dev/null
    for dir in "$full" "$vol"; do
        if mountpoint -q "$dir" 2>/dev/null; then
            umount "$dir" 2>/dev/null || umount -l "$dir"
        fi
    done
    rm -rf "$work"
    rmdir "$base" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! why=$(mount -t tmpfs -o size=10m tmpfs "$full" 2>&1 && mount -t tmpfs -o size=64m tmpfs "$vol" 2>&1); then
    if [ -n "${CI:-}" ]; then
        echo "not ok - mount the test volumes (CI is set, and CI runs as root): $why"
        echo "1..1"
        exit 1
    fi
    echo "1..0 # SKIP cannot mount a tmpfs (this test needs root): $why"
    exit 0
fi

count=0 rc=0
report() {   # STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok - $2"
    else
        echo "not ok - $2"
        rc=1
    fi
}
windows() {
    printf 'Z:%s' "$1" | tr / '\\'
}

# 1. The C tests, TAP from cmocka: their lines without numbers, everything else as comments.
CMOCKA_MESSAGE_OUTPUT=TAP "$wrap" "$exe" "$dll" "$helpers" "$work/scratch" "$full" "$vol" \
    >"$work/c.out" 2>"$work/c.err"
c_rc=$?
tr -d '\r' <"$work/c.out" | sed -E -e 's/^(not ok|ok) [0-9]+ /\1 /' -e '/^[0-9]+\.\.[0-9]+$/d' \
    -e '/^(ok|not ok|#)/!s/^/# /'
tr -d '\r' <"$work/c.err" | sed 's/^/# /'
tests=$(tr -d '\r' <"$work/c.out" | grep -c -E '^(not )?ok ')
failed=$(tr -d '\r' <"$work/c.out" | grep -c -E '^not ok ')
count=$((count + tests))
if [ "$c_rc" -ne 0 ]; then
    rc=1
    [ "$failed" -eq 0 ] && report 1 "the C fault tests exit with status 0 (got $c_rc)"
fi

# 2. What VHD readers make of the leftovers.
if ! command -v qemu-img >/dev/null || ! command -v vhdiinfo >/dev/null; then
    report 1 "qemu-img and vhdiinfo are installed (both are required)"
fi
accepted_by() {   # FILE: the readers that accept it as a VHD, or nothing
    file=$1
    qemu-img info -f vpc "$file" >/dev/null 2>&1 && printf ' qemu-img(vpc)'
    qemu-img info --image-opts "driver=vpc,force_size_calc=current_size,file.driver=file,file.filename=$file" \
        >/dev/null 2>&1 && printf ' qemu-img(current_size)'
    qemu-img info --output=json "$file" 2>/dev/null | grep -q '"format": *"vpc"' && printf ' qemu-img(probe)'
    vhdiinfo "$file" >/dev/null 2>&1 && printf ' vhdiinfo'
}
refused() {   # FILE LABEL
    if [ ! -f "$1" ]; then
        report 1 "$2: there is a leftover to look at"
        return
    fi
    readers=$(accepted_by "$1")
    [ -z "$readers" ]
    report $? "$2 ($(stat -c %s "$1") bytes): qemu-img and vhdiinfo refuse it${readers:+; accepted by$readers}"
}
# The readers do accept a complete disk: else their refusals would prove nothing.
"$wrap" "$exe" --child "$dll" "$(windows "$vol/good.vhd")" >/dev/null 2>&1
readers=$(accepted_by "$vol/good.vhd")
[ "$readers" = " qemu-img(vpc) qemu-img(current_size) qemu-img(probe) vhdiinfo" ]
report $? "a complete disk is accepted by qemu-img and vhdiinfo (control; accepted by$readers)"
rm -f "$vol/good.vhd"
refused "$vol/killed/partial.vhd" "TerminateProcess after the first write"
refused "$vol/killed/full.vhd" "TerminateProcess after the last write, before the dynamic header"

# 3. SIGKILL from Linux, after the first write and just before the dynamic header.
sigkill_at() {   # NAME WHEN(partial|header)
    file=$vol/killed/$1.vhd
    VSDISK_TEST_WRITE_DELAY_MS=400 "$wine_loader" "$exe" --child "$dll" "$(windows "$file")" \
        </dev/null >"$work/child-$1.log" 2>&1 &
    child=$!
    tries=0
    while :; do
        size=$(stat -c %s "$file" 2>/dev/null)
        case $2 in
            partial) [ -n "$size" ] && [ "$size" -gt 0 ] && break ;;
            header) [ "$size" = "$full_size" ] && break ;;
        esac
        tries=$((tries + 1))
        if [ "$tries" -gt 3000 ] || ! kill -0 "$child" 2>/dev/null; then
            report 1 "SIGKILL ($2): the child reached the point to kill it at (size ${size:-none})"
            kill -KILL "$child" 2>/dev/null
            wait "$child" 2>/dev/null
            child=
            return
        fi
        sleep 0.01
    done
    kill -KILL "$child"
    wait "$child" 2>/dev/null
    child=
    refused "$file" "SIGKILL from Linux ($2)"
    "$wrap" "$exe" --check-leftover "$dll" "$(windows "$file")" >"$work/check.out" 2>&1
    report $? "SIGKILL from Linux ($2): creating it again gives E_ALREADY_EXISTS, unfinished disk"
    tr -d '\r' <"$work/check.out" | sed 's/^/# /'
}
sigkill_at sigkill-partial partial
sigkill_at sigkill-full header

# 4. VBScript sees the clear description, deletes the leftovers and creates again.
set --
for name in partial full sigkill-partial sigkill-full; do
    [ -f "$vol/killed/$name.vhd" ] && set -- "$@" "$(windows "$vol/killed/$name.vhd")"
done
sh "$run_script" "$wrap" "$dll" "$vbs" "$@" >"$work/vbs.out" 2>&1
report $? "VBScript: Err.Number E_ALREADY_EXISTS and Err.Description \"unfinished disk\" on $# leftovers, then a new creation"
sed 's/^/# /' "$work/vbs.out"

# 5. Nothing left: the killed processes' folder aside (a killed process removes nothing).
rmdir "$vol/killed" 2>/dev/null
left=$(cd "$vol" && find . -mindepth 1; cd "$full" && find . -mindepth 1)
[ -z "$left" ]
report $? "both volumes end empty${left:+ (left: $left)}"
echo "1..$count"
exit $rc

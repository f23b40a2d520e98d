#!/bin/sh
# vsdisk convert, merge and compact on disks holding seeded random data written by qemu-io at
# scattered offsets (partial blocks, the last sector, a whole block of zeros): after each job
# the content read through qemu-img convert -O raw (where qemu reads the kind) and through
# vsdisk's own reader (vsdisk convert to a fixed disk, whose data area is the raw content)
# equals the expected image byte for byte; sources are byte-identical afterwards; a disk held
# for writing by qemu-io is refused; the CLI's errors. TAP output.
# Usage: test_ops_cli.sh VSDISK FX_WRITE
set -eu
# Absolute paths: the test works in its own folder.
vsdisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fx_write=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d)
scratch=$(mktemp -d)     # outside the work folder, whose listing the error checks compare
tap_dir=$tmp
. "$(dirname "$0")/tap.sh"
holder=""
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null || true
    rm -rf "$tmp" "$scratch"
}
trap cleanup EXIT
cd "$tmp"
seed=${VHD_TEST_SEED:-$(date +%s)}
echo "# seed $seed (replay with VHD_TEST_SEED=$seed)"
MiB=1048576
size=$((24 * MiB + 1536))        # 12 blocks and a bit: the last block is partial

# random N FILE: N seeded random bytes.
n=0
random() {
    n=$((n + 1))
    python3 -c "import random,sys; r=random.Random($seed*1000+$n); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($1)))" > "$2"
}
qimg() { echo "driver=vpc,file.filename=$1"; }
# raw_qemu DISK OUT: the content as qemu reads it.
raw_qemu() { qemu-img convert --image-opts "$(qimg "$1")" -O raw "$2"; }
# raw_vsdisk DISK OUT: the content as vsdisk's reader reads it (through the chain).
raw_vsdisk() {
    rm -f "$tmp/check.vhd"
    "$vsdisk" convert "$1" "$tmp/check.vhd" fixed
    head -c "$size" "$tmp/check.vhd" > "$2"
    rm -f "$tmp/check.vhd"
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
# write DISK OFFSET LEN: seeded random data at OFFSET.
write() {
    random "$3" "$tmp/chunk"
    qemu-io -f vpc -c "write -s $tmp/chunk $2 $3" "$1" > /dev/null
}

# The source: a dynamic disk made by qemu-img.
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on src.vhd "$size"
write src.vhd 512 1536                           # a partial block
write src.vhd $((3 * MiB + 4096)) $((MiB + 512)) # across a block boundary
qemu-io -f vpc -c "write -P 0 $((8 * MiB)) $((2 * MiB))" src.vhd > /dev/null   # a block of zeros
write src.vhd $((13 * MiB)) 65536
write src.vhd $((size - 512)) 512                # the last sector
raw_qemu src.vhd expect.raw
before=$(sum src.vhd)

for type in dynamic fixed; do
    "$vsdisk" convert src.vhd "conv-$type.vhd" "$type"
    raw_qemu "conv-$type.vhd" got.raw
    if cmp -s got.raw expect.raw; then tap_ok "convert to $type: qemu reads the same content"; else tap_not_ok "convert to $type: qemu reads the same content"; fi
    raw_vsdisk "conv-$type.vhd" got.raw
    if cmp -s got.raw expect.raw; then tap_ok "convert to $type: vsdisk's reader reads the same content"; else tap_not_ok "convert to $type: vsdisk's reader reads the same content"; fi
    if [ "$(sum src.vhd)" = "$before" ]; then tap_ok "convert to $type: the source is byte-identical"; else tap_not_ok "convert to $type: the source is byte-identical"; fi
    # qemu's force_size geometry (65535/16/255, more than this disk) is not carried over.
    if "$vsdisk" check "conv-$type.vhd" > check.out 2>&1; then tap_ok "convert to $type: vsdisk check finds the new disk clean"; else tap_not_ok "convert to $type: vsdisk check finds the new disk clean"; sed 's/^/# /' check.out; fi
done
# The dynamic target holds only non-zero blocks: 4 of the 13 (0, 1, 2, 6 and the last = 5).
allocated=$(( ($(stat -c %s conv-dynamic.vhd) - 8192) / (2 * MiB + 4096) ))
if [ "$allocated" -eq 5 ]; then tap_ok "convert to dynamic: only the 5 blocks with non-zero data are allocated ($allocated)"; else tap_not_ok "convert to dynamic: only the 5 blocks with non-zero data are allocated ($allocated)"; fi

# Compact: a copy of the source (qemu's zero block is allocated) shrinks, same content.
cp src.vhd comp.vhd
"$vsdisk" compact comp.vhd
if [ "$(stat -c %s comp.vhd)" -lt "$(stat -c %s src.vhd)" ]; then tap_ok "compact: the file is smaller"; else tap_not_ok "compact: the file is smaller"; fi
raw_qemu comp.vhd got.raw
if cmp -s got.raw expect.raw; then tap_ok "compact: qemu reads the same content"; else tap_not_ok "compact: qemu reads the same content"; fi
raw_vsdisk comp.vhd got.raw
if cmp -s got.raw expect.raw; then tap_ok "compact: vsdisk's reader reads the same content"; else tap_not_ok "compact: vsdisk's reader reads the same content"; fi
cp comp.vhd comp2.vhd
"$vsdisk" compact comp2.vhd
if cmp -s comp.vhd comp2.vhd; then tap_ok "compact again: nothing left to do, the file is unchanged"; else tap_not_ok "compact again: nothing left to do, the file is unchanged"; fi

# A chain: base (a copy of the source) <- child (vsdisk), the child's data written by the
# tests' own editor (qemu cannot write a differencing disk), sector-exact bitmaps.
cp src.vhd base.vhd
"$vsdisk" create --parent base.vhd child.vhd > /dev/null
cp expect.raw chain.raw
# cwrite OFFSET LEN: seeded random data into the child and into the expected chain.
cwrite() {
    random "$2" "$tmp/chunk"
    "$fx_write" child.vhd "$1" "$tmp/chunk"
    dd if="$tmp/chunk" of=chain.raw bs=512 seek=$(($1 / 512)) conv=notrunc status=none
}
cwrite 1024 512                          # over the parent's partial block
cwrite $((8 * MiB + 512)) 4096           # over the zero block
cwrite $((17 * MiB)) $((MiB + 512))      # an empty parent block
cwrite $((3 * MiB + 8192)) 1024          # over parent data
cwrite $((size - 1024)) 1024             # the last two sectors
raw_vsdisk child.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "the chain reads as expected before merging"; else tap_not_ok "the chain reads as expected before merging"; fi
child_sum=$(sum child.vhd); base_sum=$(sum base.vhd)

for type in dynamic fixed; do
    "$vsdisk" merge child.vhd "flat-$type.vhd" "$type"
    raw_qemu "flat-$type.vhd" got.raw
    if cmp -s got.raw chain.raw; then tap_ok "merge to a new $type disk: qemu reads the chain's content"; else tap_not_ok "merge to a new $type disk: qemu reads the chain's content"; fi
    raw_vsdisk "flat-$type.vhd" got.raw
    if cmp -s got.raw chain.raw; then tap_ok "merge to a new $type disk: vsdisk's reader reads it too"; else tap_not_ok "merge to a new $type disk: vsdisk's reader reads it too"; fi
    if [ "$(sum child.vhd)" = "$child_sum" ] && [ "$(sum base.vhd)" = "$base_sum" ]; then tap_ok "merge to a new $type disk: the child and its parent are byte-identical"; else tap_not_ok "merge to a new $type disk: the child and its parent are byte-identical"; fi
done

"$vsdisk" merge child.vhd
raw_qemu base.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge: the parent now holds the chain's content (qemu)"; else tap_not_ok "merge: the parent now holds the chain's content (qemu)"; fi
raw_vsdisk base.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge: the parent now holds the chain's content (vsdisk)"; else tap_not_ok "merge: the parent now holds the chain's content (vsdisk)"; fi
if [ "$(sum child.vhd)" = "$child_sum" ]; then tap_ok "merge: the child is byte-identical"; else tap_not_ok "merge: the child is byte-identical"; fi
raw_vsdisk child.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge: the child still reads the same"; else tap_not_ok "merge: the child still reads the same"; fi
"$vsdisk" merge child.vhd
raw_qemu base.vhd got.raw
if cmp -s got.raw chain.raw; then tap_ok "merge again: nothing changes in content"; else tap_not_ok "merge again: nothing changes in content"; fi

# A fixed parent.
"$vsdisk" create --fixed fbase.vhd 8 > /dev/null
"$vsdisk" create --parent fbase.vhd fchild.vhd > /dev/null
random 8192 "$tmp/chunk"
"$fx_write" fchild.vhd 4096 "$tmp/chunk"
"$vsdisk" merge fchild.vhd
head -c $((8 * MiB)) fbase.vhd > f-base.raw
dd if=/dev/zero of=f-expect.raw bs=1M count=8 status=none
dd if="$tmp/chunk" of=f-expect.raw bs=512 seek=8 conv=notrunc status=none
if cmp -s f-expect.raw f-base.raw; then tap_ok "merge into a fixed parent: it holds the child's data"; else tap_not_ok "merge into a fixed parent: it holds the child's data"; fi

# Held for writing: qemu-io with the disk open read-write (qemu's locks).
mkfifo hold
qemu-io -f vpc comp.vhd < hold > /dev/null 2>&1 &
holder=$!
exec 3> hold
sleep 1
status=0; "$vsdisk" compact comp.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "in use" err; then tap_ok "compact of a disk qemu-io writes: refused, in use"; else tap_not_ok "compact of a disk qemu-io writes: refused, in use"; fi
status=0; "$vsdisk" convert comp.vhd x.vhd dynamic 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "in use" err && [ ! -e x.vhd ]; then tap_ok "convert of a disk qemu-io writes: refused, in use, nothing created"; else tap_not_ok "convert of a disk qemu-io writes: refused, in use, nothing created"; fi
exec 3>&-
wait "$holder" || true
holder=""
# qemu-io reading (it refuses writers by default): another reader may convert, not compact.
qemu-io -r -f vpc comp.vhd < hold > /dev/null 2>&1 &
holder=$!
exec 3> hold
sleep 1
status=0; "$vsdisk" compact comp.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "in use" err; then tap_ok "compact of a disk qemu-io reads (refusing writers): in use"; else tap_not_ok "compact of a disk qemu-io reads (refusing writers): in use"; fi
rm -f x.vhd
if "$vsdisk" convert comp.vhd x.vhd dynamic 2> err; then tap_ok "convert of a disk qemu-io reads: allowed (readers share)"; else tap_not_ok "convert of a disk qemu-io reads: allowed (readers share)"; fi
exec 3>&-
wait "$holder" || true
# qemu-io -U (force-share: no locks) keeps nobody out.
qemu-io -r -U -f vpc comp.vhd < hold > /dev/null 2>&1 &
holder=$!
exec 3> hold
sleep 1
if "$vsdisk" compact comp.vhd 2> err; then tap_ok "compact while qemu-io -U reads the disk: allowed"; else tap_not_ok "compact while qemu-io -U reads the disk: allowed"; fi
exec 3>&-
wait "$holder" || true
holder=""

# Errors: one line, exit status 1 (2 for usage), nothing changed.
status=0; "$vsdisk" compact conv-fixed.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q "wrong kind of disk: only a dynamic disk" err; then tap_ok "compact of a fixed disk: wrong kind"; else tap_not_ok "compact of a fixed disk: wrong kind"; fi
status=0; "$vsdisk" merge src.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "wrong kind of disk: Merge takes a differencing disk" err; then tap_ok "merge of a dynamic disk: wrong kind"; else tap_not_ok "merge of a dynamic disk: wrong kind"; fi
status=0; "$vsdisk" merge src.vhd out.vhd fixed 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "MergeTo takes a differencing disk" err && [ ! -e out.vhd ]; then tap_ok "merge to a new disk of a dynamic disk: wrong kind"; else tap_not_ok "merge to a new disk of a dynamic disk: wrong kind"; fi
status=0; "$vsdisk" convert src.vhd conv-fixed.vhd dynamic 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "already exists" err && [ "$(ls | grep -c partial)" -eq 0 ]; then tap_ok "convert onto an existing file: refused, nothing replaced or left"; else tap_not_ok "convert onto an existing file: refused, nothing replaced or left"; fi
status=0; "$vsdisk" convert src.vhd y.vhd differencing 2> err || status=$?
if [ "$status" -eq 2 ]; then tap_ok "convert to another kind: usage error"; else tap_not_ok "convert to another kind: usage error"; fi
status=0; "$vsdisk" merge 2> err || status=$?
if [ "$status" -eq 2 ]; then tap_ok "merge without a disk: usage error"; else tap_not_ok "merge without a disk: usage error"; fi
mv base.vhd base-moved.vhd
status=0; "$vsdisk" merge child.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && grep -q "parent disk not found" err; then tap_ok "merge without the parent: parent not found"; else tap_not_ok "merge without the parent: parent not found"; fi
# fails STATUS LINE ARGS...: vsdisk ARGS exits with STATUS, prints nothing on stdout and exactly
# LINE on stderr, and leaves no new file (nor a partial one) in the folder.
fails() {
    want_status=$1 want_line=$2
    shift 2
    ls -A > "$scratch/before"
    status=0
    "$vsdisk" "$@" > "$scratch/out" 2> "$scratch/err" || status=$?
    ls -A > "$scratch/after"
    if [ "$status" -eq "$want_status" ] && [ ! -s "$scratch/out" ] && [ "$(cat "$scratch/err")" = "$want_line" ] &&
            cmp -s "$scratch/before" "$scratch/after"; then
        tap_ok "vsdisk $*: exit $want_status, '$want_line'"
    else
        tap_not_ok "vsdisk $*: exit $want_status, '$want_line'"
        echo "# exit $status"; sed 's/^/# /' "$scratch/err" "$scratch/out"; diff "$scratch/before" "$scratch/after" | sed 's/^/# /'
    fi
}
mv base-moved.vhd base.vhd
mkdir folder.vhd
printf 'text\n' > plain.txt
fails 1 "vsdisk convert: missing.vhd: no such file" convert missing.vhd x.vhd dynamic
fails 1 "vsdisk convert: nodir/a.vhd: the folder nodir does not exist" convert nodir/a.vhd x.vhd dynamic
fails 1 "vsdisk convert: folder.vhd: is a folder, not a disk file" convert folder.vhd x.vhd dynamic
fails 1 "vsdisk convert: plain.txt/a.vhd: plain.txt is a file, not a folder" convert plain.txt/a.vhd x.vhd dynamic
fails 1 "vsdisk convert: plain.txt: not a VHD or VHDX (a raw image is read with --source-format raw, or when its name ends in .raw or .img): the file is 5 bytes long, shorter than a VHD footer (512 bytes); nor a VHDX, which starts with \"vhdxfile\"" convert plain.txt x.vhd dynamic
fails 1 "vsdisk convert: conv-fixed.vhd: already exists; vsdisk never replaces a file, folder or link" convert src.vhd conv-fixed.vhd dynamic
fails 1 "vsdisk convert: folder.vhd: already exists; vsdisk never replaces a file, folder or link" convert src.vhd folder.vhd fixed
fails 1 "vsdisk convert: nodir/x.vhd: the folder nodir does not exist" convert src.vhd nodir/x.vhd fixed
fails 1 "vsdisk convert: plain.txt/x.vhd: plain.txt is a file, not a folder" convert src.vhd plain.txt/x.vhd fixed
fails 2 "vsdisk convert: the new disk's type must be dynamic, fixed or raw, not 'differencing'" convert src.vhd x.vhd differencing
fails 2 "vsdisk convert: expected SOURCE TARGET dynamic|fixed|raw; try 'vsdisk convert --help'" convert src.vhd x.vhd
fails 2 "vsdisk convert: unknown option '--force'; try 'vsdisk convert --help'" convert --force src.vhd x.vhd fixed
fails 1 "vsdisk merge: missing.vhd: no such file" merge missing.vhd
fails 1 "vsdisk merge: folder.vhd: is a folder, not a disk file" merge folder.vhd
fails 1 "vsdisk merge: missing.vhd: no such file" merge missing.vhd x.vhd fixed
fails 1 "vsdisk merge: child.vhd: already exists; vsdisk never replaces a file, folder or link" merge child.vhd child.vhd fixed
fails 1 "vsdisk merge: nodir/x.vhd: the folder nodir does not exist" merge child.vhd nodir/x.vhd dynamic
fails 2 "vsdisk merge: the new disk's type must be dynamic or fixed, not 'raw'" merge child.vhd x.vhd raw
fails 1 "vsdisk compact: missing.vhd: no such file" compact missing.vhd
fails 1 "vsdisk compact: nodir/a.vhd: the folder nodir does not exist" compact nodir/a.vhd
fails 1 "vsdisk compact: folder.vhd: is a folder, not a disk file" compact folder.vhd
# No permission: as an unprivileged user (root through setpriv, since root opens anything).
chmod 755 "$tmp"
as_user() {
    if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi
}
cp comp.vhd ro.vhd
chmod 444 ro.vhd
cp comp.vhd secret.vhd
chmod 000 secret.vhd
status=0; as_user "$vsdisk" compact ro.vhd 2> err || status=$?
if [ "$status" -eq 1 ] && [ "$(cat err)" = "vsdisk compact: ro.vhd: permission denied" ]; then tap_ok "compact of a read-only file: exit 1, permission denied"; else tap_not_ok "compact of a read-only file: exit 1, permission denied"; sed 's/^/# /' err; fi
status=0; as_user "$vsdisk" convert secret.vhd nx.vhd dynamic 2> err || status=$?
if [ "$status" -eq 1 ] && [ "$(cat err)" = "vsdisk convert: secret.vhd: permission denied" ] && [ ! -e nx.vhd ]; then tap_ok "convert of an unreadable file: exit 1, permission denied"; else tap_not_ok "convert of an unreadable file: exit 1, permission denied"; sed 's/^/# /' err; fi
status=0; as_user "$vsdisk" convert ro.vhd nx.vhd dynamic 2> err || status=$?
if [ "$status" -eq 1 ] && [ "$(cat err)" = "vsdisk convert: nx.vhd: permission denied (the folder . cannot be written)" ] && [ ! -e nx.vhd ] && [ -z "$(ls | grep partial)" ]; then tap_ok "convert into a folder without write permission: exit 1, permission denied"; else tap_not_ok "convert into a folder without write permission: exit 1, permission denied"; sed 's/^/# /' err; fi
chmod 700 "$tmp"
rm -f ro.vhd secret.vhd

# Types in any case.
for type in Dynamic FIXED fiXed; do
    rm -f case.vhd
    if "$vsdisk" convert src.vhd case.vhd "$type" && [ -e case.vhd ]; then tap_ok "convert to '$type': any case"; else tap_not_ok "convert to '$type': any case"; fi
done
rm -f case.vhd
if "$vsdisk" merge child.vhd case.vhd DYNAMIC && [ -e case.vhd ]; then tap_ok "merge to 'DYNAMIC': any case"; else tap_not_ok "merge to 'DYNAMIC': any case"; fi
rm -f case.vhd

# -p: on a terminal (script gives the command a pseudo-terminal) one line redrawn with \r:
# no line ends before the last, percent, bytes done of the total; to a pipe, plain lines.
CR=$(printf '\r')
# pty COMMAND OUT: COMMAND's output on a pseudo-terminal, the terminal's \r\n line ends as \n.
pty() { script -qec "$1" /dev/null < /dev/null | sed "s/$CR\$//" > "$2"; }
rm -f p.vhd
pty "'$vsdisk' convert -p src.vhd p.vhd fixed" pty.out
tr -d '\n' < pty.out > pty.flat
if [ -e p.vhd ] && [ "$(tr -cd '\r' < pty.out | wc -c)" -ge 3 ] && [ "$(grep -c '' pty.out)" -le 2 ] &&
        grep -q "${CR}vsdisk convert: 100%  24.0 MiB of 24.0 MiB" pty.out; then
    tap_ok "convert -p on a terminal: one line redrawn (carriage returns), up to 100% and the bytes"
else
    tap_not_ok "convert -p on a terminal: one line redrawn (carriage returns), up to 100% and the bytes"; od -c pty.out | head -20 | sed 's/^/# /'
fi
# Every redraw starts with \r; the line ends once, at the end.
if [ "$(sed "s/$CR/\n/g" pty.flat | grep -c '^vsdisk convert: ')" -eq "$(tr -cd '\r' < pty.flat | wc -c)" ] &&
        [ "$(grep -c '' pty.out)" -eq 1 ]; then
    tap_ok "convert -p on a terminal: every redraw starts at the line's start, one line in all"
else
    tap_not_ok "convert -p on a terminal: every redraw starts at the line's start, one line in all"; od -c pty.out | tail -5 | sed 's/^/# /'
fi
rm -f p.vhd
"$vsdisk" convert -p src.vhd p.vhd dynamic 2> plain.err | cat
if ! grep -q "$CR" plain.err && [ "$(grep -c '' plain.err)" -ge 2 ] && [ "$(grep -c '' plain.err)" -le 100 ] &&
        grep -q '^vsdisk convert: 100%  24.0 MiB of 24.0 MiB' plain.err &&
        [ "$(grep -vc '^vsdisk convert: *[0-9]*%  ' plain.err)" -eq 0 ]; then
    tap_ok "convert -p to a pipe: plain lines (one per percent or fewer), no carriage return"
else
    tap_not_ok "convert -p to a pipe: plain lines (one per percent or fewer), no carriage return"; sed 's/^/# /' plain.err
fi
rm -f p.vhd
pty "'$vsdisk' create -p --fixed p.vhd 64M" pty.out
if [ "$(grep -c '' pty.out)" -eq 2 ] && grep -q "${CR}vsdisk create: 100%  64.0 MiB of 64 MiB" pty.out &&
        grep -q "^created p.vhd: VHD, fixed, 64 MiB (67108864 bytes)" pty.out; then
    tap_ok "create -p on a terminal: one redrawn line, then what was made"
else
    tap_not_ok "create -p on a terminal: one redrawn line, then what was made"; od -c pty.out | tail -8 | sed 's/^/# /'
fi
rm -f p.vhd
# On a terminal 30 columns wide no redraw reaches the last column (it would wrap).
pty "stty cols 30; '$vsdisk' create -p --fixed p.vhd 64M" pty.out
if [ "$(sed -n 1p pty.out | tr "$CR" '\n' | awk 'length > 29' | wc -l)" -eq 0 ] &&
        [ "$(sed -n 1p pty.out | tr "$CR" '\n' | grep -c '^vsdisk create: ')" -ge 2 ]; then
    tap_ok "create -p on a terminal of 30 columns: every redraw fits in 29"
else
    tap_not_ok "create -p on a terminal of 30 columns: every redraw fits in 29"; od -c pty.out | tail -8 | sed 's/^/# /'
fi
rm -f p.vhd
cp comp.vhd pc.vhd
pty "'$vsdisk' compact -p pc.vhd" pty.out
if [ "$(grep -c '' pty.out)" -eq 1 ] && grep -q "${CR}vsdisk compact: 100%  24.0 MiB of 24.0 MiB" pty.out; then
    tap_ok "compact -p on a terminal: one redrawn line"
else
    tap_not_ok "compact -p on a terminal: one redrawn line"; od -c pty.out | tail -8 | sed 's/^/# /'
fi
"$vsdisk" create --parent pc.vhd pchild.vhd > /dev/null
pty "'$vsdisk' merge -p pchild.vhd" pty.out
if [ "$(grep -c '' pty.out)" -eq 1 ] && grep -q "${CR}vsdisk merge: 100%  24.0 MiB of 24.0 MiB" pty.out; then
    tap_ok "merge -p on a terminal: one redrawn line"
else
    tap_not_ok "merge -p on a terminal: one redrawn line"; od -c pty.out | tail -8 | sed 's/^/# /'
fi
# A failure after -p ends the line first: the error is a line of its own.
pty "'$vsdisk' convert -p src.vhd conv-fixed.vhd dynamic" pty.out
if grep -q "^vsdisk convert: conv-fixed.vhd: already exists" pty.out; then tap_ok "convert -p that fails: the error on a line of its own"; else tap_not_ok "convert -p that fails: the error on a line of its own"; od -c pty.out | sed 's/^/# /'; fi
rm -f p.vhd pc.vhd pchild.vhd

if "$vsdisk" convert --help | grep -q "Usage"; then tap_ok "convert --help"; else tap_not_ok "convert --help"; fi
if "$vsdisk" merge --help | grep -q "Usage"; then tap_ok "merge --help"; else tap_not_ok "merge --help"; fi
if "$vsdisk" compact --help | grep -q "Usage"; then tap_ok "compact --help"; else tap_not_ok "compact --help"; fi
finish

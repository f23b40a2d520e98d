#!/bin/sh
# One vsdisk MSI (one bitness, one scope) as a Windows user gets it, in a FRESH Wine prefix of
# its own (its wineserver started here and stopped on exit): scripts/make-msi.sh packs it, and
# an older version of it for the upgrade;
#   1. msiexec /i /qn installs it; the registry holds what registry/vsdisk.registry describes
#      for the installed DLL (check_registry, x64; the x86 package: its CLSID names the DLL);
#      per machine, the VBScript example creates a disk through VirtualServer.Application
#      that qemu-img reads at the exact size (per user: Wine looks classes up machine-wide
#      only, so the keys are what is checked);
#   2. a repair (msiexec /famus, as its REINSTALL property form) brings back a deleted
#      vsdisk.dll and registry key, and the registration is as installed;
#   3. msiexec /x removes it: the registry (both hives' Software\Classes, both views, and
#      HKCU\Software\vsdisk) is as before the install, and no file of vsdisk is left;
#   4. the older version installed, then this one: one vsdisk product afterwards, this version;
#      the older one over it is refused;
#   5. beside a fake foreign Virtual Server (its CLSID, ProgID, type library and an interface
#      key, machine-wide): install and uninstall leave every foreign key byte for byte as it
#      was; vsdisk's own keys are registered, none of Virtual Server's is taken.
# Usage: run_msi.sh MAKE_MSI X64_BUILD X86_BUILD WINE_WRAP ARCH SCOPE SCRATCH
set -u
make_msi=$1 x64=$2 x86=$3 wrap=$4 arch=$5 scope=$6 scratch=$7
passed=0 failed=0
check() {
    what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
win() { printf 'Z:%s' "$(realpath -m "$1")" | tr / '\\'; }
quiet() { "$@" >/dev/null 2>&1; }
setup_failed() { echo "Bail out! test setup: $*"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
# A setup step: COMMAND... must succeed. A Wine process can fail under load (a reg command
# failed once in these tests, and once in tests/com's registration test), so a step is tried
# three times, each failure reported with its output, before the run stops.
setup() {   # setup WHAT COMMAND...
    what=$1
    shift
    for attempt in 1 2 3; do
        "$@" >"$scratch/setup.out" 2>&1 && return 0
        echo "# test setup: attempt $attempt of $what failed:"
        tr -d '\r' <"$scratch/setup.out" | sed 's/^/#   /'
    done
    setup_failed "$what (3 attempts)"
}

rm -rf "$scratch"
mkdir -p "$scratch/dist" "$scratch/old"
trap 'rm -rf "$scratch"' EXIT
suffix=$arch
[ "$scope" = user ] && suffix=$arch-user
VSDISK_MSI_ONLY=$arch-$scope "$make_msi" "$x64" "$x86" "$scratch/dist" >"$scratch/made" 2>&1 ||
    { cat "$scratch/made"; setup_failed "make-msi.sh failed"; }
VSDISK_MSI_ONLY=$arch-$scope "$make_msi" "$x64" "$x86" "$scratch/old" 0.0.1 >"$scratch/made" 2>&1 ||
    { cat "$scratch/made"; setup_failed "make-msi.sh (older version) failed"; }
msi=$(ls "$scratch"/dist/vsdisk-*-"$suffix".msi)
old_msi=$scratch/old/vsdisk-0.0.1-$suffix.msi
version=$(basename "$msi" | sed "s/^vsdisk-\(.*\)-$suffix\.msi$/\1/")
check "make-msi.sh makes $(basename "$msi") and an older $(basename "$old_msi")" [ -s "$msi" ] && [ -s "$old_msi" ]

# The fresh prefix and its server; every Wine process of it ends with the server.
export WINEPREFIX="$scratch/prefix"
mkdir -p "$WINEPREFIX"
/usr/lib/wine/wineserver64 -p || setup_failed "wineserver -p"
trap '/usr/lib/wine/wineserver64 -k 2>/dev/null; [ -n "${VSDISK_KEEP_SCRATCH:-}" ] || rm -rf "$scratch"' EXIT
# A Windows program of the package's bitness (cscript), or the 64-bit ones (msiexec, reg).
run() { VSDISK_WINE_ARCH=x64 "$wrap" "$@"; }
run_arch() { VSDISK_WINE_ARCH=$arch "$wrap" "$@"; }
msiexec() {   # msiexec OPTION PACKAGE [PROPERTIES]: /qn, with a log kept for a failure
    option=$1 package=$2
    shift 2
    run msiexec "$option" "$(win "$package")" /qn /l*v "$(win "$scratch/msiexec.log")" "$@"
    status=$?
    [ $status -eq 0 ] || { echo "  msiexec $option exit $status; log tail:"; iconv -f UTF-16 -t UTF-8 "$scratch/msiexec.log" 2>/dev/null | tail -15 | sed 's/^/    /'; }
    return $status
}
# Wine's first cscript registers its own type library, so the prefix is warmed up first.
printf 'WScript.Echo "warm"\r\n' >"$scratch/warm.vbs"
quiet run_arch cscript //nologo "$(win "$scratch/warm.vbs")"

hive=HKLM
[ "$scope" = user ] && hive=HKCU
if [ "$scope" = machine ]; then
    if [ "$arch" = x64 ]; then installed="$WINEPREFIX/drive_c/Program Files/vsdisk"
    else installed="$WINEPREFIX/drive_c/Program Files (x86)/vsdisk"; fi
else
    installed=$(ls -d "$WINEPREFIX"/drive_c/users/*/AppData/Local 2>/dev/null | head -1)/Programs/vsdisk/$arch
fi
dll_win=$(run winepath -w "$installed/vsdisk.dll" 2>/dev/null | tr -d '\r')

# The registry a package may touch, as text: both hives' classes in both views, and
# HKCU\Software\vsdisk. The Windows Installer's own empty containers (Installer, Products...),
# which Wine's msiexec creates and leaves, are not vsdisk's and are left out.
registry_text() {   # registry_text NAME
    : >"$scratch/$1.txt"
    for key in 'HKLM\Software\Classes' 'HKCU\Software\Classes' 'HKCU\Software\vsdisk'; do
        for export_view in 64 32; do
            rm -f "$scratch/export.reg"
            quiet run reg export "$key" "$(win "$scratch/export.reg")" /y "/reg:$export_view" || continue
            iconv -f UTF-16 -t UTF-8 "$scratch/export.reg" | tr -d '\r' |
                sed "s/^\[/[$export_view:/" >>"$scratch/$1.txt"
        done
    done
    python3 - "$scratch/$1.txt" <<'EOF'
import re, sys
path = sys.argv[1]
blocks = open(path, encoding='utf-8').read().split('\n\n')
keep = [b for b in blocks if not re.fullmatch(
    r'\s*\[[^\]]*\\Installer(\\(Features|Products|UpgradeCodes|Components|Patches))?\]\s*', b)]
open(path, 'w', encoding='utf-8').write('\n\n'.join(keep))
EOF
}
same_registry() {   # same_registry A B
    diff "$scratch/$1.txt" "$scratch/$2.txt" >"$scratch/registry.diff" && return 0
    head -20 "$scratch/registry.diff" | sed 's/^/    /'
    return 1
}
# The same, leaving out the Windows Installer's bookkeeping of the product (its source list
# changes on a repair): the registration itself.
same_registration() {   # same_registration A B
    for name in "$1" "$2"; do
        python3 - "$scratch/$name.txt" "$scratch/$name.registration" <<'EOF'
import sys
blocks = open(sys.argv[1], encoding='utf-8').read().split('\n\n')
keep = [b for b in blocks if '\\Installer\\' not in b.lstrip().split('\n', 1)[0]]
open(sys.argv[2], 'w', encoding='utf-8').write('\n\n'.join(keep))
EOF
    done
    diff "$scratch/$1.registration" "$scratch/$2.registration" >"$scratch/registry.diff" && return 0
    head -20 "$scratch/registry.diff" | sed 's/^/    /'
    return 1
}
no_files_left() {
    # (paths relative to drive_c: the checkout's own path may well hold "vsdisk")
    left=$(cd "$WINEPREFIX/drive_c" && find . -ipath '*vsdisk*' ! -path '*/temp/*' 2>/dev/null | head -5)
    [ -z "$left" ] || { echo "    left: $left"; return 1; }
}
value_of() {   # value_of KEY [VIEW]: the default value of KEY, or ""
    run reg query "$1" /ve "/reg:${2:-64}" 2>/dev/null | tr -d '\r' | sed -n 's/.*REG_SZ[[:space:]]*//p'
}
view=64
[ "$arch" = x86 ] && view=32
our_clsid='{22951020-FBC0-4E2E-B02E-B20BB1EAD4D3}'
# What the registry must hold once installed. check_registry (x64 only: an x86 package cannot
# write the 64-bit view that check_registry also expects the Interface keys in) reads the
# description with $MODULE_DIR ending in a backslash, as an installer folder property does.
sed 's/\$MODULE_DIR/$MODULE_DIR\\/' "$(dirname "$0")/../../registry/vsdisk.registry" >"$scratch/description"
checker=$x64/tests/com/check_registry.exe
registered() {   # registered registered|registered-foreign|registered-without-shared
    if [ "$arch" = x64 ]; then
        "$wrap" "$checker" "$(win "$scratch/description")" "$dll_win" "$scope" "$1" >"$scratch/checked"
        status=$?
        tr -d '\r' <"$scratch/checked" | grep -v ': [0-9]* passed, 0 failed' | sed 's/^/    /'
        return $status
    fi
    [ "$(value_of "$hive\\Software\\Classes\\CLSID\\$our_clsid\\InprocServer32" $view)" = "$dll_win" ] &&
        [ "$(value_of "$hive\\Software\\Classes\\VsDisk.VirtualServer\\CLSID" $view)" = "$our_clsid" ] || return 1
    vs=$(value_of "$hive\\Software\\Classes\\VirtualServer.Application\\CLSID" $view)
    case $1 in
        registered) [ "$vs" = '{DA3111BC-1BD7-4884-A535-8470D36028F7}' ] ;;
        *) [ "$(value_of "$hive\\Software\\Classes\\VirtualServer.Application" $view)" != \
             'VsDisk Virtual Server (Virtual Server 2005 compatible)' ] ;;
    esac
}
products() {   # the vsdisk products Windows Installer lists: "NAME VERSION" lines
    # (HKLM in both views: a 32-bit product's entry is in the 32-bit one; HKCU's key is shared)
    for key in 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall /reg:64' \
               'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall /reg:32' \
               'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall /reg:64'; do
        rm -f "$scratch/uninstall.reg"
        quiet run reg export "${key% *}" "$(win "$scratch/uninstall.reg")" /y "${key##* }" || continue
        iconv -f UTF-16 -t UTF-8 "$scratch/uninstall.reg" | tr -d '\r' |
            sed -n 's/^"DisplayName"="\(vsdisk.*\)"$/\1/p'
    done
}
create_disk() {   # create_disk NAME: the installed VBScript example makes a 100 MB disk
    rm -f "$scratch/$1.vhd"
    run_arch cscript //nologo "$(run winepath -w "$installed/examples/create-disk.vbs" 2>/dev/null | tr -d '\r')" \
        "$(win "$scratch/$1.vhd")" 100 >"$scratch/out" 2>&1
    rc=$?
    tr -d '\r' <"$scratch/out" | sed 's/^/    | /'
    [ $rc -eq 0 ] && grep -q '^Created ' "$scratch/out"
}
qemu_reads_100mb() {   # the exact size, as qemu-img reads it with its default options
    size=$(qemu-img info --output=json --image-opts \
        "driver=vpc,file.driver=file,file.filename=$scratch/$1.vhd" 2>/dev/null |
        sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')
    [ "$size" = 104857600 ] || { echo "    qemu-img: '$size'"; return 1; }
}

registry_text before
echo "== install $(basename "$msi")"
check "msiexec /i installs it" msiexec /i "$msi"
check "vsdisk.dll is in $installed" [ -s "$installed/vsdisk.dll" ]
for file in README.md LICENSE include/vsdisk.h include/vsdisk_i.c examples/create-disk.vbs \
            examples/Create-Disk.ps1 docs/api.md docs/windows.md docs/install-windows.md; do
    check "the package installs $file" [ -s "$installed/$file" ]
done
# The README read from the install folder: each of its relative links names an installed file.
missing=""
for target in $(sed 's/`[^`]*`//g' "$installed/README.md" | grep -o '](\([^)]*\))' |
                sed 's/^](//; s/)$//; s/#.*//' | grep -v '^[a-zA-Z][a-zA-Z0-9+.-]*:' | sort -u); do
    [ -e "$installed/$target" ] || missing="$missing $target"
done
check "every relative link of the installed README.md resolves (missing:${missing:- none})" [ -z "$missing" ]
check "the registry holds the description for the installed DLL" registered registered
if [ "$scope" = machine ]; then
    check "the VBScript example creates a disk through VirtualServer.Application" create_disk installed
    check "qemu-img reads it at 100 MB" qemu_reads_100mb installed
fi
registry_text installed

echo "== repair (msiexec /famus, as REINSTALL=ALL REINSTALLMODE=amus)"
# Windows' msiexec /famus is this property form; Wine 8's msiexec /f does not repair (a FIXME for
# a product code, exit 69 for a package path), its REINSTALL property does.
rm -f "$installed/vsdisk.dll"
curver="$hive\\Software\\Classes\\VsDisk.VirtualServer\\CurVer"
deleted() { run reg delete "$1" /f "/reg:$2" && ! run reg query "$1" "/reg:$2"; }   # deleted KEY VIEW
setup "reg delete $curver" deleted "$curver" $view
check "msiexec /i REINSTALL=ALL REINSTALLMODE=amus repairs it" msiexec /i "$msi" REINSTALL=ALL REINSTALLMODE=amus
check "the deleted vsdisk.dll is back" [ -s "$installed/vsdisk.dll" ]
check "the deleted CurVer key is back" [ "$(value_of "$curver" $view)" = VsDisk.VirtualServer.1 ]
registry_text repaired
check "the registration is as installed" same_registration installed repaired

echo "== uninstall (msiexec /x)"
check "msiexec /x removes it" msiexec /x "$msi"
registry_text removed
check "the registry is as before the install" same_registry before removed
check "no file of vsdisk is left" no_files_left
check "no vsdisk product is listed" [ -z "$(products)" ]

echo "== upgrade from 0.0.1"
check "msiexec /i installs 0.0.1" msiexec /i "$old_msi"
check "0.0.1 is listed" [ "$(products)" = "vsdisk 0.0.1 ($arch, $( [ "$scope" = machine ] && echo per machine || echo current user))" ]
check "msiexec /i installs $version over it" msiexec /i "$msi"
listed=$(products)
echo "    listed: $listed"
check "one vsdisk product afterwards, $version" [ "$listed" = "vsdisk $version ($arch, $( [ "$scope" = machine ] && echo per machine || echo current user))" ]
check "the registry holds the description after the upgrade" registered registered
run msiexec /i "$(win "$old_msi")" /qn >/dev/null 2>&1
check "0.0.1 over $version is refused (exit $?)" [ $? -ne 0 ]
check "$version stays, alone" [ "$(products)" = "$listed" ]
check "msiexec /x removes the upgraded product" msiexec /x "$msi"
registry_text upgraded_removed
check "the registry is as before the install" same_registry before upgraded_removed
check "no file of vsdisk is left" no_files_left

echo "== beside a foreign Virtual Server"
classes='HKLM\Software\Classes'
vs_clsid='{DA3111BC-1BD7-4884-A535-8470D36028F7}'
vs_libid='{D7526A6D-CF83-48A4-87FD-4FBE2AEC5D93}'
vs_iid='{D1E64C50-A25D-450F-BE0B-9CA5A354CFF4}'
added() { v=$1; shift; run reg add "$@" /f "/reg:$v" && run reg query "$1" "/reg:$v"; }   # added VIEW KEY OPTIONS...
reg_add() {   # reg_add KEY OPTIONS...: in both views; each must be there afterwards
    for v in 64 32; do
        setup "reg add $1 /reg:$v" added "$v" "$@"
    done
}
reg_add "$classes\\VirtualServer.Application\\CLSID" /ve /d "$vs_clsid"
reg_add "$classes\\VirtualServer.Application" /v Owner /d 'another product'
reg_add "$classes\\CLSID\\$vs_clsid" /ve /d 'Virtual Server'
reg_add "$classes\\CLSID\\$vs_clsid\\LocalServer32" /ve /d 'C:\Program Files\Microsoft Virtual Server\vssrvc.exe'
reg_add "$classes\\Interface\\$vs_iid" /ve /d IVMVirtualServer
reg_add "$classes\\Interface\\$vs_iid\\ProxyStubClsid32" /ve /d '{11111111-2222-3333-4444-555555555555}'
reg_add "$classes\\TypeLib\\$vs_libid\\1.1" /ve /d 'Virtual Server 2005 Type Library'
reg_add "$classes\\TypeLib\\$vs_libid\\1.1\\0\\win32" /ve /d 'C:\Program Files\Microsoft Virtual Server\vssrvc.exe'
registry_text foreign_before
check "msiexec /i installs it beside the foreign keys" msiexec /i "$msi"
if [ "$scope" = machine ]; then
    check "vsdisk's own keys are registered, none of Virtual Server's is taken" registered registered-foreign
else
    check "vsdisk's own keys are registered per user, no Virtual Server key per user" registered registered-without-shared
fi
registry_text foreign_installed
python3 - "$scratch/foreign_before.txt" "$scratch/foreign_installed.txt" >"$scratch/foreign.diff" <<'EOF'
import sys
# Every key of the foreign Virtual Server, byte for byte: the blocks naming its identities.
names = ('VirtualServer.Application', '{DA3111BC-1BD7-4884-A535-8470D36028F7}',
         '{D7526A6D-CF83-48A4-87FD-4FBE2AEC5D93}', '{D1E64C50-A25D-450F-BE0B-9CA5A354CFF4}')
def foreign(path):
    return [b for b in open(path, encoding='utf-8').read().split('\n\n')
            if b.lstrip().startswith('[') and any(n in b.split('\n', 1)[0].lstrip() for n in names)]
a, b = foreign(sys.argv[1]), foreign(sys.argv[2])
print('\n--\n'.join(x for x in set(a) ^ set(b)))
sys.exit(0 if a == b and a else 1)
EOF
check "the foreign keys are byte for byte as they were after the install" [ $? -eq 0 ]
check "msiexec /x removes it" msiexec /x "$msi"
registry_text foreign_removed
check "the registry (foreign keys included) is as before the install" same_registry foreign_before foreign_removed
check "no file of vsdisk is left" no_files_left

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

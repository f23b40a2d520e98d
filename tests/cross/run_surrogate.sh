#!/bin/sh
# Out of process through the system surrogate: the AppID's DllSurrogate lets a client ask for
# CLSCTX_LOCAL_SERVER, and a client of the other bitness, reach vsdisk in dllhost.exe.
#   1. the keys: CLSID\{clsid} AppID and AppID\{appid} DllSurrogate (empty) in both views;
#   2. only the x64 DLL registered: the 32-bit client has no in-process server; it reaches the
#      x64 DLL in the 64-bit dllhost.exe through IDispatch (late binding), and so does the
#      32-bit cscript running the VBScript example;
#   3. only the x86 DLL registered: the 64-bit client reaches the x86 DLL in the 32-bit
#      dllhost.exe, through its vtable and through IDispatch, as does the 64-bit cscript; the
#      32-bit client's CLSCTX_LOCAL_SERVER does too.
# Each out-of-process creation makes a 40 MB disk; vhdiinfo reads it.
# What Wine 8 cannot do is run, reported as "wine-limitation:" with its HRESULT, and not
# counted either way (see docs/windows.md, "Out of process and across bitness"):
#   - a 64-bit client asking for the x64 DLL out of process: Wine's combase starts SysWOW64's
#     dllhost.exe whenever DllSurrogate is empty in a 64-bit process, which finds no 32-bit
#     class and exits: E_NOINTERFACE (0x80004002);
#   - a 32-bit client using the x64 DLL's vtable interfaces out of process: the typelib
#     marshaler of a 32-bit process reads only TypeLib\{libid}\1.0\0\win32 (no win64
#     fallback): E_FAIL (0x80004005) when the proxy is made.
set -u
wrap=$1 dll64=$2 client64=$3 dll32=$4 client32=$5 example=$6 base=$7
passed=0 failed=0
work=$base/surrogate.$$
rm -rf "$work"
mkdir -p "$work"
win() { printf 'Z:%s' "$(realpath -m "$1")" | tr / '\\'; }
check() {
    what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
client() {  # client x64|x86 ARGS...: runs that bitness's client, shows its output, keeps its status
    arch=$1
    shift
    if [ "$arch" = x64 ]; then exe=$client64; else exe=$client32; fi
    VSDISK_WINE_ARCH=$arch timeout 120 "$wrap" "$(win "$exe")" "$@" >"$work/out" 2>&1
    rc=$?
    tr -d '\r' <"$work/out" | sed "s/^/    $arch | /"
    return $rc
}
size_of() { vhdiinfo "$1" 2>/dev/null | sed -n 's/.*Media size.*(\([0-9]*\) bytes).*/\1/p'; }
reg64() { VSDISK_WINE_ARCH=x64 "$wrap" regsvr32 /s "$@" "$(win "$dll64")"; }
reg32() { VSDISK_WINE_ARCH=x86 "$wrap" regsvr32 /s "$@" "$(win "$dll32")"; }
query() {   # query x64|x86 KEY VALUE-OPTION...: the REG_SZ data, through that bitness's reg.exe
    arch=$1 key=$2
    shift 2
    VSDISK_WINE_ARCH=$arch "$wrap" reg query "$key" "$@" 2>/dev/null | tr -d '\r' |
        sed -n 's/.*REG_SZ[[:space:]]*//p'
}
has_value() {  # has_value x64|x86 KEY NAME: the value exists (even empty)
    VSDISK_WINE_ARCH=$1 "$wrap" reg query "$2" /v "$3" 2>/dev/null | tr -d '\r' | grep -q "^ *$3 *REG_SZ"
}

reg64 /u; reg32 /u
# 1. The keys, as each bitness sees them.
reg64
reg32
clsid=$(query x64 'HKLM\Software\Classes\VirtualServer.Application\CLSID' /ve)
for arch in x64 x86; do
    appid=$(query $arch "HKLM\\Software\\Classes\\CLSID\\$clsid" /v AppID)
    check "$arch view: CLSID\\$clsid names an AppID ($appid)" [ -n "$appid" ]
    check "$arch view: AppID\\$appid has DllSurrogate" \
        has_value $arch "HKLM\\Software\\Classes\\AppID\\$appid" DllSurrogate
    surrogate=$(query $arch "HKLM\\Software\\Classes\\AppID\\$appid" /v DllSurrogate)
    check "$arch view: DllSurrogate is empty (the system's dllhost.exe), not '$surrogate'" [ -z "$surrogate" ]
done

limitation() {  # limitation WHAT ARCH ARGS...: runs it, reports the outcome, counts nothing
    what=$1
    shift
    client "$@"
    echo "wine-limitation: $what: exit $rc, $(sed -n 's/^activation: //p' "$work/out" | tr -d '\r')"
}

# 2. Only the x64 DLL.
reg32 /u
client x86 no-inproc
check "x64 only: the 32-bit client finds no in-process server" [ $? -eq 0 ]
client x86 local-dispatch "$(win "$work/x86-to-x64.vhd")"
check "x64 only: the 32-bit client reaches the x64 DLL in dllhost.exe by IDispatch (exit $rc)" [ $rc -eq 0 ]
check "x64 only: its disk reads as 40 MB" [ "$(size_of "$work/x86-to-x64.vhd")" = 41943040 ]
VSDISK_WINE_ARCH=x86 "$wrap" cscript //nologo "$(win "$example")" "$(win "$work/cscript32.vhd")" 40 >"$work/out" 2>&1
rc=$?
tr -d '\r' <"$work/out" | sed 's/^/    x86 cscript | /'
check "x64 only: the 32-bit cscript runs the example through dllhost.exe (exit $rc)" [ $rc -eq 0 ]
check "x64 only: its disk reads as 40 MB" [ "$(size_of "$work/cscript32.vhd")" = 41943040 ]
limitation "x64 only, 32-bit client, vtable interfaces" x86 local "$(win "$work/lim1.vhd")"
limitation "x64 only, 64-bit client, CLSCTX_LOCAL_SERVER" x64 local "$(win "$work/lim2.vhd")"

# 3. Only the x86 DLL.
reg64 /u
reg32
client x64 no-inproc
check "x86 only: the 64-bit client finds no in-process server" [ $? -eq 0 ]
client x64 local "$(win "$work/x64-to-x86.vhd")"
check "x86 only: the 64-bit client reaches the x86 DLL in dllhost.exe (exit $rc)" [ $rc -eq 0 ]
check "x86 only: its disk reads as 40 MB" [ "$(size_of "$work/x64-to-x86.vhd")" = 41943040 ]
client x64 local-dispatch "$(win "$work/x64-to-x86-dispatch.vhd")"
check "x86 only: the 64-bit client reaches it by IDispatch too (exit $rc)" [ $rc -eq 0 ]
check "x86 only: its disk reads as 40 MB" [ "$(size_of "$work/x64-to-x86-dispatch.vhd")" = 41943040 ]
VSDISK_WINE_ARCH=x64 "$wrap" cscript //nologo "$(win "$example")" "$(win "$work/cscript64.vhd")" 40 >"$work/out" 2>&1
rc=$?
tr -d '\r' <"$work/out" | sed 's/^/    x64 cscript | /'
check "x86 only: the 64-bit cscript runs the example through dllhost.exe (exit $rc)" [ $rc -eq 0 ]
check "x86 only: its disk reads as 40 MB" [ "$(size_of "$work/cscript64.vhd")" = 41943040 ]
client x86 local "$(win "$work/x86-local.vhd")"
check "x86 only: the 32-bit client's CLSCTX_LOCAL_SERVER reaches it (exit $rc)" [ $rc -eq 0 ]
check "x86 only: its disk reads as 40 MB" [ "$(size_of "$work/x86-local.vhd")" = 41943040 ]
reg32 /u

rm -rf "$work"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

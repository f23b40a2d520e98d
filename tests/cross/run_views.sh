#!/bin/sh
# Each bitness registers in its own registry view and unregisters without touching the other:
# the x64 DLL with System32's regsvr32, the x86 DLL with SysWOW64's, machine-wide and per
# user, both in one prefix. Each view is read by the checker of its own bitness
# (tests/com/check_registry) against registry/vsdisk.registry; in the keys both views share
# (TypeLib, AppID) the other DLL's keys are expected beside ours.
# Usage: run_views.sh WINE_WRAP DESCRIPTION DLL64 CHECK64 DLL32 CHECK32
set -u
wrap=$1 description=$2 dll64=$3 check64=$4 dll32=$5 check32=$6
steps=0 failures=0
win() { printf 'Z:%s' "$(realpath "$1")" | tr / '\\'; }
w64=$(win "$dll64") w32=$(win "$dll32")

step() {   # step DESCRIPTION COMMAND...
    what=$1
    shift
    steps=$((steps + 1))
    if "$@"; then
        echo "ok $steps - $what"
    else
        failures=$((failures + 1))
        echo "not ok $steps - $what"
    fi
}
# view64 / view32 SCOPE STATE [peer]: the checker of that bitness on its own view.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shows a command's output without CRs and keeps its exit status
shown() { "$@" >"$out" 2>&1; rc=$?; tr -d '\r' <"$out"; return $rc; }
view64() { shown env VSDISK_WINE_ARCH=x64 "$wrap" "$check64" "$description" "$w64" "$1" "$2" ${3:+"$w32"}; }
view32() { shown env VSDISK_WINE_ARCH=x86 "$wrap" "$check32" "$description" "$w32" "$1" "$2" ${3:+"$w64"}; }
reg64() { VSDISK_WINE_ARCH=x64 "$wrap" regsvr32 /s "$@" "$w64"; }
reg32() { VSDISK_WINE_ARCH=x86 "$wrap" regsvr32 /s "$@" "$w32"; }
quiet() { "$@" >/dev/null 2>&1; }

# Machine-wide: both registered at once, each unregistering without touching the other.
quiet reg64 /u; quiet reg32 /u
step "machine: nothing in the 64-bit view at the start" view64 machine absent
step "machine: nothing in the 32-bit view at the start" view32 machine absent
step "machine: System32 regsvr32 registers the x64 DLL" reg64
step "machine: the 64-bit view matches the description" view64 machine registered
step "machine: the 32-bit view has none of it but the shared keys" view32 machine absent-beside-peer
step "machine: SysWOW64 regsvr32 registers the x86 DLL" reg32
step "machine: the 32-bit view matches the description" view32 machine registered peer
step "machine: the 64-bit view still matches" view64 machine registered peer
step "machine: the x86 DLL unregisters" reg32 /u
step "machine: the x86 registration is gone" view32 machine absent-beside-peer
step "machine: the x64 registration is untouched" view64 machine registered peer
step "machine: the x86 DLL registers again" reg32
step "machine: the x64 DLL unregisters" reg64 /u
step "machine: the x64 registration is gone" view64 machine absent-beside-peer
step "machine: the x86 registration is untouched" view32 machine registered peer
step "machine: the x86 DLL unregisters last" reg32 /u
step "machine: nothing left in the 32-bit view" view32 machine absent
step "machine: nothing left in the 64-bit view" view64 machine absent

# Per user, one bitness at a time: Wine keeps a single HKEY_CURRENT_USER\Software\Classes
# for both bitnesses (no Wow6432Node under it, unlike Windows 7 and later), so two per-user
# registrations would share one CLSID key here. Each registers and unregisters cleanly, and a
# per-user registration beside the other's machine-wide one leaves that one alone.
quiet reg64 /u /n /i:user; quiet reg32 /u /n /i:user
step "user: x64 registers per user" reg64 /n /i:user
step "user: the x64 per-user registration matches" view64 user registered
step "user: x64 unregisters per user" reg64 /u /n /i:user
step "user: nothing of x64 left per user" view64 user absent
step "user: x86 registers per user" reg32 /n /i:user
step "user: the x86 per-user registration matches" view32 user registered
step "user: x86 unregisters per user" reg32 /u /n /i:user
step "user: nothing of x86 left per user" view32 user absent
step "user: x64 machine-wide, x86 per user" reg64
step "user: ... x86 registers per user beside it" reg32 /n /i:user
step "user: the x86 per-user registration matches" view32 user registered
step "user: x86 unregisters per user" reg32 /u /n /i:user
step "user: the x64 machine-wide registration is untouched" view64 machine registered
quiet reg64 /u
step "user: nothing left machine-wide" view64 machine absent

echo "$((steps - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

#!/bin/sh
# Registers vsdisk with the real regsvr32, machine-wide and per user, checks the registry
# against registry/vsdisk.registry key by key after each step, unregisters, and proves
# nothing of ours is left; then does it again with a VirtualServer.Application that
# belongs to another product, which must be left exactly as it was.
# Usage: run_registration.sh WINE_WRAP DLL CHECKER DESCRIPTION
set -u
wrap=$1 dll=$2 checker=$3 description=$4
steps=0 failures=0
dll_win="Z:$(cd "$(dirname "$dll")" && pwd)/$(basename "$dll")"
dll_win=$(printf '%s' "$dll_win" | tr / '\\')
foreign_key='HKLM\Software\Classes\VirtualServer.Application'

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
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The checker's verdict is its exit status (a pipe into tr would hide it).
check() { "$wrap" "$checker" "$description" "$dll_win" "$@" >"$out" 2>&1; rc=$?; tr -d '\r' <"$out"; return $rc; }
regsvr() { "$wrap" regsvr32 /s "$@" "$dll_win"; }
quiet() { "$@" >/dev/null 2>&1; }

# From a clean state.
quiet regsvr /u
quiet regsvr /u /n /i:user
quiet "$wrap" reg delete "$foreign_key" /f
step "nothing registered machine-wide at the start" check machine absent
step "nothing registered per user at the start" check user absent

step "regsvr32 registers machine-wide" regsvr
step "machine registry matches the description" check machine registered
step "machine-wide registration writes nothing per user" check user absent
step "regsvr32 /u unregisters" regsvr /u
step "nothing of ours left machine-wide" check machine absent

step "regsvr32 /n /i:user registers for the current user" regsvr /n /i:user
step "per-user registry matches the description" check user registered
step "per-user registration writes nothing machine-wide" check machine absent
step "regsvr32 /u /n /i:user unregisters" regsvr /u /n /i:user
step "nothing of ours left per user" check user absent

step "a foreign VirtualServer.Application is set up" \
    quiet "$wrap" reg add "$foreign_key\\CLSID" /ve /d '{11111111-2222-3333-4444-555555555555}' /f
step "with a foreign Owner value" quiet "$wrap" reg add "$foreign_key" /v Owner /d 'another product' /f
step "regsvr32 registers beside it" regsvr
step "machine registry matches, the foreign ProgID untouched" check machine registered-foreign
step "regsvr32 /u unregisters" regsvr /u
step "ours gone, the foreign ProgID still there" check machine absent-foreign
step "per-user registration beside a machine-wide foreign ProgID" regsvr /n /i:user
step "per-user registry matches, no per-user VirtualServer.Application" check user registered-without-shared
step "regsvr32 /u /n /i:user unregisters" regsvr /u /n /i:user
step "nothing of ours left per user" check user absent
quiet "$wrap" reg delete "$foreign_key" /f
step "the foreign ProgID is removed by the test" check machine absent

echo "$((steps - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

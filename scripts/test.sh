#!/bin/sh
# Installs what is missing, builds, and runs every test: the native tests of the portable
# code (with AddressSanitizer and UndefinedBehaviorSanitizer) and the Wine-run tests of the
# COM server and its clients, and a bounded run of each fuzzer (FUZZ_SECONDS each, 60 by
# default; ./scripts/fuzz.sh runs them longer). Ends with one line "N passed, N failed, N skipped"; under CI
# (CI set) a skipped test counts as a failure.
set -eu
. "$(dirname "$0")/env.sh"
cd "$root"

"$root/scripts/deps.sh"
trap stop_wine EXIT INT TERM

setup_native
meson compile -C "$native_build"
setup_cross
meson compile -C "$cross_build"
setup_fuzz
meson compile -C "$fuzz_build"

rm -f "$native_build/meson-logs/testlog.json" "$cross_build/meson-logs/testlog.json" \
    "$fuzz_build/meson-logs/testlog.json"
meson test -C "$native_build" --print-errorlogs || true
meson test -C "$fuzz_build" --print-errorlogs || true

stop_wine
start_wine
meson test -C "$cross_build" --print-errorlogs || true
stop_wine

python3 "$root/scripts/test_summary.py" ${CI:+--no-skips} \
    "$native_build/meson-logs/testlog.json" "$fuzz_build/meson-logs/testlog.json" \
    "$cross_build/meson-logs/testlog.json"

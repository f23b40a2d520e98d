#!/bin/sh
# Installs what is missing, builds, and runs every test: the native tests of the portable
# code (with AddressSanitizer and UndefinedBehaviorSanitizer), the Wine-run tests of the COM
# server and its clients for each bitness (build/ x64, build-x86/ x86, one Wine prefix), the
# cross-bitness and release-zip tests (in build/), and a bounded run of each fuzzer
# (FUZZ_SECONDS each, 60 by default; ./scripts/fuzz.sh runs them longer). Ends with one line
# "N passed, N failed, N skipped"; under CI (CI set) a skipped test counts as a failure.
# Before that line it prints how long the build and each suite took (wall clock).
set -eu
. "$(dirname "$0")/env.sh"
cd "$root"

"$root/scripts/deps.sh" test
trap stop_wine EXIT INT TERM

# timed NAME COMMAND...: runs the command and notes its wall-clock time for the closing table.
times=""
timed() {
    name=$1
    shift
    start=$(date +%s)
    "$@" || true
    times="$times$name $(($(date +%s) - start))
"
}
print_times() {
    printf '%s' "$times" | awk 'NF == 2 { total += $2
        printf "time: %-9s %3dm %02ds\n", $1, $2 / 60, $2 % 60 }
        END { printf "time: %-9s %3dm %02ds\n", "total", total / 60, total % 60 }'
}

build_start=$(date +%s)
setup_native
meson compile -C "$native_build"
setup_cross_x86
meson compile -C "$cross_x86_build"
setup_cross
meson compile -C "$cross_build"
setup_fuzz
meson compile -C "$fuzz_build"
times="build $(($(date +%s) - build_start))
"

rm -f "$native_build/meson-logs/testlog.json" "$cross_build/meson-logs/testlog.json" \
    "$cross_x86_build/meson-logs/testlog.json" "$fuzz_build/meson-logs/testlog.json"
timed native meson test -C "$native_build" --print-errorlogs
timed fuzz meson test -C "$fuzz_build" --print-errorlogs

stop_wine
start_wine
# Each bitness's suite starts with nothing registered; the x64 one (with the cross-bitness
# tests) last, so that both DLLs are built and tested alone first.
unregister_all
timed wine-x86 meson test -C "$cross_x86_build" --print-errorlogs
unregister_all
timed wine-x64 meson test -C "$cross_build" --print-errorlogs
unregister_all
stop_wine

print_times
python3 "$root/scripts/test_summary.py" ${CI:+--no-skips} \
    "$native_build/meson-logs/testlog.json" "$fuzz_build/meson-logs/testlog.json" \
    "$cross_x86_build/meson-logs/testlog.json" "$cross_build/meson-logs/testlog.json"

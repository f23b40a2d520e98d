#!/bin/sh
# Runs the libFuzzer targets (path validation; VHD footer and header decoding) for as long as
# asked. Usage: ./scripts/fuzz.sh [SECONDS_EACH]   (default 600)
# Findings are written to build-fuzz/tests/fuzz/corpus-NAME-artifacts/.
set -eu
. "$(dirname "$0")/env.sh"
cd "$root"
"$root/scripts/deps.sh"
setup_fuzz
meson compile -C "$fuzz_build"
FUZZ_SECONDS=${1:-600} meson test -C "$fuzz_build" --suite fuzz --print-errorlogs --timeout-multiplier 0
grep -E 'stat::number_of_executed_units|no crash|FAILED' "$fuzz_build/meson-logs/testlog.txt"

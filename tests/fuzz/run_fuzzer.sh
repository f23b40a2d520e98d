#!/bin/sh
# Runs one libFuzzer target for FUZZ_SECONDS (default 60) from its seed corpora; a crash, a
# leak, a sanitizer report or a broken invariant fails the run. Prints the executions done.
# Usage: run_fuzzer.sh FUZZER SCRATCH_CORPUS SEED_CORPUS...
set -u
fuzzer=$1 scratch=$2
shift 2
mkdir -p "$scratch"
artifacts=$scratch-artifacts
mkdir -p "$artifacts"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$scratch" "$@" >"$log" 2>&1
rc=$?
grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|Done [0-9]+ runs' "$log"
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log"
    echo "$(basename "$fuzzer"): FAILED (exit $rc); the input is in $artifacts"
    exit 1
fi
echo "$(basename "$fuzzer"): no crash, leak or sanitizer report"

# Minimal TAP output for the shell tests; sourced. Every check prints one "ok"/"not ok" line;
# finish() prints the plan and fails the script if any check failed. The caller sets tap_dir,
# a scratch folder of its own.
: "${tap_dir:?set tap_dir before sourcing tap.sh}"
tap_count=0
tap_failed=0

tap_ok() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1"
}

tap_not_ok() {
    tap_count=$((tap_count + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_count - $1"
}

# check DESCRIPTION COMMAND...: passes if the command succeeds; its output becomes TAP
# comments when it does not.
check() {
    tap_description=$1
    shift
    if "$@" >"$tap_dir/check.out" 2>&1; then
        tap_ok "$tap_description"
    else
        tap_not_ok "$tap_description"
        sed 's/^/# /' "$tap_dir/check.out"
    fi
}

finish() {
    echo "1..$tap_count"
    [ "$tap_failed" -eq 0 ]
}

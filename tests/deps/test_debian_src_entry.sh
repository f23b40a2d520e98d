#!/bin/sh
# scripts/debian-src-entry.sh over fixture sources files: the deb-src entry follows the
# machine's own archive entry (mirror, proxy, keyring), in deb822 and one-line formats.
# Usage: test_debian_src_entry.sh SCRIPT FIXTURES_DIR
set -u
script=$1 fixtures=$2
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {   # expect WHAT EXPECTED_FILE|- FILES...
    what=$1 expected=$2
    shift 2
    "$script" bookworm "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$expected" = - ]; then
        if [ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ]; then ok=yes; else ok=""; fi
    elif [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$expected"; then
        ok=yes
    else
        ok=""
    fi
    if [ -n "$ok" ]; then
        passed=$((passed + 1)); echo "ok - $what"
    else
        failed=$((failed + 1)); echo "not ok - $what (exit $rc)"; cat "$tmp/out" "$tmp/err"
    fi
}

f=$fixtures
expect "deb822: the archive entry, not the security one" "$f/debian.expected" "$f/debian.sources"
expect "deb822: disabled and third-party entries skipped, proxy URIs kept, lower-case fields" \
    "$f/proxy.expected" "$f/proxy.sources"
expect "deb822: an inline Signed-By key is carried over" "$f/inline-key.expected" "$f/inline-key.sources"
expect "one-line: options, comments, security and third-party lines" \
    "$f/sources.list.expected" "$f/sources.list"
expect "no archive entry for the codename: exit 1, nothing printed" - "$f/none.list"
expect "missing files are ignored" "$f/debian.expected" "$tmp/absent.sources" "$f/debian.sources"
expect "the first file with an archive entry wins" "$f/debian.expected" \
    "$f/none.list" "$f/debian.sources" "$f/sources.list"
tr -d '\r' <"$f/proxy.sources" | sed 's/$/\r/' >"$tmp/crlf.sources"
expect "deb822 with CRLF line ends" "$f/proxy.expected" "$tmp/crlf.sources"
"$script" trixie "$f/debian.sources" >"$tmp/out" 2>&1
if [ $? -eq 1 ]; then passed=$((passed + 1)); echo "ok - another codename finds nothing"
else failed=$((failed + 1)); echo "not ok - another codename finds nothing"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

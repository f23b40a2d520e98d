#!/bin/sh
# Runs a Linux command for a Wine-side test and leaves its exit status in STATUS_FILE.
# Wine starts Linux programs for a Windows process, but the process handle it returns is
# signalled at once, so the test waits for this file instead.
# Usage: linux_run.sh STATUS_FILE COMMAND [ARGS...]
status_file=$1
shift
"$@"
echo $? >"$status_file.tmp" && mv -f "$status_file.tmp" "$status_file"

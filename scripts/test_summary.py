#!/usr/bin/env python3
"""Prints one closing line for the meson test logs given: "N passed, N failed, N skipped".
Exits 1 if anything failed, or (with --no-skips) if anything was skipped."""
import json
import sys


def main(argv):
    no_skips = "--no-skips" in argv
    logs = [a for a in argv if a != "--no-skips"]
    passed = failed = skipped = 0
    for log in logs:
        try:
            lines = open(log, encoding="utf-8").read().splitlines()
        except OSError:
            print(f"test summary: {log} is missing: that suite did not run")
            failed += 1
            continue
        for line in lines:
            result = json.loads(line)
            verdict = result.get("result")
            if verdict == "OK":
                passed += 1
            elif verdict == "SKIP":
                skipped += 1
                print(f"skipped: {result.get('name')}")
            else:
                failed += 1
                print(f"failed: {result.get('name')} ({verdict})")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or (no_skips and skipped) or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/bin/sh
# Lists the tree under ROOT into OUTFILE, one line per entry, sorted byte-wise:
#   path|d|mode            folders (no size or time: an entry made and removed inside a
#                          folder changes them without leaving anything)
#   path|l|target          links (not followed)
#   path|T|size|mtime|mode anything else, T being find's type letter (f, p, s, c, b)
# Run by the Wine-side tests through Wine's support for starting Linux programs.
# Usage: snapshot.sh ROOT OUTFILE
cd "$1" || exit 1
find . -mindepth 1 \( -type d -printf '%P|d|%m\n' \) -o \( -type l -printf '%P|l|%l\n' \) \
    -o -printf '%P|%y|%s|%T@|%m\n' | LC_ALL=C sort >"$2.tmp" && mv -f "$2.tmp" "$2"

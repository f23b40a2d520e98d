#!/bin/sh
# Prints the deb-src entry (deb822) that matches the machine's own Debian archive entry, so that
# source packages come from the same mirror or proxy as the binary ones.
# Usage: debian-src-entry.sh CODENAME SOURCES_FILE...
#   SOURCES_FILE: deb822 (.sources) or one-line (sources.list, .list) files; missing ones are
#   ignored. The archive entry is a `deb` entry (enabled) whose suites include CODENAME itself
#   and whose components include main; its URIs, CODENAME, main and its Signed-By are copied.
#   The files are read in the order given; the first such entry wins.
# Exits 1, printing nothing, when no such entry exists.
set -eu
codename=$1
shift
for file in "$@"; do
    [ -r "$file" ] || continue
    case $file in
        *.sources) format=deb822 ;;
        *) format=oneline ;;
    esac
    if awk -v codename="$codename" -v format="$format" '
        function has(list, word,    n, i, parts) {
            n = split(list, parts, /[ \t]+/)
            for (i = 1; i <= n; i++) if (parts[i] == word) return 1
            return 0
        }
        function emit(uris, signed) {
            if (printed++) return           # the first archive entry is enough
            print "Types: deb-src"
            print "URIs: " uris
            print "Suites: " codename
            print "Components: main"
            if (signed != "") print "Signed-By:" (signed ~ /^\n/ ? "" : " ") signed
        }
        function flush_stanza() {
            if (has(types, "deb") && enabled != "no" && has(suites, codename) && has(components, "main") && uris != "")
                emit(uris, signed)
            types = uris = suites = components = signed = enabled = ""
            field = ""
        }
        format == "deb822" {
            sub(/\r$/, "")
            if ($0 ~ /^[ \t]*#/) next
            if ($0 ~ /^[ \t]*$/) { flush_stanza(); next }
            if ($0 ~ /^[ \t]/) {            # a continuation line (an inline key): keep it
                if (field == "signed-by") signed = signed "\n" $0
                next
            }
            name = tolower($0); sub(/:.*/, "", name)
            value = $0; sub(/^[^:]*:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
            field = name
            if (name == "types") types = value
            else if (name == "uris") uris = value
            else if (name == "suites") suites = value
            else if (name == "components") components = value
            else if (name == "signed-by") signed = value
            else if (name == "enabled") enabled = tolower(value)
            next
        }
        format == "oneline" {
            sub(/\r$/, ""); sub(/#.*/, "")
            if ($1 != "deb") next
            line = $0; sub(/^[ \t]*deb[ \t]+/, "", line)
            signed = ""
            if (line ~ /^\[/) {
                options = line; sub(/\].*/, "", options); sub(/^\[/, "", options)
                sub(/^\[[^]]*\][ \t]*/, "", line)
                n = split(options, opts, /[ \t]+/)
                for (i = 1; i <= n; i++) if (opts[i] ~ /^signed-by=/) { signed = opts[i]; sub(/^signed-by=/, "", signed) }
            }
            n = split(line, words, /[ \t]+/)
            if (n < 3 || words[2] != codename) next
            found = 0
            for (i = 3; i <= n; i++) if (words[i] == "main") found = 1
            if (found) emit(words[1], signed)
        }
        END { if (format == "deb822") flush_stanza(); exit printed ? 0 : 1 }
    ' "$file"; then
        exit 0
    fi
done
exit 1

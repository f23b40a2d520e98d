# Sourced by the scripts: where the builds and the Wine prefix live, and the stop trap.
# shellcheck shell=sh
root=$(cd "$(dirname "$0")/.." && pwd)
native_build="$root/build-native"
fuzz_build="$root/build-fuzz"
cross_build="$root/build"          # x64 DLL and tests
cross_x86_build="$root/build-x86"  # x86 DLL and tests
# ONE Wine prefix (a 64-bit one, with its SysWOW64) for both cross builds: the x86 and x64
# registrations land in its two registry views, and the cross-bitness tests see both.
export WINEPREFIX="$root/build/wine-prefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="    # no Mono/Gecko installer prompts on a new prefix
. "$root/scripts/wine-arch.sh"

# Stops the Wine server of our prefix (and with it every Wine process in it).
stop_wine() {
    "$wine_server" -k 2>/dev/null || true
}

# Starts a persistent Wine server for our prefix (stop_wine ends it).
start_wine() {
    mkdir -p "$WINEPREFIX"
    "$wine_server" -p
}

# Configures a cross build once: setup_cross_for DIR CROSS_FILE [MESON ARGS]. Meson's compiler
# check runs wine, whose helpers must not hold our output streams, so it writes to a log.
setup_cross_for() {
    dir=$1 cross_file=$2
    shift 2
    mkdir -p "$WINEPREFIX"
    if [ ! -f "$dir/build.ninja" ]; then
        log="$root/build-setup-$(basename "$dir").log"
        if ! meson setup "$dir" --cross-file "$root/cross/$cross_file" \
            --prefix=/ -Dwineprefix="$WINEPREFIX" -Dwerror=true "$@" </dev/null >"$log" 2>&1; then
            cat "$log"
            return 1
        fi
    fi
}

# The x64 build (build/) and the x86 build (build-x86/). The x64 build knows the x86 one
# (-Dpeer_build) for its cross-bitness and release tests (tests/cross, tests/release).
setup_cross() {
    setup_cross_for "$cross_build" x86_64-w64-mingw32.ini -Dpeer_build="$cross_x86_build" "$@"
    if [ "$(python3 -c 'import json, sys; print([o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "peer_build"][0])' \
            "$cross_build/meson-info/intro-buildoptions.json" 2>/dev/null)" != "$cross_x86_build" ]; then
        # --reconfigure, not configure: a build made before the option existed must learn it.
        log="$root/build-setup-$(basename "$cross_build").log"
        if ! meson setup --reconfigure "$cross_build" -Dpeer_build="$cross_x86_build" \
                </dev/null >"$log" 2>&1; then
            cat "$log"
            return 1
        fi
    fi
}
setup_cross_x86() {
    setup_cross_for "$cross_x86_build" i686-w64-mingw32.ini "$@"
}

setup_native() {
    if [ ! -f "$native_build/build.ninja" ]; then
        meson setup "$native_build" -Db_sanitize=address,undefined -Db_lundef=false \
            -Dwerror=true "$@"
    fi
}

# libFuzzer needs clang; the sanitizers abort on the first report.
setup_fuzz() {
    if [ ! -f "$fuzz_build/build.ninja" ]; then
        CC=clang meson setup "$fuzz_build" -Dfuzzing=true -Db_sanitize=address,undefined \
            -Db_lundef=false -Dwerror=true "$@"
    fi
}

# Unregisters both DLLs, machine-wide and per user, so that a test run starts from a clean
# registry whatever an earlier run or the demo left.
unregister_all() {
    for arch in x64 x86; do
        if [ $arch = x64 ]; then dll=$cross_build/src/com/vsdisk.dll; else dll=$cross_x86_build/src/com/vsdisk.dll; fi
        [ -f "$dll" ] || continue
        dll_win=$(printf 'Z:%s' "$dll" | tr / '\\')
        VSDISK_WINE_ARCH=$arch "$root/scripts/wine-wrap.sh" regsvr32 /s /u "$dll_win" >/dev/null 2>&1 || true
        VSDISK_WINE_ARCH=$arch "$root/scripts/wine-wrap.sh" regsvr32 /s /u /n /i:user "$dll_win" >/dev/null 2>&1 || true
    done
}

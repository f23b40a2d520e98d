# Sourced by the scripts: where the builds and the Wine prefix live, and the stop trap.
# shellcheck shell=sh
root=$(cd "$(dirname "$0")/.." && pwd)
native_build="$root/build-native"
fuzz_build="$root/build-fuzz"
cross_build="$root/build"
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

# Configures the cross build once; meson's compiler check runs wine, whose helpers must not
# hold our output streams, so it writes to a log.
setup_cross() {
    mkdir -p "$WINEPREFIX"
    if [ ! -f "$cross_build/build.ninja" ]; then
        if ! meson setup "$cross_build" --cross-file "$root/cross/x86_64-w64-mingw32.ini" \
            --prefix=/ -Dwineprefix="$WINEPREFIX" -Dwerror=true "$@" </dev/null >"$root/build-setup.log" 2>&1; then
            cat "$root/build-setup.log"
            return 1
        fi
    fi
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

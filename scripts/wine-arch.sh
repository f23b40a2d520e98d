# Sourced: which Wine loader and which system folder a Windows architecture uses. Debian's plain
# `wine` starts the 32-bit loader whenever wine32 is installed, so nothing here ever calls it:
#   x64  the 64-bit loader, with System32's programs (cscript, regsvr32, reg, cmd...)
#   x86  the 32-bit loader, with SysWOW64's programs
# VSDISK_WINE_ARCH names the architecture (the build sets it for its tests); x64 if unset.
# shellcheck shell=sh
wine_server=/usr/lib/wine/wineserver64
case ${VSDISK_WINE_ARCH:-x64} in
    x64) wine_loader=/usr/lib/wine/wine64 wine_system='C:\windows\system32' ;;
    x86) wine_loader=/usr/lib/wine/wine wine_system='C:\windows\syswow64' ;;
    *) echo "wine-arch: VSDISK_WINE_ARCH must be x64 or x86, not \"$VSDISK_WINE_ARCH\"" >&2
       exit 125 ;;
esac
# A 64-bit process starting a 32-bit one (or the reverse) finds the other loader from this.
export WINELOADER=/usr/lib/wine/wine64

# The program to run: a Windows system program named without a path (cscript, regsvr32, reg,
# cmd, dllhost...) becomes the one of this architecture's system folder.
wine_program() {
    case $1 in
        */*|*\\*|*.exe|*.EXE) printf '%s' "$1" ;;
        *) printf '%s\\%s.exe' "$wine_system" "$1" ;;
    esac
}

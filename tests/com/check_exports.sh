#!/bin/sh
# The DLL exports exactly the five COM entry points, by their undecorated names (what COM and
# regsvr32 look up with GetProcAddress); on i686 the __stdcall symbols are DllGetClassObject@12
# and so on, and the .def file must not let that decoration into the export table.
# Usage: check_exports.sh OBJDUMP DLL
set -u
exports=$("$1" -p "$2" | sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/s/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*//p' | sort)
expected=$(printf '%s\n' DllCanUnloadNow DllGetClassObject DllInstall DllRegisterServer DllUnregisterServer)
echo "exports:" $exports
if [ "$exports" != "$expected" ]; then
    echo "expected exactly:" $expected
    exit 1
fi

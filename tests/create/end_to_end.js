// End to end from JScript: creates disks of 3 MB, 16 GB and 2,088,960 MB in FOLDER and
// waits for each; the harness (script_disks.sh) then reads them with vhdiinfo and qemu-img.
// Usage: cscript end_to_end.js FOLDER
var fso = new ActiveXObject("Scripting.FileSystemObject");
var passed = 0, failed = 0;

function check(ok, what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        WScript.Echo("FAIL: " + what);
    }
}

function hex(n) {
    return (n >>> 0).toString(16).toUpperCase();
}

function createDisk(vs, folder, name, size) {
    var path = folder + "\\" + name, t;
    try {
        t = vs.CreateDynamicVirtualHardDisk(path, size);
    } catch (e) {
        check(false, name + ": CreateDynamicVirtualHardDisk gave " + hex(e.number) + " " + e.description);
        return;
    }
    check(t.Description.indexOf(path) >= 0, name + ": Description \"" + t.Description + "\"");
    t.WaitForCompletion(-1);
    check(t.Result === 0, name + ": Result is " + t.Result);
    check(t.PercentCompleted === 100, name + ": PercentCompleted is " + t.PercentCompleted);
    check(t.IsComplete === true, name + ": IsComplete is " + t.IsComplete);
    check(t.IsCancelable === false, name + ": IsCancelable is " + t.IsCancelable);
    check(t.Error === 0, name + ": Error is " + hex(t.Error));
    check(t.ErrorDescription === "", name + ": ErrorDescription is \"" + t.ErrorDescription + "\"");
    check(fso.FileExists(path), name + ": no file");
}

if (WScript.Arguments.length < 1) {
    WScript.Echo("usage: end_to_end.js FOLDER");
    WScript.Quit(2);
}
var folder = WScript.Arguments(0);
var vs = new ActiveXObject("VirtualServer.Application");
createDisk(vs, folder, "d3.vhd", 3);
createDisk(vs, folder, "d16g.vhd", 16384);
createDisk(vs, folder, "dmax.vhd", 2088960);
WScript.Echo(passed + " passed, " + failed + " failed");
WScript.Quit(failed);

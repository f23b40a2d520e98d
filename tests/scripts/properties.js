// Creates the server by each ProgID through IDispatch and reads its properties.
// Ends with "N passed, M failed" and exits with the failure count.
var passed = 0, failed = 0;
function check(ok, what) {
    if (ok) { passed++; } else { failed++; WScript.Echo("FAIL: " + what); }
}

// Wine's ExpandEnvironmentStrings leaves a NUL at the end of the string.
var computer = new ActiveXObject("WScript.Shell").ExpandEnvironmentStrings("%COMPUTERNAME%").replace(/\0/g, "");
var progIds = ["VirtualServer.Application", "VsDisk.VirtualServer", "VsDisk.VirtualServer.1"];
for (var i = 0; i < progIds.length; i++) {
    var progId = progIds[i], vs = null;
    try {
        vs = new ActiveXObject(progId);
    } catch (e) {
        check(false, progId + ": new ActiveXObject threw " + e.message);
        continue;
    }
    check(vs.Name.length > 0 && vs.Name.toUpperCase() === computer.toUpperCase(), progId + ": Name = " + vs.Name + ", computer is " + computer);
    check(vs.Version === WScript.Arguments(0), progId + ": Version = " + vs.Version);
    check(typeof vs.UpTime === "number" && vs.UpTime >= 0 && vs.UpTime < 5, progId + ": UpTime = " + vs.UpTime);
    check(vs.Tasks.Count === 0, progId + ": a new server has no tasks");
    var threw = false;
    try { vs.CreateDynamicVirtualHardDisk("relative.vhd", 10); } catch (e) {
        threw = (e.number >>> 0) === 0x800700A1 && e.description.length > 0;
    }
    check(threw, progId + ": a relative path throws E_BAD_PATHNAME with a description");
}

WScript.Echo(passed + " passed, " + failed + " failed");
WScript.Quit(failed);

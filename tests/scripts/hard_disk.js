// GetHardDisk and IVMHardDisk from JScript. Arguments: the samples folder, then one
// "NAME:TYPE:SIZE:FILESIZE" per sample, as vhdiinfo and stat reported them.
// JScript cannot take the Decimals IVMHardDisk returns: reading SizeInGuest throws (Wine's
// JScript: E_NOTIMPL, 0x80004001). vsdisk's SizeInGuestBytes, SizeOnHostBytes and
// HostFreeDiskSpaceBytes give the same values as Numbers.
// Ends with "N passed, M failed" and exits with the failure count.
var passed = 0, failed = 0;
function check(ok, what) {
    if (ok) { passed++; } else { failed++; WScript.Echo("FAIL: " + what); }
}
function hresult(e) { return e.number >>> 0; }

var vs = new ActiveXObject("VirtualServer.Application");
var folder = WScript.Arguments(0), count = WScript.Arguments.length - 1;
for (var i = 1; i < WScript.Arguments.length; i++) {
    var parts = WScript.Arguments(i).split(":"), name = parts[0];
    var d = vs.GetHardDisk(folder + "\\" + name);
    check(d.File === folder + "\\" + name, name + ": File = " + d.File);
    check(d.Type === Number(parts[1]), name + ": Type = " + d.Type + ", vhdiinfo " + parts[1]);
    check(d.SizeInGuestBytes === Number(parts[2]), name + ": SizeInGuestBytes = " + d.SizeInGuestBytes + ", vhdiinfo " + parts[2]);
    check(d.SizeOnHostBytes === Number(parts[3]), name + ": SizeOnHostBytes = " + d.SizeOnHostBytes + ", file " + parts[3]);
    check(typeof d.HostFreeDiskSpaceBytes === "number" && d.HostFreeDiskSpaceBytes > 0, name + ": HostFreeDiskSpaceBytes");
    var decimal = "read";
    try { var s = d.SizeInGuest; decimal = typeof s + " " + s; } catch (e) { decimal = "threw 0x" + hresult(e).toString(16); }
    check(decimal === "threw 0x80004001" || decimal === "number " + parts[2], name + ": reading the Decimal SizeInGuest: " + decimal);
    if (d.Type === 2) {
        var found = null, error = 0, text = "";
        try { found = d.Parent; } catch (e) { error = hresult(e); text = e.description; }
        if (name === "win8-child.vhd")
            check(found !== null && found.File.toLowerCase() === (folder + "\\win8.vhd").toLowerCase(), name + ": Parent is win8.vhd (" + error.toString(16) + ")");
        else
            check(error === 0xA0040677 && text.indexOf("fat-parent.vhd") >= 0, name + ": Parent throws VM_E_PARENT_PATH_NOT_FOUND: " + error.toString(16) + " " + text);
    } else {
        check(d.Parent === null, name + ": a type " + d.Type + " disk has no Parent");
    }
}

function throws(f, want, what) {
    var got = 0, text = "";
    try { f(); } catch (e) { got = hresult(e); text = e.description; }
    check(got === want && text.length > 10, what + ": 0x" + got.toString(16) + " " + text);
}
throws(function () { vs.GetHardDisk("relative.vhd"); }, 0x800700A1, "a relative path: E_BAD_PATHNAME");
throws(function () { vs.GetHardDisk(folder + "\\missing.vhd"); }, 0x80070002, "a missing file: E_FILE_NOT_FOUND");
throws(function () { vs.GetHardDisk(folder + "\\README.md"); }, 0xA0040682, "a text file: VM_E_INVALID_HD_FILE");
throws(function () { vs.GetHardDisk(folder + "\\win8.vhd").Merge(); }, 0xA004067B, "Merge of a dynamic disk: VM_E_WRONG_HD_IMAGE_TYPE");
throws(function () { vs.GetHardDiskFiles(42); }, 0x80070057, "GetHardDiskFiles(42): E_INVALIDARG");

var files = new VBArray(vs.GetHardDiskFiles(folder)).toArray();
check(files.length === count, "GetHardDiskFiles found " + files.length + " disks, expected " + count);
for (var k = 0; k < files.length; k++)
    check(/\.vhd$/i.test(files[k]), "GetHardDiskFiles lists " + files[k]);

WScript.Echo(passed + " passed, " + failed + " failed");
WScript.Quit(failed);

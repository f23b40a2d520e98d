// Creates a dynamically expanding VHD through vsdisk (or Virtual Server 2005).
// Usage: cscript //nologo create-disk.js PATH SIZE_MB
//   PATH     full path of the new .vhd file, e.g. C:\VHDs\disk.vhd (missing folders are created)
//   SIZE_MB  size in megabytes (1 MB = 1,048,576 bytes), 3 to 2,088,960
// Exit code: 0 when the disk was created, 1 when it was not, 2 for a usage error.
function hex(n) {
    return "0x" + ("00000000" + (n >>> 0).toString(16).toUpperCase()).slice(-8);
}

function main(args) {
    if (args.length !== 2) {
        WScript.Echo("Usage: cscript //nologo create-disk.js PATH SIZE_MB");
        return 2;
    }
    var path = args(0), sizeMB = Number(args(1));
    if (isNaN(sizeMB) || Math.floor(sizeMB) !== sizeMB) {
        WScript.Echo("SIZE_MB must be a whole number of megabytes, not \"" + args(1) + "\"");
        return 2;
    }
    var vs, task;
    try {
        vs = new ActiveXObject("VirtualServer.Application");
    } catch (e) {
        WScript.Echo("Cannot create VirtualServer.Application (" + hex(e.number) + "): is vsdisk.dll registered?");
        return 1;
    }
    WScript.Echo("Server " + vs.Name + ", vsdisk " + vs.Version);
    try {
        task = vs.CreateDynamicVirtualHardDisk(path, sizeMB);
    } catch (e) {
        WScript.Echo("Error " + hex(e.number) + ": " + e.description);
        return 1;
    }
    WScript.Echo("Task " + task.ID + ": " + task.Description);
    var lastPercent = -1;
    for (;;) {
        var percent = task.PercentCompleted;
        if (percent !== lastPercent) {
            lastPercent = percent;
            WScript.Echo("Progress: " + percent + "%");
        }
        if (task.IsComplete) break;
        task.WaitForCompletion(250);
    }
    if (task.PercentCompleted !== lastPercent) WScript.Echo("Progress: " + task.PercentCompleted + "%");
    if (task.Result === 0) {
        WScript.Echo("Created " + path + " (" + sizeMB + " MB)");
        return 0;
    }
    WScript.Echo("Failed (result " + task.Result + ", error " + hex(task.Error) + "): " + task.ErrorDescription);
    return 1;
}

WScript.Quit(main(WScript.Arguments));

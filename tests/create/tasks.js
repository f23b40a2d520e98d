// IVMVirtualServer.Tasks from JScript: Count, Item, new Enumerator(vs.Tasks), and
// DISP_E_BADINDEX outside 1..Count. VSDISK_TEST_WRITE_DELAY_MS (200) keeps the tasks running.
// Usage: cscript tasks.js TMPBASE
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

function winPath(p) {
    return p.charAt(0) == "/" ? "Z:" + p.replace(/\//g, "\\") : p;
}

function hex(n) {
    return (n >>> 0).toString(16).toUpperCase();
}

function expectBadIndex(c, index) {
    var number = 0, description = "", t = null;
    try {
        t = c.Item(index);
    } catch (e) {
        number = e.number;
        description = e.description;
    }
    check(hex(number) == "8002000B", "Item(" + index + ") gave " + hex(number) + ", expected 8002000B");
    check(/task/i.test(description), "Item(" + index + "): description \"" + description + "\"");
    check(t === null, "Item(" + index + ") returned a task");
}

function run(work) {
    var vs = new ActiveXObject("VirtualServer.Application");
    var tasks = [], held = {}, seen = {}, count = 0, i, c, e, t;

    check(vs.Tasks.Count == 0, "a new server has " + vs.Tasks.Count + " tasks");
    tasks.push(vs.CreateDynamicVirtualHardDisk(work + "\\j1.vhd", 2088960));
    tasks.push(vs.CreateDynamicVirtualHardDisk(work + "\\j2.vhd", 2088960));
    tasks.push(vs.CreateDynamicVirtualHardDisk(work + "\\j3.vhd", 3));
    for (i = 0; i < tasks.length; i++)
        held[tasks[i].ID] = true;

    c = vs.Tasks;
    check(c.Count == 3, "Count is " + c.Count + ", expected 3");
    for (e = new Enumerator(c); !e.atEnd(); e.moveNext()) {
        t = e.item();
        count++;
        check(held[t.ID] === true, "the Enumerator gave task " + t.ID + ", which the script does not hold");
        check(seen[t.ID] !== true, "the Enumerator gave task " + t.ID + " twice");
        seen[t.ID] = true;
    }
    check(count == 3, "the Enumerator gave " + count + " tasks");
    for (i = 1; i <= c.Count; i++)
        check(held[c.Item(i).ID] === true, "Item(" + i + ") is task " + c.Item(i).ID);
    expectBadIndex(c, 0);
    expectBadIndex(c, c.Count + 1);

    for (i = 0; i < tasks.length; i++) {
        tasks[i].WaitForCompletion(-1);
        check(tasks[i].Result == 0, "task " + i + ": Result is " + tasks[i].Result);
        check(tasks[i].IsComplete, "task " + i + " is not complete");
        check(tasks[i].PercentCompleted == 100, "task " + i + ": PercentCompleted is " + tasks[i].PercentCompleted);
    }
    check(vs.Tasks.Count == 3, "finished but held: Count is " + vs.Tasks.Count);
}

if (WScript.Arguments.length < 1) {
    WScript.Echo("usage: tasks.js TMPBASE");
    WScript.Quit(2);
}
var base = winPath(WScript.Arguments(0));
if (!fso.FolderExists(base))
    fso.CreateFolder(base);
var work = base + "\\js-tasks-" + fso.GetBaseName(fso.GetTempName());
fso.CreateFolder(work);
run(work);
CollectGarbage();
fso.DeleteFolder(work, true);
try {
    if (fso.GetFolder(base).Files.Count == 0 && fso.GetFolder(base).SubFolders.Count == 0)
        fso.DeleteFolder(base);
} catch (e) {
}
WScript.Echo(passed + " passed, " + failed + " failed");
WScript.Quit(failed);

// IVsDiskHardDisk3 from JScript: MinimumSize as a Number, Check's array read with
// new VBArray(x).toArray(), Resize's task, and one code through the exception.
// Usage: cscript disk_life.js FOLDER (make_life_inputs.sh's disks).
var passed = 0, failed = 0;
function check(ok, what) {
    if (ok) { passed++; } else { failed++; WScript.Echo("FAIL: " + what); }
}
var vs = new ActiveXObject("VirtualServer.Application");
var folder = WScript.Arguments(0).replace(/^\//, "Z:\\").replace(/\//g, "\\");
var d = vs.GetHardDisk(folder + "\\gpt.vhd");
check(d.MinimumSize === 40 * 1048576, "MinimumSize " + d.MinimumSize);
var problems = new VBArray(vs.GetHardDisk(folder + "\\fixed.vhd").Check()).toArray();
var names = [];
for (var i = 0; i < problems.length; i++)
    names.push(problems[i].Name + "/" + problems[i].Kind);
check(names.join(" ").indexOf("geometry-too-large/corruption") >= 0, "Check of qemu's fixed disk: " + names.join(" "));
var t = d.Resize(48);
t.WaitForCompletion(-1);
check(t.Result === 0, "Resize: Result " + t.Result + " " + t.ErrorDescription);
check(d.SizeInGuestBytes === 48 * 1048576, "Resize: SizeInGuestBytes " + d.SizeInGuestBytes);
var code = 0;
try { d.Resize(39); } catch (e) { code = e.number >>> 0; }
check(code === 0xA0040684, "Resize below the minimum: 0x" + code.toString(16));
WScript.Echo(passed + " passed, " + failed + " failed");
WScript.Quit(failed);

' Convert, MergeTo, Merge and Compact from VBScript through IDispatch, with their codes.
' Usage: cscript operations.vbs FOLDER, where run_operations_script.sh put src.vhd (dynamic,
' with data and a block of zeros), fixed.vhd, win8.vhd and win8-child.vhd (a chain whose
' child holds data) and orphan\win8-child.vhd (no parent next to it).
' include: helpers.vbs
Option Explicit

Dim fso, vs, folder, d, t, f
Set fso = CreateObject("Scripting.FileSystemObject")
Set vs = CreateObject("VirtualServer.Application")
folder = WinPath(WScript.Arguments(0))

' Runs a started task to its end; it must succeed, reach 100 % and name the operation.
Sub ExpectDone(t, label, word)
    t.WaitForCompletion -1
    Check t.IsComplete, label & ": not complete"
    Check t.Result = 0, label & ": Result " & t.Result & " (" & Hex(t.Error) & " " & t.ErrorDescription & ")"
    Check t.PercentCompleted = 100, label & ": PercentCompleted " & t.PercentCompleted
    Check InStr(t.Description, word) > 0, label & ": Description """ & t.Description & """ does not say " & word
End Sub

' The call (a method name and its arguments, through CallByName-like dispatch) must raise code.
Sub Expect(number, description, code, label)
    Check Hex(number) = code, label & ": raised " & Hex(number) & " (" & description & "), expected " & code
    Check Len(description) > 10, label & ": Err.Description is empty"
End Sub

Dim n, desc

' ---- Convert ----
Set d = vs.GetHardDisk(folder & "\src.vhd")
Set t = d.Convert(folder & "\conv-fixed.vhd", 1)
ExpectDone t, "Convert to fixed", "Convert"
Check vs.GetHardDisk(folder & "\conv-fixed.vhd").Type = 1, "Convert: the new disk is fixed"
Check vs.GetHardDisk(folder & "\conv-fixed.vhd").SizeInGuest = d.SizeInGuest, "Convert: same SizeInGuest"
Set t = d.Convert(folder & "\conv-dynamic.vhd", 0)
ExpectDone t, "Convert to dynamic", "Convert"
Check vs.GetHardDisk(folder & "\conv-dynamic.vhd").Type = 0, "Convert: the new disk is dynamic"

On Error Resume Next
Set t = d.Convert("relative.vhd", 0)
Expect Err.Number, Err.Description, "800700A1", "Convert to a relative path (E_BAD_PATHNAME)"
Err.Clear
Set t = d.Convert(folder & "\NUL", 0)
Expect Err.Number, Err.Description, "8007007B", "Convert to a device name (E_INVALID_NAME)"
Err.Clear
Set t = d.Convert("Z:\" & String(33000, "a"), 0)
Expect Err.Number, Err.Description, "8007006F", "Convert to a too long path (E_BUFFER_OVERFLOW)"
Err.Clear
Set t = d.Convert(folder & "\x.vhd", 2)
Expect Err.Number, Err.Description, "A004067B", "Convert to a differencing disk (VM_E_WRONG_HD_IMAGE_TYPE)"
Err.Clear
Set t = d.Convert(folder & "\conv-fixed.vhd", 0)
Expect Err.Number, Err.Description, "800700B7", "Convert over an existing file (E_ALREADY_EXISTS)"
Err.Clear
Set t = d.Convert(folder & "\missing\x.vhd", 0)
Expect Err.Number, Err.Description, "80070003", "Convert into a missing folder (E_PATH_NOT_FOUND)"
Err.Clear
Set t = vs.GetHardDisk(folder & "\orphan\win8-child.vhd").Convert(folder & "\x.vhd", 0)
Expect Err.Number, Err.Description, "A0040677", "Convert of a child without parent (VM_E_PARENT_PATH_NOT_FOUND)"
Err.Clear
On Error GoTo 0
Check Not fso.FileExists(folder & "\x.vhd"), "a refused Convert wrote nothing"

' ---- MergeTo ----
Dim child
Set child = vs.GetHardDisk(folder & "\win8-child.vhd")
Set t = child.MergeTo(folder & "\flat.vhd", 0)
ExpectDone t, "MergeTo", "Merge"
Check vs.GetHardDisk(folder & "\flat.vhd").Type = 0, "MergeTo: the new disk is dynamic"
Check child.Type = 2, "MergeTo: the child is still differencing"
On Error Resume Next
Set t = child.MergeTo("", 0)
Expect Err.Number, Err.Description, "80070057", "MergeTo with an empty path (E_INVALIDARG)"
Err.Clear
Set t = child.MergeTo(folder & "\x.vhd", 4)
Expect Err.Number, Err.Description, "A004067B", "MergeTo to a host-drive type (VM_E_WRONG_HD_IMAGE_TYPE)"
Err.Clear
Set t = child.MergeTo(folder & "\flat.vhd", 1)
Expect Err.Number, Err.Description, "800700B7", "MergeTo over an existing file (E_ALREADY_EXISTS)"
Err.Clear
Set t = d.MergeTo(folder & "\x.vhd", 0)
Expect Err.Number, Err.Description, "A004067B", "MergeTo of a dynamic disk (VM_E_WRONG_HD_IMAGE_TYPE)"
Err.Clear
On Error GoTo 0

' ---- Merge ----
On Error Resume Next
Set t = d.Merge()
Expect Err.Number, Err.Description, "A004067B", "Merge of a dynamic disk (VM_E_WRONG_HD_IMAGE_TYPE)"
Err.Clear
Set t = vs.GetHardDisk(folder & "\orphan\win8-child.vhd").Merge()
Expect Err.Number, Err.Description, "A0040677", "Merge without the parent (VM_E_PARENT_PATH_NOT_FOUND)"
Err.Clear
Set f = fso.GetFile(folder & "\win8.vhd")
f.Attributes = 1
Set t = child.Merge()
Expect Err.Number, Err.Description, "A004067A", "Merge into a read-only parent (VM_E_FILE_READ_ONLY)"
Err.Clear
f.Attributes = 0
On Error GoTo 0
Dim before
before = vs.GetHardDisk(folder & "\win8.vhd").SizeOnHost
Set t = child.Merge()
ExpectDone t, "Merge", "Merge"
Check InStr(t.Description, "win8.vhd") > 0, "Merge: the Description names the parent"
Check vs.GetHardDisk(folder & "\win8.vhd").SizeOnHost > before, "Merge: the parent grew"
Check child.Type = 2, "Merge: the child is left as it was"

' ---- Compact ----
On Error Resume Next
Set t = vs.GetHardDisk(folder & "\fixed.vhd").Compact()
Expect Err.Number, Err.Description, "A004067B", "Compact of a fixed disk (VM_E_WRONG_HD_IMAGE_TYPE)"
Err.Clear
Set t = child.Compact()
Expect Err.Number, Err.Description, "A004067B", "Compact of a differencing disk (VM_E_WRONG_HD_IMAGE_TYPE)"
Err.Clear
On Error GoTo 0
before = d.SizeOnHost
Set t = d.Compact()
ExpectDone t, "Compact", "Compact"
Check d.SizeOnHost < before, "Compact: SizeOnHost " & CStr(d.SizeOnHost) & " not below " & CStr(before)
Check d.Type = 0, "Compact: still dynamic"

Finish

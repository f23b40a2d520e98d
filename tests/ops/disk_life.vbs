' IVsDiskHardDisk3 from VBScript through IDispatch: Resize (grow, a shrink refused below the
' partition table's end with the minimum in Err.Description, done at it), MinimumSize, Check
' (For Each over the array of problems), Repair (of a VHD, and of a VHDX's dirty log), a VHDX
' shrunk to its partition's end (refused below it), and the codes.
' Usage: cscript disk_life.vbs FOLDER, where make_life_inputs.sh put its disks.
' include: helpers.vbs
Option Explicit

Dim vs, folder, d, t, p, n, names, minimum
Set vs = CreateObject("VirtualServer.Application")
folder = WinPath(WScript.Arguments(0))

Sub ExpectDone(t, label)
    t.WaitForCompletion -1
    Check t.Result = 0, label & ": Result " & t.Result & " (" & Hex(t.Error) & " " & t.ErrorDescription & ")"
    Check t.PercentCompleted = 100, label & ": PercentCompleted " & t.PercentCompleted
End Sub

Sub Expect(number, description, code, word, label)
    Check Hex(number) = code, label & ": raised " & Hex(number) & " (" & description & "), expected " & code
    Check InStr(description, word) > 0, label & ": Err.Description """ & description & """ does not say " & word
End Sub

' ---- Resize ----
Set d = vs.GetHardDisk(folder & "\grow.vhd")
Set t = d.Resize(300)
ExpectDone t, "Resize to 300 MB"
Check InStr(t.Description, "Resize") > 0, "Resize: the Description says Resize: " & t.Description
Check d.SizeInGuestBytes = 300 * 1048576, "Resize: SizeInGuestBytes " & d.SizeInGuestBytes
Check CStr(d.SizeInGuest) = "314572800", "Resize: SizeInGuest " & CStr(d.SizeInGuest)

' ---- MinimumSize and a shrink ----
Set d = vs.GetHardDisk(folder & "\mbr.vhd")
minimum = d.MinimumSize
Check minimum = 31 * 1048576, "MinimumSize of the MBR disk: " & minimum
Check vs.GetHardDisk(folder & "\gpt.vhd").MinimumSize = 40 * 1048576, "MinimumSize of the GPT disk"
On Error Resume Next
Set t = d.Resize(30)
Expect Err.Number, Err.Description, "A0040684", "32505856", "Resize below the minimum (VM_E_IMAGE_SIZE_TOO_SMALL)"
Err.Clear
Set t = d.Resize(0)
Expect Err.Number, Err.Description, "80070057", "positive", "Resize to 0 MB (E_INVALIDARG)"
Err.Clear
Set t = d.Resize(2088961)
Expect Err.Number, Err.Description, "A0040683", "2040", "Resize past a VHD's ceiling (VM_E_IMAGE_SIZE_TOO_LARGE)"
Err.Clear
Set t = vs.GetHardDisk(folder & "\win8-child.vhd").Resize(100)
Expect Err.Number, Err.Description, "A004067B", "differencing", "Resize of a differencing disk (VM_E_WRONG_HD_IMAGE_TYPE)"
Err.Clear
On Error GoTo 0
Set t = d.Resize(31)
ExpectDone t, "Resize to the minimum"
Check d.SizeInGuestBytes = minimum, "Resize to the minimum: SizeInGuestBytes " & d.SizeInGuestBytes

' ---- Check ----
Set t = vs.CreateDynamicVirtualHardDisk(folder & "\clean.vhd", 20)
t.WaitForCompletion -1
n = 0
For Each p In vs.GetHardDisk(folder & "\clean.vhd").Check()
    n = n + 1
Next
Check n = 0, "Check of a new disk: " & n & " problems"
Check UBound(vs.GetHardDisk(folder & "\clean.vhd").Check()) = -1, "Check of a new disk: UBound -1"
' qemu's VHDs carry a geometry that addresses more than the disk.
n = 0
names = ""
For Each p In vs.GetHardDisk(folder & "\fixed.vhd").Check()
    n = n + 1
    names = names & p.Name & " "
    Check p.Kind = "corruption" Or p.Kind = "leak", "Check: Kind " & p.Kind
    Check LCase(p.File) = LCase(folder & "\fixed.vhd"), "Check: File " & p.File
    Check Len(p.Meaning) > 20, "Check: Meaning " & p.Meaning
    Check p.Offset >= -1 And p.Length >= 0, "Check: Offset " & p.Offset & ", Length " & p.Length
Next
Check InStr(names, "geometry-too-large") > 0, "Check of qemu's fixed disk: " & names

' ---- Repair ----
' How many times word is in the file's bytes (read as text: the footers' creator field).
Function CountIn(path, word)
    Dim fso, stream, text
    Set fso = CreateObject("Scripting.FileSystemObject")
    Set stream = fso.OpenTextFile(path, 1)
    text = stream.ReadAll
    stream.Close
    CountIn = (Len(text) - Len(Replace(text, word, ""))) / Len(word)
End Function
Check CountIn(folder & "\old.vhd", "vsdk") = 2, "old.vhd carries vsdisk 0.2's label twice: " & CountIn(folder & "\old.vhd", "vsdk")
Set d = vs.GetHardDisk(folder & "\old.vhd")
Set t = d.Repair()
ExpectDone t, "Repair of a disk labelled as vsdisk 0.2 labelled them"
Check InStr(t.Description, "Repair") > 0, "Repair: the Description says Repair: " & t.Description
Check UBound(d.Check()) = -1, "Check after Repair: clean"
Check CountIn(folder & "\old.vhd", "vsdk") = 0, "Repair: both footers relabelled: " & CountIn(folder & "\old.vhd", "vsdk")
' qemu's VHDX with a dirty log: Check lists the log, Repair replays it, then no corruption is
' left (the sample's unreferenced space, a leak, stays).
Set d = vs.GetHardDisk(folder & "\dirtylog.vhdx")
names = ""
For Each p In d.Check()
    names = names & p.Name & " "
Next
Check InStr(names, "log-not-replayed") > 0, "Check of a VHDX with a dirty log: " & names
Set t = d.Repair()
ExpectDone t, "Repair of a VHDX with a dirty log"
names = ""
For Each p In d.Check()
    If p.Kind <> "leak" Then names = names & p.Name & " "
Next
Check names = "", "Check after the VHDX's Repair: no corruption left: " & names

' ---- A VHDX shrunk to its MBR partition's end ----
Set d = vs.GetHardDisk(folder & "\mbr.vhdx")
Check d.MinimumSize = 31 * 1048576, "MinimumSize of the MBR VHDX: " & d.MinimumSize
On Error Resume Next
Set t = d.Resize(30)
Expect Err.Number, Err.Description, "A0040684", "32505856", "Resize of a VHDX below the minimum (VM_E_IMAGE_SIZE_TOO_SMALL)"
Err.Clear
On Error GoTo 0
Set t = d.Resize(31)
ExpectDone t, "Resize of a VHDX to the minimum"
Check d.SizeInGuestBytes = 31 * 1048576, "Resize of a VHDX to the minimum: SizeInGuestBytes " & d.SizeInGuestBytes

Finish

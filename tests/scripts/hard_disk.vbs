' GetHardDisk and IVMHardDisk from VBScript. Arguments: the samples folder, then one
' "NAME:TYPE:SIZE:FILESIZE" per sample, as vhdiinfo and stat reported them.
' Ends with "N passed, M failed" and exits with the failure count.
' include: helpers.vbs
Option Explicit
Dim vs, folder, i, spec, parts, d, p, files, f, count
Set vs = CreateObject("VirtualServer.Application")
folder = WScript.Arguments(0)
For i = 1 To WScript.Arguments.Count - 1
    spec = WScript.Arguments(i)
    parts = Split(spec, ":")
    Set d = vs.GetHardDisk(folder & "\" & parts(0))
    Check d.File = folder & "\" & parts(0), parts(0) & ": File = " & d.File
    Check d.Type = CLng(parts(1)), parts(0) & ": Type = " & d.Type & ", vhdiinfo " & parts(1)
    Check VarType(d.SizeInGuest) = 14, parts(0) & ": SizeInGuest is a Decimal (VarType " & VarType(d.SizeInGuest) & ")"
    Check CStr(d.SizeInGuest) = parts(2), parts(0) & ": SizeInGuest = " & CStr(d.SizeInGuest) & ", vhdiinfo " & parts(2)
    Check CStr(d.SizeOnHost) = parts(3), parts(0) & ": SizeOnHost = " & CStr(d.SizeOnHost) & ", file " & parts(3)
    Check d.SizeInGuest / 1048576 > 3, parts(0) & ": a Decimal takes arithmetic"
    Check d.HostFreeDiskSpace > 0, parts(0) & ": HostFreeDiskSpace = " & CStr(d.HostFreeDiskSpace)
    If d.Type = 2 Then
        On Error Resume Next
        Set p = d.Parent
        If parts(0) = "win8-child.vhd" Then
            Check Err.Number = 0 And LCase(p.File) = LCase(folder & "\win8.vhd"), parts(0) & ": Parent is win8.vhd (" & Hex(Err.Number) & ")"
        Else
            Check Err.Number = &HA0040677 And InStr(Err.Description, "fat-parent.vhd") > 0, parts(0) & ": Parent raises VM_E_PARENT_PATH_NOT_FOUND, got " & Hex(Err.Number) & " " & Err.Description
        End If
        Err.Clear
        On Error GoTo 0
    Else
        Check d.Parent Is Nothing, parts(0) & ": a " & d.Type & " disk has no Parent"
    End If
Next

On Error Resume Next
Set d = vs.GetHardDisk("relative.vhd")
Check Err.Number = &H800700A1, "a relative path raises E_BAD_PATHNAME, got " & Hex(Err.Number)
Err.Clear
Set d = vs.GetHardDisk(folder & "\missing.vhd")
Check Err.Number = &H80070002 And Len(Err.Description) > 10, "a missing file raises E_FILE_NOT_FOUND, got " & Hex(Err.Number) & " " & Err.Description
Err.Clear
Set d = vs.GetHardDisk(folder & "\README.md")
Check Err.Number = &HA0040682 And InStr(Err.Description, "not a valid virtual hard disk") > 0, "a text file raises VM_E_INVALID_HD_FILE, got " & Hex(Err.Number) & " " & Err.Description
Err.Clear
Set d = vs.GetHardDisk(folder & "\win8.vhd")
Dim t
Set t = d.Merge()
Check Err.Number = &HA004067B And InStr(Err.Description, "differencing") > 0, "Merge of a dynamic disk raises VM_E_WRONG_HD_IMAGE_TYPE, got " & Hex(Err.Number)
Err.Clear
On Error GoTo 0

files = vs.GetHardDiskFiles(folder)
count = 0
For Each f In files
    count = count + 1
    Check LCase(Right(f, 4)) = ".vhd", "GetHardDiskFiles lists " & f
Next
Check count = WScript.Arguments.Count - 1 And UBound(files) = count - 1, "GetHardDiskFiles found " & count & " disks"
On Error Resume Next
files = vs.GetHardDiskFiles(42)
Check Err.Number = &H80070057, "GetHardDiskFiles(42) raises E_INVALIDARG, got " & Hex(Err.Number)
On Error GoTo 0

Finish

' E_DISK_FULL from VBScript, on a real volume with less than 8 MB free (the harness mounts
' a 6 MiB tmpfs at FOLDER).
' Usage: cscript disk_full.vbs FOLDER
' include: helpers.vbs
Option Explicit

Dim fso, vs, folder
Set fso = CreateObject("Scripting.FileSystemObject")

Sub ExpectDiskFull(label, path, size, absent)
    Dim t, number, description
    On Error Resume Next
    Set t = vs.CreateDynamicVirtualHardDisk(path, size)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = "80070070", label & ": Err.Number is " & Hex(number) & ", expected 80070070"
    Check InStr(1, description, "8 MB", vbTextCompare) > 0, label & ": Err.Description """ & description & """"
    Check IsEmpty(t), label & ": a task came back"
    Check Not fso.FileExists(absent) And Not fso.FolderExists(absent), label & ": left " & absent
End Sub

If WScript.Arguments.Count < 1 Then
    WScript.Echo "usage: disk_full.vbs FOLDER"
    WScript.Quit 2
End If
folder = WinPath(WScript.Arguments(0))
Set vs = CreateObject("VirtualServer.Application")
ExpectDiskFull "3 MB", folder & "\a.vhd", 3, folder & "\a.vhd"
ExpectDiskFull "largest, in new folders", folder & "\sub\deeper\a.vhd", 2088960, folder & "\sub"
Check fso.GetFolder(folder).Files.Count = 0 And fso.GetFolder(folder).SubFolders.Count = 0, _
    "the volume is not empty"
Set vs = Nothing
Finish

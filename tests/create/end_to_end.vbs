' End to end from VBScript: creates disks of 3 MB, 16 GB and 2,088,960 MB in FOLDER and
' waits for each; the harness (script_disks.sh) then reads them with vhdiinfo and qemu-img.
' Usage: cscript end_to_end.vbs FOLDER
' include: helpers.vbs
Option Explicit

Dim fso, vs, folder, disks, names, i
Set fso = CreateObject("Scripting.FileSystemObject")

Sub CreateDisk(name, size)
    Dim t, path, number
    path = folder & "\" & name
    On Error Resume Next
    Set t = vs.CreateDynamicVirtualHardDisk(path, size)
    number = Err.Number
    On Error GoTo 0
    Check number = 0, name & ": CreateDynamicVirtualHardDisk gave " & Hex(number)
    If number <> 0 Then Exit Sub
    Check InStr(t.Description, path) > 0, name & ": Description """ & t.Description & """"
    t.WaitForCompletion -1
    Check t.Result = 0, name & ": Result is " & t.Result
    Check t.PercentCompleted = 100, name & ": PercentCompleted is " & t.PercentCompleted
    Check t.IsComplete, name & ": IsComplete is " & t.IsComplete
    Check t.IsComplete = True, name & ": IsComplete is not True"
    Check t.Error = 0, name & ": Error is " & Hex(t.Error)
    Check t.ErrorDescription = "", name & ": ErrorDescription is """ & t.ErrorDescription & """"
    Check fso.FileExists(path), name & ": no file"
End Sub

If WScript.Arguments.Count < 1 Then
    WScript.Echo "usage: end_to_end.vbs FOLDER"
    WScript.Quit 2
End If
folder = WScript.Arguments(0)
Set vs = CreateObject("VirtualServer.Application")
names = Array("d3.vhd", "d16g.vhd", "dmax.vhd")
disks = Array(3, 16384, 2088960)
For i = 0 To UBound(names)
    CreateDisk names(i), disks(i)
Next
Set vs = Nothing
Finish

' One of two script hosts of different bitness creating disks at the same time in one prefix
' (tests/cross/run_concurrent.sh starts both). Creates COUNT disks of 3 MB, 16 GB and
' 2,088,960 MB in turn in FOLDER, waits for each, and prints when it started and ended
' (Timer, seconds) so that the harness can check the two runs overlapped.
' Usage: cscript create_many.vbs FOLDER COUNT
' include: helpers.vbs
Option Explicit

Dim fso, vs, folder, count, sizes, i, t, path, number, started
If WScript.Arguments.Count < 2 Then
    WScript.Echo "usage: create_many.vbs FOLDER COUNT"
    WScript.Quit 2
End If
Set fso = CreateObject("Scripting.FileSystemObject")
folder = WinPath(WScript.Arguments(0))
count = CInt(WScript.Arguments(1))
sizes = Array(3, 16384, 2088960)
started = Timer
WScript.Echo "started " & started
Set vs = CreateObject("VirtualServer.Application")
For i = 1 To count
    path = folder & "\disk" & i & ".vhd"
    On Error Resume Next
    Set t = vs.CreateDynamicVirtualHardDisk(path, sizes(i Mod 3))
    number = Err.Number
    On Error GoTo 0
    Check number = 0, path & ": CreateDynamicVirtualHardDisk gave " & Hex(number)
    If number = 0 Then
        t.WaitForCompletion -1
        Check t.Result = 0, path & ": Result is " & t.Result
        Check fso.FileExists(path), path & ": no file"
    End If
Next
WScript.Echo "ended " & Timer
Set vs = Nothing
Finish

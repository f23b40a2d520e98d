' IVMTask's members from VBScript. VSDISK_TEST_WRITE_DELAY_MS (150) is set, so a creation of
' the largest disk (five writes) takes about 0.75 s.
' Usage: cscript task.vbs TMPBASE
' include: helpers.vbs
Option Explicit

Dim fso, vs, work, base
Set fso = CreateObject("Scripting.FileSystemObject")

Sub ExpectBadTimeout(t, timeout)
    Dim number, description
    On Error Resume Next
    t.WaitForCompletion timeout
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = "80004003", "WaitForCompletion " & timeout & " gave " & Hex(number) & ", expected 80004003"
    Check InStr(description, "4,000,000") > 0, "WaitForCompletion " & timeout & ": Err.Description """ & description & """"
End Sub

Sub Members()
    Dim t, path, last, percent, started, intermediate, lastId, i, t2
    path = work & "\members.vhd"
    Set t = vs.CreateDynamicVirtualHardDisk(path, 2088960)
    Check InStr(t.Description, path) > 0, "Description """ & t.Description & """ does not name the file"
    Check t.ID > 0, "ID is " & t.ID
    Check Not t.IsComplete, "complete at once"
    Check t.IsCancelable, "not cancelable while running"
    Check t.Error = 0, "Error is " & Hex(t.Error) & " while running"

    started = Timer
    t.WaitForCompletion 0
    Check Timer - started < 0.3, "WaitForCompletion 0 took " & (Timer - started) & " s"
    Check Not t.IsComplete, "complete after WaitForCompletion 0"
    ExpectBadTimeout t, -2
    ExpectBadTimeout t, 4000001
    ExpectBadTimeout t, CLng(-2147483647) - 1
    ExpectBadTimeout t, 2147483647

    last = -1
    intermediate = 0
    Do While Not t.IsComplete
        percent = t.PercentCompleted
        Check percent >= last, "PercentCompleted went from " & last & " to " & percent
        If percent > 0 And percent < 100 And percent <> last Then intermediate = intermediate + 1
        last = percent
        t.WaitForCompletion 10      ' sleeps a little (WScript.Sleep is a stub in Wine's cscript)
    Loop
    Check intermediate >= 2, "only " & intermediate & " intermediate PercentCompleted values seen"
    t.WaitForCompletion 4000000
    Check t.PercentCompleted = 100, "PercentCompleted is " & t.PercentCompleted & " at the end"
    Check t.Result = 0, "Result is " & t.Result
    Check Not t.IsCancelable, "cancelable once complete"
    Check t.Error = 0, "Error is " & Hex(t.Error)
    Check t.ErrorDescription = "", "ErrorDescription is """ & t.ErrorDescription & """"

    ' IDs increase from one task to the next
    lastId = t.ID
    For i = 1 To 3
        Set t2 = vs.CreateDynamicVirtualHardDisk(work & "\id" & i & ".vhd", 3)
        Check t2.ID > lastId, "ID " & t2.ID & " after " & lastId
        lastId = t2.ID
        t2.WaitForCompletion -1
        Check t2.Result = 0, "Result of id" & i & " is " & t2.Result
    Next
End Sub

If WScript.Arguments.Count < 1 Then
    WScript.Echo "usage: task.vbs TMPBASE"
    WScript.Quit 2
End If
base = WinPath(WScript.Arguments(0))
If Not fso.FolderExists(base) Then fso.CreateFolder base
work = base & "\vbs-task-" & fso.GetBaseName(fso.GetTempName())
fso.CreateFolder work

Set vs = CreateObject("VirtualServer.Application")
Members
Set vs = Nothing

fso.DeleteFolder work, True
On Error Resume Next
If fso.GetFolder(base).Files.Count = 0 And fso.GetFolder(base).SubFolders.Count = 0 Then fso.DeleteFolder base
On Error GoTo 0
Finish

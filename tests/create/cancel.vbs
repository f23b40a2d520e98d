' Cancel from VBScript. VSDISK_TEST_WRITE_DELAY_MS (300) is set, so a creation of the
' largest disk (five writes) surely runs when it is cancelled.
' Usage: cscript cancel.vbs TMPBASE
' include: helpers.vbs
Option Explicit

Dim fso, vs, work, base
Set fso = CreateObject("Scripting.FileSystemObject")

' Cancel must fail with E_FAIL and say why.
Sub ExpectCancelFails(t, label)
    Dim number, description
    On Error Resume Next
    t.Cancel
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = "80004005", label & ": Cancel gave " & Hex(number) & ", expected 80004005 (E_FAIL)"
    Check Len(description) > 0, label & ": Cancel's Err.Description is empty"
End Sub

Sub CancelRunning(label, pause)
    Dim t, folder, path, number, started
    folder = work & "\" & label
    path = folder & "\sub\x.vhd"
    Set t = vs.CreateDynamicVirtualHardDisk(path, 2088960)
    ' A bounded wait on the task sleeps (WScript.Sleep is a stub in Wine's cscript).
    If pause > 0 Then t.WaitForCompletion pause
    Check Not t.IsComplete, label & ": complete before Cancel"
    Check t.IsCancelable, label & ": not cancelable while running"
    Check fso.FileExists(path), label & ": no file while running"
    started = Timer
    On Error Resume Next
    t.Cancel
    number = Err.Number
    On Error GoTo 0
    Check number = 0, label & ": Cancel gave " & Hex(number)
    Check Timer - started < 2, label & ": Cancel took " & (Timer - started) & " s"
    Check t.Result = 1, label & ": Result is " & t.Result & ", expected 1 (cancelled)"
    Check t.IsComplete, label & ": not complete after Cancel"
    Check Not t.IsCancelable, label & ": still cancelable after Cancel"
    Check Hex(t.Error) = "800704C7", label & ": Error is " & Hex(t.Error) & ", expected 800704C7"
    Check InStr(1, t.ErrorDescription, "cancel", vbTextCompare) > 0, _
        label & ": ErrorDescription """ & t.ErrorDescription & """ does not say cancelled"
    Check t.PercentCompleted < 100, label & ": PercentCompleted is " & t.PercentCompleted
    Check Not fso.FileExists(path), label & ": the file is still there"
    Check Not fso.FolderExists(folder), label & ": the folder the creation made is still there"
    ExpectCancelFails t, label & ", again"
    Check t.Result = 1, label & ": Result changed to " & t.Result
End Sub

Sub CancelFinished()
    Dim t, path
    path = work & "\done.vhd"
    Set t = vs.CreateDynamicVirtualHardDisk(path, 3)
    t.WaitForCompletion -1
    Check t.Result = 0, "finished: Result is " & t.Result
    Check Not t.IsCancelable, "finished: still cancelable"
    ExpectCancelFails t, "finished"
    Check t.Result = 0, "finished: Result changed to " & t.Result
    Check fso.FileExists(path), "finished: Cancel removed the finished disk"
End Sub

If WScript.Arguments.Count < 1 Then
    WScript.Echo "usage: cancel.vbs TMPBASE"
    WScript.Quit 2
End If
base = WinPath(WScript.Arguments(0))
If Not fso.FolderExists(base) Then fso.CreateFolder base
work = base & "\vbs-cancel-" & fso.GetBaseName(fso.GetTempName())
fso.CreateFolder work

Set vs = CreateObject("VirtualServer.Application")
CancelRunning "at-once", 0
CancelRunning "after-two-writes", 700
CancelFinished
Set vs = Nothing

fso.DeleteFolder work, True
On Error Resume Next
If fso.GetFolder(base).Files.Count = 0 And fso.GetFolder(base).SubFolders.Count = 0 Then fso.DeleteFolder base
On Error GoTo 0
Finish

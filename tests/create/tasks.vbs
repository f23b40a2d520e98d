' IVMVirtualServer.Tasks from VBScript: Count, Item (1-based; the default member), For Each,
' DISP_E_BADINDEX outside 1..Count. VSDISK_TEST_WRITE_DELAY_MS (200) keeps the tasks running.
' Usage: cscript tasks.vbs TMPBASE
' include: helpers.vbs
Option Explicit

Dim fso, vs, work, base
Set fso = CreateObject("Scripting.FileSystemObject")

Sub ExpectBadIndex(c, index)
    Dim t, number, description
    On Error Resume Next
    Set t = c.Item(index)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = "8002000B", "Item(" & index & ") gave " & Hex(number) & ", expected 8002000B"
    Check InStr(1, description, "task", vbTextCompare) > 0, "Item(" & index & "): Err.Description """ & description & """"
    Check IsEmpty(t), "Item(" & index & ") returned a task"
End Sub

'The number of listed tasks once it is expected; the worker drops its own reference to a
' task just after the task completes, so a released task may stay listed for a moment.
Function CountSoon(expected)
    Dim started
    started = Timer
    Do
        CountSoon = vs.Tasks.Count
        If CountSoon = expected Or Abs(Timer - started) > 2 Then Exit Function
    Loop
End Function

' "," & id & "," for each task, sorted by nothing: compared as sets.
Function HasId(list, id)
    HasId = InStr(list, "," & id & ",") > 0
End Function

Sub Collection()
    Dim t1, t2, t3, held, c, t, seen, count, i, other, otherTask
    Set c = vs.Tasks
    Check c.Count = 0, "a new server has " & c.Count & " tasks"
    ExpectBadIndex c, 1

    Set t1 = vs.CreateDynamicVirtualHardDisk(work & "\t1.vhd", 2088960)
    Set t2 = vs.CreateDynamicVirtualHardDisk(work & "\t2.vhd", 2088960)
    Set t3 = vs.CreateDynamicVirtualHardDisk(work & "\t3.vhd", 16384)
    Set other = CreateObject("VirtualServer.Application")
    Set otherTask = other.CreateDynamicVirtualHardDisk(work & "\other.vhd", 3)
    held = "," & t1.ID & "," & t2.ID & "," & t3.ID & ","

    Set c = vs.Tasks
    Check c.Count = 3, "Count is " & c.Count & ", expected 3"
    seen = ","
    count = 0
    For Each t In c
        count = count + 1
        Check HasId(held, t.ID), "For Each gave task " & t.ID & ", which the script does not hold"
        Check Not HasId(seen, t.ID), "For Each gave task " & t.ID & " twice"
        seen = seen & t.ID & ","
    Next
    Check count = 3, "For Each gave " & count & " tasks"
    For i = 1 To c.Count
        Check HasId(held, c.Item(i).ID), "Item(" & i & ") is task " & c.Item(i).ID
        Check c(i).ID = c.Item(i).ID, "c(" & i & ") is not Item(" & i & ")"
    Next
    ExpectBadIndex c, 0
    ExpectBadIndex c, c.Count + 1
    ExpectBadIndex c, -1
    Check other.Tasks.Count = 1, "the other server lists " & other.Tasks.Count & " tasks"
    Check other.Tasks(1).ID = otherTask.ID, "the other server lists the wrong task"

    t1.WaitForCompletion -1
    t2.WaitForCompletion -1
    t3.WaitForCompletion -1
    otherTask.WaitForCompletion -1
    Check vs.Tasks.Count = 3, "finished but held: Count is " & vs.Tasks.Count
    Set c = Nothing
    Set t = Nothing
    Set t1 = Nothing
    count = CountSoon(2)
    Check count = 2, "one released: Count is " & count
    Set t2 = Nothing
    Set t3 = Nothing
    count = CountSoon(0)
    Check count = 0, "all released: Count is " & count
    count = 0
    For Each t In vs.Tasks
        count = count + 1
    Next
    Check count = 0, "For Each over no tasks gave " & count
End Sub

If WScript.Arguments.Count < 1 Then
    WScript.Echo "usage: tasks.vbs TMPBASE"
    WScript.Quit 2
End If
base = WinPath(WScript.Arguments(0))
If Not fso.FolderExists(base) Then fso.CreateFolder base
work = base & "\vbs-tasks-" & fso.GetBaseName(fso.GetTempName())
fso.CreateFolder work

Set vs = CreateObject("VirtualServer.Application")
Collection
Set vs = Nothing

fso.DeleteFolder work, True
On Error Resume Next
If fso.GetFolder(base).Files.Count = 0 And fso.GetFolder(base).SubFolders.Count = 0 Then fso.DeleteFolder base
On Error GoTo 0
Finish

' What a killed creation leaves, seen from VBScript: creating the disk again fails with
' E_ALREADY_EXISTS, and Err.Description says it is an unfinished disk to delete; after
' deleting it (as the description says), the same creation works.
' Usage: cscript leftover.vbs PATH...   (Windows paths of leftovers; they are deleted)
' include: helpers.vbs
Option Explicit
Const UNFINISHED = "unfinished disk left by an interrupted creation; delete it and try again"
Dim vs, fso, task, path, i, number, description

Set vs = CreateObject("VirtualServer.Application")
Set fso = CreateObject("Scripting.FileSystemObject")
For i = 0 To WScript.Arguments.Count - 1
    path = WScript.Arguments(i)
    Check fso.FileExists(path), path & " is there before the test"
    On Error Resume Next
    Set task = vs.CreateDynamicVirtualHardDisk(path, 3)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    WScript.Echo path & ": 0x" & Hex(number) & " " & description
    Check number = &H800700B7, path & ": Err.Number is 0x" & Hex(number) & ", expected 0x800700B7"
    Check InStr(description, UNFINISHED) > 0, path & ": Err.Description lacks """ & UNFINISHED & """"
    fso.DeleteFile path
    Set task = vs.CreateDynamicVirtualHardDisk(path, 3)
    task.WaitForCompletion -1
    Check task.Result = 0, path & ": the creation after deleting the leftover gives Result " & task.Result
    Check fso.GetFile(path).Size > 0, path & ": the new disk is there"
    Set task = Nothing
    fso.DeleteFile path
Next
Check WScript.Arguments.Count > 0, "leftovers were given"
Finish

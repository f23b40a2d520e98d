' Merges a differencing disk into its parent (IVMHardDisk.Merge): the parent then holds what
' the child held, and the child is left as it was. With NEW_PATH, merges the child and its
' parents into a new disk instead (IVMHardDisk.MergeTo) and changes neither.
' Usage: cscript //nologo merge-disk.vbs CHILD [NEW_PATH dynamic|fixed]
' Exit code: 0 when merged, 1 when not, 2 for a usage error.
Option Explicit

Dim args, vs, disk, task, newType
Set args = WScript.Arguments
If args.Count <> 1 And args.Count <> 3 Then
    WScript.Echo "Usage: cscript //nologo merge-disk.vbs CHILD [NEW_PATH dynamic|fixed]"
    WScript.Quit 2
End If
If args.Count = 3 Then
    Select Case LCase(args(2))
        Case "dynamic": newType = 0
        Case "fixed": newType = 1
        Case Else
            WScript.Echo "The new type must be dynamic or fixed, not """ & args(2) & """"
            WScript.Quit 2
    End Select
End If

On Error Resume Next
Set vs = CreateObject("VirtualServer.Application")
If Err.Number <> 0 Then
    WScript.Echo "Cannot create VirtualServer.Application (0x" & Hex(Err.Number) & "): is vsdisk.dll registered?"
    WScript.Quit 1
End If
Set disk = vs.GetHardDisk(args(0))
If Err.Number = 0 Then
    If args.Count = 3 Then
        Set task = disk.MergeTo(args(1), newType)
    Else
        Set task = disk.Merge()      ' only a differencing disk has a parent to merge into
    End If
End If
If Err.Number <> 0 Then
    WScript.Echo "Error 0x" & Hex(Err.Number) & ": " & Err.Description
    WScript.Quit 1
End If
On Error GoTo 0

WScript.Echo "Task " & task.ID & ": " & task.Description
task.WaitForCompletion -1
If task.Result = 0 Then
    WScript.Echo "Merged"
    WScript.Quit 0
End If
WScript.Echo "Failed (result " & task.Result & ", error 0x" & Hex(task.Error) & "): " & task.ErrorDescription
WScript.Quit 1

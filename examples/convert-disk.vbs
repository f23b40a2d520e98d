' Converts a virtual hard disk into a new one of another type (IVMHardDisk.Convert): a dynamic
' disk into a fixed one or back, or a differencing disk with its parents into one disk. The
' source is left as it is.
' Usage: cscript //nologo convert-disk.vbs SOURCE NEW_PATH dynamic|fixed
' Exit code: 0 when the new disk was made, 1 when it was not, 2 for a usage error.
Option Explicit

If WScript.Arguments.Count <> 3 Then
    WScript.Echo "Usage: cscript //nologo convert-disk.vbs SOURCE NEW_PATH dynamic|fixed"
    WScript.Quit 2
End If

Dim vs, disk, task, newType
Select Case LCase(WScript.Arguments(2))
    Case "dynamic": newType = 0      ' vmDiskType_Dynamic
    Case "fixed": newType = 1        ' vmDiskType_FixedSize
    Case Else
        WScript.Echo "The new type must be dynamic or fixed, not """ & WScript.Arguments(2) & """"
        WScript.Quit 2
End Select

On Error Resume Next
Set vs = CreateObject("VirtualServer.Application")
If Err.Number <> 0 Then
    WScript.Echo "Cannot create VirtualServer.Application (0x" & Hex(Err.Number) & "): is vsdisk.dll registered?"
    WScript.Quit 1
End If
Set disk = vs.GetHardDisk(WScript.Arguments(0))
If Err.Number = 0 Then Set task = disk.Convert(WScript.Arguments(1), newType)
If Err.Number <> 0 Then
    WScript.Echo "Error 0x" & Hex(Err.Number) & ": " & Err.Description
    WScript.Quit 1
End If
On Error GoTo 0

' The task runs off this thread; wait for it (-1: as long as it takes).
WScript.Echo "Task " & task.ID & ": " & task.Description
task.WaitForCompletion -1
If task.Result = 0 Then
    WScript.Echo "Converted into " & WScript.Arguments(1)
    WScript.Quit 0
End If
WScript.Echo "Failed (result " & task.Result & ", error 0x" & Hex(task.Error) & "): " & task.ErrorDescription
WScript.Quit 1

' Compacts a dynamic disk (IVMHardDisk.Compact): blocks that hold only zeros leave the file,
' which gets smaller; what the guest reads stays the same. Stop the virtual machine that uses
' the disk first.
' Usage: cscript //nologo compact-disk.vbs PATH
' Exit code: 0 when compacted, 1 when not, 2 for a usage error.
Option Explicit

If WScript.Arguments.Count <> 1 Then
    WScript.Echo "Usage: cscript //nologo compact-disk.vbs PATH"
    WScript.Quit 2
End If

Dim vs, disk, task, before
On Error Resume Next
Set vs = CreateObject("VirtualServer.Application")
If Err.Number <> 0 Then
    WScript.Echo "Cannot create VirtualServer.Application (0x" & Hex(Err.Number) & "): is vsdisk.dll registered?"
    WScript.Quit 1
End If
Set disk = vs.GetHardDisk(WScript.Arguments(0))
If Err.Number = 0 Then
    before = disk.SizeOnHost
    Set task = disk.Compact()        ' a fixed or differencing disk gets an error here
End If
If Err.Number <> 0 Then
    WScript.Echo "Error 0x" & Hex(Err.Number) & ": " & Err.Description
    WScript.Quit 1
End If
On Error GoTo 0

WScript.Echo "Task " & task.ID & ": " & task.Description
task.WaitForCompletion -1
If task.Result <> 0 Then
    WScript.Echo "Failed (result " & task.Result & ", error 0x" & Hex(task.Error) & "): " & task.ErrorDescription
    WScript.Quit 1
End If
' A fresh GetHardDisk reads the file as it is now.
WScript.Echo "Compacted: " & CStr(before) & " bytes before, " & CStr(vs.GetHardDisk(WScript.Arguments(0)).SizeOnHost) & " bytes after"
WScript.Quit 0

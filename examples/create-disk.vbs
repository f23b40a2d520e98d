' Creates a dynamically expanding VHD through vsdisk (or Virtual Server 2005).
' Usage: cscript //nologo create-disk.vbs PATH SIZE_MB
'   PATH     full path of the new .vhd file, e.g. C:\VHDs\disk.vhd (missing folders are created)
'   SIZE_MB  size in megabytes (1 MB = 1,048,576 bytes), 3 to 2,088,960
' Exit code: 0 when the disk was created, 1 when it was not, 2 for a usage error.
Option Explicit

If WScript.Arguments.Count <> 2 Then
    WScript.Echo "Usage: cscript //nologo create-disk.vbs PATH SIZE_MB"
    WScript.Quit 2
End If

Dim path, sizeMB, vs, task, lastPercent
path = WScript.Arguments(0)
If Not IsNumeric(WScript.Arguments(1)) Then
    WScript.Echo "SIZE_MB must be a number of megabytes, not """ & WScript.Arguments(1) & """"
    WScript.Quit 2
End If
sizeMB = CLng(WScript.Arguments(1))

On Error Resume Next
Set vs = CreateObject("VirtualServer.Application")
If Err.Number <> 0 Then
    WScript.Echo "Cannot create VirtualServer.Application (0x" & Hex(Err.Number) & "): is vsdisk.dll registered?"
    WScript.Quit 1
End If
WScript.Echo "Server " & vs.Name & ", vsdisk " & vs.Version

Set task = vs.CreateDynamicVirtualHardDisk(path, sizeMB)
If Err.Number <> 0 Then
    WScript.Echo "Error 0x" & Hex(Err.Number) & ": " & Err.Description
    WScript.Quit 1
End If
On Error GoTo 0

WScript.Echo "Task " & task.ID & ": " & task.Description
lastPercent = -1
Do
    If task.PercentCompleted <> lastPercent Then
        lastPercent = task.PercentCompleted
        WScript.Echo "Progress: " & lastPercent & "%"
    End If
    If task.IsComplete Then Exit Do
    task.WaitForCompletion 250
Loop
If task.PercentCompleted <> lastPercent Then WScript.Echo "Progress: " & task.PercentCompleted & "%"

If task.Result = 0 Then
    WScript.Echo "Created " & path & " (" & sizeMB & " MB)"
    WScript.Quit 0
End If
WScript.Echo "Failed (result " & task.Result & ", error 0x" & Hex(task.Error) & "): " & task.ErrorDescription
WScript.Quit 1

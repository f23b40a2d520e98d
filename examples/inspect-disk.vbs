' Prints what a virtual hard disk is: its file, type, sizes and, for a differencing disk, its
' parent chain (IVMVirtualServer.GetHardDisk and IVMHardDisk's properties).
' Usage: cscript //nologo inspect-disk.vbs PATH
'   PATH  full path of an existing .vhd file, e.g. C:\VHDs\disk.vhd
' Exit code: 0 when the disk was read, 1 when it was not, 2 for a usage error.
Option Explicit

If WScript.Arguments.Count <> 1 Then
    WScript.Echo "Usage: cscript //nologo inspect-disk.vbs PATH"
    WScript.Quit 2
End If

Dim vs, disk, typeNames
typeNames = Array("dynamic", "fixed", "differencing", "?", "host drive")

On Error Resume Next
Set vs = CreateObject("VirtualServer.Application")
If Err.Number <> 0 Then
    WScript.Echo "Cannot create VirtualServer.Application (0x" & Hex(Err.Number) & "): is vsdisk.dll registered?"
    WScript.Quit 1
End If
' GetHardDisk opens the file and reads its footer and headers; a missing or damaged file
' fails here, with the reason in Err.Description.
Set disk = vs.GetHardDisk(WScript.Arguments(0))
Do While Err.Number = 0
    WScript.Echo "File:          " & disk.File
    WScript.Echo "Type:          " & typeNames(disk.Type)
    ' The sizes are Decimals (exact for any disk); CStr prints every digit.
    WScript.Echo "Size in guest: " & CStr(disk.SizeInGuest) & " bytes"
    WScript.Echo "Size on host:  " & CStr(disk.SizeOnHost) & " bytes"
    ' A differencing disk's parent is the next disk of the chain; others have none.
    ' (a missing parent file fails here, with its path in Err.Description)
    If disk.Type <> 2 Then Exit Do
    Set disk = disk.Parent
    If Err.Number = 0 Then WScript.Echo "Parent:"
Loop
If Err.Number <> 0 Then
    WScript.Echo "Error 0x" & Hex(Err.Number) & ": " & Err.Description
    WScript.Quit 1
End If
WScript.Quit 0

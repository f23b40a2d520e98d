' VHDX from VBScript: the three creations with .vhdx paths (VirtualServer.Application, as old
' scripts call them), CreateVirtualHardDisk with options (VsDisk.VirtualServer), the
' properties through IDispatch, and the codes a script sees (Err.Number); the harness
' (script_disks.sh) then reads the disks with vhdiinfo, qemu-img info and qemu-img check.
' Usage: cscript vhdx.vbs FOLDER
' include: helpers.vbs
Option Explicit

Const VM_E_IMAGE_SIZE_TOO_LARGE = &HA0040683
Const VM_E_WRONG_HD_IMAGE_TYPE = &HA004067B
Const E_INVALIDARG = &H80070057
Const NO_SUCH_MEMBER = 438

Dim fso, vs, ours, folder, number, t, d, p
Set fso = CreateObject("Scripting.FileSystemObject")

Sub Wait(t, what)
    t.WaitForCompletion -1
    Check t.Result = 0, what & ": Result is " & t.Result & " " & t.ErrorDescription
    Check t.Error = 0, what & ": Error is " & Hex(t.Error)
End Sub

Sub Expect(got, expected, what)
    Check got = expected, what & ": Err.Number is " & Hex(got) & ", expected " & Hex(expected)
End Sub

' Err.Number of each call, with the script going on.
Function DynamicError(server, path, mb)
    On Error Resume Next
    server.CreateDynamicVirtualHardDisk path, mb
    DynamicError = Err.Number
    On Error GoTo 0
End Function

Function ChildError(server, path, parent)
    On Error Resume Next
    server.CreateDifferencingVirtualHardDisk path, parent
    ChildError = Err.Number
    On Error GoTo 0
End Function

Function OptionsError(server, path, block)
    On Error Resume Next
    server.CreateVirtualHardDisk path, 0, 64, "", block, 0, 0
    OptionsError = Err.Number
    On Error GoTo 0
End Function

If WScript.Arguments.Count < 1 Then
    WScript.Echo "usage: vhdx.vbs FOLDER"
    WScript.Quit 2
End If
folder = WScript.Arguments(0)
Set vs = CreateObject("VirtualServer.Application")
Set ours = CreateObject("VsDisk.VirtualServer")

Wait vs.CreateDynamicVirtualHardDisk(folder & "\s3.vhdx", 3), "s3.vhdx"
Wait vs.CreateDynamicVirtualHardDisk(folder & "\big.VHDX", 67108864), "big.VHDX"
Wait vs.CreateFixedVirtualHardDisk(folder & "\fix.vhdx", 16), "fix.vhdx"
Wait vs.CreateDifferencingVirtualHardDisk(folder & "\child.vhdx", folder & "\s3.vhdx"), "child.vhdx"
Wait ours.CreateVirtualHardDisk(folder & "\opts.vhdx", 0, 64, "", 1048576, 4096, 4096), "opts.vhdx"
Wait ours.CreateVirtualHardDisk(folder & "\opts512.vhdx", 1, 24, "", 8388608, 512, 512), "opts512.vhdx"

Set d = vs.GetHardDisk(folder & "\opts.vhdx")
Check d.Format = "VHDX", "opts.vhdx: Format is " & d.Format
Check d.BlockSize = 1048576, "opts.vhdx: BlockSize is " & d.BlockSize
Check d.LogicalSectorSize = 4096, "opts.vhdx: LogicalSectorSize is " & d.LogicalSectorSize
Check d.PhysicalSectorSize = 4096, "opts.vhdx: PhysicalSectorSize is " & d.PhysicalSectorSize
Check d.Type = 0, "opts.vhdx: Type is " & d.Type
Check d.SizeInGuestBytes = 67108864, "opts.vhdx: SizeInGuestBytes is " & d.SizeInGuestBytes
Set d = vs.GetHardDisk(folder & "\fix.vhdx")
Check d.Type = 1, "fix.vhdx: Type is " & d.Type
Check d.SizeOnHostBytes = fso.GetFile(folder & "\fix.vhdx").Size, "fix.vhdx: SizeOnHostBytes"
Set d = vs.GetHardDisk(folder & "\child.vhdx")
Set p = d.Parent
Check d.Type = 2, "child.vhdx: Type is " & d.Type
Check LCase(p.File) = LCase(folder & "\s3.vhdx"), "child.vhdx: Parent.File is " & p.File
Check d.VirtualDiskId = p.VirtualDiskId, "child.vhdx: VirtualDiskId " & d.VirtualDiskId & " is not its parent's " & p.VirtualDiskId
Check Len(d.VirtualDiskId) = 38, "child.vhdx: VirtualDiskId """ & d.VirtualDiskId & """"
Set d = Nothing
Set p = Nothing

Expect DynamicError(vs, folder & "\over.vhdx", 67108865), VM_E_IMAGE_SIZE_TOO_LARGE, "67,108,865 MB"
Expect ChildError(vs, folder & "\cross.vhd", folder & "\s3.vhdx"), VM_E_WRONG_HD_IMAGE_TYPE, "a VHD child of a VHDX"
Expect OptionsError(ours, folder & "\bad.vhdx", 3145728), E_INVALIDARG, "a 3 MB block"
Expect OptionsError(vs, folder & "\bad.vhdx", 0), NO_SUCH_MEMBER, "VirtualServer.Application's own members only"
Check Not fso.FileExists(folder & "\over.vhdx"), "over.vhdx was created"
Check Not fso.FileExists(folder & "\cross.vhd"), "cross.vhd was created"
Check Not fso.FileExists(folder & "\bad.vhdx"), "bad.vhdx was created"

Set vs = Nothing
Set ours = Nothing
Finish

' The public Virtual Server sample pattern: no Set, no wait, and the script exits at once.
' VSDISK_TEST_WRITE_DELAY_MS (30) is set, so the creation is still running when the script
' ends; the harness (script_disks.sh) then checks that the disk is complete and valid.
' This script can only check that the call was made; the verdict is the harness's.
' Usage: cscript fire_and_forget.vbs FOLDER
On Error Resume Next
Set objVS = CreateObject("VirtualServer.Application")
If Err.Number <> 0 Then
    WScript.Echo "FAIL: CreateObject gave " & Hex(Err.Number)
    WScript.Echo "0 passed, 1 failed"
    WScript.Quit 1
End If
errReturn = objVS.CreateDynamicVirtualHardDisk(WScript.Arguments(0) & "\ff.vhd", 2088960)
' Without Set, VBScript asks the returned task for its default value; it has none, so that
' raises error 438, which the sample ignores. Any other error means the call itself failed.
If Err.Number <> 0 And Err.Number <> 438 Then
    WScript.Echo "FAIL: CreateDynamicVirtualHardDisk gave " & Hex(Err.Number) & " " & Err.Description
    WScript.Echo "0 passed, 1 failed"
    WScript.Quit 1
End If
WScript.Echo "1 passed, 0 failed"

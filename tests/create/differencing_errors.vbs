' CreateDifferencingVirtualHardDisk's return codes as a script sees them: Err.Number (the
' documented HRESULT), an Err.Description that gives the reason, no task, nothing created;
' Virtual Server's path rule (either path relative to the other's folder); a child that takes
' its parent's size; the parent unchanged.
' Usage: cscript differencing_errors.vbs TMPBASE
' (E_POINTER cannot be caused from VBScript: even vbNullString arrives as an empty string.)
Option Explicit

Dim fso, vs, work, passed, failed
passed = 0
failed = 0
Set fso = CreateObject("Scripting.FileSystemObject")

Sub Check(ok, what)
    If ok Then
        passed = passed + 1
    Else
        failed = failed + 1
        WScript.Echo "FAIL: " & what
    End If
End Sub

Function WinPath(p)
    If Left(p, 1) = "/" Then
        WinPath = "Z:" & Replace(p, "/", "\")
    Else
        WinPath = p
    End If
End Function

Function Exists(p)
    Exists = fso.FileExists(p) Or fso.FolderExists(p)
End Function

Sub ExpectError(label, child, parent, hexCode, keyword, absent)
    Dim t, number, description
    On Error Resume Next
    Set t = vs.CreateDifferencingVirtualHardDisk(child, parent)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = hexCode, label & ": Err.Number is " & Hex(number) & ", expected " & hexCode
    Check InStr(1, description, keyword, vbTextCompare) > 0, _
        label & ": Err.Description """ & Left(description, 300) & """ does not mention """ & keyword & """"
    Check IsEmpty(t), label & ": a task came back"
    If absent <> "" Then Check Not Exists(absent), label & ": left " & absent & " behind"
End Sub

Sub ExpectChild(label, child, parent, where, size)
    Dim t, number
    On Error Resume Next
    Set t = vs.CreateDifferencingVirtualHardDisk(child, parent)
    number = Err.Number
    On Error GoTo 0
    Check number = 0, label & ": Err.Number is " & Hex(number) & ", expected 0"
    If number = 0 Then
        t.WaitForCompletion -1
        Check t.Result = 0, label & ": Result is " & t.Result
        Check fso.FileExists(where), label & ": no file at " & where
        If fso.FileExists(where) Then Check fso.GetFile(where).Size = size, _
            label & ": the child is " & fso.GetFile(where).Size & " bytes, not " & size
    End If
End Sub

Function MakeDynamic(path, mb)
    Dim t
    Set t = vs.CreateDynamicVirtualHardDisk(path, mb)
    t.WaitForCompletion -1
    MakeDynamic = t.Result
End Function

Function Repeat(count, text)
    Dim i, s
    s = ""
    For i = 1 To count
        s = s & text
    Next
    Repeat = s
End Function

Sub WriteText(path, text)
    Dim stream
    Set stream = fso.CreateTextFile(path, False)
    stream.Write text
    stream.Close
End Sub

Dim base, parent, folder, modified, size, stamp
If WScript.Arguments.Count < 1 Then
    WScript.Echo "usage: differencing_errors.vbs TMPBASE"
    WScript.Quit 2
End If
base = WinPath(WScript.Arguments(0))
If Not fso.FolderExists(base) Then fso.CreateFolder base
work = base & "\vbs-differencing-" & fso.GetBaseName(fso.GetTempName())
fso.CreateFolder work
fso.CreateFolder work & "\base"
Set vs = CreateObject("VirtualServer.Application")

parent = work & "\base\p.vhd"
Check MakeDynamic(parent, 10) = 0, "the parent could not be made"
size = fso.GetFile(parent).Size
stamp = fso.GetFile(parent).DateLastModified
folder = work & "\vm"

' Success: full paths, a relative child (in the parent's folder), a relative parent. A 10 MB
' child is 81,920 bytes, the layout Windows writes.
ExpectChild "full paths", folder & "\c1.vhd", parent, folder & "\c1.vhd", 81920
ExpectChild "relative imagePath", "c2.vhd", parent, work & "\base\c2.vhd", 81920
ExpectChild "relative parentPath", folder & "\c3.vhd", "..\base\p.vhd", folder & "\c3.vhd", 81920
ExpectChild "child of a child", folder & "\c4.vhd", folder & "\c3.vhd", folder & "\c4.vhd", 81920

' E_BAD_PATHNAME: only both empty or relative
ExpectError "both empty", "", "", "800700A1", "both", ""
ExpectError "both relative", "a.vhd", "..\b.vhd", "800700A1", "both", ""
ExpectError "empty child, relative parent", "", "p.vhd", "800700A1", "both", ""
ExpectError "drive-relative child", "C:a.vhd", parent, "800700A1", "full path", ""
' E_INVALID_NAME and E_BUFFER_OVERFLOW in either path
ExpectError "bad character in imagePath", folder & "\a*b.vhd", parent, "8007007B", "'*'", ""
ExpectError "bad character in parentPath", folder & "\x.vhd", work & "\base\a|b.vhd", "8007007B", "parentPath", folder & "\x.vhd"
ExpectError "reserved name as imagePath", folder & "\con.vhd", parent, "8007007B", "reserved", ""
ExpectError "long imagePath", folder & "\" & Repeat(300, "x") & ".vhd", parent, "8007006F", "260", ""
ExpectError "long parentPath", folder & "\x.vhd", work & "\" & Repeat(300, "y") & ".vhd", "8007006F", "parentPath", folder & "\x.vhd"
' E_PATH_NOT_FOUND: the child's drive does not exist
ExpectError "missing drive for the child", "Q:\nowhere\c.vhd", parent, "80070003", "cannot be found", ""
' VM_E_PARENT_PATH_NOT_FOUND
ExpectError "missing parent", folder & "\x.vhd", work & "\base\none.vhd", "A0040677", "cannot be found", folder & "\x.vhd"
ExpectError "missing relative parent", folder & "\x.vhd", "none.vhd", "A0040677", "cannot be found", folder & "\x.vhd"
' VM_E_INVALID_HD_FILE, with the reason
WriteText work & "\base\text.vhd", "not a disk"
ExpectError "a text file as the parent", folder & "\x.vhd", work & "\base\text.vhd", "A0040682", "not a valid virtual hard disk", folder & "\x.vhd"
ExpectError "a folder as the parent", folder & "\x.vhd", work & "\base", "A0040682", "folder", folder & "\x.vhd"
' E_ALREADY_EXISTS: an existing file, the parent itself, a disk of its chain
WriteText folder & "\taken.vhd", "keep"
ExpectError "existing imagePath", folder & "\taken.vhd", parent, "800700B7", "already exists", ""
ExpectError "the parent as the child", parent, parent, "800700B7", "parent disk itself", ""
ExpectError "the parent, relative", "p.vhd", parent, "800700B7", "parent disk itself", ""
ExpectError "a disk of the chain", parent, folder & "\c4.vhd", "800700B7", "chain", ""

' The parent was only read: same size, same last-write time.
Check fso.GetFile(parent).Size = size, "the parent's size changed"
Check fso.GetFile(parent).DateLastModified = stamp, "the parent's last-write time changed"

Set vs = Nothing
fso.DeleteFolder work, True
On Error Resume Next
If fso.GetFolder(base).Files.Count = 0 And fso.GetFolder(base).SubFolders.Count = 0 Then fso.DeleteFolder base
On Error GoTo 0
WScript.Echo passed & " passed, " & failed & " failed"
WScript.Quit failed

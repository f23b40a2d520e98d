' CreateDynamicVirtualHardDisk's and CreateFixedVirtualHardDisk's return codes as a script
' sees them: Err.Number (the documented HRESULT), an Err.Description that gives the reason, no
' task, nothing created.
' Usage: cscript errors.vbs TMPBASE MODE [dynamic|fixed]
'   MODE main        every code but the ones below (no test hook set)
'        fat32       VSDISK_TEST_FILESYSTEM=FAT32 is set: VM_E_FILE_TOO_LARGE_FOR_VOLUME
'        fat16       VSDISK_TEST_FILESYSTEM=FAT16 is set: the same at 2 GB
'        unexpected  VSDISK_TEST_FAIL_IO_CALL=1 is set: DISP_E_EXCEPTION
' (E_POINTER cannot be caused from VBScript: even vbNullString arrives as an empty string.)
' include: helpers.vbs
Option Explicit

Dim fso, vs, work, mode, method
Set fso = CreateObject("Scripting.FileSystemObject")

Function Exists(p)
    Exists = fso.FileExists(p) Or fso.FolderExists(p)
End Function

' The method under test.
Function Create(path, size)
    If method = "fixed" Then
        Set Create = vs.CreateFixedVirtualHardDisk(path, size)
    Else
        Set Create = vs.CreateDynamicVirtualHardDisk(path, size)
    End If
End Function

' The call must fail with hexCode, say keyword in its description, return no task and
' leave absent (if not "") missing.
Sub ExpectError(label, path, size, hexCode, keyword, absent)
    Dim t, number, description
    On Error Resume Next
    Set t = Create(path, size)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = hexCode, label & ": Err.Number is " & Hex(number) & ", expected " & hexCode
    Check Len(description) > 0, label & ": Err.Description is empty"
    Check InStr(1, description, keyword, vbTextCompare) > 0, _
        label & ": Err.Description """ & Left(description, 300) & """ does not mention """ & keyword & """"
    Check IsEmpty(t), label & ": a task came back"
    If absent <> "" Then Check Not Exists(absent), label & ": left " & absent & " behind"
End Sub

' The call must succeed and the task end with Result 0.
Sub ExpectSuccess(label, path, size)
    Dim t, number
    On Error Resume Next
    Set t = Create(path, size)
    number = Err.Number
    On Error GoTo 0
    Check number = 0, label & ": Err.Number is " & Hex(number) & ", expected 0"
    If number = 0 Then
        t.WaitForCompletion -1
        Check t.Result = 0, label & ": Result is " & t.Result
        Check t.IsComplete, label & ": not complete"
        Check fso.FileExists(path), label & ": no file"
        Check fso.GetFile(path).Size > 0, label & ": empty file"
        ' A fixed disk's file is its size and a 512-byte footer.
        If method = "fixed" And fso.FileExists(path) Then
            Check fso.GetFile(path).Size = CDbl(size) * 1048576 + 512, _
                label & ": the file is " & fso.GetFile(path).Size & " bytes"
        End If
    End If
End Sub

Function Repeat(count, text)
    Dim i, s
    s = ""
    For i = 1 To count
        s = s & text
    Next
    Repeat = s
End Function

' A path of exactly length characters in folder: folder\aaa..\bbb..\...x.vhd
Function LongPath(folder, length)
    Dim p, letter, rest
    p = folder
    letter = 0
    Do While length - Len(p) - 5 > 200
        p = p & "\" & Repeat(200, Chr(Asc("a") + letter))
        letter = (letter + 1) Mod 26
    Loop
    rest = length - Len(p) - 5
    LongPath = p & "\" & Repeat(rest, "z") & ".vhd"
End Function

Function MissingDrive()
    Dim code
    For code = Asc("Y") To Asc("D") Step -1
        If Not fso.DriveExists(Chr(code)) Then
            MissingDrive = Chr(code)
            Exit Function
        End If
    Next
    MissingDrive = ""
End Function

Sub WriteText(path, text)
    Dim stream
    Set stream = fso.CreateTextFile(path, False)
    stream.Write text
    stream.Close
End Sub

Function ReadText(path)
    Dim stream
    Set stream = fso.OpenTextFile(path, 1)
    If stream.AtEndOfStream Then
        ReadText = ""
    Else
        ReadText = stream.ReadAll
    End If
    stream.Close
End Function

Sub MainCases()
    Dim size, chars, i, c, p, folder, existing, drive, current, names
    folder = work & "\new"

    ' E_INVALIDARG
    For Each size In Array(0, -1, -2088960, CLng(-2147483647) - 1)
        ExpectError "size " & size, folder & "\a.vhd", size, "80070057", "positive", folder
    Next

    ' E_BAD_PATHNAME
    current = fso.GetAbsolutePathName(".")
    ExpectError "empty path", "", 3, "800700A1", "empty", ""
    ExpectError "relative path", "rel-vsdisk-script.vhd", 3, "800700A1", "full path", _
        current & "\rel-vsdisk-script.vhd"
    ExpectError "relative folder", "relsub-vsdisk\a.vhd", 3, "800700A1", "full path", _
        current & "\relsub-vsdisk"
    ExpectError "drive-relative", "C:foo-vsdisk.vhd", 3, "800700A1", "full path", ""
    ExpectError "rooted", "\foo-vsdisk.vhd", 3, "800700A1", "full path", ""
    ExpectError "trailing backslash", folder & "\", 3, "800700A1", "backslash", folder
    ExpectError "folder with trailing backslash", folder & "\sub\", 3, "800700A1", "backslash", folder

    ' E_INVALID_NAME
    chars = Array("*", "?", ":", "<", ">", "/", "|", Chr(34))
    For Each c In chars
        ExpectError "character " & c, folder & "\a" & c & "b.vhd", 3, "8007007B", "'" & c & "'", folder
        ExpectError "character " & c & " in a folder", folder & "\x" & c & "y\a.vhd", 3, "8007007B", "'" & c & "'", folder
    Next
    ExpectError "embedded NUL", folder & "\a" & Chr(0) & "b.vhd", 3, "8007007B", "NUL", folder
    Check Not Exists(folder & "\a"), "embedded NUL: left the truncated path behind"
    ExpectError "control character", folder & "\a" & Chr(1) & "b.vhd", 3, "8007007B", "control", folder
    ExpectError "\\.\PhysicalDrive0", "\\.\PhysicalDrive0", 3, "8007007B", "device", ""
    ExpectError "\\?\ path", "\\?\C:\x.vhd", 3, "8007007B", "device", ""
    ExpectError "\\?\ path to the work folder", "\\?\" & folder & "\x.vhd", 3, "8007007B", "device", folder
    names = Array("CON", "NUL", "COM1", "LPT1", "nul.vhd", "Con.vhd", "com1.vhd", "LPT1.x.vhd", "aux")
    For Each p In names
        ExpectError "reserved name " & p, folder & "\" & p, 3, "8007007B", "reserved", folder
        ExpectError "reserved folder " & p, folder & "\" & p & "\a.vhd", 3, "8007007B", "reserved", folder
    Next
    ExpectError "trailing dot", folder & "\a.vhd.", 3, "8007007B", "dot", folder
    ExpectError "trailing space", folder & "\a.vhd ", 3, "8007007B", "space", folder
    ExpectError "folder with trailing dot", folder & ".\a.vhd", 3, "8007007B", "dot", folder

    ' E_BUFFER_OVERFLOW; 259 characters are fine
    For Each size In Array(260, 261, 300, 1000, 40000)
        p = LongPath(folder, size)
        Check Len(p) = size, "LongPath made " & Len(p) & " characters, not " & size
        ExpectError size & " characters", p, 3, "8007006F", "260", folder
    Next
    p = LongPath(work & "\ok259", 259)
    Check Len(p) = 259, "LongPath made " & Len(p) & " characters, not 259"
    ExpectSuccess "259 characters", p, 3
    ' Wine's FileSystemObject cannot delete a file with a path this long; cmd can.
    CreateObject("WScript.Shell").Run "cmd /c del """ & p & """", 0, True
    Check Not fso.FileExists(p), "259 characters: the disk could not be removed"

    ' E_PATH_NOT_FOUND
    drive = MissingDrive()
    Check drive <> "", "no unused drive letter"
    ExpectError "missing drive", drive & ":\a.vhd", 3, "80070003", "cannot be found", ""
    ExpectError "missing drive, folders", drive & ":\sub\a.vhd", 3, "80070003", drive & ":", ""
    existing = work & "\afile"
    WriteText existing, "not a folder"
    ExpectError "through a file", existing & "\x.vhd", 3, "80070003", "is a file", ""
    ExpectError "through a file, deeper", existing & "\sub\x.vhd", 3, "80070003", "is a file", ""
    Check ReadText(existing) = "not a folder", "the file on the way changed"

    ' E_ALREADY_EXISTS
    existing = work & "\exists.vhd"
    WriteText existing, "keep me"
    ExpectError "existing file", existing, 3, "800700B7", "already exists", ""
    ExpectError "existing file, largest size", existing, 2088960, "800700B7", "already exists", ""
    Check ReadText(existing) = "keep me", "the existing file changed"
    fso.CreateFolder work & "\folder.vhd"
    ExpectError "existing folder", work & "\folder.vhd", 3, "800700B7", "already exists", ""
    Check fso.FolderExists(work & "\folder.vhd"), "the existing folder went away"

    ' VM_E_IMAGE_SIZE_TOO_SMALL and VM_E_IMAGE_SIZE_TOO_LARGE; the bounds are accepted
    ExpectError "1 MB", folder & "\a.vhd", 1, "A0040684", "too small", folder
    ExpectError "2 MB", folder & "\a.vhd", 2, "A0040684", "too small", folder
    ExpectError "2088961 MB", folder & "\a.vhd", 2088961, "A0040683", "too large", folder
    ExpectError "2147483647 MB", folder & "\a.vhd", 2147483647, "A0040683", "too large", folder
    ExpectSuccess "3 MB", work & "\bounds\min.vhd", 3
    If method = "fixed" Then
        ' E_DISK_FULL: no test volume has 2040 GB free; nothing is written, not even a folder.
        ExpectError "2088960 MB fixed", work & "\bounds\full\max.vhd", 2088960, "80070070", _
            "bytes free", work & "\bounds\full"
        ExpectSuccess "20 MB fixed (Azure's smallest)", work & "\bounds\azure.vhd", 20
    Else
        ExpectSuccess "2088960 MB", work & "\bounds\max.vhd", 2088960
    End If

    ' The order of the checks
    ExpectError "relative path, size 0", "rel.vhd", 0, "800700A1", "full path", ""
    ExpectError "bad name, size 1", folder & "\a*b.vhd", 1, "8007007B", "'*'", folder
    ExpectError "bad name, size 0", folder & "\nul.vhd", 0, "8007007B", "reserved", folder
    ExpectError "too long, size 0", LongPath(folder, 300), 0, "8007006F", "260", folder
    ExpectError "existing file, size 1", existing, 1, "A0040684", "too small", ""
    ExpectError "existing file, size 0", existing, 0, "80070057", "positive", ""
    ExpectError "missing drive, size 2088961", drive & ":\a.vhd", 2088961, "A0040683", "too large", ""
End Sub

Sub Fat32Cases()
    Dim folder
    folder = work & "\fat32"
    ' 4095 MB expands to 4 GiB + 1 MiB, 4094 MB to just under 4 GiB, the FAT32 file limit.
    ExpectError "4095 MB on FAT32", folder & "\a.vhd", 4095, "A0040679", "FAT32", folder
    ExpectError "2088960 MB on FAT32", folder & "\a.vhd", 2088960, "A0040679", "FAT32", folder
    ExpectSuccess "4094 MB on FAT32", folder & "\b.vhd", 4094
    ExpectSuccess "4000 MB on FAT32", folder & "\c.vhd", 4000
    ' The existing target is found before the volume is looked at.
    ExpectError "existing file on FAT32", folder & "\c.vhd", 4095, "800700B7", "already exists", ""
End Sub

Sub Fat16Cases()
    Dim folder
    folder = work & "\fat16"
    ' 2047 MB expands past 2 GiB - 1, the FAT16 file limit; 2046 MB does not.
    ExpectError "2047 MB on FAT16", folder & "\a.vhd", 2047, "A0040679", "FAT16", folder
    ExpectError "4000 MB on FAT16", folder & "\a.vhd", 4000, "A0040679", "FAT16", folder
    ExpectSuccess "2046 MB on FAT16", folder & "\b.vhd", 2046
    ExpectSuccess "3 MB on FAT16", folder & "\c.vhd", 3
End Sub

' Fixed disks: the file itself is size + 512 bytes, so the limits fall one MB later.
Sub FixedFat32Cases()
    Dim folder
    folder = work & "\fat32"
    ExpectError "4096 MB fixed on FAT32", folder & "\a.vhd", 4096, "A0040679", "FAT32", folder
    ExpectError "8192 MB fixed on FAT32", folder & "\a.vhd", 8192, "A0040679", "FAT32", folder
    ' Free space is looked at first: no volume here has 2040 GB free.
    ExpectError "2088960 MB fixed on FAT32", folder & "\a.vhd", 2088960, "80070070", "bytes free", folder
    ExpectSuccess "3 MB fixed on FAT32", folder & "\c.vhd", 3
    ExpectError "existing file on FAT32", folder & "\c.vhd", 4096, "800700B7", "already exists", ""
End Sub

Sub FixedFat16Cases()
    Dim folder
    folder = work & "\fat16"
    ExpectError "2048 MB fixed on FAT16", folder & "\a.vhd", 2048, "A0040679", "FAT16", folder
    ExpectError "4000 MB fixed on FAT16", folder & "\a.vhd", 4000, "A0040679", "FAT16", folder
    ExpectSuccess "3 MB fixed on FAT16", folder & "\c.vhd", 3
End Sub

Sub UnexpectedCases()
    Dim folder
    folder = work & "\unexpected"
    ' The create fails with ERROR_IO_DEVICE (1117), which no documented code describes.
    ExpectError "failed create", folder & "\sub\a.vhd", 3, "80020009", "1117", folder
    If method = "fixed" Then
        ExpectError "failed create, 20 MB", folder & "\a.vhd", 20, "80020009", "1117", folder
    Else
        ExpectError "failed create, largest", folder & "\a.vhd", 2088960, "80020009", "1117", folder
    End If
    ' The argument checks still come first.
    ExpectError "failed create, size 1", folder & "\a.vhd", 1, "A0040684", "too small", folder
End Sub

Dim base
If WScript.Arguments.Count < 2 Then
    WScript.Echo "usage: errors.vbs TMPBASE MODE"
    WScript.Quit 2
End If
base = WinPath(WScript.Arguments(0))
mode = WScript.Arguments(1)
method = "dynamic"
If WScript.Arguments.Count > 2 Then method = WScript.Arguments(2)
If Not fso.FolderExists(base) Then fso.CreateFolder base
work = base & "\vbs-errors-" & method & "-" & mode & "-" & fso.GetBaseName(fso.GetTempName())
fso.CreateFolder work

Set vs = CreateObject("VirtualServer.Application")
Select Case mode
    Case "main": MainCases
    Case "fat32": If method = "fixed" Then FixedFat32Cases Else Fat32Cases
    Case "fat16": If method = "fixed" Then FixedFat16Cases Else Fat16Cases
    Case "unexpected": UnexpectedCases
    Case Else: Check False, "unknown mode " & mode
End Select
Set vs = Nothing

fso.DeleteFolder work, True
On Error Resume Next
If fso.GetFolder(base).Files.Count = 0 And fso.GetFolder(base).SubFolders.Count = 0 Then fso.DeleteFolder base
On Error GoTo 0
Finish

' CreateFloppyDiskImage, GetFloppyDiskImageType and GetFloppyDiskFiles as a script sees them:
' the images made (exact sizes, their types read back), every code a script can cause, with
' its Err.Number and an Err.Description that gives the reason, nothing replaced or left behind;
' the .vfd files listed from SearchPaths and from the folders given. The harness
' (floppy_script.sh) then formats and lists the images with mtools.
' Usage: cscript floppy.vbs WORK      (WORK: an empty folder, Windows path)
' (E_POINTER cannot be caused from VBScript: even vbNullString arrives as an empty string.)
' include: helpers.vbs
Option Explicit

Dim fso, vs, work, t, number, description, list, item, names, f
Set fso = CreateObject("Scripting.FileSystemObject")
Set vs = CreateObject("VirtualServer.Application")
work = WinPath(WScript.Arguments(0))

Function Exists(p)
    Exists = fso.FileExists(p) Or fso.FolderExists(p)
End Function

' The creation must fail with hexCode, say keyword, and leave absent (if not "") missing.
Sub ExpectCreateError(label, path, imageType, hexCode, keyword, absent)
    On Error Resume Next
    vs.CreateFloppyDiskImage path, imageType
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = hexCode, label & ": Err.Number is " & Hex(number) & ", expected " & hexCode
    Check InStr(1, description, keyword, vbTextCompare) > 0, _
        label & ": Err.Description """ & Left(description, 300) & """ does not mention """ & keyword & """"
    If absent <> "" Then Check Not Exists(absent), label & ": left " & absent & " behind"
End Sub

Sub ExpectTypeError(label, path, hexCode, keyword)
    Dim x
    On Error Resume Next
    x = vs.GetFloppyDiskImageType(path)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    Check Hex(number) = hexCode, label & ": Err.Number is " & Hex(number) & ", expected " & hexCode
    Check InStr(1, description, keyword, vbTextCompare) > 0, _
        label & ": Err.Description """ & Left(description, 300) & """ does not mention """ & keyword & """"
End Sub

' The two documented types, by their enum values; a folder that does not exist is made.
vs.CreateFloppyDiskImage work & "\low.vfd", 1
vs.CreateFloppyDiskImage work & "\high.vfd", 2
vs.CreateFloppyDiskImage work & "\made\by\script.vfd", 2
Check fso.GetFile(work & "\low.vfd").Size = 737280, "low.vfd is " & fso.GetFile(work & "\low.vfd").Size & " bytes"
Check fso.GetFile(work & "\high.vfd").Size = 1474560, "high.vfd is " & fso.GetFile(work & "\high.vfd").Size & " bytes"
Check fso.GetFile(work & "\made\by\script.vfd").Size = 1474560, "script.vfd's size"
Check vs.GetFloppyDiskImageType(work & "\low.vfd") = 1, "low.vfd's type"
Check vs.GetFloppyDiskImageType(work & "\high.vfd") = 2, "high.vfd's type"

' The codes.
ExpectCreateError "DMF", work & "\dmf.vfd", 3, "80070057", "imageType", work & "\dmf.vfd"
ExpectCreateError "Unknown", work & "\unknown.vfd", 0, "80070057", "imageType", work & "\unknown.vfd"
ExpectCreateError "XDF", work & "\xdf\x.vfd", 6, "80070057", "imageType", work & "\xdf"
ExpectCreateError "existing", work & "\high.vfd", 1, "800700B7", "already exists", ""
Check fso.GetFile(work & "\high.vfd").Size = 1474560, "high.vfd was replaced"
ExpectCreateError "relative", "rel.vfd", 2, "800700A1", "imagePath", ""
ExpectCreateError "empty", "", 2, "800700A1", "imagePath", ""
ExpectCreateError "a wildcard", work & "\a*b.vfd", 2, "8007007B", "imagePath", ""
ExpectCreateError "260 characters", work & "\" & String(259 - Len(work) - 4, "x") & ".vfd", 2, "8007006F", "imagePath", ""
Set f = fso.CreateTextFile(work & "\afile.txt", True)
f.Write "x"
f.Close
ExpectCreateError "through a file", work & "\afile.txt\sub\x.vfd", 2, "80070003", "is a file", work & "\afile.txt\sub"

ExpectTypeError "a text file", work & "\afile.txt", "80020009", "not a floppy image"
ExpectTypeError "missing", work & "\missing.vfd", "80070002", "does not exist"
ExpectTypeError "missing folder", work & "\nofolder\missing.vfd", "80070003", "folder"
ExpectTypeError "relative", "x.vfd", "800700A1", "imagePath"

' The listing: SearchPaths, then an additional folder (an array), then not strings.
vs.SearchPaths = Array(work)
list = vs.GetFloppyDiskFiles(Empty)
names = ""
For Each item In list
    names = names & "|" & LCase(fso.GetFileName(item))
Next
Check InStr(names, "|low.vfd") > 0 And InStr(names, "|high.vfd") > 0 And UBound(list) = 1, _
    "GetFloppyDiskFiles(Empty) listed """ & names & """"
list = vs.GetFloppyDiskFiles(Array(work & "\made\by"))
Check UBound(list) = 2, "with an additional folder: " & (UBound(list) + 1) & " files"
On Error Resume Next
list = vs.GetFloppyDiskFiles(5)
number = Err.Number
On Error GoTo 0
Check Hex(number) = "80070057", "GetFloppyDiskFiles(5): Err.Number is " & Hex(number)

Finish

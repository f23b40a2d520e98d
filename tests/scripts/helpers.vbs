' The helpers every VBScript test shares. Wine's VBScript has no ExecuteGlobal and its
' cscript no .wsf, so tests/scripts/run_script.sh joins this file in front of each test
' that has the line "' include: helpers.vbs" and runs the joined script (a test with no
' such line runs as it is). A test that includes it must not Dim passed or failed.
Dim passed, failed
passed = 0
failed = 0

' Counts one assertion; says what failed.
Sub Check(ok, what)
    If ok Then
        passed = passed + 1
    Else
        failed = failed + 1
        WScript.Echo "FAIL: " & what
    End If
End Sub

' A Linux path from the harness ("/tmp/x") as Wine sees it ("Z:\tmp\x"); others unchanged.
Function WinPath(p)
    If Left(p, 1) = "/" Then
        WinPath = "Z:" & Replace(p, "/", "\")
    Else
        WinPath = p
    End If
End Function

' Prints the final line the harness checks, "N passed, M failed", and exits with M.
Sub Finish()
    WScript.Echo passed & " passed, " & failed & " failed"
    WScript.Quit failed
End Sub


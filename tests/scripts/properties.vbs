' Creates the server by each ProgID through IDispatch and reads its properties.
' Ends with "N passed, M failed" and exits with the failure count: Wine's cscript hides
' script errors, so the harness checks both.
' include: helpers.vbs
Option Explicit

Dim computer, progId, vs, tasks
' Wine's ExpandEnvironmentStrings leaves a NUL at the end of the string.
computer = Replace(CreateObject("WScript.Shell").ExpandEnvironmentStrings("%COMPUTERNAME%"), Chr(0), "")
For Each progId In Array("VirtualServer.Application", "VsDisk.VirtualServer", "VsDisk.VirtualServer.1")
    Set vs = Nothing
    On Error Resume Next
    Set vs = CreateObject(progId)
    Check Err.Number = 0, progId & ": CreateObject raised " & Hex(Err.Number)
    On Error GoTo 0
    If Not vs Is Nothing Then
        Check Len(vs.Name) > 0 And UCase(vs.Name) = UCase(computer), progId & ": Name = " & vs.Name & ", computer is " & computer
        Check vs.Version = WScript.Arguments(0), progId & ": Version = " & vs.Version
        Check vs.UpTime >= 0 And vs.UpTime < 5, progId & ": UpTime = " & vs.UpTime
        Check VarType(vs.UpTime) = vbLong, progId & ": UpTime is a Long"
        Set tasks = vs.Tasks
        Check tasks.Count = 0, progId & ": a new server has no tasks"
        On Error Resume Next
        Dim missing
        missing = vs.NoSuchMember
        Check Err.Number = 438, progId & ": an unknown member raises 438, got " & Err.Number
        Err.Clear
        On Error GoTo 0
    End If
Next

Finish

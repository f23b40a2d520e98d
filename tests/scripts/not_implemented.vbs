' Every IVMVirtualServer member outside the virtual hard disk API, called by name as a script
' would: each raises E_NOTIMPL (Err.Number &H80004001) with an Err.Description that names the
' member and says vsdisk implements the virtual hard disk API only. The list is the listing of
' the real type library (tests/com/typelib-listing.tsv) less the disk members, the floppy image
' members and Name, Version, UpTime, Tasks and SearchPaths. Also: names resolve whatever their case.
' Ends with "N passed, M failed" and exits with the failure count.
' include: helpers.vbs
Option Explicit
Dim vs, x, count
count = 0

' Called right after the member, under On Error Resume Next, with the error it raised.
Sub Expect(member, number, description)
    count = count + 1
    Check number = &H80004001, member & ": Err.Number is &H" & Hex(number) & ", expected &H80004001"
    Check InStr(description, "IVMVirtualServer." & member & " ") > 0, member & ": Err.Description """ & description & """ does not name it"
    If member = "CreateHostDriveVirtualHardDisk" Then
        Check InStr(description, "host-drive") > 0, member & ": Err.Description does not say vsdisk makes no host-drive disks"
    Else
        Check InStr(description, "virtual hard disk API only") > 0, member & ": Err.Description does not say what vsdisk implements"
    End If
End Sub

Set vs = CreateObject("VirtualServer.Application")

' (Wine's VBScript has no Execute: one line a member.)
On Error Resume Next
Set x = vs.HostInfo : Expect "HostInfo", Err.Number, Err.Description : Err.Clear
x = vs.QueryLocale("x") : Expect "QueryLocale", Err.Number, Err.Description : Err.Clear
x = vs.DefaultLocale : Expect "DefaultLocale", Err.Number, Err.Description : Err.Clear
vs.Locale = 1 : Expect "Locale", Err.Number, Err.Description : Err.Clear
Set x = vs.FindVirtualMachine("x") : Expect "FindVirtualMachine", Err.Number, Err.Description : Err.Clear
Set x = vs.CreateVirtualMachine("x", "x") : Expect "CreateVirtualMachine", Err.Number, Err.Description : Err.Clear
vs.DeleteVirtualMachine Nothing : Expect "DeleteVirtualMachine", Err.Number, Err.Description : Err.Clear
Set x = vs.RegisterVirtualMachine("x", "x") : Expect "RegisterVirtualMachine", Err.Number, Err.Description : Err.Clear
vs.UnregisterVirtualMachine Nothing : Expect "UnregisterVirtualMachine", Err.Number, Err.Description : Err.Clear
Set x = vs.VirtualMachines : Expect "VirtualMachines", Err.Number, Err.Description : Err.Clear
Set x = vs.FindVirtualNetwork("x") : Expect "FindVirtualNetwork", Err.Number, Err.Description : Err.Clear
Set x = vs.CreateVirtualNetwork("x", "x") : Expect "CreateVirtualNetwork", Err.Number, Err.Description : Err.Clear
vs.DeleteVirtualNetwork Nothing : Expect "DeleteVirtualNetwork", Err.Number, Err.Description : Err.Clear
Set x = vs.RegisterVirtualNetwork("x", "x") : Expect "RegisterVirtualNetwork", Err.Number, Err.Description : Err.Clear
vs.UnregisterVirtualNetwork Nothing : Expect "UnregisterVirtualNetwork", Err.Number, Err.Description : Err.Clear
Set x = vs.VirtualNetworks : Expect "VirtualNetworks", Err.Number, Err.Description : Err.Clear
Set x = vs.UnconnectedNetworkAdapters : Expect "UnconnectedNetworkAdapters", Err.Number, Err.Description : Err.Clear
Set x = vs.SupportDrivers : Expect "SupportDrivers", Err.Number, Err.Description : Err.Clear
Set x = vs.CreateHostDriveVirtualHardDisk("x", "x", True) : Expect "CreateHostDriveVirtualHardDisk", Err.Number, Err.Description : Err.Clear
x = vs.VSScriptsEnabled : Expect "VSScriptsEnabled", Err.Number, Err.Description : Err.Clear
vs.VSScriptsEnabled = True : Expect "VSScriptsEnabled", Err.Number, Err.Description : Err.Clear
x = vs.VMScriptsEnabled : Expect "VMScriptsEnabled", Err.Number, Err.Description : Err.Clear
vs.VMScriptsEnabled = True : Expect "VMScriptsEnabled", Err.Number, Err.Description : Err.Clear
vs.AttachScriptToEvent 1, "x" : Expect "AttachScriptToEvent", Err.Number, Err.Description : Err.Clear
vs.RemoveScriptFromEvent 1 : Expect "RemoveScriptFromEvent", Err.Number, Err.Description : Err.Clear
x = vs.FetchScriptByEvent(1) : Expect "FetchScriptByEvent", Err.Number, Err.Description : Err.Clear
x = vs.GetConfigurationValue("x") : Expect "GetConfigurationValue", Err.Number, Err.Description : Err.Clear
vs.SetConfigurationValue "x", Empty : Expect "SetConfigurationValue", Err.Number, Err.Description : Err.Clear
vs.RemoveConfigurationValue "x" : Expect "RemoveConfigurationValue", Err.Number, Err.Description : Err.Clear
x = vs.VMRCCreateEncryptionCertificateRequest("x", 1) : Expect "VMRCCreateEncryptionCertificateRequest", Err.Number, Err.Description : Err.Clear
x = vs.VMRCEnabled : Expect "VMRCEnabled", Err.Number, Err.Description : Err.Clear
vs.VMRCEnabled = True : Expect "VMRCEnabled", Err.Number, Err.Description : Err.Clear
x = vs.VMRCAdminAddress : Expect "VMRCAdminAddress", Err.Number, Err.Description : Err.Clear
vs.VMRCAdminAddress = "x" : Expect "VMRCAdminAddress", Err.Number, Err.Description : Err.Clear
x = vs.VMRCAdminPortNumber : Expect "VMRCAdminPortNumber", Err.Number, Err.Description : Err.Clear
vs.VMRCAdminPortNumber = 1 : Expect "VMRCAdminPortNumber", Err.Number, Err.Description : Err.Clear
x = vs.VMRCXResolution : Expect "VMRCXResolution", Err.Number, Err.Description : Err.Clear
vs.VMRCXResolution = 1 : Expect "VMRCXResolution", Err.Number, Err.Description : Err.Clear
x = vs.VMRCYResolution : Expect "VMRCYResolution", Err.Number, Err.Description : Err.Clear
vs.VMRCYResolution = 1 : Expect "VMRCYResolution", Err.Number, Err.Description : Err.Clear
x = vs.VMRCEncryptionEnabled : Expect "VMRCEncryptionEnabled", Err.Number, Err.Description : Err.Clear
vs.VMRCEncryptionEnabled = True : Expect "VMRCEncryptionEnabled", Err.Number, Err.Description : Err.Clear
Set x = vs.VMRCAuthenticator : Expect "VMRCAuthenticator", Err.Number, Err.Description : Err.Clear
Set vs.VMRCAuthenticator = Nothing : Expect "VMRCAuthenticator", Err.Number, Err.Description : Err.Clear
Set x = vs.VMRCAuthenticators : Expect "VMRCAuthenticators", Err.Number, Err.Description : Err.Clear
vs.VMRCIdleConnectionTimeoutEnabled = True : Expect "VMRCIdleConnectionTimeoutEnabled", Err.Number, Err.Description : Err.Clear
x = vs.VMRCIdleConnectionTimeoutEnabled : Expect "VMRCIdleConnectionTimeoutEnabled", Err.Number, Err.Description : Err.Clear
vs.VMRCIdleConnectionTimeout = 1 : Expect "VMRCIdleConnectionTimeout", Err.Number, Err.Description : Err.Clear
x = vs.VMRCIdleConnectionTimeout : Expect "VMRCIdleConnectionTimeout", Err.Number, Err.Description : Err.Clear
x = vs.VMRCEncryptionCertificate : Expect "VMRCEncryptionCertificate", Err.Number, Err.Description : Err.Clear
vs.VMRCEncryptionCertificate = "x" : Expect "VMRCEncryptionCertificate", Err.Number, Err.Description : Err.Clear
x = vs.VMRCEncryptionCertificateRequest : Expect "VMRCEncryptionCertificateRequest", Err.Number, Err.Description : Err.Clear
x = vs.MinimumMemoryPerVM : Expect "MinimumMemoryPerVM", Err.Number, Err.Description : Err.Clear
x = vs.MaximumMemoryPerVM : Expect "MaximumMemoryPerVM", Err.Number, Err.Description : Err.Clear
x = vs.SuggestedMaximumMemoryPerVM : Expect "SuggestedMaximumMemoryPerVM", Err.Number, Err.Description : Err.Clear
x = vs.MaximumFloppyDrivesPerVM : Expect "MaximumFloppyDrivesPerVM", Err.Number, Err.Description : Err.Clear
x = vs.MaximumSerialPortsPerVM : Expect "MaximumSerialPortsPerVM", Err.Number, Err.Description : Err.Clear
x = vs.MaximumParallelPortsPerVM : Expect "MaximumParallelPortsPerVM", Err.Number, Err.Description : Err.Clear
x = vs.MaximumNetworkAdaptersPerVM : Expect "MaximumNetworkAdaptersPerVM", Err.Number, Err.Description : Err.Clear
x = vs.MaximumNumberOfIDEBuses : Expect "MaximumNumberOfIDEBuses", Err.Number, Err.Description : Err.Clear
x = vs.MaximumNumberOfSCSIControllers : Expect "MaximumNumberOfSCSIControllers", Err.Number, Err.Description : Err.Clear
x = vs.DefaultVMConfigurationPath : Expect "DefaultVMConfigurationPath", Err.Number, Err.Description : Err.Clear
vs.DefaultVMConfigurationPath = "x" : Expect "DefaultVMConfigurationPath", Err.Number, Err.Description : Err.Clear
x = vs.DefaultVNConfigurationPath : Expect "DefaultVNConfigurationPath", Err.Number, Err.Description : Err.Clear
x = vs.GetVirtualMachineFiles(Empty, True) : Expect "GetVirtualMachineFiles", Err.Number, Err.Description : Err.Clear
x = vs.GetVirtualNetworkFiles(Empty, True) : Expect "GetVirtualNetworkFiles", Err.Number, Err.Description : Err.Clear
x = vs.GetDVDFiles(Empty) : Expect "GetDVDFiles", Err.Number, Err.Description : Err.Clear
x = vs.ProductID : Expect "ProductID", Err.Number, Err.Description : Err.Clear
x = vs.AvailableSystemCapacity : Expect "AvailableSystemCapacity", Err.Number, Err.Description : Err.Clear
Set x = vs.Security : Expect "Security", Err.Number, Err.Description : Err.Clear
Set vs.Security = Nothing : Expect "Security", Err.Number, Err.Description : Err.Clear
On Error GoTo 0

Check count = 71, "expected 71 members outside the disk API, called " & count

' Name lookup ignores case, as scripts written against Virtual Server expect.
Check vs.VERSION = vs.Version, "vs.VERSION"
Check vs.tasks.count = 0, "vs.tasks.count"
Check vs.TASKS.Count = vs.Tasks.COUNT, "vs.TASKS.Count"
Check VarType(vs.uptime) = vbLong, "vs.uptime"

' SearchPaths: per server object, a string or an array of strings, read back as an array.
Dim paths, other
paths = vs.SearchPaths
Check UBound(paths) = -1, "a new server object has no search paths"
vs.SearchPaths = Array("C:\disks", "D:\more disks")
paths = vs.searchpaths
Check UBound(paths) = 1, "two search paths read back, UBound " & UBound(paths)
If UBound(paths) = 1 Then Check paths(0) = "C:\disks" And paths(1) = "D:\more disks", "the search paths read back as set"
vs.SearchPaths = "E:\one"
paths = vs.SearchPaths
Check UBound(paths) = 0, "a string is an array of one"
If UBound(paths) = 0 Then Check paths(0) = "E:\one", "the string reads back"
Set other = CreateObject("VirtualServer.Application")
Check UBound(other.SearchPaths) = -1, "another server object has its own search paths"
Dim number, description
On Error Resume Next
vs.SearchPaths = Array("C:\disks", 3)
number = Err.Number : description = Err.Description
On Error GoTo 0
Check number = &H80070057, "an array holding a number is E_INVALIDARG, got &H" & Hex(number)
Check InStr(description, "SearchPaths") > 0, "the E_INVALIDARG description names SearchPaths: " & description
paths = vs.SearchPaths
Check UBound(paths) = 0, "a refused value leaves the search paths as they were"

Finish

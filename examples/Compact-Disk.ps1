<#
.SYNOPSIS
Compacts a dynamic disk (IVMHardDisk.Compact): blocks that hold only zeros leave the file,
which gets smaller; what the guest reads stays the same. Stop the virtual machine that uses the
disk first.

.EXAMPLE
.\Compact-Disk.ps1 -Path C:\VHDs\disk.vhd

.NOTES
Exit code: 0 when compacted, 1 when not.
#>
param([Parameter(Mandatory = $true)] [string] $Path)

try {
    $vs = New-Object -ComObject VirtualServer.Application
    $disk = $vs.GetHardDisk($Path)
    $before = $disk.SizeOnHost
    $task = $disk.Compact()              # a fixed or differencing disk throws here
} catch [System.Runtime.InteropServices.COMException] {
    Write-Error ("Error 0x{0:X8}: {1}" -f $_.Exception.ErrorCode, $_.Exception.Message)
    exit 1
}
Write-Output ("Task {0}: {1}" -f $task.ID, $task.Description)
[void]$task.WaitForCompletion(-1)
if ($task.Result -ne 0) {
    Write-Error ("Failed (result {0}, error 0x{1:X8}): {2}" -f $task.Result, $task.Error, $task.ErrorDescription)
    exit 1
}
# A fresh GetHardDisk reads the file as it is now.
Write-Output ("Compacted: {0} bytes before, {1} bytes after" -f $before, $vs.GetHardDisk($Path).SizeOnHost)
exit 0

<#
.SYNOPSIS
Converts a virtual hard disk into a new one of another type (IVMHardDisk.Convert): a dynamic
disk into a fixed one or back, or a differencing disk with its parents into one disk. The
source is left as it is.

.EXAMPLE
.\Convert-Disk.ps1 -Source C:\VHDs\disk.vhd -NewPath C:\VHDs\disk-fixed.vhd -Type Fixed

.NOTES
Exit code: 0 when the new disk was made, 1 when it was not.
#>
param(
    [Parameter(Mandatory = $true)] [string] $Source,
    [Parameter(Mandatory = $true)] [string] $NewPath,
    [Parameter(Mandatory = $true)] [ValidateSet('Dynamic', 'Fixed')] [string] $Type
)

$newType = if ($Type -eq 'Fixed') { 1 } else { 0 }     # vmDiskType_FixedSize / vmDiskType_Dynamic
try {
    $vs = New-Object -ComObject VirtualServer.Application
    $task = $vs.GetHardDisk($Source).Convert($NewPath, $newType)
} catch [System.Runtime.InteropServices.COMException] {
    Write-Error ("Error 0x{0:X8}: {1}" -f $_.Exception.ErrorCode, $_.Exception.Message)
    exit 1
}
# The task runs off this thread; wait for it (-1: as long as it takes).
Write-Output ("Task {0}: {1}" -f $task.ID, $task.Description)
[void]$task.WaitForCompletion(-1)
if ($task.Result -eq 0) {
    Write-Output "Converted into $NewPath"
    exit 0
}
Write-Error ("Failed (result {0}, error 0x{1:X8}): {2}" -f $task.Result, $task.Error, $task.ErrorDescription)
exit 1

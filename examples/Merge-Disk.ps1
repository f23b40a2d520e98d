<#
.SYNOPSIS
Merges a differencing disk into its parent (IVMHardDisk.Merge): the parent then holds what the
child held, and the child is left as it was. With -NewPath, merges the child and its parents
into a new disk instead (IVMHardDisk.MergeTo) and changes neither.

.EXAMPLE
.\Merge-Disk.ps1 -Child C:\VHDs\child.vhd

.EXAMPLE
.\Merge-Disk.ps1 -Child C:\VHDs\child.vhd -NewPath C:\VHDs\flat.vhd -Type Dynamic

.NOTES
Exit code: 0 when merged, 1 when not.
#>
param(
    [Parameter(Mandatory = $true)] [string] $Child,
    [string] $NewPath,
    [ValidateSet('Dynamic', 'Fixed')] [string] $Type = 'Dynamic'
)

try {
    $vs = New-Object -ComObject VirtualServer.Application
    $disk = $vs.GetHardDisk($Child)
    if ($NewPath) {
        $task = $disk.MergeTo($NewPath, $(if ($Type -eq 'Fixed') { 1 } else { 0 }))
    } else {
        $task = $disk.Merge()            # only a differencing disk has a parent to merge into
    }
} catch [System.Runtime.InteropServices.COMException] {
    Write-Error ("Error 0x{0:X8}: {1}" -f $_.Exception.ErrorCode, $_.Exception.Message)
    exit 1
}
Write-Output ("Task {0}: {1}" -f $task.ID, $task.Description)
[void]$task.WaitForCompletion(-1)
if ($task.Result -eq 0) {
    Write-Output "Merged"
    exit 0
}
Write-Error ("Failed (result {0}, error 0x{1:X8}): {2}" -f $task.Result, $task.Error, $task.ErrorDescription)
exit 1

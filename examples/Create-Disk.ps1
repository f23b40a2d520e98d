<#
.SYNOPSIS
Creates a dynamically expanding VHD through vsdisk (or Virtual Server 2005).

.EXAMPLE
.\Create-Disk.ps1 -Path C:\VHDs\disk.vhd -SizeMB 16384

.NOTES
Exit code: 0 when the disk was created, 1 when it was not.
#>
param(
    [Parameter(Mandatory = $true)] [string] $Path,
    [Parameter(Mandatory = $true)] [ValidateRange(1, 2147483647)] [int] $SizeMB
)

try {
    $vs = New-Object -ComObject VirtualServer.Application
} catch {
    Write-Error "Cannot create VirtualServer.Application: is vsdisk.dll registered? $($_.Exception.Message)"
    exit 1
}
Write-Output ("Server {0}, vsdisk {1}" -f $vs.Name, $vs.Version)

try {
    $task = $vs.CreateDynamicVirtualHardDisk($Path, $SizeMB)
} catch [System.Runtime.InteropServices.COMException] {
    Write-Error ("Error 0x{0:X8}: {1}" -f $_.Exception.ErrorCode, $_.Exception.Message)
    exit 1
}

Write-Output ("Task {0}: {1}" -f $task.ID, $task.Description)
$last = -1
while ($true) {
    $percent = $task.PercentCompleted
    if ($percent -ne $last) {
        $last = $percent
        Write-Output "Progress: $percent%"
    }
    if ($task.IsComplete) { break }
    $task.WaitForCompletion(250)
}
if ($task.PercentCompleted -ne $last) { Write-Output "Progress: $($task.PercentCompleted)%" }

if ($task.Result -eq 0) {
    Write-Output "Created $Path ($SizeMB MB)"
    exit 0
}
Write-Error ("Failed (result {0}, error 0x{1:X8}): {2}" -f $task.Result, $task.Error, $task.ErrorDescription)
exit 1

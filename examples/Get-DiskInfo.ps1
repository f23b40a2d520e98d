<#
.SYNOPSIS
Prints what a virtual hard disk is: its file, type, sizes and, for a differencing disk, its
parent chain (IVMVirtualServer.GetHardDisk and IVMHardDisk's properties).

.EXAMPLE
.\Get-DiskInfo.ps1 -Path C:\VHDs\disk.vhd

.NOTES
Exit code: 0 when the disk was read, 1 when it was not.
#>
param([Parameter(Mandatory = $true)] [string] $Path)

$types = @{ 0 = 'dynamic'; 1 = 'fixed'; 2 = 'differencing'; 4 = 'host drive' }
try {
    $vs = New-Object -ComObject VirtualServer.Application
    # GetHardDisk opens the file and reads its footer and headers; a missing or damaged
    # file throws, with the reason in the exception's message.
    $disk = $vs.GetHardDisk($Path)
    while ($disk) {
        Write-Output ("File:          {0}" -f $disk.File)
        Write-Output ("Type:          {0}" -f $types[[int]$disk.Type])
        # The sizes are Decimals: exact for any disk.
        Write-Output ("Size in guest: {0} bytes" -f $disk.SizeInGuest)
        Write-Output ("Size on host:  {0} bytes" -f $disk.SizeOnHost)
        if ($disk.Type -ne 2) { break }
        $disk = $disk.Parent             # the next disk of a differencing chain
        Write-Output "Parent:"
    }
} catch [System.Runtime.InteropServices.COMException] {
    Write-Error ("Error 0x{0:X8}: {1}" -f $_.Exception.ErrorCode, $_.Exception.Message)
    exit 1
}
exit 0

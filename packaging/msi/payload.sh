# Sourced by make-msi.sh and make-zip.sh: the examples (in examples/) that the zip and every
# MSI carry.
# shellcheck shell=sh
examples="create-disk.vbs create-disk.js Create-Disk.ps1 create_disk.c create_disk.cpp
  inspect-disk.vbs convert-disk.vbs merge-disk.vbs compact-disk.vbs
  Get-DiskInfo.ps1 Convert-Disk.ps1 Merge-Disk.ps1 Compact-Disk.ps1"

#ifndef VSDISK_DISK_REQUEST_H
#define VSDISK_DISK_REQUEST_H

#include <windows.h>
#include <ole2.h>
#include "vsdisk.h"
#include "creation_job.h"
#include "task_list.h"

/* A new disk's format follows its path, as Hyper-V's New-VHD decides: a VHDX when it ends in
 * .vhdx (any case), else a VHD, so old scripts' disks stay VHDs. */

/* What a creation may ask for beyond the path: IVsDiskVirtualServer.CreateVirtualHardDisk's
 * options, in bytes; 0 is the format's default. Virtual Server's methods ask for none. */
struct disk_request_options {
    LONG block_size;
    LONG logical_sector_size;
    LONG physical_sector_size;
};

/* CreateDynamicVirtualHardDisk (kind CREATION_DYNAMIC) and CreateFixedVirtualHardDisk
 * (CREATION_FIXED): checks the arguments in the documented order, prepares the target, and
 * starts the task. Every failure sets error information. options may be NULL (defaults);
 * method names the member in error descriptions. */
HRESULT disk_request_start(struct task_list *tasks, enum creation_kind kind, BSTR image_path,
                           LONG size_mb, IVMTask **task);
HRESULT disk_request_start_with(struct task_list *tasks, const WCHAR *method,
                                enum creation_kind kind, BSTR image_path, LONG size_mb,
                                const struct disk_request_options *options, IVMTask **task);

/* CreateDifferencingVirtualHardDisk: pointers; Virtual Server's path rule (either path may be
 * relative, taken against the other's folder); both paths' checks; the parent (found, a valid
 * VHD whose chain resolves, a size a disk can have; only read); the child not a disk of that
 * chain; then the target as for a dynamic disk, and the task. */
HRESULT disk_request_start_differencing(struct task_list *tasks, BSTR image_path, BSTR parent_path,
                                        IVMTask **task);
HRESULT disk_request_start_differencing_with(struct task_list *tasks, const WCHAR *method,
                                             BSTR image_path, BSTR parent_path,
                                             const struct disk_request_options *options,
                                             IVMTask **task);

#endif

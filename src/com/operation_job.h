/* The jobs of IVMHardDisk's Convert, MergeTo, Merge and Compact (vhd_ops.h), a job kind next
 * to the creations (creation_job.h): everything is checked and opened on the caller's thread
 * (operation_request_start); the task's worker runs the portable operation. */
#ifndef VSDISK_OPERATION_JOB_H
#define VSDISK_OPERATION_JOB_H

#include <windows.h>
#include <ole2.h>
#include "vsdisk.h"
#include "task_list.h"

enum operation_kind {
    OPERATION_CONVERT,
    OPERATION_MERGE_TO,
    OPERATION_MERGE,
    OPERATION_COMPACT,
    OPERATION_TO_RAW,       /* IVsDiskHardDisk2.ConvertToRaw: the disk into a new raw image */
    OPERATION_FROM_RAW      /* IVsDiskVirtualServer.CreateVirtualHardDiskFromRaw */
};

/* The method kind on the disk at disk_path: checks the arguments in the documented order
 * (target and type only for Convert and MergeTo), opens the disks, and starts the task.
 * Every failure sets error information naming the method. */
HRESULT operation_request_start(struct task_list *tasks, enum operation_kind kind,
                                const WCHAR *disk_path, BSTR target_path, VMHardDiskType type,
                                IVMTask **task);

/* CreateVirtualHardDiskFromRaw: a new dynamic or fixed disk at image_path (a VHDX if it ends
 * in .vhdx, else a VHD) with the bytes of the raw image at raw_path, read as raw whatever it
 * holds; pad: a size that is not a whole number of 512-byte sectors is read as if zeros
 * extended it (else VM_E_INVALID_HD_FILE). The raw image is never written. */
HRESULT operation_request_from_raw(struct task_list *tasks, BSTR raw_path, BSTR image_path,
                                   VMHardDiskType type, BOOL pad, IVMTask **task);

#endif

#ifndef VSDISK_DISK_REQUEST_H
#define VSDISK_DISK_REQUEST_H

#include <windows.h>
#include <ole2.h>
#include "vsdisk.h"
#include "creation_job.h"
#include "task_list.h"

/* CreateDynamicVirtualHardDisk (kind CREATION_DYNAMIC) and CreateFixedVirtualHardDisk
 * (CREATION_FIXED): checks the arguments in the documented order, prepares the target, and
 * starts the task. Every failure sets error information. */
HRESULT disk_request_start(struct task_list *tasks, enum creation_kind kind, BSTR image_path,
                           LONG size_mb, IVMTask **task);

/* CreateDifferencingVirtualHardDisk: pointers; Virtual Server's path rule (either path may be
 * relative, taken against the other's folder); both paths' checks; the parent (found, a valid
 * VHD whose chain resolves, a size a disk can have; only read); the child not a disk of that
 * chain; then the target as for a dynamic disk, and the task. */
HRESULT disk_request_start_differencing(struct task_list *tasks, BSTR image_path, BSTR parent_path,
                                        IVMTask **task);

#endif

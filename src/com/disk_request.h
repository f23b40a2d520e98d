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

#endif

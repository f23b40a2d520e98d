/* IVsDiskHardDisk3: the rest of a disk's life (issue 21), behind the disk object's vtable
 * (hard_disk.c). Resize and Repair run as tasks (resize_job.c, repair_job.c: everything that
 * can be known is checked on the caller's thread, in Compact's order, then the task runs the
 * portable operation); MinimumSize and Check answer at once (hard_disk_check.c). Every
 * failure sets error information that names the member and says the rule. */
#ifndef VSDISK_HARD_DISK_LIFE_H
#define VSDISK_HARD_DISK_LIFE_H

#include <windows.h>
#include <ole2.h>
#include "vsdisk.h"
#include "task_list.h"

/* Resize(newSizeMB): E_POINTER, E_INVALIDARG (size <= 0), the disk's opening failures,
 * VM_E_WRONG_HD_IMAGE_TYPE (a differencing disk), VM_E_IMAGE_SIZE_TOO_SMALL (below the
 * format's 3 MB, or a shrink below MinimumSize: the minimum is in the description),
 * VM_E_IMAGE_SIZE_TOO_LARGE (above the format's ceiling, or a growth the layout cannot take),
 * E_NOTIMPL (shrinking a VHDX), VM_E_FILE_READ_ONLY, E_SHARING_VIOLATION. */
HRESULT resize_request_start(struct task_list *tasks, const WCHAR *disk_path, LONG size_mb,
                             IVMTask **task);

/* Repair(): E_POINTER, VM_E_FILE_READ_ONLY, E_SHARING_VIOLATION, E_NOTIMPL (a format this
 * version does not repair), E_FILE_NOT_FOUND... Never accepts a loss of data. */
HRESULT repair_request_start(struct task_list *tasks, const WCHAR *disk_path, IVMTask **task);

/* MinimumSize, in bytes. */
HRESULT hard_disk_minimum_size(const WCHAR *disk_path, double *bytes);

/* Check(): a VARIANT holding a SAFEARRAY of VARIANTs, each an IVsDiskProblem (IDispatch). */
HRESULT hard_disk_check(const WCHAR *disk_path, VARIANT *problems);

#endif

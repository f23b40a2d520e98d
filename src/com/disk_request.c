/* CreateDynamicVirtualHardDisk's checks, in the order design.md gives: pointers, path shape,
 * size, then the file system. Nothing is written before the last of them passes. */
#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"
#include "com_object.h"
#include "disk_request.h"
#include "disk_target.h"
#include "path_check.h"
#include "creation_job.h"
#include "task.h"

#define MINIMUM_SIZE_MB 3
#define MAXIMUM_SIZE_MB 2088960     /* 2040 GiB, the VHD ceiling */

static HRESULT check_path(BSTR path)
{
    const char *reason;
    HRESULT hr;

    switch (path_check((const uint16_t *)path, SysStringLen(path), &reason)) {
    case PATH_OK:
        return S_OK;
    case PATH_BAD_PATHNAME:
        hr = E_BAD_PATHNAME;
        break;
    case PATH_INVALID_NAME:
        hr = E_INVALID_NAME;
        break;
    default:
        hr = E_BUFFER_OVERFLOW;
        break;
    }
    /* The reason comes first: a path of thousands of characters would push it out of the
     * description's fixed-size buffer. */
    return error_set(hr, &IID_IVMVirtualServer,
                     L"CreateDynamicVirtualHardDisk: imagePath is not accepted: %hs: \"%ls\".",
                     reason, path);
}

static HRESULT check_size(LONG size_mb)
{
    if (size_mb <= 0)
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                         L"CreateDynamicVirtualHardDisk: size must be a positive number of megabytes, not %ld.",
                         size_mb);
    if (size_mb < MINIMUM_SIZE_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_SMALL, &IID_IVMVirtualServer,
                         L"CreateDynamicVirtualHardDisk: a size of %ld MB is too small; the smallest disk is 3 MB.",
                         size_mb);
    if (size_mb > MAXIMUM_SIZE_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVMVirtualServer,
                         L"CreateDynamicVirtualHardDisk: a size of %ld MB is too large; the largest disk is 2,088,960 MB (2040 GB).",
                         size_mb);
    return S_OK;
}

HRESULT disk_request_start(struct task_list *tasks, BSTR image_path, LONG size_mb,
                           IVMTask **task)
{
    struct disk_target *target;
    struct task_job *job;
    struct host_error error;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVMVirtualServer,
                         L"CreateDynamicVirtualHardDisk: the diskTask pointer is NULL.");
    *task = NULL;
    if (!image_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer,
                         L"CreateDynamicVirtualHardDisk: imagePath is NULL.");
    hr = check_path(image_path);
    if (FAILED(hr))
        return hr;
    hr = check_size(size_mb);
    if (FAILED(hr))
        return hr;
    hr = disk_target_prepare(image_path, (ULONGLONG)size_mb * 1024 * 1024, &target, &error);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMVirtualServer, L"%ls", error.text);
    job = creation_job_new(CREATION_DYNAMIC, target, NULL);
    if (!job)
        return error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer,
                         L"CreateDynamicVirtualHardDisk: out of memory.");
    hr = task_start(tasks, job, task);
    if (FAILED(hr))
        return hr;
    return error_none();
}

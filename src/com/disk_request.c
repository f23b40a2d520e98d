/* CreateDynamicVirtualHardDisk's and CreateFixedVirtualHardDisk's checks, in the order
 * design.md gives: pointers, path shape, size, then the file system. Nothing is written
 * before the last of them passes. */
#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"
#include "com_object.h"
#include "disk_request.h"
#include "disk_target.h"
#include "parent_disk.h"
#include "path_check.h"
#include "path_relative.h"
#include "path_resolve.h"
#include "allocation.h"
#include "creation_job.h"
#include "task.h"

#define MINIMUM_SIZE_MB 3
#define MAXIMUM_SIZE_MB 2088960     /* 2040 GiB, the VHD ceiling */

static HRESULT check_path_units(const WCHAR *method, const WCHAR *name, const WCHAR *path,
                                size_t length)
{
    const char *reason;
    HRESULT hr = hresult_from_path_verdict(path_check((const uint16_t *)path, length, &reason));

    if (SUCCEEDED(hr))
        return S_OK;
    /* The reason comes first: a path of thousands of characters would push it out of the
     * description's fixed-size buffer. */
    return error_set(hr, &IID_IVMVirtualServer, L"%ls: %ls is not accepted: %hs: \"%.*ls\".",
                     method, name, reason, (int)length, path);
}

static HRESULT check_path(const WCHAR *method, const WCHAR *name, BSTR path)
{
    return check_path_units(method, name, path, SysStringLen(path));
}

/* A new disk's format follows its extension, as New-VHD decides; this version makes VHDX
 * disks with its command only, and never a VHD under a .vhdx name. */
static HRESULT check_vhd_path(const WCHAR *method, const WCHAR *path, size_t length)
{
    if (length >= 5 && _wcsicmp(path + length - 5, L".vhdx") == 0)
        return error_set(E_NOTIMPL, &IID_IVMVirtualServer,
                         L"%ls: this version of vsdisk's COM server makes VHD disks only (a path that does not end in .vhdx); its Linux command makes VHDX disks.",
                         method);
    return S_OK;
}

static HRESULT check_size(const WCHAR *method, LONG size_mb)
{
    if (size_mb <= 0)
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                         L"%ls: size must be a positive number of megabytes, not %ld.",
                         method, size_mb);
    if (size_mb < MINIMUM_SIZE_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_SMALL, &IID_IVMVirtualServer,
                         L"%ls: a size of %ld MB is too small; the smallest disk is 3 MB.",
                         method, size_mb);
    if (size_mb > MAXIMUM_SIZE_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVMVirtualServer,
                         L"%ls: a size of %ld MB is too large; the largest disk is 2,088,960 MB (2040 GB).",
                         method, size_mb);
    return S_OK;
}

HRESULT disk_request_start(struct task_list *tasks, enum creation_kind kind, BSTR image_path,
                           LONG size_mb, IVMTask **task)
{
    const WCHAR *method = kind == CREATION_FIXED ? L"CreateFixedVirtualHardDisk"
                                                 : L"CreateDynamicVirtualHardDisk";
    struct disk_target *target;
    struct task_job *job;
    struct host_error error;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: the diskTask pointer is NULL.",
                         method);
    *task = NULL;
    if (!image_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: imagePath is NULL.", method);
    hr = check_path(method, L"imagePath", image_path);
    if (SUCCEEDED(hr))
        hr = check_vhd_path(method, image_path, SysStringLen(image_path));
    if (FAILED(hr))
        return hr;
    hr = check_size(method, size_mb);
    if (FAILED(hr))
        return hr;
    hr = disk_target_prepare(image_path, kind == CREATION_FIXED ? DISK_TARGET_FIXED
                                                               : DISK_TARGET_DYNAMIC,
                             (ULONGLONG)size_mb * 1024 * 1024, &target, &error);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMVirtualServer, L"%ls", error.text);
    job = creation_job_new(kind, target, NULL);
    if (!job)
        return error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"%ls: out of memory.", method);
    hr = task_start(tasks, job, task);
    if (FAILED(hr))
        return hr;
    return error_none();
}

/* --- CreateDifferencingVirtualHardDisk ---------------------------------------------------- */

#define DIFFERENCING L"CreateDifferencingVirtualHardDisk"
#define RESOLVED_MAX 32768

/* Either path may be relative; a relative one is taken relative to the other's folder. */
static HRESULT resolve_paths(BSTR image_path, BSTR parent_path, WCHAR *image, size_t *image_length,
                             WCHAR *parent, size_t *parent_length)
{
    size_t image_in = SysStringLen(image_path), parent_in = SysStringLen(parent_path);
    BOOL image_relative = image_in == 0 || path_is_relative((const uint16_t *)image_path, image_in);
    BOOL parent_relative = parent_in == 0 || path_is_relative((const uint16_t *)parent_path, parent_in);

    if (image_relative && parent_relative)
        return error_set(E_BAD_PATHNAME, &IID_IVMVirtualServer,
                         DIFFERENCING L": imagePath \"%ls\" and parentPath \"%ls\" are both empty or relative; at least one must be a full path, against whose folder the other is taken.",
                         image_path, parent_path);
    *image_length = image_in < RESOLVED_MAX ? image_in : RESOLVED_MAX;
    memcpy(image, image_path, *image_length * sizeof(WCHAR));
    *parent_length = parent_in < RESOLVED_MAX ? parent_in : RESOLVED_MAX;
    memcpy(parent, parent_path, *parent_length * sizeof(WCHAR));
    if (image_relative && image_in > 0) {
        *image_length = path_resolve_against((const uint16_t *)parent_path, parent_in,
                                             (const uint16_t *)image_path, image_in,
                                             (uint16_t *)image, RESOLVED_MAX);
        if (!*image_length)
            return error_set(E_BAD_PATHNAME, &IID_IVMVirtualServer,
                             DIFFERENCING L": the relative imagePath \"%ls\" cannot be taken relative to the folder of parentPath \"%ls\".",
                             image_path, parent_path);
    }
    if (parent_relative && parent_in > 0) {
        *parent_length = path_resolve_against((const uint16_t *)image_path, image_in,
                                              (const uint16_t *)parent_path, parent_in,
                                              (uint16_t *)parent, RESOLVED_MAX);
        if (!*parent_length)
            return error_set(E_BAD_PATHNAME, &IID_IVMVirtualServer,
                             DIFFERENCING L": the relative parentPath \"%ls\" cannot be taken relative to the folder of imagePath \"%ls\".",
                             parent_path, image_path);
    }
    image[*image_length] = 0;
    parent[*parent_length] = 0;
    return S_OK;
}

HRESULT disk_request_start_differencing(struct task_list *tasks, BSTR image_path, BSTR parent_path,
                                        IVMTask **task)
{
    WCHAR *image = NULL, *parent_name = NULL;
    size_t image_length = 0, parent_length = 0, level = 0;
    struct parent_disk *parent = NULL;
    uint16_t relative[VHD_PARENT_RELATIVE_MAX_UNITS];
    struct disk_target *target;
    struct task_job *job;
    struct host_error error;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVMVirtualServer, DIFFERENCING L": the diskTask pointer is NULL.");
    *task = NULL;
    if (!image_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer, DIFFERENCING L": imagePath is NULL.");
    if (!parent_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer, DIFFERENCING L": parentPath is NULL.");
    image = vs_malloc((RESOLVED_MAX + 1) * sizeof(WCHAR));
    parent_name = vs_malloc((RESOLVED_MAX + 1) * sizeof(WCHAR));
    parent = vs_malloc(sizeof(*parent));
    if (!image || !parent_name || !parent) {
        hr = error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, DIFFERENCING L": out of memory.");
        goto done;
    }
    hr = resolve_paths(image_path, parent_path, image, &image_length, parent_name, &parent_length);
    if (FAILED(hr))
        goto done;
    hr = check_path_units(DIFFERENCING, L"imagePath", image, image_length);
    if (SUCCEEDED(hr))
        hr = check_vhd_path(DIFFERENCING, image, image_length);
    if (FAILED(hr))
        goto done;
    hr = check_path_units(DIFFERENCING, L"parentPath", parent_name, parent_length);
    if (FAILED(hr))
        goto done;

    hr = parent_disk_read(parent_name, parent, &error);
    if (FAILED(hr)) {
        hr = error_set(hr, &IID_IVMVirtualServer, DIFFERENCING L": %ls", error.text);
        goto done;
    }
    if (parent_disk_chain_contains(parent, image, &level)) {
        hr = error_set(E_ALREADY_EXISTS, &IID_IVMVirtualServer,
                       level == 0 ? DIFFERENCING L": imagePath \"%ls\" is the parent disk itself; a differencing disk needs a new file."
                                  : DIFFERENCING L": imagePath \"%ls\" is a disk of the parent's chain; a differencing disk needs a new file.",
                       image);
        goto done;
    }
    parent->facts.relative_path = relative;
    parent->facts.relative_length = path_relative_to_file(
        (const uint16_t *)image, image_length, parent->facts.absolute_path,
        parent->facts.absolute_length, PATH_FLAVOUR_WINDOWS, relative, ARRAYSIZE(relative));

    hr = disk_target_prepare(image, DISK_TARGET_DIFFERENCING, parent->facts.size_bytes, &target, &error);
    if (FAILED(hr)) {
        hr = error_set(hr, &IID_IVMVirtualServer, L"%ls", error.text);
        goto done;
    }
    job = creation_job_new(CREATION_DIFFERENCING, target, &parent->facts);
    if (!job) {
        hr = error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, DIFFERENCING L": out of memory.");
        goto done;
    }
    hr = task_start(tasks, job, task);
    if (SUCCEEDED(hr))
        hr = error_none();
done:
    vs_free(image);
    vs_free(parent_name);
    vs_free(parent);
    return hr;
}

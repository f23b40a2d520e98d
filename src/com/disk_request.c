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

#define VHDX_MAXIMUM_SIZE_MB 67108864   /* 64 TiB, the VHDX ceiling */

static HRESULT check_size(const WCHAR *method, LONG size_mb, BOOL vhdx)
{
    if (size_mb <= 0)
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                         L"%ls: size must be a positive number of megabytes, not %ld.",
                         method, size_mb);
    if (size_mb < MINIMUM_SIZE_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_SMALL, &IID_IVMVirtualServer,
                         L"%ls: a size of %ld MB is too small; the smallest disk is 3 MB.",
                         method, size_mb);
    if (vhdx && size_mb > VHDX_MAXIMUM_SIZE_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVMVirtualServer,
                         L"%ls: a size of %ld MB is too large; the largest VHDX is 67,108,864 MB (64 TB).",
                         method, size_mb);
    if (!vhdx && size_mb > MAXIMUM_SIZE_MB)
        return error_set(VM_E_IMAGE_SIZE_TOO_LARGE, &IID_IVMVirtualServer,
                         L"%ls: a size of %ld MB is too large; the largest VHD is 2,088,960 MB (2040 GB) (a path ending in .vhdx makes a VHDX, up to 64 TB).",
                         method, size_mb);
    return S_OK;
}

/* The options against the format's rules (the size is checked apart): E_INVALIDARG naming the
 * rule. A differencing disk has its parent's sector sizes. */
static HRESULT check_options(const WCHAR *method, const struct disk_request_options *options,
                             BOOL vhdx, BOOL differencing)
{
    vhdx_create_options vhdx_options;
    vhdx_create_check check;

    if (!options)
        return S_OK;
    if (options->block_size < 0 || options->logical_sector_size < 0 || options->physical_sector_size < 0)
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                         L"%ls: blockSize, logicalSectorSize and physicalSectorSize are bytes, or 0 for the default; none can be negative.",
                         method);
    if (differencing && (options->logical_sector_size || options->physical_sector_size))
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                         L"%ls: a differencing disk has its parent's sector sizes; give 0 for logicalSectorSize and physicalSectorSize.",
                         method);
    if (!vhdx) {
        if ((options->block_size && options->block_size != 2 * 1024 * 1024)
            || (options->logical_sector_size && options->logical_sector_size != 512)
            || (options->physical_sector_size && options->physical_sector_size != 512))
            return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                             L"%ls: a VHD has 2 MB blocks and 512-byte sectors (blockSize 0 or 2097152, sector sizes 0 or 512); a path ending in .vhdx makes a VHDX, whose sizes can be chosen.",
                             method);
        return S_OK;
    }
    memset(&vhdx_options, 0, sizeof(vhdx_options));
    vhdx_options.size_bytes = 4096;     /* any valid size: the options alone are checked */
    vhdx_options.block_size = (uint32_t)options->block_size;
    vhdx_options.logical_sector_size = (uint32_t)options->logical_sector_size;
    vhdx_options.physical_sector_size = (uint32_t)options->physical_sector_size;
    check = vhdx_check_options(&vhdx_options);
    if (check != VHDX_CREATE_VALID)
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer, L"%ls: %hs (blockSize %ld, logicalSectorSize %ld, physicalSectorSize %ld).",
                         method, vhdx_create_check_message(check), options->block_size,
                         options->logical_sector_size, options->physical_sector_size);
    return S_OK;
}

HRESULT disk_request_start(struct task_list *tasks, enum creation_kind kind, BSTR image_path,
                           LONG size_mb, IVMTask **task)
{
    return disk_request_start_with(tasks, kind == CREATION_FIXED ? L"CreateFixedVirtualHardDisk"
                                                                 : L"CreateDynamicVirtualHardDisk",
                                   kind, image_path, size_mb, NULL, task);
}

HRESULT disk_request_start_with(struct task_list *tasks, const WCHAR *method,
                                enum creation_kind kind, BSTR image_path, LONG size_mb,
                                const struct disk_request_options *options, IVMTask **task)
{
    struct disk_target_shape shape;
    struct disk_target *target;
    struct task_job *job;
    struct host_error error;
    BOOL vhdx;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: the diskTask pointer is NULL.",
                         method);
    *task = NULL;
    if (!image_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: imagePath is NULL.", method);
    hr = check_path(method, L"imagePath", image_path);
    if (FAILED(hr))
        return hr;
    vhdx = disk_target_format_of_path(image_path) == DISK_FORMAT_VHDX;
    hr = check_size(method, size_mb, vhdx);
    if (SUCCEEDED(hr))
        hr = check_options(method, options, vhdx, FALSE);
    if (FAILED(hr))
        return hr;
    memset(&shape, 0, sizeof(shape));
    shape.format = vhdx ? DISK_FORMAT_VHDX : DISK_FORMAT_VHD;
    shape.kind = kind == CREATION_FIXED ? DISK_TARGET_FIXED : DISK_TARGET_DYNAMIC;
    shape.size_bytes = (ULONGLONG)size_mb * 1024 * 1024;
    if (options && vhdx) {
        shape.block_size = (ULONG)options->block_size;
        shape.logical_sector_size = (ULONG)options->logical_sector_size;
        shape.physical_sector_size = (ULONG)options->physical_sector_size;
    }
    hr = disk_target_prepare_shape(image_path, &shape, &target, &error);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMVirtualServer, L"%ls", error.text);
    job = creation_job_new(kind, target, NULL, NULL);
    if (!job)
        return error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"%ls: out of memory.", method);
    hr = task_start(tasks, job, task);
    if (FAILED(hr))
        return hr;
    return error_none();
}

/* --- CreateDifferencingVirtualHardDisk ---------------------------------------------------- */

#define RESOLVED_MAX 32768

/* Either path may be relative; a relative one is taken relative to the other's folder. */
static HRESULT resolve_paths(const WCHAR *method, BSTR image_path, BSTR parent_path, WCHAR *image,
                             size_t *image_length, WCHAR *parent, size_t *parent_length)
{
    size_t image_in = SysStringLen(image_path), parent_in = SysStringLen(parent_path);
    BOOL image_relative = image_in == 0 || path_is_relative((const uint16_t *)image_path, image_in);
    BOOL parent_relative = parent_in == 0 || path_is_relative((const uint16_t *)parent_path, parent_in);

    if (image_relative && parent_relative)
        return error_set(E_BAD_PATHNAME, &IID_IVMVirtualServer,
                         L"%ls: imagePath \"%ls\" and parentPath \"%ls\" are both empty or relative; at least one must be a full path, against whose folder the other is taken.", method,
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
                             L"%ls: the relative imagePath \"%ls\" cannot be taken relative to the folder of parentPath \"%ls\".", method,
                             image_path, parent_path);
    }
    if (parent_relative && parent_in > 0) {
        *parent_length = path_resolve_against((const uint16_t *)image_path, image_in,
                                              (const uint16_t *)parent_path, parent_in,
                                              (uint16_t *)parent, RESOLVED_MAX);
        if (!*parent_length)
            return error_set(E_BAD_PATHNAME, &IID_IVMVirtualServer,
                             L"%ls: the relative parentPath \"%ls\" cannot be taken relative to the folder of imagePath \"%ls\".", method,
                             parent_path, image_path);
    }
    image[*image_length] = 0;
    parent[*parent_length] = 0;
    return S_OK;
}

HRESULT disk_request_start_differencing(struct task_list *tasks, BSTR image_path, BSTR parent_path,
                                        IVMTask **task)
{
    return disk_request_start_differencing_with(tasks, L"CreateDifferencingVirtualHardDisk",
                                                image_path, parent_path, NULL, task);
}

/* The child's format is its path's; its parent must be of the same format. */
static HRESULT check_parent_format(const WCHAR *method, const WCHAR *image, BOOL vhdx,
                                   const struct parent_disk *parent)
{
    if ((parent->format == DISK_FORMAT_VHDX) == vhdx)
        return S_OK;
    return error_set(VM_E_WRONG_HD_IMAGE_TYPE, &IID_IVMVirtualServer,
                     L"%ls: the parent \"%ls\" is a %hs, and a differencing disk is always of its parent's format, so \"%ls\" %ls.",
                     method, parent->path, disk_format_name(parent->format), image,
                     vhdx ? L"cannot be a VHDX: give it a name that does not end in .vhdx"
                          : L"must be a VHDX: give it a name ending in .vhdx");
}

HRESULT disk_request_start_differencing_with(struct task_list *tasks, const WCHAR *method,
                                             BSTR image_path, BSTR parent_path,
                                             const struct disk_request_options *options,
                                             IVMTask **task)
{
    WCHAR *image = NULL, *parent_name = NULL;
    size_t image_length = 0, parent_length = 0, level = 0;
    struct parent_disk *parent = NULL;
    uint16_t relative[VHD_PARENT_RELATIVE_MAX_UNITS];
    WCHAR volume[MAX_PATH + 64];
    struct disk_target_shape shape;
    struct disk_target *target;
    struct task_job *job;
    struct host_error error;
    BOOL vhdx;
    HRESULT hr;

    if (!task)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: the diskTask pointer is NULL.", method);
    *task = NULL;
    if (!image_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: imagePath is NULL.", method);
    if (!parent_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: parentPath is NULL.", method);
    image = vs_malloc((RESOLVED_MAX + 1) * sizeof(WCHAR));
    parent_name = vs_malloc((RESOLVED_MAX + 1) * sizeof(WCHAR));
    parent = vs_malloc(sizeof(*parent));
    if (!image || !parent_name || !parent) {
        hr = error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"%ls: out of memory.", method);
        goto done;
    }
    hr = resolve_paths(method, image_path, parent_path, image, &image_length, parent_name, &parent_length);
    if (FAILED(hr))
        goto done;
    hr = check_path_units(method, L"imagePath", image, image_length);
    if (FAILED(hr))
        goto done;
    hr = check_path_units(method, L"parentPath", parent_name, parent_length);
    if (FAILED(hr))
        goto done;
    vhdx = disk_target_format_of_path(image) == DISK_FORMAT_VHDX;
    if (FAILED(hr = check_options(method, options, vhdx, TRUE)))
        goto done;

    hr = parent_disk_read(parent_name, parent, &error);
    if (FAILED(hr)) {
        hr = error_set(hr, &IID_IVMVirtualServer, L"%ls: %ls", method, error.text);
        goto done;
    }
    if (parent_disk_chain_contains(parent, image, &level)) {
        hr = error_set(E_ALREADY_EXISTS, &IID_IVMVirtualServer,
                       level == 0 ? L"%ls: imagePath \"%ls\" is the parent disk itself; a differencing disk needs a new file."
                                  : L"%ls: imagePath \"%ls\" is a disk of the parent's chain; a differencing disk needs a new file.",
                       method, image);
        goto done;
    }
    if (FAILED(hr = check_parent_format(method, image, vhdx, parent)))
        goto done;
    parent->facts.relative_path = relative;
    parent->facts.relative_length = path_relative_to_file(
        (const uint16_t *)image, image_length, parent->facts.absolute_path,
        parent->facts.absolute_length, PATH_FLAVOUR_WINDOWS, relative, ARRAYSIZE(relative));
    /* A VHDX child records the three path keys Windows writes (vhdx_create.h). */
    parent->vhdx.relative_path = parent->facts.relative_path;
    parent->vhdx.relative_length = parent->facts.relative_length;
    parent->vhdx.absolute_win32_path = parent->facts.absolute_path;
    parent->vhdx.absolute_win32_length = parent->facts.absolute_length;
    parent->vhdx.volume_length = parent_disk_volume_path(parent->path, volume, ARRAYSIZE(volume));
    parent->vhdx.volume_path = (const uint16_t *)volume;

    memset(&shape, 0, sizeof(shape));
    shape.format = vhdx ? DISK_FORMAT_VHDX : DISK_FORMAT_VHD;
    shape.kind = DISK_TARGET_DIFFERENCING;
    shape.size_bytes = parent->facts.size_bytes;
    if (vhdx) {
        shape.block_size = options ? (ULONG)options->block_size : 0;
        shape.logical_sector_size = parent->vhdx.logical_sector_size;
        shape.physical_sector_size = parent->vhdx.physical_sector_size;
    }
    hr = disk_target_prepare_shape(image, &shape, &target, &error);
    if (FAILED(hr)) {
        hr = error_set(hr, &IID_IVMVirtualServer, L"%ls", error.text);
        goto done;
    }
    job = creation_job_new(CREATION_DIFFERENCING, target, vhdx ? NULL : &parent->facts,
                           vhdx ? &parent->vhdx : NULL);
    if (!job) {
        hr = error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"%ls: out of memory.", method);
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

/* VMHardDisk: an existing virtual hard disk image, VHD or VHDX (IVMVirtualServer.GetHardDisk).
 * It holds only the path: every property opens the file, reads what it needs through the
 * neutral reader, and closes it, so it reports what the file holds now. The object implements
 * IVMHardDisk, vsdisk's IVsDiskHardDisk (the sizes as Numbers, which JScript can read) and
 * IVsDiskHardDisk2 (format, block and sector sizes, virtual disk id) and IVsDiskHardDisk3
 * (Resize, MinimumSize, Check, Repair: hard_disk_life.h); its IDispatch describes
 * IVsDiskHardDisk3. */
#include <windows.h>
#include <ole2.h>
#include <wchar.h>

#include "allocation.h"
#include "vsdisk.h"
#include "module.h"
#include "com_object.h"
#include "disk_file.h"
#include "hard_disk.h"
#include "hard_disk_life.h"
#include "operation_job.h"
#include "path_check.h"

struct hard_disk {
    IVsDiskHardDisk3 IVsDiskHardDisk_iface;   /* IVMHardDisk and IVsDiskHardDisk are its first parts */
    struct com_extras extras;
    LONG ref;
    BSTR path;
    struct task_list *tasks;    /* where the disk's jobs are listed (the server's Tasks) */
};

static const IID *const hard_disk_iids[] = { &IID_IVMHardDisk, &IID_IVsDiskHardDisk, &IID_IVsDiskHardDisk2,
                                              &IID_IVsDiskHardDisk3, NULL };

static inline struct hard_disk *impl_from_IVsDiskHardDisk(IVsDiskHardDisk3 *iface)
{
    return CONTAINING_RECORD(iface, struct hard_disk, IVsDiskHardDisk_iface);
}

static HRESULT WINAPI hard_disk_QueryInterface(IVsDiskHardDisk3 *iface, REFIID riid, void **out)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);

    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)
        || IsEqualIID(riid, &IID_IVMHardDisk) || IsEqualIID(riid, &IID_IVsDiskHardDisk)
        || IsEqualIID(riid, &IID_IVsDiskHardDisk2) || IsEqualIID(riid, &IID_IVsDiskHardDisk3)) {
        *out = iface;
        IVsDiskHardDisk3_AddRef(iface);
        return S_OK;
    }
    if (com_extras_query(&disk->extras, riid, out))
        return S_OK;
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI hard_disk_AddRef(IVsDiskHardDisk3 *iface)
{
    return InterlockedIncrement(&impl_from_IVsDiskHardDisk(iface)->ref);
}

static ULONG WINAPI hard_disk_Release(IVsDiskHardDisk3 *iface)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    LONG ref = InterlockedDecrement(&disk->ref);

    if (ref == 0) {
        SysFreeString(disk->path);
        task_list_release(disk->tasks);
        vs_free(disk);
        module_release();
    }
    return ref;
}

static HRESULT WINAPI hard_disk_GetTypeInfoCount(IVsDiskHardDisk3 *iface, UINT *count)
{
    (void)iface;
    if (!count)
        return E_POINTER;
    *count = 1;
    return S_OK;
}

static HRESULT WINAPI hard_disk_GetTypeInfo(IVsDiskHardDisk3 *iface, UINT index, LCID lcid,
                                            ITypeInfo **out)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_type_info(&IID_IVsDiskHardDisk3, index, out);
}

static HRESULT WINAPI hard_disk_GetIDsOfNames(IVsDiskHardDisk3 *iface, REFIID riid, LPOLESTR *names,
                                              UINT count, LCID lcid, DISPID *ids)
{
    (void)iface;
    (void)lcid;
    return dispatch_get_ids_of_names(&IID_IVsDiskHardDisk3, riid, names, count, ids);
}

static HRESULT WINAPI hard_disk_Invoke(IVsDiskHardDisk3 *iface, DISPID member, REFIID riid, LCID lcid,
                                       WORD flags, DISPPARAMS *params, VARIANT *result,
                                       EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return dispatch_invoke(iface, &IID_IVsDiskHardDisk3, member, riid, flags, params, result,
                           excep, arg_err);
}

static HRESULT WINAPI hard_disk_Merge(IVsDiskHardDisk3 *iface, IVMTask **task)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    return operation_request_start(disk->tasks, OPERATION_MERGE, disk->path, NULL,
                                   vmDiskType_Dynamic, task);
}

static HRESULT WINAPI hard_disk_MergeTo(IVsDiskHardDisk3 *iface, BSTR path, VMHardDiskType type,
                                        IVMTask **task)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    return operation_request_start(disk->tasks, OPERATION_MERGE_TO, disk->path, path, type, task);
}

static HRESULT WINAPI hard_disk_Compact(IVsDiskHardDisk3 *iface, IVMTask **task)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    return operation_request_start(disk->tasks, OPERATION_COMPACT, disk->path, NULL,
                                   vmDiskType_Dynamic, task);
}

static HRESULT WINAPI hard_disk_Convert(IVsDiskHardDisk3 *iface, BSTR path, VMHardDiskType type,
                                        IVMTask **task)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    return operation_request_start(disk->tasks, OPERATION_CONVERT, disk->path, path, type, task);
}

static HRESULT WINAPI hard_disk_get_File(IVsDiskHardDisk3 *iface, BSTR *name)
{
    if (!name)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"IVMHardDisk.File: the result pointer is NULL.");
    *name = SysAllocString(impl_from_IVsDiskHardDisk(iface)->path);
    if (!*name)
        return error_set(E_OUTOFMEMORY, &IID_IVMHardDisk, L"IVMHardDisk.File: out of memory.");
    return error_none();
}

/* Opens the disk for a property; on failure sets error information naming the member. */
static HRESULT open_for(struct hard_disk *disk, const WCHAR *member, struct disk_file **file)
{
    struct host_error error;
    HRESULT hr = disk_file_open(disk->path, VHD_IO_OPEN_READ, file, &error);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMHardDisk, L"IVMHardDisk.%ls: %ls", member, error.text);
    return S_OK;
}

static HRESULT WINAPI hard_disk_get_Type(IVsDiskHardDisk3 *iface, VMHardDiskType *type)
{
    struct disk_file *file;
    HRESULT hr;

    if (!type)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"IVMHardDisk.Type: the result pointer is NULL.");
    if (FAILED(hr = open_for(impl_from_IVsDiskHardDisk(iface), L"Type", &file)))
        return hr;
    switch (disk_file_info(file)->kind) {
    case DISK_KIND_FIXED:        *type = vmDiskType_FixedSize; break;
    case DISK_KIND_DIFFERENCING: *type = vmDiskType_Differencing; break;
    default:                     *type = vmDiskType_Dynamic; break;
    }
    disk_file_close(file);
    return error_none();
}

static HRESULT WINAPI hard_disk_get_Security(IVsDiskHardDisk3 *iface, IVMSecurity **security)
{
    (void)iface;
    if (security)
        *security = NULL;
    return error_set(E_NOTIMPL, &IID_IVMHardDisk,
                     L"IVMHardDisk.Security is not implemented: vsdisk keeps no Virtual Server "
                     L"security settings; use the file's own permissions.");
}

/* A Decimal of scale 0, as Virtual Server returns sizes. */
static void decimal_variant(VARIANT *out, ULONGLONG value)
{
    DECIMAL decimal;

    memset(&decimal, 0, sizeof(decimal));
    decimal.Lo64 = value;
    V_DECIMAL(out) = decimal;
    V_VT(out) = VT_DECIMAL;    /* after: vt shares its place with the DECIMAL's wReserved */
}

static HRESULT WINAPI hard_disk_get_SizeInGuest(IVsDiskHardDisk3 *iface, VARIANT *size)
{
    struct disk_file *file;
    HRESULT hr;

    if (!size)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"IVMHardDisk.SizeInGuest: the result pointer is NULL.");
    VariantInit(size);
    if (FAILED(hr = open_for(impl_from_IVsDiskHardDisk(iface), L"SizeInGuest", &file)))
        return hr;
    decimal_variant(size, disk_file_info(file)->size);
    disk_file_close(file);
    return error_none();
}

static HRESULT WINAPI hard_disk_get_SizeOnHost(IVsDiskHardDisk3 *iface, VARIANT *size)
{
    struct disk_file *file;
    HRESULT hr;

    if (!size)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"IVMHardDisk.SizeOnHost: the result pointer is NULL.");
    VariantInit(size);
    if (FAILED(hr = open_for(impl_from_IVsDiskHardDisk(iface), L"SizeOnHost", &file)))
        return hr;
    decimal_variant(size, disk_file_info(file)->file_size);
    disk_file_close(file);
    return error_none();
}

static HRESULT WINAPI hard_disk_get_HostFreeDiskSpace(IVsDiskHardDisk3 *iface, VARIANT *bytes)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    struct host_error error;
    ULONGLONG free_bytes;
    HRESULT hr;

    if (!bytes)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"IVMHardDisk.HostFreeDiskSpace: the result pointer is NULL.");
    VariantInit(bytes);
    if (FAILED(hr = disk_file_free_space(disk->path, &free_bytes, &error)))
        return error_set(hr, &IID_IVMHardDisk, L"IVMHardDisk.HostFreeDiskSpace: %ls", error.text);
    decimal_variant(bytes, free_bytes);
    return error_none();
}

static HRESULT WINAPI hard_disk_get_Parent(IVsDiskHardDisk3 *iface, IVMHardDisk **parent)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    struct host_error error;
    struct disk_file *file;
    WCHAR *parent_path;
    HRESULT hr;

    if (!parent)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"IVMHardDisk.Parent: the result pointer is NULL.");
    *parent = NULL;
    if (FAILED(hr = open_for(disk, L"Parent", &file)))
        return hr;
    if (disk_file_info(file)->kind != DISK_KIND_DIFFERENCING) {
        disk_file_close(file);
        error_none();
        return S_FALSE;    /* not a differencing disk: no parent */
    }
    hr = disk_file_find_parent(file, &parent_path, &error);
    disk_file_close(file);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMHardDisk, L"IVMHardDisk.Parent: %ls", error.text);
    hr = hard_disk_create(parent_path, disk->tasks, parent);
    vs_free(parent_path);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMHardDisk, L"IVMHardDisk.Parent: out of memory.");
    return error_none();
}

static HRESULT WINAPI hard_disk_put_Parent(IVsDiskHardDisk3 *iface, IVMHardDisk *parent)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    struct host_error error;
    BSTR parent_path = NULL;
    const char *reason;
    HRESULT hr;

    if (!parent)
        return error_set(E_POINTER, &IID_IVMHardDisk, L"IVMHardDisk.Parent: the new parent is Nothing (NULL).");
    /* Any IVMHardDisk will do: its File names the new parent. */
    hr = IVMHardDisk_get_File(parent, &parent_path);
    if (FAILED(hr) || !parent_path) {
        SysFreeString(parent_path);
        return error_set(FAILED(hr) ? hr : E_INVALIDARG, &IID_IVMHardDisk,
                         L"IVMHardDisk.Parent: the new parent's File could not be read.");
    }
    if (path_check((const uint16_t *)parent_path, SysStringLen(parent_path), &reason) != PATH_OK) {
        hr = error_set(E_BAD_PATHNAME, &IID_IVMHardDisk,
                       L"IVMHardDisk.Parent: the new parent's path is not accepted: %hs.", reason);
        SysFreeString(parent_path);
        return hr;
    }
    hr = disk_file_relink(disk->path, parent_path, &error);
    SysFreeString(parent_path);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMHardDisk, L"IVMHardDisk.Parent: %ls", error.text);
    return error_none();
}

static HRESULT WINAPI hard_disk_get_HostDriveIdentifier(IVsDiskHardDisk3 *iface, BSTR *identifier)
{
    (void)iface;
    if (!identifier)
        return error_set(E_POINTER, &IID_IVMHardDisk,
                         L"IVMHardDisk.HostDriveIdentifier: the result pointer is NULL.");
    *identifier = NULL;
    error_none();
    return S_FALSE;    /* vsdisk makes no host-drive disks */
}

/* The Number twins of the three Decimal properties (IVsDiskHardDisk). */
static HRESULT as_number(IVsDiskHardDisk3 *iface, HRESULT (WINAPI *get)(IVsDiskHardDisk3 *, VARIANT *),
                         const WCHAR *member, double *bytes)
{
    VARIANT value;
    HRESULT hr;

    if (!bytes)
        return error_set(E_POINTER, &IID_IVsDiskHardDisk,
                         L"IVsDiskHardDisk2.%ls: the result pointer is NULL.", member);
    hr = get(iface, &value);   /* sets the error information of a failure */
    if (FAILED(hr))
        return hr;
    *bytes = (double)V_DECIMAL(&value).Lo64;
    return S_OK;
}

static HRESULT WINAPI hard_disk_get_SizeInGuestBytes(IVsDiskHardDisk3 *iface, double *bytes)
{
    return as_number(iface, hard_disk_get_SizeInGuest, L"SizeInGuestBytes", bytes);
}

static HRESULT WINAPI hard_disk_get_SizeOnHostBytes(IVsDiskHardDisk3 *iface, double *bytes)
{
    return as_number(iface, hard_disk_get_SizeOnHost, L"SizeOnHostBytes", bytes);
}

static HRESULT WINAPI hard_disk_get_HostFreeDiskSpaceBytes(IVsDiskHardDisk3 *iface, double *bytes)
{
    return as_number(iface, hard_disk_get_HostFreeDiskSpace,
                     L"HostFreeDiskSpaceBytes", bytes);
}

/* IVsDiskHardDisk2: what Virtual Server's interface cannot say. */
static HRESULT open_info(IVsDiskHardDisk3 *iface, const WCHAR *member, void *result,
                         struct disk_file **file)
{
    struct host_error error;
    HRESULT hr;

    if (!result)
        return error_set(E_POINTER, &IID_IVsDiskHardDisk2,
                         L"IVsDiskHardDisk2.%ls: the result pointer is NULL.", member);
    hr = disk_file_open(impl_from_IVsDiskHardDisk(iface)->path, VHD_IO_OPEN_READ, file, &error);
    if (FAILED(hr))
        return error_set(hr, &IID_IVsDiskHardDisk2, L"IVsDiskHardDisk2.%ls: %ls", member, error.text);
    return S_OK;
}

static HRESULT string_result(BSTR *out, const WCHAR *text, const WCHAR *member)
{
    if (!(*out = SysAllocString(text)))
        return error_set(E_OUTOFMEMORY, &IID_IVsDiskHardDisk2,
                         L"IVsDiskHardDisk2.%ls: out of memory.", member);
    return error_none();
}

static HRESULT WINAPI hard_disk_get_Format(IVsDiskHardDisk3 *iface, BSTR *format)
{
    struct disk_file *file;
    disk_format value;
    HRESULT hr;

    if (FAILED(hr = open_info(iface, L"Format", format, &file)))
        return hr;
    value = disk_file_info(file)->format;
    disk_file_close(file);
    return string_result(format, value == DISK_FORMAT_VHDX ? L"VHDX" : L"VHD", L"Format");
}

enum info_size { INFO_BLOCK_SIZE, INFO_LOGICAL_SECTOR_SIZE, INFO_PHYSICAL_SECTOR_SIZE };

static HRESULT size_result(IVsDiskHardDisk3 *iface, enum info_size which, const WCHAR *member,
                           LONG *bytes)
{
    struct disk_file *file;
    const disk_info *info;
    HRESULT hr;

    if (FAILED(hr = open_info(iface, member, bytes, &file)))
        return hr;
    info = disk_file_info(file);
    *bytes = (LONG)(which == INFO_BLOCK_SIZE ? info->block_size
                    : which == INFO_LOGICAL_SECTOR_SIZE ? info->logical_sector_size
                                                        : info->physical_sector_size);
    disk_file_close(file);
    return error_none();
}

static HRESULT WINAPI hard_disk_get_BlockSize(IVsDiskHardDisk3 *iface, LONG *bytes)
{
    return size_result(iface, INFO_BLOCK_SIZE, L"BlockSize", bytes);
}

static HRESULT WINAPI hard_disk_get_LogicalSectorSize(IVsDiskHardDisk3 *iface, LONG *bytes)
{
    return size_result(iface, INFO_LOGICAL_SECTOR_SIZE, L"LogicalSectorSize", bytes);
}

static HRESULT WINAPI hard_disk_get_PhysicalSectorSize(IVsDiskHardDisk3 *iface, LONG *bytes)
{
    return size_result(iface, INFO_PHYSICAL_SECTOR_SIZE, L"PhysicalSectorSize", bytes);
}

static HRESULT WINAPI hard_disk_get_VirtualDiskId(IVsDiskHardDisk3 *iface, BSTR *id)
{
    struct disk_file *file;
    WCHAR text[40];
    GUID guid;
    HRESULT hr;

    if (FAILED(hr = open_info(iface, L"VirtualDiskId", id, &file)))
        return hr;
    /* Both formats store the GUID in Microsoft's byte layout, as a GUID lies in memory. */
    memcpy(&guid, disk_file_info(file)->virtual_disk_id, sizeof(guid));
    disk_file_close(file);
    StringFromGUID2(&guid, text, ARRAYSIZE(text));
    return string_result(id, text, L"VirtualDiskId");
}

static HRESULT WINAPI hard_disk_ConvertToRaw(IVsDiskHardDisk3 *iface, BSTR path, IVMTask **task)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    return operation_request_start(disk->tasks, OPERATION_TO_RAW, disk->path, path,
                                   vmDiskType_Dynamic, task);
}

/* IVsDiskHardDisk3: the rest of a disk's life, each in its own file (hard_disk_life.h). */
static HRESULT WINAPI hard_disk_Resize(IVsDiskHardDisk3 *iface, LONG size_mb, IVMTask **task)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    return resize_request_start(disk->tasks, disk->path, size_mb, task);
}

static HRESULT WINAPI hard_disk_get_MinimumSize(IVsDiskHardDisk3 *iface, double *bytes)
{
    return hard_disk_minimum_size(impl_from_IVsDiskHardDisk(iface)->path, bytes);
}

static HRESULT WINAPI hard_disk_Check(IVsDiskHardDisk3 *iface, VARIANT *problems)
{
    return hard_disk_check(impl_from_IVsDiskHardDisk(iface)->path, problems);
}

static HRESULT WINAPI hard_disk_Repair(IVsDiskHardDisk3 *iface, IVMTask **task)
{
    struct hard_disk *disk = impl_from_IVsDiskHardDisk(iface);
    return repair_request_start(disk->tasks, disk->path, task);
}

static const IVsDiskHardDisk3Vtbl hard_disk_vtbl = {
    hard_disk_QueryInterface,
    hard_disk_AddRef,
    hard_disk_Release,
    hard_disk_GetTypeInfoCount,
    hard_disk_GetTypeInfo,
    hard_disk_GetIDsOfNames,
    hard_disk_Invoke,
    hard_disk_Merge,
    hard_disk_MergeTo,
    hard_disk_Compact,
    hard_disk_Convert,
    hard_disk_get_File,
    hard_disk_get_Type,
    hard_disk_get_Security,
    hard_disk_get_SizeInGuest,
    hard_disk_get_SizeOnHost,
    hard_disk_get_HostFreeDiskSpace,
    hard_disk_get_Parent,
    hard_disk_put_Parent,
    hard_disk_get_HostDriveIdentifier,
    hard_disk_get_SizeInGuestBytes,
    hard_disk_get_SizeOnHostBytes,
    hard_disk_get_HostFreeDiskSpaceBytes,
    hard_disk_get_Format,
    hard_disk_get_BlockSize,
    hard_disk_get_LogicalSectorSize,
    hard_disk_get_PhysicalSectorSize,
    hard_disk_get_VirtualDiskId,
    hard_disk_ConvertToRaw,
    hard_disk_Resize,
    hard_disk_get_MinimumSize,
    hard_disk_Check,
    hard_disk_Repair,
};

HRESULT hard_disk_create(const WCHAR *path, struct task_list *tasks, IVMHardDisk **out)
{
    struct hard_disk *disk;

    *out = NULL;
    if (!(disk = vs_malloc(sizeof(*disk))))
        return E_OUTOFMEMORY;
    if (!(disk->path = SysAllocString(path))) {
        vs_free(disk);
        return E_OUTOFMEMORY;
    }
    disk->IVsDiskHardDisk_iface.lpVtbl = &hard_disk_vtbl;
    disk->ref = 1;
    disk->tasks = tasks;
    task_list_add_ref(tasks);
    com_extras_init(&disk->extras, (IUnknown *)&disk->IVsDiskHardDisk_iface, &CLSID_VMHardDisk,
                    hard_disk_iids);
    module_add_ref();
    *out = (IVMHardDisk *)&disk->IVsDiskHardDisk_iface;
    return S_OK;
}

HRESULT hard_disk_get(BSTR image_path, struct task_list *tasks, IVMHardDisk **out)
{
    struct host_error error;
    struct disk_file *file;
    const char *reason;
    HRESULT hr;

    if (!out)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"GetHardDisk: the hardDisk pointer is NULL.");
    *out = NULL;
    if (!image_path)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"GetHardDisk: imagePath is NULL.");
    hr = hresult_from_path_verdict(path_check((const uint16_t *)image_path, SysStringLen(image_path),
                                              &reason));
    if (FAILED(hr))
        return error_set(hr, &IID_IVMVirtualServer,
                         L"GetHardDisk: imagePath is not accepted: %hs: \"%ls\".", reason, image_path);
    /* The disk must be a valid VHD or VHDX now; each property reads it again when asked. */
    if (FAILED(hr = disk_file_open(image_path, VHD_IO_OPEN_READ, &file, &error)))
        return error_set(hr, &IID_IVMVirtualServer, L"GetHardDisk: %ls", error.text);
    disk_file_close(file);
    if (FAILED(hr = hard_disk_create(image_path, tasks, out)))
        return error_set(hr, &IID_IVMVirtualServer, L"GetHardDisk: out of memory.");
    return error_none();
}

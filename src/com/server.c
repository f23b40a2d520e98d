/* VMVirtualServer: the object scripts create as VirtualServer.Application (and programs by
 * its real CLSID or vsdisk's own). */
#include <windows.h>
#include <ole2.h>
#include <stdlib.h>

#include "allocation.h"
#include "vsdisk.h"
#include "module.h"
#include "com_object.h"
#include "server.h"
#include "task_list.h"
#include "task_collection.h"
#include "disk_request.h"
#include "search_paths.h"
#include "server_unimplemented.h"
#include "hard_disk.h"
#include "operation_job.h"

#define WIDEN_(s) L##s
#define WIDEN(s) WIDEN_(s)

struct server {
    IVsDiskVirtualServer IVsDiskVirtualServer_iface;  /* IVMVirtualServer is its first part */
    const IID *dispatch_iid;    /* the interface IDispatch describes: see server_create */
    struct com_extras extras;
    LONG ref;
    ULONGLONG created_tick;
    struct task_list *tasks;
    struct search_paths search_paths;
};

static const IID *const server_iids[] = { &IID_IVMVirtualServer, &IID_IVsDiskVirtualServer, NULL };

static inline struct server *impl_from_IVsDiskVirtualServer(IVsDiskVirtualServer *iface)
{
    return CONTAINING_RECORD(iface, struct server, IVsDiskVirtualServer_iface);
}

static HRESULT WINAPI server_QueryInterface(IVsDiskVirtualServer *iface, REFIID riid, void **out)
{
    struct server *server = impl_from_IVsDiskVirtualServer(iface);

    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)
        || IsEqualIID(riid, &IID_IVMVirtualServer) || IsEqualIID(riid, &IID_IVsDiskVirtualServer)) {
        *out = iface;
        IVsDiskVirtualServer_AddRef(iface);
        return S_OK;
    }
    if (com_extras_query(&server->extras, riid, out))
        return S_OK;
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI server_AddRef(IVsDiskVirtualServer *iface)
{
    return InterlockedIncrement(&impl_from_IVsDiskVirtualServer(iface)->ref);
}

static ULONG WINAPI server_Release(IVsDiskVirtualServer *iface)
{
    struct server *server = impl_from_IVsDiskVirtualServer(iface);
    LONG ref = InterlockedDecrement(&server->ref);

    if (ref == 0) {
        /* A script that starts a creation and exits without waiting still gets its disk:
         * the last release lets in-flight creations finish before the host can exit. */
        task_list_wait_idle(server->tasks);
        task_list_release(server->tasks);
        search_paths_destroy(&server->search_paths);
        vs_free(server);
        module_release();
    }
    return ref;
}

static HRESULT WINAPI server_GetTypeInfoCount(IVsDiskVirtualServer *iface, UINT *count)
{
    (void)iface;
    if (!count)
        return E_POINTER;
    *count = 1;
    return S_OK;
}

static HRESULT WINAPI server_GetTypeInfo(IVsDiskVirtualServer *iface, UINT index, LCID lcid,
                                         ITypeInfo **out)
{
    (void)lcid;
    return dispatch_get_type_info(impl_from_IVsDiskVirtualServer(iface)->dispatch_iid, index, out);
}

static HRESULT WINAPI server_GetIDsOfNames(IVsDiskVirtualServer *iface, REFIID riid, LPOLESTR *names,
                                           UINT count, LCID lcid, DISPID *ids)
{
    (void)lcid;
    return dispatch_get_ids_of_names(impl_from_IVsDiskVirtualServer(iface)->dispatch_iid, riid, names,
                                     count, ids);
}

static HRESULT WINAPI server_Invoke(IVsDiskVirtualServer *iface, DISPID member, REFIID riid, LCID lcid,
                                    WORD flags, DISPPARAMS *params, VARIANT *result,
                                    EXCEPINFO *excep, UINT *arg_err)
{
    (void)lcid;
    return dispatch_invoke(iface, impl_from_IVsDiskVirtualServer(iface)->dispatch_iid, member, riid,
                           flags, params, result, excep, arg_err);
}

static HRESULT WINAPI server_get_Tasks(IVsDiskVirtualServer *iface, IVMTaskCollection **out)
{
    HRESULT hr;

    if (!out)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"Tasks: the result pointer is NULL.");
    hr = task_collection_create(impl_from_IVsDiskVirtualServer(iface)->tasks, out);
    if (FAILED(hr))
        return error_set(hr, &IID_IVMVirtualServer, L"Tasks: out of memory.");
    return error_none();
}

static HRESULT WINAPI server_CreateDynamicVirtualHardDisk(IVsDiskVirtualServer *iface, BSTR image_path,
                                                          LONG size, IVMTask **task)
{
    return disk_request_start(impl_from_IVsDiskVirtualServer(iface)->tasks, CREATION_DYNAMIC,
                              image_path, size, task);
}

static HRESULT WINAPI server_CreateDifferencingVirtualHardDisk(IVsDiskVirtualServer *iface,
                                                               BSTR image_path, BSTR parent_path,
                                                               IVMTask **task)
{
    return disk_request_start_differencing(impl_from_IVsDiskVirtualServer(iface)->tasks, image_path,
                                           parent_path, task);
}

static HRESULT WINAPI server_CreateFixedVirtualHardDisk(IVsDiskVirtualServer *iface, BSTR image_path,
                                                        LONG size, IVMTask **task)
{
    return disk_request_start(impl_from_IVsDiskVirtualServer(iface)->tasks, CREATION_FIXED,
                              image_path, size, task);
}

/* IVsDiskVirtualServer.CreateVirtualHardDisk: the three creations with options. */
static HRESULT WINAPI server_CreateVirtualHardDisk(IVsDiskVirtualServer *iface, BSTR image_path,
                                                   VMHardDiskType type, LONG size_mb,
                                                   BSTR parent_path, LONG block_size,
                                                   LONG logical_sector_size,
                                                   LONG physical_sector_size, IVMTask **task)
{
    static const WCHAR method[] = L"CreateVirtualHardDisk";
    struct task_list *tasks = impl_from_IVsDiskVirtualServer(iface)->tasks;
    struct disk_request_options options = { block_size, logical_sector_size, physical_sector_size };
    UINT parent_length = parent_path ? SysStringLen(parent_path) : 0;

    if (task)
        *task = NULL;
    switch (type) {
    case vmDiskType_Dynamic:
    case vmDiskType_FixedSize:
        if (parent_length)
            return error_set(E_INVALIDARG, &IID_IVsDiskVirtualServer,
                             L"%ls: parentPath is for a differencing disk only; give \"\" for a %ls disk.",
                             method, type == vmDiskType_Dynamic ? L"dynamic" : L"fixed");
        return disk_request_start_with(tasks, method, type == vmDiskType_Dynamic ? CREATION_DYNAMIC
                                                                                 : CREATION_FIXED,
                                       image_path, size_mb, &options, task);
    case vmDiskType_Differencing:
        if (size_mb != 0)
            return error_set(E_INVALIDARG, &IID_IVsDiskVirtualServer,
                             L"%ls: a differencing disk has its parent's size; give 0 for sizeInMB, not %ld.",
                             method, size_mb);
        if (!parent_length)
            return error_set(E_INVALIDARG, &IID_IVsDiskVirtualServer,
                             L"%ls: a differencing disk needs parentPath, the disk it is made from.", method);
        return disk_request_start_differencing_with(tasks, method, image_path, parent_path, &options,
                                                    task);
    default:
        return error_set(VM_E_WRONG_HD_IMAGE_TYPE, &IID_IVsDiskVirtualServer,
                         L"%ls: type %d is none of vmDiskType_Dynamic (0), vmDiskType_FixedSize (1) and vmDiskType_Differencing (2).",
                         method, (int)type);
    }
}

static HRESULT WINAPI server_CreateVirtualHardDiskFromRaw(IVsDiskVirtualServer *iface,
                                                          BSTR raw_path, BSTR image_path,
                                                          VMHardDiskType type, VARIANT_BOOL pad,
                                                          IVMTask **task)
{
    return operation_request_from_raw(impl_from_IVsDiskVirtualServer(iface)->tasks, raw_path,
                                      image_path, type, pad != VARIANT_FALSE, task);
}

static HRESULT WINAPI server_get_Name(IVsDiskVirtualServer *iface, BSTR *name)
{
    WCHAR buffer[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD length = ARRAYSIZE(buffer);

    (void)iface;
    if (!name)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"Name: the result pointer is NULL.");
    *name = NULL;
    if (!GetComputerNameW(buffer, &length))
        return error_set(DISP_E_EXCEPTION, &IID_IVMVirtualServer,
                         L"Name: the computer name could not be read (error %lu).", GetLastError());
    *name = SysAllocStringLen(buffer, length);
    if (!*name)
        return error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"Name: out of memory.");
    return error_none();
}

static HRESULT WINAPI server_get_Version(IVsDiskVirtualServer *iface, BSTR *version)
{
    (void)iface;
    if (!version)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"Version: the result pointer is NULL.");
    *version = SysAllocString(WIDEN(VSDISK_VERSION));
    if (!*version)
        return error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"Version: out of memory.");
    return error_none();
}

static HRESULT WINAPI server_get_UpTime(IVsDiskVirtualServer *iface, LONG *seconds)
{
    struct server *server = impl_from_IVsDiskVirtualServer(iface);

    if (!seconds)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"UpTime: the result pointer is NULL.");
    *seconds = (LONG)((GetTickCount64() - server->created_tick) / 1000);
    return error_none();
}

static HRESULT WINAPI server_get_SearchPaths(IVsDiskVirtualServer *iface, VARIANT *paths)
{
    return search_paths_get(&impl_from_IVsDiskVirtualServer(iface)->search_paths, paths);
}

static HRESULT WINAPI server_put_SearchPaths(IVsDiskVirtualServer *iface, VARIANT paths)
{
    return search_paths_put(&impl_from_IVsDiskVirtualServer(iface)->search_paths, &paths);
}

static HRESULT WINAPI server_GetHardDisk(IVsDiskVirtualServer *iface, BSTR image_path,
                                         IVMHardDisk **disk)
{
    return hard_disk_get(image_path, impl_from_IVsDiskVirtualServer(iface)->tasks, disk);
}

static HRESULT WINAPI server_GetHardDiskFiles(IVsDiskVirtualServer *iface, VARIANT additional,
                                              VARIANT *files)
{
    return hard_disk_files(&impl_from_IVsDiskVirtualServer(iface)->search_paths, &additional, files);
}

/* Every member of the real IVMVirtualServer, in its vtable order; the ones vsdisk does not
 * implement are in server_unimplemented.c. */
static const IVsDiskVirtualServerVtbl server_vtbl = {
    server_QueryInterface,
    server_AddRef,
    server_Release,
    server_GetTypeInfoCount,
    server_GetTypeInfo,
    server_GetIDsOfNames,
    server_Invoke,
    server_get_HostInfo,
    server_QueryLocale,
    server_get_DefaultLocale,
    server_put_Locale,
    server_FindVirtualMachine,
    server_CreateVirtualMachine,
    server_DeleteVirtualMachine,
    server_RegisterVirtualMachine,
    server_UnregisterVirtualMachine,
    server_get_VirtualMachines,
    server_FindVirtualNetwork,
    server_CreateVirtualNetwork,
    server_DeleteVirtualNetwork,
    server_RegisterVirtualNetwork,
    server_UnregisterVirtualNetwork,
    server_get_VirtualNetworks,
    server_get_UnconnectedNetworkAdapters,
    server_get_SupportDrivers,
    server_get_Tasks,
    server_CreateDynamicVirtualHardDisk,
    server_CreateFixedVirtualHardDisk,
    server_CreateDifferencingVirtualHardDisk,
    server_CreateHostDriveVirtualHardDisk,
    server_GetHardDisk,
    server_CreateFloppyDiskImage,
    server_GetFloppyDiskImageType,
    server_get_VSScriptsEnabled,
    server_put_VSScriptsEnabled,
    server_get_VMScriptsEnabled,
    server_put_VMScriptsEnabled,
    server_AttachScriptToEvent,
    server_RemoveScriptFromEvent,
    server_FetchScriptByEvent,
    server_GetConfigurationValue,
    server_SetConfigurationValue,
    server_RemoveConfigurationValue,
    server_VMRCCreateEncryptionCertificateRequest,
    server_get_VMRCEnabled,
    server_put_VMRCEnabled,
    server_get_VMRCAdminAddress,
    server_put_VMRCAdminAddress,
    server_get_VMRCAdminPortNumber,
    server_put_VMRCAdminPortNumber,
    server_get_VMRCXResolution,
    server_put_VMRCXResolution,
    server_get_VMRCYResolution,
    server_put_VMRCYResolution,
    server_get_VMRCEncryptionEnabled,
    server_put_VMRCEncryptionEnabled,
    server_get_VMRCAuthenticator,
    server_put_VMRCAuthenticator,
    server_get_VMRCAuthenticators,
    server_put_VMRCIdleConnectionTimeoutEnabled,
    server_get_VMRCIdleConnectionTimeoutEnabled,
    server_put_VMRCIdleConnectionTimeout,
    server_get_VMRCIdleConnectionTimeout,
    server_get_VMRCEncryptionCertificate,
    server_put_VMRCEncryptionCertificate,
    server_get_VMRCEncryptionCertificateRequest,
    server_get_MinimumMemoryPerVM,
    server_get_MaximumMemoryPerVM,
    server_get_SuggestedMaximumMemoryPerVM,
    server_get_MaximumFloppyDrivesPerVM,
    server_get_MaximumSerialPortsPerVM,
    server_get_MaximumParallelPortsPerVM,
    server_get_MaximumNetworkAdaptersPerVM,
    server_get_MaximumNumberOfIDEBuses,
    server_get_MaximumNumberOfSCSIControllers,
    server_get_DefaultVMConfigurationPath,
    server_put_DefaultVMConfigurationPath,
    server_get_DefaultVNConfigurationPath,
    server_get_SearchPaths,
    server_put_SearchPaths,
    server_GetHardDiskFiles,
    server_GetVirtualMachineFiles,
    server_GetVirtualNetworkFiles,
    server_GetFloppyDiskFiles,
    server_GetDVDFiles,
    server_get_Name,
    server_get_Version,
    server_get_ProductID,
    server_get_UpTime,
    server_get_AvailableSystemCapacity,
    server_get_Security,
    server_put_Security,
    server_CreateVirtualHardDisk,
    server_CreateVirtualHardDiskFromRaw,
};

/* vsdisk_class: created as VsDisk.VirtualServer (vsdisk's CLSID), whose IDispatch serves
 * IVsDiskVirtualServer; else as Virtual Server's object, member for member (IVMVirtualServer).
 * Both answer QueryInterface for IVsDiskVirtualServer. */
HRESULT server_create(REFIID riid, BOOL vsdisk_class, void **out)
{
    struct server *server;
    HRESULT hr;

    *out = NULL;
    server = vs_calloc(1, sizeof(*server));
    if (!server)
        return E_OUTOFMEMORY;
    hr = task_list_create(&server->tasks);
    if (FAILED(hr)) {
        vs_free(server);
        return hr;
    }
    server->IVsDiskVirtualServer_iface.lpVtbl = &server_vtbl;
    server->dispatch_iid = vsdisk_class ? &IID_IVsDiskVirtualServer : &IID_IVMVirtualServer;
    server->ref = 1;
    server->created_tick = GetTickCount64();
    search_paths_init(&server->search_paths);
    com_extras_init(&server->extras, (IUnknown *)&server->IVsDiskVirtualServer_iface,
                    vsdisk_class ? &CLSID_VsDiskVirtualServer : &CLSID_VMVirtualServer, server_iids);
    module_add_ref();
    hr = IVsDiskVirtualServer_QueryInterface(&server->IVsDiskVirtualServer_iface, riid, out);
    IVsDiskVirtualServer_Release(&server->IVsDiskVirtualServer_iface);
    return hr;
}

/* An early-bound C client that knows nothing of vsdisk: it declares Virtual Server's vtables
 * itself, from the listing of the real type library (tests/com/typelib-listing.tsv), as a
 * program compiled against Virtual Server would have them, and does not include vsdisk.h.
 * It creates the object by Virtual Server's CLSID, asks for the real IIDs, creates a dynamic
 * disk and calls every IVMTask member through its slot, checks the file it made, and calls a
 * few members outside the disk API (E_NOTIMPL with a description naming the member).
 * Usage: client_early_bound VERSION DISK-PATH. Ends with "N passed, M failed". */
#include <windows.h>
#include <ole2.h>
#include <stddef.h>
#include <stdio.h>
#include <wchar.h>

/* The real identities (listing: VMVirtualServerClass, IVMVirtualServer, IVMTask...). */
static const CLSID CLSID_VirtualServer_VMVirtualServer =
    { 0xDA3111BC, 0x1BD7, 0x4884, { 0xA5, 0x35, 0x84, 0x70, 0xD3, 0x60, 0x28, 0xF7 } };
static const IID IID_VirtualServer_IVMVirtualServer =
    { 0xD1E64C50, 0xA25D, 0x450F, { 0xBE, 0x0B, 0x9C, 0xA5, 0xA3, 0x54, 0xCF, 0xF4 } };
static const IID IID_VirtualServer_IVMTask =
    { 0xD067FEFC, 0xB460, 0x4F9B, { 0x9C, 0x76, 0x28, 0x5B, 0x10, 0xC0, 0x44, 0xE7 } };
static const IID IID_VirtualServer_IVMTaskCollection =
    { 0x316B0352, 0x642E, 0x42F5, { 0xAF, 0x50, 0x24, 0x1A, 0x5D, 0x38, 0xE1, 0x50 } };

#define E_NOTIMPL_ ((HRESULT)0x80004001L)

typedef struct IVMVirtualServer IVMVirtualServer;
typedef struct IVMTask IVMTask;
typedef struct IVMTaskCollection IVMTaskCollection;

#define IDISPATCH_SLOTS(T) \
    HRESULT (STDMETHODCALLTYPE *QueryInterface)(T *This, REFIID riid, void **out);   /* slot 0 */ \
    ULONG (STDMETHODCALLTYPE *AddRef)(T *This);                                      /* slot 1 */ \
    ULONG (STDMETHODCALLTYPE *Release)(T *This);                                     /* slot 2 */ \
    void *GetTypeInfoCount;                                                          /* slot 3 */ \
    void *GetTypeInfo;                                                               /* slot 4 */ \
    void *GetIDsOfNames;                                                             /* slot 5 */ \
    void *Invoke;                                                                    /* slot 6 */

/* IVMTask, D067FEFC-B460-4F9B-9C76-285B10C044E7: its 8 members. */
struct IVMTaskVtbl {
    IDISPATCH_SLOTS(IVMTask)
    HRESULT (STDMETHODCALLTYPE *WaitForCompletion)(IVMTask *This, LONG timeout);       /* slot 7 */
    HRESULT (STDMETHODCALLTYPE *Cancel)(IVMTask *This);                                /* slot 8 */
    HRESULT (STDMETHODCALLTYPE *get_PercentCompleted)(IVMTask *This, LONG *percent);   /* slot 9 */
    HRESULT (STDMETHODCALLTYPE *get_Description)(IVMTask *This, BSTR *description);    /* slot 10 */
    HRESULT (STDMETHODCALLTYPE *get_Result)(IVMTask *This, LONG *result);              /* slot 11 (VMTaskResult) */
    HRESULT (STDMETHODCALLTYPE *get_IsCancelable)(IVMTask *This, VARIANT_BOOL *value); /* slot 12 */
    HRESULT (STDMETHODCALLTYPE *get_ID)(IVMTask *This, LONG *id);                      /* slot 13 */
    HRESULT (STDMETHODCALLTYPE *get_IsComplete)(IVMTask *This, VARIANT_BOOL *value);   /* slot 14 */
};
struct IVMTask { const struct IVMTaskVtbl *lpVtbl; };

/* IVMTaskCollection, 316B0352-642E-42F5-AF50-241A5D38E150. */
struct IVMTaskCollectionVtbl {
    IDISPATCH_SLOTS(IVMTaskCollection)
    HRESULT (STDMETHODCALLTYPE *get_Count)(IVMTaskCollection *This, LONG *count);              /* slot 7 */
    HRESULT (STDMETHODCALLTYPE *get_Item)(IVMTaskCollection *This, LONG index, IVMTask **task); /* slot 8 */
    void *get__NewEnum;                                                                          /* slot 9 */
};
struct IVMTaskCollection { const struct IVMTaskCollectionVtbl *lpVtbl; };

/* IVMVirtualServer, D1E64C50-A25D-450F-BE0B-9CA5A354CFF4: all 85 members in listing order,
 * typed where this client calls them. */
struct IVMVirtualServerVtbl {
    IDISPATCH_SLOTS(IVMVirtualServer)
    HRESULT (STDMETHODCALLTYPE *get_HostInfo)(IVMVirtualServer *This, IUnknown **hostInfo);   /* slot 7 */
    void *QueryLocale;   /* slot 8 */
    void *get_DefaultLocale;   /* slot 9 */
    void *put_Locale;   /* slot 10 */
    HRESULT (STDMETHODCALLTYPE *FindVirtualMachine)(IVMVirtualServer *This, BSTR configurationName, IUnknown **virtualMachine);   /* slot 11 */
    void *CreateVirtualMachine;   /* slot 12 */
    void *DeleteVirtualMachine;   /* slot 13 */
    void *RegisterVirtualMachine;   /* slot 14 */
    void *UnregisterVirtualMachine;   /* slot 15 */
    void *get_VirtualMachines;   /* slot 16 */
    void *FindVirtualNetwork;   /* slot 17 */
    void *CreateVirtualNetwork;   /* slot 18 */
    void *DeleteVirtualNetwork;   /* slot 19 */
    void *RegisterVirtualNetwork;   /* slot 20 */
    void *UnregisterVirtualNetwork;   /* slot 21 */
    void *get_VirtualNetworks;   /* slot 22 */
    void *get_UnconnectedNetworkAdapters;   /* slot 23 */
    void *get_SupportDrivers;   /* slot 24 */
    HRESULT (STDMETHODCALLTYPE *get_Tasks)(IVMVirtualServer *This, IVMTaskCollection **tasks);   /* slot 25 */
    HRESULT (STDMETHODCALLTYPE *CreateDynamicVirtualHardDisk)(IVMVirtualServer *This, BSTR imagePath, LONG size, IVMTask **diskTask);   /* slot 26 */
    void *CreateFixedVirtualHardDisk;   /* slot 27 */
    void *CreateDifferencingVirtualHardDisk;   /* slot 28 */
    HRESULT (STDMETHODCALLTYPE *CreateHostDriveVirtualHardDisk)(IVMVirtualServer *This, BSTR imagePath, BSTR hostDriveIdentifier, VARIANT_BOOL reserved, IVMTask **diskTask);   /* slot 29 */
    void *GetHardDisk;   /* slot 30 */
    void *CreateFloppyDiskImage;   /* slot 31 */
    void *GetFloppyDiskImageType;   /* slot 32 */
    void *get_VSScriptsEnabled;   /* slot 33 */
    void *put_VSScriptsEnabled;   /* slot 34 */
    void *get_VMScriptsEnabled;   /* slot 35 */
    void *put_VMScriptsEnabled;   /* slot 36 */
    void *AttachScriptToEvent;   /* slot 37 */
    void *RemoveScriptFromEvent;   /* slot 38 */
    void *FetchScriptByEvent;   /* slot 39 */
    HRESULT (STDMETHODCALLTYPE *GetConfigurationValue)(IVMVirtualServer *This, BSTR preferenceKey, VARIANT *preferenceValue);   /* slot 40 */
    void *SetConfigurationValue;   /* slot 41 */
    void *RemoveConfigurationValue;   /* slot 42 */
    void *VMRCCreateEncryptionCertificateRequest;   /* slot 43 */
    void *get_VMRCEnabled;   /* slot 44 */
    HRESULT (STDMETHODCALLTYPE *put_VMRCEnabled)(IVMVirtualServer *This, VARIANT_BOOL isEnabled);   /* slot 45 */
    void *get_VMRCAdminAddress;   /* slot 46 */
    void *put_VMRCAdminAddress;   /* slot 47 */
    void *get_VMRCAdminPortNumber;   /* slot 48 */
    void *put_VMRCAdminPortNumber;   /* slot 49 */
    void *get_VMRCXResolution;   /* slot 50 */
    void *put_VMRCXResolution;   /* slot 51 */
    void *get_VMRCYResolution;   /* slot 52 */
    void *put_VMRCYResolution;   /* slot 53 */
    void *get_VMRCEncryptionEnabled;   /* slot 54 */
    void *put_VMRCEncryptionEnabled;   /* slot 55 */
    void *get_VMRCAuthenticator;   /* slot 56 */
    void *put_VMRCAuthenticator;   /* slot 57 */
    void *get_VMRCAuthenticators;   /* slot 58 */
    void *put_VMRCIdleConnectionTimeoutEnabled;   /* slot 59 */
    void *get_VMRCIdleConnectionTimeoutEnabled;   /* slot 60 */
    void *put_VMRCIdleConnectionTimeout;   /* slot 61 */
    void *get_VMRCIdleConnectionTimeout;   /* slot 62 */
    void *get_VMRCEncryptionCertificate;   /* slot 63 */
    void *put_VMRCEncryptionCertificate;   /* slot 64 */
    void *get_VMRCEncryptionCertificateRequest;   /* slot 65 */
    void *get_MinimumMemoryPerVM;   /* slot 66 */
    void *get_MaximumMemoryPerVM;   /* slot 67 */
    void *get_SuggestedMaximumMemoryPerVM;   /* slot 68 */
    void *get_MaximumFloppyDrivesPerVM;   /* slot 69 */
    void *get_MaximumSerialPortsPerVM;   /* slot 70 */
    void *get_MaximumParallelPortsPerVM;   /* slot 71 */
    void *get_MaximumNetworkAdaptersPerVM;   /* slot 72 */
    void *get_MaximumNumberOfIDEBuses;   /* slot 73 */
    void *get_MaximumNumberOfSCSIControllers;   /* slot 74 */
    void *get_DefaultVMConfigurationPath;   /* slot 75 */
    void *put_DefaultVMConfigurationPath;   /* slot 76 */
    void *get_DefaultVNConfigurationPath;   /* slot 77 */
    HRESULT (STDMETHODCALLTYPE *get_SearchPaths)(IVMVirtualServer *This, VARIANT *searchPaths);   /* slot 78 */
    HRESULT (STDMETHODCALLTYPE *put_SearchPaths)(IVMVirtualServer *This, VARIANT searchPaths);   /* slot 79 */
    void *GetHardDiskFiles;   /* slot 80 */
    void *GetVirtualMachineFiles;   /* slot 81 */
    void *GetVirtualNetworkFiles;   /* slot 82 */
    void *GetFloppyDiskFiles;   /* slot 83 */
    void *GetDVDFiles;   /* slot 84 */
    HRESULT (STDMETHODCALLTYPE *get_Name)(IVMVirtualServer *This, BSTR *name);   /* slot 85 */
    HRESULT (STDMETHODCALLTYPE *get_Version)(IVMVirtualServer *This, BSTR *version);   /* slot 86 */
    void *get_ProductID;   /* slot 87 */
    HRESULT (STDMETHODCALLTYPE *get_UpTime)(IVMVirtualServer *This, LONG *upTime);   /* slot 88 */
    void *get_AvailableSystemCapacity;   /* slot 89 */
    void *get_Security;   /* slot 90 */
    void *put_Security;   /* slot 91 */
};
struct IVMVirtualServer { const struct IVMVirtualServerVtbl *lpVtbl; };

/* The slots as the listing numbers them (7 IUnknown/IDispatch slots, then the members). */
#define SLOT(type, member) (offsetof(struct type, member) / sizeof(void *))
_Static_assert(sizeof(struct IVMVirtualServerVtbl) == (7 + 85) * sizeof(void *), "85 members");
_Static_assert(SLOT(IVMVirtualServerVtbl, CreateDynamicVirtualHardDisk) == 26, "slot 26");
_Static_assert(SLOT(IVMVirtualServerVtbl, get_UpTime) == 88, "slot 88");
_Static_assert(sizeof(struct IVMTaskVtbl) == (7 + 8) * sizeof(void *), "8 members");

static int passed, failed;

static void check(BOOL ok, const char *what, HRESULT hr)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL: %s (hr 0x%08lx)\n", what, (unsigned long)hr);
    }
}

/* The description of the thread's error information contains text. */
static BOOL error_names(const WCHAR *text)
{
    IErrorInfo *info = NULL;
    BSTR description = NULL;
    BOOL found;

    if (GetErrorInfo(0, &info) != S_OK || !info)
        return FALSE;
    IErrorInfo_GetDescription(info, &description);
    found = description && wcsstr(description, text) && wcsstr(description, L"not implemented");
    if (!found)
        printf("      description: %ls\n", description ? description : L"(none)");
    SysFreeString(description);
    IErrorInfo_Release(info);
    return found;
}

static unsigned long long big_endian(const unsigned char *bytes, int count)
{
    unsigned long long value = 0;
    int i;

    for (i = 0; i < count; i++)
        value = value << 8 | bytes[i];
    return value;
}

/* The file a 3 MB dynamic disk makes, read as the VHD format describes it: a footer at the end
 * and its copy at offset 0, the dynamic header where the footer points, two table entries. */
static void check_disk(const WCHAR *path)
{
    unsigned char head[512], foot[512], header[1024];
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER size = { 0 }, at;
    DWORD got = 0;

    check(file != INVALID_HANDLE_VALUE, "the disk file exists", HRESULT_FROM_WIN32(GetLastError()));
    if (file == INVALID_HANDLE_VALUE)
        return;
    GetFileSizeEx(file, &size);
    check(size.QuadPart >= 2560 && size.QuadPart % 512 == 0 && size.QuadPart <= 1024 * 1024,
          "the file of an empty 3 MB dynamic disk is small and whole sectors", S_OK);
    check(ReadFile(file, head, sizeof(head), &got, NULL) && got == sizeof(head), "read the footer copy", S_OK);
    check(ReadFile(file, header, sizeof(header), &got, NULL) && got == sizeof(header), "read the dynamic header", S_OK);
    at.QuadPart = size.QuadPart - 512;
    SetFilePointerEx(file, at, NULL, FILE_BEGIN);
    check(ReadFile(file, foot, sizeof(foot), &got, NULL) && got == sizeof(foot), "read the footer", S_OK);
    CloseHandle(file);
    check(!memcmp(foot, "conectix", 8), "the footer's cookie is conectix", S_OK);
    check(!memcmp(head, foot, 512), "the footer copy equals the footer", S_OK);
    check(big_endian(foot + 48, 8) == 3ull * 1024 * 1024, "the footer's current size is 3 MB", S_OK);
    check(big_endian(foot + 60, 4) == 3, "the footer's disk type is dynamic (3)", S_OK);
    check(big_endian(foot + 16, 8) == 512, "the footer points at the dynamic header at 512", S_OK);
    check(!memcmp(header, "cxsparse", 8), "the dynamic header's cookie is cxsparse", S_OK);
    check(big_endian(header + 28, 4) == 2, "two 2 MB blocks in the block table", S_OK);
    check(big_endian(header + 16, 8) + 2 * 4 <= (unsigned long long)size.QuadPart - 512,
          "the block table lies inside the file", S_OK);
}

static void use_task(IVMTask *task, const WCHAR *path)
{
    VARIANT_BOOL flag = 7;
    BSTR description = NULL;
    LONG value = -1;
    HRESULT hr;
    const WCHAR *file = wcsrchr(path, '\\');

    hr = task->lpVtbl->WaitForCompletion(task, -1);
    check(hr == S_OK, "IVMTask.WaitForCompletion (slot 7)", hr);
    hr = task->lpVtbl->get_IsComplete(task, &flag);
    check(hr == S_OK && flag == VARIANT_TRUE, "IVMTask.IsComplete (slot 14)", hr);
    hr = task->lpVtbl->get_PercentCompleted(task, &value);
    check(hr == S_OK && value == 100, "IVMTask.PercentCompleted (slot 9)", hr);
    value = -1;
    hr = task->lpVtbl->get_Result(task, &value);
    check(hr == S_OK && value == 0, "IVMTask.Result (slot 11) is vmTaskResult_Success", hr);
    hr = task->lpVtbl->get_Description(task, &description);
    check(hr == S_OK && description && file && wcsstr(description, file + 1), "IVMTask.Description (slot 10) names the file", hr);
    SysFreeString(description);
    flag = 7;
    hr = task->lpVtbl->get_IsCancelable(task, &flag);
    check(hr == S_OK && flag == VARIANT_FALSE, "IVMTask.IsCancelable (slot 12) is false once complete", hr);
    value = -1;
    hr = task->lpVtbl->get_ID(task, &value);
    check(hr == S_OK && value > 0, "IVMTask.ID (slot 13)", hr);
    hr = task->lpVtbl->Cancel(task);
    check(hr == E_FAIL, "IVMTask.Cancel (slot 8) of a finished task is E_FAIL", hr);
}

static void outside_disk_api(IVMVirtualServer *server)
{
    IUnknown *object = (IUnknown *)(ULONG_PTR)1;
    IVMTask *task = (IVMTask *)(ULONG_PTR)1;
    VARIANT value;
    BSTR text = SysAllocString(L"anything");
    HRESULT hr;

    hr = server->lpVtbl->get_HostInfo(server, &object);
    check(hr == E_NOTIMPL_ && !object, "HostInfo (slot 7) is E_NOTIMPL", hr);
    check(error_names(L"IVMVirtualServer.HostInfo"), "HostInfo's description names it", S_OK);
    object = (IUnknown *)(ULONG_PTR)1;
    hr = server->lpVtbl->FindVirtualMachine(server, text, &object);
    check(hr == E_NOTIMPL_ && !object, "FindVirtualMachine (slot 11) is E_NOTIMPL", hr);
    check(error_names(L"IVMVirtualServer.FindVirtualMachine"), "FindVirtualMachine's description names it", S_OK);
    VariantInit(&value);
    hr = server->lpVtbl->GetConfigurationValue(server, text, &value);
    check(hr == E_NOTIMPL_ && V_VT(&value) == VT_EMPTY, "GetConfigurationValue (slot 40) is E_NOTIMPL", hr);
    check(error_names(L"IVMVirtualServer.GetConfigurationValue"), "GetConfigurationValue's description names it", S_OK);
    hr = server->lpVtbl->put_VMRCEnabled(server, VARIANT_TRUE);
    check(hr == E_NOTIMPL_, "VMRCEnabled put (slot 45) is E_NOTIMPL", hr);
    check(error_names(L"IVMVirtualServer.VMRCEnabled"), "VMRCEnabled's description names it", S_OK);
    hr = server->lpVtbl->CreateHostDriveVirtualHardDisk(server, text, text, VARIANT_FALSE, &task);
    check(hr == E_NOTIMPL_ && !task, "CreateHostDriveVirtualHardDisk (slot 29) is E_NOTIMPL", hr);
    check(error_names(L"host-drive"), "CreateHostDriveVirtualHardDisk says vsdisk makes no host-drive disks", S_OK);
    SysFreeString(text);
}

static void search_paths(IVMVirtualServer *server)
{
    VARIANT value;
    SAFEARRAY *array;
    LONG upper = 7;
    VARIANT item;
    LONG index = 0;
    HRESULT hr;

    VariantInit(&value);
    hr = server->lpVtbl->get_SearchPaths(server, &value);
    check(hr == S_OK && V_VT(&value) == (VT_ARRAY | VT_VARIANT) && SafeArrayGetUBound(V_ARRAY(&value), 1, &upper) == S_OK
          && upper == -1, "SearchPaths (slot 78) starts empty", hr);
    VariantClear(&value);
    V_VT(&value) = VT_BSTR;
    V_BSTR(&value) = SysAllocString(L"C:\\disks");
    hr = server->lpVtbl->put_SearchPaths(server, value);
    check(hr == S_OK, "SearchPaths put (slot 79) takes a string", hr);
    VariantClear(&value);
    hr = server->lpVtbl->get_SearchPaths(server, &value);
    array = V_ARRAY(&value);
    VariantInit(&item);
    check(hr == S_OK && V_VT(&value) == (VT_ARRAY | VT_VARIANT) && SafeArrayGetUBound(array, 1, &upper) == S_OK
          && upper == 0 && SafeArrayGetElement(array, &index, &item) == S_OK && V_VT(&item) == VT_BSTR
          && !wcscmp(V_BSTR(&item), L"C:\\disks"),
          "SearchPaths reads back the string as an array of one", hr);
    VariantClear(&item);
    VariantClear(&value);
    V_VT(&value) = VT_I4;
    V_I4(&value) = 3;
    hr = server->lpVtbl->put_SearchPaths(server, value);
    check(hr == E_INVALIDARG, "SearchPaths put of a number is E_INVALIDARG", hr);
}

int main(int argc, char **argv)
{
    IUnknown *unknown = NULL;
    IVMVirtualServer *server = NULL;
    IVMTask *task = NULL, *real_task = NULL, *item = NULL;
    IVMTaskCollection *tasks = NULL;
    WCHAR version[64], path[MAX_PATH];
    BSTR text = NULL, bstr_path;
    LONG count = 0;
    HRESULT hr;

    if (argc < 3)
        return 2;
    MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, version, ARRAYSIZE(version));
    MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, path, ARRAYSIZE(path));
    CoInitializeEx(NULL, COINIT_MULTITHREADED);

    hr = CoCreateInstance(&CLSID_VirtualServer_VMVirtualServer, NULL, CLSCTX_ALL, &IID_IUnknown, (void **)&unknown);
    check(hr == S_OK && unknown, "CoCreateInstance by Virtual Server's CLSID", hr);
    if (!unknown)
        goto done;
    hr = IUnknown_QueryInterface(unknown, &IID_VirtualServer_IVMVirtualServer, (void **)&server);
    check(hr == S_OK && server, "QueryInterface for Virtual Server's IID_IVMVirtualServer", hr);
    IUnknown_Release(unknown);
    if (!server)
        goto done;

    hr = server->lpVtbl->get_Version(server, &text);
    check(hr == S_OK && text && !wcscmp(text, version), "Version (slot 86)", hr);
    SysFreeString(text);
    text = NULL;
    hr = server->lpVtbl->get_Name(server, &text);
    check(hr == S_OK && text && text[0], "Name (slot 85)", hr);
    SysFreeString(text);
    count = -1;
    hr = server->lpVtbl->get_UpTime(server, &count);
    check(hr == S_OK && count >= 0, "UpTime (slot 88)", hr);

    bstr_path = SysAllocString(path);
    hr = server->lpVtbl->CreateDynamicVirtualHardDisk(server, bstr_path, 3, &task);
    SysFreeString(bstr_path);
    check(hr == S_OK && task, "CreateDynamicVirtualHardDisk (slot 26)", hr);
    if (task) {
        hr = task->lpVtbl->QueryInterface(task, &IID_VirtualServer_IVMTask, (void **)&real_task);
        check(hr == S_OK && real_task, "the task answers Virtual Server's IID_IVMTask", hr);
        if (real_task) {
            use_task(real_task, path);
            real_task->lpVtbl->Release(real_task);
        }
        check_disk(path);
    }

    /* Tasks lists the tasks still running or still held: this one is held. */
    hr = server->lpVtbl->get_Tasks(server, &tasks);
    check(hr == S_OK && tasks, "Tasks (slot 25)", hr);
    if (tasks) {
        IUnknown *same = NULL;
        hr = tasks->lpVtbl->QueryInterface(tasks, &IID_VirtualServer_IVMTaskCollection, (void **)&same);
        check(hr == S_OK && same, "the collection answers Virtual Server's IID_IVMTaskCollection", hr);
        if (same)
            IUnknown_Release(same);
        count = 0;
        hr = tasks->lpVtbl->get_Count(tasks, &count);
        check(hr == S_OK && count == 1, "IVMTaskCollection.Count (slot 7) is 1", hr);
        hr = tasks->lpVtbl->get_Item(tasks, 1, &item);
        check(hr == S_OK && item, "IVMTaskCollection.Item (slot 8)", hr);
        if (item)
            item->lpVtbl->Release(item);
        tasks->lpVtbl->Release(tasks);
    }
    if (task)
        task->lpVtbl->Release(task);
    search_paths(server);
    outside_disk_api(server);
    server->lpVtbl->Release(server);

done:
    CoUninitialize();
    printf("%d passed, %d failed\n", passed, failed);
    return failed;
}

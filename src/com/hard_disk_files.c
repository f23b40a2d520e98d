/* IVMVirtualServer.GetHardDiskFiles: the .vhd files directly in each folder of SearchPaths
 * and of the argument, as a VARIANT array of full paths (each a string; a path found through
 * two folders is listed once). Empty strings are skipped; a folder that does not exist
 * contributes nothing, since SearchPaths may name a folder that is gone. GetFloppyDiskFiles
 * (floppy_image.c) lists .vfd files the same way, through image_files(). */
#include <windows.h>
#include <ole2.h>
#include <wchar.h>

#include "vsdisk.h"
#include "com_object.h"
#include "disk_file.h"
#include "hard_disk.h"
#include "image_files.h"
#include "path_check.h"

struct file_list {
    SAFEARRAY *files;        /* VARIANT (VT_BSTR), lower bound 0 */
    LONG count;
    const WCHAR *method;     /* for messages: "GetHardDiskFiles" */
    const WCHAR *extension;  /* ".vhd" */
};

static HRESULT add_file(void *ctx, const WCHAR *path)
{
    struct file_list *list = ctx;
    SAFEARRAYBOUND bound;
    VARIANT item;
    LONG i;
    HRESULT hr;

    for (i = 0; i < list->count; i++) {
        VARIANT existing;
        VariantInit(&existing);
        if (SUCCEEDED(SafeArrayGetElement(list->files, &i, &existing))) {
            BOOL same = _wcsicmp(V_BSTR(&existing), path) == 0;
            VariantClear(&existing);
            if (same)
                return S_OK;
        }
    }
    bound.lLbound = 0;
    bound.cElements = (ULONG)list->count + 1;
    if (FAILED(hr = SafeArrayRedim(list->files, &bound)))
        return hr;
    V_VT(&item) = VT_BSTR;
    if (!(V_BSTR(&item) = SysAllocString(path)))
        return E_OUTOFMEMORY;
    hr = SafeArrayPutElement(list->files, &list->count, &item);
    VariantClear(&item);
    if (SUCCEEDED(hr))
        list->count++;
    return hr;
}

/* Searches every folder of a SAFEARRAY of BSTR. */
static HRESULT search_all(SAFEARRAY *folders, struct file_list *list)
{
    struct host_error error;
    LONG lower, upper, i;
    const char *reason;
    HRESULT hr;

    if (!folders)
        return S_OK;
    SafeArrayGetLBound(folders, 1, &lower);
    SafeArrayGetUBound(folders, 1, &upper);
    for (i = lower; i <= upper; i++) {
        BSTR folder = NULL;
        if (FAILED(hr = SafeArrayGetElement(folders, &i, &folder)))
            return error_set(hr, &IID_IVMVirtualServer, L"%ls: out of memory.", list->method);
        UINT length = folder ? SysStringLen(folder) : 0;
        BSTR trimmed;
        /* "C:\VHDs\" is "C:\VHDs"; a drive's root "C:\" stays as it is. */
        while (length > 3 && folder[length - 1] == '\\')
            length--;
        if (length == 0) {
            SysFreeString(folder);
            continue;
        }
        BOOL root = length == 3 && folder[1] == ':' && folder[2] == '\\'
            && ((folder[0] | 0x20) >= 'a' && (folder[0] | 0x20) <= 'z');
        if (!root && path_check((const uint16_t *)folder, length, &reason) != PATH_OK) {
            hr = error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                           L"%ls: the search folder \"%ls\" is not accepted: %hs.",
                           list->method, folder, reason);
            SysFreeString(folder);
            return hr;
        }
        trimmed = SysAllocStringLen(folder, length);
        SysFreeString(folder);
        if (!trimmed)
            return error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"%ls: out of memory.",
                             list->method);
        hr = disk_file_search_extension(trimmed, list->extension, add_file, list, &error);
        SysFreeString(trimmed);
        if (hr == E_PATH_NOT_FOUND)
            continue;
        if (FAILED(hr))
            return error_set(hr, &IID_IVMVirtualServer, L"%ls: %ls", list->method, error.text);
    }
    return S_OK;
}

HRESULT image_files(SAFEARRAY *search_paths, const VARIANT *additional, VARIANT *out,
                    const WCHAR *method, const WCHAR *extension)
{
    struct file_list list = { NULL, 0, method, extension };
    SAFEARRAY *extra = NULL;
    VARTYPE type;
    HRESULT hr;

    if (!out)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: the result pointer is NULL.",
                         method);
    VariantInit(out);
    type = V_VT(additional) & ~VT_BYREF;
    /* Nothing more to search: left out, Empty or Null. */
    if (!(type == VT_EMPTY || type == VT_NULL
          || (V_VT(additional) == VT_ERROR && V_ERROR(additional) == DISP_E_PARAMNOTFOUND))) {
        hr = search_paths_from_variant(additional, &extra);
        if (hr == E_OUTOFMEMORY)
            return error_set(hr, &IID_IVMVirtualServer, L"%ls: out of memory.", method);
        if (FAILED(hr))
            return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                             L"%ls: inAdditionalSearchPaths must be a string or an "
                             L"array of strings (got a VARIANT of type 0x%x).",
                             method, (unsigned)V_VT(additional));
    }
    if (!(list.files = SafeArrayCreateVector(VT_VARIANT, 0, 0))) {
        hr = error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"%ls: out of memory.", method);
        goto done;
    }
    if (FAILED(hr = search_all(search_paths, &list)) || FAILED(hr = search_all(extra, &list)))
        goto done;
    V_VT(out) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(out) = list.files;
    list.files = NULL;
    hr = error_none();
done:
    if (list.files)
        SafeArrayDestroy(list.files);
    if (extra)
        SafeArrayDestroy(extra);
    return hr;
}

HRESULT hard_disk_files(struct search_paths *search_paths, const VARIANT *additional,
                        VARIANT *out)
{
    SAFEARRAY *saved;
    HRESULT hr;

    if (!out)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"GetHardDiskFiles: the result pointer is NULL.");
    VariantInit(out);
    if (FAILED(hr = search_paths_copy(search_paths, &saved)))
        return error_set(hr, &IID_IVMVirtualServer, L"GetHardDiskFiles: out of memory.");
    hr = image_files(saved, additional, out, L"GetHardDiskFiles", L".vhd;.vhdx");
    SafeArrayDestroy(saved);
    return hr;
}

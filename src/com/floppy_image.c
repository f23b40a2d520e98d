/* IVMVirtualServer's floppy disk image members: CreateFloppyDiskImage (a blank image of the
 * two documented types, with the disk methods' path rules and codes, never replacing
 * anything), GetFloppyDiskImageType (a file's type by its exact size) and GetFloppyDiskFiles
 * (the .vfd files of SearchPaths and the caller's folders, as GetHardDiskFiles lists .vhd
 * files). The images themselves are src/floppy's and src/host/floppy_file.c's. */
#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"
#include "com_object.h"
#include "floppy_file.h"
#include "floppy_image.h"
#include "image_files.h"
#include "path_check.h"
#include "search_paths.h"
#include "floppy_format.h"

/* The path rules of the disk methods: empty or relative (E_BAD_PATHNAME), a forbidden
 * character or a device name (E_INVALID_NAME), 260 characters or more (E_BUFFER_OVERFLOW). */
static HRESULT check_image_path(const WCHAR *method, BSTR path)
{
    const char *reason;
    UINT length = SysStringLen(path);
    HRESULT hr = hresult_from_path_verdict(path_check((const uint16_t *)path, length, &reason));

    if (SUCCEEDED(hr))
        return S_OK;
    return error_set(hr, &IID_IVMVirtualServer, L"%ls: imagePath is not accepted: %hs: \"%.*ls\".",
                     method, reason, (int)length, path);
}

HRESULT WINAPI server_CreateFloppyDiskImage(IVsDiskVirtualServer *iface, BSTR imagePath,
                                            VMFloppyDiskImageType imageType)
{
    static const WCHAR method[] = L"CreateFloppyDiskImage";
    struct host_error error;
    HRESULT hr;

    (void)iface;
    if (!imagePath)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: imagePath is NULL.", method);
    if (FAILED(hr = check_image_path(method, imagePath)))
        return hr;
    if (!floppy_type_creatable(imageType))
        return error_set(E_INVALIDARG, &IID_IVMVirtualServer,
                         L"%ls: imageType %d (%hs) cannot be created; the types are "
                         L"vmFloppyDiskImage_LowDensity (1, 720 KB) and "
                         L"vmFloppyDiskImage_HighDensity (2, 1.44 MB).",
                         method, (int)imageType, floppy_type_name(imageType));
    if (FAILED(hr = floppy_file_create(imagePath, imageType, &error)))
        return error_set(hr, &IID_IVMVirtualServer, L"%ls: %ls", method, error.text);
    return error_none();
}

HRESULT WINAPI server_GetFloppyDiskImageType(IVsDiskVirtualServer *iface, BSTR imagePath,
                                             VMFloppyDiskImageType *imageType)
{
    static const WCHAR method[] = L"GetFloppyDiskImageType";
    struct host_error error;
    int type;
    HRESULT hr;

    (void)iface;
    if (!imageType)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: the imageType pointer is NULL.",
                         method);
    *imageType = vmFloppyDiskImage_Unknown;
    if (!imagePath)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: imagePath is NULL.", method);
    if (FAILED(hr = check_image_path(method, imagePath)))
        return hr;
    if (FAILED(hr = floppy_file_type(imagePath, &type, &error)))
        return error_set(hr, &IID_IVMVirtualServer, L"%ls: %ls", method, error.text);
    *imageType = (VMFloppyDiskImageType)type;
    return error_none();
}

/* The server's SearchPaths, read through its own interface, then the .vfd files. */
HRESULT WINAPI server_GetFloppyDiskFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths,
                                         VARIANT *outFloppyDiskFileList)
{
    static const WCHAR method[] = L"GetFloppyDiskFiles";
    SAFEARRAY *search_paths = NULL;
    VARIANT saved;
    HRESULT hr;

    if (!outFloppyDiskFileList)
        return error_set(E_POINTER, &IID_IVMVirtualServer, L"%ls: the result pointer is NULL.",
                         method);
    VariantInit(outFloppyDiskFileList);
    VariantInit(&saved);
    hr = IVMVirtualServer_get_SearchPaths(iface, &saved);
    if (SUCCEEDED(hr))
        hr = search_paths_from_variant(&saved, &search_paths);
    VariantClear(&saved);
    if (FAILED(hr))
        return error_set(hr == E_OUTOFMEMORY ? hr : DISP_E_EXCEPTION, &IID_IVMVirtualServer,
                         L"%ls: the server's SearchPaths could not be read.", method);
    hr = image_files(search_paths, &inAdditionalSearchPaths, outFloppyDiskFileList, method,
                     L".vfd");
    SafeArrayDestroy(search_paths);
    return hr;
}

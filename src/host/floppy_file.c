/* Floppy disk images on a Win32 host (floppy_file.h). */
#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"
#include "disk_file.h"
#include "disk_target.h"
#include "floppy_file.h"
#include "floppy_format.h"
#include "vhd_io_win32.h"

HRESULT floppy_file_create(const WCHAR *path, int type, struct host_error *error)
{
    struct disk_target *target;
    vhd_status status;
    HRESULT hr;

    hr = disk_target_prepare(path, DISK_TARGET_FLOPPY, floppy_image_size(type), &target, error);
    if (FAILED(hr))
        return hr;
    /* Writes, flushes and closes; on failure it has removed the file. */
    status = floppy_image_write(&target->io.io, type);
    switch (status) {
    case VHD_OK:
        hr = S_OK;
        break;
    case VHD_E_NO_SPACE:
        hr = host_error_set(error, E_DISK_FULL, L"Cannot create the floppy disk image \"%ls\": "
                            L"its volume became full while it was written.", path);
        break;
    case VHD_E_NO_MEMORY:
        hr = host_error_set(error, E_OUTOFMEMORY, L"Cannot create the floppy disk image \"%ls\": "
                            L"out of memory.", path);
        break;
    default:
        hr = host_error_set(error, DISP_E_EXCEPTION, L"Cannot create the floppy disk image "
                            L"\"%ls\": writing it failed (%hs, Windows error %d).", path,
                            vhd_status_message(status), target->io.io.os_error);
        break;
    }
    if (FAILED(hr))
        disk_target_remove_folders(target);
    disk_target_free(target);
    return hr;
}

HRESULT floppy_file_type(const WCHAR *path, int *type, struct host_error *error)
{
    struct vhd_io_win32 backend;
    uint64_t size = 0;
    vhd_status status;
    HRESULT hr;

    *type = FLOPPY_UNKNOWN;
    vhd_io_win32_init(&backend, path);
    status = backend.io.open(&backend.io, VHD_IO_OPEN_READ);
    if (status != VHD_OK) {
        hr = disk_file_open_failed(path, (DWORD)backend.io.os_error, error);
        if (hr == VM_E_INVALID_HD_FILE)     /* a folder or a device: no floppy image either */
            hr = host_error_set(error, DISP_E_EXCEPTION, L"\"%ls\" is not a floppy image: it is "
                                L"not a regular file.", path);
        return hr;
    }
    status = backend.io.get_size(&backend.io, &size);
    backend.io.close(&backend.io);
    if (status != VHD_OK)
        return host_error_set(error, DISP_E_EXCEPTION, L"The size of \"%ls\" could not be read "
                              L"(Windows error %d).", path, backend.io.os_error);
    *type = floppy_type_of_size(size);
    if (*type == FLOPPY_UNKNOWN)
        return host_error_set(error, DISP_E_EXCEPTION, L"\"%ls\" is not a floppy image: it is "
                              L"%I64u bytes, and an image is exactly 368,640 (360 KB), 737,280 "
                              L"(720 KB), 1,228,800 (1.2 MB), 1,474,560 (1.44 MB) or 1,720,320 "
                              L"(1.68 MB DMF) bytes.", path, (ULONGLONG)size);
    return S_OK;
}

#include <windows.h>
#include <ole2.h>
#include <stdlib.h>
#include <wchar.h>

#include "vsdisk.h"
#include "com_object.h"
#include "disk_target.h"
#include "path_check.h"
#include "vhd_create.h"

/* The API documents E_DISK_FULL below 8 MB free on the target volume. */
#define MINIMUM_FREE_BYTES (8ull * 1024 * 1024)

static HRESULT target_error(HRESULT hr, const WCHAR *path, const WCHAR *format, ...)
{
    WCHAR reason[512];
    va_list args;

    va_start(args, format);
    _vsnwprintf(reason, ARRAYSIZE(reason) - 1, format, args);
    va_end(args);
    reason[ARRAYSIZE(reason) - 1] = 0;
    return error_set(hr, &IID_IVMVirtualServer, L"Cannot create the virtual hard disk \"%ls\": %ls.",
                     path, reason);
}

static HRESULT hresult_for_folder_error(DWORD error)
{
    switch (error) {
    case ERROR_ACCESS_DENIED:
    case ERROR_WRITE_PROTECT:
        return E_ACCESSDENIED;
    case ERROR_DISK_FULL:
        return E_DISK_FULL;
    case ERROR_INVALID_NAME:
        return E_INVALID_NAME;
    case ERROR_PATH_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_DIRECTORY:
        return E_PATH_NOT_FOUND;
    default:
        return DISP_E_EXCEPTION;
    }
}

static BOOL record_folder(struct disk_target *target, const WCHAR *folder)
{
    WCHAR **grown = realloc(target->created_folders,
                            (target->created_count + 1) * sizeof(*grown));
    WCHAR *copy = _wcsdup(folder);

    if (grown)
        target->created_folders = grown;
    if (!grown || !copy) {
        free(copy);
        return FALSE;
    }
    target->created_folders[target->created_count++] = copy;
    return TRUE;
}

/* Makes every folder on the way to the file exist, remembering the ones it made. The
 * folder argument is a scratch copy of the path that ends at the file's folder. */
static HRESULT make_folders(struct disk_target *target, WCHAR *folder, size_t root)
{
    size_t length = wcslen(folder), end;

    for (end = root; end <= length; end++) {
        WCHAR saved = folder[end];
        DWORD attributes;

        if (end < length && folder[end] != '\\')
            continue;
        folder[end] = 0;
        attributes = GetFileAttributesW(folder);
        if (attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
            HRESULT hr = target_error(E_PATH_NOT_FOUND, target->path,
                                      L"\"%ls\" is a file, not a folder", folder);
            folder[end] = saved;
            return hr;
        }
        if (attributes == INVALID_FILE_ATTRIBUTES) {
            if (CreateDirectoryW(folder, NULL)) {
                if (!record_folder(target, folder)) {
                    RemoveDirectoryW(folder);
                    folder[end] = saved;
                    return target_error(E_OUTOFMEMORY, target->path, L"out of memory");
                }
            } else if (GetLastError() != ERROR_ALREADY_EXISTS) {
                DWORD error = GetLastError();
                HRESULT hr = target_error(hresult_for_folder_error(error), target->path,
                                          L"the folder \"%ls\" could not be created (Windows error %lu)",
                                          folder, error);
                folder[end] = saved;
                return hr;
            }
        }
        folder[end] = saved;
    }
    return S_OK;
}

/* The file-system name of the volume holding folder, or an empty string if unknown.
 * VSDISK_TEST_FILESYSTEM overrides it, so that tests can describe a FAT volume. */
static void volume_file_system(const WCHAR *folder, WCHAR *name, DWORD size)
{
    WCHAR volume[MAX_PATH + 1];

    name[0] = 0;
    if (GetEnvironmentVariableW(L"VSDISK_TEST_FILESYSTEM", name, size) > 0)
        return;
    name[0] = 0;
    if (GetVolumePathNameW(folder, volume, ARRAYSIZE(volume))
        && GetVolumeInformationW(volume, NULL, 0, NULL, NULL, NULL, name, size))
        return;
    /* Mount points inside a drive may not answer; the drive root does. */
    if (folder[1] == ':') {
        WCHAR root[4] = { folder[0], ':', '\\', 0 };
        if (GetVolumeInformationW(root, NULL, 0, NULL, NULL, NULL, name, size))
            return;
    }
    name[0] = 0;
}

/* The largest file the named file system can hold, or 0 for no limit that matters. */
static ULONGLONG file_size_limit(const WCHAR *file_system)
{
    if (!_wcsicmp(file_system, L"FAT32"))
        return 0xFFFFFFFFull;               /* 4 GiB - 1 */
    if (!_wcsicmp(file_system, L"FAT") || !_wcsicmp(file_system, L"FAT16")
        || !_wcsicmp(file_system, L"FAT12"))
        return 0x7FFFFFFFull;               /* 2 GiB - 1 */
    return 0;
}

static HRESULT check_volume(struct disk_target *target, const WCHAR *folder)
{
    ULARGE_INTEGER available, total, free_bytes;
    WCHAR file_system[MAX_PATH + 1];
    ULONGLONG limit, expanded;

    if (!GetDiskFreeSpaceExW(folder, &available, &total, &free_bytes))
        return target_error(DISP_E_EXCEPTION, target->path,
                            L"the free space of its volume could not be read (Windows error %lu)",
                            GetLastError());
    if (available.QuadPart < MINIMUM_FREE_BYTES)
        return target_error(E_DISK_FULL, target->path,
                            L"its volume has %I64u bytes free, and a dynamic disk needs at least 8 MB",
                            available.QuadPart);
    volume_file_system(folder, file_system, ARRAYSIZE(file_system));
    limit = file_size_limit(file_system);
    expanded = vhd_dynamic_expanded_file_size(target->size_bytes);
    if (limit && expanded > limit)
        return target_error(VM_E_FILE_TOO_LARGE_FOR_VOLUME, target->path,
                            L"fully expanded it would be a %I64u-byte file, and its %ls volume holds files of at most %I64u bytes",
                            expanded, file_system, limit);
    return S_OK;
}

static HRESULT create_file(struct disk_target *target)
{
    vhd_status status;

    vhd_io_win32_init(&target->io, target->path);
    status = target->io.io.create(&target->io.io);
    switch (status) {
    case VHD_OK:
        return S_OK;
    case VHD_E_EXISTS:
        return target_error(E_ALREADY_EXISTS, target->path, L"a file or folder already exists there");
    case VHD_E_NOT_FOUND:
    case VHD_E_NOT_DIRECTORY:
        return target_error(E_PATH_NOT_FOUND, target->path, L"its folder cannot be found");
    case VHD_E_ACCESS:
        return target_error(E_ACCESSDENIED, target->path,
                            L"access is denied, or the volume is read-only (Windows error %d)",
                            target->io.io.os_error);
    case VHD_E_NO_SPACE:
        return target_error(E_DISK_FULL, target->path, L"its volume is full");
    case VHD_E_INVALID_PATH:
        return target_error(E_INVALID_NAME, target->path, L"Windows does not accept the name");
    case VHD_E_NO_MEMORY:
        return target_error(E_OUTOFMEMORY, target->path, L"out of memory");
    default:
        return target_error(DISP_E_EXCEPTION, target->path,
                            L"the file could not be created (Windows error %d)",
                            target->io.io.os_error);
    }
}

HRESULT disk_target_prepare(const WCHAR *path, ULONGLONG size_bytes, struct disk_target **out)
{
    struct disk_target *target;
    WCHAR *folder = NULL, *last_separator;
    size_t root;
    HRESULT hr;

    *out = NULL;
    target = calloc(1, sizeof(*target));
    if (!target || !(target->path = _wcsdup(path)) || !(folder = _wcsdup(path))) {
        hr = error_set(E_OUTOFMEMORY, &IID_IVMVirtualServer, L"Out of memory.");
        goto failed;
    }
    target->size_bytes = size_bytes;
    vhd_io_win32_init(&target->io, target->path);

    if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES) {
        hr = target_error(E_ALREADY_EXISTS, path, L"a file or folder already exists there");
        goto failed;
    }
    root = path_root_length((const uint16_t *)path, wcslen(path));
    last_separator = wcsrchr(folder, '\\');
    last_separator[1] = 0;           /* keep the trailing backslash: volume calls want it */
    if (wcslen(folder) > root) {
        last_separator[0] = 0;
        hr = make_folders(target, folder, root);
        last_separator[0] = '\\';
        if (FAILED(hr))
            goto failed;
    } else if (GetFileAttributesW(folder) == INVALID_FILE_ATTRIBUTES) {
        hr = target_error(E_PATH_NOT_FOUND, path, L"its drive or share \"%ls\" cannot be found", folder);
        goto failed;
    }
    hr = check_volume(target, folder);
    if (FAILED(hr))
        goto failed;
    hr = create_file(target);
    if (FAILED(hr))
        goto failed;
    free(folder);
    *out = target;
    return S_OK;

failed:
    free(folder);
    if (target) {
        disk_target_remove_folders(target);
        disk_target_free(target);
    }
    return hr;
}

void disk_target_remove_folders(struct disk_target *target)
{
    while (target->created_count > 0) {
        WCHAR *folder = target->created_folders[--target->created_count];
        RemoveDirectoryW(folder);
        free(folder);
    }
}

void disk_target_free(struct disk_target *target)
{
    if (target->io.file != INVALID_HANDLE_VALUE)
        target->io.io.close(&target->io.io);
    while (target->created_count > 0)
        free(target->created_folders[--target->created_count]);
    free(target->created_folders);
    free(target->path);
    free(target);
}

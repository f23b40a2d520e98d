#include <windows.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "disk_file.h"
#include "vsdisk.h"
#include "parent_disk.h"
#include "vhd_create.h"
#include "vhd_io_win32.h"
#include "vhd_reader.h"
#include "disk_chain.h"
#include "vhd_disk.h"
#include "vhdx_disk.h"

static const vhd_reader_options reader_options = { vs_malloc, vs_free };

static ULONGLONG unix_time_of(const FILETIME *time)
{
    ULONGLONG ticks = (ULONGLONG)time->dwHighDateTime << 32 | time->dwLowDateTime;
    return ticks / 10000000ull - 11644473600ull;       /* 100 ns since 1601 -> s since 1970 */
}

/* Opens the parent read-only, shared with everyone, through the Win32 back end (out of the
 * test hooks, see vhd_io_win32_unhooked): ERROR_SUCCESS or the Win32 error. A folder gives
 * ERROR_DIRECTORY, a device ERROR_BAD_FILE_TYPE. */
static DWORD open_parent(struct vhd_io_win32 *backend, const WCHAR *path)
{
    if (wcslen(path) >= MAX_PATH)
        return ERROR_FILENAME_EXCED_RANGE;
    vhd_io_win32_init(backend, path);
    vhd_io_win32_unhooked(backend);
    if (backend->io.open(&backend->io, VHD_IO_OPEN_READ) != VHD_OK)
        return backend->io.os_error ? (DWORD)backend->io.os_error : ERROR_GEN_FAILURE;
    return ERROR_SUCCESS;
}

HRESULT parent_disk_read(const WCHAR *path, struct parent_disk *parent, struct host_error *error)
{
    struct vhd_io_win32 backend;
    vhd_file_identity identity;
    vhd_reader_error read_error;
    disk_chain *chain = NULL;
    FILETIME written;
    HRESULT hr = S_OK;
    DWORD failure;
    char *name;

    memset(parent, 0, sizeof(*parent));
    failure = open_parent(&backend, path);
    switch (failure) {
    case ERROR_SUCCESS:
        break;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_CANT_RESOLVE_FILENAME:       /* a loop of links names no file */
    case ERROR_INVALID_NAME:
    case ERROR_FILENAME_EXCED_RANGE:        /* no file can have that name here */
        return host_error_set(error, VM_E_PARENT_PATH_NOT_FOUND,
                              L"The parent disk \"%ls\" cannot be found.", path);
    case ERROR_DIRECTORY:
        return host_error_set(error, VM_E_INVALID_HD_FILE,
                              L"The parent \"%ls\" is a folder, not a virtual hard disk.", path);
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return host_error_set(error, E_ACCESSDENIED,
                              L"The parent disk \"%ls\" cannot be read: access is denied (Windows error %lu).",
                              path, failure);
    default:
        return host_error_set(error, VM_E_INVALID_HD_FILE,
                              L"The parent \"%ls\" cannot be opened as a file (Windows error %lu).",
                              path, failure);
    }
    if (!GetFileTime(backend.file, NULL, NULL, &written))
        memset(&written, 0, sizeof(written));
    if (!(name = disk_file_utf8(path))) {       /* path_check let no unpaired surrogate by */
        backend.io.close(&backend.io);
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory while reading the parent disk \"%ls\".", path);
    }
    identity = vhd_io_win32_identity(&backend);

    if (disk_chain_open(&chain, &backend.io, name, &identity, &win32_parent_opener_unhooked,
                       &reader_options, &read_error) != VHD_READER_OK) {
        if (read_error.code == VHD_READER_NO_MEMORY)
            hr = host_error_set(error, E_OUTOFMEMORY, L"Out of memory while reading the parent disk \"%ls\".", path);
        else if (read_error.code == VHD_READER_IO)
            hr = host_error_set(error, DISP_E_EXCEPTION, L"The parent disk \"%ls\" could not be read (Windows error %d).",
                                path, read_error.os_error);
        else
            hr = host_error_set(error, VM_E_INVALID_HD_FILE, L"The parent \"%ls\" %ls: %hs.", path,
                                vhd_reader_code_is_invalid_file(read_error.code)
                                    ? L"is not a valid virtual hard disk"
                                    : L"is a differencing disk whose chain does not resolve",
                                read_error.reason);
        vs_free(name);
        backend.io.close(&backend.io);
        return hr;
    }

    {
        const disk_image *image = disk_chain_image(chain, 0);
        parent->format = disk_image_info(image)->format;
        parent->facts.size_bytes = disk_image_info(image)->size;
        if (parent->format == DISK_FORMAT_VHDX) {
            vhdx_parent_facts_from_info(&parent->vhdx, vhdx_image_get_info(vhdx_disk_image(image)));
        } else {
            const vhd_footer *footer = &vhd_image_get_info(vhd_disk_image(image))->footer;
            parent->facts.geometry = footer->disk_geometry;
            memcpy(parent->facts.unique_id, footer->unique_id, sizeof(parent->facts.unique_id));
        }
    }
    /* The parent's last-write time: see docs/formats.md, "Differencing disks" (Windows writes 0). */
    parent->facts.timestamp = written.dwHighDateTime || written.dwLowDateTime
        ? vhd_timestamp_from_unix((int64_t)unix_time_of(&written)) : 0;
    wcscpy(parent->path, path);
    parent->facts.absolute_path = (const uint16_t *)parent->path;
    parent->facts.absolute_length = wcslen(parent->path);

    parent->chain_count = 0;
    for (unsigned level = 0; level < disk_chain_depth(chain) && parent->chain_count < PARENT_DISK_CHAIN_MAX; level++) {
        /* Every level's io is a Win32 back end: ours, then win32_parent_opener's. */
        const struct vhd_io_win32 *member = CONTAINING_RECORD(disk_chain_file(chain, level),
                                                              struct vhd_io_win32, io);
        parent->chain[parent->chain_count].volume = member->volume;
        parent->chain[parent->chain_count].index = member->index;
        parent->chain_count++;
    }
    disk_chain_close(chain);
    vs_free(name);
    backend.io.close(&backend.io);

    if (parent->facts.size_bytes < 3ull * 1024 * 1024)
        return host_error_set(error, VM_E_IMAGE_SIZE_TOO_SMALL,
                              L"The parent disk \"%ls\" holds %I64u bytes; a differencing disk has its parent's size, and the smallest disk is 3 MB.",
                              path, parent->facts.size_bytes);
    if (parent->format == DISK_FORMAT_VHD
        && (parent->facts.size_bytes > 2088960ull * 1024 * 1024 || parent->facts.size_bytes % 512))
        return host_error_set(error, VM_E_IMAGE_SIZE_TOO_LARGE,
                              L"The parent disk \"%ls\" holds %I64u bytes; a differencing disk has its parent's size, and the largest disk is 2,088,960 MB (2040 GB).",
                              path, parent->facts.size_bytes);
    if (parent->format == DISK_FORMAT_VHDX && parent->facts.size_bytes > VHDX_MAX_DISK_SIZE)
        return host_error_set(error, VM_E_IMAGE_SIZE_TOO_LARGE,
                              L"The parent disk \"%ls\" holds %I64u bytes; a differencing disk has its parent's size, and the largest VHDX is 67,108,864 MB (64 TB).",
                              path, parent->facts.size_bytes);
    return S_OK;
}

BOOL parent_disk_chain_contains(const struct parent_disk *parent, const WCHAR *path, size_t *level)
{
    BY_HANDLE_FILE_INFORMATION info;
    HANDLE file = CreateFileW(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    BOOL found = FALSE;

    if (file == INVALID_HANDLE_VALUE)
        return FALSE;
    if (GetFileInformationByHandle(file, &info)) {
        ULONGLONG index = (ULONGLONG)info.nFileIndexHigh << 32 | info.nFileIndexLow;
        for (size_t i = 0; i < parent->chain_count && !found; i++) {
            if (parent->chain[i].volume == info.dwVolumeSerialNumber && parent->chain[i].index == index) {
                *level = i;
                found = TRUE;
            }
        }
    }
    CloseHandle(file);
    return found;
}

size_t parent_disk_volume_path(const WCHAR *path, WCHAR *out, size_t capacity)
{
    WCHAR mount[MAX_PATH], volume[64];
    size_t mount_length, volume_length, rest;

    out[0] = 0;
    if (!GetVolumePathNameW(path, mount, ARRAYSIZE(mount))
        || !GetVolumeNameForVolumeMountPointW(mount, volume, ARRAYSIZE(volume)))
        return 0;
    mount_length = wcslen(mount);
    volume_length = wcslen(volume);
    if (mount_length > wcslen(path) || _wcsnicmp(path, mount, mount_length) != 0
        || volume_length == 0 || volume[volume_length - 1] != '\\')
        return 0;
    rest = wcslen(path + mount_length);
    if (volume_length + rest + 1 > capacity)
        return 0;
    memcpy(out, volume, volume_length * sizeof(WCHAR));
    memcpy(out + volume_length, path + mount_length, (rest + 1) * sizeof(WCHAR));
    return volume_length + rest;
}

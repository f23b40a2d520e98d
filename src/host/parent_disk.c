#include <windows.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "vsdisk.h"
#include "parent_disk.h"
#include "path_check.h"
#include "path_resolve.h"
#include "vhd_create.h"
#include "vhd_reader.h"

/* --- a read-only vhd_io on a Win32 handle ------------------------------------------------- */

struct reader_io {
    vhd_io io;                  /* first member */
    HANDLE file;
    WCHAR path[MAX_PATH];
    char name[MAX_PATH * 3];    /* UTF-8, for the reader's messages and relative locators */
    vhd_file_identity identity;
    DWORD volume;
    ULONGLONG index;
};

static struct reader_io *impl_from_vhd_io(vhd_io *io)
{
    return CONTAINING_RECORD(io, struct reader_io, io);
}

static vhd_status reader_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct reader_io *reader = impl_from_vhd_io(io);
    BYTE *bytes = buf;

    while (len > 0) {
        OVERLAPPED position = { 0 };
        DWORD chunk = len > 0x40000000 ? 0x40000000 : (DWORD)len, done = 0;

        position.Offset = (DWORD)offset;
        position.OffsetHigh = (DWORD)(offset >> 32);
        if (!ReadFile(reader->file, bytes, chunk, &done, &position)) {
            DWORD error = GetLastError();
            io->os_error = (int)error;
            return error == ERROR_HANDLE_EOF ? VHD_E_END_OF_FILE : VHD_E_IO;
        }
        if (done == 0)
            return VHD_E_END_OF_FILE;
        bytes += done;
        offset += done;
        len -= done;
    }
    return VHD_OK;
}

static vhd_status reader_get_size(vhd_io *io, uint64_t *size)
{
    LARGE_INTEGER value;

    if (!GetFileSizeEx(impl_from_vhd_io(io)->file, &value)) {
        io->os_error = (int)GetLastError();
        return VHD_E_IO;
    }
    *size = (uint64_t)value.QuadPart;
    return VHD_OK;
}

static vhd_status reader_close(vhd_io *io)
{
    struct reader_io *reader = impl_from_vhd_io(io);

    if (reader->file != INVALID_HANDLE_VALUE)
        CloseHandle(reader->file);
    reader->file = INVALID_HANDLE_VALUE;
    return VHD_OK;
}

/* Opens path read-only, sharing it with everyone: nothing is ever written through it. A
 * folder or a device is refused (ERROR_DIRECTORY / ERROR_BAD_FILE_TYPE). */
static DWORD reader_open(struct reader_io *reader, const WCHAR *path)
{
    BY_HANDLE_FILE_INFORMATION info;

    memset(reader, 0, sizeof(*reader));
    reader->io.read_at = reader_read_at;
    reader->io.get_size = reader_get_size;
    reader->io.close = reader_close;
    if (wcslen(path) >= ARRAYSIZE(reader->path))
        return ERROR_FILENAME_EXCED_RANGE;
    wcscpy(reader->path, path);
    WideCharToMultiByte(CP_UTF8, 0, path, -1, reader->name, sizeof(reader->name), NULL, NULL);
    reader->file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                               NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (reader->file == INVALID_HANDLE_VALUE)
        return GetLastError();
    if (!GetFileInformationByHandle(reader->file, &info)) {
        DWORD error = GetLastError();
        reader_close(&reader->io);
        return error;
    }
    if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
        reader_close(&reader->io);
        return ERROR_DIRECTORY;
    }
    if (GetFileType(reader->file) != FILE_TYPE_DISK) {
        reader_close(&reader->io);
        return ERROR_BAD_FILE_TYPE;
    }
    reader->volume = info.dwVolumeSerialNumber;
    reader->index = (ULONGLONG)info.nFileIndexHigh << 32 | info.nFileIndexLow;
    reader->identity.known = true;
    reader->identity.volume = info.dwVolumeSerialNumber;
    reader->identity.file = reader->index;
    return ERROR_SUCCESS;
}

/* --- the chain's parents --------------------------------------------------------------- */

/* Windows paths for a candidate locator: an absolute one as it is; a relative one (W2ru,
 * Wi2r) against the child's folder; the header's name by its last component in the child's
 * folder. MacX and the Mac alias name nothing here. */
static BOOL candidate_path(const char *child_name, const vhd_parent_candidate *candidate,
                           WCHAR *out, size_t size)
{
    WCHAR child[MAX_PATH], text[MAX_PATH];
    size_t child_length, text_length, length;
    const WCHAR *base;

    if (!candidate->path || !candidate->path[0] || candidate->platform_code == VHD_PLATFORM_MACX
        || candidate->platform_code == VHD_PLATFORM_MAC)
        return FALSE;
    if (!MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, child_name, -1, child, MAX_PATH)
        || !MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, candidate->path, -1, text, MAX_PATH))
        return FALSE;
    child_length = wcslen(child);
    text_length = wcslen(text);
    if (candidate->platform_code == VHD_PLATFORM_UNICODE_NAME) {
        base = text + text_length;
        while (base > text && base[-1] != '\\' && base[-1] != '/')
            base--;
        text_length = wcslen(base);
        memmove(text, base, (text_length + 1) * sizeof(WCHAR));
    }
    if (!path_is_relative((const uint16_t *)text, text_length)) {
        if (text_length >= size)
            return FALSE;
        wcscpy(out, text);
        return TRUE;
    }
    length = path_resolve_against((const uint16_t *)child, child_length, (const uint16_t *)text,
                                  text_length, (uint16_t *)out, size - 1);
    if (!length)
        return FALSE;
    out[length] = 0;
    return TRUE;
}

static vhd_status opener_open(void *ctx, const char *child_name, const vhd_parent_candidate *candidate,
                              vhd_parent_file *file)
{
    struct reader_io *reader;
    WCHAR path[MAX_PATH];
    DWORD error;

    (void)ctx;
    if (!candidate_path(child_name, candidate, path, ARRAYSIZE(path)))
        return VHD_E_NOT_FOUND;
    if (!(reader = vs_malloc(sizeof(*reader))))
        return VHD_E_NO_MEMORY;
    error = reader_open(reader, path);
    if (error != ERROR_SUCCESS) {
        vs_free(reader);
        return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ? VHD_E_NOT_FOUND
                                                                                : VHD_E_IO;
    }
    file->io = &reader->io;
    file->name = reader->name;
    file->identity = reader->identity;
    file->handle = reader;
    return VHD_OK;
}

static void opener_close(void *ctx, vhd_parent_file *file)
{
    struct reader_io *reader = file->handle;

    (void)ctx;
    reader_close(&reader->io);
    vs_free(reader);
}

static void *reader_allocate(size_t size)
{
    return vs_malloc(size);
}

static const vhd_reader_options reader_options = { reader_allocate, vs_free };

/* --- the parent -------------------------------------------------------------------------- */

static ULONGLONG unix_time_of(const FILETIME *time)
{
    ULONGLONG ticks = (ULONGLONG)time->dwHighDateTime << 32 | time->dwLowDateTime;
    return ticks / 10000000ull - 11644473600ull;       /* 100 ns since 1601 -> s since 1970 */
}

HRESULT parent_disk_read(const WCHAR *path, struct parent_disk *parent, struct host_error *error)
{
    const vhd_parent_opener opener = { opener_open, opener_close, NULL };
    struct reader_io reader;
    vhd_reader_error read_error;
    vhd_chain *chain = NULL;
    FILETIME written;
    HRESULT hr = S_OK;
    DWORD failure;

    memset(parent, 0, sizeof(*parent));
    failure = reader_open(&reader, path);
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
    if (!GetFileTime(reader.file, NULL, NULL, &written))
        memset(&written, 0, sizeof(written));

    if (vhd_chain_open(&chain, &reader.io, reader.name, &reader.identity, &opener, &reader_options,
                       &read_error) != VHD_READER_OK) {
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
        reader_close(&reader.io);
        return hr;
    }

    {
        const vhd_footer *footer = &vhd_image_get_info(vhd_chain_image(chain, 0))->footer;
        parent->facts.size_bytes = footer->current_size;
        parent->facts.geometry = footer->disk_geometry;
        memcpy(parent->facts.unique_id, footer->unique_id, sizeof(parent->facts.unique_id));
    }
    /* The parent's last-write time: see README, "Differencing disks" (Windows writes 0). */
    parent->facts.timestamp = written.dwHighDateTime || written.dwLowDateTime
        ? vhd_timestamp_from_unix((int64_t)unix_time_of(&written)) : 0;
    wcscpy(parent->path, path);
    parent->facts.absolute_path = (const uint16_t *)parent->path;
    parent->facts.absolute_length = wcslen(parent->path);

    parent->chain[0].volume = reader.volume;
    parent->chain[0].index = reader.index;
    parent->chain_count = 1;
    for (unsigned level = 1; level < vhd_chain_depth(chain) && parent->chain_count < PARENT_DISK_CHAIN_MAX; level++) {
        const struct reader_io *member = CONTAINING_RECORD(vhd_image_io(vhd_chain_image(chain, level)),
                                                           struct reader_io, io);
        parent->chain[parent->chain_count].volume = member->volume;
        parent->chain[parent->chain_count].index = member->index;
        parent->chain_count++;
    }
    vhd_chain_close(chain);
    reader_close(&reader.io);

    if (parent->facts.size_bytes < 3ull * 1024 * 1024)
        return host_error_set(error, VM_E_IMAGE_SIZE_TOO_SMALL,
                              L"The parent disk \"%ls\" holds %I64u bytes; a differencing disk has its parent's size, and the smallest disk is 3 MB.",
                              path, parent->facts.size_bytes);
    if (parent->facts.size_bytes > 2088960ull * 1024 * 1024 || parent->facts.size_bytes % 512)
        return host_error_set(error, VM_E_IMAGE_SIZE_TOO_LARGE,
                              L"The parent disk \"%ls\" holds %I64u bytes; a differencing disk has its parent's size, and the largest disk is 2,088,960 MB (2040 GB).",
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

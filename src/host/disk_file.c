#include <windows.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "disk_chain.h"
#include "disk_file.h"
#include "disk_relink.h"
#include "host_random.h"
#include "parent_disk.h"
#include "path_check.h"
#include "path_relative.h"
#include "vsdisk.h"

#define E_SHARING_VIOLATION_HR HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION)

static const vhd_reader_options reader_allocator = { vs_malloc, vs_free };

char *disk_file_utf8(const WCHAR *text)
{
    int size = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, text, -1, NULL, 0, NULL, NULL);
    char *out;
    if (size <= 0 || !(out = vs_malloc((size_t)size)))
        return NULL;
    WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, text, -1, out, size, NULL, NULL);
    return out;
}

WCHAR *disk_file_utf16(const char *text)
{
    int size = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, NULL, 0);
    WCHAR *out;
    if (size <= 0 || !(out = vs_malloc((size_t)size * sizeof(WCHAR))))
        return NULL;
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, out, size);
    return out;
}

HRESULT disk_file_open_failed(const WCHAR *path, DWORD error, struct host_error *out)
{
    switch (error) {
    case ERROR_FILE_NOT_FOUND:
        return host_error_set(out, E_FILE_NOT_FOUND, L"The file \"%ls\" does not exist.", path);
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
        return host_error_set(out, E_PATH_NOT_FOUND,
                              L"The folder of \"%ls\" (or its drive or share) does not exist.", path);
    case ERROR_SHARING_VIOLATION:
        return host_error_set(out, E_SHARING_VIOLATION_HR,
                              L"\"%ls\" is in use: a program (or a vsdisk task still creating it) "
                              L"has it open without sharing; try again when it is finished.", path);
    case ERROR_ACCESS_DENIED:
        return host_error_set(out, E_ACCESSDENIED, L"Access to \"%ls\" is denied.", path);
    case ERROR_DIRECTORY:
        return host_error_set(out, VM_E_INVALID_HD_FILE,
                              L"\"%ls\" is a folder, not a virtual hard disk file.", path);
    case ERROR_BAD_FILE_TYPE:
        return host_error_set(out, VM_E_INVALID_HD_FILE,
                              L"\"%ls\" is not a regular file.", path);
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return host_error_set(out, E_OUTOFMEMORY, L"Out of memory opening \"%ls\".", path);
    }
    return host_error_set(out, DISP_E_EXCEPTION, L"\"%ls\" could not be opened (error %lu).",
                          path, error);
}

HRESULT disk_file_reader_failed(const WCHAR *path, const vhd_reader_error *reader,
                                struct host_error *out)
{
    if (vhd_reader_code_is_invalid_file(reader->code))
        return host_error_set(out, VM_E_INVALID_HD_FILE,
                              L"\"%ls\" is not a valid virtual hard disk: %hs.", path, reader->reason);
    switch (reader->code) {
    case VHD_READER_NO_MEMORY:
        return host_error_set(out, E_OUTOFMEMORY, L"Out of memory reading \"%ls\".", path);
    case VHD_READER_PARENT_ID_MISMATCH:
        return host_error_set(out, VM_E_PARENT_CHILD_ID_MISMATCH, L"%hs.", reader->reason);
    case VHD_READER_PARENT_NOT_FOUND:
    case VHD_READER_PARENT_INVALID:
    case VHD_READER_PARENT_SIZE_MISMATCH:
    case VHD_READER_CHAIN_LOOP:
    case VHD_READER_CHAIN_TOO_DEEP:
        return host_error_set(out, VM_E_PARENT_PATH_NOT_FOUND, L"%hs.", reader->reason);
    case VHD_READER_NOT_POSSIBLE:
        return host_error_set(out, DISP_E_EXCEPTION, L"\"%ls\": %hs.", path, reader->reason);
    default:
        break;
    }
    return host_error_set(out, DISP_E_EXCEPTION, L"Reading \"%ls\" failed: %hs.", path,
                          reader->reason);
}

static void free_file(struct disk_file *file)
{
    if (!file)
        return;
    disk_image_close(file->image);
    if (file->backend.file != INVALID_HANDLE_VALUE)
        file->backend.io.close(&file->backend.io);
    vs_free(file->path);
    vs_free(file);
}

HRESULT disk_file_open(const WCHAR *path, vhd_io_open_mode mode, struct disk_file **result,
                       struct host_error *error)
{
    struct disk_file *file;
    vhd_reader_error reader;
    size_t length = wcslen(path);

    *result = NULL;
    file = vs_malloc(sizeof(*file));
    if (!file || !(file->path = vs_malloc((length + 1) * sizeof(WCHAR)))) {
        vs_free(file);
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory opening \"%ls\".", path);
    }
    memcpy(file->path, path, (length + 1) * sizeof(WCHAR));
    file->image = NULL;
    vhd_io_win32_init(&file->backend, file->path);
    if (file->backend.io.open(&file->backend.io, mode) != VHD_OK) {
        HRESULT hr = disk_file_open_failed(path, (DWORD)file->backend.io.os_error, error);
        free_file(file);
        return hr;
    }
    if (disk_image_open(&file->image, &file->backend.io, &reader_allocator, &reader)
        != VHD_READER_OK) {
        HRESULT hr = disk_file_reader_failed(path, &reader, error);
        free_file(file);
        return hr;
    }
    *result = file;
    return S_OK;
}

void disk_file_close(struct disk_file *file)
{
    free_file(file);
}

const disk_info *disk_file_info(const struct disk_file *file)
{
    return disk_image_info(file->image);
}

/* ---- the parent opener ---- */

struct win32_parent {
    struct vhd_io_win32 backend;
    WCHAR path[MAX_PATH];
    char *name;
};

static BOOL is_unc(const WCHAR *p)
{
    return p[0] == '\\' && p[1] == '\\';
}

static BOOL is_absolute(const WCHAR *p)
{
    return is_unc(p) || (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':'
                         && p[2] == '\\');
}

/* The full path a candidate names, in out (MAX_PATH), or FALSE if it names nothing vsdisk
 * may open: relative ones are taken from the child's folder; a UNC path is followed only for
 * a child that is itself on a share (a disk on a local drive never makes the host contact a
 * server); the result must pass the same checks as a path a script passes. */
BOOL disk_file_candidate_path(const WCHAR *child, const vhd_parent_candidate *candidate, WCHAR *out)
{
    WCHAR joined[2 * MAX_PATH], *rel, *base;
    const WCHAR *slash;
    const char *reason;
    BOOL ok = FALSE;
    DWORD length;

    if (candidate->platform_code == VHD_PLATFORM_MACX || candidate->platform_code == VHD_PLATFORM_MAC)
        return FALSE;
    if (!(rel = disk_file_utf16(candidate->path)))
        return FALSE;
    if (candidate->platform_code == VHD_PLATFORM_UNICODE_NAME) {
        base = wcsrchr(rel, '\\');
        memmove(rel, base ? base + 1 : rel, (wcslen(base ? base + 1 : rel) + 1) * sizeof(WCHAR));
    }
    for (WCHAR *p = rel; *p; p++)
        if (*p == '/')
            *p = '\\';
    if (is_absolute(rel)) {
        if (is_unc(rel) && !is_unc(child))
            goto done;
        if (wcslen(rel) >= ARRAYSIZE(joined))
            goto done;
        wcscpy(joined, rel);
    } else {
        slash = wcsrchr(child, '\\');
        if (!slash || (size_t)(slash - child) + 1 + wcslen(rel) >= ARRAYSIZE(joined))
            goto done;
        memcpy(joined, child, ((size_t)(slash - child) + 1) * sizeof(WCHAR));
        wcscpy(joined + (slash - child) + 1, rel);
    }
    /* Folds ".\" and "..\" (no file system access). */
    length = GetFullPathNameW(joined, MAX_PATH, out, NULL);
    if (length == 0 || length >= MAX_PATH)
        goto done;
    ok = path_check((const uint16_t *)out, wcslen(out), &reason) == PATH_OK;
done:
    vs_free(rel);
    return ok;
}

/* The opener's ctx: which of the two openers below is opening (see disk_file.h). */
static int hooked_mode, unhooked_mode;

static vhd_status win32_parent_open(void *ctx, const char *child_name,
                                    const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    struct win32_parent *parent;
    WCHAR *child;
    vhd_status status;

    if (!(parent = vs_malloc(sizeof(*parent))))
        return VHD_E_NO_MEMORY;
    if (!(child = disk_file_utf16(child_name))) {
        vs_free(parent);
        return VHD_E_NO_MEMORY;
    }
    parent->name = NULL;
    if (!disk_file_candidate_path(child, candidate, parent->path)) {
        vs_free(child);
        vs_free(parent);
        return VHD_E_NOT_FOUND;
    }
    vs_free(child);
    vhd_io_win32_init(&parent->backend, parent->path);
    if (ctx == &unhooked_mode)
        vhd_io_win32_unhooked(&parent->backend);
    status = parent->backend.io.open(&parent->backend.io, VHD_IO_OPEN_READ);
    if (status == VHD_OK && !(parent->name = disk_file_utf8(parent->path))) {
        parent->backend.io.close(&parent->backend.io);
        status = VHD_E_NO_MEMORY;
    }
    if (status != VHD_OK) {
        vs_free(parent);
        return status;
    }
    file->io = &parent->backend.io;
    file->name = parent->name;
    file->identity = vhd_io_win32_identity(&parent->backend);
    file->handle = parent;
    return VHD_OK;
}

static void win32_parent_close(void *ctx, vhd_parent_file *file)
{
    struct win32_parent *parent = file->handle;

    (void)ctx;
    if (!parent)
        return;
    parent->backend.io.close(&parent->backend.io);
    vs_free(parent->name);
    vs_free(parent);
    file->handle = NULL;
}

const vhd_parent_opener win32_parent_opener = { win32_parent_open, win32_parent_close,
                                                 &hooked_mode };
const vhd_parent_opener win32_parent_opener_unhooked = { win32_parent_open, win32_parent_close,
                                                         &unhooked_mode };

HRESULT disk_file_find_parent(struct disk_file *file, WCHAR **parent_path,
                              struct host_error *error)
{
    vhd_reader_error reader;
    vhd_file_identity identity = vhd_io_win32_identity(&file->backend);
    disk_chain *chain;
    char *name;
    HRESULT hr = S_OK;

    *parent_path = NULL;
    if (!(name = disk_file_utf8(file->path)))
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory finding a parent.");
    if (disk_chain_open_levels(&chain, &file->backend.io, name, &identity, &win32_parent_opener,
                              &reader_allocator, 2, &reader) != VHD_READER_OK) {
        hr = disk_file_reader_failed(file->path, &reader, error);
        if (hr == VM_E_PARENT_CHILD_ID_MISMATCH)   /* a file, but not the parent */
            hr = host_error_set(error, VM_E_PARENT_PATH_NOT_FOUND, L"%hs.", reader.reason);
    } else {
        if (disk_chain_depth(chain) < 2 || !(*parent_path = disk_file_utf16(disk_chain_name(chain, 1))))
            hr = host_error_set(error, E_OUTOFMEMORY, L"Out of memory finding a parent.");
        disk_chain_close(chain);
    }
    vs_free(name);
    return hr;
}

BOOL disk_file_parent_paths(const WCHAR *child_path, const WCHAR *parent_path,
                            struct disk_file_parent_paths *buffers, disk_relink_paths *paths)
{
    size_t absolute_length = wcslen(parent_path), relative_length, volume_length;

    if (absolute_length >= ARRAYSIZE(buffers->absolute))
        return FALSE;
    memcpy(buffers->absolute, parent_path, absolute_length * sizeof(WCHAR));
    buffers->absolute[absolute_length] = 0;
    /* W2ru as CreateDifferencingVirtualHardDisk writes it; none across drives or shares. */
    relative_length = path_relative_to_file((const uint16_t *)child_path, wcslen(child_path),
                                            (const uint16_t *)parent_path, wcslen(parent_path),
                                            PATH_FLAVOUR_WINDOWS, (uint16_t *)buffers->relative,
                                            ARRAYSIZE(buffers->relative) - 1);
    buffers->relative[relative_length] = 0;
    volume_length = parent_disk_volume_path(parent_path, buffers->volume, ARRAYSIZE(buffers->volume));
    paths->absolute = (const uint16_t *)buffers->absolute;
    paths->absolute_length = absolute_length;
    paths->relative = (const uint16_t *)buffers->relative;
    paths->relative_length = relative_length;
    paths->volume = (const uint16_t *)buffers->volume;
    paths->volume_length = volume_length;
    return TRUE;
}

HRESULT disk_file_relink(const WCHAR *child_path, const WCHAR *parent_path,
                         struct host_error *error)
{
    struct disk_file *child = NULL, *parent = NULL;
    vhd_reader_error reader;
    struct disk_file_parent_paths buffers;
    disk_relink_paths paths;
    const disk_relink_options relink_options = { host_random_guid, NULL, vs_malloc, vs_free };
    HRESULT hr;

    if (FAILED(hr = disk_file_open(parent_path, VHD_IO_OPEN_READ, &parent, error)))
        goto done;
    if (FAILED(hr = disk_file_open(child_path, VHD_IO_OPEN_READ_WRITE, &child, error)))
        goto done;
    const disk_info *child_info = disk_file_info(child);
    const disk_info *parent_info = disk_file_info(parent);
    if (child_info->kind != DISK_KIND_DIFFERENCING) {
        hr = host_error_set(error, VM_E_WRONG_HD_IMAGE_TYPE,
                            L"\"%ls\" is not a differencing disk, so it has no parent to set.",
                            child_path);
        goto done;
    }
    if (parent_info->format != child_info->format) {
        hr = host_error_set(error, VM_E_PARENT_CHILD_ID_MISMATCH,
                            L"\"%ls\" is a %hs and the differencing disk \"%ls\" a %hs: a disk's parent is always of its own format.",
                            parent_path, disk_format_name(parent_info->format), child_path,
                            disk_format_name(child_info->format));
        goto done;
    }
    if (parent_info->size != child_info->size) {
        hr = host_error_set(error, VM_E_PARENT_CHILD_ID_MISMATCH,
                            L"\"%ls\" holds %I64u bytes but the differencing disk \"%ls\" %I64u: "
                            L"it is not its parent.", parent_path,
                            parent_info->size, child_path, child_info->size);
        goto done;
    }
    if (!disk_file_parent_paths(child_path, parent_path, &buffers, &paths)) {
        hr = host_error_set(error, E_BUFFER_OVERFLOW, L"The parent's path \"%ls\" is too long.",
                            parent_path);
        goto done;
    }
    /* The re-link opens both disks itself: the images held here are let go first. */
    disk_image_close(child->image);
    child->image = NULL;
    disk_image_close(parent->image);
    parent->image = NULL;
    if (disk_relink(&child->backend.io, &parent->backend.io, &paths, &relink_options, &reader)
        != VHD_READER_OK) {
        hr = disk_file_reader_failed(child_path, &reader, error);
        goto done;
    }
    hr = S_OK;
done:
    disk_file_close(child);
    disk_file_close(parent);
    return hr;
}

HRESULT disk_file_free_space(const WCHAR *path, ULONGLONG *free_bytes, struct host_error *error)
{
    WCHAR folder[MAX_PATH];
    const WCHAR *slash = wcsrchr(path, '\\');
    ULARGE_INTEGER available;
    size_t length;

    if (!slash || (length = (size_t)(slash - path) + 1) >= ARRAYSIZE(folder))
        return host_error_set(error, E_BAD_PATHNAME, L"\"%ls\" has no folder.", path);
    memcpy(folder, path, length * sizeof(WCHAR));
    folder[length] = 0;
    if (!GetDiskFreeSpaceExW(folder, &available, NULL, NULL)) {
        DWORD code = GetLastError();
        if (code == ERROR_PATH_NOT_FOUND || code == ERROR_FILE_NOT_FOUND
            || code == ERROR_INVALID_DRIVE || code == ERROR_BAD_NETPATH)
            return host_error_set(error, E_PATH_NOT_FOUND, L"The folder \"%ls\" does not exist.",
                                  folder);
        return host_error_set(error, DISP_E_EXCEPTION,
                              L"The free space of \"%ls\" could not be read (error %lu).", folder,
                              code);
    }
    *free_bytes = available.QuadPart;
    return S_OK;
}

/* TRUE if name ends in one of extensions (";"-separated), in any case. */
static BOOL has_extension(const WCHAR *name, const WCHAR *extensions)
{
    size_t length = wcslen(name);

    while (*extensions) {
        const WCHAR *end = wcschr(extensions, ';');
        size_t n = end ? (size_t)(end - extensions) : wcslen(extensions);
        if (length > n && _wcsnicmp(name + length - n, extensions, n) == 0)
            return TRUE;
        extensions += n + (end ? 1 : 0);
    }
    return FALSE;
}

HRESULT disk_file_search(const WCHAR *folder, HRESULT (*found)(void *ctx, const WCHAR *path),
                         void *ctx, struct host_error *error)
{
    return disk_file_search_extension(folder, L".vhd;.vhdx", found, ctx, error);
}

HRESULT disk_file_search_extension(const WCHAR *folder, const WCHAR *extension,
                                   HRESULT (*found)(void *ctx, const WCHAR *path), void *ctx,
                                   struct host_error *error)
{
    WCHAR pattern[MAX_PATH + 8], path[MAX_PATH];
    WIN32_FIND_DATAW data;
    size_t length = wcslen(folder);
    BOOL separator = length > 0 && folder[length - 1] == '\\';
    HANDLE find;
    HRESULT hr = S_OK;

    if (length == 0 || length + 3 >= MAX_PATH)
        return host_error_set(error, E_BAD_PATHNAME, L"The search path \"%ls\" is not a folder "
                              L"path.", folder);
    _snwprintf(pattern, ARRAYSIZE(pattern), L"%ls%ls*", folder, separator ? L"" : L"\\");
    find = FindFirstFileExW(pattern, FindExInfoBasic, &data, FindExSearchNameMatch, NULL, 0);
    if (find == INVALID_HANDLE_VALUE) {
        DWORD code = GetLastError();
        if (code == ERROR_FILE_NOT_FOUND || code == ERROR_NO_MORE_FILES)
            return S_OK;
        if (code == ERROR_PATH_NOT_FOUND || code == ERROR_DIRECTORY || code == ERROR_INVALID_NAME
            || code == ERROR_BAD_NETPATH || code == ERROR_INVALID_DRIVE)
            return host_error_set(error, E_PATH_NOT_FOUND, L"The search folder \"%ls\" does not "
                                  L"exist.", folder);
        return host_error_set(error, DISP_E_EXCEPTION, L"The search folder \"%ls\" could not be "
                              L"listed (error %lu).", folder, code);
    }
    do {
        if ((data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || !has_extension(data.cFileName, extension))
            continue;
        if (length + 1 + wcslen(data.cFileName) >= MAX_PATH)
            continue;   /* a path the API could not take back */
        _snwprintf(path, ARRAYSIZE(path), L"%ls%ls%ls", folder, separator ? L"" : L"\\",
                 data.cFileName);
        hr = found(ctx, path);
    } while (SUCCEEDED(hr) && FindNextFileW(find, &data));
    FindClose(find);
    if (FAILED(hr))
        return host_error_set(error, hr, L"Out of memory listing \"%ls\".", folder);
    return S_OK;
}

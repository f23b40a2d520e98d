#include <windows.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "disk_chain.h"
#include "disk_file.h"
#include "disk_merge.h"
#include "job_disks.h"
#include "vsdisk.h"

#define E_SHARING_VIOLATION_HR HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION)

static const vhd_reader_options reader_allocator = { vs_malloc, vs_free };

struct job_parent {
    struct vhd_io_win32 backend;
    WCHAR path[MAX_PATH];
    char *name;
};

static vhd_status job_parent_open(void *ctx, const char *child_name,
                                  const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    struct job_chain *chain = ctx;
    struct job_parent *parent;
    BOOL shared = chain->for_merge && strcmp(child_name, chain->name) == 0;
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
    status = parent->backend.io.open(&parent->backend.io, shared ? VHD_IO_OPEN_READ
                                                                 : VHD_IO_OPEN_READ_DENY_WRITE);
    if (status == VHD_E_IN_USE)
        chain->in_use = TRUE;
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

static void job_parent_close(void *ctx, vhd_parent_file *file)
{
    struct job_parent *parent = file->handle;

    (void)ctx;
    if (!parent)
        return;
    parent->backend.io.close(&parent->backend.io);
    vs_free(parent->name);
    vs_free(parent);
    file->handle = NULL;
}

void job_chain_close(struct job_chain *chain)
{
    if (!chain)
        return;
    if (chain->chain)
        disk_chain_close(chain->chain);
    if (chain->backend.file != INVALID_HANDLE_VALUE)
        chain->backend.io.close(&chain->backend.io);
    vs_free(chain->name);
    vs_free(chain->path);
    vs_free(chain);
}

HRESULT job_chain_open(const WCHAR *path, BOOL for_merge, struct job_chain **out,
                       struct host_error *error)
{
    return job_chain_open_as(path, NULL, for_merge, out, error);
}

HRESULT job_chain_open_as(const WCHAR *path, const disk_image_class *class, BOOL for_merge,
                          struct job_chain **out, struct host_error *error)
{
    struct job_chain *chain;
    vhd_reader_error reader;
    vhd_file_identity identity;
    size_t length = wcslen(path);
    vhd_io_open_mode mode = VHD_IO_OPEN_READ_DENY_WRITE;
    HRESULT hr;

    *out = NULL;
    if (!(chain = vs_calloc(1, sizeof(*chain))))
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory opening \"%ls\".", path);
    chain->for_merge = for_merge;
    chain->opener.open = job_parent_open;
    chain->opener.close = job_parent_close;
    chain->opener.ctx = chain;
    if (!(chain->path = vs_malloc((length + 1) * sizeof(WCHAR)))) {
        vs_free(chain);
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory opening \"%ls\".", path);
    }
    memcpy(chain->path, path, (length + 1) * sizeof(WCHAR));
    vhd_io_win32_init(&chain->backend, chain->path);
    if (!(chain->name = disk_file_utf8(path))) {
        job_chain_close(chain);
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory opening \"%ls\".", path);
    }
    /* Merge writes a VHDX child's parent locator (disk_merge.h): its format read first. */
    if (for_merge && chain->backend.io.open(&chain->backend.io, VHD_IO_OPEN_READ) == VHD_OK) {
        mode = disk_merge_child_mode(&chain->backend.io);
        chain->backend.io.close(&chain->backend.io);
        vhd_io_win32_init(&chain->backend, chain->path);
    }
    if (chain->backend.io.open(&chain->backend.io, mode) != VHD_OK) {
        if (chain->backend.io.os_error == ERROR_SHARING_VIOLATION)
            hr = host_error_set(error, E_SHARING_VIOLATION_HR,
                                L"\"%ls\" is in use: another program (or a vsdisk task) has it open for writing; try again when it is finished.",
                                path);
        else
            hr = disk_file_open_failed(path, (DWORD)chain->backend.io.os_error, error);
        job_chain_close(chain);
        return hr;
    }
    identity = vhd_io_win32_identity(&chain->backend);
    if ((class ? disk_chain_open_as(&chain->chain, class, &chain->backend.io, chain->name, &identity,
                                    &reader_allocator, &reader)
               : disk_chain_open(&chain->chain, &chain->backend.io, chain->name, &identity,
                                 &chain->opener, &reader_allocator, &reader)) != VHD_READER_OK) {
        if (chain->in_use && reader.code == VHD_READER_PARENT_NOT_FOUND)
            hr = host_error_set(error, E_SHARING_VIOLATION_HR,
                                L"A parent disk of \"%ls\" is in use: another program (or a vsdisk task) has it open for writing; try again when it is finished.",
                                path);
        else if (reader.code == VHD_READER_IO && reader.io_status == VHD_E_IN_USE)
            hr = host_error_set(error, E_SHARING_VIOLATION_HR,
                                L"\"%ls\" is in use: %hs.", path, reader.reason);
        else
            hr = disk_file_reader_failed(path, &reader, error);
        if (hr == VM_E_PARENT_CHILD_ID_MISMATCH)
            hr = host_error_set(error, VM_E_PARENT_PATH_NOT_FOUND, L"%hs.", reader.reason);
        job_chain_close(chain);
        return hr;
    }
    *out = chain;
    return S_OK;
}

HRESULT job_disk_open_for_writing(struct vhd_io_win32 *backend, const WCHAR *path,
                                  const WCHAR *which, struct host_error *error)
{
    DWORD attributes;

    vhd_io_win32_init(backend, path);
    /* Windows refuses to write a file with the read-only attribute; Wine, for a process with
     * the right to write it anyway (root), does not: ask the attribute first. */
    attributes = GetFileAttributesW(path);
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_READONLY)
        && !(attributes & FILE_ATTRIBUTE_DIRECTORY))
        return host_error_set(error, VM_E_FILE_READ_ONLY,
                              L"The %ls \"%ls\" is read-only (its read-only attribute is set).",
                              which, path);
    if (backend->io.open(&backend->io, VHD_IO_OPEN_READ_WRITE) == VHD_OK)
        return S_OK;
    switch (backend->io.os_error) {
    case ERROR_SHARING_VIOLATION:
        return host_error_set(error, E_SHARING_VIOLATION_HR,
                              L"The %ls \"%ls\" is in use: another program (or a vsdisk task) has it open; try again when it is finished.",
                              which, path);
    case ERROR_ACCESS_DENIED:
    case ERROR_WRITE_PROTECT:
        attributes = GetFileAttributesW(path);
        if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY))
            break;
        return host_error_set(error, VM_E_FILE_READ_ONLY,
                              L"The %ls \"%ls\" is read-only (the file, or its volume, cannot be written).",
                              which, path);
    default:
        break;
    }
    return disk_file_open_failed(path, (DWORD)backend->io.os_error, error);
}

HRESULT job_target_check(const WCHAR *path, ULONGLONG need_bytes, WCHAR **staged,
                         struct host_error *error)
{
    size_t length = wcslen(path), folder_length;
    const WCHAR *slash = wcsrchr(path, '\\');
    WCHAR *folder;
    ULARGE_INTEGER available;
    DWORD attributes, random;
    LARGE_INTEGER counter;

    *staged = NULL;
    if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES
        || GetLastError() == ERROR_SHARING_VIOLATION)
        return host_error_set(error, E_ALREADY_EXISTS,
                              L"\"%ls\" already exists; vsdisk never replaces a file with a new disk.",
                              path);
    if (!slash)
        return host_error_set(error, E_PATH_NOT_FOUND, L"\"%ls\" names no folder.", path);
    folder_length = (size_t)(slash - path) + 1;
    if (!(folder = vs_malloc((folder_length + 1) * sizeof(WCHAR))))
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory.");
    memcpy(folder, path, folder_length * sizeof(WCHAR));
    folder[folder_length] = 0;
    attributes = GetFileAttributesW(folder);
    if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        vs_free(folder);
        return host_error_set(error, E_PATH_NOT_FOUND,
                              L"The folder of \"%ls\" does not exist.", path);
    }
    if (GetDiskFreeSpaceExW(folder, &available, NULL, NULL) && available.QuadPart < need_bytes) {
        vs_free(folder);
        return host_error_set(error, E_DISK_FULL,
                              L"The volume of \"%ls\" has %I64u bytes free; the new disk needs %I64u.",
                              path, available.QuadPart, need_bytes);
    }
    vs_free(folder);
    /* Only needs to differ from another job's at the same moment; create() is exclusive. */
    QueryPerformanceCounter(&counter);
    random = (DWORD)counter.QuadPart ^ (DWORD)(counter.QuadPart >> 32)
             ^ GetCurrentProcessId() << 16 ^ GetCurrentThreadId();
    if (!(*staged = vs_malloc((length + 32) * sizeof(WCHAR))))
        return host_error_set(error, E_OUTOFMEMORY, L"Out of memory.");
    _snwprintf(*staged, length + 32, L"%ls.vsdisk-partial-%08lx", path, (unsigned long)random);
    (*staged)[length + 31] = 0;
    return S_OK;
}

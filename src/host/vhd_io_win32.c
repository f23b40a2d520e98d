#include <windows.h>
#include <winternl.h>
#include <wchar.h>

#include "vhd_io_win32.h"

static inline struct vhd_io_win32 *impl_from_vhd_io(vhd_io *io)
{
    return CONTAINING_RECORD(io, struct vhd_io_win32, io);
}

vhd_status vhd_status_from_win32(DWORD error)
{
    switch (error) {
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        return VHD_E_EXISTS;
    case ERROR_PATH_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_INVALID_DRIVE:
        return VHD_E_NOT_FOUND;
    case ERROR_DIRECTORY:
        return VHD_E_NOT_DIRECTORY;
    case ERROR_ACCESS_DENIED:
    case ERROR_WRITE_PROTECT:
    case ERROR_SHARING_VIOLATION:
        return VHD_E_ACCESS;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return VHD_E_NO_SPACE;
    case ERROR_FILE_TOO_LARGE:
        return VHD_E_TOO_LARGE;
    case ERROR_INVALID_NAME:
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_BAD_PATHNAME:
        return VHD_E_INVALID_PATH;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return VHD_E_NO_MEMORY;
    default:
        return VHD_E_IO;
    }
}

static vhd_status fail(struct vhd_io_win32 *backend)
{
    DWORD error = GetLastError();

    backend->io.os_error = (int)error;
    return vhd_status_from_win32(error);
}

/* TRUE if the test hook says this call must fail; the error is then set. */
static BOOL injected_failure(struct vhd_io_win32 *backend)
{
    if (backend->fail_created_call && backend->created
        && ++backend->created_calls == backend->fail_created_call) {
        SetLastError(backend->fail_created_error);
        return TRUE;
    }
    if (!backend->fail_call || ++backend->calls != backend->fail_call)
        return FALSE;
    SetLastError(backend->fail_error);
    return TRUE;
}

static vhd_status win32_create(vhd_io *io)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);

    backend->created = TRUE;
    if (injected_failure(backend))
        return fail(backend);

    /* CREATE_NEW decides "already exists" atomically; FILE_FLAG_OPEN_REPARSE_POINT keeps a
     * link at the target from being followed. No sharing: nobody touches it half-written. */
    backend->file = CreateFileW(backend->path, GENERIC_WRITE | DELETE, 0, NULL, CREATE_NEW,
                                FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (backend->file == INVALID_HANDLE_VALUE)
        return fail(backend);
    return VHD_OK;
}

static vhd_status win32_write_at(vhd_io *io, uint64_t offset, const void *buf, size_t len)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);
    const BYTE *bytes = buf;

    if (backend->write_delay_ms)
        Sleep(backend->write_delay_ms);
    if (injected_failure(backend))
        return fail(backend);
    while (len > 0) {
        OVERLAPPED position = { 0 };
        DWORD chunk = len > 0x40000000 ? 0x40000000 : (DWORD)len;
        DWORD written = 0;

        position.Offset = (DWORD)offset;
        position.OffsetHigh = (DWORD)(offset >> 32);
        if (!WriteFile(backend->file, bytes, chunk, &written, &position))
            return fail(backend);
        if (written == 0) {
            SetLastError(ERROR_DISK_FULL);
            return fail(backend);
        }
        bytes += written;
        offset += written;
        len -= written;
    }
    return VHD_OK;
}

/* Wine 8 maps SetFileValidData to fallocate() (NtSetInformationFile with
 * FileValidDataLengthInformation; FileAllocationInformation is not implemented and
 * SetEndOfFile is ftruncate, which leaves a sparse file): the range is allocated as unwritten
 * extents that read as zeros, and a full volume fails with ERROR_DISK_FULL. On Windows the
 * same call would expose whatever the volume held there before (and needs a privilege), so
 * this back end only reserves under Wine; elsewhere allocate is NULL and the writer writes
 * zeros. */
/* Wine's SetFileValidData calls fallocate() from offset 0 to the new end, so every call
 * walks again the extents of all earlier ones: 64 steps cost about 1.7x one call for a
 * 64 GiB disk (bench: com_fixed_ratio), 8 steps about 1.05x. */
#define WINE_ALLOCATION_STEPS 8u

static vhd_status win32_allocate(vhd_io *io, uint64_t offset, uint64_t len)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);
    FILE_END_OF_FILE_INFO end_of_file;
    FILE_STANDARD_INFO standard;
    LONGLONG end = (LONGLONG)(offset + len);
    DWORD error;

    if (backend->write_delay_ms)
        Sleep(backend->write_delay_ms);
    if (injected_failure(backend))
        return fail(backend);
    end_of_file.EndOfFile.QuadPart = end;
    if (!SetFileInformationByHandle(backend->file, FileEndOfFileInfo, &end_of_file,
                                    sizeof(end_of_file)))
        return fail(backend);
    if (!SetFileValidData(backend->file, end)) {
        error = GetLastError();
        if (error == ERROR_DISK_FULL || error == ERROR_HANDLE_DISK_FULL)
            return fail(backend);
        backend->io.os_error = (int)error;      /* no privilege, or not this file system */
        return VHD_E_NOT_SUPPORTED;
    }
    /* Wine only warns when the file system has no fallocate: then the file stayed sparse. */
    if (GetFileInformationByHandleEx(backend->file, FileStandardInfo, &standard, sizeof(standard))
        && standard.AllocationSize.QuadPart < end) {
        backend->io.os_error = ERROR_NOT_SUPPORTED;
        return VHD_E_NOT_SUPPORTED;
    }
    return VHD_OK;
}

static BOOL running_on_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

    return ntdll && GetProcAddress(ntdll, "wine_get_version");
}

static vhd_status win32_flush(vhd_io *io)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);

    if (injected_failure(backend) || !FlushFileBuffers(backend->file))
        return fail(backend);
    return VHD_OK;
}

/* FALSE if path no longer names the file open on the handle: on Linux (Wine) a file, or a
 * folder on its way, can be deleted or moved while it is open. Same volume serial and file
 * index means same file. Failures other than "not found" prove nothing and give TRUE. */
typedef LONG (WINAPI *query_information_file_fn)(HANDLE, IO_STATUS_BLOCK *, void *, ULONG, int);

/* The file's index on its volume. NtQueryInformationFile(FileInternalInformation) answers from
 * the file alone, where GetFileInformationByHandle also reads the volume's serial number,
 * which on Wine costs as much as the rest of a small creation. */
static BOOL file_index(HANDLE file, ULONGLONG *index)
{
    static query_information_file_fn query;
    BY_HANDLE_FILE_INFORMATION info;

    if (!query)
        query = (query_information_file_fn)(void (*)(void))GetProcAddress(
            GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationFile");
    if (query) {
        IO_STATUS_BLOCK status;
        LARGE_INTEGER internal;     /* FILE_INTERNAL_INFORMATION */
        if (query(file, &status, &internal, sizeof(internal), 6 /* FileInternalInformation */) == 0) {
            *index = (ULONGLONG)internal.QuadPart;
            return TRUE;
        }
    }
    if (!GetFileInformationByHandle(file, &info))
        return FALSE;
    *index = (ULONGLONG)info.nFileIndexHigh << 32 | info.nFileIndexLow;
    return TRUE;
}

/* Whether the path still names the file we created: its folder may have been deleted or
 * moved, or the file replaced, while we wrote. Both handles are on the path's volume unless
 * something was mounted over it meanwhile, so the index alone identifies the file. */
static BOOL still_at_path(struct vhd_io_win32 *backend)
{
    ULONGLONG ours, named;
    HANDLE file;
    BOOL same;

    if (!file_index(backend->file, &ours))
        return TRUE;
    /* Attribute access only: it does not conflict with our handle's sharing mode. */
    file = CreateFileW(backend->path, FILE_READ_ATTRIBUTES,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                       FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        DWORD error = GetLastError();
        return error != ERROR_FILE_NOT_FOUND && error != ERROR_PATH_NOT_FOUND;
    }
    same = !file_index(file, &named) || named == ours;
    CloseHandle(file);
    return same;
}

static vhd_status win32_close(vhd_io *io)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);
    HANDLE file = backend->file;

    if (file != INVALID_HANDLE_VALUE && !backend->opened && !still_at_path(backend)) {
        backend->vanished = TRUE;
        backend->io.os_error = ERROR_FILE_NOT_FOUND;
        return VHD_E_IO;        /* the handle stays open for remove() */
    }
    backend->file = INVALID_HANDLE_VALUE;
    if (file != INVALID_HANDLE_VALUE && !CloseHandle(file))
        return fail(backend);
    /* An injected close failure still closes, as a real one leaves the handle closed. */
    if (injected_failure(backend))
        return fail(backend);
    return VHD_OK;
}

static vhd_status win32_remove(vhd_io *io)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);

    if (backend->published)     /* it has its final name now: no longer ours to delete */
        return VHD_OK;

    if (backend->opened) {      /* not ours to delete: only close it */
        if (backend->file != INVALID_HANDLE_VALUE)
            CloseHandle(backend->file);
        backend->file = INVALID_HANDLE_VALUE;
        return VHD_OK;
    }

    if (backend->file != INVALID_HANDLE_VALUE) {
        /* Delete through our own handle: exactly the file we created, whatever the path
         * now names. Emptied first: if it was moved, a deletion by name (Wine's) misses it,
         * and what survives must not hold a disk. */
        FILE_END_OF_FILE_INFO empty;
        FILE_DISPOSITION_INFO disposition = { TRUE };
        BOOL deleted;
        DWORD error;

        empty.EndOfFile.QuadPart = 0;
        SetFileInformationByHandle(backend->file, FileEndOfFileInfo, &empty, sizeof(empty));
        deleted = SetFileInformationByHandle(backend->file, FileDispositionInfo,
                                             &disposition, sizeof(disposition));
        error = GetLastError();
        CloseHandle(backend->file);
        backend->file = INVALID_HANDLE_VALUE;
        /* Once the file has left its path, the path may name someone else's file. */
        if (deleted || backend->vanished)
            return VHD_OK;
        SetLastError(error);
        if (!DeleteFileW(backend->path))
            return fail(backend);
        return VHD_OK;
    }
    if (!DeleteFileW(backend->path))
        return fail(backend);
    return VHD_OK;
}

/* Opens an existing regular file. A reader shares it with everyone (FILE_SHARE_READ | WRITE |
 * DELETE): it never blocks another program or a vsdisk task that writes or replaces the disk,
 * and every read is checked, so a disk changing underneath gives an error, not a half-read.
 * A disk that vsdisk itself is creating is opened without sharing by its creator, so a
 * reader gets ERROR_SHARING_VIOLATION until it is complete. Read-write (an in-place change)
 * shares with readers only. */
static vhd_status win32_open(vhd_io *io, vhd_io_open_mode mode)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);
    BY_HANDLE_FILE_INFORMATION info;
    DWORD access = GENERIC_READ, share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

    if (injected_failure(backend))
        return fail(backend);
    if (mode == VHD_IO_OPEN_READ_WRITE) {
        access |= GENERIC_WRITE;
        share = FILE_SHARE_READ;
    } else if (mode == VHD_IO_OPEN_READ_DENY_WRITE) {
        share = FILE_SHARE_READ;    /* a writer's open now fails, and ours fails while one is */
    }
    backend->file = CreateFileW(backend->path, access, share, NULL, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, NULL);
    if (backend->file == INVALID_HANDLE_VALUE) {
        DWORD error = GetLastError();
        if (error == ERROR_SHARING_VIOLATION && mode != VHD_IO_OPEN_READ) {
            backend->io.os_error = (int)error;
            return VHD_E_IN_USE;
        }
        /* A folder opens only with backup semantics: say what it is. */
        DWORD attributes = GetFileAttributesW(backend->path);
        if (error == ERROR_ACCESS_DENIED && attributes != INVALID_FILE_ATTRIBUTES
            && (attributes & FILE_ATTRIBUTE_DIRECTORY))
            error = ERROR_DIRECTORY;
        SetLastError(error);
        return fail(backend);
    }
    if (GetFileType(backend->file) != FILE_TYPE_DISK
        || !GetFileInformationByHandle(backend->file, &info)
        || (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        CloseHandle(backend->file);
        backend->file = INVALID_HANDLE_VALUE;
        SetLastError(ERROR_BAD_FILE_TYPE);
        return fail(backend);
    }
    backend->opened = TRUE;
    backend->volume = info.dwVolumeSerialNumber;
    backend->index = (ULONGLONG)info.nFileIndexHigh << 32 | info.nFileIndexLow;
    return VHD_OK;
}

static vhd_status win32_read_at(vhd_io *io, uint64_t offset, void *buf, size_t len)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);
    BYTE *bytes = buf;

    if (injected_failure(backend))
        return fail(backend);
    if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - offset) {
        io->os_error = 0;
        return VHD_E_END_OF_FILE;
    }
    while (len > 0) {
        OVERLAPPED position = { 0 };
        DWORD chunk = len > 0x40000000 ? 0x40000000 : (DWORD)len;
        DWORD got = 0;

        position.Offset = (DWORD)offset;
        position.OffsetHigh = (DWORD)(offset >> 32);
        if (!ReadFile(backend->file, bytes, chunk, &got, &position)) {
            if (GetLastError() == ERROR_HANDLE_EOF) {
                io->os_error = ERROR_HANDLE_EOF;
                return VHD_E_END_OF_FILE;
            }
            return fail(backend);
        }
        if (got == 0) {
            io->os_error = ERROR_HANDLE_EOF;
            return VHD_E_END_OF_FILE;
        }
        bytes += got;
        offset += got;
        len -= got;
    }
    return VHD_OK;
}

/* Cuts or extends the open file (Compact's last step). */
static vhd_status win32_set_size(vhd_io *io, uint64_t size)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);
    FILE_END_OF_FILE_INFO end_of_file;

    if (injected_failure(backend))
        return fail(backend);
    if (size > (uint64_t)INT64_MAX) {
        io->os_error = ERROR_INVALID_PARAMETER;
        return VHD_E_IO;
    }
    end_of_file.EndOfFile.QuadPart = (LONGLONG)size;
    if (!SetFileInformationByHandle(backend->file, FileEndOfFileInfo, &end_of_file,
                                    sizeof(end_of_file)))
        return fail(backend);
    return VHD_OK;
}

/* Gives the staged file (closed) its final name. MoveFileExW without
 * MOVEFILE_REPLACE_EXISTING never replaces what is there (ERROR_ALREADY_EXISTS); write-through
 * returns once the rename is on the volume. */
static vhd_status win32_publish(vhd_io *io)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);

    if (injected_failure(backend))
        return fail(backend);
    if (!MoveFileExW(backend->path, backend->final_path, MOVEFILE_WRITE_THROUGH))
        return fail(backend);
    backend->published = TRUE;
    return VHD_OK;
}

static vhd_status win32_get_size(vhd_io *io, uint64_t *size)
{
    struct vhd_io_win32 *backend = impl_from_vhd_io(io);
    LARGE_INTEGER value;

    if (injected_failure(backend) || !GetFileSizeEx(backend->file, &value))
        return fail(backend);
    *size = value.QuadPart < 0 ? 0 : (uint64_t)value.QuadPart;
    return VHD_OK;
}

vhd_file_identity vhd_io_win32_identity(const struct vhd_io_win32 *backend)
{
    vhd_file_identity id = { .known = backend->opened, .volume = backend->volume,
                             .file = backend->index };
    return id;
}

static DWORD environment_number(const WCHAR *name, DWORD *second)
{
    WCHAR value[32], *end;
    DWORD number;

    if (GetEnvironmentVariableW(name, value, ARRAYSIZE(value)) - 1 >= ARRAYSIZE(value) - 1)
        return 0;
    number = wcstoul(value, &end, 10);
    if (second && *end == ':')
        *second = wcstoul(end + 1, NULL, 10);
    return number;
}

void vhd_io_win32_init(struct vhd_io_win32 *backend, const WCHAR *path)
{
    backend->io.create = win32_create;
    backend->io.write_at = win32_write_at;
    backend->io.flush = win32_flush;
    backend->io.close = win32_close;
    backend->io.remove = win32_remove;
    backend->io.open = win32_open;
    backend->io.read_at = win32_read_at;
    backend->io.get_size = win32_get_size;
    backend->io.os_error = 0;
    /* VSDISK_TEST_NO_RESERVATION=1 makes the writer write a fixed disk's zeros itself. */
    backend->io.allocate = running_on_wine()
        && !environment_number(L"VSDISK_TEST_NO_RESERVATION", NULL) ? win32_allocate : NULL;
    backend->io.allocation_steps = WINE_ALLOCATION_STEPS;
    backend->io.set_size = win32_set_size;
    backend->io.set_size_allocates = TRUE;
    backend->io.publish = NULL;
    backend->io.next_data = NULL;   /* every byte of a file is data */
    backend->path = path;
    backend->final_path = NULL;
    backend->published = FALSE;
    backend->file = INVALID_HANDLE_VALUE;
    backend->vanished = FALSE;
    backend->opened = FALSE;
    backend->volume = 0;
    backend->index = 0;
    backend->calls = 0;
    backend->fail_error = ERROR_IO_DEVICE;
    backend->write_delay_ms = environment_number(L"VSDISK_TEST_WRITE_DELAY_MS", NULL);
    backend->fail_call = environment_number(L"VSDISK_TEST_FAIL_IO_CALL", &backend->fail_error);
    backend->created = FALSE;
    backend->created_calls = 0;
    backend->fail_created_error = ERROR_IO_DEVICE;
    backend->fail_created_call = environment_number(L"VSDISK_TEST_FAIL_CREATED_CALL",
                                                    &backend->fail_created_error);
}

void vhd_io_win32_unhooked(struct vhd_io_win32 *backend)
{
    backend->write_delay_ms = 0;
    backend->fail_call = 0;
    backend->fail_created_call = 0;
}

void vhd_io_win32_init_staged(struct vhd_io_win32 *backend, const WCHAR *temp_path,
                              const WCHAR *final_path)
{
    vhd_io_win32_init(backend, temp_path);
    backend->final_path = final_path;
    backend->io.publish = win32_publish;
}

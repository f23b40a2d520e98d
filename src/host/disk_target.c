#include <windows.h>
#include <ole2.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "vsdisk.h"
#include "disk_target.h"
#include "path_check.h"
#include "vhd_create.h"
#include "vhd_create_differencing.h"
#include "vhd_create_fixed.h"
#include "vhd_format.h"
#include "vhdx_create.h"

/* The API documents E_DISK_FULL below 8 MB free on the target volume. */
#define MINIMUM_FREE_BYTES (8ull * 1024 * 1024)

static HRESULT target_error(struct disk_target *target, HRESULT hr, const WCHAR *format, ...)
{
    WCHAR reason[512];
    va_list args;

    va_start(args, format);
    _vsnwprintf(reason, ARRAYSIZE(reason) - 1, format, args);
    va_end(args);
    reason[ARRAYSIZE(reason) - 1] = 0;
    return host_error_set(target->error, hr, L"Cannot create the %ls \"%ls\": %ls.",
                          target->kind == DISK_TARGET_FLOPPY ? L"floppy disk image"
                                                             : L"virtual hard disk",
                          target->path, reason);
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
    WCHAR **grown = vs_realloc(target->created_folders,
                            (target->created_count + 1) * sizeof(*grown));
    WCHAR *copy = vs_wcsdup(folder);

    if (grown)
        target->created_folders = grown;
    if (!grown || !copy) {
        vs_free(copy);
        return FALSE;
    }
    target->created_folders[target->created_count++] = copy;
    return TRUE;
}

/* FALSE if the volume stored what handle is open on under a last name other than the one
 * path ends with: Wine cuts names longer than Linux's 255 bytes short, so a valid Windows
 * name would silently become another one (and two such names one file). The stored name
 * goes to stored. Nothing proves a difference if the name cannot be read: TRUE. */
static BOOL stored_as_named(HANDLE handle, const WCHAR *path, WCHAR *stored, size_t size)
{
    union {
        FILE_NAME_INFO info;
        BYTE bytes[sizeof(FILE_NAME_INFO) + 4096 * sizeof(WCHAR)];
    } name;
    const WCHAR *wanted = wcsrchr(path, '\\') + 1, *last;
    size_t length;

    /* A UTF-16 code unit takes at most 3 bytes in UTF-8: shorter names always fit. */
    if (wcslen(wanted) * 3 <= 255)
        return TRUE;
    if (!GetFileInformationByHandleEx(handle, FileNameInfo, &name, sizeof(name)))
        return TRUE;
    length = name.info.FileNameLength / sizeof(WCHAR);
    for (last = name.info.FileName + length; last > name.info.FileName && last[-1] != '\\'; last--)
        ;
    length -= (size_t)(last - name.info.FileName);
    _snwprintf(stored, size - 1, L"%.*ls", (int)length, last);
    stored[size - 1] = 0;
    return length == wcslen(wanted)
        && CompareStringOrdinal(wanted, (int)length, last, (int)length, TRUE) == CSTR_EQUAL;
}

/* The same check for a folder just created. */
static BOOL folder_stored_as_named(const WCHAR *folder, WCHAR *stored, size_t size)
{
    HANDLE handle;
    BOOL same;

    if (wcslen(wcsrchr(folder, '\\') + 1) * 3 <= 255)
        return TRUE;
    handle = CreateFileW(folder, FILE_READ_ATTRIBUTES,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (handle == INVALID_HANDLE_VALUE)
        return TRUE;
    same = stored_as_named(handle, folder, stored, size);
    CloseHandle(handle);
    return same;
}

/* Makes every folder on the way to the file exist, remembering the ones it made. The
 * folder argument is a scratch copy of the path that ends at the file's folder. */
static HRESULT make_folders(struct disk_target *target, WCHAR *folder, size_t root)
{
    size_t length = wcslen(folder), end;
    DWORD attributes = GetFileAttributesW(folder);

    /* Usually the folder is there already: one question instead of one per level. */
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY))
        return S_OK;

    for (end = root; end <= length; end++) {
        WCHAR saved = folder[end];

        if (end < length && folder[end] != '\\')
            continue;
        folder[end] = 0;
        attributes = GetFileAttributesW(folder);
        if (attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
            HRESULT hr = target_error(target, E_PATH_NOT_FOUND, L"\"%ls\" is a file, not a folder", folder);
            folder[end] = saved;
            return hr;
        }
        if (attributes == INVALID_FILE_ATTRIBUTES) {
            if (CreateDirectoryW(folder, NULL)) {
                WCHAR stored[MAX_PATH];

                if (!record_folder(target, folder)) {
                    RemoveDirectoryW(folder);
                    folder[end] = saved;
                    return target_error(target, E_OUTOFMEMORY, L"out of memory");
                }
                if (!folder_stored_as_named(folder, stored, ARRAYSIZE(stored))) {
                    HRESULT hr = target_error(target, E_INVALID_NAME, L"its volume cannot hold the folder name given; it would store it as \"%ls\"",
                                              stored);
                    folder[end] = saved;
                    return hr;      /* the caller removes the recorded folder */
                }
            } else if (GetLastError() == ERROR_ALREADY_EXISTS) {
                /* There, but it did not answer as a folder: on Linux a FIFO, a device, a
                 * dangling link or a loop of links. Or another creation just made it. */
                attributes = GetFileAttributesW(folder);
                if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
                    HRESULT hr = target_error(target, E_PATH_NOT_FOUND, L"\"%ls\" is not a folder", folder);
                    folder[end] = saved;
                    return hr;
                }
            } else {
                DWORD error = GetLastError();
                WCHAR root_folder[MAX_PATH];
                HRESULT hr;

                _snwprintf(root_folder, ARRAYSIZE(root_folder) - 1, L"%.*ls", (int)root, folder);
                root_folder[ARRAYSIZE(root_folder) - 1] = 0;
                if (GetFileAttributesW(root_folder) == INVALID_FILE_ATTRIBUTES)
                    hr = target_error(target, E_PATH_NOT_FOUND, L"its drive or share \"%ls\" cannot be found", root_folder);
                else
                    hr = target_error(target, hresult_for_folder_error(error),
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

/* The last folder asked about and its file system's name: asking costs a third of a
 * millisecond, and scripts create disk after disk in one folder. */
static SRWLOCK last_volume_lock = SRWLOCK_INIT;
static WCHAR last_volume_folder[MAX_PATH + 1];
static WCHAR last_volume_name[MAX_PATH + 1];

static BOOL remembered_file_system(const WCHAR *folder, WCHAR *name, DWORD size)
{
    BOOL found;

    AcquireSRWLockShared(&last_volume_lock);
    found = last_volume_folder[0] && !_wcsicmp(folder, last_volume_folder);
    if (found)
        _snwprintf(name, size - 1, L"%ls", last_volume_name);
    ReleaseSRWLockShared(&last_volume_lock);
    name[size - 1] = 0;
    return found;
}

static void remember_file_system(const WCHAR *folder, const WCHAR *name)
{
    if (!name[0] || wcslen(folder) >= ARRAYSIZE(last_volume_folder)
        || wcslen(name) >= ARRAYSIZE(last_volume_name))
        return;
    AcquireSRWLockExclusive(&last_volume_lock);
    wcscpy(last_volume_folder, folder);
    wcscpy(last_volume_name, name);
    ReleaseSRWLockExclusive(&last_volume_lock);
}

static void ask_file_system(const WCHAR *folder, WCHAR *name, DWORD size)
{
    WCHAR volume[MAX_PATH + 1];
    HANDLE handle;

    name[0] = 0;
    /* Through a handle to the folder: it answers at mount points too, and on Wine it does not
     * read the volume label (which GetVolumeInformationW tries, and complains about, on Z:). */
    handle = CreateFileW(folder, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (handle != INVALID_HANDLE_VALUE) {
        BOOL answered = GetVolumeInformationByHandleW(handle, NULL, 0, NULL, NULL, NULL, name, size);
        CloseHandle(handle);
        if (answered)
            return;
    }
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

/* The file-system name of the volume holding folder, or an empty string if unknown.
 * VSDISK_TEST_FILESYSTEM overrides it, so that tests can describe a FAT volume. */
static void volume_file_system(const WCHAR *folder, WCHAR *name, DWORD size)
{
    name[0] = 0;
    if (GetEnvironmentVariableW(L"VSDISK_TEST_FILESYSTEM", name, size) > 0)
        return;
    if (remembered_file_system(folder, name, size))
        return;
    ask_file_system(folder, name, size);
    remember_file_system(folder, name);
}

#define SMALLEST_FILE_SIZE_LIMIT 0x7FFFFFFFull    /* FAT16's; see file_size_limit */

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

/* The VHDX writer's options for the target's shape (sizes only). */
static void vhdx_options_of(const struct disk_target_shape *shape, vhdx_create_options *options)
{
    memset(options, 0, sizeof(*options));
    options->size_bytes = shape->size_bytes;
    options->block_size = shape->block_size;
    options->logical_sector_size = shape->logical_sector_size;
}

/* A VHDX's file once every block (and, for a child, every sector bitmap) is allocated. */
static ULONGLONG vhdx_expanded_file_size(const struct disk_target *target)
{
    vhdx_create_options options;
    ULONGLONG block, logical, blocks, chunk_ratio, bitmaps = 0;

    vhdx_options_of(&target->shape, &options);
    block = options.block_size ? options.block_size
          : target->kind == DISK_TARGET_DIFFERENCING ? VHDX_DEFAULT_DIFFERENCING_BLOCK_SIZE
                                                     : VHDX_DEFAULT_BLOCK_SIZE;
    logical = options.logical_sector_size ? options.logical_sector_size
                                          : VHDX_DEFAULT_LOGICAL_SECTOR_SIZE;
    blocks = (target->size_bytes + block - 1) / block;
    if (target->kind == DISK_TARGET_DIFFERENCING) {
        chunk_ratio = (8388608ull * logical) / block;      /* 2^23 sectors per bitmap block */
        bitmaps = (blocks + chunk_ratio - 1) / chunk_ratio;
    }
    return vhdx_dynamic_file_size(&options) + blocks * block + bitmaps * 1048576ull;
}

ULONGLONG disk_target_fixed_file_size(const struct disk_target_shape *shape)
{
    vhdx_create_options options;

    if (shape->format != DISK_FORMAT_VHDX)
        return vhd_fixed_file_size(shape->size_bytes);
    vhdx_options_of(shape, &options);
    return vhdx_fixed_file_size(&options);
}

disk_format disk_target_format_of_path(const WCHAR *path)
{
    size_t length = path ? wcslen(path) : 0;
    return length >= 5 && _wcsicmp(path + length - 5, L".vhdx") == 0 ? DISK_FORMAT_VHDX
                                                                     : DISK_FORMAT_VHD;
}

/* The largest the file can become: a fixed disk's file as created; a dynamic or differencing
 * disk's once every block is allocated. */
static ULONGLONG largest_file_size(const struct disk_target *target)
{
    if (target->kind == DISK_TARGET_FIXED)
        return disk_target_fixed_file_size(&target->shape);
    if (target->kind == DISK_TARGET_FLOPPY)
        return target->size_bytes;
    if (target->shape.format == DISK_FORMAT_VHDX)
        return vhdx_expanded_file_size(target);
    if (target->kind == DISK_TARGET_DIFFERENCING)
        return vhd_dynamic_expanded_file_size(target->size_bytes)
            - vhd_dynamic_file_size(target->size_bytes)
            + vhd_differencing_file_size(target->size_bytes);
    return vhd_dynamic_expanded_file_size(target->size_bytes);
}

static HRESULT check_volume(struct disk_target *target, const WCHAR *folder)
{
    ULARGE_INTEGER available, total, free_bytes;
    WCHAR file_system[MAX_PATH + 1];
    ULONGLONG limit, expanded;

    if (!GetDiskFreeSpaceExW(folder, &available, &total, &free_bytes))
        return target_error(target, DISP_E_EXCEPTION, L"the free space of its volume could not be read (Windows error %lu)",
                            GetLastError());
    if (target->kind == DISK_TARGET_FIXED) {
        ULONGLONG needed = disk_target_fixed_file_size(&target->shape);
        if (available.QuadPart < needed)
            return target_error(target, E_DISK_FULL,
                                target->shape.format == DISK_FORMAT_VHDX
                                    ? L"its volume has %I64u bytes free, and a fixed VHDX of %I64u MB needs %I64u bytes (its size and the VHDX's headers, log, metadata and block table)"
                                    : L"its volume has %I64u bytes free, and a fixed disk of %I64u MB needs %I64u bytes (its size and a 512-byte footer)",
                                available.QuadPart, target->size_bytes / (1024 * 1024), needed);
    } else if (target->kind == DISK_TARGET_FLOPPY) {
        if (available.QuadPart < target->size_bytes)
            return target_error(target, E_DISK_FULL, L"its volume has %I64u bytes free, and the image needs %I64u",
                                available.QuadPart, target->size_bytes);
    } else if (available.QuadPart < MINIMUM_FREE_BYTES) {
        return target_error(target, E_DISK_FULL, L"its volume has %I64u bytes free, and a %ls disk needs at least 8 MB",
                            available.QuadPart,
                            target->kind == DISK_TARGET_DIFFERENCING ? L"differencing" : L"dynamic");
    }
    expanded = largest_file_size(target);
    if (expanded <= SMALLEST_FILE_SIZE_LIMIT)
        return S_OK;            /* every file system holds it: no need to ask which this is */
    volume_file_system(folder, file_system, ARRAYSIZE(file_system));
    limit = file_size_limit(file_system);
    if (limit && expanded > limit)
        return target_error(target, VM_E_FILE_TOO_LARGE_FOR_VOLUME,
                            target->kind == DISK_TARGET_FIXED
                                ? L"it would be a %I64u-byte file, and its %ls volume holds files of at most %I64u bytes"
                                : L"fully expanded it would be a %I64u-byte file, and its %ls volume holds files of at most %I64u bytes",
                            expanded, file_system, limit);
    return S_OK;
}

/* Reads len bytes at offset; FALSE unless all of them could be read. */
static BOOL read_at(HANDLE file, ULONGLONG offset, BYTE *buffer, DWORD len)
{
    OVERLAPPED position = { 0 };
    DWORD done = 0;

    position.Offset = (DWORD)offset;
    position.OffsetHigh = (DWORD)(offset >> 32);
    return ReadFile(file, buffer, len, &done, &position) && done == len;
}

/* TRUE if file starts with the VHDX file type identifier naming vsdisk as its creator and
 * neither header slot holds a header yet: the VHDX writer commits both headers last
 * (vhdx_create.h). */
static BOOL is_unfinished_vhdx(HANDLE file, ULONGLONG size)
{
    static const WCHAR creator[] = L"vsdisk ";
    BYTE identifier[8 + sizeof(creator) - sizeof(WCHAR)], signature[4];

    if (size < 132 * 1024 || !read_at(file, 0, identifier, sizeof(identifier))
        || memcmp(identifier, "vhdxfile", 8) != 0
        || memcmp(identifier + 8, creator, sizeof(creator) - sizeof(WCHAR)) != 0)
        return FALSE;
    for (ULONGLONG slot = 64 * 1024; slot <= 128 * 1024; slot += 64 * 1024)
        if (!read_at(file, slot, signature, sizeof(signature)) || memcmp(signature, "head", 4) == 0)
            return FALSE;
    return TRUE;
}

/* TRUE if path holds what an interrupted vsdisk creation leaves: a regular file with
 * vsdisk's dynamic or differencing footer (at the end or its copy at 0) but no valid header,
 * which is written last. Reads 2.5 KiB at most. Pipes and devices report size 0 and are
 * never opened. */
static BOOL is_unfinished_disk(const WCHAR *path)
{
    BYTE footer_bytes[VHD_FOOTER_SIZE], header_bytes[VHD_DYNAMIC_HEADER_SIZE];
    WIN32_FILE_ATTRIBUTE_DATA data;
    vhd_dynamic_header header;
    ULARGE_INTEGER size;
    vhd_footer footer;
    BOOL unfinished = FALSE;
    HANDLE file;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &data)
        || (data.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE
                                     | FILE_ATTRIBUTE_REPARSE_POINT)))
        return FALSE;
    size.LowPart = data.nFileSizeLow;
    size.HighPart = data.nFileSizeHigh;
    if (size.QuadPart < VHD_FOOTER_SIZE)
        return FALSE;
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (file == INVALID_HANDLE_VALUE)
        return FALSE;
    if (is_unfinished_vhdx(file, size.QuadPart)) {
        unfinished = TRUE;
        goto done;
    }
    if (!(read_at(file, size.QuadPart - VHD_FOOTER_SIZE, footer_bytes, VHD_FOOTER_SIZE)
          && vhd_footer_decode(&footer, footer_bytes, VHD_FOOTER_SIZE) == VHD_FORMAT_OK)
        && !(read_at(file, 0, footer_bytes, VHD_FOOTER_SIZE)
             && vhd_footer_decode(&footer, footer_bytes, VHD_FOOTER_SIZE) == VHD_FORMAT_OK))
        goto done;
    if (!vhd_footer_written_by_vsdisk(&footer)
        || (footer.disk_type != VHD_DISK_TYPE_DYNAMIC && footer.disk_type != VHD_DISK_TYPE_DIFFERENCING))
        goto done;
    unfinished = !(footer.data_offset <= size.QuadPart - VHD_DYNAMIC_HEADER_SIZE
                   && read_at(file, footer.data_offset, header_bytes, VHD_DYNAMIC_HEADER_SIZE)
                   && vhd_dynamic_header_decode(&header, header_bytes, VHD_DYNAMIC_HEADER_SIZE)
                          == VHD_FORMAT_OK);
done:
    CloseHandle(file);
    return unfinished;
}

/* E_ALREADY_EXISTS, saying what is there when it is a creation's leftover. */
static HRESULT exists_error(struct disk_target *target)
{
    if (is_unfinished_disk(target->path))
        return target_error(target, E_ALREADY_EXISTS,
                            L"the file there is an unfinished disk left by an interrupted creation; delete it and try again");
    return target_error(target, E_ALREADY_EXISTS, L"a file or folder already exists there");
}

static HRESULT create_file(struct disk_target *target)
{
    vhd_status status = target->io.io.create(&target->io.io);

    switch (status) {
    case VHD_OK: {
        WCHAR stored[MAX_PATH];

        if (stored_as_named(target->io.file, target->path, stored, ARRAYSIZE(stored)))
            return S_OK;
        target->io.io.remove(&target->io.io);
        return target_error(target, E_INVALID_NAME, L"its volume cannot hold the file name given; it would store it as \"%ls\"",
                            stored);
    }
    case VHD_E_EXISTS:
        return exists_error(target);
    case VHD_E_NOT_FOUND:
    case VHD_E_NOT_DIRECTORY:
        return target_error(target, E_PATH_NOT_FOUND, L"its folder cannot be found");
    case VHD_E_ACCESS:
        return target_error(target, E_ACCESSDENIED, L"access is denied, or the volume is read-only (Windows error %d)",
                            target->io.io.os_error);
    case VHD_E_NO_SPACE:
        return target_error(target, E_DISK_FULL, L"its volume is full");
    case VHD_E_INVALID_PATH:
        return target_error(target, E_INVALID_NAME, L"Windows does not accept the name");
    case VHD_E_NO_MEMORY:
        return target_error(target, E_OUTOFMEMORY, L"out of memory");
    default:
        return target_error(target, DISP_E_EXCEPTION, L"the file could not be created (Windows error %d)",
                            target->io.io.os_error);
    }
}

HRESULT disk_target_prepare(const WCHAR *path, enum disk_target_kind kind, ULONGLONG size_bytes,
                            struct disk_target **out, struct host_error *error)
{
    struct disk_target_shape shape = { DISK_FORMAT_VHD, kind, size_bytes, 0, 0, 0 };
    return disk_target_prepare_shape(path, &shape, out, error);
}

HRESULT disk_target_prepare_shape(const WCHAR *path, const struct disk_target_shape *shape,
                                  struct disk_target **out, struct host_error *error)
{
    struct disk_target *target;
    WCHAR *folder = NULL, *last_separator;
    size_t root;
    HRESULT hr;

    *out = NULL;
    target = vs_calloc(1, sizeof(*target));
    if (target)
        vhd_io_win32_init(&target->io, NULL);   /* before any failure: cleanup uses it */
    if (!target || !(target->path = vs_wcsdup(path)) || !(folder = vs_wcsdup(path))) {
        hr = host_error_set(error, E_OUTOFMEMORY, L"Out of memory.");
        goto failed;
    }
    target->shape = *shape;
    target->size_bytes = shape->size_bytes;
    target->kind = shape->kind;
    target->error = error;
    target->io.path = target->path;

    if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES) {
        hr = exists_error(target);
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
        hr = target_error(target, E_PATH_NOT_FOUND, L"its drive or share \"%ls\" cannot be found", folder);
        goto failed;
    }
    hr = check_volume(target, folder);
    if (FAILED(hr))
        goto failed;
    hr = create_file(target);
    if (FAILED(hr))
        goto failed;
    vs_free(folder);
    *out = target;
    return S_OK;

failed:
    vs_free(folder);
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
        vs_free(folder);
    }
}

void disk_target_free(struct disk_target *target)
{
    if (target->io.file != INVALID_HANDLE_VALUE)
        target->io.io.close(&target->io.io);
    if (target->io.file != INVALID_HANDLE_VALUE) {     /* close() keeps a vanished file open */
        CloseHandle(target->io.file);
        target->io.file = INVALID_HANDLE_VALUE;
    }
    while (target->created_count > 0)
        vs_free(target->created_folders[--target->created_count]);
    vs_free(target->created_folders);
    vs_free(target->path);
    vs_free(target);
}

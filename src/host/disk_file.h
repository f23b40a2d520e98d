/* An existing disk (VHD or VHDX, told apart by its content) opened for reading (or for an
 * in-place change) through the neutral reader (disk_image.h), with every failure reported as the documented HRESULT and a sentence: what
 * GetHardDisk and IVMHardDisk's properties stand on. Each call opens the file anew and the
 * caller closes it, so what it reports is what the file holds now. */
#ifndef VSDISK_DISK_FILE_H
#define VSDISK_DISK_FILE_H

#include <windows.h>
#include "host_error.h"
#include "vhd_io_win32.h"
#include "disk_image.h"
#include "disk_relink.h"
#include "vhd_reader.h"

struct disk_file {
    struct vhd_io_win32 backend;
    WCHAR *path;
    disk_image *image;
};

/* What the disk is: format, kind, sizes, ids. */
const disk_info *disk_file_info(const struct disk_file *file);

/* Opens path (a full path that passed path_check). E_FILE_NOT_FOUND, E_PATH_NOT_FOUND,
 * E_SHARING_VIOLATION (in use: being created, or opened without sharing), E_ACCESSDENIED,
 * VM_E_INVALID_HD_FILE (a folder, or not a valid VHD or VHDX: the reason says which field),
 * E_OUTOFMEMORY, DISP_E_EXCEPTION (reading failed). */
HRESULT disk_file_open(const WCHAR *path, vhd_io_open_mode mode, struct disk_file **file,
                       struct host_error *error);
void disk_file_close(struct disk_file *file);

/* The full path of the parent of the differencing disk in file, found through its locators
 * (W2ru relative to the child's folder, W2ku, then the header's parent name in the child's
 * folder) and checked (unique id, size, a valid VHD). VM_E_PARENT_PATH_NOT_FOUND with the
 * reason when none works. The caller frees *parent_path with vs_free. */
HRESULT disk_file_find_parent(struct disk_file *file, WCHAR **parent_path,
                              struct host_error *error);

/* Re-points the differencing disk at child_path to the disk at parent_path (crash-safe, see
 * vhd_relink_parent). VM_E_PARENT_CHILD_ID_MISMATCH when the parent's unique id is not the
 * one the child expects, VM_E_WRONG_HD_IMAGE_TYPE when the child is not differencing. */
HRESULT disk_file_relink(const WCHAR *child_path, const WCHAR *parent_path,
                         struct host_error *error);

/* The paths a re-link records for the parent at parent_path of the differencing disk at
 * child_path, as CreateDifferencingVirtualHardDisk writes them: the absolute path, W2ru's path
 * relative to the child's folder (none across drives or shares) and a VHDX's volume_path
 * (none where the volume has no such name). paths points into buffers. FALSE, paths unset,
 * when parent_path is MAX_PATH units or longer (no path vsdisk opens is). */
struct disk_file_parent_paths {
    WCHAR absolute[MAX_PATH];
    WCHAR relative[MAX_PATH];
    WCHAR volume[MAX_PATH + 64];
};
BOOL disk_file_parent_paths(const WCHAR *child_path, const WCHAR *parent_path,
                            struct disk_file_parent_paths *buffers, disk_relink_paths *paths);

/* The bytes free for the caller on the volume that holds path's folder. */
HRESULT disk_file_free_space(const WCHAR *path, ULONGLONG *free_bytes, struct host_error *error);

/* Calls found with the full path of each file named *.vhd or *.vhdx (any case) directly in folder,
 * in the order the file system lists them. A folder that does not exist gives
 * E_PATH_NOT_FOUND; found's failure stops the search and is returned. */
HRESULT disk_file_search(const WCHAR *folder, HRESULT (*found)(void *ctx, const WCHAR *path),
                         void *ctx, struct host_error *error);
/* The same for the files whose names end in extension (".vfd"; several separated by ';',
 * ".vhd;.vhdx"; any case). */
HRESULT disk_file_search_extension(const WCHAR *folder, const WCHAR *extension,
                                   HRESULT (*found)(void *ctx, const WCHAR *path), void *ctx,
                                   struct host_error *error);

/* UTF-8 of a UTF-16 string, and back; vs_malloc'd, NULL when out of memory or not valid. */
char *disk_file_utf8(const WCHAR *text);
WCHAR *disk_file_utf16(const char *text);

/* The failure of opening path (a Win32 error of open()) and of the reader, as documented
 * HRESULTs with a sentence (what disk_file_open reports). */
HRESULT disk_file_open_failed(const WCHAR *path, DWORD error, struct host_error *out);
HRESULT disk_file_reader_failed(const WCHAR *path, const vhd_reader_error *reader,
                                struct host_error *out);

/* The full path (MAX_PATH units in out) a parent locator of the disk at child names, by the
 * rules win32_parent_opener follows; FALSE when it names nothing vsdisk may open. */
BOOL disk_file_candidate_path(const WCHAR *child, const vhd_parent_candidate *candidate,
                              WCHAR *out);

/* The parent opener for Win32 hosts (what disk_file_find_parent uses): read-only, shared with
 * everyone, through the Win32 back end. */
extern const vhd_parent_opener win32_parent_opener;
/* The same, with the parents' back ends out of the test hooks (vhd_io_win32_unhooked): the
 * chain a new differencing disk's parent is checked with (parent_disk_read). */
extern const vhd_parent_opener win32_parent_opener_unhooked;

#endif

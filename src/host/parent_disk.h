/* The parent of a new differencing disk, read on Win32: opened read-only (never written),
 * validated with the portable reader together with its whole chain, and described for the
 * writer. It reads through the Win32 back end and follows the chain with disk_file.c's parent
 * opener, as GetHardDisk and the operations' jobs do. */
#ifndef VSDISK_PARENT_DISK_H
#define VSDISK_PARENT_DISK_H

#include <windows.h>
#include "host_error.h"
#include "disk_image.h"
#include "vhd_create_differencing.h"
#include "vhdx_create.h"

#define PARENT_DISK_CHAIN_MAX 128

struct parent_disk {
    disk_format format;                /* a child is made in its parent's format */
    vhd_parent_facts facts;            /* absolute_path = path below; no relative path yet;
                                        * for a VHDX, size_bytes only */
    vhdx_parent_facts vhdx;            /* a VHDX's virtual-disk items and DataWriteGuid; no paths */
    WCHAR path[MAX_PATH];
    size_t chain_count;                /* files of the chain, the parent first */
    struct { DWORD volume; ULONGLONG index; } chain[PARENT_DISK_CHAIN_MAX];
};

/* Reads the parent at path (a full path that passed path_check). Fails with
 * VM_E_PARENT_PATH_NOT_FOUND (no file there), VM_E_INVALID_HD_FILE (not a valid VHD or VHDX, or its
 * chain does not resolve: the reason in words), VM_E_IMAGE_SIZE_TOO_SMALL / _TOO_LARGE (a
 * size no differencing disk can have), E_ACCESSDENIED, E_OUTOFMEMORY or DISP_E_EXCEPTION. */
HRESULT parent_disk_read(const WCHAR *path, struct parent_disk *parent, struct host_error *error);

/* The parent's path as Windows writes a VHDX's volume_path key, "\\\\?\\Volume{GUID}\\dir\\name",
 * into out (capacity units, NUL-terminated); its length, or 0 where the volume has no such
 * name (a share, or a host that cannot say). */
size_t parent_disk_volume_path(const WCHAR *path, WCHAR *out, size_t capacity);

/* TRUE if path names an existing file of the parent's chain (same volume and file index);
 * *level gets 0 for the parent itself. */
BOOL parent_disk_chain_contains(const struct parent_disk *parent, const WCHAR *path, size_t *level);

#endif

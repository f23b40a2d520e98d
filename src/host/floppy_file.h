/* Floppy disk images on a Win32 host (what CreateFloppyDiskImage and GetFloppyDiskImageType
 * stand on): the portable part (src/floppy) over the target machinery and the Win32 back end.
 * Failures are reported as the documented HRESULTs with a sentence. */
#ifndef VSDISK_FLOPPY_FILE_H
#define VSDISK_FLOPPY_FILE_H

#include <windows.h>
#include "host_error.h"

/* Creates a blank image of type (floppy_type_creatable) at path, a full path that passed
 * path_check: missing folders made, free space checked, the file created exclusively
 * (E_ALREADY_EXISTS for anything there, never replaced), written and flushed. On any failure
 * the file and the folders it made are removed. E_DISK_FULL, E_PATH_NOT_FOUND, E_INVALID_NAME,
 * E_ACCESSDENIED, E_OUTOFMEMORY, DISP_E_EXCEPTION. */
HRESULT floppy_file_create(const WCHAR *path, int type, struct host_error *error);

/* The type of the existing file at path (a full path that passed path_check), by its size:
 * E_FILE_NOT_FOUND, E_PATH_NOT_FOUND, E_SHARING_VIOLATION, E_ACCESSDENIED, or
 * DISP_E_EXCEPTION for a folder, a device or a file of no floppy image's size (saying its
 * size and the sizes there are). */
HRESULT floppy_file_type(const WCHAR *path, int *type, struct host_error *error);

#endif

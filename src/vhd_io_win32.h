/* The disk writer's I/O interface on Win32 handles. */
#ifndef VSDISK_VHD_IO_WIN32_H
#define VSDISK_VHD_IO_WIN32_H

#include <windows.h>
#include "vhd_io.h"

struct vhd_io_win32 {
    vhd_io io;
    const WCHAR *path;      /* borrowed; must outlive the back end */
    HANDLE file;
};

void vhd_io_win32_init(struct vhd_io_win32 *backend, const WCHAR *path);

/* The status for a Win32 error code. */
vhd_status vhd_status_from_win32(DWORD error);

#endif

/* The disk writer's I/O interface on Win32 handles. */
#ifndef VSDISK_VHD_IO_WIN32_H
#define VSDISK_VHD_IO_WIN32_H

#include <windows.h>
#include "vhd_io.h"
#include "vhd_reader.h"

struct vhd_io_win32 {
    vhd_io io;
    const WCHAR *path;      /* borrowed; must outlive the back end */
    HANDLE file;
    /* Set by close() when the finished file is no longer at path (it, or a folder on the
     * way, was deleted or moved while it was written); close() then fails, keeps the
     * handle open, and remove() empties and deletes the file through the handle. */
    BOOL vanished;
    /* open() opened an existing file: close() just closes it, remove() never deletes it. */
    BOOL opened;
    /* A staged target (vhd_io_win32_init_staged): create() makes path, publish() renames it
     * to final_path; once published, remove() leaves it. */
    const WCHAR *final_path;
    BOOL published;
    DWORD volume;           /* identity of the opened file */
    ULONGLONG index;
    /* Test hooks, read from the environment when the back end is set up:
     * VSDISK_TEST_WRITE_DELAY_MS=n sleeps n ms before each write or allocate;
     * VSDISK_TEST_FAIL_IO_CALL=n[:error] fails the n-th I/O call (1 = the create) with the
     * Win32 error given (default ERROR_IO_DEVICE); allocate(), set_size() and publish()
     * count as calls too; each back end counts its own calls;
     * VSDISK_TEST_FAIL_CREATED_CALL=n[:error] the same, counting only the calls of a back end
     * that create()s its file (1 = the create): a new disk's, not its sources';
     * VSDISK_TEST_NO_RESERVATION=1 leaves allocate() NULL (fixed disks get zeros written).
     * Unset, they cost nothing. */
    DWORD write_delay_ms;
    unsigned fail_call;
    DWORD fail_error;
    unsigned calls;
    BOOL created;
    unsigned fail_created_call;
    DWORD fail_created_error;
    unsigned created_calls;
};

void vhd_io_win32_init(struct vhd_io_win32 *backend, const WCHAR *path);
/* A back end whose create() makes temp_path and whose publish() renames it to final_path
 * (never over an existing file). Both paths are borrowed. */
void vhd_io_win32_init_staged(struct vhd_io_win32 *backend, const WCHAR *temp_path,
                              const WCHAR *final_path);

/* Takes backend out of the test hooks (VSDISK_TEST_FAIL_IO_CALL, _FAIL_CREATED_CALL,
 * _WRITE_DELAY_MS): for a file only read to check it (a new differencing disk's parent and its
 * chain), which is no I/O call of the operation the hooks count. Call after init. */
void vhd_io_win32_unhooked(struct vhd_io_win32 *backend);

/* The volume serial number and file index of the open file (for the reader's loop checks). */
vhd_file_identity vhd_io_win32_identity(const struct vhd_io_win32 *backend);

/* The status for a Win32 error code. */
vhd_status vhd_status_from_win32(DWORD error);

#endif

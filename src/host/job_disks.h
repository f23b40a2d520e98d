/* The disks of a Convert, MergeTo, Merge or Compact job (vhd_ops.h) on Win32, opened on the
 * caller's thread before the task starts, with "held for writing" mapped to sharing modes:
 * the disks a job reads are opened FILE_SHARE_READ only (a writer's open fails with
 * ERROR_SHARING_VIOLATION while the job runs, and the job is refused while one writes), the
 * disk it changes GENERIC_WRITE with FILE_SHARE_READ (readers, such as IVMHardDisk's
 * properties, still open it). Every failure is a documented HRESULT and a sentence. */
#ifndef VSDISK_JOB_DISKS_H
#define VSDISK_JOB_DISKS_H

#include <windows.h>
#include "disk_chain.h"
#include "host_error.h"
#include "vhd_io_win32.h"
#include "vhd_ops.h"

struct job_chain {
    struct vhd_io_win32 backend;     /* the disk itself (level 0) */
    WCHAR *path;
    char *name;                      /* path in UTF-8, the chain's name of level 0 */
    disk_chain *chain;
    vhd_parent_opener opener;
    BOOL for_merge;                  /* the parent opened shared (Merge opens it again) */
    BOOL in_use;                     /* a parent was refused: another process writes it */
};

/* Opens path and all its parents for reading, refusing writers (for_merge: the parent
 * shared, to be opened again for writing). E_SHARING_VIOLATION while another process writes
 * one of them; VM_E_PARENT_PATH_NOT_FOUND, VM_E_INVALID_HD_FILE, E_FILE_NOT_FOUND... */
HRESULT job_chain_open(const WCHAR *path, BOOL for_merge, struct job_chain **out,
                       struct host_error *error);
/* The same with the file opened as class (a raw image: raw_disk.h), never by its content. */
HRESULT job_chain_open_as(const WCHAR *path, const disk_image_class *class, BOOL for_merge,
                          struct job_chain **out, struct host_error *error);
void job_chain_close(struct job_chain *chain);

/* Opens the existing disk at path for an in-place change (VHD_IO_OPEN_READ_WRITE), into
 * backend (path borrowed). VM_E_FILE_READ_ONLY when the file or its volume cannot be
 * written, E_SHARING_VIOLATION while another process has it open for writing (or refuses
 * writers). */
HRESULT job_disk_open_for_writing(struct vhd_io_win32 *backend, const WCHAR *path,
                                  const WCHAR *which, struct host_error *error);

/* A new disk's path: nothing there (E_ALREADY_EXISTS), its folder exists
 * (E_PATH_NOT_FOUND), the volume has need_bytes free (E_DISK_FULL). *staged gets the
 * temporary name the job writes first (path + ".vsdisk-partial-XXXXXXXX"; vs_free it). */
HRESULT job_target_check(const WCHAR *path, ULONGLONG need_bytes, WCHAR **staged,
                         struct host_error *error);

#endif

/* A parent opener for POSIX hosts: a relative locator (W2ru, Wi2r, or a MacX URL or W2ku
 * path that is not absolute) is taken relative to the child's folder with '\' read as '/';
 * an absolute POSIX path as it is; a Windows absolute path (drive letter or UNC) cannot name a
 * file here and is skipped; the header's parent name is looked for by its last component in
 * the child's folder (as libvhdi does). Files are opened read-only. */
#ifndef VHD_PARENT_POSIX_H
#define VHD_PARENT_POSIX_H

#include "vhd_io_posix.h"
#include "vhd_reader.h"

extern const vhd_parent_opener vhd_parent_posix_opener;

/* The identity (device, inode) of an open POSIX back end. */
vhd_file_identity vhd_io_posix_identity(const struct vhd_io_posix *posix);

/* The path a candidate maps to (malloc'd), or NULL if it names nothing on this host. */
char *vhd_parent_posix_path(const char *child_name, const vhd_parent_candidate *candidate);

/* Opens the file a candidate maps to with mode and fills file (its handle owns the back end
 * and the path); VHD_E_NOT_FOUND if the candidate names nothing here, else the open's status.
 * vhd_parent_posix_close_file closes and frees what it opened. */
vhd_status vhd_parent_posix_open_file(const char *child_name,
                                      const vhd_parent_candidate *candidate,
                                      vhd_io_open_mode mode, vhd_parent_file *file);
void vhd_parent_posix_close_file(vhd_parent_file *file);

#endif

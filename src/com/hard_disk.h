/* VMHardDisk (IVMHardDisk) and the server members that open disks. */
#ifndef VSDISK_HARD_DISK_H
#define VSDISK_HARD_DISK_H

#include <windows.h>
#include <ole2.h>
#include "vsdisk.h"
#include "search_paths.h"
#include "task_list.h"

/* A new IVMHardDisk for the image at path (not checked), whose Convert, MergeTo, Merge and
 * Compact tasks are listed in tasks (the server's; referenced). E_OUTOFMEMORY only. */
HRESULT hard_disk_create(const WCHAR *path, struct task_list *tasks, IVMHardDisk **out);

/* IVMVirtualServer.GetHardDisk: checks the path as the API documents, then the file (it
 * must be a valid VHD), and returns its IVMHardDisk. Every failure sets error information. */
HRESULT hard_disk_get(BSTR image_path, struct task_list *tasks, IVMHardDisk **out);

/* IVMVirtualServer.GetHardDiskFiles: the .vhd files in the server's SearchPaths and in
 * additional (a string, an array of strings, or empty), as an array of full paths. */
HRESULT hard_disk_files(struct search_paths *search_paths, const VARIANT *additional,
                        VARIANT *out);

#endif

/* The image files a server's members list (GetHardDiskFiles, GetFloppyDiskFiles): those whose
 * names end in an extension, directly in each folder of the search paths and of the caller's
 * additional paths, as a VARIANT array of full paths. hard_disk_files.c. */
#ifndef VSDISK_IMAGE_FILES_H
#define VSDISK_IMAGE_FILES_H

#include <windows.h>
#include <ole2.h>

/* search_paths: a SAFEARRAY of BSTR (the server's SearchPaths; NULL for none); additional: the
 * caller's argument (a string, an array of strings, or left out); method names the member in
 * the error descriptions; extension: ".vhd", ".vfd" (any case). E_POINTER, E_INVALIDARG (the
 * argument is not strings, or names a folder path_check refuses), E_OUTOFMEMORY,
 * DISP_E_EXCEPTION; sets error information. */
HRESULT image_files(SAFEARRAY *search_paths, const VARIANT *additional, VARIANT *out,
                    const WCHAR *method, const WCHAR *extension);

#endif

/* IVMVirtualServer's floppy disk image members (floppy_image.c), in the server's vtable. */
#ifndef VSDISK_FLOPPY_IMAGE_H
#define VSDISK_FLOPPY_IMAGE_H

#include <windows.h>
#include <ole2.h>

#include "vsdisk.h"

HRESULT WINAPI server_CreateFloppyDiskImage(IVsDiskVirtualServer *iface, BSTR imagePath, VMFloppyDiskImageType imageType);
HRESULT WINAPI server_GetFloppyDiskImageType(IVsDiskVirtualServer *iface, BSTR imagePath, VMFloppyDiskImageType *getFloppyDiskImageType);
HRESULT WINAPI server_GetFloppyDiskFiles(IVsDiskVirtualServer *iface, VARIANT inAdditionalSearchPaths, VARIANT *outFloppyDiskFileList);

#endif

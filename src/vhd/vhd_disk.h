/* The VHD room's face to the neutral layer (disk_image.h): its class, and its own image
 * behind a neutral one. */
#ifndef VHD_DISK_H
#define VHD_DISK_H

#include "disk_formats.h"
#include "vhd_reader.h"

/* The VHD image behind image, or NULL if image is not a VHD. */
vhd_image *vhd_disk_image(const disk_image *image);

#endif

/* The VHDX room's face to the neutral layer (disk_image.h): its class, and its own image
 * behind a neutral one. */
#ifndef VHDX_DISK_H
#define VHDX_DISK_H

#include "disk_formats.h"
#include "vhdx_reader.h"

/* The VHDX image behind image, or NULL if image is not a VHDX. */
vhdx_image *vhdx_disk_image(const disk_image *image);

/* The neutral error for a VHDX reader error (the reason kept, the I/O status for an I/O one). */
vhd_reader_code vhdx_disk_translate_error(const vhdx_reader_error *from, vhd_reader_error *to);

#endif

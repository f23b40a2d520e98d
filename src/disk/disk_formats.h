/* The formats' rooms, as the neutral layer sees them: one class each. Adding a format is
 * adding its room and one line here and in disk_image.c's table. */
#ifndef DISK_FORMATS_H
#define DISK_FORMATS_H

#include "disk_image.h"

extern const disk_image_class vhd_disk_class;
extern const disk_image_class vhdx_disk_class;

#endif

/* The formats' rooms, as the neutral layer sees them: one class each. Adding a format is
 * adding its room and one line here and in disk_image.c's table. */
#ifndef DISK_FORMATS_H
#define DISK_FORMATS_H

#include "disk_image.h"

extern const disk_image_class vhd_disk_class;
extern const disk_image_class vhdx_disk_class;
/* Never in the table of disk_image.c: opened only by disk_image_open_as (raw_disk.h). */
extern const disk_image_class raw_disk_class;
extern const disk_image_class raw_padded_disk_class;

#endif

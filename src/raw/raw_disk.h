/* The raw room: a raw image, a plain dump of a disk's sectors with no header or footer, read as
 * a fixed disk of the file's size with no parent. A file is never taken for raw from its
 * content (anything is a valid raw image); a caller asks for it by class:
 *   disk_image_open_as(&image, &raw_disk_class, io, options, error)
 * Holes of a sparse file (io->next_data) are mapped as DISK_EXTENT_ZERO, so a job never reads
 * them. The file is only read. */
#ifndef RAW_DISK_H
#define RAW_DISK_H

#include "disk_formats.h"     /* raw_disk_class, raw_padded_disk_class */

/* size rounded up to a whole number of sectors (UINT64_MAX rounds down to stay representable). */
uint64_t raw_disk_padded_size(uint64_t size);

#endif

/* Virtual Server's floppy disk images: a .vfd file is the floppy's sectors one after another,
 * with no header, so a file's type is its size. The types are VMFloppyDiskImageType's values.
 * Sizes are the standard geometries' (cylinders x heads x sectors per track x 512); only
 * 1,474,560 bytes is confirmed by a public source, and XDF's image size is not known, so a
 * file is never classified as XDF (docs/formats.md, "Floppy images"). */
#ifndef FLOPPY_FORMAT_H
#define FLOPPY_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include "vhd_io.h"

typedef enum floppy_type {
    FLOPPY_UNKNOWN = 0,
    FLOPPY_LOW_DENSITY = 1,                 /* 720 KB: 80 x 2 x 9 */
    FLOPPY_HIGH_DENSITY = 2,                /* 1.44 MB: 80 x 2 x 18 */
    FLOPPY_DMF = 3,                         /* 1.68 MB: 80 x 2 x 21 */
    FLOPPY_LOW_DENSITY_SINGLE_SIDED = 4,    /* 360 KB: 80 x 1 x 9 */
    FLOPPY_MEDIUM_DENSITY = 5,              /* 1.2 MB (5.25"): 80 x 2 x 15 */
    FLOPPY_HIGH_DENSITY_MSS = 6             /* XDF: size unknown */
} floppy_type;

#define FLOPPY_TYPE_LAST FLOPPY_HIGH_DENSITY_MSS

/* The image's size in bytes; 0 for FLOPPY_UNKNOWN, XDF and values outside the enum. */
uint64_t floppy_image_size(int type);

/* True for the types CreateFloppyDiskImage makes: low and high density, as documented. */
bool floppy_type_creatable(int type);

/* The type whose image is exactly size bytes; FLOPPY_UNKNOWN for any other size. */
floppy_type floppy_type_of_size(uint64_t size);

/* "720 KB", "1.44 MB"...; never NULL. */
const char *floppy_type_name(int type);

/* Writes a blank image of type (all zeros: the guest formats it, as it would a new floppy)
 * into a file io->create() has already made, flushes and closes it. On any failure the file
 * is closed and removed. VHD_E_INVALID_SIZE (nothing written, the file removed) for a type
 * floppy_type_creatable refuses. */
vhd_status floppy_image_write(vhd_io *io, int type);

#endif
